//! Who the client is when the portal sits behind proxies (an ingress, a load balancer): the
//! proxies the operator names are trusted to say, in `X-Forwarded-For`, whom they forward for;
//! anyone else's `X-Forwarded-For` is ignored, since a client can write what it likes there.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// Addresses and CIDR blocks (`10.0.0.7`, `10.0.0.0/8`, `fd00::/8`); an IPv4 block also holds
/// the IPv4-mapped IPv6 addresses of its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Networks(Vec<(IpAddr, u8)>);

impl Networks {
    /// Parses addresses and blocks; `what` names an entry in errors ("trusted proxy").
    pub fn parse(entries: &[String], what: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            let (address, bits) = entry.split_once('/').unwrap_or((entry, ""));
            let address: IpAddr = address
                .parse()
                .map_err(|_| format!("{what} `{entry}` is not an IP address or CIDR block"))?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            let bits = if bits.is_empty() {
                max
            } else {
                bits.parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("{what} `{entry}` has no valid prefix length"))?
            };
            out.push((address, bits));
        }
        Ok(Self(out))
    }

    /// Whether `ip` is in one of the blocks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|(net, bits)| within(ip, *net, *bits))
    }

    /// Whether there are no blocks.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Addresses and CIDR blocks of trusted proxies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Networks);

impl TrustedProxies {
    /// Parses addresses (`10.0.0.7`) and blocks (`10.0.0.0/8`, `fd00::/8`).
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        Networks::parse(entries, "trusted proxy").map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.contains(ip)
    }

    /// The client of a request that came over a connection from `peer`: the nearest address in
    /// `X-Forwarded-For` that is not a trusted proxy, when `peer` is one; else `peer` itself.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let mut client = peer?;
        if !self.trusts(client) {
            return Some(client);
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in forwarded.iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(client)
    }
}

fn within(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => prefix(&ip.octets(), &net.octets(), bits),
        (IpAddr::V6(ip), IpAddr::V6(net)) => prefix(&ip.octets(), &net.octets(), bits),
        (IpAddr::V6(ip), IpAddr::V4(_)) => ip
            .to_ipv4_mapped()
            .is_some_and(|ip| within(IpAddr::V4(ip), net, bits)),
        (IpAddr::V4(_), IpAddr::V6(_)) => false,
    }
}

/// Whether the first `bits` bits of `a` and `b` are the same.
fn prefix(a: &[u8], b: &[u8], bits: u8) -> bool {
    let bits = usize::from(bits);
    let (whole, rest) = (bits / 8, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn only_trusted_proxies_say_who_the_client_is() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into(), "192.168.1.1".into()]).unwrap();
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let headers = forwarded("203.0.113.9, 10.1.2.3");
        assert_eq!(proxies.client(ip("10.0.0.5"), &headers), ip("203.0.113.9"));
        assert_eq!(
            proxies.client(ip("192.168.1.1"), &headers),
            ip("203.0.113.9")
        );
        // Anyone else's header is theirs to write: ignored.
        assert_eq!(
            proxies.client(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &HeaderMap::new()),
            ip("10.0.0.5")
        );
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &forwarded("junk")),
            ip("10.0.0.5")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.5"), &headers),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn bad_entries_are_named() {
        assert!(
            TrustedProxies::parse(&["10.0.0.0/33".into()])
                .unwrap_err()
                .contains("10.0.0.0/33")
        );
        assert!(
            TrustedProxies::parse(&["proxy".into()])
                .unwrap_err()
                .contains("proxy")
        );
        assert!(TrustedProxies::parse(&["::ffff:0:0/96".into()]).is_ok());
    }
}
