//! Use cases, once, for every front door (HTTP API, pages, CLI/demo, and the
//! resolver, EPCIS and console to come). Typed inputs and outputs; nothing
//! here knows of the web framework or of HTML. Dependencies point down: front doors →
//! services → (domain, db, labels).

pub mod access;
pub mod batch_view;
pub mod catalog;
pub mod certifications;
pub mod clone_watch;
pub mod console;
pub mod counterfeit;
pub mod epcis;
pub mod idempotency;
pub mod issuance;
pub mod notify;
pub mod product_view;
pub mod provenance;
pub mod rating_lists;
pub mod recall;
pub mod registry;
pub mod resolver;
pub mod scan;
pub mod sites;
pub mod supply;
pub mod verify;

use std::sync::Arc;

use crate::config::Settings;
use crate::db::scan_writer::ScanWriter;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;

pub use registry::RegistryNotifier;

/// What the use cases share: the database and the notifier of registry
/// changes. Cloned cheaply (handles inside).
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub registry: RegistryNotifier,
    pub settings: Arc<Settings>,
    pub scan: Arc<scan::ScanState>,
}

impl Services {
    pub fn new(db: Db, settings: Arc<Settings>, scan_writer: ScanWriter) -> Self {
        Self {
            db,
            registry: RegistryNotifier::default(),
            settings,
            scan: scan::ScanState::new(scan_writer),
        }
    }

    /// Blocking reads (or a single write) off the async workers.
    pub async fn read<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.db.run(work).await
    }

    /// One transaction that writes nothing a scan shows (bookkeeping: keys,
    /// subscriptions, leases).
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.db.transaction(work).await
    }

    /// One transaction that changes registry facts (products, ratings,
    /// sites, batches, events…); once committed, every cache of them reads
    /// again, on every node.
    pub async fn registry_write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.registry_write_if(move |conn| Ok((work(conn)?, true)))
            .await
    }

    /// One transaction that may change what a scan shows; `work` says
    /// whether it did (an alert consumers are warned of, not a mere watch).
    /// The change is announced in the same transaction: other nodes learn
    /// of it when it commits, never before.
    pub async fn registry_write_if<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<(T, bool), ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let (written, announced) = self
            .db
            .transaction(move |conn| {
                let (written, changed) = work(conn)?;
                let announced = match changed {
                    true => Some(crate::db::registry::announce(conn)?),
                    false => None,
                };
                Ok::<_, ApiError>((written, announced))
            })
            .await?;
        if let Some(announced) = announced {
            self.registry.changed(announced);
        }
        Ok(written)
    }

    /// The registry's version, first brought up to the database's on
    /// PostgreSQL (another node may have written since this one last heard):
    /// for reads of cached facts that record nothing, whose commit could
    /// not tell (a shop's verification).
    pub async fn current_registry_version(&self) -> Result<u64, ApiError> {
        if let crate::db::DbTarget::Postgres { .. } = self.db.target()
            && let Some(version) = self
                .read(|conn| Ok(crate::db::registry::current(conn)?))
                .await?
        {
            self.registry.learn(version);
        }
        Ok(self.registry.version())
    }
}
