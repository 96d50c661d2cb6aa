//! `StoreError`: every way the store can fail, typed.
//!
//! Absent records are not errors (reads return `Option`); these are
//! failures. The error is `Clone` because one failed group commit answers
//! every writer in the group with the same error.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// A failure of the store.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// sled reported an error (I/O, or corruption of its own files).
    #[error("database error in {path}: {source}")]
    Database {
        path: PathBuf,
        #[source]
        source: Arc<sled::Error>,
    },
    /// An I/O error outside sled: the fsync of "power" durability.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    /// A stored key or value does not decode: written by a newer version,
    /// or damaged. Names where, so an operator can look.
    #[error("corrupt record in tree {tree:?} at key {key}: {reason}")]
    Corrupt {
        tree: &'static str,
        key: KeyHex,
        reason: String,
    },
    /// A value could not be encoded for the store (e.g. a time outside the
    /// years 1677 to 2262, or a value larger than a record may be).
    #[error("cannot store record in tree {tree:?} at key {key}: {reason}")]
    Encode {
        tree: &'static str,
        key: KeyHex,
        reason: String,
    },
    /// An earlier group commit failed; the store takes no more writes,
    /// because what sled holds in memory may differ from the disk. Reopen it.
    #[error("the store refuses writes after an earlier commit failed: {0}")]
    Failed(Arc<StoreError>),
    /// The store was closed (or its commit thread is gone) before this
    /// write was durable.
    #[error("the store is closed")]
    Closed,
}

/// Key bytes shown as hex in messages, with the printable ASCII beside them
/// (account ids and gateway names are part of keys).
#[derive(Clone, PartialEq, Eq)]
pub struct KeyHex(pub Vec<u8>);

impl fmt::Display for KeyHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in &self.0 {
            write!(f, "{byte:02x}")?;
        }
        f.write_str(" (")?;
        for &byte in &self.0 {
            let shown = if byte.is_ascii_graphic() {
                byte as char
            } else {
                '.'
            };
            write!(f, "{shown}")?;
        }
        f.write_str(")")
    }
}

impl fmt::Debug for KeyHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

pub(super) fn io_error(
    action: &'static str,
    path: &std::path::Path,
    error: std::io::Error,
) -> StoreError {
    StoreError::Io {
        action,
        path: path.to_path_buf(),
        source: Arc::new(error),
    }
}
