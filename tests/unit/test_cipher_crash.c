#include "config.h"

/* Crash consistency of the encrypted store.  A child process commits small
 * transactions (synchronous = FULL) and is killed with SIGKILL at a random
 * moment: while opening, while recovering the previous crash, in the middle
 * of a transaction, of a commit or of a checkpoint.  After every kill the
 * store must open, pass integrity_check, and hold every transaction whose
 * COMMIT returned SQLITE_DONE in the child.  The child writes a
 * transaction's id to a pipe only after sqlite3_step() has returned
 * SQLITE_DONE for its COMMIT: that is what "commit returned" means to a
 * caller.  A transaction that committed but whose id was not yet written may
 * be present or not; a transaction is always all there or not at all.
 *
 * The rollback-journal run is made again with the database written behind
 * (cipher_write_behind(), the bulk import's way: pages sealed and written,
 * directly where the file system allows, by the cipher's own threads), so
 * that kills also land while a commit's pages are still in its ring.
 *
 * 100 kills per journal mode by default; CUTRU_LONG_TESTS=1 makes it 1000. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/err.h"
#include "localdb/cipher.h"
#include "tests/tools/storetest.h"
#include "tests/unit/tap_main.h"

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int
iterations(void)
{
	const char *l = getenv("CUTRU_LONG_TESTS");

	return l != NULL && l[0] != '\0' && strcmp(l, "0") != 0 ? 1000 : 100;
}

/* The child: commit transactions until killed, its database written
 * behind if wb.  Never returns. */
static void
child_run(const char *path, const char *mode, int wb, int fd, uint64_t seed)
{
	struct cipher_open_opts o = { NULL, mode, 0, "full" };
	struct cutru_err e;
	sqlite3_stmt *row, *txn, *top;
	sqlite3 *db;
	int64_t id;
	int i, n, rc;

	if (cipher_db_open(path, SQLITE_OPEN_READWRITE, &o, &db, &e) != 0)
		_exit(2);
	if (wb && cipher_write_behind(db, 1) != SQLITE_OK)
		_exit(11);
	if (sqlite3_exec(db, "PRAGMA cache_size = 30; "
	    "PRAGMA wal_autocheckpoint = 40", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO rows(txn, i, payload) "
	    "VALUES (?, ?, randomblob(?))", -1, &row, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO txn(id, nrows) VALUES (?, ?)",
	    -1, &txn, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) + 1 FROM txn",
	    -1, &top, NULL) != SQLITE_OK)
		_exit(3);
	for (;;) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
		    SQLITE_OK)
			_exit(4);
		if (sqlite3_step(top) != SQLITE_ROW)
			_exit(5);
		id = sqlite3_column_int64(top, 0);
		sqlite3_reset(top);
		n = 1 + (int)(rnd(&seed) % 4);
		for (i = 0; i < n; i++) {
			sqlite3_bind_int64(row, 1, id);
			sqlite3_bind_int(row, 2, i);
			sqlite3_bind_int(row, 3, rnd(&seed) % 10 == 0 ?
			    2000 + (int)(rnd(&seed) % 9000) :
			    10 + (int)(rnd(&seed) % 400));
			if (sqlite3_step(row) != SQLITE_DONE)
				_exit(6);
			sqlite3_reset(row);
		}
		sqlite3_bind_int64(txn, 1, id);
		sqlite3_bind_int(txn, 2, n);
		if (sqlite3_step(txn) != SQLITE_DONE)
			_exit(7);
		sqlite3_reset(txn);
		/* Churn: free pages and reuse them. */
		if (sqlite3_exec(db, "INSERT INTO churn(b) VALUES "
		    "(randomblob(1500)); DELETE FROM churn WHERE rowid < "
		    "(SELECT max(rowid) FROM churn) - 20", NULL, NULL, NULL) !=
		    SQLITE_OK)
			_exit(8);
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			_exit(9);
		/* COMMIT has returned: only now is the id reported. */
		if (write(fd, &id, sizeof id) != (ssize_t)sizeof id)
			_exit(10);
	}
}

struct crash_state {
	int64_t *ids;
	size_t n, cap;
	int kills_in_commit;      /* runs that reported a commit */
};

static void
ids_add(struct crash_state *cs, int64_t id)
{
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? cs->cap * 2 : 256;
		cs->ids = realloc(cs->ids, cs->cap * sizeof *cs->ids);
		ck_assert_ptr_nonnull(cs->ids);
	}
	cs->ids[cs->n++] = id;
}

/* Kill the child delay_us after it starts, or, with after_commit, delay_us
 * after it reports its first commit (so that the test makes progress
 * however slow the machine is); collect what it reported. */
