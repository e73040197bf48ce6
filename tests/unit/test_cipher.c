#include "config.h"

/* The page cipher: round trips in both journal modes, randomised workloads,
 * the on-disk format, wrong keys, no plaintext at rest, tampering, fail-closed
 * I/O classification, and rekeying by VACUUM INTO and the backup API. */

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/err.h"
#include "localdb/cipher.h"
#include "tests/tools/storetest.h"
#include "tests/unit/tap_main.h"

/* One test's scratch store: a directory, a database path, a key. */
struct fx {
	char *dir;
	char *db;
	unsigned char key[CIPHER_KEY_BYTES];
	unsigned char sid[CIPHER_STORE_ID_BYTES];
};

static void
fx_init(struct fx *x)
{
	struct cutru_err e;

	x->dir = st_mkdtemp();
	x->db = st_path(x->dir, "store.db");
	st_random_key(x->key, x->sid);
	ck_assert_int_eq(cipher_key_attach(x->db, x->key, x->sid, &e), 0);
	st_log_reset();
}

static void
fx_done(struct fx *x)
{
	cipher_key_detach(x->db);
	st_rmtree(x->dir);
	free(x->db);
	free(x->dir);
}

static char *
fx_file(const struct fx *x, const char *suffix)
{
	char *p = malloc(strlen(x->db) + strlen(suffix) + 1);

	ck_assert_ptr_nonnull(p);
	sprintf(p, "%s%s", x->db, suffix);
	return p;
}

/* A small deterministic generator for workloads (not for keys). */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
fill_text(char *buf, size_t n, sqlite3_int64 k)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (char)('a' + (char)((k * 7 + (sqlite3_int64)i * 13) % 26));
	buf[n] = '\0';
}

/* Table t(k, v) with rows 1..n, v a text of 40 + k % 300 letters. */
static void
make_rows(sqlite3 *db, int n)
{
	sqlite3_stmt *st;
	char v[400];
	int k;

	st_exec(db, "CREATE TABLE IF NOT EXISTS t(k INTEGER PRIMARY KEY, v TEXT)");
	st_exec(db, "BEGIN");
	ck_assert_int_eq(sqlite3_prepare_v2(db,
	    "INSERT INTO t(k, v) VALUES (?, ?)", -1, &st, NULL), SQLITE_OK);
	for (k = 1; k <= n; k++) {
		fill_text(v, 40 + (size_t)(k % 300), k);
		sqlite3_bind_int(st, 1, k);
		sqlite3_bind_text(st, 2, v, -1, SQLITE_TRANSIENT);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	st_exec(db, "COMMIT");
}

/* Read every row of t in key order; each row returned must be exactly what
 * make_rows wrote.  Returns the final step code (SQLITE_DONE when all rows
 * were read) and the number of rows in *count. */
static int
read_rows(sqlite3 *db, int *count)
{
	sqlite3_stmt *st = NULL;
	char v[400];
	int rc;

	*count = 0;
	rc = sqlite3_prepare_v2(db, "SELECT k, v FROM t ORDER BY k", -1, &st,
	    NULL);
	if (rc != SQLITE_OK)
		return sqlite3_extended_errcode(db);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 k = sqlite3_column_int64(st, 0);

		fill_text(v, 40 + (size_t)(k % 300), k);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 1), v);
		(*count)++;
	}
	if (rc != SQLITE_DONE)
		rc = sqlite3_extended_errcode(db);
	sqlite3_finalize(st);
	return rc;
}

/* ---- registration and keys ---------------------------------------- */

START_TEST(register_is_idempotent_and_not_default)
{
	struct cutru_err e;
	char big[100];

	ck_assert_int_eq(cipher_vfs_register(&e), 0);
	ck_assert_int_eq(cipher_vfs_register(&e), 0);
	ck_assert_ptr_nonnull(sqlite3_vfs_find(CIPHER_VFS_NAME));
	ck_assert_ptr_ne(sqlite3_vfs_find(NULL), sqlite3_vfs_find(CIPHER_VFS_NAME));
	ck_assert_int_eq(cipher_vfs_register_over(NULL, CIPHER_VFS_NAME, &e), 0);
	ck_assert_int_eq(cipher_vfs_register_over("unix-none", CIPHER_VFS_NAME,
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(cipher_vfs_register_over("no-such-vfs", "cx", &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(cipher_vfs_register_over(NULL, "unix", &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(cipher_vfs_register_over(NULL, NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(cipher_vfs_register_over(NULL, "", &e), CUTRU_EINVAL);
	memset(big, 'v', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(cipher_vfs_register_over(NULL, big, &e), CUTRU_EINVAL);
	ck_assert_int_eq(cipher_vfs_register_over("unix", "cutru-cipher-2", &e), 0);
	ck_assert_ptr_nonnull(sqlite3_vfs_find("cutru-cipher-2"));
}
END_TEST

START_TEST(attach_checks_arguments_and_detach_forgets)
{
	unsigned char key[CIPHER_KEY_BYTES], sid[CIPHER_STORE_ID_BYTES];
	struct cutru_err e;
	char *dir = st_mkdtemp(), *db = st_path(dir, "s.db"), *huge;

	st_random_key(key, sid);
	ck_assert_int_eq(cipher_key_attach(NULL, key, sid, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "key");
	ck_assert_int_eq(cipher_key_attach("", key, sid, &e), CUTRU_EINVAL);
	ck_assert_int_eq(cipher_key_attach(db, NULL, sid, &e), CUTRU_EINVAL);
	ck_assert_int_eq(cipher_key_attach(db, key, NULL, &e), CUTRU_EINVAL);
	huge = malloc(1 << 20);
	ck_assert_ptr_nonnull(huge);
	memset(huge, 'a', (1 << 20) - 1);
	huge[(1 << 20) - 1] = '\0';
	ck_assert_int_eq(cipher_key_attach(huge, key, sid, &e), CUTRU_EINVAL);
	ck_assert_int_eq(cipher_key_is_attached(huge), 0);
	cipher_key_detach(huge);
	free(huge);

	ck_assert_int_eq(cipher_key_is_attached(db), 0);
	ck_assert_int_eq(cipher_key_attach(db, key, sid, &e), 0);
	ck_assert_int_eq(cipher_key_is_attached(db), 1);
	/* The same file named another way is the same store. */
	{
		char *alt = st_path(dir, "./s.db");

		ck_assert_int_eq(cipher_key_is_attached(alt), 1);
		free(alt);
	}
	cipher_key_detach(db);
	ck_assert_int_eq(cipher_key_is_attached(db), 0);
	cipher_key_detach(db);
	cipher_key_detach(NULL);
	ck_assert_int_eq(cipher_key_is_attached(NULL), 0);
	st_rmtree(dir);
	free(db);
	free(dir);
}
END_TEST

START_TEST(open_refuses_bad_options_and_locked_store)
{
	struct cipher_open_opts o = { NULL, NULL, 0, NULL };
	struct cutru_err e;
	sqlite3 *db = (sqlite3 *)&e;
	struct fx x;

	fx_init(&x);
	o.page_size = 1000;
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, &o, &db, &e), CUTRU_EINVAL);
	ck_assert_ptr_null(db);
	ck_assert_str_eq(e.field, "page_size");
	o.page_size = 512;
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, &o, &db, &e), CUTRU_EINVAL);
	o.page_size = 131072;
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, &o, &db, &e), CUTRU_EINVAL);
	/* No page size given: a new store gets the default. */
	o.page_size = 0;
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, &o, &db, &e), 0);
	st_exec(db, "CREATE TABLE t(x)");
	ck_assert_int_eq(st_int(db, "PRAGMA page_size"),
	    CIPHER_DEFAULT_PAGE_SIZE);
	sqlite3_close(db);
	db = (sqlite3 *)&e;
	o.journal_mode = "off";
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, &o, &db, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "journal_mode");
	o.journal_mode = "memory";
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, &o, &db, &e), CUTRU_EINVAL);
	o.journal_mode = "wal\0x";
	o.synchronous = "sometimes";
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, &o, &db, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "synchronous");
	o.synchronous = NULL;
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY, &o, &db, &e), CUTRU_EINVAL);
	ck_assert_int_eq(cipher_db_open(NULL, SQLITE_OPEN_READWRITE, &o, &db,
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE, &o, NULL,
	    &e), CUTRU_EINVAL);

	cipher_key_detach(x.db);
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL, &db, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "key");
	ck_assert_ptr_null(db);
	/* Bypassing cipher_db_open does not bypass the key. */
	ck_assert_int_ne(sqlite3_open_v2(x.db, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, CIPHER_VFS_NAME), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_ge(st_log_count("no key attached"), 1);
	fx_done(&x);
}
END_TEST

/* ---- round trips -------------------------------------------------- */

/* wb: write-behind on the first connection of each cycle. */
static void
roundtrip(const char *mode, int page_size, int wb)
{
	struct cipher_open_opts o = { NULL, mode, page_size, "normal" };
	struct cutru_err e;
	sqlite3 *db;
	struct fx x;
	int cycle, n;

	fx_init(&x);
	for (cycle = 1; cycle <= 4; cycle++) {
		ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE, &o, &db, &e), 0);
		ck_assert_int_eq(st_int(db, "PRAGMA page_size"), page_size);
		if (wb && cipher_write_behind(db, wb) == SQLITE_MISUSE) {
			/* A new, empty file: its page size is not known until
			 * page 1 is written. */
			ck_assert_int_eq(cycle, 1);
			st_exec(db, "CREATE TABLE w(x)");
			ck_assert_int_eq(cipher_write_behind(db, wb), SQLITE_OK);
		}
		make_rows(db, 150 * cycle);
		st_exec(db, "DELETE FROM t WHERE k % 7 = 0");
		ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
		ck_assert_int_eq(n, 150 * cycle - 150 * cycle / 7);
		ck_assert(st_integrity_ok(db));
		sqlite3_close(db);
		/* Reopen and drop the table for the next, larger cycle. */
		ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE,
		    &o, &db, &e), 0);
		ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
		ck_assert_int_eq(n, 150 * cycle - 150 * cycle / 7);
		st_exec(db, "DROP TABLE t");
		sqlite3_close(db);
	}
	fx_done(&x);
}

START_TEST(rollback_roundtrip_and_reopen)
{
	roundtrip("delete", 4096, 0);
	roundtrip("truncate", 1024, 0);
	roundtrip("persist", 65536, 0);
}
END_TEST

/* Write-behind: pages of 1 KiB (written through the VFS), 4 and 64 KiB
 * (direct writes where the file system takes them). */
START_TEST(write_behind_roundtrip_and_reopen)
{
	sqlite3 *db;

	roundtrip("delete", 4096, 1);
	roundtrip("truncate", 1024, 1);
	roundtrip("persist", 65536, 1);
	roundtrip("wal", 4096, 1);
	roundtrip("delete", 4096, 2);
	roundtrip("persist", 65536, 2);
	/* Not on a database without the cipher: nothing changes. */
	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(cipher_write_behind(db, 1), SQLITE_NOTFOUND);
	sqlite3_close(db);
}
END_TEST

START_TEST(wal_roundtrip_and_reopen)
{
	roundtrip("wal", 4096, 0);
	roundtrip("wal", 1024, 0);
	roundtrip("wal", 65536, 0);
}
END_TEST

