// Plain text, NDJSON and asciicast outputs from the fake engine, and the watch command's flag handling.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { main } from '../src/commands/watch.js';
import { laneOptions, validateDecode, type DecodeConfig } from '../src/engine/config.js';
import { laneSpec, type DiffusionOptions } from '../src/engine/lanes.js';
import { selectTarget } from '../src/engine/price/project.js';
import { CAST_END, recordCast } from '../src/render/cast.js';
import { parseWatchArgs, colorWanted } from '../src/commands/watch-flags.js';
import { writeNdjson } from '../src/render/ndjson.js';
import { writePlain } from '../src/render/plain.js';
import { laneSources, Store } from '../src/render/store.js';
import { diffusionKnobs, fakeRun, type FakeOptions } from './helpers/fake-run.js';

function sink() {
  let text = '';
  return {
    write: (s: string) => void (text += s),
    get text() {
      return text;
    },
  };
}

test('plain: one line per pass per lane, final texts, summary; no escape codes', async () => {
  const out = sink();
  const results = await writePlain(fakeRun({ length: 8, steps: 4 }), out, await selectTarget({}));
  assert.ok(!out.text.includes('\x1b'));
  const lines = out.text.split('\n');
  const rows = lines.filter((l) => /^\s+\d+ (prefill|decode|denoise)\b/.test(l));
  assert.equal(rows.length, 8 + 4);
  assert.ok(lines.some((l) => l.startsWith('Autoregressive (KV cache)')));
  assert.ok(lines.some((l) => l.startsWith('Masked diffusion')));
  assert.ok(out.text.includes('Text (prompt │ generated)'));
  const ar = lines.find((l) => l.startsWith('AR  '))!;
  assert.match(ar, /^AR\s+8\s+8\s+1\.00\s/);
  assert.equal(results[1]!.totals.passes, 4);
  assert.ok(results[0]!.projected!.seconds > 0);
});

test('NDJSON: run line, one object per StepEvent (with its projection), a summary per lane', async () => {
  const out = sink();
  await writeNdjson(fakeRun({ length: 6, steps: 3 }), out, await selectTarget({}));
  const objs = out.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(objs[0].type, 'run');
  assert.equal(objs[0].projection.hardware, 'H200 SXM');
  assert.ok(Math.abs(objs[0].projection.ridge - 4.8e12 / 1979e12) < 1e-15);
  // the default efficiencies: memory 75 %, compute 70 %
  assert.ok(Math.abs(objs[0].projection.ridgeAtEfficiency - (0.75 * 4.8e12) / (0.7 * 1979e12)) < 1e-15);
  const steps = objs.filter((o) => o.type === 'step');
  assert.equal(steps.length, 6 + 3);
  for (const s of steps) {
    for (const k of [
      'lane',
      'step',
      'plannedSteps',
      'kind',
      'positions',
      'committed',
      'detail',
      'shape',
      'cost',
      'wallMs',
      'done',
    ])
      assert.ok(k in s, k);
    // the lane's own data of the pass: diffusion's block, nothing for AR
    assert.deepEqual(
      s.lane === 'diffusion' ? Object.keys(s.detail) : s.detail,
      s.lane === 'diffusion' ? ['block'] : null,
    );
    assert.ok(s.projected.seconds > 0);
  }
  const summaries = objs.filter((o) => o.type === 'summary');
  assert.deepEqual(
    summaries.map((s) => s.lane),
    ['ar', 'diffusion'],
  );
  assert.equal(summaries[0].passes, 6);
  assert.equal(summaries[0].bytesPerFlop, summaries[0].bytes / summaries[0].flops);
  // TPF in every summary: tokens over the passes of the lane's own model
  for (const s of summaries) assert.equal(s.tokensPerPass, s.tokens / s.modelPasses);
  assert.equal(summaries[1].modelPasses, summaries[1].passes); // no draft: every pass reads the lane's model
});

async function cast(o: FakeOptions, cols = 100, rows = 30) {
  const run = fakeRun(o);
  const store = new Store(laneSources(run), { pace: 'step', delayMs: 50, exitHoldMs: 500 });
  return recordCast({ store, info: run.info, cols, rows, fps: 20, color: true, targets: [await selectTarget({})] });
}

