// The live view in a fake terminal (ink-testing-library): lanes, masks, fresh tokens, gauge, layout, keys.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { renderToString } from 'ink';
import { laneSpec, withLaneOptions } from '../src/engine/lanes.js';
import { selectTarget, type ProjectionTarget } from '../src/engine/price/project.js';
import * as G from '../src/render/glyphs.js';
import { App, measuredPace, nextPaceSamples, type PaceSample } from '../src/render/live/App.js';
import { keyAction } from '../src/render/live/keys.js';
import { Screen } from '../src/render/live/Screen.js';
import { RidgeLine } from '../src/render/live/Panel.js';
import { LABEL_MARGIN } from '../src/render/roofline-chart.js';
import { atomStyle, OKABE_ITO } from '../src/render/live/style.js';
import { keyActions } from '../src/render/live/keys.js';
import { laneSources, Store } from '../src/render/store.js';
import { modelLine } from '../src/render/lines.js';
import { fakeRun, type FakeOptions } from './helpers/fake-run.js';

afterEach(() => cleanup());

const tick = () => new Promise((r) => setTimeout(r, 5));
let target: ProjectionTarget | undefined;
async function h200(): Promise<ProjectionTarget> {
  return (target ??= await selectTarget({}));
}

function setup(o: FakeOptions = {}, pace: 'step' | 'time' = 'step') {
  const run = fakeRun({ length: 16, steps: 4, ...o });
  const store = new Store(laneSources(run), { pace, delayMs: 10, exitHoldMs: null, hardwareCount: 1 });
  return { run, store };
}

async function frames(store: Store, n: number) {
  for (let i = 0; i < n; i++) await store.frame(10);
  await tick();
}

function screen(
  store: Store,
  info: ReturnType<typeof fakeRun>['info'],
  cols: number,
  rows: number,
  color: boolean,
  targets: ProjectionTarget[],
) {
  return renderToString(
    <Screen
      snap={store.getSnapshot()}
      info={info}
      cols={cols}
      rows={rows}
      color={color}
      showWallMs
      targets={targets}
    />,
    { columns: cols },
  );
}

test('both lanes side by side at 160×48, titled, with the diffusion strategy, steps and block', async () => {
  const { run, store } = setup({ length: 32, steps: 8, block: 16 });
  await frames(store, 2);
  const out = screen(store, run.info, 160, 48, true, [await h200()]);
  const lines = out.split('\n');
  assert.ok(lines.length <= 47, `height ${lines.length}`);
  const titleRow = lines.find((l) => l.includes('Autoregressive (KV cache)'))!;
  assert.ok(
    titleRow.includes('Masked diffusion · low-confidence · 8 steps · block 16'),
    'lanes share a row: side by side',
  );
  assert.ok(out.includes('projection: Llama 3.3 70B · fp8 · H200 SXM'));
  // the ridge every bound is judged by (at the efficiencies), never the datasheet's as "the ridge"
  assert.ok(out.includes('ridge 0.0026 B/F at η'));
  assert.ok(!out.includes('ridge 0.0024'));
  assert.ok(out.includes('step 2/32 decode'));
  assert.ok(out.includes('step 2/8 denoise · block 1/2 · +4 tok'));
});

test('stacked below 100 columns; never taller than rows − 1', async () => {
  const { run, store } = setup({ length: 64, steps: 8 });
  await frames(store, 3);
  for (const [c, r] of [
    [80, 24],
    [99, 30],
    [60, 14],
    [40, 12],
  ] as const) {
    const out = screen(store, run.info, c, r, false, [await h200()]);
    const lines = out.split('\n');
    assert.ok(lines.length <= r - 1, `${c}×${r}: ${lines.length} rows`);
    const ar = lines.findIndex((l) => /^▌(Autoregressive \(KV cache\)|AR) · step/.test(l));
    const diff = lines.findIndex((l) => /^▌(Masked diffusion|diffusion) · .*step/.test(l));
    assert.ok(ar >= 0 && diff > ar, `${c}×${r}: stacked`);
    for (const l of lines) assert.ok([...l].length <= c, `${c}×${r}: "${l}" is ${[...l].length} wide`);
  }
});

