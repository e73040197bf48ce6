#include "config.h"

/*
 * THE PAGE CIPHER
 *
 * A SQLite VFS shim over another VFS (normally unix) that encrypts every
 * page of a store's database, its WAL and its rollback journal with
 * XChaCha20-Poly1305 (libsodium, IETF construction, detached tag).  SQLite
 * above the shim sees plaintext pages; the disk below sees ciphertext.
 *
 * PAGE FORMAT (layout version 1; also in cutru-store(5))
 *
 * Every database is created with 40 reserved bytes at the end of each page
 * (header byte 20 = 40, set with SQLITE_FCNTL_RESERVE_BYTES before page 1 is
 * first written).  SQLite never stores data there, so the shim can use them:
 *
 *     [0, P-40)      ciphertext of the page's first P-40 plaintext bytes
 *     [P-40, P-16)   24-byte nonce, fresh for every write (NONCES below)
 *     [P-16, P)      16-byte Poly1305 tag
 *
 * where P is the page size (a power of two, 1024..65536).  Page 1 of the
 * database file is the exception: SQLite reads its first 100 bytes when it
 * opens the file, before it knows the page size, and re-reads 16 bytes at
 * offset 24 at the start of transactions.  Two layouts were possible: encrypt
 * page 1 entirely and fix the page size in advance (as SQLCipher does), or
 * keep header bytes 16..23 in the clear and authenticate them (as
 * SQLite3MultipleCiphers does).  We keep bytes 16..23 in the clear: they are
 * the page size, the file format versions, the reserve count and the payload
 * fractions, none of which says anything about the people in the store, and
 * having them on disk lets any page size work, lets the shim and the tools
 * check that a file really has the 40-byte reserve (byte 20) without a key,
 * and is what makes a missing reserve a clear error rather than corruption.
 * Bytes 0..15, which SQLite fills with "SQLite format 3\0", hold the format
 * tag "cutru-xc20p1" padded with NULs instead, so a plain SQLite refuses the
 * file and file(1) does not mistake it for an unencrypted database.  On page 1
 * the ciphertext therefore starts at byte 24, and bytes 0..23 are bound into
 * the tag.  The shim serves both small header reads by reading and
 * authenticating the whole of page 1; it does not advertise sub-page reads.
 *
 * The associated data of every page binds, in 58 bytes: the layout version
 * (1), the file kind ('D' database, 'W' WAL, 'J' journal), the store's random
 * 16-byte identifier, the page number, the page's position in its file (WAL
 * frame index, journal byte offset; 0 in the database, where the position is
 * the page number), for WAL frames the commit size of the frame header, and
 * for page 1 of the database its clear bytes 0..23.  So a page copied to
 * another position, another file kind, another store, or encrypted under
 * another key fails authentication.  The WAL salts are not bound: SQLite
 * writes frames with zero salts and checksums when it knows it will rewrite
 * them before the commit (after overwriting a frame in place).  Replaying an
 * older version of the same page at the same position (including a frame of
 * an earlier WAL generation at the same frame index) is not detected: nothing
 * in a page says how new it is, and detecting it would need a tree of
 * hashes anchored outside the files.
 *
 * THE WAL AND THE JOURNAL
 *
 * The shim works out what each read or write is from its offset and size,
 * never from the content alone:
 *
 *   WAL: the 32-byte header and the 24-byte frame headers (page number,
 *   commit size, salts, checksums) are stored in the clear; they hold no
 *   record content.  SQLite writes a frame as two writes (header, then page)
 *   and reads a page either alone (at frame + 24, page-sized) or, during
 *   recovery and checksum rewriting, as a whole frame; reads that stay
 *   inside the WAL header or a frame header (checksum rewriting reads the
 *   previous frame's 8 checksum bytes) pass in the clear.  Frame geometry
 *   comes from the page size in the WAL header.  The associated data of a
 *   WAL page is taken from its frame header: from the header written just
 *   before it when there was one, else read back from the file (SQLite
 *   overwrites the page of an uncommitted frame without rewriting its
 *   header, and rewrites headers with new checksums without rewriting
 *   pages; neither changes the bound fields).  SQLite's frame checksums are
 *   computed over plaintext.
 *
 *   Journal: a sector-aligned header, then records [4-byte page number]
 *   [page][4-byte checksum].  Header chunks are written at offsets that are
 *   multiples of 8; record pages always start at an offset that is 4 modulo
 *   8 (the header is a multiple of 512 bytes, a record is P + 8 bytes), so a
 *   page-sized write at 4 mod 8 (and past the first 512-byte header) is a
 *   record page, and its page number is the 4-byte field just before it,
 *   which must not be 0.  Field writes (at most 28 bytes) and header
 *   chunks (zero from byte 28 on) pass in the clear.  Nothing else is
 *   accepted: in particular a super-journal name (multi-file commits across
 *   ATTACHed databases) is refused, so such a commit fails.
 *
 *   Database: every write is one whole, aligned page; reads are whole pages
 *   or the two small header reads described above.  A page-1 write must
 *   carry SQLite's magic, its own size in bytes 16..17 and a reserve of at
 *   least 40.  This is also why VACUUM cannot change the page size of a
 *   store: SQLite would write each new, larger page as several pieces of
 *   the old size, which cannot be sealed as pages; that VACUUM fails and the
 *   store is left as it was.
 *
 * FAIL CLOSED
 *
 * Any I/O the shim cannot classify fails (SQLITE_IOERR_READ or _WRITE, and a
 * line in sqlite3_log); it never passes plaintext through.  Temporary,
 * transient, sub-journal and super-journal files are refused at open: the
 * store runs with temp_store = MEMORY, so SQLite does not ask for them.  The
 * one exception is the file SQLite's sorter writes the sorted runs of a
 * large sort to (unnamed, deleted on close, a temporary journal): the shim
 * keeps it in the process's memory (localdb/memfile.c), never on disk, and
 * wipes it; an import sorts its index records in such runs.  Memory
 * mapping is off: xFetch never returns a mapping and MMAP_SIZE reads as 0.
 * A page write of a database whose page 1 carries fewer than 40 reserved
 * bytes is refused, and so is page 1 itself: a database opened through the
 * shim without the reserve cannot commit, rather than losing the last 40
 * bytes of every page.  A WAL page write split in two (SQLite does that only
 * when the VFS does not report SQLITE_IOCAP_POWERSAFE_OVERWRITE) is refused.
 *
 * WHAT A READER SEES ON FAILURE
 *
 *   - Page 1 of the database fails authentication, carries a foreign tag, or
 *     is a plain SQLite file: SQLITE_NOTADB ("file is not a database"), the
 *     wrong-key case, at the first read of the database (cipher_db_open
 *     makes that read).  One exception keeps a store with a torn page 1
 *     repairable: the 100-byte read SQLite makes when it opens the file is
 *     answered, if the format tag and the reserve are right, with the clear
 *     header bytes and zeros (no content), so that SQLite can open the file
 *     and roll back its hot journal or recover its WAL, which rewrite page
 *     1.  A foreign tag or a plain SQLite file fails that very read.
 *   - Any other database page, a journal record, or a WAL page read through
 *     the wal-index fails: SQLITE_CORRUPT, with the file kind and page
 *     number (never content, never a path) in sqlite3_log().
 *   - A whole-frame WAL read (WAL recovery) that fails: the frame is returned
 *     as zeros, which SQLite takes as the end of the log, and a warning goes
 *     to sqlite3_log().  This is deliberate.  After a crash the last frame of
 *     an uncommitted transaction can be torn (its new header on disk, its
 *     page not yet), and SQLite itself ends the log at the first frame whose
 *     checksum fails; refusing the frame outright would make a store
 *     unopenable after every such crash.  A tampered frame is thereby
 *     treated like a truncated WAL: the store opens at its last authenticated
 *     commit, and no altered page ever reaches SQLite.
 *   - A read wholly past the end of a file: zero-filled,
 *     SQLITE_IOERR_SHORT_READ, as SQLite expects, never a failed tag.  A
 *     partial frame or record at the end of the WAL or journal (torn by a
 *     crash) is such a short read too: SQLite treats it as the end.  A
 *     partial page at the end of the database is SQLITE_CORRUPT: SQLite
 *     never needs to read one (a crash that tears it is repaired from the
 *     journal or WAL without reading it), so it can only be damage.
 *   - A whole page of zeros inside a file is a failed tag, not an empty page.
 *     For that to hold, the database file never has holes: SQLite extends
 *     it by writing its last page only, or by truncating it upwards after a
 *     checkpoint, when the pages in between were freed without being
 *     written (secure_delete off); the cipher then seals zero pages into the
 *     gap first, and ignores SIZE_HINT and CHUNK_SIZE, which would grow the
 *     file with zeros.  (A power cut between those writes and their fsync
 *     can still leave a hole among free pages; reading it, as VACUUM and
 *     the backup API do, then fails.)
 *   - Truncating the database file is noticed by SQLite itself in rollback
 *     mode (the page count in the authenticated header is larger than the
 *     file).  In WAL mode, with a WAL whose last commit covers more pages
 *     than the truncated file holds, the missing pages read as zeros: a
 *     b-tree page then fails SQLite's own checks, but the last overflow page
 *     of a long value would read as zeros.  Detecting that needs the page
 *     count the cipher does not see; it is a known limit.
 *
 * The reserve bytes of a decrypted page are returned as zeros; SQLite's pages
 * always hold zeros there, which keeps WAL checksums (computed over whole
 * pages) valid after a round trip.
 *
 * KEYS
 *
 * cipher_key_attach() records a key and store identifier under the full path
 * name of a database.  The main file of each connection takes a reference at
 * open; its -wal and -journal find that same reference through the pager's
 * file name pointer (sqlite3_filename_database() of their name is the very
 * pointer the main file was opened with), so a connection never mixes keys.
 * The -shm file is not encrypted: it holds frame numbers, page numbers,
 * salts and checksums only, and SQLite rebuilds it from the WAL when the first
 * connection opens the store, so it cannot be used to feed a page at rest.
 *
 * NONCES
 *
 * XChaCha20-Poly1305 needs only that a nonce never repeats under one key;
 * its 192-bit nonce is long enough to draw at random.  libsodium 1.0.18's
 * randombytes_buf() makes one getrandom() system call per call, so instead
 * each file handle has its own generator: a 256-bit seed drawn with
 * randombytes_buf() at the handle's first write, then the ChaCha20
 * keystream under that seed, 21 nonces (504 bytes) per refill, each refill
 * at the next 64-bit ChaCha20 nonce.  ChaCha20 under a uniformly random key
 * is indistinguishable from a random function, so these nonces are as
 * good as independent uniform draws: among q nonces under one store key,
 * from any number of handles, processes and crashes, two collide with
 * probability at most q^2 / 2^193 (about 2^-97 for 2^48 page writes, far
 * more than a store will ever make).  Nothing of a generator is stored:
 * every handle, and so every process and every restart after a crash,
 * draws a new seed, so no state can be replayed.  fork() would copy a
 * handle's generator into the child; a pthread_atfork() handler bumps a
 * generation number that makes every handle reseed before its next write
 * (SQLite forbids using a connection across fork() anyway).  SQLite never
 * uses one file handle from two threads at once, so a generator needs no
 * lock; the write-behind's two sealers (its thread, and the caller when
 * the ring lags) each have their own, each seeded so.  The seed protects nothing but uniqueness (nonces are written in
 * the clear).  A random prefix and a counter would be unique too, but
 * would put on disk the order in which each handle wrote its pages.
 *
 * PAGE 1 HEADER READS
 *
 * In rollback mode SQLite begins every read transaction by reading 16
 * bytes at offset 24 (the change counter) to learn whether another
 * connection changed the file.  Answering by decrypting the whole of page
 * 1 each time doubled the cost of an ID lookup, so each database handle
 * remembers the page 1 it last authenticated or wrote: its clear bytes
 * 0..23, its nonce and tag, and its 100-byte plaintext header.  A header
 * read reads page 1 (one read) and, when its bytes 0..23 and its last 40
 * bytes are those remembered, answers from the remembered header without
 * decrypting; otherwise it authenticates the page as before.  This is
 * sound because every write of page 1, by any connection, seals it under
 * a fresh nonce: a page 1 carrying the remembered nonce and tag is the
 * remembered page, unless its ciphertext was altered without its tag, and
 * then the values given are still the authentic ones and the next full
 * read of page 1 (which SQLite makes when the counter moved or its cache
 * is cold) fails with SQLITE_NOTADB.
 *
 * FILE SIZE
 *
 * Filling holes needs the file size before each page write.  Each database
 * handle keeps the size it last saw or made, and forgets it on every
 * xLock, xUnlock and xShmLock: SQLite writes the database file only while
 * holding a lock that stops every other connection from changing its size
 * (EXCLUSIVE in rollback mode, the checkpointer's lock in WAL mode, or an
 * exclusive locking mode), and takes that lock through one of those
 * calls, so within one run of writes the size changes only through this
 * handle's own writes and truncates, which update it.  This saves a
 * stat() per page written.
 *
 * WRITE-BEHIND
 *
 * A bulk load asks for it on its database handle (cipher_write_behind()):
 * from then on a whole-page write of the database is copied into a ring of
 * WB_SLOTS pages and returns at once; a thread of the handle's own seals
 * the pages in the order they came into runs of consecutive pages (up to
 * WB_RUN_PAGES), and a second one writes each run in one call while the
 * first seals the next into another buffer.  Over the operating system's own
 * VFS the runs are written with O_DIRECT through a descriptor of the
 * thread's, so that a commit of a million persons neither copies 900 MB
 * into the kernel's page cache nor makes the final sync write them out
 * (measured in bench/RESULTS.md); a file system that refuses direct writes
 * gets them through the VFS, and so does page 1 (db_write()).  Sealing and
 * writing are then on another core while SQLite walks its pages.  At a
 * commit SQLite hands pages over faster than one thread seals them: once
 * the ring is half full, the caller, which would only wait for room,
 * seals the page it queues itself (with a nonce generator of its own)
 * and the sealing thread copies it into the run as it is - page 1 and a
 * page without its reserve never (wb_queue(), wb_page()); the commit of a
 * million persons then takes a quarter less.  Order and meaning do not
 * change:
 *
 *   - Every other method of the handle (read, sync, truncate, file size,
 *     locks, file controls, shared memory, close) first waits until the
 *     ring is empty, the last run written and both threads idle, so
 *     nothing but page writes ever overlaps them, and a sync covers every
 *     page written before it.  The sealing thread itself lets the writing
 *     one finish before it writes through the VFS (page 1, filling a hole
 *     before a run, db_write()), so the file is never written by two
 *     threads at once.  Writes of any other shape wait likewise and
 *     are done at once.
 *   - The first failure of either thread is kept and returned by the next
 *     page write, read, sync, truncate or file size (then forgotten);
 *     pages queued after it are dropped, not written.  SQLite syncs the
 *     database before a commit is done, so a failed write fails the
 *     commit, and the rollback journal (synced before any database page is
 *     written) takes the file back, as after any failed write.
 *   - Turning it off waits for the ring, stops the threads and returns what
 *     failed, if anything.  The plaintext copies are wiped when the ring is
 *     freed; the runs hold sealed pages only.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "core/err.h"
#include "core/i18n.h"
#include "localdb/cipher.h"
#include "localdb/memfile.h"

#ifndef SQLITE_IOCAP_SUBPAGE_READ
#define SQLITE_IOCAP_SUBPAGE_READ 0x00008000
#endif

#define CIPHER_NONCE_BYTES 24
#define CIPHER_TAG_BYTES 16
#define CIPHER_AD_BYTES 58
#define CIPHER_LAYOUT_VERSION 1
#define CIPHER_CLEAR_HEADER 24        /* page 1: bytes 0..23 in the clear */

