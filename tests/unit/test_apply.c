/* localdb/apply.c: every event type on a plain in-memory register, the
 * cases it accepts and the ones it refuses. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "core/canon.h"
#include "localdb/apply.h"
#include "localdb/schema.h"
#include "tests/unit/tap_main.h"

#define AN "001090012345"     /* male, 1990 */
#define BINH "001192000001"   /* female, 1992 */
#define CUONG "001215000002"  /* male, 2015 */
#define DUNG "079085000003"   /* male, 1985 */
#define HOA "001188000004"    /* female, 1988 */
#define AN_NEW "001090099999" /* male, 1990: An's corrected number */

#define ADDR1 "Số 12 ngõ 34 phố Hàng Bạc"
#define ADDR2 "Số 5 phố Huế"

/* Event templates; ' stands for " (see ap()). */
#define PERSON "{'type':'person.upserted','data':{'id_number':'%s'," \
	"'name':'%s','dob':'%s','sex':'%s'}}"
#define HH_CREATED "{'type':'household.created','data':{'household':'%s'," \
	"'head':'%s','address':{'commune':'00004','detail':'%s'}}}"
#define MEMBER_ADDED "{'type':'household.member_added','data':{" \
	"'household':'%s','person':'%s','relationship':'%s'}}"
#define MEMBER_REMOVED "{'type':'household.member_removed','data':{" \
	"'household':'%s','person':'%s'}}"
#define HEAD_CHANGED "{'type':'household.head_changed','data':{" \
	"'household':'%s','head':'%s'}}"
#define OPEN_PERM "{'type':'residence.opened','data':{'person':'%s'," \
	"'kind':'permanent','address':{'commune':'00004','detail':'%s'}," \
	"'from':'%s'}}"
#define OPEN_TEMP "{'type':'residence.opened','data':{'person':'%s'," \
	"'kind':'temporary','address':{'commune':'00004','detail':'%s'}," \
	"'from':'%s','to':'%s'}}"
#define CLOSE "{'type':'residence.closed','data':{'person':'%s'," \
	"'kind':'%s','ground':'%s','date':'%s','event_date':'%s'}}"
#define EXTEND "{'type':'residence.extended','data':{'person':'%s'," \
	"'kind':'temporary','to':'%s'}}"

static struct apply_ctx ctx;

static sqlite3 *
fresh(void)
{
	sqlite3 *db = NULL;
	struct cutru_err e;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(schema_migrate(db, &e), CUTRU_OK);
	memset(&ctx, 0, sizeof ctx);
	ctx.date.year = 2026;
	ctx.date.month = 3;
	ctx.date.day = 2;
	ctx.date.prec = CUTRU_DATE_DAY;
	ctx.actor = "lan";
	ctx.at = "2026-03-02T03:00:00Z";
	return db;
}

static void
set_date(int y, int m, int d)
{
	ctx.date.year = y;
	ctx.date.month = m;
	ctx.date.day = d;
}

/* Apply the event (an object) or the events (an array) written by fmt,
 * with ' standing for ". */
