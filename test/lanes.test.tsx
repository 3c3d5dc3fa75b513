// Lanes as data: a third lane (test/helpers/third-lane.ts: one decoder and one registry entry, with a model of its
// own in <model dir>/draft/, a pass kind of its own, a knob of its own (--window) and its own caption) appears in the
// run, every renderer (live Ink view, plain text, NDJSON, asciicast), sweep and --help, without a change anywhere else.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { main as sweepMain } from '../src/commands/sweep.js';
import { main as watchMain } from '../src/commands/watch.js';
import { parseWatchArgs } from '../src/commands/watch-flags.js';
import { DEFAULT_DECODE, laneOptions, validateDecode, type DecodeConfig } from '../src/engine/config.js';
import { BUILTIN_LANES, laneSpec, lanes, registerLane, type LaneSpec } from '../src/engine/lanes.js';
import { selectTarget } from '../src/engine/price/project.js';
import { createRun, FIXTURE_MODEL_DIR, type Run } from '../src/engine/run.js';
import { recordCast } from '../src/render/cast.js';
import { App } from '../src/render/live/App.js';
import { layout, layoutHeight } from '../src/render/live/layout.js';
import { writeNdjson } from '../src/render/ndjson.js';
import { writePlain } from '../src/render/plain.js';
import { laneSources, Store } from '../src/render/store.js';
import { projected, THIRD_LANE } from './helpers/third-lane.js';

const TITLE = 'Recompute (no cache, draft model)';
// its knob set (--window 3): each pass re-reads the latest 3 positions; its caption says so
const cfg: DecodeConfig = {
  ...DEFAULT_DECODE,
  prompt: 'It is a truth universally acknowledged',
  length: 6,
  lanes: { diffusion: { steps: 3, block: 6 }, third: { window: 3 } },
};
const CAPTION = 'recompute (no cache) read';
const REREAD = 'to re-read 3 positions and commit one token';

// a model folder with a draft beside it: models/draft/ in the shipped layout
const dir = mkdtempSync(join(tmpdir(), 'dlm-watch-lanes-'));
cpSync(FIXTURE_MODEL_DIR, dir, { recursive: true });
cpSync(FIXTURE_MODEL_DIR, join(dir, 'draft'), { recursive: true });

let unregister = () => {};
let run: Run;
before(async () => {
  unregister = registerLane(THIRD_LANE);
  run = await createRun(cfg, { modelDir: dir });
});
after(() => {
  cleanup();
  run?.dispose();
  unregister();
  rmSync(dir, { recursive: true, force: true });
});

function sink() {
  let text = '';
  return {
    write: (s: string) => void (text += s),
    get text() {
      return text;
    },
  };
}

test('the registry holds the lane after the built-in ones; the run decodes it on its own model', async () => {
  // the block lane is registered but off by default (--lanes chooses it)
  assert.deepEqual(
    lanes().map((l) => l.id),
    ['ar', 'diffusion', 'block', 'speculative', 'third'],
  );
  assert.deepEqual(
    run.info.lanes.map((l) => l.id),
    ['ar', 'diffusion', 'speculative', 'third'],
  );
  assert.equal(run.info.lanes[3]!.title, `${TITLE} · 6 passes · window 3`);
  assert.deepEqual(run.info.config.lanes.third, { window: 3 });
  const events = [];
  for await (const e of run.stream('third')) events.push(e);
  assert.equal(events.length, 6);
  assert.ok(events.every((e) => e.lane === 'third' && e.kind === 'recompute'));
  assert.ok(
    events.every((e) => e.shape.q === 3),
    'the option reaches the decoder',
  );
  assert.ok(events.at(-1)!.done);
  assert.throws(() => registerLane(THIRD_LANE), /registered already/);
});

test('plain text: its own section, its pass kind, its caption, its row in the summary', async () => {
  const out = sink();
  const results = await writePlain(run, out, await selectTarget({}), { explain: true });
  assert.deepEqual(
    results.map((r) => r.lane),
    ['ar', 'diffusion', 'speculative', 'third'],
  );
  assert.ok(out.text.includes(`\n${TITLE} · 6 passes · window 3`));
  assert.equal(out.text.split('\n').filter((l) => l.includes(`↳ ${CAPTION}`) && l.includes(REREAD)).length, 6);
  assert.equal(out.text.split('\n').filter((l) => /^\s+\d+ recompute\b/.test(l)).length, 6);
  assert.match(out.text, /\nrecompute:\n/);
  assert.match(out.text, /\nrecompute\s+6\s+6\s+1\.00\s/);
  assert.ok(results[3]!.projected!.seconds > 0);
});

