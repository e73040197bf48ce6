/* registry/ingest.c in-process, with change sets made by a real console
 * store (the sessiontest ward: officer lan, supervisors minh and hung) and
 * sync/'s build and seal: the rules the HTTP tests cannot reach easily -
 * a device enrolled for another ward, a broken previous hash, a fork at a
 * held number, bytes that are not a change set - and two connections
 * deciding the same change set at once. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sodium.h>

#include "core/hash.h"
#include "localdb/dossier.h"
#include "localdb/keyring.h"
#include "localdb/session.h"
#include "registry/ingest.h"
#include "registry/population.h"
#include "registry/regkeys.h"
#include "registry/regstore.h"
#include "sync/changeset.h"
#include "sync/envelope.h"
#include "sync/receipt.h"
#include "tests/tools/sessiontest.h"
#include "tests/unit/tap_main.h"

static char *dir, *store, dbpath[256];
static struct regstore *st;
static struct regkeys *keys;
static unsigned char dsk[64], dpk[32], bsk[32], bpk[32];
static char devid[ENVELOPE_KEY_ID_HEX + 1];
static int64_t next_seq;
static unsigned char prev[HASH_LEN];
static int npeople;

static const int64_t NOW = 1795000000;

static void
enroll(const char *ward)
{
	struct reg_device d;
	struct cutru_err e;

	memset(&d, 0, sizeof d);
	snprintf(d.id, sizeof d.id, "%s", devid);
	snprintf(d.ward, sizeof d.ward, "%s", ward);
	memcpy(d.sign_pk, dpk, 32);
	memcpy(d.box_pk, bpk, 32);
	d.enrolled = NOW;
	ck_assert_int_eq(st->ops->device_add(st, &d, &e), CUTRU_OK);
}

static void
setup(void)
{
	struct session *s;
	struct reg_officer o;
	struct cutru_err e;
	unsigned char pk[32];

	ws_scratch(&dir, &store);
	s = ws_ward(store, NULL);
	memset(&o, 0, sizeof o);
	snprintf(o.ward, sizeof o.ward, "%s", WS_WARD);
	snprintf(o.login, sizeof o.login, "minh");
	snprintf(o.name, sizeof o.name, "Lê Văn Minh");
	snprintf(o.role, sizeof o.role, "supervisor");
	ck_assert_int_eq(keyring_sign_public(store_keyring(session_store(s)),
	    "minh", pk, &e), CUTRU_OK);
	memcpy(o.sign_pk, pk, 32);
	envelope_key_id(pk, o.key_id, NULL);
	o.active = 1;
	session_close(s);

	snprintf(dbpath, sizeof dbpath, "%s/registry.db", dir);
	ck_assert_int_eq(regstore_sqlite_open(dbpath, REGSTORE_CREATE |
	    REGSTORE_SYNC_NORMAL, &st, &e), CUTRU_OK);
	ck_assert_int_eq(regkeys_create(dir, "Test", &keys, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->officer_add(st, &o, &e), CUTRU_OK);
	crypto_sign_keypair(dpk, dsk);
	crypto_box_keypair(bpk, bsk);
	envelope_key_id(dpk, devid, NULL);
	next_seq = 1;
	memcpy(prev, hash_genesis, HASH_LEN);
	npeople = 0;
}

static void
teardown(void)
{
	regstore_close(st);
	regkeys_free(keys);
	ws_rmdir(dir);
	free(dir);
	free(store);
}

/* The change set of request req (JSON text), received by lan and
 * approved by minh, sealed with seq (0: the next) and the given previous
 * hash (NULL: the chain's). */