test('asciicast v2: header, monotonic frames, ends; the same run gives the same bytes', async () => {
  const a = await cast({ length: 8, steps: 4 });
  const b = await cast({ length: 8, steps: 4 });
  assert.equal(a, b);
  const lines = a.trim().split('\n');
  const header = JSON.parse(lines[0]!);
  assert.deepEqual(
    { version: header.version, width: header.width, height: header.height },
    { version: 2, width: 100, height: 30 },
  );
  assert.ok(!('timestamp' in header));
  let t = 0;
  for (const l of lines.slice(1)) {
    const [time, kind, data] = JSON.parse(l);
    assert.ok(kind === 'o' || kind === 'm', kind);
    assert.ok(time >= t);
    t = time;
    assert.equal(typeof data, 'string');
  }
  assert.equal(JSON.parse(lines[lines.length - 1]!)[2], CAST_END);
  // measured milliseconds are hidden; the recording is 8 steps × 50 ms + 0.5 s hold ≈ 0.9 s
  assert.ok(!a.includes(' ms/pass (set'), 'no measured pace in a recording');
  assert.ok(
    a.includes('recording · pass-count race, not time: 50 ms/pass of screen time'),
    'the hints row names the recording and its pace',
  );
  assert.ok(t > 0.8 && t < 1.2, String(t));
});

