// Hostile input that needs a real process (issue 24): the inspector SIGUSR1 would open, a stdout that is a directory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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

test('SIGTSTP from outside gives the terminal back (cursor shown, shell prompt) like Ctrl-Z; fg resumes; q quits', async () => {
  const { execFileSync, spawnSync } = await import('node:child_process');
  if (spawnSync('tmux', ['-V']).status !== 0) assert.fail('tmux is not installed: apt-get install tmux');
  const socket = `dlm-watch-tstp-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // poll for a cue on screen (never a fixed wait for readiness); give up after a deadline
  const until = async (pred: () => boolean, what: string, ms = 30000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (pred()) return;
      await sleep(100);
    }
    assert.fail(`timed out waiting for ${what}; screen:\n${tmux('capture-pane', '-p', '-t', 't')}`);
  };
  try {
    // Ink draws only the last frame under CI=true (CI sets it): the shell runs without it, and with an empty home
    const home = mkdtempSync(join(tmpdir(), 'dlm-tstp-home-'));
    tmux(
      'new-session',
      '-d',
      '-s',
      't',
      '-x',
      '100',
      '-y',
      '30',
      '-c',
      ROOT,
      `env -u CI -u CONTINUOUS_INTEGRATION -u FORCE_COLOR DLM_WATCH_HOME=${home} bash --norc --noprofile`,
    );
    tmux('send-keys', '-t', 't', "PS1='shell-ready$ '", 'Enter');
    tmux(
      'send-keys',
      '-t',
      't',
      'clear; node bin/dlm-watch.js --model-dir fixtures/tiny --length 100 --steps 100 --pace step --delay 300 hello',
      'Enter',
    );
    await until(() => tmux('capture-pane', '-p', '-t', 't').includes('q quit'), 'the first frame');
    const shell = tmux('display', '-p', '-t', 't', '#{pane_pid}').trim();
    const pid = spawnSync('pgrep', ['-P', shell], { encoding: 'utf8' }).stdout.trim().split('\n')[0]!;
    assert.equal(tmux('display', '-p', '-t', 't', '#{cursor_flag}').trim(), '0', 'the live view hides the cursor');
    process.kill(Number(pid), 'SIGTSTP');
    await until(
      () =>
        /Stopped/.test(tmux('capture-pane', '-p', '-t', 't')) &&
        tmux('display', '-p', '-t', 't', '#{cursor_flag}').trim() === '1',
      'the stopped job with the cursor shown',
    );
    tmux('send-keys', '-t', 't', 'fg', 'Enter');
    await until(() => tmux('display', '-p', '-t', 't', '#{cursor_flag}').trim() === '0', 'the view back after fg');
    tmux('send-keys', '-t', 't', 'q');
    await until(
      () => tmux('capture-pane', '-p', '-t', 't').trimEnd().endsWith('shell-ready$'),
      'the shell prompt after q',
    );
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
  }
});
