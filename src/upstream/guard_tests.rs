//! The SSRF policy, address by address and form by form.

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
            Ipv6Addr::from_bits((0x2001_0000 << 96) | (server << 64) | (0x8000_63bf << 32) | u128::from(!v4.to_bits()))
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
