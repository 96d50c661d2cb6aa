//! Test-only fault hooks: make a supervised actor panic once, at the Nth
//! message it handles, to prove that supervision brings it back with nothing
//! acknowledged lost (tests/supervision.rs). Armed only by environment
//! variables a test sets on the child process:
//!
//! - `PASARELA_FAULT_ACCOUNT_PANIC_AT=N`: the Nth submit an account handles;
//! - `PASARELA_FAULT_GATEWAY_PANIC_AT=N`: the Nth message a gateway takes;
//! - `PASARELA_FAULT_CAMPAIGN_PANIC_AT=N`: the Nth recipient a campaign submits.
//!
//! Unset (always, in production), each check is one relaxed atomic load.

use std::sync::atomic::{AtomicU64, Ordering};

/// One countdown; 0 means disarmed.
pub struct Fault {
    remaining: AtomicU64,
}

pub static ACCOUNT_PANIC: Fault = Fault::disarmed();
pub static GATEWAY_PANIC: Fault = Fault::disarmed();
pub static CAMPAIGN_PANIC: Fault = Fault::disarmed();

impl Fault {
    const fn disarmed() -> Fault {
        Fault {
            remaining: AtomicU64::new(0),
        }
    }

    /// Panics when this is the Nth call since the hook was armed.
    pub fn tick(&self, what: &str) {
        if self.remaining.load(Ordering::Relaxed) == 0 {
            return;
        }
        if self.remaining.fetch_sub(1, Ordering::Relaxed) == 1 {
            panic!("test fault hook: {what} panics as asked");
        }
    }

    fn arm(&self, variable: &str) {
        if let Some(n) = std::env::var(variable).ok().and_then(|v| v.parse().ok()) {
            self.remaining.store(n, Ordering::Relaxed);
        }
    }
}

/// Reads the environment once at start.
pub fn arm_from_env() {
    ACCOUNT_PANIC.arm("PASARELA_FAULT_ACCOUNT_PANIC_AT");
    GATEWAY_PANIC.arm("PASARELA_FAULT_GATEWAY_PANIC_AT");
    CAMPAIGN_PANIC.arm("PASARELA_FAULT_CAMPAIGN_PANIC_AT");
}
