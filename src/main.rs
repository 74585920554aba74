use clap::Parser;

use ocop_trace::cli::{self, Cli};
use ocop_trace::telemetry;

/// mimalloc, not glibc's malloc: under the soak glibc kept ~80 MB more than
/// the heap in use (per-thread arenas of the blocking pool, freed but not
/// given back) and the process grew 15 % in 10 minutes (docs/PERFORMANCE.md).
/// `--no-default-features` leaves it out for heap profiling (heaptrack sees
/// only the system's malloc).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format());
    match cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
