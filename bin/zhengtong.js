#!/usr/bin/env node
// Entry point of the `zhengtong` command: runs the compiled CLI (build with `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  console.error('zhengtong: the compiled CLI is missing — run `npm run build` first (npm start does it).');
  process.exit(2);
}
await import(compiled.href);
