#include "config.h"

/* localdb/register.c: a person's whole history, a household past and
 * present, the temporary residences about to end and a report, read from
 * a plain in-memory register that the one code path (apply_events())
 * filled; the query plans of every statement they run; and the session
 * entry points of import and export on a real encrypted store. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "core/procedure.h"
#include "localdb/apply.h"
#include "localdb/officer.h"
#include "localdb/register.h"
#include "localdb/schema.h"
#include "tests/tools/sessiontest.h"
#include "tests/unit/tap_main.h"

#define AN "001090012345"     /* male, 1990 */
#define AN_NEW "001090099999" /* An's number after a correction */
#define BINH "001192000001"   /* female, 1992 */
#define CUONG "001215000002"  /* male, 2015 */
#define DUNG "079085000003"   /* male, 1985 */
#define HOA "001188000004"    /* female, 1988 */
#define GIANG "001195000005"  /* female, 1995 */

#define ADDR1 "Số 12 ngõ 34 phố Hàng Bạc"
#define ADDR2 "Số 5 phố Huế"
#define ADDR3 "Phòng 2 số 40 phố Hàng Bè"
#define ADDR4 "Số 9 ngõ Tạm Thương"
#define ADDR5 "Số 1 phố Lò Sũ"

/* Event templates; ' stands for ". */
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
#define OPEN "{'type':'residence.opened','data':{'person':'%s'," \
	"'kind':'%s','address':{'commune':'00004','detail':'%s'}," \
	"'from':'%s'}}"
#define OPEN_TEMP "{'type':'residence.opened','data':{'person':'%s'," \
	"'kind':'temporary','address':{'commune':'00004','detail':'%s'}," \
	"'from':'%s','to':'%s'}}"
#define CLOSE "{'type':'residence.closed','data':{'person':'%s'," \
	"'kind':'%s','ground':'%s','date':'%s','event_date':'%s'%s}}"

static struct apply_ctx ctx;

static sqlite3 *
fresh(void)
{
	sqlite3 *db = NULL;
	struct cutru_err e;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_msg(schema_migrate(db, &e) == CUTRU_OK, "%s", e.msg);
	memset(&ctx, 0, sizeof ctx);
	ctx.date.prec = CUTRU_DATE_DAY;
	ctx.actor = "lan";
	ctx.at = "2026-11-27T03:00:00Z";
	return db;
}

static void
on(int y, int m, int d)
{
	ctx.date.year = y;
	ctx.date.month = m;
	ctx.date.day = d;
}

/* Apply the events (one object or an array) written by fmt, with '
 * standing for ", through apply_events(); asserts success. */
