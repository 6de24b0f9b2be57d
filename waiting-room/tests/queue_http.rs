//! The queue's HTTP face: the two route handlers and the extractors, each
//! refusal with the contract's status and code, and Redis being down.

mod queue_support;

use std::time::Duration;

use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::{test, web, App, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use queue_support::{cap_only, Prefix, SECRET};
use serde_json::Value;
use uuid::Uuid;
use waiting_room::{
    current_token, issue_token, ActiveQueuePass, Admitter, Queue, QueueSettings, TokenClaims,
    TokenSigner, TOKEN_LEN,
};

const PROTECTED: &str = "/v1/protected";
const TOKENS: &str = "/v1/queue/tokens";
const CURRENT: &str = "/v1/queue/tokens/current";

async fn protected(pass: ActiveQueuePass) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "user_id": pass.user_id }))
}

/// What a service mounts: the queue as app data, the two routes, and a
/// handler guarded by `ActiveQueuePass`.
macro_rules! app {
    ($queue:expr) => {
        test::init_service(
            App::new()
                .app_data(web::Data::new($queue.clone()))
                .route(TOKENS, web::post().to(issue_token))
                .route(CURRENT, web::get().to(current_token))
                .route(PROTECTED, web::post().to(protected)),
        )
        .await
    };
}

struct Answer {
    status: StatusCode,
    body: Value,
}

impl Answer {
    async fn from(response: ServiceResponse) -> Self {
        let status = response.status();
        let bytes = test::read_body(response).await;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Self { status, body }
    }

    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("<no code>")
    }
}

fn request(method: &str, path: &str, user: Option<&str>, token: Option<&str>) -> test::TestRequest {
    let mut request = match method {
        "POST" => test::TestRequest::post(),
        _ => test::TestRequest::get(),
    }
    .uri(path);
    if let Some(user) = user {
        request = request.insert_header(("X-User-Id", user));
    }
    if let Some(token) = token {
        request = request.insert_header(("X-Queue-Token", token));
    }
    request
}

macro_rules! call {
    ($app:expr, $method:expr, $path:expr, $user:expr, $token:expr) => {{
        let response =
            test::call_service(&$app, request($method, $path, $user, $token).to_request()).await;
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| value.to_str().unwrap().to_owned());
        let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
        let answer = Answer::from(response).await;
        if answer.status.is_client_error() || answer.status.is_server_error() {
            assert_eq!(content_type.as_deref(), Some("application/problem+json"));
        }
        if answer.status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(retry_after.is_some(), "503 without Retry-After");
        }
        answer
    }};
}

fn refused(answer: &Answer, status: u16, code: &str, case: &str) {
    assert_eq!(
        (answer.status.as_u16(), answer.code()),
        (status, code),
        "{case}: {}",
        answer.body
    );
}

#[actix_web::test]
async fn issuing_answers_201_then_200_with_the_same_token_and_place() {
    let prefix = Prefix::new();
    let queue = prefix.queue(cap_only(1));
    let app = app!(queue);
    let (first, second) = (Uuid::new_v4().to_string(), Uuid::new_v4().to_string());

    let joined = call!(app, "POST", TOKENS, Some(&first), None);
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.body);
    assert_eq!(joined.body["status"], "WAITING");
    assert_eq!(joined.body["position"], 1);
    assert!(joined.body["eta_seconds"].as_u64().unwrap() >= 1);
    assert!(joined.body["expires_at"].is_string());
    let token = joined.body["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), TOKEN_LEN);

    let behind = call!(app, "POST", TOKENS, Some(&second), None);
    assert_eq!(
        (behind.status, &behind.body["position"]),
        (StatusCode::CREATED, &Value::from(2))
    );

    let again = call!(app, "POST", TOKENS, Some(&first), None);
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["token"], token.as_str());
    assert_eq!(again.body["position"], 1);

    let current = call!(app, "GET", CURRENT, Some(&first), Some(&token));
    assert_eq!(current.status, StatusCode::OK);
    assert_eq!(current.body["status"], "WAITING");
    assert_eq!(current.body["position"], 1);
    assert!(current.body.get("token").is_none());

    queue.admit_once().await.unwrap();
    let active = call!(app, "GET", CURRENT, Some(&first), Some(&token));
    assert_eq!(active.body["status"], "ACTIVE");
    assert_eq!(
        (&active.body["position"], &active.body["eta_seconds"]),
        (&Value::from(0), &Value::from(0))
    );
    assert!(active.body["expires_at"].is_string());
    let allowed = call!(app, "POST", PROTECTED, Some(&first), Some(&token));
    assert_eq!(allowed.status, StatusCode::OK);
    assert_eq!(allowed.body["user_id"], first.as_str());

    // A completed payment expires the token; joining again starts at the back.
    queue.complete(first.parse().unwrap()).await.unwrap();
    let expired = call!(app, "GET", CURRENT, Some(&first), Some(&token));
    assert_eq!(expired.status, StatusCode::OK);
    assert_eq!(expired.body["status"], "EXPIRED");
    let rejoined = call!(app, "POST", TOKENS, Some(&first), None);
    assert_eq!(rejoined.status, StatusCode::CREATED);
    assert_ne!(rejoined.body["token"], token.as_str());
    assert_eq!(rejoined.body["position"], 2);
    let old = call!(app, "POST", PROTECTED, Some(&first), Some(&token));
    refused(&old, 401, "QUEUE_TOKEN_INVALID", "old token after re-join");
}

