//! Names and addresses an instance announces to others.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

/// The machine's host name, or `localhost` when it cannot be read.
pub fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
        })
        .unwrap_or_else(|| "localhost".into())
}

/// A name for this process among others sharing the database, as the owner of a lease:
/// `$HOSTNAME` (a pod's name; `lyre` when unset), the process id and a random part (a
/// restarted process that got the same id is another owner).
pub fn process_name() -> String {
    format!(
        "{}-{}-{:08x}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "lyre".into()),
        std::process::id(),
        rand::random::<u32>()
    )
}

/// The address other machines most likely reach this one at: the source address of the
/// default route (found without sending anything), or loopback.
pub fn primary_ip() -> IpAddr {
    UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|socket| {
            socket.connect((Ipv4Addr::new(10, 255, 255, 255), 1))?;
            socket.local_addr()
        })
        .map(|addr| addr.ip())
        .ok()
        .filter(|ip| !ip.is_unspecified())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// The base URL to announce for a service listening on `bound`: `configured` when given
/// (normalised to end with `/`), else the bound address, with the primary IP in place of an
/// unspecified one.
pub fn advertised_url(bound: SocketAddr, configured: Option<&str>) -> String {
    if let Some(url) = configured.filter(|u| !u.is_empty()) {
        return if url.ends_with('/') {
            url.to_owned()
        } else {
            format!("{url}/")
        };
    }
    let ip = if bound.ip().is_unspecified() {
        primary_ip()
    } else {
        bound.ip()
    };
    format!("http://{}/", SocketAddr::new(ip, bound.port()))
}

/// A URL people can open for a service listening on `bound` on this machine.
pub fn local_url(bound: SocketAddr) -> String {
    if bound.ip().is_unspecified() || bound.ip().is_loopback() {
        format!("http://localhost:{}", bound.port())
    } else {
        format!("http://{bound}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advertised_urls() {
        let bound: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(advertised_url(bound, None), "http://127.0.0.1:8080/");
        assert_eq!(
            advertised_url(bound, Some("http://config.lyre.svc:8080")),
            "http://config.lyre.svc:8080/"
        );
        let any: SocketAddr = "0.0.0.0:8090".parse().unwrap();
        assert!(advertised_url(any, None).ends_with(":8090/"));
        assert!(!advertised_url(any, None).contains("0.0.0.0"));
        assert_eq!(local_url(any), "http://localhost:8090");
    }
}
