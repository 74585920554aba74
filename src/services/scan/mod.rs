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
use crate::db::scan_writer::ScanWriter;
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
    pub fn new(writer: ScanWriter) -> Self {
        Self {
            cache: Default::default(),
            salt: Default::default(),
            viewers: Default::default(),
            writer,
        }
    }
}

/// What a scan shows of a code: the run's registry facts and the code's own
/// events and alerts.
pub struct CodeView {
    pub context: Arc<ScanContext>,
    pub facts: Arc<CodeFacts>,
}

/// A view counted: what it shows, and the code's views including it.
pub struct CountedView {
    pub found: CodeView,
    pub views: i64,
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

    /// Record a scan event and wait for its commit.
    pub async fn record_scan(
        &self,
        code: &TraceCode,
        event: ScanRecord<'_>,
    ) -> Result<(), ApiError> {
        self.scan
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
            .await?;
        Ok(())
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
        cache.put_current(&code, version, context.clone(), facts.clone());
        Ok(Some(CodeView { context, facts }))
    }

    /// Count a consumer's view of a code now: the hot path finds everything
    /// current in memory under one lock. None: no such code.
    pub async fn count_view(
        &self,
        code: TraceCode,
        now: NaiveDateTime,
    ) -> Result<Option<CountedView>, ApiError> {
        let cache = &self.scan.cache;
        if let Some(hit) = cache.view(&code, self.registry.version(), now) {
            return Ok(Some(CountedView {
                found: CodeView {
                    context: hit.context,
                    facts: hit.facts,
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

    /// Beyond the threshold of views, now and then, apply the view rule, in
    /// the background after the scan's commit: the answer does not wait for it.
    pub fn check_scan_count(
        &self,
        found: &CodeView,
        code: TraceCode,
        client: Option<ClientHash>,
        views: i64,
    ) {
        let thresholds = self.settings.clone_thresholds();
        let settled = found
            .facts
            .alerts
            .iter()
            .any(|a| a.rule == CloneRule::ScanCount.as_str() && a.status != "watch");
        if settled || views <= thresholds.max_views {
            return;
        }
        let cap = usize::try_from(thresholds.max_views + 1).unwrap_or(usize::MAX);
        let clients = self.scan.viewers.note(&code, client, cap);
        if !time_to_count_clients(views, thresholds.max_views) {
            return;
        }
        let clients = i64::try_from(clients).unwrap_or(i64::MAX);
        let services = self.clone();
        let context = &found.context;
        let (producer_id, batch_id) = (context.batch.producer_id.clone(), context.batch.id.clone());
        tokio::task::spawn_local(async move {
            let code = code.to_string();
            let looked = code.clone();
            let finding = services
                .read(move |conn| {
                    clone_watch::views_finding(conn, &looked, views, clients, &thresholds)
                })
                .await;
            let changed = match finding {
                Ok(Some(finding)) => {
                    services
                        .write(move |conn| {
                            let owner = CodeOwner {
                                code: &code,
                                producer_id: &producer_id,
                                batch_id: &batch_id,
                            };
                            clone_watch::record(conn, &owner, &finding, &thresholds)
                        })
                        .await
                }
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            };
            match changed {
                // A watch changes nothing consumers see: the caches stay.
                Ok(Some(alert)) if clone_watch::shown(&alert) => services.registry.changed(),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "clone alert not raised"),
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
        self.record_scan(&code, event).await?;
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
            .write(move |conn| {
                let code = code.to_string();
                let owner = CodeOwner {
                    code: &code,
                    producer_id: &producer_id,
                    batch_id: &batch_id,
                };
                clone_watch::check_located(conn, &owner, &sales, &new, &thresholds)
            })
            .await;
        match checked {
            // The page shows a confirmed alert from the next scan on.
            Ok(changed) if changed.iter().any(clone_watch::shown) => self.registry.changed(),
            Ok(_) => {}
            // The location is recorded; the rules look again at the next one.
            Err(e) => tracing::warn!(error = %e, "clone rules not checked after a shared location"),
        }
        Ok(())
    }
}
