//! Clone detection: signs that one printed code is on more than one package.
//! Each rule is a pure function of what is known about the code's scans.
//!
//! The evidence is counted in distinct clients (the salted daily hash of a
//! client's address), never in requests: one person, or one script, scanning
//! again and again or posting far-apart locations proves nothing. A rule's
//! first finding is a *watch*, seen by the producer and the authority only;
//! consumers and shops are told "suspected copy" once the rule has seen
//! enough distinct clients, or the producer or the authority confirmed it.

use std::collections::HashSet;

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
    /// Consumers reported the package as a suspected fake from its scan
    /// page. Stays a watch until the producer or the authority confirms
    /// it: reports alone never warn other shoppers (a rival could send them).
    CounterfeitReport,
}

impl CloneRule {
    pub const ALL: [CloneRule; 4] = [
        Self::ScanCount,
        Self::ImpossibleTravel,
        Self::AfterSale,
        Self::CounterfeitReport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ScanCount => "scan_count",
            Self::ImpossibleTravel => "impossible_travel",
            Self::AfterSale => "after_sale",
            Self::CounterfeitReport => "counterfeit_report",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }
}

/// Distinct clients whose located scans confirm a travel or after-sale finding.
pub const CONFIRMING_CLIENTS: usize = 3;

/// Where an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Raised on thin evidence: for the producer and the authority to look at.
    Watch,
    /// Enough distinct clients, or the producer or authority said so: the
    /// code is shown to consumers and shops as a suspected copy.
    Confirmed,
    /// The producer or the authority looked and found nothing wrong.
    Dismissed,
}

impl AlertStatus {
    pub const ALL: [AlertStatus; 3] = [Self::Watch, Self::Confirmed, Self::Dismissed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Watch => "watch",
            Self::Confirmed => "confirmed",
            Self::Dismissed => "dismissed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// The status after a rule fires again with `found` (never lowers one,
    /// never reopens one a person dismissed). `None`: no change.
    pub fn after_finding(self, found: AlertStatus) -> Option<AlertStatus> {
        (self == Self::Watch && found == Self::Confirmed).then_some(Self::Confirmed)
    }
}

/// Thresholds, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct CloneThresholds {
    /// Views of one code beyond which it is watched; confirmed a copy when
    /// more distinct clients than this viewed it.
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

/// A scan with a shared location, and who sent it (the daily client hash).
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedScan {
    pub at: NaiveDateTime,
    pub point: GeoPoint,
    pub client: String,
}

/// A finding of a rule, with the numbers behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: CloneRule,
    pub detail: String,
    /// Distinct clients behind the evidence.
    pub clients: usize,
}

impl Finding {
    /// How far the rule's own evidence goes: a watch, or confirmed by
    /// enough distinct clients.
    pub fn status(&self, t: &CloneThresholds) -> AlertStatus {
        let enough = match self.rule {
            CloneRule::ScanCount => i64::try_from(self.clients).unwrap_or(i64::MAX) > t.max_views,
            CloneRule::ImpossibleTravel | CloneRule::AfterSale => {
                self.clients >= CONFIRMING_CLIENTS
            }
            CloneRule::CounterfeitReport => false,
        };
        if enough {
            AlertStatus::Confirmed
        } else {
            AlertStatus::Watch
        }
    }
}

/// Too many views: watched beyond the threshold of views, confirmed when
/// the distinct clients alone exceed it.
pub fn check_scan_count(views: i64, distinct_clients: i64, t: &CloneThresholds) -> Option<Finding> {
    (views > t.max_views).then(|| Finding {
        rule: CloneRule::ScanCount,
        detail: format!(
            "{views} consumer views by {distinct_clients} distinct clients (threshold {})",
            t.max_views
        ),
        clients: usize::try_from(distinct_clients).unwrap_or(0),
    })
}

/// Should a view that moved the code's count from `before` to `views` look
/// at the code's distinct clients? The first view beyond the threshold
/// does, then views 10, 20, 40, 80… beyond it: a heavily scanned code costs
/// a handful of reads, not one per ten views. A count that jumped (other
/// nodes' views, learnt at a flush) looks once for every point it passed.
pub fn time_to_count_clients(before: i64, views: i64, threshold: i64) -> bool {
    let first = threshold.saturating_add(1);
    let mut checkpoint = first;
    let mut step: i64 = 10;
    while checkpoint <= views {
        if checkpoint > before {
            return true;
        }
        let (Some(next), Some(next_step)) = (first.checked_add(step), step.checked_mul(2)) else {
            return false;
        };
        (checkpoint, step) = (next, next_step);
    }
    false
}

