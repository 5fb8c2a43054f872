//! The durable ledger: files on disk, one writer thread with group commit, many readers.
//!
//! Directory layout:
//!
//! | file | content | durability |
//! | --- | --- | --- |
//! | `entries.log` | header + framed records: the source of truth | fsync before every acknowledgement |
//! | `leaves.hash` | 32-byte leaf hash per entry | cache, synced every [`DERIVED_SYNC_INTERVAL`] entries |
//! | `entries.ends` | u64 LE end offset of each record in `entries.log` | cache, synced with `leaves.hash` |
//! | `nodes.l6` | hash of each complete 64-leaf block | cache, synced with `leaves.hash` |
//! | `derived.synced` | how many entries the caches hold durably | replaced atomically |
//! | `checkpoints/<size>.note` | signed checkpoints | written to a temporary file, fsynced, renamed |
//!
//! The caches are rebuilt from `entries.log` beyond the `derived.synced` mark at open, so
//! only the log needs an fsync per batch.

use std::fs::{self, File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::ops::Range;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;

use crate::error::Error;
use crate::hash::{Hash, HashAlgorithm};
use crate::merkle::{self, SubtreeHashes, root_of_leaves, split_point};
use crate::note::{Checkpoint, NoteSigner, NoteVerifier, SignatureAlgorithm};
use crate::record::{Header, MAX_ENTRY_LEN, RecordReader, encode_record};

pub const ENTRIES_FILE: &str = "entries.log";
pub const LEAVES_FILE: &str = "leaves.hash";
pub const ENDS_FILE: &str = "entries.ends";
pub const NODES_FILE: &str = "nodes.l6";
pub const SYNCED_FILE: &str = "derived.synced";
pub const CHECKPOINTS_DIR: &str = "checkpoints";
pub const PRIVATE_KEY_FILE: &str = "key.private";
pub const PUBLIC_KEY_FILE: &str = "key.pub";
const LOCK_FILE: &str = "writer.lock";

/// Leaves per stored block: subtrees of this size and larger are read from memory, smaller
/// ones are hashed from `leaves.hash`, which bounds a proof's work to about 64 hashes. The
/// levels from here up cost one byte of memory per entry (10 MB at 10^7 entries).
const BLOCK_LEAVES: u64 = 64;
/// How many entries the caches may run ahead of their last fsync (bounds the rescan at open).
pub const DERIVED_SYNC_INTERVAL: u64 = 1 << 16;
/// The most entries one group commit writes; bounds the writer's buffer.
const MAX_BATCH_ENTRIES: usize = 16_384;

/// What `init` creates.
#[derive(Clone, Debug)]
pub struct LedgerConfig {
    /// The checkpoint origin: a unique name for this log, e.g. `example.com/shuan/audit`.
    pub origin: String,
    pub hash: HashAlgorithm,
    pub signature: SignatureAlgorithm,
}

/// Creates a new, empty ledger in `dir` (created if missing, must not hold a ledger) with a
/// fresh key pair in `key.private` (mode 0600) and `key.pub`. Returns the verifier key.
pub fn init(dir: &Path, config: &LedgerConfig) -> Result<NoteVerifier, Error> {
    let signer = NoteSigner::generate(&config.origin, config.signature)?;
    create_log(dir, config)?;
    let private_path = dir.join(PRIVATE_KEY_FILE);
    let mut private = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&private_path)
        .map_err(Error::io(&private_path))?;
    writeln!(private, "{}", signer.to_text()).map_err(Error::io(&private_path))?;
    private.sync_all().map_err(Error::io(&private_path))?;
    let public_path = dir.join(PUBLIC_KEY_FILE);
    write_durably(
        &public_path,
        format!("{}\n", signer.verifier().to_text()).as_bytes(),
    )?;
    sync_dir(dir)?;
    Ok(signer.verifier().clone())
}

