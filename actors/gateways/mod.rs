//! The gateways: one supervised actor per upstream, each following the
//! contract in `protocol::gateway`: the built-in simulator, SMPP
//! upstreams and GSM modems.

pub mod modem;
pub mod simulator;
pub mod smpp;
