//! The search peers on the same rows and queries: PostgreSQL full-text search (a `tsvector`
//! column with a GIN index, `websearch_to_tsquery`, `ts_rank`, `ts_headline`) and SQLite FTS5
//! (`bm25`, `snippet`), each loaded in bulk and served by the same small axum handler.
//!
//! Both apply the filters of the query set in SQL: remote, salary overlap, posted since, region,
//! and the latitude/longitude box Reskill pre-filters geo queries with (the peers stop at the
//! box; Reskill then keeps only openings within the exact radius). Both return the total match
//! count, the top hits with a highlighted snippet, and region facet counts when asked.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use sea_orm::sqlx::{self, Row};
use serde::Serialize;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::generator::{Generator, Synthetic};
use crate::queries::BenchQuery;

/// What loading a peer took.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadReport {
    /// Seconds to write the rows (and, for PostgreSQL, compute the `tsvector`s).
    pub rows_seconds: f64,
    /// Seconds to build the full-text index.
    pub index_seconds: f64,
    /// Seconds for the other indexes and statistics.
    pub other_seconds: f64,
    /// Table, full-text index and other indexes on disk, bytes.
    pub bytes_on_disk: u64,
    /// The full-text index alone, bytes (PostgreSQL).
    pub fulltext_bytes: Option<u64>,
}

/// Rows per `COPY` buffer flush / per SQLite multi-row insert.
const PG_BUFFER_BYTES: usize = 4 << 20;
const SQLITE_ROWS_PER_INSERT: usize = 500;

fn copy_text(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => {}
            c => out.push(c),
        }
    }
}

fn copy_opt<T: ToString>(out: &mut String, value: Option<T>) {
    match value {
        Some(v) => out.push_str(&v.to_string()),
        None => out.push_str("\\N"),
    }
}

fn copy_row(out: &mut String, o: &Synthetic) {
    out.push_str(&o.id.to_string());
    for text in [
        o.title.as_str(),
        o.occupation.as_ref().map_or("", |x| &x.1),
        o.description.as_str(),
        &o.extra(),
    ] {
        out.push('\t');
        copy_text(out, text);
    }
    for text in [o.region.as_deref(), o.place_name.as_deref()] {
        out.push('\t');
        match text {
            Some(t) => copy_text(out, t),
            None => out.push_str("\\N"),
        }
    }
    out.push('\t');
    copy_opt(out, o.lat);
    out.push('\t');
    copy_opt(out, o.lon);
    out.push('\t');
    out.push_str(if o.remote { "t" } else { "f" });
    out.push('\t');
    copy_opt(out, o.salary_min);
    out.push('\t');
    copy_opt(out, o.salary_max);
    out.push('\t');
    out.push_str(&o.posted_on.to_string());
    out.push('\t');
    copy_opt(out, o.occupation.as_ref().map(|x| x.0));
    out.push('\n');
}

/// Creates the database of `url` when missing (through the `postgres` database).
pub async fn ensure_pg_database(url: &str) -> anyhow::Result<()> {
    let (base, name) = url
        .rsplit_once('/')
        .context("database URL without a database name")?;
    let name = name.split('?').next().unwrap_or(name);
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&format!("{base}/postgres"))
        .await
        .context("failed to connect to PostgreSQL")?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&admin)
        .await?;
    if exists.is_none() {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&admin)
            .await?;
    }
    Ok(())
}

/// Returns the number of rows of the PostgreSQL peer's table, or `None` when it does not exist.
pub async fn pg_row_count(url: &str) -> anyhow::Result<Option<i64>> {
    let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
    let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass('bench_openings')::text")
        .fetch_one(&pool)
        .await?;
    if exists.is_none() {
        return Ok(None);
    }
    Ok(Some(
        sqlx::query_scalar("SELECT count(*) FROM bench_openings")
            .fetch_one(&pool)
            .await?,
    ))
}