/// Creates the log files only (for callers that manage keys themselves).
pub fn create_log(dir: &Path, config: &LedgerConfig) -> Result<(), Error> {
    fs::create_dir_all(dir.join(CHECKPOINTS_DIR)).map_err(Error::io(dir))?;
    let entries_path = dir.join(ENTRIES_FILE);
    if entries_path.exists() {
        return Err(Error::format(
            &entries_path,
            "a ledger already exists here; choose an empty directory",
        ));
    }
    let header = Header {
        origin: config.origin.clone(),
        hash: config.hash,
        signature: config.signature,
    };
    write_durably(&entries_path, &header.encode())?;
    for name in [LEAVES_FILE, ENDS_FILE, NODES_FILE] {
        write_durably(&dir.join(name), &[])?;
    }
    write_durably(&dir.join(SYNCED_FILE), b"0\n")?;
    sync_dir(dir)
}

/// Reads the signing key of a ledger directory.
pub fn load_signer(path: &Path) -> Result<NoteSigner, Error> {
    let text = fs::read_to_string(path).map_err(Error::io(path))?;
    NoteSigner::from_text(&text)
}

/// Reads a verifier key file.
pub fn load_verifier(path: &Path) -> Result<NoteVerifier, Error> {
    let text = fs::read_to_string(path).map_err(Error::io(path))?;
    NoteVerifier::from_text(&text)
}

fn write_durably(path: &Path, content: &[u8]) -> Result<(), Error> {
    let mut file = File::create(path).map_err(Error::io(path))?;
    file.write_all(content).map_err(Error::io(path))?;
    file.sync_all().map_err(Error::io(path))
}

/// Writes a file so that a crash leaves either the old or the new content.
fn replace_durably(path: &Path, content: &[u8]) -> Result<(), Error> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let temporary = path.with_extension(format!(
        "tmp.{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    write_durably(&temporary, content)?;
    fs::rename(&temporary, path).map_err(Error::io(path))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io(dir))
}

/// The checkpoint files of a ledger directory, oldest first, as (tree size, path).
pub fn checkpoint_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>, Error> {
    let checkpoints_dir = dir.join(CHECKPOINTS_DIR);
    let mut found = Vec::new();
    let listing = match fs::read_dir(&checkpoints_dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(Error::io(&checkpoints_dir)(e)),
    };
    for item in listing {
        let path = item.map_err(Error::io(&checkpoints_dir))?.path();
        let size = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".note"))
            .and_then(|size| size.parse::<u64>().ok());
        if let Some(size) = size {
            found.push((size, path));
        }
    }
    found.sort();
    Ok(found)
}

/// Complete subtree hashes from the block level up; `levels[0][i]` is the hash of leaves
/// `[64 i, 64 (i + 1))`, `levels[j]` holds subtrees of `64 << j` leaves.
#[derive(Default)]
struct TreeState {
    size: u64,
    levels: Vec<Vec<Hash>>,
}

impl TreeState {
    fn push_block(&mut self, algorithm: HashAlgorithm, block_hash: Hash) {
        let mut carry = block_hash;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(carry);
            let nodes = &self.levels[level];
            if nodes.len() % 2 == 1 {
                break;
            }
            carry = algorithm.node_hash(&nodes[nodes.len() - 2], &nodes[nodes.len() - 1]);
            level += 1;
        }
    }
}

/// Read handles on the files, shared by all readers (positional reads need no lock).
struct Shared {
    dir: PathBuf,
    header: Header,
    header_len: u64,
    entries: File,
    leaves: File,
    ends: File,
    state: RwLock<TreeState>,
}

impl Shared {
    fn read_at(&self, file: &File, name: &str, buf: &mut [u8], offset: u64) -> Result<(), Error> {
        file.read_exact_at(buf, offset)
            .map_err(Error::io(self.dir.join(name)))
    }

    fn read_leaves(&self, start: u64, end: u64) -> Result<Vec<Hash>, Error> {
        let mut bytes = vec![0u8; ((end - start) * 32) as usize];
        self.read_at(&self.leaves, LEAVES_FILE, &mut bytes, start * 32)?;
        Ok(bytes
            .chunks_exact(32)
            .map(|chunk| chunk.try_into().expect("32 bytes"))
            .collect())
    }

