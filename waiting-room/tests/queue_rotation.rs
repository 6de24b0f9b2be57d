//! Rotating the queue-token key over HTTP: each phase is the service
//! restarted (a new `Queue` and app on the same Redis) with the key
//! variables of that rotation step, read the way the binaries read them
//! (`infra::config::Settings::load` then `QueueSettings::from_config`).
//! A token keeps working while its key is held, the new key signs as soon
//! as it is named, and a token of a dropped key is refused 401 — while its
//! holder asking again keeps their place.

mod queue_support;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{test, web, App, HttpResponse};
use queue_support::Prefix;
use serde_json::Value;
use uuid::Uuid;
use waiting_room::{current_token, issue_token, ActiveQueuePass, QueueSettings};

const TOKENS: &str = "/v1/queue/tokens";
const CURRENT: &str = "/v1/queue/tokens/current";
const PROTECTED: &str = "/v1/protected";

const OLD: &str = "the unnamed secret of before, 32 bytes+";
const A: &str = "key a secret: at least thirty-two bytes";
const B: &str = "key b secret: at least thirty-two bytes";

async fn protected(pass: ActiveQueuePass) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "user_id": pass.user_id }))
}

/// The queue settings a service started with these variables runs with.
fn settings(vars: &[(&str, &str)]) -> QueueSettings {
    let vars: HashMap<&str, &str> = vars.iter().copied().collect();
    let config = infra::config::Settings::load(|name| vars.get(name).map(|v| v.to_string()))
        .expect("the key variables are valid");
    let mut settings = QueueSettings::from_config(&config.queue);
    settings.rate_control = waiting_room::RateControl::Fixed;
    settings.admit_per_second = 1_000_000;
    settings.admit_burst = 1_000_000;
    settings
}

/// One "start" of the service: its own `Queue` over the shared prefix.
macro_rules! started {
    ($prefix:expr, $vars:expr) => {{
        let queue = $prefix.queue(settings($vars));
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(queue.clone()))
                .route(TOKENS, web::post().to(issue_token))
                .route(CURRENT, web::get().to(current_token))
                .route(PROTECTED, web::post().to(protected)),
        )
        .await;
        (queue, app)
    }};
}

macro_rules! call {
    ($app:expr, $method:expr, $path:expr, $user:expr, $token:expr) => {{
        let mut request = match $method {
            "POST" => test::TestRequest::post(),
            _ => test::TestRequest::get(),
        }
        .uri($path)
        .insert_header(("X-User-Id", $user.to_string()));
        if let Some(token) = $token {
            request = request.insert_header(("X-Queue-Token", token));
        }
        let response = test::call_service(&$app, request.to_request()).await;
        let status = response.status();
        let body: Value =
            serde_json::from_slice(&test::read_body(response).await).unwrap_or(Value::Null);
        (status, body)
    }};
}

