//! What each lexicon of the rule pack means to the scorer, by its name.
//!
//! The rule pack names its concepts (`rules/lexicons.toml`); the scorer gives a few names a
//! grammatical role: `police` is the topic and the party whose role matters, the acts are
//! what can be done by or to the police, `passive` and `negation` turn an act around,
//! `officialese` marks report framing, `victim_markers` the people police act on,
//! `elsewhere` foreign police and fiction, `numeral` counts. Any other lexicon still counts
//! as a presence feature.

/// A lexicon's part in the structure features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Police,
    Act,
    Passive,
    Negation,
    Officialese,
    Victim,
    Elsewhere,
    Numeral,
    Other,
}

/// Names of the lexicons whose terms are acts.
pub const ACTS: &[&str] = &[
    "violence",
    "detention",
    "death",
    "shooting",
    "refusal",
    "delay",
    "corruption",
    "fakery",
    "apology",
    "discipline",
    "complaint",
    "resistance",
    "misconduct",
];

/// The name of the backbone lexicon: a post is scored only when it hits one of its terms.
pub const POLICE: &str = "police";

/// The role of each lexicon of one rule pack, by index.
#[derive(Debug, Clone, Default)]
pub struct LexiconRoles {
    names: Vec<String>,
    roles: Vec<Role>,
}

impl LexiconRoles {
    pub fn new(names: &[String]) -> LexiconRoles {
        let roles = names.iter().map(|name| role_of(name)).collect();
        LexiconRoles {
            names: names.to_vec(),
            roles,
        }
    }

    pub fn role(&self, lexicon: usize) -> Role {
        self.roles.get(lexicon).copied().unwrap_or(Role::Other)
    }

    pub fn name(&self, lexicon: usize) -> &str {
        self.names.get(lexicon).map_or("", String::as_str)
    }

    /// Whether the pack defines the backbone lexicon at all.
    pub fn has_police(&self) -> bool {
        self.roles.contains(&Role::Police)
    }
}

fn role_of(name: &str) -> Role {
    match name {
        POLICE => Role::Police,
        "passive" => Role::Passive,
        "negation" => Role::Negation,
        "officialese" => Role::Officialese,
        "victim_markers" => Role::Victim,
        "elsewhere" => Role::Elsewhere,
        "numeral" => Role::Numeral,
        act if ACTS.contains(&act) => Role::Act,
        _ => Role::Other,
    }
}