test('diffusion lane: masks as ░, fresh tokens bracketed without colour, prompt marked', async () => {
  const { run, store } = setup({ length: 16, steps: 4 });
  await frames(store, 1);
  const out = screen(store, run.info, 160, 40, false, []);
  const diffusionText = out
    .split('\n')
    .map((l) => l.slice(81))
    .join('\n');
  assert.ok(diffusionText.includes(G.MASK.repeat(3)), 'masked positions show the mask glyph');
  assert.match(diffusionText, /\[[^\]]+\]/, 'fresh tokens are bracketed');
  assert.ok(out.includes(`acknowledged${G.PROMPT_END}`), 'the prompt ends with a mark');
  assert.ok(out.includes('projection: —'));
});

test('colour mode: confidence bands colour fresh tokens; masks grey; prompt apart', () => {
  const fresh = (confidence: number) =>
    atomStyle({ text: 'x', kind: 'fresh', confidence, breakAfter: false }, true).color;
  // Okabe–Ito, never red against green: vermillion, orange, the plain foreground
  assert.equal(fresh(0.1), OKABE_ITO.vermillion);
  assert.equal(fresh(0.5), OKABE_ITO.orange);
  assert.equal(fresh(0.9), undefined);
  assert.equal(atomStyle({ text: G.MASK, kind: 'mask', confidence: null, breakAfter: false }, true).color, 'gray');
  assert.equal(
    atomStyle({ text: 'p', kind: 'prompt', confidence: null, breakAfter: false }, true).color,
    OKABE_ITO.sky,
  );
  // without colour no colour at all, fresh still bold+underlined
  const nc = atomStyle({ text: 'x', kind: 'fresh', confidence: 0.1, breakAfter: false }, false);
  assert.equal(nc.color, undefined);
  assert.equal(nc.bold, true);
});

test('guesses (g) show the model’s current guess at masked positions', async () => {
  const { run, store } = setup({ length: 16, steps: 4 });
  await frames(store, 1);
  store.toggleGuesses();
  const out = screen(store, run.info, 160, 40, false, []);
  assert.ok(out.includes(G.GUESS_OPEN), 'guesses bracketed with ‹›');
});

test('verdict and roofline: AR memory-bound, a 262-token diffusion pass compute-bound on H200; both lanes plotted', async () => {
  const { run, store } = setup({ length: 256, steps: 4 });
  await frames(store, 3);
  const out = screen(store, run.info, 160, 48, false, [await h200()]);
  const lines = out.split('\n');
  const verdict = lines.slice(0, 5).join(' ');
  assert.match(verdict, /AR ≈[\d.]+ s, memory-bound/);
  assert.match(verdict, /diffusion ≈?[\d.]+ m?s in 4 passes, compute-bound/);
  assert.match(verdict, /diffusion may take up to \d+ passes and still beat AR/);
  // the chart's own columns (the totals panel sits right of it)
  const chart = lines.slice(lines.findIndex((l) => l.startsWith('Roofline'))).map((l) => [...l].slice(0, 80).join(''));
  assert.ok(chart.length > 10, 'the chart has rows');
  // the target's markers: AR (●) left of the ridge, diffusion (◆) right of it, on the compute ceiling
  const ridgeCol = chart.find((l) => l.includes('⢐') || l.includes('⡂'));
  assert.ok(ridgeCol, 'the ridge is drawn');
  const col = (ch: string) => chart.map((l) => l.indexOf(ch)).find((i) => i >= 0)!;
  assert.ok(col('●') >= 0 && col('◆') > col('●'), 'AR left of diffusion');
  // one ridge: the header's, the chart title's and the legend's are the attained one; the chart reads FLOP/B, so
  // memory-bound is left of it
  assert.ok(out.includes('ridge 0.0026 B/F at η'));
  assert.match(out, /ridge 385 FLOP\/B at η = 0\.0026 B\/F/);
  assert.match(out, /ridge 385 FLOP\/B at η = 0\.0026 B\/F: left of it memory-bound/);
  assert.ok(!/above it memory-bound/.test(out));
  // where the legend has room, the datasheet ridge too, named as such
  const wide = renderToString(<RidgeLine target={await h200()} color={false} width={90} />, { columns: 90 });
  assert.equal(wide, 'ridge 385 FLOP/B at η = 0.0026 B/F (datasheet 0.0024): left of it memory-bound');
});

