/**
 * Benchmark runner: `npm run bench` runs every bench/<name>.ts, `npm run bench -- <name>` one.
 * Each benchmark module default-exports `run(report)`, and calls `report(metric, value, unit)` per
 * figure; this prints one JSON line per figure: {"bench","metric","value","unit"}.
 * Figure names are compared across runs: keep them stable.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type Report = (metric: string, value: number, unit: string) => void;
export type Bench = (report: Report) => Promise<void>;

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => basename(f, '.ts'))
  .sort();
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
let failed = false;
for (const name of wanted.length ? wanted : all) {
  const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { default: Bench };
  try {
    await mod.default((metric, value, unit) => {
      const rounded = Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 1000) / 1000;
      process.stdout.write(`${JSON.stringify({ bench: name, metric, value: rounded, unit })}\n`);
    });
  } catch (err) {
    failed = true;
    console.error(`bench ${name} failed:`, err);
  }
}
process.exit(failed ? 1 : 0);
