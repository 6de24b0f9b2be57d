//! The command line itself: every subcommand answers `--help` and
//! `--version` without reading any setting, and a usage error exits 2.

use std::process::{Command, Output};

const SUBCOMMANDS: [&str; 7] = [
    "run", "setup", "migrate", "topics", "replay", "checksum", "export",
];

fn projector(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_projector"))
        .args(args)
        // Settings that would stop any command that read them.
        .env_clear()
        .env("DATABASE_URL", "not a url")
        .env("KAFKA_PARTITIONS_CATALOG", "none")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn every_subcommand_has_help_and_version() {
    let version = env!("CARGO_PKG_VERSION");
    for subcommand in SUBCOMMANDS {
        let help = projector(&[subcommand, "--help"]);
        assert_eq!(help.status.code(), Some(0), "{subcommand} --help");
        let text = stdout(&help);
        assert!(
            text.contains(&format!("Usage: projector {subcommand}")),
            "{text}"
        );
        assert!(text.contains("Exit status:\n  0  success"), "{text}");
        assert!(text.contains("  2  usage error"), "{text}");

        let shown = projector(&[subcommand, "--version"]);
        assert_eq!(shown.status.code(), Some(0), "{subcommand} --version");
        assert_eq!(
            stdout(&shown),
            format!("projector-{subcommand} {version}\n")
        );
    }
    let help = projector(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    for subcommand in SUBCOMMANDS {
        assert!(stdout(&help).contains(subcommand), "{}", stdout(&help));
    }
    let shown = projector(&["--version"]);
    assert_eq!(stdout(&shown), format!("projector {version}\n"));
}

#[test]
fn the_export_help_explains_the_window_syntax() {
    let text = stdout(&projector(&["export", "--help"]));
    for part in [
        "--from",
        "--until",
        "offset:<n>",
        "RFC 3339",
        "--upcast",
        "decisions",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
}

#[test]
fn usage_errors_exit_2_and_name_the_problem() {
    for (args, named) in [
        (&["export", "--bogus"][..], "--bogus"),
        (&["replay", "--until", "yesterday"], "--until"),
        (&["export", "--from", "offset:-3"], "--from"),
        (&["export", "--kind", "rows"], "--kind"),
        (&["checksum", "--schema", "Not-Plain"], "--schema"),
        (&["run", "extra"], "extra"),
        (&["fly"], "fly"),
    ] {
        let output = projector(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(named), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}
