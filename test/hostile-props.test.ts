// Property tests for hostile input (issue 12): the sanitiser, the flag parser and the model-folder loader, on
// generated input. Whatever they are given, they answer with a result or one typed, one-line error that holds no
// raw control character; the loader never reads outside its folder, never hangs, and leaves no tensor behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { parseArgs, projectionFlags, shapeFlags } from '../src/commands/args.js';
import { parseWatchArgs } from '../src/commands/watch-flags.js';
import { resolveConfig } from '../src/engine/config.js';
import { initBackend } from '../src/engine/model/backend.js';
import { escapeTokenText } from '../src/render/glyphs.js';
import { DlmError, EXIT, InputError, messageOf } from '../src/engine/io/errors.js';
import { FIXTURE_MODEL_DIR, openModel } from '../src/engine/run.js';
import { hasUnsafe, safeJson, visible } from '../src/engine/io/sanitize.js';
import { buildModel, readModelJson } from '../src/engine/model/weights.js';

const ESC = '\x1b';
/** strings a hostile user or file would try, beside random ones */
const hostile = fc.oneof(
  fc.constantFrom(
    `${ESC}]0;pwned\x07`,
    `${ESC}]52;c;cm0gLXJmIH4=\x07`,
    '\u009b2J',
    `${ESC}[31m`,
    'a\u202eb',
    '\x7f',
    '\r\n',
    '\u2028',
    '\ud800',
    '\udc00x',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 12 }),
);

test('visible: no unsafe character survives, printable text is kept, and it is idempotent', () => {
  fc.assert(
    fc.property(
      fc.array(hostile, { maxLength: 6 }).map((a) => a.join('')),
      (s) => {
        const v = visible(s);
        assert.ok(!hasUnsafe(v), JSON.stringify(v));
        assert.equal(visible(v), v);
        if (!hasUnsafe(s)) assert.equal(v, s);
      },
    ),
    { numRuns: 500 },
  );
  assert.equal(visible(`${ESC}]0;x\x07 é 日本 🙂`), '\\x1b]0;x\\x07 é 日本 🙂');
  assert.equal(visible('\u009b\u202e\n'), '\\x9b\\u202e\\n');
});

test('token text: every unsafe character is drawn as a one-cell glyph, none reaches the line', () => {
  fc.assert(
    fc.property(
      fc.array(hostile, { maxLength: 6 }).map((a) => a.join('')),
      (s) => {
        for (const part of escapeTokenText(s).parts) assert.ok(!hasUnsafe(part), JSON.stringify(part));
      },
    ),
    { numRuns: 300 },
  );
  assert.deepEqual(escapeTokenText('a\u202eb\u2028c').parts, ['a·b·c']);
});

test('safeJson: the same value for a JSON reader, no raw control character in the text', () => {
  fc.assert(
    fc.property(
      fc.dictionary(hostile, fc.oneof(hostile, fc.integer(), fc.array(hostile, { maxLength: 3 }))),
      fc.constantFrom(undefined, 2),
      (v, space) => {
        const text = safeJson(v, space);
        assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(v)));
        assert.ok(!hasUnsafe(text.replace(/\n/g, '')), text);
      },
    ),
    { numRuns: 300 },
  );
});

/** A thrown value as the CLI would report it: a DlmError whose one line holds no unsafe character. */
function checkReported(e: unknown, argv: readonly string[]): void {
  assert.ok(e instanceof DlmError, `${JSON.stringify(argv)}: ${(e as Error)?.stack ?? e}`);
  const line = messageOf(e);
  assert.ok(
    line.length > 0 && !line.includes('\n') && !hasUnsafe(line),
    `${JSON.stringify(argv)}: ${JSON.stringify(line)}`,
  );
}

const flagNames = [
  '--length',
  '--steps',
  '--block',
  '--threshold',
  '--temperature',
  '--top-k',
  '--seed',
  '--draft-tokens',
  '--strategy',
  '--cache',
  '--backend',
  '--plain',
  '--json',
  '--record',
  '--cols',
  '--rows',
  '--fps',
  '--delay',
  '--pace',
  '--exit',
  '--no-color',
  '--no-projection',
  '--hardware',
  '--batch',
  '--bandwidth',
  '--peak-tflops',
  '--compute-eff',
  '--layers',
  '--width',
  '--moe-imbalance',
  '--help',
  '-h',
  '--',
  '--bogus',
  '-x',
  '--length=',
  '--fps=1e999',
  '--version',
];
const values = fc.oneof(
  fc.constantFrom(
    '1e999',
    '-1e999',
    'NaN',
    'Infinity',
    '-1',
    '0',
    '1e-300',
    '1e308',
    '0x10',
    '',
    ' ',
    '4',
    '2.5',
    '64',
    '-',
    '--',
    'h200',
    'local',
    'x.json',
  ),
  hostile,
);
const argvs = fc.array(fc.oneof(fc.constantFrom(...flagNames), values), { maxLength: 10 });

