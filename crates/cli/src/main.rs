//! The `reskill` binary: parses the command line and hands over to the library.

fn main() -> std::process::ExitCode {
    match reskill_cli::parse().and_then(reskill_cli::run) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
