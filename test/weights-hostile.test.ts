// Weights that are not numbers and a model.json that leads out of its folder (issue 24): refused in one line.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../src/engine/io/errors.js';
import { readModelJson } from '../src/engine/model/weights.js';

const TINY = new URL('../fixtures/tiny/', import.meta.url).pathname;

function copyTiny(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dlm-tiny-'));
  cpSync(TINY, dir, { recursive: true });
  return dir;
}

/** Overwrite one fp16 value of the first shard at element index i and fix the checksum, as a hostile writer would. */
function poison(dir: string, bits: number, i: number): void {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const shard = json.weightsManifest[0].paths[0];
  const buf = readFileSync(join(dir, shard));
  buf.writeUInt16LE(bits, 2 * i);
  writeFileSync(join(dir, shard), buf);
  json.sha256[shard] = createHash('sha256').update(buf).digest('hex');
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
}

for (const [what, bits] of [
  ['NaN', 0x7e00],
  ['+infinity', 0x7c00],
  ['-infinity', 0xfc00],
] as const) {
  test(`a weight holding ${what} with matching checksums is refused, naming the tensor`, () => {
    const dir = copyTiny();
    try {
      readModelJson(dir); // the copy itself is fine
      poison(dir, bits, 3);
      assert.throws(
        () => readModelJson(dir),
        (e: unknown) =>
          e instanceof InputError && /weight wte holds NaN or infinity/.test(e.message) && !e.message.includes('\n'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('model.json as a symbolic link to a file outside the folder is refused', () => {
  const dir = copyTiny();
  const outside = mkdtempSync(join(tmpdir(), 'dlm-outside-'));
  try {
    renameSync(join(dir, 'model.json'), join(outside, 'model.json'));
    symlinkSync(join(outside, 'model.json'), join(dir, 'model.json'));
    assert.throws(
      () => readModelJson(dir),
      (e: unknown) => e instanceof InputError && /leads outside the model folder/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

test("the wasm backend's binary is looked for before tfjs loads it (a missing one is a reason, not emscripten's Aborted lines)", async () => {
  const { wasmBinary } = await import('../src/engine/model/backend.js');
  assert.match(wasmBinary() ?? '', /tfjs-backend-wasm-simd\.wasm$/);
  const dir = mkdtempSync(join(tmpdir(), 'dlm-wasm-'));
  try {
    assert.equal(
      wasmBinary(() => join(dir, 'tf-backend-wasm.node.js')),
      null,
    );
    writeFileSync(join(dir, 'tfjs-backend-wasm-simd.wasm'), '');
    assert.equal(
      wasmBinary(() => join(dir, 'tf-backend-wasm.node.js')),
      join(dir, 'tfjs-backend-wasm-simd.wasm'),
    );
    assert.equal(
      wasmBinary(() => {
        throw new Error('not installed');
      }),
      null,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
