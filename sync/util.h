/* Small checks and error helpers that several files of sync/ share. */
#ifndef CUTRU_SYNC_UTIL_H
#define CUTRU_SYNC_UTIL_H

#include <stddef.h>
#include <sqlite3.h>

#include "core/err.h"

/* Fill e with "Out of memory." and return CUTRU_ENOMEM. */
int sync_oom(struct cutru_err *e);

/* The last error of db as a cutru error: CUTRU_ENOMEM, or CUTRU_EIO
 * (field "store") with SQLite's message. */
int sync_db_fail(sqlite3 *db, struct cutru_err *e);

/* 1 when s is exactly n lowercase hexadecimal digits, else 0 (also for
 * NULL). */
int sync_is_lower_hex(const char *s, size_t n);

/* 1 when s is a ward code: exactly five decimal digits, else 0 (also for
 * NULL). */
int sync_is_ward(const char *s);

#endif