test('the flag parser: any argv gives options or one typed, one-line error (never a crash or a non-finite value)', () => {
  const env = { stdoutIsTTY: false, stdinIsTTY: false, env: {} };
  fc.assert(
    fc.property(argvs, (argv) => {
      let o;
      try {
        o = parseWatchArgs([...argv], env);
      } catch (e) {
        checkReported(e, argv);
        assert.equal((e as DlmError).exitCode, EXIT.usage, `${JSON.stringify(argv)}: a flag error is exit 2`);
        return;
      }
      if (o.help || o.version) return; // printed and done: nothing runs
      for (const [k, v] of Object.entries({ delayMs: o.delayMs, fps: o.fps, cols: o.cols, rows: o.rows }))
        assert.ok(Number.isFinite(v) && v > 0, `${k} = ${v} from ${JSON.stringify(argv)}`);
      // every number of the config, the lanes' options filled in (diffusion's steps and block follow the length)
      const c = resolveConfig(o.config);
      const numbers = {
        length: c.length,
        temperature: c.temperature,
        topK: c.topK,
        seed: c.seed,
        ...c.lanes.diffusion,
        ...c.lanes.speculative,
      };
      for (const k of ['length', 'steps', 'block', 'threshold', 'temperature', 'topK', 'seed', 'draftTokens'])
        assert.ok(
          Number.isFinite((numbers as Record<string, unknown>)[k]),
          `${k} = ${String((numbers as Record<string, unknown>)[k])} from ${JSON.stringify(argv)}`,
        );
    }),
    { numRuns: 600 },
  );
  // the projection flags as calc and sweep parse them
  fc.assert(
    fc.property(argvs, (argv) => {
      try {
        const p = parseArgs(
          'calc',
          'help',
          [...argv].filter(
            (a) =>
              !/^--?(length|steps|block|threshold|temperature|top-k|seed|draft-tokens|strategy|cache|backend|plain|json|record|cols|rows|fps|delay|pace|exit|color|no-color|projection|no-projection|version)\b/.test(
                a,
              ),
          ),
          { ...projectionFlags, ...shapeFlags },
          import.meta,
        );
        if (p.help === null)
          for (const [k, v] of Object.entries(p.flags))
            if (typeof v === 'number') assert.ok(Number.isFinite(v), `${k} = ${v}`);
      } catch (e) {
        checkReported(e, argv);
      }
    }),
    { numRuns: 400 },
  );
});

// ---- the model-folder loader ----

const base = mkdtempSync(join(tmpdir(), 'dlm-watch-props-'));
after(() => rmSync(base, { recursive: true, force: true }));
const SECRET = 'SECRET-91c2 never printed';
writeFileSync(join(base, 'secret.txt'), SECRET);
const original = JSON.parse(readFileSync(join(FIXTURE_MODEL_DIR, 'model.json'), 'utf8')) as Record<string, unknown>;

/** paths a hostile model.json would name (and inside the folder: a FIFO, a directory, a link out, a short file) */
const paths = fc.oneof(
  fc.constantFrom(
    '../secret.txt',
    '../../../../etc/passwd',
    '/etc/passwd',
    '/dev/zero',
    '../../../../dev/zero',
    'fifo',
    'subdir',
    'link-out',
    'link-zero',
    'short.bin',
    'group1-shard1of1.bin',
    'tokenizer.json',
    './group1-shard1of1.bin',
    'subdir/../group1-shard1of1.bin',
    'C:\\x',
    '\\\\server\\x',
    '',
    '.',
  ),
  hostile,
  fc.integer(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
);
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(0, -1, 1e308, 2.5, 65537, 1e9, '4', 'four', null, true),
  hostile,
);

/** the paths above that lead out of the folder: the loader must refuse them by their path, before reading */
const ESCAPES = new Set([
  '../secret.txt',
  '../../../../etc/passwd',
  '/etc/passwd',
  '/dev/zero',
  '../../../../dev/zero',
  'link-out',
  'link-zero',
  'C:\\x',
  '\\\\server\\x',
]);
const isEscape = (p: unknown) => typeof p === 'string' && ESCAPES.has(p);

