#include "config.h"

#include <stdio.h>
#include <string.h>
#include <check.h>
#include <sqlite3.h>

#include "localdb/schema.h"
#include "tests/unit/tap_main.h"

static sqlite3 *
fresh(void)
{
	sqlite3 *db = NULL;
	struct cutru_err e;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(schema_migrate(db, &e), CUTRU_OK);
	return db;
}

static int
exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static int
scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static const char person_sql[] =
	"INSERT INTO addresses (id, commune_code, detail) VALUES (1, '00004', 'Số 1 ngõ 2');"
	"INSERT INTO persons (id, id_number, name, family, middle, given, folded, sort_key, sex, dob)"
	" VALUES (1, '001090000001', 'Nguyễn Văn An', 'Nguyễn', 'Văn', 'An', 'nguyen van an', x'01', 1, '1990');";

START_TEST(migrates_to_latest_and_is_idempotent)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	ck_assert_int_eq(scalar(db, "PRAGMA user_version"), schema_version_latest());
	ck_assert_int_eq(schema_migrate(db, &e), CUTRU_OK);
	ck_assert_int_eq(scalar(db, "PRAGMA user_version"), schema_version_latest());
	ck_assert_int_eq(scalar(db, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
	    " AND name = 'persons' AND sql LIKE '%STRICT%'"), 1);
	sqlite3_close(db);
}
END_TEST

/* schema_fk_check() against PRAGMA foreign_key_check: the same verdict,
 * by ranges over dense parents and by the pragma when a parent has a
 * hole. */
static long
fk_pragma(sqlite3 *db, const char *table)
{
	char sql[96];
	sqlite3_stmt *st;
	long n = 0;

	snprintf(sql, sizeof sql, "PRAGMA foreign_key_check(%s)", table);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		n++;
	sqlite3_finalize(st);
	return n;
}

/* The rows schema_fk_check() finds broken in tables. */
static long
fk_bad(sqlite3 *db, const char *const *tables, size_t n)
{
	long bad = -1;

	ck_assert_int_eq(schema_fk_check(db, tables, n, &bad), CUTRU_OK);
	return bad;
}

/* The keys foreign_key_check finds broken in the tables that have keys. */
static long
fk_pragma_all(sqlite3 *db)
{
	return fk_pragma(db, "household_members") +
	    fk_pragma(db, "residences") + fk_pragma(db, "households");
}

