//! Reading status columns through the views' own spelling.

use serde::de::{DeserializeOwned, IntoDeserializer};

/// A status column as its view's type: the read tables spell statuses
/// the way the contract does, so the type's own serde spelling reads them.
pub fn wire<T: DeserializeOwned>(column: &str, value: &str) -> Result<T, sqlx::Error> {
    T::deserialize(value.into_deserializer()).map_err(|error: serde::de::value::Error| {
        sqlx::Error::Decode(format!("{column} {value:?}: {error}").into())
    })
}
