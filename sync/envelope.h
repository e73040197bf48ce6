/* Envelopes: the binary framing shared by every object the sync protocol
 * seals or signs (change sets, feed pages, enrollment requests, receipts),
 * key ids, and the registry's public key file that consoles pin.
 *
 * All integers are little-endian and unsigned; every object starts with a
 * four-byte magic whose third byte says what it is and whose fourth the
 * envelope version ('1').
 *
 * ---------------------------------------------------------------------
 * SIGNED BODY (the plaintext inside a seal)
 *
 *   offset  size  field
 *   0       1     compression: 0 = none, 1 = raw DEFLATE (RFC 1951) with
 *                 the preset dictionary of this protocol version
 *                 (envelope_dictionary())
 *   1       64    Ed25519 signature (crypto_sign_detached) by the signer
 *                 over the canonical JSON bytes - the UNcompressed ones
 *   65      n     the canonical JSON (core/canon.h), compressed or not
 *
 * The signature covers the canonical bytes, never the compressed ones, so
 * the compressor may change without invalidating anything and a verifier
 * always checks what it will act on.  Inflating stops at the caller's cap
 * (a "zip bomb" is too_large, not memory exhaustion).  The JSON must be
 * canonical (CANON_REQUIRE_CANONICAL): a signed document that was
 * re-encoded on the way is refused (malformed), not repaired.
 *
 * ---------------------------------------------------------------------
 * SEALED ENVELOPE (what sits in outbox/ and inbox/, on the wire, on USB)
 *
 *   offset  size  field
 *   0       4     magic: "cuC1" change set, "cuF1" feed page,
 *                 "cuE1" enrollment request
 *   4       8     key id of the recipient's X25519 public key (below)
 *   12      m     crypto_box_seal(signed body, recipient X25519 key):
 *                 32-byte ephemeral public key, 16-byte tag, ciphertext
 *
 * So a sealed envelope is 60 bytes longer than its signed body.  The magic
 * and key id are outside the seal and therefore not authenticated; they
 * only route (which opener, which of a registry's keys).  What they claim
 * is checked again inside: the canonical JSON's "kind" names the object,
 * and only the holder of the matching secret key can open the seal at all.
 * A flipped bit anywhere in the sealed part fails the tag: bad_seal.
 *
 * ---------------------------------------------------------------------
 * SIGNED-ONLY OBJECT (receipts, enrollment answers: no personal data,
 * readable by the console's uploader, which holds no secret)
 *
 *   offset  size  field
 *   0       4     magic: "cuR1" receipt, "cuN1" enrollment answer
 *   4       8     key id of the signer's Ed25519 public key
 *   12      64    Ed25519 signature over the canonical JSON bytes
 *   76      n     canonical JSON, never compressed
 *
 * ---------------------------------------------------------------------
 * KEY IDS
 *
 * The key id of a 32-byte public key is the first 8 bytes of
 * BLAKE2b-256("cutru-key-id-v1" || 0x00 || public key), written as 16
 * lowercase hex digits in JSON.  A device's id is the key id of its
 * Ed25519 public key, so it cannot be claimed without the key.  A
 * supervisor's key id is that of their Ed25519 public key.
 *
 * ---------------------------------------------------------------------
 * THE REGISTRY'S PUBLIC KEY FILE (written by `cutru-registryd init`,
 * pinned by `cutru enroll --registry-key FILE`)
 *
 * One line of canonical JSON followed by a newline:
 *   {"box_pk":"<base64>","kind":"cutru-registry-key-v1",
 *    "name":"<free text, e.g. Registry of Hà Nội>","sign_pk":"<base64>"}
 * base64 is RFC 4648 with padding; both keys are 32 bytes. */
#ifndef CUTRU_SYNC_ENVELOPE_H
#define CUTRU_SYNC_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "sync/reason.h"

#define ENVELOPE_MAGIC_LEN 4
#define ENVELOPE_KEY_ID_LEN 8          /* bytes */
#define ENVELOPE_KEY_ID_HEX 16         /* digits, without NUL */
#define ENVELOPE_PK_BYTES 32           /* Ed25519 and X25519 public keys */
#define ENVELOPE_SIGN_SK_BYTES 64      /* Ed25519 secret key (libsodium) */
#define ENVELOPE_BOX_SK_BYTES 32       /* X25519 secret key */
#define ENVELOPE_SIG_BYTES 64
#define ENVELOPE_SIGNED_HEADER 65      /* compression + signature */
#define ENVELOPE_SEAL_HEADER 12        /* magic + recipient key id */
#define ENVELOPE_SEAL_OVERHEAD (ENVELOPE_SEAL_HEADER + 48)
#define ENVELOPE_SIGNED_ONLY_HEADER 76 /* magic + key id + signature */

#define ENVELOPE_MAGIC_CHANGESET "cuC1"
#define ENVELOPE_MAGIC_FEED "cuF1"
#define ENVELOPE_MAGIC_ENROLL "cuE1"
#define ENVELOPE_MAGIC_RECEIPT "cuR1"
#define ENVELOPE_MAGIC_ENROLLED "cuN1"

