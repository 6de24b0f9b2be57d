//! The command line (clap, derive): `projector [run | setup | migrate |
//! topics | replay | checksum | export]`, `run` when none is given.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::checksum;
use crate::export::{ExportOptions, Kind, Position};
use crate::replay::ReplayOptions;

/// What every `--help` ends with: scripts and job runners act on these.
const EXIT_STATUS: &str = "Exit status:
  0  success
  1  failure at run time (configuration, database, broker, I/O); the message
     names the setting to fix
  2  usage error (unknown command or option, bad value)";

#[derive(Debug, Parser)]
#[command(
    name = "projector",
    version,
    propagate_version = true,
    about = "The single writer of ticketfold's state: folds the event log into the read tables \
             and the read model, and sets up, replays and exports that log.",
    after_help = EXIT_STATUS,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Fold the log into the read tables and the read model (the default).
    #[command(after_help = EXIT_STATUS)]
    Run,
    /// `migrate`, then `topics`: everything the system needs before it runs.
    /// Safe to repeat.
    #[command(after_help = EXIT_STATUS)]
    Setup,
    /// Create the database if it is missing and apply the SQL migrations
    /// (DATABASE_URL only). Safe to repeat.
    #[command(after_help = EXIT_STATUS)]
    Migrate,
    /// Create the three topics with KAFKA_PARTITIONS_*, KAFKA_REPLICATION_FACTOR
    /// and KAFKA_MIN_INSYNC_REPLICAS (Kafka settings only). Existing topics
    /// are left as they are.
    #[command(after_help = EXIT_STATUS)]
    Topics,
    /// Fold the topics from offset 0 into a fresh schema and print its
    /// checksum and the events/s achieved.
    #[command(after_help = EXIT_STATUS)]
    Replay(ReplayArgs),
    /// Print the checksum of the read tables.
    #[command(after_help = EXIT_STATUS)]
    Checksum(ChecksumArgs),
    /// Write the log's records, or the decisions folding them makes, as JSON
    /// Lines (docs/analysis.md).
    #[command(after_help = EXIT_STATUS)]
    Export(ExportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// Fold only records appended at or before this RFC 3339 time (the
    /// broker's timestamp); a partition stops at its first later record.
    #[arg(long, value_name = "RFC3339", value_parser = rfc3339)]
    pub until: Option<DateTime<Utc>>,
    /// The schema to build (lower-case letters, digits and _); it must not
    /// exist. Default: replay_<time>.
    #[arg(long, value_name = "NAME", value_parser = schema_name)]
    pub schema: Option<String>,
    /// Transactions written at once, each on rows of its own keys: more
    /// pays where Postgres has cores to spare. Default: 2.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=32))]
    pub writers: Option<u16>,
}

#[derive(Debug, Clone, Args)]
pub struct ChecksumArgs {
    /// The schema whose tables to sum (default: the search path's).
    #[arg(long, value_name = "NAME", value_parser = schema_name)]
    pub schema: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// One topic (concert.wallets.v1, with or without TOPIC_PREFIX); all
    /// three when not given.
    #[arg(long, value_name = "TOPIC")]
    pub topic: Option<String>,
    /// Only this partition (of each topic exported): with `offset:<n>`
    /// windows, names one partition's stretch exactly.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(0..))]
    pub partition: Option<i32>,
    /// The file to write (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// What to write: `records` (each record as appended) or `decisions`
    /// (each command's outcome, from folding the log from offset 0 as the
    /// projector does).
    #[arg(long, value_enum, default_value_t = KindArg::Records)]
    pub kind: KindArg,
    /// Start of each partition's window, inclusive: `offset:<n>` (the
    /// record at offset n) or an RFC 3339 time (the first record whose
    /// broker timestamp is at or after it).
    #[arg(long, value_name = "POSITION", value_parser = position)]
    pub from: Option<Position>,
    /// End of each partition's window, inclusive: `offset:<n>` (up to and
    /// with offset n) or an RFC 3339 time (up to the first record whose
    /// broker timestamp is after it: the log as it stood then).
    #[arg(long, value_name = "POSITION", value_parser = position)]
    pub until: Option<Position>,
    /// Write every record's payload at its event type's latest schema
    /// version (upcast, as the projector reads it) instead of as appended.
    #[arg(long)]
    pub upcast: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Records,
    Decisions,
}

