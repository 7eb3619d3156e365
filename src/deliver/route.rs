//! Routes (分类推送) and silences: which receivers an alert goes to, and which alerts not
//! to send at all for a while. Both match on the same facets of an alert.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::models::Level;

/// Conditions on an alert; every non-empty list must contain one of the alert's values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matchers {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<Level>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// 属地: the event's place, its district or its 分县局 (from `rules/places.toml`), as
    /// the posts tell where it happened — unlike `regions`, the posters' IP labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Rule ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// Incidents (event ids): a silence for one incident.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_ids: Vec<String>,
}

/// One entry of the ordered route list (`[[routes]]` in the config).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    #[serde(default, rename = "match")]
    pub matchers: Matchers,
    /// Receivers (by name) that get matching alerts.
    pub receivers: Vec<String>,
    /// Receivers that get a reminder when a deadline of a matching alert passes.
    #[serde(default)]
    pub escalate_to: Vec<String>,
    /// Departments that must join the response to a matching alert (情指, 网安, 宣传, 法制,
    /// 督察, the unit involved), each acknowledging for itself: see [`super::joint`].
    #[serde(default)]
    pub departments: Vec<String>,
    /// Like Alertmanager: keep looking at later routes after this one matched.
    #[serde(default, rename = "continue")]
    pub continue_matching: bool,
}

/// What an alert can be matched on, read from its JSON (the same for routes at commit
/// time and silences at delivery time).
#[derive(Debug, Default)]
struct Facets {
    level: Option<Level>,
    domains: Vec<String>,
    regions: Vec<String>,
    places: Vec<String>,
    platforms: Vec<String>,
    tags: Vec<String>,
    rules: Vec<String>,
    event_id: String,
}

fn strings(value: &Value) -> impl Iterator<Item = String> + '_ {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
}

impl Facets {
    fn of(alert: &Value) -> Facets {
        let posts = std::iter::once(&alert["first_post"])
            .chain(alert["top_posts"].as_array().into_iter().flatten());
        let mut facets = Facets {
            level: alert["level"].as_str().and_then(|l| l.parse().ok()),
            domains: strings(&alert["domains"]).collect(),
            event_id: alert["event_id"].as_str().unwrap_or_default().to_owned(),
            places: ["name", "district", "bureau"]
                .iter()
                .filter_map(|field| alert["place"][field].as_str().map(str::to_owned))
                .collect(),
            ..Facets::default()
        };
        for post in posts {
            if let Some(p) = post["platform"].as_str() {
                facets.platforms.push(p.to_owned());
            }
            if let Some(r) = post["region"].as_str() {
                facets.regions.push(r.to_owned());
            }
        }
        for rule in alert["rules"].as_array().into_iter().flatten() {
            facets.rules.extend(rule["id"].as_str().map(str::to_owned));
            facets.tags.extend(strings(&rule["tags"]));
        }
        facets
    }
}

impl Matchers {
    /// Whether `alert` (alert JSON) meets every condition. Regions match by substring, as
    /// platforms label them loosely (`发布于 广东`, `广东`, `广东省`).
    pub fn matches(&self, alert: &Value) -> bool {
        let facets = Facets::of(alert);
        let any = |wanted: &[String], have: &[String]| {
            wanted.is_empty() || wanted.iter().any(|w| have.contains(w))
        };
        (self.levels.is_empty() || facets.level.is_some_and(|l| self.levels.contains(&l)))
            && any(&self.domains, &facets.domains)
            && any(&self.platforms, &facets.platforms)
            && any(&self.tags, &facets.tags)
            && any(&self.rules, &facets.rules)
            && (self.event_ids.is_empty() || self.event_ids.contains(&facets.event_id))
            && any(&self.places, &facets.places)
            && (self.regions.is_empty()
                || self
                    .regions
                    .iter()
                    .any(|w| facets.regions.iter().any(|r| r.contains(w.as_str()))))
    }
}

