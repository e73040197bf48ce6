/* Receipts and reason codes (sync/receipt.h, sync/reason.h): what the
 * registry signs is what the console reads; a receipt from anyone else,
 * or altered, is refused; the rules of a receipt hold both ways. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sodium.h>

#include "sync/feed.h"
#include "sync/reason.h"
#include "sync/receipt.h"
#include "tests/tools/synctest.h"
#include "tests/unit/tap_main.h"

static struct st_keys k;

static void
setup(void)
{
	st_keys_make(&k);
}

static void
accepted(struct receipt *r)
{
	memset(r, 0, sizeof *r);
	r->status = RECEIPT_ACCEPTED;
	r->has_changeset = 1;
	memcpy(r->device, k.dev_id, 17);
	r->seq = 42;
	memset(r->hash, 0x3c, HASH_LEN);
	r->time = 1795000123;
}

static unsigned char *
sign(const struct receipt *r, size_t *len)
{
	struct cutru_err e;
	unsigned char *out = NULL;
	int rc;

	rc = receipt_sign(r, k.reg_sign_sk, &out, len, &e);
	ck_assert_msg(rc == CUTRU_OK, "sign: [%s] %s", e.field, e.msg);
	return out;
}

START_TEST(accepted_receipt_round_trip)
{
	struct receipt r, v;
	struct cutru_err e;
	unsigned char *b, *b2;
	size_t len, len2;

	accepted(&r);
	b = sign(&r, &len);
	ck_assert_mem_eq(b, "cuR1", 4);
	ck_assert_int_eq(receipt_verify(b, len, k.reg_sign_pk, &v, &e),
	    CUTRU_OK);
	ck_assert_int_eq(v.status, RECEIPT_ACCEPTED);
	ck_assert(v.has_changeset);
	ck_assert(!v.has_item);
	ck_assert_str_eq(v.device, k.dev_id);
	ck_assert_int_eq(v.seq, 42);
	ck_assert_mem_eq(v.hash, r.hash, HASH_LEN);
	ck_assert_int_eq(v.time, 1795000123);
	ck_assert_uint_eq(v.nreasons, 0);
	ck_assert_ptr_null(v.current);
	/* A replay is answered with the same bytes: signing is
	 * deterministic. */
	b2 = sign(&r, &len2);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(b, b2, len);
	receipt_free(&v);
	free(b);
	free(b2);
}
END_TEST

START_TEST(rejection_carries_reasons_and_the_sealed_current_state)
{
	struct receipt r, v;
	struct feed_page p, q;
	struct cutru_err e;
	unsigned char *b, *cur;
	size_t len, clen;
	cJSON *items, *ev;

	/* The current state: a feed page sealed to the device. */
	memset(&p, 0, sizeof p);
	memcpy(p.ward, ST_WARD, 6);
	memcpy(p.device, k.dev_id, 17);
	p.time = 1795000123;
	items = cJSON_CreateArray();
	ev = cJSON_Parse(st_events_temporary);
	cJSON_AddItemToArray(items, feed_item_new(FEED_CAUSE_CURRENT_STATE, ev,
	    "x:42"));
	p.items = items;
	ck_assert_int_eq(feed_seal(&p, k.reg_sign_sk, k.dev_box_pk, &cur, &clen,
	    &e), CUTRU_OK);

	accepted(&r);
	r.status = RECEIPT_REJECTED;
	ck_assert_int_eq(receipt_add_reason(&r, SYNC_R_STALE_RECORD,
	    "approval.events[1]", &e, "The residence of %s changed on %s.",
	    "the person", "2026-12-01"), CUTRU_OK);
	ck_assert_int_eq(receipt_add_reason(&r, SYNC_R_IDENTITY_MISMATCH, NULL,
	    &e, "Date of birth\ndiffers."), CUTRU_OK);
	r.current = cur;
	r.current_len = clen;
	b = sign(&r, &len);
	ck_assert_int_eq(receipt_verify(b, len, k.reg_sign_pk, &v, &e),
	    CUTRU_OK);
	ck_assert_int_eq(v.status, RECEIPT_REJECTED);
	ck_assert_uint_eq(v.nreasons, 2);
	ck_assert_int_eq(v.reasons[0].code, SYNC_R_STALE_RECORD);
	ck_assert_str_eq(v.reasons[0].name, "stale_record");
	ck_assert_str_eq(v.reasons[0].field, "approval.events[1]");
	ck_assert_str_eq(v.reasons[0].message,
	    "The residence of the person changed on 2026-12-01.");
	ck_assert_int_eq(v.reasons[1].code, SYNC_R_IDENTITY_MISMATCH);
	ck_assert_str_eq(v.reasons[1].field, "");
	/* One line: the line break became a space. */
	ck_assert_str_eq(v.reasons[1].message, "Date of birth differs.");
	ck_assert_uint_eq(v.current_len, clen);
	ck_assert_int_eq(feed_open(v.current, v.current_len, k.dev_box_pk,
	    k.dev_box_sk, k.reg_sign_pk, k.dev_id, &q, &e), CUTRU_OK);
	ck_assert_int_eq(cJSON_GetArraySize(q.items), 1);
	feed_page_free(&q);
	receipt_free(&v);
	free(b);
	free(cur);
	cJSON_Delete(items);
}
END_TEST

