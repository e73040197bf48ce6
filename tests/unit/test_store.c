#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <check.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/err.h"
#include "localdb/cipher.h"
#include "localdb/keyring.h"
#include "localdb/store.h"
#include "localdb/storedir.h"
#include "tests/unit/tap_main.h"

static const char pass_lan[] = "correct horse battery";
static const char pass_mai[] = "mai officer ward 7";
static char tmpdir[256];
static char store[320];
static struct keyring_kdf kmin;
static const time_t t0 = 1700000000;

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/cutru-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(store, sizeof store, "%s/cutru", tmpdir);
	keyring_kdf_min(&kmin);
	ck_assert_int_ge(sodium_init(), 0);
}

static void
teardown(void)
{
	char cmd[400];

	storedir_set_fault_hook(NULL, NULL);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
in_store(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", store, name);
}

static mode_t
mode_of(const char *p)
{
	struct stat st;

	ck_assert_int_eq(stat(p, &st), 0);
	return st.st_mode & 07777;
}

static int
exists(const char *name)
{
	char p[512];

	in_store(p, sizeof p, name);
	return access(p, F_OK) == 0;
}

static void
exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		ck_abort_msg("%s: %s", sql, msg != NULL ? msg : "?");
	sqlite3_free(msg);
}

static long long
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
integrity_ok(sqlite3 *db)
{
	sqlite3_stmt *st;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
}

/* Rows 1..n, each "row-ID" with a 1000-byte blob made from the id. */
static void
add_rows(sqlite3 *db, int from, int to)
{
	char sql[200];

	snprintf(sql, sizeof sql, "WITH RECURSIVE c(i) AS (SELECT %d UNION "
	    "ALL SELECT i + 1 FROM c WHERE i < %d) INSERT INTO t SELECT i, "
	    "printf('row-%%d', i), zeroblob(1000) || i FROM c", from, to);
	exec_ok(db, sql);
}

/* The rows are exactly 1..max, each intact; returns max. */
static long long
rows_intact(sqlite3 *db)
{
	long long n, max;

	n = query_int(db, "SELECT count(*) FROM t");
	max = query_int(db, "SELECT coalesce(max(id), 0) FROM t");
	ck_assert_int_eq(n, max);
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM t WHERE "
	    "v != printf('row-%d', id) OR b != zeroblob(1000) || id"), 0);
	return max;
}