START_TEST(foreign_keys_checked_after_a_bulk_load)
{
	static const char *const tables[] = {
		"persons", "households", "household_members", "residences",
		"addresses"
	};
	static const char *const none[] = { "no_such_table" };
	sqlite3 *db = fresh();
	int i;

	ck_assert_int_eq(exec(db, person_sql), SQLITE_OK);
	ck_assert_int_eq(exec(db, "PRAGMA foreign_keys = OFF"), SQLITE_OK);
	for (i = 2; i <= 5; i++) {
		char sql[320];

		snprintf(sql, sizeof sql, "INSERT INTO persons (id, id_number, "
		    "name, family, middle, given, folded, sort_key, sex, dob) "
		    "VALUES (%d, '00109000000%d', 'Nguyễn Văn An', 'Nguyễn', "
		    "'Văn', 'An', 'nguyen van an', x'01', 1, '1990')", i, i);
		ck_assert_int_eq(exec(db, sql), SQLITE_OK);
	}
	ck_assert_int_eq(exec(db, "INSERT INTO households (id, number, "
	    "address_id, head_id, created) VALUES (1, 'HK1', 1, 1, "
	    "'2026-01-01');"
	    "INSERT INTO household_members (household_id, person_id, "
	    "relationship, since) VALUES (1, 1, 'head', '2026-01-01'), "
	    "(1, 2, 'con', '2026-01-01');"
	    "INSERT INTO residences (person_id, kind, household_id, address_id,"
	    " from_date, state) VALUES (1, 'permanent', 1, 1, '2026-01-01', "
	    "'active'), (2, 'permanent', NULL, 1, '2026-01-01', 'active')"),
	    SQLITE_OK);
	/* All hold. */
	ck_assert_int_eq(fk_bad(db, tables, 5), 0);
	/* A member of a household that is not there, a residence of a
	 * person who is not, one at an address that is not, one opened by
	 * a dossier that is not (dossiers is empty). */
	ck_assert_int_eq(exec(db, "INSERT INTO household_members "
	    "(household_id, person_id, relationship, since) VALUES "
	    "(2, 3, 'con', '2026-01-01');"
	    "INSERT INTO residences (person_id, kind, address_id, from_date, "
	    "state) VALUES (6, 'permanent', 1, '2026-01-01', 'active'), "
	    "(0, 'current', 1, '2026-01-01', 'active');"
	    "INSERT INTO residences (person_id, kind, address_id, from_date, "
	    "to_date, state) VALUES (3, 'temporary', 7, '2026-01-01', "
	    "'2027-01-01', 'active');"
	    "INSERT INTO residences (person_id, kind, address_id, from_date, "
	    "state, dossier_id) VALUES (4, 'permanent', 1, '2026-01-01', "
	    "'active', 1)"), SQLITE_OK);
	ck_assert_int_eq(fk_bad(db, tables, 5), 5);
	ck_assert_int_eq(fk_pragma_all(db), 5);
	/* A hole among the persons: that table's keys go to the pragma,
	 * which still finds the same. */
	ck_assert_int_eq(exec(db, "DELETE FROM persons WHERE id = 5"),
	    SQLITE_OK);
	ck_assert_int_eq(fk_bad(db, tables, 5), 5);
	ck_assert_int_eq(exec(db, "INSERT INTO household_members "
	    "(household_id, person_id, relationship, since) VALUES "
	    "(1, 5, 'con', '2026-01-01')"), SQLITE_OK);
	ck_assert_int_eq(fk_bad(db, tables, 5), 6);
	ck_assert_int_eq(fk_pragma_all(db), 6);
	/* A table that is not there. */
	ck_assert_int_eq(fk_bad(db, none, 1), 0);
	sqlite3_close(db);
}
END_TEST

/* Whether a CHECK with expr on column col lets v (len bytes; -1: up to
 * its NUL) through: only false refuses. */
