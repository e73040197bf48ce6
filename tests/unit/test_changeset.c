/* Change sets, envelopes and batches (sync/changeset.h, sync/envelope.h,
 * sync/batch.h): round trips, the chain, and every way a change set can
 * be damaged or forged on the way, each refused with its reason code. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sodium.h>
#include <zlib.h>
#include <cjson/cJSON.h>

#include "core/canon.h"
#include "sync/batch.h"
#include "sync/changeset.h"
#include "sync/receipt.h"
#include "tests/tools/sessiontest.h"
#include "tests/tools/synctest.h"
#include "tests/unit/tap_main.h"

#ifndef EXAMPLES_DIR
#define EXAMPLES_DIR "examples/requests"
#endif

/* DESIGN §6: a typical registration costs at most 1,200 bytes on the wire
 * (request and response).  Besides the two bodies, an exchange inside an
 * open TLS session carries the HTTP headers (a POST with Host,
 * Content-Type and Content-Length, about 135 bytes; a 200 with Date,
 * Content-Type and Content-Length, about 120) and TLS 1.3 record overhead
 * (22 bytes a record, two records each way).  The allowances below are
 * rounded up; cutru-protocol(7) states the same figures. */
#define WIRE_BUDGET 1200
#define HTTP_REQUEST_HEADERS 180
#define HTTP_RESPONSE_HEADERS 150
#define TLS_OVERHEAD (4 * 22)
/* What one sealed registration may take so that the sum fits. */
#define SEALED_BUDGET 560
#define RECEIPT_BUDGET 280

static struct st_keys k;
static char *approval;
static size_t approval_len;
static unsigned char approval_sig[64];

static void
setup(void)
{
	st_keys_make(&k);
	st_approval(st_events_temporary, ST_WARD, "temporary.register",
	    k.sup_sk, &approval, &approval_len, approval_sig);
}

static void
teardown(void)
{
	free(approval);
	approval = NULL;
}

static void
input(struct changeset_input *in, int64_t seq, const unsigned char *prev)
{
	memset(in, 0, sizeof *in);
	in->ward = ST_WARD;
	in->device = k.dev_id;
	in->seq = seq;
	in->prev = prev;
	in->created = 1795000000;
	in->author = "lan";
	in->approval = approval;
	in->approval_len = approval_len;
	in->approval_sig = approval_sig;
	in->supervisor_pk = k.sup_pk;
}

/* A sealed change set number seq (prev NULL = genesis). */
static unsigned char *
make(int64_t seq, const unsigned char *prev, size_t *len,
    unsigned char hash[HASH_LEN])
{
	struct changeset_input in;
	struct cutru_err e;
	unsigned char *sealed = NULL;
	int rc;

	input(&in, seq, prev);
	rc = changeset_make(&in, k.dev_sk, k.reg_box_pk, &sealed, len, hash,
	    &e);
	ck_assert_msg(rc == CUTRU_OK, "make: [%s] %s", e.field, e.msg);
	return sealed;
}

/* The canonical bytes of change set 1. */
static char *
build1(size_t *len)
{
	struct changeset_input in;
	struct cutru_err e;
	unsigned char h[HASH_LEN];
	char *canon = NULL;

	input(&in, 1, NULL);
	ck_assert_int_eq(changeset_build(&in, &canon, len, h, &e), CUTRU_OK);
	return canon;
}

/* Seal doc[0..len) as a change set by hand: compression byte method, the
 * given signature (NULL: the device's signature over doc), no checks. */
static unsigned char *
seal_raw(const void *doc, size_t len, const unsigned char *sig, int method,
    size_t *outlen)
{
	unsigned char s[64];
	unsigned char *body = malloc(65 + len);
	unsigned char *out = malloc(12 + 48 + 65 + len);

	ck_assert_ptr_nonnull(body);
	ck_assert_ptr_nonnull(out);
	if (sig == NULL) {
		crypto_sign_detached(s, NULL, doc, len, k.dev_sk);
		sig = s;
	}
	body[0] = (unsigned char)method;
	memcpy(body + 1, sig, 64);
	memcpy(body + 65, doc, len);
	memcpy(out, ENVELOPE_MAGIC_CHANGESET, 4);
	envelope_key_id(k.reg_box_pk, NULL, out + 4);
	ck_assert_int_eq(crypto_box_seal(out + 12, body, 65 + len,
	    k.reg_box_pk), 0);
	free(body);
	*outlen = 12 + 48 + 65 + len;
	return out;
}

/* Open with the registry's keys; the reason (SYNC_R_NONE on success). */
static enum sync_reason
open_why(const unsigned char *sealed, size_t len, struct changeset *cs)
{
	struct changeset tmp;
	struct cutru_err e;
	enum sync_reason why = SYNC_R_COUNT_;
	int rc;

	rc = changeset_open(sealed, len, k.reg_box_pk, k.reg_box_sk,
	    cs != NULL ? cs : &tmp, &why, &e);
	ck_assert_int_eq(rc == CUTRU_OK, why == SYNC_R_NONE);
	if (cs == NULL)
		changeset_free(&tmp);
	return why;
}

/* Parse the canonical change set 1, let mod change the tree, re-encode,
 * sign with the device key, seal, open: the reason. */
