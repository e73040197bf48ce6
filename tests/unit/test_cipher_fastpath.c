#include "config.h"

/* The page cipher's fast paths (the NONCES, PAGE 1 HEADER READS and FILE
 * SIZE parts of the essay in localdb/cipher.c): nonces never repeat, not
 * across refills of a handle's generator, not across handles, not between
 * a process and its fork; a connection that answers header reads from what
 * it remembers still sees every change made by another connection, and
 * never data altered on disk; two connections growing and shrinking the
 * file in turn leave no hole in it. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "core/err.h"
#include "localdb/cipher.h"
#include "tests/tools/storetest.h"
#include "tests/unit/tap_main.h"

#define PGSZ 4096
#define NONCE_BYTES 24

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

/* The nonce of page pgno as it is on disk. */
static void
page_nonce(const char *path, int pgno, unsigned char nonce[NONCE_BYTES])
{
	st_peek(path, (long)pgno * PGSZ - CIPHER_RESERVE_BYTES, nonce,
	    NONCE_BYTES);
}

static int
cmp_nonce(const void *a, const void *b)
{
	return memcmp(a, b, NONCE_BYTES);
}

/* Number of equal neighbours once sorted: 0 when all n are distinct. */
static int
repeats(unsigned char (*nonces)[NONCE_BYTES], int n)
{
	int i, r = 0;

	qsort(nonces, (size_t)n, NONCE_BYTES, cmp_nonce);
	for (i = 1; i < n; i++)
		r += memcmp(nonces[i - 1], nonces[i], NONCE_BYTES) == 0;
	return r;
}

/* The same page rewritten with the same content, by two connections in
 * turn, hundreds of times (many refills of each handle's generator):
 * every version on disk carries a nonce never seen before. */
START_TEST(nonces_never_repeat)
{
	enum { ROUNDS = 200 };
	static unsigned char nonces[2 * ROUNDS][NONCE_BYTES];
	sqlite3 *a, *b;
	struct fx x;
	int i;

	fx_init(&x);
	a = st_open(x.db, "delete", NULL, NULL);
	b = st_open(x.db, "delete", NULL, NULL);
	st_exec(a, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT); "
	    "INSERT INTO t VALUES (1, 'same')");
	for (i = 0; i < ROUNDS; i++) {
		/* Page 2 is t's only page: its content alternates between
		 * two versions, so the same plaintext is sealed again and
		 * again at the same place.  (SQLite does not write a row
		 * updated to what it already holds.) */
		st_exec(i % 2 ? b : a, "UPDATE t SET v = CASE v WHEN 'same' "
		    "THEN 'else' ELSE 'same' END WHERE k = 1");
		page_nonce(x.db, 2, nonces[2 * i]);
		page_nonce(x.db, 1, nonces[2 * i + 1]);
	}
	ck_assert_int_eq(repeats(nonces, 2 * ROUNDS), 0);
	ck_assert(st_integrity_ok(a));
	sqlite3_close(a);
	sqlite3_close(b);
	fx_done(&x);
}
END_TEST

/* A child that writes through a connection its parent opened and used
 * (which SQLite forbids, but a nonce must not repeat even then) draws
 * other nonces than the parent does for the same writes afterwards. */
START_TEST(fork_draws_new_nonces)
{
	unsigned char in_child[NONCE_BYTES], in_parent[NONCE_BYTES];
	sqlite3 *db;
	struct fx x;
	int fd[2], status;
	pid_t pid;

	fx_init(&x);
	db = st_open(x.db, "delete", NULL, NULL);
	st_exec(db, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT); "
	    "INSERT INTO t VALUES (1, 'first')");
	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int ok = sqlite3_exec(db, "UPDATE t SET v = 'child' "
		    "WHERE k = 1", NULL, NULL, NULL) == SQLITE_OK;

		page_nonce(x.db, 2, in_child);
		ok = ok && write(fd[1], in_child, sizeof in_child) ==
		    (ssize_t)sizeof in_child;
		_exit(ok ? 0 : 1);
	}
	close(fd[1]);
	ck_assert_int_eq(read(fd[0], in_child, sizeof in_child),
	    (ssize_t)sizeof in_child);
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The same writes (pages, sizes, order) from the parent. */
	st_exec(db, "UPDATE t SET v = 'paren' WHERE k = 1");
	page_nonce(x.db, 2, in_parent);
	ck_assert(memcmp(in_child, in_parent, NONCE_BYTES) != 0);
	ck_assert(st_integrity_ok(db));
	sqlite3_close(db);
	fx_done(&x);
}
END_TEST

/* In rollback mode a connection answers SQLite's header reads from the
 * page 1 it remembers; it must still see each commit of another
 * connection at once. */