    fn record_end(&self, index: u64) -> Result<u64, Error> {
        let mut bytes = [0u8; 8];
        self.read_at(&self.ends, ENDS_FILE, &mut bytes, index * 8)?;
        Ok(u64::from_le_bytes(bytes))
    }
}

/// A view of the stored tree for proof generation, valid while `state` is read-locked.
struct StoredTree<'a> {
    shared: &'a Shared,
    state: &'a TreeState,
}

impl SubtreeHashes for StoredTree<'_> {
    fn algorithm(&self) -> HashAlgorithm {
        self.shared.header.hash
    }

    fn subtree_hash(&self, start: u64, end: u64) -> Result<Hash, Error> {
        let len = end - start;
        if len >= BLOCK_LEAVES && len.is_power_of_two() && start.is_multiple_of(len) {
            let level = (len / BLOCK_LEAVES).trailing_zeros() as usize;
            return Ok(self.state.levels[level][(start / len) as usize]);
        }
        if len <= BLOCK_LEAVES {
            let leaves = self.shared.read_leaves(start, end)?;
            return Ok(root_of_leaves(self.shared.header.hash, &leaves));
        }
        let middle = start + split_point(len);
        let left = self.subtree_hash(start, middle)?;
        let right = self.subtree_hash(middle, end)?;
        Ok(self.shared.header.hash.node_hash(&left, &right))
    }
}

type AppendReply = SyncSender<Result<Range<u64>, Error>>;

struct AppendRequest {
    entries: Vec<Vec<u8>>,
    reply: AppendReply,
}

struct Inner {
    shared: Arc<Shared>,
    requests: Option<Sender<AppendRequest>>,
    writer: Option<JoinHandle<()>>,
    /// Held for the ledger's lifetime: an advisory lock that keeps a second writer out.
    _lock: File,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the channel lets the writer finish its queue, sync the caches and exit.
        self.requests.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// An open ledger. Cheap to clone and safe to share across threads: appends go through one
/// writer thread that commits them in batches with one fsync each; reads run concurrently.
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<Inner>,
}

