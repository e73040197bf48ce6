#include "config.h"

/* The CSV import of legacy household books and the exports
 * (localdb/import.h): the format, every refusal with its line and column,
 * all-or-nothing against quarantine, re-imports, the round trip through
 * export_csv(), hostile files, and one import into the encrypted store. */

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <check.h>
#include <sqlite3.h>

#include "core/canon.h"
#include "localdb/apply.h"
#include "localdb/import.h"
#include "localdb/keyring.h"
#include "localdb/schema.h"
#include "localdb/search.h"
#include "localdb/store.h"
#include "tests/tools/storetest.h"
#include "tests/unit/tap_main.h"

#define HEADER "household_number,relationship,name,dob,sex,id_number,cmnd," \
	"commune,address,residence_kind,from,to\r\n"

/* ---- Helpers ---- */

static sqlite3 *
db_new(void)
{
	struct cutru_err e;
	sqlite3 *db = NULL;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_msg(schema_migrate(db, &e) == CUTRU_OK, "%s", e.msg);
	return db;
}

static long long
count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long n;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The text of the first column of the first row, malloc'd ("" if none). */
static char *
text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *s;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		s = strdup((const char *)sqlite3_column_text(st, 0));
	else
		s = strdup("");
	sqlite3_finalize(st);
	return s;
}

/* The journal's hashes in order, malloc'd: two journals are the same,
 * entry for entry, when these are. */
static char *
journal_of(sqlite3 *db)
{
	return text(db, "SELECT group_concat(hex(hash), ' ') FROM"
	    " (SELECT hash FROM journal ORDER BY seq)");
}

static void
opts_init(struct import_opts *o, enum import_mode mode, FILE *rejects)
{
	memset(o, 0, sizeof *o);
	o->mode = mode;
	o->today.year = 2026;
	o->today.month = 11;
	o->today.day = 27;
	o->today.prec = CUTRU_DATE_DAY;
	o->at = "2026-11-27T03:00:00Z";
	o->actor = "lan";
	o->rejects = rejects;
}

/* A FILE holding len bytes of s, at its start. */
static FILE *
file_of(const char *s, size_t len)
{
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(s, 1, len, f), len);
	rewind(f);
	return f;
}

/* Everything written to f, NUL-terminated, malloc'd. */
static char *
slurp(FILE *f, size_t *len)
{
	long n;
	char *s;

	fflush(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	s = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return s;
}

/* import_csv() of csv[0..len) with a mode and import_opts.flags. */
static int
run_mode_flags(sqlite3 *db, const char *csv, size_t len,
    enum import_mode mode, FILE *rejects, unsigned flags,
    struct import_report *r, struct cutru_err *e)
{
	struct import_opts o;
	FILE *in = file_of(csv, len);
	int rc;

	opts_init(&o, mode, rejects);
	o.flags = flags;
	memset(r, 0, sizeof *r);
	rc = import_csv(db, in, &o, r, e);
	fclose(in);
	return rc;
}

static int
run(sqlite3 *db, const char *csv, size_t len, enum import_mode mode,
    FILE *rejects, struct import_report *r, struct cutru_err *e)
{
	return run_mode_flags(db, csv, len, mode, rejects, 0, r, e);
}

/* run() with import_opts.flags */
static int
run_flags(sqlite3 *db, const char *csv, size_t len, unsigned flags,
    struct import_report *r, struct cutru_err *e)
{
	return run_mode_flags(db, csv, len, IMPORT_ALL_OR_NOTHING, NULL, flags,
	    r, e);
}

static int
run_str(sqlite3 *db, const char *csv, struct import_report *r,
    struct cutru_err *e)
{
	return run(db, csv, strlen(csv), IMPORT_ALL_OR_NOTHING, NULL, r, e);
}

/* A valid ID number: province 001, the century/sex digit for a person
 * born in year, and seq as the last six digits. */
static void
idnum(char out[13], int year, int male, unsigned seq)
{
	snprintf(out, 13, "001%d%02d%06u", (year >= 2000 ? 2 : 0) + !male,
	    year % 100, seq % 1000000);
}

/* Does r hold an error at line on field? */
static int
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
has_error(const struct import_report *r, unsigned long line,
    const char *field)
{
	size_t i;

	for (i = 0; i < r->n_errors; i++)
		if (r->errors[i].line == line &&
		    strcmp(r->errors[i].field, field) == 0)
			return 1;
	return 0;
}

static void
dump_errors(const struct import_report *r)
{
	size_t i;

	for (i = 0; i < r->n_errors && i < 40; i++)
		fprintf(stderr, "# line %lu [%s] %s\n", r->errors[i].line,
		    r->errors[i].field, r->errors[i].msg);
}

/* ---- The format ---- */

START_TEST(household_book_is_imported)
{
	/* BOM, CRLF, a quoted address with a comma and a doubled quote, a
	 * name typed in NFD, "CHỦ HỘ" in capitals, sex in either language,
	 * partial dates of birth, a lone lodger on a temporary residence. */
	static const char csv[] =
	    "\xEF\xBB\xBF" HEADER
	    "HK-01,CHỦ HỘ,Nguye\xCC\x82\xCC\x83n Văn An,02/05/1987,Nam,"
	    "001087000001,123456789,00004,\"Số 5, ngõ \"\"Hòa\"\" Bình\","
	    "thường trú,01/01/2010,\r\n"
	    "HK-01,vợ,Trần Thị Bình,1990,nữ,001190000002,,00004,"
	    "\"Số 5, ngõ \"\"Hòa\"\" Bình\",,01/01/2010,\r\n"
	    "HK-01,con,Nguyễn Văn Cường,03/2015,male,001215000003,,00004,"
	    "\"Số 5, ngõ \"\"Hòa\"\" Bình\",permanent,2016-01-01,\r\n"
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,Tổ 3,Tạm trú,"
	    "01/06/2026,01/06/2027\n";
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();
	char *s;

	ck_assert_msg(run_str(db, csv, &r, &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.n_errors, 0);
	ck_assert_uint_eq(r.rows, 4);
	ck_assert_uint_eq(r.rows_imported, 4);
	ck_assert_uint_eq(r.persons_added, 4);
	ck_assert_uint_eq(r.households_added, 1);
	ck_assert_uint_eq(r.members_added, 2);
	ck_assert_uint_eq(r.residences_added, 4);
	ck_assert_uint_eq(r.journal_entries, 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM journal"), 1);
	/* Stored NFC; the relationship as written; the household's
	 * address is the head's. */
	s = text(db, "SELECT name FROM persons WHERE id_number = '001087000001'");
	ck_assert_str_eq(s, "Nguyễn Văn An");
	free(s);
	s = text(db, "SELECT dob FROM persons WHERE id_number = '001215000003'");
	ck_assert_str_eq(s, "2015-03");
	free(s);
	s = text(db, "SELECT a.detail FROM households h JOIN addresses a"
	    " ON a.id = h.address_id WHERE h.number = 'HK-01'");
	ck_assert_str_eq(s, "Số 5, ngõ \"Hòa\" Bình");
	free(s);
	s = text(db, "SELECT m.relationship FROM household_members m JOIN"
	    " persons p ON p.id = m.person_id WHERE p.id_number ="
	    " '001190000002' AND m.until IS NULL");
	ck_assert_str_eq(s, "vợ");
	free(s);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM residences r JOIN"
	    " persons p ON p.id = r.person_id WHERE p.id_number ="
	    " '001080000004' AND r.kind = 'temporary' AND r.to_date ="
	    " '2027-06-01' AND r.state = 'active'"), 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM household_members"
	    " WHERE until IS NULL"), 3);
	import_report_free(&r);
	sqlite3_close(db);
}
END_TEST

START_TEST(cmnd_is_stored_added_and_compared)
{
	static const char with[] = HEADER
	    "H1,chủ hộ,Nguyễn Văn An,1987,Nam,001087000001,123456789,00004,"
	    "Số 5,,01/01/2010,\r\n"
	    "H1,con,Nguyễn Thị Hoa,2012,Nữ,001312000002,,00004,Số 5,,"
	    "01/01/2012,\r\n";
	static const char without[] = HEADER
	    "H1,chủ hộ,Nguyễn Văn An,1987,Nam,001087000001,,00004,Số 5,,"
	    "01/01/2010,\r\n"
	    "H1,con,Nguyễn Thị Hoa,2012,Nữ,001312000002,,00004,Số 5,,"
	    "01/01/2012,\r\n";
	static const char other[] = HEADER
	    "H1,chủ hộ,Nguyễn Văn An,1987,Nam,001087000001,123456780,00004,"
	    "Số 5,,01/01/2010,\r\n";
	struct import_report r;
	struct cutru_err e;
	sqlite3 *a = db_new(), *b = db_new();
	char *s;

	/* Stored with the person, through the event. */
	ck_assert_msg(run_str(a, with, &r, &e) == CUTRU_OK, "%s", e.msg);
	import_report_free(&r);
	s = text(a, "SELECT legacy_cmnd FROM persons"
	    " WHERE id_number = '001087000001'");
	ck_assert_str_eq(s, "123456789");
	free(s);
	ck_assert_int_eq(count(a, "SELECT count(*) FROM persons"
	    " WHERE legacy_cmnd IS NULL"), 1);
	s = text(a, "SELECT payload FROM journal");
	ck_assert_ptr_nonnull(strstr(s, "\"cmnd\":\"123456789\""));
	free(s);
	/* The same file again, or one without the number: nothing to do. */
	ck_assert_int_eq(run_str(a, with, &r, &e), CUTRU_OK);
	ck_assert_uint_eq(r.rows_unchanged, 2);
	import_report_free(&r);
	ck_assert_int_eq(run_str(a, without, &r, &e), CUTRU_OK);
	ck_assert_uint_eq(r.rows_unchanged, 2);
	import_report_free(&r);
	/* Another number for the same person is an error of that column. */
	ck_assert_int_eq(run_str(a, other, &r, &e), CUTRU_EINVAL);
	ck_assert_uint_eq(r.n_errors, 1);
	ck_assert(has_error(&r, 2, "cmnd"));
	ck_assert_ptr_nonnull(strstr(r.errors[0].msg, "123456789"));
	import_report_free(&r);
	/* A register without the number gets it from the file, and the
	 * person's version moves on; nothing else changes. */
	ck_assert_int_eq(run_str(b, without, &r, &e), CUTRU_OK);
	import_report_free(&r);
	ck_assert_msg(run_str(b, with, &r, &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.persons_added, 0);
	ck_assert_uint_eq(r.rows_unchanged, 1);
	ck_assert_uint_eq(r.journal_entries, 1);
	import_report_free(&r);
	s = text(b, "SELECT legacy_cmnd || ' ' || version FROM persons"
	    " WHERE id_number = '001087000001'");
	ck_assert_str_eq(s, "123456789 2");
	free(s);
	ck_assert_int_eq(count(b, "SELECT count(*) FROM persons"), 2);
	sqlite3_close(a);
	sqlite3_close(b);
}
END_TEST

START_TEST(quoted_line_breaks_belong_to_the_field)
{
	/* A line break inside quotes is part of the address (and becomes a
	 * space); the rows after it keep their physical line numbers. */
	static const char csv[] = HEADER
	    "H1,chủ hộ,Nguyễn Văn An,1987,Nam,001087000001,,00004,\"Số 5\r\n"
	    "ngõ 3\nLê Lợi\",,01/01/2010,\r\n"
	    ",,Lê Văn Dũng,1980,Nữ,001080000004,,00007,Tổ 3,,01/06/2000,\r\n";
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();
	char *s;

	ck_assert_int_eq(run_str(db, csv, &r, &e), CUTRU_EINVAL);
	ck_assert_uint_eq(r.n_errors, 1);
	ck_assert(has_error(&r, 5, "sex"));
	import_report_free(&r);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 0);
	/* Without the last row (68 bytes). */
	ck_assert_msg(run(db, csv, sizeof csv - 1 - 68, IMPORT_ALL_OR_NOTHING,
	    NULL, &r, &e) == CUTRU_OK, "%s", e.msg);
	s = text(db, "SELECT detail FROM addresses");
	ck_assert_str_eq(s, "Số 5 ngõ 3 Lê Lợi");
	free(s);
	import_report_free(&r);
	sqlite3_close(db);
}
END_TEST

