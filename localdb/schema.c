/* The ward register: tables, invariants, migrations.
 *
 * Every table is STRICT.  The register's tables (persons, households,
 * residences, stays, absences, ...) hold what applying the journal's domain
 * events produced; the journal is the record, the tables are its current
 * state.  Dossiers and officers are the desk's own bookkeeping.
 *
 * The register's tables change only through localdb/apply.c, which gives
 * each event of core/event.h its meaning; the essay there says what each
 * event does to these tables.
 *
 * Invariants the schema itself enforces, so that no code path can break them:
 *   - a person holds at most one active residence of each kind (permanent,
 *     temporary, current: partial unique index one_active_residence);
 *   - a temporary residence has an end date, and only a temporary one
 *     (CHECK);
 *   - a closed residence has a ground, the date of the event behind it and
 *     a closing date; a replaced one a closing date (CHECK);
 *   - a person is a current member of at most one household
 *     (one_current_membership);
 *   - a household has at most one current member recorded as 'head'
 *     (partial unique index one_current_head); that it has one, and that
 *     households.head_id names them, is kept by the one code path that
 *     applies events, inside the event's transaction;
 *   - a stay's guest is a citizen (ID number) or a foreigner (passport and
 *     nationality), never both (CHECK);
 *   - ID numbers are 12 ASCII digits, unique; legacy CMND numbers 9 digits;
 *   - the journal is append-only (triggers refuse UPDATE and DELETE) and its
 *     sequence numbers have no holes.
 * Dates are ISO text: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' (partial dates of
 * birth), full dates elsewhere.  Names are stored NFC; folded names ASCII.
 *
 * Migrations: migrations[i] takes user_version i to i+1, in one transaction
 * with the version bump, so a power cut leaves the old or the new schema.
 * A store at a version this build does not know is refused, never
 * "downgraded". */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/i18n.h"
#include "localdb/schema.h"

/* ---- search: begin ----
 * The search index (an FTS5 table over persons.folded, its triggers and the
 * CMND index) is defined in localdb/search_index.h, beside the code that
 * reads it; migration 1 ends with SEARCH_SCHEMA. */
#include "localdb/search_index.h"
/* ---- search: end ---- */

