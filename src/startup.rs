//! Build the App (routes, middleware, state) and run the server. `main` and
//! the tests both start the service through [`Application`].

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;

use crate::config::Settings;
use crate::db::Db;
use crate::extract;
use crate::routes::problem::problem_for_bare_errors;
use crate::routes::{self, AppState};
use crate::telemetry;

pub struct Application {
    port: u16,
    server: Server,
    /// `/metrics` on `METRICS_ADDRESS`, when set.
    metrics_server: Option<(u16, Server)>,
    scan_writer_stopped: crate::db::scan_writer::WriterStopped,
    shutdown: std::time::Duration,
}

impl Application {
    /// Open the database, apply pending migrations, bind the port.
    pub fn build(settings: Settings) -> Result<Self, String> {
        let db = Db::connect(settings.database_url.expose(), settings.database_pool_size)?;
        let applied = db.migrate()?;
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| format!("can't listen on {}: {e}", settings.bind))?;
        Self::with_listener(settings, db, listener)
    }

    pub fn with_listener(
        settings: Settings,
        db: Db,
        listener: TcpListener,
    ) -> Result<Self, String> {
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let jwt = web::Data::new(crate::auth::jwt::JwtKeys::new(&settings.jwt_secret));
        let workers = settings.workers;
        let blocking_threads = blocking_threads_per_worker(settings.database_pool_size, workers);
        let shutdown = settings.shutdown_timeout;
        let doc = routes::openapi();
        let limiter = crate::ratelimit::ClientLimiter::new(
            settings.scan.scan_rate_per_minute,
            settings.scan.scan_burst,
            settings.scan.trusted_proxies.clone(),
        );
        let alive = Arc::new(());
        let sender = webhook_sender_config(&settings.webhooks);
        crate::jobs::webhook_sender::start(db.clone(), sender, Arc::downgrade(&alive));
        crate::jobs::expiry::start(db.clone(), sender.poll, Arc::downgrade(&alive));
        let revoked_keys = web::Data::new(crate::auth::revocation::RevokedKeys::default());
        crate::auth::revocation::start_refresher(
            db.clone(),
            revoked_keys.clone().into_inner(),
            // A token lives at most this long (plus the verifier's leeway).
            settings.token_ttl + std::time::Duration::from_secs(60),
            Arc::downgrade(&alive),
        );
        // A crashed issuer's lease runs out after this; look twice as often.
        let sweep_every = std::time::Duration::from_secs(
            (settings.limits.issuance_lease_seconds / 2).clamp(1, 30),
        );
        crate::jobs::abandoned_runs::start(db.clone(), sweep_every, Arc::downgrade(&alive));
        crate::jobs::scan_months::start(db.clone(), Arc::downgrade(&alive));
        let (scan_writer, scan_writer_stopped) =
            crate::db::scan_writer::ScanWriter::start(db.clone(), settings.scan.scan_flush);
        let metrics = web::Data::new(crate::routes::metrics::MetricsSource {
            recorder: crate::monitoring::recorder()?,
            db: db.clone(),
            served_here: settings.metrics_address.is_none(),
        });
        let metrics_server = match &settings.metrics_address {
            Some(address) => Some(metrics_server(address, metrics.clone())?),
            None => None,
        };
        let settings = Arc::new(settings);
        let services = crate::services::Services::new(db.clone(), settings.clone(), scan_writer);
        crate::jobs::registry_listener::start(
            db.target().clone(),
            services.registry.clone(),
            Arc::downgrade(&alive),
        );
        let state = web::Data::new(AppState {
            _alive: alive,
            revoked_keys: revoked_keys.clone(),
            limiter,
            pdf_gate: crate::ratelimit::WorkGate::new(
                settings.limits.pdf_concurrency,
                settings.limits.pdf_queue,
                "label PDFs",
            ),
            services,
            db,
            jwt: jwt.clone(),
            settings,
            openapi_yaml: routes::render_yaml(&doc),
            routes: routes::RouteTable::from_openapi(&doc),
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(jwt.clone())
                .app_data(revoked_keys.clone())
                .app_data(web::PathConfig::default().error_handler(extract::path_error))
                .app_data(web::QueryConfig::default().error_handler(extract::query_error))
                .app_data(web::JsonConfig::default().error_handler(extract::json_error))
                .default_service(web::to(routes::not_routed))
                .wrap(from_fn(routes::resolver::resolver_protocol))
                .wrap(ErrorHandlers::new().default_handler(problem_for_bare_errors))
                // On every answer: no content sniffing, no address of ours sent
                // on as a referrer, never framed (pages also say so in their CSP).
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "no-referrer"))
                        .add(("X-Frame-Options", "DENY")),
                )
                .wrap(from_fn(telemetry::request_id_header))
                .wrap(TracingLogger::<telemetry::RequestSpan>::new())
                .wrap(from_fn(crate::routes::metrics::count_requests))
                .into_utoipa_app()
                .configure(routes::configure)
                .into_app()
        })
        .listen(listener)
        .map_err(|e| e.to_string())?
        .shutdown_timeout(shutdown.as_secs());
        if workers > 0 {
            server = server.workers(workers);
        }
        server = server.worker_max_blocking_threads(blocking_threads);
        Ok(Self {
            port,
            server: server.run(),
            metrics_server,
            scan_writer_stopped,
            shutdown,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of `METRICS_ADDRESS`, when set (`…:0` asks for a free one).
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(port, _)| *port)
    }

    /// A handle that stops the server (and with it the background work).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serve until SIGTERM/SIGINT; in-flight requests are finished first,
    /// then the scan writer writes what it still holds (the last view counts).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics_server.map(|(_, server)| {
            let handle = server.handle();
            actix_web::rt::spawn(server);
            handle
        });
        let served = self.server.await;
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        let (stopped, limit) = (self.scan_writer_stopped, self.shutdown);
        let finished = actix_web::web::block(move || stopped.wait(limit)).await;
        if !matches!(finished, Ok(true)) {
            tracing::warn!("the scan writer had not finished when the shutdown timeout ran out");
        }
        served
    }
}

