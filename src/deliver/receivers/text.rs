//! The text a duty officer reads in a group: one notice as a title and markdown.

use super::super::outbox::Notice;

/// A title and a markdown text a duty officer reads on a phone.
pub fn markdown(notice: &Notice) -> (String, String) {
    let alert = &notice.body["alert"];
    let level_zh = alert["level_zh"].as_str().unwrap_or("");
    let level = alert["level"].as_str().unwrap_or("");
    let what = match (
        notice.kind.as_str(),
        notice.body["overdue"]["step"].as_str(),
    ) {
        ("overdue", Some(step)) => format!("超时未{} ({step} overdue)", step_zh(step)),
        ("opened", _) => "新事件 opened".into(),
        ("escalated", _) => "提级 escalated".into(),
        ("updated", _) => "更新 updated".into(),
        ("resolved", _) => "平息 resolved".into(),
        (other, _) => other.to_owned(),
    };
    let title = format!("【{level_zh}风险 {level}】{what}");
    let mut text = format!(
        "### {title}\n\n**{}**\n\n",
        alert["title"].as_str().unwrap_or("")
    );
    let domains: Vec<String> = alert["domains"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d.as_str().map(str::to_owned))
        .collect();
    let rules: Vec<String> = alert["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    text.push_str(&format!(
        "- 领域 domain: {}\n- 规则 rules: {}\n",
        domains.join("、"),
        rules.join(", ")
    ));
    let why: Vec<String> = alert["why"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["text"].as_str().map(str::to_owned))
        .collect();
    if !why.is_empty() {
        text.push_str(&format!("- 依据 why: {}\n", why.join("; ")));
    }
    text.push_str(&format!(
        "- 帖子 posts: {} · 平台 platforms: {}\n",
        alert["figures"]["total_posts"], alert["figures"]["platforms_total"]
    ));
    if let Some(url) = alert["first_post"]["url"].as_str() {
        text.push_str(&format!("- 首帖 first post: {url}\n"));
    }
    text.push_str(&format!(
        "\n事件 event `{}` · 通知 notice `{}`\n",
        notice.event_id, notice.notice_id
    ));
    (title, text)
}

fn step_zh(step: &str) -> &'static str {
    match step {
        "ack" => "首接",
        "verified" => "核实",
        "responded" => "首次回应",
        "closed" => "发布核心事实",
        _ => "处置",
    }
}
