//! The SMTP client: `[mail]` made into a lettre transport (STARTTLS that
//! must succeed, TLS from the first byte, or none), and one mail built and
//! handed to the server. Every failure is a sentence for the mail log.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailSecurity, MailSettings};

/// How long one conversation with the server may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Why a mail was not handed over.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("bad address {address:?}: {reason}")]
    Address { address: String, reason: String },
    #[error("the mail could not be built: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

impl SendError {
    /// Whether trying again cannot help: the addresses or the mail are
    /// wrong, or the server refused it for good (a 5xx answer).
    pub fn is_permanent(&self) -> bool {
        match self {
            SendError::Address { .. } | SendError::Build(_) => true,
            SendError::Smtp(error) => error.is_permanent(),
        }
    }
}

/// The configured server and the sender address.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: String,
}

impl Smtp {
    /// The transport `[mail]` describes; connects only when sending.
    pub fn new(settings: &MailSettings) -> Result<Smtp, SendError> {
        let host = settings.host.as_str();
        let builder = match settings.security {
            MailSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
            MailSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
            MailSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder.port(settings.port).timeout(Some(TIMEOUT));
        if let Some((username, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(username.clone(), password.clone()));
        }
        Ok(Smtp {
            transport: builder.build(),
            from: settings.from.clone(),
        })
    }

    /// A future handing one plain-text mail to the server; it owns what
    /// it needs, so the actor is free while it runs.
    pub fn send(
        &self,
        to: &str,
        subject: &str,
        body: &str,
    ) -> impl std::future::Future<Output = Result<(), SendError>> + 'static {
        let transport = self.transport.clone();
        let message = build(&self.from, to, subject, body);
        async move {
            transport.send(message?).await?;
            Ok(())
        }
    }
}

fn mailbox(address: &str) -> Result<Mailbox, SendError> {
    address
        .parse()
        .map_err(|error: lettre::address::AddressError| SendError::Address {
            address: address.to_owned(),
            reason: error.to_string(),
        })
}

fn build(from: &str, to: &str, subject: &str, body: &str) -> Result<Message, SendError> {
    Ok(Message::builder()
        .from(mailbox(from)?)
        .to(mailbox(to)?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())?)
}
