//! The matcher: one per generation, the whole decision for a post.
//!
//! normalize → one hyperscan scan → rule logic → filters (platform, followers) → the
//! scoring stage (when the generation has a scorer) → the post's [`Verdict`], with its
//! explanation when someone asks. Every caller uses it: the match workers (a frame at a
//! time), `POST /api/v1/rules/test`, the rules' own examples and `fenghuo rules eval`, so
//! none of them can judge a post differently from the others.
//!
//! A `Matcher` is shared read-only (`Send + Sync`); each thread brings its own [`Session`]
//! (hyperscan scratch and buffers), as `regex-automata` pairs a regex with a `Cache`.

use std::path::Path;

use super::artefacts::{Artefacts, ScoreInput};
use super::examples;
use crate::models::{Fingerprint, MatchedRule, Post, RuleRef, Score};
use crate::normalize::normalize_into;
use crate::rules::{self, Miss, RuleErrors, RuleOutcome, RuleSet, Scanner};

/// One generation: the compiled rules and every artefact loaded with them, swapped in
/// together so each post is judged by exactly one generation.
pub struct Matcher {
    /// The generation number (0: nothing loaded, matches nothing).
    pub generation: u64,
    rules: RuleSet,
    artefacts: Artefacts,
}

/// A thread's working state for judging posts: reused from post to post and across
/// generations (the scratch is resized when a new generation needs it).
#[derive(Default)]
pub struct Session {
    scanner: Scanner,
    /// The normalized text of the post being judged.
    normalized: String,
    /// The scoring stage's features of the post being judged.
    features: crate::score::FeatureBuffer,
}

impl Session {
    pub fn new() -> Session {
        Session::default()
    }

    /// The normalized text of the post last judged: what the rules saw, for work the
    /// caller does on the same text (the tracker's identity of a match).
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// What the matcher knows of a post besides its text: each filter applies only when the
/// subject carries what it tests. The workers always know both; a rule's examples and an
/// evaluation judge text alone (as `rules/README.md` promises); the test API what the
/// request gives.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// Title, separator, body: what [`Post::text_parts`] gives.
    pub parts: [&'a str; 3],
    pub platform: Option<&'a str>,
    pub followers: Option<u64>,
    /// The whole post, for a scoring stage that wants more than the text.
    pub post: Option<&'a Post>,
}

impl<'a> Subject<'a> {
    /// A decoded post: every filter applies.
    pub fn post(post: &'a Post) -> Subject<'a> {
        Subject {
            parts: post.text_parts(),
            platform: Some(&post.platform),
            followers: Some(post.author.followers),
            post: Some(post),
        }
    }

    /// A bare text: no filter applies.
    pub fn text(text: &'a str) -> Subject<'a> {
        Subject {
            parts: ["", "", text],
            platform: None,
            followers: None,
            post: None,
        }
    }
}

/// The matcher's decision on one post.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The generation that judged it.
    pub generation: u64,
    /// Rules that fired and whose filters the post passed, with the terms that hit.
    pub rules: Vec<MatchedRule>,
    /// What the scoring stage said, when the generation has one.
    pub score: Option<Score>,
    /// For clustering: computed when the post matters downstream (it matched, or the
    /// caller follows it), since only those travel on.
    pub fingerprint: Option<Fingerprint>,
}

impl Verdict {
    /// Whether the post is a match: some rule fired on it.
    pub fn is_match(&self) -> bool {
        !self.rules.is_empty()
    }
}

/// Why a rule with hits on a post did not fire on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFired {
    /// Its logic did not hold (an excluded term, a must group without a hit, no trigger).
    Logic(Miss),
    /// The post is from a platform the rule does not watch.
    Platform { platform: String },
    /// The author has fewer followers than the rule asks for.
    Followers { followers: u64, min_followers: u64 },
}

impl std::fmt::Display for NotFired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotFired::Logic(miss) => miss.fmt(f),
            NotFired::Platform { platform } => {
                write!(f, "platform {platform:?} is not one the rule watches")
            }
            NotFired::Followers {
                followers,
                min_followers,
            } => write!(
                f,
                "author has {followers} followers, the rule needs {min_followers}"
            ),
        }
    }
}

/// A verdict with its why: for people (the test API) and rule authors (examples).
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The text the rules saw.
    pub normalized: String,
    pub verdict: Verdict,
    /// Rules that had hits but did not fire, and why.
    pub not_fired: Vec<(RuleRef, NotFired)>,
}

