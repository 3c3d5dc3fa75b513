"""
Train dlm-watch's GPT and export it in the runtime's format (model.json + fp16 shards, read by src/engine/model/weights.ts).

  node --import tsx src/train/write-tokens.ts                  # token ids from the project's own tokenizer
  /usr/bin/python3 src/train/train.py                          # the joint model: AR + masked diffusion, one set of weights
  /usr/bin/python3 src/train/train.py --config ar --threads 2  # a copy adapted to AR alone (models/ar/)
  /usr/bin/python3 src/train/train.py --config diffusion --threads 2   # a copy adapted to diffusion alone (models/)
  /usr/bin/python3 src/train/train.py --config draft           # the speculative-decoding draft: AR only, small

The model is src/engine/model/model.ts, line for line: pre-LayerNorm GPT, rotary positions on q and k, GELU (tanh) MLP,
LM head tied to the token embedding, [MASK] never predicted. Weights are stored [in, out] (x @ W + b) with the names
of paramShapes() so export is a plain copy. Both objectives train every weight on the same windows: next-token
cross-entropy under causal attention, and the masked-diffusion loss under bidirectional attention, where masked token i
is read from output row i-1 as AR reads it (one head meaning for both modes).

Batches, masks and dropout for step s come from generators seeded by (seed, s), so a run resumes exactly from its
checkpoint (checkpoints/<name>/ckpt.pt, written atomically every --ckpt-every steps).
"""
import os, sys

# OpenBLAS 0.3.21 does not recognise this CPU and falls back to generic kernels (4-5x slower) unless told which core
# to use; both settings must be in place before the library loads, so the script re-executes itself once.
BLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-openmp'
def _blas_env():
    env = dict(os.environ)
    try:
        flags = open('/proc/cpuinfo').read()
    except OSError:
        flags = ''
    if 'avx512f' in flags and 'OPENBLAS_CORETYPE' not in env:
        env['OPENBLAS_CORETYPE'] = 'SkylakeX'
    if os.path.isdir(BLAS_DIR) and BLAS_DIR not in env.get('LD_LIBRARY_PATH', ''):
        env['LD_LIBRARY_PATH'] = BLAS_DIR + (':' + env['LD_LIBRARY_PATH'] if env.get('LD_LIBRARY_PATH') else '')
    return env
