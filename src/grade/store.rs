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
