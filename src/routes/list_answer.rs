//! A list answered as JSON pages or, for a spreadsheet, as CSV: every list
//! of the API can be exported (`?format=csv` or `Accept: text/csv`).

use actix_web::HttpResponse;
use actix_web::http::header;
use serde::Serialize;
use serde_json::Value;

use crate::domain::pagination::{ListFormat, Paginated};
use crate::error::ApiError;

/// Answer `list` as asked; `name` names the CSV file (`{name}.csv`).
pub fn list_answer<T: Serialize>(
    format: ListFormat,
    name: &str,
    list: Paginated<T>,
) -> Result<HttpResponse, ApiError> {
    match format {
        ListFormat::Json => Ok(HttpResponse::Ok().json(list)),
        ListFormat::Csv => {
            let rows = list
                .items
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ApiError::internal(format!("list to CSV: {e}")))?;
            let body = csv_of(&rows).map_err(|e| ApiError::internal(format!("CSV: {e}")))?;
            let file = if list.page > 1 {
                format!("{name}-page-{}.csv", list.page)
            } else {
                format!("{name}.csv")
            };
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ))
                .insert_header(("X-Total-Count", list.total.to_string()))
                .insert_header(("X-Page", list.page.to_string()))
                .insert_header(("X-Per-Page", list.per_page.to_string()))
                .body(body))
        }
    }
}

/// Spreadsheets (Excel as the province uses it) read UTF-8 as such only
/// after a byte-order mark; without it "Hòa Bình" arrives garbled.
const UTF8_BOM: &str = "\u{feff}";

/// One CSV row per item: nested objects become dotted columns
/// (`rating.stars`), lists of plain values are joined with "; ", anything
/// else is its JSON text. Columns are every key met, in order of meeting.
fn csv_of(items: &[Value]) -> Result<Vec<u8>, csv::Error> {
    let flat: Vec<Vec<(String, String)>> = items
        .iter()
        .map(|item| {
            let mut cells = Vec::new();
            flatten("", item, &mut cells);
            cells
        })
        .collect();
    let mut columns: Vec<&str> = Vec::new();
    for row in &flat {
        for (column, _) in row {
            if !columns.contains(&column.as_str()) {
                columns.push(column);
            }
        }
    }
    let mut out = csv::Writer::from_writer(UTF8_BOM.as_bytes().to_vec());
    if !columns.is_empty() {
        out.write_record(&columns)?;
    }
    for row in &flat {
        out.write_record(columns.iter().map(|column| {
            row.iter()
                .find(|(c, _)| c == column)
                .map_or("", |(_, v)| v.as_str())
        }))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

fn flatten(prefix: &str, value: &Value, cells: &mut Vec<(String, String)>) {
    match value {
        Value::Object(fields) if !fields.is_empty() => {
            for (key, inner) in fields {
                let column = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&column, inner, cells);
            }
        }
        other => cells.push((prefix.to_owned(), cell(other))),
    }
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => defuse_formula(text),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    }
}

/// A text cell that a spreadsheet would run as a formula (a producer's name
/// beginning with "=") is kept as text by a leading apostrophe (OWASP's
/// advice on CSV injection). Numbers are not text and are left alone.
fn defuse_formula(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(items: &[Value]) -> String {
        let bytes = csv_of(items).expect("csv");
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn nested_fields_become_dotted_columns_in_order_met() {
        let out = text(&[
            json!({"name": "Mật ong rừng", "rating": {"stars": 4, "level": "provincial"}, "phone": null}),
            json!({"name": "Cam Cao Phong", "rating": {"stars": 3}, "tags": ["a", "b"], "days_left": -5}),
        ]);
        assert_eq!(
            out,
            "\u{feff}name,rating.stars,rating.level,phone,tags,days_left\n\
             Mật ong rừng,4,provincial,,,\n\
             Cam Cao Phong,3,,,a; b,-5\n"
        );
    }

    #[test]
    fn formulas_are_kept_as_text_and_quotes_escaped() {
        let out = text(&[json!({"name": "=HYPERLINK(\"x\")", "note": "a, \"b\""})]);
        assert_eq!(
            out,
            "\u{feff}name,note\n\"'=HYPERLINK(\"\"x\"\")\",\"a, \"\"b\"\"\"\n"
        );
    }

    #[test]
    fn an_empty_list_is_an_empty_file() {
        assert_eq!(text(&[]), "\u{feff}");
    }
}
