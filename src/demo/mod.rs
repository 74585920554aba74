//! The demo: Hoa Binh organizations with one API key each, their products,
//! ratings, farming areas, batches and codes, a delivery to a supermarket
//! and a recalled batch, so a newcomer can try the API at once.
//!
//! Everything is registered through the same services as the API, in one
//! transaction (all of it or none of it): the recall has its audit entry,
//! supply event and webhook notice like a real one, and the checks are the
//! API's (a demo that breaks a rule fails to start instead of showing data
//! the API could not have made).

mod data;
pub mod drawings;

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use crate::auth::Principal;
use crate::db::{self, DbConnection};
use crate::domain::batch::{BatchDraft, parse_new_batch};
use crate::domain::certification::{CertificationDraft, parse_certification};
use crate::domain::ocop::{RatingDraft, parse_rating};
use crate::domain::organization::{
    Address, Contact, OrgKind, OrganizationDraft, parse_new_organization,
};
use crate::domain::payload::PayloadFormat;
use crate::domain::product::{ProductDraft, parse_new_product};
use crate::domain::site::{SiteDraft, SiteKind, SiteStatus, parse_new_site};
use crate::domain::supply::{BizStep, EventDraft, EventLocation, EventsRequest, parse_events};
use crate::error::ApiError;
use crate::services::batch_view::BatchOut;
use crate::services::issuance::{IssueCodes, issue_in};
use crate::services::{catalog, certifications, recall, sites, supply};
use data::{PRODUCTS, PROVINCE, ProductSeed, SEEDS};

/// One seeded organization and the key printed for it.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub name: String,
    pub kind: OrgKind,
    pub organization_id: Uuid,
    pub api_key: String,
    /// The key's id: what the seeding acts as.
    pub key_id: String,
}

impl DemoAccount {
    fn principal(&self) -> Principal {
        Principal {
            org_id: self.organization_id,
            role: self.kind,
            key_id: self.key_id.clone(),
        }
    }
}

/// What the demo created, for the banner.
#[derive(Debug, Clone, Default)]
pub struct DemoData {
    pub accounts: Vec<DemoAccount>,
    pub products: Vec<DemoProduct>,
}

#[derive(Debug, Clone)]
pub struct DemoProduct {
    pub product_id: Uuid,
    pub name: String,
    pub batch_id: Uuid,
    pub lot: String,
    /// What is special about it: "", "expired rating", "suspended farming area"
    /// (its lot is also past its best-before day), "recalled batch".
    pub note: &'static str,
    /// The first of the batch's demo codes, to scan.
    pub code: String,
    /// GTIN-14, when the product has one (its GS1 links resolve).
    pub gtin: Option<String>,
    /// Its batch was delivered to the demo supermarket, which sold `code`.
    pub sold_at_shop: bool,
}

/// The demo's suspended orange area: its GLN resolves at `/414/{gln}`.
pub fn suspended_area_gln() -> String {
    demo_gln(2)
}

/// Codes issued per demo batch: enough distinct codes for the scan load test.
pub const CODES_PER_BATCH: u32 = 2_500;

/// Where the demo's delivery is received and sold.
const SHOP: &str = "WinMart Hòa Bình, 25 Trần Hưng Đạo";

/// Seed everything in one transaction: all of it or none of it.
pub fn seed(conn: &mut DbConnection, public_base_url: &str) -> Result<DemoData, ApiError> {
    use diesel::Connection;
    conn.transaction(|conn| {
        let accounts = seed_organizations(conn)?;
        let products = Seeder::new(&accounts, public_base_url)?.seed_registry(conn)?;
        Ok(DemoData { accounts, products })
    })
}

fn seed_organizations(conn: &mut DbConnection) -> Result<Vec<DemoAccount>, ApiError> {
    let mut accounts = Vec::with_capacity(SEEDS.len());
    for seed in SEEDS {
        let draft = OrganizationDraft {
            name: seed.name.into(),
            kind: seed.kind,
            producer_type: seed.producer_type,
            tax_code: seed.tax_code.map(Into::into),
            address: Address {
                province: PROVINCE.into(),
                district: Some(seed.district.into()),
                commune: Some(seed.commune.into()),
                street: None,
            },
            contact: Some(Contact {
                name: None,
                phone: seed.phone.map(Into::into),
                email: None,
            }),
        };
        let new = parse_new_organization(&draft)?;
        let org = db::organizations::insert(conn, &new)?;
        let (api_key, key) = crate::auth::issue_api_key(conn, org.id, "demo")?;
        accounts.push(DemoAccount {
            name: org.name,
            kind: org.kind,
            organization_id: org.id,
            api_key,
            key_id: key.id,
        });
    }
    Ok(accounts)
}

