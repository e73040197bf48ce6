/* Digitising legacy household books: the CSV import, and the exports.
 *
 * The file.  UTF-8 text (a byte order mark at the start is skipped; a
 * UTF-16 file is refused as such), comma-separated, RFC 4180 quoting: a
 * field that holds a comma, a quote or a line break is enclosed in double
 * quotes and its quotes are doubled ("Số 5, ""Hẻm"" 3").  Records end in
 * CRLF or LF; a line break inside quotes belongs to the field.  A carriage
 * return outside quotes that is not followed by a line feed is an error
 * (old Mac files, or a cut-and-paste accident), and so is a NUL byte, a
 * quote inside an unquoted field and text after a closing quote.  Blank
 * lines and rows whose fields are all empty are skipped (spreadsheets
 * write them).  A field that begins with an apostrophe followed by one of
 * = + - @ (the escape our writers use so that a spreadsheet does not run
 * the field as a formula) is read without the apostrophe.
 *
 * The first record is the header: it names the columns, in any order,
 * case-insensitively, spaces and hyphens taken as underscores:
 *
 *   household_number  the book's number (1..32 letters, digits, hyphens);
 *                     empty: the person belongs to no household
 *   relationship      to the head; "chủ hộ" or "head" (any case, with or
 *                     without marks) marks the head; at most 40 characters
 *   name              full name (core/name.h: letters, no digits)
 *   dob               date of birth: YYYY, MM/YYYY or DD/MM/YYYY as the
 *                     books write it (or ISO YYYY, YYYY-MM, YYYY-MM-DD);
 *                     not after today
 *   sex               Nam / Nữ / male / female (any case, marks optional)
 *   id_number         the 12-digit personal ID number: required, see below
 *   cmnd              the old 9-digit CMND number, optional; checked,
 *                     compared between the rows of a person, and stored
 *                     (person.upserted's "cmnd", persons.legacy_cmnd)
 *   commune           5-digit commune code (since 1 July 2025)
 *   address           house number, street, hamlet (below the commune)
 *   residence_kind    permanent / thường trú, temporary / tạm trú,
 *                     current / nơi ở hiện tại; empty means permanent
 *   from, to          the residence's first and (temporary only) last day,
 *                     DD/MM/YYYY or YYYY-MM-DD; from not after today,
 *                     except for a temporary residence (registered in
 *                     advance); a temporary term is at most 2 years and
 *                     must not have ended before today
 *   error             ignored: the column our rejects file adds, so that
 *                     a corrected rejects file can be imported as it is
 * (aliases: household, full_name, date_of_birth).  name, dob, sex,
 * id_number, commune and address must be present, and relationship when
 * household_number is; the others may be left out (empty on every row).
 * An unknown or repeated column makes the whole file unreadable.  Each row
 * must have as many fields as the header.
 *
 * What a row means.  A row is a person, optionally one residence of that
 * person (residence_kind, from, to at commune/address; all three empty:
 * no residence), and the person's household.  A person with more than one
 * active residence has one row per residence; the identity (name, dob,
 * sex, cmnd) and the household columns must then agree on all of them, and
 * no kind of residence may appear twice.  The household's address is that
 * of its head's first row without a residence, else of the head's first
 * permanent row, else of the head's first row; commune and address are
 * required on a row with a residence and on a head's row, and ignored
 * (but checked) elsewhere.  Rows of a household are grouped by
 * household_number wherever they are in the file; a household must have
 * exactly one head (one person), else every row of it is in error.
 *
 * Limits (import.h): IMPORT_FIELD_MAX bytes per field, IMPORT_RECORD_MAX
 * bytes per record, IMPORT_COLUMNS_MAX columns.  A record longer than
 * that is an error; if it was inside a quoted field the reader assumes a
 * closing quote is missing and starts again on the line after the one the
 * record began on, so that one stray quote costs one row, not the rest of
 * the file.  A quote still open at the end of the file is handled the
 * same way.  Invalid UTF-8 in a field is an error of that field.
 *
 * Persons without an ID number.  Every event of core/event.h names a
 * person by personal ID number, and the register keys persons by it; a
 * person without one cannot be entered through the one path by which the
 * register changes.  Such rows are therefore refused, with a message that
 * says to look the number up (the CMND, when there is one, helps); in
 * quarantine mode they land in the rejects file with their household and
 * are imported once the number is filled in.  This also makes re-imports
 * safe: the ID number is the key.
 *
 * Adding, never changing.  An import adds what the register lacks and
 * never changes what it holds: a person already in the register with the
 * same name, date of birth and sex is left as is (different values are an
 * error: a correction is a procedure with a document, residence.adjust),
 * except that a CMND number the register lacks is added (one it holds
 * that differs is an error);
 * a household already in the register with the same head gets the members
 * it lacks (another head, or a dissolved household with that number, is
 * an error); a member of another household is an error (moving is a
 * procedure); an active residence of the same kind is left as is when it
 * is the same (address and dates), else an error.  So importing the same
 * file twice changes nothing the second time, and a corrected rejects
 * file adds exactly what was missing.
 *
 * All or nothing, or quarantine.  The unit is the group: a household with
 * all rows of its persons (and a person without a household with all their
 * rows).  A group with an error anywhere is not imported at all: importing
 * a household without its head, or a person without the row that names
 * their household, would write a register that the officer then has to
 * repair by hand.  IMPORT_ALL_OR_NOTHING (the default) imports nothing
 * unless every group is good and lists every error (those found in the
 * file, and the conflicts with the register found by looking them up; an
 * error the register would raise only while applying is found when the
 * file's other errors are fixed).  IMPORT_QUARANTINE imports the good
 * groups and writes every row of the others, in file order, to the
 * rejects file: the original columns and an "error" column saying what is
 * wrong with the row, or which line of its group is at fault.  Either way
 * the import is one transaction: a crash or an I/O error leaves the
 * register as it was.
 *
 * The one code path.  The register changes only through the applier and
 * the journal (a journal batch, localdb/journal.h: apply_and_journal()
 * in bulk): each group becomes person.upserted, household.created,
 * household.member_added and residence.opened events, and the events of
 * many groups (about IMPORT_CHUNK_EVENTS) are handed to the batch
 * together; the batch prepares its statements once per import and
 * journals many chunks in one entry, so the journal is not a million
 * entries long.  All or nothing runs without savepoints (the import's
 * transaction is the unit of failure; see IMPORT_CHUNK_EVENTS for why
 * that matters), quarantine with one per chunk.  Should the applier
 * refuse a chunk (a conflict the look-ups above did not foresee), all or
 * nothing stops applying; quarantine takes the group at fault out with
 * its error and applies the rest again, and after a few such retries
 * applies the chunk group by group.
 *
 * Two threads.  Checking an event against core's rules and encoding it
 * (event_validate_encode()) is a sixth of an import and touches no
 * database, so a bulk load in all or nothing does it on a second thread.
 * Into a register that holds persons or households, that thread is the
 * validator: while this thread applies a chunk's events range by range
 * (VALIDATE_RANGE events), the validator checks and encodes the ranges
 * after it.  Into an empty register (the first digitisation of a ward's
 * books, and nearly every large import) there is nothing to look up, so
 * building the events needs no database either, and the second thread is
 * the builder: it builds the chunks group by group (build_group(), the
 * same code), checks and encodes them, makes the name columns of their
 * new persons (apply_name_cols(), the applier's own), and hands them over
 * up to BUILD_AHEAD chunks ahead, while this thread applies the ones
 * before and hands them back to be freed.  Either way the applier takes each range
 * with its encoding (apply_session_range(), journal_batch_add_range())
 * instead of checking it again.  The rules are the same code, only run
 * elsewhere; the journal's bytes, the tables and the versions are those
 * of the serial path (a chunk's ranges go into one entry:
 * JOURNAL_BATCH_CONTINUE; IMPORT_ONE_THREAD runs the serial path, and the
 * tests compare them), and a range the second thread does not pass - a
 * refusal, or an event that would need bringing to NFC - is handed to the
 * applier unchecked, which checks it itself and says what is wrong where
 * the serial path would.  Only this thread uses the database connection.
 * Quarantine, whose retries take groups out of a chunk, stays on one
 * thread.
 *
 * Bulk load.  The import holds one write transaction for the whole file;
 * for its length the page cache is raised (import_cache_kib()), so that the
 * indexes being filled stay in memory and each page is encrypted and
 * written once, at commit, instead of being spilled and rewritten.  The
 * synchronous level is the store's (full): one commit costs one sync,
 * whatever the size.  A file of IMPORT_DEFER_ROWS rows or more, in a
 * transaction of the import's own, is also loaded so:
 *   - Rollback journal instead of WAL.  In WAL mode every page the import
 *     writes is written twice, to the WAL at commit and to the database at
 *     the checkpoint that follows, and in the encrypted store each write
 *     is an encryption and the checkpoint's read a decryption: three AEAD
 *     passes per page instead of one.  In rollback mode a new page (nearly
 *     all of them: the register grows) is written once, to the database,
 *     and the journal holds only the pages the file had before.  So a
 *     store in WAL mode is switched to DELETE before the transaction and
 *     back to WAL after it, whatever its outcome (bulk_journal_begin(),
 *     bulk_journal_end()).  Crash safety is SQLite's in either mode (the
 *     page cipher encrypts the rollback journal as it does the WAL; a hot
 *     journal is rolled back at the next open, and the store then sets WAL
 *     again).  The switch needs the database to itself: with another
 *     connection open it is refused and the import runs in WAL mode.  The
 *     price: while the import writes, readers in other processes wait
 *     (they get SQLITE_BUSY) instead of reading the state before it.
 *   - The non-unique indexes of the tables the import fills (persons'
 *     sort key and birth year, memberships and residences by person, ...:
 *     CREATE INDEX, not UNIQUE, bulk_indexes_drop()) are dropped at the
 *     start of the transaction and created again, from the statements the
 *     schema held, just before it commits: one sort per index instead of
 *     a B-tree descent per row.  It is all one transaction, so the schema
 *     is never seen without them - committed, rolled back (an error, a dry
 *     run, a crash) or interrupted, the database has the schema it had.
 *     The unique indexes stay: the applier's refusals and look-ups depend
 *     on them.  The applier's statements, prepared while the indexes are
 *     away, are prepared again by SQLite when the schema changes back.
 *   - Foreign keys are off for the transaction (bulk_keys_off(); the
 *     pragma cannot change inside one) and every key of the tables the
 *     import fills is checked before the commit (bulk_keys_check(),
 *     schema_fk_check()): by ranges, since the register's ids are dense,
 *     one scan per table (0.45 s at a million persons) instead of a
 *     parent look-up per key per row (some 5 s of the apply phase).  A
 *     broken key fails the import as a fault of this program, and nothing
 *     is kept; the keys are turned on again however the transaction ends.
 *   - In rollback mode the encrypted store's pages are written behind
 *     (cipher_write_behind(), localdb/cipher.c "WRITE-BEHIND"): at the
 *     commit SQLite hands each page over and goes on; the page cipher's
 *     own thread seals them and writes runs of them directly to the disk.
 *     The commit still ends only when every page is written and synced.
 * An import into a register without persons and households skips the
 * look-ups of what the register holds (register_is_empty(): the groups of
 * one file share no person and no household, so nothing the import itself
 * adds can be met again).  The full-text name index
 * (localdb/search_index.h) is the costly part of a person's insert when
 * its triggers feed it row by row: for a file of IMPORT_DEFER_ROWS rows or
 * more the import suspends it (search_defer()) and rebuilds it in one pass
 * before committing (search_rebuild()), inside the same transaction, so a
 * crash leaves neither a half-built index nor a suspended one; smaller
 * files keep the triggers, as a rebuild costs in proportion to the whole
 * register.  With the builder, the index is made on a third thread
 * instead (struct namer): the builder lists every person it builds with
 * the name columns it made, in order; once the last chunk is applied a
 * thread makes the index of that list in a private in-memory database
 * (search_build(), the rebuild's own code) while this one creates the
 * other indexes, and this thread then copies it in (search_adopt(), in
 * the same transaction) - after checking that the register's persons are
 * exactly the listed ones, ids 1 to n (persons_are_list(): the register
 * had none, and an insert takes the next id).  Anything else (a person
 * whose columns the applier made, a failed copy) falls back to
 * search_rebuild(); the rows are the same either way (test_import
 * compares them byte for byte).  At a million persons: 2.2 s at the end
 * of the import -> 0.4 s. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "core/canon.h"
#include "core/date.h"
#include "core/event.h"
#include "core/field.h"
#include "core/i18n.h"
#include "core/idnum.h"
#include "core/name.h"
#include "core/utf8.h"
#include "localdb/apply.h"
#include "localdb/cipher.h"
#include "localdb/import.h"
#include "localdb/journal.h"
#include "localdb/schema.h"
#include "localdb/search.h"

/* Events handed to the journal batch together: about 85 persons.  In
 * quarantine mode not more: the applier holds a SAVEPOINT around each
 * chunk, and with temp_store = MEMORY (which the page cipher requires)
 * SQLite keeps the pages journalled under it in an in-memory sub-journal
 * of 1 KiB links that every statement walks from its start when it
 * releases its own statement savepoint; the walk grows with the pages the
 * chunk has touched, so long chunks are quadratic (measured: 4096 events
 * cost half as much again as 256).  All or nothing holds no savepoint,
 * and the size only bounds the events built ahead. */
#define IMPORT_CHUNK_EVENTS 256
/* Refusals of one chunk before it is applied group by group. */
#define IMPORT_CHUNK_RETRIES 4
/* Files of at least this many rows suspend the name index while they are
 * applied and rebuild it at the end (search_defer(), search_rebuild()):
 * the rebuild costs a few seconds per million persons in the register,
 * the triggers a segment of the full-text index per person. */
#define IMPORT_DEFER_ROWS 5000
/* Page cache for the length of an import, KiB (import_cache_kib()): a
 * quarter of the machine's memory, at least IMPORT_CACHE_MIN_KIB (what the
 * encrypted store allows itself anyway, STORE_CACHE_KIB in
 * localdb/store.h, so that an import never shrinks its cache) and at most
 * IMPORT_CACHE_MAX_KIB.  Memory is taken only as pages are used: a file
 * of 10,000 persons takes some 10 MB whatever the limit.  Why so large: a
 * bulk load writes some 930 bytes per person (a million persons, 900 MB),
 * all of it dirty until the commit, and once the cache is full SQLite
 * spills the pages that were made dirty first - the root and inner pages
 * of the indexes, which the import goes on changing - so they are
 * encrypted, written, read back and decrypted again and again: at
 * 1,000,000 persons with 512 MiB the import took a quarter longer than
 * with 1 GiB (bench/RESULTS.md, "Import"). */
#define IMPORT_CACHE_MIN_KIB 524288
#define IMPORT_CACHE_MAX_KIB 2097152
/* Read size. */
#define READ_CHUNK 65536

/* ---- Storage ---- */

/* A growable byte arena; strings are kept by offset, NUL-terminated. */
struct arena {
	char *p;
	size_t len, cap;
};

#define NO_OFF ((size_t)-1)

/* Append n bytes and a NUL; the offset, or NO_OFF when out of memory. */
static size_t
arena_add(struct arena *a, const char *s, size_t n)
{
	size_t off, cap;
	char *q;

	if (a->len + n + 1 > a->cap) {
		cap = a->cap != 0 ? a->cap : 65536;
		while (cap < a->len + n + 1)
			cap *= 2;
		q = realloc(a->p, cap);
		if (q == NULL)
			return NO_OFF;
		a->p = q;
		a->cap = cap;
	}
	off = a->len;
	if (n > 0)
		memcpy(a->p + off, s, n);
	a->p[off + n] = '\0';
	a->len += n + 1;
	return off;
}

static const char *
arena_str(const struct arena *a, size_t off)
{
	return off == NO_OFF ? "" : a->p + off;
}

/* FNV-1a. */
static uint32_t
hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* An open-addressing set of indexes (into rows or households), each
 * standing for the string key_of() gives it. */
struct htab {
	uint32_t *slot;      /* index + 1; 0 empty */
	uint32_t *hash;
	size_t mask, n;
};

typedef const char *(*key_fn)(const void *ctx, uint32_t index);

static int
htab_grow(struct htab *t)
{
	size_t cap = t->slot == NULL ? 1024 : (t->mask + 1) * 2, i, j;
	uint32_t *slot = calloc(cap, sizeof *slot);
	uint32_t *hash = calloc(cap, sizeof *hash);

	if (slot == NULL || hash == NULL) {
		free(slot);
		free(hash);
		return CUTRU_ENOMEM;
	}
	for (i = 0; t->slot != NULL && i <= t->mask; i++) {
		if (t->slot[i] == 0)
			continue;
		for (j = t->hash[i] & (cap - 1); slot[j] != 0;
		    j = (j + 1) & (cap - 1))
			;
		slot[j] = t->slot[i];
		hash[j] = t->hash[i];
	}
	free(t->slot);
	free(t->hash);
	t->slot = slot;
	t->hash = hash;
	t->mask = cap - 1;
	return CUTRU_OK;
}

/* The index standing for key, or, when there is none, add idx for it.
 * *found is the index found or added; *added says which. */
static int
htab_intern(struct htab *t, const char *key, uint32_t idx, key_fn key_of,
    const void *ctx, uint32_t *found, int *added)
{
	uint32_t h = hash_str(key);
	size_t j;

	if ((t->n + 1) * 2 > t->mask + 1 || t->slot == NULL)
		if (htab_grow(t) != CUTRU_OK)
			return CUTRU_ENOMEM;
	for (j = h & t->mask; t->slot[j] != 0; j = (j + 1) & t->mask)
		if (t->hash[j] == h &&
		    strcmp(key_of(ctx, t->slot[j] - 1), key) == 0) {
			*found = t->slot[j] - 1;
			*added = 0;
			return CUTRU_OK;
		}
	t->slot[j] = idx + 1;
	t->hash[j] = h;
	t->n++;
	*found = idx;
	*added = 1;
	return CUTRU_OK;
}

static void
htab_free(struct htab *t)
{
	free(t->slot);
	free(t->hash);
	memset(t, 0, sizeof *t);
}

/* ---- The CSV reader ----
 *
 * A record is read into c->fb, its fields back to back, each followed by
 * a NUL.  The raw bytes of the record stay in c->buf from c->rec until the
 * next record begins, so that the reader can go back to the end of the
 * record's first line when a quote turns out never to close. */

/* Record faults (struct csv.rflags). */
#define CSV_TOO_LONG 0x01u    /* longer than IMPORT_RECORD_MAX */
#define CSV_UNCLOSED 0x02u    /* a quote never closed */
#define CSV_LONE_CR 0x04u     /* CR not followed by LF */
#define CSV_BAD_QUOTE 0x08u   /* a quote inside an unquoted field */
#define CSV_AFTER_QUOTE 0x10u /* text after a closing quote */
#define CSV_TOO_MANY 0x20u    /* more than IMPORT_COLUMNS_MAX fields */
#define CSV_NFAULTS 6

/* Field faults (struct csv.fflags[i]). */
#define CSVF_TOO_LONG 0x1u
#define CSVF_NUL 0x2u

struct csv {
	FILE *in;
	unsigned char *buf;
	size_t cap, pos, end, rec;
	int eof, ioerr;
	unsigned long line;           /* line number at pos */
	int at_start;                 /* nothing read yet: look for a BOM */
	size_t expect;                /* fields a record should have; 0 */
	/* The record just read. */
	unsigned long rec_line;
	char *fb;
	size_t fblen;
	size_t foff[IMPORT_COLUMNS_MAX];
	size_t flen[IMPORT_COLUMNS_MAX];
	unsigned char fflags[IMPORT_COLUMNS_MAX];
	size_t nfields;               /* fields seen, stored or not */
	unsigned rflags;
	size_t fault_at[CSV_NFAULTS]; /* field index of each fault's first
	                               * occurrence */
};

#define FB_SIZE (IMPORT_COLUMNS_MAX * (IMPORT_FIELD_MAX + 1))

static int
csv_open(struct csv *c, FILE *in)
{
	memset(c, 0, sizeof *c);
	c->in = in;
	c->cap = IMPORT_RECORD_MAX + READ_CHUNK;
	c->buf = malloc(c->cap);
	c->fb = malloc(FB_SIZE);
	c->line = 1;
	c->at_start = 1;
	if (c->buf == NULL || c->fb == NULL)
		return CUTRU_ENOMEM;
	return CUTRU_OK;
}

static void
csv_close(struct csv *c)
{
	free(c->buf);
	free(c->fb);
	c->buf = NULL;
	c->fb = NULL;
}

/* Make more bytes available at c->pos, keeping the record's from c->rec.
 * 1 if there are, 0 at the end of the input (or on a read error: ioerr). */
static int
csv_fill(struct csv *c)
{
	size_t n;

	if (c->pos < c->end)
		return 1;
	if (c->eof)
		return 0;
	if (c->rec > 0) {
		memmove(c->buf, c->buf + c->rec, c->end - c->rec);
		c->pos -= c->rec;
		c->end -= c->rec;
		c->rec = 0;
	}
	n = fread(c->buf + c->end, 1, c->cap - c->end, c->in);
	if (n == 0) {
		if (ferror(c->in))
			c->ioerr = 1;
		c->eof = 1;
		return 0;
	}
	c->end += n;
	return 1;
}

static void
csv_fault(struct csv *c, unsigned fault)
{
	int i;

	if (c->rflags & fault)
		return;
	c->rflags |= fault;
	for (i = 0; i < CSV_NFAULTS; i++)
		if (fault == 1u << i)
			c->fault_at[i] = c->nfields;
}

/* Field being read: append a byte (or note that it does not fit). */
static void
csv_put(struct csv *c, unsigned char ch)
{
	size_t f = c->nfields;

	if (f >= IMPORT_COLUMNS_MAX)
		return;
	if (ch == 0) {
		c->fflags[f] |= CSVF_NUL;
		return;
	}
	if (c->flen[f] >= IMPORT_FIELD_MAX) {
		c->fflags[f] |= CSVF_TOO_LONG;
		return;
	}
	c->fb[c->foff[f] + c->flen[f]++] = (char)ch;
}

/* csv_put() of n bytes none of which is NUL. */
static void
csv_put_run(struct csv *c, const unsigned char *s, size_t n)
{
	size_t f = c->nfields, room;

	if (f >= IMPORT_COLUMNS_MAX)
		return;
	room = IMPORT_FIELD_MAX - c->flen[f];
	if (n > room) {
		c->fflags[f] |= CSVF_TOO_LONG;
		n = room;
	}
	memcpy(c->fb + c->foff[f] + c->flen[f], s, n);
	c->flen[f] += n;
}

/* Bytes from c->pos that the state machine below would only copy into
 * the field (nothing that ends it, quotes, line breaks, NUL), within the
 * buffer and the record's limit: how many. */
static size_t
csv_plain_run(const struct csv *c, int quoted)
{
	size_t lim = c->end, n;
	unsigned char ch;

	if (lim - c->rec > IMPORT_RECORD_MAX)
		lim = c->rec + IMPORT_RECORD_MAX;
	for (n = c->pos; n < lim; n++) {
		ch = c->buf[n];
		if (ch == '"' || ch == '\n' || ch == '\r' || ch == '\0' ||
		    (ch == ',' && !quoted))
			break;
	}
	return n > c->pos ? n - c->pos : 0;
}

static void
csv_field_begin(struct csv *c)
{
	size_t f = c->nfields;

	if (f >= IMPORT_COLUMNS_MAX) {
		csv_fault(c, CSV_TOO_MANY);
		return;
	}
	c->foff[f] = c->fblen;
	c->flen[f] = 0;
	c->fflags[f] = 0;
}

static void
csv_field_end(struct csv *c)
{
	size_t f = c->nfields;

	if (f < IMPORT_COLUMNS_MAX) {
		if (c->fflags[f] & CSVF_TOO_LONG)
			c->flen[f] = 0;
		c->fb[c->foff[f] + c->flen[f]] = '\0';
		c->fblen = c->foff[f] + c->flen[f] + 1;
	}
	c->nfields++;
}

