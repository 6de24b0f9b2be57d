//! What the proof of work costs the server and the client, measured, not
//! asserted: `cargo bench -p waiting-room --bench proof_of_work`.
//!
//! Server: signing a challenge (`GET /v1/queue/challenge`) and verifying a
//! solved proof (`POST /v1/queue/tokens`: decode, constant-time MAC check,
//! one SHA-256), BENCH_ROUNDS (100,000) times each, plus verifying a forged
//! proof (refused at the MAC). Client: hashes per second of the reference
//! solver, and the mean time to solve at a few difficulties. The Redis read
//! of the room's difficulty is not included (one HGET beside the join's
//! own script).

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::Utc;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use waiting_room::{leading_zero_bits, solve, Challenge, ChallengeSigner, Room};

const SECRET: &[u8] = b"a queue secret of at least thirty-two bytes";

fn main() {
    let rounds: u32 = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(100_000);
    let signer = ChallengeSigner::new(SECRET);
    let user_id = Uuid::new_v4();
    let room = Room::Schedule(Uuid::new_v4());
    let challenge = |bits| Challenge {
        user_id,
        room,
        bits,
        expires_at: Utc::now() + chrono::Duration::seconds(120),
        nonce: *Uuid::new_v4().as_bytes(),
    };

    let issued = challenge(16);
    let started = Instant::now();
    for _ in 0..rounds {
        black_box(signer.sign(black_box(&issued)));
    }
    report("server: sign a challenge", started.elapsed(), rounds);

    let proof = solve(&signer.sign(&issued), 16).expect("16 bits are solvable");
    let now = Utc::now();
    let started = Instant::now();
    for _ in 0..rounds {
        let checked = signer.verify(black_box(&proof), user_id, room, 16, now);
        assert!(checked.is_ok());
    }
    report(
        "server: verify a solved proof (16 bits)",
        started.elapsed(),
        rounds,
    );

    let forger = ChallengeSigner::new(b"somebody else's secret, thirty-two bytes+");
    let forged = solve(&forger.sign(&issued), 4).expect("solvable");
    let started = Instant::now();
    for _ in 0..rounds {
        assert!(signer
            .verify(black_box(&forged), user_id, room, 16, now)
            .is_err());
    }
    report("server: refuse a forged proof", started.elapsed(), rounds);

    let wire = signer.sign(&issued);
    let started = Instant::now();
    let hashes = rounds.saturating_mul(10);
    for counter in 0..hashes {
        let proof = format!("{wire}.{counter}");
        black_box(leading_zero_bits(&Sha256::digest(proof.as_bytes())));
    }
    let elapsed = started.elapsed();
    println!(
        "client: {:.2} M hashes/s (one core, the reference solver)",
        f64::from(hashes) / elapsed.as_secs_f64() / 1e6
    );

    for bits in [12u8, 16, 20] {
        let tries = 8;
        let started = Instant::now();
        for _ in 0..tries {
            black_box(solve(&signer.sign(&challenge(bits)), bits));
        }
        println!(
            "client: solve {bits} bits: {:.1} ms mean over {tries} challenges",
            started.elapsed().as_secs_f64() * 1e3 / f64::from(tries)
        );
    }
}

fn report(what: &str, elapsed: Duration, rounds: u32) {
    println!(
        "{what}: {:.2} µs each ({rounds} rounds)",
        elapsed.as_secs_f64() * 1e6 / f64::from(rounds)
    );
}
