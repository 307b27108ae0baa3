#!/usr/bin/env node
// `npm ci` / `npm install` run this (the "prepare" script): build the console so a fresh clone's
// `npm start` serves it. An install without dev dependencies has no Vite; then say so and go on.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Vite's package exports do not expose its CLI, so look for the file itself.
const viteBin = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (!existsSync(viteBin)) {
  console.warn('vigil: vite is not installed (production install?); skipping the console build.');
  process.exit(0);
}
const res = spawnSync(
  process.execPath,
  [viteBin, 'build', '--config', join(root, 'web', 'vite.config.ts'), '--logLevel', 'warn'],
  { stdio: 'inherit', cwd: root },
);
if (res.status !== 0) console.error('vigil: the console build failed (npm run build:web to retry).');
process.exit(res.status ?? 1);
