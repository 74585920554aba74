//! The counterfeit report form's sentences that carry values or depend on
//! what went wrong (its fixed texts are in the catalogue, `REPORT_*`).

use super::{Text, pick};
use crate::domain::counterfeit::ReportProblem;
use crate::domain::scan::Lang;

/// A counterfeit report's problem, as shown next to its field.
pub fn report_problem(problem: ReportProblem, lang: Lang) -> &'static str {
    let text = match problem {
        ReportProblem::WhereBought => Text {
            vi: "Tối đa 200 ký tự chữ.",
            en: "At most 200 characters of text.",
        },
        ReportProblem::Note => Text {
            vi: "Tối đa 1000 ký tự chữ.",
            en: "At most 1000 characters of text.",
        },
        ReportProblem::Phone => Text {
            vi: "Số điện thoại chưa đúng, ví dụ 0912 345 678.",
            en: "Not a Vietnamese phone number, e.g. 0912 345 678.",
        },
        ReportProblem::PhotoTooLarge => Text {
            vi: "Ảnh lớn hơn 2 MB. Hãy chọn ảnh nhỏ hơn.",
            en: "The photo is larger than 2 MB. Choose a smaller one.",
        },
        ReportProblem::PhotoUnreadable => Text {
            vi: "Không đọc được ảnh. Hãy gửi ảnh JPEG hoặc PNG.",
            en: "The photo can't be read. Send a JPEG or PNG.",
        },
    };
    text.get(lang)
}

/// The report form's opening line, naming the code.
pub fn report_intro(lang: Lang, code: &str) -> String {
    pick(
        lang,
        format!(
            "Bạn nghi ngờ gói hàng mang mã {code} là hàng giả? Báo cáo sẽ được gửi tới nhà sản xuất \
             và cơ quan quản lý OCOP tỉnh."
        ),
        format!(
            "Do you think the package with code {code} is a fake? Your report goes to the producer \
             and the provincial OCOP authority."
        ),
    )
}
