/* The registry's storage, behind a small interface.
 *
 * Everything cutru-registryd keeps goes through a struct regstore: a handle
 * on one connection to one backend, with a table of operations.  The
 * embedded SQLite backend (registry/regstore_sqlite.c) is the default; a
 * national backend (PostgreSQL) is a second table of the same operations.
 * Nothing outside the backend knows which one it talks to, with one
 * exception stated below (apply).
 *
 * What is kept:
 *   tokens       one-time enrollment tokens, by the BLAKE2b-256 hash of the
 *                token (the token itself is never stored), each for a ward,
 *                with an expiry, used at most once;
 *   devices      enrolled consoles: their ward, their Ed25519 signing key
 *                and X25519 sealing key, revocation, and the head of their
 *                chain of change sets (the last sequence number taken and
 *                its hash; 0 and 32 zero bytes before the first);
 *   officers     supervisors' public keys with ward, login and role;
 *   population   the national population records the identity checks
 *                compare with (ID number, name, folded name, date of
 *                birth, sex);
 *   change sets  the log, one row per (device, seq): the change set's hash,
 *                whether it was accepted, and the signed receipt that was
 *                sent, so that a replay gets the same bytes;
 *   held         change sets that arrived after a gap in their device's
 *                chain, kept sealed until the gap closes;
 *   flags        forks seen (a second change set for a sequence number, or
 *                one that does not continue its chain);
 *   feed         entries per ward, numbered by a cursor that only grows;
 *   the register persons, households, residences ... with the schema of
 *                localdb/schema.c, changed only by applying events.
 *
 * Threads.  A handle is one connection: one thread at a time.  A server
 * opens one handle per worker thread; concurrent writers are serialised by
 * the backend's transactions (begin() takes the write lock at once), and
 * the uniqueness of (device, seq) in the log is enforced by the backend
 * itself, so two uploads of the same change set can never both be logged.
 *
 * Transactions.  begin() / commit() / rollback() bracket a unit of work;
 * savepoint() / release() / rollback_to() nest inside it, so that one
 * change set of a batch can be undone without the others.  Reads outside a
 * transaction see the last committed state.
 *
 * Errors follow core/err.h: CUTRU_ENOTFOUND for a missing row,
 * CUTRU_ECONFLICT for a uniqueness violation, CUTRU_EIO for the backend
 * failing.  Messages are for the operator (they may name a device or a
 * ward, never a person). */
#ifndef CUTRU_REGSTORE_H
#define CUTRU_REGSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/name.h"
#include "core/types.h"
#include "localdb/apply.h"

#define REG_WARD_LEN 5            /* a commune-level unit code: 5 digits */
#define REG_DEVICE_ID_MAX 64      /* bytes of a device id */
#define REG_LOGIN_MAX 32          /* bytes of an officer login */
#define REG_OFFICER_NAME_MAX 400  /* bytes of an officer's name */
#define REG_KEY_BYTES 32          /* Ed25519 and X25519 public keys */
#define REG_KEY_ID_HEX 16         /* digits of a key id */
#define REG_ID_NUMBER_LEN 12
#define REG_DOB_MAX 11            /* "YYYY-MM-DD" and its NUL */

struct regstore;

/* An enrolled console. */
struct reg_device {
	char id[REG_DEVICE_ID_MAX + 1];
	char ward[REG_WARD_LEN + 1];
	unsigned char sign_pk[REG_KEY_BYTES];  /* Ed25519 */
	unsigned char box_pk[REG_KEY_BYTES];   /* X25519, the feed is sealed to it */
	int64_t enrolled;                      /* Unix time */
	int64_t revoked;                       /* Unix time, 0 while active */
	int64_t head_seq;                      /* last sequence number taken */
	unsigned char head_hash[HASH_LEN];     /* its hash (zeros before any) */
	int64_t held;                          /* change sets held after a gap */
	int64_t flags;                         /* forks recorded */
};

/* An officer whose signature the registry accepts. */
struct reg_officer {
	char ward[REG_WARD_LEN + 1];
	char login[REG_LOGIN_MAX + 1];
	char name[REG_OFFICER_NAME_MAX + 1];
	char role[16];                         /* "supervisor" or "officer" */
	unsigned char sign_pk[REG_KEY_BYTES];  /* Ed25519 */
	char key_id[REG_KEY_ID_HEX + 1];       /* of sign_pk (sync/envelope.h) */
	int active;
	int64_t added;                         /* Unix time */
};

