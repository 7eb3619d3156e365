//! The live generation: many readers (match workers, the API), one rare writer (reload).
//!
//! A reload builds the next [`Matcher`] (rules and every artefact) off the hot path, runs
//! its examples, and swaps it in with one atomic store. Workers load the current
//! generation once per frame, so every post is judged by exactly one generation. A failed
//! reload leaves the old one running.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arc_swap::ArcSwap;

use super::matcher::Matcher;
use crate::rules::RuleErrors;
use crate::telemetry;

pub struct RuleStore {
    dir: PathBuf,
    current: ArcSwap<Matcher>,
    /// Serializes reloads, so two reloads never race to the same generation number; and
    /// holds the last reload error for the API (cleared by a successful reload).
    last_error: Mutex<Option<String>>,
    /// The live generation number, for those who wait for a reload to land.
    generation: tokio::sync::watch::Sender<u64>,
}

impl RuleStore {
    /// Loads generation 1 from `dir`.
    pub fn open(dir: &Path) -> Result<RuleStore, RuleErrors> {
        let started = Instant::now();
        let matcher = Matcher::load(dir, 1)?;
        loaded(&matcher, started);
        Ok(RuleStore {
            dir: dir.to_owned(),
            generation: tokio::sync::watch::Sender::new(matcher.generation),
            current: ArcSwap::from_pointee(matcher),
            last_error: Mutex::new(None),
        })
    }

    /// Loads generation 1 from `dir`; if that fails, starts with no rules (generation 0,
    /// matching nothing, reported unready) and the error, so a service manager sees a live
    /// but unready process and a fixed rule file brings it up without a restart.
    pub fn open_or_empty(dir: &Path) -> RuleStore {
        RuleStore::open(dir).unwrap_or_else(|errors| {
            telemetry::rules_reload_failed();
            tracing::error!(dir = %dir.display(), errors = %errors, "rules failed to load; running unready until they do");
            RuleStore {
                dir: dir.to_owned(),
                generation: tokio::sync::watch::Sender::new(0),
                current: ArcSwap::from_pointee(Matcher::empty()),
                last_error: Mutex::new(Some(errors.to_string())),
            }
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The live generation.
    pub fn current(&self) -> Arc<Matcher> {
        self.current.load_full()
    }

    /// Watches the live generation number (changes after each successful reload).
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.generation.subscribe()
    }

    /// The error of the last reload, if it failed.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Builds, tests and swaps in the next generation; returns its number. Blocking (it
    /// compiles): call it from a blocking thread.
    pub fn reload(&self) -> Result<u64, RuleErrors> {
        let mut last_error = self.last_error.lock().unwrap_or_else(|e| e.into_inner());
        let generation = self.current.load().generation + 1;
        let started = Instant::now();
        match Matcher::load(&self.dir, generation) {
            Ok(matcher) => {
                loaded(&matcher, started);
                tracing::info!(
                    generation,
                    rules = matcher.rules().rules().len(),
                    "rules reloaded"
                );
                self.current.store(Arc::new(matcher));
                self.generation.send_replace(generation);
                *last_error = None;
                Ok(generation)
            }
            Err(errors) => {
                telemetry::rules_reload_failed();
                tracing::error!(dir = %self.dir.display(), errors = %errors, "rules reload rejected; previous generation keeps running");
                *last_error = Some(errors.to_string());
                Err(errors)
            }
        }
    }
}

fn loaded(matcher: &Matcher, started: Instant) {
    telemetry::rules_loaded(
        matcher.generation,
        matcher.rules().rules().len(),
        started.elapsed(),
    );
}
