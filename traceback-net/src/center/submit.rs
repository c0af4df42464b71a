//! From a `POST /v1/searches` body to [`Evidence`]: digests taken as given,
//! raw packets and EVE alerts digested by the center itself.

use super::model::SourceKind;
use super::timefmt::parse_time;
use core::time::Duration;
use serde::Deserialize;
use traceback_core::digest::Blake3Digester;
use traceback_core::packet::LinkType;
use traceback_core::{Digest, Digester, Evidence, Timestamp};

/// Default clock tolerance when a submission gives none.
pub const DEFAULT_TOLERANCE_MS: u64 = 2_000;
/// Largest accepted clock tolerance (one hour).
pub const MAX_TOLERANCE_MS: u64 = 3_600_000;
/// Largest accepted raw packet (an IP packet of 64 KiB plus link headers).
pub const MAX_PACKET_BYTES: usize = 65_535 + 256;

/// Why a submission was refused. Every variant maps to a 4xx answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// The body is not a JSON object of the expected shape.
    #[error("body is not a valid search request: {0}")]
    BadJson(String),
    /// None of `digest`, `packet_hex`, `eve` was given.
    #[error("give exactly one of digest, packet_hex or eve")]
    NoEvidence,
    /// More than one of them was given.
    #[error("give exactly one of digest, packet_hex or eve, not several")]
    SeveralEvidence,
    /// A field the chosen variant needs is missing.
    #[error("missing field {0}")]
    Missing(&'static str),
    /// A field that does not belong to the chosen variant.
    #[error("field {0} does not belong to this kind of search")]
    Unexpected(&'static str),
    /// `digest` is not 32 hex digits.
    #[error("bad digest: {0}")]
    BadDigest(String),
    /// `packet_hex` is not hex.
    #[error("packet_hex is not valid hex: {0}")]
    BadHex(String),
    /// The packet is empty or larger than [`MAX_PACKET_BYTES`].
    #[error("packet must be 1..={MAX_PACKET_BYTES} bytes, got {0}")]
    PacketSize(usize),
    /// The link type is not one the digester decodes.
    #[error("link type {0} is not supported")]
    UnsupportedLinkType(u32),
    /// The packet could not be digested (the verdict says why).
    #[error("packet cannot be digested: verdict {0}")]
    NotDigestible(String),
    /// `seen_at` is neither nanoseconds nor an RFC 3339 time.
    #[error("bad seen_at {0:?}: give integer nanoseconds since the epoch or an RFC 3339 time")]
    BadTime(String),
    /// `tolerance_ms` above [`MAX_TOLERANCE_MS`].
    #[error("tolerance_ms must be at most {MAX_TOLERANCE_MS}, got {0}")]
    Tolerance(u64),
    /// The EVE line cannot be used.
    #[error("bad EVE alert: {0}")]
    BadEve(String),
}

/// A submission turned into evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// What the evidence came from.
    pub source: SourceKind,
    /// The evidence to trace.
    pub evidence: Evidence,
    /// The tolerance given (or the default), milliseconds.
    pub tolerance_ms: u64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TimeInput {
    Nanos(u64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    digest: Option<String>,
    packet_hex: Option<String>,
    linktype: Option<u32>,
    eve: Option<String>,
    seen_at: Option<TimeInput>,
    tolerance_ms: Option<u64>,
}

fn time(t: TimeInput) -> Result<Timestamp, SubmitError> {
    match t {
        TimeInput::Nanos(n) => Ok(Timestamp::from_nanos(n)),
        TimeInput::Text(s) => parse_time(&s).ok_or(SubmitError::BadTime(s)),
    }
}

/// Digest one frame with the center's digester.
pub fn digest_packet(digester: &Blake3Digester, link: LinkType, frame: &[u8]) -> Result<Digest, SubmitError> {
    if frame.is_empty() || frame.len() > MAX_PACKET_BYTES {
        return Err(SubmitError::PacketSize(frame.len()));
    }
    if !link.is_supported() {
        return Err(SubmitError::UnsupportedLinkType(link.0));
    }
    let fd = digester.digest_frame(link, frame);
    fd.digest
        .ok_or_else(|| SubmitError::NotDigestible(fd.verdict.to_string()))
}

/// Parse and check a search body; raw packets and EVE alerts are digested
/// with `digester` (the federation's profile V1).
pub fn parse_search(body: &[u8], digester: &Blake3Digester) -> Result<Parsed, SubmitError> {
    let b: Body = serde_json::from_slice(body).map_err(|e| SubmitError::BadJson(e.to_string()))?;
    let tolerance_ms = b.tolerance_ms.unwrap_or(DEFAULT_TOLERANCE_MS);
    if tolerance_ms > MAX_TOLERANCE_MS {
        return Err(SubmitError::Tolerance(tolerance_ms));
    }
    let given = [b.digest.is_some(), b.packet_hex.is_some(), b.eve.is_some()]
        .iter()
        .filter(|x| **x)
        .count();
    match given {
        0 => return Err(SubmitError::NoEvidence),
        1 => {}
        _ => return Err(SubmitError::SeveralEvidence),
    }
    let (source, digest, seen_at) = if let Some(d) = b.digest {
        if b.linktype.is_some() {
            return Err(SubmitError::Unexpected("linktype"));
        }
        let digest: Digest = d
            .parse()
            .map_err(|e: traceback_core::digest::ParseDigestError| SubmitError::BadDigest(e.to_string()))?;
        let seen_at = time(b.seen_at.ok_or(SubmitError::Missing("seen_at"))?)?;
        (SourceKind::Digest, digest, seen_at)
    } else if let Some(h) = b.packet_hex {
        let link = LinkType(b.linktype.ok_or(SubmitError::Missing("linktype"))?);
        let compact: String = h.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        if compact.len() / 2 > MAX_PACKET_BYTES {
            return Err(SubmitError::PacketSize(compact.len() / 2));
        }
        let frame = hex::decode(&compact).map_err(|e| SubmitError::BadHex(e.to_string()))?;
        let seen_at = time(b.seen_at.ok_or(SubmitError::Missing("seen_at"))?)?;
        (
            SourceKind::Packet,
            digest_packet(digester, link, &frame)?,
            seen_at,
        )
    } else if let Some(line) = b.eve {
        if b.linktype.is_some() {
            return Err(SubmitError::Unexpected("linktype"));
        }
        if b.seen_at.is_some() {
            return Err(SubmitError::Unexpected("seen_at"));
        }
        let (link, frame, seen_at) = super::eve::alert_packet(&line)?;
        (SourceKind::Eve, digest_packet(digester, link, &frame)?, seen_at)
    } else {
        return Err(SubmitError::NoEvidence);
    };
    let tol = Duration::from_millis(tolerance_ms);
    Ok(Parsed {
        source,
        evidence: Evidence {
            digest,
            profile: *digester.profile(),
            seen_at,
            before: tol,
            after: tol,
        },
        tolerance_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use traceback_core::digest::FederationSecret;
    use traceback_core::DigestProfile;

    fn digester() -> Blake3Digester {
        Blake3Digester::new(DigestProfile::V1, &FederationSecret::from_passphrase("t")).unwrap()
    }

    #[test]
    fn variants_and_errors() {
        let d = digester();
        let ok = parse_search(
            br#"{"digest":"00112233445566778899aabbccddeeff","seen_at":"2021-04-28T10:30:21.5Z"}"#,
            &d,
        )
        .unwrap();
        assert_eq!(ok.source, SourceKind::Digest);
        assert_eq!(
            ok.evidence.seen_at,
            Timestamp::from_secs_nanos(1_619_605_821, 500_000_000)
        );
        assert_eq!(ok.tolerance_ms, DEFAULT_TOLERANCE_MS);
        let err = |b: &str| parse_search(b.as_bytes(), &d).unwrap_err();
        assert_eq!(err("{}"), SubmitError::NoEvidence);
        assert!(matches!(err("[1]"), SubmitError::BadJson(_)));
        assert!(matches!(
            err(r#"{"digest":"zz","seen_at":1}"#),
            SubmitError::BadDigest(_)
        ));
        assert_eq!(
            err(r#"{"digest":"00112233445566778899aabbccddeeff"}"#),
            SubmitError::Missing("seen_at")
        );
        assert!(matches!(
            err(r#"{"packet_hex":"4g","linktype":101,"seen_at":1}"#),
            SubmitError::BadHex(_)
        ));
        assert!(matches!(
            err(r#"{"packet_hex":"45","linktype":101,"seen_at":1}"#),
            SubmitError::NotDigestible(_)
        ));
        assert_eq!(
            err(r#"{"packet_hex":"45","linktype":7777,"seen_at":1}"#),
            SubmitError::UnsupportedLinkType(7777)
        );
        assert!(matches!(
            err(r#"{"digest":"00112233445566778899aabbccddeeff","seen_at":"yesterday"}"#),
            SubmitError::BadTime(_)
        ));
        assert!(matches!(
            err(r#"{"digest":"x","eve":"y"}"#),
            SubmitError::SeveralEvidence
        ));
        assert!(matches!(err(r#"{"nonsense":1}"#), SubmitError::BadJson(_)));
    }
}
