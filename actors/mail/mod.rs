//! The mailer actor: every notice is logged in the store (`mail_log`) as
//! queued before anything is tried, then handed to the SMTP server one at
//! a time on a bounded retry schedule ([`RETRY_AFTER`]); a mail that fails
//! every attempt of its round, or that the server refuses for good, is
//! logged failed with the server's answer, and the operator may resend it
//! ([`Resend`]). The SMTP conversation runs as a future beside the actor,
//! so a slow or dead server never holds up its mailbox or anyone else's.
//!
//! Supervised: after a panic (and at every start) the queued mails are
//! read back from the store and sent, so none is lost to a restart. Once
//! an hour, and at start, mails queued longer ago than
//! `store.retention_days` are dropped from the log. With
//! `mail.daily_summary_hour` it also writes the daily summary
//! (`summary.rs`) of the previous UTC day from the report summaries,
//! looking every minute whether it is due.

mod smtp;
mod summary;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::Utc;
use futures_util::future::{Either, ready};
use slog::{Logger, error, info, warn};

use crate::actors::pipeline::summaries::SummaryBoard;
use crate::actors::protocol::mail::{Notify, Resend, ResendRefused};
use crate::actors::supervision::guarded;
use crate::config::MailSettings;
use crate::store::{Batch, MailKind, MailRecord, MailState, Store, StoreError};
use crate::summaries::{GroupBy, Period};
use smtp::Smtp;
use summary::{DailySummary, Figures};

/// The waits before the second, third, ... attempt of one round; a round
/// has one attempt more than this has entries.
pub const RETRY_AFTER: [Duration; 4] = [
    Duration::from_secs(10),
    Duration::from_secs(60),
    Duration::from_secs(300),
    Duration::from_secs(1_800),
];
/// How often the queue is looked at for a mail that is due.
const TICK: Duration = Duration::from_secs(1);
/// How often the daily summary is looked at.
const SUMMARY_EVERY: Duration = Duration::from_secs(60);
/// How often mails past retention are dropped.
const PURGE_EVERY: Duration = Duration::from_secs(3_600);
/// Mails read per page while walking the log.
const PAGE: usize = 256;

/// A mail waiting for an attempt, as last written to the log.
struct Waiting {
    mail: MailRecord,
    due: Instant,
    /// Attempts made in this round (since it was queued or resent).
    tries: usize,
}

impl Waiting {
    /// A mail due now, at the start of a round.
    fn now(mail: MailRecord) -> Waiting {
        Waiting {
            mail,
            due: Instant::now(),
            tries: 0,
        }
    }
}

pub struct Mailer {
    store: Arc<Store>,
    /// `store.retention_days`: how long mails are kept.
    retention: Duration,
    logger: Logger,
    /// `None` when `[mail]` names a server lettre cannot use; every mail
    /// then fails with the reason.
    smtp: Result<Smtp, String>,
    /// Queued mails by id.
    waiting: BTreeMap<u64, Waiting>,
    /// An attempt is under way.
    sending: bool,
    /// `mail.admin_to`, where the daily summary goes.
    admin_to: String,
    /// With `mail.daily_summary_hour`: when the summary is due.
    summary: Option<DailySummary>,
    /// The report summaries the daily summary reads.
    summaries: Arc<SummaryBoard>,
    /// `mail.language`: what the daily summary is written in.
    language: crate::model::Lang,
}

impl Mailer {
    pub fn new(
        store: Arc<Store>,
        settings: MailSettings,
        (retention, summaries): (Duration, Arc<SummaryBoard>),
        logger: Logger,
    ) -> Mailer {
        let smtp = Smtp::new(&settings).map_err(|error| error.to_string());
        if let Err(error) = &smtp {
            error!(logger, "the mail server cannot be used; every mail will fail"; "error" => error);
        }
        Mailer {
            admin_to: settings.admin_to.clone(),
            summary: settings.daily_summary_hour.map(DailySummary::new),
            summaries,
            language: settings.language,
            store,
            retention,
            logger,
            smtp,
            waiting: BTreeMap::new(),
            sending: false,
        }
    }

