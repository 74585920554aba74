//! The consumer's scan as a use case: which code, what it shows (from the
//! read model's cache when current), counting the view, recording it (group
//! commit: answered only once committed) and applying the clone rules after.

pub mod cache;
pub mod salt;

use std::net::IpAddr;
use std::sync::Arc;

use chrono::NaiveDateTime;

use super::Services;
use super::clone_watch::{self, CodeOwner};
use super::provenance::context::{load_code, load_context, load_facts_of};
use super::provenance::{CodeFacts, ScanContext};
use crate::db::DbConnection;
use crate::db::scan_writer::{Committed, ScanWriter};
use crate::db::scans::{NewScanEvent, ScanKind};
use crate::domain::clone::{CloneRule, GeoPoint, LocatedScan, time_to_count_clients};
use crate::domain::code::TraceCode;
use crate::domain::scan::{ClientHash, Lang, client_hash, ua_family};
use crate::domain::time::today;
use crate::error::ApiError;

/// The scan's in-memory state, one per process.
pub struct ScanState {
    pub cache: cache::ScanCache,
    pub salt: salt::DailySalt,
    /// Distinct viewers of codes past the view threshold (the view rule).
    pub viewers: cache::ViewersPastThreshold,
    pub writer: ScanWriter,
}

impl ScanState {
    /// The state, told by the writer the counts its flushes saved (every
    /// node's views, on PostgreSQL).
    pub fn new(writer: ScanWriter) -> Arc<Self> {
        let state = Arc::new(Self {
            cache: Default::default(),
            salt: Default::default(),
            viewers: Default::default(),
            writer,
        });
        // Weak: the writer lives in the state.
        let told = Arc::downgrade(&state);
        state.writer.when_counts_saved(Arc::new(move |saved| {
            if let Some(state) = told.upgrade() {
                state.cache.counts_saved(saved);
            }
        }));
        state
    }
}

/// What a scan shows of a code: the run's registry facts and the code's own
/// events and alerts.
pub struct CodeView {
    pub context: Arc<ScanContext>,
    pub facts: Arc<CodeFacts>,
    /// The registry version they are current at (taken before reading).
    pub read_at: u64,
}

/// A view counted: what it shows, and the code's views including it.
pub struct CountedView {
    pub found: CodeView,
    pub views: cache::ViewCount,
    pub first_viewed: Option<NaiveDateTime>,
}

/// What a scan event says besides which code.
pub struct ScanRecord<'a> {
    pub kind: ScanKind,
    pub lang: Lang,
    pub at: NaiveDateTime,
    pub location: Option<(f64, f64)>,
    pub client: Option<ClientHash>,
    /// Only its browser family is kept.
    pub user_agent: Option<&'a str>,
}

impl Services {
    /// The salted daily hash of a client's address: all that is kept of it.
    pub fn client_of(&self, addr: Option<IpAddr>) -> Option<ClientHash> {
        let salt = self
            .scan
            .salt
            .for_day(self.settings.scan_salt_secret.expose(), today());
        addr.map(|a| client_hash(&salt, a))
    }

    /// Record a scan event and wait for its commit; answers the registry's
    /// version the commit saw (PostgreSQL).
    pub async fn record_scan(
        &self,
        code: &TraceCode,
        event: ScanRecord<'_>,
    ) -> Result<Committed, ApiError> {
        Ok(self
            .scan
            .writer
            .record(NewScanEvent {
                code: *code,
                kind: event.kind,
                scanned_at: event.at,
                lang: event.lang,
                ua_family: ua_family(event.user_agent),
                client_hash: event.client,
                latitude: event.location.map(|l| l.0),
                longitude: event.location.map(|l| l.1),
            })
            .await?)
    }

    /// The facts behind a code: from memory when they are current, otherwise
    /// read and remembered. None: no such code. A code seen for the first
    /// time costs a point read (its run and views: on SQLite right on the
    /// event loop, on PostgreSQL through the blocking pool); its run's facts
    /// are usually cached already, and its own events and alerts are read
    /// only when its batch has any.
    pub async fn code_view(&self, code: TraceCode) -> Result<Option<CodeView>, ApiError> {
        let version = self.registry.version();
        let cache = &self.scan.cache;
        let cached = cache.get(&code, version);
        if let (Some(context), Some(facts)) = (&cached.context, &cached.facts) {
            return Ok(Some(CodeView {
                context: context.clone(),
                facts: facts.clone(),
                read_at: version,
            }));
        }
        let run = match cached.run {
            Some(run) => run,
            None => {
                let read = move |conn: &mut DbConnection| load_code(conn, &code);
                let found = match self.db.sqlite_here(read) {
                    Some(found) => found?,
                    None => self.read(read).await?,
                };
                let Some((run, (views, first))) = found else {
                    return Ok(None);
                };
                cache.put_code(code, run, views, first)
            }
        };
        // The run's facts may be cached even when this code is new to us.
        let context = match cached.context {
            Some(context) => context,
            None => cache
                .context_cell(&run.id, version)
                .get_or_try_init(|| {
                    let for_read = run.clone();
                    async move {
                        let context = self.read(move |conn| load_context(conn, &for_read));
                        Ok::<_, ApiError>(Arc::new(context.await?))
                    }
                })
                .await?
                .clone(),
        };
        let facts = match cached.facts {
            Some(facts) => facts,
            None if !context.codes_have_facts => cache.no_facts(),
            None => Arc::new(self.read(move |conn| load_facts_of(conn, &code)).await?),
        };
        cache.put_current(&code, version, &context, facts.clone());
        Ok(Some(CodeView {
            context,
            facts,
            read_at: version,
        }))
    }

