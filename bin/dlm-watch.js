#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader: no build step between a clone and a run.
// The project's tsconfig is named explicitly (JSX runtime, module rules): tsx would otherwise look in the caller's cwd.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli.tsx');
