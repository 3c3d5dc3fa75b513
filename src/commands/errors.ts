// The one way from an error to a message: every command's main() runs its body through runCommand, and cli.tsx
// reports what escapes (a failed import, a signal) through reportError. One line on stderr, the error's exit code
// (src/engine/io/errors.ts: usage 2, files and runs 1, signals 128 + n); DLM_WATCH_DEBUG=1 adds the stack.
import { fstatSync, writeSync } from 'node:fs';
import { exitCodeOf, messageOf, RunError } from '../engine/io/errors.js';
import { errnoReason } from '../engine/io/read-file.js';
import { visible } from '../engine/io/sanitize.js';

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

/** The progress notes on stderr now (watch-io.ts progress): each erases its line. */
export const NOTES = new Set<() => void>();

/** Print one line for err ("dlm-watch calc: …"), the stack too under DLM_WATCH_DEBUG; returns its exit code. */
export function reportError(command: string | null, err: unknown, io: CommandIO = PROCESS_IO): number {
  // "loading the models… 0.5 sdlm-watch: interrupted": a note on screen is erased before the message
  for (const erase of NOTES) erase();
  io.err(`dlm-watch${command ? ` ${command}` : ''}: ${messageOf(err)}\n`);
  if (debugWanted(io.env ?? process.env))
    io.err(`${(err instanceof Error && err.stack ? err.stack : String(err)).split('\n').map(visible).join('\n')}\n`);
  return exitCodeOf(err);
}

/** Run a command body; whatever it throws becomes one reported line and its exit code. */
export async function runCommand(
  command: string | null,
  body: () => Promise<number>,
  io: CommandIO = PROCESS_IO,
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    return reportError(command, e, io);
  }
}

/** The exit-code table, as --help and docs/guide.md print it. */
export const EXIT_CODES_HELP = `
  Exit codes
    0    done
    1    a model, tokenizer, word list or hardware file is unreadable or malformed, or a run failed
    2    a bad flag, argument or value (the message says which)
    130  interrupted (SIGINT); 143: terminated (SIGTERM); 129: hung up (SIGHUP)
    DLM_WATCH_DEBUG=1 prints the stack trace after the message`;

/** Where the process's own streams stand (guardStdio): stdout's reader gone (EPIPE), or a write to stderr failed. */
/** viewOwnsSignals: the live view is mounted and handles SIGINT/SIGTERM/SIGHUP itself (it restores the terminal) */
export const STDIO = { stdoutGone: false, stderrFailed: false, viewOwnsSignals: false };

/**
 * The process's stdout and stderr, for cli.ts. A reader that goes away (`| head`: EPIPE) ends the output quietly,
 * as a pipe should; any other write error (a full disk, `> /dev/full`, EIO) is one line on stderr and exit 1 at
 * once, instead of an unhandled 'error' event's stack trace or a silent exit 0. A failing stderr cannot be
 * reported anywhere: it turns exit 0 into 1.
 */
export function guardStdio(exitNow: (code: number) => void): void {
  // Node gives a stdout it cannot classify (a directory, a closed descriptor) a stream that drops every byte: say so
  const bad = stdoutProblem();
  if (bad) {
    STDIO.stdoutGone = true;
    exitNow(reportError(null, new RunError(`cannot write to stdout: ${bad}`)));
    return;
  }
  if (isFileStream(process.stdout)) checkShortWrites(process.stdout);
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (STDIO.stdoutGone) return; // writes after the first failure fail too; that one said it all
    STDIO.stdoutGone = true;
    if (err.code === 'EPIPE') return;
    exitNow(reportError(null, new RunError(`cannot write to stdout: ${errnoReason(err)}`)));
  });
  process.stderr.on('error', () => {
    STDIO.stderrFailed = true;
  });
}

/** Why fd 1 cannot take output (a directory, closed), or null when it can. */
export function stdoutProblem(fd = 1): string | null {
  try {
    return fstatSync(fd).isDirectory() ? 'it is a directory' : null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EBADF' ? 'it is closed (EBADF)' : null;
  }
}

/** A stdout Node writes with fs.writeSync (a file or a device, not a terminal or a pipe). */
function isFileStream(stream: NodeJS.WriteStream): boolean {
  return (
    !stream.isTTY &&
    typeof (stream as unknown as { fd?: unknown }).fd === 'number' &&
    stream.constructor.name === 'SyncWriteStream'
  );
}

/** Write all of buf to fd: write(2) may take part of it (a disk that fills up mid-write) and says ENOSPC only on the
 * next call, or returns 0; Node's file stream ignores a short count, so 4096 of 8000 bytes would land with exit 0. */
export function writeAllSync(fd: number, buf: Uint8Array, write: typeof writeSync = writeSync): void {
  let off = 0;
  while (off < buf.length) {
    const n = write(fd, buf, off, buf.length - off);
    if (n <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    off += n;
  }
}

/** Route a file stdout's writes through writeAllSync, so a short write becomes the stream's 'error' (exit 1). */
function checkShortWrites(stream: NodeJS.WriteStream): void {
  const s = stream as unknown as {
    fd: number;
    _write: (chunk: Buffer, enc: string, cb: (e?: Error | null) => void) => void;
  };
  s._write = (chunk, _enc, cb) => {
    try {
      writeAllSync(s.fd, chunk);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  };
}
