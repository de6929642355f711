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
#[path = "guard_tests.rs"]
mod tests;
