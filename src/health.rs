//! Readiness: what `/readyz` reports. Ready means the engine can do its job now: rules are
//! loaded, and the configured sources are delivering (or have delivered) posts.

use std::sync::Arc;

use dashmap::DashMap;

use crate::matching::store::RuleStore;

/// Where a configured (pulling) source stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceState {
    Connecting,
    Connected,
    /// Was connected, lost its connection (a broker restart, a network fault) and is
    /// reconnecting by itself: no restart of the engine is needed.
    Reconnecting,
    Replaying,
    /// A replay that reached its end: it did its job.
    Finished,
    Failed,
}

impl SourceState {
    pub fn label(self) -> &'static str {
        match self {
            SourceState::Connecting => "connecting",
            SourceState::Connected => "connected",
            SourceState::Reconnecting => "reconnecting",
            SourceState::Replaying => "replaying",
            SourceState::Finished => "finished",
            SourceState::Failed => "failed",
        }
    }

    pub fn is_working(self) -> bool {
        matches!(
            self,
            SourceState::Connected | SourceState::Replaying | SourceState::Finished
        )
    }
}

/// What `/readyz` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub ready: bool,
    /// One line per component: rules, each source.
    pub report: String,
}

/// Shared by sources (which report their state) and the API (which reads it).
#[derive(Debug, Default)]
pub struct Health {
    sources: DashMap<String, SourceState>,
}

impl Health {
    pub fn set(&self, source: &str, state: SourceState) {
        self.sources.insert(source.to_owned(), state);
    }

    /// Every source and where it stands, by name.
    pub fn sources(&self) -> Vec<(String, SourceState)> {
        let mut sources: Vec<(String, SourceState)> = self
            .sources
            .iter()
            .map(|e| (e.key().clone(), *e.value()))
            .collect();
        sources.sort_by(|a, b| a.0.cmp(&b.0));
        sources
    }

    /// Whether the engine is ready, with the state of things (every reason when not).
    pub fn readiness(&self, rules: &Arc<RuleStore>) -> Readiness {
        let mut lines = Vec::new();
        let mut ready = true;
        let current = rules.current();
        if current.generation == 0 {
            ready = false;
            let error = rules
                .last_error()
                .unwrap_or_else(|| "no rules loaded".to_owned());
            lines.push(format!(
                "rules: NOT LOADED from {}: {error}",
                rules.dir().display()
            ));
        } else {
            lines.push(format!(
                "rules: generation {} ({} rules)",
                current.generation,
                current.rules().rules().len()
            ));
        }
        let mut sources: Vec<(String, SourceState)> = self
            .sources
            .iter()
            .map(|e| (e.key().clone(), *e.value()))
            .collect();
        sources.sort_by(|a, b| a.0.cmp(&b.0));
        if !sources.is_empty() && !sources.iter().any(|(_, state)| state.is_working()) {
            ready = false;
            lines.push("sources: none connected or replaying".to_owned());
        }
        for (name, state) in sources {
            lines.push(format!("source {name}: {}", state.label()));
        }
        Readiness {
            ready,
            report: lines.join("\n") + "\n",
        }
    }
}
