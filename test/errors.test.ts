// One way from an error to a message, through the real CLI: usage → exit 2, files and runs → 1, signals → 128 + n;
// always one line on stderr, the stack only with DLM_WATCH_DEBUG=1; the codes are in --help.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BACKENDS, initBackend } from '../src/engine/model/backend.js';
import { EXIT, Interrupted, InputError, exitCodeOf, messageOf, UsageError } from '../src/engine/io/errors.js';
import { reportError } from '../src/commands/errors.js';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/dlm-watch.js');
const TINY = ['--model-dir', join(ROOT, 'fixtures/tiny')];
const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
delete env.DLM_WATCH_DEBUG;
const dir = mkdtempSync(join(tmpdir(), 'dlm-watch-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => spawnSync('node', [BIN, ...args], { cwd: dir, env: { ...env, ...extra }, encoding: 'utf8' });

function oneLine(args: string[], code: number, pattern: RegExp) {
  const r = cli(args);
  assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr.split('\n').length, 2, `${args.join(' ')}: one line\n${r.stderr}`);
  assert.match(r.stderr, pattern, args.join(' '));
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack');
}

test('usage errors: exit 2, one line, for every command', () => {
  oneLine(['--bogus'], 2, /^dlm-watch: unknown flag --bogus \(see dlm-watch --help\)/);
  oneLine(['-x'], 2, /^dlm-watch: unknown flag -x /);
  oneLine(['--delay'], 2, /^dlm-watch: --delay needs a value/);
  oneLine(['--length', '8', '--length', '9', ...TINY], 2, /--length can only be set once/);
  oneLine(['--length', '10', '--block', '3', ...TINY], 2, /must be a multiple of --block/);
  oneLine(['calc', '--tokens', 'x'], 2, /^dlm-watch calc: --tokens must be a number/);
  oneLine(['calc', '--hardware', 'abacus'], 2, /^dlm-watch calc: unknown hardware "abacus"/);
  oneLine(['sweep'], 2, /^dlm-watch sweep: give a prompt/);
  oneLine(['calibrate', '--backend', 'nope'], 2, /^dlm-watch calibrate: unknown --backend "nope"/);
});

test('file errors: exit 1, one line', () => {
  oneLine(['--model-dir', join(dir, 'none')], 1, /^dlm-watch: no model at .*none \(model\.json not found\)/);
  oneLine(['calc', '--hardware', join(dir, 'gpu.json')], 1, /^dlm-watch calc: hardware file not found/);
  writeFileSync(join(dir, 'bad.json'), '{ nope');
  oneLine(['calc', '--hardware', join(dir, 'bad.json')], 1, /^dlm-watch calc: .*bad\.json is not valid JSON/);
  oneLine(['sweep', 'x', '--model-dir', join(dir, 'none')], 1, /^dlm-watch sweep: no model at/);
  // a recording that cannot be written fails the command (exit 1), said before the run
  oneLine([...TINY, '--length', '4', '--steps', '2', '--record', join(dir, 'no/such/dir/a.cast')], 1, /^dlm-watch: cannot write recording .*a\.cast: the folder .* does not exist$/m);
});

test('a backend that is not there is the same usage error in watch and calibrate', async () => {
  const missing = [];
  for (const b of BACKENDS) if (!(await initBackend(b).then(() => true, () => false))) missing.push(b);
  if (!missing.length) return; // every backend starts here: nothing to refuse
  const b = missing[0]!;
  oneLine(['--backend', b, ...TINY, '--plain'], 2, new RegExp(`^dlm-watch: backend "${b}" is not available here`));
  oneLine(['calibrate', '--backend', b, '--quick', '--no-save'], 2, new RegExp(`^dlm-watch calibrate: backend "${b}" is not available here`));
});

test('DLM_WATCH_DEBUG=1 adds the stack after the same line', () => {
  const r = cli(['calc', '--hardware', 'abacus'], { DLM_WATCH_DEBUG: '1' });
  assert.equal(r.status, 2);
  const [first, ...rest] = r.stderr.trim().split('\n');
  assert.match(first!, /^dlm-watch calc: unknown hardware/);
  assert.ok(rest.some((l) => /^\s+at .*hardware\.js/.test(l)), r.stderr);
  assert.equal(cli(['calc', '--hardware', 'abacus'], { DLM_WATCH_DEBUG: '0' }).stderr.split('\n').length, 2);
});

test('SIGTERM and SIGINT during a run: one line, exit 143 and 130, before the run is over', async () => {
  for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    const p = spawn('node', [BIN, 'It', ...TINY, '--backend', 'cpu', '--length', '120', '--steps', '120', '--plain'], { cwd: dir, env });
    let out = '';
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
    await new Promise<void>((r, reject) => {
      p.stdout.on('data', (d) => {
        out += d;
        if (/\bprefill\b/.test(out)) r();
      });
      p.on('exit', () => reject(new Error(`exited before its first pass: ${err}`)));
    });
    p.kill(sig);
    assert.equal(await exited, code, err);
    assert.equal(err, `dlm-watch: interrupted (${sig})\n`);
    assert.ok(!out.includes('\nSummary'), 'stopped mid-run');
  }
});

test('--help of every command lists the exit codes', () => {
  for (const args of [['--help'], ['calc', '--help'], ['sweep', '--help'], ['calibrate', '--help']]) {
    const r = cli(args);
    assert.equal(r.status, 0, args.join(' '));
    assert.match(r.stdout, /Exit codes\n\s+0 +done\n\s+1 +.*\n\s+2 +a bad flag.*\n\s+130 +interrupted/, args.join(' '));
  }
});

test('the error types carry their codes; anything else is exit 1 with its first line', () => {
  assert.equal(exitCodeOf(new UsageError('x')), EXIT.usage);
  assert.equal(exitCodeOf(new InputError('x')), 1);
  assert.equal(exitCodeOf(new Interrupted('SIGINT')), 130);
  assert.equal(exitCodeOf(new Interrupted('SIGTERM')), 143);
  assert.equal(exitCodeOf(new TypeError('bug')), 1);
  assert.equal(messageOf(new Error('first\nsecond')), 'first');
  let err = '';
  assert.equal(reportError('calc', new UsageError('bad'), { out: () => {}, err: (s) => void (err += s), env: {} }), 2);
  assert.equal(err, 'dlm-watch calc: bad\n');
});