static const char *const migrations[] = {
	/* 1: the register. */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	") STRICT;"

	"CREATE TABLE officers ("
	"  login TEXT PRIMARY KEY CHECK (length(login) BETWEEN 1 AND 32),"
	"  name TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('officer', 'supervisor', 'admin')),"
	"  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
	"  sign_pk BLOB CHECK (sign_pk IS NULL OR length(sign_pk) = 32),"
	"  created TEXT NOT NULL"
	") STRICT;"

	/* Reference data arrives versioned from the registry's feed. */
	"CREATE TABLE ref_versions ("
	"  kind TEXT PRIMARY KEY CHECK (kind IN ('units', 'holidays', 'ethnic', 'nationality')),"
	"  version TEXT NOT NULL"
	") STRICT;"
	"CREATE TABLE admin_units ("
	"  version TEXT NOT NULL,"
	"  code TEXT NOT NULL CHECK (code NOT GLOB '*[^0-9]*' AND length(code) IN (2, 5)),"
	"  name TEXT NOT NULL,"
	"  parent TEXT,"
	"  PRIMARY KEY (version, code)"
	") STRICT;"
	"CREATE TABLE holidays ("
	"  version TEXT NOT NULL,"
	"  day TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('off', 'work')),"
	"  name TEXT NOT NULL,"
	"  PRIMARY KEY (version, day)"
	") STRICT;"
	"CREATE TABLE ethnic_groups ("
	"  version TEXT NOT NULL,"
	"  code TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  PRIMARY KEY (version, code)"
	") STRICT;"

	"CREATE TABLE addresses ("
	"  id INTEGER PRIMARY KEY,"
	"  commune_code TEXT NOT NULL CHECK (" ADDRESSES_COMMUNE_CHECK_1 "),"
	"  detail TEXT NOT NULL,"
	"  UNIQUE (commune_code, detail)"
	") STRICT;"

	/* The CHECKs of the tables a bulk import fills say "x = a OR x = b"
	 * rather than "x IN (a, b, c)": SQLite builds a temporary table for
	 * an IN list of three or more values on every row it checks, which
	 * cost a tenth of an import. */
	"CREATE TABLE persons ("
	"  id INTEGER PRIMARY KEY,"
	"  id_number TEXT UNIQUE CHECK (" PERSONS_ID_CHECK_1 "),"
	"  legacy_cmnd TEXT CHECK (" PERSONS_CMND_CHECK_1 "),"
	"  name TEXT NOT NULL,"
	"  family TEXT NOT NULL,"
	"  middle TEXT NOT NULL,"
	"  given TEXT NOT NULL,"
	"  folded TEXT NOT NULL,"
	"  sort_key BLOB NOT NULL,"
	"  sex INTEGER NOT NULL CHECK (sex BETWEEN 0 AND 2),"
	"  dob TEXT CHECK (" PERSONS_DOB_CHECK_1 "),"
	"  birth_year INTEGER,"
	"  ethnicity TEXT,"
	"  religion TEXT,"
	"  nationality TEXT NOT NULL DEFAULT 'VN',"
	"  home_town TEXT,"
	"  phone TEXT,"
	"  email TEXT,"
	"  version INTEGER NOT NULL DEFAULT 1"
	") STRICT;"
	"CREATE INDEX persons_sort ON persons (sort_key);"
	"CREATE INDEX persons_birth_year ON persons (birth_year);"

	"CREATE TABLE households ("
	"  id INTEGER PRIMARY KEY,"
	"  number TEXT NOT NULL UNIQUE CHECK (" HOUSEHOLDS_NUMBER_CHECK_1 "),"
	"  address_id INTEGER NOT NULL REFERENCES addresses (id),"
	"  head_id INTEGER NOT NULL REFERENCES persons (id) DEFERRABLE INITIALLY DEFERRED,"
	"  created TEXT NOT NULL,"
	"  dissolved TEXT CHECK (dissolved IS NULL OR dissolved >= created),"
	"  version INTEGER NOT NULL DEFAULT 1"
	") STRICT;"
	/* Membership history: a row per period; the current one has no end.
	 * relationship is to the head ('head' for the head themself); NULL
	 * when not known (a former head, until a member_added restates it). */
	"CREATE TABLE household_members ("
	"  id INTEGER PRIMARY KEY,"
	"  household_id INTEGER NOT NULL REFERENCES households (id),"
	"  person_id INTEGER NOT NULL REFERENCES persons (id),"
	"  relationship TEXT CHECK (relationship IS NULL OR length(relationship) > 0),"
	"  since TEXT NOT NULL,"
	"  until TEXT CHECK (until IS NULL OR until >= since)"
	") STRICT;"
	"CREATE INDEX household_members_person ON household_members (person_id);"
	"CREATE INDEX household_members_household ON household_members (household_id)"
	"  WHERE until IS NULL;"
	"CREATE UNIQUE INDEX one_current_membership ON household_members (person_id)"
	"  WHERE until IS NULL;"
	"CREATE UNIQUE INDEX one_current_head ON household_members (household_id)"
	"  WHERE until IS NULL AND relationship = 'head';"

	/* kind and ground are ids of core/event.h's closed lists (the lists
	 * live there only).  state: 'active'; 'closed' by residence.closed,
	 * with its ground; 'replaced' when a new residence of the same kind
	 * was opened (the new row's replaces names it; closed_date is the day
	 * the new one began).  household_id: the household the person belonged
	 * to when it opened, or later joined at the same address. */
	"CREATE TABLE residences ("
	"  id INTEGER PRIMARY KEY,"
	"  person_id INTEGER NOT NULL REFERENCES persons (id),"
	"  kind TEXT NOT NULL CHECK (kind = 'permanent' OR kind = 'temporary'"
	"    OR kind = 'current'),"
	"  household_id INTEGER REFERENCES households (id),"
	"  address_id INTEGER NOT NULL REFERENCES addresses (id),"
	"  from_date TEXT NOT NULL,"
	"  to_date TEXT,"
	"  state TEXT NOT NULL CHECK (state = 'active' OR state = 'closed'"
	"    OR state = 'replaced'),"
	"  ground TEXT,"
	"  event_date TEXT,"
	"  document_ref TEXT,"
	"  closed_date TEXT,"
	"  replaces INTEGER REFERENCES residences (id),"
	"  dossier_id INTEGER REFERENCES dossiers (id),"
	"  closed_dossier_id INTEGER REFERENCES dossiers (id),"
	"  CHECK ((kind = 'temporary') = (to_date IS NOT NULL)),"
	"  CHECK (to_date IS NULL OR to_date > from_date),"
	"  CHECK (state = 'active' OR closed_date IS NOT NULL),"
	"  CHECK (state <> 'closed' OR (ground IS NOT NULL AND event_date IS NOT NULL)),"
	"  CHECK (state = 'closed' OR (ground IS NULL AND event_date IS NULL"
	"    AND document_ref IS NULL AND closed_dossier_id IS NULL))"
	") STRICT;"
	"CREATE UNIQUE INDEX one_active_residence ON residences (person_id, kind)"
	"  WHERE state = 'active';"
	"CREATE INDEX residences_person ON residences (person_id);"
	"CREATE INDEX residences_expiring ON residences (to_date)"
	"  WHERE kind = 'temporary' AND state = 'active';"

	/* A notice of stay.  The host is recorded by ID number as given: who
	 * gives notice need not be a resident of the ward.  Guests are not
	 * persons of the register: a citizen by ID number, a foreigner by
	 * passport and nationality (never both). */
	"CREATE TABLE stays ("
	"  id INTEGER PRIMARY KEY,"
	"  host_id_number TEXT NOT NULL CHECK (length(host_id_number) = 12"
	"    AND host_id_number NOT GLOB '*[^0-9]*'),"
	"  address_id INTEGER NOT NULL REFERENCES addresses (id),"
	"  from_date TEXT NOT NULL,"
	"  to_date TEXT NOT NULL CHECK (to_date >= from_date),"
	"  dossier_id INTEGER REFERENCES dossiers (id)"
	") STRICT;"
	"CREATE TABLE stay_guests ("
	"  stay_id INTEGER NOT NULL REFERENCES stays (id),"
	"  row INTEGER NOT NULL CHECK (row >= 1),"
	"  name TEXT NOT NULL,"
	"  folded TEXT NOT NULL,"
	"  dob TEXT NOT NULL,"
	"  sex INTEGER NOT NULL CHECK (sex IN (1, 2)),"
	"  id_number TEXT CHECK (id_number IS NULL OR"
	"    (length(id_number) = 12 AND id_number NOT GLOB '*[^0-9]*')),"
	"  passport TEXT CHECK (passport IS NULL OR (length(passport) BETWEEN 5 AND 20"
	"    AND passport NOT GLOB '*[^0-9A-Z]*')),"
	"  nationality TEXT CHECK (nationality IS NULL OR (length(nationality) = 2"
	"    AND nationality NOT GLOB '*[^A-Z]*')),"
	"  CHECK ((id_number IS NOT NULL AND passport IS NULL AND nationality IS NULL)"
	"    OR (id_number IS NULL AND passport IS NOT NULL AND nationality IS NOT NULL)),"
	"  PRIMARY KEY (stay_id, row)"
	") STRICT;"
	"CREATE INDEX stay_guests_id_number ON stay_guests (id_number)"
	"  WHERE id_number IS NOT NULL;"
	"CREATE INDEX stay_guests_passport ON stay_guests (passport)"
	"  WHERE passport IS NOT NULL;"
	/* case_id: an id of event_absence_cases (core/event.h). */
	"CREATE TABLE absences ("
	"  id INTEGER PRIMARY KEY,"
	"  person_id INTEGER NOT NULL REFERENCES persons (id),"
	"  from_date TEXT NOT NULL,"
	"  to_date TEXT NOT NULL CHECK (to_date > from_date),"
	"  case_id TEXT NOT NULL,"
	"  destination TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  dossier_id INTEGER REFERENCES dossiers (id)"
	") STRICT;"
	/* Residence confirmations (form CT07, "Số number/XN"): numbered from 1
	 * in each calendar year of issue.  The requester is recorded by ID
	 * number as given. */
	"CREATE TABLE confirmations ("
	"  id INTEGER PRIMARY KEY,"
	"  year INTEGER NOT NULL,"
	"  number INTEGER NOT NULL CHECK (number >= 1),"
	"  person_id INTEGER NOT NULL REFERENCES persons (id),"
	"  requester TEXT NOT NULL CHECK (length(requester) = 12"
	"    AND requester NOT GLOB '*[^0-9]*'),"
	"  issued TEXT NOT NULL,"
	"  valid_until TEXT NOT NULL CHECK (valid_until >= issued),"
	"  content TEXT,"
	"  dossier_id INTEGER REFERENCES dossiers (id),"
	"  UNIQUE (year, number)"
	") STRICT;"
	"CREATE INDEX confirmations_person ON confirmations (person_id);"
	/* identity.corrected: the civil-status document, and the values it
	 * replaced (NULL for a value the correction left alone). */
	"CREATE TABLE person_corrections ("
	"  id INTEGER PRIMARY KEY,"
	"  person_id INTEGER NOT NULL REFERENCES persons (id),"
	"  corrected TEXT NOT NULL,"
	"  document_ref TEXT NOT NULL,"
	"  old_id_number TEXT,"
	"  old_name TEXT,"
	"  old_dob TEXT,"
	"  old_sex INTEGER,"
	"  dossier_id INTEGER REFERENCES dossiers (id)"
	") STRICT;"
	"CREATE INDEX person_corrections_person ON person_corrections (person_id);"
	"CREATE INDEX person_corrections_old ON person_corrections (old_id_number)"
	"  WHERE old_id_number IS NOT NULL;"

	"CREATE TABLE dossiers ("
	"  id INTEGER PRIMARY KEY,"
	"  number TEXT NOT NULL UNIQUE,"
	"  procedure TEXT NOT NULL,"
	"  applicant_id INTEGER REFERENCES persons (id),"
	"  received TEXT NOT NULL,"
	"  due TEXT NOT NULL,"
	/* The half day by whose end the result is due (core/holiday.h). */
	"  due_session TEXT NOT NULL DEFAULT 'afternoon'"
	"    CHECK (due_session IN ('morning', 'afternoon')),"
	"  state TEXT NOT NULL CHECK (state IN ('awaiting', 'approved', 'returned',"
	"    'refused', 'sent', 'accepted', 'rejected')),"
	"  officer TEXT NOT NULL REFERENCES officers (login),"
	"  supervisor TEXT REFERENCES officers (login),"
	"  decided TEXT,"
	"  reason TEXT,"
	"  request BLOB NOT NULL,"
	"  events BLOB NOT NULL,"
	"  signature BLOB CHECK (signature IS NULL OR length(signature) = 64),"
	"  CHECK (state IN ('awaiting') OR supervisor IS NOT NULL),"
	"  CHECK (state NOT IN ('returned', 'refused') OR length(reason) > 0),"
	"  CHECK (supervisor IS NULL OR supervisor <> officer)"
	") STRICT;"
	"CREATE INDEX dossiers_state ON dossiers (state, due);"

	/* The journal: append-only, hash-chained (core/hash.h HASH_TAG_JOURNAL);
	 * format in localdb/journal.c, which also keeps meta 'journal_head'. */
	"CREATE TABLE journal ("
	"  seq INTEGER PRIMARY KEY CHECK (seq >= 1),"
	"  at TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  payload BLOB NOT NULL,"
	"  hash BLOB NOT NULL CHECK (length(hash) = 32)"
	") STRICT;"
	"CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal"
	"  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;"
	"CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal"
	"  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;"
	"CREATE TRIGGER journal_dense BEFORE INSERT ON journal"
	"  WHEN NEW.seq <> coalesce((SELECT max(seq) FROM journal), 0) + 1"
	"  BEGIN SELECT RAISE(ABORT, 'journal sequence numbers must follow each other'); END;"

	/* The search index: see the search block above. */
	SEARCH_SCHEMA,

	/* 2: the console's device identity and the change sets it signed
	 * (sync/device.h owns both tables and says what they hold).  One
	 * device row; change-set numbers follow each other without holes;
	 * a dossier has at most one change set. */
	"CREATE TABLE device ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1),"
	"  id TEXT NOT NULL CHECK (length(id) = 16),"
	"  ward TEXT NOT NULL CHECK (length(ward) = 5),"
	"  sign_sk BLOB NOT NULL CHECK (length(sign_sk) = 64),"
	"  box_pk BLOB NOT NULL CHECK (length(box_pk) = 32),"
	"  box_sk BLOB NOT NULL CHECK (length(box_sk) = 32),"
	"  next_seq INTEGER NOT NULL CHECK (next_seq >= 1),"
	"  prev BLOB NOT NULL CHECK (length(prev) = 32),"
	"  registry_sign_pk BLOB CHECK (registry_sign_pk IS NULL OR"
	"    length(registry_sign_pk) = 32),"
	"  registry_box_pk BLOB CHECK (registry_box_pk IS NULL OR"
	"    length(registry_box_pk) = 32),"
	"  registry_name TEXT,"
	"  registry_url TEXT,"
	"  enrolled_at INTEGER,"
	"  CHECK ((registry_sign_pk IS NULL) = (registry_box_pk IS NULL) AND"
	"    (registry_sign_pk IS NULL) = (enrolled_at IS NULL))"
	") STRICT;"
	"CREATE TABLE changesets ("
	"  seq INTEGER PRIMARY KEY CHECK (seq >= 1),"
	"  hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),"
	"  dossier TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL,"
	"  sealed BLOB NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'sealed' CHECK (state IN ('sealed',"
	"    'sent', 'exported', 'held', 'accepted', 'rejected')),"
	"  receipt BLOB"
	") STRICT;"
	"CREATE TRIGGER changesets_dense BEFORE INSERT ON changesets"
	"  WHEN NEW.seq <> coalesce((SELECT max(seq) FROM changesets), 0) + 1"
	"  BEGIN SELECT RAISE(ABORT, 'change set numbers must follow each other'); END;"
	"CREATE TRIGGER changesets_no_delete BEFORE DELETE ON changesets"
	"  BEGIN SELECT RAISE(ABORT, 'signed change sets are never deleted'); END;",

	/* 3: the indexes the register's queries need (localdb/register.c
	 * says which query uses which): a person's absences and the stays
	 * they hosted, a household's past members as well as its current
	 * ones (the partial index of migration 1 becomes a whole one, which
	 * still answers "until IS NULL" exactly), and the dossiers of a
	 * report's period. */
	"CREATE INDEX absences_person ON absences (person_id);"
	"CREATE INDEX stays_host ON stays (host_id_number);"
	"DROP INDEX household_members_household;"
	"CREATE INDEX household_members_household ON household_members"
	"  (household_id, until);"
	"CREATE INDEX dossiers_received ON dossiers (received, procedure, state);",

	/* 4: drafts of procedure forms, kept while they are typed
	 * (localdb/draft.c owns the table and says what it holds).  Each
	 * row belongs to one officer; the sizes repeat draft.h's limits. */
	"CREATE TABLE drafts ("
	"  id INTEGER PRIMARY KEY,"
	"  officer TEXT NOT NULL REFERENCES officers (login),"
	"  procedure TEXT NOT NULL CHECK (length(procedure) BETWEEN 1 AND 63),"
	"  step INTEGER NOT NULL CHECK (step BETWEEN 0 AND 15),"
	"  focus TEXT NOT NULL CHECK (length(focus) < 128),"
	"  fields BLOB NOT NULL CHECK (length(fields) BETWEEN 1 AND 262144),"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX drafts_officer ON drafts (officer, updated);",

	/* 5: persons' CHECKs on the ID number and the date of birth in
	 * their cheaper form (PERSONS_ID_CHECK_5, PERSONS_DOB_CHECK_5):
	 * persons_checks_5(). */
	"",

	/* 6: the shape checks of persons, households and addresses by this
	 * program's SQL functions (localdb/schema.h): checks_6(). */
	"",

	/* 7: the index that keeps ID numbers unique becomes one with a
	 * name, persons_id_number, which a bulk load can drop and create
	 * again (localdb/import.c): id_number_index_7(). */
	"",
};