static enum sync_reason
tamper(void (*mod)(cJSON *), struct changeset *cs)
{
	struct cutru_err e;
	cJSON *t = NULL;
	char *canon, *out = NULL;
	size_t len, olen, slen;
	unsigned char *sealed;
	enum sync_reason why;

	canon = build1(&len);
	ck_assert_int_eq(canon_parse(canon, len, NULL, 0, &t, &e), CUTRU_OK);
	mod(t);
	ck_assert_int_eq(canon_encode(t, &out, &olen, &e), CUTRU_OK);
	sealed = seal_raw(out, olen, NULL, 0, &slen);
	why = open_why(sealed, slen, cs);
	cJSON_Delete(t);
	free(canon);
	free(out);
	free(sealed);
	return why;
}

/* ------------------------------------------------------------ round trip */

START_TEST(round_trip_gives_back_what_was_built)
{
	struct changeset cs;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char hash[HASH_LEN], prev[HASH_LEN];
	unsigned char *sealed;
	size_t len;
	char *canon;
	size_t clen;

	memset(prev, 0x5a, sizeof prev);
	sealed = make(7, prev, &len, hash);
	ck_assert_mem_eq(sealed, "cuC1", 4);
	ck_assert_int_eq(open_why(sealed, len, &cs), SYNC_R_NONE);
	ck_assert_int_eq(changeset_verify_device(&cs, k.dev_pk, &why, &e),
	    CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_NONE);
	ck_assert_int_eq(changeset_verify_supervisor(&cs, k.sup_pk, &why, &e),
	    CUTRU_OK);
	ck_assert_int_eq(changeset_check_events(&cs, &why, &e), CUTRU_OK);
	ck_assert_str_eq(cs.ward, ST_WARD);
	ck_assert_str_eq(cs.device, k.dev_id);
	ck_assert_int_eq(cs.seq, 7);
	ck_assert_mem_eq(cs.prev, prev, HASH_LEN);
	ck_assert_int_eq(cs.created, 1795000000);
	ck_assert_str_eq(cs.author, "lan");
	ck_assert_str_eq(cs.supervisor, "minh");
	ck_assert_str_eq(cs.dossier, "1/2026/PTN");
	ck_assert_str_eq(cs.procedure, "temporary.register");
	ck_assert_str_eq(cs.decided, "2026-11-30");
	ck_assert_int_eq(cJSON_GetArraySize(cs.events), 2);
	ck_assert_mem_eq(cs.hash, hash, HASH_LEN);
	/* The approval inside is byte for byte what the supervisor signed. */
	ck_assert_uint_eq(cs.approval_len, approval_len);
	ck_assert_mem_eq(cs.approval, approval, approval_len);
	ck_assert_mem_eq(cs.approval_sig, approval_sig, 64);
	/* And the opened bytes are the built bytes. */
	{
		struct changeset_input in;
		unsigned char h2[HASH_LEN];

		input(&in, 7, prev);
		ck_assert_int_eq(changeset_build(&in, &canon, &clen, h2, &e),
		    CUTRU_OK);
		ck_assert_uint_eq(clen, cs.canon_len);
		ck_assert_mem_eq(canon, cs.canon, clen);
		ck_assert_mem_eq(h2, hash, HASH_LEN);
		free(canon);
	}
	changeset_free(&cs);
	changeset_free(&cs);   /* a freed (zeroed) struct may be freed again */
	free(sealed);
}
END_TEST

START_TEST(sealing_twice_gives_two_ciphertexts_of_one_change_set)
{
	struct changeset a, b;
	unsigned char h1[HASH_LEN], h2[HASH_LEN];
	unsigned char *s1, *s2;
	size_t l1, l2;

	s1 = make(1, NULL, &l1, h1);
	s2 = make(1, NULL, &l2, h2);
	ck_assert(l1 != l2 || memcmp(s1, s2, l1) != 0);
	ck_assert_mem_eq(h1, h2, HASH_LEN);
	ck_assert_int_eq(open_why(s1, l1, &a), SYNC_R_NONE);
	ck_assert_int_eq(open_why(s2, l2, &b), SYNC_R_NONE);
	ck_assert_mem_eq(a.hash, b.hash, HASH_LEN);
	changeset_free(&a);
	changeset_free(&b);
	free(s1);
	free(s2);
}
END_TEST

/* ------------------------------------------------------------ the chain */

START_TEST(chain_hashes_link)
{
	struct changeset c[3];
	struct cutru_err e;
	unsigned char h[3][HASH_LEN], x[HASH_LEN];
	unsigned char *s[3];
	size_t l[3];
	int i;

	s[0] = make(1, NULL, &l[0], h[0]);
	s[1] = make(2, h[0], &l[1], h[1]);
	s[2] = make(3, h[1], &l[2], h[2]);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(open_why(s[i], l[i], &c[i]), SYNC_R_NONE);
	ck_assert_mem_eq(c[0].prev, hash_genesis, HASH_LEN);
	ck_assert_mem_eq(c[1].prev, c[0].hash, HASH_LEN);
	ck_assert_mem_eq(c[2].prev, c[1].hash, HASH_LEN);
	/* hash = BLAKE2b(tag || 0 || prev || canonical bytes) */
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(hash_chain_bytes(HASH_TAG_CHANGESET,
		    c[i].prev, c[i].canon, c[i].canon_len, x, &e), CUTRU_OK);
		ck_assert_mem_eq(x, c[i].hash, HASH_LEN);
		ck_assert_mem_eq(x, h[i], HASH_LEN);
	}
	ck_assert(memcmp(h[0], h[1], HASH_LEN) != 0);
	for (i = 0; i < 3; i++) {
		changeset_free(&c[i]);
		free(s[i]);
	}
}
END_TEST