/* The nonce generator of each file: 21 nonces per ChaCha20 refill. */
#define CIPHER_RNG_SEED_BYTES 32
#define CIPHER_RNG_BUF_BYTES (21 * CIPHER_NONCE_BYTES)

/* Write-behind (WRITE-BEHIND above): pages the ring holds, pages written
 * in one call at most, and the alignment of direct writes. */
#define WB_SLOTS 256
#define WB_RUN_PAGES 256
#define WB_ALIGN 4096

#define WAL_HEADER_BYTES 32
#define WAL_FRAME_HEADER_BYTES 24
#define JOURNAL_FIELD_MAX 28          /* largest clear field write */
#define JOURNAL_FIRST_PAGE (512 + 4)  /* after the smallest header */

/* On-disk bytes 0..15 of page 1, and what SQLite expects there. */
static const unsigned char cipher_format_tag[16] = "cutru-xc20p1";
static const unsigned char sqlite_magic[16] = "SQLite format 3";

enum cipher_kind {
	KIND_DB = 'D',
	KIND_WAL = 'W',
	KIND_JOURNAL = 'J'
};

/* A key attached to a database path.  Lives while attached or referenced
 * by an open file; freed (key wiped) when neither. */
struct cipher_key {
	struct cipher_key *next;
	char *path;
	unsigned char *key;                 /* sodium_malloc, read-only */
	unsigned char store_id[CIPHER_STORE_ID_BYTES];
	int attached;
	int refs;
	int reserve_state;                  /* 0 unknown, 1 >= 40, -1 too small */
};

/* A write-behind ring (WRITE-BEHIND above).  Everything below mu is
 * guarded by it; the pages in [tail, tail + count) are queued, and the
 * one at tail is being written while busy is set. */
/* A nonce generator (NONCES above). */
struct nonce_gen {
	unsigned gen;                       /* fork generation of the seed; 0 none */
	uint64_t block;                     /* ChaCha20 nonce of the next refill */
	size_t pos;                         /* bytes of buf handed out */
	unsigned char seed[CIPHER_RNG_SEED_BYTES];
	unsigned char buf[CIPHER_RNG_BUF_BYTES];
};

struct write_behind {
	pthread_t thread;                   /* seals */
	pthread_t io;                       /* writes the sealed runs */
	pthread_mutex_t mu;
	pthread_cond_t work;                /* the sealer waits for pages */
	pthread_cond_t room;                /* the caller waits for room, idle */
	pthread_cond_t io_cv;               /* a run handed over, or written */
	int pgsz;
	unsigned char *pages;               /* WB_SLOTS pages of pgsz */
	sqlite3_int64 off[WB_SLOTS];
	unsigned char sealed[WB_SLOTS];     /* the slot holds the sealed page */
	unsigned tail, count;
	unsigned seal_from;                 /* the caller seals a page itself
	                                     * once count reaches this */
	struct nonce_gen caller_rng;        /* the caller's nonces */
	int busy;                           /* the sealer works unlocked */
	int staged;                         /* run_n > 0 */
	int stop;
	int err;                            /* first failure, until reported */
	int thread_waits, caller_waits;
	int io_has;                         /* a run is being written */
	const unsigned char *io_buf;        /* it: pages, where, how many */
	sqlite3_int64 io_off;
	size_t io_n;
	/* the sealer's own */
	unsigned char *runs[2];             /* sealed pages, WB_ALIGN-aligned */
	int cur;                            /* runs[cur] is run */
	unsigned char *run;
	size_t run_n;                       /* pages in run */
	sqlite3_int64 run_off;              /* offset of the first */
	sqlite3_int64 wsize;                /* file size once the runs handed
	                                     * over are written; -1 unknown,
	                                     * as after every wait for the
	                                     * ring (wb_quiesce()) */
	/* the I/O thread's own */
	int dfd;                            /* O_DIRECT descriptor, or -1 */
};

struct cipher_vfs {
	sqlite3_vfs base;
	sqlite3_vfs *real;
	struct cipher_vfs *next;
	char name[64];
};

struct cipher_file {
	sqlite3_file base;
	sqlite3_file *real;                 /* lives right after this struct */
	struct cipher_key *k;
	enum cipher_kind kind;
	const char *zname;                  /* main db: the name it was opened with */
	struct cipher_file *next_main;      /* list of open main files */
	unsigned char *scratch;
	size_t scratch_len;
	struct write_behind *wb;            /* WRITE-BEHIND above; NULL off */
	int direct_ok;                      /* over the OS's own VFS */
	struct nonce_gen rng;               /* nonces (NONCES above) */
	/* database */
	int db_pgsz;                        /* from page 1, 0 until seen */
	sqlite3_int64 db_size;              /* file size while locked, -1 unknown */
	int p1_valid;                       /* p1_* describe an authentic page 1 */
	unsigned char p1_clear[CIPHER_CLEAR_HEADER]; /* its on-disk bytes 0..23 */
	unsigned char p1_seal[CIPHER_RESERVE_BYTES]; /* its nonce and tag */
	unsigned char p1_head[100];         /* its plaintext database header */
	/* WAL */
	int wal_pgsz;
	sqlite3_int64 hdr_off;              /* offset of hdr, -1 if none */
	unsigned char hdr[WAL_FRAME_HEADER_BYTES];
	/* journal */
	sqlite3_int64 pgno_off;             /* offset of pgno_field, -1 if none */
	uint32_t pgno_field;
};

/* The file-type bits of an xOpen's flags. */
#define CIPHER_OPEN_TYPES (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_TEMP_DB | \
	SQLITE_OPEN_TRANSIENT_DB | SQLITE_OPEN_MAIN_JOURNAL | \
	SQLITE_OPEN_TEMP_JOURNAL | SQLITE_OPEN_SUBJOURNAL | \
	SQLITE_OPEN_SUPER_JOURNAL | SQLITE_OPEN_WAL)

/* sizeof(struct cipher_file) rounded up so the real file stays aligned. */
#define CIPHER_FILE_SZ ((sizeof(struct cipher_file) + 15) & ~(size_t)15)

static pthread_mutex_t cipher_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cipher_key *cipher_keys;
static struct cipher_vfs *cipher_vfses;
static struct cipher_file *cipher_mains;

/* Bumped in the child after fork(), so that no nonce generator state is
 * used by two processes (NONCES above).  Never 0. */
static unsigned cipher_fork_gen = 1;
static pthread_once_t cipher_atfork_once = PTHREAD_ONCE_INIT;

/* ---- small helpers ------------------------------------------------ */

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static int
is_page_size(sqlite3_int64 n)
{
	return n >= 1024 && n <= 65536 && (n & (n - 1)) == 0;
}

