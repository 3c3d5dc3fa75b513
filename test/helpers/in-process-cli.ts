// The CLI's commands called in this process, as src/cli.ts dispatches them, with stdout and stderr captured: for
// the fast tier's flag, prompt and file cases, which need a command's exit code and output but not a process of
// their own (no signal, no closed pipe, no `ulimit`). What only a process can show runs in test/e2e/.
import { Readable, Writable } from 'node:stream';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** a piped (non-TTY) stream that keeps what is written to it */
function sink(): Writable & { text: string; isTTY: false } {
  const w = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      w.text += String(chunk);
      done();
    },
  }) as Writable & { text: string; isTTY: false };
  w.text = '';
  w.isTTY = false;
  return w;
}

const SUBCOMMANDS = ['calc', 'calibrate', 'sweep'] as const;

/** Run `dlm-watch …argv` in this process with the given environment; resolves with the exit code main() returns. */
export async function runCliInProcess(argv: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const stdout = sink();
  const stderr = sink();
  const sub = (SUBCOMMANDS as readonly string[]).includes(argv[0]!) ? argv[0] : null;
  let code: number;
  if (sub) {
    const mod = (
      sub === 'calc'
        ? await import('../../src/commands/calc.js')
        : sub === 'calibrate'
          ? await import('../../src/commands/calibrate.js')
          : await import('../../src/commands/sweep.js')
    ) as {
      main(
        argv: string[],
        io: { out: (s: string) => void; err: (s: string) => void; env: typeof env },
      ): Promise<number>;
    };
    code = await mod.main(argv.slice(1), { out: (s) => void stdout.write(s), err: (s) => void stderr.write(s), env });
  } else {
    const { main } = await import('../../src/commands/watch.js');
    const stdin = Object.assign(Readable.from([]), { isTTY: false });
    code = await main(argv, {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stderr: stderr as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      env,
    });
  }
  // writes are synchronous into the sinks: everything main() wrote is there once it has returned
  return { code, stdout: stdout.text, stderr: stderr.text };
}
