/* Warming the page cache (localdb/warm.h): after warming, searches read no
 * page from the file (SQLITE_DBSTATUS_CACHE_MISS stays 0, where a cold
 * connection misses); the walk reads every row once, in short slices,
 * holding nothing between them and writing nothing; it stops at the cache
 * budget; errors and missing objects; a commit by another connection,
 * which empties the cache, makes the plan stale (warm_stale()). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <check.h>
#include <sqlite3.h>

#include "localdb/schema.h"
#include "localdb/search.h"
#include "localdb/warm.h"
#include "tests/unit/tap_main.h"

#define N_PERSONS 6000
#define BIG_TEXT (1024 * 1024)

static char dir[64];
static char path[96];

static const char *const families[] = {
	"Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do"
};
static const char *const middles[] = {
	"Van", "Thi", "Minh", "Duc", "Ngoc", "Thu", "Quang"
};
static const char *const givens[] = {
	"An", "Binh", "Chi", "Dung", "Hoa", "Lan", "Nam", "Tuan", "Yen", "Son",
	"Hai", "Ha", "Anh"
};
#define N_OF(a) (sizeof (a) / sizeof (a)[0])

static void
exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
	sqlite3_free(msg);
}

static sqlite3 *
open_db(void)
{
	sqlite3 *db = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	/* A cache that holds the whole test database, as the store's does. */
	exec_ok(db, "PRAGMA cache_size = -65536");
	/* Writers need the register's CHECK functions. */
	ck_assert_int_eq(schema_functions(db), CUTRU_OK);
	return db;
}

/* A register of N_PERSONS persons with addresses and residences, names
 * indexed; one person's home town is a megabyte (overflow pages), sort
 * keys hold NUL and 0xFF bytes. */
