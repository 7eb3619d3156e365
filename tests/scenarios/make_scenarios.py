#!/usr/bin/env python3
"""Writes the clustering scenario feeds in this folder (canonical post shape, one JSON object
a line, each with an `incident` field naming its true story, empty for none).

Every place, person and account is fictional. Run from anywhere; output is deterministic:

    python3 tests/scenarios/make_scenarios.py
"""
import json
import os
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
BJ = timezone(timedelta(hours=8))
DAY = datetime(2026, 11, 28, 8, 0, tzinfo=BJ)


class Feed:
    def __init__(self, name):
        self.name = name
        self.lines = []
        self.n = 0

    def post(self, minute, platform, body, incident="", author=None, followers=100,
             verified=False, title=None, repost_of=None, root_id=None, counts=None, pid=None,
             region=None):
        self.n += 1
        pid = pid or f"{self.name[:3]}{self.n:04d}"
        author = author or f"用户{(self.n * 7919) % 100000:05d}"
        line = {
            "platform": platform,
            "id": pid,
            "author": {"id": f"u-{author}", "name": author, "followers": followers,
                       "verified": verified},
            "body": body,
            "published_at": (DAY + timedelta(minutes=minute)).isoformat(),
            "counts": counts or {"reposts": 0, "comments": 0, "likes": 0},
            "incident": incident,
        }
        if title:
            line["title"] = title
        if repost_of:
            line["repost_of"] = repost_of
        if root_id:
            line["root_id"] = root_id
        if region:
            line["region"] = region
        self.lines.append((minute, self.n, line))
        return pid

    def write(self):
        self.lines.sort(key=lambda t: (t[0], t[1]))
        with open(os.path.join(HERE, self.name + ".ndjson"), "w", encoding="utf-8") as f:
            for _, _, line in self.lines:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")


def two_shootings():
    """A shooting at the railway station, and 40 minutes later a different one at a 派出所:
    other place, other victim, four platforms, a 5.5 M verified account."""
    f = Feed("two_shootings")
    a = [
        "江州火车站北广场有警察开枪了，一个男的中弹倒在地上，现场全是人",
        "刚刚火车站北广场听到两声枪响，警察开枪，一个人中弹了，吓死了",
        "江州站北广场民警开枪，视频里有人中枪倒地，到底怎么回事",
        "#江州火车站开枪# 目击者说警察开了枪，一名男子中弹，北广场已经封锁",
        "火车站北广场那边警察开枪，有人中弹了？有没有知道情况的",
        "江州火车站警察开枪有人中弹，希望官方尽快说明情况",
    ]
    for i, text in enumerate(a):
        f.post(i * 4, ["weibo", "douyin", "weibo", "kuaishou", "tieba", "weibo"][i], text, "station")
    b = [
        ("临江派出所门口民警开枪，一名外卖员中弹送医抢救，家属说他只是来报案的", 5_500_000, True),
        ("临江派出所民警开枪，报案的外卖员中弹，家属在派出所门口讨说法", 300, False),
        ("又一起！临江派出所民警开枪，中弹的是个送外卖的年轻人", 2000, False),
        ("临江派出所院内警察开枪，外卖小哥中弹，现场照片流出", 800, False),
        ("临江派出所民警开枪致外卖员中弹受伤，请求公开执法记录仪", 150, False),
    ]
    for i, (text, followers, verified) in enumerate(b):
        f.post(40 + i * 3, ["weibo", "douyin", "zhihu", "kuaishou", "weibo"][i], text, "paichusuo",
               author="江湖热评" if verified else None, followers=followers, verified=verified)
    for i in range(6):
        f.post(30 + i * 5, "weibo", "江州火车站北广场民警开枪男子中弹的事有后续了吗，现场视频还在传", "station")
    f.write()


def delivery_riders():
    """22 posts of "‹place›民警当街殴打外卖小哥", each from a different place: 22 stories."""
    f = Feed("delivery_riders")
    places = ["江州明湖区", "江州临江区", "江州城南区", "江州北塘区", "青州东港区", "云州西山区",
              "岚州南湖区", "海州北仑区", "宁州鼓楼区", "梁州新城区", "泸州江阳区", "沧州运河区",
              "秦州麦积区", "楚州淮安区", "越州柯桥区", "吴州姑苏区", "汉州武昌区", "蜀州温江区",
              "滇州盘龙区", "黔州云岩区", "闽州仓山区", "湘州雨花区"]
    for i, place in enumerate(places):
        f.post(i * 3, ["weibo", "douyin", "kuaishou", "tieba"][i % 4],
               f"{place}民警当街殴打外卖小哥，视频已经传开了", f"rider-{i:02d}")
    f.write()


