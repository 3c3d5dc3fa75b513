#!/usr/bin/env node
// Runs the compiled CLI in dist/ (npm run build; npm install and npm pack build it through "prepare").
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('dlm-watch: dist/ is not built: run `npm run build` (npm install does it for you)\n');
  process.exit(1);
}
await import(cli.href);