/// Travel between two scans faster than any package moves, in (km, seconds, km/h).
fn implausible_travel(
    a: &LocatedScan,
    b: &LocatedScan,
    t: &CloneThresholds,
) -> Option<(f64, f64, f64)> {
    if a.client == b.client {
        return None;
    }
    let km = distance_km(a.point, b.point);
    if km < t.min_distance_km {
        return None;
    }
    let seconds = (b.at - a.at).num_seconds().abs().max(1) as f64;
    let kmh = km / (seconds / 3600.0);
    (kmh > t.max_speed_kmh).then_some((km, seconds, kmh))
}

/// Does the new located scan, with an earlier one of another client, imply
/// a travel speed no package has? The pair with the highest speed is
/// reported; the clients counted are all those in any such pair among the
/// recent located scans.
pub fn check_travel(
    recent: &[LocatedScan],
    new: &LocatedScan,
    t: &CloneThresholds,
) -> Option<Finding> {
    let (km, seconds, kmh) = recent
        .iter()
        .filter_map(|prev| implausible_travel(prev, new, t))
        .max_by(|a, b| a.2.total_cmp(&b.2))?;
    let mut all: Vec<&LocatedScan> = recent.iter().collect();
    all.push(new);
    let mut clients: HashSet<&str> = HashSet::new();
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            if implausible_travel(a, b, t).is_some() {
                clients.insert(&a.client);
                clients.insert(&b.client);
            }
        }
    }
    Some(Finding {
        rule: CloneRule::ImpossibleTravel,
        detail: format!(
            "scanned {km:.0} km apart within {:.0} minutes ({kmh:.0} km/h, limit {:.0} km/h) by {} distinct clients",
            seconds / 60.0,
            t.max_speed_kmh,
            clients.len()
        ),
        clients: clients.len(),
    })
}

/// A sale that has coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Sale {
    pub at: NaiveDateTime,
    pub point: GeoPoint,
    pub shop: String,
}

fn far_after_sale(sale: &Sale, scan: &LocatedScan, t: &CloneThresholds) -> Option<f64> {
    let km = distance_km(sale.point, scan.point);
    (scan.at >= sale.at && km > t.sold_radius_km).then_some(km)
}

