use clap::Parser;

use ocop_trace::cli::{self, Cli};
use ocop_trace::telemetry;

/// jemalloc, not glibc's malloc nor mimalloc: under the PostgreSQL soak both
/// kept more and more freed memory over a flat heap in use (glibc: the
/// blocking pool's per-thread arenas; mimalloc: partly used pages of each
/// thread), the process growing 15-35 % in ten minutes; jemalloc, its
/// background thread returning freed pages, stayed within 2 %
/// (docs/PERFORMANCE.md). `--no-default-features` leaves it out for heap
/// profiling (heaptrack sees only the system's malloc); `--features
/// mimalloc` serves with mimalloc instead, to compare.
#[cfg(all(feature = "jemalloc", not(feature = "mimalloc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
