//! The client's address behind reverse proxies: the rightmost `X-Forwarded-For` hop that is not
//! a trusted proxy (`TLJ_TRUST_PROXY`, `TLJ_TRUSTED_PROXIES`). The one place that reads the header.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::http::HeaderMap;

/// A network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`), or one address (`/32`, `/128`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` is in this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    /// Refuses host bits after the prefix (`10.0.0.1/8`): most likely a typo, and trusting a
    /// wider or narrower network than meant is a security mistake.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let network = IpAddr::from_str(addr)
            .map_err(|_| format!("« {s} » n'est ni une adresse IP ni un réseau CIDR"))?
            .to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("« {s} » : le préfixe doit aller de 0 à {max}"))?,
        };
        let cidr = Self { network, prefix };
        let normalised = Self {
            network: cidr.first(),
            prefix,
        };
        if normalised.network != network {
            return Err(format!(
                "« {s} » a des bits après le préfixe : vouliez-vous {normalised} ?"
            ));
        }
        Ok(cidr)
    }
}

impl Cidr {
    /// The network's first address (the address with its host bits cleared).
    fn first(&self) -> IpAddr {
        match self.network {
            IpAddr::V4(a) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::from(std::net::Ipv4Addr::from(u32::from(a) & mask))
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::from(std::net::Ipv6Addr::from(u128::from(a) & mask))
            }
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Parses `TLJ_TRUSTED_PROXIES`: CIDRs or addresses separated by commas (blank: none).
pub fn parse_list(raw: &str) -> Result<Vec<Cidr>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Cidr::from_str)
        .collect()
}

/// Which hops may be believed when they say whom they forward for.
#[derive(Clone, Copy, Debug)]
pub struct ProxyTrust<'a> {
    /// The direct peer is a proxy, whatever its address (`TLJ_TRUST_PROXY=true`).
    pub peer: bool,
    /// Addresses of proxies, wherever they stand in the chain (`TLJ_TRUSTED_PROXIES`).
    pub networks: &'a [Cidr],
}

