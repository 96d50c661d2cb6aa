//! Mail notifications: the mailer actor's messages ([`Notify`] to queue a
//! mail, [`Resend`] to queue a logged one again) and [`Notices`], the
//! handle the actors that notice something (accounts, campaigns, route
//! quality) hold when `[mail]` is set. Each notice's text is written
//! here, in English, so the mailer only sends.

use actix::Recipient;

use crate::model::{AccountId, CampaignId, Money};
use crate::store::{MailKind, StoreError};

/// Queue one mail: logged as queued, then sent by the mailer.
#[derive(actix::Message, Clone, Debug)]
#[rtype(result = "()")]
pub struct Notify {
    pub kind: MailKind,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Queue the logged mail numbered `id` again, whatever its state: sent
/// at once, with a fresh round of retries.
#[derive(actix::Message, Clone, Copy, Debug)]
#[rtype(result = "Result<(), ResendRefused>")]
pub struct Resend {
    pub id: u64,
}

/// Why a [`Resend`] queued nothing.
#[derive(Debug, thiserror::Error)]
pub enum ResendRefused {
    #[error("no mail {0} in the mail log")]
    NoMail(u64),
    #[error("the mail log could not be read or written: {0}")]
    Store(#[from] StoreError),
    #[error("the mailer is restarting; try again")]
    Restarting,
}

/// Where notices go, and the operator's thresholds.
#[derive(Clone)]
pub struct Notices {
    pub notify: Recipient<Notify>,
    /// `mail.admin_to`.
    pub admin_to: String,
    /// `mail.low_balance`: below this an account without its own
    /// threshold is told, once per fall.
    pub low_balance: Option<Money>,
}

impl Notices {
    /// The threshold of an account whose own is `own`: that, or else
    /// `mail.low_balance`; `None`: it is never told.
    pub fn threshold(&self, own: Option<Money>) -> Option<Money> {
        own.or(self.low_balance)
    }

    /// Whether a change of credit from `before` to `after` falls below
    /// `threshold`: only the change that crosses it, so one fall is one
    /// mail however many messages follow, and a top-up above it arms the
    /// next one.
    pub fn falls_below(threshold: Money, before: Money, after: Money) -> bool {
        before >= threshold && after < threshold
    }

    /// An account's credit fell below `threshold`: to the customer (when
    /// it has an address) and to the operator.
    pub fn low_balance(
        &self,
        account: &AccountId,
        balance: Money,
        threshold: Money,
        email: Option<&str>,
    ) {
        let subject = format!("pasarela: low balance for account {account}");
        let body = format!(
            "The credit of account {account} is {balance}, below {threshold}.\n\
             Messages are refused once it runs out; top the account up to keep sending.\n"
        );
        for to in email.into_iter().chain([self.admin_to.as_str()]) {
            self.send(MailKind::LowBalance, to, &subject, &body);
        }
    }

    /// A campaign sent to its last recipient: to the customer.
    pub fn campaign_finished(
        &self,
        account: &AccountId,
        email: &str,
        campaign: CampaignId,
        name: &str,
        summary: &str,
    ) {
        let subject = format!("pasarela: campaign {name:?} finished");
        let body = format!(
            "Campaign {name:?} (id {campaign}) of account {account} has finished.\n\n{summary}\n"
        );
        self.send(MailKind::CampaignFinished, email, &subject, &body);
    }

    /// A gateway crossed a route-quality alert threshold: to the operator.
    pub fn quality_alert(&self, gateway: &str, kind: &str, reason: &str) {
        let subject = format!("pasarela: route quality alert ({kind}) for gateway {gateway}");
        let body = format!(
            "Gateway {gateway} raised a route-quality alert ({kind}): {reason}.\n\
             See GET /api/v1/reports/route-quality for its figures.\n"
        );
        self.send(MailKind::QualityAlert, &self.admin_to, &subject, &body);
    }

    fn send(&self, kind: MailKind, to: &str, subject: &str, body: &str) {
        self.notify.do_send(Notify {
            kind,
            to: to.to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
        });
    }
}
