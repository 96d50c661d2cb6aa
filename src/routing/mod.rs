//! Routing: which gateways a message goes to. Pure tables built from the
//! configuration (or the admin API), consulted by the route actors; no I/O.

mod distribution;
mod table;

pub use distribution::{Distribution, parts_key};
pub use table::{Route, RouteTable};
