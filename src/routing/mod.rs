//! Routing: which gateways a message goes to, and which account an MO
//! message goes to. Pure tables built from the configuration (or the admin
//! API), consulted by the route actors and the MO router; no I/O.

mod distribution;
pub mod mo;
mod table;

pub use distribution::{Distribution, parts_key};
pub use mo::MoRouteTable;
pub use table::{Route, RouteTable};
