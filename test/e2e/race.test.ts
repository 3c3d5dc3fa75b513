// The default run as a class sees it (issue 21): a 100×30 recording of the shipped models, read back frame by frame.
// The race is true to time: the lanes finish in the order of their projected times on the target, each at its share
// of the slowest lane's screen time (within 15 %); the diffusion lane shows masked positions beside committed tokens
// on at least 3 s of frames.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { readCast, type Cast } from '../helpers/cast-frames.js';

const exec = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/dlm-watch.js');
const env: NodeJS.ProcessEnv = { ...process.env, DLM_WATCH_HOME: mkdtempSync(join(tmpdir(), 'dlm-watch-race-home-')) };
delete env.FORCE_COLOR;
const dir = mkdtempSync(join(tmpdir(), 'dlm-watch-race-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(env.DLM_WATCH_HOME!, { recursive: true, force: true });
});
const shipped = existsSync(join(ROOT, 'models', 'model.json'));
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const SOCKET = `dlm-watch-race-${process.pid}`;
after(() => {
  if (hasTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
});
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const skip = (process.env.DLM_WATCH_E2E === 'skip' && 'DLM_WATCH_E2E=skip') || (!shipped && 'no shipped models');

interface VerdictRecord {
  type: 'verdict';
  winner: string;
  headline: string;
  lanes: { id: string; seconds: number }[];
}

let recorded: Promise<{ cast: Cast; verdict: VerdictRecord; labels: Record<string, string> }> | null = null;
/** the default run, recorded at 100×30, and its NDJSON verdict (both the same deterministic run) */
function defaultRun() {
  recorded ??= (async () => {
    const file = join(dir, 'default.cast');
    await exec('node', [BIN, '--record', file], { env, cwd: ROOT, maxBuffer: 1 << 26 });
    const { stdout } = await exec('node', [BIN, '--json'], { env, cwd: ROOT, maxBuffer: 1 << 28 });
    const records = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    const run = records.find((r) => r.type === 'run') as unknown as { lanes: { id: string; label: string }[] };
    return {
      cast: readCast(readFileSync(file, 'utf8')),
      verdict: records.find((r) => r.type === 'verdict') as VerdictRecord,
      labels: Object.fromEntries(run.lanes.map((l) => [l.id, l.label])),
    };
  })();
  return recorded;
}

test(
  'the default recording is a true race: finishing order and times follow the projected times',
  { skip },
  async () => {
    const { cast, verdict, labels } = await defaultRun();
    assert.equal(cast.header.width, 100);
    assert.equal(cast.header.height, 30);
    const finish = Object.fromEntries(
      verdict.lanes.map((l) => {
        const m = cast.markers.find((x) => x.label === `${labels[l.id]}: finished`);
        assert.ok(m, `a finish marker for ${l.id}: ${JSON.stringify(cast.markers.slice(-5))}`);
        return [l.id, m.t];
      }),
    );
    const byTime = [...verdict.lanes].sort((a, b) => a.seconds - b.seconds).map((l) => l.id);
    const byScreen = [...verdict.lanes].sort((a, b) => finish[a.id]! - finish[b.id]!).map((l) => l.id);
    assert.deepEqual(byScreen, byTime, 'the lane that finishes first on screen is the fastest on the target');
    const slowest = verdict.lanes.find((l) => l.id === byTime.at(-1))!;
    const screenSlowest = finish[slowest.id]!;
    assert.ok(screenSlowest > 15 && screenSlowest < 25, `the slowest lane takes about 20 s: ${screenSlowest} s`);
    for (const l of verdict.lanes) {
      const want = (screenSlowest * l.seconds) / slowest.seconds;
      assert.ok(
        Math.abs(finish[l.id]! - want) <= 0.15 * want,
        `${l.id} finishes at ${finish[l.id]} s on screen, its share is ${want.toFixed(2)} s`,
      );
    }
  },
);

/** the text rows of the lane whose title names diffusion: between its title and the next lane or the chart */
function diffusionText(lines: string[]): string[] {
  const start = lines.findIndex((l) => l.startsWith('▌') && /diffusion/i.test(l));
  if (start < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('▌') || l.startsWith('Roofline') || l.startsWith('recording')) break;
    if (!l.startsWith('proj ')) out.push(l);
  }
  return out;
}

test(
  'the diffusion lane shows masked positions beside committed tokens on at least 3 s of frames',
  { skip },
  async () => {
    const { cast } = await defaultRun();
    let seconds = 0;
    cast.frames.forEach((f, i) => {
      const text = diffusionText(f.lines).join('\n').replace('It is a truth universally acknowledged', '');
      const next = cast.frames[i + 1]?.t ?? f.t;
      if (text.includes('░') && /[^░\s⏎]/.test(text)) seconds += next - f.t;
    });
    assert.ok(seconds >= 3, `masked and committed together on ${seconds.toFixed(2)} s of frames`);
  },
);

