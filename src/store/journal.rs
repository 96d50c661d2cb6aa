//! The write-ahead journal: each group commit is appended as one
//! checksummed record, and the writers of the group are answered once it is
//! written; sled receives the same writes later, in checkpoints, after
//! which the segments they came from are deleted. At open, whatever the
//! journal still holds is applied to sled again (every write is a put or a
//! remove of a whole value, so applying one twice changes nothing).
//!
//! Layout: `<store>/journal/<segment number, 20 digits>.log`, each file the
//! 8-byte magic `PSJRNL01` and then records:
//!
//! | bytes | content                                                |
//! |-------|--------------------------------------------------------|
//! | 4     | payload length, u32 little-endian                      |
//! | 4     | CRC-32 of the payload, u32 little-endian               |
//! | n     | writes: tree u8, has-value u8, key length u32, key, and with a value its length u32 and bytes |
//!
//! A record is all of one group or nothing: a record cut short by a crash
//! (only the last record of the last segment can be) fails its length or
//! checksum and is ignored with everything after it, and none of its
//! writers was answered.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::codec::TreeId;
use super::error::io_error;
use super::error::{KeyHex, StoreError};

const MAGIC: &[u8; 8] = b"PSJRNL01";
const RECORD_HEADER: usize = 8;
const EXTENSION: &str = "log";

/// One keyed write, as the journal records it and the checkpoint applies
/// it. `fresh`: the key did not exist before this put (a new message id, a
/// new mailbox sequence), so a remove before the next checkpoint cancels
/// the put instead of reaching sled. Not recorded: replay needs no such
/// shortcut.
/// The bytes are `sled::IVec` once the write is final.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Write<Bytes = sled::IVec> {
    pub(super) tree: TreeId,
    pub(super) key: Bytes,
    pub(super) value: Option<Bytes>,
    pub(super) fresh: bool,
}

/// The segment being appended to.
pub(super) struct Journal {
    dir: PathBuf,
    segment: u64,
    file: File,
    /// "power" durability: fdatasync each record, fsync the directory on
    /// each new segment.
    sync: bool,
}

impl Journal {
    /// Starts appending to a new segment numbered `segment`.
    pub(super) fn create(dir: &Path, segment: u64, sync: bool) -> Result<Journal, StoreError> {
        let file = new_segment(dir, segment, sync)?;
        Ok(Journal {
            dir: dir.to_path_buf(),
            segment,
            file,
            sync,
        })
    }

    /// Appends one group's writes as one record; durable (per the store's
    /// durability) when this returns.
    pub(super) fn append(&mut self, writes: &[Write]) -> Result<(), StoreError> {
        let record = encode_record(writes);
        let path = || segment_path(&self.dir, self.segment);
        self.file
            .write_all(&record)
            .map_err(|error| io_error("append to", &path(), error))?;
        if self.sync {
            self.file
                .sync_data()
                .map_err(|error| io_error("fdatasync", &path(), error))?;
        }
        Ok(())
    }

    /// Continues in a new segment and returns the number of the one just
    /// closed: once a checkpoint holds everything written so far, every
    /// segment up to it can go.
    pub(super) fn rotate(&mut self) -> Result<u64, StoreError> {
        let closed = self.segment;
        self.file = new_segment(&self.dir, closed + 1, self.sync)?;
        self.segment = closed + 1;
        Ok(closed)
    }
}

/// The segments in `dir`, oldest first.
pub(super) fn segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>, StoreError> {
    let entries = fs::read_dir(dir).map_err(|error| io_error("list", dir, error))?;
    let mut segments = Vec::new();
    for entry in entries {
        let path = entry.map_err(|error| io_error("list", dir, error))?.path();
        let number = path
            .extension()
            .filter(|extension| *extension == EXTENSION)
            .and_then(|_| path.file_stem())
            .and_then(|stem| stem.to_str())
            .and_then(|stem| stem.parse::<u64>().ok());
        if let Some(number) = number {
            segments.push((number, path));
        }
    }
    segments.sort_unstable();
    Ok(segments)
}