START_TEST(wal_readers_see_uncheckpointed_frames)
{
	sqlite3 *w, *r;
	struct fx x;
	char *wal;
	int n;

	fx_init(&x);
	w = st_open(x.db, "wal", "full", NULL);
	st_exec(w, "PRAGMA wal_autocheckpoint = 0");
	make_rows(w, 400);
	wal = fx_file(&x, "-wal");
	{
		size_t len;
		unsigned char *b = st_slurp(wal, &len);

		ck_assert_ptr_nonnull(b);
		ck_assert_uint_gt(len, 4096 * 4);
		free(b);
	}
	r = st_open(x.db, NULL, NULL, NULL);
	ck_assert_int_eq(read_rows(r, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 400);
	st_exec(w, "UPDATE t SET v = v WHERE k < 50");
	ck_assert_int_eq(st_int(r, "SELECT count(*) FROM t"), 400);
	st_exec(w, "PRAGMA wal_checkpoint(TRUNCATE)");
	ck_assert_int_eq(read_rows(r, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 400);
	ck_assert(st_integrity_ok(r));
	sqlite3_close(r);
	sqlite3_close(w);
	free(wal);
	fx_done(&x);
}
END_TEST

/* A key detached while a connection is open: the connection keeps working,
 * even for files it opens later (its WAL); new opens are refused. */
START_TEST(detach_keeps_open_connections)
{
	struct cutru_err e;
	sqlite3 *db, *db2 = NULL;
	struct fx x;
	int n;

	fx_init(&x);
	db = st_open(x.db, "delete", NULL, NULL);
	make_rows(db, 100);
	cipher_key_detach(x.db);
	st_exec(db, "PRAGMA journal_mode = wal");
	make_rows(db, 0);
	st_exec(db, "UPDATE t SET v = v");
	ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 100);
	ck_assert_int_ne(cipher_db_open(x.db, SQLITE_OPEN_READWRITE, NULL, &db2,
	    &e), 0);
	sqlite3_close(db);
	ck_assert_int_eq(cipher_key_attach(x.db, x.key, x.sid, &e), 0);
	db = st_open(x.db, NULL, NULL, NULL);
	ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 100);
	sqlite3_close(db);
	fx_done(&x);
}
END_TEST

/* ---- randomised workloads ----------------------------------------- */

#define KV_KEYS 400

struct kv_model {
	int len[KV_KEYS];          /* -1: absent */
	uint64_t seed[KV_KEYS];
};

static void
kv_value(unsigned char *buf, int len, uint64_t seed)
{
	int i;

	for (i = 0; i < len; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[i] = (unsigned char)(seed >> 56);
	}
}

static void
kv_check(sqlite3 *db, const struct kv_model *m)
{
	static unsigned char want[9000];
	sqlite3_stmt *st;
	int k, present = 0, rows = 0;

	for (k = 0; k < KV_KEYS; k++)
		present += m->len[k] >= 0;
	ck_assert_int_eq(sqlite3_prepare_v2(db,
	    "SELECT k, v FROM kv ORDER BY k", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		k = sqlite3_column_int(st, 0);
		ck_assert_int_ge(k, 0);
		ck_assert_int_lt(k, KV_KEYS);
		ck_assert_int_eq(sqlite3_column_bytes(st, 1), m->len[k]);
		kv_value(want, m->len[k], m->seed[k]);
		ck_assert(m->len[k] == 0 ||
		    memcmp(sqlite3_column_blob(st, 1), want, (size_t)m->len[k]) == 0);
		rows++;
	}
	ck_assert_int_eq(sqlite3_errcode(db), SQLITE_DONE);
	sqlite3_finalize(st);
	ck_assert_int_eq(rows, present);
}

/* Thousands of small transactions of random inserts, updates and deletes,
 * some rolled back, some with savepoints, with a tiny page cache so pages
 * spill mid-transaction; reopened every few hundred transactions; checked
 * against an in-memory model and by integrity_check.  With wb, every
 * connection writes its database pages behind (cipher_write_behind()):
 * spills, commits, rollbacks, VACUUM and checkpoints go through the ring. */
static void
random_workload(const char *mode, int txns, uint64_t seed0, int wb)
{
	static unsigned char val[9000];
	struct kv_model m, saved;
	sqlite3_stmt *put, *del;
	uint64_t s = seed0;
	sqlite3 *db;
	struct fx x;
	int t, i, ops, k, len;

	fx_init(&x);
	for (k = 0; k < KV_KEYS; k++)
		m.len[k] = -1;
	db = st_open(x.db, mode, "off", NULL);
	st_exec(db, "CREATE TABLE kv(k INTEGER PRIMARY KEY, v BLOB)");
	if (wb)
		ck_assert_int_eq(cipher_write_behind(db, wb), SQLITE_OK);
	for (t = 0; t < txns; t++) {
		if (t % 500 == 499) {
			kv_check(db, &m);
			sqlite3_close(db);
			db = st_open(x.db, NULL, "off", NULL);
			if (wb)
				ck_assert_int_eq(cipher_write_behind(db, wb),
				    SQLITE_OK);
		}
		if (t % 500 == 0)
			st_exec(db, "PRAGMA cache_size = 12");
		ck_assert_int_eq(sqlite3_prepare_v2(db,
		    "INSERT OR REPLACE INTO kv(k, v) VALUES (?, ?)", -1, &put,
		    NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_prepare_v2(db,
		    "DELETE FROM kv WHERE k = ?", -1, &del, NULL), SQLITE_OK);
		saved = m;
		st_exec(db, "BEGIN");
		ops = 1 + (int)(rnd(&s) % 6);
		for (i = 0; i < ops; i++) {
			int sp = rnd(&s) % 10 == 0;
			struct kv_model before = m;

			if (sp)
				st_exec(db, "SAVEPOINT sp");
			k = (int)(rnd(&s) % KV_KEYS);
			if (rnd(&s) % 4 == 0) {
				sqlite3_bind_int(del, 1, k);
				ck_assert_int_eq(sqlite3_step(del), SQLITE_DONE);
				sqlite3_reset(del);
				m.len[k] = -1;
			} else {
				len = (int)(rnd(&s) % 10 == 0 ? rnd(&s) % 9000 :
				    rnd(&s) % 300);
				m.len[k] = len;
				m.seed[k] = rnd(&s);
				kv_value(val, len, m.seed[k]);
				sqlite3_bind_int(put, 1, k);
				sqlite3_bind_blob(put, 2, val, len, SQLITE_STATIC);
				ck_assert_int_eq(sqlite3_step(put), SQLITE_DONE);
				sqlite3_reset(put);
			}
			if (sp) {
				if (rnd(&s) % 2 == 0) {
					st_exec(db, "ROLLBACK TO sp");
					m = before;
				}
				st_exec(db, "RELEASE sp");
			}
		}
		sqlite3_finalize(put);
		sqlite3_finalize(del);
		if (rnd(&s) % 8 == 0) {
			st_exec(db, "ROLLBACK");
			m = saved;
		} else {
			st_exec(db, "COMMIT");
		}
		if (t % 700 == 350)
			st_exec(db, strcmp(mode, "wal") == 0 ?
			    "PRAGMA wal_checkpoint(RESTART)" : "VACUUM");
	}
	kv_check(db, &m);
	ck_assert(st_integrity_ok(db));
	if (wb)
		ck_assert_int_eq(cipher_write_behind(db, 0), SQLITE_OK);
	sqlite3_close(db);
	db = st_open(x.db, NULL, NULL, NULL);
	kv_check(db, &m);
	ck_assert(st_integrity_ok(db));
	sqlite3_close(db);
	fx_done(&x);
}

START_TEST(random_workload_rollback)
{
	random_workload("delete", 3000, 0x9e3779b97f4a7c15ULL, 0);
}
END_TEST

START_TEST(random_workload_write_behind)
{
	random_workload("delete", 3000, 0x2545f4914f6cdd1dULL, 1);
	random_workload("wal", 1500, 0x94d049bb133111ebULL, 1);
	/* The caller sealing every page it can, as it does when the ring
	 * lags: the other half of the ring's pages. */
	random_workload("delete", 1500, 0xbf58476d1ce4e5b9ULL, 2);
}
END_TEST

START_TEST(random_workload_wal)
{
	random_workload("wal", 3000, 0xd1b54a32d192ed03ULL, 0);
}
END_TEST

/* ---- format on disk ----------------------------------------------- */

START_TEST(header_on_disk_has_tag_page_size_and_reserve)
{
	static const unsigned char tag[16] = "cutru-xc20p1";
	unsigned char h[100], *all;
	struct cipher_open_opts o = { NULL, "delete", 8192, NULL };
	struct cutru_err e;
	size_t len, i;
	sqlite3 *db;
	struct fx x;

	fx_init(&x);
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, &o, &db, &e), 0);
	make_rows(db, 10);
	ck_assert_int_eq(st_int(db, "PRAGMA page_size"), 8192);
	sqlite3_close(db);
	st_peek(x.db, 0, h, sizeof h);
	ck_assert_mem_eq(h, tag, 16);
	ck_assert_int_eq(h[16], 0x20);      /* 8192, big-endian */
	ck_assert_int_eq(h[17], 0x00);
	ck_assert_int_eq(h[18], 1);         /* rollback journal format */
	ck_assert_int_eq(h[19], 1);
	ck_assert_int_eq(h[20], 40);        /* the reserve */
	all = st_slurp(x.db, &len);
	ck_assert_uint_eq(len % 8192, 0);
	for (i = 0; i + 15 <= len; i++)
		ck_assert(memcmp(all + i, "SQLite format 3", 15) != 0);
	free(all);

	/* WAL mode shows as format 2 in the clear bytes. */
	db = st_open(x.db, "wal", NULL, NULL);
	sqlite3_close(db);
	st_peek(x.db, 16, h, 8);
	ck_assert_int_eq(h[2], 2);
	ck_assert_int_eq(h[3], 2);
	ck_assert_int_eq(h[4], 40);
	fx_done(&x);
}
END_TEST

START_TEST(wrong_key_is_not_a_database)
{
	unsigned char k2[CIPHER_KEY_BYTES], s2[CIPHER_STORE_ID_BYTES];
	struct cutru_err e;
	sqlite3 *db;
	struct fx x;
	int rc;

	fx_init(&x);
	db = st_open(x.db, "wal", NULL, NULL);
	make_rows(db, 50);
	sqlite3_close(db);

	/* Another key. */
	st_random_key(k2, s2);
	ck_assert_int_eq(cipher_key_attach(x.db, k2, x.sid, &e), 0);
	st_log_reset();
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE, NULL, &db,
	    &e), CUTRU_ECRYPTO);
	ck_assert_ptr_null(db);
	ck_assert_str_eq(e.field, "key");
	ck_assert_ptr_nonnull(strstr(e.msg, "key is wrong"));
	ck_assert_int_ge(st_log_count("page 1 failed authentication"), 1);
	/* SQLite itself says "not a database" at its first read of the file. */
	rc = sqlite3_open_v2(x.db, &db, SQLITE_OPEN_READWRITE, CIPHER_VFS_NAME);
	if (rc == SQLITE_OK)
		rc = st_try(db, "SELECT count(*) FROM t");
	ck_assert_int_eq(rc, SQLITE_NOTADB);
	sqlite3_close(db);

	/* The right key with another store's identifier. */
	ck_assert_int_eq(cipher_key_attach(x.db, x.key, s2, &e), 0);
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE, NULL, &db,
	    &e), CUTRU_ECRYPTO);

	/* And the right pair still opens it, untouched. */
	ck_assert_int_eq(cipher_key_attach(x.db, x.key, x.sid, &e), 0);
	db = st_open(x.db, NULL, NULL, NULL);
	ck_assert_int_eq(st_int(db, "SELECT count(*) FROM t"), 50);
	sqlite3_close(db);
	fx_done(&x);
}
END_TEST