static int ap(sqlite3 *db, struct cutru_err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
ap(sqlite3 *db, struct cutru_err *e, const char *fmt, ...)
{
	static char buf[1 << 21];
	va_list va;
	cJSON *j;
	char *p;
	int rc;

	va_start(va, fmt);
	vsnprintf(buf, sizeof buf, fmt, va);
	va_end(va);
	for (p = buf; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	j = cJSON_Parse(buf);
	ck_assert_msg(j != NULL, "bad test JSON: %.200s", buf);
	cutru_err_clear(e);
	rc = cJSON_IsArray(j) ? apply_events(db, j, &ctx, e) :
	    apply_event(db, j, &ctx, e);
	cJSON_Delete(j);
	return rc;
}

static long long qint(sqlite3 *db, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static long long
qint(sqlite3 *db, const char *fmt, ...)
{
	char q[1024];
	sqlite3_stmt *st;
	long long v = -1;
	va_list va;

	va_start(va, fmt);
	vsnprintf(q, sizeof q, fmt, va);
	va_end(va);
	ck_assert_msg(sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", q, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The text of a one-value query ("NULL" for NULL, "" for no row). */
static const char *qstr(sqlite3 *db, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *
qstr(sqlite3 *db, const char *fmt, ...)
{
	static char out[4][512];
	static int k;
	char q[1024], *r = out[k++ % 4];
	sqlite3_stmt *st;
	va_list va;

	va_start(va, fmt);
	vsnprintf(q, sizeof q, fmt, va);
	va_end(va);
	r[0] = '\0';
	ck_assert_msg(sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", q, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(r, 512, "%s", sqlite3_column_type(st, 0) == SQLITE_NULL ?
		    "NULL" : (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return r;
}

static long long
pid(sqlite3 *db, const char *idn)
{
	return qint(db, "SELECT id FROM persons WHERE id_number = '%s'", idn);
}

/* An, head of HK-001 at ADDR1, with his wife Bình and son Cường, all with
 * permanent residence there since 2026-03-02. */
static void
seed(sqlite3 *db)
{
	struct cutru_err e;

	ck_assert_int_eq(ap(db, &e, "[" PERSON "," PERSON "," PERSON ","
	    HH_CREATED "," MEMBER_ADDED "," MEMBER_ADDED "," OPEN_PERM ","
	    OPEN_PERM "," OPEN_PERM "]",
	    AN, "Nguyễn Văn An", "1990-05-01", "male",
	    BINH, "Trần Thị Bình", "1992", "female",
	    CUONG, "Nguyễn Văn Cường", "2015-09", "male",
	    "HK-001", AN, ADDR1,
	    "HK-001", BINH, "Vợ",
	    "HK-001", CUONG, "Con",
	    AN, ADDR1, "2026-03-02", BINH, ADDR1, "2026-03-02",
	    CUONG, ADDR1, "2026-03-02"), CUTRU_OK);
}

static long long
current_members(sqlite3 *db, const char *hh)
{
	return qint(db, "SELECT count(*) FROM household_members m"
	    " JOIN households h ON h.id = m.household_id"
	    " WHERE h.number = '%s' AND m.until IS NULL", hh);
}

static long long
current_heads(sqlite3 *db, const char *hh)
{
	return qint(db, "SELECT count(*) FROM household_members m"
	    " JOIN households h ON h.id = m.household_id"
	    " WHERE h.number = '%s' AND m.until IS NULL"
	    " AND m.relationship = 'head'", hh);
}

/* ---- person.upserted ---- */

START_TEST(person_upserted_creates_with_name_columns)
{
	sqlite3 *db = fresh();
	struct cutru_err e;
	int64_t v;

	ck_assert_int_eq(ap(db, &e, PERSON, HOA, "Đặng Thị Hoà", "1988-02",
	    "female"), CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT family || '|' || middle || '|' ||"
	    " given || '|' || folded FROM persons"), "Đặng|Thị|Hoà|dang thi hoa");
	ck_assert_int_eq(qint(db, "SELECT sex FROM persons"), 2);
	ck_assert_int_eq(qint(db, "SELECT birth_year FROM persons"), 1988);
	ck_assert_str_eq(qstr(db, "SELECT dob FROM persons"), "1988-02");
	ck_assert_int_gt(qint(db, "SELECT length(sort_key) FROM persons"), 0);
	ck_assert_int_eq(apply_person_version(db, HOA, &v, &e), CUTRU_OK);
	ck_assert_int_eq(v, 1);
	/* One-word names are a given name only. */
	ck_assert_int_eq(ap(db, &e, PERSON, DUNG, "Dũng", "1985", "male"),
	    CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT family || '|' || middle || '|' ||"
	    " given FROM persons WHERE id_number = '" DUNG "'"), "||Dũng");
	sqlite3_close(db);
}
END_TEST

START_TEST(person_upserted_updates_only_what_changed)
{
	sqlite3 *db = fresh();
	struct cutru_err e;
	int64_t v;

	ck_assert_int_eq(ap(db, &e, "{'type':'person.upserted','data':{"
	    "'id_number':'" AN "','name':'Nguyễn Văn An','dob':'1990-05-01',"
	    "'sex':'male','phone':'0912345678'}}"), CUTRU_OK);
	/* The same values again: nothing changes, not even the version. */
	ck_assert_int_eq(ap(db, &e, PERSON, AN, "Nguyễn Văn An", "1990-05-01",
	    "male"), CUTRU_OK);
	ck_assert_int_eq(apply_person_version(db, AN, &v, &e), CUTRU_OK);
	ck_assert_int_eq(v, 1);
	ck_assert_str_eq(qstr(db, "SELECT phone FROM persons"), "0912345678");
	/* A new name: replaced, parts and fold follow, version moves on; the
	 * phone the event does not carry stays. */
	ck_assert_int_eq(ap(db, &e, PERSON, AN, "Nguyễn Văn Ân", "1990-05-01",
	    "male"), CUTRU_OK);
	ck_assert_int_eq(apply_person_version(db, AN, &v, &e), CUTRU_OK);
	ck_assert_int_eq(v, 2);
	ck_assert_str_eq(qstr(db, "SELECT given || '|' || folded || '|' ||"
	    " phone FROM persons"), "Ân|nguyen van an|0912345678");
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM persons"), 1);
	ck_assert_int_eq(apply_person_version(db, DUNG, &v, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, DUNG));
	sqlite3_close(db);
}
END_TEST

START_TEST(person_upserted_records_the_legacy_cmnd)
{
	static const char *const bad[] = { "12345678", "1234567890",
		"12345678a", " 12345678", "\\u0031\\u00b2345678",
		"001090012345", "12345\\u00006789", "" };
	sqlite3 *db = fresh();
	struct cutru_err e;
	int64_t v;
	size_t i;

	ck_assert_int_eq(ap(db, &e, "{'type':'person.upserted','data':{"
	    "'id_number':'" AN "','name':'Nguyễn Văn An','dob':'1990',"
	    "'sex':'male','cmnd':'012345678'}}"), CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT legacy_cmnd FROM persons"),
	    "012345678");
	/* An event without it keeps the recorded number (and changes
	 * nothing, so the version stays). */
	ck_assert_int_eq(ap(db, &e, PERSON, AN, "Nguyễn Văn An", "1990",
	    "male"), CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT legacy_cmnd FROM persons"),
	    "012345678");
	ck_assert_int_eq(apply_person_version(db, AN, &v, &e), CUTRU_OK);
	ck_assert_int_eq(v, 1);
	/* Another number replaces it and moves the version on. */
	ck_assert_int_eq(ap(db, &e, "{'type':'person.upserted','data':{"
	    "'id_number':'" AN "','name':'Nguyễn Văn An','dob':'1990',"
	    "'sex':'male','cmnd':'987654321'}}"), CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT legacy_cmnd FROM persons"),
	    "987654321");
	ck_assert_int_eq(apply_person_version(db, AN, &v, &e), CUTRU_OK);
	ck_assert_int_eq(v, 2);
	/* Anything but 9 ASCII digits is refused, naming the member, and
	 * leaves the person as they were. */
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = ap(db, &e, "{'type':'person.upserted','data':{"
		    "'id_number':'" AN "','name':'Nguyễn Văn An','dob':'1990',"
		    "'sex':'male','cmnd':'%s'}}", bad[i]);

		ck_assert_msg(rc == CUTRU_EINVAL || rc == CUTRU_ERANGE,
		    "%s: %d", bad[i], rc);
		ck_assert_msg(strcmp(e.field, "data.cmnd") == 0, "%s: %s",
		    bad[i], e.field);
	}
	ck_assert_int_eq(ap(db, &e, "{'type':'person.upserted','data':{"
	    "'id_number':'" AN "','name':'Nguyễn Văn An','dob':'1990',"
	    "'sex':'male','cmnd':123456789}}"), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "data.cmnd");
	ck_assert_str_eq(qstr(db, "SELECT legacy_cmnd FROM persons"),
	    "987654321");
	sqlite3_close(db);
}
END_TEST

START_TEST(person_upserted_refuses_what_validation_refuses)
{
	sqlite3 *db = fresh();
	struct cutru_err e;
	static char big[1 << 20];

	/* The ID number says female, the event says male. */
	ck_assert_int_eq(ap(db, &e, PERSON, BINH, "Trần Thị Bình", "1992",
	    "male"), CUTRU_ECONFLICT);
	/* NFD is not the stored form of a name. */
	ck_assert_int_eq(ap(db, &e, PERSON, AN, "Nguye\xcc\x82\xcc\x83n Văn An",
	    "1990", "male"), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "data.name");
	/* Ill-formed UTF-8 (an overlong '/'). */
	ck_assert_int_eq(ap(db, &e, PERSON, AN, "An \xc0\xaf", "1990", "male"),
	    CUTRU_EINVAL);
	/* A megabyte of name. */
	memset(big, 'a', sizeof big - 1);
	ck_assert_int_eq(ap(db, &e, PERSON, AN, big, "1990", "male"),
	    CUTRU_EINVAL);
	/* An unknown key. */
	ck_assert_int_eq(ap(db, &e, "{'type':'person.upserted','data':{"
	    "'id_number':'" AN "','name':'An','dob':'1990','sex':'male',"
	    "'nick':'x'}}"), CUTRU_EINVAL);
	/* A control character in a name. */
	ck_assert_int_eq(ap(db, &e, PERSON, AN, "An\\u0001B", "1990", "male"),
	    CUTRU_EINVAL);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM persons"), 0);
	sqlite3_close(db);
}
END_TEST

/* ---- households ---- */

START_TEST(household_created_with_head_as_first_member)
{
	sqlite3 *db = fresh();
	struct cutru_err e;
	int64_t v;

	seed(db);
	ck_assert_int_eq(qint(db, "SELECT head_id FROM households"
	    " WHERE number = 'HK-001'"), pid(db, AN));
	ck_assert_str_eq(qstr(db, "SELECT created FROM households"),
	    "2026-03-02");
	ck_assert_int_eq(current_members(db, "HK-001"), 3);
	ck_assert_int_eq(current_heads(db, "HK-001"), 1);
	ck_assert_str_eq(qstr(db, "SELECT relationship FROM household_members"
	    " WHERE person_id = %lld", pid(db, AN)), "head");
	ck_assert_str_eq(qstr(db, "SELECT relationship FROM household_members"
	    " WHERE person_id = %lld", pid(db, BINH)), "Vợ");
	ck_assert_int_eq(apply_household_version(db, "HK-001", &v, &e),
	    CUTRU_OK);
	/* Created, then given two members by the same list: nobody can
	 * have read the versions in between, so it is not bumped. */
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(apply_person_version(db, AN, &v, &e), CUTRU_OK);
	ck_assert_int_eq(v, 1);
	/* A later list that changes it does bump it. */
	ck_assert_int_eq(ap(db, &e, PERSON, DUNG, "Lê Văn Dũng", "1985",
	    "male"), CUTRU_OK);
	ck_assert_int_eq(ap(db, &e, MEMBER_ADDED, "HK-001", DUNG, "Em"),
	    CUTRU_OK);
	ck_assert_int_eq(apply_household_version(db, "HK-001", &v, &e),
	    CUTRU_OK);
	ck_assert_int_eq(v, 2);
	ck_assert_int_eq(apply_person_version(db, DUNG, &v, &e), CUTRU_OK);
	ck_assert_int_eq(v, 2);
	/* The permanent residences record the household. */
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM residences r"
	    " JOIN households h ON h.id = r.household_id"
	    " WHERE h.number = 'HK-001'"), 3);
	sqlite3_close(db);
}
END_TEST

START_TEST(household_created_refusals)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	seed(db);
	/* The number is taken. */
	ck_assert_int_eq(ap(db, &e, PERSON, DUNG, "Lê Văn Dũng", "1985",
	    "male"), CUTRU_OK);
	ck_assert_int_eq(ap(db, &e, HH_CREATED, "HK-001", DUNG, ADDR2),
	    CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "data.household");
	ck_assert_ptr_nonnull(strstr(e.msg, "HK-001"));
	/* A member of it, who would leave it first, asking for its number:
	 * refused, and still a member (the whole event is undone). */
	ck_assert_int_eq(ap(db, &e, HH_CREATED, "HK-001", BINH, ADDR2),
	    CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "data.household");
	ck_assert_int_eq(current_members(db, "HK-001"), 3);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM addresses"
	    " WHERE detail = '%s'", ADDR2), 0);
	/* A head who is not in the register. */
	ck_assert_int_eq(ap(db, &e, HH_CREATED, "HK-002", HOA, ADDR2),
	    CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "data.head");
	ck_assert_ptr_nonnull(strstr(e.msg, HOA));
	/* A household without a head is not an event. */
	ck_assert_int_eq(ap(db, &e, "{'type':'household.created','data':{"
	    "'household':'HK-002','address':{'commune':'00004',"
	    "'detail':'x'}}}"), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "data.head");
	/* The head of a household with other members cannot head another. */
	ck_assert_int_eq(ap(db, &e, HH_CREATED, "HK-002", AN, ADDR2),
	    CUTRU_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "HK-001"));
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM households"), 1);
	sqlite3_close(db);
}
END_TEST