static int
check_passes_n(sqlite3 *db, const char *col, const char *expr,
    const char *v, int len)
{
	char sql[512];
	sqlite3_stmt *st;
	int pass;

	snprintf(sql, sizeof sql, "SELECT (%s) IS NOT 0 FROM (SELECT ?1 AS %s)",
	    expr, col);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (v != NULL)
		sqlite3_bind_text(st, 1, v, len, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	pass = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return pass;
}

static int
check_passes(sqlite3 *db, const char *expr, const char *v)
{
	return check_passes_n(db, strstr(expr, "dob") == expr ? "dob" :
	    "id_number", expr, v, -1);
}

/* The CHECK texts a table's statement holds: which of a list. */
static int
holds(sqlite3 *db, const char *table, const char *check)
{
	sqlite3_stmt *st;
	int yes;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT instr(sql, ?2) > 0"
	    " FROM sqlite_schema WHERE name = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, check, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	yes = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return yes;
}

/* Does the store hold migration 6's CHECKs (1), migration 1's (0), or
 * neither set whole (-1)? */
static int
checks_new(sqlite3 *db)
{
	int n6 = holds(db, "persons", PERSONS_ID_CHECK_6) +
	    holds(db, "persons", PERSONS_DOB_CHECK_6) +
	    holds(db, "persons", PERSONS_CMND_CHECK_6) +
	    holds(db, "households", HOUSEHOLDS_NUMBER_CHECK_6) +
	    holds(db, "addresses", ADDRESSES_COMMUNE_CHECK_6);
	int n1 = holds(db, "persons", PERSONS_ID_CHECK_1) +
	    holds(db, "persons", PERSONS_DOB_CHECK_1) +
	    holds(db, "persons", PERSONS_CMND_CHECK_1) +
	    holds(db, "households", HOUSEHOLDS_NUMBER_CHECK_1) +
	    holds(db, "addresses", ADDRESSES_COMMUNE_CHECK_1);
	int n5 = holds(db, "persons", PERSONS_ID_CHECK_5) +
	    holds(db, "persons", PERSONS_DOB_CHECK_5);

	if (n6 == 5 && n1 == 0 && n5 == 0)
		return 1;
	if (n1 == 5 && n6 == 0 && n5 == 0)
		return 0;
	return -1;
}

static int
insert_person(sqlite3 *db, const char *id_number, const char *dob)
{
	char sql[320];

	snprintf(sql, sizeof sql, "INSERT INTO persons (id_number, name, "
	    "family, middle, given, folded, sort_key, sex, dob) VALUES "
	    "('%s', 'An', '', '', 'An', 'an', x'01', 1, '%s')", id_number, dob);
	return exec(db, sql);
}

/* Migration 7: the ID numbers' unique index has a name, so a bulk load can
 * drop it and make it again; it refuses what the column's UNIQUE refused.
 * A store whose index is not the one migration 7 expects is not touched. */
START_TEST(id_number_index_has_a_name)
{
	sqlite3 *db = fresh();
	struct cutru_err e;

	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM pragma_index_list("
	    "'persons') WHERE name = 'persons_id_number' AND \"unique\" = 1"
	    " AND origin = 'c'"), 1);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM sqlite_schema WHERE"
	    " name LIKE 'sqlite_autoindex_persons%'"), 0);
	ck_assert_int_eq(scalar(db, "SELECT instr(sql, 'UNIQUE') FROM"
	    " sqlite_schema WHERE name = 'persons'"), 0);
	ck_assert_int_eq(insert_person(db, "001090000001", "1990"), SQLITE_OK);
	ck_assert_int_ne(insert_person(db, "001090000001", "1991"), SQLITE_OK);
	ck_assert_ptr_nonnull(strstr(sqlite3_errmsg(db),
	    "UNIQUE constraint failed: persons.id_number"));
	/* Persons without a number are not one another's duplicates. */
	ck_assert_int_eq(exec(db, "INSERT INTO persons (id_number, name,"
	    " family, middle, given, folded, sort_key, sex) VALUES"
	    " (NULL, 'C', '', '', 'C', 'c', x'01', 1),"
	    " (NULL, 'D', '', '', 'D', 'd', x'01', 1)"), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO persons (id_number, name,"
	    " family, middle, given, folded, sort_key, sex) VALUES"
	    " ('001090000001', 'B', '', '', 'B', 'b', x'01', 1)"
	    " ON CONFLICT (id_number) DO NOTHING"), SQLITE_OK);
	ck_assert_int_eq(sqlite3_changes(db), 0);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM persons"), 3);
	/* Dropped and made again, in a transaction, as an import does. */
	ck_assert_int_eq(exec(db, "BEGIN; DROP INDEX persons_id_number"),
	    SQLITE_OK);
	ck_assert_int_eq(insert_person(db, "001090000001", "1992"), SQLITE_OK);
	ck_assert_int_ne(exec(db, "CREATE UNIQUE INDEX persons_id_number ON"
	    " persons (id_number)"), SQLITE_OK);
	ck_assert_int_eq(exec(db, "ROLLBACK"), SQLITE_OK);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM persons INDEXED BY"
	    " persons_id_number WHERE id_number = '001090000001'"), 1);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM pragma_integrity_check"
	    " WHERE integrity_check <> 'ok'"), 0);
	/* A store at 6 whose persons have no index of the column's own (this
	 * one already has migration 7's): refused, left as it was. */
	ck_assert_int_eq(exec(db, "PRAGMA user_version = 6"), SQLITE_OK);
	ck_assert_int_eq(schema_migrate(db, &e), CUTRU_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "schema 7"));
	ck_assert_ptr_nonnull(strstr(e.msg, "id_number"));
	ck_assert_int_eq(scalar(db, "PRAGMA user_version"), 6);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM pragma_index_list("
	    "'persons') WHERE name = 'persons_id_number'"), 1);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM persons"), 3);
	sqlite3_close(db);
}
END_TEST

/* Migration 5's and migration 6's CHECKs let exactly the values through
 * that migration 1's did; a fresh store has migration 6's; a store
 * written with the old ones is brought to them, stays sound, and still
 * refuses what it refused. */
