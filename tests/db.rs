//! Fresh, migrated databases for storage tests: SQLite always, PostgreSQL when
//! `RESKILL_TEST_DATABASE_URL` names a server.
//!
//! Each test gets its own database (a temporary SQLite file, or a uniquely named PostgreSQL
//! database created through the URL's server and dropped afterwards), as zero-to-production and
//! crates.io do, so tests run in parallel without seeing each other's rows.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// The variable naming a PostgreSQL database whose server may host per-test databases.
pub const POSTGRES_URL_VAR: &str = "RESKILL_TEST_DATABASE_URL";

/// Which database engine a [`TestDb`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A throwaway database on the PostgreSQL server of [`POSTGRES_URL_VAR`].
    Postgres,
}

/// A database of its own for one test.
pub struct TestDb {
    /// The connection pool, opened with `reskill_store::connect`.
    pub db: DatabaseConnection,
    /// The engine.
    pub backend: Backend,
    /// The URL the pool was opened with.
    pub url: String,
    /// Keeps the SQLite file's folder alive until the test ends.
    _dir: Option<tempfile::TempDir>,
    /// For PostgreSQL: the server's admin URL and the database name to drop at the end.
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// Returns a migrated SQLite database in a temporary file.
    pub async fn sqlite() -> anyhow::Result<Self> {
        let db = Self::sqlite_empty().await?;
        reskill_store::migrate(&db.db).await?;
        Ok(db)
    }

    /// Returns an empty (unmigrated) SQLite database in a temporary file.
    pub async fn sqlite_empty() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("reskill.db").display());
        let db = reskill_store::connect(&url).await?;
        Ok(Self {
            db,
            backend: Backend::Sqlite,
            url,
            _dir: Some(dir),
            postgres: None,
        })
    }

    /// Returns a migrated database on the PostgreSQL server of `server_url`.
    pub async fn postgres(server_url: &str) -> anyhow::Result<Self> {
        let db = Self::postgres_empty(server_url).await?;
        reskill_store::migrate(&db.db).await?;
        Ok(db)
    }

    /// Returns an empty database, uniquely named, on the PostgreSQL server of `server_url`.
    pub async fn postgres_empty(server_url: &str) -> anyhow::Result<Self> {
        let name = unique_database_name();
        let admin = reskill_store::connect(server_url)
            .await
            .context("failed to reach the test PostgreSQL server")?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .with_context(|| format!("failed to create database {name}"))?;
        admin.close().await?;
        let url = with_database(server_url, &name);
        let db = reskill_store::connect(&url).await?;
        Ok(Self {
            db,
            backend: Backend::Postgres,
            url,
            _dir: None,
            postgres: Some((server_url.to_owned(), name)),
        })
    }

    /// Closes the pool and, on PostgreSQL, drops the database. (Drop cannot await, so tests
    /// call this; [`for_each_backend`] does it for them.)
    pub async fn cleanup(self) -> anyhow::Result<()> {
        self.db.close().await?;
        if let Some((server_url, name)) = self.postgres {
            let admin = reskill_store::connect(&server_url).await?;
            // After a large import an autovacuum worker may be busy in the database; FORCE
            // cannot terminate it without superuser rights, so wait for it a few times.
            let mut attempt = 0;
            loop {
                let dropped = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                match dropped {
                    Ok(_) => break,
                    Err(err) if attempt < 20 => {
                        attempt += 1;
                        eprintln!("could not drop {name} yet ({err}); retrying");
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                    Err(err) => return Err(err.into()),
                }
            }
            admin.close().await?;
        }
        Ok(())
    }
}

/// Runs `test` on a fresh migrated SQLite database, then on a fresh PostgreSQL database when
/// [`POSTGRES_URL_VAR`] is set; panics naming the backend that failed.
pub async fn for_each_backend<F, Fut>(test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    for_each_backend_with(true, test).await;
}

/// Like [`for_each_backend`], but hands over unmigrated databases when `migrated` is false.
pub async fn for_each_backend_with<F, Fut>(migrated: bool, test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut backends = vec![Backend::Sqlite];
    let postgres_url = std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|url| !url.is_empty());
    if postgres_url.is_some() {
        backends.push(Backend::Postgres);
    }
    for backend in backends {
        let db = match (backend, migrated, &postgres_url) {
            (Backend::Sqlite, true, _) => TestDb::sqlite().await,
            (Backend::Sqlite, false, _) => TestDb::sqlite_empty().await,
            (Backend::Postgres, true, Some(url)) => TestDb::postgres(url).await,
            (Backend::Postgres, false, Some(url)) => TestDb::postgres_empty(url).await,
            (Backend::Postgres, _, None) => unreachable!("postgres runs only with a URL"),
        }
        .unwrap_or_else(|err| panic!("failed to set up a {backend:?} test database: {err:#}"));
        // The test gets its own handle; the original keeps the temp dir and the name to drop.
        let handle = TestDb {
            db: db.db.clone(),
            backend,
            url: db.url.clone(),
            _dir: None,
            postgres: None,
        };
        let outcome = test(handle).await;
        let cleanup = db.cleanup().await;
        if let Err(err) = outcome {
            panic!("test failed on {backend:?}: {err:#}");
        }
        if let Err(err) = cleanup {
            panic!("failed to clean up the {backend:?} test database: {err:#}");
        }
    }
}

/// Returns the first column of the first row of `sql`, a count or another integer.
pub async fn scalar(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .with_context(|| format!("no row from {sql}"))?;
    Ok(row.try_get_by_index(0)?)
}

/// Returns the tables with rows in which some column, read as text, contains `needle`
/// (ignoring ASCII case), with how many: every table and column of the schema is searched.
pub async fn rows_mentioning(
    db: &DatabaseConnection,
    needle: &str,
) -> anyhow::Result<Vec<(String, i64)>> {
    anyhow::ensure!(!needle.contains('\''), "quotes in {needle:?}");
    let backend = db.get_database_backend();
    let columns_sql = match backend {
        DbBackend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name"
        }
        _ => {
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM \
             information_schema.columns WHERE table_schema = current_schema() ORDER BY 1"
        }
    };
    let mut columns: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for row in db
        .query_all_raw(Statement::from_string(backend, columns_sql))
        .await?
    {
        let table: String = row.try_get_by_index(0)?;
        let column: String = row.try_get_by_index(1)?;
        columns.entry(table).or_default().push(column);
    }
    let pattern = format!("%{}%", needle.to_lowercase());
    let mut found = Vec::new();
    for (table, columns) in columns {
        let condition = columns
            .iter()
            .map(|c| format!("LOWER(CAST(\"{c}\" AS TEXT)) LIKE '{pattern}'"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let n = scalar(
            db,
            &format!("SELECT COUNT(*) FROM \"{table}\" WHERE {condition}"),
        )
        .await?;
        if n > 0 {
            found.push((table, n));
        }
    }
    Ok(found)
}

/// Returns a database name no other test (or test run) uses.
fn unique_database_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "reskill_t_{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Returns `url` pointing at database `name` on the same server, keeping any query string.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}
