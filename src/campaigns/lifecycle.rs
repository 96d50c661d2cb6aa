//! A campaign's states and the moves between them: the operator's (pause,
//! resume, cancel) and the campaign's own (start when due, pause when the
//! credit runs out or the account is suspended, go on once it can, finish
//! after its last recipient).
//!
//! ```text
//! scheduled ──due──▶ running ──last recipient──▶ finished
//!     │                │ ▲
//!     │   pause, credit│ │resume, credit back
//!     │                ▼ │
//!     └──pause──────▶ paused
//! scheduled, running, paused ──cancel──▶ cancelled
//! ```

use serde::{Deserialize, Serialize};

/// Where a campaign is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    /// Made, its start time not yet come.
    Scheduled,
    /// Sending (or waiting out its quiet hours).
    Running,
    /// Not sending until resumed, or until what stopped it is over.
    Paused(PauseReason),
    /// Every recipient had its turn.
    Finished,
    /// Stopped for good by the operator or the customer.
    Cancelled,
}

/// Why a campaign is paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PauseReason {
    /// Someone asked; only a resume starts it again.
    Asked,
    /// The account's credit does not cover the next message: it goes on by
    /// itself once it does.
    Credit,
    /// The account is suspended: it goes on by itself once it is not.
    Suspended,
}

/// What the operator or the customer asks of a campaign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Stop sending until resumed.
    Pause,
    /// Go on sending.
    Resume,
    /// Stop for good.
    Cancel,
}

/// A request that does not apply to a campaign in its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a campaign that is {} cannot be {}", .state.as_str(), .control.past())]
pub struct NotNow {
    /// The campaign's state.
    pub state: State,
    /// What was asked.
    pub control: Control,
}

impl State {
    /// The name the API shows.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Scheduled => "scheduled",
            State::Running => "running",
            State::Paused(_) => "paused",
            State::Finished => "finished",
            State::Cancelled => "cancelled",
        }
    }

    /// Why it is paused, when it is.
    pub fn pause_reason(self) -> Option<PauseReason> {
        match self {
            State::Paused(reason) => Some(reason),
            _ => None,
        }
    }

    /// Finished or cancelled: no actor runs it, nothing changes it.
    pub fn is_final(self) -> bool {
        matches!(self, State::Finished | State::Cancelled)
    }

    /// The state `control` moves it to; `started` says whether its start
    /// time has come (a resumed campaign not yet due is scheduled again).
    pub fn apply(self, control: Control, started: bool) -> Result<State, NotNow> {
        let refuse = Err(NotNow {
            state: self,
            control,
        });
        match (control, self) {
            (_, State::Finished | State::Cancelled) => refuse,
            (Control::Cancel, _) => Ok(State::Cancelled),
            (Control::Pause, State::Paused(PauseReason::Asked)) => refuse,
            (Control::Pause, _) => Ok(State::Paused(PauseReason::Asked)),
            (Control::Resume, State::Paused(_)) if started => Ok(State::Running),
            (Control::Resume, State::Paused(_)) => Ok(State::Scheduled),
            (Control::Resume, State::Scheduled | State::Running) => refuse,
        }
    }
}

impl PauseReason {
    /// The name the API shows.
    pub fn as_str(self) -> &'static str {
        match self {
            PauseReason::Asked => "asked",
            PauseReason::Credit => "credit",
            PauseReason::Suspended => "suspended",
        }
    }
}

impl Control {
    fn past(self) -> &'static str {
        match self {
            Control::Pause => "paused",
            Control::Resume => "resumed",
            Control::Cancel => "cancelled",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operators_moves() {
        use Control::*;
        use State::*;
        let asked = Paused(PauseReason::Asked);
        let credit = Paused(PauseReason::Credit);
        for (state, control, started, expected) in [
            (Scheduled, Pause, false, Ok(asked)),
            (Running, Pause, true, Ok(asked)),
            (credit, Pause, true, Ok(asked)),
            (asked, Resume, true, Ok(Running)),
            (asked, Resume, false, Ok(Scheduled)),
            (credit, Resume, true, Ok(Running)),
            (Running, Cancel, true, Ok(Cancelled)),
            (asked, Cancel, true, Ok(Cancelled)),
            (Scheduled, Cancel, false, Ok(Cancelled)),
        ] {
            assert_eq!(
                state.apply(control, started),
                expected,
                "{state:?} {control:?}"
            );
        }
        for (state, control) in [
            (asked, Pause),
            (Running, Resume),
            (Scheduled, Resume),
            (Finished, Pause),
            (Finished, Resume),
            (Cancelled, Cancel),
            (Finished, Cancel),
        ] {
            let refused = state.apply(control, true).unwrap_err();
            assert_eq!(refused, NotNow { state, control });
        }
        assert_eq!(
            Finished.apply(Resume, true).unwrap_err().to_string(),
            "a campaign that is finished cannot be resumed"
        );
    }
}
