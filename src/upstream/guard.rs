//! SSRF address policy: which resolved IP addresses the proxy may connect to.
//!
//! Tandem fetches arbitrary URLs on behalf of visitors, so a visitor could point
//! it at the proxy's own network (loopback admin ports, the LAN, cloud metadata
//! services). The policy is applied to *resolved* addresses, right before
//! connecting, so DNS tricks (a public name resolving to `127.0.0.1`, decimal
//! IPv4 spellings, IPv6 forms embedding an IPv4 address) cannot bypass it.
//!
//! Two tiers:
//! - always forbidden, whatever the configuration: cloud metadata services (all of
//!   link-local `169.254.0.0/16`, where every cloud puts them, and the few elsewhere)
//!   and the unspecified addresses (`0.0.0.0`, `::`, which Linux treats as "this
//!   host");
//! - forbidden unless `allow_private` is set (development setups proxying to
//!   local test servers): every address that is not globally routable unicast.
//!
//! An IPv6 address that delivers to an IPv4 address (mapped, translated, compatible,
//! NAT64, 6to4, Teredo) is judged as that IPv4 address, by one rule: [`embedded_v4`]
//! extracts it once, and [`v4_forbidden`] judges it like any IPv4 address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 ranges of cloud metadata and host services, refused even in development: they
/// hand out credentials. Link-local `169.254.0.0/16` holds AWS, GCP, Azure, Oracle
/// and OpenStack metadata (`.169.254`), ECS and EKS credentials (`.170.2`,
/// `.170.23`), Azure's and AWS's DNS and time services, and whatever the next cloud
/// picks there; `192.0.0.192` is Oracle Cloud's older metadata address,
/// `100.100.100.200` Alibaba Cloud's, and `168.63.129.16` Azure's WireServer (VM
/// extension settings and certificates), which sits in public space.
const ALWAYS_V4: &[([u8; 4], u32)] = &[
    ([0, 0, 0, 0], 32),
    ([169, 254, 0, 0], 16),
    ([192, 0, 0, 192], 32),
    ([100, 100, 100, 200], 32),
    ([168, 63, 129, 16], 32),
];

/// IPv6 ranges refused even in development: the unspecified address, AWS's metadata
/// services (`fd00:ec2::254` and its neighbours in `fd00:ec2::/32`), and local-use
/// NAT64 (`64:ff9b:1::/48`, RFC 8215), whose translator may put the IPv4 address at
/// any of RFC 6052's positions, so where its packets end up cannot be told.
const ALWAYS_V6: &[(Ipv6Addr, u32)] = &[
    (Ipv6Addr::UNSPECIFIED, 128),
    (Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x0064, 0xff9b, 0x0001, 0, 0, 0, 0, 0), 48),
];

/// Returns true when the proxy must not connect to `ip`.
///
/// `allow_private` relaxes the policy for loopback, private and other non-public
/// ranges, but never for cloud metadata ranges or the unspecified address. IPv6
/// addresses that embed an IPv4 address are judged by the embedded IPv4 address,
/// since that is where packets end up.
pub fn is_forbidden(ip: IpAddr, allow_private: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_forbidden(v4, allow_private),
        IpAddr::V6(v6) => v6_forbidden(v6, allow_private),
    }
}

fn v4_forbidden(ip: Ipv4Addr, allow_private: bool) -> bool {
    if ALWAYS_V4.iter().any(|&(base, len)| v4_in(ip, base, len)) {
        return true;
    }
    !allow_private && v4_non_public(ip)
}

fn v6_forbidden(ip: Ipv6Addr, allow_private: bool) -> bool {
    // Checked before the embedded-IPv4 forms: `::` and `::1` technically sit in
    // the deprecated IPv4-compatible range but mean "unspecified"/"loopback".
    if ALWAYS_V6.iter().any(|&(base, len)| v6_in(ip, base, len)) {
        return true;
    }
    if ip.is_loopback() {
        return !allow_private;
    }
    if let Some(v4) = embedded_v4(ip) {
        return v4_forbidden(v4, allow_private);
    }
    !allow_private && v6_non_public(ip)
}