static int
all_zero(const unsigned char *p, size_t n)
{
	unsigned char acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* The page size stored in a database header (bytes 16..17, 1 = 65536). */
static int
header_page_size(const unsigned char *h)
{
	int v = h[16] << 8 | h[17];

	return v == 1 ? 65536 : v;
}

static unsigned char *
scratch_get(struct cipher_file *f, size_t n)
{
	unsigned char *p;

	if (f->scratch_len >= n)
		return f->scratch;
	p = sqlite3_realloc64(f->scratch, n);
	if (p == NULL)
		return NULL;
	f->scratch = p;
	f->scratch_len = n;
	return p;
}

static void
scratch_wipe(struct cipher_file *f, size_t n)
{
	if (f->scratch != NULL)
		sodium_memzero(f->scratch, n < f->scratch_len ? n : f->scratch_len);
}

/* ---- nonces ------------------------------------------------------- */

static void
fork_child(void)
{
	unsigned g = __atomic_load_n(&cipher_fork_gen, __ATOMIC_RELAXED) + 1;

	__atomic_store_n(&cipher_fork_gen, g != 0 ? g : 1, __ATOMIC_RELAXED);
}

static void
atfork_register(void)
{
	(void)pthread_atfork(NULL, NULL, fork_child);
}

/* A fresh nonce (see NONCES above): the next 24 bytes of a ChaCha20
 * keystream under this file's seed, reseeded from the operating system at
 * its first write and after a fork. */
static void
nonce_next(struct nonce_gen *r, unsigned char nonce[CIPHER_NONCE_BYTES])
{
	unsigned char n8[8];
	unsigned gen = __atomic_load_n(&cipher_fork_gen, __ATOMIC_RELAXED);

	if (r->gen != gen) {
		randombytes_buf(r->seed, sizeof r->seed);
		r->gen = gen;
		r->block = 0;
		r->pos = sizeof r->buf;
	}
	if (r->pos == sizeof r->buf) {
		put_le64(n8, r->block++);
		crypto_stream_chacha20(r->buf, sizeof r->buf, n8, r->seed);
		r->pos = 0;
	}
	memcpy(nonce, r->buf + r->pos, CIPHER_NONCE_BYTES);
	r->pos += CIPHER_NONCE_BYTES;
}

static void
nonce_forget(struct nonce_gen *r)
{
	sodium_memzero(r, sizeof *r);
}

/* ---- keys --------------------------------------------------------- */

static void
key_free(struct cipher_key *k)
{
	if (k == NULL)
		return;
	if (k->key != NULL)
		sodium_free(k->key);
	free(k->path);
	sodium_memzero(k->store_id, sizeof k->store_id);
	free(k);
}

/* Unlink and free k if it is neither attached nor referenced.  Lock held. */
static void
key_maybe_free(struct cipher_key *k)
{
	struct cipher_key **pp;

	if (k->attached || k->refs > 0)
		return;
	for (pp = &cipher_keys; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	}
	key_free(k);
}

static struct cipher_key *
key_find_attached(const char *path)
{
	struct cipher_key *k;

	for (k = cipher_keys; k != NULL; k = k->next)
		if (k->attached && strcmp(k->path, path) == 0)
			return k;
	return NULL;
}

/* Full path name of db_path as SQLite's default VFS resolves it, which is
 * what xOpen will be given.  Caller frees the result with free(). */
static char *
full_path(const char *db_path)
{
	sqlite3_vfs *d;
	char *buf;

	if (sqlite3_initialize() != SQLITE_OK)
		return NULL;
	d = sqlite3_vfs_find(NULL);
	if (d == NULL)
		return NULL;
	buf = malloc((size_t)d->mxPathname + 1);
	if (buf == NULL)
		return NULL;
	if (d->xFullPathname(d, db_path, d->mxPathname + 1, buf) != SQLITE_OK) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- the associated data and the AEAD ----------------------------- */

/* Layout (58 bytes): version, kind, store id[16], pgno (LE32), position
 * (LE64), commit size (LE32; WAL frames only), clear[24] (page 1 of the
 * database: its on-disk bytes 0..23).  Unused fields are zero. */
static void
ad_build(unsigned char ad[CIPHER_AD_BYTES], const struct cipher_key *k,
    enum cipher_kind kind, uint32_t pgno, uint64_t pos, uint32_t commit,
    const unsigned char *clear24)
{
	memset(ad, 0, CIPHER_AD_BYTES);
	ad[0] = CIPHER_LAYOUT_VERSION;
	ad[1] = (unsigned char)kind;
	memcpy(ad + 2, k->store_id, CIPHER_STORE_ID_BYTES);
	put_le32(ad + 18, pgno);
	put_le64(ad + 22, pos);
	put_le32(ad + 30, commit);
	if (clear24 != NULL)
		memcpy(ad + 34, clear24, CIPHER_CLEAR_HEADER);
}

/* Encrypt in[start, n-40) into out[start, n-40) under f's key and put a
 * fresh nonce and the tag in out[n-40, n).  out[0, start) is the
 * caller's. */
static void
page_seal_with(struct nonce_gen *r, const struct cipher_key *k,
    const unsigned char *ad, const unsigned char *in, unsigned char *out,
    size_t n, size_t start)
{
	unsigned char *nonce = out + n - CIPHER_RESERVE_BYTES;
	unsigned char *tag = out + n - CIPHER_TAG_BYTES;

	nonce_next(r, nonce);
	crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out + start, tag,
	    NULL, in + start, n - CIPHER_RESERVE_BYTES - start, ad,
	    CIPHER_AD_BYTES, NULL, nonce, k->key);
}

static void
page_seal(struct cipher_file *f, const unsigned char *ad,
    const unsigned char *in, unsigned char *out, size_t n, size_t start)
{
	page_seal_with(&f->rng, f->k, ad, in, out, n, start);
}

/* Authenticate the sealed page in[0, n) and decrypt in[start, n-40) into
 * out[start, n-40) (out may be in); zero out's reserve.  out[0, start) is
 * the caller's.  Returns 0, or -1 with out[0, n) zeroed. */
static int
page_open_to(const struct cipher_key *k, const unsigned char *ad,
    const unsigned char *in, unsigned char *out, size_t n, size_t start)
{
	const unsigned char *nonce = in + n - CIPHER_RESERVE_BYTES;
	const unsigned char *tag = in + n - CIPHER_TAG_BYTES;

	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(out + start,
	    NULL, in + start, n - CIPHER_RESERVE_BYTES - start, tag, ad,
	    CIPHER_AD_BYTES, nonce, k->key) != 0) {
		sodium_memzero(out, n);
		return -1;
	}
	memset(out + n - CIPHER_RESERVE_BYTES, 0, CIPHER_RESERVE_BYTES);
	return 0;
}

/* page_open_to in place. */
static int
page_open(const struct cipher_key *k, const unsigned char *ad,
    unsigned char *buf, size_t n, size_t start)
{
	return page_open_to(k, ad, buf, buf, n, start);
}

static int
reserve_state(const struct cipher_key *k)
{
	return __atomic_load_n(&k->reserve_state, __ATOMIC_ACQUIRE);
}

static void
reserve_note(struct cipher_key *k, int reserve)
{
	__atomic_store_n(&k->reserve_state, reserve >= CIPHER_RESERVE_BYTES ?
	    1 : -1, __ATOMIC_RELEASE);
}

/* Real reads.  A short read leaves the buffer zero-filled (the VFS contract)
 * and is reported as SQLITE_IOERR_SHORT_READ. */
static int
real_read(struct cipher_file *f, void *buf, int amt, sqlite3_int64 off)
{
	return f->real->pMethods->xRead(f->real, buf, amt, off);
}

static int
real_write(struct cipher_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	return f->real->pMethods->xWrite(f->real, buf, amt, off);
}

/* ---- the database file -------------------------------------------- */

/* Read page 1 (size n) into buf and authenticate it.  rc as xRead. */
static int
db_read_page1(struct cipher_file *f, unsigned char *buf, int n)
{
	unsigned char ad[CIPHER_AD_BYTES];
	int rc;

	rc = real_read(f, buf, n, 0);
	if (rc == SQLITE_IOERR_SHORT_READ) {
		if (all_zero(buf, (size_t)n))
			return rc;
		sodium_memzero(buf, (size_t)n);
		sqlite3_log(SQLITE_NOTADB,
		    "cutru-cipher: database page 1 is truncated");
		return SQLITE_NOTADB;
	}
	if (rc != SQLITE_OK)
		return rc;
	if (memcmp(buf, cipher_format_tag, 16) != 0) {
		sqlite3_log(SQLITE_NOTADB, memcmp(buf, sqlite_magic, 16) == 0 ?
		    "cutru-cipher: database is not encrypted" :
		    "cutru-cipher: database has no cutru format tag");
		sodium_memzero(buf, (size_t)n);
		return SQLITE_NOTADB;
	}
	if (header_page_size(buf) != n || buf[20] < CIPHER_RESERVE_BYTES) {
		sqlite3_log(SQLITE_NOTADB, "cutru-cipher: database page 1 "
		    "header does not match its size or reserve");
		sodium_memzero(buf, (size_t)n);
		return SQLITE_NOTADB;
	}
	ad_build(ad, f->k, KIND_DB, 1, 0, 0, buf);
	f->p1_valid = 0;
	memcpy(f->p1_clear, buf, CIPHER_CLEAR_HEADER);
	memcpy(f->p1_seal, buf + n - CIPHER_RESERVE_BYTES, CIPHER_RESERVE_BYTES);
	if (page_open(f->k, ad, buf, (size_t)n, CIPHER_CLEAR_HEADER) != 0) {
		sqlite3_log(SQLITE_NOTADB, "cutru-cipher: database page 1 failed "
		    "authentication (wrong key, or not this store)");
		return SQLITE_NOTADB;
	}
	memcpy(buf, sqlite_magic, 16);
	reserve_note(f->k, buf[20]);
	f->db_pgsz = n;
	memcpy(f->p1_head, buf, sizeof f->p1_head);
	f->p1_valid = 1;
	return SQLITE_OK;
}

/* Serve a read inside the database header from p1_head if page 1 on disk
 * is still the sealed page it was taken from: same clear bytes, same nonce
 * and tag (PAGE 1 HEADER READS above).  Returns 1 if served, 0 if the
 * caller must read and authenticate page 1 (nothing is written to out). */
static int
db_read_header_cached(struct cipher_file *f, unsigned char *out, int amt,
    sqlite3_int64 off)
{
	unsigned char *page;
	int n = f->db_pgsz;

	if (!f->p1_valid || n == 0)
		return 0;
	page = scratch_get(f, (size_t)n);
	if (page == NULL || real_read(f, page, n, 0) != SQLITE_OK ||
	    memcmp(page, f->p1_clear, CIPHER_CLEAR_HEADER) != 0 ||
	    memcmp(page + n - CIPHER_RESERVE_BYTES, f->p1_seal,
	    CIPHER_RESERVE_BYTES) != 0)
		return 0;
	memcpy(out, f->p1_head + off, (size_t)amt);
	return 1;
}

/* A read inside the 100-byte database header: read all of page 1. */
static int
db_read_header(struct cipher_file *f, unsigned char *out, int amt,
    sqlite3_int64 off)
{
	unsigned char head[CIPHER_CLEAR_HEADER];
	unsigned char *page;
	int rc, n;

	if (db_read_header_cached(f, out, amt, off))
		return SQLITE_OK;
	rc = real_read(f, head, (int)sizeof head, 0);
	if (rc == SQLITE_IOERR_SHORT_READ && all_zero(head, sizeof head)) {
		memset(out, 0, (size_t)amt);
		return rc;
	}
	if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
		return rc;
	n = header_page_size(head);
	if (rc != SQLITE_OK || !is_page_size(n)) {
		sqlite3_log(SQLITE_NOTADB,
		    "cutru-cipher: database header is not a cutru header");
		memset(out, 0, (size_t)amt);
		return SQLITE_NOTADB;
	}
	page = scratch_get(f, (size_t)n);
	if (page == NULL)
		return SQLITE_IOERR_NOMEM;
	rc = db_read_page1(f, page, n);
	if (rc == SQLITE_OK) {
		memcpy(out, page + off, (size_t)amt);
	} else if (rc == SQLITE_NOTADB && off == 0 &&
	    memcmp(head, cipher_format_tag, 16) == 0 &&
	    head[20] >= CIPHER_RESERVE_BYTES) {
		/* The read SQLite makes while opening the file.  Page 1 may be
		 * torn by a failed write that a hot journal or the WAL will
		 * repair, so answer with the clear bytes only (SQLite takes the
		 * page size, format and reserve from them) and let the first
		 * full read of page 1, after recovery, say SQLITE_NOTADB if it
		 * is still bad. */
		memset(page, 0, CIPHER_CLEAR_HEADER);
		memcpy(page, sqlite_magic, 16);
		memcpy(page + 16, head + 16, CIPHER_CLEAR_HEADER - 16);
		memset(out, 0, (size_t)amt);
		memcpy(out, page, (size_t)(amt < CIPHER_CLEAR_HEADER ? amt :
		    CIPHER_CLEAR_HEADER));
		rc = SQLITE_OK;
	} else {
		memset(out, 0, (size_t)amt);
	}
	scratch_wipe(f, (size_t)n);
	return rc;
}

