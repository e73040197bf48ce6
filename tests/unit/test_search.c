/* Search: folding, word order, ID lookups, filters, Vietnamese order,
 * hostile queries, limits, and the index kept in step with persons. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sqlite3.h>

#include "core/name.h"
#include "core/utf8.h"
#include "localdb/schema.h"
#include "localdb/search.h"
#include "tests/unit/tap_main.h"

/* A person of the fixture.  ids are the persons.id values. */
struct fx {
	int id;
	const char *name;
	const char *id_number;   /* NULL: none */
	const char *cmnd;        /* NULL: none */
	const char *dob;         /* NULL: unknown */
	int sex;
};

static const struct fx people[] = {
	{ 1, "Nguyễn Văn An", "001090000001", NULL, "1990-05-12", 1 },
	{ 2, "Nguyễn Văn Anh", "001092000002", NULL, "1992", 1 },
	{ 3, "Trần Thị An", "079195000003", NULL, "1995-01-02", 2 },
	{ 4, "Lê An", "001080000004", NULL, "1980-03", 1 },
	{ 5, "Đặng Thị Hoà", "001185000005", NULL, "1985-07-07", 2 },
	{ 6, "Đặng Văn Hòa", "001075000006", NULL, "1975-01-01", 1 },
	{ 7, "Phạm Đức Minh", "001088000007", NULL, "1988-02-02", 1 },
	{ 8, "Nguyễn Thị Thu Hà", "001190000008", NULL, "1990-09-09", 2 },
	{ 9, "Hoàng Văn Đức", "001070000009", NULL, "1970-10-10", 1 },
	{ 10, "Đỗ Thị Dung", "001165000010", NULL, "1965-06-06", 2 },
	{ 11, "Bùi Xuân Đông", "001060000011", NULL, "1960", 1 },
	{ 12, "An Văn Nguyễn", "001099000012", NULL, "1999-12-12", 1 },
	{ 13, "Nguyễn Ngọc Ánh", "001301000013", NULL, "2001-01-01", 2 },
	{ 14, "Võ Văn An", "001085000014", NULL, "1985-05-05", 1 },
	{ 15, "Vũ Thị Yến", "001192000015", NULL, "1992-02-29", 2 },
	{ 16, "Huỳnh Thị Ngân", "001193000016", NULL, "1993-03-03", 2 },
	{ 17, "Ngô Quang Vinh", "001091000017", NULL, "1991-01-31", 1 },
	{ 18, "Dương Văn Nam", "001077000018", NULL, "1977-07-17", 1 },
	{ 19, "Lý Thị Lan", "001168000019", NULL, "1968-08-18", 2 },
	{ 20, "Hồ Ngọc Anh", "001198000020", NULL, "1998-11-21", 2 },
	{ 21, "Phan Văn Đạt", "001095000021", NULL, "1995-04-14", 1 },
	{ 22, "Trần Nguyễn Hân", "001197000022", NULL, "1997-10-01", 2 },
	{ 23, "Nguyễn Văn An", "001090000023", NULL, "1990-01-01", 1 },
	{ 24, "H'Hen Niê", "066190000024", NULL, "1990", 2 },
	{ 25, "Y-Moan Ênuôl", "066085000025", NULL, "1985", 1 },
	{ 26, "Nguyễn Văn Dũng", "001082000026", NULL, "1982-12-01", 1 },
	{ 27, "Lê Thị Hoa", "001170000027", NULL, "1970-04-30", 2 },
	{ 28, "Đinh Văn An", "001064000028", NULL, "1964-09-02", 1 },
	{ 29, "Nguyễn Thị Ân", "001196000029", NULL, "1996-06-16", 2 },
	{ 30, "Mai Anh Tuấn", "001087000030", NULL, "1987-08-08", 1 },
	{ 31, "Tạ Văn Bình", NULL, "123456789", "1950", 1 },
	{ 32, "Nguyễn Đình Đạo", "001093000032", NULL, "1993-01-15", 1 },
};
#define N_PEOPLE (sizeof people / sizeof people[0])

static void
insert_person(sqlite3 *db, int64_t id, const char *typed, const char *id_number,
    const char *cmnd, const char *dob, int sex)
{
	static const char sql[] =
	    "INSERT INTO persons (id, id_number, legacy_cmnd, name, family,"
	    " middle, given, folded, sort_key, sex, dob, birth_year)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
	char name[NAME_BUF_SIZE], folded[NAME_BUF_SIZE];
	uint8_t key[NAME_SORT_KEY_SIZE];
	size_t nlen, flen, klen;
	struct name_parts p;
	struct cutru_err e;
	sqlite3_stmt *st;

	ck_assert_int_eq(name_normalise(typed, UTF8_NTS, name, sizeof name, &nlen, &e), CUTRU_OK);
	ck_assert_int_eq(name_fold(name, nlen, folded, sizeof folded, &flen, &e), CUTRU_OK);
	ck_assert_int_eq(name_sort_key(name, nlen, key, sizeof key, &klen, &e), CUTRU_OK);
	name_split(name, nlen, &p);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	if (id_number != NULL)
		sqlite3_bind_text(st, 2, id_number, -1, SQLITE_STATIC);
	if (cmnd != NULL)
		sqlite3_bind_text(st, 3, cmnd, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, name, (int)nlen, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, name + p.family.off, (int)p.family.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, name + p.middle.off, (int)p.middle.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, name + p.given.off, (int)p.given.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, folded, (int)flen, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, key, (int)klen, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, sex);
	if (dob != NULL) {
		sqlite3_bind_text(st, 11, dob, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 12, atoi(dob));
	}
	ck_assert_msg(sqlite3_step(st) == SQLITE_DONE, "insert %s: %s", typed,
	    sqlite3_errmsg(db));
	sqlite3_finalize(st);
}

static void
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", sql, msg != NULL ? msg : "");
}

static sqlite3 *
fresh(void)
{
	sqlite3 *db = NULL;
	struct cutru_err e;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(schema_migrate(db, &e), CUTRU_OK);
	return db;
}