START_TEST(persons_checks_rewritten_alike)
{
	static const char *const ids[] = {
		NULL, "", "0", "001090000001", "00109000000", "0010900000012",
		"00109000000a", " 00109000000", "00109000000 ", "+00109000000",
		"-00109000000", "0010900000.1", "001090000001\n", "abcdefghijkl",
		"\xef\xbc\x90\xef\xbc\x90\xef\xbc\x91\xef\xbc\x90"
		"\xef\xbc\x99\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90"
		"\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90\xef\xbc\x91",
		"\xd9\xa0\xd9\xa0\xd9\xa1\xd9\xa0\xd9\xa9\xd9\xa0"
		"\xd9\xa0\xd9\xa0\xd9\xa0\xd9\xa0\xd9\xa0\xd9\xa1",
		"[0-9][0-9][0", "************", "????????????", "0010*0000001"
	};
	static const char *const dobs[] = {
		NULL, "1990", "1990-01", "1990-01-01", "199", "19900", "1990-1",
		"1990-01-1", "1990-01-011", "1990/01/01", "1990-01-01 ",
		" 1990", "\xd9\xa1\xd9\xa9\xd9\xa9\xd9\xa0", "abcd", "",
		"1990-01-01T00:00", "1990--01", "0000-00-00", "1990-0a-01",
		"****", "\?\?\?\?-\?\?-\?\?", "1990-01-01\n"
	};
	static const char *const codes[] = {
		NULL, "", "0", "HK-1", "hk-0001", "HK267370000001", "-", "--",
		"HK 1", " HK1", "HK1 ", "HK_1", "HK.1", "HK/1", "HK1\n", "HK*",
		"HK?", "HK[1]", "[0-9]", "*", "Hộ-1", "\xef\xbc\xa8K1",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg", "\xc3\x28", "HK\x7f",
		"0123456789-ABCDEFGHIJ-abcdefghij"
	};
	/* Values with a NUL inside: GLOB and length() read up to it, and so
	 * do the functions. */
	static const struct {
		const char *v;
		int len;
	} nul[] = {
		{ "001090000001\0x", 14 }, { "00109000000\0" "1", 13 },
		{ "1990-01-01\0z", 12 }, { "1990\0-01", 8 }, { "HK-1\0 ", 6 },
		{ "\0HK", 3 }, { "00004\0a", 7 }, { "123456789\0", 10 }
	};
	/* Migration 6's texts back to migration 1's, and migration 7's index
	 * back to the column's own, for a store of 4. */
	static const char *const back[][3] = {
		{ "persons", "id_number TEXT CHECK (",
		    "id_number TEXT UNIQUE CHECK (" },
		{ "persons_id_number", "CREATE UNIQUE INDEX persons_id_number"
		    " ON persons (id_number)", "" },
		{ "persons", PERSONS_ID_CHECK_6, PERSONS_ID_CHECK_1 },
		{ "persons", PERSONS_DOB_CHECK_6, PERSONS_DOB_CHECK_1 },
		{ "persons", PERSONS_CMND_CHECK_6, PERSONS_CMND_CHECK_1 },
		{ "households", HOUSEHOLDS_NUMBER_CHECK_6,
		    HOUSEHOLDS_NUMBER_CHECK_1 },
		{ "addresses", ADDRESSES_COMMUNE_CHECK_6,
		    ADDRESSES_COMMUNE_CHECK_1 },
	};
	sqlite3 *db = fresh(), *other = NULL;
	sqlite3_stmt *st;
	char sql[64];
	struct cutru_err e;
	size_t i;

	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		ck_assert_int_eq(check_passes(db, PERSONS_ID_CHECK_1, ids[i]),
		    check_passes(db, PERSONS_ID_CHECK_5, ids[i]));
		ck_assert_int_eq(check_passes(db, PERSONS_ID_CHECK_1, ids[i]),
		    check_passes(db, PERSONS_ID_CHECK_6, ids[i]));
		/* The ID numbers' list is also a list of wrong communes and
		 * CMND numbers, cut to their lengths. */
		ck_assert_int_eq(check_passes_n(db, "legacy_cmnd",
		    PERSONS_CMND_CHECK_1, ids[i], ids[i] != NULL &&
		    strlen(ids[i]) > 9 ? 9 : -1), check_passes_n(db,
		    "legacy_cmnd", PERSONS_CMND_CHECK_6, ids[i], ids[i] != NULL &&
		    strlen(ids[i]) > 9 ? 9 : -1));
		ck_assert_int_eq(check_passes_n(db, "commune_code",
		    ADDRESSES_COMMUNE_CHECK_1, ids[i], ids[i] != NULL &&
		    strlen(ids[i]) > 5 ? 5 : -1), check_passes_n(db,
		    "commune_code", ADDRESSES_COMMUNE_CHECK_6, ids[i],
		    ids[i] != NULL && strlen(ids[i]) > 5 ? 5 : -1));
	}
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
		ck_assert_msg(check_passes_n(db, "number",
		    HOUSEHOLDS_NUMBER_CHECK_1, codes[i], -1) ==
		    check_passes_n(db, "number", HOUSEHOLDS_NUMBER_CHECK_6,
		    codes[i], -1), "%s", codes[i] != NULL ? codes[i] : "NULL");
	for (i = 0; i < sizeof nul / sizeof nul[0]; i++) {
		ck_assert_int_eq(check_passes_n(db, "id_number",
		    PERSONS_ID_CHECK_1, nul[i].v, nul[i].len), check_passes_n(db,
		    "id_number", PERSONS_ID_CHECK_6, nul[i].v, nul[i].len));
		ck_assert_int_eq(check_passes_n(db, "dob", PERSONS_DOB_CHECK_1,
		    nul[i].v, nul[i].len), check_passes_n(db, "dob",
		    PERSONS_DOB_CHECK_6, nul[i].v, nul[i].len));
		ck_assert_int_eq(check_passes_n(db, "legacy_cmnd",
		    PERSONS_CMND_CHECK_1, nul[i].v, nul[i].len),
		    check_passes_n(db, "legacy_cmnd", PERSONS_CMND_CHECK_6,
		    nul[i].v, nul[i].len));
		ck_assert_int_eq(check_passes_n(db, "number",
		    HOUSEHOLDS_NUMBER_CHECK_1, nul[i].v, nul[i].len),
		    check_passes_n(db, "number", HOUSEHOLDS_NUMBER_CHECK_6,
		    nul[i].v, nul[i].len));
		ck_assert_int_eq(check_passes_n(db, "commune_code",
		    ADDRESSES_COMMUNE_CHECK_1, nul[i].v, nul[i].len),
		    check_passes_n(db, "commune_code", ADDRESSES_COMMUNE_CHECK_6,
		    nul[i].v, nul[i].len));
	}
	ck_assert(check_passes_n(db, "number", HOUSEHOLDS_NUMBER_CHECK_6,
	    "HK-1", -1));
	ck_assert(!check_passes_n(db, "number", HOUSEHOLDS_NUMBER_CHECK_6,
	    "HK 1", -1));
	ck_assert(check_passes(db, PERSONS_ID_CHECK_6, "001090000001"));
	ck_assert(!check_passes(db, PERSONS_ID_CHECK_6, "00109000000"));
	ck_assert(check_passes(db, PERSONS_ID_CHECK_5, "001090000001"));
	ck_assert(!check_passes(db, PERSONS_ID_CHECK_5, "00109000000"));
	for (i = 0; i < sizeof dobs / sizeof dobs[0]; i++) {
		ck_assert_int_eq(check_passes(db, PERSONS_DOB_CHECK_1, dobs[i]),
		    check_passes(db, PERSONS_DOB_CHECK_5, dobs[i]));
		ck_assert_int_eq(check_passes(db, PERSONS_DOB_CHECK_1, dobs[i]),
		    check_passes(db, PERSONS_DOB_CHECK_6, dobs[i]));
	}
	ck_assert(check_passes(db, PERSONS_DOB_CHECK_6, "1990-01-01"));
	ck_assert(!check_passes(db, PERSONS_DOB_CHECK_6, "1990-1-01"));
	ck_assert(check_passes(db, PERSONS_DOB_CHECK_5, "1990-01-01"));
	ck_assert(!check_passes(db, PERSONS_DOB_CHECK_5, "1990-1-01"));
	/* A fresh store holds migration 6's. */
	ck_assert_int_eq(checks_new(db), 1);
	/* A store of schema 4, with migration 1's CHECKs, migrated. */
	ck_assert_int_eq(insert_person(db, "001090000001", "1990-01-01"),
	    SQLITE_OK);
	ck_assert_int_eq(exec(db, "PRAGMA writable_schema = ON"), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "UPDATE sqlite_schema"
	    " SET sql = replace(sql, ?2, ?3) WHERE name = ?1", -1, &st, NULL),
	    SQLITE_OK);
	for (i = 0; i < sizeof back / sizeof back[0]; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, back[i][0], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, back[i][1], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, back[i][2], -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		ck_assert_int_eq(sqlite3_changes(db), 1);
	}
	sqlite3_finalize(st);
	ck_assert_int_eq(exec(db, "UPDATE sqlite_schema SET sql = NULL, name ="
	    " 'sqlite_autoindex_persons_1' WHERE name = 'persons_id_number'"),
	    SQLITE_OK);
	snprintf(sql, sizeof sql, "PRAGMA schema_version = %d",
	    scalar(db, "PRAGMA schema_version") + 1);
	ck_assert_int_eq(exec(db, sql), SQLITE_OK);
	ck_assert_int_eq(exec(db, "PRAGMA writable_schema = OFF;"
	    "PRAGMA user_version = 4"), SQLITE_OK);
	ck_assert_int_eq(checks_new(db), 0);
	ck_assert_msg(schema_migrate(db, &e) == CUTRU_OK, "%s", e.msg);
	ck_assert_int_eq(scalar(db, "PRAGMA user_version"),
	    schema_version_latest());
	ck_assert_int_eq(checks_new(db), 1);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM pragma_integrity_check"
	    " WHERE integrity_check <> 'ok'"), 0);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM persons"), 1);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM persons INDEXED BY"
	    " persons_id_number WHERE id_number = '001090000001'"), 1);
	/* The migrated CHECKs refuse, on this connection. */
	ck_assert_int_ne(insert_person(db, "00109000000x", "1990"), SQLITE_OK);
	ck_assert_int_ne(insert_person(db, "001090000002", "1990-1-1"),
	    SQLITE_OK);
	ck_assert_int_eq(insert_person(db, "001090000002", "1990-02"),
	    SQLITE_OK);
	ck_assert_int_ne(exec(db, "UPDATE persons SET legacy_cmnd = '12345678'"
	    " WHERE id_number = '001090000002'"), SQLITE_OK);
	ck_assert_int_eq(exec(db, "UPDATE persons SET legacy_cmnd = '123456789'"
	    " WHERE id_number = '001090000002'"), SQLITE_OK);
	ck_assert_int_ne(exec(db, "INSERT INTO addresses (commune_code, detail)"
	    " VALUES ('0000a', 'x')"), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO addresses (commune_code, detail)"
	    " VALUES ('00004', 'x')"), SQLITE_OK);
	ck_assert_int_ne(exec(db, "INSERT INTO households (number, address_id,"
	    " head_id, created) VALUES ('HK 1', 1, 1, '2026-01-01')"), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO households (number, address_id,"
	    " head_id, created) VALUES ('HK-1', 1, 1, '2026-01-01')"), SQLITE_OK);
	sqlite3_close(db);
	/* Without the program's functions a connection changes nothing. */
	ck_assert_int_eq(sqlite3_open_v2("file:checks6?mode=memory&cache=shared",
	    &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(schema_functions(db), CUTRU_OK);
	ck_assert_int_eq(exec(db, "CREATE TABLE t (x TEXT CHECK ("
	    "cutru_digits(x, 2))) STRICT"), SQLITE_OK);
	ck_assert_int_eq(sqlite3_open_v2("file:checks6?mode=memory&cache=shared",
	    &other, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL), SQLITE_OK);
	ck_assert_int_ne(exec(other, "INSERT INTO t VALUES ('12')"), SQLITE_OK);
	ck_assert_ptr_nonnull(strstr(sqlite3_errmsg(other), "cutru_digits"));
	ck_assert_int_eq(schema_functions(other), CUTRU_OK);
	ck_assert_int_eq(exec(other, "INSERT INTO t VALUES ('12')"), SQLITE_OK);
	ck_assert_int_ne(exec(other, "INSERT INTO t VALUES ('123')"),
	    SQLITE_OK);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM t"), 1);
	sqlite3_close(other);
	sqlite3_close(db);
}
END_TEST

START_TEST(newer_store_is_refused_untouched)
{
	sqlite3 *db = NULL;
	struct cutru_err e;
	char sql[64];

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", schema_version_latest() + 1);
	ck_assert_int_eq(exec(db, sql), SQLITE_OK);
	ck_assert_int_eq(schema_migrate(db, &e), CUTRU_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "newer version"));
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM sqlite_schema"), 0);
	sqlite3_close(db);
}
END_TEST

