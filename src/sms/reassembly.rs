//! Putting concatenated incoming messages back together, sans I/O: the
//! caller pushes each decoded part with the instant after which its message
//! counts as lost, and asks now and then what has expired. No clock, no
//! timers, no I/O here.
//!
//! Parts are grouped by (source, destination, reference, total) and may come
//! in any order. A part that arrives twice is ignored and reported, even
//! after its message was completed (an SMSC resending a deliver_sm whose
//! response it missed) as long as that message's expiry has not passed.
//! Nothing is dropped without a word: a message whose parts stop coming is
//! handed back as [`Incomplete`] when it expires, and so is the oldest one
//! when the bound on messages held is reached.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::num::NonZeroUsize;
use std::time::Instant;

use super::data_coding::Alphabet;
use super::incoming::{ShortMessage, decode_text};

/// What identifies the parts of one concatenated message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// The sender's address as the caller read it (deliver_sm source_addr,
    /// the modem's originator).
    pub source: String,
    /// The recipient's address as the caller read it; empty when the caller
    /// has none (a modem).
    pub destination: String,
    /// The concatenation reference, 8-bit ones widened.
    pub reference: u16,
    /// How many parts the message has, 2 to 255.
    pub total: u8,
}

/// A message put back together (or as much of it as arrived).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reassembled {
    /// The sender's address, as in the [`Key`].
    pub source: String,
    /// The recipient's address, as in the [`Key`].
    pub destination: String,
    /// The alphabet of the first part.
    pub alphabet: Alphabet,
    /// The parts' bodies joined in order.
    pub body: Vec<u8>,
    /// The joined body as text: decoded as a whole when every part has the
    /// same alphabet, otherwise each part's text joined; `None` when no
    /// part is text.
    pub text: Option<String>,
    /// How many parts make up [`body`](Reassembled::body).
    pub parts: u8,
}

/// Why a message was given back without all its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncompleteReason {
    /// Its expiry passed before the missing parts came.
    Expired,
    /// The reassembler was full and this was the message closest to expiry.
    Evicted,
}

/// A message given back without all its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incomplete {
    /// Which message this was.
    pub key: Key,
    /// Why it was given back.
    pub reason: IncompleteReason,
    /// Sequence numbers that never arrived, ascending.
    pub missing: Vec<u8>,
    /// The parts that did arrive, joined in order.
    pub partial: Reassembled,
}

/// What became of a pushed part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The message is whole: a message on its own, or the last missing part.
    Complete(Reassembled),
    /// Held until the rest arrives; `received` parts of `key.total` so far.
    Stored {
        /// Which message the part belongs to.
        key: Key,
        /// Distinct parts held so far, this one included.
        received: u8,
    },
    /// A copy of a part already held, or of a part of a message completed
    /// and not yet expired; it was ignored.
    Duplicate {
        /// Which message the part belongs to.
        key: Key,
        /// The part's number.
        seq: u8,
    },
}

/// The answer to [`Reassembler::push`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pushed {
    /// What became of the part.
    pub outcome: Outcome,
    /// The message given up to make room, if the bound was reached.
    pub evicted: Option<Incomplete>,
}

/// Incomplete messages waiting for their other parts.
#[derive(Debug)]
pub struct Reassembler {
    /// Most incomplete messages held at once; memory stays bounded however
    /// many senders start long messages and never finish them.
    max_pending: NonZeroUsize,
    pending: HashMap<Key, Pending>,
    /// Messages completed and not yet past their expiry, to recognise a
    /// late copy of one of their parts; at most `max_pending` of them.
    completed: HashMap<Key, Completed>,
}

#[derive(Debug)]
struct Pending {
    /// Slot `seq - 1` for each part; `Concat` guarantees `1 <= seq <= total`.
    parts: Vec<Option<ShortMessage>>,
    received: u8,
    /// Set by the most recent new part, so a slow but steady sender is not
    /// cut off.
    expires_at: Instant,
}

