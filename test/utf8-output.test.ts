// ’ — “ é 🙂 in a prompt come out as typed in every output: the real CLI's plain text and NDJSON, the store the live
// view draws from (its lane atoms), and an asciicast recording. The fixture tokenizer splits every one of these
// characters into single-byte tokens, so each would show as pieces if any output rendered tokens one by one.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_DECODE } from '../src/engine/config.js';
import { selectTarget } from '../src/engine/price/project.js';
import { createRun, FIXTURE_MODEL_DIR } from '../src/engine/run.js';
import { recordCast } from '../src/render/cast.js';
import { laneSources, Store } from '../src/render/store.js';
import { laneAtoms } from '../src/render/text.js';

const exec = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/dlm-watch.js');
const TYPED = 'She said: ’tis — “so” — café 🙂';
const ARGS = [
  TYPED,
  '--model-dir',
  FIXTURE_MODEL_DIR,
  '--length',
  '12',
  '--steps',
  '6',
  '--block',
  '6',
  '--temperature',
  '0.8',
  '--seed',
  '3',
];
/** SentencePiece-style byte notation, or a replacement character where the prompt had a real one */
const PIECES = /<0x[0-9A-F]{2}>|\uFFFD/;

test('plain text (the real CLI, piped): each lane’s text starts with the prompt as typed', async () => {
  const { stdout } = await exec('node', [BIN, ...ARGS, '--plain'], { cwd: ROOT });
  // the texts come before the per-pass tables, which start with the first lane's title (the answer first)
  const texts = stdout.split('Text (prompt │ generated)\n')[1]!.split('\nAutoregressive (KV cache)\n')[0]!;
  const lanes = texts.split('\n').filter((l) => l.startsWith('  '));
  assert.ok(lanes.length >= 3, texts);
  for (const l of lanes) {
    assert.ok(l.startsWith(`  ${TYPED}│`), `${JSON.stringify(l)}`);
    assert.ok(!/<0x/.test(l), l);
  }
});

test('NDJSON (the real CLI): every pass’s prompt positions add up to the prompt; no byte notation anywhere', async () => {
  const { stdout } = await exec('node', [BIN, ...ARGS, '--json'], { cwd: ROOT, maxBuffer: 64 << 20 });
  assert.ok(!/<0x/.test(stdout));
  const steps = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((o) => o.type === 'step');
  assert.ok(steps.length > 10);
  for (const s of steps) {
    const promptText = s.positions
      .filter((p: { state: string }) => p.state === 'prompt')
      .map((p: { text: string }) => p.text)
      .join('');
    assert.equal(promptText, TYPED);
    // a placeholder is always marked: a committed U+FFFD without the mark is a byte the model broke for good
    for (const p of s.positions) if (p.partial) assert.ok(p.text.includes('\uFFFD'));
  }
});

test('live view: the store’s lanes draw the prompt as typed, every frame, in every lane', async () => {
  const run = await createRun(
    {
      ...DEFAULT_DECODE,
      prompt: TYPED,
      length: 12,
      temperature: 0.8,
      seed: 3,
      lanes: { diffusion: { steps: 6, block: 6 } },
    },
    { modelDir: FIXTURE_MODEL_DIR },
  );
  try {
    const store = new Store(laneSources(run), { pace: 'step', delayMs: 10, exitHoldMs: null });
    let frames = 0;
    while (!store.getSnapshot().finished && frames < 200) {
      await store.frame(10);
      frames++;
      for (const lane of Object.values(store.getSnapshot().lanes)) {
        if (!lane.event) continue;
        for (const color of [true, false]) {
          const atoms = laneAtoms(lane.event.positions, lane.event.committed, { guesses: true, color });
          const shown = atoms
            .filter((a) => a.kind === 'prompt')
            .map((a) => a.text)
            .join('');
          assert.equal(shown, TYPED);
          assert.ok(!atoms.some((a) => PIECES.test(a.text) && a.kind === 'prompt'));
        }
      }
    }
    assert.ok(store.getSnapshot().finished);
    await store.close();

    const cast = await recordCast({
      store: new Store(laneSources(run), { pace: 'step', delayMs: 50, exitHoldMs: 200 }),
      info: run.info,
      cols: 160,
      rows: 40,
      fps: 20,
      color: true,
      targets: [await selectTarget({})],
    });
    const frames2 = cast
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l)[2] as string);
    assert.ok(
      frames2.some((f) => f.includes('’tis — “so” — café 🙂')),
      'the recording shows the prompt',
    );
    assert.ok(!cast.includes('<0x'));
  } finally {
    run.dispose();
  }
});
