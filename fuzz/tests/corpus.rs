//! Replays the committed seed corpus (`fuzz/corpus/<target>/`) through each target's
//! check under plain `cargo test` (stable Rust, no libFuzzer): `cd fuzz && cargo test`.

use std::fs;
use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    let mut seen = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        check(&fs::read(&path).unwrap());
        seen += 1;
    }
    assert!(seen > 0, "no seed in {}", dir.display());
}

#[test]
fn rolling_single() {
    replay("rolling_single", capcycle_fuzz::check_rolling_single);
}

#[test]
fn rolling_pair() {
    replay("rolling_pair", capcycle_fuzz::check_rolling_pair);
}

#[test]
fn events_paths() {
    replay("events_paths", capcycle_fuzz::check_events_paths);
}

#[test]
fn events_summary() {
    replay("events_summary", capcycle_fuzz::check_events_summary);
}

#[test]
fn valuation() {
    replay("valuation", capcycle_fuzz::check_valuation);
}
