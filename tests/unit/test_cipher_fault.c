#include "config.h"

/* The encrypted store on a failing disk.  A fault-injecting VFS sits UNDER
 * the page cipher, so the faults hit ciphertext as a real disk would: an
 * I/O error on a read or a write, a full disk, a write cut in half, a failed
 * fsync, a failed truncate, once or from then on.  For each kind of fault
 * and each journal mode, the Nth operation of that kind fails, for N = 1, 2,
 * ... until the workload runs through without meeting the fault.  Each time:
 * the caller gets an ordinary error (never a crash, never wrong data), and
 * after reopening without faults the store passes integrity_check, every
 * transaction whose COMMIT succeeded is there, and every transaction is
 * all there or not at all.  The same again with the database written
 * behind (cipher_write_behind(), the bulk import's way): a failure the
 * cipher's thread meets reaches the caller at a later write or sync. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "core/err.h"
#include "localdb/cipher.h"
#include "tests/tools/faultvfs.h"
#include "tests/tools/storetest.h"
#include "tests/unit/tap_main.h"

#define FAULT_VFS "cutru-fault"
#define CIPHER_FAULT_VFS "cutru-cipher-fault"
#define BASE_TXNS 3
#define LAST_TXN 8

/* An error a caller can handle: I/O, disk full, cannot open.  A fault on
 * the disk must never surface as anything else, and never as success with
 * wrong data. */
static void
assert_clean_error(int rc, const char *what)
{
	int p = rc & 0xff;

	ck_assert_msg(p == SQLITE_IOERR || p == SQLITE_FULL ||
	    p == SQLITE_CANTOPEN, "%s: unexpected error %d (%s)", what, rc,
	    sqlite3_errstr(rc));
}

