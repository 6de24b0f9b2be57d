//! Postgres: the pool, creating the database, migrations, and which
//! failures mean "down for now".

use std::error::Error;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Connection, Executor};

use crate::config::{DatabaseSettings, FoldCommit, RequestBounds};

/// The schema every service shares, embedded at build time.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

const MAX_CONNECTIONS: u32 = 10;
/// A pooled connection idle this long is pinged before it is handed out
/// (see `pool_options`).
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Failures reaching or preparing the database. Every message names
/// `DATABASE_URL`, the one knob an operator can turn to fix it.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("DATABASE_URL: cannot connect to database {database:?} at {host}:{port}: {source}")]
    Connect {
        database: String,
        host: String,
        port: u16,
        #[source]
        source: Box<dyn Error + Send + Sync>,
    },
    #[error("DATABASE_URL: cannot create database {database:?}: {source}")]
    Create {
        database: String,
        source: sqlx::Error,
    },
    #[error("DATABASE_URL: migrating database {database:?} failed: {source}")]
    Migrate {
        database: String,
        source: MigrateError,
    },
}

fn pool_options(db: &DatabaseSettings) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(db.connect_timeout)
        // sqlx pings every connection it hands out by default: a round
        // trip before each transaction, each read-model load, each request's
        // query, on the path every decision waits on. A connection released
        // a moment ago was pinged on its release (sqlx always does that),
        // so only one that sat idle for a while, long enough for the server
        // to have gone away meanwhile, is pinged before use.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        // A connection otherwise keeps, for as long as it lives in the
        // pool, room for the largest message it ever sent or read (a
        // partition snapshot of tens of megabytes, a burst's batch), its
        // write buffer zero-filled and so resident: memory that grew with
        // the log (issue 14). Shrinking on release reallocates only a
        // buffer that outgrew sqlx's 8 KiB default.
        .after_release(|conn, _| {
            Box::pin(async move {
                conn.shrink_buffers();
                Ok(true)
            })
        })
}

fn connect_error(
    db: &DatabaseSettings,
    source: impl Into<Box<dyn Error + Send + Sync>>,
) -> DatabaseError {
    let options = db.connect_options();
    DatabaseError::Connect {
        database: db.database_name().to_owned(),
        host: options.get_host().to_owned(),
        port: options.get_port(),
        source: source.into(),
    }
}

/// Whether a Postgres failure means "down for now" (a 503, worth a retry)
/// rather than "our bug" (a missing table, a bad query: a 500). Every
/// service classifies Postgres failures with this one function. A request
/// pool's statement cancelled by its timeout (57014) or refused a lock
/// within its lock timeout (55P03) is "down for now" too: the database is
/// busy or blocked, and the same request may well pass a moment later.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| is_unavailable_sqlstate(&code)),
        _ => false,
    }
}

/// SQLSTATE classes 08 (connection), 53 (resources), 57 (operator
/// intervention, e.g. shutting down, and 57014 query_canceled, which a
/// statement timeout raises), 55P03 (lock_not_available, raised by a lock
/// timeout) and 40001/40P01 (serialization failure, deadlock: retry).
fn is_unavailable_sqlstate(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57")
        || code == "55P03"
        || code == "40001"
        || code == "40P01"
}

/// One connection within the connect timeout, failing with the server's
/// own reason (a pool would only report that it timed out).
async fn connect_once(
    db: &DatabaseSettings,
    options: &PgConnectOptions,
) -> Result<PgConnection, DatabaseError> {
    match tokio::time::timeout(db.connect_timeout, PgConnection::connect_with(options)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(connect_error(db, e)),
        Err(_) => Err(connect_error(
            db,
            format!("no answer within {} s", db.connect_timeout.as_secs_f32()),
        )),
    }
}

/// Opens a pool after proving the database answers, giving up after the
/// configured connect timeout.
pub async fn connect(db: &DatabaseSettings) -> Result<PgPool, DatabaseError> {
    let options = db.connect_options();
    prove_answers(db, &options).await?;
    Ok(pool_options(db).connect_lazy_with(options))
}

