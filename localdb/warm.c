/* Warming the page cache for searches.
 *
 * Why.  Every page SQLite reads from the store goes through the page
 * cipher (localdb/cipher.h): about 10 us to authenticate and decrypt 4 KiB,
 * on top of SQLite's own work.  The store's connection keeps up to
 * STORE_CACHE_KIB of pages (localdb/store.h), so a ward's search pages,
 * once read, stay; but just after logging in the cache is empty, and each
 * early keystroke that opens a new part of the name index reads hundreds
 * of pages: 12-55 ms instead of 3-5 (bench/RESULTS.md, "Console").  The
 * officer's first seconds on the home screen are idle; the console spends
 * them here, in slices of a few milliseconds between polls of the keyboard.
 *
 * What is read, in this order (search_persons() in localdb/search.c and the
 * query of its results):
 *   - search_deferred, read by every name search;
 *   - the FTS5 index person_search: its config, its segment index
 *     (person_search_idx) and its leaves (person_search_data);
 *   - persons, read for every candidate (folded name, birth year) and for
 *     every result shown;
 *   - residences_person, residences and addresses: the residence shown
 *     with each result, and the residence filters;
 *   - the index on persons.id_number (an ID number typed or scanned), on
 *     legacy_cmnd, and persons_sort (a search with filters and no name).
 * The most useful first: the name index is a tenth of a large store and
 * is read in a few hundred milliseconds.  The journal, the dossiers and
 * the households are not read.  Objects missing from the database are
 * skipped, so an old or partial schema is warmed as far as it goes.
 *
 * How.  Each object is walked in its b-tree's key order by a plain SELECT
 * (rowid tables by rowid; an index by its columns then rowid, with
 * INDEXED BY; a WITHOUT ROWID table by its primary key), reading every
 * column of a table's rows so that overflow pages are read as well.  A
 * slice steps the statement until its time is up, checking the clock every
 * WARM_CHECK_ROWS rows (so a slice always reads at least that many), keeps
 * the key of the last row read, and finalizes the statement; the next
 * slice prepares it again and starts after that key, "(k1, k2) > (?1, ?2)",
 * which SQLite turns into a seek.  Preparing costs some tens of
 * microseconds, small next to a slice, and buys the invariant that matters:
 *
 * Between slices nothing is held: no statement, no read transaction.  So
 * the officer's own statements run exactly as without warming; a write by
 * another process (the sync daemon) is seen at once and is never kept
 * from being checkpointed; the store can be closed at any time after
 * warm_end() (which frees memory only).  Rows added or removed between
 * slices are harmless: the walk goes on from a key, not from a position.
 * Nothing is written, and what is read stays in the connection's memory.
 *
 * Until another connection writes.  When a transaction begins and SQLite
 * sees that another connection committed since the last one (the WAL
 * index, or without WAL the file's change counter, says so), it drops the
 * connection's whole page cache: after a `cutru sync` or an import the
 * first searches are cold again.  warm_begin() keeps PRAGMA data_version,
 * which changes exactly then (and not for the connection's own commits,
 * which keep its cache valid); warm_stale() compares it, so that the
 * console can warm again with a new plan.
 *
 * The budget.  SQLite's page cache evicts the least recently used pages
 * once it is full, so reading beyond it would push out what was read
 * first, which is what searches need most.  Warming stops when the
 * cache's memory (SQLITE_DBSTATUS_CACHE_USED) reaches 9/10 of the cache
 * size set when warm_begin() ran, which leaves room for the officer's
 * other screens.  With a million residents the objects above are about
 * 320 MB of a 512 MiB cache.
 *
 * What can go wrong.  A database error (SQLITE_BUSY while another process
 * recovers the WAL, a damaged page) stops warming with CUTRU_EIO; searches
 * then read what they need themselves, as without warming.  A NULL key
 * value would end a walk early, so index walks skip NULL keys (entries no
 * search seeks), and rowid and primary keys are never NULL. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "localdb/warm.h"

/* Rows read between two looks at the clock and at the cache budget. */
#define WARM_CHECK_ROWS 16
#define WARM_KEYS_MAX 2
#define WARM_SQL_MAX 512

/* One b-tree to read. */
struct warm_object {
	const char *table;
	const char *index;  /* INDEXED BY this index, or NULL: the table */
	const char *keys;   /* the b-tree's order, a unique key */
	int nkeys;
	const char *cols;   /* what is read besides the keys */
	const char *where;  /* which rows ("1": all; an index skips NULLs) */
};

