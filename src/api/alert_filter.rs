//! The values `GET /api/v1/alerts` filters on, checked: a typo in `level` or `state` is a
//! 400 naming the accepted values, not an empty list that reads as "all quiet".

use crate::deliver::outbox::{IncidentFilter, STEPS};

/// Accepted `level` spellings and the level they mean.
const LEVELS: [(&str, &str); 9] = [
    ("red", "red"),
    ("orange", "orange"),
    ("yellow", "yellow"),
    ("红", "red"),
    ("橙", "orange"),
    ("黄", "yellow"),
    ("红色", "red"),
    ("橙色", "orange"),
    ("黄色", "yellow"),
];

/// `open` (no step taken, not resolved), a step name (the furthest taken), or `resolved`.
fn known_state(state: &str) -> bool {
    state == "open" || state == "resolved" || STEPS.contains(&state)
}

/// The filter with its level in the canonical spelling, or what is wrong with it.
pub fn checked(mut filter: IncidentFilter) -> Result<IncidentFilter, String> {
    if let Some(level) = &filter.level {
        let Some((_, canonical)) = LEVELS.iter().find(|(given, _)| given == level) else {
            return Err(format!(
                "unknown level {level:?}; one of red, orange, yellow (or 红, 橙, 黄)"
            ));
        };
        filter.level = Some((*canonical).to_owned());
    }
    if let Some(state) = &filter.state {
        if !known_state(state) {
            return Err(format!(
                "unknown state {state:?}; one of open, {}, resolved",
                STEPS.join(", ")
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