START_TEST(header_reads_see_other_writers)
{
	sqlite3 *a, *b;
	struct fx x;
	int i;

	fx_init(&x);
	a = st_open(x.db, "delete", NULL, NULL);
	b = st_open(x.db, "delete", NULL, NULL);
	st_exec(a, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)");
	for (i = 1; i <= 50; i++) {
		char sql[96];

		snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d, "
		    "printf('%%.*c', %d, 'v'))", i, 100 + i * 37);
		st_exec(i % 2 ? b : a, sql);
		ck_assert_int_eq(st_int(a, "SELECT count(*) FROM t"), i);
		ck_assert_int_eq(st_int(b, "SELECT count(*) FROM t"), i);
		ck_assert_int_eq(st_int(a, "SELECT sum(length(v)) FROM t"),
		    st_int(b, "SELECT sum(length(v)) FROM t"));
	}
	/* A schema change by one is seen by the other too. */
	st_exec(b, "CREATE TABLE u(x)");
	ck_assert_int_eq(st_int(a, "SELECT count(*) FROM sqlite_schema "
	    "WHERE name = 'u'"), 1);
	ck_assert(st_integrity_ok(a));
	sqlite3_close(a);
	sqlite3_close(b);
	fx_done(&x);
}
END_TEST

/* Page 1 altered on disk, nonce and tag kept: a connection that remembers
 * page 1 goes on answering with the authentic values (never the altered
 * ones), and any full read of page 1 fails as "not a database". */
START_TEST(header_cache_never_serves_altered_bytes)
{
	sqlite3 *a, *c = NULL;
	struct fx x;
	int rc;

	fx_init(&x);
	a = st_open(x.db, "delete", NULL, NULL);
	st_exec(a, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT); "
	    "INSERT INTO t VALUES (1, 'one'), (2, 'two')");
	ck_assert_int_eq(st_int(a, "SELECT count(*) FROM t"), 2);
	/* Bytes 24..39 (change counter and page count) and a byte of the
	 * schema table, in the ciphertext. */
	st_flip(x.db, 24, 0);
	st_flip(x.db, 27, 3);
	st_flip(x.db, 300, 5);
	rc = sqlite3_exec(a, "SELECT count(*) FROM t", NULL, NULL, NULL);
	ck_assert(rc == SQLITE_OK || (rc & 0xff) == SQLITE_NOTADB ||
	    (rc & 0xff) == SQLITE_CORRUPT);
	if (rc == SQLITE_OK)
		ck_assert_int_eq(st_int(a, "SELECT sum(k) FROM t"), 3);
	sqlite3_close(a);
	rc = sqlite3_open_v2(x.db, &c, SQLITE_OPEN_READWRITE, CIPHER_VFS_NAME);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(c, "SELECT count(*) FROM t", NULL, NULL, NULL);
	ck_assert_int_eq(rc & 0xff, SQLITE_NOTADB);
	sqlite3_close(c);
	fx_done(&x);
}
END_TEST

/* Whether any whole page of the file is all zeros (a hole). */
static int
has_zero_page(const char *path)
{
	unsigned char *buf;
	size_t len, off, i;
	int hole = 0;

	buf = st_slurp(path, &len);
	ck_assert_ptr_nonnull(buf);
	for (off = 0; off + PGSZ <= len && !hole; off += PGSZ) {
		for (i = 0; i < PGSZ && buf[off + i] == 0; i++)
			;
		hole = i == PGSZ;
	}
	free(buf);
	return hole;
}

/* Two connections in turn: one grows the file with pages freed in the
 * same transaction (which SQLite never writes), the other shrinks it with
 * VACUUM.  The size each one remembers while writing must never outlive
 * its lock: the file stays without holes, and readable end to end. */
START_TEST(writers_in_turn_leave_no_holes)
{
	sqlite3 *a, *b;
	struct fx x;
	int mode, i;

	for (mode = 0; mode < 2; mode++) {
		fx_init(&x);
		a = st_open(x.db, mode ? "wal" : "delete", NULL, NULL);
		b = st_open(x.db, NULL, NULL, NULL);
		st_exec(a, "PRAGMA secure_delete = OFF; CREATE TABLE keep(v); "
		    "CREATE TABLE big(b)");
		st_exec(b, "PRAGMA secure_delete = OFF");
		for (i = 0; i < 6; i++) {
			sqlite3 *g = i % 2 ? b : a, *s = i % 2 ? a : b;

			st_exec(g, "BEGIN; INSERT INTO big "
			    "VALUES (randomblob(120000)); "
			    "INSERT INTO keep VALUES (randomblob(9000)); "
			    "DELETE FROM big; COMMIT");
			st_exec(g, "PRAGMA wal_checkpoint(TRUNCATE)");
			ck_assert(!has_zero_page(x.db));
			st_exec(s, "DELETE FROM keep WHERE rowid % 2 = 0; VACUUM");
			st_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)");
			ck_assert(!has_zero_page(x.db));
		}
		ck_assert(st_integrity_ok(a));
		ck_assert(st_integrity_ok(b));
		sqlite3_close(a);
		sqlite3_close(b);
		a = st_open(x.db, NULL, NULL, NULL);
		/* VACUUM reads every page, free ones included. */
		st_exec(a, "VACUUM");
		ck_assert(st_integrity_ok(a));
		sqlite3_close(a);
		fx_done(&x);
	}
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("cipher_fastpath");
	TCase *tc = tcase_create("fastpath");

	st_init();
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, nonces_never_repeat);
	tcase_add_test(tc, fork_draws_new_nonces);
	tcase_add_test(tc, header_reads_see_other_writers);
	tcase_add_test(tc, header_cache_never_serves_altered_bytes);
	tcase_add_test(tc, writers_in_turn_leave_no_holes);
	suite_add_tcase(s, tc);
	return s;
}
