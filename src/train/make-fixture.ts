// Builds fixtures/tiny: an untrained, seeded, very small model over the fixture tokenizer, for tests.
// Run: node --import tsx src/train/make-fixture.ts
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../engine/backend.js';
import { GPT } from '../engine/model.js';
import { FIXTURE_MODEL_DIR } from '../engine/run.js';
import { Tokenizer } from '../engine/tokenizer.js';
import { saveModel } from '../engine/weights.js';

await initBackend();
const tokSrc = join(FIXTURE_MODEL_DIR, '..', 'tokenizer.json');
const tok = Tokenizer.load(tokSrc);
mkdirSync(FIXTURE_MODEL_DIR, { recursive: true });
copyFileSync(tokSrc, join(FIXTURE_MODEL_DIR, 'tokenizer.json'));
const model = GPT.init({ vocab: tok.vocabSize, context: 128, d: 32, layers: 2, heads: 4, mlp: 128, maskId: tok.maskId }, 7);
await saveModel(model, FIXTURE_MODEL_DIR, 'tokenizer.json', { name: 'fixture (untrained)' });
console.log(`fixture model: ${model.numParams} parameters, vocab ${tok.vocabSize} → ${FIXTURE_MODEL_DIR}`);
