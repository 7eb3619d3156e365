//! Measuring clustering against ground truth: does each real incident come out as one event,
//! and does no event hold two incidents?
//!
//! A labelled feed is replayed in order through the same steps the engine takes (decode,
//! normalize, rules, chain membership, tracker, grader), one post at a time, so the result
//! is the deterministic clustering the engine must reproduce at any worker count. Scores:
//!
//! - **pairwise** precision/recall over pairs of incident posts that both joined an event:
//!   a pair in the same event and the same incident is a true positive;
//! - **B-cubed** precision/recall/F1, per post averaged (large incidents weigh more, as a
//!   duty officer's screen does);
//! - **split** incidents (their posts spread over several events) and **merged** ones
//!   (sharing an event with another incident's posts);
//! - **alerted** incidents: an event whose posts are mostly this incident raised an alert;
//!   **lost to a merge**: the incident got none of its own but its posts sit in another
//!   incident's alerted event.
//!
//! Labels come from a TSV with a header naming `platform`, `id` and `incident` columns
//! (what `deploy/sample/make_feed.py --labels` writes), or from an `incident` field on each
//! feed line (the scenario feeds under `tests/scenarios/`). Posts without an incident are
//! noise: they only count when they join an incident's event (`intruders`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};

use crate::decode::Decoder;
use crate::events::identity::Identity;
use crate::events::local::Local;
use crate::events::TrackerConfig;
use crate::grade::{Grader, Policy};
use crate::matching::matcher::{Matcher, Session, Subject};
use crate::models::{Alert, MatchRecord};
use crate::normalize::normalize;

/// (platform, post id).
pub type PostKey = (String, String);

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("labels line {line}: {problem}")]
    Labels { line: usize, problem: String },
}

/// Incident of each labelled post (posts labelled with no incident are absent).
#[derive(Debug, Clone, Default)]
pub struct Labels(pub HashMap<PostKey, String>);

impl Labels {
    /// Reads a TSV whose header names `platform`, `id` and `incident` columns; an empty
    /// incident means the post belongs to none.
    pub fn from_tsv(text: &str) -> Result<Labels, EvalError> {
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
        let column = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .ok_or_else(|| EvalError::Labels {
                    line: 1,
                    problem: format!("no {name:?} column in the header"),
                })
        };
        let (platform, id, incident) = (column("platform")?, column("id")?, column("incident")?);
        let mut labels = HashMap::new();
        for (index, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let get = |i: usize| {
                fields.get(i).copied().ok_or_else(|| EvalError::Labels {
                    line: index + 2,
                    problem: format!("expected at least {} columns", i + 1),
                })
            };
            let name = get(incident)?.trim();
            if !name.is_empty() && name != "-" {
                labels.insert(
                    (get(platform)?.to_owned(), get(id)?.to_owned()),
                    name.to_owned(),
                );
            }
        }
        Ok(Labels(labels))
    }

    /// Labels carried by the feed itself: each line's `incident` field (a string; absent or
    /// empty for posts of no incident), keyed by the post the line decodes to.
    pub fn from_feed(feed: &[u8], decoder: &Decoder) -> Labels {
        let selection = decoder.select(&[]);
        let mut labels = HashMap::new();
        for line in feed.split(|&b| b == b'\n') {
            let Ok(value) = serde_json::from_slice::<serde_json::Value>(line) else {
                continue;
            };
            let Some(incident) = value.get("incident").and_then(|v| v.as_str()) else {
                continue;
            };
            if incident.is_empty() {
                continue;
            }
            decoder.decode_frame(line, &selection, Utc::now(), |post| {
                if let Ok(post) = post {
                    labels.insert((post.platform, post.id), incident.to_owned());
                }
            });
        }
        Labels(labels)
    }
}

/// What the engine made of a feed: each post's event, and the alerts.
#[derive(Debug, Default)]
pub struct Clustering {
    /// The event each post first joined (posts that joined none are absent).
    pub assigned: HashMap<PostKey, String>,
    pub alerts: Vec<Alert>,
    /// Posts read, in order (re-sends once).
    pub posts: Vec<PostKey>,
    /// Each event's opening post as the tracker saw it (its rules, places, actors and
    /// acts): why it told a story of its own, for a split incident's stray events.
    pub openers: HashMap<String, String>,
}