/* A national population record. */
struct reg_person {
	char id_number[REG_ID_NUMBER_LEN + 1];
	char name[NAME_BUF_SIZE];              /* stored form (core/name.h) */
	char folded[NAME_BUF_SIZE];            /* name_fold() of it */
	char dob[REG_DOB_MAX];                 /* "YYYY", "YYYY-MM" or full */
	enum cutru_sex sex;
};

/* A row of the change-set log. */
struct reg_changeset {
	char device[REG_DEVICE_ID_MAX + 1];
	int64_t seq;
	unsigned char hash[HASH_LEN];
	int accepted;                          /* 1 accepted, 0 rejected */
	int64_t received;                      /* Unix time */
	unsigned char *receipt;                /* malloc'd, the signed receipt */
	size_t receipt_len;
};

/* Called once per row by the listing operations; a non-zero return stops
 * the listing and is returned by it. */
typedef int (*reg_device_cb)(void *arg, const struct reg_device *d);
typedef int (*reg_officer_cb)(void *arg, const struct reg_officer *o);
typedef int (*reg_feed_cb)(void *arg, int64_t cursor, const char *entry,
    size_t len);

struct regstore_ops {
	const char *name;                      /* "sqlite" */
	void (*close)(struct regstore *st);

	int (*begin)(struct regstore *st, struct cutru_err *e);
	int (*commit)(struct regstore *st, struct cutru_err *e);
	void (*rollback)(struct regstore *st);
	int (*savepoint)(struct regstore *st, struct cutru_err *e);
	int (*release)(struct regstore *st, struct cutru_err *e);
	void (*rollback_to)(struct regstore *st);

	/* Tokens.  token_use() marks the token used by device_id in the
	 * caller's transaction and gives its ward: CUTRU_ENOTFOUND (no such
	 * token), CUTRU_EPERM (expired at now, or used already: then ward is
	 * its ward and used_by the device that used it). */
	int (*token_add)(struct regstore *st, const unsigned char hash[HASH_LEN],
	    const char *ward, int64_t created, int64_t expires,
	    struct cutru_err *e);
	int (*token_use)(struct regstore *st, const unsigned char hash[HASH_LEN],
	    const char *device_id, int64_t now, char ward[REG_WARD_LEN + 1],
	    char used_by[REG_DEVICE_ID_MAX + 1], struct cutru_err *e);

	/* Devices.  device_add(): CUTRU_ECONFLICT when the id or the signing
	 * key is enrolled already.  device_get() by id, device_find() by
	 * signing key: CUTRU_ENOTFOUND.  device_revoke(): CUTRU_ENOTFOUND;
	 * revoking twice keeps the first time.  device_set_head() moves the
	 * chain head. */
	int (*device_add)(struct regstore *st, const struct reg_device *d,
	    struct cutru_err *e);
	int (*device_get)(struct regstore *st, const char *id,
	    struct reg_device *out, struct cutru_err *e);
	int (*device_find)(struct regstore *st,
	    const unsigned char sign_pk[REG_KEY_BYTES], struct reg_device *out,
	    struct cutru_err *e);
	int (*device_revoke)(struct regstore *st, const char *id, int64_t at,
	    struct cutru_err *e);
	int (*device_set_head)(struct regstore *st, const char *id, int64_t seq,
	    const unsigned char hash[HASH_LEN], struct cutru_err *e);
	int (*device_list)(struct regstore *st, reg_device_cb cb, void *arg,
	    struct cutru_err *e);

	/* Officers.  officer_add() adds or replaces (ward, login); key_id
	 * must be that of sign_pk.  officer_lookup() finds the officer whose
	 * key has this key id in ward: CUTRU_OK; if the key belongs only to
	 * officers of other wards, CUTRU_EPERM with *out one of them;
	 * CUTRU_ENOTFOUND if nobody has it. */
	int (*officer_add)(struct regstore *st, const struct reg_officer *o,
	    struct cutru_err *e);
	int (*officer_lookup)(struct regstore *st, const char *key_id,
	    const char *ward, struct reg_officer *out, struct cutru_err *e);
	int (*officer_list)(struct regstore *st, reg_officer_cb cb, void *arg,
	    struct cutru_err *e);

	/* Population records, added or replaced by ID number. */
	int (*population_put)(struct regstore *st, const struct reg_person *p,
	    struct cutru_err *e);
	int (*population_get)(struct regstore *st, const char *id_number,
	    struct reg_person *out, struct cutru_err *e);