/// (what, X-User-Id, X-Queue-Token, status, code)
type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, u16, &'a str);

#[actix_web::test]
async fn every_refusal_gets_the_contract_status_and_code() {
    let prefix = Prefix::new();
    let queue = prefix.queue(cap_only(1));
    let app = app!(queue);
    let (active, waiting, done) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let done_token = queue.join(done).await.unwrap().token;
    queue.admit_once().await.unwrap();
    queue.complete(done).await.unwrap();
    let active_token = queue.join(active).await.unwrap().token;
    queue.admit_once().await.unwrap();
    let waiting_token = queue.join(waiting).await.unwrap().token;
    let (active_id, waiting_id, done_id) =
        (active.to_string(), waiting.to_string(), done.to_string());

    let claims = TokenSigner::new(SECRET).verify(&active_token).unwrap();
    let other_secret = TokenSigner::new(b"some-other-secret-0123456789abcdef-xyz").sign(&claims);
    let forged = URL_SAFE_NO_PAD.encode([1u8; 73]);
    let mut tampered = active_token.clone().into_bytes();
    tampered[40] = if tampered[40] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(tampered).unwrap();
    let truncated = &active_token[..active_token.len() - 2];

    let cases: [Case; 13] = [
        (
            "no X-User-Id",
            None,
            Some(&active_token),
            401,
            "UNAUTHENTICATED",
        ),
        (
            "X-User-Id not a UUID",
            Some("alice"),
            Some(&active_token),
            401,
            "UNAUTHENTICATED",
        ),
        (
            "no token",
            Some(&active_id),
            None,
            401,
            "QUEUE_TOKEN_INVALID",
        ),
        (
            "garbage token",
            Some(&active_id),
            Some("abc"),
            401,
            "QUEUE_TOKEN_INVALID",
        ),
        (
            "forged token",
            Some(&active_id),
            Some(&forged),
            401,
            "QUEUE_TOKEN_INVALID",
        ),
        (
            "tampered token",
            Some(&active_id),
            Some(&tampered),
            401,
            "QUEUE_TOKEN_INVALID",
        ),
        (
            "truncated token",
            Some(&active_id),
            Some(truncated),
            401,
            "QUEUE_TOKEN_INVALID",
        ),
        (
            "other secret",
            Some(&active_id),
            Some(&other_secret),
            401,
            "QUEUE_TOKEN_INVALID",
        ),
        (
            "expired token",
            Some(&done_id),
            Some(&done_token),
            401,
            "QUEUE_TOKEN_INVALID",
        ),
        // Expiry outranks ownership.
        (
            "someone's expired token",
            Some(&active_id),
            Some(&done_token),
            401,
            "QUEUE_TOKEN_INVALID",
        ),
        (
            "another user's token",
            Some(&waiting_id),
            Some(&active_token),
            403,
            "FORBIDDEN",
        ),
        (
            "waiting token",
            Some(&waiting_id),
            Some(&waiting_token),
            403,
            "QUEUE_TOKEN_NOT_ACTIVE",
        ),
        (
            "another user's waiting token",
            Some(&done_id),
            Some(&waiting_token),
            403,
            "FORBIDDEN",
        ),
    ];
    for (case, user, token, status, code) in cases {
        let answer = call!(app, "POST", PROTECTED, user, token);
        refused(&answer, status, code, case);
    }
    let allowed = call!(
        app,
        "POST",
        PROTECTED,
        Some(&active_id),
        Some(&active_token)
    );
    assert_eq!(allowed.status, StatusCode::OK);

    // Any status passes GET current, but a token must still be genuine and
    // the caller's own.
    let expired = call!(app, "GET", CURRENT, Some(&done_id), Some(&done_token));
    assert_eq!(
        (expired.status, expired.body["status"].as_str()),
        (StatusCode::OK, Some("EXPIRED"))
    );
    let waiting_state = call!(app, "GET", CURRENT, Some(&waiting_id), Some(&waiting_token));
    assert_eq!(waiting_state.body["status"], "WAITING");
    let theirs = call!(app, "GET", CURRENT, Some(&waiting_id), Some(&active_token));
    refused(
        &theirs,
        403,
        "FORBIDDEN",
        "GET current with another user's token",
    );
    let fake = call!(app, "GET", CURRENT, Some(&waiting_id), Some(&forged));
    refused(
        &fake,
        401,
        "QUEUE_TOKEN_INVALID",
        "GET current with a forged token",
    );
    let nobody = call!(app, "GET", CURRENT, None, Some(&waiting_token));
    refused(
        &nobody,
        401,
        "UNAUTHENTICATED",
        "GET current without X-User-Id",
    );
    let anonymous = call!(app, "POST", TOKENS, None, None);
    refused(
        &anonymous,
        401,
        "UNAUTHENTICATED",
        "POST tokens without X-User-Id",
    );
}