/// Replays `feed` (NDJSON) in order through decode → matcher → tracker → grader, as the
/// engine's worker and grading thread do, one post at a time.
pub fn cluster_feed(
    feed: &[u8],
    decoder: &Decoder,
    matcher: &Matcher,
    events: TrackerConfig,
    policy: Policy,
    local: Local,
) -> Clustering {
    let officials = local.officials.clone();
    let gazetteer = local.gazetteer.clone();
    let mut grader = Grader::new(events, Arc::new(ArcSwap::from_pointee(policy)));
    grader
        .tracker_mut()
        .use_local(Arc::new(ArcSwap::from_pointee(local)));
    let mut session = Session::new();
    let selection = decoder.select(&[]);
    let mut clustering = Clustering::default();
    let mut seen = std::collections::HashSet::new();
    let received_at = DateTime::<Utc>::MIN_UTC;
    for line in feed.split(|&b| b == b'\n') {
        decoder.decode_frame(line, &selection, received_at, |post| {
            let Ok(post) = post else { return };
            let key = (post.platform.clone(), post.id.clone());
            if seen.insert(key.clone()) {
                clustering.posts.push(key.clone());
            }
            // As the worker does: matched posts, and every repost and reply (the tracker
            // keeps those in a tracked chain).
            let verdict = matcher.judge(Subject::post(&post), &mut session, false);
            if !verdict.is_match()
                && post.repost_of.is_none()
                && post.root_id.is_none()
                && !officials.is_statement(&post)
            {
                return;
            }
            let record = MatchRecord {
                source: "eval".into(),
                generation: verdict.generation,
                rules: verdict.rules,
                score: verdict.score,
                matched_at: post.published_at,
                received_at: post.published_at,
                fingerprint: verdict.fingerprint,
                identity: None,
                completion: None,
                post,
            };
            let placed = grader.place(&record);
            if let Some(event) = placed.event_id {
                if !clustering.openers.contains_key(&event) {
                    let identity = Identity::of(&normalize(&record.post.text()), &gazetteer);
                    let rules: Vec<&str> =
                        record.rules.iter().map(|r| r.rule.id.as_str()).collect();
                    let opener = format!("rules [{}] {}", rules.join(", "), identity.describe());
                    clustering.openers.insert(event.clone(), opener);
                }
                clustering.assigned.entry(key).or_insert(event);
            }
            clustering.alerts.extend(placed.alerts);
        });
    }
    clustering
}

/// One incident's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentOutcome {
    pub incident: String,
    /// Labelled posts in the feed.
    pub posts: usize,
    /// Of them, posts that joined some event.
    pub tracked: usize,
    /// Events holding its tracked posts, largest share first: (event id, posts).
    pub events: Vec<(String, usize)>,
    /// Other incidents sharing one of its events.
    pub merged_with: Vec<String>,
    /// An event it owns (holds most of that event's incident posts) raised an alert.
    pub alerted: bool,
    /// Not alerted, but some of its posts are in another incident's alerted event.
    pub lost_to_merge: bool,
}

/// The scores of one feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub pairwise_precision: f64,
    pub pairwise_recall: f64,
    pub bcubed_precision: f64,
    pub bcubed_recall: f64,
    pub incidents: Vec<IncidentOutcome>,
    /// Posts of no incident that joined an event holding incident posts.
    pub intruders: usize,
    /// Events with no incident posts at all (noise that alerted or tracked).
    pub noise_events: usize,
}

impl Scores {
    pub fn bcubed_f1(&self) -> f64 {
        f1(self.bcubed_precision, self.bcubed_recall)
    }

    pub fn pairwise_f1(&self) -> f64 {
        f1(self.pairwise_precision, self.pairwise_recall)
    }

    /// Incidents whose posts went to more than one event.
    pub fn split(&self) -> usize {
        self.incidents.iter().filter(|i| i.events.len() > 1).count()
    }

    /// Incidents that share an event with another incident.
    pub fn merged(&self) -> usize {
        self.incidents
            .iter()
            .filter(|i| !i.merged_with.is_empty())
            .count()
    }

    pub fn lost_to_merge(&self) -> usize {
        self.incidents.iter().filter(|i| i.lost_to_merge).count()
    }
}

fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