START_TEST(one_active_permanent_residence_per_person)
{
	sqlite3 *db = fresh();

	ck_assert_int_eq(exec(db, person_sql), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO residences (person_id, kind, address_id, from_date, state)"
	    " VALUES (1, 'permanent', 1, '2020-01-01', 'active')"), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO residences (person_id, kind, address_id, from_date, state)"
	    " VALUES (1, 'permanent', 1, '2021-01-01', 'active')"), SQLITE_CONSTRAINT);
	/* A closed one beside it is history, and allowed. */
	ck_assert_int_eq(exec(db, "INSERT INTO residences (person_id, kind, address_id, from_date, state, ground, event_date, closed_date)"
	    " VALUES (1, 'permanent', 1, '2010-01-01', 'closed', 'emigrated', '2019-12-01', '2019-12-31')"), SQLITE_OK);
	/* As is one replaced by a later registration. */
	ck_assert_int_eq(exec(db, "INSERT INTO residences (person_id, kind, address_id, from_date, state, closed_date)"
	    " VALUES (1, 'permanent', 1, '2000-01-01', 'replaced', '2010-01-01')"), SQLITE_OK);
	/* One active residence of each kind, side by side. */
	ck_assert_int_eq(exec(db, "INSERT INTO residences (person_id, kind, address_id, from_date, to_date, state)"
	    " VALUES (1, 'temporary', 1, '2020-01-01', '2021-01-01', 'active')"), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO residences (person_id, kind, address_id, from_date, state)"
	    " VALUES (1, 'current', 1, '2020-01-01', 'active')"), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO residences (person_id, kind, address_id, from_date, to_date, state)"
	    " VALUES (1, 'temporary', 1, '2020-02-01', '2021-01-01', 'active')"), SQLITE_CONSTRAINT);
	sqlite3_close(db);
}
END_TEST

