/**
 * Console sections contributed by capability folders. Each `web/src/features/<name>/index.tsx`
 * exports `section: ConsoleSection`; the shell discovers them at build time, so adding a
 * capability's screens never touches App.tsx.
 */
import type { ReactNode } from 'react';

/** Where a navigation entry sits in the side navigation. */
export type NavGroup = 'operate' | 'configure' | 'catalog' | 'admin';

export interface NavItem {
  to: string;
  label: string;
  group: NavGroup;
  /** Sort key inside the group (lower first). */
  order: number;
  /** Minimum role to see the entry (pages still check permissions through the API). */
  role?: string;
}

export interface RouteContext {
  /** The signed-in user's base role. */
  role: string;
}

export interface ConsoleSection {
  name: string;
  nav: NavItem[];
  /** The page for `path`, or undefined when this section does not own the path. */
  route(path: string, ctx: RouteContext): ReactNode | undefined;
}

const modules = import.meta.glob<{ section: ConsoleSection }>('./features/*/index.tsx', { eager: true });

/** Every discovered section, in a stable order (by folder name). */
export const SECTIONS: ConsoleSection[] = Object.keys(modules)
  .sort()
  .map((k) => modules[k].section)
  .filter((s): s is ConsoleSection => Boolean(s));