static int
db_read(struct cipher_file *f, unsigned char *buf, int amt, sqlite3_int64 off)
{
	unsigned char ad[CIPHER_AD_BYTES];
	uint32_t pgno;
	int rc;

	if (is_page_size(amt) && off % amt == 0) {
		pgno = (uint32_t)(off / amt) + 1;
		if (pgno == 1)
			return db_read_page1(f, buf, amt);
		rc = real_read(f, buf, amt, off);
		if (rc == SQLITE_IOERR_SHORT_READ) {
			if (all_zero(buf, (size_t)amt))
				return rc;      /* past the end of the file */
			sodium_memzero(buf, (size_t)amt);
			sqlite3_log(SQLITE_CORRUPT, "cutru-cipher: database page "
			    "%u is cut short", (unsigned)pgno);
			return SQLITE_CORRUPT;
		}
		if (rc != SQLITE_OK)
			return rc;
		ad_build(ad, f->k, KIND_DB, pgno, 0, 0, NULL);
		if (page_open(f->k, ad, buf, (size_t)amt, 0) != 0) {
			sqlite3_log(SQLITE_CORRUPT, "cutru-cipher: database page "
			    "%u failed authentication", (unsigned)pgno);
			return SQLITE_CORRUPT;
		}
		return SQLITE_OK;
	}
	if (off >= 0 && amt > 0 && off + amt <= 100)
		return db_read_header(f, buf, amt, off);
	sqlite3_log(SQLITE_IOERR_READ, "cutru-cipher: refused a database read "
	    "of %d bytes at offset %lld", amt, (long long)off);
	memset(buf, 0, (size_t)(amt > 0 ? amt : 0));
	return SQLITE_IOERR_READ;
}

/* Make the file at least `size` bytes long by appending sealed zero pages
 * of n bytes, so that no page inside the file is ever a hole.  Page 1 is
 * never written here: it is SQLite's to write.  A file whose size is not a
 * multiple of n (a page torn by a crash) is left alone. */
static int
db_fill_to(struct cipher_file *f, sqlite3_int64 size, int n)
{
	static const unsigned char zero[65536];
	unsigned char ad[CIPHER_AD_BYTES], *out;
	sqlite3_int64 cur, off;
	int rc;

	if (f->db_size < 0) {
		rc = f->real->pMethods->xFileSize(f->real, &cur);
		if (rc != SQLITE_OK)
			return rc;
		f->db_size = cur;
	}
	cur = f->db_size;
	if (cur >= size || cur % n != 0)
		return SQLITE_OK;
	out = scratch_get(f, (size_t)n);
	if (out == NULL)
		return SQLITE_IOERR_NOMEM;
	for (off = cur < n ? n : cur; off + n <= size; off += n) {
		ad_build(ad, f->k, KIND_DB, (uint32_t)(off / n) + 1, 0, 0, NULL);
		page_seal(f, ad, zero, out, (size_t)n, 0);
		rc = real_write(f, out, n, off);
		if (rc != SQLITE_OK) {
			f->db_size = -1;
			return rc;
		}
		f->db_size = off + n;
	}
	return SQLITE_OK;
}

static int
db_write(struct cipher_file *f, const unsigned char *buf, int amt,
    sqlite3_int64 off)
{
	unsigned char ad[CIPHER_AD_BYTES];
	unsigned char *out;
	uint32_t pgno;
	int rc;

	if (!is_page_size(amt) || off % amt != 0) {
		sqlite3_log(SQLITE_IOERR_WRITE, "cutru-cipher: refused a database "
		    "write of %d bytes at offset %lld", amt, (long long)off);
		return SQLITE_IOERR_WRITE;
	}
	pgno = (uint32_t)(off / amt) + 1;
	out = scratch_get(f, (size_t)amt);
	if (out == NULL)
		return SQLITE_IOERR_NOMEM;
	if (pgno == 1) {
		if (memcmp(buf, sqlite_magic, 16) != 0 ||
		    header_page_size(buf) != amt) {
			sqlite3_log(SQLITE_IOERR_WRITE, "cutru-cipher: refused a "
			    "page 1 that is not a database header");
			return SQLITE_IOERR_WRITE;
		}
		reserve_note(f->k, buf[20]);
		f->db_pgsz = amt;
		if (buf[20] < CIPHER_RESERVE_BYTES) {
			sqlite3_log(SQLITE_IOERR_WRITE, "cutru-cipher: refused "
			    "page 1: %d reserved bytes, 40 needed", buf[20]);
			return SQLITE_IOERR_WRITE;
		}
		memcpy(out, cipher_format_tag, 16);
		memcpy(out + 16, buf + 16, CIPHER_CLEAR_HEADER - 16);
		ad_build(ad, f->k, KIND_DB, 1, 0, 0, out);
		page_seal(f, ad, buf, out, (size_t)amt, CIPHER_CLEAR_HEADER);
		f->p1_valid = 0;
		rc = real_write(f, out, amt, off);
		if (rc == SQLITE_OK) {
			memcpy(f->p1_clear, out, CIPHER_CLEAR_HEADER);
			memcpy(f->p1_seal, out + amt - CIPHER_RESERVE_BYTES,
			    CIPHER_RESERVE_BYTES);
			memcpy(f->p1_head, buf, sizeof f->p1_head);
			f->p1_valid = 1;
		}
	} else {
		if (reserve_state(f->k) < 0) {
			sqlite3_log(SQLITE_IOERR_WRITE, "cutru-cipher: refused "
			    "page %u: the database has no 40-byte reserve",
			    (unsigned)pgno);
			return SQLITE_IOERR_WRITE;
		}
		/* SQLite extends a file by writing its last page only (after
		 * a rollback, or when pages in between were freed unwritten):
		 * seal the pages in between first. */
		rc = db_fill_to(f, off, amt);
		if (rc != SQLITE_OK)
			return rc;
		ad_build(ad, f->k, KIND_DB, pgno, 0, 0, NULL);
		page_seal(f, ad, buf, out, (size_t)amt, 0);
		rc = real_write(f, out, amt, off);
	}
	if (rc != SQLITE_OK)
		f->db_size = -1;
	else if (f->db_size >= 0 && off + amt > f->db_size)
		f->db_size = off + amt;
	return rc;
}

/* ---- write-behind (WRITE-BEHIND above) --------------------------- */

/* Write n sealed pages at off in one call (the I/O thread), directly when
 * it can, else through the VFS. */
