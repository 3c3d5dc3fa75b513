// The errors dlm-watch reports as one line, each with its documented exit code (docs/guide.md "Exit codes", --help).
// The engine and the commands throw these; src/commands/errors.ts is the one place that prints them.
import { visible } from './sanitize.js';

/** Exit codes: 0 ok; 1 a file or a run failed; 2 a bad command line; 128 + signal number when interrupted. */
export const EXIT = { ok: 0, failure: 1, usage: 2, SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

/** An error with its exit code; its message is one line meant for the user. */
export class DlmError extends Error {
  readonly exitCode: number = EXIT.failure;
}

/** A bad flag, argument or value, fixed by changing the command line: exit 2. */
export class UsageError extends DlmError {
  override name = 'UsageError';
  override readonly exitCode: number = EXIT.usage;
}

/** A file that is missing, unreadable or malformed (model folder, tokenizer, word list, hardware JSON): exit 1. */
export class InputError extends DlmError {
  override name = 'InputError';
}

/** A failure while running (a decoder, a renderer, writing output): exit 1. */
export class RunError extends DlmError {
  override name = 'RunError';
}

export type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** The run was stopped by a signal: exit 128 + its number (130 for Ctrl-C, 143 for SIGTERM). */
export class Interrupted extends DlmError {
  override name = 'Interrupted';
  override readonly exitCode: number;
  constructor(readonly signal: Signal) {
    super(`interrupted (${signal})`);
    this.exitCode = EXIT[signal];
  }
}

/** The exit code for any thrown value: its own for a DlmError, else 1 (an unexpected failure). */
export function exitCodeOf(err: unknown): number {
  return err instanceof DlmError ? err.exitCode : EXIT.failure;
}

/** The one line shown for any thrown value: the first line of its message (node's system errors already read
 * "ENOENT: no such file or directory, open 'x'"). */
export function messageOf(err: unknown): string {
  // ours are one line by construction (a newline in one comes from quoted input and is shown as \n); others'
  // (node's, a library's) may run on: their first line. Visible either way: a message may quote any input.
  if (err instanceof DlmError) return visible(err.message.trim()) || 'unknown error';
  return visible(firstLine(err instanceof Error ? err.message : String(err)));
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').trim() || 'unknown error';
}