test(
  "the README's promises about the default run hold: the order, the headline, quality at the end",
  { skip },
  async () => {
    const { cast, verdict } = await defaultRun();
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    // "At the defaults diffusion wins, then speculative AR, then AR."
    assert.deepEqual(
      [...verdict.lanes].sort((a, b) => a.seconds - b.seconds).map((l) => l.id),
      ['diffusion', 'speculative', 'ar'],
    );
    // the headline quoted is the one the run prints
    assert.ok(readme.includes(`\`${verdict.headline}\``), `README quotes: ${verdict.headline}`);
    // the last frame: every lane done with its quality; "fewer passes, worse text": diffusion's perplexity above AR's
    const last = cast.frames.at(-1)!.lines;
    const title = (re: RegExp) => last.find((l) => l.startsWith('▌') && re.test(l)) ?? '';
    assert.match(title(/Autoregressive/), /done ✓ · ppl [\d.]+ plausible/, last.join('\n'));
    assert.match(title(/diffusion/i), /done ✓ · ppl [\d.]+ \w+/, last.join('\n'));
    const quality = (re: RegExp) => Number(/ppl ([\d.]+)/.exec(title(re))?.[1]);
    assert.ok(quality(/diffusion/i) > quality(/Autoregressive/), last.join('\n'));
    assert.match(title(/speculative/i), /done ✓ · ppl [\d.]+ \w+/, last.join('\n'));
  },
);

test(
  "`s` changes diffusion's passes: more are slower on the target, fewer write worse text (the README's promise)",
  { skip },
  async () => {
    const run = async (args: string[]) =>
      (await exec('node', [BIN, '--json', ...args], { env, cwd: ROOT, maxBuffer: 1 << 28 })).stdout;
    const diffusion = (text: string) => {
      const records = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; lane?: string; quality?: { adjusted: number } });
      const v = records.find((r) => r.type === 'verdict') as unknown as VerdictRecord;
      const s = records.find((r) => r.type === 'summary' && r.lane === 'diffusion')!;
      return { seconds: v.lanes.find((l) => l.id === 'diffusion')!.seconds, quality: s.quality!.adjusted };
    };
    const [base, more, fewer] = (await Promise.all([run([]), run(['--steps', '128']), run(['--steps', '32'])])).map(
      diffusion,
    );
    assert.ok(more.seconds > base.seconds, `${more.seconds} s at 128 passes vs ${base.seconds} s at 64`);
    assert.ok(fewer.quality > base.quality, `perplexity ${fewer.quality} at 32 passes vs ${base.quality} at 64`);
  },
);

test(
  'live in tmux at 100×30: the lanes finish in the order of their projected times, each near its share',
  { skip: skip || (!hasTmux && 'no tmux') },
  async () => {
    const { verdict } = await defaultRun();
    // Ink draws every frame only outside CI; the run's own colours are irrelevant here
    tmux(
      'new-session',
      '-d',
      '-s',
      'race',
      '-x',
      '100',
      '-y',
      '30',
      `env -u CI -u CONTINUOUS_INTEGRATION DLM_WATCH_HOME='${env.DLM_WATCH_HOME}' node '${BIN}' --exit; sleep 30`,
    );
    // cues, read every 50 ms: the race starts when the header stops saying it decodes; a lane finishes when its title
    // row (the lanes' title rows come in the run's order) says "done ✓"
    let start: number | null = null;
    const done: (number | null)[] = verdict.lanes.map(() => null);
    const end = Date.now() + 120_000;
    let screen = '';
    while (Date.now() < end && done.some((d) => d === null)) {
      screen = tmux('capture-pane', '-p', '-t', 'race');
      const now = Date.now();
      if (start === null && screen.includes('▶ running') && !screen.includes('decoding every pass')) start = now;
      const titles = screen.split('\n').filter((l) => l.startsWith('▌'));
      titles.forEach((t, i) => {
        if (start !== null && done[i] === null && t.includes('done ✓')) done[i] = (now - start) / 1000;
      });
      await sleep(50);
    }
    assert.ok(start !== null && done.every((d) => d !== null), `the race ran to its end:\n${screen}`);
    const seconds = verdict.lanes.map((l) => l.seconds);
    const slowest = seconds.indexOf(Math.max(...seconds));
    const order = (xs: number[]) => xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
    assert.deepEqual(order(done as number[]), order(seconds), `finished at ${done.join(', ')} s`);
    for (let i = 0; i < seconds.length; i++) {
      const want = (done[slowest]! * seconds[i]!) / seconds[slowest]!;
      assert.ok(
        Math.abs(done[i]! - want) <= 0.15 * want,
        `lane ${i} done at ${done[i]} s, its share ${want.toFixed(2)} s`,
      );
    }
  },
);