START_TEST(temporary_needs_end_and_closed_needs_ground)
{
	sqlite3 *db = fresh();

	ck_assert_int_eq(exec(db, person_sql), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO residences (person_id, kind, address_id, from_date, state)"
	    " VALUES (1, 'temporary', 1, '2020-01-01', 'active')"), SQLITE_CONSTRAINT);
	ck_assert_int_eq(exec(db, "INSERT INTO residences (person_id, kind, address_id, from_date, state)"
	    " VALUES (1, 'permanent', 1, '2020-01-01', 'closed')"), SQLITE_CONSTRAINT);
	ck_assert_int_eq(exec(db, "INSERT INTO residences (person_id, kind, address_id, from_date, to_date, state)"
	    " VALUES (1, 'temporary', 1, '2020-01-01', '2021-12-31', 'active')"), SQLITE_OK);
	sqlite3_close(db);
}
END_TEST

START_TEST(bad_identity_values_are_refused)
{
	sqlite3 *db = fresh();

	ck_assert_int_eq(exec(db, "INSERT INTO persons (id_number, name, family, middle, given, folded, sort_key, sex)"
	    " VALUES ('00109000000A', 'A', '', '', 'A', 'a', x'01', 1)"), SQLITE_CONSTRAINT);
	ck_assert_int_eq(exec(db, "INSERT INTO persons (id_number, name, family, middle, given, folded, sort_key, sex)"
	    " VALUES ('0010900000011', 'A', '', '', 'A', 'a', x'01', 1)"), SQLITE_CONSTRAINT);
	ck_assert_int_eq(exec(db, "INSERT INTO persons (name, family, middle, given, folded, sort_key, sex)"
	    " VALUES ('A', '', '', 'A', 'a', x'01', 3)"), SQLITE_CONSTRAINT);
	/* STRICT: a number is not text. */
	ck_assert_int_eq(exec(db, "INSERT INTO persons (name, family, middle, given, folded, sort_key, sex)"
	    " VALUES ('A', '', '', 'A', 'a', x'01', 'one')"), SQLITE_CONSTRAINT);
	sqlite3_close(db);
}
END_TEST

