/* Change sets: what an approved dossier becomes on its way from a console
 * to the registry.  Built and sealed by the console (sync/device.h drives
 * it), opened and verified by the registry; the same code on both sides.
 *
 * ---------------------------------------------------------------------
 * FORMAT (cutru-protocol(7) has the prose; this is the contract)
 *
 * A change set is the canonical JSON (core/canon.h) of exactly these
 * members (shown in canonical order):
 *
 *   {"approval": {...},        the supervisor's approval object, exactly
 *                              as signed (localdb/dossier.h: kind
 *                              "cutru-approval-v1", ward, dossier,
 *                              procedure, events, supervisor, decided)
 *    "approval_sig": "...",    its Ed25519 signature, base64 (88 chars)
 *    "author": "lan",          login of the officer who received the
 *                              dossier
 *    "created": 1795000000,    when the change set was made (Unix
 *                              seconds, UTC, the console's clock)
 *    "device": "0123456789abcdef",  the device id: key id of the
 *                              console's Ed25519 key (sync/envelope.h)
 *    "kind": "cutru-changeset-v1",  format and version
 *    "prev": "<64 hex>",       chained hash of the device's previous
 *                              change set; 64 zeros for seq 1
 *    "seq": 17,                the device's sequence number, 1, 2, 3 ...
 *    "supervisor_key": "<16 hex>",  key id of the supervisor's Ed25519
 *                              public key that signed the approval
 *    "ward": "00070"}          ward code; equals approval.ward
 *
 * The dossier's events are carried once, as approval.events: they are
 * what the supervisor signed, and duplicating them would only create a
 * second copy to keep equal.  Because canonical encoding is compositional,
 * the canonical bytes of the change set contain the canonical bytes of
 * the approval, so the registry checks the supervisor's signature over
 * canon_encode(approval) and the device's over the whole.
 *
 * Why two signatures over different bytes: the supervisor signs at
 * approval, before the change set's seq and prev exist; the device signs
 * the change set (which includes the approval and its signature) when it
 * is made.  The registry verifies both.
 *
 * Chain.  hash[n] = hash_chain_bytes(HASH_TAG_CHANGESET, hash[n-1],
 * canonical bytes of change set n) (core/hash.h), with hash[0] the
 * genesis (32 zero bytes); "prev" of change set n is hash[n-1] in hex.
 * Every change set a device signs takes the next seq, whatever the
 * registry later answers: a rejected change set still occupies its place
 * in the chain.
 *
 * On disk and on the wire a change set is a sealed envelope (magic "cuC1",
 * sync/envelope.h): signed by the device over the canonical bytes,
 * compressed with DEFLATE and the protocol's dictionary, sealed to the
 * registry's X25519 key.  Nothing else is ever written or sent.
 *
 * Limits: canonical bytes at most CHANGESET_CANON_MAX, sealed at most
 * CHANGESET_SEALED_MAX; more is too_large before anything is parsed.
 *
 * ---------------------------------------------------------------------
 * CHECKS, AND THE ORDER THE REGISTRY MAKES THEM IN (each with its reason)
 *
 *   changeset_open()        size (too_large), magic and framing
 *                           (malformed), seal (bad_seal), canonical JSON
 *                           and structure (malformed; unsupported_version
 *                           for another kind "cutru-changeset-vN")
 *   [registry]              device known (unknown_device), not revoked
 *                           (revoked_device)
 *   changeset_verify_device()   device signature (bad_device_signature)
 *   [registry]              cs.ward is the device's ward (wrong_ward);
 *                           supervisor known with that key id
 *                           (unknown_supervisor), active and authorised
 *                           for the ward (supervisor_not_authorised)
 *   changeset_verify_supervisor()  approval signature and key id
 *                           (bad_supervisor_signature)
 *   changeset_check_events()  events valid (invalid_events)
 *   [registry]              chain (gap, fork), identity, apply.
 *
 * Signatures come before event validation so that altered bytes are
 * reported as what they are (a bad signature), never as a content error.
 *
 * Only a change set whose device signature verified may be recorded or
 * take a place in the device's chain (accepted or rejected).  The
 * registry's X25519 key is public, so anyone can seal bytes naming any
 * device; refusals before changeset_verify_device() succeeds are answered
 * but never stored, or a forger could occupy a device's numbers. */
#ifndef CUTRU_SYNC_CHANGESET_H
#define CUTRU_SYNC_CHANGESET_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "core/err.h"
#include "core/hash.h"
#include "localdb/dossier.h"
#include "localdb/keyring.h"
#include "sync/envelope.h"
#include "sync/reason.h"

#define CHANGESET_KIND "cutru-changeset-v1"
#define CHANGESET_KIND_PREFIX "cutru-changeset-v"
#define CHANGESET_CANON_MAX (64 * 1024)
#define CHANGESET_SEALED_MAX \
	(CHANGESET_CANON_MAX + ENVELOPE_SIGNED_HEADER + ENVELOPE_SEAL_OVERHEAD)
#define CHANGESET_WARD_LEN 5
#define CHANGESET_PROCEDURE_MAX 32

