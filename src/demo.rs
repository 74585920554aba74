//! Demo data: Hoa Binh organizations from the articles the project grew from,
//! with one API key each, so a newcomer can try the API at once.

use crate::db::{self, DbConnection};
use crate::domain::organization::{
    Address, Contact, OrgKind, OrganizationDraft, ProducerType, parse_new_organization,
};
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

/// Seed the organizations and a key for each, in one transaction.
pub fn seed(conn: &mut DbConnection) -> Result<Vec<DemoAccount>, ApiError> {
    use diesel::Connection;
    conn.transaction(|conn| {
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
    })
}