/// Receivers and escalation receivers for `alert`: walks the routes in order, taking every
/// matching route until one without `continue`. Without routes, every receiver.
pub fn route(
    routes: &[Route],
    all_receivers: &[String],
    alert: &Value,
) -> (Vec<String>, Vec<String>) {
    if routes.is_empty() {
        return (all_receivers.to_vec(), all_receivers.to_vec());
    }
    let mut receivers = Vec::new();
    let mut escalate = Vec::new();
    for route in routes {
        if !route.matchers.matches(alert) {
            continue;
        }
        for r in &route.receivers {
            if !receivers.contains(r) {
                receivers.push(r.clone());
            }
        }
        for r in &route.escalate_to {
            if !escalate.contains(r) {
                escalate.push(r.clone());
            }
        }
        if !route.continue_matching {
            break;
        }
    }
    (receivers, escalate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn alert(level: &str, domain: &str, platform: &str, region: &str) -> Value {
        json!({"level": level, "domains": [domain], "first_post": {"platform": platform, "region": region},
               "top_posts": [], "rules": [{"id": "r1", "tags": ["辅警"]}]})
    }

    fn routes() -> Vec<Route> {
        toml::from_str::<toml::Table>(
            r#"
            [[routes]]
            match = { levels = ["red"] }
            receivers = ["leaders"]
            escalate_to = ["督察"]
            continue = true
            [[routes]]
            match = { domains = ["窗口服务"] }
            receivers = ["window"]
            [[routes]]
            match = { regions = ["广东"], tags = ["辅警"] }
            receivers = ["gd"]
            [[routes]]
            receivers = ["duty"]
            "#,
        )
        .unwrap()["routes"]
            .clone()
            .try_into()
            .unwrap()
    }

    #[test]
    fn a_route_on_an_unknown_level_is_a_config_error() {
        let routes: Result<Vec<Route>, _> = toml::from_str::<toml::Table>(
            "[[routes]]\nmatch = { levels = [\"purple\"] }\nreceivers = [\"x\"]\n",
        )
        .unwrap()["routes"]
            .clone()
            .try_into();
        assert!(routes.unwrap_err().to_string().contains("purple"));
    }

    #[test]
    fn routes_stop_at_the_first_match_unless_it_continues() {
        let routes = routes();
        let all = vec![
            "leaders".into(),
            "window".into(),
            "gd".into(),
            "duty".into(),
        ];
        let names = |a: &Value| route(&routes, &all, a).0;
        assert_eq!(
            names(&alert("red", "窗口服务", "weibo", "x")),
            ["leaders", "window"]
        );
        assert_eq!(
            names(&alert("yellow", "窗口服务", "weibo", "x")),
            ["window"]
        );
        assert_eq!(
            names(&alert("orange", "执法办案", "douyin", "发布于 广东")),
            ["gd"]
        );
        assert_eq!(
            names(&alert("orange", "执法办案", "douyin", "浙江")),
            ["duty"]
        );
        assert_eq!(
            route(&routes, &all, &alert("red", "执法办案", "weibo", "x")).1,
            ["督察"]
        );
    }

    #[test]
    fn a_place_matches_the_events_place_district_or_bureau_not_the_ip_region() {
        let mut placed = alert("orange", "执法办案", "weibo", "发布于 广西");
        placed["place"] =
            json!({"name": "明湖路", "district": "明湖区", "bureau": "江州市公安局明湖分局"});
        let matching = |places: &[&str]| Matchers {
            places: places.iter().map(|p| p.to_string()).collect(),
            ..Matchers::default()
        };
        assert!(matching(&["明湖区"]).matches(&placed));
        assert!(matching(&["江州市公安局明湖分局"]).matches(&placed));
        assert!(!matching(&["临江区"]).matches(&placed));
        assert!(!matching(&["广西"]).matches(&alert("red", "x", "weibo", "广西")));
    }
}
