//! Settings, read once from CLI flags and environment, validated at start-up.

use std::time::Duration;

use clap::Args;

use crate::db::scans::ScanFlush;
pub use crate::secret::Secret;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/ocop-trace.sqlite";

/// Where the data lives. Shared by every command that touches the database.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://path/to/file.sqlite` (default, embedded, nothing to
    /// install) or `postgres://user:pass@host:5432/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: Secret,

    /// Maximum connections in the pool (SQLite is capped lower: writes are serial).
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 16)]
    pub database_pool_size: u32,
}

/// Settings of the HTTP server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,

    /// Address and port to listen on.
    #[arg(long, env = "BIND_ADDRESS", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Serve `/metrics` (Prometheus) on this address instead of the public
    /// one, e.g. 127.0.0.1:9090 for a scraper on the same host or network.
    #[arg(long, env = "METRICS_ADDRESS")]
    pub metrics_address: Option<String>,

    /// Public base URL printed into QR codes and links (no trailing slash).
    /// Default: http:// and the --bind address (0.0.0.0 read as 127.0.0.1),
    /// right for trying it on this machine; set it before printing labels.
    #[arg(long, env = "PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,

    /// Secret for signing access tokens (HS256, at least 32 bytes). Required in
    /// production; in development a random one is made per start.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// Lifetime of an access token in seconds (at most 3600).
    #[arg(long, env = "TOKEN_TTL_SECONDS", default_value_t = 900)]
    pub token_ttl_seconds: u64,

    /// Production mode: refuse to start without a JWT secret, log JSON only.
    #[arg(long, env = "OCOP_PRODUCTION", default_value_t = false)]
    pub production: bool,

    /// Number of HTTP worker threads (0 = one per core).
    #[arg(long, env = "HTTP_WORKERS", default_value_t = 0)]
    pub workers: usize,

    /// Seconds to finish in-flight requests on SIGTERM, and then for the scan
    /// writer to write its last view counts, before exiting.
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 30)]
    pub shutdown_timeout_seconds: u64,

    #[command(flatten)]
    pub scan: ScanArgs,

    #[command(flatten)]
    pub webhooks: WebhookArgs,

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// What one organization may take of the service, so it can't stall the others.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Codes a producer may issue per day (Vietnamese day); beyond it, 429
    /// until midnight in Vietnam.
    #[arg(long, env = "CODES_PER_DAY", default_value_t = 2_000_000)]
    pub codes_per_day: u32,

    /// Label PDFs rendered at once; more wait in a queue.
    #[arg(long, env = "PDF_CONCURRENCY", default_value_t = 2)]
    pub pdf_concurrency: u32,

    /// PDFs that may wait for their turn; beyond it, 429 with Retry-After.
    #[arg(long, env = "PDF_QUEUE", default_value_t = 8)]
    pub pdf_queue: u32,

    /// Seconds a node's claim on a run it is issuing lasts between two of its
    /// chunks; a run whose issuer stopped (a crash) is deleted after it.
    #[arg(long, env = "ISSUANCE_LEASE_SECONDS", default_value_t = 60)]
    pub issuance_lease_seconds: u64,
}

impl Default for LimitArgs {
    fn default() -> Self {
        Self {
            codes_per_day: 2_000_000,
            pdf_concurrency: 2,
            pdf_queue: 8,
            issuance_lease_seconds: 60,
        }
    }
}

/// Webhook deliveries.
#[derive(Debug, Clone, Args)]
pub struct WebhookArgs {
    /// How often the delivery outbox is looked at, in milliseconds.
    #[arg(long, env = "WEBHOOK_POLL_MS", default_value_t = 1000)]
    pub webhook_poll_ms: u64,

    /// Wait after a first failed delivery, in milliseconds; doubles with each
    /// further failure (up to an hour), 10 attempts in all.
    #[arg(long, env = "WEBHOOK_RETRY_BASE_MS", default_value_t = 30_000)]
    pub webhook_retry_base_ms: u64,

