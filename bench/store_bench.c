#include "config.h"

/* store_bench: the cost of the page cipher, measured on the same workload
 * with the cipher on and off in one run.
 *
 * For each journal mode asked for (WAL and rollback "delete" by default)
 * and each of "plain" (SQLite's default VFS, no reserve) and "encrypted"
 * (cipher_db_open through the cutru-cipher VFS), in a fresh directory:
 *   1. bulk insert of N person-like rows (ID number, name, folded name, date
 *      of birth, address) in transactions of 10,000, into a table with a
 *      unique index on the ID number, indexes on the folded name and the
 *      date of birth, and an FTS5 index (with prefix indexes) on the folded
 *      name, then a checkpoint (WAL); reported as rows per second;
 *   2. Q point lookups by ID number, and Q tone-insensitive prefix searches
 *      (FTS5, "nguyen van h*", first 20 hits), after Q/10 of each to warm
 *      the cache; reported as p50 and p99 latency per query and as the
 *      total time of the Q queries.
 * Both stores use the same journal mode, synchronous = NORMAL, the same
 * page size, temp_store = MEMORY, mmap_size = 0, the same cache size and an
 * FTS5 leaf size (pgsz) of 4000, so the only difference is the cipher (and
 * its 40 reserved bytes per page).  The last column gives encrypted / plain.
 *
 * Each phase runs inside bench_phase(), never inlined, so that callgrind
 * can count the instructions of each phase apart:
 *     valgrind --tool=callgrind --callgrind-out-file=cg.enc \
 *         --zero-before=bench_phase --dump-after=bench_phase \
 *         bench/store_bench -n 50000 -j wal -o encrypted
 * writes cg.enc.1 (import), cg.enc.2 (ID lookups) and cg.enc.3 (prefix
 * searches).  bench/callgrind.sh does that for both sides and both
 * journal modes and prints the table.
 *
 * Usage: store_bench [-n rows] [-q queries] [-c cache_kib] [-C cache_kib]
 *                    [-W] [-p page_size] [-j wal|delete|both] [-b rows]
 *                    [-a pages] [-d dir] [-k] [-o plain|encrypted]
 *   -b and -a change the import's transactions and the WAL's automatic
 *   checkpoints (both sides alike), to see what they do to the ratio;
 *   -C sets the page cache for the queries apart from the import's (-c),
 *   e.g. to make the store several times larger than the cache at a small
 *   N, as it is at 1,000,000 rows with the default 64 MiB; -W reads the
 *   whole store once before the queries (with a -C that holds it, as the
 *   store's own 512 MiB cache does at 1,000,000 persons);
 *   -k keeps the stores (the directory is printed); -o runs one side only
 *   (for profiling), and prints no ratios.  --help lists the options. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "bench/bench_rows.h"
#include "core/err.h"
#include "localdb/cipher.h"

static int
exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "store_bench: %s: %s\n", sql, err);
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

struct result {
	double import_s, import_cpu;
	double rows_per_s;
	double id_s, id_cpu, id_p50, id_p99;           /* total s; p50, p99 in ms */
	double prefix_s, prefix_cpu, prefix_p50, prefix_p99;
	long prefix_hits;
	long bytes;
};

struct config {
	long n;
	int q;
	int cache_kib;
	int query_cache_kib;        /* cache for the queries; 0: cache_kib */
	int page_size;
	long batch;                 /* rows per transaction */
	int autockpt;               /* wal_autocheckpoint; 0: SQLite's */
	int preload;                /* read the whole store before the queries */
};