START_TEST(journal_is_append_only_and_dense)
{
	sqlite3 *db = fresh();

	ck_assert_int_eq(exec(db, "INSERT INTO journal VALUES (1, '2026-01-01T00:00:00Z', 'lan', x'7b7d', zeroblob(32))"), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO journal VALUES (3, '2026-01-01T00:00:00Z', 'lan', x'7b7d', zeroblob(32))"), SQLITE_CONSTRAINT);
	ck_assert_int_eq(exec(db, "UPDATE journal SET actor = 'x'"), SQLITE_CONSTRAINT);
	ck_assert_int_eq(exec(db, "DELETE FROM journal"), SQLITE_CONSTRAINT);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM journal"), 1);
	sqlite3_close(db);
}
END_TEST

START_TEST(nobody_decides_their_own_dossier)
{
	sqlite3 *db = fresh();

	ck_assert_int_eq(exec(db, "INSERT INTO officers VALUES ('lan', 'Lan', 'supervisor', 0, NULL, '2026-01-01')"), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO dossiers (number, procedure, received, due, state, officer, supervisor, request, events)"
	    " VALUES ('1/PTN', 'stay.notify', '2026-01-01', '2026-01-01', 'approved', 'lan', 'lan', x'00', x'00')"), SQLITE_CONSTRAINT);
	ck_assert_int_eq(exec(db, "INSERT INTO dossiers (number, procedure, received, due, state, officer, reason, request, events)"
	    " VALUES ('2/PTN', 'stay.notify', '2026-01-01', '2026-01-01', 'awaiting', 'nobody', NULL, x'00', x'00')"), SQLITE_CONSTRAINT);
	sqlite3_close(db);
}
END_TEST

