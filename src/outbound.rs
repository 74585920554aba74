//! Requests this service makes to hosts its users name (webhook deliveries,
//! the check that a producer's label domain forwards here): never to an
//! address inside the network the service runs in, never following
//! redirects, with a deadline.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::domain::webhook::is_public_address;

/// Resolves host names for outbound requests and refuses any name with a
/// non-public address among its answers. Checking here, at connect time,
/// rather than when the URL was given, also covers a name whose DNS later
/// turns inwards (rebinding).
struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addrs.is_empty() || addrs.iter().any(|a| !is_public_address(a.ip())) {
                return Err(format!("{host} resolves to a non-public address").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// An HTTP client for hosts users name; `allow_private` (a closed network,
/// tests) lets it reach loopback and private addresses.
pub fn client(
    timeout: Duration,
    user_agent: &'static str,
    allow_private: bool,
) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve the name itself, past the resolver's check.
        .no_proxy()
        .user_agent(user_agent);
    if allow_private {
        builder.build()
    } else {
        builder.dns_resolver(Arc::new(PublicOnlyResolver)).build()
    }
}