/// Every write a segment holds, in order. `last`: the segment being written
/// when the process stopped, where a record cut short ends the journal;
/// in an earlier segment a bad record is corruption.
pub(super) fn read_segment(path: &Path, last: bool) -> Result<Vec<Write>, StoreError> {
    let bytes = fs::read(path).map_err(|error| io_error("read", path, error))?;
    let corrupt = |offset: usize, reason: &str| StoreError::Corrupt {
        tree: "journal",
        key: KeyHex(format!("{}@{offset}", path.display()).into_bytes()),
        reason: reason.to_string(),
    };
    if bytes.len() < MAGIC.len() {
        // Created but never written to before the stop.
        return if last {
            Ok(Vec::new())
        } else {
            Err(corrupt(0, "segment shorter than its header"))
        };
    }
    if &bytes[..MAGIC.len()] != MAGIC {
        return Err(corrupt(0, "not a pasarela journal segment"));
    }
    let mut writes = Vec::new();
    let mut offset = MAGIC.len();
    while offset < bytes.len() {
        match decode_record(&bytes[offset..]) {
            Ok((record, used)) => {
                writes.extend(record);
                offset += used;
            }
            Err(_) if last => break,
            Err(reason) => return Err(corrupt(offset, reason)),
        }
    }
    Ok(writes)
}

/// Deletes every segment numbered up to `through`.
pub(super) fn remove_through(dir: &Path, through: u64) -> Result<(), StoreError> {
    for (number, path) in segments(dir)? {
        if number <= through {
            fs::remove_file(&path).map_err(|error| io_error("remove", &path, error))?;
        }
    }
    Ok(())
}

fn segment_path(dir: &Path, segment: u64) -> PathBuf {
    dir.join(format!("{segment:020}.{EXTENSION}"))
}

fn new_segment(dir: &Path, segment: u64, sync: bool) -> Result<File, StoreError> {
    let path = segment_path(dir, segment);
    let mut file = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(&path)
        .map_err(|error| io_error("create", &path, error))?;
    file.write_all(MAGIC)
        .map_err(|error| io_error("write", &path, error))?;
    if sync {
        file.sync_data()
            .map_err(|error| io_error("fdatasync", &path, error))?;
        File::open(dir)
            .and_then(|dir| dir.sync_all())
            .map_err(|error| io_error("fsync", dir, error))?;
    }
    Ok(file)
}

fn encode_record(writes: &[Write]) -> Vec<u8> {
    let size: usize = writes
        .iter()
        .map(|write| 10 + write.key.len() + write.value.as_ref().map_or(0, |v| 4 + v.len()))
        .sum();
    let mut record = Vec::with_capacity(RECORD_HEADER + size);
    record.extend_from_slice(&[0; RECORD_HEADER]);
    for write in writes {
        record.push(write.tree.index() as u8);
        record.push(u8::from(write.value.is_some()));
        push_bytes(&mut record, &write.key);
        if let Some(value) = &write.value {
            push_bytes(&mut record, value);
        }
    }
    let payload_len = u32::try_from(record.len() - RECORD_HEADER).unwrap_or(u32::MAX);
    let checksum = crc32fast::hash(&record[RECORD_HEADER..]);
    record[..4].copy_from_slice(&payload_len.to_le_bytes());
    record[4..RECORD_HEADER].copy_from_slice(&checksum.to_le_bytes());
    record
}

fn push_bytes(record: &mut Vec<u8>, bytes: &[u8]) {
    // Keys and values are capped at MAX_LARGE_VALUE_LEN, far below u32::MAX.
    record.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
    record.extend_from_slice(bytes);
}

