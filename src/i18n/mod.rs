//! One catalogue of what people read, in Vietnamese (first) and English: the
//! scan page, the not-found page, the journey, the warnings and verdict
//! reasons a consumer or a supermarket sees, and the label text. Fixed texts
//! are constants; texts with values are functions. Pure: no I/O, no HTTP.
//!
//! To add a language, add a field to [`Text`] and an arm to each function:
//! the compiler then lists every text still missing.

use chrono::NaiveDate;

use crate::domain::batch::BatchStatus;
use crate::domain::certification::CertStatus;
use crate::domain::clone::CloneRule;
use crate::domain::ocop::RatingLevel;
use crate::domain::scan::Lang;
use crate::domain::site::{Farming, SiteStatus};
use crate::domain::supply::BizStep;
use crate::domain::verify::VerifyVerdict;

/// A fixed text in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub vi: &'static str,
    pub en: &'static str,
}

impl Text {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Vi => self.vi,
            Lang::En => self.en,
        }
    }
}

/// Pick the language's form of a text made with values.
fn pick(lang: Lang, vi: String, en: String) -> String {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

mod report;
mod sites;
pub use report::{report_intro, report_problem};
pub use sites::{area_warning, area_words, site_kind, site_warning};

macro_rules! texts {
    ($($(#[$doc:meta])* $name:ident: $vi:literal / $en:literal;)*) => {
        $($(#[$doc])* pub const $name: Text = Text { vi: $vi, en: $en };)*
        /// Every fixed text, by name, for the catalogue's own checks.
        pub const ALL_TEXTS: &[(&str, Text)] = &[$((stringify!($name), $name)),*];
    };
}

texts! {
    /// The link to the page in the other language, named in that language.
    OTHER_LANGUAGE: "English" / "Tiếng Việt";
    PAGE_TITLE_SUFFIX: "Truy xuất nguồn gốc" / "Product origin";
    VERDICT_AUTHENTIC: "✓ Mã truy xuất hợp lệ — sản phẩm đã được đăng ký" / "✓ Valid trace code — a registered product";
    VERDICT_RECALLED: "✗ SẢN PHẨM BỊ THU HỒI — không sử dụng" / "✗ PRODUCT RECALLED — do not use";
    VERDICT_CLONE: "! Cảnh báo: mã có thể bị sao chép" / "! Warning: this code may have been copied";
    VERDICT_EXPIRED: "! Sản phẩm đã quá hạn sử dụng" / "! Past its best-before date";
    VERDICT_WARNING: "! Mã hợp lệ, nhưng cần lưu ý" / "! Valid code, with a warning";
    VERDICT_LABEL_MISMATCH: "✗ Nhãn không khớp với mã — có thể là hàng giả" / "✗ The label does not match its code — it may be counterfeit";
    LABEL_MISMATCH_WARNING: "Mã sản phẩm (GTIN) hoặc số lô in trên nhãn này không thuộc về mã truy xuất này — nhãn có thể là hàng giả. Không sử dụng sản phẩm và báo cho cửa hàng." / "The product number (GTIN) or lot on this label does not belong to this code — the label may be counterfeit. Do not use the product; tell the shop.";
    STARS: "sao" / "stars";
    NO_OCOP_RATING: "Sản phẩm chưa được xếp hạng OCOP." / "The product has no OCOP rating.";
    NAME: "Tên" / "Name";
    ADDRESS: "Địa chỉ" / "Address";
    PHONE: "Điện thoại" / "Phone";
    AREA_CODE: "Mã vùng trồng" / "Area code";
    FACILITY_CODE: "Mã cơ sở" / "Facility code";
    STATUS: "Trạng thái" / "Status";
    MARKET: "Thị trường" / "Market";
    CROP: "Cây trồng" / "Crop";
    RAISED: "Vật nuôi" / "Raised here";
    RAISING_AREA: "Vùng nuôi" / "Farming area";
    RAISING_AREA_CODE: "Mã vùng nuôi" / "Area code";
    PRODUCT: "Sản phẩm" / "Product";
    NET_CONTENT: "Quy cách, khối lượng tịnh" / "Net content";
    GTIN: "Mã số mã vạch (GTIN)" / "Barcode number (GTIN)";
    LOT: "Số lô" / "Lot";
    HARVESTED_ON: "Ngày thu hoạch" / "Harvested";
    PRODUCED_ON: "Ngày sản xuất" / "Produced";
    BEST_BEFORE: "Hạn sử dụng" / "Best before";
    PACKED_AT: "Cơ sở đóng gói" / "Packed at";
    PRODUCER: "Nhà sản xuất" / "Producer";
    FARMING_AREA: "Vùng trồng" / "Farming area";
    BATCH: "Lô hàng" / "Batch";
    CERTIFICATES: "Tiêu chuẩn, chứng nhận" / "Standards and certificates";
    CERT_VALID_UNTIL: "còn hiệu lực đến" / "valid until";
    CERT_NOT_VALID: "HẾT HIỆU LỰC" / "NOT VALID";
    STORY: "Câu chuyện sản phẩm" / "The product's story";
    JOURNEY: "Hành trình sản phẩm" / "The product's journey";
    TRACE_CODE: "Mã truy xuất" / "Trace code";
    SHARE_LOCATION: "📍 Chia sẻ vị trí mua (giúp phát hiện hàng giả)" / "📍 Share where you bought it (helps spot fakes)";
    THANK_YOU: "Cảm ơn bạn!" / "Thank you!";
    LOCATION_UNAVAILABLE: "Không lấy được vị trí." / "Location not available.";
    FOOTER: "Dữ liệu do nhà sản xuất và cơ quan quản lý OCOP cung cấp. Giờ Việt Nam (GMT+7)." / "Data from the producer and the OCOP authority. Times in Vietnam (GMT+7).";
    REPORT_LINK: "⚠ Báo hàng giả" / "⚠ Report a suspected fake";
    REPORT_HINT: "Nghi ngờ gói hàng này là hàng giả? Hãy cho nhà sản xuất và cơ quan quản lý biết." / "Think this package is a fake? Tell the producer and the authority.";
    REPORT_TITLE: "Báo hàng giả" / "Report a suspected fake";
    REPORT_WHERE: "Bạn mua ở đâu? (cửa hàng, chợ, địa chỉ)" / "Where did you buy it? (shop or market, address)";
    REPORT_NOTE: "Điều gì khiến bạn nghi ngờ?" / "What made you suspicious?";
    REPORT_PHOTO: "Ảnh gói hàng (JPEG hoặc PNG, tối đa 2 MB)" / "A photo of the package (JPEG or PNG, up to 2 MB)";
    REPORT_PHONE: "Số điện thoại, nếu bạn muốn được gọi lại" / "Your phone number, if you would like a call back";
    REPORT_OPTIONAL: "Mọi mục đều không bắt buộc." / "Every field is optional.";
    REPORT_SEND: "Gửi báo cáo" / "Send the report";
    REPORT_PRIVACY: "Chúng tôi không lưu địa chỉ IP của bạn. Ảnh được xử lý lại và xoá thông tin vị trí chụp." / "Your IP address is not stored. The photo is re-encoded and its location data removed.";
    REPORT_THANKS: "Cảm ơn bạn! Báo cáo đã được gửi tới nhà sản xuất và cơ quan quản lý OCOP tỉnh." / "Thank you! Your report has gone to the producer and the provincial OCOP authority.";
    REPORT_THANKS_PHONE: "Nếu bạn để lại số điện thoại, họ có thể gọi lại cho bạn. Trong lúc chờ, đừng sử dụng sản phẩm." / "If you left a phone number, they may call you back. Meanwhile, do not use the product.";
    REPORT_FIX: "Vui lòng sửa các mục được đánh dấu." / "Please correct the marked fields.";
    REPORT_TOO_MANY: "Bạn vừa gửi nhiều báo cáo. Hãy thử lại sau ít phút." / "You have just sent several reports. Please try again in a few minutes.";
    BACK_TO_PRODUCT: "← Quay lại trang sản phẩm" / "← Back to the product page";
    LANDING_TITLE: "Truy xuất nguồn gốc sản phẩm OCOP" / "OCOP product traceability";
    LANDING_INTRO: "Mỗi gói sản phẩm OCOP (Chương trình Mỗi xã một sản phẩm) có một mã truy xuất riêng, in dưới mã QR trên nhãn. Quét mã QR bằng camera điện thoại, hoặc nhập mã vào ô dưới đây, để biết ai làm ra sản phẩm, từ vùng trồng nào, lô nào, được mấy sao OCOP và còn hiệu lực hay không." / "Every package of an OCOP product (Vietnam's One Commune, One Product programme) has its own trace code, printed under the QR symbol on its label. Scan the QR with your phone's camera, or type the code below, to see who made the product, from which farming area and lot, how many OCOP stars it holds and whether they are still valid.";
    LANDING_CODE_LABEL: "Mã in dưới mã QR (13 ký tự, có hoặc không có dấu gạch)" / "The code under the QR (13 characters, with or without hyphens)";
    LANDING_CHECK: "Kiểm tra" / "Check";
    LANDING_HOW_TITLE: "Kết quả có nghĩa là gì?" / "What the answer means";
    LANDING_HOW_VALID: "Mã hợp lệ: trang sản phẩm hiện ra với nhà sản xuất, vùng trồng, lô hàng và hành trình của gói hàng." / "A valid code opens the product's page: its producer, farming area, lot and the package's journey.";
    LANDING_HOW_WARNING: "Trang cảnh báo rõ khi lô hàng bị thu hồi, quá hạn sử dụng, vùng trồng bị đình chỉ hoặc sao OCOP đã hết hạn." / "The page warns plainly when the lot was recalled or is past its best-before date, the farming area is suspended, or the OCOP stars have expired.";
    LANDING_HOW_UNKNOWN: "Mã không có trong hệ thống: sản phẩm có thể là hàng giả — chưa sử dụng và báo cho cửa hàng." / "A code that is not registered: the product may be counterfeit — do not use it yet, and tell the shop.";
    MISTYPED_CODE: "Có một ký tự bị gõ sai — hãy kiểm tra lại mã in dưới mã QR." / "One character is mistyped — check the code under the QR.";
    NOT_A_CODE: "Đây không phải là mã truy xuất: mã gồm 13 chữ cái và chữ số, ví dụ {example}." / "This is not a trace code: a code has 13 letters and digits, like {example}.";
    MISTYPED_CODE_TITLE: "Mã bị gõ sai" / "Mistyped code";
    MISTYPED_CODE_HEADLINE: "! Mã có một ký tự bị sai" / "! One character of this code is wrong";
    TYPE_AGAIN: "Nhập lại mã" / "Type the code again";
    UNKNOWN_CODE_TITLE: "Mã không hợp lệ" / "Unknown code";
    UNKNOWN_CODE_HEADLINE: "✗ Mã không có trong hệ thống" / "✗ This code is not registered";
    UNKNOWN_CODE_EXPLANATION: "Mã này không có trong hệ thống truy xuất. Sản phẩm có thể là hàng giả, hoặc mã bị in, nhập sai." / "This code is not registered. The product may be counterfeit, or the code was printed or typed wrongly.";
    WHAT_TO_DO: "Bạn nên làm gì?" / "What to do";
    CHECK_THE_CODE: "Kiểm tra mã in dưới mã QR và quét lại." / "Check the code printed under the QR symbol and scan again.";
    DO_NOT_USE_YET: "Chưa sử dụng sản phẩm khi chưa rõ nguồn gốc." / "Do not eat or use the product until its origin is clear.";
    REPORT_IT: "Báo cho cửa hàng và báo cơ quan quản lý thị trường hoặc Sở Nông nghiệp tỉnh." / "Tell the shop, and report it to the provincial Department of Agriculture or market surveillance.";
    HARVESTED: "Thu hoạch" / "Harvested";
    PROCESSED_AND_PACKED: "Sơ chế, đóng gói" / "Processed and packed";
    AREA_SUSPENDED_ADVICE: "Chưa nên dùng sản phẩm cho đến khi có thông tin mới; hỏi cửa hàng hoặc nhà sản xuất." / "Better not use the product until there is news; ask the shop or the producer.";
    RATING_EXPIRED_WARNING: "Chứng nhận OCOP của sản phẩm đã hết hạn; sản phẩm hiện không được công nhận sao OCOP." / "The product's OCOP certificate has expired; it currently holds no OCOP stars.";
    PACKING_FACILITY: "Cơ sở sơ chế, đóng gói" / "Packing facility";
    GLN: "Mã địa điểm GS1 (GLN)" / "GS1 location number (GLN)";
    COMMUNE: "Xã, phường" / "Commune";
    DISTRICT: "Huyện" / "District";
    PROVINCE: "Tỉnh" / "Province";
    VALID_UNTIL: "Hiệu lực đến" / "Valid until";
    REASON: "Lý do" / "Reason";
    SINCE: "Từ ngày" / "Since";
    /// The word before the lot number on a printed label (labels are in Vietnamese).
    LABEL_LOT: "Lô" / "Lot";
    LABEL_BEST_BEFORE: "HSD" / "Best before";
    LABEL_UNTIL: "đến" / "until";
    LABEL_PROMPT: "Quét mã để truy xuất nguồn gốc" / "Scan to trace its origin";
    PRINT_CHECK_TITLE: "Trang kiểm tra máy in" / "Printer check page";
    PRINT_CHECK_STEP_SIZE: "1. In ở chế độ Kích thước thực (Actual size, 100 %), không chọn Vừa trang (Fit to page)." / "1. Print at Actual size (100 %), not Fit to page.";
    PRINT_CHECK_STEP_RULER: "2. Đo thước dưới đây bằng thước thật: phải dài đúng 100 mm." / "2. Measure the ruler below with a real ruler: it must be exactly 100 mm.";
    PRINT_CHECK_STEP_SCAN: "3. Quét mã QR của nhãn mẫu bằng điện thoại: trang sản phẩm phải hiện ra." / "3. Scan the sample label's QR with a phone: the product's page must open.";
    PRINT_CHECK_SAMPLE: "Nhãn mẫu, đúng kích thước:" / "Sample label, actual size:";
    CONSOLE_SIGN_IN_TITLE: "Đăng nhập trang quản lý OCOP" / "Sign in to the OCOP console";
    CONSOLE_SIGN_IN_INTRO: "Dành cho cơ sở sản xuất, cơ quan quản lý và siêu thị: quản lý sản phẩm, lô hàng, mã truy xuất và kiểm tra hàng nhập." / "For producers, the authority and supermarkets: products, batches, trace codes and delivery checks.";
    CONSOLE_KEY_LABEL: "Khóa API" / "API key";
    CONSOLE_KEY_HINT: "Khóa bắt đầu bằng ocop_, được cấp một lần khi tạo. Mất khóa: liên hệ Sở Nông nghiệp để cấp khóa mới." / "The key starts with ocop_ and was shown once when it was created. Lost it? Ask the Department of Agriculture for a new one.";
    CONSOLE_KEY_MISSING: "Hãy nhập khóa API." / "Enter your API key.";
    CONSOLE_KEY_TOO_LONG: "Khóa dài hơn mọi khóa API. Hãy dán đúng khóa đã được cấp." / "Longer than any API key. Paste the key you were given.";
    CONSOLE_KEY_UNKNOWN: "Khóa này không đúng hoặc đã bị thu hồi. Kiểm tra lại từng ký tự." / "This key is wrong or was revoked. Check it character by character.";
    CONSOLE_SIGN_IN: "Đăng nhập" / "Sign in";
    CONSOLE_SIGN_OUT: "Đăng xuất" / "Sign out";
    CONSOLE_TITLE: "Trang quản lý OCOP" / "OCOP console";
    CONSOLE_ROLE_ADMIN: "Quản trị hệ thống" / "Administrator";
    CONSOLE_ROLE_AUTHORITY: "Cơ quan quản lý" / "Authority";
    CONSOLE_ROLE_PRODUCER: "Cơ sở sản xuất" / "Producer";
    CONSOLE_ROLE_RETAILER: "Siêu thị, cửa hàng" / "Retailer";
    CONSOLE_PRODUCTS: "Sản phẩm" / "Products";
    CONSOLE_PRODUCT_NAME: "Tên sản phẩm" / "Product";
    CONSOLE_PRODUCT_STARS: "Hạng OCOP · hiệu lực đến" / "OCOP stars · valid until";
    CONSOLE_NO_PRODUCTS: "Chưa có sản phẩm nào." / "No products yet.";
    CONSOLE_BATCHES: "Lô hàng" / "Batches";
    CONSOLE_BATCH_LOT: "Số lô" / "Lot";
    CONSOLE_BATCH_STATUS: "Tình trạng" / "Status";
    CONSOLE_NO_BATCHES: "Chưa có lô hàng nào." / "No batches yet.";
    CONSOLE_BATCH_ACTIVE: "Đang lưu hành" / "On sale";
    CONSOLE_BATCH_RECALLED: "Đã thu hồi" / "Recalled";
    CONSOLE_BATCH_CLOSED: "Đã đóng" / "Closed";
    CONSOLE_PRODUCER: "Cơ sở sản xuất" / "Producer";
    CONSOLE_PHONE: "Điện thoại" / "Phone";
    CONSOLE_EXPIRES: "Hết hạn" / "Expires";
    CONSOLE_CODES_AFTER_EXPIRY: "Mã in sau khi hết hạn" / "Codes issued after expiry";
    CONSOLE_NO_RATINGS_DUE: "Không có hạng OCOP nào hết hạn hoặc sắp hết hạn." / "No OCOP rating has expired or ends soon.";
}

/// The heading of the authority's list of ratings to renew.
pub fn console_ratings_due(window_days: u32, lang: Lang) -> String {
    pick(
        lang,
        format!("Hạng OCOP đã hết hạn hoặc hết hạn trong {window_days} ngày tới"),
        format!("OCOP ratings expired or ending within {window_days} days"),
    )
}

/// A batch's status as the console shows it.
pub fn console_batch_status(status: BatchStatus, lang: Lang) -> &'static str {
    match status {
        BatchStatus::Active => CONSOLE_BATCH_ACTIVE.get(lang),
        BatchStatus::Recalled => CONSOLE_BATCH_RECALLED.get(lang),
        BatchStatus::Closed => CONSOLE_BATCH_CLOSED.get(lang),
    }
}

pub fn site_status(status: SiteStatus, lang: Lang) -> &'static str {
    let text = match status {
        SiteStatus::Active => Text {
            vi: "Đang hiệu lực",
            en: "Active",
        },
        SiteStatus::Suspended => Text {
            vi: "TẠM ĐÌNH CHỈ",
            en: "SUSPENDED",
        },
        SiteStatus::Revoked => Text {
            vi: "ĐÃ THU HỒI",
            en: "REVOKED",
        },
    };
    text.get(lang)
}

/// A farming area's market: `domestic`, or where it may export.
pub fn market(market: &str, lang: Lang) -> String {
    match market {
        "domestic" => Text {
            vi: "Trong nước",
            en: "Domestic",
        }
        .get(lang)
        .into(),
        code => {
            // A stored code is one the service accepted; were the list of
            // countries to drop it, the code itself still says something.
            let (vi, en) = crate::domain::site::country_names(code).unwrap_or((code, code));
            pick(lang, format!("Xuất khẩu: {vi}"), format!("Export: {en}"))
        }
    }
}

pub fn rating_level(level: RatingLevel, lang: Lang) -> &'static str {
    let text = match level {
        RatingLevel::National => Text {
            vi: "cấp quốc gia",
            en: "national level",
        },
        RatingLevel::Provincial => Text {
            vi: "cấp tỉnh",
            en: "provincial level",
        },
    };
    text.get(lang)
}

/// A date as people in Vietnam write it (also on the English page: the
/// dates printed on the package are written so).
pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

pub fn ocop_valid(
    lang: Lang,
    stars: u8,
    level: RatingLevel,
    certificate: &str,
    until: NaiveDate,
) -> String {
    let level = rating_level(level, lang);
    let until = date(until);
    pick(
        lang,
        format!(
            "Sản phẩm OCOP {stars} sao ({level}), quyết định số {certificate}, hiệu lực đến {until}"
        ),
        format!(
            "{stars}-star OCOP product ({level}), certificate {certificate}, valid until {until}"
        ),
    )
}

pub fn ocop_expired(lang: Lang, certificate: &str, on: NaiveDate) -> String {
    let on = date(on);
    pick(
        lang,
        format!(
            "Chứng nhận OCOP số {certificate} đã HẾT HẠN ngày {on}: hiện không được công nhận sao."
        ),
        format!("OCOP certificate {certificate} EXPIRED on {on}: no stars are held now."),
    )
}

pub fn certificate_state(lang: Lang, number: &str, status: CertStatus, until: NaiveDate) -> String {
    match status {
        CertStatus::Valid => format!("{number} — {} {}", CERT_VALID_UNTIL.get(lang), date(until)),
        _ => format!("{number} — {}", CERT_NOT_VALID.get(lang)),
    }
}

pub fn scans_line(lang: Lang, views: i64) -> String {
    pick(
        lang,
        format!("Đã quét {views} lần"),
        format!("Scanned {views} time(s)"),
    )
}

/// How the consumer's page names a supply-chain step.
pub fn biz_step(step: BizStep, lang: Lang) -> &'static str {
    let text = match step {
        BizStep::Commissioning => Text {
            vi: "Cấp mã truy xuất",
            en: "Trace codes issued",
        },
        BizStep::Packing => Text {
            vi: "Đóng gói",
            en: "Packed",
        },
        BizStep::Shipping => Text {
            vi: "Xuất hàng, vận chuyển",
            en: "Shipped",
        },
        BizStep::Receiving => Text {
            vi: "Nhận hàng",
            en: "Received",
        },
        BizStep::Storing => Text {
            vi: "Lưu kho",
            en: "Stored",
        },
        BizStep::Stocking => Text {
            vi: "Lên kệ",
            en: "On the shelf",
        },
        BizStep::RetailSelling => Text {
            vi: "Đã bán cho người tiêu dùng",
            en: "Sold to a consumer",
        },
        BizStep::Inspecting => Text {
            vi: "Kiểm tra",
            en: "Inspected",
        },
        BizStep::Holding => Text {
            vi: "Tạm giữ",
            en: "Held",
        },
        BizStep::Destroying => Text {
            vi: "Tiêu hủy",
            en: "Destroyed",
        },
        BizStep::Recalling => Text {
            vi: "Thu hồi",
            en: "Recalled",
        },
    };
    text.get(lang)
}

/// What the consumer's page says of a confirmed clone alert, in plain words.
pub fn clone_warning(rule: CloneRule, lang: Lang) -> &'static str {
    let text = match rule {
        CloneRule::ScanCount => Text {
            vi: "Mã này đã được quét quá nhiều lần. Mỗi gói hàng có một mã riêng: nhãn có thể bị sao chép.",
            en: "This code has been scanned too many times. Every package has its own code: the label may have been copied.",
        },
        CloneRule::ImpossibleTravel => Text {
            vi: "Mã này vừa được quét ở hai nơi cách xa nhau trong thời gian rất ngắn. Có thể có nhãn giả mang cùng mã. Hãy hỏi cửa hàng hoặc báo cho cơ quan quản lý.",
            en: "This code was scanned in two places far apart within a very short time. A fake label may carry the same code. Ask the shop or tell the authority.",
        },
        CloneRule::AfterSale => Text {
            vi: "Gói hàng mang mã này đã được bán ở một cửa hàng khác, ở nơi xa đây. Nhãn có thể bị sao chép. Hãy hỏi cửa hàng hoặc báo cho cơ quan quản lý.",
            en: "The package with this code was already sold by a shop far from here. The label may have been copied. Ask the shop or tell the authority.",
        },
        CloneRule::CounterfeitReport => Text {
            vi: "Người mua đã báo gói hàng mang mã này là hàng giả, và nhà sản xuất hoặc cơ quan quản lý đã xác nhận. Không sử dụng sản phẩm; hãy báo cho cửa hàng.",
            en: "Shoppers reported the package with this code as a fake, and the producer or the authority confirmed it. Do not use the product; tell the shop.",
        },
    };
    text.get(lang)
}

