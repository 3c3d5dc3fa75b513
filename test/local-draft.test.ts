// `--hardware local` prices every lane on the model that ran it (issue 22): the speculative lane's draft passes on the
// shipped draft (models/draft/), not on Llama 3.2 1B; a model folder without a draft keeps the default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { targetOptions } from '../src/commands/args.js';
import { profileHome as localProfileHome } from './helpers/profile.js';
import { findModel, SHIPPED_DRAFT } from '../src/engine/price/presets.js';
import { selectTarget } from '../src/engine/price/target.js';
import { projectLanePass } from '../src/engine/lanes.js';
import { passCost } from '../src/engine/price/cost.js';

const profileHome = () => localProfileHome({ backend: 'cpu' });

test('--hardware local: the draft is the shipped draft (d 96, 2 layers), its passes priced on it', async () => {
  const o = targetOptions({ hardware: 'local' });
  assert.deepEqual(o, { hardware: 'local', model: 'shipped', dtype: 'fp32', draftModel: SHIPPED_DRAFT });
  const t = await selectTarget({ ...o, env: profileHome() });
  assert.equal(t.draft.key, SHIPPED_DRAFT);
  assert.equal(t.draft.shape.d, 96);
  assert.equal(t.draft.shape.layers, 2);
  assert.equal(t.model.shape.d, 256);
  const shape = { q: 1, k: 10, logits: 1, kvWrite: 1, attention: 'causal' as const };
  const draftPass = projectLanePass('speculative', { shape, kind: 'draft' }, t);
  assert.equal(draftPass.cost.bytes.total, passCost(t.draft.shape, t.precision, shape).bytes.total);
  // an explicit --project-draft still wins; elsewhere the draft stays Llama 3.2 1B
  assert.equal(targetOptions({ hardware: 'local', projectDraft: 'llama-3.2-1b' }).draftModel, 'llama-3.2-1b');
  assert.equal((await selectTarget({})).draft.key, 'llama-3.2-1b');
  assert.equal((await findModel('shipped-draft')).shape.name, 'dlm-watch draft (shipped)');
});

test("the tiny fixture's draft is found beside its model; a model folder without a draft: local keeps the default draft (no speculative lane runs there)", async () => {
  const tiny = fileURLToPath(new URL('../fixtures/tiny/', import.meta.url));
  const withDraft = await selectTarget({ ...targetOptions({ hardware: 'local' }), modelDir: tiny, env: profileHome() });
  assert.equal(withDraft.draft.key, SHIPPED_DRAFT);
  const dir = mkdtempSync(join(tmpdir(), 'dlm-models-'));
  copyFileSync(fileURLToPath(new URL('../fixtures/tiny/model.json', import.meta.url)), join(dir, 'model.json'));
  const t = await selectTarget({ ...targetOptions({ hardware: 'local' }), modelDir: dir, env: profileHome() });
  assert.equal(t.draft.key, 'llama-3.2-1b');
});