/// One record from the front of `bytes`: its writes and its length.
fn decode_record(bytes: &[u8]) -> Result<(Vec<Write>, usize), &'static str> {
    let mut reader = Reader { bytes, at: 0 };
    let payload_len = reader.u32().ok_or("record header cut short")? as usize;
    let checksum = reader.u32().ok_or("record header cut short")?;
    let payload = reader.take(payload_len).ok_or("record cut short")?;
    if crc32fast::hash(payload) != checksum {
        return Err("record checksum does not match");
    }
    let mut writes = Vec::new();
    let mut fields = Reader {
        bytes: payload,
        at: 0,
    };
    while fields.at < payload.len() {
        let tree = fields
            .u8()
            .and_then(TreeId::from_index)
            .ok_or("unknown tree in record")?;
        let has_value = fields.u8().ok_or("write cut short")?;
        let key = fields.sized().ok_or("key cut short")?;
        let value = match has_value {
            0 => None,
            1 => Some(fields.sized().ok_or("value cut short")?),
            _ => return Err("bad value flag in record"),
        };
        writes.push(Write {
            tree,
            key: key.into(),
            value: value.map(Into::into),
            fresh: false,
        });
    }
    Ok((writes, RECORD_HEADER + payload_len))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(len)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|bytes| bytes[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
            .map(u32::from_le_bytes)
    }

    fn sized(&mut self) -> Option<&'a [u8]> {
        let len = self.u32()? as usize;
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(tree: TreeId, key: &[u8], value: Option<&[u8]>) -> Write {
        Write {
            tree,
            key: key.into(),
            value: value.map(Into::into),
            fresh: false,
        }
    }

    fn groups() -> Vec<Vec<Write>> {
        vec![
            vec![
                write(TreeId::Messages, b"\0\0\0\0\0\0\0\x01", Some(b"one")),
                write(TreeId::Balances, b"demo", Some(b"\x01\x02")),
            ],
            vec![write(TreeId::Messages, b"\0\0\0\0\0\0\0\x01", None)],
            vec![write(TreeId::Mailbox, b"demo\0k", Some(b""))],
        ]
    }

    #[test]
    fn records_read_back_in_order_across_segments() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), 1, false).unwrap();
        let groups = groups();
        journal.append(&groups[0]).unwrap();
        assert_eq!(journal.rotate().unwrap(), 1);
        journal.append(&groups[1]).unwrap();
        journal.append(&groups[2]).unwrap();
        let found = segments(dir.path()).unwrap();
        assert_eq!(found.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(read_segment(&found[0].1, false).unwrap(), groups[0]);
        let second: Vec<Write> = groups[1..].concat();
        assert_eq!(read_segment(&found[1].1, true).unwrap(), second);
        remove_through(dir.path(), 1).unwrap();
        assert_eq!(segments(dir.path()).unwrap().len(), 1);
    }

    /// Every cut of the last segment reads back as whole records only: a
    /// crash mid-append loses the unanswered group and nothing else.
    #[test]
    fn a_record_cut_anywhere_drops_that_record_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), 7, false).unwrap();
        let groups = groups();
        let mut ends = vec![MAGIC.len()];
        for group in &groups {
            journal.append(group).unwrap();
            ends.push(ends.last().unwrap() + encode_record(group).len());
        }
        let path = segment_path(dir.path(), 7);
        let full = fs::read(&path).unwrap();
        for cut in MAGIC.len()..=full.len() {
            fs::write(&path, &full[..cut]).unwrap();
            let whole = ends.iter().filter(|&&end| end <= cut).count() - 1;
            let expected: Vec<Write> = groups[..whole].concat();
            assert_eq!(read_segment(&path, true).unwrap(), expected, "cut at {cut}");
            if whole < groups.len() && cut != ends[whole] {
                assert!(read_segment(&path, false).is_err(), "cut at {cut}");
            }
        }
    }

    #[test]
    fn a_flipped_bit_is_caught_by_the_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), 1, false).unwrap();
        journal.append(&groups()[0]).unwrap();
        let path = segment_path(dir.path(), 1);
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        fs::write(&path, &bytes).unwrap();
        let error = read_segment(&path, false).unwrap_err();
        assert!(error.to_string().contains("checksum"), "{error}");
        assert_eq!(read_segment(&path, true).unwrap(), Vec::new());
    }
}