/* Skip to the end of the current line (past its LF), discarding. */
static void
csv_skip_line(struct csv *c)
{
	unsigned char *lf;

	for (;;) {
		c->rec = c->pos;    /* nothing to keep */
		if (!csv_fill(c))
			return;
		lf = memchr(c->buf + c->pos, '\n', c->end - c->pos);
		if (lf != NULL) {
			c->pos = (size_t)(lf - c->buf) + 1;
			c->line++;
			return;
		}
		c->pos = c->end;
	}
}

enum csv_state { ST_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE };

static int csv_parse(struct csv *c, int line_only);

/* The record ends here.  A record that went on to another line inside
 * quotes and then turned out malformed (text after the closing quote, a
 * stray quote, a lone CR, or the wrong number of fields) is most likely a
 * quote that was never closed and has paired with a quote on a later
 * line: read its first line again as the whole record, so that the rows
 * after it are not lost. */
static int
csv_done(struct csv *c, int multiline, int line_only)
{
	csv_field_end(c);
	if (multiline && !line_only &&
	    ((c->rflags & (CSV_AFTER_QUOTE | CSV_BAD_QUOTE | CSV_LONE_CR |
	    CSV_TOO_MANY)) || (c->expect != 0 && c->nfields != c->expect))) {
		c->pos = c->rec;
		c->line = c->rec_line;
		return csv_parse(c, 1);
	}
	return 1;
}

/* Read one record from c->pos.  line_only: a line break ends the record
 * even inside quotes (used to re-read the first line of a record whose
 * quote never closed; the quote is then a fault).  1: a record; 0: end of
 * input. */
static int
csv_parse(struct csv *c, int line_only)
{
	enum csv_state st = ST_START;
	int cr = 0, any = 0, multiline = 0;
	unsigned char ch;

	c->rec = c->pos;
	c->rec_line = c->line;
	c->fblen = 0;
	c->nfields = 0;
	c->rflags = 0;
	memset(c->fault_at, 0, sizeof c->fault_at);
	csv_field_begin(c);
	for (;;) {
		if (!csv_fill(c)) {
			if (!any)
				return 0;
			if (cr)
				csv_fault(c, CSV_LONE_CR);
			if (st == ST_QUOTED)
				goto unclosed;
			return csv_done(c, multiline, line_only);
		}
		if (c->pos - c->rec >= IMPORT_RECORD_MAX) {
			if (st == ST_QUOTED)
				goto unclosed;
			csv_fault(c, CSV_TOO_LONG);
			csv_field_end(c);
			csv_skip_line(c);
			return 1;
		}
		/* The common case, a run of ordinary bytes, copied at once
		 * (exactly what one csv_put() per byte would do). */
		if (!cr && st != ST_QUOTE) {
			size_t run = csv_plain_run(c, st == ST_QUOTED);

			if (run > 0) {
				csv_put_run(c, c->buf + c->pos, run);
				c->pos += run;
				any = 1;
				if (st == ST_START)
					st = ST_UNQUOTED;
				continue;
			}
		}
		ch = c->buf[c->pos++];
		any = 1;
		if (cr) {
			cr = 0;
			if (ch == '\n') {
				c->line++;
				return csv_done(c, multiline, line_only);
			}
			csv_fault(c, CSV_LONE_CR);
		}
		switch (st) {
		case ST_START:
		case ST_UNQUOTED:
			if (ch == ',') {
				csv_field_end(c);
				csv_field_begin(c);
				st = ST_START;
			} else if (ch == '\n') {
				c->line++;
				return csv_done(c, multiline, line_only);
			} else if (ch == '\r')
				cr = 1;
			else if (ch == '"' && st == ST_START)
				st = ST_QUOTED;
			else {
				if (ch == '"')
					csv_fault(c, CSV_BAD_QUOTE);
				csv_put(c, ch);
				st = ST_UNQUOTED;
			}
			break;
		case ST_QUOTED:
			if (ch == '"')
				st = ST_QUOTE;
			else if (line_only && (ch == '\n' || ch == '\r')) {
				if (ch == '\r' && csv_fill(c) &&
				    c->buf[c->pos] == '\n')
					c->pos++;
				c->line++;
				csv_fault(c, CSV_UNCLOSED);
				csv_field_end(c);
				return 1;
			} else {
				if (ch == '\n') {
					c->line++;
					multiline = 1;
				}
				csv_put(c, ch);
			}
			break;
		case ST_QUOTE:
			if (ch == '"') {
				csv_put(c, ch);
				st = ST_QUOTED;
			} else if (ch == ',') {
				csv_field_end(c);
				csv_field_begin(c);
				st = ST_START;
			} else if (ch == '\n') {
				c->line++;
				return csv_done(c, multiline, line_only);
			} else if (ch == '\r') {
				cr = 1;
				st = ST_UNQUOTED;
			} else {
				csv_fault(c, CSV_AFTER_QUOTE);
				csv_put(c, ch);
				st = ST_UNQUOTED;
			}
			break;
		}
	}
unclosed:
	/* A quote open at the end of the input or after IMPORT_RECORD_MAX
	 * bytes: most likely a closing quote is missing.  Read the record's
	 * first line again as the whole record and go on after it; if the
	 * record has no line break (the quote opened on a line longer than
	 * the limit), skip that line. */
	{
		unsigned char *lf = memchr(c->buf + c->rec, '\n',
		    c->pos - c->rec);

		if (lf != NULL && !line_only) {
			c->pos = c->rec;
			c->line = c->rec_line;
			return csv_parse(c, 1);
		}
		csv_fault(c, c->eof ? CSV_UNCLOSED : CSV_TOO_LONG);
		csv_field_end(c);
		if (!c->eof)
			csv_skip_line(c);
		return 1;
	}
}

/* The next record; skips a UTF-8 byte order mark at the start of the
 * input.  1: a record, 0: end of input; *utf16 set for a UTF-16 BOM. */
static int
csv_next(struct csv *c, int *utf16)
{
	*utf16 = 0;
	if (c->at_start) {
		c->at_start = 0;
		while (c->end - c->pos < 3 && !c->eof) {
			size_t n = fread(c->buf + c->end, 1, 3 - (c->end - c->pos),
			    c->in);

			if (n == 0) {
				if (ferror(c->in))
					c->ioerr = 1;
				c->eof = 1;
			}
			c->end += n;
		}
		if (c->end - c->pos >= 3 && c->buf[c->pos] == 0xEF &&
		    c->buf[c->pos + 1] == 0xBB && c->buf[c->pos + 2] == 0xBF)
			c->pos += 3;
		else if (c->end - c->pos >= 2 &&
		    ((c->buf[c->pos] == 0xFF && c->buf[c->pos + 1] == 0xFE) ||
		    (c->buf[c->pos] == 0xFE && c->buf[c->pos + 1] == 0xFF))) {
			*utf16 = 1;
			return 0;
		}
	}
	return csv_parse(c, 0);
}

/* Write one field, quoted when it must be, with the formula escape. */
static void
csv_write_field(FILE *f, const char *s)
{
	const char *p;
	int quote = 0;

	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
	    (s[0] == '\'' && s[1] != '\0' && strchr("=+-@", s[1]) != NULL))
		quote = 2;      /* escape */
	for (p = s; *p != '\0' && !quote; p++)
		if (*p == ',' || *p == '"' || *p == '\n' || *p == '\r')
			quote = 1;
	if (s[0] == ' ' || (s[0] != '\0' && s[strlen(s) - 1] == ' '))
		quote = quote ? quote : 1;
	if (!quote) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (quote == 2)
		fputc('\'', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

/* ---- Columns ---- */

enum col {
	COL_HOUSEHOLD, COL_REL, COL_NAME, COL_DOB, COL_SEX, COL_ID, COL_CMND,
	COL_COMMUNE, COL_ADDRESS, COL_KIND, COL_FROM, COL_TO, COL_ERROR,
	NCOL,
	COL_NONE = NCOL
};

/* Canonical names, in the order of export_csv(). */
static const char *const col_name[NCOL] = {
	"household_number", "relationship", "name", "dob", "sex", "id_number",
	"cmnd", "commune", "address", "residence_kind", "from", "to", "error"
};

static const struct {
	const char *name;
	enum col col;
} col_alias[] = {
	{ "household", COL_HOUSEHOLD },
	{ "full_name", COL_NAME },
	{ "date_of_birth", COL_DOB },
};

/* Columns a header must have. */
static const enum col col_required[] = {
	COL_NAME, COL_DOB, COL_SEX, COL_ID, COL_COMMUNE, COL_ADDRESS
};

enum kind { KIND_NONE, KIND_PERMANENT, KIND_TEMPORARY, KIND_CURRENT };
static const char *const kind_id[] = { "", "permanent", "temporary",
	"current" };

/* struct row.flags */
#define ROW_BAD 0x01u        /* an error of its own */
#define ROW_HEAD 0x02u       /* relationship marks the head */
#define ROW_UNREADABLE 0x04u /* not read as CSV: columns unknown */
#define ROW_ID_OK 0x08u      /* id_number valid */
#define ROW_GROUP_BAD 0x10u  /* on a group's first row */
#define ROW_DONE 0x20u       /* on a group's first row: handled */
#define ROW_IMPORTED 0x40u   /* on a group's first row: in the register */
#define ROW_TOUCHED 0x80u    /* an event was built from the row */

struct row {
	size_t raw;                 /* arena: NCOL raw fields, back to back */
	size_t name, address, rel;  /* arena: stored forms, or NO_OFF */
	size_t household;           /* arena: household number, or NO_OFF */
	unsigned long line;
	uint32_t parent;            /* union-find: the group's first row */
	uint32_t next;              /* next row of the group + 1; 0: last */
	uint32_t hh;                /* household index + 1; 0: none */
	uint32_t person;            /* first row with the same ID number */
	uint32_t first_err;         /* first error of the row + 1; 0: none */
	uint32_t gidx;              /* position in its group (build_group) */
	struct cutru_date dob, from, to;
	char id[IDNUM_LEN + 1];
	char cmnd[IDNUM_CMND_LEN + 1];
	char commune[6];
	unsigned char sex, kind, flags;
	unsigned char kinds;        /* on a person's first row: bit 1 << kind
	                             * for each of their rows */
};

struct household {
	size_t number;              /* arena */
	uint32_t first;             /* first row */
	uint32_t head;              /* first head row + 1; 0: none yet */
	unsigned nheads;            /* distinct persons marked head */
	unsigned long head_line[3];
};

struct ierr {
	unsigned long line;
	uint32_t row;               /* row + 1; 0: the file */
	uint32_t next;              /* next error of the same row + 1 */
	size_t seq;
	unsigned char col;          /* enum col, COL_NONE */
	size_t msg;                 /* offset in msgs */
};

/* Register look-ups. */
enum q {
	Q_PERSON, Q_HOUSEHOLD, Q_MEMBER, Q_RESIDENCES, Q_COUNT
};

static const char *const q_sql[Q_COUNT] = {
	[Q_PERSON] =
	    "SELECT id, name, dob, sex, legacy_cmnd FROM persons"
	    " WHERE id_number = ?1",
	[Q_HOUSEHOLD] =
	    "SELECT h.dissolved, p.id_number FROM households h"
	    " LEFT JOIN persons p ON p.id = h.head_id WHERE h.number = ?1",
	[Q_MEMBER] =
	    "SELECT h.number, m.relationship FROM household_members m"
	    " JOIN households h ON h.id = m.household_id"
	    " WHERE m.person_id = ?1 AND m.until IS NULL",
	[Q_RESIDENCES] =
	    "SELECT r.kind, a.commune_code, a.detail, r.from_date, r.to_date"
	    " FROM residences r JOIN addresses a ON a.id = r.address_id"
	    " WHERE r.person_id = ?1 AND r.state = 'active'",
};

/* The validator: a second thread that checks and encodes the events of
 * the chunk being applied with core's event_validate_encode(), a range of
 * VALIDATE_RANGE events at a time, while this thread applies the ranges
 * already checked (batch_add_pipelined()).  A range is handed over once
 * the thread is done with it and never touched by it again; the chunk is
 * freed only once the thread is idle.  It reads the chunk's events and
 * the row text they refer to, which nothing changes meanwhile. */
#define VALIDATE_RANGE 16

struct vrange {
	struct canon_buf enc;       /* its events' encodings, comma-joined */
	int ok;                     /* all valid and already NFC */
	/* The builder only: the name columns of its person.upserted events,
	 * in order (apply_session_name_cols()). */
	struct apply_name_cols *nc;
	size_t nnc, capnc;
};

struct validator {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started;
	/* Under mu. */
	int quit, stop;
	const cJSON *chunk;         /* being validated; NULL: idle */
	size_t published;           /* ranges done */
	/* Set while the thread is idle. */
	struct vrange *r;
	size_t nr, capr;
};

/* Events of one group within the chunk being built. */
struct slice {
	uint32_t root;              /* the group's first row */
	size_t first, n;            /* events [first, first + n) */
	size_t rows, unchanged;     /* rows of the group, rows needing nothing */
	size_t persons, households, members, residences;
};

/* The builder: in a bulk load into an empty register (all or nothing),
 * a second thread builds the chunks (build_group(): an empty register
 * has nothing to look up, so building needs no database), checks and
 * encodes their events as the validator does, and hands them over ready,
 * while this thread applies the ones before; it also frees them once
 * applied.  BUILD_AHEAD chunks at most are built ahead.  See "Two
 * threads" at the top of the file. */
#define BUILD_AHEAD 4

enum { SLOT_FREE, SLOT_READY, SLOT_SPENT };

/* The builder's chunks are trees of cJSON nodes that it makes, reads
 * (checks, encodes, copies: built_flatten()) and throws away whole, a
 * million persons' worth, some 27 nodes and strings a person: malloc() and
 * free() were a fifth of its time.  So its nodes are cut from blocks kept
 * from chunk to chunk and given back all at once (jn_reset()), and such a
 * tree is never given to cJSON_Delete().  Off (on == 0): the nodes are
 * cJSON's own, for the paths that edit their chunks (flush_each()). */
struct jblock {
	struct jblock *next;
	size_t cap, used;
	max_align_t mem[];
};

struct jnodes {
	int on;
	struct jblock *head, *cur;
};

#define JN_BLOCK ((size_t)1 << 20)

static void *
jn_alloc(struct jnodes *a, size_t n)
{
	struct jblock *b = a->cur;
	void *p;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	while (b != NULL && b->cap - b->used < n)
		b = a->cur = b->next;
	if (b == NULL) {
		size_t cap = n > JN_BLOCK ? n : JN_BLOCK;

		if ((b = malloc(sizeof *b + cap)) == NULL)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = NULL;
		if (a->head == NULL)
			a->head = b;
		else {
			struct jblock *t = a->head;

			while (t->next != NULL)
				t = t->next;
			t->next = b;
		}
		a->cur = b;
	}
	p = (unsigned char *)b->mem + b->used;
	b->used += n;
	return p;
}

/* Every node given back; the blocks are kept. */
static void
jn_reset(struct jnodes *a)
{
	struct jblock *b;

	for (b = a->head; b != NULL; b = b->next)
		b->used = 0;
	a->cur = a->head;
}

static void
jn_free(struct jnodes *a)
{
	struct jblock *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = a->cur = NULL;
}

struct built {
	int state;                  /* under the builder's mu */
	cJSON *chunk;
	struct jnodes jn;           /* its nodes, when the builder's */
	/* The chunk's tree copied node by node into one block, in the order
	 * the applier reads it, each string value next to its node
	 * (built_flatten()), or NULL: the applier reads this copy, whose
	 * nodes it then finds side by side instead of scattered over the
	 * builder's heap and the file's text - on the other core, the misses
	 * cost a tenth of the apply phase.  The copy is never freed node by
	 * node, and keys and names are the chunk's: it does not outlive the
	 * chunk. */
	cJSON *flat;
	unsigned char *flat_mem;    /* capflat bytes, kept from chunk to chunk */
	size_t capflat;
	uint32_t *ev_row;
	size_t nev, capev;
	struct slice *slices;
	size_t nslices, capslices;
	struct vrange *r;           /* its ranges, checked and encoded */
	size_t nr, capr;
};

/* The persons a bulk load into an empty register creates, in the order it
 * creates them (person i gets id i + 1), with the name columns the builder
 * made for them: what the name index needs (search_build()). */
struct name_list {
	struct arena text;          /* their sort keys and folded names */
	struct name_ent {
		size_t key, folded;     /* offsets in text */
		uint32_t keylen, flen;
	} *p;
	size_t n, cap;
	int broken;                 /* a person's columns were not made here */
};

/* The name index, made from a name_list on a thread of its own while the
 * applier makes the other indexes (see search_build()). */
struct namer {
	pthread_t thread;
	int started;
	struct name_list list;
	sqlite3 *img;               /* the index made, or NULL */
	int rc;
	struct cutru_err e;
};

struct builder {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started;
	struct imp *w;              /* the builder's own importer */
	struct built slot[BUILD_AHEAD];
	struct name_list names;     /* the builder's own until it is done */
	/* Under mu. */
	int quit;                   /* the applier wants no more */
	int done;                   /* every chunk handed over */
	int rc;                     /* CUTRU_OK, or why the builder stopped */
};

struct imp {
	sqlite3 *db;
	const struct import_opts *o;
	struct import_report *r;
	struct csv csv;
	struct arena a;             /* rows' text */
	struct arena msgs;          /* messages and column names */
	struct row *rows;
	size_t nrows, caprows;
	struct household *hhs;
	size_t nhh, caphh;
	struct htab ids, hnums;
	struct ierr *errs;
	size_t nerrs, caperrs;
	int too_many_errors;
	int defer_links;            /* read_row() leaves link_person() and
	                             * link_household() to read_split() */
	int saw_unclosed;           /* a record with an unclosed quote */
	FILE *split_in;             /* read_split()'s stream over split_mem */
	unsigned char *split_mem;   /* the file, read by read_split() */
	/* The header. */
	unsigned char hdr[IMPORT_COLUMNS_MAX];  /* column -> enum col */
	size_t ncols;
	size_t colname[NCOL];       /* in msgs: the name as written; NO_OFF:
	                             * not in the file */
	/* Reference data. */
	char units_version[64];     /* "" when no units are loaded */
	char (*units)[6];           /* its commune codes, sorted; read only
	                             * once loaded (units_version()) */
	size_t nunits;
	sqlite3_stmt *q[Q_COUNT];
	/* The chunk being built. */
	struct apply_ctx ctx;
	struct journal_batch *batch; /* begun with the first chunk */
	int pipeline;               /* validate on a second thread */
	struct validator val;
	int building;               /* build on a second thread (builder) */
	struct builder bld;
	struct namer namer;
	cJSON *chunk;
	struct jnodes jn;           /* the chunk's nodes (the builder's) */
	uint32_t *ev_row;           /* row behind each event of the chunk */
	size_t nev, capev;
	struct slice *slices;
	size_t nslices, capslices;
	int stop_applying;          /* all or nothing, and an error seen */
	int id_map;                 /* persons_id_number was dropped: the
	                             * applier keeps the ID-number map */
	int register_empty;         /* no persons, no households: nothing to
	                             * look up (register_is_empty()) */
	size_t applied_groups;
};

static void *
grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap != 0 ? *cap : 64;
	void *q;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	q = realloc(p, n * size);
	if (q != NULL)
		*cap = n;
	return q;
}

/* ---- Errors ---- */

static const char *
col_label(const struct imp *im, int col)
{
	if (col >= NCOL)
		return "";
	if (im->colname[col] != NO_OFF)
		return arena_str(&im->msgs, im->colname[col]);
	return col_name[col];
}

/* Record an error of row ri (or of the file, ri = UINT32_MAX) at line. */
static int
add_error(struct imp *im, uint32_t ri, unsigned long line, int col,
    const char *msg)
{
	struct ierr *er, *grown;
	size_t off;

	if (im->nerrs >= IMPORT_ERRORS_MAX) {
		im->too_many_errors = 1;
		return CUTRU_OK;
	}
	grown = grow(im->errs, &im->caperrs, im->nerrs + 1, sizeof *im->errs);
	if (grown == NULL)
		return CUTRU_ENOMEM;
	im->errs = grown;
	off = arena_add(&im->msgs, msg, strlen(msg));
	if (off == NO_OFF)
		return CUTRU_ENOMEM;
	er = &im->errs[im->nerrs];
	er->line = line;
	er->row = ri == UINT32_MAX ? 0 : ri + 1;
	er->next = 0;
	er->seq = im->nerrs;
	er->col = (unsigned char)(col < 0 ? COL_NONE : col);
	er->msg = off;
	if (ri != UINT32_MAX) {
		struct row *rw = &im->rows[ri];

		rw->flags |= ROW_BAD;
		if (rw->first_err == 0)
			rw->first_err = (uint32_t)im->nerrs + 1;
		else {
			uint32_t k = rw->first_err - 1;

			while (im->errs[k].next != 0)
				k = im->errs[k].next - 1;
			im->errs[k].next = (uint32_t)im->nerrs + 1;
		}
	}
	im->nerrs++;
	return CUTRU_OK;
}

static int row_err(struct imp *im, uint32_t ri, int col, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
row_err(struct imp *im, uint32_t ri, int col, const char *fmt, ...)
{
	char msg[CUTRU_ERR_MSG_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return add_error(im, ri, im->rows[ri].line, col, msg);
}

/* A refusal from core/ (e) as the error of row ri, column col. */
static int
row_err_core(struct imp *im, uint32_t ri, int col, const struct cutru_err *e)
{
	return add_error(im, ri, im->rows[ri].line, col, e->msg);
}

/* ---- Reading values ---- */

/* s[0..n) without ASCII blanks around it, into buf (size bytes); the
 * length, or (size_t)-1 if it does not fit. */
static size_t
trim_copy(const char *s, size_t n, char *buf, size_t size)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= size) {
		buf[0] = '\0';
		return (size_t)-1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return n;
}

/* Fold s for comparing keywords ("Nữ" -> "nu", "Thường trú" -> "thuong
 * tru"); "" when it cannot. */
static void
fold_word(const char *s, size_t n, char *buf, size_t size)
{
	if (n >= NAME_BUF_SIZE / 4 ||
	    name_fold(s, n, buf, size, NULL, NULL) != CUTRU_OK)
		buf[0] = '\0';
}

/* A single-string field check through core/field.h, with no allocation. */
static int
check_value(const struct field *f, const char *s, unsigned flags,
    struct cutru_err *e)
{
	struct field_ctx fctx = { NULL, flags };
	cJSON v;

	memset(&v, 0, sizeof v);
	v.type = cJSON_String;
	v.valuestring = (char *)(uintptr_t)s;
	return field_check(f, &v, &fctx, f->key, e);
}

static const struct field f_household = {
	"household_number", N_("Household number"), FIELD_HOUSEHOLD, 0,
	NULL, NULL, 0
};
static const struct field f_relationship = {
	"relationship", N_("Relationship to the head of household"),
	FIELD_TEXT, 0, NULL, NULL, 40
};
static const struct field f_commune = {
	"commune", N_("Commune"), FIELD_COMMUNE, 0, NULL, NULL, 0
};
static const struct field f_address = {
	"address", N_("House number, street, hamlet"), FIELD_TEXT, 0,
	NULL, NULL, 0
};

static int
unit_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Is the commune code known to the loaded reference data?  Without units
 * loaded every well-formed code is taken.  Pure: the codes were loaded
 * before the file is read, so that both reading threads can ask. */
static int
unit_known(const struct imp *im, const char *code)
{
	if (im->units_version[0] == '\0')
		return 1;
	if (im->nunits == 0)
		return 0;
	return bsearch(code, im->units, im->nunits, sizeof *im->units,
	    unit_cmp) != NULL;
}

/* ---- The header ---- */

static int
read_header(struct imp *im, struct cutru_err *e)
{
	struct csv *c = &im->csv;
	char name[64];
	size_t i, k, n;
	int col, utf16;
	int seen[NCOL];

	for (k = 0; k < NCOL; k++) {
		im->colname[k] = NO_OFF;
		seen[k] = 0;
	}
	if (!csv_next(c, &utf16)) {
		if (c->ioerr)
			return cutru_err_set(e, CUTRU_EIO, NULL,
			    _("The file could not be read: %s."),
			    strerror(errno));
		if (utf16)
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("The file is in UTF-16. Save it as CSV in UTF-8 "
			    "(\"CSV UTF-8\" in the spreadsheet's Save As) and "
			    "import it again."));
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The file is empty: the first line must name the "
		    "columns."));
	}
	if (c->rflags & (CSV_TOO_LONG | CSV_TOO_MANY))
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The first line of the file has more than %d columns or "
		    "more than %d bytes: it is not the header of a household "
		    "book."), IMPORT_COLUMNS_MAX, IMPORT_RECORD_MAX);
	if (c->rflags != 0)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The first line of the file (the column names) is not "
		    "valid CSV: check its quotes and line ends."));
	im->ncols = c->nfields;
	c->expect = c->nfields;
	for (i = 0; i < c->nfields; i++) {
		const char *s = c->fb + c->foff[i];

		if (c->fflags[i] != 0 || utf8_check(s, c->flen[i], 0, NULL) !=
		    UTF8_VALID ||
		    (n = trim_copy(s, c->flen[i], name, sizeof name)) ==
		    (size_t)-1)
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("Column %zu of the header is not a column name "
			    "cutru knows."), i + 1);
		for (k = 0; k < n; k++)
			if (name[k] == ' ' || name[k] == '-')
				name[k] = '_';
			else if (name[k] >= 'A' && name[k] <= 'Z')
				name[k] = (char)(name[k] - 'A' + 'a');
		col = -1;
		for (k = 0; k < NCOL; k++)
			if (strcmp(name, col_name[k]) == 0)
				col = (int)k;
		for (k = 0; col < 0 &&
		    k < sizeof col_alias / sizeof col_alias[0]; k++)
			if (strcmp(name, col_alias[k].name) == 0)
				col = col_alias[k].col;
		if (col < 0)
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("Column \"%s\" of the header is not one cutru "
			    "knows. The columns are household_number, "
			    "relationship, name, dob, sex, id_number, cmnd, "
			    "commune, address, residence_kind, from and to."),
			    name);
		if (seen[col])
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("Column \"%s\" appears twice in the header."),
			    col_name[col]);
		seen[col] = 1;
		im->hdr[i] = (unsigned char)col;
		trim_copy(s, c->flen[i], name, sizeof name);
		im->colname[col] = arena_add(&im->msgs, name, strlen(name));
		if (im->colname[col] == NO_OFF)
			return cutru_err_set(e, CUTRU_ENOMEM, NULL,
			    _("Out of memory while reading the file."));
	}
	for (k = 0; k < sizeof col_required / sizeof col_required[0]; k++)
		if (!seen[col_required[k]])
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("The header has no column \"%s\", which every "
			    "row needs."), col_name[col_required[k]]);
	if (seen[COL_HOUSEHOLD] && !seen[COL_REL])
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The header has a household_number column but no "
		    "relationship column: each member's relationship to the "
		    "head is needed."));
	return CUTRU_OK;
}

