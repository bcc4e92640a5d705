//! Where a webhook may point: `http` or `https`, no credentials in the address, and no address
//! inside the network (loopback, private, link-local such as cloud metadata, carrier-grade NAT,
//! unique-local, multicast, reserved) unless the operator allows its block. Otherwise anyone who
//! may create a webhook could make Lyre's servers probe, and read the status codes of, services
//! that only the inside can reach.
//!
//! The check runs twice: when a webhook is saved (a clear error at once), and at every delivery,
//! on the addresses the request actually connects to (a resolver that drops refused addresses),
//! so a name that resolves elsewhere later (DNS rebinding) gains nothing. Redirects are not
//! followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::{Host, Url};

use crate::proxies::Networks;

/// Longest webhook address, in bytes.
pub const URL_MAX: usize = 2048;

/// Which addresses deliveries may reach.
#[derive(Clone, Debug, Default)]
pub struct Reach {
    /// Blocks inside the network that are allowed anyway (`LYRE_WEBHOOK_ALLOW_NETWORKS`).
    pub allowed: Networks,
}

impl Reach {
    /// Whether a delivery may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        !is_internal(ip) || self.allowed.contains(ip)
    }

    /// Checks a webhook address as written: the parsed address, or what is wrong with it.
    pub fn check_url(&self, raw: &str) -> Result<Url, String> {
        if raw.len() > URL_MAX {
            return Err(format!("`url` is longer than {URL_MAX} bytes"));
        }
        let url = Url::parse(raw.trim()).map_err(|e| format!("`url` is not an address: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "`url` must be http or https, not `{}`",
                url.scheme()
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(
                "`url` must not hold credentials: a receiver checks the signature instead".into(),
            );
        }
        match url.host() {
            None => return Err("`url` has no host".into()),
            Some(Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip))?,
            Some(Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip))?,
            Some(Host::Domain(_)) => {}
        }
        Ok(url)
    }

    /// Checks a webhook address and, for a name, the addresses it resolves to now (a name that
    /// does not resolve is accepted: its deliveries fail and say so).
    pub async fn check(&self, raw: &str) -> Result<Url, String> {
        let url = self.check_url(raw)?;
        if let Some(Host::Domain(name)) = url.host() {
            let port = url.port_or_known_default().unwrap_or(80);
            if let Ok(found) = tokio::net::lookup_host((name, port)).await {
                for addr in found {
                    self.check_ip(addr.ip())
                        .map_err(|e| format!("`{name}` resolves to {e}"))?;
                }
            }
        }
        Ok(url)
    }

    fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        if self.permits(ip) {
            Ok(())
        } else {
            Err(format!(
                "{ip}, an address inside the network: webhooks may not reach it unless its \
                 block is allowed (LYRE_WEBHOOK_ALLOW_NETWORKS)"
            ))
        }
    }
}

/// Whether `ip` belongs inside a network rather than on the internet.
fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_internal_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_internal_v4(v4),
            None => is_internal_v6(ip),
        },
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        // carrier-grade NAT, 100.64.0.0/10
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        // benchmarking, 198.18.0.0/15
        || (a == 198 && (18..20).contains(&b))
        // reserved, 240.0.0.0/4
        || a >= 240
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // unique local, fc00::/7
        || (first & 0xfe00) == 0xfc00
        // link local, fe80::/10
        || (first & 0xffc0) == 0xfe80
        // site local (deprecated), fec0::/10
        || (first & 0xffc0) == 0xfec0
        // documentation, 2001:db8::/32
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // NAT64 and IPv4-compatible forms carry an IPv4 address inside
        || ip.to_ipv4().is_some_and(is_internal_v4)
}

/// Resolves names for deliveries, keeping only the addresses `reach` permits.
pub struct GuardedResolver {
    pub reach: Arc<Reach>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let reach = Arc::clone(&self.reach);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| reach.permits(a.ip()))
                .collect();
            if permitted.is_empty() {
                let list: Vec<String> = found.iter().map(|a| a.ip().to_string()).collect();
                return Err(format!(
                    "`{host}` resolves only to addresses inside the network ({}); allow their \
                     block with LYRE_WEBHOOK_ALLOW_NETWORKS to deliver there",
                    list.join(", ")
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(permitted.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(allowed: &[&str]) -> Reach {
        let allowed: Vec<String> = allowed.iter().map(|s| (*s).to_owned()).collect();
        Reach {
            allowed: Networks::parse(&allowed, "allowed network").unwrap(),
        }
    }

    #[test]
    fn addresses_inside_the_network_are_refused_unless_allowed() {
        let none = reach(&[]);
        for inside in [
            "http://127.0.0.1/hook",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://2130706433/",
        ] {
            let error = none.check_url(inside).unwrap_err();
            assert!(error.contains("inside the network"), "{inside}: {error}");
        }
        assert!(none.check_url("https://93.184.216.34/hook").is_ok());
        assert!(none.check_url("https://hooks.example.com/x").is_ok());

        let lab = reach(&["127.0.0.1/32", "10.0.0.0/8"]);
        assert!(lab.check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(lab.check_url("http://10.9.9.9/").is_ok());
        assert!(lab.check_url("http://192.168.1.1/").is_err());
    }

    #[test]
    fn only_http_addresses_without_credentials_are_accepted() {
        let any = reach(&[]);
        for (bad, says) in [
            ("ftp://example.com/x", "http or https"),
            ("file:///etc/passwd", "http or https"),
            ("https://user:secret@example.com/", "credentials"),
            ("https://token@example.com/", "credentials"),
            ("not an address", "not an address"),
        ] {
            let error = any.check_url(bad).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
        let long = format!("https://example.com/{}", "a".repeat(URL_MAX));
        assert!(any.check_url(&long).unwrap_err().contains("longer"));
    }
}
