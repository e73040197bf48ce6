/* The ward register's schema and its migrations.  See localdb/schema.c. */
#ifndef CUTRU_SCHEMA_H
#define CUTRU_SCHEMA_H

#include <sqlite3.h>

#include "core/err.h"

/* The schema version this build writes (PRAGMA user_version). */
int schema_version_latest(void);

/* Bring db up to the latest schema, one migration per transaction, and turn
 * foreign keys on.  A store written by a newer cutru (user_version above
 * what this build knows) is refused untouched with CUTRU_ECONFLICT. */
int schema_migrate(sqlite3 *db, struct cutru_err *e);

#endif
