//! What tests set up first: organizations, a producer's registry, a supply
//! chain ready to move.

use ocop_trace::domain::organization::OrgKind;
use serde_json::Value;

use super::*;

/// Fixtures for the registry: what an authority and a producer set up first.
/// The fixtures' dates move with today, so the tests never expire: a
/// batch good for 300 more days, a rating awarded 180 days ago (valid 36
/// months from then).
pub const FIXTURE_SHELF_DAYS: i64 = 300;
pub const FIXTURE_RATED_DAYS_AGO: i64 = -180;

/// The Vietnamese day `days` from today, as the API takes it.
pub fn days_from_today(days: i64) -> String {
    (ocop_trace::domain::time::today() + chrono::Duration::days(days)).to_string()
}

impl TestApp {
    /// A producer registered by the admin, as the admin would, with a
    /// contact phone; signed in.
    pub async fn producer_with_phone(&self, name: &str, phone: &str) -> Session {
        let admin = self.login(OrgKind::Admin).await;
        let org = self
            .post(
                "/api/v1/organizations",
                Some(&admin.token),
                &serde_json::json!({"name": name, "kind": "producer", "producer_type": "cooperative",
                        "address": {"province": "Hòa Bình", "district": "Kim Bôi"},
                        "contact": {"name": "Bùi Thị Hoa", "phone": phone}}),
            )
            .await;
        let org_id = org.assert_status(201)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let key = self
            .post(
                &format!("/api/v1/organizations/{org_id}/api-keys"),
                Some(&admin.token),
                &serde_json::json!({"label": "office"}),
            )
            .await;
        let key = key.assert_status(201);
        let api_key = key["api_key"].as_str().expect("key").to_owned();
        let token = self.token_for_key(&api_key).await;
        Session {
            org_id: org_id.parse().expect("uuid"),
            api_key,
            key_id: key["id"].as_str().expect("key id").parse().expect("uuid"),
            token,
        }
    }

    pub async fn create_product(&self, producer: &Session, body: &Value) -> Value {
        let answer = self
            .post("/api/v1/products", Some(&producer.token), body)
            .await;
        answer.assert_status(201).clone()
    }

    pub async fn honey(&self, producer: &Session) -> Value {
        self.create_product(
            producer,
            &serde_json::json!({
                "name_vi": "Mật ong rừng Hưng Thi",
                "name_en": "Hung Thi forest honey",
                "group": "food",
                "unit": "chai 500 ml"
            }),
        )
        .await
    }

    /// Register a site (`farming-areas` or `packing-facilities`) and link it
    /// to the producer.
    pub async fn create_site(
        &self,
        authority: &Session,
        collection: &str,
        code: &str,
        producer: Option<&Session>,
    ) -> Value {
        let mut body = serde_json::json!({
            "code": code, "name": format!("Khu {code}"), "province": "Hòa Bình", "district": "Lạc Thủy",
        });
        if collection == "farming-areas" {
            body["crop"] = serde_json::json!("Cam");
            body["area_ha"] = serde_json::json!(4.5);
        }
        let answer = self
            .post(
                &format!("/api/v1/{collection}"),
                Some(&authority.token),
                &body,
            )
            .await;
        let site = answer.assert_status(201).clone();
        if let Some(producer) = producer {
            let id = site["id"].as_str().expect("id");
            self.post(
                &format!("/api/v1/{collection}/{id}/producers"),
                Some(&authority.token),
                &serde_json::json!({"producer_id": producer.org_id}),
            )
            .await
            .assert_status(200);
        }
        site
    }

    pub async fn create_batch(
        &self,
        producer: &Session,
        product_id: &str,
        lot: &str,
        area_code: &str,
    ) -> Answer {
        self.post(
            "/api/v1/batches",
            Some(&producer.token),
            &serde_json::json!({
                "product_id": product_id, "lot": lot, "farming_area_codes": [area_code],
                "harvest_date": days_from_today(-60), "production_date": days_from_today(-55),
                "best_before": days_from_today(FIXTURE_SHELF_DAYS),
                "quantity": 500, "unit": "chai"
            }),
        )
        .await
    }