static int
wb_io_write(struct cipher_file *f, const unsigned char *buf,
    sqlite3_int64 off, size_t n)
{
	struct write_behind *w = f->wb;
	size_t len = n * (size_t)w->pgsz, done = 0, i;
	ssize_t r;
	int rc = SQLITE_OK;

	while (w->dfd >= 0 && done < len) {
		r = pwrite(w->dfd, buf + done, len - done,
		    (off_t)(off + (sqlite3_int64)done));
		if (r > 0) {
			done += (size_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && errno == EINVAL && done == 0) {
			/* This file system or device does not take direct
			 * writes of this shape: through the VFS from now on. */
			close(w->dfd);
			w->dfd = -1;
		} else {
			rc = r < 0 && (errno == ENOSPC || errno == EDQUOT) ?
			    SQLITE_FULL : SQLITE_IOERR_WRITE;
			sqlite3_log(rc, "cutru-cipher: a direct write of %zu "
			    "database pages failed (errno %d)", n,
			    r < 0 ? errno : 0);
			break;
		}
	}
	for (i = done / (size_t)w->pgsz; rc == SQLITE_OK && i < n; i++)
		rc = real_write(f, buf + i * (size_t)w->pgsz, w->pgsz,
		    off + (sqlite3_int64)i * w->pgsz);
	if (rc != SQLITE_OK)
		f->db_size = -1;
	else if (f->db_size >= 0 && off + (sqlite3_int64)len > f->db_size)
		f->db_size = off + (sqlite3_int64)len;
	return rc;
}

static void *
wb_io_main(void *arg)
{
	struct cipher_file *f = arg;
	struct write_behind *w = f->wb;
	const unsigned char *buf;
	sqlite3_int64 off;
	size_t n;
	int rc;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->io_has && !w->stop)
			pthread_cond_wait(&w->io_cv, &w->mu);
		if (!w->io_has)
			break;
		buf = w->io_buf;
		off = w->io_off;
		n = w->io_n;
		pthread_mutex_unlock(&w->mu);
		rc = wb_io_write(f, buf, off, n);
		pthread_mutex_lock(&w->mu);
		if (rc != SQLITE_OK && w->err == SQLITE_OK)
			w->err = rc;
		w->io_has = 0;
		pthread_cond_broadcast(&w->io_cv);
		if (w->caller_waits)
			pthread_cond_broadcast(&w->room);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Wait until the I/O thread has written what it was given (the sealing
 * thread, before it uses the file itself). */
static void
wb_io_wait(struct write_behind *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->io_has)
		pthread_cond_wait(&w->io_cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

/* Hand the run gathered so far to the I/O thread and gather the next one
 * in the other buffer. */
static void
wb_run_hand(struct write_behind *w)
{
	if (w->run_n == 0)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->io_has)
		pthread_cond_wait(&w->io_cv, &w->mu);
	if (w->err == SQLITE_OK) {
		w->io_buf = w->run;
		w->io_off = w->run_off;
		w->io_n = w->run_n;
		w->io_has = 1;
		pthread_cond_broadcast(&w->io_cv);
	}
	pthread_mutex_unlock(&w->mu);
	if (w->wsize >= 0 && w->run_off + (sqlite3_int64)w->run_n * w->pgsz >
	    w->wsize)
		w->wsize = w->run_off + (sqlite3_int64)w->run_n * w->pgsz;
	w->cur ^= 1;
	w->run = w->runs[w->cur];
	w->run_n = 0;
}

/* Seal one queued page into the run (handing the run over first when the
 * page does not follow it or it is full); page 1 and a database without
 * its reserve take db_write()'s way.  A run that would begin past the end
 * of the file is preceded by db_fill_to(), as in db_write(). */
static int
wb_page(struct cipher_file *f, const unsigned char *page, sqlite3_int64 off,
    int sealed)
{
	struct write_behind *w = f->wb;
	unsigned char ad[CIPHER_AD_BYTES];
	uint32_t pgno = (uint32_t)(off / w->pgsz) + 1;
	int rc;

	if (w->run_n > 0 && (w->run_n == WB_RUN_PAGES ||
	    off != w->run_off + (sqlite3_int64)w->run_n * w->pgsz))
		wb_run_hand(w);
	/* The caller seals neither (wb_queue()): a sealed page here would be
	 * sealed twice. */
	if (sealed && (pgno == 1 || reserve_state(f->k) <= 0))
		return SQLITE_IOERR_WRITE;
	if (pgno == 1 || reserve_state(f->k) <= 0) {
		wb_run_hand(w);
		wb_io_wait(w);
		rc = db_write(f, page, w->pgsz, off);
		w->wsize = f->db_size;
		return rc;
	}
	if (w->run_n == 0) {
		if (w->wsize < 0 || off > w->wsize) {
			wb_io_wait(w);
			if ((rc = db_fill_to(f, off, w->pgsz)) != SQLITE_OK)
				return rc;
			w->wsize = f->db_size;
		}
		w->run_off = off;
	}
	if (sealed)
		memcpy(w->run + w->run_n * (size_t)w->pgsz, page,
		    (size_t)w->pgsz);
	else {
		ad_build(ad, f->k, KIND_DB, pgno, 0, 0, NULL);
		page_seal(f, ad, page, w->run + w->run_n * (size_t)w->pgsz,
		    (size_t)w->pgsz, 0);
	}
	w->run_n++;
	return SQLITE_OK;
}

static void *
wb_main(void *arg)
{
	struct cipher_file *f = arg;
	struct write_behind *w = f->wb;
	unsigned slot;
	int rc, skip;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->count == 0 && !w->stop &&
		    !(w->staged && w->caller_waits)) {
			w->thread_waits = 1;
			pthread_cond_wait(&w->work, &w->mu);
			w->thread_waits = 0;
		}
		if (w->count == 0 && !w->staged && w->stop)
			break;
		w->busy = 1;
		rc = SQLITE_OK;
		if (w->count == 0) {
			/* Someone waits for the pages, or the end: hand over
			 * the run gathered so far. */
			pthread_mutex_unlock(&w->mu);
			wb_run_hand(w);
			pthread_mutex_lock(&w->mu);
			w->staged = 0;
		} else {
			slot = w->tail;
			skip = w->err != SQLITE_OK;
			pthread_mutex_unlock(&w->mu);
			if (!skip)
				rc = wb_page(f, w->pages + (size_t)slot *
				    (size_t)w->pgsz, w->off[slot],
				    w->sealed[slot]);
			pthread_mutex_lock(&w->mu);
			w->tail = (w->tail + 1) % WB_SLOTS;
			w->count--;
			w->staged = w->run_n > 0;
		}
		if (rc != SQLITE_OK && w->err == SQLITE_OK)
			w->err = rc;
		if (w->err != SQLITE_OK)
			w->run_n = 0, w->staged = 0;
		w->busy = 0;
		if (w->caller_waits && (w->count <= WB_SLOTS / 2 ||
		    w->err != SQLITE_OK))
			pthread_cond_broadcast(&w->room);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Wait until every queued page is written and both threads idle (lock
 * held). */
static void
wb_wait_idle(struct write_behind *w)
{
	while (w->count > 0 || w->busy || w->staged || w->io_has) {
		w->caller_waits = 1;
		if (w->thread_waits)
			pthread_cond_signal(&w->work);
		pthread_cond_wait(&w->room, &w->mu);
		w->caller_waits = 0;
	}
}

/* Wait until the ring is written.  Returns the failure kept, forgetting
 * it if report is set; SQLITE_OK when off. */
static int
wb_quiesce(struct cipher_file *f, int report)
{
	struct write_behind *w = f->wb;
	int rc;

	if (w == NULL)
		return SQLITE_OK;
	pthread_mutex_lock(&w->mu);
	wb_wait_idle(w);
	rc = w->err;
	if (report)
		w->err = SQLITE_OK;
	/* What comes next (a truncate, another connection's commit between
	 * locks) may change the file's size: the sealing thread asks again
	 * before its next run. */
	w->wsize = -1;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* Queue a copy of a whole, aligned page for the thread. */
static int
wb_queue(struct cipher_file *f, const void *buf, sqlite3_int64 off)
{
	struct write_behind *w = f->wb;
	unsigned char ad[CIPHER_AD_BYTES];
	uint32_t pgno = (uint32_t)(off / w->pgsz) + 1;
	unsigned slot;
	int rc, seal;

	pthread_mutex_lock(&w->mu);
	while (w->count == WB_SLOTS && w->err == SQLITE_OK) {
		w->caller_waits = 1;
		pthread_cond_wait(&w->room, &w->mu);
		w->caller_waits = 0;
	}
	if ((rc = w->err) != SQLITE_OK) {
		/* Report it now; the thread drops what is still queued while
		 * err is set, and this page is not queued. */
		wb_wait_idle(w);
		w->err = SQLITE_OK;
		pthread_mutex_unlock(&w->mu);
		return rc;
	}
	slot = (w->tail + w->count) % WB_SLOTS;
	/* When the sealer lags (at commit, SQLite hands its pages over
	 * faster than one thread seals them), the caller, which would only
	 * wait, seals this page itself, with nonces of its own, into the
	 * slot: the slot is not the sealer's until count covers it.  Never
	 * page 1 nor a page without room for its seal (wb_page()). */
	seal = w->count >= w->seal_from && pgno != 1 &&
	    reserve_state(f->k) > 0;
	if (seal) {
		pthread_mutex_unlock(&w->mu);
		ad_build(ad, f->k, KIND_DB, pgno, 0, 0, NULL);
		page_seal_with(&w->caller_rng, f->k, ad, buf, w->pages +
		    (size_t)slot * (size_t)w->pgsz, (size_t)w->pgsz, 0);
		pthread_mutex_lock(&w->mu);
	} else
		memcpy(w->pages + (size_t)slot * (size_t)w->pgsz, buf,
		    (size_t)w->pgsz);
	w->sealed[slot] = (unsigned char)seal;
	w->off[slot] = off;
	w->count++;
	if (w->thread_waits)
		pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	return SQLITE_OK;
}

static void
wb_free(struct write_behind *w)
{
	if (w->pages != NULL) {
		sodium_memzero(w->pages, (size_t)WB_SLOTS * (size_t)w->pgsz);
		free(w->pages);
	}
	free(w->runs[0]);
	free(w->runs[1]);
	nonce_forget(&w->caller_rng);
	if (w->dfd >= 0)
		close(w->dfd);
	free(w);
}

static void
wb_sync_free(struct write_behind *w)
{
	pthread_cond_destroy(&w->io_cv);
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	wb_free(w);
}

/* Stop the threads after the ring is written; returns what failed. */
static int
wb_stop(struct cipher_file *f)
{
	struct write_behind *w = f->wb;
	int rc;

	if (w == NULL)
		return SQLITE_OK;
	pthread_mutex_lock(&w->mu);
	wb_wait_idle(w);
	rc = w->err;
	w->stop = 1;
	pthread_cond_signal(&w->work);
	pthread_cond_broadcast(&w->io_cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_join(w->io, NULL);
	f->wb = NULL;
	wb_sync_free(w);
	return rc;
}

/* Start write-behind on a database handle whose page size is known. */
static int
wb_start(struct cipher_file *f, int on)
{
	struct write_behind *w;
	pthread_cond_t *cv[3];
	size_t runsz, made = 0;
	void *r0 = NULL, *r1 = NULL;

	if (f->wb != NULL)
		return SQLITE_OK;
	if (f->kind != KIND_DB || f->db_pgsz == 0)
		return SQLITE_MISUSE;
	if ((w = calloc(1, sizeof *w)) == NULL)
		return SQLITE_NOMEM;
	/* Half a ring behind, the caller helps; 2 (for the tests): always. */
	w->seal_from = on == 2 ? 0 : WB_SLOTS / 2;
	w->dfd = -1;
	w->wsize = -1;
	w->pgsz = f->db_pgsz;
	runsz = (size_t)WB_RUN_PAGES * (size_t)w->pgsz;
	w->pages = malloc((size_t)WB_SLOTS * (size_t)w->pgsz);
	if (w->pages == NULL || posix_memalign(&r0, WB_ALIGN, runsz) != 0 ||
	    (w->runs[0] = r0, posix_memalign(&r1, WB_ALIGN, runsz) != 0)) {
		wb_free(w);
		return SQLITE_NOMEM;
	}
	w->runs[1] = r1;
	w->run = w->runs[0];
#ifdef O_DIRECT
	/* Direct writes only over the operating system's own VFS (a test's
	 * fault-injecting VFS must see every write) and for pages of the
	 * usual block alignment; like SQLite's own, the descriptor follows
	 * no symbolic link (the store's folder is private, cutru-store(5)). */
	if (f->direct_ok && w->pgsz % WB_ALIGN == 0)
		w->dfd = open(f->zname, O_WRONLY | O_DIRECT | O_NOFOLLOW |
		    O_CLOEXEC);
#endif
	if (pthread_mutex_init(&w->mu, NULL) != 0) {
		wb_free(w);
		return SQLITE_NOMEM;
	}
	cv[0] = &w->work;
	cv[1] = &w->room;
	cv[2] = &w->io_cv;
	while (made < 3 && pthread_cond_init(cv[made], NULL) == 0)
		made++;
	if (made < 3) {
		while (made > 0)
			pthread_cond_destroy(cv[--made]);
		pthread_mutex_destroy(&w->mu);
		wb_free(w);
		return SQLITE_NOMEM;
	}
	f->wb = w;
	if (pthread_create(&w->io, NULL, wb_io_main, f) != 0) {
		f->wb = NULL;
		wb_sync_free(w);
		return SQLITE_NOMEM;
	}
	if (pthread_create(&w->thread, NULL, wb_main, f) != 0) {
		pthread_mutex_lock(&w->mu);
		w->stop = 1;
		pthread_cond_broadcast(&w->io_cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->io, NULL);
		f->wb = NULL;
		wb_sync_free(w);
		return SQLITE_NOMEM;
	}
	return SQLITE_OK;
}

/* ---- the WAL ------------------------------------------------------ */

static int
wal_parse_header(struct cipher_file *f, const unsigned char *h)
{
	uint32_t magic = get_be32(h), v = get_be32(h + 8);

	if ((magic != 0x377f0682 && magic != 0x377f0683))
		return -1;
	if (v == 1)
		v = 65536;
	if (!is_page_size(v))
		return -1;
	f->wal_pgsz = (int)v;
	return 0;
}

/* Make sure the WAL page size is known (from the file's header). */
static int
wal_page_size(struct cipher_file *f)
{
	unsigned char h[WAL_HEADER_BYTES];
	int rc;

	if (f->wal_pgsz != 0)
		return SQLITE_OK;
	rc = real_read(f, h, (int)sizeof h, 0);
	if (rc != SQLITE_OK)
		return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_READ : rc;
	if (wal_parse_header(f, h) != 0) {
		sqlite3_log(SQLITE_IOERR, "cutru-cipher: WAL header not valid");
		return SQLITE_IOERR_READ;
	}
	return SQLITE_OK;
}

static void
wal_ad(const struct cipher_file *f, unsigned char ad[CIPHER_AD_BYTES],
    const unsigned char *fh, uint64_t frame)
{
	ad_build(ad, f->k, KIND_WAL, get_be32(fh), frame, get_be32(fh + 4), NULL);
}

/* Encrypt the page of a frame whose header is fh; out receives the page. */
static int
wal_seal(struct cipher_file *f, const unsigned char *fh, uint64_t frame,
    const unsigned char *page, unsigned char *out)
{
	unsigned char ad[CIPHER_AD_BYTES];
	uint32_t pgno = get_be32(fh);
	int n = f->wal_pgsz;

	if (pgno == 0) {
		sqlite3_log(SQLITE_IOERR_WRITE,
		    "cutru-cipher: refused a WAL frame for page 0");
		return SQLITE_IOERR_WRITE;
	}
	if (pgno == 1) {
		if (memcmp(page, sqlite_magic, 16) != 0 ||
		    header_page_size(page) != n) {
			sqlite3_log(SQLITE_IOERR_WRITE, "cutru-cipher: refused a "
			    "WAL page 1 that is not a database header");
			return SQLITE_IOERR_WRITE;
		}
		reserve_note(f->k, page[20]);
	}
	if (reserve_state(f->k) < 0) {
		sqlite3_log(SQLITE_IOERR_WRITE, "cutru-cipher: refused WAL page "
		    "%u: the database has no 40-byte reserve", (unsigned)pgno);
		return SQLITE_IOERR_WRITE;
	}
	wal_ad(f, ad, fh, frame);
	page_seal(f, ad, page, out, (size_t)n, 0);
	return SQLITE_OK;
}

static int
wal_write(struct cipher_file *f, const unsigned char *buf, int amt,
    sqlite3_int64 off)
{
	unsigned char fh[WAL_FRAME_HEADER_BYTES];
	unsigned char *out;
	sqlite3_int64 rel, inner, fsz;
	uint64_t frame;
	int rc;

	if (off == 0 && amt == WAL_HEADER_BYTES) {
		f->hdr_off = -1;
		if (wal_parse_header(f, buf) != 0) {
			sqlite3_log(SQLITE_IOERR_WRITE,
			    "cutru-cipher: refused a WAL header not understood");
			return SQLITE_IOERR_WRITE;
		}
		return real_write(f, buf, amt, off);
	}
	if (off < WAL_HEADER_BYTES)
		goto refuse;
	rc = wal_page_size(f);
	if (rc != SQLITE_OK)
		return rc == SQLITE_IOERR_READ ? SQLITE_IOERR_WRITE : rc;
	fsz = (sqlite3_int64)f->wal_pgsz + WAL_FRAME_HEADER_BYTES;
	rel = off - WAL_HEADER_BYTES;
	inner = rel % fsz;
	frame = (uint64_t)(rel / fsz);
	if (inner == 0 && amt == WAL_FRAME_HEADER_BYTES) {
		rc = real_write(f, buf, amt, off);
		if (rc == SQLITE_OK) {
			memcpy(f->hdr, buf, sizeof f->hdr);
			f->hdr_off = off;
		} else {
			f->hdr_off = -1;
		}
		return rc;
	}
	if (inner == WAL_FRAME_HEADER_BYTES && amt == f->wal_pgsz) {
		if (f->hdr_off == off - WAL_FRAME_HEADER_BYTES) {
			memcpy(fh, f->hdr, sizeof fh);
		} else {
			rc = real_read(f, fh, (int)sizeof fh,
			    off - WAL_FRAME_HEADER_BYTES);
			if (rc != SQLITE_OK) {
				sqlite3_log(SQLITE_IOERR_WRITE, "cutru-cipher: "
				    "WAL page write without a frame header");
				return SQLITE_IOERR_WRITE;
			}
		}
		f->hdr_off = -1;
		out = scratch_get(f, (size_t)amt);
		if (out == NULL)
			return SQLITE_IOERR_NOMEM;
		rc = wal_seal(f, fh, frame, buf, out);
		if (rc != SQLITE_OK)
			return rc;
		return real_write(f, out, amt, off);
	}
	if (inner == 0 && amt == fsz) {
		f->hdr_off = -1;
		out = scratch_get(f, (size_t)amt);
		if (out == NULL)
			return SQLITE_IOERR_NOMEM;
		memcpy(out, buf, WAL_FRAME_HEADER_BYTES);
		rc = wal_seal(f, buf, frame, buf + WAL_FRAME_HEADER_BYTES,
		    out + WAL_FRAME_HEADER_BYTES);
		if (rc != SQLITE_OK)
			return rc;
		return real_write(f, out, amt, off);
	}
refuse:
	f->hdr_off = -1;
	sqlite3_log(SQLITE_IOERR_WRITE, "cutru-cipher: refused a WAL write of "
	    "%d bytes at offset %lld", amt, (long long)off);
	return SQLITE_IOERR_WRITE;
}

static int
wal_read(struct cipher_file *f, unsigned char *buf, int amt, sqlite3_int64 off)
{
	unsigned char ad[CIPHER_AD_BYTES];
	sqlite3_int64 rel, inner, fsz;
	uint64_t frame;
	int rc;

	if (off >= 0 && amt > 0 && off + amt <= WAL_HEADER_BYTES) {
		rc = real_read(f, buf, amt, off);
		if (rc == SQLITE_OK && off == 0 && amt == WAL_HEADER_BYTES)
			(void)wal_parse_header(f, buf);
		return rc;
	}
	if (off < WAL_HEADER_BYTES || amt <= 0)
		goto refuse;
	rc = wal_page_size(f);
	if (rc != SQLITE_OK) {
		memset(buf, 0, (size_t)amt);
		return rc;
	}
	fsz = (sqlite3_int64)f->wal_pgsz + WAL_FRAME_HEADER_BYTES;
	rel = off - WAL_HEADER_BYTES;
	inner = rel % fsz;
	frame = (uint64_t)(rel / fsz);
	if (inner + amt <= WAL_FRAME_HEADER_BYTES) {
		/* Frame header fields: checksum rewriting reads the previous
		 * frame's checksums (8 bytes at frame + 16). */
		return real_read(f, buf, amt, off);
	}
	if (inner == 0 && amt == fsz) {
		/* Recovery: an unauthenticated frame ends the log. */
		rc = real_read(f, buf, amt, off);
		if (rc != SQLITE_OK) {
			if (rc == SQLITE_IOERR_SHORT_READ)
				memset(buf, 0, (size_t)amt);
			return rc;
		}
		wal_ad(f, ad, buf, frame);
		if (page_open(f->k, ad, buf + WAL_FRAME_HEADER_BYTES,
		    (size_t)f->wal_pgsz, 0) != 0) {
			sodium_memzero(buf, (size_t)amt);
			sqlite3_log(SQLITE_WARNING, "cutru-cipher: WAL frame %llu "
			    "failed authentication; the log ends before it",
			    (unsigned long long)frame + 1);
		}
		return SQLITE_OK;
	}
	if (inner == WAL_FRAME_HEADER_BYTES && amt == f->wal_pgsz) {
		/* The page with its header, in one read. */
		unsigned char *fr = scratch_get(f, (size_t)fsz);

		if (fr == NULL)
			return SQLITE_IOERR_NOMEM;
		rc = real_read(f, fr, (int)fsz, off - WAL_FRAME_HEADER_BYTES);
		if (rc != SQLITE_OK) {
			memset(buf, 0, (size_t)amt);
			return rc;
		}
		wal_ad(f, ad, fr, frame);
		if (page_open_to(f->k, ad, fr + WAL_FRAME_HEADER_BYTES, buf,
		    (size_t)amt, 0) != 0) {
			sqlite3_log(SQLITE_CORRUPT, "cutru-cipher: WAL frame %llu "
			    "(page %u) failed authentication",
			    (unsigned long long)frame + 1, (unsigned)get_be32(fr));
			return SQLITE_CORRUPT;
		}
		return SQLITE_OK;
	}
refuse:
	sqlite3_log(SQLITE_IOERR_READ, "cutru-cipher: refused a WAL read of "
	    "%d bytes at offset %lld", amt, (long long)off);
	memset(buf, 0, (size_t)(amt > 0 ? amt : 0));
	return SQLITE_IOERR_READ;
}

/* ---- the rollback journal ----------------------------------------- */

static int
journal_pgno(struct cipher_file *f, sqlite3_int64 off, uint32_t *pgno)
{
	unsigned char b[4];
	int rc;

	if (f->pgno_off == off - 4) {
		*pgno = f->pgno_field;
		return SQLITE_OK;
	}
	rc = real_read(f, b, 4, off - 4);
	if (rc != SQLITE_OK)
		return rc;
	*pgno = get_be32(b);
	return SQLITE_OK;
}

static int
journal_write(struct cipher_file *f, const unsigned char *buf, int amt,
    sqlite3_int64 off)
{
	unsigned char ad[CIPHER_AD_BYTES];
	unsigned char *out;
	uint32_t pgno;
	int rc;

	if (is_page_size(amt) && off % 8 == 4 && off >= JOURNAL_FIRST_PAGE) {
		rc = journal_pgno(f, off, &pgno);
		f->pgno_off = -1;
		if (rc != SQLITE_OK || pgno == 0) {
			sqlite3_log(SQLITE_IOERR_WRITE, "cutru-cipher: journal "
			    "page write without a page number");
			return SQLITE_IOERR_WRITE;
		}
		if (reserve_state(f->k) < 0) {
			sqlite3_log(SQLITE_IOERR_WRITE, "cutru-cipher: refused a "
			    "journal page: the database has no 40-byte reserve");
			return SQLITE_IOERR_WRITE;
		}
		out = scratch_get(f, (size_t)amt);
		if (out == NULL)
			return SQLITE_IOERR_NOMEM;
		ad_build(ad, f->k, KIND_JOURNAL, pgno, (uint64_t)off, 0, NULL);
		page_seal(f, ad, buf, out, (size_t)amt, 0);
		return real_write(f, out, amt, off);
	}
	f->pgno_off = -1;
	if (amt > 0 && amt <= JOURNAL_FIELD_MAX) {
		rc = real_write(f, buf, amt, off);
		if (rc == SQLITE_OK && amt == 4) {
			f->pgno_off = off;
			f->pgno_field = get_be32(buf);
		}
		return rc;
	}
	if (amt > JOURNAL_FIELD_MAX && off % 8 == 0 &&
	    all_zero(buf + JOURNAL_FIELD_MAX, (size_t)amt - JOURNAL_FIELD_MAX))
		return real_write(f, buf, amt, off);
	sqlite3_log(SQLITE_IOERR_WRITE, "cutru-cipher: refused a journal write "
	    "of %d bytes at offset %lld", amt, (long long)off);
	return SQLITE_IOERR_WRITE;
}

static int
journal_read(struct cipher_file *f, unsigned char *buf, int amt,
    sqlite3_int64 off)
{
	unsigned char ad[CIPHER_AD_BYTES];
	uint32_t pgno;
	int rc;

	if (is_page_size(amt) && off % 8 == 4 && off >= JOURNAL_FIRST_PAGE) {
		rc = real_read(f, buf, amt, off);
		if (rc != SQLITE_OK) {
			if (rc == SQLITE_IOERR_SHORT_READ)
				memset(buf, 0, (size_t)amt);
			return rc;
		}
		f->pgno_off = -1;
		rc = journal_pgno(f, off, &pgno);
		if (rc != SQLITE_OK) {
			memset(buf, 0, (size_t)amt);
			return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_CORRUPT : rc;
		}
		ad_build(ad, f->k, KIND_JOURNAL, pgno, (uint64_t)off, 0, NULL);
		if (page_open(f->k, ad, buf, (size_t)amt, 0) != 0) {
			sqlite3_log(SQLITE_CORRUPT, "cutru-cipher: journal record "
			    "for page %u failed authentication", (unsigned)pgno);
			return SQLITE_CORRUPT;
		}
		return SQLITE_OK;
	}
	if (amt > 0 && amt <= JOURNAL_FIELD_MAX)
		return real_read(f, buf, amt, off);
	sqlite3_log(SQLITE_IOERR_READ, "cutru-cipher: refused a journal read "
	    "of %d bytes at offset %lld", amt, (long long)off);
	memset(buf, 0, (size_t)(amt > 0 ? amt : 0));
	return SQLITE_IOERR_READ;
}

/* ---- io methods --------------------------------------------------- */

static int
cf_close(sqlite3_file *file)
{
	struct cipher_file *f = (struct cipher_file *)file;
	struct cipher_file **pp;
	int rc = SQLITE_OK;

	(void)wb_stop(f);
	if (f->real->pMethods != NULL)
		rc = f->real->pMethods->xClose(f->real);
	pthread_mutex_lock(&cipher_lock);
	if (f->kind == KIND_DB) {
		for (pp = &cipher_mains; *pp != NULL; pp = &(*pp)->next_main) {
			if (*pp == f) {
				*pp = f->next_main;
				break;
			}
		}
	}
	if (f->k != NULL) {
		f->k->refs--;
		key_maybe_free(f->k);
		f->k = NULL;
	}
	pthread_mutex_unlock(&cipher_lock);
	if (f->scratch != NULL) {
		sodium_memzero(f->scratch, f->scratch_len);
		sqlite3_free(f->scratch);
		f->scratch = NULL;
	}
	nonce_forget(&f->rng);
	sodium_memzero(f->p1_head, sizeof f->p1_head);
	f->p1_valid = 0;
	return rc;
}

static int
cf_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
	struct cipher_file *f = (struct cipher_file *)file;
	int rc;

	if ((rc = wb_quiesce(f, 1)) != SQLITE_OK) {
		memset(buf, 0, (size_t)(amt > 0 ? amt : 0));
		return rc;
	}

	switch (f->kind) {
	case KIND_DB:
		return db_read(f, buf, amt, off);
	case KIND_WAL:
		return wal_read(f, buf, amt, off);
	case KIND_JOURNAL:
		return journal_read(f, buf, amt, off);
	}
	return SQLITE_IOERR_READ;
}

static int
cf_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
	struct cipher_file *f = (struct cipher_file *)file;
	int rc;

	switch (f->kind) {
	case KIND_DB:
		if (f->wb != NULL) {
			if (amt == f->wb->pgsz && off % amt == 0)
				return wb_queue(f, buf, off);
			if ((rc = wb_quiesce(f, 1)) != SQLITE_OK)
				return rc;
		}
		return db_write(f, buf, amt, off);
	case KIND_WAL:
		return wal_write(f, buf, amt, off);
	case KIND_JOURNAL:
		return journal_write(f, buf, amt, off);
	}
	return SQLITE_IOERR_WRITE;
}

static int
cf_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct cipher_file *f = (struct cipher_file *)file;
	int rc;

	if ((rc = wb_quiesce(f, 1)) != SQLITE_OK)
		return rc;
	f->hdr_off = -1;
	f->pgno_off = -1;
	if (f->kind == KIND_DB && f->db_pgsz != 0 && size % f->db_pgsz == 0) {
		/* A checkpoint "truncates" a file upwards when its last pages
		 * were never written: seal them rather than leave a hole. */
		rc = db_fill_to(f, size, f->db_pgsz);
		if (rc != SQLITE_OK)
			return rc;
	}
	rc = f->real->pMethods->xTruncate(f->real, size);
	f->db_size = -1;
	return rc;
}