static int
create_schema(sqlite3 *db, const struct config *c)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", c->cache_kib);
	if (exec(db, sql) != 0)
		return -1;
	if (c->autockpt != 0) {
		snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint = %d",
		    c->autockpt);
		if (exec(db, sql) != 0)
			return -1;
	}
	return
	    exec(db, "CREATE TABLE person(id_number TEXT NOT NULL UNIQUE, "
	    "name TEXT NOT NULL, folded TEXT NOT NULL, dob TEXT, address TEXT);"
	    "CREATE INDEX person_folded ON person(folded);"
	    "CREATE INDEX person_dob ON person(dob);"
	    "CREATE VIRTUAL TABLE person_fts USING fts5(folded, "
	    "content='person', content_rowid='rowid', prefix='1 2 3');"
	    /* FTS5 leaves default to 4050 bytes, which no longer fit in one
	     * page once 40 bytes are reserved (4056 usable, at most 4021 of
	     * payload in a table leaf): every leaf would spill to an overflow
	     * page.  4000 fits either way; both sides use it (the real
	     * schema, localdb/search_index.h, does the same). */
	    "INSERT INTO person_fts(person_fts, rank) VALUES ('pgsz', 4000)") !=
	    0 ? -1 : 0;
}

/* Phase 1: the bulk insert, ending with a checkpoint in WAL mode. */
static int
phase_import(sqlite3 *db, const struct bench_rows *rs, long batch, int wal)
{
	sqlite3_stmt *ins = NULL, *fts = NULL;
	const char *f[BENCH_FIELDS];
	long i;
	int rc = -1, k;

	if (sqlite3_prepare_v2(db, "INSERT INTO person(rowid, id_number, name, "
	    "folded, dob, address) VALUES (?, ?, ?, ?, ?, ?)", -1, &ins,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO person_fts(rowid, folded) "
	    "VALUES (?, ?)", -1, &fts, NULL) != SQLITE_OK)
		goto done;
	for (i = 0; i < rs->n; i++) {
		if (i % batch == 0 && exec(db, "BEGIN") != 0)
			goto done;
		bench_rows_get(rs, i, f);
		sqlite3_bind_int64(ins, 1, i + 1);
		for (k = 0; k < BENCH_FIELDS; k++)
			sqlite3_bind_text(ins, k + 2, f[k], -1, SQLITE_STATIC);
		sqlite3_bind_int64(fts, 1, i + 1);
		sqlite3_bind_text(fts, 2, f[BENCH_FOLDED], -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE ||
		    sqlite3_step(fts) != SQLITE_DONE) {
			fprintf(stderr, "store_bench: insert: %s\n",
			    sqlite3_errmsg(db));
			goto done;
		}
		sqlite3_reset(ins);
		sqlite3_reset(fts);
		if ((i % batch == batch - 1 || i == rs->n - 1) &&
		    exec(db, "COMMIT") != 0)
			goto done;
	}
	if (wal && exec(db, "PRAGMA wal_checkpoint(TRUNCATE)") != 0)
		goto done;
	rc = 0;
done:
	sqlite3_finalize(ins);
	sqlite3_finalize(fts);
	return rc;
}

/* Phase 2: point lookups by ID number (q/10 to warm up, then q timed). */
static int
phase_id_lookups(sqlite3 *db, const struct config *c, uint64_t *s,
    double *lat, struct result *r)
{
	sqlite3_stmt *byid = NULL;
	char id[BENCH_ID_BYTES];
	double c0 = 0, t0 = 0;
	int k, rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT name, dob, address FROM person "
	    "WHERE id_number = ?", -1, &byid, NULL) != SQLITE_OK)
		goto done;
	for (k = -c->q / 10; k < c->q; k++) {
		double t;

		bench_id_number(id, (long)(bench_rnd(s) % (uint64_t)c->n));
		t = bench_now();
		if (k == 0) {
			t0 = t;
			c0 = bench_cpu();
		}
		sqlite3_bind_text(byid, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(byid) != SQLITE_ROW) {
			fprintf(stderr, "store_bench: id %s not found\n", id);
			goto done;
		}
		sqlite3_reset(byid);
		if (k >= 0)
			lat[k] = bench_now() - t;
	}
	r->id_s = bench_now() - t0;
	r->id_cpu = bench_cpu() - c0;
	bench_percentiles(lat, c->q, &r->id_p50, &r->id_p99);
	rc = 0;
done:
	sqlite3_finalize(byid);
	return rc;
}

