// The real watch command with the fake engine: for end-to-end tests of the renderers before (and beside) the model.
// FAKE_SLEEP_MS makes each pass take that long; FAKE_FAIL=lane:step makes a lane throw there.
import { validateDecode, type DecodeConfig } from '../../src/engine/config.js';
import type { LaneId } from '../../src/engine/decode/events.js';
import { main } from '../../src/commands/watch.js';
import { diffusionKnobs, fakeRun } from './fake-run.js';

const [failLane, failStep] = (process.env.FAKE_FAIL ?? '').split(':');
const createRun = async (config: DecodeConfig) => {
  const run = fakeRun({
    prompt: config.prompt,
    length: config.length,
    ...diffusionKnobs(config),
    seed: config.seed,
    sleepMs: Number(process.env.FAKE_SLEEP_MS ?? 0),
    failAt: failLane ? { lane: failLane as LaneId, step: Number(failStep), message: 'synthetic failure' } : undefined,
  });
  validateDecode(config, 256, run.info.promptTokens);
  return run;
};
process.exitCode = await main(process.argv.slice(2), { createRun });