    /// Seconds a subscriber has to answer a delivery.
    #[arg(long, env = "WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10)]
    pub webhook_timeout_seconds: u64,

    /// Allow subscription URLs on loopback and private addresses (a closed
    /// network, tests). Off by default so the service can't be aimed inwards.
    #[arg(long, env = "WEBHOOK_ALLOW_PRIVATE_URLS", default_value_t = false)]
    pub webhook_allow_private_urls: bool,
}

impl Default for WebhookArgs {
    fn default() -> Self {
        Self {
            webhook_poll_ms: 1000,
            webhook_retry_base_ms: 30_000,
            webhook_timeout_seconds: 10,
            webhook_allow_private_urls: false,
        }
    }
}

/// The public scan endpoints.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Public scans allowed per client address per minute (sustained).
    #[arg(long, env = "SCAN_RATE_PER_MINUTE", default_value_t = 120)]
    pub scan_rate_per_minute: u32,

    /// Public scans a client may make at once before the rate applies.
    #[arg(long, env = "SCAN_BURST", default_value_t = 60)]
    pub scan_burst: u32,

    /// Proxies whose X-Forwarded-For is believed (comma-separated addresses).
    /// Without this the socket address is the client.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Views of one code after which it is watched as a possible copy; the
    /// page warns once more distinct clients than this have viewed it.
    #[arg(long, env = "CLONE_SCAN_THRESHOLD", default_value_t = 50)]
    pub clone_scan_threshold: u32,

    /// Two located scans of one code implying a faster journey than this
    /// (km/h) raise a clone alert.
    #[arg(long, env = "CLONE_MAX_SPEED_KMH", default_value_t = 200.0)]
    pub clone_max_speed_kmh: f64,

    /// Located scans closer than this (km) never count as travel: shared
    /// locations are rounded to about a kilometre.
    #[arg(long, env = "CLONE_MIN_DISTANCE_KM", default_value_t = 20.0)]
    pub clone_min_distance_km: f64,

    /// After a shop sold a code, a scan farther than this (km) from the shop
    /// raises a clone alert (roughly: in another province).
    #[arg(long, env = "CLONE_SOLD_RADIUS_KM", default_value_t = 50.0)]
    pub clone_sold_radius_km: f64,

    /// Secret the daily salt of client-address hashes is derived from
    /// (random per start when unset: hashes then can't be linked across restarts).
    #[arg(long, env = "SCAN_SALT_SECRET", hide_env_values = true)]
    pub scan_salt_secret: Option<Secret>,

    /// On PostgreSQL, when a scan is answered: `wait` once its record is on
    /// disk; `background` once committed in the database server's memory
    /// (on disk within 600 ms; more scans a second, but a crash of the
    /// database server's machine may lose that last moment's scans).
    /// Registry writes always wait. SQLite ignores it.
    #[arg(long, env = "SCAN_FLUSH", value_enum, default_value_t = ScanFlush::Wait)]
    pub scan_flush: ScanFlush,
}

impl Default for ScanArgs {
    fn default() -> Self {
        Self {
            scan_rate_per_minute: 120,
            scan_burst: 60,
            trusted_proxies: Vec::new(),
            clone_scan_threshold: 50,
            clone_max_speed_kmh: 200.0,
            clone_min_distance_km: 20.0,
            clone_sold_radius_km: 50.0,
            scan_salt_secret: None,
            scan_flush: ScanFlush::Wait,
        }
    }
}

/// The URL a browser on this machine reaches `bind` at: a wildcard
/// address is reached through loopback.
fn base_url_of_bind(bind: &str) -> String {
    let bind = bind.trim();
    let (host, port) = bind.rsplit_once(':').unwrap_or((bind, "80"));
    let host = match host {
        "" | "0.0.0.0" => "127.0.0.1",
        "[::]" => "[::1]",
        other => other,
    };
    format!("http://{host}:{port}")
}

