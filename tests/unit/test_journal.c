/* localdb/journal.c: the hash chain as documented, tamper detection, and
 * apply_and_journal() as the one atomic way the register changes. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "core/canon.h"
#include "core/date.h"
#include "core/hash.h"
#include "core/procedure.h"
#include "localdb/journal.h"
#include "localdb/schema.h"
#include "tests/unit/tap_main.h"

#define AN "001090012345"
#define BINH "001192000001"
#define CUONG "001215000002"
#define AT "2026-03-02T03:00:00Z"

static sqlite3 *
fresh(void)
{
	sqlite3 *db = NULL;
	struct cutru_err e;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(schema_migrate(db, &e), CUTRU_OK);
	return db;
}

static struct apply_ctx
ctx_on(int y, int m, int d)
{
	struct apply_ctx c;

	memset(&c, 0, sizeof c);
	c.date.year = y;
	c.date.month = m;
	c.date.day = d;
	c.date.prec = CUTRU_DATE_DAY;
	c.actor = "lan";
	c.at = AT;
	return c;
}

/* JSON with ' for ", parsed. */
static cJSON *json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static cJSON *
json(const char *fmt, ...)
{
	static char buf[8192];
	va_list va;
	cJSON *j;
	char *p;

	va_start(va, fmt);
	vsnprintf(buf, sizeof buf, fmt, va);
	va_end(va);
	for (p = buf; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	j = cJSON_Parse(buf);
	ck_assert_msg(j != NULL, "bad test JSON: %.200s", buf);
	return j;
}

static int exec(sqlite3 *db, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
exec(sqlite3 *db, const char *fmt, ...)
{
	char q[2048];
	va_list va;

	va_start(va, fmt);
	vsnprintf(q, sizeof q, fmt, va);
	va_end(va);
	return sqlite3_exec(db, q, NULL, NULL, NULL);
}

static long long
count(sqlite3 *db, const char *table)
{
	char q[128];
	sqlite3_stmt *st;
	long long n = -1;

	snprintf(q, sizeof q, "SELECT count(*) FROM %s", table);
	ck_assert_int_eq(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* n note entries. */
static void
append_notes(sqlite3 *db, int n)
{
	struct cutru_err e;
	int64_t seq;
	cJSON *p;
	int i;

	for (i = 1; i <= n; i++) {
		p = json("{'kind':'note','n':%d,'text':'ghi chú số %d'}", i, i);
		ck_assert_int_eq(journal_append(db, AT, i % 2 ? "lan" : "minh",
		    p, &seq, &e), CUTRU_OK);
		cJSON_Delete(p);
	}
	ck_assert_int_eq(seq, n);
}

/* Let the test play an attacker who edits the file under SQLite. */
static void
drop_triggers(sqlite3 *db)
{
	ck_assert_int_eq(exec(db, "DROP TRIGGER journal_no_update;"
	    "DROP TRIGGER journal_no_delete;"), SQLITE_OK);
}

static int64_t
verify(sqlite3 *db, int expect_rc)
{
	struct cutru_err e;
	int64_t bad = -1;

	ck_assert_int_eq(journal_verify(db, &bad, &e), expect_rc);
	if (expect_rc == CUTRU_ECRYPTO) {
		char num[24];

		snprintf(num, sizeof num, "%lld", (long long)bad);
		ck_assert_msg(strstr(e.msg, num) != NULL,
		    "message does not name entry %s: %s", num, e.msg);
	}
	return bad;
}

START_TEST(entries_chain_as_documented)
{
	sqlite3 *db = fresh();
	unsigned char h[HASH_LEN], prev[HASH_LEN], head[HASH_LEN];
	char hex[HASH_HEX_LEN + 1], want[256];
	struct cutru_err e;
	sqlite3_stmt *st;
	int64_t seq;
	cJSON *entry, *payload;
	int n = 0;

	append_notes(db, 3);
	ck_assert_int_eq(verify(db, CUTRU_OK), 0);
	/* Recompute each link from the documented formula. */
	memcpy(prev, hash_genesis, HASH_LEN);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT seq, at, actor,"
	    " payload, hash FROM journal ORDER BY seq", -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		n++;
		ck_assert_int_eq(canon_parse(sqlite3_column_blob(st, 3),
		    (size_t)sqlite3_column_bytes(st, 3), NULL,
		    CANON_REQUIRE_CANONICAL, &payload, &e), CUTRU_OK);
		ck_assert_str_eq(cJSON_GetObjectItem(payload, "kind")->valuestring,
		    "note");
		entry = cJSON_CreateObject();
		cJSON_AddNumberToObject(entry, "seq",
		    (double)sqlite3_column_int64(st, 0));
		cJSON_AddStringToObject(entry, "at",
		    (const char *)sqlite3_column_text(st, 1));
		cJSON_AddStringToObject(entry, "actor",
		    (const char *)sqlite3_column_text(st, 2));
		cJSON_AddItemToObject(entry, "payload", payload);
		ck_assert_int_eq(hash_chain(HASH_TAG_JOURNAL, prev, entry, h,
		    &e), CUTRU_OK);
		ck_assert_int_eq(sqlite3_column_bytes(st, 4), HASH_LEN);
		ck_assert(memcmp(h, sqlite3_column_blob(st, 4), HASH_LEN) == 0);
		memcpy(prev, h, HASH_LEN);
		cJSON_Delete(entry);
	}
	sqlite3_finalize(st);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(journal_head(db, &seq, head, &e), CUTRU_OK);
	ck_assert_int_eq(seq, 3);
	ck_assert(memcmp(head, prev, HASH_LEN) == 0);
	hash_to_hex(head, hex);
	snprintf(want, sizeof want, "SELECT count(*) FROM meta WHERE"
	    " key = 'journal_head' AND value = '3 %s'", hex);
	ck_assert_int_eq(sqlite3_prepare_v2(db, want, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

/* journal_list(): newest first, at most max, large payloads as their size
 * only, the walk stops when asked; an unreadable journal is an error. */
struct listed {
	int64_t seq[8];
	int n, stop_after;
	int big_null;               /* the big entry came without its payload */
	size_t big_len;
	char actor[8][8];
};

static int
listed_add(const struct journal_entry *en, void *arg)
{
	struct listed *l = arg;

	ck_assert_int_lt(l->n, 8);
	l->seq[l->n] = en->seq;
	snprintf(l->actor[l->n], sizeof l->actor[0], "%s", en->actor);
	ck_assert_str_eq(en->at, AT);
	if (en->seq == 4) {
		l->big_null = en->payload == NULL;
		l->big_len = en->len;
	} else {
		ck_assert_ptr_nonnull(en->payload);
		ck_assert_uint_eq(strlen(en->payload), en->len);
		ck_assert_ptr_nonnull(strstr(en->payload, "\"kind\":\"note\""));
	}
	l->n++;
	return l->stop_after != 0 && l->n >= l->stop_after;
}

START_TEST(entries_are_listed_newest_first)
{
	sqlite3 *db = fresh();
	struct cutru_err e;
	struct listed l;
	char *big;
	int64_t seq;
	cJSON *p;

	memset(&l, 0, sizeof l);
	ck_assert_int_eq(journal_list(db, 10, 4096, listed_add, &l, &e),
	    CUTRU_OK);
	ck_assert_int_eq(l.n, 0);
	append_notes(db, 3);
	big = malloc(10001);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 10000);
	big[10000] = '\0';
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "kind", "note");
	cJSON_AddStringToObject(p, "text", big);
	ck_assert_int_eq(journal_append(db, AT, "minh", p, &seq, &e), CUTRU_OK);
	cJSON_Delete(p);
	free(big);
	p = json("{'kind':'note','n':5}");
	ck_assert_int_eq(journal_append(db, AT, "lan", p, &seq, &e), CUTRU_OK);
	ck_assert_int_eq(seq, 5);
	cJSON_Delete(p);
	ck_assert_int_eq(journal_list(db, 3, 4096, listed_add, &l, &e),
	    CUTRU_OK);
	ck_assert_int_eq(l.n, 3);
	ck_assert_int_eq(l.seq[0], 5);
	ck_assert_int_eq(l.seq[1], 4);
	ck_assert_int_eq(l.seq[2], 3);
	ck_assert_str_eq(l.actor[1], "minh");
	ck_assert(l.big_null);
	ck_assert_uint_gt(l.big_len, 10000);
	memset(&l, 0, sizeof l);
	l.stop_after = 2;
	ck_assert_int_eq(journal_list(db, 100, 1 << 20, listed_add, &l, &e),
	    CUTRU_OK);
	ck_assert_int_eq(l.n, 2);
	ck_assert(!l.big_null);
	/* No journal table: an error that says so. */
	ck_assert_int_eq(exec(db, "ALTER TABLE journal RENAME TO gone"),
	    SQLITE_OK);
	memset(&l, 0, sizeof l);
	ck_assert_int_eq(journal_list(db, 10, 4096, listed_add, &l, &e),
	    CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "journal"));
	ck_assert_int_eq(l.n, 0);
	sqlite3_close(db);
}
END_TEST

START_TEST(empty_journal_is_intact)
{
	sqlite3 *db = fresh();
	unsigned char head[HASH_LEN];
	struct cutru_err e;
	int64_t seq = -1;

	ck_assert_int_eq(verify(db, CUTRU_OK), 0);
	ck_assert_int_eq(journal_head(db, &seq, head, &e), CUTRU_OK);
	ck_assert_int_eq(seq, 0);
	ck_assert(memcmp(head, hash_genesis, HASH_LEN) == 0);
	ck_assert_int_eq(journal_head(db, &seq, NULL, &e), CUTRU_OK);
	sqlite3_close(db);
}
END_TEST

START_TEST(bad_entries_are_refused)
{
	static const char *const bad_at[] = {
		"", "2026-03-02 03:00:00Z", "2026-02-30T00:00:00Z",
		"2026-03-02T24:00:00Z", "2026-03-02T23:60:00Z",
		"2026-03-02T03:00:00+07:00", "2026-03-02T03:00:00z",
		"２026-03-02T03:00:00Z", "2026-03-02T03:00:0Z",
	};
	char longname[JOURNAL_ACTOR_MAX + 2];
	sqlite3 *db = fresh();
	cJSON *ok = json("{'kind':'note'}"), *p;
	struct cutru_err e;
	int64_t seq = 9;
	size_t i;

	for (i = 0; i < sizeof bad_at / sizeof bad_at[0]; i++) {
		ck_assert_int_eq(journal_append(db, bad_at[i], "lan", ok, &seq,
		    &e), CUTRU_EINVAL);
		ck_assert_str_eq(e.field, "at");
		ck_assert_int_eq(seq, 0);
	}
	ck_assert_int_eq(journal_append(db, NULL, "lan", ok, NULL, &e),
	    CUTRU_EINVAL);
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ck_assert_int_eq(journal_append(db, AT, longname, ok, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "actor");
	ck_assert_int_eq(journal_append(db, AT, "", ok, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(journal_append(db, AT, NULL, ok, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(journal_append(db, AT, "la\nn", ok, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(journal_append(db, AT, "l\xc3\x28n", ok, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "actor");
	ck_assert_int_eq(journal_append(db, AT, "lan", NULL, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "payload");
	p = json("[1]");
	ck_assert_int_eq(journal_append(db, AT, "lan", p, NULL, &e),
	    CUTRU_EINVAL);
	cJSON_Delete(p);
	p = json("{'kind':''}");
	ck_assert_int_eq(journal_append(db, AT, "lan", p, NULL, &e),
	    CUTRU_EINVAL);
	cJSON_Delete(p);
	p = json("{'kind':3}");
	ck_assert_int_eq(journal_append(db, AT, "lan", p, NULL, &e),
	    CUTRU_EINVAL);
	cJSON_Delete(p);
	/* No canonical form: a fraction. */
	p = json("{'kind':'note','x':[1.5]}");
	ck_assert_int_eq(journal_append(db, AT, "lan", p, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "payload.x[0]");
	cJSON_Delete(p);
	ck_assert_int_eq(journal_append(NULL, AT, "lan", ok, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(count(db, "journal"), 0);
	ck_assert_int_eq(count(db, "meta"), 0);
	/* A megabyte payload is an entry like any other. */
	{
		char *big = malloc(1 << 20);

		ck_assert_ptr_nonnull(big);
		memset(big, 'x', (1 << 20) - 1);
		big[(1 << 20) - 1] = '\0';
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "kind", "note");
		cJSON_AddStringToObject(p, "blob", big);
		ck_assert_int_eq(journal_append(db, AT, "lan", p, &seq, &e),
		    CUTRU_OK);
		ck_assert_int_eq(seq, 1);
		cJSON_Delete(p);
		free(big);
	}
	ck_assert_int_eq(verify(db, CUTRU_OK), 0);
	cJSON_Delete(ok);
	sqlite3_close(db);
}
END_TEST

START_TEST(edited_payload_is_named)
{
	sqlite3 *db = fresh();

	append_notes(db, 5);
	drop_triggers(db);
	ck_assert_int_eq(exec(db, "UPDATE journal SET payload ="
	    " CAST('{\"kind\":\"note\",\"n\":30,\"text\":\"x\"}' AS BLOB)"
	    " WHERE seq = 3"), SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_ECRYPTO), 3);
	sqlite3_close(db);
}
END_TEST

START_TEST(edited_actor_or_time_is_named)
{
	sqlite3 *db = fresh();
	sqlite3 *db2 = fresh();

	append_notes(db, 5);
	drop_triggers(db);
	ck_assert_int_eq(exec(db, "UPDATE journal SET actor = 'minh'"
	    " WHERE seq = 1"), SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_ECRYPTO), 1);
	append_notes(db2, 5);
	drop_triggers(db2);
	ck_assert_int_eq(exec(db2, "UPDATE journal SET at ="
	    " '2026-03-02T03:00:01Z' WHERE seq = 4"), SQLITE_OK);
	ck_assert_int_eq(verify(db2, CUTRU_ECRYPTO), 4);
	sqlite3_close(db);
	sqlite3_close(db2);
}
END_TEST

START_TEST(payload_rewritten_in_another_form_is_named)
{
	sqlite3 *db = fresh();

	append_notes(db, 3);
	drop_triggers(db);
	/* Same meaning, other bytes: not the canonical form. */
	ck_assert_int_eq(exec(db, "UPDATE journal SET payload ="
	    " CAST('{\"n\":2, \"kind\":\"note\",\"text\":\"ghi chú số 2\"}'"
	    " AS BLOB) WHERE seq = 2"), SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_ECRYPTO), 2);
	sqlite3_close(db);
}
END_TEST

START_TEST(deleted_entries_are_named)
{
	sqlite3 *db = fresh();

	/* In the middle. */
	append_notes(db, 5);
	drop_triggers(db);
	ck_assert_int_eq(exec(db, "DELETE FROM journal WHERE seq = 2"),
	    SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_ECRYPTO), 2);
	/* Renumbered to close the gap: entry 2 is now someone else's. */
	ck_assert_int_eq(exec(db, "UPDATE journal SET seq = seq - 1"
	    " WHERE seq > 2"), SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_ECRYPTO), 2);
	sqlite3_close(db);

	/* At the end: only the recorded head can tell. */
	db = fresh();
	append_notes(db, 5);
	drop_triggers(db);
	ck_assert_int_eq(exec(db, "DELETE FROM journal WHERE seq >= 4"),
	    SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_ECRYPTO), 4);
	/* Everything. */
	ck_assert_int_eq(exec(db, "DELETE FROM journal"), SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_ECRYPTO), 1);
	/* And the head record with it: that is a new, empty store, which the
	 * journal alone cannot tell apart (change sets anchor it). */
	ck_assert_int_eq(exec(db, "DELETE FROM meta"), SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_OK), 0);
	sqlite3_close(db);

	/* The head record alone. */
	db = fresh();
	append_notes(db, 2);
	ck_assert_int_eq(exec(db, "DELETE FROM meta"), SQLITE_OK);
	ck_assert_int_ne(verify(db, CUTRU_ECRYPTO), 0);
	ck_assert_int_eq(exec(db, "INSERT INTO meta VALUES ('journal_head',"
	    " 'garbage')"), SQLITE_OK);
	ck_assert_int_ne(verify(db, CUTRU_ECRYPTO), 0);
	sqlite3_close(db);
}
END_TEST

START_TEST(reordered_entries_are_named)
{
	sqlite3 *db = fresh();

	append_notes(db, 5);
	drop_triggers(db);
	/* Entries 2 and 3 trade places, each keeping its own hash. */
	ck_assert_int_eq(exec(db, "UPDATE journal SET seq = 100 WHERE seq = 2;"
	    "UPDATE journal SET seq = 2 WHERE seq = 3;"
	    "UPDATE journal SET seq = 3 WHERE seq = 100;"), SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_ECRYPTO), 2);
	sqlite3_close(db);
}
END_TEST

START_TEST(forged_entries_are_named)
{
	sqlite3 *db = fresh();
	unsigned char prev[HASH_LEN], h[HASH_LEN];
	char hex[HASH_HEX_LEN + 1];
	struct cutru_err e;
	int64_t seq;
	cJSON *entry;

	append_notes(db, 3);
	/* INSERT is allowed by SQL; a made-up hash is not by the chain. */
	ck_assert_int_eq(exec(db, "INSERT INTO journal VALUES (4, '" AT "',"
	    " 'lan', CAST('{\"kind\":\"note\"}' AS BLOB), zeroblob(32))"),
	    SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_ECRYPTO), 4);
	/* Appending after a damaged entry is refused. */
	entry = json("{'kind':'note'}");
	ck_assert_int_eq(exec(db, "DROP TRIGGER journal_no_update;"
	    "PRAGMA ignore_check_constraints = ON;"
	    "UPDATE journal SET hash = x'00' WHERE seq = 4"), SQLITE_OK);
	ck_assert_int_eq(journal_append(db, AT, "lan", entry, NULL, &e),
	    CUTRU_ECRYPTO);
	cJSON_Delete(entry);
	sqlite3_close(db);

	/* A forger who computes the right hash but cannot update the head
	 * record through cutru is still caught. */
	db = fresh();
	append_notes(db, 3);
	ck_assert_int_eq(journal_head(db, &seq, prev, &e), CUTRU_OK);
	entry = json("{'actor':'lan','at':'" AT "','payload':{'kind':'note'},"
	    "'seq':4}");
	ck_assert_int_eq(hash_chain(HASH_TAG_JOURNAL, prev, entry, h, &e),
	    CUTRU_OK);
	cJSON_Delete(entry);
	hash_to_hex(h, hex);
	ck_assert_int_eq(exec(db, "INSERT INTO journal VALUES (4, '" AT "',"
	    " 'lan', CAST('{\"kind\":\"note\"}' AS BLOB), x'%s')", hex),
	    SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_ECRYPTO), 4);
	sqlite3_close(db);
}
END_TEST

/* ---- apply_and_journal ---- */

#define PERSON "{'type':'person.upserted','data':{'id_number':'%s'," \
	"'name':'%s','dob':'%s','sex':'%s'}}"
#define HH_CREATED "{'type':'household.created','data':{'household':'%s'," \
	"'head':'%s','address':{'commune':'00004','detail':'%s'}}}"
#define MEMBER_ADDED "{'type':'household.member_added','data':{" \
	"'household':'%s','person':'%s','relationship':'%s'}}"
#define OPEN_PERM "{'type':'residence.opened','data':{'person':'%s'," \
	"'kind':'permanent','address':{'commune':'00004','detail':'%s'}," \
	"'from':'%s'}}"

static int
change(sqlite3 *db, const struct apply_ctx *c, struct cutru_err *e,
    cJSON *events)
{
	int rc = apply_and_journal(db, events, c, e);

	cJSON_Delete(events);
	return rc;
}

START_TEST(apply_and_journal_records_what_it_applies)
{
	sqlite3 *db = fresh();
	struct apply_ctx c = ctx_on(2026, 3, 2);
	cJSON *events = json("[" PERSON "," OPEN_PERM "]", AN, "Nguyễn Văn An",
	    "1990-05-01", "male", AN, "Số 1", "2026-03-02");
	cJSON *payload;
	struct cutru_err e;
	sqlite3_stmt *st;

	ck_assert_int_eq(apply_and_journal(db, events, &c, &e), CUTRU_OK);
	ck_assert_int_eq(count(db, "persons"), 1);
	ck_assert_int_eq(count(db, "residences"), 1);
	ck_assert_int_eq(count(db, "journal"), 1);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT payload, actor, at"
	    " FROM journal", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(canon_parse(sqlite3_column_blob(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0), NULL, CANON_REQUIRE_CANONICAL,
	    &payload, &e), CUTRU_OK);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 1), "lan");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 2), AT);
	sqlite3_finalize(st);
	ck_assert_str_eq(cJSON_GetObjectItem(payload, "kind")->valuestring,
	    "events");
	ck_assert_str_eq(cJSON_GetObjectItem(payload, "date")->valuestring,
	    "2026-03-02");
	ck_assert_ptr_null(cJSON_GetObjectItem(payload, "dossier"));
	ck_assert(cJSON_Compare(cJSON_GetObjectItem(payload, "events"), events,
	    1));
	cJSON_Delete(payload);
	cJSON_Delete(events);
	ck_assert_int_eq(verify(db, CUTRU_OK), 0);

	/* With a dossier, the entry says which. */
	ck_assert_int_eq(exec(db, "INSERT INTO officers VALUES ('lan', 'Lan',"
	    " 'officer', 0, NULL, '2026-01-01');"
	    "INSERT INTO dossiers (id, number, procedure, received, due, state,"
	    " officer, request, events) VALUES (7, '1/PTN',"
	    " 'residence.confirm', '2026-03-01', '2026-03-02', 'awaiting',"
	    " 'lan', x'00', x'00')"), SQLITE_OK);
	c.dossier_id = 7;
	ck_assert_int_eq(change(db, &c, &e, json("[{'type':"
	    "'confirmation.issued','data':{'person':'" AN "','requester':'" AN
	    "','issued':'2026-03-02','valid_until':'2026-04-01'}}]")),
	    CUTRU_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT payload FROM journal"
	    " WHERE seq = 2", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_ptr_nonnull(strstr((const char *)sqlite3_column_text(st, 0),
	    "\"dossier\":7,"));
	sqlite3_finalize(st);
	ck_assert_int_eq(verify(db, CUTRU_OK), 0);
	sqlite3_close(db);
}
END_TEST