impl From<ReplayArgs> for ReplayOptions {
    fn from(args: ReplayArgs) -> Self {
        Self {
            until: args.until,
            schema: args.schema,
            writers: args.writers.map(usize::from),
        }
    }
}

impl ExportArgs {
    /// What to export; where to is `out`.
    pub fn options(&self) -> ExportOptions {
        ExportOptions {
            topic: self.topic.clone(),
            partition: self.partition,
            kind: match self.kind {
                KindArg::Records => Kind::Records {
                    upcast: self.upcast,
                },
                KindArg::Decisions => Kind::Decisions,
            },
            from: self.from,
            until: self.until,
        }
    }
}

fn rfc3339(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 time like 2026-12-01T11:00:00Z: {e}"))
}

fn schema_name(text: &str) -> Result<String, String> {
    if checksum::valid_schema_name(text) {
        Ok(text.to_owned())
    } else {
        Err("use lower-case letters, digits and _, starting with a letter or _ (at most 63)".into())
    }
}

fn position(text: &str) -> Result<Position, String> {
    text.parse()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("projector").chain(args.iter().copied()))
    }

    #[test]
    fn no_arguments_runs() {
        assert!(parse(&[]).unwrap().command.is_none());
    }

    #[test]
    fn replay_takes_a_time_and_a_schema() {
        let Some(Command::Replay(args)) = parse(&[
            "replay",
            "--until",
            "2026-12-01T11:00:00Z",
            "--schema=analysis",
            "--writers=3",
        ])
        .unwrap()
        .command
        else {
            panic!("not a replay");
        };
        let options = ReplayOptions::from(args);
        assert_eq!(options.schema.as_deref(), Some("analysis"));
        assert_eq!(options.writers, Some(3));
        assert_eq!(
            options.until.map(|t| t.to_rfc3339()),
            Some("2026-12-01T11:00:00+00:00".to_owned())
        );
    }

    #[test]
    fn export_takes_a_window_a_kind_and_upcast() {
        let Some(Command::Export(args)) = parse(&[
            "export",
            "--from",
            "offset:3",
            "--until",
            "2026-12-01T11:00:00+09:00",
            "--upcast",
        ])
        .unwrap()
        .command
        else {
            panic!("not an export");
        };
        let options = args.options();
        assert_eq!(options.from, Some(Position::Offset(3)));
        assert_eq!(
            options.until,
            Some(Position::Time("2026-12-01T02:00:00Z".parse().unwrap()))
        );
        assert_eq!(options.kind, Kind::Records { upcast: true });
        let Some(Command::Export(args)) =
            parse(&["export", "--kind", "decisions"]).unwrap().command
        else {
            panic!("not an export");
        };
        assert_eq!(args.options().kind, Kind::Decisions);
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        for bad in [
            &["replay", "--until", "yesterday"][..],
            &["replay", "--schema", "Bad-Name"],
            &["replay", "--writers", "0"],
            &["export", "--schema", "x"],
            &["export", "--from", "offset:-1"],
            &["export", "--until", "offset:x"],
            &["export", "--kind", "rows"],
            &["export", "--partition", "-1"],
            &["checksum", "--schema"],
            &["fly"],
            &["run", "extra"],
        ] {
            let error = parse(bad).unwrap_err();
            assert!(
                !matches!(
                    error.kind(),
                    ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
                ),
                "{bad:?}"
            );
            assert_eq!(error.exit_code(), 2, "{bad:?}: {error}");
        }
    }

    #[test]
    fn the_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