#[actix_web::test]
async fn an_unreachable_redis_answers_503_with_retry_after_and_forgeries_still_401() {
    let client = redis::Client::open("redis://127.0.0.1:1").unwrap();
    let settings = QueueSettings::new(10, 10, Duration::from_secs(60), SECRET);
    let queue = Queue::new(
        client,
        "tunreachable:",
        settings,
        &prometheus::Registry::new(),
    )
    .unwrap();
    let app = app!(queue);
    let user = Uuid::new_v4();
    let genuine = TokenSigner::new(SECRET).sign(&TokenClaims {
        user_id: user,
        token_id: Uuid::now_v7(),
        issued_at_ms: 1_767_225_600_000,
        room: waiting_room::Room::Global,
    });
    let user_id = user.to_string();

    // A hang guard, not a timing assertion.
    tokio::time::timeout(Duration::from_secs(30), async {
        let join = call!(app, "POST", TOKENS, Some(&user_id), None);
        refused(&join, 503, "UNAVAILABLE", "join");
        let guarded = call!(app, "POST", PROTECTED, Some(&user_id), Some(&genuine));
        refused(&guarded, 503, "UNAVAILABLE", "guarded endpoint");
        let current = call!(app, "GET", CURRENT, Some(&user_id), Some(&genuine));
        refused(&current, 503, "UNAVAILABLE", "current token");
        // Verification is pure: junk is refused without asking Redis.
        let forged = call!(app, "POST", PROTECTED, Some(&user_id), Some("not-a-token"));
        refused(
            &forged,
            401,
            "QUEUE_TOKEN_INVALID",
            "forged token, Redis down",
        );
        let nobody = call!(app, "POST", PROTECTED, None, Some(&genuine));
        refused(&nobody, 401, "UNAUTHENTICATED", "no user, Redis down");
        assert!(queue.ping().await.is_err());
        assert!(Admitter::new(queue.clone()).tick().await.is_err());
    })
    .await
    .expect("the queue hung while Redis was unreachable");
}

