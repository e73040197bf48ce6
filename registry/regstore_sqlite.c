/* The registry's storage on one embedded SQLite database.
 *
 * One file holds everything: the register (persons, households,
 * residences, ... created by localdb/schema.c's migrations, the very
 * schema of a console's store, so that localdb/apply.c runs on it
 * unchanged) and the registry's own tables, all named reg_*:
 *
 *   reg_meta        key/value; "schema" is the version of the reg_* tables
 *                   (the register's own version is PRAGMA user_version,
 *                   which schema_migrate() owns).
 *   reg_tokens      hash (32) PRIMARY KEY, ward, created, expires, used_by
 *                   (a device id once used), used_at.
 *   reg_devices     id PRIMARY KEY, ward, sign_pk UNIQUE, box_pk, enrolled,
 *                   revoked (NULL while active), head_seq, head_hash.
 *   reg_officers    (ward, login) PRIMARY KEY, name, role, sign_pk, key_id
 *                   (of sign_pk: change sets name the key by it), active,
 *                   added; indexed by key_id.
 *   reg_population  id_number PRIMARY KEY, name, folded, dob, sex.
 *   reg_changesets  (device, seq) PRIMARY KEY, hash, accepted, received,
 *                   receipt.  The primary key is what makes ingest exactly
 *                   once: whatever the threads and processes, one row per
 *                   (device, seq) can ever be committed.
 *   reg_held        (device, seq) PRIMARY KEY, hash, sealed, received.
 *   reg_flags       id, device, seq, kind ('fork', 'chain'), seen, at.
 *   reg_feed        cursor INTEGER PRIMARY KEY AUTOINCREMENT (never
 *                   reused, even after a rollback of the newest), ward,
 *                   at, entry; indexed by (ward, cursor).
 *
 * Times are Unix seconds.  Keys and hashes are BLOBs of 32 bytes (CHECKed).
 *
 * Concurrency.  WAL mode: readers never block the writer.  begin() is
 * BEGIN IMMEDIATE, which takes the write lock at once, so a transaction
 * that reads the chain head and then writes cannot interleave with another
 * that does the same.  Within a process, writers queue on a mutex taken by
 * begin() and released by commit() or rollback(); between processes, on
 * SQLite's busy timeout (30 s).
 * Durability: synchronous FULL by default (a commit survives a power cut);
 * REGSTORE_SYNC_NORMAL trades that for speed where the disk is trusted.
 *
 * Migrations of the reg_* tables are numbered like the register's: each
 * runs in one BEGIN IMMEDIATE transaction that first re-reads the version,
 * so two processes opening a new database at once do not both run it.
 *
 * The register's name-search index (localdb/search_index.h) is deferred
 * for good by the first migration, through the API meant for bulk loads
 * (search_defer()): the registry never searches by name, and the index's
 * triggers on persons would make SQLite compile them into every statement
 * that inserts or updates a person and keep a statement journal for every
 * such write - most of the cost of applying a registration.  The tables
 * stay as localdb/schema.c makes them; search_rebuild() brings the index
 * back should a tool ever want to search the registry's register. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "core/i18n.h"
#include "localdb/apply.h"
#include "localdb/schema.h"
#include "localdb/search.h"
#include "registry/regstore.h"

enum st {
	ST_TOKEN_ADD,
	ST_TOKEN_GET,
	ST_TOKEN_USE,
	ST_DEVICE_ADD,
	ST_DEVICE_GET,
	ST_DEVICE_FIND,
	ST_DEVICE_REVOKE,
	ST_DEVICE_HEAD,
	ST_DEVICE_LIST,
	ST_OFFICER_ADD,
	ST_OFFICER_LOOKUP,
	ST_OFFICER_LIST,
	ST_POP_PUT,
	ST_POP_GET,
	ST_CS_GET,
	ST_CS_ADD,
	ST_HELD_PUT,
	ST_HELD_GET,
	ST_HELD_DELETE,
	ST_FLAG_ADD,
	ST_FEED_ADD,
	ST_FEED_READ,
	ST_PERSON,
	ST_PERSON_RES,
	ST_PERSON_HH,
	ST_HH,
	ST_HH_MEMBERS,
	ST_ACTIVE_WARD,
	ST_COUNT
};

#define DEVICE_COLS "d.id, d.ward, d.sign_pk, d.box_pk, d.enrolled," \
	" coalesce(d.revoked, 0), d.head_seq, d.head_hash," \
	" (SELECT count(*) FROM reg_held h WHERE h.device = d.id)," \
	" (SELECT count(*) FROM reg_flags f WHERE f.device = d.id)"

static const char *const sql[ST_COUNT] = {
	[ST_TOKEN_ADD] =
	    "INSERT INTO reg_tokens (hash, ward, created, expires)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[ST_TOKEN_GET] =
	    "SELECT ward, expires, used_by FROM reg_tokens"
	    " WHERE hash = ?1",
	[ST_TOKEN_USE] =
	    "UPDATE reg_tokens SET used_by = ?2, used_at = ?3"
	    " WHERE hash = ?1 AND used_by IS NULL",
	[ST_DEVICE_ADD] =
	    "INSERT INTO reg_devices (id, ward, sign_pk, box_pk, enrolled)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_DEVICE_GET] =
	    "SELECT " DEVICE_COLS " FROM reg_devices d WHERE d.id = ?1",
	[ST_DEVICE_FIND] =
	    "SELECT " DEVICE_COLS " FROM reg_devices d WHERE d.sign_pk = ?1",
	[ST_DEVICE_REVOKE] =
	    "UPDATE reg_devices SET revoked = coalesce(revoked, ?2)"
	    " WHERE id = ?1",
	[ST_DEVICE_HEAD] =
	    "UPDATE reg_devices SET head_seq = ?2, head_hash = ?3"
	    " WHERE id = ?1",
	[ST_DEVICE_LIST] =
	    "SELECT " DEVICE_COLS " FROM reg_devices d ORDER BY d.ward, d.id",
	[ST_OFFICER_ADD] =
	    "INSERT OR REPLACE INTO reg_officers (ward, login, name, role,"
	    " sign_pk, key_id, active, added)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	/* The row of this ward first, if there is one. */
	[ST_OFFICER_LOOKUP] =
	    "SELECT ward, login, name, role, sign_pk, key_id, active, added"
	    " FROM reg_officers WHERE key_id = ?1"
	    " ORDER BY ward IS NOT ?2, ward, login LIMIT 1",
	[ST_OFFICER_LIST] =
	    "SELECT ward, login, name, role, sign_pk, key_id, active, added"
	    " FROM reg_officers ORDER BY ward, login",
	[ST_POP_PUT] =
	    "INSERT OR REPLACE INTO reg_population (id_number, name, folded,"
	    " dob, sex) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_POP_GET] =
	    "SELECT name, folded, dob, sex FROM reg_population"
	    " WHERE id_number = ?1",
	[ST_CS_GET] =
	    "SELECT hash, accepted, received, receipt FROM reg_changesets"
	    " WHERE device = ?1 AND seq = ?2",
	[ST_CS_ADD] =
	    "INSERT INTO reg_changesets (device, seq, hash, accepted,"
	    " received, receipt) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_HELD_PUT] =
	    "INSERT INTO reg_held (device, seq, hash, sealed, received)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_HELD_GET] =
	    "SELECT hash, sealed FROM reg_held WHERE device = ?1 AND seq = ?2",
	[ST_HELD_DELETE] =
	    "DELETE FROM reg_held WHERE device = ?1 AND seq = ?2",
	[ST_FLAG_ADD] =
	    "INSERT INTO reg_flags (device, seq, kind, seen, at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_FEED_ADD] =
	    "INSERT INTO reg_feed (ward, at, entry) VALUES (?1, ?2, ?3)",
	[ST_FEED_READ] =
	    "SELECT cursor, entry FROM reg_feed WHERE ward = ?1"
	    " AND cursor > ?2 ORDER BY cursor LIMIT ?3",
	[ST_PERSON] =
	    "SELECT id, id_number, name, dob, sex, version FROM persons"
	    " WHERE id_number = ?1",
	[ST_PERSON_RES] =
	    "SELECT r.kind, a.commune_code, a.detail, r.from_date, r.to_date"
	    " FROM residences r JOIN addresses a ON a.id = r.address_id"
	    " WHERE r.person_id = ?1 AND r.state = 'active' ORDER BY r.kind",
	[ST_PERSON_HH] =
	    "SELECT h.number, m.relationship FROM household_members m"
	    " JOIN households h ON h.id = m.household_id"
	    " WHERE m.person_id = ?1 AND m.until IS NULL",
	[ST_HH] =
	    "SELECT h.id, h.number, h.version, p.id_number, a.commune_code,"
	    " a.detail, h.dissolved FROM households h"
	    " JOIN persons p ON p.id = h.head_id"
	    " JOIN addresses a ON a.id = h.address_id WHERE h.number = ?1",
	[ST_HH_MEMBERS] =
	    "SELECT p.id_number, m.relationship FROM household_members m"
	    " JOIN persons p ON p.id = m.person_id"
	    " WHERE m.household_id = ?1 AND m.until IS NULL ORDER BY m.id",
	[ST_ACTIVE_WARD] =
	    "SELECT a.commune_code FROM residences r"
	    " JOIN persons p ON p.id = r.person_id"
	    " JOIN addresses a ON a.id = r.address_id"
	    " WHERE p.id_number = ?1 AND r.kind = ?2 AND r.state = 'active'",
};