    pub fn count(&self, table: &str) -> i64 {
        use diesel::prelude::*;
        use ocop_trace::db::schema::*;
        self.with_db(|conn| match table {
            "organizations" => organizations::table.count().get_result(conn),
            "api_keys" => api_keys::table.count().get_result(conn),
            "products" => products::table.count().get_result(conn),
            "ocop_ratings" => ocop_ratings::table.count().get_result(conn),
            "sites" => sites::table.count().get_result(conn),
            "certifications" => certifications::table.count().get_result(conn),
            "batches" => batches::table.count().get_result(conn),
            "audit_log" => audit_log::table.count().get_result(conn),
            "code_runs" => code_runs::table.count().get_result(conn),
            "codes" => codes::table.count().get_result(conn),
            "scan_events" => scan_events::table.count().get_result(conn),
            "supply_events" => supply_events::table.count().get_result(conn),
            "supply_event_codes" => supply_event_codes::table.count().get_result(conn),
            "clone_alerts" => clone_alerts::table.count().get_result(conn),
            "counterfeit_reports" => counterfeit_reports::table.count().get_result(conn),
            "webhook_deliveries" => webhook_deliveries::table.count().get_result(conn),
            "epcis_captures" => epcis_captures::table.count().get_result(conn),
            "console_sessions" => console_sessions::table.count().get_result(conn),
            "epcis_events" => epcis_events::table.count().get_result(conn),
            other => panic!("count: unknown table {other}"),
        })
        .expect("count")
    }
}

/// A producer's goods ready to move: a rated product, a farming area, a
/// batch and a run of codes; plus the authority and a retailer.
pub struct Chain {
    pub authority: Session,
    pub producer: Session,
    pub retailer: Session,
    pub product_id: String,
    pub area_id: String,
    pub area_code: String,
    pub batch_id: String,
    pub run_id: String,
    pub codes: Vec<String>,
}

impl TestApp {
    /// Issue `count` codes for a batch; returns the run id and the codes.
    pub async fn issue_codes(
        &self,
        producer: &Session,
        batch_id: &str,
        area_code: &str,
        count: usize,
    ) -> (String, Vec<String>) {
        let run = self
            .post(
                &format!("/api/v1/batches/{batch_id}/code-runs"),
                Some(&producer.token),
                &serde_json::json!({"count": count, "farming_area_code": area_code}),
            )
            .await;
        let run_id = run.assert_status(201)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let csv = self
            .get(
                &format!("/api/v1/code-runs/{run_id}/codes"),
                Some(&producer.token),
            )
            .await;
        let codes = csv
            .text
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(1))
            .map(str::to_owned)
            .collect::<Vec<_>>();
        assert_eq!(codes.len(), count);
        (run_id, codes)
    }

    pub async fn chain(&self, codes: usize) -> Chain {
        let authority = self.login(OrgKind::Authority).await;
        let producer = self.login(OrgKind::Producer).await;
        let retailer = self.login(OrgKind::Retailer).await;
        let product = self
            .create_product(
                &producer,
                &serde_json::json!({
                    "name_vi": "Cam Cao Phong", "name_en": "Cao Phong orange", "group": "food",
                    "gtin": "8936012340020"
                }),
            )
            .await;
        let product_id = product["id"].as_str().expect("id").to_owned();
        self.post(
            &format!("/api/v1/products/{product_id}/ocop-ratings"),
            Some(&authority.token),
            &serde_json::json!({"stars": 4, "certificate_number": "88/QĐ-UBND", "issued_on": days_from_today(FIXTURE_RATED_DAYS_AGO)}),
        )
        .await
        .assert_status(201);
        let area_code = "VN-HBCP-0101".to_owned();
        let area = self
            .create_site(&authority, "farming-areas", &area_code, Some(&producer))
            .await;
        let batch = self
            .create_batch(&producer, &product_id, "CCP-2611", &area_code)
            .await;
        let batch_id = batch.assert_status(201)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let (run_id, codes) = self
            .issue_codes(&producer, &batch_id, &area_code, codes)
            .await;
        Chain {
            authority,
            producer,
            retailer,
            product_id,
            area_id: area["id"].as_str().expect("id").to_owned(),
            area_code,
            batch_id,
            run_id,
            codes,
        }
    }
}

impl TestApp {
    /// Another batch of the chain's product, from its farming area.
    /// The producer ships the chain's whole batch to `retailer`: from then on
    /// that retailer may record events about its codes.
    pub async fn ship_batch(&self, chain: &Chain, retailer: &Session) {
        self.post(
            "/api/v1/events",
            Some(&chain.producer.token),
            &serde_json::json!({"events": [{
                "biz_step": "shipping", "event_time": "2026-11-20T07:00:00+07:00",
                "batch_id": chain.batch_id, "destination_org_id": retailer.org_id
            }]}),
        )
        .await
        .assert_status(201);
    }

    pub async fn chain_batch(&self, chain: &Chain, lot: &str) -> String {
        self.create_batch(&chain.producer, &chain.product_id, lot, &chain.area_code)
            .await
            .assert_status(201)["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }
}
