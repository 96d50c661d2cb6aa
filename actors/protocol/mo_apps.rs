//! The MO applications in force (autoreplies, polls, Kannel-style
//! services; `mo_apps`): swapped whole by the admin API, read by every
//! account actor with one atomic load when it routes an MO.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::mo_apps::MoApps;

/// The applications in force.
pub struct LiveMoApps {
    apps: ArcSwap<MoApps>,
}

impl LiveMoApps {
    pub fn new(apps: MoApps) -> LiveMoApps {
        LiveMoApps {
            apps: ArcSwap::from_pointee(apps),
        }
    }

    /// The applications now.
    pub fn current(&self) -> Arc<MoApps> {
        self.apps.load_full()
    }

    /// Puts `apps` in force for the next MO.
    pub fn replace(&self, apps: MoApps) {
        self.apps.store(Arc::new(apps));
    }
}
