//! Contacts and groups per customer account (SPEC §6.2), the pure half:
//! what a contact is and its limits, a CSV import read as it arrives, and
//! selection by criteria. The store keeps them (`store::contacts`); the
//! HTTP API lists, changes and imports them. No I/O here.
//!
//! - [`contact`]: a contact (number, name, free fields, groups), group and
//!   field names, and the limits that keep one contact in one record.
//! - [`import`]: a CSV body read chunk by chunk into rows or per-row
//!   errors, each row laid over the contact stored before.
//! - [`selection`]: groups and conditions on fields, and whether a
//!   contact meets them.

pub mod contact;
pub mod import;
pub mod selection;

pub use contact::{Contact, ContactError, GroupName};
pub use selection::{Condition, Selection, SelectionError};