#[actix_web::test]
async fn a_token_of_key_a_works_while_a_is_held_and_is_refused_once_a_is_dropped() {
    let prefix = Prefix::new();
    let (fan, later) = (Uuid::new_v4(), Uuid::new_v4());

    // Start 1: key a alone signs.
    let (queue, app) = started!(prefix, &[("QUEUE_TOKEN_KEYS", &format!("a:{A}"))]);
    let (status, joined) = call!(app, "POST", TOKENS, fan, None::<&str>);
    assert_eq!(status, StatusCode::CREATED, "{joined}");
    let token_a = joined["token"].as_str().unwrap().to_owned();
    queue.admit_once().await.unwrap();
    drop((queue, app));

    // Start 2: a and b held, b signs. a's token still passes the guard.
    let both = format!("a:{A},b:{B}");
    let (_queue, app) = started!(
        prefix,
        &[
            ("QUEUE_TOKEN_KEYS", &both),
            ("QUEUE_TOKEN_SIGNING_KEY", "b")
        ]
    );
    let (status, body) = call!(app, "POST", PROTECTED, fan, Some(token_a.as_str()));
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, current) = call!(app, "GET", CURRENT, fan, Some(token_a.as_str()));
    assert_eq!(
        (status, &current["status"]),
        (StatusCode::OK, &Value::from("ACTIVE"))
    );
    // New tokens are b's: another fan's, and the fan's own when asked again
    // (same place, same token id, now under b).
    let (status, joined) = call!(app, "POST", TOKENS, later, None::<&str>);
    assert_eq!(status, StatusCode::CREATED, "{joined}");
    let token_b = joined["token"].as_str().unwrap().to_owned();
    let (status, reissued) = call!(app, "POST", TOKENS, fan, None::<&str>);
    assert_eq!(status, StatusCode::OK, "{reissued}");
    assert_eq!(reissued["status"], "ACTIVE");
    let fan_b = reissued["token"].as_str().unwrap().to_owned();
    assert_ne!(fan_b, token_a, "re-issued under the signing key b");

    // Start 3: a dropped. a's token is refused before Redis is asked; b's hold.
    let (_queue, app) = started!(prefix, &[("QUEUE_TOKEN_KEYS", &format!("b:{B}"))]);
    let (status, refused) = call!(app, "POST", PROTECTED, fan, Some(token_a.as_str()));
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("QUEUE_TOKEN_INVALID")),
        "{refused}"
    );
    let (status, _) = call!(app, "GET", CURRENT, fan, Some(token_a.as_str()));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = call!(app, "POST", PROTECTED, fan, Some(fan_b.as_str()));
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, current) = call!(app, "GET", CURRENT, later, Some(token_b.as_str()));
    assert_eq!(
        (status, &current["position"]),
        (StatusCode::OK, &Value::from(1))
    );
    // The refused fan asks again and is still ACTIVE, token under b.
    let (status, again) = call!(app, "POST", TOKENS, fan, None::<&str>);
    assert_eq!(
        (status, &again["status"]),
        (StatusCode::OK, &Value::from("ACTIVE"))
    );
    assert_eq!(again["token"].as_str(), Some(fan_b.as_str()));
}

#[actix_web::test]
async fn tokens_of_the_unnamed_secret_survive_the_move_to_named_keys_until_it_is_dropped() {
    let prefix = Prefix::new();
    let fan = Uuid::new_v4();

    // Before: QUEUE_TOKEN_SECRET alone, the token layout of old.
    let (_queue, app) = started!(prefix, &[("QUEUE_TOKEN_SECRET", OLD)]);
    let (status, joined) = call!(app, "POST", TOKENS, fan, None::<&str>);
    assert_eq!(status, StatusCode::CREATED, "{joined}");
    let old_token = joined["token"].as_str().unwrap().to_owned();
    assert_eq!(old_token.len(), waiting_room::TOKEN_LEN);

    // Step 1: b announced, the unnamed key still signs (no signing variable).
    let (_queue, app) = started!(
        prefix,
        &[
            ("QUEUE_TOKEN_SECRET", OLD),
            ("QUEUE_TOKEN_KEYS", &format!("b:{B}"))
        ]
    );
    let (status, again) = call!(app, "POST", TOKENS, fan, None::<&str>);
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["token"].as_str(), Some(old_token.as_str()));

    // Step 2: b signs, the unnamed key still verifies.
    let (_queue, app) = started!(
        prefix,
        &[
            ("QUEUE_TOKEN_SECRET", OLD),
            ("QUEUE_TOKEN_KEYS", &format!("b:{B}")),
            ("QUEUE_TOKEN_SIGNING_KEY", "b"),
        ]
    );
    let (status, current) = call!(app, "GET", CURRENT, fan, Some(old_token.as_str()));
    assert_eq!(
        (status, &current["position"]),
        (StatusCode::OK, &Value::from(1))
    );

    // Step 3: the unnamed key dropped.
    let (_queue, app) = started!(prefix, &[("QUEUE_TOKEN_KEYS", &format!("b:{B}"))]);
    let (status, refused) = call!(app, "GET", CURRENT, fan, Some(old_token.as_str()));
    assert_eq!(
        (status, refused["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("QUEUE_TOKEN_INVALID")),
        "{refused}"
    );
}
