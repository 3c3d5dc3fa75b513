// Answer first when piped (issue 21): plain text's first lines name the winner and its factor; NDJSON carries one
// verdict record with the same fields; both agree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_DECODE } from '../src/engine/config.js';
import { selectTarget } from '../src/engine/price/project.js';
import { createRun, FIXTURE_MODEL_DIR } from '../src/engine/run.js';
import { writeNdjson } from '../src/render/ndjson.js';
import { writePlain } from '../src/render/plain.js';

const cfg = { ...DEFAULT_DECODE, prompt: 'It is a truth', length: 16, lanes: { diffusion: { steps: 8, block: 16 } } };

async function capture(write: (out: { write(s: string): void }) => Promise<unknown>): Promise<string> {
  let s = '';
  await write({ write: (x: string) => void (s += x) });
  return s;
}

test('plain text: the headline with the winner and its factor within the first 10 lines, the passes last', async () => {
  const target = await selectTarget({});
  const run = await createRun(cfg, { modelDir: FIXTURE_MODEL_DIR });
  const plain = (await capture((out) => writePlain(run, out, target))).split('\n');
  run.dispose();
  const head = plain.slice(0, 10).join('\n');
  const m = /On H200 SXM: (AR|diffusion|speculative) (\d+(?:\.\d)?)× faster than/.exec(head);
  assert.ok(m, head);
  assert.ok(
    plain.indexOf('Summary') < plain.findIndex((l) => l.startsWith('  step kind')),
    'the summary before the per-pass tables',
  );
  // the README's `--plain | head -15`: the summary table, every lane's row with its quality, inside 15 lines
  const summary = plain.indexOf('Summary');
  assert.ok(summary >= 0 && summary + 1 + run.info.lanes.length < 15, plain.slice(0, 16).join('\n'));
  for (const r of plain.slice(summary + 2, summary + 2 + run.info.lanes.length))
    assert.match(r, /(plausible|rough|garbled)$/, r);

  const run2 = await createRun(cfg, { modelDir: FIXTURE_MODEL_DIR });
  const lines = (await capture((out) => writeNdjson(run2, out, target)))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  run2.dispose();
  const verdicts = lines.filter((l) => l.type === 'verdict');
  assert.equal(verdicts.length, 1);
  assert.equal(lines.at(-1).type, 'verdict');
  const v = verdicts[0];
  // the same winner and factor as the plain headline (the runs are seeded; the projection is priced, not timed)
  const label = { ar: 'AR', diffusion: 'diffusion', speculative: 'speculative' } as Record<string, string>;
  assert.equal(label[v.winner], m![1]);
  const factor = v.factors[0].factor as number;
  assert.equal(factor >= 10 ? factor.toFixed(0) : factor.toFixed(1), m![2]);
  assert.ok(head.includes(v.headline), `${v.headline}\n${head}`);
});

test('each lane’s text is judged in the summary: the adjusted perplexity and its word, the same in NDJSON', async () => {
  const target = await selectTarget({});
  const run = await createRun(cfg, { modelDir: FIXTURE_MODEL_DIR });
  const plain = await capture((out) => writePlain(run, out, target));
  run.dispose();
  const rows = plain.split('Summary\n')[1]!.split('\n');
  assert.match(rows[0]!, /quality$/);
  for (const r of rows.slice(1, 4)) assert.match(r, /\d+(\.\d)? (plausible|rough|garbled)$/, r);
  const run2 = await createRun(cfg, { modelDir: FIXTURE_MODEL_DIR });
  const lines = (await capture((out) => writeNdjson(run2, out, target)))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  run2.dispose();
  for (const s of lines.filter((l) => l.type === 'summary')) {
    assert.ok(s.quality.perplexity > 1 && s.quality.adjusted >= s.quality.perplexity, JSON.stringify(s.quality));
    assert.ok(['plausible', 'rough', 'garbled'].includes(s.quality.word));
  }
});