START_TEST(plain_sqlite_and_cipher_refuse_each_other)
{
	struct cutru_err e;
	sqlite3 *db;
	struct fx x;
	int rc;

	fx_init(&x);
	/* A plain database is refused by the cipher. */
	ck_assert_int_eq(sqlite3_open_v2(x.db, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	st_exec(db, "CREATE TABLE p(x); INSERT INTO p VALUES (1)");
	sqlite3_close(db);
	ck_assert_int_eq(cipher_db_open(x.db, SQLITE_OPEN_READWRITE, NULL, &db,
	    &e), CUTRU_ECRYPTO);
	ck_assert_int_ge(st_log_count("not encrypted"), 1);
	unlink(x.db);

	/* An encrypted store is refused by plain SQLite. */
	db = st_open(x.db, "delete", NULL, NULL);
	make_rows(db, 5);
	sqlite3_close(db);
	ck_assert_int_eq(sqlite3_open_v2(x.db, &db, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	rc = st_try(db, "SELECT count(*) FROM t");
	ck_assert_int_eq(rc, SQLITE_NOTADB);
	sqlite3_close(db);
	fx_done(&x);
}
END_TEST

/* Without the 40-byte reserve nothing can be committed, and nothing of the
 * failed transaction is left on disk in the clear. */
START_TEST(database_without_reserve_cannot_commit)
{
	static const char *const needles[] = { "Reserveless", "NoRoomHere" };
	char where[128];
	sqlite3 *db;
	struct fx x;
	int rc;

	fx_init(&x);
	ck_assert_int_eq(sqlite3_open_v2(x.db, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, CIPHER_VFS_NAME), SQLITE_OK);
	st_exec(db, "PRAGMA temp_store = MEMORY");
	rc = st_try(db, "CREATE TABLE Reserveless(NoRoomHere TEXT)");
	ck_assert_int_ne(rc, SQLITE_OK);
	ck_assert_int_ge(st_log_count("40 needed"), 1);
	sqlite3_close(db);
	ck_assert_int_eq(st_scan_dir(x.dir, needles, 2, where, sizeof where), 0);
	fx_done(&x);
}
END_TEST

START_TEST(temporary_files_are_refused)
{
	sqlite3 *db;
	struct fx x;
	int rc, i;

	fx_init(&x);
	db = st_open(x.db, "delete", NULL, NULL);
	make_rows(db, 300);
	/* More than the 2 MB default cache of VACUUM's temporary database. */
	st_exec(db, "CREATE TABLE big(b); WITH RECURSIVE c(i) AS (SELECT 1 "
	    "UNION ALL SELECT i + 1 FROM c WHERE i < 400) "
	    "INSERT INTO big SELECT randomblob(10000) FROM c");
	/* VACUUM through a temporary file on disk: refused. */
	st_exec(db, "PRAGMA temp_store = FILE");
	st_log_reset();
	rc = st_try(db, "VACUUM");
	ck_assert_int_ne(rc, SQLITE_OK);
	ck_assert_int_ge(st_log_count("refused to open a temporary file"), 1);
	/* A temp table that spills: refused. */
	st_exec(db, "PRAGMA temp.cache_size = 2; CREATE TEMP TABLE tt(x)");
	rc = SQLITE_OK;
	for (i = 0; i < 50 && rc == SQLITE_OK; i++)
		rc = st_try(db, "INSERT INTO tt SELECT v FROM t");
	ck_assert_int_ne(rc, SQLITE_OK);
	st_try(db, "DROP TABLE tt");
	/* In memory, both work. */
	st_exec(db, "PRAGMA temp_store = MEMORY; VACUUM");
	ck_assert(st_integrity_ok(db));
	sqlite3_close(db);

	/* A temporary database through the cipher: refused at first spill. */
	ck_assert_int_eq(sqlite3_open_v2("", &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, CIPHER_VFS_NAME), SQLITE_OK);
	st_exec(db, "PRAGMA cache_size = 2; CREATE TABLE a(x)");
	rc = SQLITE_OK;
	for (i = 0; i < 100 && rc == SQLITE_OK; i++)
		rc = st_try(db, "INSERT INTO a VALUES (randomblob(3000))");
	ck_assert_int_ne(rc, SQLITE_OK);
	sqlite3_close(db);
	fx_done(&x);
}
END_TEST

/* A sort larger than the page cache is cut into runs, which SQLite's sorter
 * writes to unnamed temporary files: the cipher keeps them in memory, so
 * the sort works (before, the open was refused and the statement failed)
 * and nothing of it reaches the disk. */
START_TEST(sort_runs_stay_in_memory)
{
	static const char *const needles[] = { "SortRunSecret" };
	sqlite3_stmt *st;
	char where[256], prev[64] = "", *cur;
	sqlite3 *db;
	struct fx x;
	int n = 0;

	fx_init(&x);
	db = st_open(x.db, "delete", NULL, NULL);
	/* 20,000 rows of about 230 bytes: 4.5 MB to sort, runs of 1 MiB. */
	st_exec(db, "CREATE TABLE s(k TEXT, v TEXT); WITH RECURSIVE c(i) AS "
	    "(SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000) "
	    "INSERT INTO s SELECT hex(randomblob(8)), 'SortRunSecret' || "
	    "hex(randomblob(100)) FROM c");
	st_exec(db, "PRAGMA temp_store = FILE; PRAGMA cache_size = -1024");
	st_log_reset();
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT k, v FROM s ORDER BY k",
	    -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cur = (char *)sqlite3_column_text(st, 0);
		ck_assert_ptr_nonnull(cur);
		ck_assert_int_le(strcmp(prev, cur), 0);
		snprintf(prev, sizeof prev, "%s", cur);
		ck_assert_ptr_nonnull(strstr((const char *)
		    sqlite3_column_text(st, 1), "SortRunSecret"));
		n++;
	}
	ck_assert_int_eq(sqlite3_finalize(st), SQLITE_OK);
	ck_assert_int_eq(n, 20000);
	ck_assert_int_eq(st_log_count("refused"), 0);
	/* An index made the same way, in the same transaction as the rows. */
	st_exec(db, "BEGIN; UPDATE s SET v = v || 'x'; CREATE INDEX s_v ON s(v);"
	    " COMMIT");
	ck_assert(st_integrity_ok(db));
	ck_assert_int_eq(st_int(db, "SELECT count(*) FROM s INDEXED BY s_v"
	    " WHERE v > ''"), 20000);
	sqlite3_close(db);
	ck_assert_int_eq(st_scan_dir(x.dir, needles, 1, where, sizeof where), 0);
	fx_done(&x);
}
END_TEST

/* The sorter's temporary file, call by call: a file in memory. */
START_TEST(vfs_sort_run_calls)
{
	unsigned char buf[300], got[300];
	sqlite3_int64 sz = -1, hint;
	sqlite3_file *f;
	sqlite3_vfs *vfs = sqlite3_vfs_find(CIPHER_VFS_NAME);
	int rc, out = 0, i;

	ck_assert_ptr_nonnull(vfs);
	f = calloc(1, (size_t)vfs->szOsFile);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(vfs->xOpen(vfs, NULL, f, SQLITE_OPEN_TEMP_JOURNAL |
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE |
	    SQLITE_OPEN_DELETEONCLOSE, &out), SQLITE_OK);
	ck_assert_int_ne(out & SQLITE_OPEN_DELETEONCLOSE, 0);
	for (i = 0; i < (int)sizeof buf; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	ck_assert_int_eq(f->pMethods->xFileSize(f, &sz), SQLITE_OK);
	ck_assert_int_eq(sz, 0);
	/* Reading past the end: zeros and a short read. */
	memset(got, 0xAA, sizeof got);
	ck_assert_int_eq(f->pMethods->xRead(f, got, 10, 0),
	    SQLITE_IOERR_SHORT_READ);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(got[i], 0);
	/* A write past the end leaves zeros before it; writes across the
	 * first block's end (64 KiB) keep what was there. */
	ck_assert_int_eq(f->pMethods->xWrite(f, buf, 300, 1000), SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xWrite(f, buf, 300, 65536 - 100),
	    SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xFileSize(f, &sz), SQLITE_OK);
	ck_assert_int_eq(sz, 65536 + 200);
	ck_assert_int_eq(f->pMethods->xRead(f, got, 300, 700), SQLITE_OK);
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(got[i], 0);
	ck_assert_int_eq(f->pMethods->xRead(f, got, 300, 1000), SQLITE_OK);
	ck_assert_mem_eq(got, buf, 300);
	ck_assert_int_eq(f->pMethods->xRead(f, got, 300, 65536 - 100),
	    SQLITE_OK);
	ck_assert_mem_eq(got, buf, 300);
	/* Half of a read past the end. */
	ck_assert_int_eq(f->pMethods->xRead(f, got, 300, 65536 + 50),
	    SQLITE_IOERR_SHORT_READ);
	ck_assert_mem_eq(got, buf + 150, 150);
	for (i = 150; i < 300; i++)
		ck_assert_int_eq(got[i], 0);
	/* Shrinking forgets the bytes; growing again gives zeros. */
	ck_assert_int_eq(f->pMethods->xTruncate(f, 1100), SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xTruncate(f, 1300), SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xFileSize(f, &sz), SQLITE_OK);
	ck_assert_int_eq(sz, 1300);
	ck_assert_int_eq(f->pMethods->xRead(f, got, 300, 1000), SQLITE_OK);
	ck_assert_mem_eq(got, buf, 100);
	for (i = 100; i < 300; i++)
		ck_assert_int_eq(got[i], 0);
	/* A size hint reserves without changing the size. */
	hint = 1 << 20;
	ck_assert_int_eq(f->pMethods->xFileControl(f, SQLITE_FCNTL_SIZE_HINT,
	    &hint), SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xFileSize(f, &sz), SQLITE_OK);
	ck_assert_int_eq(sz, 1300);
	/* Hostile offsets and sizes: refused, nothing changed. */
	hint = (sqlite3_int64)1 << 62;
	ck_assert_int_eq(f->pMethods->xFileControl(f, SQLITE_FCNTL_SIZE_HINT,
	    &hint), SQLITE_FULL);
	ck_assert_int_eq(f->pMethods->xWrite(f, buf, 300, -1),
	    SQLITE_IOERR_WRITE);
	ck_assert_int_eq(f->pMethods->xWrite(f, buf, 300,
	    (sqlite3_int64)1 << 62), SQLITE_FULL);
	ck_assert_int_eq(f->pMethods->xWrite(f, buf, 300, INT64_MAX - 10),
	    SQLITE_FULL);
	ck_assert_int_eq(f->pMethods->xRead(f, got, 300, -5),
	    SQLITE_IOERR_READ);
	ck_assert_int_eq(f->pMethods->xRead(f, got, 300, INT64_MAX - 10),
	    SQLITE_IOERR_READ);
	ck_assert_int_eq(f->pMethods->xTruncate(f, -1),
	    SQLITE_IOERR_TRUNCATE);
	ck_assert_int_eq(f->pMethods->xFileSize(f, &sz), SQLITE_OK);
	ck_assert_int_eq(sz, 1300);
	ck_assert_int_eq(f->pMethods->xFileControl(f, SQLITE_FCNTL_MMAP_SIZE,
	    &hint), SQLITE_NOTFOUND);
	ck_assert_int_eq(f->pMethods->xSync(f, SQLITE_SYNC_NORMAL), SQLITE_OK);
	ck_assert_int_eq(f->pMethods->iVersion, 1);
	ck_assert_int_eq(f->pMethods->xClose(f), SQLITE_OK);
	free(f);

	/* Only the sorter's kind of file: unnamed, deleted on close, a
	 * temporary journal and nothing else. */
	f = calloc(1, (size_t)vfs->szOsFile);
	ck_assert_ptr_nonnull(f);
	rc = vfs->xOpen(vfs, NULL, f, SQLITE_OPEN_TEMP_JOURNAL |
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &out);
	ck_assert_int_eq(rc, SQLITE_CANTOPEN);
	rc = vfs->xOpen(vfs, NULL, f, SQLITE_OPEN_SUBJOURNAL |
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_DELETEONCLOSE, &out);
	ck_assert_int_eq(rc, SQLITE_CANTOPEN);
	rc = vfs->xOpen(vfs, NULL, f, SQLITE_OPEN_TEMP_DB |
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_DELETEONCLOSE, &out);
	ck_assert_int_eq(rc, SQLITE_CANTOPEN);
	rc = vfs->xOpen(vfs, NULL, f, SQLITE_OPEN_TEMP_JOURNAL |
	    SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_DELETEONCLOSE, &out);
	ck_assert_int_eq(rc, SQLITE_CANTOPEN);
	ck_assert_ptr_null(f->pMethods);
	free(f);
}
END_TEST

START_TEST(mmap_is_off_and_no_subpage_reads)
{
	sqlite3_file *f = NULL;
	void *p = (void *)&p;
	sqlite3 *db;
	struct fx x;

	fx_init(&x);
	db = st_open(x.db, "wal", NULL, NULL);
	make_rows(db, 100);
	ck_assert_int_eq(st_int(db, "PRAGMA mmap_size = 268435456"), 0);
	ck_assert_int_eq(sqlite3_file_control(db, "main",
	    SQLITE_FCNTL_FILE_POINTER, &f), SQLITE_OK);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(f->pMethods->iVersion, 3);
	ck_assert_int_eq(f->pMethods->xFetch(f, 0, 4096, &p), SQLITE_OK);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(f->pMethods->xDeviceCharacteristics(f) & 0x8000, 0);
	{
		char *name = NULL;

		ck_assert_int_eq(sqlite3_file_control(db, "main",
		    SQLITE_FCNTL_VFSNAME, &name), SQLITE_OK);
		ck_assert_ptr_nonnull(strstr(name, CIPHER_VFS_NAME));
		sqlite3_free(name);
	}
	ck_assert_int_eq(st_int(db, "SELECT count(*) FROM t"), 100);
	sqlite3_close(db);
	fx_done(&x);
}
END_TEST

/* ---- no plaintext at rest ----------------------------------------- */

static const char *const at_rest_needles[] = {
	"Nguy\xe1\xbb\x85n Th\xe1\xbb\x8b Marker",   /* Nguyễn Thị Marker */
	"Nguyen Thi Marker", "nguyen thi marker", "NGUYEN THI MARKER",
	"Marker", "marker", "Ph\xc6\xb0\xe1\xbb\x9dng", /* Phường */
	"Phuong", "0793012", "079301200042"
};
#define AT_REST_N (sizeof at_rest_needles / sizeof at_rest_needles[0])

static void
insert_people(sqlite3 *db, int from, int to)
{
	sqlite3_stmt *st;
	char id[24], name[64], folded[64], addr[96];
	int i;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO person(id, name, "
	    "folded, addr) VALUES (?, ?, ?, ?)", -1, &st, NULL), SQLITE_OK);
	for (i = from; i < to; i++) {
		snprintf(id, sizeof id, "0793012%05d", i % 100000);
		snprintf(name, sizeof name, "Nguy\xe1\xbb\x85n Th\xe1\xbb\x8b "
		    "Marker %d", i);
		snprintf(folded, sizeof folded, "nguyen thi marker %d", i);
		snprintf(addr, sizeof addr, "%d L\xc3\xaa L\xe1\xbb\xa3i, "
		    "Ph\xc6\xb0\xe1\xbb\x9dng B\xe1\xba\xbfn Th\xc3\xa0nh", i);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, folded, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, addr, -1, SQLITE_TRANSIENT);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

static void
assert_no_plaintext(const struct fx *x, const char *moment)
{
	char where[256];
	int hits = st_scan_dir(x->dir, at_rest_needles, AT_REST_N, where,
	    sizeof where);

	ck_assert_msg(hits == 0, "%s: %d plaintext hits, first: %s", moment,
	    hits, where);
}

static size_t
file_size(const char *path)
{
	unsigned char *b;
	size_t len;

	b = st_slurp(path, &len);
	free(b);
	return len;
}

static void
no_plaintext_at_rest(const char *mode)
{
	int wal = strcmp(mode, "wal") == 0;
	char *side, *shm;
	sqlite3 *db;
	struct fx x;

	fx_init(&x);
	side = fx_file(&x, wal ? "-wal" : "-journal");
	shm = fx_file(&x, "-shm");
	db = st_open(x.db, mode, "full", NULL);
	st_exec(db, "PRAGMA wal_autocheckpoint = 0");
	st_exec(db, "CREATE TABLE person(id TEXT PRIMARY KEY, name TEXT, "
	    "folded TEXT, addr TEXT); CREATE INDEX person_folded ON "
	    "person(folded); CREATE VIRTUAL TABLE person_fts USING "
	    "fts5(folded, content='person', content_rowid='rowid');"
	    "CREATE TRIGGER person_ai AFTER INSERT ON person BEGIN "
	    "INSERT INTO person_fts(rowid, folded) VALUES (new.rowid, "
	    "new.folded); END;");
	st_exec(db, "BEGIN");
	insert_people(db, 0, 1000);
	st_exec(db, "COMMIT");
	assert_no_plaintext(&x, "after the first commit");
	if (wal)
		ck_assert_uint_gt(file_size(shm), 0);

	/* An open transaction that spills: the journal or WAL and (rollback
	 * mode) the database itself are written before the commit. */
	st_exec(db, "PRAGMA cache_size = 10");
	st_exec(db, "BEGIN");
	insert_people(db, 1000, 3000);
	st_exec(db, "UPDATE person SET addr = addr || ' Ph\xc6\xb0\xe1\xbb\x9dng' "
	    "WHERE rowid % 3 = 0");
	ck_assert_uint_gt(file_size(side), 64 * 1024);
	assert_no_plaintext(&x, "mid-transaction, after spills");
	st_exec(db, "COMMIT");
	assert_no_plaintext(&x, "after the second commit");
	ck_assert_int_eq(st_int(db, "SELECT count(*) FROM person_fts WHERE "
	    "person_fts MATCH 'marker'"), 3000);
	ck_assert_int_eq(st_int(db, "SELECT count(*) FROM person WHERE id = "
	    "'079301200042'"), 1);

	/* A transaction rolled back after spilling. */
	st_exec(db, "BEGIN");
	insert_people(db, 3000, 4000);
	assert_no_plaintext(&x, "mid-transaction before a rollback");
	st_exec(db, "ROLLBACK");
	if (wal) {
		st_exec(db, "PRAGMA wal_checkpoint(PASSIVE)");
		assert_no_plaintext(&x, "after a checkpoint");
	}
	ck_assert(st_integrity_ok(db));
	sqlite3_close(db);
	assert_no_plaintext(&x, "after close");
	ck_assert_uint_gt(file_size(x.db), 500 * 1024);
	free(side);
	free(shm);
	fx_done(&x);
}

START_TEST(no_plaintext_at_rest_rollback)
{
	no_plaintext_at_rest("delete");
}
END_TEST

START_TEST(no_plaintext_at_rest_wal)
{
	no_plaintext_at_rest("wal");
}
END_TEST

/* ---- tampering ---------------------------------------------------- */

#define PG 4096

static void
build_store(const struct fx *x, const char *mode, int rows)
{
	sqlite3 *db = st_open(x->db, mode, NULL, NULL);

	make_rows(db, rows);
	sqlite3_close(db);
}

/* Open the store and read everything: the reads must stop with err (the
 * primary code), and every row returned before that must be intact. */
static void
expect_detected(const struct fx *x, int err)
{
	struct cutru_err e;
	sqlite3 *db = NULL;
	int rc, n;

	rc = cipher_db_open(x->db, SQLITE_OPEN_READWRITE, NULL, &db, &e);
	if (rc != 0) {
		ck_assert_int_eq(rc, CUTRU_ECRYPTO);
		ck_assert_str_eq(e.field, err == SQLITE_NOTADB ? "key" : "path");
		ck_assert_ptr_null(db);
		return;
	}
	rc = read_rows(db, &n);
	ck_assert_int_eq(rc & 0xff, err);
	ck_assert(!st_integrity_ok(db));
	sqlite3_close(db);
}

static void
copy_page(const char *from, const char *to, int pgno_from, int pgno_to)
{
	unsigned char page[PG];

	st_peek(from, (long)(pgno_from - 1) * PG, page, PG);
	st_poke(to, (long)(pgno_to - 1) * PG, page, PG);
}

START_TEST(tamper_bit_flips_in_the_database)
{
	static const long where[] = { 1000, PG - 40 + 3, PG - 16 + 5, 0 };
	struct fx x;
	char *copy;
	int pages, i;

	fx_init(&x);
	build_store(&x, "delete", 400);
	copy = st_path(x.dir, "pristine");
	st_copy(x.db, copy);
	pages = (int)(file_size(x.db) / PG);
	ck_assert_int_gt(pages, 10);
	/* Content, nonce and tag of the last page, and the first byte of a
	 * middle page. */
	for (i = 0; i < 4; i++) {
		long off = i < 3 ? (long)(pages - 1) * PG + where[i] :
		    (long)(pages / 2) * PG;

		st_copy(copy, x.db);
		st_flip(x.db, off, i % 8);
		st_log_reset();
		expect_detected(&x, SQLITE_CORRUPT);
		ck_assert_int_ge(st_log_count("failed authentication"), 1);
	}
	/* A page of zeros inside the file is not an empty page. */
	{
		unsigned char z[PG];

		memset(z, 0, sizeof z);
		st_copy(copy, x.db);
		st_poke(x.db, (long)(pages - 2) * PG, z, PG);
		expect_detected(&x, SQLITE_CORRUPT);
	}
	free(copy);
	fx_done(&x);
}
END_TEST

START_TEST(tamper_page_one_is_not_a_database)
{
	/* Tag, clear header bytes (versions, reserve, fractions), ciphertext,
	 * nonce and tag of page 1. */
	static const long where[] = { 3, 18, 19, 20, 21, 23, 24, 99, 2000,
	    PG - 30, PG - 1 };
	struct fx x;
	char *copy;
	size_t i;

	fx_init(&x);
	build_store(&x, "delete", 300);
	copy = st_path(x.dir, "pristine");
	st_copy(x.db, copy);
	for (i = 0; i < sizeof where / sizeof where[0]; i++) {
		st_copy(copy, x.db);
		st_flip(x.db, where[i], (int)i % 8);
		expect_detected(&x, SQLITE_NOTADB);
	}
	st_copy(copy, x.db);
	{
		sqlite3 *db = st_open(x.db, NULL, NULL, NULL);
		int n;

		ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
		ck_assert_int_eq(n, 300);
		sqlite3_close(db);
	}
	free(copy);
	fx_done(&x);
}
END_TEST

START_TEST(tamper_swapped_pages)
{
	unsigned char a[PG], b[PG];
	struct fx x;
	int pages;

	fx_init(&x);
	build_store(&x, "delete", 400);
	pages = (int)(file_size(x.db) / PG);
	st_peek(x.db, (long)(pages - 2) * PG, a, PG);
	st_peek(x.db, (long)(pages - 1) * PG, b, PG);
	st_poke(x.db, (long)(pages - 2) * PG, b, PG);
	st_poke(x.db, (long)(pages - 1) * PG, a, PG);
	expect_detected(&x, SQLITE_CORRUPT);
	fx_done(&x);
}
END_TEST

/* The same content in another store (same key, other store id; or same
 * store id, other key): its pages are refused here. */
START_TEST(tamper_spliced_from_another_store)
{
	struct cutru_err e;
	struct fx x;
	char *other, *copy;
	unsigned char k2[CIPHER_KEY_BYTES], s2[CIPHER_STORE_ID_BYTES];
	int pages, variant;

	fx_init(&x);
	build_store(&x, "delete", 400);
	pages = (int)(file_size(x.db) / PG);
	copy = st_path(x.dir, "pristine");
	st_copy(x.db, copy);
	other = st_path(x.dir, "other.db");
	for (variant = 0; variant < 2; variant++) {
		sqlite3 *db;

		st_random_key(k2, s2);
		if (variant == 0)
			ck_assert_int_eq(cipher_key_attach(other, x.key, s2, &e), 0);
		else
			ck_assert_int_eq(cipher_key_attach(other, k2, x.sid, &e), 0);
		unlink(other);
		db = st_open(other, "delete", NULL, NULL);
		make_rows(db, 400);
		sqlite3_close(db);
		ck_assert_int_eq((int)(file_size(other) / PG), pages);

		st_copy(copy, x.db);
		copy_page(other, x.db, pages - 1, pages - 1);
		expect_detected(&x, SQLITE_CORRUPT);
		st_copy(copy, x.db);
		copy_page(other, x.db, 1, 1);
		expect_detected(&x, SQLITE_NOTADB);
		cipher_key_detach(other);
	}
	free(other);
	free(copy);
	fx_done(&x);
}
END_TEST

static long
wal_frame_off(int frame)
{
	return 32 + (long)(frame - 1) * (PG + 24);
}

/* A WAL page changed under a live connection: SQLITE_CORRUPT on read. */
START_TEST(tamper_wal_frame_live)
{
	sqlite3 *a, *b;
	struct fx x;
	char *wal;
	int n;

	fx_init(&x);
	wal = fx_file(&x, "-wal");
	a = st_open(x.db, "wal", NULL, NULL);
	st_exec(a, "PRAGMA wal_autocheckpoint = 0");
	make_rows(a, 400);
	ck_assert_uint_gt(file_size(wal), (size_t)wal_frame_off(8));
	st_flip(wal, wal_frame_off(5) + 24 + 700, 2);
	b = st_open(x.db, NULL, NULL, NULL);
	st_log_reset();
	ck_assert_int_eq(read_rows(b, &n) & 0xff, SQLITE_CORRUPT);
	ck_assert_int_ge(st_log_count("WAL frame 5 "), 1);
	ck_assert(!st_integrity_ok(b));
	sqlite3_close(b);
	sqlite3_close(a);
	free(wal);
	fx_done(&x);
}
END_TEST

/* Run fn in a child process that dies by SIGKILL when fn returns, leaving
 * its files as a crash would. */
static void
in_killed_child(void (*fn)(const struct fx *, int), const struct fx *x,
    int fd)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fn(x, fd);
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* Three committed transactions in the WAL, never checkpointed; reports
 * the WAL frame count after each commit. */
static void
child_wal_txns(const struct fx *x, int fd)
{
	struct cipher_open_opts o = { NULL, "wal", PG, "full" };
	struct cutru_err e;
	sqlite3 *db;
	int i, frames;
	char sql[128], wal[4096];

	snprintf(wal, sizeof wal, "%s-wal", x->db);
	if (cipher_db_open(x->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    &o, &db, &e) != 0)
		_exit(2);
	sqlite3_exec(db, "PRAGMA wal_autocheckpoint = 0; CREATE TABLE t(k "
	    "INTEGER PRIMARY KEY, v TEXT)", NULL, NULL, NULL);
	for (i = 0; i < 3; i++) {
		char v[400];
		int k;

		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (k = i * 100 + 1; k <= i * 100 + 100; k++) {
			fill_text(v, 40 + (size_t)(k % 300), k);
			snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d, '",
			    k);
			{
				char *q = sqlite3_mprintf("%s%q')", sql, v);

				sqlite3_exec(db, q, NULL, NULL, NULL);
				sqlite3_free(q);
			}
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			_exit(3);
		frames = (int)((file_size(wal) - 32) / (PG + 24));
		if (write(fd, &frames, sizeof frames) != sizeof frames)
			_exit(4);
	}
}

/* WAL recovery after a crash brings back every commit; with a frame of the
 * second transaction altered, recovery stops before it: the store opens
 * at the first commit, with no altered row and a warning in the log. */
START_TEST(wal_recovery_and_tampered_frame_at_rest)
{
	int fds[2], frames[3], n;
	char *wal, *wal_copy, *db_copy;
	sqlite3 *db;
	struct fx x;

	fx_init(&x);
	wal = fx_file(&x, "-wal");
	wal_copy = st_path(x.dir, "wal-copy");
	db_copy = st_path(x.dir, "db-copy");
	ck_assert_int_eq(pipe(fds), 0);
	in_killed_child(child_wal_txns, &x, fds[1]);
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], frames, sizeof frames), sizeof frames);
	close(fds[0]);
	ck_assert_int_lt(frames[0], frames[1]);
	ck_assert_int_lt(frames[1], frames[2]);
	st_copy(x.db, db_copy);
	st_copy(wal, wal_copy);
	{
		char *shm = fx_file(&x, "-shm");

		unlink(shm);
		free(shm);
	}

	db = st_open(x.db, NULL, NULL, NULL);
	ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 300);
	ck_assert(st_integrity_ok(db));
	sqlite3_close(db);

	st_copy(db_copy, x.db);
	st_copy(wal_copy, wal);
	st_flip(wal, wal_frame_off(frames[0] + 1) + 24 + 100, 0);
	st_log_reset();
	db = st_open(x.db, NULL, NULL, NULL);
	ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 100);
	ck_assert(st_integrity_ok(db));
	ck_assert_int_ge(st_log_count("the log ends before it"), 1);
	sqlite3_close(db);
	free(wal);
	free(wal_copy);
	free(db_copy);
	fx_done(&x);
}
END_TEST