/* Phase 3: FTS5 prefix searches, first 20 hits joined to the rows. */
static int
phase_prefix_searches(sqlite3 *db, const struct config *c, uint64_t *s,
    double *lat, struct result *r)
{
	static const char *const prefixes[] = { "nguyen van h", "tran thi l",
	    "le minh", "pham ngoc t", "hoang", "vu duc", "bui thu h",
	    "do xuan", "nguyen thi", "ly quang p" };
	sqlite3_stmt *pre = NULL;
	char match[64];
	double c0 = 0, t0 = 0;
	int k, rc = -1, src;

	if (sqlite3_prepare_v2(db, "SELECT p.id_number, p.name FROM person_fts "
	    "f JOIN person p ON p.rowid = f.rowid WHERE person_fts MATCH ? "
	    "LIMIT 20", -1, &pre, NULL) != SQLITE_OK)
		goto done;
	r->prefix_hits = 0;
	for (k = -c->q / 10; k < c->q; k++) {
		const char *pf = prefixes[bench_rnd(s) % BENCH_N_OF(prefixes)];
		double t;

		/* "a b c" * is the phrase a b c with c a prefix. */
		snprintf(match, sizeof match, "\"%s\" *", pf);
		t = bench_now();
		if (k == 0) {
			t0 = t;
			c0 = bench_cpu();
		}
		sqlite3_bind_text(pre, 1, match, -1, SQLITE_STATIC);
		while ((src = sqlite3_step(pre)) == SQLITE_ROW)
			r->prefix_hits += k >= 0;
		sqlite3_reset(pre);
		if (src != SQLITE_DONE) {
			fprintf(stderr, "store_bench: search: %s\n",
			    sqlite3_errmsg(db));
			goto done;
		}
		if (k >= 0)
			lat[k] = bench_now() - t;
	}
	r->prefix_s = bench_now() - t0;
	r->prefix_cpu = bench_cpu() - c0;
	bench_percentiles(lat, c->q, &r->prefix_p50, &r->prefix_p99);
	rc = 0;
done:
	sqlite3_finalize(pre);
	return rc;
}

enum phase {
	PHASE_IMPORT,
	PHASE_ID_LOOKUPS,
	PHASE_PREFIX_SEARCHES
};

int bench_phase(enum phase ph, sqlite3 *db, const struct config *c,
    const struct bench_rows *rs, int wal, uint64_t *s, double *lat,
    struct result *r);

/* The one function around each phase, for callgrind's --zero-before and
 * --dump-after (which take one function name each). */
__attribute__((noinline)) int
bench_phase(enum phase ph, sqlite3 *db, const struct config *c,
    const struct bench_rows *rs, int wal, uint64_t *s, double *lat,
    struct result *r)
{
	switch (ph) {
	case PHASE_IMPORT:
		return phase_import(db, rs, c->batch, wal);
	case PHASE_ID_LOOKUPS:
		return phase_id_lookups(db, c, s, lat, r);
	case PHASE_PREFIX_SEARCHES:
		return phase_prefix_searches(db, c, s, lat, r);
	}
	return -1;
}

