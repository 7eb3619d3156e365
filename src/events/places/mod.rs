//! Where a post says something happened: the city's gazetteer (`rules/places.toml`) and
//! general patterns for Chinese place names, so that two posts naming different places are
//! told apart as different stories, and each event gets its 属地 (the 分县局 it belongs to).
//!
//! The gazetteer names one city — its districts (each with its 分县局), and the towns,
//! roads, landmarks, stations and 派出所 in them, with aliases. A name it lists is a
//! [`PlaceKey::Known`] place. Names it does not list are recognised by their shape
//! (`东港区`, `青州`, `临江派出所`, `阳光小区`) as [`PlaceKey::Generic`] places: enough to
//! see that `青州东港区` is not `云州西山区`, never enough to route.
//!
//! - [`file`]: the places file's format.
//! - [`shapes`]: unlisted places recognised by their names' shape.

mod file;
mod shapes;

use std::path::Path;

use aho_corasick::{AhoCorasick, MatchKind};

pub use crate::models::{Evidence, Mention, PlaceClass, PlaceKey, PlaceKind, Whereabouts};
pub use file::{CityEntry, DistrictEntry, PlaceEntry, PlacesFile};
use shapes::generic_places;

#[derive(Debug, thiserror::Error)]
pub enum PlacesError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

fn class_of(kind: PlaceKind) -> PlaceClass {
    match kind {
        PlaceKind::City => PlaceClass::City,
        PlaceKind::District | PlaceKind::Town => PlaceClass::Area,
        PlaceKind::Road => PlaceClass::Road,
        _ => PlaceClass::Point,
    }
}

/// One known place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub name: String,
    pub kind: PlaceKind,
    /// Index of its district (`None` for the city itself).
    pub district: Option<usize>,
    /// Its 分县局 (the city's bureau for the city).
    pub bureau: String,
}

/// How two sets of places relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// They share a place (or one lies inside the other).
    Same,
    /// They name places that cannot both be where it happened.
    Conflict,
    /// Nothing to tell: one names none, or only places of different kinds.
    Unknown,
}

/// The compiled gazetteer.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    places: Vec<Place>,
    /// Every name and alias, leftmost-longest (江州站派出所 before 江州站 before 江州).
    names: AhoCorasick,
    /// Place index of each pattern of `names`.
    pattern_place: Vec<usize>,
    /// Place index by name.
    by_name: std::collections::HashMap<String, usize>,
    /// Which compilation this is, unique in the process: the match workers find a post's
    /// places with the gazetteer they hold, and the tracker uses what they found only if
    /// it holds the same one (a reload in between makes it look again).
    id: u64,
}

/// The next [`Gazetteer::id`].
static NEXT_GAZETTEER_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Default for Gazetteer {
    /// A gazetteer of no city: only the general patterns apply.
    fn default() -> Gazetteer {
        Gazetteer::compile(&PlacesFile {
            city: CityEntry {
                name: String::new(),
                aliases: Vec::new(),
                bureau: String::new(),
            },
            district: Vec::new(),
            place: Vec::new(),
        })
        .expect("an empty gazetteer compiles")
    }
}