impl ProxyTrust<'_> {
    fn trusts(&self, ip: IpAddr, is_peer: bool) -> bool {
        (is_peer && self.peer) || self.networks.iter().any(|n| n.contains(ip))
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:80`, `[::1]:80`)
/// or in brackets; `None` for anything else (`unknown`, an obfuscated id, garbage).
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let ip = IpAddr::from_str(entry)
        .ok()
        .or_else(|| SocketAddr::from_str(entry).ok().map(|s| s.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .and_then(|e| IpAddr::from_str(e).ok())
        })?;
    Some(ip.to_canonical())
}

/// The client's address: start from the direct peer and, while the current hop is a trusted
/// proxy, step one `X-Forwarded-For` entry to the left; the first untrusted hop is the client.
///
/// Each entry was appended by the hop to its right, so entries left of the first untrusted hop
/// are whatever the client typed and are never read. An entry that does not parse stops the
/// walk at the proxy that wrote it (the last trusted hop): that address cannot be chosen by the
/// client, so at worst clients behind that proxy share its limits, never escape them.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trust: ProxyTrust,
) -> Option<IpAddr> {
    let mut current = peer?.to_canonical();
    if !trust.trusts(current, true) {
        return Some(current);
    }
    // Several header lines are one list, in order (RFC 9110 §5.3).
    let mut hops: Vec<Option<&str>> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        match value.to_str() {
            Ok(v) => hops.extend(v.split(',').map(Some)),
            Err(_) => hops.push(None),
        }
    }
    for hop in hops.into_iter().rev() {
        let Some(ip) = hop.and_then(parse_hop) else {
            return Some(current);
        };
        current = ip;
        if !trust.trusts(current, false) {
            return Some(current);
        }
    }
    // Every hop is a proxy of ours: the request started inside (a health check, say).
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    fn walk(peer: &str, xff: &[&str], trust_peer: bool, nets: &str) -> String {
        let networks = parse_list(nets).expect("valid list");
        let trust = ProxyTrust {
            peer: trust_peer,
            networks: &networks,
        };
        client_address(Some(ip(peer)), &headers(xff), trust)
            .expect("an address")
            .to_string()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        assert_eq!(walk("203.0.113.5", &["6.6.6.6"], false, ""), "203.0.113.5");
        // A list that does not include the peer: the peer is the client.
        assert_eq!(
            walk("203.0.113.5", &["6.6.6.6"], false, "10.0.0.0/8"),
            "203.0.113.5"
        );
    }

    #[test]
    fn behind_one_trusted_proxy_the_rightmost_entry_is_the_client() {
        // nginx's $proxy_add_x_forwarded_for appends the address it saw to what the client sent.
        assert_eq!(
            walk("127.0.0.1", &["6.6.6.6, 198.51.100.7"], true, ""),
            "198.51.100.7"
        );
        assert_eq!(
            walk("10.0.0.2", &["6.6.6.6, 198.51.100.7"], false, "10.0.0.0/8"),
            "198.51.100.7"
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_from_the_right() {
        let nets = "10.0.0.0/8, 2001:db8::/32";
        assert_eq!(
            walk(
                "10.0.0.2",
                &["1.1.1.1, 198.51.100.7, 2001:db8::9, 10.9.9.9"],
                false,
                nets
            ),
            "198.51.100.7"
        );
        // Header lines are joined in order.
        assert_eq!(
            walk(
                "10.0.0.2",
                &["1.1.1.1, 198.51.100.7", "10.9.9.9"],
                false,
                nets
            ),
            "198.51.100.7"
        );
        // Only proxies: the leftmost proxy started the request.
        assert_eq!(walk("10.0.0.2", &["10.1.1.1"], false, nets), "10.1.1.1");
        // No header: the trusted peer itself.
        assert_eq!(walk("10.0.0.2", &[], false, nets), "10.0.0.2");
    }

    #[test]
    fn a_malformed_entry_stops_at_the_proxy_that_wrote_it() {
        let nets = "10.0.0.0/8";
        assert_eq!(
            walk("10.0.0.2", &["198.51.100.7, unknown"], false, nets),
            "10.0.0.2"
        );
        assert_eq!(
            walk("10.0.0.2", &["198.51.100.7, 10.5.5.5, ,"], false, nets),
            "10.0.0.2"
        );
        assert_eq!(
            walk("10.0.0.2", &["6.6.6.6, garbage, 10.5.5.5"], false, nets),
            "10.5.5.5"
        );
        // Garbage left of the client is never read.
        assert_eq!(
            walk("10.0.0.2", &["<script>, 198.51.100.7"], false, nets),
            "198.51.100.7"
        );
    }

    #[test]
    fn ports_brackets_and_mapped_addresses_are_understood() {
        assert_eq!(
            walk(
                "::ffff:10.0.0.2",
                &["198.51.100.7:4711"],
                false,
                "10.0.0.0/8"
            ),
            "198.51.100.7"
        );
        assert_eq!(
            walk("10.0.0.2", &["[2001:db8::7]:443"], false, "10.0.0.0/8"),
            "2001:db8::7"
        );
        assert_eq!(
            walk("10.0.0.2", &["[2001:db8::7]"], false, "10.0.0.0/8"),
            "2001:db8::7"
        );
    }

    #[test]
    fn cidrs_parse_strictly_and_contain_what_they_should() {
        let net: Cidr = "192.168.4.0/22".parse().expect("valid");
        assert!(net.contains(ip("192.168.7.255")) && !net.contains(ip("192.168.8.0")));
        assert!(net.contains(ip("::ffff:192.168.5.1")));
        let all: Cidr = "0.0.0.0/0".parse().expect("valid");
        assert!(all.contains(ip("8.8.8.8")) && !all.contains(ip("::1")));
        let one: Cidr = "2001:db8::1".parse().expect("valid");
        assert!(one.contains(ip("2001:db8::1")) && !one.contains(ip("2001:db8::2")));
        assert!("10.0.0.1/8".parse::<Cidr>().is_err(), "host bits");
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("proxy.local".parse::<Cidr>().is_err());
        assert_eq!(parse_list(" ").expect("blank"), vec![]);
        assert_eq!(parse_list("10.0.0.0/8, ::1").expect("two").len(), 2);
    }
}