static int
run_and_kill(const char *path, const char *mode, int wb, uint64_t seed,
    long delay_us, int after_commit, struct crash_state *cs)
{
	struct timespec ts;
	struct pollfd pfd;
	int fds[2], status, got = 0;
	int64_t id;
	pid_t pid;
	ssize_t r;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		child_run(path, mode, wb, fds[1], seed);
		_exit(1);
	}
	close(fds[1]);
	if (after_commit) {
		pfd.fd = fds[0];
		pfd.events = POLLIN;
		ck_assert_msg(poll(&pfd, 1, 20000) == 1,
		    "the child committed nothing in 20 s");
		ck_assert_int_eq(read(fds[0], &id, sizeof id), sizeof id);
		ids_add(cs, id);
		got++;
	}
	ts.tv_sec = delay_us / 1000000;
	ts.tv_nsec = (delay_us % 1000000) * 1000;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "child stopped by itself (status %d)", status);
	/* The write end is closed: read to end of file. */
	while ((r = read(fds[0], &id, sizeof id)) == (ssize_t)sizeof id) {
		ids_add(cs, id);
		got++;
	}
	ck_assert_int_eq(r, 0);
	close(fds[0]);
	return got;
}

static void
verify(const char *path, const struct crash_state *cs)
{
	sqlite3_stmt *st;
	sqlite3 *db;
	size_t i;

	db = st_open(path, NULL, NULL, NULL);
	ck_assert_msg(st_integrity_ok(db), "integrity_check failed");
	/* Every transaction is all there: its rows match its count. */
	ck_assert_int_eq(st_int(db, "SELECT count(*) FROM txn t WHERE nrows <> "
	    "(SELECT count(*) FROM rows r WHERE r.txn = t.id)"), 0);
	ck_assert_int_eq(st_int(db, "SELECT count(*) FROM rows WHERE txn NOT "
	    "IN (SELECT id FROM txn)"), 0);
	/* Every reported commit is there. */
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT 1 FROM txn WHERE id = ?",
	    -1, &st, NULL), SQLITE_OK);
	for (i = 0; i < cs->n; i++) {
		sqlite3_bind_int64(st, 1, cs->ids[i]);
		ck_assert_msg(sqlite3_step(st) == SQLITE_ROW,
		    "committed transaction %lld lost", (long long)cs->ids[i]);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
crash_loop(const char *mode, int wb)
{
	unsigned char key[CIPHER_KEY_BYTES], sid[CIPHER_STORE_ID_BYTES];
	struct crash_state cs = { NULL, 0, 0, 0 };
	struct cutru_err e;
	char *dir, *path;
	uint64_t s;
	sqlite3 *db;
	int it, n = iterations();
	time_t t0 = time(NULL);

	dir = st_mkdtemp();
	path = st_path(dir, "store.db");
	st_random_key(key, sid);
	ck_assert_int_eq(cipher_key_attach(path, key, sid, &e), 0);
	db = st_open(path, mode, "full", NULL);
	st_exec(db, "CREATE TABLE txn(id INTEGER PRIMARY KEY, nrows INT);"
	    "CREATE TABLE rows(txn INT, i INT, payload BLOB);"
	    "CREATE INDEX rows_txn ON rows(txn);"
	    "CREATE TABLE churn(b BLOB)");
	sqlite3_close(db);
	randombytes_buf(&s, sizeof s);
	s |= 1;
	for (it = 0; it < n; it++) {
		/* One kill in four at any time from the start (opening,
		 * recovering the previous crash); the others at a random
		 * moment after the first commit. */
		int early = rnd(&s) % 4 == 0;
		long delay = (long)(rnd(&s) % (early ? 30000 : 40000));

		if (run_and_kill(path, mode, wb, rnd(&s), delay, !early, &cs) >
		    0)
			cs.kills_in_commit++;
		verify(path, &cs);
	}
	printf("# %s%s: %d kills, %zu commits reported, %d runs committed, "
	    "%lds\n", mode, wb ? ", write-behind" : "", n, cs.n,
	    cs.kills_in_commit, (long)(time(NULL) - t0));
	ck_assert_int_ge(cs.kills_in_commit, n / 2);
	cipher_key_detach(path);
	free(cs.ids);
	st_rmtree(dir);
	free(path);
	free(dir);
}

START_TEST(crash_rollback_journal)
{
	crash_loop("delete", 0);
}
END_TEST

START_TEST(crash_write_behind)
{
	crash_loop("delete", 1);
}
END_TEST

START_TEST(crash_wal)
{
	crash_loop("wal", 0);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("cipher_crash");
	TCase *tc = tcase_create("crash");

	st_init();
	tcase_set_timeout(tc, 3600);
	tcase_add_test(tc, crash_rollback_journal);
	tcase_add_test(tc, crash_wal);
	tcase_add_test(tc, crash_write_behind);
	suite_add_tcase(s, tc);
	return s;
}