pub fn recall_warning(lang: Lang, reason: &str) -> String {
    pick(
        lang,
        format!("Lô hàng này đã bị THU HỒI. Không sử dụng sản phẩm. Lý do: {reason}"),
        format!("This batch has been RECALLED. Do not use the product. Reason: {reason}"),
    )
}

/// A label named a serial that is not one of our codes; the resolver walked
/// up to the product or batch the label also names.
pub fn unknown_serial_warning(lang: Lang, serial: &str) -> String {
    pick(
        lang,
        format!(
            "Mã {serial} in trên nhãn KHÔNG có trong hệ thống — sản phẩm có thể là hàng giả. \
             Dưới đây là thông tin của sản phẩm mà nhãn ghi, không phải của gói hàng bạn cầm. \
             Chưa sử dụng sản phẩm; báo cho cửa hàng."
        ),
        format!(
            "The code {serial} on this label is NOT registered — the product may be counterfeit. \
             Below are the facts of the product the label names, not of the package in your hand. \
             Do not use it yet; tell the shop."
        ),
    )
}

/// Past its best-before day.
pub fn expired_warning(lang: Lang, best_before: NaiveDate) -> String {
    pick(
        lang,
        format!(
            "Sản phẩm đã QUÁ HẠN sử dụng (sử dụng tốt nhất trước {}). Không nên dùng; báo cho cửa hàng.",
            date(best_before)
        ),
        format!(
            "This product is PAST its best-before date ({}). Better not use it; tell the shop.",
            date(best_before)
        ),
    )
}

