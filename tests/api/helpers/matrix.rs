//! Authorization matrices: every role against every operation.

use reqwest::Method;

use super::*;

impl TestApp {
    /// The status a caller gets; POST/PATCH send an empty object, so a caller
    /// who is let in gets a 2xx or an input error (400/409/422).
    pub async fn status_of(&self, method: Method, path: &str, token: Option<&str>) -> u16 {
        let mut request = self.request(method.clone(), path, token);
        if method == Method::POST || method == Method::PATCH {
            request = request.json(&serde_json::json!({}));
        }
        self.send(request).await.status.as_u16()
    }
}

/// Does `got` match an expectation of a matrix cell: "ok" (let in: 2xx or an
/// input error) or an exact status?
pub fn matrix_cell_matches(want: &str, got: u16) -> bool {
    match want {
        "ok" => (200..300).contains(&got) || matches!(got, 400 | 409 | 422),
        exact => exact.parse::<u16>().ok() == Some(got),
    }
}

/// One row of an authorization matrix: method, path, and the expectation
/// for [admin, authority, owner producer, other producer, retailer, public].
pub type MatrixRow = (Method, String, [&'static str; 6]);

/// Every operation of the contract whose path `in_scope` accepts has a row.
pub fn assert_matrix_covers(matrix: &[MatrixRow], in_scope: impl Fn(&str) -> bool) {
    let doc = ocop_trace::routes::openapi();
    for (path, item) in &doc.paths.paths {
        if !in_scope(path) {
            continue;
        }
        let methods = [
            (Method::GET, item.get.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::PATCH, item.patch.is_some()),
            (Method::DELETE, item.delete.is_some()),
        ];
        for (method, present) in methods {
            if !present {
                continue;
            }
            let covered = matrix.iter().any(|(m, p, _)| {
                let p = p.split('?').next().unwrap_or(p);
                *m == method
                    && p.split('/').count() == path.split('/').count()
                    && p.split('/')
                        .zip(path.split('/'))
                        .all(|(a, b)| a == b || b.starts_with('{'))
            });
            assert!(covered, "{method} {path} is missing from the matrix");
        }
    }
}