static int
run(const char *dir, const struct config *c, const struct bench_rows *rs,
    const char *mode, int encrypted, struct result *r)
{
	unsigned char key[CIPHER_KEY_BYTES], sid[CIPHER_STORE_ID_BYTES];
	struct cipher_open_opts o = { NULL, mode, c->page_size, "normal" };
	char path[4096 + 300], sql[160], prefix[64];
	struct cutru_err e;
	sqlite3 *db = NULL;
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	double t0, c0, *lat = NULL;
	int rc = -1, wal = strcmp(mode, "wal") == 0;

	snprintf(prefix, sizeof prefix, "%s-%s.db", encrypted ? "enc" : "plain",
	    mode);
	snprintf(path, sizeof path, "%s/%s", dir, prefix);
	if (encrypted) {
		randombytes_buf(key, sizeof key);
		randombytes_buf(sid, sizeof sid);
		if (cipher_key_attach(path, key, sid, &e) != 0 ||
		    cipher_db_open(path, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE, &o, &db, &e) != 0) {
			fprintf(stderr, "store_bench: %s\n", e.msg);
			sodium_memzero(key, sizeof key);
			return -1;
		}
		sodium_memzero(key, sizeof key);
	} else {
		snprintf(sql, sizeof sql, "PRAGMA page_size = %d; "
		    "PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0; "
		    "PRAGMA journal_mode = %s; PRAGMA synchronous = NORMAL",
		    c->page_size, mode);
		if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
		    exec(db, sql) != 0)
			goto done;
	}
	if (create_schema(db, c) != 0)
		goto done;
	t0 = bench_now();
	c0 = bench_cpu();
	if (bench_phase(PHASE_IMPORT, db, c, rs, wal, &s, NULL, r) != 0)
		goto done;
	r->import_s = bench_now() - t0;
	r->import_cpu = bench_cpu() - c0;
	r->rows_per_s = (double)c->n / r->import_s;
	r->bytes = bench_dir_bytes(dir, prefix);

	if (c->query_cache_kib != 0) {
		/* A smaller cache drops what the import left in it. */
		snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d",
		    c->query_cache_kib);
		if (exec(db, sql) != 0)
			goto done;
	}
	/* A console in use for a while has read the table, its ID index and
	 * the search index once already: with a cache that holds the store
	 * (-C), queries then find every page in it. */
	if (c->preload && (exec(db, "SELECT sum(length(address)) FROM person") !=
	    0 || exec(db, "SELECT count(*) FROM person "
	    "WHERE id_number >= '0'") != 0 ||
	    exec(db, "SELECT sum(length(block)) FROM person_fts_data") != 0 ||
	    exec(db, "SELECT count(*) FROM person_fts_idx") != 0))
		goto done;
	lat = malloc(sizeof *lat * (size_t)c->q);
	if (lat == NULL ||
	    bench_phase(PHASE_ID_LOOKUPS, db, c, rs, wal, &s, lat, r) != 0 ||
	    bench_phase(PHASE_PREFIX_SEARCHES, db, c, rs, wal, &s, lat,
	    r) != 0)
		goto done;
	rc = 0;
done:
	free(lat);
	sqlite3_close(db);
	if (encrypted)
		cipher_key_detach(path);
	return rc;
}

static void
remove_stores(const char *dir)
{
	static const char *const sides[] = { "plain", "enc" };
	static const char *const modes[] = { "wal", "delete" };
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char path[4096 + 300];
	size_t i, j, k;

	for (i = 0; i < BENCH_N_OF(sides); i++)
		for (j = 0; j < BENCH_N_OF(modes); j++)
			for (k = 0; k < BENCH_N_OF(sfx); k++) {
				snprintf(path, sizeof path, "%s/%s-%s.db%s", dir,
				    sides[i], modes[j], sfx[k]);
				unlink(path);
			}
}

static void
print_one(const char *mode, const char *side, const struct result *r)
{
	printf("%s, %s: import %.0f rows/s (%.2f s, CPU %.2f s); id lookup "
	    "p50 %.4f ms, p99 %.4f ms, all %.3f s (CPU %.3f s); prefix search "
	    "p50 %.4f ms, p99 %.4f ms, all %.3f s (CPU %.3f s); %.1f MB\n",
	    mode, side, r->rows_per_s, r->import_s, r->import_cpu, r->id_p50,
	    r->id_p99, r->id_s, r->id_cpu, r->prefix_p50, r->prefix_p99,
	    r->prefix_s, r->prefix_cpu, (double)r->bytes / 1e6);
}

