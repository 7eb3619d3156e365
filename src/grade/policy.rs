//! The grading policy (`deploy/grading.toml`): base levels from rule severity and domain,
//! and thresholds on velocity, acceleration, reach, spread and big accounts that raise an
//! event to 黄 yellow, 橙 orange or 红 red.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::events::{Event, WINDOWS};
use crate::models::{Figures, Severity};
pub use crate::models::{Forecast, Level, Reason};

/// The embedded default policy.
pub const DEFAULT_POLICY: &str = include_str!("../../deploy/grading.toml");

/// A level, or `none` (no alert unless spread raises it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaseLevel {
    None,
    Yellow,
    Orange,
    Red,
}

impl BaseLevel {
    fn level(self) -> Option<Level> {
        match self {
            BaseLevel::None => None,
            BaseLevel::Yellow => Some(Level::Yellow),
            BaseLevel::Orange => Some(Level::Orange),
            BaseLevel::Red => Some(Level::Red),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    base: BTreeMap<Severity, BaseLevel>,
    #[serde(default)]
    domain_floor: BTreeMap<String, BaseLevel>,
    levels: BTreeMap<Level, LevelFile>,
    lifecycle: Lifecycle,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelFile {
    min_signals: usize,
    when: BTreeMap<String, f64>,
}

/// Alert lifecycle settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    /// An open event re-reports (`updated`) at most this often, and only if it grew.
    pub update_every_minutes: i64,
    /// Acceleration counts as a signal only with at least this many posts in the window.
    pub min_posts_for_acceleration: u64,
}

/// A measurable quantity of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metric {
    Posts(i64),
    PostsPerMin(i64),
    InteractionsPerMin(i64),
    Authors(i64),
    Reach(i64),
    Platforms(i64),
    Acceleration(i64),
    MaxFollowers,
    VerifiedFollowers,
}

impl Metric {
    fn parse(name: &str) -> Option<Metric> {
        match name {
            "max_followers" => return Some(Metric::MaxFollowers),
            "verified_followers" => return Some(Metric::VerifiedFollowers),
            _ => {}
        }
        let (base, window) = name.rsplit_once('_')?;
        let minutes: i64 = window.strip_suffix('m')?.parse().ok()?;
        if !WINDOWS.contains(&minutes) {
            return None;
        }
        Some(match base {
            "posts" => Metric::Posts(minutes),
            "posts_per_min" => Metric::PostsPerMin(minutes),
            "interactions_per_min" => Metric::InteractionsPerMin(minutes),
            "authors" => Metric::Authors(minutes),
            "reach" => Metric::Reach(minutes),
            "platforms" => Metric::Platforms(minutes),
            "acceleration" => Metric::Acceleration(minutes),
            _ => return None,
        })
    }

    fn value(self, figures: &Figures) -> f64 {
        let window = |m: i64| {
            figures
                .window(m)
                .expect("every configured window is measured")
        };
        match self {
            Metric::Posts(m) => window(m).posts as f64,
            Metric::PostsPerMin(m) => window(m).posts_per_min,
            Metric::InteractionsPerMin(m) => window(m).interactions_per_min,
            Metric::Authors(m) => window(m).authors as f64,
            Metric::Reach(m) => window(m).reach as f64,
            Metric::Platforms(m) => window(m).platforms as f64,
            Metric::Acceleration(m) => window(m).acceleration,
            Metric::MaxFollowers => figures.max_followers as f64,
            Metric::VerifiedFollowers => figures.max_verified_followers as f64,
        }
    }

    /// Rates that grow with the event's velocity (what a forecast can extrapolate).
    fn is_rate(self) -> bool {
        matches!(self, Metric::PostsPerMin(_) | Metric::InteractionsPerMin(_))
    }
}

#[derive(Debug, Clone)]
struct Threshold {
    name: String,
    metric: Metric,
    value: f64,
}

#[derive(Debug, Clone)]
struct LevelRule {
    level: Level,
    min_signals: usize,
    thresholds: Vec<Threshold>,
}

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    base: BTreeMap<Severity, BaseLevel>,
    domain_floor: BTreeMap<String, BaseLevel>,
    levels: Vec<LevelRule>,
    pub lifecycle: Lifecycle,
}

/// The level an event deserves now, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    pub level: Option<Level>,
    pub why: Vec<Reason>,
}

#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct PolicyError(pub Vec<String>);