static const struct warm_object objects[] = {
	{ "search_deferred", NULL, "rowid", 1, "*", "1" },
	{ "person_search_config", NULL, "k", 1, "*", "1" },
	{ "person_search_idx", NULL, "segid, term", 2, "*", "1" },
	{ "person_search_data", NULL, "rowid", 1, "*", "1" },
	{ "persons", NULL, "rowid", 1, "*", "1" },
	{ "residences", "residences_person", "person_id, rowid", 2, "0",
	    "person_id IS NOT NULL" },
	{ "residences", NULL, "rowid", 1, "*", "1" },
	{ "addresses", NULL, "rowid", 1, "*", "1" },
	{ "persons", "persons_id_number", "id_number, rowid", 2, "0",
	    "id_number IS NOT NULL" },
	{ "persons", "persons_legacy_cmnd", "legacy_cmnd, rowid", 2, "0",
	    "legacy_cmnd IS NOT NULL" },
	{ "persons", "persons_sort", "sort_key, rowid", 2, "0",
	    "sort_key IS NOT NULL" },
};
#define N_OBJECTS (sizeof objects / sizeof objects[0])

struct warm {
	sqlite3 *db;
	const struct warm_object *walk[N_OBJECTS];  /* those in db, in order */
	size_t n, cur;                    /* walk[cur] is being read */
	sqlite3_value *key[WARM_KEYS_MAX];  /* last key read in walk[cur], or
	                                     * NULL: from its start */
	sqlite3_int64 budget;             /* bytes of cache to fill at most */
	sqlite3_int64 version;            /* PRAGMA data_version at begin */
	struct warm_stats st;
};

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
db_error(sqlite3 *db, struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_EIO, NULL,
	    _("Reading the register ahead of searches failed: %s."),
	    sqlite3_errmsg(db));
}

static void
forget_key(struct warm *w)
{
	int i;

	for (i = 0; i < WARM_KEYS_MAX; i++) {
		sqlite3_value_free(w->key[i]);
		w->key[i] = NULL;
	}
}

/* One integer from a statement without parameters; def if no row. */
static int
query_int(sqlite3 *db, const char *sql, sqlite3_int64 def,
    sqlite3_int64 *out)
{
	sqlite3_stmt *st = NULL;
	int src;

	*out = def;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return src == SQLITE_ROW || src == SQLITE_DONE ? 0 : -1;
}

