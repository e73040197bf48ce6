#include "config.h"

/* Dossiers on real encrypted stores: receiving, the supervisor's decision,
 * permissions, signatures, and every example request end to end. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sodium.h>
#include <cjson/cJSON.h>

#include "core/err.h"
#include "localdb/dossier.h"
#include "localdb/journal.h"
#include "localdb/keyring.h"
#include "localdb/officer.h"
#include "localdb/session.h"
#include "localdb/store.h"
#include "tests/tools/sessiontest.h"
#include "tests/unit/tap_main.h"

#ifndef EXAMPLES_DIR
#define EXAMPLES_DIR "examples/requests"
#endif

static char *dir, *store;
static struct session *admin, *lan, *minh, *hung;

/* The examples are received on Friday 27/11/2026 in the morning and
 * decided on Monday 30/11/2026. */
#define T_RECEIVE ws_vn(2026, 11, 27, 10, 0)
#define T_DECIDE ws_vn(2026, 11, 30, 9, 0)

static void
setup(void)
{
	ws_scratch(&dir, &store);
	admin = ws_ward(store, NULL);
	lan = ws_login(store, "lan", ws_pass_lan);
	minh = ws_login(store, "minh", ws_pass_minh);
	hung = ws_login(store, "hung", ws_pass_hung);
}

static void
teardown(void)
{
	session_close(admin);
	session_close(lan);
	session_close(minh);
	session_close(hung);
	ws_rmdir(dir);
	free(dir);
	free(store);
}

static char *
example(const char *procedure, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof path, "%s/%s.json", EXAMPLES_DIR, procedure);
	return ws_read(path, len);
}

/* Receive the example of procedure as s at time t; the number into num. */
static void
receive(struct session *s, const char *procedure, time_t t, char *num)
{
	struct cutru_err e;
	size_t len;
	char *json = example(procedure, &len);
	int rc;

	rc = dossier_receive(s, json, len, t, num, &e);
	ck_assert_msg(rc == CUTRU_OK, "%s: [%s] %s", procedure, e.field,
	    e.msg);
	free(json);
}

static void
approve(struct session *s, const char *pass, const char *num, time_t t)
{
	struct cutru_err e;
	int rc;

	rc = dossier_approve(s, num, pass, t, &e);
	ck_assert_msg(rc == CUTRU_OK, "approve %s: [%s] %s", num, e.field,
	    e.msg);
}

static long long
q(const char *sql)
{
	return ws_q_int(session_db(admin), sql);
}

static char *
qs(const char *sql)
{
	return ws_q_text(session_db(admin), sql);
}

static void
state_is(const char *num, const char *state)
{
	struct dossier d;
	struct cutru_err e;

	ck_assert_int_eq(dossier_show(admin, num, T_DECIDE, &d, &e), CUTRU_OK);
	ck_assert_str_eq(d.state, state);
	dossier_free(&d);
}

static void
pk_of(const char *login, unsigned char *pk)
{
	struct officer_info o;
	struct cutru_err e;

	ck_assert_int_eq(officer_get(admin, login, &o, &e), CUTRU_OK);
	ck_assert(o.has_sign_pk);
	memcpy(pk, o.sign_pk, 32);
	officer_info_free(&o);
}

/* The ward's register before the examples: household HN-0000123 at Số 12
 * ngõ 34 phố Hàng Bạc, headed by Nguyễn Văn Bảo, with his father Nguyễn
 * Văn Cường; both registered there permanently since 2010. */
static void
seed(void)
{
	static const char events[] =
	    "[{\"type\":\"person.upserted\",\"data\":{\"id_number\":"
	    "\"001060001234\",\"name\":\"Nguyễn Văn Bảo\",\"dob\":\"1960\","
	    "\"sex\":\"male\"}},"
	    "{\"type\":\"person.upserted\",\"data\":{\"id_number\":"
	    "\"001040001111\",\"name\":\"Nguyễn Văn Cường\",\"dob\":\"1940\","
	    "\"sex\":\"male\"}},"
	    "{\"type\":\"household.created\",\"data\":{\"household\":"
	    "\"HN-0000123\",\"head\":\"001060001234\",\"address\":{\"commune\":"
	    "\"00070\",\"detail\":\"Số 12 ngõ 34 phố Hàng Bạc\"}}},"
	    "{\"type\":\"household.member_added\",\"data\":{\"household\":"
	    "\"HN-0000123\",\"person\":\"001040001111\",\"relationship\":"
	    "\"Cha\"}},"
	    "{\"type\":\"residence.opened\",\"data\":{\"person\":"
	    "\"001060001234\",\"kind\":\"permanent\",\"address\":{\"commune\":"
	    "\"00070\",\"detail\":\"Số 12 ngõ 34 phố Hàng Bạc\"},\"from\":"
	    "\"2010-01-01\"}},"
	    "{\"type\":\"residence.opened\",\"data\":{\"person\":"
	    "\"001040001111\",\"kind\":\"permanent\",\"address\":{\"commune\":"
	    "\"00070\",\"detail\":\"Số 12 ngõ 34 phố Hàng Bạc\"},\"from\":"
	    "\"2010-01-01\"}}]";
	struct apply_ctx ctx;
	struct cutru_err e;
	cJSON *ev = cJSON_Parse(events);
	int rc;

	ck_assert_ptr_nonnull(ev);
	memset(&ctx, 0, sizeof ctx);
	ctx.date = (struct cutru_date){ 2010, 1, 1, CUTRU_DATE_DAY };
	ctx.actor = "admin";
	ctx.at = "2010-01-01T01:00:00Z";
	rc = apply_and_journal(session_db(admin), ev, &ctx, &e);
	ck_assert_msg(rc == CUTRU_OK, "seed: [%s] %s", e.field, e.msg);
	cJSON_Delete(ev);
}

/* ------------------------------------------------------------ receiving */