test("the roofline's roof names never run into the legend beside the chart (120×40, 100×30)", async () => {
  const { run, store } = setup({ length: 256, steps: 4 });
  await frames(store, 3);
  for (const [cols, rows] of [
    [120, 40],
    [100, 30],
  ] as const) {
    const lines = screen(store, run.info, cols, rows, false, [await h200()]).split('\n');
    const legend = lines.find((l) => l.includes('left of it memory-bound') || l.includes('left memory-bound'));
    assert.ok(legend, `${cols}×${rows}: the ridge legend is shown`);
    const named = lines.filter((l) => /this machine|H200 SXM: /.test(l) && l.includes('┤'));
    assert.ok(named.length >= 1, `${cols}×${rows}: a roof is named in the chart:\n${lines.join('\n')}`);
    for (const l of named) {
      // after the name: at least LABEL_MARGIN blank plot columns and the gap before the panel's text
      const m = /(this machine(?: \([^)]*\))?|H200 SXM: [^ ]+ PFLOP\/s, [^ ]+ TB\/s)( *)(.?)/.exec(l)!;
      assert.ok(m[2]!.length > LABEL_MARGIN || !/\p{L}/u.test(m[3]!), `${cols}×${rows}: '${l}'`);
    }
  }
});

test('keys: space pauses, n steps one pass, q quits', async () => {
  const { run, store } = setup({ length: 16, steps: 4 });
  let quit = false;
  const app = render(
    <App
      store={store}
      info={run.info}
      fps={30}
      color={false}
      targets={[]}
      size={{ cols: 100, rows: 30 }}
      clock={false}
      onQuit={() => (quit = true)}
    />,
  );
  await tick();
  app.stdin.write(' ');
  await tick();
  assert.equal(store.getSnapshot().paused, true);
  await frames(store, 3);
  assert.equal(store.getSnapshot().lanes.ar.totals.passes, 0, 'paused: no pass');
  app.stdin.write('n');
  await frames(store, 1);
  assert.equal(store.getSnapshot().lanes.ar.totals.passes, 1, 'one pass');
  assert.ok(app.lastFrame()!.includes('‖ paused'));
  app.stdin.write('\x1b[C'); // →
  await frames(store, 1);
  assert.equal(store.getSnapshot().lanes.ar.totals.passes, 2);
  // ten n in one read: ten passes
  app.stdin.write('nnnnnnnnnn');
  await frames(store, 12);
  assert.equal(store.getSnapshot().lanes.ar.totals.passes, 12, 'every key of a burst counts');
  app.stdin.write('?');
  await tick();
  assert.ok(app.lastFrame()!.includes('pause / resume'), 'help shows');
  app.stdin.write('\x1b');
  await new Promise((r) => setTimeout(r, 60)); // a lone Esc is told from an escape sequence after a pause
  assert.equal(store.getSnapshot().help, false, 'Esc closes the help');
  assert.equal(quit, false, 'Esc does not quit');
  app.stdin.write('qq');
  await tick();
  assert.equal(quit, true);
});

test('key map', () => {
  assert.equal(keyAction(' ', {}), 'pause');
  assert.equal(keyAction('', { rightArrow: true }), 'step');
  assert.equal(keyAction('+', {}), 'faster');
  assert.equal(keyAction('-', {}), 'slower');
  assert.equal(keyAction('r', {}), 'restart');
  assert.equal(keyAction('g', {}), 'guesses');
  assert.equal(keyAction('h', {}), 'hardware');
  assert.equal(keyAction('b', {}), 'batch');
  assert.equal(keyAction('c', { ctrl: true }), 'quit');
  assert.equal(keyAction('x', {}), null);
  assert.equal(keyAction('', { escape: true }), 'close', 'Esc closes overlays, never quits');
  assert.equal(keyAction('s', {}), 'steps');
  assert.deepEqual(keyActions('nnn', {}), ['step', 'step', 'step']);
  assert.deepEqual(keyActions('qq', {}), ['quit', 'quit']);
  assert.deepEqual(keyActions('\x03\x03', {}), ['quit', 'quit']);
  assert.deepEqual(keyActions('c', { ctrl: true }), ['quit']);
});

