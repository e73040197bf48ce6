#include "config.h"

/* Helpers for the page-cipher tests: see storetest.h. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/err.h"
#include "localdb/cipher.h"
#include "tests/tools/storetest.h"

#define ST_LOG_LINES 64
#define ST_LOG_LEN 200

static struct {
	char lines[ST_LOG_LINES][ST_LOG_LEN];
	int n;
} st_log;

static void
st_log_cb(void *arg, int code, const char *msg)
{
	(void)arg;
	if (getenv("CUTRU_TEST_LOG") != NULL)
		fprintf(stderr, "# sqlite3_log %d %s\n", code, msg);
	snprintf(st_log.lines[st_log.n % ST_LOG_LINES], ST_LOG_LEN, "%d %s",
	    code, msg);
	st_log.n++;
}

void
st_log_reset(void)
{
	st_log.n = 0;
}

int
st_log_count(const char *needle)
{
	int i, n = 0, last = st_log.n < ST_LOG_LINES ? st_log.n : ST_LOG_LINES;

	for (i = 0; i < last; i++)
		if (strstr(st_log.lines[i], needle) != NULL)
			n++;
	return n;
}

void
st_init(void)
{
	struct cutru_err e;

	sqlite3_config(SQLITE_CONFIG_LOG, st_log_cb, NULL);
	if (sodium_init() < 0)
		abort();
	if (cipher_vfs_register(&e) != 0) {
		fprintf(stderr, "cipher_vfs_register: %s\n", e.msg);
		abort();
	}
}

char *
st_mkdtemp(void)
{
	const char *t = getenv("TMPDIR");
	char *p;

	if (t == NULL || t[0] == '\0')
		t = "/tmp";
	p = malloc(strlen(t) + 32);
	ck_assert_ptr_nonnull(p);
	sprintf(p, "%s/cutru-cipher-XXXXXX", t);
	ck_assert_ptr_nonnull(mkdtemp(p));
	return p;
}

void
st_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *p;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = st_path(dir, de->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

char *
st_path(const char *dir, const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);

	ck_assert_ptr_nonnull(p);
	sprintf(p, "%s/%s", dir, name);
	return p;
}

void
st_random_key(unsigned char key[CIPHER_KEY_BYTES],
    unsigned char sid[CIPHER_STORE_ID_BYTES])
{
	randombytes_buf(key, CIPHER_KEY_BYTES);
	randombytes_buf(sid, CIPHER_STORE_ID_BYTES);
}

sqlite3 *
st_open(const char *path, const char *journal_mode, const char *synchronous,
    const char *vfs)
{
	/* 4 KiB pages: the tamper and format tests work out page offsets
	 * in the file (a store's default is CIPHER_DEFAULT_PAGE_SIZE). */
	struct cipher_open_opts o = { vfs, journal_mode, 4096, synchronous };
	struct cutru_err e;
	sqlite3 *db = NULL;
	int rc;

	cutru_err_clear(&e);
	rc = cipher_db_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    &o, &db, &e);
	ck_assert_msg(rc == 0, "cipher_db_open: %d %s", rc, e.msg);
	ck_assert_ptr_nonnull(db);
	return db;
}

void
st_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);

	ck_assert_msg(rc == SQLITE_OK, "%s: %d %s", sql, rc,
	    err != NULL ? err : "");
	sqlite3_free(err);
}

int
st_try(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

sqlite3_int64
st_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 v;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	ck_assert_msg(rc == SQLITE_OK, "%s: %d %s", sql, rc, sqlite3_errmsg(db));
	rc = sqlite3_step(st);
	ck_assert_msg(rc == SQLITE_ROW, "%s: %d %s", sql, rc, sqlite3_errmsg(db));
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
st_integrity_ok(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		ok = t != NULL && strcmp((const char *)t, "ok") == 0;
		if (!ok && t != NULL)
			fprintf(stderr, "# integrity_check: %s\n", t);
	}
	sqlite3_finalize(st);
	return ok;
}

unsigned char *
st_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void
st_poke(const char *path, long off, const void *buf, size_t len)
{
	FILE *f = fopen(path, "r+b");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

void
st_peek(const char *path, long off, void *buf, size_t len)
{
	FILE *f = fopen(path, "rb");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
	ck_assert_uint_eq(fread(buf, 1, len, f), len);
	fclose(f);
}

void
st_flip(const char *path, long off, int bit)
{
	unsigned char b;

	st_peek(path, off, &b, 1);
	b ^= (unsigned char)(1u << bit);
	st_poke(path, off, &b, 1);
}

void
st_copy(const char *from, const char *to)
{
	unsigned char *buf;
	size_t len;
	FILE *f;

	buf = st_slurp(from, &len);
	if (buf == NULL) {
		unlink(to);
		return;
	}
	f = fopen(to, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	free(buf);
}

static int
count_hits(const unsigned char *buf, size_t len, const char *needle)
{
	size_t nl = strlen(needle), i;
	int hits = 0;

	if (nl == 0 || len < nl)
		return 0;
	for (i = 0; i + nl <= len; i++)
		if (buf[i] == (unsigned char)needle[0] &&
		    memcmp(buf + i, needle, nl) == 0)
			hits++;
	return hits;
}

int
st_scan_dir(const char *dir, const char *const *needles, size_t n,
    char *where, size_t wherelen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int hits = 0, h;
	size_t i, len;

	ck_assert_ptr_nonnull(d);
	if (where != NULL && wherelen > 0)
		where[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		unsigned char *buf;
		char *p;

		if (de->d_name[0] == '.')
			continue;
		p = st_path(dir, de->d_name);
		buf = st_slurp(p, &len);
		free(p);
		if (buf == NULL)
			continue;
		for (i = 0; i < n; i++) {
			h = count_hits(buf, len, needles[i]);
			if (h > 0 && hits == 0 && where != NULL)
				snprintf(where, wherelen, "%s in %s",
				    needles[i], de->d_name);
			hits += h;
		}
		free(buf);
	}
	closedir(d);
	return hits;
}