if __name__ == '__main__' and os.environ.get('DLM_TRAIN_REEXEC') != '1':
    env = _blas_env()
    env['DLM_TRAIN_REEXEC'] = '1'
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import argparse, hashlib, json, math, shutil, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    # the shipped main model (see models/README.md for why this size)
    # schedule 'cosine' decays from the end of warm-up; 'wsd' (--schedule wsd --decay 0.25) holds the rate and decays
    # over the last `decay` share of the steps, so until its decay begins --steps may change on resume (a run's length
    # can follow the machine's measured pace)
    'main': dict(d=256, layers=4, heads=4, mlp=1024, context=512, objectives='ar,diffusion', batch=8, steps=1500,
                 lr=2e-3, min_lr=1e-4, warmup=60, dropout=0.1, schedule='cosine', decay=1.0, out='checkpoints/joint'),
    # the draft for speculative decoding: same tokenizer, AR only
    'draft': dict(d=96, layers=2, heads=2, mlp=384, context=512, objectives='ar', batch=8, steps=600,
                  lr=3e-3, min_lr=1e-4, warmup=30, dropout=0.0, schedule='cosine', decay=1.0, out='models/draft'),
    # the test fixture (fixtures/tiny, over fixtures/tokenizer.json): a few steps, then reference logits for the
    # parity test. Rebuild: write-tokens.ts --tokenizer fixtures/tokenizer.json --out checkpoints/tokens-fixture, then
    # train.py --config tiny --tokens checkpoints/tokens-fixture --tokenizer fixtures/tokenizer.json --reference fixtures/tiny/reference.json
    # and its draft: the same with --d 16 --heads 2 --mlp 32 --layers 1 --objectives ar --out fixtures/tiny/draft --ckpt checkpoints/tiny-draft
    # two models of one shape (Dream 7B adapts an AR model to diffusion): each starts from the jointly trained model
    # and is adapted to one objective; 'ar' runs the AR lane (and verifies for speculative decoding), 'diffusion' the
    # diffusion lane (the shipped main model). Attention dropout off: its mask draw cost a fifth of every step.
    'ar': dict(d=256, layers=4, heads=4, mlp=1024, context=512, objectives='ar', batch=8, steps=600,
               lr=8e-4, min_lr=5e-5, warmup=20, dropout=0.1, attn_dropout=0.0, schedule='cosine', decay=1.0, out='models/ar', init='checkpoints/joint'),
    'diffusion': dict(d=256, layers=4, heads=4, mlp=1024, context=512, objectives='diffusion', batch=8, steps=850,
               lr=8e-4, min_lr=5e-5, warmup=20, dropout=0.1, attn_dropout=0.0, schedule='cosine', decay=1.0, out='models', init='checkpoints/joint'),
    # block diffusion (issue 19): bidirectional inside a block of block_size tokens, causal across blocks, so the
    # committed prefix is cached exactly; the clean copy of the same pass trains AR, so one set of weights runs the AR,
    # speculative (target) and block lanes, and 'diffusion' keeps the full-canvas lane. The prose copy adapts the
    # shipped diffusion model; the code model trains from scratch on the Python standard library (--family code).
    'block': dict(d=256, layers=4, heads=4, mlp=1024, context=512, objectives='block,diffusion', batch=8, steps=600,
                  lr=8e-4, min_lr=5e-5, warmup=20, dropout=0.1, attn_dropout=0.0, schedule='cosine', decay=1.0, block_size=32,
                  out='checkpoints/austen-block', init='models'),
    'code': dict(d=256, layers=4, heads=4, mlp=1024, context=256, objectives='ar,block', batch=16, steps=1000,
                 lr=2e-3, min_lr=1e-4, warmup=60, dropout=0.0, attn_dropout=0.0, schedule='wsd', decay=0.25, block_size=32,
                 canvas_share=0.25, out='models/code'),
    # distillation (dParallel, d3LLM): from the code model, on its own greedy completions (src/train/teacher.ts writes
    # checkpoints/tokens-code-teacher), with certainty forcing; the undistilled weights ship as the AR copy (code/ar/)
    'code-distill': dict(d=256, layers=4, heads=4, mlp=1024, context=256, objectives='ar,block', batch=16, steps=400,
                         lr=5e-4, min_lr=5e-5, warmup=10, dropout=0.0, attn_dropout=0.0, schedule='cosine', decay=1.0,
                         block_size=32, canvas_share=0.25, certainty=0.5, out='models/code',
                         init='models/code/ar'),
    'code-draft': dict(d=96, layers=2, heads=2, mlp=384, context=256, objectives='ar', batch=16, steps=600,
                       lr=3e-3, min_lr=1e-4, warmup=30, dropout=0.0, schedule='cosine', decay=1.0, out='models/code/draft'),
    'tiny': dict(d=32, layers=2, heads=4, mlp=128, context=128, objectives='ar,diffusion', batch=4, steps=30,
                 lr=3e-3, min_lr=3e-4, warmup=5, dropout=0.0, schedule='cosine', decay=1.0, out='fixtures/tiny'),
}
ROPE_BASE = 10000.0

# ---------------------------------------------------------------- model

class LayerNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.g = nn.Parameter(torch.ones(d)); self.b = nn.Parameter(torch.zeros(d))
    def forward(self, x):
        return F.layer_norm(x, (x.shape[-1],), self.g, self.b, 1e-5)