static int
cf_sync(sqlite3_file *file, int flags)
{
	struct cipher_file *f = (struct cipher_file *)file;
	int rc;

	if ((rc = wb_quiesce(f, 1)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xSync(f->real, flags);
}

static int
cf_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct cipher_file *f = (struct cipher_file *)file;
	int rc;

	if ((rc = wb_quiesce(f, 1)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xFileSize(f->real, size);
}

/* Every lock change forgets the cached database size: other connections
 * may grow or shrink the file between our locks, never while we hold the
 * lock that lets us write it (FILE SIZE above). */
static int
cf_lock(sqlite3_file *file, int lock)
{
	struct cipher_file *f = (struct cipher_file *)file;

	(void)wb_quiesce(f, 0);
	f->db_size = -1;
	return f->real->pMethods->xLock(f->real, lock);
}

static int
cf_unlock(sqlite3_file *file, int lock)
{
	struct cipher_file *f = (struct cipher_file *)file;

	(void)wb_quiesce(f, 0);
	f->db_size = -1;
	return f->real->pMethods->xUnlock(f->real, lock);
}

static int
cf_check_reserved_lock(sqlite3_file *file, int *out)
{
	struct cipher_file *f = (struct cipher_file *)file;

	(void)wb_quiesce(f, 0);
	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int
cf_file_control(sqlite3_file *file, int op, void *arg)
{
	struct cipher_file *f = (struct cipher_file *)file;
	int rc;

	switch (op) {
	case CIPHER_FCNTL_WRITE_BEHIND:
		if (*(int *)arg)
			return wb_start(f, *(int *)arg);
		return wb_stop(f);
	case SQLITE_FCNTL_MMAP_SIZE:
		/* Memory mapping would bypass the cipher. */
		*(sqlite3_int64 *)arg = 0;
		return SQLITE_OK;
	case SQLITE_FCNTL_SIZE_HINT:
	case SQLITE_FCNTL_CHUNK_SIZE:
		/* Growing a file ahead of its pages would leave zeros, not
		 * sealed pages, inside it: only the cipher grows files. */
		if (f->kind == KIND_DB)
			return SQLITE_OK;
		return f->real->pMethods->xFileControl(f->real, op, arg);
	case SQLITE_FCNTL_VFSNAME:
		rc = f->real->pMethods->xFileControl(f->real, op, arg);
		if (rc == SQLITE_OK) {
			char *inner = *(char **)arg;

			*(char **)arg = sqlite3_mprintf("%s/%z",
			    CIPHER_VFS_NAME, inner);
		}
		return rc;
	default:
		(void)wb_quiesce(f, 0);
		return f->real->pMethods->xFileControl(f->real, op, arg);
	}
}

static int
cf_sector_size(sqlite3_file *file)
{
	struct cipher_file *f = (struct cipher_file *)file;

	return f->real->pMethods->xSectorSize(f->real);
}

static int
cf_device_characteristics(sqlite3_file *file)
{
	struct cipher_file *f = (struct cipher_file *)file;
	int c = f->real->pMethods->xDeviceCharacteristics(f->real);

	/* No sub-page reads: the cipher works on whole pages.  No batch
	 * atomic writes: every commit goes through the journal paths above. */
	return c & ~(SQLITE_IOCAP_SUBPAGE_READ | SQLITE_IOCAP_BATCH_ATOMIC);
}

static int
cf_shm_map(sqlite3_file *file, int region, int size, int extend,
    void volatile **pp)
{
	struct cipher_file *f = (struct cipher_file *)file;

	(void)wb_quiesce(f, 0);
	if (f->real->pMethods->iVersion < 2) {
		*pp = NULL;
		return SQLITE_IOERR_SHMMAP;
	}
	return f->real->pMethods->xShmMap(f->real, region, size, extend, pp);
}

static int
cf_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
	struct cipher_file *f = (struct cipher_file *)file;

	(void)wb_quiesce(f, 0);
	f->db_size = -1;
	if (f->real->pMethods->iVersion < 2)
		return SQLITE_IOERR_SHMLOCK;
	return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void
cf_shm_barrier(sqlite3_file *file)
{
	struct cipher_file *f = (struct cipher_file *)file;

	(void)wb_quiesce(f, 0);
	if (f->real->pMethods->iVersion >= 2)
		f->real->pMethods->xShmBarrier(f->real);
}

static int
cf_shm_unmap(sqlite3_file *file, int del)
{
	struct cipher_file *f = (struct cipher_file *)file;

	(void)wb_quiesce(f, 0);
	if (f->real->pMethods->iVersion < 2)
		return SQLITE_OK;
	return f->real->pMethods->xShmUnmap(f->real, del);
}

static int
cf_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **pp)
{
	(void)file;
	(void)off;
	(void)amt;
	*pp = NULL;                 /* never a mapping: SQLite falls back to xRead */
	return SQLITE_OK;
}

static int
cf_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
	(void)file;
	(void)off;
	(void)p;
	return SQLITE_OK;
}

static const sqlite3_io_methods cipher_io_methods = {
	3,
	cf_close,
	cf_read,
	cf_write,
	cf_truncate,
	cf_sync,
	cf_file_size,
	cf_lock,
	cf_unlock,
	cf_check_reserved_lock,
	cf_file_control,
	cf_sector_size,
	cf_device_characteristics,
	cf_shm_map,
	cf_shm_lock,
	cf_shm_barrier,
	cf_shm_unmap,
	cf_fetch,
	cf_unfetch
};

/* ---- vfs methods -------------------------------------------------- */

#define REAL_VFS(v) (((struct cipher_vfs *)(v))->real)

static int
cv_open(sqlite3_vfs *vfs, const char *zname, sqlite3_file *file, int flags,
    int *out_flags)
{
	struct cipher_file *f = (struct cipher_file *)file;
	sqlite3_vfs *real = REAL_VFS(vfs);
	struct cipher_file *m;
	const char *dbname;
	int rc;

	/* The sorter's runs (see memfile.h): unnamed, deleted on close, and
	 * of no other type. */
	if (zname == NULL && (flags & SQLITE_OPEN_DELETEONCLOSE) != 0 &&
	    (flags & CIPHER_OPEN_TYPES) == SQLITE_OPEN_TEMP_JOURNAL &&
	    memfile_size() <= (size_t)vfs->szOsFile)
		return memfile_open(file, flags, out_flags);
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(void *)((char *)f + CIPHER_FILE_SZ);
	f->hdr_off = -1;
	f->pgno_off = -1;
	f->db_size = -1;
	if (zname == NULL || (flags & SQLITE_OPEN_DELETEONCLOSE) != 0)
		goto refuse;
	if (flags & SQLITE_OPEN_MAIN_DB)
		f->kind = KIND_DB;
	else if (flags & SQLITE_OPEN_WAL)
		f->kind = KIND_WAL;
	else if (flags & SQLITE_OPEN_MAIN_JOURNAL)
		f->kind = KIND_JOURNAL;
	else
		goto refuse;

	pthread_mutex_lock(&cipher_lock);
	if (f->kind == KIND_DB) {
		f->k = key_find_attached(zname);
	} else {
		dbname = sqlite3_filename_database(zname);
		for (m = cipher_mains; m != NULL; m = m->next_main)
			if (m->zname == dbname)
				break;
		f->k = m != NULL ? m->k : NULL;
	}
	if (f->k != NULL)
		f->k->refs++;
	pthread_mutex_unlock(&cipher_lock);
	if (f->k == NULL) {
		sqlite3_log(SQLITE_CANTOPEN, "cutru-cipher: no key attached "
		    "for a %s file", f->kind == KIND_DB ? "database" :
		    f->kind == KIND_WAL ? "WAL" : "journal");
		return SQLITE_CANTOPEN;
	}

	rc = real->xOpen(real, zname, f->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		if (f->real->pMethods != NULL)
			f->real->pMethods->xClose(f->real);
		f->real->pMethods = NULL;
		pthread_mutex_lock(&cipher_lock);
		f->k->refs--;
		key_maybe_free(f->k);
		pthread_mutex_unlock(&cipher_lock);
		f->k = NULL;
		return rc;
	}
	if (f->kind == KIND_DB) {
		f->zname = zname;
		f->direct_ok = strcmp(real->zName, "unix") == 0;
		pthread_mutex_lock(&cipher_lock);
		f->next_main = cipher_mains;
		cipher_mains = f;
		pthread_mutex_unlock(&cipher_lock);
	}
	f->base.pMethods = &cipher_io_methods;
	return SQLITE_OK;

refuse:
	sqlite3_log(SQLITE_CANTOPEN, "cutru-cipher: refused to open a "
	    "temporary file or super-journal (flags 0x%x); use temp_store = "
	    "MEMORY, and no multi-store transactions", flags);
	return SQLITE_CANTOPEN;
}

static int
cv_delete(sqlite3_vfs *vfs, const char *zname, int sync_dir)
{
	sqlite3_vfs *real = REAL_VFS(vfs);

	return real->xDelete(real, zname, sync_dir);
}

static int
cv_access(sqlite3_vfs *vfs, const char *zname, int flags, int *out)
{
	sqlite3_vfs *real = REAL_VFS(vfs);

	return real->xAccess(real, zname, flags, out);
}

static int
cv_full_pathname(sqlite3_vfs *vfs, const char *zname, int n, char *out)
{
	sqlite3_vfs *real = REAL_VFS(vfs);

	return real->xFullPathname(real, zname, n, out);
}

static void *
cv_dl_open(sqlite3_vfs *vfs, const char *path)
{
	(void)vfs;
	(void)path;
	return NULL;                /* no extensions through the store's VFS */
}

static void
cv_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	if (n > 0)
		sqlite3_snprintf(n, msg, "extensions are not loaded here");
}

static void (*cv_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	(void)h;
	(void)sym;
	return NULL;
}

static void
cv_dl_close(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	(void)h;
}

static int
cv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	randombytes_buf(out, (size_t)n);
	return n;
}

