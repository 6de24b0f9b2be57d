//! A fingerprint of the read tables: SHA-256 over every row of every read
//! table, in primary-key order. Every value in them is derived from the log
//! (times included), so the live tables and a replay of the same log have
//! the same checksum. Left out: the projector's own bookkeeping (offsets,
//! dead letters) and other services' tables.

use std::fmt;

use futures::TryStreamExt;
use infra::config::DatabaseSettings;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgPool, PgPoolOptions};

/// Each read table with its primary key.
pub const TABLES: &[(&str, &str)] = &[
    ("concerts", "concert_id"),
    ("schedules", "schedule_id"),
    ("schedule_seats", "schedule_id, seat_number"),
    ("schedule_availability", "schedule_id"),
    ("reservations", "reservation_id"),
    ("payments", "payment_id"),
    ("wallets", "user_id"),
    ("wallet_entries", "user_id, kind, reference_id"),
    ("command_outcomes", "command_id"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    /// Hex SHA-256.
    pub digest: String,
    /// Rows per table, in `TABLES` order.
    pub rows: Vec<(&'static str, u64)>,
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "checksum {}", self.digest)?;
        let rows: Vec<String> = self
            .rows
            .iter()
            .map(|(table, n)| format!("{table}={n}"))
            .collect();
        write!(f, "rows {}", rows.join(" "))
    }
}

/// Names a schema may have: plain lower-case identifiers, so they never
/// need quoting in a search path.
pub fn valid_schema_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && name.len() <= 63
}

/// A pool whose unqualified table names resolve in `schema` (the default
/// search path when `None`), rendering times in UTC so row text is stable.
pub fn pool_for(db: &DatabaseSettings, schema: Option<&str>) -> PgPool {
    pool_of(db, schema, 4)
}

/// As [`pool_for`], with room for `connections` at once.
pub fn pool_of(db: &DatabaseSettings, schema: Option<&str>, connections: u32) -> PgPool {
    let mut options = vec![("TimeZone", "UTC")];
    if let Some(schema) = schema {
        options.push(("search_path", schema));
    }
    PgPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(db.connect_timeout)
        .connect_lazy_with(db.connect_options().options(options))
}

/// The checksum of the read tables `pool` sees.
pub async fn compute(pool: &PgPool) -> Result<Checksum, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let mut hasher = Sha256::new();
    let mut counts = Vec::with_capacity(TABLES.len());
    for (table, key) in TABLES {
        hasher.update(table.as_bytes());
        hasher.update(b"\n");
        let sql = format!("SELECT to_jsonb(t)::text FROM {table} t ORDER BY {key}");
        let mut rows = sqlx::query_scalar::<_, String>(&sql).fetch(&mut *conn);
        let mut n = 0u64;
        while let Some(row) = rows.try_next().await? {
            hasher.update(row.as_bytes());
            hasher.update(b"\n");
            n += 1;
        }
        counts.push((*table, n));
    }
    let digest = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Checksum {
        digest,
        rows: counts,
    })
}

#[cfg(test)]
mod tests {
    use super::valid_schema_name;

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(valid_schema_name("replay_20250101"));
        assert!(valid_schema_name("_x"));
        assert!(!valid_schema_name("Replay"));
        assert!(!valid_schema_name("1replay"));
        assert!(!valid_schema_name("a;drop"));
        assert!(!valid_schema_name(""));
        assert!(!valid_schema_name(&"a".repeat(64)));
    }
}
