//! Demo data: Hoa Binh organizations from the articles the project grew from,
//! with one API key each, so a newcomer can try the API at once.

use chrono::NaiveDate;

use crate::db::{self, DbConnection};
use crate::domain::batch::{BatchDraft, BatchStatus, parse_new_batch};
use crate::domain::certification::{CertScheme, CertificationDraft, parse_certification};
use crate::domain::ocop::{OcopGroup, RatingDraft, parse_rating};
use crate::domain::organization::{
    Address, Contact, OrgKind, OrganizationDraft, ProducerType, parse_new_organization,
};
use crate::domain::payload::{PayloadFormat, payload_prefix};
use crate::domain::product::{ProductDraft, parse_new_product};
use crate::domain::site::{SiteDraft, SiteKind, SiteStatus, parse_new_site};
use crate::domain::supply::BizStep;
use crate::error::ApiError;

/// One seeded organization and the key printed for it.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub name: String,
    pub kind: OrgKind,
    pub organization_id: uuid::Uuid,
    pub api_key: String,
}

struct Seed {
    name: &'static str,
    kind: OrgKind,
    producer_type: Option<ProducerType>,
    tax_code: Option<&'static str>,
    district: &'static str,
    commune: &'static str,
    phone: Option<&'static str>,
}

const PROVINCE: &str = "Hòa Bình";

const SEEDS: &[Seed] = &[
    Seed {
        name: "Quản trị hệ thống ocop-trace",
        kind: OrgKind::Admin,
        producer_type: None,
        tax_code: None,
        district: "Thành phố Hòa Bình",
        commune: "Phường Phương Lâm",
        phone: None,
    },
    Seed {
        name: "Hội đồng OCOP tỉnh Hòa Bình (Sở Nông nghiệp và PTNT)",
        kind: OrgKind::Authority,
        producer_type: None,
        tax_code: None,
        district: "Thành phố Hòa Bình",
        commune: "Phường Phương Lâm",
        phone: Some("0218 3852 123"),
    },
    Seed {
        name: "Công ty Cổ phần Kim Bôi",
        kind: OrgKind::Producer,
        producer_type: Some(ProducerType::Enterprise),
        tax_code: Some("5400101273"),
        district: "Lạc Thủy",
        commune: "Xã Phú Nghĩa",
        phone: Some("0912 345 001"),
    },
    Seed {
        name: "Hợp tác xã Cam Cao Phong",
        kind: OrgKind::Producer,
        producer_type: Some(ProducerType::Cooperative),
        tax_code: Some("5400452310"),
        district: "Cao Phong",
        commune: "Thị trấn Cao Phong",
        phone: Some("0912 345 002"),
    },
    Seed {
        name: "Hợp tác xã Mật ong Hưng Thi",
        kind: OrgKind::Producer,
        producer_type: Some(ProducerType::Cooperative),
        tax_code: Some("5400487765"),
        district: "Lạc Thủy",
        commune: "Xã Hưng Thi",
        phone: Some("0912 345 003"),
    },
    Seed {
        name: "Hợp tác xã Chè Sông Bôi",
        kind: OrgKind::Producer,
        producer_type: Some(ProducerType::Cooperative),
        tax_code: Some("5400498812"),
        district: "Lạc Thủy",
        commune: "Thị trấn Chi Nê",
        phone: Some("0912 345 004"),
    },
    Seed {
        name: "Hộ kinh doanh Gà đồi Lạc Thủy",
        kind: OrgKind::Producer,
        producer_type: Some(ProducerType::Household),
        tax_code: Some("017085001234"),
        district: "Lạc Thủy",
        commune: "Xã Đồng Tâm",
        phone: Some("0912 345 005"),
    },
    Seed {
        name: "WinMart Hòa Bình",
        kind: OrgKind::Retailer,
        producer_type: None,
        tax_code: Some("0104918404-012"),
        district: "Thành phố Hòa Bình",
        commune: "Phường Đồng Tiến",
        phone: None,
    },
];