	/* The change-set log.  changeset_get(): CUTRU_ENOTFOUND; on success
	 * out->receipt is malloc'd (free with regstore_changeset_clear()).
	 * changeset_add(): CUTRU_ECONFLICT when (device, seq) is logged. */
	int (*changeset_get)(struct regstore *st, const char *device,
	    int64_t seq, struct reg_changeset *out, struct cutru_err *e);
	int (*changeset_add)(struct regstore *st, const struct reg_changeset *c,
	    struct cutru_err *e);

	/* Held change sets (sealed bytes as received).  held_put() replaces
	 * nothing: CUTRU_ECONFLICT if (device, seq) is held already.
	 * held_get(): *out malloc'd, CUTRU_ENOTFOUND. */
	int (*held_put)(struct regstore *st, const char *device, int64_t seq,
	    const unsigned char hash[HASH_LEN], const void *sealed, size_t len,
	    int64_t at, struct cutru_err *e);
	int (*held_get)(struct regstore *st, const char *device, int64_t seq,
	    unsigned char hash[HASH_LEN], unsigned char **out, size_t *len,
	    struct cutru_err *e);
	int (*held_delete)(struct regstore *st, const char *device, int64_t seq,
	    struct cutru_err *e);

	/* Forks: kind "fork" for a second change set at seq, "chain" for one
	 * whose previous hash is not the head's.  Counted in reg_device. */
	int (*flag_add)(struct regstore *st, const char *device, int64_t seq,
	    const char *kind, const unsigned char seen[HASH_LEN], int64_t at,
	    struct cutru_err *e);

	/* The feed.  feed_append() gives the new entry's cursor; feed_read()
	 * calls cb for at most limit entries of ward after cursor after, in
	 * order, and sets *more when there are further ones. */
	int (*feed_append)(struct regstore *st, const char *ward,
	    const char *entry, size_t len, int64_t at, int64_t *cursor,
	    struct cutru_err *e);
	int (*feed_read)(struct regstore *st, const char *ward, int64_t after,
	    int limit, reg_feed_cb cb, void *arg, int *more,
	    struct cutru_err *e);

	/* The register.  apply() is apply_events() (localdb/apply.h), THE
	 * code the console runs: a backend that cannot run it on its own
	 * store is not a backend.  The state operations describe a record as
	 * it is now, for refusals and the feed (cJSON owned by the caller):
	 *   person:    {"id_number","name","dob","sex","version",
	 *               "residences":[{"kind","commune","detail","from","to"}],
	 *               "household": {"number","relationship"} | absent}
	 *   household: {"number","version","head","commune","detail",
	 *               "dissolved"?,"members":[{"person","relationship"}]}
	 * CUTRU_ENOTFOUND when there is no such record.  active_ward() gives
	 * the commune code of the person's active residence of that kind. */
	int (*apply)(struct regstore *st, const cJSON *events,
	    const struct apply_ctx *ctx, struct cutru_err *e);
	int (*person_version)(struct regstore *st, const char *id_number,
	    int64_t *version, struct cutru_err *e);
	int (*household_version)(struct regstore *st, const char *number,
	    int64_t *version, struct cutru_err *e);
	int (*person_state)(struct regstore *st, const char *id_number,
	    cJSON **out, struct cutru_err *e);
	int (*household_state)(struct regstore *st, const char *number,
	    cJSON **out, struct cutru_err *e);
	int (*active_ward)(struct regstore *st, const char *id_number,
	    const char *kind, char ward[REG_WARD_LEN + 1], struct cutru_err *e);
};

struct regstore {
	const struct regstore_ops *ops;
};

/* Close st (NULL is allowed). */
void regstore_close(struct regstore *st);

/* Free what changeset_get() allocated and clear *c. */
void regstore_changeset_clear(struct reg_changeset *c);

/* Open flags of the SQLite backend. */
#define REGSTORE_CREATE 0x1   /* create the database if it is missing */
#define REGSTORE_SYNC_NORMAL 0x2 /* synchronous=NORMAL instead of FULL */

/* Open (and with REGSTORE_CREATE create) the SQLite database at path,
 * bring the register's schema (localdb/schema.h) and the registry's own
 * tables up to date, in WAL mode with foreign keys on.  Opening is safe
 * from several threads and processes at once.  *out is the handle
 * (regstore_close()); NULL on failure.  CUTRU_ENOTFOUND (no database and
 * no REGSTORE_CREATE), CUTRU_ECONFLICT (a newer schema), CUTRU_EIO. */
int regstore_sqlite_open(const char *path, unsigned flags,
    struct regstore **out, struct cutru_err *e);

#endif
