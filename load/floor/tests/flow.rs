//! The floor answers the fan flow the way load/lib/fan.js reads it: if a
//! shape here drifts from the contract, a floor run measures a different
//! journey (a fan that cannot parse its seat map books nothing).

use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

struct Floor {
    child: Child,
    url: String,
}

impl Drop for Floor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn spawn_floor() -> Floor {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_contract-floor"))
        .arg(port.to_string())
        .spawn()
        .expect("contract-floor starts");
    let floor = Floor {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(answer) = reqwest::get(format!("{}/healthz", floor.url)).await {
            if answer.status() == 200 {
                return floor;
            }
        }
        assert!(Instant::now() < deadline, "contract-floor never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client.request(method, url).header("X-User-Id", "fan-1");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.expect("an answer");
    let status = answer.status().as_u16();
    (status, answer.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn a_fan_books_a_seat_on_the_floor_with_the_contracts_shapes() {
    let floor = spawn_floor().await;
    let client = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", floor.url);
    use reqwest::Method;

    let (status, concert) = call(
        &client,
        Method::POST,
        url("/v1/admin/concerts"),
        Some(json!({"title": "t", "venue": "v"})),
    )
    .await;
    assert_eq!(status, 201);
    let concert_id = concert["concert_id"]
        .as_str()
        .expect("concert_id")
        .to_owned();
    let seats: Vec<Value> = (1..=3)
        .map(|n| json!({"number": n, "price": 1000 * n}))
        .collect();
    let (status, schedule) = call(
        &client,
        Method::POST,
        url(&format!("/v1/admin/concerts/{concert_id}/schedules")),
        Some(json!({"starts_at": "2027-01-01T19:00:00Z", "booking_opens_at": "2026-12-01T10:00:00Z", "seats": seats})),
    )
    .await;
    assert_eq!(status, 201);
    let schedule_id = schedule["schedule_id"]
        .as_str()
        .expect("schedule_id")
        .to_owned();

    let (status, concerts) = call(&client, Method::GET, url("/v1/concerts"), None).await;
    assert_eq!(status, 200);
    assert_eq!(concerts[0]["concert_id"], concert_id.as_str());
    let (_, listed) = call(
        &client,
        Method::GET,
        url(&format!("/v1/concerts/{concert_id}/schedules")),
        None,
    )
    .await;
    assert_eq!(listed[0]["schedule_id"], schedule_id.as_str());
    assert_eq!(listed[0]["total_seats"], 3);

    let (status, token) = call(&client, Method::POST, url("/v1/queue/tokens"), None).await;
    assert_eq!((status, token["status"].as_str()), (201, Some("ACTIVE")));
    let (_, map) = call(
        &client,
        Method::GET,
        url(&format!("/v1/schedules/{schedule_id}/seats")),
        None,
    )
    .await;
    let map = map["seats"].as_array().expect("seats").clone();
    assert_eq!(map.len(), 3);
    assert!(map.iter().all(|seat| seat["status"] == "AVAILABLE"));
    assert_eq!(map[1]["price"], 2000);

    let (status, held) = call(
        &client,
        Method::POST,
        url("/v1/reservations"),
        Some(json!({"schedule_id": schedule_id, "seat_number": 2})),
    )
    .await;
    assert_eq!((status, held["status"].as_str()), (201, Some("HELD")));
    assert_eq!(held["price"], 2000);
    let (status, problem) = call(
        &client,
        Method::POST,
        url("/v1/reservations"),
        Some(json!({"schedule_id": schedule_id, "seat_number": 9})),
    )
    .await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("NOT_FOUND")));

    let (status, charged) = call(
        &client,
        Method::POST,
        url("/v1/balance/charges"),
        Some(json!({"amount": 2000})),
    )
    .await;
    assert_eq!((status, charged["balance"].as_i64()), (200, Some(2000)));
    let reservation_id = held["reservation_id"].as_str().expect("reservation_id");
    let (status, paid) = call(
        &client,
        Method::POST,
        url("/v1/payments"),
        Some(json!({"reservation_id": reservation_id})),
    )
    .await;
    assert_eq!((status, paid["status"].as_str()), (201, Some("COMPLETED")));
    let (status, _) = call(
        &client,
        Method::GET,
        url(&format!("/v1/reservations/{reservation_id}")),
        None,
    )
    .await;
    assert_eq!(status, 200);
}