def hour_apart():
    """Two 辅警 assaults an hour apart in different places of the same city."""
    f = Feed("hour_apart")
    for i, text in enumerate([
        "明湖路卡点辅警扇了外卖小哥两个耳光，就因为没戴头盔",
        "明湖路检查点辅警打外卖员耳光的视频谁拍的，太过分了",
        "明湖路卡点那个辅警当众打人，外卖骑手一直在道歉",
        "辅警在明湖路卡点掌掴骑手，这种人怎么能穿制服",
    ]):
        f.post(i * 6, ["douyin", "weibo", "weibo", "tieba"][i], text, "minghu")
    for i, text in enumerate([
        "北塘区菜市场辅警殴打卖菜老人，老人摔在地上半天起不来",
        "北塘菜市场辅警当众殴打摆摊老太太，菜撒了一地",
        "北塘区菜市场门口辅警打人，围观群众都看不下去",
        "辅警在北塘菜市场殴打老人的视频，有人认识这个辅警吗",
    ]):
        f.post(70 + i * 6, ["weibo", "douyin", "kuaishou", "weibo"][i], text, "beitang")
    for i in range(3):
        f.post(75 + i * 9, "weibo", "明湖路卡点辅警打骑手的事处理结果出来没有", "minghu")
    f.write()


def five_platforms():
    """One incident told in different words on five platforms."""
    f = Feed("five_platforms")
    f.post(0, "douyin", "城南区万家超市门口，两个特警把一个大爷按在地上打，大爷一直喊疼", "wanjia")
    f.post(5, "weibo", "#江州城南特警# 万家超市门前特警殴打一名老人，老人手臂受伤，网友质疑暴力执法", "wanjia")
    f.post(12, "zhihu", "看到城南万家超市的视频，特警对一个七十岁的卖花老人拳打脚踢合适吗？",
           "wanjia", title="如何看待江州城南区特警在超市门口压制卖花老人？")
    f.post(20, "tieba", "楼主就在万家超市上班，特警来了二话不说就把卖花的大爷摁在地上打，太狠了", "wanjia")
    f.post(31, "news", "11月28日上午，有网友发布视频称，江州市城南区万家超市门口，两名特警将一名卖花老人按倒在地殴打。"
           "视频显示老人多次呼痛。记者联系城南分局，工作人员表示正在核实。", "wanjia",
           author="江州晚报", followers=0, title="城南区超市门口特警按倒卖花老人？警方：正在核实")
    f.post(40, "weibo", "卖花大爷被特警按在地上打那个视频，城南万家超市，看着心酸", "wanjia")
    f.write()


def chains():
    """An incident with reposts, replies and quotes that name no police at all."""
    f = Feed("chains")
    root = f.post(0, "weibo", "北塘派出所民警殴打来报案的女孩，还把她锁在询问室一晚上", "locked",
                  followers=40000)
    for i, text in enumerate(["转发", "太可怕了", "必须给个说法", "真的假的？", "//@小北:关注"]):
        f.post(3 + i * 2, "weibo", text, "locked", repost_of=root, root_id=root)
    mid = f.post(14, "weibo", "这也太过分了//@北塘新鲜事:扩散", "locked", repost_of=root, root_id=root)
    for i, text in enumerate(["顶", "围观", "等后续"]):
        f.post(16 + i, "weibo", text, "locked", repost_of=mid, root_id=root)
    thread = f.post(5, "tieba", "北塘派出所民警打伤报案女孩还关了一整晚？有人知道详情吗", "locked",
                    root_id="t-9001", pid="t-9001")
    for i, text in enumerate(["蹲", "同问", "楼主说说细节", "帮顶"]):
        f.post(8 + i * 3, "tieba", text, "locked", root_id=thread)
    # Unrelated chatter in the same minutes: must stay out.
    for i, text in enumerate(["今天北塘的雾好大", "周末去明湖公园看菊花", "转发"]):
        f.post(6 + i * 4, "weibo", text, "")
    f.write()


