//! An official police account's statement in an open event (情况通报, 回应, 辟谣): the
//! plan's first official response, recorded as the incident's `responded` step.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficialResponse {
    /// The account's name (or id when it has none).
    pub account: String,
    pub platform: String,
    pub post_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When the statement was published.
    pub at: DateTime<Utc>,
    /// The word that made it a statement: 通报, 回应, 辟谣, 说明 or 声明.
    pub kind: String,
    /// Its first 140 characters.
    pub excerpt: String,
}
