/**
 * Loads an ops plan from a file or a directory into desired objects, collecting every problem as
 * a positioned diagnostic. Never throws for user input.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { didYouMean, sortDiagnostics } from './diagnostics.ts';
import { checkReferences } from './references.ts';
import {
  type DiagnosticExtras,
  defaultRegistry,
  type SectionContext,
  type SectionRegistry,
} from './registry.ts';
import { schemaDiagnostics } from './schema-errors.ts';
import './sections/index.ts';
import { formatPath, parsePath, parseSource, positionOf, type Segment, type SourceFile } from './source.ts';
import type { PlanDiagnostic, PlanLoadResult, PlanObject, PruneSetting } from './types.ts';

/** Options for loading a plan. */
export interface LoadOptions {
  /** Section registry to use (tests pass their own); defaults to the global one. */
  registry?: SectionRegistry;
}

/** One input file: `file` is its path relative to the plan root, `display` how diagnostics name it. */
export interface PlanInput {
  file: string;
  display?: string;
  text: string;
}

/** Supported plan format versions. */
export const PLAN_VERSIONS = [1];

/** Loads a plan from a `vigil.yaml` file or a directory of YAML (and Markdown) files. */
export async function loadPlan(path: string, opts: LoadOptions = {}): Promise<PlanLoadResult> {
  const fail = (message: string, hint?: string): PlanLoadResult => ({
    ok: false,
    diagnostics: [{ file: path, line: 1, column: 1, severity: 'error', path: '', message, hint }],
  });
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (e) {
    return fail(
      `cannot read plan: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`,
    );
  }
  try {
    if (!info.isDirectory()) {
      const text = await readFile(path, 'utf8');
      const file = relative(dirname(path), path) || path;
      return loadPlanFromInputs([{ file, display: path, text }], {}, opts);
    }
    const found = await walk(path);
    const inputs: PlanInput[] = [];
    const documents: Record<string, string> = {};
    for (const rel of found) {
      const text = await readFile(join(path, rel), 'utf8');
      if (/\.ya?ml$/i.test(rel)) inputs.push({ file: rel, display: join(path, rel), text });
      else documents[rel] = text;
    }
    if (inputs.length === 0)
      return fail(`no *.yaml or *.yml files in ${path}`, 'create vigil.yaml in this directory');
    return loadPlanFromInputs(inputs, documents, opts);
  } catch (e) {
    return fail(`cannot read plan: ${(e as Error).message}`);
  }
}

/** Plan files under `dir` (relative, `/`-separated, sorted); skips dot-directories and node_modules. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(join(dir, prefix), { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, rel)));
    else if (/\.(ya?ml|md)$/i.test(e.name)) out.push(rel.split(sep).join('/'));
  }
  return out.sort();
}

/** Loads a plan held in memory (tests, the HTTP API). */
export function loadPlanFromString(
  text: string,
  filename = 'vigil.yaml',
  opts: LoadOptions = {},
): PlanLoadResult {
  return loadPlanFromInputs([{ file: filename, text }], {}, opts);
}

/** Loads a plan from several in-memory files (as if they were one directory). */
export function loadPlanFromInputs(
  inputs: PlanInput[],
  documents: Record<string, string> = {},
  opts: LoadOptions = {},
): PlanLoadResult {
  const diags: PlanDiagnostic[] = [];
  try {
    return loadInner(inputs, documents, opts.registry ?? defaultRegistry, diags);
  } catch (e) {
    // A bug in a section must not surface as a stack trace to the plan author.
    diags.push({
      file: inputs[0]?.display ?? inputs[0]?.file ?? 'vigil.yaml',
      line: 1,
      column: 1,
      severity: 'error',
      path: '',
      message: `internal error while loading the plan: ${(e as Error).message}`,
      hint: 'this is a bug in Vigil; please report it with the plan that triggers it',
    });
    return { ok: false, diagnostics: sortDiagnostics(diags) };
  }
}

