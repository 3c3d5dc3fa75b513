// The trainer's block-diffusion attention (src/train/train.py block_allow): a noisy block's rows in the vectorised
// [noisy, clean] pass equal a pass over the clean prefix (causal) and that block alone, as inference with an exact
// cache runs it, and the clean rows equal a causal AR pass. Needs PyTorch (Debian python3-torch); skipped without it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const ROOT = new URL('../..', import.meta.url).pathname;
const PY = '/usr/bin/python3';
const hasTorch = spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

test(
  'block-causal training attention = the exact-cache pass of inference',
  { skip: hasTorch ? false : 'PyTorch is not installed (apt-get install python3-torch)' },
  () => {
    const r = spawnSync(PY, ['src/train/block_check.py'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const m = /max abs difference (\S+)/.exec(r.stdout);
    assert.ok(m && Number(m[1]) < 1e-5, r.stdout);
  },
);
