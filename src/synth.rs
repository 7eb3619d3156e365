//! `fenghuo gen`: a synthetic feed for benchmarks, reproducible from a seed.
//!
//! Posts in three platforms' shapes (Weibo, Douyin, news), Chinese text of realistic length
//! drawn from the common-character distribution and everyday phrases, about 1 % police-
//! related negative posts (some disguised: split characters, full-width, traditional,
//! zero-width spaces), re-sends of earlier posts with growing counts, and bursts of reposts.

use std::io::{self, Write};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// The most frequent Chinese characters, most frequent first (a Zipf-like draw over this
/// list gives text with a realistic character distribution).
const COMMON: &str = "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坐集编宝谈府拉黑且随格尽剑讲布杀微怕母调局根曾准团段终乐切级克精哪官示冷域读";
const EVERYDAY: &[&str] = &[
    "今天天气不错，出去走走",
    "周末带孩子去公园",
    "这家店的火锅真好吃",
    "地铁又晚点了",
    "考试终于结束了",
    "新买的手机很好用",
    "下班路上堵车一个小时",
    "推荐一本好书",
    "球队今晚赢了",
    "明天降温记得加衣服",
    "小区楼下新开了一家面馆",
    "年底加班好累",
    "春运车票开始预售",
    "这部电影值得一看",
    "早起跑步五公里",
];
const POLICE_NEUTRAL: &[&str] = &[
    "警方破获一起电信诈骗案，追回损失百万元",
    "民警冒雨护送走失老人回家",
    "交警提醒：雨天路滑注意安全",
    "市公安局召开表彰大会",
    "出入境办证大厅推出预约服务",
    "派出所民警进校园开展反诈宣传",
];
const PLACES: &[&str] = &[
    "城南",
    "明湖路",
    "火车站",
    "江滨路口",
    "开发区",
    "老街",
    "高速出口",
    "体育馆",
];
const OFFICERS: &[&str] = &["警察", "民警", "辅警", "协警", "交警", "派出所的人"];
const MISCONDUCT: &[&str] = &[
    "当街殴打路人",
    "扇了外卖小哥一巴掌",
    "乱罚款还不开票",
    "报案了也不给立案",
    "态度恶劣还推人",
    "暴力执法把人按在地上",
    "收了钱就放人",
    "执勤时玩手机不管事",
];
const OUTRAGE: &[&str] = &[
    "太过分了",
    "必须严查",
    "这还有王法吗",
    "视频都拍下来了",
    "大家评评理",
    "求扩散",
];

/// Traditional forms for the characters the templates use most.
const TRADITIONAL: &[(char, char)] = &[
    ('警', '警'),
    ('辅', '輔'),
    ('协', '協'),
    ('罚', '罰'),
    ('执', '執'),
    ('法', '法'),
    ('殴', '毆'),
    ('态', '態'),
    ('恶', '惡'),
    ('劣', '劣'),
    ('报', '報'),
    ('给', '給'),
    ('卖', '賣'),
    ('头', '頭'),
];

/// Options of `fenghuo gen`.
#[derive(Debug, Clone, Copy)]
pub struct GenOptions {
    pub seed: u64,
    /// Stop after this many posts...
    pub posts: Option<u64>,
    /// ...or after this many bytes.
    pub bytes: Option<u64>,
}

