//! `digest FILE...`: one JSON line per packet (placeholder until the capture reader lands).
fn main() {
    eprintln!("digest: not yet implemented");
    std::process::exit(2);
}
