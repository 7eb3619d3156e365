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
    &["外卖", "骑手", "快递员"],
    &["老人", "大爷", "大妈", "老太"],
    &["学生", "孩子", "小孩"],
    &["司机", "车主"],
    &["工人", "农民工", "工友"],
    &["摊贩", "摆摊", "商户", "卖菜", "卖花"],
];

/// Kinds of acts, one bit each.
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
    ],
    &["醉驾", "酒驾", "撞车", "逃逸", "驶离"],
    &["立案", "报案", "被盗", "被偷", "失窃"],
    &["罚款", "扣车", "扣分", "罚单", "开票", "乱罚", "钓鱼执法"],
    &["踩踏", "拥挤", "散场", "挤"],
    &["排队", "插队", "黄牛", "窗口", "态度"],
    &["辟谣", "谣言", "网传", "不实"],
    &["关押", "拘留", "锁在", "关了", "非法拘禁"],
    &["停职", "处分", "免职", "调查组"],
    &["死亡", "打死", "身亡", "致死"],
];

/// One automaton over both lists: pattern `i` belongs to group `GROUPS[i]`.
static LEXICON: LazyLock<(AhoCorasick, Vec<(bool, u32)>)> = LazyLock::new(|| {
    let mut words = Vec::new();
    let mut groups = Vec::new();
    for (is_act, list) in [(false, ACTORS), (true, ACTS)] {
        for (bit, group) in list.iter().enumerate() {
            for word in *group {
                words.push(*word);
                groups.push((is_act, 1u32 << bit));
            }
        }
    }
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&words)
        .expect("the actor and act lexicons compile");
    (automaton, groups)
});

impl Identity {
    /// The identity of a normalized text.
    pub fn of(normalized: &str, gazetteer: &Gazetteer) -> Identity {
        let (automaton, groups) = &*LEXICON;
        let (mut actors, mut acts) = (0, 0);
        for m in automaton.find_iter(normalized) {
            match groups[m.pattern().as_usize()] {
                (false, bit) => actors |= bit,
                (true, bit) => acts |= bit,
            }
        }
        Identity {
            places: gazetteer.mentions(normalized),
            actors,
            acts,
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
    fn an_identity_describes_itself_in_words() {
        let gazetteer = Gazetteer::default();
        let identity = Identity::of("阳光小区门口协警掌掴骑手", &gazetteer);
        assert_eq!(
            identity.describe(),
            "places [阳光小区] actors [辅警, 外卖] acts [殴打]"
        );
    }
}
