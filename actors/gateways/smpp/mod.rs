//! Gateway kind `smpp`: an upstream SMSC over SMPP 3.4. Its actor is the
//! one every upstream kind shares (`gateways::upstream`); `bind` is the
//! SMPP side, one task per bind.

pub mod bind;