impl Ledger {
    /// Opens a ledger, repairing what a crash can leave: a torn record at the end of
    /// `entries.log` (moved aside to `entries.log.torn-<offset>`, never deleted) and caches
    /// that lag behind the log. Fails if the damage reaches entries a checkpoint covers.
    pub fn open(dir: &Path) -> Result<Ledger, Error> {
        let lock = lock_directory(dir)?;
        let entries_path = dir.join(ENTRIES_FILE);
        let (header, header_len) = Header::read(&entries_path)?;
        let open_rw = |name: &str| {
            let path = dir.join(name);
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(Error::io(path))
        };
        let mut leaves = open_rw(LEAVES_FILE)?;
        let mut ends = open_rw(ENDS_FILE)?;
        let mut nodes = open_rw(NODES_FILE)?;
        let synced = read_synced_mark(dir);
        let len_of = |file: &File, name: &str| -> Result<u64, Error> {
            Ok(file.metadata().map_err(Error::io(dir.join(name)))?.len())
        };
        let trusted = synced
            .min(len_of(&leaves, LEAVES_FILE)? / 32)
            .min(len_of(&ends, ENDS_FILE)? / 8);
        set_len(&leaves, dir, LEAVES_FILE, trusted * 32)?;
        set_len(&ends, dir, ENDS_FILE, trusted * 8)?;

        let mut end = header_len;
        if trusted > 0 {
            let mut bytes = [0u8; 8];
            ends.read_exact_at(&mut bytes, (trusted - 1) * 8)
                .map_err(Error::io(dir.join(ENDS_FILE)))?;
            end = u64::from_le_bytes(bytes);
        }
        let log_len = fs::metadata(&entries_path)
            .map_err(Error::io(&entries_path))?
            .len();
        if end > log_len {
            return Err(Error::format(
                &entries_path,
                format!(
                    "the log is {log_len} bytes but its index says entry {} ends at byte {end}: \
                     the log was truncated; run `shuan ledger verify`",
                    trusted - 1
                ),
            ));
        }

        // Re-derive the caches for the records after the synced mark.
        let mut new_leaves = Vec::new();
        let mut new_ends = Vec::new();
        let mut reader = RecordReader::new(&entries_path, end)?;
        let damage = loop {
            match reader.next_record() {
                Ok(None) => break None,
                Ok(Some(record)) if record.checksum_ok => {
                    new_leaves.extend_from_slice(&header.hash.leaf_hash(&record.payload));
                    new_ends.extend_from_slice(&record.end.to_le_bytes());
                    end = record.end;
                }
                Ok(Some(record)) => {
                    break Some((record.offset, "checksum mismatch".to_owned()));
                }
                Err(damage) => break Some((damage.offset, damage.reason)),
            }
        };
        let size = trusted + (new_ends.len() / 8) as u64;
        if let Some((offset, reason)) = damage {
            let covered = checkpoint_files(dir)?.last().map_or(0, |(size, _)| *size);
            if size < covered {
                return Err(Error::format(
                    &entries_path,
                    format!(
                        "entry {size} at byte {offset} is damaged ({reason}) but checkpoint {covered} \
                         covers it: this is not a crash's torn tail; run `shuan ledger verify`"
                    ),
                ));
            }
            set_aside_torn_tail(&entries_path, offset, log_len)?;
        }
        leaves
            .write_all_at(&new_leaves, trusted * 32)
            .map_err(Error::io(dir.join(LEAVES_FILE)))?;
        ends.write_all_at(&new_ends, trusted * 8)
            .map_err(Error::io(dir.join(ENDS_FILE)))?;

        let shared_files = (
            File::open(&entries_path).map_err(Error::io(&entries_path))?,
            leaves
                .try_clone()
                .map_err(Error::io(dir.join(LEAVES_FILE)))?,
            ends.try_clone().map_err(Error::io(dir.join(ENDS_FILE)))?,
        );
        let shared = Arc::new(Shared {
            dir: dir.to_owned(),
            header: header.clone(),
            header_len,
            entries: shared_files.0,
            leaves: shared_files.1,
            ends: shared_files.2,
            state: RwLock::new(TreeState::default()),
        });
        let pending_block = load_tree_state(&shared, &mut nodes, trusted, size)?;

        let entries = OpenOptions::new()
            .append(true)
            .open(&entries_path)
            .map_err(Error::io(&entries_path))?;
        for (file, name) in [
            (&mut leaves, LEAVES_FILE),
            (&mut ends, ENDS_FILE),
            (&mut nodes, NODES_FILE),
        ] {
            file.seek(SeekFrom::End(0))
                .map_err(Error::io(dir.join(name)))?;
        }
        let mut writer = Writer {
            shared: shared.clone(),
            entries,
            leaves,
            ends,
            nodes,
            end,
            size,
            pending_block,
            synced_size: trusted,
            failed: None,
        };
        writer.sync_caches()?;
        let (sender, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("shuan-ledger-writer".into())
            .spawn(move || writer.run(receiver))
            .map_err(Error::io(dir))?;
        Ok(Ledger {
            inner: Arc::new(Inner {
                shared,
                requests: Some(sender),
                writer: Some(thread),
                _lock: lock,
            }),
        })
    }

    pub fn header(&self) -> &Header {
        &self.inner.shared.header
    }

    pub fn dir(&self) -> &Path {
        &self.inner.shared.dir
    }

    /// Number of acknowledged (durable) entries.
    pub fn size(&self) -> u64 {
        self.inner.shared.state.read().expect("state lock").size
    }

    /// Appends one entry; returns its index once it is on disk.
    pub fn append(&self, entry: Vec<u8>) -> Result<u64, Error> {
        Ok(self.append_batch(vec![entry])?.start)
    }

    /// Appends entries in order, contiguously; returns their index range once on disk.
    pub fn append_batch(&self, entries: Vec<Vec<u8>>) -> Result<Range<u64>, Error> {
        if let Some(entry) = entries.iter().find(|e| e.len() > MAX_ENTRY_LEN) {
            return Err(Error::EntryTooLarge {
                len: entry.len(),
                limit: MAX_ENTRY_LEN,
            });
        }
        let (reply, response) = mpsc::sync_channel(1);
        let requests = self.inner.requests.as_ref().expect("open until dropped");
        let stopped = || Error::WriterFailed("the writer thread has stopped".into());
        requests
            .send(AppendRequest { entries, reply })
            .map_err(|_| stopped())?;
        response.recv().map_err(|_| stopped())?
    }

    /// The entry at `index`.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, Error> {
        let shared = &self.inner.shared;
        self.check_index(index)?;
        let start = if index == 0 {
            shared.header_len
        } else {
            shared.record_end(index - 1)?
        };
        let end = shared.record_end(index)?;
        let mut record = vec![0u8; (end - start) as usize];
        shared.read_at(&shared.entries, ENTRIES_FILE, &mut record, start)?;
        record.drain(..crate::record::RECORD_HEADER_LEN as usize);
        Ok(record)
    }

