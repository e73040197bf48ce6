/* Envelopes: sign, compress, seal; open, inflate, check.  The formats are
 * in sync/envelope.h and cutru-protocol(7).
 *
 * What can go wrong, and what this file does about it:
 *   - A hostile or damaged input: every length is checked against the
 *     input before it is used, sizes are capped before anything is
 *     allocated from them, and inflating stops at the caller's cap, so a
 *     few hundred bytes cannot make the registry allocate gigabytes.
 *   - A re-encoded document: the canonical JSON is parsed with
 *     CANON_REQUIRE_CANONICAL, so bytes that a signature covers are
 *     exactly the bytes the reader acts on.
 *   - Compression ambiguity: the signature covers the uncompressed bytes,
 *     so two compressors (or none) give the same signature and a verifier
 *     always checks what it will use.  The compressed stream must end
 *     exactly at the end of the body: trailing bytes are malformed.
 *   - The preset dictionary is part of the protocol version: changing one
 *     byte of it makes every deflated envelope unreadable, so it never
 *     changes within "cuX1" magics; a new dictionary needs a new
 *     compression byte value. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <zlib.h>
#include <cjson/cJSON.h>

#include "core/canon.h"
#include "core/i18n.h"
#include "sync/envelope.h"
#include "sync/util.h"

#define KEY_ID_TAG "cutru-key-id-v1"

/* The preset dictionary: strings that recur in change sets, feed pages and
 * enrollment requests, the most frequent last (DEFLATE reaches the end of
 * the window with the shortest distances).  Protocol version 1: frozen. */
static const char dictionary[] =
	"\"residence_elsewhere\",\"identity_corrected\",\"current_state\","
	"{\"type\":\"identity.corrected\",\"data\":{\"document_ref\":"
	"{\"type\":\"stay.recorded\",\"data\":{\"guests\":[{\"nationality\":"
	"\"passport\":{\"type\":\"absence.recorded\",\"data\":{\"case\":"
	"\"destination\":\"reason\":{\"type\":\"confirmation.issued\","
	"\"data\":{\"content\":\"issued\":\"valid_until\":\"requester\":"
	"{\"type\":\"household.member_removed\",\"data\":"
	"{\"type\":\"household.head_changed\",\"data\":"
	"{\"type\":\"residence.extended\",\"data\":"
	"{\"type\":\"residence.closed\",\"data\":{\"date\":\"event_date\":"
	"\"ground\":\"kind\":\"permanent\",\"person\":"
	"\"household.split\",\"temporary.delete\",\"temporary.extend\","
	"\"permanent.delete\",\"residence.adjust\",\"residence.declare\","
	"\"residence.confirm\",\"stay.notify\",\"absence.declare\","
	"\"box_pk\":\"sign_pk\":\"token\":\"label\":\"cutru-enroll-v1\","
	"{\"after\":\"\",\"cursor\":\"items\":[{\"cause\":\"events\":[{"
	"\"kind\":\"cutru-feed-v1\",\"more\":false,\"time\":17"
	"{\"type\":\"household.created\",\"data\":{\"address\":{\"commune\":"
	"\"detail\":\"\"},\"head\":\"household\":\"00"
	"{\"type\":\"household.member_added\",\"data\":{\"household\":"
	"\"person\":\"relationship\":\"permanent.register\","
	"\"email\":\"@gmail.com\",\"Thôn \"Số \"Ngõ \"Đường \"Phường "
	"\"Nguyễn \"Trần \"Lê \"Phạm \"Hoàng \"Huỳnh \"Phan \"Vũ \"Võ "
	"\"Đặng \"Bùi \"Đỗ \"Hồ \"Ngô \"Dương \"Lý Thị Văn Hữu Đức Minh "
	"Anh Hương Lan Hà Hùng Dũng Tuấn Hải Linh Ngọc Thu Hoa Mai "
	"\"},\"from\":\"2026-\",\"kind\":\"temporary\",\"person\":\""
	"\"temporary.register\",\"supervisor\":\"},\"approval_sig\":\""
	"{\"approval\":{\"decided\":\"2026-\",\"dossier\":\"/2026/PTN\","
	"\"events\":[{\"data\":{\"dob\":\"19\",\"id_number\":\"0\","
	"\"name\":\"\",\"phone\":\"09\",\"sex\":\"male\",\"sex\":\"female\"},"
	"\"type\":\"person.upserted\"},{\"data\":{\"address\":{\"commune\":\""
	"\",\"detail\":\"\"},\"from\":\"2026-\",\"kind\":\"temporary\","
	"\"person\":\"\",\"to\":\"20\"},\"type\":\"residence.opened\"}],"
	"\"kind\":\"cutru-approval-v1\",\"procedure\":\"temporary.register\","
	"\"supervisor\":\"\",\"ward\":\"\"},\"approval_sig\":\""
	"\",\"author\":\"\",\"created\":17\",\"device\":\""
	"\",\"kind\":\"cutru-changeset-v1\",\"prev\":\""
	"\",\"seq\":\",\"supervisor_key\":\"\",\"ward\":\"";