START_TEST(receiving_stores_number_due_date_and_events_but_not_the_register)
{
	char n1[DOSSIER_NUMBER_MAX], n2[DOSSIER_NUMBER_MAX];
	const cJSON *ev;
	struct dossier d;
	struct cutru_err e;

	receive(lan, "temporary.register", T_RECEIVE, n1);
	ck_assert_str_eq(n1, "1/2026/PTN");
	receive(minh, "temporary.register", T_RECEIVE, n2);
	ck_assert_str_eq(n2, "2/2026/PTN");
	ck_assert_int_eq(dossier_show(lan, n1, T_RECEIVE, &d, &e), CUTRU_OK);
	ck_assert_str_eq(d.number, n1);
	ck_assert_str_eq(d.procedure, "temporary.register");
	ck_assert_str_eq(d.state, "awaiting");
	ck_assert_str_eq(d.received, "2026-11-27");
	/* 3 working days from Friday morning: Wednesday morning. */
	ck_assert_str_eq(d.due, "2026-12-02");
	ck_assert_int_eq(d.due_session, HOLIDAY_MORNING);
	/* 24/11/2026 in the table is unconfirmed. */
	ck_assert_int_eq(d.due_provisional, 1);
	ck_assert_str_eq(d.officer, "lan");
	ck_assert_str_eq(d.supervisor, "");
	ck_assert_str_eq(d.decided, "");
	ck_assert_ptr_null(d.reason);
	ck_assert_str_eq(d.applicant_id, "079195012345");
	ck_assert_str_eq(d.applicant_name, "Lê Thị Hoa");
	ck_assert_int_eq(d.has_signature, 0);
	ck_assert_ptr_nonnull(d.request);
	ck_assert_str_eq(cJSON_GetObjectItem(d.request, "contract_ref")->
	    valuestring, "Hợp đồng thuê nhà số 17/2026/HĐTN");
	ck_assert_int_eq(cJSON_GetArraySize(d.events), 2);
	ev = cJSON_GetArrayItem(d.events, 1);
	ck_assert_str_eq(cJSON_GetObjectItem(ev, "type")->valuestring,
	    "residence.opened");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "data"),
	    "to")->valuestring, "2027-11-30");
	ck_assert_str_eq(d.events_as_of, "2026-11-27");
	ck_assert_int_eq(d.events_problem.code, 0);
	dossier_free(&d);
	/* The request's canonical bytes are kept. */
	ck_assert_int_eq(q("SELECT substr(CAST(request AS TEXT), 1, 14) = "
	    "'{\"address\":{\"c' FROM dossiers WHERE id = 1"), 1);
	/* Nothing reached the register or the journal's events. */
	ck_assert_int_eq(q("SELECT count(*) FROM persons"), 0);
	ck_assert_int_eq(q("SELECT count(*) FROM residences"), 0);
	ck_assert_int_eq(q("SELECT count(*) FROM journal WHERE json_extract("
	    "CAST(payload AS TEXT), '$.kind') = 'events'"), 0);
	/* A dossier received later for another year starts again at 1. */
	{
		char *json, *p, num[DOSSIER_NUMBER_MAX];
		size_t len;

		json = example("temporary.register", &len);
		p = strstr(json, "\"received\": \"2026-11-27\"");
		ck_assert_ptr_nonnull(p);
		memcpy(p + 13, "2027-01-04", 10);
		p = strstr(json, "\"from\": \"2026-12-01\"");
		memcpy(p + 9, "2027-01-05", 10);
		ck_assert_int_eq(dossier_receive(lan, json, len,
		    ws_vn(2027, 1, 4, 14, 0), num, &e), CUTRU_OK);
		ck_assert_str_eq(num, "1/2027/PTN");
		ck_assert_int_eq(dossier_show(lan, num, T_RECEIVE, &d, &e),
		    CUTRU_OK);
		/* Received in the afternoon: Thursday afternoon. */
		ck_assert_str_eq(d.due, "2027-01-07");
		ck_assert_int_eq(d.due_session, HOLIDAY_AFTERNOON);
		dossier_free(&d);
		free(json);
	}
}
END_TEST

