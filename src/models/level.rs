//! The plan's warning levels.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Warning levels of the plan, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// 一般风险
    Yellow,
    /// 重大风险
    Orange,
    /// 特大风险
    Red,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 3] = [Level::Yellow, Level::Orange, Level::Red];

    /// The plan's name for the level.
    pub fn name_zh(self) -> &'static str {
        match self {
            Level::Yellow => "一般",
            Level::Orange => "重大",
            Level::Red => "特大",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Yellow => "yellow",
            Level::Orange => "orange",
            Level::Red => "red",
        }
    }

    /// The level above, if any.
    pub fn next(self) -> Option<Level> {
        match self {
            Level::Yellow => Some(Level::Orange),
            Level::Orange => Some(Level::Red),
            Level::Red => None,
        }
    }
}

/// Not one of the plan's levels.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown level {0:?}; one of yellow, orange, red")]
pub struct UnknownLevel(pub String);

impl std::str::FromStr for Level {
    type Err = UnknownLevel;

    fn from_str(text: &str) -> Result<Level, UnknownLevel> {
        Level::ALL
            .into_iter()
            .find(|level| level.label() == text)
            .ok_or_else(|| UnknownLevel(text.to_owned()))
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