/// Opens the projector's fold pool, as `connect` does, with its sessions'
/// `synchronous_commit` set as `commit` says (see `FoldCommit`). Only
/// the fold may defer its flushes: its rows are all folded from the log
/// again if lost. A service whose rows are its own (command-api's
/// idempotency keys) keeps `connect`.
pub async fn connect_for_folds(
    db: &DatabaseSettings,
    commit: FoldCommit,
) -> Result<PgPool, DatabaseError> {
    let options = db.connect_options();
    prove_answers(db, &options).await?;
    let options = options.options([("synchronous_commit", commit.synchronous_commit())]);
    Ok(pool_options(db).connect_lazy_with(options))
}

/// One connection opened and closed: the database answers.
async fn prove_answers(
    db: &DatabaseSettings,
    options: &PgConnectOptions,
) -> Result<(), DatabaseError> {
    connect_once(db, options)
        .await?
        .close()
        .await
        .map_err(|e| connect_error(db, e))
}

/// Opens a pool for request paths, after proving the database answers:
/// each of its connections runs under the configured statement and lock
/// timeouts (set at session start, so the server ends a stuck statement
/// even when the client has stopped waiting for it). A request waits for a
/// pooled connection up to the connect timeout, as every pool does, so one
/// call takes at most `DatabaseSettings::request_call_limit`; past it the
/// caller gets an error `is_unavailable` calls "down for now", answered
/// 503. A black-holed database answers nothing at all: callers bound
/// their calls by that limit too (command-api's deadlines, the read
/// model's loads).
/// The projector's fold keeps `connect`: a batch may legitimately wait for
/// a partition's row lock during a rebalance.
pub async fn connect_for_requests(db: &DatabaseSettings) -> Result<PgPool, DatabaseError> {
    let options = db.connect_options();
    prove_answers(db, &options).await?;
    let bounds = db.requests;
    Ok(pool_options(db).connect_lazy_with(bounded(options, bounds)))
}

/// `options` with the request bounds as session settings.
fn bounded(options: PgConnectOptions, bounds: RequestBounds) -> PgConnectOptions {
    options.options([
        (
            "statement_timeout",
            format!("{}ms", bounds.statement_timeout.as_millis()),
        ),
        (
            "lock_timeout",
            format!("{}ms", bounds.lock_timeout.as_millis()),
        ),
    ])
}

/// Creates the configured database when it does not exist. Answers whether
/// it created it. Safe to run concurrently from several processes.
pub async fn ensure_database_exists(db: &DatabaseSettings) -> Result<bool, DatabaseError> {
    let name = db.database_name();
    let mut conn = connect_once(db, &db.maintenance_options()).await?;
    let create = |source| DatabaseError::Create {
        database: name.to_owned(),
        source,
    };
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .map_err(create)?;
    if exists {
        return Ok(false);
    }
    match conn
        .execute(format!("CREATE DATABASE {}", quote_identifier(name)).as_str())
        .await
    {
        Ok(_) => Ok(true),
        // Another process created it between our check and our create.
        Err(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("42P04" | "23505")) => {
            Ok(false)
        }
        Err(e) => Err(create(e)),
    }
}

/// Applies pending migrations. sqlx serializes concurrent runs with an
/// advisory lock.
pub async fn migrate(pool: &PgPool, db: &DatabaseSettings) -> Result<(), DatabaseError> {
    MIGRATOR
        .run(pool)
        .await
        .map_err(|source| DatabaseError::Migrate {
            database: db.database_name().to_owned(),
            source,
        })
}

/// Readiness: a round trip to the database within `timeout`.
pub async fn check(pool: &PgPool, timeout: Duration) -> Result<(), String> {
    match tokio::time::timeout(timeout, sqlx::query("SELECT 1").execute(pool)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("query failed: {e}")),
        Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
    }
}

pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::{is_unavailable, is_unavailable_sqlstate, quote_identifier};

    #[test]
    fn a_database_that_is_down_is_unavailable_and_a_bad_query_is_a_bug() {
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(is_unavailable(&sqlx::Error::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused
        ))));
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        assert!(!is_unavailable(&sqlx::Error::ColumnNotFound("x".into())));
        for down in [
            "08006", "53300", "57P01", "57014", "55P03", "40001", "40P01",
        ] {
            assert!(is_unavailable_sqlstate(down), "{down}");
        }
        for bug in ["42P01", "23505", "22P02", "40002"] {
            assert!(!is_unavailable_sqlstate(bug), "{bug}");
        }
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("tf_test_1"), "\"tf_test_1\"");
        assert_eq!(quote_identifier("we\"ird"), "\"we\"\"ird\"");
    }
}