static sqlite3 *
fixture(void)
{
	sqlite3 *db = fresh();
	size_t i;

	exec(db, "BEGIN");
	for (i = 0; i < N_PEOPLE; i++)
		insert_person(db, people[i].id, people[i].name,
		    people[i].id_number, people[i].cmnd, people[i].dob,
		    people[i].sex);
	exec(db,
	    "INSERT INTO addresses (id, commune_code, detail) VALUES"
	    " (1, '00004', 'Số 12, ngõ 34 phố Lê Lợi'),"
	    " (2, '00004', '5 Trần Hưng Đạo'),"
	    " (3, '26734', 'Thôn Đông, xã Hoà Bình');"
	    "INSERT INTO residences (person_id, kind, address_id, from_date,"
	    " to_date, state) VALUES"
	    " (1, 'permanent', 1, '2010-01-01', NULL, 'active'),"
	    " (2, 'temporary', 2, '2024-01-01', '2026-01-01', 'active'),"
	    " (3, 'temporary', 2, '2024-02-01', '2026-02-01', 'active'),"
	    " (3, 'permanent', 3, '2000-01-01', NULL, 'active'),"
	    " (23, 'current', 1, '2025-01-01', NULL, 'active'),"
	    " (14, 'permanent', 2, '2015-01-01', NULL, 'active');");
	exec(db, "COMMIT");
	return db;
}

/* Run a search expected to succeed; the ids found, in order, as
 * "1 23 14" into buf. */
static const char *
ids(sqlite3 *db, const char *q, const struct search_filter *f, size_t limit,
    char *buf, size_t size)
{
	struct search_result *r = calloc(limit > 0 ? limit : 1, sizeof *r);
	struct cutru_err e = { 0 };
	size_t n = 99, i, o = 0;
	int rc;

	ck_assert_ptr_nonnull(r);
	rc = search_persons(db, q, f, limit, r, &n, &e);
	ck_assert_msg(rc == CUTRU_OK, "search \"%s\": %d %s", q, rc, e.msg);
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%lld",
		    i > 0 ? " " : "", (long long)r[i].id);
	free(r);
	return buf;
}

#define FOUND(db, q, f, limit) ids((db), (q), (f), (limit), buf, sizeof buf)

/* Search expected to fail with rc and field; returns the message. */
static void
refused(sqlite3 *db, const char *q, const struct search_filter *f, int rc,
    const char *field)
{
	struct search_result r[4];
	struct cutru_err e = { 0 };
	size_t n = 99;
	int got;

	got = search_persons(db, q, f, 4, r, &n, &e);
	ck_assert_msg(got == rc, "search \"%.60s\": %d, expected %d (%s)", q,
	    got, rc, e.msg);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(e.field, field);
	ck_assert_msg(strlen(e.msg) > 10, "no message");
}

START_TEST(initials_find_the_name)
{
	sqlite3 *db = fixture();
	char buf[512];

	/* Nguyễn Viết/Văn A...: Đinh is not "ng". */
	ck_assert_str_eq(FOUND(db, "ng v a", NULL, 50), "1 23 2");
	ck_assert_str_eq(FOUND(db, "nguyen van an", NULL, 50), "1 23 2");
	ck_assert_str_eq(FOUND(db, "Nguyễn Văn An", NULL, 50), "1 23 2");
	ck_assert_str_eq(FOUND(db, "ng th", NULL, 50), "29 8");
	ck_assert_str_eq(FOUND(db, "h hen", NULL, 50), "24");
	ck_assert_str_eq(FOUND(db, "H'Hen", NULL, 50), "24");
	ck_assert_str_eq(FOUND(db, "y-moan", NULL, 50), "25");
	ck_assert_str_eq(FOUND(db, "y moan enuol", NULL, 50), "25");
	sqlite3_close(db);
}
END_TEST

START_TEST(word_order_rule)
{
	sqlite3 *db = fixture();
	char buf[512];

	/* In order, gaps allowed. */
	ck_assert_str_eq(FOUND(db, "van an", NULL, 50), "28 1 23 14 2");
	ck_assert_str_eq(FOUND(db, "nguyen an", NULL, 50), "1 23 13 2 29");
	/* Not in reverse order: only An Văn Nguyễn. */
	ck_assert_str_eq(FOUND(db, "an nguyen", NULL, 50), "12");
	/* Each token its own word. */
	ck_assert_str_eq(FOUND(db, "an an", NULL, 50), "");
	ck_assert_str_eq(FOUND(db, "nguyen nguyen", NULL, 50), "");
	/* The whole token must begin the word, not only its FTS prefix. */
	ck_assert_str_eq(FOUND(db, "hoang", NULL, 50), "9");
	ck_assert_str_eq(FOUND(db, "hoan", NULL, 50), "9");
	ck_assert_str_eq(FOUND(db, "nguyet", NULL, 50), "");
	sqlite3_close(db);
}
END_TEST

START_TEST(one_word_finds_every_word_it_begins)
{
	sqlite3 *db = fixture();
	char buf[512];

	/* Every An, Anh, Ánh, Ân, in Vietnamese order: given name, then
	 * middle, then family; tone marks only decide between names otherwise
	 * equal. */
	ck_assert_str_eq(FOUND(db, "an", NULL, 50),
	    "4 3 28 1 23 14 20 13 2 29 12 30");
	/* Every Nguyễn, as family or middle name. */
	ck_assert_str_eq(FOUND(db, "nguyen", NULL, 50),
	    "1 23 13 2 29 26 32 8 22 12");
	ck_assert_str_eq(FOUND(db, "NGUYỄN", NULL, 50),
	    "1 23 13 2 29 26 32 8 22 12");
	sqlite3_close(db);
}
END_TEST