START_TEST(reimport_changes_nothing)
{
	static const char csv[] = HEADER
	    "H1,chủ hộ,Nguyễn Văn An,1987,Nam,001087000001,,00004,Số 5,,"
	    "01/01/2010,\r\n"
	    "H1,con,Nguyễn Thị Hoa,2012,Nữ,001312000002,,00004,Số 5,,"
	    "01/01/2012,\r\n";
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();

	ck_assert_int_eq(run_str(db, csv, &r, &e), CUTRU_OK);
	import_report_free(&r);
	ck_assert_msg(run_str(db, csv, &r, &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.rows, 2);
	ck_assert_uint_eq(r.rows_imported, 2);
	ck_assert_uint_eq(r.rows_unchanged, 2);
	ck_assert_uint_eq(r.persons_added, 0);
	ck_assert_uint_eq(r.journal_entries, 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 2);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM journal"), 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM residences"), 2);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM household_members"), 2);
	import_report_free(&r);
	sqlite3_close(db);
}
END_TEST

START_TEST(a_new_member_joins_a_household_already_imported)
{
	static const char one[] = HEADER
	    "H1,chủ hộ,Nguyễn Văn An,1987,Nam,001087000001,,00004,Số 5,,"
	    "01/01/2010,\r\n";
	static const char two[] = HEADER
	    "H1,chủ hộ,Nguyễn Văn An,1987,Nam,001087000001,,00004,Số 5,,"
	    "01/01/2010,\r\n"
	    "H1,con,Nguyễn Thị Hoa,2012,Nữ,001312000002,,00004,Số 5,,"
	    "01/01/2012,\r\n";
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();

	ck_assert_int_eq(run_str(db, one, &r, &e), CUTRU_OK);
	import_report_free(&r);
	ck_assert_msg(run_str(db, two, &r, &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.persons_added, 1);
	ck_assert_uint_eq(r.households_added, 0);
	ck_assert_uint_eq(r.members_added, 1);
	ck_assert_uint_eq(r.rows_unchanged, 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM household_members m"
	    " JOIN households h ON h.id = m.household_id WHERE h.number = 'H1'"
	    " AND m.until IS NULL"), 2);
	import_report_free(&r);
	sqlite3_close(db);
}
END_TEST

START_TEST(one_person_on_two_rows)
{
	/* A permanent and a temporary residence: two rows, one person. */
	static const char good[] = HEADER
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,Tổ 3,thường trú,"
	    "01/06/2000,\r\n"
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00008,Phòng 2,tạm trú,"
	    "01/06/2026,01/06/2027\r\n";
	static const char bad[] = HEADER
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,Tổ 3,,01/06/2000,\r\n"
	    ",,Lê Văn Dung,1980,Nam,001080000004,,00008,Phòng 2,tạm trú,"
	    "01/06/2026,01/06/2027\r\n"
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,Tổ 4,thường trú,"
	    "01/06/2001,\r\n";
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();

	ck_assert_msg(run_str(db, good, &r, &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.persons_added, 1);
	ck_assert_uint_eq(r.residences_added, 2);
	import_report_free(&r);
	sqlite3_close(db);

	db = db_new();
	ck_assert_int_eq(run_str(db, bad, &r, &e), CUTRU_EINVAL);
	ck_assert_uint_eq(r.n_errors, 2);
	ck_assert(has_error(&r, 3, "name"));
	ck_assert(has_error(&r, 4, "residence_kind"));
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 0);
	import_report_free(&r);
	sqlite3_close(db);
}
END_TEST

START_TEST(persons_without_id_number_are_refused)
{
	static const char csv[] = HEADER
	    "H1,chủ hộ,Nguyễn Văn An,1987,Nam,001087000001,,00004,Số 5,,"
	    "01/01/2010,\r\n"
	    "H1,con,Nguyễn Thị Hoa,2012,Nữ,,123456789,00004,Số 5,,"
	    "01/01/2012,\r\n";
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();

	ck_assert_int_eq(run_str(db, csv, &r, &e), CUTRU_EINVAL);
	ck_assert_uint_eq(r.n_errors, 1);
	ck_assert(has_error(&r, 3, "id_number"));
	ck_assert_ptr_nonnull(strstr(r.errors[0].msg, "ID number"));
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 0);
	import_report_free(&r);
	sqlite3_close(db);
}
END_TEST

START_TEST(the_register_is_not_changed_by_an_import)
{
	static const char base[] = HEADER
	    "H1,chủ hộ,Nguyễn Văn An,1987,Nam,001087000001,,00004,Số 5,,"
	    "01/01/2010,\r\n"
	    "H2,chủ hộ,Trần Văn Bảo,1970,Nam,001070000009,,00004,Số 9,,"
	    "01/01/2000,\r\n"
	    "H2,con,Trần Thị Cúc,1999,Nữ,001199000010,,00004,Số 9,,"
	    "01/01/2000,\r\n";
	/* Line 2: another name for a known ID; line 3: H1 with another
	 * head; line 4: a member of H2 put in H3; line 5: another permanent
	 * residence for a known person. */
	static const char next[] = HEADER
	    ",,Nguyễn Văn Ân,1987,Nam,001087000001,,,,,,\r\n"
	    "H1,chủ hộ,Lê Văn Dũng,1980,Nam,001080000004,,00004,Số 5,,"
	    "01/01/2020,\r\n"
	    "H3,chủ hộ,Trần Thị Cúc,1999,Nữ,001199000010,,00004,Số 9,,"
	    "01/01/2000,\r\n"
	    "H2,chủ hộ,Trần Văn Bảo,1970,Nam,001070000009,,00004,Số 10,,"
	    "01/01/2024,\r\n";
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();

	ck_assert_int_eq(run_str(db, base, &r, &e), CUTRU_OK);
	import_report_free(&r);
	ck_assert_int_eq(run_str(db, next, &r, &e), CUTRU_EINVAL);
	if (r.n_errors != 4)
		dump_errors(&r);
	ck_assert_uint_eq(r.n_errors, 4);
	ck_assert(has_error(&r, 2, "name"));
	ck_assert(has_error(&r, 3, "household_number"));
	ck_assert(has_error(&r, 4, "household_number"));
	ck_assert(has_error(&r, 5, "residence_kind"));
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 3);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM journal"), 1);
	import_report_free(&r);
	sqlite3_close(db);
}
END_TEST

START_TEST(unknown_commune_against_reference_data)
{
	static const char csv[] = HEADER
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,Tổ 3,,01/06/2000,\r\n"
	    ",,Lê Văn Đức,1981,Nam,001081000005,,99999,Tổ 3,,01/06/2000,\r\n";
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();

	st_exec(db, "INSERT INTO ref_versions VALUES ('units', '2025-07');"
	    "INSERT INTO admin_units VALUES ('2025-07', '00007', 'Phường A',"
	    " '01')");
	ck_assert_int_eq(run_str(db, csv, &r, &e), CUTRU_EINVAL);
	ck_assert_uint_eq(r.n_errors, 1);
	ck_assert(has_error(&r, 3, "commune"));
	import_report_free(&r);
	sqlite3_close(db);
}
END_TEST

START_TEST(header_problems_refuse_the_file)
{
	static const char *const bad[] = {
		"",
		"\xFF\xFEh\0o\0",
		"name,dob,sex,id_number,commune,address,colour\r\n",
		"name,dob,sex,id_number,commune,address,name\r\n",
		"name,dob,sex,id_number,commune\r\n",
		"household_number,name,dob,sex,id_number,commune,address\r\n",
		"name,dob,sex,id_number,commune,\"addr\"ess\r\n",
		"name,dob,s\xC3\x28x,id_number,commune,address\r\n",
	};
	static const size_t len[] = { 0, 6, 0, 0, 0, 0, 0, 0 };
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(run(db, bad[i], len[i] ? len[i] :
		    strlen(bad[i]), IMPORT_ALL_OR_NOTHING, NULL, &r, &e),
		    CUTRU_EINVAL);
		ck_assert_msg(r.n_errors == 1 && r.errors[0].line == 1,
		    "case %zu", i);
		ck_assert_str_ne(e.msg, "");
		import_report_free(&r);
	}
	/* Columns in another order, aliases, other case and spaces. */
	ck_assert_int_eq(run_str(db, " Full Name ,SEX,date-of-birth,"
	    "id_number,address,commune\r\nLê Văn Dũng,Nam,1980,001080000004,"
	    ",\r\n", &r, &e), CUTRU_OK);
	ck_assert_uint_eq(r.persons_added, 1);
	import_report_free(&r);
	sqlite3_close(db);
}
END_TEST

/* ---- The 10,000 rows ---- */

/* What the generated file's bad rows are: line and column of each error
 * the importer must report, nothing else. */
struct expect {
	unsigned long line;
	const char *field;
};

struct big {
	char *csv;
	size_t len, cap;
	unsigned long line;             /* last line written */
	unsigned seq;
	struct expect exp[64];
	size_t nexp;
	unsigned long bad_rows;         /* rows not importable */
	unsigned long good_persons;
};

static void
big_add(struct big *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->csv = realloc(b->csv, b->cap);
		ck_assert_ptr_nonnull(b->csv);
	}
	memcpy(b->csv + b->len, s, n);
	b->len += n;
	b->csv[b->len] = '\0';
}

static void
big_line(struct big *b, const char *s)
{
	big_add(b, s, strlen(s));
	big_add(b, "\r\n", 2);
	b->line++;
}

static void
expect(struct big *b, unsigned long line, const char *field)
{
	ck_assert_uint_lt(b->nexp, sizeof b->exp / sizeof b->exp[0]);
	b->exp[b->nexp].line = line;
	b->exp[b->nexp].field = field;
	b->nexp++;
}

/* A household of n persons, good unless told otherwise. */
static void
big_household(struct big *b, unsigned hh, unsigned n)
{
	static const char *const given[] = { "An", "Bình", "Chi", "Dũng",
		"Hà", "Lan", "Minh", "Nga" };
	char row[512], id[13];
	unsigned k;

	for (k = 0; k < n; k++) {
		int male = k != 1, year = k == 0 ? 1960 : k == 1 ? 1963 :
		    1985 + (int)k;

		idnum(id, year, male, ++b->seq);
		snprintf(row, sizeof row, "HK%05u,%s,Nguyễn %s %s,%02u/%02u/%d,"
		    "%s,%s,,00004,\"Số %u, Lê Lợi\",thường trú,01/01/2005,", hh,
		    k == 0 ? "chủ hộ" : k == 1 ? "vợ" : "con",
		    male ? "Văn" : "Thị", given[(hh + k) % 8], 1 + k % 28,
		    1 + hh % 12, year, male ? "Nam" : "Nữ", id, hh);
		big_line(b, row);
		b->good_persons++;
	}
}