START_TEST(member_added_moves_the_person_and_refuses_a_second_head)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	seed(db);
	ck_assert_int_eq(ap(db, &e, "[" PERSON "," HH_CREATED "]", DUNG,
	    "Lê Văn Dũng", "1985", "male", "HK-002", DUNG, ADDR2), CUTRU_OK);
	set_date(2026, 4, 1);
	/* Cường moves to HK-002: his membership of HK-001 ends. */
	ck_assert_int_eq(ap(db, &e, MEMBER_ADDED, "HK-002", CUONG, "Cháu ruột"),
	    CUTRU_OK);
	ck_assert_int_eq(current_members(db, "HK-001"), 2);
	ck_assert_int_eq(current_members(db, "HK-002"), 2);
	ck_assert_str_eq(qstr(db, "SELECT until FROM household_members m"
	    " JOIN households h ON h.id = m.household_id"
	    " WHERE h.number = 'HK-001' AND person_id = %lld",
	    pid(db, CUONG)), "2026-04-01");
	/* Restating a relationship keeps one current membership. */
	ck_assert_int_eq(ap(db, &e, MEMBER_ADDED, "HK-002", CUONG, "Con nuôi"),
	    CUTRU_OK);
	ck_assert_int_eq(current_members(db, "HK-002"), 2);
	ck_assert_str_eq(qstr(db, "SELECT relationship FROM household_members"
	    " WHERE person_id = %lld AND until IS NULL", pid(db, CUONG)),
	    "Con nuôi");
	/* "Chủ hộ" in any spelling is the head: not a member's relationship. */
	ck_assert_int_eq(ap(db, &e, MEMBER_ADDED, "HK-002", BINH, "CHỦ HỘ"),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "data.relationship");
	ck_assert_int_eq(ap(db, &e, MEMBER_ADDED, "HK-002", BINH, "chu ho"),
	    CUTRU_EINVAL);
	ck_assert_int_eq(ap(db, &e, MEMBER_ADDED, "HK-002", BINH, "head"),
	    CUTRU_EINVAL);
	/* The head cannot be added to their own household. */
	ck_assert_int_eq(ap(db, &e, MEMBER_ADDED, "HK-002", DUNG, "Con"),
	    CUTRU_ECONFLICT);
	/* An unknown household, an unknown person. */
	ck_assert_int_eq(ap(db, &e, MEMBER_ADDED, "HK-404", BINH, "Vợ"),
	    CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "data.household");
	ck_assert_ptr_nonnull(strstr(e.msg, "HK-404"));
	ck_assert_int_eq(ap(db, &e, MEMBER_ADDED, "HK-002", HOA, "Vợ"),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, HOA));
	ck_assert_int_eq(current_heads(db, "HK-002"), 1);
	sqlite3_close(db);
}
END_TEST

START_TEST(member_removed_and_the_head_rule)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	seed(db);
	set_date(2026, 5, 1);
	/* Not a member. */
	ck_assert_int_eq(ap(db, &e, "[" PERSON "," MEMBER_REMOVED "]", DUNG,
	    "Lê Văn Dũng", "1985", "male", "HK-001", DUNG), CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "[1].data.person");
	/* The head while others remain. */
	ck_assert_int_eq(ap(db, &e, MEMBER_REMOVED, "HK-001", AN),
	    CUTRU_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "change the head"));
	ck_assert_int_eq(current_heads(db, "HK-001"), 1);
	/* Members leave; then the head, alone, dissolves the household. */
	ck_assert_int_eq(ap(db, &e, "[" MEMBER_REMOVED "," MEMBER_REMOVED "]",
	    "HK-001", BINH, "HK-001", CUONG), CUTRU_OK);
	ck_assert_int_eq(current_members(db, "HK-001"), 1);
	ck_assert_str_eq(qstr(db, "SELECT dissolved FROM households"), "NULL");
	ck_assert_int_eq(ap(db, &e, MEMBER_REMOVED, "HK-001", AN), CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT dissolved FROM households"),
	    "2026-05-01");
	ck_assert_int_eq(current_members(db, "HK-001"), 0);
	/* A dissolved household takes no one, and keeps its number. */
	ck_assert_int_eq(ap(db, &e, MEMBER_ADDED, "HK-001", BINH, "Vợ"),
	    CUTRU_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "dissolved"));
	ck_assert_int_eq(ap(db, &e, HH_CREATED, "HK-001", BINH, ADDR2),
	    CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "data.household");
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM households"), 1);
	sqlite3_close(db);
}
END_TEST

START_TEST(head_changed_needs_membership)
{
	sqlite3 *db = fresh();
	struct cutru_err e;
	int64_t v0, v1;

	seed(db);
	ck_assert_int_eq(ap(db, &e, PERSON, DUNG, "Lê Văn Dũng", "1985",
	    "male"), CUTRU_OK);
	ck_assert_int_eq(apply_household_version(db, "HK-001", &v0, &e),
	    CUTRU_OK);
	ck_assert_int_eq(ap(db, &e, HEAD_CHANGED, "HK-001", DUNG),
	    CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "data.head");
	ck_assert_ptr_nonnull(strstr(e.msg, DUNG));
	ck_assert_int_eq(ap(db, &e, HEAD_CHANGED, "HK-404", BINH),
	    CUTRU_ENOTFOUND);
	ck_assert_int_eq(ap(db, &e, HEAD_CHANGED, "HK-001", HOA),
	    CUTRU_ENOTFOUND);
	set_date(2026, 6, 1);
	ck_assert_int_eq(ap(db, &e, HEAD_CHANGED, "HK-001", BINH), CUTRU_OK);
	ck_assert_int_eq(qint(db, "SELECT head_id FROM households"),
	    pid(db, BINH));
	ck_assert_int_eq(current_heads(db, "HK-001"), 1);
	ck_assert_int_eq(current_members(db, "HK-001"), 3);
	ck_assert_str_eq(qstr(db, "SELECT relationship FROM household_members"
	    " WHERE person_id = %lld AND until IS NULL", pid(db, BINH)), "head");
	/* The former head's relationship to the new one is not known yet. */
	ck_assert_str_eq(qstr(db, "SELECT relationship FROM household_members"
	    " WHERE person_id = %lld AND until IS NULL", pid(db, AN)), "NULL");
	ck_assert_int_eq(apply_household_version(db, "HK-001", &v1, &e),
	    CUTRU_OK);
	ck_assert_int_gt(v1, v0);
	/* Already the head: nothing to do. */
	ck_assert_int_eq(ap(db, &e, HEAD_CHANGED, "HK-001", BINH), CUTRU_OK);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM household_members"),
	    5);
	/* An, no longer head, can now leave. */
	ck_assert_int_eq(ap(db, &e, MEMBER_REMOVED, "HK-001", AN), CUTRU_OK);
	sqlite3_close(db);
}
END_TEST

START_TEST(a_sole_head_who_moves_dissolves_the_household)
{
	sqlite3 *db = fresh();
	struct cutru_err e;
	long long dung;

	seed(db);
	ck_assert_int_eq(ap(db, &e, "[" PERSON "," HH_CREATED "," OPEN_PERM "]",
	    DUNG, "Lê Văn Dũng", "1985", "male", "HK-002", DUNG, ADDR2,
	    DUNG, ADDR2, "2026-03-02"), CUTRU_OK);
	dung = pid(db, DUNG);
	set_date(2026, 8, 3);
	ck_assert_int_eq(ap(db, &e, MEMBER_ADDED, "HK-001", DUNG, "Em rể"),
	    CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT dissolved FROM households"
	    " WHERE number = 'HK-002'"), "2026-08-03");
	ck_assert_int_eq(current_members(db, "HK-001"), 4);
	ck_assert_int_eq(current_heads(db, "HK-001"), 1);
	/* His residence elsewhere stays registered in the household it was
	 * opened in, until a new one replaces it. */
	ck_assert_str_eq(qstr(db, "SELECT h.number FROM residences r JOIN"
	    " households h ON h.id = r.household_id WHERE r.person_id = %lld"
	    " AND r.state = 'active'", dung), "HK-002");
	ck_assert_int_eq(ap(db, &e, OPEN_PERM, DUNG, ADDR1, "2026-08-03"),
	    CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT h.number FROM residences r JOIN"
	    " households h ON h.id = r.household_id WHERE r.person_id = %lld"
	    " AND r.state = 'active'", dung), "HK-001");
	ck_assert_str_eq(qstr(db, "SELECT h.number FROM residences r JOIN"
	    " households h ON h.id = r.household_id WHERE r.person_id = %lld"
	    " AND r.state = 'replaced'", dung), "HK-002");
	/* A dissolved household's number stays taken. */
	ck_assert_int_eq(ap(db, &e, HH_CREATED, "HK-002", BINH, ADDR2),
	    CUTRU_ECONFLICT);
	sqlite3_close(db);
}
END_TEST

/* ---- residences ---- */