/* Rewrite every row of t in upper case with a tiny cache, so that changed
 * pages reach the database file (after the journal) before the commit,
 * then die without committing. */
static void
child_spill_uncommitted(const struct fx *x, int fd)
{
	struct cipher_open_opts o = { NULL, "delete", PG, "full" };
	struct cutru_err e;
	sqlite3 *db;

	(void)fd;
	if (cipher_db_open(x->db, SQLITE_OPEN_READWRITE, &o, &db, &e) != 0)
		_exit(2);
	sqlite3_exec(db, "PRAGMA cache_size = 5; BEGIN; "
	    "UPDATE t SET v = upper(v);", NULL, NULL, NULL);
}

/* A hot journal left by a crash is rolled back through the cipher; the
 * same journal with one bit changed stops everything with SQLITE_CORRUPT:
 * no half-rolled-back state, no uncommitted row is ever returned. */
START_TEST(hot_journal_rollback_and_tampered_journal)
{
	char *journal, *jcopy, *dcopy;
	unsigned char hdr[28];
	long sector;
	sqlite3 *db;
	struct fx x;
	int n, rc;

	fx_init(&x);
	build_store(&x, "delete", 400);
	in_killed_child(child_spill_uncommitted, &x, -1);
	journal = fx_file(&x, "-journal");
	jcopy = st_path(x.dir, "journal-copy");
	dcopy = st_path(x.dir, "db-copy");
	ck_assert_uint_gt(file_size(journal), 2 * PG);
	st_copy(journal, jcopy);
	st_copy(x.db, dcopy);

	db = st_open(x.db, NULL, NULL, NULL);
	ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 400);
	ck_assert(st_integrity_ok(db));
	sqlite3_close(db);

	/* The first record's page starts after the header (one sector). */
	st_copy(jcopy, journal);
	st_copy(dcopy, x.db);
	st_peek(journal, 0, hdr, sizeof hdr);
	sector = (long)hdr[20] << 24 | (long)hdr[21] << 16 | hdr[22] << 8 |
	    hdr[23];
	ck_assert_int_ge(sector, 512);
	st_flip(journal, sector + 4 + 300, 6);
	st_log_reset();
	expect_detected(&x, SQLITE_CORRUPT);
	ck_assert_int_ge(st_log_count("journal record"), 1);
	/* Through raw SQLite too: an error, never the uncommitted rows. */
	ck_assert_int_eq(sqlite3_open_v2(x.db, &db, SQLITE_OPEN_READWRITE,
	    CIPHER_VFS_NAME), SQLITE_OK);
	st_exec(db, "PRAGMA temp_store = MEMORY");
	rc = read_rows(db, &n);
	ck_assert_int_eq(rc & 0xff, SQLITE_CORRUPT);
	ck_assert_int_eq(n, 0);
	sqlite3_close(db);
	free(journal);
	free(jcopy);
	free(dcopy);
	fx_done(&x);
}
END_TEST