/* One bad row as a one-person household: fmt has %s for the ID. */
static void
big_bad(struct big *b, const char *row, const char *field)
{
	big_line(b, row);
	expect(b, b->line, field);
	b->bad_rows++;
}

static void
big_make(struct big *b)
{
	char row[4096], id[13], id2[13], addr[3001];
	unsigned hh = 0;

	memset(b, 0, sizeof *b);
	big_add(b, HEADER, strlen(HEADER));
	b->line = 1;
	while (b->line < 10000) {
		unsigned next = (unsigned)b->line + 1, nextbad, size;

		hh++;
		/* Bad rows (or households) at lines 700, 1400, ... 9100; the
		 * last bad row ends the file at line 10001. */
		switch (next % 700 == 0 && next / 700 <= 13 ? next / 700 : 0) {
		case 1:
			big_bad(b, "B1,chủ hộ,Trần Văn Bảo,1970,Nam,00107000000X,,"
			    "00004,Số 1,,01/01/2000,", "id_number");
			continue;
		case 2:
			idnum(id, 1970, 1, ++b->seq);
			snprintf(row, sizeof row, "B2,chủ hộ,Trần Văn Bảo,1970,"
			    "Nữ,%s,,00004,Số 1,,01/01/2000,", id);
			big_bad(b, row, "sex");
			continue;
		case 3:
			idnum(id, 1970, 1, ++b->seq);
			snprintf(row, sizeof row, "B3,chủ hộ,Trần Văn Bảo,"
			    "31/02/1970,Nam,%s,,00004,Số 1,,01/01/2000,", id);
			big_bad(b, row, "dob");
			continue;
		case 4:
			idnum(id, 2026, 1, ++b->seq);
			snprintf(row, sizeof row, "B4,chủ hộ,Trần Văn Bảo,"
			    "01/12/2026,Nam,%s,,00004,Số 1,,01/01/2000,", id);
			big_bad(b, row, "dob");
			continue;
		case 5:
			idnum(id, 1970, 1, ++b->seq);
			snprintf(row, sizeof row, "B5,chủ hộ,,1970,Nam,%s,,00004,"
			    "Số 1,,01/01/2000,", id);
			big_bad(b, row, "name");
			continue;
		case 6:
			idnum(id, 1970, 1, ++b->seq);
			snprintf(row, sizeof row, "B6,chủ hộ,Trần Văn B4o,1970,"
			    "Nam,%s,,00004,Số 1,,01/01/2000,", id);
			big_bad(b, row, "name");
			continue;
		case 7:
			idnum(id, 1970, 1, ++b->seq);
			snprintf(row, sizeof row, "B7,chủ hộ,Trần Văn Bảo,1970,"
			    "X,%s,,00004,Số 1,,01/01/2000,", id);
			big_bad(b, row, "sex");
			continue;
		case 8:
			/* Two heads: every row of the household. */
			idnum(id, 1970, 1, ++b->seq);
			idnum(id2, 1972, 1, ++b->seq);
			snprintf(row, sizeof row, "B8,chủ hộ,Trần Văn Bảo,1970,"
			    "Nam,%s,,00004,Số 1,,01/01/2000,", id);
			big_bad(b, row, "relationship");
			snprintf(row, sizeof row, "B8,Chủ hộ,Trần Văn Bá,1972,"
			    "Nam,%s,,00004,Số 1,,01/01/2000,", id2);
			big_bad(b, row, "relationship");
			idnum(id, 2001, 0, ++b->seq);
			snprintf(row, sizeof row, "B8,con,Trần Thị Ba,2001,"
			    "Nữ,%s,,00004,Số 1,,01/01/2002,", id);
			big_bad(b, row, "relationship");
			continue;
		case 9:
			/* No head. */
			idnum(id, 1970, 1, ++b->seq);
			snprintf(row, sizeof row, "B9,vợ,Trần Thị Bảo,1970,"
			    "Nam,%s,,00004,Số 1,,01/01/2000,", id);
			big_bad(b, row, "relationship");
			idnum(id, 2001, 0, ++b->seq);
			snprintf(row, sizeof row, "B9,con,Trần Thị Ba,2001,"
			    "Nữ,%s,,00004,Số 1,,01/01/2002,", id);
			big_bad(b, row, "relationship");
			continue;
		case 10:
			idnum(id, 1970, 1, ++b->seq);
			snprintf(row, sizeof row, "B10,chủ hộ,Trần Văn Bảo,1970,"
			    "Nam,%s,,1234,Số 1,,01/01/2000,", id);
			big_bad(b, row, "commune");
			continue;
		case 11:
			idnum(id, 1970, 1, ++b->seq);
			snprintf(row, sizeof row, "B11,chủ hộ,Trần Văn Bảo,1970,"
			    "Nam,%s,,00004,S\xC3\x28 1,,01/01/2000,", id);
			big_bad(b, row, "address");
			continue;
		case 12:
			idnum(id, 1970, 1, ++b->seq);
			memset(addr, 'a', 3000);
			addr[3000] = '\0';
			snprintf(row, sizeof row, "B12,chủ hộ,Trần Văn Bảo,1970,"
			    "Nam,%s,,00004,%s,,01/01/2000,", id, addr);
			big_bad(b, row, "address");
			continue;
		case 13:
			/* A quote opened and never closed: one row lost, the
			 * lines after it read again. */
			idnum(id, 1970, 1, ++b->seq);
			snprintf(row, sizeof row, "B13,chủ hộ,Trần Văn Bảo,1970,"
			    "Nam,%s,,00004,\"Số 1, Lê Lợi,,01/01/2000,", id);
			big_bad(b, row, "address");
			continue;
		default:
			break;
		}
		nextbad = (next / 700 + 1) * 700;
		if (nextbad / 700 > 13)
			nextbad = 10001;
		size = 1 + hh % 5;
		if (size > nextbad - next)
			size = nextbad - next;
		big_household(b, hh, size);
	}
	/* The last row: a quote open at the end of the file. */
	idnum(id, 1970, 1, ++b->seq);
	snprintf(row, sizeof row, "B14,chủ hộ,Trần Văn Bảo,1970,Nam,%s,,00004,"
	    "Số 1,,\"01/01/2000,", id);
	big_bad(b, row, "from");
}



/* The report has exactly the expected (line, column) pairs. */
static void
check_exact(const struct big *b, const struct import_report *r)
{
	size_t i, missing = 0;

	for (i = 0; i < b->nexp; i++)
		if (!has_error(r, b->exp[i].line, b->exp[i].field)) {
			fprintf(stderr, "# no error at line %lu, %s\n",
			    b->exp[i].line, b->exp[i].field);
			missing++;
		}
	if (missing != 0 || r->n_errors != b->nexp)
		dump_errors(r);
	ck_assert_uint_eq(missing, 0);
	ck_assert_uint_eq(r->n_errors, b->nexp);
}

START_TEST(ten_thousand_rows_all_or_nothing)
{
	struct import_report r;
	struct cutru_err e;
	struct big b;
	sqlite3 *db = db_new();

	big_make(&b);
	ck_assert_uint_eq(b.line, 10001);
	ck_assert_int_eq(run(db, b.csv, b.len, IMPORT_ALL_OR_NOTHING, NULL,
	    &r, &e), CUTRU_EINVAL);
	check_exact(&b, &r);
	ck_assert_uint_eq(r.rows, b.line - 1);
	ck_assert_uint_eq(r.rows_imported, 0);
	ck_assert_uint_eq(r.rows_rejected, b.bad_rows);
	ck_assert_ptr_nonnull(strstr(e.msg, "nothing was imported"));
	/* Untouched. */
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM households"), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM journal"), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM search_deferred"), 0);
	import_report_free(&r);
	free(b.csv);
	sqlite3_close(db);
}
END_TEST

START_TEST(ten_thousand_rows_quarantine)
{
	struct search_result *res;
	struct import_report r;
	struct cutru_err e;
	struct big b;
	sqlite3 *db = db_new();
	FILE *rej = tmpfile();
	char *out, *line, *save = NULL;
	size_t i, n = 0, rows = 0;

	big_make(&b);
	ck_assert_msg(run(db, b.csv, b.len, IMPORT_QUARANTINE, rej, &r, &e) ==
	    CUTRU_OK, "%s", e.msg);
	check_exact(&b, &r);
	ck_assert_uint_eq(r.rows_rejected, b.bad_rows);
	ck_assert_uint_eq(r.rows_imported, r.rows - b.bad_rows);
	ck_assert_uint_eq(r.persons_added, b.good_persons);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"),
	    (long long)b.good_persons);
	/* The name index was rebuilt and is live. */
	ck_assert_int_eq(count(db, "SELECT count(*) FROM search_deferred"), 0);
	res = calloc(5, sizeof *res);
	ck_assert_ptr_nonnull(res);
	ck_assert_msg(search_persons(db, "nguyen van an", NULL, 5, res, &n,
	    &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_gt(n, 0);
	free(res);
	/* The rejects: a BOM, the header with "error", one row per bad row,
	 * each saying its line. */
	out = slurp(rej, NULL);
	ck_assert(starts_with(out, "\xEF\xBB\xBF" "household_number,"));
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		rows++;
	free(out);
	/* Header, the bad rows; the unclosed quote of B13 keeps its row on
	 * one line, the over-long field is cleared. */
	ck_assert_uint_eq(rows, 1 + b.bad_rows);
	out = slurp(rej, NULL);
	ck_assert_ptr_nonnull(strstr(out, ",error\r\n"));
	for (i = 0; i < b.nexp; i++) {
		char want[32];

		snprintf(want, sizeof want, "Line %lu.", b.exp[i].line);
		ck_assert_msg(strstr(out, want) != NULL, "%s", want);
	}
	ck_assert_ptr_nonnull(strstr(out, "S\xEF\xBF\xBD"));  /* U+FFFD */
	free(out);
	import_report_free(&r);
	fclose(rej);
	free(b.csv);
	sqlite3_close(db);
}
END_TEST

START_TEST(rejects_file_can_be_fixed_and_imported)
{
	static const char csv[] = HEADER
	    "H1,chủ hộ,Nguyễn Văn An,1987,Nam,001087000001,,00004,Số 5,,"
	    "01/01/2010,\r\n"
	    "H2,chủ hộ,Trần Văn Bảo,1970,Nam,001070000009,,00004,=Số 9,,"
	    "01/01/2000,\r\n"
	    "H2,con,Trần Thị Cúc,1999,Nữ,001199000010,,00004,=Số 9,,"
	    "31/12/2026,\r\n";
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();
	FILE *rej = tmpfile(), *rej2 = tmpfile();
	char *out, *p;
	size_t len;

	ck_assert_int_eq(run(db, csv, strlen(csv), IMPORT_QUARANTINE, rej, &r,
	    &e), CUTRU_OK);
	ck_assert_uint_eq(r.rows_imported, 1);
	ck_assert_uint_eq(r.rows_rejected, 2);
	ck_assert(has_error(&r, 4, "from"));
	import_report_free(&r);
	out = slurp(rej, &len);
	/* The head's row says why it was not imported; the formula-like
	 * address is escaped for spreadsheets. */
	ck_assert_ptr_nonnull(strstr(out, "Line 3. Not imported: line 4"));
	ck_assert_ptr_nonnull(strstr(out, "\"'=Số 9\""));
	/* Imported as it is, the same row is refused again... */
	ck_assert_int_eq(run(db, out, len, IMPORT_QUARANTINE, rej2, &r, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(r.rows_rejected, 2);
	ck_assert(has_error(&r, 3, "from"));
	import_report_free(&r);
	/* ... and once fixed it goes in, the rest untouched. */
	p = strstr(out, "31/12/2026");
	ck_assert_ptr_nonnull(p);
	memcpy(p, "31/12/2020", 10);
	ck_assert_msg(run(db, out, len, IMPORT_ALL_OR_NOTHING, NULL, &r, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.persons_added, 2);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 3);
	p = text(db, "SELECT a.detail FROM households h JOIN addresses a"
	    " ON a.id = h.address_id WHERE h.number = 'H2'");
	ck_assert_str_eq(p, "=Số 9");
	free(p);
	import_report_free(&r);
	free(out);
	fclose(rej);
	fclose(rej2);
	sqlite3_close(db);
}
END_TEST

/* Ten households; those with an odd index have a residence from
 * 11/11/2011, which a trigger of the test makes the register refuse (a
 * refusal the importer's look-ups cannot foresee). */
static void
refusals_csv(char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "%s", HEADER);
	char id[13];
	int k;

	for (k = 0; k < 10; k++) {
		idnum(id, 1970 + k, 1, (unsigned)k + 1);
		n += (size_t)snprintf(buf + n, size - n, "R%d,chủ hộ,Võ Văn Tâm,"
		    "%d,Nam,%s,,00004,Số %d,,%s,\r\n", k, 1970 + k, id, k,
		    k % 2 ? "11/11/2011" : "01/01/2012");
	}
}

START_TEST(refusals_by_the_register_while_applying)
{
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db;
	char csv[4096];
	FILE *rej;
	int k;

	refusals_csv(csv, sizeof csv);
	/* All or nothing: the first refusal, nothing kept. */
	db = db_new();
	st_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON residences"
	    " WHEN NEW.from_date = '2011-11-11'"
	    " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
	ck_assert_int_eq(run_str(db, csv, &r, &e), CUTRU_EINVAL);
	ck_assert_uint_eq(r.n_errors, 1);
	ck_assert(has_error(&r, 3, ""));
	ck_assert_ptr_nonnull(strstr(r.errors[0].msg, "refused by the test"));
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 0);
	import_report_free(&r);
	sqlite3_close(db);
	/* Quarantine: more refusals in one chunk than it retries; every
	 * good household still goes in, every bad one is named. */
	db = db_new();
	st_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON residences"
	    " WHEN NEW.from_date = '2011-11-11'"
	    " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
	rej = tmpfile();
	ck_assert_msg(run(db, csv, strlen(csv), IMPORT_QUARANTINE, rej, &r,
	    &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.n_errors, 5);
	for (k = 1; k < 10; k += 2)
		ck_assert(has_error(&r, (unsigned long)k + 2, ""));
	ck_assert_uint_eq(r.rows_imported, 5);
	ck_assert_uint_eq(r.rows_rejected, 5);
	ck_assert_uint_eq(r.persons_added, 5);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 5);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM households"), 5);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM residences WHERE"
	    " from_date = '2012-01-01'"), 5);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM journal"),
	    (long long)r.journal_entries);
	import_report_free(&r);
	fclose(rej);
	sqlite3_close(db);
}
END_TEST