START_TEST(second_permanent_residence_replaces_the_first)
{
	sqlite3 *db = fresh();
	struct cutru_err e;
	int64_t v0, v1;

	seed(db);
	ck_assert_int_eq(apply_person_version(db, AN, &v0, &e), CUTRU_OK);
	set_date(2026, 7, 1);
	ck_assert_int_eq(ap(db, &e, OPEN_PERM, AN, ADDR2, "2026-07-01"),
	    CUTRU_OK);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM residences"
	    " WHERE person_id = %lld", pid(db, AN)), 2);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM residences"
	    " WHERE person_id = %lld AND state = 'active'", pid(db, AN)), 1);
	ck_assert_str_eq(qstr(db, "SELECT state || '|' || closed_date FROM"
	    " residences r JOIN addresses a ON a.id = r.address_id"
	    " WHERE person_id = %lld AND a.detail = '" ADDR1 "'",
	    pid(db, AN)), "replaced|2026-07-01");
	ck_assert_int_eq(qint(db, "SELECT n.replaces = o.id FROM residences n,"
	    " residences o WHERE n.person_id = %lld AND o.person_id ="
	    " n.person_id AND n.state = 'active' AND o.state = 'replaced'",
	    pid(db, AN)), 1);
	ck_assert_int_eq(apply_person_version(db, AN, &v1, &e), CUTRU_OK);
	ck_assert_int_gt(v1, v0);
	/* The same address again is a duplicate. */
	ck_assert_int_eq(ap(db, &e, OPEN_PERM, AN, ADDR2, "2026-08-01"),
	    CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "data.address");
	/* A residence beginning before the one it would replace. */
	ck_assert_int_eq(ap(db, &e, OPEN_PERM, AN, ADDR1, "2026-06-30"),
	    CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "data.from");
	/* An unknown person. */
	ck_assert_int_eq(ap(db, &e, OPEN_PERM, HOA, ADDR1, "2026-06-30"),
	    CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "data.person");
	ck_assert_ptr_nonnull(strstr(e.msg, HOA));
	/* A permanent and a temporary residence live side by side. */
	ck_assert_int_eq(ap(db, &e, OPEN_TEMP, AN, ADDR1, "2026-07-02",
	    "2027-07-01"), CUTRU_OK);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM residences"
	    " WHERE person_id = %lld AND state = 'active'", pid(db, AN)), 2);
	sqlite3_close(db);
}
END_TEST

START_TEST(temporary_residence_needs_an_end_within_two_years)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	seed(db);
	ck_assert_int_eq(ap(db, &e, "{'type':'residence.opened','data':{"
	    "'person':'" AN "','kind':'temporary','address':{"
	    "'commune':'00004','detail':'x'},'from':'2026-03-02'}}"),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "data.to");
	ck_assert_int_eq(ap(db, &e, OPEN_TEMP, AN, ADDR2, "2026-03-02",
	    "2028-03-03"), CUTRU_ERANGE);
	/* Only a temporary residence ends. */
	ck_assert_int_eq(ap(db, &e, "{'type':'residence.opened','data':{"
	    "'person':'" AN "','kind':'current','address':{"
	    "'commune':'00004','detail':'x'},'from':'2026-03-02',"
	    "'to':'2026-05-01'}}"), CUTRU_EINVAL);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM residences"
	    " WHERE kind <> 'permanent'"), 0);
	/* A declared current residence, and a second one replacing it. */
	ck_assert_int_eq(ap(db, &e, "{'type':'residence.opened','data':{"
	    "'person':'" AN "','kind':'current','address':{"
	    "'commune':'00004','detail':'x'},'from':'2026-03-02'}}"),
	    CUTRU_OK);
	ck_assert_int_eq(ap(db, &e, "{'type':'residence.opened','data':{"
	    "'person':'" AN "','kind':'current','address':{"
	    "'commune':'00004','detail':'y'},'from':'2026-03-05'}}"),
	    CUTRU_OK);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM residences"
	    " WHERE kind = 'current' AND state = 'active'"), 1);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM residences"
	    " WHERE kind = 'current'"), 2);
	sqlite3_close(db);
}
END_TEST

START_TEST(temporary_residence_extended)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	seed(db);
	ck_assert_int_eq(ap(db, &e, EXTEND, BINH, "2027-01-01"),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, BINH));
	ck_assert_int_eq(ap(db, &e, OPEN_TEMP, BINH, ADDR2, "2026-03-02",
	    "2026-12-31"), CUTRU_OK);
	ck_assert_int_eq(ap(db, &e, EXTEND, BINH, "2026-12-31"),
	    CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "data.to");
	ck_assert_int_eq(ap(db, &e, EXTEND, BINH, "2029-01-01"), CUTRU_ERANGE);
	ck_assert_int_eq(ap(db, &e, EXTEND, BINH, "2028-12-31"), CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT to_date FROM residences"
	    " WHERE kind = 'temporary' AND state = 'active'"), "2028-12-31");
	ck_assert_int_eq(ap(db, &e, EXTEND, HOA, "2027-01-01"),
	    CUTRU_ENOTFOUND);
	sqlite3_close(db);
}
END_TEST

START_TEST(closing_permanent_residence_ends_membership)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	seed(db);
	ck_assert_int_eq(ap(db, &e, "{'type':'residence.closed','data':{"
	    "'person':'" CUONG "','kind':'permanent','ground':'emigrated',"
	    "'date':'2026-09-01','event_date':'2026-08-15',"
	    "'document_ref':'12/QĐ'}}"), CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT state || '|' || ground || '|' ||"
	    " closed_date || '|' || event_date || '|' || document_ref"
	    " FROM residences WHERE person_id = %lld", pid(db, CUONG)),
	    "closed|emigrated|2026-09-01|2026-08-15|12/QĐ");
	ck_assert_str_eq(qstr(db, "SELECT until FROM household_members"
	    " WHERE person_id = %lld", pid(db, CUONG)), "2026-09-01");
	ck_assert_int_eq(current_members(db, "HK-001"), 2);
	/* Nothing left to close. */
	ck_assert_int_eq(ap(db, &e, CLOSE, CUONG, "permanent", "emigrated",
	    "2026-09-02", "2026-09-01"), CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "data.kind");
	/* The head's, while the household has other members: refused, and
	 * the residence is left as it was. */
	ck_assert_int_eq(ap(db, &e, CLOSE, AN, "permanent", "emigrated",
	    "2026-09-01", "2026-08-15"), CUTRU_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "HK-001"));
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM residences"
	    " WHERE person_id = %lld AND state = 'active'", pid(db, AN)), 1);
	/* Before the residence began. */
	ck_assert_int_eq(ap(db, &e, CLOSE, BINH, "permanent", "emigrated",
	    "2026-03-01", "2026-03-01"), CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "data.date");
	/* A ground from the other list. */
	ck_assert_int_eq(ap(db, &e, CLOSE, BINH, "permanent", "rental_ended",
	    "2026-09-01", "2026-08-15"), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "data.ground");
	/* A temporary residence closes without touching the household. */
	ck_assert_int_eq(ap(db, &e, OPEN_TEMP, BINH, ADDR2, "2026-03-02",
	    "2026-12-31"), CUTRU_OK);
	ck_assert_int_eq(ap(db, &e, CLOSE, BINH, "temporary", "rental_ended",
	    "2026-09-01", "2026-08-15"), CUTRU_OK);
	ck_assert_int_eq(current_members(db, "HK-001"), 2);
	sqlite3_close(db);
}
END_TEST

START_TEST(identity_corrected_rekeys_the_person)
{
	sqlite3 *db = fresh();
	struct cutru_err e;
	long long id;

	seed(db);
	id = pid(db, AN);
	set_date(2026, 10, 1);
	ck_assert_int_eq(ap(db, &e, "{'type':'identity.corrected','data':{"
	    "'person':'" AN "','id_number':'" AN_NEW "','name':'Nguyễn Văn Anh',"
	    "'document_ref':'Trích lục 45/2026'}}"), CUTRU_OK);
	ck_assert_int_eq(pid(db, AN_NEW), id);
	ck_assert_int_eq(pid(db, AN), -1);
	ck_assert_str_eq(qstr(db, "SELECT given || '|' || folded FROM persons"
	    " WHERE id = %lld", id), "Anh|nguyen van anh");
	/* Residences and membership follow the person. */
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM residences"
	    " WHERE person_id = %lld AND state = 'active'", id), 1);
	ck_assert_int_eq(qint(db, "SELECT head_id FROM households"), id);
	ck_assert_str_eq(qstr(db, "SELECT old_id_number || '|' || old_name ||"
	    " '|' || coalesce(old_dob, '-') || '|' || corrected || '|' ||"
	    " document_ref FROM person_corrections"),
	    AN "|Nguyễn Văn An|-|2026-10-01|Trích lục 45/2026");
	/* The old number is gone; the new one is taken. */
	ck_assert_int_eq(ap(db, &e, "{'type':'identity.corrected','data':{"
	    "'person':'" AN "','name':'X','document_ref':'1'}}"),
	    CUTRU_ENOTFOUND);
	ck_assert_int_eq(ap(db, &e, "{'type':'identity.corrected','data':{"
	    "'person':'" BINH "','id_number':'" AN_NEW "',"
	    "'document_ref':'1'}}"), CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "data.id_number");
	/* A correction must leave the record consistent: Bình's number says
	 * female. */
	ck_assert_int_eq(ap(db, &e, "{'type':'identity.corrected','data':{"
	    "'person':'" BINH "','sex':'male','document_ref':'1'}}"),
	    CUTRU_ECONFLICT);
	ck_assert_int_eq(ap(db, &e, "{'type':'identity.corrected','data':{"
	    "'person':'" BINH "','dob':'1993','document_ref':'1'}}"),
	    CUTRU_ECONFLICT);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM person_corrections"), 1);
	/* Nothing to correct is not a correction. */
	ck_assert_int_eq(ap(db, &e, "{'type':'identity.corrected','data':{"
	    "'person':'" BINH "','document_ref':'1'}}"), CUTRU_EINVAL);
	/* A date-of-birth correction within the same year. */
	ck_assert_int_eq(ap(db, &e, "{'type':'identity.corrected','data':{"
	    "'person':'" BINH "','dob':'1992-11-20','document_ref':'2'}}"),
	    CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT dob || '|' || birth_year FROM persons"
	    " WHERE id_number = '" BINH "'"), "1992-11-20|1992");
	ck_assert_str_eq(qstr(db, "SELECT old_dob FROM person_corrections"
	    " WHERE document_ref = '2'"), "1992");
	sqlite3_close(db);
}
END_TEST

