//! Folding decoded records into the read tables, one `Fold` per topic.

mod catalog;

use std::collections::HashMap;

use futures::future::BoxFuture;
use infra::kafka::Topics;
use schemas::{Envelope, EventMeta, LogEvent, SchemaError};
use sqlx::PgConnection;

use crate::pipeline::Record;

pub use catalog::CatalogFold;

/// A record read back into its typed event.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub meta: EventMeta,
    pub event: LogEvent,
}

/// What folding one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Its effects are written.
    Applied,
    /// Nothing to write: a redelivery, a refused request, or an event this
    /// fold does not handle.
    Unchanged,
}

#[derive(Debug, thiserror::Error)]
pub enum FoldError {
    /// The record is well-formed but its values are not (e.g. a seat
    /// numbered twice); it goes to dead letters.
    #[error(transparent)]
    Invalid(#[from] SchemaError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Applies one topic's events to the read tables, inside the batch's
/// transaction. Must be idempotent per event: the offset guard already
/// prevents repeats, this is the second line of defence.
pub trait Fold: Send + Sync {
    fn fold<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: &'a Decoded,
    ) -> BoxFuture<'a, Result<Effect, FoldError>>;
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Folded {
        event_type: String,
    },
    Ignored {
        event_type: String,
    },
    /// Unreadable or invalid: it goes to dead letters with this reason.
    Undecodable {
        reason: String,
    },
}

/// The fold of each topic. Topics without one (yet) have their records
/// decoded, so poison is still caught, and otherwise passed over.
pub struct Folds {
    by_topic: HashMap<String, Box<dyn Fold>>,
}

impl Folds {
    pub fn new(topics: &Topics) -> Self {
        let mut by_topic: HashMap<String, Box<dyn Fold>> = HashMap::new();
        by_topic.insert(topics.catalog.clone(), Box::new(CatalogFold));
        Self { by_topic }
    }

    pub async fn apply(
        &self,
        conn: &mut PgConnection,
        record: &Record,
    ) -> Result<Outcome, sqlx::Error> {
        let decoded = match decode(record) {
            Ok(decoded) => decoded,
            Err(reason) => return Ok(Outcome::Undecodable { reason }),
        };
        let event_type = decoded.event.event_type().to_owned();
        let Some(fold) = self.by_topic.get(&record.topic) else {
            return Ok(Outcome::Ignored { event_type });
        };
        match fold.fold(conn, &decoded).await {
            Ok(Effect::Applied) => Ok(Outcome::Folded { event_type }),
            Ok(Effect::Unchanged) => Ok(Outcome::Ignored { event_type }),
            Err(FoldError::Invalid(error)) => Ok(Outcome::Undecodable {
                reason: error.to_string(),
            }),
            Err(FoldError::Database(error)) => Err(error),
        }
    }
}

fn decode(record: &Record) -> Result<Decoded, String> {
    let payload = record.payload.as_deref().ok_or("the record has no value")?;
    let envelope = Envelope::from_bytes(payload).map_err(|e| e.to_string())?;
    let event = envelope.open().map_err(|e| e.to_string())?;
    let key = record.key.as_deref().map(String::from_utf8_lossy);
    if key.as_deref() != Some(envelope.key.as_str()) {
        return Err(format!(
            "record key {key:?} is not the envelope key {:?}",
            envelope.key
        ));
    }
    Ok(Decoded {
        meta: envelope.meta(),
        event,
    })
}