/* ---- Rows ---- */

/* Field i of row rw's raw fields (as written, after unquoting). */
static const char *
raw_field(const struct imp *im, const struct row *rw, int col)
{
	const char *s = im->a.p + rw->raw;
	int k;

	for (k = 0; k < col; k++)
		s += strlen(s) + 1;
	return s;
}

/* Union-find: the group's first row. */
static uint32_t
group_of(struct imp *im, uint32_t ri)
{
	uint32_t p, gp;

	/* Path halving; a path already flat is only read, so that the
	 * builder thread and this one may both look groups up once
	 * finish_groups() has flattened every path. */
	while ((p = im->rows[ri].parent) != ri) {
		gp = im->rows[p].parent;
		if (gp != p)
			im->rows[ri].parent = gp;
		ri = gp;
	}
	return ri;
}

static void
group_join(struct imp *im, uint32_t a, uint32_t b)
{
	a = group_of(im, a);
	b = group_of(im, b);
	if (a < b)
		im->rows[b].parent = a;
	else if (b < a)
		im->rows[a].parent = b;
}

static const char *
row_id_key(const void *ctx, uint32_t i)
{
	const struct imp *im = ctx;

	return im->rows[i].id;
}

static const char *
household_key(const void *ctx, uint32_t i)
{
	const struct imp *im = ctx;

	return arena_str(&im->a, im->hhs[i].number);
}

/* The record's structural faults as errors of row ri; 1 when the row's
 * columns cannot be trusted. */
static int
record_faults(struct imp *im, uint32_t ri, int *unreadable)
{
	const struct csv *c = &im->csv;
	int rc = CUTRU_OK;
	size_t f;

	*unreadable = 0;
#define FAULT_COL(bit) \
	(f = c->fault_at[__builtin_ctz(bit)], \
	 f < im->ncols ? (int)im->hdr[f] : (int)COL_NONE)
	if (c->rflags & CSV_UNCLOSED) {
		*unreadable = 1;
		im->saw_unclosed = 1;
		rc = row_err(im, ri, FAULT_COL(CSV_UNCLOSED),
		    _("A quote opens a field on this line and is never "
		    "closed: add the closing quote (the lines after it were "
		    "read again as rows)."));
	} else if (c->rflags & CSV_TOO_LONG) {
		*unreadable = 1;
		rc = row_err(im, ri, COL_NONE,
		    _("This row is longer than %d bytes: it cannot be a row "
		    "of a household book."), IMPORT_RECORD_MAX);
	} else if (c->rflags & CSV_TOO_MANY) {
		*unreadable = 1;
		rc = row_err(im, ri, COL_NONE,
		    _("This row has more than %d fields; the header has "
		    "%zu."), IMPORT_COLUMNS_MAX, im->ncols);
	} else if (c->nfields != im->ncols) {
		*unreadable = 1;
		rc = row_err(im, ri, COL_NONE,
		    _("This row has %zu fields; the header has %zu. Check for "
		    "a missing or extra comma, or a comma in a field that "
		    "is not in quotes."), c->nfields, im->ncols);
	}
	if (rc != CUTRU_OK || *unreadable)
		return rc;
	if (c->rflags & CSV_LONE_CR)
		rc = row_err(im, ri, FAULT_COL(CSV_LONE_CR),
		    _("This row holds a carriage return that does not end "
		    "the line: save the file with Windows (CRLF) or Unix (LF) "
		    "line ends."));
	if (rc == CUTRU_OK && (c->rflags & CSV_BAD_QUOTE))
		rc = row_err(im, ri, FAULT_COL(CSV_BAD_QUOTE),
		    _("A field holds a quote but does not begin with one: "
		    "enclose the field in quotes and double the quote inside "
		    "it."));
	if (rc == CUTRU_OK && (c->rflags & CSV_AFTER_QUOTE))
		rc = row_err(im, ri, FAULT_COL(CSV_AFTER_QUOTE),
		    _("Text follows the closing quote of a field: the whole "
		    "field must be inside the quotes."));
#undef FAULT_COL
	return rc;
}

/* The parsed values of one row before they are stored. */
struct vals {
	const char *v[NCOL];        /* raw, NUL-terminated */
	size_t n[NCOL];
	int skip[NCOL];             /* already in error */
};

static int
check_household_rel(struct imp *im, uint32_t ri, struct vals *vl)
{
	struct row *rw = &im->rows[ri];
	char buf[64], folded[NAME_BUF_SIZE], clean[NAME_BUF_SIZE];
	struct cutru_err e;
	size_t n, cn;
	int rc = CUTRU_OK;

	if (vl->skip[COL_HOUSEHOLD])
		return CUTRU_OK;
	n = trim_copy(vl->v[COL_HOUSEHOLD], vl->n[COL_HOUSEHOLD], buf,
	    sizeof buf);
	if (n != 0 && (n == (size_t)-1 ||
	    check_value(&f_household, buf, 0, &e) != CUTRU_OK)) {
		vl->skip[COL_HOUSEHOLD] = 1;
		return row_err(im, ri, COL_HOUSEHOLD,
		    _("A household number has 1 to 32 letters, digits and "
		    "hyphens, and begins and ends with a letter or digit."));
	}
	if (n != 0 && (rw->household = arena_add(&im->a, buf, n)) == NO_OFF)
		return CUTRU_ENOMEM;
	if (vl->skip[COL_REL])
		return CUTRU_OK;
	if (utf8_clean_line(vl->v[COL_REL], vl->n[COL_REL], clean,
	    sizeof clean, &cn, NULL, &e) != CUTRU_OK) {
		if (e.code == CUTRU_ENOMEM)
			return CUTRU_ENOMEM;
		return row_err(im, ri, COL_REL,
		    _("The relationship to the head is longer than 40 "
		    "characters or holds characters a relationship cannot "
		    "have."));
	}
	if (n == 0) {
		if (cn != 0)
			rc = row_err(im, ri, COL_REL,
			    _("A relationship to the head is given but no "
			    "household number: fill in the household number "
			    "or clear the relationship."));
		return rc;
	}
	if (cn == 0)
		return row_err(im, ri, COL_REL,
		    _("The relationship to the head of household %s is "
		    "missing: write \"chủ hộ\" for the head, or the kinship "
		    "(vợ, con, ...)."), buf);
	fold_word(clean, cn, folded, sizeof folded);
	if (strcmp(folded, "chu ho") == 0 || strcmp(folded, "head") == 0) {
		rw->flags |= ROW_HEAD;
		return CUTRU_OK;
	}
	if (check_value(&f_relationship, clean, FIELD_CHECK_STORED, &e) !=
	    CUTRU_OK)
		return row_err_core(im, ri, COL_REL, &e);
	if ((rw->rel = arena_add(&im->a, clean, cn)) == NO_OFF)
		return CUTRU_ENOMEM;
	return rc;
}

/* TRY: row_err() and friends fail only when out of memory; a refusal is
 * recorded on the row and checking goes on. */
#define TRY(x) do { if ((rc = (x)) != CUTRU_OK) return rc; } while (0)

static int
check_person(struct imp *im, uint32_t ri, struct vals *vl,
    struct idnum_info *id)
{
	struct row *rw = &im->rows[ri];
	char buf[NAME_BUF_SIZE], folded[NAME_BUF_SIZE];
	struct cutru_err e;
	size_t n;
	int rc, dob_ok = 0;

	if (!vl->skip[COL_NAME]) {
		if (trim_copy(vl->v[COL_NAME], vl->n[COL_NAME], buf,
		    sizeof buf) == 0)
			TRY(row_err(im, ri, COL_NAME,
			    _("The name is missing.")));
		else if (name_normalise(vl->v[COL_NAME], vl->n[COL_NAME], buf,
		    sizeof buf, &n, &e) != CUTRU_OK) {
			if (e.code == CUTRU_ENOMEM)
				return CUTRU_ENOMEM;
			TRY(row_err_core(im, ri, COL_NAME, &e));
		} else if ((rw->name = arena_add(&im->a, buf, n)) == NO_OFF)
			return CUTRU_ENOMEM;
	}
	if (!vl->skip[COL_DOB]) {
		n = trim_copy(vl->v[COL_DOB], vl->n[COL_DOB], buf, sizeof buf);
		if (n == 0)
			TRY(row_err(im, ri, COL_DOB,
			    _("The date of birth is missing: write at least "
			    "the year (YYYY).")));
		else if (n == (size_t)-1 ||
		    date_parse(buf, "dob", &rw->dob, &e) != CUTRU_OK)
			TRY(row_err(im, ri, COL_DOB,
			    _("The date of birth \"%.20s\" is not a date: "
			    "write DD/MM/YYYY, MM/YYYY or YYYY."),
			    n == (size_t)-1 ? "" : buf));
		else if (date_check_not_future(&rw->dob, &im->o->today, "dob",
		    &e) != CUTRU_OK)
			TRY(row_err_core(im, ri, COL_DOB, &e));
		else
			dob_ok = 1;
	}
	if (!vl->skip[COL_SEX]) {
		n = trim_copy(vl->v[COL_SEX], vl->n[COL_SEX], buf, sizeof buf);
		fold_word(buf, n == (size_t)-1 ? 0 : n, folded, sizeof folded);
		if (strcmp(folded, "nam") == 0 || strcmp(folded, "male") == 0)
			rw->sex = CUTRU_SEX_MALE;
		else if (strcmp(folded, "nu") == 0 ||
		    strcmp(folded, "female") == 0)
			rw->sex = CUTRU_SEX_FEMALE;
		else if (n == 0)
			TRY(row_err(im, ri, COL_SEX,
			    _("The sex is missing: write Nam or Nữ.")));
		else
			TRY(row_err(im, ri, COL_SEX,
			    _("The sex \"%.20s\" is not known: write Nam or Nữ "
			    "(or male, female)."), n == (size_t)-1 ? "" : buf));
	}
	if (!vl->skip[COL_ID]) {
		n = trim_copy(vl->v[COL_ID], vl->n[COL_ID], buf, sizeof buf);
		if (n == 0)
			TRY(row_err(im, ri, COL_ID,
			    _("The personal ID number is missing. The register "
			    "keys every person by it: look it up in the "
			    "national population database (the CMND number "
			    "helps) and fill it in.")));
		else if (idnum_parse_n(vl->v[COL_ID], vl->n[COL_ID], id, &e) !=
		    CUTRU_OK ||
		    idnum_check_birth_year(id, &im->o->today, &e) != CUTRU_OK)
			TRY(row_err_core(im, ri, COL_ID, &e));
		else {
			memcpy(rw->id, id->number, sizeof rw->id);
			rw->flags |= ROW_ID_OK;
			if (rw->sex != CUTRU_SEX_UNKNOWN && dob_ok &&
			    idnum_check_person(id, (enum cutru_sex)rw->sex,
			    &rw->dob, &e) != CUTRU_OK)
				TRY(row_err_core(im, ri,
				    strcmp(e.field, "sex") == 0 ? COL_SEX :
				    COL_DOB, &e));
		}
	}
	if (!vl->skip[COL_CMND]) {
		n = trim_copy(vl->v[COL_CMND], vl->n[COL_CMND], buf, sizeof buf);
		if (n != 0 && idnum_parse_cmnd_n(vl->v[COL_CMND],
		    vl->n[COL_CMND], rw->cmnd, &e) != CUTRU_OK)
			TRY(row_err_core(im, ri, COL_CMND, &e));
	}
	return CUTRU_OK;
}

/* A full date of a residence into *d; *state 0 when the field is empty,
 * 1 when it holds a good date, -1 when it holds something else (then the
 * error is recorded). */
static int
residence_date(struct imp *im, uint32_t ri, struct vals *vl, int col,
    struct cutru_date *d, int *state)
{
	char buf[32];
	size_t n;

	*state = 0;
	memset(d, 0, sizeof *d);
	if (vl->skip[col]) {
		*state = -1;
		return CUTRU_OK;
	}
	n = trim_copy(vl->v[col], vl->n[col], buf, sizeof buf);
	if (n == 0)
		return CUTRU_OK;
	if (n == (size_t)-1 || date_parse(buf, NULL, d, NULL) != CUTRU_OK ||
	    d->prec != CUTRU_DATE_DAY) {
		memset(d, 0, sizeof *d);
		*state = -1;
		return row_err(im, ri, col,
		    _("\"%.20s\" is not a full date: write DD/MM/YYYY."),
		    n == (size_t)-1 ? "" : buf);
	}
	*state = 1;
	return CUTRU_OK;
}

static int
check_residence(struct imp *im, uint32_t ri, struct vals *vl)
{
	struct row *rw = &im->rows[ri];
	char buf[NAME_BUF_SIZE], folded[NAME_BUF_SIZE], clean[1024];
	int rc, from, to, kind = 0, need_addr;
	struct cutru_err e;
	size_t n, cn;

	/* kind: 0 empty, 1 known, -1 not understood */
	rw->kind = KIND_NONE;
	if (vl->skip[COL_KIND])
		kind = -1;
	else {
		n = trim_copy(vl->v[COL_KIND], vl->n[COL_KIND], buf, sizeof buf);
		fold_word(buf, n == (size_t)-1 ? 0 : n, folded, sizeof folded);
		kind = 1;
		if (n == 0)
			kind = 0;
		else if (!strcmp(folded, "permanent") ||
		    !strcmp(folded, "thuong tru"))
			rw->kind = KIND_PERMANENT;
		else if (!strcmp(folded, "temporary") ||
		    !strcmp(folded, "tam tru"))
			rw->kind = KIND_TEMPORARY;
		else if (!strcmp(folded, "current") ||
		    !strcmp(folded, "noi o hien tai"))
			rw->kind = KIND_CURRENT;
		else {
			kind = -1;
			TRY(row_err(im, ri, COL_KIND,
			    _("The kind of residence \"%.30s\" is not known: "
			    "write thường trú (permanent), tạm trú (temporary) "
			    "or nơi ở hiện tại (current)."),
			    n == (size_t)-1 ? "" : buf));
		}
	}
	TRY(residence_date(im, ri, vl, COL_FROM, &rw->from, &from));
	TRY(residence_date(im, ri, vl, COL_TO, &rw->to, &to));
	if (kind != 0 || from != 0 || to != 0) {
		/* A residence: permanent unless said otherwise.  A kind that
		 * was not understood still counts as a residence (the row is
		 * in error anyway). */
		if (rw->kind == KIND_NONE)
			rw->kind = kind < 0 ? KIND_CURRENT : KIND_PERMANENT;
		if (from == 0)
			TRY(row_err(im, ri, COL_FROM,
			    _("The residence has no start date (from): write "
			    "the date of registration, DD/MM/YYYY.")));
		/* A temporary residence may begin later: one registered
		 * in advance (temporary.register takes any "from"), as the
		 * register and its export hold it. */
		else if (from > 0 && rw->kind != KIND_TEMPORARY &&
		    date_check_not_future(&rw->from, &im->o->today, "from",
		    &e) != CUTRU_OK)
			TRY(row_err_core(im, ri, COL_FROM, &e));
		if (kind >= 0 && rw->kind == KIND_TEMPORARY) {
			if (to == 0)
				TRY(row_err(im, ri, COL_TO,
				    _("A temporary residence needs its end date "
				    "(to).")));
			else if (to > 0 && from > 0 && event_check_term(
			    &rw->from, &rw->to, "to", &e) != CUTRU_OK)
				TRY(row_err_core(im, ri, COL_TO, &e));
			else if (to > 0 &&
			    date_compare(&rw->to, &im->o->today) < 0) {
				date_format_vn(&rw->to, buf, sizeof buf);
				TRY(row_err(im, ri, COL_TO,
				    _("This temporary residence ended on %s: an "
				    "ended residence is not imported."), buf));
			}
		} else if (kind >= 0 && to != 0)
			TRY(row_err(im, ri, COL_TO,
			    _("Only a temporary residence has an end date: "
			    "clear \"to\" or make the residence temporary.")));
	}
	need_addr = rw->kind != KIND_NONE || (rw->flags & ROW_HEAD);
	if (!vl->skip[COL_COMMUNE]) {
		n = trim_copy(vl->v[COL_COMMUNE], vl->n[COL_COMMUNE], buf,
		    sizeof buf);
		if (n != 0 && (n == (size_t)-1 ||
		    check_value(&f_commune, buf, 0, &e) != CUTRU_OK))
			TRY(row_err(im, ri, COL_COMMUNE,
			    _("The commune code \"%.20s\" is not 5 digits (and "
			    "not 00000). A spreadsheet may have dropped its "
			    "leading zeros: format the column as text."),
			    n == (size_t)-1 ? "" : buf));
		else if (n != 0) {
			if (!unit_known(im, buf))
				TRY(row_err(im, ri, COL_COMMUNE,
				    _("The commune code %s is not in the list of "
				    "administrative units (version %s)."), buf,
				    im->units_version));
			else
				memcpy(rw->commune, buf, 6);
		} else if (need_addr)
			TRY(row_err(im, ri, COL_COMMUNE,
			    rw->kind != KIND_NONE ?
			    _("The commune code of the residence is missing.") :
			    _("The commune code of the household's address is "
			    "missing (on the head's row).")));
	}
	if (!vl->skip[COL_ADDRESS]) {
		if (utf8_clean_line(vl->v[COL_ADDRESS], vl->n[COL_ADDRESS],
		    clean, sizeof clean, &cn, NULL, &e) != CUTRU_OK) {
			if (e.code == CUTRU_ENOMEM)
				return CUTRU_ENOMEM;
			return row_err(im, ri, COL_ADDRESS,
			    _("The address is longer than 200 characters or "
			    "holds control characters."));
		}
		if (cn == 0) {
			if (need_addr)
				TRY(row_err(im, ri, COL_ADDRESS,
				    _("The address (house number, street, "
				    "hamlet) is missing.")));
		} else if (check_value(&f_address, clean, FIELD_CHECK_STORED,
		    &e) != CUTRU_OK)
			TRY(row_err_core(im, ri, COL_ADDRESS, &e));
		else if ((rw->address = arena_add(&im->a, clean, cn)) ==
		    NO_OFF)
			return CUTRU_ENOMEM;
	}
	return CUTRU_OK;
}

/* Identity and household columns of a person's later row against their
 * first row (fr). */
static int
link_person(struct imp *im, uint32_t ri)
{
	struct row *rw = &im->rows[ri], *fr;
	uint32_t first;
	int added, col = -1;
	unsigned bit;

	if (!(rw->flags & ROW_ID_OK)) {
		rw->person = ri;
		return CUTRU_OK;
	}
	if (htab_intern(&im->ids, rw->id, ri, row_id_key, im, &first,
	    &added) != CUTRU_OK)
		return CUTRU_ENOMEM;
	rw->person = first;
	bit = 1u << rw->kind;
	if (added) {
		rw->kinds = (unsigned char)bit;
		return CUTRU_OK;
	}
	fr = &im->rows[first];
	group_join(im, ri, first);
	if (rw->name != NO_OFF && fr->name != NO_OFF &&
	    strcmp(arena_str(&im->a, rw->name), arena_str(&im->a, fr->name)))
		col = COL_NAME;
	else if (rw->dob.prec != CUTRU_DATE_NONE &&
	    fr->dob.prec != CUTRU_DATE_NONE &&
	    date_compare(&rw->dob, &fr->dob) != 0)
		col = COL_DOB;
	else if (rw->sex != CUTRU_SEX_UNKNOWN && fr->sex != CUTRU_SEX_UNKNOWN &&
	    rw->sex != fr->sex)
		col = COL_SEX;
	else if (strcmp(rw->cmnd, fr->cmnd) != 0)
		col = COL_CMND;
	if (col >= 0)
		return row_err(im, ri, col,
		    _("ID number %s is also on line %lu with another %s: the "
		    "rows of one person must agree. Check which is right."),
		    rw->id, fr->line, col_label(im, col));
	if (strcmp(arena_str(&im->a, rw->household),
	    arena_str(&im->a, fr->household)) != 0)
		return row_err(im, ri, COL_HOUSEHOLD,
		    _("ID number %s is also on line %lu with household \"%s\": "
		    "a person belongs to one household."), rw->id, fr->line,
		    arena_str(&im->a, fr->household));
	if ((rw->flags & ROW_HEAD) != (fr->flags & ROW_HEAD) ||
	    strcmp(arena_str(&im->a, rw->rel), arena_str(&im->a, fr->rel)) != 0)
		return row_err(im, ri, COL_REL,
		    _("ID number %s is also on line %lu with another "
		    "relationship to the head."), rw->id, fr->line);
	if (fr->kinds & bit) {
		if (rw->kind == KIND_NONE)
			return row_err(im, ri, COL_KIND,
			    _("ID number %s already has a row without a "
			    "residence (line %lu or before): one is enough."),
			    rw->id, fr->line);
		return row_err(im, ri, COL_KIND,
		    _("ID number %s already has a row with this kind of "
		    "residence (%s): a person has one active residence of "
		    "each kind."), rw->id, kind_id[rw->kind]);
	}
	fr->kinds = (unsigned char)(fr->kinds | bit);
	return CUTRU_OK;
}