static int
defer_search(sqlite3 *db, struct cutru_err *e)
{
	return search_defer(db, e);
}

/* Migration i: its SQL, then its function (either may be NULL). */
struct migration {
	const char *sql;
	int (*fn)(sqlite3 *db, struct cutru_err *e);
};

static const struct migration migrations[] = {
	/* 1 */
	{
	"CREATE TABLE reg_tokens ("
	"  hash BLOB PRIMARY KEY CHECK (length(hash) = 32),"
	"  ward TEXT NOT NULL CHECK (length(ward) = 5 AND ward NOT GLOB '*[^0-9]*'),"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  used_by TEXT,"
	"  used_at INTEGER"
	") STRICT;"
	"CREATE TABLE reg_devices ("
	"  id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),"
	"  ward TEXT NOT NULL CHECK (length(ward) = 5 AND ward NOT GLOB '*[^0-9]*'),"
	"  sign_pk BLOB NOT NULL UNIQUE CHECK (length(sign_pk) = 32),"
	"  box_pk BLOB NOT NULL CHECK (length(box_pk) = 32),"
	"  enrolled INTEGER NOT NULL,"
	"  revoked INTEGER,"
	"  head_seq INTEGER NOT NULL DEFAULT 0 CHECK (head_seq >= 0),"
	"  head_hash BLOB NOT NULL DEFAULT (zeroblob(32)) CHECK (length(head_hash) = 32)"
	") STRICT;"
	"CREATE TABLE reg_officers ("
	"  ward TEXT NOT NULL CHECK (length(ward) = 5 AND ward NOT GLOB '*[^0-9]*'),"
	"  login TEXT NOT NULL CHECK (length(login) BETWEEN 1 AND 32),"
	"  name TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('supervisor', 'officer')),"
	"  sign_pk BLOB NOT NULL CHECK (length(sign_pk) = 32),"
	"  key_id TEXT NOT NULL CHECK (length(key_id) = 16),"
	"  active INTEGER NOT NULL CHECK (active IN (0, 1)),"
	"  added INTEGER NOT NULL,"
	"  PRIMARY KEY (ward, login)"
	") STRICT;"
	"CREATE INDEX reg_officers_key ON reg_officers (key_id);"
	"CREATE TABLE reg_population ("
	"  id_number TEXT PRIMARY KEY CHECK (length(id_number) = 12"
	"    AND id_number NOT GLOB '*[^0-9]*'),"
	"  name TEXT NOT NULL,"
	"  folded TEXT NOT NULL,"
	"  dob TEXT NOT NULL,"
	"  sex INTEGER NOT NULL CHECK (sex IN (1, 2))"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE reg_changesets ("
	"  device TEXT NOT NULL REFERENCES reg_devices (id),"
	"  seq INTEGER NOT NULL CHECK (seq >= 1),"
	"  hash BLOB NOT NULL CHECK (length(hash) = 32),"
	"  accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),"
	"  received INTEGER NOT NULL,"
	"  receipt BLOB NOT NULL,"
	"  PRIMARY KEY (device, seq)"
	") STRICT;"
	"CREATE TABLE reg_held ("
	"  device TEXT NOT NULL REFERENCES reg_devices (id),"
	"  seq INTEGER NOT NULL CHECK (seq >= 1),"
	"  hash BLOB NOT NULL CHECK (length(hash) = 32),"
	"  sealed BLOB NOT NULL,"
	"  received INTEGER NOT NULL,"
	"  PRIMARY KEY (device, seq)"
	") STRICT;"
	"CREATE TABLE reg_flags ("
	"  id INTEGER PRIMARY KEY,"
	"  device TEXT NOT NULL REFERENCES reg_devices (id),"
	"  seq INTEGER NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('fork', 'chain')),"
	"  seen BLOB NOT NULL CHECK (length(seen) = 32),"
	"  at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX reg_flags_device ON reg_flags (device);"
	"CREATE TABLE reg_feed ("
	"  cursor INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  ward TEXT NOT NULL CHECK (length(ward) = 5 AND ward NOT GLOB '*[^0-9]*'),"
	"  at INTEGER NOT NULL,"
	"  entry BLOB NOT NULL"
	") STRICT;"
	"CREATE INDEX reg_feed_ward ON reg_feed (ward, cursor);",
	defer_search },
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

struct regstore_sqlite {
	struct regstore base;      /* first: a struct regstore * is one of these */
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	int depth;                 /* open savepoints */
	int writing;               /* holds write_lock (a transaction is open) */
};

/* Writers of one process queue on this mutex rather than on SQLite's busy
 * handler, which polls with sleeps of up to 100 ms: a thread waiting for
 * the write lock wakes the moment it is free.  (Other processes - an
 * operator's command while the server runs - still meet the busy
 * timeout.) */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static struct regstore_sqlite *
rs(struct regstore *st)
{
	return (struct regstore_sqlite *)(void *)st;
}

static int
db_fail(struct regstore_sqlite *s, struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_EIO, NULL,
	    _("The registry database failed: %s."), sqlite3_errmsg(s->db));
}

/* The prepared statement (reset, bindings cleared); NULL with e set. */
static sqlite3_stmt *
stmt(struct regstore_sqlite *s, enum st which, struct cutru_err *e)
{
	if (s->st[which] == NULL &&
	    sqlite3_prepare_v3(s->db, sql[which], -1, SQLITE_PREPARE_PERSISTENT,
	    &s->st[which], NULL) != SQLITE_OK) {
		db_fail(s, e);
		return NULL;
	}
	sqlite3_reset(s->st[which]);
	sqlite3_clear_bindings(s->st[which]);
	return s->st[which];
}

static int
exec(struct regstore_sqlite *s, const char *q, struct cutru_err *e)
{
	if (sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, e);
	return CUTRU_OK;
}

/* Step a statement that writes; SQLITE_CONSTRAINT becomes ECONFLICT. */
static int
step_write(struct regstore_sqlite *s, sqlite3_stmt *q, const char *what,
    struct cutru_err *e)
{
	int r = sqlite3_step(q), rc = CUTRU_OK;

	if (r == SQLITE_CONSTRAINT)
		rc = cutru_err_set(e, CUTRU_ECONFLICT, NULL,
		    _("The registry already holds this %s."), what);
	else if (r != SQLITE_DONE)
		rc = db_fail(s, e);
	sqlite3_reset(q);
	return rc;
}

static void
copy_text(char *dst, size_t n, sqlite3_stmt *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q, col);

	snprintf(dst, n, "%s", t != NULL ? (const char *)t : "");
}

