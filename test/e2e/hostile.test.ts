// The hostile-input battery (test/hostile/cases.json, checks in test/helpers/hostile.ts), end to end: every case
// through the real built CLI (bin/dlm-watch.js → dist/), a process each, a few at a time (most end in ~150 ms):
// the exit codes as the shell sees them, signals, stdout closed or full, a file-size limit.
import { describe, it } from 'node:test';
import { cases, runCase } from '../helpers/hostile.js';

describe('hostile input battery, through the real CLI', { concurrency: 4 }, () => {
  const only = process.env.HOSTILE_ONLY;
  for (const c of cases) if (!only || c.name.includes(only)) it(`[${c.class}] ${c.name}`, () => runCase(c, 'process'));
});