/* Join row ri to its household, counting heads. */
static int
link_household(struct imp *im, uint32_t ri)
{
	struct row *rw = &im->rows[ri];
	struct household *h, *grown;
	uint32_t idx;
	int added;

	if (rw->household == NO_OFF)
		return CUTRU_OK;
	grown = grow(im->hhs, &im->caphh, im->nhh + 1, sizeof *im->hhs);
	if (grown == NULL)
		return CUTRU_ENOMEM;
	im->hhs = grown;
	im->hhs[im->nhh].number = rw->household;
	if (htab_intern(&im->hnums, arena_str(&im->a, rw->household),
	    (uint32_t)im->nhh, household_key, im, &idx, &added) != CUTRU_OK)
		return CUTRU_ENOMEM;
	h = &im->hhs[idx];
	if (added) {
		memset(h, 0, sizeof *h);
		h->number = rw->household;
		h->first = ri;
		im->nhh++;
	}
	rw->hh = idx + 1;
	group_join(im, ri, h->first);
	if (!(rw->flags & ROW_HEAD))
		return CUTRU_OK;
	if (h->head == 0 || !(rw->flags & ROW_ID_OK) ||
	    !(im->rows[h->head - 1].flags & ROW_ID_OK) ||
	    im->rows[h->head - 1].person != rw->person) {
		if (h->head == 0)
			h->head = ri + 1;
		if (h->nheads < sizeof h->head_line / sizeof h->head_line[0])
			h->head_line[h->nheads] = rw->line;
		h->nheads++;
	}
	return CUTRU_OK;
}

/* Read, check and link the record just read as a new row. */
static int
read_row(struct imp *im)
{
	const struct csv *c = &im->csv;
	struct idnum_info id;
	struct row *rw, *grown;
	struct vals vl;
	struct utf8_fault_at at;
	int rc, unreadable;
	size_t i, k, off;
	uint32_t ri;

	for (i = 0; i < c->nfields && i < IMPORT_COLUMNS_MAX; i++)
		if (c->flen[i] != 0 || c->fflags[i] != 0)
			break;
	if (c->rflags == 0 && (i == c->nfields || i == IMPORT_COLUMNS_MAX))
		return CUTRU_OK;   /* a blank row */
	if (im->nrows >= UINT32_MAX - 1)
		return CUTRU_ERANGE;
	grown = grow(im->rows, &im->caprows, im->nrows + 1, sizeof *im->rows);
	if (grown == NULL)
		return CUTRU_ENOMEM;
	im->rows = grown;
	ri = (uint32_t)im->nrows++;
	im->r->rows++;
	rw = &im->rows[ri];
	memset(rw, 0, sizeof *rw);
	rw->line = c->rec_line;
	rw->parent = ri;
	rw->person = ri;
	rw->name = rw->address = rw->rel = rw->household = NO_OFF;

	memset(&vl, 0, sizeof vl);
	for (k = 0; k < NCOL; k++)
		vl.v[k] = "";
	for (i = 0; i < c->nfields && i < im->ncols &&
	    i < IMPORT_COLUMNS_MAX; i++) {
		k = im->hdr[i];
		vl.v[k] = c->fb + c->foff[i];
		vl.n[k] = c->flen[i];
		/* The formula escape of our writers. */
		if (vl.n[k] >= 2 && vl.v[k][0] == '\'' &&
		    strchr("=+-@", vl.v[k][1]) != NULL) {
			vl.v[k]++;
			vl.n[k]--;
		}
	}
	rw->raw = NO_OFF;
	for (k = 0; k < NCOL; k++) {
		off = arena_add(&im->a, vl.v[k], vl.n[k]);
		if (off == NO_OFF)
			return CUTRU_ENOMEM;
		if (k == 0)
			rw->raw = off;
	}
	if ((rc = record_faults(im, ri, &unreadable)) != CUTRU_OK)
		return rc;
	if (unreadable) {
		im->rows[ri].flags |= ROW_UNREADABLE;
		return CUTRU_OK;
	}
	for (i = 0; i < im->ncols; i++) {
		k = im->hdr[i];
		if (k == COL_ERROR) {
			vl.skip[k] = 1;
			continue;
		}
		if (c->fflags[i] & CSVF_TOO_LONG)
			TRY(row_err(im, ri, (int)k,
			    _("This field is longer than %d bytes."),
			    IMPORT_FIELD_MAX));
		else if (c->fflags[i] & CSVF_NUL)
			TRY(row_err(im, ri, (int)k,
			    _("This field holds a NUL byte: the file is not "
			    "text, or not UTF-8.")));
		else if (utf8_check(vl.v[k], vl.n[k], UTF8_ALLOW_TAB |
		    UTF8_ALLOW_NEWLINE | UTF8_ALLOW_CONTROLS, &at) != UTF8_VALID)
			TRY(row_err(im, ri, (int)k,
			    _("This field is not valid UTF-8 (byte %zu): save "
			    "the file as CSV in UTF-8."), at.offset + 1));
		else
			continue;
		vl.skip[k] = 1;
	}
	/* A column the record's faults point at is not checked again. */
	for (k = 0; k < CSV_NFAULTS; k++)
		if ((c->rflags & (1u << k)) && c->fault_at[k] < im->ncols)
			vl.skip[im->hdr[c->fault_at[k]]] = 1;
	TRY(check_household_rel(im, ri, &vl));
	TRY(check_person(im, ri, &vl, &id));
	TRY(check_residence(im, ri, &vl));
	if (im->defer_links)
		return CUTRU_OK;
	TRY(link_person(im, ri));
	return link_household(im, ri);
}

/* After the last row: heads of households, groups and their lists. */
static int
finish_groups(struct imp *im)
{
	uint32_t *tail = NULL, ri, g;
	const struct household *h;
	char lines[64];
	int rc = CUTRU_OK;

	for (ri = 0; ri < im->nrows; ri++) {
		if (im->rows[ri].hh == 0)
			continue;
		h = &im->hhs[im->rows[ri].hh - 1];
		if (h->nheads == 1)
			continue;
		if (h->nheads == 0)
			rc = row_err(im, ri, COL_REL,
			    _("Household %s has no head: mark the head's row "
			    "with the relationship \"chủ hộ\"."),
			    arena_str(&im->a, h->number));
		else {
			if (h->nheads == 2)
				snprintf(lines, sizeof lines, "%lu, %lu",
				    h->head_line[0], h->head_line[1]);
			else
				snprintf(lines, sizeof lines, "%lu, %lu, %lu...",
				    h->head_line[0], h->head_line[1],
				    h->head_line[2]);
			rc = row_err(im, ri, COL_REL,
			    _("Household %s has %u heads (lines %s): a "
			    "household has exactly one head."),
			    arena_str(&im->a, h->number), h->nheads, lines);
		}
		if (rc != CUTRU_OK)
			return rc;
	}
	if (im->nrows == 0)
		return CUTRU_OK;
	tail = calloc(im->nrows, sizeof *tail);
	if (tail == NULL)
		return CUTRU_ENOMEM;
	for (ri = 0; ri < im->nrows; ri++) {
		g = group_of(im, ri);
		im->rows[ri].parent = g;    /* flat: see group_of() */
		if (im->rows[ri].flags & ROW_BAD)
			im->rows[g].flags |= ROW_GROUP_BAD;
		if (g != ri)
			im->rows[tail[g]].next = ri + 1;
		tail[g] = ri;
	}
	free(tail);
	return CUTRU_OK;
}

/* ---- Against the register ---- */

static int
q_prep(struct imp *im, enum q which, sqlite3_stmt **out)
{
	if (im->q[which] == NULL) {
		if (sqlite3_prepare_v3(im->db, q_sql[which], -1,
		    SQLITE_PREPARE_PERSISTENT, &im->q[which], NULL) != SQLITE_OK)
			return CUTRU_EIO;
	} else
		sqlite3_reset(im->q[which]);
	*out = im->q[which];
	return CUTRU_OK;
}

/* Copy text column i into buf (size bytes), "" for NULL. */
static void
col_text(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(buf, size, "%s", s != NULL ? (const char *)s : "");
}

/* What the register holds about one person of the file. */
struct known {
	int64_t id;                 /* 0: not in the register */
	int conflict;               /* the register has another identity */
	int add_cmnd;               /* the file gives the CMND the register
	                             * lacks */
	char household[40];         /* current household, "" none */
	char rel[NAME_BUF_SIZE];    /* relationship there */
	int nres;
	struct {
		char kind[16], commune[8], from[16], to[16];
		char *detail;       /* malloc'd */
	} res[3];
};

static void
known_free(struct known *k)
{
	int m;

	for (m = 0; m < k->nres; m++)
		free(k->res[m].detail);
	k->nres = 0;
}

/* Look up the person of row pr (their first row) in the register; a
 * different identity there is an error of the row. */