/* Whether the object's table (and index) are in the main schema. */
static int
object_exists(sqlite3 *db, const struct warm_object *o, int *exists)
{
	sqlite3_stmt *st = NULL;
	int src;

	*exists = 0;
	if (sqlite3_prepare_v2(db, o->index == NULL ?
	    "SELECT 1 FROM main.sqlite_master WHERE type = 'table'"
	    " AND name = ?1" :
	    "SELECT 1 FROM main.sqlite_master WHERE type = 'index'"
	    " AND tbl_name = ?1 AND name = ?2", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, o->table, -1, SQLITE_STATIC);
	if (o->index != NULL)
		sqlite3_bind_text(st, 2, o->index, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	*exists = src == SQLITE_ROW;
	sqlite3_finalize(st);
	return src == SQLITE_ROW || src == SQLITE_DONE ? 0 : -1;
}

int
warm_begin(sqlite3 *db, struct warm **out, struct cutru_err *e)
{
	struct warm *w = NULL;
	sqlite3_int64 cache, page;
	size_t i;
	int exists, rc = CUTRU_OK;

	if (out != NULL)
		*out = NULL;
	if (db == NULL || out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Internal error: warming the cache was called without a register."));
	if ((w = calloc(1, sizeof *w)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
	w->db = db;
	/* First: a commit by another connection after this point makes the
	 * plan stale, even one made while the schema is read. */
	if (query_int(db, "PRAGMA main.data_version", 0, &w->version) != 0 ||
	    query_int(db, "PRAGMA main.cache_size", -2000, &cache) != 0 ||
	    query_int(db, "PRAGMA main.page_size", 4096, &page) != 0) {
		rc = db_error(db, e);
		goto done;
	}
	/* Negative: KiB; positive: pages. */
	w->budget = cache < 0 ? -cache * 1024 : cache * page;
	w->budget = w->budget / 10 * 9;
	for (i = 0; i < N_OBJECTS; i++) {
		if (object_exists(db, &objects[i], &exists) != 0) {
			rc = db_error(db, e);
			goto done;
		}
		if (exists)
			w->walk[w->n++] = &objects[i];
	}
	w->st.objects = w->n;
done:
	if (rc != CUTRU_OK) {
		free(w);
		return rc;
	}
	*out = w;
	return CUTRU_OK;
}

static int
cache_full(const struct warm *w)
{
	int cur = 0, hi = 0;

	if (sqlite3_db_status(w->db, SQLITE_DBSTATUS_CACHE_USED, &cur, &hi,
	    0) != SQLITE_OK)
		return 0;
	return (sqlite3_int64)cur >= w->budget;
}

/* Read walk[cur] on from its saved key (or its start). */
static int
prepare_walk(struct warm *w, sqlite3_stmt **out)
{
	const struct warm_object *o = w->walk[w->cur];
	char sql[WARM_SQL_MAX], indexed[96] = "", range[96] = "";
	int i, len;

	*out = NULL;
	if (o->index != NULL)
		snprintf(indexed, sizeof indexed, " INDEXED BY \"%s\"",
		    o->index);
	if (w->key[0] != NULL)
		snprintf(range, sizeof range, " AND (%s) > (%s)", o->keys,
		    o->nkeys == 1 ? "?1" : "?1, ?2");
	len = snprintf(sql, sizeof sql,
	    "SELECT %s, %s FROM main.\"%s\"%s WHERE %s%s ORDER BY %s",
	    o->keys, o->cols, o->table, indexed, o->where, range, o->keys);
	if (len < 0 || (size_t)len >= sizeof sql)
		return SQLITE_TOOBIG;
	if ((i = sqlite3_prepare_v2(w->db, sql, -1, out, NULL)) != SQLITE_OK)
		return i;
	for (i = 0; w->key[0] != NULL && i < o->nkeys; i++)
		if (sqlite3_bind_value(*out, i + 1, w->key[i]) != SQLITE_OK)
			return sqlite3_errcode(w->db);
	return SQLITE_OK;
}

/* Keep the key of the row st is on. */
static int
save_key(struct warm *w, sqlite3_stmt *st)
{
	int i;

	forget_key(w);
	for (i = 0; i < w->walk[w->cur]->nkeys; i++)
		if ((w->key[i] = sqlite3_value_dup(sqlite3_column_value(st,
		    i))) == NULL)
			return -1;
	return 0;
}

int
warm_step(struct warm *w, long budget_us, int *more, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	long long start = now_us();
	size_t rows;
	int src, stop = 0, rc = CUTRU_OK;

	if (more != NULL)
		*more = 0;
	if (w == NULL || more == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Internal error: warming the cache was called without a register."));
	if (w->cur >= w->n || w->st.cache_full)
		return CUTRU_OK;
	w->st.slices++;
	while (!stop && w->cur < w->n) {
		if ((src = prepare_walk(w, &st)) != SQLITE_OK) {
			rc = db_error(w->db, e);
			goto done;
		}
		rows = 0;
		while ((src = sqlite3_step(st)) == SQLITE_ROW) {
			w->st.rows++;
			if (++rows % WARM_CHECK_ROWS != 0)
				continue;
			if (now_us() - start >= budget_us || cache_full(w)) {
				stop = 1;
				break;
			}
		}
		if (src == SQLITE_ROW) {
			/* Time is up in the middle of the object. */
			if (save_key(w, st) != 0) {
				rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
				    _("Out of memory."));
				goto done;
			}
		} else if (src == SQLITE_DONE) {
			forget_key(w);
			w->cur++;
			w->st.objects_done++;
			stop = now_us() - start >= budget_us;
		} else {
			rc = db_error(w->db, e);
			goto done;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (w->cur < w->n && cache_full(w))
		w->st.cache_full = 1;
	*more = w->cur < w->n && !w->st.cache_full;
done:
	sqlite3_finalize(st);
	if (rc != CUTRU_OK) {
		/* Stop for good: the caller may go on calling. */
		forget_key(w);
		w->cur = w->n;
	}
	return rc;
}

void
warm_stats(const struct warm *w, struct warm_stats *st)
{
	if (st == NULL)
		return;
	memset(st, 0, sizeof *st);
	if (w != NULL)
		*st = w->st;
}

int
warm_stale(struct warm *w, int *stale, struct cutru_err *e)
{
	sqlite3_int64 v;

	if (stale != NULL)
		*stale = 0;
	if (w == NULL || stale == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Internal error: warming the cache was called without a register."));
	if (query_int(w->db, "PRAGMA main.data_version", 0, &v) != 0)
		return db_error(w->db, e);
	*stale = v != w->version;
	return CUTRU_OK;
}

void
warm_end(struct warm *w)
{
	if (w == NULL)
		return;
	forget_key(w);
	free(w);
}
