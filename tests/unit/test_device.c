/* The console's device identity (sync/device.h) in a real encrypted
 * store: made once, enrolled once, and the change-set chain kept in the
 * store whatever the caller's struct says. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sodium.h>

#include "localdb/session.h"
#include "sync/changeset.h"
#include "sync/device.h"
#include "sync/enroll.h"
#include "tests/tools/sessiontest.h"
#include "tests/tools/synctest.h"
#include "tests/unit/tap_main.h"

#ifndef EXAMPLES_DIR
#define EXAMPLES_DIR "examples/requests"
#endif

static struct st_keys k;
static struct registry_keys reg;
static char *dir;
static struct session *admin;
static char *approval;
static size_t approval_len;
static unsigned char approval_sig[64], minh_pk[32];

static void
setup(void)
{
	char number[DOSSIER_NUMBER_MAX];

	st_keys_make(&k);
	memset(&reg, 0, sizeof reg);
	memcpy(reg.sign_pk, k.reg_sign_pk, 32);
	memcpy(reg.box_pk, k.reg_box_pk, 32);
	strcpy(reg.name, "test registry");
	st_real_approval(EXAMPLES_DIR, "temporary.register", &dir, &admin,
	    &approval, &approval_len, approval_sig, minh_pk, number);
	ck_assert_str_eq(number, "1/2026/PTN");
}

static void
teardown(void)
{
	session_close(admin);
	ws_rmdir(dir);
	free(dir);
	free(approval);
}

static sqlite3 *
db(void)
{
	return session_db(admin);
}

/* Enroll d with the test registry. */
static void
enroll(struct device *d)
{
	struct enroll_request r;
	struct enroll_answer a;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char *req, *ans;
	size_t rlen, alen;

	ck_assert_int_eq(device_enroll_request(d, &reg,
	    "TOKEN-abcdefghij-12345", "Desk 1", 1795000000, &req, &rlen, &e),
	    CUTRU_OK);
	ck_assert_int_eq(enroll_request_open(req, rlen, k.reg_box_pk,
	    k.reg_box_sk, &r, &why, &e), CUTRU_OK);
	ck_assert_str_eq(r.device, d->id);
	ck_assert_str_eq(r.ward, ST_WARD);
	ck_assert_mem_eq(r.box_pk, d->box_pk, 32);
	memset(&a, 0, sizeof a);
	memcpy(a.device, r.device, 17);
	memcpy(a.ward, r.ward, 6);
	a.time = 1795000100;
	ck_assert_int_eq(enroll_answer_sign(&a, k.reg_sign_sk, &ans, &alen, &e),
	    CUTRU_OK);
	ck_assert_int_eq(device_enrolled(db(), d, &reg,
	    "https://registry.example.vn", ans, alen, &e), CUTRU_OK);
	free(req);
	free(ans);
}

