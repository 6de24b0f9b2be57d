//! The command line: `projector [run | setup | replay | checksum | export]`.

use chrono::{DateTime, Utc};

use crate::export::ExportOptions;
use crate::replay::ReplayOptions;

pub const USAGE: &str = "usage: projector [run | setup
                 | replay [--until <RFC3339 time>] [--schema <name>]
                 | checksum [--schema <name>]
                 | export [--topic <topic>] [--out <file>]]

  run       fold the log into the read tables (the default)
  setup     create the database, run migrations, create the topics
  replay    fold the topics from offset 0 (up to --until) into a fresh
            schema and print its checksum and the events/s achieved
  checksum  print the checksum of the read tables (of --schema if given)
  export    write every record as JSON Lines (to --out, else stdout)";

#[derive(Debug, Clone)]
pub enum Command {
    Run,
    Setup,
    Replay(ReplayOptions),
    Checksum { schema: Option<String> },
    Export(ExportOptions),
}

pub fn parse(args: &[String]) -> Result<Command, String> {
    let Some((first, rest)) = args.split_first() else {
        return Ok(Command::Run);
    };
    let flags = Flags::parse(rest)?;
    let command = match first.as_str() {
        "run" => {
            flags.allow(&[])?;
            Command::Run
        }
        "setup" => {
            flags.allow(&[])?;
            Command::Setup
        }
        "replay" => {
            flags.allow(&["--until", "--schema"])?;
            let until = flags
                .get("--until")
                .map(|t| {
                    DateTime::parse_from_rfc3339(t)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|e| format!("--until {t:?} is not an RFC 3339 time: {e}"))
                })
                .transpose()?;
            Command::Replay(ReplayOptions {
                until,
                schema: flags.get("--schema").map(str::to_owned),
            })
        }
        "checksum" => {
            flags.allow(&["--schema"])?;
            Command::Checksum {
                schema: flags.get("--schema").map(str::to_owned),
            }
        }
        "export" => {
            flags.allow(&["--topic", "--out"])?;
            Command::Export(ExportOptions {
                topic: flags.get("--topic").map(str::to_owned),
                out: flags.get("--out").map(Into::into),
            })
        }
        "-h" | "--help" | "help" => return Err(USAGE.to_owned()),
        other => return Err(format!("unknown command {other:?}\n{USAGE}")),
    };
    Ok(command)
}

/// `--name value` pairs.
struct Flags(Vec<(String, String)>);

impl Flags {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut pairs = Vec::new();
        let mut args = args.iter();
        while let Some(name) = args.next() {
            if !name.starts_with("--") {
                return Err(format!("unexpected argument {name:?}\n{USAGE}"));
            }
            let (name, value) = match name.split_once('=') {
                Some((name, value)) => (name.to_owned(), value.to_owned()),
                None => {
                    let value = args
                        .next()
                        .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))?;
                    (name.clone(), value.clone())
                }
            };
            pairs.push((name, value));
        }
        Ok(Self(pairs))
    }

    fn allow(&self, known: &[&str]) -> Result<(), String> {
        match self
            .0
            .iter()
            .find(|(name, _)| !known.contains(&name.as_str()))
        {
            Some((name, _)) => Err(format!("unknown option {name}\n{USAGE}")),
            None => Ok(()),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn no_arguments_runs() {
        assert!(matches!(parse(&[]), Ok(Command::Run)));
    }

    #[test]
    fn replay_takes_a_time_and_a_schema() {
        let Ok(Command::Replay(options)) = parse(&args(&[
            "replay",
            "--until",
            "2026-12-01T11:00:00Z",
            "--schema=analysis",
        ])) else {
            panic!("not a replay");
        };
        assert_eq!(options.schema.as_deref(), Some("analysis"));
        assert_eq!(
            options.until.map(|t| t.to_rfc3339()),
            Some("2026-12-01T11:00:00+00:00".to_owned())
        );
    }

    #[test]
    fn bad_arguments_are_refused_with_the_usage() {
        for bad in [
            &["replay", "--until", "yesterday"][..],
            &["export", "--schema", "x"],
            &["checksum", "--schema"],
            &["fly"],
            &["run", "extra"],
        ] {
            let error = parse(&args(bad)).unwrap_err();
            assert!(
                error.contains("usage") || error.contains("RFC 3339"),
                "{bad:?}: {error}"
            );
        }
    }
}
