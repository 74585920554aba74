//! HTTP: one file per resource, handlers thin. Every route is registered in
//! [`configure`], so the whole API is visible here and lands in the OpenAPI
//! document by construction.

pub mod alerts;
pub mod analytics;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod batches;
pub mod certifications;
pub mod code_runs;
pub mod codes;
pub mod console;
pub mod contract;
pub mod epcis;
pub mod events;
pub mod health;
pub mod landing;
pub mod list_answer;
pub mod metrics;
pub mod organizations;
pub mod pages;
pub mod problem;
pub mod product_images;
pub mod products;
pub mod ratings;
pub mod report;
pub mod resolver;
pub mod scan;
pub mod sites;
pub mod verify;
pub mod webhooks;

use std::sync::Arc;

use actix_web::web;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

use crate::config::Settings;
use crate::db::Db;

/// The language a page answers in: `?lang=` if given, else the browser's
/// `Accept-Language`, else Vietnamese.
pub fn request_language(
    req: &actix_web::HttpRequest,
    asked: Option<&str>,
) -> crate::domain::scan::Lang {
    let accept_language = req
        .headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    crate::domain::scan::pick_language(asked, accept_language)
}

/// What a public page answers in: the page, or JSON (`?format=json`, or
/// an `Accept` that asks for JSON and not HTML).
pub fn wants_json(req: &actix_web::HttpRequest, format: Option<&str>) -> bool {
    if let Some(f) = format {
        return f.eq_ignore_ascii_case("json");
    }
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/html")
}

/// The request's GS1 Digital Link, checked as a whole: a malformed one is a
/// 400 naming the AI at fault.
pub fn digital_link_of(
    req: &actix_web::HttpRequest,
) -> Result<crate::domain::digital_link::DigitalLink, crate::error::ApiError> {
    let raw = req.uri().path_and_query().map_or("", |pq| pq.as_str());
    crate::domain::digital_link::parse_path_and_query(raw).map_err(|e| {
        crate::error::ApiError::bad_request(Some(e.ai.as_deref().unwrap_or("path")), e.reason)
    })
}

/// What a request asks of the resolver: its `linkType`, or a linkset by `Accept`.
pub fn link_request(
    req: &actix_web::HttpRequest,
    link: &crate::domain::digital_link::DigitalLink,
) -> crate::domain::linkset::LinkRequest {
    let link_type = link
        .other_params
        .iter()
        .find(|(k, _)| k == "linkType")
        .map(|(_, v)| v.as_str());
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    crate::domain::linkset::LinkRequest::of(link_type, accept)
}

/// A resolver's answer for machines: the identifier's RFC 9264 linkset,
/// or a 307 to the link of the requested type (`None`: answer as usual,
/// then [`with_linkset_link`]). CORS is the resolver middleware's.
pub fn resolver_links(
    request: &crate::domain::linkset::LinkRequest,
    anchor: &str,
    links: &[crate::domain::linkset::Link],
) -> Option<actix_web::HttpResponse> {
    use crate::domain::linkset::{LinkRequest, linkset, pick};
    let mut answer = match request {
        LinkRequest::Linkset => actix_web::HttpResponse::Ok()
            .content_type("application/linkset+json")
            .body(linkset(anchor, links).to_string()),
        LinkRequest::Type(wanted) => {
            let target = pick(links, wanted)?;
            if target.href == anchor {
                return None;
            }
            actix_web::HttpResponse::TemporaryRedirect()
                .insert_header((actix_web::http::header::LOCATION, target.href.clone()))
                .finish()
        }
        LinkRequest::Default => return None,
    };
    with_linkset_link(&mut answer, anchor);
    Some(answer)
}

/// A 307 to a Digital Link on this host, as GS1's walk up: its query kept.
pub fn walk_up_to(to: &crate::domain::digital_link::DigitalLink) -> actix_web::HttpResponse {
    actix_web::HttpResponse::TemporaryRedirect()
        .insert_header((actix_web::http::header::LOCATION, to.to_uri("")))
        .finish()
}