/* What the console gives to make a change set.  All pointers are borrowed. */
struct changeset_input {
	const char *ward;                 /* 5 digits */
	const char *device;               /* device id, 16 hex digits */
	int64_t seq;                      /* >= 1 */
	const unsigned char *prev;        /* HASH_LEN bytes; NULL = genesis */
	int64_t created;                  /* Unix seconds */
	const char *author;               /* receiving officer's login */
	const char *approval;             /* canonical approval bytes */
	size_t approval_len;
	const unsigned char *approval_sig; /* DOSSIER_SIGNATURE_BYTES */
	const unsigned char *supervisor_pk; /* KEYRING_SIGN_PK_BYTES */
};

/* A change set as opened or parsed.  Strings are NUL-terminated copies;
 * tree, canon and approval are owned (changeset_free()). */
struct changeset {
	char ward[CHANGESET_WARD_LEN + 1];
	char device[ENVELOPE_KEY_ID_HEX + 1];
	int64_t seq;
	unsigned char prev[HASH_LEN];
	int64_t created;
	char author[KEYRING_LOGIN_MAX + 1];
	char supervisor_key[ENVELOPE_KEY_ID_HEX + 1];
	/* from the approval object */
	char supervisor[KEYRING_LOGIN_MAX + 1];
	char dossier[DOSSIER_NUMBER_MAX];
	char procedure[CHANGESET_PROCEDURE_MAX];
	char decided[16];
	const cJSON *events;              /* approval.events, inside tree */
	char *approval;                   /* canonical approval bytes */
	size_t approval_len;
	unsigned char approval_sig[DOSSIER_SIGNATURE_BYTES];
	/* the whole */
	cJSON *tree;
	char *canon;                      /* canonical change set bytes */
	size_t canon_len;
	int has_device_sig;               /* 1 after changeset_open() */
	unsigned char device_sig[ENVELOPE_SIG_BYTES];
	unsigned char hash[HASH_LEN];     /* chained hash of this change set */
};

/* Build the canonical bytes of a change set from in.  Checks every input
 * (formats, seq >= 1, author a valid login, the approval canonical and
 * verifying with supervisor_pk via dossier_approval_verify(), its ward
 * equal to in->ward) so a console never seals something the registry
 * must refuse for a reason the console could see.  *canon malloc'd
 * (NUL-terminated, *len bytes; caller frees), hash = its chained hash.
 * CUTRU_EINVAL, CUTRU_ERANGE (too large), CUTRU_ECRYPTO (the approval
 * does not verify), CUTRU_ENOMEM. */
int changeset_build(const struct changeset_input *in, char **canon,
    size_t *len, unsigned char hash[HASH_LEN], struct cutru_err *e);

/* Sign canon[0..len) with the device's Ed25519 secret key and seal it to
 * the registry's X25519 public key (compressed).  *sealed malloc'd,
 * caller frees. */
int changeset_seal(const char *canon, size_t len,
    const unsigned char *device_sign_sk, const unsigned char *registry_box_pk,
    unsigned char **sealed, size_t *sealed_len, struct cutru_err *e);

/* changeset_build() then changeset_seal(). */
int changeset_make(const struct changeset_input *in,
    const unsigned char *device_sign_sk, const unsigned char *registry_box_pk,
    unsigned char **sealed, size_t *sealed_len, unsigned char hash[HASH_LEN],
    struct cutru_err *e);

/* Registry side: open a sealed change set with the registry's X25519 key
 * pair and parse it (changeset_parse()).  No signature is checked yet.
 * On failure *out is zeroed and *why says why (see the list above). */
int changeset_open(const unsigned char *sealed, size_t sealed_len,
    const unsigned char *registry_box_pk, const unsigned char *registry_box_sk,
    struct changeset *out, enum sync_reason *why, struct cutru_err *e);

/* Parse canonical change set bytes canon[0..len) (must be canonical,
 * at most CHANGESET_CANON_MAX, exactly the members above, well-formed
 * values, approval well-formed with the same ward) and compute its chained
 * hash.  *why: SYNC_R_MALFORMED, SYNC_R_TOO_LARGE,
 * SYNC_R_UNSUPPORTED_VERSION.  has_device_sig is 0. */
int changeset_parse(const char *canon, size_t len, struct changeset *out,
    enum sync_reason *why, struct cutru_err *e);

/* The device signature of an opened change set, with the enrolled device's
 * Ed25519 public key, whose key id must be cs->device.
 * CUTRU_ECRYPTO / SYNC_R_BAD_DEVICE_SIGNATURE. */
int changeset_verify_device(const struct changeset *cs,
    const unsigned char *device_sign_pk, enum sync_reason *why,
    struct cutru_err *e);

/* The supervisor's signature over the approval, with their Ed25519 public
 * key, whose key id must be cs->supervisor_key (dossier_approval_verify()).
 * CUTRU_ECRYPTO / SYNC_R_BAD_SUPERVISOR_SIGNATURE. */
int changeset_verify_supervisor(const struct changeset *cs,
    const unsigned char *supervisor_pk, enum sync_reason *why,
    struct cutru_err *e);

/* The events (approval.events) against core/event.h: event_validate_list(),
 * and at least one event.  CUTRU_EINVAL / SYNC_R_INVALID_EVENTS, e->field
 * naming the value ("[1].data.to"). */
int changeset_check_events(const struct changeset *cs, enum sync_reason *why,
    struct cutru_err *e);

/* Free what cs owns and zero it (cs may be NULL; a zeroed struct is fine). */
void changeset_free(struct changeset *cs);

#endif