static int
register_person(struct imp *im, uint32_t pr, struct known *k)
{
	const struct row *rw = &im->rows[pr];
	char name[NAME_BUF_SIZE], dob[DATE_FMT_MAX], mine[DATE_FMT_MAX];
	char cmnd[IDNUM_CMND_LEN + 8];
	sqlite3_stmt *st;
	const unsigned char *t;
	int r, rc, sex;

	memset(k, 0, sizeof *k);
	if (im->register_empty)
		return CUTRU_OK;
	if (q_prep(im, Q_PERSON, &st) != CUTRU_OK)
		return CUTRU_EIO;
	sqlite3_bind_text(st, 1, rw->id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return CUTRU_OK;
	if (r != SQLITE_ROW)
		return CUTRU_EIO;
	k->id = sqlite3_column_int64(st, 0);
	col_text(st, 1, name, sizeof name);
	col_text(st, 2, dob, sizeof dob);
	sex = sqlite3_column_int(st, 3);
	col_text(st, 4, cmnd, sizeof cmnd);
	sqlite3_reset(st);
	date_format_iso(&rw->dob, mine, sizeof mine);
	k->conflict = strcmp(name, arena_str(&im->a, rw->name)) != 0 ||
	    strcmp(dob, mine) != 0 || sex != rw->sex ||
	    (cmnd[0] != '\0' && rw->cmnd[0] != '\0' &&
	    strcmp(cmnd, rw->cmnd) != 0);
	k->add_cmnd = !k->conflict && cmnd[0] == '\0' && rw->cmnd[0] != '\0';
	if (k->conflict) {
		/* Nothing else about this person is worth comparing. */
		k->id = 0;
	}
	if (strcmp(name, arena_str(&im->a, rw->name)) != 0)
		TRY(row_err(im, pr, COL_NAME,
		    _("ID number %s is already in the register as \"%s\". An "
		    "import does not change a person: correct the file, or "
		    "correct the register through a procedure with the "
		    "civil-status document."), rw->id, name));
	else if (strcmp(dob, mine) != 0 || sex != rw->sex)
		TRY(row_err(im, pr, strcmp(dob, mine) != 0 ? COL_DOB : COL_SEX,
		    _("ID number %s is already in the register with another "
		    "date of birth or sex (%s, %s). An import does not change "
		    "a person: correct the file, or correct the register "
		    "through a procedure."), rw->id, dob,
		    sex == CUTRU_SEX_MALE ? _("male") : _("female")));
	else if (k->conflict)
		TRY(row_err(im, pr, COL_CMND,
		    _("ID number %s is already in the register with the CMND "
		    "number %s, not %s. An import does not change a person: "
		    "correct the file, or correct the register through a "
		    "procedure."), rw->id, cmnd, rw->cmnd));
	if (k->conflict)
		return CUTRU_OK;
	if (q_prep(im, Q_MEMBER, &st) != CUTRU_OK)
		return CUTRU_EIO;
	sqlite3_bind_int64(st, 1, k->id);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		col_text(st, 0, k->household, sizeof k->household);
		col_text(st, 1, k->rel, sizeof k->rel);
		r = SQLITE_DONE;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return CUTRU_EIO;
	if (q_prep(im, Q_RESIDENCES, &st) != CUTRU_OK)
		return CUTRU_EIO;
	sqlite3_bind_int64(st, 1, k->id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW && k->nres < 3) {
		int m = k->nres;

		col_text(st, 0, k->res[m].kind, sizeof k->res[m].kind);
		col_text(st, 1, k->res[m].commune, sizeof k->res[m].commune);
		col_text(st, 3, k->res[m].from, sizeof k->res[m].from);
		col_text(st, 4, k->res[m].to, sizeof k->res[m].to);
		t = sqlite3_column_text(st, 2);
		k->res[m].detail = strdup(t != NULL ? (const char *)t : "");
		if (k->res[m].detail == NULL) {
			sqlite3_reset(st);
			return CUTRU_ENOMEM;
		}
		k->nres++;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return CUTRU_EIO;
	return CUTRU_OK;
}

/* ---- Events ---- */

/* JSON builders, on a's nodes (struct jnodes), or cJSON's own when a is
 * NULL or off; each gives up (NULL) on the first failure.  Keys are string
 * literals, kept by reference (cJSON_AddItemToObjectCS()): a million
 * persons' events cost three allocations per member otherwise. */

/* An object or an array. */
static cJSON *
jn_node(struct jnodes *a, int type)
{
	cJSON *n;

	if (a == NULL || !a->on)
		return type == cJSON_Array ? cJSON_CreateArray() :
		    cJSON_CreateObject();
	if ((n = jn_alloc(a, sizeof *n)) != NULL) {
		memset(n, 0, sizeof *n);
		n->type = type;
	}
	return n;
}

/* A string: v kept by reference, or with copy a copy of it. */
static cJSON *
jn_string(struct jnodes *a, const char *v, int copy)
{
	cJSON *n;
	char *c;
	size_t len;

	if (a == NULL || !a->on)
		return copy ? cJSON_CreateString(v) :
		    cJSON_CreateStringReference(v);
	if (copy) {
		len = strlen(v) + 1;
		if ((c = jn_alloc(a, len)) == NULL)
			return NULL;
		memcpy(c, v, len);
		v = c;
	}
	if ((n = jn_alloc(a, sizeof *n)) != NULL) {
		memset(n, 0, sizeof *n);
		n->type = cJSON_String | cJSON_IsReference;
		n->valuestring = (char *)v;
	}
	return n;
}

static void
jn_delete(struct jnodes *a, cJSON *n)
{
	if (a == NULL || !a->on)
		cJSON_Delete(n);
}

static cJSON *
jn_item(struct jnodes *a, cJSON *o, const char *key, cJSON *v)
{
	if (o == NULL || v == NULL || !cJSON_AddItemToObjectCS(o, key, v)) {
		jn_delete(a, o);
		jn_delete(a, v);
		return NULL;
	}
	return o;
}

/* A value that outlives the event (the rows and the arena, which do not
 * change once the file is read), kept by reference. */
static cJSON *
jn_ref(struct jnodes *a, cJSON *o, const char *key, const char *v)
{
	return jn_item(a, o, key, jn_string(a, v, 0));
}

static cJSON *
jn_str(struct jnodes *a, cJSON *o, const char *key, const char *v)
{
	return jn_item(a, o, key, jn_string(a, v, 1));
}

/* Add an event built from row ri to the chunk (data is taken over). */
static int
emit(struct imp *im, uint32_t ri, const char *type, cJSON *data)
{
	uint32_t *grown;
	cJSON *ev;

	if (data == NULL)
		return CUTRU_ENOMEM;
	/* As event_new(): the type (a literal) kept by reference. */
	ev = jn_item(&im->jn, jn_node(&im->jn, cJSON_Object), "type",
	    jn_string(&im->jn, type, 0));
	if (ev == NULL || !cJSON_AddItemToObjectCS(ev, "data", data)) {
		jn_delete(&im->jn, ev);
		jn_delete(&im->jn, data);
		return CUTRU_ENOMEM;
	}
	grown = grow(im->ev_row, &im->capev, im->nev + 1, sizeof *im->ev_row);
	if (grown == NULL) {
		jn_delete(&im->jn, ev);
		return CUTRU_ENOMEM;
	}
	im->ev_row = grown;
	im->ev_row[im->nev++] = ri;
	im->rows[ri].flags |= ROW_TOUCHED;
	cJSON_AddItemToArray(im->chunk, ev);
	return CUTRU_OK;
}

/* An address of the export: commune and detail copied. */
static cJSON *
address_json(const char *commune, const char *detail)
{
	return jn_str(NULL, jn_str(NULL, cJSON_CreateObject(), "commune",
	    commune), "detail", detail);
}

/* An event's address: commune and detail kept by reference. */
static cJSON *
address_ref(struct jnodes *a, const char *commune, const char *detail)
{
	return jn_ref(a, jn_ref(a, jn_node(a, cJSON_Object), "commune",
	    commune), "detail", detail);
}

static int
emit_person(struct imp *im, uint32_t ri)
{
	const struct row *rw = &im->rows[ri];
	char dob[DATE_FMT_MAX];
	cJSON *d;

	date_format_iso(&rw->dob, dob, sizeof dob);
	d = jn_ref(&im->jn, jn_node(&im->jn, cJSON_Object), "id_number", rw->id);
	d = jn_ref(&im->jn, d, "name", arena_str(&im->a, rw->name));
	d = jn_str(&im->jn, d, "dob", dob);
	d = jn_ref(&im->jn, d, "sex", rw->sex == CUTRU_SEX_MALE ? "male" :
	    "female");
	if (rw->cmnd[0] != '\0')
		d = jn_ref(&im->jn, d, "cmnd", rw->cmnd);
	return emit(im, ri, "person.upserted", d);
}

static int
emit_residence(struct imp *im, uint32_t ri)
{
	const struct row *rw = &im->rows[ri];
	char from[DATE_FMT_MAX], to[DATE_FMT_MAX];
	cJSON *d;

	date_format_iso(&rw->from, from, sizeof from);
	d = jn_ref(&im->jn, jn_node(&im->jn, cJSON_Object), "person", rw->id);
	d = jn_ref(&im->jn, d, "kind", kind_id[rw->kind]);
	d = jn_item(&im->jn, d, "address", address_ref(&im->jn, rw->commune,
	    arena_str(&im->a, rw->address)));
	d = jn_str(&im->jn, d, "from", from);
	if (rw->kind == KIND_TEMPORARY) {
		date_format_iso(&rw->to, to, sizeof to);
		d = jn_str(&im->jn, d, "to", to);
	}
	return emit(im, ri, "residence.opened", d);
}

/* The row giving the household's address (see the top of the file). */
static uint32_t
household_address_row(struct imp *im, uint32_t g, uint32_t head_person)
{
	uint32_t ri, perm = UINT32_MAX, any = UINT32_MAX;

	for (ri = g; ; ri = im->rows[ri].next - 1) {
		const struct row *rw = &im->rows[ri];

		if (rw->person == head_person) {
			if (rw->kind == KIND_NONE)
				return ri;
			if (rw->kind == KIND_PERMANENT && perm == UINT32_MAX)
				perm = ri;
			if (any == UINT32_MAX)
				any = ri;
		}
		if (rw->next == 0)
			break;
	}
	return perm != UINT32_MAX ? perm : any;
}

#define TRY_DONE(x) do { if ((rc = (x)) != CUTRU_OK) goto done; } while (0)

/* Iterate over the rows of group g in file order. */
#define FOR_GROUP(im, g, ri) \
	for ((ri) = (g); (ri) != UINT32_MAX; \
	    (ri) = (im)->rows[ri].next != 0 ? (im)->rows[ri].next - 1 : \
	    UINT32_MAX)

/* A residence of row ri against what the register holds of the person:
 * 1 new, 0 held already; a different active residence of the same kind
 * is an error of the row. */
static int
residence_new(struct imp *im, uint32_t ri, const struct known *pk,
    int *isnew)
{
	const struct row *rw = &im->rows[ri];
	char from[DATE_FMT_MAX], to[DATE_FMT_MAX];
	int m;

	*isnew = 1;
	date_format_iso(&rw->from, from, sizeof from);
	to[0] = '\0';
	if (rw->kind == KIND_TEMPORARY)
		date_format_iso(&rw->to, to, sizeof to);
	for (m = 0; m < pk->nres; m++) {
		if (strcmp(pk->res[m].kind, kind_id[rw->kind]) != 0)
			continue;
		*isnew = 0;
		if (!strcmp(pk->res[m].commune, rw->commune) &&
		    !strcmp(pk->res[m].detail, arena_str(&im->a, rw->address)) &&
		    !strcmp(pk->res[m].from, from) && !strcmp(pk->res[m].to, to))
			return CUTRU_OK;
		return row_err(im, ri, COL_KIND,
		    _("ID number %s already has an active residence of this "
		    "kind (%s) in the register, at %s since %s. An import does "
		    "not replace it: that is a procedure."), rw->id,
		    kind_id[rw->kind], pk->res[m].detail, pk->res[m].from);
	}
	return CUTRU_OK;
}

/* Look the good group g up in the register and add the events it needs
 * to the chunk (none when the register holds it all already).  Conflicts
 * with the register are recorded as errors of the group's rows, and then
 * nothing is added. */
static int
build_group(struct imp *im, uint32_t g)
{
	const struct household *h = NULL;
	struct slice *s, *grown;
	struct known *k = NULL;
	struct row *rw;
	char hdissolved[DATE_FMT_MAX + 8], hhead[IDNUM_LEN + 8];
	size_t nerrs = im->nerrs, n = 0;
	int rc = CUTRU_OK, hh_exists = 0, r, isnew;
	uint32_t ri, head = UINT32_MAX, addr, i;
	unsigned char *res_new = NULL;
	sqlite3_stmt *st;
	const char *number = NULL;
	cJSON *d;

	FOR_GROUP(im, g, ri) {
		rw = &im->rows[ri];
		rw->gidx = (uint32_t)n++;
		if (rw->hh != 0)
			h = &im->hhs[rw->hh - 1];
		if (rw->flags & ROW_HEAD)
			head = rw->person;
	}
	if (h != NULL)
		number = arena_str(&im->a, h->number);
	grown = grow(im->slices, &im->capslices, im->nslices + 1,
	    sizeof *im->slices);
	if (grown == NULL)
		return CUTRU_ENOMEM;
	im->slices = grown;
	s = &im->slices[im->nslices];
	memset(s, 0, sizeof *s);
	s->root = g;
	s->first = im->nev;
	s->rows = n;
	k = calloc(n, sizeof *k);
	res_new = calloc(n, 1);
	if (k == NULL || res_new == NULL) {
		rc = CUTRU_ENOMEM;
		goto done;
	}
	/* What the register holds: each person (on their first row) ... */
	FOR_GROUP(im, g, ri)
		if (im->rows[ri].person == ri)
			TRY_DONE(register_person(im, ri,
			    &k[im->rows[ri].gidx]));
	/* ... the household ... */
	if (h != NULL && !im->register_empty) {
		if ((rc = q_prep(im, Q_HOUSEHOLD, &st)) != CUTRU_OK)
			goto done;
		sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
		r = sqlite3_step(st);
		if (r == SQLITE_ROW) {
			hh_exists = 1;
			col_text(st, 0, hdissolved, sizeof hdissolved);
			col_text(st, 1, hhead, sizeof hhead);
			sqlite3_reset(st);
		} else if (r != SQLITE_DONE) {
			rc = CUTRU_EIO;
			goto done;
		}
		if (hh_exists && hdissolved[0] != '\0')
			TRY_DONE(row_err(im, head, COL_HOUSEHOLD,
			    _("Household number %s was used by a household that "
			    "was dissolved on %s: give this household a new "
			    "number."), number, hdissolved));
		else if (hh_exists && strcmp(hhead, im->rows[head].id) != 0)
			TRY_DONE(row_err(im, head, COL_HOUSEHOLD,
			    _("Household %s is already in the register with "
			    "the head ID number %s, not %s. A change of head is "
			    "a procedure (residence.adjust), not an import."),
			    number, hhead, im->rows[head].id));
	}
	/* ... and each person's membership and residences. */
	FOR_GROUP(im, g, ri) {
		const struct known *pk;

		rw = &im->rows[ri];
		pk = &k[im->rows[rw->person].gidx];
		if (rw->person == ri && pk->id != 0 && pk->household[0] != '\0') {
			const char *want = (rw->flags & ROW_HEAD) ? "head" :
			    arena_str(&im->a, rw->rel);

			if (h == NULL)
				TRY_DONE(row_err(im, ri, COL_HOUSEHOLD,
				    _("ID number %s is a member of household %s "
				    "in the register; this row names no "
				    "household."), rw->id, pk->household));
			else if (!hh_exists ||
			    strcmp(pk->household, number) != 0)
				TRY_DONE(row_err(im, ri, COL_HOUSEHOLD,
				    _("ID number %s is a member of household %s "
				    "in the register. Moving to another household "
				    "is a procedure, not an import."), rw->id,
				    pk->household));
			else if (strcmp(pk->rel, want) != 0)
				TRY_DONE(row_err(im, ri, COL_REL,
				    _("ID number %s is in household %s with the "
				    "relationship \"%s\" in the register."),
				    rw->id, pk->household, pk->rel));
		}
		if (rw->kind != KIND_NONE) {
			TRY_DONE(residence_new(im, ri, pk, &isnew));
			res_new[rw->gidx] = (unsigned char)isnew;
		}
	}
	if (im->nerrs != nerrs) {
		im->rows[g].flags |= ROW_GROUP_BAD;
		goto done;
	}
	if (im->stop_applying)
		goto done;
	/* The events: persons, household, members, residences. */
	FOR_GROUP(im, g, ri)
		if (im->rows[ri].person == ri && k[im->rows[ri].gidx].id == 0) {
			TRY_DONE(emit_person(im, ri));
			s->persons++;
		} else if (im->rows[ri].person == ri &&
		    k[im->rows[ri].gidx].add_cmnd)
			TRY_DONE(emit_person(im, ri));
	if (h != NULL && !hh_exists) {
		addr = household_address_row(im, g, head);
		d = jn_ref(&im->jn, jn_node(&im->jn, cJSON_Object), "household",
		    number);
		d = jn_ref(&im->jn, d, "head", im->rows[head].id);
		d = jn_item(&im->jn, d, "address", address_ref(&im->jn,
		    im->rows[addr].commune,
		    arena_str(&im->a, im->rows[addr].address)));
		TRY_DONE(emit(im, head, "household.created", d));
		s->households++;
	}
	FOR_GROUP(im, g, ri) {
		rw = &im->rows[ri];
		if (h == NULL || rw->person != ri || (rw->flags & ROW_HEAD) ||
		    k[rw->gidx].household[0] != '\0')
			continue;
		d = jn_ref(&im->jn, jn_node(&im->jn, cJSON_Object), "household",
		    number);
		d = jn_ref(&im->jn, d, "person", rw->id);
		d = jn_ref(&im->jn, d, "relationship", arena_str(&im->a, rw->rel));
		TRY_DONE(emit(im, ri, "household.member_added", d));
		s->members++;
	}
	FOR_GROUP(im, g, ri)
		if (res_new[im->rows[ri].gidx]) {
			TRY_DONE(emit_residence(im, ri));
			s->residences++;
		}
	FOR_GROUP(im, g, ri)
		if (!(im->rows[ri].flags & ROW_TOUCHED))
			s->unchanged++;
	s->n = im->nev - s->first;
	im->nslices++;
done:
	for (i = 0; k != NULL && i < n; i++)
		known_free(&k[i]);
	free(k);
	free(res_new);
	return rc;
}

/* ---- Applying chunks ---- */

/* The column an applier's error path points at ("[3].data.address.commune"
 * -> commune), and the event's index. */
static int
path_col(const char *path, size_t *index)
{
	static const struct {
		const char *key;
		enum col col;
	} keys[] = {
		{ "household", COL_HOUSEHOLD }, { "head", COL_ID },
		{ "person", COL_ID }, { "id_number", COL_ID },
		{ "relationship", COL_REL }, { "address.commune", COL_COMMUNE },
		{ "address", COL_ADDRESS }, { "kind", COL_KIND },
		{ "from", COL_FROM }, { "to", COL_TO }, { "name", COL_NAME },
		{ "dob", COL_DOB }, { "sex", COL_SEX },
	};
	const char *p;
	char *end;
	size_t i, n;

	errno = 0;
	*index = (size_t)strtoul(path + 1, &end, 10);
	if (path[0] != '[' || end == path + 1 || *end != ']' || errno != 0)
		return -1;
	p = end + 1;
	if (strncmp(p, ".data.", 6) != 0)
		return COL_NONE;
	p += 6;
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		n = strlen(keys[i].key);
		if (strncmp(p, keys[i].key, n) == 0 &&
		    (p[n] == '\0' || p[n] == '.' || p[n] == '['))
			return keys[i].col;
	}
	return COL_NONE;
}

static int
chunk_reset(struct imp *im)
{
	cJSON_Delete(im->chunk);
	im->chunk = cJSON_CreateArray();
	im->nev = 0;
	im->nslices = 0;
	return im->chunk != NULL ? CUTRU_OK : CUTRU_ENOMEM;
}

/* Is rc the applier refusing an event (as opposed to failing)? */
static int
is_refusal(int rc, const struct cutru_err *e, size_t nev, size_t *idx)
{
	if (rc != CUTRU_EINVAL && rc != CUTRU_ERANGE && rc != CUTRU_ENOTFOUND &&
	    rc != CUTRU_ECONFLICT)
		return 0;
	return e->field[0] == '[' && path_col(e->field, idx) >= 0 &&
	    *idx < nev;
}

/* The slices [from, to) went in. */
static void
commit_slices(struct imp *im, size_t from, size_t to)
{
	struct import_report *r = im->r;
	size_t j;

	for (j = from; j < to; j++) {
		const struct slice *s = &im->slices[j];

		im->rows[s->root].flags |= ROW_IMPORTED;
		r->persons_added += s->persons;
		r->households_added += s->households;
		r->members_added += s->members;
		r->residences_added += s->residences;
		r->rows_unchanged += s->unchanged;
	}
}

/* The applier refused event ev (index within events starting at the
 * chunk's event first): record its error on the row behind it and take
 * its group out. */
static int
refuse(struct imp *im, size_t ev, const struct cutru_err *e)
{
	size_t idx;
	int col = path_col(e->field, &idx);
	uint32_t ri = im->ev_row[ev];
	int rc;

	rc = add_error(im, ri, im->rows[ri].line, col < 0 ? COL_NONE : col,
	    e->msg);
	im->rows[group_of(im, ri)].flags |= ROW_GROUP_BAD;
	if (im->o->mode == IMPORT_ALL_OR_NOTHING)
		im->stop_applying = 1;
	return rc;
}

/* Hand events to the journal batch, beginning it on first use. */
static int
batch_add(struct imp *im, const cJSON *events, struct cutru_err *ae)
{
	int rc;

	if (im->batch == NULL && (rc = journal_batch_begin(im->db, &im->ctx,
	    im->o->mode == IMPORT_ALL_OR_NOTHING ? JOURNAL_BATCH_NO_SAVEPOINT |
	    JOURNAL_BATCH_HASH_BEHIND : 0, &im->batch, ae)) != CUTRU_OK)
		return rc;
	return journal_batch_add(im->batch, events, ae);
}

/* Check and encode the events of range r, from *ev on (advanced past
 * them).  Any refusal, or an event that needs bringing to NFC, makes the
 * range not ok: the applier then checks it itself, with the message. */
static void
validate_range(struct vrange *r, const cJSON **ev)
{
	struct cutru_err e;
	cJSON *nfc;
	size_t k;

	r->enc.len = 0;
	r->ok = 1;
	for (k = 0; k < VALIDATE_RANGE && *ev != NULL; k++, *ev = (*ev)->next) {
		if (!r->ok)
			continue;
		nfc = NULL;
		if ((r->enc.len != 0 && canon_buf_putc(&r->enc, ',') != CUTRU_OK) ||
		    event_validate_encode(*ev, &r->enc, &nfc, &e) != CUTRU_OK ||
		    nfc != NULL)
			r->ok = 0;
		cJSON_Delete(nfc);
	}
}

static void *
validator_main(void *arg)
{
	struct validator *v = arg;
	const cJSON *ev;
	size_t i;
	int stop;

	pthread_mutex_lock(&v->mu);
	for (;;) {
		while (!v->quit && v->chunk == NULL)
			pthread_cond_wait(&v->cv, &v->mu);
		if (v->quit)
			break;
		ev = v->chunk->child;
		pthread_mutex_unlock(&v->mu);
		for (i = 0, stop = 0; i < v->nr && !stop; i++) {
			validate_range(&v->r[i], &ev);
			pthread_mutex_lock(&v->mu);
			v->published = i + 1;
			stop = v->stop;
			pthread_cond_broadcast(&v->cv);
			pthread_mutex_unlock(&v->mu);
		}
		pthread_mutex_lock(&v->mu);
		v->chunk = NULL;
		pthread_cond_broadcast(&v->cv);
	}
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

/* The second thread's start and end, for the validator and the builder:
 * its mutex and condition made, fn(arg) started; CUTRU_ENOMEM with
 * nothing left made. */
static int
worker_start(pthread_t *t, pthread_mutex_t *mu, pthread_cond_t *cv,
    void *(*fn)(void *), void *arg)
{
	if (pthread_mutex_init(mu, NULL) != 0)
		return CUTRU_ENOMEM;
	if (pthread_cond_init(cv, NULL) != 0) {
		pthread_mutex_destroy(mu);
		return CUTRU_ENOMEM;
	}
	if (pthread_create(t, NULL, fn, arg) != 0) {
		pthread_cond_destroy(cv);
		pthread_mutex_destroy(mu);
		return CUTRU_ENOMEM;
	}
	return CUTRU_OK;
}

/* Set *quit under mu, wake the thread, wait for its end, and release its
 * mutex and condition. */
static void
worker_stop(pthread_t t, pthread_mutex_t *mu, pthread_cond_t *cv, int *quit)
{
	pthread_mutex_lock(mu);
	*quit = 1;
	pthread_cond_broadcast(cv);
	pthread_mutex_unlock(mu);
	pthread_join(t, NULL);
	pthread_cond_destroy(cv);
	pthread_mutex_destroy(mu);
}

/* Start the thread; CUTRU_ENOMEM (then the import goes on without it). */
static int
validator_start(struct validator *v)
{
	memset(v, 0, sizeof *v);
	if (worker_start(&v->thread, &v->mu, &v->cv, validator_main, v) !=
	    CUTRU_OK)
		return CUTRU_ENOMEM;
	v->started = 1;
	return CUTRU_OK;
}

static void
validator_free(struct validator *v)
{
	size_t i;

	if (!v->started)
		return;
	worker_stop(v->thread, &v->mu, &v->cv, &v->quit);
	for (i = 0; i < v->capr; i++) {
		canon_buf_free(&v->r[i].enc);
		free(v->r[i].nc);
	}
	free(v->r);
	memset(v, 0, sizeof *v);
}

/* e->field "[i]rest" of a range that began at event pos of the chunk:
 * "[pos + i]rest", as batch_add() of the whole chunk would have said. */
static void
shift_index(struct cutru_err *e, size_t pos)
{
	char buf[sizeof e->field];
	const char *close;
	size_t i;

	if (e->field[0] != '[' || (close = strchr(e->field, ']')) == NULL ||
	    sscanf(e->field + 1, "%zu", &i) != 1)
		return;
	snprintf(buf, sizeof buf, "[%zu]%s", pos + i, close + 1);
	memcpy(e->field, buf, sizeof buf);
}

/* batch_add() of the chunk, with the events checked on the validator's
 * thread while this one applies them: the same result, the same journal
 * entries (a range continues the chunk's entry) and, on a refusal, the
 * same error (a range the validator did not pass is checked again by the
 * applier, which says why). */
static int
batch_add_pipelined(struct imp *im, struct cutru_err *ae)
{
	struct validator *v = &im->val;
	const cJSON *first;
	size_t nr = (im->nev + VALIDATE_RANGE - 1) / VALIDATE_RANGE;
	size_t i, k, pos, cnt;
	struct vrange *grown;
	int rc = CUTRU_OK;

	if (im->batch == NULL && (rc = journal_batch_begin(im->db, &im->ctx,
	    JOURNAL_BATCH_NO_SAVEPOINT | JOURNAL_BATCH_HASH_BEHIND, &im->batch,
	    ae)) != CUTRU_OK)
		return rc;
	if (nr > v->capr) {
		grown = realloc(v->r, nr * sizeof *v->r);
		if (grown == NULL)
			return batch_add(im, im->chunk, ae);
		memset(grown + v->capr, 0, (nr - v->capr) * sizeof *grown);
		v->r = grown;
		v->capr = nr;
	}
	pthread_mutex_lock(&v->mu);
	v->nr = nr;
	v->published = 0;
	v->stop = 0;
	v->chunk = im->chunk;
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mu);
	first = im->chunk->child;
	for (i = 0, pos = 0; i < nr; i++, pos += cnt) {
		cnt = im->nev - pos < VALIDATE_RANGE ? im->nev - pos :
		    VALIDATE_RANGE;
		pthread_mutex_lock(&v->mu);
		while (v->published <= i)
			pthread_cond_wait(&v->cv, &v->mu);
		pthread_mutex_unlock(&v->mu);
		rc = journal_batch_add_range(im->batch, first, cnt,
		    v->r[i].ok ? v->r[i].enc.p : NULL, v->r[i].enc.len,
		    i > 0 ? JOURNAL_BATCH_CONTINUE : 0, ae);
		if (rc != CUTRU_OK) {
			shift_index(ae, pos);
			break;
		}
		for (k = 0; k < cnt; k++)
			first = first->next;
	}
	pthread_mutex_lock(&v->mu);
	v->stop = 1;
	while (v->chunk != NULL)
		pthread_cond_wait(&v->cv, &v->mu);
	pthread_mutex_unlock(&v->mu);
	return rc;
}

/* Apply the chunk's slices one by one. */
static int
flush_each(struct imp *im, struct cutru_err *e)
{
	struct cutru_err ae;
	cJSON *one;
	size_t j, k, idx;
	int rc;

	for (j = 0; j < im->nslices; j++) {
		const struct slice *s = &im->slices[j];

		if (im->stop_applying)
			break;
		if (s->n == 0) {
			commit_slices(im, j, j + 1);
			continue;
		}
		one = cJSON_CreateArray();
		if (one == NULL)
			return CUTRU_ENOMEM;
		for (k = 0; k < s->n; k++)
			cJSON_AddItemToArray(one,
			    cJSON_DetachItemFromArray(im->chunk, 0));
		cutru_err_clear(&ae);
		rc = batch_add(im, one, &ae);
		cJSON_Delete(one);
		if (rc == CUTRU_OK) {
			commit_slices(im, j, j + 1);
			continue;
		}
		if (!is_refusal(rc, &ae, s->n, &idx)) {
			*e = ae;
			return rc;
		}
		if ((rc = refuse(im, s->first + idx, &ae)) != CUTRU_OK)
			return rc;
	}
	return chunk_reset(im);
}

/* Apply and journal the chunk (see the top of the file). */
static int
flush(struct imp *im, struct cutru_err *e)
{
	struct cutru_err ae;
	size_t idx, j, k, n;
	int rc, tries = 0;

	while (im->nslices > 0 && !im->stop_applying) {
		if (im->nev == 0) {
			commit_slices(im, 0, im->nslices);
			break;
		}
		cutru_err_clear(&ae);
		rc = im->pipeline ? batch_add_pipelined(im, &ae) :
		    batch_add(im, im->chunk, &ae);
		if (rc == CUTRU_OK) {
			commit_slices(im, 0, im->nslices);
			break;
		}
		if (!is_refusal(rc, &ae, im->nev, &idx)) {
			/* Not a refusal of one event: the database. */
			*e = ae;
			return rc;
		}
		if (++tries > IMPORT_CHUNK_RETRIES)
			return flush_each(im, e);
		for (j = 0; j + 1 < im->nslices &&
		    im->slices[j + 1].first <= idx; j++)
			;
		if ((rc = refuse(im, idx, &ae)) != CUTRU_OK)
			return rc;
		/* Take slice j and its events out, and try again. */
		n = im->slices[j].n;
		for (k = 0; k < n; k++)
			cJSON_DeleteItemFromArray(im->chunk,
			    (int)im->slices[j].first);
		memmove(im->ev_row + im->slices[j].first,
		    im->ev_row + im->slices[j].first + n,
		    (im->nev - im->slices[j].first - n) * sizeof *im->ev_row);
		im->nev -= n;
		for (k = j + 1; k < im->nslices; k++)
			im->slices[k].first -= n;
		memmove(im->slices + j, im->slices + j + 1,
		    (im->nslices - j - 1) * sizeof *im->slices);
		im->nslices--;
	}
	return chunk_reset(im);
}

/* ---- The builder (see struct builder) ---- */

/* Move the chunk being built in w into slot b (whose arrays w takes in
 * exchange), with its ranges checked and encoded. */
static void
built_take(struct built *b, struct imp *w)
{
	cJSON *chunk = b->chunk;
	struct jnodes jn = b->jn;
	uint32_t *ev_row = b->ev_row;
	struct slice *slices = b->slices;
	size_t capev = b->capev, capslices = b->capslices;

	b->jn = w->jn;
	w->jn = jn;
	b->chunk = w->chunk;
	b->ev_row = w->ev_row;
	b->capev = w->capev;
	b->nev = w->nev;
	b->slices = w->slices;
	b->capslices = w->capslices;
	b->nslices = w->nslices;
	w->chunk = chunk;
	w->ev_row = ev_row;
	w->capev = capev;
	w->slices = slices;
	w->capslices = capslices;
	w->nev = w->nslices = 0;
}

static int
name_list_add(struct name_list *nl, const struct apply_name_cols *nc)
{
	struct name_ent *grown;
	size_t flen = strlen(nc->folded);

	if (nl->n == nl->cap) {
		grown = grow(nl->p, &nl->cap, nl->n + 1, sizeof *nl->p);
		if (grown == NULL)
			return CUTRU_ENOMEM;
		nl->p = grown;
	}
	nl->p[nl->n].key = arena_add(&nl->text, (const char *)nc->key,
	    nc->keylen);
	nl->p[nl->n].folded = arena_add(&nl->text, nc->folded, flen);
	if (nl->p[nl->n].key == NO_OFF || nl->p[nl->n].folded == NO_OFF)
		return CUTRU_ENOMEM;
	nl->p[nl->n].keylen = (uint32_t)nc->keylen;
	nl->p[nl->n].flen = (uint32_t)flen;
	nl->n++;
	return CUTRU_OK;
}

static void
name_list_free(struct name_list *nl)
{
	free(nl->text.p);
	free(nl->p);
	memset(nl, 0, sizeof *nl);
}

/* The name columns of the person.upserted events of range r, from first
 * up to end (exclusive), for the applier (apply_session_name_cols()): the
 * same function of the name it would run, run here.  A range the checks
 * did not pass gets none; a name whose columns cannot be made is left to
 * the applier (which then makes those of the names after it too).
 * CUTRU_ENOMEM. */
static int
built_names(struct vrange *r, const cJSON *first, const cJSON *end,
    struct name_list *nl)
{
	struct cutru_err e;
	const cJSON *ev, *type, *name;
	struct apply_name_cols *grown;
	size_t i;

	r->nnc = 0;
	if (!r->ok) {
		nl->broken = 1;
		return CUTRU_OK;
	}
	/* The list holds every person only if every name here gets its
	 * columns. */
	nl->broken = 1;
	for (ev = first; ev != end && ev != NULL; ev = ev->next) {
		type = cJSON_GetObjectItemCaseSensitive(ev, "type");
		if (!cJSON_IsString(type) ||
		    strcmp(type->valuestring, "person.upserted") != 0)
			continue;
		name = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(ev, "data"), "name");
		if (!cJSON_IsString(name))
			return CUTRU_OK;
		if (r->nnc == r->capnc) {
			grown = realloc(r->nc, (r->capnc + VALIDATE_RANGE) *
			    sizeof *r->nc);
			if (grown == NULL)
				return CUTRU_ENOMEM;
			r->nc = grown;
			r->capnc += VALIDATE_RANGE;
		}
		if (apply_name_cols(name->valuestring, &r->nc[r->nnc], &e) !=
		    CUTRU_OK)
			return CUTRU_OK;
		r->nnc++;
	}
	for (i = 0; i < r->nnc; i++)
		if (name_list_add(nl, &r->nc[i]) != CUTRU_OK)
			return CUTRU_ENOMEM;
	nl->broken = 0;
	return CUTRU_OK;
}

/* Check and encode the ranges of slot b's chunk; CUTRU_ENOMEM. */
static int
built_validate(struct built *b, struct name_list *nl)
{
	size_t nr = (b->nev + VALIDATE_RANGE - 1) / VALIDATE_RANGE, i;
	const cJSON *ev;
	struct vrange *grown;

	if (nr > b->capr) {
		grown = realloc(b->r, nr * sizeof *b->r);
		if (grown == NULL)
			return CUTRU_ENOMEM;
		memset(grown + b->capr, 0, (nr - b->capr) * sizeof *grown);
		b->r = grown;
		b->capr = nr;
	}
	b->nr = nr;
	ev = b->chunk != NULL ? b->chunk->child : NULL;
	for (i = 0; i < nr; i++) {
		const cJSON *first = ev;

		validate_range(&b->r[i], &ev);
		if (built_names(&b->r[i], first, ev, nl) != CUTRU_OK)
			return CUTRU_ENOMEM;
	}
	return CUTRU_OK;
}

/* Room for a node and its string in a flat copy (tree_copy()). */
#define FLAT_ALIGN (sizeof(cJSON) % 16 == 0 ? 16 : sizeof(void *))
#define FLAT_ROUND(n) (((n) + FLAT_ALIGN - 1) / FLAT_ALIGN * FLAT_ALIGN)

/* A string value of a flat copy is copied next to its node but for a
 * name: the builder's name columns are known by the very pointer of the
 * name they were made from (apply_session_name_cols()). */
static int
flat_own_string(const cJSON *n)
{
	return cJSON_IsString(n) && n->valuestring != NULL &&
	    (n->string == NULL || n->string[0] != 'n' ||
	    strcmp(n->string, "name") != 0);
}

/* Bytes of the flat copy of the tree at n. */
static size_t
tree_bytes(const cJSON *n)
{
	const cJSON *k;
	size_t c = FLAT_ROUND(sizeof(cJSON));

	if (flat_own_string(n))
		c += FLAT_ROUND(strlen(n->valuestring) + 1);
	for (k = n->child; k != NULL; k = k->next)
		c += tree_bytes(k);
	return c;
}

/* Copy the tree at n into out from *pos on: each node, its string next
 * to it, then its children's trees in order; links as cJSON makes them
 * (the first child's prev is the last child).  Keys stay where they are
 * (the builder's are string literals). */
static cJSON *
tree_copy(const cJSON *n, unsigned char *out, size_t *pos)
{
	cJSON *c = (cJSON *)(void *)(out + *pos), *kc, *first = NULL;
	cJSON *last = NULL;
	const cJSON *k;
	size_t len;

	*pos += FLAT_ROUND(sizeof(cJSON));
	*c = *n;
	c->next = c->prev = c->child = NULL;
	if (flat_own_string(n)) {
		len = strlen(n->valuestring) + 1;
		c->valuestring = memcpy(out + *pos, n->valuestring, len);
		*pos += FLAT_ROUND(len);
	}
	for (k = n->child; k != NULL; k = k->next) {
		kc = tree_copy(k, out, pos);
		if (last != NULL) {
			last->next = kc;
			kc->prev = last;
		} else
			first = kc;
		last = kc;
	}
	if (first != NULL)
		first->prev = last;
	c->child = first;
	return c;
}

/* The flat copy of slot b's chunk (struct built); left NULL when memory
 * is short (the applier then reads the chunk itself). */
static void
built_flatten(struct built *b)
{
	size_t n, pos = 0;
	unsigned char *grown;

	b->flat = NULL;
	if (b->chunk == NULL)
		return;
	n = tree_bytes(b->chunk);
	if (n > b->capflat) {
		grown = realloc(b->flat_mem, n);
		if (grown == NULL)
			return;
		b->flat_mem = grown;
		b->capflat = n;
	}
	b->flat = tree_copy(b->chunk, b->flat_mem, &pos);
}

/* Wait until slot k may be filled (not waiting to be applied), free the
 * chunk it held, and give w a new, empty chunk (NULL: out of memory).  0
 * when the applier wants no more. */
static int
builder_next(struct builder *bd, size_t k, struct imp *w)
{
	struct built *b = &bd->slot[k];
	int quit;

	pthread_mutex_lock(&bd->mu);
	while (!bd->quit && b->state == SLOT_READY)
		pthread_cond_wait(&bd->cv, &bd->mu);
	quit = bd->quit;
	pthread_mutex_unlock(&bd->mu);
	if (quit)
		return 0;
	b->flat = NULL;
	b->chunk = NULL;            /* of b->jn's nodes */
	jn_reset(&b->jn);
	b->nev = b->nslices = 0;
	w->chunk = jn_node(&w->jn, cJSON_Array);
	return 1;
}