START_TEST(a_refused_change_leaves_no_trace_journal_included)
{
	sqlite3 *db = fresh();
	struct apply_ctx c = ctx_on(2026, 3, 2);
	struct cutru_err e;
	int64_t seq;

	ck_assert_int_eq(change(db, &c, &e, json("[" PERSON "]", CUONG,
	    "Nguyễn Văn Cường", "2015", "male")), CUTRU_OK);
	/* The third event names an unknown household. */
	ck_assert_int_eq(change(db, &c, &e, json("[" PERSON "," PERSON ","
	    MEMBER_ADDED "]", AN, "Nguyễn Văn An", "1990", "male", BINH,
	    "Trần Thị Bình", "1992", "female", "HK-404", BINH, "Vợ")),
	    CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "[2].data.household");
	ck_assert_int_eq(count(db, "persons"), 1);
	ck_assert_int_eq(count(db, "journal"), 1);
	ck_assert_int_eq(journal_head(db, &seq, NULL, &e), CUTRU_OK);
	ck_assert_int_eq(seq, 1);
	/* A malformed event: the same. */
	ck_assert_int_eq(change(db, &c, &e, json("[" PERSON "," PERSON ","
	    "{'type':'household.created','data':{}}]", AN, "Nguyễn Văn An",
	    "1990", "male", BINH, "Trần Thị Bình", "1992", "female")),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "[2].data.household");
	/* An event with no canonical form at all. */
	ck_assert_int_eq(change(db, &c, &e, json("[" PERSON ",{'type':"
	    "'person.upserted','data':{'id_number':1.5}}]", AN,
	    "Nguyễn Văn An", "1990", "male")), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "[1].data.id_number");
	/* A journal entry that cannot be written undoes the events. */
	c.at = "yesterday";
	ck_assert_int_eq(change(db, &c, &e, json("[" PERSON "]", AN,
	    "Nguyễn Văn An", "1990", "male")), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "at");
	c.at = AT;
	c.actor = NULL;
	ck_assert_int_eq(change(db, &c, &e, json("[" PERSON "]", AN,
	    "Nguyễn Văn An", "1990", "male")), CUTRU_EINVAL);
	ck_assert_int_eq(count(db, "persons"), 1);
	ck_assert_int_eq(count(db, "journal"), 1);
	ck_assert_int_eq(verify(db, CUTRU_OK), 0);
	/* Bad arguments. */
	c.actor = "lan";
	ck_assert_int_eq(apply_and_journal(NULL, NULL, &c, &e), CUTRU_EINVAL);
	ck_assert_int_eq(apply_and_journal(db, NULL, &c, &e), CUTRU_EINVAL);
	ck_assert_int_eq(apply_and_journal(db, NULL, NULL, &e), CUTRU_EINVAL);
	c.date.prec = CUTRU_DATE_MONTH;
	ck_assert_int_eq(change(db, &c, &e, json("[]")), CUTRU_EINVAL);
	ck_assert_int_eq(count(db, "journal"), 1);
	sqlite3_close(db);
}
END_TEST

