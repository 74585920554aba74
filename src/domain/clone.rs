//! Clone detection: signs that one printed code is on more than one package.
//! Each rule is a pure function of what is known about the code's scans.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The rules, as stored and as listed in alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CloneRule {
    /// More consumer views than one package plausibly gets.
    ScanCount,
    /// Two located scans too far apart for the time between them.
    ImpossibleTravel,
    /// Scanned far from the shop after the shop sold it.
    AfterSale,
}

impl CloneRule {
    pub const ALL: [CloneRule; 3] = [Self::ScanCount, Self::ImpossibleTravel, Self::AfterSale];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ScanCount => "scan_count",
            Self::ImpossibleTravel => "impossible_travel",
            Self::AfterSale => "after_sale",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// What the consumer's page says, in plain words.
    pub fn consumer_message(self, en: bool) -> &'static str {
        match (self, en) {
            (Self::ScanCount, false) => {
                "Mã này đã được quét quá nhiều lần. Mỗi gói hàng có một mã riêng: nhãn có thể bị sao chép."
            }
            (Self::ScanCount, true) => {
                "This code has been scanned too many times. Every package has its own code: the label may have been copied."
            }
            (Self::ImpossibleTravel, false) => {
                "Mã này vừa được quét ở hai nơi cách xa nhau trong thời gian rất ngắn. Có thể có nhãn giả mang cùng mã. Hãy hỏi cửa hàng hoặc báo cho cơ quan quản lý."
            }
            (Self::ImpossibleTravel, true) => {
                "This code was scanned in two places far apart within a very short time. A fake label may carry the same code. Ask the shop or tell the authority."
            }
            (Self::AfterSale, false) => {
                "Gói hàng mang mã này đã được bán ở một cửa hàng khác, ở nơi xa đây. Nhãn có thể bị sao chép. Hãy hỏi cửa hàng hoặc báo cho cơ quan quản lý."
            }
            (Self::AfterSale, true) => {
                "The package with this code was already sold by a shop far from here. The label may have been copied. Ask the shop or tell the authority."
            }
        }
    }
}

/// Thresholds, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct CloneThresholds {
    /// Views of one code beyond which it is suspect.
    pub max_views: i64,
    /// Faster than this between two scans is implausible (km/h).
    pub max_speed_kmh: f64,
    /// Closer than this is never suspect (locations are rounded to ~1 km).
    pub min_distance_km: f64,
    /// After a sale, a scan farther than this from the shop is suspect.
    pub sold_radius_km: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub latitude: f64,
    pub longitude: f64,
}

/// Great-circle distance (haversine) in kilometres.
pub fn distance_km(a: GeoPoint, b: GeoPoint) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (lat1, lat2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.longitude - a.longitude).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocatedScan {
    pub at: NaiveDateTime,
    pub point: GeoPoint,
}

/// A finding of a rule, with the numbers behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: CloneRule,
    pub detail: String,
}

/// Too many views.
pub fn check_scan_count(views: i64, t: &CloneThresholds) -> Option<Finding> {
    (views > t.max_views).then(|| Finding {
        rule: CloneRule::ScanCount,
        detail: format!("{views} consumer views (threshold {})", t.max_views),
    })
}

/// Does the new located scan, with any earlier one, imply a travel speed no
/// package has? The pair with the highest speed is reported.
pub fn check_travel(
    earlier: &[LocatedScan],
    new: &LocatedScan,
    t: &CloneThresholds,
) -> Option<Finding> {
    earlier
        .iter()
        .filter_map(|prev| {
            let km = distance_km(prev.point, new.point);
            if km < t.min_distance_km {
                return None;
            }
            let seconds = (new.at - prev.at).num_seconds().abs().max(1) as f64;
            let kmh = km / (seconds / 3600.0);
            (kmh > t.max_speed_kmh).then_some((km, seconds, kmh))
        })
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .map(|(km, seconds, kmh)| Finding {
            rule: CloneRule::ImpossibleTravel,
            detail: format!(
                "scanned {km:.0} km apart within {:.0} minutes ({kmh:.0} km/h, limit {:.0} km/h)",
                seconds / 60.0,
                t.max_speed_kmh
            ),
        })
}

