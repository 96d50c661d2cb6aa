//! Finding frames in a byte stream: STX (0x02), the envelope, ETX (0x03),
//! and the modulo-256 checksum written in them as two hex digits; shared
//! by UCP and [`cimd2`](crate::cimd2), whose frames look alike.
//! Sans-I/O: the caller owns the socket and its read buffer, asks
//! [`next_frame`] about what has arrived, and drops the octets it is told
//! to. The reader can always find its feet again, because a frame starts
//! at an STX that no field may contain:
//!
//! - octets before an STX are garbage ([`FrameError::Garbage`]);
//! - an STX before the ETX means the frame in progress was cut short
//!   ([`FrameError::Interrupted`]): drop it and start at the new STX;
//! - no ETX within the longest frame allowed ([`FrameError::TooLong`]):
//!   drop that much, so a peer can never make the buffer grow without
//!   bound.
//!
//! Nothing is allocated here; the envelope is a slice of the input.

/// Start of a frame.
pub const STX: u8 = 0x02;
/// End of a frame.
pub const ETX: u8 = 0x03;

/// One frame found at the start of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The text between STX and ETX.
    pub envelope: &'a [u8],
    /// Octets the frame takes, STX and ETX included: drop them.
    pub len: usize,
}

/// What was wrong at the start of the input; every case says how many
/// octets to drop ([`FrameError::skip_len`]) to find the next frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Octets that are not inside a frame.
    #[error("{len} octets outside a frame")]
    Garbage {
        /// Octets before the next STX (all of them when none came).
        len: usize,
    },
    /// A new STX arrived before the frame in progress ended.
    #[error("a frame cut short by a new STX after {len} octets")]
    Interrupted {
        /// Octets of the cut frame, its STX included.
        len: usize,
    },
    /// No ETX within the longest frame allowed.
    #[error("no ETX within {max} octets of an STX")]
    TooLong {
        /// The longest frame allowed, STX and ETX included.
        max: usize,
    },
}

impl FrameError {
    /// Octets to drop from the front of the input before looking again.
    pub const fn skip_len(&self) -> usize {
        match *self {
            FrameError::Garbage { len } | FrameError::Interrupted { len } => len,
            FrameError::TooLong { max } => max,
        }
    }
}

/// The frame at the start of `src`: `Ok(None)` until its ETX has arrived.
/// A frame, STX and ETX included, is at most `max_frame_len` octets.
pub fn next_frame(src: &[u8], max_frame_len: usize) -> Result<Option<Frame<'_>>, FrameError> {
    let Some(&first) = src.first() else {
        return Ok(None);
    };
    if first != STX {
        let len = src.iter().position(|&b| b == STX).unwrap_or(src.len());
        return Err(FrameError::Garbage { len });
    }
    let window = src.get(1..src.len().min(max_frame_len)).unwrap_or_default();
    match window.iter().position(|&b| b == STX || b == ETX) {
        Some(at) if window[at] == ETX => Ok(Some(Frame {
            envelope: &window[..at],
            len: at + 2,
        })),
        Some(at) => Err(FrameError::Interrupted { len: at + 1 }),
        None if src.len() >= max_frame_len => Err(FrameError::TooLong { max: max_frame_len }),
        None => Ok(None),
    }
}

/// The sum of `octets` modulo 256.
pub fn checksum(octets: &[u8]) -> u8 {
    octets
        .iter()
        .fold(0u8, |sum, &octet| sum.wrapping_add(octet))
}

/// The octet two hex digits (either case) spell.
pub fn hex_octet(text: &[u8]) -> Option<u8> {
    let [high, low] = *text else { return None };
    let nibble = |c: u8| char::from(c).to_digit(16);
    Some((nibble(high)? * 16 + nibble(low)?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALERT: &[u8] = b"\x0202/00035/O/31/0234765439845/0139/A0\x03";

    #[test]
    fn a_whole_frame_and_what_follows() {
        let mut input = ALERT.to_vec();
        input.extend_from_slice(b"\x0204/000");
        let frame = next_frame(&input, 8192).unwrap().unwrap();
        assert_eq!(frame.envelope, &ALERT[1..ALERT.len() - 1]);
        assert_eq!(frame.len, ALERT.len());
        assert_eq!(next_frame(&input[frame.len..], 8192), Ok(None));
    }

    #[test]
    fn a_frame_arriving_octet_by_octet() {
        for end in 0..ALERT.len() {
            assert_eq!(next_frame(&ALERT[..end], 8192), Ok(None), "{end}");
        }
        assert!(next_frame(ALERT, 8192).unwrap().is_some());
    }

    #[test]
    fn garbage_before_a_frame_is_skipped() {
        let input = [b"\r\nhello".as_slice(), ALERT].concat();
        let error = next_frame(&input, 8192).unwrap_err();
        assert_eq!(error, FrameError::Garbage { len: 7 });
        let rest = &input[error.skip_len()..];
        assert!(next_frame(rest, 8192).unwrap().is_some());
        assert_eq!(
            next_frame(b"\x03junk", 8192),
            Err(FrameError::Garbage { len: 5 })
        );
    }

    #[test]
    fn a_frame_cut_by_a_new_stx_is_dropped() {
        let input = [b"\x0201/00045/O/5".as_slice(), ALERT].concat();
        let error = next_frame(&input, 8192).unwrap_err();
        assert_eq!(error, FrameError::Interrupted { len: 13 });
        assert!(
            next_frame(&input[error.skip_len()..], 8192)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn no_etx_within_the_limit_is_too_long() {
        let mut input = vec![STX];
        input.extend_from_slice(&[b'0'; 40]);
        assert_eq!(next_frame(&input[..32], 33), Ok(None));
        assert_eq!(next_frame(&input, 33), Err(FrameError::TooLong { max: 33 }));
        // The ETX as the limit's last octet still makes a frame.
        let mut exact = input[..32].to_vec();
        exact.push(ETX);
        assert_eq!(next_frame(&exact, 33).unwrap().unwrap().len, 33);
    }
}