START_TEST(the_register_holds_the_journals_bytes)
{
	sqlite3 *db = fresh();
	struct apply_ctx c = ctx_on(2026, 3, 2);
	struct cutru_err e;
	sqlite3_stmt *st;
	cJSON *json_nfd;
	int rc;

	/* An address typed in NFD ("Huế" with combining marks): the journal
	 * holds it in canonical form (NFC), and what is applied is what the
	 * journal holds, so the register has the NFC bytes too. */
	rc = change(db, &c, &e, json("[{'type':'stay.recorded',"
	    "'data':{'host':'" AN "','address':{'commune':'00004','detail':"
	    "'Phố Hue\xcc\x82\xcc\x81'},'from':'2026-03-02',"
	    "'to':'2026-03-05','guests':[{'id_number':'" BINH "',"
	    "'name':'Trần Thị Bình','dob':'1992','sex':'female'}]}}]"));
	ck_assert_int_eq(rc, CUTRU_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT detail FROM"
	    " addresses", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "Phố Huế");
	sqlite3_finalize(st);
	ck_assert_int_eq(count(db, "journal"), 1);
	ck_assert_int_eq(verify(db, CUTRU_OK), 0);
	/* apply_events() itself takes stored text only. */
	c.at = AT;
	ck_assert_int_eq(apply_events(db, json_nfd = json("[{'type':"
	    "'stay.recorded','data':{'host':'" AN "','address':{"
	    "'commune':'00004','detail':'Phố Hue\xcc\x82\xcc\x81'},"
	    "'from':'2026-03-02','to':'2026-03-05','guests':[{'id_number':'"
	    BINH "','name':'Trần Thị Bình','dob':'1992','sex':'female'}]}}]"),
	    &c, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "[0].data.address.detail");
	cJSON_Delete(json_nfd);
	sqlite3_close(db);
}
END_TEST

/* Every column of every row of table, in rowid order, as text. */
static char *
dump(sqlite3 *db, const char *table)
{
	char q[128], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	sqlite3_stmt *st;
	int i, n;

	ck_assert_ptr_nonnull(f);
	snprintf(q, sizeof q, "SELECT * FROM %s ORDER BY rowid", table);
	ck_assert_int_eq(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_count(st);
		for (i = 0; i < n; i++) {
			if (sqlite3_column_type(st, i) == SQLITE_BLOB) {
				const unsigned char *b = sqlite3_column_blob(st,
				    i);
				int k, m = sqlite3_column_bytes(st, i);

				for (k = 0; k < m; k++)
					fprintf(f, "%02x", b[k]);
			} else if (sqlite3_column_type(st, i) == SQLITE_NULL)
				fputs("NULL", f);
			else
				fputs((const char *)sqlite3_column_text(st, i),
				    f);
			fputc('|', f);
		}
		fputc('\n', f);
	}
	sqlite3_finalize(st);
	fclose(f);
	return out;
}

/* Replay db's journal (its "events" entries, each a list) into an empty
 * register, and compare every table of the register, versions
 * included; with nonempty, every table must hold something. */
static void
assert_replays(sqlite3 *db, int nonempty)
{
	static const char *const tables[] = {
		"persons", "addresses", "households", "household_members",
		"residences", "stays", "stay_guests", "absences",
		"confirmations", "person_corrections"
	};
	sqlite3 *copy = fresh();
	struct apply_ctx r;
	struct cutru_err e;
	sqlite3_stmt *st;
	cJSON *payload;
	const char *date;
	char *a, *b;
	size_t i;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT payload FROM journal"
	    " ORDER BY seq", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ck_assert_int_eq(canon_parse(sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), NULL,
		    CANON_REQUIRE_CANONICAL, &payload, &e), CUTRU_OK);
		if (strcmp(cJSON_GetObjectItem(payload, "kind")->valuestring,
		    "events") != 0) {
			cJSON_Delete(payload);
			continue;
		}
		memset(&r, 0, sizeof r);
		date = cJSON_GetObjectItem(payload, "date")->valuestring;
		ck_assert_int_eq(date_parse(date, NULL, &r.date, &e), CUTRU_OK);
		ck_assert_msg(apply_events(copy, cJSON_GetObjectItem(payload,
		    "events"), &r, &e) == CUTRU_OK, "%s: %s", e.field, e.msg);
		cJSON_Delete(payload);
	}
	sqlite3_finalize(st);
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		a = dump(db, tables[i]);
		b = dump(copy, tables[i]);
		ck_assert_msg(!nonempty || strlen(a) > 0, "%s is empty",
		    tables[i]);
		ck_assert_msg(strcmp(a, b) == 0, "%s differs:\n%s\n---\n%s",
		    tables[i], a, b);
		free(a);
		free(b);
	}
	sqlite3_close(copy);
}

