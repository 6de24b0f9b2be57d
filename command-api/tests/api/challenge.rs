//! Bot friction: a room that asks for a proof of work refuses token
//! requests without a solved challenge (403 QUEUE_PROOF_INVALID) and gives
//! a token for one; off by default, switched on per room by the operator.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, TestApp, ADMIN_KEY};

/// `GET /v1/queue/challenge` as `user`: the challenge and its bits.
async fn challenge(app: &TestApp, user: Uuid) -> (String, u8) {
    let response = app
        .client
        .get(app.url("/v1/queue/challenge"))
        .header("X-User-Id", user.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let bits = u8::try_from(body["difficulty_bits"].as_u64().unwrap()).unwrap();
    (body["challenge"].as_str().unwrap().to_owned(), bits)
}

fn join_with_proof(app: &TestApp, user: Uuid, proof: &str) -> reqwest::RequestBuilder {
    app.post("/v1/queue/tokens")
        .header("X-User-Id", user.to_string())
        .header(waiting_room::PROOF_HEADER, proof)
}

#[tokio::test]
async fn a_room_asking_for_work_refuses_a_token_request_without_a_solved_proof() {
    let app = spawn_app_with(&[("QUEUE_CHALLENGE_BITS", "12")]).await;
    let user = Uuid::new_v4();

    let response = app
        .post("/v1/queue/tokens")
        .header("X-User-Id", user.to_string())
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, 403, "QUEUE_PROOF_INVALID").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("/v1/queue/challenge"),
        "{body}"
    );

    let (wire, bits) = challenge(&app, user).await;
    assert_eq!(bits, 12);
    // Junk, a counter that does not solve it, and another fan's solution.
    let unsolved = (0..)
        .map(|counter| format!("{wire}.{counter}"))
        .find(|proof| !solves(proof, 12))
        .unwrap();
    let (others, _) = challenge(&app, Uuid::new_v4()).await;
    let others = waiting_room::solve(&others, 12).unwrap();
    for proof in ["junk", unsolved.as_str(), others.as_str()] {
        let response = join_with_proof(&app, user, proof).send().await.unwrap();
        assert_problem(response, 403, "QUEUE_PROOF_INVALID").await;
    }
    // Refused requests did not queue the fan: the first real join creates.
    let proof = waiting_room::solve(&wire, bits).unwrap();
    let response = join_with_proof(&app, user, &proof).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert!(body["token"]
        .as_str()
        .is_some_and(|token| !token.is_empty()));
}

fn solves(proof: &str, bits: u32) -> bool {
    use sha2::Digest;
    waiting_room::leading_zero_bits(&sha2::Sha256::digest(proof.as_bytes())) >= bits
}

#[tokio::test]
async fn the_proof_is_off_by_default_and_the_operator_turns_it_on_per_room() {
    let app = spawn_app().await;
    let (status, _) = app.join_queue(Uuid::new_v4()).await;
    assert_eq!(status, 201, "no proof asked by default");

    let response = reqwest::Client::new()
        .put(app.url("/v1/admin/queue/rooms/global/limits"))
        .header("X-Admin-Key", ADMIN_KEY)
        .json(&json!({"rate_per_second": null, "active_max": null, "challenge_bits": 33}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "VALIDATION_FAILED").await;
    let response = reqwest::Client::new()
        .put(app.url("/v1/admin/queue/rooms/global/limits"))
        .header("X-Admin-Key", ADMIN_KEY)
        .json(&json!({"rate_per_second": null, "active_max": null, "challenge_bits": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let user = Uuid::new_v4();
    let (status, body) = app.join_queue(user).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("QUEUE_PROOF_INVALID"))
    );
    let (wire, bits) = challenge(&app, user).await;
    assert_eq!(bits, 10);
    let proof = waiting_room::solve(&wire, bits).unwrap();
    let response = join_with_proof(&app, user, &proof).send().await.unwrap();
    assert_eq!(response.status(), 201);
}