function loadInner(
  inputs: PlanInput[],
  documents: Record<string, string>,
  registry: SectionRegistry,
  diags: PlanDiagnostic[],
): PlanLoadResult {
  const sources = inputs.map((i) => parseSource(i.display ?? i.file, i.text, diags));
  const relOf = new Map(sources.map((s, i) => [s, inputs[i].file]));
  const objects: PlanObject[] = [];
  const objectFile = new Map<PlanObject, SourceFile>();
  const failedKinds = new Set<string>();
  const singletonSeen = new Map<string, { file: string; line: number; column: number }>();
  let version = 1;
  let prune: PruneSetting = false;

  for (const src of sources) {
    if (src.broken || src.value === undefined || src.value === null) continue;
    if (typeof src.value !== 'object' || Array.isArray(src.value)) {
      diags.push({
        file: src.file,
        ...positionOf(src, []),
        severity: 'error',
        path: '',
        message: 'a plan file must be a mapping of sections',
        expected: `top-level keys such as ${registry.topLevelKeys().slice(0, 5).join(', ')}`,
      });
      continue;
    }
    for (const [key, value] of Object.entries(src.value as Record<string, unknown>)) {
      const keyPos = { file: src.file, ...positionOf(src, [key], 'key') };
      if (key === 'version' || key === 'prune' || registry.get(key)?.singleton) {
        const first = singletonSeen.get(key);
        if (first && key !== 'version') {
          diags.push({
            ...keyPos,
            severity: 'error',
            path: key,
            message: `section "${key}" is already defined at ${first.file}:${first.line}:${first.column}`,
            expected: `"${key}" in one file only`,
            hint: 'merge the two definitions or remove one',
          });
          continue;
        }
        if (!first) singletonSeen.set(key, keyPos);
      }
      if (key === 'version') {
        if (typeof value !== 'number' || !PLAN_VERSIONS.includes(value)) {
          diags.push({
            file: src.file,
            ...positionOf(src, [key]),
            severity: 'error',
            path: key,
            message: `unsupported plan version ${JSON.stringify(value)}`,
            expected: `one of: ${PLAN_VERSIONS.join(', ')}`,
            hint: 'use `version: 1`',
          });
        } else version = value;
        continue;
      }
      if (key === 'prune') {
        const p = checkPrune(value, src, registry, diags);
        if (p !== undefined) prune = p;
        continue;
      }
      const def = registry.get(key);
      if (!def) {
        const guess = didYouMean(key, registry.topLevelKeys());
        diags.push({
          ...keyPos,
          severity: 'error',
          path: key,
          message: `unknown section "${key}"${guess ? ` — did you mean "${guess}"?` : ''}`,
          expected: `one of: ${registry.topLevelKeys().join(', ')}`,
          hint: guess ? `rename "${key}" to "${guess}"` : 'remove it or check the spelling',
        });
        continue;
      }
      const data = value === null && (def.schema as any).type === 'array' ? [] : value;
      const validate = registry.validator(key);
      if (!validate(data)) {
        diags.push(...schemaDiagnostics(validate.errors ?? [], data, [key], src));
        for (const k of def.kinds) failedKinds.add(k);
        continue;
      }
      const before = diags.length;
      const ctx = makeContext(src, relOf.get(src)!, key, diags);
      const made = def.toObjects(data, ctx);
      if (diags.slice(before).some((d) => d.severity === 'error'))
        for (const k of def.kinds) failedKinds.add(k);
      for (const o of made) {
        objects.push(o);
        objectFile.set(o, src);
      }
    }
  }

  checkDuplicates(objects, objectFile, diags);
  if (!sources.some((s) => s.broken)) checkReferences(objects, objectFile, registry, failedKinds, diags);

  addExcerpts(diags, sources);
  const sorted = sortDiagnostics(diags);
  if (sorted.some((d) => d.severity === 'error')) return { ok: false, diagnostics: sorted };
  return {
    ok: true,
    plan: { version, prune, objects, documents, files: inputs.map((i) => i.file) },
    warnings: sorted,
  };
}

function makeContext(src: SourceFile, relFile: string, key: string, diags: PlanDiagnostic[]): SectionContext {
  const segs = (p?: readonly Segment[] | string): Segment[] => [
    key,
    ...(p === undefined ? [] : typeof p === 'string' ? parsePath(p) : p),
  ];
  const report =
    (severity: 'error' | 'warning') =>
    (p: readonly Segment[] | string, message: string, o: DiagnosticExtras = {}) => {
      const full = segs(p);
      diags.push({
        file: src.file,
        ...positionOf(src, full, o.at ?? 'value'),
        severity,
        path: formatPath(full),
        message,
        expected: o.expected,
        hint: o.hint,
      });
    };
  return {
    file: relFile,
    pos: (p) => ({ file: relFile, ...positionOf(src, segs(p)), path: formatPath(segs(p)) }),
    error: report('error'),
    warn: report('warning'),
    object: (kind, objKey, spec, p) => ({
      kind,
      key: objKey,
      spec,
      source: { file: relFile, ...positionOf(src, segs(p)), path: formatPath(segs(p)) },
    }),
  };
}

function checkPrune(
  value: unknown,
  src: SourceFile,
  registry: SectionRegistry,
  diags: PlanDiagnostic[],
): PruneSetting | undefined {
  if (typeof value === 'boolean') return value;
  const kinds = registry.kindOrder();
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    diags.push({
      file: src.file,
      ...positionOf(src, ['prune']),
      severity: 'error',
      path: 'prune',
      message: 'wrong type for "prune": expected true, false or a list of kinds',
      expected: `true, false or a list of: ${kinds.join(', ')}`,
    });
    return undefined;
  }
  let ok = true;
  value.forEach((k: string, i) => {
    if (kinds.includes(k)) return;
    ok = false;
    const guess = didYouMean(k, kinds);
    diags.push({
      file: src.file,
      ...positionOf(src, ['prune', i]),
      severity: 'error',
      path: `prune[${i}]`,
      message: `unknown kind "${k}" in prune${guess ? ` — did you mean "${guess}"?` : ''}`,
      expected: `one of: ${kinds.join(', ')}`,
    });
  });
  return ok ? (value as string[]) : undefined;
}

function checkDuplicates(
  objects: PlanObject[],
  objectFile: Map<PlanObject, SourceFile>,
  diags: PlanDiagnostic[],
) {
  const first = new Map<string, PlanObject>();
  for (const o of objects) {
    const id = `${o.kind}\u0000${o.key}`;
    const prev = first.get(id);
    if (!prev) {
      first.set(id, o);
      continue;
    }
    const src = objectFile.get(o)!;
    const prevSrc = objectFile.get(prev)!;
    diags.push({
      file: src.file,
      line: o.source.line,
      column: o.source.column,
      severity: 'error',
      path: o.source.path ?? '',
      message: `duplicate ${o.kind} "${o.key}": already declared at ${prevSrc.file}:${prev.source.line}:${prev.source.column}`,
      expected: `a unique ${o.kind} key`,
      hint: `rename one of them or remove the duplicate`,
    });
  }
}

function addExcerpts(diags: PlanDiagnostic[], sources: SourceFile[]) {
  const lines = new Map<string, string[]>();
  for (const d of diags) {
    const src = sources.find((s) => s.file === d.file);
    if (!src) continue;
    if (!lines.has(src.file)) lines.set(src.file, src.text.split(/\r?\n/));
    const line = lines.get(src.file)![d.line - 1];
    if (line !== undefined) d.excerpt = line;
  }
}