static unsigned char *
make_req(const char *req, int64_t seq, const unsigned char *prv, size_t *len)
{
	struct changeset_input in;
	struct session *s;
	struct cutru_err e;
	char number[DOSSIER_NUMBER_MAX], *approval = NULL, *canon = NULL;
	unsigned char sig[64], pk[32], h[HASH_LEN], *sealed = NULL;
	size_t alen, clen;

	s = ws_login(store, "lan", ws_pass_lan);
	ck_assert_msg(dossier_receive(s, req, strlen(req),
	    ws_vn(2026, 11, 30, 9, 0), number, &e) == CUTRU_OK, "%s", e.msg);
	session_close(s);
	s = ws_login(store, "minh", ws_pass_minh);
	ck_assert_msg(dossier_approve(s, number, ws_pass_minh,
	    ws_vn(2026, 11, 30, 9, 5), &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_int_eq(dossier_approval(s, number, &approval, &alen, sig, &e),
	    CUTRU_OK);
	ck_assert_int_eq(keyring_sign_public(store_keyring(session_store(s)),
	    "minh", pk, &e), CUTRU_OK);
	session_close(s);
	memset(&in, 0, sizeof in);
	in.ward = WS_WARD;
	in.device = devid;
	in.seq = seq > 0 ? seq : next_seq;
	in.prev = prv != NULL ? prv : prev;
	in.created = NOW;
	in.author = "lan";
	in.approval = approval;
	in.approval_len = alen;
	in.approval_sig = sig;
	in.supervisor_pk = pk;
	ck_assert_msg(changeset_build(&in, &canon, &clen, h, &e) == CUTRU_OK,
	    "%s", e.msg);
	ck_assert_int_eq(changeset_seal(canon, clen, dsk, keys->pub.box_pk,
	    &sealed, len, &e), CUTRU_OK);
	if (seq <= 0 && prv == NULL) {
		next_seq++;
		memcpy(prev, h, HASH_LEN);
	}
	free(canon);
	free(approval);
	return sealed;
}

/* A new person (in the population records), registered in the ward with
 * a new household (see make_req()).  *id gets the person's ID number. */
static unsigned char *
make(int64_t seq, const unsigned char *prv, size_t *len, char id[13])
{
	struct reg_person p;
	struct cutru_err e;
	char req[1024];

	npeople++;
	snprintf(id, 13, "0010900%05u", (unsigned)npeople % 100000u);
	ck_assert_int_eq(population_record(id, "Nguyễn Văn An", "1990-05-01",
	    "male", &p, &e), CUTRU_OK);
	ck_assert_int_eq(st->ops->population_put(st, &p, &e), CUTRU_OK);
	snprintf(req, sizeof req, "{\"procedure\":\"permanent.register\","
	    "\"received\":\"2026-11-27\",\"applicant\":{\"id_number\":\"%s\","
	    "\"name\":\"Nguyễn Văn An\",\"dob\":\"1990-05-01\",\"sex\":\"male\"},"
	    "\"address\":{\"commune\":\"%s\",\"detail\":\"Số %d\"},"
	    "\"household_mode\":\"new\",\"basis\":\"owned\"}", id, WS_WARD,
	    npeople);
	return make_req(req, seq, prv, len);
}

/* Ingest one sealed change set; the receipt's status and first reason. */
static void
ingest1(const unsigned char *b, size_t len, enum receipt_status *status,
    enum sync_reason *why, unsigned char **receipt, size_t *rlen)
{
	struct ingest_item it;
	struct receipt r;
	struct cutru_err e;

	ingest_item_init(&it, b, len);
	ck_assert_msg(ingest_batch(st, st, keys, &it, 1, NOW, &e) == CUTRU_OK,
	    "%s", e.msg);
	ck_assert_int_eq(receipt_verify(it.receipt, it.receipt_len,
	    keys->pub.sign_pk, &r, &e), CUTRU_OK);
	*status = r.status;
	*why = r.nreasons > 0 ? r.reasons[0].code : SYNC_R_NONE;
	if (receipt != NULL) {
		*receipt = it.receipt;
		*rlen = it.receipt_len;
		it.receipt = NULL;
	}
	receipt_free(&r);
	ingest_item_free(&it);
}

static long long
count(const char *q, const char *arg)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long n;

	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, q, -1, &s, NULL), SQLITE_OK);
	if (arg != NULL)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

#define PERSONS "SELECT count(*) FROM persons WHERE id_number = ?1"