/// What every resolution carries: `Link: <anchor?linkType=linkset>; rel="linkset"`.
pub fn with_linkset_link(answer: &mut actix_web::HttpResponse, anchor: &str) {
    use actix_web::http::header;
    if let Ok(value) = header::HeaderValue::from_str(&crate::domain::linkset::link_header(anchor)) {
        answer.headers_mut().insert(header::LINK, value);
    }
}

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    pub services: crate::services::Services,
    pub settings: Arc<Settings>,
    /// Signs and checks access tokens.
    pub jwt: web::Data<crate::auth::jwt::JwtKeys>,
    pub openapi_yaml: String,
    pub routes: RouteTable,
    /// Revoked keys whose tokens may still be alive (refused at once).
    pub revoked_keys: web::Data<crate::auth::revocation::RevokedKeys>,
    pub limiter: crate::ratelimit::ClientLimiter,
    /// Label PDFs rendered at once, and waiting.
    pub pdf_gate: crate::ratelimit::WorkGate,
    /// Background work (the webhook sender) runs while this is held.
    pub _alive: Arc<()>,
}

/// Path templates and their methods, read from the OpenAPI document, so an
/// unrouted request can be told apart: wrong method (405) or no such path (404).
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<&'static str>)>,
}

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template.split('/').map(str::to_owned).collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods that a path does answer to (empty: no such path).
    pub fn allowed_methods(&self, path: &str) -> Vec<&'static str> {
        let wanted: Vec<&str> = path.split('/').collect();
        let matches = |template: &[String]| {
            template.len() == wanted.len()
                && template.iter().zip(&wanted).all(|(t, w)| {
                    (t.starts_with('{') && t.ends_with('}') && !w.is_empty()) || t == w
                })
        };
        let mut methods: Vec<&'static str> = self
            .routes
            .iter()
            .filter(|(template, _)| matches(template))
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect();
        methods.sort_unstable();
        methods.dedup();
        methods
    }
}

/// Answer for requests no route took: 405 with `Allow` when the path exists
/// under other methods, else 404.
pub async fn not_routed(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    let allowed = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map(|state| state.routes.allowed_methods(req.path()))
        .unwrap_or_default();
    if allowed.is_empty() {
        if let Some(problem) = resolver::unrouted_link(&req) {
            return problem.error_response();
        }
        return crate::error::ApiError::not_found(format!("no such resource: {}", req.path()))
            .error_response();
    }
    let mut res = crate::error::ApiError::MethodNotAllowed.error_response();
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allowed.join(", ")) {
        res.headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    res
}

