import os as _os, pathlib as _pl
_REPO = _pl.Path(__file__).resolve().parents[3]
DATA = _os.environ.get('FENGHUO_DATA', str(_REPO / '..' / 'shared' / 'data'))
RULES = str(_REPO / 'rules')
import re, math
from collections import Counter
POLICE_RE = re.compile(r'(民警|警察|交警|辅警|协警|特警|刑警|巡警|干警|警官|警员|网警|法警|公安|派出所|警方|警局|看守所|拘留所|警队|警长|所长|警车|警花|警督|警司|警监|城管)')
NOT_POLICE = re.compile(r'(警告|警示|预警|警戒|报警|警报|警惕|警醒|警钟|警情)')
PERSON = set('老人 女子 男子 骑手 群众 学生 孩子 司机 村民 小贩 摊贩 市民 妇女 农民工 记者 老太 大爷 大妈 孕妇 少年 少女 女孩 男孩 小孩 儿童 家属 路人 乘客 车主 商贩 老汉 老伯 网友 母亲 父亲 妻子 丈夫 儿子 女儿 业主 工人 嫌疑人 犯罪嫌疑人 嫌犯 醉汉 当事人 民众 百姓 老百姓 外卖员 快递员 志愿者 患者 游客'.split())
NEG = {'没','没有','未','不','无','并未','从未','并没有','没能','未能','不会','不曾','绝非','并非','否认'}
PASSIVE = {'被','遭','遭到','受到','让','叫'}
DISPOSAL = {'把','将'}
CLAUSE_END = set('，。！？；,!?;：:\n…')
VERB_TAGS = {'v','vd','vn'}
def is_police(w, t):
    if t not in ('n','ORG','nz','PER','nr','nt','vn') : return False
    if NOT_POLICE.search(w): return False
    return bool(POLICE_RE.search(w))
def noun_class(w, t):
    if is_police(w, t): return 'POLICE'
    if t in ('PER','nr'): return 'PER'
    if w in PERSON: return 'PERSON'
    if t == 'ORG': return 'ORG'
    if t == 'LOC': return 'LOC'
    if t.startswith('n'): return 'n'
    return None
def clauses(toks):
    cur = []
    for w, t in toks:
        if t == 'w' or (len(w) == 1 and w in CLAUSE_END) or all(c in CLAUSE_END for c in w):
            if cur: yield cur
            cur = []
        else:
            cur.append((w, t))
    if cur: yield cur
def words(toks):
    return [w for w, t in toks if t != 'w' and w.strip()]
def structure(toks):
    f = Counter()
    npol = 0
    for cl in clauses(toks):
        pol = [i for i, (w, t) in enumerate(cl) if is_police(w, t)]
        if not pol: continue
        npol += len(pol)
        verbs = [i for i, (w, t) in enumerate(cl) if t in VERB_TAGS]
        for p in pol:
            for v in verbs:
                vw = cl[v][0]
                lo, hi = min(p, v), max(p, v)
                between = [w for w, _ in cl[lo+1:hi]]
                if hi - lo > 8: continue
                passive = any(w in PASSIVE for w in between)
                disp = any(w in DISPOSAL for w in between)
                before_p = [w for w, _ in cl[max(0, p-2):p]]
                if p < v:
                    if passive: role = 'obj'          # 民警被打
                    else: role = 'subj'               # 民警打 / 被民警打
                    order = 'PV'
                else:
                    role = 'obj'                       # 打民警
                    order = 'VP'
                    if any(w in PASSIVE for w in before_p) and False: role = 'obj'
                    # 打伤民警的男子 still obj
                mark = 'pas' if passive else ('dis' if disp else '-')
                neg = any(w in NEG for w, _ in cl[max(0, v-2):v])
                f[f'role:{role}:{vw}'] += 1
                f[f'ord:{order}:{mark}:{vw}'] += 1
                f[f'rolec:{role}'] += 1
                if neg:
                    f[f'neg:{role}:{vw}'] += 1
                    f['neg_any'] += 1
                if p < v and any(w in PASSIVE for w in before_p):
                    f[f'agent_by:{vw}'] += 1   # 被民警打: police as agent on someone
                # verb's object class: next noun-ish within 3 tokens after the verb
                for w2, t2 in cl[v+1:v+4]:
                    c = noun_class(w2, t2)
                    if c:
                        f[f'vobj:{vw}:{c}'] += 1
                        f[f'vobjc:{role}:{c}'] += 1
                        if c in ('PERSON', 'PER'): f[f'vperson:{w2}'] += 1
                        break
                    if t2 in VERB_TAGS: continue
        # person nouns in police clauses
        for w, t in cl:
            if w in PERSON: f[f'person_in_pclause:{w}'] += 1
    f['npol:%d' % min(npol, 5)] += 1
    return f