START_TEST(replaying_the_journal_rebuilds_the_register)
{
	sqlite3 *db = fresh();
	struct apply_ctx c = ctx_on(2026, 3, 2);
	struct cutru_err e;
	ck_assert_int_eq(change(db, &c, &e, json("[" PERSON "," PERSON ","
	    PERSON "," HH_CREATED "," MEMBER_ADDED "," MEMBER_ADDED ","
	    OPEN_PERM "," OPEN_PERM "," OPEN_PERM "]",
	    AN, "Nguyễn Văn An", "1990-05-01", "male",
	    BINH, "Trần Thị Bình", "1992", "female",
	    CUONG, "Nguyễn Văn Cường", "2015-09", "male",
	    "HK-001", AN, "Số 12", "HK-001", BINH, "Vợ", "HK-001", CUONG,
	    "Con", AN, "Số 12", "2026-03-02", BINH, "Số 12", "2026-03-02",
	    CUONG, "Số 12", "2026-03-02")), CUTRU_OK);
	c = ctx_on(2026, 5, 4);
	ck_assert_int_eq(change(db, &c, &e, json("[{'type':"
	    "'household.head_changed','data':{'household':'HK-001','head':'"
	    BINH "'}},{'type':'residence.opened','data':{'person':'" CUONG
	    "','kind':'temporary','address':{'commune':'00007','detail':"
	    "'Ký túc xá'},'from':'2026-05-04','to':'2027-05-03'}},"
	    "{'type':'stay.recorded','data':{'host':'" AN "','address':{"
	    "'commune':'00004','detail':'Số 12'},'from':'2026-05-04',"
	    "'to':'2026-05-06','guests':[{'passport':'M12345678',"
	    "'nationality':'KR','name':'Kim Min Jun','dob':'1991',"
	    "'sex':'male'}]}}]")), CUTRU_OK);
	c = ctx_on(2026, 6, 1);
	ck_assert_int_eq(change(db, &c, &e, json("[{'type':"
	    "'identity.corrected','data':{'person':'" AN "','name':"
	    "'Nguyễn Văn Anh','document_ref':'TL 1/2026'}},{'type':"
	    "'absence.recorded','data':{'person':'" AN "','case':"
	    "'long_absence','from':'2026-06-02','to':'2027-07-01',"
	    "'destination':'Huế','reason':'Công tác'}},{'type':"
	    "'confirmation.issued','data':{'person':'" BINH "','requester':'"
	    BINH "','issued':'2026-06-01','valid_until':'2026-07-01'}},"
	    "{'type':'residence.closed','data':{'person':'" CUONG "','kind':"
	    "'permanent','ground':'emigrated','date':'2026-06-01',"
	    "'event_date':'2026-05-20'}}]")), CUTRU_OK);
	ck_assert_int_eq(verify(db, CUTRU_OK), 0);
	assert_replays(db, 1);
	sqlite3_close(db);
}
END_TEST

