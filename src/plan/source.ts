/**
 * One parsed plan file: the YAML document, its line index and helpers that turn a value path
 * (`['services', 2, 'owner']`) back into a 1-based line/column.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import type { PlanDiagnostic } from './types.ts';

export type Segment = string | number;

/** A parsed YAML file with positions. */
export interface SourceFile {
  file: string;
  text: string;
  doc: Document.Parsed;
  /** Offsets at which each line starts (computed here: yaml's LineCounter misses some newlines). */
  lineStarts: number[];
  /** The document as plain JS, or undefined when it could not be converted. */
  value: unknown;
  /** True when the YAML parser reported errors (further checks are skipped for this file). */
  broken: boolean;
}

/** Formats a path like `services[2].owner`. */
export function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** Parses `services[2].owner` back into segments. */
export function parsePath(path: string): Segment[] {
  const out: Segment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[1]);
  }
  return out;
}

/** Parses YAML text, collecting syntax errors (with positions) as diagnostics. */
export function parseSource(file: string, text: string, diags: PlanDiagnostic[]): SourceFile {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: false });
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const src: SourceFile = { file, text, doc, lineStarts, value: undefined, broken: doc.errors.length > 0 };
  const firstKeys = doc.errors.some((e) => e.code === 'DUPLICATE_KEY') ? firstKeyOffsets(doc) : new Map();
  for (const err of doc.errors) {
    const { line, column } = offsetPos(src, err.pos?.[0] ?? 0);
    const dup = err.code === 'DUPLICATE_KEY';
    const first = firstKeys.get(err.pos?.[0] ?? -1);
    const firstAt =
      first === undefined
        ? ''
        : (({ line: l, column: c }) => ` (first at line ${l}, column ${c})`)(offsetPos(src, first));
    diags.push({
      file,
      line,
      column,
      severity: 'error',
      path: '',
      message: dup ? `duplicate key ${keyAt(text, err.pos?.[0] ?? 0)}${firstAt}` : yamlMessage(err.message),
      expected: dup ? 'each key at most once per mapping' : 'valid YAML',
      hint: dup ? 'remove or rename one of the two entries' : yamlHint(err.code),
    });
  }
  for (const w of doc.warnings) {
    const { line, column } = offsetPos(src, w.pos?.[0] ?? 0);
    diags.push({ file, line, column, severity: 'warning', path: '', message: yamlMessage(w.message) });
  }
  if (!src.broken) {
    try {
      src.value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      src.broken = true;
      diags.push({
        file,
        line: 1,
        column: 1,
        severity: 'error',
        path: '',
        message: `cannot read YAML: ${(e as Error).message}`,
        expected: 'valid YAML',
      });
    }
  }
  return src;
}

/** Converts a character offset into a clamped 1-based line/column. */
export function offsetPos(
  src: Pick<SourceFile, 'lineStarts' | 'text'>,
  offset: number,
): { line: number; column: number } {
  const at = Math.max(0, Math.min(offset, src.text.length));
  let lo = 0;
  let hi = src.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (src.lineStarts[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: at - src.lineStarts[lo] + 1 };
}

function yamlMessage(message: string): string {
  // The parser appends "at line X, column Y" and sometimes a code excerpt; we print our own.
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return `YAML syntax error: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'BAD_INDENT':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'check the indentation of this line against the lines above';
    case 'BAD_ALIAS':
    case 'BAD_SCALAR_START':
      return 'values starting with *, &, !, @, ` or % must be quoted, e.g. "*"';
    case 'MULTIPLE_DOCS':
      return 'put each document in its own file';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MISSING_CHAR':
      return 'a mapping entry looks like `key: value`; quote values that contain ": " or "#"';
    default:
      return undefined;
  }
}

/** For each repeated mapping key, the offset of its first occurrence (keyed by the repeat's offset). */
function firstKeyOffsets(doc: Document.Parsed): Map<number, number> {
  const out = new Map<number, number>();
  visit(doc, {
    Map(_, map) {
      const seen = new Map<unknown, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || pair.key.range === undefined || pair.key.range === null) continue;
        const prev = seen.get(pair.key.value);
        if (prev === undefined) seen.set(pair.key.value, pair.key.range[0]);
        else out.set(pair.key.range[0], prev);
      }
    },
  });
  return out;
}

function keyAt(text: string, offset: number): string {
  const m = /^[^:\n]*/.exec(text.slice(offset));
  const k = (m?.[0] ?? '').trim();
  return k ? `"${k.replace(/^["']|["']$/g, '')}"` : '';
}

/** The YAML node at `path`, following aliases; `undefined` when the path leaves the tree. */
export function nodeAt(
  src: SourceFile,
  path: readonly Segment[],
): { node: Node | null; keyNode?: Node } | undefined {
  let node: unknown = src.doc.contents;
  let keyNode: Node | undefined;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(src.doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) return undefined;
      keyNode = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      if (seg >= node.items.length) return undefined;
      keyNode = undefined;
      node = node.items[seg];
    } else {
      return undefined;
    }
  }
  if (isAlias(node)) node = node.resolve(src.doc) ?? node;
  return { node: (node as Node | null) ?? null, keyNode };
}

/**
 * The best position for `path`: the value (or its key, with `at: 'key'`), falling back to the
 * deepest ancestor that exists so a diagnostic always points somewhere sensible.
 */
export function positionOf(
  src: SourceFile,
  path: readonly Segment[],
  at: 'value' | 'key' = 'value',
): { line: number; column: number } {
  for (let n = path.length; n >= 0; n--) {
    const found = nodeAt(src, path.slice(0, n));
    if (!found) continue;
    const preferKey = at === 'key' || n < path.length;
    const target = preferKey && found.keyNode ? found.keyNode : (found.node ?? found.keyNode);
    const offset = target?.range?.[0];
    if (offset !== undefined) return offsetPos(src, offset);
  }
  return { line: 1, column: 1 };
}