static void
make_register(void)
{
	sqlite3 *db;
	sqlite3_stmt *p, *r;
	struct cutru_err e;
	char name[96], folded[96], key[96], idn[16], cmnd[16], *big;
	size_t klen;
	int i;

	snprintf(dir, sizeof dir, "/tmp/cutru-test-warm-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/db", dir);
	db = open_db();
	exec_ok(db, "PRAGMA journal_mode = WAL");
	ck_assert_int_eq(schema_migrate(db, &e), CUTRU_OK);
	exec_ok(db, "BEGIN");
	ck_assert_int_eq(search_defer(db, &e), CUTRU_OK);
	exec_ok(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
	    " FROM n WHERE i < 1500) INSERT INTO addresses (id, commune_code,"
	    " detail) SELECT i, '00070', printf('%d Hang Bac, to %d', i, i % 40)"
	    " FROM n");
	ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO persons (id,"
	    " id_number, legacy_cmnd, name, family, middle, given, folded,"
	    " sort_key, sex, dob, birth_year, home_town) VALUES (?1, ?2, ?3,"
	    " ?4, ?5, ?6, ?7, ?8, ?9, 1, '1990', 1990, ?10)", -1, &p, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO residences"
	    " (person_id, kind, address_id, from_date, state) VALUES"
	    " (?1, 'permanent', ?2, '2020-01-01', 'active')", -1, &r, NULL),
	    SQLITE_OK);
	big = malloc(BIG_TEXT + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', BIG_TEXT);
	big[BIG_TEXT] = '\0';
	for (i = 1; i <= N_PERSONS; i++) {
		const char *f = families[i % N_OF(families)];
		const char *m = middles[(i / 3) % N_OF(middles)];
		const char *g = givens[(i / 7) % N_OF(givens)];
		size_t j;

		snprintf(name, sizeof name, "%s %s %s", f, m, g);
		for (j = 0; name[j] != '\0'; j++)
			folded[j] = (char)(name[j] >= 'A' && name[j] <= 'Z' ?
			    name[j] + 32 : name[j]);
		folded[j] = '\0';
		/* Given name first, as the list order; a NUL and a 0xFF
		 * byte inside, the id last so that keys differ. */
		klen = (size_t)snprintf(key, sizeof key, "%s%c%s%c%06d", g, 0,
		    f, 0xff, i);
		snprintf(idn, sizeof idn, "001%09d", i);
		snprintf(cmnd, sizeof cmnd, "%09d", i);
		sqlite3_bind_int(p, 1, i);
		if (i % 10 == 0)
			sqlite3_bind_null(p, 2);
		else
			sqlite3_bind_text(p, 2, idn, -1, SQLITE_TRANSIENT);
		if (i % 3 == 0)
			sqlite3_bind_text(p, 3, cmnd, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(p, 3);
		sqlite3_bind_text(p, 4, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(p, 5, f, -1, SQLITE_STATIC);
		sqlite3_bind_text(p, 6, m, -1, SQLITE_STATIC);
		sqlite3_bind_text(p, 7, g, -1, SQLITE_STATIC);
		sqlite3_bind_text(p, 8, folded, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(p, 9, key, (int)klen, SQLITE_TRANSIENT);
		sqlite3_bind_text(p, 10, i == N_PERSONS / 2 ? big :
		    "Xa Phu Thuong, huyen Dong Anh, thanh pho Ha Noi, Viet Nam",
		    -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(p), SQLITE_DONE);
		sqlite3_reset(p);
		sqlite3_bind_int(r, 1, i);
		sqlite3_bind_int(r, 2, 1 + i % 1500);
		ck_assert_int_eq(sqlite3_step(r), SQLITE_DONE);
		sqlite3_reset(r);
	}
	sqlite3_finalize(p);
	sqlite3_finalize(r);
	free(big);
	ck_assert_int_eq(search_rebuild(db, &e), CUTRU_OK);
	exec_ok(db, "COMMIT");
	exec_ok(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

static void
drop_register(void)
{
	char p2[128];

	snprintf(p2, sizeof p2, "%s-wal", path);
	unlink(p2);
	snprintf(p2, sizeof p2, "%s-shm", path);
	unlink(p2);
	unlink(path);
	rmdir(dir);
}

static int
cache_misses(sqlite3 *db)
{
	int cur = 0, hi = 0;

	ck_assert_int_eq(sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_MISS,
	    &cur, &hi, 1), SQLITE_OK);
	return cur;
}

static sqlite3_int64
one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	sqlite3_int64 v;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* What an officer does first: names, ID numbers, a filter; then every row
 * the searches may show.  Returns the pages read from the file. */
static int
searches(sqlite3 *db)
{
	static const char *const queries[] = {
		"n", "ng", "nguyen van an", "tran t", "le", "hoang minh", "h",
		"a", "001000000123", "000000333", "do quang hai", NULL
	};
	struct search_filter f = { .commune_code = "00070",
	    .state = SEARCH_STATE_PERMANENT };
	struct search_result *res;
	struct cutru_err e;
	size_t n, i;

	res = malloc(200 * sizeof *res);
	ck_assert_ptr_nonnull(res);
	(void)cache_misses(db);
	for (i = 0; queries[i] != NULL; i++) {
		ck_assert_int_eq(search_persons(db, queries[i], NULL, 200, res,
		    &n, &e), CUTRU_OK);
		ck_assert_uint_gt(n, 0);
	}
	ck_assert_int_eq(search_persons(db, "", &f, 200, res, &n, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(n, 200);
	free(res);
	/* Every row a search may show, megabyte included. */
	(void)one_int(db, "SELECT sum(length(home_town) + length(name))"
	    " FROM persons NOT INDEXED");
	(void)one_int(db, "SELECT sum(length(kind)) FROM residences NOT INDEXED");
	(void)one_int(db, "SELECT sum(length(detail)) FROM addresses NOT INDEXED");
	return cache_misses(db);
}

/* Warm db to the end; the number of slices. */
static size_t
warm_all(sqlite3 *db, long budget_us, struct warm_stats *st)
{
	struct warm *w = NULL;
	struct cutru_err e;
	int more = 1;
	size_t calls = 0;

	ck_assert_int_eq(warm_begin(db, &w, &e), CUTRU_OK);
	ck_assert_ptr_nonnull(w);
	while (more) {
		ck_assert_int_eq(warm_step(w, budget_us, &more, &e), CUTRU_OK);
		ck_assert_uint_lt(++calls, 10000000);
		/* Between slices nothing is held. */
		ck_assert_ptr_null(sqlite3_next_stmt(db, NULL));
		ck_assert_int_eq(sqlite3_get_autocommit(db), 1);
	}
	warm_stats(w, st);
	/* Done: further calls do nothing. */
	ck_assert_int_eq(warm_step(w, budget_us, &more, &e), CUTRU_OK);
	ck_assert_int_eq(more, 0);
	warm_end(w);
	return calls;
}

/* Every row of every object walked: the count warm_stats() must give. */
static sqlite3_int64
rows_expected(sqlite3 *db)
{
	return one_int(db, "SELECT"
	    " (SELECT count(*) FROM search_deferred)"
	    " + (SELECT count(*) FROM person_search_config)"
	    " + (SELECT count(*) FROM person_search_idx)"
	    " + (SELECT count(*) FROM person_search_data)"
	    " + (SELECT count(*) FROM persons) * 2"  /* table, persons_sort */
	    " + (SELECT count(*) FROM residences) * 2"
	    " + (SELECT count(*) FROM addresses)"
	    " + (SELECT count(id_number) FROM persons)"
	    " + (SELECT count(legacy_cmnd) FROM persons)");
}

static unsigned char *
read_file(const char *name, long *len)
{
	FILE *fp = fopen(name, "rb");
	unsigned char *buf;

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	*len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)*len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)*len, fp), (size_t)*len);
	fclose(fp);
	return buf;
}

START_TEST(after_warming_searches_read_no_page)
{
	struct warm_stats st;
	sqlite3 *db;
	unsigned char *before, *after;
	long blen, alen;
	int cold;

	/* Without warming, the first searches read pages. */
	db = open_db();
	cold = searches(db);
	ck_assert_int_gt(cold, 100);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);

	before = read_file(path, &blen);
	db = open_db();
	(void)warm_all(db, 2000, &st);
	ck_assert_uint_eq(st.objects, 11);
	ck_assert_uint_eq(st.objects_done, 11);
	ck_assert_int_eq(st.cache_full, 0);
	ck_assert_uint_eq(st.rows, (size_t)rows_expected(db));
	ck_assert_int_eq(searches(db), 0);
	/* Nothing written. */
	ck_assert_int_eq(sqlite3_total_changes(db), 0);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
	after = read_file(path, &alen);
	ck_assert_int_eq(alen, blen);
	ck_assert(memcmp(before, after, (size_t)alen) == 0);
	free(before);
	free(after);
}
END_TEST

START_TEST(slices_follow_the_budget_and_read_each_row_once)
{
	struct warm_stats st;
	sqlite3 *db = open_db();
	size_t calls;

	/* A budget of 0: each slice reads a few rows, or ends an object;
	 * resuming from the saved key (blobs with NUL and 0xFF bytes, NULL
	 * keys skipped) neither skips nor repeats a row. */
	calls = warm_all(db, 0, &st);
	ck_assert_uint_eq(st.rows, (size_t)rows_expected(db));
	ck_assert_uint_eq(st.slices, calls);
	ck_assert_uint_ge(calls, st.rows / 64);
	ck_assert_int_eq(searches(db), 0);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);

	/* A generous budget: the small register in one or two slices. */
	db = open_db();
	calls = warm_all(db, 60L * 1000 * 1000, &st);
	ck_assert_uint_le(calls, 2);
	ck_assert_uint_eq(st.rows, (size_t)rows_expected(db));
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(stops_at_the_cache_budget)
{
	struct warm_stats st;
	sqlite3 *db = open_db();
	int cur = 0, hi = 0;

	/* 1 MiB of cache for a register of several: warming stops at 9/10
	 * of it rather than evicting what it read first. */
	exec_ok(db, "PRAGMA cache_size = -1024");
	(void)warm_all(db, 1000, &st);
	ck_assert_int_eq(st.cache_full, 1);
	ck_assert_uint_lt(st.objects_done, st.objects);
	ck_assert_uint_lt(st.rows, (size_t)rows_expected(db));
	ck_assert_int_eq(sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_USED,
	    &cur, &hi, 0), SQLITE_OK);
	ck_assert_int_ge(cur, 1024 * 1024 / 10 * 9);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(writers_go_on_between_slices)
{
	struct warm *w = NULL;
	struct warm_stats st;
	struct cutru_err e;
	sqlite3 *db = open_db(), *other = open_db();
	sqlite3_stmt *ck;
	int more = 1, n = 0;
	char sql[512];

	ck_assert_int_eq(warm_begin(db, &w, &e), CUTRU_OK);
	while (more) {
		ck_assert_int_eq(warm_step(w, 0, &more, &e), CUTRU_OK);
		if (n++ % 50 != 0 || n > 2000)
			continue;
		/* Another process writes and checkpoints the whole WAL: no
		 * snapshot of the warming connection stands in the way. */
		snprintf(sql, sizeof sql, "INSERT INTO persons (id, name,"
		    " family, middle, given, folded, sort_key, sex)"
		    " VALUES (%d, 'Mai Lan', 'Mai', '', 'Lan', 'mai lan',"
		    " x'6c616e00%08x', 2)", 100000 + n, (unsigned)n);
		exec_ok(other, sql);
		ck_assert_int_eq(sqlite3_prepare_v2(other,
		    "PRAGMA wal_checkpoint(TRUNCATE)", -1, &ck, NULL),
		    SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(ck), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(ck, 0), 0); /* not busy */
		sqlite3_finalize(ck);
	}
	warm_stats(w, &st);
	ck_assert_uint_eq(st.objects_done, st.objects);
	warm_end(w);
	/* The warming connection sees the new persons at once. */
	ck_assert_int_gt(one_int(db, "SELECT count(*) FROM persons"),
	    N_PERSONS);
	ck_assert_int_eq(sqlite3_total_changes(db), 0);
	ck_assert_int_eq(sqlite3_close(other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
	/* Put the register back for the other tests. */
	db = open_db();
	exec_ok(db, "DELETE FROM persons WHERE id > 100000");
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

/* Warm db to the end with plan w (from warm_begin()). */
static void
step_to_end(struct warm *w)
{
	struct cutru_err e;
	int more = 1;

	while (more)
		ck_assert_int_eq(warm_step(w, 60L * 1000 * 1000, &more, &e),
		    CUTRU_OK);
}

static int
deny_pragmas(void *arg, int action, const char *a, const char *b,
    const char *c, const char *d)
{
	(void)arg;
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return action == SQLITE_PRAGMA ? SQLITE_DENY : SQLITE_OK;
}

START_TEST(another_connections_write_makes_the_plan_stale)
{
	struct warm *w = NULL;
	struct cutru_err e;
	sqlite3 *db = open_db(), *other = open_db();
	int stale = -1;

	ck_assert_int_eq(warm_begin(db, &w, &e), CUTRU_OK);
	ck_assert_int_eq(warm_stale(w, &stale, &e), CUTRU_OK);
	ck_assert_int_eq(stale, 0);
	step_to_end(w);
	ck_assert_int_eq(searches(db), 0);
	/* The connection's own commit keeps its cache: not stale. */
	exec_ok(db, "UPDATE addresses SET detail = detail || '' WHERE id = 1");
	ck_assert_int_eq(sqlite3_total_changes(db), 1);
	ck_assert_int_eq(warm_stale(w, &stale, &e), CUTRU_OK);
	ck_assert_int_eq(stale, 0);
	/* Another connection reading changes nothing either. */
	ck_assert_int_eq(one_int(other, "SELECT count(*) FROM addresses"),
	    1500);
	ck_assert_int_eq(warm_stale(w, &stale, &e), CUTRU_OK);
	ck_assert_int_eq(stale, 0);
	ck_assert_int_eq(searches(db), 0);
	/* Another connection's commit (a sync, an import): stale, and it
	 * stays so; the cache was dropped, searches are cold again. */
	exec_ok(other, "UPDATE addresses SET detail = detail || '' WHERE id = 1");
	ck_assert_int_eq(warm_stale(w, &stale, &e), CUTRU_OK);
	ck_assert_int_eq(stale, 1);
	ck_assert_int_eq(warm_stale(w, &stale, &e), CUTRU_OK);
	ck_assert_int_eq(stale, 1);
	ck_assert_int_gt(searches(db), 100);
	warm_end(w);
	/* A new plan is fresh, and warming with it makes searches warm. */
	exec_ok(other, "UPDATE addresses SET detail = detail || '' WHERE id = 2");
	ck_assert_int_eq(warm_begin(db, &w, &e), CUTRU_OK);
	ck_assert_int_eq(warm_stale(w, &stale, &e), CUTRU_OK);
	ck_assert_int_eq(stale, 0);
	step_to_end(w);
	ck_assert_int_eq(searches(db), 0);
	/* A commit during the walk is seen too. */
	warm_end(w);
	ck_assert_int_eq(warm_begin(db, &w, &e), CUTRU_OK);
	ck_assert_int_eq(warm_step(w, 0, &stale, &e), CUTRU_OK);
	ck_assert_int_eq(stale, 1);  /* more to read */
	exec_ok(other, "UPDATE addresses SET detail = detail || '' WHERE id = 3");
	ck_assert_int_eq(warm_stale(w, &stale, &e), CUTRU_OK);
	ck_assert_int_eq(stale, 1);

	/* Errors: *stale 0. */
	ck_assert_int_eq(warm_stale(NULL, &stale, &e), CUTRU_EINVAL);
	ck_assert_int_eq(stale, 0);
	ck_assert_int_eq(warm_stale(w, NULL, &e), CUTRU_EINVAL);
	stale = 1;
	sqlite3_set_authorizer(db, deny_pragmas, NULL);
	ck_assert_int_eq(warm_stale(w, &stale, &e), CUTRU_EIO);
	ck_assert_int_eq(stale, 0);
	ck_assert_str_ne(e.msg, "");
	sqlite3_set_authorizer(db, NULL, NULL);
	warm_end(w);
	ck_assert_int_eq(sqlite3_close(other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

static int
interrupt_all(void *arg)
{
	(void)arg;
	return 1;
}

START_TEST(errors_stop_warming)
{
	struct warm *w = (struct warm *)1;
	struct warm_stats st;
	struct cutru_err e;
	sqlite3 *db;
	int more = 1;

	ck_assert_int_eq(warm_begin(NULL, &w, &e), CUTRU_EINVAL);
	ck_assert_ptr_null(w);
	ck_assert_int_eq(warm_step(NULL, 1000, &more, &e), CUTRU_EINVAL);
	ck_assert_int_eq(more, 0);
	warm_end(NULL);
	memset(&st, 0xff, sizeof st);
	warm_stats(NULL, &st);
	ck_assert_uint_eq(st.rows, 0);

	/* A database error (here an interrupt) ends warming: CUTRU_EIO,
	 * then nothing more. */
	db = open_db();
	ck_assert_int_eq(warm_begin(db, &w, &e), CUTRU_OK);
	ck_assert_int_eq(warm_step(w, 1000, NULL, &e), CUTRU_EINVAL);
	sqlite3_progress_handler(db, 1, interrupt_all, NULL);
	more = 1;
	ck_assert_int_eq(warm_step(w, 1000, &more, &e), CUTRU_EIO);
	ck_assert_int_eq(more, 0);
	ck_assert_str_ne(e.msg, "");
	sqlite3_progress_handler(db, 0, NULL, NULL);
	ck_assert_int_eq(warm_step(w, 1000, &more, &e), CUTRU_OK);
	ck_assert_int_eq(more, 0);
	ck_assert_ptr_null(sqlite3_next_stmt(db, NULL));
	warm_end(w);
	/* warm_begin() fails the same way, leaving *out NULL. */
	sqlite3_progress_handler(db, 1, interrupt_all, NULL);
	w = (struct warm *)1;
	ck_assert_int_eq(warm_begin(db, &w, &e), CUTRU_EIO);
	ck_assert_ptr_null(w);
	sqlite3_progress_handler(db, 0, NULL, NULL);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

START_TEST(missing_objects_are_skipped)
{
	struct warm_stats st;
	sqlite3 *db;

	/* No schema at all: done at once. */
	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec_ok(db, "PRAGMA cache_size = -65536");
	ck_assert_uint_eq(warm_all(db, 1000, &st), 1);
	ck_assert_uint_eq(st.objects, 0);
	ck_assert_uint_eq(st.rows, 0);
	/* Part of it, with a megabyte row: what is there is read. */
	exec_ok(db, "CREATE TABLE persons (id INTEGER PRIMARY KEY, sort_key);"
	    "CREATE INDEX persons_sort ON persons (sort_key);"
	    "INSERT INTO persons VALUES (1, zeroblob(1048576)), (2, NULL),"
	    " (3, x'00ff00')");
	(void)warm_all(db, 0, &st);
	ck_assert_uint_eq(st.objects, 2);
	ck_assert_uint_eq(st.objects_done, 2);
	ck_assert_uint_eq(st.rows, 3 + 2);  /* a NULL key is not sought */
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("warm");
	TCase *tc = tcase_create("warm");

	tcase_add_unchecked_fixture(tc, make_register, drop_register);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, after_warming_searches_read_no_page);
	tcase_add_test(tc, slices_follow_the_budget_and_read_each_row_once);
	tcase_add_test(tc, stops_at_the_cache_budget);
	/* Before writers_go_on_between_slices: the persons it adds bypass
	 * the name index, so the first search after it writes (a rebuild),
	 * which warming cannot do ahead of time. */
	tcase_add_test(tc, another_connections_write_makes_the_plan_stale);
	tcase_add_test(tc, writers_go_on_between_slices);
	tcase_add_test(tc, errors_stop_warming);
	tcase_add_test(tc, missing_objects_are_skipped);
	suite_add_tcase(s, tc);
	return s;
}
