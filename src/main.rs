//! The `pasarela` binary: parse the command line and hand over to the library.

use clap::Parser;

/// mimalloc instead of glibc's malloc: the switch allocates small, short-
/// lived buffers on several threads, where glibc's per-thread arenas kept
/// RSS growing to ~380 MB over a million messages (README, Load-testing).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    keep_to_small_pages();
    let cli = pasarela::cli::Cli::parse();
    if let Err(error) = pasarela::cli::run(cli) {
        eprintln!("pasarela: {error:#}");
        std::process::exit(1);
    }
}

/// Transparent huge pages off for this process, unless the operator set
/// `MIMALLOC_ALLOW_THP` to choose. mimalloc advises the kernel to back its
/// arenas with 2 MiB pages, and each 2 MiB a thread touches then stays
/// resident whole: an idle serve held 102–104 MB with them and 61–62 MB
/// without, and 216–229 MB after a paced million messages instead of
/// 255–263 MB (docs/benchmarks.md). Set before the threads start, so every
/// page faulted after it is a small one. Refused (a kernel before 3.15, a
/// seccomp filter), the pages stay as the kernel's settings make them.
fn keep_to_small_pages() {
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // Refused, nothing is lost but the memory saved: no need to stop.
        let _refused = rustix::thread::disable_transparent_huge_pages(true);
    }
}
