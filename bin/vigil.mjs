#!/usr/bin/env node
// Entry point for `npx vigil` and `npm start`: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
