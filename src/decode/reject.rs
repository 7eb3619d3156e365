//! Why a post was rejected. Each reason is a metric label and a log field.

use std::fmt;

/// A post that could not be decoded: counted by source and reason, logged, skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reject {
    InvalidUtf8,
    InvalidJson(String),
    /// The line is JSON, but not an object.
    NotAnObject,
    /// No configured mapping's `detect` pointer exists in the object.
    NoMapping,
    MissingField(&'static str),
    WrongType(&'static str),
    /// A count beyond any real post's (`decode::MAX_COUNT`).
    OutOfRange(&'static str),
    TooLarge {
        bytes: usize,
        limit: usize,
    },
}

impl Reject {
    /// Low-cardinality label for metrics and counters.
    pub fn reason(&self) -> &'static str {
        match self {
            Reject::InvalidUtf8 => "invalid_utf8",
            Reject::InvalidJson(_) => "invalid_json",
            Reject::NotAnObject => "not_an_object",
            Reject::NoMapping => "no_mapping",
            Reject::MissingField(_) => "missing_field",
            Reject::WrongType(_) => "wrong_type",
            Reject::OutOfRange(_) => "out_of_range",
            Reject::TooLarge { .. } => "too_large",
        }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reject::InvalidUtf8 => write!(f, "not valid UTF-8"),
            Reject::InvalidJson(e) => write!(f, "invalid JSON: {e}"),
            Reject::NotAnObject => write!(f, "not a JSON object"),
            Reject::NoMapping => write!(f, "no mapping's detect pointer exists in the object"),
            Reject::MissingField(field) => write!(f, "missing required field {field}"),
            Reject::WrongType(field) => write!(f, "field {field} has the wrong type"),
            Reject::OutOfRange(field) => write!(f, "field {field} is out of range"),
            Reject::TooLarge { bytes, limit } => write!(f, "{bytes} bytes exceeds limit {limit}"),
        }
    }
}