static void ap(sqlite3 *db, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ap(sqlite3 *db, const char *fmt, ...)
{
	static char buf[1 << 16];
	struct cutru_err e;
	va_list va;
	cJSON *j, *arr;
	char *p;

	va_start(va, fmt);
	vsnprintf(buf, sizeof buf, fmt, va);
	va_end(va);
	for (p = buf; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	j = cJSON_Parse(buf);
	ck_assert_msg(j != NULL, "bad test JSON: %.200s", buf);
	if (cJSON_IsArray(j))
		arr = j;
	else {
		ck_assert_ptr_nonnull(arr = cJSON_CreateArray());
		cJSON_AddItemToArray(arr, j);
	}
	ck_assert_msg(apply_events(db, arr, &ctx, &e) == CUTRU_OK,
	    "%s (%s): %.200s", e.msg, e.field, buf);
	cJSON_Delete(arr);
}

static void
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", sql, msg != NULL ? msg : "");
}

/* Two officers and dossiers numbered 1/2024/PTN (id 1) and 9/2025/PTN
 * (id 2), for the events that carry one out. */
static void
desk(sqlite3 *db)
{
	exec(db, "INSERT INTO officers (login, name, role, created) VALUES"
	    " ('lan', 'Trần Thị Lan', 'officer', '2024-01-01T00:00:00Z'),"
	    " ('minh', 'Lê Văn Minh', 'supervisor', '2024-01-01T00:00:00Z')");
	exec(db, "INSERT INTO dossiers (id, number, procedure, received, due,"
	    " state, officer, supervisor, decided, request, events) VALUES"
	    " (1, '1/2024/PTN', 'temporary.register', '2024-02-26',"
	    " '2024-02-29', 'approved', 'lan', 'minh', '2024-02-28', x'7b7d',"
	    " x'5b5d'),"
	    " (2, '9/2025/PTN', 'temporary.delete', '2025-06-25',"
	    " '2025-06-27', 'approved', 'lan', 'minh', '2025-06-30', x'7b7d',"
	    " x'5b5d')");
}

/* The life of An's family, from 2020 to 2026. */
static sqlite3 *
family(void)
{
	sqlite3 *db = fresh();

	desk(db);
	on(2020, 1, 10);
	ap(db, "[" PERSON "," PERSON "," PERSON "," PERSON "," PERSON "]",
	    AN, "Nguyễn Văn An", "1990-05-01", "male",
	    BINH, "Trần Thị Bình", "1992", "female",
	    CUONG, "Nguyễn Văn Cường", "2015-03", "male",
	    DUNG, "Lê Văn Dũng", "1985-07-07", "male",
	    HOA, "Phạm Thị Hoa", "1988", "female");
	ap(db, "[" HH_CREATED "," MEMBER_ADDED "," MEMBER_ADDED "," OPEN ","
	    OPEN "]", "H1", AN, ADDR1, "H1", BINH, "vợ", "H1", CUONG, "con",
	    AN, "permanent", ADDR1, "2020-01-10",
	    BINH, "permanent", ADDR1, "2020-01-10");
	/* A temporary residence carried out by dossier 1/2024/PTN, then
	 * replaced by another. */
	on(2024, 2, 28);
	ctx.dossier_id = 1;
	ap(db, OPEN_TEMP, AN, ADDR2, "2024-03-01", "2025-03-01");
	ctx.dossier_id = 0;
	on(2024, 9, 1);
	ap(db, OPEN_TEMP, AN, ADDR3, "2024-09-01", "2026-09-01");
	on(2025, 5, 5);
	ap(db, OPEN, AN, "current", ADDR4, "2025-05-05");
	/* Hoa's temporary residence, deleted by dossier 9/2025/PTN. */
	on(2025, 1, 1);
	ap(db, OPEN_TEMP, HOA, ADDR2, "2025-01-01", "2026-01-01");
	on(2025, 6, 30);
	ctx.dossier_id = 2;
	ap(db, CLOSE, HOA, "temporary", "rental_ended", "2025-06-30",
	    "2025-06-15", ",'document_ref':'HĐ 12/2025'");
	ctx.dossier_id = 0;
	/* A stay An hosted, an absence, a confirmation. */
	on(2025, 12, 20);
	ap(db, "{'type':'stay.recorded','data':{'host':'%s','address':{"
	    "'commune':'00004','detail':'%s'},'from':'2025-12-20',"
	    "'to':'2025-12-25','guests':[{'name':'Vũ Thị Thu','dob':'1999',"
	    "'sex':'female','id_number':'036199008888'},{'name':'John Smith',"
	    "'dob':'1980-02','sex':'male','passport':'C1234567',"
	    "'nationality':'US'}]}}", AN, ADDR1);
	on(2026, 1, 2);
	ap(db, "{'type':'absence.recorded','data':{'person':'%s',"
	    "'case':'long_absence','from':'2026-01-05','to':'2027-01-05',"
	    "'destination':'Thành phố Hồ Chí Minh','reason':'Đi làm'}}", AN);
	on(2026, 1, 5);
	ap(db, "{'type':'confirmation.issued','data':{'person':'%s',"
	    "'requester':'%s','issued':'2026-01-05','valid_until':"
	    "'2026-07-05','content':'Xác nhận thường trú'}}", AN, AN);
	/* Bình becomes head; An joins Dũng's new household. */
	on(2026, 2, 1);
	ap(db, HEAD_CHANGED, "H1", BINH);
	on(2026, 3, 1);
	ap(db, "[" HH_CREATED "," MEMBER_ADDED "]", "H2", DUNG, ADDR5, "H2",
	    AN, "em");
	return db;
}

START_TEST(a_person_with_every_residence_ever)
{
	struct register_person p;
	const struct register_residence *r;
	struct cutru_err e;
	sqlite3 *db = family();

	ck_assert_msg(register_person_show(db, AN, &p, &e) == CUTRU_OK, "%s",
	    e.msg);
	ck_assert_str_eq(p.id_number, AN);
	ck_assert_str_eq(p.name, "Nguyễn Văn An");
	ck_assert_int_eq(p.dob.year, 1990);
	ck_assert_int_eq(p.dob.prec, CUTRU_DATE_DAY);
	ck_assert_int_eq(p.sex, CUTRU_SEX_MALE);
	ck_assert_str_eq(p.cmnd, "");
	ck_assert_ptr_null(p.phone);
	ck_assert_str_eq(p.nationality, "VN");
	ck_assert_uint_eq(p.n_residences, 4);
	/* Active first, permanent, temporary, current ... */
	r = p.residences;
	ck_assert_str_eq(r[0].kind, "permanent");
	ck_assert_str_eq(r[0].state, "active");
	ck_assert_str_eq(r[0].from, "2020-01-10");
	ck_assert_str_eq(r[0].to, "");
	ck_assert_str_eq(r[0].household, "H1");
	ck_assert_str_eq(r[0].address.detail, ADDR1);
	ck_assert_str_eq(r[0].address.commune, "00004");
	ck_assert_str_eq(r[1].kind, "temporary");
	ck_assert_str_eq(r[1].state, "active");
	ck_assert_str_eq(r[1].to, "2026-09-01");
	ck_assert_str_eq(r[1].address.detail, ADDR3);
	ck_assert_str_eq(r[1].dossier, "");
	ck_assert_str_eq(r[2].kind, "current");
	ck_assert_str_eq(r[2].address.detail, ADDR4);
	/* ... then the one the later temporary residence replaced, with the
	 * dossier that opened it. */
	ck_assert_str_eq(r[3].kind, "temporary");
	ck_assert_str_eq(r[3].state, "replaced");
	ck_assert_str_eq(r[3].from, "2024-03-01");
	ck_assert_str_eq(r[3].to, "2025-03-01");
	ck_assert_str_eq(r[3].ended, "2024-09-01");
	ck_assert_str_eq(r[3].ground, "");
	ck_assert_str_eq(r[3].dossier, "1/2024/PTN");
	ck_assert_ptr_eq(p.shown, &p.residences[0]);
	register_person_free(&p);
	ck_assert_ptr_null(p.residences);

	/* A deleted residence: its ground, dates, document and dossier. */
	ck_assert_int_eq(register_person_show(db, HOA, &p, &e), CUTRU_OK);
	ck_assert_uint_eq(p.n_residences, 1);
	r = p.residences;
	ck_assert_str_eq(r[0].state, "closed");
	ck_assert_str_eq(r[0].ground, "rental_ended");
	ck_assert_str_eq(r[0].ended, "2025-06-30");
	ck_assert_str_eq(r[0].event_date, "2025-06-15");
	ck_assert_str_eq(r[0].document_ref, "HĐ 12/2025");
	ck_assert_str_eq(r[0].closed_dossier, "9/2025/PTN");
	ck_assert_str_eq(r[0].dossier, "");
	/* Nothing active: nothing to show in a list, and no household. */
	ck_assert_ptr_null(p.shown);
	ck_assert_ptr_null(p.household);
	ck_assert_uint_eq(p.n_memberships, 0);
	register_person_free(&p);
	sqlite3_close(db);
}
END_TEST

START_TEST(a_person_with_households_stays_absences_and_confirmations)
{
	struct register_person p;
	const struct register_membership *m;
	struct cutru_err e;
	sqlite3 *db = family();

	ck_assert_int_eq(register_person_show(db, AN, &p, &e), CUTRU_OK);
	/* Now in Dũng's household; before, head of H1 and then a member
	 * whose relationship nobody restated. */
	ck_assert_uint_eq(p.n_memberships, 3);
	m = p.memberships;
	ck_assert_ptr_eq(p.household, &m[0]);
	ck_assert_str_eq(m[0].household, "H2");
	ck_assert_str_eq(m[0].relationship, "em");
	ck_assert_str_eq(m[0].since, "2026-03-01");
	ck_assert_str_eq(m[0].until, "");
	ck_assert_str_eq(m[0].head_id, DUNG);
	ck_assert_str_eq(m[0].head_name, "Lê Văn Dũng");
	ck_assert_str_eq(m[0].address.detail, ADDR5);
	ck_assert_str_eq(m[1].household, "H1");
	ck_assert_ptr_null(m[1].relationship);
	ck_assert_str_eq(m[1].since, "2026-02-01");
	ck_assert_str_eq(m[1].until, "2026-03-01");
	ck_assert_str_eq(m[1].head_id, BINH);
	ck_assert_str_eq(m[2].relationship, "head");
	ck_assert_str_eq(m[2].since, "2020-01-10");
	ck_assert_str_eq(m[2].until, "2026-02-01");
	/* The stay he hosted, with a citizen and a foreigner. */
	ck_assert_uint_eq(p.n_stays, 1);
	ck_assert_str_eq(p.stays[0].from, "2025-12-20");
	ck_assert_str_eq(p.stays[0].to, "2025-12-25");
	ck_assert_str_eq(p.stays[0].address.detail, ADDR1);
	ck_assert_uint_eq(p.stays[0].n_guests, 2);
	ck_assert_str_eq(p.stays[0].guests[0].name, "Vũ Thị Thu");
	ck_assert_str_eq(p.stays[0].guests[0].id_number, "036199008888");
	ck_assert_str_eq(p.stays[0].guests[0].passport, "");
	ck_assert_int_eq(p.stays[0].guests[0].sex, CUTRU_SEX_FEMALE);
	ck_assert_str_eq(p.stays[0].guests[1].passport, "C1234567");
	ck_assert_str_eq(p.stays[0].guests[1].nationality, "US");
	ck_assert_str_eq(p.stays[0].guests[1].dob, "1980-02");
	ck_assert_uint_eq(p.n_absences, 1);
	ck_assert_str_eq(p.absences[0].case_id, "long_absence");
	ck_assert_str_eq(p.absences[0].destination, "Thành phố Hồ Chí Minh");
	ck_assert_str_eq(p.absences[0].reason, "Đi làm");
	ck_assert_str_eq(p.absences[0].to, "2027-01-05");
	ck_assert_uint_eq(p.n_confirmations, 1);
	ck_assert_int_eq(p.confirmations[0].year, 2026);
	ck_assert_int_eq(p.confirmations[0].number, 1);
	ck_assert_str_eq(p.confirmations[0].requester, AN);
	ck_assert_str_eq(p.confirmations[0].valid_until, "2026-07-05");
	ck_assert_str_eq(p.confirmations[0].content, "Xác nhận thường trú");
	ck_assert_uint_eq(p.n_corrections, 0);
	register_person_free(&p);
	/* Bình's history: a member, then the head. */
	ck_assert_int_eq(register_person_show(db, BINH, &p, &e), CUTRU_OK);
	ck_assert_str_eq(p.household->relationship, "head");
	ck_assert_str_eq(p.memberships[1].relationship, "vợ");
	ck_assert_uint_eq(p.n_stays + p.n_absences + p.n_confirmations, 0);
	register_person_free(&p);
	sqlite3_close(db);
}
END_TEST

START_TEST(a_corrected_id_number_keeps_the_history)
{
	struct register_person p;
	struct cutru_err e;
	sqlite3 *db = family();

	on(2026, 4, 1);
	ap(db, "{'type':'identity.corrected','data':{'person':'%s',"
	    "'id_number':'%s','name':'Nguyễn Văn Ân','document_ref':"
	    "'Trích lục khai sinh 5/2026'}}", AN, AN_NEW);
	ck_assert_int_eq(register_person_show(db, AN, &p, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_str_eq(e.field, "id_number");
	ck_assert_ptr_nonnull(strstr(e.msg, "corrected to " AN_NEW));
	ck_assert_ptr_null(p.name);
	ck_assert_int_eq(register_person_show(db, AN_NEW, &p, &e), CUTRU_OK);
	ck_assert_str_eq(p.name, "Nguyễn Văn Ân");
	ck_assert_uint_eq(p.n_corrections, 1);
	ck_assert_str_eq(p.corrections[0].old_id_number, AN);
	ck_assert_str_eq(p.corrections[0].old_name, "Nguyễn Văn An");
	ck_assert_str_eq(p.corrections[0].old_dob, "");
	ck_assert_int_eq(p.corrections[0].old_sex, -1);
	ck_assert_str_eq(p.corrections[0].document_ref,
	    "Trích lục khai sinh 5/2026");
	ck_assert_str_eq(p.corrections[0].corrected, "2026-04-01");
	/* The rows follow the person; the stay, recorded under the old
	 * number, is still his. */
	ck_assert_uint_eq(p.n_residences, 4);
	ck_assert_uint_eq(p.n_stays, 1);
	ck_assert_uint_eq(p.n_absences, 1);
	register_person_free(&p);
	sqlite3_close(db);
}
END_TEST

START_TEST(person_show_refuses_what_is_not_an_id_number)
{
	static const char *const bad[] = {
		"", "00109001234", "0010900123456", "00109001234a",
		"００１０９００１２３４５", "001090 12345", "\377\3760010900123",
		"' OR 1=1 --"
	};
	struct register_person p;
	struct cutru_err e;
	sqlite3 *db = family();
	char *big;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cutru_err_clear(&e);
		ck_assert_int_eq(register_person_show(db, bad[i], &p, &e),
		    CUTRU_EINVAL);
		ck_assert_str_eq(e.field, "id_number");
		ck_assert_ptr_null(p.name);
	}
	ck_assert_int_eq(register_person_show(db, NULL, &p, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(big = malloc(1 << 20));
	memset(big, '1', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	ck_assert_int_eq(register_person_show(db, big, &p, &e), CUTRU_EINVAL);
	free(big);
	ck_assert_int_eq(register_person_show(db, "001099999999", &p, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "001099999999"));
	ck_assert_int_eq(register_person_show(NULL, AN, &p, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(register_person_show(db, AN, NULL, &e),
	    CUTRU_EINVAL);
	register_person_free(NULL);
	sqlite3_close(db);
}
END_TEST

START_TEST(long_text_in_the_store_comes_back_whole)
{
	struct register_person p;
	struct cutru_err e;
	sqlite3 *db = family();
	char *big, sql[200];
	sqlite3_stmt *st;
	size_t len = 1 << 20;

	/* A damaged or hand-edited store may hold more than an event
	 * allows: a megabyte address. */
	ck_assert_ptr_nonnull(big = malloc(len + 1));
	memset(big, 'x', len);
	big[len] = '\0';
	snprintf(sql, sizeof sql, "UPDATE addresses SET detail = ?1"
	    " WHERE detail = '%s'", ADDR3);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, big, (int)len, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	ck_assert_int_eq(register_person_show(db, AN, &p, &e), CUTRU_OK);
	ck_assert_uint_eq(strlen(p.residences[1].address.detail), len);
	ck_assert_str_eq(p.residences[2].address.detail, ADDR4);
	ck_assert_str_eq(p.residences[0].address.detail, ADDR1);
	register_person_free(&p);
	free(big);
	sqlite3_close(db);
}
END_TEST

START_TEST(a_household_with_its_members_past_and_present)
{
	struct register_household h;
	struct cutru_err e;
	sqlite3 *db = family();

	ck_assert_msg(register_household_show(db, "H1", &h, &e) == CUTRU_OK,
	    "%s", e.msg);
	ck_assert_str_eq(h.number, "H1");
	ck_assert_str_eq(h.address.detail, ADDR1);
	ck_assert_str_eq(h.address.commune, "00004");
	ck_assert_str_eq(h.head_id, BINH);
	ck_assert_str_eq(h.head_name, "Trần Thị Bình");
	ck_assert_str_eq(h.created, "2020-01-10");
	ck_assert_str_eq(h.dissolved, "");
	/* The head first, then in the order they joined. */
	ck_assert_uint_eq(h.n_members, 2);
	ck_assert_str_eq(h.members[0].id_number, BINH);
	ck_assert_str_eq(h.members[0].relationship, "head");
	ck_assert_str_eq(h.members[0].since, "2026-02-01");
	ck_assert_str_eq(h.members[1].id_number, CUONG);
	ck_assert_str_eq(h.members[1].relationship, "con");
	ck_assert_int_eq(h.members[1].dob.prec, CUTRU_DATE_MONTH);
	ck_assert_int_eq(h.members[1].sex, CUTRU_SEX_MALE);
	/* Ended memberships, the latest ended first: An twice, Bình's time
	 * as a wife. */
	ck_assert_uint_eq(h.n_past, 3);
	ck_assert_str_eq(h.past[0].id_number, AN);
	ck_assert_str_eq(h.past[0].until, "2026-03-01");
	ck_assert_ptr_null(h.past[0].relationship);
	ck_assert_str_eq(h.past[1].until, "2026-02-01");
	ck_assert_str_eq(h.past[2].until, "2026-02-01");
	ck_assert(strcmp(h.past[1].id_number, h.past[2].id_number) != 0);
	register_household_free(&h);
	ck_assert_ptr_null(h.members);

	/* A household whose last member left is dissolved, and still
	 * shown. */
	on(2026, 5, 1);
	ap(db, "[" MEMBER_REMOVED "," MEMBER_ADDED "," MEMBER_REMOVED "]",
	    "H1", CUONG, "H2", BINH, "vợ", "H2", BINH);
	ck_assert_int_eq(register_household_show(db, "H1", &h, &e), CUTRU_OK);
	ck_assert_str_eq(h.dissolved, "2026-05-01");
	ck_assert_uint_eq(h.n_members, 0);
	ck_assert_uint_eq(h.n_past, 5);
	ck_assert_str_eq(h.head_id, BINH);
	register_household_free(&h);
	sqlite3_close(db);
}
END_TEST

START_TEST(household_show_refusals)
{
	static const char *const bad[] = {
		"", "HB 7", "HB_7", "Hộ-1", "\xff", "H1;DROP TABLE persons",
		"123456789012345678901234567890123"
	};
	struct register_household h;
	struct cutru_err e;
	sqlite3 *db = family();
	char *big;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(register_household_show(db, bad[i], &h, &e),
		    CUTRU_EINVAL);
		ck_assert_str_eq(e.field, "household");
	}
	ck_assert_int_eq(register_household_show(db, NULL, &h, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(big = malloc(1 << 20));
	memset(big, 'H', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	ck_assert_int_eq(register_household_show(db, big, &h, &e),
	    CUTRU_EINVAL);
	free(big);
	ck_assert_int_eq(register_household_show(db, "HB-9", &h, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "HB-9"));
	ck_assert_ptr_null(h.members);
	/* Numbers are exact: h1 is not H1. */
	ck_assert_int_eq(register_household_show(db, "h1", &h, &e),
	    CUTRU_ENOTFOUND);
	ck_assert_int_eq(register_household_show(NULL, "H1", &h, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(register_household_show(db, "H1", NULL, &e),
	    CUTRU_EINVAL);
	register_household_free(NULL);
	sqlite3_close(db);
}
END_TEST

/* ---- Residences that end soon ---- */

static const struct cutru_date today = { 2026, 11, 27, CUTRU_DATE_DAY };

static sqlite3 *
tenants(void)
{
	sqlite3 *db = fresh();

	on(2026, 1, 1);
	ap(db, "[" PERSON "," PERSON "," PERSON "," PERSON "," PERSON ","
	    PERSON "]", AN, "Nguyễn Văn An", "1990", "male",
	    BINH, "Trần Thị Bình", "1992", "female",
	    CUONG, "Nguyễn Văn Cường", "2015", "male",
	    DUNG, "Lê Văn Dũng", "1985", "male",
	    HOA, "Phạm Thị Hoa", "1988", "female",
	    GIANG, "Đỗ Thu Giang", "1995", "female");
	/* Ended a week ago but still registered; ends in 30 days (twice);
	 * ends in 31 days. */
	ap(db, OPEN_TEMP, AN, ADDR1, "2025-01-01", "2026-11-20");
	ap(db, OPEN_TEMP, DUNG, ADDR2, "2025-12-27", "2026-12-27");
	ap(db, OPEN_TEMP, BINH, ADDR3, "2025-01-01", "2026-12-27");
	ap(db, OPEN_TEMP, CUONG, ADDR4, "2025-01-01", "2026-12-28");
	/* Replaced, closed, permanent: never listed. */
	ap(db, OPEN_TEMP, HOA, ADDR1, "2025-01-01", "2026-12-01");
	ap(db, OPEN_TEMP, HOA, ADDR2, "2026-01-01", "2027-06-01");
	ap(db, OPEN_TEMP, GIANG, ADDR5, "2025-01-01", "2026-12-02");
	ap(db, CLOSE, GIANG, "temporary", "rental_ended", "2026-01-01",
	    "2025-12-31", "");
	ap(db, OPEN, GIANG, "permanent", ADDR5, "2026-01-01");
	return db;
}

START_TEST(expiring_lists_the_soonest_first)
{
	struct register_expiring *x;
	struct cutru_err e;
	sqlite3 *db = tenants();
	size_t n;

	ck_assert_msg(register_expiring(db, &today, 30, &x, &n, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(x[0].id_number, AN);
	ck_assert_str_eq(x[0].to, "2026-11-20");
	ck_assert_int_eq(x[0].days_left, -7);
	ck_assert_str_eq(x[0].name, "Nguyễn Văn An");
	ck_assert_str_eq(x[0].detail, ADDR1);
	ck_assert_str_eq(x[0].commune, "00004");
	ck_assert_str_eq(x[0].from, "2025-01-01");
	/* The same end: in the order they were registered. */
	ck_assert_str_eq(x[1].id_number, DUNG);
	ck_assert_int_eq(x[1].days_left, 30);
	ck_assert_str_eq(x[2].id_number, BINH);
	register_expiring_free(x, n);
	/* The limit is inclusive, to the day. */
	ck_assert_int_eq(register_expiring(db, &today, 31, &x, &n, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(x[3].id_number, CUONG);
	ck_assert_int_eq(x[3].days_left, 31);
	register_expiring_free(x, n);
	ck_assert_int_eq(register_expiring(db, &today, 0, &x, &n, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(n, 1);
	register_expiring_free(x, n);
	ck_assert_int_eq(register_expiring(db, &today,
	    REGISTER_EXPIRING_DAYS_MAX, &x, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(x[4].id_number, HOA);
	ck_assert_str_eq(x[4].detail, ADDR2);
	register_expiring_free(x, n);
	sqlite3_close(db);
}
END_TEST

START_TEST(expiring_refusals_and_an_empty_register)
{
	struct register_expiring *x = (void *)&x;
	struct cutru_date partial = { 2026, 11, 0, CUTRU_DATE_MONTH };
	struct cutru_date late = { 2199, 12, 1, CUTRU_DATE_DAY };
	struct cutru_date bad = { 2026, 2, 30, CUTRU_DATE_DAY };
	struct cutru_err e;
	sqlite3 *db = fresh();
	size_t n = 9;

	ck_assert_int_eq(register_expiring(db, &today, 30, &x, &n, &e),
	    CUTRU_OK);
	ck_assert_ptr_null(x);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(register_expiring(db, &today, -1, &x, &n, &e),
	    CUTRU_ERANGE);
	ck_assert_str_eq(e.field, "days");
	ck_assert_int_eq(register_expiring(db, &today,
	    REGISTER_EXPIRING_DAYS_MAX + 1, &x, &n, &e), CUTRU_ERANGE);
	ck_assert_int_eq(register_expiring(db, &late, 3000, &x, &n, &e),
	    CUTRU_ERANGE);
	ck_assert_int_eq(register_expiring(db, &partial, 30, &x, &n, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "today");
	ck_assert_int_eq(register_expiring(db, &bad, 30, &x, &n, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(register_expiring(db, NULL, 30, &x, &n, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(register_expiring(NULL, &today, 30, &x, &n, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(register_expiring(db, &today, 30, NULL, &n, &e),
	    CUTRU_EINVAL);
	register_expiring_free(NULL, 0);
	sqlite3_close(db);
}
END_TEST

/* ---- The report ---- */

static sqlite3 *
reported(void)
{
	sqlite3 *db = family();

	exec(db, "INSERT INTO dossiers (number, procedure, received, due,"
	    " state, officer, supervisor, reason, request, events) VALUES"
	    " ('1/2026/PTN', 'temporary.register', '2026-01-15', '2026-01-20',"
	    "  'approved', 'lan', 'minh', NULL, x'7b7d', x'5b5d'),"
	    " ('2/2026/PTN', 'temporary.register', '2026-01-20', '2026-01-23',"
	    "  'awaiting', 'lan', NULL, NULL, x'7b7d', x'5b5d'),"
	    " ('3/2026/PTN', 'stay.notify', '2026-02-03', '2026-02-03',"
	    "  'refused', 'lan', 'minh', 'Thiếu giấy tờ', x'7b7d', x'5b5d'),"
	    " ('4/2026/PTN', 'stay.notify', '2026-02-03', '2026-02-03',"
	    "  'returned', 'lan', 'minh', 'Bổ sung', x'7b7d', x'5b5d'),"
	    " ('5/2026/PTN', 'no.such.procedure', '2026-03-01', '2026-03-02',"
	    "  'awaiting', 'lan', NULL, NULL, x'7b7d', x'5b5d')");
	return db;
}

static const struct register_counts *
proc_counts(const struct register_report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->n_procedures; i++)
		if (strcmp(r->procedures[i].key, id) == 0)
			return &r->procedures[i];
	return NULL;
}

/* Index of a state in register_dossier_states. */
static int
st_ix(const char *state)
{
	int i;

	for (i = 0; i < REGISTER_N_STATES; i++)
		if (strcmp(register_dossier_states[i], state) == 0)
			return i;
	ck_abort_msg("no state %s", state);
	return -1;
}

START_TEST(report_counts_dossiers_and_the_register)
{
	const struct register_counts *c;
	struct register_report r;
	struct cutru_err e;
	sqlite3 *db = reported();

	ck_assert_msg(register_report(db, NULL, NULL, REGISTER_PERIOD_MONTH,
	    &r, &e) == CUTRU_OK, "%s", e.msg);
	/* Seven dossiers: the two of family() and five more. */
	ck_assert_uint_eq(r.all.total, 7);
	ck_assert_uint_eq(r.all.state[st_ix("approved")], 3);
	ck_assert_uint_eq(r.all.state[st_ix("awaiting")], 2);
	ck_assert_uint_eq(r.all.state[st_ix("refused")], 1);
	ck_assert_uint_eq(r.all.state[st_ix("returned")], 1);
	/* Every procedure, in core/procedure.h's order, also without a
	 * dossier; an unknown one counts in the total only. */
	ck_assert_uint_eq(r.n_procedures, procedure_count());
	ck_assert_str_eq(r.procedures[0].key, procedures[0].id);
	ck_assert_ptr_nonnull(c = proc_counts(&r, "temporary.register"));
	ck_assert_uint_eq(c->total, 3);
	ck_assert_uint_eq(c->state[st_ix("awaiting")], 1);
	ck_assert_ptr_nonnull(c = proc_counts(&r, "stay.notify"));
	ck_assert_uint_eq(c->total, 2);
	ck_assert_ptr_nonnull(c = proc_counts(&r, "permanent.register"));
	ck_assert_uint_eq(c->total, 0);
	ck_assert_ptr_null(proc_counts(&r, "no.such.procedure"));
	/* Periods in order. */
	ck_assert_uint_eq(r.n_periods, 5);
	ck_assert_str_eq(r.periods[0].key, "2024-02");
	ck_assert_str_eq(r.periods[1].key, "2025-06");
	ck_assert_str_eq(r.periods[2].key, "2026-01");
	ck_assert_uint_eq(r.periods[2].total, 2);
	ck_assert_str_eq(r.periods[3].key, "2026-02");
	ck_assert_uint_eq(r.periods[3].state[st_ix("refused")], 1);
	ck_assert_str_eq(r.periods[4].key, "2026-03");
	/* The register today. */
	ck_assert_uint_eq(r.persons, 5);
	ck_assert_uint_eq(r.households, 2);
	ck_assert_uint_eq(r.permanent, 2);
	ck_assert_uint_eq(r.temporary, 1);
	ck_assert_uint_eq(r.current, 1);
	register_report_free(&r);
	ck_assert_ptr_null(r.procedures);

	/* Bounds are inclusive; by day and by year. */
	ck_assert_int_eq(register_report(db, "2026-01-20", "2026-02-03",
	    REGISTER_PERIOD_DAY, &r, &e), CUTRU_OK);
	ck_assert_uint_eq(r.all.total, 3);
	ck_assert_uint_eq(r.n_periods, 2);
	ck_assert_str_eq(r.periods[0].key, "2026-01-20");
	ck_assert_str_eq(r.periods[1].key, "2026-02-03");
	ck_assert_uint_eq(r.periods[1].total, 2);
	register_report_free(&r);
	ck_assert_int_eq(register_report(db, "2026-01-01", NULL,
	    REGISTER_PERIOD_YEAR, &r, &e), CUTRU_OK);
	ck_assert_uint_eq(r.n_periods, 1);
	ck_assert_str_eq(r.periods[0].key, "2026");
	ck_assert_uint_eq(r.periods[0].total, 5);
	register_report_free(&r);
	ck_assert_int_eq(register_report(db, NULL, "2025-12-31",
	    REGISTER_PERIOD_YEAR, &r, &e), CUTRU_OK);
	ck_assert_uint_eq(r.all.total, 2);
	register_report_free(&r);
	/* A period without dossiers. */
	ck_assert_int_eq(register_report(db, "2030-01-01", "2030-12-31",
	    REGISTER_PERIOD_MONTH, &r, &e), CUTRU_OK);
	ck_assert_uint_eq(r.all.total, 0);
	ck_assert_uint_eq(r.n_periods, 0);
	ck_assert_uint_eq(r.persons, 5);
	register_report_free(&r);
	sqlite3_close(db);
}
END_TEST

START_TEST(report_refusals)
{
	static const char *const bad[] = {
		"2026-1-01", "2026-02-30", "01/02/2026", "2026", "2026-01",
		"2026-01-01x", "", "\xff"
	};
	struct register_report r;
	struct cutru_err e;
	sqlite3 *db = fresh();
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(register_report(db, bad[i], NULL,
		    REGISTER_PERIOD_MONTH, &r, &e), CUTRU_EINVAL);
		ck_assert_str_eq(e.field, "from");
		ck_assert_int_eq(register_report(db, NULL, bad[i],
		    REGISTER_PERIOD_MONTH, &r, &e), CUTRU_EINVAL);
		ck_assert_str_eq(e.field, "to");
	}
	ck_assert_int_eq(register_report(db, "2026-02-01", "2026-01-31",
	    REGISTER_PERIOD_MONTH, &r, &e), CUTRU_EINVAL);
	ck_assert_int_eq(register_report(db, NULL, NULL,
	    (enum register_period)7, &r, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "period");
	ck_assert_ptr_null(r.procedures);
	ck_assert_int_eq(register_report(NULL, NULL, NULL,
	    REGISTER_PERIOD_MONTH, &r, &e), CUTRU_EINVAL);
	ck_assert_int_eq(register_report(db, NULL, NULL,
	    REGISTER_PERIOD_MONTH, NULL, &e), CUTRU_EINVAL);
	/* An empty register reports zeros. */
	ck_assert_int_eq(register_report(db, NULL, NULL,
	    REGISTER_PERIOD_MONTH, &r, &e), CUTRU_OK);
	ck_assert_uint_eq(r.all.total + r.persons + r.households +
	    r.permanent + r.temporary + r.current + r.n_periods, 0);
	register_report_free(&r);
	register_report_free(NULL);
	sqlite3_close(db);
}
END_TEST

/* ---- Query plans ---- */

#define MAX_SQL 64

struct traced {
	char *sql[MAX_SQL];
	size_t n;
};

static int
trace(unsigned type, void *arg, void *p, void *x)
{
	struct traced *t = arg;
	const char *sql = x;
	size_t i;

	(void)type;
	(void)p;
	if (sql == NULL || strncmp(sql, "--", 2) == 0)
		return 0;
	for (i = 0; i < t->n; i++)
		if (strcmp(t->sql[i], sql) == 0)
			return 0;
	if (t->n < MAX_SQL)
		ck_assert_ptr_nonnull(t->sql[t->n++] = strdup(sql));
	return 0;
}

/* The plan of sql, its lines joined by "\n" (malloc'd). */
static char *
plan_of(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *q, *out;
	size_t len = 1;

	ck_assert_ptr_nonnull(q = malloc(strlen(sql) + 32));
	sprintf(q, "EXPLAIN QUERY PLAN %s", sql);
	ck_assert_msg(sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	ck_assert_ptr_nonnull(out = calloc(1, 1));
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 3);

		len += strlen(line) + 1;
		ck_assert_ptr_nonnull(out = realloc(out, len));
		strcat(out, line);
		strcat(out, "\n");
	}
	sqlite3_finalize(st);
	free(q);
	return out;
}

/* No statement traced reads a whole table; returns the plans joined. */
static char *
no_scan(sqlite3 *db, struct traced *t)
{
	char *all, *plan, *line;
	size_t i, len = 1;

	ck_assert_ptr_nonnull(all = calloc(1, 1));
	for (i = 0; i < t->n; i++) {
		if (strncmp(t->sql[i], "SELECT", 6) != 0) {
			free(t->sql[i]);
			continue;
		}
		plan = plan_of(db, t->sql[i]);
		for (line = plan; (line = strstr(line, "SCAN ")) != NULL;
		    line += 5)
			ck_assert_msg(strncmp(line, "SCAN CONSTANT", 13) == 0,
			    "a full scan in\n%s\nfor %s", plan, t->sql[i]);
		len += strlen(plan);
		ck_assert_ptr_nonnull(all = realloc(all, len));
		strcat(all, plan);
		free(plan);
		free(t->sql[i]);
	}
	t->n = 0;
	return all;
}

static void
traced_free(struct traced *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->sql[i]);
	t->n = 0;
}

START_TEST(every_query_goes_through_an_index)
{
	struct register_person p;
	struct register_household h;
	struct register_expiring *x;
	struct register_report r;
	struct traced t;
	struct cutru_err e;
	sqlite3 *db = reported();
	char *plans;
	size_t n;

	memset(&t, 0, sizeof t);
	sqlite3_trace_v2(db, SQLITE_TRACE_STMT, trace, &t);
	ck_assert_int_eq(register_person_show(db, AN, &p, &e), CUTRU_OK);
	register_person_free(&p);
	/* The not-found path too. */
	ck_assert_int_eq(register_person_show(db, "001099999999", &p, &e),
	    CUTRU_ENOTFOUND);
	sqlite3_trace_v2(db, 0, NULL, NULL);
	ck_assert_uint_ge(t.n, 8);
	plans = no_scan(db, &t);
	ck_assert_ptr_nonnull(strstr(plans, "stays_host"));
	ck_assert_ptr_nonnull(strstr(plans, "absences_person"));
	ck_assert_ptr_nonnull(strstr(plans, "residences_person"));
	ck_assert_ptr_nonnull(strstr(plans, "household_members_person"));
	free(plans);

	sqlite3_trace_v2(db, SQLITE_TRACE_STMT, trace, &t);
	ck_assert_int_eq(register_household_show(db, "H1", &h, &e), CUTRU_OK);
	register_household_free(&h);
	sqlite3_trace_v2(db, 0, NULL, NULL);
	plans = no_scan(db, &t);
	ck_assert_ptr_nonnull(strstr(plans, "household_members_household"));
	free(plans);

	sqlite3_trace_v2(db, SQLITE_TRACE_STMT, trace, &t);
	ck_assert_int_eq(register_expiring(db, &today, 30, &x, &n, &e),
	    CUTRU_OK);
	register_expiring_free(x, n);
	sqlite3_trace_v2(db, 0, NULL, NULL);
	plans = no_scan(db, &t);
	ck_assert_ptr_nonnull(strstr(plans, "residences_expiring"));
	ck_assert_ptr_null(strstr(plans, "TEMP B-TREE"));
	free(plans);

	/* A report counts whole tables, but through their smallest index,
	 * and the period's dossiers through dossiers_received. */
	sqlite3_trace_v2(db, SQLITE_TRACE_STMT, trace, &t);
	ck_assert_int_eq(register_report(db, "2026-01-01", "2026-12-31",
	    REGISTER_PERIOD_MONTH, &r, &e), CUTRU_OK);
	register_report_free(&r);
	sqlite3_trace_v2(db, 0, NULL, NULL);
	ck_assert_uint_ge(t.n, 4);
	for (n = 0; n < t.n; n++) {
		plans = plan_of(db, t.sql[n]);
		if (strstr(t.sql[n], "FROM dossiers") != NULL)
			ck_assert_msg(strstr(plans, "COVERING INDEX "
			    "dossiers_received") != NULL, "%s", plans);
		if (strstr(t.sql[n], "FROM persons") != NULL)
			ck_assert_msg(strstr(plans, "COVERING INDEX") != NULL,
			    "%s", plans);
		free(plans);
	}
	traced_free(&t);
	sqlite3_close(db);
}
END_TEST

/* ---- Import and export through a session ---- */

static char *dir, *store;

static void
setup(void)
{
	ws_scratch(&dir, &store);
}

static void
teardown(void)
{
	ws_rmdir(dir);
	free(dir);
	free(store);
}

#define BOOK "household_number,relationship,name,dob,sex,id_number,commune," \
	"address,residence_kind,from,to\r\n" \
	"HB-7,Chủ hộ,Hoàng Văn Đức,1958,Nam,001058005555,00070," \
	"Số 7 phố Hàng Bè,permanent,01/01/1990,\r\n"

static int
import_book(struct session *s, const char *csv, time_t now,
    struct import_report *r, struct cutru_err *e)
{
	struct import_opts o;
	FILE *in = tmpfile();
	int rc;

	ck_assert_ptr_nonnull(in);
	ck_assert_uint_eq(fwrite(csv, 1, strlen(csv), in), strlen(csv));
	rewind(in);
	/* Whatever the caller says of today and of who acts, the session
	 * decides. */
	memset(&o, 0, sizeof o);
	o.at = "1999-01-01T00:00:00Z";
	o.actor = "root";
	memset(r, 0, sizeof *r);
	rc = register_import_csv(s, in, &o, now, r, e);
	fclose(in);
	return rc;
}

START_TEST(import_is_officers_and_supervisors_work)
{
	struct session *admin, *lan, *minh;
	struct import_report r;
	struct cutru_err e;
	time_t now = ws_vn(2026, 11, 30, 10, 0);
	char *s;

	admin = ws_ward(store, NULL);
	ck_assert_int_eq(import_book(admin, BOOK, now, &r, &e), CUTRU_EPERM);
	ck_assert_str_eq(e.field, "login");
	ck_assert_ptr_nonnull(strstr(e.msg, "admin"));
	import_report_free(&r);
	ck_assert_int_eq(ws_q_int(session_db(admin),
	    "SELECT count(*) FROM persons"), 0);

	lan = ws_login(store, "lan", ws_pass_lan);
	ck_assert_msg(import_book(lan, BOOK, now, &r, &e) == CUTRU_OK, "%s",
	    e.msg);
	ck_assert_uint_eq(r.persons_added, 1);
	import_report_free(&r);
	s = ws_q_text(session_db(lan), "SELECT actor || ' ' ||"
	    " json_extract(CAST(payload AS TEXT), '$.date') || ' ' || at"
	    " FROM journal ORDER BY seq DESC LIMIT 1");
	ck_assert_str_eq(s, "lan 2026-11-30 2026-11-30T03:00:00Z");
	free(s);

	minh = ws_login(store, "minh", ws_pass_minh);
	ck_assert_int_eq(import_book(minh, BOOK, now, &r, &e), CUTRU_OK);
	ck_assert_uint_eq(r.rows_unchanged, 1);
	import_report_free(&r);

	/* An account disabled by another console can do nothing more. */
	ck_assert_int_eq(officer_disable(admin, "lan", now, &e), CUTRU_OK);
	ck_assert_int_eq(import_book(lan, BOOK, now, &r, &e), CUTRU_EPERM);
	import_report_free(&r);
	ck_assert_int_eq(register_import_csv(NULL, stdin, NULL, now, &r, &e),
	    CUTRU_EINVAL);
	session_close(minh);
	session_close(lan);
	session_close(admin);
}
END_TEST

START_TEST(export_is_open_to_every_active_account)
{
	struct session *admin, *lan;
	struct import_report r;
	struct cutru_err e;
	time_t now = ws_vn(2026, 11, 30, 10, 0);
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	admin = ws_ward(store, NULL);
	lan = ws_login(store, "lan", ws_pass_lan);
	ck_assert_int_eq(import_book(lan, BOOK, now, &r, &e), CUTRU_OK);
	import_report_free(&r);
	ck_assert_ptr_nonnull(out = open_memstream(&text, &len));
	ck_assert_int_eq(register_export_csv(admin, out, 0, &e), CUTRU_OK);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "001058005555"));
	free(text);
	ck_assert_ptr_nonnull(out = open_memstream(&text, &len));
	ck_assert_int_eq(register_export_json(lan, out, &e), CUTRU_OK);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "\"id_number\":\"001058005555\""));
	free(text);

	ck_assert_int_eq(officer_disable(admin, "lan", now, &e), CUTRU_OK);
	ck_assert_ptr_nonnull(out = open_memstream(&text, &len));
	ck_assert_int_eq(register_export_json(lan, out, &e), CUTRU_EPERM);
	ck_assert_int_eq(register_export_csv(lan, out, 0, &e), CUTRU_EPERM);
	fclose(out);
	ck_assert_uint_eq(len, 0);
	free(text);
	ck_assert_int_eq(register_export_csv(NULL, stdout, 0, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(register_export_json(NULL, stdout, &e),
	    CUTRU_EINVAL);
	session_close(lan);
	session_close(admin);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("register");
	TCase *tc = tcase_create("queries");
	TCase *ts = tcase_create("sessions");

	tcase_add_test(tc, a_person_with_every_residence_ever);
	tcase_add_test(tc,
	    a_person_with_households_stays_absences_and_confirmations);
	tcase_add_test(tc, a_corrected_id_number_keeps_the_history);
	tcase_add_test(tc, person_show_refuses_what_is_not_an_id_number);
	tcase_add_test(tc, long_text_in_the_store_comes_back_whole);
	tcase_add_test(tc, a_household_with_its_members_past_and_present);
	tcase_add_test(tc, household_show_refusals);
	tcase_add_test(tc, expiring_lists_the_soonest_first);
	tcase_add_test(tc, expiring_refusals_and_an_empty_register);
	tcase_add_test(tc, report_counts_dossiers_and_the_register);
	tcase_add_test(tc, report_refusals);
	tcase_add_test(tc, every_query_goes_through_an_index);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_set_timeout(ts, 60);
	tcase_add_test(ts, import_is_officers_and_supervisors_work);
	tcase_add_test(ts, export_is_open_to_every_active_account);
	suite_add_tcase(s, ts);
	return s;
}
