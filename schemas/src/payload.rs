use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

/// One version of one event type's `data`. The constants are what the
/// envelope, the topic routing and the schema files are derived from, so
/// they cannot drift apart.
pub trait Payload: Serialize + DeserializeOwned + JsonSchema {
    const EVENT_TYPE: &'static str;
    const VERSION: u32;
    const TOPIC: crate::topic::Topic;
    /// The payload field whose value is the record key.
    const KEY_FIELD: &'static str;

    fn key(&self) -> Uuid;
}

macro_rules! payload {
    ($ty:ty, $event_type:expr, version = $version:literal, $topic:expr, key = $key:ident) => {
        impl $crate::payload::Payload for $ty {
            const EVENT_TYPE: &'static str = $event_type;
            const VERSION: u32 = $version;
            const TOPIC: $crate::topic::Topic = $topic;
            const KEY_FIELD: &'static str = stringify!($key);

            fn key(&self) -> ::uuid::Uuid {
                self.$key
            }
        }
    };
}
pub(crate) use payload;
