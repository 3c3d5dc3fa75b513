// The hostile-input battery (issue 12): test/hostile/cases.json holds the cases as data (see its header), each run
// in a fresh temp folder with the files it asks for. Every case expects its exit code and its stderr lines; every
// case also must show no stack trace, no raw control character in stdout, stderr or any file it wrote, no temp
// file left behind, and never a byte of the "secret" file that hostile paths point at. Two runners: the real built
// CLI as a process (test/e2e/hostile.test.ts, every case) and the commands in this process (test/hostile.test.ts,
// the cases that need no process of their own).
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  closeSync,
  lstatSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after } from 'node:test';
import { runCliInProcess } from './in-process-cli.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/dlm-watch.js');
const TINY = join(ROOT, 'fixtures/tiny');
/** what the secret file holds: hostile paths point at it, and no output may quote it */
const SECRET = 'SECRET-7f3a-do-not-print root:x:0:0';

type FileSpec =
  | { text: string }
  | { json: unknown }
  | { symlink: string }
  | { fifo: true }
  | { dir: true }
  | { zeros: number }
  | { copy: string };

export interface Case {
  name: string;
  class: string;
  args: string[];
  /** copy fixtures/tiny to {model}, then patch model.json: a/b/0 path → value ({"$delete": true} removes) */
  model?: { json?: Record<string, unknown>; replace?: [string, string][]; draftJson?: Record<string, unknown> };
  files?: Record<string, FileSpec>;
  env?: Record<string, string>;
  /** where stdout goes: a pipe read to the end (default), /dev/full, or a pipe closed at once (EPIPE) */
  stdout?: 'pipe' | 'devfull' | 'close';
  /**
   * the signal is sent afterOutputMs after the first stdout output, or, for runs that print nothing, once the process
   * catches the signal (its handler is installed) and has used afterCpuMs of CPU time: a cue counted in work done,
   * which a busy machine delays but does not move (a wall-clock delay fires before start-up there)
   */
  signal?: { name: NodeJS.Signals; afterOutputMs?: number; afterCpuMs?: number };
  /** run under `ulimit -f` (KiB), SIGXFSZ ignored: writes past it fail with EFBIG, as on a full disk */
  fsizeKB?: number;
  timeoutMs?: number;
  expect: {
    exit: number;
    /** one regular expression per stderr line, in order; [] for an empty stderr */
    stderr: string[];
    stdout?: string;
    stdoutNot?: string;
    /** file (placeholders allowed) → absent | unchanged (as the case created it) | cast (a valid asciicast) | exists */
    files?: Record<string, 'absent' | 'unchanged' | 'cast' | 'exists'>;
    /** what the frames of every recording written must show (the hostile text, made visible) */
    castHas?: string[];
  };
}

export const cases = (JSON.parse(readFileSync(join(ROOT, 'test/hostile/cases.json'), 'utf8')) as { cases: Case[] })
  .cases;
const base = mkdtempSync(join(tmpdir(), 'dlm-watch-hostile-'));
after(() => rmSync(base, { recursive: true, force: true }));
// outside every case folder, where `../../…` and symlinks lead
const secretPath = join(base, 'secret.txt');
writeFileSync(secretPath, SECRET + '\n');

const fill = (s: string, tmp: string) =>
  s
    .replaceAll('{tmp}', tmp)
    .replaceAll('{model}', join(tmp, 'model'))
    .replaceAll('{secret}', secretPath)
    .replaceAll('{root}', ROOT);

function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('/');
  let o = obj as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value && typeof value === 'object' && (value as { $delete?: boolean }).$delete) delete o[last];
  else o[last] = value;
}

function patchModelJson(
  path: string,
  c: Record<string, unknown> | undefined,
  replace: [string, string][] = [],
  tmp: string,
): void {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  for (const [k, v] of Object.entries(c ?? {})) setPath(json, k, typeof v === 'string' ? fill(v, tmp) : v);
  let text = JSON.stringify(json, null, 1);
  for (const [a, b] of replace) {
    assert.ok(text.includes(a), `model.json holds ${a}`);
    text = text.replace(a, b);
  }
  writeFileSync(path, text);
}

function makeFile(path: string, spec: FileSpec, tmp: string): void {
  mkdirSync(dirname(path), { recursive: true });
  if ('text' in spec) writeFileSync(path, fill(spec.text, tmp));
  else if ('json' in spec) writeFileSync(path, JSON.stringify(spec.json));
  else if ('symlink' in spec) symlinkSync(fill(spec.symlink, tmp), path);
  else if ('fifo' in spec) execFileSync('mkfifo', [path]);
  else if ('dir' in spec) mkdirSync(path, { recursive: true });
  else if ('zeros' in spec) writeFileSync(path, Buffer.alloc(spec.zeros));
  else writeFileSync(path, readFileSync(fill(spec.copy, tmp)));
}

