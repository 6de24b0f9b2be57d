// The run loop's future nests deeply (fold, effects, read model, waiting room);
// computing its layout needs more query depth than the default 128.
#![recursion_limit = "256"]

use std::io::Write;
use std::process::ExitCode;

use projector::cli::{self, Command};
use projector::configuration::{self, Settings};
use projector::startup::Application;
use projector::{checksum, export, replay};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args) {
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
    let traces = match infra::telemetry::init_tracing(&settings.telemetry, "projector") {
        Ok(traces) => traces,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match command {
        Command::Setup => projector::setup::run(&settings)
            .await
            .map_err(|e| format!("setup error: {e}")),
        Command::Run => run(settings).await,
        Command::Replay(options) => replay::run(&settings, options)
            .await
            .map(|report| {
                println!(
                    "replayed {} records into schema {} in {:.2} s ({:.0} events/s)",
                    report.records,
                    report.schema,
                    report.elapsed.as_secs_f64(),
                    report.events_per_second()
                );
                println!("{}", report.checksum);
            })
            .map_err(|e| format!("replay error: {e}")),
        Command::Checksum { schema } => print_checksum(&settings, schema.as_deref()).await,
        Command::Export(options) => run_export(&settings, options).await,
    };
    traces.shutdown();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings) -> Result<(), String> {
    let application = Application::build(settings)
        .await
        .map_err(|e| format!("start-up error: {e}"))?;
    tracing::info!(port = application.port(), "projector running");
    application
        .run_until_stopped()
        .await
        .map_err(|e| format!("projector stopped: {e}"))
}

async fn print_checksum(settings: &Settings, schema: Option<&str>) -> Result<(), String> {
    if let Some(schema) = schema.filter(|s| !checksum::valid_schema_name(s)) {
        return Err(format!(
            "checksum error: --schema {schema:?} is not a plain schema name"
        ));
    }
    // Fails with the reason DATABASE_URL is unusable, not a pool timeout.
    infra::postgres::connect(&settings.database)
        .await
        .map_err(|e| format!("checksum error: {e}"))?
        .close()
        .await;
    let pool = checksum::pool_for(&settings.database, schema);
    let sum = checksum::compute(&pool)
        .await
        .map_err(|e| format!("checksum error: DATABASE_URL: {e}"))?;
    println!("{sum}");
    Ok(())
}

async fn run_export(settings: &Settings, options: export::ExportOptions) -> Result<(), String> {
    let mut out: Box<dyn Write> = match &options.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| format!("export error: --out {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let written = export::run(settings, options.topic.as_deref(), &mut out)
        .await
        .map_err(|e| format!("export error: {e}"))?;
    eprintln!("exported {written} records");
    Ok(())
}
