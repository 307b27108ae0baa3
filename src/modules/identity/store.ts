/** Row types of the identity tables and a typed view of the shared store. */
import type { Kysely } from 'kysely';
import type { Db } from '../../db/db.ts';

export interface IdentityTables {
  identity_credentials: { user_key: string; password_hash: string; changed_at: number };
  identity_sessions: {
    id: string;
    token_hash: string;
    user_key: string;
    method: string;
    created_at: number;
    last_seen_at: number;
    expires_at: number;
    revoked_at: number | null;
    source_ip: string | null;
    user_agent: string | null;
  };
  identity_login_failures: { id: string; account: string; source_ip: string; at: number };
  identity_links: {
    id: string;
    token_hash: string;
    purpose: string;
    user_key: string | null;
    created_by: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
  };
  identity_oidc_states: {
    state: string;
    code_verifier: string;
    nonce: string;
    return_to: string;
    expires_at: number;
  };
}

/** The store seen through the identity tables (the foundation's Database type does not list them). */
export const idb = (k: Db['kysely'] | Kysely<any>) => k as unknown as Kysely<IdentityTables>;