const unsigned char *
envelope_dictionary(size_t *len)
{
	*len = sizeof dictionary - 1;
	return (const unsigned char *)dictionary;
}

/* ------------------------------------------------------------ helpers */

static void
set_why(enum sync_reason *why, enum sync_reason r)
{
	if (why != NULL)
		*why = r;
}

void
envelope_key_id(const unsigned char *pk, char hex[ENVELOPE_KEY_ID_HEX + 1],
    unsigned char raw[ENVELOPE_KEY_ID_LEN])
{
	crypto_generichash_state st;
	unsigned char h[32];

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)KEY_ID_TAG,
	    sizeof KEY_ID_TAG);   /* the tag and its NUL */
	crypto_generichash_update(&st, pk, ENVELOPE_PK_BYTES);
	crypto_generichash_final(&st, h, sizeof h);
	if (hex != NULL)
		sodium_bin2hex(hex, ENVELOPE_KEY_ID_HEX + 1, h,
		    ENVELOPE_KEY_ID_LEN);
	if (raw != NULL)
		memcpy(raw, h, ENVELOPE_KEY_ID_LEN);
}

/* Canonical JSON at most max bytes (0: no cap beyond len). */
static int
check_canonical(const char *canon, size_t len, size_t max,
    struct cutru_err *e)
{
	struct canon_limits lim = { 0, 0, 0, 0 };

	lim.max_bytes = max;
	return canon_parse(canon, len, &lim, CANON_REQUIRE_CANONICAL, NULL, e);
}

/* Raw DEFLATE of in[0..len) with the dictionary into a malloc'd buffer. */
static int
deflate_dict(const unsigned char *in, size_t len, unsigned char **out,
    size_t *outlen, struct cutru_err *e)
{
	z_stream z;
	unsigned char *buf;
	uLong cap;
	int zrc;

	*out = NULL;
	*outlen = 0;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return sync_oom(e);
	if (deflateSetDictionary(&z, (const Bytef *)dictionary,
	    (uInt)(sizeof dictionary - 1)) != Z_OK) {
		deflateEnd(&z);
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The compressor refused its dictionary."));
	}
	cap = deflateBound(&z, (uLong)len);
	if ((buf = malloc(cap)) == NULL) {
		deflateEnd(&z);
		return sync_oom(e);
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	zrc = deflate(&z, Z_FINISH);
	if (zrc != Z_STREAM_END) {
		deflateEnd(&z);
		free(buf);
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("Compression failed."));
	}
	*outlen = cap - z.avail_out;
	*out = buf;
	deflateEnd(&z);
	return CUTRU_OK;
}

/* Inflate a raw DEFLATE stream with the dictionary; at most max bytes out,
 * and the stream must end exactly at the end of the input.  *out is
 * malloc'd with room for a NUL. */
static int
inflate_dict(const unsigned char *in, size_t len, size_t max,
    unsigned char **out, size_t *outlen, enum sync_reason *why,
    struct cutru_err *e)
{
	z_stream z;
	unsigned char *buf = NULL, *nb;
	size_t cap, used = 0;
	int zrc, rc;

