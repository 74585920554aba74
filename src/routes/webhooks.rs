//! Webhook subscriptions of an organization, and their delivery log.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::AppState;
use super::list_answer::list_answer;
use crate::auth::Principal;
use crate::db;
use crate::db::stored_uuid;
use crate::db::webhooks::{DeliveryRow, SubscriptionRow};
use crate::domain::pagination::{PageQuery, Paginated};
use crate::domain::webhook::{
    MAX_SUBSCRIPTIONS_PER_ORG, WebhookEvent, attempt_summary, check_url, join_events, split_events,
};
use crate::error::ApiError;
use crate::extract::{ApiJson, ListQuery, NoFilters, PathId};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionDraft {
    /// Where deliveries are POSTed (https in production).
    #[schema(example = "https://hooks.winmart.example/ocop")]
    pub url: String,
    /// What to be told of (at least one).
    #[schema(min_items = 1)]
    pub events: Vec<WebhookEvent>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionOut {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub created_at: DateTime<Utc>,
}

/// A new subscription, with its signing secret (shown this once).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionCreated {
    #[serde(flatten)]
    pub subscription: SubscriptionOut,
    /// Key of the HMAC-SHA256 in `X-OCOP-Signature: sha256=<hex>` over each
    /// delivery's exact body. Store it now: it is not shown again.
    pub secret: String,
}

fn subscription_out(row: &SubscriptionRow) -> Result<SubscriptionOut, ApiError> {
    Ok(SubscriptionOut {
        id: stored_uuid(&row.id)?,
        url: row.url.clone(),
        events: split_events(&row.events),
        created_at: row.created_at.and_utc(),
    })
}

/// Subscribe a URL to events (`recall`, `clone_alert`, `rating_expired`).
/// Deliveries are POSTed as JSON `{id, type, occurred_at, data}` with
/// headers `X-OCOP-Event`, `X-OCOP-Delivery`, `X-OCOP-Attempt` and
/// `X-OCOP-Signature`; any 2xx answer counts as delivered, anything else is
/// tried again with exponential backoff (10 attempts).
///
/// The URL must name a public host: loopback, private, link-local and other
/// reserved addresses are refused here, and a host name is resolved and
/// checked again each time a delivery is sent. An organization holds at
/// most 20 subscriptions (409 beyond).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = SubscriptionDraft,
    responses(
        (status = 201, body = SubscriptionCreated),
        (status = 409, response = crate::error::ProblemResponse),
        (status = 422, response = crate::error::ProblemResponse),
    )
)]
#[post("/webhooks")]
pub async fn create_subscription(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<SubscriptionDraft>,
) -> Result<HttpResponse, ApiError> {
    let draft = body.into_inner()?;
    let url = check_url(
        &draft.url,
        state.settings.webhooks.webhook_allow_private_urls,
    )?;
    let mut events = draft.events;
    events.sort_by_key(|e| e.as_str());
    events.dedup();
    if events.is_empty() {
        return Err(ApiError::invalid("events", "name at least one event"));
    }
    let secret = format!("whsec_{}", crate::auth::random_token(40));
    let stored_secret = secret.clone();
    let row = state
        .services
        .registry_write(move |conn| {
            if db::webhooks::count_own(conn, who.org_id)? >= MAX_SUBSCRIPTIONS_PER_ORG {
                return Err(ApiError::Conflict {
                    field: None,
                    reason: format!(
                        "an organization holds at most {MAX_SUBSCRIPTIONS_PER_ORG} subscriptions; delete one first"
                    ),
                });
            }
            Ok(db::webhooks::insert_subscription(
                conn,
                who.org_id,
                &url,
                &join_events(&events),
                &stored_secret,
            )?)
        })
        .await?;
    let out = SubscriptionCreated {
        subscription: subscription_out(&row)?,
        secret,
    };
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/webhooks/{}", row.id)))
        .json(out))
}

/// The caller's organization's subscriptions.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = Paginated<SubscriptionOut>))
)]
#[get("/webhooks")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    who: Principal,
    query: ListQuery<NoFilters>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format;
    let (_q, page) = (query.filters, query.page);
    let out = state
        .services
        .read(move |conn| {
            db::webhooks::list_own(conn, who.org_id, page)?.try_map(|r| subscription_out(&r))
        })
        .await?;
    list_answer(format, "webhooks", out)
}

/// Stop a subscription; deliveries not yet sent are dropped.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, response = crate::error::ProblemResponse))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_subscription(
    state: web::Data<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    state
        .services
        .write(move |conn| {
            let row = db::webhooks::find_own(conn, who.org_id, id)?
                .ok_or_else(|| ApiError::not_found("no such subscription"))?;
            Ok(db::webhooks::delete(conn, &row.id)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttemptOut {
    pub attempt: i32,
    pub at: DateTime<Utc>,
    /// The subscriber's HTTP status, if it answered.
    pub status_code: Option<i32>,
    /// `delivered`, `failed (status N)` or `failed (network)`: whether the
    /// host was refused, unreachable or too slow is not told apart.
    #[schema(example = "failed (status 503)")]
    pub outcome: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryOut {
    pub id: Uuid,
    pub event: WebhookEvent,
    /// `pending`, `delivered` or `failed` (given up after 10 attempts).
    pub status: String,
    pub attempts: Vec<AttemptOut>,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The body as sent.
    pub payload: serde_json::Value,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryListQuery {
    #[param(inline)]
    pub status: Option<DeliveryStatus>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

/// The delivery log of a subscription, newest first, with every attempt.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), DeliveryListQuery, PageQuery),
    responses((status = 200, body = Paginated<DeliveryOut>), (status = 404, response = crate::error::ProblemResponse))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    who: Principal,
    PathId(id): PathId,
    query: ListQuery<DeliveryListQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format;
    let (q, page) = (query.filters, query.page);
    let status = q.status.map(DeliveryStatus::as_str);
    let out = state
        .services
        .read(move |conn| {
            let sub = db::webhooks::find_own(conn, who.org_id, id)?
                .ok_or_else(|| ApiError::not_found("no such subscription"))?;
            let deliveries = db::webhooks::deliveries_of(conn, &sub.id, status, page)?;
            let ids: Vec<String> = deliveries.items.iter().map(|d| d.id.clone()).collect();
            let attempts = db::webhooks::attempts_of(conn, &ids)?;
            deliveries.try_map(|d: DeliveryRow| {
                Ok::<_, ApiError>(DeliveryOut {
                    id: stored_uuid(&d.id)?,
                    event: WebhookEvent::parse(&d.event_type).ok_or_else(|| {
                        ApiError::internal(format!("stored event {}", d.event_type))
                    })?,
                    attempts: attempts
                        .iter()
                        .filter(|a| a.delivery_id == d.id)
                        .map(|a| AttemptOut {
                            attempt: a.attempt,
                            at: a.attempted_at.and_utc(),
                            status_code: a.status_code,
                            outcome: attempt_summary(
                                a.status_code.and_then(|c| u16::try_from(c).ok()),
                            ),
                        })
                        .collect(),
                    next_attempt_at: (d.status == "pending").then(|| d.next_attempt_at.and_utc()),
                    created_at: d.created_at.and_utc(),
                    delivered_at: d.delivered_at.map(|t| t.and_utc()),
                    payload: serde_json::from_str(&d.payload).map_err(|e| {
                        ApiError::internal(format!("stored payload of delivery {}: {e}", d.id))
                    })?,
                    status: d.status,
                })
            })
        })
        .await?;
    list_answer(format, "webhook-deliveries", out)
}
