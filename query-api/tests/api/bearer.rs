//! AUTH_MODE=jwt against a spawned query-api: the caller's own data is
//! read for the bearer token's `sub`, never for a forged `X-User-Id`.

use infra::testing::bearer::{claims_for, hs256, RsaKeyPair};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::spawn_app_with;
use crate::seed;

const HS_SECRET: &str = "query-bearer-secret-of-at-least-32-bytes";

#[tokio::test]
async fn the_balance_is_the_bearers_and_a_missing_token_is_challenged() {
    let pair = RsaKeyPair::generate();
    let jwks = pair.write_jwks(&[pair.jwk("k1")]);
    let app = spawn_app_with(&[
        ("AUTH_MODE", "jwt"),
        ("AUTH_JWT_HS256_SECRET", HS_SECRET),
        ("AUTH_JWKS_FILE", &jwks),
    ])
    .await;
    let (user, other) = (Uuid::new_v4(), Uuid::new_v4());
    seed::wallet(&app.pool, user, 25_000).await;
    seed::wallet(&app.pool, other, 7).await;

    for token in [
        hs256(HS_SECRET, &claims_for(user)),
        pair.rs256(&claims_for(user), Some("k1")),
    ] {
        let response = app
            .client
            .get(app.url("/v1/balance"))
            .bearer_auth(&token)
            // Ignored in jwt mode: naming someone else changes nothing.
            .header("X-User-Id", other.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"balance": 25_000}));
    }

    let response = app
        .client
        .get(app.url("/v1/balance"))
        .header("X-User-Id", user.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "UNAUTHENTICATED");
}