/// What the demo created, for the banner.
#[derive(Debug, Clone, Default)]
pub struct DemoData {
    pub accounts: Vec<DemoAccount>,
    pub products: Vec<DemoProduct>,
}

#[derive(Debug, Clone)]
pub struct DemoProduct {
    pub product_id: uuid::Uuid,
    pub name: String,
    pub batch_id: uuid::Uuid,
    pub lot: String,
    /// What is special about it: "", "expired rating", "suspended farming area", "recalled batch".
    pub note: &'static str,
    /// The first of the batch's demo codes, to scan.
    pub code: String,
}

/// Codes issued per demo batch: enough distinct codes for the scan load test.
pub const CODES_PER_BATCH: u32 = 2_500;

/// Seed everything in one transaction: all of it or none of it.
pub fn seed(conn: &mut DbConnection, public_base_url: &str) -> Result<DemoData, ApiError> {
    use diesel::Connection;
    conn.transaction(|conn| {
        let accounts = seed_organizations(conn)?;
        let products = seed_registry(conn, &accounts, public_base_url)?;
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
        let (api_key, _) = crate::auth::issue_api_key(conn, org.id, "demo")?;
        accounts.push(DemoAccount {
            name: org.name,
            kind: org.kind,
            organization_id: org.id,
            api_key,
        });
    }
    Ok(accounts)
}

/// One OCOP product of a seeded producer, with its rating, farming area and a batch.
struct ProductSeed {
    producer: &'static str,
    name_vi: &'static str,
    name_en: &'static str,
    group: OcopGroup,
    gtin: Option<&'static str>,
    story_vi: &'static str,
    story_en: &'static str,
    unit: &'static str,
    stars: u8,
    certificate: &'static str,
    rated_on: (i32, u32, u32),
    area_code: &'static str,
    area_name: &'static str,
    district: &'static str,
    crop: &'static str,
    area_ha: f64,
    market: &'static str,
    lot: &'static str,
    harvest: (i32, u32, u32),
    shelf_life_days: u64,
    quantity: f64,
    batch_unit: &'static str,
    certification: Option<(CertScheme, &'static str, &'static str)>,
    note: &'static str,
}

const PRODUCTS: &[ProductSeed] = &[
    ProductSeed {
        producer: "Công ty Cổ phần Kim Bôi",
        name_vi: "Măng tre Bát Độ sấy khô Kim Bôi",
        name_en: "Kim Boi dried bamboo shoots",
        group: OcopGroup::Food,
        gtin: Some("8936012340013"),
        story_vi: "Măng tre Bát Độ trồng trên đồi Lạc Thủy, luộc và sấy theo quy trình HACCP.\nSản phẩm OCOP 5 sao cấp quốc gia.",
        story_en: "Bat Do bamboo shoots grown on the Lac Thuy hills, boiled and dried under HACCP.\nA national 5-star OCOP product.",
        unit: "túi 500 g",
        stars: 5,
        certificate: "1820/QĐ-BNN-KTHT",
        rated_on: (2024, 9, 15),
        area_code: "VN-HBBM-0003",
        area_name: "Vùng trồng măng tre Bát Độ Phú Nghĩa",
        district: "Lạc Thủy",
        crop: "Tre Bát Độ",
        area_ha: 120.0,
        market: "JP",
        lot: "MKB-2610-01",
        harvest: (2026, 10, 12),
        shelf_life_days: 365,
        quantity: 2400.0,
        batch_unit: "túi",
        certification: Some((
            CertScheme::Haccp,
            "HACCP-0456/2024",
            "Trung tâm Chứng nhận Phù hợp (QUACERT)",
        )),
        note: "",
    },
    ProductSeed {
        producer: "Hợp tác xã Cam Cao Phong",
        name_vi: "Cam Cao Phong",
        name_en: "Cao Phong oranges",
        group: OcopGroup::Food,
        gtin: None,
        story_vi: "Cam Canh trồng trên đất đồi Cao Phong, chín cây, vị ngọt thanh.",
        story_en: "Canh oranges ripened on the tree on the Cao Phong hills.",
        unit: "thùng 5 kg",
        stars: 4,
        certificate: "245/QĐ-UBND",
        rated_on: (2025, 2, 1),
        area_code: "VN-HBOR-0012",
        area_name: "Vùng trồng cam Cao Phong – đội 3",
        district: "Cao Phong",
        crop: "Cam Canh",
        area_ha: 35.5,
        market: "CN",
        lot: "CCP-2611-A",
        harvest: (2026, 11, 10),
        shelf_life_days: 30,
        quantity: 1800.0,
        batch_unit: "kg",
        certification: Some((
            CertScheme::Vietgap,
            "VietGAP-TT-19-07-0312",
            "Trung tâm Chứng nhận Phù hợp (QUACERT)",
        )),
        note: "",
    },
    ProductSeed {
        producer: "Hợp tác xã Mật ong Hưng Thi",
        name_vi: "Mật ong rừng Hưng Thi",
        name_en: "Hung Thi forest honey",
        group: OcopGroup::Food,
        gtin: Some("8936012340020"),
        story_vi: "Mật ong từ 1.985 tổ ong nuôi dưới tán rừng Hưng Thi.",
        story_en: "Honey from 1,985 hives kept under the Hung Thi forest canopy.",
        unit: "chai 500 ml",
        stars: 3,
        certificate: "1102/QĐ-UBND",
        rated_on: (2022, 8, 1),
        area_code: "VN-HBHO-0007",
        area_name: "Khu nuôi ong Hưng Thi",
        district: "Lạc Thủy",
        crop: "Ong nội",
        area_ha: 60.0,
        market: "domestic",
        lot: "MOHT-2604",
        harvest: (2026, 4, 20),
        shelf_life_days: 730,
        quantity: 900.0,
        batch_unit: "chai",
        certification: None,
        note: "expired rating",
    },
    ProductSeed {
        producer: "Hợp tác xã Chè Sông Bôi",
        name_vi: "Chè xanh Sông Bôi",
        name_en: "Song Boi green tea",
        group: OcopGroup::Beverages,
        gtin: None,
        story_vi: "Chè xanh hái tay trên đồi Sông Bôi, sao trong ngày.",
        story_en: "Hand-picked green tea from the Song Boi hills, roasted the same day.",
        unit: "hộp 200 g",
        stars: 4,
        certificate: "318/QĐ-UBND",
        rated_on: (2024, 3, 1),
        area_code: "VN-HBTE-0021",
        area_name: "Đồi chè Sông Bôi",
        district: "Lạc Thủy",
        crop: "Chè Trung du",
        area_ha: 18.0,
        market: "domestic",
        lot: "CSB-2610-T1",
        harvest: (2026, 10, 25),
        shelf_life_days: 540,
        quantity: 350.0,
        batch_unit: "hộp",
        certification: Some((
            CertScheme::Vietgap,
            "VietGAP-TT-22-11-0088",
            "Viện Khoa học Nông nghiệp Việt Nam",
        )),
        note: "",
    },
    ProductSeed {
        producer: "Hộ kinh doanh Gà đồi Lạc Thủy",
        name_vi: "Gà đồi Lạc Thủy",
        name_en: "Lac Thuy hill chicken",
        group: OcopGroup::Food,
        gtin: None,
        story_vi: "Gà thả đồi, ăn ngô và thóc, nuôi trên 5 tháng.",
        story_en: "Free-range hill chickens fed on maize and rice, raised over 5 months.",
        unit: "con (1,5–2 kg)",
        stars: 3,
        certificate: "902/QĐ-UBND",
        rated_on: (2025, 6, 20),
        area_code: "VN-HBGA-0005",
        area_name: "Trại gà đồi Đồng Tâm",
        district: "Lạc Thủy",
        crop: "Gà ri lai",
        area_ha: 3.2,
        market: "domestic",
        lot: "GDLT-2611-05",
        harvest: (2026, 11, 15),
        shelf_life_days: 5,
        quantity: 300.0,
        batch_unit: "con",
        certification: None,
        note: "suspended farming area",
    },
];

/// An earlier orange batch, recalled: its codes show the recall.
fn seed_recalled_batch(
    conn: &mut DbConnection,
    product: &db::products::ProductRow,
    area_id: &str,
    packing_id: &str,
    producer: uuid::Uuid,
    base_url: &str,
    today: NaiveDate,
) -> Result<DemoProduct, ApiError> {
    let harvest = ymd((2026, 10, 20))?;
    let area_code = db::sites::by_ids(conn, &[area_id.to_owned()])?
        .into_iter()
        .next()
        .map(|a| a.code)
        .ok_or_else(|| ApiError::internal("demo area"))?;
    let draft = parse_new_batch(
        &BatchDraft {
            product_id: crate::db::stored_uuid(&product.id)?,
            lot: "CCP-2610-B".into(),
            farming_area_codes: vec![area_code],
            packing_facility_code: None,
            harvest_date: Some(harvest),
            production_date: Some(harvest + chrono::Days::new(1)),
            best_before: Some(harvest + chrono::Days::new(30)),
            quantity: 900.0,
            unit: "kg".into(),
        },
        today,
    )?;
    let mut batch = db::batches::insert(
        conn,
        producer,
        &draft,
        &[area_id.to_owned()],
        Some(packing_id.to_owned()),
    )?;
    let code = issue_codes(conn, &batch, area_id, base_url)?;
    batch.status = BatchStatus::Recalled.as_str().into();
    batch.recall_reason =
        Some("Phát hiện dư lượng thuốc bảo vệ thực vật vượt ngưỡng trong mẫu kiểm tra".into());
    batch.recalled_at = Some(db::now());
    let batch = db::batches::save(conn, batch)?;
    let recall = BizStep::Recalling;
    db::events::insert(
        conn,
        &db::events::SupplyEventRow {
            id: db::events::new_event_id(),
            org_id: batch.producer_id.clone(),
            biz_step: recall.as_str().into(),
            disposition: recall.default_disposition().as_str().into(),
            scope: "batch".into(),
            batch_id: Some(batch.id.clone()),
            run_id: None,
            code_count: CODES_PER_BATCH as i32,
            event_time: db::now(),
            recorded_at: db::now(),
            location_name: None,
            province: Some(PROVINCE.into()),
            latitude: None,
            longitude: None,
            destination_org_id: None,
            note: batch.recall_reason.clone(),
        },
        &[],
    )?;
    Ok(DemoProduct {
        product_id: crate::db::stored_uuid(&product.id)?,
        name: product.name_vi.clone(),
        batch_id: crate::db::stored_uuid(&batch.id)?,
        lot: batch.lot.clone(),
        note: "recalled batch",
        code,
    })
}

/// The orange batch's way to the shop: shipped by the cooperative, received
/// by WinMart Hòa Bình, and its first package sold there (the demo code's
/// journey shows all three). The demo issues its codes at start-up, so the
/// delivery happens within the last hour.
fn seed_delivery(
    conn: &mut DbConnection,
    batch: &db::batches::BatchRow,
    retailer: uuid::Uuid,
    sold_code: &str,
) -> Result<(), ApiError> {
    let now = db::now();
    let shop = "WinMart Hòa Bình, 25 Trần Hưng Đạo";
    let event = |org: String, step: BizStep, minutes_ago: i64, place: Option<&str>| {
        db::events::SupplyEventRow {
            id: db::events::new_event_id(),
            org_id: org,
            biz_step: step.as_str().into(),
            disposition: step.default_disposition().as_str().into(),
            scope: "batch".into(),
            batch_id: Some(batch.id.clone()),
            run_id: None,
            code_count: CODES_PER_BATCH as i32,
            event_time: now - chrono::Duration::minutes(minutes_ago),
            recorded_at: now,
            location_name: place.map(str::to_owned),
            province: Some(PROVINCE.into()),
            latitude: None,
            longitude: None,
            destination_org_id: (step == BizStep::Shipping).then(|| retailer.to_string()),
            note: None,
        }
    };
    let shipped = event(batch.producer_id.clone(), BizStep::Shipping, 50, None);
    db::events::insert(conn, &shipped, &[])?;
    let received = event(retailer.to_string(), BizStep::Receiving, 30, Some(shop));
    db::events::insert(conn, &received, &[])?;
    let mut sold = event(retailer.to_string(), BizStep::RetailSelling, 10, Some(shop));
    sold.scope = "codes".into();
    sold.batch_id = None;
    sold.code_count = 1;
    // The shop's coordinates let the clone rules spot this code far away.
    sold.latitude = Some(20.8133);
    sold.longitude = Some(105.3383);
    let named = db::events::EventCodeRow {
        event_id: sold.id.clone(),
        code: sold_code.to_owned(),
        batch_id: batch.id.clone(),
        producer_id: batch.producer_id.clone(),
    };
    db::events::insert(conn, &sold, &[named])?;
    Ok(())
}

fn ymd((y, m, d): (i32, u32, u32)) -> Result<NaiveDate, ApiError> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| ApiError::internal(format!("demo date {y}-{m}-{d}")))
}