/// Loads openings `0..n` into PostgreSQL with `COPY`, the `tsvector` a stored generated column,
/// then builds the GIN index and the filter indexes.
pub async fn load_pg(url: &str, generator: &Generator<'_>, n: u64) -> anyhow::Result<LoadReport> {
    ensure_pg_database(url).await?;
    let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
    let mut conn = pool.acquire().await?;
    for statement in [
        "SET maintenance_work_mem = '1GB'",
        "DROP TABLE IF EXISTS bench_openings",
        // Weights follow Reskill's boosts: title A (×3), occupation label B (×2), body and
        // organisation/place D (×1), with ts_rank weights {D, C, B, A} = {0.1, 0.1, 0.2, 0.3}.
        "CREATE TABLE bench_openings (
            id bigint PRIMARY KEY,
            title text NOT NULL,
            alt text NOT NULL,
            body text NOT NULL,
            extra text NOT NULL,
            region text,
            place_name text,
            lat double precision,
            lon double precision,
            remote boolean NOT NULL,
            salary_min double precision,
            salary_max double precision,
            posted_on date NOT NULL,
            occupation_id bigint,
            tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english', title), 'A') ||
                setweight(to_tsvector('english', alt), 'B') ||
                setweight(to_tsvector('english', body), 'D') ||
                setweight(to_tsvector('english', extra), 'D')) STORED
        )",
    ] {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    let mut report = LoadReport::default();
    let started = Instant::now();
    let mut copy = conn
        .copy_in_raw(
            "COPY bench_openings (id, title, alt, body, extra, region, place_name, lat, lon, \
             remote, salary_min, salary_max, posted_on, occupation_id) FROM STDIN",
        )
        .await?;
    let mut buffer = String::with_capacity(PG_BUFFER_BYTES + 64 * 1024);
    for (i, opening) in generator.openings(n).enumerate() {
        copy_row(&mut buffer, &opening);
        if buffer.len() >= PG_BUFFER_BYTES {
            copy.send(buffer.as_bytes()).await?;
            buffer.clear();
        }
        if (i + 1) % 200_000 == 0 {
            eprintln!(
                "  postgres: {} rows copied, {:.0} s",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    copy.send(buffer.as_bytes()).await?;
    copy.finish().await?;
    report.rows_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    sqlx::query("CREATE INDEX bench_openings_tsv ON bench_openings USING gin (tsv)")
        .execute(&mut *conn)
        .await?;
    report.index_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for statement in [
        "CREATE INDEX bench_openings_geo ON bench_openings (lat, lon)",
        "CREATE INDEX bench_openings_posted ON bench_openings (posted_on)",
        "CREATE INDEX bench_openings_region ON bench_openings (region)",
        "VACUUM ANALYZE bench_openings",
    ] {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    report.other_seconds = started.elapsed().as_secs_f64();
    report.bytes_on_disk =
        sqlx::query_scalar::<_, i64>("SELECT pg_total_relation_size('bench_openings')")
            .fetch_one(&mut *conn)
            .await? as u64;
    report.fulltext_bytes = Some(
        sqlx::query_scalar::<_, i64>("SELECT pg_relation_size('bench_openings_tsv')")
            .fetch_one(&mut *conn)
            .await? as u64,
    );
    Ok(report)
}

/// Returns the row count of the FTS5 peer's database, or `None` when it does not exist.
pub async fn fts5_row_count(path: &Path) -> anyhow::Result<Option<i64>> {
    if !path.exists() {
        return Ok(None);
    }
    let pool = fts5_pool(path, 1).await?;
    Ok(sqlx::query_scalar("SELECT count(*) FROM openings")
        .fetch_one(&pool)
        .await
        .ok())
}

/// Loads openings `0..n` into a new SQLite file with an external-content FTS5 table (Porter
/// stemmer), built in one `rebuild` after the rows.
pub async fn load_fts5(
    path: &Path,
    generator: &Generator<'_>,
    n: u64,
) -> anyhow::Result<LoadReport> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let file = format!("{}{suffix}", path.display());
        let _ = std::fs::remove_file(file);
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Off)
        .synchronous(SqliteSynchronous::Off)
        .pragma("cache_size", "-262144");
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let mut conn = pool.acquire().await?;
    for statement in [
        "CREATE TABLE openings (
            id INTEGER PRIMARY KEY, title TEXT NOT NULL, alt TEXT NOT NULL, body TEXT NOT NULL,
            extra TEXT NOT NULL, region TEXT, place_name TEXT, lat REAL, lon REAL,
            remote INTEGER NOT NULL, salary_min REAL, salary_max REAL, posted_on TEXT NOT NULL,
            occupation_id INTEGER)",
        "CREATE VIRTUAL TABLE openings_fts USING fts5(title, alt, body, extra,
            content='openings', content_rowid='id', tokenize='porter unicode61')",
    ] {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    let mut report = LoadReport::default();
    let started = Instant::now();
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    let row = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    let full_insert = format!(
        "INSERT INTO openings VALUES {}",
        vec![row; SQLITE_ROWS_PER_INSERT].join(",")
    );
    let mut batch: Vec<Synthetic> = Vec::with_capacity(SQLITE_ROWS_PER_INSERT);
    let mut written = 0u64;
    let mut openings = generator.openings(n).peekable();
    while openings.peek().is_some() {
        batch.clear();
        batch.extend(openings.by_ref().take(SQLITE_ROWS_PER_INSERT));
        let partial;
        let sql = if batch.len() == SQLITE_ROWS_PER_INSERT {
            full_insert.as_str()
        } else {
            partial = format!(
                "INSERT INTO openings VALUES {}",
                vec![row; batch.len()].join(",")
            );
            partial.as_str()
        };
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for o in &batch {
            query = query
                .bind(o.id)
                .bind(o.title.clone())
                .bind(
                    o.occupation
                        .as_ref()
                        .map_or(String::new(), |x| x.1.to_string()),
                )
                .bind(o.description.clone())
                .bind(o.extra())
                .bind(o.region.clone())
                .bind(o.place_name.clone())
                .bind(o.lat)
                .bind(o.lon)
                .bind(i64::from(o.remote))
                .bind(o.salary_min)
                .bind(o.salary_max)
                .bind(o.posted_on.to_string())
                .bind(o.occupation.as_ref().map(|x| x.0));
        }
        query.execute(&mut *conn).await?;
        written += batch.len() as u64;
        if written.is_multiple_of(200_000) {
            eprintln!(
                "  fts5: {written} rows, {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    report.rows_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    sqlx::query("INSERT INTO openings_fts(openings_fts) VALUES('rebuild')")
        .execute(&mut *conn)
        .await?;
    report.index_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for statement in [
        "CREATE INDEX openings_geo ON openings (lat, lon)",
        "CREATE INDEX openings_posted ON openings (posted_on)",
        "CREATE INDEX openings_region ON openings (region)",
        "ANALYZE",
    ] {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    report.other_seconds = started.elapsed().as_secs_f64();
    drop(conn);
    pool.close().await;
    report.bytes_on_disk = std::fs::metadata(path)?.len();
    Ok(report)
}

async fn fts5_pool(path: &Path, connections: u32) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .pragma("mmap_size", "17179869184")
        .pragma("cache_size", "-65536");
    Ok(SqlitePoolOptions::new()
        .max_connections(connections)
        .min_connections(connections)
        .connect_with(options)
        .await?)
}

/// A peer search backend.
#[derive(Debug, Clone)]
pub enum Peer {
    /// PostgreSQL full-text search.
    Postgres(PgPool),
    /// SQLite FTS5.
    Fts5(SqlitePool),
}

/// What the peers' handler returns.
#[derive(Debug, Serialize)]
pub struct PeerResponse {
    /// Matches across every page.
    pub total: i64,
    /// This page.
    pub hits: Vec<PeerHit>,
    /// Region facet counts, when asked.
    pub facets: Vec<(String, i64)>,
}

/// One hit.
#[derive(Debug, Serialize)]
pub struct PeerHit {
    /// Key.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Highlighted excerpt of the description.
    pub snippet: String,
}

/// Builds a statement binding `first`, then every [`Arg`] in order.
macro_rules! bound {
    ($sql:expr, $first:expr, $args:expr) => {{
        let mut statement = sqlx::query(sqlx::AssertSqlSafe(String::from($sql))).bind($first);
        for arg in $args {
            statement = match arg {
                Arg::Text(t) => statement.bind(t),
                Arg::Real(r) => statement.bind(r),
            };
        }
        statement
    }};
}

/// A bound parameter.
enum Arg {
    Text(String),
    Real(f64),
}

/// Returns the SQL filter conditions (each starting with ` AND `) and their arguments;
/// `placeholder(i)` writes the i-th (1-based) parameter.
fn filters(
    query: &BenchQuery,
    with_region: bool,
    args: &mut Vec<Arg>,
    placeholder: &dyn Fn(usize) -> String,
    postgres: bool,
) -> String {
    let (truth, falsity, date_cast) = if postgres {
        ("true", "false", "::date")
    } else {
        ("1", "0", "")
    };
    let mut sql = String::new();
    let push = |args: &mut Vec<Arg>, arg: Arg| {
        args.push(arg);
        placeholder(args.len())
    };
    if let Some(remote) = query.remote {
        sql.push_str(&format!(
            " AND o.remote = {}",
            if remote { truth } else { falsity }
        ));
    }
    if let Some((lo, hi)) = query.salary {
        let lo = push(args, Arg::Real(lo));
        let hi = push(args, Arg::Real(hi));
        sql.push_str(&format!(
            " AND o.salary_max >= {lo} AND o.salary_min <= {hi}"
        ));
    }
    if let Some(since) = query.posted_since() {
        let since = push(args, Arg::Text(since.to_string()));
        sql.push_str(&format!(" AND o.posted_on >= {since}{date_cast}"));
    }
    if with_region && !query.regions.is_empty() {
        let list: Vec<String> = query
            .regions
            .iter()
            .map(|r| push(args, Arg::Text(r.clone())))
            .collect();
        sql.push_str(&format!(" AND o.region IN ({})", list.join(", ")));
    }
    if let Some(bbox) = query.bounding_box() {
        let a = push(args, Arg::Real(bbox.lat.0));
        let b = push(args, Arg::Real(bbox.lat.1));
        sql.push_str(&format!(" AND o.lat BETWEEN {a} AND {b}"));
        if let Some((lon_lo, lon_hi)) = bbox.lon {
            let a = push(args, Arg::Real(lon_lo));
            let b = push(args, Arg::Real(lon_hi));
            sql.push_str(&format!(" AND o.lon BETWEEN {a} AND {b}"));
        }
    }
    sql
}

/// Turns user text into an FTS5 query: every token quoted, all required (FTS5's implicit AND,
/// as `websearch_to_tsquery` does for PostgreSQL).
fn fts5_match(q: &str) -> String {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| format!("\"{}\"", t.to_lowercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Peer {
    /// Connects to PostgreSQL with `connections` sessions (JIT off, so planning cost does not
    /// add a compile step to ranked queries).
    pub async fn postgres(url: &str, connections: u32) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(connections)
            .min_connections(connections)
            .acquire_timeout(Duration::from_secs(60))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("SET jit = off").execute(&mut *conn).await?;
                    sqlx::query("SET work_mem = '64MB'")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        Ok(Self::Postgres(pool))
    }

    /// Opens the FTS5 file read-only with `connections` connections, memory-mapped.
    pub async fn fts5(path: &Path, connections: u32) -> anyhow::Result<Self> {
        Ok(Self::Fts5(fts5_pool(path, connections).await?))
    }

    /// Runs one search.
    pub async fn search(&self, query: &BenchQuery, limit: usize) -> anyhow::Result<PeerResponse> {
        match self {
            Self::Postgres(pool) => pg_search(pool, query, limit).await,
            Self::Fts5(pool) => fts5_search(pool, query, limit).await,
        }
    }
}

async fn pg_search(
    pool: &PgPool,
    query: &BenchQuery,
    limit: usize,
) -> anyhow::Result<PeerResponse> {
    let placeholder = |i: usize| format!("${}", i + 1);
    let mut args = Vec::new();
    let conditions = filters(query, true, &mut args, &placeholder, true);
    let sql = format!(
        "WITH q AS (SELECT websearch_to_tsquery('english', $1) AS query),
         top AS (
           SELECT o.id, o.title, ts_rank('{{0.1,0.1,0.2,0.3}}', o.tsv, q.query) AS rank,
                  count(*) OVER () AS total
           FROM bench_openings o, q
           WHERE o.tsv @@ q.query{conditions}
           ORDER BY rank DESC, o.id
           LIMIT {limit})
         SELECT top.id, top.title, top.total,
                ts_headline('english', o.body, q.query, 'MaxFragments=1, MaxWords=24, MinWords=8') AS snippet
         FROM top JOIN bench_openings o ON o.id = top.id, q
         ORDER BY top.rank DESC, top.id"
    );
    let rows = bound!(&sql, query.q.clone(), args).fetch_all(pool).await?;
    let mut response = PeerResponse {
        total: 0,
        hits: Vec::with_capacity(rows.len()),
        facets: Vec::new(),
    };
    for row in rows {
        response.total = row.try_get("total")?;
        response.hits.push(PeerHit {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            snippet: row.try_get("snippet")?,
        });
    }
    if query.facets {
        let mut args = Vec::new();
        let conditions = filters(query, false, &mut args, &placeholder, true);
        let sql = format!(
            "WITH q AS (SELECT websearch_to_tsquery('english', $1) AS query)
             SELECT o.region, count(*) AS n FROM bench_openings o, q
             WHERE o.tsv @@ q.query{conditions} AND o.region IS NOT NULL
             GROUP BY o.region ORDER BY n DESC, o.region LIMIT 50"
        );
        for row in bound!(&sql, query.q.clone(), args).fetch_all(pool).await? {
            response
                .facets
                .push((row.try_get("region")?, row.try_get("n")?));
        }
    }
    Ok(response)
}

async fn fts5_search(
    pool: &SqlitePool,
    query: &BenchQuery,
    limit: usize,
) -> anyhow::Result<PeerResponse> {
    let expression = fts5_match(&query.q);
    let mut response = PeerResponse {
        total: 0,
        hits: Vec::new(),
        facets: Vec::new(),
    };
    if expression.is_empty() {
        return Ok(response);
    }
    let placeholder = |i: usize| format!("?{}", i + 1);
    let mut args = Vec::new();
    let conditions = filters(query, true, &mut args, &placeholder, false);
    // bm25() cannot run under a window function, so the total is a second query.
    let sql = format!(
        "SELECT o.id, o.title, bm25(openings_fts, 3.0, 2.0, 1.0, 1.0) AS rank
         FROM openings_fts JOIN openings o ON o.id = openings_fts.rowid
         WHERE openings_fts MATCH ?1{conditions}
         ORDER BY rank, o.id LIMIT {limit}"
    );
    let rows = bound!(&sql, expression.clone(), args)
        .fetch_all(pool)
        .await?;
    let mut args = Vec::new();
    let conditions = filters(query, true, &mut args, &placeholder, false);
    let sql = format!(
        "SELECT count(*) FROM openings_fts JOIN openings o ON o.id = openings_fts.rowid
         WHERE openings_fts MATCH ?1{conditions}"
    );
    response.total = bound!(&sql, expression.clone(), args)
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("id")?;
        ids.push(id);
        response.hits.push(PeerHit {
            id,
            title: row.try_get("title")?,
            snippet: String::new(),
        });
    }
    if !ids.is_empty() {
        // snippet() needs the match context; computing it only for the page keeps it cheap.
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT rowid, snippet(openings_fts, 2, '<mark>', '</mark>', '…', 16) AS snippet
             FROM openings_fts WHERE openings_fts MATCH ?1 AND rowid IN ({list})"
        );
        for row in bound!(&sql, expression.clone(), Vec::<Arg>::new())
            .fetch_all(pool)
            .await?
        {
            let id: i64 = row.try_get("rowid")?;
            if let Some(hit) = response.hits.iter_mut().find(|h| h.id == id) {
                hit.snippet = row.try_get("snippet")?;
            }
        }
    }
    if query.facets {
        let mut args = Vec::new();
        let conditions = filters(query, false, &mut args, &placeholder, false);
        let sql = format!(
            "SELECT o.region, count(*) AS n
             FROM openings_fts JOIN openings o ON o.id = openings_fts.rowid
             WHERE openings_fts MATCH ?1{conditions} AND o.region IS NOT NULL
             GROUP BY o.region ORDER BY n DESC, o.region LIMIT 50"
        );
        for row in bound!(&sql, expression.clone(), args)
            .fetch_all(pool)
            .await?
        {
            response
                .facets
                .push((row.try_get("region")?, row.try_get("n")?));
        }
    }
    Ok(response)
}

/// The peers' HTTP handler: `GET /search?q=…&filters…` with the parameters of Reskill's API.
pub async fn search_handler(
    State(peer): State<Peer>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<PeerResponse>, (StatusCode, String)> {
    let (query, limit) = BenchQuery::from_params(&params)
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("{e:#}")))?;
    peer.search(&query, limit)
        .await
        .map(Json)
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")))
}

/// The peers' router.
pub fn router(peer: Peer) -> axum::Router {
    axum::Router::new()
        .route("/search", axum::routing::get(search_handler))
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .with_state(peer)
}
