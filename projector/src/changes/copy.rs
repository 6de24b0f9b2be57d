//! Rows that are all new, written with `COPY ... (FORMAT binary)`: for a
//! schema a replay fills from empty, where almost every insert-only row
//! (decisions, wallet entries) is the first of its key. `COPY` writes a
//! page of rows per WAL record and skips the executor's per-row conflict
//! check, the bulk of these tables' cost under `INSERT ... ON CONFLICT`.
//!
//! A key written before (a command appended twice, say) fails the `COPY`
//! on its primary key; it is rolled back to a savepoint and the caller
//! writes the rows its usual way, whose `ON CONFLICT` keeps the first.

use chrono::{DateTime, TimeZone, Utc};
use sqlx::{Executor, PgConnection};
use uuid::Uuid;

/// Postgres' `unique_violation`.
const UNIQUE_VIOLATION: &str = "23505";

/// Rows in `COPY`'s binary format, one field at a time, in the column
/// order of the `COPY` statement they are sent with. Each value is
/// encoded as sqlx binds it, so a row copied is the row `INSERT` writes.
pub struct BinaryRows {
    /// `table (columns)`, the columns in the order each row gives them.
    target: &'static str,
    bytes: Vec<u8>,
    rows: usize,
}

impl BinaryRows {
    pub fn new(target: &'static str) -> Self {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        bytes.extend_from_slice(&0i32.to_be_bytes()); // flags
        bytes.extend_from_slice(&0i32.to_be_bytes()); // header extension
        BinaryRows {
            target,
            bytes,
            rows: 0,
        }
    }

    /// Starts a row of `fields` fields.
    pub fn row(&mut self, fields: i16) -> &mut Self {
        self.rows += 1;
        self.bytes.extend_from_slice(&fields.to_be_bytes());
        self
    }

    fn field(&mut self, value: &[u8]) -> &mut Self {
        let len = i32::try_from(value.len()).expect("a field is under 2 GiB");
        self.bytes.extend_from_slice(&len.to_be_bytes());
        self.bytes.extend_from_slice(value);
        self
    }

    pub fn uuid(&mut self, value: Uuid) -> &mut Self {
        self.field(value.as_bytes())
    }

    pub fn optional_uuid(&mut self, value: Option<Uuid>) -> &mut Self {
        match value {
            Some(value) => self.uuid(value),
            None => self.null(),
        }
    }

    fn null(&mut self) -> &mut Self {
        self.bytes.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    pub fn text(&mut self, value: &str) -> &mut Self {
        self.field(value.as_bytes())
    }

    pub fn optional_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    pub fn boolean(&mut self, value: bool) -> &mut Self {
        self.field(&[u8::from(value)])
    }

    pub fn int(&mut self, value: i32) -> &mut Self {
        self.field(&value.to_be_bytes())
    }

    pub fn bigint(&mut self, value: i64) -> &mut Self {
        self.field(&value.to_be_bytes())
    }

    pub fn optional_bigint(&mut self, value: Option<i64>) -> &mut Self {
        match value {
            Some(value) => self.bigint(value),
            None => self.null(),
        }
    }

    /// jsonb's binary form: its version (1), then the JSON text.
    pub fn jsonb(&mut self, value: &serde_json::Value) -> &mut Self {
        let at = self.bytes.len();
        self.bytes.extend_from_slice(&0i32.to_be_bytes());
        self.bytes.push(1);
        serde_json::to_writer(&mut self.bytes, value).expect("a JSON value serializes");
        let len = i32::try_from(self.bytes.len() - at - 4).expect("a field is under 2 GiB");
        self.bytes[at..at + 4].copy_from_slice(&len.to_be_bytes());
        self
    }

    /// Microseconds since 2000-01-01 UTC, cut toward zero as sqlx cuts
    /// them.
    pub fn timestamptz(&mut self, value: DateTime<Utc>) -> &mut Self {
        let epoch = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
        let micros = (value - epoch)
            .num_microseconds()
            // chrono's years (±262,143) are well inside i64 microseconds.
            .expect("every chrono time fits in i64 microseconds");
        self.field(&micros.to_be_bytes())
    }

    fn finish(mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(&(-1i16).to_be_bytes());
        self.bytes
    }
}

/// Copies `rows`, all or none: false, with nothing written, when one of
/// them has a key the table holds.
pub async fn copy_new(conn: &mut PgConnection, rows: BinaryRows) -> Result<bool, sqlx::Error> {
    if rows.rows == 0 {
        return Ok(true);
    }
    conn.execute("SAVEPOINT copy_new").await?;
    let mut copy = conn
        .copy_in_raw(&format!("COPY {} FROM STDIN (FORMAT binary)", rows.target))
        .await?;
    let copied = match copy.send(rows.finish()).await {
        Ok(_) => copy.finish().await,
        Err(error) => {
            let _ = copy.abort("the rows could not be sent").await;
            Err(error)
        }
    };
    match copied {
        Ok(_) => {
            conn.execute("RELEASE SAVEPOINT copy_new").await?;
            Ok(true)
        }
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(UNIQUE_VIOLATION) => {
            conn.execute("ROLLBACK TO SAVEPOINT copy_new; RELEASE SAVEPOINT copy_new")
                .await?;
            Ok(false)
        }
        Err(error) => Err(error),
    }
}
