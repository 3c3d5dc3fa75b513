// Hostile input that needs a real process (issue 24): the inspector SIGUSR1 would open, a stdout that is a directory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../..', import.meta.url).pathname;

test('SIGUSR1 does not open the inspector of a running dlm-watch', async () => {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/dlm-watch.js'),
      '--model-dir',
      join(ROOT, 'fixtures/tiny'),
      '--length',
      '96',
      '--steps',
      '96',
      '--plain',
      'hello',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let signalled = false;
  // the ready cue: the first line of output (the process is running its passes)
  child.stdout.once('data', () => {
    signalled = child.kill('SIGUSR1');
  });
  child.stdout.resume();
  const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
  assert.ok(signalled, 'the process was running when signalled');
  assert.ok(!/Debugger listening|inspector/i.test(stderr), stderr);
  assert.equal(code, 0, stderr);
});

test('stdout that is a directory: one line and exit 1, not output dropped with exit 0', async () => {
  const { openSync, closeSync } = await import('node:fs');
  const dirFd = openSync(tmpdir(), 'r');
  try {
    const child = spawn(process.execPath, [join(ROOT, 'bin/dlm-watch.js'), '--help'], {
      stdio: ['ignore', dirFd, 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    assert.equal(code, 1);
    assert.equal(stderr, 'dlm-watch: cannot write to stdout: it is a directory\n');
  } finally {
    closeSync(dirFd);
  }
});