/* ---- rekeying ----------------------------------------------------- */

START_TEST(rekey_by_vacuum_into_and_by_backup)
{
	unsigned char k2[CIPHER_KEY_BYTES], s2[CIPHER_STORE_ID_BYTES];
	unsigned char k3[CIPHER_KEY_BYTES], s3[CIPHER_STORE_ID_BYTES];
	unsigned char h[24];
	struct cutru_err e;
	char *copy, *copy2, sql[4200];
	sqlite3 *db, *c;
	sqlite3_backup *bk;
	struct fx x;
	int n;

	fx_init(&x);
	db = st_open(x.db, "wal", NULL, NULL);
	st_exec(db, "PRAGMA wal_autocheckpoint = 0");
	make_rows(db, 500);
	st_exec(db, "CREATE TABLE person(id TEXT PRIMARY KEY, name TEXT, "
	    "folded TEXT, addr TEXT)");
	insert_people(db, 0, 200);

	/* VACUUM INTO a file with its own key: the copy is the current state
	 * (WAL content included), under the new key only. */
	copy = st_path(x.dir, "rekeyed.db");
	st_random_key(k2, s2);
	ck_assert_int_eq(cipher_key_attach(copy, k2, s2, &e), 0);
	snprintf(sql, sizeof sql, "VACUUM INTO '%s'", copy);
	st_exec(db, sql);
	c = st_open(copy, "wal", NULL, NULL);
	ck_assert_int_eq(read_rows(c, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 500);
	ck_assert(st_integrity_ok(c));
	sqlite3_close(c);
	st_peek(copy, 0, h, sizeof h);
	ck_assert_mem_eq(h, "cutru-xc20p1", 12);
	ck_assert_int_eq(h[20], 40);
	ck_assert_int_eq(cipher_key_attach(copy, x.key, x.sid, &e), 0);
	ck_assert_int_eq(cipher_db_open(copy, SQLITE_OPEN_READWRITE, NULL, &c,
	    &e), CUTRU_ECRYPTO);
	cipher_key_detach(copy);

	/* The backup API into a store opened with another key. */
	copy2 = st_path(x.dir, "backup.db");
	st_random_key(k3, s3);
	ck_assert_int_eq(cipher_key_attach(copy2, k3, s3, &e), 0);
	c = st_open(copy2, "delete", NULL, NULL);
	bk = sqlite3_backup_init(c, "main", db, "main");
	ck_assert_ptr_nonnull(bk);
	ck_assert_int_eq(sqlite3_backup_step(bk, -1), SQLITE_DONE);
	ck_assert_int_eq(sqlite3_backup_finish(bk), SQLITE_OK);
	sqlite3_close(c);
	c = st_open(copy2, NULL, NULL, NULL);
	ck_assert_int_eq(read_rows(c, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 500);
	ck_assert(st_integrity_ok(c));
	sqlite3_close(c);
	cipher_key_detach(copy2);
	sqlite3_close(db);
	assert_no_plaintext(&x, "after rekeying");
	free(copy);
	free(copy2);
	fx_done(&x);
}
END_TEST

/* VACUUM rewrites the store through the cipher in both modes.  Changing
 * the page size by VACUUM is refused: SQLite would write each new page as
 * several old-sized pieces, which cannot be sealed as pages.  The failed
 * VACUUM leaves the store as it was. */
START_TEST(vacuum_through_the_cipher)
{
	unsigned char h[24];
	sqlite3 *db;
	struct fx x;
	int n;

	fx_init(&x);
	db = st_open(x.db, "delete", NULL, NULL);
	make_rows(db, 500);
	st_exec(db, "DELETE FROM t WHERE k > 400; VACUUM");
	st_exec(db, "PRAGMA page_size = 16384");
	st_log_reset();
	ck_assert_int_eq(st_try(db, "VACUUM") & 0xff, SQLITE_IOERR);
	ck_assert_int_ge(st_log_count("not a database header"), 1);
	ck_assert_int_eq(st_int(db, "PRAGMA page_size"), 4096);
	ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 400);
	sqlite3_close(db);
	st_peek(x.db, 0, h, sizeof h);
	ck_assert_int_eq(h[16], 0x10);
	ck_assert_int_eq(h[20], 40);
	db = st_open(x.db, "wal", NULL, NULL);
	ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 400);
	st_exec(db, "DELETE FROM t WHERE k > 300; VACUUM");
	ck_assert(st_integrity_ok(db));
	sqlite3_close(db);
	db = st_open(x.db, NULL, NULL, NULL);
	ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 300);
	ck_assert(st_integrity_ok(db));
	sqlite3_close(db);
	fx_done(&x);
}
END_TEST