static void
copy_blob(unsigned char *dst, size_t n, sqlite3_stmt *q, int col)
{
	const void *b = sqlite3_column_blob(q, col);

	memset(dst, 0, n);
	if (b != NULL && (size_t)sqlite3_column_bytes(q, col) == n)
		memcpy(dst, b, n);
}

/* A malloc'd copy of column col in *out, its length in *len, with a NUL
 * after it that *len does not count; out of memory, CUTRU_ENOMEM and
 * *out, *len untouched. */
static int
dup_blob(unsigned char **out, size_t *len, sqlite3_stmt *q, int col,
    struct cutru_err *e)
{
	const void *b = sqlite3_column_blob(q, col);
	int n = sqlite3_column_bytes(q, col);
	unsigned char *p;

	if ((p = malloc((size_t)n + 1)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory."));
	if (n > 0)
		memcpy(p, b, (size_t)n);
	p[n] = '\0';
	*out = p;
	*len = (size_t)n;
	return CUTRU_OK;
}

/* ------------------------------------------------------------------ */
/* Transactions */

static int
s_begin(struct regstore *st, struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	int rc;

	pthread_mutex_lock(&write_lock);
	s->writing = 1;
	if ((rc = exec(s, "BEGIN IMMEDIATE", e)) != CUTRU_OK) {
		s->writing = 0;
		pthread_mutex_unlock(&write_lock);
	}
	return rc;
}

static void
end_write(struct regstore_sqlite *s)
{
	s->depth = 0;
	if (s->writing) {
		s->writing = 0;
		pthread_mutex_unlock(&write_lock);
	}
}

static int
s_commit(struct regstore *st, struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	int rc = CUTRU_OK;

	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(s, e);
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	end_write(s);
	return rc;
}

static void
s_rollback(struct regstore *st)
{
	struct regstore_sqlite *s = rs(st);

	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	end_write(s);
}

static int
s_savepoint(struct regstore *st, struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	int rc = exec(s, "SAVEPOINT reg_item", e);

	if (rc == CUTRU_OK)
		s->depth++;
	return rc;
}

static int
s_release(struct regstore *st, struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	int rc = exec(s, "RELEASE reg_item", e);

	if (rc == CUTRU_OK && s->depth > 0)
		s->depth--;
	return rc;
}

static void
s_rollback_to(struct regstore *st)
{
	struct regstore_sqlite *s = rs(st);

	if (s->depth <= 0)
		return;
	sqlite3_exec(s->db, "ROLLBACK TO reg_item; RELEASE reg_item", NULL,
	    NULL, NULL);
	s->depth--;
}

/* ------------------------------------------------------------------ */
/* Tokens */

static int
s_token_add(struct regstore *st, const unsigned char hash[HASH_LEN],
    const char *ward, int64_t created, int64_t expires, struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_TOKEN_ADD, e);

	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_blob(q, 1, hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, ward, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, created);
	sqlite3_bind_int64(q, 4, expires);
	return step_write(s, q, _("token"), e);
}

static int
s_token_use(struct regstore *st, const unsigned char hash[HASH_LEN],
    const char *device_id, int64_t now, char ward[REG_WARD_LEN + 1],
    char used_by[REG_DEVICE_ID_MAX + 1], struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_TOKEN_GET, e);
	int r;
	int64_t expires;

