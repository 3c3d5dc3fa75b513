// Entry point: picks the subcommand and loads only its module (the live view's ink and React, and tfjs, load
// further down, where they are needed). Every command reports its own failures through src/commands/errors.ts;
// what escapes here (a module that fails to load, a signal) goes through the same reporter.
// `dlm-watch "prompt"` runs the live view (commands/watch.tsx); calc | calibrate | sweep are their own modules.
import { guardStdio, reportError, STDIO } from './commands/errors.js';
import { Interrupted, type Signal } from './engine/io/errors.js';

const SUBCOMMANDS = ['calc', 'calibrate', 'sweep'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

async function dispatch(argv: string[]): Promise<number> {
  const sub = SUBCOMMANDS.includes(argv[0] as Sub) ? (argv[0] as Sub) : null;
  const mod = (
    sub === 'calc'
      ? await import('./commands/calc.js')
      : sub === 'calibrate'
        ? await import('./commands/calibrate.js')
        : sub === 'sweep'
          ? await import('./commands/sweep.js')
          : await import('./commands/watch.js')
  ) as { main(argv: string[]): Promise<number> };
  return mod.main(sub ? argv.slice(1) : argv);
}

/** Leave once stdout has drained (tfjs' wasm module keeps handles open, so the event loop would not end by itself). */
function exit(code: number): void {
  const final = code === 0 && STDIO.stderrFailed ? 1 : code;
  process.exitCode = final;
  if (STDIO.stdoutGone) process.exit(final);
  // the write's own error comes before stdout's 'error' event: give the guard its turn before leaving
  else
    process.stdout.write('', (err) =>
      setImmediate(() => process.exit(err && !STDIO.stdoutGone ? reportError(null, err) : final)),
    );
}

guardStdio((code) => process.exit(code));

// restore-cursor (under ink's cli-cursor) writes "show cursor" to stderr at exit even when stderr is a file: no raw
// control character goes into a file (ink shows the cursor on the terminal, stdout, itself)
if (!process.stderr.isTTY) {
  const write = process.stderr.write.bind(process.stderr) as (...a: unknown[]) => boolean;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
    chunk === '\u001B[?25h' ? true : write(chunk, ...rest)) as typeof process.stderr.write;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const satisfies readonly Signal[]) {
  process.on(sig, () => {
    // the live view listens too: it restores the terminal and then returns, reported as Interrupted by watch (other
    // listeners, such as Ink's signal-exit once a recording loaded it, do not make a run leave late)
    if (STDIO.viewOwnsSignals) return;
    // leave now: a recording or calibrate computing between awaits would otherwise finish and replace its file (every
    // file is written synchronously in one go, so no write is cut short here)
    STDIO.stdoutGone = true;
    exit(reportError(null, new Interrupted(sig)));
  });
}

try {
  exit(await dispatch(process.argv.slice(2)));
} catch (err) {
  exit(reportError(null, err));
}
