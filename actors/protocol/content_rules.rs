//! The content rules in force: one compiled matcher
//! (`checks::content::ContentRules`) that every account actor reads at
//! accept with one atomic load, and that the admin API replaces whole
//! when a rule changes.

use arc_swap::ArcSwap;

use crate::checks::content::ContentRules;

/// The content rules in force, swapped whole.
pub type LiveContentRules = ArcSwap<ContentRules>;