	ward[0] = '\0';
	used_by[0] = '\0';
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_blob(q, 1, hash, HASH_LEN, SQLITE_STATIC);
	r = sqlite3_step(q);
	if (r == SQLITE_DONE) {
		sqlite3_reset(q);
		return cutru_err_set(e, CUTRU_ENOTFOUND, "token",
		    _("This enrollment token is not known to the registry."));
	}
	if (r != SQLITE_ROW) {
		sqlite3_reset(q);
		return db_fail(s, e);
	}
	copy_text(ward, REG_WARD_LEN + 1, q, 0);
	expires = sqlite3_column_int64(q, 1);
	copy_text(used_by, REG_DEVICE_ID_MAX + 1, q, 2);
	sqlite3_reset(q);
	if (used_by[0] != '\0') {
		return cutru_err_set(e, CUTRU_EPERM, "token",
		    _("This enrollment token was used already; ask the registry for a new one."));
	}
	if (now >= expires) {
		ward[0] = '\0';
		return cutru_err_set(e, CUTRU_EPERM, "token",
		    _("This enrollment token has expired; ask the registry for a new one."));
	}
	q = stmt(s, ST_TOKEN_USE, e);
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_blob(q, 1, hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, device_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now);
	if (step_write(s, q, _("token"), e) != CUTRU_OK) {
		ward[0] = '\0';
		return e != NULL ? e->code : CUTRU_EIO;
	}
	if (sqlite3_changes(s->db) != 1) {
		ward[0] = '\0';
		return cutru_err_set(e, CUTRU_EPERM, "token",
		    _("This enrollment token was used already; ask the registry for a new one."));
	}
	return CUTRU_OK;
}

/* ------------------------------------------------------------------ */
/* Devices */

static void
read_device(sqlite3_stmt *q, struct reg_device *d)
{
	memset(d, 0, sizeof *d);
	copy_text(d->id, sizeof d->id, q, 0);
	copy_text(d->ward, sizeof d->ward, q, 1);
	copy_blob(d->sign_pk, sizeof d->sign_pk, q, 2);
	copy_blob(d->box_pk, sizeof d->box_pk, q, 3);
	d->enrolled = sqlite3_column_int64(q, 4);
	d->revoked = sqlite3_column_int64(q, 5);
	d->head_seq = sqlite3_column_int64(q, 6);
	copy_blob(d->head_hash, sizeof d->head_hash, q, 7);
	d->held = sqlite3_column_int64(q, 8);
	d->flags = sqlite3_column_int64(q, 9);
}

static int
s_device_add(struct regstore *st, const struct reg_device *d,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_DEVICE_ADD, e);

	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, d->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, d->ward, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 3, d->sign_pk, REG_KEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(q, 4, d->box_pk, REG_KEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, d->enrolled);
	return step_write(s, q, _("device"), e);
}

static int
device_one(struct regstore_sqlite *s, sqlite3_stmt *q, struct reg_device *out,
    struct cutru_err *e)
{
	int r = sqlite3_step(q), rc = CUTRU_OK;

