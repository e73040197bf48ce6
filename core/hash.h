/* Hashes: BLAKE2b-256 (libsodium crypto_generichash, no key) over bytes and
 * over canonical JSON (core/canon.h), lowercase hex for humans and JSON,
 * and the chained hash that links journal entries and change sets.
 *
 * Chained hash.  Entry n of a chain is linked to entry n-1 by
 *
 *     h[n] = BLAKE2b-256( tag || 0x00 || h[n-1] || canonical(entry[n]) )
 *
 * where
 *   tag           is the chain's domain-separation tag, ASCII without NUL
 *                 (HASH_TAG_JOURNAL, HASH_TAG_CHANGESET): the same entry
 *                 in two kinds of chain never gets the same hash;
 *   0x00          one zero byte ending the tag, so the tag's length is
 *                 implied and no (tag, prev) pair collides with another;
 *   h[n-1]        the 32 raw bytes of the previous link; the first entry
 *                 of a chain uses 32 zero bytes (hash_genesis; passing
 *                 prev NULL means the same);
 *   canonical()   canon_encode() of the entry, without its trailing NUL,
 *                 taking up the rest of the input (no length prefix is
 *                 needed: it is the last field).
 *
 * In hex, a hash is exactly 64 lowercase digits; hash_from_hex() also reads
 * uppercase but nothing else (no prefix, no white space).  Compare hashes
 * with hash_equal(), which takes the same time wherever they differ. */
#ifndef CUTRU_HASH_H
#define CUTRU_HASH_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "core/err.h"

#define HASH_LEN 32
#define HASH_HEX_LEN 64  /* digits, without the NUL */

/* Domain-separation tags of the chains. */
#define HASH_TAG_JOURNAL "cutru-journal-v1"
#define HASH_TAG_CHANGESET "cutru-changeset-v1"

/* The "previous hash" of the first entry of every chain: 32 zero bytes. */
extern const unsigned char hash_genesis[HASH_LEN];

/* out = BLAKE2b-256(buf[0..len)).  buf may be NULL when len is 0. */
void hash_bytes(const void *buf, size_t len, unsigned char out[HASH_LEN]);

/* out = BLAKE2b-256(canon_encode(item)).  Errors as canon_encode(); out is
 * zeroed on failure. */
int hash_json(const cJSON *item, unsigned char out[HASH_LEN],
    struct cutru_err *e);

/* hex = 64 lowercase hex digits and a NUL. */
void hash_to_hex(const unsigned char h[HASH_LEN],
    char hex[HASH_HEX_LEN + 1]);

/* Decode exactly HASH_HEX_LEN hex digits from hex[0..len) into out.
 * CUTRU_EINVAL (field "hash") for any other length or character; out is
 * zeroed on failure. */
int hash_from_hex(const char *hex, size_t len, unsigned char out[HASH_LEN],
    struct cutru_err *e);

/* 1 if a and b are equal, else 0, in time independent of the contents. */
int hash_equal(const unsigned char a[HASH_LEN],
    const unsigned char b[HASH_LEN]);

/* The chained hash above, over entry bytes already in canonical form
 * (canon[0..len), e.g. as received and checked with canon_parse() and
 * CANON_REQUIRE_CANONICAL).  tag must be non-empty ASCII without NUL:
 * CUTRU_EINVAL otherwise. */
int hash_chain_bytes(const char *tag, const unsigned char prev[HASH_LEN],
    const void *canon, size_t len, unsigned char out[HASH_LEN],
    struct cutru_err *e);

/* The chained hash above, over canon_encode(entry).  Errors as
 * canon_encode() and hash_chain_bytes(); out is zeroed on failure. */
int hash_chain(const char *tag, const unsigned char prev[HASH_LEN],
    const cJSON *entry, unsigned char out[HASH_LEN], struct cutru_err *e);

#endif
