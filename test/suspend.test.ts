// Stopping the live view as a job (src/render/live/suspend.ts): under npx the npm parent stops with us.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { npmParent, pgrpOf, stopJob } from '../src/render/live/suspend.js';

const stat = (pid: number, comm: string, ppid: number, pgrp: number) =>
  `${pid} (${comm}) S ${ppid} ${pgrp} ${pgrp} 34816 0`;

test('the process group is read from /proc/<pid>/stat, a command name with spaces and parentheses included', () => {
  assert.equal(pgrpOf(stat(10, 'node', 9, 7)), 7);
  assert.equal(pgrpOf('10 (we (ird) name) S 9 42 42 0'), 42);
  assert.equal(pgrpOf('garbage'), null);
});

test("npm's node in our process group is the parent to stop; a shell, or npm in another group, is not", () => {
  const files = (parentCmd: string, parentPgrp: number) => (p: string) =>
    ({
      '/proc/9/cmdline': parentCmd,
      '/proc/10/stat': stat(10, 'node', 9, 7),
      '/proc/9/stat': stat(9, 'npm exec', 1, parentPgrp),
    })[p] ??
    (() => {
      throw new Error(`no ${p}`);
    })();
  assert.equal(npmParent(files('node\0/usr/lib/node_modules/npm/bin/npx-cli.js\0dlm-watch\0', 7), 10, 9), 9);
  assert.equal(npmParent(files('npm exec dlm-watch\0', 7), 10, 9), 9);
  assert.equal(npmParent(files('-bash\0', 7), 10, 9), null);
  assert.equal(npmParent(files('node\0/usr/lib/node_modules/npm/bin/npm-cli.js\0', 3), 10, 9), null);
  assert.equal(
    npmParent(
      () => {
        throw new Error('no /proc');
      },
      10,
      9,
    ),
    null,
  );
});

test('stopJob stops the npm parent first, then itself, with SIGSTOP', () => {
  const sent: [number, string][] = [];
  stopJob((pid, sig) => void sent.push([pid, sig]), 9);
  assert.deepEqual(sent, [
    [9, 'SIGSTOP'],
    [process.pid, 'SIGSTOP'],
  ]);
  sent.length = 0;
  stopJob((pid, sig) => void sent.push([pid, sig]), null);
  assert.deepEqual(sent, [[process.pid, 'SIGSTOP']]);
});
