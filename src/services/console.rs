//! The web console's sign-in: an API key exchanged for a session held in a
//! cookie, and what each role's first page shows. The console acts through
//! the same use cases and role rules as the API; a session is a
//! [`Principal`] like a token's, checked against the database at every
//! request (sign-out and a revoked key end it at once, on every node).

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::Services;
use crate::auth::Principal;
use crate::auth::hash_api_key;
use crate::db::console_sessions::{self, ConsoleSessionRow};
use crate::db::products::{ArchiveFilter, ProductFilter};
use crate::db::{self, batches::BatchFilter};
use crate::domain::batch::BatchStatus;
use crate::domain::ocop::RatingStanding;
use crate::domain::organization::OrgKind;
use crate::domain::pagination::Page;
use crate::domain::time::today;
use crate::error::ApiError;
use crate::services::rating_lists::{RatingListFilter, rated_products};

/// How long a console session lasts from sign-in: a working day.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 60 * 60);

/// A new session: the token for the browser's cookie (shown once, stored
/// hashed); it ends [`SESSION_TTL`] after sign-in.
pub struct NewSession {
    pub token: String,
}

/// A signed-in browser: who acts, and the token its forms must carry.
pub struct ConsoleSession {
    pub principal: Principal,
    pub organization_name: String,
    pub csrf_token: String,
}

/// Characters of a session or form token: 43 alphanumerics, about 256 bits.
const TOKEN_CHARS: usize = 43;

fn random_token() -> String {
    crate::secret::random_token(TOKEN_CHARS)
}

