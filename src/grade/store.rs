//! The live grading policy: loaded from a file (or the embedded default), hot-reloaded,
//! and a broken file never replaces a working policy.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;

use super::policy::{Policy, PolicyError};

pub struct PolicyStore {
    /// `None`: the embedded default, which never changes.
    path: Option<PathBuf>,
    current: Arc<ArcSwap<Policy>>,
}

impl PolicyStore {
    pub fn open(path: Option<&Path>) -> Result<PolicyStore, PolicyError> {
        let policy = match path {
            Some(path) => Policy::load(path)?,
            None => Policy::embedded(),
        };
        Ok(PolicyStore {
            path: path.map(Path::to_owned),
            current: Arc::new(ArcSwap::from_pointee(policy)),
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The shared handle graders read.
    pub fn shared(&self) -> Arc<ArcSwap<Policy>> {
        self.current.clone()
    }

    pub fn reload(&self) -> Result<(), PolicyError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        match Policy::load(path) {
            Ok(policy) => {
                self.current.store(Arc::new(policy));
                tracing::info!(path = %path.display(), "grading policy reloaded");
                Ok(())
            }
            Err(e) => {
                tracing::error!(path = %path.display(), errors = %e, "grading policy rejected; previous policy keeps grading");
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::policy::DEFAULT_POLICY;

    #[test]
    fn a_broken_policy_keeps_the_previous_one_grading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grading.toml");
        std::fs::write(&path, DEFAULT_POLICY).unwrap();
        let store = PolicyStore::open(Some(&path)).unwrap();
        let shared = store.shared();
        let before = shared.load_full();

        let broken = DEFAULT_POLICY
            .replace("posts_per_min_5m = 1.0", "posts_per_minute_5m = 1.0")
            .replace("min_signals = 2", "min_signals = 0");
        std::fs::write(&path, broken).unwrap();
        let error = store.reload().unwrap_err().to_string();
        assert!(
            error.contains("posts_per_minute_5m") && error.contains("min_signals"),
            "every problem is reported: {error}"
        );
        assert!(
            Arc::ptr_eq(&before, &shared.load_full()),
            "the old policy is still in place"
        );

        std::fs::write(
            &path,
            DEFAULT_POLICY.replace("update_every_minutes = 15", "update_every_minutes = 5"),
        )
        .unwrap();
        store.reload().unwrap();
        assert_eq!(shared.load().lifecycle.update_every_minutes, 5);
    }
}
