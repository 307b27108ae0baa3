/** Cross-section reference checks: every `owner`, `teams`, `environments`, … must name a declared object. */
import { didYouMean } from './diagnostics.ts';
import type { PlanReference, SectionRegistry } from './registry.ts';
import { parsePath, positionOf, type SourceFile } from './source.ts';
import type { PlanDiagnostic, PlanObject } from './types.ts';

/**
 * Reports each reference to an object the plan does not declare, at the reference itself.
 * References to kinds whose section already failed validation are skipped: the target may exist
 * in the broken section, and one error there is more useful than a cascade here.
 */
export function checkReferences(
  objects: PlanObject[],
  objectFile: Map<PlanObject, SourceFile>,
  registry: SectionRegistry,
  failedKinds: Set<string>,
  diags: PlanDiagnostic[],
): void {
  const keysByKind = new Map<string, Set<string>>();
  for (const o of objects) {
    let keys = keysByKind.get(o.kind);
    if (!keys) keysByKind.set(o.kind, (keys = new Set()));
    keys.add(o.key);
  }
  const referencing = new Map<string, (o: PlanObject) => PlanReference[]>();
  for (const def of registry.list()) {
    if (!def.references) continue;
    for (const k of def.kinds) referencing.set(k, def.references);
  }
  for (const o of objects) {
    const refs = referencing.get(o.kind)?.(o) ?? [];
    for (const ref of refs) {
      if (failedKinds.has(ref.kind)) continue;
      const knownSet = keysByKind.get(ref.kind);
      if (knownSet?.has(ref.key)) continue;
      const known = [...(knownSet ?? [])];
      const src = objectFile.get(o)!;
      const base = o.source.path ?? '';
      const full = parsePath(base ? `${base}.${ref.path}` : ref.path);
      const guess = didYouMean(ref.key, known);
      diags.push({
        file: src.file,
        ...positionOf(src, full),
        severity: 'error',
        path: base ? `${base}.${ref.path}` : ref.path,
        message: `unknown ${ref.kind} "${ref.key}" referenced by ${o.kind} "${o.key}"${guess ? ` — did you mean "${guess}"?` : ''}`,
        expected: known.length
          ? `one of the ${ref.kind} keys declared in the plan: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}`
          : `a ${ref.kind} declared in the plan (there are none yet)`,
        hint: guess
          ? `change it to "${guess}", or declare ${ref.kind} "${ref.key}" in the plan`
          : `declare ${ref.kind} "${ref.key}" in the plan or fix the reference`,
      });
    }
  }
}