#define ENVELOPE_COMPRESS_NONE 0
#define ENVELOPE_COMPRESS_DEFLATE 1

#define REGISTRY_KEY_KIND "cutru-registry-key-v1"
#define REGISTRY_KEY_NAME_MAX 200   /* bytes of the name */

/* The registry's public keys as a console pins them. */
struct registry_keys {
	unsigned char sign_pk[ENVELOPE_PK_BYTES];  /* Ed25519: receipts, feed */
	unsigned char box_pk[ENVELOPE_PK_BYTES];   /* X25519: seals to it */
	char name[REGISTRY_KEY_NAME_MAX + 1];
};

/* hex = key id of pk (ENVELOPE_PK_BYTES) as 16 lowercase digits and NUL;
 * raw (may be NULL) = the 8 bytes. */
void envelope_key_id(const unsigned char *pk, char hex[ENVELOPE_KEY_ID_HEX + 1],
    unsigned char raw[ENVELOPE_KEY_ID_LEN]);

/* The preset DEFLATE dictionary of protocol version 1: *len bytes, static. */
const unsigned char *envelope_dictionary(size_t *len);

/* Sign canon[0..len) (canonical JSON, checked here) with sign_sk, build
 * the signed body (compressed when compress is nonzero and it is shorter),
 * and seal it to box_pk under magic.  *out (malloc'd, *outlen bytes, the
 * caller frees it) is the sealed envelope; NULL on failure. */
int envelope_seal(const char *magic, const char *canon, size_t len,
    const unsigned char *sign_sk, const unsigned char *box_pk, int compress,
    unsigned char **out, size_t *outlen, struct cutru_err *e);

/* Open a sealed envelope with the recipient's X25519 key pair, check the
 * magic (expected), the recipient key id, the compression byte, inflate at
 * most max_canon bytes, and require canonical JSON.  The signature is NOT
 * checked here (the signer's key is often known only after reading the
 * JSON): *sig receives it.  *canon is malloc'd (NUL-terminated, *canon_len
 * bytes without the NUL; the caller frees it), NULL on failure.
 * *why: SYNC_R_MALFORMED (short, wrong magic, bad compression byte, not
 * canonical JSON), SYNC_R_TOO_LARGE (beyond max_sealed or max_canon),
 * SYNC_R_BAD_SEAL (sealed to another key, or altered: the tag fails). */
int envelope_open(const char *magic, const unsigned char *in, size_t inlen,
    size_t max_sealed, size_t max_canon, const unsigned char *box_pk,
    const unsigned char *box_sk, char **canon, size_t *canon_len,
    unsigned char sig[ENVELOPE_SIG_BYTES], enum sync_reason *why,
    struct cutru_err *e);

/* Ed25519 check of sig over canon[0..len) with sign_pk: 0 or
 * CUTRU_ECRYPTO. */
int envelope_verify(const char *canon, size_t len,
    const unsigned char sig[ENVELOPE_SIG_BYTES], const unsigned char *sign_pk,
    struct cutru_err *e);

/* A signed-only object: magic, key id of sign_sk's public key, signature,
 * canon[0..len) (checked canonical).  *out malloc'd, caller frees. */
int envelope_sign(const char *magic, const char *canon, size_t len,
    const unsigned char *sign_sk, unsigned char **out, size_t *outlen,
    struct cutru_err *e);

/* Check a signed-only object against sign_pk: the magic, the key id (that
 * of sign_pk), the signature, canonical JSON of at most max_canon bytes.
 * *canon malloc'd as in envelope_open().  CUTRU_EINVAL (short, wrong
 * magic, not canonical), CUTRU_ERANGE (too large), CUTRU_ECRYPTO (another
 * signer's key id, or the signature does not verify). */
int envelope_check_signed(const char *magic, const unsigned char *in,
    size_t inlen, size_t max_canon, const unsigned char *sign_pk,
    char **canon, size_t *canon_len, struct cutru_err *e);

/* Read / write the registry's public key file text (above).  parse takes
 * text[0..len) with or without the final newline.  format gives a
 * malloc'd NUL-terminated string ending in "\n". */
int registry_keys_parse(const char *text, size_t len, struct registry_keys *out,
    struct cutru_err *e);
int registry_keys_format(const struct registry_keys *k, char **out,
    struct cutru_err *e);

/* base64 (RFC 4648 with padding) helpers for the JSON of the protocol.
 * encode: malloc'd NUL-terminated string, NULL on ENOMEM.  decode: exactly
 * the padded form of exactly want bytes (CUTRU_EINVAL otherwise), or, when
 * want is 0, any length up to max (*out malloc'd, *outlen). */
char *envelope_b64_encode(const unsigned char *bin, size_t len);
int envelope_b64_decode_fixed(const char *b64, unsigned char *out, size_t want,
    const char *field, struct cutru_err *e);
int envelope_b64_decode(const char *b64, size_t max, unsigned char **out,
    size_t *outlen, const char *field, struct cutru_err *e);

#endif
