/* The feed, feed requests, enrollment and the registry's key file
 * (sync/feed.h, sync/enroll.h, sync/envelope.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sodium.h>

#include "core/canon.h"
#include "sync/enroll.h"
#include "sync/envelope.h"
#include "sync/feed.h"
#include "tests/tools/synctest.h"
#include "tests/unit/tap_main.h"

static struct st_keys k;

static const char closure[] =
	"[{\"data\":{\"date\":\"2026-12-05\",\"event_date\":\"2026-12-01\","
	"\"ground\":\"emigrated\",\"kind\":\"permanent\","
	"\"person\":\"001080001234\"},\"type\":\"residence.closed\"}]";

static void
setup(void)
{
	st_keys_make(&k);
}

/* A page of two items for the test device. */
static void
page(struct feed_page *p)
{
	memset(p, 0, sizeof *p);
	memcpy(p->ward, ST_WARD, 6);
	memcpy(p->device, k.dev_id, 17);
	strcpy(p->after, "c-000041");
	strcpy(p->cursor, "c-000043");
	p->more = 1;
	p->time = 1795000123;
	p->items = cJSON_CreateArray();
	cJSON_AddItemToArray(p->items, feed_item_new(
	    FEED_CAUSE_RESIDENCE_ELSEWHERE, cJSON_Parse(closure), NULL));
	cJSON_AddItemToArray(p->items, feed_item_new(
	    FEED_CAUSE_IDENTITY_CORRECTED, cJSON_Parse(st_events_temporary),
	    NULL));
	ck_assert_int_eq(cJSON_GetArraySize(p->items), 2);
}

static unsigned char *
seal(const struct feed_page *p, size_t *len)
{
	struct cutru_err e;
	unsigned char *out = NULL;
	int rc = feed_seal(p, k.reg_sign_sk, k.dev_box_pk, &out, len, &e);

	ck_assert_msg(rc == CUTRU_OK, "seal: [%s] %s", e.field, e.msg);
	return out;
}

static int
open_page(const unsigned char *b, size_t len, struct feed_page *out)
{
	struct cutru_err e;

	return feed_open(b, len, k.dev_box_pk, k.dev_box_sk, k.reg_sign_pk,
	    k.dev_id, out, &e);
}

START_TEST(feed_page_round_trip)
{
	struct feed_page p, q;
	unsigned char *b;
	size_t len;
	const cJSON *it;

	page(&p);
	b = seal(&p, &len);
	ck_assert_mem_eq(b, "cuF1", 4);
	ck_assert_int_eq(open_page(b, len, &q), CUTRU_OK);
	ck_assert_str_eq(q.ward, ST_WARD);
	ck_assert_str_eq(q.device, k.dev_id);
	ck_assert_str_eq(q.after, "c-000041");
	ck_assert_str_eq(q.cursor, "c-000043");
	ck_assert_int_eq(q.more, 1);
	ck_assert_int_eq(q.time, 1795000123);
	ck_assert_int_eq(cJSON_GetArraySize(q.items), 2);
	it = cJSON_GetArrayItem(q.items, 0);
	ck_assert_str_eq(cJSON_GetObjectItem(it, "cause")->valuestring,
	    "residence_elsewhere");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(it, "events"), 0), "type")->valuestring,
	    "residence.closed");
	/* The caller's page is untouched by sealing. */
	ck_assert_int_eq(cJSON_GetArraySize(p.items), 2);
	feed_page_free(&q);
	free(b);
	/* An empty page confirms the cursor. */
	cJSON_Delete(p.items);
	p.items = cJSON_CreateArray();
	strcpy(p.cursor, p.after);
	p.more = 0;
	b = seal(&p, &len);
	ck_assert_int_eq(open_page(b, len, &q), CUTRU_OK);
	ck_assert_int_eq(cJSON_GetArraySize(q.items), 0);
	ck_assert_str_eq(q.cursor, q.after);
	feed_page_free(&q);
	feed_page_free(&p);
	free(b);
}
END_TEST

