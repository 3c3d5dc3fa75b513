// The real CLI (node bin/dlm-watch.js, the built dist/) on the tiny fixture model: in a pseudo-terminal (tmux) at 80×24
// and 160×48, piped (plain text and NDJSON), and recorded twice (byte-identical asciicast, played by asciinema).
// tmux and asciinema are required: without them these tests fail (DLM_WATCH_E2E=skip skips them, on purpose only).
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/dlm-watch.js');
const MODEL = ['--model-dir', join(ROOT, 'fixtures/tiny')];
const SMALL = ['--length', '16', '--steps', '8'];

// Ink draws only the last frame under CI=true; the test runner's FORCE_COLOR=0 would switch colour off
const env: NodeJS.ProcessEnv = { ...process.env };
delete env.CI;
delete env.CONTINUOUS_INTEGRATION;
delete env.FORCE_COLOR;
delete env.NO_COLOR;
// no calibrate profile of this machine's (~/.dlm-watch/local.json, written by whoever ran calibrate last) may reach
// the screens and recordings compared here: each run gets the same empty home
env.DLM_WATCH_HOME = mkdtempSync(join(tmpdir(), 'dlm-watch-e2e-home-'));

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const hasAsciinema = spawnSync('asciinema', ['--version']).status === 0;
/** skip only when asked to; a missing tool is otherwise a failure, not a silent skip */
const optOut = process.env.DLM_WATCH_E2E === 'skip' && 'DLM_WATCH_E2E=skip';