test('s: the next diffusion pass count restarts every lane on it', async () => {
  const run = fakeRun({ length: 16, steps: 4, block: 8 });
  const store = new Store(laneSources(run), { pace: 'step', delayMs: 10, exitHoldMs: null });
  let current = run;
  const changeSteps = () => {
    current = current.withConfig!(withLaneOptions(current.info.config, 'diffusion', { steps: 8 }));
    store.restartWith(laneSources(current));
    return { info: current.info, said: laneSpec('diffusion').cycle!.said(current.info.config) };
  };
  const app = render(
    <App
      store={store}
      info={run.info}
      fps={30}
      color={false}
      targets={[]}
      size={{ cols: 160, rows: 40 }}
      clock={false}
      changeSteps={changeSteps}
    />,
  );
  await frames(store, 2);
  app.stdin.write('s');
  await frames(store, 1);
  await tick();
  assert.equal(store.getSnapshot().lanes.diffusion.event?.plannedSteps, 8);
  assert.ok(app.lastFrame()!.includes('8 steps'), 'the title follows');
});

test('--exit: the app quits by itself after both lanes finish', async () => {
  const run = fakeRun({ length: 2, steps: 2 });
  const store = new Store(laneSources(run), { pace: 'step', delayMs: 5, exitHoldMs: 20 });
  let quit = false;
  render(
    <App
      store={store}
      info={run.info}
      fps={60}
      color={false}
      targets={[]}
      size={{ cols: 100, rows: 30 }}
      onQuit={() => (quit = true)}
    />,
  );
  for (let i = 0; i < 100 && !quit; i++) await tick();
  assert.equal(quit, true);
});

test('each lane shows its quality figure as it completes (the store judges its final text once)', async () => {
  const run = fakeRun({ length: 8, steps: 2 });
  let judged = 0;
  const store = new Store(laneSources(run), {
    pace: 'step',
    delayMs: 10,
    exitHoldMs: null,
    judge: async (e) => {
      judged++;
      return e.lane === 'ar'
        ? { perplexity: 15.3, distinct3: 1, adjusted: 15.3, word: 'plausible' }
        : { perplexity: 60.4, distinct3: 0.9, adjusted: 60.4, word: 'rough' };
    },
  });
  await frames(store, 3);
  let s = store.getSnapshot();
  assert.equal(s.lanes.diffusion.done, true);
  assert.equal(s.lanes.ar.done, false);
  assert.equal(s.lanes.ar.quality, undefined, 'not judged before it finishes');
  let out = screen(store, run.info, 160, 48, false, []);
  assert.ok(out.includes('done ✓ · ppl 60.4 rough'), out);
  await frames(store, 10);
  s = store.getSnapshot();
  assert.equal(s.finished, true);
  out = screen(store, run.info, 160, 48, false, []);
  assert.ok(out.includes('ppl 15.3 plausible'), out);
  assert.equal(judged, 2);
});

test('before any pass no rate is shown (— not 0.00 tok/pass); --ascii names its letters, not filled/hollow', async () => {
  const { run, store } = setup();
  const t = await h200();
  const before = screen(store, run.info, 160, 48, false, [t]);
  assert.ok(before.includes('tok/pass'), before);
  assert.ok(!/ 0\.00( |$)/m.test(before), before);
  await frames(store, 2);
  const ascii = renderToString(
    <Screen
      snap={store.getSnapshot()}
      info={run.info}
      cols={160}
      rows={48}
      color={false}
      showWallMs
      targets={[t]}
      ascii
    />,
    { columns: 160 },
  );
  assert.ok(ascii.includes('capitals: on H200 SXM') && ascii.includes('small: measured here'), ascii);
  assert.ok(!ascii.includes('filled:'), ascii);
});

test('a terminal too small gets the whole note, word-wrapped', () => {
  const out = renderToString(
    <Screen
      snap={setup().store.getSnapshot()}
      info={fakeRun({}).info}
      cols={30}
      rows={10}
      color={false}
      showWallMs
      targets={[]}
    />,
    { columns: 30 },
  );
  assert.ok(out.replace(/\s+/g, ' ').includes('dlm-watch needs at least 40×12 (this terminal: 30×10) · q quits'), out);
});

