#include "config.h"

#include <string.h>
#include <check.h>

#include "core/canon.h"
#include "core/hash.h"
#include "tests/unit/tap_main.h"

/* Test vectors computed independently with Python's hashlib.blake2b
 * (digest_size=32) over the layouts documented in core/hash.h. */
#define HEX_EMPTY "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
#define HEX_ABC "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
/* canonical: {"a":[1,-2,true,null],"name":"Nguyễn Văn Đức"} */
#define HEX_DOC "4fe2492376e71dcab6bb0544e000e7dfba748e81365cf882489ad389e7452c76"
/* journal chain: genesis -> DOC -> {"seq":2} */
#define HEX_J1 "5f8c215ee090136906a54d2c8aa319782ace2338a44b608fdec5c6064801303d"
#define HEX_J2 "82824135996cec273b5db055a395bc1792880b85bf53e38f5197dff668126f3d"
/* change-set chain: genesis -> DOC */
#define HEX_C1 "89e4e8760fc886bbf7f4ae7100f0c08aa228be575ff3c74ece95182eb9356b7c"

static void
assert_hex(const unsigned char h[HASH_LEN], const char *want)
{
	char hex[HASH_HEX_LEN + 1];

	hash_to_hex(h, hex);
	ck_assert_str_eq(hex, want);
}

/* The document of HEX_DOC, built in a different member order and with
 * the name in NFD, which must not change its hash. */
static cJSON *
doc(void)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

	cJSON_AddStringToObject(o, "name",
	    "Nguye\xCC\x82\xCC\x83n Va\xCC\x86n \xC4\x90u\xCC\x9B\xCC\x81" "c");
	cJSON_AddItemToArray(a, cJSON_CreateNumber(1));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(-2));
	cJSON_AddItemToArray(a, cJSON_CreateTrue());
	cJSON_AddItemToArray(a, cJSON_CreateNull());
	cJSON_AddItemToObject(o, "a", a);
	return o;
}

START_TEST(bytes_vectors)
{
	unsigned char h[HASH_LEN];

	hash_bytes(NULL, 0, h);
	assert_hex(h, HEX_EMPTY);
	hash_bytes("", 0, h);
	assert_hex(h, HEX_EMPTY);
	hash_bytes("abc", 3, h);
	assert_hex(h, HEX_ABC);
}
END_TEST

START_TEST(json_vector_ignores_order_and_nf)
{
	struct cutru_err e;
	unsigned char h[HASH_LEN];
	cJSON *o = doc(), *bad = cJSON_CreateNumber(0.5);

	ck_assert_int_eq(hash_json(o, h, &e), CUTRU_OK);
	assert_hex(h, HEX_DOC);
	ck_assert_int_eq(hash_json(bad, h, &e), CUTRU_EINVAL);
	assert_hex(h, "0000000000000000000000000000000000000000000000000000000000000000");
	cJSON_Delete(o);
	cJSON_Delete(bad);
}
END_TEST