	*out = NULL;
	*outlen = 0;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, -15) != Z_OK)
		return sync_oom(e);
	if (inflateSetDictionary(&z, (const Bytef *)dictionary,
	    (uInt)(sizeof dictionary - 1)) != Z_OK) {
		inflateEnd(&z);
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The decompressor refused its dictionary."));
	}
	/* Start near the usual ratio; grow, never past max + 1 (one byte
	 * more than allowed is how "too large" shows). */
	cap = len * 4 + 256;
	if (cap > max + 1)
		cap = max + 1;
	if ((buf = malloc(cap + 1)) == NULL) {
		rc = sync_oom(e);
		goto done;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	for (;;) {
		z.next_out = buf + used;
		z.avail_out = (uInt)(cap - used);
		zrc = inflate(&z, Z_NO_FLUSH);
		used = cap - z.avail_out;
		if (zrc == Z_STREAM_END)
			break;
		if (used > max) {
			set_why(why, SYNC_R_TOO_LARGE);
			rc = cutru_err_set(e, CUTRU_ERANGE, "body",
			    _("The document unpacks to more than %zu bytes."),
			    max);
			goto done;
		}
		if (zrc == Z_BUF_ERROR && z.avail_in == 0) {
			set_why(why, SYNC_R_MALFORMED);
			rc = cutru_err_set(e, CUTRU_EINVAL, "body",
			    _("The compressed document is cut short."));
			goto done;
		}
		if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			if (zrc == Z_MEM_ERROR) {
				rc = sync_oom(e);
				goto done;
			}
			set_why(why, SYNC_R_MALFORMED);
			rc = cutru_err_set(e, CUTRU_EINVAL, "body",
			    _("The compressed document is damaged."));
			goto done;
		}
		if (z.avail_out == 0) {
			size_t ncap = cap * 2;

			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap == cap)
				continue;   /* full at max + 1: next round says so */
			if ((nb = realloc(buf, ncap + 1)) == NULL) {
				rc = sync_oom(e);
				goto done;
			}
			buf = nb;
			cap = ncap;
		}
	}
	if (used > max) {
		set_why(why, SYNC_R_TOO_LARGE);
		rc = cutru_err_set(e, CUTRU_ERANGE, "body",
		    _("The document unpacks to more than %zu bytes."), max);
		goto done;
	}
	if (z.avail_in != 0) {
		set_why(why, SYNC_R_MALFORMED);
		rc = cutru_err_set(e, CUTRU_EINVAL, "body",
		    _("Bytes follow the end of the compressed document."));
		goto done;
	}
	buf[used] = '\0';
	*out = buf;
	*outlen = used;
	buf = NULL;
	rc = CUTRU_OK;
done:
	inflateEnd(&z);
	free(buf);
	return rc;
}

/* ------------------------------------------------------------ sealing */

