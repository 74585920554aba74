//! Webhook subscriptions, the delivery outbox and its attempts.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::DbConnection;
use super::schema::{
    ocop_ratings, organizations, products, webhook_attempts, webhook_deliveries,
    webhook_subscriptions,
};
use crate::domain::pagination::{Page, Paginated};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub created_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub subscription_id: String,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub delivery_id: String,
    pub attempt: i32,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub error: Option<String>,
}

pub fn insert_subscription(
    conn: &mut DbConnection,
    org_id: Uuid,
    url: &str,
    events: &str,
    secret: &str,
) -> QueryResult<SubscriptionRow> {
    let row = SubscriptionRow {
        id: Uuid::now_v7().to_string(),
        org_id: org_id.to_string(),
        url: url.to_owned(),
        events: events.to_owned(),
        secret: secret.to_owned(),
        created_at: super::now(),
        deleted_at: None,
    };
    diesel::insert_into(webhook_subscriptions::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// A live subscription of this organization.
pub fn find_own(
    conn: &mut DbConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<SubscriptionRow>> {
    webhook_subscriptions::table
        .find(id.to_string())
        .filter(webhook_subscriptions::org_id.eq(org_id.to_string()))
        .filter(webhook_subscriptions::deleted_at.is_null())
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()
}

/// Live subscriptions of this organization.
pub fn count_own(conn: &mut DbConnection, org_id: Uuid) -> QueryResult<i64> {
    webhook_subscriptions::table
        .filter(webhook_subscriptions::org_id.eq(org_id.to_string()))
        .filter(webhook_subscriptions::deleted_at.is_null())
        .count()
        .get_result(conn)
}

pub fn list_own(
    conn: &mut DbConnection,
    org_id: Uuid,
    page: Page,
) -> QueryResult<Paginated<SubscriptionRow>> {
    let query = || {
        webhook_subscriptions::table
            .filter(webhook_subscriptions::org_id.eq(org_id.to_string()))
            .filter(webhook_subscriptions::deleted_at.is_null())
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(SubscriptionRow::as_select())
        .order(webhook_subscriptions::id.desc())
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(Paginated::new(rows, page, total))
}

/// Stop a subscription; its pending deliveries are not sent.
pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    let now = super::now();
    diesel::update(webhook_subscriptions::table.find(id))
        .set(webhook_subscriptions::deleted_at.eq(now))
        .execute(conn)?;
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::subscription_id.eq(id))
            .filter(webhook_deliveries::status.eq("pending")),
    )
    .set((
        webhook_deliveries::status.eq("failed"),
        webhook_deliveries::last_error.eq("subscription deleted"),
    ))
    .execute(conn)?;
    Ok(())
}

/// Live subscriptions to an event, with their organization's kind.
pub fn subscribers(
    conn: &mut DbConnection,
    event: &str,
) -> QueryResult<Vec<(SubscriptionRow, String)>> {
    let rows: Vec<(SubscriptionRow, String)> = webhook_subscriptions::table
        .inner_join(organizations::table.on(organizations::id.eq(webhook_subscriptions::org_id)))
        .filter(webhook_subscriptions::deleted_at.is_null())
        .select((SubscriptionRow::as_select(), organizations::kind))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(s, _)| s.events.split(',').any(|e| e == event))
        .collect())
}

/// Put a delivery in the outbox (inside the transaction of what it reports).
pub fn enqueue(
    conn: &mut DbConnection,
    subscription_id: &str,
    event_type: &str,
    payload: &str,
) -> QueryResult<()> {
    let now = super::now();
    diesel::insert_into(webhook_deliveries::table)
        .values(&DeliveryRow {
            id: Uuid::now_v7().to_string(),
            subscription_id: subscription_id.to_owned(),
            event_type: event_type.to_owned(),
            payload: payload.to_owned(),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            last_status: None,
            last_error: None,
            created_at: now,
            delivered_at: None,
        })
        .execute(conn)
        .map(|_| ())
}

/// Deliveries due now, with their subscription.
pub fn due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(DeliveryRow, SubscriptionRow)>> {
    webhook_deliveries::table
        .inner_join(webhook_subscriptions::table)
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(webhook_subscriptions::deleted_at.is_null())
        .select((DeliveryRow::as_select(), SubscriptionRow::as_select()))
        .order(webhook_deliveries::next_attempt_at.asc())
        .limit(limit)
        .load(conn)
}

