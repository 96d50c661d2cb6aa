//! The `pasarela` binary: parse the command line and hand over to the library.

use clap::Parser;

/// mimalloc instead of glibc's malloc: the switch allocates small, short-
/// lived buffers on several threads, where glibc's per-thread arenas kept
/// RSS growing to ~380 MB over a million messages (README, Load-testing).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = pasarela::cli::Cli::parse();
    if let Err(error) = pasarela::cli::run(cli) {
        eprintln!("pasarela: {error:#}");
        std::process::exit(1);
    }
}
