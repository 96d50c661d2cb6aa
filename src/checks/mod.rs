//! The checks at accept (SPEC §6.1), the pure half: each decides, from a
//! submission and an account's settings, whether the submission may go
//! on. The account actor runs them, in the order SPEC §6.1 gives, before
//! anything is charged or stored, so every interface (SMPP, HTTP,
//! Kannel's sendsms) shares them. No I/O here.
//!
//! - [`sender`]: which senders an account may use, and what a sender is.

pub mod sender;
