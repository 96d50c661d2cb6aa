//! The store's tests: group commit, crash recovery (writers killed with
//! SIGKILL, this binary re-run as the child), and a model test against a
//! plain map, and paged reads with retention's purge.

#![cfg(feature = "runtime")]

mod store_commit;
mod store_crash;
mod store_model;
mod store_pages;