START_TEST(a_device_enrolled_for_another_ward_is_refused_and_keeps_its_place)
{
	enum receipt_status stt;
	enum sync_reason why;
	unsigned char *b;
	size_t len;
	char id[13];

	enroll("00004");
	b = make(0, NULL, &len, id);
	ingest1(b, len, &stt, &why, NULL, NULL);
	ck_assert_int_eq(stt, RECEIPT_REJECTED);
	ck_assert_int_eq(why, SYNC_R_WRONG_WARD);
	ck_assert_int_eq(count(PERSONS, id), 0);
	ck_assert_int_eq(count("SELECT head_seq FROM reg_devices", NULL), 1);
	free(b);
}
END_TEST

START_TEST(a_change_set_that_does_not_continue_the_chain_is_a_fork)
{
	enum receipt_status stt;
	enum sync_reason why;
	unsigned char *b, bogus[HASH_LEN];
	size_t len;
	char id[13];

	enroll(WS_WARD);
	b = make(0, NULL, &len, id);
	ingest1(b, len, &stt, &why, NULL, NULL);
	ck_assert_int_eq(stt, RECEIPT_ACCEPTED);
	free(b);
	memset(bogus, 0x5a, sizeof bogus);
	b = make(2, bogus, &len, id);
	ingest1(b, len, &stt, &why, NULL, NULL);
	ck_assert_int_eq(stt, RECEIPT_REJECTED);
	ck_assert_int_eq(why, SYNC_R_FORK);
	ck_assert_int_eq(count(PERSONS, id), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM reg_flags WHERE kind = "
	    "'chain'", NULL), 1);
	ck_assert_int_eq(count("SELECT head_seq FROM reg_devices", NULL), 1);
	free(b);
	/* The real number 2 still goes through. */
	b = make(0, NULL, &len, id);
	ingest1(b, len, &stt, &why, NULL, NULL);
	ck_assert_int_eq(stt, RECEIPT_ACCEPTED);
	free(b);
}
END_TEST

START_TEST(another_change_set_at_a_held_number_is_a_fork)
{
	enum receipt_status stt;
	enum sync_reason why;
	unsigned char *b1, *b2, *b3, *r1 = NULL, *r2 = NULL;
	size_t l1, l2, l3, rl1, rl2;
	char id1[13], id2[13], id3[13];

	enroll(WS_WARD);
	b1 = make(0, NULL, &l1, id1);
	b2 = make(0, NULL, &l2, id2);
	b3 = make(2, NULL, &l3, id3);  /* another change set at number 2 */
	ingest1(b2, l2, &stt, &why, NULL, NULL);
	ck_assert_int_eq(stt, RECEIPT_HELD);
	ck_assert_int_eq(why, SYNC_R_GAP);
	ingest1(b2, l2, &stt, &why, NULL, NULL);
	ck_assert_int_eq(stt, RECEIPT_HELD);
	ingest1(b3, l3, &stt, &why, NULL, NULL);
	ck_assert_int_eq(stt, RECEIPT_REJECTED);
	ck_assert_int_eq(why, SYNC_R_FORK);
	ck_assert_int_eq(count("SELECT count(*) FROM reg_held", NULL), 1);
	ingest1(b1, l1, &stt, &why, &r1, &rl1);
	ck_assert_int_eq(stt, RECEIPT_ACCEPTED);
	ck_assert_int_eq(count(PERSONS, id2), 1);
	ck_assert_int_eq(count(PERSONS, id3), 0);
	ck_assert_int_eq(count("SELECT head_seq FROM reg_devices", NULL), 2);
	/* The replay of 1 is the same receipt, byte for byte. */
	ingest1(b1, l1, &stt, &why, &r2, &rl2);
	ck_assert_uint_eq(rl1, rl2);
	ck_assert_int_eq(memcmp(r1, r2, rl1), 0);
	free(r1);
	free(r2);
	free(b1);
	free(b2);
	free(b3);
}
END_TEST

