//! The store's tests: group commit, crash recovery (writers killed with
//! SIGKILL, this binary re-run as the child), and a model test against a
//! plain map.

#![cfg(feature = "runtime")]

mod store_commit;
mod store_crash;
mod store_model;