START_TEST(a_failing_journal_leaves_nothing)
{
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();
	char csv[4096];
	FILE *rej = tmpfile();

	refusals_csv(csv, sizeof csv);
	st_exec(db, "CREATE TRIGGER broken BEFORE INSERT ON journal"
	    " BEGIN SELECT RAISE(ABORT, 'journal unavailable'); END");
	ck_assert_int_eq(run(db, csv, strlen(csv), IMPORT_QUARANTINE, rej, &r,
	    &e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "journal unavailable"));
	ck_assert_uint_eq(r.rows_imported, 0);
	ck_assert_uint_eq(r.persons_added, 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM search_deferred"), 0);
	ck_assert_int_eq(sqlite3_get_autocommit(db), 1);
	import_report_free(&r);
	fclose(rej);
	sqlite3_close(db);
}
END_TEST

START_TEST(inside_the_callers_transaction)
{
	static const char csv[] = HEADER
	    "H1,chủ hộ,Nguyễn Văn An,1987,Nam,001087000001,,00004,Số 5,,"
	    "01/01/2010,\r\n";
	static const char bad[] = HEADER
	    "H2,chủ hộ,Trần Văn Bảo,1970,Nữ,001070000009,,00004,Số 9,,"
	    "01/01/2000,\r\n";
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();

	/* The import is a savepoint in the caller's transaction: it stays
	 * open, and the caller decides. */
	st_exec(db, "BEGIN");
	ck_assert_int_eq(run_str(db, csv, &r, &e), CUTRU_OK);
	import_report_free(&r);
	ck_assert_int_eq(run_str(db, bad, &r, &e), CUTRU_EINVAL);
	import_report_free(&r);
	ck_assert_int_eq(sqlite3_get_autocommit(db), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 1);
	st_exec(db, "ROLLBACK");
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 0);
	st_exec(db, "BEGIN");
	ck_assert_int_eq(run_str(db, csv, &r, &e), CUTRU_OK);
	import_report_free(&r);
	st_exec(db, "COMMIT");
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 1);
	sqlite3_close(db);
}
END_TEST

START_TEST(dry_run_leaves_the_store_untouched)
{
	static const char csv[] = HEADER
	    "H1,chủ hộ,Nguyễn Văn An,1987,Nam,001087000001,,00004,Số 5,,"
	    "01/01/2010,\r\n";
	struct import_report r;
	struct import_opts o;
	struct cutru_err e;
	sqlite3 *db = db_new();
	FILE *in = file_of(csv, strlen(csv));

	opts_init(&o, IMPORT_ALL_OR_NOTHING, NULL);
	o.flags = IMPORT_DRY_RUN;
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(import_csv(db, in, &o, &r, &e), CUTRU_OK);
	ck_assert_uint_eq(r.persons_added, 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM journal"), 0);
	import_report_free(&r);
	fclose(in);
	sqlite3_close(db);
}
END_TEST

START_TEST(arguments_are_checked)
{
	struct import_report r;
	struct import_opts o;
	struct cutru_err e;
	sqlite3 *db = db_new();
	FILE *in = file_of(HEADER, strlen(HEADER));

	memset(&r, 0, sizeof r);
	opts_init(&o, IMPORT_ALL_OR_NOTHING, NULL);
	ck_assert_int_eq(import_csv(NULL, in, &o, &r, &e), CUTRU_EINVAL);
	ck_assert_int_eq(import_csv(db, NULL, &o, &r, &e), CUTRU_EINVAL);
	ck_assert_int_eq(import_csv(db, in, NULL, &r, &e), CUTRU_EINVAL);
	o.today.prec = CUTRU_DATE_YEAR;
	ck_assert_int_eq(import_csv(db, in, &o, &r, &e), CUTRU_EINVAL);
	opts_init(&o, IMPORT_QUARANTINE, NULL);
	ck_assert_int_eq(import_csv(db, in, &o, &r, &e), CUTRU_EINVAL);
	opts_init(&o, IMPORT_ALL_OR_NOTHING, NULL);
	o.actor = NULL;
	ck_assert_int_eq(import_csv(db, in, &o, &r, &e), CUTRU_EINVAL);
	/* A header and no rows: nothing to do, and no report needed. */
	opts_init(&o, IMPORT_ALL_OR_NOTHING, NULL);
	ck_assert_int_eq(import_csv(db, in, &o, NULL, &e), CUTRU_OK);
	import_report_free(NULL);
	ck_assert_int_eq(export_csv(db, NULL, 0, &e), CUTRU_EINVAL);
	ck_assert_int_eq(export_json(NULL, stdout, &e), CUTRU_EINVAL);
	fclose(in);
	sqlite3_close(db);
}
END_TEST

/* ---- Hostile files ---- */

static void
hostile(const char *what, const char *csv, size_t len, unsigned long line,
    const char *field)
{
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();

	ck_assert_msg(run(db, csv, len, IMPORT_ALL_OR_NOTHING, NULL, &r, &e) ==
	    CUTRU_EINVAL, "%s", what);
	ck_assert_msg(r.n_errors >= 1, "%s", what);
	ck_assert_msg(r.errors[0].line == line, "%s: line %lu", what,
	    r.errors[0].line);
	if (field != NULL)
		ck_assert_msg(strcmp(r.errors[0].field, field) == 0, "%s: %s",
		    what, r.errors[0].field);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 0);
	import_report_free(&r);
	sqlite3_close(db);
}

static const char good_row[] =
    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,Tổ 3,,01/06/2000,\r\n";

START_TEST(hostile_megabyte_field)
{
	size_t big = 1 << 20, n;
	char *csv = malloc(big + 512);

	ck_assert_ptr_nonnull(csv);
	/* Quoted, then unquoted, each followed by a good row. */
	n = (size_t)sprintf(csv, HEADER ",,\"");
	memset(csv + n, 'A', big);
	n += big;
	n += (size_t)sprintf(csv + n, "\",1980,Nam,001080000004,,00007,Tổ 3,,"
	    "01/06/2000,\r\n%s", good_row);
	hostile("quoted 1 MB", csv, n, 2, "");
	n = (size_t)sprintf(csv, HEADER ",,");
	memset(csv + n, 'A', big);
	n += big;
	n += (size_t)sprintf(csv + n, ",1980,Nam,001080000004,,00007,Tổ 3,,"
	    "01/06/2000,\r\n%s", good_row);
	hostile("unquoted 1 MB", csv, n, 2, "");
	free(csv);
}
END_TEST

START_TEST(hostile_hundred_thousand_columns)
{
	size_t cols = 100000, n, i;
	char *csv = malloc(cols * 2 + 1024);

	ck_assert_ptr_nonnull(csv);
	/* In the header. */
	for (n = 0, i = 0; i < cols; i++)
		csv[n++] = ',';
	memcpy(csv + n, "\r\n", 2);
	hostile("header", csv, n + 2, 1, "");
	/* In a row (too long), and a row of 70 fields (too many). */
	n = (size_t)sprintf(csv, HEADER);
	for (i = 0; i < cols; i++)
		csv[n++] = ',';
	n += (size_t)sprintf(csv + n, "\r\n%s", good_row);
	hostile("row", csv, n, 2, "");
	n = (size_t)sprintf(csv, HEADER);
	for (i = 0; i < 70; i++)
		csv[n++] = ',';
	n += (size_t)sprintf(csv + n, "\r\n%s", good_row);
	hostile("70 fields", csv, n, 2, "");
	free(csv);
}
END_TEST

START_TEST(hostile_bytes)
{
	static const char nul[] = HEADER
	    ",,Lê Văn\0Dũng,1980,Nam,001080000004,,00007,Tổ 3,,01/06/2000,\r\n";
	static const char cr[] = HEADER
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,Tổ 3\r,,01/06/2000,\r\n";
	static const char mac[] = "name,dob,sex,id_number,commune,address\r"
	    "Lê Văn Dũng,1980,Nam,001080000004,00007,Tổ 3\r";
	static const char overlong[] = HEADER
	    ",,L\xC0\xAE Dũng,1980,Nam,001080000004,,00007,Tổ 3,,01/06/2000,\r\n";
	static const char surrogate[] = HEADER
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,T\xED\xA0\x80,,"
	    "01/06/2000,\r\n";
	static const char stray_quote[] = HEADER
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,Tổ \"3\",,"
	    "01/06/2000,\r\n";
	static const char after_quote[] = HEADER
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,\"Tổ 3\"x,,"
	    "01/06/2000,\r\n";
	static const char fields[] = HEADER
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,Tổ 3,01/06/2000,\r\n";
	static const char control[] = HEADER
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,Tổ\x1b 3,,"
	    "01/06/2000,\r\n";

	hostile("NUL", nul, sizeof nul - 1, 2, "name");
	hostile("lone CR", cr, sizeof cr - 1, 2, "address");
	hostile("CR line ends", mac, sizeof mac - 1, 1, "");
	hostile("overlong UTF-8", overlong, sizeof overlong - 1, 2, "name");
	hostile("surrogate", surrogate, sizeof surrogate - 1, 2, "address");
	hostile("stray quote", stray_quote, sizeof stray_quote - 1, 2,
	    "address");
	hostile("text after quote", after_quote, sizeof after_quote - 1, 2,
	    "address");
	hostile("field count", fields, sizeof fields - 1, 2, "");
	hostile("control character", control, sizeof control - 1, 2,
	    "address");
}
END_TEST