START_TEST(pages_from_others_or_for_others_are_refused)
{
	struct feed_page p, q;
	struct cutru_err e;
	unsigned char pk[32], sk[32], *b;
	size_t len, i;

	page(&p);
	b = seal(&p, &len);
	/* Another device's box key: bad seal. */
	crypto_box_keypair(pk, sk);
	ck_assert_int_eq(feed_open(b, len, pk, sk, k.reg_sign_pk, k.dev_id,
	    &q, &e), CUTRU_ECRYPTO);
	/* Another registry key: not signed by the pinned registry. */
	ck_assert_int_eq(feed_open(b, len, k.dev_box_pk, k.dev_box_sk,
	    k.other_pk, k.dev_id, &q, &e), CUTRU_ECRYPTO);
	/* Sealed to this device but naming another: refused. */
	ck_assert_int_eq(feed_open(b, len, k.dev_box_pk, k.dev_box_sk,
	    k.reg_sign_pk, "0123456789abcdef", &q, &e), CUTRU_ECRYPTO);
	ck_assert_ptr_null(q.items);
	/* Every flipped bit. */
	for (i = 0; i < len; i++) {
		b[i] ^= 1;
		ck_assert_int_ne(open_page(b, len, &q), CUTRU_OK);
		b[i] ^= 1;
	}
	ck_assert_int_eq(open_page(b, len, &q), CUTRU_OK);
	feed_page_free(&q);
	ck_assert_int_ne(open_page(b, len / 2, &q), CUTRU_OK);
	ck_assert_int_ne(open_page(NULL, 0, &q), CUTRU_OK);
	feed_page_free(&p);
	free(b);
}
END_TEST

START_TEST(invalid_events_never_reach_the_console)
{
	static const char bad_closure[] =
	    "[{\"data\":{\"date\":\"2026-12-05\",\"event_date\":\"2026-12-09\","
	    "\"ground\":\"emigrated\",\"kind\":\"permanent\","
	    "\"person\":\"001080001234\"},\"type\":\"residence.closed\"}]";
	struct feed_page p, q;
	struct cutru_err e;
	unsigned char *b = NULL;
	size_t len;
	cJSON *o;
	char *canon;
	size_t clen;

	page(&p);
	cJSON_AddItemToArray(p.items, feed_item_new("other",
	    cJSON_Parse(bad_closure), NULL));
	/* The registry will not seal it ... */
	ck_assert_int_ne(feed_seal(&p, k.reg_sign_sk, k.dev_box_pk, &b, &len,
	    &e), CUTRU_OK);
	ck_assert_ptr_null(b);
	ck_assert_str_eq(e.field, "items[2].events[0].data.event_date");
	/* ... and a console will not open it, though signed and sealed. */
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "after", p.after);
	cJSON_AddStringToObject(o, "cursor", p.cursor);
	cJSON_AddStringToObject(o, "device", p.device);
	cJSON_AddItemReferenceToObject(o, "items", p.items);
	cJSON_AddStringToObject(o, "kind", FEED_KIND);
	cJSON_AddBoolToObject(o, "more", 0);
	cJSON_AddNumberToObject(o, "time", 1);
	cJSON_AddStringToObject(o, "ward", p.ward);
	ck_assert_int_eq(canon_encode(o, &canon, &clen, &e), CUTRU_OK);
	ck_assert_int_eq(envelope_seal(ENVELOPE_MAGIC_FEED, canon, clen,
	    k.reg_sign_sk, k.dev_box_pk, 1, &b, &len, &e), CUTRU_OK);
	ck_assert_int_ne(feed_open(b, len, k.dev_box_pk, k.dev_box_sk,
	    k.reg_sign_pk, k.dev_id, &q, &e), CUTRU_OK);
	ck_assert_ptr_null(q.items);
	free(b);
	free(canon);
	/* An item without events, an unknown member, a bad cause. */
	cJSON_DeleteItemFromArray(p.items, 2);
	cJSON_AddItemToArray(p.items, feed_item_new("other",
	    cJSON_CreateArray(), NULL));
	ck_assert_int_eq(feed_seal(&p, k.reg_sign_sk, k.dev_box_pk, &b, &len,
	    &e), CUTRU_EINVAL);
	ck_assert_ptr_null(feed_item_new("Bad Cause", cJSON_CreateArray(),
	    NULL));
	ck_assert_ptr_null(feed_item_new("other", NULL, NULL));
	ck_assert_ptr_null(feed_item_new("other", cJSON_CreateArray(), ""));
	cJSON_Delete(o);
	feed_page_free(&p);
}
END_TEST

START_TEST(cursors_are_short_and_plain)
{
	char big[FEED_CURSOR_MAX + 2];

	ck_assert_int_eq(feed_cursor_check("", NULL), CUTRU_OK);
	ck_assert_int_eq(feed_cursor_check("A-z_0.9~", NULL), CUTRU_OK);
	ck_assert_int_eq(feed_cursor_check("a b", NULL), CUTRU_EINVAL);
	ck_assert_int_eq(feed_cursor_check("a&b=c", NULL), CUTRU_EINVAL);
	ck_assert_int_eq(feed_cursor_check("\xc3\xa9", NULL), CUTRU_EINVAL);
	ck_assert_int_eq(feed_cursor_check(NULL, NULL), CUTRU_EINVAL);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(feed_cursor_check(big, NULL), CUTRU_EINVAL);
	big[FEED_CURSOR_MAX] = '\0';
	ck_assert_int_eq(feed_cursor_check(big, NULL), CUTRU_OK);
}
END_TEST

