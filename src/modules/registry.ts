/**
 * Module discovery: every `src/modules/<name>/module.ts` is a module. Importing it also registers
 * its configuration kinds and ops-plan sections, so the CLI (`vigil validate`) and the server see
 * the same plan vocabulary. No hub file lists modules: adding a folder adds the capability.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { VigilModule } from './module.ts';

const here = dirname(fileURLToPath(import.meta.url));
let loaded: Promise<VigilModule[]> | undefined;

/** Imports every module once, sorted so that dependencies come before dependents. */
export function loadModules(): Promise<VigilModule[]> {
  loaded ??= (async () => {
    const names = readdirSync(here, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'module.ts')))
      .map((d) => d.name)
      .sort();
    const mods: VigilModule[] = [];
    for (const name of names) {
      const m = (await import(pathToFileURL(join(here, name, 'module.ts')).href)).default as VigilModule;
      if (!m || m.name !== name)
        throw new Error(`src/modules/${name}/module.ts must default-export a module named "${name}"`);
      mods.push(m);
    }
    return orderByDependencies(mods);
  })();
  return loaded;
}

/** Topological order (stable by name); throws on unknown or circular dependencies. */
export function orderByDependencies(mods: VigilModule[]): VigilModule[] {
  const byName = new Map(mods.map((m) => [m.name, m]));
  const out: VigilModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: VigilModule, path: string[]) => {
    if (state.get(m.name) === 'done') return;
    if (state.get(m.name) === 'visiting')
      throw new Error(`circular module dependency: ${[...path, m.name].join(' → ')}`);
    state.set(m.name, 'visiting');
    for (const d of [...(m.dependsOn ?? [])].sort()) {
      const dep = byName.get(d);
      if (!dep) throw new Error(`module ${m.name} depends on unknown module ${d}`);
      visit(dep, [...path, m.name]);
    }
    state.set(m.name, 'done');
    out.push(m);
  };
  for (const m of [...mods].sort((a, b) => a.name.localeCompare(b.name))) visit(m, []);
  return out;
}
