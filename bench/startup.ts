// Start-up times of the built CLI (dist/, as installed): `--help`, `calc`, and the live view's first frame, each the
// median of 5 runs, with `node -e 0` measured in the same rounds so that a busy machine's noise cancels in the ratios.
// The first frame is timed in a pseudo-terminal (util-linux `script`): from spawning the command to the first
// output that shows both lanes' titles. Then the live view's peak RSS: a whole --exit run per model (the race decoded,
// played and held), the process's own maxRSS written as it exits.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = 'bin/dlm-watch.js';
const PROMPT = 'It is a truth universally acknowledged';
/** preloaded into the live view: its own peak RSS (KiB, ru_maxrss) into $DLM_WATCH_RSS as it exits */
const RSS_HOOK =
  "data:text/javascript,import{writeFileSync}from'node:fs';process.on('exit',()=>writeFileSync(process.env.DLM_WATCH_RSS,String(process.resourceUsage().maxRSS)))";

/** the targets: --help and calc in ms; the first live frame at most firstFrameRatio × `node -e 0` of the same
 *  rounds; the live view's peak RSS in MB (1e6 bytes). firstFrame: the earlier absolute target (ms), a quiet machine's. */
export const STARTUP_TARGETS = { help: 300, calc: 500, firstFrame: 1200, firstFrameRatio: 5, liveRssMb: 250 } as const;

/** the models whose live view's peak RSS is measured */
export const RSS_MODELS = ['austen', 'code'] as const;

function timeRun(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync('node', args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** ms from spawn to the first frame with both lanes on a 100×30 pseudo-terminal */
function timeFirstFrame(): Promise<number> {
  const cmd = `stty cols 100 rows 30; exec node ${BIN} "${PROMPT}" --exit`;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TERM: 'xterm-256color' },
    });
    let out = '';
    let ms: number | null = null;
    p.stdout.on('data', (d) => {
      out += d;
      if (ms === null && out.includes('Autoregressive') && out.includes('Masked diffusion')) {
        ms = performance.now() - t0;
        p.kill('SIGTERM');
      }
    });
    p.on('error', reject);
    p.on('exit', () => (ms === null ? reject(new Error(`no frame seen:\n${out.slice(-500)}`)) : resolve(ms)));
  });
}

/** Peak RSS (MB) of a whole live run (--exit: decoded, played, held, quit) on a 100×30 pseudo-terminal. */
function liveRssMb(model: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'dlm-watch-rss-'));
  const file = join(dir, 'rss');
  try {
    const cmd = `stty cols 100 rows 30; exec node --import "${RSS_HOOK}" ${BIN} "${PROMPT}" --model ${model} --exit`;
    const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, TERM: 'xterm-256color', DLM_WATCH_RSS: file },
    });
    if (r.status !== 0) throw new Error(`the live view (--model ${model}) exited ${r.status}: ${r.stderr}`);
    return kibToMb(Number(readFileSync(file, 'utf8')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ru_maxrss is in KiB on Linux: MB (1e6 bytes), one decimal */
export const kibToMb = (kib: number): number => +((kib * 1024) / 1e6).toFixed(1);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface StartupResult {
  runs: number;
  /** medians, ms */
  nodeMs: number;
  helpMs: number;
  calcMs: number;
  firstFrameMs: number | null;
  /** median ÷ the node -e 0 median of the same rounds */
  ratio: { help: number; calc: number; firstFrame: number | null };
  /** the live view's peak RSS, MB, one whole --exit run per model (null without `script`) */
  liveRssMb: Record<(typeof RSS_MODELS)[number], number> | null;
  targetsMs: typeof STARTUP_TARGETS;
  samples: { node: number[]; help: number[]; calc: number[]; firstFrame: number[] };
  note?: string;
}

export async function measureStartup(runs = 5, rss = true): Promise<StartupResult> {
  const hasScript = spawnSync('script', ['--version']).status === 0;
  const s = { node: [] as number[], help: [] as number[], calc: [] as number[], firstFrame: [] as number[] };
  timeRun(['-e', '0']); // warm the file cache
  timeRun([BIN, '--help']);
  for (let i = 0; i < runs; i++) {
    // interleaved rounds: a slow moment hits every measurement of its round alike
    s.node.push(timeRun(['-e', '0']));
    s.help.push(timeRun([BIN, '--help']));
    s.calc.push(timeRun([BIN, 'calc']));
    if (hasScript) s.firstFrame.push(await timeFirstFrame());
  }
  const r = (x: number[]) => +median(x).toFixed(1);
  const nodeMs = r(s.node);
  const firstFrameMs = hasScript ? r(s.firstFrame) : null;
  const rssMb = hasScript && rss ? Object.fromEntries(RSS_MODELS.map((m) => [m, liveRssMb(m)])) : null;
  return {
    runs,
    nodeMs,
    helpMs: r(s.help),
    calcMs: r(s.calc),
    firstFrameMs,
    ratio: {
      help: +(median(s.help) / median(s.node)).toFixed(2),
      calc: +(median(s.calc) / median(s.node)).toFixed(2),
      firstFrame: hasScript ? +(median(s.firstFrame) / median(s.node)).toFixed(2) : null,
    },
    liveRssMb: rssMb as StartupResult['liveRssMb'],
    targetsMs: STARTUP_TARGETS,
    samples: {
      node: s.node.map((x) => +x.toFixed(1)),
      help: s.help.map((x) => +x.toFixed(1)),
      calc: s.calc.map((x) => +x.toFixed(1)),
      firstFrame: s.firstFrame.map((x) => +x.toFixed(1)),
    },
    ...(hasScript ? {} : { note: 'util-linux `script` not found: first frame not measured' }),
  };
}

/** Each target beside whether this measurement meets it (what bench.ts lists). */
export function startupChecks(r: StartupResult): [string, boolean][] {
  const t = STARTUP_TARGETS;
  return [
    [`--help ≤ ${t.help} ms`, r.helpMs <= t.help],
    [`calc ≤ ${t.calc} ms`, r.calcMs <= t.calc],
    [
      `first live frame ≤ ${t.firstFrameRatio}× node -e 0 (${r.ratio.firstFrame ?? '—'}×)`,
      r.ratio.firstFrame !== null && r.ratio.firstFrame <= t.firstFrameRatio,
    ],
    ...RSS_MODELS.map((m): [string, boolean] => [
      `live view --model ${m}: peak RSS ≤ ${t.liveRssMb} MB (${r.liveRssMb?.[m] ?? '—'} MB)`,
      r.liveRssMb !== null && r.liveRssMb[m] <= t.liveRssMb,
    ]),
  ];
}

// run directly (node --import tsx bench/startup.ts [rounds]): the measurement and its checks, with the load beside them
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { loadavg } = await import('node:os');
  const r = await measureStartup(Number(process.argv[2] ?? 5));
  console.log(JSON.stringify(r, null, 2));
  for (const [what, ok] of startupChecks(r)) console.log(`${ok ? 'ok  ' : 'MISS'} ${what}`);
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}