int
envelope_seal(const char *magic, const char *canon, size_t len,
    const unsigned char *sign_sk, const unsigned char *box_pk, int compress,
    unsigned char **out, size_t *outlen, struct cutru_err *e)
{
	unsigned char *body = NULL, *z = NULL, *sealed = NULL;
	const unsigned char *payload;
	size_t zlen = 0, plen, blen;
	int rc, method = ENVELOPE_COMPRESS_NONE;

	*out = NULL;
	*outlen = 0;
	if (magic == NULL || strlen(magic) != ENVELOPE_MAGIC_LEN ||
	    canon == NULL || sign_sk == NULL || box_pk == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Nothing to seal, or no key to seal it with."));
	if ((rc = check_canonical(canon, len, 0, e)) != CUTRU_OK)
		return rc;
	payload = (const unsigned char *)canon;
	plen = len;
	if (compress) {
		if ((rc = deflate_dict(payload, len, &z, &zlen, e)) != CUTRU_OK)
			return rc;
		if (zlen < len) {
			payload = z;
			plen = zlen;
			method = ENVELOPE_COMPRESS_DEFLATE;
		}
	}
	blen = ENVELOPE_SIGNED_HEADER + plen;
	if ((body = malloc(blen)) == NULL ||
	    (sealed = malloc(ENVELOPE_SEAL_HEADER + crypto_box_SEALBYTES +
	    blen)) == NULL) {
		rc = sync_oom(e);
		goto done;
	}
	body[0] = (unsigned char)method;
	crypto_sign_detached(body + 1, NULL, (const unsigned char *)canon, len,
	    sign_sk);
	memcpy(body + ENVELOPE_SIGNED_HEADER, payload, plen);
	memcpy(sealed, magic, ENVELOPE_MAGIC_LEN);
	envelope_key_id(box_pk, NULL, sealed + ENVELOPE_MAGIC_LEN);
	if (crypto_box_seal(sealed + ENVELOPE_SEAL_HEADER, body, blen,
	    box_pk) != 0) {
		rc = cutru_err_set(e, CUTRU_ECRYPTO, "key",
		    _("The recipient's public key is not a valid X25519 key."));
		goto done;
	}
	*out = sealed;
	*outlen = ENVELOPE_SEAL_HEADER + crypto_box_SEALBYTES + blen;
	sealed = NULL;
	rc = CUTRU_OK;
done:
	free(z);
	free(body);
	free(sealed);
	return rc;
}

int
envelope_open(const char *magic, const unsigned char *in, size_t inlen,
    size_t max_sealed, size_t max_canon, const unsigned char *box_pk,
    const unsigned char *box_sk, char **canon, size_t *canon_len,
    unsigned char sig[ENVELOPE_SIG_BYTES], enum sync_reason *why,
    struct cutru_err *e)
{
	unsigned char kid[ENVELOPE_KEY_ID_LEN];
	unsigned char *body = NULL, *doc = NULL;
	size_t blen, dlen = 0;
	int rc;

	*canon = NULL;
	*canon_len = 0;
	set_why(why, SYNC_R_MALFORMED);
	if (in == NULL || magic == NULL || box_pk == NULL || box_sk == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Nothing to open, or no key to open it with."));
	if (inlen > max_sealed) {
		set_why(why, SYNC_R_TOO_LARGE);
		return cutru_err_set(e, CUTRU_ERANGE, "body",
		    _("The sealed document has %zu bytes; at most %zu are "
		    "accepted."), inlen, max_sealed);
	}
	if (inlen < ENVELOPE_SEAL_OVERHEAD + ENVELOPE_SIGNED_HEADER + 1)
		return cutru_err_set(e, CUTRU_EINVAL, "body",
		    _("The sealed document is cut short (%zu bytes)."), inlen);
	if (memcmp(in, magic, ENVELOPE_MAGIC_LEN) != 0)
		return cutru_err_set(e, CUTRU_EINVAL, "body",
		    _("This is not the kind of sealed document expected here."));
	envelope_key_id(box_pk, NULL, kid);
	if (sodium_memcmp(kid, in + ENVELOPE_MAGIC_LEN, sizeof kid) != 0) {
		set_why(why, SYNC_R_BAD_SEAL);
		return cutru_err_set(e, CUTRU_ECRYPTO, "seal",
		    _("The document is sealed to another key."));
	}
	blen = inlen - ENVELOPE_SEAL_HEADER - crypto_box_SEALBYTES;
	if ((body = malloc(blen)) == NULL)
		return sync_oom(e);
	if (crypto_box_seal_open(body, in + ENVELOPE_SEAL_HEADER,
	    inlen - ENVELOPE_SEAL_HEADER, box_pk, box_sk) != 0) {
		set_why(why, SYNC_R_BAD_SEAL);
		rc = cutru_err_set(e, CUTRU_ECRYPTO, "seal",
		    _("The seal does not open: the document was damaged or "
		    "altered, or sealed to another key."));
		goto done;
	}
	switch (body[0]) {
	case ENVELOPE_COMPRESS_NONE:
		dlen = blen - ENVELOPE_SIGNED_HEADER;
		if (dlen > max_canon) {
			set_why(why, SYNC_R_TOO_LARGE);
			rc = cutru_err_set(e, CUTRU_ERANGE, "body",
			    _("The document has %zu bytes; at most %zu are "
			    "accepted."), dlen, max_canon);
			goto done;
		}
		if ((doc = malloc(dlen + 1)) == NULL) {
			rc = sync_oom(e);
			goto done;
		}
		memcpy(doc, body + ENVELOPE_SIGNED_HEADER, dlen);
		doc[dlen] = '\0';
		break;
	case ENVELOPE_COMPRESS_DEFLATE:
		if ((rc = inflate_dict(body + ENVELOPE_SIGNED_HEADER,
		    blen - ENVELOPE_SIGNED_HEADER, max_canon, &doc, &dlen, why,
		    e)) != CUTRU_OK)
			goto done;
		break;
	default:
		rc = cutru_err_set(e, CUTRU_EINVAL, "body",
		    _("The document uses an unknown compression (%u)."),
		    (unsigned)body[0]);
		goto done;
	}
	if ((rc = check_canonical((const char *)doc, dlen, max_canon, e)) !=
	    CUTRU_OK) {
		if (rc == CUTRU_ERANGE)
			set_why(why, SYNC_R_TOO_LARGE);
		goto done;
	}
	memcpy(sig, body + 1, ENVELOPE_SIG_BYTES);
	*canon = (char *)doc;
	*canon_len = dlen;
	doc = NULL;
	set_why(why, SYNC_R_NONE);
	rc = CUTRU_OK;
done:
	if (body != NULL) {
		sodium_memzero(body, blen);
		free(body);
	}
	free(doc);
	return rc;
}

int
envelope_verify(const char *canon, size_t len,
    const unsigned char sig[ENVELOPE_SIG_BYTES], const unsigned char *sign_pk,
    struct cutru_err *e)
{
	if (canon == NULL || sig == NULL || sign_pk == NULL ||
	    crypto_sign_verify_detached(sig, (const unsigned char *)canon, len,
	    sign_pk) != 0)
		return cutru_err_set(e, CUTRU_ECRYPTO, "signature",
		    _("The signature does not verify: the document was altered "
		    "after signing, or signed with another key."));
	return CUTRU_OK;
}

/* ------------------------------------------------------------ signed-only */

int
envelope_sign(const char *magic, const char *canon, size_t len,
    const unsigned char *sign_sk, unsigned char **out, size_t *outlen,
    struct cutru_err *e)
{
	unsigned char *buf;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (magic == NULL || strlen(magic) != ENVELOPE_MAGIC_LEN ||
	    canon == NULL || sign_sk == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Nothing to sign, or no key to sign it with."));
	if ((rc = check_canonical(canon, len, 0, e)) != CUTRU_OK)
		return rc;
	if ((buf = malloc(ENVELOPE_SIGNED_ONLY_HEADER + len)) == NULL)
		return sync_oom(e);
	memcpy(buf, magic, ENVELOPE_MAGIC_LEN);
	/* libsodium's secret key ends with the public key. */
	envelope_key_id(sign_sk + crypto_sign_SEEDBYTES, NULL,
	    buf + ENVELOPE_MAGIC_LEN);
	crypto_sign_detached(buf + ENVELOPE_SEAL_HEADER, NULL,
	    (const unsigned char *)canon, len, sign_sk);
	memcpy(buf + ENVELOPE_SIGNED_ONLY_HEADER, canon, len);
	*out = buf;
	*outlen = ENVELOPE_SIGNED_ONLY_HEADER + len;
	return CUTRU_OK;
}

int
envelope_check_signed(const char *magic, const unsigned char *in,
    size_t inlen, size_t max_canon, const unsigned char *sign_pk,
    char **canon, size_t *canon_len, struct cutru_err *e)
{
	unsigned char kid[ENVELOPE_KEY_ID_LEN];
	const char *doc;
	char *copy;
	size_t dlen;
	int rc;

	*canon = NULL;
	*canon_len = 0;
	if (in == NULL || magic == NULL || sign_pk == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Nothing to check, or no key to check it with."));
	if (inlen < ENVELOPE_SIGNED_ONLY_HEADER + 2)
		return cutru_err_set(e, CUTRU_EINVAL, "body",
		    _("The signed document is cut short (%zu bytes)."), inlen);
	if (memcmp(in, magic, ENVELOPE_MAGIC_LEN) != 0)
		return cutru_err_set(e, CUTRU_EINVAL, "body",
		    _("This is not the kind of signed document expected here."));
	dlen = inlen - ENVELOPE_SIGNED_ONLY_HEADER;
	if (dlen > max_canon)
		return cutru_err_set(e, CUTRU_ERANGE, "body",
		    _("The signed document has %zu bytes; at most %zu are "
		    "accepted."), dlen, max_canon);
	envelope_key_id(sign_pk, NULL, kid);
	if (sodium_memcmp(kid, in + ENVELOPE_MAGIC_LEN, sizeof kid) != 0)
		return cutru_err_set(e, CUTRU_ECRYPTO, "signature",
		    _("The document is signed by another key than the one "
		    "pinned for the registry."));
	doc = (const char *)in + ENVELOPE_SIGNED_ONLY_HEADER;
	if ((rc = envelope_verify(doc, dlen, in + ENVELOPE_SEAL_HEADER,
	    sign_pk, e)) != CUTRU_OK)
		return rc;
	if ((rc = check_canonical(doc, dlen, max_canon, e)) != CUTRU_OK)
		return rc;
	if ((copy = malloc(dlen + 1)) == NULL)
		return sync_oom(e);
	memcpy(copy, doc, dlen);
	copy[dlen] = '\0';
	*canon = copy;
	*canon_len = dlen;
	return CUTRU_OK;
}

/* ------------------------------------------------------------ base64 */

char *
envelope_b64_encode(const unsigned char *bin, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(n);

	if (s != NULL)
		sodium_bin2base64(s, n, bin, len,
		    sodium_base64_VARIANT_ORIGINAL);
	return s;
}

/* Decode b64 strictly: the whole string, padded, and in the one form that
 * encodes these bytes (no stray low bits). */
static int
b64_decode_into(const char *b64, unsigned char *out, size_t cap,
    size_t *outlen, const char *field, struct cutru_err *e)
{
	size_t n = strlen(b64), bl = 0;
	const char *end = NULL;
	char *again;
	int ok;

	if (n % 4 != 0 || sodium_base642bin(out, cap, b64, n, NULL, &bl, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + n)
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("The value of %s is not valid base64."), field);
	if ((again = envelope_b64_encode(out, bl)) == NULL)
		return sync_oom(e);
	ok = strcmp(again, b64) == 0;
	free(again);
	if (!ok)
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("The value of %s is not valid base64."), field);
	*outlen = bl;
	return CUTRU_OK;
}

int
envelope_b64_decode_fixed(const char *b64, unsigned char *out, size_t want,
    const char *field, struct cutru_err *e)
{
	size_t got = 0;
	int rc;

	if (b64 == NULL || strlen(b64) != sodium_base64_ENCODED_LEN(want,
	    sodium_base64_VARIANT_ORIGINAL) - 1)
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("The value of %s must be %zu bytes in base64."), field,
		    want);
	if ((rc = b64_decode_into(b64, out, want, &got, field, e)) !=
	    CUTRU_OK)
		return rc;
	if (got != want)
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("The value of %s must be %zu bytes in base64."), field,
		    want);
	return CUTRU_OK;
}

int
envelope_b64_decode(const char *b64, size_t max, unsigned char **out,
    size_t *outlen, const char *field, struct cutru_err *e)
{
	unsigned char *buf;
	size_t n, cap;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (b64 == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("The value of %s is missing."), field);
	n = strlen(b64);
	cap = n / 4 * 3;
	if (cap > max + 2)
		return cutru_err_set(e, CUTRU_ERANGE, field,
		    _("The value of %s is longer than %zu bytes."), field, max);
	if ((buf = malloc(cap + 1)) == NULL)
		return sync_oom(e);
	if ((rc = b64_decode_into(b64, buf, cap + 1, outlen, field, e)) !=
	    CUTRU_OK) {
		free(buf);
		return rc;
	}
	if (*outlen > max) {
		free(buf);
		*outlen = 0;
		return cutru_err_set(e, CUTRU_ERANGE, field,
		    _("The value of %s is longer than %zu bytes."), field, max);
	}
	*out = buf;
	return CUTRU_OK;
}

/* ------------------------------------------------------------ registry keys */

int
registry_keys_parse(const char *text, size_t len, struct registry_keys *out,
    struct cutru_err *e)
{
	static const struct canon_limits lim = { 4096, 1024, 16, 2 };
	const cJSON *m;
	cJSON *o = NULL;
	const char *kind, *name;
	int rc, n = 0;

	memset(out, 0, sizeof *out);
	if (text == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "registry_key",
		    _("The registry key file is empty."));
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if ((rc = canon_parse(text, len, &lim, CANON_REQUIRE_CANONICAL, &o,
	    e)) != CUTRU_OK) {
		if (rc == CUTRU_ENOMEM)
			return rc;
		return cutru_err_set(e, CUTRU_EINVAL, "registry_key",
		    _("This is not a cutru registry key file (one line of "
		    "canonical JSON written by cutru-registryd init)."));
	}
	rc = CUTRU_EINVAL;
	if (!cJSON_IsObject(o))
		goto bad;
	cJSON_ArrayForEach(m, o)
		n++;
	m = cJSON_GetObjectItemCaseSensitive(o, "kind");
	kind = cJSON_IsString(m) ? m->valuestring : NULL;
	m = cJSON_GetObjectItemCaseSensitive(o, "name");
	name = cJSON_IsString(m) ? m->valuestring : NULL;
	if (n != 4 || kind == NULL || strcmp(kind, REGISTRY_KEY_KIND) != 0 ||
	    name == NULL || strlen(name) > REGISTRY_KEY_NAME_MAX)
		goto bad;
	m = cJSON_GetObjectItemCaseSensitive(o, "sign_pk");
	if ((rc = envelope_b64_decode_fixed(cJSON_IsString(m) ?
	    m->valuestring : NULL, out->sign_pk, ENVELOPE_PK_BYTES, "sign_pk",
	    e)) != CUTRU_OK)
		goto done;
	m = cJSON_GetObjectItemCaseSensitive(o, "box_pk");
	if ((rc = envelope_b64_decode_fixed(cJSON_IsString(m) ?
	    m->valuestring : NULL, out->box_pk, ENVELOPE_PK_BYTES, "box_pk",
	    e)) != CUTRU_OK)
		goto done;
	memcpy(out->name, name, strlen(name) + 1);
	rc = CUTRU_OK;
	goto done;
bad:
	rc = cutru_err_set(e, CUTRU_EINVAL, "registry_key",
	    _("This is not a cutru registry key file: it must hold kind \"%s\", "
	    "name, sign_pk and box_pk, and nothing else."), REGISTRY_KEY_KIND);
done:
	cJSON_Delete(o);
	if (rc != CUTRU_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

int
registry_keys_format(const struct registry_keys *k, char **out,
    struct cutru_err *e)
{
	cJSON *o = NULL;
	char *s = NULL, *line;
	char *b1 = NULL, *b2 = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if (k == NULL || strlen(k->name) > REGISTRY_KEY_NAME_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The registry's name is longer than %d bytes."),
		    REGISTRY_KEY_NAME_MAX);
	if ((b1 = envelope_b64_encode(k->sign_pk, ENVELOPE_PK_BYTES)) == NULL ||
	    (b2 = envelope_b64_encode(k->box_pk, ENVELOPE_PK_BYTES)) == NULL ||
	    (o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "box_pk", b2) == NULL ||
	    cJSON_AddStringToObject(o, "kind", REGISTRY_KEY_KIND) == NULL ||
	    cJSON_AddStringToObject(o, "name", k->name) == NULL ||
	    cJSON_AddStringToObject(o, "sign_pk", b1) == NULL) {
		rc = sync_oom(e);
		goto done;
	}
	if ((rc = canon_encode(o, &s, &n, e)) != CUTRU_OK)
		goto done;
	if ((line = realloc(s, n + 2)) == NULL) {
		rc = sync_oom(e);
		goto done;
	}
	s = NULL;
	line[n] = '\n';
	line[n + 1] = '\0';
	*out = line;
done:
	free(s);
	free(b1);
	free(b2);
	cJSON_Delete(o);
	return rc;
}
