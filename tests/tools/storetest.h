/* Helpers shared by the page-cipher tests: scratch directories, keys,
 * opening stores, one-value queries, scanning files for plaintext, and
 * capturing sqlite3_log() lines.  Failures abort the current Check test. */
#ifndef CUTRU_TESTS_STORETEST_H
#define CUTRU_TESTS_STORETEST_H

#include <stddef.h>
#include <sqlite3.h>

#include "localdb/cipher.h"

/* Install the sqlite3_log() capture and register the cipher VFS.  Call
 * from test_suite(), before anything else touches SQLite. */
void st_init(void);

/* A new directory under $TMPDIR (or /tmp); caller frees the string and
 * removes the directory with st_rmtree(). */
char *st_mkdtemp(void);

/* Remove every file in dir, then dir (one level, as the tests make). */
void st_rmtree(const char *dir);

/* dir + "/" + name, malloc'd. */
char *st_path(const char *dir, const char *name);

/* Random key and store identifier. */
void st_random_key(unsigned char key[CIPHER_KEY_BYTES],
    unsigned char sid[CIPHER_STORE_ID_BYTES]);

/* cipher_db_open with the given journal mode and synchronous level (NULL
 * for defaults) through vfs (NULL: the cipher VFS); asserts success. */
sqlite3 *st_open(const char *path, const char *journal_mode,
    const char *synchronous, const char *vfs);

/* Run sql, asserting SQLITE_OK. */
void st_exec(sqlite3 *db, const char *sql);

/* Run sql and return its result code (no assertion). */
int st_try(sqlite3 *db, const char *sql);

/* First column of the first row as an integer; asserts a row. */
sqlite3_int64 st_int(sqlite3 *db, const char *sql);

/* Whether PRAGMA integrity_check says "ok". */
int st_integrity_ok(sqlite3 *db);

/* Read a whole file; *len gets its size.  NULL if it does not exist. */
unsigned char *st_slurp(const char *path, size_t *len);

/* Write len bytes at off in an existing file. */
void st_poke(const char *path, long off, const void *buf, size_t len);

/* Read len bytes at off from a file. */
void st_peek(const char *path, long off, void *buf, size_t len);

/* Flip bit `bit` of the byte at off in a file. */
void st_flip(const char *path, long off, int bit);

/* Copy a file (missing source: the destination is removed). */
void st_copy(const char *from, const char *to);

/* Count occurrences of any of the n needles in every regular file in dir;
 * the first hit's file name and needle are described in where. */
int st_scan_dir(const char *dir, const char *const *needles, size_t n,
    char *where, size_t wherelen);

/* sqlite3_log() capture: number of lines whose text contains needle since
 * st_log_reset(). */
void st_log_reset(void);
int st_log_count(const char *needle);

#endif
