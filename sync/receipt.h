/* Receipts: the registry's signed answer about one change set.
 *
 * ---------------------------------------------------------------------
 * FORMAT
 *
 * A receipt is the canonical JSON of (canonical order):
 *
 *   {"current": "<base64>",  OPTIONAL, only with a stale_record reason: a
 *                            feed page (sync/feed.h, sealed to the
 *                            device) holding the record's current state
 *    "device": "<16 hex>",    the device id       } of the change set
 *    "hash": "<64 hex>",      its chained hash    } answered
 *    "item": "<64 hex>",      BLAKE2b-256 of the sealed bytes as received
 *                             (receipt_item_hash()) - only when the
 *                             registry could not open and parse them, and
 *                             then instead of device, hash and seq
 *    "kind": "cutru-receipt-v1",
 *    "reasons": [{"code": "gap", "field": "seq", "message": "..."}],
 *                            empty for accepted; "field" optional (a JSON
 *                            path into the change set); message: English,
 *                            one line, never personal data
 *    "seq": 17,               its sequence number
 *    "status": "accepted" | "rejected" | "held",
 *    "time": 1795000123}     the registry's clock, Unix seconds
 *
 * "held" means a gap: an earlier seq of this device has not arrived; the
 * console keeps the change set and sends it again (it is not final).
 * "accepted" and "rejected" are final, and the registry answers any later
 * copy of the same (device, seq, hash) with the same receipt bytes.
 *
 * A receipt travels as a signed-only object (magic "cuR1",
 * sync/envelope.h) signed by the registry's Ed25519 key.  It is not
 * sealed: it holds no personal data (messages name fields, never values;
 * the current state is inside "current", which is sealed), so the
 * console's uploader, which holds no secret, can verify it with the
 * pinned public key and retire the outbox file. */
#ifndef CUTRU_SYNC_RECEIPT_H
#define CUTRU_SYNC_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/hash.h"
#include "sync/envelope.h"
#include "sync/reason.h"

#define RECEIPT_KIND "cutru-receipt-v1"
#define RECEIPT_REASONS_MAX 16
#define RECEIPT_MESSAGE_MAX 400     /* bytes of one message */
#define RECEIPT_CODE_MAX 40         /* bytes of a code name */
#define RECEIPT_CURRENT_MAX (64 * 1024)  /* bytes of the sealed current */
#define RECEIPT_CANON_MAX (128 * 1024)
#define RECEIPT_MAX (RECEIPT_CANON_MAX + ENVELOPE_SIGNED_ONLY_HEADER)

enum receipt_status {
	RECEIPT_ACCEPTED = 0,
	RECEIPT_REJECTED,
	RECEIPT_HELD
};

struct receipt_reason {
	enum sync_reason code;         /* SYNC_R_UNKNOWN for a name not known */
	char name[RECEIPT_CODE_MAX + 1];  /* the wire name as given */
	char field[CUTRU_ERR_FIELD_MAX];  /* "" if none */
	char message[RECEIPT_MESSAGE_MAX + 1];
};

struct receipt {
	enum receipt_status status;
	int has_changeset;             /* device, seq, hash are set */
	char device[ENVELOPE_KEY_ID_HEX + 1];
	int64_t seq;
	unsigned char hash[HASH_LEN];
	int has_item;                  /* item is set (exactly one of the two) */
	unsigned char item[HASH_LEN];
	int64_t time;
	size_t nreasons;
	struct receipt_reason reasons[RECEIPT_REASONS_MAX];
	unsigned char *current;        /* malloc'd sealed feed page, or NULL */
	size_t current_len;
};

/* The item hash of a sealed change set as received. */
void receipt_item_hash(const unsigned char *sealed, size_t len,
    unsigned char out[HASH_LEN]);

/* Append a reason to r (RECEIPT_REASONS_MAX at most: CUTRU_ERANGE).  field
 * may be NULL; the message is printf-formatted, one line, truncated to
 * RECEIPT_MESSAGE_MAX bytes at a character boundary. */
int receipt_add_reason(struct receipt *r, enum sync_reason code,
    const char *field, struct cutru_err *e, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Registry side: the canonical JSON of r, signed with the registry's
 * Ed25519 secret key, as a signed-only object.  Checks r: accepted has no
 * reasons, rejected and held have at least one, held has has_changeset,
 * exactly one of has_changeset/has_item, current only with rejected.
 * *out malloc'd, caller frees. */
int receipt_sign(const struct receipt *r, const unsigned char *registry_sign_sk,
    unsigned char **out, size_t *outlen, struct cutru_err *e);

/* Console side: verify a receipt with the pinned registry Ed25519 public
 * key and parse it into *out (free with receipt_free()).  Unknown reason
 * names are kept (code SYNC_R_UNKNOWN).  CUTRU_EINVAL (malformed),
 * CUTRU_ERANGE (too large), CUTRU_ECRYPTO (not signed by this registry). */
int receipt_verify(const unsigned char *in, size_t len,
    const unsigned char *registry_sign_pk, struct receipt *out,
    struct cutru_err *e);

/* Free r->current and zero r (NULL allowed). */
void receipt_free(struct receipt *r);

/* "accepted", "rejected", "held". */
const char *receipt_status_name(enum receipt_status s);

#endif