/// The facts a verification's reasons name, when there are any.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReasonFacts<'a> {
    pub recall_reason: &'a str,
    pub area_code: &'a str,
    /// What the area farms: a "vùng nuôi" is not called a "vùng trồng".
    pub farming: Option<Farming>,
    /// Why and since when the farming area is suspended or revoked.
    pub area_change: Option<(&'a str, NaiveDate)>,
    pub best_before: Option<NaiveDate>,
}

/// Why a supermarket's verification gave its verdict.
pub fn verify_reason(verdict: VerifyVerdict, lang: Lang, facts: ReasonFacts) -> String {
    let (recall_reason, area_code) = (facts.recall_reason, facts.area_code);
    let area = area_words(facts.farming, Lang::Vi).0;
    let fixed = |vi: &str, en: &str| pick(lang, vi.to_owned(), en.to_owned());
    match verdict {
        VerifyVerdict::Unknown => fixed(
            "Mã không có trong hệ thống: hàng có thể là giả.",
            "Not a registered code: the package may be counterfeit.",
        ),
        VerifyVerdict::Recalled => pick(
            lang,
            format!("Lô hàng đã bị thu hồi: {recall_reason}"),
            format!("The batch was recalled: {recall_reason}"),
        ),
        VerifyVerdict::AreaSuspended => match facts.area_change {
            Some((reason, since)) => pick(
                lang,
                format!(
                    "{area} {area_code} bị đình chỉ hoặc thu hồi mã từ {}: {reason}",
                    date(since)
                ),
                format!(
                    "Farming area {area_code} suspended or revoked since {}: {reason}",
                    date(since)
                ),
            ),
            None => pick(
                lang,
                format!("{area} {area_code} đang bị đình chỉ hoặc đã bị thu hồi mã."),
                format!("Farming area {area_code} is suspended or revoked."),
            ),
        },
        VerifyVerdict::Expired => match facts.best_before {
            Some(best) => pick(
                lang,
                format!(
                    "Lô hàng đã quá hạn sử dụng (tốt nhất trước {}).",
                    date(best)
                ),
                format!("The batch is past its best-before date ({}).", date(best)),
            ),
            None => fixed(
                "Lô hàng đã quá hạn sử dụng.",
                "The batch is past its best-before date.",
            ),
        },
        VerifyVerdict::RatingExpired => fixed(
            "Chứng nhận OCOP của sản phẩm đã hết hạn.",
            "The product's OCOP rating has expired.",
        ),
        VerifyVerdict::SuspectedClone => fixed(
            "Mã có dấu hiệu bị sao chép (xem cảnh báo).",
            "The code looks copied (see the alerts).",
        ),
        VerifyVerdict::AlreadySold => fixed(
            "Gói hàng này đã được bán lẻ cho người tiêu dùng.",
            "This package was already sold to a consumer.",
        ),
        VerifyVerdict::Authentic => fixed(
            "Mã hợp lệ, nguồn gốc đầy đủ.",
            "Registered code with full provenance.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    fn nfc(s: &str) -> bool {
        s.nfc().collect::<String>() == s
    }

    #[test]
    fn every_fixed_text_is_written_in_both_languages_in_nfc() {
        for (name, text) in ALL_TEXTS {
            assert!(
                !text.vi.trim().is_empty() && !text.en.trim().is_empty(),
                "{name}"
            );
            assert!(nfc(text.vi) && nfc(text.en), "{name} is not NFC");
            assert_ne!(text.vi, text.en, "{name} is not translated");
        }
    }

    #[test]
    fn texts_with_values_differ_by_language_and_carry_the_values() {
        let until = NaiveDate::from_ymd_opt(2027, 9, 15).expect("date");
        let vi = ocop_valid(Lang::Vi, 4, RatingLevel::Provincial, "123/QĐ-UBND", until);
        let en = ocop_valid(Lang::En, 4, RatingLevel::Provincial, "123/QĐ-UBND", until);
        assert!(vi.contains("4 sao") && vi.contains("cấp tỉnh") && vi.contains("15/09/2027"));
        assert!(en.contains("4-star") && en.contains("provincial") && en.contains("123/QĐ-UBND"));
        for step in BizStep::ALL {
            assert_ne!(biz_step(step, Lang::Vi), biz_step(step, Lang::En));
            assert!(nfc(biz_step(step, Lang::Vi)));
        }
        for rule in CloneRule::ALL {
            assert_ne!(clone_warning(rule, Lang::Vi), clone_warning(rule, Lang::En));
        }
        let facts = ReasonFacts {
            recall_reason: "dư lượng",
            area_code: "VN-1",
            farming: Some(Farming::Bees),
            area_change: Some((
                "dư lượng kháng sinh",
                NaiveDate::from_ymd_opt(2026, 11, 12).expect("date"),
            )),
            best_before: NaiveDate::from_ymd_opt(2026, 11, 20),
        };
        for verdict in VerifyVerdict::ALL {
            let (vi, en) = (
                verify_reason(verdict, Lang::Vi, facts),
                verify_reason(verdict, Lang::En, facts),
            );
            assert_ne!(vi, en);
            assert!(nfc(&vi));
        }
        assert!(verify_reason(VerifyVerdict::Recalled, Lang::Vi, facts).ends_with("dư lượng"));
        let suspended = verify_reason(VerifyVerdict::AreaSuspended, Lang::Vi, facts);
        assert!(
            suspended.contains("12/11/2026") && suspended.contains("kháng sinh"),
            "{suspended}"
        );
        assert!(verify_reason(VerifyVerdict::Expired, Lang::En, facts).contains("20/11/2026"));
        assert!(
            area_warning(Lang::En, None, "VN-HBOR-0019", SiteStatus::Revoked, None)
                .contains("revoked")
        );
        let why = area_warning(
            Lang::Vi,
            facts.farming,
            "VN-1",
            SiteStatus::Suspended,
            facts.area_change,
        );
        assert!(why.starts_with("Vùng nuôi VN-1"), "bees are raised: {why}");
        assert!(suspended.starts_with("Vùng nuôi VN-1"), "{suspended}");
        assert!(
            why.contains("Lý do: dư lượng kháng sinh") && why.contains("12/11/2026"),
            "{why}"
        );
        assert_eq!(market("JP", Lang::Vi), "Xuất khẩu: Nhật Bản");
        assert_eq!(market("JP", Lang::En), "Export: Japan");
        assert_eq!(market("EU", Lang::Vi), "Xuất khẩu: Liên Minh Châu Âu");
    }
}
