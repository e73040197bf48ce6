/* Canonical JSON: the one byte form of a JSON value that cutru hashes and
 * signs.
 *
 * Journal entries, change sets, receipts and feed items are signed and
 * hash-chained.  A signature covers bytes, not trees, so every program that
 * builds or checks one of them must turn the same tree into the same bytes,
 * and a verifier must be able to insist that the bytes it received are the
 * only possible encoding of what they say.  This module defines that
 * encoding and enforces it in both directions.
 *
 * The data model is a subset of JSON (RFC 8259):
 *
 *   - null, true, false;
 *   - integers n with -(2^53 - 1) <= n <= 2^53 - 1 (the range in which a
 *     double, which is how cJSON stores numbers, holds every integer
 *     exactly and unambiguously).  No fractions, no exponents, no NaN or
 *     infinities: amounts are in whole đồng, dates are strings;
 *   - strings: well-formed UTF-8 (no overlong forms, no surrogates, nothing
 *     above U+10FFFF), no U+0000, compared and stored in Unicode
 *     Normalization Form C;
 *   - arrays (order is significant);
 *   - objects whose keys are strings as above and unique after NFC.
 *
 * The canonical encoding of a value is:
 *
 *   - null, true, false: those four/five ASCII letters;
 *   - an integer: its shortest decimal form, "-" for negatives, no "+", no
 *     leading zeros, zero is "0" (never "-0");
 *   - a string: '"', the NFC form of the string with these and only these
 *     bytes escaped, '"':
 *         "  as \"        \  as \\
 *         U+0008 \b   U+0009 \t   U+000A \n   U+000C \f   U+000D \r
 *         every other code point below U+0020 as \u00XX, XX lowercase hex;
 *     "/" and U+007F are not escaped; nothing at or above U+0080 is ever
 *     escaped (the UTF-8 bytes are copied);
 *   - an array: "[" elements joined by "," "]";
 *   - an object: "{" members "key":value joined by "," "}", sorted by the
 *     bytes of the NFC UTF-8 key (unsigned byte comparison; a key that is a
 *     prefix of another sorts first);
 *   - no white space anywhere outside strings.
 *
 * Nesting is at most CANON_MAX_DEPTH containers deep (a top-level object
 * holding an array is depth 2).  Encoding the same tree always gives the
 * same bytes; a tree that has no canonical form (a fraction, a duplicate
 * key, bad UTF-8, ...) is refused with an error naming the offending value
 * by its path ("members[2].dob"), never silently repaired - except for
 * NFC, which is applied, because input methods send NFD and both forms mean
 * the same text.
 *
 * canon_parse() is the strict reader that goes with it.  Without
 * CANON_REQUIRE_CANONICAL it accepts any RFC 8259 text within the data model
 * above (white space, any member order, any escapes, NFD text) and returns a
 * tree whose strings are NFC; with the flag, it also requires that the input
 * bytes are exactly canon_encode() of that tree, so a verifier can refuse a
 * signed document that was re-encoded on the way.  Either way it refuses
 * NUL bytes, trailing bytes after the value, nesting beyond the limit and
 * input beyond the caller's size caps, so it is safe on hostile input. */
#ifndef CUTRU_CANON_H
#define CUTRU_CANON_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "core/err.h"

/* The deepest nesting of arrays and objects either direction accepts. */
#define CANON_MAX_DEPTH 32

/* Largest and smallest integers in the data model: 2^53 - 1. */
#define CANON_INT_MAX 9007199254740991LL
#define CANON_INT_MIN (-9007199254740991LL)

/* Caps for canon_parse() on input from outside.  A field of 0 means "no cap
 * of its own" (the input length still bounds it); max_depth 0 or above
 * CANON_MAX_DEPTH means CANON_MAX_DEPTH. */
struct canon_limits {
	size_t max_bytes;   /* length of the whole input */
	size_t max_string;  /* bytes of one decoded string or key */
	size_t max_nodes;   /* values in the document, containers included */
	int max_depth;      /* nesting of arrays/objects */
};

/* Flags for canon_parse(). */
#define CANON_REQUIRE_CANONICAL 0x1u  /* input must be canon_encode(tree) */

/* Encode item canonically.  On success *out is a malloc'd buffer the caller
 * frees with free(): *outlen bytes of canonical JSON followed by one NUL
 * that is not counted (so *out can be used as a C string; canonical JSON
 * never contains a NUL).  On failure *out is NULL, *outlen 0, and e names
 * the offending value by its path (e->field, "" for the top level).
 * Errors: CUTRU_EINVAL (no canonical form: fraction, NaN, duplicate key,
 * invalid UTF-8, raw/invalid cJSON node, NULL item), CUTRU_ERANGE (integer
 * out of range, nesting too deep), CUTRU_ENOMEM. */
int canon_encode(const cJSON *item, char **out, size_t *outlen,
    struct cutru_err *e);

/* A growing byte buffer owned by the caller: start it zeroed, release it
 * with canon_buf_free().  Not NUL-terminated. */
struct canon_buf {
	char *p;
	size_t len;
	size_t cap;
};

/* canon_encode() onto the end of out, for callers that join many encoded
 * values (the journal's events) without a copy of each.  On failure
 * out->len is what it was (out->p may have moved).  *normalised (may be
 * NULL) tells whether a text or a key of item was not in NFC, so that the
 * bytes say something other than item's own strings: a caller that applies
 * item and records the bytes needs it to be 0.  Errors as canon_encode(). */
int canon_encode_append(const cJSON *item, struct canon_buf *out,
    int *normalised, struct cutru_err *e);

/* Append the n bytes at s, or the byte c, to b (growing it):
 * CUTRU_OK or CUTRU_ENOMEM, with b unchanged. */
int canon_buf_put(struct canon_buf *b, const void *s, size_t n);
int canon_buf_putc(struct canon_buf *b, char c);

/* Free b's bytes and zero it (b may be NULL). */
void canon_buf_free(struct canon_buf *b);

/* Parse len bytes at buf (no terminator needed; a NUL inside is an error)
 * into a cJSON tree obeying the data model above, within *lim (NULL: only
 * CANON_MAX_DEPTH applies).  flags: CANON_REQUIRE_CANONICAL or 0.
 * On success, if out is not NULL, *out is the tree (free with cJSON_Delete);
 * with out NULL the input is only checked.  On failure *out is NULL and the
 * message gives the byte offset of the problem.
 * Errors: CUTRU_EINVAL (syntax, data model, not canonical), CUTRU_ERANGE
 * (a cap exceeded, integer out of range), CUTRU_ENOMEM. */
int canon_parse(const char *buf, size_t len, const struct canon_limits *lim,
    unsigned flags, cJSON **out, struct cutru_err *e);

#endif
