//! The optional settings file, through the real binary: it is read from `--config` or
//! `RESKILL_CONFIG`, the environment wins over it, and a bad line stops the process with the
//! file, the line and the reason.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::ensure;
use reskill_tests::db::{for_each_backend, scalar};
use reskill_tests::process::{Server, free_port, reskill_binary};

/// `reskill ARGS…` with none of the settings this test sets taken from the caller's environment.
fn bare(binary: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(binary);
    command
        .args(args)
        .env_remove("RESKILL_CONFIG")
        .env_remove("RESKILL_DATA_DIR")
        .env_remove("DATABASE_URL")
        .env_remove("RESKILL_BIND")
        .env("RESKILL_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

#[test]
fn settings_file_is_read_below_the_environment_and_bad_lines_are_refused() -> anyhow::Result<()> {
    let binary = reskill_binary()?;
    let dir = tempfile::tempdir()?;
    let (from_file, from_env) = (dir.path().join("from-file"), dir.path().join("from-env"));
    let config = dir.path().join("reskill.env");
    std::fs::write(
        &config,
        format!(
            "# settings for the test\nRESKILL_DATA_DIR=\"{}\"\n",
            from_file.display()
        ),
    )?;
    let config_arg = config.to_str().unwrap_or_default();

    // The file sets the data folder.
    let output = bare(&binary, &["--config", config_arg, "stats"]).output()?;
    ensure!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    ensure!(
        from_file.join("reskill.db").is_file(),
        "no database in the file's folder"
    );

    // The environment wins over the file.
    let output = bare(&binary, &["stats"])
        .env("RESKILL_CONFIG", &config)
        .env("RESKILL_DATA_DIR", &from_env)
        .output()?;
    ensure!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    ensure!(
        from_env.join("reskill.db").is_file(),
        "the environment lost to the file"
    );

    // A bare `reskill` serves on the file's address.
    let port = free_port()?;
    std::fs::write(
        &config,
        format!(
            "RESKILL_DATA_DIR={}\nRESKILL_BIND=127.0.0.1:{port}\nRESKILL_SEARCH_RATE=0\n",
            from_file.display()
        ),
    )?;
    let mut server = bare(&binary, &[])
        .env("RESKILL_CONFIG", &config)
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let up = loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break true;
        }
        if server.try_wait()?.is_some() || Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = server.kill();
    server.wait()?;
    ensure!(up, "reskill did not listen on the file's RESKILL_BIND");

    // A bad line: nothing runs, and the error names the file and line.
    std::fs::write(&config, "RESKILL_BIND=127.0.0.1:1\nRESKILL_NOPE=1\n")?;
    let output = bare(&binary, &["--config", config_arg, "stats"]).output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    ensure!(!output.status.success(), "a bad settings file was accepted");
    ensure!(
        stderr.contains(&format!("{config_arg}:2: unknown setting \"RESKILL_NOPE\"")),
        "{stderr}"
    );
    Ok(())
}

/// Settings for `args` (after the program name), parsed in-process.
fn settings_for(args: &[&str]) -> anyhow::Result<reskill_cli::Settings> {
    let cli = reskill_cli::parse_from(std::iter::once("reskill").chain(args.iter().copied()))?;
    reskill_cli::Settings::from_cli(&cli)
}

// Before: emailed links named http://127.0.0.1:8080 whenever RESKILL_PUBLIC_URL was unset,
// wherever the server listened. They now name the listening address (localhost for an
// unspecified one), and a warning says so outside the embedded demo default.
#[test]
fn public_url_follows_the_bind_address_when_unset_and_warns() -> anyhow::Result<()> {
    use reskill_cli::config::public_url_for_bind;
    ensure!(public_url_for_bind("0.0.0.0:9000") == "http://localhost:9000");
    ensure!(public_url_for_bind("[::]:9000") == "http://localhost:9000");
    ensure!(public_url_for_bind("192.0.2.7:8081") == "http://192.0.2.7:8081");
    ensure!(public_url_for_bind("[2001:db8::1]:80") == "http://[2001:db8::1]:80");
    ensure!(public_url_for_bind("reskill.internal:8080") == "http://reskill.internal:8080");
    let outside = [
        "RESKILL_PUBLIC_URL",
        "RESKILL_BIND",
        "DATABASE_URL",
        "RESKILL_CONFIG",
    ];
    if let Some(name) = outside.iter().find(|n| std::env::var_os(n).is_some()) {
        eprintln!("skipping the parsed part: {name} is set in the environment");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_str().unwrap_or_default();

    let settings = settings_for(&["--data-dir", data, "serve", "--bind", "0.0.0.0:9000"])?;
    ensure!(
        settings.public_url == "http://localhost:9000",
        "{}",
        settings.public_url
    );
    let warning = settings.public_url_warning().unwrap_or_default();
    ensure!(
        warning.contains("RESKILL_PUBLIC_URL") && warning.contains("only on this machine"),
        "{warning}"
    );
    let settings = settings_for(&[
        "--data-dir",
        data,
        "--database-url",
        "postgres://u:p@db.internal/reskill",
        "serve",
        "--bind",
        "10.1.2.3:8080",
    ])?;
    ensure!(
        settings.public_url == "http://10.1.2.3:8080",
        "{}",
        settings.public_url
    );
    ensure!(
        settings.public_url_warning().is_some(),
        "no warning outside the embedded default"
    );
    // The embedded demo default on a concrete address: that address, no warning.
    let settings = settings_for(&["--data-dir", data, "serve"])?;
    ensure!(
        settings.public_url == "http://127.0.0.1:8080",
        "{}",
        settings.public_url
    );
    ensure!(settings.public_url_warning().is_none());
    let settings = settings_for(&["--data-dir", data, "serve", "--bind", "127.0.0.1:9001"])?;
    ensure!(
        settings.public_url == "http://127.0.0.1:9001",
        "{}",
        settings.public_url
    );
    ensure!(settings.public_url_warning().is_none());
    ensure!(settings.auth_config().mail_requests_per_hour == Some(10.0));
    let settings = settings_for(&["--data-dir", data, "--mail-requests-per-hour", "0", "serve"])?;
    ensure!(
        settings.auth_config().mail_requests_per_hour.is_none(),
        "0 must lift the limit"
    );
    // A configured URL wins and needs no warning.
    let settings = settings_for(&[
        "--data-dir",
        data,
        "--public-url",
        "https://reskill.example.org/",
        "serve",
        "--bind",
        "0.0.0.0:9000",
    ])?;
    ensure!(
        settings.public_url == "https://reskill.example.org",
        "{}",
        settings.public_url
    );
    ensure!(settings.public_url_warning().is_none());
    Ok(())
}

// An empty PostgreSQL database named by DATABASE_URL used to get the demo accounts, among them
// an admin with the published password. A named database (SQLite too) now gets the demo only
// with `serve --demo`, and the log says which happened.
#[tokio::test]
async fn a_named_empty_database_gets_the_demo_only_with_the_demo_flag() {
    let binary = reskill_binary().expect("reskill binary");
    for_each_backend(|t| {
        let binary = binary.clone();
        async move {
            let dir = tempfile::tempdir()?;
            let log = dir.path().join("serve.log");
            let envs = [("DATABASE_URL", t.url.as_str())];
            let server = Server::start_with(
                &binary,
                &dir.path().join("data"),
                &[],
                &envs,
                std::fs::File::create(&log)?.into(),
            )?;
            server.kill()?;
            let text = std::fs::read_to_string(&log)?;
            ensure!(
                scalar(&t.db, "SELECT COUNT(*) FROM users").await? == 0,
                "demo accounts in a named database"
            );
            ensure!(
                text.contains("not loading the demo") && text.contains("--demo"),
                "the log does not say the demo was left out:\n{text}"
            );

            let server = Server::start_with(
                &binary,
                &dir.path().join("data"),
                &["--demo"],
                &envs,
                Stdio::null(),
            )?;
            server.login("admin@example.org")?;
            server.kill()?;
            ensure!(scalar(&t.db, "SELECT COUNT(*) FROM users").await? > 0);
            Ok(())
        }
    })
    .await;
}
