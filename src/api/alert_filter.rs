//! The values `GET /api/v1/alerts` filters on, checked: a typo in `level` or `state` is a
//! 400 naming the accepted values, not an empty list that reads as "all quiet".

use crate::deliver::outbox::IncidentFilter;
use crate::models::{Level, Step};

/// The plan's Chinese names of the levels.
const LEVELS_ZH: [(&str, Level); 6] = [
    ("红", Level::Red),
    ("橙", Level::Orange),
    ("黄", Level::Yellow),
    ("红色", Level::Red),
    ("橙色", Level::Orange),
    ("黄色", Level::Yellow),
];

fn level(text: &str) -> Option<Level> {
    text.parse::<Level>().ok().or_else(|| {
        LEVELS_ZH
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, level)| *level)
    })
}

/// `open` (no step taken, not resolved), a step name (the furthest taken), or `resolved`.
fn known_state(state: &str) -> bool {
    state == "open" || state == "resolved" || state.parse::<Step>().is_ok()
}

/// The filter with its level in the canonical spelling, or what is wrong with it.
pub fn checked(mut filter: IncidentFilter) -> Result<IncidentFilter, String> {
    if let Some(given) = &filter.level {
        let Some(level) = level(given) else {
            return Err(format!(
                "unknown level {given:?}; one of red, orange, yellow (or 红, 橙, 黄)"
            ));
        };
        filter.level = Some(level.label().to_owned());
    }
    if let Some(state) = &filter.state {
        if !known_state(state) {
            return Err(format!(
                "unknown state {state:?}; one of open, {}, resolved",
                Step::ALL.map(Step::as_str).join(", ")
            ));
        }
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(level: Option<&str>, state: Option<&str>) -> IncidentFilter {
        IncidentFilter {
            level: level.map(str::to_owned),
            state: state.map(str::to_owned),
            ..IncidentFilter::default()
        }
    }

    #[test]
    fn chinese_level_names_mean_the_english_ones_and_unknown_values_are_refused() {
        assert_eq!(
            checked(filter(Some("红"), None)).unwrap().level.as_deref(),
            Some("red")
        );
        assert_eq!(
            checked(filter(Some("yellow"), Some("open")))
                .unwrap()
                .level
                .as_deref(),
            Some("yellow")
        );
        assert!(checked(filter(Some("crimson"), None))
            .unwrap_err()
            .contains("unknown level"));
        assert!(checked(filter(None, Some("opne")))
            .unwrap_err()
            .contains("unknown state"));
        assert!(checked(filter(None, Some("ack"))).is_ok());
    }
}
