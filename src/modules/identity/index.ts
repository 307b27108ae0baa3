/**
 * The identity module's public surface for other modules: scoped access checks and the
 * principal's shape. Import from here, not from the module's internals.
 */
export { type AccessScope, assertCan, can, grantCovers, grantedTeams } from './access.ts';
export type { IdentityApi } from './module.ts';
export type { Principal, ScopedGrant } from './tokens.ts';
