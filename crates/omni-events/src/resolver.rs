//! SSRF defence at connect time: a DNS resolver for the webhook client that refuses a host
//! if any address it resolves to is loopback, private, link-local or otherwise internal.
//!
//! Checking the URL when a subscription is created is not enough: a tenant's DNS may later
//! answer with an internal address (DNS rebinding). Because reqwest connects only to the
//! addresses this resolver returns, the check and the connection use the same answer.

use std::net::SocketAddr;

use omni_domain::webhooks::is_private_ip;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// A resolver that fails for names resolving to any internal address.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnlyResolver;

/// Resolves `host` and refuses it if any address is internal; the message names the address.
pub async fn resolve_public(host: &str) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    if let Some(bad) = addrs.iter().find(|a| is_private_ip(a.ip())) {
        return Err(format!(
            "refused: {host} resolves to the private or loopback address {} (SSRF guard)",
            bad.ip()
        ));
    }
    if addrs.is_empty() {
        return Err(format!("cannot resolve {host}: no addresses"));
    }
    Ok(addrs)
}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = resolve_public(&host).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused() {
        let err = resolve_public("localhost")
            .await
            .expect_err("localhost is loopback");
        assert!(err.contains("refused"), "{err}");
        let name: Name = "localhost".parse().expect("name");
        assert!(PublicOnlyResolver.resolve(name).await.is_err());
    }

    #[tokio::test]
    async fn public_literals_pass() {
        let addrs = resolve_public("93.184.216.34")
            .await
            .expect("public address");
        assert_eq!(addrs.len(), 1);
    }
}