START_TEST(an_invalid_request_stores_nothing_and_names_the_field)
{
	static const struct {
		const char *json;
		int rc;
		const char *field;
	} bad[] = {
		{ "{", CUTRU_EINVAL, NULL },
		{ "[]", CUTRU_EINVAL, "" },
		{ "{\"procedure\":\"temporary.register\",\"x\":\"\xc0\xaf\"}",
		    CUTRU_EINVAL, NULL },
		{ "{\"procedure\":\"temporary.fly\",\"received\":"
		    "\"2026-11-27\"}", CUTRU_EINVAL, "procedure" },
		{ "{\"procedure\":\"temporary.register\",\"received\":"
		    "\"2026-11-27\",\"procedure\":\"stay.notify\"}",
		    CUTRU_EINVAL, NULL },
		{ "{\"procedure\":\"temporary.register\",\"received\":1.5}",
		    CUTRU_EINVAL, NULL },
	};
	char num[DOSSIER_NUMBER_MAX], *json, *big, *p;
	struct cutru_err e;
	size_t i, len;
	int rc;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rc = dossier_receive(lan, bad[i].json, strlen(bad[i].json),
		    T_RECEIVE, num, &e);
		ck_assert_msg(rc == bad[i].rc, "case %zu: %d %s", i, rc,
		    e.msg);
		if (bad[i].field != NULL)
			ck_assert_str_eq(e.field, bad[i].field);
		ck_assert_str_eq(num, "");
	}
	json = example("temporary.register", &len);
	/* Without "to". */
	p = strstr(json, "\"to\": \"2027-11-30\",");
	ck_assert_ptr_nonnull(p);
	memcpy(p, "\"tx\"", 4);
	ck_assert_int_eq(dossier_receive(lan, json, len, T_RECEIVE, num, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "tx");
	memcpy(p, "\"to\"", 4);
	/* A term over 2 years. */
	memcpy(p + 7, "2029", 4);
	ck_assert_int_eq(dossier_receive(lan, json, len, T_RECEIVE, num, &e),
	    CUTRU_ERANGE);
	ck_assert_msg(strcmp(e.field, "to") == 0, "%s: %s", e.field, e.msg);
	memcpy(p + 7, "2027", 4);
	/* The ID number's century digit says male. */
	p = strstr(json, "\"sex\": \"female\"");
	ck_assert_ptr_nonnull(p);
	memcpy(p + 8, "male\",  ", 8);
	rc = dossier_receive(lan, json, len, T_RECEIVE, num, &e);
	ck_assert_int_ne(rc, CUTRU_OK);
	ck_assert_msg(strncmp(e.field, "applicant", 9) == 0, "%s", e.field);
	memcpy(p + 8, "female\",", 8);
	/* Received in the future. */
	ck_assert_int_eq(dossier_receive(lan, json, len,
	    ws_vn(2026, 11, 26, 10, 0), num, &e), CUTRU_ERANGE);
	ck_assert_str_eq(e.field, "received");
	/* An embedded NUL. */
	json[len - 2] = '\0';
	ck_assert_int_eq(dossier_receive(lan, json, len, T_RECEIVE, num, &e),
	    CUTRU_EINVAL);
	free(json);
	/* A megabyte, and a 10 KB string. */
	big = malloc(1 << 20);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', 1 << 20);
	ck_assert_int_eq(dossier_receive(lan, big, 1 << 20, T_RECEIVE, num,
	    &e), CUTRU_ERANGE);
	memcpy(big, "{\"procedure\":\"", 14);
	memset(big + 14, 'a', 10000);
	memcpy(big + 10014, "\"}", 2);
	ck_assert_int_eq(dossier_receive(lan, big, 10016, T_RECEIVE, num,
	    &e), CUTRU_ERANGE);
	free(big);
	ck_assert_int_eq(dossier_receive(lan, NULL, 0, T_RECEIVE, num, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(dossier_receive(lan, "{}", 2, T_RECEIVE, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(dossier_receive(NULL, "{}", 2, T_RECEIVE, num, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(dossier_receive_json(lan, NULL, T_RECEIVE, num, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(q("SELECT count(*) FROM dossiers"), 0);
	/* The next valid one is number 1. */
	receive(lan, "temporary.register", T_RECEIVE, num);
	ck_assert_str_eq(num, "1/2026/PTN");
}
END_TEST

START_TEST(administrators_do_not_receive)
{
	char num[DOSSIER_NUMBER_MAX];
	struct cutru_err e;
	size_t len;
	char *json = example("stay.notify", &len);

	ck_assert_int_eq(dossier_receive(admin, json, len, T_RECEIVE, num, &e),
	    CUTRU_EPERM);
	ck_assert_str_eq(e.field, "login");
	free(json);
	ck_assert_int_eq(q("SELECT count(*) FROM dossiers"), 0);
}
END_TEST

/* A console draws its tag at its first receipt, keeps it, and numbers
 * new households with it; a damaged tag refuses to number rather than
 * give a number another console may give, and loses nothing. */
START_TEST(the_console_tag_is_drawn_once_and_a_damaged_one_is_refused)
{
	char num[DOSSIER_NUMBER_MAX], *tag, *again;
	struct dossier d;
	struct cutru_err e;
	size_t len;
	char *json;

	ck_assert_int_eq(q("SELECT count(*) FROM meta WHERE key = 'console'"),
	    0);
	receive(lan, "stay.notify", T_RECEIVE, num);
	tag = qs("SELECT value FROM meta WHERE key = 'console'");
	ck_assert_uint_eq(strlen(tag), 6);
	ck_assert_uint_eq(strspn(tag, "0123456789ABCDEF"), 6);
	receive(lan, "stay.notify", T_RECEIVE, num);
	again = qs("SELECT value FROM meta WHERE key = 'console'");
	ck_assert_str_eq(tag, again);
	free(again);
	/* Damaged: receiving is refused and says what to do; nothing is
	 * stored; showing a dossier still works. */
	ck_assert_int_eq(sqlite3_exec(session_db(admin), "UPDATE meta SET"
	    " value = 'zz<1>' WHERE key = 'console'", NULL, NULL, NULL),
	    SQLITE_OK);
	json = example("permanent.register", &len);
	ck_assert_int_eq(dossier_receive(lan, json, len, T_RECEIVE, num, &e),
	    CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "console tag is damaged"));
	ck_assert_ptr_nonnull(strstr(e.msg, "backup"));
	ck_assert_int_eq(q("SELECT count(*) FROM dossiers"), 2);
	free(json);
	ck_assert_int_eq(dossier_show(admin, "1/2026/PTN", T_DECIDE, &d, &e),
	    CUTRU_OK);
	dossier_free(&d);
	free(tag);
}
END_TEST

/* ------------------------------------------------------------ deciding */

START_TEST(approval_applies_the_events_and_signs_them)
{
	unsigned char pk_minh[32], pk_hung[32], pk_lan[32];
	unsigned char sig[DOSSIER_SIGNATURE_BYTES];
	char num[DOSSIER_NUMBER_MAX], *canon, *s;
	struct cutru_err e;
	struct dossier d;
	int64_t bad;
	size_t len;

	receive(lan, "temporary.register", T_RECEIVE, num);
	approve(minh, ws_pass_minh, num, T_DECIDE);
	/* The register has Lê Thị Hoa's active temporary residence. */
	ck_assert_int_eq(q("SELECT count(*) FROM residences r JOIN persons p "
	    "ON p.id = r.person_id WHERE p.id_number = '079195012345' AND "
	    "r.kind = 'temporary' AND r.state = 'active' AND "
	    "r.from_date = '2026-12-01' AND r.to_date = '2027-11-30' AND "
	    "r.dossier_id = 1"), 1);
	s = qs("SELECT email FROM persons WHERE id_number = '079195012345'");
	ck_assert_str_eq(s, "hoa.le@example.vn");
	free(s);
	ck_assert_int_eq(q("SELECT applicant_id IS NOT NULL FROM dossiers"), 1);
	/* Journalled, with the dossier, by the supervisor. */
	ck_assert_int_eq(q("SELECT count(*) FROM journal WHERE actor = 'minh' "
	    "AND json_extract(CAST(payload AS TEXT), '$.dossier') = 1"), 1);
	ck_assert_int_eq(journal_verify(session_db(admin), &bad, &e),
	    CUTRU_OK);
	ck_assert_int_eq(bad, 0);

	ck_assert_int_eq(dossier_show(lan, num, T_DECIDE, &d, &e), CUTRU_OK);
	ck_assert_str_eq(d.state, "approved");
	ck_assert_str_eq(d.supervisor, "minh");
	ck_assert_str_eq(d.decided, "2026-11-30");
	ck_assert_str_eq(d.events_as_of, "2026-11-30");
	ck_assert_int_eq(d.has_signature, 1);
	dossier_free(&d);

	/* The signature verifies with minh's key and no other. */
	pk_of("minh", pk_minh);
	pk_of("hung", pk_hung);
	pk_of("lan", pk_lan);
	ck_assert_int_eq(dossier_verify(lan, num, pk_minh, &e), CUTRU_OK);
	ck_assert_int_eq(dossier_verify(lan, num, pk_hung, &e), CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "signature");
	ck_assert_int_eq(dossier_verify(lan, num, pk_lan, &e), CUTRU_ECRYPTO);

	/* The signed object is the one dossier.h documents. */
	ck_assert_int_eq(dossier_approval(hung, num, &canon, &len, sig, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(strlen(canon), len);
	ck_assert_ptr_nonnull(strstr(canon, "{\"decided\":\"2026-11-30\","
	    "\"dossier\":\"1/2026/PTN\",\"events\":[{\"data\":"));
	ck_assert_ptr_nonnull(strstr(canon, "],\"kind\":\"cutru-approval-v1\","
	    "\"procedure\":\"temporary.register\",\"supervisor\":\"minh\","
	    "\"ward\":\"00070\"}"));
	ck_assert_int_eq(dossier_approval_verify(canon, len, sig, pk_minh, &e),
	    CUTRU_OK);
	/* Any change to the bytes is caught. */
	canon[12] = '9';
	ck_assert_int_eq(dossier_approval_verify(canon, len, sig, pk_minh, &e),
	    CUTRU_ECRYPTO);
	canon[12] = '2';
	sig[0] ^= 1;
	ck_assert_int_eq(dossier_approval_verify(canon, len, sig, pk_minh, &e),
	    CUTRU_ECRYPTO);
	sig[0] ^= 1;
	free(canon);
}
END_TEST

START_TEST(approval_verify_refuses_what_is_not_an_approval)
{
	static const char *const bad[] = {
		"{\"decided\":\"2026-11-30\"}",
		/* Not canonical: a space. */
		"{\"decided\": \"2026-11-30\",\"dossier\":\"1/2026/PTN\","
		"\"events\":[],\"kind\":\"cutru-approval-v1\",\"procedure\":"
		"\"stay.notify\",\"supervisor\":\"minh\",\"ward\":\"00070\"}",
		/* Another kind. */
		"{\"decided\":\"2026-11-30\",\"dossier\":\"1/2026/PTN\","
		"\"events\":[],\"kind\":\"cutru-receipt-v1\",\"procedure\":"
		"\"stay.notify\",\"supervisor\":\"minh\",\"ward\":\"00070\"}",
		/* A key more. */
		"{\"decided\":\"2026-11-30\",\"dossier\":\"1/2026/PTN\","
		"\"events\":[],\"extra\":1,\"kind\":\"cutru-approval-v1\","
		"\"procedure\":\"stay.notify\",\"supervisor\":\"minh\","
		"\"ward\":\"00070\"}",
		/* Events not a list. */
		"{\"decided\":\"2026-11-30\",\"dossier\":\"1/2026/PTN\","
		"\"events\":{},\"kind\":\"cutru-approval-v1\",\"procedure\":"
		"\"stay.notify\",\"supervisor\":\"minh\",\"ward\":\"00070\"}",
		/* A number where a string belongs. */
		"{\"decided\":20261130,\"dossier\":\"1/2026/PTN\","
		"\"events\":[],\"kind\":\"cutru-approval-v1\",\"procedure\":"
		"\"stay.notify\",\"supervisor\":\"minh\",\"ward\":\"00070\"}",
		"[]",
		"",
	};
	static const char good[] =
	    "{\"decided\":\"2026-11-30\",\"dossier\":\"1/2026/PTN\","
	    "\"events\":[],\"kind\":\"cutru-approval-v1\",\"procedure\":"
	    "\"stay.notify\",\"supervisor\":\"minh\",\"ward\":\"00070\"}";
	unsigned char pk[32], sk[64], sig[64];
	struct cutru_err e;
	size_t i;

	crypto_sign_keypair(pk, sk);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		crypto_sign_detached(sig, NULL, (const unsigned char *)bad[i],
		    strlen(bad[i]), sk);
		ck_assert_msg(dossier_approval_verify(bad[i], strlen(bad[i]),
		    sig, pk, &e) == CUTRU_EINVAL, "case %zu", i);
	}
	crypto_sign_detached(sig, NULL, (const unsigned char *)good,
	    strlen(good), sk);
	ck_assert_int_eq(dossier_approval_verify(good, strlen(good), sig, pk,
	    &e), CUTRU_OK);
	ck_assert_int_eq(dossier_approval_verify(NULL, 0, sig, pk, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(dossier_approval_verify(good, strlen(good), NULL, pk,
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(dossier_approval_verify(good, strlen(good), sig, NULL,
	    &e), CUTRU_EINVAL);
}
END_TEST

START_TEST(an_officer_cannot_decide)
{
	char num[DOSSIER_NUMBER_MAX];
	struct cutru_err e;

	receive(minh, "temporary.register", T_RECEIVE, num);
	ck_assert_int_eq(dossier_approve(lan, num, ws_pass_lan, T_DECIDE, &e),
	    CUTRU_EPERM);
	ck_assert_str_eq(e.field, "login");
	ck_assert_ptr_nonnull(strstr(e.msg, "supervisor"));
	ck_assert_int_eq(dossier_return(lan, num, "Thiếu giấy tờ", T_DECIDE,
	    &e), CUTRU_EPERM);
	ck_assert_int_eq(dossier_refuse(lan, num, "Không đủ điều kiện",
	    T_DECIDE, &e), CUTRU_EPERM);
	/* An administrator is not a supervisor either. */
	ck_assert_int_eq(dossier_approve(admin, num, ws_pass_admin, T_DECIDE,
	    &e), CUTRU_EPERM);
	state_is(num, "awaiting");
	ck_assert_int_eq(q("SELECT count(*) FROM persons"), 0);
}
END_TEST

START_TEST(nobody_decides_their_own_dossier)
{
	char num[DOSSIER_NUMBER_MAX];
	struct cutru_err e;

	receive(minh, "temporary.register", T_RECEIVE, num);
	ck_assert_int_eq(dossier_approve(minh, num, ws_pass_minh, T_DECIDE,
	    &e), CUTRU_EPERM);
	ck_assert_str_eq(e.field, "number");
	ck_assert_ptr_nonnull(strstr(e.msg, "yourself"));
	ck_assert_int_eq(dossier_return(minh, num, "Thiếu giấy tờ", T_DECIDE,
	    &e), CUTRU_EPERM);
	ck_assert_int_eq(dossier_refuse(minh, num, "Không đủ điều kiện",
	    T_DECIDE, &e), CUTRU_EPERM);
	state_is(num, "awaiting");
	/* The database refuses it too, whatever the code path. */
	ck_assert_int_ne(sqlite3_exec(session_db(admin), "UPDATE dossiers SET "
	    "state = 'refused', supervisor = 'minh', reason = 'x'", NULL, NULL,
	    NULL), SQLITE_OK);
	approve(hung, ws_pass_hung, num, T_DECIDE);
	state_is(num, "approved");
}
END_TEST

START_TEST(a_wrong_passphrase_at_approval_changes_nothing)
{
	char num[DOSSIER_NUMBER_MAX];
	struct dossier d;
	struct cutru_err e;
	long long journal;

	receive(lan, "temporary.register", T_RECEIVE, num);
	journal = q("SELECT count(*) FROM journal");
	ck_assert_int_eq(dossier_approve(minh, num, NULL, T_DECIDE, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(dossier_approve(minh, num, "not minh's passphrase",
	    T_DECIDE, &e), CUTRU_ECRYPTO);
	ck_assert_str_eq(e.field, "passphrase");
	ck_assert_ptr_null(strstr(e.msg, "not minh's passphrase"));
	/* Not even another supervisor's (or the session's own login) works. */
	ck_assert_int_eq(dossier_approve(minh, num, ws_pass_hung, T_DECIDE,
	    &e), CUTRU_ECRYPTO);
	ck_assert_int_eq(dossier_show(admin, num, T_DECIDE, &d, &e), CUTRU_OK);
	ck_assert_str_eq(d.state, "awaiting");
	ck_assert_str_eq(d.supervisor, "");
	ck_assert_int_eq(d.has_signature, 0);
	dossier_free(&d);
	ck_assert_int_eq(q("SELECT count(*) FROM persons"), 0);
	ck_assert_int_eq(q("SELECT count(*) FROM journal"), journal);
	/* Two wrong passphrases: the third try must wait a second. */
	ck_assert_int_eq(dossier_approve(minh, num, ws_pass_minh, T_DECIDE,
	    &e), CUTRU_EPERM);
	approve(minh, ws_pass_minh, num, T_DECIDE + 2);
}
END_TEST

START_TEST(return_and_refuse_need_a_reason_and_leave_the_register_alone)
{
	char n1[DOSSIER_NUMBER_MAX], n2[DOSSIER_NUMBER_MAX], *big;
	static const char *const empty[] = { "", "   ", " \t\n ", "\xc2\xa0" };
	struct dossier d;
	struct cutru_err e;
	size_t i;

	receive(lan, "temporary.register", T_RECEIVE, n1);
	receive(lan, "stay.notify", T_RECEIVE, n2);
	ck_assert_int_eq(dossier_return(minh, n1, NULL, T_DECIDE, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "reason");
	ck_assert_ptr_nonnull(strstr(e.msg, "CT05"));
	for (i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		ck_assert_int_eq(dossier_return(minh, n1, empty[i], T_DECIDE,
		    &e), CUTRU_EINVAL);
		ck_assert_int_eq(dossier_refuse(minh, n2, empty[i], T_DECIDE,
		    &e), CUTRU_EINVAL);
		ck_assert_ptr_nonnull(strstr(e.msg, "CT06"));
	}
	ck_assert_int_eq(dossier_refuse(minh, n2, "Lý do \xc0\xaf", T_DECIDE,
	    &e), CUTRU_EINVAL);
	big = malloc(1 << 20);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	ck_assert_int_eq(dossier_refuse(minh, n2, big, T_DECIDE, &e),
	    CUTRU_ERANGE);
	big[DOSSIER_REASON_MAX + 1] = '\0';
	ck_assert_int_eq(dossier_refuse(minh, n2, big, T_DECIDE, &e),
	    CUTRU_ERANGE);
	big[DOSSIER_REASON_MAX] = '\0';
	ck_assert_int_eq(dossier_refuse(minh, n2, big, T_DECIDE, &e),
	    CUTRU_OK);
	free(big);
	state_is(n1, "awaiting");
	ck_assert_int_eq(dossier_return(minh, n1,
	    "  Thiếu hợp đồng thuê nhà\n có công chứng ", T_DECIDE, &e),
	    CUTRU_OK);
	ck_assert_int_eq(dossier_show(lan, n1, T_DECIDE, &d, &e), CUTRU_OK);
	ck_assert_str_eq(d.state, "returned");
	ck_assert_str_eq(d.reason, "Thiếu hợp đồng thuê nhà có công chứng");
	ck_assert_str_eq(d.supervisor, "minh");
	ck_assert_str_eq(d.decided, "2026-11-30");
	ck_assert_int_eq(d.has_signature, 0);
	/* What it would have changed is still shown, never applied. */
	ck_assert_int_eq(cJSON_GetArraySize(d.events), 2);
	ck_assert_str_eq(d.events_as_of, "");
	dossier_free(&d);
	state_is(n2, "refused");
	ck_assert_int_eq(q("SELECT count(*) FROM persons"), 0);
	ck_assert_int_eq(q("SELECT count(*) FROM stays"), 0);
	ck_assert_int_eq(q("SELECT count(*) FROM journal WHERE json_extract("
	    "CAST(payload AS TEXT), '$.kind') = 'events'"), 0);
}
END_TEST

START_TEST(a_decided_dossier_is_not_decided_again)
{
	char n1[DOSSIER_NUMBER_MAX], n2[DOSSIER_NUMBER_MAX];
	struct cutru_err e;

	receive(lan, "temporary.register", T_RECEIVE, n1);
	receive(lan, "stay.notify", T_RECEIVE, n2);
	approve(minh, ws_pass_minh, n1, T_DECIDE);
	ck_assert_int_eq(dossier_approve(hung, n1, ws_pass_hung, T_DECIDE, &e),
	    CUTRU_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "already decided"));
	ck_assert_int_eq(dossier_approve(minh, n1, ws_pass_minh, T_DECIDE, &e),
	    CUTRU_ECONFLICT);
	ck_assert_int_eq(dossier_return(hung, n1, "Thiếu giấy tờ", T_DECIDE,
	    &e), CUTRU_ECONFLICT);
	ck_assert_int_eq(dossier_return(minh, n2, "Thiếu danh sách khách",
	    T_DECIDE, &e), CUTRU_OK);
	ck_assert_int_eq(dossier_refuse(hung, n2, "Không đủ điều kiện",
	    T_DECIDE, &e), CUTRU_ECONFLICT);
	ck_assert_int_eq(dossier_approve(hung, n2, ws_pass_hung, T_DECIDE, &e),
	    CUTRU_ECONFLICT);
	state_is(n1, "approved");
	state_is(n2, "returned");
	/* Applied once. */
	ck_assert_int_eq(q("SELECT count(*) FROM residences"), 1);
	ck_assert_int_eq(q("SELECT count(*) FROM stays"), 0);
	/* Unknown and malformed numbers. */
	ck_assert_int_eq(dossier_approve(hung, "99/2026/PTN", ws_pass_hung,
	    T_DECIDE, &e), CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "number");
	ck_assert_int_eq(dossier_approve(hung, "1/2026/PTN'; --", ws_pass_hung,
	    T_DECIDE, &e), CUTRU_EINVAL);
	ck_assert_int_eq(dossier_return(hung, NULL, "x", T_DECIDE, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(dossier_return(hung, "01/2026/PTN", "x", T_DECIDE,
	    &e), CUTRU_EINVAL);
}
END_TEST

START_TEST(a_disabled_supervisor_can_decide_nothing_more)
{
	char num[DOSSIER_NUMBER_MAX];
	struct session *s = NULL;
	struct cutru_err e;

	receive(lan, "temporary.register", T_RECEIVE, num);
	ck_assert_int_eq(officer_disable(admin, "minh", T_DECIDE, &e),
	    CUTRU_OK);
	ck_assert_int_eq(dossier_approve(minh, num, ws_pass_minh, T_DECIDE,
	    &e), CUTRU_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "disabled"));
	ck_assert_int_eq(session_open(store, "minh", ws_pass_minh, T_DECIDE,
	    &s, &e), CUTRU_EPERM);
	ck_assert_ptr_null(s);
	state_is(num, "awaiting");
	ck_assert_int_eq(officer_enable(admin, "minh", T_DECIDE, &e),
	    CUTRU_OK);
	approve(minh, ws_pass_minh, num, T_DECIDE);
}
END_TEST

START_TEST(the_register_refusing_an_event_rolls_the_approval_back)
{
	char num[DOSSIER_NUMBER_MAX];
	struct cutru_err e;
	struct dossier d;
	long long journal;

	/* Nguyễn Văn Cường is not (yet) in the register. */
	receive(lan, "permanent.delete", T_RECEIVE, num);
	journal = q("SELECT count(*) FROM journal");
	ck_assert_int_eq(dossier_approve(minh, num, ws_pass_minh, T_DECIDE,
	    &e), CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, num));
	ck_assert_ptr_nonnull(strstr(e.msg, "001040001111"));
	ck_assert_int_eq(dossier_show(admin, num, T_DECIDE, &d, &e), CUTRU_OK);
	ck_assert_str_eq(d.state, "awaiting");
	ck_assert_int_eq(d.has_signature, 0);
	dossier_free(&d);
	ck_assert_int_eq(q("SELECT count(*) FROM journal"), journal);
	ck_assert_int_eq(q("SELECT count(*) FROM dossiers WHERE signature IS "
	    "NOT NULL OR supervisor IS NOT NULL"), 0);
	seed();
	approve(minh, ws_pass_minh, num, T_DECIDE);
	ck_assert_int_eq(q("SELECT count(*) FROM residences r JOIN persons p "
	    "ON p.id = r.person_id WHERE p.id_number = '001040001111' AND "
	    "r.state = 'closed' AND r.ground = 'death' AND "
	    "r.closed_date = '2026-11-30' AND r.event_date = '2026-11-20'"), 1);
}
END_TEST

START_TEST(the_events_shown_are_those_of_the_day_of_approval)
{
	char num[DOSSIER_NUMBER_MAX];
	const cJSON *ev, *data;
	struct cutru_err e;
	struct dossier d;

	seed();
	receive(lan, "permanent.register", T_RECEIVE, num);
	/* Computed at receipt for the 27th; shown on the 30th for the 30th. */
	ck_assert_int_eq(q("SELECT instr(CAST(events AS TEXT), "
	    "'\"from\":\"2026-11-27\"') > 0 FROM dossiers"), 1);
	ck_assert_int_eq(dossier_show(minh, num, T_DECIDE, &d, &e), CUTRU_OK);
	ck_assert_str_eq(d.events_as_of, "2026-11-30");
	ck_assert_int_eq(cJSON_GetArraySize(d.events), 9);
	ev = cJSON_GetArrayItem(d.events, 8);
	ck_assert_str_eq(cJSON_GetObjectItem(ev, "type")->valuestring,
	    "residence.opened");
	data = cJSON_GetObjectItem(ev, "data");
	ck_assert_str_eq(cJSON_GetObjectItem(data, "from")->valuestring,
	    "2026-11-30");
	/* 7 working days from Friday morning: Tuesday 8/12 morning. */
	ck_assert_str_eq(d.due, "2026-12-08");
	dossier_free(&d);
	approve(minh, ws_pass_minh, num, T_DECIDE);
	ck_assert_int_eq(q("SELECT count(*) FROM residences WHERE "
	    "kind = 'permanent' AND from_date = '2026-11-30' AND "
	    "state = 'active'"), 3);
	ck_assert_int_eq(q("SELECT instr(CAST(events AS TEXT), "
	    "'\"from\":\"2026-11-30\"') > 0 FROM dossiers"), 1);
}
END_TEST

START_TEST(the_queue_lists_by_state_soonest_due_first)
{
	char n[4][DOSSIER_NUMBER_MAX];
	struct dossier *list;
	struct cutru_err e;
	size_t count;

	receive(lan, "permanent.register", T_RECEIVE, n[0]);
	receive(lan, "temporary.register", T_RECEIVE, n[1]);
	receive(lan, "residence.confirm", T_RECEIVE, n[2]);
	receive(lan, "stay.notify", T_RECEIVE, n[3]);
	ck_assert_int_eq(dossier_return(minh, n[1], "Thiếu hợp đồng",
	    T_DECIDE, &e), CUTRU_OK);
	ck_assert_int_eq(dossier_list(admin, "awaiting", &list, &count, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(count, 3);
	/* The stay notice is due at once, the confirmation that afternoon,
	 * the permanent registration in 7 days. */
	ck_assert_str_eq(list[0].number, n[3]);
	ck_assert_str_eq(list[0].due, "2026-11-27");
	ck_assert_int_eq(list[0].due_session, HOLIDAY_MORNING);
	ck_assert_str_eq(list[1].number, n[2]);
	ck_assert_str_eq(list[1].due, "2026-11-27");
	ck_assert_int_eq(list[1].due_session, HOLIDAY_AFTERNOON);
	ck_assert_str_eq(list[2].number, n[0]);
	ck_assert_str_eq(list[2].applicant_name, "Nguyễn Văn An");
	ck_assert_ptr_null(list[2].request);
	ck_assert_ptr_null(list[2].events);
	dossier_list_free(list, count);
	ck_assert_int_eq(dossier_list(lan, "returned", &list, &count, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(count, 1);
	ck_assert_str_eq(list[0].reason, "Thiếu hợp đồng");
	dossier_list_free(list, count);
	ck_assert_int_eq(dossier_list(lan, NULL, &list, &count, &e), CUTRU_OK);
	ck_assert_uint_eq(count, 4);
	dossier_list_free(list, count);
	ck_assert_int_eq(dossier_list(lan, "approved", &list, &count, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(count, 0);
	ck_assert_ptr_null(list);
	ck_assert_int_eq(dossier_list(lan, "lost", &list, &count, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(dossier_list(lan, NULL, NULL, &count, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(dossier_show(lan, "7/2026/PTN", T_DECIDE,
	    (struct dossier[1]){ { 0 } }, &e), CUTRU_ENOTFOUND);
}
END_TEST

/* ------------------------------------------------------------ end to end */

START_TEST(every_example_request_is_received_and_approved)
{
	static const char *const order[] = {
		"permanent.register", "permanent.delete", "household.split",
		"residence.adjust", "temporary.register", "temporary.extend",
		"residence.declare", "stay.notify", "absence.declare",
		"residence.confirm", "temporary.delete",
	};
	char num[DOSSIER_NUMBER_MAX];
	unsigned char pk[32];
	struct cutru_err e;
	struct dossier d;
	int64_t bad;
	size_t i;
	char *s;

	seed();
	pk_of("minh", pk);
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		/* The temporary residence begins on 1/12: it can only be
		 * deleted from then on. */
		time_t t = strcmp(order[i], "temporary.delete") == 0 ?
		    ws_vn(2026, 12, 2, 9, 0) : T_DECIDE;

		receive(lan, order[i], T_RECEIVE, num);
		ck_assert_int_eq(dossier_show(minh, num, t, &d, &e), CUTRU_OK);
		ck_assert_str_eq(d.procedure, order[i]);
		ck_assert(d.due[0] != '\0');
		ck_assert_int_eq(d.events_problem.code, 0);
		dossier_free(&d);
		approve(minh, ws_pass_minh, num, t);
		ck_assert_int_eq(dossier_verify(lan, num, pk, &e), CUTRU_OK);
	}
	ck_assert_int_eq(q("SELECT count(*) FROM dossiers WHERE "
	    "state = 'approved'"), 11);
	ck_assert_int_eq(journal_verify(session_db(admin), &bad, &e),
	    CUTRU_OK);

	/* permanent.register: Khang joined HN-0000123 and lives there. */
	ck_assert_int_eq(q("SELECT count(*) FROM household_members m "
	    "JOIN persons p ON p.id = m.person_id JOIN households h "
	    "ON h.id = m.household_id WHERE p.id_number = '001218003456' AND "
	    "h.number = 'HN-0000123' AND m.until IS NULL AND "
	    "m.relationship = 'Cháu nội'"), 1);
	ck_assert_int_eq(q("SELECT count(*) FROM residences r JOIN persons p "
	    "ON p.id = r.person_id WHERE p.id_number = '001218003456' AND "
	    "r.kind = 'permanent' AND r.state = 'active'"), 1);
	/* permanent.delete: Cường's residence closed, membership ended. */
	ck_assert_int_eq(q("SELECT count(*) FROM residences r JOIN persons p "
	    "ON p.id = r.person_id WHERE p.id_number = '001040001111' AND "
	    "r.state = 'closed' AND r.ground = 'death'"), 1);
	ck_assert_int_eq(q("SELECT count(*) FROM household_members m "
	    "JOIN persons p ON p.id = m.person_id WHERE "
	    "p.id_number = '001040001111' AND m.until IS NULL"), 0);
	/* household.split: An heads the new household 00070-2026-TAG-3
	 * (the third dossier of this console, whose tag is six hexadecimal
	 * digits of its own), with Bình. */
	s = qs("SELECT value FROM meta WHERE key = 'console'");
	ck_assert_uint_eq(strlen(s), 6);
	ck_assert_uint_eq(strspn(s, "0123456789ABCDEF"), 6);
	free(s);
	ck_assert_int_eq(q("SELECT count(*) FROM households h JOIN persons p "
	    "ON p.id = h.head_id WHERE h.number = '00070-2026-' ||"
	    " (SELECT value FROM meta WHERE key = 'console') || '-3' AND "
	    "p.id_number = '001090012345' AND h.dissolved IS NULL"), 1);
	ck_assert_int_eq(q("SELECT count(*) FROM household_members m "
	    "JOIN persons p ON p.id = m.person_id JOIN households h "
	    "ON h.id = m.household_id WHERE p.id_number = '001192004567' AND "
	    "h.number = '00070-2026-' ||"
	    " (SELECT value FROM meta WHERE key = 'console') || '-3' AND"
	    " m.until IS NULL"), 1);
	/* residence.adjust: An's name corrected. */
	s = qs("SELECT name FROM persons WHERE id_number = '001090012345'");
	ck_assert_str_eq(s, "Nguyễn Văn Ân");
	free(s);
	ck_assert_int_eq(q("SELECT count(*) FROM person_corrections WHERE "
	    "old_name = 'Nguyễn Văn An'"), 1);
	/* temporary.register, .extend, .delete: Hoa's residence. */
	ck_assert_int_eq(q("SELECT count(*) FROM residences r JOIN persons p "
	    "ON p.id = r.person_id WHERE p.id_number = '079195012345' AND "
	    "r.kind = 'temporary' AND r.to_date = '2028-12-05' AND "
	    "r.state = 'closed' AND r.ground = 'rental_ended' AND "
	    "r.closed_date = '2026-12-02'"), 1);
	/* residence.declare: Hùng's current residence. */
	ck_assert_int_eq(q("SELECT count(*) FROM residences r JOIN persons p "
	    "ON p.id = r.person_id WHERE p.id_number = '001085007777' AND "
	    "r.kind = 'current' AND r.state = 'active'"), 1);
	/* stay.notify: two guests, one a foreigner. */
	ck_assert_int_eq(q("SELECT count(*) FROM stays WHERE "
	    "host_id_number = '001075009876' AND to_date = '2026-12-03'"), 1);
	ck_assert_int_eq(q("SELECT count(*) FROM stay_guests"), 2);
	ck_assert_int_eq(q("SELECT count(*) FROM stay_guests WHERE "
	    "passport = 'M12345678' AND nationality = 'KR'"), 1);
	/* absence.declare */
	ck_assert_int_eq(q("SELECT count(*) FROM absences a JOIN persons p "
	    "ON p.id = a.person_id WHERE p.id_number = '001090012345' AND "
	    "a.case_id = 'long_absence' AND a.to_date = '2027-12-31'"), 1);
	/* residence.confirm: CT07 number 1 of 2026, valid 30 days. */
	ck_assert_int_eq(q("SELECT count(*) FROM confirmations c JOIN persons p "
	    "ON p.id = c.person_id WHERE p.id_number = '001090012345' AND "
	    "c.year = 2026 AND c.number = 1 AND c.issued = '2026-11-30' AND "
	    "c.valid_until = '2026-12-30'"), 1);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("dossier");
	TCase *tc = tcase_create("dossier");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    receiving_stores_number_due_date_and_events_but_not_the_register);
	tcase_add_test(tc, an_invalid_request_stores_nothing_and_names_the_field);
	tcase_add_test(tc, administrators_do_not_receive);
	tcase_add_test(tc, approval_applies_the_events_and_signs_them);
	tcase_add_test(tc, approval_verify_refuses_what_is_not_an_approval);
	tcase_add_test(tc, an_officer_cannot_decide);
	tcase_add_test(tc, nobody_decides_their_own_dossier);
	tcase_add_test(tc, a_wrong_passphrase_at_approval_changes_nothing);
	tcase_add_test(tc,
	    return_and_refuse_need_a_reason_and_leave_the_register_alone);
	tcase_add_test(tc, a_decided_dossier_is_not_decided_again);
	tcase_add_test(tc, a_disabled_supervisor_can_decide_nothing_more);
	tcase_add_test(tc,
	    the_register_refusing_an_event_rolls_the_approval_back);
	tcase_add_test(tc, the_events_shown_are_those_of_the_day_of_approval);
	tcase_add_test(tc, the_queue_lists_by_state_soonest_due_first);
	tcase_add_test(tc, every_example_request_is_received_and_approved);
	tcase_add_test(tc,
	    the_console_tag_is_drawn_once_and_a_damaged_one_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