START_TEST(feed_requests_are_signed_by_the_device)
{
	struct cutru_err e;
	enum sync_reason why;
	char sig[FEED_SIG_HEX + 1];
	const int64_t t = 1795000000;

	ck_assert_int_eq(feed_request_sign(k.dev_sk, k.dev_id, "c-1", t, sig,
	    &e), CUTRU_OK);
	ck_assert_uint_eq(strlen(sig), 128);
	ck_assert_int_eq(feed_request_verify(k.dev_pk, k.dev_id, "c-1", t, sig,
	    t + 60, &why, &e), CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_NONE);
	/* A day of clock skew either way still works ... */
	ck_assert_int_eq(feed_request_verify(k.dev_pk, k.dev_id, "c-1", t, sig,
	    t - 86400, &why, &e), CUTRU_OK);
	ck_assert_int_eq(feed_request_verify(k.dev_pk, k.dev_id, "c-1", t, sig,
	    t + 86400, &why, &e), CUTRU_OK);
	/* ... three days does not. */
	ck_assert_int_ne(feed_request_verify(k.dev_pk, k.dev_id, "c-1", t, sig,
	    t + 3 * 86400, &why, &e), CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_BAD_REQUEST_SIGNATURE);
	/* Another cursor, time, device or key. */
	ck_assert_int_ne(feed_request_verify(k.dev_pk, k.dev_id, "c-2", t, sig,
	    t, &why, &e), CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_BAD_REQUEST_SIGNATURE);
	ck_assert_int_ne(feed_request_verify(k.dev_pk, k.dev_id, "c-1", t + 1,
	    sig, t, &why, &e), CUTRU_OK);
	ck_assert_int_ne(feed_request_verify(k.other_pk, k.dev_id, "c-1", t,
	    sig, t, &why, &e), CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_BAD_REQUEST_SIGNATURE);
	/* Bad cursor, bad hex. */
	ck_assert_int_ne(feed_request_verify(k.dev_pk, k.dev_id, "c 1", t, sig,
	    t, &why, &e), CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_BAD_CURSOR);
	sig[5] = 'x';
	ck_assert_int_ne(feed_request_verify(k.dev_pk, k.dev_id, "c-1", t, sig,
	    t, &why, &e), CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_MALFORMED);
	ck_assert_int_ne(feed_request_verify(k.dev_pk, k.dev_id, "c-1", t,
	    "abc", t, &why, &e), CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_MALFORMED);
	ck_assert_int_ne(feed_request_sign(k.dev_sk, "nothex", "", t, sig, &e),
	    CUTRU_OK);
}
END_TEST

static void
request(struct enroll_request *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->ward, ST_WARD, 6);
	memcpy(r->sign_pk, k.dev_pk, 32);
	memcpy(r->box_pk, k.dev_box_pk, 32);
	strcpy(r->token, "TOKEN-abcdefghij-12345");
	strcpy(r->label, "B\xc3\xa0n 1");
	r->time = 1795000000;
}