START_TEST(the_device_is_made_once)
{
	struct device *d = NULL, *d2 = NULL;
	struct cutru_err e;

	ck_assert_int_eq(device_load(db(), &d, &e), CUTRU_ENOTFOUND);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(device_load_or_create(db(), ST_WARD, &d, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(strlen(d->id), 16);
	ck_assert_int_eq(d->next_seq, 1);
	ck_assert_mem_eq(d->prev, hash_genesis, HASH_LEN);
	ck_assert(!d->enrolled);
	{
		char id[17];

		envelope_key_id(d->sign_pk, id, NULL);
		ck_assert_str_eq(id, d->id);
	}
	ck_assert_int_eq(device_load_or_create(db(), ST_WARD, &d2, &e),
	    CUTRU_OK);
	ck_assert_str_eq(d2->id, d->id);
	ck_assert_mem_eq(d2->sign_sk, d->sign_sk, 64);
	ck_assert_mem_eq(d2->box_sk, d->box_sk, 32);
	device_free(d2);
	ck_assert_int_eq(device_load_or_create(db(), "00073", &d2, &e),
	    CUTRU_ECONFLICT);
	ck_assert_ptr_null(d2);
	ck_assert_int_eq(device_load_or_create(db(), "7", &d2, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(ws_q_int(db(), "SELECT count(*) FROM device"), 1);
	device_free(d);
	device_free(NULL);
}
END_TEST

START_TEST(enrollment_pins_the_registry_once)
{
	struct device *d, *d2;
	struct registry_keys other;
	struct enroll_answer a;
	struct cutru_err e;
	unsigned char *ans;
	size_t alen;

	ck_assert_int_eq(device_load_or_create(db(), ST_WARD, &d, &e),
	    CUTRU_OK);
	enroll(d);
	ck_assert(d->enrolled);
	ck_assert_int_eq(device_load(db(), &d2, &e), CUTRU_OK);
	ck_assert(d2->enrolled);
	ck_assert_mem_eq(d2->registry.sign_pk, k.reg_sign_pk, 32);
	ck_assert_mem_eq(d2->registry.box_pk, k.reg_box_pk, 32);
	ck_assert_str_eq(d2->registry.name, "test registry");
	ck_assert_str_eq(d2->url, "https://registry.example.vn");
	ck_assert_int_eq(d2->enrolled_at, 1795000100);
	device_free(d2);
	/* Another registry, even with a valid answer of its own: refused. */
	other = reg;
	memcpy(other.sign_pk, k.other_pk, 32);
	memset(&a, 0, sizeof a);
	memcpy(a.device, d->id, 17);
	memcpy(a.ward, ST_WARD, 6);
	ck_assert_int_eq(enroll_answer_sign(&a, k.other_sk, &ans, &alen, &e),
	    CUTRU_OK);
	ck_assert_int_eq(device_enrolled(db(), d, &other, NULL, ans, alen, &e),
	    CUTRU_ECONFLICT);
	/* An answer not signed by the key file's registry. */
	ck_assert_int_eq(device_enrolled(db(), d, &reg, NULL, ans, alen, &e),
	    CUTRU_ECRYPTO);
	free(ans);
	/* An answer for another console. */
	strcpy(a.device, "0123456789abcdef");
	ck_assert_int_eq(enroll_answer_sign(&a, k.reg_sign_sk, &ans, &alen, &e),
	    CUTRU_OK);
	ck_assert_int_eq(device_enrolled(db(), d, &reg, NULL, ans, alen, &e),
	    CUTRU_ECONFLICT);
	free(ans);
	device_free(d);
}
END_TEST

START_TEST(sealed_change_sets_chain_in_the_store)
{
	struct device *d, *stale;
	struct changeset cs;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char h1[HASH_LEN], h2[HASH_LEN], h3[HASH_LEN], sig[64];
	unsigned char *s1, *s2, *s3, *again;
	size_t l1, l2, l3, alen, al;
	int64_t seq;
	char *ap;

	ck_assert_int_eq(device_load_or_create(db(), ST_WARD, &d, &e),
	    CUTRU_OK);
	/* Not enrolled: no key to seal to. */
	ck_assert_int_eq(device_seal_changeset(db(), d, "lan", approval,
	    approval_len, approval_sig, minh_pk, 1795000200, &s1, &l1, &seq,
	    h1, &e), CUTRU_EPERM);
	enroll(d);
	ck_assert_int_eq(device_load(db(), &stale, &e), CUTRU_OK);
	ck_assert_int_eq(device_seal_changeset(db(), d, "lan", approval,
	    approval_len, approval_sig, minh_pk, 1795000200, &s1, &l1, &seq,
	    h1, &e), CUTRU_OK);
	ck_assert_int_eq(seq, 1);
	ck_assert_int_eq(d->next_seq, 2);
	ck_assert_mem_eq(d->prev, h1, HASH_LEN);
	/* The registry opens it and both signatures verify. */
	ck_assert_int_eq(changeset_open(s1, l1, k.reg_box_pk, k.reg_box_sk,
	    &cs, &why, &e), CUTRU_OK);
	ck_assert_int_eq(changeset_verify_device(&cs, d->sign_pk, &why, &e),
	    CUTRU_OK);
	ck_assert_int_eq(changeset_verify_supervisor(&cs, minh_pk, &why, &e),
	    CUTRU_OK);
	ck_assert_str_eq(cs.dossier, "1/2026/PTN");
	ck_assert_str_eq(cs.author, "lan");
	ck_assert_int_eq(cs.created, 1795000200);
	ck_assert_mem_eq(cs.hash, h1, HASH_LEN);
	changeset_free(&cs);
	/* The same dossier twice: refused, nothing moves. */
	ck_assert_int_eq(device_seal_changeset(db(), d, "lan", approval,
	    approval_len, approval_sig, minh_pk, 1795000300, &s2, &l2, &seq,
	    h2, &e), CUTRU_ECONFLICT);
	ck_assert_ptr_null(s2);
	ck_assert_int_eq(ws_q_int(db(), "SELECT next_seq FROM device"), 2);
	/* A bad approval: refused, nothing moves. */
	st_approval_n(2, st_events_temporary, ST_WARD, "temporary.register",
	    k.sup_sk, &ap, &alen, sig);
	ck_assert_int_eq(device_seal_changeset(db(), d, "lan", ap, alen, sig,
	    minh_pk, 1795000300, &s2, &l2, &seq, h2, &e), CUTRU_ECRYPTO);
	ck_assert_int_eq(ws_q_int(db(), "SELECT count(*) FROM changesets"), 1);
	/* Number 2, through a struct that still believes in number 1: the
	 * store decides. */
	ck_assert_int_eq(stale->next_seq, 1);
	enroll(stale);
	ck_assert_int_eq(device_seal_changeset(db(), stale, "lan", ap, alen,
	    sig, k.sup_pk, 1795000300, &s2, &l2, &seq, h2, &e), CUTRU_OK);
	ck_assert_int_eq(seq, 2);
	ck_assert_int_eq(changeset_open(s2, l2, k.reg_box_pk, k.reg_box_sk,
	    &cs, &why, &e), CUTRU_OK);
	ck_assert_mem_eq(cs.prev, h1, HASH_LEN);
	changeset_free(&cs);
	free(ap);
	st_approval_n(3, st_events_temporary, ST_WARD, "temporary.register",
	    k.sup_sk, &ap, &alen, sig);
	ck_assert_int_eq(device_seal_changeset(db(), d, "hung", ap, alen, sig,
	    k.sup_pk, 1795000400, &s3, &l3, &seq, h3, &e), CUTRU_OK);
	ck_assert_int_eq(seq, 3);
	ck_assert_int_eq(ws_q_int(db(), "SELECT next_seq FROM device"), 4);
	/* The store keeps the sealed bytes, exactly. */
	ck_assert_int_eq(device_sealed_changeset(db(), 2, &again, &al, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(al, l2);
	ck_assert_mem_eq(again, s2, l2);
	free(again);
	ck_assert_int_eq(device_sealed_changeset(db(), 9, &again, &al, &e),
	    CUTRU_ENOTFOUND);
	/* Signed change sets are never deleted. */
	ck_assert_int_ne(sqlite3_exec(db(), "DELETE FROM changesets", NULL,
	    NULL, NULL), SQLITE_OK);
	ck_assert_int_ne(sqlite3_exec(db(), "INSERT INTO changesets (seq, "
	    "hash, dossier, created, sealed) VALUES (9, zeroblob(32), 'x', 0, "
	    "x'00')", NULL, NULL, NULL), SQLITE_OK);
	free(ap);
	free(s1);
	free(s2);
	free(s3);
	device_free(d);
	device_free(stale);
}
END_TEST

START_TEST(receipts_and_feed_with_the_pinned_keys)
{
	struct device *d;
	struct receipt r, v;
	struct feed_page p, q;
	struct cutru_err e;
	enum sync_reason why;
	unsigned char *b;
	size_t len;
	char sig[FEED_SIG_HEX + 1];

	ck_assert_int_eq(device_load_or_create(db(), ST_WARD, &d, &e),
	    CUTRU_OK);
	memset(&r, 0, sizeof r);
	r.status = RECEIPT_ACCEPTED;
	r.has_changeset = 1;
	memcpy(r.device, d->id, 17);
	r.seq = 1;
	r.time = 1;
	ck_assert_int_eq(receipt_sign(&r, k.reg_sign_sk, &b, &len, &e),
	    CUTRU_OK);
	ck_assert_int_eq(device_receipt_verify(d, b, len, &v, &e), CUTRU_EPERM);
	enroll(d);
	ck_assert_int_eq(device_receipt_verify(d, b, len, &v, &e), CUTRU_OK);
	free(b);
	strcpy(r.device, "0123456789abcdef");
	ck_assert_int_eq(receipt_sign(&r, k.reg_sign_sk, &b, &len, &e),
	    CUTRU_OK);
	ck_assert_int_eq(device_receipt_verify(d, b, len, &v, &e),
	    CUTRU_ECONFLICT);
	free(b);

	memset(&p, 0, sizeof p);
	memcpy(p.ward, ST_WARD, 6);
	memcpy(p.device, d->id, 17);
	p.items = cJSON_CreateArray();
	ck_assert_int_eq(feed_seal(&p, k.reg_sign_sk, d->box_pk, &b, &len, &e),
	    CUTRU_OK);
	ck_assert_int_eq(device_feed_open(d, b, len, &q, &e), CUTRU_OK);
	feed_page_free(&q);
	free(b);
	memcpy(p.ward, "00073", 6);
	ck_assert_int_eq(feed_seal(&p, k.reg_sign_sk, d->box_pk, &b, &len, &e),
	    CUTRU_OK);
	ck_assert_int_eq(device_feed_open(d, b, len, &q, &e), CUTRU_ECONFLICT);
	ck_assert_ptr_null(q.items);
	free(b);
	cJSON_Delete(p.items);

	ck_assert_int_eq(device_feed_request(d, "c-9", 1795000000, sig, &e),
	    CUTRU_OK);
	ck_assert_int_eq(feed_request_verify(d->sign_pk, d->id, "c-9",
	    1795000000, sig, 1795000000, &why, &e), CUTRU_OK);
	device_free(d);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("device");
	TCase *tc = tcase_create("device");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_device_is_made_once);
	tcase_add_test(tc, enrollment_pins_the_registry_once);
	tcase_add_test(tc, sealed_change_sets_chain_in_the_store);
	tcase_add_test(tc, receipts_and_feed_with_the_pinned_keys);
	suite_add_tcase(s, tc);
	return s;
}
