//! The `reskill` binary: parses the command line and hands over to the library.

// A recommendation builds and drops many small strings and vectors; mimalloc handles that
// churn with less time in the allocator than glibc's (measured in docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    match reskill_cli::parse().and_then(reskill_cli::run) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