    /// The leaf hash of entry `index`.
    pub fn leaf_hash(&self, index: u64) -> Result<Hash, Error> {
        self.check_index(index)?;
        Ok(self.inner.shared.read_leaves(index, index + 1)?[0])
    }

    fn check_index(&self, index: u64) -> Result<(), Error> {
        let size = self.size();
        if index >= size {
            return Err(Error::OutOfRange { index, size });
        }
        Ok(())
    }

    fn with_tree<T>(
        &self,
        size: u64,
        f: impl FnOnce(&StoredTree) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let state = self.inner.shared.state.read().expect("state lock");
        if size > state.size {
            return Err(Error::OutOfRange {
                index: size,
                size: state.size,
            });
        }
        f(&StoredTree {
            shared: &self.inner.shared,
            state: &state,
        })
    }

    /// The root of the tree of the first `size` entries.
    pub fn root_at(&self, size: u64) -> Result<Hash, Error> {
        self.with_tree(size, |tree| {
            if size == 0 {
                Ok(tree.algorithm().empty_root())
            } else {
                tree.subtree_hash(0, size)
            }
        })
    }

    /// The inclusion proof of entry `index` in the tree of `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, Error> {
        self.with_tree(size, |tree| merkle::inclusion_proof(tree, index, size))
    }

    /// The consistency proof from the tree of `old_size` entries to that of `new_size`.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, Error> {
        self.with_tree(new_size, |tree| {
            merkle::consistency_proof(tree, old_size, new_size)
        })
    }

    /// Signs a checkpoint of the current tree and stores it in `checkpoints/`.
    pub fn checkpoint(&self, signer: &NoteSigner) -> Result<Checkpoint, Error> {
        let header = self.header();
        if signer.verifier().algorithm() != header.signature {
            return Err(Error::Key(format!(
                "the key is {} but the log's header says {}",
                signer.verifier().algorithm().name(),
                header.signature.name()
            )));
        }
        if signer.verifier().name() != header.origin {
            return Err(Error::Key(format!(
                "the key is named {:?} but the log's origin is {:?}",
                signer.verifier().name(),
                header.origin
            )));
        }
        let size = self.size();
        let root = self.root_at(size)?;
        let checkpoint = Checkpoint::sign(signer, &header.origin, size, root)?;
        let path = self
            .dir()
            .join(CHECKPOINTS_DIR)
            .join(format!("{size:020}.note"));
        replace_durably(&path, checkpoint.note.as_bytes())?;
        Ok(checkpoint)
    }

    /// The newest stored checkpoint whose signature verifies, if any.
    pub fn latest_checkpoint(&self, verifier: &NoteVerifier) -> Result<Option<Checkpoint>, Error> {
        let Some((_, path)) = checkpoint_files(self.dir())?.pop() else {
            return Ok(None);
        };
        let note = fs::read_to_string(&path).map_err(Error::io(&path))?;
        Checkpoint::open(&note, verifier)
            .map(Some)
            .map_err(|e| Error::format(&path, e.to_string()))
    }

    /// The stored checkpoint of exactly `size` entries.
    pub fn checkpoint_at(&self, size: u64, verifier: &NoteVerifier) -> Result<Checkpoint, Error> {
        let path = self
            .dir()
            .join(CHECKPOINTS_DIR)
            .join(format!("{size:020}.note"));
        let note = fs::read_to_string(&path).map_err(Error::io(&path))?;
        Checkpoint::open(&note, verifier).map_err(|e| Error::format(&path, e.to_string()))
    }
}

