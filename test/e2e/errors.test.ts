// One way from an error to a message, through the real CLI (node bin/dlm-watch.js, the built dist/): the exit code
// the shell sees, one line on stderr, the stack only with DLM_WATCH_DEBUG=1; a signal mid-run is 128 + n. The same
// messages in process: test/errors.test.ts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/dlm-watch.js');
const TINY = ['--model-dir', join(ROOT, 'fixtures/tiny')];
const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
delete env.DLM_WATCH_DEBUG;
const dir = mkdtempSync(join(tmpdir(), 'dlm-watch-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  spawnSync('node', [BIN, ...args], { cwd: dir, env: { ...env, ...extra }, encoding: 'utf8' });

test('a usage error and a file error: exit 2 and 1, one line each', () => {
  for (const [args, code, pattern] of [
    [['--bogus'], 2, /^dlm-watch: unknown flag --bogus \(see dlm-watch --help\)\n$/],
    [['calc', '--hardware', join(dir, 'gpu.json')], 1, /^dlm-watch calc: hardware file not found[^\n]*\n$/],
  ] as const) {
    const r = cli([...args]);
    assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});

test('DLM_WATCH_DEBUG=1 adds the stack after the same line', () => {
  const r = cli(['calc', '--hardware', 'abacus'], { DLM_WATCH_DEBUG: '1' });
  assert.equal(r.status, 2);
  const [first, ...rest] = r.stderr.trim().split('\n');
  assert.match(first!, /^dlm-watch calc: unknown hardware/);
  assert.ok(
    rest.some((l) => /^\s+at .*hardware\.js/.test(l)),
    r.stderr,
  );
  assert.equal(cli(['calc', '--hardware', 'abacus'], { DLM_WATCH_DEBUG: '0' }).stderr.split('\n').length, 2);
});

test('SIGTERM and SIGINT during a run: one line, exit 143 and 130, before the run is over', async () => {
  for (const [sig, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    const p = spawn('node', [BIN, 'It', ...TINY, '--backend', 'cpu', '--length', '120', '--steps', '120', '--plain'], {
      cwd: dir,
      env,
    });
    let out = '';
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
    await new Promise<void>((r, reject) => {
      p.stdout.on('data', (d) => {
        out += d;
        // plain text writes its header, then nothing until every lane is done (the answer first): the header is the cue
        if (/^projection:/m.test(out)) r();
      });
      p.on('exit', () => reject(new Error(`exited before its first pass: ${err}`)));
    });
    p.kill(sig);
    assert.equal(await exited, code, err);
    assert.equal(err, `dlm-watch: interrupted (${sig})\n`);
    assert.ok(!out.includes('\nSummary'), 'stopped mid-run');
  }
});
