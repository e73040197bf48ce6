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
	/* A dissolved household takes no one. */
	ck_assert_int_eq(ap(db, &e, MEMBER_ADDED, "HK-001", BINH, "Vợ"),
	    CUTRU_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "dissolved"));
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

Suite *
test_suite(void)
{
	Suite *s = suite_create("apply");
	TCase *tc = tcase_create("apply");

	tcase_add_test(tc, person_upserted_creates_with_name_columns);
	tcase_add_test(tc, person_upserted_updates_only_what_changed);
	tcase_add_test(tc, person_upserted_refuses_what_validation_refuses);
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
	suite_add_tcase(s, tc);
	return s;
}