fn set_len(file: &File, dir: &Path, name: &str, len: u64) -> Result<(), Error> {
    file.set_len(len).map_err(Error::io(dir.join(name)))
}

fn read_synced_mark(dir: &Path) -> u64 {
    // A missing or unreadable mark only costs a longer rescan from the start.
    fs::read_to_string(dir.join(SYNCED_FILE))
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(0)
}

fn lock_directory(dir: &Path) -> Result<File, Error> {
    let path = dir.join(LOCK_FILE);
    if !dir.join(ENTRIES_FILE).exists() {
        return Err(Error::format(
            dir,
            "no ledger here: run `shuan ledger init` first",
        ));
    }
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(Error::io(&path))?;
    // SAFETY: flock on a descriptor we own; no memory is passed.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
    if !locked {
        return Err(Error::format(
            dir,
            "the ledger is open for writing by another process",
        ));
    }
    Ok(file)
}

fn set_aside_torn_tail(entries_path: &Path, offset: u64, log_len: u64) -> Result<(), Error> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(entries_path)
        .map_err(Error::io(entries_path))?;
    let mut tail = vec![0u8; (log_len - offset) as usize];
    file.read_exact_at(&mut tail, offset)
        .map_err(Error::io(entries_path))?;
    let aside = entries_path.with_extension(format!("log.torn-{offset}"));
    write_durably(&aside, &tail)?;
    file.set_len(offset).map_err(Error::io(entries_path))?;
    file.sync_all().map_err(Error::io(entries_path))
}

/// Loads the block hashes the synced mark covers (`trusted` entries), recomputes the rest
/// from the leaf hashes, builds the upper levels and returns the leaves of the incomplete
/// last block.
fn load_tree_state(
    shared: &Shared,
    nodes: &mut File,
    trusted: u64,
    size: u64,
) -> Result<Vec<Hash>, Error> {
    let algorithm = shared.header.hash;
    let nodes_path = shared.dir.join(NODES_FILE);
    let complete_blocks = size / BLOCK_LEAVES;
    // Block hashes past the synced mark may be garbage after a power loss.
    let stored_blocks =
        (nodes.metadata().map_err(Error::io(&nodes_path))?.len() / 32).min(trusted / BLOCK_LEAVES);
    let mut bytes = vec![0u8; (stored_blocks * 32) as usize];
    nodes
        .read_exact_at(&mut bytes, 0)
        .map_err(Error::io(&nodes_path))?;
    let mut state = TreeState::default();
    for chunk in bytes.chunks_exact(32) {
        state.push_block(algorithm, chunk.try_into().expect("32 bytes"));
    }
    let mut missing = Vec::new();
    for block in stored_blocks..complete_blocks {
        let leaves = shared.read_leaves(block * BLOCK_LEAVES, (block + 1) * BLOCK_LEAVES)?;
        let block_hash = root_of_leaves(algorithm, &leaves);
        missing.extend_from_slice(&block_hash);
        state.push_block(algorithm, block_hash);
    }
    nodes
        .set_len(stored_blocks * 32)
        .map_err(Error::io(&nodes_path))?;
    nodes
        .write_all_at(&missing, stored_blocks * 32)
        .map_err(Error::io(&nodes_path))?;
    state.size = size;
    *shared.state.write().expect("state lock") = state;
    shared.read_leaves(complete_blocks * BLOCK_LEAVES, size)
}

struct Writer {
    shared: Arc<Shared>,
    entries: File,
    leaves: File,
    ends: File,
    nodes: File,
    /// Offset just past the last record in `entries.log`.
    end: u64,
    size: u64,
    /// Leaf hashes of the incomplete last block.
    pending_block: Vec<Hash>,
    synced_size: u64,
    /// Set after an I/O error: the file state is unknown, so nothing more is accepted.
    failed: Option<String>,
}