#[derive(Debug)]
struct Completed {
    expires_at: Instant,
    /// A digest of each part's body, by `seq - 1`: a late part is a copy
    /// only if it is the same, so a reference that came round again with
    /// new text still starts a new message.
    bodies: Vec<u64>,
}

impl Reassembler {
    /// An empty reassembler holding at most `max_pending` incomplete messages;
    /// one more evicts the one closest to expiry.
    pub fn new(max_pending: NonZeroUsize) -> Reassembler {
        Reassembler {
            max_pending,
            pending: HashMap::new(),
            completed: HashMap::new(),
        }
    }

    /// Takes one received part. `expires_at` is when its message is given
    /// up if still incomplete; each new part moves it.
    pub fn push(
        &mut self,
        source: &str,
        destination: &str,
        message: ShortMessage,
        expires_at: Instant,
    ) -> Pushed {
        let Some(concat) = message.concat.filter(|c| c.total() > 1) else {
            let whole = Reassembled {
                source: source.to_owned(),
                destination: destination.to_owned(),
                alphabet: message.alphabet,
                body: message.body,
                text: message.text,
                parts: 1,
            };
            return Pushed {
                outcome: Outcome::Complete(whole),
                evicted: None,
            };
        };
        let key = Key {
            source: source.to_owned(),
            destination: destination.to_owned(),
            reference: concat.reference().value(),
            total: concat.total(),
        };
        let seq = concat.seq();
        if self.is_late_copy(&key, seq, &message.body) {
            return Pushed {
                outcome: Outcome::Duplicate { key, seq },
                evicted: None,
            };
        }
        let evicted =
            if !self.pending.contains_key(&key) && self.pending.len() >= self.max_pending.get() {
                self.evict_oldest()
            } else {
                None
            };
        let mut entry = match self.pending.entry(key.clone()) {
            Entry::Occupied(entry) => entry,
            Entry::Vacant(entry) => entry.insert_entry(Pending {
                parts: vec![None; usize::from(concat.total())],
                received: 0,
                expires_at,
            }),
        };
        let pending = entry.get_mut();
        let slot = &mut pending.parts[usize::from(seq) - 1];
        if slot.is_some() {
            return Pushed {
                outcome: Outcome::Duplicate { key, seq },
                evicted,
            };
        }
        *slot = Some(message);
        pending.received += 1;
        pending.expires_at = expires_at;
        let received = pending.received;
        let outcome = if received < key.total {
            Outcome::Stored { key, received }
        } else {
            let done = entry.remove();
            self.remember(key.clone(), &done);
            Outcome::Complete(join(&key, &done))
        };
        Pushed { outcome, evicted }
    }

    /// Gives back every message whose expiry is at or before `now`, soonest
    /// first.
    pub fn expire(&mut self, now: Instant) -> Vec<Incomplete> {
        self.completed.retain(|_, done| done.expires_at > now);
        let mut due: Vec<(Instant, Key)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.expires_at <= now)
            .map(|(k, p)| (p.expires_at, k.clone()))
            .collect();
        due.sort_by_key(|(at, _)| *at);
        due.into_iter()
            .filter_map(|(_, key)| self.take(key, IncompleteReason::Expired))
            .collect()
    }

    /// When the next message expires, for the caller's timer.
    pub fn next_expiry(&self) -> Option<Instant> {
        self.pending.values().map(|p| p.expires_at).min()
    }

    /// Incomplete messages held.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether no incomplete message is held.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Whether part `seq` of `key` is a copy of a part of a message already
    /// completed. A different body means the reference came round again: the
    /// old completion is forgotten and the part starts a new message.
    fn is_late_copy(&mut self, key: &Key, seq: u8, body: &[u8]) -> bool {
        if self.pending.contains_key(key) {
            return false;
        }
        let Some(done) = self.completed.get(key) else {
            return false;
        };
        if done.bodies.get(usize::from(seq) - 1) == Some(&digest(body)) {
            return true;
        }
        self.completed.remove(key);
        false
    }

    fn remember(&mut self, key: Key, done: &Pending) {
        if self.completed.len() >= self.max_pending.get() {
            let oldest = self
                .completed
                .iter()
                .min_by_key(|(_, d)| d.expires_at)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.completed.remove(&oldest);
            }
        }
        let bodies = done
            .parts
            .iter()
            .flatten()
            .map(|p| digest(&p.body))
            .collect();
        self.completed.insert(
            key,
            Completed {
                expires_at: done.expires_at,
                bodies,
            },
        );
    }

    fn evict_oldest(&mut self) -> Option<Incomplete> {
        let oldest = self
            .pending
            .iter()
            .min_by_key(|(_, p)| p.expires_at)
            .map(|(k, _)| k.clone())?;
        self.take(oldest, IncompleteReason::Evicted)
    }

    fn take(&mut self, key: Key, reason: IncompleteReason) -> Option<Incomplete> {
        let pending = self.pending.remove(&key)?;
        let missing = (1..=key.total)
            .zip(&pending.parts)
            .filter(|(_, part)| part.is_none())
            .map(|(seq, _)| seq)
            .collect();
        Some(Incomplete {
            partial: join(&key, &pending),
            key,
            reason,
            missing,
        })
    }
}