START_TEST(unidentified_items_are_answered_by_their_bytes)
{
	struct receipt r, v;
	struct cutru_err e;
	unsigned char *b;
	size_t len;

	memset(&r, 0, sizeof r);
	r.status = RECEIPT_REJECTED;
	r.has_item = 1;
	receipt_item_hash((const unsigned char *)"garbage", 7, r.item);
	r.time = 5;
	ck_assert_int_eq(receipt_add_reason(&r, SYNC_R_BAD_SEAL, NULL, &e,
	    "The seal does not open."), CUTRU_OK);
	b = sign(&r, &len);
	ck_assert_int_eq(receipt_verify(b, len, k.reg_sign_pk, &v, &e),
	    CUTRU_OK);
	ck_assert(v.has_item);
	ck_assert(!v.has_changeset);
	ck_assert_mem_eq(v.item, r.item, HASH_LEN);
	ck_assert_int_eq(v.reasons[0].code, SYNC_R_BAD_SEAL);
	receipt_free(&v);
	free(b);
}
END_TEST

START_TEST(the_registry_signs_only_well_formed_receipts)
{
	struct receipt r;
	struct cutru_err e;
	unsigned char *b = NULL, cur[4] = { 1, 2, 3, 4 };
	size_t len = 0;
	int i;

	accepted(&r);
	ck_assert_int_eq(receipt_add_reason(&r, SYNC_R_GAP, "seq", &e, "x"),
	    CUTRU_OK);
	ck_assert_int_eq(receipt_sign(&r, k.reg_sign_sk, &b, &len, &e),
	    CUTRU_EINVAL);   /* accepted with a reason */
	accepted(&r);
	r.status = RECEIPT_REJECTED;   /* rejected without one */
	ck_assert_int_eq(receipt_sign(&r, k.reg_sign_sk, &b, &len, &e),
	    CUTRU_EINVAL);
	accepted(&r);
	r.has_item = 1;                /* both identities */
	ck_assert_int_eq(receipt_sign(&r, k.reg_sign_sk, &b, &len, &e),
	    CUTRU_EINVAL);
	accepted(&r);
	r.has_changeset = 0;           /* neither */
	ck_assert_int_eq(receipt_sign(&r, k.reg_sign_sk, &b, &len, &e),
	    CUTRU_EINVAL);
	memset(&r, 0, sizeof r);       /* held but unidentified */
	r.status = RECEIPT_HELD;
	r.has_item = 1;
	receipt_add_reason(&r, SYNC_R_GAP, NULL, &e, "x");
	ck_assert_int_eq(receipt_sign(&r, k.reg_sign_sk, &b, &len, &e),
	    CUTRU_EINVAL);
	accepted(&r);
	r.current = cur;               /* current with an acceptance */
	r.current_len = sizeof cur;
	ck_assert_int_eq(receipt_sign(&r, k.reg_sign_sk, &b, &len, &e),
	    CUTRU_EINVAL);
	accepted(&r);
	r.seq = 0;
	ck_assert_int_eq(receipt_sign(&r, k.reg_sign_sk, &b, &len, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_null(b);
	/* At most RECEIPT_REASONS_MAX reasons; no NONE or UNKNOWN code. */
	accepted(&r);
	r.status = RECEIPT_REJECTED;
	for (i = 0; i < RECEIPT_REASONS_MAX; i++)
		ck_assert_int_eq(receipt_add_reason(&r, SYNC_R_MALFORMED, NULL,
		    &e, "m%d", i), CUTRU_OK);
	ck_assert_int_eq(receipt_add_reason(&r, SYNC_R_MALFORMED, NULL, &e,
	    "one too many"), CUTRU_ERANGE);
	ck_assert_int_eq(receipt_add_reason(&r, SYNC_R_NONE, NULL, &e, "x"),
	    CUTRU_EINVAL);
	ck_assert_int_eq(receipt_add_reason(&r, SYNC_R_UNKNOWN, NULL, &e, "x"),
	    CUTRU_EINVAL);
	ck_assert_int_eq(receipt_sign(NULL, k.reg_sign_sk, &b, &len, &e),
	    CUTRU_EINVAL);
}
END_TEST

START_TEST(long_messages_are_cut_at_a_character)
{
	struct receipt r;
	struct cutru_err e;
	char big[2000];
	size_t i;

	/* "ữ" is 3 bytes: 400 is not a multiple of 3. */
	big[0] = '\0';
	for (i = 0; i < 600; i++)
		strcat(big, "\xe1\xbb\xaf");
	accepted(&r);
	r.status = RECEIPT_REJECTED;
	ck_assert_int_eq(receipt_add_reason(&r, SYNC_R_MALFORMED, NULL, &e,
	    "%s", big), CUTRU_OK);
	ck_assert_uint_le(strlen(r.reasons[0].message), RECEIPT_MESSAGE_MAX);
	ck_assert_uint_eq(strlen(r.reasons[0].message) % 3, 0);
}
END_TEST

START_TEST(unknown_codes_are_kept_not_guessed)
{
	struct receipt r, v;
	struct cutru_err e;
	unsigned char *b;
	size_t len;

	accepted(&r);
	r.status = RECEIPT_REJECTED;
	r.nreasons = 1;
	r.reasons[0].code = SYNC_R_UNKNOWN;
	strcpy(r.reasons[0].name, "quota_exceeded");
	strcpy(r.reasons[0].message, "A reason of a later protocol.");
	b = sign(&r, &len);
	ck_assert_int_eq(receipt_verify(b, len, k.reg_sign_pk, &v, &e),
	    CUTRU_OK);
	ck_assert_int_eq(v.reasons[0].code, SYNC_R_UNKNOWN);
	ck_assert_str_eq(v.reasons[0].name, "quota_exceeded");
	ck_assert(!sync_reason_retryable(v.reasons[0].code));
	receipt_free(&v);
	free(b);
}
END_TEST

START_TEST(forged_or_damaged_receipts_are_refused)
{
	struct receipt r, v;
	struct cutru_err e;
	unsigned char *b, *f;
	size_t len, i, flen;
	int rc;

	accepted(&r);
	b = sign(&r, &len);
	/* Another key. */
	ck_assert_int_eq(receipt_verify(b, len, k.other_pk, &v, &e),
	    CUTRU_ECRYPTO);
	/* Signed by another key claiming the registry's key id. */
	ck_assert_int_eq(receipt_sign(&r, k.other_sk, &f, &flen, &e),
	    CUTRU_OK);
	memcpy(f + 4, b + 4, 8);
	ck_assert_int_eq(receipt_verify(f, flen, k.reg_sign_pk, &v, &e),
	    CUTRU_ECRYPTO);
	free(f);
	/* Every flipped bit, every truncation. */
	for (i = 0; i < len; i++) {
		b[i] ^= 0x20;
		rc = receipt_verify(b, len, k.reg_sign_pk, &v, &e);
		ck_assert_msg(rc != CUTRU_OK, "flip at %zu accepted", i);
		b[i] ^= 0x20;
		ck_assert_int_ne(receipt_verify(b, i, k.reg_sign_pk, &v, &e),
		    CUTRU_OK);
		ck_assert_ptr_null(v.current);
	}
	ck_assert_int_eq(receipt_verify(b, len, k.reg_sign_pk, &v, &e),
	    CUTRU_OK);
	receipt_free(&v);
	ck_assert_int_ne(receipt_verify(NULL, 0, k.reg_sign_pk, &v, &e),
	    CUTRU_OK);
	ck_assert_int_ne(receipt_verify(b, len, NULL, &v, &e), CUTRU_OK);
	free(b);
}
END_TEST

START_TEST(reason_codes_are_a_closed_list)
{
	static const char *const names[] = { "bad_seal",
	    "bad_device_signature", "bad_supervisor_signature",
	    "unknown_device", "revoked_device", "wrong_ward",
	    "unknown_supervisor", "supervisor_not_authorised", "gap", "fork",
	    "identity_mismatch", "stale_record", "invalid_events",
	    "register_conflict", "malformed", "too_large",
	    "unsupported_version", "rate_limited", "bad_token",
	    "already_enrolled", "bad_request_signature", "bad_cursor",
	    "internal", NULL };
	int i;

	for (i = 0; names[i] != NULL; i++) {
		enum sync_reason r = sync_reason_from_name(names[i],
		    strlen(names[i]));

		ck_assert_int_eq(r, i + 1);
		ck_assert_str_eq(sync_reason_name(r), names[i]);
		ck_assert_uint_gt(strlen(sync_reason_describe(r)), 10);
	}
	ck_assert_int_eq(i + 1, SYNC_R_UNKNOWN);
	ck_assert_int_eq(sync_reason_from_name("gap", 2), SYNC_R_UNKNOWN);
	ck_assert_int_eq(sync_reason_from_name("GAP", 3), SYNC_R_UNKNOWN);
	ck_assert_int_eq(sync_reason_from_name("", 0), SYNC_R_UNKNOWN);
	ck_assert_int_eq(sync_reason_from_name(NULL, 3), SYNC_R_UNKNOWN);
	ck_assert_int_eq(sync_reason_from_name("unknown", 7), SYNC_R_UNKNOWN);
	ck_assert_str_eq(sync_reason_name((enum sync_reason)999), "unknown");
	ck_assert_int_eq(sync_reason_http_status(SYNC_R_BAD_SEAL), 400);
	ck_assert_int_eq(sync_reason_http_status(SYNC_R_TOO_LARGE), 413);
	ck_assert_int_eq(sync_reason_http_status(SYNC_R_RATE_LIMITED), 429);
	ck_assert_int_eq(sync_reason_http_status(SYNC_R_ALREADY_ENROLLED),
	    409);
	ck_assert_int_eq(sync_reason_http_status(SYNC_R_GAP), 200);
	ck_assert(sync_reason_retryable(SYNC_R_GAP));
	ck_assert(sync_reason_retryable(SYNC_R_RATE_LIMITED));
	ck_assert(sync_reason_retryable(SYNC_R_INTERNAL));
	ck_assert(!sync_reason_retryable(SYNC_R_FORK));
	ck_assert(!sync_reason_retryable(SYNC_R_BAD_SEAL));
}
END_TEST

START_TEST(error_bodies_round_trip)
{
	struct cutru_err e;
	enum sync_reason r;
	char *body = NULL, msg[16];
	size_t len;

	ck_assert_int_eq(sync_error_format(SYNC_R_TOO_LARGE,
	    "The body is over 1 MiB.", &body, &len, &e), CUTRU_OK);
	ck_assert_str_eq(body,
	    "{\"code\":\"too_large\",\"message\":\"The body is over 1 MiB.\"}");
	ck_assert_int_eq(sync_error_parse(body, len, &r, msg, sizeof msg, &e),
	    CUTRU_OK);
	ck_assert_int_eq(r, SYNC_R_TOO_LARGE);
	ck_assert_str_eq(msg, "The body is ove");   /* cut to fit */
	free(body);
	ck_assert_int_eq(sync_error_parse(" {\"message\":\"x\", \"code\":"
	    "\"later_code\"} ", 38, &r, msg, sizeof msg, &e), CUTRU_OK);
	ck_assert_int_eq(r, SYNC_R_UNKNOWN);
	ck_assert_int_eq(sync_error_parse("<html>", 6, &r, msg, sizeof msg,
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(sync_error_parse("{\"code\":1}", 10, &r, msg,
	    sizeof msg, &e), CUTRU_EINVAL);
	ck_assert_int_eq(sync_error_parse(NULL, 0, &r, msg, sizeof msg, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(sync_error_format(SYNC_R_NONE, "x", &body, &len, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_null(body);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("receipt");
	TCase *tc = tcase_create("receipt");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, accepted_receipt_round_trip);
	tcase_add_test(tc, rejection_carries_reasons_and_the_sealed_current_state);
	tcase_add_test(tc, unidentified_items_are_answered_by_their_bytes);
	tcase_add_test(tc, the_registry_signs_only_well_formed_receipts);
	tcase_add_test(tc, long_messages_are_cut_at_a_character);
	tcase_add_test(tc, unknown_codes_are_kept_not_guessed);
	tcase_add_test(tc, forged_or_damaged_receipts_are_refused);
	tcase_add_test(tc, reason_codes_are_a_closed_list);
	tcase_add_test(tc, error_bodies_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