START_TEST(only_the_first_change_set_starts_from_the_genesis)
{
	struct changeset_input in;
	struct cutru_err e;
	unsigned char h[HASH_LEN], prev[HASH_LEN];
	char *canon = NULL;
	size_t len = 0;

	memset(prev, 1, sizeof prev);
	input(&in, 1, prev);
	ck_assert_int_eq(changeset_build(&in, &canon, &len, h, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_null(canon);
	ck_assert_str_eq(e.field, "prev");
	input(&in, 2, NULL);
	ck_assert_int_eq(changeset_build(&in, &canon, &len, h, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_null(canon);
}
END_TEST

/* ------------------------------------------------------------ the seal */

START_TEST(every_flipped_bit_is_refused)
{
	unsigned char h[HASH_LEN];
	unsigned char *s;
	size_t len, i;
	enum sync_reason why;

	s = make(1, NULL, &len, h);
	for (i = 0; i < len; i++) {
		s[i] ^= (unsigned char)(1u << (i % 8));
		why = open_why(s, len, NULL);
		if (i < 4)   /* the magic: not a change set at all */
			ck_assert_int_eq(why, SYNC_R_MALFORMED);
		else         /* key id, ephemeral key, tag, ciphertext */
			ck_assert_msg(why == SYNC_R_BAD_SEAL,
			    "byte %zu: %s", i, sync_reason_name(why));
		s[i] ^= (unsigned char)(1u << (i % 8));
	}
	ck_assert_int_eq(open_why(s, len, NULL), SYNC_R_NONE);
	free(s);
}
END_TEST

START_TEST(another_registry_key_is_bad_seal)
{
	unsigned char pk[32], sk[32], h[HASH_LEN];
	struct changeset cs;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char *s;
	size_t len;

	crypto_box_keypair(pk, sk);
	s = make(1, NULL, &len, h);
	ck_assert_int_eq(changeset_open(s, len, pk, sk, &cs, &why, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(why, SYNC_R_BAD_SEAL);
	/* Even with the key id patched to the other key, the seal holds. */
	envelope_key_id(pk, NULL, s + 4);
	ck_assert_int_eq(changeset_open(s, len, pk, sk, &cs, &why, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(why, SYNC_R_BAD_SEAL);
	ck_assert_ptr_null(cs.canon);
	free(s);
}
END_TEST

START_TEST(every_truncation_is_refused)
{
	unsigned char h[HASH_LEN];
	unsigned char *s;
	size_t len, n;
	enum sync_reason why;

	s = make(1, NULL, &len, h);
	for (n = 0; n < len; n++) {
		why = open_why(s, n, NULL);
		if (n < ENVELOPE_SEAL_OVERHEAD + ENVELOPE_SIGNED_HEADER + 1)
			ck_assert_int_eq(why, SYNC_R_MALFORMED);
		else
			ck_assert_int_eq(why, SYNC_R_BAD_SEAL);
	}
	free(s);
}
END_TEST

/* ------------------------------------------------------------ signatures */

/* "Phòng 301" becomes "Phòng 302" after the device signed. */
static void
move_room(cJSON *t)
{
	cJSON *ev = cJSON_GetObjectItem(cJSON_GetObjectItem(t, "approval"),
	    "events");
	cJSON *addr = cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(ev, 1), "data"), "address");

	cJSON_ReplaceItemInObject(addr, "detail",
	    cJSON_CreateString("Phòng 302, số 8 phố Hàng Gai"));
}

START_TEST(events_altered_after_signing_are_bad_device_signature)
{
	struct changeset cs;
	struct cutru_err e;
	enum sync_reason why;
	cJSON *t = NULL;
	char *canon, *out = NULL;
	size_t len, olen, slen;
	unsigned char sig[64];
	unsigned char *sealed;

	canon = build1(&len);
	crypto_sign_detached(sig, NULL, (unsigned char *)canon, len, k.dev_sk);
	ck_assert_int_eq(canon_parse(canon, len, NULL, 0, &t, &e), CUTRU_OK);
	move_room(t);
	ck_assert_int_eq(canon_encode(t, &out, &olen, &e), CUTRU_OK);
	ck_assert_uint_eq(olen, len);
	/* The original signature over the altered bytes. */
	sealed = seal_raw(out, olen, sig, 0, &slen);
	ck_assert_int_eq(open_why(sealed, slen, &cs), SYNC_R_NONE);
	ck_assert_int_eq(changeset_verify_device(&cs, k.dev_pk, &why, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(why, SYNC_R_BAD_DEVICE_SIGNATURE);
	changeset_free(&cs);
	cJSON_Delete(t);
	free(canon);
	free(out);
	free(sealed);
}
END_TEST

START_TEST(another_device_key_is_bad_device_signature)
{
	struct changeset cs;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char h[HASH_LEN], sig[64];
	unsigned char *s;
	size_t len, slen;
	char *canon;

	/* The registry looks up a device that is not this one. */
	s = make(1, NULL, &len, h);
	ck_assert_int_eq(open_why(s, len, &cs), SYNC_R_NONE);
	ck_assert_int_eq(changeset_verify_device(&cs, k.other_pk, &why, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(why, SYNC_R_BAD_DEVICE_SIGNATURE);
	ck_assert_int_eq(changeset_verify_device(NULL, k.dev_pk, &why, &e),
	    CUTRU_ECRYPTO);
	changeset_free(&cs);
	free(s);
	/* Someone else signs a change set naming this device. */
	canon = build1(&len);
	crypto_sign_detached(sig, NULL, (unsigned char *)canon, len,
	    k.other_sk);
	s = seal_raw(canon, len, sig, 0, &slen);
	ck_assert_int_eq(open_why(s, slen, &cs), SYNC_R_NONE);
	ck_assert_int_eq(changeset_verify_device(&cs, k.dev_pk, &why, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(why, SYNC_R_BAD_DEVICE_SIGNATURE);
	changeset_free(&cs);
	free(canon);
	free(s);
}
END_TEST

static unsigned char forged_sig[64];

static void
swap_approval_sig(cJSON *t)
{
	char *b64 = envelope_b64_encode(forged_sig, 64);

	cJSON_ReplaceItemInObject(t, "approval_sig", cJSON_CreateString(b64));
	free(b64);
}

START_TEST(approval_signed_by_another_key_is_bad_supervisor_signature)
{
	struct changeset_input in;
	struct changeset cs;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char h[HASH_LEN], osig[64];
	unsigned char *s;
	size_t len;

	/* The console refuses to build it. */
	crypto_sign_detached(osig, NULL, (unsigned char *)approval,
	    approval_len, k.other_sk);
	input(&in, 1, NULL);
	in.approval_sig = osig;
	ck_assert_int_eq(changeset_make(&in, k.dev_sk, k.reg_box_pk, &s, &len,
	    h, &e), CUTRU_ECRYPTO);
	ck_assert_ptr_null(s);

	/* Made anyway and signed by the device: the registry refuses it. */
	memcpy(forged_sig, osig, 64);
	ck_assert_int_eq(tamper(swap_approval_sig, &cs), SYNC_R_NONE);
	ck_assert_int_eq(changeset_verify_device(&cs, k.dev_pk, &why, &e),
	    CUTRU_OK);
	ck_assert_int_eq(changeset_verify_supervisor(&cs, k.sup_pk, &why, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(why, SYNC_R_BAD_SUPERVISOR_SIGNATURE);
	changeset_free(&cs);

	/* The other key, named honestly: not the supervisor the registry
	 * holds for the key id. */
	in.supervisor_pk = k.other_pk;
	s = NULL;
	ck_assert_int_eq(changeset_make(&in, k.dev_sk, k.reg_box_pk, &s, &len,
	    h, &e), CUTRU_OK);
	ck_assert_int_eq(open_why(s, len, &cs), SYNC_R_NONE);
	ck_assert_int_eq(changeset_verify_supervisor(&cs, k.sup_pk, &why, &e),
	    CUTRU_ECRYPTO);
	ck_assert_int_eq(why, SYNC_R_BAD_SUPERVISOR_SIGNATURE);
	ck_assert_int_eq(changeset_verify_supervisor(&cs, k.other_pk, &why,
	    &e), CUTRU_OK);
	changeset_free(&cs);
	free(s);
}
END_TEST

/* ------------------------------------------------------------ content */

START_TEST(non_canonical_bytes_are_refused)
{
	struct cutru_err e;
	unsigned char *s = NULL;
	size_t len, slen;
	char *canon, *spaced;

	canon = build1(&len);
	spaced = malloc(len + 2);
	ck_assert_ptr_nonnull(spaced);
	spaced[0] = '{';
	spaced[1] = ' ';
	memcpy(spaced + 2, canon + 1, len - 1);
	/* The console will not seal it ... */
	ck_assert_int_eq(changeset_seal(spaced, len + 1, k.dev_sk,
	    k.reg_box_pk, &s, &slen, &e), CUTRU_EINVAL);
	ck_assert_ptr_null(s);
	/* ... and the registry will not read it, though it is signed. */
	s = seal_raw(spaced, len + 1, NULL, 0, &slen);
	ck_assert_int_eq(open_why(s, slen, NULL), SYNC_R_MALFORMED);
	free(s);
	/* NFD text where the signed bytes must be NFC. */
	{
		char *p = strstr(canon, "L\xc3\xaa Th\xe1\xbb\x8b");
		char *nfd;
		size_t off;

		ck_assert_ptr_nonnull(p);
		off = (size_t)(p - canon) + 1;
		nfd = malloc(len + 8);
		ck_assert_ptr_nonnull(nfd);
		memcpy(nfd, canon, off);
		/* "ê" as "e" + U+0302 */
		memcpy(nfd + off, "e\xcc\x82", 3);
		memcpy(nfd + off + 3, canon + off + 2, len - off - 2);
		s = seal_raw(nfd, len + 1, NULL, 0, &slen);
		ck_assert_int_eq(open_why(s, slen, NULL), SYNC_R_MALFORMED);
		free(s);
		free(nfd);
	}
	free(spaced);
	free(canon);
}
END_TEST

START_TEST(oversized_input_is_too_large)
{
	unsigned char *big, *s, *z;
	size_t slen, n;
	uLongf zl;
	z_stream st;
	char *doc;

	/* Beyond the sealed cap: refused before any work. */
	big = calloc(1, CHANGESET_SEALED_MAX + 1);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "cuC1", 4);
	ck_assert_int_eq(open_why(big, CHANGESET_SEALED_MAX + 1, NULL),
	    SYNC_R_TOO_LARGE);
	free(big);

	/* A signed, sealed document of 64 KiB + 1. */
	n = CHANGESET_CANON_MAX + 1;
	doc = malloc(n);
	ck_assert_ptr_nonnull(doc);
	memset(doc, 'a', n);
	doc[0] = '"';
	doc[n - 1] = '"';
	s = seal_raw(doc, n, NULL, 0, &slen);
	ck_assert_int_eq(open_why(s, slen, NULL), SYNC_R_TOO_LARGE);
	free(s);

	/* A "zip bomb": 200 bytes that inflate to 16 MiB. */
	free(doc);
	n = 16u << 20;
	doc = malloc(n);
	ck_assert_ptr_nonnull(doc);
	memset(doc, ' ', n);
	zl = compressBound(n);
	z = malloc(zl);
	ck_assert_ptr_nonnull(z);
	memset(&st, 0, sizeof st);
	ck_assert_int_eq(deflateInit2(&st, 9, Z_DEFLATED, -15, 9,
	    Z_DEFAULT_STRATEGY), Z_OK);
	{
		size_t dl;
		const unsigned char *dict = envelope_dictionary(&dl);

		ck_assert_int_eq(deflateSetDictionary(&st, dict, (uInt)dl),
		    Z_OK);
	}
	st.next_in = (unsigned char *)doc;
	st.avail_in = (uInt)n;
	st.next_out = z;
	st.avail_out = (uInt)zl;
	ck_assert_int_eq(deflate(&st, Z_FINISH), Z_STREAM_END);
	zl = st.total_out;
	deflateEnd(&st);
	ck_assert_uint_lt(zl, 64 * 1024);
	s = seal_raw(z, zl, NULL, ENVELOPE_COMPRESS_DEFLATE, &slen);
	ck_assert_int_eq(open_why(s, slen, NULL), SYNC_R_TOO_LARGE);
	free(s);
	free(z);
	free(doc);
}
END_TEST

START_TEST(damaged_compression_is_malformed)
{
	unsigned char junk[64];
	unsigned char *s;
	size_t slen, i;

	for (i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(0xff - i);
	s = seal_raw(junk, sizeof junk, NULL, ENVELOPE_COMPRESS_DEFLATE, &slen);
	ck_assert_int_eq(open_why(s, slen, NULL), SYNC_R_MALFORMED);
	free(s);
	s = seal_raw("{}", 2, NULL, 7, &slen);   /* unknown method */
	ck_assert_int_eq(open_why(s, slen, NULL), SYNC_R_MALFORMED);
	free(s);
	s = seal_raw("{}", 2, NULL, 0, &slen);   /* not a change set */
	ck_assert_int_eq(open_why(s, slen, NULL), SYNC_R_MALFORMED);
	free(s);
}
END_TEST

START_TEST(invalid_events_are_found_after_the_signatures)
{
	static const char two_years_and_a_day[] =
	    "[{\"data\":{\"address\":{\"commune\":\"00070\",\"detail\":"
	    "\"Số 8\"},\"from\":\"2026-12-01\",\"kind\":\"temporary\","
	    "\"person\":\"079195012345\",\"to\":\"2028-12-02\"},"
	    "\"type\":\"residence.opened\"}]";
	struct changeset_input in;
	struct changeset cs;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char h[HASH_LEN], sig[64];
	unsigned char *s = NULL;
	char *ap, *canon;
	size_t alen, len, slen;
	cJSON *o;

	st_approval(two_years_and_a_day, ST_WARD, "temporary.register",
	    k.sup_sk, &ap, &alen, sig);
	input(&in, 1, NULL);
	in.approval = ap;
	in.approval_len = alen;
	in.approval_sig = sig;
	/* The console will not build it. */
	ck_assert_int_eq(changeset_build(&in, &canon, &len, h, &e),
	    CUTRU_ERANGE);
	/* Built by hand, signed by both: the registry finds it invalid,
	 * after the signatures have verified. */
	o = cJSON_CreateObject();
	{
		cJSON *a = NULL;
		char *b64 = envelope_b64_encode(sig, 64), hex[65];

		ck_assert_int_eq(canon_parse(ap, alen, NULL, 0, &a, &e),
		    CUTRU_OK);
		cJSON_AddItemToObject(o, "approval", a);
		cJSON_AddStringToObject(o, "approval_sig", b64);
		cJSON_AddStringToObject(o, "author", "lan");
		cJSON_AddNumberToObject(o, "created", 1795000000);
		cJSON_AddStringToObject(o, "device", k.dev_id);
		cJSON_AddStringToObject(o, "kind", CHANGESET_KIND);
		hash_to_hex(hash_genesis, hex);
		cJSON_AddStringToObject(o, "prev", hex);
		cJSON_AddNumberToObject(o, "seq", 1);
		envelope_key_id(k.sup_pk, hex, NULL);
		cJSON_AddStringToObject(o, "supervisor_key", hex);
		cJSON_AddStringToObject(o, "ward", ST_WARD);
		free(b64);
	}
	ck_assert_int_eq(canon_encode(o, &canon, &len, &e), CUTRU_OK);
	s = seal_raw(canon, len, NULL, 0, &slen);
	ck_assert_int_eq(open_why(s, slen, &cs), SYNC_R_NONE);
	ck_assert_int_eq(changeset_verify_device(&cs, k.dev_pk, &why, &e),
	    CUTRU_OK);
	ck_assert_int_eq(changeset_verify_supervisor(&cs, k.sup_pk, &why, &e),
	    CUTRU_OK);
	ck_assert_int_eq(changeset_check_events(&cs, &why, &e), CUTRU_ERANGE);
	ck_assert_int_eq(why, SYNC_R_INVALID_EVENTS);
	ck_assert_str_eq(e.field, "[0].data.to");
	changeset_free(&cs);
	cJSON_Delete(o);
	free(canon);
	free(s);
	free(ap);
}
END_TEST

static void
kind_v2(cJSON *t)
{
	cJSON_ReplaceItemInObject(t, "kind",
	    cJSON_CreateString("cutru-changeset-v2"));
}

static void
kind_other(cJSON *t)
{
	cJSON_ReplaceItemInObject(t, "kind", cJSON_CreateString("cutru-feed-v1"));
}

static void
drop_author(cJSON *t)
{
	cJSON_DeleteItemFromObject(t, "author");
}

static void
add_member(cJSON *t)
{
	cJSON_AddStringToObject(t, "zzz", "extra");
}

static void
other_ward(cJSON *t)
{
	cJSON_ReplaceItemInObject(t, "ward", cJSON_CreateString("00073"));
}

static void
seq_zero(cJSON *t)
{
	cJSON_ReplaceItemInObject(t, "seq", cJSON_CreateNumber(0));
}

static void
seq_string(cJSON *t)
{
	cJSON_ReplaceItemInObject(t, "seq", cJSON_CreateString("1"));
}

static void
bad_sig64(cJSON *t)
{
	cJSON_ReplaceItemInObject(t, "approval_sig",
	    cJSON_CreateString("not base64!"));
}

static void
upper_device(cJSON *t)
{
	char id[17];

	memcpy(id, k.dev_id, 17);
	id[0] = 'A';
	id[1] = 'B';
	cJSON_ReplaceItemInObject(t, "device", cJSON_CreateString(id));
}

static void
short_prev(cJSON *t)
{
	cJSON_ReplaceItemInObject(t, "prev", cJSON_CreateString("00"));
}

static void
approval_unknown_procedure(cJSON *t)
{
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(t, "approval"),
	    "procedure", cJSON_CreateString("citizenship.grant"));
}

static void
approval_extra(cJSON *t)
{
	cJSON_AddStringToObject(cJSON_GetObjectItem(t, "approval"), "note",
	    "x");
}

static void
bad_author(cJSON *t)
{
	cJSON_ReplaceItemInObject(t, "author", cJSON_CreateString("Lan Anh"));
}

static void
negative_created(cJSON *t)
{
	cJSON_ReplaceItemInObject(t, "created", cJSON_CreateNumber(-5));
}

START_TEST(structure_errors_are_malformed_or_unsupported)
{
	ck_assert_int_eq(tamper(kind_v2, NULL), SYNC_R_UNSUPPORTED_VERSION);
	ck_assert_int_eq(tamper(kind_other, NULL), SYNC_R_MALFORMED);
	ck_assert_int_eq(tamper(drop_author, NULL), SYNC_R_MALFORMED);
	ck_assert_int_eq(tamper(add_member, NULL), SYNC_R_MALFORMED);
	ck_assert_int_eq(tamper(other_ward, NULL), SYNC_R_MALFORMED);
	ck_assert_int_eq(tamper(seq_zero, NULL), SYNC_R_MALFORMED);
	ck_assert_int_eq(tamper(seq_string, NULL), SYNC_R_MALFORMED);
	ck_assert_int_eq(tamper(bad_sig64, NULL), SYNC_R_MALFORMED);
	ck_assert_int_eq(tamper(upper_device, NULL), SYNC_R_MALFORMED);
	ck_assert_int_eq(tamper(short_prev, NULL), SYNC_R_MALFORMED);
	ck_assert_int_eq(tamper(approval_unknown_procedure, NULL),
	    SYNC_R_MALFORMED);
	ck_assert_int_eq(tamper(approval_extra, NULL), SYNC_R_MALFORMED);
	ck_assert_int_eq(tamper(bad_author, NULL), SYNC_R_MALFORMED);
	ck_assert_int_eq(tamper(negative_created, NULL), SYNC_R_MALFORMED);
}
END_TEST

START_TEST(build_checks_its_input)
{
	struct changeset_input in;
	struct cutru_err e;
	unsigned char h[HASH_LEN];
	char *canon = NULL, dev[17];
	size_t len = 0;

	ck_assert_int_eq(changeset_build(NULL, &canon, &len, h, &e),
	    CUTRU_EINVAL);
	input(&in, 1, NULL);
	in.ward = "0007";
	ck_assert_int_eq(changeset_build(&in, &canon, &len, h, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "ward");
	input(&in, 1, NULL);
	in.ward = "00073";    /* the approval is for 00070 */
	ck_assert_int_eq(changeset_build(&in, &canon, &len, h, &e),
	    CUTRU_EINVAL);
	input(&in, 1, NULL);
	memcpy(dev, k.dev_id, 17);
	dev[3] = 'g';
	in.device = dev;
	ck_assert_int_eq(changeset_build(&in, &canon, &len, h, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "device");
	input(&in, 0, NULL);
	ck_assert_int_eq(changeset_build(&in, &canon, &len, h, &e),
	    CUTRU_ERANGE);
	input(&in, 1, NULL);
	in.author = "";
	ck_assert_int_eq(changeset_build(&in, &canon, &len, h, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "author");
	input(&in, 1, NULL);
	in.approval_len = approval_len - 1;   /* cut: no longer canonical */
	ck_assert_int_ne(changeset_build(&in, &canon, &len, h, &e), CUTRU_OK);
	input(&in, 1, NULL);
	in.created = -1;
	ck_assert_int_eq(changeset_build(&in, &canon, &len, h, &e),
	    CUTRU_ERANGE);
	ck_assert_ptr_null(canon);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(hostile_input_never_opens)
{
	struct changeset cs;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char buf[4096];
	size_t n;
	int i;

	ck_assert_int_ne(changeset_open(NULL, 0, k.reg_box_pk, k.reg_box_sk,
	    &cs, &why, &e), CUTRU_OK);
	ck_assert_int_ne(changeset_open(buf, 10, NULL, k.reg_box_sk, &cs,
	    &why, &e), CUTRU_OK);
	for (i = 0; i < 200; i++) {
		n = 1 + randombytes_uniform(sizeof buf);
		randombytes_buf(buf, n);
		if (i % 2 == 0)
			memcpy(buf, "cuC1", n < 4 ? n : 4);
		ck_assert_int_ne(open_why(buf, n, NULL), SYNC_R_NONE);
	}
	ck_assert_int_ne(changeset_parse(NULL, 0, &cs, &why, &e), CUTRU_OK);
	ck_assert_int_eq(changeset_parse("{\"a\":\"\0\"}", 9, &cs, &why, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(why, SYNC_R_MALFORMED);
	ck_assert_int_eq(changeset_parse("\xc0\xaf", 2, &cs, &why, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(changeset_check_events(NULL, &why, &e), CUTRU_EINVAL);
	ck_assert_int_eq(changeset_verify_supervisor(NULL, k.sup_pk, &why, &e),
	    CUTRU_ECRYPTO);
}
END_TEST

/* ------------------------------------------------------------ the budget */

START_TEST(a_typical_registration_fits_the_wire_budget)
{
	struct changeset_input in;
	struct receipt r;
	struct batch_item it;
	struct cutru_err e;
	unsigned char h[HASH_LEN], prev[HASH_LEN], sig[64], pk[32];
	unsigned char *sealed, *rc_bytes, *req, *ans;
	size_t slen, rlen, reqlen, anslen, alen, total, clen;
	char *dir, *ap, *canon, number[DOSSIER_NUMBER_MAX];

	/* The real thing: the example temporary registration received and
	 * approved in a store, its approval exactly as the console signs. */
	st_real_approval(EXAMPLES_DIR, "temporary.register", &dir, NULL, &ap,
	    &alen, sig, pk, number);
	randombytes_buf(prev, sizeof prev);   /* a device well into its chain */
	input(&in, 123456, prev);
	in.approval = ap;
	in.approval_len = alen;
	in.approval_sig = sig;
	in.supervisor_pk = pk;
	ck_assert_int_eq(changeset_make(&in, k.dev_sk, k.reg_box_pk, &sealed,
	    &slen, h, &e), CUTRU_OK);
	memset(&r, 0, sizeof r);
	r.status = RECEIPT_ACCEPTED;
	r.has_changeset = 1;
	memcpy(r.device, k.dev_id, 17);
	r.seq = 123456;
	memcpy(r.hash, h, HASH_LEN);
	r.time = 1795000123;
	ck_assert_int_eq(receipt_sign(&r, k.reg_sign_sk, &rc_bytes, &rlen, &e),
	    CUTRU_OK);
	it.data = sealed;
	it.len = slen;
	ck_assert_int_eq(batch_encode(BATCH_MAGIC_REQUEST, &it, 1, &req,
	    &reqlen, &e), CUTRU_OK);
	it.data = rc_bytes;
	it.len = rlen;
	ck_assert_int_eq(batch_encode(BATCH_MAGIC_ANSWER, &it, 1, &ans,
	    &anslen, &e), CUTRU_OK);
	ck_assert_int_eq(changeset_build(&in, &canon, &clen, h, &e), CUTRU_OK);
	free(canon);
	total = reqlen + anslen + HTTP_REQUEST_HEADERS + HTTP_RESPONSE_HEADERS +
	    TLS_OVERHEAD;
	fprintf(stderr, "# typical temporary.register: approval %zu, change "
	    "set %zu canonical, sealed %zu; receipt %zu; request body %zu, "
	    "answer body %zu; with headers and TLS %zu of %d bytes\n", alen,
	    clen, slen, rlen, reqlen, anslen, total, WIRE_BUDGET);
	ck_assert_uint_le(slen, SEALED_BUDGET);
	ck_assert_uint_le(rlen, RECEIPT_BUDGET);
	ck_assert_uint_le(total, WIRE_BUDGET);
	/* Compression earns its place: the sealed form is well under the
	 * canonical bytes. */
	ck_assert_uint_lt(slen, clen * 2 / 3);
	free(sealed);
	free(rc_bytes);
	free(req);
	free(ans);
	free(ap);
	ws_rmdir(dir);
	free(dir);
}
END_TEST

/* ------------------------------------------------------------ batches */

START_TEST(batches_frame_exactly)
{
	struct batch_item in[3], *out = NULL;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char *b = NULL;
	size_t blen, n, cut;

	in[0].data = (const unsigned char *)"abc";
	in[0].len = 3;
	in[1].data = (const unsigned char *)"x";
	in[1].len = 1;
	in[2].data = (const unsigned char *)"hello world";
	in[2].len = 11;
	ck_assert_int_eq(batch_encode(BATCH_MAGIC_REQUEST, in, 3, &b, &blen,
	    &e), CUTRU_OK);
	ck_assert_uint_eq(blen, 6 + 3 * 4 + 15);
	ck_assert_int_eq(batch_decode(BATCH_MAGIC_REQUEST, b, blen, 100, &out,
	    &n, &why, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(out[2].len, 11);
	ck_assert_mem_eq(out[2].data, "hello world", 11);
	free(out);
	/* The answer's magic is not the request's. */
	ck_assert_int_eq(batch_decode(BATCH_MAGIC_ANSWER, b, blen, 100, &out,
	    &n, &why, &e), CUTRU_EINVAL);
	/* Every truncation and one trailing byte are refused whole. */
	for (cut = 0; cut < blen; cut++) {
		ck_assert_int_ne(batch_decode(BATCH_MAGIC_REQUEST, b, cut, 100,
		    &out, &n, &why, &e), CUTRU_OK);
		ck_assert_ptr_null(out);
		ck_assert_int_eq(why, SYNC_R_MALFORMED);
	}
	{
		unsigned char *longer = malloc(blen + 1);

		ck_assert_ptr_nonnull(longer);
		memcpy(longer, b, blen);
		longer[blen] = 0;
		ck_assert_int_eq(batch_decode(BATCH_MAGIC_REQUEST, longer,
		    blen + 1, 100, &out, &n, &why, &e), CUTRU_EINVAL);
		free(longer);
	}
	/* An item over the cap is too large. */
	ck_assert_int_eq(batch_decode(BATCH_MAGIC_REQUEST, b, blen, 10, &out,
	    &n, &why, &e), CUTRU_ERANGE);
	ck_assert_int_eq(why, SYNC_R_TOO_LARGE);
	/* A length that runs past the end (4 GiB - 1). */
	b[6] = b[7] = b[8] = b[9] = 0xff;
	ck_assert_int_ne(batch_decode(BATCH_MAGIC_REQUEST, b, blen, SIZE_MAX,
	    &out, &n, &why, &e), CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_MALFORMED);
	/* Count 0 and too many. */
	b[4] = b[5] = 0;
	ck_assert_int_eq(batch_decode(BATCH_MAGIC_REQUEST, b, blen, 100, &out,
	    &n, &why, &e), CUTRU_EINVAL);
	b[4] = 0xff;
	b[5] = 0xff;
	ck_assert_int_eq(batch_decode(BATCH_MAGIC_REQUEST, b, blen, 100, &out,
	    &n, &why, &e), CUTRU_ERANGE);
	ck_assert_int_eq(why, SYNC_R_TOO_LARGE);
	free(b);
	ck_assert_int_eq(batch_encode(BATCH_MAGIC_REQUEST, in, 0, &b, &blen,
	    &e), CUTRU_EINVAL);
	in[1].len = 0;
	ck_assert_int_eq(batch_encode(BATCH_MAGIC_REQUEST, in, 3, &b, &blen,
	    &e), CUTRU_EINVAL);
	ck_assert_ptr_null(b);
}
END_TEST

START_TEST(small_or_incompressible_documents_go_uncompressed)
{
	unsigned char *s = NULL, sig[64];
	char *canon = NULL;
	size_t slen, clen;
	struct cutru_err e;
	enum sync_reason why;

	ck_assert_int_eq(envelope_seal(ENVELOPE_MAGIC_FEED, "1", 1, k.dev_sk,
	    k.dev_box_pk, 1, &s, &slen, &e), CUTRU_OK);
	ck_assert_uint_eq(slen, ENVELOPE_SEAL_OVERHEAD + ENVELOPE_SIGNED_HEADER
	    + 1);
	ck_assert_int_eq(envelope_open(ENVELOPE_MAGIC_FEED, s, slen, 1000, 1000,
	    k.dev_box_pk, k.dev_box_sk, &canon, &clen, sig, &why, &e),
	    CUTRU_OK);
	ck_assert_str_eq(canon, "1");
	ck_assert_int_eq(envelope_verify(canon, clen, sig, k.dev_pk, &e),
	    CUTRU_OK);
	ck_assert_int_eq(envelope_verify(canon, clen, sig, k.other_pk, &e),
	    CUTRU_ECRYPTO);
	free(canon);
	/* A feed envelope is not a change set. */
	ck_assert_int_eq(open_why(s, slen, NULL), SYNC_R_MALFORMED);
	free(s);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("changeset");
	TCase *tc = tcase_create("changeset");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, round_trip_gives_back_what_was_built);
	tcase_add_test(tc, sealing_twice_gives_two_ciphertexts_of_one_change_set);
	tcase_add_test(tc, chain_hashes_link);
	tcase_add_test(tc, only_the_first_change_set_starts_from_the_genesis);
	tcase_add_test(tc, every_flipped_bit_is_refused);
	tcase_add_test(tc, another_registry_key_is_bad_seal);
	tcase_add_test(tc, every_truncation_is_refused);
	tcase_add_test(tc, events_altered_after_signing_are_bad_device_signature);
	tcase_add_test(tc, another_device_key_is_bad_device_signature);
	tcase_add_test(tc,
	    approval_signed_by_another_key_is_bad_supervisor_signature);
	tcase_add_test(tc, non_canonical_bytes_are_refused);
	tcase_add_test(tc, oversized_input_is_too_large);
	tcase_add_test(tc, damaged_compression_is_malformed);
	tcase_add_test(tc, invalid_events_are_found_after_the_signatures);
	tcase_add_test(tc, structure_errors_are_malformed_or_unsupported);
	tcase_add_test(tc, build_checks_its_input);
	tcase_add_test(tc, hostile_input_never_opens);
	tcase_add_test(tc, a_typical_registration_fits_the_wire_budget);
	tcase_add_test(tc, batches_frame_exactly);
	tcase_add_test(tc, small_or_incompressible_documents_go_uncompressed);
	suite_add_tcase(s, tc);
	return s;
}