static int
cv_sleep(sqlite3_vfs *vfs, int us)
{
	sqlite3_vfs *real = REAL_VFS(vfs);

	return real->xSleep(real, us);
}

static int
cv_current_time(sqlite3_vfs *vfs, double *out)
{
	sqlite3_vfs *real = REAL_VFS(vfs);

	return real->xCurrentTime(real, out);
}

static int
cv_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	sqlite3_vfs *real = REAL_VFS(vfs);

	return real->xGetLastError != NULL ?
	    real->xGetLastError(real, n, out) : 0;
}

static int
cv_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	sqlite3_vfs *real = REAL_VFS(vfs);
	double d;
	int rc;

	if (real->iVersion >= 2 && real->xCurrentTimeInt64 != NULL)
		return real->xCurrentTimeInt64(real, out);
	rc = real->xCurrentTime(real, &d);
	*out = (sqlite3_int64)(d * 86400000.0);
	return rc;
}

/* ---- public API --------------------------------------------------- */

int
cipher_vfs_register_over(const char *underlying, const char *name,
    struct cutru_err *e)
{
	struct cipher_vfs *cv;
	sqlite3_vfs *real, *existing;
	int rc = CUTRU_OK;

	if (name == NULL || name[0] == '\0' ||
	    strlen(name) >= sizeof cv->name)
		return cutru_err_set(e, CUTRU_EINVAL, "vfs",
		    _("The name of the store's file layer is missing or too long."));
	if (sodium_init() < 0 || sqlite3_initialize() != SQLITE_OK ||
	    pthread_once(&cipher_atfork_once, atfork_register) != 0)
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The encryption library could not be started."));
	pthread_mutex_lock(&cipher_lock);
	real = sqlite3_vfs_find(underlying);
	if (real == NULL) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "vfs",
		    _("The file layer \"%s\" under the store's cipher does not "
		    "exist."), underlying);
		goto done;
	}
	for (cv = cipher_vfses; cv != NULL; cv = cv->next) {
		if (strcmp(cv->name, name) == 0) {
			if (cv->real != real)
				rc = cutru_err_set(e, CUTRU_EINVAL, "vfs",
				    _("The store's file layer \"%s\" is already "
				    "registered over another layer."), name);
			goto done;
		}
	}
	existing = sqlite3_vfs_find(name);
	if (existing != NULL || real->szOsFile < 0) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "vfs",
		    _("The name \"%s\" is already used by another file layer."),
		    name);
		goto done;
	}
	cv = calloc(1, sizeof *cv);
	if (cv == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
		goto done;
	}
	strcpy(cv->name, name);
	cv->real = real;
	cv->base.iVersion = 2;
	cv->base.szOsFile = (int)CIPHER_FILE_SZ + real->szOsFile;
	cv->base.mxPathname = real->mxPathname;
	cv->base.zName = cv->name;
	cv->base.pAppData = cv;
	cv->base.xOpen = cv_open;
	cv->base.xDelete = cv_delete;
	cv->base.xAccess = cv_access;
	cv->base.xFullPathname = cv_full_pathname;
	cv->base.xDlOpen = cv_dl_open;
	cv->base.xDlError = cv_dl_error;
	cv->base.xDlSym = cv_dl_sym;
	cv->base.xDlClose = cv_dl_close;
	cv->base.xRandomness = cv_randomness;
	cv->base.xSleep = cv_sleep;
	cv->base.xCurrentTime = cv_current_time;
	cv->base.xGetLastError = cv_get_last_error;
	cv->base.xCurrentTimeInt64 = cv_current_time_int64;
	if (sqlite3_vfs_register(&cv->base, 0) != SQLITE_OK) {
		free(cv);
		rc = cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The store's file layer could not be registered."));
		goto done;
	}
	cv->next = cipher_vfses;
	cipher_vfses = cv;
