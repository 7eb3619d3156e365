//! The text a duty officer reads in a group: one notice as a title and markdown, in
//! Chinese: what happened, rule names (not ids), the signals in words and units, when and
//! where it was posted, links to the first and top posts, the next deadline; overdue
//! reminders say which step and when it was due.

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::Value;

use super::super::outbox::Notice;

/// Beijing time, in which the centre reads every time.
fn beijing(at: &str) -> Option<String> {
    let at: DateTime<Utc> = at.parse().ok()?;
    let offset = FixedOffset::east_opt(8 * 3600)?;
    Some(at.with_timezone(&offset).format("%m-%d %H:%M").to_string())
}

fn step_zh(step: &str) -> &'static str {
    match step {
        "ack" => "首接签收",
        "verified" => "核实",
        "responded" => "首次回应",
        "closed" => "发布核心事实",
        "joint_response" => "联合响应",
        _ => "处置",
    }
}

fn platform_zh(platform: &str) -> &str {
    match platform {
        "weibo" => "微博",
        "douyin" => "抖音",
        "kuaishou" => "快手",
        "zhihu" => "知乎",
        "tieba" => "贴吧",
        "wechat" | "weixin" => "微信公众号",
        "bilibili" => "B站",
        "xiaohongshu" => "小红书",
        "toutiao" => "今日头条",
        other => other,
    }
}

/// `posts_per_min_5m` → ("5 分钟发帖速率", "条/分"); unknown signals keep their name.
fn signal_zh(signal: &str) -> (String, &'static str) {
    let (name, window) = match signal.rsplit_once('_') {
        Some((name, window)) if window.ends_with('m') => (name, window.trim_end_matches('m')),
        _ => (signal, ""),
    };
    let (what, unit) = match name {
        "posts" => ("发帖数", "条"),
        "posts_per_min" => ("发帖速率", "条/分"),
        "interactions_per_min" => ("互动速率", "次/分"),
        "interactions" => ("互动数", "次"),
        "authors" => ("发帖账号数", "个"),
        "reach" => ("覆盖粉丝数", "人"),
        "platforms" => ("平台数", "个"),
        "acceleration" => ("发帖加速度", "条/分²"),
        "max_followers" => ("最大账号粉丝数", "人"),
        "verified_followers" => ("认证账号粉丝数", "人"),
        "base" => ("规则基础等级", ""),
        "domain_floor" => ("领域最低等级", ""),
        _ => return (signal.to_owned(), ""),
    };
    let what = if window.is_empty() {
        what.to_owned()
    } else {
        format!("{window} 分钟{what}")
    };
    (what, unit)
}

/// One reason of the why, in words: "5 分钟发帖速率 5.3 条/分 ≥ 1.0".
fn reason_zh(reason: &Value) -> Option<String> {
    let signal = reason["signal"].as_str()?;
    let (what, unit) = signal_zh(signal);
    match (reason["value"].as_f64(), reason["threshold"].as_f64()) {
        (Some(value), Some(threshold)) => Some(format!(
            "{what} {} {unit} ≥ {}",
            round(value),
            round(threshold)
        )),
        _ => reason["text"].as_str().map(|t| format!("{what}：{t}")),
    }
}

