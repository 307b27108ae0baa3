/**
 * Scoped access checks. A user's org role applies everywhere; each grant raises it for one team
 * and/or some environments. Modules call `can`/`assertCan` with the scope of the object they
 * touch (the owning team, the target environment) — see docs/security.md.
 */
import { forbidden } from '../../kernel/errors.ts';
import type { Role } from '../catalog/kinds.ts';
import { type Principal, roleAtLeast, type ScopedGrant } from './tokens.ts';

/** What an action touches: the team that owns the object and/or the environment it affects. */
export interface AccessScope {
  team?: string;
  environment?: string;
}

/** True when `grant` covers `scope` (a team-only grant covers all of that team's environments). */
export function grantCovers(grant: ScopedGrant, scope: AccessScope = {}): boolean {
  if (grant.team !== undefined && grant.team !== scope.team) return false;
  if (grant.environments !== undefined) {
    if (scope.environment === undefined || !grant.environments.includes(scope.environment)) return false;
  }
  return true;
}

/** True when `principal` holds at least `need` for `scope` (org role, or a grant covering it). */
export function can(principal: Principal | null | undefined, need: Role, scope: AccessScope = {}): boolean {
  if (!principal) return false;
  if (roleAtLeast(principal.role, need)) return true;
  return (principal.grants ?? []).some((g) => roleAtLeast(g.role, need) && grantCovers(g, scope));
}

/** Like `can`, but throws a 403 problem that names what is missing. */
export function assertCan(
  principal: Principal | null | undefined,
  need: Role,
  scope: AccessScope = {},
): void {
  if (can(principal, need, scope)) return;
  const where = [
    scope.team ? `team ${scope.team}` : null,
    scope.environment ? `environment ${scope.environment}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  throw forbidden(
    `this action needs the ${need} role${where ? ` for ${where}` : ''} (you have ${principal?.role ?? 'none'}${
      principal?.grants?.length ? ' plus grants that do not cover it' : ''
    })`,
  );
}

/** The teams in which `principal` holds at least `need` through a grant (for list filtering). */
export function grantedTeams(principal: Principal | null | undefined, need: Role): string[] {
  return [
    ...new Set(
      (principal?.grants ?? [])
        .filter((g) => roleAtLeast(g.role, need) && g.team !== undefined && g.environments === undefined)
        .map((g) => g.team as string),
    ),
  ];
}
