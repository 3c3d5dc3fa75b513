// Start-up times of the built CLI (dist/, as installed): `--help`, `calc`, and the live view's first frame, each the
// median of 5 runs, with `node -e 0` measured in the same rounds so that a busy machine's noise cancels in the ratios.
// The first frame is timed in a pseudo-terminal (util-linux `script`): from spawning the command to the first
// output that shows both lanes' titles.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = 'bin/dlm-watch.js';

/** the targets, ms */
export const STARTUP_TARGETS = { help: 300, calc: 500, firstFrame: 1200 } as const;

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
  const cmd = `stty cols 100 rows 30; exec node ${BIN} "It is a truth universally acknowledged" --exit`;
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
  targetsMs: typeof STARTUP_TARGETS;
  samples: { node: number[]; help: number[]; calc: number[]; firstFrame: number[] };
  note?: string;
}

export async function measureStartup(runs = 5): Promise<StartupResult> {
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