static void
print_pair(const char *mode, const struct result *p, const struct result *x)
{
	printf("\njournal_mode = %s\n", mode);
	printf("%-26s %14s %14s %8s\n", "", "plain", "encrypted", "ratio");
	printf("%-26s %14.0f %14.0f\n", "import rows/s", p->rows_per_s,
	    x->rows_per_s);
	printf("%-26s %14.2f %14.2f %8.3f\n", "import seconds", p->import_s,
	    x->import_s, x->import_s / p->import_s);
	printf("%-26s %14.2f %14.2f %8.3f\n", "import CPU seconds",
	    p->import_cpu, x->import_cpu, x->import_cpu / p->import_cpu);
	printf("%-26s %14.3f %14.3f %8.3f\n", "id lookups, all s", p->id_s,
	    x->id_s, x->id_s / p->id_s);
	printf("%-26s %14.3f %14.3f %8.3f\n", "id lookups, CPU s", p->id_cpu,
	    x->id_cpu, x->id_cpu / p->id_cpu);
	printf("%-26s %14.4f %14.4f %8.3f\n", "id lookup p50 ms", p->id_p50,
	    x->id_p50, x->id_p50 / p->id_p50);
	printf("%-26s %14.4f %14.4f %8.3f\n", "id lookup p99 ms", p->id_p99,
	    x->id_p99, x->id_p99 / p->id_p99);
	printf("%-26s %14.3f %14.3f %8.3f\n", "prefix searches, all s",
	    p->prefix_s, x->prefix_s, x->prefix_s / p->prefix_s);
	printf("%-26s %14.3f %14.3f %8.3f\n", "prefix searches, CPU s",
	    p->prefix_cpu, x->prefix_cpu, x->prefix_cpu / p->prefix_cpu);
	printf("%-26s %14.4f %14.4f %8.3f\n", "prefix search p50 ms",
	    p->prefix_p50, x->prefix_p50, x->prefix_p50 / p->prefix_p50);
	printf("%-26s %14.4f %14.4f %8.3f\n", "prefix search p99 ms",
	    p->prefix_p99, x->prefix_p99, x->prefix_p99 / p->prefix_p99);
	printf("%-26s %14ld %14ld\n", "prefix hits", p->prefix_hits,
	    x->prefix_hits);
	printf("%-26s %14.1f %14.1f %8.3f\n", "files MB", p->bytes / 1e6,
	    x->bytes / 1e6, (double)x->bytes / (double)p->bytes);
}

static void
usage(FILE *to)
{
	fprintf(to, "usage: store_bench [-n rows] [-q queries] [-c cache_kib] "
	    "[-C cache_kib] [-W]\n"
	    "                   [-p page_size] [-j wal|delete|both] [-b rows] "
	    "[-a pages]\n"
	    "                   [-d dir] [-k] [-o plain|encrypted]\n"
	    "  -n rows        rows to insert (1000000)\n"
	    "  -q queries     timed queries of each kind (20000), after a "
	    "tenth as many to warm up\n"
	    "  -c cache_kib   SQLite page cache per connection, KiB (65536)\n"
	    "  -C cache_kib   page cache for the queries (the same as -c)\n"
	    "  -W             read the whole store before the queries (with a "
	    "-C that holds it)\n"
	    "  -p page_size   page size of both stores (4096)\n"
	    "  -j mode        journal mode: wal, delete or both (both)\n"
	    "  -b rows        rows per transaction of the import (10000)\n"
	    "  -a pages       PRAGMA wal_autocheckpoint (SQLite's, 1000)\n"
	    "  -d dir         where the stores go (a new directory in $TMPDIR "
	    "or /tmp)\n"
	    "  -k             keep the stores\n"
	    "  -o side        run one side only, no ratios (for profiling)\n"
	    "Prints, per journal mode, plain and encrypted figures and "
	    "encrypted / plain.\n");
}