/// A sale that has coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Sale {
    pub at: NaiveDateTime,
    pub point: GeoPoint,
    pub shop: String,
}

/// Scanned, after the sale, farther from the shop than a consumer takes it home.
pub fn check_after_sale(sale: &Sale, scan: &LocatedScan, t: &CloneThresholds) -> Option<Finding> {
    if scan.at < sale.at {
        return None;
    }
    let km = distance_km(sale.point, scan.point);
    (km > t.sold_radius_km).then(|| Finding {
        rule: CloneRule::AfterSale,
        detail: format!(
            "scanned {km:.0} km from {} after it was sold there (radius {:.0} km)",
            sale.shop, t.sold_radius_km
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOA_BINH: GeoPoint = GeoPoint {
        latitude: 20.82,
        longitude: 105.34,
    };
    const HA_NOI: GeoPoint = GeoPoint {
        latitude: 21.03,
        longitude: 105.85,
    };
    const HCMC: GeoPoint = GeoPoint {
        latitude: 10.78,
        longitude: 106.70,
    };

    fn t() -> CloneThresholds {
        CloneThresholds {
            max_views: 50,
            max_speed_kmh: 200.0,
            min_distance_km: 20.0,
            sold_radius_km: 50.0,
        }
    }

    fn at(h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("time")
    }

    #[test]
    fn distances_are_right() {
        let d = distance_km(HA_NOI, HCMC);
        assert!((1130.0..1160.0).contains(&d), "{d}");
        assert!((55.0..62.0).contains(&distance_km(HOA_BINH, HA_NOI)));
        assert_eq!(distance_km(HCMC, HCMC), 0.0);
    }

    #[test]
    fn scan_count() {
        assert!(check_scan_count(50, &t()).is_none());
        assert_eq!(
            check_scan_count(51, &t()).map(|f| f.rule),
            Some(CloneRule::ScanCount)
        );
    }

    #[test]
    fn travel() {
        let hanoi = LocatedScan {
            at: at(8, 0),
            point: HA_NOI,
        };
        let saigon_soon = LocatedScan {
            at: at(9, 0),
            point: HCMC,
        };
        let f = check_travel(&[hanoi], &saigon_soon, &t()).expect("1,140 km in an hour");
        assert_eq!(f.rule, CloneRule::ImpossibleTravel);
        let saigon_later = LocatedScan {
            at: at(23, 0),
            point: HCMC,
        };
        assert!(check_travel(&[hanoi], &saigon_later, &t()).is_none());
        // Hòa Bình to Hà Nội (58 km) in 10 minutes is too fast, in 20 minutes
        // (174 km/h) not quite; the same place never is.
        let hoabinh = LocatedScan {
            at: at(8, 10),
            point: HOA_BINH,
        };
        assert!(check_travel(&[hanoi], &hoabinh, &t()).is_some());
        let later = LocatedScan {
            at: at(8, 20),
            ..hoabinh
        };
        assert!(check_travel(&[hanoi], &later, &t()).is_none());
        let same = LocatedScan {
            at: at(8, 1),
            point: HA_NOI,
        };
        assert!(check_travel(&[hanoi], &same, &t()).is_none());
    }

    #[test]
    fn after_sale() {
        let sale = Sale {
            at: at(10, 0),
            point: HOA_BINH,
            shop: "WinMart".into(),
        };
        let near = LocatedScan {
            at: at(12, 0),
            point: GeoPoint {
                latitude: 20.85,
                longitude: 105.30,
            },
        };
        assert!(check_after_sale(&sale, &near, &t()).is_none());
        let far = LocatedScan {
            at: at(12, 0),
            point: HCMC,
        };
        assert!(check_after_sale(&sale, &far, &t()).is_some());
        let before = LocatedScan {
            at: at(9, 0),
            point: HCMC,
        };
        assert!(check_after_sale(&sale, &before, &t()).is_none());
    }
}
