use domain::InvalidValue;

/// Why a record could not be read. Every variant is a property of the
/// record, so a consumer can park the record and carry on.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("not an envelope: {0}")]
    MalformedEnvelope(#[source] serde_json::Error),
    #[error("unknown event type {0:?}")]
    UnknownEventType(String),
    #[error(
        "{event_type} v{version} is newer than this build reads (v{current}); upgrade the consumer"
    )]
    VersionTooNew {
        event_type: String,
        version: u32,
        current: u32,
    },
    #[error("{event_type} has no version {version}")]
    UnknownVersion { event_type: String, version: u32 },
    #[error("{event_type} v{version} data does not match its schema: {source}")]
    InvalidPayload {
        event_type: String,
        version: u32,
        #[source]
        source: serde_json::Error,
    },
    #[error("envelope key {envelope} is not the payload's key {payload}")]
    KeyMismatch { envelope: String, payload: String },
    #[error("{0} withdraws a request; it is no command of its own")]
    NotACommand(&'static str),
    #[error("{event_type}.{field}: {source}")]
    InvalidValue {
        event_type: &'static str,
        field: &'static str,
        #[source]
        source: InvalidValue,
    },
}