/* ---- the VFS, call by call ---------------------------------------- */

struct vfsx {
	sqlite3_vfs *vfs;
	sqlite3_filename fn;
	char full[4096];
	char journal[4096 + 16];
	char wal[4096 + 16];
};

static void
vfsx_init(struct vfsx *v, const char *db)
{
	v->vfs = sqlite3_vfs_find(CIPHER_VFS_NAME);
	ck_assert_ptr_nonnull(v->vfs);
	ck_assert_int_eq(v->vfs->xFullPathname(v->vfs, db, (int)sizeof v->full,
	    v->full), SQLITE_OK);
	snprintf(v->journal, sizeof v->journal, "%s-journal", v->full);
	snprintf(v->wal, sizeof v->wal, "%s-wal", v->full);
	v->fn = sqlite3_create_filename(v->full, v->journal, v->wal, 0, NULL);
	ck_assert_ptr_nonnull(v->fn);
}

static sqlite3_file *
vfsx_open(struct vfsx *v, const char *name, int kind, int *rc)
{
	sqlite3_file *f = calloc(1, (size_t)v->vfs->szOsFile);
	int out = 0;

	ck_assert_ptr_nonnull(f);
	*rc = v->vfs->xOpen(v->vfs, name, f, kind | SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, &out);
	if (*rc != SQLITE_OK) {
		ck_assert_ptr_null(f->pMethods);
		free(f);
		return NULL;
	}
	return f;
}

static void
vfsx_close(sqlite3_file *f)
{
	if (f != NULL) {
		f->pMethods->xClose(f);
		free(f);
	}
}

static void
make_page1(unsigned char *p, int reserve)
{
	int i;

	for (i = 0; i < PG; i++)
		p[i] = (unsigned char)(i * 31 + 7);
	memcpy(p, "SQLite format 3", 16);
	p[16] = 0x10;
	p[17] = 0;
	p[18] = p[19] = 1;
	p[20] = (unsigned char)reserve;
	p[21] = 64;
	p[22] = p[23] = 32;
	memset(p + PG - 40, 0, 40);
}

START_TEST(vfs_database_calls)
{
	unsigned char page[PG], got[PG], raw[PG];
	sqlite3_file *f, *g;
	struct vfsx v;
	struct fx x;
	int rc, i;

	fx_init(&x);
	vfsx_init(&v, x.db);
	f = vfsx_open(&v, v.fn, SQLITE_OPEN_MAIN_DB, &rc);
	ck_assert_int_eq(rc, SQLITE_OK);

	/* Reads past the end: zero-filled short reads, not bad tags. */
	memset(got, 0xaa, sizeof got);
	ck_assert_int_eq(f->pMethods->xRead(f, got, PG, 2 * PG),
	    SQLITE_IOERR_SHORT_READ);
	for (i = 0; i < PG; i++)
		ck_assert_int_eq(got[i], 0);
	memset(got, 0xaa, 100);
	ck_assert_int_eq(f->pMethods->xRead(f, got, 100, 0),
	    SQLITE_IOERR_SHORT_READ);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(got[i], 0);

	/* What the shim cannot classify is refused. */
	ck_assert_int_eq(f->pMethods->xRead(f, got, 10, 200), SQLITE_IOERR_READ);
	ck_assert_int_eq(f->pMethods->xRead(f, got, PG, 100), SQLITE_IOERR_READ);
	ck_assert_int_eq(f->pMethods->xRead(f, got, 512, 0), SQLITE_IOERR_READ);
	make_page1(page, 40);
	ck_assert_int_eq(f->pMethods->xWrite(f, page, 100, 0), SQLITE_IOERR_WRITE);
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG, 100),
	    SQLITE_IOERR_WRITE);
	ck_assert_int_eq(f->pMethods->xWrite(f, page, 512, 0),
	    SQLITE_IOERR_WRITE);
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG - 1, 0),
	    SQLITE_IOERR_WRITE);
	page[0] = 'X';
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG, 0), SQLITE_IOERR_WRITE);
	make_page1(page, 40);
	page[16] = 0x20;          /* says 8192 in a 4096-byte write */
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG, 0), SQLITE_IOERR_WRITE);
	ck_assert_uint_eq(file_size(x.db), 0);

	/* Page 1: clear header bytes 16..23, the rest encrypted; read back
	 * whole or in the two header pieces SQLite asks for. */
	make_page1(page, 40);
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG, 0), SQLITE_OK);
	st_peek(x.db, 0, raw, PG);
	ck_assert_mem_eq(raw, "cutru-xc20p1\0\0\0\0", 16);
	ck_assert_mem_eq(raw + 16, page + 16, 8);
	ck_assert(memcmp(raw + 24, page + 24, 64) != 0);
	ck_assert_int_eq(f->pMethods->xRead(f, got, PG, 0), SQLITE_OK);
	ck_assert_mem_eq(got, page, PG);
	memset(got, 0, sizeof got);
	ck_assert_int_eq(f->pMethods->xRead(f, got, 100, 0), SQLITE_OK);
	ck_assert_mem_eq(got, page, 100);
	ck_assert_int_eq(f->pMethods->xRead(f, got, 16, 24), SQLITE_OK);
	ck_assert_mem_eq(got, page + 24, 16);

	/* Page 2: whatever was in the reserve comes back as zeros. */
	for (i = 0; i < PG; i++)
		page[i] = (unsigned char)(i ^ 0x5a);
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG, PG), SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xRead(f, got, PG, PG), SQLITE_OK);
	ck_assert_mem_eq(got, page, PG - 40);
	for (i = PG - 40; i < PG; i++)
		ck_assert_int_eq(got[i], 0);
	/* Two writes of the same page never share a nonce. */
	st_peek(x.db, PG, raw, PG);
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG, PG), SQLITE_OK);
	st_peek(x.db, PG, got, PG);
	ck_assert(memcmp(raw + PG - 40, got + PG - 40, 24) != 0);
	ck_assert(memcmp(raw, got, PG - 40) != 0);
	/* Page 2's bytes at page 3: refused. */
	st_poke(x.db, 2 * PG, got, PG);
	ck_assert_int_eq(f->pMethods->xRead(f, got, PG, 2 * PG), SQLITE_CORRUPT);
	for (i = 0; i < PG; i++)
		ck_assert_int_eq(got[i], 0);
	/* A page cut short at the end is damage, not content. */
	st_poke(x.db, 3 * PG, page, 100);
	memset(got, 0xaa, sizeof got);
	ck_assert_int_eq(f->pMethods->xRead(f, got, PG, 3 * PG), SQLITE_CORRUPT);
	for (i = 0; i < PG; i++)
		ck_assert_int_eq(got[i], 0);
	ck_assert_int_eq(f->pMethods->xTruncate(f, 3 * PG), SQLITE_OK);
	/* Writing page 6 of a 3-page file seals pages 4 and 5 first; growing
	 * the file by truncation seals the new pages too: no holes. */
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG, 5 * PG), SQLITE_OK);
	ck_assert_uint_eq(file_size(x.db), 6 * PG);
	ck_assert_int_eq(f->pMethods->xRead(f, got, PG, 3 * PG), SQLITE_OK);
	for (i = 0; i < PG; i++)
		ck_assert_int_eq(got[i], 0);
	ck_assert_int_eq(f->pMethods->xRead(f, got, PG, 5 * PG), SQLITE_OK);
	ck_assert_mem_eq(got, page, PG - 40);
	ck_assert_int_eq(f->pMethods->xTruncate(f, 9 * PG), SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xRead(f, got, PG, 8 * PG), SQLITE_OK);
	{
		sqlite3_int64 hint = 100 * PG, sz = 0;

		ck_assert_int_eq(f->pMethods->xFileControl(f,
		    SQLITE_FCNTL_SIZE_HINT, &hint), SQLITE_OK);
		ck_assert_int_eq(f->pMethods->xFileSize(f, &sz), SQLITE_OK);
		ck_assert_int_eq(sz, 9 * PG);
	}

	/* Temporary files are refused, named or not. */
	ck_assert_ptr_null(vfsx_open(&v, NULL, SQLITE_OPEN_TEMP_DB, &rc));
	ck_assert_int_eq(rc, SQLITE_CANTOPEN);
	ck_assert_ptr_null(vfsx_open(&v, v.journal, SQLITE_OPEN_TEMP_JOURNAL,
	    &rc));
	ck_assert_ptr_null(vfsx_open(&v, v.journal, SQLITE_OPEN_SUBJOURNAL, &rc));
	ck_assert_ptr_null(vfsx_open(&v, v.journal, SQLITE_OPEN_SUPER_JOURNAL,
	    &rc));
	ck_assert_ptr_null(vfsx_open(&v, v.full, SQLITE_OPEN_TRANSIENT_DB, &rc));
	ck_assert_ptr_null(vfsx_open(&v, v.fn, SQLITE_OPEN_MAIN_DB |
	    SQLITE_OPEN_DELETEONCLOSE, &rc));
	vfsx_close(f);

	/* A database whose page 1 has no room for the cipher: refused, and so
	 * is every later page of it. */
	{
		struct fx y;
		struct vfsx w;

		fx_init(&y);
		vfsx_init(&w, y.db);
		g = vfsx_open(&w, w.fn, SQLITE_OPEN_MAIN_DB, &rc);
		ck_assert_int_eq(rc, SQLITE_OK);
		make_page1(page, 0);
		ck_assert_int_eq(g->pMethods->xWrite(g, page, PG, 0),
		    SQLITE_IOERR_WRITE);
		ck_assert_int_eq(g->pMethods->xWrite(g, page + 0, PG, PG),
		    SQLITE_IOERR_WRITE);
		vfsx_close(g);
		sqlite3_free_filename(w.fn);
		fx_done(&y);
	}
	sqlite3_free_filename(v.fn);
	fx_done(&x);
}
END_TEST

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