/* ---- the procedures' events, end to end ---- */

/* The example request of procedure id (examples/requests/). */
static cJSON *
example(const char *id)
{
	const char *top = getenv("top_srcdir");
	char path[512], *buf;
	struct cutru_err e;
	cJSON *t = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/examples/requests/%s.json",
	    top != NULL ? top : ".", id);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	ck_assert_int_eq(canon_parse(buf, (size_t)n, NULL, 0, &t, &e),
	    CUTRU_OK);
	free(buf);
	return t;
}

/* Approve example request id on y-m-d: its events, applied and
 * journalled. */
static int
approve(sqlite3 *db, const char *id, int y, int m, int d,
    const char *new_household, struct cutru_err *e)
{
	struct apply_ctx c = ctx_on(y, m, d);
	struct procedure_ctx pc;
	cJSON *req = example(id), *events = NULL;
	int rc;

	memset(&pc, 0, sizeof pc);
	pc.approved = &c.date;
	pc.new_household = new_household;
	rc = procedure_events(req, &pc, &events, e);
	ck_assert_msg(rc == CUTRU_OK, "%s: %s: %s", id, e->field, e->msg);
	rc = apply_and_journal(db, events, &c, e);
	cJSON_Delete(events);
	cJSON_Delete(req);
	return rc;
}