/* ---- stays, absences, confirmations ---- */

START_TEST(stay_with_citizen_and_foreign_guests)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	/* The host need not be a person of the register. */
	ck_assert_int_eq(ap(db, &e, "{'type':'stay.recorded','data':{"
	    "'host':'" DUNG "','address':{'commune':'00004','detail':'"
	    ADDR2 "'},'from':'2026-03-02','to':'2026-03-10','guests':["
	    "{'id_number':'" HOA "','name':'Đặng Thị Hoà','dob':'1988',"
	    "'sex':'female'},"
	    "{'passport':'M12345678','nationality':'KR','name':'Kim Min Jun',"
	    "'dob':'1991-04-03','sex':'male'}]}}"), CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT host_id_number || '|' || from_date ||"
	    " '|' || to_date FROM stays"), DUNG "|2026-03-02|2026-03-10");
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM stay_guests"), 2);
	ck_assert_str_eq(qstr(db, "SELECT folded || '|' || id_number FROM"
	    " stay_guests WHERE row = 1"), "dang thi hoa|" HOA);
	ck_assert_str_eq(qstr(db, "SELECT passport || '|' || nationality ||"
	    " '|' || coalesce(id_number, '-') FROM stay_guests WHERE row = 2"),
	    "M12345678|KR|-");
	/* A guest with both an ID number and a passport. */
	ck_assert_int_eq(ap(db, &e, "{'type':'stay.recorded','data':{"
	    "'host':'" DUNG "','address':{'commune':'00004','detail':'x'},"
	    "'from':'2026-03-02','to':'2026-03-10','guests':["
	    "{'id_number':'" HOA "','passport':'M12345678','nationality':'KR',"
	    "'name':'Hoà','dob':'1988','sex':'female'}]}}"), CUTRU_EINVAL);
	/* A stay of 30 days is a temporary residence. */
	ck_assert_int_eq(ap(db, &e, "{'type':'stay.recorded','data':{"
	    "'host':'" DUNG "','address':{'commune':'00004','detail':'x'},"
	    "'from':'2026-03-02','to':'2026-04-01','guests':["
	    "{'id_number':'" HOA "','name':'Hoà','dob':'1988',"
	    "'sex':'female'}]}}"), CUTRU_ERANGE);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM stays"), 1);
	sqlite3_close(db);
}
END_TEST

START_TEST(absence_recorded)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	seed(db);
	ck_assert_int_eq(ap(db, &e, "{'type':'absence.recorded','data':{"
	    "'person':'" AN "','case':'long_absence','from':'2026-04-01',"
	    "'to':'2027-06-01','destination':'Đà Nẵng','reason':'Làm việc'}}"),
	    CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT case_id || '|' || destination FROM"
	    " absences WHERE person_id = %lld", pid(db, AN)),
	    "long_absence|Đà Nẵng");
	ck_assert_int_eq(ap(db, &e, "{'type':'absence.recorded','data':{"
	    "'person':'" HOA "','case':'long_absence','from':'2026-04-01',"
	    "'to':'2027-06-01','destination':'Huế','reason':'x'}}"),
	    CUTRU_ENOTFOUND);
	ck_assert_int_eq(ap(db, &e, "{'type':'absence.recorded','data':{"
	    "'person':'" AN "','case':'holiday','from':'2026-04-01',"
	    "'to':'2027-06-01','destination':'Huế','reason':'x'}}"),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "data.case");
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM absences"), 1);
	sqlite3_close(db);
}
END_TEST

#define CONFIRM "{'type':'confirmation.issued','data':{'person':'%s'," \
	"'requester':'%s','issued':'%s','valid_until':'%s'}}"

START_TEST(confirmations_are_numbered_by_year)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	seed(db);
	ck_assert_int_eq(ap(db, &e, "[" CONFIRM "," CONFIRM "," CONFIRM "]",
	    AN, AN, "2026-12-30", "2027-01-29",
	    CUONG, BINH, "2026-12-31", "2027-01-30",
	    AN, DUNG, "2027-01-02", "2027-02-01"), CUTRU_OK);
	ck_assert_str_eq(qstr(db, "SELECT group_concat(year || '/' || number"
	    " || '/' || requester, ' ') FROM (SELECT * FROM confirmations"
	    " ORDER BY id)"),
	    "2026/1/" AN " 2026/2/" BINH " 2027/1/" DUNG);
	ck_assert_int_eq(ap(db, &e, CONFIRM, HOA, AN, "2027-01-02",
	    "2027-02-01"), CUTRU_ENOTFOUND);
	ck_assert_int_eq(ap(db, &e, CONFIRM, AN, AN, "2027-01-02",
	    "2027-01-01"), CUTRU_EINVAL);
	sqlite3_close(db);
}
END_TEST

/* ---- lists, transactions, arguments ---- */

START_TEST(a_list_applies_all_or_nothing)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	/* The third event names an unknown household. */
	ck_assert_int_eq(ap(db, &e, "[" PERSON "," PERSON "," MEMBER_ADDED "]",
	    AN, "Nguyễn Văn An", "1990", "male",
	    BINH, "Trần Thị Bình", "1992", "female",
	    "HK-404", BINH, "Vợ"), CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "[2].data.household");
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM persons"), 0);
	/* The same with a malformed third event. */
	ck_assert_int_eq(ap(db, &e, "[" PERSON "," PERSON ",{'type':'x'}]",
	    AN, "Nguyễn Văn An", "1990", "male",
	    BINH, "Trần Thị Bình", "1992", "female"), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "[2].type");
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM persons"), 0);
	/* An empty list is fine and does nothing. */
	ck_assert_int_eq(ap(db, &e, "[]"), CUTRU_OK);
	sqlite3_close(db);
}
END_TEST

START_TEST(a_refused_event_keeps_the_callers_transaction)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	ck_assert_int_eq(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(ap(db, &e, "[" PERSON "," OPEN_PERM "]", AN,
	    "Nguyễn Văn An", "1990", "male", AN, ADDR1, "2026-03-02"),
	    CUTRU_OK);
	/* Refused after it recorded a new address. */
	ck_assert_int_eq(ap(db, &e, OPEN_PERM, AN, ADDR2, "2026-03-01"),
	    CUTRU_ECONFLICT);
	ck_assert_int_eq(sqlite3_get_autocommit(db), 0);
	ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM persons"), 1);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM residences"), 1);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM addresses"), 1);
	sqlite3_close(db);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
	sqlite3 *db = fresh();
	struct cutru_err e;
	cJSON *ev = cJSON_Parse("{\"type\":\"person.upserted\",\"data\":{"
	    "\"id_number\":\"" AN "\",\"name\":\"An\",\"dob\":\"1990\","
	    "\"sex\":\"male\"}}");
	cJSON *list = cJSON_CreateArray();
	struct apply_ctx bad = ctx;
	int64_t v;

	ck_assert_int_eq(apply_event(NULL, ev, &ctx, &e), CUTRU_EINVAL);
	ck_assert_int_eq(apply_event(db, ev, NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(apply_event(db, NULL, &ctx, &e), CUTRU_EINVAL);
	ck_assert_int_eq(apply_events(db, ev, &ctx, &e), CUTRU_EINVAL);
	ck_assert_int_eq(apply_events(db, NULL, &ctx, &e), CUTRU_EINVAL);
	bad.date.prec = CUTRU_DATE_YEAR;
	bad.date.month = bad.date.day = 0;
	ck_assert_int_eq(apply_event(db, ev, &bad, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "date");
	bad = ctx;
	bad.date.day = 31;
	bad.date.month = 2;
	ck_assert_int_eq(apply_events(db, list, &bad, &e), CUTRU_EINVAL);
	bad = ctx;
	bad.dossier_id = -1;
	ck_assert_int_eq(apply_event(db, ev, &bad, &e), CUTRU_EINVAL);
	/* A NULL error is allowed. */
	ck_assert_int_eq(apply_event(db, ev, &ctx, NULL), CUTRU_OK);
	ck_assert_int_eq(apply_event(db, list, &ctx, NULL), CUTRU_EINVAL);
	ck_assert_int_eq(apply_person_version(NULL, AN, &v, &e), CUTRU_EINVAL);
	ck_assert_int_eq(apply_person_version(db, NULL, &v, &e), CUTRU_EINVAL);
	ck_assert_int_eq(apply_household_version(db, "HK-1", &v, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "HK-1"));
	cJSON_Delete(ev);
	cJSON_Delete(list);
	sqlite3_close(db);
}
END_TEST

START_TEST(events_carry_their_dossier)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO officers VALUES ('lan',"
	    " 'Lan', 'officer', 0, NULL, '2026-01-01');"
	    "INSERT INTO dossiers (id, number, procedure, received, due, state,"
	    " officer, request, events) VALUES (7, '1/PTN',"
	    " 'permanent.register', '2026-03-01', '2026-03-10', 'awaiting',"
	    " 'lan', x'00', x'00')", NULL, NULL, NULL), SQLITE_OK);
	ctx.dossier_id = 7;
	seed(db);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM residences"
	    " WHERE dossier_id = 7"), 3);
	ctx.dossier_id = 8;
	ck_assert_int_eq(ap(db, &e, CLOSE, CUONG, "permanent", "emigrated",
	    "2026-09-01", "2026-08-15"), CUTRU_ECONFLICT);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM residences"
	    " WHERE state = 'closed'"), 0);
	sqlite3_close(db);
}
END_TEST


