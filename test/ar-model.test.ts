// Two models of one shape (Dream's recipe): a model folder's ar/ copy, adapted to next-token prediction, serves the AR
// and speculative lanes; the diffusion lane keeps the main model; a folder without ar/ serves every lane from main; an
// ar/ of another shape is refused in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DECODE, type DecodeConfig } from '../src/engine/config.js';
import { autoregressive } from '../src/engine/decode/autoregressive.js';
import type { LaneId, StepEvent } from '../src/engine/decode/events.js';
import { openModel } from '../src/engine/quality.js';
import { createRun, FIXTURE_MODEL_DIR } from '../src/engine/run.js';

const cfg: DecodeConfig = {
  ...DEFAULT_DECODE,
  prompt: 'It is a truth',
  length: 10,
  temperature: 0,
  topK: 0,
  seed: 1,
  lanes: { diffusion: { steps: 5, block: 10 }, speculative: { draftTokens: 3 } },
};

async function tokens(gen: AsyncGenerator<StepEvent>): Promise<number[]> {
  let last: StepEvent | null = null;
  for await (const e of gen) last = e;
  return last!.positions.map((p) => p.token!);
}

async function laneTokens(dir: string): Promise<Record<LaneId, number[]>> {
  const run = await createRun(cfg, { modelDir: dir });
  try {
    const out: Record<string, number[]> = {};
    for (const l of run.info.lanes) out[l.id] = await tokens(run.stream(l.id));
    return out;
  } finally {
    run.dispose();
  }
}

/** A copy of the fixture with an ar/ folder: the main weights with every sign flipped (another model, same shape). */
function folderWithAr(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dlm-ar-'));
  cpSync(FIXTURE_MODEL_DIR, dir, { recursive: true });
  const ar = join(dir, 'ar');
  cpSync(FIXTURE_MODEL_DIR, ar, { recursive: true, filter: (p) => !p.includes('draft') });
  const json = JSON.parse(readFileSync(join(ar, 'model.json'), 'utf8'));
  for (const f of json.weightsManifest[0].paths as string[]) {
    const b = readFileSync(join(ar, f));
    for (let i = 1; i < b.length; i += 2) b[i]! ^= 0x80; // fp16 little-endian: the sign bit is the high byte's top bit
    writeFileSync(join(ar, f), b);
    json.sha256[f] = createHash('sha256').update(b).digest('hex');
  }
  json.meta = { ...json.meta, name: 'fixture ar copy' };
  writeFileSync(join(ar, 'model.json'), JSON.stringify(json));
  return dir;
}

test('without ar/, every lane runs the main model; with ar/, AR and speculative run the copy and diffusion stays', async () => {
  const plain = await laneTokens(FIXTURE_MODEL_DIR);
  const dir = folderWithAr();
  try {
    const withAr = await laneTokens(dir);
    const arModel = await openModel(join(dir, 'ar'));
    try {
      assert.deepEqual(withAr.ar, await tokens(autoregressive(arModel.ctx, cfg)), 'the AR lane decodes with ar/');
    } finally {
      arModel.ctx.model.dispose();
    }
    assert.notDeepEqual(withAr.ar, plain.ar, 'the copy writes other text than main');
    assert.deepEqual(
      withAr.speculative,
      withAr.ar,
      "greedy speculative decoding writes the AR lane's text (its target is ar/)",
    );
    assert.deepEqual(withAr.diffusion, plain.diffusion, 'the diffusion lane keeps the main model');
    assert.deepEqual(plain.speculative, plain.ar);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an ar/ copy of another shape is refused with one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlm-ar-'));
  try {
    cpSync(FIXTURE_MODEL_DIR, dir, { recursive: true });
    cpSync(join(FIXTURE_MODEL_DIR, 'draft'), join(dir, 'ar'), { recursive: true }); // the draft: d 16, 1 layer
    await assert.rejects(
      createRun(cfg, { modelDir: dir }),
      (e: Error) =>
        e.name === 'InputError' &&
        /ar model .* has another shape .*d, layers/.test(e.message) &&
        !e.message.includes('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an ar/ link out of the model folder is refused, and a dangling one is not taken for "no copy"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlm-ar-'));
  const outside = mkdtempSync(join(tmpdir(), 'dlm-out-'));
  try {
    cpSync(FIXTURE_MODEL_DIR, dir, { recursive: true });
    cpSync(FIXTURE_MODEL_DIR, outside, { recursive: true });
    symlinkSync(outside, join(dir, 'ar'));
    await assert.rejects(
      createRun(cfg, { modelDir: dir }),
      (e: Error) => e.name === 'InputError' && /ar folder .* leads outside the model folder/.test(e.message),
    );
    rmSync(join(dir, 'ar'));
    symlinkSync(join(dir, 'nothing-here'), join(dir, 'ar'));
    await assert.rejects(
      createRun(cfg, { modelDir: dir }),
      (e: Error) => e.name === 'InputError' && /no model at/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

test('the header names the model and its copy once: a shared stem is said once', async () => {
  const { modelNames } = await import('../src/render/lines.js');
  assert.equal(modelNames('dlm-watch austen (diffusion)', []), 'dlm-watch austen (diffusion)');
  assert.equal(
    modelNames('dlm-watch austen (diffusion)', [{ name: 'dlm-watch austen (ar)' }]),
    'dlm-watch austen (diffusion + ar)',
  );
  assert.equal(
    modelNames('fixture (untrained)', [{ name: 'fixture ar copy' }]),
    'fixture (untrained) + fixture ar copy',
  );
});