/// Take a due delivery for one sender: push its next attempt past a lease,
/// only if no other sender has moved it since it was read. True: ours to send.
pub fn claim(
    conn: &mut DbConnection,
    delivery: &DeliveryRow,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        webhook_deliveries::table
            .find(&delivery.id)
            .filter(webhook_deliveries::status.eq("pending"))
            .filter(webhook_deliveries::attempts.eq(delivery.attempts))
            .filter(webhook_deliveries::next_attempt_at.eq(delivery.next_attempt_at)),
    )
    .set(webhook_deliveries::next_attempt_at.eq(lease_until))
    .execute(conn)?;
    Ok(updated == 1)
}

/// What an attempt gave: delivered, or when to try again (None: give up).
pub struct AttemptOutcome {
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub delivered: bool,
    pub retry_at: Option<NaiveDateTime>,
}

pub fn record_attempt(
    conn: &mut DbConnection,
    delivery_id: &str,
    attempt: i32,
    outcome: &AttemptOutcome,
) -> QueryResult<()> {
    let now = super::now();
    diesel::insert_into(webhook_attempts::table)
        .values(&AttemptRow {
            delivery_id: delivery_id.to_owned(),
            attempt,
            attempted_at: now,
            status_code: outcome.status_code,
            error: outcome.error.clone(),
        })
        .execute(conn)?;
    let status = match (outcome.delivered, outcome.retry_at) {
        (true, _) => "delivered",
        (false, Some(_)) => "pending",
        (false, None) => "failed",
    };
    diesel::update(webhook_deliveries::table.find(delivery_id))
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::attempts.eq(attempt),
            webhook_deliveries::last_status.eq(outcome.status_code),
            webhook_deliveries::last_error.eq(outcome.error.clone()),
            webhook_deliveries::next_attempt_at.eq(outcome.retry_at.unwrap_or(now)),
            webhook_deliveries::delivered_at.eq(outcome.delivered.then_some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn deliveries_of(
    conn: &mut DbConnection,
    subscription_id: &str,
    status: Option<&str>,
    page: Page,
) -> QueryResult<Paginated<DeliveryRow>> {
    let query = || {
        let mut q = webhook_deliveries::table
            .filter(webhook_deliveries::subscription_id.eq(subscription_id.to_owned()))
            .into_boxed();
        if let Some(s) = status {
            q = q.filter(webhook_deliveries::status.eq(s.to_owned()));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .select(DeliveryRow::as_select())
        .order(webhook_deliveries::id.desc())
        .offset(page.offset())
        .limit(page.limit())
        .load(conn)?;
    Ok(Paginated::new(rows, page, total))
}

pub fn attempts_of(
    conn: &mut DbConnection,
    delivery_ids: &[String],
) -> QueryResult<Vec<AttemptRow>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(delivery_ids))
        .select(AttemptRow::as_select())
        .order((webhook_attempts::delivery_id, webhook_attempts::attempt))
        .load(conn)
}

/// A rating past its expiry: rating id, product id, producer id, product
/// name, certificate number, expiry day.
pub type ExpiredRating = (String, String, String, String, String, NaiveDate);

/// Current ratings that expired before `today` and were not reported yet.
pub fn unreported_expired_ratings(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> QueryResult<Vec<ExpiredRating>> {
    ocop_ratings::table
        .inner_join(products::table)
        .filter(ocop_ratings::expires_on.lt(today))
        .filter(ocop_ratings::expiry_notified_at.is_null())
        .filter(products::current_rating_id.eq(ocop_ratings::id.nullable()))
        .select((
            ocop_ratings::id,
            products::id,
            products::producer_id,
            products::name_vi,
            ocop_ratings::certificate_number,
            ocop_ratings::expires_on,
        ))
        .limit(100)
        .load(conn)
}

pub fn mark_expiry_reported(conn: &mut DbConnection, rating_id: &str) -> QueryResult<()> {
    diesel::update(ocop_ratings::table.find(rating_id))
        .set(ocop_ratings::expiry_notified_at.eq(super::now()))
        .execute(conn)
        .map(|_| ())
}