START_TEST(folding_d_tones_and_nfd)
{
	sqlite3 *db = fixture();
	char buf[512];

	ck_assert_str_eq(FOUND(db, "dang", NULL, 50), "5 6");
	ck_assert_str_eq(FOUND(db, "Đặng", NULL, 50), "5 6");
	ck_assert_str_eq(FOUND(db, "đ", NULL, 50), "28 10 26 32 21 11 9 5 6 7 18");
	/* "Hoà" and "Hòa" (old and new tone placement) are one name. */
	ck_assert_str_eq(FOUND(db, "hoa", NULL, 50), "9 5 27 6");
	ck_assert_str_eq(FOUND(db, "Hoà", NULL, 50), "9 5 27 6");
	ck_assert_str_eq(FOUND(db, "Hòa", NULL, 50), "9 5 27 6");
	ck_assert_str_eq(FOUND(db, "HOÀ", NULL, 50), "9 5 27 6");
	ck_assert_str_eq(FOUND(db, "dang hoa", NULL, 50), "5 6");
	/* NFD, as Windows input methods send it: Nguyễn Văn An. */
	ck_assert_str_eq(FOUND(db, "Nguye\xcc\x82\xcc\x83n Va\xcc\x86n An",
	    NULL, 50), "1 23 2");
	/* NFD Đặng: D with stroke stays a letter, the marks go. */
	ck_assert_str_eq(FOUND(db, "\xc4\x90" "a\xcc\xa3\xcc\x86ng", NULL, 50),
	    "5 6");
	ck_assert_str_eq(FOUND(db, "  Nguyễn,   văn\t\tAn.  ", NULL, 50), "1 23 2");
	sqlite3_close(db);
}
END_TEST

START_TEST(id_number_and_card_scan)
{
	sqlite3 *db = fixture();
	char buf[512];
	struct search_filter f = { .birth_year = 1850 };

	ck_assert_str_eq(FOUND(db, "079195000003", NULL, 50), "3");
	ck_assert_str_eq(FOUND(db, " 0791 9500 0003 ", NULL, 50), "3");
	ck_assert_str_eq(FOUND(db, "079-195-000003", NULL, 50), "3");
	ck_assert_str_eq(FOUND(db, "079195000003|123456789|Trần Thị An|02011995|Nữ|Thôn Đông|15042021\r\n",
	    NULL, 50), "3");
	/* A card finds its person whatever the filters say. */
	ck_assert_str_eq(FOUND(db, "079195000003", &f, 50), "3");
	ck_assert_str_eq(FOUND(db, "079195999999", NULL, 50), "");
	ck_assert_str_eq(FOUND(db, "123456789", NULL, 50), "31");
	ck_assert_str_eq(FOUND(db, "123 456 789", NULL, 50), "31");
	refused(db, "07919500000", NULL, CUTRU_EINVAL, "query");
	refused(db, "0791950000031", NULL, CUTRU_EINVAL, "query");
	refused(db, "12345", NULL, CUTRU_EINVAL, "query");
	refused(db, "nguyen 1990", NULL, CUTRU_EINVAL, "query");
	refused(db, "an2", NULL, CUTRU_EINVAL, "query");
	sqlite3_close(db);
}
END_TEST

