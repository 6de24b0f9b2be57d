//! Each target's body over every file of its corpus (the committed seeds,
//! and whatever `make fuzz` added under `corpus/`): the regression run of
//! the fuzz targets, without libFuzzer, on the stable toolchain.

use std::path::{Path, PathBuf};

/// `fuzz/corpus/`, where `make fuzz` keeps what it finds.
fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

fn each_input(target: &str, body: fn(&[u8])) -> usize {
    let dir = corpus().join(target);
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).expect("the corpus directory exists") {
        let path = entry.unwrap().path();
        body(&std::fs::read(&path).unwrap());
        inputs += 1;
    }
    inputs
}

#[test]
fn the_queue_token_corpus_runs_clean() {
    assert!(each_input("queue_token", fuzz_bodies::queue_token) > 0);
}

#[test]
fn the_record_decoder_corpus_runs_clean() {
    assert!(each_input("record_decoder", fuzz_bodies::record_decoder) > 0);
}

#[test]
fn the_genuine_seeds_of_the_corpus_verify() {
    let dir = corpus().join("queue_token");
    let verifier = fuzz_bodies::token_signer(None);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("genuine-")
        {
            let token = std::fs::read_to_string(&path).unwrap();
            assert!(verifier.verify(&token).is_ok(), "{path:?}");
        }
    }
}

#[test]
fn genuine_seed_tokens_verify() {
    // The property the target checks is only worth anything if genuine
    // tokens reach it: every layout verifies under the target's keys.
    let verifier = fuzz_bodies::token_signer(None);
    for signing in [None, Some("a"), Some("2026-12.b")] {
        for room in [None, Some(uuid::Uuid::new_v4())] {
            let token = fuzz_bodies::seed_token(signing, room);
            assert!(verifier.verify(&token).is_ok(), "{token}");
            fuzz_bodies::queue_token(token.as_bytes());
        }
    }
}
