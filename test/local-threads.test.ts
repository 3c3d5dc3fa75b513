// `--hardware local` and threads: a run priced on the local profile takes the threads calibrate measured its
// whole-pass rate on (a probe seconds later may find the second core busy, and a two-thread profile would price a
// one-thread run's passes at half their time), unless --threads or DLM_WATCH_THREADS say otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { main } from '../src/commands/watch.js';
import type { DecodeConfig } from '../src/engine/config.js';
import { readProfile } from '../src/engine/price/hardware.js';
import { profileHome as localProfileHome } from './helpers/profile.js';
import { selectTarget } from '../src/engine/price/target.js';
import { fakeRun } from './helpers/fake-run.js';

const profileHome = (threads?: unknown) =>
  localProfileHome({
    passMatmul: { rows: 264, flops: 1e9, reps: 3, flopsPerSecond: 4e10, threads: threads as number },
  });

/** the options watch opened its run with */
async function runOptions(argv: string[], env: NodeJS.ProcessEnv): Promise<{ threads?: number }> {
  let seen: { threads?: number } = {};
  const s = () => Object.assign(new PassThrough(), { isTTY: false });
  const code = await main(argv, {
    stdout: s() as unknown as NodeJS.WriteStream,
    stderr: s() as unknown as NodeJS.WriteStream,
    stdin: s() as unknown as NodeJS.ReadStream,
    env,
    createRun: async (config: DecodeConfig, opts?: { threads?: number }) => {
      seen = opts ?? {};
      return fakeRun({ prompt: config.prompt, length: config.length });
    },
  });
  assert.equal(code, 0);
  return seen;
}

test('the local target carries the threads its rate was measured on', async () => {
  const t = await selectTarget({ hardware: 'local', env: profileHome(2) });
  assert.equal(t.roofline.threads, 2);
  assert.equal((await selectTarget({})).roofline.threads, undefined, 'a datasheet target has none');
});

test('watch --hardware local opens its run on the calibrated threads; --threads and DLM_WATCH_THREADS still decide', async () => {
  const argv = ['hi', '--hardware', 'local', '--length', '4', '--plain'];
  assert.equal((await runOptions(argv, profileHome(2))).threads, 2);
  assert.equal((await runOptions([...argv, '--threads', '1'], profileHome(2))).threads, 1);
  assert.equal((await runOptions(argv, { ...profileHome(2), DLM_WATCH_THREADS: '1' })).threads, undefined);
  assert.equal((await runOptions(['hi', '--length', '4', '--plain'], profileHome(2))).threads, undefined);
});

test('a profile whose thread count is not a whole number from 1 to 64 is refused in one line', () => {
  for (const bad of [0, 1.5, 65, 'two'])
    assert.throws(() => readProfile(profileHome(bad)), /thread count that is not a whole number from 1 to 64/);
  assert.equal(readProfile(profileHome(undefined)).passMatmul?.threads, undefined);
});