START_TEST(vfs_journal_calls)
{
	unsigned char page[PG], got[PG], hdr[PG], raw[PG];
	sqlite3_file *m, *j;
	sqlite3_filename other;
	struct vfsx v;
	struct fx x;
	int rc, i;

	fx_init(&x);
	vfsx_init(&v, x.db);
	/* No journal without its database open in the same pager. */
	ck_assert_ptr_null(vfsx_open(&v, sqlite3_filename_journal(v.fn),
	    SQLITE_OPEN_MAIN_JOURNAL, &rc));
	ck_assert_int_eq(rc, SQLITE_CANTOPEN);
	m = vfsx_open(&v, v.fn, SQLITE_OPEN_MAIN_DB, &rc);
	ck_assert_int_eq(rc, SQLITE_OK);
	other = sqlite3_create_filename(v.full, v.journal, v.wal, 0, NULL);
	ck_assert_ptr_null(vfsx_open(&v, sqlite3_filename_journal(other),
	    SQLITE_OPEN_MAIN_JOURNAL, &rc));
	sqlite3_free_filename(other);
	j = vfsx_open(&v, sqlite3_filename_journal(v.fn),
	    SQLITE_OPEN_MAIN_JOURNAL, &rc);
	ck_assert_int_eq(rc, SQLITE_OK);

	/* Header: fields in 28 bytes, zeros after; clear.  Not zeros after:
	 * refused. */
	memset(hdr, 0, sizeof hdr);
	for (i = 0; i < 28; i++)
		hdr[i] = (unsigned char)(i + 1);
	ck_assert_int_eq(j->pMethods->xWrite(j, hdr, PG, 0), SQLITE_OK);
	hdr[1000] = 1;
	ck_assert_int_eq(j->pMethods->xWrite(j, hdr, PG, 0), SQLITE_IOERR_WRITE);
	hdr[1000] = 0;
	ck_assert_int_eq(j->pMethods->xRead(j, got, 28, 0), SQLITE_OK);
	ck_assert_mem_eq(got, hdr, 28);

	/* A record: page number, then the page, encrypted. */
	for (i = 0; i < PG; i++)
		page[i] = (unsigned char)(i * 7);
	memset(page + PG - 40, 0, 40);
	put_be32(got, 2);
	ck_assert_int_eq(j->pMethods->xWrite(j, got, 4, PG), SQLITE_OK);
	ck_assert_int_eq(j->pMethods->xWrite(j, page, PG, PG + 4), SQLITE_OK);
	ck_assert_int_eq(j->pMethods->xWrite(j, got, 4, 2 * PG + 4), SQLITE_OK);
	{
		char *jp = fx_file(&x, "-journal");

		st_peek(jp, PG + 4, raw, PG);
		ck_assert(memcmp(raw, page, 64) != 0);
		ck_assert_int_eq(j->pMethods->xRead(j, got, PG, PG + 4),
		    SQLITE_OK);
		ck_assert_mem_eq(got, page, PG);
		/* The record's page number changed on disk: refused. */
		put_be32(got, 3);
		st_poke(jp, PG, got, 4);
		ck_assert_int_eq(j->pMethods->xRead(j, got, PG, PG + 4),
		    SQLITE_CORRUPT);
		free(jp);
	}
	/* A page write inside the first header, or with no page number
	 * before it, odd sizes, content after byte 28 at a header position:
	 * refused. */
	ck_assert_int_eq(j->pMethods->xWrite(j, page, PG, 4), SQLITE_IOERR_WRITE);
	ck_assert_int_eq(j->pMethods->xWrite(j, page, PG, 4 * PG + 4),
	    SQLITE_IOERR_WRITE);
	ck_assert_int_eq(j->pMethods->xWrite(j, page, 100, 2 * PG + 8),
	    SQLITE_IOERR_WRITE);
	ck_assert_int_eq(j->pMethods->xWrite(j, page, 50, 13),
	    SQLITE_IOERR_WRITE);
	ck_assert_int_eq(j->pMethods->xRead(j, got, 50, 0), SQLITE_IOERR_READ);
	/* Past the end: a short read of zeros. */
	memset(got, 0xaa, sizeof got);
	ck_assert_int_eq(j->pMethods->xRead(j, got, PG, 8 * PG + 4),
	    SQLITE_IOERR_SHORT_READ);
	for (i = 0; i < PG; i++)
		ck_assert_int_eq(got[i], 0);
	vfsx_close(j);
	vfsx_close(m);
	sqlite3_free_filename(v.fn);
	fx_done(&x);
}
END_TEST

START_TEST(vfs_wal_calls)
{
	unsigned char page[PG], got[PG + 24], wh[32], fh[24];
	sqlite3_file *m, *w;
	struct vfsx v;
	struct fx x;
	char *walp;
	int rc, i;

	fx_init(&x);
	vfsx_init(&v, x.db);
	walp = fx_file(&x, "-wal");
	m = vfsx_open(&v, v.fn, SQLITE_OPEN_MAIN_DB, &rc);
	ck_assert_int_eq(rc, SQLITE_OK);
	w = vfsx_open(&v, sqlite3_filename_wal(v.fn), SQLITE_OPEN_WAL, &rc);
	ck_assert_int_eq(rc, SQLITE_OK);
	for (i = 0; i < PG; i++)
		page[i] = (unsigned char)(i * 13 + 1);
	memset(page + PG - 40, 0, 40);

	/* No header yet: frames cannot be placed. */
	ck_assert_int_eq(w->pMethods->xWrite(w, page, PG, 56),
	    SQLITE_IOERR_WRITE);
	memset(wh, 0, sizeof wh);
	put_be32(wh, 0x12345678);
	put_be32(wh + 8, PG);
	ck_assert_int_eq(w->pMethods->xWrite(w, wh, 32, 0), SQLITE_IOERR_WRITE);
	put_be32(wh, 0x377f0682);
	put_be32(wh + 4, 3007000);
	ck_assert_int_eq(w->pMethods->xWrite(w, wh, 32, 0), SQLITE_OK);

	memset(fh, 0, sizeof fh);
	put_be32(fh, 2);
	put_be32(fh + 8, 0xabcdef01);
	ck_assert_int_eq(w->pMethods->xWrite(w, fh, 24, 32), SQLITE_OK);
	ck_assert_int_eq(w->pMethods->xWrite(w, page, PG, 56), SQLITE_OK);
	ck_assert_int_eq(w->pMethods->xRead(w, got, PG, 56), SQLITE_OK);
	ck_assert_mem_eq(got, page, PG);
	ck_assert_int_eq(w->pMethods->xRead(w, got, PG + 24, 32), SQLITE_OK);
	ck_assert_mem_eq(got, fh, 24);
	ck_assert_mem_eq(got + 24, page, PG);
	ck_assert_int_eq(w->pMethods->xRead(w, got, 8, 32 + 16), SQLITE_OK);
	ck_assert_int_eq(w->pMethods->xRead(w, got, 32, 0), SQLITE_OK);
	ck_assert_mem_eq(got, wh, 32);
	/* The page rewritten in place (header from the file), and the header
	 * rewritten with new checksums: both still read back. */
	page[5] ^= 1;
	ck_assert_int_eq(w->pMethods->xWrite(w, page, PG, 56), SQLITE_OK);
	fh[20] = 0x77;
	ck_assert_int_eq(w->pMethods->xWrite(w, fh, 24, 32), SQLITE_OK);
	ck_assert_int_eq(w->pMethods->xRead(w, got, PG, 56), SQLITE_OK);
	ck_assert_mem_eq(got, page, PG);
	/* A whole frame in one write. */
	memcpy(got, fh, 24);
	put_be32(got, 3);
	put_be32(got + 4, 3);
	memcpy(got + 24, page, PG);
	ck_assert_int_eq(w->pMethods->xWrite(w, got, PG + 24, 32 + PG + 24),
	    SQLITE_OK);
	ck_assert_int_eq(w->pMethods->xRead(w, got, PG, 32 + PG + 24 + 24),
	    SQLITE_OK);
	ck_assert_mem_eq(got, page, PG);

	/* The frame header's page number or commit size changed on disk:
	 * a page read is corrupt; a whole-frame read ends the log. */
	st_flip(walp, 32 + 3, 0);
	ck_assert_int_eq(w->pMethods->xRead(w, got, PG, 56), SQLITE_CORRUPT);
	memset(got, 0xaa, sizeof got);
	ck_assert_int_eq(w->pMethods->xRead(w, got, PG + 24, 32), SQLITE_OK);
	for (i = 0; i < PG + 24; i++)
		ck_assert_int_eq(got[i], 0);
	st_flip(walp, 32 + 3, 0);
	st_flip(walp, 32 + 7, 1);
	ck_assert_int_eq(w->pMethods->xRead(w, got, PG, 56), SQLITE_CORRUPT);
	st_flip(walp, 32 + 7, 1);
	ck_assert_int_eq(w->pMethods->xRead(w, got, PG, 56), SQLITE_OK);

	/* Unclassifiable I/O; page 0. */
	ck_assert_int_eq(w->pMethods->xWrite(w, page, PG, 60),
	    SQLITE_IOERR_WRITE);
	ck_assert_int_eq(w->pMethods->xWrite(w, page, 100, 56),
	    SQLITE_IOERR_WRITE);
	ck_assert_int_eq(w->pMethods->xWrite(w, page, 10, 5), SQLITE_IOERR_WRITE);
	ck_assert_int_eq(w->pMethods->xRead(w, got, 100, 40), SQLITE_IOERR_READ);
	ck_assert_int_eq(w->pMethods->xRead(w, got, PG, 60), SQLITE_IOERR_READ);
	memset(fh, 0, 4);
	ck_assert_int_eq(w->pMethods->xWrite(w, fh, 24, 32 + 2 * (PG + 24)),
	    SQLITE_OK);
	ck_assert_int_eq(w->pMethods->xWrite(w, page, PG,
	    32 + 2 * (PG + 24) + 24), SQLITE_IOERR_WRITE);
	vfsx_close(w);
	vfsx_close(m);
	free(walp);
	sqlite3_free_filename(v.fn);
	fx_done(&x);
}
END_TEST

