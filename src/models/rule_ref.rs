//! Who a rule is, as matches, events and alerts show it.

use serde::{Deserialize, Serialize};

/// How serious a rule's subject is; the grading policy maps it to a base level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// A rule's identity without its logic: what travels with a match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// The rule id under which a match of the learned risk scorer alone travels (no specific
/// rule fired): its [`RuleRef::domain`] is the domain the scorer read, or empty.
pub const MODEL_RULE_ID: &str = "model.risk";

impl RuleRef {
    /// Whether this is the scorer's own match rather than a specific rule's.
    pub fn is_model(&self) -> bool {
        self.id == MODEL_RULE_ID
    }

    /// Whether a post matched by `self` and an event holding `other` are under the same
    /// claim: the same rule, or — when one side is the scorer's match, which names no
    /// rule — the same known domain (two scorer matches in different domains disagree).
    pub fn agrees_with(&self, other: &RuleRef) -> bool {
        if self.is_model() || other.is_model() {
            !self.domain.is_empty() && self.domain == other.domain
        } else {
            self.id == other.id
        }
    }
}