    /// Drops the mails queued longer ago than `store.retention_days`
    /// from the log (and the queue): from the oldest on, up to the first
    /// one kept, as ids grow with the time a mail is queued.
    fn purge(&mut self) -> Result<usize, StoreError> {
        let Some(cutoff) = chrono::Duration::from_std(self.retention)
            .ok()
            .and_then(|retention| Utc::now().checked_sub_signed(retention))
        else {
            return Ok(0);
        };
        let mut batch = Batch::new();
        let mut purged = 0;
        let mut from = 0;
        'pages: loop {
            let page = self.store.mails_from(from, PAGE)?;
            for (id, mail) in &page {
                if mail.queued_at >= cutoff {
                    break 'pages;
                }
                batch.remove_mail(*id);
                self.waiting.remove(id);
                purged += 1;
            }
            match page.last() {
                Some((last, _)) if page.len() == PAGE => from = last.saturating_add(1),
                _ => break,
            }
        }
        drop(self.store.commit(batch));
        Ok(purged)
    }

    fn purge_logged(&mut self) {
        match self.purge() {
            Ok(0) => {}
            Ok(purged) => {
                info!(self.logger, "mails past retention dropped from the log"; "mails" => purged)
            }
            Err(error) => error!(self.logger, "cannot purge the mail log"; "error" => %error),
        }
    }

    /// The queued mails from the store, each due now, and the last daily
    /// summary sent.
    fn reload(&mut self) -> Result<(), StoreError> {
        self.waiting.clear();
        let mut from = 0;
        loop {
            let page = self.store.mails_from(from, PAGE)?;
            let full = page.len() == PAGE;
            let last = page.last().map(|(id, _)| *id);
            for (id, mail) in page {
                if let Some(summary) = &mut self.summary
                    && mail.kind == MailKind::DailySummary
                {
                    summary.seen(mail.queued_at);
                }
                if mail.state == MailState::Queued {
                    self.waiting.insert(id, Waiting::now(mail));
                }
            }
            match last {
                Some(last) if full => from = last.saturating_add(1),
                _ => break,
            }
        }
        Ok(())
    }

    fn load(&mut self) {
        match self.reload() {
            Ok(()) if self.waiting.is_empty() => {}
            Ok(()) => info!(self.logger, "queued mails read back"; "mails" => self.waiting.len()),
            Err(error) => error!(self.logger, "cannot read the mail log"; "error" => %error),
        }
    }

    /// Starts the attempt of the first due mail, unless one is under way.
    fn tick(&mut self, ctx: &mut Context<Self>) {
        if self.sending {
            return;
        }
        let now = Instant::now();
        let Some((&id, waiting)) = self.waiting.iter().find(|(_, waiting)| waiting.due <= now)
        else {
            return;
        };
        let mail = waiting.mail.clone();
        self.sending = true;
        let attempt = match &self.smtp {
            Ok(smtp) => {
                let send = smtp.send(&mail.to, &mail.subject, &mail.body);
                Either::Left(async move { send.await.map_err(Failure::from) })
            }
            Err(reason) => Either::Right(ready(Err(Failure::from(reason.clone())))),
        };
        ctx.spawn(attempt.into_actor(self).map(move |outcome, mailer, _| {
            mailer.sending = false;
            mailer.attempted(id, mail, outcome);
        }));
    }

    /// Records an attempt's outcome and what comes next.
    fn attempted(&mut self, id: u64, mut mail: MailRecord, outcome: Result<(), Failure>) {
        mail.attempts = mail.attempts.saturating_add(1);
        mail.last_attempt_at = Some(Utc::now());
        let tries = self.waiting.get(&id).map_or(1, |waiting| waiting.tries + 1);
        match outcome {
            Ok(()) => {
                info!(self.logger, "mail sent"; "mail" => id, "kind" => mail.kind.name(), "to" => &mail.to);
                mail.state = MailState::Sent;
                mail.error = None;
                self.waiting.remove(&id);
            }
            Err(failure) => {
                let retry = RETRY_AFTER.get(tries - 1).filter(|_| !failure.permanent);
                warn!(self.logger, "mail not sent"; "mail" => id, "to" => &mail.to,
                    "attempt" => mail.attempts, "error" => &failure.reason,
                    "retry_in_s" => retry.map(Duration::as_secs));
                mail.error = Some(failure.reason);
                match retry {
                    Some(wait) => {
                        self.waiting.insert(
                            id,
                            Waiting {
                                mail: mail.clone(),
                                due: Instant::now() + *wait,
                                tries,
                            },
                        );
                    }
                    None => {
                        mail.state = MailState::Failed;
                        self.waiting.remove(&id);
                    }
                }
            }
        }
        self.store_mail(id, &mail);
    }

    /// Queues today's summary (of yesterday) when it is due.
    fn summarise(&mut self, ctx: &mut Context<Self>) {
        let now = Utc::now();
        let Some(summary) = self.summary.as_mut().filter(|summary| summary.is_due(now)) else {
            return;
        };
        let balances = match self.store.balances() {
            Ok(balances) => balances,
            Err(error) => {
                error!(self.logger, "cannot read the balances for the daily summary"; "error" => %error);
                return;
            }
        };
        let day = DailySummary::day(now);
        let rows = |group_by| {
            self.summaries
                .summary(Period::Day, (day, day), group_by, None)
        };
        let (accounts, gateways) = (rows(GroupBy::Account), rows(GroupBy::Gateway));
        let figures = Figures {
            accounts: &accounts,
            gateways: &gateways,
            balances: &balances,
        };
        let (subject, body) = summary.compose(now, &figures, self.language);
        let mail = MailRecord::queued(MailKind::DailySummary, self.admin_to.clone(), subject, body);
        match self.queue(&mail) {
            Ok(_) => self.tick(ctx),
            Err(error) => {
                error!(self.logger, "the daily summary could not be logged; not sent"; "error" => %error)
            }
        }
    }

    /// Writes a mail's record; ordered with the other commits, not awaited.
    fn store_mail(&self, id: u64, mail: &MailRecord) {
        let mut batch = Batch::new();
        batch.put_mail(id, mail);
        drop(self.store.commit(batch));
    }

    /// Logs `mail` as queued under a new id and queues it.
    fn queue(&mut self, mail: &MailRecord) -> Result<u64, StoreError> {
        let id = self.store.next_sequence()?;
        self.store_mail(id, mail);
        self.waiting.insert(id, Waiting::now(mail.clone()));
        Ok(id)
    }
}

