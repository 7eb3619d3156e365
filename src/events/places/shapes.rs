//! Places the gazetteer does not list, recognised by the shape of their names (`东港区`,
//! `青州`, `临江派出所`, `阳光小区`): a stem and a suffix that says what kind of place it is.

use std::collections::HashSet;

use super::{PlaceClass, PlaceKey};

/// Suffixes that end a place name: the class of the place, and the suffix its key is
/// written with. Posts of one story write an unlisted place's name several ways (青禾菜市场,
/// 青禾市场, 青禾菜场, 青禾农贸市场; 东港公安分局, 东港分局): suffixes of one kind of place
/// share the key's suffix, so the variants are one place and a different stem still is
/// another. A longer suffix comes before a shorter one starting with the same character.
const SUFFIXES: &[(&str, PlaceClass, &str)] = &[
    ("派出所", PlaceClass::Point, "派出所"),
    ("公安分局", PlaceClass::Point, "分局"),
    ("分局", PlaceClass::Point, "分局"),
    ("交警大队", PlaceClass::Point, "交警大队"),
    ("警务站", PlaceClass::Point, "警务站"),
    ("火车站", PlaceClass::Point, "火车站"),
    ("高铁站", PlaceClass::Point, "高铁站"),
    ("汽车站", PlaceClass::Point, "汽车站"),
    ("地铁站", PlaceClass::Point, "地铁站"),
    ("菜市场", PlaceClass::Point, "菜市场"),
    ("菜场", PlaceClass::Point, "菜市场"),
    ("农贸市场", PlaceClass::Point, "菜市场"),
    ("集贸市场", PlaceClass::Point, "菜市场"),
    ("市场", PlaceClass::Point, "菜市场"),
    ("广场", PlaceClass::Point, "广场"),
    ("公园", PlaceClass::Point, "公园"),
    ("医院", PlaceClass::Point, "医院"),
    ("中学", PlaceClass::Point, "中学"),
    ("小学", PlaceClass::Point, "小学"),
    ("大学", PlaceClass::Point, "大学"),
    ("超市", PlaceClass::Point, "超市"),
    ("商场", PlaceClass::Point, "商场"),
    ("小区", PlaceClass::Point, "小区"),
    ("工地", PlaceClass::Point, "工地"),
    ("车管所", PlaceClass::Point, "车管所"),
    ("街道", PlaceClass::Area, "街道"),
    ("区", PlaceClass::Area, "区"),
    ("县", PlaceClass::Area, "县"),
    ("镇", PlaceClass::Area, "镇"),
    ("乡", PlaceClass::Area, "乡"),
    ("州", PlaceClass::City, "州"),
];

/// Words a suffix may start that make it no place's end (市场监管局: an office, not a
/// market).
const NOT_SUFFIXES: &[&str] = &["市场监管", "市场监督", "市场管理", "市场经济", "市场价"];

/// Characters that never start or sit inside a place name's stem (particles, pronouns,
/// verbs and measure words that precede a suffix in running text: 去派出所, 这个小区; and
/// question words and sentence particles that end one clause before the next begins with
/// the suffix: a title "…怎么办" followed by a body "派出所说…").
const STEM_STOP: &str = "的了在是去到和跟与被把从向往这那一个该本我你他她们说给就都也还又才让对为将附近当地某所家里上下个位名次些每各全市省城镇县区乡村街路号楼栋层室门口前后边旁内外里中大小老新么啥吗呢吧啊呀哪谁怎";

/// Words ending in a suffix that are not places (市区, 社区, 服务区 …).
const NOT_PLACES: &[&str] = &[
    "市区",
    "城区",
    "郊区",
    "社区",
    "景区",
    "辖区",
    "片区",
    "园区",
    "山区",
    "街区",
    "校区",
    "灾区",
    "疫区",
    "专区",
    "地区",
    "小区",
    "新区",
    "老区",
    "全区",
    "本区",
    "该区",
    "评论区",
    "服务区",
    "开发区",
    "无人区",
    "工业区",
    "商业区",
    "居民区",
    "住宅区",
    "风景区",
    "停车区",
    "候车区",
    "等候区",
    "休息区",
    "吸烟区",
    "办公区",
    "生活区",
    "保税区",
    "神州",
    "九州",
    "欧州",
    "全县",
    "本县",
    "该县",
    "全镇",
    "本镇",
    "乡镇",
    "城乡",
    "下乡",
    "老乡",
    "家乡",
    "故乡",
    "他乡",
    "异乡",
    "同乡",
    "思乡",
    "返乡",
    "回乡",
    "城镇",
    "村镇",
    "小镇",
    "古镇",
    "集镇",
    "坐镇",
    "冰镇",
    "公园",
    "大学",
    "中学",
    "小学",
    "医院",
    "广场",
    "超市",
    "商场",
    "工地",
    "街道",
    "地产市场",
    "股票市场",
    "资本市场",
    "金融市场",
    "消费市场",
    "国内市场",
    "国际市场",
    "海外市场",
];

/// Names of a place's shape outside the gazetteer's matches: two stem characters before a
/// suffix (one before 州), none of them a stop character. The key is the stem and the
/// suffix of its kind (see [`SUFFIXES`]); the mention keeps the words as written.
pub(super) fn generic_places(normalized: &str, covered: &[bool]) -> Vec<(PlaceKey, String)> {
    let chars: Vec<(usize, char)> = normalized.char_indices().collect();
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut i = 0;
    while i < chars.len() {
        let rest = &normalized[chars[i].0..];
        let Some(&(suffix, class, kind)) = SUFFIXES.iter().find(|(s, _, _)| rest.starts_with(s))
        else {
            i += 1;
            continue;
        };
        let suffix_chars = suffix.chars().count();
        if NOT_SUFFIXES.iter().any(|w| rest.starts_with(w)) {
            i += suffix_chars;
            continue;
        }
        let stem_len = if class == PlaceClass::City { 1 } else { 2 };
        if i >= stem_len {
            let stem = &chars[i - stem_len..i];
            let start = stem[0].0;
            let end = chars
                .get(i + suffix_chars)
                .map_or(normalized.len(), |c| c.0);
            let name = &normalized[start..end];
            let is_place = stem
                .iter()
                .all(|&(_, c)| is_han(c) && !STEM_STOP.contains(c))
                && !covered[start..end].iter().any(|&c| c)
                // A word that ends in the suffix but is longer than it (市区 for 区): the
                // name is that word, not a place.
                && !NOT_PLACES
                    .iter()
                    .any(|w| name.ends_with(w) && w.chars().count() > suffix_chars);
            let key = format!("{}{kind}", &normalized[start..chars[i].0]);
            if is_place && seen.insert(key.clone()) {
                found.push((PlaceKey::Generic(class, key), name.to_owned()));
            }
        }
        i += suffix_chars;
    }
    found
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}')
}
