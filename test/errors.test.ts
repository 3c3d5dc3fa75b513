// One way from an error to a message: usage → exit 2, files and runs → 1; always one line on stderr, the stack
// only with DLM_WATCH_DEBUG=1; the codes are in --help. The commands run in this process, as src/cli.ts dispatches
// them; test/e2e/errors.test.ts checks the same through the real CLI, signals included.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BACKENDS, initBackend } from '../src/engine/model/backend.js';
import { EXIT, Interrupted, InputError, exitCodeOf, messageOf, UsageError } from '../src/engine/io/errors.js';
import { reportError } from '../src/commands/errors.js';
import { runCliInProcess } from './helpers/in-process-cli.js';

const ROOT = new URL('..', import.meta.url).pathname;
const TINY = ['--model-dir', join(ROOT, 'fixtures/tiny')];
const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
delete env.DLM_WATCH_DEBUG;
const dir = mkdtempSync(join(tmpdir(), 'dlm-watch-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], extra: Record<string, string> = {}) => runCliInProcess(args, { ...env, ...extra });

async function oneLine(args: string[], code: number, pattern: RegExp) {
  const r = await cli(args);
  assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr.split('\n').length, 2, `${args.join(' ')}: one line\n${r.stderr}`);
  assert.match(r.stderr, pattern, args.join(' '));
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack');
}

test('usage errors: exit 2, one line, for every command', async () => {
  await oneLine(['--bogus'], 2, /^dlm-watch: unknown flag --bogus \(see dlm-watch --help\)/);
  await oneLine(['-x'], 2, /^dlm-watch: unknown flag -x /);
  await oneLine(['--delay'], 2, /^dlm-watch: --delay needs a value/);
  await oneLine(['--length', '8', '--length', '9', ...TINY], 2, /--length can only be set once/);
  await oneLine(['--length', '10', '--block', '3', ...TINY], 2, /must be a multiple of --block/);
  await oneLine(['calc', '--tokens', 'x'], 2, /^dlm-watch calc: --tokens must be a number/);
  await oneLine(['calc', '--hardware', 'abacus'], 2, /^dlm-watch calc: unknown hardware "abacus"/);
  await oneLine(['sweep', 'a', 'b'], 2, /^dlm-watch sweep: sweep takes one prompt/);
  await oneLine(['calibrate', '--backend', 'nope'], 2, /^dlm-watch calibrate: unknown --backend "nope"/);
});

test('file errors: exit 1, one line', async () => {
  await oneLine(['--model-dir', join(dir, 'none')], 1, /^dlm-watch: no model at .*none \(model\.json not found\)/);
  await oneLine(['calc', '--hardware', join(dir, 'gpu.json')], 1, /^dlm-watch calc: hardware file not found/);
  writeFileSync(join(dir, 'bad.json'), '{ nope');
  await oneLine(['calc', '--hardware', join(dir, 'bad.json')], 1, /^dlm-watch calc: .*bad\.json is not valid JSON/);
  await oneLine(['sweep', 'x', '--model-dir', join(dir, 'none')], 1, /^dlm-watch sweep: no model at/);
  // a recording that cannot be written fails the command (exit 1), said before the run
  await oneLine(
    [...TINY, '--length', '4', '--steps', '2', '--record', join(dir, 'no/such/dir/a.cast')],
    1,
    /^dlm-watch: cannot write recording .*a\.cast: the folder .* does not exist$/m,
  );
});

test('a backend that is not there is the same usage error in watch and calibrate', async () => {
  const missing = [];
  for (const b of BACKENDS)
    if (
      !(await initBackend(b).then(
        () => true,
        () => false,
      ))
    )
      missing.push(b);
  if (!missing.length) return; // every backend starts here: nothing to refuse
  const b = missing[0]!;
  await oneLine(
    ['--backend', b, ...TINY, '--plain'],
    2,
    new RegExp(`^dlm-watch: backend "${b}" is not available here`),
  );
  await oneLine(
    ['calibrate', '--backend', b, '--quick', '--no-save'],
    2,
    new RegExp(`^dlm-watch calibrate: backend "${b}" is not available here`),
  );
});

test('DLM_WATCH_DEBUG=1 adds the stack after the same line', async () => {
  const r = await cli(['calc', '--hardware', 'abacus'], { DLM_WATCH_DEBUG: '1' });
  assert.equal(r.code, 2);
  const [first, ...rest] = r.stderr.trim().split('\n');
  assert.match(first!, /^dlm-watch calc: unknown hardware/);
  assert.ok(
    rest.some((l) => /^\s+at .*hardware\.[jt]s/.test(l)),
    r.stderr,
  );
  assert.equal((await cli(['calc', '--hardware', 'abacus'], { DLM_WATCH_DEBUG: '0' })).stderr.split('\n').length, 2);
});

test('--help of every command lists the exit codes', async () => {
  for (const args of [['--help'], ['calc', '--help'], ['sweep', '--help'], ['calibrate', '--help']]) {
    const r = await cli(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.stdout, /Exit codes\n\s+0 +done\n\s+1 +.*\n\s+2 +a bad flag.*\n\s+130 +interrupted/, args.join(' '));
    // no line past 120 columns: the flag help folds under its column
    for (const l of r.stdout.split('\n'))
      assert.ok([...l].length <= 120, `${args.join(' ')}: ${[...l].length} columns: ${l}`);
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
