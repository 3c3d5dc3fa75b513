"""Join token folders (write-tokens.ts / teacher.ts output) into one: the train splits one after another, the first
folder's validation split. Used to pool two teacher runs (different seeds, so different prompts) for distillation:
    /usr/bin/python3 src/train/merge-tokens.py OUT IN1 IN2 [...]"""
import json, os, shutil, sys

def main(out, *ins):
    metas = [json.load(open(os.path.join(d, 'tokens.json'))) for d in ins]
    if len({(m['vocab'], m['maskId']) for m in metas}) != 1:
        sys.exit('merge-tokens.py: the folders come from different tokenizers')
    os.makedirs(out, exist_ok=True)
    meta = dict(metas[0])
    meta['train'] = dict(metas[0]['train'], docs=[n for m in metas for n in m['train']['docs']],
                         tokens=sum(m['train']['tokens'] for m in metas), sources=list(ins))
    with open(os.path.join(out, 'train.bin'), 'wb') as fh:
        for d in ins:
            fh.write(open(os.path.join(d, 'train.bin'), 'rb').read())
    shutil.copyfile(os.path.join(ins[0], 'valid.bin'), os.path.join(out, 'valid.bin'))
    json.dump(meta, open(os.path.join(out, 'tokens.json'), 'w'))
    print(f"{out}: {len(meta['train']['docs'])} documents, {meta['train']['tokens']} train tokens")

if __name__ == '__main__':
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