START_TEST(blank_rows_are_skipped)
{
	static const char csv[] = HEADER "\r\n,,,,,,,,,,,\r\n"
	    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,Tổ 3,,01/06/2000,\r\n"
	    "\n,,,,,,,,\r\n\n";
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();

	ck_assert_msg(run_str(db, csv, &r, &e) == CUTRU_OK, "%s", e.msg);
	/* Blank lines and empty rows, of whatever width, do not count. */
	ck_assert_uint_eq(r.rows, 1);
	ck_assert_uint_eq(r.persons_added, 1);
	import_report_free(&r);
	sqlite3_close(db);
}
END_TEST

/* ---- Exports ---- */

static const char rich[] = HEADER
    /* A head whose household address is not their permanent one. */
    "H-2,chủ hộ,Phạm Thị Hoà,1955,Nữ,001155000021,987654321,00004,"
    "\"Số 7, ngõ 3\",,,\r\n"
    "H-2,chủ hộ,Phạm Thị Hoà,1955,Nữ,001155000021,987654321,00010,"
    "Xóm Đông,tạm trú,01/10/2026,01/10/2027\r\n"
    "H-2,cháu ngoại,Đỗ Văn Tý,06/2019,Nam,001219000022,,00004,"
    "\"Số 7, ngõ 3\",thường trú,15/07/2019,\r\n"
    "H1,chủ hộ,Nguyễn Văn An,02/05/1987,Nam,001087000001,,00004,"
    "\"=cmd|' /C calc'!A0\",thường trú,01/01/2010,\r\n"
    "H1,vợ,Trần Thị Bình,1990,Nữ,001190000002,,00004,"
    "\"=cmd|' /C calc'!A0\",thường trú,01/01/2010,\r\n"
    "H1,con,Nguyễn Văn Cường,03/2015,Nam,001215000003,,,,,,\r\n"
    ",,Lê Văn Dũng,1980,Nam,001080000004,,00007,\"Tổ \"\"3\"\"\","
    "nơi ở hiện tại,01/06/2026,\r\n"
    ",,Lý Thị Mai,1999,Nữ,001199000005,,,,,,\r\n";

static char *
export_of(sqlite3 *db, int json, size_t *len)
{
	struct cutru_err e;
	FILE *f = tmpfile();
	char *s;

	if (json)
		ck_assert_msg(export_json(db, f, &e) == CUTRU_OK, "%s", e.msg);
	else
		ck_assert_msg(export_csv(db, f, EXPORT_CSV_BOM, &e) == CUTRU_OK,
		    "%s", e.msg);
	s = slurp(f, len);
	fclose(f);
	return s;
}

START_TEST(export_csv_round_trip)
{
	struct import_report r;
	struct cutru_err e;
	sqlite3 *a = db_new(), *b = db_new();
	char *csv1, *csv2, *j1, *j2;
	size_t len1, len2;

	ck_assert_msg(run_str(a, rich, &r, &e) == CUTRU_OK, "%s", e.msg);
	import_report_free(&r);
	csv1 = export_of(a, 0, &len1);
	ck_assert_msg(run(b, csv1, len1, IMPORT_ALL_OR_NOTHING, NULL, &r, &e) ==
	    CUTRU_OK, "%s\n%s", e.msg, csv1);
	ck_assert_uint_eq(r.persons_added, 7);
	import_report_free(&r);
	csv2 = export_of(b, 0, &len2);
	ck_assert_str_eq(csv1, csv2);
	j1 = export_of(a, 1, NULL);
	j2 = export_of(b, 1, NULL);
	ck_assert_str_eq(j1, j2);
	/* Grouped by household, head first; the formula is escaped; the
	 * head's household address comes first on a row of its own. */
	ck_assert(starts_with(csv1, "\xEF\xBB\xBF" "household_number,"
	    "relationship,name,dob,sex,id_number,cmnd,commune,address,"
	    "residence_kind,from,to\r\nH-2,chủ hộ,Phạm Thị Hoà,1955,Nữ,"
	    "001155000021,987654321,00004,\"Số 7, ngõ 3\",,,\r\nH-2,chủ hộ,"
	    "Phạm Thị Hoà,1955,Nữ,001155000021,987654321,00010,Xóm Đông,"
	    "temporary,"
	    "01/10/2026,01/10/2027\r\n"));
	ck_assert_ptr_nonnull(strstr(csv1, "\"'=cmd|' /C calc'!A0\""));
	ck_assert_ptr_nonnull(strstr(csv1,
	    "H1,con,Nguyễn Văn Cường,03/2015,Nam,001215000003,,,,,,\r\n"));
	/* Re-importing the export into the register it came from changes
	 * nothing. */
	ck_assert_int_eq(run(a, csv1, len1, IMPORT_ALL_OR_NOTHING, NULL, &r,
	    &e), CUTRU_OK);
	ck_assert_uint_eq(r.rows_unchanged, r.rows);
	ck_assert_uint_eq(r.journal_entries, 0);
	import_report_free(&r);
	free(csv1);
	free(csv2);
	free(j1);
	free(j2);
	sqlite3_close(a);
	sqlite3_close(b);
}
END_TEST

/* A temporary residence received in advance begins after today: the
 * register holds it (applied through apply_events(), as approval does),
 * so its export imports again.  Legacy books still may not give a date
 * of birth, or a permanent residence, in the future. */
START_TEST(a_residence_beginning_later_survives_the_round_trip)
{
	static const char events[] =
	    "[{\"type\":\"person.upserted\",\"data\":{\"id_number\":"
	    "\"079195012345\",\"name\":\"Lê Thị Hoa\",\"dob\":\"1995-02-14\","
	    "\"sex\":\"female\"}},{\"type\":\"residence.opened\",\"data\":{"
	    "\"person\":\"079195012345\",\"kind\":\"temporary\",\"address\":"
	    "{\"commune\":\"00070\",\"detail\":\"Phòng 301, số 8 phố Hàng "
	    "Gai\"},\"from\":\"2026-12-01\",\"to\":\"2027-11-30\"}}]";
	struct apply_ctx ctx;
	struct import_report r;
	struct cutru_err e;
	sqlite3 *a = db_new(), *b = db_new(), *c = db_new();
	char *csv1, *csv2;
	size_t len1, len2;
	cJSON *ev;

	memset(&ctx, 0, sizeof ctx);
	ctx.date.year = 2026;
	ctx.date.month = 11;
	ctx.date.day = 27;
	ctx.date.prec = CUTRU_DATE_DAY;
	ctx.actor = "minh";
	ctx.at = "2026-11-27T03:00:00Z";
	ck_assert_ptr_nonnull(ev = cJSON_Parse(events));
	ck_assert_msg(apply_events(a, ev, &ctx, &e) == CUTRU_OK, "%s", e.msg);
	cJSON_Delete(ev);
	csv1 = export_of(a, 0, &len1);
	ck_assert_ptr_nonnull(strstr(csv1, "temporary,01/12/2026,30/11/2027"));
	ck_assert_msg(run(b, csv1, len1, IMPORT_ALL_OR_NOTHING, NULL, &r, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.residences_added, 1);
	import_report_free(&r);
	csv2 = export_of(b, 0, &len2);
	ck_assert_str_eq(csv1, csv2);
	ck_assert_int_eq(run_str(c, HEADER
	    ",,Lê Văn Tư,01/12/2026,Nam,001226000001,,00070,Số 1,,,\r\n"
	    ",,Lê Văn Tám,1980,Nam,001080000008,,00070,Số 1,permanent,"
	    "01/12/2026,\r\n"
	    ",,Lê Văn Chín,1981,Nam,001081000009,,00070,Số 1,current,"
	    "01/12/2026,\r\n", &r, &e), CUTRU_EINVAL);
	ck_assert(has_error(&r, 2, "dob"));
	ck_assert(has_error(&r, 3, "from"));
	ck_assert(has_error(&r, 4, "from"));
	import_report_free(&r);
	free(csv1);
	free(csv2);
	sqlite3_close(a);
	sqlite3_close(b);
	sqlite3_close(c);
}
END_TEST

START_TEST(export_json_is_canonical_per_person)
{
	struct import_report r;
	struct cutru_err e;
	sqlite3 *db = db_new();
	cJSON *doc, *p, *h;
	char *j;
	size_t len;

	j = export_of(db, 1, &len);
	ck_assert_str_eq(j, "[]\n");
	free(j);
	ck_assert_int_eq(run_str(db, rich, &r, &e), CUTRU_OK);
	import_report_free(&r);
	j = export_of(db, 1, &len);
	ck_assert_int_eq(canon_parse(j, len, NULL, 0, &doc, &e), CUTRU_OK);
	ck_assert_int_eq(cJSON_GetArraySize(doc), 7);
	p = cJSON_GetArrayItem(doc, 0);
	ck_assert_str_eq(cJSON_GetObjectItem(p, "name")->valuestring,
	    "Phạm Thị Hoà");
	ck_assert_str_eq(cJSON_GetObjectItem(p, "dob")->valuestring, "1955");
	ck_assert_str_eq(cJSON_GetObjectItem(p, "sex")->valuestring, "female");
	h = cJSON_GetObjectItem(p, "household");
	ck_assert_str_eq(cJSON_GetObjectItem(h, "number")->valuestring, "H-2");
	ck_assert_str_eq(cJSON_GetObjectItem(h, "relationship")->valuestring,
	    "head");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(p,
	    "residences")), 1);
	p = cJSON_GetArrayItem(doc, 6);
	ck_assert_ptr_null(cJSON_GetObjectItem(p, "household"));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(p,
	    "residences")), 0);
	cJSON_Delete(doc);
	free(j);
	sqlite3_close(db);
}
END_TEST

/* ---- The encrypted store ---- */

/* Plaintext looked for in every file under a store (nftw() has no
 * context argument). */
static const char *const *scan_needles;
static size_t scan_n, scan_hits;

static int
scan_file(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	unsigned char *buf;
	size_t len, i, j, nl;

	(void)sb;
	(void)ftw;
	if (type != FTW_F || (buf = st_slurp(path, &len)) == NULL)
		return 0;
	for (i = 0; i < scan_n; i++) {
		nl = strlen(scan_needles[i]);
		for (j = 0; j + nl <= len; j++)
			if (memcmp(buf + j, scan_needles[i], nl) == 0) {
				fprintf(stderr, "# %s in %s\n", scan_needles[i],
				    path);
				scan_hits++;
			}
	}
	free(buf);
	return 0;
}