test('a GPU too small for the model says so in the header at 100×30 too (one header row)', async () => {
  const { run, store } = setup();
  const a100 = await selectTarget({ hardware: 'a100-40gb' });
  const out = screen(store, run.info, 100, 30, false, [a100]);
  assert.match(out.split('\n')[0]!, /does not fit: [\d.]+ GB > 40\.0 GB/, out);
  // and the verdict, which ranks the lanes on it, says the race cannot run there
  for (let i = 0; i < 20; i++) await store.frame(100);
  const wide = screen(store, run.info, 160, 48, false, [a100]);
  assert.match(wide, /⚠ does not fit: [\d.]+ GB > 40\.0 GB: a race it cannot run/, wide);
});

test('while the race is priced, the verdict rows say so and count the passes decoded', async () => {
  const run = fakeRun({ length: 16, steps: 4 });
  const store = new Store(laneSources(run), { pace: 'time', delayMs: 10, exitHoldMs: null, stepBudgetMs: 0 });
  await store.frame(10);
  const out = screen(store, run.info, 160, 48, false, [await h200()]);
  assert.match(
    out,
    /pricing the race on H200 SXM: every lane is decoded first, each pass priced there \(2 passes so far\)/,
  );
  assert.match(out, /⋯ decoding every pass first \(2\)/);
});

test('a timed race’s verdict is exact from its first frame: the headline it ends with, no “≈”', async () => {
  const run = fakeRun({ length: 16, steps: 4 });
  const store = new Store(laneSources(run), { pace: 'time', delayMs: 10, exitHoldMs: null });
  const t = await h200();
  const headOf = () =>
    screen(store, run.info, 160, 48, false, [t])
      .split('\n')
      .find((l) => l.includes('faster than'))!;
  await store.frame(10); // decodes and prices
  await store.frame(10); // the race's first frame: a pass or two shown
  assert.ok(!store.getSnapshot().finished);
  const first = headOf();
  assert.doesNotMatch(first, /≈/, first);
  for (let f = 0; f < 400 && !store.getSnapshot().finished; f++) await store.frame(100);
  assert.equal(headOf(), first);
});

test('paused once the race is priced, before its first pass: the verdict of the whole run, no doubled "waiting for the first pass…"', async () => {
  const run = fakeRun({ length: 16, steps: 4 });
  const store = new Store(laneSources(run), { pace: 'time', delayMs: 10, exitHoldMs: null });
  store.togglePause();
  for (let i = 0; i < 50 && store.getSnapshot().decodingAhead !== null; i++) await store.frame(10);
  assert.equal(store.getSnapshot().decodingAhead, null, 'priced');
  const out = screen(store, run.info, 160, 48, false, [await h200()]);
  assert.match(out, /‖ paused/);
  assert.match(out, /diffusion [\d.]+× faster than AR/, out);
  assert.ok(!out.includes('waiting for the first pass… —'), out);
});

test('the measured pace forgets a pause: after resuming it is measured afresh, not over the paused interval', () => {
  const { store } = setup();
  const snap = store.getSnapshot();
  // 4 steps 30 ms apart: on pace (set 10 ms/pass at ×1 would differ; ask for a 30 ms delay)
  const at30 = { ...snap, delayMs: 30 };
  let s: PaceSample[] = [];
  for (const [t, n] of [
    [0, 1],
    [30, 2],
    [60, 3],
    [90, 4],
  ] as const)
    s = nextPaceSamples(s, n, false, t);
  assert.equal(measuredPace(s, at30), '30 ms/pass');
  // paused for 5 s: the samples go; resumed, the next steps come 30 ms apart again
  s = nextPaceSamples(s, 4, true, 100);
  assert.deepEqual(s, []);
  for (const [t, n] of [
    [5100, 4],
    [5130, 5],
    [5160, 6],
    [5190, 7],
  ] as const)
    s = nextPaceSamples(s, n, false, t);
  assert.equal(measuredPace(s, at30), '30 ms/pass', 'no stale "… ms/pass (passes take longer)"');
  // without the reset the interval would have read (5190 − 0)/(7 − 1) = 865 ms/pass
  const slow: PaceSample[] = [
    [0, 1],
    [100, 2],
    [200, 3],
    [300, 4],
  ];
  assert.equal(measuredPace(slow, at30), '100 ms/pass (set 30: passes take longer)');
});