    /// Count a consumer's view of a code now: the hot path finds everything
    /// current in memory under one lock. None: no such code.
    pub async fn count_view(
        &self,
        code: TraceCode,
        now: NaiveDateTime,
    ) -> Result<Option<CountedView>, ApiError> {
        let cache = &self.scan.cache;
        let version = self.registry.version();
        if let Some(hit) = cache.view(&code, version, now) {
            return Ok(Some(CountedView {
                found: CodeView {
                    context: hit.context,
                    facts: hit.facts,
                    read_at: version,
                },
                views: hit.views,
                first_viewed: Some(hit.first_viewed),
            }));
        }
        let Some(found) = self.code_view(code).await? else {
            return Ok(None);
        };
        let (views, first_viewed) = cache.count_view(&code, now);
        Ok(Some(CountedView {
            found,
            views,
            first_viewed,
        }))
    }

    /// A consumer's view of a code: counted, recorded (answered once
    /// committed), and what it shows current as of that commit: a registry
    /// write committed on another node before this scan arrived, not yet
    /// heard of here, is found by the commit and read. None: no such code
    /// (nothing recorded).
    pub async fn view_and_record(
        &self,
        code: TraceCode,
        event: ScanRecord<'_>,
    ) -> Result<Option<CountedView>, ApiError> {
        let Some(mut counted) = self.count_view(code, event.at).await? else {
            return Ok(None);
        };
        let seen = self.record_scan(&code, event).await?;
        if self.registry.outdated(counted.found.read_at, seen) {
            metrics::counter!(crate::monitoring::SCANS_READ_AGAIN).increment(1);
            if let Some(found) = self.code_view(code).await? {
                counted.found = found;
            }
        }
        Ok(Some(counted))
    }

    /// Beyond the threshold of views, now and then, apply the view rule, in
    /// the background after the scan's commit: the answer does not wait for it.
    pub fn check_scan_count(
        &self,
        found: &CodeView,
        code: TraceCode,
        client: Option<ClientHash>,
        views: cache::ViewCount,
    ) {
        let thresholds = self.settings.clone_thresholds();
        let settled = found
            .facts
            .alerts
            .iter()
            .any(|a| a.rule == CloneRule::ScanCount.as_str() && a.status != "watch");
        if settled || views.now <= thresholds.max_views {
            return;
        }
        let cap = usize::try_from(thresholds.max_views + 1).unwrap_or(usize::MAX);
        let clients = self.scan.viewers.note(&code, client, cap);
        if !time_to_count_clients(views.before, views.now, thresholds.max_views) {
            return;
        }
        let services = self.clone();
        let context = &found.context;
        let (producer_id, batch_id) = (context.batch.producer_id.clone(), context.batch.id.clone());
        tokio::task::spawn_local(async move {
            let code = code.to_string();
            let looked = code.clone();
            // The viewers noted here join those other nodes noted: a copy
            // scanned through several nodes is confirmed on all its viewers.
            let finding = services
                .write(move |conn| {
                    let noted: Vec<&str> = clients.iter().map(ClientHash::as_str).collect();
                    let clients = crate::db::alerts::note_viewers(conn, &looked, &noted)?;
                    clone_watch::views_finding(conn, &looked, views.now, clients, &thresholds)
                })
                .await;
            let changed = match finding {
                Ok(Some(finding)) => {
                    services
                        .registry_write_if(move |conn| {
                            let owner = CodeOwner {
                                code: &code,
                                producer_id: &producer_id,
                                batch_id: &batch_id,
                            };
                            let alert = clone_watch::record(conn, &owner, &finding, &thresholds)?;
                            // A watch changes nothing consumers see: the caches stay.
                            let shown = alert.as_ref().is_some_and(clone_watch::shown);
                            Ok(((), shown))
                        })
                        .await
                }
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            };
            if let Err(e) = changed {
                tracing::warn!(error = %e, "clone alert not raised");
            }
        });
    }

    /// A location a consumer chose to share for a code they scanned:
    /// recorded (rounded), then the travel and after-sale rules look at it.
    pub async fn record_location(
        &self,
        code: TraceCode,
        found: &CodeView,
        point: GeoPoint,
        client: Option<ClientHash>,
        user_agent: Option<&str>,
    ) -> Result<(), ApiError> {
        let at = crate::db::now();
        let event = ScanRecord {
            kind: ScanKind::Location,
            lang: Lang::Vi,
            at,
            location: Some((point.latitude, point.longitude)),
            client,
            user_agent,
        };
        let seen = self.record_scan(&code, event).await?;
        // The sales the after-sale rule compares with may have changed on
        // another node since `found` was read.
        let fresh = match self.registry.outdated(found.read_at, seen) {
            true => self.code_view(code).await?,
            false => None,
        };
        let found = fresh.as_ref().unwrap_or(found);
        let sales = found.context.sales(&found.facts);
        let (producer_id, batch_id) = (
            found.context.batch.producer_id.clone(),
            found.context.batch.id.clone(),
        );
        let thresholds = self.settings.clone_thresholds();
        let new = LocatedScan {
            at,
            point,
            client: crate::db::scans::stored_client(client.as_ref()).to_owned(),
        };
        let checked = self
            .registry_write_if(move |conn| {
                let code = code.to_string();
                let owner = CodeOwner {
                    code: &code,
                    producer_id: &producer_id,
                    batch_id: &batch_id,
                };
                let changed = clone_watch::check_located(conn, &owner, &sales, &new, &thresholds)?;
                // The page shows a confirmed alert from the next scan on.
                Ok(((), changed.iter().any(clone_watch::shown)))
            })
            .await;
        if let Err(e) = checked {
            // The location is recorded; the rules look again at the next one.
            tracing::warn!(error = %e, "clone rules not checked after a shared location");
        }
        Ok(())
    }
}