/** every regular file under dir, with its bytes (FIFOs and links are the case's own, not written by the CLI) */
function filesUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(p, readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** raw control characters a terminal would act on (newline allowed: it ends lines) */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const STACK = /^\s+at .+:\d+:\d+\)?$|node:internal|^\w*Error: /m;

/** An asciicast v2 file whose frames hold only the renderer's own escapes: CSI sequences, no OSC, BEL or C1. */
function checkCast(text: string, what: string, has: readonly string[] = []): void {
  const lines = text.trimEnd().split('\n');
  const header = JSON.parse(lines[0]!) as { version: number; title?: string };
  assert.equal(header.version, 2, what);
  assert.ok(!RAW.test(header.title ?? ''), `${what}: title without control characters`);
  let frames = '';
  for (const l of lines.slice(1)) {
    const [t, kind, data] = JSON.parse(l) as [number, string, string];
    assert.ok(Number.isFinite(t) && (kind === 'o' || kind === 'm'), `${what}: an output or marker event`);
    if (kind === 'm') {
      assert.ok(!RAW.test(data), `${what}: a marker without control characters`);
      continue;
    }
    frames += data;
    const stripped = data.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    assert.ok(
      !RAW.test(stripped.replace(/[\r\n]/g, '')),
      `${what}: a frame holds an escape other than CSI: ${JSON.stringify(stripped.match(RAW)?.[0])}`,
    );
  }
  for (const re of has)
    assert.match(
      frames.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''),
      new RegExp(re),
      `${what} shows the hostile text, made visible`,
    );
}