START_TEST(bytes_that_are_not_a_change_set_get_an_item_receipt)
{
	struct ingest_item it[3];
	struct receipt r;
	struct cutru_err e;
	unsigned char junk[100], *big, *b, h[HASH_LEN];
	size_t len, i;
	char id[13];

	enroll(WS_WARD);
	b = make(0, NULL, &len, id);
	memset(junk, 'x', sizeof junk);
	memcpy(junk, "cuC1", 4);
	big = calloc(1, CHANGESET_SEALED_MAX + 10);
	ck_assert_ptr_nonnull(big);
	memcpy(big, b, len);
	b[len - 1] ^= 1;  /* the seal's tag fails */
	ingest_item_init(&it[0], junk, sizeof junk);
	ingest_item_init(&it[1], big, CHANGESET_SEALED_MAX + 10);
	ingest_item_init(&it[2], b, len);
	ck_assert_int_eq(ingest_batch(st, st, keys, it, 3, NOW, &e), CUTRU_OK);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(receipt_verify(it[i].receipt,
		    it[i].receipt_len, keys->pub.sign_pk, &r, &e), CUTRU_OK);
		ck_assert_int_eq(r.status, RECEIPT_REJECTED);
		ck_assert_int_eq(r.has_item, 1);
		ck_assert_int_eq(r.has_changeset, 0);
		receipt_item_hash(it[i].sealed, it[i].len, h);
		ck_assert_int_eq(memcmp(r.item, h, HASH_LEN), 0);
		ck_assert_int_eq(r.reasons[0].code, i == 0 ? SYNC_R_MALFORMED :
		    i == 1 ? SYNC_R_TOO_LARGE : SYNC_R_BAD_SEAL);
		receipt_free(&r);
		ingest_item_free(&it[i]);
	}
	ck_assert_int_eq(count("SELECT count(*) FROM reg_changesets", NULL), 0);
	ck_assert_int_eq(count("SELECT head_seq FROM reg_devices", NULL), 0);
	free(big);
	free(b);
}
END_TEST

struct racer {
	const unsigned char *b;
	size_t len;
	enum receipt_status status;
	unsigned char *receipt;
	size_t rlen;
	pthread_barrier_t *bar;
	int rc;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct regstore *mine = NULL;
	struct ingest_item it;
	struct cutru_err e;

	r->rc = regstore_sqlite_open(dbpath, REGSTORE_SYNC_NORMAL, &mine, &e);
	if (r->rc != CUTRU_OK)
		return NULL;
	ingest_item_init(&it, r->b, r->len);
	pthread_barrier_wait(r->bar);
	r->rc = ingest_batch(mine, mine, keys, &it, 1, NOW, &e);
	r->status = it.status;
	r->receipt = it.receipt;
	r->rlen = it.receipt_len;
	it.receipt = NULL;
	ingest_item_free(&it);
	regstore_close(mine);
	return NULL;
}

START_TEST(two_connections_deciding_one_change_set_apply_it_once)
{
	pthread_barrier_t bar;
	struct racer r[2];
	pthread_t t[2];
	unsigned char *b;
	size_t len;
	char id[13];
	int i, round;

	enroll(WS_WARD);
	for (round = 0; round < 5; round++) {
		b = make(0, NULL, &len, id);
		pthread_barrier_init(&bar, NULL, 2);
		for (i = 0; i < 2; i++) {
			memset(&r[i], 0, sizeof r[i]);
			r[i].b = b;
			r[i].len = len;
			r[i].bar = &bar;
			ck_assert_int_eq(pthread_create(&t[i], NULL, race,
			    &r[i]), 0);
		}
		for (i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&bar);
		for (i = 0; i < 2; i++) {
			ck_assert_int_eq(r[i].rc, CUTRU_OK);
			ck_assert_int_eq(r[i].status, RECEIPT_ACCEPTED);
		}
		ck_assert_uint_eq(r[0].rlen, r[1].rlen);
		ck_assert_int_eq(memcmp(r[0].receipt, r[1].receipt, r[0].rlen),
		    0);
		ck_assert_int_eq(count(PERSONS, id), 1);
		ck_assert_int_eq(count("SELECT count(*) FROM household_members "
		    "m JOIN persons p ON p.id = m.person_id WHERE p.id_number = ?1",
		    id), 1);
		free(r[0].receipt);
		free(r[1].receipt);
		free(b);
	}
	ck_assert_int_eq(count("SELECT count(*) FROM reg_changesets", NULL), 5);
}
END_TEST

struct feed_count {
	int n;
	char cause[32];
};