/* SQLite splits a WAL page write in two only when the file system does
 * not promise power-safe overwrites (psow=0); the cipher cannot seal half a
 * page, so such a commit fails cleanly and the store stays as it was. */
START_TEST(split_wal_writes_fail_cleanly)
{
	sqlite3 *db;
	struct fx x;
	char *uri;
	int rc, n;

	fx_init(&x);
	db = st_open(x.db, "wal", NULL, NULL);
	make_rows(db, 100);
	sqlite3_close(db);
	uri = sqlite3_mprintf("file:%s?psow=0", x.db);
	ck_assert_int_eq(sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_URI, CIPHER_VFS_NAME), SQLITE_OK);
	st_exec(db, "PRAGMA temp_store = MEMORY; PRAGMA synchronous = FULL");
	st_log_reset();
	rc = st_try(db, "INSERT INTO t VALUES (1000, 'never'); "
	    "INSERT INTO t VALUES (1001, 'never')");
	ck_assert_int_eq(rc & 0xff, SQLITE_IOERR);
	ck_assert_int_ge(st_log_count("refused a WAL write"), 1);
	sqlite3_close(db);
	sqlite3_free(uri);
	db = st_open(x.db, NULL, NULL, NULL);
	ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 100);
	ck_assert(st_integrity_ok(db));
	sqlite3_close(db);
	fx_done(&x);
}
END_TEST

/* Pages allocated and freed in one transaction are never written; a
 * checkpoint then grows the file over them.  Every page inside the file must
 * still be readable (VACUUM and the backup API read free pages too), while
 * a page of zeros written by someone else is refused. */
/* Written behind, a page past the end of the file is preceded by sealed
 * pages as well, also after a truncate made the file shorter than the
 * sealing thread last saw it; and failures of shape are still refused. */
START_TEST(write_behind_leaves_no_holes)
{
	unsigned char page[PG], got[PG];
	sqlite3_int64 sz = 0;
	sqlite3_file *f;
	struct vfsx v;
	struct fx x;
	int rc, i, on = 1, off = 0;

	fx_init(&x);
	vfsx_init(&v, x.db);
	f = vfsx_open(&v, v.fn, SQLITE_OPEN_MAIN_DB, &rc);
	ck_assert_int_eq(rc, SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xFileControl(f,
	    CIPHER_FCNTL_WRITE_BEHIND, &on), SQLITE_MISUSE);
	make_page1(page, 40);
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG, 0), SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xFileControl(f,
	    CIPHER_FCNTL_WRITE_BEHIND, &on), SQLITE_OK);
	memset(page, 0x5a, sizeof page);
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG, 9 * PG), SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG - 1, 0),
	    SQLITE_IOERR_WRITE);
	ck_assert_int_eq(f->pMethods->xSync(f, SQLITE_SYNC_NORMAL), SQLITE_OK);
	ck_assert_uint_eq(file_size(x.db), 10 * PG);
	ck_assert_int_eq(f->pMethods->xTruncate(f, 3 * PG), SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG, 7 * PG), SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xWrite(f, page, PG, 8 * PG), SQLITE_OK);
	ck_assert_int_eq(f->pMethods->xFileSize(f, &sz), SQLITE_OK);
	ck_assert_int_eq(sz, 9 * PG);
	for (i = 3; i < 7; i++) {
		ck_assert_int_eq(f->pMethods->xRead(f, got, PG,
		    (sqlite3_int64)i * PG), SQLITE_OK);
		ck_assert_int_eq(got[0], 0);
		ck_assert_int_eq(got[PG - 41], 0);
	}
	for (i = 7; i < 9; i++) {
		ck_assert_int_eq(f->pMethods->xRead(f, got, PG,
		    (sqlite3_int64)i * PG), SQLITE_OK);
		ck_assert_mem_eq(got, page, PG - 40);
	}
	ck_assert_int_eq(f->pMethods->xFileControl(f,
	    CIPHER_FCNTL_WRITE_BEHIND, &off), SQLITE_OK);
	vfsx_close(f);
	sqlite3_free_filename(v.fn);
	fx_done(&x);
}
END_TEST

START_TEST(grown_files_have_no_holes)
{
	sqlite3 *db, *c;
	sqlite3_backup *bk;
	struct cutru_err e;
	unsigned char k2[CIPHER_KEY_BYTES], s2[CIPHER_STORE_ID_BYTES];
	char *copy;
	struct fx x;
	int n, mode;

	for (mode = 0; mode < 2; mode++) {
		fx_init(&x);
		db = st_open(x.db, mode ? "wal" : "delete", NULL, NULL);
		make_rows(db, 100);
		st_exec(db, "PRAGMA secure_delete = OFF; CREATE TABLE big(b); "
		    "BEGIN; INSERT INTO big VALUES (randomblob(200000)); "
		    "DELETE FROM big; COMMIT");
		st_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
		/* A new connection, so free pages come from the file. */
		sqlite3_close(db);
		db = st_open(x.db, NULL, NULL, NULL);
		ck_assert(st_integrity_ok(db));
		copy = st_path(x.dir, "copy.db");
		st_random_key(k2, s2);
		ck_assert_int_eq(cipher_key_attach(copy, k2, s2, &e), 0);
		c = st_open(copy, "delete", NULL, NULL);
		bk = sqlite3_backup_init(c, "main", db, "main");
		ck_assert_ptr_nonnull(bk);
		ck_assert_int_eq(sqlite3_backup_step(bk, -1), SQLITE_DONE);
		ck_assert_int_eq(sqlite3_backup_finish(bk), SQLITE_OK);
		sqlite3_close(c);
		st_exec(db, "VACUUM");
		ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
		ck_assert_int_eq(n, 100);
		sqlite3_close(db);
		cipher_key_detach(copy);
		free(copy);
		fx_done(&x);
	}
}
END_TEST

/* A transaction over two attached stores in rollback mode needs a
 * super-journal, whose name SQLite writes into each journal in the clear;
 * the cipher refuses it, so the commit fails and neither store changes. */
START_TEST(multi_store_commit_is_refused)
{
	unsigned char k2[CIPHER_KEY_BYTES], s2[CIPHER_STORE_ID_BYTES];
	struct cutru_err e;
	char *other, sql[4200];
	sqlite3 *db, *o;
	struct fx x;
	int n;

	fx_init(&x);
	other = st_path(x.dir, "other.db");
	st_random_key(k2, s2);
	ck_assert_int_eq(cipher_key_attach(other, k2, s2, &e), 0);
	o = st_open(other, "delete", NULL, NULL);
	make_rows(o, 10);
	sqlite3_close(o);
	db = st_open(x.db, "delete", NULL, NULL);
	make_rows(db, 10);
	snprintf(sql, sizeof sql, "ATTACH '%s' AS other", other);
	st_exec(db, sql);
	st_exec(db, "BEGIN; INSERT INTO main.t VALUES (100, 'x'); "
	    "INSERT INTO other.t VALUES (100, 'y')");
	ck_assert_int_ne(st_try(db, "COMMIT"), SQLITE_OK);
	st_try(db, "ROLLBACK");
	ck_assert_int_eq(read_rows(db, &n), SQLITE_DONE);
	ck_assert_int_eq(n, 10);
	ck_assert_int_eq(st_int(db, "SELECT count(*) FROM other.t"), 10);
	/* One store at a time is fine. */
	st_exec(db, "INSERT INTO other.t VALUES (101, 'z')");
	ck_assert_int_eq(st_int(db, "SELECT count(*) FROM other.t"), 11);
	sqlite3_close(db);
	cipher_key_detach(other);
	free(other);
	fx_done(&x);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("cipher");
	TCase *tc;

	st_init();
	tc = tcase_create("api");
	tcase_add_test(tc, register_is_idempotent_and_not_default);
	tcase_add_test(tc, attach_checks_arguments_and_detach_forgets);
	tcase_add_test(tc, open_refuses_bad_options_and_locked_store);
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, rollback_roundtrip_and_reopen);
	tcase_add_test(tc, wal_roundtrip_and_reopen);
	tcase_add_test(tc, wal_readers_see_uncheckpointed_frames);
	tcase_add_test(tc, detach_keeps_open_connections);
	tcase_add_test(tc, random_workload_rollback);
	tcase_add_test(tc, random_workload_wal);
	tcase_add_test(tc, random_workload_write_behind);
	tcase_add_test(tc, write_behind_roundtrip_and_reopen);
	suite_add_tcase(s, tc);

	tc = tcase_create("at_rest");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, no_plaintext_at_rest_rollback);
	tcase_add_test(tc, no_plaintext_at_rest_wal);
	tcase_add_test(tc, rekey_by_vacuum_into_and_by_backup);
	tcase_add_test(tc, vacuum_through_the_cipher);
	suite_add_tcase(s, tc);

	tc = tcase_create("tamper");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tamper_bit_flips_in_the_database);
	tcase_add_test(tc, tamper_page_one_is_not_a_database);
	tcase_add_test(tc, tamper_swapped_pages);
	tcase_add_test(tc, tamper_spliced_from_another_store);
	tcase_add_test(tc, tamper_wal_frame_live);
	tcase_add_test(tc, wal_recovery_and_tampered_frame_at_rest);
	tcase_add_test(tc, hot_journal_rollback_and_tampered_journal);
	suite_add_tcase(s, tc);

	tc = tcase_create("vfs");
	tcase_add_test(tc, vfs_database_calls);
	tcase_add_test(tc, vfs_journal_calls);
	tcase_add_test(tc, vfs_wal_calls);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, header_on_disk_has_tag_page_size_and_reserve);
	tcase_add_test(tc, wrong_key_is_not_a_database);
	tcase_add_test(tc, plain_sqlite_and_cipher_refuse_each_other);
	tcase_add_test(tc, database_without_reserve_cannot_commit);
	tcase_add_test(tc, temporary_files_are_refused);
	tcase_add_test(tc, sort_runs_stay_in_memory);
	tcase_add_test(tc, vfs_sort_run_calls);
	tcase_add_test(tc, mmap_is_off_and_no_subpage_reads);
	tcase_add_test(tc, split_wal_writes_fail_cleanly);
	tcase_add_test(tc, grown_files_have_no_holes);
	tcase_add_test(tc, write_behind_leaves_no_holes);
	tcase_add_test(tc, multi_store_commit_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
