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