impl Matcher {
    /// Reads, compiles and example-tests the rules of `dir`, with the generation's other
    /// artefacts, as generation `generation`. Blocking (it compiles).
    pub fn load(dir: &Path, generation: u64) -> Result<Matcher, RuleErrors> {
        let rules = rules::compile_dir(dir, generation)?;
        let artefacts = Artefacts::load(dir, &rules).map_err(|problems| RuleErrors { problems })?;
        let matcher = Matcher {
            generation,
            rules,
            artefacts,
        };
        let mut failures = examples::run(&matcher);
        if let Some(scorer) = &matcher.artefacts.scorer {
            failures.extend(scorer.check(&matcher));
        }
        if !failures.is_empty() {
            return Err(RuleErrors { problems: failures });
        }
        Ok(matcher)
    }

    /// A matcher of `rules` and `artefacts` as they are (no example run).
    pub fn new(rules: RuleSet, artefacts: Artefacts) -> Matcher {
        Matcher {
            generation: rules.generation,
            rules,
            artefacts,
        }
    }

    /// A matcher of `rules` with no other artefact (and no example run).
    pub fn of_rules(rules: RuleSet) -> Matcher {
        Matcher::new(rules, Artefacts::default())
    }

    /// Generation 0: no rules, matches nothing.
    pub fn empty() -> Matcher {
        Matcher::of_rules(RuleSet::empty())
    }

    /// The compiled rules of this generation.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The generation's other artefacts (its scoring stage).
    pub fn artefacts(&self) -> &Artefacts {
        &self.artefacts
    }

    /// Judges one post. `follow` says whether the caller wants it kept even if nothing
    /// fires (a post in a tracked repost chain): its fingerprint is then computed too.
    pub fn judge(&self, subject: Subject<'_>, session: &mut Session, follow: bool) -> Verdict {
        self.decide(subject, session, follow, None)
    }

    /// Judges every post of a frame, in order; returns those that matched or that
    /// `follow` wants kept, each with its verdict. One generation judges the whole batch.
    pub fn judge_frame(
        &self,
        posts: Vec<Post>,
        session: &mut Session,
        mut follow: impl FnMut(&Post) -> bool,
    ) -> Vec<(Post, Verdict)> {
        let mut kept = Vec::new();
        for post in posts {
            let followed = follow(&post);
            let verdict = self.judge(Subject::post(&post), session, followed);
            if verdict.is_match() || followed {
                kept.push((post, verdict));
            }
        }
        kept
    }

    /// Judges one post and says why each rule with hits did or did not fire; regex starts
    /// are located (slow: for people asking, not for the hot path).
    pub fn explain(&self, subject: Subject<'_>, session: &mut Session) -> Explanation {
        let mut not_fired = Vec::new();
        let mut verdict = self.decide(subject, session, false, Some(&mut not_fired));
        for rule in &mut verdict.rules {
            self.rules
                .locate_regex_starts(&session.normalized, &mut rule.terms);
        }
        Explanation {
            normalized: session.normalized.clone(),
            verdict,
            not_fired,
        }
    }

    /// The one decision every entry point shares.
    fn decide(
        &self,
        subject: Subject<'_>,
        session: &mut Session,
        follow: bool,
        mut not_fired: Option<&mut Vec<(RuleRef, NotFired)>>,
    ) -> Verdict {
        normalize_into(&subject.parts, &mut session.normalized);
        let mut fired = Vec::new();
        for outcome in self
            .rules
            .evaluate(&session.normalized, &mut session.scanner)
        {
            let (index, why) = match outcome {
                RuleOutcome::Fired(m) => match self.filter(m.rule, &subject) {
                    None => {
                        fired.push(self.rules.rule(m.rule).matched(m.terms));
                        continue;
                    }
                    Some(why) => (m.rule, why),
                },
                RuleOutcome::Missed(index, miss) => (index, NotFired::Logic(miss)),
            };
            if let Some(not_fired) = not_fired.as_deref_mut() {
                not_fired.push((self.rules.rule(index).reference(), why));
            }
        }
        let explain = not_fired.is_some();
        let Session {
            scanner,
            normalized,
            features,
        } = session;
        let score = self.artefacts.scorer.as_ref().and_then(|scorer| {
            scorer.score(
                &ScoreInput {
                    subject: &subject,
                    normalized,
                    fired: &fired,
                    cues: scanner.cues(),
                    explain,
                },
                features,
            )
        });
        // A post no rule fired on whose score passed its domain's threshold is a match
        // of the model, under a rule reference of its own so events, grading and
        // delivery treat it like any match.
        if fired.is_empty() {
            if let Some(matched) = score.as_ref().and_then(model_match) {
                fired.push(matched);
            }
        }
        let fingerprint = (follow || !fired.is_empty()).then(|| Fingerprint::of(normalized));
        Verdict {
            generation: self.generation,
            rules: fired,
            score,
            fingerprint,
        }
    }