test('asciicast frames fit the size: rows − 1 lines', async () => {
  const text = await cast({ length: 40, steps: 8 }, 80, 24);
  for (const l of text.trim().split('\n').slice(1, -1)) {
    const data: string = JSON.parse(l)[2];
    const frame = data.replace(/^\x1b\[\?25l\x1b\[2J/, '');
    assert.ok(frame.split('\r\n').length <= 23);
  }
});

test('flags: defaults, decoder pass-through, choices and numbers checked', () => {
  const io = { stdoutIsTTY: true, stdinIsTTY: true, env: {} };
  const d = parseWatchArgs([], io);
  assert.equal(d.output, 'live');
  assert.equal(d.exit, false);
  const diffusion = (c: DecodeConfig) => laneOptions<DiffusionOptions>(c, laneSpec('diffusion'));
  assert.equal(diffusion(d.config).block, 32); // the default block where it divides the length
  assert.equal(diffusion(parseWatchArgs(['--length', '48'], io).config).block, 48); // else one block
  assert.equal(d.config.temperature, 1); // models/README.md, "Decoding defaults"
  assert.equal(d.config.topK, 40);
  const o = parseWatchArgs(
    [
      'hello',
      '--length',
      '32',
      '--steps',
      '8',
      '--block',
      '16',
      '--strategy',
      'margin',
      '--threshold',
      '0.5',
      '--cache',
      'prefix',
      '--temperature',
      '0.7',
      '--top-k',
      '5',
      '--draft-tokens',
      '6',
      '--seed',
      '3',
      '--backend',
      'cpu',
      '--model-dir',
      'x',
      '--pace',
      'time',
      '--fps',
      '10',
      '--delay',
      '40',
    ],
    io,
  );
  assert.deepEqual(o.config, {
    prompt: 'hello',
    length: 32,
    temperature: 0.7,
    topK: 5,
    seed: 3,
    lanes: {
      diffusion: { steps: 8, block: 16, strategy: 'margin', threshold: 0.5, cache: 'prefix' },
      block: { block: 16, threshold: 0.5 },
      speculative: { draftTokens: 6 },
    },
  });
  assert.equal(o.backend, 'cpu');
  assert.equal(o.modelDir, 'x');
  assert.equal(o.pace, 'time');
  assert.equal(diffusion(parseWatchArgs(['--length', '16'], io).config).steps, 16);
  assert.equal(parseWatchArgs([], { ...io, stdoutIsTTY: false }).output, 'plain');
  assert.equal(parseWatchArgs([], { ...io, stdinIsTTY: false }).exit, true);
  assert.equal(parseWatchArgs(['--record', 'a.cast'], io).output, 'record');
  assert.throws(() => parseWatchArgs(['--strategy', 'nope'], io), /--strategy must be one of/);
  assert.throws(() => parseWatchArgs(['--length', 'abc'], io), { message: '--length must be a number, got "abc"' });
  // a value that is no number gets the flag's range and the value, as an out-of-range one does
  assert.throws(() => parseWatchArgs(['--delay', 'abc'], io), {
    message: '--delay must be a number from 1 to 60000, got "abc"',
  });
  assert.throws(() => parseWatchArgs(['--delay', '0'], io), {
    message: '--delay must be a number from 1 to 60000, got 0',
  });
  assert.throws(() => parseWatchArgs(['--threads', 'x'], io), {
    message: '--threads must be a whole number from 1 to 64, got "x"',
  });
  // … shown safely: an escape sequence prints as text, not as an escape
  assert.throws(() => parseWatchArgs(['--fps', '\x1b[2J'], io), {
    message: '--fps must be a number from 1 to 120, got "\\u001b[2J"',
  });
  assert.throws(() => parseWatchArgs(['--bogus'], io), /unknown flag --bogus/);
  assert.throws(() => parseWatchArgs(['--pace', 'fast'], io), /--pace must be one of step, time/);
});

test('colour: --no-color, NO_COLOR, FORCE_COLOR, else the TTY', () => {
  assert.equal(colorWanted(false, {}, true), false);
  assert.equal(colorWanted(true, { NO_COLOR: '1' }, true), false);
  assert.equal(colorWanted(true, { NO_COLOR: '' }, true), true);
  assert.equal(colorWanted(true, { FORCE_COLOR: '0' }, true), false);
  assert.equal(colorWanted(true, { FORCE_COLOR: '1' }, false), true);
  assert.equal(colorWanted(true, {}, false), false);
});

function streams() {
  const stdout = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
  const stderr = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
  const stdin = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.ReadStream;
  let out = '';
  let err = '';
  (stdout as unknown as PassThrough).on('data', (d) => (out += d));
  (stderr as unknown as PassThrough).on('data', (d) => (err += d));
  return { stdout, stderr, stdin, out: () => out, err: () => err };
}

const fakeCreateRun = async (config: DecodeConfig) => {
  const run = fakeRun({ prompt: config.prompt, length: config.length, ...diffusionKnobs(config) });
  validateDecode(config, 256, run.info.promptTokens);
  return run;
};

test('watch: piped stdout gets plain text; --json NDJSON; exit 0', async () => {
  const s = streams();
  assert.equal(await main(['--length', '4', '--steps', '2'], { ...s, env: {}, createRun: fakeCreateRun }), 0);
  assert.ok(s.out().includes('Summary'));
  const j = streams();
  assert.equal(await main(['--json', '--length', '4', '--steps', '2'], { ...j, env: {}, createRun: fakeCreateRun }), 0);
  for (const l of j.out().trim().split('\n')) JSON.parse(l);
});

test('watch --help: folded at spaces to an 80-column terminal, descriptions under their column; piped, as written', async () => {
  const piped = streams();
  assert.equal(await main(['--help'], { ...piped, env: {} }), 0);
  assert.ok(
    piped
      .out()
      .split('\n')
      .some((l) => [...l].length > 80),
    'the help as written is wider than 80',
  );
  const tty = streams();
  Object.assign(tty.stdout, { isTTY: true, columns: 80 });
  assert.equal(await main(['--help'], { ...tty, env: {} }), 0);
  const lines = tty.out().split('\n');
  for (const l of lines) assert.ok([...l].length <= 80, `${[...l].length} columns: ${l}`);
  // the same words, none cut in two
  const words = (t: string) => t.split(/\s+/).filter(Boolean);
  assert.deepEqual(words(tty.out()), words(piped.out()));
  // the compact shape rows keep each flag with its placeholder
  assert.match(tty.out(), /--kv-heads K/);
  assert.match(tty.out(), /--dense-layers n/);
  // a description's continuation hangs under the description, not under the flag's name
  const at = lines.findIndex((l) => /^ {4}--pace step\|time +time: lanes race/.test(l));
  assert.ok(at >= 0, tty.out());
  const column = lines[at]!.indexOf('time:');
  assert.equal(/^ */.exec(lines[at + 1]!)![0].length, column, `${lines[at]}\n${lines[at + 1]}`);
});

test('watch: bad input is one line on stderr and exit 2', async () => {
  for (const argv of [['--strategy', 'x'], ['--length', '10', '--block', '3'], ['--hardware', 'abacus'], ['   ']]) {
    const s = streams();
    const code = await main(argv, { ...s, env: {}, createRun: fakeCreateRun });
    assert.equal(code, 2, argv.join(' '));
    assert.equal(s.err().trim().split('\n').length, 1, s.err());
    assert.match(s.err(), /^dlm-watch: /);
  }
});

test('watch: a lane that fails mid-run is reported, exit 1', async () => {
  const s = streams();
  const createRun = async (config: DecodeConfig) =>
    fakeRun({
      length: config.length,
      steps: diffusionKnobs(config).steps,
      failAt: { lane: 'ar', step: 2, message: 'synthetic' },
    });
  assert.equal(await main(['--length', '4', '--steps', '2'], { ...s, env: {}, createRun }), 1);
  assert.match(s.err(), /AR lane failed: synthetic/);
});

test('summary table: a cell wider than its column still has a space before it', async () => {
  const { summaryTable } = await import('../src/render/plain.js');
  const { EMPTY_TOTALS } = await import('../src/engine/price/totals.js');
  const row = (quality: string) =>
    summaryTable([
      {
        lane: 'ar',
        label: 'AR',
        totals: { ...EMPTY_TOTALS, passes: 64, modelPasses: 64, tokens: 64 },
        projected: { passes: 64, bytes: 4.45e12, flops: 10.3e12, seconds: 1.24 },
        last: null,
        error: null,
        quality: { perplexity: 23.3, distinct3: 1, adjusted: 23.3, word: quality as 'plausible' },
      },
    ]).split('\n')[1]!;
  assert.match(row('plausible'), /1\.24 s +23\.3 plausible$/);
  assert.match(row('a-word-far-wider-than-its-column'), /1\.24 s 23\.3 a-word/);
});