/// Everything the running application needs, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: Secret,
    pub database_pool_size: u32,
    pub bind: String,
    pub metrics_address: Option<String>,
    pub public_base_url: String,
    /// Signs access tokens (the keys are built from it at start-up).
    pub jwt_secret: Secret,
    pub token_ttl: Duration,
    pub workers: usize,
    pub shutdown_timeout: Duration,
    pub scan: ScanArgs,
    pub scan_salt_secret: Secret,
    pub webhooks: WebhookArgs,
    pub limits: LimitArgs,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("JWT_SECRET is required in production mode (at least 32 bytes)")]
    MissingJwtSecret,
    #[error("JWT_SECRET must be at least 32 bytes long")]
    WeakJwtSecret,
    #[error("TOKEN_TTL_SECONDS must be between 60 and 3600, got {0}")]
    TokenTtl(u64),
    #[error("PUBLIC_BASE_URL must start with http:// or https://, got {0:?}")]
    PublicBaseUrl(String),
}

pub const MIN_JWT_SECRET_LEN: usize = 32;

impl Settings {
    pub fn from_args(args: ServeArgs) -> Result<Self, ConfigError> {
        let secret = match args.jwt_secret {
            Some(s) if s.expose().len() < MIN_JWT_SECRET_LEN => {
                return Err(ConfigError::WeakJwtSecret);
            }
            Some(s) => s,
            None if args.production => return Err(ConfigError::MissingJwtSecret),
            None => {
                tracing::warn!(
                    "JWT_SECRET not set: using a random secret; tokens will not survive a restart"
                );
                Secret::random(48)
            }
        };
        if !(60..=3600).contains(&args.token_ttl_seconds) {
            return Err(ConfigError::TokenTtl(args.token_ttl_seconds));
        }
        let base = match &args.public_base_url {
            Some(url) => url.trim().trim_end_matches('/').to_owned(),
            None => base_url_of_bind(&args.bind),
        };
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ConfigError::PublicBaseUrl(base));
        }
        Ok(Self {
            database_url: args.db.database_url,
            database_pool_size: args.db.database_pool_size.max(1),
            bind: args.bind,
            metrics_address: args.metrics_address.filter(|a| !a.trim().is_empty()),
            public_base_url: base,
            jwt_secret: secret,
            token_ttl: Duration::from_secs(args.token_ttl_seconds),
            workers: args.workers,
            shutdown_timeout: Duration::from_secs(args.shutdown_timeout_seconds),
            scan_salt_secret: args
                .scan
                .scan_salt_secret
                .clone()
                .unwrap_or_else(|| Secret::random(32)),
            scan: args.scan,
            webhooks: args.webhooks,
            limits: LimitArgs {
                pdf_concurrency: args.limits.pdf_concurrency.max(1),
                issuance_lease_seconds: args.limits.issuance_lease_seconds.clamp(2, 3600),
                ..args.limits
            },
        })
    }
}

impl Settings {
    pub fn clone_thresholds(&self) -> crate::domain::clone::CloneThresholds {
        crate::domain::clone::CloneThresholds {
            max_views: i64::from(self.scan.clone_scan_threshold),
            max_speed_kmh: self.scan.clone_max_speed_kmh,
            min_distance_km: self.scan.clone_min_distance_km,
            sold_radius_km: self.scan.clone_sold_radius_km,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::base_url_of_bind;

    // Found trying the demo on another port: `--bind 127.0.0.1:18080`
    // printed (and put into QR codes) URLs on port 8080.
    #[test]
    fn the_default_base_url_is_where_the_server_listens() {
        assert_eq!(
            base_url_of_bind("127.0.0.1:18080"),
            "http://127.0.0.1:18080"
        );
        assert_eq!(base_url_of_bind("0.0.0.0:8080"), "http://127.0.0.1:8080");
        assert_eq!(base_url_of_bind("[::]:8080"), "http://[::1]:8080");
        assert_eq!(base_url_of_bind("ocop.lan:80"), "http://ocop.lan:80");
        assert_eq!(base_url_of_bind(":9000"), "http://127.0.0.1:9000");
    }
}