static int
insert_txn(sqlite3 *db, int id)
{
	char sql[256];
	int rc;

	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sqlite3_extended_errcode(db);
	snprintf(sql, sizeof sql, "INSERT INTO rows(txn, i, payload) "
	    "VALUES (%d, 0, randomblob(300)), (%d, 1, randomblob(5000)), "
	    "(%d, 2, randomblob(%d)); INSERT INTO txn VALUES (%d, 3); "
	    "DELETE FROM churn; INSERT INTO churn VALUES (randomblob(9000))",
	    id, id, id, 100 * id, id);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = sqlite3_extended_errcode(db);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

/* One run with the countdown-th operation of kind failing, the database
 * written behind if wb.  Returns the number of faults injected. */
static int
run_one(enum faultvfs_kind kind, const char *mode, int countdown, int persist,
    int wb)
{
	unsigned char key[CIPHER_KEY_BYTES], sid[CIPHER_STORE_ID_BYTES];
	struct cipher_open_opts o = { CIPHER_FAULT_VFS, mode, 0, "full" };
	int committed[LAST_TXN + 1] = { 0 };
	struct cutru_err e;
	char *dir, *path;
	sqlite3 *db;
	int t, rc, hits;

	dir = st_mkdtemp();
	path = st_path(dir, "store.db");
	st_random_key(key, sid);
	ck_assert_int_eq(cipher_key_attach(path, key, sid, &e), 0);
	db = st_open(path, mode, "off", NULL);
	st_exec(db, "CREATE TABLE txn(id INTEGER PRIMARY KEY, nrows INT);"
	    "CREATE TABLE rows(txn INT, i INT, payload BLOB);"
	    "CREATE INDEX rows_txn ON rows(txn); CREATE TABLE churn(b BLOB)");
	for (t = 1; t <= BASE_TXNS; t++) {
		ck_assert_int_eq(insert_txn(db, t), SQLITE_OK);
		committed[t] = 1;
	}
	sqlite3_close(db);

	faultvfs_arm(kind, countdown, persist);
	db = NULL;
	rc = cipher_db_open(path, SQLITE_OPEN_READWRITE, &o, &db, &e);
	if (rc != 0) {
		ck_assert_msg(rc == CUTRU_EIO, "open under fault: %d %s", rc,
		    e.msg);
	} else {
		st_exec(db, "PRAGMA cache_size = 8");
		if (wb)
			ck_assert_int_eq(cipher_write_behind(db, wb), SQLITE_OK);
		for (t = BASE_TXNS + 1; t <= LAST_TXN; t++) {
			rc = insert_txn(db, t);
			if (rc == SQLITE_OK)
				committed[t] = 1;
			else
				assert_clean_error(rc, "commit");
			if (t == BASE_TXNS + 2) {
				rc = sqlite3_exec(db, strcmp(mode, "wal") == 0 ?
				    "PRAGMA wal_checkpoint(TRUNCATE)" :
				    "SELECT count(*) FROM rows", NULL, NULL,
				    NULL);
				if (rc != SQLITE_OK)
					assert_clean_error(
					    sqlite3_extended_errcode(db),
					    "checkpoint");
			}
		}
	}
	hits = faultvfs_hits();
	faultvfs_disarm();
	sqlite3_close(db);

	/* Without faults: consistent, and nothing committed is lost. */
	db = st_open(path, NULL, NULL, NULL);
	ck_assert_msg(st_integrity_ok(db), "integrity after fault %d/%s/%d",
	    kind, mode, countdown);
	ck_assert_int_eq(st_int(db, "SELECT count(*) FROM txn t WHERE nrows <> "
	    "(SELECT count(*) FROM rows r WHERE r.txn = t.id)"), 0);
	ck_assert_int_eq(st_int(db, "SELECT count(*) FROM rows WHERE txn NOT "
	    "IN (SELECT id FROM txn)"), 0);
	for (t = 1; t <= LAST_TXN; t++) {
		char sql[64];

		if (!committed[t])
			continue;
		snprintf(sql, sizeof sql, "SELECT count(*) FROM txn WHERE id = %d",
		    t);
		ck_assert_msg(st_int(db, sql) == 1, "committed txn %d lost "
		    "(fault %d/%s/%d)", t, kind, mode, countdown);
	}
	/* And it takes new work. */
	ck_assert_int_eq(insert_txn(db, LAST_TXN + 1), SQLITE_OK);
	sqlite3_close(db);
	cipher_key_detach(path);
	st_rmtree(dir);
	free(path);
	free(dir);
	return hits;
}

static void
fault_sweep(enum faultvfs_kind kind, const char *mode, int wb)
{
	int persist, countdown, hits, runs = 0;

	for (persist = 0; persist <= 1; persist++) {
		/* One-shot faults: every operation early on (opening,
		 * recovery, the first commit), then every third one.
		 * Persistent faults: every fourth operation. */
		for (countdown = 1; countdown < 1000; countdown += persist ? 4 :
		    countdown < 24 ? 1 : 3) {
			hits = run_one(kind, mode, countdown, persist, wb);
			runs++;
			if (hits == 0)
				break;
		}
		ck_assert_int_gt(countdown, 1);
	}
	printf("# fault %d, %s%s: %d runs\n", kind, mode,
	    wb == 2 ? ", write-behind, sealed by the caller" : wb ?
	    ", write-behind" : "", runs);
}

#define FAULT_TEST(name, kind, rollback_mode) \
	START_TEST(name##_rollback) { fault_sweep(kind, rollback_mode, 0); } \
	END_TEST \
	START_TEST(name##_wal) { fault_sweep(kind, "wal", 0); } END_TEST \
	START_TEST(name##_write_behind) \
	{ fault_sweep(kind, rollback_mode, 1); } END_TEST \
	START_TEST(name##_caller_seals) \
	{ fault_sweep(kind, rollback_mode, 2); } END_TEST

FAULT_TEST(read_error, FAULTVFS_EIO_READ, "delete")
FAULT_TEST(write_error, FAULTVFS_EIO_WRITE, "delete")
FAULT_TEST(disk_full, FAULTVFS_ENOSPC, "delete")
FAULT_TEST(short_write, FAULTVFS_SHORT_WRITE, "delete")
FAULT_TEST(failed_fsync, FAULTVFS_FSYNC, "delete")
/* Journal mode TRUNCATE truncates the journal at every commit. */
FAULT_TEST(failed_truncate, FAULTVFS_TRUNCATE, "truncate")

/* The fault layer itself: a countdown, one-shot or persistent. */
START_TEST(faultvfs_counts_down)
{
	sqlite3 *db;
	char *dir = st_mkdtemp(), *path = st_path(dir, "plain.db");

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, FAULT_VFS), SQLITE_OK);
	st_exec(db, "CREATE TABLE a(x)");
	faultvfs_arm(FAULTVFS_EIO_WRITE, 1, 0);
	ck_assert_int_eq(st_try(db, "INSERT INTO a VALUES (1)") & 0xff,
	    SQLITE_IOERR);
	ck_assert_int_eq(faultvfs_hits(), 1);
	ck_assert_int_eq(st_try(db, "INSERT INTO a VALUES (2)"), SQLITE_OK);
	faultvfs_arm(FAULTVFS_ENOSPC, 1, 1);
	ck_assert_int_eq(st_try(db, "INSERT INTO a VALUES (3)"), SQLITE_FULL);
	ck_assert_int_eq(st_try(db, "INSERT INTO a VALUES (4)"), SQLITE_FULL);
	ck_assert_int_ge(faultvfs_hits(), 2);
	faultvfs_disarm();
	ck_assert_int_eq(st_int(db, "SELECT count(*) FROM a"), 1);
	sqlite3_close(db);
	st_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("cipher_fault");
	struct cutru_err e;
	TCase *tc;

	st_init();
	if (faultvfs_register(FAULT_VFS, NULL) != SQLITE_OK ||
	    cipher_vfs_register_over(FAULT_VFS, CIPHER_FAULT_VFS, &e) != 0)
		abort();
	tc = tcase_create("fault");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, faultvfs_counts_down);
	tcase_add_test(tc, read_error_rollback);
	tcase_add_test(tc, read_error_wal);
	tcase_add_test(tc, write_error_rollback);
	tcase_add_test(tc, write_error_wal);
	tcase_add_test(tc, disk_full_rollback);
	tcase_add_test(tc, disk_full_wal);
	tcase_add_test(tc, short_write_rollback);
	tcase_add_test(tc, short_write_wal);
	tcase_add_test(tc, failed_fsync_rollback);
	tcase_add_test(tc, failed_fsync_wal);
	tcase_add_test(tc, failed_truncate_rollback);
	tcase_add_test(tc, failed_truncate_wal);
	tcase_add_test(tc, read_error_write_behind);
	tcase_add_test(tc, write_error_write_behind);
	tcase_add_test(tc, disk_full_write_behind);
	tcase_add_test(tc, short_write_write_behind);
	tcase_add_test(tc, failed_fsync_write_behind);
	tcase_add_test(tc, failed_truncate_write_behind);
	tcase_add_test(tc, read_error_caller_seals);
	tcase_add_test(tc, write_error_caller_seals);
	tcase_add_test(tc, disk_full_caller_seals);
	tcase_add_test(tc, short_write_caller_seals);
	tcase_add_test(tc, failed_fsync_caller_seals);
	tcase_add_test(tc, failed_truncate_caller_seals);
	suite_add_tcase(s, tc);
	return s;
}