/// Register every route (both for serving and for the OpenAPI document).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::openapi_yaml)
        .service(metrics::metrics_text)
        .service(landing::home)
        .service(landing::scan_without_code)
        .service(scan::scan)
        .service(scan::scan_upper)
        .service(scan::scan_gs1)
        .service(scan::scan_gs1_serial)
        .service(scan::scan_gs1_variant)
        .service(scan::scan_gs1_variant_serial)
        .service(resolver::gtin::resolve_product)
        .service(resolver::gtin::resolve_product_variant)
        .service(resolver::gtin::resolve_batch)
        .service(resolver::gtin::resolve_batch_variant)
        .service(resolver::gtin::resolve_item_tpx)
        .service(resolver::places::resolve_place)
        .service(resolver::places::resolve_place_part)
        .service(resolver::resolver_description)
        .service(scan::share_location)
        .service(report::report_form)
        .service(report::send_report)
        .service(product_images::product_image)
        .service(console::sign_in_page)
        .service(console::sign_in)
        .service(console::dashboard)
        .service(console::sign_out)
        .service(
            scope::scope("/api/v1")
                .service(auth::issue_token)
                .service(organizations::me)
                .service(organizations::create_organization)
                .service(organizations::list_organizations)
                .service(organizations::get_organization)
                .service(api_keys::create_api_key)
                .service(api_keys::list_api_keys)
                .service(api_keys::revoke_api_key)
                .service(products::create_product)
                .service(products::list_products)
                .service(products::get_product)
                .service(products::update_product)
                .service(product_images::put_product_image)
                .service(product_images::delete_product_image)
                .service(products::archive_product)
                .service(ratings::create_rating)
                .service(ratings::get_current_rating)
                .service(ratings::list_product_ratings)
                .service(ratings::list_ratings)
                .service(sites::create_farming_area)
                .service(sites::list_farming_areas)
                .service(sites::get_farming_area)
                .service(sites::update_farming_area)
                .service(sites::change_farming_area_status)
                .service(sites::farming_area_history)
                .service(sites::link_farming_area_producer)
                .service(sites::unlink_farming_area_producer)
                .service(sites::create_packing_facility)
                .service(sites::list_packing_facilities)
                .service(sites::get_packing_facility)
                .service(sites::update_packing_facility)
                .service(sites::change_packing_facility_status)
                .service(sites::packing_facility_history)
                .service(sites::link_packing_facility_producer)
                .service(sites::unlink_packing_facility_producer)
                .service(certifications::create_certification)
                .service(certifications::list_certifications)
                .service(certifications::get_certification)
                .service(certifications::update_certification)
                .service(batches::create_batch)
                .service(batches::list_batches)
                .service(batches::get_batch)
                .service(batches::update_batch)
                .service(batches::close_batch)
                .service(batches::recall_batch)
                .service(code_runs::create_code_run)
                .service(code_runs::list_code_runs)
                .service(code_runs::get_code_run)
                .service(code_runs::export_codes)
                .service(code_runs::labels_pdf)
                .service(codes::qr_png)
                .service(codes::qr_svg)
                .service(audit::list_audit_log)
                .service(events::record_events)
                .service(events::list_events)
                .service(events::get_event)
                .service(verify::verify_code)
                .service(verify::verify_delivery)
                .service(alerts::list_alerts)
                .service(alerts::confirm_alert)
                .service(alerts::dismiss_alert)
                .service(alerts::list_alert_reports)
                .service(alerts::counterfeit_report_photo)
                .service(webhooks::create_subscription)
                .service(webhooks::list_subscriptions)
                .service(webhooks::delete_subscription)
                .service(webhooks::list_deliveries)
                .service(analytics::scan_analytics)
                .service(epcis::capture)
                .service(epcis::capture_job)
                .service(epcis::query_events)
                .service(epcis::capture_options)
                .service(epcis::events_options),
        );
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ocop-trace",
        description = "QR traceability codes for OCOP products (Vietnam's One Commune, One Product \
programme): issuance per batch and farming area, public scan pages, provenance verification.\n\n\
Every error is `application/problem+json` (RFC 7807) with `type`, `title`, `status`, `detail` \
and, where there is one, the offending `field`.\n\n\
Authenticate by exchanging an API key at `POST /api/v1/auth/token` and sending the token as \
`Authorization: Bearer <token>`.",
        license(name = "MIT"),
    ),
    // Schemas used only by query parameters are not collected from the
    // handlers; they are named here (a test checks every $ref resolves).
    components(schemas(
        crate::error::Problem,
        crate::error::FieldError,
        products::ArchivedParam,
        code_runs::ExportFormat,
        crate::labels::qr::Ecc,
        crate::domain::supply::BizStep,
        crate::domain::clone::CloneRule,
        analytics::GroupBy,
        crate::domain::pagination::ListFormat,
        crate::labels::sheet::Preset,
        // What a webhook subscriber receives (POSTed, signed; not an operation of ours).
        crate::services::notify::WebhookBody,
        crate::services::notify::WebhookPayload,
        crate::services::notify::RecallNotice,
        crate::services::notify::CloneAlertNotice,
        crate::services::notify::RatingExpiredNotice,
        crate::services::notify::BatchExpiredNotice,
    )),
    tags(
        (name = "operations", description = "Health, readiness and the contract"),
        (name = "public", description = "What a consumer's phone opens: no authentication"),
        (name = "auth", description = "API keys to access tokens"),
        (name = "console", description = "The web console's pages (HTML, Vietnamese first): sign-in with an API key for a session cookie"),
        (name = "organizations", description = "Authorities, producers, retailers"),
        (name = "api-keys", description = "Keys of organizations (admin)"),
        (name = "products", description = "Producers' products"),
        (name = "ocop-ratings", description = "OCOP stars, awarded by the authority"),
        (name = "certifications", description = "VietGAP, HACCP, organic… of producers and products"),
        (name = "farming-areas", description = "Growing-area codes, issued by the authority"),
        (name = "packing-facilities", description = "Packing-facility codes, issued by the authority"),
        (name = "batches", description = "Lots of a product, from farming areas"),
        (name = "codes", description = "Code runs, exports, QR symbols and label sheets"),
        (name = "audit", description = "What the authority and the admin did"),
        (name = "events", description = "Supply-chain events (EPCIS 2.0 shaped): shipping, receiving, selling…"),
        (name = "epcis", description = "EPCIS 2.0 (GS1): capture documents, follow capture jobs, query events, in JSON-LD"),
        (name = "verification", description = "Provenance of a code or a whole delivery"),
        (name = "alerts", description = "Codes that look copied"),
        (name = "webhooks", description = "Recall, clone, rating-expiry and batch-expiry notifications, signed; every delivery's body is a `WebhookBody`"),
        (name = "analytics", description = "Consumer scans, grouped"),
    )
)]
struct ApiDoc;