def official():
    """A shooting rumour at the railway station, the railway police's 辟谣 of it, and, next
    to it, a different incident: a real shooting at a 临江 construction site, with the
    临江分局's own statement. Official posts belong to their own story."""
    f = Feed("official")
    for i, text in enumerate([
        "网传江州火车站警察开枪打死人了，有没有人在现场",
        "江州火车站警察开枪打死一个人？朋友圈都在传",
        "听说火车站那边警察开枪了，打死了一个",
        "江州站警察开枪打死人是真的吗，视频看着好吓人",
    ]):
        f.post(i * 5, ["weibo", "douyin", "weibo", "kuaishou"][i], text, "rumour")
    f.post(30, "weibo", "【辟谣】网传“江州火车站警察开枪打死人”不实。11月28日8时许，一男子在江州站站前广场持刀滋事，"
           "江州站派出所民警依法使用警械将其控制，处置过程中未开枪，无人员伤亡。", "rumour",
           author="江州铁路公安", followers=210000, verified=True)
    for i, text in enumerate([
        "临江区工地上警察开枪了，一个工人中弹，工友说他根本没拿刀",
        "临江工地民警开枪，农民工中弹，工友们围在工地门口不让走",
        "临江区建筑工地警察开枪，中弹工人已经送到医院",
    ]):
        f.post(33 + i * 4, ["douyin", "weibo", "weibo"][i], text, "site")
    f.post(55, "weibo", "【警情通报】11月28日8时40分许，临江区一建筑工地发生纠纷，一男子持械伤人，"
           "临江分局民警到场处置，鸣枪警告无效后开枪将其制服，该男子腿部中弹已送医救治，无生命危险。", "site",
           author="江州市公安局临江分局", followers=180000, verified=True)
    f.post(60, "weibo", "临江工地警察开枪工人中弹的事警方通报了，工友说法不一样", "site")
    f.write()


def slow_story():
    """A slow story over a day: the 城南 车管所 queue, a post every 40-55 minutes."""
    f = Feed("slow_story")
    texts = [
        "城南车管所又是只开两个窗口，排了三个小时还没轮到",
        "城南车管所办事效率太低了，工作人员还在玩手机",
        "今天去城南车管所换驾照，黄牛插队没人管",
        "城南车管所窗口态度差，问个问题被吼回来",
        "城南车管所排队到中午，下午说系统坏了明天再来",
    ]
    minute = 0
    for i in range(20):
        f.post(minute, ["weibo", "tieba", "weibo", "zhihu"][i % 4], texts[i % 5] + f"（第{i + 1}次来了）",
               "queue")
        minute += 40 + (i * 7) % 16
    f.write()


def follow_ups():
    """A drunk-driving officer in 临江, then comments that name no place and tell nothing the
    story does not already tell (the officer drank and drove): they join its event."""
    f = Feed("follow_ups")
    for i, text in enumerate([
        "临江派出所一名民警醉驾，开车撞上路边的出租车后直接开走了",
        "临江区昨晚警车追尾出租车，开车的民警醉驾，司机说对方满身酒气",
        "#临江民警醉驾# 出租车师傅：撞了我的车，那个民警醉驾还想跑",
    ]):
        f.post(i * 7, ["weibo", "douyin", "weibo"][i], text, "linjiang")
    for i, text in enumerate([
        "民警醉驾还撞了车，这要是普通人早就抓了",
        "又是民警酒驾，别再内部处理了事",
        "醉驾的民警平时是怎么查别人酒驾的",
        "执法者醉驾，罪加一等，支持严肃处理民警酒驾",
    ]):
        f.post(25 + i * 6, ["weibo", "weibo", "douyin", "weibo"][i], text, "linjiang")
    f.write()


def follow_ups_apart():
    """What a follow-up must not join: comments that add an act (a beating) or a kind of
    officer (a 交警) the open story does not tell, the same act by 辅警 in the neighbouring
    district half an hour later, and the same story told again in 明湖 hours after the first
    event went quiet."""
    f = Feed("follow_ups_apart")
    for i, text in enumerate([
        "明湖派出所民警醉驾撞了护栏，车头都撞烂了",
        "明湖区一民警醉驾撞护栏，有人拍到他下车站都站不稳",
        "明湖那个醉驾撞护栏的民警，听说是派出所的",
    ]):
        f.post(i * 4, ["weibo", "douyin", "weibo"][i], text, "minghu")
    for i, text in enumerate([
        "民警醉驾撞护栏，这种人还穿着警服",
        "又是民警酒驾，查别人的时候怎么那么严",
    ]):
        f.post(12 + i * 5, "weibo", text, "minghu")
    for i, text in enumerate([
        "临江区两个辅警醉驾开着巡逻车去吃夜宵，被群众拍下来了",
        "临江那两个辅警醉驾开巡逻车，视频都传开了",
    ]):
        f.post(35 + i * 4, ["douyin", "weibo"][i], text, "linjiang")
    f.post(45, "weibo", "辅警醉驾开巡逻车，谁给他们的胆子", "linjiang")
    # Comments that add a who or a what: other stories, though they tell a drunk officer.
    f.post(22, "weibo", "民警醉驾被拦下还动手殴打了拦车的群众，太嚣张了", "beating")
    f.post(27, "weibo", "又一个交警醉驾被拍到了，骑着摩托撞翻了水果摊", "traffic")
    for i, text in enumerate([
        "明湖派出所又有民警醉驾被拍到，这是这个月第二次了",
        "明湖区民警醉驾又上热搜，撞坏了小区门口的道闸",
    ]):
        f.post(200 + i * 5, ["weibo", "douyin"][i], text, "minghu-again")
    f.post(215, "weibo", "民警醉驾怎么屡禁不止", "minghu-again")
    f.write()


