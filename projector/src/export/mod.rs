//! `projector export`: the log as JSON Lines, for analysts
//! (docs/analysis.md). One object per line, each partition in offset order,
//! partitions one after the other (topic, then partition number).
//!
//! Two kinds:
//!
//! - `records` (the default): every record as appended (or, `--upcast`,
//!   with its payload at its latest schema version); see [`records`].
//! - `decisions`: the answer each command got, from folding every partition
//!   from offset 0 with the projector's own deciders; see [`decisions`].
//!
//! `--from`/`--until` keep a window of each partition ([`window`]).

mod decisions;
mod lines;
mod records;
mod window;

use std::io::Write;

use infra::config::KafkaSettings;
use infra::kafka::{Topic, Topics};

use crate::reader::{whole_topics, LogReader};

pub use lines::ExportError;
pub use window::{Place, Position, Window};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// A topic's name (`concert.wallets.v1`, with or without the configured
    /// prefix); all three when `None`.
    pub topic: Option<String>,
    /// One partition of each topic exported; every partition when `None`.
    pub partition: Option<i32>,
    pub kind: Kind,
    /// Each partition's window: inclusive ends, open when `None`.
    pub from: Option<Position>,
    pub until: Option<Position>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            topic: None,
            partition: None,
            kind: Kind::Records { upcast: false },
            from: None,
            until: None,
        }
    }
}

/// What one line stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A record; `upcast` writes its payload at the latest schema version.
    Records { upcast: bool },
    /// A decision the fold made.
    Decisions,
}

/// The topics to export, prefixed as they are on the broker.
pub fn topics_to_export(topics: &Topics, wanted: Option<&str>) -> Result<Vec<String>, ExportError> {
    let Some(wanted) = wanted else {
        return Ok(topics.all().iter().map(|t| (*t).to_owned()).collect());
    };
    let kind = Topic::from_name(wanted)
        .or_else(|| topics.topic_of(wanted))
        .ok_or_else(|| ExportError::UnknownTopic(wanted.to_owned()))?;
    Ok(vec![topics.name(kind).to_owned()])
}

/// Writes the lines of every partition's window, each partition read up to
/// its end as it is reached; answers how many lines.
pub async fn run(
    kafka: &KafkaSettings,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let topics = Topics::from_settings(kafka);
    let names = topics_to_export(&topics, options.topic.as_deref())?;
    let client_id = format!("{}projector-export", kafka.topic_prefix);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let stretches: Vec<_> = whole_topics(kafka, &names)
        .await?
        .into_iter()
        .flatten()
        .filter(|s| options.partition.is_none_or(|p| s.at.partition == p))
        .collect();
    if let (Some(partition), true) = (options.partition, stretches.is_empty()) {
        return Err(ExportError::NoSuchPartition(partition));
    }
    let mut written = 0;
    // One partition at a time, so lines come out in offset order.
    for stretch in stretches {
        let mut window = Window::new(options.from, options.until);
        // Each partition is read from offset 0 even when the window opens
        // later: the reader finds a partition's end by reaching it, and a
        // start past the end (an empty partition, offset:<n> beyond it) is
        // never answered with the end on every broker (tansu keeps the
        // fetch waiting). Decisions need the records before the window anyway.
        let reader = LogReader::open(kafka, &client_id, &[stretch])?;
        written += match options.kind {
            Kind::Records { upcast } => records::write(reader, &mut window, upcast, out).await?,
            Kind::Decisions => decisions::write(reader, &topics, &mut window, out).await?,
        };
    }
    out.flush()?;
    Ok(written)
}
