//! Authorization matrices: every role against every operation.

use reqwest::Method;
use serde_json::Value;

use super::*;

/// What a matrix row sends: nothing, a JSON body that the roles let in can
/// act on, or bytes of a media type (a picture, an EPCIS document).
pub enum Body {
    Empty,
    Json(Value),
    Bytes(&'static str, Vec<u8>),
}

/// One row of an authorization matrix: method, path, what it sends, and the
/// expectation per caller: "ok" (a 2xx: let in, and the request did what
/// it asked) or an exact status.
pub type MatrixRow<const N: usize = 6> = (Method, String, Body, [&'static str; N]);

impl TestApp {
    /// The answer to one cell of a matrix.
    pub async fn matrix_answer(
        &self,
        method: Method,
        path: &str,
        body: &Body,
        token: Option<&str>,
    ) -> Answer {
        let request = self.request(method, path, token);
        let request = match body {
            Body::Empty => request,
            Body::Json(value) => request.json(value),
            Body::Bytes(media_type, bytes) => request
                .header("content-type", *media_type)
                .body(bytes.clone()),
        };
        self.send(request).await
    }

    /// Run the rows in order, each as every caller in order; fails naming
    /// the first cell whose answer differs (with its body).
    pub async fn assert_matrix<const N: usize>(
        &self,
        matrix: &[MatrixRow<N>],
        callers: [(&str, Option<&str>); N],
    ) {
        for (method, path, body, expected) in matrix {
            for ((who, token), want) in callers.iter().zip(expected) {
                let got = self.matrix_answer(method.clone(), path, body, *token).await;
                let status = got.status.as_u16();
                let matches = match *want {
                    "ok" => (200..300).contains(&status),
                    exact => exact.parse::<u16>().ok() == Some(status),
                };
                assert!(
                    matches,
                    "{who} {method} {path}: expected {want}, got {status}: {}",
                    got.text
                );
            }
        }
    }
}

/// Every operation of the contract whose path `in_scope` accepts has a row.
pub fn assert_matrix_covers<const N: usize>(
    matrix: &[MatrixRow<N>],
    in_scope: impl Fn(&str) -> bool,
) {
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
            let covered = matrix.iter().any(|(m, p, _, _)| {
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