/* Move w's chunk into slot k, check and encode it, and hand it to the
 * applier; CUTRU_ENOMEM. */
static int
builder_hand_over(struct builder *bd, size_t k, struct imp *w)
{
	int rc;

	built_take(&bd->slot[k], w);
	if ((rc = built_validate(&bd->slot[k], &bd->names)) != CUTRU_OK)
		return rc;
	built_flatten(&bd->slot[k]);
	pthread_mutex_lock(&bd->mu);
	bd->slot[k].state = SLOT_READY;
	pthread_cond_broadcast(&bd->cv);
	pthread_mutex_unlock(&bd->mu);
	return CUTRU_OK;
}

static void *
builder_main(void *arg)
{
	struct builder *bd = arg;
	struct imp *wp = bd->w;
#define w (*wp)
	size_t k = 0;
	uint32_t ri;
	int rc = CUTRU_OK, more;

	if (!builder_next(bd, k, &w))
		goto out;
	if (w.chunk == NULL) {
		rc = CUTRU_ENOMEM;
		goto out;
	}
	for (ri = 0; ri < w.nrows; ri++) {
		if (group_of(&w, ri) != ri || (w.rows[ri].flags & ROW_GROUP_BAD))
			continue;
		if ((rc = build_group(&w, ri)) != CUTRU_OK)
			goto out;
		if (w.nerrs > 0) {
			rc = CUTRU_EIO;
			goto out;
		}
		if (w.nev < IMPORT_CHUNK_EVENTS && ri + 1 < w.nrows)
			continue;
		/* Hand the chunk over, and begin the next one. */
		if ((rc = builder_hand_over(bd, k, &w)) != CUTRU_OK)
			goto out;
		k = (k + 1) % BUILD_AHEAD;
		more = builder_next(bd, k, &w);
		if (!more)
			goto out;
		if (w.chunk == NULL) {
			rc = CUTRU_ENOMEM;
			goto out;
		}
	}
	/* The last groups, when the last row was no group's first. */
	if (w.nslices > 0)
		rc = builder_hand_over(bd, k, &w);
out:
	w.chunk = NULL;             /* of w.jn's nodes */
	pthread_mutex_lock(&bd->mu);
	bd->rc = rc;
	bd->done = 1;
	pthread_cond_broadcast(&bd->cv);
	pthread_mutex_unlock(&bd->mu);
	return NULL;
#undef w
}

/* Start the builder on im's rows; CUTRU_ENOMEM (then the import builds
 * on this thread). */
static int
builder_start(struct builder *bd, struct imp *im)
{
	struct imp *w;
	size_t k;

	memset(bd, 0, sizeof *bd);
	/* The builder's own importer, copied before the thread starts: the
	 * rows, households and texts of im, which it only reads (but for the
	 * flags and positions of the rows of the groups it builds, which
	 * this thread leaves alone meanwhile), and a chunk, errors and
	 * messages of its own.  An empty register gives build_group()
	 * nothing to look up and nothing to refuse, so an error there is a
	 * fault of this file's code, never of the data. */
	if ((w = malloc(sizeof *w)) == NULL)
		return CUTRU_ENOMEM;
	*w = *im;
	w->chunk = NULL;
	w->ev_row = NULL;
	w->slices = NULL;
	w->capev = w->capslices = w->nev = w->nslices = 0;
	w->errs = NULL;
	w->nerrs = w->caperrs = 0;
	memset(&w->msgs, 0, sizeof w->msgs);
	memset(w->q, 0, sizeof w->q);
	memset(&w->val, 0, sizeof w->val);
	memset(&w->bld, 0, sizeof w->bld);
	w->batch = NULL;
	w->pipeline = w->building = 0;
	memset(&w->jn, 0, sizeof w->jn);
	w->jn.on = 1;
	for (k = 0; k < BUILD_AHEAD; k++)
		bd->slot[k].jn.on = 1;
	bd->w = w;
	if (worker_start(&bd->thread, &bd->mu, &bd->cv, builder_main, bd) !=
	    CUTRU_OK) {
		free(w);
		bd->w = NULL;
		return CUTRU_ENOMEM;
	}
	bd->started = 1;
	return CUTRU_OK;
}

/* Stop the builder (if it still runs) and free its chunks. */
static void
builder_free(struct builder *bd)
{
	size_t k, i;

	if (!bd->started)
		return;
	worker_stop(bd->thread, &bd->mu, &bd->cv, &bd->quit);
	for (k = 0; k < BUILD_AHEAD; k++) {
		struct built *b = &bd->slot[k];

		jn_free(&b->jn);            /* b->chunk's nodes */
		free(b->flat_mem);
		free(b->ev_row);
		free(b->slices);
		for (i = 0; i < b->capr; i++) {
			canon_buf_free(&b->r[i].enc);
			free(b->r[i].nc);
		}
		free(b->r);
	}
	name_list_free(&bd->names);
	jn_free(&bd->w->jn);        /* bd->w->chunk's nodes */
	free(bd->w->ev_row);
	free(bd->w->slices);
	free(bd->w->errs);
	free(bd->w->msgs.p);
	free(bd->w);
	memset(bd, 0, sizeof *bd);
}

/* Apply the chunk of slot b, installed as im's chunk: its ranges with
 * their encodings, as batch_add_pipelined() does; a refusal is recorded
 * as flush() records it (all or nothing: nothing more is applied). */
static int
apply_built(struct imp *im, const struct built *b, struct cutru_err *e)
{
	struct cutru_err ae;
	const cJSON *first = im->chunk->child;
	size_t i, k, pos, cnt, idx;
	int rc = CUTRU_OK;

	if (im->batch == NULL && (rc = journal_batch_begin(im->db, &im->ctx,
	    JOURNAL_BATCH_NO_SAVEPOINT | JOURNAL_BATCH_HASH_BEHIND |
	    (im->id_map ? JOURNAL_BATCH_ID_MAP : 0), &im->batch, e)) !=
	    CUTRU_OK)
		return rc;
	for (i = 0, pos = 0; i < b->nr; i++, pos += cnt) {
		cnt = im->nev - pos < VALIDATE_RANGE ? im->nev - pos :
		    VALIDATE_RANGE;
		cutru_err_clear(&ae);
		journal_batch_name_cols(im->batch, b->r[i].ok ? b->r[i].nc :
		    NULL, b->r[i].ok ? b->r[i].nnc : 0);
		rc = journal_batch_add_range(im->batch, first, cnt,
		    b->r[i].ok ? b->r[i].enc.p : NULL, b->r[i].enc.len,
		    i > 0 ? JOURNAL_BATCH_CONTINUE : 0, &ae);
		journal_batch_name_cols(im->batch, NULL, 0);
		if (rc != CUTRU_OK) {
			shift_index(&ae, pos);
			if (!is_refusal(rc, &ae, im->nev, &idx)) {
				*e = ae;
				return rc;
			}
			return refuse(im, idx, &ae);
		}
		for (k = 0; k < cnt; k++)
			first = first->next;
	}
	commit_slices(im, 0, im->nslices);
	return CUTRU_OK;
}

/* After the last chunk: the last journal entry (nothing is kept after a
 * refusal in all or nothing, whose batch is then unusable), and the count
 * of entries for the report. */
static int
apply_end(struct imp *im, struct cutru_err *e)
{
	int rc;

	if (im->batch != NULL && !im->stop_applying &&
	    (rc = journal_batch_flush(im->batch, e)) != CUTRU_OK)
		return rc;
	im->r->journal_entries = (size_t)journal_batch_entries(im->batch);
	return CUTRU_OK;
}

/* apply_groups() with the builder: apply the chunks in the order it
 * hands them over. */
static int
apply_groups_built(struct imp *im, struct cutru_err *e)
{
	struct builder *bd = &im->bld;
	struct built *b;
	cJSON *own_chunk = im->chunk;
	uint32_t *own_ev_row = im->ev_row;
	struct slice *own_slices = im->slices;
	size_t k = 0;
	int rc = CUTRU_OK, ready, brc;


	for (;;) {
		b = &bd->slot[k];
		pthread_mutex_lock(&bd->mu);
		while (b->state != SLOT_READY && !bd->done)
			pthread_cond_wait(&bd->cv, &bd->mu);
		ready = b->state == SLOT_READY;
		pthread_mutex_unlock(&bd->mu);
		if (!ready)
			break;
		im->chunk = b->flat != NULL ? b->flat : b->chunk;
		im->ev_row = b->ev_row;
		im->nev = b->nev;
		im->slices = b->slices;
		im->nslices = b->nslices;
		rc = apply_built(im, b, e);
		im->nev = im->nslices = 0;
		pthread_mutex_lock(&bd->mu);
		b->state = SLOT_SPENT;
		pthread_cond_broadcast(&bd->cv);
		pthread_mutex_unlock(&bd->mu);
		if (rc != CUTRU_OK || im->stop_applying)
			break;
		k = (k + 1) % BUILD_AHEAD;
	}
	im->chunk = own_chunk;
	im->ev_row = own_ev_row;
	im->slices = own_slices;
	if (rc == CUTRU_OK && !im->stop_applying) {
		/* Every chunk applied: the builder has ended; did it fail? */
		pthread_mutex_lock(&bd->mu);
		brc = bd->rc;
		pthread_mutex_unlock(&bd->mu);
		if (brc == CUTRU_ENOMEM)
			return cutru_err_set(e, brc, NULL,
			    _("Out of memory while importing."));
		if (brc != CUTRU_OK)
			return cutru_err_set(e, CUTRU_EIO, NULL,
			    _("The import stopped on an internal error; nothing was imported. Import the file again."));
		/* The builder has ended: its list of persons is ours. */
		im->namer.list = bd->names;
		memset(&bd->names, 0, sizeof bd->names);
	}
	builder_free(bd);
	if (rc != CUTRU_OK)
		return rc;
	return apply_end(im, e);
}

/* ---- The name index of a bulk load (see struct namer) ---- */

static void *
namer_main(void *arg)
{
	struct namer *nm = arg;
	struct search_person *p;
	size_t i;

	if ((p = calloc(nm->list.n + 1, sizeof *p)) == NULL) {
		nm->rc = CUTRU_ENOMEM;
		return NULL;
	}
	for (i = 0; i < nm->list.n; i++) {
		p[i].key = (const uint8_t *)nm->list.text.p + nm->list.p[i].key;
		p[i].keylen = nm->list.p[i].keylen;
		p[i].folded = nm->list.text.p + nm->list.p[i].folded;
		p[i].flen = nm->list.p[i].flen;
		p[i].id = (int64_t)i + 1;
	}
	nm->rc = search_build(p, nm->list.n, &nm->img, &nm->e);
	free(p);
	return NULL;
}

/* Start making the name index of the persons the builder listed, unless
 * the list is not whole (then search_rebuild() makes it). */
static void
namer_start(struct namer *nm)
{
	if (nm->list.broken || nm->list.n == 0)
		return;
	cutru_err_clear(&nm->e);
	nm->started = pthread_create(&nm->thread, NULL, namer_main, nm) == 0;
}

/* Wait for the namer; its index, or NULL (none made: see nm->rc). */
static sqlite3 *
namer_take(struct namer *nm)
{
	sqlite3 *img;

	if (!nm->started)
		return NULL;
	pthread_join(nm->thread, NULL);
	nm->started = 0;
	img = nm->rc == CUTRU_OK ? nm->img : NULL;
	nm->img = NULL;
	return img;
}

static void
namer_free(struct namer *nm)
{
	search_image_free(namer_take(nm));
	name_list_free(&nm->list);
	memset(nm, 0, sizeof *nm);
}

/* Do the register's persons number exactly the n listed, with ids 1..n?
 * Then person i + 1 is the list's i-th: the load inserted them in list
 * order into a register without persons, and an insert takes the next
 * id. */
static int
persons_are_list(sqlite3 *db, size_t n)
{
	/* Three statements: alone, each is SQLite's quick form (a count of
	 * an index's entries, a rowid at an end of the table); together
	 * they would read every person. */
	static const char *const q[3] = {
		"SELECT count(*) FROM persons",
		"SELECT min(id) FROM persons",
		"SELECT max(id) FROM persons",
	};
	const int64_t want[3] = { (int64_t)n, 1, (int64_t)n };
	sqlite3_stmt *st;
	int i, ok = 1;

	for (i = 0; i < 3 && ok; i++) {
		if (sqlite3_prepare_v2(db, q[i], -1, &st, NULL) != SQLITE_OK)
			return 0;
		ok = sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) == SQLITE_INTEGER &&
		    sqlite3_column_int64(st, 0) == want[i];
		sqlite3_finalize(st);
	}
	return ok;
}

/* The name index at the end of a bulk load: the namer's, when it made one
 * for exactly the register's persons, else rebuilt here. */
static int
names_index(struct imp *im, struct cutru_err *e)
{
	sqlite3 *img = namer_take(&im->namer);

	if (img != NULL && !persons_are_list(im->db, im->namer.list.n)) {
		search_image_free(img);
		img = NULL;
	}
	if (img != NULL) {
		if (search_adopt(im->db, img, e) == CUTRU_OK) {
			im->r->names_adopted = 1;
			return CUTRU_OK;
		}
		cutru_err_clear(e);   /* the index is as it was: rebuild it */
	}
	return search_rebuild(im->db, e);
}

/* ---- The rejects file ---- */

/* Write s as a field, with each byte that is not valid UTF-8 replaced by
 * U+FFFD, so that the officer's spreadsheet can open the file. */
static void
write_clean_field(FILE *f, const char *s)
{
	static char buf[3 * IMPORT_FIELD_MAX + 4];
	size_t len = strlen(s), pos = 0, start, n = 0;
	int32_t cp;

	while (pos < len && n + 4 < sizeof buf) {
		start = pos;
		cp = utf8_decode(s, len, &pos);
		if (cp < 0) {
			memcpy(buf + n, "\xEF\xBF\xBD", 3);
			n += 3;
		} else {
			memcpy(buf + n, s + start, pos - start);
			n += pos - start;
		}
	}
	buf[n] = '\0';
	csv_write_field(f, buf);
}

/* The error column of row ri. */
static void
error_text(struct imp *im, uint32_t ri, uint32_t bad, char *buf,
    size_t size)
{
	const struct row *rw = &im->rows[ri];
	const struct ierr *er;
	size_t n;
	int k;

	if (rw->first_err == 0) {
		snprintf(buf, size, _("Line %lu. Not imported: line %lu, of "
		    "the same household or person, has an error."), rw->line,
		    im->rows[bad].line);
		return;
	}
	k = snprintf(buf, size, _("Line %lu."), rw->line);
	n = k > 0 && (size_t)k < size ? (size_t)k : 0;
	for (er = &im->errs[rw->first_err - 1]; ;
	    er = &im->errs[er->next - 1]) {
		if (er->col < NCOL)
			k = snprintf(buf + n, size - n, " %s: %s",
			    col_label(im, er->col), arena_str(&im->msgs, er->msg));
		else
			k = snprintf(buf + n, size - n, " %s",
			    arena_str(&im->msgs, er->msg));
		if (k < 0 || (size_t)k >= size - n)
			break;
		n += (size_t)k;
		if (er->next == 0)
			break;
	}
}

static int
write_rejects(struct imp *im, struct cutru_err *e)
{
	FILE *f = im->o->rejects;
	uint32_t *bad = NULL, ri, g;
	char *text = NULL;
	size_t i, size = 8192;
	int has_error_col = im->colname[COL_ERROR] != NO_OFF;

	if (im->nrows > 0 && (bad = malloc(im->nrows * sizeof *bad)) == NULL)
		return CUTRU_ENOMEM;
	if ((text = malloc(size)) == NULL) {
		free(bad);
		return CUTRU_ENOMEM;
	}
	/* The first row in error of each group. */
	for (ri = 0; ri < im->nrows; ri++)
		bad[ri] = UINT32_MAX;
	for (ri = 0; ri < im->nrows; ri++) {
		g = group_of(im, ri);
		if (im->rows[ri].first_err != 0 && bad[g] == UINT32_MAX)
			bad[g] = ri;
	}
	fputs("\xEF\xBB\xBF", f);
	for (i = 0; i < im->ncols; i++) {
		if (i > 0)
			fputc(',', f);
		csv_write_field(f, col_label(im, im->hdr[i]));
	}
	if (!has_error_col)
		fputs(",error", f);
	fputs("\r\n", f);
	for (ri = 0; ri < im->nrows; ri++) {
		g = group_of(im, ri);
		if (!(im->rows[g].flags & ROW_GROUP_BAD))
			continue;
		error_text(im, ri, bad[g] != UINT32_MAX ? bad[g] : ri, text,
		    size);
		for (i = 0; i < im->ncols; i++) {
			if (i > 0)
				fputc(',', f);
			if (im->hdr[i] == COL_ERROR)
				write_clean_field(f, text);
			else
				write_clean_field(f, raw_field(im, &im->rows[ri],
				    im->hdr[i]));
		}
		if (!has_error_col) {
			fputc(',', f);
			write_clean_field(f, text);
		}
		fputs("\r\n", f);
	}
	free(bad);
	free(text);
	if (fflush(f) != 0 || ferror(f))
		return cutru_err_set(e, CUTRU_EIO, NULL,
		    _("The rows not imported could not be written: %s. "
		    "Nothing was imported."), strerror(errno));
	return CUTRU_OK;
}

/* ---- The report ---- */

struct report_priv {
	char *strings;
};

static int
err_cmp(const void *a, const void *b)
{
	const struct ierr *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Move the errors into r (in file order); the message arena goes with
 * them. */
static int
report_errors(struct imp *im)
{
	struct import_report *r = im->r;
	struct report_priv *pv;
	size_t i;

	if (im->nerrs == 0)
		return CUTRU_OK;
	pv = calloc(1, sizeof *pv);
	r->errors = calloc(im->nerrs, sizeof *r->errors);
	if (pv == NULL || r->errors == NULL) {
		free(pv);
		free(r->errors);
		r->errors = NULL;
		return CUTRU_ENOMEM;
	}
	/* Row links are no longer needed: sort in place. */
	qsort(im->errs, im->nerrs, sizeof *im->errs, err_cmp);
	for (i = 0; i < im->nerrs; i++) {
		r->errors[i].line = im->errs[i].line;
		r->errors[i].field = im->errs[i].col < NCOL ?
		    col_label(im, im->errs[i].col) : "";
		r->errors[i].msg = arena_str(&im->msgs, im->errs[i].msg);
	}
	r->n_errors = im->nerrs;
	pv->strings = im->msgs.p;
	memset(&im->msgs, 0, sizeof im->msgs);
	r->priv = pv;
	return CUTRU_OK;
}

void
import_report_free(struct import_report *r)
{
	struct report_priv *pv;

	if (r == NULL)
		return;
	pv = r->priv;
	if (pv != NULL)
		free(pv->strings);
	free(pv);
	free(r->errors);
	memset(r, 0, sizeof *r);
}

/* ---- The import ---- */

static int
sql_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ?
	    CUTRU_OK : CUTRU_EIO;
}

static int
db_error(sqlite3 *db, struct cutru_err *e)
{
	if (sqlite3_errcode(db) == SQLITE_NOMEM)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while importing."));
	if (sqlite3_errcode(db) == SQLITE_FULL)
		return cutru_err_set(e, CUTRU_EIO, NULL,
		    _("The disk is full: nothing was imported. Free some space "
		    "and try again."));
	return cutru_err_set(e, CUTRU_EIO, NULL,
	    _("The register could not be read or written: %s. Nothing was "
	    "imported."), sqlite3_errmsg(db));
}