impl Writer {
    fn run(mut self, requests: Receiver<AppendRequest>) {
        let mut buffer = Vec::new();
        while let Ok(first) = requests.recv() {
            // Group commit: everything queued while the previous fsync ran goes in one batch.
            let mut batch = vec![first];
            let mut entry_count = batch[0].entries.len();
            while entry_count < MAX_BATCH_ENTRIES {
                match requests.try_recv() {
                    Ok(request) => {
                        entry_count += request.entries.len();
                        batch.push(request);
                    }
                    Err(_) => break,
                }
            }
            let first_index = self.size;
            let result = match &self.failed {
                Some(reason) => Err(reason.clone()),
                None => self.commit(&batch, &mut buffer).map_err(|e| {
                    let reason = e.to_string();
                    self.failed = Some(reason.clone());
                    reason
                }),
            };
            let mut next_index = first_index;
            for request in batch {
                let count = request.entries.len() as u64;
                let reply = match &result {
                    Ok(()) => Ok(next_index..next_index + count),
                    Err(reason) => Err(Error::WriterFailed(reason.clone())),
                };
                next_index += count;
                // A requester that gave up waiting is no reason to stop.
                let _ = request.reply.send(reply);
            }
        }
        if self.failed.is_none() {
            let _ = self.sync_caches();
        }
    }

    fn commit(&mut self, batch: &[AppendRequest], buffer: &mut Vec<u8>) -> Result<(), Error> {
        let algorithm = self.shared.header.hash;
        let dir = &self.shared.dir;
        buffer.clear();
        let mut leaf_bytes = Vec::new();
        let mut end_bytes = Vec::new();
        let mut block_bytes = Vec::new();
        let mut end = self.end;
        let mut new_blocks = Vec::new();
        for entry in batch.iter().flat_map(|request| &request.entries) {
            encode_record(entry, buffer);
            end += crate::record::RECORD_HEADER_LEN + entry.len() as u64;
            let leaf = algorithm.leaf_hash(entry);
            leaf_bytes.extend_from_slice(&leaf);
            end_bytes.extend_from_slice(&end.to_le_bytes());
            self.pending_block.push(leaf);
            if self.pending_block.len() as u64 == BLOCK_LEAVES {
                let block_hash = root_of_leaves(algorithm, &self.pending_block);
                block_bytes.extend_from_slice(&block_hash);
                new_blocks.push(block_hash);
                self.pending_block.clear();
            }
        }
        let count = (end_bytes.len() / 8) as u64;
        self.entries
            .write_all(buffer)
            .map_err(Error::io(dir.join(ENTRIES_FILE)))?;
        self.entries
            .sync_data()
            .map_err(Error::io(dir.join(ENTRIES_FILE)))?;
        self.leaves
            .write_all(&leaf_bytes)
            .map_err(Error::io(dir.join(LEAVES_FILE)))?;
        self.ends
            .write_all(&end_bytes)
            .map_err(Error::io(dir.join(ENDS_FILE)))?;
        self.nodes
            .write_all(&block_bytes)
            .map_err(Error::io(dir.join(NODES_FILE)))?;
        self.end = end;
        self.size += count;
        {
            let mut state = self.shared.state.write().expect("state lock");
            for block_hash in new_blocks {
                state.push_block(algorithm, block_hash);
            }
            state.size = self.size;
        }
        if self.size - self.synced_size >= DERIVED_SYNC_INTERVAL {
            self.sync_caches()?;
        }
        Ok(())
    }

    fn sync_caches(&mut self) -> Result<(), Error> {
        let dir = &self.shared.dir;
        for (file, name) in [
            (&self.leaves, LEAVES_FILE),
            (&self.ends, ENDS_FILE),
            (&self.nodes, NODES_FILE),
        ] {
            file.sync_data().map_err(Error::io(dir.join(name)))?;
        }
        replace_durably(
            &dir.join(SYNCED_FILE),
            format!("{}\n", self.size).as_bytes(),
        )?;
        self.synced_size = self.size;
        Ok(())
    }
}
