//! Who, where and what a post tells: the places it names, the kinds of police (or other)
//! actors, and the acts. Two posts are one story when they share a place and what
//! happened, or tell the same act by the same kind of actor in the same words — never by
//! a shared rule or a few shared trigrams alone, and never when they name different places.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::places::Gazetteer;
pub use crate::models::Identity;

/// Kinds of actors, one bit each. Generic words (警察, 民警) say little about which story a
/// post tells, so they are not here: a story about a 辅警 is told with 民警 too.
const ACTORS: &[&[&str]] = &[
    &["辅警", "协警"],
    &["交警", "交通警察", "交管"],
    &["特警", "巡特警"],
    &["刑警"],
    &["铁路公安", "铁路警方", "乘警"],
    &["副所长", "所长", "教导员"],
    &["户籍", "车管所"],
    &["城管"],
    &["安保", "保安"],
    &["外卖", "骑手", "快递员", "快递小哥"],
    &["老人", "大爷", "大妈", "老太", "老奶奶", "老爷爷", "老汉"],
    &[
        "学生",
        "孩子",
        "小孩",
        "儿童",
        "小朋友",
        "男童",
        "女童",
        "幼儿",
    ],
    &["司机", "车主", "的哥"],
    &["工人", "农民工", "工友"],
    &[
        "摊贩",
        "摆摊",
        "商户",
        "卖菜",
        "卖花",
        "摊主",
        "菜摊",
        "小贩",
        "卖水果",
    ],
];

/// Kinds of acts, one bit each: a concept and the words people tell it with (a beating is
/// 殴打, 一拳, 打司机, 扇耳光; a vehicle hitting someone is 撞倒, 撞了, 撞飞). Verbs common
/// outside the concept (打 in 打车, 打电话, 打击) count only with a person as their object
/// (打司机, 打了老人), found in [`ASSAULT_OBJECTS`].
const ACTS: &[&[&str]] = &[
    &["开枪", "枪击", "中弹", "击毙", "鸣枪", "枪响", "开了枪"],
    &[
        "殴打",
        "打人",
        "耳光",
        "掌掴",
        "拳打脚踢",
        "按在地上",
        "摁在地上",
        "按倒",
        "推倒",
        "暴打",
        "踹",
        "一拳",
        "挥拳",
        "出拳",
        "拳头",
        "巴掌",
        "扇了",
        "打伤",
        "打倒",
        "打破",
        "打断",
        "打得头破血流",
        "动手打",
        "踢了一脚",
        "踢倒",
        "踢伤",
        "拽倒",
        "拖拽",
        "揪头发",
        "扯头发",
        "薅头发",
        "掐脖子",
        "锁喉",
        "推搡",
        "推了一把",
        "压在地上",
    ],
    &[
        "醉驾", "酒驾", "撞车", "逃逸", "驶离", "撞倒", "撞伤", "撞飞", "撞死", "撞了", "撞上",
        "撞翻", "撞到", "碾压", "追尾", "肇事", "剐蹭",
    ],
    &["立案", "报案", "被盗", "被偷", "失窃"],
    &["罚款", "扣车", "扣分", "罚单", "开票", "乱罚", "钓鱼执法"],
    &["踩踏", "拥挤", "散场", "挤"],
    &["排队", "插队", "黄牛", "窗口", "态度"],
    &["辟谣", "谣言", "网传", "不实"],
    &["关押", "拘留", "锁在", "关了", "非法拘禁"],
    &["停职", "处分", "免职", "调查组"],
    &["死亡", "打死", "身亡", "致死"],
    &[
        "掀摊",
        "掀翻",
        "掀了",
        "掀倒",
        "砸摊",
        "砸了摊",
        "踢翻",
        "踹翻",
    ],
];

/// People a bare 打 (or 打了) is told against: `打` + one of them is a beating.
const ASSAULT_OBJECTS: &[&str] = &[
    "司机", "老人", "大爷", "大妈", "老太", "孩子", "小孩", "学生", "女孩", "男孩", "女子", "男子",
    "小伙", "骑手", "外卖", "摊贩", "摊主", "群众", "市民", "路人", "妇女", "孕妇", "村民", "工人",
    "他", "她", "我",
];

/// What a lexicon word tells.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Actor,
    Act,
    Another,
}

/// Words that tell another occurrence of a kind of incident, not the same one again.
const ANOTHER: &[&str] = &[
    "又有",
    "又一起",
    "又一个",
    "又一名",
    "又一位",
    "又一辆",
    "又出事",
    "又发生",
    "又是一起",
    "第二起",
    "再次发生",
];