	if (r == SQLITE_ROW)
		read_device(q, out);
	else if (r == SQLITE_DONE)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "device",
		    _("This device is not enrolled at the registry."));
	else
		rc = db_fail(s, e);
	sqlite3_reset(q);
	return rc;
}

static int
s_device_get(struct regstore *st, const char *id, struct reg_device *out,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_DEVICE_GET, e);

	memset(out, 0, sizeof *out);
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	return device_one(s, q, out, e);
}

static int
s_device_find(struct regstore *st, const unsigned char sign_pk[REG_KEY_BYTES],
    struct reg_device *out, struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_DEVICE_FIND, e);

	memset(out, 0, sizeof *out);
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_blob(q, 1, sign_pk, REG_KEY_BYTES, SQLITE_STATIC);
	return device_one(s, q, out, e);
}

/* Step q, an UPDATE of device id's row: changing no row means there is
 * no such device. */
static int
device_update(struct regstore_sqlite *s, sqlite3_stmt *q, const char *id,
    struct cutru_err *e)
{
	int rc = step_write(s, q, _("device"), e);

	if (rc == CUTRU_OK && sqlite3_changes(s->db) == 0)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "device",
		    _("No device '%s' is enrolled at the registry."), id);
	return rc;
}

static int
s_device_revoke(struct regstore *st, const char *id, int64_t at,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_DEVICE_REVOKE, e);

	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, at);
	return device_update(s, q, id, e);
}

static int
s_device_set_head(struct regstore *st, const char *id, int64_t seq,
    const unsigned char hash[HASH_LEN], struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_DEVICE_HEAD, e);

	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, seq);
	sqlite3_bind_blob(q, 3, hash, HASH_LEN, SQLITE_STATIC);
	return device_update(s, q, id, e);
}

static int
s_device_list(struct regstore *st, reg_device_cb cb, void *arg,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_DEVICE_LIST, e);
	struct reg_device d;
	int r, rc = CUTRU_OK;

	if (q == NULL)
		return CUTRU_EIO;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		read_device(q, &d);
		if ((rc = cb(arg, &d)) != 0)
			break;
	}
	if (rc == CUTRU_OK && r != SQLITE_DONE)
		rc = db_fail(s, e);
	sqlite3_reset(q);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Officers */

static void
read_officer(sqlite3_stmt *q, struct reg_officer *o)
{
	memset(o, 0, sizeof *o);
	copy_text(o->ward, sizeof o->ward, q, 0);
	copy_text(o->login, sizeof o->login, q, 1);
	copy_text(o->name, sizeof o->name, q, 2);
	copy_text(o->role, sizeof o->role, q, 3);
	copy_blob(o->sign_pk, sizeof o->sign_pk, q, 4);
	copy_text(o->key_id, sizeof o->key_id, q, 5);
	o->active = sqlite3_column_int(q, 6);
	o->added = sqlite3_column_int64(q, 7);
}

static int
s_officer_add(struct regstore *st, const struct reg_officer *o,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_OFFICER_ADD, e);

	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, o->ward, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, o->login, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, o->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, o->role, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 5, o->sign_pk, REG_KEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, o->key_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 7, o->active ? 1 : 0);
	sqlite3_bind_int64(q, 8, o->added);
	return step_write(s, q, _("officer"), e);
}

static int
s_officer_lookup(struct regstore *st, const char *key_id, const char *ward,
    struct reg_officer *out, struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_OFFICER_LOOKUP, e);
	int r, rc = CUTRU_OK;

	memset(out, 0, sizeof *out);
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, key_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, ward, -1, SQLITE_STATIC);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		read_officer(q, out);
		if (strcmp(out->ward, ward) != 0)
			rc = cutru_err_set(e, CUTRU_EPERM, "supervisor",
			    _("This supervisor's key is registered for ward %s, not for ward %s."),
			    out->ward, ward);
	} else if (r == SQLITE_DONE)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "supervisor",
		    _("This supervisor's key is not registered at the registry."));
	else
		rc = db_fail(s, e);
	sqlite3_reset(q);
	return rc;
}

static int
s_officer_list(struct regstore *st, reg_officer_cb cb, void *arg,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_OFFICER_LIST, e);
	struct reg_officer o;
	int r, rc = CUTRU_OK;

	if (q == NULL)
		return CUTRU_EIO;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		read_officer(q, &o);
		if ((rc = cb(arg, &o)) != 0)
			break;
	}
	if (rc == CUTRU_OK && r != SQLITE_DONE)
		rc = db_fail(s, e);
	sqlite3_reset(q);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Population */

static int
s_population_put(struct regstore *st, const struct reg_person *p,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_POP_PUT, e);

	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, p->id_number, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, p->folded, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, p->dob, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 5, (int)p->sex);
	return step_write(s, q, _("population record"), e);
}

static int
s_population_get(struct regstore *st, const char *id_number,
    struct reg_person *out, struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_POP_GET, e);
	int r, rc = CUTRU_OK;

	memset(out, 0, sizeof *out);
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, id_number, -1, SQLITE_STATIC);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		snprintf(out->id_number, sizeof out->id_number, "%s", id_number);
		copy_text(out->name, sizeof out->name, q, 0);
		copy_text(out->folded, sizeof out->folded, q, 1);
		copy_text(out->dob, sizeof out->dob, q, 2);
		out->sex = (enum cutru_sex)sqlite3_column_int(q, 3);
	} else if (r == SQLITE_DONE)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "id_number",
		    _("No population record has ID number %s."), id_number);
	else
		rc = db_fail(s, e);
	sqlite3_reset(q);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The change-set log, held change sets, flags */

