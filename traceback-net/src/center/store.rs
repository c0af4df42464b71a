//! Async access to the [`Db`]: every call runs on tokio's blocking pool.

use super::db::{Db, DbError};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A shared handle to the center's database, usable from async code.
///
/// One connection behind a mutex: SQLite serialises writers anyway, and the
/// center's load (operators and interconnect reports) is small.
#[derive(Clone, Debug)]
pub struct Store {
    db: Arc<Mutex<Db>>,
}

/// A failure of [`Store::call`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database refused the operation.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The blocking task panicked or was cancelled.
    #[error("database task did not finish: {0}")]
    Task(String),
}

impl Store {
    /// Open the database file (blocking; call before serving or inside `spawn_blocking`).
    pub fn open(path: &Path) -> Result<Store, DbError> {
        Ok(Store {
            db: Arc::new(Mutex::new(Db::open(path)?)),
        })
    }

    /// Run `f` on the connection in a blocking task.
    pub async fn call<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&mut Db) -> Result<R, DbError> + Send + 'static,
        R: Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the connection itself
            // is still consistent (every change runs in a transaction).
            let mut guard = db.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
        .map_err(StoreError::Db)
    }
}