test('drawn from a plan (models still loading): titles and prompt shown, backend and parameters pending; the run’s info replaces it once open', async () => {
  const { run, store } = setup({ length: 16, steps: 4 });
  const planned = { ...run.info, backend: null, model: { ...run.info.model, params: null } };
  let open!: (i: typeof run.info) => void;
  const opening = new Promise<typeof run.info>((r) => (open = r));
  const app = render(
    <App
      store={store}
      info={planned}
      fps={30}
      color={false}
      targets={[await h200()]}
      size={{ cols: 160, rows: 48 }}
      clock={false}
      opening={opening}
    />,
  );
  await tick();
  const first = app.lastFrame()!;
  assert.match(first, /⋯ loading the models/);
  assert.match(first, /loading the models: then every lane is decoded first, each pass priced on H200 SXM/);
  // the model line (shown where the header has room) leaves out what the weights tell
  assert.match(modelLine(planned), /· … params · 4 B\/weight · backend …$/);
  for (const l of run.info.lanes) assert.ok(first.includes(l.title), l.title);
  open(run.info);
  await tick();
  const after = app.lastFrame()!;
  assert.doesNotMatch(after, /loading the models/);
  assert.match(after, /pass-count race, not time/);
});

test('totals: a speculative lane’s passes split target + draft (tok/pass divides by the first); Σ keeps “proj” on its time at every width', async () => {
  const { passesCell } = await import('../src/render/live/Panel.js');
  const { totalsLine } = await import('../src/render/lines.js');
  const { EMPTY_TOTALS } = await import('../src/engine/price/totals.js');
  assert.equal(passesCell({ ...EMPTY_TOTALS, passes: 516, modelPasses: 105, tokens: 256 }), '105+411d');
  assert.equal(passesCell({ ...EMPTY_TOTALS, passes: 64, modelPasses: 64, tokens: 256 }), '64');
  const t = {
    ...EMPTY_TOTALS,
    passes: 256,
    modelPasses: 256,
    tokens: 256,
    bytes: 4.05e9,
    flops: 2.09e9,
    bytesPerFlop: 1.9,
  };
  const p = { total: { bytes: 17.8e12, seconds: 4.94, flops: 37e12 } } as never;
  for (const w of [200, 80, 70, 64]) {
    const line = totalsLine(t, p, false, w);
    if (line.includes('│')) assert.match(line, /│ proj /, `${w}: ${line}`);
  }
  assert.match(totalsLine(t, p, false, 64), /│ proj 4\.94 s/);
});

test('a timed race’s roofline axes hold still while its points appear (they span the whole run from its first frame)', async () => {
  const run = fakeRun({ length: 16, steps: 4 });
  const src = laneSources(run);
  // AR's last pass measured very slow here: a point far below the chart's default floor of 10⁸ FLOP/s
  const slowLast = async function* () {
    const all = [];
    for await (const e of src.ar!()) all.push(e);
    all[all.length - 1] = { ...all.at(-1)!, wallMs: 1e7 };
    yield* all;
  };
  const store = new Store({ ...src, ar: slowLast }, { pace: 'time', delayMs: 10, exitHoldMs: null });
  const t = await h200();
  const axis = () =>
    screen(store, run.info, 160, 48, false, [t])
      .split('\n')
      .filter((l) => /^\s*[\d.]*[kMGTPE]?┤/.test(l))
      .map((l) => l.slice(0, l.indexOf('┤')))
      .join('|');
  await store.frame(10); // decodes and prices
  await store.frame(10); // the race's first frame
  const first = axis();
  assert.ok(first.length > 0);
  for (let f = 0; f < 400 && !store.getSnapshot().finished; f++) await store.frame(100);
  assert.equal(axis(), first);
});

test('a lane header drops whole fields from the end of its pass line, never digits', async () => {
  const { wholeFields } = await import('../src/render/live/Lane.js');
  assert.deepEqual(wholeFields('step 516/? verify · +1 tok · α 0.37 · τ 2.45'), [
    'step 516/? verify · +1 tok · α 0.37 · τ 2.45',
    'step 516/? verify · +1 tok · α 0.37',
    'step 516/? verify · +1 tok',
    'step 516/? verify',
  ]);
  const { run, store } = setup();
  for (let i = 0; i < 30; i++) await store.frame(100);
  for (const cols of [80, 100]) {
    const out = screen(store, run.info, cols, 24, false, [await h200()]);
    for (const l of out.split('\n').filter((x) => x.startsWith('▌')))
      assert.doesNotMatch(l, /\d…|[ατ] …|[ατ]…/, `${cols}: ${l}`);
  }
});