static int
remove_entry(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* The schema as SQLite holds it: every table, index and trigger with its
 * statement, in name order, malloc'd. */
static char *
schema_text(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	struct big out;

	memset(&out, 0, sizeof out);
	big_add(&out, "", 0);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT type, name, tbl_name,"
	    " coalesce(sql, '') FROM sqlite_schema ORDER BY name", -1, &st,
	    NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int i;

		for (i = 0; i < 4; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);

			big_add(&out, v, strlen(v));
			big_add(&out, "|", 1);
		}
		big_add(&out, "\n", 1);
	}
	sqlite3_finalize(st);
	return out.csv;
}

/* A good file of at least IMPORT_DEFER_ROWS rows: what the bulk load
 * (journal mode, indexes dropped and made again) is used for. */
static void
big_good(struct big *b, unsigned rows)
{
	unsigned hh = 0;

	memset(b, 0, sizeof *b);
	big_add(b, HEADER, strlen(HEADER));
	b->line = 1;
	while (b->line < rows + 1) {
		hh++;
		big_household(b, hh, 1 + hh % 5);
	}
}

/* The same counts and the same errors, in the same order. */
static void
same_report(const struct import_report *a, const struct import_report *b)
{
	size_t i;

	ck_assert_uint_eq(a->rows, b->rows);
	ck_assert_uint_eq(a->rows_imported, b->rows_imported);
	ck_assert_uint_eq(a->rows_rejected, b->rows_rejected);
	ck_assert_uint_eq(a->persons_added, b->persons_added);
	ck_assert_uint_eq(a->households_added, b->households_added);
	ck_assert_uint_eq(a->n_errors, b->n_errors);
	for (i = 0; i < a->n_errors; i++) {
		ck_assert_uint_eq(a->errors[i].line, b->errors[i].line);
		ck_assert_str_eq(a->errors[i].field, b->errors[i].field);
		ck_assert_str_eq(a->errors[i].msg, b->errors[i].msg);
	}
}

/* Import csv on one thread and with the file read on two (quarantine);
 * the reports, rejects and journals must be the same.  The second
 * import's read_split into *split. */
static void
one_and_two_readers(const char *csv, size_t len, int *split)
{
	struct import_report r1, r2;
	struct cutru_err e1, e2;
	sqlite3 *a = db_new(), *b = db_new();
	FILE *ra = tmpfile(), *rb = tmpfile();
	char *x, *y;
	int rc1, rc2;

	rc1 = run_mode_flags(a, csv, len, IMPORT_QUARANTINE, ra,
	    IMPORT_ONE_THREAD, &r1, &e1);
	rc2 = run_mode_flags(b, csv, len, IMPORT_QUARANTINE, rb,
	    IMPORT_READ_SPLIT, &r2, &e2);
	ck_assert_int_eq(rc1, rc2);
	ck_assert_int_eq(r1.read_split, 0);
	*split = r2.read_split;
	same_report(&r1, &r2);
	x = slurp(ra, NULL);
	y = slurp(rb, NULL);
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
	x = journal_of(a);
	y = journal_of(b);
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
	import_report_free(&r1);
	import_report_free(&r2);
	fclose(ra);
	fclose(rb);
	sqlite3_close(a);
	sqlite3_close(b);
}

/* Is the first line end after the middle of the rows (what follows the
 * header) inside a quoted field? */
static int
cut_in_quotes(const struct big *b)
{
	const char *rest = b->csv + strlen(HEADER), *p;
	size_t len = b->len - strlen(HEADER), q = 0;

	p = memchr(rest + len / 2, '\n', len - len / 2);
	ck_assert_ptr_nonnull(p);
	for (; rest < p; rest++)
		q += *rest == '"';
	return q % 2 == 1;
}

/* A large file is read on two threads (localdb/import.c, "Reading on two
 * threads"): the rows, errors (lines, fields, messages, order), rejects
 * and journal are those of one thread, for the 10,000-row file with its
 * known errors, for a file cut inside a quoted field (read again on one
 * thread) and for one with an unclosed quote before the cut (likewise). */
START_TEST(reading_on_two_threads_matches_one)
{
	struct big b;
	char row[512], id[13];
	int split;
	unsigned k;

	big_make(&b);
	one_and_two_readers(b.csv, b.len, &split);
	ck_assert_int_ne(split, 0);
	free(b.csv);
	/* Every row's address spans lines: the cut falls inside one. */
	memset(&b, 0, sizeof b);
	big_add(&b, HEADER, strlen(HEADER));
	b.line = 1;
	for (k = 1; k < 400 || !cut_in_quotes(&b); k++) {
		ck_assert_uint_lt(k, 2000);
		idnum(id, 1980, 1, k);
		snprintf(row, sizeof row, "HK%05u,chủ hộ,Nguyễn Văn An,"
		    "01/01/1980,Nam,%s,,00004,\"Số %u\nA\nB\nC\nD\nE\","
		    "thường trú,01/01/2005,", k, id, k);
		big_line(&b, row);
	}
	one_and_two_readers(b.csv, b.len, &split);
	ck_assert_int_eq(split, 2);
	free(b.csv);
	/* A good file with an unclosed quote on its third line. */
	big_good(&b, 3000);
	{
		char *at = strstr(b.csv, "\r\nHK00002,");

		ck_assert_ptr_nonnull(at);
		at = strstr(at, "Lê Lợi\",");
		ck_assert_ptr_nonnull(at);
		at[strlen("Lê Lợi")] = ' ';   /* the opening quote stays */
	}
	one_and_two_readers(b.csv, b.len, &split);
	ck_assert_int_eq(split, 2);
	free(b.csv);
	/* And a good one, cut cleanly. */
	big_good(&b, 3000);
	one_and_two_readers(b.csv, b.len, &split);
	ck_assert_int_eq(split, 1);
	free(b.csv);
	/* Nothing after the header, one row, two rows, a last row without
	 * a line end: nowhere to cut, or a cut that leaves one row each. */
	{
		static const char *const tiny[] = {
			HEADER,
			HEADER "HK1,chủ hộ,Lò Văn Seed,1970,Nam,001070999999,,"
			"00004,\"Bản Seed\",thường trú,01/01/2000,\r\n",
			HEADER "HK1,chủ hộ,Lò Văn Seed,1970,Nam,001070999999,,"
			"00004,\"Bản Seed\",thường trú,01/01/2000,\r\n"
			"HK1,vợ,Lò Thị Hoa,1972,Nữ,001172999998,,"
			"00004,\"Bản Seed\",thường trú,01/01/2000,\r\n",
			HEADER "HK1,chủ hộ,Lò Văn Seed,1970,Nam,001070999999,,"
			"00004,\"Bản Seed\",thường trú,01/01/2000,\r\n"
			"HK1,vợ,Lò Thị Hoa,1972,Nữ,001172999998,,"
			"00004,\"Bản Seed\",thường trú,01/01/2000,",
			NULL
		};

		for (k = 0; tiny[k] != NULL; k++)
			one_and_two_readers(tiny[k], strlen(tiny[k]), &split);
	}
}
END_TEST

/* The ids search_persons() finds for query, space-separated, malloc'd. */
static char *
found_ids(sqlite3 *db, const char *query)
{
	struct search_result *res = calloc(50, sizeof *res);
	struct cutru_err e;
	char *s = calloc(50, 24);
	size_t n = 0, i;

	ck_assert_ptr_nonnull(res);
	ck_assert_ptr_nonnull(s);
	ck_assert_msg(search_persons(db, query, NULL, 50, res, &n, &e) ==
	    CUTRU_OK, "%s: %s", query, e.msg);
	for (i = 0; i < n; i++)
		sprintf(s + strlen(s), "%lld ", (long long)res[i].id);
	free(res);
	return s;
}

/* The name index's own rows, as text: labels, FTS5's index and its
 * pages (the structure record, id 10, without its first four bytes: the
 * settings cookie, which counts the changes of the index's settings). */
static char *
name_index_of(sqlite3 *db)
{
	return text(db, "SELECT (SELECT group_concat(hex(key) || ':' || label,"
	    " ' ') FROM (SELECT * FROM search_names ORDER BY key)) || '/' ||"
	    " (SELECT group_concat(segid || ':' || hex(term) || ':' || pgno,"
	    " ' ') FROM (SELECT * FROM person_search_idx ORDER BY segid, term))"
	    " || '/' || (SELECT group_concat(id || ':' || hex(CASE id WHEN 10"
	    " THEN substr(block, 5) ELSE block END), ' ') FROM"
	    " (SELECT * FROM person_search_data ORDER BY id))");
}

/* A bulk load into an empty register makes its name index on a thread of
 * its own (search_build()) and copies it in (search_adopt()): the same
 * rows, byte for byte, as search_rebuild() writes; FTS5 finds it sound,
 * and so does a search on the connection that searched the empty index
 * before, and a person added afterwards through the index's triggers. */