fn round(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// Longest URL a notice links to: a longer one (a feed can send anything) would crowd out
/// the rest of a message that must fit a robot's size limit.
const MAX_URL_BYTES: usize = 512;

/// At most this many characters of a free-text field from a feed (a region, a name).
const MAX_FIELD_CHARS: usize = 40;

/// At most this many items of a list (rules, domains, reasons) are named; the rest counted.
const MAX_LIST_ITEMS: usize = 8;

/// A link to a post: its URL, or for Weibo one built from the post id; none when either
/// would be too long or break the markdown link.
fn post_link(post: &Value) -> Option<String> {
    let usable = |url: &str| {
        url.len() <= MAX_URL_BYTES
            && (url.starts_with("https://") || url.starts_with("http://"))
            && !url
                .chars()
                .any(|c| c.is_whitespace() || c == '(' || c == ')')
    };
    if let Some(url) = post["url"].as_str().filter(|u| usable(u)) {
        return Some(url.to_owned());
    }
    let id = post["id"].as_str()?;
    let built = format!("https://m.weibo.cn/status/{id}");
    (post["platform"] == "weibo" && usable(&built)).then_some(built)
}

/// `text` on one line, at most `max` characters, `…` where cut.
fn clip(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The strings of a JSON array (of strings, or of objects through `get`).
fn strings<'a>(list: &'a Value, get: impl Fn(&'a Value) -> Option<&'a str>) -> Vec<&'a str> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(get)
        .collect()
}

/// Items joined with `、`, each clipped, at most [`MAX_LIST_ITEMS`], the rest counted.
fn list_zh(items: &[&str], separator: &str) -> String {
    let mut shown: Vec<String> = items
        .iter()
        .take(MAX_LIST_ITEMS)
        .map(|item| clip(item, MAX_FIELD_CHARS))
        .collect();
    if items.len() > MAX_LIST_ITEMS {
        shown.push(format!("等 {} 项", items.len()));
    }
    shown.join(separator)
}

/// A title and a markdown text a duty officer reads on a phone.
pub fn markdown(notice: &Notice) -> (String, String) {
    let alert = &notice.body["alert"];
    let level_zh = alert["level_zh"].as_str().unwrap_or("");
    let color = match alert["level"].as_str().unwrap_or("") {
        "red" => "红色",
        "orange" => "橙色",
        "yellow" => "黄色",
        _ => "",
    };
    let overdue = &notice.body["overdue"];
    let what = match (notice.kind.as_str(), overdue["step"].as_str()) {
        ("overdue", Some(step)) => format!("超时未{}", step_zh(step)),
        ("opened", _) => "新发现".into(),
        ("escalated", _) => "提级".into(),
        ("updated", _) => "持续发酵".into(),
        ("resolved", _) => "已平息".into(),
        (other, _) => other.to_owned(),
    };
    let title = format!("【{color}预警·{level_zh}】{what}");
    let mut text = format!(
        "### {title}\n\n**{}**\n\n",
        clip(alert["title"].as_str().unwrap_or(""), 2 * MAX_FIELD_CHARS)
    );
    if let (Some(step), Some(due)) = (overdue["step"].as_str(), overdue["due_at"].as_str()) {
        text.push_str(&format!(
            "- 超时环节：{}，应于 {} 前完成\n",
            step_zh(step),
            beijing(due).unwrap_or_else(|| due.to_owned())
        ));
        let missing = strings(&overdue["missing_departments"], Value::as_str);
        if !missing.is_empty() {
            text.push_str(&format!("- 未签收部门：{}\n", list_zh(&missing, "、")));
        }
    }
    let domains = strings(&alert["domains"], Value::as_str);
    let rules = strings(&alert["rules"], |r| {
        r["name"].as_str().or_else(|| r["id"].as_str())
    });
    text.push_str(&format!(
        "- 领域：{}\n- 命中规则：{}\n",
        list_zh(&domains, "、"),
        list_zh(&rules, "、")
    ));
    let why: Vec<String> = alert["why"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(reason_zh)
        .collect();
    if !why.is_empty() {
        let why: Vec<&str> = why.iter().map(String::as_str).collect();
        text.push_str(&format!("- 研判依据：{}\n", list_zh(&why, "；")));
    }
    let first = &alert["first_post"];
    let platforms: Vec<&str> = std::iter::once(first)
        .chain(alert["top_posts"].as_array().into_iter().flatten())
        .filter_map(|p| p["platform"].as_str())
        .map(platform_zh)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    text.push_str(&format!(
        "- 帖子：{} 条 · 平台：{}\n",
        alert["figures"]["total_posts"],
        list_zh(&platforms, "、")
    ));
    if let Some(at) = first["published_at"].as_str().and_then(beijing) {
        text.push_str(&format!("- 首发时间：{at}（北京时间）\n"));
    }
    if let Some(region) = first["region"].as_str().filter(|r| !r.trim().is_empty()) {
        text.push_str(&format!("- 属地：{}\n", clip(region, MAX_FIELD_CHARS)));
    }
    if let Some(link) = post_link(first) {
        text.push_str(&format!("- [首帖]({link})\n"));
    }
    if let Some(link) = alert["top_posts"]
        .as_array()
        .and_then(|t| t.first())
        .and_then(post_link)
    {
        text.push_str(&format!("- [热帖]({link})\n"));
    }
    let next = &notice.body["next_deadline"];
    if let Some(due) = next["due_at"].as_str() {
        let step = next["step"].as_str().unwrap_or("");
        let missing = strings(&next["missing_departments"], Value::as_str);
        let who = if missing.is_empty() {
            String::new()
        } else {
            format!("（待{}签收）", list_zh(&missing, "、"))
        };
        text.push_str(&format!(
            "- 下一时限：{}{who}，{} 前\n",
            step_zh(step),
            beijing(due).unwrap_or_else(|| due.to_owned())
        ));
    }
    if let Some(superseded) = notice.body["superseded"]
        .as_array()
        .filter(|s| !s.is_empty())
    {
        text.push_str(&format!(
            "- 合并：积压期间 {} 条更新未单独发送，本条为最新状态\n",
            superseded.len()
        ));
    }
    text.push_str(&format!(
        "\n事件 `{}` · 通知 `{}`\n",
        clip(&notice.event_id, 2 * MAX_FIELD_CHARS),
        clip(&notice.notice_id, 3 * MAX_FIELD_CHARS)
    ));
    (title, text)
}

/// Bytes `text` takes inside a JSON string (escapes included): what a robot counts.
fn json_bytes(text: &str) -> usize {
    serde_json::to_string(text).map_or(text.len() * 6, |quoted| quoted.len() - 2)
}

/// `text` cut at a character boundary to at most `max` bytes as a JSON string, marked
/// when cut: each robot refuses (or silently truncates) messages over its documented size.
pub fn fit(text: &str, max: usize) -> String {
    if json_bytes(text) <= max {
        return text.to_owned();
    }
    const CUT: &str = "\n…（内容过长，已截断）";
    let marker = if max > json_bytes(CUT) * 4 { CUT } else { "" };
    let mut budget = max.saturating_sub(json_bytes(marker));
    loop {
        let mut end = budget.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let cut = format!("{}{marker}", &text[..end]);
        let over = json_bytes(&cut).saturating_sub(max);
        if over == 0 || budget == 0 {
            return cut;
        }
        budget = budget.saturating_sub(over);
    }
}

/// A robot's markdown: the notice's title and text, with `prefix` and `tail` (its
/// @mentions, which must survive a cut) around it, all within `max` bytes as a JSON
/// string. `heading`: whether the text keeps its `###` title line (a Feishu card shows
/// the title in its header instead).
pub fn robot_markdown(
    notice: &Notice,
    max: usize,
    prefix: &str,
    tail: &str,
    heading: bool,
) -> (String, String) {
    let (title, text) = markdown(notice);
    let text = if heading {
        text.as_str()
    } else {
        text.split_once("\n\n")
            .map_or(text.as_str(), |(_, rest)| rest)
    };
    let room = max.saturating_sub(json_bytes(prefix) + json_bytes(tail));
    (title, format!("{prefix}{}{tail}", fit(text, room)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_read_in_chinese_with_units() {
        let reason =
            serde_json::json!({"signal": "posts_per_min_5m", "value": 5.3, "threshold": 1.0});
        assert_eq!(reason_zh(&reason).unwrap(), "5 分钟发帖速率 5.3 条/分 ≥ 1");
        assert_eq!(fit("警察打人", 7), "警察");
        let cut = fit(&"警".repeat(2000), 400);
        assert!(cut.len() <= 400, "{}", cut.len());
        assert!(cut.ends_with("已截断）"));
    }
}
