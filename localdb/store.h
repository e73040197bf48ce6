/* The store: a directory (localdb/storedir.h) holding a keyring
 * (localdb/keyring.h), a config file and an encrypted database opened
 * through the page cipher (localdb/cipher.h).  store_open() turns a login
 * and passphrase into an open sqlite3 connection; store_rekey() moves the
 * database to a new store key, crash-safely.  See localdb/store.c. */
#ifndef CUTRU_STORE_H
#define CUTRU_STORE_H

#include <sqlite3.h>
#include <time.h>

#include "core/err.h"
#include "localdb/keyring.h"

/* The page cache of an open store, in KiB: large enough to hold a ward of
 * 1,000,000 persons, so that searches do not re-read and decrypt pages. */
#define STORE_CACHE_KIB (512 * 1024)

/* The database's PRAGMA application_id: "CTRU". */
#define STORE_APPLICATION_ID 0x43545255

/* The settings of the config file (cutru-store(5) lists the keys). */
struct store_config {
	struct keyring_kdf kdf;  /* kdf_opslimit, kdf_memlimit: new wraps */
	char journal_mode[16];   /* journal_mode: wal, delete, truncate, persist */
	int synchronous;         /* synchronous: 1 normal, 2 full, 3 extra */
};

struct store;

/* Defaults: MODERATE limits, WAL, synchronous full. */
void store_config_default(struct store_config *c);

/* Parse config text (len bytes) over the values already in *c.  An unknown
 * key, a bad value or a malformed line is CUTRU_EINVAL naming the line. */
int store_config_parse(const char *text, size_t len, struct store_config *c,
    struct cutru_err *e);

/* Defaults, then dir/config if it exists (it must be 0600). */
int store_config_load(const char *dir, struct store_config *c,
    struct cutru_err *e);

/* Write dir/config atomically. */
int store_config_save(const char *dir, const struct store_config *c,
    struct cutru_err *e);

/* Create a store in dir (made if missing; an existing folder must be empty,
 * see storedir_create(); an existing store is refused)
 * with its first officer.  kdf NULL = default (MODERATE); it is written to
 * the config file and recorded in the keyring.  The recovery code goes to
 * code[KEYRING_RECOVERY_CODE_SIZE]: show it once, then wipe it.  The
 * keyring is written last, so a store whose creation was interrupted has
 * no keyring and can simply be created again.  On success *out is the open
 * store (store_close()). */
int store_create(const char *dir, const char *login, const char *passphrase,
    const struct keyring_kdf *kdf, char *code, struct store **out,
    struct cutru_err *e);

/* Open the store in dir as officer login.  now drives the slow-down after
 * wrong passphrases (see keyring_unlock()).  Errors tell apart: no store
 * (CUTRU_ENOTFOUND), unsafe permissions (CUTRU_EPERM, with the chmod that
 * fixes them), damaged keyring (CUTRU_EIO, field "keyring"), wrong
 * passphrase (CUTRU_ECRYPTO, field "passphrase"), must wait (CUTRU_EPERM,
 * field "passphrase"), a database that does not match the keyring
 * (CUTRU_ECRYPTO, field "database").  The schema is not touched: the
 * caller runs schema_migrate() on store_db(). */
int store_open(const char *dir, const char *login, const char *passphrase,
    time_t now, struct store **out, struct cutru_err *e);

/* Open with the recovery code instead of a passphrase. */
int store_open_recovery(const char *dir, const char *code, time_t now,
    struct store **out, struct cutru_err *e);

/* Close the database and wipe the key (NULL is allowed). */
void store_close(struct store *s);

/* The open connection, owned by s. */
sqlite3 *store_db(const struct store *s);

/* The unlocked keyring, owned by s (for its accessors). */
const struct keyring *store_keyring(const struct store *s);

const char *store_dir(const struct store *s);

/* The settings read at open. */
const struct store_config *store_config(const struct store *s);

/* Keyring changes, each saved at once.  New wraps use the config file's
 * KDF limits.  None of them re-encrypts the database. */
int store_add_officer(struct store *s, const char *login,
    const char *passphrase, struct cutru_err *e);
int store_remove_officer(struct store *s, const char *login,
    struct cutru_err *e);
/* Set login's passphrase without the old one (the store is open, e.g. by
 * the recovery code). */
int store_set_passphrase(struct store *s, const char *login,
    const char *passphrase, struct cutru_err *e);
/* Change login's passphrase, proving the old one. */
int store_change_passphrase(struct store *s, const char *login,
    const char *old_passphrase, const char *new_passphrase, time_t now,
    struct cutru_err *e);
/* A new recovery code into code[KEYRING_RECOVERY_CODE_SIZE]; the old one
 * stops working. */
int store_new_recovery(struct store *s, char *code, struct cutru_err *e);

/* Re-encrypt every page of the database under a new random store key and
 * make that key the store's.  A power cut at any moment leaves either the
 * old store or the new one, each openable by every officer.  Needs the
 * store to itself (no other process has it open: CUTRU_ECONFLICT) and no
 * statement or transaction open on store_db().  The connection is replaced:
 * call store_db() again afterwards.  Should opening the new database fail
 * after the new key was committed, store_db() is NULL and the caller closes
 * the store and opens it again. */
int store_rekey(struct store *s, struct cutru_err *e);

#endif