static int
s_changeset_get(struct regstore *st, const char *device, int64_t seq,
    struct reg_changeset *out, struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_CS_GET, e);
	int r, rc = CUTRU_OK;

	memset(out, 0, sizeof *out);
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, seq);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		snprintf(out->device, sizeof out->device, "%s", device);
		out->seq = seq;
		copy_blob(out->hash, sizeof out->hash, q, 0);
		out->accepted = sqlite3_column_int(q, 1);
		out->received = sqlite3_column_int64(q, 2);
		rc = dup_blob(&out->receipt, &out->receipt_len, q, 3, e);
	} else if (r == SQLITE_DONE)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "seq",
		    _("The registry has no change set %lld of this device."),
		    (long long)seq);
	else
		rc = db_fail(s, e);
	sqlite3_reset(q);
	return rc;
}

static int
s_changeset_add(struct regstore *st, const struct reg_changeset *c,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_CS_ADD, e);

	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, c->device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, c->seq);
	sqlite3_bind_blob(q, 3, c->hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, c->accepted ? 1 : 0);
	sqlite3_bind_int64(q, 5, c->received);
	sqlite3_bind_blob(q, 6, c->receipt != NULL ? (const void *)c->receipt : "",
	    (int)c->receipt_len, SQLITE_STATIC);
	return step_write(s, q, _("change set"), e);
}

static int
s_held_put(struct regstore *st, const char *device, int64_t seq,
    const unsigned char hash[HASH_LEN], const void *sealed, size_t len,
    int64_t at, struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_HELD_PUT, e);

	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, seq);
	sqlite3_bind_blob(q, 3, hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob64(q, 4, sealed, len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, at);
	return step_write(s, q, _("held change set"), e);
}

static int
s_held_get(struct regstore *st, const char *device, int64_t seq,
    unsigned char hash[HASH_LEN], unsigned char **out, size_t *len,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_HELD_GET, e);
	int r, rc = CUTRU_OK;

	*out = NULL;
	*len = 0;
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, seq);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		copy_blob(hash, HASH_LEN, q, 0);
		rc = dup_blob(out, len, q, 1, e);
	} else if (r == SQLITE_DONE)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "seq",
		    _("The registry holds no change set %lld of this device."),
		    (long long)seq);
	else
		rc = db_fail(s, e);
	sqlite3_reset(q);
	return rc;
}

static int
s_held_delete(struct regstore *st, const char *device, int64_t seq,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_HELD_DELETE, e);

	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, seq);
	return step_write(s, q, _("held change set"), e);
}

static int
s_flag_add(struct regstore *st, const char *device, int64_t seq,
    const char *kind, const unsigned char seen[HASH_LEN], int64_t at,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_FLAG_ADD, e);

	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, seq);
	sqlite3_bind_text(q, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 4, seen, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, at);
	return step_write(s, q, _("flag"), e);
}

/* ------------------------------------------------------------------ */
/* The feed */

static int
s_feed_append(struct regstore *st, const char *ward, const char *entry,
    size_t len, int64_t at, int64_t *cursor, struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_FEED_ADD, e);
	int rc;

	*cursor = 0;
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, ward, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, at);
	sqlite3_bind_blob64(q, 3, entry, len, SQLITE_STATIC);
	rc = step_write(s, q, _("feed entry"), e);
	if (rc == CUTRU_OK)
		*cursor = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static int
s_feed_read(struct regstore *st, const char *ward, int64_t after, int limit,
    reg_feed_cb cb, void *arg, int *more, struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_FEED_READ, e);
	int r, rc = CUTRU_OK, n = 0;

	*more = 0;
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, ward, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, after);
	/* One more than asked, to tell whether there are more. */
	sqlite3_bind_int(q, 3, limit + 1);
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		if (n == limit) {
			*more = 1;
			break;
		}
		n++;
		rc = cb(arg, sqlite3_column_int64(q, 0),
		    (const char *)sqlite3_column_blob(q, 1),
		    (size_t)sqlite3_column_bytes(q, 1));
		if (rc != 0)
			break;
	}
	if (rc == CUTRU_OK && r != SQLITE_DONE && r != SQLITE_ROW)
		rc = db_fail(s, e);
	sqlite3_reset(q);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The register */

static int
s_apply(struct regstore *st, const cJSON *events, const struct apply_ctx *ctx,
    struct cutru_err *e)
{
	return apply_events(rs(st)->db, events, ctx, e);
}

static int
s_person_version(struct regstore *st, const char *id_number,
    int64_t *version, struct cutru_err *e)
{
	return apply_person_version(rs(st)->db, id_number, version, e);
}

static int
s_household_version(struct regstore *st, const char *number,
    int64_t *version, struct cutru_err *e)
{
	return apply_household_version(rs(st)->db, number, version, e);
}

static const char *
sex_id(int sex)
{
	return sex == CUTRU_SEX_MALE ? "male" :
	    sex == CUTRU_SEX_FEMALE ? "female" : "unknown";
}

/* Add column col of q to obj under key as a string (nothing for NULL). */
static int
add_col(cJSON *obj, const char *key, sqlite3_stmt *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q, col);

	if (t == NULL)
		return 1;
	return cJSON_AddStringToObject(obj, key, (const char *)t) != NULL;
}

