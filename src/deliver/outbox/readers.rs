//! Read connections: API queries, dispatchers' next notice and the deadline scan read on
//! connections of their own. In WAL mode a reader sees the last commit and never waits
//! for the writer, even while it holds a transaction through a slow fsync.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};

use super::OutboxError;

/// Idle read connections kept for reuse; more are opened when needed.
const MAX_IDLE: usize = 8;

pub(super) struct Readers {
    path: PathBuf,
    /// A std mutex held only to take or return a connection.
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub(super) fn new(path: &Path) -> Readers {
        Readers {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        }
    }

    pub(super) fn get(&self) -> Result<Reader<'_>, OutboxError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let connection = match idle {
            Some(connection) => connection,
            None => {
                let connection = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                connection.busy_timeout(std::time::Duration::from_secs(5))?;
                connection
            }
        };
        Ok(Reader {
            connection: Some(connection),
            readers: self,
        })
    }
}

/// A read connection, back to the pool when dropped.
pub(crate) struct Reader<'a> {
    connection: Option<Connection>,
    readers: &'a Readers,
}

impl Deref for Reader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.connection.as_ref().expect("taken only on drop")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            let mut idle = self.readers.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < MAX_IDLE {
                idle.push(connection);
            }
        }
    }
}
