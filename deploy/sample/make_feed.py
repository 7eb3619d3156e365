#!/usr/bin/env python3
"""Generate fenghuo's bundled sample feed, deploy/sample/feed.ndjson.

What it generates
-----------------
About 3,000 synthetic Chinese social-media posts published on Saturday 2026-11-28 between
08:00 and 12:00 Beijing time (+08:00), one JSON object per line, each in the raw shape of
its platform (Weibo, Douyin, Kuaishou, WeChat articles, Zhihu answers, Tieba posts, news
sites) -- exactly the shapes that deploy/fenghuo.toml's `[mappings.*]` tables decode.

* ~80 % everyday posts that have nothing to do with the police (food, weather, traffic,
  football, exams, shopping, travel, companies, local news, ...), including a few hard
  negatives that contain police-ish characters in harmless senses (寒潮预警, 烟雾报警器,
  成龙《警察故事》, 消防演练警报, 保安大叔, 外卖小哥 praised).
* ~12 % neutral police-related posts: 警方通报 of solved cases, 民警救助 / 表彰 / 见义勇为,
  交警 notices, 反诈 publicity, 出入境 services, foreign police news, 城管 / 市场监管.
* ~8 % negative police-related posts organised as seven incidents that spread over time and
  platforms (see INCIDENTS below and deploy/sample/README.md), about a quarter of the citizens' posts
  disguised the way evaders do it: split characters (警*察, 辅 警, 警/察, 警.察), full-width
  letters and digits (ＰＯＬＩＣＥ, ２００), traditional characters (輔警毆打), zero-width spaces.
* Re-sends (~5 % of lines): a post seen earlier appears again, same id, larger counts, as a
  crawler re-fetching it would send it. Re-sends carry the post's original publish time, so
  the file is ordered by the time a line is *sent*: first sightings are in publish-time order,
  a re-send sits where it was re-fetched.
* Weibo reposts carry `retweeted_status.idstr` of the root post and texts like
  `转发理由//@某某:...`; Tieba floors share a `tid`; Zhihu answers share a question id.

Why
---
`fenghuo run` without a config replays this file at 60x (four hours in four minutes), so a
newcomer sees the whole pipeline work: rules fire on the incident posts and their disguised
variants, stay quiet on the everyday posts and hard negatives, repost chains and re-sent
counts drive the velocity windows, and incident 1 escalates fast enough to be graded up.

Places, people, accounts, companies and events are fictional (江州 is an invented city).
Standard library only, fixed seed: the output is the same byte for byte on every run.

Usage (from the repository root):
    python3 deploy/sample/make_feed.py                  # writes deploy/sample/feed.ndjson
    python3 deploy/sample/make_feed.py --out FILE       # elsewhere
    python3 deploy/sample/make_feed.py --labels FILE    # also a TSV of the ground truth
"""

import argparse
import base64
import datetime as dt
import json
import math
import os
import random
import re
import sys
from collections import Counter

SEED = 20261128
R = random.Random(SEED)

BJ = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 11, 28, 8, 0, 0, tzinfo=BJ)
SPAN = 4 * 3600  # seconds of feed

# Unique posts per kind and platform (re-sends come on top, ~5 % of lines).
EVERYDAY_PER_PLATFORM = {
    "weibo": 1050, "douyin": 390, "kuaishou": 220, "tieba": 265,
    "zhihu": 170, "wechat": 95, "news": 130,
}
NEUTRAL_PER_PLATFORM = {
    "weibo": 150, "douyin": 45, "kuaishou": 20, "tieba": 28,
    "zhihu": 15, "wechat": 30, "news": 52,
}
RESENDS_EVERYDAY = 70
RESENDS_NEUTRAL = 18


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------

def L(s):
    """A pool written as 'a|b|c'."""
    return s.split("|")


def pick(seq):
    return R.choice(seq)


def chance(p):
    return R.random() < p


def wpick(pairs):
    """Pick from [(item, weight), ...]."""
    total = sum(w for _, w in pairs)
    x = R.uniform(0, total)
    for item, w in pairs:
        x -= w
        if x <= 0:
            return item
    return pairs[-1][0]


SLOTS = {}
_SLOT_RE = re.compile(r"\{(\w+)\}")


def fill(template, **given):
    """Fill {slot}s from `given`, then from SLOTS (lists or callables); nested slots too."""
    def one(m):
        name = m.group(1)
        if name in given:
            v = given[name]
        else:
            v = SLOTS[name]
        if callable(v):
            return str(v())
        if isinstance(v, list):
            return pick(v)
        return str(v)
    text = template
    for _ in range(4):
        new = _SLOT_RE.sub(one, text)
        if new == text:
            break
        text = new
    return text


END_PUNCT = "。！？!?~…）)]」”"


def end_sentence(text):
    """Close a sentence before another is appended (unless it already ends in punctuation/emoji)."""
    if not text or text[-1] in END_PUNCT or ord(text[-1]) > 0x2FFF and not ("\u4e00" <= text[-1] <= "\u9fff"):
        return text
    return text + "。"


def clamp_len(text, lo, hi, extras, max_add=2):
    """Grow `text` with up to max_add distinct sentences from `extras` toward lo chars, never past hi."""
    added = 0
    for extra in R.sample(extras, len(extras)):
        if len(text) >= lo or added >= max_add:
            break
        added += 1
        add = fill(extra)
        if len(end_sentence(text)) + len(add) <= hi:
            text = end_sentence(text) + add
    return text


def ordered_subset(seq, k):
    """k items of seq, keeping their order (texts written in a logical order stay readable)."""
    idx = sorted(R.sample(range(len(seq)), min(k, len(seq))))
    return [seq[i] for i in idx]


# --------------------------------------------------------------------------------------
# Slot pools
# --------------------------------------------------------------------------------------

SLOTS.update({
    "city": L("北京|上海|广州|深圳|杭州|成都|重庆|武汉|西安|南京|长沙|郑州|青岛|厦门|苏州|天津|"
              "沈阳|哈尔滨|昆明|合肥|江州|江州|江州|江州"),
    "jz_district": L("明湖区|临江区|城南区|北塘区|江州新区|滨江区|老城区"),
    "road": L("人民路|解放路|中山路|建设路|滨江大道|长江路|环城西路|明湖路|江州大桥|北塘高架|"
              "新华路|东环快速路|学府路|体育馆路"),
    "mall": L("万象城|吾悦广场|银泰|江州天地|来福士|明湖万达|老街步行街|滨江大悦城"),
    "food": L("螺蛳粉|热干面|烤鸭|火锅|麻辣烫|酸菜鱼|羊肉串|煎饼果子|肠粉|牛肉面|生煎|糖炒栗子|"
              "烤红薯|羊肉汤|鸡公煲|砂锅粥|小笼包|烤鱼|猪脚饭|米线|锅包肉|炸酱面|冒菜|寿喜锅"),
    "fc": L("汤头很浓|排队排了四十分钟|性价比很高|有点咸了|老板人超好还送了小菜|吃完整个人都暖和了|"
            "味道一般般，不会再来了|分量足到吃不完|辣得我眼泪都出来了|和十年前一个味道|"
            "环境一般但是好吃|服务员态度特别好"),
    "homefood": L("腊肉|香肠|咸鸭蛋|脐橙|红薯干|柿饼|年糕|剁辣椒|土鸡蛋"),
    "cookres": L("卖相一般但味道还行|差点把厨房烧了|被全家夸了|盐放多了|比外卖好吃|失败得很彻底"),
    "price": lambda: str(pick([15, 18, 22, 25, 28, 35, 38, 45, 58, 68, 88, 98, 128])),
    "n": lambda: str(R.randint(2, 9)),
    "nn": lambda: str(R.randint(10, 99)),
    "nnn": lambda: str(R.randint(100, 999)),
    "temp": lambda: str(R.randint(1, 13)),
    "weather": L("小雨|多云转阴|大风降温|晴|雨夹雪|阴有小雨|大雾|晴转多云"),
    "wc": L("风特别大|体感比预报还冷|出门记得带伞|适合在家躺着|羽绒服终于可以穿了|"
            "早晚温差大注意别感冒"),
    "emo": L("[哈哈]|[doge]|[允悲]|[笑cry]|[泪]|[赞]|[心]|[二哈]|[吃瓜]|[抱抱]|😂|🤣|👍|😭|||||"),
    "team_cn": L("上海海港|山东泰山|成都蓉城|北京国安|上海申花|武汉三镇|浙江队|天津津门虎|"
                 "青岛西海岸|河南队|长春亚泰|深圳新鹏城"),
    "team_eu": L("皇马|曼城|拜仁|巴萨|利物浦|阿森纳|国米|AC米兰|多特|巴黎"),
    "score": lambda: "%d:%d" % (R.randint(0, 4), R.randint(0, 3)),
    "fbc": L("这裁判吹的什么玩意|门将今天神了|下半场完全踢不动|中场控制得不错|VAR又抢戏了|"
             "换人换得莫名其妙|外援今天终于睡醒了"),
    "fbc2": L("状态回来了|踢得太保守了|靠定位球|打出了逆转|控球率七成"),
    "player": L("武磊|韦世豪|奥斯卡|克雷桑|姆巴佩|哈兰德|亚马尔|萨拉赫|凯恩|维尼修斯"),
    "ec": L("每天学习十个小时还是觉得不够|心态快崩了|感觉还能再抢救一下|数学还有两章没看|"
            "今天背了两百个单词|英语作文模板还没背"),
    "exam_score": lambda: str(R.randint(58, 138)),
    "ec2": L("比上次进步了|离目标还差一大截|数学拖后腿|发挥失常|还算满意"),
    "item": L("羽绒服|电热毯|空气炸锅|扫地机器人|加湿器|保温杯|雪地靴|电暖器|蓝牙耳机|围巾|"
              "取暖器|电动牙刷|养生壶|暖手宝|护手霜|冲锋衣"),
    "sc": L("质量比想象中好|颜色有点色差|包装很用心|比实体店便宜不少|尺码偏大一号|"
            "做工一般但是便宜|已经推荐给同事了"),
    "spot": L("西湖|黄山|洱海|鼓浪屿|故宫|外滩|宽窄巷子|大理古城|冰雪大世界|江州古城|明湖公园|"
              "滨江公园|长白山|三亚湾|千岛湖|武功山"),
    "tc": L("人比景多|风景真的绝了|天气不错拍了很多照片|门票涨价了|吃的比玩的多|"
            "走了两万多步腿废了"),
    "tc2": L("感觉这里的人说话都好温柔|这边的口味太重了|地铁比想象中方便|物价比想象中低|"
             "冬天也不算太冷"),
    "company": L("华瑞电子|云帆物流|星河乳业|江州新能源科技|明湖生物医药|远航汽车|青禾食品|"
                 "蓝鲸互娱|江东银行|悦购超市|江州港务集团|澄光半导体"),
    "product": L("手机|电动车|降噪耳机|平板|智能手表|扫地机"),
    "metro_event": L("今天起延长运营一小时|新站点开通了|早高峰加开了列车|试运行了，坐了一趟|"
                     "换乘通道终于修好了"),
    "pet": L("猫|狗子|布偶|橘猫|柯基|金毛|仓鼠|鹦鹉|柴犬|小黑猫"),
    "thing": L("耳机线|拖鞋|数据线|沙发角|快递盒|毛线团|遥控器"),
    "movie": L("《长夜将明》|《北方的雪》|《江湖夜雨》|《星际归途》|《山海之间》|《第九个冬天》"),
    "mc": L("后劲好大|节奏有点拖|演员演技在线|结尾哭得稀里哗啦|特效不错剧情一般|值回票价"),
    "phone": L("手机|平板|电脑|手表"),
    "subway": lambda: "%d号线" % R.randint(1, 12),
    "surname": L("王|李|张|刘|陈|杨|赵|黄|周|吴|徐|孙|胡|朱|高|林|何|郭|马|罗"),
    "uscity": L("芝加哥|休斯敦|费城|亚特兰大|丹佛|西雅图|底特律|孟菲斯"),
    "fogarea": L("绕城高速北段|江州大桥|滨江大道沿线|北塘高架|江州新区部分路段|沪昆高速江州段|东环快速路"),
    "vis": L("50|80|100|150|200"),
    "fz_scam": L("刷单返利|冒充客服退款|注销校园贷|虚假投资理财|冒充公检法|网络游戏交易|虚假征信修复|冒充熟人借钱"),
    "time_hm": lambda: "%d时%02d分" % (R.randint(8, 11), R.randint(0, 59)),
})

PROVINCES = [("江西", 30), ("广东", 10), ("浙江", 7), ("江苏", 7), ("湖北", 6), ("湖南", 6),
             ("北京", 5), ("上海", 5), ("四川", 5), ("山东", 5), ("河南", 4), ("福建", 4),
             ("安徽", 4), ("陕西", 2), ("重庆", 3), ("天津", 2), ("辽宁", 2), ("广西", 2),
             ("云南", 2), ("河北", 2), ("黑龙江", 1), ("海外", 1)]


# --------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------

class Account:
    def __init__(self, platform, name, followers, verified=False, label=""):
        self.platform = platform
        self.name = name
        self.followers = int(followers)
        self.verified = verified
        self.label = label  # Douyin custom_verify text
        self.province = wpick(PROVINCES)
        self.uid = ""
        self.token = ""  # Zhihu url_token
        self.biz = ""  # WeChat biz
        self.next_appmsg = 0


NAME_ADJ = L("爱吃鱼的|不睡觉的|快乐的|迷路的|努力的|一只|会飞的|喝奶茶的|早起的|失眠的|佛系|"
             "躺平的|认真的|爱笑的|不想上班的|减肥中的|发呆的|话痨的|路过的|想吃火锅的")
NAME_NOUN = L("猫|小熊|橘子|兔子|程序员|打工人|小胖|西瓜|柠檬|咸鱼|阿飞|老王|小鹿|土豆|月亮|"
              "小葵|面包|鲸鱼|刺猬|饺子|蘑菇|云朵")
GIVEN = L("伟|芳|娜|敏|静|磊|洋|勇|艳|杰|涛|明|超|秀英|丽|强|军|平|刚|婷|浩然|子涵|梓萱|"
          "宇轩|雨桐|一诺|欣怡|俊杰|思远|晓东")
PINYIN = L("li|wang|zhang|liu|chen|yang|zhao|huang|zhou|wu|xu|sun|hu|zhu|gao|lin|he|guo|ma|"
           "luo|xiao|yu|ming|hao|jie|tian|yun|feng|lei|xin|qing|bo|chao|kai")
TOPIC_ACC = L("吃喝玩乐|生活圈|美食探店|同城|身边事|路况|头条|资讯|拍客|旅行家")