static const char *
text(sqlite3 *db, const char *q)
{
	static char out[512];
	sqlite3_stmt *st;

	out[0] = '\0';
	ck_assert_msg(sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", q, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, sizeof out, "%s",
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

#define BAO "001060001234"
#define ONG "001040001111"
#define HANG_BAC "Số 12 ngõ 34 phố Hàng Bạc"

START_TEST(every_procedure_applies_end_to_end)
{
	sqlite3 *db = fresh();
	struct apply_ctx c = ctx_on(2026, 1, 5);
	struct cutru_err e;

	/* The household the examples refer to: Bảo heads it, his father
	 * Cường lives with him. */
	ck_assert_int_eq(change(db, &c, &e, json("[" PERSON "," PERSON ","
	    "{'type':'household.created','data':{'household':'HN-0000123',"
	    "'head':'" BAO "','address':{'commune':'00070','detail':'"
	    HANG_BAC "'}}}," MEMBER_ADDED ",{'type':'residence.opened',"
	    "'data':{'person':'" BAO "','kind':'permanent','address':{"
	    "'commune':'00070','detail':'" HANG_BAC "'},'from':'1990-01-01'}},"
	    "{'type':'residence.opened','data':{'person':'" ONG "','kind':"
	    "'permanent','address':{'commune':'00070','detail':'" HANG_BAC
	    "'},'from':'1990-01-01'}}]", BAO, "Nguyễn Văn Bảo", "1960",
	    "male", ONG, "Nguyễn Văn Cường", "1940", "male", "HN-0000123",
	    ONG, "Cha")), CUTRU_OK);

	ck_assert_int_eq(approve(db, "permanent.register", 2026, 11, 27, NULL,
	    &e), CUTRU_OK);
	ck_assert_str_eq(text(db, "SELECT count(*) FROM household_members m"
	    " JOIN households h ON h.id = m.household_id WHERE h.number ="
	    " 'HN-0000123' AND m.until IS NULL"), "5");
	ck_assert_int_eq(approve(db, "permanent.delete", 2026, 11, 27, NULL,
	    &e), CUTRU_OK);
	ck_assert_str_eq(text(db, "SELECT r.ground || '|' || m.until FROM"
	    " residences r JOIN persons p ON p.id = r.person_id"
	    " JOIN household_members m ON m.person_id = p.id"
	    " WHERE p.id_number = '" ONG "'"), "death|2026-11-27");
	ck_assert_int_eq(approve(db, "household.split", 2026, 11, 28,
	    "HN-0000124", &e), CUTRU_OK);
	/* An and Bình now form HN-0000124 at the same address, and their
	 * permanent residences are registered in it. */
	ck_assert_str_eq(text(db, "SELECT group_concat(p.id_number || ':' ||"
	    " m.relationship, ' ') FROM household_members m JOIN persons p"
	    " ON p.id = m.person_id JOIN households h ON h.id ="
	    " m.household_id WHERE h.number = 'HN-0000124'"
	    " AND m.until IS NULL"),
	    "001090012345:head 001192004567:Vợ");
	ck_assert_str_eq(text(db, "SELECT count(*) FROM residences r"
	    " JOIN households h ON h.id = r.household_id"
	    " WHERE h.number = 'HN-0000124' AND r.state = 'active'"), "2");
	ck_assert_int_eq(approve(db, "residence.adjust", 2026, 11, 28, NULL,
	    &e), CUTRU_OK);
	ck_assert_str_eq(text(db, "SELECT name FROM persons WHERE id_number ="
	    " '001090012345'"), "Nguyễn Văn Ân");
	ck_assert_int_eq(approve(db, "residence.confirm", 2026, 11, 28, NULL,
	    &e), CUTRU_OK);
	ck_assert_int_eq(approve(db, "residence.declare", 2026, 11, 28, NULL,
	    &e), CUTRU_OK);
	ck_assert_int_eq(approve(db, "stay.notify", 2026, 11, 28, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(approve(db, "absence.declare", 2026, 11, 28, NULL,
	    &e), CUTRU_OK);
	ck_assert_int_eq(approve(db, "temporary.register", 2026, 11, 27, NULL,
	    &e), CUTRU_OK);
	ck_assert_int_eq(approve(db, "temporary.extend", 2026, 11, 28, NULL,
	    &e), CUTRU_OK);
	ck_assert_str_eq(text(db, "SELECT to_date FROM residences WHERE"
	    " kind = 'temporary'"), "2028-12-05");
	ck_assert_int_eq(approve(db, "temporary.delete", 2026, 12, 2, NULL,
	    &e), CUTRU_OK);
	ck_assert_str_eq(text(db, "SELECT state || '|' || ground FROM"
	    " residences WHERE kind = 'temporary'"), "closed|rental_ended");
	ck_assert_str_eq(text(db, "SELECT count(*) FROM residences"
	    " WHERE kind = 'current' AND state = 'active'"), "1");
	ck_assert_str_eq(text(db, "SELECT count(*) || '|' || sum(passport IS"
	    " NOT NULL) FROM stay_guests"), "2|1");
	ck_assert_str_eq(text(db, "SELECT count(*) FROM absences"), "1");
	ck_assert_str_eq(text(db, "SELECT number FROM confirmations"), "1");
	/* Approving the same registration twice is refused. */
	ck_assert_int_eq(approve(db, "temporary.register", 2026, 12, 2, NULL,
	    &e), CUTRU_OK);
	ck_assert_int_eq(approve(db, "temporary.register", 2026, 12, 2, NULL,
	    &e), CUTRU_ECONFLICT);
	ck_assert_str_eq(text(db, "SELECT count(*) FROM journal"), "13");
	ck_assert_int_eq(verify(db, CUTRU_OK), 0);
	sqlite3_close(db);
}
END_TEST


/* ---- batches ---- */

#define AN_NEW "001090099999"

/* Household i of a generated book: head, wife, child, residences. */
static cJSON *
book_household(int i)
{
	return json("[{'type':'person.upserted','data':{'id_number':"
	    "'0010900%05d','name':'Nguyễn Văn An','dob':'1990','sex':'male'}},"
	    "{'type':'person.upserted','data':{'id_number':'0011920%05d',"
	    "'name':'Trần Thị Bình','dob':'1992-07','sex':'female'}},"
	    "{'type':'person.upserted','data':{'id_number':'0012150%05d',"
	    "'name':'Nguyễn Văn Cường','dob':'2015-09-01','sex':'male'}},"
	    "{'type':'household.created','data':{'household':'HK-%d','head':"
	    "'0010900%05d','address':{'commune':'00004','detail':'Số %d ngõ "
	    "Huế'}}},"
	    "{'type':'household.member_added','data':{'household':'HK-%d',"
	    "'person':'0011920%05d','relationship':'Vợ'}},"
	    "{'type':'household.member_added','data':{'household':'HK-%d',"
	    "'person':'0012150%05d','relationship':'Con'}},"
	    "{'type':'residence.opened','data':{'person':'0010900%05d','kind':"
	    "'permanent','address':{'commune':'00004','detail':'Số %d ngõ "
	    "Huế'},'from':'2020-01-01'}},"
	    "{'type':'residence.opened','data':{'person':'0011920%05d','kind':"
	    "'permanent','address':{'commune':'00004','detail':'Số %d ngõ "
	    "Huế'},'from':'2020-01-01'}},"
	    "{'type':'residence.opened','data':{'person':'0012150%05d','kind':"
	    "'permanent','address':{'commune':'00004','detail':'Số %d ngõ "
	    "Huế'},'from':'2020-01-01'}}]", i, i, i, i, i, i, i, i, i, i, i,
	    i, i, i, i, i);
}

START_TEST(a_batch_journals_what_replay_rebuilds)
{
	sqlite3 *db = fresh();
	struct apply_ctx c = ctx_on(2026, 3, 2);
	struct journal_batch *b;
	struct cutru_err e;
	cJSON *ev;
	int i;

	append_notes(db, 1);
	ck_assert_int_eq(exec(db, "BEGIN"), SQLITE_OK);
	ck_assert_int_eq(journal_batch_begin(db, &c,
	    JOURNAL_BATCH_NO_SAVEPOINT, &b, &e), CUTRU_OK);
	/* Enough households for several entries; later calls come back to
	 * the first ones, long out of the session's caches. */
	for (i = 0; i < 1200; i++) {
		ev = book_household(i);
		ck_assert_msg(journal_batch_add(b, ev, &e) == CUTRU_OK, "%d: %s",
		    i, e.msg);
		cJSON_Delete(ev);
	}
	ck_assert_int_ge(journal_batch_entries(b), 2);
	ev = json("[{'type':'household.head_changed','data':{'household':"
	    "'HK-0','head':'001192000000'}},"
	    "{'type':'household.member_removed','data':{'household':'HK-0',"
	    "'person':'001090000000'}},"
	    "{'type':'household.member_added','data':{'household':'HK-1',"
	    "'person':'001090000000','relationship':'Anh'}},"
	    "{'type':'identity.corrected','data':{'person':'001090000000',"
	    "'id_number':'" AN_NEW "','document_ref':'TL 1/2026'}},"
	    "{'type':'residence.opened','data':{'person':'" AN_NEW "','kind':"
	    "'permanent','address':{'commune':'00004','detail':'Số 1 ngõ "
	    "Huế'},'from':'2026-03-02'}},"
	    "{'type':'residence.opened','data':{'person':'001215000001',"
	    "'kind':'temporary','address':{'commune':'00007','detail':"
	    "'Ký túc xá'},'from':'2026-03-02','to':'2027-03-01'}},"
	    "{'type':'residence.extended','data':{'person':'001215000001',"
	    "'kind':'temporary','to':'2027-06-01'}},"
	    "{'type':'stay.recorded','data':{'host':'001192000000','address':{"
	    "'commune':'00004','detail':'Số 0 ngõ Huế'},'from':'2026-03-02',"
	    "'to':'2026-03-05','guests':[{'passport':'M12345678',"
	    "'nationality':'KR','name':'Kim Min Jun','dob':'1991',"
	    "'sex':'male'}]}},"
	    "{'type':'absence.recorded','data':{'person':'001192000002',"
	    "'case':'long_absence','from':'2026-03-03','to':'2027-07-01',"
	    "'destination':'Huế','reason':'Công tác'}},"
	    "{'type':'confirmation.issued','data':{'person':'001192000003',"
	    "'requester':'001192000003','issued':'2026-03-02',"
	    "'valid_until':'2026-04-01'}},"
	    "{'type':'residence.closed','data':{'person':'001215000004',"
	    "'kind':'permanent','ground':'emigrated','date':'2026-03-02',"
	    "'event_date':'2026-03-01'}}]");
	ck_assert_msg(journal_batch_add(b, ev, &e) == CUTRU_OK, "%s: %s",
	    e.field, e.msg);
	cJSON_Delete(ev);
	ck_assert_int_eq(journal_batch_flush(b, &e), CUTRU_OK);
	ck_assert_int_eq(journal_batch_flush(b, &e), CUTRU_OK);
	ck_assert_int_eq(count(db, "journal"), 1 + journal_batch_entries(b));
	journal_batch_free(b);
	ck_assert_int_eq(exec(db, "COMMIT"), SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_OK), 0);
	ck_assert_int_eq(count(db, "persons"), 3600);
	/* Versions count per entry: a household and its persons created by
	 * the entry that holds them stay at 1. */
	ck_assert_str_eq(text(db, "SELECT version FROM households"
	    " WHERE number = 'HK-7'"), "1");
	assert_replays(db, 0);
	sqlite3_close(db);
}
END_TEST

/* Every column of every journal entry, in order, and the head, as one
 * malloc'd text. */
static char *
whole_journal(sqlite3 *db)
{
	sqlite3_stmt *st;
	char *all = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&all, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT seq || ' ' || at ||"
	    " ' ' || actor || ' ' || hex(payload) || ' ' || hex(hash)"
	    " FROM journal UNION ALL SELECT value FROM meta"
	    " WHERE key = 'journal_head'", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(f, "%s\n", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_gt(len, 1000);
	return all;
}

/* The households of book_household() 0..n-1 through a batch with these
 * flags, after one note; the journal (every column of every entry, and
 * the head) as one text. */
static char *
batch_journal(unsigned flags, int n, int64_t *entries)
{
	sqlite3 *db = fresh();
	struct apply_ctx c = ctx_on(2026, 3, 2);
	struct journal_batch *b;
	struct cutru_err e;
	cJSON *ev;
	char *all;
	int i, before = 0;

	append_notes(db, 1);
	ck_assert_int_eq(exec(db, "BEGIN"), SQLITE_OK);
	ck_assert_int_eq(journal_batch_begin(db, &c, flags, &b, &e), CUTRU_OK);
	for (i = 0; i < n; i++) {
		ev = book_household(i);
		ck_assert_msg(journal_batch_add(b, ev, &e) == CUTRU_OK, "%d: %s",
		    i, e.msg);
		cJSON_Delete(ev);
		/* Hashed behind, an entry is written at the next boundary:
		 * never more than one is missing. */
		ck_assert_int_ge(count(db, "journal"),
		    journal_batch_entries(b) - ((flags &
		    JOURNAL_BATCH_HASH_BEHIND) ? 1 : 0));
		if (count(db, "journal") < 1 + journal_batch_entries(b))
			before = 1;
	}
	ck_assert_int_eq(journal_batch_flush(b, &e), CUTRU_OK);
	ck_assert_int_eq(count(db, "journal"), 1 + journal_batch_entries(b));
	*entries = journal_batch_entries(b);
	journal_batch_free(b);
	ck_assert_int_eq(exec(db, "COMMIT"), SQLITE_OK);
	ck_assert_int_eq(verify(db, CUTRU_OK), 0);
	/* With the flag and savepoints the flag is ignored: written at once. */
	if ((flags & JOURNAL_BATCH_HASH_BEHIND) &&
	    (flags & JOURNAL_BATCH_NO_SAVEPOINT))
		ck_assert_int_eq(before, 1);
	else
		ck_assert_int_eq(before, 0);
	all = whole_journal(db);
	sqlite3_close(db);
	return all;
}

START_TEST(a_batch_hashed_behind_writes_the_same_journal)
{
	char *plain, *behind, *ignored;
	int64_t n1, n2, n3;

	plain = batch_journal(JOURNAL_BATCH_NO_SAVEPOINT, 700, &n1);
	behind = batch_journal(JOURNAL_BATCH_NO_SAVEPOINT |
	    JOURNAL_BATCH_HASH_BEHIND, 700, &n2);
	ignored = batch_journal(JOURNAL_BATCH_HASH_BEHIND, 700, &n3);
	ck_assert_int_ge(n1, 3);
	ck_assert_int_eq(n2, n1);
	ck_assert_int_eq(n3, n1);
	ck_assert_str_eq(behind, plain);
	ck_assert_str_eq(ignored, plain);
	free(plain);
	free(behind);
	free(ignored);
}
END_TEST

START_TEST(a_batch_with_savepoints_goes_on_after_a_refusal)
{
	sqlite3 *db = fresh();
	struct apply_ctx c = ctx_on(2026, 3, 2);
	struct journal_batch *b;
	struct cutru_err e;
	cJSON *ev;

	ck_assert_int_eq(journal_batch_begin(db, &c, 0, &b, &e), CUTRU_OK);
	ev = book_household(1);
	ck_assert_int_eq(journal_batch_add(b, ev, &e), CUTRU_OK);
	cJSON_Delete(ev);
	/* Household 2, then a member added to a household that is not
	 * there: all of it is undone, and the batch goes on. */
	ev = book_household(2);
	cJSON_AddItemToArray(ev, json("{'type':'household.member_added',"
	    "'data':{'household':'HK-404','person':'001090000002',"
	    "'relationship':'Con'}}"));
	ck_assert_int_eq(journal_batch_add(b, ev, &e), CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "[9].data.household");
	cJSON_Delete(ev);
	ev = book_household(3);
	ck_assert_int_eq(journal_batch_add(b, ev, &e), CUTRU_OK);
	cJSON_Delete(ev);
	ck_assert_int_eq(journal_batch_flush(b, &e), CUTRU_OK);
	ck_assert_int_eq(journal_batch_entries(b), 1);
	journal_batch_free(b);
	ck_assert_int_eq(count(db, "journal"), 1);
	ck_assert_int_eq(count(db, "persons"), 6);
	ck_assert_str_eq(text(db, "SELECT count(*) FROM persons WHERE"
	    " id_number LIKE '%00002'"), "0");
	ck_assert_int_eq(verify(db, CUTRU_OK), 0);
	assert_replays(db, 0);
	sqlite3_close(db);
}
END_TEST

START_TEST(a_batch_refuses_what_it_cannot_journal)
{
	sqlite3 *db = fresh();
	struct apply_ctx c = ctx_on(2026, 3, 2), bad;
	struct journal_batch *b;
	struct cutru_err e;
	cJSON *ev;

	bad = c;
	bad.at = "2026-03-02 03:00";
	ck_assert_int_eq(journal_batch_begin(db, &bad, 0, &b, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "at");
	ck_assert_ptr_null(b);
	bad = c;
	bad.actor = "";
	ck_assert_int_eq(journal_batch_begin(db, &bad, 0, &b, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "actor");
	bad = c;
	bad.actor = "l\xc3\x28n";
	ck_assert_int_eq(journal_batch_begin(db, &bad, 0, &b, &e),
	    CUTRU_EINVAL);
	bad = c;
	bad.date.prec = CUTRU_DATE_MONTH;
	ck_assert_int_eq(journal_batch_begin(db, &bad, 0, &b, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "date");
	bad = c;
	bad.dossier_id = -1;
	ck_assert_int_eq(journal_batch_begin(db, &bad, 0, &b, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(journal_batch_begin(NULL, &c, 0, &b, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(journal_batch_begin(db, NULL, 0, &b, &e),
	    CUTRU_EINVAL);
	/* Without savepoints a refusal ends the batch: nothing more is
	 * applied or journalled, and the caller rolls back. */
	ck_assert_int_eq(exec(db, "BEGIN"), SQLITE_OK);
	ck_assert_int_eq(journal_batch_begin(db, &c,
	    JOURNAL_BATCH_NO_SAVEPOINT, &b, &e), CUTRU_OK);
	ck_assert_int_eq(journal_batch_add(b, NULL, &e), CUTRU_EINVAL);
	ev = json("[{'type':'residence.opened','data':{'person':'" AN "',"
	    "'kind':'permanent','address':{'commune':'00004','detail':'x'},"
	    "'from':'2026-03-02'}}]");
	ck_assert_int_eq(journal_batch_add(b, ev, &e), CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "[0].data.person");
	ck_assert_int_eq(journal_batch_add(b, ev, &e), CUTRU_EINTERNAL);
	ck_assert_int_eq(journal_batch_flush(b, &e), CUTRU_EINTERNAL);
	journal_batch_free(b);
	ck_assert_int_eq(exec(db, "ROLLBACK"), SQLITE_OK);
	ck_assert_int_eq(count(db, "journal"), 0);
	/* An empty batch writes nothing, nor one whose only call was
	 * refused; a NULL batch is refused. */
	ck_assert_int_eq(journal_batch_begin(db, &c, 0, &b, &e), CUTRU_OK);
	ck_assert_int_eq(journal_batch_flush(b, &e), CUTRU_OK);
	ck_assert_int_eq(journal_batch_add(b, ev, &e), CUTRU_ENOTFOUND);
	ck_assert_int_eq(journal_batch_flush(b, &e), CUTRU_OK);
	ck_assert_int_eq(journal_batch_entries(b), 0);
	journal_batch_free(b);
	cJSON_Delete(ev);
	ck_assert_int_eq(count(db, "journal"), 0);
	ck_assert_int_eq(journal_batch_add(NULL, NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(journal_batch_flush(NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(journal_batch_entries(NULL), 0);
	journal_batch_free(NULL);
	sqlite3_close(db);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("journal");

	/* The session and batch cases apply thousands of lists, which
	 * sanitizers on a shared machine make slow. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, entries_chain_as_documented);
	tcase_add_test(tc, empty_journal_is_intact);
	tcase_add_test(tc, entries_are_listed_newest_first);
	tcase_add_test(tc, bad_entries_are_refused);
	tcase_add_test(tc, edited_payload_is_named);
	tcase_add_test(tc, edited_actor_or_time_is_named);
	tcase_add_test(tc, payload_rewritten_in_another_form_is_named);
	tcase_add_test(tc, deleted_entries_are_named);
	tcase_add_test(tc, reordered_entries_are_named);
	tcase_add_test(tc, forged_entries_are_named);
	tcase_add_test(tc, apply_and_journal_records_what_it_applies);
	tcase_add_test(tc, a_refused_change_leaves_no_trace_journal_included);
	tcase_add_test(tc, the_register_holds_the_journals_bytes);
	tcase_add_test(tc, replaying_the_journal_rebuilds_the_register);
	tcase_add_test(tc, every_procedure_applies_end_to_end);
	tcase_add_test(tc, a_batch_journals_what_replay_rebuilds);
	tcase_add_test(tc, a_batch_hashed_behind_writes_the_same_journal);
	tcase_add_test(tc, a_batch_with_savepoints_goes_on_after_a_refusal);
	tcase_add_test(tc, a_batch_refuses_what_it_cannot_journal);
	suite_add_tcase(s, tc);
	return s;
}
