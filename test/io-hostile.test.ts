// Hostile input at the io shelf (issue 24): invisible text, deep JSON, long file names, a SIGKILL's leftovers, short
// writes, prompts that show nothing. In process; the cases that need a real process are test/e2e/io-signals.test.ts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, type writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { removeStale, tempName, writeFileAtomic } from '../src/engine/io/atomic-write.js';
import { InputError } from '../src/engine/io/errors.js';
import { jsonDepth, MAX_JSON_DEPTH, readJsonFile } from '../src/engine/io/read-file.js';
import { hasUnsafe, isInvisible, safeJson, visible } from '../src/engine/io/sanitize.js';

test('invisible format characters are shown as escapes, on screen and in JSON', () => {
  const cases: [string, string][] = [
    ['a\u200bb', 'a\\u200bb'], // zero-width space
    ['\ufeffx', '\\ufeffx'], // BOM
    ['co\u00adop', 'co\\xadop'], // soft hyphen
    ['x\u{E0041}\u{E007F}', 'x\\u{e0041}\\u{e007f}'], // tag characters
    ['\u2060', '\\u2060'], // word joiner
  ];
  for (const [raw, shown] of cases) {
    assert.equal(visible(raw), shown);
    assert.ok(hasUnsafe(raw), raw);
    assert.ok(!/[\u200b\ufeff\u00ad\u2060]|\udb40/.test(safeJson(raw)), safeJson(raw));
    assert.deepEqual(JSON.parse(safeJson(raw)), raw, 'the JSON value is unchanged');
  }
  // emoji sequences keep their joiner; ordinary text is untouched
  assert.equal(visible('👩\u200d💻 café'), '👩\u200d💻 café');
});

test('a prompt of only invisible characters is invisible; one visible character is not', () => {
  for (const s of ['', '   ', '\u200b\u200b', '\ufeff\u200d\n', '\u{E0041}', '\u00ad\t'])
    assert.ok(isInvisible(s), JSON.stringify(s));
  for (const s of ['a', '\u200bx', '😀', '。']) assert.ok(!isInvisible(s), JSON.stringify(s));
});