/// Why an attempt failed, as the mail log says it.
struct Failure {
    reason: String,
    permanent: bool,
}

impl From<smtp::SendError> for Failure {
    fn from(error: smtp::SendError) -> Failure {
        Failure {
            permanent: error.is_permanent(),
            reason: error.to_string(),
        }
    }
}

impl From<String> for Failure {
    fn from(reason: String) -> Failure {
        Failure {
            reason,
            permanent: true,
        }
    }
}

impl Actor for Mailer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.purge_logged();
        self.load();
        self.summarise(ctx);
        ctx.run_interval(TICK, Mailer::tick);
        ctx.run_interval(SUMMARY_EVERY, Mailer::summarise);
        ctx.run_interval(PURGE_EVERY, |mailer, _| mailer.purge_logged());
    }
}

impl Supervised for Mailer {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        self.sending = false;
    }
}

impl Handler<Notify> for Mailer {
    type Result = ();

    fn handle(&mut self, notice: Notify, ctx: &mut Context<Self>) {
        let logger = self.logger.clone();
        let _ = guarded(self, ctx, &logger, "Notify", |mailer, ctx| {
            let mail = MailRecord::queued(notice.kind, notice.to, notice.subject, notice.body);
            match mailer.queue(&mail) {
                Ok(_) => mailer.tick(ctx),
                Err(error) => {
                    error!(mailer.logger, "a mail could not be logged; not sent";
                        "kind" => mail.kind.name(), "to" => &mail.to, "error" => %error)
                }
            }
        });
    }
}

impl Handler<Resend> for Mailer {
    type Result = Result<(), ResendRefused>;

    fn handle(&mut self, resend: Resend, ctx: &mut Context<Self>) -> Self::Result {
        let logger = self.logger.clone();
        guarded(self, ctx, &logger, "Resend", |mailer, ctx| {
            // The queued copy is the newest: the log's write may be pending.
            let mut mail = match mailer.waiting.remove(&resend.id) {
                Some(waiting) => waiting.mail,
                None => mailer
                    .store
                    .mail(resend.id)?
                    .ok_or(ResendRefused::NoMail(resend.id))?,
            };
            mail.state = MailState::Queued;
            mailer.store_mail(resend.id, &mail);
            mailer.waiting.insert(resend.id, Waiting::now(mail.clone()));
            info!(mailer.logger, "mail queued again"; "mail" => resend.id, "to" => &mail.to);
            mailer.tick(ctx);
            Ok(())
        })
        .unwrap_or(Err(ResendRefused::Restarting))
    }
}
