//! A webhook subscriber on loopback, and the signature it checks.

use std::net::TcpListener;

/// A webhook subscriber on 127.0.0.1 that records what it receives and
/// answers 500 to the first `fail_first` requests.
pub struct WebhookReceiver {
    pub url: String,
    pub received: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: std::collections::HashMap<String, String>,
    pub body: Vec<u8>,
    /// The status this receiver answered.
    pub answered: u16,
}

impl WebhookReceiver {
    pub fn start(fail_first: usize) -> Self {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        use std::sync::{Arc, Mutex};
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let store = received.clone();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind receiver");
        let url = format!(
            "http://127.0.0.1:{}/hooks/ocop",
            listener.local_addr().expect("addr").port()
        );
        let server = HttpServer::new(move || {
            let store = store.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let store = store.clone();
                async move {
                    let mut seen = store.lock().expect("lock");
                    let answered = if seen.len() < fail_first { 500 } else { 200 };
                    seen.push(Received {
                        headers: req
                            .headers()
                            .iter()
                            .map(|(k, v)| {
                                (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())
                            })
                            .collect(),
                        body: body.to_vec(),
                        answered,
                    });
                    HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(answered).expect("status"),
                    )
                    .finish()
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        actix_web::rt::spawn(server);
        Self { url, received }
    }

    pub fn deliveries(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// The successful deliveries of an event type.
    pub fn delivered(&self, event: &str) -> Vec<Received> {
        self.deliveries()
            .into_iter()
            .filter(|r| {
                r.answered == 200
                    && r.headers.get("x-ocop-event").map(String::as_str) == Some(event)
            })
            .collect()
    }
}

/// HMAC-SHA256 of the body with the secret, computed here independently of
/// the service's code, as a subscriber would.
pub fn expected_signature(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}
