//! One SMPP connection's bytes, for the tools' event loops: an inbox the
//! [`SmppFraming`] decoder cuts into frames, and an outbox that commands are
//! encoded into and written from, over plain TCP or TLS ([`Transport`]).
//! No protocol decisions here; the simulator and the ESME client own those.
//!
//! Why not `Framed`: a tool reads whatever has arrived, handles every whole
//! PDU in it, and answers all of them with one write. That batching is most
//! of what makes 50k PDUs/s on one core cheap, and it needs the read and the
//! write to be separate steps of one `select!` so that neither side of a
//! pipelined session can block the other.

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsStream;
use tokio_util::codec::{Decoder, Encoder};

use crate::framed::{Frame, SmppFraming, StreamError};
use crate::smpp::{Codec, Command};

/// Room made in the inbox before each read.
const READ_CHUNK: usize = 64 * 1024;

/// Above this many unsent octets the link stops reading: a peer that sends
/// requests without reading the answers is slowed down instead of growing
/// our memory without bound.
const OUTBOX_HIGH_WATER: usize = 1024 * 1024;

/// Why a link stopped.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Stream(#[from] StreamError),
    #[error("the peer closed the connection")]
    Closed,
    #[error("timed out writing the last PDUs")]
    WriteTimeout,
}

impl From<std::io::Error> for LinkError {
    fn from(error: std::io::Error) -> Self {
        LinkError::Stream(StreamError::Io(error))
    }
}

/// What a link's bytes travel on.
pub enum Transport {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP, either side of the handshake.
    Tls(Box<TlsStream<TcpStream>>),
}

pub type Reader = Box<dyn AsyncRead + Send + Unpin>;
pub type Writer = Box<dyn AsyncWrite + Send + Unpin>;

impl Transport {
    /// The read and write halves, each used by one side of a `select!`.
    pub fn split(self) -> (Reader, Writer) {
        // Small PDUs answered at once: Nagle would add 40 ms to each.
        match self {
            Transport::Plain(stream) => {
                let _ = stream.set_nodelay(true);
                let (reader, writer) = stream.into_split();
                (Box::new(reader), Box::new(writer))
            }
            Transport::Tls(stream) => {
                let _ = stream.get_ref().0.set_nodelay(true);
                let (reader, writer) = tokio::io::split(*stream);
                (Box::new(reader), Box::new(writer))
            }
        }
    }
}

/// A connection carrying SMPP.
pub struct Link {
    reader: Reader,
    writer: Writer,
    framing: SmppFraming,
    inbox: BytesMut,
    outbox: BytesMut,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("inbox", &self.inbox.len())
            .field("outbox", &self.outbox.len())
            .finish_non_exhaustive()
    }
}

impl Link {
    pub fn new(transport: Transport) -> Link {
        Link::with_codec(transport, Codec::new())
    }

    /// A link that reads the peer's PDUs as `codec` says (an upstream
    /// SMSC's leniently).
    pub fn with_codec(transport: Transport, codec: Codec) -> Link {
        let (reader, writer) = transport.split();
        Link {
            reader,
            writer,
            framing: SmppFraming::new(codec),
            inbox: BytesMut::with_capacity(READ_CHUNK),
            outbox: BytesMut::with_capacity(READ_CHUNK),
        }
    }

    /// Queue `command` for writing; it goes out on the next [`Link::io`].
    pub fn send(&mut self, command: &Command) -> Result<(), LinkError> {
        self.framing.encode(command, &mut self.outbox)?;
        Ok(())
    }

    /// The next whole PDU (or undecodable PDU) already read, if any. An
    /// `Err` means the stream cannot go on.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, LinkError> {
        Ok(self.framing.decode(&mut self.inbox)?)
    }

    /// Wait until some bytes were read or written. Cancel-safe: a read or a
    /// write either happened in full or not at all, so callers may race it
    /// against timers and channels in `select!`.
    pub async fn io(&mut self) -> Result<(), LinkError> {
        let may_read = self.outbox.len() < OUTBOX_HIGH_WATER;
        if self.inbox.capacity() - self.inbox.len() < READ_CHUNK / 4 {
            self.inbox.reserve(READ_CHUNK);
        }
        tokio::select! {
            read = self.reader.read_buf(&mut self.inbox), if may_read => {
                if read? == 0 {
                    return Err(LinkError::Closed);
                }
            }
            written = self.writer.write_buf(&mut self.outbox), if !self.outbox.is_empty() => {
                written?;
            }
            // Not reading means the outbox is full, so one branch is always
            // enabled; this only keeps select! from panicking if that changed.
            else => {}
        }
        Ok(())
    }

    /// Write everything queued, waiting at most `limit`; for the last PDUs
    /// before closing (unbind_resp, generic_nack for a broken stream).
    pub async fn flush(&mut self, limit: Duration) -> Result<(), LinkError> {
        tokio::time::timeout(limit, self.writer.write_all_buf(&mut self.outbox))
            .await
            .map_err(|_| LinkError::WriteTimeout)??;
        Ok(())
    }
}
