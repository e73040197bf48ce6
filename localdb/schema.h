/* The ward register's schema and its migrations.  See localdb/schema.c. */
#ifndef CUTRU_SCHEMA_H
#define CUTRU_SCHEMA_H

#include <sqlite3.h>

#include "core/err.h"

/* Two CHECKs of persons as migration 1 wrote them (_1) and as migration 5
 * rewrites them (_5).  The same values pass (tests/unit/test_schema
 * compares them on wrong and hostile values, and migrates a store written
 * with the old ones); the new ones make fewer of SQLite's GLOB calls, 2.4 K
 * instructions less per person imported: one fixed-length pattern for
 * the ID number, and the full date of birth, the common one, first. */
#define PERSONS_ID_CHECK_1 \
	"id_number IS NULL OR" \
	"    (length(id_number) = 12 AND id_number NOT GLOB '*[^0-9]*')"
#define PERSONS_DOB_CHECK_1 \
	"dob IS NULL OR dob GLOB '[0-9][0-9][0-9][0-9]'" \
	"    OR dob GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'" \
	"    OR dob GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
#define PERSONS_ID_CHECK_5 \
	"id_number IS NULL OR id_number GLOB" \
	" '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'"
#define PERSONS_DOB_CHECK_5 \
	"dob IS NULL" \
	" OR dob GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'" \
	" OR dob GLOB '[0-9][0-9][0-9][0-9]'" \
	" OR dob GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'"

/* Migration 6 goes further: the shape checks of the CHECKs a bulk import
 * evaluates for every person and household (_1: migration 1's text, _5:
 * migration 5's, _6: migration 6's) call SQL functions of this program
 * (schema_migrate() gives every connection it migrates: cutru_digits(x,
 * n) is x exactly n ASCII digits, cutru_date_text(x) is x 'YYYY',
 * 'YYYY-MM' or 'YYYY-MM-DD' in ASCII digits, cutru_code(x, n) is x 1..n
 * ASCII letters, digits and hyphens; NULL for NULL, and like length()
 * and GLOB they read a text up to its first NUL) instead of SQLite's GLOB,
 * which reads its pattern again character by character for every value
 * (5 % of the import's time).  The same values pass; the tests compare
 * them on wrong and hostile values. */
#define PERSONS_ID_CHECK_6 \
	"id_number IS NULL OR cutru_digits(id_number, 12)"
#define PERSONS_DOB_CHECK_6 \
	"dob IS NULL OR cutru_date_text(dob)"
#define PERSONS_CMND_CHECK_1 \
	"legacy_cmnd IS NULL OR" \
	"    (length(legacy_cmnd) = 9 AND legacy_cmnd NOT GLOB '*[^0-9]*')"
#define PERSONS_CMND_CHECK_6 \
	"legacy_cmnd IS NULL OR cutru_digits(legacy_cmnd, 9)"
#define HOUSEHOLDS_NUMBER_CHECK_1 \
	"length(number) BETWEEN 1 AND 32" \
	"    AND number NOT GLOB '*[^0-9A-Za-z-]*'"
#define HOUSEHOLDS_NUMBER_CHECK_6 \
	"cutru_code(number, 32)"
#define ADDRESSES_COMMUNE_CHECK_1 \
	"length(commune_code) = 5 AND commune_code NOT GLOB '*[^0-9]*'"
#define ADDRESSES_COMMUNE_CHECK_6 \
	"cutru_digits(commune_code, 5)"

/* Give db the functions of migration 6's CHECKs: every connection that
 * writes to the register, or checks it (PRAGMA integrity_check), needs
 * them - without, SQLite says "no such function" and changes nothing.
 * schema_migrate() and store_open() give them.  CUTRU_OK or
 * CUTRU_ENOMEM. */
int schema_functions(sqlite3 *db);

/* The schema version this build writes (PRAGMA user_version). */
int schema_version_latest(void);

/* Bring db up to the latest schema, one migration per transaction, and turn
 * foreign keys on.  A store written by a newer cutru (user_version above
 * what this build knows) is refused untouched with CUTRU_ECONFLICT. */
int schema_migrate(sqlite3 *db, struct cutru_err *e);

/* Check the foreign keys of every row of the n tables named, as PRAGMA
 * foreign_key_check does, for a bulk load that ran with foreign keys off:
 * *bad is the number of rows with a key whose parent is missing, 0 when
 * all hold.  A key to a parent whose rowids are dense (count = max - min
 * + 1; the register never deletes persons, households or addresses) holds
 * exactly when it is NULL or in [min, max] (an integer: the tables are
 * STRICT): one scan of the table, no look-up per row.  A table with a key
 * that cannot be checked so is checked by foreign_key_check.  CUTRU_OK,
 * or CUTRU_EIO (with sqlite3_errmsg). */
int schema_fk_check(sqlite3 *db, const char *const *tables, size_t n,
    long *bad);

#endif
