//! The steps of the plan an incident goes through after its first alert.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A step of the plan (首接, 核查, 回应, 办结), in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// Acknowledged by the duty officer (首接).
    Ack,
    /// The facts verified (核查).
    Verified,
    /// The first official response published (回应).
    Responded,
    /// Core facts settled, the incident closed (办结).
    Closed,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 4] = [Step::Ack, Step::Verified, Step::Responded, Step::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Ack => "ack",
            Step::Verified => "verified",
            Step::Responded => "responded",
            Step::Closed => "closed",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Not one of the plan's steps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown step {0:?}; one of ack, verified, responded, closed")]
pub struct UnknownStep(pub String);

impl FromStr for Step {
    type Err = UnknownStep;

    fn from_str(text: &str) -> Result<Step, UnknownStep> {
        Step::ALL
            .into_iter()
            .find(|step| step.as_str() == text)
            .ok_or_else(|| UnknownStep(text.to_owned()))
    }
}