/// The day the demo's dates were written as of: every date of the demo is
/// moved by as many days as have passed since, so its stories (a fresh
/// orange lot, a rating that has expired, a chicken lot past its
/// best-before) read the same whenever it runs.
/// The lot the demo ships to its supermarket, which sells its first package.
const DELIVERED_LOT: &str = "CCP-2611-A";

const WRITTEN_ON: (i32, u32, u32) = (2026, 11, 25);

fn ymd((y, m, d): (i32, u32, u32)) -> Result<NaiveDate, ApiError> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| ApiError::internal(format!("demo date {y}-{m}-{d}")))
}

/// A demo date, as many days after `WRITTEN_ON` as `today` is.
fn shifted(day: (i32, u32, u32), today: NaiveDate) -> Result<NaiveDate, ApiError> {
    let moved = today - ymd(WRITTEN_ON)?;
    ymd(day)?
        .checked_add_signed(moved)
        .ok_or_else(|| ApiError::internal("demo date out of range"))
}

fn find_account<'a>(
    accounts: &'a [DemoAccount],
    kind: OrgKind,
    name: Option<&str>,
) -> Result<&'a DemoAccount, ApiError> {
    accounts
        .iter()
        .find(|a| a.kind == kind && name.is_none_or(|n| a.name == n))
        .ok_or_else(|| ApiError::internal(format!("demo organization {name:?} missing")))
}

/// Who does what in the demo, and when "today" is.
struct Seeder<'a> {
    accounts: &'a [DemoAccount],
    authority: Principal,
    base_url: &'a str,
    today: NaiveDate,
}

impl<'a> Seeder<'a> {
    fn new(accounts: &'a [DemoAccount], base_url: &'a str) -> Result<Self, ApiError> {
        Ok(Self {
            accounts,
            authority: find_account(accounts, OrgKind::Authority, None)?.principal(),
            base_url,
            today: crate::domain::time::today(),
        })
    }