/// The stored id of a cookie's token.
fn session_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Services {
    /// Sign in with an API key; None for a key that is unknown or revoked.
    pub async fn console_sign_in(&self, api_key: &str) -> Result<Option<NewSession>, ApiError> {
        let key_hash = hash_api_key(api_key.trim());
        let token = random_token();
        let id = session_id(&token);
        self.write(move |conn| {
            let Some((key, _)) = db::api_keys::find_active_by_hash(conn, &key_hash)? else {
                return Ok(None);
            };
            let now = db::now();
            let expires_at = now + chrono::Duration::from_std(SESSION_TTL).unwrap_or_default();
            console_sessions::insert(
                conn,
                &ConsoleSessionRow {
                    id,
                    api_key_id: key.id.clone(),
                    csrf_token: random_token(),
                    created_at: now,
                    expires_at,
                    ended_at: None,
                },
            )?;
            db::api_keys::touch_last_used(conn, &key.id)?;
            tracing::info!(organization_id = %key.organization_id, key_id = %key.id, "console session started");
            Ok(Some(NewSession { token }))
        })
        .await
    }

    /// The live session a cookie's token names, if any.
    pub async fn console_session(&self, token: &str) -> Result<Option<ConsoleSession>, ApiError> {
        let id = session_id(token);
        self.read(move |conn| {
            let Some((session, key, role, organization_name)) =
                console_sessions::find_live(conn, &id, db::now())?
            else {
                return Ok(None);
            };
            let org_id = db::stored_uuid(&key.organization_id)?;
            Ok(Some(ConsoleSession {
                principal: Principal {
                    org_id,
                    role,
                    key_id: key.id,
                },
                organization_name,
                csrf_token: session.csrf_token,
            }))
        })
        .await
    }

    /// End the session a cookie's token names (sign-out).
    pub async fn console_sign_out(&self, token: &str) -> Result<(), ApiError> {
        let id = session_id(token);
        self.write(move |conn| Ok(console_sessions::end(conn, &id, db::now()).map(|_| ())?))
            .await
    }

    /// What the first page shows the signed-in organization.
    pub async fn console_dashboard(&self, principal: &Principal) -> Result<Dashboard, ApiError> {
        let principal = principal.clone();
        self.read(move |conn| {
            let first = Page {
                page: 1,
                per_page: DASHBOARD_ROWS,
            };
            Ok(match principal.role {
                OrgKind::Producer => {
                    let products = db::products::list(
                        conn,
                        &ProductFilter {
                            producer_id: Some(principal.org_id),
                            archived: ArchiveFilter::Active,
                            ..ProductFilter::default()
                        },
                        today(),
                        first,
                    )?;
                    let batches = db::batches::list(
                        conn,
                        &BatchFilter {
                            producer_id: Some(principal.org_id),
                            ..BatchFilter::default()
                        },
                        first,
                    )?;
                    Dashboard::Producer {
                        products_total: products.total,
                        products: products
                            .items
                            .into_iter()
                            .map(|p| DashboardProduct {
                                name: p.name_vi,
                                gtin: p.gtin,
                                stars: p.ocop_stars,
                                stars_until: p.ocop_expires_on,
                            })
                            .collect(),
                        batches_total: batches.total,
                        batches: batches
                            .items
                            .into_iter()
                            .map(|b| {
                                Ok(DashboardBatch {
                                    status: b.status()?,
                                    lot: b.lot,
                                    recall_reason: b.recall_reason,
                                })
                            })
                            .collect::<Result<_, db::DbError>>()?,
                    }
                }
                OrgKind::Admin | OrgKind::Authority => {
                    let products =
                        db::products::list(conn, &ProductFilter::default(), today(), first)?;
                    let mut ratings_due = Vec::new();
                    for standing in [RatingStanding::Expired, RatingStanding::Expiring] {
                        let filter = RatingListFilter {
                            standing: Some(standing),
                            window_days: RATINGS_DUE_WINDOW_DAYS,
                            producer: None,
                        };
                        let found = rated_products(conn, filter, today(), first)?;
                        ratings_due.extend(found.items.into_iter().map(|r| DueRating {
                            product: r.product_name_vi,
                            producer: r.producer_name,
                            phone: r.producer_phone,
                            stars: r.rating.awarded_stars,
                            expires_on: r.rating.expires_on,
                            expired: standing == RatingStanding::Expired,
                            codes_issued_after_expiry: r.codes_issued_after_expiry,
                        }));
                    }
                    Dashboard::Authority {
                        products_total: products.total,
                        ratings_due,
                    }
                }
                OrgKind::Retailer => {
                    let products =
                        db::products::list(conn, &ProductFilter::default(), today(), first)?;
                    Dashboard::Registry {
                        products_total: products.total,
                    }
                }
            })
        })
        .await
    }
}

/// How far ahead the first page looks for ratings to renew.
pub const RATINGS_DUE_WINDOW_DAYS: u32 = 30;

/// Rows of each list on the first page.
const DASHBOARD_ROWS: u32 = 20;

pub enum Dashboard {
    /// A producer's own products (by name) and batches (newest first).
    Producer {
        products_total: i64,
        products: Vec<DashboardProduct>,
        batches_total: i64,
        batches: Vec<DashboardBatch>,
    },
    /// The authority (and the admin): ratings expired or ending within
    /// [`RATINGS_DUE_WINDOW_DAYS`], expired first, with whom to call.
    Authority {
        products_total: i64,
        ratings_due: Vec<DueRating>,
    },
    /// A retailer sees the registry as a whole.
    Registry { products_total: i64 },
}

pub struct DueRating {
    pub product: String,
    pub producer: String,
    pub phone: Option<String>,
    pub stars: u8,
    pub expires_on: chrono::NaiveDate,
    pub expired: bool,
    /// Labels printed under stars the product no longer holds.
    pub codes_issued_after_expiry: i64,
}

pub struct DashboardProduct {
    pub name: String,
    pub gtin: Option<String>,
    pub stars: Option<i32>,
    pub stars_until: Option<chrono::NaiveDate>,
}

pub struct DashboardBatch {
    pub lot: String,
    pub status: BatchStatus,
    pub recall_reason: Option<String>,
}