/// True when `ip` lies in `base/prefix_len`.
fn v4_in(ip: Ipv4Addr, base: [u8; 4], prefix_len: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix_len).unwrap_or(0);
    (ip.to_bits() & mask) == (u32::from_be_bytes(base) & mask)
}

/// True when `ip` lies in `base/prefix_len`.
fn v6_in(ip: Ipv6Addr, base: Ipv6Addr, prefix_len: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - prefix_len).unwrap_or(0);
    (ip.to_bits() & mask) == (base.to_bits() & mask)
}

/// Everything that is not globally reachable unicast (IANA special-purpose
/// registry, plus multicast and the reserved class E block).
fn v4_non_public(ip: Ipv4Addr) -> bool {
    const RANGES: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),       // "this network"
        ([10, 0, 0, 0], 8),      // RFC 1918
        ([100, 64, 0, 0], 10),   // CGNAT, RFC 6598
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local
        ([172, 16, 0, 0], 12),   // RFC 1918
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // TEST-NET-1 (documentation)
        ([192, 168, 0, 0], 16),  // RFC 1918
        ([198, 18, 0, 0], 15),   // benchmarking, RFC 2544
        ([198, 51, 100, 0], 24), // TEST-NET-2 (documentation)
        ([203, 0, 113, 0], 24),  // TEST-NET-3 (documentation)
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, includes 255.255.255.255 broadcast
    ];
    RANGES.iter().any(|&(base, len)| v4_in(ip, base, len))
}