/* Migrations 5 and 6.  A CHECK lives only in the table's CREATE statement, and
 * SQLite's ALTER TABLE cannot change one; the new expressions let exactly
 * the same values through, so the statement kept in sqlite_schema is
 * edited in place, as SQLite's documentation describes for changes that
 * leave the stored rows as they are (lang_altertable.html, "other kinds of
 * table schema changes"): writable_schema for the edit, then a new schema
 * cookie so that every connection reads the schema again.  A statement
 * that does not hold the old text (none should) is left as it is.  An
 * edit: in table's CREATE statement, text `from` becomes `to`. */
struct check_edit {
	const char *table, *from, *to;
};

/* Begin editing sqlite_schema: 0, or -1 with *msg. */
static int
schema_edit_begin(sqlite3 *db, char **msg)
{
	return sqlite3_exec(db, "PRAGMA writable_schema = ON", NULL, NULL,
	    msg) == SQLITE_OK ? 0 : -1;
}

/* End it (ok: the edits went well): a new schema cookie, writable_schema
 * off.  0, or -1 with *msg. */
static int
schema_edit_end(sqlite3 *db, int ok, char **msg)
{
	sqlite3_stmt *st = NULL;
	char sql[64];
	int cookie = -1;

	if (ok && sqlite3_prepare_v2(db, "PRAGMA schema_version", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		cookie = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (cookie >= 0) {
		snprintf(sql, sizeof sql, "PRAGMA schema_version = %d",
		    cookie + 1);
		ok = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
	} else
		ok = 0;
	if (sqlite3_exec(db, "PRAGMA writable_schema = OFF", NULL, NULL,
	    NULL) != SQLITE_OK)
		ok = 0;
	if (!ok && *msg == NULL)
		*msg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
	return ok ? 0 : -1;
}

static int
checks_rewrite(sqlite3 *db, const struct check_edit *ed, size_t n,
    char **msg)
{
	sqlite3_stmt *st = NULL;
	int ok;
	size_t i;

	if (schema_edit_begin(db, msg) != 0)
		return -1;
	ok = sqlite3_prepare_v2(db, "UPDATE sqlite_schema SET sql ="
	    " replace(sql, ?2, ?3) WHERE type = 'table' AND name = ?1", -1,
	    &st, NULL) == SQLITE_OK;
	for (i = 0; ok && i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, ed[i].table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, ed[i].from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ed[i].to, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return schema_edit_end(db, ok, msg);
}

static int
persons_checks_5(sqlite3 *db, char **msg)
{
	static const struct check_edit ed[] = {
		{ "persons", PERSONS_ID_CHECK_1, PERSONS_ID_CHECK_5 },
		{ "persons", PERSONS_DOB_CHECK_1, PERSONS_DOB_CHECK_5 },
	};

	return checks_rewrite(db, ed, sizeof ed / sizeof ed[0], msg);
}

/* Migration 6, as migration 5 (the functions are schema_functions()'). */
static int
checks_6(sqlite3 *db, char **msg)
{
	static const struct check_edit ed[] = {
		{ "persons", PERSONS_ID_CHECK_5, PERSONS_ID_CHECK_6 },
		{ "persons", PERSONS_DOB_CHECK_5, PERSONS_DOB_CHECK_6 },
		{ "persons", PERSONS_CMND_CHECK_1, PERSONS_CMND_CHECK_6 },
		{ "households", HOUSEHOLDS_NUMBER_CHECK_1,
		    HOUSEHOLDS_NUMBER_CHECK_6 },
		{ "addresses", ADDRESSES_COMMUNE_CHECK_1,
		    ADDRESSES_COMMUNE_CHECK_6 },
	};

	return checks_rewrite(db, ed, sizeof ed / sizeof ed[0], msg);
}

/* Migration 7.  SQLite names the index of a column's UNIQUE constraint
 * itself (sqlite_autoindex_persons_1) and never lets it be dropped; an
 * index made by CREATE UNIQUE INDEX on the same column holds exactly the
 * same records (the number, then the row id, in BINARY order) and refuses
 * the same rows.  So, as for migrations 5 and 6: the column loses its
 * UNIQUE in the table's statement and the index row of sqlite_schema
 * becomes that of persons_id_number, over the same b-tree.  Only when the
 * index is what it should be, one column, id_number, and each edit changes
 * exactly one row; otherwise the migration fails and nothing changes. */
static int
id_number_index_7(sqlite3 *db, char **msg)
{
	static const char *const edit[] = {
		"UPDATE sqlite_schema SET sql = replace(sql,"
		" 'id_number TEXT UNIQUE CHECK (', 'id_number TEXT CHECK (')"
		" WHERE type = 'table' AND name = 'persons'"
		" AND instr(sql, 'id_number TEXT UNIQUE CHECK (') > 0",
		"UPDATE sqlite_schema SET name = 'persons_id_number', sql ="
		" 'CREATE UNIQUE INDEX persons_id_number ON persons (id_number)'"
		" WHERE type = 'index' AND name = 'sqlite_autoindex_persons_1'"
		" AND tbl_name = 'persons' AND sql IS NULL",
	};
	sqlite3_stmt *st = NULL;
	int ok = 0;
	size_t i;

	if (sqlite3_prepare_v2(db, "SELECT count(*), max(name) FROM"
	    " pragma_index_info('sqlite_autoindex_persons_1')", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		ok = sqlite3_column_int(st, 0) == 1 &&
		    sqlite3_column_text(st, 1) != NULL &&
		    strcmp((const char *)sqlite3_column_text(st, 1),
		    "id_number") == 0;
	sqlite3_finalize(st);
	if (!ok) {
		*msg = sqlite3_mprintf("%s", "persons has no index of its own "
		    "on id_number alone");
		return -1;
	}
	if (schema_edit_begin(db, msg) != 0)
		return -1;
	for (i = 0; ok && i < sizeof edit / sizeof edit[0]; i++)
		ok = sqlite3_exec(db, edit[i], NULL, NULL, msg) == SQLITE_OK &&
		    sqlite3_changes(db) == 1;
	if (!ok && *msg == NULL)
		*msg = sqlite3_mprintf("%s", "the schema of persons is not "
		    "the one migration 7 edits");
	return schema_edit_end(db, ok, msg);
}

/* The text of value v up to its first NUL, as length() and GLOB read it;
 * NULL for SQL NULL (or when it cannot be had). */
static const unsigned char *
fn_text(sqlite3_value *v)
{
	if (sqlite3_value_type(v) == SQLITE_NULL)
		return NULL;
	return sqlite3_value_text(v);
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* cutru_digits(x, n): x is exactly n ASCII digits. */
static void
fn_digits(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = fn_text(argv[0]);
	sqlite3_int64 n = sqlite3_value_int64(argv[1]), i;

	(void)argc;
	if (s == NULL) {
		sqlite3_result_null(cx);
		return;
	}
	for (i = 0; s[i] != '\0' && i <= n; i++)
		if (!is_digit(s[i])) {
			sqlite3_result_int(cx, 0);
			return;
		}
	sqlite3_result_int(cx, i == n && s[i] == '\0');
}

/* cutru_date_text(x): x is 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', digits
 * ASCII (the values are not checked: see core/date.c). */
static void
fn_date_text(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	static const char shape[] = "dddd-dd-dd";
	const unsigned char *s = fn_text(argv[0]);
	size_t i;

	(void)argc;
	if (s == NULL) {
		sqlite3_result_null(cx);
		return;
	}
	for (i = 0; s[i] != '\0' && i < sizeof shape - 1; i++)
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i]) {
			sqlite3_result_int(cx, 0);
			return;
		}
	sqlite3_result_int(cx, s[i] == '\0' && (i == 4 || i == 7 || i == 10));
}

/* cutru_code(x, n): x is 1 to n ASCII letters, digits and hyphens. */
static void
fn_code(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = fn_text(argv[0]);
	sqlite3_int64 n = sqlite3_value_int64(argv[1]), i;
	unsigned char c;

	(void)argc;
	if (s == NULL) {
		sqlite3_result_null(cx);
		return;
	}
	for (i = 0; (c = s[i]) != '\0' && i <= n; i++)
		if (!is_digit(c) && c != '-' && !(c >= 'A' && c <= 'Z') &&
		    !(c >= 'a' && c <= 'z')) {
			sqlite3_result_int(cx, 0);
			return;
		}
	sqlite3_result_int(cx, i >= 1 && i <= n && s[i] == '\0');
}

int
schema_functions(sqlite3 *db)
{
	static const struct {
		const char *name;
		int nargs;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} f[] = {
		{ "cutru_digits", 2, fn_digits },
		{ "cutru_date_text", 1, fn_date_text },
		{ "cutru_code", 2, fn_code },
	};
	size_t i;

	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		if (sqlite3_create_function_v2(db, f[i].name, f[i].nargs,
		    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
		    f[i].fn, NULL, NULL, NULL) != SQLITE_OK)
			return CUTRU_ENOMEM;
	return CUTRU_OK;
}

/* Migrations that need more than their SQL, run after it. */
static int (*const migration_code[])(sqlite3 *, char **) = {
	[4] = persons_checks_5,
	[5] = checks_6,
	[6] = id_number_index_7,
};

#define N_MIGRATION_CODE \
	((int)(sizeof migration_code / sizeof migration_code[0]))

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int
schema_version_latest(void)
{
	return N_MIGRATIONS;
}

static int
user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int
schema_migrate(sqlite3 *db, struct cutru_err *e)
{
	char sql[64];
	char *msg = NULL;
	int v = 0, rc = CUTRU_OK;

	if (schema_functions(db) != CUTRU_OK ||
	    sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK ||
	    user_version(db, &v) != SQLITE_OK)
		return cutru_err_set(e, CUTRU_EIO, NULL,
		    _("Could not read the store's schema version: %s."), sqlite3_errmsg(db));
	if (v > N_MIGRATIONS)
		return cutru_err_set(e, CUTRU_ECONFLICT, NULL,
		    _("This store was written by a newer version of cutru (schema %d; this program knows up to %d). Install the newer cutru to open it."),
		    v, N_MIGRATIONS);
	for (; v < N_MIGRATIONS; v++) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
			goto fail;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (sqlite3_exec(db, migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
		    (v < N_MIGRATION_CODE && migration_code[v] != NULL &&
		    migration_code[v](db, &msg) != 0) ||
		    sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
	}
	return CUTRU_OK;
fail:
	rc = cutru_err_set(e, CUTRU_EIO, NULL,
	    _("Could not upgrade the store to schema %d: %s."), v + 1,
	    msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return rc;
}

/* ---- checking foreign keys after a bulk load ---- */

/* What schema_fk_check() learns of a parent table, once per call. */
struct fk_parent {
	char name[64];
	int ranged;                 /* keys to it can be checked by range */
	sqlite3_int64 lo, hi;       /* its rowids are exactly lo..hi */
};

struct fk_state {
	struct fk_parent p[16];
	size_t n;
};

/* A parent whose keys go to foreign_key_check. */
static const struct fk_parent fk_unranged;

/* Whether table's rowid is named col (its single-column INTEGER PRIMARY
 * KEY), col NULL meaning the primary key. */
static int
is_rowid_key(sqlite3 *db, const char *table, const char *col)
{
	sqlite3_stmt *st = NULL;
	int pks = 0, ok = 0;

	if (sqlite3_prepare_v2(db, "SELECT name, upper(type) FROM "
	    "pragma_table_info(?1) WHERE pk > 0", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(st, 0);
		const char *t = (const char *)sqlite3_column_text(st, 1);

		pks++;
		ok = n != NULL && t != NULL && strcmp(t, "INTEGER") == 0 &&
		    (col == NULL || sqlite3_stricmp(col, n) == 0);
	}
	sqlite3_finalize(st);
	return pks == 1 && ok;
}

/* The parent's entry: whether its rowids are dense (count = max - min +
 * 1), and their range.  NULL on a database error. */
static const struct fk_parent *
fk_parent(sqlite3 *db, struct fk_state *fs, const char *name,
    const char *to)
{
	struct fk_parent *p;
	sqlite3_stmt *st = NULL;
	char *sql;
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->p[i].name, name) == 0) {
			/* Keys to another column than the rowid: no range. */
			return is_rowid_key(db, name, to) ? &fs->p[i] :
			    &fk_unranged;
		}
	if (fs->n == sizeof fs->p / sizeof fs->p[0] ||
	    strlen(name) >= sizeof fs->p[0].name)
		return &fk_unranged;
	p = &fs->p[fs->n];
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	if (!is_rowid_key(db, name, to)) {
		fs->n++;
		return p;
	}
	sql = sqlite3_mprintf("SELECT count(*), coalesce(min(rowid), 1), "
	    "coalesce(max(rowid), 0) FROM \"%w\"", name);
	if (sql == NULL || sqlite3_prepare_v2(db, sql, -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		sqlite3_free(sql);
		return NULL;
	}
	p->lo = sqlite3_column_int64(st, 1);
	p->hi = sqlite3_column_int64(st, 2);
	p->ranged = sqlite3_column_int64(st, 0) == p->hi - p->lo + 1;
	sqlite3_finalize(st);
	sqlite3_free(sql);
	fs->n++;
	return p;
}

/* Whether table is STRICT (its INTEGER columns hold only integers). */
static int
is_strict(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st = NULL;
	int strict = 0;

	if (sqlite3_prepare_v2(db, "SELECT strict FROM pragma_table_list "
	    "WHERE schema = 'main' AND name = ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			strict = sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	return strict;
}

static int
count_of(sqlite3 *db, const char *sql, long *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return CUTRU_EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out += (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? CUTRU_OK : CUTRU_EIO;
}

/* Whether col of table leads an index that covers every row (not a
 * partial one): then min(col) and max(col) are two index look-ups. */
static int
leads_an_index(sqlite3 *db, const char *table, const char *col)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_index_list(?1) l,"
	    " pragma_index_info(l.name) i WHERE l.partial = 0 AND i.seqno = 0"
	    " AND i.name = ?2", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Whether every key in col (an indexed INTEGER column of a STRICT table)
 * is NULL or within lo..hi: its least and greatest, from the index.
 * -1 on a database error. */
static int
in_range_by_index(sqlite3 *db, const char *table, const char *col,
    sqlite3_int64 lo, sqlite3_int64 hi)
{
	static const char *const agg[2] = { "min", "max" };
	sqlite3_stmt *st = NULL;
	char *sql;
	int i, r, ok = 1;

	for (i = 0; i < 2 && ok; i++) {
		/* One aggregate per statement: SQLite reads an index end
		 * only for a lone min() or max(). */
		sql = sqlite3_mprintf("SELECT %s(\"%w\") FROM \"%w\"", agg[i],
		    col, table);
		if (sql == NULL || sqlite3_prepare_v2(db, sql, -1, &st, NULL) !=
		    SQLITE_OK || (r = sqlite3_step(st)) != SQLITE_ROW) {
			sqlite3_finalize(st);
			sqlite3_free(sql);
			return -1;
		}
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			ok = i == 0 ? sqlite3_column_int64(st, 0) >= lo :
			    sqlite3_column_int64(st, 0) <= hi;
		sqlite3_finalize(st);
		st = NULL;
		sqlite3_free(sql);
	}
	return ok;
}

/* One table: the rows with a broken key, by one scan with ranges, or by
 * foreign_key_check when a key is not to a dense rowid.  A key column of
 * a STRICT table that leads an index is checked by its least and greatest
 * value instead, and joins the scan (which then counts its broken keys)
 * only when they fall outside the range. */
static int
fk_check_table(sqlite3 *db, struct fk_state *fs, const char *table,
    long *bad)
{
	const struct fk_parent *p;
	sqlite3_stmt *st = NULL;
	char *cond = NULL, *sql = NULL;
	int rc, ranged = 1, err = 0, strict = is_strict(db, table);

	if (sqlite3_prepare_v2(db, "SELECT \"table\", \"from\", \"to\" FROM "
	    "pragma_foreign_key_list(?1)", -1, &st, NULL) != SQLITE_OK)
		return CUTRU_EIO;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *parent = (const char *)sqlite3_column_text(st, 0);
		const char *from = (const char *)sqlite3_column_text(st, 1);
		const char *to = (const char *)sqlite3_column_text(st, 2);
		char *more;

		if (parent == NULL || from == NULL) {
			ranged = 0;
			break;
		}
		if ((p = fk_parent(db, fs, parent, to)) == NULL) {
			err = 1;
			break;
		}
		if (!p->ranged) {
			ranged = 0;
			break;
		}
		if (strict && leads_an_index(db, table, from)) {
			int in = in_range_by_index(db, table, from, p->lo,
			    p->hi);

			if (in < 0) {
				err = 1;
				break;
			}
			if (in)
				continue;
		}
		/* NULL NOT BETWEEN ... is NULL: a NULL key holds. */
		more = sqlite3_mprintf(strict ?
		    "%z%s\"%w\" NOT BETWEEN %lld AND %lld" :
		    "%z%s\"%w\" NOT BETWEEN %lld AND %lld OR "
		    "typeof(\"%w\") NOT IN ('integer', 'null')",
		    cond, cond != NULL ? " OR " : "", from, (long long)p->lo,
		    (long long)p->hi, from);
		if (more == NULL) {
			err = 1;
			break;
		}
		cond = more;
	}
	sqlite3_finalize(st);
	if (err) {
		sqlite3_free(cond);
		return CUTRU_EIO;
	}
	if (ranged && cond == NULL)
		return CUTRU_OK;        /* no key left to scan for */
	if (ranged)
		sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\" WHERE %s",
		    table, cond);
	else
		sql = sqlite3_mprintf("SELECT count(DISTINCT rowid) FROM "
		    "pragma_foreign_key_check(%Q)", table);
	sqlite3_free(cond);
	if (sql == NULL)
		return CUTRU_EIO;
	rc = count_of(db, sql, bad);
	sqlite3_free(sql);
	return rc;
}

int
schema_fk_check(sqlite3 *db, const char *const *tables, size_t n, long *bad)
{
	struct fk_state fs;
	size_t i;
	int rc;

	fs.n = 0;
	*bad = 0;
	for (i = 0; i < n; i++)
		if ((rc = fk_check_table(db, &fs, tables[i], bad)) != CUTRU_OK)
			return rc;
	return CUTRU_OK;
}