START_TEST(result_rows_carry_the_person)
{
	sqlite3 *db = fixture();
	struct search_result r[4];
	struct search_filter f = { 0 };
	struct cutru_err e;
	size_t n;

	ck_assert_int_eq(search_persons(db, "tran thi an", NULL, 4, r, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(r[0].id, 3);
	ck_assert_str_eq(r[0].id_number, "079195000003");
	ck_assert_str_eq(r[0].cmnd, "");
	ck_assert_str_eq(r[0].name, "Trần Thị An");
	ck_assert_int_eq(r[0].dob.prec, CUTRU_DATE_DAY);
	ck_assert_int_eq(r[0].dob.year, 1995);
	ck_assert_int_eq(r[0].dob.month, 1);
	ck_assert_int_eq(r[0].dob.day, 2);
	ck_assert_int_eq(r[0].sex, CUTRU_SEX_FEMALE);
	/* Permanent before temporary. */
	ck_assert_int_eq(r[0].state, SEARCH_STATE_PERMANENT);
	ck_assert_str_eq(r[0].commune_code, "26734");
	ck_assert_str_eq(r[0].address, "Thôn Đông, xã Hoà Bình");
	/* Asking for temporary residents shows the temporary one. */
	f.state = SEARCH_STATE_TEMPORARY;
	ck_assert_int_eq(search_persons(db, "tran thi an", &f, 4, r, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(r[0].state, SEARCH_STATE_TEMPORARY);
	ck_assert_str_eq(r[0].address, "5 Trần Hưng Đạo");

	ck_assert_int_eq(search_persons(db, "le an", NULL, 4, r, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(r[0].dob.prec, CUTRU_DATE_MONTH);
	ck_assert_int_eq(r[0].state, SEARCH_STATE_NONE);
	ck_assert_str_eq(r[0].address, "");
	ck_assert_str_eq(r[0].commune_code, "");

	ck_assert_int_eq(search_persons(db, "ta van binh", NULL, 4, r, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(r[0].id_number, "");
	ck_assert_str_eq(r[0].cmnd, "123456789");
	ck_assert_int_eq(r[0].dob.prec, CUTRU_DATE_YEAR);
	ck_assert_int_eq(r[0].sex, CUTRU_SEX_MALE);

	/* Two people of the same name: by id; one has only a current
	 * (declared) residence. */
	ck_assert_int_eq(search_persons(db, "nguyen van an", NULL, 4, r, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(r[1].id, 23);
	ck_assert_int_eq(r[1].state, SEARCH_STATE_CURRENT);
	ck_assert_str_eq(r[1].address, "Số 12, ngõ 34 phố Lê Lợi");
	ck_assert_int_eq(r[2].state, SEARCH_STATE_TEMPORARY);
	sqlite3_close(db);
}
END_TEST

START_TEST(filters)
{
	sqlite3 *db = fixture();
	char buf[512];
	struct search_filter f = { 0 };

	f.birth_year = 1990;
	ck_assert_str_eq(FOUND(db, "nguyen", &f, 50), "1 23 8");
	ck_assert_str_eq(FOUND(db, "", &f, 50), "1 23 8 24");
	f.birth_year = 0;

	f.commune_code = "00004";
	ck_assert_str_eq(FOUND(db, "an", &f, 50), "3 1 23 14 2");
	ck_assert_str_eq(FOUND(db, NULL, &f, 50), "3 1 23 14 2");
	f.commune_code = "26734";
	ck_assert_str_eq(FOUND(db, "an", &f, 50), "3");
	f.commune_code = NULL;

	/* Address words, folded: "le loi" finds "phố Lê Lợi". */
	f.address = "le loi";
	ck_assert_str_eq(FOUND(db, "", &f, 50), "1 23");
	f.address = "Lê  Lợi";
	ck_assert_str_eq(FOUND(db, "nguyen", &f, 50), "1 23");
	f.address = "ngõ 34";
	ck_assert_str_eq(FOUND(db, "van", &f, 50), "1 23");
	f.address = "hung dao";
	ck_assert_str_eq(FOUND(db, "an", &f, 50), "3 14 2");
	f.state = SEARCH_STATE_PERMANENT;
	ck_assert_str_eq(FOUND(db, "an", &f, 50), "14");
	f.address = NULL;

	ck_assert_str_eq(FOUND(db, "an", &f, 50), "3 1 14");
	f.state = SEARCH_STATE_TEMPORARY;
	ck_assert_str_eq(FOUND(db, "an", &f, 50), "3 2");
	f.state = SEARCH_STATE_CURRENT;
	ck_assert_str_eq(FOUND(db, "an", &f, 50), "23");
	f.state = SEARCH_STATE_NONE;
	ck_assert_str_eq(FOUND(db, "an", &f, 50), "4 28 20 13 29 12 30");
	f.birth_year = 1980;
	ck_assert_str_eq(FOUND(db, "an", &f, 50), "4");
	sqlite3_close(db);
}
END_TEST

START_TEST(bad_filters_are_refused)
{
	sqlite3 *db = fixture();
	struct search_filter f = { 0 };

	refused(db, "", &f, CUTRU_EINVAL, "query");
	f.birth_year = 1700;
	refused(db, "an", &f, CUTRU_EINVAL, "birth_year");
	f.birth_year = 0;
	f.commune_code = "0004";
	refused(db, "an", &f, CUTRU_EINVAL, "commune_code");
	f.commune_code = "000045";
	refused(db, "an", &f, CUTRU_EINVAL, "commune_code");
	f.commune_code = "0a004";
	refused(db, "an", &f, CUTRU_EINVAL, "commune_code");
	f.commune_code = "00004";
	f.state = SEARCH_STATE_NONE;
	refused(db, "an", &f, CUTRU_EINVAL, "state");
	f.commune_code = NULL;
	f.state = (enum search_state)9;
	refused(db, "an", &f, CUTRU_EINVAL, "state");
	f.state = SEARCH_STATE_ANY;
	f.address = "L\xea L\xe1i";
	refused(db, "an", &f, CUTRU_EINVAL, "address");
	sqlite3_close(db);
}
END_TEST

/* Every hostile query either gives a result list or a clear refusal of
 * the query, never a database error. */
START_TEST(hostile_queries)
{
	static const char *const fts_syntax[] = {
		"\"", "\"\"", "*", "an*", "(", ")", "(an", ":", "folded:an",
		"^an", "NEAR", "NEAR(an van)", "an AND", "AND", "OR", "NOT",
		"an OR nguyen", "an NOT nguyen", "a\"n", "\"an\" OR \"\"",
		"'", "''an", "-", "--an", "+", "an + van", "{folded}: an",
		"an; DROP TABLE persons; --", "%", "_", "\\", "\x01\x02",
		"an\x7f", "rowid", "person_search", "NEAR/2", "an*van*",
		"\xe2\x80\x8b", "\357\273\277an", "places : lan", "{places}: an",
		"lan*", "\"fnguyen\"", "fn* AND mv*",
	};
	sqlite3 *db = fixture();
	struct search_result r[8];
	struct cutru_err e;
	size_t i, n;
	char *big;
	int rc;

	for (i = 0; i < sizeof fts_syntax / sizeof fts_syntax[0]; i++) {
		memset(&e, 0, sizeof e);
		rc = search_persons(db, fts_syntax[i], NULL, 8, r, &n, &e);
		ck_assert_msg(rc == CUTRU_OK ||
		    (rc == CUTRU_EINVAL && strcmp(e.field, "query") == 0),
		    "query %zu \"%s\": rc %d %s", i, fts_syntax[i], rc, e.msg);
	}
	/* Operators are words: "an OR nguyen" asks for an ... or... nguyen
	 * in order, and nobody is called "Or". */
	ck_assert_int_eq(search_persons(db, "an OR nguyen", NULL, 8, r, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(search_persons(db, "(an)", NULL, 8, r, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(search_persons(db, "\"nguyen\" \"an\"*", NULL, 8, r, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 5);
	/* Still there. */
	ck_assert_int_eq(search_persons(db, "an; DROP TABLE persons; --", NULL, 8, r, &n, &e), CUTRU_OK);
	ck_assert_int_eq(search_persons(db, "nguyen", NULL, 8, r, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 8);

	/* Nothing to search for. */
	refused(db, "", NULL, CUTRU_EINVAL, "query");
	refused(db, NULL, NULL, CUTRU_EINVAL, "query");
	refused(db, "   \t  ", NULL, CUTRU_EINVAL, "query");
	refused(db, "\xcc\x81\xcc\x80\xcc\x83", NULL, CUTRU_EINVAL, "query");
	refused(db, "*:^()\"", NULL, CUTRU_EINVAL, "query");
	/* Not UTF-8: a lone continuation byte, an overlong '/', a surrogate,
	 * a sequence cut short. */
	refused(db, "Nguy\x80n", NULL, CUTRU_EINVAL, "query");
	refused(db, "\xc0\xaf", NULL, CUTRU_EINVAL, "query");
	refused(db, "\xed\xa0\x80", NULL, CUTRU_EINVAL, "query");
	refused(db, "an \xe1\xba", NULL, CUTRU_EINVAL, "query");
	/* A megabyte. */
	big = malloc(1 << 20);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	refused(db, big, NULL, CUTRU_EINVAL, "query");
	for (i = 0; i + 2 < (1 << 20); i += 2) {
		big[i] = 'a';
		big[i + 1] = ' ';
	}
	refused(db, big, NULL, CUTRU_EINVAL, "query");
	/* Longest accepted: 11 words cannot match a name of at most 10. */
	memset(big, 0, SEARCH_QUERY_MAX + 1);
	for (i = 0; i + 2 <= SEARCH_QUERY_MAX; i += 2)
		memcpy(big + i, "a ", 2);
	ck_assert_int_eq(search_persons(db, big, NULL, 8, r, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 0);
	memset(big, 0, SEARCH_QUERY_MAX + 1);
	memset(big, 'a', SEARCH_QUERY_MAX);
	ck_assert_int_eq(search_persons(db, big, NULL, 8, r, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 0);
	free(big);
	sqlite3_close(db);
}
END_TEST

START_TEST(limits)
{
	sqlite3 *db = fixture();
	char buf[512];
	struct search_result r[2];
	struct cutru_err e;
	size_t n = 7;

	ck_assert_str_eq(FOUND(db, "an", NULL, 3), "4 3 28");
	ck_assert_str_eq(FOUND(db, "an", NULL, 1), "4");
	ck_assert_str_eq(FOUND(db, "an", NULL, 12), "4 3 28 1 23 14 20 13 2 29 12 30");
	ck_assert_str_eq(FOUND(db, "an", NULL, 11), "4 3 28 1 23 14 20 13 2 29 12");
	ck_assert_int_eq(search_persons(db, "an", NULL, 0, NULL, &n, &e), CUTRU_OK);
	ck_assert_uint_eq(n, 0);
	/* limit 0 still reads the query. */
	ck_assert_int_eq(search_persons(db, "\xff", NULL, 0, NULL, &n, &e), CUTRU_EINVAL);
	ck_assert_int_eq(search_persons(db, "an", NULL, SEARCH_LIMIT_MAX + 1, r, &n, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "limit");
	ck_assert_int_eq(search_persons(db, "an", NULL, 2, NULL, &n, &e), CUTRU_EINVAL);
	ck_assert_int_eq(search_persons(NULL, "an", NULL, 2, r, &n, &e), CUTRU_EINVAL);
	sqlite3_close(db);
}
END_TEST

static int64_t
count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

START_TEST(index_follows_persons)
{
	sqlite3 *db = fixture();
	char buf[512];
	char name[NAME_BUF_SIZE], folded[NAME_BUF_SIZE];
	uint8_t key[NAME_SORT_KEY_SIZE];
	size_t nlen, flen, klen;
	struct cutru_err e;
	sqlite3_stmt *st;

	/* identity.corrected: Lê An becomes Lê Văn Ẩn. */
	ck_assert_int_eq(name_normalise("Lê Văn Ẩn", UTF8_NTS, name, sizeof name, &nlen, &e), CUTRU_OK);
	ck_assert_int_eq(name_fold(name, nlen, folded, sizeof folded, &flen, &e), CUTRU_OK);
	ck_assert_int_eq(name_sort_key(name, nlen, key, sizeof key, &klen, &e), CUTRU_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "UPDATE persons SET name = ?1,"
	    " middle = 'Văn', given = 'Ẩn', folded = ?2, sort_key = ?3 WHERE id = 4",
	    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, (int)nlen, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, folded, (int)flen, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, key, (int)klen, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	ck_assert_str_eq(FOUND(db, "le an", NULL, 50), "4");
	ck_assert_str_eq(FOUND(db, "le van an", NULL, 50), "4");
	ck_assert_str_eq(FOUND(db, "l v", NULL, 50), "4");
	/* Moved in the order: now after the Văn Ans... */
	ck_assert_str_eq(FOUND(db, "an", NULL, 3), "3 28 1");
	/* A version bump alone leaves the index alone. */
	exec(db, "UPDATE persons SET version = version + 1");
	ck_assert_str_eq(FOUND(db, "le van an", NULL, 50), "4");

	exec(db, "DELETE FROM persons WHERE id IN (12, 30)");
	ck_assert_str_eq(FOUND(db, "an nguyen", NULL, 50), "");
	ck_assert_str_eq(FOUND(db, "tuan", NULL, 50), "");
	exec(db, "INSERT INTO person_search (person_search) VALUES ('integrity-check')");
	/* One index row per person. */
	ck_assert_int_eq(count(db, "SELECT count(*) FROM person_search WHERE"
	    " person_search MATCH 'l*'"),
	    count(db, "SELECT count(*) FROM persons"));
	ck_assert_int_eq(search_rebuild(db, &e), CUTRU_OK);
	ck_assert_str_eq(FOUND(db, "an", NULL, 3), "3 28 1");
	exec(db, "INSERT INTO person_search (person_search) VALUES ('integrity-check')");
	sqlite3_close(db);
}
END_TEST

START_TEST(person_ids_beyond_the_rank_are_refused)
{
	sqlite3 *db = fresh();
	char *msg = NULL;

	ck_assert_int_ne(sqlite3_exec(db, "INSERT INTO persons (id, name, family,"
	    " middle, given, folded, sort_key, sex) VALUES (2147483648, 'An',"
	    " '', '', 'An', 'an', x'2a44', 1)", NULL, NULL, &msg), SQLITE_OK);
	ck_assert_ptr_nonnull(strstr(msg, "searchable"));
	sqlite3_free(msg);
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO persons (id, name, family,"
	    " middle, given, folded, sort_key, sex) VALUES (2147483647, 'An',"
	    " '', '', 'An', 'an', x'ffffffffff', 1)", NULL, NULL, NULL), SQLITE_OK);
	/* The first name gets the middle label. */
	ck_assert_int_eq(count(db, "SELECT rowid FROM person_search WHERE"
	    " person_search MATCH 'lan'"),
	    (INT64_C(1) << 31) << 31 | INT64_C(2147483647));
	sqlite3_close(db);
}
END_TEST

/* An import defers the index and rebuilds it at the end; the rebuilt
 * index is the one the triggers would have made, so later deletes and
 * updates through the triggers find their rows. */
START_TEST(bulk_load_defers_and_rebuilds)
{
	sqlite3 *db = fixture();
	char buf[512];
	struct search_result r[4];
	struct cutru_err e;
	enum search_index ix = SEARCH_INDEX_FULL;
	size_t n;

	ck_assert_int_eq(search_index_state(db, &ix, &e), CUTRU_OK);
	ck_assert_int_eq(ix, SEARCH_INDEX_LIVE);
	exec(db, "BEGIN");
	ck_assert_int_eq(search_defer(db, &e), CUTRU_OK);
	ck_assert_int_eq(search_defer(db, &e), CUTRU_OK);
	insert_person(db, 40, "Kiều Thị Phương", "001190000040", NULL, "1990", 2);
	insert_person(db, 41, "Kiều Văn Phúc", NULL, NULL, NULL, 1);
	exec(db, "COMMIT");
	exec(db, "DELETE FROM persons WHERE id = 13");
	/* A sort key that now sorts first. */
	exec(db, "UPDATE persons SET folded = 'tran thi an', sort_key = x'2a44' WHERE id = 3");
	ck_assert_int_eq(search_index_state(db, &ix, &e), CUTRU_OK);
	ck_assert_int_eq(ix, SEARCH_INDEX_IMPORT);
	/* No trigger on persons while importing (each would cost every
	 * INSERT a statement journal). */
	ck_assert_int_eq(count(db, "SELECT count(*) FROM sqlite_schema WHERE"
	    " type = 'trigger' AND tbl_name = 'persons'"), 0);
	/* Names cannot be searched, numbers and lists can. */
	ck_assert_int_eq(search_persons(db, "kieu", NULL, 4, r, &n, &e), CUTRU_ECONFLICT);
	ck_assert_str_eq(e.field, "query");
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(FOUND(db, "001190000040", NULL, 4), "40");

	/* An id the rank cannot hold, written while nothing checked it:
	 * the rebuild refuses it and changes nothing. */
	exec(db, "INSERT INTO persons (id, name, family, middle, given, folded,"
	    " sort_key, sex) VALUES (2147483648, 'An', '', '', 'An', 'an', x'2a44', 1)");
	ck_assert_int_eq(search_rebuild(db, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "2147483648"));
	ck_assert_int_eq(search_index_state(db, &ix, &e), CUTRU_OK);
	ck_assert_int_eq(ix, SEARCH_INDEX_IMPORT);
	exec(db, "DELETE FROM persons WHERE id = 2147483648");

	ck_assert_int_eq(search_rebuild(db, &e), CUTRU_OK);
	ck_assert_int_eq(search_index_state(db, &ix, &e), CUTRU_OK);
	ck_assert_int_eq(ix, SEARCH_INDEX_LIVE);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM sqlite_schema WHERE"
	    " type = 'trigger' AND tbl_name = 'persons' AND name LIKE 'person_search%'"), 5);
	ck_assert_str_eq(FOUND(db, "kieu", NULL, 4), "41 40");
	ck_assert_str_eq(FOUND(db, "nguyen van an", NULL, 4), "1 23 2");
	ck_assert_str_eq(FOUND(db, "tr th an", NULL, 4), "3");
	exec(db, "INSERT INTO person_search (person_search) VALUES ('integrity-check')");
	exec(db, "DELETE FROM persons WHERE id = 41");
	exec(db, "UPDATE persons SET folded = 'kieu thi phuong anh' WHERE id = 40");
	ck_assert_str_eq(FOUND(db, "kieu", NULL, 4), "40");
	ck_assert_str_eq(FOUND(db, "k t p a", NULL, 4), "40");
	ck_assert_str_eq(FOUND(db, "phuc", NULL, 4), "");
	exec(db, "INSERT INTO person_search (person_search) VALUES ('integrity-check')");
	/* Rebuilding a live index changes nothing. */
	ck_assert_int_eq(search_rebuild(db, &e), CUTRU_OK);
	ck_assert_str_eq(FOUND(db, "an", NULL, 50), "3 4 28 1 23 14 20 2 29 12 40 30");
	sqlite3_close(db);
}
END_TEST

/* The rebuild cuts names into places in C, the triggers in SQL; a row
 * the rebuild wrote must be the one a trigger deletes, for any folded
 * text, even text name_fold() never makes. */
START_TEST(places_agree_between_triggers_and_rebuild)
{
	static const char *const folded[] = { "nguyen van an", "an",
	    "le an", "nguyen thi thu ha", "a b c d e f", "y-moan enuol",
	    "h'hen nie", "x-y'z w", "  a  b ", " lead", "trail ",
	    "mot  hai", "\xc3\xbc ng\xc3\xa9 \xc3\xa9", "-", "' '", "" };
	static const char *const probes[] = { "nguyen", "van", "an", "le",
	    "thi", "thu", "ha", "a", "b", "c", "d", "e", "f", "y", "moan",
	    "enuol", "h", "hen", "nie", "x", "z", "w", "lead", "trail", "mot",
	    "hai", "\xc3\xbc", "ng\xc3\xa9", "\xc3\xa9", "" };
	static const char *const cols[] = { "f", "m", "r", "l" };
	sqlite3 *db = fresh();
	struct cutru_err e;
	char sql[256];
	int64_t before[sizeof probes / sizeof probes[0]][4];
	sqlite3_stmt *st;
	size_t i, j;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO persons (id, name,"
	    " family, middle, given, folded, sort_key, sex) VALUES (?1, 'X',"
	    " '', '', 'X', ?2, ?3, 1)", -1, &st, NULL), SQLITE_OK);
	for (i = 0; i < sizeof folded / sizeof folded[0]; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (int64_t)i + 1);
		sqlite3_bind_text(st, 2, folded[i], -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, folded[i], (int)strlen(folded[i]) + 1,
		    SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	}
	sqlite3_finalize(st);
	for (i = 0; i < sizeof probes / sizeof probes[0]; i++)
		for (j = 0; j < 4; j++) {
			snprintf(sql, sizeof sql, "SELECT count(*) FROM person_search"
			    " WHERE person_search MATCH '\"%s%s\"'", cols[j], probes[i]);
			before[i][j] = count(db, sql);
		}
	/* The columns of "nguyen thi thu ha", from the triggers. */
	ck_assert_int_eq(count(db, "SELECT count(*) FROM person_search WHERE"
	    " person_search MATCH 'fnguyen AND mthi AND rthu AND lha'"), 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM person_search WHERE"
	    " person_search MATCH 'fa AND mb AND rc AND rd AND re AND lf'"), 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM person_search WHERE"
	    " person_search MATCH 'lan'"), 3);
	ck_assert_int_eq(search_rebuild(db, &e), CUTRU_OK);
	for (i = 0; i < sizeof probes / sizeof probes[0]; i++)
		for (j = 0; j < 4; j++) {
			snprintf(sql, sizeof sql, "SELECT count(*) FROM person_search"
			    " WHERE person_search MATCH '\"%s%s\"'", cols[j], probes[i]);
			ck_assert_msg(count(db, sql) == before[i][j],
			    "%s after the rebuild", sql);
		}
	/* Every row the rebuild wrote is deleted by the trigger. */
	exec(db, "DELETE FROM persons");
	for (i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		for (j = 0; j < 4; j++) {
			snprintf(sql, sizeof sql, "SELECT count(*) FROM person_search"
			    " WHERE person_search MATCH '\"%s%s\"'", cols[j], probes[i]);
			ck_assert_msg(count(db, sql) == 0, "%s after deleting all", sql);
		}
	}
	exec(db, "INSERT INTO person_search (person_search) VALUES ('integrity-check')");
	sqlite3_close(db);
}
END_TEST

/* Names that keep landing in the same gap between two labels use it up;
 * the index is then deferred, not the officer's work refused, and the
 * next search outside a transaction rebuilds it. */
START_TEST(label_gaps_run_out_and_heal)
{
	sqlite3 *db = fresh();
	char buf[512], sql[256];
	struct search_result r[4];
	struct cutru_err e;
	enum search_index ix;
	size_t n;
	int i;

	/* Each key below all earlier ones: labels 2^31, 2^30, ... 1. */
	for (i = 0; i < 32; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO persons (id, name, family,"
		    " middle, given, folded, sort_key, sex) VALUES (%d, 'An',"
		    " '', '', 'An', 'an', x'%02x', 1)", i + 1, 0xf0 - i);
		exec(db, sql);
	}
	ck_assert_int_eq(search_index_state(db, &ix, &e), CUTRU_OK);
	ck_assert_int_eq(ix, SEARCH_INDEX_LIVE);
	ck_assert_int_eq(count(db, "SELECT min(label) FROM search_names"), 1);
	exec(db, "INSERT INTO persons (id, name, family, middle, given, folded,"
	    " sort_key, sex) VALUES (33, 'An', '', '', 'An', 'an', x'01', 1)");
	ck_assert_int_eq(search_index_state(db, &ix, &e), CUTRU_OK);
	ck_assert_int_eq(ix, SEARCH_INDEX_FULL);
	/* Later writes are not refused either. */
	exec(db, "DELETE FROM persons WHERE id = 2");
	/* Inside a transaction the search cannot rebuild. */
	exec(db, "BEGIN");
	ck_assert_int_eq(search_persons(db, "an", NULL, 4, r, &n, &e), CUTRU_ECONFLICT);
	exec(db, "COMMIT");
	ck_assert_str_eq(FOUND(db, "an", NULL, 4), "33 32 31 30");
	ck_assert_int_eq(search_index_state(db, &ix, &e), CUTRU_OK);
	ck_assert_int_eq(ix, SEARCH_INDEX_LIVE);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM search_names"), 32);
	exec(db, "INSERT INTO person_search (person_search) VALUES ('integrity-check')");
	ck_assert_int_eq(count(db, "SELECT count(*) FROM person_search WHERE"
	    " person_search MATCH 'lan'"), 32);
	sqlite3_close(db);
}
END_TEST

/* Against a brute-force reading of the same rules over many people who
 * share sort-key buckets (the same given names), so that limits fall in
 * the middle of buckets. */
static const char *const fam[] = { "Nguyễn", "Nguyễn", "Nguyễn", "Trần",
    "Lê", "Phạm", "Hoàng", "Huỳnh", "Đặng", "Đỗ", "Vũ", "Võ", "Ngô" };
static const char *const mid[] = { "Văn", "Văn", "Thị", "Thị", "Hữu",
    "Đức", "Ngọc", "Minh", "Thu", "" };
static const char *const giv[] = { "An", "Anh", "Ánh", "Ân", "Hoà", "Hòa",
    "Hoa", "Hoàng", "Nam", "Ngân", "Đức", "Dũng", "Thu", "Thư", "Thủy" };

struct ref {
	int64_t id;
	char folded[NAME_BUF_SIZE];
	uint8_t key[128];
	size_t klen;
	int year;
};

static int
ref_cmp(const void *pa, const void *pb)
{
	const struct ref *a = pa, *b = pb;
	size_t m = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->key, b->key, m);

	if (c != 0)
		return c;
	if (a->klen != b->klen)
		return a->klen < b->klen ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* The rule, written out again plainly: tokens of q, each the prefix of a
 * later word of folded. */
static int
ref_match(const char *q, const char *folded)
{
	char qt[8][32], nt[16][64];
	size_t nq = 0, nn = 0, i, j;
	const char *s;
	int w;

	for (w = 0, s = q; *s != '\0'; s++) {
		if (*s == ' ') {
			w = 0;
			continue;
		}
		if (!w)
			qt[nq++][0] = '\0';
		w = 1;
		strncat(qt[nq - 1], s, 1);
	}
	for (w = 0, s = folded; *s != '\0'; s++) {
		if (*s == ' ' || *s == '-' || *s == '\'') {
			w = 0;
			continue;
		}
		if (!w)
			nt[nn++][0] = '\0';
		w = 1;
		strncat(nt[nn - 1], s, 1);
	}
	for (i = 0, j = 0; i < nq; i++) {
		while (j < nn && strncmp(nt[j], qt[i], strlen(qt[i])) != 0)
			j++;
		if (j == nn)
			return 0;
		j++;
	}
	return 1;
}

/* Insert count random people (given names from givs), through the
 * triggers or as a bulk load, and compare every query at every limit with
 * the brute-force answer. */
static void
brute_force(size_t count_all, const char *const *givs, size_t ngiv,
    const char *const *queries, size_t nq, int bulk)
{
	static const size_t lims[] = { 1, 7, 50, 400 };
	sqlite3 *db = fresh();
	struct search_result *res;
	struct ref *all;
	struct search_filter f = { 0 };
	char typed[NAME_BUF_SIZE], dob[8];
	const char *m;
	uint64_t x = 88172645463325252u;
	struct cutru_err e;
	size_t n, i, q, li, want;
	int yr;
	sqlite3_stmt *st;

	all = calloc(count_all, sizeof *all);
	res = calloc(400, sizeof *res);
	ck_assert_ptr_nonnull(all);
	ck_assert_ptr_nonnull(res);
	exec(db, "BEGIN");
	if (bulk)
		ck_assert_int_eq(search_defer(db, &e), CUTRU_OK);
	for (i = 0; i < count_all; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		m = mid[(x >> 8) % (sizeof mid / sizeof mid[0])];
		snprintf(typed, sizeof typed, "%s %s%s%s",
		    fam[(x >> 20) % (sizeof fam / sizeof fam[0])], m,
		    m[0] != '\0' ? " " : "", givs[(x >> 32) % ngiv]);
		yr = 1950 + (int)((x >> 44) % 3);
		snprintf(dob, sizeof dob, "%d", yr);
		/* Ids spread over the whole range, in no relation to the
		 * names: the order must not depend on them. */
		all[i].id = (int64_t)(((x >> 3) % 200000) * 10000 + i + 1);
		insert_person(db, all[i].id, typed, NULL, NULL, dob, 1);
		all[i].year = yr;
	}
	if (bulk)
		ck_assert_int_eq(search_rebuild(db, &e), CUTRU_OK);
	exec(db, "COMMIT");
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT folded, sort_key FROM persons"
	    " WHERE id = ?", -1, &st, NULL), SQLITE_OK);
	for (i = 0; i < count_all; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, all[i].id);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		snprintf(all[i].folded, sizeof all[i].folded, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		all[i].klen = (size_t)sqlite3_column_bytes(st, 1);
		ck_assert_uint_le(all[i].klen, sizeof all[i].key);
		memcpy(all[i].key, sqlite3_column_blob(st, 1), all[i].klen);
	}
	sqlite3_finalize(st);
	qsort(all, count_all, sizeof *all, ref_cmp);

	for (q = 0; q < nq; q++)
		for (li = 0; li < sizeof lims / sizeof lims[0]; li++) {
			f.birth_year = li == 2 ? 1951 : 0;
			ck_assert_int_eq(search_persons(db, queries[q], &f,
			    lims[li], res, &n, &e), CUTRU_OK);
			for (i = 0, want = 0; i < count_all && want < lims[li]; i++) {
				if (!ref_match(queries[q], all[i].folded) ||
				    (f.birth_year != 0 && all[i].year != f.birth_year))
					continue;
				ck_assert_msg(want < n && res[want].id == all[i].id,
				    "query \"%s\" limit %zu: result %zu is %lld, expected %lld",
				    queries[q], lims[li], want,
				    want < n ? (long long)res[want].id : -1LL,
				    (long long)all[i].id);
				want++;
			}
			ck_assert_uint_eq(n, want);
		}
	free(all);
	free(res);
	sqlite3_close(db);
}

START_TEST(same_as_brute_force)
{
	static const char *const queries[] = { "a", "an", "n", "ng", "ng v",
	    "ng v a", "ng th", "h", "hoa", "th", "d", "t", "nguyen", "v an",
	    "tr", "l t h", "ng an", "d th", "ho" };

	brute_force(3000, giv, sizeof giv / sizeof giv[0], queries,
	    sizeof queries / sizeof queries[0], 0);
}
END_TEST

/* Thousands of people sharing three given names, loaded in bulk: long
 * runs of equal sort keys, ordered by id. */
START_TEST(same_as_brute_force_bulk_loaded)
{
	static const char *const few[] = { "Anh", "Anh", "Hoà" };
	static const char *const queries[] = { "a", "anh", "ng", "ng anh",
	    "ngo th anh", "do th a", "vo anh", "h", "th h", "ng v h", "hoa" };

	brute_force(9000, few, sizeof few / sizeof few[0], queries,
	    sizeof queries / sizeof queries[0], 1);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("search");
	TCase *tc = tcase_create("search");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, initials_find_the_name);
	tcase_add_test(tc, word_order_rule);
	tcase_add_test(tc, one_word_finds_every_word_it_begins);
	tcase_add_test(tc, folding_d_tones_and_nfd);
	tcase_add_test(tc, id_number_and_card_scan);
	tcase_add_test(tc, result_rows_carry_the_person);
	tcase_add_test(tc, filters);
	tcase_add_test(tc, bad_filters_are_refused);
	tcase_add_test(tc, hostile_queries);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, index_follows_persons);
	tcase_add_test(tc, person_ids_beyond_the_rank_are_refused);
	tcase_add_test(tc, bulk_load_defers_and_rebuilds);
	tcase_add_test(tc, label_gaps_run_out_and_heal);
	tcase_add_test(tc, places_agree_between_triggers_and_rebuild);
	tcase_add_test(tc, same_as_brute_force);
	tcase_add_test(tc, same_as_brute_force_bulk_loaded);
	suite_add_tcase(s, tc);
	return s;
}