    fn account(&self, kind: OrgKind, name: Option<&str>) -> Result<&'a DemoAccount, ApiError> {
        find_account(self.accounts, kind, name)
    }

    fn producer(&self, name: &str) -> Result<Principal, ApiError> {
        Ok(self.account(OrgKind::Producer, Some(name))?.principal())
    }

    /// A site registered by the authority and linked to `producer`.
    fn site(
        &self,
        conn: &mut DbConnection,
        kind: SiteKind,
        draft: &SiteDraft,
        producer: Uuid,
    ) -> Result<sites::SiteOut, ApiError> {
        let site = parse_new_site(kind, draft, self.today)?;
        let out = sites::create(conn, &self.authority, &site)?;
        sites::set_link(conn, &self.authority, kind, out.id, producer, true)
    }

    fn suspend(
        &self,
        conn: &mut DbConnection,
        area: &sites::SiteOut,
        reason: &str,
    ) -> Result<(), ApiError> {
        let kind = SiteKind::FarmingArea;
        sites::change_status(
            conn,
            &self.authority,
            kind,
            area.id,
            SiteStatus::Suspended,
            reason,
        )?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn batch(
        &self,
        conn: &mut DbConnection,
        producer: &Principal,
        product_id: Uuid,
        lot: &str,
        area_code: &str,
        packing_code: &str,
        harvest: NaiveDate,
        (production_days, shelf_life_days): (u64, u64),
        (quantity, unit): (f64, &str),
    ) -> Result<BatchOut, ApiError> {
        let draft = parse_new_batch(
            &BatchDraft {
                product_id,
                lot: lot.into(),
                farming_area_codes: vec![area_code.into()],
                packing_facility_code: Some(packing_code.into()),
                harvest_date: Some(harvest),
                production_date: Some(harvest + chrono::Days::new(production_days)),
                best_before: Some(harvest + chrono::Days::new(shelf_life_days)),
                quantity,
                unit: unit.into(),
            },
            self.today,
        )?;
        catalog::create_batch(conn, producer, &draft, self.today)
    }

    /// Issue the demo codes of a batch, as its producer would; returns the
    /// first code.
    fn issue_codes(
        &self,
        conn: &mut DbConnection,
        producer: &Principal,
        batch: &BatchOut,
        area_code: &str,
    ) -> Result<String, ApiError> {
        let command = IssueCodes {
            producer: producer.clone(),
            batch_id: batch.id,
            count: CODES_PER_BATCH,
            farming_area_code: area_code.into(),
            format: PayloadFormat::Url,
            link_domain: None,
            key: None,
        };
        let run = issue_in(conn, command, self.base_url, CODES_PER_BATCH * 10)?;
        db::codes::page_of_run(conn, &run.id, 0, 1, 1)?
            .into_iter()
            .next()
            .map(|c| c.code)
            .ok_or_else(|| ApiError::internal("demo codes missing"))
    }

    fn seed_registry(&self, conn: &mut DbConnection) -> Result<Vec<DemoProduct>, ApiError> {
        let packing = parse_new_site(
            SiteKind::PackingFacility,
            &SiteDraft {
                code: "PB.33.01.01.001".into(),
                name: "Cơ sở sơ chế, đóng gói Phú Nghĩa".into(),
                province: PROVINCE.into(),
                district: Some("Lạc Thủy".into()),
                commune: Some("Xã Phú Nghĩa".into()),
                crop: None,
                farming: None,
                area_ha: None,
                target_market: Some("domestic".into()),
                valid_until: None,
                gln: Some(demo_gln(1)),
            },
            self.today,
        )?;
        let packing = sites::create(conn, &self.authority, &packing)?;
        let mut out = Vec::with_capacity(PRODUCTS.len() + 1);
        for (n, seed) in (10..).zip(PRODUCTS) {
            out.extend(self.seed_product(conn, seed, &packing, demo_gln(n))?);
        }
        // A second orange area, suspended before anything came from it.
        let suspended = self.site(
            conn,
            SiteKind::FarmingArea,
            &SiteDraft {
                code: "VN-HBOR-0019".into(),
                name: "Vùng trồng cam Cao Phong – đội 7".into(),
                province: PROVINCE.into(),
                district: Some("Cao Phong".into()),
                commune: None,
                crop: Some("Cam Canh".into()),
                farming: None,
                area_ha: Some(12.0),
                target_market: Some("CN".into()),
                valid_until: None,
                gln: Some(suspended_area_gln()),
            },
            self.producer("Hợp tác xã Cam Cao Phong")?.org_id,
        )?;
        self.suspend(
            conn,
            &suspended,
            "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng",
        )?;
        Ok(out)
    }

    /// A product with its rating, farming area, certification, a batch and
    /// its codes (and, for the oranges, a delivery and a recalled batch).
    fn seed_product(
        &self,
        conn: &mut DbConnection,
        seed: &ProductSeed,
        packing: &sites::SiteOut,
        area_gln: String,
    ) -> Result<Vec<DemoProduct>, ApiError> {
        let producer = self.producer(seed.producer)?;
        let fields = parse_new_product(&ProductDraft {
            name_vi: seed.name_vi.into(),
            name_en: Some(seed.name_en.into()),
            group: seed.group,
            gtin: seed.gtin.map(Into::into),
            description_vi: Some(seed.story_vi.into()),
            description_en: Some(seed.story_en.into()),
            unit: Some(seed.unit.into()),
        })?;
        let product = catalog::register_product(conn, producer.org_id, &fields)?;
        let drawing = drawings::draw(seed.drawing)
            .map_err(|e| ApiError::internal(format!("demo drawing: {e}")))?;
        let picture = crate::labels::picture::prepare(&drawing, "image/png")
            .map_err(|why| ApiError::internal(format!("demo drawing: {why}")))?;
        catalog::set_product_picture(conn, &producer, product.id, &picture)?;
        let rating = parse_rating(
            &RatingDraft {
                stars: seed.stars,
                certificate_number: seed.certificate.into(),
                level: None,
                issued_on: shifted(seed.rated_on, self.today)?,
                expires_on: None,
            },
            self.today,
        )?;
        catalog::award_rating(conn, &self.authority, product.id, &rating, self.today)?;
        let area = self.site(
            conn,
            SiteKind::FarmingArea,
            &SiteDraft {
                code: seed.area_code.into(),
                name: seed.area_name.into(),
                province: PROVINCE.into(),
                district: Some(seed.district.into()),
                commune: None,
                crop: Some(seed.crop.into()),
                farming: Some(seed.farming),
                area_ha: Some(seed.area_ha),
                target_market: Some(seed.market.into()),
                valid_until: None,
                gln: Some(area_gln),
            },
            producer.org_id,
        )?;
        sites::set_link(
            conn,
            &self.authority,
            SiteKind::PackingFacility,
            packing.id,
            producer.org_id,
            true,
        )?;
        if let Some((scheme, number, issuer)) = seed.certification {
            let draft = CertificationDraft {
                product_id: Some(product.id),
                producer_id: None,
                scheme,
                scheme_name: None,
                number: number.into(),
                issuer: issuer.into(),
                valid_from: shifted((2025, 1, 1), self.today)?,
                valid_until: shifted((2028, 1, 1), self.today)?,
            };
            let cert = parse_certification(&draft)?;
            certifications::record(conn, &producer, &draft, &cert)?;
        }
        let batch = self.batch(
            conn,
            &producer,
            product.id,
            seed.lot,
            seed.area_code,
            &packing.code,
            shifted(seed.harvest, self.today)?,
            (2, seed.shelf_life_days),
            (seed.quantity, seed.batch_unit),
        )?;
        let code = self.issue_codes(conn, &producer, &batch, seed.area_code)?;
        if seed.note == "suspended farming area" {
            self.suspend(
                conn,
                &area,
                "Kiểm tra định kỳ phát hiện vi phạm quy trình an toàn sinh học",
            )?;
        }
        let mut out = vec![DemoProduct {
            product_id: product.id,
            name: seed.name_vi.into(),
            batch_id: batch.id,
            lot: seed.lot.into(),
            note: seed.note,
            code: code.clone(),
            gtin: product.gtin.clone(),
            sold_at_shop: seed.lot == DELIVERED_LOT,
        }];
        if seed.lot == DELIVERED_LOT {
            self.seed_delivery(conn, &producer, &batch, &code)?;
            out.push(self.seed_recalled_batch(conn, &producer, &product, seed, packing)?);
        }
        Ok(out)
    }

    /// An earlier orange batch, recalled by the authority: its codes show
    /// the recall.
    fn seed_recalled_batch(
        &self,
        conn: &mut DbConnection,
        producer: &Principal,
        product: &crate::services::product_view::ProductOut,
        seed: &ProductSeed,
        packing: &sites::SiteOut,
    ) -> Result<DemoProduct, ApiError> {
        let batch = self.batch(
            conn,
            producer,
            product.id,
            "CCP-2610-B",
            seed.area_code,
            &packing.code,
            shifted((2026, 10, 20), self.today)?,
            (1, 30),
            (900.0, "kg"),
        )?;
        let code = self.issue_codes(conn, producer, &batch, seed.area_code)?;
        let batch = recall::recall_in(
            conn,
            &self.authority,
            batch.id,
            "Phát hiện dư lượng thuốc bảo vệ thực vật vượt ngưỡng trong mẫu kiểm tra".into(),
            self.base_url,
        )?;
        Ok(DemoProduct {
            product_id: product.id,
            name: product.name_vi.clone(),
            batch_id: batch.id,
            lot: batch.lot,
            note: "recalled batch",
            code,
            gtin: product.gtin.clone(),
            sold_at_shop: false,
        })
    }

    /// The orange batch's way to the shop: shipped by the cooperative,
    /// received by WinMart Hòa Bình, and its first package sold there (the
    /// demo code's journey shows all three), each recorded by its
    /// organization as through `POST /events`. The demo issues its codes at
    /// start-up, so the delivery follows right after (seconds apart; never
    /// before the codes were issued, also across Vietnam's midnight).
    fn seed_delivery(
        &self,
        conn: &mut DbConnection,
        producer: &Principal,
        batch: &BatchOut,
        sold_code: &str,
    ) -> Result<(), ApiError> {
        let retailer = self.account(OrgKind::Retailer, None)?.principal();
        let now = Utc::now();
        let draft = |step: BizStep, seconds_later: i64| EventDraft {
            biz_step: step,
            disposition: None,
            event_time: (now + chrono::Duration::seconds(seconds_later)).fixed_offset(),
            codes: None,
            batch_id: Some(batch.id),
            code_run_id: None,
            location: Some(EventLocation {
                name: Some(SHOP.into()),
                province: Some(PROVINCE.into()),
                latitude: None,
                longitude: None,
            }),
            destination_org_id: None,
            note: None,
        };
        let shipped = EventDraft {
            location: None,
            destination_org_id: Some(retailer.org_id),
            ..draft(BizStep::Shipping, 0)
        };
        let received = draft(BizStep::Receiving, 1);
        let sold = EventDraft {
            codes: Some(vec![sold_code.to_owned()]),
            batch_id: None,
            // The shop's coordinates let the clone rules spot this code far away.
            location: Some(EventLocation {
                name: Some(SHOP.into()),
                province: Some(PROVINCE.into()),
                latitude: Some(20.8133),
                longitude: Some(105.3383),
            }),
            ..draft(BizStep::RetailSelling, 2)
        };
        for (who, events) in [(producer, vec![shipped]), (&retailer, vec![received, sold])] {
            let parsed = parse_events(who.role, &EventsRequest { events }, now)
                .map_err(ApiError::Validation)?;
            supply::store_events(conn, who, parsed, Some(self.base_url))?;
        }
        Ok(())
    }
}

/// The demo's GLNs: the demo GS1 company prefix 8936012 (as its GTINs),
/// location reference `n`, and the check digit.
fn demo_gln(n: u32) -> String {
    crate::domain::gs1::with_check_digit(&format!("8936012{n:05}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seeded_product_names_a_seeded_producer() {
        for product in PRODUCTS {
            assert!(
                SEEDS
                    .iter()
                    .any(|s| s.kind == OrgKind::Producer && s.name == product.producer),
                "{} has no producer {}",
                product.name_vi,
                product.producer
            );
        }
    }
}