done:
	pthread_mutex_unlock(&cipher_lock);
	return rc;
}

int
cipher_vfs_register(struct cutru_err *e)
{
	return cipher_vfs_register_over(NULL, CIPHER_VFS_NAME, e);
}

int
cipher_key_attach(const char *db_path, const unsigned char key[CIPHER_KEY_BYTES],
    const unsigned char store_id[CIPHER_STORE_ID_BYTES], struct cutru_err *e)
{
	struct cipher_key *k = NULL, *old;
	int rc = CUTRU_OK;

	if (db_path == NULL || db_path[0] == '\0' || key == NULL ||
	    store_id == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "key",
		    _("A store path, a key and a store identifier are needed to "
		    "unlock a store."));
	if (sodium_init() < 0)
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The encryption library could not be started."));
	k = calloc(1, sizeof *k);
	if (k == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
	k->path = full_path(db_path);
	if (k->path == NULL) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "path",
		    _("The store path \"%s\" cannot be used; choose a shorter "
		    "path to an existing folder."), db_path);
		goto done;
	}
	k->key = sodium_malloc(CIPHER_KEY_BYTES);
	if (k->key == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of protected memory for the store key."));
		goto done;
	}
	memcpy(k->key, key, CIPHER_KEY_BYTES);
	sodium_mprotect_readonly(k->key);
	memcpy(k->store_id, store_id, CIPHER_STORE_ID_BYTES);
	k->attached = 1;
	pthread_mutex_lock(&cipher_lock);
	old = key_find_attached(k->path);
	if (old != NULL) {
		old->attached = 0;
		key_maybe_free(old);
	}
	k->next = cipher_keys;
	cipher_keys = k;
	pthread_mutex_unlock(&cipher_lock);
	k = NULL;
done:
	key_free(k);
	return rc;
}

void
cipher_key_detach(const char *db_path)
{
	struct cipher_key *k;
	char *path;

	if (db_path == NULL || (path = full_path(db_path)) == NULL)
		return;
	pthread_mutex_lock(&cipher_lock);
	k = key_find_attached(path);
	if (k != NULL) {
		k->attached = 0;
		key_maybe_free(k);
	}
	pthread_mutex_unlock(&cipher_lock);
	free(path);
}

int
cipher_key_is_attached(const char *db_path)
{
	char *path;
	int found;

	if (db_path == NULL || (path = full_path(db_path)) == NULL)
		return 0;
	pthread_mutex_lock(&cipher_lock);
	found = key_find_attached(path) != NULL;
	pthread_mutex_unlock(&cipher_lock);
	free(path);
	return found;
}

/* Run one statement that returns at most one row; *val gets column 0 as an
 * integer (if val) or its text copied into txt (if txt). */
static int
db_pragma(sqlite3 *db, const char *sql, sqlite3_int64 *val, char *txt,
    size_t txtlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (val != NULL)
			*val = sqlite3_column_int64(st, 0);
		if (txt != NULL) {
			const unsigned char *t = sqlite3_column_text(st, 0);

			snprintf(txt, txtlen, "%s", t != NULL ? (const char *)t : "");
		}
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
open_error(struct cutru_err *e, const char *path, int src)
{
	switch (src & 0xff) {
	case SQLITE_NOTADB:
		return cutru_err_set(e, CUTRU_ECRYPTO, "key",
		    _("The store %s cannot be read: it is not a cutru store, or "
		    "the key is wrong."), path);
	case SQLITE_CORRUPT:
		return cutru_err_set(e, CUTRU_ECRYPTO, "path",
		    _("The store %s is damaged: a page was changed outside cutru. "
		    "Restore it from a backup."), path);
	case SQLITE_CANTOPEN:
		return cutru_err_set(e, CUTRU_EIO, "path",
		    _("The store %s cannot be opened; check that the folder "
		    "exists and may be written."), path);
	default:
		return cutru_err_set(e, CUTRU_EIO, NULL,
		    _("The store %s cannot be opened (%s)."), path,
		    sqlite3_errstr(src));
	}
}

int
cipher_db_open(const char *path, int flags, const struct cipher_open_opts *opts,
    sqlite3 **out, struct cutru_err *e)
{
	static const char *const modes[] = { "wal", "delete", "truncate",
	    "persist" };
	static const char *const syncs[] = { "off", "normal", "full",
	    "extra" };
	struct cipher_open_opts def = { NULL, NULL, 0, NULL };
	sqlite3 *db = NULL;
	sqlite3_int64 pages = 0;
	char sql[64], got[16];
	size_t i;
	int rc, src, reserve, page_size;

	if (out != NULL)
		*out = NULL;
	if (path == NULL || out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "path",
		    _("A store path is needed."));
	if (opts == NULL)
		opts = &def;
	page_size = opts->page_size != 0 ? opts->page_size :
	    CIPHER_DEFAULT_PAGE_SIZE;
	if (!is_page_size(page_size))
		return cutru_err_set(e, CUTRU_EINVAL, "page_size",
		    _("The page size %d is not allowed; use a power of two from "
		    "1024 to 65536."), opts->page_size);
	if (opts->synchronous != NULL) {
		for (i = 0; i < sizeof syncs / sizeof syncs[0]; i++)
			if (sqlite3_stricmp(opts->synchronous, syncs[i]) == 0)
				break;
		if (i == sizeof syncs / sizeof syncs[0])
			return cutru_err_set(e, CUTRU_EINVAL, "synchronous",
			    _("The synchronous level \"%s\" is not allowed; use "
			    "off, normal, full or extra."), opts->synchronous);
	}
	if (opts->journal_mode != NULL) {
		for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
			if (sqlite3_stricmp(opts->journal_mode, modes[i]) == 0)
				break;
		if (i == sizeof modes / sizeof modes[0])
			return cutru_err_set(e, CUTRU_EINVAL, "journal_mode",
			    _("The journal mode \"%s\" is not allowed for a store; "
			    "use wal, delete, truncate or persist."),
			    opts->journal_mode);
	}
	if ((flags & SQLITE_OPEN_MEMORY) != 0)
		return cutru_err_set(e, CUTRU_EINVAL, "flags",
		    _("An encrypted store cannot be held in memory only."));
	if (!cipher_key_is_attached(path))
		return cutru_err_set(e, CUTRU_EINVAL, "key",
		    _("The store %s is locked: unlock it with a passphrase "
		    "first."), path);

	src = sqlite3_open_v2(path, &db, flags, opts->vfs != NULL ? opts->vfs :
	    CIPHER_VFS_NAME);
	if (src != SQLITE_OK) {
		rc = open_error(e, path, src);
		goto done;
	}
	sqlite3_extended_result_codes(db, 1);
	src = sqlite3_exec(db, "PRAGMA temp_store = MEMORY; "
	    "PRAGMA mmap_size = 0;", NULL, NULL, NULL);
	if (src == SQLITE_OK)
		src = db_pragma(db, "PRAGMA page_count", &pages, NULL, 0);
	if (src != SQLITE_OK) {
		rc = open_error(e, path, src);
		goto done;
	}
	if (pages == 0 && (flags & SQLITE_OPEN_READWRITE) != 0) {
		snprintf(sql, sizeof sql, "PRAGMA page_size = %d", page_size);
		src = sqlite3_exec(db, sql, NULL, NULL, NULL);
		reserve = CIPHER_RESERVE_BYTES;
		if (src == SQLITE_OK)
			src = sqlite3_file_control(db, "main",
			    SQLITE_FCNTL_RESERVE_BYTES, &reserve);
		if (src != SQLITE_OK) {
			rc = open_error(e, path, src);
			goto done;
		}
	}
	reserve = -1;
	src = sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES,
	    &reserve);
	if (src != SQLITE_OK || reserve < CIPHER_RESERVE_BYTES) {
		rc = cutru_err_set(e, CUTRU_ECRYPTO, "path",
		    _("The store %s was not made by cutru (its pages have no room "
		    "for the cipher)."), path);
		goto done;
	}
	if (opts->journal_mode != NULL) {
		snprintf(sql, sizeof sql, "PRAGMA journal_mode = %s",
		    opts->journal_mode);
		src = db_pragma(db, sql, NULL, got, sizeof got);
		if (src != SQLITE_OK) {
			rc = open_error(e, path, src);
			goto done;
		}
		if (sqlite3_stricmp(got, opts->journal_mode) != 0) {
			rc = cutru_err_set(e, CUTRU_EIO, "journal_mode",
			    _("The store %s could not switch to journal mode %s; "
			    "close other programs using it and retry."), path,
			    opts->journal_mode);
			goto done;
		}
	}
	if (opts->synchronous != NULL) {
		snprintf(sql, sizeof sql, "PRAGMA synchronous = %s",
		    opts->synchronous);
		src = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if (src != SQLITE_OK) {
			rc = open_error(e, path, src);
			goto done;
		}
	}
	/* Read the schema now so a wrong key shows here, not at first use. */
	src = db_pragma(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, 0);
	if (src != SQLITE_OK) {
		rc = open_error(e, path, src);
		goto done;
	}
	*out = db;
	db = NULL;
	rc = CUTRU_OK;
done:
	sqlite3_close(db);
	return rc;
}

int
cipher_write_behind(sqlite3 *db, int on)
{
	return sqlite3_file_control(db, "main", CIPHER_FCNTL_WRITE_BEHIND, &on);
}