START_TEST(name_index_made_beside_is_the_rebuilt_one)
{
	static const char seed[] = HEADER
	    "HK-SEED,chủ hộ,Lò Văn Seed,1970,Nam,001070999999,,00004,"
	    "\"Bản Seed\",thường trú,01/01/2000,\n";
	static const char *const queries[] = {
		"nguyen", "ng v a", "nguyen thi", "dung", "n t h", "b", NULL
	};
	struct import_report r;
	struct cutru_err e;
	struct big b;
	sqlite3 *a = db_new(), *one = db_new();
	char *ia, *io, *fa, *fo;
	size_t i;

	big_good(&b, 6000);
	/* A search first: FTS5 reads the empty index and keeps what it
	 * read. */
	fa = found_ids(a, "nguyen");
	ck_assert_str_eq(fa, "");
	free(fa);
	ck_assert_msg(run(a, b.csv, b.len, IMPORT_ALL_OR_NOTHING, NULL, &r,
	    &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_int_eq(r.names_adopted, 1);
	import_report_free(&r);
	ck_assert_msg(run_flags(one, b.csv, b.len, IMPORT_ONE_THREAD, &r, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_int_eq(r.names_adopted, 0);
	import_report_free(&r);
	ia = name_index_of(a);
	io = name_index_of(one);
	ck_assert_uint_gt(strlen(ia), 6000 * 20);
	ck_assert_str_eq(ia, io);
	free(ia);
	free(io);
	ck_assert_int_eq(count(a, "SELECT count(*) FROM search_deferred"), 0);
	ck_assert_int_eq(count(a, "SELECT count(*) FROM sqlite_schema"
	    " WHERE type = 'trigger' AND name LIKE 'person_search%'"), 5);
	ck_assert_int_eq(sqlite3_exec(a, "INSERT INTO person_search"
	    " (person_search, rank) VALUES ('integrity-check', 0)", NULL, NULL,
	    NULL), SQLITE_OK);
	for (i = 0; queries[i] != NULL; i++) {
		fa = found_ids(a, queries[i]);
		fo = found_ids(one, queries[i]);
		ck_assert_msg(strlen(fa) > 0, "%s found nobody", queries[i]);
		ck_assert_str_eq(fa, fo);
		free(fa);
		free(fo);
	}
	/* A small import goes through the triggers, into the copied
	 * index. */
	ck_assert_msg(run_str(a, seed, &r, &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_int_eq(r.names_adopted, 0);
	import_report_free(&r);
	fa = found_ids(a, "lo van seed");
	ck_assert_str_eq(fa, "6001 ");
	free(fa);
	ck_assert_int_eq(sqlite3_exec(a, "INSERT INTO person_search"
	    " (person_search, rank) VALUES ('integrity-check', 0)", NULL, NULL,
	    NULL), SQLITE_OK);
	/* An index that cannot be copied leaves the store's as it was. */
	{
		sqlite3 *img = NULL;

		ia = name_index_of(a);
		ck_assert_int_eq(sqlite3_open(":memory:", &img), SQLITE_OK);
		ck_assert_int_eq(search_adopt(a, img, &e), CUTRU_EIO);
		io = name_index_of(a);
		ck_assert_str_eq(ia, io);
		free(ia);
		free(io);
		fa = found_ids(a, "lo van seed");
		ck_assert_str_eq(fa, "6001 ");
		free(fa);
	}
	free(b.csv);
	sqlite3_close(a);
	sqlite3_close(one);
}
END_TEST

START_TEST(bulk_load_leaves_schema_and_journal_mode)
{
	struct import_report r;
	struct cutru_err e;
	struct import_opts o;
	struct big b;
	char *dir = st_mkdtemp(), *path = st_path(dir, "plain.db");
	char *before, *after, *s;
	sqlite3 *db = NULL, *other = NULL;
	FILE *in;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL,
	    NULL, NULL), SQLITE_OK);
	ck_assert_msg(schema_migrate(db, &e) == CUTRU_OK, "%s", e.msg);
	before = schema_text(db);
	big_good(&b, 6000);
	/* A dry run of a bulk-sized file: nothing kept, schema whole. */
	opts_init(&o, IMPORT_ALL_OR_NOTHING, NULL);
	o.flags = IMPORT_DRY_RUN;
	in = file_of(b.csv, b.len);
	memset(&r, 0, sizeof r);
	ck_assert_msg(import_csv(db, in, &o, &r, &e) == CUTRU_OK, "%s", e.msg);
	fclose(in);
	ck_assert_uint_eq(r.persons_added, b.good_persons);
	import_report_free(&r);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"), 0);
	after = schema_text(db);
	ck_assert_str_eq(before, after);
	free(after);
	s = text(db, "PRAGMA journal_mode");
	ck_assert_str_eq(s, "wal");
	free(s);
	/* The import itself; the connection's temp_store (here FILE, which
	 * the import's sorts use too) as it was. */
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA temp_store = FILE", NULL,
	    NULL, NULL), SQLITE_OK);
	ck_assert_msg(run(db, b.csv, b.len, IMPORT_ALL_OR_NOTHING, NULL, &r,
	    &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.persons_added, b.good_persons);
	ck_assert_int_eq(r.sorts_file, 1);
	ck_assert_int_eq(r.ids_mapped, 1);
	import_report_free(&r);
	after = schema_text(db);
	ck_assert_str_eq(before, after);
	free(after);
	s = text(db, "PRAGMA journal_mode");
	ck_assert_str_eq(s, "wal");
	free(s);
	s = text(db, "PRAGMA temp_store");
	ck_assert_str_eq(s, "1");
	free(s);
	s = text(db, "PRAGMA integrity_check");
	ck_assert_str_eq(s, "ok");
	free(s);
	/* The indexes made again hold every row: a look-up through each
	 * agrees with a scan of its table. */
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"
	    " INDEXED BY persons_birth_year WHERE birth_year > 0"),
	    (long long)b.good_persons);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM household_members"
	    " INDEXED BY household_members_person WHERE person_id > 0"),
	    count(db, "SELECT count(*) FROM household_members"));
	ck_assert_int_eq(count(db, "SELECT count(*) FROM residences"
	    " INDEXED BY residences_person WHERE person_id > 0"),
	    (long long)b.good_persons);
	/* The ID numbers' unique index too (dropped for the load, the
	 * applier's map answering its look-ups), and it refuses again. */
	ck_assert_int_eq(count(db, "SELECT count(*) FROM persons"
	    " INDEXED BY persons_id_number WHERE id_number > ''"),
	    (long long)b.good_persons);
	ck_assert_int_ne(sqlite3_exec(db, "INSERT INTO persons (id_number,"
	    " name, family, middle, given, folded, sort_key, sex) SELECT"
	    " id_number, name, family, middle, given, folded, sort_key, sex"
	    " FROM persons LIMIT 1", NULL, NULL, NULL), SQLITE_OK);
	/* With another connection on the database the journal mode cannot
	 * change: the import runs in WAL mode, and as well. */
	ck_assert_int_eq(sqlite3_open(path, &other), SQLITE_OK);
	/* Its integrity check runs the register's CHECKs. */
	ck_assert_int_eq(schema_functions(other), CUTRU_OK);
	ck_assert_int_eq(count(other, "SELECT count(*) FROM persons"),
	    (long long)b.good_persons);
	free(b.csv);
	memset(&b, 0, sizeof b);
	big_add(&b, HEADER, strlen(HEADER));
	b.line = 1;
	b.seq = 900000;
	while (b.line < 5201)
		big_household(&b, 100000 + (unsigned)b.line, 3);
	ck_assert_msg(run(db, b.csv, b.len, IMPORT_ALL_OR_NOTHING, NULL, &r,
	    &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.persons_added, b.good_persons);
	import_report_free(&r);
	after = schema_text(db);
	ck_assert_str_eq(before, after);
	free(after);
	s = text(db, "PRAGMA journal_mode");
	ck_assert_str_eq(s, "wal");
	free(s);
	s = text(other, "PRAGMA integrity_check");
	ck_assert_str_eq(s, "ok");
	free(s);
	free(before);
	free(b.csv);
	sqlite3_close(other);
	sqlite3_close(db);
	ck_assert_int_eq(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(path);
	free(dir);
}
END_TEST

/* The bulk load in the encrypted store: the journal mode goes to DELETE
 * and back through the page cipher, the indexes are made again, and the
 * store opens afterwards with everything in it. */
START_TEST(bulk_load_into_the_encrypted_store)
{
	static const char pass[] = "mật khẩu của Lan 2026";
	char code[KEYRING_RECOVERY_CODE_SIZE];
	struct keyring_kdf kdf;
	struct import_report r;
	struct cutru_err e;
	struct store *s = NULL;
	struct big b;
	char *dir = st_mkdtemp(), *path = st_path(dir, "store");
	char *before, *after, *t, *cache, *spill;

	keyring_kdf_min(&kdf);
	ck_assert_msg(store_create(path, "lan", pass, &kdf, code, &s, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_msg(schema_migrate(store_db(s), &e) == CUTRU_OK, "%s", e.msg);
	before = schema_text(store_db(s));
	cache = text(store_db(s), "PRAGMA cache_size");
	spill = text(store_db(s), "PRAGMA cache_spill");
	big_good(&b, 6000);
	ck_assert_msg(run(store_db(s), b.csv, b.len, IMPORT_ALL_OR_NOTHING,
	    NULL, &r, &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.persons_added, b.good_persons);
	/* The indexes sorted in SQLite's file mode, the persons' ones in runs
	 * that the page cipher keeps in memory; temp_store back to MEMORY,
	 * the cache's size and spilling as they were. */
	ck_assert_int_eq(r.sorts_file, 1);
	import_report_free(&r);
	t = text(store_db(s), "PRAGMA cache_size");
	ck_assert_str_eq(t, cache);
	free(t);
	t = text(store_db(s), "PRAGMA cache_spill");
	ck_assert_str_eq(t, spill);
	free(t);
	free(cache);
	free(spill);
	t = text(store_db(s), "PRAGMA journal_mode");
	ck_assert_str_eq(t, "wal");
	free(t);
	t = text(store_db(s), "PRAGMA temp_store");
	ck_assert_str_eq(t, "2");
	free(t);
	store_close(s);
	s = NULL;
	ck_assert_msg(store_open(path, "lan", pass, time(NULL), &s, &e) ==
	    CUTRU_OK, "%s", e.msg);
	after = schema_text(store_db(s));
	ck_assert_str_eq(before, after);
	t = text(store_db(s), "PRAGMA integrity_check");
	ck_assert_str_eq(t, "ok");
	free(t);
	ck_assert_int_eq(count(store_db(s), "SELECT count(*) FROM persons"),
	    (long long)b.good_persons);
	ck_assert_int_eq(count(store_db(s), "SELECT count(*) FROM persons"
	    " INDEXED BY persons_sort WHERE sort_key IS NOT NULL"),
	    (long long)b.good_persons);
	ck_assert_int_eq(count(store_db(s), "SELECT count(*) FROM journal"),
	    count(store_db(s), "SELECT max(seq) FROM journal"));
	store_close(s);
	free(before);
	free(after);
	free(b.csv);
	ck_assert_int_eq(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(path);
	free(dir);
}
END_TEST

/* A bulk load killed half way (SIGKILL while its rollback journal is
 * open, or while it commits): the store opens as it was before, in WAL
 * mode, with its schema whole. */
START_TEST(bulk_load_killed_leaves_the_store_as_it_was)
{
	static const char pass[] = "mật khẩu của Lan 2026";
	char code[KEYRING_RECOVERY_CODE_SIZE];
	struct keyring_kdf kdf;
	struct import_report r;
	struct cutru_err e;
	struct store *s = NULL;
	struct big b;
	char *dir = st_mkdtemp(), *path = st_path(dir, "store");
	char *journal, *before, *after, *t;
	int status, round, tries;
	pid_t pid;

	keyring_kdf_min(&kdf);
	ck_assert_msg(store_create(path, "lan", pass, &kdf, code, &s, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_msg(schema_migrate(store_db(s), &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_msg(run_str(store_db(s), rich, &r, &e) == CUTRU_OK, "%s",
	    e.msg);
	import_report_free(&r);
	before = schema_text(store_db(s));
	store_close(s);
	s = NULL;
	journal = st_path(path, "store-1.db-journal");
	big_good(&b, 20000);
	for (round = 0; round < 3; round++) {
		fflush(NULL);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			struct store *cs = NULL;

			if (store_open(path, "lan", pass, time(NULL), &cs, &e) !=
			    CUTRU_OK)
				_exit(2);
			(void)run(store_db(cs), b.csv, b.len,
			    IMPORT_ALL_OR_NOTHING, NULL, &r, &e);
			_exit(3);
		}
		/* Wait for the journal, then let the import run a little
		 * longer each round (into its commit, at some point). */
		for (tries = 0; tries < 20000 && access(journal, F_OK) != 0;
		    tries++)
			usleep(100);
		usleep((useconds_t)(round * 150000));
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(store_open(path, "lan", pass, time(NULL), &s, &e)
		    == CUTRU_OK, "%s", e.msg);
		t = text(store_db(s), "PRAGMA integrity_check");
		ck_assert_str_eq(t, "ok");
		free(t);
		t = text(store_db(s), "PRAGMA journal_mode");
		ck_assert_str_eq(t, "wal");
		free(t);
		after = schema_text(store_db(s));
		ck_assert_str_eq(before, after);
		free(after);
		/* Either nothing of the file, or (killed after it committed)
		 * all of it. */
		if (WIFSIGNALED(status))
			ck_assert(count(store_db(s),
			    "SELECT count(*) FROM persons") == 7 ||
			    count(store_db(s), "SELECT count(*) FROM persons") ==
			    7 + (long long)b.good_persons);
		store_close(s);
		s = NULL;
	}
	free(before);
	free(journal);
	free(b.csv);
	ck_assert_int_eq(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(path);
	free(dir);
}
END_TEST

/* A bulk load in all or nothing works on two threads (localdb/import.c,
 * "Two threads": into an empty register the builder makes and checks the
 * events, into one that holds persons the validator checks them);
 * quarantine and IMPORT_ONE_THREAD do not.  All give the same journal,
 * byte for byte, and the same register; and a refusal in the middle of a
 * chunk is reported on its line, nothing kept. */
START_TEST(pipelined_bulk_load_matches_the_serial_one)
{
	static const char seed[] = HEADER
	    "HK-SEED,chủ hộ,Lò Văn Seed,1970,Nam,001070999999,,00004,"
	    "\"Bản Seed\",thường trú,01/01/2000,\n";
	struct import_report r;
	struct cutru_err e;
	struct big b;
	sqlite3 *a = db_new(), *q = db_new(), *c = db_new();
	sqlite3 *one = db_new(), *va = db_new(), *vo = db_new();
	char *ja, *jq, *xa, *xq, *line, *id, trig[256];
	unsigned long want;
	size_t i;
	FILE *rej = tmpfile();

	big_good(&b, 6000);
	ck_assert_msg(run(a, b.csv, b.len, IMPORT_ALL_OR_NOTHING, NULL, &r,
	    &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.rows_imported, 6000);
	/* The bulk load ran with foreign keys off, checked them all before
	 * its commit, and turned them on again. */
	ck_assert(r.t_keys > 0);
	ck_assert_int_eq(count(a, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(count(a, "SELECT count(*) FROM "
	    "pragma_foreign_key_check"), 0);
	/* The builder's load found persons by the applier's map of ID
	 * numbers: the same journal and register as the others below. */
	ck_assert_int_eq(r.ids_mapped, 1);
	import_report_free(&r);
	ck_assert_msg(run(q, b.csv, b.len, IMPORT_QUARANTINE, rej, &r, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.rows_rejected, 0);
	/* Without the builder the sorts' size is not known: in memory. */
	ck_assert_int_eq(r.sorts_file, 0);
	ck_assert_int_eq(r.ids_mapped, 0);
	import_report_free(&r);
	ck_assert_msg(run_flags(one, b.csv, b.len, IMPORT_ONE_THREAD, &r, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_int_eq(r.sorts_file, 0);
	ck_assert_int_eq(r.ids_mapped, 0);
	import_report_free(&r);
	ja = journal_of(a);
	jq = journal_of(q);
	ck_assert_int_gt(strlen(ja), 64);
	ck_assert_str_eq(ja, jq);
	free(jq);
	jq = journal_of(one);
	ck_assert_str_eq(ja, jq);
	xa = export_of(a, 1, NULL);
	xq = export_of(q, 1, NULL);
	ck_assert_str_eq(xa, xq);
	free(xa);
	free(xq);
	xa = text(a, "SELECT group_concat(version) FROM persons");
	xq = text(q, "SELECT group_concat(version) FROM persons");
	ck_assert_str_eq(xa, xq);
	free(xa);
	free(xq);
	/* The name columns the builder made are those the applier makes. */
	xa = text(a, "SELECT group_concat(family || '|' || middle || '|' ||"
	    " given || '|' || folded || '|' || hex(sort_key), ' ')"
	    " FROM (SELECT * FROM persons ORDER BY id)");
	xq = text(one, "SELECT group_concat(family || '|' || middle || '|' ||"
	    " given || '|' || folded || '|' || hex(sort_key), ' ')"
	    " FROM (SELECT * FROM persons ORDER BY id)");
	ck_assert_int_gt(strlen(xa), 6000 * 20);
	ck_assert_str_eq(xa, xq);
	free(xa);
	free(xq);
	free(ja);
	free(jq);
	/* The file's last row joins its first household: the last group
	 * handed over begins long before the end of the file. */
	{
		sqlite3 *la = db_new(), *lo = db_new();
		char row[256], lid[13];

		idnum(lid, 1999, 1, 999998);
		snprintf(row, sizeof row, "HK00001,con,Nguyễn Văn Út,1999,Nam,"
		    "%s,,00004,\"Số 1, Lê Lợi\",thường trú,01/01/2005,", lid);
		big_line(&b, row);
		ck_assert_msg(run(la, b.csv, b.len, IMPORT_ALL_OR_NOTHING, NULL,
		    &r, &e) == CUTRU_OK, "%s", e.msg);
		ck_assert_uint_eq(r.rows_imported, 6001);
		import_report_free(&r);
		ck_assert_msg(run_flags(lo, b.csv, b.len, IMPORT_ONE_THREAD, &r,
		    &e) == CUTRU_OK, "%s", e.msg);
		import_report_free(&r);
		ja = journal_of(la);
		jq = journal_of(lo);
		ck_assert_str_eq(ja, jq);
		ck_assert_int_eq(count(la, "SELECT count(*) FROM persons"),
		    6001);
		free(ja);
		free(jq);
		sqlite3_close(la);
		sqlite3_close(lo);
		b.len -= strlen(row) + 2;   /* big_line() ends rows in CRLF */
		b.line--;
		b.csv[b.len] = '\0';
	}
	/* Into a register that holds a person: the validator's path, and
	 * the one-thread path, alike. */
	ck_assert_msg(run_str(va, seed, &r, &e) == CUTRU_OK, "%s", e.msg);
	import_report_free(&r);
	ck_assert_msg(run_str(vo, seed, &r, &e) == CUTRU_OK, "%s", e.msg);
	import_report_free(&r);
	ck_assert_msg(run(va, b.csv, b.len, IMPORT_ALL_OR_NOTHING, NULL, &r,
	    &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_uint_eq(r.rows_imported, 6000);
	import_report_free(&r);
	ck_assert_msg(run_flags(vo, b.csv, b.len, IMPORT_ONE_THREAD, &r, &e) ==
	    CUTRU_OK, "%s", e.msg);
	import_report_free(&r);
	ja = journal_of(va);
	jq = journal_of(vo);
	ck_assert_str_eq(ja, jq);
	ck_assert_int_eq(count(va, "SELECT count(*) FROM persons"), 6001);
	free(ja);
	free(jq);
	xa = export_of(va, 1, NULL);
	xq = export_of(vo, 1, NULL);
	ck_assert_str_eq(xa, xq);
	free(xa);
	free(xq);
	/* The person on line 3001 refused by the register while applying:
	 * far into the file, inside a chunk, past its first range. */
	want = 3001;
	line = b.csv;
	for (i = 1; i < want; i++)
		line = strchr(line, '\n') + 1;
	id = line;
	for (i = 0; i < 5; i++)
		id = strchr(id, ',') + 1;
	snprintf(trig, sizeof trig, "CREATE TRIGGER refuse BEFORE INSERT ON"
	    " persons WHEN NEW.id_number = '%.12s'"
	    " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END", id);
	st_exec(c, trig);
	ck_assert_int_eq(run(c, b.csv, b.len, IMPORT_ALL_OR_NOTHING, NULL, &r,
	    &e), CUTRU_EINVAL);
	ck_assert_uint_eq(r.n_errors, 1);
	ck_assert_msg(has_error(&r, want, ""), "line %lu: %s", r.errors[0].line,
	    r.errors[0].msg);
	ck_assert_ptr_nonnull(strstr(r.errors[0].msg, "refused by the test"));
	import_report_free(&r);
	ck_assert_int_eq(count(c, "SELECT count(*) FROM persons"), 0);
	ck_assert_int_eq(count(c, "SELECT count(*) FROM journal"), 0);
	/* Foreign keys are on again after a refused bulk load too. */
	ck_assert_int_eq(count(c, "PRAGMA foreign_keys"), 1);
	fclose(rej);
	free(b.csv);
	sqlite3_close(a);
	sqlite3_close(q);
	sqlite3_close(c);
	sqlite3_close(one);
	sqlite3_close(va);
	sqlite3_close(vo);
}
END_TEST

START_TEST(import_into_the_encrypted_store)
{
	static const char pass[] = "mật khẩu của Lan 2026";
	static const char *const needles[] = { "Nguy\xE1\xBB\x85n", "Hoà",
		"001087000001", "Lê Lợi" };
	char code[KEYRING_RECOVERY_CODE_SIZE];
	struct keyring_kdf kdf;
	struct import_report r;
	struct cutru_err e;
	struct store *s = NULL;
	struct big b;
	char *dir = st_mkdtemp(), *path = st_path(dir, "store");

	keyring_kdf_min(&kdf);
	ck_assert_msg(store_create(path, "lan", pass, &kdf, code, &s, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_msg(schema_migrate(store_db(s), &e) == CUTRU_OK, "%s", e.msg);
	big_make(&b);
	ck_assert_int_eq(run(store_db(s), b.csv, b.len, IMPORT_ALL_OR_NOTHING,
	    NULL, &r, &e), CUTRU_EINVAL);
	check_exact(&b, &r);
	import_report_free(&r);
	ck_assert_msg(run_str(store_db(s), rich, &r, &e) == CUTRU_OK, "%s",
	    e.msg);
	import_report_free(&r);
	store_close(s);
	s = NULL;
	scan_needles = needles;
	scan_n = sizeof needles / sizeof needles[0];
	scan_hits = 0;
	ck_assert_int_eq(nftw(path, scan_file, 16, FTW_PHYS), 0);
	ck_assert_uint_eq(scan_hits, 0);
	ck_assert_msg(store_open(path, "lan", pass, time(NULL), &s, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_int_eq(count(store_db(s), "SELECT count(*) FROM persons"), 7);
	ck_assert_int_eq(count(store_db(s), "SELECT count(*) FROM journal"), 1);
	store_close(s);
	free(b.csv);
	ck_assert_int_eq(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(path);
	free(dir);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("import");

	st_init();
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, household_book_is_imported);
	tcase_add_test(tc, cmnd_is_stored_added_and_compared);
	tcase_add_test(tc, bulk_load_leaves_schema_and_journal_mode);
	tcase_add_test(tc, bulk_load_into_the_encrypted_store);
	tcase_add_test(tc, bulk_load_killed_leaves_the_store_as_it_was);
	tcase_add_test(tc, pipelined_bulk_load_matches_the_serial_one);
	tcase_add_test(tc, quoted_line_breaks_belong_to_the_field);
	tcase_add_test(tc, reimport_changes_nothing);
	tcase_add_test(tc, a_new_member_joins_a_household_already_imported);
	tcase_add_test(tc, one_person_on_two_rows);
	tcase_add_test(tc, persons_without_id_number_are_refused);
	tcase_add_test(tc, the_register_is_not_changed_by_an_import);
	tcase_add_test(tc, unknown_commune_against_reference_data);
	tcase_add_test(tc, header_problems_refuse_the_file);
	tcase_add_test(tc, ten_thousand_rows_all_or_nothing);
	tcase_add_test(tc, ten_thousand_rows_quarantine);
	tcase_add_test(tc, rejects_file_can_be_fixed_and_imported);
	tcase_add_test(tc, refusals_by_the_register_while_applying);
	tcase_add_test(tc, a_failing_journal_leaves_nothing);
	tcase_add_test(tc, inside_the_callers_transaction);
	tcase_add_test(tc, dry_run_leaves_the_store_untouched);
	tcase_add_test(tc, arguments_are_checked);
	tcase_add_test(tc, hostile_megabyte_field);
	tcase_add_test(tc, hostile_hundred_thousand_columns);
	tcase_add_test(tc, hostile_bytes);
	tcase_add_test(tc, blank_rows_are_skipped);
	tcase_add_test(tc, export_csv_round_trip);
	tcase_add_test(tc, a_residence_beginning_later_survives_the_round_trip);
	tcase_add_test(tc, export_json_is_canonical_per_person);
	tcase_add_test(tc, import_into_the_encrypted_store);
	tcase_add_test(tc, name_index_made_beside_is_the_rebuilt_one);
	tcase_add_test(tc, reading_on_two_threads_matches_one);
	suite_add_tcase(s, tc);
	return s;
}