/// A TCP relay to the test Redis that can be cut and restored, to take Redis
/// away from a queue that is already connected.
struct Relay {
    port: u16,
    accept: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn open(port: u16) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("relay port is free");
        let port = listener.local_addr().unwrap().port();
        let target = queue_support::redis_url()
            .trim_start_matches("redis://")
            .trim_end_matches('/')
            .to_owned();
        let accept = tokio::spawn(async move {
            // Aborting this task drops the set, which aborts (and so closes)
            // every relayed connection.
            let mut links = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                links.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self { port, accept }
    }

    /// Closes the listener and every connection; returns the port to reopen.
    async fn cut(self) -> u16 {
        self.accept.abort();
        let _ = self.accept.await;
        self.port
    }
}

#[actix_web::test]
async fn redis_going_away_answers_503_and_the_queue_recovers_when_it_returns() {
    let prefix = Prefix::new();
    let relay = Relay::open(0).await;
    let client = redis::Client::open(format!("redis://127.0.0.1:{}", relay.port)).unwrap();
    let queue = Queue::new(
        client,
        &prefix.0,
        cap_only(10),
        &prometheus::Registry::new(),
    )
    .unwrap();
    let app = app!(queue);
    let user = Uuid::new_v4().to_string();

    let joined = call!(app, "POST", TOKENS, Some(&user), None);
    assert_eq!(joined.status, StatusCode::CREATED);
    let token = joined.body["token"].as_str().unwrap().to_owned();

    let port = relay.cut().await;
    tokio::time::timeout(Duration::from_secs(30), async {
        for _ in 0..3 {
            let current = call!(app, "GET", CURRENT, Some(&user), Some(&token));
            refused(&current, 503, "UNAVAILABLE", "Redis gone");
        }
    })
    .await
    .expect("the queue hung while Redis was away");

    let _relay = Relay::open(port).await;
    let mut recovered = None;
    for _ in 0..50 {
        let current = call!(app, "GET", CURRENT, Some(&user), Some(&token));
        if current.status == StatusCode::OK {
            recovered = Some(current);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = recovered.expect("the queue never reconnected");
    assert_eq!(recovered.body["status"], "WAITING");
    assert_eq!(recovered.body["position"], 1);
}

/// The server paces polling: `poll_after_seconds` on every answer, and the
/// same figure as `Retry-After` while WAITING; a fan far back polls less
/// often than one at the head, at most once a minute, and its place is kept
/// for three of its intervals.
#[actix_web::test]
async fn waiting_answers_carry_the_pace_the_server_sets() {
    let prefix = Prefix::new();
    let mut settings = cap_only(1);
    // 1 admission a second, measured by nothing yet: the ETA is the position.
    settings.admit_per_second = 1;
    // The grace at its floor: a third of it is shorter than the longest
    // interval.
    settings.waiting_idle_timeout = Duration::from_secs(30);
    let queue = prefix.queue(settings);
    let app = app!(queue);
    let mut answers = Vec::new();
    for _ in 0..200 {
        let user = Uuid::new_v4().to_string();
        let response = test::call_service(
            &app,
            request("POST", TOKENS, Some(&user), None).to_request(),
        )
        .await;
        let retry_after: u64 = response
            .headers()
            .get(header::RETRY_AFTER)
            .expect("Retry-After while WAITING")
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let answer = Answer::from(response).await;
        assert_eq!(answer.body["status"], "WAITING");
        let poll = answer.body["poll_after_seconds"].as_u64().unwrap();
        assert_eq!(poll, retry_after, "the header carries the body's figure");
        answers.push((
            user,
            answer.body["token"].as_str().unwrap().to_owned(),
            poll,
        ));
    }
    let (head, far) = (answers[0].2, answers[199].2);
    assert_eq!(head, 1, "the head polls every second");
    assert_eq!(answers[19].2, 10, "half the ETA of 20 s");
    assert!(far > head, "the back polls less often: {far}");
    assert_eq!(
        far,
        waiting_room::LONGEST_INTERVAL.as_secs(),
        "half of a 200 s ETA, capped at the longest interval"
    );

    let (user, token, _) = &answers[199];
    let response = test::call_service(
        &app,
        request("GET", CURRENT, Some(user), Some(token)).to_request(),
    )
    .await;
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let current = Answer::from(response).await;
    assert_eq!(current.body["poll_after_seconds"].as_u64(), Some(far));
    // Told to come back in 20 s, the fan keeps its place for three of those,
    // past the 30 s grace.
    let kept = chrono::DateTime::parse_from_rfc3339(current.body["expires_at"].as_str().unwrap())
        .unwrap()
        .signed_duration_since(chrono::Utc::now());
    assert!(
        kept > chrono::Duration::seconds(50) && kept <= chrono::Duration::seconds(61),
        "place kept for {kept:?}"
    );

    // Once ACTIVE there is nothing to wait for: no Retry-After.
    queue.admit_once().await.unwrap();
    let (user, token, _) = &answers[0];
    let response = test::call_service(
        &app,
        request("GET", CURRENT, Some(user), Some(token)).to_request(),
    )
    .await;
    assert!(!response.headers().contains_key(header::RETRY_AFTER));
    let active = Answer::from(response).await;
    assert_eq!(active.body["status"], "ACTIVE");
    assert!(active.body["poll_after_seconds"].as_u64().unwrap() >= 1);
}

#[actix_web::test]
async fn a_null_body_joins_the_global_room_as_no_body_does() {
    let prefix = Prefix::new();
    let queue = prefix.queue(cap_only(1));
    let app = app!(queue);
    let user = Uuid::new_v4().to_string();
    let null = request("POST", TOKENS, Some(&user), None)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload("null");
    let answer = Answer::from(test::call_service(&app, null.to_request()).await).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(answer.body["token"].as_str().unwrap().len(), TOKEN_LEN);
    let array = request("POST", TOKENS, Some(&user), None)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload("[]");
    let refused = Answer::from(test::call_service(&app, array.to_request()).await).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}