int
main(int argc, char **argv)
{
	static const char *const all_modes[] = { "wal", "delete" };
	struct config cfg = { 1000000, 20000, 65536, 0, 4096, BENCH_BATCH, 0, 0 };
	struct result plain, enc;
	struct bench_rows rs;
	char tmpl[4096];
	const char *dir = NULL, *t, *modes[2];
	struct cutru_err e;
	int keep = 0, c, made = 0, only = -1, nmodes = 2, m;

	modes[0] = all_modes[0];
	modes[1] = all_modes[1];
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	while ((c = getopt(argc, argv, "n:q:c:C:Wp:j:b:a:d:ko:h")) != -1) {
		switch (c) {
		case 'n':
			cfg.n = strtol(optarg, NULL, 10);
			break;
		case 'q':
			cfg.q = atoi(optarg);
			break;
		case 'c':
			cfg.cache_kib = atoi(optarg);
			break;
		case 'C':
			cfg.query_cache_kib = atoi(optarg);
			break;
		case 'W':
			cfg.preload = 1;
			break;
		case 'b':
			cfg.batch = strtol(optarg, NULL, 10);
			break;
		case 'a':
			cfg.autockpt = atoi(optarg);
			break;
		case 'p':
			cfg.page_size = atoi(optarg);
			break;
		case 'j':
			if (strcmp(optarg, "both") == 0) {
				nmodes = 2;
			} else if (strcmp(optarg, "wal") == 0 ||
			    strcmp(optarg, "delete") == 0) {
				nmodes = 1;
				modes[0] = optarg[0] == 'w' ? all_modes[0] :
				    all_modes[1];
			} else {
				fprintf(stderr, "store_bench: -j wal, delete or "
				    "both\n");
				return 2;
			}
			break;
		case 'd':
			dir = optarg;
			break;
		case 'k':
			keep = 1;
			break;
		case 'o':
			only = strcmp(optarg, "encrypted") == 0 ? 1 :
			    strcmp(optarg, "plain") == 0 ? 0 : -2;
			if (only == -2) {
				fprintf(stderr, "store_bench: -o plain or "
				    "-o encrypted\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (cfg.n < 1 || cfg.q < 10 || cfg.cache_kib < 1 ||
	    cfg.query_cache_kib < 0 || cfg.batch < 1 || cfg.autockpt < 0 ||
	    cfg.page_size < 1024 || cfg.page_size > 65536 ||
	    (cfg.page_size & (cfg.page_size - 1)) != 0) {
		fprintf(stderr, "store_bench: -n >= 1, -q >= 10, -c >= 1, "
		    "-b >= 1, -a >= 0, -p a power of two from 1024 to 65536\n");
		return 2;
	}
	if (sodium_init() < 0 || cipher_vfs_register(&e) != 0) {
		fprintf(stderr, "store_bench: cannot start the cipher\n");
		return 1;
	}
	if (bench_rows_make(&rs, cfg.n) != 0) {
		fprintf(stderr, "store_bench: out of memory for %ld rows\n",
		    cfg.n);
		return 1;
	}
	if (dir == NULL) {
		t = getenv("TMPDIR");
		snprintf(tmpl, sizeof tmpl, "%s/store_bench-XXXXXX",
		    t != NULL && t[0] != '\0' ? t : "/tmp");
		if (mkdtemp(tmpl) == NULL) {
			fprintf(stderr, "store_bench: mkdtemp: %s\n",
			    strerror(errno));
			return 1;
		}
		dir = tmpl;
		made = 1;
	}
	printf("store_bench: %ld rows in transactions of %ld, %d queries of "
	    "each kind, cache %d KiB (queries: %d KiB%s), page size %d, "
	    "wal_autocheckpoint %d, SQLite %s, libsodium %s, in %s\n",
	    cfg.n, cfg.batch, cfg.q, cfg.cache_kib, cfg.query_cache_kib != 0 ?
	    cfg.query_cache_kib : cfg.cache_kib, cfg.preload ? ", preloaded" :
	    "", cfg.page_size,
	    cfg.autockpt != 0 ? cfg.autockpt : 1000, sqlite3_libversion(),
	    sodium_version_string(), dir);
	fflush(stdout);
	for (m = 0; m < nmodes; m++) {
		memset(&plain, 0, sizeof plain);
		memset(&enc, 0, sizeof enc);
		if ((only != 1 && run(dir, &cfg, &rs, modes[m], 0, &plain) != 0) ||
		    (only != 0 && run(dir, &cfg, &rs, modes[m], 1, &enc) != 0))
			return 1;
		if (only >= 0)
			print_one(modes[m], only ? "encrypted" : "plain",
			    only ? &enc : &plain);
		else
			print_pair(modes[m], &plain, &enc);
		fflush(stdout);
		if (!keep)
			remove_stores(dir);
	}
	if (only < 0)
		printf("(ratios: encrypted / plain, in time or size; CPU: user and "
		    "system time of the process)\n");
	if (!keep && made)
		rmdir(dir);
	bench_rows_free(&rs);
	return 0;
}