/* ---- sessions ---- */

/* Every column of every row of table, in rowid order, as text (blobs in
 * hex); malloc'd. */
static char *
dump(sqlite3 *db, const char *table)
{
	char q[128], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	sqlite3_stmt *st;
	int i, k, n, m;

	ck_assert_ptr_nonnull(f);
	snprintf(q, sizeof q, "SELECT * FROM %s ORDER BY rowid", table);
	ck_assert_int_eq(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_count(st);
		for (i = 0; i < n; i++) {
			if (sqlite3_column_type(st, i) == SQLITE_BLOB) {
				const unsigned char *b = sqlite3_column_blob(st,
				    i);

				m = sqlite3_column_bytes(st, i);
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

static void
assert_same_register(sqlite3 *a, sqlite3 *b)
{
	static const char *const tables[] = {
		"persons", "addresses", "households", "household_members",
		"residences", "stays", "stay_guests", "absences",
		"confirmations", "person_corrections"
	};
	char *x, *y;
	size_t i;

	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		x = dump(a, tables[i]);
		y = dump(b, tables[i]);
		ck_assert_msg(strcmp(x, y) == 0, "%s differs:\n%s\n---\n%s",
		    tables[i], x, y);
		free(x);
		free(y);
	}
}

/* JSON with ' for ", parsed (the caller frees it). */
static cJSON *
parse(const char *text)
{
	char *buf = strdup(text), *p;
	cJSON *j;

	ck_assert_ptr_nonnull(buf);
	for (p = buf; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	j = cJSON_Parse(buf);
	ck_assert_msg(j != NULL, "bad test JSON: %.200s", buf);
	free(buf);
	return j;
}

/* A history that takes every path of the session's caches: persons and
 * households found and created, memberships joined, restated, moved,
 * ended by a change of head and by a closed residence, residences
 * opened, replaced, extended and closed, an identity re-keyed. */
static const struct {
	int y, m, d;
	const char *events;
} history[] = {
	{ 2026, 3, 2, "["
	  "{'type':'person.upserted','data':{'id_number':'" AN "','name':"
	  "'Nguyễn Văn An','dob':'1990-05-01','sex':'male'}},"
	  "{'type':'person.upserted','data':{'id_number':'" BINH "','name':"
	  "'Trần Thị Bình','dob':'1992','sex':'female'}},"
	  "{'type':'person.upserted','data':{'id_number':'" CUONG "','name':"
	  "'Nguyễn Văn Cường','dob':'2015-09','sex':'male'}},"
	  "{'type':'person.upserted','data':{'id_number':'" HOA "','name':"
	  "'Đặng Thị Hoà','dob':'1988-02','sex':'female'}},"
	  "{'type':'residence.opened','data':{'person':'" AN "','kind':"
	  "'permanent','address':{'commune':'00004','detail':'" ADDR1 "'},"
	  "'from':'2026-03-02'}},"
	  "{'type':'household.created','data':{'household':'HK-001','head':'"
	  AN "','address':{'commune':'00004','detail':'" ADDR1 "'}}},"
	  "{'type':'household.member_added','data':{'household':'HK-001',"
	  "'person':'" BINH "','relationship':'Vợ'}},"
	  "{'type':'household.member_added','data':{'household':'HK-001',"
	  "'person':'" CUONG "','relationship':'Con'}},"
	  "{'type':'residence.opened','data':{'person':'" BINH "','kind':"
	  "'permanent','address':{'commune':'00004','detail':'" ADDR1 "'},"
	  "'from':'2026-03-02'}},"
	  "{'type':'residence.opened','data':{'person':'" CUONG "','kind':"
	  "'permanent','address':{'commune':'00004','detail':'" ADDR1 "'},"
	  "'from':'2026-03-02'}},"
	  "{'type':'residence.opened','data':{'person':'" HOA "','kind':"
	  "'temporary','address':{'commune':'00004','detail':'" ADDR2 "'},"
	  "'from':'2026-03-02','to':'2027-01-01'}}]" },
	{ 2026, 4, 1, "["
	  "{'type':'residence.extended','data':{'person':'" HOA "','kind':"
	  "'temporary','to':'2027-06-01'}},"
	  "{'type':'household.member_added','data':{'household':'HK-001',"
	  "'person':'" CUONG "','relationship':'Con trai'}},"
	  "{'type':'person.upserted','data':{'id_number':'" BINH "','name':"
	  "'Trần Thị Bình','dob':'1992-07','sex':'female','phone':"
	  "'0912345678'}},"
	  "{'type':'household.created','data':{'household':'HK-002','head':'"
	  HOA "','address':{'commune':'00004','detail':'" ADDR2 "'}}},"
	  "{'type':'residence.opened','data':{'person':'" HOA "','kind':"
	  "'permanent','address':{'commune':'00004','detail':'" ADDR2 "'},"
	  "'from':'2026-04-01'}}]" },
	{ 2026, 5, 1, "["
	  "{'type':'household.head_changed','data':{'household':'HK-001',"
	  "'head':'" BINH "'}},"
	  "{'type':'household.member_removed','data':{'household':'HK-001',"
	  "'person':'" AN "'}},"
	  "{'type':'household.member_added','data':{'household':'HK-002',"
	  "'person':'" AN "','relationship':'Anh'}},"
	  "{'type':'identity.corrected','data':{'person':'" AN "',"
	  "'id_number':'" AN_NEW "','document_ref':'TL 1/2026'}},"
	  "{'type':'residence.opened','data':{'person':'" AN_NEW "','kind':"
	  "'permanent','address':{'commune':'00004','detail':'" ADDR2 "'},"
	  "'from':'2026-05-01'}}]" },
	{ 2026, 6, 1, "["
	  "{'type':'household.head_changed','data':{'household':'HK-001',"
	  "'head':'" CUONG "'}},"
	  "{'type':'residence.closed','data':{'person':'" BINH "','kind':"
	  "'permanent','ground':'emigrated','date':'2026-06-01',"
	  "'event_date':'2026-05-20'}},"
	  "{'type':'residence.closed','data':{'person':'" CUONG "','kind':"
	  "'permanent','ground':'emigrated','date':'2026-06-01',"
	  "'event_date':'2026-05-20'}},"
	  "{'type':'residence.closed','data':{'person':'" HOA "','kind':"
	  "'temporary','ground':'rental_ended','date':'2026-06-01',"
	  "'event_date':'2026-05-31'}}]" },
};

START_TEST(a_session_applies_as_one_call_per_list)
{
	sqlite3 *a = fresh(), *b = fresh();
	struct apply_session *s;
	struct cutru_err e;
	size_t i;
	cJSON *ev;
	int flags;

	for (flags = 0; flags <= (int)APPLY_NO_SAVEPOINT; flags++) {
		sqlite3_close(a);
		sqlite3_close(b);
		a = fresh();
		b = fresh();
		ck_assert_int_eq(apply_session_new(b, &s, &e), CUTRU_OK);
		if (flags & APPLY_NO_SAVEPOINT)
			ck_assert_int_eq(sqlite3_exec(b, "BEGIN", NULL, NULL,
			    NULL), SQLITE_OK);
		for (i = 0; i < sizeof history / sizeof history[0]; i++) {
			set_date(history[i].y, history[i].m, history[i].d);
			ev = parse(history[i].events);
			ck_assert_msg(apply_events(a, ev, &ctx, &e) == CUTRU_OK,
			    "list %zu: %s: %s", i, e.field, e.msg);
			ck_assert_int_eq(apply_session_list(s, &e), CUTRU_OK);
			ck_assert_msg(apply_session_events(s, ev, &ctx,
			    (unsigned)flags, NULL, &e) == CUTRU_OK,
			    "session, list %zu: %s: %s", i, e.field, e.msg);
			cJSON_Delete(ev);
		}
		if (flags & APPLY_NO_SAVEPOINT)
			ck_assert_int_eq(sqlite3_exec(b, "COMMIT", NULL, NULL,
			    NULL), SQLITE_OK);
		apply_session_free(s);
		assert_same_register(a, b);
	}
	/* The history did what it says: HK-001 was dissolved, An moved
	 * under his new number. */
	ck_assert_str_eq(qstr(b, "SELECT dissolved FROM households WHERE"
	    " number = 'HK-001'"), "2026-06-01");
	ck_assert_str_eq(qstr(b, "SELECT h.number || '|' || m.relationship"
	    " FROM household_members m JOIN households h ON h.id ="
	    " m.household_id WHERE m.person_id = %lld AND m.until IS NULL",
	    pid(b, AN_NEW)), "HK-002|Anh");
	sqlite3_close(a);
	sqlite3_close(b);
}
END_TEST

/* More persons than the session's person cache has slots. */
#define HOUSEHOLDS 700

START_TEST(a_session_outlives_its_caches)
{
	char buf[1024];
	sqlite3 *a = fresh(), *b = fresh();
	struct apply_session *s;
	struct cutru_err e;
	cJSON *ev;
	int i;

	/* Far more persons and households than the caches hold, and a
	 * second pass that comes back to the first ones. */
	ck_assert_int_eq(apply_session_new(b, &s, &e), CUTRU_OK);
	for (i = 0; i < 2 * HOUSEHOLDS; i++) {
		if (i < HOUSEHOLDS)
			snprintf(buf, sizeof buf, "[{'type':'person.upserted',"
			    "'data':{'id_number':'0010900%05d','name':'Nguyễn "
			    "Văn An','dob':'1990','sex':'male'}},"
			    "{'type':'household.created','data':{'household':"
			    "'HK-%d','head':'0010900%05d','address':{"
			    "'commune':'00004','detail':'Số %d'}}},"
			    "{'type':'residence.opened','data':{'person':"
			    "'0010900%05d','kind':'permanent','address':{"
			    "'commune':'00004','detail':'Số %d'},'from':"
			    "'2026-03-02'}}]", i, i, i, i, i, i);
		else
			snprintf(buf, sizeof buf, "[{'type':'person.upserted',"
			    "'data':{'id_number':'0011920%05d','name':'Trần "
			    "Thị Bình','dob':'1992','sex':'female'}},"
			    "{'type':'household.member_added','data':{"
			    "'household':'HK-%d','person':'0011920%05d',"
			    "'relationship':'Vợ'}},"
			    "{'type':'residence.opened','data':{'person':"
			    "'0011920%05d','kind':'permanent','address':{"
			    "'commune':'00004','detail':'Số %d'},'from':"
			    "'2026-03-02'}}]", i, i - HOUSEHOLDS, i, i,
			    i - HOUSEHOLDS);
		ev = parse(buf);
		ck_assert_int_eq(apply_events(a, ev, &ctx, &e), CUTRU_OK);
		ck_assert_msg(apply_session_events(s, ev, &ctx, 0, NULL, &e) ==
		    CUTRU_OK, "%d: %s", i, e.msg);
		cJSON_Delete(ev);
		/* One list per household in a, so in b as well. */
		if (i % 7 == 6 || i >= HOUSEHOLDS)
			ck_assert_int_eq(apply_session_list(s, &e), CUTRU_OK);
	}
	apply_session_free(s);
	/* Not the same lists, so versions may differ: compare the rest. */
	ck_assert_int_eq(qint(b, "SELECT count(*) FROM household_members"
	    " WHERE until IS NULL"), 2 * HOUSEHOLDS);
	ck_assert_int_eq(qint(b, "SELECT count(*) FROM residences r JOIN"
	    " household_members m ON m.person_id = r.person_id AND m.until IS"
	    " NULL AND m.household_id = r.household_id"), 2 * HOUSEHOLDS);
	ck_assert_int_eq(qint(a, "SELECT total(id + household_id + address_id)"
	    " FROM residences"), qint(b, "SELECT total(id + household_id +"
	    " address_id) FROM residences"));
	sqlite3_close(a);
	sqlite3_close(b);
}
END_TEST

START_TEST(a_session_forgets_what_a_rollback_undid)
{
	sqlite3 *db = fresh();
	struct apply_session *s;
	struct cutru_err e;
	cJSON *ev;

	ck_assert_int_eq(apply_session_new(db, &s, &e), CUTRU_OK);
	/* The person is recorded, then the list is refused. */
	ev = parse("[{'type':'person.upserted','data':{'id_number':'" AN "',"
	    "'name':'Nguyễn Văn An','dob':'1990','sex':'male'}},"
	    "{'type':'household.created','data':{'household':'HK-1','head':'"
	    AN "','address':{'commune':'00004','detail':'" ADDR1 "'}}},"
	    "{'type':'household.member_added','data':{'household':'HK-404',"
	    "'person':'" AN "','relationship':'Con'}}]");
	ck_assert_int_eq(apply_session_events(s, ev, &ctx, 0, NULL, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "[2].data.household");
	cJSON_Delete(ev);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM persons"), 0);
	/* Neither the person nor the household is known any more. */
	ev = parse("[{'type':'residence.opened','data':{'person':'" AN "',"
	    "'kind':'permanent','address':{'commune':'00004','detail':'"
	    ADDR1 "'},'from':'2026-03-02'}}]");
	ck_assert_int_eq(apply_session_events(s, ev, &ctx, 0, NULL, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, AN));
	cJSON_Delete(ev);
	ev = parse("[{'type':'household.member_added','data':{'household':"
	    "'HK-1','person':'" AN "','relationship':'Con'}}]");
	ck_assert_int_eq(apply_session_events(s, ev, &ctx, 0, NULL, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "[0].data.household");
	cJSON_Delete(ev);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM addresses"), 0);
	apply_session_free(s);
	sqlite3_close(db);
}
END_TEST

START_TEST(a_session_without_savepoints_stops_at_a_refusal)
{
	sqlite3 *db = fresh();
	struct apply_session *s;
	struct cutru_err e;
	cJSON *ok, *bad;

	ok = parse("[{'type':'person.upserted','data':{'id_number':'" AN "',"
	    "'name':'Nguyễn Văn An','dob':'1990','sex':'male'}}]");
	bad = parse("[{'type':'person.upserted','data':{'id_number':'" BINH
	    "','name':'Trần Thị Bình','dob':'1992','sex':'female'}},"
	    "{'type':'household.member_added','data':{'household':'HK-404',"
	    "'person':'" BINH "','relationship':'Vợ'}}]");
	ck_assert_int_eq(apply_session_new(db, &s, &e), CUTRU_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(apply_session_events(s, ok, &ctx, APPLY_NO_SAVEPOINT,
	    NULL, &e), CUTRU_OK);
	ck_assert_int_eq(apply_session_events(s, bad, &ctx,
	    APPLY_NO_SAVEPOINT, NULL, &e), CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "[1].data.household");
	/* No savepoint: the first event of the refused list stays, and the
	 * caller's transaction is what undoes it... */
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM persons"), 2);
	/* ... so the session takes nothing more. */
	ck_assert_int_eq(apply_session_events(s, ok, &ctx, 0, NULL, &e),
	    CUTRU_EINTERNAL);
	ck_assert_int_eq(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(qint(db, "SELECT count(*) FROM persons"), 0);
	apply_session_free(s);
	/* Arguments. */
	ck_assert_int_eq(apply_session_new(NULL, &s, &e), CUTRU_EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(apply_session_events(NULL, ok, &ctx, 0, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(apply_session_list(NULL, &e), CUTRU_EINVAL);
	apply_session_free(NULL);
	cJSON_Delete(ok);
	cJSON_Delete(bad);
	sqlite3_close(db);
}
END_TEST

/* The ID-number map: persons_id_number dropped, as a bulk load does, the
 * session still finds every person and enters each once, and the register
 * is the one the normal path makes. */
START_TEST(a_session_with_the_id_map)
{
	char buf[1024];
	sqlite3 *a = fresh(), *b = fresh();
	struct apply_session *s;
	struct cutru_err e;
	cJSON *ev;
	size_t i;
	int k;

	ck_assert_int_eq(apply_session_new(b, &s, &e), CUTRU_OK);
	ck_assert_int_eq(apply_session_id_map(s, &e), CUTRU_OK);
	ck_assert_int_eq(sqlite3_exec(b, "BEGIN; DROP INDEX persons_id_number",
	    NULL, NULL, NULL), SQLITE_OK);
	/* The first two lists of the history: persons found and created, a
	 * person restated (found by the map, updated), residences
	 * replaced. */
	for (i = 0; i < 2; i++) {
		set_date(history[i].y, history[i].m, history[i].d);
		ev = parse(history[i].events);
		ck_assert_int_eq(apply_events(a, ev, &ctx, &e), CUTRU_OK);
		ck_assert_int_eq(apply_session_list(s, &e), CUTRU_OK);
		ck_assert_msg(apply_session_events(s, ev, &ctx,
		    APPLY_NO_SAVEPOINT, NULL, &e) == CUTRU_OK, "list %zu: %s: %s",
		    i, e.field, e.msg);
		cJSON_Delete(ev);
	}
	/* More persons than the person cache holds, each named again in a
	 * later list: the map answers what the cache forgot. */
	for (k = 0; k < 2 * HOUSEHOLDS; k++) {
		if (k < HOUSEHOLDS)
			snprintf(buf, sizeof buf, "[{'type':'person.upserted',"
			    "'data':{'id_number':'0010900%05d','name':'Nguyễn "
			    "Văn An','dob':'1990','sex':'male'}}]", k);
		else
			snprintf(buf, sizeof buf, "[{'type':'person.upserted',"
			    "'data':{'id_number':'0010900%05d','name':'Nguyễn "
			    "Văn An','dob':'1990-02','sex':'male'}},"
			    "{'type':'residence.opened','data':{'person':"
			    "'0010900%05d','kind':'permanent','address':{"
			    "'commune':'00004','detail':'Số %d'},'from':"
			    "'2026-04-02'}}]", k - HOUSEHOLDS, k - HOUSEHOLDS,
			    k);
		ev = parse(buf);
		ck_assert_int_eq(apply_events(a, ev, &ctx, &e), CUTRU_OK);
		ck_assert_int_eq(apply_session_list(s, &e), CUTRU_OK);
		ck_assert_msg(apply_session_events(s, ev, &ctx,
		    APPLY_NO_SAVEPOINT, NULL, &e) == CUTRU_OK, "%d: %s", k,
		    e.msg);
		cJSON_Delete(ev);
	}
	/* The index comes back over exactly one row per number. */
	ck_assert_int_eq(sqlite3_exec(b, "CREATE UNIQUE INDEX persons_id_number"
	    " ON persons (id_number); COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_same_register(a, b);
	ck_assert_int_eq(qint(b, "SELECT count(*) FROM persons"),
	    4 + HOUSEHOLDS);
	/* A person the map does not have is not in the register... */
	ev = parse("[{'type':'residence.opened','data':{'person':'" AN_NEW
	    "','kind':'permanent','address':{'commune':'00004','detail':'"
	    ADDR1 "'},'from':'2026-03-02'}}]");
	ck_assert_int_eq(apply_session_events(s, ev, &ctx, 0, NULL, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, AN_NEW));
	/* ... and after a failure, even undone by its savepoint, the map
	 * may hold what was undone: the session takes nothing more. */
	ck_assert_int_eq(apply_session_events(s, ev, &ctx, 0, NULL, &e),
	    CUTRU_EINTERNAL);
	cJSON_Delete(ev);
	apply_session_free(s);

	/* Only into a register without persons. */
	ck_assert_int_eq(apply_session_new(b, &s, &e), CUTRU_OK);
	ck_assert_int_eq(apply_session_id_map(s, &e), CUTRU_EINVAL);
	apply_session_free(s);
	ck_assert_int_eq(apply_session_id_map(NULL, &e), CUTRU_EINVAL);
	sqlite3_close(b);

	/* No identity corrections: the map cannot re-key a person. */
	b = fresh();
	ck_assert_int_eq(apply_session_new(b, &s, &e), CUTRU_OK);
	ck_assert_int_eq(apply_session_id_map(s, &e), CUTRU_OK);
	ev = parse("[{'type':'person.upserted','data':{'id_number':'" AN "',"
	    "'name':'Nguyễn Văn An','dob':'1990','sex':'male'}},"
	    "{'type':'identity.corrected','data':{'person':'" AN "',"
	    "'id_number':'" AN_NEW "','document_ref':'TL 1/2026'}}]");
	ck_assert_int_eq(apply_session_events(s, ev, &ctx, 0, NULL, &e),
	    CUTRU_EINTERNAL);
	ck_assert_str_eq(e.field, "[1].type");
	cJSON_Delete(ev);
	ck_assert_int_eq(qint(b, "SELECT count(*) FROM persons"), 0);
	apply_session_free(s);
	sqlite3_close(a);
	sqlite3_close(b);
}
END_TEST

START_TEST(a_session_records_the_bytes_it_applies)
{
	sqlite3 *db = fresh();
	struct canon_buf out = { NULL, 0, 0 };
	struct apply_session *s;
	struct cutru_err e;
	cJSON *ev, *back, *item;
	char *one, *want = NULL;
	size_t n, wlen = 0;
	FILE *f;

	ck_assert_int_eq(apply_session_new(db, &s, &e), CUTRU_OK);
	ev = parse(history[0].events);
	ck_assert_int_eq(apply_session_events(s, ev, &ctx, 0, &out, &e),
	    CUTRU_OK);
	/* Each event's canonical encoding, joined by commas. */
	f = open_memstream(&want, &wlen);
	for (item = ev->child; item != NULL; item = item->next) {
		ck_assert_int_eq(canon_encode(item, &one, &n, &e), CUTRU_OK);
		fprintf(f, "%s%s", item == ev->child ? "" : ",", one);
		free(one);
	}
	fclose(f);
	ck_assert_uint_eq(out.len, wlen);
	ck_assert(memcmp(out.p, want, wlen) == 0);
	free(want);
	cJSON_Delete(ev);
	/* A refused list adds nothing. */
	n = out.len;
	ev = parse("[{'type':'residence.opened','data':{'person':'" DUNG "',"
	    "'kind':'permanent','address':{'commune':'00004','detail':'x'},"
	    "'from':'2026-03-02'}}]");
	ck_assert_int_eq(apply_session_events(s, ev, &ctx, 0, &out, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_uint_eq(out.len, n);
	cJSON_Delete(ev);
	/* Text typed in NFD: the bytes are NFC, and so is the register. */
	ev = parse("[{'type':'residence.opened','data':{'person':'" AN "',"
	    "'kind':'temporary','address':{'commune':'00004','detail':"
	    "'Phố Hue\xcc\x82\xcc\x81'},'from':'2026-03-02','to':"
	    "'2026-09-01'}}]");
	ck_assert_int_eq(apply_session_events(s, ev, &ctx, 0, &out, &e),
	    CUTRU_OK);
	ck_assert_int_eq(canon_parse(out.p + n + 1, out.len - n - 1, NULL,
	    CANON_REQUIRE_CANONICAL, &back, &e), CUTRU_OK);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(back, "data"), "address"), "detail")->
	    valuestring, "Phố Huế");
	ck_assert_str_eq(qstr(db, "SELECT detail FROM addresses WHERE id ="
	    " (SELECT address_id FROM residences WHERE kind = 'temporary'"
	    " AND person_id = %lld)", pid(db, AN)), "Phố Huế");
	cJSON_Delete(back);
	cJSON_Delete(ev);
	canon_buf_free(&out);
	apply_session_free(s);
	sqlite3_close(db);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("apply");
	TCase *tc = tcase_create("apply");

	/* The session and batch cases apply thousands of lists, which
	 * sanitizers on a shared machine make slow. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, person_upserted_creates_with_name_columns);
	tcase_add_test(tc, person_upserted_updates_only_what_changed);
	tcase_add_test(tc, person_upserted_refuses_what_validation_refuses);
	tcase_add_test(tc, person_upserted_records_the_legacy_cmnd);
	tcase_add_test(tc, household_created_with_head_as_first_member);
	tcase_add_test(tc, household_created_refusals);
	tcase_add_test(tc,
	    member_added_moves_the_person_and_refuses_a_second_head);
	tcase_add_test(tc, member_removed_and_the_head_rule);
	tcase_add_test(tc, head_changed_needs_membership);
	tcase_add_test(tc, a_sole_head_who_moves_dissolves_the_household);
	tcase_add_test(tc, second_permanent_residence_replaces_the_first);
	tcase_add_test(tc, temporary_residence_needs_an_end_within_two_years);
	tcase_add_test(tc, temporary_residence_extended);
	tcase_add_test(tc, closing_permanent_residence_ends_membership);
	tcase_add_test(tc, identity_corrected_rekeys_the_person);
	tcase_add_test(tc, stay_with_citizen_and_foreign_guests);
	tcase_add_test(tc, absence_recorded);
	tcase_add_test(tc, confirmations_are_numbered_by_year);
	tcase_add_test(tc, a_list_applies_all_or_nothing);
	tcase_add_test(tc, a_refused_event_keeps_the_callers_transaction);
	tcase_add_test(tc, bad_arguments_are_refused);
	tcase_add_test(tc, events_carry_their_dossier);
	tcase_add_test(tc, a_session_applies_as_one_call_per_list);
	tcase_add_test(tc, a_session_outlives_its_caches);
	tcase_add_test(tc, a_session_forgets_what_a_rollback_undid);
	tcase_add_test(tc, a_session_without_savepoints_stops_at_a_refusal);
	tcase_add_test(tc, a_session_with_the_id_map);
	tcase_add_test(tc, a_session_records_the_bytes_it_applies);
	suite_add_tcase(s, tc);
	return s;
}