static int
units_version(struct imp *im)
{
	sqlite3_stmt *st = NULL;
	char (*grown)[6];
	size_t cap = 0;
	int r;

	im->units_version[0] = '\0';
	if (sqlite3_prepare_v2(im->db,
	    "SELECT version FROM ref_versions WHERE kind = 'units'", -1, &st,
	    NULL) != SQLITE_OK)
		return CUTRU_EIO;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		col_text(st, 0, im->units_version, sizeof im->units_version);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return r == SQLITE_DONE ? CUTRU_OK : CUTRU_EIO;
	/* The communes of that version (some 10,600 in the country), in
	 * strcmp order: SQLite's BINARY collation of ASCII digits. */
	if (sqlite3_prepare_v2(im->db, "SELECT code FROM admin_units"
	    " WHERE version = ?1 AND length(code) = 5 ORDER BY code", -1, &st,
	    NULL) != SQLITE_OK)
		return CUTRU_EIO;
	sqlite3_bind_text(st, 1, im->units_version, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (im->nunits == cap) {
			grown = grow(im->units, &cap, im->nunits + 1,
			    sizeof *im->units);
			if (grown == NULL) {
				sqlite3_finalize(st);
				return CUTRU_ENOMEM;
			}
			im->units = grown;
		}
		col_text(st, 0, im->units[im->nunits], sizeof *im->units);
		im->nunits++;
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? CUTRU_OK : CUTRU_EIO;
}

/* Read and check every row (before any write). */
/* Read the records left in im->csv as rows, until the end, an error or
 * too many errors. */
static int
read_rows(struct imp *im)
{
	int rc, utf16;

	while (csv_next(&im->csv, &utf16)) {
		if ((rc = read_row(im)) != CUTRU_OK)
			return rc;
		if (im->too_many_errors)
			break;
	}
	return CUTRU_OK;
}

/* ---- Reading on two threads ----
 *
 * Reading and checking a row is a tenth of a bulk import and, but for
 * linking rows by ID number and household (link_person(),
 * link_household()), touches nothing another row does.  So a large file
 * is read in memory and cut in two at a line end after its middle; a
 * second thread reads and checks the second half into an importer of its
 * own (rows, texts, errors) while a third does the first half (struct
 * first_half: not the caller's thread), neither linking; the caller then
 * appends the second half's rows to the first's (their
 * offsets and indexes moved) and every row is linked, in file order.
 * Whether the cut is a record boundary is known only once the first half
 * is read: it is when the first half's last record ends there, outside
 * quotes, on the line the second half began counting from.  A first half
 * with an unclosed quote (the serial reader would have looked for its
 * closing quote beyond the cut) or ending anywhere else is read again
 * whole, on this thread, and the second half's work is thrown away.  The
 * rows, errors and messages are then those of the serial reader, but for
 * the order of a row's errors, which are sorted by line (and, within a
 * line, the link errors come after the checks' errors, as before). */

/* Files smaller than this are read on one thread. */
#define READ_SPLIT_MIN (4u << 20)

struct reader {
	pthread_t thread;
	struct imp w;               /* the second half's importer */
	struct import_report r;
	size_t msgs_base;           /* w.msgs began as a copy of this much */
	int rc;
};

static void *
reader_main(void *arg)
{
	struct reader *rd = arg;

	rd->rc = read_rows(&rd->w);
	return NULL;
}

/* The first half's reading, on a thread of its own too: on the process's
 * first thread, whose allocations come from glibc's main heap, the same
 * rows took a fifth more CPU time than on the second thread (thread CPU
 * clocks, a million persons), and the read waited for them. */
struct first_half {
	struct imp *im;
	int rc;
};

static void *
first_half_main(void *arg)
{
	struct first_half *fh = arg;

	fh->rc = read_rows(fh->im);
	return NULL;
}

/* Undo what reading added to im since it held nrows rows, nerrs errors,
 * a.len and msgs.len bytes of text and rows counted. */
static void
read_undo(struct imp *im, size_t alen, size_t mlen, size_t nerrs,
    size_t rows)
{
	im->nrows = 0;
	im->a.len = alen;
	im->msgs.len = mlen;
	im->nerrs = nerrs;
	im->r->rows = rows;
	im->too_many_errors = 0;
	im->saw_unclosed = 0;
}

/* Append the second half's rows, texts and errors to im's. */
static int
read_merge(struct imp *im, struct reader *rd)
{
	struct imp *w = &rd->w;
	size_t shift = im->nrows, aoff = im->a.len, eoff = im->nerrs, i;
	size_t moff, need;
	struct row *rw;
	struct ierr *er;
	void *grown;

	if (w->nrows == 0 && w->nerrs == 0)
		return CUTRU_OK;
	if (im->nrows + w->nrows >= UINT32_MAX - 1)
		return CUTRU_ERANGE;
	if (w->nrows > 0) {
		if ((grown = grow(im->rows, &im->caprows, im->nrows + w->nrows,
		    sizeof *im->rows)) == NULL)
			return CUTRU_ENOMEM;
		im->rows = grown;
	}
	if (w->nerrs > 0) {
		if ((grown = grow(im->errs, &im->caperrs, im->nerrs + w->nerrs,
		    sizeof *im->errs)) == NULL)
			return CUTRU_ENOMEM;
		im->errs = grown;
	}
	/* The texts, back to back. */
	need = im->a.len + w->a.len;
	if (need > im->a.cap) {
		if ((grown = realloc(im->a.p, need)) == NULL)
			return CUTRU_ENOMEM;
		im->a.p = grown;
		im->a.cap = need;
	}
	if (w->a.len > 0)
		memcpy(im->a.p + im->a.len, w->a.p, w->a.len);
	im->a.len = need;
	moff = im->msgs.len;
	need = im->msgs.len + (w->msgs.len - rd->msgs_base);
	if (need > im->msgs.cap) {
		if ((grown = realloc(im->msgs.p, need)) == NULL)
			return CUTRU_ENOMEM;
		im->msgs.p = grown;
		im->msgs.cap = need;
	}
	if (w->msgs.len > rd->msgs_base)
		memcpy(im->msgs.p + moff, w->msgs.p + rd->msgs_base,
		    w->msgs.len - rd->msgs_base);
	im->msgs.len = need;
#define MOVE_OFF(x) ((x) = (x) == NO_OFF ? NO_OFF : (x) + aoff)
	for (i = 0; i < w->nrows; i++) {
		rw = &im->rows[shift + i];
		*rw = w->rows[i];
		MOVE_OFF(rw->raw);
		MOVE_OFF(rw->name);
		MOVE_OFF(rw->address);
		MOVE_OFF(rw->rel);
		MOVE_OFF(rw->household);
		rw->parent += (uint32_t)shift;
		rw->person += (uint32_t)shift;
		if (rw->first_err != 0)
			rw->first_err += (uint32_t)eoff;
	}
#undef MOVE_OFF
	for (i = 0; i < w->nerrs; i++) {
		er = &im->errs[eoff + i];
		*er = w->errs[i];
		if (er->row != 0)
			er->row += (uint32_t)shift;
		if (er->next != 0)
			er->next += (uint32_t)eoff;
		er->seq += eoff;
		er->msg = er->msg < rd->msgs_base ? er->msg :
		    er->msg - rd->msgs_base + moff;
	}
	im->nrows += w->nrows;
	im->nerrs += w->nerrs;
	im->r->rows += rd->r.rows;
	if (w->too_many_errors || im->nerrs >= IMPORT_ERRORS_MAX)
		im->too_many_errors = 1;
	return CUTRU_OK;
}

static void
reader_free(struct reader *rd)
{
	csv_close(&rd->w.csv);
	free(rd->w.a.p);
	free(rd->w.msgs.p);
	free(rd->w.rows);
	free(rd->w.errs);
}

/* Read the rest of im's file on two threads and link its rows (see
 * above), or leave it to read_rows(): CUTRU_OK either way, with im->csv
 * then reading what is left (nothing, or the whole rest from memory);
 * CUTRU_ENOMEM, CUTRU_ERANGE. */
static int
read_split(struct imp *im)
{
	struct csv *c = &im->csv;
	struct reader *rd = NULL;
	struct stat sb;
	unsigned char *mem = NULL, *cut, *p;
	FILE *first = NULL, *second = NULL, *whole = NULL;
	struct first_half fh;
	pthread_t fh_thread;
	size_t len, got, alen, mlen, nerrs, rows;
	unsigned long line0, line_start;
	off_t at;
	int rc = CUTRU_OK, fd, clean;
	uint32_t ri;

	if ((im->o->flags & IMPORT_ONE_THREAD) || c->in == NULL ||
	    (fd = fileno(c->in)) < 0 || fstat(fd, &sb) != 0 ||
	    !S_ISREG(sb.st_mode) || (at = ftello(c->in)) < 0 ||
	    sb.st_size < at || ((size_t)(sb.st_size - at) + (c->end - c->pos) <
	    READ_SPLIT_MIN && !(im->o->flags & IMPORT_READ_SPLIT)))
		return CUTRU_OK;
	line_start = c->line;
	/* The rest of the file in memory: what the reader holds, then what
	 * the file holds after it. */
	len = (size_t)(sb.st_size - at) + (c->end - c->pos);
	if ((mem = malloc(len + 1)) == NULL)
		return CUTRU_OK;   /* read it as it comes */
	memcpy(mem, c->buf + c->pos, c->end - c->pos);
	got = c->end - c->pos;
	while (got < len) {
		size_t n = fread(mem + got, 1, len - got, c->in);

		if (n == 0)
			break;
		got += n;
	}
	if (ferror(c->in)) {
		c->ioerr = 1;
		free(mem);
		return CUTRU_OK;
	}
	len = got;
	/* From here on the reader reads mem: the file is at its end. */
	c->pos = c->end = c->rec = 0;
	c->eof = 0;
	cut = len > 1 ? memchr(mem + len / 2, '\n', len - len / 2) : NULL;
	if (cut == NULL || (size_t)(cut + 1 - mem) >= len ||
	    (rd = calloc(1, sizeof *rd)) == NULL)
		goto serial;
	cut++;
	/* The first line of the second half (memchr() is vectorised: a
	 * byte loop over half of a large file costs a tenth of a second). */
	line0 = c->line;
	for (p = mem; (p = memchr(p, '\n', (size_t)(cut - p))) != NULL; p++)
		line0++;
	/* The second half's importer: im's settings, rows and texts of its
	 * own, and im's messages so far (the column names) as the start of
	 * its own. */
	rd->w = *im;
	memset(&rd->w.a, 0, sizeof rd->w.a);
	rd->w.rows = NULL;
	rd->w.nrows = rd->w.caprows = 0;
	rd->w.errs = NULL;
	rd->w.nerrs = rd->w.caperrs = 0;
	rd->w.too_many_errors = 0;
	rd->w.r = &rd->r;
	rd->w.defer_links = 1;
	memset(&rd->w.msgs, 0, sizeof rd->w.msgs);
	if (im->msgs.len > 0) {
		if ((rd->w.msgs.p = malloc(im->msgs.len)) == NULL)
			goto serial_free;
		memcpy(rd->w.msgs.p, im->msgs.p, im->msgs.len);
		rd->w.msgs.len = rd->w.msgs.cap = im->msgs.len;
	}
	rd->msgs_base = im->msgs.len;
	if (csv_open(&rd->w.csv, NULL) != CUTRU_OK)
		goto serial_free;
	rd->w.csv.line = line0;
	rd->w.csv.at_start = 0;
	rd->w.csv.expect = c->expect;
	if ((first = fmemopen(mem, (size_t)(cut - mem), "r")) == NULL ||
	    (second = fmemopen(cut, len - (size_t)(cut - mem), "r")) == NULL)
		goto serial_free;
	rd->w.csv.in = second;
	alen = im->a.len;
	mlen = im->msgs.len;
	nerrs = im->nerrs;
	rows = im->r->rows;
	if (pthread_create(&rd->thread, NULL, reader_main, rd) != 0)
		goto serial_free;
	/* The first half, on a thread of its own (struct first_half), or
	 * here when none can be had. */
	c->in = first;
	im->defer_links = 1;
	fh.im = im;
	fh.rc = CUTRU_OK;
	if (pthread_create(&fh_thread, NULL, first_half_main, &fh) == 0)
		pthread_join(fh_thread, NULL);
	else
		fh.rc = read_rows(im);
	rc = fh.rc;
	im->defer_links = 0;
	clean = rc == CUTRU_OK && !c->ioerr && c->line == line0 &&
	    !im->saw_unclosed;
	pthread_join(rd->thread, NULL);
	/* A failure, or too many errors in the first half: the import
	 * fails whatever the second half holds. */
	if (rc != CUTRU_OK || im->too_many_errors)
		goto out;
	if (clean && rd->rc == CUTRU_OK && !rd->w.csv.ioerr) {
		if ((rc = read_merge(im, rd)) != CUTRU_OK)
			goto out;
		/* Link every row, in file order. */
		for (ri = 0; ri < im->nrows; ri++) {
			if (im->rows[ri].flags & ROW_UNREADABLE)
				continue;
			if ((rc = link_person(im, ri)) != CUTRU_OK ||
			    (rc = link_household(im, ri)) != CUTRU_OK)
				goto out;
		}
		/* Nothing left for read_rows(). */
		c->in = second;
		c->pos = c->end = c->rec = 0;
		c->eof = 1;
		im->r->read_split = 1;
		goto out;
	}
	if (rd->rc == CUTRU_ENOMEM) {
		rc = CUTRU_ENOMEM;
		goto out;
	}
	/* Not a record boundary (or the second half failed): all again,
	 * here. */
	read_undo(im, alen, mlen, nerrs, rows);
	im->r->read_split = 2;
serial_free:
	if (rd != NULL)
		reader_free(rd);
	free(rd);
	rd = NULL;
	if (first != NULL)
		fclose(first);
	if (second != NULL)
		fclose(second);
	first = second = NULL;
serial:
	c->pos = c->end = c->rec = 0;
	c->eof = 0;
	c->line = line_start;
	if (len == 0) {
		/* Nothing after the header (fmemopen() takes no empty
		 * buffer). */
		free(mem);
		c->eof = 1;
		return CUTRU_OK;
	}
	if ((whole = fmemopen(mem, len, "r")) == NULL) {
		free(mem);
		return CUTRU_ENOMEM;
	}
	c->in = whole;
	im->split_in = whole;
	im->split_mem = mem;
	return CUTRU_OK;
out:
	if (rd != NULL)
		reader_free(rd);
	free(rd);
	/* Keep the stream the reader reads now; close the other. */
	if (c->in == first) {
		im->split_in = first;
		if (second != NULL)
			fclose(second);
	} else {
		im->split_in = second;
		fclose(first);
	}
	im->split_mem = mem;
	return rc;
}

static int
read_file(struct imp *im, struct cutru_err *e)
{
	int rc;

	if ((rc = read_split(im)) == CUTRU_OK)
		rc = read_rows(im);
	if (rc == CUTRU_ENOMEM)
		return cutru_err_set(e, rc, NULL,
		    _("Out of memory while reading the file."));
	if (rc == CUTRU_ERANGE)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The file has too many rows for one import: split "
		    "it."));
	if (rc != CUTRU_OK)
		return db_error(im->db, e);
	if (im->too_many_errors)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The file has more than %d errors: it does not "
		    "look like a household book. Nothing was "
		    "imported."), IMPORT_ERRORS_MAX);
	if (im->csv.ioerr)
		return cutru_err_set(e, CUTRU_EIO, NULL,
		    _("The file could not be read: %s."), strerror(errno));
	if ((rc = finish_groups(im)) != CUTRU_OK)
		return cutru_err_set(e, rc, NULL,
		    _("Out of memory while reading the file."));
	return CUTRU_OK;
}

/* Look up and apply every good group, in file order. */
static int
apply_groups(struct imp *im, struct cutru_err *e)
{
	uint32_t ri;
	int rc;

	if (im->building)
		return apply_groups_built(im, e);
	if ((rc = chunk_reset(im)) != CUTRU_OK)
		goto fail;
	for (ri = 0; ri < im->nrows; ri++) {
		if (group_of(im, ri) != ri ||
		    (im->rows[ri].flags & ROW_GROUP_BAD))
			continue;
		rc = build_group(im, ri);
		if (rc != CUTRU_OK)
			goto fail;
		if (im->o->mode == IMPORT_ALL_OR_NOTHING && im->nerrs > 0 &&
		    !im->stop_applying) {
			/* Nothing will be kept: stop applying, keep looking. */
			im->stop_applying = 1;
			if ((rc = chunk_reset(im)) != CUTRU_OK)
				goto fail;
		}
		if (im->nev >= IMPORT_CHUNK_EVENTS &&
		    (rc = flush(im, e)) != CUTRU_OK)
			return rc;
	}
	if ((rc = flush(im, e)) != CUTRU_OK)
		return rc;
	return apply_end(im, e);
fail:
	if (rc == CUTRU_ENOMEM)
		return cutru_err_set(e, rc, NULL,
		    _("Out of memory while importing."));
	return db_error(im->db, e);
}

static void
imp_free(struct imp *im)
{
	size_t i;

	csv_close(&im->csv);
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(im->q[i]);
	free(im->a.p);
	free(im->msgs.p);
	free(im->units);
	if (im->split_in != NULL)
		fclose(im->split_in);
	free(im->split_mem);
	free(im->rows);
	free(im->hhs);
	free(im->errs);
	free(im->ev_row);
	free(im->slices);
	validator_free(&im->val);
	builder_free(&im->bld);
	namer_free(&im->namer);
	journal_batch_free(im->batch);
	cJSON_Delete(im->chunk);
	htab_free(&im->ids);
	htab_free(&im->hnums);
}

/* ---- Bulk load ----
 *
 * What a large import (IMPORT_DEFER_ROWS rows or more, in a transaction of
 * its own) changes about how SQLite works for its length, never what the
 * database holds once it ends: see "Bulk load" at the top of the file. */

/* The journal mode for the import: a store in WAL mode goes to DELETE for
 * it if it can (*restore = 1 then).  Called outside any transaction; a
 * refusal (another connection has the database open) is no error, the
 * import then runs in WAL mode.  *rollback: whether the import runs with
 * a rollback journal (it was not in WAL mode, or it switched). */
static void
bulk_journal_begin(sqlite3 *db, int *restore, int *rollback)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int wal = 0;

	*restore = 0;
	*rollback = 0;
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    (mode = sqlite3_column_text(st, 0)) != NULL) {
		wal = sqlite3_stricmp((const char *)mode, "wal") == 0;
		*rollback = !wal &&
		    sqlite3_stricmp((const char *)mode, "memory") != 0 &&
		    sqlite3_stricmp((const char *)mode, "off") != 0;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!wal)
		return;
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = DELETE", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    (mode = sqlite3_column_text(st, 0)) != NULL)
		*restore = sqlite3_stricmp((const char *)mode, "delete") == 0;
	sqlite3_finalize(st);
	*rollback = *restore;
}

/* Foreign keys off for a bulk load, before its transaction begins: 1 if
 * they were on (bulk_keys_check() then checks every key before the
 * commit, and they are turned on again once the transaction is over). */
static int
bulk_keys_off(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int on = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA foreign_keys", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		on = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return on && sqlite3_exec(db, "PRAGMA foreign_keys = OFF", NULL, NULL,
	    NULL) == SQLITE_OK;
}

/* Back to WAL after the import (committed or rolled back).  Should that
 * fail, the connection stays in rollback mode, which is as safe; the
 * store sets WAL again when it is next opened. */
static void
bulk_journal_end(sqlite3 *db, int restore)
{
	if (restore)
		(void)sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL,
		    NULL);
}

/* The tables an import fills. */
static const char *const bulk_tables[] = {
	"persons", "households", "household_members", "residences",
	"addresses"
};

#define N_BULK_TABLES (sizeof bulk_tables / sizeof bulk_tables[0])

/* Every foreign key of the tables a bulk load fills, before it commits
 * (schema_fk_check(): by ranges, the register's ids being dense).  A
 * broken one is a fault of this program, not of the file: nothing is
 * kept. */
static int
bulk_keys_check(sqlite3 *db, struct cutru_err *e)
{
	long bad = 0;

	if (schema_fk_check(db, bulk_tables, N_BULK_TABLES, &bad) != CUTRU_OK)
		return db_error(db, e);
	if (bad > 0)
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The import would leave %ld broken links between "
		    "persons, households, addresses and residences. Nothing was "
		    "imported. This is a fault in cutru: keep the file and "
		    "report it."), bad);
	return CUTRU_OK;
}

/* Indexes dropped for the import: their CREATE statements, as the schema
 * holds them, back to back in an arena. */
struct bulk_indexes {
	struct arena sql;
	size_t n;
	uint32_t runs;              /* bit i: index i is sorted in runs */
	int id_number;              /* persons_id_number is among them */
};

/* Drop the non-unique indexes (CREATE INDEX, not UNIQUE, not a
 * constraint's) of the tables an import fills, keeping their statements:
 * in the import's transaction, which bulk_indexes_restore() ends by
 * creating them again with those same statements.  A unique index stays:
 * the applier's refusals depend on it, and so do its look-ups - but for
 * persons_id_number with id_map, when the applier's ID-number map
 * (apply_session_id_map()) answers those look-ups and the index's CREATE
 * UNIQUE INDEX at the end checks what it would have refused. */
static int
bulk_indexes_drop(sqlite3 *db, struct bulk_indexes *bi, int id_map)
{
	struct arena names = { NULL, 0, 0 };
	sqlite3_stmt *st = NULL;
	const unsigned char *name, *sql;
	char drop[160];
	size_t i, off, n = 0;
	int rc = CUTRU_EIO, r;

	memset(bi, 0, sizeof *bi);
	if (sqlite3_prepare_v2(db, "SELECT s.name, s.sql FROM sqlite_schema s"
	    " JOIN pragma_index_list(?1) l ON l.name = s.name"
	    " WHERE s.type = 'index' AND l.origin = 'c' AND s.sql IS NOT NULL"
	    " AND (l.\"unique\" = 0 OR (?2 AND s.name = 'persons_id_number'))",
	    -1, &st, NULL) != SQLITE_OK)
		goto done;
	for (i = 0; i < N_BULK_TABLES; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, bulk_tables[i], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, id_map != 0);
		while ((r = sqlite3_step(st)) == SQLITE_ROW) {
			name = sqlite3_column_text(st, 0);
			sql = sqlite3_column_text(st, 1);
			if (name == NULL || sql == NULL)
				continue;
			if (strcmp(bulk_tables[i], "persons") == 0 && n < 32)
				bi->runs |= (uint32_t)1 << n;
			if (strcmp((const char *)name, "persons_id_number") ==
			    0)
				bi->id_number = 1;
			if (arena_add(&names, (const char *)name,
			    strlen((const char *)name)) == NO_OFF ||
			    arena_add(&bi->sql, (const char *)sql,
			    strlen((const char *)sql)) == NO_OFF) {
				rc = CUTRU_ENOMEM;
				goto done;
			}
			n++;
		}
		if (r != SQLITE_DONE)
			goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Dropped once the schema is no longer being read. */
	for (i = 0, off = 0; i < n; i++) {
		name = (const unsigned char *)names.p + off;
		off += strlen((const char *)name) + 1;
		if (snprintf(drop, sizeof drop, "DROP INDEX \"%s\"", name) >=
		    (int)sizeof drop)
			continue;   /* no index of ours has such a name */
		if (sqlite3_exec(db, drop, NULL, NULL, NULL) != SQLITE_OK)
			goto done;
		bi->n++;
	}
	rc = CUTRU_OK;
done:
	sqlite3_finalize(st);
	free(names.p);
	return rc;
}

/* The sorts of bulk_indexes_restore() in SQLite's file mode hold at most
 * this many bytes: a quarter of what SQLite keeps in memory before it
 * writes a sorted run to a temporary file (SQLITE_MAX_PMASZ, 512 MiB, with
 * the import's page cache of IMPORT_CACHE_MIN_KIB or more). */
#define IMPORT_SORT_FILE_MAX ((size_t)128 << 20)

/* *v = the value of an integer pragma (name, a literal of this file);
 * 0, or -1 when it cannot be read (*v unchanged). */
static int
pragma_int(sqlite3 *db, const char *name, int *v)
{
	sqlite3_stmt *st = NULL;
	char sql[48];
	int rc = -1;

	snprintf(sql, sizeof sql, "PRAGMA %s", name);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
temp_store_set(sqlite3 *db, int v)
{
	char sql[32];

	snprintf(sql, sizeof sql, "PRAGMA temp_store = %d", v);
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* The persons' indexes (on sort keys, years of birth, CMND numbers: in no
 * order the file gives) are sorted in runs of IMPORT_SORT_RUN_KIB, each
 * sorted on its own while it fits the processor's cache, then merged.
 * SQLite's sorter cuts a sort into runs of the page cache's size, so the
 * cache is made that small around the CREATE INDEX; with spilling off,
 * which keeps every page the import wrote in memory meanwhile (SQLite
 * then lets the cache grow past its size rather than write a page out).
 * The runs go to temporary files, which the page cipher keeps in memory
 * (localdb/memfile.c).  The other indexes are keyed on ids given in the
 * file's order: their records come sorted, which one sort in memory
 * handles best. */
#define IMPORT_SORT_RUN_KIB 4096

struct sort_runs {
	int cache, spill;
};

static int sort_runs_end(sqlite3 *db, const struct sort_runs *sr);

/* Cut the next sorts into runs; 0, or -1 (sorts stay whole). */
static int
sort_runs_begin(sqlite3 *db, struct sort_runs *sr)
{
	char sql[48];

	if (pragma_int(db, "cache_size", &sr->cache) != 0 ||
	    pragma_int(db, "cache_spill", &sr->spill) != 0 ||
	    (sr->spill != 0 && sqlite3_exec(db, "PRAGMA cache_spill = OFF",
	    NULL, NULL, NULL) != SQLITE_OK))
		return -1;
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d",
	    IMPORT_SORT_RUN_KIB);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		(void)sort_runs_end(db, sr);
		return -1;
	}
	return 0;
}

/* The cache's size and spilling as they were: 0, or -1. */
static int
sort_runs_end(sqlite3 *db, const struct sort_runs *sr)
{
	char sql[48];
	int rc = 0;

	snprintf(sql, sizeof sql, "PRAGMA cache_size = %d", sr->cache);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
	if (sr->spill != 0 && sqlite3_exec(db, "PRAGMA cache_spill = ON", NULL,
	    NULL, NULL) != SQLITE_OK)
		rc = -1;
	return rc;
}

/* Create the dropped indexes again (before committing), each with the
 * statement the schema held, and forget them.
 *
 * With file_sorts (the caller knows the sorts are small: see
 * IMPORT_SORT_FILE_MAX) they are made with temp_store = FILE, then set
 * back.  Not for a file: SQLite's sorter with temp_store = MEMORY
 * allocates every record on its own and merges a list scattered over the
 * heap, while in file mode it keeps the records side by side in one block
 * - a third less time for the indexes of a million persons - and writes a
 * temporary file only for a sort larger than SQLITE_MAX_PMASZ, which
 * these are not (the page cipher refuses temporary files anyway: the
 * import would fail, never write one in the clear).  Non-unique CREATE
 * INDEX needs no statement journal, the other temporary file. */
static int
bulk_indexes_restore(sqlite3 *db, struct bulk_indexes *bi, int file_sorts)
{
	struct sort_runs sr;
	size_t i, off;
	const char *sql;
	int was = -1, pass, runs = 0, rc = CUTRU_OK;

	if (file_sorts && (pragma_int(db, "temp_store", &was) != 0 ||
	    temp_store_set(db, 1) != 0))
		was = -1;
	/* Those sorted whole first, then those sorted in runs: the small
	 * cache of the runs drops every page that SQLite could read again
	 * from the file (the schema's, the free list's), so once only, and
	 * after the rest. */
	for (pass = 0; pass < 2 && rc == CUTRU_OK; pass++)
		for (i = 0, off = 0; i < bi->n && rc == CUTRU_OK; i++) {
			sql = bi->sql.p + off;
			off += strlen(sql) + 1;
			if ((i < 32 && was >= 0 && (bi->runs >> i & 1)) != pass)
				continue;
			if (pass == 1 && !runs)
				runs = sort_runs_begin(db, &sr) == 0 ? 1 : -1;
			if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
				rc = CUTRU_EIO;
		}
	if (runs == 1 && sort_runs_end(db, &sr) != 0)
		rc = CUTRU_EIO;
	if (was >= 0 && temp_store_set(db, was) != 0 && rc == CUTRU_OK)
		rc = CUTRU_EIO;
	if (rc != CUTRU_OK)
		return rc;
	free(bi->sql.p);
	memset(bi, 0, sizeof *bi);
	return CUTRU_OK;
}

