//! Round trips and hostile frame bodies.

use super::*;
use crate::digest::{Digest, DigestProfile};
use crate::evidence::{Evidence, Ingress};
use crate::ids::Asn;
use crate::intertrack::{
    self, Arrival, AsStatus, Confidence, HopLimit, RequestId, TraceReply, TraceRequest, VisitedList,
};
use crate::store::{Coverage, QueryAnswer, WindowMatch};
use crate::time::{TimeRange, Timestamp};
use core::time::Duration;
use proptest::prelude::*;

fn evidence() -> Evidence {
    Evidence {
        digest: Digest([7; 16]),
        profile: DigestProfile::default(),
        seen_at: Timestamp::from_secs(1_700_000_000),
        before: Duration::from_secs(2),
        after: Duration::from_millis(500),
    }
}

fn samples() -> Vec<Message> {
    let id = RequestId::new(Asn(64500), Timestamp::from_secs(3), 9);
    vec![
        Message::Hello(Hello::new(Role::Interconnect, Asn(64500), "test")),
        Message::Error(ErrorReply::new(
            ErrorCode::Refused(Refusal::RateLimited),
            Some(3),
            "slow down",
        )),
        Message::Collector(CollectorMsg::Query(Query {
            id: 1,
            digest: Digest([1; 16]),
            profile: DigestProfile::default(),
            range: TimeRange::new(Timestamp::from_secs(1), Timestamp::from_secs(2)),
        })),
        Message::Collector(CollectorMsg::Answer {
            id: 1,
            answer: QueryAnswer {
                matches: vec![WindowMatch {
                    span: TimeRange::at(Timestamp::from_secs(1)),
                    false_positive_probability: 0.001,
                }],
                coverage: Coverage::Partial,
            },
        }),
        Message::Control(ControlMsg::Trace(LocalTraceRequest {
            id: 4,
            evidence: evidence(),
            arrival: Arrival::Neighbor(Asn(64501)),
        })),
        Message::Control(ControlMsg::Finding {
            id: 4,
            finding: ControlFinding {
                result: ControlResult::Entered {
                    ingress: vec![Ingress::Border {
                        neighbor: Asn(64502),
                        link: "ix-1".into(),
                    }],
                    confidence: Confidence::FULL,
                },
                questions: 3,
                failed: 0,
            },
        }),
        Message::Peer(PeerMsg::InterTrack(intertrack::Message::Request(
            TraceRequest::new(
                id,
                evidence(),
                HopLimit::MAX,
                VisitedList::starting_at(Asn(64500)),
                Asn(64500),
            ),
        ))),
        Message::Peer(PeerMsg::InterTrack(intertrack::Message::Reply(TraceReply::new(
            id,
            Asn(64501),
            VisitedList::starting_at(Asn(64500)),
            AsStatus::Source,
            Confidence::FULL,
        )))),
    ]
}

#[test]
fn every_sample_round_trips() {
    for m in samples() {
        let body = encode_frame(&m).unwrap();
        assert_eq!(&body[..2], &PROTOCOL_VERSION.to_be_bytes());
        assert_eq!(decode_frame(&body).unwrap(), m, "{}", m.kind());
        assert!(body.len() < DEFAULT_MAX_FRAME_LEN);
    }
}

#[test]
fn wrong_version_is_typed() {
    let mut body = encode_frame(&samples()[0]).unwrap();
    body[0] = 0xff;
    let err = decode_frame(&body).unwrap_err();
    assert_eq!(
        err,
        ProtoError::VersionMismatch {
            supported: PROTOCOL_VERSION,
            received: u16::from_be_bytes([0xff, body[1]]),
        }
    );
    assert!(matches!(err.to_reply().code, ErrorCode::VersionMismatch { .. }));
}

#[test]
fn short_garbage_trailing_and_oversized() {
    assert_eq!(decode_frame(&[]), Err(ProtoError::TooShort(0)));
    assert_eq!(decode_frame(&[0]), Err(ProtoError::TooShort(1)));
    let mut garbage = PROTOCOL_VERSION.to_be_bytes().to_vec();
    garbage.extend_from_slice(&[0xfe, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert!(matches!(decode_frame(&garbage), Err(ProtoError::Malformed(_))));
    let mut trailing = encode_frame(&samples()[0]).unwrap();
    trailing.extend_from_slice(&[1, 2, 3]);
    assert_eq!(decode_frame(&trailing), Err(ProtoError::TrailingBytes(3)));
    let big = vec![0u8; 100];
    assert_eq!(
        decode_frame_limited(&big, 50),
        Err(ProtoError::TooLarge { len: 100, limit: 50 })
    );
    assert_eq!(
        ProtoError::TooLarge { len: 100, limit: 50 }.to_reply().code,
        ErrorCode::FrameTooLarge { limit: 50 }
    );
}

#[test]
fn long_text_is_truncated_on_a_char_boundary() {
    let h = Hello::new(Role::Client, Asn(1), "é".repeat(200));
    assert!(h.agent.len() <= MAX_TEXT_LEN);
    assert!(h.agent.chars().all(|c| c == 'é'));
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_frame(&bytes);
        let mut v = PROTOCOL_VERSION.to_be_bytes().to_vec();
        v.extend_from_slice(&bytes);
        let _ = decode_frame(&v);
    }

    #[test]
    fn mutated_valid_frames_never_panic(idx in 0usize..8, pos in any::<usize>(), byte in any::<u8>()) {
        let mut body = encode_frame(&samples()[idx]).unwrap();
        let p = pos % body.len();
        body[p] = byte;
        let _ = decode_frame(&body);
        body.truncate(p);
        let _ = decode_frame(&body);
    }
}

#[test]
fn fuzz_seed_corpus_replays() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/frame_decoder");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("seed corpus present") {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let result = decode_frame(&bytes);
        match name.as_str() {
            "wrong_version" => assert!(matches!(
                result,
                Err(ProtoError::VersionMismatch { received: 2, .. })
            )),
            "hello" => assert!(
                matches!(result, Ok(Message::Hello(ref h)) if h.asn == Asn(64500) && h.role == Role::Interconnect)
            ),
            "stats_request" => assert_eq!(
                result,
                Ok(Message::Collector(CollectorMsg::StatsRequest { id: 7 }))
            ),
            "error_rate_limited" => assert!(
                matches!(result, Ok(Message::Error(ref e)) if e.code == ErrorCode::Refused(Refusal::RateLimited) && e.request == Some(9)),
                "{result:?}"
            ),
            _ => {
                let _ = result;
            }
        }
        seen += 1;
    }
    assert!(seen >= 4);
}