def extra(toks):
    """(e): words of police clauses only (instance-like), entity type counts."""
    f = Counter()
    for cl in clauses(toks):
        if any(is_police(w, t) for w, t in cl):
            ws = [w for w, t in cl]
            for w in ws: f['pc:' + w] += 1
            for a, b in zip(ws, ws[1:]): f[f'pc2:{a}|{b}'] += 1
    ents = Counter(t for w, t in toks if t in ('PER','LOC','ORG','TIME'))
    for k, v in ents.items(): f[f'ent:{k}:{min(v,5)}'] += 1
    return f

import tomllib
_lex = tomllib.load(open(RULES + '/lexicons.toml', 'rb'))['lexicon']
ACTS = ["violence","detention","death","shooting","refusal","delay","corruption","fakery","apology","discipline","complaint","resistance","misconduct"]
ACT_TERMS = [(n, [t for t in _lex.get(n, []) if not t.startswith('@') and len(t) >= 1]) for n in ACTS]
_vc = {}
def verb_class(w):
    if w in _vc: return _vc[w]
    c = 'other'
    for n, terms in ACT_TERMS:
        if any(t == w or (len(t) >= 2 and t in w) for t in terms): c = n; break
    _vc[w] = c; return c
def coarse(toks):
    f = Counter()
    for k, v in structure(toks).items():
        parts = k.split(':')
        if parts[0] in ('role', 'neg', 'agent_by'):
            parts[-1] = verb_class(parts[-1]); f[':'.join(['C'] + parts)] += v
        elif parts[0] == 'ord':
            parts[-1] = verb_class(parts[-1]); f[':'.join(['C'] + parts)] += v
        elif parts[0] == 'vobj':
            f[f'C:vobj:{verb_class(parts[1])}:{parts[2]}'] += v
        elif parts[0] in ('rolec', 'vobjc', 'neg_any') or parts[0].startswith('npol'):
            f[k] += v
    return f

def _terms(name, seen=None):
    out = []
    for t in _lex.get(name, []):
        if t.startswith('@'): out += _terms(t[1:])
        elif not any(ch in t for ch in '()[]|\\.*+?{}'): out.append(t)
    return out
ROLE_LEX = {'police': _terms('police'), 'passive': _terms('passive'), 'negation': _terms('negation'),
            'victim_markers': _terms('victim_markers'), 'numeral': _terms('numeral'), 'officialese': _terms('officialese')}
for n in ACTS: ROLE_LEX[n] = _terms(n)
def cues(text):
    out = []
    for n, terms in ROLE_LEX.items():
        for t in set(terms):
            i = text.find(t)
            while i >= 0:
                out.append((n, i, i + len(t))); i = text.find(t, i + 1)
    return out
def rustlike(text):
    """A proxy of the Rust scorer's current cue structure features (features.rs::structure)."""
    f = Counter(); cs = cues(text)
    pol = [c for c in cs if c[0] == 'police']; acts = [c for c in cs if c[0] in ACTS]
    off = sum(1 for c in cs if c[0] == 'officialese')
    official = 'none' if off == 0 else 'some' if off <= 2 else 'much' if off <= 6 else 'report'
    f['off:' + official] += 1
    for c in cs: f['lex:' + c[0]] += 1
    if not pol: f['no_police'] += 1
    for p in pol:
        for a in acts:
            if p[2] <= a[1]: fe, ss, pf = p[2], a[1], True
            elif a[2] <= p[1]: fe, ss, pf = a[2], p[1], False
            else: continue
            gap = text[fe:ss]
            if len(gap) > 10 or any(ch in gap for ch in '。!?;！？；'): continue
            pas = any(c[0] == 'passive' and c[1] >= fe and c[2] <= ss for c in cs)
            if pf and not pas:
                kind = 'police_acts_on_victim' if any(c[0]=='passive' and c[2] <= p[1] and c[2] >= p[1]-2 for c in cs) else 'police_acts'
            elif pf: kind = 'police_suffers'
            elif not pas: kind = 'act_on_police'
            else: kind = 'act_then_passive_police'
            f[f'{kind}:{a[0]}'] += 1; f['pair:' + a[0]] += 1
            if any(c[0]=='negation' and c[2] <= a[1] and c[2] >= a[1]-2 for c in cs): f['neg:' + a[0]] += 1
            if any(c[0]=='victim_markers' and abs(c[1]-a[1]) <= 30 for c in cs): f[f'victim:{kind}:{a[0]}'] += 1
            f[f'pf:{a[0]}:{official}'] += 1
    return f
