/** Registers the foundation sections (org, severities, teams, environments, users, services). */
import { defaultRegistry, type SectionDef, type SectionRegistry } from '../registry.ts';
import { environmentsSection } from './environments.ts';
import { orgSection } from './org.ts';
import { servicesSection } from './services.ts';
import { severitiesSection } from './severities.ts';
import { teamsSection } from './teams.ts';
import { usersSection } from './users.ts';

export { responseTargetMs, SEVERITY_PRESETS, type SeverityLevel } from './severities.ts';
export { isTimeZone, ROLES } from './users.ts';

/** The foundation sections, in the order they are documented. */
export const FOUNDATION_SECTIONS: SectionDef[] = [
  orgSection,
  severitiesSection,
  teamsSection,
  environmentsSection,
  usersSection,
  servicesSection,
];

/** Adds the foundation sections to `registry` (the default registry gets them at import). */
export function registerFoundationSections(registry: SectionRegistry): void {
  for (const s of FOUNDATION_SECTIONS) registry.register(s);
}

registerFoundationSections(defaultRegistry);
