# Block diffusion's attention: the noisy block's rows in the vectorised 2T pass equal a pass over
# [clean prefix (causal), noisy block (bidirectional, sees the prefix)] alone -- what inference with an exact cache runs.
#   /usr/bin/python3 src/train/block_check.py     (test/block-train.test.ts runs it where PyTorch is installed)
import importlib.util, os, sys
import torch
os.environ['DLM_TRAIN_REEXEC'] = '1'  # import train.py without its BLAS re-exec
spec = importlib.util.spec_from_file_location('train', os.path.join(os.path.dirname(__file__), 'train.py'))
tr = importlib.util.module_from_spec(spec); spec.loader.exec_module(tr)
torch.manual_seed(0)
c = dict(d=32, layers=2, heads=2, mlp=64, context=64, dropout=0.0, attn_dropout=0.0)
V, MASK = 50, 49
m = tr.GPT(c, V, MASK).eval()
T, S = 16, 4
x0 = torch.randint(0, V - 1, (1, T))
mask = torch.rand(1, T) < 0.5; mask[0, 0] = False
xt = torch.where(mask, torch.full_like(x0, MASK), x0)
pos = torch.arange(T)
h = m.hidden(torch.cat([xt, x0], 1), allow=tr.BlockPair(T, S), positions=torch.cat([pos, pos]))
# the split attention (BlockPair) equals the dense mask it replaces, for several blocks and for one block = the window
worst = (h - m.hidden(torch.cat([xt, x0], 1), allow=tr.block_allow(T, S), positions=torch.cat([pos, pos]))).abs().max().item()
one = m.hidden(torch.cat([xt, x0], 1), allow=tr.BlockPair(T, T), positions=torch.cat([pos, pos]))
worst = max(worst, (one - m.hidden(torch.cat([xt, x0], 1), allow=tr.block_allow(T, T), positions=torch.cat([pos, pos]))).abs().max().item())
for b in range(T // S):
    s, e = b * S, (b + 1) * S
    ids = torch.cat([x0[:, :s], xt[:, s:e]], 1)
    n = e
    allow = torch.zeros(n, n, dtype=torch.bool)
    allow[:s, :s] = torch.ones(s, s, dtype=torch.bool).tril()
    allow[s:, :s] = True
    allow[s:, s:] = True
    h2 = m.hidden(ids, allow=allow)
    worst = max(worst, (h[0, s:e] - h2[0, s:e]).abs().max().item(), (h[0, T:T + s] - h2[0, :s]).abs().max().item() if s else 0)
ar = m.hidden(x0, causal=True)
worst = max(worst, (h[0, T:] - ar[0]).abs().max().item())
print('max abs difference', worst)
if worst > 1e-5:
    sys.exit(f'block_check: the vectorised block pass differs from the cached pass by {worst:.3g}')