/// `/metrics` alone on its own address: one worker, nothing else routed.
fn metrics_server(
    address: &str,
    source: web::Data<crate::routes::metrics::MetricsSource>,
) -> Result<(u16, Server), String> {
    let listener = TcpListener::bind(address)
        .map_err(|e| format!("can't listen on {address} (METRICS_ADDRESS): {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let server = HttpServer::new(move || {
        App::new().app_data(source.clone()).route(
            "/metrics",
            web::get().to(crate::routes::metrics::metrics_elsewhere),
        )
    })
    .workers(1)
    .listen(listener)
    .map_err(|e| e.to_string())?
    .run();
    Ok((port, server))
}

/// The webhook sender's settings, bounded to sane values.
fn webhook_sender_config(
    args: &crate::config::WebhookArgs,
) -> crate::jobs::webhook_sender::SenderConfig {
    use std::time::Duration;
    crate::jobs::webhook_sender::SenderConfig {
        poll: Duration::from_millis(args.webhook_poll_ms.max(10)),
        retry_base: Duration::from_millis(args.webhook_retry_base_ms.max(10)),
        timeout: Duration::from_secs(args.webhook_timeout_seconds.clamp(1, 60)),
        allow_private_urls: args.webhook_allow_private_urls,
    }
}

/// Each HTTP worker's blocking pool: enough threads to keep every database
/// connection busy, and two more for label PDFs and pictures. Not actix's
/// default (512 shared by the workers): a thread beyond the pool's
/// connections only waits for one, and the PostgreSQL soak found ~50 pool
/// threads each keeping its own partly used pages of every size class the
/// scan's reads allocate (RSS +27 to +34 % in five minutes, the heap in use
/// flat).
fn blocking_threads_per_worker(pool_size: u32, workers: usize) -> usize {
    let workers = match workers {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let pool = usize::try_from(pool_size).unwrap_or(usize::MAX);
    (pool.div_ceil(workers) + 2).max(4)
}

#[cfg(test)]
mod tests {
    use super::blocking_threads_per_worker;

    #[test]
    fn each_worker_gets_its_share_of_the_pool_and_two_more() {
        assert_eq!(blocking_threads_per_worker(16, 2), 10);
        assert_eq!(blocking_threads_per_worker(16, 3), 8);
        assert_eq!(blocking_threads_per_worker(8, 8), 4);
        assert_eq!(blocking_threads_per_worker(1, 1), 4);
    }
}
