/* The console's device identity: the keys with which a console signs its
 * change sets and opens its feed, its place in its own change-set chain,
 * and the registry it is enrolled with.
 *
 * Everything lives in the encrypted store (localdb/schema.c, migration 2):
 *
 *   device      one row: the device id (key id of the Ed25519 public key,
 *               sync/envelope.h), the ward, the Ed25519 secret key
 *               (libsodium's 64-byte form, which contains the public key),
 *               the X25519 key pair for the feed's seal, next_seq and prev
 *               (the chain: seq and hash the next change set takes), and,
 *               once enrolled, the registry's pinned public keys, its name
 *               and URL and the time of enrollment.
 *   changesets  one row per change set this device ever signed: seq,
 *               chained hash, dossier number, creation time, the sealed
 *               bytes exactly as put into the outbox (so a lost outbox file
 *               is rewritten byte for byte, never re-sealed into a second
 *               ciphertext), and the state sync gives it.
 *
 * The keys are made once, at the first device_load_or_create() (cutru init
 * or the first approval), from libsodium's generator; they never leave the
 * store except as public keys.  Secret keys are held in sodium_malloc
 * memory and wiped by device_free().
 *
 * The chain invariant: changesets holds seq 1 .. next_seq-1 without holes,
 * and prev is the hash of row next_seq-1 (genesis when there is none).
 * device_seal_changeset() keeps it by doing everything in one SAVEPOINT:
 * a crash leaves the old state or the new one, never a change set that was
 * sealed but whose seq is taken again. */
#ifndef CUTRU_SYNC_DEVICE_H
#define CUTRU_SYNC_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "core/err.h"
#include "core/hash.h"
#include "sync/envelope.h"
#include "sync/feed.h"
#include "sync/receipt.h"

#define DEVICE_URL_MAX 512

struct device {
	char id[ENVELOPE_KEY_ID_HEX + 1];
	char ward[6];
	unsigned char sign_pk[ENVELOPE_PK_BYTES];
	unsigned char box_pk[ENVELOPE_PK_BYTES];
	unsigned char *sign_sk;          /* sodium_malloc, 64 bytes */
	unsigned char *box_sk;           /* sodium_malloc, 32 bytes */
	int64_t next_seq;                /* seq of the next change set */
	unsigned char prev[HASH_LEN];    /* hash of the last one (or genesis) */
	int enrolled;                    /* registry, url, enrolled_at valid */
	struct registry_keys registry;
	char url[DEVICE_URL_MAX + 1];
	int64_t enrolled_at;
};

/* The device of the store db (register schema, migration 2 applied),
 * made now for ward (5 digits) if the store has none.  A store whose
 * device is for another ward is refused (CUTRU_ECONFLICT).  *out
 * (device_free()) on success, NULL on failure. */
int device_load_or_create(sqlite3 *db, const char *ward, struct device **out,
    struct cutru_err *e);

/* The device of the store, which must exist (CUTRU_ENOTFOUND). */
int device_load(sqlite3 *db, struct device **out, struct cutru_err *e);

/* Wipe the secrets and free (NULL allowed). */
void device_free(struct device *d);

/* The enrollment request for the registry whose keys are k (from the key
 * file the operator was given): sync/enroll.h.  Nothing is stored. */
int device_enroll_request(const struct device *d, const struct registry_keys *k,
    const char *token, const char *label, int64_t now, unsigned char **out,
    size_t *outlen, struct cutru_err *e);

/* Check the registry's answer to that request with k and, if it is for
 * this device and ward, pin k and url in the store (and in d).  A device
 * enrolled already is re-pinned only to the same keys (CUTRU_ECONFLICT
 * otherwise: a console never silently changes registry). */
int device_enrolled(sqlite3 *db, struct device *d, const struct registry_keys *k,
    const char *url, const unsigned char *answer, size_t answer_len,
    struct cutru_err *e);

/* Make the next change set of this device for an approved dossier (the
 * signed approval of localdb/dossier.h: dossier_approval() gives its bytes
 * and signature): build it (changeset_build(): seq and prev as the
 * database has them, created now), sign it, seal it to the pinned
 * registry key, record it in changesets under the approval's dossier
 * number (state "sealed") and advance the chain, all in one SAVEPOINT of
 * db.  Needs the device enrolled (CUTRU_EPERM otherwise: without the
 * registry's key nothing can be sealed).  *sealed (malloc'd, caller
 * frees), *seq and hash describe the result; on failure nothing changed.
 * CUTRU_ECONFLICT when the dossier already has a change set. */
int device_seal_changeset(sqlite3 *db, struct device *d, const char *author,
    const char *approval, size_t approval_len,
    const unsigned char *approval_sig, const unsigned char *supervisor_pk,
    int64_t now, unsigned char **sealed, size_t *sealed_len, int64_t *seq,
    unsigned char hash[HASH_LEN], struct cutru_err *e);

/* The sealed bytes recorded for change set seq (*out malloc'd). */
int device_sealed_changeset(sqlite3 *db, int64_t seq, unsigned char **out,
    size_t *outlen, struct cutru_err *e);

/* Receipt and feed with the pinned keys (enrolled only). */
int device_receipt_verify(const struct device *d, const unsigned char *in,
    size_t len, struct receipt *out, struct cutru_err *e);
int device_feed_open(const struct device *d, const unsigned char *in,
    size_t len, struct feed_page *out, struct cutru_err *e);
int device_feed_request(const struct device *d, const char *after,
    int64_t now, char sig[FEED_SIG_HEX + 1], struct cutru_err *e);

#endif
