//! Mail notifications: the mailer actor's messages ([`Notify`] to queue a
//! mail, [`Resend`] to queue a logged one again) and [`Notices`], the
//! handle the actors that notice something (accounts, campaigns, route
//! quality) hold when `[mail]` is set. Each notice's text is written
//! here, in English and Spanish (the customer's mails in its account's
//! `language`, the operator's in `mail.language`), so the mailer only
//! sends.

use actix::Recipient;

use crate::campaigns::Tally;
use crate::model::{AccountId, CampaignId, Lang, Money};
use crate::quality::Crossing;
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
    /// `mail.language`: what the operator's mails are written in.
    pub language: Lang,
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

    /// An account's credit fell below `threshold`: to the customer (at
    /// its address, in its language, when it has one) and to the operator.
    pub fn low_balance(
        &self,
        account: &AccountId,
        balance: Money,
        threshold: Money,
        customer: Option<(&str, Lang)>,
    ) {
        let recipients = customer
            .into_iter()
            .chain([(self.admin_to.as_str(), self.language)]);
        for (to, language) in recipients {
            let (subject, body) = match language {
                Lang::En => (
                    format!("pasarela: low balance for account {account}"),
                    format!(
                        "The credit of account {account} is {balance}, below {threshold}.\n\
                         Messages are refused once it runs out; top the account up to keep sending.\n"
                    ),
                ),
                Lang::Es => (
                    format!("pasarela: saldo bajo en la cuenta {account}"),
                    format!(
                        "El saldo de la cuenta {account} es {balance}, por debajo de {threshold}.\n\
                         Los mensajes se rechazan cuando se agota; recargue la cuenta para seguir enviando.\n"
                    ),
                ),
            };
            self.send(MailKind::LowBalance, to, &subject, &body);
        }
    }

    /// A campaign of `recipients` sent to its last one: to the customer
    /// at `email`, in `language`, with its `tally` when it could be read.
    pub fn campaign_finished(
        &self,
        (account, email, language): (&AccountId, &str, Lang),
        (campaign, name): (CampaignId, &str),
        recipients: u64,
        tally: Option<&Tally>,
    ) {
        let (subject, intro, labels) = match language {
            Lang::En => (
                format!("pasarela: campaign {name:?} finished"),
                format!("Campaign {name:?} (id {campaign}) of account {account} has finished."),
                [
                    "Recipients",
                    "Sent",
                    "parts",
                    "Skipped",
                    "Delivered so far",
                    "Failed so far",
                    "Cost",
                ],
            ),
            Lang::Es => (
                format!("pasarela: la campaña {name:?} ha terminado"),
                format!("La campaña {name:?} (id {campaign}) de la cuenta {account} ha terminado."),
                [
                    "Destinatarios",
                    "Enviados",
                    "partes",
                    "Omitidos",
                    "Entregados hasta ahora",
                    "Fallidos hasta ahora",
                    "Coste",
                ],
            ),
        };
        let [
            recipients_label,
            sent,
            parts,
            skipped,
            delivered,
            failed,
            cost,
        ] = labels;
        let mut body = format!("{intro}\n\n{recipients_label}: {recipients}\n");
        if let Some(tally) = tally {
            body.push_str(&format!(
                "{sent}: {} ({} {parts})\n{skipped}: {}\n{delivered}: {}\n{failed}: {}\n{cost}: {}\n",
                tally.sent,
                tally.parts,
                tally.skipped.total(),
                tally.delivered,
                tally.failed,
                tally.cost
            ));
        }
        self.send(MailKind::CampaignFinished, email, &subject, &body);
    }

    /// A gateway crossed a route-quality alert threshold: to the operator.
    /// The Spanish names the metric's label (`kind`) only where it points
    /// at the API's figures, the label being the API's word.
    pub fn quality_alert(&self, gateway: &str, crossing: &Crossing) {
        let (kind, reason) = (crossing.kind(), crossing.reason(self.language));
        let (subject, body) = match self.language {
            Lang::En => (
                format!("pasarela: route quality alert ({kind}) for gateway {gateway}"),
                format!(
                    "Gateway {gateway} raised a route-quality alert ({kind}): {reason}.\n\
                     See GET /api/v1/reports/route-quality for its figures.\n"
                ),
            ),
            Lang::Es => (
                format!("pasarela: alerta de calidad de ruta en la pasarela {gateway}"),
                format!(
                    "La pasarela {gateway} ha dado una alerta de calidad de ruta: {reason}.\n\
                     Sus cifras están en GET /api/v1/reports/route-quality (alerta «{kind}»).\n"
                ),
            ),
        };
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
