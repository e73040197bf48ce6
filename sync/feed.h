/* The feed: what the registry tells one ward - residents who registered
 * their permanent residence elsewhere (the old ward's residence closed),
 * corrected identities, the current state of a record after a stale_record
 * rejection - as pages of events, read with a cursor.
 *
 * ---------------------------------------------------------------------
 * FORMAT
 *
 * A feed page is the canonical JSON of (canonical order):
 *
 *   {"after": "<cursor>",     the cursor the page was asked for ("" =
 *                             from the beginning of the ward's feed)
 *    "cursor": "<cursor>",    where the next request continues (equal to
 *                             "after" when there was nothing new)
 *    "device": "<16 hex>",    the device it is sealed to
 *    "items": [               oldest first, at most FEED_ITEMS_MAX
 *      {"cause": "residence_elsewhere",   why (FEED_CAUSE_*; a console
 *                             treats an unknown cause as "other")
 *       "events": [ ... ],    core/event.h events, at least one, applied
 *                             in order through the same code as the
 *                             console's own (localdb/apply.h)
 *       "ref": "..."}         OPTIONAL: for current_state, "DEVICE:SEQ"
 *    ],                       of the rejected change set
 *    "kind": "cutru-feed-v1",
 *    "more": false,           true: ask again with "cursor" at once
 *    "time": 1795000123,      the registry's clock, Unix seconds
 *    "ward": "00070"}
 *
 * A cursor is 0..FEED_CURSOR_MAX characters of [A-Za-z0-9._~-], opaque to
 * the console: it stores the last "cursor" it applied and asks for the
 * rest.  A page is applied whole, in one transaction, and the cursor is
 * stored in that transaction, so a page delivered twice is recognised by
 * its "after" and skipped.
 *
 * A page travels as a sealed envelope (magic "cuF1", sync/envelope.h):
 * signed by the registry's Ed25519 key, compressed, sealed to the device's
 * X25519 key.  It is the only thing the registry sends that carries
 * personal data, and only the device can read it.
 *
 * ---------------------------------------------------------------------
 * THE REQUEST
 *
 *   GET /v1/feed?device=ID&after=CURSOR&time=T&sig=HEX
 *
 * sig is the device's Ed25519 signature (128 hex digits) over the bytes
 *   "cutru-feed-request-v1\n" ID "\n" CURSOR "\n" T
 * (T in decimal Unix seconds).  The registry serves only a device that
 * signs for itself, within FEED_REQUEST_WINDOW seconds of its clock either
 * way (consoles' clocks drift; a replayed request only gets ciphertext for
 * the same device). */
#ifndef CUTRU_SYNC_FEED_H
#define CUTRU_SYNC_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "core/err.h"
#include "sync/envelope.h"
#include "sync/reason.h"

#define FEED_KIND "cutru-feed-v1"
#define FEED_CURSOR_MAX 64
#define FEED_ITEMS_MAX 500
#define FEED_CAUSE_MAX 32
#define FEED_REF_MAX 64
#define FEED_CANON_MAX (1024 * 1024)
#define FEED_SEALED_MAX \
	(FEED_CANON_MAX + ENVELOPE_SIGNED_HEADER + ENVELOPE_SEAL_OVERHEAD)
#define FEED_SIG_HEX 128
/* Clock difference tolerated on a feed request: two days either way. */
#define FEED_REQUEST_WINDOW (2 * 86400)

#define FEED_CAUSE_RESIDENCE_ELSEWHERE "residence_elsewhere"
#define FEED_CAUSE_IDENTITY_CORRECTED "identity_corrected"
#define FEED_CAUSE_CURRENT_STATE "current_state"
#define FEED_CAUSE_OTHER "other"

/* A page.  feed_seal() reads it; feed_open() fills it (items owned,
 * feed_page_free()).  items is a JSON array of item objects as above. */
struct feed_page {
	char ward[6];
	char device[ENVELOPE_KEY_ID_HEX + 1];
	char after[FEED_CURSOR_MAX + 1];
	char cursor[FEED_CURSOR_MAX + 1];
	int more;
	int64_t time;
	cJSON *items;
};

/* 0 when s is a valid cursor, else CUTRU_EINVAL (field "cursor"). */
int feed_cursor_check(const char *s, struct cutru_err *e);

/* A feed item {"cause", "events", "ref"?}: takes ownership of events (freed
 * on failure); ref may be NULL.  NULL on ENOMEM or bad arguments. */
cJSON *feed_item_new(const char *cause, cJSON *events, const char *ref);

/* Registry side: check p (every item's events valid, sizes, cursors),
 * encode, sign with the registry's Ed25519 key and seal to the device's
 * X25519 key.  *out malloc'd, caller frees. */
int feed_seal(const struct feed_page *p, const unsigned char *registry_sign_sk,
    const unsigned char *device_box_pk, unsigned char **out, size_t *outlen,
    struct cutru_err *e);

/* Console side: open with the device's X25519 key pair, verify the
 * registry's signature with the pinned key, parse and check (kind,
 * cursors, "device" equal to device_id, every item's events valid by
 * event_validate_list()).  *out filled (feed_page_free()).  CUTRU_EINVAL
 * (malformed), CUTRU_ERANGE (too large), CUTRU_ECRYPTO (bad seal, not
 * signed by this registry, or for another device). */
int feed_open(const unsigned char *in, size_t len,
    const unsigned char *device_box_pk, const unsigned char *device_box_sk,
    const unsigned char *registry_sign_pk, const char *device_id,
    struct feed_page *out, struct cutru_err *e);

void feed_page_free(struct feed_page *p);

/* The request signature above: sig = 128 lowercase hex digits and NUL. */
int feed_request_sign(const unsigned char *device_sign_sk, const char *device,
    const char *after, int64_t time, char sig[FEED_SIG_HEX + 1],
    struct cutru_err *e);

/* Registry side: check a request's signature with the device's public key
 * and its time against now.  *why: SYNC_R_BAD_CURSOR (bad after),
 * SYNC_R_BAD_REQUEST_SIGNATURE (bad signature, or time outside the
 * window), SYNC_R_MALFORMED (sig not 128 hex digits). */
int feed_request_verify(const unsigned char *device_sign_pk,
    const char *device, const char *after, int64_t time, const char *sig,
    int64_t now, enum sync_reason *why, struct cutru_err *e);

#endif
