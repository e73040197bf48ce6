/* Enrollment: a console presents its public keys to the registry with a
 * one-time token issued for its ward (`cutru-registryd token create`).
 *
 * ---------------------------------------------------------------------
 * THE REQUEST (POST /v1/enroll, body: a sealed envelope, magic "cuE1")
 *
 *   {"box_pk": "<base64>",     the device's X25519 public key (feed seals)
 *    "device": "<16 hex>",     key id of sign_pk
 *    "kind": "cutru-enroll-v1",
 *    "label": "...",           free text naming the console, 0..100 bytes
 *    "sign_pk": "<base64>",    the device's Ed25519 public key
 *    "time": 1795000000,       the console's clock
 *    "token": "...",           ENROLL_TOKEN_MIN..MAX of [A-Za-z0-9-]
 *    "ward": "00070"}
 *
 * signed by the device's own Ed25519 key (proof that it holds it) and
 * sealed to the registry's X25519 key (the token is a secret, so it is
 * never in the clear, whatever TLS does).
 *
 * ---------------------------------------------------------------------
 * THE ANSWER (200, body: a signed-only object, magic "cuN1")
 *
 *   {"device": "<16 hex>", "kind": "cutru-enrolled-v1", "time": T,
 *    "ward": "00070"}
 *
 * signed by the registry: the console checks it against the key file it
 * was given and only then records itself as enrolled.  A refusal is an
 * HTTP error with the JSON error body of cutru-protocol(7) (bad_token,
 * wrong_ward, already_enrolled, bad_seal, malformed). */
#ifndef CUTRU_SYNC_ENROLL_H
#define CUTRU_SYNC_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "sync/envelope.h"
#include "sync/reason.h"

#define ENROLL_KIND "cutru-enroll-v1"
#define ENROLLED_KIND "cutru-enrolled-v1"
#define ENROLL_TOKEN_MIN 16
#define ENROLL_TOKEN_MAX 64
#define ENROLL_LABEL_MAX 100
#define ENROLL_CANON_MAX 4096
#define ENROLL_SEALED_MAX \
	(ENROLL_CANON_MAX + ENVELOPE_SIGNED_HEADER + ENVELOPE_SEAL_OVERHEAD)

struct enroll_request {
	char ward[6];
	char device[ENVELOPE_KEY_ID_HEX + 1];   /* filled by seal from sign_pk */
	unsigned char sign_pk[ENVELOPE_PK_BYTES];
	unsigned char box_pk[ENVELOPE_PK_BYTES];
	char token[ENROLL_TOKEN_MAX + 1];
	char label[ENROLL_LABEL_MAX + 1];
	int64_t time;
};

struct enroll_answer {
	char ward[6];
	char device[ENVELOPE_KEY_ID_HEX + 1];
	int64_t time;
};

/* 0 when token has the token's form, else CUTRU_EINVAL (field "token"). */
int enroll_token_check(const char *token, struct cutru_err *e);

/* Console side: the request r (device is computed from r->sign_pk, which
 * must be device_sign_sk's public key), signed and sealed to the registry.
 * *out malloc'd, caller frees. */
int enroll_request_seal(const struct enroll_request *r,
    const unsigned char *device_sign_sk, const unsigned char *registry_box_pk,
    unsigned char **out, size_t *outlen, struct cutru_err *e);

/* Registry side: open, parse, check that device is the key id of sign_pk
 * and that the request is signed by sign_pk.  The token itself is the
 * registry's to check.  *why: SYNC_R_MALFORMED, SYNC_R_TOO_LARGE,
 * SYNC_R_BAD_SEAL, SYNC_R_BAD_DEVICE_SIGNATURE,
 * SYNC_R_UNSUPPORTED_VERSION. */
int enroll_request_open(const unsigned char *in, size_t len,
    const unsigned char *registry_box_pk, const unsigned char *registry_box_sk,
    struct enroll_request *out, enum sync_reason *why, struct cutru_err *e);

/* Registry side: the signed answer.  *out malloc'd, caller frees. */
int enroll_answer_sign(const struct enroll_answer *a,
    const unsigned char *registry_sign_sk, unsigned char **out,
    size_t *outlen, struct cutru_err *e);

/* Console side: verify with the pinned key and parse.  CUTRU_EINVAL,
 * CUTRU_ECRYPTO. */
int enroll_answer_verify(const unsigned char *in, size_t len,
    const unsigned char *registry_sign_pk, struct enroll_answer *out,
    struct cutru_err *e);

#endif