/// Writes the feed; returns (posts, bytes) written.
pub fn generate(options: GenOptions, out: &mut impl Write) -> io::Result<(u64, u64)> {
    let mut rng = StdRng::seed_from_u64(options.seed);
    let common: Vec<char> = COMMON.chars().collect();
    let (mut posts, mut bytes) = (0u64, 0u64);
    let start = 1_795_831_200i64; // 2026-11-28 10:00 +08:00
    let mut earlier: Vec<(String, u64)> = Vec::new();
    let mut burst_left = 0u32;
    let mut burst_of = String::new();
    while options.posts.is_none_or(|n| posts < n) && options.bytes.is_none_or(|n| bytes < n) {
        let at = start + (posts / 20) as i64; // about 20 posts a second
        let roll: f64 = rng.random();
        let line = if burst_left > 0 {
            burst_left -= 1;
            let text = format!("转发：{}", pick(&mut rng, OUTRAGE));
            weibo(
                &mut rng,
                &format!("g{posts}"),
                &text,
                at,
                Some(&burst_of),
                0,
            )
        } else if roll < 0.05 && !earlier.is_empty() {
            // A re-send of an earlier Weibo post with grown counts.
            let index = rng.random_range(0..earlier.len());
            let (id, likes) = &mut earlier[index];
            *likes += rng.random_range(1..500);
            let text = sentence(&mut rng, &common, 40);
            weibo(&mut rng, &id.clone(), &text, at - 600, None, *likes)
        } else if roll < 0.06 {
            let text = negative(&mut rng);
            let id = format!("g{posts}");
            if rng.random_bool(0.3) {
                burst_left = rng.random_range(5..40);
                burst_of = id.clone();
            }
            earlier.push((id.clone(), 10));
            weibo(&mut rng, &id, &text, at, None, 10)
        } else {
            let id = format!("g{posts}");
            match rng.random_range(0..10) {
                0..=5 => {
                    let length = rng.random_range(30..200);
                    let mut text = sentence(&mut rng, &common, length);
                    if rng.random_bool(0.03) {
                        text.push_str(pick(&mut rng, POLICE_NEUTRAL));
                    }
                    if earlier.len() < 10_000 {
                        earlier.push((id.clone(), 0));
                    }
                    weibo(&mut rng, &id, &text, at, None, 0)
                }
                6..=8 => {
                    let length = rng.random_range(20..80);
                    let text = sentence(&mut rng, &common, length);
                    douyin(&mut rng, &id, &text, at)
                }
                _ => {
                    let length = rng.random_range(200..800);
                    news(&id, &sentence(&mut rng, &common, length), at)
                }
            }
        };
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        posts += 1;
        bytes += line.len() as u64 + 1;
    }
    out.flush()?;
    Ok((posts, bytes))
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// Text of about `length` characters: common characters (Zipf-like), everyday phrases and
/// punctuation.
fn sentence(rng: &mut StdRng, common: &[char], length: usize) -> String {
    let mut text = String::with_capacity(length * 3);
    let mut count = 0;
    while count < length {
        if rng.random_bool(0.08) {
            let phrase = pick(rng, EVERYDAY);
            text.push_str(phrase);
            count += phrase.chars().count();
        } else {
            // Zipf-like: the square of a uniform draw favours the front of the list.
            let u: f64 = rng.random();
            text.push(common[((u * u) * common.len() as f64) as usize % common.len()]);
            count += 1;
        }
        if rng.random_bool(0.07) {
            text.push(if rng.random_bool(0.8) { '，' } else { '。' });
        }
    }
    text
}

/// A police-related negative post, disguised in about 40 % of cases.
fn negative(rng: &mut StdRng) -> String {
    let text = format!(
        "{}{}{}，{}",
        pick(rng, PLACES),
        pick(rng, OFFICERS),
        pick(rng, MISCONDUCT),
        pick(rng, OUTRAGE)
    );
    match rng.random_range(0..10) {
        0 => text
            .chars()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join("*"),
        1 => text.chars().flat_map(|c| [c, '\u{200B}']).collect(),
        2 => text
            .chars()
            .map(|c| {
                TRADITIONAL
                    .iter()
                    .find(|(s, _)| *s == c)
                    .map_or(c, |(_, t)| *t)
            })
            .collect(),
        3 => text.replace("警", "警 "),
        _ => text,
    }
}

fn weibo(
    rng: &mut StdRng,
    id: &str,
    text: &str,
    at: i64,
    repost_of: Option<&str>,
    likes: u64,
) -> String {
    let created = chrono::DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset"));
    let mut post = json!({
        "idstr": id,
        "created_at": created.format("%a %b %d %H:%M:%S %z %Y").to_string(),
        "text": text,
        "user": { "idstr": format!("u{}", rng.random_range(0..50_000)), "screen_name": "用户", "followers_count": rng.random_range(0..2_000_000u64), "verified": rng.random_bool(0.02) },
        "reposts_count": likes / 10, "comments_count": likes / 5, "attitudes_count": likes,
    });
    if let Some(original) = repost_of {
        post["retweeted_status"] = json!({ "idstr": original });
    }
    post.to_string()
}

fn douyin(rng: &mut StdRng, id: &str, text: &str, at: i64) -> String {
    json!({
        "aweme_id": id, "desc": text, "create_time": at,
        "author": { "uid": format!("d{}", rng.random_range(0..50_000)), "nickname": "抖音用户", "follower_count": rng.random_range(0..500_000u64), "custom_verify": "" },
        "statistics": { "share_count": 0, "comment_count": 0, "digg_count": rng.random_range(0..1000u64), "play_count": rng.random_range(0..100_000u64) },
    })
    .to_string()
}

fn news(id: &str, text: &str, at: i64) -> String {
    let published = chrono::DateTime::from_timestamp(at, 0).unwrap_or_default();
    json!({ "guid": id, "headline": text.chars().take(20).collect::<String>(), "body": text, "pubDate": published.to_rfc3339(), "source": "某某日报" })
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_feed_and_every_line_decodes() {
        let options = GenOptions {
            seed: 7,
            posts: Some(2000),
            bytes: None,
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        assert_eq!(generate(options, &mut a).unwrap().0, 2000);
        generate(options, &mut b).unwrap();
        assert_eq!(a, b);
        let decoder =
            crate::decode::Decoder::new(&crate::config::Config::embedded().mappings, 1 << 20);
        let all = decoder.select(&[]);
        let (mut ok, mut police) = (0, 0);
        decoder.decode_frame(&a, &all, chrono::Utc::now(), |r| {
            let post = r.unwrap();
            ok += 1;
            police += OFFICERS
                .iter()
                .any(|o| crate::normalize::normalize(&post.text()).contains(o))
                as usize;
        });
        assert_eq!(ok, 2000);
        assert!(
            (10..400).contains(&police),
            "about 1 % police posts plus bursts: {police}"
        );
    }
}
