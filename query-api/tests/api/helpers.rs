use infra::testing::TestEnvironment;
use query_api::startup::Application;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    // Dropped last: removes the test's database and Redis keys.
    _env: TestEnvironment,
}

/// The service on a free port against its own database, topics and keys.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// As `spawn_app`, with some environment variables replaced.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let env = TestEnvironment::new(overrides).expect("test settings are valid");
    env.provision()
        .await
        .expect("provisioning the test database and topics");
    let _ = infra::telemetry::init_tracing(&env.settings.telemetry);
    let application = Application::build(env.settings.clone())
        .await
        .expect("the app builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        _env: env,
    }
}

impl TestApp {
    /// The settings the service runs with (its database, prefixes, secret).
    pub fn settings(&self) -> &infra::config::Settings {
        &self._env.settings
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }
}

pub fn content_type(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}
