//! Where an event happened (属地), as alerts carry it: from its posts' texts and the city's
//! gazetteer (`rules/places.toml`, read by `events::places`), not the posters' IP regions.

use serde::{Deserialize, Serialize};

/// What kind of place a gazetteer entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    City,
    District,
    Town,
    Road,
    Landmark,
    Station,
    PoliceStation,
    Facility,
}

/// An event's 属地.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Whereabouts {
    /// The place most of its posts name (a gazetteer place before an unlisted one, a finer
    /// one before its city).
    pub name: String,
    /// `None` for a place the gazetteer does not list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PlaceKind>,
    /// Its district and the district's 分县局 (for the city alone: the city's bureau).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bureau: Option<String>,
    /// Posts of the event that named it.
    pub posts: u64,
    /// The words that first named it, and the post.
    pub evidence: Evidence,
}

/// The words of a post that named a place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// As normalized.
    pub text: String,
    pub platform: String,
    pub post_id: String,
}

/// What a place name is, for comparing names the gazetteer does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceClass {
    /// A city (江州, 青州).
    City,
    /// A district, county, town or street office.
    Area,
    /// A road.
    Road,
    /// A spot: a landmark, station, 派出所, market, site, estate.
    Point,
}

/// A place a text names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PlaceKey {
    /// A gazetteer place, by its name (stable across reloads that keep it).
    Known(String),
    /// A name of a known shape that the gazetteer does not list.
    Generic(PlaceClass, String),
}

/// A place found in a text, with the words that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub key: PlaceKey,
    pub text: String,
}
