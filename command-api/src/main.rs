use std::process::ExitCode;

use command_api::configuration;
use command_api::startup::Application;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match configuration::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let traces = match infra::telemetry::init_tracing(&settings.telemetry, "command-api") {
        Ok(traces) => traces,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let application = match Application::build(settings).await {
        Ok(application) => application,
        Err(error) => {
            eprintln!("start-up error: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(port = application.port(), "command-api listening");
    let stopped = application.run_until_stopped().await;
    traces.shutdown();
    if let Err(error) = stopped {
        eprintln!("command-api stopped: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