interface Result {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * A case needs a process of its own when it signals it, closes or fills its stdout, or limits its file size; and when
 * it touches the dlm-watch home (calibrate, --hardware local): the commands find it through process.env, which this
 * process must not change, so in process they would read and write the real ~/.dlm-watch.
 */
export const needsProcess = (c: Case): boolean =>
  Boolean(c.signal || c.stdout || c.fsizeKB || c.env) ||
  c.args.some((a) => a === 'calibrate' || a === 'local') ||
  Object.keys(c.files ?? {}).some((p) => p.startsWith('home/'));

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const SIGNAL_BITS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** the process catches sig (Linux: /proc/<pid>/status SigCgt) and has used at least cpuMs of CPU time */
function readyFor(pid: number, sig: NodeJS.Signals, cpuMs: number): boolean {
  try {
    const caught = BigInt('0x' + /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    if (!((caught >> BigInt(SIGNAL_BITS[sig]! - 1)) & 1n)) return false;
    // /proc/<pid>/stat: utime and stime are fields 14 and 15, counted after the parenthesised command name
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS >= cpuMs;
  } catch {
    return false; // not started yet, or gone
  }
}

function runCli(c: Case, tmp: string): Promise<Result> {
  const args = [BIN, ...c.args.map((a) => fill(a, tmp))];
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', DLM_WATCH_HOME: join(tmp, 'home') };
  delete env.DLM_WATCH_DEBUG;
  delete env.FORCE_COLOR;
  for (const [k, v] of Object.entries(c.env ?? {})) env[k] = fill(v, tmp);
  const full = c.stdout === 'devfull' ? openSync('/dev/full', 'w') : null;
  const [cmd, argv] = c.fsizeKB
    ? ['sh', ['-c', `trap '' XFSZ; ulimit -f ${c.fsizeKB}; exec "$0" "$@"`, process.execPath, ...args]]
    : [process.execPath, args];
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv as string[], { cwd: tmp, env, stdio: ['ignore', full ?? 'pipe', 'pipe'] });
    // polled, not waited for: the cue is the process's own state (see Case.signal)
    const poll =
      c.signal?.afterCpuMs !== undefined
        ? setInterval(() => {
            if (!readyFor(child.pid!, c.signal!.name, c.signal!.afterCpuMs!)) return;
            clearInterval(poll!);
            child.kill(c.signal!.name);
          }, 10)
        : null;
    if (full !== null) closeSync(full);
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout?.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    if (c.stdout === 'close') child.stdout!.destroy();
    else
      child.stdout?.on('data', (d: string) => {
        stdout += d;
        if (c.signal?.afterOutputMs !== undefined && !signalled) {
          signalled = true;
          setTimeout(() => child.kill(c.signal!.name), c.signal.afterOutputMs);
        }
      });
    child.stderr!.on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${c.name}: no exit within ${c.timeoutMs ?? 60000} ms (a hang)`));
    }, c.timeoutMs ?? 60000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** the same case through the commands in this process (needsProcess(c) false): exit code and output as main() gives them */
async function runInProcess(c: Case, tmp: string): Promise<Result> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', DLM_WATCH_HOME: join(tmp, 'home') };
  delete env.DLM_WATCH_DEBUG;
  delete env.FORCE_COLOR;
  for (const [k, v] of Object.entries(c.env ?? {})) env[k] = fill(v, tmp);
  const t0 = Date.now();
  const r = await runCliInProcess(
    c.args.map((a) => fill(a, tmp)),
    env,
  );
  return { ...r, signal: null, ms: Date.now() - t0 };
}

/** Run one case (as a process, or in this process) and check everything it must show. */
export async function runCase(c: Case, how: 'process' | 'in-process'): Promise<void> {
  // a misplaced field would be a check that checks nothing (expect.stdout once sat at the top, unread)
  assert.ok([undefined, 'pipe', 'devfull', 'close'].includes(c.stdout), `${c.name}: stdout is pipe, devfull or close`);
  assert.ok(
    !c.signal || (c.signal.afterOutputMs ?? c.signal.afterCpuMs) !== undefined,
    `${c.name}: signal needs a cue`,
  );
  const tmp = mkdtempSync(join(base, 'case-'));
  mkdirSync(join(tmp, 'home'));
  if (c.model) {
    cpSync(TINY, join(tmp, 'model'), { recursive: true });
    patchModelJson(join(tmp, 'model/model.json'), c.model.json, c.model.replace, tmp);
    if (c.model.draftJson) patchModelJson(join(tmp, 'model/draft/model.json'), c.model.draftJson, [], tmp);
  }
  for (const [p, spec] of Object.entries(c.files ?? {}))
    makeFile(fill(p, tmp).startsWith('/') ? fill(p, tmp) : join(tmp, fill(p, tmp)), spec, tmp);
  const before = filesUnder(tmp);
  const r = how === 'process' ? await runCli(c, tmp) : await runInProcess(c, tmp);
  const where = `${c.name}: exit ${r.code} (${r.signal ?? 'no signal'}) in ${r.ms} ms\nstderr: ${JSON.stringify(r.stderr)}\nstdout: ${JSON.stringify(r.stdout.slice(0, 400))}`;

  assert.equal(r.code, c.expect.exit, where);
  const lines = r.stderr === '' ? [] : r.stderr.replace(/\n$/, '').split('\n');
  assert.equal(lines.length, c.expect.stderr.length, `stderr lines\n${where}`);
  c.expect.stderr.forEach((re, i) =>
    assert.match(lines[i]!, new RegExp(fill(re, tmp).replaceAll(tmp, escapeRe(tmp))), where),
  );
  if (c.expect.stdout !== undefined) assert.match(r.stdout, new RegExp(c.expect.stdout), where);
  if (c.expect.stdoutNot !== undefined) assert.doesNotMatch(r.stdout, new RegExp(c.expect.stdoutNot), where);
  for (const [name, out] of [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
  ] as const) {
    assert.ok(!STACK.test(out), `no stack trace in ${name}\n${where}`);
    assert.ok(!RAW.test(out), `no raw control character in ${name}: ${JSON.stringify(out.match(RAW)?.[0])}\n${where}`);
    assert.ok(!out.includes('SECRET-7f3a'), `the secret file is never quoted (${name})\n${where}`);
  }

  const now = filesUnder(tmp);
  for (const [p, bytes] of now) {
    const rel = relative(tmp, p);
    assert.ok(!/(^|\/)\.[^/]*\.tmp$/.test(rel), `no temp file left: ${rel}\n${where}`);
    const old = before.get(p);
    if (old && old.equals(bytes)) continue;
    // a file the CLI wrote or changed
    const text = bytes.toString('utf8');
    assert.ok(!RAW.test(text), `no raw control character in ${rel}\n${where}`);
    if (rel.endsWith('.cast') && bytes.length) checkCast(text, rel, c.expect.castHas);
  }
  for (const [f, want] of Object.entries(c.expect.files ?? {})) {
    const p = fill(f, tmp).startsWith('/') ? fill(f, tmp) : join(tmp, fill(f, tmp));
    const exists = (() => {
      try {
        lstatSync(p);
        return true;
      } catch {
        return false;
      }
    })();
    if (want === 'absent') assert.ok(!exists, `${f} absent\n${where}`);
    else {
      assert.ok(exists && statSync(p).isFile(), `${f} exists\n${where}`);
      if (want === 'unchanged') assert.ok(before.get(p)?.equals(readFileSync(p)), `${f} unchanged\n${where}`);
      if (want === 'cast') checkCast(readFileSync(p, 'utf8'), f, c.expect.castHas);
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
