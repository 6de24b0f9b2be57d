// The run loop's future nests deeply (fold, effects, read model, waiting room);
// computing its layout needs more query depth than the default 128.
#![recursion_limit = "256"]

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use infra::config::{DatabaseSettings, KafkaSettings};
use projector::cli::{Cli, Command, ExportArgs};
use projector::configuration::{ConfigError, Sections, Settings};
use projector::startup::Application;
use projector::{checksum, export, replay, setup};

/// jemalloc rather than glibc's malloc: the projector holds a burst of
/// aggregates for a minute and then parks them (issue 14 point 2), and
/// glibc's per-thread arenas kept the burst's peak as RSS for good, while
/// jemalloc returns freed pages within seconds (its background thread).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Exit statuses (documented in `--help` and the README): 0 success,
/// 1 failure at run time, 2 usage error (clap exits with 2 itself).
#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli.command.unwrap_or(Command::Run)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `command` with only the settings it reads.
async fn execute(command: Command) -> Result<(), String> {
    let sections = Sections::from_env().map_err(configuration)?;
    let traces =
        infra::telemetry::init_tracing(&sections.telemetry().map_err(configuration)?, "projector")
            .map_err(|e| format!("configuration error: {e}"))?;
    let outcome = execute_traced(command, &sections).await;
    // Exports the spans still buffered (no-op when export is off).
    traces.shutdown();
    outcome
}

async fn execute_traced<F: Fn(&str) -> Option<String>>(
    command: Command,
    sections: &Sections<F>,
) -> Result<(), String> {
    let database = || sections.database().map_err(configuration);
    let kafka = || sections.kafka().map_err(configuration);
    match command {
        Command::Run => run(sections.all().map_err(configuration)?).await,
        Command::Setup => {
            let (database, kafka) = (database()?, kafka()?);
            setup::run(&database, &kafka)
                .await
                .map_err(|e| format!("setup error: {e}"))
        }
        Command::Migrate => setup::migrate(&database()?)
            .await
            .map_err(|e| format!("migrate error: {e}")),
        Command::Topics => setup::topics(&kafka()?)
            .await
            .map_err(|e| format!("topics error: {e}")),
        Command::Replay(args) => {
            let (database, kafka) = (database()?, kafka()?);
            let report = replay::run(&database, &kafka, args.into())
                .await
                .map_err(|e| format!("replay error: {e}"))?;
            println!(
                "replayed {} records into schema {} in {:.2} s ({:.0} events/s)",
                report.records,
                report.schema,
                report.elapsed.as_secs_f64(),
                report.events_per_second()
            );
            println!("{}", report.checksum);
            Ok(())
        }
        Command::Checksum(args) => print_checksum(&database()?, args.schema.as_deref()).await,
        Command::Export(args) => run_export(&kafka()?, &args).await,
    }
}

fn configuration(error: ConfigError) -> String {
    format!("configuration error: {error}")
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

async fn print_checksum(database: &DatabaseSettings, schema: Option<&str>) -> Result<(), String> {
    // Fails with the reason DATABASE_URL is unusable, not a pool timeout.
    infra::postgres::connect(database)
        .await
        .map_err(|e| format!("checksum error: {e}"))?
        .close()
        .await;
    let pool = checksum::pool_for(database, schema);
    let sum = checksum::compute(&pool)
        .await
        .map_err(|e| format!("checksum error: DATABASE_URL: {e}"))?;
    println!("{sum}");
    Ok(())
}

async fn run_export(kafka: &KafkaSettings, args: &ExportArgs) -> Result<(), String> {
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| format!("export error: --out {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let written = export::run(kafka, &args.options(), &mut out)
        .await
        .map_err(|e| format!("export error: {e}"))?;
    eprintln!("exported {written} lines");
    Ok(())
}