test('NDJSON: the lane in the run line, its step objects (projected through its own hook), its summary', async () => {
  const out = sink();
  const before = projected.passes;
  await writeNdjson(run, out, await selectTarget({}));
  const objs = out.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    objs[0].lanes.map((l: { id: string }) => l.id),
    ['ar', 'diffusion', 'speculative', 'third'],
  );
  assert.deepEqual(objs[0].lanes[3].models, ['main', 'draft']);
  assert.match(objs[0].lanes[3].title, /window 3$/);
  assert.deepEqual(objs[0].config.lanes.third, { window: 3 });
  const steps = objs.filter((o) => o.type === 'step' && o.lane === 'third');
  assert.equal(steps.length, 6);
  assert.ok(steps.every((s) => s.kind === 'recompute' && s.projected.seconds > 0));
  assert.equal(projected.passes - before, 6);
  const summary = objs.find((o) => o.type === 'summary' && o.lane === 'third');
  assert.equal(summary.label, 'recompute');
  assert.equal(summary.passes, 6);
});

test('asciicast: the lane drawn beside the others, its caption under it', async () => {
  const store = new Store(laneSources(run), { pace: 'step', delayMs: 50, exitHoldMs: 200 });
  const text = await recordCast({
    store,
    info: run.info,
    cols: 200,
    rows: 48,
    fps: 20,
    color: false,
    targets: [await selectTarget({})],
    explain: true,
  });
  assert.ok(text.includes(TITLE));
  assert.ok(text.includes(CAPTION), 'its caption');
  assert.ok(text.includes('Autoregressive (KV cache)') && text.includes('Masked diffusion'));
  await store.close();
  assert.equal(store.getSnapshot().lanes.third!.totals.passes, 6);
});

test('live view (Ink): four lanes side by side at 200 columns, stacked at 100, footer rows for all of them', async () => {
  for (const [cols, rows] of [
    [200, 40],
    [100, 48],
  ] as const) {
    const store = new Store(laneSources(run), { pace: 'step', delayMs: 10, exitHoldMs: null });
    const app = render(
      <App
        store={store}
        info={run.info}
        fps={30}
        color={false}
        targets={[await selectTarget({})]}
        size={{ cols, rows }}
        clock={false}
        explain
      />,
    );
    for (let i = 0; i < 3; i++) await store.frame(10);
    await new Promise((r) => setTimeout(r, 20));
    const frame = app.lastFrame()!;
    const lines = frame.split('\n');
    const title = lines.findIndex((l) => l.includes('Recompute'));
    const ar = lines.findIndex((l) => l.includes('Autoregressive (KV cache)'));
    assert.ok(title >= 0, frame);
    if (cols === 200) assert.equal(title, ar, 'side by side');
    else assert.ok(title > ar, 'stacked');
    assert.ok(
      lines.some((l) => /\brecompute\s+3\s/.test(l)),
      `totals row:\n${frame}`,
    );
    assert.ok(frame.includes(CAPTION), `its caption:\n${frame}`);
    assert.ok(lines.length <= rows - 1);
    app.unmount();
    await store.close();
  }
  const l = layout(160, 40, { projection: true, lanes: 3 });
  assert.equal(l.laneWidth.length, 3);
  assert.equal(l.laneWidth.reduce((a, b) => a + b, 0) + 2, 160);
  assert.ok(layoutHeight(l) <= 39);
});