/// Non-global IPv6 ranges that do not embed an IPv4 address.
fn v6_non_public(ip: Ipv6Addr) -> bool {
    const RANGES: &[(Ipv6Addr, u32)] = &[
        (Ipv6Addr::new(0x0100, 0, 0, 0, 0, 0, 0, 0), 64), // discard-only, RFC 6666
        (Ipv6Addr::new(0x2001, 0x0002, 0, 0, 0, 0, 0, 0), 48), // benchmarking, RFC 5180
        (Ipv6Addr::new(0x2001, 0x0db8, 0, 0, 0, 0, 0, 0), 32), // documentation
        (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation, RFC 9637
        (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),  // unique local
        (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
        (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // site-local (deprecated)
        (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),  // multicast
    ];
    RANGES.iter().any(|&(base, len)| v6_in(ip, base, len))
}

/// The IPv4 address an IPv6 address delivers to, for the forms where the kernel, a
/// translator or a relay sends its packets to that IPv4 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = ip.to_bits();
    // Low 32 bits as an IPv4 address; truncation is the point.
    let low32 = (bits & 0xffff_ffff) as u32;
    /// Prefixes whose last 32 bits are the IPv4 address.
    const LOW_32: &[(Ipv6Addr, u32)] = &[
        // ::ffff:a.b.c.d, IPv4-mapped: dual-stack sockets connect to a.b.c.d.
        (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96),
        // ::ffff:0:a.b.c.d, IPv4-translated (SIIT, RFC 6145).
        (Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0), 96),
        // ::a.b.c.d, the deprecated IPv4-compatible form.
        (Ipv6Addr::UNSPECIFIED, 96),
        // NAT64's well-known prefix: the translator forwards to a.b.c.d.
        (Ipv6Addr::new(0x0064, 0xff9b, 0, 0, 0, 0, 0, 0), 96),
    ];
    if LOW_32.iter().any(|&(base, len)| v6_in(ip, base, len)) {
        return Some(Ipv4Addr::from_bits(low32));
    }
    if v6_in(ip, Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16) {
        // 6to4: 2002:AABB:CCDD::/48 tunnels to AA.BB.CC.DD.
        return Some(Ipv4Addr::from_bits(((bits >> 80) & 0xffff_ffff) as u32));
    }
    if v6_in(ip, Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32) {
        // Teredo: 2001:0:<server>:<flags>:<port>:<client>; relays send to the client's
        // address, stored inverted in the last 32 bits.
        return Some(Ipv4Addr::from_bits(!low32));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> IpAddr {
        IpAddr::V4(s.parse().expect("test literal"))
    }
    fn v6(s: &str) -> IpAddr {
        IpAddr::V6(s.parse().expect("test literal"))
    }

    /// Forbidden without allow_private, allowed with it.
    fn assert_private(ip: IpAddr) {
        assert!(is_forbidden(ip, false), "{ip} must be refused by default");
        assert!(!is_forbidden(ip, true), "{ip} must be allowed with allow_private");
    }

    /// Forbidden in both modes.
    fn assert_always(ip: IpAddr) {
        assert!(is_forbidden(ip, false), "{ip} must always be refused");
        assert!(is_forbidden(ip, true), "{ip} must be refused even with allow_private");
    }

    /// Allowed in both modes.
    fn assert_public(ip: IpAddr) {
        assert!(!is_forbidden(ip, false), "{ip} is public");
        assert!(!is_forbidden(ip, true), "{ip} is public");
    }

    #[test]
    fn metadata_and_unspecified_are_always_forbidden() {
        for ip in [
            v4("169.254.169.254"),
            v4("169.254.170.2"),
            v4("100.100.100.200"),
            v6("fd00:ec2::254"),
            v4("0.0.0.0"),
            v6("::"),
        ] {
            assert_always(ip);
        }
    }

    /// Metadata services sit anywhere in link-local space (and at a few addresses
    /// outside it), and `allow_private` must not open any of them.
    #[test]
    fn metadata_addresses_outside_the_fixed_list_are_always_forbidden() {
        for ip in [
            v4("169.254.0.1"),
            v4("169.254.169.123"),
            v4("169.254.169.253"),
            v4("169.254.170.23"),
            v4("169.254.255.255"),
            v4("192.0.0.192"),
            v4("168.63.129.16"),
            v6("fd00:ec2::23"),
        ] {
            assert_always(ip);
        }
        assert_private(v4("192.0.0.191"));
        assert_public(v4("168.63.129.17"));
    }

    /// Each IPv6 form that delivers to an IPv4 address is judged as that address: a
    /// metadata address in any of them is refused, and a private one allowed only in
    /// development.
    #[test]
    fn metadata_through_every_ipv6_form_is_always_forbidden() {
        type Form = (&'static str, fn(Ipv4Addr) -> Ipv6Addr);
        let forms: [Form; 6] = [
            ("mapped", |v4| v4.to_ipv6_mapped()),
            ("translated", |v4| Ipv6Addr::from_bits((0xffff << 32) | u128::from(v4.to_bits()))),
            ("compatible", |v4| Ipv6Addr::from_bits(u128::from(v4.to_bits()))),
            ("nat64", |v4| Ipv6Addr::from_bits((0x0064_ff9b << 96) | u128::from(v4.to_bits()))),
            ("6to4", |v4| Ipv6Addr::from_bits((0x2002 << 112) | (u128::from(v4.to_bits()) << 80) | 1)),
            ("teredo", |v4| {
                let server = u128::from(Ipv4Addr::new(65, 54, 227, 120).to_bits());
                Ipv6Addr::from_bits(
                    (0x2001_0000 << 96) | (server << 64) | (0x8000_63bf << 32) | u128::from(!v4.to_bits()),
                )
            }),
        ];
        for (name, form) in forms {
            for metadata in ["169.254.169.254", "169.254.1.1", "192.0.0.192", "100.100.100.200", "0.0.0.0"] {
                let ip = IpAddr::V6(form(metadata.parse().expect("test literal")));
                assert!(is_forbidden(ip, true), "{name}: {ip} delivers to {metadata}");
            }
            let private = IpAddr::V6(form(Ipv4Addr::new(10, 1, 2, 3)));
            assert_private(private);
            let public = IpAddr::V6(form(Ipv4Addr::new(8, 8, 8, 8)));
            assert_public(public);
        }
        assert_eq!(v6("::ffff:0:a9fe:a9fe"), v6("::ffff:0:169.254.169.254"), "the translated form as written");
        assert_always(v6("::ffff:0:169.254.169.254"));
        assert_always(v6("2001:0:4136:e378:8000:63bf:5601:5601"));
    }

    #[test]
    fn local_use_nat64_is_always_forbidden() {
        assert_always(v6("64:ff9b:1::a9fe:a9fe"));
        assert_always(v6("64:ff9b:1:fffe::1"));
        assert_public(v6("64:ff9b:2::1"));
    }

    #[test]
    fn loopback() {
        assert_private(v4("127.0.0.1"));
        assert_private(v4("127.255.255.254"));
        assert_private(v6("::1"));
    }

    #[test]
    fn rfc1918() {
        for s in ["10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.0.1", "192.168.255.255"] {
            assert_private(v4(s));
        }
        // Just outside 172.16.0.0/12.
        assert_public(v4("172.15.255.255"));
        assert_public(v4("172.32.0.0"));
    }

    #[test]
    fn link_local() {
        assert_private(v6("fe80::1"));
        assert_private(v6("febf:ffff::1"));
    }

    #[test]
    fn cgnat() {
        assert_private(v4("100.64.0.1"));
        assert_private(v4("100.127.255.255"));
        assert_public(v4("100.63.255.255"));
        assert_public(v4("100.128.0.0"));
    }

    #[test]
    fn this_network() {
        assert_private(v4("0.1.2.3"));
        assert_private(v4("0.255.255.255"));
    }

    #[test]
    fn unique_local_and_site_local() {
        assert_private(v6("fc00::1"));
        assert_private(v6("fd12:3456:789a::1"));
        assert_private(v6("fec0::1"));
    }

    #[test]
    fn multicast_and_broadcast() {
        assert_private(v4("224.0.0.1"));
        assert_private(v4("239.255.255.250"));
        assert_private(v4("255.255.255.255"));
        assert_private(v4("240.0.0.1"));
        assert_private(v6("ff02::1"));
        assert_private(v6("ff0e::1"));
    }

    #[test]
    fn documentation_and_benchmarking() {
        for s in ["192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1", "198.19.255.255", "192.0.0.8"] {
            assert_private(v4(s));
        }
        assert_public(v4("198.17.255.255"));
        assert_public(v4("198.20.0.0"));
        assert_private(v6("2001:db8::1"));
        assert_private(v6("3fff::1"));
        assert_private(v6("2001:2::1"));
        assert_private(v6("100::1"));
    }

    #[test]
    fn ipv4_mapped_and_compatible_use_the_embedded_address() {
        assert_private(v6("::ffff:127.0.0.1"));
        assert_private(v6("::ffff:10.1.2.3"));
        assert_private(v6("::ffff:192.168.1.1"));
        assert_private(v6("::127.0.0.1"));
        assert_private(v6("::10.0.0.1"));
        assert_public(v6("::ffff:8.8.8.8"));
        assert_public(v6("::8.8.8.8"));
    }

    #[test]
    fn nat64_uses_the_embedded_address() {
        assert_private(v6("64:ff9b::7f00:1"));
        assert_private(v6("64:ff9b::10.0.0.1"));
        assert_public(v6("64:ff9b::8.8.8.8"));
    }

    #[test]
    fn six_to_four_uses_the_embedded_address() {
        assert_private(v6("2002:7f00:1::"));
        assert_private(v6("2002:c0a8:101::1"));
        assert_private(v6("2002:0a00:0001:1234::1"));
        assert_public(v6("2002:0808:0808::1"));
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in [
            v4("8.8.8.8"),
            v4("1.1.1.1"),
            v4("93.184.215.14"),
            v4("151.101.1.69"),
            v6("2606:4700:4700::1111"),
            v6("2a00:1450:4001:82b::200e"),
            v6("2001:4860:4860::8888"),
        ] {
            assert_public(ip);
        }
    }
}