fn digest(body: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    body.hash(&mut hasher);
    hasher.finish()
}

/// The parts held, in order, as one message.
fn join(key: &Key, pending: &Pending) -> Reassembled {
    let parts: Vec<&ShortMessage> = pending.parts.iter().flatten().collect();
    let alphabet = parts.first().map_or(Alphabet::Binary, |p| p.alphabet);
    let body: Vec<u8> = parts.iter().flat_map(|p| p.body.iter().copied()).collect();
    let text = if parts.iter().all(|p| p.alphabet == alphabet) {
        decode_text(alphabet, &body)
    } else {
        let texts: Vec<&str> = parts.iter().filter_map(|p| p.text.as_deref()).collect();
        (!texts.is_empty()).then(|| texts.concat())
    };
    Reassembled {
        source: key.source.clone(),
        destination: key.destination.clone(),
        alphabet,
        body,
        text,
        parts: pending.received,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::sms::concat::{Concat, Reference};

    fn part(reference: u8, total: u8, seq: u8, text: &str) -> ShortMessage {
        ShortMessage {
            alphabet: Alphabet::Latin1,
            udh: None,
            concat: Concat::new(Reference::Bits8(reference), total, seq),
            body: text.as_bytes().to_vec(),
            text: Some(text.to_owned()),
        }
    }

    fn reassembler(max: usize) -> Reassembler {
        Reassembler::new(NonZeroUsize::new(max).unwrap())
    }

    #[test]
    fn out_of_order_with_a_duplicate() {
        let t0 = Instant::now();
        let mut r = reassembler(4);
        let pushed = r.push("A", "B", part(7, 3, 3, "c"), t0);
        assert!(matches!(
            pushed.outcome,
            Outcome::Stored { received: 1, .. }
        ));
        r.push("A", "B", part(7, 3, 1, "a"), t0);
        let dup = r.push("A", "B", part(7, 3, 1, "x"), t0);
        assert!(matches!(dup.outcome, Outcome::Duplicate { seq: 1, .. }));
        let done = r.push("A", "B", part(7, 3, 2, "b"), t0).outcome;
        let Outcome::Complete(message) = done else {
            panic!("expected complete, got {done:?}");
        };
        assert_eq!(message.text.as_deref(), Some("abc"));
        assert_eq!(message.parts, 3);
        assert!(r.is_empty());
    }

    #[test]
    fn a_late_copy_after_completion_is_a_duplicate_until_expiry() {
        let t0 = Instant::now();
        let expiry = t0 + Duration::from_secs(10);
        let mut r = reassembler(4);
        r.push("A", "B", part(7, 2, 1, "a"), expiry);
        let done = r.push("A", "B", part(7, 2, 2, "b"), expiry).outcome;
        assert!(matches!(done, Outcome::Complete(_)));
        let late = r.push("A", "B", part(7, 2, 2, "b"), expiry).outcome;
        assert!(matches!(late, Outcome::Duplicate { seq: 2, .. }));
        assert!(r.is_empty());
        // The reference came round again with other text: a new message.
        let reused = r.push("A", "B", part(7, 2, 1, "new"), expiry).outcome;
        assert!(matches!(reused, Outcome::Stored { received: 1, .. }));
        // Past the expiry a copy is no longer recognised.
        let mut r = reassembler(4);
        r.push("A", "B", part(8, 2, 1, "a"), expiry);
        r.push("A", "B", part(8, 2, 2, "b"), expiry);
        assert!(r.expire(expiry).is_empty());
        let late = r.push("A", "B", part(8, 2, 2, "b"), expiry).outcome;
        assert!(matches!(late, Outcome::Stored { .. }));
    }

    #[test]
    fn different_senders_do_not_mix() {
        let t0 = Instant::now();
        let mut r = reassembler(4);
        r.push("A", "B", part(7, 2, 1, "a"), t0);
        let other = r.push("C", "B", part(7, 2, 2, "z"), t0);
        assert!(matches!(other.outcome, Outcome::Stored { .. }));
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn expiry_gives_back_what_arrived() {
        let t0 = Instant::now();
        let mut r = reassembler(4);
        r.push("A", "B", part(1, 3, 2, "b"), t0 + Duration::from_secs(10));
        assert_eq!(r.next_expiry(), Some(t0 + Duration::from_secs(10)));
        assert!(r.expire(t0 + Duration::from_secs(9)).is_empty());
        let expired = r.expire(t0 + Duration::from_secs(10));
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].reason, IncompleteReason::Expired);
        assert_eq!(expired[0].missing, [1, 3]);
        assert_eq!(expired[0].partial.text.as_deref(), Some("b"));
        assert!(r.is_empty());
        assert_eq!(r.next_expiry(), None);
    }

    #[test]
    fn a_new_part_moves_the_expiry() {
        let t0 = Instant::now();
        let mut r = reassembler(4);
        r.push("A", "B", part(1, 3, 1, "a"), t0 + Duration::from_secs(1));
        r.push("A", "B", part(1, 3, 2, "b"), t0 + Duration::from_secs(5));
        assert!(r.expire(t0 + Duration::from_secs(2)).is_empty());
    }

    #[test]
    fn the_bound_evicts_the_message_closest_to_expiry() {
        let t0 = Instant::now();
        let mut r = reassembler(2);
        r.push("A", "B", part(1, 2, 1, "old"), t0 + Duration::from_secs(1));
        r.push("A", "B", part(2, 2, 1, "mid"), t0 + Duration::from_secs(2));
        let pushed = r.push("A", "B", part(3, 2, 1, "new"), t0 + Duration::from_secs(3));
        let evicted = pushed.evicted.expect("one evicted");
        assert_eq!(evicted.reason, IncompleteReason::Evicted);
        assert_eq!(evicted.key.reference, 1);
        assert_eq!(r.len(), 2);
        // A part of a message already held evicts nothing.
        let pushed = r.push("A", "B", part(2, 2, 2, "!"), t0);
        assert_eq!(pushed.evicted, None);
        assert!(matches!(pushed.outcome, Outcome::Complete(_)));
    }

    #[test]
    fn mixed_alphabets_join_texts() {
        let t0 = Instant::now();
        let mut r = reassembler(4);
        let mut first = part(1, 2, 1, "ñ");
        first.alphabet = Alphabet::Ucs2;
        first.body = vec![0x00, 0xF1];
        r.push("A", "B", first, t0);
        let Outcome::Complete(message) = r.push("A", "B", part(1, 2, 2, "o"), t0).outcome else {
            panic!("expected complete");
        };
        assert_eq!(message.text.as_deref(), Some("ño"));
    }
}
