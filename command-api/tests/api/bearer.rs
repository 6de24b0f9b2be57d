//! AUTH_MODE=jwt against a spawned command-api: the caller is a verified
//! bearer token's `sub`, with keys from an HS256 secret, an RS256 PEM file
//! and a JWKS file; every refusal is `401 UNAUTHENTICATED` problem+json
//! with a `WWW-Authenticate: Bearer` challenge, and nothing is appended.

use infra::testing::bearer::{claims_for, hs256, now, RsaKeyPair};
use serde_json::{json, Value};
use uuid::Uuid;
use waiting_room::TokenSigner;

use crate::helpers::{assert_refused_without_append, spawn_app_with, TestApp};

const HS_SECRET: &str = "bearer-test-secret-of-at-least-32-bytes";

fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Asks for a queue token as `bearer` (plus a gateway header naming someone
/// else, which jwt mode must ignore).
fn join(app: &TestApp, bearer: Option<&str>) -> reqwest::RequestBuilder {
    let request = app
        .post("/v1/queue/tokens")
        .header("X-User-Id", Uuid::new_v4().to_string());
    match bearer {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

/// The queue token `bearer` got was issued to `user`.
async fn issued_to(app: &TestApp, bearer: &str, user: Uuid) {
    let response = join(app, Some(bearer)).send().await.unwrap();
    // 201 the first time, 200 (the same place) when `user` is already in line.
    assert!(
        [200, 201].contains(&response.status().as_u16()),
        "{}",
        response.status()
    );
    let body: Value = response.json().await.unwrap();
    let signer = TokenSigner::new(
        app.settings()
            .queue
            .token_keys
            .signing_secret()
            .expose()
            .as_bytes(),
    );
    let claims = signer.verify(body["token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.user_id, user, "the token's sub is the caller");
}

/// Refused 401 UNAUTHENTICATED with `challenge`, its detail containing `why`.
async fn refused(app: &TestApp, request: reqwest::RequestBuilder, challenge_is: &str, why: &str) {
    let response = request.try_clone().unwrap().send().await.unwrap();
    assert_eq!(challenge(&response), challenge_is);
    let body = assert_refused_without_append(app, request, 401, "UNAUTHENTICATED").await;
    assert!(
        body["detail"].as_str().unwrap().contains(why),
        "{why}: {body}"
    );
}

#[tokio::test]
async fn hs256_tokens_name_the_caller_and_bad_ones_are_refused_with_a_challenge() {
    let app = spawn_app_with(&[
        ("AUTH_MODE", "jwt"),
        ("AUTH_JWT_HS256_SECRET", HS_SECRET),
        ("AUTH_JWT_ISSUER", "https://id.example"),
        ("AUTH_JWT_AUDIENCE", "ticketfold"),
    ])
    .await;
    let user = Uuid::new_v4();
    let claims = |extra: Value| {
        let mut claims = claims_for(user);
        claims["iss"] = json!("https://id.example");
        claims["aud"] = json!("ticketfold");
        for (key, value) in extra.as_object().unwrap() {
            claims[key] = value.clone();
        }
        claims
    };
    issued_to(&app, &hs256(HS_SECRET, &claims(json!({}))), user).await;
    // Within the 30 s leeway an expired token still counts.
    issued_to(
        &app,
        &hs256(HS_SECRET, &claims(json!({"exp": now() - 5}))),
        user,
    )
    .await;

    refused(&app, join(&app, None), "Bearer", "Authorization").await;
    let invalid = "Bearer error=\"invalid_token\"";
    let cases = [
        (
            hs256(HS_SECRET, &claims(json!({"exp": now() - 120}))),
            "expired",
        ),
        (
            hs256(HS_SECRET, &claims(json!({"nbf": now() + 120}))),
            "not valid yet",
        ),
        (
            hs256("another-secret-of-at-least-32-bytes!!", &claims(json!({}))),
            "signature",
        ),
        (hs256(HS_SECRET, &claims(json!({"sub": "alice"}))), "sub"),
        (
            hs256(HS_SECRET, &claims(json!({"iss": "https://evil.example"}))),
            "issuer",
        ),
        (
            hs256(HS_SECRET, &claims(json!({"aud": "someone-else"}))),
            "audience",
        ),
        ("not.a.jwt".to_owned(), "malformed"),
    ];
    for (token, why) in cases {
        refused(&app, join(&app, Some(&token)), invalid, why).await;
    }
    // Without exp a token would never lapse: refused.
    let mut endless = claims(json!({}));
    endless.as_object_mut().unwrap().remove("exp");
    refused(
        &app,
        join(&app, Some(&hs256(HS_SECRET, &endless))),
        invalid,
        "",
    )
    .await;
    // The user's own endpoints take the same caller: a charge without a token.
    let charge = app
        .post("/v1/balance/charges")
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .json(&json!({ "amount": 1000 }));
    refused(&app, charge, "Bearer", "Authorization").await;
}

#[tokio::test]
async fn rs256_tokens_verify_with_a_pem_public_key_and_another_algorithm_is_refused() {
    let pair = RsaKeyPair::generate();
    let app = spawn_app_with(&[
        ("AUTH_MODE", "jwt"),
        ("AUTH_JWT_RS256_PUBLIC_KEY_FILE", &pair.public_pem_file()),
    ])
    .await;
    let user = Uuid::new_v4();
    issued_to(&app, &pair.rs256(&claims_for(user), None), user).await;
    let other = RsaKeyPair::generate();
    let invalid = "Bearer error=\"invalid_token\"";
    let forged = other.rs256(&claims_for(user), None);
    refused(&app, join(&app, Some(&forged)), invalid, "signature").await;
    // HS256 signed with the public key as the secret (the classic confusion):
    // no HS256 key is configured, so the algorithm is not accepted.
    let pem = std::fs::read_to_string(pair.public_pem_file()).unwrap();
    let confused = hs256(&pem, &claims_for(user));
    refused(&app, join(&app, Some(&confused)), invalid, "algorithm").await;
}

#[tokio::test]
async fn a_jwks_file_picks_the_key_by_kid() {
    let (current, retired) = (RsaKeyPair::generate(), RsaKeyPair::generate());
    let jwks = current.write_jwks(&[current.jwk("current"), retired.jwk("retired")]);
    let app = spawn_app_with(&[("AUTH_MODE", "jwt"), ("AUTH_JWKS_FILE", &jwks)]).await;
    let user = Uuid::new_v4();
    issued_to(
        &app,
        &current.rs256(&claims_for(user), Some("current")),
        user,
    )
    .await;
    issued_to(
        &app,
        &retired.rs256(&claims_for(user), Some("retired")),
        user,
    )
    .await;
    // Without a kid every RS256 key of the set is tried.
    issued_to(&app, &current.rs256(&claims_for(user), None), user).await;
    let invalid = "Bearer error=\"invalid_token\"";
    let unknown = current.rs256(&claims_for(user), Some("unknown"));
    refused(&app, join(&app, Some(&unknown)), invalid, "key").await;
    // A token naming one key but signed by the other does not verify.
    let swapped = retired.rs256(&claims_for(user), Some("current"));
    refused(&app, join(&app, Some(&swapped)), invalid, "signature").await;
}
