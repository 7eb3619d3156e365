//! The places file (`rules/places.toml`) as the bureau writes it: the city, its districts
//! and the places in them. [`Gazetteer::compile`](super::Gazetteer::compile) validates it.

use serde::Deserialize;

use super::PlaceKind;

/// `rules/places.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacesFile {
    pub city: CityEntry,
    #[serde(default)]
    pub district: Vec<DistrictEntry>,
    #[serde(default)]
    pub place: Vec<PlaceEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CityEntry {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The city's public security bureau (市局): the 属地 of an event placed only in the city.
    pub bureau: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictEntry {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Its 分县局: where an event placed in it is routed.
    pub bureau: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceEntry {
    pub name: String,
    pub kind: PlaceKind,
    /// The district (by name) it lies in; its bureau is the place's 分县局.
    pub district: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}
