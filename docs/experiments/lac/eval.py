import os as _os, pathlib as _pl
_REPO = _pl.Path(__file__).resolve().parents[3]
DATA = _os.environ.get('FENGHUO_DATA', str(_REPO / '..' / 'shared' / 'data'))
RULES = str(_REPO / 'rules')
import json, sys, math, numpy as np, jieba, pickle, os
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.metrics import average_precision_score, precision_recall_curve
from sklearn.preprocessing import normalize
import scipy.sparse as sp
from feats import structure, extra, words, coarse, rustlike
jieba.setLogLevel(60)
d = json.load(open('train.json')) + json.load(open('dev.json'))
y = np.array([x['label'] == 'risk' for x in d], dtype=int)
texts = [x['text'] for x in d]
if os.path.exists('jieba.pkl'): jw = pickle.load(open('jieba.pkl','rb'))
else:
    jw = [[w for w in jieba.lcut(t) if w.strip()] for t in texts]; pickle.dump(jw, open('jieba.pkl','wb'))
lw = [words(x['lac']) for x in d]
lt = [x['lac'] for x in d]
ident = lambda x: x
C = float(os.environ.get('C', '10'))
SS = float(os.environ.get('SS', '0.5'))
def block_char(): return TfidfVectorizer(analyzer='char', ngram_range=(1,3), sublinear_tf=True, min_df=2)
def block_words(): return TfidfVectorizer(analyzer=ident, sublinear_tf=True, min_df=2)
def wb(ws): return ws + [a + '|' + b for a, b in zip(ws, ws[1:])]
jwb = [wb(w) for w in jw]; lwb = [wb(w) for w in lw]
struct = [structure(t) for t in lt]
ext = [extra(t) for t in lt]
def logd(ds): return [{k: math.log1p(v) for k, v in f.items()} for f in ds]
struct_l = logd(struct); ext_l = logd(ext); coarse_l = logd([coarse(t) for t in lt]); rl_l = logd([rustlike(t) for t in texts])
VARIANTS = {
 'a': [('char', texts)],
 'b': [('char', texts), ('words', jwb)],
 'c': [('char', texts), ('words', lwb)],
 'd': [('char', texts), ('words', jwb), ('dict', struct_l)],
 'd2': [('char', texts), ('words', lwb), ('dict', struct_l)],
 'e': [('char', texts), ('words', lwb), ('dict', struct_l), ('dict', ext_l)],
 'a+d': [('char', texts), ('dict', struct_l)],
 'r': [('char', texts), ('dict', rl_l)],
 'rb': [('char', texts), ('words', jwb), ('dict', rl_l)],
 'rdc': [('char', texts), ('words', lwb), ('dict', rl_l), ('dict', coarse_l)],
 'rc': [('char', texts), ('dict', rl_l), ('dict', coarse_l)],
 'dc': [('char', texts), ('words', lwb), ('dict', coarse_l)],
 'bc': [('char', texts), ('words', jwb), ('dict', coarse_l)],
 'ec': [('char', texts), ('words', lwb), ('dict', coarse_l), ('dict', ext_l)],
}
def build(blocks, tr, te):
    Xtr, Xte = [], []
    for kind, data in blocks:
        if kind == 'char': v = block_char(); s = 1.0
        elif kind == 'words': v = block_words(); s = 1.0
        else: v = DictVectorizer(); s = SS
        A = v.fit_transform([data[i] for i in tr]); B = v.transform([data[i] for i in te])
        if kind == 'dict':
            A = normalize(A) * s; B = normalize(B) * s
        Xtr.append(A); Xte.append(B)
    return sp.hstack(Xtr).tocsr(), sp.hstack(Xte).tocsr()
def fit(X, yy):
    m = LogisticRegression(C=C, class_weight='balanced', max_iter=2000, solver='liblinear')
    return m.fit(X, yy)
def best_thr(yy, p):
    pr, rc, th = precision_recall_curve(yy, p)
    f1 = 2 * pr * rc / np.maximum(pr + rc, 1e-9)
    i = int(np.argmax(f1[:-1])); return th[i]
skf = StratifiedKFold(5, shuffle=True, random_state=7)
folds = list(skf.split(texts, y))
names = sys.argv[1:] or list(VARIANTS)
for name in names:
    blocks = VARIANTS[name]
    oof = np.zeros(len(y)); pred = np.zeros(len(y), dtype=int); aps = []
    for tr, te in folds:
        # inner 3-fold on the training fold for the threshold
        inner = np.zeros(len(tr))
        for itr, ite in StratifiedKFold(3, shuffle=True, random_state=11).split(tr, y[tr]):
            A, B = build(blocks, tr[itr], tr[ite])
            inner[ite] = fit(A, y[tr][itr]).predict_proba(B)[:, 1]
        thr = best_thr(y[tr], inner)
        A, B = build(blocks, tr, te)
        p = fit(A, y[tr]).predict_proba(B)[:, 1]
        oof[te] = p; pred[te] = p >= thr
        aps.append(average_precision_score(y[te], p))
    tp = int((pred & y).sum()); R = tp / y.sum(); P = tp / max(pred.sum(), 1)
    print(f'{name:5s} AP(mean of folds) {np.mean(aps):.3f} ±{np.std(aps):.3f}  AP(pooled) {average_precision_score(y, oof):.3f}  R {100*R:.1f} P {100*P:.1f} F1 {2*R*P/max(R+P,1e-9):.3f}', flush=True)
    np.save(os.environ.get('OOF', '.') + f'/oof_{name}.npy', oof)
