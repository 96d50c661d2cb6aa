//! The campaign actors' messages and the table of those running: the API
//! asks a campaign's actor to pause, resume or cancel it
//! ([`ControlCampaign`]); [`LiveCampaigns`] starts an actor for each
//! campaign that is not finished or cancelled (at start, and when one is
//! made) and finds it again.

use std::collections::HashMap;
use std::sync::Mutex;

use actix::Recipient;

use crate::campaigns::lifecycle::NotNow;
use crate::campaigns::{Control, Definition, State};
use crate::model::CampaignId;
use crate::store::StateRecord;

/// Pause, resume or cancel: answered with the state it moved to, once
/// stored.
#[derive(actix::Message)]
#[rtype(result = "Result<State, ControlRefused>")]
pub struct ControlCampaign {
    pub control: Control,
}

/// Why a [`ControlCampaign`] changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ControlRefused {
    #[error(transparent)]
    NotNow(#[from] NotNow),
    #[error("the change could not be stored: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// Starts one campaign's actor from its definition and stored state.
pub type StartCampaign =
    Box<dyn Fn(Definition, StateRecord) -> Recipient<ControlCampaign> + Send + Sync>;

/// The campaign actors started in this process, by campaign.
pub struct LiveCampaigns {
    start: StartCampaign,
    running: Mutex<HashMap<CampaignId, Recipient<ControlCampaign>>>,
}

impl LiveCampaigns {
    pub fn new(start: StartCampaign) -> LiveCampaigns {
        LiveCampaigns {
            start,
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Starts the actor of a campaign that is not final.
    pub fn start(&self, definition: Definition, state: StateRecord) {
        let id = definition.id;
        let actor = (self.start)(definition, state);
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(id, actor);
    }

    /// The actor of campaign `id`, while it runs.
    pub fn actor(&self, id: CampaignId) -> Option<Recipient<ControlCampaign>> {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&id)
            .cloned()
    }

    /// Campaign `id` is finished or cancelled: its actor lets go of its
    /// last address here, so that it stops for good (a supervised actor
    /// with an address left is restarted).
    pub fn ended(&self, id: CampaignId) {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&id);
    }
}
