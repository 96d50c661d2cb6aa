//! What passes between actors: the messages, the addresses they are sent
//! to, and the views actors report.

pub mod directory;
pub mod gateway;
pub mod route;
pub mod session;
