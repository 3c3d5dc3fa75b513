// Entry point: picks the subcommand and turns every failure into one line on stderr and a non-zero exit.
// `dlm-watch "prompt"` runs the live view (commands/watch.tsx); calc | calibrate | sweep are their own modules.
const SUBCOMMANDS = ['calc', 'calibrate', 'sweep'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

async function dispatch(argv: string[]): Promise<number> {
  const sub = SUBCOMMANDS.includes(argv[0] as Sub) ? (argv[0] as Sub) : null;
  const mod = (
    sub === 'calc' ? await import('./commands/calc.js')
    : sub === 'calibrate' ? await import('./commands/calibrate.js')
    : sub === 'sweep' ? await import('./commands/sweep.js')
    : await import('./commands/watch.js')
  ) as { main(argv: string[]): Promise<number> };
  return mod.main(sub ? argv.slice(1) : argv);
}

function fail(err: unknown): never {
  const e = err as Error & { name?: string };
  const msg = (e?.message ?? String(err)).split('\n')[0];
  process.stderr.write(`dlm-watch: ${msg}\n`);
  if (process.env.DLM_WATCH_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
  process.exit(e?.name === 'UsageError' ? 2 : 1);
}

try {
  const code = await dispatch(process.argv.slice(2));
  process.exitCode = code;
  // tfjs' wasm module keeps handles open: leave once stdout has drained
  process.stdout.write('', () => process.exit(code));
} catch (err) {
  fail(err);
}
