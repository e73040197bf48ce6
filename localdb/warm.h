/* Warming the store's page cache while the console is idle: reading, a
 * few milliseconds at a time, the pages that searches need, so that the
 * first keystrokes after logging in do not each wait for SQLite to read and
 * decrypt a part of the name index.  See localdb/warm.c for what is read,
 * in which order, and why it is safe to interleave with the officer's work.
 *
 *     struct warm *w;
 *     int more = 1;
 *     if (warm_begin(db, &w, &e) == CUTRU_OK) {
 *             while (more && no key is waiting)
 *                     if (warm_step(w, 4000, &more, &e) != CUTRU_OK)
 *                             break;
 *             warm_end(w);
 *     }
 */
#ifndef CUTRU_WARM_H
#define CUTRU_WARM_H

#include <stddef.h>
#include <sqlite3.h>

#include "core/err.h"

struct warm;

/* What was done so far (for tests and benchmarks). */
struct warm_stats {
	size_t objects;       /* tables and indexes to read that exist in db */
	size_t objects_done;  /* of those, read to their end */
	size_t rows;          /* rows and index entries read */
	size_t slices;        /* warm_step() calls that read */
	int cache_full;       /* stopped because the cache budget was reached */
};

/* Plan warming db's page cache: the search tables and indexes present in
 * db (missing ones are skipped), and the budget, 9/10 of the cache size
 * the connection has now (PRAGMA cache_size).  Reads the schema only.
 * On success *out is the plan (warm_end()); it holds no statement and no
 * transaction between calls, but keeps db: end it before db is closed. */
int warm_begin(sqlite3 *db, struct warm **out, struct cutru_err *e);

/* Read for about budget_us microseconds (at least a few dozen rows, so
 * that a slice always moves on, even with a budget of 0), then return
 * with no statement running and no transaction left open.  *more is 1
 * while there is more to read, 0 when every object was read to its end
 * or the cache budget was reached (further calls then do nothing).
 * Nothing is written.  A database error is CUTRU_EIO (*more 0); warming
 * is an optimisation, so a caller may simply stop. */
int warm_step(struct warm *w, long budget_us, int *more,
    struct cutru_err *e);

void warm_stats(const struct warm *w, struct warm_stats *st);

/* Whether another connection (the sync, an import, another process) has
 * written the database since warm_begin(): SQLite then dropped the page
 * cache of w's connection, so what was warmed is cold again, and the
 * caller should end w and warm with a new plan.  Writes through w's own
 * connection do not count: they keep its cache.  One PRAGMA data_version
 * (a short read transaction that reads no page while nothing changed):
 * cheap, but a caller polling it should look at most a few times a second.
 * *stale is 0 on an error (CUTRU_EIO; CUTRU_EINVAL for NULL w or stale). */
int warm_stale(struct warm *w, int *stale, struct cutru_err *e);

/* Free the plan (NULL is allowed). */
void warm_end(struct warm *w);

#endif
