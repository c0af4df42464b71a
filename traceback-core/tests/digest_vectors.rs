//! The test vectors of `docs/digest.md`, read from the document itself so the
//! specification and the code cannot drift apart; plus the same ping seen
//! one router apart (`chrissanders_ip_ttl_{source,dest}.pcapng`).

use traceback_core::digest::{Blake3Digester, Digester, FederationSecret};
use traceback_core::packet::{canonicalize, canonicalize_ip, LinkType, Verdict};
use traceback_core::DigestProfile;

const SPEC: &str = include_str!("../../docs/digest.md");

/// One vector as written in the document.
#[derive(Debug, Default)]
struct Vector {
    title: String,
    link: u32,
    verdict: String,
    frame: Vec<u8>,
    canonical: Vec<u8>,
    digest: String,
}

/// Every `### Vector` section of the document with its `key: value` lines.
fn vectors() -> Vec<Vector> {
    let mut out: Vec<Vector> = Vec::new();
    for line in SPEC.lines() {
        if let Some(title) = line.strip_prefix("### Vector ") {
            out.push(Vector {
                title: title.to_string(),
                ..Vector::default()
            });
            continue;
        }
        let Some(v) = out.last_mut() else { continue };
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key {
            "link" => v.link = value.parse().expect("link type number"),
            "verdict" => v.verdict = value.to_string(),
            "frame" => v.frame = hex::decode(value).expect("frame hex"),
            "canonical" => v.canonical = hex::decode(value).expect("canonical hex"),
            "digest" => v.digest = value.to_string(),
            _ => {}
        }
    }
    out
}

fn digester() -> Blake3Digester {
    Blake3Digester::new(
        DigestProfile::V1,
        &FederationSecret::from_passphrase("traceback test vectors"),
    )
    .expect("V1 is valid")
}

#[test]
fn the_documented_vectors_hold() {
    let all = vectors();
    assert!(all.len() >= 8, "docs/digest.md lost its vectors: {}", all.len());
    let d = digester();
    for v in &all {
        assert!(
            !v.frame.is_empty() && !v.digest.is_empty(),
            "incomplete vector {v:?}"
        );
        let link = LinkType(v.link);
        let c = canonicalize(link, &v.frame, &DigestProfile::V1);
        assert_eq!(c.verdict.as_str(), v.verdict, "{}", v.title);
        let canonical = c.outer.expect("documented vectors are digested");
        assert_eq!(
            hex::encode(canonical.as_slice()),
            hex::encode(&v.canonical),
            "{}",
            v.title
        );
        assert_eq!(d.digest_canonical(&v.canonical).to_hex(), v.digest, "{}", v.title);
        let f = d.digest_frame(link, &v.frame);
        assert_eq!(
            f.digest.map(|x| x.to_hex()),
            Some(v.digest.clone()),
            "{}",
            v.title
        );
        assert_eq!(f.verdict, c.verdict);
    }
}

/// The value of the first `name:` line of the document.
fn spec_value(name: &str) -> &'static str {
    SPEC.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
        .map(str::trim)
        .unwrap_or_else(|| panic!("docs/digest.md has no {name} line"))
}

#[test]
fn the_documented_secret_and_key_hold() {
    let secret = FederationSecret::from_passphrase("traceback test vectors");
    assert_eq!(
        FederationSecret::from_hex(spec_value("secret-hex")).unwrap(),
        secret
    );
    let key = secret.derive_key(0);
    assert_eq!(hex::encode(key.as_bytes()), spec_value("key-hex"));
    assert_eq!(digester().key(), &key);
}

#[test]
fn vectors_cover_what_the_spec_promises() {
    let titles: Vec<String> = vectors().into_iter().map(|v| v.title).collect();
    for needle in [
        "TCP SYN",
        "options",
        "fragment",
        "IPv6 UDP",
        "Destination Options",
        "MPLS",
    ] {
        assert!(
            titles.iter().any(|t| t.contains(needle)),
            "no vector for {needle}"
        );
    }
}

/// The same ICMP echo request and reply, captured at the sender and on the
/// far side of one router: TTL and header checksum differ (the sender-side
/// checksum is 0, offloaded), and so do the Ethernet addresses.
#[test]
fn one_router_apart_the_digests_are_equal() {
    const SOURCE: [&str; 2] = [
        "0021296671950025b3bf91ee08004500003c728d0000800100000a0a0003c0a8008008004d36000100256162636465666768696a6b6c6d6e6f7071727374757677616263646566676869",
        "0025b3bf91ee00212966719508004500003c067b00007f016a11c0a800800a0a000300005536000100256162636465666768696a6b6c6d6e6f7071727374757677616263646566676869",
    ];
    const DEST: [&str; 2] = [
        "002170c056f000212966719408004500003c728d00007f01fdfe0a0a0003c0a8008008004d36000100256162636465666768696a6b6c6d6e6f7071727374757677616263646566676869",
        "002129667194002170c056f008004500003c067b000080010000c0a800800a0a000300005536000100256162636465666768696a6b6c6d6e6f7071727374757677616263646566676869",
    ];
    let d = digester();
    let digest = |h: &str| d.digest_frame(LinkType::ETHERNET, &hex::decode(h).unwrap());
    for (s, t) in SOURCE.iter().zip(DEST) {
        assert_ne!(s, &t, "the frames differ on the wire");
        let (a, b) = (digest(s), digest(t));
        assert_eq!((a.verdict, b.verdict), (Verdict::Ok, Verdict::Ok));
        assert!(a.digest.is_some());
        assert_eq!(a.digest, b.digest);
    }
    assert_ne!(digest(SOURCE[0]).digest, digest(SOURCE[1]).digest);
    // The same frames, byte for byte, in the bundled captures.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/pcaps");
    let s = std::fs::read(format!("{dir}/chrissanders_ip_ttl_source.pcapng")).unwrap();
    let t = std::fs::read(format!("{dir}/chrissanders_ip_ttl_dest.pcapng")).unwrap();
    for h in SOURCE {
        assert!(contains(&s, &hex::decode(h).unwrap()));
    }
    for h in DEST {
        assert!(contains(&t, &hex::decode(h).unwrap()));
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// An ICMP error quoting the IPv4 header and 8 bytes digests like the
/// packet it quotes (the packet of the raw-IP vector).
#[test]
fn an_icmp_quote_digests_like_the_original() {
    let v = vectors();
    let raw = v.iter().find(|v| v.link == 101).expect("raw IP vector");
    let quote = &raw.frame[..28];
    let c = canonicalize_ip(quote, &DigestProfile::V1);
    assert_eq!(c.verdict, Verdict::CaptureTruncated);
    assert_eq!(c.outer.unwrap().as_slice(), &raw.canonical[..]);
}
