//! The messages that travel between stages, one file each (Quickwit's `models/`).
//!
//! Stages import these; these import no stage. Every message is `Serialize + Deserialize`
//! end to end, because each is about to cross a process boundary (a broker topic) or a
//! browser socket.
//!
//! - [`frame`]: what a source read in one go, with where it came from.
//! - [`completion`]: the handle that travels with a frame's work and tells its source
//!   when all of it is handled.
//! - [`post`]: the canonical post every platform's JSON is decoded into.
//! - [`rule_ref`]: who a rule is, as matches, events and alerts show it.
//! - [`fingerprint`]: what clustering compares a post by.
//! - [`identity`]: who, where and what a post tells (places, actors, acts).
//! - [`match_record`]: one matched post, the rules that fired and their terms.
//! - [`figures`]: an event's figures and the posts an alert shows.
//! - [`place`]: where an event happened (属地), with the words that said so.
//! - [`response`]: an official account's statement in an open event.
//! - [`level`]: the plan's warning levels (红/橙/黄).
//! - [`alert`]: what the monitoring centre sees.
//! - [`step`]: the steps of the plan an incident goes through.

pub mod alert;
pub mod completion;
pub mod figures;
pub mod fingerprint;
pub mod frame;
pub mod identity;
pub mod level;
pub mod match_record;
pub mod place;
pub mod post;
pub mod response;
pub mod rule_ref;
pub mod step;

pub use alert::{Alert, AlertKind, Forecast, Reason, Resolution};
pub use completion::{Completion, Status, Watermark};
pub use figures::{Figures, PostSummary, WindowFigures};
pub use fingerprint::Fingerprint;
pub use frame::{Frame, MappingSelection, SourceInfo};
pub use identity::Identity;
pub use level::{Level, UnknownLevel};
pub use match_record::{MatchRecord, MatchedRule, Score, TermHit};
pub use place::{Evidence, Mention, PlaceClass, PlaceKey, PlaceKind, Whereabouts};
pub use post::{Author, Counts, Post};
pub use response::OfficialResponse;
pub use rule_ref::{RuleRef, Severity, MODEL_RULE_ID};
pub use step::{Step, UnknownStep};

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};

    use super::*;

    fn record() -> MatchRecord {
        MatchRecord {
            post: Post {
                platform: "weibo".into(),
                id: "1".into(),
                url: None,
                author: Author::default(),
                title: None,
                body: "民警".into(),
                published_at: Utc.timestamp_opt(1_800_000_000, 0).unwrap(),
                counts: Counts::default(),
                repost_of: None,
                root_id: None,
                region: None,
            },
            source: "s".into(),
            generation: 3,
            rules: vec![MatchedRule {
                rule: RuleRef {
                    id: "r".into(),
                    name: "r".into(),
                    domain: "d".into(),
                    severity: Severity::High,
                    tags: vec![],
                },
                terms: vec![TermHit {
                    term: "民警".into(),
                    start: Some(0),
                    end: 2,
                }],
            }],
            score: None,
            matched_at: Utc.timestamp_opt(1_800_000_001, 0).unwrap(),
            received_at: Utc.timestamp_opt(1_800_000_001, 0).unwrap(),
            fingerprint: Some(Fingerprint {
                simhash: 7,
                shingles: vec![1, 2],
            }),
            identity: None,
            completion: None,
        }
    }

    #[test]
    fn a_match_record_crosses_a_process_boundary_whole() {
        let record = record();
        let json = serde_json::to_string(&record).unwrap();
        let back: MatchRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back.fingerprint, record.fingerprint);
        assert_eq!(back.rules, record.rules);
        assert_eq!(back.post, record.post);
    }

    #[test]
    fn an_alert_crosses_a_process_boundary_whole() {
        let summary = PostSummary::of(&record());
        let figures = Figures {
            at: summary.published_at,
            total_posts: 1,
            windows: vec![],
            max_followers: 0,
            max_verified_followers: 0,
            platforms_total: 1,
        };
        let alert = Alert {
            alert_id: "e#1".into(),
            kind: AlertKind::Resolved,
            event_id: "e".into(),
            level: Level::Orange,
            level_zh: Level::Orange.name_zh().into(),
            previous_level: Some(Level::Yellow),
            at: summary.published_at,
            emitted_at: summary.published_at,
            resolution: Some(Resolution::Quiet),
            title: "t".into(),
            domains: vec!["d".into()],
            rules: vec![],
            generation: 3,
            why: vec![],
            figures,
            velocity: vec![1],
            forecast: None,
            first_post: summary.clone(),
            top_posts: vec![summary],
            place: None,
            response: None,
            completion: None,
        };
        let json = serde_json::to_value(&alert).unwrap();
        assert_eq!(json["resolution"], "quiet");
        assert_eq!(json["level_zh"], "重大");
        let back: Alert = serde_json::from_value(json).unwrap();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&alert).unwrap()
        );
    }

    #[test]
    fn a_frame_crosses_a_process_boundary_whole() {
        let source = Arc::new(SourceInfo {
            name: "ws".into(),
            mappings: vec![0, 2],
        });
        let frame = Frame::new(source, &b"{\"id\":1}\n"[..]);
        let back: Frame = serde_json::from_str(&serde_json::to_string(&frame).unwrap()).unwrap();
        assert_eq!(back.bytes, frame.bytes);
        assert_eq!(back.source.mappings, vec![0, 2]);
        assert_eq!(back.received_at, frame.received_at);
    }
}