test('sweep runs it once beside AR, the diffusion variants, block diffusion and speculative AR', async () => {
  let out = '';
  let err = '';
  const code = await sweepMain(
    [
      cfg.prompt,
      '--model-dir',
      dir,
      '--length',
      '4',
      '--steps',
      '4',
      '--thresholds',
      '',
      '--draft-tokens',
      '',
      '--json',
    ],
    { out: (s) => void (out += s), err: (s) => void (err += s) },
  );
  assert.equal(code, 0, err);
  const runs = (JSON.parse(out) as { runs: { id: string; lane: string; strategy: string; passes: number }[] }).runs;
  assert.deepEqual(
    runs.map((r) => [r.id, r.lane, r.strategy]),
    [
      ['A', 'ar', 'ar'],
      ['1', 'diffusion', 'low-confidence'],
      ['2', 'block', 'block'],
      ['3', 'speculative', 'speculative'],
      ['4', 'third', 'third'],
    ],
  );
  assert.equal(runs[4]!.passes, 4);
});

test('--help lists its flag under its label; the flag sets its option; a bad value is one line, exit 2', async () => {
  const io = { stdoutIsTTY: false, stdinIsTTY: false, env: {} };
  const help = parseWatchArgs(['--help'], io).helpText;
  assert.match(
    help,
    /\n {2}Lane recompute\n {4}--window N +recompute: the latest positions each pass re-reads, 0 = all +\(default 0\)\n/,
  );
  assert.deepEqual(parseWatchArgs(['--window', '3'], io).config.lanes.third, { window: 3 });
  assert.deepEqual(parseWatchArgs([], io).config.lanes.third, {}); // not given: the lane's default applies when read
  assert.throws(
    () => parseWatchArgs(['--window', 'x'], io),
    /^UsageError: --window must be a number$|--window must be a number/,
  );
  // through the command: --help prints it, a bad value is refused by the lane's own check
  let out = '';
  let err = '';
  const stream = (f: (s: string) => void) =>
    ({ write: (s: string) => (f(s), true), isTTY: false, on: () => {} }) as unknown as NodeJS.WriteStream;
  const cio = {
    stdout: stream((s) => (out += s)),
    stderr: stream((s) => (err += s)),
    stdin: { isTTY: false } as NodeJS.ReadStream,
    env: {},
  };
  assert.equal(await watchMain(['--help'], cio), 0);
  assert.ok(out.includes('--window N'), out);
  const createRun = async (c: DecodeConfig) => {
    validateDecode(c, 128, 8);
    return run;
  };
  assert.equal(await watchMain(['--window', '-1', '--length', '4', '--json'], { ...cio, createRun }), 2);
  assert.match(err, /^dlm-watch: --window must be an integer from 0 to \d+, got -1\n$/);
});

test('a flag two lanes declare alike is one flag that sets both; a type clash or a command flag is refused', () => {
  const io = { stdoutIsTTY: false, stdinIsTTY: false, env: {} };
  const lane = (id: string, flags: LaneSpec['flags']): LaneSpec => ({ ...THIRD_LANE, id, label: id, flags });
  // e.g. a block-diffusion lane with a threshold of its own default
  const off = registerLane(
    lane('blocky', [
      { name: 'threshold', type: 'number', arg: 'P', help: 'blocky: commit every p >= P', default: 0.95 },
    ]),
  );
  try {
    const o = parseWatchArgs(['--threshold', '0.5'], io);
    assert.deepEqual([o.config.lanes.diffusion, o.config.lanes.blocky], [{ threshold: 0.5 }, { threshold: 0.5 }]);
    assert.deepEqual(laneOptions(parseWatchArgs([], io).config, laneSpec('blocky')), { threshold: 0.95 }); // its own default
    assert.equal(o.helpText.match(/--threshold P/g)!.length, 1, 'listed once, under the first lane');
  } finally {
    off();
  }
  for (const flags of [
    [{ name: 'threshold', type: 'string', arg: 'S', help: 'x' }],
    [{ name: 'length', type: 'number', arg: 'N', help: 'x' }],
  ] as const) {
    const undo = registerLane(lane('clash', flags));
    try {
      assert.throws(() => parseWatchArgs([], io), /lane "clash": --(threshold|length) is a/);
    } finally {
      undo();
    }
  }
});

test('unregistering leaves the built-in lanes', () => {
  unregister();
  assert.deepEqual(
    lanes().map((l) => l.id),
    BUILTIN_LANES.map((l) => l.id),
  );
  unregister = registerLane(THIRD_LANE);
});
