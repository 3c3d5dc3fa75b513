// The hostile-input battery (test/hostile/cases.json, checks in test/helpers/hostile.ts), fast tier: every case
// that needs no process of its own (no signal, no closed or full stdout, no `ulimit`) runs through the commands in
// this process, one at a time (they share tfjs and the process's globals). test/e2e/hostile.test.ts runs every
// case through the real CLI.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cases, needsProcess, runCase } from './helpers/hostile.js';

describe('hostile input battery, in process', () => {
  it('has at least 60 cases with unique names, in several classes', () => {
    assert.ok(cases.length >= 60, `${cases.length} cases`);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
    assert.ok(new Set(cases.map((c) => c.class)).size >= 6);
  });
  it('every case holds only the fields the runner reads (a misplaced expectation would check nothing)', () => {
    const top = [
      'name',
      'class',
      'args',
      'model',
      'files',
      'env',
      'stdout',
      'signal',
      'fsizeKB',
      'timeoutMs',
      'expect',
    ];
    const expect = ['exit', 'stderr', 'stdout', 'stdoutNot', 'files', 'castHas'];
    for (const c of cases) {
      for (const k of Object.keys(c)) assert.ok(top.includes(k), `${c.name}: unknown field ${k}`);
      for (const k of Object.keys(c.expect)) assert.ok(expect.includes(k), `${c.name}: unknown field expect.${k}`);
    }
  });
  it('runs most cases here: the flag, prompt and conflict cases all', () => {
    const here = cases.filter((c) => !needsProcess(c));
    assert.ok(here.length >= cases.length / 2, `${here.length} of ${cases.length}`);
    for (const c of cases) if (['flags', 'prompt', 'conflicts'].includes(c.class)) assert.ok(!needsProcess(c), c.name);
  });
  // HOSTILE_ONLY=text runs the cases whose name holds it (while working on one)
  const only = process.env.HOSTILE_ONLY;
  for (const c of cases)
    if (!needsProcess(c) && (!only || c.name.includes(only)))
      it(`[${c.class}] ${c.name}`, () => runCase(c, 'in-process'));
});