impl Gazetteer {
    /// Reads and compiles a places file; errors name the file and the problem.
    pub fn load(path: &Path) -> Result<Gazetteer, PlacesError> {
        let error = |message: String| PlacesError::File {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let file: PlacesFile = toml::from_str(&text).map_err(|e| error(e.to_string()))?;
        Gazetteer::compile(&file).map_err(error)
    }

    /// Validates a parsed file: every place's district exists, no name means two places.
    pub fn compile(file: &PlacesFile) -> Result<Gazetteer, String> {
        let mut places = Vec::new();
        let mut names: Vec<(String, usize)> = Vec::new();
        let mut problems = Vec::new();
        if !file.city.name.is_empty() {
            places.push(Place {
                name: file.city.name.clone(),
                kind: PlaceKind::City,
                district: None,
                bureau: file.city.bureau.clone(),
            });
            for name in std::iter::once(&file.city.name).chain(&file.city.aliases) {
                names.push((name.clone(), 0));
            }
        }
        let mut district_index = std::collections::HashMap::new();
        for district in &file.district {
            let index = places.len();
            district_index.insert(district.name.as_str(), index);
            places.push(Place {
                name: district.name.clone(),
                kind: PlaceKind::District,
                district: Some(index),
                bureau: district.bureau.clone(),
            });
            for name in std::iter::once(&district.name).chain(&district.aliases) {
                names.push((name.clone(), index));
            }
            // The bureau's own name places a statement by it in its district.
            names.push((district.bureau.clone(), index));
        }
        for place in &file.place {
            let Some(&district) = district_index.get(place.district.as_str()) else {
                problems.push(format!(
                    "place {:?}: unknown district {:?}",
                    place.name, place.district
                ));
                continue;
            };
            let index = places.len();
            places.push(Place {
                name: place.name.clone(),
                kind: place.kind,
                district: Some(district),
                bureau: places[district].bureau.clone(),
            });
            for name in std::iter::once(&place.name).chain(&place.aliases) {
                names.push((name.clone(), index));
            }
        }
        let mut seen = std::collections::HashMap::new();
        for (name, index) in &names {
            if name.is_empty() {
                problems.push(format!("{:?}: an empty name", places[*index].name));
            } else if let Some(other) = seen.insert(name.as_str(), *index) {
                if other != *index {
                    problems.push(format!(
                        "name {name:?} is given to both {:?} and {:?}",
                        places[other].name, places[*index].name
                    ));
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        let normalized: Vec<String> = names
            .iter()
            .map(|(n, _)| crate::normalize::normalize(n))
            .collect();
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&normalized)
            .map_err(|e| e.to_string())?;
        let by_name = places
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        Ok(Gazetteer {
            id: NEXT_GAZETTEER_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            by_name,
            places,
            names: matcher,
            pattern_place: names.into_iter().map(|(_, i)| i).collect(),
        })
    }

    /// Which compilation of the places this is (unique in the process; a clone keeps it).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// A known place by name (`None` once a reload dropped it).
    pub fn place(&self, name: &str) -> Option<&Place> {
        self.by_name.get(name).map(|&i| &self.places[i])
    }

    /// The district a known place lies in (itself for a district).
    pub fn district_of(&self, name: &str) -> Option<&Place> {
        self.place(name)?.district.map(|d| &self.places[d])
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The places a normalized text names: the gazetteer's first, then names of a place's
    /// shape in the rest of the text. Each place once, in order of first mention.
    pub fn mentions(&self, normalized: &str) -> Vec<Mention> {
        let mut found: Vec<Mention> = Vec::new();
        let mut covered = vec![false; normalized.len()];
        for m in self.names.find_iter(normalized) {
            covered[m.start()..m.end()]
                .iter_mut()
                .for_each(|c| *c = true);
            let place = &self.places[self.pattern_place[m.pattern().as_usize()]];
            let key = PlaceKey::Known(place.name.clone());
            if !found.iter().any(|f| f.key == key) {
                found.push(Mention {
                    key,
                    text: normalized[m.range()].to_owned(),
                });
            }
        }
        for (key, text) in generic_places(normalized, &covered) {
            if !found.iter().any(|f| f.key == key) {
                found.push(Mention { key, text });
            }
        }
        found
    }

    fn class(&self, key: &PlaceKey) -> Option<PlaceClass> {
        match key {
            PlaceKey::Known(name) => self.place(name).map(|p| class_of(p.kind)),
            PlaceKey::Generic(class, _) => Some(*class),
        }
    }

    /// How two places relate. Known places: the same place, or a district and a place in
    /// it, are the same; places in different districts conflict; two spots in one district
    /// tell nothing (a 派出所 and the station it serves). A known and an unknown place of
    /// the same class conflict (the gazetteer lists its city's places); two unknown ones
    /// conflict when their class matches and their names differ.
    pub fn relate(&self, a: &PlaceKey, b: &PlaceKey) -> Relation {
        if a == b {
            return Relation::Same;
        }
        match (a, b) {
            (PlaceKey::Known(x), PlaceKey::Known(y)) => {
                let (Some(px), Some(py)) = (self.place(x), self.place(y)) else {
                    return Relation::Unknown;
                };
                if px.kind == PlaceKind::City || py.kind == PlaceKind::City {
                    return Relation::Same;
                }
                if px.district != py.district {
                    Relation::Conflict
                } else if px.kind == PlaceKind::District || py.kind == PlaceKind::District {
                    Relation::Same
                } else {
                    Relation::Unknown
                }
            }
            _ if self.class(a).is_some() && self.class(a) == self.class(b) => Relation::Conflict,
            _ => Relation::Unknown,
        }
    }

    /// How a post's places relate to an event's. Places finer than a city decide when both
    /// sides name some: one shared place makes them the same, otherwise any conflict makes
    /// them different. Cities decide only when no finer place does.
    pub fn relate_sets<'a>(
        &self,
        post: impl IntoIterator<Item = &'a PlaceKey> + Clone,
        event: impl IntoIterator<Item = &'a PlaceKey> + Clone,
    ) -> Relation {
        let mut fine = Relation::Unknown;
        let mut coarse = Relation::Unknown;
        for a in post {
            for b in event.clone() {
                let is_city = !self.is_fine(a) || !self.is_fine(b);
                let relation = self.relate(a, b);
                let slot = if is_city { &mut coarse } else { &mut fine };
                *slot = match (*slot, relation) {
                    (Relation::Same, _) | (_, Relation::Same) => Relation::Same,
                    (Relation::Conflict, _) | (_, Relation::Conflict) => Relation::Conflict,
                    _ => Relation::Unknown,
                };
            }
        }
        match fine {
            Relation::Unknown => match coarse {
                // A shared city is too coarse to call two posts one story.
                Relation::Same => Relation::Unknown,
                other => other,
            },
            other => other,
        }
    }

    /// The 属地 of places named `posts` times each: the most named gazetteer spot or road,
    /// else district or town, else the city, else the most named unlisted fine place.
    pub fn whereabouts<'a>(
        &self,
        named: impl IntoIterator<Item = (&'a PlaceKey, u64, &'a Evidence)>,
    ) -> Option<Whereabouts> {
        let rank = |key: &PlaceKey| match key {
            PlaceKey::Known(_) if self.class(key) == Some(PlaceClass::Area) => 3,
            PlaceKey::Known(_) if self.is_fine(key) => 4,
            PlaceKey::Known(name) if self.place(name).is_some() => 2,
            PlaceKey::Generic(class, _) if *class != PlaceClass::City => 1,
            _ => 0,
        };
        let (key, posts, evidence) = named
            .into_iter()
            .filter(|(key, _, _)| rank(key) > 0)
            // Highest rank, then most posts; ties go to the name first in order.
            .min_by(|a, b| {
                (rank(b.0), b.1)
                    .cmp(&(rank(a.0), a.1))
                    .then_with(|| a.0.cmp(b.0))
            })?;
        let (name, place) = match key {
            PlaceKey::Known(name) => (name.clone(), self.place(name)),
            PlaceKey::Generic(_, name) => (name.clone(), None),
        };
        let district = place.and_then(|p| p.district.map(|d| &self.places[d]));
        Some(Whereabouts {
            name,
            kind: place.map(|p| p.kind),
            district: district.map(|d| d.name.clone()),
            bureau: place.map(|p| p.bureau.clone()),
            posts,
            evidence: evidence.clone(),
        })
    }

    /// Whether a key is a spot: finer than a district or town (a 派出所, a market, a road).
    pub fn is_spot(&self, key: &PlaceKey) -> bool {
        matches!(self.class(key), Some(PlaceClass::Point | PlaceClass::Road))
    }

    /// Whether a key is finer than a city (a shared one identifies a story).
    pub fn is_fine(&self, key: &PlaceKey) -> bool {
        self.class(key).is_some_and(|c| c != PlaceClass::City)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gazetteer() -> Gazetteer {
        let file: PlacesFile = toml::from_str(
            r#"
            city = { name = "江州", aliases = ["江州市"], bureau = "江州市公安局" }
            [[district]]
            name = "明湖区"
            aliases = ["明湖"]
            bureau = "明湖分局"
            [[district]]
            name = "临江区"
            aliases = ["临江"]
            bureau = "临江分局"
            [[place]]
            name = "明湖路"
            kind = "road"
            district = "明湖区"
            [[place]]
            name = "江州站"
            kind = "station"
            district = "明湖区"
            aliases = ["江州火车站", "火车站"]
            [[place]]
            name = "临江派出所"
            kind = "police_station"
            district = "临江区"
            "#,
        )
        .unwrap();
        Gazetteer::compile(&file).unwrap()
    }

    fn keys(g: &Gazetteer, text: &str) -> Vec<PlaceKey> {
        g.mentions(&crate::normalize::normalize(text))
            .into_iter()
            .map(|m| m.key)
            .collect()
    }

    #[test]
    fn known_places_longest_first_then_generic_shapes() {
        let g = gazetteer();
        let found = g.mentions("江州火车站北广场有人开枪，青州东港区也有");
        let names: Vec<&str> = found.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(names, ["江州火车站", "青州", "东港区"]);
        assert!(keys(&g, "去派出所报案，这个小区，市区").is_empty());
        assert!(keys(&g, "报案不给立案怎么办派出所说不到标准").is_empty());
        assert!(keys(&g, "你说呢派出所").is_empty());
        assert_eq!(
            keys(&g, "阳光小区门口"),
            [PlaceKey::Generic(PlaceClass::Point, "阳光小区".into())]
        );
    }

    #[test]
    fn an_unlisted_place_written_several_ways_is_one_place_and_another_stem_is_not() {
        let g = gazetteer();
        let market = PlaceKey::Generic(PlaceClass::Point, "青禾菜市场".into());
        for text in [
            "青禾菜市场门口",
            "在青禾市场",
            "青禾菜场的摊主",
            "青禾农贸市场里",
        ] {
            assert_eq!(keys(&g, text), std::slice::from_ref(&market), "{text}");
        }
        let found = g.mentions("青禾菜场的摊主");
        assert_eq!(found[0].text, "青禾菜场");
        let relate = |a: &str, b: &str| g.relate_sets(&keys(&g, a), &keys(&g, b));
        assert_eq!(relate("青禾市场", "青禾菜场"), Relation::Same);
        assert_eq!(relate("青禾菜场", "柳塘菜场"), Relation::Conflict);
        assert_eq!(relate("东港公安分局", "东港分局"), Relation::Same);
        assert!(keys(&g, "青禾市场监管所").is_empty());
        assert!(keys(&g, "房地产市场不景气").is_empty());
    }

    #[test]
    fn different_districts_conflict_and_a_district_holds_its_places() {
        let g = gazetteer();
        let relate = |a: &str, b: &str| g.relate_sets(&keys(&g, a), &keys(&g, b));
        assert_eq!(relate("明湖路卡点", "临江派出所门口"), Relation::Conflict);
        assert_eq!(relate("明湖区", "明湖路卡点"), Relation::Same);
        assert_eq!(
            relate("江州明湖区民警", "青州东港区民警"),
            Relation::Conflict
        );
        assert_eq!(
            relate("青州东港区民警", "云州西山区民警"),
            Relation::Conflict
        );
        assert_eq!(relate("江州的民警", "江州站"), Relation::Unknown);
        assert_eq!(relate("民警打人", "临江派出所"), Relation::Unknown);
        assert_eq!(relate("江州站", "江州火车站北"), Relation::Same);
    }

    #[test]
    fn a_name_given_to_two_places_is_rejected() {
        let file: PlacesFile = toml::from_str(
            r#"
            city = { name = "江州", bureau = "江州市公安局" }
            [[district]]
            name = "明湖区"
            bureau = "明湖分局"
            [[place]]
            name = "明湖区"
            kind = "road"
            district = "明湖区"
            [[place]]
            name = "X"
            kind = "road"
            district = "无此区"
            "#,
        )
        .unwrap();
        let error = Gazetteer::compile(&file).unwrap_err();
        assert!(error.contains("无此区"), "{error}");
        assert!(error.contains("given to both"), "{error}");
    }
}
