#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's test runner through tsx.
// Node 20's `--test` takes no globs, so the files are collected here. Extra args are passed on
// (e.g. `npm run test:unit -- src/kernel`) and narrow the run to matching paths.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['src', 'test', 'packages'];
const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(p);
  }
}
roots.forEach(walk);
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const selected = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    ...(flags.some((f) => f.startsWith('--test-reporter')) ? [] : ['--test-reporter=spec']),
    // Two files at a time (store tests mostly wait on I/O); no single test may hang the run.
    `--test-concurrency=${process.env.VIGIL_TEST_CONCURRENCY ?? 2}`,
    `--test-timeout=${process.env.VIGIL_TEST_TIMEOUT ?? 180000}`,
    ...flags,
    ...selected.sort(),
  ],
  { stdio: 'inherit', env: { ...process.env, VIGIL_LOG_LEVEL: process.env.VIGIL_LOG_LEVEL ?? 'silent' } },
);
process.exit(res.status ?? 1);