def rope_tables(positions, hd):
    """cos, sin [T, hd/2] for rotary positions: angle p * base^(-2i/hd) (rotate-half pairing, i and i + hd/2)."""
    inv = ROPE_BASE ** (-torch.arange(0, hd // 2, dtype=torch.float32) * 2 / hd)
    ang = positions.float()[:, None] * inv[None, :]
    return ang.cos(), ang.sin()

def rope(x, cos, sin):
    """x [B, H, T, hd] -> rotated: (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin)."""
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)

class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c['d']
        self.heads = c['heads']
        self.wqkv = nn.Parameter(torch.randn(d, 3 * d) * 0.02); self.bqkv = nn.Parameter(torch.zeros(3 * d))
        self.wo = nn.Parameter(torch.randn(d, d) * 0.02 / math.sqrt(2 * c['layers'])); self.bo = nn.Parameter(torch.zeros(d))
        self.drop, self.attn_drop = c['dropout'], c.get('attn_dropout', c['dropout'])
    def forward(self, x, cos, sin, allow):
        """allow: None (every position sees every other), a bool [T, T], True where row i may attend to column j, or a
        BlockPair (the block objective's [noisy, clean] pass; no attention dropout there)."""
        B, T, d = x.shape
        H = self.heads
        q, k, v = (x @ self.wqkv + self.bqkv).split(d, dim=2)
        q, k, v = (t.view(B, T, H, d // H).transpose(1, 2) for t in (q, k, v))  # [B, H, T, hd]
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        if isinstance(allow, BlockPair):
            y = allow.attend(q / math.sqrt(d // H), k, v).transpose(1, 2).reshape(B, T, d)
            return F.dropout(y @ self.wo + self.bo, self.drop, self.training)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // H)
        if allow is not None:
            att = att.masked_fill(~allow, float('-inf'))
        att = F.dropout(att.softmax(-1), self.attn_drop, self.training)
        y = (att @ v).transpose(1, 2).reshape(B, T, d)
        return F.dropout(y @ self.wo + self.bo, self.drop, self.training)

class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, m = c['d'], c['mlp']
        self.w1 = nn.Parameter(torch.randn(d, m) * 0.02); self.b1 = nn.Parameter(torch.zeros(m))
        self.w2 = nn.Parameter(torch.randn(m, d) * 0.02 / math.sqrt(2 * c['layers'])); self.b2 = nn.Parameter(torch.zeros(d))
        self.drop = c['dropout']
    def forward(self, x):
        return F.dropout(F.gelu(x @ self.w1 + self.b1, approximate='tanh') @ self.w2 + self.b2, self.drop, self.training)

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln1, self.attn, self.ln2, self.mlp = LayerNorm(c['d']), Attention(c), LayerNorm(c['d']), MLP(c)
    def forward(self, x, cos, sin, allow):
        x = x + self.attn(self.ln1(x), cos, sin, allow)
        return x + self.mlp(self.ln2(x))

class GPT(nn.Module):
    def __init__(self, c, vocab, mask_id):
        super().__init__()
        self.c, self.vocab, self.mask_id = c, vocab, mask_id
        self.wte = nn.Parameter(torch.randn(vocab, c['d']) * 0.02)
        self.h = nn.ModuleList([Block(c) for _ in range(c['layers'])])
        self.lnf = LayerNorm(c['d'])
        bias = torch.zeros(vocab); bias[mask_id] = -1e9  # [MASK] is never predicted
        self.register_buffer('mask_bias', bias, persistent=False)

    def hidden(self, ids, causal=False, allow=None, positions=None):
        """Final hidden states [B, T, d] after the last LayerNorm. causal: each row sees itself and earlier rows;
        else `allow` [T, T] says who sees whom (None: everyone). positions: RoPE positions (default 0..T-1)."""
        T = ids.shape[1]
        if causal:
            allow = torch.ones(T, T, dtype=torch.bool, device=ids.device).tril()
        pos = torch.arange(T) if positions is None else positions.cpu()
        cos, sin = (t.to(ids.device) for t in rope_tables(pos, self.c['d'] // self.c['heads']))
        x = F.dropout(self.wte[ids], self.c['dropout'], self.training)
        for block in self.h:
            x = block(x, cos, sin, allow)
        return self.lnf(x)

    def head(self, h):
        return h @ self.wte.t() + self.mask_bias

    def export_params(self):
        """(name, tensor) in paramShapes() order, with the runtime's names (h0.attn.wqkv, ...)."""
        out = [('wte', self.wte)]
        for l, b in enumerate(self.h):
            for n in ['ln1.g', 'ln1.b', 'attn.wqkv', 'attn.bqkv', 'attn.wo', 'attn.bo', 'ln2.g', 'ln2.b', 'mlp.w1', 'mlp.b1', 'mlp.w2', 'mlp.b2']:
                mod, p = n.split('.')
                out.append((f'h{l}.{n}', getattr(getattr(b, mod), p)))
        return out + [('lnf.g', self.lnf.g), ('lnf.b', self.lnf.b)]

# ---------------------------------------------------------------- objectives

def ar_loss(model, seq):
    """Nats per token of predicting seq[:, 1:] from seq[:, :-1] (causal)."""
    logits = model.head(model.hidden(seq[:, :-1], causal=True))
    return F.cross_entropy(logits.reshape(-1, model.vocab), seq[:, 1:].reshape(-1))

def draw_mask(B, T, gen, eps=1e-3):
    """t per sequence, stratified over the batch, then each token but the first masked with probability t."""
    u0 = torch.rand((), generator=gen)
    t = (1 - eps) * ((u0 + torch.arange(B) / B) % 1) + eps
    m = torch.rand(B, T, generator=gen) < t[:, None]
    m[:, 0] = False  # token 0 stays visible: the first prediction reads it
    return t, m

def diffusion_loss(model, x0, t, m):
    """Sum CE(masked token i read from row i-1) / t over B*(T-1): an upper bound on the NLL per token (the ELBO)."""
    B, T = x0.shape
    h = model.hidden(torch.where(m, torch.full_like(x0, model.mask_id), x0), causal=False)
    b, i = m.nonzero(as_tuple=True)
    if len(b) == 0:
        return h.sum() * 0
    ce = F.cross_entropy(model.head(h[b, i - 1]), x0[b, i], reduction='none')
    return (ce / t[b]).sum() / (B * (T - 1))

def block_allow(T, size, device='cpu'):
    """Who sees whom when a noisy copy of T tokens (rows 0..T-1) runs beside the clean copy (rows T..2T-1), blocks of
    `size` (BD3-LM's vectorised training): a noisy row sees its own block's noisy rows (bidirectional) and the clean
    rows before its block; a clean row sees clean rows up to itself (causal, so the committed prefix's keys and values
    are exactly an AR model's cache and one pass trains AR on the clean copy)."""
    blk = torch.arange(T, device=device) // size
    i, j = torch.arange(T, device=device)[:, None], torch.arange(T, device=device)[None, :]
    nn_ = blk[:, None] == blk[None, :]                  # noisy -> noisy: same block
    nc = j < (blk[:, None] * size)                      # noisy -> clean: before the block starts
    cc = j <= i                                         # clean -> clean: causal
    top = torch.cat([nn_, nc], dim=1)
    bottom = torch.cat([torch.zeros(T, T, dtype=torch.bool, device=device), cc], dim=1)
    return torch.cat([top, bottom], dim=0)

class BlockPair:
    """block_allow(T, size) without its two empty quadrants: the same attention at about half the cost (a clean row
    never sees a noisy one, and a noisy row sees only its own block's noisy rows), computed as clean->clean causal,
    noisy->clean before the block, and noisy->noisy per block, with one softmax over a noisy row's two parts."""
    def __init__(self, T, size):
        self.T, self.size = T, size
    def attend(self, q, k, v):
        """q (already scaled), k, v: [B, H, 2T, hd], noisy rows first. Returns [B, H, 2T, hd]."""
        T, S = self.T, self.size
        B, H, _, hd = q.shape
        nb, dev = T // S, q.device
        qn, qc, kn, kc, vn, vc = q[:, :, :T], q[:, :, T:], k[:, :, :T], k[:, :, T:], v[:, :, :T], v[:, :, T:]
        i, j = torch.arange(T, device=dev)[:, None], torch.arange(T, device=dev)[None, :]
        cc = (qc @ kc.transpose(-2, -1)).masked_fill(j > i, float('-inf')).softmax(-1) @ vc
        nn_ = (qn.reshape(B, H, nb, S, hd) @ kn.reshape(B, H, nb, S, hd).transpose(-2, -1)).reshape(B, H, T, S)
        if nb == 1:  # one block: no clean prefix to see
            return torch.cat([(nn_.softmax(-1).reshape(B, H, 1, S, S) @ vn.reshape(B, H, 1, S, hd)).reshape(B, H, T, hd), cc], 2)
        nc = (qn @ kc.transpose(-2, -1)).masked_fill(j >= (i // S) * S, float('-inf'))
        p = torch.cat([nc, nn_], -1).softmax(-1)
        yn = p[..., :T] @ vc + (p[..., T:].reshape(B, H, nb, S, S) @ vn.reshape(B, H, nb, S, hd)).reshape(B, H, T, hd)
        return torch.cat([yn, cc], 2)

def draw_block_mask(B, T, size, gen, eps=1e-3):
    """t per block (stratified over the batch's blocks), each token of a block masked with its block's t; token 0
    stays visible. Returns t per token [B, T] and the mask."""
    nb = T // size
    u0 = torch.rand((), generator=gen)
    t = (1 - eps) * ((u0 + torch.arange(B * nb) / (B * nb)) % 1) + eps
    t = t[torch.randperm(B * nb, generator=gen)].view(B, nb).repeat_interleave(size, dim=1)
    m = torch.rand(B, T, generator=gen) < t
    m[:, 0] = False
    return t, m

def block_losses(model, x0, t, m, size, certainty=0.0):
    """(block-diffusion ELBO, AR loss) of one pass over [noisy, clean]: masked token i is read from row i-1 (the noisy
    copy's inside its block, the clean copy's at a block's first token, where row i-1 is the committed prefix's last
    token: an AR prediction); AR reads every clean row."""
    B, T = x0.shape
    xt = torch.where(m, torch.full_like(x0, model.mask_id), x0)
    pos = torch.arange(T, device=x0.device)
    h = model.hidden(torch.cat([xt, x0], dim=1), allow=BlockPair(T, size), positions=torch.cat([pos, pos]))
    b, i = m.nonzero(as_tuple=True)
    row = torch.where(i % size == 0, T + i - 1, i - 1)
    logits = model.head(h[b, row])
    ce = F.cross_entropy(logits, x0[b, i], reduction='none')
    block = (ce / t[b, i]).sum() / (B * (T - 1))
    if certainty:  # dParallel's certainty forcing: lower the entropy where the model is already right
        logp = logits.log_softmax(-1)
        right = (logits.argmax(-1) == x0[b, i]).float()
        block = block + certainty * (-(logp.exp() * logp).sum(-1) * right).sum() / right.sum().clamp(min=1)
    ar = F.cross_entropy(model.head(h[:, T:2 * T - 1]).reshape(-1, model.vocab), x0[:, 1:].reshape(-1))
    return block, ar

# ---------------------------------------------------------------- data

def load_tokens(dirname):
    meta = json.load(open(os.path.join(dirname, 'tokens.json')))
    def split(name):
        ids = np.fromfile(os.path.join(dirname, f'{name}.bin'), dtype='<u2').astype(np.int64)
        docs, off = [], 0
        for n in meta[name]['docs']:
            docs.append(ids[off:off + n]); off += n
        return docs
    return meta, split('train'), split('valid')

def sample_windows(docs, B, n, rng):
    """B windows of n tokens, each inside one novel (novels picked in proportion to their length)."""
    usable = np.array([max(0, len(d) - n) for d in docs], dtype=np.float64)
    which = rng.choice(len(docs), size=B, p=usable / usable.sum())
    return torch.from_numpy(np.stack([docs[w][s:s + n] for w, s in zip(which, (rng.random(B) * usable[which]).astype(np.int64))]))

# ---------------------------------------------------------------- export (src/engine/model/weights.ts reads this)

SHARD = 4 * 1024 * 1024

def export(model, out, tokenizer, meta):
    os.makedirs(out, exist_ok=True)
    names, blobs = [], []
    for name, p in model.export_params():
        names.append({'name': name, 'shape': list(p.shape), 'dtype': 'float32', 'quantization': {'dtype': 'float16'}})
        blobs.append(p.detach().float().numpy().astype('<f2').tobytes())  # numpy rounds to nearest even
    data = b''.join(blobs)
    count = max(1, -(-len(data) // SHARD))
    paths, sums = [], {}
    for i in range(count):
        f = f'group1-shard{i + 1}of{count}.bin'
        part = data[i * SHARD:(i + 1) * SHARD]
        with open(os.path.join(out, f), 'wb') as fh:
            fh.write(part)
        paths.append(f); sums[f] = hashlib.sha256(part).hexdigest()
    c = model.c
    config = dict(vocab=model.vocab, context=c['context'], d=c['d'], layers=c['layers'], heads=c['heads'], mlp=c['mlp'],
                  maskId=model.mask_id, positions='rope', ropeBase=ROPE_BASE)
    if os.path.abspath(tokenizer) != os.path.abspath(os.path.join(out, 'tokenizer.json')):
        shutil.copyfile(tokenizer, os.path.join(out, 'tokenizer.json'))
    j = {'format': 'dlm-watch/gpt', 'config': config, 'tokenizer': 'tokenizer.json',
         'weightsManifest': [{'paths': paths, 'weights': names}], 'sha256': sums, 'meta': meta}
    tmp = os.path.join(out, 'model.json.tmp')
    with open(tmp, 'w') as fh:
        fh.write(json.dumps(j, indent=1) + '\n')
    os.replace(tmp, os.path.join(out, 'model.json'))

def load_exported(model, folder):
    """Copy the weights of an exported model folder (fp16 shards, the manifest's order) into model."""
    j = json.load(open(os.path.join(folder, 'model.json')))
    m = j['weightsManifest'][0]
    data = b''.join(open(os.path.join(folder, f), 'rb').read() for f in m['paths'])
    params, off = dict(model.export_params()), 0
    with torch.no_grad():
        for w in m['weights']:
            n = int(np.prod(w['shape']))
            params[w['name']].copy_(torch.from_numpy(np.frombuffer(data, dtype='<f2', count=n, offset=off).astype(np.float32)).view(*w['shape']))
            off += 2 * n
    assert off == len(data), f'{folder}: {len(data) - off} bytes left over'

# ---------------------------------------------------------------- training

def decay_start(c):
    """First step of the learning-rate decay: after warm-up for a cosine schedule, the last `decay` share for WSD."""
    return c['warmup'] if c['schedule'] == 'cosine' else c['steps'] - round(c['decay'] * c['steps'])

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--config', default='main', choices=list(CONFIGS))
    for k, v in {k: v for c in CONFIGS.values() for k, v in c.items() if k != 'init'}.items():
        ap.add_argument('--' + k.replace('_', '-'), type=type(v), default=None)
    ap.add_argument('--family', default=None, choices=['austen', 'code'], help='corpus family (default: code for the code configs, else austen)')
    ap.add_argument('--tokens', default=None, help='token folder (default checkpoints/tokens, checkpoints/tokens-code for code)')
    ap.add_argument('--tokenizer', default=None, help='default models/tokenizer.json, models/code/tokenizer.json for code')
    ap.add_argument('--ckpt', default=None, help='checkpoint folder (default checkpoints/<config>)')
    ap.add_argument('--ckpt-every', type=int, default=25)
    ap.add_argument('--eval-every', type=int, default=50)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--reference', default=None, help='after training, write reference logits here (parity fixture)')
    ap.add_argument('--init', default=None, help='start from the weights of this exported model folder (model.json + shards)')
    ap.add_argument('--export-only', action='store_true', help='export the checkpoint as it is (a run in progress) and stop')
    a = ap.parse_args()
    family = a.family or ('code' if a.config.startswith('code') else 'austen')
    a.tokens = a.tokens or ('checkpoints/tokens-code-teacher' if a.config == 'code-distill' else 'checkpoints/tokens-code' if family == 'code' else 'checkpoints/tokens')
    a.tokenizer = a.tokenizer or ('models/code/tokenizer.json' if family == 'code' else 'models/tokenizer.json')
    c = dict(CONFIGS[a.config])
    for k in c:
        if getattr(a, k, None) is not None:
            c[k] = getattr(a, k)
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    meta, train, valid = load_tokens(a.tokens)
    objectives = c['objectives'].split(',')
    model = GPT(c, meta['vocab'], meta['maskId']).to(dev)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    other = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': other, 'weight_decay': 0.0}], lr=c['lr'], betas=(0.9, 0.95))
    init = a.init or c.pop('init', None)  # not part of the config a checkpoint must match
    c.pop('init', None)
    ckpt_dir = a.ckpt or os.path.join('checkpoints', a.config)
    os.makedirs(ckpt_dir, exist_ok=True)
    ckpt_path, log_path = os.path.join(ckpt_dir, 'ckpt.pt'), os.path.join(ckpt_dir, 'log.jsonl')
    if init and not os.path.exists(ckpt_path):  # a resumed run takes its weights from the checkpoint
        load_exported(model, init)
        print(f'initialised from {init}')
    start, elapsed = 0, 0.0
    if os.path.exists(ckpt_path):
        st = torch.load(ckpt_path, map_location=dev)
        same = lambda cfg: {k: v for k, v in cfg.items() if k not in ('out', 'steps')}
        old = st['config']
        # a WSD run may change its length until its decay begins (the rate so far is the same for both lengths)
        steps_ok = old['steps'] == c['steps'] or (c['schedule'] == 'wsd' and st['step'] < min(decay_start(old), decay_start(c)))
        if same(old) != same(c) or not steps_ok:
            sys.exit(f'train.py: {ckpt_path} was made with another configuration; remove it or pass --ckpt')
        model.load_state_dict(st['model']); opt.load_state_dict(st['opt'])
        start, elapsed = st['step'], st['elapsed']
        if os.path.exists(log_path):  # drop rows logged after the checkpoint, which the resumed run logs again
            rows = [r for r in open(log_path) if r.strip() and json.loads(r)['step'] <= start]
            with open(log_path + '.tmp', 'w') as fh:
                fh.writelines(rows)
            os.replace(log_path + '.tmp', log_path)
        print(f'resumed at step {start}')

    d, L, T, V = c['d'], c['layers'], c['context'], meta['vocab']
    p_mm = L * (4 * d * d + 2 * d * c['mlp'])
    # training FLOPs per token and objective: 6 per weight (forward + backward) + 12*L*d*T for the T x T attention
    flops_per_token = 6 * (p_mm + V * d) + 12 * L * d * T
    B = c['batch']
    # forward-backward passes of T rows per step: the block objective runs 2T rows (noisy + clean) and carries AR
    passes = ('diffusion' in objectives) + (2 if 'block' in objectives else ('ar' in objectives))

    def lr_at(s):
        if s < c['warmup']:
            return c['lr'] * (s + 1) / c['warmup']
        d0 = decay_start(c)
        if s < d0:
            return c['lr']
        return c['min_lr'] + 0.5 * (c['lr'] - c['min_lr']) * (1 + math.cos(math.pi * (s - d0) / max(1, c['steps'] - d0)))

    # fixed held-out windows and mask draws, so the curve compares step to step
    vgen = np.random.default_rng(12345)
    vseq = sample_windows(valid, 16, T + 1, vgen).to(dev)
    vt, vm = draw_mask(16, T, torch.Generator().manual_seed(12345))
    if 'block' in objectives:
        if T % c['block_size']:
            sys.exit(f"train.py: --context {T} is not a multiple of --block-size {c['block_size']}")
        vbt, vbm = draw_block_mask(16, T, c['block_size'], torch.Generator().manual_seed(12345))

    @torch.no_grad()
    def evaluate():
        model.eval()
        r = {}
        if 'ar' in objectives:
            r['validAr'] = ar_loss(model, vseq).item()
        if 'diffusion' in objectives:
            r['validDiff'] = diffusion_loss(model, vseq[:, :-1], vt.to(dev), vm.to(dev)).item()
        if 'block' in objectives:
            r['validBlock'] = block_losses(model, vseq[:, :-1], vbt.to(dev), vbm.to(dev), c['block_size'])[0].item()
            if c.get('canvas_share', 0.0) > 0:  # the full-canvas lane's loss: one block over the window
                r['validDiff'] = block_losses(model, vseq[:, :-1], vt[:, None].expand(-1, T).to(dev), vm.to(dev), T)[0].item()
        model.train()
        return r

    print(f'{a.config}: {sum(p.numel() for p in model.parameters())} params, {c}; train {sum(map(len, train))} tokens; '
          f'BLAS core {os.environ.get("OPENBLAS_CORETYPE", "auto")}, {a.threads} thread(s), {dev}')
    model.train()
    for s in range(start, c['steps'] if not a.export_only else start):
        t0 = time.time()
        rng = np.random.default_rng([a.seed, s])
        gen = torch.Generator().manual_seed(a.seed * 1_000_003 + s)
        torch.manual_seed(a.seed * 1_000_003 + s)  # dropout
        seq = sample_windows(train, B, T + 1, rng).to(dev)
        for g in opt.param_groups:
            g['lr'] = lr_at(s)
        losses, total = {}, 0
        if 'block' in objectives:
            # one pass over [noisy, clean] gives the block-diffusion loss and, on the clean copy, the AR loss
            # a share of the steps makes the whole window one block: full-canvas diffusion, at no extra pass
            size = T if rng.random() < c.get('canvas_share', 0.0) else c['block_size']
            bt, bm = draw_block_mask(B, T, size, gen)
            lb, la = block_losses(model, seq[:, :-1], bt.to(dev), bm.to(dev), size, c.get('certainty', 0.0))
            losses['block'] = lb.item(); total = total + lb
            if 'ar' in objectives:
                losses['ar'] = la.item(); total = total + la
        elif 'ar' in objectives:
            la = ar_loss(model, seq); losses['ar'] = la.item(); total = total + la
        if 'diffusion' in objectives:
            t, m = draw_mask(B, T, gen)
            ld = diffusion_loss(model, seq[:, :-1], t.to(dev), m.to(dev)); losses['diff'] = ld.item(); total = total + ld
        opt.zero_grad(set_to_none=True)
        total.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()
        opt.step()
        dt = time.time() - t0
        elapsed += dt
        row = dict(step=s + 1, lr=lr_at(s), gnorm=gnorm, sec=dt, elapsed=elapsed, tokensPerObjective=(s + 1) * B * T,
                   gflops=flops_per_token * B * T * passes / dt / 1e9, **losses)
        if (s + 1) % a.eval_every == 0 or s + 1 == c['steps']:
            row.update(evaluate())
        with open(log_path, 'a') as fh:
            fh.write(json.dumps(row) + '\n')
        if (s + 1) % 10 == 0 or 'validAr' in row or 'validDiff' in row:
            print(' '.join(f'{k} {v:.4g}' if isinstance(v, float) else f'{k} {v}' for k, v in row.items()), flush=True)
        if (s + 1) % a.ckpt_every == 0 or s + 1 == c['steps']:
            tmp = ckpt_path + '.tmp'
            torch.save({'model': model.state_dict(), 'opt': opt.state_dict(), 'step': s + 1, 'elapsed': elapsed, 'config': c}, tmp)
            os.replace(tmp, ckpt_path)

    model = model.cpu().eval()
    steps_done = start if a.export_only else c['steps']
    tokens = steps_done * B * T
    export(model, c['out'], a.tokenizer, {
        'name': f'dlm-watch {family} ({a.config})', 'family': family, 'params': sum(p.numel() for p in model.parameters()),
        'objectives': objectives, 'steps': steps_done, 'plannedSteps': c['steps'], 'batch': B, 'context': T, 'seed': a.seed, 'dropout': c['dropout'],
        'lr': c['lr'], 'minLr': c['min_lr'], 'schedule': c['schedule'], 'decay': c['decay'], 'tokensPerObjective': tokens, 'trainSeconds': round(elapsed),
        'effectiveGflops': round(flops_per_token * tokens * passes / max(elapsed, 1e-9) / 1e9, 2),
        **({'blockSize': c['block_size']} if 'block' in objectives else {}),
        'trainer': 'src/train/train.py (PyTorch ' + torch.__version__ + ')', 'hardware': a.device if a.device != 'cpu' else 'cpu',
        'threads': a.threads, 'python': sys.version.split()[0], 'openblasCoretype': os.environ.get('OPENBLAS_CORETYPE'),
        **({'init': init} if init else {})})
    print(f'exported {c["out"]}: {elapsed:.0f} s')
    if a.reference:
        write_reference(model, a.reference, meta['maskId'])

@torch.no_grad()
def write_reference(model, path, mask_id):
    """Reference logits of a fixed input in both attention modes, for the tfjs parity test."""
    g = torch.Generator().manual_seed(7)
    T = min(24, model.c['context'])
    ids = torch.randint(0, model.vocab - 1, (1, T), generator=g)
    ids[0, 5] = ids[0, 11] = ids[0, 12] = mask_id
    for _, p in model.export_params():
        p.copy_(p.half().float())  # the runtime reads fp16 weights
    out = {'ids': ids[0].tolist()}
    for mode, causal in [('causal', True), ('bidirectional', False)]:
        out[mode] = [[round(x, 6) for x in row] for row in model.head(model.hidden(ids, causal))[0].tolist()]
    with open(path, 'w') as fh:
        json.dump(out, fh)
    print(f'wrote {path}')

if __name__ == '__main__':
    main()
