//! Per-client rate limit for the public endpoints (governor, MIT), and the
//! client address it is keyed by.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::domain::code::TraceCode;
use crate::domain::scan::client_network;
use crate::error::ApiError;

/// Locations one client may share for one code at once, and how often after.
const LOCATIONS_PER_CODE_BURST: u32 = 2;
const LOCATION_REFILL: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Counterfeit reports one client may send at once, and how often after.
const REPORTS_BURST: u32 = 3;
const REPORT_REFILL: std::time::Duration = std::time::Duration::from_secs(20 * 60);

pub struct ClientLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// Shared locations per client and code: a consumer shares where they
    /// scanned once or twice, a script placing one code all over the map
    /// (to make it look copied) is stopped here.
    locations: DefaultKeyedRateLimiter<(IpAddr, TraceCode)>,
    /// Counterfeit reports per client: a shopper reports a package or two,
    /// a script flooding producers with reports is stopped here.
    reports: DefaultKeyedRateLimiter<IpAddr>,
    trusted_proxies: Vec<IpAddr>,
    checks: AtomicU64,
}

impl ClientLimiter {
    /// `per_minute` sustained, `burst` at once, per client address.
    pub fn new(per_minute: u32, burst: u32, trusted_proxies: Vec<IpAddr>) -> Self {
        let per_minute = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
            locations: RateLimiter::keyed(
                Quota::with_period(LOCATION_REFILL)
                    .unwrap_or(Quota::per_hour(NonZeroU32::MIN))
                    .allow_burst(
                        NonZeroU32::new(LOCATIONS_PER_CODE_BURST).unwrap_or(NonZeroU32::MIN),
                    ),
            ),
            reports: RateLimiter::keyed(
                Quota::with_period(REPORT_REFILL)
                    .unwrap_or(Quota::per_hour(NonZeroU32::MIN))
                    .allow_burst(NonZeroU32::new(REPORTS_BURST).unwrap_or(NonZeroU32::MIN)),
            ),
            trusted_proxies,
            checks: AtomicU64::new(0),
        }
    }

    /// The client's address: the socket peer, or — only when the peer is a
    /// configured trusted proxy — the nearest untrusted hop of X-Forwarded-For.
    pub fn client_addr(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        if !self.trusted_proxies.contains(&peer) {
            return Some(peer);
        }
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        forwarded
            .into_iter()
            .flat_map(|v| v.rsplit(','))
            .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
            .find(|hop| !self.trusted_proxies.contains(hop))
            .or(Some(peer))
    }

    /// Admit the client or answer 429 with the seconds to wait.
    pub fn check(&self, addr: IpAddr) -> Result<(), ApiError> {
        // Forget idle clients now and then so memory stays bounded.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 10_000 == 9_999 {
            self.limiter.retain_recent();
            self.locations.retain_recent();
            self.reports.retain_recent();
        }
        too_many(self.limiter.check_key(&client_network(addr)))
    }

    /// Admit one more counterfeit report from this client, or 429.
    pub fn check_report(&self, addr: IpAddr) -> Result<(), ApiError> {
        too_many(self.reports.check_key(&client_network(addr)))
    }

    /// Admit one more shared location of `code` from this client, or 429.
    pub fn check_location(&self, addr: IpAddr, code: TraceCode) -> Result<(), ApiError> {
        too_many(self.locations.check_key(&(client_network(addr), code)))
    }
}

fn too_many(
    checked: Result<(), governor::NotUntil<<DefaultClock as Clock>::Instant>>,
) -> Result<(), ApiError> {
    checked.map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::TooManyRequests {
            retry_after_secs: wait.as_secs().max(1),
            reason: "too many requests from this client".into(),
        }
    })
}

/// At most `at_once` of some heavy work (rendering label PDFs) run at a
/// time, at most `max_waiting` more wait for a turn, and beyond that the
/// request is refused with 429 at once: a burst from one producer queues
/// briefly instead of taking every thread and connection.
pub struct WorkGate {
    permits: tokio::sync::Semaphore,
    waiting: std::sync::atomic::AtomicUsize,
    max_waiting: usize,
    what: &'static str,
}

impl WorkGate {
    pub fn new(at_once: u32, max_waiting: u32, what: &'static str) -> Self {
        Self {
            permits: tokio::sync::Semaphore::new(at_once.max(1) as usize),
            waiting: std::sync::atomic::AtomicUsize::new(0),
            max_waiting: max_waiting as usize,
            what,
        }
    }

    /// Wait for a turn (held until the permit is dropped), or 429 when the
    /// queue is full.
    pub async fn enter(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        if let Ok(permit) = self.permits.try_acquire() {
            return Ok(permit);
        }
        let queued = self.waiting.fetch_add(1, Ordering::AcqRel);
        if queued >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(ApiError::TooManyRequests {
                retry_after_secs: 5,
                reason: format!("too many {} being made at once", self.what),
            });
        }
        let permit = self.permits.acquire().await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        permit.map_err(|_| ApiError::Unavailable("the service is stopping".into()))
    }
}