static int
s_person_state(struct regstore *st, const char *id_number, cJSON **out,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_PERSON, e);
	cJSON *p = NULL, *arr, *r, *hh;
	int64_t pid;
	int rs_, ok, rc = CUTRU_OK;

	*out = NULL;
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, id_number, -1, SQLITE_STATIC);
	rs_ = sqlite3_step(q);
	if (rs_ == SQLITE_DONE) {
		sqlite3_reset(q);
		return cutru_err_set(e, CUTRU_ENOTFOUND, "id_number",
		    _("No person with ID number %s is in the register."),
		    id_number);
	}
	if (rs_ != SQLITE_ROW) {
		sqlite3_reset(q);
		return db_fail(s, e);
	}
	pid = sqlite3_column_int64(q, 0);
	p = cJSON_CreateObject();
	ok = p != NULL && add_col(p, "id_number", q, 1) &&
	    add_col(p, "name", q, 2) && add_col(p, "dob", q, 3) &&
	    cJSON_AddStringToObject(p, "sex",
	    sex_id(sqlite3_column_int(q, 4))) != NULL &&
	    cJSON_AddNumberToObject(p, "version",
	    (double)sqlite3_column_int64(q, 5)) != NULL;
	sqlite3_reset(q);
	if (!ok)
		goto nomem;

	if ((q = stmt(s, ST_PERSON_RES, e)) == NULL) {
		rc = CUTRU_EIO;
		goto done;
	}
	if ((arr = cJSON_AddArrayToObject(p, "residences")) == NULL)
		goto nomem;
	sqlite3_bind_int64(q, 1, pid);
	while ((rs_ = sqlite3_step(q)) == SQLITE_ROW) {
		if ((r = cJSON_CreateObject()) == NULL)
			goto nomem_reset;
		cJSON_AddItemToArray(arr, r);
		if (!add_col(r, "kind", q, 0) || !add_col(r, "commune", q, 1) ||
		    !add_col(r, "detail", q, 2) || !add_col(r, "from", q, 3) ||
		    !add_col(r, "to", q, 4))
			goto nomem_reset;
	}
	sqlite3_reset(q);
	if (rs_ != SQLITE_DONE) {
		rc = db_fail(s, e);
		goto done;
	}

	if ((q = stmt(s, ST_PERSON_HH, e)) == NULL) {
		rc = CUTRU_EIO;
		goto done;
	}
	sqlite3_bind_int64(q, 1, pid);
	rs_ = sqlite3_step(q);
	if (rs_ == SQLITE_ROW) {
		if ((hh = cJSON_AddObjectToObject(p, "household")) == NULL ||
		    !add_col(hh, "number", q, 0) ||
		    !add_col(hh, "relationship", q, 1))
			goto nomem_reset;
	} else if (rs_ != SQLITE_DONE) {
		sqlite3_reset(q);
		rc = db_fail(s, e);
		goto done;
	}
	sqlite3_reset(q);
	*out = p;
	return CUTRU_OK;
nomem_reset:
	sqlite3_reset(q);
nomem:
	rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
done:
	cJSON_Delete(p);
	return rc;
}

static int
s_household_state(struct regstore *st, const char *number, cJSON **out,
    struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_HH, e);
	cJSON *h = NULL, *arr, *m;
	int64_t hid;
	int r, ok, rc = CUTRU_OK;

	*out = NULL;
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, number, -1, SQLITE_STATIC);
	r = sqlite3_step(q);
	if (r == SQLITE_DONE) {
		sqlite3_reset(q);
		return cutru_err_set(e, CUTRU_ENOTFOUND, "household",
		    _("Household %s is not in the register."), number);
	}
	if (r != SQLITE_ROW) {
		sqlite3_reset(q);
		return db_fail(s, e);
	}
	hid = sqlite3_column_int64(q, 0);
	h = cJSON_CreateObject();
	ok = h != NULL && add_col(h, "number", q, 1) &&
	    cJSON_AddNumberToObject(h, "version",
	    (double)sqlite3_column_int64(q, 2)) != NULL &&
	    add_col(h, "head", q, 3) && add_col(h, "commune", q, 4) &&
	    add_col(h, "detail", q, 5) && add_col(h, "dissolved", q, 6);
	sqlite3_reset(q);
	if (!ok)
		goto nomem;
	if ((q = stmt(s, ST_HH_MEMBERS, e)) == NULL) {
		rc = CUTRU_EIO;
		goto done;
	}
	if ((arr = cJSON_AddArrayToObject(h, "members")) == NULL)
		goto nomem;
	sqlite3_bind_int64(q, 1, hid);
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		if ((m = cJSON_CreateObject()) == NULL)
			goto nomem_reset;
		cJSON_AddItemToArray(arr, m);
		if (!add_col(m, "person", q, 0) ||
		    !add_col(m, "relationship", q, 1))
			goto nomem_reset;
	}
	sqlite3_reset(q);
	if (r != SQLITE_DONE) {
		rc = db_fail(s, e);
		goto done;
	}
	*out = h;
	return CUTRU_OK;
nomem_reset:
	sqlite3_reset(q);
nomem:
	rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
done:
	cJSON_Delete(h);
	return rc;
}

static int
s_active_ward(struct regstore *st, const char *id_number, const char *kind,
    char ward[REG_WARD_LEN + 1], struct cutru_err *e)
{
	struct regstore_sqlite *s = rs(st);
	sqlite3_stmt *q = stmt(s, ST_ACTIVE_WARD, e);
	int r, rc = CUTRU_OK;

	ward[0] = '\0';
	if (q == NULL)
		return CUTRU_EIO;
	sqlite3_bind_text(q, 1, id_number, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW)
		copy_text(ward, REG_WARD_LEN + 1, q, 0);
	else if (r == SQLITE_DONE)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "id_number",
		    _("The person with ID number %s has no active %s residence."),
		    id_number, kind);
	else
		rc = db_fail(s, e);
	sqlite3_reset(q);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Opening and closing */

static void
s_close(struct regstore *st)
{
	struct regstore_sqlite *s = rs(st);
	int i;

	if (s->writing)
		s_rollback(st);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close_v2(s->db);
	free(s);
}