type Mutation = (j: Record<string, any>) => void;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  paths.map((p) => (j: Record<string, any>) => {
    j.weightsManifest[0].paths[0] = p;
    if (typeof p === 'string') j.sha256[p] = '0'.repeat(64);
  }),
  paths.map((p) => (j: Record<string, any>) => {
    j.tokenizer = p;
  }),
  fc
    .tuple(
      fc.constantFrom('vocab', 'context', 'd', 'layers', 'heads', 'mlp', 'maskId', 'positions', 'ropeBase'),
      anyValue,
    )
    .map(([k, v]) => (j: Record<string, any>) => {
      j.config[k] = v;
    }),
  fc
    .tuple(fc.constantFrom('format', 'config', 'tokenizer', 'weightsManifest', 'sha256', 'meta'), anyValue)
    .map(([k, v]) => (j: Record<string, any>) => {
      j[k] = v;
    }),
  fc
    .tuple(fc.nat(30), fc.constantFrom('name', 'shape', 'dtype', 'quantization'), anyValue)
    .map(([i, k, v]) => (j: Record<string, any>) => {
      const w = j.weightsManifest[0].weights[i];
      if (w) w[k] = v;
    }),
  anyValue.map((v) => (j: Record<string, any>) => {
    j.meta = { name: v };
  }),
);

test('the model-folder loader: any model.json loads or fails with one line, reads nothing outside, hangs never, leaks no tensor', async () => {
  await initBackend('cpu');
  const folder = join(base, 'model');
  cpSync(FIXTURE_MODEL_DIR, folder, { recursive: true });
  execFileSync('mkfifo', [join(folder, 'fifo')]);
  cpSync(join(folder, 'tokenizer.json'), join(folder, 'subdir', 'x.json'), { recursive: true });
  symlinkSync(join(base, 'secret.txt'), join(folder, 'link-out'));
  symlinkSync('/dev/zero', join(folder, 'link-zero'));
  writeFileSync(join(folder, 'short.bin'), Buffer.alloc(100));
  let failures = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
      const json = structuredClone(original) as Record<string, any>;
      for (const m of ms)
        try {
          m(json);
        } catch {
          /* a mutation over an earlier one's wreck */
        }
      writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
      const before = tf.memory().numTensors;
      const t0 = Date.now();
      try {
        const m = await openModel(folder, 'cpu');
        assert.ok(!hasUnsafe(m.name) && [...m.name].length <= 80, JSON.stringify(m.name));
        m.ctx.model.dispose();
      } catch (e) {
        failures++;
        assert.ok(e instanceof InputError, `${JSON.stringify(json).slice(0, 300)}: ${(e as Error)?.stack}`);
        assert.ok(!e.message.includes('\n') && !hasUnsafe(e.message), JSON.stringify(e.message));
        assert.ok(!e.message.includes('SECRET') && !e.message.includes('root:'), e.message);
        // one mutation naming a path out of the folder: refused for that path, not for what reading it gave
        if (ms.length === 1 && (isEscape(json.weightsManifest?.[0]?.paths?.[0]) || isEscape(json.tokenizer)))
          assert.match(e.message, /leads outside the model folder|is an absolute path|contains "\.\."/, e.message);
      }
      assert.ok(Date.now() - t0 < 5000, 'no hang');
      assert.equal(tf.memory().numTensors, before, 'every tensor of a load is freed with it');
    }),
    { numRuns: 150 },
  );
  assert.ok(failures > 100, `most mutations are refused (${failures})`);
  // every path out of the folder, as a shard and as the tokenizer, is refused for its path, before anything is read
  for (const p of ESCAPES)
    for (const slot of ['weights', 'tokenizer'] as const) {
      const json = structuredClone(original) as Record<string, any>;
      if (slot === 'weights') {
        json.weightsManifest[0].paths[0] = p;
        json.sha256[p] = '0'.repeat(64);
      } else json.tokenizer = p;
      writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
      await assert.rejects(
        openModel(folder, 'cpu'),
        (e: Error) =>
          e instanceof InputError &&
          /leads outside the model folder|is an absolute path|contains "\.\."/.test(e.message),
        `${slot} ${p}`,
      );
    }
});

test('a model that fails to build after its weights were decoded frees every tensor it made', async () => {
  await initBackend('cpu');
  const read = readModelJson(FIXTURE_MODEL_DIR);
  // the manifest's two layers decode; a config of three then misses h2.*: the failure comes after tensors exist
  const json = { ...read.json, config: { ...read.json.config, layers: read.json.config.layers + 1 } };
  const before = tf.memory().numTensors;
  assert.throws(
    () => buildModel({ json, data: read.data }, FIXTURE_MODEL_DIR),
    (e: Error) => e instanceof InputError && /weight h2\.\S+ missing/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, before);
});