START_TEST(hex_round_trip_and_refusals)
{
	struct cutru_err e;
	unsigned char h[HASH_LEN], g[HASH_LEN];
	char hex[HASH_HEX_LEN + 1], up[HASH_HEX_LEN + 1];
	size_t i;

	hash_bytes("abc", 3, h);
	hash_to_hex(h, hex);
	ck_assert_int_eq(hash_from_hex(hex, strlen(hex), g, &e), CUTRU_OK);
	ck_assert_int_eq(hash_equal(h, g), 1);
	for (i = 0; i < HASH_HEX_LEN; i++)
		up[i] = (hex[i] >= 'a' && hex[i] <= 'f') ?
		    (char)(hex[i] - 'a' + 'A') : hex[i];
	up[HASH_HEX_LEN] = '\0';
	ck_assert_int_eq(hash_from_hex(up, HASH_HEX_LEN, g, &e), CUTRU_OK);
	ck_assert_int_eq(hash_equal(h, g), 1);
	/* Wrong lengths. */
	ck_assert_int_eq(hash_from_hex(hex, HASH_HEX_LEN - 1, g, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "hash");
	ck_assert_int_eq(hash_from_hex(hex, 0, g, &e), CUTRU_EINVAL);
	ck_assert_int_eq(hash_from_hex(NULL, HASH_HEX_LEN, g, &e),
	    CUTRU_EINVAL);
	/* A bad digit anywhere, high or low nibble, leaves out zeroed. */
	for (i = 0; i < HASH_HEX_LEN; i += 31) {
		memcpy(up, hex, sizeof up);
		up[i] = 'g';
		ck_assert_int_eq(hash_from_hex(up, HASH_HEX_LEN, g, &e),
		    CUTRU_EINVAL);
		ck_assert_int_eq(hash_equal(g, hash_genesis), 1);
	}
	memcpy(up, hex, sizeof up);
	up[10] = ' ';
	ck_assert_int_eq(hash_from_hex(up, HASH_HEX_LEN, g, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "11"));
	memcpy(up, hex, sizeof up);
	up[63] = '\0';
	ck_assert_int_eq(hash_from_hex(up, HASH_HEX_LEN, g, &e), CUTRU_EINVAL);
}
END_TEST

START_TEST(equal_detects_any_difference)
{
	unsigned char a[HASH_LEN], b[HASH_LEN];
	size_t i;

	hash_bytes("x", 1, a);
	for (i = 0; i < HASH_LEN; i++) {
		memcpy(b, a, HASH_LEN);
		b[i] ^= 0x01;
		ck_assert_int_eq(hash_equal(a, b), 0);
	}
	ck_assert_int_eq(hash_equal(a, a), 1);
}
END_TEST

START_TEST(chain_vectors)
{
	struct cutru_err e;
	unsigned char h1[HASH_LEN], h2[HASH_LEN], h3[HASH_LEN];
	cJSON *o = doc(), *seq = cJSON_CreateObject();
	const char *c2 = "{\"seq\":2}";

	cJSON_AddNumberToObject(seq, "seq", 2);
	ck_assert_int_eq(hash_chain(HASH_TAG_JOURNAL, hash_genesis, o, h1, &e),
	    CUTRU_OK);
	assert_hex(h1, HEX_J1);
	ck_assert_int_eq(hash_chain(HASH_TAG_JOURNAL, NULL, o, h3, &e),
	    CUTRU_OK);
	ck_assert_int_eq(hash_equal(h1, h3), 1);
	ck_assert_int_eq(hash_chain(HASH_TAG_JOURNAL, h1, seq, h2, &e),
	    CUTRU_OK);
	assert_hex(h2, HEX_J2);
	ck_assert_int_eq(hash_chain_bytes(HASH_TAG_JOURNAL, h1, c2,
	    strlen(c2), h3, &e), CUTRU_OK);
	ck_assert_int_eq(hash_equal(h2, h3), 1);
	/* The tag separates the chains. */
	ck_assert_int_eq(hash_chain(HASH_TAG_CHANGESET, NULL, o, h3, &e),
	    CUTRU_OK);
	assert_hex(h3, HEX_C1);
	/* Another previous hash gives another link. */
	ck_assert_int_eq(hash_chain(HASH_TAG_JOURNAL, h2, seq, h3, &e),
	    CUTRU_OK);
	ck_assert_int_eq(hash_equal(h2, h3), 0);
	cJSON_Delete(o);
	cJSON_Delete(seq);
}
END_TEST

START_TEST(chain_refusals)
{
	struct cutru_err e;
	unsigned char h[HASH_LEN];
	cJSON *bad = cJSON_CreateObject(), *ok = cJSON_CreateObject();

	cJSON_AddNumberToObject(bad, "x", 1.5);
	ck_assert_int_eq(hash_chain(HASH_TAG_JOURNAL, NULL, bad, h, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "x");
	ck_assert_int_eq(hash_chain("", NULL, ok, h, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "tag");
	ck_assert_int_eq(hash_chain(NULL, NULL, ok, h, &e), CUTRU_EINVAL);
	ck_assert_int_eq(hash_chain("t\xC3\xA9", NULL, ok, h, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(hash_chain_bytes(HASH_TAG_JOURNAL, NULL, NULL, 3, h,
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(hash_equal(h, hash_genesis), 1);
	/* An empty entry is allowed at the byte level. */
	ck_assert_int_eq(hash_chain_bytes(HASH_TAG_JOURNAL, NULL, NULL, 0, h,
	    &e), CUTRU_OK);
	ck_assert_int_eq(hash_equal(h, hash_genesis), 0);
	cJSON_Delete(bad);
	cJSON_Delete(ok);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("hash");

	tcase_add_test(tc, bytes_vectors);
	tcase_add_test(tc, json_vector_ignores_order_and_nf);
	tcase_add_test(tc, hex_round_trip_and_refusals);
	tcase_add_test(tc, equal_detects_any_difference);
	tcase_add_test(tc, chain_vectors);
	tcase_add_test(tc, chain_refusals);
	suite_add_tcase(s, tc);
	return s;
}
