//! What the engine knows about the bureau it serves, from files beside the rules: the city's
//! places (`places.toml`). Hot-reloaded with the rules; a broken file never replaces a
//! working one, and a missing one means no gazetteer (general place patterns only).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;

use super::officials::Officials;
use super::places::{Gazetteer, PlacesError};

/// One generation of the bureau's files.
#[derive(Debug, Clone, Default)]
pub struct Local {
    pub gazetteer: Gazetteer,
    pub officials: Officials,
}

impl Local {
    /// Reads the files of `dir`; each missing file leaves its part empty.
    pub fn load(dir: &Path) -> Result<Local, PlacesError> {
        let places = dir.join("places.toml");
        let gazetteer = if places.is_file() {
            Gazetteer::load(&places)?
        } else {
            Gazetteer::default()
        };
        let accounts = dir.join("accounts.toml");
        let officials = if accounts.is_file() {
            Officials::load(&accounts)?
        } else {
            Officials::default()
        };
        Ok(Local {
            gazetteer,
            officials,
        })
    }
}

/// The live [`Local`], shared by the tracker (reader) and the reloaders.
pub struct LocalStore {
    dir: PathBuf,
    current: Arc<ArcSwap<Local>>,
}

impl LocalStore {
    /// Loads `dir`; a broken file starts the engine without it (logged), as broken rules do.
    pub fn open_or_empty(dir: &Path) -> LocalStore {
        let local = match Local::load(dir) {
            Ok(local) => local,
            Err(e) => {
                tracing::error!(error = %e, "places rejected; running without a gazetteer");
                Local::default()
            }
        };
        LocalStore {
            dir: dir.to_owned(),
            current: Arc::new(ArcSwap::from_pointee(local)),
        }
    }

    pub fn shared(&self) -> Arc<ArcSwap<Local>> {
        self.current.clone()
    }

    /// Reads the files without installing them (a reload that validates everything first).
    pub fn load(&self) -> Result<Local, PlacesError> {
        Local::load(&self.dir)
    }

    /// Installs a generation read by [`LocalStore::load`].
    pub fn install(&self, local: Local) {
        self.current.store(Arc::new(local));
    }

    /// Re-reads the files; on error the previous generation stays.
    pub fn reload(&self) -> Result<(), PlacesError> {
        match Local::load(&self.dir) {
            Ok(local) => {
                tracing::info!(
                    places = local.gazetteer.len(),
                    dir = %self.dir.display(),
                    "places reloaded"
                );
                self.current.store(Arc::new(local));
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "places rejected; the previous ones stay");
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_places_load_and_a_broken_file_keeps_the_old_ones() {
        let shipped = Local::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")))
            .expect("rules/places.toml loads");
        assert!(shipped.gazetteer.place("明湖路").is_some());
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            concat!(env!("CARGO_MANIFEST_DIR"), "/rules/places.toml"),
            dir.path().join("places.toml"),
        )
        .unwrap();
        let store = LocalStore::open_or_empty(dir.path());
        assert!(store.shared().load().gazetteer.place("江州站").is_some());
        std::fs::write(dir.path().join("places.toml"), "city = 1").unwrap();
        assert!(store.reload().is_err());
        assert!(store.shared().load().gazetteer.place("江州站").is_some());
    }
}
