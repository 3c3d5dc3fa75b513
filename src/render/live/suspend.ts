// Stopping the live view as a job (Ctrl-Z, or SIGTSTP from outside): the terminal is given back first, then the job
// stops. Under `npx dlm-watch` (the README's invocation) npm's node is our parent in the same process group and waits
// for us: stopping only ourselves left the shell waiting on npx with no prompt, so a parent that is npm's in our
// process group is stopped too; `fg` continues both (the shell signals the whole group).
import { readFileSync } from 'node:fs';

/** The pgrp field of /proc/<pid>/stat (the fields after the parenthesised command name: state, ppid, pgrp). */
export function pgrpOf(stat: string): number | null {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = Number(rest[2]);
  return Number.isInteger(n) ? n : null;
}

/** The parent to stop with us: npm or npx (its command line names npm-cli.js, npx-cli.js or the npm/npx binary) in
 *  our own process group; null elsewhere (another OS, no /proc, a shell parent). */
export function npmParent(
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  pid = process.pid,
  ppid = process.ppid,
): number | null {
  try {
    const cmd = read(`/proc/${ppid}/cmdline`).split('\0').join(' ');
    if (!/(^|\/)(npm|npx)(-cli\.js)?( |$)|npm-cli\.js|npx-cli\.js/.test(cmd)) return null;
    const ours = pgrpOf(read(`/proc/${pid}/stat`));
    return ours !== null && ours === pgrpOf(read(`/proc/${ppid}/stat`)) ? ppid : null;
  } catch {
    return null;
  }
}

/** Stop the job: npm's parent first (see above), then this process (SIGSTOP: a SIGTSTP would come back to our own
 *  handler). */
export function stopJob(kill: (pid: number, sig: NodeJS.Signals) => void = process.kill, parent = npmParent()): void {
  if (parent !== null) {
    try {
      kill(parent, 'SIGSTOP');
    } catch {
      // gone: stop ourselves anyway
    }
  }
  kill(process.pid, 'SIGSTOP');
}