/// Adds the bearer scheme, and to every protected operation the 401/403 it
/// can answer; to every operation the 500 nobody wants but everyone can get.
struct SecurityAndCommonErrors;

impl Modify for SecurityAndCommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Ref, RefOr};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        let problem = || RefOr::Ref(Ref::from_response_name("ProblemResponse"));
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let responses = &mut op.responses.responses;
                if secured {
                    responses.entry("401".into()).or_insert_with(problem);
                    responses.entry("403".into()).or_insert_with(problem);
                }
                // A path or query value the extractor cannot read (an id
                // that is not a UUID, an unknown parameter, a bad enum) is a 400.
                if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
                    responses.entry("400".into()).or_insert_with(problem);
                }
                // A query value that reads but breaks a rule (a filter's
                // code with a wrong check character) is a 422 naming it.
                let has_query = op.parameters.iter().flatten().any(|p| match p {
                    RefOr::T(p) => p.parameter_in == utoipa::openapi::path::ParameterIn::Query,
                    RefOr::Ref(_) => false,
                });
                if has_query {
                    responses.entry("422".into()).or_insert_with(problem);
                }
                // A body that is not JSON is a 400; one whose fields cannot
                // all be read is a 422 naming every one of them.
                if op.request_body.is_some() {
                    responses.entry("400".into()).or_insert_with(problem);
                    responses.entry("422".into()).or_insert_with(problem);
                    responses.entry("413".into()).or_insert_with(problem);
                    responses.entry("415".into()).or_insert_with(problem);
                }
                responses.entry("500".into()).or_insert_with(problem);
                // Every list (its paging parameters say so) also answers CSV.
                let named = |name: &str| {
                    op.parameters.iter().flatten().any(|p| match p {
                        RefOr::T(p) => p.name == name,
                        RefOr::Ref(_) => false,
                    })
                };
                let is_list = named("format") && named("per_page");
                if is_list && let Some(RefOr::T(ok)) = responses.get_mut("200") {
                    ok.content.insert(
                        "text/csv".into(),
                        RefOr::T(
                            utoipa::openapi::ContentBuilder::new()
                                .schema(Some(
                                    utoipa::openapi::ObjectBuilder::new()
                                        .schema_type(utoipa::openapi::Type::String)
                                        .description(Some(
                                            "One row per item, nested fields as dotted columns; \
                                         paging in X-Total-Count, X-Page, X-Per-Page",
                                        )),
                                ))
                                .build(),
                        ),
                    );
                }
                // OpenAPI requires a description on every response.
                for (status, response) in responses.iter_mut() {
                    if let RefOr::T(response) = response
                        && response.description.is_empty()
                    {
                        response.description = status
                            .parse::<u16>()
                            .ok()
                            .and_then(|s| actix_web::http::StatusCode::from_u16(s).ok())
                            .and_then(|s| s.canonical_reason())
                            .unwrap_or("Response")
                            .to_owned();
                    }
                }
            }
        }
    }
}

/// The OpenAPI document, built from the same [`configure`] that serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure)
        .split_for_parts();
    // Applied after the paths are collected, so it sees every operation.
    SecurityAndCommonErrors.modify(&mut doc);
    contract::state_parameter_rules(&mut doc);
    contract::state_links(&mut doc);
    let components = doc.components.get_or_insert_with(Default::default);
    components.responses.insert(
        "ProblemResponse".into(),
        <crate::error::ProblemResponse as utoipa::ToResponse>::response().1,
    );
    doc
}

pub fn openapi_yaml() -> String {
    render_yaml(&openapi())
}

pub fn render_yaml(doc: &utoipa::openapi::OpenApi) -> String {
    doc.to_yaml()
        .unwrap_or_else(|e| format!("# failed to render OpenAPI: {e}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_table_tells_405_from_404() {
        let table = RouteTable::from_openapi(&openapi());
        assert_eq!(table.allowed_methods("/healthz"), ["GET"]);
        assert_eq!(
            table.allowed_methods("/api/v1/organizations"),
            ["GET", "POST"]
        );
        assert_eq!(table.allowed_methods("/api/v1/organizations/abc"), ["GET"]);
        assert!(table.allowed_methods("/api/v1/organizations/").is_empty());
        assert!(table.allowed_methods("/nope").is_empty());
    }
}
