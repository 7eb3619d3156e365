//! The report as a printable page (A4, light, CJK fonts): the same content as the JSON.

use std::fmt::Write;

use serde_json::Value;

const LEVEL_ZH: [(&str, &str); 3] = [("red", "红色"), ("orange", "橙色"), ("yellow", "黄色")];
const STEP_ZH: [(&str, &str); 5] = [
    ("ack", "首接确认"),
    ("joint_response", "联合响应"),
    ("verified", "核实"),
    ("responded", "首次回应"),
    ("closed", "核心事实发布"),
];

fn zh<'a>(table: &[(&str, &'a str)], key: &'a str) -> &'a str {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, v)| *v)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => escape(s),
        Value::Null => "–".to_owned(),
        other => escape(&other.to_string()),
    }
}

/// Local time without seconds: `2026-11-30 18:05`.
fn when(value: &Value) -> String {
    value
        .as_str()
        .map(|t| t.get(..16).unwrap_or(t).replace('T', " "))
        .unwrap_or_else(|| "–".to_owned())
}

fn sparkline(curve: &Value) -> String {
    let counts: Vec<u64> = curve["counts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    if counts.is_empty() {
        return String::new();
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let n = (counts.len().max(2) - 1) as f64;
    let points: Vec<String> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "{:.1},{:.1}",
                i as f64 / n * 200.0,
                40.0 - *c as f64 / max * 38.0
            )
        })
        .collect();
    format!(
        r#"<svg class="curve" viewBox="0 0 200 40" preserveAspectRatio="none"><polyline points="{}"/></svg><div class="axis">{} 起，每点 {} 分钟，峰值 {} 条</div>"#,
        points.join(" "),
        when(&curve["start"]),
        curve["step_minutes"],
        max as u64
    )
}

fn table(out: &mut String, title: &str, rows: &[Value], key: &str, key_title: &str) {
    let _ = write!(
        out,
        "<div><h2>{title}</h2><table><tr><th>{key_title}</th><th>事件数</th></tr>"
    );
    for row in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=n>{}</td></tr>",
            text(&row[key]),
            row["incidents"]
        );
    }
    if rows.is_empty() {
        out.push_str("<tr><td colspan=2>无</td></tr>");
    }
    out.push_str("</table></div>");
}

/// The page.
pub fn render(report: &Value) -> String {
    let title = if report["kind"] == "weekly" {
        "舆情周报"
    } else {
        "舆情日报"
    };
    let label = text(&report["period"]["label"]);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title} {label}</title><style>{STYLE}</style></head><body>"#
    );
    let _ = write!(
        out,
        "<h1>{title} <span>{label}</span></h1><p class=meta>统计区间 {} 至 {}（北京时间）· 生成于 {}</p>",
        when(&report["period"]["from"]),
        when(&report["period"]["to"]),
        when(&report["generated_at"])
    );
    let _ = write!(
        out,
        "<div class=totals><div><b>{}</b>新发事件</div>",
        report["incidents"]
    );
    for (level, name) in LEVEL_ZH {
        let _ = write!(
            out,
            "<div class={level}><b>{}</b>{name}</div>",
            report["by_level"][level].as_u64().unwrap_or(0)
        );
    }
    out.push_str("</div>");

    out.push_str("<h2>重点事件</h2><table><tr><th>等级</th><th>事件</th><th>领域</th><th>属地</th><th>传播</th><th>帖数</th><th>首发</th><th>状态</th><th>走势</th></tr>");
    let biggest = report["biggest"].as_array().cloned().unwrap_or_default();
    for incident in &biggest {
        let level = incident["level"].as_str().unwrap_or("");
        let domains: Vec<String> = incident["domains"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect();
        let _ = write!(
            out,
            "<tr><td class={level}>{}</td><td class=title>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td><td>{}</td><td class=spark>{}</td></tr>",
            zh(&LEVEL_ZH, level),
            text(&incident["title"]),
            domains.join("、"),
            text(&incident["place"]),
            incident["reach"],
            incident["total_posts"],
            when(&incident["opened_at"]),
            text(&incident["state"]),
            sparkline(&incident["curve"]),
        );
    }
    if biggest.is_empty() {
        out.push_str("<tr><td colspan=9>本期无事件</td></tr>");
    }
    out.push_str("</table>");

    out.push_str("<h2>处置时限</h2><table><tr><th>环节</th><th>按时</th><th>超时</th><th>未到期</th><th>用时中位数（分钟）</th><th>时限（红/橙/黄，分钟）</th></tr>");
    for row in report["deadlines"].as_array().into_iter().flatten() {
        let step = row["step"].as_str().unwrap_or("");
        let limits = &row["limit_minutes"];
        let median = row["median_minutes"]
            .as_f64()
            .map_or("–".to_owned(), |m| format!("{m:.0}"));
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=n>{}</td><td class='n{}'>{}</td><td class=n>{}</td><td class=n>{median}</td><td class=n>{}/{}/{}</td></tr>",
            zh(&STEP_ZH, step),
            row["met"],
            if row["missed"].as_u64().unwrap_or(0) > 0 { " missed" } else { "" },
            row["missed"],
            row["pending"],
            limits["red"],
            limits["orange"],
            limits["yellow"],
        );
    }
    out.push_str("</table>");

    out.push_str("<div class=cols>");
    table(
        &mut out,
        "领域分布",
        report["by_domain"].as_array().map_or(&[], |v| v),
        "domain",
        "领域",
    );
    table(
        &mut out,
        "属地分布",
        report["by_place"].as_array().map_or(&[], |v| v),
        "place",
        "属地",
    );
    out.push_str("<div><h2>触发最多的规则</h2><table><tr><th>规则</th><th>事件数</th><th>确认</th><th>误报</th></tr>");
    for rule in report["rules"].as_array().into_iter().flatten() {
        let _ = write!(
            out,
            "<tr><td>{} <small>{}</small></td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            text(&rule["name"]),
            text(&rule["id"]),
            rule["incidents"],
            rule["confirmed"].as_u64().unwrap_or(0),
            rule["false_alarms"].as_u64().unwrap_or(0),
        );
    }
    out.push_str("</table></div></div></body></html>");
    out
}

const STYLE: &str = r#"
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; color: #111; background: #fff;
  margin: 2em auto; max-width: 60em; font-size: 11pt; }
h1 { font-size: 20pt; border-bottom: 3px solid #b00; padding-bottom: .2em; }
h1 span { font-weight: normal; color: #444; }
h2 { font-size: 13pt; margin-top: 1.4em; border-left: 4px solid #b00; padding-left: .4em; }
.meta { color: #555; }
.totals { display: flex; gap: 1em; }
.totals div { border: 1px solid #ccc; padding: .4em 1em; text-align: center; }
.totals b { display: block; font-size: 18pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: .25em .4em; text-align: left; vertical-align: top; }
th { background: #eee; white-space: nowrap; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.missed { color: #b00; font-weight: bold; }
.red { color: #c00; font-weight: bold; } .orange { color: #d60; font-weight: bold; }
.yellow { color: #a80; font-weight: bold; }
td.title { max-width: 18em; }
td.spark { width: 12em; }
svg.curve { width: 12em; height: 2.5em; } svg.curve polyline { fill: none; stroke: #b00; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.axis { font-size: 8pt; color: #666; }
.cols { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 1em; }
small { color: #777; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"#;