static struct store *
create_store(char *code)
{
	struct cutru_err e;
	struct store *s;

	ck_assert_int_eq(store_create(store, "lan", pass_lan, &kmin, code,
	    &s, &e), CUTRU_OK);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* A closed store with table t holding rows 1..n. */
static void
create_store_with_rows(char *code, int n)
{
	struct store *s = create_store(code);

	exec_ok(store_db(s), "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, "
	    "b BLOB)");
	if (n > 0)
		add_rows(store_db(s), 1, n);
	store_close(s);
}

static struct store *
open_lan(void)
{
	struct cutru_err e;
	struct store *s = NULL;
	int rc;

	rc = store_open(store, "lan", pass_lan, t0, &s, &e);
	if (rc != CUTRU_OK)
		ck_abort_msg("store_open: %d %s", rc, e.msg);
	return s;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char *b;
	FILE *f = fopen(path, "rb");
	long n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* ------------------------------------------------------------ config */

START_TEST(config_parses_and_refuses_with_line_numbers)
{
	struct store_config c;
	struct cutru_err e;
	static const char good[] = "# comment\r\n\n  kdf_opslimit = 2 \r\n"
	    "kdf_memlimit=65536\njournal_mode = delete\nsynchronous = extra\n"
	    "kdf_opslimit = 1";

	store_config_default(&c);
	ck_assert_uint_eq(c.kdf.opslimit, crypto_pwhash_OPSLIMIT_MODERATE);
	ck_assert_uint_eq(c.kdf.memlimit, crypto_pwhash_MEMLIMIT_MODERATE);
	ck_assert_str_eq(c.journal_mode, "wal");
	ck_assert_int_eq(c.synchronous, 2);
	ck_assert_int_eq(store_config_parse(good, strlen(good), &c, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(c.kdf.opslimit, 1); /* later lines win */
	ck_assert_uint_eq(c.kdf.memlimit, 65536);
	ck_assert_str_eq(c.journal_mode, "delete");
	ck_assert_int_eq(c.synchronous, 3);

	store_config_default(&c);
	ck_assert_int_eq(store_config_parse("\n\ncolour = blue\n", 15, &c,
	    &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "Line 3"));
	ck_assert_ptr_nonnull(strstr(e.msg, "colour"));
	ck_assert_str_eq(c.journal_mode, "wal"); /* untouched on error */
	ck_assert_int_eq(store_config_parse("journal_mode = off", 18, &c, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "journal_mode"));
	ck_assert_int_eq(store_config_parse("synchronous = off", 17, &c, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(store_config_parse("kdf_opslimit = -1", 17, &c, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(store_config_parse("kdf_opslimit = 99", 17, &c, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "Line 1"));
	ck_assert_int_eq(store_config_parse("kdf_memlimit = 12k", 18, &c, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(store_config_parse(
	    "kdf_memlimit = 99999999999999999999999", 38, &c, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(store_config_parse("just words", 10, &c, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(store_config_parse("KEY = 1", 7, &c, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(store_config_parse("= 1", 3, &c, &e), CUTRU_EINVAL);
	ck_assert_int_eq(store_config_parse("a\0b = 1", 7, &c, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(store_config_parse("", 0, &c, &e), CUTRU_OK);
	ck_assert_int_eq(store_config_parse(NULL, 0, &c, &e), CUTRU_OK);
	ck_assert_int_eq(store_config_parse(NULL, 1, &c, &e), CUTRU_EINVAL);
}
END_TEST

START_TEST(config_round_trips_and_must_be_private)
{
	struct store_config c, d;
	struct cutru_err e;
	char p[512];

	ck_assert_int_eq(mkdir(store, 0700), 0);
	ck_assert_int_eq(store_config_load(store, &c, &e), CUTRU_OK);
	ck_assert_str_eq(c.journal_mode, "wal");
	c.kdf = kmin;
	snprintf(c.journal_mode, sizeof c.journal_mode, "truncate");
	c.synchronous = 1;
	ck_assert_int_eq(store_config_save(store, &c, &e), CUTRU_OK);
	ck_assert_int_eq(store_config_load(store, &d, &e), CUTRU_OK);
	ck_assert_uint_eq(d.kdf.opslimit, kmin.opslimit);
	ck_assert_uint_eq(d.kdf.memlimit, kmin.memlimit);
	ck_assert_str_eq(d.journal_mode, "truncate");
	ck_assert_int_eq(d.synchronous, 1);
	in_store(p, sizeof p, "config");
	ck_assert_uint_eq(mode_of(p), 0600);
	ck_assert_int_eq(chmod(p, 0664), 0);
	ck_assert_int_eq(store_config_load(store, &d, &e), CUTRU_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "chmod 600"));
	c.synchronous = 0;
	ck_assert_int_eq(store_config_save(store, &c, &e), CUTRU_EINVAL);
}
END_TEST

/* ------------------------------------------------------------ create, open */

START_TEST(create_lays_out_a_private_store)
{
	char code[KEYRING_RECOVERY_CODE_SIZE], p[512];
	static const char *const files[] = { "keyring", "config",
	    "store-1.db", "lock" };
	static const char *const dirs[] = { "outbox/tmp", "outbox/new",
	    "outbox/cur", "inbox/tmp", "inbox/new", "inbox/cur" };
	struct store_config c;
	struct cutru_err e;
	struct store *s;
	size_t i;

	umask(0); /* the modes must not depend on it */
	s = create_store(code);
	ck_assert_uint_eq(strlen(code), KEYRING_RECOVERY_CODE_SIZE - 1);
	ck_assert_str_eq(store_dir(s), store);
	ck_assert_uint_eq(keyring_generation(store_keyring(s)), 1);
	ck_assert_str_eq(store_config(s)->journal_mode, "wal");
	ck_assert_int_eq(query_int(store_db(s), "PRAGMA application_id"),
	    STORE_APPLICATION_ID);
	exec_ok(store_db(s), "CREATE TABLE t(x)");
	exec_ok(store_db(s), "INSERT INTO t VALUES (1)");
	ck_assert_uint_eq(mode_of(store), 0700);
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		in_store(p, sizeof p, files[i]);
		ck_assert_uint_eq(mode_of(p), 0600);
	}
	in_store(p, sizeof p, "store-1.db-wal");
	ck_assert_uint_eq(mode_of(p), 0600);
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		in_store(p, sizeof p, dirs[i]);
		ck_assert_uint_eq(mode_of(p), 0700);
	}
	store_close(s);
	/* The config records the limits asked for. */
	ck_assert_int_eq(store_config_load(store, &c, &e), CUTRU_OK);
	ck_assert_uint_eq(c.kdf.memlimit, kmin.memlimit);
	/* Once is enough. */
	ck_assert_int_eq(store_create(store, "mai", pass_mai, &kmin, code, &s,
	    &e), CUTRU_ECONFLICT);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(e.msg, "already exists"));
	ck_assert_str_eq(code, "");
}
END_TEST

START_TEST(create_refuses_bad_input_before_making_anything)
{
	char code[KEYRING_RECOVERY_CODE_SIZE];
	struct keyring_kdf bad = { 1, 1 };
	struct cutru_err e;
	struct store *s;

	ck_assert_int_eq(store_create(store, "lan", "short", &kmin, code, &s,
	    &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "passphrase");
	ck_assert_int_eq(store_create(store, "Lan!", pass_lan, &kmin, code,
	    &s, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "login");
	ck_assert_int_eq(store_create(store, "lan", pass_lan, &bad, code, &s,
	    &e), CUTRU_ERANGE);
	ck_assert_int_eq(access(store, F_OK), -1);
	ck_assert_int_eq(store_create(store, "lan", pass_lan, &kmin, NULL, &s,
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(store_create(NULL, "lan", pass_lan, &kmin, code, &s,
	    &e), CUTRU_EINVAL);
}
END_TEST

START_TEST(an_interrupted_creation_can_be_redone)
{
	char code[KEYRING_RECOVERY_CODE_SIZE];
	struct cutru_err e;
	struct store *s;

	/* Fail the keyring write, the last step. */
	ck_assert_int_eq(storedir_create(store, &e), CUTRU_OK);
	ck_assert_int_eq(storedir_write_atomic(store, "store-1.db", "junk", 4,
	    0600, &e), CUTRU_OK);
	ck_assert_int_eq(storedir_write_atomic(store, "store-7.db-wal", "j",
	    1, 0600, &e), CUTRU_OK);
	ck_assert_int_eq(store_open(store, "lan", pass_lan, t0, &s, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "no keyring"));
	s = create_store(code);
	store_close(s);
	ck_assert(!exists("store-7.db-wal"));
	s = open_lan();
	ck_assert_int_eq(query_int(store_db(s), "PRAGMA application_id"),
	    STORE_APPLICATION_ID);
	store_close(s);
}
END_TEST

START_TEST(data_survives_close_and_open)
{
	char code[KEYRING_RECOVERY_CODE_SIZE], p[512];
	unsigned char *b;
	struct store *s;
	size_t len;

	create_store_with_rows(code, 100);
	s = open_lan();
	ck_assert_int_eq(rows_intact(store_db(s)), 100);
	ck_assert_str_eq(store_config(s)->journal_mode, "wal");
	integrity_ok(store_db(s));
	store_close(s);
	/* Nothing of the rows is on disk in the clear. */
	in_store(p, sizeof p, "store-1.db");
	b = slurp(p, &len);
	ck_assert_uint_gt(len, 100 * 1000);
	ck_assert_ptr_null(memmem(b, len, "row-42", 6));
	ck_assert_ptr_null(memmem(b, len, "SQLite format 3", 15));
	free(b);
}
END_TEST

START_TEST(open_errors_are_each_their_own)
{
	char code[KEYRING_RECOVERY_CODE_SIZE], p[512], q[512], want[600];
	struct cutru_err e;
	struct store *s = (void *)&e;

	ck_assert_int_eq(store_open(store, "lan", pass_lan, t0, &s, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_null(s);
	create_store_with_rows(code, 3);

	ck_assert_int_eq(store_open(store, "lan", "wrong passphrase", t0, &s,
	    &e), CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "passphrase");
	ck_assert_ptr_nonnull(strstr(e.msg, "Wrong passphrase"));
	ck_assert_int_eq(store_open(store, "nobody", pass_lan, t0, &s, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "login");

	/* Permissions, each with its fix. */
	in_store(p, sizeof p, "keyring");
	ck_assert_int_eq(chmod(p, 0640), 0);
	ck_assert_int_eq(store_open(store, "lan", pass_lan, t0, &s, &e),
	    CUTRU_EPERM);
	snprintf(want, sizeof want, "chmod 600 %s", p);
	ck_assert_ptr_nonnull(strstr(e.msg, want));
	ck_assert_int_eq(chmod(p, 0600), 0);
	ck_assert_int_eq(chmod(store, 0755), 0);
	ck_assert_int_eq(store_open(store, "lan", pass_lan, t0, &s, &e),
	    CUTRU_EPERM);
	snprintf(want, sizeof want, "chmod 700 %s", store);
	ck_assert_ptr_nonnull(strstr(e.msg, want));
	ck_assert_int_eq(chmod(store, 0700), 0);
	in_store(p, sizeof p, "store-1.db");
	ck_assert_int_eq(chmod(p, 0644), 0);
	ck_assert_int_eq(store_open(store, "lan", pass_lan, t0 + 10, &s, &e),
	    CUTRU_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "chmod 600"));
	ck_assert_int_eq(chmod(p, 0600), 0);

	/* A missing database. */
	in_store(q, sizeof q, "elsewhere.db");
	ck_assert_int_eq(rename(p, q), 0);
	ck_assert_int_eq(store_open(store, "lan", pass_lan, t0 + 10, &s, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "database");
	ck_assert_ptr_nonnull(strstr(e.msg, "missing"));
	ck_assert_int_eq(rename(q, p), 0);

	/* A damaged keyring. */
	in_store(p, sizeof p, "keyring");
	ck_assert_int_eq(truncate(p, 200), 0);
	ck_assert_int_eq(store_open(store, "lan", pass_lan, t0 + 10, &s, &e),
	    CUTRU_EIO);
	ck_assert_str_eq(e.field, "keyring");
	ck_assert_ptr_nonnull(strstr(e.msg, "damaged"));
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(a_database_from_another_store_is_refused)
{
	char code[KEYRING_RECOVERY_CODE_SIZE], p[512], q[512];
	struct cutru_err e;
	struct store *s;

	create_store_with_rows(code, 3);
	in_store(p, sizeof p, "store-1.db");
	snprintf(q, sizeof q, "%s/first.db", tmpdir);
	ck_assert_int_eq(rename(p, q), 0);
	/* A second store in the same place; put the first one's database
	 * in place of its own. */
	in_store(p, sizeof p, "keyring");
	ck_assert_int_eq(unlink(p), 0);
	create_store_with_rows(code, 3);
	in_store(p, sizeof p, "store-1.db");
	ck_assert_int_eq(rename(q, p), 0);
	in_store(p, sizeof p, "store-1.db-wal");
	(void)unlink(p);
	in_store(p, sizeof p, "store-1.db-shm");
	(void)unlink(p);
	ck_assert_int_eq(store_open(store, "lan", pass_lan, t0, &s, &e),
	    CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "database");
	ck_assert_ptr_nonnull(strstr(e.msg, "another keyring"));
}
END_TEST

START_TEST(recovery_code_opens_and_resets_a_passphrase)
{
	char code[KEYRING_RECOVERY_CODE_SIZE], code2[KEYRING_RECOVERY_CODE_SIZE];
	struct cutru_err e;
	struct store *s;

	create_store_with_rows(code, 5);
	ck_assert_int_eq(store_open_recovery(store, code, t0, &s, &e),
	    CUTRU_OK);
	ck_assert_int_eq(rows_intact(store_db(s)), 5);
	ck_assert_int_eq(store_set_passphrase(s, "lan", "lan forgot it all",
	    &e), CUTRU_OK);
	ck_assert_int_eq(store_new_recovery(s, code2, &e), CUTRU_OK);
	store_close(s);
	ck_assert_int_eq(store_open(store, "lan", pass_lan, t0, &s, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(store_open(store, "lan", "lan forgot it all", t0, &s,
	    &e), CUTRU_OK);
	store_close(s);
	ck_assert_int_eq(store_open_recovery(store, code, t0, &s, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(store_open_recovery(store, code2, t0 + 5, &s, &e),
	    CUTRU_OK);
	store_close(s);
	ck_assert_int_eq(store_open_recovery(store, "ABCDE", t0, &s, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(store_open_recovery(store, NULL, t0, &s, &e),
	    CUTRU_EINVAL);
}
END_TEST

START_TEST(officer_changes_do_not_touch_the_database)
{
	char code[KEYRING_RECOVERY_CODE_SIZE], p[512];
	unsigned char *before, *after;
	size_t lb, la;
	struct cutru_err e;
	struct store *s;

	create_store_with_rows(code, 50);
	s = open_lan();
	exec_ok(store_db(s), "PRAGMA wal_checkpoint(TRUNCATE)");
	in_store(p, sizeof p, "store-1.db");
	before = slurp(p, &lb);
	ck_assert_int_eq(store_add_officer(s, "mai", pass_mai, &e), CUTRU_OK);
	ck_assert_int_eq(store_add_officer(s, "mai", pass_mai, &e),
	    CUTRU_ECONFLICT);
	ck_assert_int_eq(store_change_passphrase(s, "lan", pass_lan,
	    "lan has a new one", t0, &e), CUTRU_OK);
	ck_assert_int_eq(store_change_passphrase(s, "lan", "not the old one",
	    "whatever it is now", t0, &e), CUTRU_ECRYPTO);
	ck_assert_int_eq(store_remove_officer(s, "nobody", &e),
	    CUTRU_ENOTFOUND);
	store_close(s);
	after = slurp(p, &la);
	ck_assert_uint_eq(la, lb);
	ck_assert_int_eq(memcmp(before, after, la), 0);
	free(before);
	free(after);
	ck_assert_int_eq(store_open(store, "mai", pass_mai, t0, &s, &e),
	    CUTRU_OK);
	ck_assert_int_eq(rows_intact(store_db(s)), 50);
	ck_assert_int_eq(store_remove_officer(s, "lan", &e), CUTRU_OK);
	ck_assert_int_eq(store_remove_officer(s, "mai", &e), CUTRU_ECONFLICT);
	store_close(s);
	ck_assert_int_eq(store_open(store, "lan", "lan has a new one", t0, &s,
	    &e), CUTRU_ENOTFOUND);
}
END_TEST

START_TEST(two_consoles_do_not_undo_each_others_changes)
{
	char code[KEYRING_RECOVERY_CODE_SIZE];
	struct cutru_err e;
	struct store *s1, *s2;

	create_store_with_rows(code, 1);
	s1 = open_lan();
	s2 = open_lan();
	ck_assert_int_eq(store_add_officer(s1, "mai", pass_mai, &e), CUTRU_OK);
	ck_assert_int_eq(store_add_officer(s2, "hoa", pass_mai, &e), CUTRU_OK);
	ck_assert_uint_eq(keyring_officer_count(store_keyring(s2)), 3);
	/* Rekeying needs the store to itself. */
	ck_assert_int_eq(store_rekey(s1, &e), CUTRU_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "another cutru"));
	store_close(s2);
	ck_assert_int_eq(store_rekey(s1, &e), CUTRU_OK);
	/* A store opened before the rekey is told to reopen. */
	store_close(s1);
	ck_assert_int_eq(store_open(store, "hoa", pass_mai, t0, &s1, &e),
	    CUTRU_OK);
	ck_assert_int_eq(store_open(store, "mai", pass_mai, t0, &s2, &e),
	    CUTRU_OK);
	store_close(s1);
	store_close(s2);
}
END_TEST

/* ------------------------------------------------------------ rekey */

START_TEST(rekey_reencrypts_every_page_and_keeps_the_data)
{
	char code[KEYRING_RECOVERY_CODE_SIZE], p[512], q[512];
	unsigned char *old, *new, oldkey[32], id[16];
	size_t lo, ln, off, same = 0;
	struct cutru_err e;
	struct store *s;
	sqlite3 *db = NULL;
	sqlite3_stmt *st;

	create_store_with_rows(code, 200);
	s = open_lan();
	ck_assert_int_eq(store_add_officer(s, "mai", pass_mai, &e), CUTRU_OK);
	exec_ok(store_db(s), "PRAGMA wal_checkpoint(TRUNCATE)");
	in_store(p, sizeof p, "store-1.db");
	old = slurp(p, &lo);
	memcpy(oldkey, keyring_key(store_keyring(s)), 32);
	/* Not with a query open. */
	ck_assert_int_eq(sqlite3_prepare_v2(store_db(s), "SELECT 1", -1, &st,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(store_rekey(s, &e), CUTRU_ECONFLICT);
	sqlite3_finalize(st);
	ck_assert_int_eq(store_rekey(s, &e), CUTRU_OK);
	ck_assert_uint_eq(keyring_generation(store_keyring(s)), 2);
	ck_assert_int_ne(memcmp(oldkey, keyring_key(store_keyring(s)), 32),
	    0);
	ck_assert_int_eq(rows_intact(store_db(s)), 200);
	add_rows(store_db(s), 201, 210);
	store_close(s);
	ck_assert(!exists("store-1.db"));
	ck_assert(!exists("store-1.db-wal"));
	ck_assert(exists("store-2.db"));
	in_store(q, sizeof q, "store-2.db");
	new = slurp(q, &ln);
	/* No page of the new file equals any page at the same place in the
	 * old one. */
	for (off = 0; off + 4096 <= lo && off + 4096 <= ln; off += 4096)
		if (memcmp(old + off, new + off, 4096) == 0)
			same++;
	ck_assert_uint_eq(same, 0);
	free(old);
	free(new);
	/* The old key does not open the new file. */
	s = open_lan();
	memcpy(id, keyring_store_id(store_keyring(s)), 16);
	store_close(s);
	ck_assert_int_eq(cipher_vfs_register(&e), CUTRU_OK);
	ck_assert_int_eq(cipher_key_attach(q, oldkey, id, &e), CUTRU_OK);
	ck_assert_int_eq(cipher_db_open(q, SQLITE_OPEN_READWRITE, NULL, &db,
	    &e), CUTRU_ECRYPTO);
	ck_assert_ptr_null(db);
	cipher_key_detach(q);
	/* Every officer and the recovery code open the new store. */
	s = open_lan();
	ck_assert_int_eq(rows_intact(store_db(s)), 210);
	integrity_ok(store_db(s));
	store_close(s);
	ck_assert_int_eq(store_open(store, "mai", pass_mai, t0, &s, &e),
	    CUTRU_OK);
	store_close(s);
	ck_assert_int_eq(store_open_recovery(store, code, t0, &s, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(keyring_generation(store_keyring(s)), 2);
	store_close(s);
}
END_TEST

START_TEST(rekey_in_delete_journal_mode)
{
	char code[KEYRING_RECOVERY_CODE_SIZE];
	struct store_config c;
	struct cutru_err e;
	struct store *s;
	int i;

	create_store_with_rows(code, 20);
	ck_assert_int_eq(store_config_load(store, &c, &e), CUTRU_OK);
	snprintf(c.journal_mode, sizeof c.journal_mode, "delete");
	ck_assert_int_eq(store_config_save(store, &c, &e), CUTRU_OK);
	s = open_lan();
	ck_assert_str_eq(store_config(s)->journal_mode, "delete");
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(store_rekey(s, &e), CUTRU_OK);
	ck_assert_int_eq(rows_intact(store_db(s)), 20);
	store_close(s);
	s = open_lan();
	ck_assert_uint_eq(keyring_generation(store_keyring(s)), 4);
	integrity_ok(store_db(s));
	ck_assert(!exists("store-1.db") && !exists("store-3.db"));
	store_close(s);
}
END_TEST

/* A store opened after a crash: rows 1..m intact, integrity ok, only the
 * keyring's generation left on disk.  Returns m. */
static long long
check_after_crash(uint32_t *gen)
{
	char name[64];
	struct store *s;
	long long m;
	uint32_t g;
	int other;

	s = open_lan();
	m = rows_intact(store_db(s));
	integrity_ok(store_db(s));
	g = keyring_generation(store_keyring(s));
	store_close(s);
	/* Stale generations were removed at open. */
	for (other = 1; other < 4; other++) {
		snprintf(name, sizeof name, "store-%lu.db",
		    (unsigned long)(g + (uint32_t)other));
		ck_assert(!exists(name));
		if (g > (uint32_t)other) {
			snprintf(name, sizeof name, "store-%lu.db",
			    (unsigned long)(g - (uint32_t)other));
			ck_assert(!exists(name));
		}
	}
	if (gen != NULL)
		*gen = g;
	return m;
}

static enum storedir_step kill_step;

static int
kill_on_keyring(enum storedir_step step, const char *name, void *arg)
{
	(void)arg;
	if (step == kill_step && strcmp(name, "keyring") == 0)
		raise(SIGKILL);
	return 0;
}

START_TEST(rekey_killed_around_the_commit_point)
{
	char code[KEYRING_RECOVERY_CODE_SIZE];
	enum storedir_step steps[] = { STOREDIR_STEP_WRITE,
	    STOREDIR_STEP_FSYNC, STOREDIR_STEP_RENAME,
	    STOREDIR_STEP_DIRSYNC };
	uint32_t gen, before = 1;
	size_t i;
	pid_t pid;
	int status;

	create_store_with_rows(code, 100);
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		kill_step = steps[i];
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			struct cutru_err e;
			struct store *s;

			if (store_open(store, "lan", pass_lan, t0, &s, &e) != 0)
				_exit(2);
			storedir_set_fault_hook(kill_on_keyring, NULL);
			store_rekey(s, &e);
			_exit(3);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status));
		ck_assert_int_eq(check_after_crash(&gen), 100);
		/* Before the rename the old store stands, after it the new. */
		ck_assert_uint_eq(gen, steps[i] == STOREDIR_STEP_DIRSYNC ?
		    before + 1 : before);
		before = gen;
	}
}
END_TEST

/* Child: insert a row, rekey, forever; killed by the parent. */
static void __attribute__((noreturn))
rekey_forever(long long next)
{
	struct cutru_err e;
	struct store *s;
	char sql[128];

	if (store_open(store, "lan", pass_lan, t0, &s, &e) != CUTRU_OK)
		_exit(2);
	for (;;) {
		snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%lld, "
		    "printf('row-%%d', %lld), zeroblob(1000) || %lld)",
		    next, next, next);
		if (sqlite3_exec(store_db(s), sql, NULL, NULL, NULL) != 0)
			_exit(4);
		next++;
		if (store_rekey(s, &e) != CUTRU_OK)
			_exit(5);
	}
}

START_TEST(rekey_killed_at_random_points_always_leaves_a_store)
{
	char code[KEYRING_RECOVERY_CODE_SIZE];
	struct timespec a, b, d;
	long long m, prev, one_ns;
	uint32_t gen, last_gen = 1;
	struct cutru_err e;
	struct store *s;
	int i, status, kept_old = 0, moved_on = 0;
	pid_t pid;

	create_store_with_rows(code, 150);
	/* How long one rekey takes here, to spread the kills over a few. */
	s = open_lan();
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(store_rekey(s, &e), CUTRU_OK);
	clock_gettime(CLOCK_MONOTONIC, &b);
	store_close(s);
	one_ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	prev = 150;
	for (i = 0; i < 36; i++) {
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			rekey_forever(prev + 1);
		/* Open (Argon2id at minimum cost) is quick; then anywhere
		 * within about three rekeys. */
		d.tv_sec = 0;
		d.tv_nsec = (long)(randombytes_uniform(1000) *
		    ((3 * one_ns + 2000000) / 1000));
		d.tv_sec = d.tv_nsec / 1000000000L;
		d.tv_nsec %= 1000000000L;
		nanosleep(&d, NULL);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status))
			ck_abort_msg("child exited with %d",
			    WEXITSTATUS(status));
		m = check_after_crash(&gen);
		/* No committed row is lost; at most the ones inserted. */
		ck_assert_int_ge(m, prev);
		ck_assert_int_ge(gen, last_gen);
		if (gen == last_gen)
			kept_old++;
		else
			moved_on++;
		prev = m;
		last_gen = gen;
	}
	/* The children did get rekeys through before being killed. */
	ck_assert_int_gt(moved_on, 0);
	ck_assert_int_eq(kept_old + moved_on, 36);
	s = open_lan();
	integrity_ok(store_db(s));
	store_close(s);
}
END_TEST

START_TEST(bad_arguments)
{
	struct cutru_err e;

	store_close(NULL);
	ck_assert_ptr_null(store_db(NULL));
	ck_assert_ptr_null(store_keyring(NULL));
	ck_assert_int_eq(store_rekey(NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(store_add_officer(NULL, "x", pass_lan, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(store_open(store, "lan", pass_lan, t0, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(store_open("", "lan", pass_lan, t0,
	    &(struct store *){ NULL }, &e), CUTRU_EINVAL);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, config_parses_and_refuses_with_line_numbers);
	tcase_add_test(tc, config_round_trips_and_must_be_private);
	tcase_add_test(tc, create_lays_out_a_private_store);
	tcase_add_test(tc, create_refuses_bad_input_before_making_anything);
	tcase_add_test(tc, an_interrupted_creation_can_be_redone);
	tcase_add_test(tc, data_survives_close_and_open);
	tcase_add_test(tc, open_errors_are_each_their_own);
	tcase_add_test(tc, a_database_from_another_store_is_refused);
	tcase_add_test(tc, recovery_code_opens_and_resets_a_passphrase);
	tcase_add_test(tc, officer_changes_do_not_touch_the_database);
	tcase_add_test(tc, two_consoles_do_not_undo_each_others_changes);
	tcase_add_test(tc, rekey_reencrypts_every_page_and_keeps_the_data);
	tcase_add_test(tc, rekey_in_delete_journal_mode);
	tcase_add_test(tc, rekey_killed_around_the_commit_point);
	tcase_add_test(tc, rekey_killed_at_random_points_always_leaves_a_store);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}