static int
feed_cb(void *arg, int64_t cursor, const char *entry, size_t len)
{
	struct feed_count *f = arg;
	cJSON *o = cJSON_ParseWithLength(entry, len);

	(void)cursor;
	ck_assert_ptr_nonnull(o);
	snprintf(f->cause, sizeof f->cause, "%s",
	    cJSON_GetObjectItem(o, "cause")->valuestring);
	cJSON_Delete(o);
	f->n++;
	return 0;
}

START_TEST(a_corrected_identity_updates_the_records_and_tells_other_wards)
{
	struct reg_person p;
	struct apply_ctx ctx;
	struct feed_count f;
	struct cutru_err e;
	enum receipt_status stt;
	enum sync_reason why;
	unsigned char *b;
	size_t len;
	char id[13], req[1024];
	cJSON *events;
	int more;

	enroll(WS_WARD);
	b = make(0, NULL, &len, id);
	ingest1(b, len, &stt, &why, NULL, NULL);
	ck_assert_int_eq(stt, RECEIPT_ACCEPTED);
	free(b);
	/* The person also lives temporarily in ward 00004. */
	snprintf(req, sizeof req, "[{\"type\":\"residence.opened\",\"data\":{"
	    "\"person\":\"%s\",\"kind\":\"temporary\",\"address\":{"
	    "\"commune\":\"00004\",\"detail\":\"Số 5 phố Huế\"},"
	    "\"from\":\"2026-11-01\",\"to\":\"2027-10-31\"}}]", id);
	events = cJSON_Parse(req);
	memset(&ctx, 0, sizeof ctx);
	ctx.date.year = 2026;
	ctx.date.month = 11;
	ctx.date.day = 1;
	ctx.date.prec = CUTRU_DATE_DAY;
	ck_assert_msg(st->ops->apply(st, events, &ctx, &e) == CUTRU_OK, "%s",
	    e.msg);
	cJSON_Delete(events);
	/* Ward 00070 corrects the name. */
	snprintf(req, sizeof req, "{\"procedure\":\"residence.adjust\","
	    "\"received\":\"2026-11-27\",\"applicant\":{\"id_number\":\"%s\","
	    "\"name\":\"Nguyễn Văn An\",\"dob\":\"1990-05-01\",\"sex\":\"male\"},"
	    "\"household\":\"" WS_WARD "-2026-1\",\"change\":\"identity\","
	    "\"person\":{\"name\":\"Nguyễn Văn An\",\"id_number\":\"%s\"},"
	    "\"corrected\":{\"name\":\"Nguyễn Văn Bảo\"},"
	    "\"document_ref\":\"Quyết định 12/2026\"}", id, id);
	b = make_req(req, 0, NULL, &len);
	ingest1(b, len, &stt, &why, NULL, NULL);
	ck_assert_int_eq(stt, RECEIPT_ACCEPTED);
	free(b);
	ck_assert_int_eq(st->ops->population_get(st, id, &p, &e), CUTRU_OK);
	ck_assert_str_eq(p.folded, "nguyen van bao");
	memset(&f, 0, sizeof f);
	ck_assert_int_eq(st->ops->feed_read(st, "00004", 0, 10, feed_cb, &f,
	    &more, &e), CUTRU_OK);
	ck_assert_int_eq(f.n, 1);
	ck_assert_str_eq(f.cause, "identity_corrected");
	/* Not to the ward that made the correction. */
	memset(&f, 0, sizeof f);
	ck_assert_int_eq(st->ops->feed_read(st, WS_WARD, 0, 10, feed_cb, &f,
	    &more, &e), CUTRU_OK);
	ck_assert_int_eq(f.n, 0);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("ingest");
	TCase *tc = tcase_create("ingest");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    a_device_enrolled_for_another_ward_is_refused_and_keeps_its_place);
	tcase_add_test(tc, a_change_set_that_does_not_continue_the_chain_is_a_fork);
	tcase_add_test(tc, another_change_set_at_a_held_number_is_a_fork);
	tcase_add_test(tc, bytes_that_are_not_a_change_set_get_an_item_receipt);
	tcase_add_test(tc, two_connections_deciding_one_change_set_apply_it_once);
	tcase_add_test(tc,
	    a_corrected_identity_updates_the_records_and_tells_other_wards);
	suite_add_tcase(s, tc);
	return s;
}