def person_name(platform):
    style = R.random()
    if platform == "weibo":
        if style < 0.30:
            return pick(NAME_ADJ) + pick(NAME_NOUN)
        if style < 0.42:
            return "用户%d" % R.randint(5000000000, 7999999999)
        if style < 0.60:
            return pick(SLOTS["surname"]) + pick(GIVEN) + pick(["_", "", "-"]) + str(R.randint(1, 2025))
        if style < 0.75:
            return pick(L("Momo|Sunny|Coco|Kiki|Leo|Jason|Amy|Tony|Lucky|Yoyo")) + pick(NAME_NOUN)
        if style < 0.88:
            return pick(NAME_NOUN) + pick(L("酱|君|同学|本人|大王|小姐|先生|er"))
        return pick(L("江州|明湖|滨江|北塘")) + pick(L("小|老|阿")) + pick(GIVEN)
    if platform in ("douyin", "kuaishou"):
        if style < 0.30:
            return pick(NAME_ADJ) + pick(NAME_NOUN)
        if style < 0.45:
            return pick(SLOTS["surname"]) + pick(GIVEN) + pick(L("的vlog|（日更）|在江州|呀|的日常|"))
        if style < 0.60:
            return pick(L("江州|明湖|临江|城南")) + pick(L("小吃货|二哥|小王|大姐|老表|阿伟"))
        if style < 0.75:
            return pick(L("骑手|卡车司机|装修师傅|宝妈|厨师|退伍老兵|大学生")) + pick(GIVEN)
        if style < 0.85:
            return "用户%d" % R.randint(10000000, 99999999)
        return pick(NAME_NOUN) + pick(L("不吃香菜|爱旅行|在路上|的小窝|🐱|✨"))
    if platform == "zhihu":
        if style < 0.4:
            return pick(SLOTS["surname"]) + pick(GIVEN)
        if style < 0.65:
            return pick(L("老K|阿辉|三木|七月|西风|木子|大头|小满|一苇|北辰")) + pick(L("|说法|聊职场|谈吃|观察|同学"))
        if style < 0.8:
            return "知乎用户" + "".join(pick("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(6))
        return pick(NAME_ADJ) + pick(NAME_NOUN)
    if platform == "tieba":
        if style < 0.35:
            return pick(L("醉卧|独钓|笑看|闲听|梦回|踏雪")) + pick(L("江州|明湖|滨江|长江|北塘|寒山"))
        if style < 0.55:
            return "tb_" + "".join(pick("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(7))
        if style < 0.80:
            return pick(NAME_NOUN) + str(R.randint(1, 9999))
        return pick(L("吧友|路人甲|潜水员|老吧友|萌新")) + pick(GIVEN)
    return pick(NAME_ADJ) + pick(NAME_NOUN)


def log_followers():
    """Tens to millions, mostly small: 10 ** (1 + 5.6 * beta)."""
    return int(10 ** (1.0 + 5.6 * R.betavariate(1.3, 2.6)))


POOLS = {}
SPECIAL = {}


def make_accounts():
    sizes = {"weibo": 175, "douyin": 72, "kuaishou": 46, "zhihu": 56, "tieba": 64}
    for platform, n in sizes.items():
        pool = []
        seen = set()
        while len(pool) < n:
            name = person_name(platform)
            if name in seen:
                continue
            seen.add(name)
            f = log_followers()
            verified = (f > 200000 and chance(0.6)) or (f > 20000 and chance(0.15)) or chance(0.02)
            label = ""
            if platform == "douyin" and verified:
                label = pick(L("美食自媒体|生活领域创作者|汽车自媒体|旅行博主|体育领域创作者|搞笑视频创作者"))
            pool.append(Account(platform, name, f, verified, label))
        POOLS[platform] = pool

    def sp(key, platform, name, followers, verified=True, label=""):
        a = Account(platform, name, followers, verified, label)
        if key.startswith("police") or key.startswith("jz"):
            a.province = "江西"
        SPECIAL[key] = a
        return a

    # Weibo
    sp("police_wb", "weibo", "江州公安", 862000)
    sp("police_mh_wb", "weibo", "江州市公安局明湖分局", 46800)
    sp("traffic_wb", "weibo", "江州交警", 312000)
    sp("fanzha_wb", "weibo", "反诈江州", 95300)
    sp("exit_wb", "weibo", "江州出入境", 38100)
    sp("rail_wb", "weibo", "江州铁路公安", 121000)
    sp("gov_wb", "weibo", "江州发布", 1530000)
    sp("jzdaily_wb", "weibo", "江州日报", 2140000)
    sp("hot_wb", "weibo", "江湖热点观察", 1236000)  # the 1M-follower account of incident 1
    sp("local_wb", "weibo", "江州同城热搜", 384000)
    sp("food_wb", "weibo", "吃喝玩乐在江州", 261000)
    sp("sport_wb", "weibo", "体育那点事儿", 1610000)
    sp("weather_wb", "weibo", "南方天气君", 905000)
    sp("lawyer_wb", "weibo", "律师老周说法", 540000)
    sp("world_wb", "weibo", "环球视界网", 3420000)
    # Douyin
    sp("police_dy", "douyin", "江州公安", 1280000, True, "江州市公安局官方账号")
    sp("traffic_dy", "douyin", "江州交警", 455000, True, "江州市公安局交通警察支队官方账号")
    sp("tv_dy", "douyin", "江州新闻", 890000, True, "江州广播电视台官方账号")
    sp("hot_dy", "douyin", "热点速看", 1420000, True, "时事资讯自媒体")
    sp("witness_dy", "douyin", "路过的打工人阿明", 3260, False, "")
    # Kuaishou
    sp("police_ks", "kuaishou", "平安江州", 310000, True)
    sp("tv_ks", "kuaishou", "江州新闻眼", 260000, True)
    # WeChat
    for key, name, fans in [
        ("police_wx", "平安江州", 382000), ("traffic_wx", "江州交警", 204000),
        ("gov_wx", "江州发布", 612000), ("exit_wx", "江州出入境", 52000),
        ("food_wx", "江州吃货联盟", 121000), ("health_wx", "每日健康指南", 860000),
        ("fin_wx", "老刘看财经", 233000), ("house_wx", "江州楼市观察", 88000),
        ("read_wx", "读书与远方", 145000), ("edu_wx", "江州家长圈", 176000),
        ("life_wx", "江州生活圈", 298000), ("comment_wx", "深夜评论社", 413000),
        ("law_wx", "法治视点", 327000), ("travel_wx", "周末去哪玩", 96000),
        ("tech_wx", "数码小当家", 154000), ("sport_wx", "绿茵夜话", 67000),
    ]:
        sp(key, "wechat", name, fans)
    POOLS["wechat"] = [SPECIAL[k] for k in ("food_wx", "health_wx", "fin_wx", "house_wx",
                                           "read_wx", "edu_wx", "life_wx", "travel_wx",
                                           "tech_wx", "sport_wx", "gov_wx")]

    # ids
    used = set()

    def uniq(make):
        while True:
            v = make()
            if v not in used:
                used.add(v)
                return v

    alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
    every = [a for pool in POOLS.values() for a in pool] + list(SPECIAL.values())
    for a in every:
        if a.uid:
            continue
        if a.platform == "weibo":
            a.uid = uniq(lambda: str(R.randint(1000000000, 7999999999)))
        elif a.platform == "douyin":
            a.uid = uniq(lambda: str(R.randint(10000000000, 99999999999)))
        elif a.platform == "kuaishou":
            a.uid = uniq(lambda: "3x" + "".join(pick(alnum) for _ in range(13)))
        elif a.platform == "zhihu":
            a.uid = a.token = uniq(lambda: pick(PINYIN) + "-" + pick(PINYIN) + "-" + str(R.randint(1, 99)))
        elif a.platform == "tieba":
            a.uid = uniq(lambda: str(R.randint(100000000, 4999999999)))
        elif a.platform == "wechat":
            digits = uniq(lambda: pick(["30", "32", "33", "38", "39"]) + "%08d" % R.randint(0, 99999999))
            a.biz = base64.b64encode(digits.encode()).decode()
            a.uid = a.biz
            a.next_appmsg = 2247483650 + R.randint(0, 4000)


def citizen(platform, big=False):
    pool = POOLS[platform]
    if big:
        return max(R.sample(pool, 6), key=lambda a: a.followers)
    return pick(pool)


NEWS_SOURCES = [
    ("江州日报", "jzrb"), ("江州晚报", "jzwb"), ("江东晨报", "jdcb"), ("新视界网", "xsj"),
    ("法治观察网", "fzgc"), ("每日财经网", "mrcj"), ("城市快讯", "csks"), ("天下体育网", "txty"),
    ("科技前沿网", "kjqy"), ("环球视界网", "hqsj"), ("江州广播电视台", "jztv"), ("民生周刊网", "mszk"),
]


# --------------------------------------------------------------------------------------
# Posts
# --------------------------------------------------------------------------------------

class Post:
    def __init__(self, platform, t, author, kind, text, title=None):
        self.platform = platform
        self.t = max(0, min(SPAN - 1, int(t)))  # seconds after T0
        self.author = author  # Account, or (source, slug) for news
        self.kind = kind  # everyday | neutral | incident
        self.text = text
        self.title = title
        self.incident = ""
        self.role = ""
        self.evasion = ""
        self.hardneg = False
        self.repost_of = None  # Weibo root Post
        self.thread = None  # Tieba thread dict
        self.question = None  # Zhihu question dict
        self.final = {}  # final counts
        self.traj = ("decay", R.uniform(40, 150))
        self.first_age = R.uniform(1.0, 12.0)  # minutes between publishing and first fetch
        self.id = None
        self.extra = {}

    def counts_at(self, age_min):
        kind = self.traj[0]
        if kind == "decay":
            frac = 1.0 - math.exp(-age_min / self.traj[1])
        else:
            mid, s = self.traj[1], self.traj[2]

            def f(a):
                return 1.0 / (1.0 + math.exp(-(a - mid) / s))
            frac = (f(age_min) - f(0)) / (1.0 - f(0))
        return {k: int(round(v * frac)) for k, v in self.final.items()}


POSTS = []
USED_TEXTS = set()


def fresh(make, tries=40):
    """A text no earlier post used (official accounts do not post the same words twice)."""
    text = make()
    for _ in range(tries):
        if text not in USED_TEXTS:
            break
        text = make()
    USED_TEXTS.add(text)
    return text


def add(post):
    POSTS.append(post)
    return post


def engagement(platform, followers, viral):
    """Final interaction counts for a post, from its author's reach and a virality factor."""
    base = (max(followers, 5) ** 0.72) * viral * R.lognormvariate(0, 0.8) * 0.08
    if platform == "weibo":
        likes = base
        return {"reposts": int(likes * R.uniform(0.02, 0.3)),
                "comments": int(likes * R.uniform(0.08, 0.35)), "likes": int(likes)}
    if platform == "douyin":
        digg = base * 6
        return {"shares": int(digg * R.uniform(0.01, 0.08)), "comments": int(digg * R.uniform(0.03, 0.1)),
                "likes": int(digg), "views": int(digg * R.uniform(15, 60)) + R.randint(60, 900)}
    if platform == "kuaishou":
        like = base * 4
        return {"likes": int(like), "comments": int(like * R.uniform(0.03, 0.12)),
                "shares": int(like * R.uniform(0.01, 0.06)), "views": int(like * R.uniform(20, 70)) + R.randint(40, 600)}
    if platform == "wechat":
        read = followers * R.uniform(0.01, 0.07) * viral
        return {"views": int(read), "likes": int(read * R.uniform(0.005, 0.03)),
                "comments": int(read * R.uniform(0.001, 0.006))}
    if platform == "zhihu":
        up = base * R.uniform(0.5, 3)
        return {"likes": int(up), "comments": int(up * R.uniform(0.05, 0.3))}
    if platform == "tieba":
        return {"comments": int(R.expovariate(1 / 5.0) * viral)}
    return {}


def mk(platform, t, author, kind, text, title=None, viral=1.0):
    p = Post(platform, t, author, kind, text, title)
    followers = author.followers if isinstance(author, Account) else 0
    p.final = engagement(platform, followers, viral)
    return add(p)


def rand_t(lo=0, hi=SPAN - 60):
    # slightly more activity later in the morning
    return int(lo + (hi - lo) * (R.random() ** 0.85))


# --------------------------------------------------------------------------------------
# Everyday content
# --------------------------------------------------------------------------------------

SHORT = {
    "food": (
        L("中午在{mall}吃了{food}，{fc}{emo}|{food}真的绝了，{fc}。有没有{city}的朋友推荐一下别的店？|"
          "减肥第{n}天，早上还是没忍住点了{food}外卖{emo}|天冷了就想吃{food}，{fc}|"
          "排了{nn}分钟队终于吃上{food}，{fc}{emo}|{city}的{food}和我老家的完全不是一个味儿，{fc}|"
          "周六早上的第一顿：{food}加豆浆，{fc}|我妈又寄了一箱{homefood}过来，够吃一冬天了{emo}|"
          "新开的那家{food}店人均{price}，{fc}，下次还来|第一次自己在家做{food}，{cookres}{emo}|"
          "楼下早餐店的{food}涨到{price}块了，还是每天排长队|求{city}好吃的{food}，本地人推荐的那种"),
        L("吃完整个人都暖和了。|人均{price}，性价比可以。|老板说下个月要涨价了。|拍照的时候已经被我吃掉一半了。|"
          "明天继续。|隔壁桌点的{food}看起来也不错。|这家店开了二十多年了，味道一直没变。|"
          "外卖送得挺快，还是热的。|周末人多建议错峰。|下次带爸妈一起来。"),
        L("美食|吃货日常|周末吃什么|探店|江州美食|深夜食堂"),
    ),
    "weather": (
        L("{city}今天{weather}，最高气温{temp}℃，{wc}|降温了降温了，早上出门冻得直哆嗦，大家记得加衣服{emo}|"
          "{city}下初雪了！！{emo}|这雾，对面楼都看不见了，今天不出门了|"
          "南方的冬天没有暖气，在家穿得比在外面还多{emo}|今天{city}阳光超好，趁机把被子拿出去晒了|"
          "天气预报说上午有雨，结果一滴都没下，白带伞了|北方的朋友已经开始供暖了吧，羡慕{emo}|"
          "早上{temp}度，中午又热得穿不住外套，这温差穿什么都不对|窗外的风呼呼的，感觉要把窗户吹下来"),
        L("今天的风像刀子一样。|出门前一定要看天气预报。|被窝封印了我一个早上。|"
          "热水袋已经安排上了。|下周据说还要再降温。|羽绒服从柜子里翻出来了。"),
        L("天气|降温|下雪了|冬天来了"),
    ),
    "traffic": (
        L("{road}又堵死了，{nn}分钟挪了不到一公里{emo}|导航说前方{road}拥堵{n}公里，周六早上怎么也这么堵|"
          "{subway}挤到怀疑人生，周六还有这么多人上班吗|{road}有两辆车剐蹭，占了一条道，过去的朋友提前绕行|"
          "高架上排成长龙，估计又是前面在修路|打车等了{nn}分钟还没人接单，最后还是坐地铁了|"
          "{city}的车真的多，从家到商场{n}公里开了快一个小时|新修的{road}终于通车了，以后上班能少堵二十分钟|"
          "公交{nn}路改线了都没提前通知，在站台等了半天|周末去{spot}的路上全是车，停车场已经满了|"
          "地铁{subway}临时故障停了十分钟，车厢里一片叹气声"),
        L("建议大家错峰出行。|还是骑电动车快。|早知道坐地铁了。|收音机里说前面在修路。|"
          "堵车的时候听完了一整张专辑。|停车费又涨了。|顺风车司机迟到了二十分钟。"),
        L("路况|堵车|出行|通勤日常"),
    ),
    "football": (
        L("{team_cn}{score}{team_cn}，{fbc}|{team_eu}昨晚{fbc2}，{score}拿下比赛{emo}|"
          "这赛季{team_cn}的后防线真是一言难尽|凌晨起来看{team_eu}的比赛，困死了但是值|"
          "{team_cn}明年的季票开售{nn}分钟就卖光了|补时阶段绝杀！！{team_cn}的球迷昨晚睡不着了{emo}|"
          "{player}这个进球可以进年度最佳了吧|国足的集训名单出来了，你们怎么看|"
          "周末约了几个朋友踢野球，结果脚崴了{emo}|解说说得比球赛还精彩哈哈哈|"
          "{team_eu}的新援{player}表现怎么样，值那个价吗"),
        L("下一轮主场必须拿分。|主教练该下课了。|看得我血压都高了。|这才是足球的魅力。|"
          "明年继续支持！|赛后采访也太官方了。"),
        L("中超|足球|欧冠|球迷日常"),
    ),
    "exam": (
        L("距离考研还有{nn}天，{ec}|国考笔试马上开考，行测还是做不完{emo}|四六级还有两周，单词书还停在A开头|"
          "期末周提前来了，图书馆七点就没座了|今天模考{exam_score}分，{ec2}|"
          "考研政治背到怀疑人生，肖四什么时候出|室友已经拿到offer了，只有我还在准备考试{emo}|"
          "教资面试成绩出来了，过了！！{emo}|给马上考试的朋友们加油，逢考必过|"
          "专业课真题刷了三遍，还是觉得心里没底|周六也在自习室，旁边的同学已经来了三个月了"),
        L("坚持就是胜利。|晚上还要再刷一套卷子。|咖啡已经续了第三杯。|希望明年春天有好消息。|"
          "考完一定要睡三天。|背书背到嗓子哑了。"),
        L("考研|国考|四六级|学习打卡|期末周"),
    ),
    "shopping": (
        L("买的{item}到了，{sc}{emo}|快递在{city}转运中心躺了三天了，一动不动|双十二预售开始了，购物车已经满了|"
          "直播间抢到了{item}，比平时便宜{nn}块|退货退了一个星期钱还没到账{emo}|逛了一天{mall}，最后只买了杯奶茶|"
          "{item}降价了{nn}块，上周刚买的，申请保价去了|给我妈买的{item}，她嘴上说乱花钱，转头就拿去给邻居看了|"
          "这个{item}质量也太差了，用了两天就坏了|超市的草莓{price}块一斤，看了一眼就走了|"
          "{mall}周末有满减活动，人多到结账排了二十分钟"),
        L("果断好评。|已经在考虑再买一个了。|客服回复还挺快。|冬天必备。|钱包又瘪了。|"
          "下次还是去实体店试了再买。"),
        L("好物分享|购物|双十二|开箱"),
    ),
    "travel": (
        L("周末来{spot}，{tc}{emo}|这几天去{city}的机票好便宜，说走就走|高铁晚点{nn}分钟，在候车室发呆|"
          "第一次来{city}，{tc2}|{spot}的红叶到最佳观赏期了，人山人海|"
          "攻略做了三天，结果到了才发现景区今天闭馆维修{emo}|带爸妈去{spot}玩了两天，他们说比去年去的地方好|"
          "民宿老板人超好，送了一大袋橘子|订了月底去{city}的票，有什么推荐的吗|在{spot}拍的照片，随手一拍都是壁纸"),
        L("下次还想再来。|建议穿舒服的鞋。|景区里的东西有点贵。|夜景比白天还好看。|"
          "旺季一定要提前订酒店。|回去要好好泡个脚。"),
        L("旅行|周末去哪儿|旅行日记|风景"),
    ),
    "company": (
        L("{company}发布三季度财报，营收同比增长{nn}%，股价今天估计要涨|听说{company}今年年终奖要发{n}个月，羡慕了|"
          "{company}新款{product}发布了，起售价{price}9元，你们觉得值吗|我们公司也开始优化了，部门走了{n}个人{emo}|"
          "{company}宣布在江州新区建第二个工厂，据说能带来几千个岗位|今天入职满三年，公司发了一个保温杯{emo}|"
          "年底了，各种总结汇报做到吐|{company}的客服终于能转人工了|面试了{company}，二面等通知中"),
        L("打工人太难了。|希望明年行情好一点。|看看就好。|已经投了简历。|听说福利还不错。"),
        L("职场|财经|打工人"),
    ),
    "local": (
        L("江州地铁{subway}{metro_event}|{jz_district}新开的菜市场真干净，跟逛超市一样|"
          "江州图书馆周末延长开放到晚上九点了，好评|明天上午{jz_district}部分小区停水，大家提前储水|"
          "江州马拉松明天开跑，今年报名人数创新高|小区楼下的梧桐叶全黄了，江州最好看的季节到了|"
          "{jz_district}的老街改造完了，晚上灯一开特别有味道|江州古城周末有非遗市集，带娃去看了舞龙|"
          "听说滨江公园要修一条新的跑道，期待|市民中心周六也开门，办社保十分钟就搞定了|"
          "{jz_district}那个烂尾了三年的商场终于要复工了"),
        L("家门口的变化越来越大了。|为家乡点赞。|希望越来越好。|周末可以去逛逛。|本地人表示很期待。"),
        L("江州|同城|江州身边事"),
    ),
    "pets": (
        L("我家{pet}又把{thing}咬坏了{emo}|{pet}趴在暖气片上一下午不挪窝|带{pet}去打疫苗，它在医院叫得整层楼都听见了|"
          "今天是捡到这只{pet}的第{nn}天，胖了一圈|{pet}学会了开门，我该怎么办|"
          "早上被{pet}踩醒，原来是饭盆空了|给{pet}买了件毛衣，它嫌弃地躺了一上午"),
        L("主子开心就好。|铲屎官的日常。|又要换新的了。|太会撒娇了。"),
        L("萌宠|猫咪日常|狗狗"),
    ),
    "work": (
        L("周六还要加班的举个手{emo}|老板说周一要看方案，周末泡汤了|昨天开了{n}个会，一件正事没干|"
          "同事离职了，他的活全到我这了|年终总结写了三千字，全是车轱辘话|终于发工资了，还完花呗还剩{nnn}块|"
          "今天在公司楼下遇到老板，假装没看见失败了|远程办公第一天，在家穿着睡衣开了个视频会{emo}"),
        L("打工人打工魂。|明年一定要换工作。|先摸个鱼再说。|咖啡续命。|下班！"),
        L("打工人|职场日常|加班"),
    ),
    "movie": (
        L("刚看完{movie}，{mc}|{movie}票房破{n}亿了，周末去看看|周末追完了一部剧，结局意难平{emo}|"
          "电影院就我一个人，包场的感觉真好|{movie}的配乐太好听了，单曲循环一上午|"
          "朋友推荐的{movie}，看到一半睡着了{emo}"),
        L("推荐大家去看。|豆瓣评分还挺高。|带了一包纸巾全用完了。|建议看IMAX。"),
        L("电影|追剧|影评"),
    ),
    "health": (
        L("流感又来了，办公室倒了一半{emo}|带孩子去医院，儿科排了{n}个小时|体检报告出来了，尿酸又高了|"
          "坚持跑步{nn}天，瘦了{n}斤|入冬以后每天都犯困|今天开始戒奶茶，第一天|"
          "牙疼了三天终于去看牙医了，早知道早点去"),
        L("大家注意身体。|多喝热水不是玩笑。|年纪大了扛不住熬夜了。|健康最重要。"),
        L("健康|养生|打卡"),
    ),
    "tech": (
        L("{phone}系统更新完，耗电快得离谱|换了新手机，数据迁移花了一个小时|"
          "AI写的周报被老板看出来了哈哈哈|家里的路由器又抽风了，重启了三次|"
          "新买的降噪耳机在地铁上终于清静了|{company}出的{product}，用了一周说说感受：还行"),
        L("科技改变生活。|有没有懂行的朋友。|已经提交反馈了。|真香。"),
        L("数码|科技|好物分享"),
    ),
    "family": (
        L("我妈学会了发表情包，现在家族群里全是她的{emo}|孩子今天第一次自己系鞋带|周末回老家，奶奶做了一桌子菜|"
          "老公做饭把锅烧糊了，外卖已点|带娃去{spot}，回来他一路睡到家|家里老人非要给孩子穿三条秋裤"),
        L("幸福就是这么简单。|一家人整整齐齐。|养娃太不容易了。|记录一下。"),
        L("家庭|育儿|日常"),
    ),
    "mood": (
        L("今天也是平平无奇的一天|周六早上睡到自然醒，幸福{emo}|突然很想吃小时候学校门口的烤肠|"
          "一个人的周末，看书喝茶，挺好|去年的今天在干嘛，翻了翻相册|下雨天和被窝最配"),
        L("生活需要一点仪式感。|慢慢来比较快。|晚安。|明天会更好。"),
        L("日常|生活碎片|心情"),
    ),
    # Hard negatives: police-looking characters in harmless senses.
    "hardneg": (
        L("气象台发布寒潮蓝色预警，未来三天{city}气温下降{n}到{nn}℃，出门注意保暖|"
          "重温成龙的《警察故事》，老港片的打戏现在看还是燃{emo}|家里装了烟雾报警器，做饭的时候响了三次{emo}|"
          "手机一直弹窗警告存储空间不足，删了两千张照片|小区保安大叔每天早上都跟我打招呼，今天还帮我拎了快递|"
          "给外卖小哥点了个五星，下雨天还准时送到，还提醒我汤别洒了|公司搞消防演练，警报一响大家排队下楼|"
          "游戏里被队友举报了，系统警告一次{emo}|高速上胎压报警灯亮了，赶紧进了服务区|"
          "今天去看了《警察故事》的修复版，满场都是老影迷|暴雨橙色预警，学校下午的活动取消了"),
        L("记录一下。|今天也是元气满满的一天。|生活小事，分享一下。|哈哈哈哈。"),
        L("日常|生活|随手拍"),
    ),
}

SHORT_WEIGHTS = [("food", 14), ("weather", 7), ("traffic", 8), ("football", 8), ("exam", 7),
                 ("shopping", 9), ("travel", 8), ("company", 5), ("local", 10), ("pets", 5),
                 ("work", 7), ("movie", 4), ("health", 4), ("tech", 4), ("family", 4),
                 ("mood", 4), ("hardneg", 2.5)]


LONG_WEIBO = L(
    "今天早上六点就醒了，睡不着干脆起来去{spot}附近跑了一圈。回来的路上买了{food}，老板还记得我上次多要了一勺辣椒。"
    "周末的早晨就应该这样慢慢过，不赶时间，不看手机，晒晒太阳。{emo}|"
    "说一个暖心的小事：昨天在{mall}排队结账，前面的阿姨东西太多拿不下，收银员小姑娘二话不说找了个箱子帮她装好，"
    "还叮嘱她路上慢点。一件小事，但让人觉得这个城市挺温柔的。|"
    "{city}的朋友们，这周末有什么好玩的推荐吗？想带爸妈出去走走，不要太累，最好有好吃的。上次去{spot}人太多了，"
    "这次想找个清静点的地方。评论区求推荐{emo}|"
    "考研倒计时{nn}天。今天在图书馆坐了十个小时，做完了一套数学真题，错了{n}道大题。回宿舍的路上突然很想哭，"
    "但还是忍住了。再坚持一下吧，希望明年的这个时候，我能笑着回看今天。|"
    "{team_cn}这场球看得我太憋屈了。上半场明明控球占优，就是打不进去，下半场一个反击就被人家打穿。"
    "换人也看不懂，{player}这种状态为什么不早点上？明年再这样踢，季票我是不会续了。|"
    "双十二还没到，购物车已经塞满了。{item}、{item}，还有给我妈看好的{item}，算了算要小两千。"
    "理智告诉我应该删掉一半，情感告诉我冬天需要温暖。最后决定：先睡一觉，明天再说{emo}|"
    "今天带{pet}去宠物医院体检，医生说它胖了{n}斤，要控制饮食。回家以后它眼巴巴地看着我吃饭，"
    "我心软给了一小块鸡胸肉……减肥计划第一天宣告失败。当铲屎官真的太难了{emo}|"
    "来{city}出差的第三天，每天酒店公司两点一线，今天终于抽空出去吃了顿{food}。{fc}，比我想象中好太多。"
    "明天就要回去了，下次一定要专门来玩几天。|"
    "{jz_district}那家开了二十多年的{food}店要关了，老板说房租涨得太厉害撑不下去了。今天特地去吃了最后一次，"
    "店里坐满了老顾客，大家都在跟老板合影。有些味道，真的吃一次少一次。|"
    "周六加班的第{n}周。早上出门的时候天还没亮，地铁里全是和我一样表情麻木的人。领导说年底项目必须上线，没办法。"
    "只希望年终奖能对得起这几个月掉的头发{emo}|"
    "今天{city}降温了，风特别大，出门的时候差点被吹回家。路上看到环卫工人在扫落叶，手都冻红了。"
    "回来的时候给楼下的大爷带了杯热豆浆，他笑得特别开心。天冷了，大家都多穿点。|"
    "刚看完{movie}，出了电影院还在想结局。{mc}，尤其是最后十分钟，整个影厅都很安静，只听得到吸鼻子的声音。"
    "推荐大家去看，记得带纸巾。|"
    "{company}的面试终于结束了，前后五轮，从笔试到终面花了一个多月。今天HR打电话说通过了，薪资比现在高{nn}%。"
    "挂了电话在楼梯间站了好久，这一年的努力总算没白费{emo}|"
    "给我妈买了个{item}，她嘴上说浪费钱，结果今天视频的时候一直在镜头前展示，还说隔壁阿姨也想要链接。"
    "我妈就是这样，嘴硬心软。希望她这个冬天过得暖和一点。|"
    "{road}修了快一年了，今天终于通车了！以前上班要绕一大圈，现在至少能省二十分钟。早上开过去的时候路面特别平，"
    "路两边还种了新树。希望以后少挖几次路吧{emo}|"
    "早上在{subway}上看到一个小朋友给老奶奶让座，奶奶要给他糖，他摆摆手说妈妈说不能要别人的东西。"
    "旁边好几个人都笑了。一大早心情就变好了。|"
    "又到了一年一度体检的时候，拿到报告一看：血脂偏高、颈椎曲度变直、轻度脂肪肝。医生问我平时运动吗，我说每天走路上班，"
    "他看了我一眼说：那不算。从明天开始，每天跑步{n}公里，立帖为证。")


def short_text(topic, platform):
    tpls, extras, tags = SHORT[topic]
    text = fill(pick(tpls))
    if platform == "weibo" and chance(0.2):
        text = fill(pick(LONG_WEIBO))
        if chance(0.4):
            text = end_sentence(text) + "另外，" + fill(pick(SHORT[topic][0]))
        if chance(0.3):
            text = "#" + fill(pick(SHORT[topic][2])) + "# " + text
        return text[:200]
    if platform == "weibo":
        if chance(0.35):
            text = "#" + fill(pick(tags)) + "# " + text
        if chance(0.35):
            # a longer, rambling post: two thoughts on the same topic
            second = fill(pick(tpls))
            if second[:6] != text[:6] and len(text) + len(second) < 190:
                text = end_sentence(text) + second
        text = clamp_len(text, 30, 200, extras, max_add=4)
    elif platform in ("douyin", "kuaishou"):
        if chance(0.25):
            text = clamp_len(text, 40, 80, extras)
        if platform == "kuaishou" and chance(0.3):
            text = pick(L("老铁们，|家人们，|兄弟们，")) + text
        chosen = R.sample(tags, min(len(tags), R.randint(1, 3)))
        text += " " + " ".join("#" + fill(t) for t in chosen)
    else:
        text = clamp_len(text, 20, 160, extras)
    return text


# Weibo repost reasons for everyday posts
EVERYDAY_REPOST = L("哈哈哈哈哈|转发微博|说得太对了|同款|真实|马住|笑死我了|一模一样|这也太可爱了|"
                    "收藏了|我也想去|@了我的饭搭子|学到了|+1|羡慕")


def gen_everyday():
    topics_for = {}
    # Weibo originals and reposts
    weibo_originals = []
    for i in range(EVERYDAY_PER_PLATFORM["weibo"]):
        t = rand_t()
        if weibo_originals and chance(0.12):
            root = pick(weibo_originals)
            if root.t < t - 60:
                a = citizen("weibo")
                reason = pick(EVERYDAY_REPOST) + fill("{emo}")
                text = reason
                if chance(0.4):
                    text = reason + "//@" + root.author.name + ":" + root.text[:R.randint(20, 60)]
                p = mk("weibo", t, a, "everyday", text, viral=0.6)
                p.repost_of = root
                continue
        topic = wpick(SHORT_WEIGHTS)
        if topic in ("food",) and chance(0.15):
            a = SPECIAL["food_wb"]
        elif topic == "football" and chance(0.15):
            a = SPECIAL["sport_wb"]
        elif topic == "weather" and chance(0.2):
            a = SPECIAL["weather_wb"]
        elif topic == "local" and chance(0.2):
            a = pick([SPECIAL["local_wb"], SPECIAL["gov_wb"], SPECIAL["jzdaily_wb"]])
        else:
            a = citizen("weibo")
        p = mk("weibo", t, a, "everyday", fresh(lambda: short_text(topic, "weibo")), viral=R.uniform(0.5, 2.5))
        p.hardneg = topic == "hardneg"
        weibo_originals.append(p)
    for platform in ("douyin", "kuaishou"):
        for i in range(EVERYDAY_PER_PLATFORM[platform]):
            topic = wpick(SHORT_WEIGHTS)
            p = mk(platform, rand_t(), citizen(platform), "everyday", short_text(topic, platform),
                   viral=R.uniform(0.5, 3))
            p.hardneg = topic == "hardneg"
    gen_everyday_tieba(EVERYDAY_PER_PLATFORM["tieba"])
    gen_everyday_zhihu(EVERYDAY_PER_PLATFORM["zhihu"])
    gen_everyday_wechat(EVERYDAY_PER_PLATFORM["wechat"])
    gen_everyday_news(EVERYDAY_PER_PLATFORM["news"])


# ---- Tieba ---------------------------------------------------------------------------

TIEBA_THREADS = {
    "food": ("江州吧|美食吧", L("{city}有什么好吃的{food}店推荐吗|求推荐{jz_district}附近的早餐店|"
                              "{mall}新开的那家{food}有人吃过吗|冬天必吃的{food}，你们那儿怎么做|"
                              "江州哪家{food}最正宗，来辩")),
    "traffic": ("江州吧", L("今天{road}怎么这么堵|{subway}早高峰有多挤，吧友们说说|"
                            "{road}修了一年了什么时候能修完|江州哪里停车方便")),
    "football": ("中超吧|足球吧", L("{team_cn}这赛季还有救吗|赛后讨论：{team_cn}{score}{team_cn}|"
                                 "{player}到底值不值这个身价|今晚的{team_eu}有人看吗")),
    "exam": ("考研吧|四六级吧|公务员吧", L("考研的兄弟们进来互相打气|还有{nn}天，政治现在开始来得及吗|"
                                    "行测做不完怎么办，求方法|模考{exam_score}分，还有希望吗")),
    "shopping": ("数码吧|购物吧", L("求推荐{item}，预算{nnn}以内|双十二有什么值得买的|"
                                 "{item}买哪个牌子好|快递好几天不动了正常吗")),
    "travel": ("旅游吧|江州吧", L("来江州旅游住哪里方便|{spot}现在去人多吗|"
                               "周末两天去哪玩比较好|{city}三日游攻略求指点")),
    "pets": ("猫吧|狗吧", L("{pet}不吃东西怎么办|新手养{pet}要准备什么|"
                          "晒晒我家的{pet}|{pet}半夜跑酷怎么破")),
    "local": ("江州吧", L("{jz_district}的房子现在什么价|江州马拉松有人参加吗|"
                        "江州的冬天到底冷不冷|{jz_district}那个新开的菜市场怎么样")),
    "work": ("江州吧|职场吧", L("江州的工资水平到底怎么样|{company}待遇如何，有内部的吗|"
                             "周末加班有没有加班费|三十岁转行还来得及吗")),
}
TIEBA_REPLY = L("顶|同问|楼主说得对|mark一下|路过|我也是|哈哈哈哈|前排|帮顶|楼上正解|"
                "这个我知道，去年就这样了|坐等大神|+1|说得好|别信，都是广告|"
                "私信你了|楼主后来怎么样了|我去过，还行吧|不推荐，一般|有同感")


def tieba_first_floor(topic):
    tpls, extras, _ = SHORT.get(topic, SHORT["mood"])
    text = fill(pick(tpls))
    if chance(0.5):
        second = fill(pick(tpls))
        if second[:6] != text[:6]:
            text = end_sentence(text) + second
    if chance(0.3):
        text = pick(L("如题。|求助各位吧友：|有没有懂的吧友，|小白提问，")) + text
    return clamp_len(text, R.randint(20, 160), 260, extras, max_add=3)


def gen_everyday_tieba(total):
    made = 0
    while made < total:
        topic = pick(list(TIEBA_THREADS))
        forums, titles = TIEBA_THREADS[topic]
        thread = {"forum": pick(forums.split("|")), "title": fill(pick(titles)), "tid": None}
        t = rand_t(0, SPAN - 1800)
        floors = min(total - made, R.choice([1, 1, 2, 2, 3, 3, 4, 5]))
        for k in range(floors):
            if k == 0:
                text = tieba_first_floor(topic)
            else:
                text = fill(pick(TIEBA_REPLY))
                if chance(0.4):
                    text += "，" + fill(pick(SHORT[topic][1] if topic in SHORT else SHORT["mood"][1]))
            p = mk("tieba", t, citizen("tieba"), "everyday", text, title=thread["title"])
            p.thread = thread
            t += R.randint(60, 1500)
            made += 1


# ---- Zhihu ---------------------------------------------------------------------------

ZHIHU_Q = {
    "exam": (L("考研最后一个月应该怎么复习？|国考行测总是做不完怎么办？|二战考研值得吗？|"
               "四六级裸考能过吗？"),
             L("最后一个月不要再开新书了，把真题吃透比什么都强。|政治选择题每天做一套，大题等押题卷出来再背。|"
               "心态比知识更重要，很多人不是不会，是慌了。|作息一定要调整到和考试时间一致，上午考什么上午就练什么。|"
               "行测做不完很正常，关键是学会放弃，资料分析一定要保。|错题本不要抄题，只写错因。|"
               "我当年二战，第一年差三分，第二年多考了四十分，主要是专业课方法变了。|"
               "英语作文不要死背模板，阅卷老师一眼就能看出来。|每天留出半小时散步，脑子会清醒很多。|"
               "不要在群里看别人的进度，越看越焦虑。")),
    "food": (L("冬天有什么好吃又不容易胖的东西？|{city}有哪些本地人才知道的美食？|"
               "冬天吃什么最舒服？"),
             L("冬天推荐炖汤，萝卜牛腩、山药排骨，热量不高还顶饱。|烤红薯其实是很好的主食替代，就是别吃太多。|"
               "本地人常去的店一般不在商场里，而是在老小区门口。|外卖贵，一部分是平台抽成，一部分是配送成本。|"
               "自己做饭其实不难，周末备好菜，工作日二十分钟就能吃上。|{food}这种东西，越是苍蝇馆子越好吃。|"
               "热量高低主要看做法，同样的鸡肉，炸和蒸差了好几倍。|老城区那几条街，随便进一家都不会太差。")),
    "travel": (L("{city}有哪些值得一去的小众景点？|冬天适合去哪里旅行？|一个人旅行是什么体验？"),
               L("冬天去南方看海，人少价格低，体验反而比旺季好。|小众景点的缺点是交通不便，最好自驾。|"
                 "一个人旅行最大的好处是自由，想在哪里停就在哪里停。|住宿尽量选在地铁站附近，省下的时间比差价值钱。|"
                 "{spot}建议早上八点前到，能避开大部分旅行团。|当地的博物馆一般都免费，而且质量很高。|"
                 "去之前查好闭馆日，我就踩过坑。|别把行程排太满，旅行不是打卡。")),
    "football": (L("如何评价{team_cn}本赛季的表现？|{team_cn}这个赛季的问题到底出在哪里？"),
                 L("本赛季最大的问题是中场创造力不足，前锋吃不到球。|青训出来的年轻人不够多，这是长期问题。|"
                   "主教练的战术其实没问题，是执行层面差了一截。|外援的质量决定了球队的上限。|"
                   "从数据看，球队的控球率不低，但射正次数排在联赛后几位。|年轻球员需要比赛时间，光训练是没用的。|"
                   "客场的战绩拖了后腿，主场其实还可以。")),
    "work": (L("三十岁以后还能转行吗？|{company}的工作体验怎么样？|为什么现在年轻人不愿意加班了？"),
             L("能不能转行，取决于你有没有可迁移的能力，而不是年龄。|利益相关，在这家公司待过两年，整体评价中上。|"
               "加班本身不是问题，没有意义的加班才是。|年终奖和绩效挂钩，部门之间差别很大。|"
               "转行之前先用业余时间试一试，别裸辞。|大公司的好处是流程规范，坏处也是流程规范。|"
               "薪资不是唯一标准，团队氛围和成长空间同样重要。|我身边转行成功的人，都是提前准备了一两年的。")),
    "tech": (L("现在买手机还有必要追新吗？|家用路由器怎么选？|AI工具真的能提高工作效率吗？"),
             L("三年前的旗舰机现在用起来依然流畅，没必要每年换。|路由器放在房子中间，比买贵的管用。|"
               "AI适合写初稿和整理资料，最后还是要自己把关。|电池健康度低于八十可以考虑换电池，而不是换手机。|"
               "Mesh组网适合大户型，小户型一台就够了。|我用AI整理会议纪要，一周能省下两三个小时。")),
    "health": (L("入冬以后总是犯困是怎么回事？|每天跑步五公里对身体有什么影响？"),
               L("冬天日照少，人容易犯困，多晒太阳会好一些。|跑步最重要的是循序渐进，膝盖不好的人先练力量。|"
                 "睡眠质量比睡眠时间更重要。|体检指标异常先别慌，复查一次再说。|"
                 "坚持三个月，最明显的变化是精神状态。|饮食不控制，光靠跑步很难瘦下来。")),
    "local": (L("在江州生活是一种什么样的体验？|江州这几年变化大吗？"),
              L("江州的节奏比一线城市慢，但该有的都有。|这几年地铁修了好几条，出行方便多了。|"
                "房价相对收入来说还算可以接受。|最大的缺点是冬天湿冷，没有暖气。|"
                "老城区的烟火气是新区比不了的。|工作机会不如省会多，但生活成本低很多。|"
                "周末去江边走走，人不多，很舒服。")),
}
ZHIHU_OPEN = L("谢邀。|利益相关：在江州生活了十年。|说点实在的。|作为过来人说几句。|先说结论：|"
               "匿了。|正好有点经验，简单说说。||||")
ZHIHU_CLOSE = L("以上，纯属个人经验。|希望对你有帮助。|就这么多，想到再补充。|共勉。||||")


def zhihu_answer(sentences, lo, hi, ordered=True):
    parts = [fill(pick(ZHIHU_OPEN))]
    k = R.randint(3, 9)
    body = ordered_subset(sentences, k) if ordered else R.sample(sentences, min(k, len(sentences)))
    text = parts[0]
    for s in body:
        s = fill(s)
        if len(text) + len(s) > hi:
            break
        text += ("\n" if chance(0.4) and text else "") + s
    text += fill(pick(ZHIHU_CLOSE))
    return text.strip()


def new_question(title, existing_ids=set()):
    while True:
        qid = R.randint(600000000, 720000000)
        if qid not in existing_ids:
            existing_ids.add(qid)
            return {"id": qid, "title": title}


def gen_everyday_zhihu(total):
    made = 0
    while made < total:
        topic = pick(list(ZHIHU_Q))
        titles, sentences = ZHIHU_Q[topic]
        q = new_question(fill(pick(titles)))
        n = min(total - made, R.choice([1, 1, 2, 2, 3, 4]))
        for _ in range(n):
            p = mk("zhihu", rand_t(), citizen("zhihu"), "everyday", zhihu_answer(sentences, 60, 600),
                   viral=R.uniform(0.5, 3))
            p.question = q
            made += 1


# ---- WeChat --------------------------------------------------------------------------

WECHAT_TOPICS = {
    "food": ("food_wx", L("江州这{n}家{food}店，本地人私藏了十几年|降温了！这{n}碗热汤，承包你的整个冬天|"
                          "周末去哪吃？{jz_district}新开的这条美食街，值得专程跑一趟"),
             L("入冬以后，江州人的胃就开始想念那一口热乎的。|今天小编走访了{jz_district}的几条老街，帮大家找到了几家宝藏小店。|"
               "第一家店藏在老小区的巷子里，招牌已经褪色，但每天早上门口都排着长队。|老板姓{surname}，在这里做了二十多年{food}，"
               "每天凌晨四点就开始熬汤。|汤底用的是筒骨和老母鸡，小火慢炖六个小时，喝一口整个人都暖了。|"
               "人均{price}元左右，分量很足，一个人基本吃不完。|第二家是一对年轻夫妻开的，主打改良版的{food}，口味偏清淡，"
               "很适合不太能吃辣的朋友。|店面不大，只有六张桌子，高峰期建议错开饭点。|"
               "第三家是很多老江州人的童年回忆，店里的陈设几十年没怎么变过。|除了招牌菜，他家的小菜也很有特色，酸甜开胃。|"
               "小编吃完最大的感受是：真正的好味道，往往不需要太多包装。|温馨提示：以上店铺营业时间可能调整，去之前最好先打电话问一下。|"
               "你心中江州最好吃的{food}是哪一家？欢迎在评论区告诉我们。")),
    "health": ("health_wx", L("入冬后这{n}个习惯一定要改，很多人天天在做|天冷了，血压容易波动，这份提醒请转给爸妈|"
                              "流感高发季，医生提醒：这几类人要格外注意"),
               L("随着气温下降，各地医院呼吸科、心内科的门诊量明显上升。|医生提醒，冬季昼夜温差大，很多老习惯其实暗藏健康风险。|"
                 "第一，早上起床不要太猛。醒来后先在床上躺一两分钟，再慢慢坐起来。|第二，洗澡水温不宜过高，时间控制在十五分钟以内。|"
                 "第三，不要因为天冷就不开窗。每天至少通风两次，每次半小时左右。|第四，饮食上少吃腌制食品，控制盐的摄入。|"
                 "第五，运动可以坚持，但最好等太阳出来以后再出门。|老年人、孕妇、儿童和有基础疾病的人群，是流感的重点防护对象。|"
                 "出现高热、咳嗽、乏力等症状时，应及时就医，不要自行服用抗生素。|接种流感疫苗仍然是预防流感最经济有效的手段。|"
                 "保证充足睡眠，适当增加蛋白质摄入，也有助于提高免疫力。|把这篇文章转给你关心的人吧。")),
    "finance": ("fin_wx", L("12月起，这些新规将影响你的钱包|年底理财怎么配？这几点要想清楚|"
                            "{company}三季报出炉，这些数据值得关注"),
                L("又到了一年的年底，很多朋友开始盘算手里的钱该怎么安排。|先说结论：不要把所有鸡蛋放在一个篮子里。|"
                  "从三季度的数据看，消费市场整体回暖，但分化依然明显。|{company}本季度营收同比增长{nn}%，净利润增速略低于市场预期。|"
                  "管理层在业绩会上表示，明年将继续加大研发投入。|对于普通家庭来说，应急资金最好保留三到六个月的生活开支。|"
                  "存款利率下行的背景下，不少人把目光转向了理财产品，但一定要看清风险等级。|"
                  "年底是各类营销活动的高峰期，面对高收益的宣传要多留个心眼。|定投适合没有时间研究市场的上班族，关键在于坚持。|"
                  "以上内容不构成投资建议，市场有风险，投资需谨慎。")),
    "travel": ("travel_wx", L("冬天的{spot}，美得不像话|周末两天怎么玩？这条江州周边路线请收好|"
                              "人少景美！{n}个冬季小众目的地推荐"),
               L("很多人觉得冬天不适合出门，其实冬天恰恰是旅行的好季节。|游客少了，酒店便宜了，风景反而多了几分安静。|"
                 "第一站推荐{spot}，清晨的薄雾里，整个景区像一幅水墨画。|从江州出发，高铁两个小时左右就能到。|"
                 "景区门票冬季有优惠，学生和六十岁以上老人还能半价。|附近的小镇保留了很多老建筑，随便走走就很出片。|"
                 "晚上可以住在镇上的民宿，老板会推荐当地人常去的小馆子。|第二天早起看日出，记得带上厚外套和热水。|"
                 "回程前别忘了带点当地特产，{homefood}是很多游客的首选。|出行前请关注天气预报，注意防寒保暖。|"
                 "你最想去哪里？留言告诉我们。")),
    "edu": ("edu_wx", L("期末复习怎么安排？这份时间表给家长参考|孩子总是磨蹭？试试这{n}个方法|"
                        "江州中小学寒假时间公布了吗？最新消息来了"),
            L("临近期末，不少家长开始为孩子的复习发愁。|其实，比起延长学习时间，更重要的是提高效率。|"
              "建议把每天的复习任务拆成小块，每完成一块就打个勾，孩子会更有成就感。|"
              "错题是最好的复习材料，把这学期的错题本拿出来重新做一遍。|保证睡眠，小学生每天不少于十个小时。|"
              "家长不要一味盯着分数，更要关注孩子的情绪。|对于磨蹭的问题，可以试试番茄钟，二十五分钟专注，五分钟休息。|"
              "周末可以安排一些户外活动，劳逸结合效果更好。|关于寒假时间，目前教育部门还没有正式发布，请以官方通知为准。|"
              "欢迎家长们在评论区分享自家的经验。")),
    "read": ("read_wx", L("读完这本书，我终于学会了和自己相处|冬夜读书：那些温暖过我的句子|"
                          "三十岁以后，我开始重读小时候的书"),
             L("有人说，读书是门槛最低的高贵。|这个冬天，我重新翻开了一本很多年前读过的书。|"
               "那时候只觉得故事好看，现在才读懂了字里行间的无奈和温柔。|成年人的生活，很多时候像在赶路，很少停下来看看风景。|"
               "书里有一句话让我印象很深：日子是过给自己的，不是过给别人看的。|读书不一定能改变命运，但能让你在低谷时不那么孤单。|"
               "每天睡前读二十分钟，一年下来也能读完十几本书。|不必追求读得多，读进去才是最重要的。|"
               "愿你在这个冬天，也能找到一本温暖你的书。|你最近在读什么书？欢迎留言分享。")),
    "local": ("life_wx", L("好消息！江州地铁新线路有进展了|这个周末，江州有{n}场活动等你来|"
                           "{jz_district}这条老街改造完成，晚上美翻了"),
              L("最近，江州又有好消息传来。|据了解，地铁{subway}延伸段已完成主体结构施工，预计明年年中开通试运营。|"
                "开通后，{jz_district}到市中心的通勤时间将缩短二十分钟左右。|本周末，江州古城将举办非遗文化市集，现场有剪纸、糖画、舞龙表演。|"
                "滨江公园的灯光秀也将于每晚六点半准时开启，持续到十点。|{jz_district}的老街改造历时一年，保留了原有的青石板路和骑楼。|"
                "改造后的老街引入了一批特色小店和咖啡馆，吸引了不少年轻人前来打卡。|周边停车位有限，建议大家乘坐公共交通出行。|"
                "江州马拉松也将在明天开跑，部分路段届时会有临时调整，请留意相关通知。|"
                "城市在变，烟火气不变，这就是我们熟悉的江州。|你最期待江州哪方面的变化？评论区聊聊吧。")),
    "tech": ("tech_wx", L("手机越用越卡？这{n}个设置一定要关掉|降噪耳机怎么选？看完这篇不踩坑|"
                          "AI工具实测：哪些真的能帮你省时间"),
             L("很多人的手机用了一两年就开始变卡，其实不一定是硬件的问题。|第一个要检查的是后台自启动，很多应用会偷偷在后台运行。|"
               "第二，定期清理缓存，尤其是聊天软件，动辄占用几十个G。|第三，关闭不必要的动画效果，体感流畅度会提升不少。|"
               "降噪耳机的选择，关键看佩戴舒适度和降噪深度。|通勤族建议选择续航更长的型号，至少要能撑一整天。|"
               "AI工具在整理资料、写初稿方面确实能节省时间，但内容还需要自己核对。|"
               "我们实测了几款常用工具，写周报的时间从一小时缩短到了二十分钟。|你还有什么想了解的数码问题？留言告诉我们。")),
    "sport": ("sport_wx", L("复盘{team_cn}的这个赛季：问题出在哪里|{player}的这个进球，到底有多难"),
              L("本赛季已经接近尾声，是时候做一个复盘了。|从积分榜来看，球队的成绩基本符合赛季初的预期。|"
                "但细看比赛过程，问题也很明显：中场的推进效率偏低。|数据显示，球队场均射门十二次，射正只有三点五次。|"
                "防守端，定位球丢球占了失球总数的四成。|年轻球员得到了更多出场机会，这是一个积极的信号。|"
                "冬窗转会期即将开启，引援方向应该是中场组织者。|{player}的那个进球，从启动到射门只用了不到四秒。|"
                "球迷们的热情依然是这支球队最大的财富。|下赛季，我们拭目以待。")),
}


WECHAT_MORE = {
    "food": L("说起江州的冬天，很多人的第一反应是湿冷，而对付湿冷最好的办法，就是一碗热气腾腾的{food}。|"
              "这家店没有菜单，墙上挂着几块小木牌，写着当天能做的几样菜，卖完就收摊。|"
              "我们到的时候是早上七点半，店里已经坐满了，不少是附近上早班的工人和晨练回来的老人。|"
              "老板说，店里的辣椒是自己炒的，每年秋天都要炒上几百斤，一直用到第二年开春。|"
              "邻桌的大爷告诉我们，他在这里吃了十几年，搬家以后每周还专门坐公交回来吃一次。|"
              "如果你是第一次来，建议点招牌的{food}，再加一份小菜，两个人吃刚刚好。|"
              "这家店的装修谈不上讲究，但桌椅擦得很干净，后厨也是开放的，看得见。|"
              "年轻的店主是本地人，从外地辞职回来接手了父母的店，还给老店开通了外卖。|"
              "他们家的{food}偏咸鲜口，配一碗白米饭能吃得干干净净。|"
              "每到周末，店门口总有人拿着手机排队，其中不少是看了网上推荐专程赶来的外地游客。|"
              "不过老顾客们也有担心：人多了以后，味道会不会变？老板的回答是，配方一点都不会改。|"
              "除了正餐，店里下午还卖自制的糕点，米糕和红糖糍粑都是现做的。"),
    "health": L("很多人有这样的体会：天一冷，就不想动，吃得多，睡得也多，体重悄悄往上涨。|"
                "医生介绍，冬季人体为了维持体温，新陈代谢会有一些变化，但这并不意味着可以放开吃。|"
                "有高血压的中老年人，冬天要坚持每天测量血压并做好记录，复诊时带给医生看。|"
                "手脚冰凉的人，可以在睡前用温水泡脚，水温四十度左右，时间不要超过二十分钟。|"
                "室内使用取暖器时，要注意和窗帘、被褥等易燃物保持距离，人离开时随手关闭。|"
                "不少人喜欢冬天喝点酒暖身子，其实饮酒后血管扩张，身体散热更快，反而更容易着凉。|"
                "皮肤干燥瘙痒也是冬季的常见问题，洗澡后及时涂抹保湿霜，可以明显缓解。|"
                "对孩子来说，冬季的重点是防止呼吸道感染，勤洗手、少去人多密闭的场所。|"
                "饮食上可以多吃一些萝卜、白菜、山药等应季蔬菜，既便宜又有营养。|"
                "运动方面推荐快走、太极、八段锦等强度适中的项目，每次三十分钟左右就够了。|"
                "一些慢性病患者到了冬天容易自行减药停药，这是非常危险的做法。|"
                "如果出现胸闷、胸痛、头晕等不适，一定不要硬扛，及时就医。"),
    "finance": L("先来看几条和普通人关系比较大的新变化。|"
                 "一是部分银行下调了大额存单的利率，到期续存前最好先比较一下不同银行的报价。|"
                 "二是年底信用卡账单集中，分期手续费折算成年化利率其实并不低，要算清楚再决定。|"
                 "三是个人所得税专项附加扣除的确认工作即将开始，记得在手机上核对自己的信息。|"
                 "从家庭资产配置的角度看，流动性、安全性和收益性三者很难兼顾，需要根据自身情况取舍。|"
                 "年轻人收入增长空间大，可以适当承担一些波动；临近退休的家庭则应以稳为主。|"
                 "保险的配置顺序通常是先大人后孩子，先保障后理财。|"
                 "很多人喜欢追热点，但等消息传到普通投资者耳朵里的时候，往往已经不是机会了。|"
                 "{company}在三季度的表现，某种程度上反映了行业整体的景气度变化。|"
                 "分析人士认为，明年上半年消费和制造业投资仍有望保持温和增长。|"
                 "对于手里有房贷的家庭，可以关注一下提前还款和利率调整的相关政策。|"
                 "最后提醒一句，任何承诺“稳赚不赔”的产品，都要打一个大大的问号。"),
    "travel": L("我们这次是周五下班后出发的，晚上九点多到达，入住的是古镇边上的一家民宿。|"
                "民宿的院子里种着一棵老桂花树，老板说每年秋天满院子都是香的。|"
                "第二天一早，我们沿着溪边的石板路往山里走，一路上几乎没有遇到其他游客。|"
                "半山腰有一座小茶馆，花十块钱就能喝上一壶本地的高山茶，坐在窗边看云。|"
                "中午在镇上吃了当地有名的土菜馆，腊肉炒笋和豆腐丸子都很地道。|"
                "下午去了附近的老街，很多房子都有上百年的历史，木门上的雕花还清晰可见。|"
                "如果时间充裕，可以多住一晚，傍晚在河边散步，夜里还能看到满天星星。|"
                "这里冬天的气温比江州低三四度，早晚一定要穿厚一点。|"
                "景区内有摆渡车，但班次不多，建议提前在游客中心问好时间。|"
                "自驾的朋友要注意，进山的路比较窄，弯道多，尽量白天行驶。|"
                "整趟行程下来，两个人花费一千五百元左右，性价比很高。|"
                "比起那些人挤人的热门景点，这样安静的小地方更适合放空自己。"),
    "edu": L("很多家长问，孩子复习的时候总是坐不住，怎么办？|"
             "其实，小学生的专注时间本来就有限，一二年级大概只有十五到二十分钟。|"
             "与其要求孩子一口气学一个小时，不如把时间切成几段，中间让他起来活动一下。|"
             "复习的内容也要有重点，数学以计算和应用题为主，语文重点看生字词和课内阅读。|"
             "英语可以每天听十分钟课文录音，培养语感比死记硬背效果好。|"
             "有老师建议，可以让孩子当“小老师”，把学过的知识讲给家长听。|"
             "讲得出来，说明真的懂了；讲不出来的地方，就是需要再巩固的内容。|"
             "考试前一晚不要再做新题，早点睡觉，保证第二天有好的精神状态。|"
             "成绩出来以后，无论好坏，先肯定孩子的努力，再一起分析错在哪里。|"
             "有的家长一看到分数就发火，孩子下次就不敢把试卷拿回家了。|"
             "对于初中生，期末复习要学会自己制定计划，家长更多是提醒和陪伴。|"
             "寒假是查漏补缺的好时机，但也别把假期排得满满当当，留一些时间给孩子自己安排。"),
    "read": L("这本书我第一次读是在大学的图书馆里，那时候只记住了几个情节。|"
              "十年过去，换了几份工作，搬了几次家，再翻开它，感受完全不同。|"
              "书里的主人公一辈子都在和命运较劲，却始终没有失去对生活的热爱。|"
              "他并不是什么英雄，只是一个普通人，会犹豫，会软弱，也会在深夜里偷偷哭泣。|"
              "可正是这样的普通，让人觉得亲近，仿佛在读自己的故事。|"
              "有段时间我特别焦虑，睡不着的时候就翻几页，慢慢地心就静下来了。|"
              "我们总以为要等到某个时刻，生活才会真正开始，其实它一直都在进行中。|"
              "读书的意义，大概就是让我们在别人的故事里，看见自己的影子。|"
              "冬天的夜很长，适合泡一杯茶，开一盏灯，安安静静地读完一本书。|"
              "如果你最近也觉得累，不妨给自己一点时间，读几页喜欢的书。|"
              "书不会告诉你答案，但会陪你一起寻找答案。|"
              "最后分享书里的一句话：那些看起来毫无意义的日子，最后都会连成一条路。"),
    "local": L("这条老街始建于清末，曾经是江州最热闹的商业街之一，后来随着城市发展慢慢冷清下来。|"
               "改造过程中，施工方请来老工匠，按照原样修复了门窗和屋檐上的装饰。|"
               "街上的老字号也陆续回来了，有卖糕点的，有修钟表的，还有开了六十多年的理发店。|"
               "晚上七点以后，沿街的灯笼亮起来，很多市民带着孩子来散步拍照。|"
               "不少老住户说，改造后的老街既有过去的味道，又比以前干净整洁多了。|"
               "非遗市集上，剪纸艺人现场创作，一张红纸几分钟就变成了活灵活现的生肖图案。|"
               "糖画摊前排起了长队，孩子们转动转盘，等着看自己会转到哪一个图案。|"
               "市集每个周末都会举办，一直持续到春节前。|"
               "地铁延伸段开通以后，从{jz_district}到火车站只需要半个小时左右。|"
               "沿线的几个小区居民说，终于不用每天早上挤公交了。|"
               "相关部门表示，还将在新站点周边配套建设公共自行车停放点。|"
               "城市更新不是推倒重来，而是让老地方焕发新的生命力。"),
    "tech": L("先说手机。很多人不知道，系统里有不少默认打开的功能其实用处不大，却一直在消耗资源。|"
              "比如定位服务，可以改成仅在使用应用期间允许，既省电也保护隐私。|"
              "再比如自动下载更新，可以设置成只在连接无线网络时进行。|"
              "相册里的大量重复照片和截图，也是占用空间的大户，定期清理一下会轻松很多。|"
              "如果手机已经用了三年以上，电池老化是变慢的一个重要原因，换一块新电池往往立竿见影。|"
              "再说降噪耳机。入耳式降噪效果更好，但长时间佩戴容易耳朵疼。|"
              "头戴式舒适度高，但冬天戴着暖和，夏天就有点闷了。|"
              "价格方面，三四百元的产品已经能满足日常通勤的需要。|"
              "购买之前最好去线下门店试戴一下，每个人的耳朵形状不一样，感受差别很大。|"
              "至于AI工具，我们建议从最简单的场景开始，比如整理会议记录和润色邮件。|"
              "需要注意的是，涉及工作机密和个人隐私的内容，不要随便上传到在线工具里。|"
              "工具只是工具，真正决定效率的，还是我们自己的工作方法。"),
    "sport": L("回顾整个赛季，球队经历了开局不顺、中段连胜和收官阶段的起伏。|"
               "主教练在赛季中期调整了阵型，由四后卫改为三中卫，防守稳定性明显提升。|"
               "但这也带来了新的问题，两个边路的进攻宽度不够，经常被对手压缩空间。|"
               "外援的表现总体合格，其中前锋贡献了全队将近一半的进球。|"
               "本土球员里，几名年轻人的成长令人惊喜，有人已经进入了国家队的视野。|"
               "门将全赛季完成了多次关键扑救，是球队能够保住排名的重要功臣。|"
               "伤病是困扰球队的另一个问题，赛季中段一度有五名主力同时缺阵。|"
               "主场的上座率比去年提高了不少，球迷的支持让球队在主场很少输球。|"
               "冬歇期间，俱乐部需要在引援和续约之间做出平衡。|"
               "有消息称，俱乐部已经和几名目标球员进行了初步接触。|"
               "新赛季的目标，至少应该是稳定在积分榜的前半区。|"
               "足球是圆的，一切皆有可能，这也是我们热爱它的原因。"),
}
WX_TAIL = L("\n—END—\n编辑：{surname}{given}  审核：{surname}{given}|"
            "\n点击“在看”，让更多人看到|\n本文部分图片来源于网络，如有侵权请联系删除。|"
            "\n（本文由{surname}{given}综合整理）\n喜欢就点个赞吧|"
            "\n往期推荐：\n江州这家老店，撑起了一条街的早餐\n降温提醒：明起全市大风降温|"
            "\n—END—\n来源：{wx_src}  编辑：{surname}{given}||")
SLOTS["given"] = GIVEN
SLOTS["wx_src"] = L("江州日报|江州发布|综合网络|江州晚报|健康时报")


def wechat_article(paragraph_pool, lo, hi):
    sentences = list(paragraph_pool)
    first, last = sentences[0], sentences[-1]
    drop = R.randint(0, 4) if len(sentences) > 16 else 0
    middle = ordered_subset(sentences[1:-1], len(sentences) - 2 - drop)
    text = fill(first)
    target = R.randint(lo, hi)
    para = []
    for s in middle:
        para.append(fill(s))
        if len(para) >= R.randint(1, 3):
            text += "\n" + "".join(para)
            para = []
        if len(text) >= target:
            break
    if para:
        text += "\n" + "".join(para)
    text += "\n" + fill(last) + fill(pick(WX_TAIL))
    return text


def gen_everyday_wechat(total):
    keys = list(WECHAT_TOPICS)
    for i in range(total):
        topic = pick(keys)
        acc_key, titles, pool = WECHAT_TOPICS[topic]
        pool = pool[:-1] + WECHAT_MORE[topic] + pool[-1:]
        a = SPECIAL[acc_key] if chance(0.8) else pick(POOLS["wechat"])
        text = wechat_article(pool, 300, 1450)
        if chance(0.3):
            other = pick([k for k in keys if k != topic])
            _, other_titles, other_pool = WECHAT_TOPICS[other]
            more = ordered_subset(other_pool[1:-1] + WECHAT_MORE[other], R.randint(6, 14))
            text += "\n延伸阅读｜" + fill(pick(other_titles)) + "\n" + "".join(fill(x) for x in more)
        mk("wechat", rand_t(), a, "everyday", text, title=fill(pick(titles)), viral=R.uniform(0.5, 2))


# ---- News ----------------------------------------------------------------------------

NEWS_TOPICS = {
    "metro": (L("江州地铁{subway}延伸段主体结构完工 预计明年通车|江州新增{n}条公交线路 方便市民出行|"
                "江州大桥维修加固工程启动 部分车道临时封闭"),
              L("记者从江州市交通运输部门获悉，|据介绍，|目前，|据了解，|项目负责人表示，|市民{surname}先生说，"),
              L("该工程全长{n}.{n}公里，共设车站{n}座。|工程建成后将有效缓解{jz_district}与市中心之间的交通压力。|"
                "施工期间，相关部门将加强现场管理，尽量减少对周边居民的影响。|新开通的线路覆盖了{jz_district}的多个大型社区。|"
                "首末班时间分别为早上六点和晚上十点半。|部分车道封闭期间，建议市民绕行{road}。|"
                "全市公共交通日均客运量已经突破{nnn}万人次。|下一步，将继续优化线网布局，提升出行体验。")),
    "economy": (L("{company}三季度营收同比增长{nn}% 研发投入创新高|江州前三季度GDP同比增长{n}.{n}%|"
                  "江州新区再添重大项目 总投资超{nn}亿元"),
                L("记者了解到，|数据显示，|据公司公告，|业内人士分析认为，|市统计局相关负责人表示，"),
                L("{company}前三季度实现营业收入{nnn}亿元，同比增长{nn}%。|其中，海外业务收入占比提升至三成左右。|"
                  "消费品零售总额保持平稳增长，餐饮、文旅等服务消费表现亮眼。|新项目落地后预计可实现年产值{nn}亿元。|"
                  "项目将带动上下游产业链协同发展，新增就业岗位两千余个。|当前经济运行总体平稳，但仍面临一定压力。|"
                  "公司表示，将继续聚焦主业，加大新产品研发力度。|江州新区今年以来累计签约项目{nn}个。")),
    "sport": (L("中超第{nn}轮：{team_cn}主场{score}战胜对手|江州马拉松明日开跑 三万名跑者参赛|"
                "江州市青少年足球联赛落幕 {n}支队伍参赛"),
              L("记者从赛事组委会获悉，|赛后，|据介绍，"),
              L("比赛第{nn}分钟，主队率先打破僵局。|下半场客队加强进攻，但始终未能扳平比分。|"
                "主教练在赛后发布会上表示，球队的表现值得肯定。|本届马拉松设全程、半程和健康跑三个项目。|"
                "组委会在沿线设置了{nn}个补给站和医疗点。|赛事期间，部分路段将实施临时调整，请市民提前规划出行。|"
                "青少年联赛吸引了全市{nn}所中小学参加。|本赛季联赛还剩最后两轮。")),
    "weather": (L("寒潮来袭！江州未来三天气温将下降{n}到{nn}℃|江州迎来入冬以来首场降雪"),
                L("记者从江州市气象台获悉，|据预报，|气象专家提醒，"),
                L("受强冷空气影响，本周末起江州将出现明显降温降雨天气。|最低气温将降至零下{n}℃左右。|"
                  "市气象台已发布寒潮蓝色预警信号。|请市民注意防寒保暖，做好农业设施和户外设备的防冻措施。|"
                  "山区部分路段可能出现道路结冰，驾车出行请减速慢行。|降温过程将持续到下周二前后。")),
    "culture": (L("江州古城非遗市集开幕 剪纸糖画吸引市民|江州图书馆延长周末开放时间|"
                  "江州博物馆冬季特展开幕 展出文物{nnn}余件"),
                L("记者现场看到，|据主办方介绍，|市民{surname}女士说，"),
                L("市集共设摊位{nn}个，集中展示了本地的非遗技艺和特色美食。|不少家长带着孩子前来体验。|"
                  "从本周起，图书馆周六、周日的闭馆时间由下午五点延长至晚上九点。|"
                  "特展分为四个单元，系统展示了江州两千多年的城市发展历程。|展览将持续到明年三月，市民可免费预约参观。|"
                  "活动期间，主办方还安排了多场讲座和互动体验。")),
    "edu": (L("2027年考研将于下月开考 江州考点考生约{n}万人|江州新增{nn}所公办幼儿园"),
            L("记者从江州市教育考试院获悉，|据了解，|相关负责人介绍，"),
            L("今年江州考区共设考点{nn}个，考场一千余个。|考生可于考前十天登录网站下载打印准考证。|"
              "考试院提醒考生提前熟悉考点位置，合理安排出行时间。|新增的幼儿园将提供学位三千余个。|"
              "部分幼儿园将于明年秋季学期开始招生。|教育部门将持续推进学前教育普惠发展。")),
}


NEWS_MORE = {
    "metro": L("据悉，该项目自开工以来，建设单位克服了地质条件复杂、周边管线密集等困难，确保了工程进度。|"
               "沿线多个站点将与现有公交线路实现无缝衔接，市民换乘更加方便。|"
               "在施工过程中，项目部采取了降噪、抑尘等措施，夜间禁止高噪声作业。|"
               "不少沿线居民表示，盼了好几年，终于看到了通车的希望。|"
               "下一步，相关部门还将同步推进站点周边道路改造和非机动车停放点建设。|"
               "按照计划，轨道交通线网规划中的其余线路也将陆续开工建设。"),
    "economy": L("从行业层面看，新能源、电子信息和生物医药成为拉动增长的主要力量。|"
                 "规模以上工业增加值同比增长，高技术制造业占比进一步提升。|"
                 "企业负责人表示，今年订单总体饱满，部分生产线已实现满负荷运转。|"
                 "与此同时，原材料价格波动和外部需求变化仍给部分中小企业带来压力。|"
                 "当地出台了一系列稳增长措施，包括减税降费、优化审批流程和加大金融支持力度。|"
                 "专家建议，要继续提振消费信心，推动服务消费提质扩容。"),
    "sport": L("开场后双方都比较谨慎，以中场争夺为主，前二十分钟几乎没有形成有威胁的射门。|"
               "易边再战，主队换上两名生力军，进攻节奏明显加快。|"
               "比赛最后阶段，客队获得一次任意球机会，但皮球被门将稳稳抱住。|"
               "这场胜利让主队在积分榜上的排名上升了两位。|"
               "据统计，本届马拉松报名人数超过十万人，最终通过抽签确定参赛名单。|"
               "赛事期间，志愿者将在沿线为选手提供饮水、能量补给和医疗服务。"),
    "weather": L("此次冷空气势力较强，影响范围广，全省大部分地区都将出现明显降温。|"
                 "降温同时伴有四到五级的偏北风，体感温度会更低。|"
                 "农业部门提醒，要及时做好蔬菜大棚的保温工作，防止冻害。|"
                 "交通部门已提前做好融雪除冰准备，重点路段将安排专人巡查。|"
                 "电力部门表示，将加强设备巡检，确保寒潮期间供电稳定。|"
                 "气象专家提醒，老人和儿童要减少户外活动，注意预防感冒。"),
    "culture": L("活动现场，传统技艺和现代创意相互融合，吸引了不少年轻人驻足。|"
                 "一位从事剪纸艺术四十多年的老艺人说，希望更多孩子能喜欢上这门手艺。|"
                 "主办方表示，今后将把非遗市集打造成常态化的文化品牌。|"
                 "展览期间，博物馆还将推出线上导览，观众在家也能欣赏展品。|"
                 "图书馆延长开放时间后，周末晚上的自习区几乎座无虚席。|"
                 "不少读者表示，下班后也能来图书馆看书，感觉很方便。"),
    "edu": L("考试院提醒，考生务必携带准考证和有效身份证件，按时进入考场。|"
             "考点周边将设置临时停车区域，交通、公安等部门将联合做好考试保障工作。|"
             "今年报考人数总体平稳，部分热门专业竞争依然激烈。|"
             "在学前教育方面，江州近年来持续扩大普惠性资源供给。|"
             "新建幼儿园在设计上更加注重户外活动空间和安全设施。|"
             "教育部门表示，将进一步加强师资队伍建设，提升保教质量。"),
}
NEWS_BYLINE = L("（记者 {surname}{given}）|（记者 {surname}{given} 通讯员 {surname}{given}）|本报讯（记者 {surname}{given}）||")
NEWS_TAIL = L("\n责任编辑：{surname}{given}|\n编辑：{surname}{given} 校对：{surname}{given}|\n（完）||")


def news_wrap(body):
    return fill(pick(NEWS_BYLINE)) + body + fill(pick(NEWS_TAIL))


def news_body(openers, sentences, lo, hi):
    pool = list(sentences)
    R.shuffle(pool)
    text = fill(pick(openers)) + fill(pool[0])
    target = R.randint(lo, hi)
    for s in pool[1:]:
        s = fill(s)
        if len(text) + len(s) > hi:
            break
        if chance(0.65):
            text += s
        elif chance(0.3):
            text += "\n" + fill(pick(openers)) + s
        else:
            text += "\n" + s
        if len(text) >= target:
            break
    return text


def news_source(topic=None):
    if topic == "sport":
        return pick([("天下体育网", "txty"), ("江州晚报", "jzwb")])
    if topic == "economy":
        return pick([("每日财经网", "mrcj"), ("江州日报", "jzrb"), ("江东晨报", "jdcb")])
    return pick([s for s in NEWS_SOURCES if s[1] not in ("txty", "mrcj", "kjqy", "hqsj")])


def gen_everyday_news(total):
    for i in range(total):
        topic = pick(list(NEWS_TOPICS))
        heads, openers, sentences = NEWS_TOPICS[topic]
        body = news_body(openers, sentences + NEWS_MORE[topic], 200, 780)
        mk("news", rand_t(), news_source(topic), "everyday", news_wrap(body), title=fill(pick(heads)))


# --------------------------------------------------------------------------------------
# Neutral police-related content
# --------------------------------------------------------------------------------------

SLOTS.update({
    "crime": L("入室盗窃|电动车盗窃|电信网络诈骗|抢夺|故意伤害|盗窃车内财物|非法收购电瓶|网络赌博"),
    "recover": L("追回被盗财物价值{n}千余元|当场查获赃物一批|冻结涉案资金{nn}万余元|"
                 "追回被盗电动车{n}辆|全部赃款已返还受害人"),
    "unit": L("明湖派出所|临江派出所|城南派出所|北塘派出所|滨江派出所|巡特警大队|刑侦大队|老城派出所"),
    "age": lambda: str(R.randint(19, 58)),
    "age_old": lambda: str(R.randint(72, 91)),
    "sex": L("男|男|女"),
    "place3": L("江边公园|菜市场附近|一处工地旁|滨江大道的长椅上|离家五公里外的公交站|{mall}门口"),
    "fake": L("快递客服|电商客服|银行工作人员|公检法工作人员|领导|老同学|贷款平台客服"),
    "action": L("下载会议软件共享屏幕|把钱转到“安全账户”|提供验证码|开通百万保障|刷流水提高额度"),
    "hero": L("外卖小哥李师傅|退伍军人周先生|出租车司机王师傅|大学生小陈|环卫工人刘大姐"),
    "foreign": L("美国{uscity}警方通报，当地一商场发生枪击事件，造成{n}人受伤，嫌疑人已被逮捕|"
                 "英国伦敦警察厅宣布，圣诞期间将在主要商业街增派巡逻警力|"
                 "日本警方逮捕一名涉嫌冒充警察诈骗老人的男子，涉案金额超过三千万日元|"
                 "澳大利亚警方破获一起跨国贩毒案，查获毒品{nnn}公斤|"
                 "法国巴黎警方加强圣诞市场安保，多处入口设置安检|"
                 "泰国警方与我国警方联合行动，抓获一批电信诈骗嫌疑人"),
})

NEUTRAL_WEIBO = {
    "case": ("police_wb", L(
        "【警情通报】11月27日，{jz_district}一小区发生一起{crime}案。接报后，{unit}民警迅速开展侦查，"
        "于当日晚将犯罪嫌疑人{surname}某（{sex}，{age}岁）抓获，{recover}。目前，{surname}某已被依法刑事拘留，"
        "案件正在进一步办理中。|"
        "【破案】江州警方破获一起跨省电信网络诈骗案，抓获犯罪嫌疑人{nn}名，捣毁窝点{n}个，涉案金额{n}千余万元。"
        "警方提醒：凡是要求转账到“安全账户”的，都是诈骗！|"
        "【警情通报】今日凌晨，{road}一便利店被盗，{unit}民警通过视频追踪，{n}小时内将嫌疑人抓获，{recover}。|"
        "【快破】{jz_district}连续发生多起{crime}案，{unit}成立专案组，昨日将{n}名嫌疑人抓获归案，{recover}。")),
    "rescue": ("police_wb", L(
        "【暖心】昨日傍晚，{jz_district}一名{age_old}岁老人外出后走失，家属焦急报警。{unit}民警调取沿途监控，"
        "经过{n}个小时连续搜寻，最终在{place3}找到老人并安全送回家中。|"
        "【暖心】寒夜里，{unit}民警巡逻时发现一名男子倒在路边，立即将其送医，经抢救已脱离危险。|"
        "{jz_district}一名{n}岁小学生迷了路，哭着向路口执勤的民警求助，{unit}民警一路护送他回到家长身边。|"
        "{unit}民警接到求助：一名孕妇在路上临产，民警开道护送，十分钟赶到医院，母子平安。")),
    "honor": ("police_wb", L(
        "江州市公安局召开年度表彰大会，{nn}个集体、{nn}名个人受到表彰。向坚守一线的每一位民警辅警致敬！|"
        "{unit}民警{surname}警官荣立个人二等功。从警{nn}年，他办理各类案件上千起，被群众称为“贴心警官”。|"
        "【见义勇为】{place3}一名男子抢走路人手机后逃跑，{hero}追出两条街将其拦下，随后赶到的民警将嫌疑人控制。"
        "目前，江州市已为其申报见义勇为奖励。")),
    "traffic": ("traffic_wb", L(
        "【交通管制】因江州马拉松，11月29日6时至13时，{road}、{road}等路段实行临时交通管制，请过往车辆提前绕行。|"
        "【出行提示】今晨{fogarea}出现团雾，局部能见度不足{vis}米，请减速慢行，开启雾灯，保持车距。|"
        "【提醒】骑乘电动自行车请佩戴安全头盔，“一盔一带”，安全常在。今天上午{road}路口查处不戴头盔{nn}起。|"
        "【路况】{time_hm}，{road}往{road}方向车多缓行，请途经车辆注意避让，服从现场交警指挥。|"
        "【周末路况】目前{road}、{road}车流量较大，交警已在重点路口加强疏导，请合理安排出行。|"
        "【施工提示】{road}（{road}至{road}段）夜间施工，每日22时至次日5时封闭一条车道。|"
        "【便民】驾驶证到期换证、补证可通过交管12123 App在线办理，{n}个工作日寄递到家，无需到窗口排队。|"
        "【曝光】本周{jz_district}查处酒驾醉驾{nn}起，其中醉驾{n}起。喝酒不开车，开车不喝酒！")),
    "fanzha": ("fanzha_wb", L(
        "【反诈提醒】“{fz_scam}”又出新花样！{jz_district}一市民被骗{nn}万元。记住：不听、不信、不转账。|"
        "接到自称“{fake}”的电话，要求你{action}，一定是诈骗！马上挂断，拨打96110咨询。|"
        "【劝阻成功】{jz_district}一位阿姨差点被骗走{nn}万元养老钱，{unit}民警及时上门劝阻，保住了血汗钱。|"
        "年底了，“{fz_scam}”的骗局又来了，本周全市已接报{nn}起，天上不会掉馅饼，看到就绕道走。|"
        "【反诈】{unit}民警走进{jz_district}社区开展反诈宣传，现场帮助{nnn}名居民下载国家反诈中心App。")),
    "exit": ("exit_wb", L(
        "【便民】12月1日起，江州出入境办证大厅推出“周末办证”服务，每周六上午正常受理护照、港澳台通行证业务。|"
        "【新政】出入境证件“全国通办”，在江州工作生活的外省户籍居民，可在江州直接申办护照，今年已受理{nnn}0余件。|"
        "【提醒】寒假出游高峰将至，{jz_district}出入境窗口本周受理量增长{nn}%，需要办证的市民请提前预约。|"
        "【服务】港澳通行证再次签注可通过自助机办理，全市共设自助签注点{nn}个。")),
    "foreign": ("world_wb", L("【外媒】{foreign}。|{foreign}，相关调查仍在进行中。")),
    "agency": ("gov_wb", L(
        "江州市市场监管局开展冬季食品安全专项检查，查处过期食品{nn}批次，责令整改商户{n}家。|"
        "{jz_district}城管队员帮摆摊老人搬运货物，暖心一幕被网友拍下。|"
        "城管执法队依法拆除{jz_district}一处违法建筑，面积约{nnn}平方米。|"
        "市场监管部门提醒：购买年货请认准正规渠道，注意查看生产日期和保质期。|"
        "江州市消防救援支队开展冬季防火宣传，提醒市民不要在楼道内给电动车充电。")),
    "citizen": (None, L(
        "今天钱包丢在出租车上，{unit}的民警帮我联系到司机找回来了，太感谢了！|"
        "孩子在{mall}走丢了，保安和民警十分钟就找到了，谢谢你们{emo}|"
        "凌晨车坏在半路，巡逻的民警帮忙推车还陪我等拖车，好人一生平安|"
        "去出入境办护照，周六也能办，二十分钟搞定，效率挺高{emo}|"
        "差点被“客服退款”骗了，还好反诈中心打电话提醒，吓出一身冷汗|"
        "早上送孩子上学，学校门口每天都有交警维持秩序，辛苦了|"
        "在交管12123上换了驾照，一分钱没花，证件直接寄到家，方便")),
}
NEUTRAL_WEIBO_WEIGHTS = [("case", 18), ("rescue", 12), ("honor", 7), ("traffic", 16), ("fanzha", 14),
                         ("exit", 6), ("foreign", 8), ("agency", 9), ("citizen", 14)]
NEUTRAL_REPOST = L("点赞|辛苦了|为人民警察点赞|转发提醒家人|收到|谢谢提醒|转给爸妈看看|好人好报|"
                   "早就该这样|方便多了|转发扩散")


def gen_neutral():
    originals = []
    for i in range(NEUTRAL_PER_PLATFORM["weibo"]):
        t = rand_t()
        if originals and chance(0.15):
            root = pick(originals)
            if root.t < t - 120:
                text = pick(NEUTRAL_REPOST) + fill("{emo}")
                if chance(0.5):
                    text += "//@" + root.author.name + ":" + root.text[:R.randint(20, 50)]
                p = mk("weibo", t, citizen("weibo"), "neutral", text, viral=0.5)
                p.repost_of = root
                continue
        key = wpick(NEUTRAL_WEIBO_WEIGHTS)
        acc_key, tpls = NEUTRAL_WEIBO[key]
        if acc_key is None:
            a = citizen("weibo")
        elif key == "case" and chance(0.3):
            a = SPECIAL["police_mh_wb"]
        elif key in ("case", "rescue", "honor") and chance(0.15):
            a = SPECIAL["jzdaily_wb"]
        else:
            a = SPECIAL[acc_key]
        p = mk("weibo", t, a, "neutral", fresh(lambda: fill(pick(tpls))), viral=R.uniform(0.3, 1.2))
        p.role = key
        if acc_key:
            originals.append(p)

    douyin_tpls = L(
        "{unit}民警{n}小时找回走失的{age_old}岁老人，家属连声道谢 #正能量 #江州|寒夜里的一抹警察蓝，{unit}凌晨{n}点的巡逻 #暖心 #江州公安|"
        "反诈宣传进{jz_district}社区，大爷大妈听得很认真 #反诈 #全民反诈|“{fz_scam}”都是诈骗，看完这个视频你就懂了 #反诈|"
        "马拉松明天开跑，{road}等路段交通管制，请收藏 #江州交警 #出行提示|"
        "电动车一定要戴头盔！{road}路口的这段监控告诉你为什么 #一盔一带 #江州交警|"
        "孕妇临产，交警开道{n}分钟送到医院 #暖心 #交警|见义勇为！{hero}追出两条街拦下抢手机的小偷 #见义勇为|"
        "出入境周末也能办证了，实拍{jz_district}办证大厅 #出入境 #便民|{fogarea}有团雾，开车一定要注意这几点 #安全出行|"
        "{jz_district}一阿姨差点被“{fz_scam}”骗走{nn}万，民警上门劝阻 #反诈|"
        "交警蜀黍在{road}路口指挥交通，风再大也站得笔直 #致敬 #江州交警")
    for i in range(NEUTRAL_PER_PLATFORM["douyin"]):
        a = pick([SPECIAL["police_dy"], SPECIAL["traffic_dy"], SPECIAL["tv_dy"], citizen("douyin")])
        mk("douyin", rand_t(), a, "neutral", fresh(lambda: fill(pick(douyin_tpls))), viral=R.uniform(0.4, 1.5))
    ks_tpls = L("警察蜀黍把走丢的孩子送回来了，{jz_district}的家人们点个赞|反诈宣传车开到{jz_district}村里了，老铁们都看看|"
                "交警在{road}路口指挥了一上午，辛苦了|{unit}的民警帮老人把菜搬上{n}楼，这个可以有|"
                "小区来了反诈民警讲课，“{fz_scam}”都是骗子，记住不转账|"
                "{road}上电动车坏了，巡逻民警帮忙推了{n}百米，谢谢了|老铁们，出入境周末也能办证了，{jz_district}大厅实拍")
    for i in range(NEUTRAL_PER_PLATFORM["kuaishou"]):
        a = pick([SPECIAL["police_ks"], SPECIAL["tv_ks"], citizen("kuaishou")])
        mk("kuaishou", rand_t(), a, "neutral", fresh(lambda: fill(pick(ks_tpls))), viral=R.uniform(0.4, 1.5))

    tieba_threads = [
        ("江州吧", "问一下江州出入境办港澳通行证要预约吗",
         L("周末想去办港澳通行证，要提前预约吗，需要带什么材料|现在网上就能预约，带身份证就行|"
           "周六上午也能办，我上周刚去过|自助机可以签注，不用排队")),
        ("驾照吧", "驾照到期换证，现在网上就能办吗",
         L("驾照快到期了，听说可以在12123上换，有人办过吗|可以，体检在指定医院做，上传就行|"
           "我上个月刚换的，三天就寄到了|记得先做体检")),
        ("江州吧", "今天在江边看到民警救人",
         L("中午在滨江公园，有个老人不小心掉进了水里，巡逻的民警直接跳下去把人救上来了|看到新闻了，点赞|"
           "大冬天的，水多冷啊，致敬|这才是我们需要的警察")),
        ("江州吧", "接到诈骗电话了，大家小心",
         L("自称快递客服，说我的快递丢了要理赔，让我下载一个会议软件，幸好我没信|这种太多了，直接挂|"
           "我妈差点就信了，还好反诈民警打了电话|记住不转账就没事")),
        ("江州吧", "钱包丢了被民警找回来了，必须夸一下",
         L("昨天晚上打车把钱包落在车上，去派出所求助，民警查了半天监控帮我联系上了司机|好人好事，点赞|"
           "我去年手机丢了也是这么找回来的|记得送面锦旗")),
        ("考研吧", "考研那天考点附近会交通管制吗",
         L("考点在学府路，开车送考会不会堵|往年交警都会在考点附近疏导，建议坐地铁|去年有交警蜀黍送忘带证件的考生")),
        ("江州吧", "江州马拉松明天哪些路封",
         L("明天要出门，想问一下具体封哪几条路|交警发了通告，滨江大道和人民路都封到中午|地铁提前开了，坐地铁吧|"
           "谢谢，我去看看通告")),
        ("宠物吧", "狗走丢了，民警帮忙找回来了",
         L("早上遛狗没拴绳跑丢了，急得不行，小区门口的民警调了监控，一小时就找到了|以后记得拴绳|太幸运了")),
    ]
    R.shuffle(tieba_threads)
    made = 0
    for forum, title, floors in tieba_threads:
        if made >= NEUTRAL_PER_PLATFORM["tieba"]:
            break
        thread = {"forum": forum, "title": title, "tid": None}
        t = rand_t(0, SPAN - 3600)
        for k, text in enumerate(floors[:min(len(floors), NEUTRAL_PER_PLATFORM["tieba"] - made)]):
            p = mk("tieba", t, citizen("tieba"), "neutral", text, title=title)
            p.thread = thread
            t += R.randint(120, 1800)
            made += 1

    zq = [
        ("如何看待各地公安推出“周末办证”服务？",
         L("对上班族来说是实打实的便利，以前请假办证太麻烦了。|周末窗口人手够不够是个问题，希望别变成周末排长队。|"
           "我上周六去办了护照，二十分钟就好了，体验不错。|这类便民措施越多越好，政务服务就该以人为本。|"
           "窗口工作人员周末加班，调休怎么安排也值得关注。|很多地方已经可以网上预约，到现场直接办，省了不少时间。|"
           "外省户籍也能办，对我们这种在外地工作的人特别友好。")),
        ("国家反诈中心App真的有用吗？",
         L("有用，至少我家老人接到可疑电话时会收到提醒。|装了以后确实收到过几次预警，有一次是冒充客服的。|"
           "工具是辅助，关键还是要有防骗意识。|很多诈骗是通过社交软件来的，App只能拦截一部分。|"
           "有一次我转账前收到了弹窗提醒，确实让我冷静了一下。|建议给家里老人都装上，设置好来电预警。|"
           "隐私方面的担心可以理解，但它需要的权限其实并不多。")),
        ("辅警和民警有什么区别？",
         L("民警是人民警察，有执法权；辅警是警务辅助人员，在民警指挥下开展辅助工作。|辅警不能单独执法，这是最大的区别。|"
           "待遇方面差别也比较大，辅警一般是合同制。|很多辅警工作非常辛苦，值得尊重。|"
           "从着装上看，辅警的臂章和胸牌与民警有所不同。|辅警可以协助民警开展巡逻、交通疏导、宣传等工作。|"
           "近年来不少地方都在规范辅警管理，明确职责边界。")),
    ]
    for i in range(NEUTRAL_PER_PLATFORM["zhihu"]):
        title, sentences = zq[i % len(zq)]
        q = ZQ_CACHE.setdefault(title, new_question(title))
        p = mk("zhihu", rand_t(), citizen("zhihu"), "neutral", fresh(lambda: zhihu_answer(sentences, 60, 400)),
               viral=R.uniform(0.3, 1.5))
        p.question = q

    wx = [
        ("police_wx", L("警惕！这{n}种新型诈骗正在江州高发|他们用{n}小时，找回了走失的老人|"
                        "致敬！江州公安年度英模名单公布"),
         L("近期，江州警方接到多起群众报警，诈骗分子的手法不断翻新。|第一种是冒充客服退款，骗子会准确说出你的订单信息。|"
           "第二种是刷单返利，先给小甜头，再诱导大额投入。|第三种是冒充公检法，声称你涉嫌洗钱，要求转账到“安全账户”。|"
           "第四种是虚假投资理财，以高收益为诱饵，拉人进群。|警方提醒：公检法机关不会通过电话办案，更不存在“安全账户”。|"
           "昨日傍晚，一位老人外出后走失，民警接报后立即调取监控，沿线搜寻。|经过几个小时的努力，民警最终在江边找到了老人。|"
           "一年来，全市公安民警坚守岗位，为城市的平安稳定默默付出。|如遇可疑情况，请第一时间拨打110或96110。|"
           "第五种是“注销校园贷”，骗子声称不注销会影响征信，诱导转账。|"
           "第六种是冒充熟人或领导，通过社交软件要求帮忙转账。|"
           "这些骗局有一个共同点：最终都会要求你转账或者提供验证码。|"
           "老年人是诈骗分子的重点目标，子女要多和父母沟通，提醒他们不要轻信陌生来电。|"
           "民警在寻人过程中，先后走访了沿途的商户、公交站和社区，调看了上百段监控。|"
           "找到老人时，他正坐在江边的长椅上，身上只穿了一件薄外套。|"
           "民警立即把自己的大衣披在老人身上，并联系家属赶来。|"
           "在过去的一年里，有许多民警放弃休息，坚守在各自的岗位上。|"
           "转发给身边的亲人朋友，一起守护好钱袋子。")),
        ("traffic_wx", L("马拉松期间，这些路段交通管制|冬季行车安全，这份指南请收好"),
         L("江州马拉松将于11月29日开跑，为保障赛事顺利进行，部分路段将实施临时交通管制。|管制时间为6时至13时。|"
           "管制期间，请驾驶人按照交通标志和现场民警指挥通行。|冬季雾天多发，出行前请关注天气和路况信息。|"
           "雾天行车要开启雾灯和近光灯，与前车保持足够距离。|路面结冰时不要急刹车、急转向。|"
           "骑乘电动自行车请佩戴安全头盔。|"
           "赛事期间，地铁将提前开始运营，建议参赛选手和观众乘坐公共交通前往起点。|"
           "起终点周边不设社会停车位，请自驾的市民提前规划停车。|"
           "冬季夜间行车视线较差，要特别注意观察路边的行人和非机动车。|"
           "长途驾驶要合理安排休息，连续驾驶不要超过四个小时。|"
           "车辆出发前，检查一下轮胎、灯光和防冻液，做到心中有数。|"
           "感谢广大市民的理解和支持。")),
        ("exit_wx", L("好消息！出入境“周末办证”来了|出入境证件办理指南（2026年冬季版）"),
         L("为方便群众办事，江州出入境管理部门推出多项便民措施。|自12月1日起，每周六上午正常受理护照和港澳台通行证申请。|"
           "符合条件的外省户籍居民，可在江州直接申请办理护照。|港澳通行证再次签注可在自助机上办理，全程不超过五分钟。|"
           "办理前请通过官方渠道预约，并准备好身份证件。|寒假出行高峰即将到来，请有需要的市民提前办理。|"
           "护照申请一般七个工作日内即可办结，急事急办的可以申请加急。|"
           "首次申领港澳通行证的，需要本人到窗口现场采集指纹和照片。|"
           "未成年人申请办理证件，需由监护人陪同，并提交监护关系证明。|"
           "办证大厅周边停车位有限，建议乘坐公共交通前往。|"
           "如有疑问，可拨打咨询电话或在公众号后台留言。")),
    ]
    for i in range(NEUTRAL_PER_PLATFORM["wechat"]):
        acc_key, titles, pool = pick(wx)
        mk("wechat", rand_t(), SPECIAL[acc_key], "neutral", wechat_article(pool, 300, 1000),
           title=fill(pick(titles)), viral=R.uniform(0.4, 1.2))

    news = [
        (L("江州警方破获一起跨省电信诈骗案 抓获嫌疑人{nn}名|{jz_district}警方{n}小时破获入室盗窃案"),
         L("记者从江州市公安局获悉，|据警方介绍，|办案民警表示，"),
         L("近日，江州警方成功破获一起{crime}案，抓获犯罪嫌疑人{nn}名。|经查，该团伙通过网络招募人员，分工明确。|"
           "目前，案件正在进一步侦办中。|警方提醒广大市民，要提高防范意识，保管好个人财物。|"
           "民警通过调取视频监控，很快锁定了嫌疑人的行踪。|涉案资金已被依法冻结，部分赃款已返还受害人。|"
           "据办案民警介绍，该团伙成员大多是年轻人，被“高薪兼职”的说法吸引入伙。|"
           "受害人{surname}女士在接过返还的钱款时连声道谢，表示以后一定提高警惕。|"
           "今年以来，江州警方持续开展打击电信网络诈骗专项行动，发案数同比明显下降。|"
           "警方提醒，不要出租、出借自己的银行卡和手机卡，以免沦为犯罪分子的“工具人”。")),
        (L("江州交警：马拉松期间部分路段交通管制|冬季出行 江州交警发布安全提示"),
         L("记者从江州市公安局交通警察支队获悉，|交警部门提醒，"),
         L("为保障江州马拉松顺利举行，11月29日部分路段将实施临时交通管制。|管制期间，公交线路将临时调整。|"
           "受冷空气影响，近期早晚易出现团雾，驾驶人要减速慢行。|交警部门将在重点路段增派警力，加强疏导。|"
           "市民可通过交管12123 App查询实时路况。|"
           "交警部门建议，赛事期间市民尽量选择地铁出行，沿线各站将适当加开班次。|"
           "据统计，今年以来全市道路交通事故起数和死亡人数同比实现双下降。|"
           "交警部门将持续开展电动自行车交通违法整治，重点查处不戴头盔、闯红灯等行为。")),
        (L("江州出入境推出“周末办证”服务|出入境证件“全国通办”在江州落地"),
         L("记者从江州市公安局出入境管理部门获悉，|据介绍，"),
         L("从12月1日起，市出入境办证大厅周六上午正常对外办公。|此举主要方便工作日无法请假的上班族和学生。|"
           "外省户籍居民在江州申请出入境证件，无需再提供居住证明。|今年以来，江州共受理出入境证件申请{nn}万余件。|"
           "办证大厅还增设了自助拍照、自助受理和自助签注设备，群众可以“即来即办”。|"
           "对于老年人、残疾人等特殊群体，窗口提供预约上门和绿色通道服务。|"
           "相关负责人表示，将继续推出更多便民利民措施，让群众少跑腿。")),
        (L("美国{uscity}发生枪击事件 警方已逮捕嫌疑人|英国警方加强圣诞期间商业街巡逻"),
         L("据外媒报道，|当地警方表示，"),
         L("{foreign}。|事件发生后，当地警方迅速封锁现场。|目前伤者已被送往附近医院救治。|"
           "警方表示将在节日期间加大巡逻力度。|案件的具体原因仍在调查中。|"
           "当地官员在社交媒体上表示，将全力配合调查，并向受害者家属表示慰问。|"
           "近年来，当地治安问题持续引发社会关注。|有目击者称，事发时现场一片混乱，人们纷纷躲进附近的商店。")),
        (L("江州市场监管局开展冬季食品安全检查|{jz_district}城管：违建拆除后将建口袋公园"),
         L("记者从江州市市场监管局获悉，|据了解，"),
         L("此次检查重点针对农贸市场、超市和校园周边食品店。|共检查经营主体{nnn}家，查处过期食品{nn}批次。|"
           "对检查中发现的问题，执法人员已责令商户限期整改。|违建拆除后，原址将改建为口袋公园，供周边居民休闲。|"
           "执法人员还向商户发放了食品安全宣传资料，提醒其落实进货查验制度。|"
           "市民如发现食品安全问题，可拨打12315热线投诉举报。|"
           "城管部门表示，将坚持执法与服务并重，引导流动摊贩进入便民疏导点经营。")),
        (L("江州一外卖骑手见义勇为 获评“江州好人”|民警江中救起落水老人"),
         L("记者了解到，"),
         L("当天中午，一名男子抢走路人手机后逃跑，正在送餐的骑手立即骑车追赶。|"
           "追出两条街后，骑手将嫌疑人拦下，随后赶到的民警将其控制。|"
           "滨江公园一名老人不慎落水，巡逻民警跳入江中将其救起。|老人目前已无大碍。|"
           "相关部门已为其申报见义勇为奖励。|"
           "事后，骑手笑着说：“当时没想那么多，就想着不能让他跑了。”|"
           "这名骑手所在的配送站点也为他送上了锦旗和奖金。|"
           "民警提醒，遇到类似情况要在保证自身安全的前提下报警求助。")),
    ]
    for i in range(NEUTRAL_PER_PLATFORM["news"]):
        heads, openers, sentences = pick(news)
        mk("news", rand_t(), news_source(), "neutral", news_wrap(news_body(openers, sentences, 200, 600)),
           title=fill(pick(heads)))


ZQ_CACHE = {}


# --------------------------------------------------------------------------------------
# Evasions
# --------------------------------------------------------------------------------------

EVADE_WORDS = ["辅警", "警察", "民警", "交警", "派出所", "打人", "耳光", "执法", "开枪", "打死",
               "罚款", "扣车", "立案", "报警", "醉驾", "酒驾", "踩踏", "安保", "车管所", "户籍",
               "所长", "殴打", "谣言"]
SEPARATORS = ["*", " ", "/", ".", "-", "|", "·"]

# Simplified -> traditional for the characters the incident texts use (evaders convert whole posts).
_SIMP = (
    "万与专业东丝丢两严个临为举么义乐书买乱于亏产亲亿仅从仪们众优会伟传伤体侦偿党关兴"
    "冯冲决况准几凭击刘则刚删别办务动区医协单卖却厅厉压县双发变台号后吓吗听吴员响啰喷"
    "嚣团园围图场坏块墙声处备复够头夺奥妈孙学实审对导将尸尽层属岁岗师带帮并广应开异张"
    "强归当录态总恶惊惩愤户执扩扫扰抢护报担拥拦拨挤挥损换据掴撑数断无时显晓术机杀权条"
    "来杨杰构枪柠标栏样检楼横欢殴毙气没泪测温满滨灯灵点热爱状独猫环现电疯痨监盗盘着码"
    "确离种称窃笔简类系紧红约级纪纳线组细织终绍经结绕给络绝统继绪续维综绿编缴网罗罚职"
    "联肃胆脑脱脸舆艳节苏药获营虑虚补见观规视觉计认讨让训议讯记许论讼讽设证评识诉试话"
    "询该语说请诺读谁调谓谢谣负财责质贴贵费资赔赞赵赶车转轮轻轿较辅辆辑辞辟边达迁过运"
    "还这进远违连邓郑释里针钓钟钱钻铁锁错键长门闭问间闻阅队阳阶际陈险随难静韩页须顾顿"
    "预领频题额风飞馆马驶驾验骑骗鱼黄龄"
)
_TRAD = (
    "萬與專業東絲丟兩嚴個臨為舉麼義樂書買亂於虧產親億僅從儀們眾優會偉傳傷體偵償黨關興"
    "馮衝決況準幾憑擊劉則剛刪別辦務動區醫協單賣卻廳厲壓縣雙發變臺號後嚇嗎聽吳員響囉噴"
    "囂團園圍圖場壞塊牆聲處備復夠頭奪奧媽孫學實審對導將屍盡層屬歲崗師帶幫並廣應開異張"
    "強歸當錄態總惡驚懲憤戶執擴掃擾搶護報擔擁攔撥擠揮損換據摑撐數斷無時顯曉術機殺權條"
    "來楊傑構槍檸標欄樣檢樓橫歡毆斃氣沒淚測溫滿濱燈靈點熱愛狀獨貓環現電瘋癆監盜盤著碼"
    "確離種稱竊筆簡類係緊紅約級紀納線組細織終紹經結繞給絡絕統繼緒續維綜綠編繳網羅罰職"
    "聯肅膽腦脫臉輿豔節蘇藥獲營慮虛補見觀規視覺計認討讓訓議訊記許論訟諷設證評識訴試話"
    "詢該語說請諾讀誰調謂謝謠負財責質貼貴費資賠贊趙趕車轉輪輕轎較輔輛輯辭闢邊達遷過運"
    "還這進遠違連鄧鄭釋裡針釣鐘錢鑽鐵鎖錯鍵長門閉問間聞閱隊陽階際陳險隨難靜韓頁須顧頓"
    "預領頻題額風飛館馬駛駕驗騎騙魚黃齡"
)
S2T = dict(zip(_SIMP, _TRAD))
assert len(_SIMP) == len(_TRAD)

def to_traditional(text):
    return "".join(S2T.get(c, c) for c in text)


def to_fullwidth(text):
    out = []
    for c in text:
        if c.isascii() and c.isalnum():
            out.append(chr(ord(c) + 0xFEE0))
        else:
            out.append(c)
    return "".join(out)


def evade_split(text, words):
    sep = pick(SEPARATORS)
    for w in words:
        text = text.replace(w, sep.join(w))
    return text


def evade_zwsp(text, words):
    for w in words:
        text = text.replace(w, "\u200b".join(w))
    return text


POLICE_FW = {"警察": "ＰＯＬＩＣＥ", "民警": "ＰＯＬＩＣＥ", "辅警": "辅助ＰＯＬＩＣＥ", "交警": "交通ＰＯＬＩＣＥ"}


def evade_fullwidth(text):
    for w, rep in POLICE_FW.items():
        if w in text and chance(0.6):
            text = text.replace(w, rep, 1)
            break
    if not re.search(r"[0-9A-Za-z]", text) or chance(0.3):
        text = pick(["2026.11.28 ", "2026年11月28日，", "11.28 "]) + text
    return to_fullwidth(text)


EVASION_TURN = Counter()


def apply_evasion(post, kinds, p=0.36):
    """Disguise a citizen's incident post, taking the incident's evasion kinds in turn."""
    present = [w for w in EVADE_WORDS if w in post.text]
    if not present or not chance(p):
        return
    kind = kinds[EVASION_TURN[post.incident] % len(kinds)] if len(kinds) > 1 else kinds[0]
    EVASION_TURN[post.incident] += 1
    if kind == "split":
        post.text = evade_split(post.text, R.sample(present, min(len(present), R.randint(1, 2))))
    elif kind == "zwsp":
        post.text = evade_zwsp(post.text, R.sample(present, min(len(present), R.randint(1, 3))))
    elif kind == "fullwidth":
        post.text = evade_fullwidth(post.text)
    elif kind == "traditional":
        post.text = to_traditional(post.text)
    post.evasion = kind


# --------------------------------------------------------------------------------------
# Incidents (negative police-related posts that spread)
# --------------------------------------------------------------------------------------

INCIDENTS = {
    "I1": ("辅警在明湖路卡点掌掴外卖骑手（快速升级：抖音原视频 → 微博转发、百万粉大V → 警方通报 → 新闻、知乎、公众号）",
           ["split", "fullwidth", "traditional", "zwsp"]),
    "I2": ("车管所、派出所户籍窗口排长队、工作人员态度差（全程缓慢零星：贴吧、微博）",
           ["split", "traditional"]),
    "I3": ("网传“江州火车站警察开枪打死人”谣言，随后铁路警方辟谣",
           ["traditional", "zwsp", "fullwidth"]),
    "I4": ("交警绕城高速出口乱罚款、扣车、罚款不开票",
           ["split", "fullwidth"]),
    "I5": ("派出所对电动车、手机被盗不予立案",
           ["zwsp", "split"]),
    "I6": ("北塘分局一派出所副所长醉驾撞车后驶离（违纪丑闻，新闻首发）",
           ["traditional", "fullwidth", "split"]),
    "I7": ("奥体中心演唱会散场拥挤险些踩踏，安保与现场警力被批",
           ["split", "zwsp"]),
}


def inc(incident, role, platform, minute, author, text, title=None, viral=1.0, evade=True):
    """An incident post at `minute` after 08:00 (plus a random second)."""
    p = mk(platform, minute * 60 + R.randint(0, 59), author, "incident", text, title, viral)
    p.incident = incident
    p.role = role
    is_citizen = isinstance(author, Account) and author not in SPECIAL.values()
    if evade and is_citizen:
        p.extra["may_evade"] = True
        apply_evasion(p, INCIDENTS[incident][1])
    return p


def set_final(p, traj, **counts):
    p.final = counts
    p.traj = traj
    return p


def spread_minutes(n, lo, hi, bias=1.0):
    return sorted(lo + (hi - lo) * (R.random() ** bias) for _ in range(n))


def weibo_repost(incident, role, minute, root, reasons, earlier, excerpt_p=0.35, viral=1.0):
    """A Weibo repost of `root`: reason, maybe an intermediate //@, maybe the root's excerpt."""
    reason = fill(pick(reasons))
    if chance(0.4):
        reason += fill("{emo}")
    text = reason
    if earlier and chance(0.3):
        mid = pick(earlier)
        text += "//@" + mid.author.name + ":" + mid.extra.get("reason", "")
    if chance(excerpt_p):
        text += "//@" + root.author.name + ":" + root.text[:R.randint(30, 70)]
    p = inc(incident, role, "weibo", minute, citizen("weibo", big=chance(0.1)), text, viral=viral)
    p.repost_of = root
    p.extra["reason"] = reason
    earlier.append(p)
    return p


def zhihu_incident_answers(incident, q, minutes, sentences, roles="answer", top_final=None):
    out = []
    for i, m in enumerate(minutes):
        text = zhihu_answer(sentences, 120, 600, ordered=False)
        p = inc(incident, roles, "zhihu", m, citizen("zhihu", big=(i == 0)), text, viral=R.uniform(2, 6))
        p.question = q
        out.append(p)
    if top_final and out:
        set_final(out[0], ("decay", 60), **top_final)
    return out


def tieba_incident_thread(incident, forum, title, floors, minutes, viral=2.0):
    thread = {"forum": forum, "title": title, "tid": None}
    out = []
    for text, m in zip(floors, minutes):
        p = inc(incident, "thread", "tieba", m, citizen("tieba"), fill(text), title=title, viral=viral)
        p.thread = thread
        out.append(p)
    return out


def news_item(incident, role, minute, source, headline, body):
    p = mk("news", minute * 60 + R.randint(0, 59), source, "incident", news_wrap(fill(body)), headline)
    p.incident = incident
    p.role = role
    return p


KEY_RESENDS = []  # (post, [ages in minutes])


def gen_incident_1():
    I = "I1"
    witness = SPECIAL["witness_dy"]
    orig = inc(I, "origin_video", "douyin", 65, witness,
               "路过明湖路卡点拍到的，一个辅警上来就扇了外卖小哥一巴掌，小哥就问了一句为啥电动车不让过。"
               "这是执法还是打人？#江州 #外卖小哥 #辅警打人", evade=False)
    set_final(orig, ("logistic", 95, 16), shares=64800, comments=38200, likes=213000, views=5230000)
    orig.first_age = 3
    KEY_RESENDS.append((orig, [14, 28, 42, 58, 75, 96, 120, 150]))

    douyin_texts = L(
        "刚刷到的，江州明湖路卡点辅警打外卖小哥，视频里“啪”的一声听得清清楚楚{emo} #外卖骑手 #江州|"
        "辅警有执法权吗？凭什么动手打人？外卖小哥天天风里雨里，被这样对待 #辅警扇耳光|"
        "同为骑手，看完这个视频心里真不是滋味，我们送单子已经够难了，还要挨打 #外卖小哥被打|"
        "大家评评理，问一句为什么不让过就该挨一巴掌？江州明湖路 #暴力执法|"
        "视频来了，完整版40秒，前面小哥一直很克制，是辅警先动的手 #江州辅警|"
        "这个辅警必须严惩！穿着制服就能随便打人？@江州公安 给个说法|"
        "心疼外卖小哥，被打了还得继续去送单，不然要超时扣钱 #打工人|"
        "明湖路那个卡点我天天路过，态度一直很横，今天终于被拍下来了 #江州|"
        "打人的辅警叫什么？有没有人知道，这种人不配穿这身衣服 #辅警打人")
    for m in spread_minutes(9, 70, 150, 1.4):
        inc(I, "douyin_repost", "douyin", m, citizen("douyin"), fresh(lambda: fill(pick(douyin_texts))),
            viral=R.uniform(3, 15))
    hot_dy = inc(I, "big_douyin", "douyin", 122, SPECIAL["hot_dy"],
                 "江州一辅警在卡点扇外卖骑手耳光，视频引发网友关注，当地已介入调查 #社会新闻 #江州 #外卖骑手")
    set_final(hot_dy, ("decay", 45), shares=9800, comments=15600, likes=88000, views=2100000)
    KEY_RESENDS.append((hot_dy, [20, 45, 80]))

    ks_texts = L(
        "老铁们看看，江州辅警直接扇外卖小哥耳光，这还有王法吗|外卖小哥被辅警打了一巴掌，双击让更多人看到|"
        "跑外卖的兄弟们都看看，江州明湖路卡点注意点，那边的辅警会动手|"
        "家人们，这个视频太气人了，辅警打人还有理了？|送外卖的就活该挨打吗？江州明湖路，兄弟们转起来|"
        "40秒的视频看了三遍，越看越气，辅警先动的手|"
        "江州的骑手兄弟们，明湖路卡点绕着走吧，辅警打人了|"
        "一巴掌扇在外卖小哥脸上，小哥愣了好几秒，看得我心里难受|"
        "这个视频快手上也传开了，辅警打人，老铁们怎么看")
    for m in spread_minutes(7, 78, 170, 1.3):
        inc(I, "kuaishou_repost", "kuaishou", m, citizen("kuaishou"), fresh(lambda: fill(pick(ks_texts))),
            viral=R.uniform(3, 12))

    early = L(
        "刚在抖音刷到的，江州明湖路卡点一个辅警扇了外卖小哥一巴掌，就因为小哥问了句为啥不让过。#江州辅警扇外卖员耳光#|"
        "看得我血压都上来了，辅警有什么权力打人？#江州辅警扇外卖员耳光#|"
        "这视频是真的吗？有没有江州本地的说一下，明湖路那边是不是有个卡点|"
        "外卖小哥做错了什么？问一句都不行？这种执法方式谁受得了|"
        "我就在明湖路上班，那个卡点最近天天查电动车，态度一直很横，今天终于出事了|"
        "一巴掌下去，小哥愣在原地，那个眼神看得我难受{emo}|"
        "辅警打人，旁边的民警就看着？这是什么操作|"
        "求求江州公安出来说句话吧，视频都传疯了|"
        "我爸也是跑外卖的，看到这个视频真的忍不住了|"
        "又是卡点，又是辅警，又是动手，能不能好好管管")
    for m in spread_minutes(10, 78, 104, 1.0):
        p = inc(I, "weibo_early", "weibo", m, citizen("weibo"), fresh(lambda: fill(pick(early))), viral=R.uniform(3, 10))

    local = inc(I, "local_account", "weibo", 95, SPECIAL["local_wb"],
                "【网友爆料：明湖路卡点辅警疑似掌掴外卖骑手】今天上午有网友发布视频称，在明湖路与建设路交叉口卡点，"
                "一名身穿制服的辅警与一名外卖骑手发生争执后，抬手扇了骑手一巴掌。目前视频在网上快速传播，"
                "我们已联系相关部门，等待回应。#江州辅警扇外卖员耳光#", evade=False)
    set_final(local, ("decay", 40), reposts=2150, comments=1530, likes=5240)
    KEY_RESENDS.append((local, [25, 60]))

    big = inc(I, "big_v", "weibo", 105, SPECIAL["hot_wb"],
              "#江州辅警扇外卖员耳光# 视频里，外卖骑手只是问了一句“为什么不让过”，对方抬手就是一巴掌。"
              "辅警是协助执法，不是特权。打人的是谁、卡点由谁负责、事后怎么处理，希望江州警方尽快给公众一个交代。",
              evade=False)
    set_final(big, ("logistic", 48, 14), reposts=18600, comments=9240, likes=61300)
    big.first_age = 4
    KEY_RESENDS.append((big, [12, 22, 35, 50, 70, 95, 125]))

    reasons = L(
        "必须严查|这也太嚣张了|希望有后续|蹲一个官方通报|外卖小哥太难了[泪]|打人就是打人，别拿执法当借口|"
        "辅警到底归谁管？|转发微博|已经上热搜了|气死我了|视频看得人手都抖|坐等处理结果|别又是临时工吧|"
        "请江州公安正面回应|心疼小哥|这种人不配穿这身衣服|@江州公安 出来说话|我也在那个卡点被凶过|严惩！|"
        "真的看不下去|平时送外卖已经够委屈了|热搜第几了|围观|这就是所谓的文明执法？|支持小哥维权|越看越气|"
        "马克一下|转发让更多人看到|希望不要不了了之|一巴掌打掉的是公信力|辅警打人，民警在干嘛|"
        "江州的朋友说一下后续|打人的必须道歉")
    earlier = []
    for m in spread_minutes(33, 106, 230, 1.5):
        weibo_repost(I, "repost_big_v", m, big, reasons, earlier, viral=R.uniform(1, 4))
    for m in spread_minutes(5, 96, 150):
        weibo_repost(I, "repost_local", m, local, reasons, earlier, viral=R.uniform(1, 3))

    tieba_incident_thread(
        I, "江州吧", "明湖路卡点辅警打外卖小哥的视频你们看了没",
        ["视频都传疯了，就在明湖路建设路口，那个卡点天天查电动车，我上周路过也被凶过。",
         "看了，太过分，小哥就问了一句", "听说已经停职了？有没有知情的", "那个卡点的人一直这样，早该有人管了",
         "楼主别乱带节奏，等通报吧", "辅警打人，正式民警在旁边看着也不拦", "通报出来了，停止执行职务，看后续吧"],
        spread_minutes(7, 118, 215), viral=4)

    q = new_question("如何看待江州一辅警在卡点扇外卖骑手耳光？")
    zhihu_sent = L(
        "目前流传的视频只有四十秒左右，前因后果还需要等官方调查。|"
        "但无论前面发生了什么，执勤人员动手打人都是不能接受的。|"
        "按照现行规定，辅警在民警的指挥和监督下开展辅助性工作，不具备独立执法资格。|"
        "卡点管控本身是为了交通安全，但管控不等于可以对群众动手。|"
        "外卖骑手的处境大家都知道，超时就扣钱，着急问一句很正常。|"
        "如果查实，涉事辅警可能面临辞退，情节严重的还要承担治安甚至刑事责任。|"
        "更值得追问的是：现场有没有正式民警？他当时在干什么？|"
        "这类事件每次都是视频先火，然后通报，然后停职，然后就没有然后了。|"
        "希望这次的处理结果能公开透明，而不是一句“临时工”了事。|"
        "也提醒一句，网上已经有人在人肉这位辅警的家人，这同样是违法的。|"
        "利益相关：做过两年外卖骑手。卡点被凶是常事，但直接动手的确实少见。|"
        "警方通报的速度值得肯定，从视频发酵到通报不到两个小时。")
    zhihu_incident_answers(I, q, spread_minutes(8, 135, 236), zhihu_sent,
                           top_final={"likes": 4860, "comments": 712})

    official = inc(I, "police_statement", "weibo", 160, SPECIAL["police_mh_wb"],
                   "【情况通报】11月28日上午9时许，在明湖路与建设路交叉口电动车通行管控点，一名辅警在执勤过程中"
                   "与一名外卖骑手发生争执并动手打人。我局高度重视，立即成立调查组，涉事辅警已被停止执行职务，"
                   "我局已向当事骑手当面致歉。下一步，将依法依规严肃处理，处理结果及时向社会公布。感谢广大网友监督。"
                   "江州市公安局明湖分局 2026年11月28日", evade=False)
    set_final(official, ("decay", 35), reposts=6420, comments=15800, likes=23100)
    KEY_RESENDS.append((official, [15, 35, 60]))
    police_share = inc(I, "police_statement", "weibo", 162, SPECIAL["police_wb"],
                       "//@江州市公安局明湖分局:【情况通报】11月28日上午9时许，在明湖路与建设路交叉口电动车通行管控点，"
                       "一名辅警在执勤过程中与一名外卖骑手发生争执并动手打人……", evade=False)
    police_share.repost_of = official
    set_final(police_share, ("decay", 30), reposts=3100, comments=4200, likes=9800)
    after = L(
        "停职就完了？打人要依法处理|通报速度点赞，但处理要到位|早这样不就好了|动手打人该拘留就拘留|"
        "态度还算可以，看后续|希望不是为了平息舆论|致歉是应该的，赔偿呢？|停止执行职务是什么意思，还能复职吗|"
        "这次算是快的了|记住这个通报，过两个月看看处理结果")
    earlier2 = []
    for m in spread_minutes(14, 162, 236, 1.2):
        weibo_repost(I, "repost_statement", m, official, after, earlier2, excerpt_p=0.25, viral=R.uniform(1, 3))

    news_item(I, "news", 140, ("新视界网", "xsj"), "江州一辅警执勤时扇外卖骑手耳光？视频引发网友关注",
              "今天上午，一段“辅警扇外卖骑手耳光”的视频在多个社交平台流传。视频显示，在江州市明湖路与建设路交叉口的"
              "一处电动车通行管控点，一名身穿制服的男子与一名外卖骑手发生争执，随后该男子抬手打了骑手一记耳光。\n"
              "发布视频的网友称，当时骑手只是询问为什么电动车不能通行。视频发布后迅速引发关注，截至发稿时，相关话题"
              "阅读量已超过一亿次。\n记者随后联系江州市公安局明湖分局，工作人员表示已关注到此事，正在核实情况。"
              "本网将持续关注。")
    news_item(I, "news", 172, ("江州日报", "jzrb"), "江州警方通报“辅警掌掴外卖骑手”：涉事辅警已停止执行职务",
              "11月28日，江州市公安局明湖分局发布情况通报称，当日上午9时许，在明湖路与建设路交叉口电动车通行管控点，"
              "一名辅警在执勤过程中与一名外卖骑手发生争执并动手打人。\n通报称，该局已成立调查组，涉事辅警已被停止执行"
              "职务，并已向当事骑手当面致歉。下一步将依法依规严肃处理，处理结果及时向社会公布。\n"
              "据了解，该管控点是近期为整治电动车违法行为设置的临时卡点。当事骑手向记者表示，希望对方能够当面道歉，"
              "并希望此事能有一个公正的处理结果。")
    news_item(I, "news", 198, ("法治观察网", "fzgc"), "辅警执法边界在哪里？专家解读“江州掌掴事件”",
              "江州一辅警在管控点掌掴外卖骑手一事引发广泛讨论。辅警能不能执法？动手打人该承担什么责任？\n"
              "多位法律专家表示，辅警属于警务辅助人员，应当在公安民警的指挥和监督下开展辅助性工作，不得单独执法。"
              "在执勤过程中殴打他人，属于违法行为，当事人可依法追究其法律责任，用人单位也应承担相应的管理责任。\n"
              "专家同时指出，近年来各地辅警队伍规模不断扩大，培训和管理也应同步跟上。对于管控点这样直接面对群众的岗位，"
              "更应明确民警在场带班的要求，避免辅警单独处置矛盾。\n也有专家提醒，公众在关注事件的同时，"
              "应避免对当事人及其家属进行网络暴力。")
    news_item(I, "news", 221, ("江东晨报", "jdcb"), "被掌掴的外卖骑手：希望对方当面道歉",
              "11月28日下午，记者联系上了视频中的外卖骑手张先生。张先生今年29岁，在江州跑外卖已经三年。\n"
              "他告诉记者，当天上午他送餐经过明湖路，发现路口设置了卡点，电动车需要绕行。他上前询问原因，"
              "对方语气很冲，双方争执了几句后，对方突然动手。\n“我当时就懵了。”张先生说，事后他照常去送了单，"
              "直到中午才发现视频已经传开。明湖分局的工作人员已经和他联系，并向他道歉。\n"
              "张先生表示，他最希望的是打人者本人能当面道歉，同时也希望卡点的执勤方式能够改进。")

    wx_pool = L(
        "今天上午，一段四十秒的视频让很多人看了心里发堵。|"
        "视频里，一名外卖骑手在路口卡点询问为什么不能通行，对方抬手就是一记耳光。|"
        "从视频发酵到警方通报，前后不到两个小时，这样的回应速度值得肯定。|"
        "但停止执行职务只是第一步，公众真正关心的是后续的处理结果。|"
        "辅警是警务辅助人员，他们的工作很辛苦，也常常承受着不少委屈。|"
        "但穿上制服，就意味着要接受更严格的约束，不能把情绪发泄在群众身上。|"
        "这一巴掌打在骑手脸上，也打在了执法公信力上。|"
        "卡点由谁带班？现场的民警在做什么？辅警的培训是否到位？这些问题都需要回答。|"
        "外卖骑手是城市里最忙碌的一群人，他们的尊严同样需要被尊重。|"
        "我们期待一个公开、透明、经得起检验的处理结果。|"
        "据发布视频的网友介绍，当时路口正在对电动车进行通行管控，不少骑手被要求绕行。|"
        "对于争分夺秒的骑手来说，绕一圈可能就意味着超时、差评和扣款。|"
        "这并不是为打人者开脱，恰恰说明基层执勤更需要耐心解释，而不是简单粗暴。|"
        "近年来，各地都在规范辅警队伍的管理，明确辅警不得单独执法。|"
        "如果一个卡点长期只有辅警在执勤，那么管理上的漏洞同样需要被追问。|"
        "视频中还有一个细节：挨打之后，骑手没有还手，而是愣在原地，过了好几秒才拿出手机。|"
        "很多网友说，看到这一幕，心里特别难受。|"
        "执法的温度，往往就体现在这些最普通的瞬间里。|"
        "也希望网友们理性讨论，不要人肉涉事人员的家属。|"
        "你怎么看这件事？欢迎在评论区留言。")
    for m, acc, title in [(185, "comment_wx", "一记耳光之后，我们该追问什么"),
                          (206, "law_wx", "外卖骑手被掌掴：辅警执法的边界在哪里"),
                          (226, "life_wx", "明湖路那一巴掌，打疼了谁")]:
        p = inc(I, "wechat_comment", "wechat", m, SPECIAL[acc], wechat_article(wx_pool, 400, 1200),
                title=title, viral=R.uniform(3, 8), evade=False)


def gen_incident_2():
    I = "I2"
    wb = L(
        "江州车管所换个驾照，早上七点半来排队，到现在十点了还没叫到号，{n}个窗口就开了两个，其他窗口的人在喝茶聊天|"
        "{unit}户籍窗口那个女工作人员态度真的差，问一句要带什么材料就吼：墙上贴着自己不会看？|"
        "办个身份证跑了三趟，每次都说缺材料，一次性告知很难吗？{emo}|"
        "车管所门口的黄牛比工作人员还多，给两百块就能插队，有没有人管管|"
        "户籍窗口十一点就不收号了，我请了半天假白跑一趟{emo}|"
        "给孩子上户口，派出所说要回老家开证明，老家又说要江州这边出函，来回踢皮球一个月了|"
        "车管所的服务态度什么时候能改改？问个问题像欠了他钱一样|"
        "在车管所排了三个小时，到我了说系统故障，让明天再来{emo}|"
        "户籍民警对老人说话能不能耐心一点，我奶奶耳朵不好，多问了两句就被凶哭了")
    for m in spread_minutes(10, 10, 236, 1.0):
        inc(I, "complaint", "weibo", m, citizen("weibo"), fresh(lambda: fill(pick(wb))), viral=R.uniform(0.8, 2))
    tieba_incident_thread(
        I, "江州吧", "江州车管所的效率真是服了",
        ["周六来换驾照，七点半到，前面已经排了一百多号，窗口只开两个，工作人员还在聊天。",
         "我上周也是，排了一上午", "去网上办啊，12123能办很多业务", "那个窗口的大姐出了名的凶",
         "投诉有用吗？打12345试试", "黄牛就在门口，明目张胆"],
        spread_minutes(6, 20, 200), viral=1)
    tieba_incident_thread(
        I, "驾照吧", "户籍窗口态度差可以投诉吗",
        ["{unit}户籍室办迁户口，工作人员爱答不理，问三句回一句，最后说材料不全让我下周再来。",
         "可以打12345或者公安局的投诉电话", "同一个所，我去年也遇到过"],
        spread_minutes(3, 60, 230), viral=1)
    q = new_question("车管所、户籍窗口工作人员态度恶劣，应该怎么投诉？")
    zhihu_incident_answers(I, q, spread_minutes(2, 80, 220), L(
        "可以拨打12345政务服务热线，也可以向公安机关的督察部门反映。|投诉时尽量记下窗口号、时间和工作人员的工号。|"
        "我投诉过一次，三天后就有人回电话道歉了。|很多业务现在可以在网上办，能不跑就不跑。|"
        "窗口工作人员压力也大，但态度差就是态度差，该投诉就投诉。|排队时间太长，根子在窗口开得少。"))
    inc(I, "complaint", "douyin", 140, citizen("douyin"),
        "车管所排队实拍，三个小时了还没轮到我，窗口就开了两个 #车管所 #排队 #江州", viral=1.5)


def gen_incident_3():
    I = "I3"
    first = inc(I, "rumour_origin", "weibo", 150, citizen("weibo"),
                "网传江州火车站刚才警察开枪打死了一个男的，现场好多血，有没有在附近的说一下？", evade=False)
    set_final(first, ("decay", 25), reposts=1320, comments=816, likes=905)
    KEY_RESENDS.append((first, [15, 35]))
    rumours = L(
        "刚刚江州站广场好多警车，听说开枪了，死人了？|"
        "朋友发的，说江州火车站警察当场击毙一人，现在整个站前广场都封了|"
        "江州火车站开枪了？真的假的，我下午还要坐车|"
        "江州站出事了，警察开了好几枪（视频来源网络）|"
        "听说江州火车站警察开枪打死人了，家人们最近别去那边|"
        "群里都在传火车站的事，说警察开枪打死了一个人，到底怎么回事|"
        "网传江州站有人被警察打死，有没有知情人士|"
        "大白天在火车站开枪？打死人了？求真相")
    earlier = []
    for m in spread_minutes(10, 152, 200, 0.9):
        if chance(0.3):
            weibo_repost(I, "rumour_repost", m, first, rumours, earlier, excerpt_p=0.5, viral=R.uniform(1, 4))
        else:
            inc(I, "rumour", "weibo", m, citizen("weibo"), fill(pick(rumours)), viral=R.uniform(1, 4))
    for m in spread_minutes(4, 155, 200):
        inc(I, "rumour", "douyin", m, citizen("douyin"),
            fill(pick(L("江州火车站现场，听说有人被警察打死了 #江州站|火车站出大事了，警察开枪了，现场全封了 #江州|"
                        "江州站警察开枪？有没有人知道怎么回事 #突发"))), viral=R.uniform(2, 6))
    for m in spread_minutes(4, 158, 205):
        inc(I, "rumour", "kuaishou", m, citizen("kuaishou"),
            fill(pick(L("火车站那边出大事了，警察开枪了老铁们|江州站听说打死人了，家人们别去那边|"
                        "警察在火车站开枪打死人？谁在现场"))), viral=R.uniform(2, 5))
    tieba_incident_thread(
        I, "江州吧", "江州站是不是出事了？",
        ["在群里看到说警察在火车站开枪打死人，有没有知道的", "我也看到了，说是打死了一个", "别乱传，等官方消息",
         "辟谣了，是持刀的被制服了，没开枪"],
        [160, 168, 176, 210], viral=2)

    debunk = inc(I, "debunk", "weibo", 197, SPECIAL["rail_wb"],
                 "【警情通报】11月28日10时许，一男子（刘某，42岁）在江州站站前广场持刀滋事，江州站派出所民警接警后迅速到场，"
                 "依法使用警械将其控制，处置过程中未开枪，无人员伤亡。目前刘某已被依法采取强制措施。"
                 "网传“江州火车站警察开枪打死人”系谣言，对编造、散布谣言者，公安机关将依法调查处理。请广大网友不信谣、不传谣。",
                 evade=False)
    set_final(debunk, ("decay", 30), reposts=3510, comments=2140, likes=12200)
    KEY_RESENDS.append((debunk, [12, 30]))
    after = L("原来是谣言，白担心了|散了散了|造谣的应该抓起来|幸好没人受伤|辟谣也太快了吧，真的假的|"
              "我朋友就在现场说听到响声了，真的没开枪？|谣言止于智者|民警处置得很专业|转给群里那些乱传的人看看|"
              "下次看到这种消息先等等官方")
    earlier2 = []
    for m in spread_minutes(9, 199, 236):
        weibo_repost(I, "debunk_repost", m, debunk, after, earlier2, excerpt_p=0.4, viral=R.uniform(1, 3))
    inc(I, "debunk", "douyin", 203, SPECIAL["police_dy"],
        "辟谣！江州站民警依法处置持刀滋事男子，未开枪，无人员伤亡，网传“开枪打死人”为谣言 #辟谣 #江州", evade=False)
    inc(I, "debunk", "wechat", 212, SPECIAL["police_wx"],
        "11月28日上午，网上出现“江州火车站警察开枪打死人”的消息，引发部分网友关注。\n经核实，当日10时许，一名42岁男子"
        "刘某在江州站站前广场持刀滋事，江州站派出所民警接警后迅速到场处置，依法使用警械将其控制。处置过程中民警未开枪，"
        "现场无人员伤亡，车站秩序很快恢复正常。\n目前，刘某已被依法采取强制措施，案件正在进一步办理中。\n"
        "网传“开枪打死人”的说法与事实不符。公安机关提醒，编造、故意传播虚假警情，扰乱公共秩序的，将依法承担法律责任。"
        "请广大网友不信谣、不传谣，以官方发布的信息为准。\n"
        "在此也提醒广大旅客：进站乘车请自觉接受安全检查，遇到可疑人员或突发情况，请第一时间报警或向车站工作人员求助，"
        "不要围观、拍摄和转发未经核实的信息。平安江州，需要你我共同守护。", title="【辟谣】网传“江州火车站警察开枪打死人”？真相是……",
        evade=False)
    news_item(I, "news", 205, ("江州日报", "jzrb"), "江州铁路警方：网传“火车站警察开枪打死人”不实",
              "11月28日，有网友发帖称“江州火车站警察开枪打死人”。记者从江州铁路公安获悉，该消息不实。\n"
              "据通报，当日10时许，一男子在江州站站前广场持刀滋事，江州站派出所民警迅速到场，依法使用警械将其控制，"
              "处置过程中未开枪，无人员伤亡。目前该男子已被依法采取强制措施。\n警方表示，对编造、散布谣言者将依法调查处理。\n"
              "记者注意到，相关谣言最早出现在上午10时30分左右，随后在多个社交平台传播，部分帖文还配发了与事件无关的视频画面。"
              "有网友表示，自己在群里看到消息后一度不敢前往车站乘车。\n铁路警方提醒，旅客如遇突发情况，请听从现场工作人员和民警指挥，"
              "不要围观、拍摄和转发未经核实的信息。")
    news_item(I, "news", 224, ("城市快讯", "csks"), "江州站一男子持刀滋事被控制 警方辟谣“开枪击毙”",
              "今天上午，江州站站前广场一名男子持刀滋事，被赶到的民警迅速控制。事件发生后，网上出现“警察开枪击毙一人”的说法。"
              "铁路警方随后发布通报，明确处置过程中未开枪、无人员伤亡，网传信息系谣言。\n"
              "记者中午在江州站看到，站前广场秩序正常，旅客进出站未受影响。\n一位在广场附近经营小卖部的店主告诉记者，"
              "当时听到有人喊叫，随后看到几名民警跑过去，很快就把人控制住了，“前后也就一两分钟，没听到什么枪声”。\n"
              "律师表示，编造虚假险情、疫情、灾情、警情，在信息网络或者其他媒体上传播，严重扰乱社会秩序的，可能构成犯罪；"
              "情节较轻的，也将依照治安管理处罚法受到处罚。")


def gen_incident_4():
    I = "I4"
    wb = L(
        "今天在江州绕城高速南出口被交警拦下，说我压实线，要罚200扣3分，行车记录仪拍得清清楚楚根本没压线，"
        "理论两句就说要扣车，这是什么执法？|"
        "江州交警是不是有罚款指标？一个月被拦了3次，每次都是外地牌照{emo}|"
        "交警罚款不开票据，只让扫个二维码，这钱到底进了谁的口袋？|"
        "城南那个路口的电子眼明明是新装的，连个提示牌都没有，一天罚了几百辆车，这不是钓鱼执法吗|"
        "车被扣了说要交了罚款才能提，停车场一天收80，这不是抢钱吗|"
        "被交警拦下说我没系安全带，我明明系了，他说他看到了就是看到了，罚款50扣2分|"
        "绕城出口天天有交警蹲点，专抓外地车，江州的营商环境就这样？|"
        "申诉了一个月，交警队说视频已经覆盖了，罚款照交，这合理吗")
    for m in spread_minutes(9, 90, 236, 1.0):
        inc(I, "complaint", "weibo", m, citizen("weibo"), fresh(lambda: fill(pick(wb))), viral=R.uniform(1, 4))
    top = inc(I, "complaint", "douyin", 112, citizen("douyin"),
              "被交警拦下要扣车，大家看看我到底违没违章，记录仪全程都在 #交警 #乱罚款 #江州", viral=8, evade=False)
    KEY_RESENDS.append((top, [30, 70]))
    for m in spread_minutes(3, 130, 230):
        inc(I, "complaint", "douyin", m, citizen("douyin"),
            fill(pick(L("外地车来江州一定要小心，绕城出口交警专门罚款 #避坑|罚款不开票，还要扣车，江州交警给个说法 #维权|"
                        "被罚了200扣3分，明明没压线，大家帮我看看视频 #交警"))), viral=R.uniform(2, 5))
    for m in spread_minutes(3, 120, 236):
        inc(I, "complaint", "kuaishou", m, citizen("kuaishou"),
            fill(pick(L("江州交警罚款不开票，老铁们评评理|跑长途的兄弟注意了，江州绕城出口天天罚款扣车|"
                        "被扣车了，停车场一天80，交警说不交罚款不给提"))), viral=R.uniform(1, 4))
    tieba_incident_thread(
        I, "江州吧", "江州交警乱罚款有人管吗",
        ["绕城南出口，说我压线罚200扣3分，记录仪显示根本没压，跟他说要看视频，他说不服去申诉，还说再啰嗦就扣车。",
         "正常，那个出口天天蹲", "去交警队申诉，带上记录仪视频", "罚款不开票可以直接举报"],
        spread_minutes(4, 140, 232), viral=1.5)
    q = new_question("被交警错误罚款扣分，应该怎么申诉？")
    zhihu_incident_answers(I, q, [175], L(
        "首先保存好行车记录仪视频，这是最直接的证据。|可以在交管12123上对违法记录提出异议。|"
        "现场处罚的，可以在六十日内申请行政复议，或者六个月内提起行政诉讼。|"
        "罚款必须开具财政部门统一制发的票据，不开票的可以拒绝缴纳并举报。|"
        "扣车要有法定事由，并出具扣留凭证。"))


def gen_incident_5():
    I = "I5"
    wb = L(
        "电动车在小区楼下被偷了，去{unit}报警，民警说三千块以下不立案，让我自己去找物业调监控，那要你们干嘛？|"
        "手机被偷去报案，做完笔录就让回去等消息，一个月了回执都不给，问就是在查|"
        "家里被盗报警两次都不给立案，说证据不足，监控都拍到人了还证据不足？|"
        "派出所不立案是不是为了压发案率？丢了东西报警跟没报一样|"
        "店里被人偷了两次，派出所说金额太小不够立案，让我们自己多装几个摄像头{emo}|"
        "报案的时候民警一直在玩手机，说这种小案子破不了的，你自己想开点|"
        "去派出所要不予立案通知书，他们说没有这个东西，这正常吗")
    for m in spread_minutes(8, 40, 236, 1.0):
        inc(I, "complaint", "weibo", m, citizen("weibo"), fresh(lambda: fill(pick(wb))), viral=R.uniform(1, 3))
    tieba_incident_thread(
        I, "江州吧", "{unit}报案不给立案怎么办".replace("{unit}", "城南派出所"),
        ["电动车被偷，监控都拍到了人，派出所说不到立案标准，让我等通知，等了两个星期没下文。",
         "我的也是，报了跟没报一样", "要求他们出具不予立案通知书，然后去检察院", "派出所警力也有限，小案子确实顾不过来",
         "丢车的太多了，小区物业也有责任"],
        spread_minutes(5, 55, 230), viral=1.5)
    q = new_question("财物被盗，派出所不给立案怎么办？")
    zhihu_incident_answers(I, q, spread_minutes(3, 90, 230), L(
        "根据刑事诉讼法的规定，公安机关对于报案应当接受，不予立案的应当告知原因。|"
        "你可以要求出具不予立案通知书，并在七日内申请复议。|对不立案决定不服的，还可以向检察院申请立案监督。|"
        "盗窃公私财物数额较大的才构成盗窃罪，达不到的可以按治安案件处理。|"
        "实际操作中，小额盗窃确实很难追回，但不立案和不受理是两回事。|保留好报警回执，这是后续维权的依据。"))
    for m in spread_minutes(2, 100, 220):
        inc(I, "complaint", "douyin", m, citizen("douyin"),
            fill(pick(L("东西被偷了派出所说不立案，这正常吗 #维权 #江州|电动车被偷，报警后民警让我自己查监控 #电动车被盗"))),
            viral=R.uniform(1, 3))


def gen_incident_6():
    I = "I6"
    news_item(I, "news", 140, ("江州晚报", "jzwb"), "江州一派出所副所长醉驾撞车后驾车离开 已被停职调查",
              "11月27日晚10时许，江州市北塘区滨江大道一辆小轿车与路边停放的出租车发生碰撞，轿车随后驶离现场。"
              "交警部门接报后调查发现，肇事驾驶人王某某系北塘分局某派出所副所长，经检测，其血液酒精含量超过醉酒驾驶标准。\n"
              "江州市公安局相关负责人表示，王某某已被停止执行职务，案件正在依法依规调查处理中，对违法违纪行为绝不姑息。\n"
              "事故造成出租车尾部受损，无人员受伤。\n出租车司机{surname}师傅告诉记者，他当时在路边停车等客，"
              "突然感觉车身一震，下车时对方的车已经开走了，“幸亏车里没坐人”。")
    news_item(I, "news", 190, ("江州日报", "jzrb"), "江州市公安局：涉事民警已停止执行职务 将依法依规严肃处理",
              "针对网民关注的“北塘分局民警醉驾撞车后驶离”一事，江州市公安局今天回应称，涉事民警王某某已被停止执行职务，"
              "交警部门已依法立案，督察部门同步开展调查。\n该负责人表示，全市公安机关将以此为戒，深入开展纪律作风教育整顿，"
              "对民警违法违纪问题发现一起、查处一起，绝不护短。\n据了解，事发当晚，出租车司机发现车辆被撞后报警，"
              "交警通过调取沿线视频锁定了肇事车辆，并于当晚在其住处附近找到了驾驶人。经呼气酒精测试和血液检测，"
              "其血液酒精含量超过醉驾标准。\n这一事件在网上引发大量讨论。不少网友表示，执法者更应带头守法，"
              "希望有关部门依法从严处理，并及时公开调查结果。")
    wb = L(
        "执法者犯法，罪加一等。派出所副所长醉驾撞车还跑了？|副所长醉驾逃逸，普通人早就拘了，看看这次怎么处理|"
        "别又是内部处分了事，醉驾是刑事案件|这事不是第一次了吧？去年好像也有民警酒驾的|"
        "天天抓酒驾的人自己醉驾，讽刺|停职调查四个字看了太多次了|#江州民警醉驾# 撞了车还开走，这是肇事逃逸吧？|"
        "希望公开血液检测结果和处理结果|醉驾的副所长平时是怎么抓别人酒驾的？|"
        "北塘分局先把自己的人管好吧")
    for m in spread_minutes(11, 143, 236, 1.1):
        inc(I, "discussion", "weibo", m, citizen("weibo"), fresh(lambda: fill(pick(wb))), viral=R.uniform(1, 4))
    q = new_question("如何看待江州一派出所副所长醉驾撞车后驶离现场？")
    zhihu_incident_answers(I, q, spread_minutes(3, 170, 236), L(
        "醉驾本身已经构成危险驾驶罪，撞车后驶离还可能涉及交通肇事逃逸的认定。|"
        "民警醉驾，依法要追究刑事责任，同时还要受到开除等处分。|"
        "关键看后续是否依法移送起诉，而不是仅仅停职了事。|这种事对警察队伍形象的伤害非常大。|"
        "从通报看，事故没有造成人员伤亡，但性质非常恶劣。|希望调查过程公开透明，给公众一个交代。"))
    for m in spread_minutes(3, 150, 230):
        inc(I, "discussion", "douyin", m, citizen("douyin"),
            fill(pick(L("派出所副所长醉驾撞车跑了 #醉驾 #江州|天天抓酒驾的副所长自己醉驾，已停职 #民警醉驾|"
                        "醉驾撞了出租车就开走，这是副所长？ #江州"))), viral=R.uniform(2, 5))
    tieba_incident_thread(
        I, "江州吧", "北塘那个醉驾的副所长有后续吗",
        ["新闻说停职调查了，醉驾加驶离现场，按理说应该判吧", "等着看吧，估计会低调处理"],
        spread_minutes(2, 160, 230), viral=1.5)
    wx_pool = L(
        "11月27日晚，江州北塘区滨江大道发生一起交通事故。|"
        "肇事司机撞车后驶离现场，事后查明，他是一名派出所副所长，且血液酒精含量超过醉驾标准。|"
        "这条新闻让很多人感到愤怒。|天天查酒驾的人，自己却醉驾上路。|"
        "醉驾是刑事犯罪，对任何人都一样，不能因为身份特殊而例外。|"
        "我们注意到，警方在第一时间通报了事实，并对涉事民警停止执行职务。|"
        "接下来，公众期待的是依法移送、依法判决，以及相应的纪律处分。|"
        "执法者守法，是法治社会最基本的要求。|"
        "一个人的违法行为，不应该抹黑整个队伍，但也绝不能被轻轻放过。|"
        "根据法律规定，醉酒驾驶机动车构成危险驾驶罪，将被处以拘役并处罚金。|"
        "发生交通事故后驶离现场，还可能被认定为逃逸，承担更重的责任。|"
        "对于公职人员，除了刑事责任，还将面临党纪政务处分，通常会被开除。|"
        "值得注意的是，事故发生在前一天晚上，而相关情况直到第二天才被媒体披露。|"
        "公众关心的是，在这段时间里，调查是否及时，程序是否规范。|"
        "唯有一查到底，才能守住公信力。|"
        "对此你怎么看？欢迎留言。")
    for m, acc, title in [(205, "comment_wx", "天天查酒驾的人，自己醉驾上路"),
                          (228, "law_wx", "民警醉驾撞车后驶离，会面临哪些法律责任？")]:
        inc(I, "wechat_comment", "wechat", m, SPECIAL[acc], wechat_article(wx_pool, 350, 900), title=title,
            viral=R.uniform(2, 5), evade=False)


def gen_incident_7():
    I = "I7"
    wb = L(
        "昨晚江州奥体中心演唱会散场太吓人了，几万人挤一个出口，前面有个女孩摔倒差点被踩，安保一个都没看到|"
        "散场的时候只开了一个门，其他门全锁着，警察就站在外面拉警戒线，里面挤成什么样没人管|"
        "这次真是运气好没出事，下次呢？主办方和安保公司必须给个说法|"
        "孩子被挤哭了，鞋都挤掉了一只，以后再也不带孩子去看演唱会了{emo}|"
        "安保只会在入场的时候查充电宝，散场的时候人都不见了|"
        "现场几万人，就十几个安保，出口那段台阶差点发生踩踏，想想都后怕|"
        "昨晚在奥体被挤得喘不过气，有人喊后面别推了都没用，工作人员在哪里？|"
        "演唱会的票卖得那么贵，安保就这水平？|"
        "出口只开一个是谁的决定？警方说是为了控制人流，结果越控越乱")
    for m in spread_minutes(12, 20, 236, 1.0):
        inc(I, "complaint", "weibo", m, citizen("weibo"), fresh(lambda: fill(pick(wb))), viral=R.uniform(1, 4))
    for m in spread_minutes(4, 30, 220):
        inc(I, "complaint", "douyin", m, citizen("douyin"),
            fill(pick(L("演唱会散场现场，差点发生踩踏 #江州奥体 #演唱会|昨晚奥体出口挤成这样，安保在哪 #演唱会散场|"
                        "散场只开一个门，几万人挤在台阶上，太危险了 #江州|被挤到喘不过气，这就是演唱会的安保？"))),
            viral=R.uniform(2, 6))
    for m in spread_minutes(2, 50, 200):
        inc(I, "complaint", "kuaishou", m, citizen("kuaishou"),
            fill(pick(L("昨晚演唱会散场太挤了，家人们以后注意安全|奥体出口差点踩踏，安保一个没有"))), viral=R.uniform(1, 4))
    q = new_question("如何评价11月27日江州奥体中心演唱会散场时的混乱？")
    zhihu_incident_answers(I, q, spread_minutes(3, 60, 230), L(
        "大型活动散场是最容易出事的环节，人流密度一旦超过每平方米五人就非常危险。|"
        "只开一个出口无论出于什么考虑，都是不合理的安排。|主办方、场馆和安保公司都有责任，警方负责外围秩序。|"
        "我在现场，出口台阶那段真的很危险，有人摔倒后被旁边的人拉了起来。|"
        "建议以后分区错峰退场，这在很多场馆已经是常规做法。|幸好没有出事，但这次必须好好复盘。"))
    tieba_incident_thread(
        I, "江州吧", "昨晚奥体演唱会散场有人在吗",
        ["出口那里太吓人了，前面有人摔倒，后面还在推，我差点以为要出事。", "我在，安保完全没有疏导",
         "出口只开一个，真不知道怎么想的"],
        spread_minutes(3, 40, 180), viral=1.5)
    news_item(I, "news", 230, ("江东晨报", "jdcb"), "演唱会散场拥挤引发投诉 江州奥体：将优化散场通道",
              "11月27日晚，江州奥体中心举行的一场演唱会散场时，部分出口出现人员拥挤，多名观众在社交平台反映"
              "“出口只开一个”“安保人员不足”，有人险些摔倒。\n江州奥体中心工作人员今天回应称，当晚散场时确有部分通道"
              "因安全原因临时关闭，导致人流集中，场馆将会同主办方和安保公司进行复盘，优化散场通道设置，增加引导人员。"
              "\n记者了解到，当晚现场观众约四万人，未接到人员受伤的报告。\n多名观众在接受采访时表示，散场时东侧台阶"
              "人流密集，前面的人走不动，后面的人还在往前挤，“有几秒钟脚都沾不到地”。也有观众反映，现场安保人员大多集中在入场口，"
              "散场时很少看到引导人员。\n业内人士指出，大型演出活动的散场环节风险最高，主办方应当制定分区错峰退场方案，"
              "并在关键节点安排足够的疏导力量。")


def gen_incidents():
    gen_incident_1()
    gen_incident_2()
    gen_incident_3()
    gen_incident_4()
    gen_incident_5()
    gen_incident_6()
    gen_incident_7()
    # every evasion an incident lists appears in it at least once
    for key, (_, kinds) in INCIDENTS.items():
        for kind in kinds:
            if any(p.incident == key and p.evasion == kind for p in POSTS):
                continue
            cands = [p for p in POSTS if p.incident == key and p.extra.get("may_evade") and not p.evasion
                     and any(w in p.text for w in EVADE_WORDS)]
            if cands:
                apply_evasion(pick(cands), [kind], p=1.0)


# --------------------------------------------------------------------------------------
# Ids, re-sends, rendering
# --------------------------------------------------------------------------------------

ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
B64URL = B62 + "-_"


def assign_ids():
    used = set()

    def uniq(make):
        while True:
            v = make()
            if v not in used:
                used.add(v)
                return v

    POSTS.sort(key=lambda p: p.t)
    tieba_tid = 9312000000
    tieba_pid = 150210000000
    zhihu_aid = 3356000000
    news_n = 0
    last_wx = {}
    for p in POSTS:
        t = p.t
        if p.platform == "weibo":
            p.id = uniq(lambda: str(5241000000000000 + t * 12000000 + R.randint(0, 11999999)))
            p.extra["mblogid"] = uniq(lambda: "P" + "".join(pick(B62) for _ in range(8)))
        elif p.platform == "douyin":
            p.id = uniq(lambda: str(7443000000000000000 + t * 1000000000 + R.randint(0, 999999999)))
        elif p.platform == "kuaishou":
            p.id = uniq(lambda: "3x" + "".join(pick(ALNUM) for _ in range(13)))
        elif p.platform == "zhihu":
            zhihu_aid += R.randint(200, 2600)
            p.id = zhihu_aid
        elif p.platform == "tieba":
            if p.thread["tid"] is None:
                tieba_tid += R.randint(30, 400)
                p.thread["tid"] = str(tieba_tid)
            tieba_pid += R.randint(100, 3000)
            p.id = str(tieba_pid)
        elif p.platform == "wechat":
            a = p.author
            prev = last_wx.get(a.biz)
            if prev and t - prev[0] < 900 and prev[2] < 4:
                appmsg, idx = prev[1], prev[2] + 1
            else:
                # msgid is unique per account on WeChat; keep it unique across the feed too
                appmsg, idx = a.next_appmsg, 1
                while "%d_1" % appmsg in used:
                    appmsg += 1
                a.next_appmsg = appmsg + R.randint(1, 3)
            last_wx[a.biz] = (t, appmsg, idx)
            p.id = "%d_%d" % (appmsg, idx)
            used.add(p.id)
            p.extra["url"] = uniq(lambda: "https://mp.weixin.qq.com/s/" + "".join(pick(B64URL) for _ in range(22)))
        elif p.platform == "news":
            news_n += 1
            p.id = "news-20261128-%04d" % news_n
            p.extra["url"] = "https://news.example.cn/%s/20261128/%04d.html" % (p.author[1], news_n)


def has_counts(p):
    return p.platform != "news" and any(v > 0 for v in p.final.values())


def plan_emissions():
    """(send time, sequence, post, age in minutes, is_resend) for every line."""
    out = []
    seq = 0
    for p in POSTS:
        out.append([p.t, seq, p, p.first_age, False])
        seq += 1
    resends = []
    for p, ages in KEY_RESENDS:
        for age in ages:
            resends.append((p, float(age)))
    chosen = set()

    def choose(kind, n, bias_big):
        cands = [p for p in POSTS if p.kind == kind and has_counts(p) and p.t < SPAN - 45 * 60
                 and id(p) not in chosen]
        cands.sort(key=lambda p: -sum(p.final.values()))
        top = cands[: max(n * 3, 1)] if bias_big else cands
        picked = R.sample(top, min(n, len(top)))
        for p in picked:
            chosen.add(id(p))
            k = 1 if chance(0.7) else 2
            age = p.first_age
            for _ in range(k):
                age += R.uniform(15, 90)
                resends.append((p, age))

    for p, _ in KEY_RESENDS:
        chosen.add(id(p))
    inc_others = [p for p in POSTS if p.kind == "incident" and has_counts(p) and id(p) not in chosen
                  and p.t < SPAN - 30 * 60]
    for p in R.sample(inc_others, min(22, len(inc_others))):
        chosen.add(id(p))
        resends.append((p, p.first_age + R.uniform(10, 60)))
    choose("neutral", RESENDS_NEUTRAL // 1, True)
    choose("everyday", RESENDS_EVERYDAY // 2 + 6, True)
    choose("everyday", RESENDS_EVERYDAY // 2 - 6, False)
    for p, age in resends:
        send = p.t + int(age * 60)
        if send < SPAN:
            out.append([send, seq, p, age, True])
            seq += 1
    out.sort(key=lambda e: (e[0], e[1]))
    return out


def iso(t):
    return (T0 + dt.timedelta(seconds=t)).isoformat()


def unix(t):
    return int((T0 + dt.timedelta(seconds=t)).timestamp())


def render(p, counts):
    a = p.author
    c = counts
    if p.platform == "weibo":
        o = {"idstr": p.id, "mblogid": p.extra["mblogid"],
             "created_at": (T0 + dt.timedelta(seconds=p.t)).strftime("%a %b %d %H:%M:%S +0800 %Y"),
             "text": p.text,
             "user": {"idstr": a.uid, "screen_name": a.name, "followers_count": a.followers, "verified": a.verified},
             "reposts_count": c.get("reposts", 0), "comments_count": c.get("comments", 0),
             "attitudes_count": c.get("likes", 0), "region_name": "发布于 " + a.province}
        if p.repost_of is not None:
            o["retweeted_status"] = {"idstr": p.repost_of.id}
        return o
    if p.platform == "douyin":
        return {"aweme_id": p.id, "desc": p.text, "create_time": unix(p.t),
                "author": {"uid": a.uid, "nickname": a.name, "follower_count": a.followers, "custom_verify": a.label},
                "statistics": {"share_count": c.get("shares", 0), "comment_count": c.get("comments", 0),
                               "digg_count": c.get("likes", 0), "play_count": c.get("views", 0)},
                "share_url": "https://www.douyin.com/video/" + p.id, "ip_label": a.province}
    if p.platform == "kuaishou":
        return {"photo_id": p.id, "caption": p.text, "timestamp": unix(p.t) * 1000,
                "user": {"user_id": a.uid, "user_name": a.name, "fans": a.followers},
                "like_count": c.get("likes", 0), "comment_count": c.get("comments", 0),
                "forward_count": c.get("shares", 0), "view_count": c.get("views", 0)}
    if p.platform == "wechat":
        return {"msgid": p.id, "biz": a.biz, "title": p.title, "content": p.text, "publish_time": iso(p.t),
                "account": {"biz": a.biz, "nickname": a.name, "fans": a.followers},
                "read_num": c.get("views", 0), "like_num": c.get("likes", 0), "comment_num": c.get("comments", 0),
                "url": p.extra["url"]}
    if p.platform == "zhihu":
        q = p.question
        return {"answer_id": p.id, "question": {"id": q["id"], "title": q["title"]}, "content": p.text,
                "created_time": unix(p.t),
                "author": {"url_token": a.token, "name": a.name, "follower_count": a.followers},
                "voteup_count": c.get("likes", 0), "comment_count": c.get("comments", 0),
                "url": "https://www.zhihu.com/question/%d/answer/%d" % (q["id"], p.id)}
    if p.platform == "tieba":
        return {"tid": p.thread["tid"], "post_id": p.id, "forum": p.thread["forum"], "title": p.title,
                "content": p.text, "time": (T0 + dt.timedelta(seconds=p.t)).strftime("%Y-%m-%d %H:%M:%S"),
                "user": {"uid": a.uid, "name": a.name}, "reply_num": c.get("comments", 0)}
    if p.platform == "news":
        return {"guid": p.id, "headline": p.title, "body": p.text, "pubDate": iso(p.t), "source": a[0],
                "url": p.extra["url"]}
    raise ValueError(p.platform)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "feed.ndjson"))
    ap.add_argument("--labels", help="also write a TSV of the ground truth (line, platform, id, kind, ...)")
    args = ap.parse_args()

    make_accounts()
    gen_everyday()
    gen_neutral()
    gen_incidents()
    assign_ids()
    emissions = plan_emissions()

    last = {}
    lines = []
    labels = []
    for send, _, p, age, resend in emissions:
        counts = p.counts_at(age)
        prev = last.get(id(p))
        if prev is not None:
            # a re-send never shows smaller counts, and shows at least one larger one
            counts = {k: max(v, prev[k]) for k, v in counts.items()}
            if counts == prev and counts:
                k = max(counts, key=lambda key: counts[key])
                counts[k] += R.randint(1, 9)
        last[id(p)] = counts
        lines.append(json.dumps(render(p, counts), ensure_ascii=False, separators=(",", ":")))
        labels.append((p.platform, str(p.id), p.kind, p.incident, p.role, p.evasion, int(resend), int(p.hardneg)))

    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")
    if args.labels:
        with open(args.labels, "w", encoding="utf-8", newline="\n") as f:
            f.write("line\tplatform\tid\tkind\tincident\trole\tevasion\tresend\thard_negative\n")
            for i, row in enumerate(labels, 1):
                f.write("%d\t%s\n" % (i, "\t".join(str(x) for x in row)))

    # summary
    size = os.path.getsize(args.out)
    print("wrote %s: %d lines, %d bytes" % (args.out, len(lines), size))
    by_platform = Counter(r[0] for r in labels)
    by_kind = Counter(r[2] for r in labels)
    uniq_kind = Counter(p.kind for p in POSTS)
    print("lines per platform:", dict(sorted(by_platform.items())))
    print("lines per kind:    ", dict(sorted(by_kind.items())))
    print("unique posts per kind:", dict(sorted(uniq_kind.items())), "re-sends:", sum(r[6] for r in labels))
    print("hard negatives:", sum(p.hardneg for p in POSTS))
    for key, (desc, _) in INCIDENTS.items():
        ps = [p for p in POSTS if p.incident == key]
        plats = Counter(p.platform for p in ps)
        ev = Counter(p.evasion for p in ps if p.evasion)
        first = min(p.t for p in ps)
        last_t = max(p.t for p in ps)
        print("%s %3d posts %s-%s %s evasions=%s" % (
            key, len(ps), (T0 + dt.timedelta(seconds=first)).strftime("%H:%M"),
            (T0 + dt.timedelta(seconds=last_t)).strftime("%H:%M"), dict(sorted(plats.items())), dict(sorted(ev.items()))))


if __name__ == "__main__":
    main()