static const struct regstore_ops sqlite_ops = {
	.name = "sqlite",
	.close = s_close,
	.begin = s_begin,
	.commit = s_commit,
	.rollback = s_rollback,
	.savepoint = s_savepoint,
	.release = s_release,
	.rollback_to = s_rollback_to,
	.token_add = s_token_add,
	.token_use = s_token_use,
	.device_add = s_device_add,
	.device_get = s_device_get,
	.device_find = s_device_find,
	.device_revoke = s_device_revoke,
	.device_set_head = s_device_set_head,
	.device_list = s_device_list,
	.officer_add = s_officer_add,
	.officer_lookup = s_officer_lookup,
	.officer_list = s_officer_list,
	.population_put = s_population_put,
	.population_get = s_population_get,
	.changeset_get = s_changeset_get,
	.changeset_add = s_changeset_add,
	.held_put = s_held_put,
	.held_get = s_held_get,
	.held_delete = s_held_delete,
	.flag_add = s_flag_add,
	.feed_append = s_feed_append,
	.feed_read = s_feed_read,
	.apply = s_apply,
	.person_version = s_person_version,
	.household_version = s_household_version,
	.person_state = s_person_state,
	.household_state = s_household_state,
	.active_ward = s_active_ward,
};

/* The registry's tables, one migration per transaction; the version is
 * read inside the transaction. */
static int
migrate_reg(struct regstore_sqlite *s, struct cutru_err *e)
{
	sqlite3_stmt *q = NULL;
	char ver[16];
	int v, rc = CUTRU_OK;

	if (exec(s, "CREATE TABLE IF NOT EXISTS reg_meta (key TEXT PRIMARY KEY,"
	    " value TEXT NOT NULL) STRICT", e) != CUTRU_OK)
		return CUTRU_EIO;
	for (;;) {
		if (exec(s, "BEGIN IMMEDIATE", e) != CUTRU_OK)
			return CUTRU_EIO;
		v = 0;
		if (sqlite3_prepare_v2(s->db, "SELECT CAST(value AS INTEGER)"
		    " FROM reg_meta WHERE key = 'schema'", -1, &q,
		    NULL) != SQLITE_OK)
			goto fail;
		if (sqlite3_step(q) == SQLITE_ROW)
			v = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
		q = NULL;
		if (v > N_MIGRATIONS) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return cutru_err_set(e, CUTRU_ECONFLICT, NULL,
			    _("This registry database was written by a newer cutru-registryd (registry schema %d; this program knows up to %d)."),
			    v, N_MIGRATIONS);
		}
		if (v == N_MIGRATIONS) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return CUTRU_OK;
		}
		snprintf(ver, sizeof ver, "%d", v + 1);
		if ((migrations[v].sql != NULL && sqlite3_exec(s->db,
		    migrations[v].sql, NULL, NULL, NULL) != SQLITE_OK) ||
		    (migrations[v].fn != NULL &&
		    migrations[v].fn(s->db, e) != CUTRU_OK) ||
		    sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO reg_meta"
		    " (key, value) VALUES ('schema', ?1)", -1, &q,
		    NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_text(q, 1, ver, -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_DONE)
			goto fail;
		sqlite3_finalize(q);
		q = NULL;
		if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
	}
fail:
	rc = db_fail(s, e);
	sqlite3_finalize(q);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* schema_migrate() reads the version outside its transactions: two
 * threads of one process opening a new database at once are serialised
 * here (processes: the server opens before anything else writes). */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

int
regstore_sqlite_open(const char *path, unsigned flags, struct regstore **out,
    struct cutru_err *e)
{
	struct regstore_sqlite *s;
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rc, r;

	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "database",
		    _("No registry database was named."));
	if ((s = calloc(1, sizeof *s)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
	s->base.ops = &sqlite_ops;
	if (flags & REGSTORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	r = sqlite3_open_v2(path, &s->db, oflags, NULL);
	if (r != SQLITE_OK) {
		if (r == SQLITE_CANTOPEN && !(flags & REGSTORE_CREATE))
			rc = cutru_err_set(e, CUTRU_ENOTFOUND, "database",
			    _("There is no registry database at %s; run 'cutru-registryd init' first."),
			    path);
		else
			rc = cutru_err_set(e, CUTRU_EIO, "database",
			    _("The registry database %s could not be opened: %s."),
			    path, s->db != NULL ? sqlite3_errmsg(s->db) :
			    sqlite3_errstr(r));
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 30000);
	sqlite3_extended_result_codes(s->db, 0);
	if ((rc = exec(s, "PRAGMA journal_mode = WAL", e)) != CUTRU_OK ||
	    (rc = exec(s, (flags & REGSTORE_SYNC_NORMAL) ?
	    "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL",
	    e)) != CUTRU_OK ||
	    (rc = exec(s, "PRAGMA temp_store = MEMORY", e)) != CUTRU_OK)
		goto fail;
	pthread_mutex_lock(&open_lock);
	rc = schema_migrate(s->db, e);
	if (rc == CUTRU_OK)
		rc = migrate_reg(s, e);
	pthread_mutex_unlock(&open_lock);
	if (rc != CUTRU_OK)
		goto fail;
	*out = &s->base;
	return CUTRU_OK;
fail:
	sqlite3_close_v2(s->db);
	free(s);
	return rc;
}

void
regstore_close(struct regstore *st)
{
	if (st != NULL)
		st->ops->close(st);
}

void
regstore_changeset_clear(struct reg_changeset *c)
{
	if (c == NULL)
		return;
	free(c->receipt);
	memset(c, 0, sizeof *c);
}
