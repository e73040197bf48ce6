/* The page cipher: a SQLite VFS shim that encrypts every page of a store's
 * database, its WAL and its rollback journal with XChaCha20-Poly1305.  The
 * on-disk format and its invariants are described at the top of cipher.c
 * and in cutru-store(5).
 *
 * Use:
 *     cipher_vfs_register(&e);                      once per process
 *     cipher_key_attach(path, key, store_id, &e);   before opening path
 *     cipher_db_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
 *         &opts, &db, &e);
 *     ...
 *     sqlite3_close(db);
 *     cipher_key_detach(path);
 *
 * Keys are looked up by the database's full path name when its main file is
 * opened; the -wal and -journal files of that connection use the same key.
 * A connection keeps its own copy of the key until it closes, so detaching
 * only affects later opens.
 *
 * Rekeying (writing a copy under a new key) is done with SQLite itself:
 *     cipher_key_attach(new_path, new_key, store_id_or_new, &e);
 *     sqlite3_exec(db, "VACUUM INTO 'new_path'", ...);   (db: the open store)
 * VACUUM INTO opens new_path through the same VFS as the store, so every page
 * of the copy is written under new_path's key and store id, and the copy keeps
 * the 40-byte reserve.  The backup API (sqlite3_backup_init from the store to
 * a connection opened with cipher_db_open on new_path) works too.  Neither
 * fsyncs the copy's directory: the caller syncs and renames.  Never attach a
 * different key to a path that has open connections; a store's -wal and
 * -journal must be empty (the store closed cleanly, or checkpointed with
 * PRAGMA wal_checkpoint(TRUNCATE)) before its file is replaced. */
#ifndef CUTRU_LOCALDB_CIPHER_H
#define CUTRU_LOCALDB_CIPHER_H

#include <sqlite3.h>

#include "core/err.h"

#define CIPHER_KEY_BYTES 32          /* XChaCha20-Poly1305 key */
#define CIPHER_STORE_ID_BYTES 16     /* random per store, bound to every page */
#define CIPHER_RESERVE_BYTES 40      /* 24-byte nonce + 16-byte tag per page */
#define CIPHER_DEFAULT_PAGE_SIZE 16384 /* a new store's (bench/RESULTS.md) */
#define CIPHER_VFS_NAME "cutru-cipher"

/* Register the VFS "cutru-cipher" over SQLite's default VFS (it does not
 * become the default).  Idempotent and thread-safe; also initialises
 * libsodium.  Returns 0 or CUTRU_EINTERNAL. */
int cipher_vfs_register(struct cutru_err *e);

/* Register a cipher VFS named name over the VFS named underlying (NULL: the
 * default VFS); used by tests to stack the cipher on a fault-injecting VFS.
 * Registering the same name over the same underlying VFS again is a no-op;
 * over a different one, CUTRU_EINVAL.  Path names are still resolved by the
 * underlying VFS, which must agree with the default VFS on full path names. */
int cipher_vfs_register_over(const char *underlying, const char *name,
    struct cutru_err *e);

/* Make key and store_id the ones used for the database at db_path (and its
 * -wal and -journal).  db_path is resolved to a full path name the way
 * SQLite resolves it; it need not exist yet.  Both arrays are copied (the
 * key into sodium_malloc memory); the caller may wipe its own copy at once.
 * Attaching again to the same path replaces the key for later opens.
 * Returns 0, CUTRU_EINVAL (NULL argument, path too long) or CUTRU_ENOMEM. */
int cipher_key_attach(const char *db_path,
    const unsigned char key[CIPHER_KEY_BYTES],
    const unsigned char store_id[CIPHER_STORE_ID_BYTES], struct cutru_err *e);

/* Forget the key of db_path (no-op if none).  Open connections keep working;
 * the key is wiped and freed when the last of them closes. */
void cipher_key_detach(const char *db_path);

/* Whether a key is attached to db_path (1) or not (0). */
int cipher_key_is_attached(const char *db_path);

/* Options of cipher_db_open; a NULL pointer means all defaults. */
struct cipher_open_opts {
	const char *vfs;           /* NULL: CIPHER_VFS_NAME */
	const char *journal_mode;  /* "wal", "delete", "truncate", "persist";
	                            * NULL: leave as it is ("delete" when new) */
	int page_size;             /* for a new database; 0: the default */
	const char *synchronous;   /* "off", "normal", "full", "extra";
	                            * NULL: leave as it is (SQLite's default) */
};

/* Open (creating when flags say so) the encrypted database at path through
 * the cipher VFS, with a key attached beforehand by cipher_key_attach.
 * Applies what the cipher needs: temp_store = MEMORY, mmap_size = 0, and on a
 * new database the page size and the 40-byte reserve (before page 1 is
 * first written), then the journal mode and synchronous level asked for.
 * flags are sqlite3_open_v2 flags (SQLITE_OPEN_READWRITE | _CREATE, ...).
 * On success *out is the connection (caller closes it with sqlite3_close).
 * On failure *out is NULL and e says why: CUTRU_ECRYPTO with field "key"
 * when the file is not a cutru store or the key is wrong (SQLite said
 * SQLITE_NOTADB), CUTRU_ECRYPTO with field "path" when a page failed
 * authentication (SQLITE_CORRUPT: tampering or damage), CUTRU_EINVAL when no
 * key is attached or an option is invalid, CUTRU_EIO otherwise.
 *
 * Later, on the open connection, a damaged or tampered page shows as
 * SQLITE_CORRUPT from sqlite3_step (the page number is in sqlite3_log). */
int cipher_db_open(const char *path, int flags,
    const struct cipher_open_opts *opts, sqlite3 **out, struct cutru_err *e);

/* Write-behind for a bulk load (WRITE-BEHIND in cipher.c): on (1), whole
 * page writes of db's main database are sealed and written by a thread of
 * their own, in order, while SQLite goes on; every other operation on the
 * file waits for them first, and the first failure is returned by the
 * next write, read, sync or truncate.  Off (0) waits for the pages and
 * stops the thread.  Returns SQLITE_OK; when turning off, the failure not
 * yet reported, if any; SQLITE_NOTFOUND when db's main database is not
 * an encrypted store (nothing changes); SQLITE_MISUSE before the page
 * size is known (no page read or written yet); SQLITE_NOMEM.  On with 2
 * (for the tests): the caller seals every page it can itself, as it does
 * only when the ring lags with 1. */
int cipher_write_behind(sqlite3 *db, int on);

/* The file control behind cipher_write_behind(): arg is an int *. */
#define CIPHER_FCNTL_WRITE_BEHIND 0x63740001

#endif