START_TEST(a_guest_is_a_citizen_or_a_foreigner)
{
	sqlite3 *db = fresh();

	ck_assert_int_eq(exec(db, person_sql), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO stays (id, host_id_number, address_id, from_date, to_date)"
	    " VALUES (1, '001090000001', 1, '2026-01-01', '2026-01-05')"), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO stay_guests VALUES (1, 1, 'A', 'a', '1990', 1, '001090000002', NULL, NULL)"), SQLITE_OK);
	ck_assert_int_eq(exec(db, "INSERT INTO stay_guests VALUES (1, 2, 'K', 'k', '1990', 1, NULL, 'M1234567', 'KR')"), SQLITE_OK);
	/* Both, neither, or a passport without a nationality. */
	ck_assert_int_eq(exec(db, "INSERT INTO stay_guests VALUES (1, 3, 'B', 'b', '1990', 2, '001190000002', 'M1234567', 'KR')"), SQLITE_CONSTRAINT);
	ck_assert_int_eq(exec(db, "INSERT INTO stay_guests VALUES (1, 3, 'B', 'b', '1990', 2, NULL, NULL, NULL)"), SQLITE_CONSTRAINT);
	ck_assert_int_eq(exec(db, "INSERT INTO stay_guests VALUES (1, 3, 'B', 'b', '1990', 2, NULL, 'M1234567', NULL)"), SQLITE_CONSTRAINT);
	ck_assert_int_eq(exec(db, "INSERT INTO stay_guests VALUES (1, 3, 'B', 'b', '1990', 2, NULL, 'M1234567', 'kr')"), SQLITE_CONSTRAINT);
	sqlite3_close(db);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("schema");

	tcase_add_test(tc, migrates_to_latest_and_is_idempotent);
	tcase_add_test(tc, newer_store_is_refused_untouched);
	tcase_add_test(tc, foreign_keys_checked_after_a_bulk_load);
	tcase_add_test(tc, one_active_permanent_residence_per_person);
	tcase_add_test(tc, temporary_needs_end_and_closed_needs_ground);
	tcase_add_test(tc, bad_identity_values_are_refused);
	tcase_add_test(tc, a_guest_is_a_citizen_or_a_foreigner);
	tcase_add_test(tc, journal_is_append_only_and_dense);
	tcase_add_test(tc, nobody_decides_their_own_dossier);
	tcase_add_test(tc, persons_checks_rewritten_alike);
	tcase_add_test(tc, id_number_index_has_a_name);
	suite_add_tcase(s, tc);
	return s;
}
