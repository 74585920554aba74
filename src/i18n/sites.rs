//! How farming areas and packing facilities are named and warned about:
//! a place that raises animals, bees or fish is a "vùng nuôi".

use chrono::NaiveDate;

use super::*;
use crate::domain::site::{Farming, SiteKind, SiteStatus};

/// A farming area's heading, its code's label and what it farms: a place
/// that raises animals, bees or fish is a "vùng nuôi", not a "vùng trồng".
pub fn area_words(
    farming: Option<Farming>,
    lang: Lang,
) -> (&'static str, &'static str, &'static str) {
    if farming.is_some_and(Farming::raises_animals) {
        (
            RAISING_AREA.get(lang),
            RAISING_AREA_CODE.get(lang),
            RAISED.get(lang),
        )
    } else {
        (FARMING_AREA.get(lang), AREA_CODE.get(lang), CROP.get(lang))
    }
}

/// A site's kind, as a heading.
pub fn site_kind(kind: SiteKind, lang: Lang) -> &'static str {
    match kind {
        SiteKind::FarmingArea => FARMING_AREA.get(lang),
        SiteKind::PackingFacility => PACKING_FACILITY.get(lang),
    }
}

/// The farming area of a scanned code is suspended or revoked: by whom,
/// since when, why, and what to do.
pub fn area_warning(
    lang: Lang,
    farming: Option<Farming>,
    area_code: &str,
    status: SiteStatus,
    change: Option<(&str, NaiveDate)>,
) -> String {
    let mut text = site_warning(lang, SiteKind::FarmingArea, farming, area_code, status);
    if let Some((reason, since)) = change {
        text.push(' ');
        text.push_str(&pick(
            lang,
            format!("Từ ngày {}. Lý do: {reason}.", date(since)),
            format!("Since {}. Reason: {reason}.", date(since)),
        ));
    }
    text.push(' ');
    text.push_str(AREA_SUSPENDED_ADVICE.get(lang));
    text
}

/// A site the authority suspended or revoked, named by its code.
pub fn site_warning(
    lang: Lang,
    kind: SiteKind,
    farming: Option<Farming>,
    code: &str,
    status: SiteStatus,
) -> String {
    let revoked = status == SiteStatus::Revoked;
    let (vi_kind, en_kind) = match kind {
        SiteKind::FarmingArea => (area_words(farming, Lang::Vi).0, "The farming area"),
        SiteKind::PackingFacility => ("Cơ sở đóng gói", "The packing facility"),
    };
    pick(
        lang,
        format!(
            "{vi_kind} {code} {} bởi cơ quan quản lý.",
            if revoked {
                "đã bị thu hồi mã"
            } else {
                "đang bị tạm đình chỉ"
            }
        ),
        format!(
            "{en_kind} {code} {} by the authority.",
            if revoked {
                "has had its code revoked"
            } else {
                "is currently suspended"
            }
        ),
    )
}