def resurfacing():
    """A slow story that resurfaces after the quiet window: one unlisted 派出所 will not file
    one stolen e-bike's case, told again every two hours or so over a day (each gap longer
    than `quiet_minutes`). One story: the event reopens each time instead of a new one."""
    f = Feed("resurfacing")
    texts = [
        "电动车在店门口被偷了，监控拍到了人脸，桐溪派出所说价值不够不给立案",
        "桐溪派出所到底管不管？我的电动车被偷，监控清清楚楚，民警就是不立案",
        "昨天电动车被偷去桐溪派出所报案，民警看了监控还是说不予立案",
        "被偷的电动车三千多块，桐溪派出所说达不到立案标准，监控白拍了",
        "桐溪派出所推诿，电动车被盗的监控我都拷给他们了，就是不立案",
        "有人遇到过吗，桐溪派出所报案电动车被偷，民警让回去等通知，不给立案",
        "桐溪派出所对电动车被盗不立案，监控里小偷的脸都看得见",
        "还在等桐溪派出所立案，电动车被偷一天了，监控拍到了派出所也不受理",
        "桐溪派出所民警说电动车被偷这种事太多了不立案，那监控装着干嘛",
        "电动车被偷找桐溪派出所，民警拒绝立案，监控视频都给了",
    ]
    minute = 0
    for i, text in enumerate(texts):
        f.post(minute, ["weibo", "douyin", "tieba", "weibo", "kuaishou"][i % 5], text, "ebike")
        minute += 95 + (i * 37) % 60
    f.write()


def resurfacing_apart():
    """What a resurfacing post must not reopen: at the same unlisted 派出所, hours after one
    story went quiet, another story with the same kind of act (a beating) and other people;
    and a refused case told at another 派出所 after the first one's went quiet."""
    f = Feed("resurfacing_apart")
    for i, text in enumerate([
        "桐溪派出所辅警在大厅里打了来办户口的大爷，大爷额头都流血了",
        "办户口的大爷在桐溪派出所大厅被辅警打破了头，家属要讨说法",
        "桐溪派出所那个打大爷的辅警停职了吗，大爷额头缝了五针",
    ]):
        f.post(i * 10, ["weibo", "douyin", "weibo"][i], text, "elder")
    for i, text in enumerate([
        "桐溪派出所门口民警把送外卖的小伙按在地上，外卖撒了一地",
        "外卖小伙在桐溪派出所门口被民警摁在地上，就因为电瓶车停错了位置",
    ]):
        f.post(190 + i * 8, ["douyin", "weibo"][i], text, "rider")
    for i, text in enumerate([
        "柳岸派出所不给立案，家里被盗的金项链值两万多，民警说证据不足",
        "家里金项链被偷去柳岸派出所报案，民警推诿说证据不足不受理",
    ]):
        f.post(300 + i * 12, ["weibo", "tieba"][i], text, "necklace")
    for i, text in enumerate([
        "桐溪派出所也不给立案，我家的电动车被偷了，民警说这种小案子排不上",
        "电动车被偷去桐溪派出所，民警说小案子不立案，让我们自己装监控",
    ]):
        f.post(420 + i * 10, ["weibo", "douyin"][i], text, "ebike-apart")
    f.write()