/// Scores `clustering` against `labels`. Precision and recall count the incident posts that
/// joined an event (what rules missed is the rule pack's recall, measured by `rules eval`).
pub fn score(labels: &Labels, clustering: &Clustering) -> Scores {
    // (event, incident) → posts, over tracked incident posts.
    let mut cells: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut per_event: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_incident: BTreeMap<&str, usize> = BTreeMap::new();
    let mut labelled: BTreeMap<&str, usize> = BTreeMap::new();
    let mut intruders_by_event: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for key in &clustering.posts {
        if !seen.insert(key) {
            continue;
        }
        let incident = labels.0.get(key).map(String::as_str);
        if let Some(incident) = incident {
            *labelled.entry(incident).or_default() += 1;
        }
        let Some(event) = clustering.assigned.get(key).map(String::as_str) else {
            continue;
        };
        match incident {
            Some(incident) => {
                *cells.entry((event, incident)).or_default() += 1;
                *per_event.entry(event).or_default() += 1;
                *per_incident.entry(incident).or_default() += 1;
            }
            None => *intruders_by_event.entry(event).or_default() += 1,
        }
    }
    let pairs = |n: usize| (n * n.saturating_sub(1) / 2) as f64;
    let together: f64 = cells.values().map(|&n| pairs(n)).sum();
    let same_event: f64 = per_event.values().map(|&n| pairs(n)).sum();
    let same_incident: f64 = per_incident.values().map(|&n| pairs(n)).sum();
    let ratio = |a: f64, b: f64| if b == 0.0 { 1.0 } else { a / b };
    // B-cubed: each post's precision is |its event ∩ its incident| / |its event|, recall
    // |…| / |its incident|; summed over the cell's posts that is n² / size.
    let total: usize = cells.values().sum();
    let (mut precision, mut recall) = (0.0, 0.0);
    for (&(event, incident), &n) in &cells {
        let n = n as f64;
        precision += n * n / per_event[event] as f64;
        recall += n * n / per_incident[incident] as f64;
    }
    let bcubed = |sum: f64| if total == 0 { 1.0 } else { sum / total as f64 };

    let alerted_events: BTreeSet<&str> = clustering
        .alerts
        .iter()
        .map(|a| a.event_id.as_str())
        .collect();
    // The incident holding most of an event's incident posts owns it (ties: the name).
    let mut owner: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    for (&(event, incident), &n) in &cells {
        let entry = owner.entry(event).or_insert((incident, n));
        if n > entry.1 {
            *entry = (incident, n);
        }
    }
    let mut incidents = Vec::new();
    for (&incident, &posts) in &labelled {
        let mut events: Vec<(String, usize)> = cells
            .iter()
            .filter(|((_, i), _)| *i == incident)
            .map(|((e, _), &n)| (e.to_string(), n))
            .collect();
        events.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut merged_with: Vec<String> = cells
            .keys()
            .filter(|(e, i)| *i != incident && events.iter().any(|(own, _)| own == e))
            .map(|(_, i)| i.to_string())
            .collect();
        merged_with.sort();
        merged_with.dedup();
        let alerted = events.iter().any(|(e, _)| {
            alerted_events.contains(e.as_str())
                && owner.get(e.as_str()).map(|o| o.0) == Some(incident)
        });
        let in_alerted = events
            .iter()
            .any(|(e, _)| alerted_events.contains(e.as_str()));
        incidents.push(IncidentOutcome {
            incident: incident.to_owned(),
            posts,
            tracked: per_incident.get(incident).copied().unwrap_or(0),
            events,
            merged_with,
            alerted,
            lost_to_merge: !alerted && in_alerted,
        });
    }
    let noise_events = clustering
        .assigned
        .values()
        .map(String::as_str)
        .filter(|e| !per_event.contains_key(e))
        .collect::<BTreeSet<_>>()
        .len();
    Scores {
        pairwise_precision: ratio(together, same_event),
        pairwise_recall: ratio(together, same_incident),
        bcubed_precision: bcubed(precision),
        bcubed_recall: bcubed(recall),
        incidents,
        intruders: intruders_by_event
            .iter()
            .filter(|(e, _)| per_event.contains_key(*e))
            .map(|(_, &n)| n)
            .sum(),
        noise_events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> PostKey {
        ("weibo".into(), id.into())
    }

    fn clustering(assigned: &[(&str, &str)]) -> Clustering {
        Clustering {
            assigned: assigned
                .iter()
                .map(|(post, event)| (key(post), event.to_string()))
                .collect(),
            alerts: Vec::new(),
            posts: assigned.iter().map(|(post, _)| key(post)).collect(),
            openers: HashMap::new(),
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        Labels(
            pairs
                .iter()
                .map(|(post, incident)| (key(post), incident.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_perfect_clustering_scores_one() {
        let labels = labels(&[("1", "A"), ("2", "A"), ("3", "B")]);
        let scores = score(
            &labels,
            &clustering(&[("1", "e1"), ("2", "e1"), ("3", "e2")]),
        );
        assert_eq!(scores.bcubed_f1(), 1.0);
        assert_eq!(scores.pairwise_f1(), 1.0);
        assert_eq!((scores.split(), scores.merged()), (0, 0));
    }

    #[test]
    fn a_merge_costs_precision_and_a_split_costs_recall() {
        let labels = labels(&[("1", "A"), ("2", "A"), ("3", "B"), ("4", "B")]);
        let merged = score(
            &labels,
            &clustering(&[("1", "e1"), ("2", "e1"), ("3", "e1"), ("4", "e1")]),
        );
        assert_eq!(merged.bcubed_precision, 0.5);
        assert_eq!(merged.bcubed_recall, 1.0);
        assert_eq!(merged.pairwise_precision, 2.0 / 6.0);
        assert_eq!(merged.merged(), 2);
        let split = score(
            &labels,
            &clustering(&[("1", "e1"), ("2", "e2"), ("3", "e3"), ("4", "e3")]),
        );
        assert_eq!(split.bcubed_precision, 1.0);
        assert_eq!(split.bcubed_recall, 0.75);
        assert_eq!(split.pairwise_recall, 0.5);
        assert_eq!(split.split(), 1);
    }

    #[test]
    fn labels_read_from_a_tsv_by_column_name() {
        let labels = Labels::from_tsv(
            "line\tplatform\tid\tkind\tincident\n1\tweibo\t7\tincident\tI1\n2\tweibo\t8\teveryday\t\n",
        )
        .unwrap();
        assert_eq!(labels.0.len(), 1);
        assert_eq!(labels.0[&key("7")], "I1");
        assert!(Labels::from_tsv("platform\tid\n").is_err());
    }
}