test('tmux and asciinema are installed (the terminal tests need them)', { skip: optOut }, () => {
  assert.ok(hasTmux, 'tmux is not installed: apt-get install tmux (or DLM_WATCH_E2E=skip to skip the terminal tests)');
  assert.ok(hasAsciinema, 'asciinema is not installed: apt-get install asciinema (or DLM_WATCH_E2E=skip)');
});
const SOCKET = `dlm-watch-e2e-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'dlm-watch-e2e-'));
after(() => {
  if (hasTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  rmSync(dir, { recursive: true, force: true });
});

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pane: string, pred: (screen: string) => boolean, ms = 15000): Promise<string> {
  const end = Date.now() + ms;
  let screen = '';
  while (Date.now() < end) {
    screen = tmux('capture-pane', '-p', '-t', pane);
    if (pred(screen)) return screen;
    await sleep(100);
  }
  throw new Error(`timed out; screen:\n${screen}`);
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function live(cols: number, rows: number) {
  const name = `s${cols}x${rows}`;
  const rc = join(dir, `${name}.rc`);
  const cmd = [
    'env',
    '-u',
    'CI',
    '-u',
    'CONTINUOUS_INTEGRATION',
    '-u',
    'FORCE_COLOR',
    '-u',
    'NO_COLOR',
    'node',
    BIN,
    ...MODEL,
    '--length',
    '48',
    '--steps',
    '16',
    '--pace',
    'step',
    '--delay',
    '60',
  ]
    .map(shellQuote)
    .join(' ');
  const err = join(dir, `${name}.err`);
  tmux(
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    String(cols),
    '-y',
    String(rows),
    `${cmd} 2> ${shellQuote(err)}; echo $? > ${shellQuote(rc)}; sleep 30`,
  );
  const pane = `${name}:0.0`;
  const screen = await waitFor(
    pane,
    (s) => s.includes('Autoregressive (KV cache)') && s.includes('Masked diffusion') && /step \d+\/48/.test(s),
  );
  const lines = screen.split('\n');
  const arRow = lines.findIndex((l) => l.includes('Autoregressive (KV cache)'));
  const diffRow = lines.findIndex((l) => l.includes('Masked diffusion'));
  // with colour on, the escape codes are there
  const coloured = tmux('capture-pane', '-p', '-e', '-t', pane);
  tmux('send-keys', '-t', pane, 'q');
  const end = Date.now() + 10000;
  while (Date.now() < end) {
    try {
      const code = Number(readFileSync(rc, 'utf8').trim());
      return {
        screen,
        arRow,
        diffRow,
        coloured,
        code,
        after: tmux('capture-pane', '-p', '-t', pane),
        stderr: readFileSync(err, 'utf8'),
      };
    } catch {
      await sleep(100);
    }
  }
  throw new Error('did not exit on q');
}

test('live view at 80×24: both lanes stacked, colour on, exits 0 on q', { skip: optOut }, async () => {
  const r = await live(80, 24);
  assert.ok(r.arRow >= 0 && r.diffRow > r.arRow, 'stacked');
  assert.ok(r.screen.includes('░') || r.screen.includes('done'), 'masks or a finished diffusion lane');
  // the headline names the winner first (or two lanes level, early in a race whose estimates still move); where the
  // rows allow, the verdict's bounds follow it
  assert.match(
    r.screen,
    /(AR|diffusion|speculative)( level with (AR|diffusion|speculative),)? ≈?\d+(\.\d)?× faster than/,
  );
  assert.ok(r.screen.includes('Roofline'), 'the roofline is drawn');
  assert.ok(r.screen.includes('q quit'), 'the q hint stays at 80×24');
  assert.match(r.coloured, /\x1b\[(3[0-9]|38;[25];[\d;]+)m/);
  assert.equal(r.code, 0);
  // stderr redirected to a file gets no terminal control codes (restore-cursor's "show cursor" at exit included)
  assert.doesNotMatch(r.stderr, /[\x00-\x08\x0b-\x1f\x7f]/, JSON.stringify(r.stderr));
  // the frame stays below the last row: the first header row is still on screen
  assert.ok(r.screen.split('\n')[0]!.startsWith('dlm-watch '), r.screen);
});

test('live view at 160×48: lanes side by side, exits 0 on q', { skip: optOut }, async () => {
  const r = await live(160, 48);
  assert.equal(r.arRow, r.diffRow, 'side by side');
  assert.equal(r.code, 0);
  assert.ok(r.screen.split('\n')[0]!.startsWith('dlm-watch '));
});

/** start the live view with a pace so slow that only keys advance it; returns the pane and its exit-code file */
async function keyed(name: string) {
  const rc = join(dir, `${name}.rc`);
  const cmd = [
    'env',
    '-u',
    'CI',
    '-u',
    'CONTINUOUS_INTEGRATION',
    '-u',
    'FORCE_COLOR',
    '-u',
    'NO_COLOR',
    'node',
    BIN,
    ...MODEL,
    '--length',
    '48',
    '--steps',
    '16',
    '--pace',
    'step',
    '--delay',
    '60000',
  ]
    .map(shellQuote)
    .join(' ');
  tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '30', `${cmd}; echo $? > ${shellQuote(rc)}; sleep 30`);
  const pane = `${name}:0.0`;
  await waitFor(pane, (s) => s.includes('q quit') && s.includes('waiting for the first pass'));
  const exited = async () => {
    const end = Date.now() + 10000;
    while (Date.now() < end) {
      try {
        return Number(readFileSync(rc, 'utf8').trim());
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`did not exit:\n${tmux('capture-pane', '-p', '-t', pane)}`);
  };
  return { pane, exited };
}

const arStep = (screen: string) => Number(/Autoregressive \(KV cache\) · step (\d+)\/48/.exec(screen)?.[1] ?? 0);

test('keys in one burst: ten n advance exactly ten passes; qq quits with 0', { skip: optOut }, async () => {
  const { pane, exited } = await keyed('burst');
  tmux('send-keys', '-t', pane, '-l', 'nnnnnnnnnn');
  await waitFor(pane, (s) => arStep(s) >= 10);
  // keys are read in order: once the help that '?' opens is drawn, every n before it has been handled
  tmux('send-keys', '-t', pane, '-l', '?');
  await waitFor(pane, (s) => s.includes('pause / resume'));
  tmux('send-keys', '-t', pane, 'Escape');
  const screen = await waitFor(pane, (s) => !s.includes('pause / resume') && s.includes('q quit'));
  assert.equal(arStep(screen), 10, 'exactly ten');
  tmux('send-keys', '-t', pane, '-l', 'qq');
  assert.equal(await exited(), 0);
});

test('keys: Esc closes the help and does not quit; Ctrl-C Ctrl-C quits with 0', { skip: optOut }, async () => {
  const { pane, exited } = await keyed('esc');
  tmux('send-keys', '-t', pane, '-l', '?');
  await waitFor(pane, (s) => s.includes('pause / resume'));
  tmux('send-keys', '-t', pane, 'Escape');
  await waitFor(pane, (s) => !s.includes('pause / resume') && s.includes('q quit'));
  tmux('send-keys', '-t', pane, 'C-c', 'C-c');
  assert.equal(await exited(), 0);
});

test('Ctrl-Z suspends to the shell; after fg the keys work again', { skip: optOut }, async () => {
  // a prompt of our own, to tell when the shell has the terminal again
  tmux(
    'new-session',
    '-d',
    '-s',
    'tstp',
    '-x',
    '100',
    '-y',
    '30',
    "env PS1='shell-ready$ ' bash --norc --noprofile -i",
  );
  const pane = 'tstp:0.0';
  const cmd = [
    'env',
    '-u',
    'CI',
    '-u',
    'CONTINUOUS_INTEGRATION',
    'node',
    BIN,
    ...MODEL,
    '--length',
    '48',
    '--steps',
    '16',
    '--pace',
    'step',
    '--delay',
    '60000',
  ]
    .map(shellQuote)
    .join(' ');
  tmux('send-keys', '-t', pane, cmd, 'Enter');
  await waitFor(pane, (s) => s.includes('waiting for the first pass'));
  tmux('send-keys', '-t', pane, 'C-z');
  await waitFor(pane, (s) => /Stopped/.test(s));
  tmux('send-keys', '-t', pane, 'fg', 'Enter');
  // on SIGCONT the view puts the terminal back in raw mode, then clears the screen: the shell's lines go with it
  await waitFor(pane, (s) => !s.includes('Stopped'));
  tmux('send-keys', '-t', pane, '-l', 'nnn');
  await waitFor(pane, (s) => arStep(s) === 3);
  tmux('send-keys', '-t', pane, '-l', 'q');
  await waitFor(pane, (s) => s.trimEnd().split('\n').at(-1)!.startsWith('shell-ready$'));
  tmux('send-keys', '-t', pane, 'echo exit-$?', 'Enter');
  await waitFor(pane, (s) => s.includes('exit-0'));
});

test('piped: plain text with every pass, then texts and a summary', async () => {
  const { stdout, stderr } = await exec('node', [BIN, ...MODEL, ...SMALL], { env, cwd: ROOT });
  assert.equal(stderr, '');
  assert.ok(!stdout.includes('\x1b'), 'no escape codes');
  const rows = stdout.split('\n').filter((l) => /^\s+\d+ (prefill|decode|denoise)\b/.test(l));
  assert.equal(rows.length, 16 + 8 + 1); // AR, diffusion, and the speculative lane's prefill
  assert.ok(
    stdout.split('\n').some((l) => /^\s+\d+ verify\b/.test(l)),
    'speculative verify passes',
  );
  assert.match(stdout, /\nSummary\nlane .*\nAR\s+16\s+16\s+1\.00/);
  assert.match(stdout, /\nspeculative\s+\d+\s+16\s/);
});

test('--json: NDJSON that parses, one step object per pass', async () => {
  const { stdout } = await exec('node', [BIN, ...MODEL, ...SMALL, '--json'], { env, cwd: ROOT, maxBuffer: 64 << 20 });
  const objs = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; lane?: string });
  assert.equal(objs[0]!.type, 'run');
  assert.equal(objs.filter((o) => o.type === 'step' && o.lane === 'ar').length, 16);
  assert.equal(objs.filter((o) => o.type === 'step' && o.lane === 'diffusion').length, 8);
  assert.ok(objs.some((o) => o.type === 'step' && o.lane === 'speculative'));
  assert.equal(objs.filter((o) => o.type === 'summary').length, 3);
});

test(
  '--record twice: identical bytes, a valid asciicast v2 header, frames that fit, asciinema plays it',
  { skip: optOut },
  async () => {
    const files = [join(dir, 'a.cast'), join(dir, 'b.cast')];
    for (const f of files) {
      const { stderr } = await exec(
        'node',
        [BIN, ...MODEL, ...SMALL, '--record', f, '--cols', '80', '--rows', '24', '--delay', '40', '--fps', '10'],
        { env, cwd: ROOT },
      );
      assert.match(stderr, /wrote .*80×24/);
    }
    const [a, b] = files.map((f) => readFileSync(f));
    assert.ok(a!.equals(b!), 'byte-identical');
    const lines = a!.toString('utf8').trim().split('\n');
    const header = JSON.parse(lines[0]!);
    assert.equal(header.version, 2);
    assert.equal(header.width, 80);
    assert.equal(header.height, 24);
    const markers: string[] = [];
    for (const l of lines.slice(1)) {
      const [t, kind, data] = JSON.parse(l) as [number, string, string];
      assert.ok(t >= 0 && (kind === 'o' || kind === 'm') && typeof data === 'string');
      if (kind === 'm') markers.push(data);
      else assert.ok(data.split('\r\n').length <= 23);
    }
    // markers at the speculative lane's verify rounds (one block of 16 here: no block markers)
    assert.ok(
      markers.some((m) => /^speculative: verify round 1\b/.test(m)),
      JSON.stringify(markers.slice(0, 3)),
    );
    // no live-only parts: no key hints, no measured milliseconds
    assert.ok(!a!.toString('utf8').includes('q quit'), 'no key hints in a recording');
    assert.match(a!.toString('utf8'), /\\u001b\[(3\d|38;[25];[\d;]+)m/, 'coloured');
    // the real player accepts it (asciinema cat needs a terminal: run it in tmux)
    {
      const out = join(dir, 'cat.txt');
      const rc = join(dir, 'cat.rc');
      tmux(
        'new-session',
        '-d',
        '-s',
        'cat',
        '-x',
        '80',
        '-y',
        '24',
        `asciinema cat ${shellQuote(files[0]!)} > ${shellQuote(out)}; echo $? > ${shellQuote(rc)}`,
      );
      for (let i = 0; i < 100; i++) {
        try {
          assert.equal(readFileSync(rc, 'utf8').trim(), '0');
          break;
        } catch (e) {
          if (i === 99) throw e;
          await sleep(100);
        }
      }
      assert.ok(readFileSync(out, 'utf8').includes('Masked diffusion'));
    }
  },
);

test('--backend cpu and --backend wasm print the same tokens for the same seed', async () => {
  const texts = async (backend: string) => {
    const { stdout } = await exec(
      'node',
      [BIN, ...MODEL, ...SMALL, '--temperature', '0.8', '--seed', '5', '--backend', backend, '--json'],
      { env, cwd: ROOT, maxBuffer: 64 << 20 },
    );
    const objs = stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            backend?: string;
            lane?: string;
            text?: string;
            positions?: { token: number | null }[];
          },
      );
    assert.equal(objs[0]!.backend, backend);
    return JSON.stringify(objs.filter((o) => o.type === 'step').map((o) => [o.lane, o.positions!.map((p) => p.token)]));
  };
  assert.equal(await texts('cpu'), await texts('wasm'));
});

test('bad input: one line on stderr, exit 2', async () => {
  for (const argv of [
    ['--strategy', 'nope'],
    ['--length', '1000'],
    ['--bogus'],
    ['--batch', '0'],
    ['--batch', 'abc'],
    ['--batch', '1e9'],
    ['--moe-imbalance', '2'],
  ]) {
    const r = spawnSync('node', [BIN, ...MODEL, ...argv], { env, cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^dlm-watch: /);
  }
});