def market_names():
    """One story at an unlisted market whose name the posts write four ways (菜市场, 市场,
    菜场, 农贸市场): one place, one event."""
    f = Feed("market_names")
    for i, text in enumerate([
        "青禾菜市场门口辅警掀了卖菜大妈的摊子，还把大妈推倒在地",
        "青禾市场那个辅警掀摊打人的视频看得人火大，大妈被推倒后蹲在地上捡菜",
        "辅警在青禾菜场把大妈的菜摊掀翻了，还动手打了她",
        "青禾农贸市场辅警殴打卖菜大妈，周围摊主都看不下去",
        "又看了一遍青禾市场辅警推倒大妈的视频，大妈哭着捡菜",
    ]):
        f.post(i * 6, ["douyin", "weibo", "kuaishou", "weibo", "tieba"][i], text, "qinghe")
    f.write()


def markets_apart():
    """Two like stories in the same hour at two unlisted markets, each name written two
    ways: two places, two events."""
    f = Feed("markets_apart")
    for i, text in enumerate([
        "青禾菜市场辅警掀了卖菜大妈的摊子，还把大妈推倒在地",
        "青禾市场辅警殴打卖菜大妈，大妈坐在地上哭",
        "辅警在青禾菜场掀摊打人，卖菜的大妈被推倒了",
    ]):
        f.post(i * 8, ["douyin", "weibo", "weibo"][i], text, "qinghe")
    for i, text in enumerate([
        "柳塘菜场辅警掀了卖水果大爷的摊子，还把大爷推倒在地",
        "柳塘菜市场辅警殴打卖水果的大爷，大爷蹲在地上捡水果",
        "辅警在柳塘市场掀摊打人，卖水果的大爷被推倒了",
    ]):
        f.post(4 + i * 8, ["kuaishou", "weibo", "douyin"][i], text, "liutang")
    f.write()


def paraphrased_acts():
    """Two stories in one hour, each telling its act in other verbs and naming no place:
    a 交警 punching a driver, and a 辅警's motorbike knocking down a child."""
    f = Feed("paraphrased_acts")
    for i, text in enumerate([
        "交警一拳打在货车司机脸上，司机鼻子都出血了",
        "看到交警打司机的视频了吗，就因为司机多问了一句",
        "那个交警动手打人，一拳把货车司机打倒在地",
        "交警对着司机挥拳头，司机捂着脸蹲在路边，视频传疯了",
    ]):
        f.post(i * 7, ["douyin", "weibo", "kuaishou", "weibo"][i], text, "punch")
    for i, text in enumerate([
        "辅警骑摩托撞倒了放学的小孩，孩子膝盖全是血",
        "辅警把孩子撞了还不下车，家长追了半条街",
        "辅警骑摩托车撞伤小学生，还说是孩子自己跑出来的",
        "辅警开摩托把一个小孩撞飞了，围观的人都在拍",
    ]):
        f.post(3 + i * 7, ["weibo", "douyin", "weibo", "tieba"][i], text, "knock")
    f.write()


def acts_apart():
    """What paraphrased acts must not merge: in the same hour and with no place, the same
    kinds of people in other acts — a 交警 punching a driver and a 交警 fining one; a 辅警
    knocking a child down with a motorbike and a 辅警 slapping one."""
    f = Feed("acts_apart")
    for i, text in enumerate([
        "交警一拳打在司机脸上，司机当场懵了",
        "交警打司机的视频看了吗，下手真狠",
    ]):
        f.post(i * 9, ["douyin", "weibo"][i], text, "punch")
    for i, text in enumerate([
        "交警一天给同一个司机开了三张罚单，扣车还不给理由",
        "司机被交警连开三张罚单还扣了车，这是乱罚款吧",
    ]):
        f.post(4 + i * 9, ["weibo", "kuaishou"][i], text, "fines")
    for i, text in enumerate([
        "辅警骑摩托撞倒了放学的小孩，孩子膝盖全是血",
        "辅警把孩子撞了还不下车，家长追了半条街",
    ]):
        f.post(20 + i * 9, ["weibo", "douyin"][i], text, "knock")
    for i, text in enumerate([
        "辅警扇了一个小学生两个耳光，就因为孩子在路边玩",
        "小孩在路边玩被辅警扇耳光，家长气坏了",
    ]):
        f.post(24 + i * 9, ["douyin", "weibo"][i], text, "slap")
    f.write()


if __name__ == "__main__":
    for make in [two_shootings, delivery_riders, hour_apart, five_platforms, chains, official,
                 slow_story, follow_ups, follow_ups_apart, resurfacing, resurfacing_apart, market_names,
                 markets_apart, paraphrased_acts, acts_apart]:
        make()
