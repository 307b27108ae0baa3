#!/usr/bin/env node
// `npm ci` / `npm install` run this (the "prepare" script): build the console so a fresh clone's
// `npm start` serves it. An install without dev dependencies has no Vite; then say so and go on.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let viteBin;
try {
  viteBin = require.resolve('vite/bin/vite.js');
} catch {
  console.warn('vigil: vite is not installed (production install?); skipping the console build.');
  process.exit(0);
}
const res = spawnSync(
  process.execPath,
  [viteBin, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
  {
    stdio: 'inherit',
  },
);
if (res.status !== 0) console.error('vigil: the console build failed (npm run build:web to retry).');
process.exit(res.status ?? 1);