test('JSON nested deeper than the limit is refused in one line before it is parsed', () => {
  assert.equal(jsonDepth('{"a":[1,{"b":"[[[["}]}'), 3);
  assert.equal(jsonDepth('"\\"[["'), 0);
  const dir = mkdtempSync(join(tmpdir(), 'dlm-deep-'));
  try {
    const f = join(dir, 'model.json');
    writeFileSync(f, '['.repeat(200_000) + ']'.repeat(200_000));
    assert.throws(
      () => readJsonFile(f, 'model file'),
      (e: unknown) =>
        e instanceof InputError &&
        new RegExp(`nests deeper than ${MAX_JSON_DEPTH} levels`).test(e.message) &&
        !e.message.includes('\n'),
    );
    writeFileSync(f, '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH));
    assert.ok(Array.isArray(readJsonFile(f, 'model file')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a legal 250-byte file name is written; the temporary name stays within 255 bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlm-long-'));
  try {
    for (const name of ['r'.repeat(250), 'é'.repeat(125), 'x']) {
      assert.ok(Buffer.byteLength(basename(tempName(join(dir, name)))) <= 255, name.length + '');
      writeFileAtomic(join(dir, name), 'data');
      assert.equal(readFileSync(join(dir, name), 'utf8'), 'data');
    }
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.endsWith('.tmp')),
      [],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a SIGKILLed writer's temporary file is removed by the next write to its folder; a live writer's is kept", () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlm-stale-'));
  try {
    // pid 2^22 + 1 is above Linux's pid_max default ceiling: never a live process
    const dead = join(dir, `.demo.cast.${4_194_305}.0123abcd.tmp`);
    const live = join(dir, `.demo.cast.${process.ppid}.0123abcd.tmp`);
    writeFileSync(dead, 'partial');
    writeFileSync(live, 'partial');
    removeStale(dir);
    assert.ok(!existsSync(dead));
    assert.ok(existsSync(live));
    writeFileAtomic(join(dir, 'demo.cast'), 'x');
    assert.ok(existsSync(live), 'another live process is still writing it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a short write to a file stdout (a disk filling up) is an error, not 4096 bytes and exit 0', async () => {
  const { writeAllSync } = await import('../src/commands/errors.js');
  const got: number[] = [];
  // a disk with 4096 bytes left: the first write takes part, the next takes nothing
  let left = 4096;
  const fakeWrite = ((_fd: number, _b: Uint8Array, _off: number, len: number) => {
    const n = Math.min(len, left);
    left -= n;
    got.push(n);
    return n;
  }) as unknown as typeof writeSync;
  assert.throws(() => writeAllSync(1, new Uint8Array(8000), fakeWrite), /ENOSPC/);
  assert.deepEqual(got, [4096, 0]);
  // a write that takes everything in pieces completes
  let calls = 0;
  const pieces = ((_fd: number, _b: Uint8Array, _off: number, len: number) => (
    calls++,
    Math.min(len, 1000)
  )) as unknown as typeof writeSync;
  writeAllSync(1, new Uint8Array(2500), pieces);
  assert.equal(calls, 3);
});

test('an invisible prompt and a prompt that fills the context are refused in one line that blames no flag', async () => {
  const { validateDecode, DEFAULT_DECODE } = await import('../src/engine/config.js');
  const { UsageError } = await import('../src/engine/io/errors.js');
  const cfg = (prompt: string, length = 256) => ({ ...DEFAULT_DECODE, prompt, length });
  assert.throws(
    () => validateDecode(cfg('\u200b\u200b\ufeff'), 512, 3),
    (e: unknown) => e instanceof UsageError && /shows nothing/.test(e.message),
  );
  // a 200-token prompt on a 128-token model, --length not given: the prompt is the problem, not --length
  assert.throws(
    () => validateDecode(cfg('word '.repeat(200)), 128, 200),
    (e: unknown) =>
      e instanceof UsageError &&
      /prompt is 200 tokens.*context holds 128/.test(e.message) &&
      !/--length/.test(e.message),
  );
  validateDecode(cfg('hello', 16), 128, 2);
});

test('--length past the context names the most that fits this prompt; the range says it too', async () => {
  const { validateDecode, DEFAULT_DECODE } = await import('../src/engine/config.js');
  const cfg = (length: number) => ({ ...DEFAULT_DECODE, prompt: 'It', length });
  // a one-token prompt: "1 token", and 511 of the 512 left for --length
  assert.throws(() => validateDecode(cfg(512), 512, 1), {
    message:
      "prompt (1 token) + --length (512) exceeds the model's context of 512 tokens: --length up to 511 fits this prompt",
  });
  assert.throws(() => validateDecode(cfg(600), 512, 3), {
    message:
      "prompt (3 tokens) + --length (600) exceeds the model's context of 512 tokens: --length up to 509 fits this prompt",
  });
  assert.throws(() => validateDecode(cfg(0), 512, 3), { message: '--length must be an integer from 1 to 509, got 0' });
  validateDecode(cfg(509), 512, 3);
});

test('a pass too big for memory is refused before anything is allocated, with the figure', async () => {
  const { validateDecode, passWorkingBytes, MAX_PASS_BYTES, DEFAULT_DECODE } = await import('../src/engine/config.js');
  const shape = { heads: 4, d: 256, mlp: 1024 };
  // 4·(2·4·T²) + 4·T·(4·256 + 1024) at T = 1000
  assert.equal(passWorkingBytes(1000, shape), 4 * 2 * 4 * 1e6 + 4 * 1000 * 2048);
  // the README allows a context of 65,536: a 60,000-token canvas needs ~107 GiB
  assert.throws(
    () =>
      validateDecode(
        { ...DEFAULT_DECODE, prompt: 'hi', length: 60000, lanes: { diffusion: { steps: 1, block: 60000 } } },
        65536,
        2,
        shape,
      ),
    (e: Error) => e.name === 'UsageError' && /60002 positions needs ~\d+\.\d GiB of working memory/.test(e.message),
  );
  // the default run is far below the limit
  assert.ok(passWorkingBytes(264, shape) < MAX_PASS_BYTES / 100);
});

test('fillers and joiners that print nothing are escaped too (the independent battery’s cases)', () => {
  for (const [raw, shown] of [
    ['\u3164', '\\u3164'],
    ['a\u034fb', 'a\\u034fb'],
    ['\u115f\u1160', '\\u115f\\u1160'],
    ['\uffa0', '\\uffa0'],
  ] as const) {
    assert.equal(visible(raw), shown);
    assert.ok(isInvisible(raw.replace(/[ab]/g, '')));
  }
  // Korean in precomposed syllables is untouched
  assert.equal(visible('한국어'), '한국어');
});