START_TEST(enrollment_round_trip)
{
	struct enroll_request r, o;
	struct enroll_answer a, v;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char *b, *ans;
	size_t len, alen;

	request(&r);
	ck_assert_int_eq(enroll_request_seal(&r, k.dev_sk, k.reg_box_pk, &b,
	    &len, &e), CUTRU_OK);
	ck_assert_mem_eq(b, "cuE1", 4);
	ck_assert_int_eq(enroll_request_open(b, len, k.reg_box_pk,
	    k.reg_box_sk, &o, &why, &e), CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_NONE);
	ck_assert_str_eq(o.ward, ST_WARD);
	ck_assert_str_eq(o.device, k.dev_id);
	ck_assert_mem_eq(o.sign_pk, k.dev_pk, 32);
	ck_assert_mem_eq(o.box_pk, k.dev_box_pk, 32);
	ck_assert_str_eq(o.token, "TOKEN-abcdefghij-12345");
	ck_assert_str_eq(o.label, "B\xc3\xa0n 1");
	ck_assert_int_eq(o.time, 1795000000);
	/* The token never appears in the clear. */
	ck_assert_ptr_null(memmem(b, len, "TOKEN", 5));
	/* Another registry cannot open it. */
	ck_assert_int_ne(enroll_request_open(b, len, k.dev_box_pk,
	    k.dev_box_sk, &o, &why, &e), CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_BAD_SEAL);
	free(b);

	memset(&a, 0, sizeof a);
	memcpy(a.ward, ST_WARD, 6);
	memcpy(a.device, k.dev_id, 17);
	a.time = 1795000123;
	ck_assert_int_eq(enroll_answer_sign(&a, k.reg_sign_sk, &ans, &alen, &e),
	    CUTRU_OK);
	ck_assert_mem_eq(ans, "cuN1", 4);
	ck_assert_int_eq(enroll_answer_verify(ans, alen, k.reg_sign_pk, &v,
	    &e), CUTRU_OK);
	ck_assert_str_eq(v.device, k.dev_id);
	ck_assert_str_eq(v.ward, ST_WARD);
	ck_assert_int_eq(v.time, 1795000123);
	ck_assert_int_eq(enroll_answer_verify(ans, alen, k.other_pk, &v, &e),
	    CUTRU_ECRYPTO);
	ans[alen - 3] ^= 1;
	ck_assert_int_ne(enroll_answer_verify(ans, alen, k.reg_sign_pk, &v,
	    &e), CUTRU_OK);
	free(ans);
}
END_TEST