    /// Why rule `index` must not fire on `subject` despite its logic holding, if it must not.
    fn filter(&self, index: usize, subject: &Subject<'_>) -> Option<NotFired> {
        let rule = self.rules.rule(index);
        if let Some(platform) = subject.platform {
            if !rule.platforms.is_empty() && !rule.platforms.iter().any(|p| p == platform) {
                return Some(NotFired::Platform {
                    platform: platform.to_owned(),
                });
            }
        }
        if let Some(followers) = subject.followers {
            if followers < rule.min_followers {
                return Some(NotFired::Followers {
                    followers,
                    min_followers: rule.min_followers,
                });
            }
        }
        None
    }
}

/// The match a passing score makes when no rule fired: `model.risk`, in the model's domain.
fn model_match(score: &Score) -> Option<MatchedRule> {
    if !score.passed {
        return None;
    }
    Some(MatchedRule {
        rule: RuleRef {
            id: MODEL_RULE_ID.to_owned(),
            name: "风险模型".to_owned(),
            domain: score.domain.clone().unwrap_or_default(),
            severity: crate::models::Severity::Medium,
            tags: vec!["模型".to_owned()],
        },
        terms: Vec::new(),
    })
}

/// The rule id under which a match of the model alone travels.
pub use crate::models::MODEL_RULE_ID;

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("generation", &self.generation)
            .field("rules", &self.rules)
            .field("artefacts", &self.artefacts)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::models::{Author, Counts};

    fn matcher() -> Matcher {
        let file: crate::rules::file::RuleFile = toml::from_str(
            r#"
            [[rule]]
            id = "weibo_only"
            name = "n"
            domain = "d"
            severity = "high"
            keywords = ["警察打人"]
            platforms = ["weibo"]
            min_followers = 100
            "#,
        )
        .unwrap();
        Matcher::of_rules(crate::rules::compile::compile(&[("t.toml".into(), file)], 7).unwrap())
    }

    fn post(id: &str, platform: &str, followers: u64, body: &str) -> Post {
        Post {
            platform: platform.into(),
            id: id.into(),
            url: None,
            author: Author {
                followers,
                ..Author::default()
            },
            title: None,
            body: body.into(),
            published_at: Utc::now(),
            counts: Counts::default(),
            repost_of: None,
            root_id: None,
            region: None,
        }
    }

    #[test]
    fn a_frame_is_judged_with_the_filters_and_followed_posts_kept() {
        let matcher = matcher();
        let mut session = Session::new();
        let posts = vec![
            post("1", "weibo", 500, "警察打人了"),
            post("2", "douyin", 500, "警察打人了"),
            post("3", "weibo", 5, "警察打人了"),
            post("4", "weibo", 500, "天气"),
            post("5", "weibo", 500, "转发"),
        ];
        let kept = matcher.judge_frame(posts, &mut session, |p| p.id == "5");
        let ids: Vec<&str> = kept.iter().map(|(p, _)| p.id.as_str()).collect();
        assert_eq!(ids, ["1", "5"]);
        assert!(kept[0].1.is_match());
        assert_eq!(kept[0].1.generation, 7);
        assert!(kept[0].1.fingerprint.is_some());
        assert!(!kept[1].1.is_match());
        assert!(
            kept[1].1.fingerprint.is_some(),
            "a followed post is fingerprinted"
        );
    }

    #[test]
    fn the_explanation_names_the_filter_and_text_alone_passes_it() {
        let matcher = matcher();
        let mut session = Session::new();
        let douyin = post("2", "douyin", 500, "警察打人了");
        let explanation = matcher.explain(Subject::post(&douyin), &mut session);
        assert!(!explanation.verdict.is_match());
        assert_eq!(
            explanation.not_fired[0].1,
            NotFired::Platform {
                platform: "douyin".into()
            }
        );
        // Examples and evaluations judge the text alone.
        assert!(matcher
            .judge(Subject::text("警察打人了"), &mut session, false)
            .is_match());
        assert!(matcher
            .judge(Subject::text("警察打人了"), &mut session, false)
            .fingerprint
            .is_some());
    }
}
