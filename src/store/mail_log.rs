//! The mail log (tree `mail_log`): every notification the switch mails,
//! from the moment it is queued, with its state, attempts and the SMTP
//! server's last answer. Keyed by a number of the store's sequence, so
//! that mails read back in the order they were queued. Written by the
//! mailer actor (`actors/mail/`) alone; read by the admin API and the
//! console's mail log page; mails older than `store.retention_days` are
//! dropped by the mailer.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `mail_log` | mail id (sequence) u64 big-endian | [`MailRecord`] |

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Store;
use super::batch::{Batch, Op};
use super::codec::{self, TreeId};
use super::error::{KeyHex, StoreError};
use crate::model::timestamp;

/// What a mail is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailKind {
    /// An account's credit fell below `mail.low_balance`.
    LowBalance,
    /// A campaign sent to its last recipient.
    CampaignFinished,
    /// A gateway's route quality crossed an alert threshold.
    QualityAlert,
    /// The day's totals, to the operator.
    DailySummary,
}

impl MailKind {
    /// The name the API and the page show.
    pub fn name(self) -> &'static str {
        match self {
            MailKind::LowBalance => "low_balance",
            MailKind::CampaignFinished => "campaign_finished",
            MailKind::QualityAlert => "quality_alert",
            MailKind::DailySummary => "daily_summary",
        }
    }
}

/// Where a mail is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailState {
    /// Waiting for its next attempt (also after a restart).
    Queued,
    /// The SMTP server took it.
    Sent,
    /// Every attempt failed, or the server refused it for good; the
    /// operator may resend it.
    Failed,
}

impl MailState {
    /// The name the API and the page show.
    pub fn name(&self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }
}

/// One mail and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRecord {
    /// When it was queued.
    #[serde(with = "timestamp")]
    pub queued_at: DateTime<Utc>,
    pub kind: MailKind,
    /// The recipient's address.
    pub to: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
    pub state: MailState,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the last attempt was made.
    #[serde(with = "timestamp::option")]
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The last failure: the SMTP server's answer or why it was not
    /// reached; `None` once sent.
    pub error: Option<String>,
}

impl MailRecord {
    /// A mail queued now, not yet tried.
    pub fn queued(kind: MailKind, to: String, subject: String, body: String) -> MailRecord {
        MailRecord {
            queued_at: Utc::now(),
            kind,
            to,
            subject,
            body,
            state: MailState::Queued,
            attempts: 0,
            last_attempt_at: None,
            error: None,
        }
    }
}

fn key(id: u64) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}

impl Batch {
    /// The mail numbered `id` (a number of [`Store::next_sequence`]),
    /// replacing what it had.
    pub fn put_mail(&mut self, id: u64, mail: &MailRecord) -> &mut Batch {
        self.put(TreeId::MailLog, key(id), mail, false)
    }

    /// A mail past retention.
    pub fn remove_mail(&mut self, id: u64) -> &mut Batch {
        self.ops.push(Op::Remove {
            tree: TreeId::MailLog,
            key: key(id),
        });
        self
    }
}

impl Store {
    /// The mail numbered `id`, if it is kept.
    pub fn mail(&self, id: u64) -> Result<Option<MailRecord>, StoreError> {
        self.get(TreeId::MailLog, &key(id))
    }

    /// Up to `limit` mails numbered below `before` (all when `None`),
    /// newest first, with their numbers.
    pub fn mail_page(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, MailRecord)>, StoreError> {
        self.numbered_page(TreeId::MailLog, before, limit)
    }

    /// Up to `limit` mails numbered `from` or above, oldest first, with
    /// their numbers: the walk the mailer makes at start and to purge.
    pub fn mails_from(
        &self,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(u64, MailRecord)>, StoreError> {
        let tree = TreeId::MailLog;
        self.scan_page(tree, &[], &key(from), limit)?
            .into_iter()
            .map(|(key, bytes)| {
                let id = <[u8; 8]>::try_from(key.as_ref())
                    .map(u64::from_be_bytes)
                    .map_err(|_| StoreError::Corrupt {
                        tree: tree.name(),
                        key: KeyHex(key.to_vec()),
                        reason: "not a mail id".to_owned(),
                    })?;
                Ok((id, codec::decode(tree, &key, &bytes)?))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreConfig;

    fn mail(subject: &str) -> MailRecord {
        MailRecord {
            queued_at: Utc::now(),
            kind: MailKind::LowBalance,
            to: "ops@example.com".into(),
            subject: subject.into(),
            body: "Credit is low.\n".repeat(500),
            state: MailState::Queued,
            attempts: 0,
            last_attempt_at: None,
            error: None,
        }
    }

    #[test]
    fn mails_read_back_both_ways_and_are_kept_across_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let store = Store::open(StoreConfig::new(path.clone())).unwrap();
        let mut batch = Batch::new();
        let mut ids = Vec::new();
        for n in 0..4 {
            let id = store.next_sequence().unwrap();
            batch.put_mail(id, &mail(&format!("m{n}")));
            ids.push(id);
        }
        store.commit(batch).wait().unwrap();
        let newest: Vec<String> = store
            .mail_page(None, 2)
            .unwrap()
            .into_iter()
            .map(|(_, m)| m.subject)
            .collect();
        assert_eq!(newest, ["m3", "m2"]);
        let mut sent = mail("m1");
        sent.state = MailState::Sent;
        sent.attempts = 1;
        let mut batch = Batch::new();
        batch.put_mail(ids[1], &sent).remove_mail(ids[0]);
        store.commit(batch).wait().unwrap();
        drop(store);
        let store = Store::open(StoreConfig::new(path)).unwrap();
        let oldest = store.mails_from(0, 10).unwrap();
        assert_eq!(oldest.len(), 3);
        assert_eq!(oldest[0], (ids[1], sent));
        assert_eq!(store.mail(ids[0]).unwrap(), None);
        assert_eq!(store.mail(ids[3]).unwrap().unwrap().subject, "m3");
    }
}