/// One automaton over both lists (and 打 + a person, as beatings): pattern `i` belongs to
/// group `groups[i]`. Matches may overlap, so 打司机 tells both a beating and a driver.
static LEXICON: LazyLock<(AhoCorasick, Vec<(Kind, u32)>)> = LazyLock::new(|| {
    let mut words: Vec<String> = Vec::new();
    let mut groups = Vec::new();
    for (kind, list) in [(Kind::Actor, ACTORS), (Kind::Act, ACTS)] {
        for (bit, group) in list.iter().enumerate() {
            for word in *group {
                words.push((*word).to_owned());
                groups.push((kind, 1u32 << bit));
            }
        }
    }
    for word in ANOTHER {
        words.push((*word).to_owned());
        groups.push((Kind::Another, 0));
    }
    let beating = ACTS
        .iter()
        .position(|group| group.contains(&"殴打"))
        .expect("the acts name beatings");
    for object in ASSAULT_OBJECTS {
        for verb in ["打", "打了"] {
            words.push(format!("{verb}{object}"));
            groups.push((Kind::Act, 1u32 << beating));
        }
    }
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(&words)
        .expect("the actor and act lexicons compile");
    (automaton, groups)
});

impl Identity {
    /// The identity of a normalized text.
    pub fn of(normalized: &str, gazetteer: &Gazetteer) -> Identity {
        let (automaton, groups) = &*LEXICON;
        let (mut actors, mut acts, mut another) = (0, 0, false);
        for m in automaton.find_overlapping_iter(normalized) {
            match groups[m.pattern().as_usize()] {
                (Kind::Actor, bit) => actors |= bit,
                (Kind::Act, bit) => acts |= bit,
                (Kind::Another, _) => another = true,
            }
        }
        Identity {
            places: gazetteer.mentions(normalized),
            actors,
            acts,
            another,
            gazetteer: gazetteer.id(),
        }
    }
}

impl Identity {
    /// Who, where and what in words, for a person reading why a post opened its own event:
    /// `places [明湖路] actors [辅警, 外卖] acts [殴打]` (each kind by its first word).
    pub fn describe(&self) -> String {
        let kinds = |list: &[&[&str]], bits: u32| {
            list.iter()
                .enumerate()
                .filter(|(bit, _)| bits & (1 << bit) != 0)
                .filter_map(|(_, group)| group.first().copied())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let places: Vec<&str> = self.places.iter().map(|m| m.text.as_str()).collect();
        format!(
            "places [{}] actors [{}] acts [{}]",
            places.join(", "),
            kinds(ACTORS, self.actors),
            kinds(ACTS, self.acts)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_and_acts_are_bits_of_their_groups() {
        let gazetteer = Gazetteer::default();
        let a = Identity::of("辅警扇外卖小哥耳光", &gazetteer);
        let b = Identity::of("协警掌掴骑手", &gazetteer);
        assert_eq!(a.actors, b.actors);
        assert_eq!(a.acts, b.acts);
        let c = Identity::of("民警开枪", &gazetteer);
        assert_eq!(c.actors, 0);
        assert_eq!(a.acts & c.acts, 0);
    }

    #[test]
    fn one_act_told_in_other_verbs_is_one_kind_of_act() {
        let gazetteer = Gazetteer::default();
        let of = |text: &str| Identity::of(text, &gazetteer);
        for (a, b) in [
            ("交警一拳打在司机脸上", "交警打司机"),
            ("辅警骑摩托撞倒了小孩", "辅警把孩子撞了"),
            ("城管掀了菜摊", "城管把菜摊掀翻了"),
        ] {
            let (a, b) = (of(a), of(b));
            assert_ne!(a.acts, 0);
            assert_eq!(a.acts, b.acts);
            assert_eq!(a.actors, b.actors);
        }
        // 打 outside a beating tells no act.
        assert_eq!(of("打车去打电话，严厉打击").acts, 0);
        assert_ne!(of("交警打司机").acts, of("交警给司机开罚单").acts);
    }

    #[test]
    fn an_identity_describes_itself_in_words() {
        let gazetteer = Gazetteer::default();
        let identity = Identity::of("阳光小区门口协警掌掴骑手", &gazetteer);
        assert_eq!(
            identity.describe(),
            "places [阳光小区] actors [辅警, 外卖] acts [殴打]"
        );
    }
}