/* Do the indexes' sorts fit IMPORT_SORT_FILE_MAX?  Known for the builder's
 * import into an empty register: the tables then hold the file's rows
 * only, at most a person, a membership and a residence a row, whose index
 * records (a key, a row id, SQLite's own 16 bytes) take under 64 bytes but
 * for the persons' sort keys, whose lengths the name list has. */
static int
sorts_fit(const struct imp *im)
{
	const struct name_list *nl = &im->namer.list;

	return im->building && !nl->broken && nl->text.len <
	    IMPORT_SORT_FILE_MAX && (size_t)im->nrows <
	    (IMPORT_SORT_FILE_MAX - nl->text.len) / 64;
}

/* Is the register empty of persons and households?  Then no row of the
 * file can meet what the register holds (the rows of one person or one
 * household are one group, and groups do not share persons or
 * households), and the look-ups of build_group() can be skipped. */
/* The import's page cache, KiB: see IMPORT_CACHE_MIN_KIB. */
static long
import_cache_kib(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
	long long kib;

	if (pages <= 0 || size <= 0)
		return IMPORT_CACHE_MIN_KIB;
	kib = (long long)pages * (size / 1024) / 4;
	if (kib < IMPORT_CACHE_MIN_KIB)
		return IMPORT_CACHE_MIN_KIB;
	if (kib > IMPORT_CACHE_MAX_KIB)
		return IMPORT_CACHE_MAX_KIB;
	return (long)kib;
}

/* Seconds of the monotonic clock, for the report's phase times. */
static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
register_is_empty(sqlite3 *db, int *empty)
{
	sqlite3_stmt *st = NULL;
	int r;

	*empty = 0;
	if (sqlite3_prepare_v2(db, "SELECT NOT EXISTS (SELECT 1 FROM persons)"
	    " AND NOT EXISTS (SELECT 1 FROM households)", -1, &st, NULL) !=
	    SQLITE_OK)
		return CUTRU_EIO;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*empty = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? CUTRU_OK : CUTRU_EIO;
}

int
import_csv(sqlite3 *db, FILE *in, const struct import_opts *o,
    struct import_report *r, struct cutru_err *e)
{
	struct import_report local;
	struct imp im;
	struct bulk_indexes bi;
	char pragma[64];
	int rc, own = 0, began = 0, keep, cache = 0, defer = 0, bulk = 0;
	int journal_restore = 0, rollback = 0, wb = 0, keys_off = 0;
	int file_sorts = 0;
	uint32_t ri;
	double t;

	if (r == NULL)
		r = &local;
	memset(r, 0, sizeof *r);
	memset(&im, 0, sizeof im);
	memset(&bi, 0, sizeof bi);
	if (db == NULL || in == NULL || o == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Nothing to import, or no register to import into."));
	if (o->today.prec != CUTRU_DATE_DAY || !date_valid(&o->today))
		return cutru_err_set(e, CUTRU_EINVAL, "today",
		    _("An import needs today's full date."));
	if (o->at == NULL || o->actor == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "actor",
		    _("An import needs the officer and the time, for the "
		    "journal."));
	if (o->mode == IMPORT_QUARANTINE && o->rejects == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "rejects",
		    _("Quarantine needs a file for the rows not imported."));
	if (o->mode != IMPORT_QUARANTINE && o->mode != IMPORT_ALL_OR_NOTHING)
		return cutru_err_set(e, CUTRU_EINVAL, "mode",
		    _("Unknown import mode."));
	im.db = db;
	im.o = o;
	im.r = r;
	im.ctx.dossier_id = 0;
	im.ctx.date = o->today;
	im.ctx.actor = o->actor;
	im.ctx.at = o->at;
	for (rc = 0; rc < NCOL; rc++)
		im.colname[rc] = NO_OFF;
	if (csv_open(&im.csv, in) != CUTRU_OK) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while reading the file."));
		goto done;
	}
	if ((rc = units_version(&im)) != CUTRU_OK) {
		rc = rc == CUTRU_ENOMEM ? cutru_err_set(e, rc, NULL,
		    _("Out of memory while reading the file.")) :
		    db_error(db, e);
		goto done;
	}
	if ((rc = read_header(&im, e)) != CUTRU_OK) {
		if (rc == CUTRU_EINVAL &&
		    add_error(&im, UINT32_MAX, im.csv.rec_line != 0 ?
		    im.csv.rec_line : 1, COL_NONE, e->msg) != CUTRU_OK)
			rc = CUTRU_ENOMEM;
		goto done;
	}
	t = mono_now();
	if ((rc = read_file(&im, e)) != CUTRU_OK)
		goto done;
	r->t_read = mono_now() - t;

	/* One transaction for the whole file. */
	own = sqlite3_get_autocommit(db);
	if (own) {
		if (pragma_int(db, "cache_size", &cache) != 0)
			cache = 0;
		snprintf(pragma, sizeof pragma, "PRAGMA cache_size = -%ld",
		    import_cache_kib());
		if (cache != 0)
			sql_exec(db, pragma);
	}
	im.stop_applying = o->mode == IMPORT_ALL_OR_NOTHING && im.nerrs > 0;
	defer = !im.stop_applying && im.nrows >= IMPORT_DEFER_ROWS;
	bulk = own && defer;
	if (bulk) {
		bulk_journal_begin(db, &journal_restore, &rollback);
		keys_off = bulk_keys_off(db);
	}
	if (sql_exec(db, own ? "BEGIN IMMEDIATE" :
	    "SAVEPOINT cutru_import") != CUTRU_OK) {
		rc = db_error(db, e);
		goto done;
	}
	began = 1;
	/* The commit's pages are sealed and written by the page cipher's
	 * own thread (cipher_write_behind()); in rollback mode only: in WAL
	 * mode they go to the WAL, which the cipher writes itself. */
	wb = bulk && rollback && cipher_write_behind(db, 1) == SQLITE_OK;
	if (register_is_empty(db, &im.register_empty) != CUTRU_OK) {
		rc = db_error(db, e);
		goto done;
	}
	/* All or nothing stops at the first refusal, so the chunks go in
	 * whole: the events can be checked on a second thread meanwhile. */
	im.building = bulk && o->mode == IMPORT_ALL_OR_NOTHING &&
	    !im.stop_applying && im.register_empty &&
	    !(o->flags & IMPORT_ONE_THREAD) &&
	    builder_start(&im.bld, &im) == CUTRU_OK;
	im.pipeline = !im.building && bulk &&
	    o->mode == IMPORT_ALL_OR_NOTHING &&
	    !(o->flags & IMPORT_ONE_THREAD) &&
	    validator_start(&im.val) == CUTRU_OK;
	if (bulk && (rc = bulk_indexes_drop(db, &bi, im.building)) !=
	    CUTRU_OK) {
		rc = rc == CUTRU_ENOMEM ? cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while importing.")) : db_error(db, e);
		goto done;
	}
	im.id_map = bi.id_number;
	if (defer && (rc = search_defer(db, e)) != CUTRU_OK)
		goto done;
	t = mono_now();
	if ((rc = apply_groups(&im, e)) != CUTRU_OK)
		goto done;
	r->t_apply = mono_now() - t;
	/* Before the namer has the list. */
	file_sorts = sorts_fit(&im);
	if (defer && !(o->flags & IMPORT_DRY_RUN))
		namer_start(&im.namer);
	for (ri = 0; ri < im.nrows; ri++) {
		uint32_t g = group_of(&im, ri);

		if (im.rows[g].flags & ROW_IMPORTED)
			r->rows_imported++;
		else if (im.rows[g].flags & ROW_GROUP_BAD)
			r->rows_rejected++;
	}
	keep = !(o->mode == IMPORT_ALL_OR_NOTHING && im.nerrs > 0);
	if (keep && o->mode == IMPORT_QUARANTINE && r->rows_rejected > 0 &&
	    (rc = write_rejects(&im, e)) != CUTRU_OK)
		goto done;
	if (keep && !(o->flags & IMPORT_DRY_RUN)) {
		t = mono_now();
		r->sorts_file = bulk && file_sorts;
		r->ids_mapped = im.id_map;
		if (bulk && bulk_indexes_restore(db, &bi, file_sorts) !=
		    CUTRU_OK) {
			rc = db_error(db, e);
			goto done;
		}
		r->t_indexes = mono_now() - t;
		t = mono_now();
		if (defer && (rc = names_index(&im, e)) != CUTRU_OK)
			goto done;
		r->t_search = mono_now() - t;
		t = mono_now();
		if (keys_off && (rc = bulk_keys_check(db, e)) != CUTRU_OK)
			goto done;
		r->t_keys = mono_now() - t;
		t = mono_now();
		if (sql_exec(db, own ? "COMMIT" : "RELEASE cutru_import") !=
		    CUTRU_OK) {
			rc = db_error(db, e);
			goto done;
		}
		r->t_commit = mono_now() - t;
		began = 0;
	}
	if (!keep) {
		r->rows_imported = r->persons_added = r->households_added = 0;
		r->members_added = r->residences_added = 0;
		r->rows_unchanged = r->journal_entries = 0;
		rc = cutru_err_set(e, CUTRU_EINVAL, NULL,
		    dngettext(PACKAGE,
		    "The file has %zu error; nothing was imported.",
		    "The file has %zu errors; nothing was imported.", im.nerrs),
		    im.nerrs);
	} else
		rc = CUTRU_OK;
done:
	if (began) {
		if (own)
			sql_exec(db, "ROLLBACK");
		else {
			sql_exec(db, "ROLLBACK TO cutru_import");
			sql_exec(db, "RELEASE cutru_import");
		}
	}
	/* The commit or the rollback synced what was queued: a failure was
	 * reported to it, so there is none left to report here. */
	if (wb)
		(void)cipher_write_behind(db, 0);
	if (keys_off)
		(void)sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL,
		    NULL);
	bulk_journal_end(db, journal_restore);
	free(bi.sql.p);
	if (own && cache != 0) {
		snprintf(pragma, sizeof pragma, "PRAGMA cache_size = %d", cache);
		sql_exec(db, pragma);
	}
	if (rc != CUTRU_OK && rc != CUTRU_EINVAL) {
		/* Nothing was kept. */
		r->rows_imported = r->persons_added = r->households_added = 0;
		r->members_added = r->residences_added = 0;
		r->rows_unchanged = r->journal_entries = 0;
	}
	if (report_errors(&im) != CUTRU_OK && rc == CUTRU_OK)
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while importing."));
	imp_free(&im);
	return rc;
}

/* ---- Exports ----
 *
 * Both walk the register the same way: households in number order (those
 * not dissolved), each with its current members, head first, then in the
 * order they joined; then the persons in no household, in the order they
 * were recorded.  Each person comes with their active residences,
 * permanent first, then temporary, then current. */

struct xres {
	char kind[16], commune[8], from[16], to[16];
	char detail[1024];
};

struct xperson {
	char id_number[16], cmnd[16], dob[16];
	char name[NAME_BUF_SIZE];
	int sex;
	int in_household;
	char number[40];
	char rel[NAME_BUF_SIZE];    /* "" when the register does not know */
	int rel_known;
	char hcommune[8];
	char hdetail[1024];
	struct xres res[3];
	int nres;
};

enum xq { XQ_HOUSEHOLDS, XQ_MEMBERS, XQ_LONE, XQ_RES, XQ_COUNT };

static const char *const xq_sql[XQ_COUNT] = {
	[XQ_HOUSEHOLDS] =
	    "SELECT h.id, h.number, a.commune_code, a.detail FROM households h"
	    " JOIN addresses a ON a.id = h.address_id"
	    " WHERE h.dissolved IS NULL ORDER BY h.number",
	[XQ_MEMBERS] =
	    "SELECT p.id, p.id_number, p.legacy_cmnd, p.name, p.dob, p.sex,"
	    " m.relationship FROM household_members m"
	    " JOIN persons p ON p.id = m.person_id"
	    " WHERE m.household_id = ?1 AND m.until IS NULL"
	    " ORDER BY m.relationship IS NOT 'head', m.id",
	[XQ_LONE] =
	    "SELECT p.id, p.id_number, p.legacy_cmnd, p.name, p.dob, p.sex"
	    " FROM persons p WHERE NOT EXISTS (SELECT 1 FROM household_members"
	    " m WHERE m.person_id = p.id AND m.until IS NULL) ORDER BY p.id",
	[XQ_RES] =
	    "SELECT r.kind, a.commune_code, a.detail, r.from_date, r.to_date"
	    " FROM residences r JOIN addresses a ON a.id = r.address_id"
	    " WHERE r.person_id = ?1 AND r.state = 'active'"
	    " ORDER BY CASE r.kind WHEN 'permanent' THEN 0"
	    " WHEN 'temporary' THEN 1 ELSE 2 END",
};

typedef int (*xperson_fn)(const struct xperson *p, void *ctx);

/* Fill the identity columns (0..5 of XQ_MEMBERS and XQ_LONE) and the
 * residences of the person on st's current row. */
static int
xperson_load(sqlite3_stmt *st, sqlite3_stmt *res, struct xperson *p)
{
	int r;

	col_text(st, 1, p->id_number, sizeof p->id_number);
	col_text(st, 2, p->cmnd, sizeof p->cmnd);
	col_text(st, 3, p->name, sizeof p->name);
	col_text(st, 4, p->dob, sizeof p->dob);
	p->sex = sqlite3_column_int(st, 5);
	p->nres = 0;
	sqlite3_reset(res);
	sqlite3_bind_int64(res, 1, sqlite3_column_int64(st, 0));
	while ((r = sqlite3_step(res)) == SQLITE_ROW && p->nres < 3) {
		struct xres *x = &p->res[p->nres++];

		col_text(res, 0, x->kind, sizeof x->kind);
		col_text(res, 1, x->commune, sizeof x->commune);
		col_text(res, 2, x->detail, sizeof x->detail);
		col_text(res, 3, x->from, sizeof x->from);
		col_text(res, 4, x->to, sizeof x->to);
	}
	sqlite3_reset(res);
	return r == SQLITE_ROW || r == SQLITE_DONE ? CUTRU_OK : CUTRU_EIO;
}

static int
export_walk(sqlite3 *db, xperson_fn fn, void *ctx, struct cutru_err *e)
{
	sqlite3_stmt *q[XQ_COUNT] = { NULL };
	struct xperson *p = NULL;
	int rc = CUTRU_OK, r, r2, i, began = 0;
	int64_t hid;

	if (db == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No register to export."));
	p = malloc(sizeof *p);
	if (p == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while exporting."));
	for (i = 0; i < XQ_COUNT; i++)
		if (sqlite3_prepare_v2(db, xq_sql[i], -1, &q[i], NULL) !=
		    SQLITE_OK)
			goto dberr;
	/* One read transaction: a consistent picture. */
	if (sqlite3_get_autocommit(db)) {
		if (sql_exec(db, "BEGIN") != CUTRU_OK)
			goto dberr;
		began = 1;
	}
	while ((r = sqlite3_step(q[XQ_HOUSEHOLDS])) == SQLITE_ROW) {
		memset(p, 0, sizeof *p);
		hid = sqlite3_column_int64(q[XQ_HOUSEHOLDS], 0);
		p->in_household = 1;
		col_text(q[XQ_HOUSEHOLDS], 1, p->number, sizeof p->number);
		col_text(q[XQ_HOUSEHOLDS], 2, p->hcommune, sizeof p->hcommune);
		col_text(q[XQ_HOUSEHOLDS], 3, p->hdetail, sizeof p->hdetail);
		sqlite3_reset(q[XQ_MEMBERS]);
		sqlite3_bind_int64(q[XQ_MEMBERS], 1, hid);
		while ((r2 = sqlite3_step(q[XQ_MEMBERS])) == SQLITE_ROW) {
			p->rel_known = sqlite3_column_type(q[XQ_MEMBERS], 6) !=
			    SQLITE_NULL;
			col_text(q[XQ_MEMBERS], 6, p->rel, sizeof p->rel);
			if (xperson_load(q[XQ_MEMBERS], q[XQ_RES], p) !=
			    CUTRU_OK)
				goto dberr;
			if ((rc = fn(p, ctx)) != CUTRU_OK)
				goto io;
		}
		if (r2 != SQLITE_DONE)
			goto dberr;
	}
	if (r != SQLITE_DONE)
		goto dberr;
	memset(p, 0, sizeof *p);
	while ((r = sqlite3_step(q[XQ_LONE])) == SQLITE_ROW) {
		if (xperson_load(q[XQ_LONE], q[XQ_RES], p) != CUTRU_OK)
			goto dberr;
		if ((rc = fn(p, ctx)) != CUTRU_OK)
			goto io;
	}
	if (r != SQLITE_DONE)
		goto dberr;
	goto done;
dberr:
	rc = cutru_err_set(e, sqlite3_errcode(db) == SQLITE_NOMEM ?
	    CUTRU_ENOMEM : CUTRU_EIO, NULL,
	    _("The register could not be read: %s."), sqlite3_errmsg(db));
	goto done;
io:
	if (rc == CUTRU_ENOMEM)
		cutru_err_set(e, rc, NULL, _("Out of memory while exporting."));
	else
		cutru_err_set(e, rc, NULL,
		    _("The export could not be written: %s."), strerror(errno));
done:
	for (i = 0; i < XQ_COUNT; i++)
		sqlite3_finalize(q[i]);
	if (began)
		sql_exec(db, "COMMIT");
	free(p);
	return rc;
}

/* ISO date text -> "DD/MM/YYYY", "MM/YYYY", "YYYY" ("" stays ""). */
static void
date_vn(const char *iso, char *buf, size_t size)
{
	struct cutru_date d;

	buf[0] = '\0';
	if (iso[0] != '\0' && date_parse(iso, NULL, &d, NULL) == CUTRU_OK)
		date_format_vn(&d, buf, size);
}

/* One CSV row: the person's columns and one residence (x NULL: none,
 * at commune/detail). */
static void
csv_person_row(FILE *f, const struct xperson *p, const struct xres *x,
    const char *commune, const char *detail)
{
	char dob[DATE_FMT_MAX], from[DATE_FMT_MAX], to[DATE_FMT_MAX];
	const char *rel = "";

	if (p->in_household)
		rel = strcmp(p->rel, "head") == 0 ? "chủ hộ" : p->rel;
	date_vn(p->dob, dob, sizeof dob);
	from[0] = to[0] = '\0';
	if (x != NULL) {
		date_vn(x->from, from, sizeof from);
		date_vn(x->to, to, sizeof to);
		commune = x->commune;
		detail = x->detail;
	}
	csv_write_field(f, p->number);
	fputc(',', f);
	csv_write_field(f, rel);
	fputc(',', f);
	csv_write_field(f, p->name);
	fputc(',', f);
	fputs(dob, f);
	fputc(',', f);
	fputs(p->sex == CUTRU_SEX_MALE ? "Nam" :
	    p->sex == CUTRU_SEX_FEMALE ? "Nữ" : "", f);
	fputc(',', f);
	fputs(p->id_number, f);
	fputc(',', f);
	fputs(p->cmnd, f);
	fputc(',', f);
	csv_write_field(f, commune);
	fputc(',', f);
	csv_write_field(f, detail);
	fputc(',', f);
	fputs(x != NULL ? x->kind : "", f);
	fputc(',', f);
	fputs(from, f);
	fputc(',', f);
	fputs(to, f);
	fputs("\r\n", f);
}

static int
csv_person(const struct xperson *p, void *ctx)
{
	FILE *f = ctx;
	int i, head = p->in_household && strcmp(p->rel, "head") == 0;
	int at_home = 0;

	/* A head whose household address is not that of their permanent
	 * residence gets a first row without residence, at the household's
	 * address: the importer takes the address from there. */
	for (i = 0; i < p->nres; i++)
		if (strcmp(p->res[i].kind, "permanent") == 0 &&
		    strcmp(p->res[i].commune, p->hcommune) == 0 &&
		    strcmp(p->res[i].detail, p->hdetail) == 0)
			at_home = 1;
	if (head && !at_home)
		csv_person_row(f, p, NULL, p->hcommune, p->hdetail);
	else if (p->nres == 0)
		csv_person_row(f, p, NULL, "", "");
	for (i = 0; i < p->nres; i++)
		csv_person_row(f, p, &p->res[i], NULL, NULL);
	return ferror(f) ? CUTRU_EIO : CUTRU_OK;
}

int
export_csv(sqlite3 *db, FILE *out, unsigned flags, struct cutru_err *e)
{
	int i, rc;

	if (out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No file to export to."));
	if (flags & EXPORT_CSV_BOM)
		fputs("\xEF\xBB\xBF", out);
	for (i = 0; i < COL_ERROR; i++) {
		if (i > 0)
			fputc(',', out);
		fputs(col_name[i], out);
	}
	fputs("\r\n", out);
	rc = export_walk(db, csv_person, out, e);
	if (rc == CUTRU_OK && (fflush(out) != 0 || ferror(out)))
		rc = cutru_err_set(e, CUTRU_EIO, NULL,
		    _("The export could not be written: %s."), strerror(errno));
	return rc;
}

struct json_ctx {
	FILE *f;
	size_t n;
};

static cJSON *
json_address(const char *commune, const char *detail)
{
	return address_json(commune, detail);
}

static int
json_person(const struct xperson *p, void *ctx)
{
	struct json_ctx *jc = ctx;
	cJSON *o, *h = NULL, *rs, *x;
	struct cutru_err e;
	char *bytes = NULL;
	size_t len;
	int i, rc;

	o = jn_str(NULL, cJSON_CreateObject(), "name", p->name);
	if (p->id_number[0] != '\0')
		o = jn_str(NULL, o, "id_number", p->id_number);
	if (p->cmnd[0] != '\0')
		o = jn_str(NULL, o, "cmnd", p->cmnd);
	if (p->dob[0] != '\0')
		o = jn_str(NULL, o, "dob", p->dob);
	if (p->sex == CUTRU_SEX_MALE || p->sex == CUTRU_SEX_FEMALE)
		o = jn_str(NULL, o, "sex", p->sex == CUTRU_SEX_MALE ? "male" :
		    "female");
	if (p->in_household) {
		h = jn_str(NULL, cJSON_CreateObject(), "number", p->number);
		if (p->rel_known)
			h = jn_str(NULL, h, "relationship", p->rel);
		h = jn_item(NULL, h, "address", json_address(p->hcommune,
		    p->hdetail));
		o = jn_item(NULL, o, "household", h);
	}
	rs = cJSON_CreateArray();
	for (i = 0; rs != NULL && i < p->nres; i++) {
		x = jn_str(NULL, cJSON_CreateObject(), "kind", p->res[i].kind);
		x = jn_item(NULL, x, "address", json_address(p->res[i].commune,
		    p->res[i].detail));
		x = jn_str(NULL, x, "from", p->res[i].from);
		if (p->res[i].to[0] != '\0')
			x = jn_str(NULL, x, "to", p->res[i].to);
		if (x == NULL) {
			cJSON_Delete(rs);
			rs = NULL;
			break;
		}
		cJSON_AddItemToArray(rs, x);
	}
	o = jn_item(NULL, o, "residences", rs);
	if (o == NULL)
		return CUTRU_ENOMEM;
	rc = canon_encode(o, &bytes, &len, &e);
	cJSON_Delete(o);
	if (rc != CUTRU_OK)
		return rc == CUTRU_ENOMEM ? rc : CUTRU_EIO;
	fputs(jc->n++ == 0 ? "[\n" : ",\n", jc->f);
	fwrite(bytes, 1, len, jc->f);
	free(bytes);
	return ferror(jc->f) ? CUTRU_EIO : CUTRU_OK;
}

int
export_json(sqlite3 *db, FILE *out, struct cutru_err *e)
{
	struct json_ctx jc = { out, 0 };
	int rc;

	if (out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No file to export to."));
	rc = export_walk(db, json_person, &jc, e);
	if (rc == CUTRU_OK) {
		fputs(jc.n == 0 ? "[]\n" : "\n]\n", out);
		if (fflush(out) != 0 || ferror(out))
			rc = cutru_err_set(e, CUTRU_EIO, NULL,
			    _("The export could not be written: %s."),
			    strerror(errno));
	}
	return rc;
}
