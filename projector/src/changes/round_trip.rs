//! Several writes sent as one statement: each a data-modifying `WITH`
//! part, so a batch's rows, offsets and owed row cost one round trip to
//! Postgres instead of one each (issue 13: at 0.2-0.3 ms a round trip on
//! the busy two cores, they were a third of a batch). Postgres runs every
//! part once, to completion, whether the outer query reads it or not.
//!
//! The parts share one snapshot, so none may read what another writes:
//! only writes to different tables, none of which needs another's rows,
//! are collected here (see `flush`). Foreign keys and triggers still hold:
//! both run at the end of the statement, after every part.

use sqlx::postgres::PgArguments;
use sqlx::{Arguments, Encode, PgConnection, Postgres, Type};

/// The statement being built: parts in the order they were added, and
/// their bound values, numbered across all parts.
#[derive(Default)]
pub struct RoundTrip {
    parts: Vec<String>,
    /// The part whose `RETURNING id` the statement answers.
    returning: Option<usize>,
    arguments: PgArguments,
    /// The first value that could not be encoded: the statement fails with it.
    failed: Option<sqlx::error::BoxDynError>,
}

/// The values of one part, bound in the order of its `$1`, `$2`, ...
pub struct Binds<'t> {
    trip: &'t mut RoundTrip,
}

impl Binds<'_> {
    pub fn bind<'q, T>(self, value: T) -> Self
    where
        T: 'q + Encode<'q, Postgres> + Type<Postgres>,
    {
        if let Err(error) = self.trip.arguments.add(value) {
            self.trip.failed.get_or_insert(error);
        }
        self
    }
}

impl RoundTrip {
    /// Adds `sql`, whose placeholders are `$1..$n` of its own, and binds
    /// its values with what `binds` returns.
    pub fn add(&mut self, sql: &str, binds: impl FnOnce(Binds<'_>) -> Binds<'_>) {
        let bound = self.arguments.len();
        self.parts.push(renumber(sql, bound));
        binds(Binds { trip: self });
    }

    /// Adds `sql`, which ends `RETURNING id`: `run` answers that id.
    pub fn add_returning(&mut self, sql: &str, binds: impl FnOnce(Binds<'_>) -> Binds<'_>) {
        self.returning = Some(self.parts.len());
        self.add(sql, binds);
    }

    /// Sends every part as one statement; answers the returning part's id.
    pub async fn run(self, conn: &mut PgConnection) -> Result<Option<i64>, sqlx::Error> {
        if let Some(error) = self.failed {
            return Err(sqlx::Error::Encode(error));
        }
        let Some(sql) = statement(self.parts, self.returning) else {
            return Ok(None);
        };
        if self.returning.is_some() {
            let id: i64 = sqlx::query_scalar_with(&sql, self.arguments)
                .fetch_one(conn)
                .await?;
            return Ok(Some(id));
        }
        sqlx::query_with(&sql, self.arguments).execute(conn).await?;
        Ok(None)
    }
}

/// One part alone is sent as it is; more become `WITH` parts of a query
/// that reads the returning part, if any.
fn statement(mut parts: Vec<String>, returning: Option<usize>) -> Option<String> {
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => {
            let with: Vec<String> = parts
                .iter()
                .enumerate()
                .map(|(i, part)| format!("w{i} AS ({part})"))
                .collect();
            let read = match returning {
                Some(i) => format!("SELECT id FROM w{i}"),
                None => "SELECT 1".to_owned(),
            };
            Some(format!("WITH {} {read}", with.join(", ")))
        }
    }
}

/// `sql` with each placeholder `$k` moved to `$(k + by)`. The statements
/// here hold no string literal or quoted name with a `$` in it.
fn renumber(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some((_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        match digits.parse::<usize>() {
            Ok(k) => out.push_str(&(k + by).to_string()),
            Err(_) => out.push_str(&digits),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_move_past_the_values_bound_before() {
        assert_eq!(
            renumber(
                "UPDATE t SET a = $1 WHERE b = ANY($2::int[]) AND c = $10",
                3
            ),
            "UPDATE t SET a = $4 WHERE b = ANY($5::int[]) AND c = $13"
        );
        assert_eq!(renumber("SELECT $1", 0), "SELECT $1");
    }

    #[test]
    fn parts_become_with_parts_read_through_the_returning_one() {
        assert_eq!(statement(vec![], None), None);
        assert_eq!(
            statement(
                vec!["INSERT INTO a VALUES ($1) RETURNING id".into()],
                Some(0)
            )
            .as_deref(),
            Some("INSERT INTO a VALUES ($1) RETURNING id")
        );
        assert_eq!(
            statement(
                vec![
                    "UPDATE a SET x = $1".into(),
                    "INSERT INTO b VALUES ($2) RETURNING id".into()
                ],
                Some(1)
            )
            .as_deref(),
            Some("WITH w0 AS (UPDATE a SET x = $1), w1 AS (INSERT INTO b VALUES ($2) RETURNING id) SELECT id FROM w1")
        );
        assert_eq!(
            statement(
                vec!["UPDATE a SET x = $1".into(), "DELETE FROM b".into()],
                None
            )
            .as_deref(),
            Some("WITH w0 AS (UPDATE a SET x = $1), w1 AS (DELETE FROM b) SELECT 1")
        );
    }

    #[test]
    fn values_are_numbered_across_parts() {
        let mut trip = RoundTrip::default();
        trip.add("UPDATE a SET x = $1 WHERE y = $2", |b| {
            b.bind(1_i64).bind(2_i64)
        });
        trip.add_returning("INSERT INTO b VALUES ($1) RETURNING id", |b| b.bind("z"));
        assert_eq!(trip.arguments.len(), 3);
        assert_eq!(trip.parts[1], "INSERT INTO b VALUES ($3) RETURNING id");
        assert_eq!(trip.returning, Some(1));
    }
}
