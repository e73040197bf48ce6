/* BLAKE2b-256 helpers and the chained hash; the byte layout is in hash.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/canon.h"
#include "core/hash.h"
#include "core/i18n.h"

const unsigned char hash_genesis[HASH_LEN] = { 0 };

void
hash_bytes(const void *buf, size_t len, unsigned char out[HASH_LEN])
{
	static const unsigned char empty[1];

	crypto_generichash(out, HASH_LEN, buf != NULL ? buf : empty, len,
	    NULL, 0);
}

int
hash_json(const cJSON *item, unsigned char out[HASH_LEN],
    struct cutru_err *e)
{
	char *c = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, HASH_LEN);
	rc = canon_encode(item, &c, &n, e);
	if (rc != CUTRU_OK)
		return rc;
	hash_bytes(c, n, out);
	free(c);
	return CUTRU_OK;
}

void
hash_to_hex(const unsigned char h[HASH_LEN], char hex[HASH_HEX_LEN + 1])
{
	static const char digit[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < HASH_LEN; i++) {
		hex[2 * i] = digit[h[i] >> 4];
		hex[2 * i + 1] = digit[h[i] & 0xF];
	}
	hex[HASH_HEX_LEN] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hash_from_hex(const char *hex, size_t len, unsigned char out[HASH_LEN],
    struct cutru_err *e)
{
	size_t i;
	int hi, lo;

	memset(out, 0, HASH_LEN);
	if (hex == NULL || len != HASH_HEX_LEN)
		return cutru_err_set(e, CUTRU_EINVAL, "hash",
		    _("A hash must be exactly %d hexadecimal digits; this "
		    "one has %zu characters."), HASH_HEX_LEN,
		    hex == NULL ? (size_t)0 : len);
	for (i = 0; i < HASH_LEN; i++) {
		hi = hexval(hex[2 * i]);
		lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			memset(out, 0, HASH_LEN);
			return cutru_err_set(e, CUTRU_EINVAL, "hash",
			    _("A hash may contain only the digits 0-9 and "
			    "a-f; character %zu is not one."),
			    2 * i + (hi < 0 ? 1 : 2));
		}
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return CUTRU_OK;
}

int
hash_equal(const unsigned char a[HASH_LEN], const unsigned char b[HASH_LEN])
{
	return sodium_memcmp(a, b, HASH_LEN) == 0;
}

int
hash_chain_bytes(const char *tag, const unsigned char prev[HASH_LEN],
    const void *canon, size_t len, unsigned char out[HASH_LEN],
    struct cutru_err *e)
{
	crypto_generichash_state st;
	static const unsigned char zero[1];
	size_t i, taglen;

	memset(out, 0, HASH_LEN);
	if (tag == NULL || tag[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "tag",
		    _("A hash chain needs a non-empty tag."));
	taglen = strlen(tag);
	for (i = 0; i < taglen; i++)
		if ((unsigned char)tag[i] >= 0x80)
			return cutru_err_set(e, CUTRU_EINVAL, "tag",
			    _("A hash chain tag must be plain ASCII."));
	if (canon == NULL && len != 0)
		return cutru_err_set(e, CUTRU_EINVAL, "entry",
		    _("A hash chain entry is missing."));
	crypto_generichash_init(&st, NULL, 0, HASH_LEN);
	crypto_generichash_update(&st, (const unsigned char *)tag, taglen);
	crypto_generichash_update(&st, zero, 1);
	crypto_generichash_update(&st, prev != NULL ? prev : hash_genesis,
	    HASH_LEN);
	if (len != 0)
		crypto_generichash_update(&st, canon, len);
	crypto_generichash_final(&st, out, HASH_LEN);
	return CUTRU_OK;
}

int
hash_chain(const char *tag, const unsigned char prev[HASH_LEN],
    const cJSON *entry, unsigned char out[HASH_LEN], struct cutru_err *e)
{
	char *c = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, HASH_LEN);
	rc = canon_encode(entry, &c, &n, e);
	if (rc != CUTRU_OK)
		return rc;
	rc = hash_chain_bytes(tag, prev, c, n, out, e);
	free(c);
	return rc;
}
