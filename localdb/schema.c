/* The ward register: tables, invariants, migrations.
 *
 * Every table is STRICT.  The register's tables (persons, households,
 * residences, stays, absences, ...) hold what applying the journal's domain
 * events produced; the journal is the record, the tables are its current
 * state.  Dossiers and officers are the desk's own bookkeeping.
 *
 * Invariants the schema itself enforces, so that no code path can break them:
 *   - a person holds at most one active permanent residence
 *     (partial unique index one_active_permanent);
 *   - a temporary residence has an end date (CHECK);
 *   - a closed residence has a ground and a closing date (CHECK);
 *   - a household has at most one current member recorded as 'head'
 *     (partial unique index one_current_head); that it has one, and that
 *     households.head_id names them, is kept by the one code path that
 *     applies events, inside the event's transaction;
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
	"  commune_code TEXT NOT NULL CHECK (length(commune_code) = 5 AND commune_code NOT GLOB '*[^0-9]*'),"
	"  detail TEXT NOT NULL,"
	"  UNIQUE (commune_code, detail)"
	") STRICT;"

	"CREATE TABLE persons ("
	"  id INTEGER PRIMARY KEY,"
	"  id_number TEXT UNIQUE CHECK (id_number IS NULL OR"
	"    (length(id_number) = 12 AND id_number NOT GLOB '*[^0-9]*')),"
	"  legacy_cmnd TEXT CHECK (legacy_cmnd IS NULL OR"
	"    (length(legacy_cmnd) = 9 AND legacy_cmnd NOT GLOB '*[^0-9]*')),"
	"  name TEXT NOT NULL,"
	"  family TEXT NOT NULL,"
	"  middle TEXT NOT NULL,"
	"  given TEXT NOT NULL,"
	"  folded TEXT NOT NULL,"
	"  sort_key BLOB NOT NULL,"
	"  sex INTEGER NOT NULL CHECK (sex IN (0, 1, 2)),"
	"  dob TEXT,"
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
	"  number TEXT NOT NULL UNIQUE,"
	"  address_id INTEGER NOT NULL REFERENCES addresses (id),"
	"  head_id INTEGER NOT NULL REFERENCES persons (id) DEFERRABLE INITIALLY DEFERRED,"
	"  created TEXT NOT NULL,"
	"  dissolved TEXT,"
	"  version INTEGER NOT NULL DEFAULT 1"
	") STRICT;"
	"CREATE TABLE household_members ("
	"  household_id INTEGER NOT NULL REFERENCES households (id),"
	"  person_id INTEGER NOT NULL REFERENCES persons (id),"
	"  relationship TEXT NOT NULL,"
	"  since TEXT NOT NULL,"
	"  until TEXT,"
	"  PRIMARY KEY (household_id, person_id, since)"
	") STRICT;"
	"CREATE UNIQUE INDEX one_current_membership ON household_members (person_id)"
	"  WHERE until IS NULL;"
	"CREATE UNIQUE INDEX one_current_head ON household_members (household_id)"
	"  WHERE until IS NULL AND relationship = 'head';"

	"CREATE TABLE residences ("
	"  id INTEGER PRIMARY KEY,"
	"  person_id INTEGER NOT NULL REFERENCES persons (id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('permanent', 'temporary')),"
	"  household_id INTEGER REFERENCES households (id),"
	"  address_id INTEGER NOT NULL REFERENCES addresses (id),"
	"  from_date TEXT NOT NULL,"
	"  to_date TEXT,"
	"  state TEXT NOT NULL CHECK (state IN ('active', 'closed')),"
	"  ground TEXT,"
	"  closed_date TEXT,"
	"  dossier_id INTEGER REFERENCES dossiers (id),"
	"  CHECK (kind = 'permanent' OR to_date IS NOT NULL),"
	"  CHECK (state = 'active' OR (ground IS NOT NULL AND closed_date IS NOT NULL))"
	") STRICT;"
	"CREATE UNIQUE INDEX one_active_permanent ON residences (person_id)"
	"  WHERE kind = 'permanent' AND state = 'active';"
	"CREATE INDEX residences_expiring ON residences (to_date)"
	"  WHERE kind = 'temporary' AND state = 'active';"

	"CREATE TABLE stays ("
	"  id INTEGER PRIMARY KEY,"
	"  person_id INTEGER NOT NULL REFERENCES persons (id),"
	"  address_id INTEGER NOT NULL REFERENCES addresses (id),"
	"  from_date TEXT NOT NULL,"
	"  to_date TEXT NOT NULL CHECK (to_date >= from_date),"
	"  host TEXT,"
	"  dossier_id INTEGER REFERENCES dossiers (id)"
	") STRICT;"
	"CREATE TABLE absences ("
	"  id INTEGER PRIMARY KEY,"
	"  person_id INTEGER NOT NULL REFERENCES persons (id),"
	"  from_date TEXT NOT NULL,"
	"  to_date TEXT NOT NULL CHECK (to_date >= from_date),"
	"  case_code TEXT NOT NULL,"
	"  destination TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  dossier_id INTEGER REFERENCES dossiers (id)"
	") STRICT;"

	"CREATE TABLE dossiers ("
	"  id INTEGER PRIMARY KEY,"
	"  number TEXT NOT NULL UNIQUE,"
	"  procedure TEXT NOT NULL,"
	"  applicant_id INTEGER REFERENCES persons (id),"
	"  received TEXT NOT NULL,"
	"  due TEXT NOT NULL,"
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

	/* The journal: append-only, hash-chained (core/hash.h HASH_TAG_JOURNAL). */
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
	"  BEGIN SELECT RAISE(ABORT, 'journal sequence numbers must follow each other'); END;",
};

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

	if (sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK ||
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
