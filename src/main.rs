//! The `pasarela` binary: parse the command line and hand over to the library.

use clap::Parser;

/// mimalloc instead of glibc's malloc: the switch allocates small, short-
/// lived buffers on several threads, where glibc's per-thread arenas kept
/// RSS growing to ~380 MB over a million messages (README, Load-testing).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    keep_to_small_pages();
    give_freed_pages_back();
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

/// Pages freed go back to the kernel at once, unless the operator set
/// `MIMALLOC_PURGE_DELAY` to choose. mimalloc (v3) purges what a thread
/// freed only a second later, and only when that thread allocates or frees
/// again, so a thread that went quiet keeps its peak: an idle serve held
/// 65 MB (the start's password hashing and store opening) instead of 31 MB,
/// and 217 MB after a paced million messages instead of 199 MB, at no CPU
/// cost the relay could show (docs/benchmarks.md).
fn give_freed_pages_back() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mi_option_set stores one word of mimalloc's options; a
        // delay of 0 ms is a value mimalloc documents, and no other thread
        // runs yet.
        #[allow(unsafe_code)]
        unsafe {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        }
    }
}

/// `mi_option_purge_delay` in mimalloc.h, which the Rust bindings do not
/// name; mimalloc keeps its options' numbers stable across versions (a
/// retired option keeps its place as `deprecated_...`).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
