#!/usr/bin/env node
// Runs the compiled CLI in dist/ (npm run build; npm install and npm pack build it through "prepare").
import { existsSync } from 'node:fs';

// Node starts its inspector (127.0.0.1:9229) on SIGUSR1, so any local user who can signal this process could attach
// and run code as its user; a listener of our own is what stops that (Node 20 has no --disable-sigusr1).
process.on('SIGUSR1', () => {});

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('dlm-watch: dist/ is not built: run `npm run build` (npm install does it for you)\n');
  process.exit(1);
}
await import(cli.href);
