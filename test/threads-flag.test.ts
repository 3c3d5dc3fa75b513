// --threads: the multi-row passes' thread count (docs/guide.md, "Threads"); a bad count is a one-line usage error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWatchArgs } from '../src/commands/watch-flags.js';
import { UsageError } from '../src/engine/io/errors.js';

const io = { stdoutIsTTY: true, stdinIsTTY: true, env: {} };

test('--threads N reaches the engine options; absent, the engine decides', () => {
  assert.equal(parseWatchArgs([], io).threads, undefined);
  assert.equal(parseWatchArgs(['--threads', '1'], io).threads, 1);
  assert.equal(parseWatchArgs(['--threads', '2'], io).threads, 2);
  for (const bad of ['0', '2.5', '65', '-1'])
    assert.throws(
      () => parseWatchArgs(['--threads', bad], io),
      (e: unknown) => e instanceof UsageError && /--threads must be a whole number from 1 to 64/.test(e.message),
      bad,
    );
});