impl Policy {
    pub fn embedded() -> Policy {
        Policy::parse(DEFAULT_POLICY).expect("the embedded grading policy is valid")
    }

    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| PolicyError(vec![format!("{}: {e}", path.display())]))?;
        Policy::parse(&text).map_err(|e| {
            PolicyError(
                e.0.into_iter()
                    .map(|p| format!("{}: {p}", path.display()))
                    .collect(),
            )
        })
    }

    /// Parses and validates, reporting every problem.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let file: PolicyFile =
            toml::from_str(text).map_err(|e| PolicyError(vec![e.to_string()]))?;
        let mut problems = Vec::new();
        for severity in [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ] {
            if !file.base.contains_key(&severity) {
                problems.push(format!("base: no level for severity {severity:?}").to_lowercase());
            }
        }
        let mut levels = Vec::new();
        for (&level, rule) in &file.levels {
            let mut thresholds = Vec::new();
            for (name, &value) in &rule.when {
                match Metric::parse(name) {
                    Some(metric) if value.is_finite() && value >= 0.0 => {
                        thresholds.push(Threshold { name: name.clone(), metric, value })
                    }
                    Some(_) => problems.push(format!("levels.{}.when.{name}: must be a number >= 0", level.label())),
                    None => problems.push(format!(
                        "levels.{}.when.{name}: unknown signal (known: posts_Nm, posts_per_min_Nm, interactions_per_min_Nm, authors_Nm, reach_Nm, platforms_Nm, acceleration_Nm with N in 1/5/15/60; max_followers, verified_followers)",
                        level.label()
                    )),
                }
            }
            if rule.min_signals == 0 || rule.min_signals > thresholds.len().max(1) {
                problems.push(format!(
                    "levels.{}.min_signals must be between 1 and the number of signals",
                    level.label()
                ));
            }
            levels.push(LevelRule {
                level,
                min_signals: rule.min_signals,
                thresholds,
            });
        }
        if file.lifecycle.update_every_minutes <= 0 {
            problems.push("lifecycle.update_every_minutes must be positive".into());
        }
        if !problems.is_empty() {
            return Err(PolicyError(problems));
        }
        Ok(Policy {
            base: file.base,
            domain_floor: file.domain_floor,
            levels,
            lifecycle: file.lifecycle,
        })
    }

    /// The level `event` deserves with these figures, and every reason for it.
    pub fn grade(&self, event: &Event, figures: &Figures) -> Grade {
        let mut why = Vec::new();
        let level = self.assess(event, figures, Some(&mut why));
        Grade { level, why }
    }

    /// [`Policy::grade`]'s level alone: what the grading thread asks of every matched
    /// post, without formatting the reasons only an alert carries.
    pub fn level(&self, event: &Event, figures: &Figures) -> Option<Level> {
        self.assess(event, figures, None)
    }

    /// The level, and the reasons for it into `why` when asked for.
    fn assess(
        &self,
        event: &Event,
        figures: &Figures,
        mut why: Option<&mut Vec<Reason>>,
    ) -> Option<Level> {
        let severity = event.severity();
        let mut level = self.base.get(&severity).and_then(|b| b.level());
        if let (Some(base), Some(why)) = (level, why.as_deref_mut()) {
            why.push(Reason {
                level: base,
                signal: "base".into(),
                value: None,
                threshold: None,
                text: format!("rule severity {severity:?} gives {}", base.label()).to_lowercase(),
            });
        }
        for rule in event.rules.values() {
            if let Some(floor) = self.domain_floor.get(&rule.domain).and_then(|b| b.level()) {
                if level < Some(floor) {
                    level = Some(floor);
                    if let Some(why) = why.as_deref_mut() {
                        why.push(Reason {
                            level: floor,
                            signal: "domain_floor".into(),
                            value: None,
                            threshold: None,
                            text: format!("domain {} starts at {}", rule.domain, floor.label()),
                        });
                    }
                }
            }
        }
        for rule in &self.levels {
            let crosses = |t: &Threshold| {
                let value = t.metric.value(figures);
                let counts = match t.metric {
                    Metric::Acceleration(m) => figures
                        .window(m)
                        .is_some_and(|w| w.posts >= self.lifecycle.min_posts_for_acceleration),
                    _ => true,
                };
                (counts && value >= t.value).then_some(value)
            };
            let crossed = rule
                .thresholds
                .iter()
                .filter(|t| crosses(t).is_some())
                .count();
            if crossed < rule.min_signals {
                continue;
            }
            level = level.max(Some(rule.level));
            if let Some(why) = why.as_deref_mut() {
                why.extend(rule.thresholds.iter().filter_map(|t| {
                    let value = crosses(t)?;
                    Some(Reason {
                        level: rule.level,
                        signal: t.name.clone(),
                        value: Some(round(value)),
                        threshold: Some(t.value),
                        text: format!("{} {} >= {}", t.name, round(value), t.value),
                    })
                }));
            }
        }
        level
    }

    /// When, at the current 5-minute acceleration, the event would cross a rate threshold of
    /// the level above `level`.
    pub fn forecast(&self, level: Level, figures: &Figures) -> Option<Forecast> {
        let next = level.next()?;
        let rule = self.levels.iter().find(|r| r.level == next)?;
        let acceleration = figures.window(5)?.acceleration;
        if acceleration <= 1.0 {
            return None;
        }
        rule.thresholds
            .iter()
            .filter(|t| t.metric.is_rate())
            .filter_map(|t| {
                let value = t.metric.value(figures);
                if value <= 0.0 || value >= t.value {
                    return None;
                }
                // The rate multiplies by `acceleration` every 5 minutes.
                let eta = 5.0 * (t.value / value).ln() / acceleration.ln();
                Some(Forecast {
                    next_level: next,
                    signal: t.name.clone(),
                    value: round(value),
                    threshold: t.value,
                    eta_minutes: round(eta),
                })
            })
            .min_by(|a, b| a.eta_minutes.total_cmp(&b.eta_minutes))
    }
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
