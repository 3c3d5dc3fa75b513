// The one way from an error to a message: every command's main() runs its body through runCommand, and cli.tsx
// reports what escapes (a failed import, a signal) through reportError. One line on stderr, the error's exit code
// (src/engine/errors.ts: usage 2, files and runs 1, signals 128 + n); DLM_WATCH_DEBUG=1 adds the stack.
import { exitCodeOf, messageOf } from '../engine/errors.js';

/** Where a command writes (tests pass their own; the process streams otherwise). */
export interface CommandIO {
  out: (s: string) => void;
  err: (s: string) => void;
  /** the environment DLM_WATCH_DEBUG is read from (default process.env) */
  env?: Record<string, string | undefined>;
}

export const PROCESS_IO: CommandIO = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
};

/** DLM_WATCH_DEBUG set to anything but "" or "0" */
export function debugWanted(env: Record<string, string | undefined> = process.env): boolean {
  const v = env.DLM_WATCH_DEBUG;
  return v !== undefined && v !== '' && v !== '0';
}

/** Print one line for err ("dlm-watch calc: …"), the stack too under DLM_WATCH_DEBUG; returns its exit code. */
export function reportError(command: string | null, err: unknown, io: CommandIO = PROCESS_IO): number {
  io.err(`dlm-watch${command ? ` ${command}` : ''}: ${messageOf(err)}\n`);
  if (debugWanted(io.env ?? process.env)) io.err(`${err instanceof Error && err.stack ? err.stack : String(err)}\n`);
  return exitCodeOf(err);
}

/** Run a command body; whatever it throws becomes one reported line and its exit code. */
export async function runCommand(command: string | null, body: () => Promise<number>, io: CommandIO = PROCESS_IO): Promise<number> {
  try {
    return await body();
  } catch (e) {
    return reportError(command, e, io);
  }
}

/** The exit-code table, as --help and the README print it. */
export const EXIT_CODES_HELP = `
  Exit codes
    0    done
    1    a model, tokenizer, word list or hardware file is unreadable or malformed, or a run failed
    2    a bad flag, argument or value (the message says which)
    130  interrupted (SIGINT); 143: terminated (SIGTERM); 129: hung up (SIGHUP)
    DLM_WATCH_DEBUG=1 prints the stack trace after the message`;