/// Scanned, after the sale, farther from the shop than a consumer takes it
/// home. The clients counted are all those that did so among the recent
/// located scans.
pub fn check_after_sale(
    sale: &Sale,
    recent: &[LocatedScan],
    new: &LocatedScan,
    t: &CloneThresholds,
) -> Option<Finding> {
    let km = far_after_sale(sale, new, t)?;
    let clients: HashSet<&str> = recent
        .iter()
        .chain(std::iter::once(new))
        .filter(|scan| far_after_sale(sale, scan, t).is_some())
        .map(|scan| scan.client.as_str())
        .collect();
    Some(Finding {
        rule: CloneRule::AfterSale,
        detail: format!(
            "scanned {km:.0} km from {} after it was sold there (radius {:.0} km) by {} distinct clients",
            sale.shop,
            t.sold_radius_km,
            clients.len()
        ),
        clients: clients.len(),
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

    fn scan(h: u32, m: u32, point: GeoPoint, client: &str) -> LocatedScan {
        LocatedScan {
            at: at(h, m),
            point,
            client: client.into(),
        }
    }

    #[test]
    fn scan_count_is_watched_on_views_and_confirmed_on_clients() {
        assert!(check_scan_count(50, 50, &t()).is_none());
        let one_client = check_scan_count(52, 1, &t()).expect("watch");
        assert_eq!(one_client.rule, CloneRule::ScanCount);
        assert_eq!(one_client.status(&t()), AlertStatus::Watch);
        assert_eq!(
            check_scan_count(60, 50, &t()).map(|f| f.status(&t())),
            Some(AlertStatus::Watch)
        );
        assert_eq!(
            check_scan_count(60, 51, &t()).map(|f| f.status(&t())),
            Some(AlertStatus::Confirmed)
        );
    }

    #[test]
    fn distinct_clients_are_counted_ever_more_rarely() {
        let checked: Vec<i64> = (1..=400)
            .filter(|v| time_to_count_clients(v - 1, *v, 50))
            .collect();
        assert_eq!(checked, [51, 61, 71, 91, 131, 211, 371]);
    }

    #[test]
    fn a_count_that_jumped_looks_once_for_the_points_it_passed() {
        assert!(time_to_count_clients(40, 55, 50), "passed 51");
        assert!(time_to_count_clients(55, 75, 50), "passed 61 and 71");
        assert!(!time_to_count_clients(62, 70, 50), "between 61 and 71");
        assert!(
            !time_to_count_clients(10, 50, 50),
            "not beyond the threshold"
        );
        assert!(!time_to_count_clients(371, 371, 50), "no view counted");
        assert!(time_to_count_clients(0, i64::MAX, 50));
        assert!(
            !time_to_count_clients(i64::MAX - 1, i64::MAX, 50),
            "far beyond the last point"
        );
    }

    proptest::proptest! {
        /// A jump looks exactly when one of the single steps it stands for would have.
        #[test]
        fn a_jump_looks_when_one_of_its_steps_would(before in 0i64..5_000, jump in 0i64..2_000, threshold in 0i64..500) {
            let views = before + jump;
            let stepwise = (before + 1..=views).any(|v| time_to_count_clients(v - 1, v, threshold));
            proptest::prop_assert_eq!(time_to_count_clients(before, views, threshold), stepwise);
        }
    }

    #[test]
    fn travel() {
        let hanoi = scan(8, 0, HA_NOI, "a");
        let saigon_soon = scan(9, 0, HCMC, "b");
        let f = check_travel(std::slice::from_ref(&hanoi), &saigon_soon, &t())
            .expect("1,140 km in an hour");
        assert_eq!(f.rule, CloneRule::ImpossibleTravel);
        assert_eq!((f.clients, f.status(&t())), (2, AlertStatus::Watch));
        let saigon_later = scan(23, 0, HCMC, "b");
        assert!(check_travel(std::slice::from_ref(&hanoi), &saigon_later, &t()).is_none());
        // Hòa Bình to Hà Nội (58 km) in 10 minutes is too fast, in 20 minutes
        // (174 km/h) not quite; the same place never is.
        let hoabinh = scan(8, 10, HOA_BINH, "c");
        assert!(check_travel(std::slice::from_ref(&hanoi), &hoabinh, &t()).is_some());
        let later = scan(8, 20, HOA_BINH, "c");
        assert!(check_travel(std::slice::from_ref(&hanoi), &later, &t()).is_none());
        let same = scan(8, 1, HA_NOI, "c");
        assert!(check_travel(std::slice::from_ref(&hanoi), &same, &t()).is_none());
    }

    #[test]
    fn one_client_posting_far_apart_places_proves_nothing() {
        let hanoi = scan(8, 0, HA_NOI, "a");
        assert!(check_travel(std::slice::from_ref(&hanoi), &scan(8, 5, HCMC, "a"), &t()).is_none());
    }

    #[test]
    fn travel_is_confirmed_by_a_third_client() {
        let recent = [scan(8, 0, HA_NOI, "a"), scan(8, 30, HCMC, "b")];
        let f = check_travel(&recent, &scan(8, 40, HOA_BINH, "c"), &t()).expect("finding");
        assert_eq!((f.clients, f.status(&t())), (3, AlertStatus::Confirmed));
    }

    #[test]
    fn after_sale() {
        let sale = Sale {
            at: at(10, 0),
            point: HOA_BINH,
            shop: "WinMart".into(),
        };
        let near = scan(
            12,
            0,
            GeoPoint {
                latitude: 20.85,
                longitude: 105.30,
            },
            "a",
        );
        assert!(check_after_sale(&sale, &[], &near, &t()).is_none());
        let far = scan(12, 0, HCMC, "a");
        let f = check_after_sale(&sale, &[], &far, &t()).expect("far");
        assert_eq!(f.status(&t()), AlertStatus::Watch);
        let before = scan(9, 0, HCMC, "a");
        assert!(check_after_sale(&sale, &[], &before, &t()).is_none());
        // The same client again adds nothing; two more clients confirm.
        let again = check_after_sale(
            &sale,
            std::slice::from_ref(&far),
            &scan(12, 5, HCMC, "a"),
            &t(),
        )
        .expect("far");
        assert_eq!(again.clients, 1);
        let others = [far.clone(), scan(12, 10, HA_NOI, "b")];
        let f = check_after_sale(&sale, &others, &scan(13, 0, HCMC, "c"), &t()).expect("far");
        assert_eq!((f.clients, f.status(&t())), (3, AlertStatus::Confirmed));
    }

    #[test]
    fn a_status_only_rises_and_a_dismissal_stays() {
        use AlertStatus::*;
        assert_eq!(Watch.after_finding(Confirmed), Some(Confirmed));
        assert_eq!(Watch.after_finding(Watch), None);
        assert_eq!(Confirmed.after_finding(Watch), None);
        assert_eq!(Dismissed.after_finding(Confirmed), None);
    }
}
