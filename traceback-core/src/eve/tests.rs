//! EVE reader tests: every recorded alert, then hostile lines.

use super::*;

fn sample_lines() -> Vec<String> {
    let p = format!(
        "{}/../testdata/suricata/sample-eve-alerts.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn alert(line: &str) -> EveAlert {
    match parse_eve_line(line.as_bytes()).unwrap() {
        EveEvent::Alert(a) => a,
        other => panic!("not an alert: {other:?}"),
    }
}

#[test]
fn every_recorded_alert_decodes() {
    let lines = sample_lines();
    assert_eq!(lines.len(), 4);
    for line in &lines {
        let a = alert(line);
        assert_eq!(a.link, LinkType::ETHERNET);
        assert!(!a.link_assumed);
        assert!(a.packet.len() >= 14 + 20, "{}", a.packet.len());
        // The frame's ethertype agrees with the address family.
        let ethertype = u16::from_be_bytes([a.packet[12], a.packet[13]]);
        match a.src_ip.unwrap() {
            IpAddr::V4(_) => assert_eq!(ethertype, 0x0800),
            IpAddr::V6(_) => assert_eq!(ethertype, 0x86dd),
        }
        assert!(a.signature.starts_with("TRACEBACK"));
    }
    let first = alert(&lines[0]);
    assert_eq!(first.signature_id, 9_000_002);
    assert_eq!(
        first.timestamp,
        Timestamp::from_secs_nanos(1_619_605_821, 99_510_000)
    );
    assert_eq!(first.src_ip, Some("160.161.74.108".parse().unwrap()));
    assert_eq!((first.src_port, first.dest_port), (Some(41885), Some(25565)));
    // The packet's IPv4 source is the alert's source.
    assert_eq!(&first.packet[26..30], &[160, 161, 74, 108]);
    // Fully expanded IPv6 addresses.
    let v6 = alert(&lines[2]);
    assert_eq!(v6.src_ip, Some("ff02::1".parse().unwrap()));
}

#[test]
fn variants_of_real_lines() {
    let line = &sample_lines()[0];
    let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
    // stream: 1 and no payload: still the packet.
    v["stream"] = 1.into();
    let a = alert(&v.to_string());
    assert!(a.stream);
    // No packet_info: Ethernet assumed, and said so.
    v.as_object_mut().unwrap().remove("packet_info");
    let b = alert(&v.to_string());
    assert!(b.link_assumed);
    assert_eq!(b.link, LinkType::ETHERNET);
    assert_eq!(a.packet, b.packet);
    // A raw-IP link type is carried through.
    v["packet_info"] = serde_json::json!({"linktype": 101});
    assert_eq!(alert(&v.to_string()).link, LinkType::RAW);
    // Non-alert events are an outcome, not an error.
    let flow = r#"{"timestamp":"2021-04-28T10:30:21.099510+0000","event_type":"flow","src_ip":"1.2.3.4"}"#;
    assert_eq!(
        parse_eve_line(flow.as_bytes()).unwrap(),
        EveEvent::Other {
            event_type: "flow".into()
        }
    );
}

#[test]
fn hostile_lines_give_typed_errors() {
    let line = &sample_lines()[0];
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut w = v.clone();
        f(&mut w);
        parse_eve_line(w.to_string().as_bytes())
    };
    assert!(matches!(
        with(&|w| w["packet"] = "!!not base64!!".into()),
        Err(EveError::BadBase64(_))
    ));
    assert!(matches!(
        with(&|w| {
            w.as_object_mut().unwrap().remove("packet");
        }),
        Err(EveError::MissingField("packet"))
    ));
    assert!(matches!(
        with(&|w| w["timestamp"] = "yesterday".into()),
        Err(EveError::BadTimestamp(_))
    ));
    assert!(matches!(
        with(&|w| w["src_ip"] = "10.1".into()),
        Err(EveError::BadAddress(_))
    ));
    assert!(matches!(
        with(&|w| w["src_port"] = 70000.into()),
        Err(EveError::Json(_))
    ));
    assert!(matches!(
        with(&|w| {
            w.as_object_mut().unwrap().remove("alert");
        }),
        Err(EveError::MissingField("alert"))
    ));
    assert!(matches!(
        parse_eve_line(b"{\"event_type\":"),
        Err(EveError::Json(_))
    ));
    assert!(matches!(
        parse_eve_line(b"\xff\xfe garbage"),
        Err(EveError::Json(_))
    ));
    assert!(matches!(parse_eve_line(b"[1,2,3]"), Err(EveError::Json(_))));
    assert!(matches!(
        parse_eve_line(b"{}"),
        Err(EveError::MissingField("event_type"))
    ));
    assert!(matches!(
        parse_eve_line(&vec![b' '; MAX_LINE_LEN + 1]),
        Err(EveError::TooLong(_))
    ));
}

#[test]
fn timestamps() {
    let t = |s: &str| parse_timestamp(s).map(|t| t.as_nanos());
    assert_eq!(t("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(
        t("2021-04-28T10:30:21.099510+0000"),
        Some(1_619_605_821_099_510_000)
    );
    assert_eq!(
        t("2021-04-28T12:30:21.099510+02:00"),
        Some(1_619_605_821_099_510_000)
    );
    assert_eq!(
        t("2021-04-28T05:30:21.099510-0500"),
        Some(1_619_605_821_099_510_000)
    );
    assert_eq!(
        t("2000-02-29T00:00:00.123456789123Z"),
        Some(951_782_400_123_456_789)
    );
    assert_eq!(t("2001-02-29T00:00:00Z"), None);
    assert_eq!(t("1969-12-31T23:59:59Z"), None);
    assert_eq!(t("2021-13-01T00:00:00Z"), None);
    assert_eq!(t("2021-04-28T10:30:21."), None);
    assert_eq!(t("2021-04-28T10:30:21+0000x"), None);
    assert_eq!(t("2021-04-28"), None);
    assert_eq!(t("２０２1-04-28T10:30:21Z"), None);
}