START_TEST(enrollment_proves_the_key)
{
	struct enroll_request r, o;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char *b = NULL;
	size_t len;
	cJSON *j;
	char *canon, *pk64;
	size_t clen;

	/* Someone else's key cannot be enrolled by the console ... */
	request(&r);
	memcpy(r.sign_pk, k.other_pk, 32);
	ck_assert_int_eq(enroll_request_seal(&r, k.dev_sk, k.reg_box_pk, &b,
	    &len, &e), CUTRU_EINVAL);
	ck_assert_ptr_null(b);
	/* ... nor by hand: claiming other_pk, signed by the device key. */
	j = cJSON_CreateObject();
	pk64 = envelope_b64_encode(k.dev_box_pk, 32);
	cJSON_AddStringToObject(j, "box_pk", pk64);
	free(pk64);
	{
		char id[17];

		envelope_key_id(k.other_pk, id, NULL);
		cJSON_AddStringToObject(j, "device", id);
	}
	cJSON_AddStringToObject(j, "kind", ENROLL_KIND);
	cJSON_AddStringToObject(j, "label", "");
	pk64 = envelope_b64_encode(k.other_pk, 32);
	cJSON_AddStringToObject(j, "sign_pk", pk64);
	free(pk64);
	cJSON_AddNumberToObject(j, "time", 1);
	cJSON_AddStringToObject(j, "token", "TOKEN-abcdefghij-12345");
	cJSON_AddStringToObject(j, "ward", ST_WARD);
	ck_assert_int_eq(canon_encode(j, &canon, &clen, &e), CUTRU_OK);
	ck_assert_int_eq(envelope_seal(ENVELOPE_MAGIC_ENROLL, canon, clen,
	    k.dev_sk, k.reg_box_pk, 1, &b, &len, &e), CUTRU_OK);
	ck_assert_int_ne(enroll_request_open(b, len, k.reg_box_pk,
	    k.reg_box_sk, &o, &why, &e), CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_BAD_DEVICE_SIGNATURE);
	free(b);
	free(canon);
	/* A device id that is not the key's. */
	cJSON_ReplaceItemInObject(j, "device",
	    cJSON_CreateString("0123456789abcdef"));
	ck_assert_int_eq(canon_encode(j, &canon, &clen, &e), CUTRU_OK);
	ck_assert_int_eq(envelope_seal(ENVELOPE_MAGIC_ENROLL, canon, clen,
	    k.other_sk, k.reg_box_pk, 1, &b, &len, &e), CUTRU_OK);
	ck_assert_int_ne(enroll_request_open(b, len, k.reg_box_pk,
	    k.reg_box_sk, &o, &why, &e), CUTRU_OK);
	ck_assert_int_eq(why, SYNC_R_MALFORMED);
	free(b);
	free(canon);
	cJSON_Delete(j);
	/* Tokens. */
	ck_assert_int_eq(enroll_token_check("abcdefghijklmnop", NULL),
	    CUTRU_OK);
	ck_assert_int_eq(enroll_token_check("abcdefghijklmno", NULL),
	    CUTRU_EINVAL);
	ck_assert_int_eq(enroll_token_check("abcdefghijklmno!", NULL),
	    CUTRU_EINVAL);
	ck_assert_int_eq(enroll_token_check(NULL, NULL), CUTRU_EINVAL);
	request(&r);
	strcpy(r.label, "two\nlines");
	ck_assert_int_eq(enroll_request_seal(&r, k.dev_sk, k.reg_box_pk, &b,
	    &len, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "label");
}
END_TEST

START_TEST(registry_key_file_round_trip)
{
	struct registry_keys a, b;
	struct cutru_err e;
	char *text, *bad;
	size_t n;

	memset(&a, 0, sizeof a);
	memcpy(a.sign_pk, k.reg_sign_pk, 32);
	memcpy(a.box_pk, k.reg_box_pk, 32);
	strcpy(a.name, "Registry of H\xc3\xa0 N\xe1\xbb\x99i");
	ck_assert_int_eq(registry_keys_format(&a, &text, &e), CUTRU_OK);
	n = strlen(text);
	ck_assert_int_eq(text[n - 1], '\n');
	ck_assert_ptr_eq(strchr(text, '\n'), text + n - 1);   /* one line */
	ck_assert_int_eq(registry_keys_parse(text, n, &b, &e), CUTRU_OK);
	ck_assert_mem_eq(b.sign_pk, a.sign_pk, 32);
	ck_assert_mem_eq(b.box_pk, a.box_pk, 32);
	ck_assert_str_eq(b.name, a.name);
	ck_assert_int_eq(registry_keys_parse(text, n - 1, &b, &e), CUTRU_OK);
	/* Re-spaced, other kind, truncated key, extra member. */
	bad = strdup(text);
	bad[1] = ' ';
	ck_assert_int_eq(registry_keys_parse(bad, n, &b, &e), CUTRU_EINVAL);
	free(bad);
	ck_assert_int_eq(registry_keys_parse(
	    "{\"box_pk\":\"AAAA\",\"kind\":\"cutru-registry-key-v1\","
	    "\"name\":\"x\",\"sign_pk\":\"AAAA\"}", 74, &b, &e), CUTRU_EINVAL);
	ck_assert_int_eq(registry_keys_parse("{\"kind\":\"x\"}", 12, &b, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(registry_keys_parse(NULL, 0, &b, &e), CUTRU_EINVAL);
	ck_assert_int_eq(registry_keys_parse("", 0, &b, &e), CUTRU_EINVAL);
	{
		char *plus = malloc(n + 20);

		memcpy(plus, text, n - 2);
		strcpy(plus + n - 2, ",\"zz\":\"1\"}\n");
		ck_assert_int_eq(registry_keys_parse(plus, strlen(plus), &b,
		    &e), CUTRU_EINVAL);
		free(plus);
	}
	free(text);
}
END_TEST

START_TEST(base64_is_strict)
{
	unsigned char out[4], *dyn = NULL;
	size_t dl;
	struct cutru_err e;

	ck_assert_int_eq(envelope_b64_decode_fixed("AQID", out, 3, "x", &e),
	    CUTRU_OK);
	ck_assert_int_eq(out[2], 3);
	ck_assert_int_eq(envelope_b64_decode_fixed("AQID", out, 4, "x", &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(envelope_b64_decode_fixed("AQI=", out, 2, "x", &e),
	    CUTRU_OK);
	/* Stray low bits make a second spelling of the same bytes. */
	ck_assert_int_eq(envelope_b64_decode_fixed("AQJ=", out, 2, "x", &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(envelope_b64_decode_fixed("AQ I", out, 3, "x", &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(envelope_b64_decode("AQIDBA==", 10, &dyn, &dl, "x",
	    &e), CUTRU_OK);
	ck_assert_uint_eq(dl, 4);
	free(dyn);
	ck_assert_int_eq(envelope_b64_decode("AQIDBA==", 3, &dyn, &dl, "x",
	    &e), CUTRU_ERANGE);
	ck_assert_ptr_null(dyn);
	ck_assert_int_eq(envelope_b64_decode("AQIDBA", 10, &dyn, &dl, "x",
	    &e), CUTRU_EINVAL);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("feed");
	TCase *tc = tcase_create("feed");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, feed_page_round_trip);
	tcase_add_test(tc, pages_from_others_or_for_others_are_refused);
	tcase_add_test(tc, invalid_events_never_reach_the_console);
	tcase_add_test(tc, cursors_are_short_and_plain);
	tcase_add_test(tc, feed_requests_are_signed_by_the_device);
	tcase_add_test(tc, enrollment_round_trip);
	tcase_add_test(tc, enrollment_proves_the_key);
	tcase_add_test(tc, registry_key_file_round_trip);
	tcase_add_test(tc, base64_is_strict);
	suite_add_tcase(s, tc);
	return s;
}
