// The hostile-input battery (issue 12): test/hostile/cases.json holds the cases as data (see its header), each run
// through the real built CLI (bin/dlm-watch.js → dist/) in a fresh temp folder with the files it asks for. Every
// case expects its exit code and its stderr lines; every case also must show no stack trace, no raw control
// character in stdout, stderr or any file it wrote, no temp file left behind, and never a byte of the "secret"
// file that hostile paths point at. Cases run a few at a time (each is a process; most end in ~150 ms).
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, closeSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/dlm-watch.js');
const TINY = join(ROOT, 'fixtures/tiny');
/** a hang is a case that has not ended in this long (generous: a loaded 2-core machine runs the CLI 10× slower) */
/** what the secret file holds: hostile paths point at it, and no output may quote it */
const SECRET = 'SECRET-7f3a-do-not-print root:x:0:0';

type FileSpec = { text: string } | { json: unknown } | { symlink: string } | { fifo: true } | { dir: true } | { zeros: number } | { copy: string };

interface Case {
  name: string;
  class: string;
  args: string[];
  /** copy fixtures/tiny to {model}, then patch model.json: a/b/0 path → value ({"$delete": true} removes) */
  model?: { json?: Record<string, unknown>; replace?: [string, string][]; draftJson?: Record<string, unknown> };
  files?: Record<string, FileSpec>;
  env?: Record<string, string>;
  /** where stdout goes: a pipe read to the end (default), /dev/full, or a pipe closed at once (EPIPE) */
  stdout?: 'pipe' | 'devfull' | 'close';
  /** send a signal this many ms after the first byte of stdout */
  /** the signal is sent afterOutputMs after the first stdout output, or afterMs after the start (runs that print nothing) */
  signal?: { name: NodeJS.Signals; afterOutputMs?: number; afterMs?: number };
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

const cases = (JSON.parse(readFileSync(join(ROOT, 'test/hostile/cases.json'), 'utf8')) as { cases: Case[] }).cases;
const base = mkdtempSync(join(tmpdir(), 'dlm-watch-hostile-'));
after(() => rmSync(base, { recursive: true, force: true }));
// outside every case folder, where `../../…` and symlinks lead
const secretPath = join(base, 'secret.txt');
writeFileSync(secretPath, SECRET + '\n');

const fill = (s: string, tmp: string) => s.replaceAll('{tmp}', tmp).replaceAll('{model}', join(tmp, 'model')).replaceAll('{secret}', secretPath).replaceAll('{root}', ROOT);

function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('/');
  let o = obj as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value && typeof value === 'object' && (value as { $delete?: boolean }).$delete) delete o[last];
  else o[last] = value;
}

function patchModelJson(path: string, c: Record<string, unknown> | undefined, replace: [string, string][] = [], tmp: string): void {
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
    assert.ok(!RAW.test(stripped.replace(/[\r\n]/g, '')), `${what}: a frame holds an escape other than CSI: ${JSON.stringify(stripped.match(RAW)?.[0])}`);
  }
  for (const re of has) assert.match(frames.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''), new RegExp(re), `${what} shows the hostile text, made visible`);
}

interface Result { code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }

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
    if (c.signal?.afterMs !== undefined) setTimeout(() => child.kill(c.signal!.name), c.signal.afterMs);
    if (full !== null) closeSync(full);
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout?.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    if (c.stdout === 'close') child.stdout!.destroy();
    else child.stdout?.on('data', (d: string) => {
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
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

async function runCase(c: Case): Promise<void> {
  const tmp = mkdtempSync(join(base, 'case-'));
  mkdirSync(join(tmp, 'home'));
  if (c.model) {
    cpSync(TINY, join(tmp, 'model'), { recursive: true });
    patchModelJson(join(tmp, 'model/model.json'), c.model.json, c.model.replace, tmp);
    if (c.model.draftJson) patchModelJson(join(tmp, 'model/draft/model.json'), c.model.draftJson, [], tmp);
  }
  for (const [p, spec] of Object.entries(c.files ?? {})) makeFile(fill(p, tmp).startsWith('/') ? fill(p, tmp) : join(tmp, fill(p, tmp)), spec, tmp);
  const before = filesUnder(tmp);
  const r = await runCli(c, tmp);
  const where = `${c.name}: exit ${r.code} (${r.signal ?? 'no signal'}) in ${r.ms} ms\nstderr: ${JSON.stringify(r.stderr)}\nstdout: ${JSON.stringify(r.stdout.slice(0, 400))}`;

  assert.equal(r.code, c.expect.exit, where);
  const lines = r.stderr === '' ? [] : r.stderr.replace(/\n$/, '').split('\n');
  assert.equal(lines.length, c.expect.stderr.length, `stderr lines\n${where}`);
  c.expect.stderr.forEach((re, i) => assert.match(lines[i]!, new RegExp(fill(re, tmp).replaceAll(tmp, escapeRe(tmp))), where));
  if (c.expect.stdout !== undefined) assert.match(r.stdout, new RegExp(c.expect.stdout), where);
  if (c.expect.stdoutNot !== undefined) assert.doesNotMatch(r.stdout, new RegExp(c.expect.stdoutNot), where);
  for (const [name, out] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
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
    const exists = (() => { try { lstatSync(p); return true; } catch { return false; } })();
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

describe('hostile input battery (test/hostile/cases.json)', { concurrency: 4 }, () => {
  it('has at least 60 cases with unique names, in several classes', () => {
    assert.ok(cases.length >= 60, `${cases.length} cases`);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
    assert.ok(new Set(cases.map((c) => c.class)).size >= 6);
  });
  // HOSTILE_ONLY=text runs the cases whose name holds it (while working on one)
  const only = process.env.HOSTILE_ONLY;
  for (const c of cases) if (!only || c.name.includes(only)) it(`[${c.class}] ${c.name}`, () => runCase(c));
});
