use std::process::ExitCode;

use projector::configuration;
use projector::startup::Application;

const USAGE: &str = "usage: projector [run | setup]";

enum Command {
    Run,
    Setup,
}

fn parse(args: &[String]) -> Result<Command, String> {
    match args {
        [] => Ok(Command::Run),
        [one] if one == "run" => Ok(Command::Run),
        [one] if one == "setup" => Ok(Command::Setup),
        [one] if one == "-h" || one == "--help" || one == "help" => Err(USAGE.to_owned()),
        other => Err(format!("unknown arguments {other:?}\n{USAGE}")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let settings = match configuration::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = infra::telemetry::init_tracing(&settings.telemetry) {
        eprintln!("configuration error: {error}");
        return ExitCode::FAILURE;
    }
    match command {
        Command::Setup => match projector::setup::run(&settings).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("setup error: {error}");
                ExitCode::FAILURE
            }
        },
        Command::Run => {
            let application = match Application::build(settings).await {
                Ok(application) => application,
                Err(error) => {
                    eprintln!("start-up error: {error}");
                    return ExitCode::FAILURE;
                }
            };
            tracing::info!(port = application.port(), "projector running");
            match application.run_until_stopped().await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("projector stopped: {error}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