/// Issue a run of demo codes for a batch; returns its first code.
fn issue_codes(
    conn: &mut DbConnection,
    batch: &db::batches::BatchRow,
    area_id: &str,
    base_url: &str,
) -> Result<String, ApiError> {
    let run = db::codes::CodeRunRow {
        id: uuid::Uuid::now_v7().to_string(),
        batch_id: batch.id.clone(),
        producer_id: batch.producer_id.clone(),
        farming_area_id: area_id.to_owned(),
        count: CODES_PER_BATCH as i32,
        payload_format: PayloadFormat::Url.as_str().into(),
        payload_prefix: payload_prefix(PayloadFormat::Url, base_url, None, &batch.lot)
            .ok_or_else(|| ApiError::internal("demo payload"))?,
        idempotency_key: None,
        request_fingerprint: None,
        created_at: db::now(),
        pending_until: None,
    };
    db::codes::insert_run(conn, &run)?;
    db::codes::insert_codes(conn, &run.id, CODES_PER_BATCH, |_| {})?;
    let first = db::codes::page_of_run(conn, &run.id, 0, 1, 1)?;
    first
        .into_iter()
        .next()
        .map(|c| c.code)
        .ok_or_else(|| ApiError::internal("demo codes missing"))
}

fn seed_registry(
    conn: &mut DbConnection,
    accounts: &[DemoAccount],
    base_url: &str,
) -> Result<Vec<DemoProduct>, ApiError> {
    let today = crate::domain::time::vietnam_date(chrono::Utc::now());
    let org = |kind: OrgKind, name: Option<&str>| {
        accounts
            .iter()
            .find(|a| a.kind == kind && name.is_none_or(|n| a.name == n))
            .map(|a| a.organization_id)
            .ok_or_else(|| ApiError::internal(format!("demo organization {name:?} missing")))
    };
    let authority = org(OrgKind::Authority, None)?;
    let packing = parse_new_site(
        SiteKind::PackingFacility,
        &SiteDraft {
            code: "PB.33.01.01.001".into(),
            name: "Cơ sở sơ chế, đóng gói Phú Nghĩa".into(),
            province: PROVINCE.into(),
            district: Some("Lạc Thủy".into()),
            commune: Some("Xã Phú Nghĩa".into()),
            crop: None,
            area_ha: None,
            target_market: Some("domestic".into()),
            valid_until: None,
        },
        today,
    )?;
    let packing = db::sites::insert(conn, &packing, authority)?;
    let mut out = Vec::with_capacity(PRODUCTS.len());
    for seed in PRODUCTS {
        let producer = org(OrgKind::Producer, Some(seed.producer))?;
        let fields = parse_new_product(&ProductDraft {
            name_vi: seed.name_vi.into(),
            name_en: Some(seed.name_en.into()),
            group: seed.group,
            gtin: seed.gtin.map(Into::into),
            description_vi: Some(seed.story_vi.into()),
            description_en: Some(seed.story_en.into()),
            unit: Some(seed.unit.into()),
        })?;
        let product = db::products::insert(conn, producer, &fields)?;
        let rating = parse_rating(
            &RatingDraft {
                stars: seed.stars,
                certificate_number: seed.certificate.into(),
                level: None,
                issued_on: ymd(seed.rated_on)?,
                expires_on: None,
            },
            today,
        )?;
        db::products::insert_rating(conn, &product, &rating, authority)?;
        let area = parse_new_site(
            SiteKind::FarmingArea,
            &SiteDraft {
                code: seed.area_code.into(),
                name: seed.area_name.into(),
                province: PROVINCE.into(),
                district: Some(seed.district.into()),
                commune: None,
                crop: Some(seed.crop.into()),
                area_ha: Some(seed.area_ha),
                target_market: Some(seed.market.into()),
                valid_until: None,
            },
            today,
        )?;
        let area = db::sites::insert(conn, &area, authority)?;
        db::sites::link(conn, &area.id, producer)?;
        db::sites::link(conn, &packing.id, producer)?;
        if let Some((scheme, number, issuer)) = seed.certification {
            let cert = parse_certification(&CertificationDraft {
                product_id: None,
                producer_id: None,
                scheme,
                scheme_name: None,
                number: number.into(),
                issuer: issuer.into(),
                valid_from: ymd((2025, 1, 1))?,
                valid_until: ymd((2028, 1, 1))?,
            })?;
            db::certifications::insert(
                conn,
                &producer.to_string(),
                Some(&product.id),
                &cert,
                producer,
            )?;
        }
        let harvest = ymd(seed.harvest)?;
        let batch = parse_new_batch(
            &BatchDraft {
                product_id: crate::db::stored_uuid(&product.id)?,
                lot: seed.lot.into(),
                farming_area_codes: vec![seed.area_code.into()],
                packing_facility_code: Some(packing.code.clone()),
                harvest_date: Some(harvest),
                production_date: Some(harvest + chrono::Days::new(2)),
                best_before: Some(harvest + chrono::Days::new(seed.shelf_life_days)),
                quantity: seed.quantity,
                unit: seed.batch_unit.into(),
            },
            today,
        )?;
        let batch = db::batches::insert(
            conn,
            producer,
            &batch,
            std::slice::from_ref(&area.id),
            Some(packing.id.clone()),
        )?;
        let code = issue_codes(conn, &batch, &area.id, base_url)?;
        let area_id = area.id.clone();
        if seed.note == "suspended farming area" {
            db::sites::change_status(
                conn,
                area,
                SiteStatus::Suspended,
                "Kiểm tra định kỳ phát hiện vi phạm quy trình an toàn sinh học",
                authority,
            )?;
        }
        out.push(DemoProduct {
            product_id: crate::db::stored_uuid(&product.id)?,
            name: seed.name_vi.into(),
            batch_id: crate::db::stored_uuid(&batch.id)?,
            lot: seed.lot.into(),
            note: seed.note,
            code: code.clone(),
        });
        if seed.lot == "CCP-2611-A" {
            seed_delivery(conn, &batch, org(OrgKind::Retailer, None)?, &code)?;
            out.push(seed_recalled_batch(
                conn,
                &product,
                &area_id,
                &packing.id,
                producer,
                base_url,
                today,
            )?);
        }
    }
    // A second orange area, suspended before anything came from it.
    let suspended = parse_new_site(
        SiteKind::FarmingArea,
        &SiteDraft {
            code: "VN-HBOR-0019".into(),
            name: "Vùng trồng cam Cao Phong – đội 7".into(),
            province: PROVINCE.into(),
            district: Some("Cao Phong".into()),
            commune: None,
            crop: Some("Cam Canh".into()),
            area_ha: Some(12.0),
            target_market: Some("CN".into()),
            valid_until: None,
        },
        today,
    )?;
    let suspended = db::sites::insert(conn, &suspended, authority)?;
    db::sites::link(
        conn,
        &suspended.id,
        org(OrgKind::Producer, Some("Hợp tác xã Cam Cao Phong"))?,
    )?;
    db::sites::change_status(
        conn,
        suspended,
        SiteStatus::Suspended,
        "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng",
        authority,
    )?;
    Ok(out)
}
