#include "config.h"

/* sqlcipher_bench: the part of store_bench's workload that SQLCipher 3.4.1
 * (Debian's libsqlcipher-dev, on SQLite 3.15.2, without FTS5) can run, on
 * one encrypted engine and on the same SQLite without encryption, in one
 * run.  The one source builds two programs, since SQLCipher exports the
 * sqlite3_* names itself and cannot share a program with the system SQLite
 * that the cutru cipher sits on:
 *
 *   bench/subset_bench      (make bench) the system SQLite, plain, and the
 *                           cutru page cipher (localdb/cipher.h);
 *   bench/sqlcipher_bench   (make bench-sqlcipher, with -DBENCH_SQLCIPHER
 *                           and pkg-config sqlcipher) SQLCipher's SQLite,
 *                           plain (no key), and SQLCipher with a raw
 *                           256-bit key (PRAGMA key = "x'...'", so no
 *                           PBKDF2) and cipher_page_size 4096.
 *
 * bench/compare.sh builds and runs both and prints them side by side.
 *
 * The workload, for each journal mode asked for (WAL and rollback
 * "delete" by default) and each side:
 *   1. bulk insert of N person-like rows (bench/bench_rows.h, the rows of
 *      store_bench) in transactions of 10,000 into a table with a unique
 *      index on the ID number and indexes on the folded name and the date
 *      of birth, then a checkpoint (WAL);
 *   2. Q point lookups by ID number;
 *   3. Q prefix searches on the folded name, folded LIKE 'nguyen van h%'
 *      with case_sensitive_like on, so that SQLite answers them from the
 *      index on folded (checked with EXPLAIN QUERY PLAN before the run),
 *      first 20 rows;
 * each query kind after Q/10 queries to warm the cache.  Both sides use
 * page_size 4096, the journal mode, synchronous = NORMAL, temp_store =
 * MEMORY, mmap_size = 0 and the same cache.  As in store_bench each phase
 * runs inside bench_phase() for callgrind's --zero-before and
 * --dump-after.
 *
 * Besides the table, each side prints a line for compare.sh:
 *   RESULT engine mode side rows import_s id_s id_p50 id_p99 prefix_s
 *          prefix_p50 prefix_p99 bytes import_cpu id_cpu prefix_cpu
 * (seconds; p50 and p99 in milliseconds; bytes of the store's files; the
 * _cpu fields are the process's CPU seconds in the phase).
 *
 * Usage: sqlcipher_bench|subset_bench [-n rows] [-q queries] [-c cache_kib]
 *            [-C cache_kib] [-j wal|delete|both] [-d dir] [-k]
 *            [-o plain|encrypted]   (--help lists them) */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench/bench_rows.h"

#ifdef BENCH_SQLCIPHER
#define ENGINE "sqlcipher"
#else
#include <sodium.h>

#include "core/err.h"
#include "localdb/cipher.h"

#define ENGINE "cutru"
#endif

#define KEY_BYTES 32

struct config {
	long n;
	int q;
	int cache_kib;
	int query_cache_kib;        /* 0: cache_kib */
};

struct result {
	double import_s, import_cpu;
	double id_s, id_cpu, id_p50, id_p99;
	double prefix_s, prefix_cpu, prefix_p50, prefix_p99;
	long prefix_hits;
	long bytes;
};

static int
exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "sqlcipher_bench: %s: %s\n", sql,
		    err != NULL ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static const char *const prefixes[] = { "nguyen van h", "tran thi l",
    "le minh", "pham ngoc t", "hoang", "vu duc", "bui thu h", "do xuan",
    "nguyen thi", "ly quang p" };

static const char prefix_sql[] = "SELECT id_number, name FROM person "
    "WHERE folded LIKE ? LIMIT 20";

static int
phase_import(sqlite3 *db, const struct bench_rows *rs, int wal)
{
	sqlite3_stmt *ins = NULL;
	const char *f[BENCH_FIELDS];
	long i;
	int rc = -1, k;

	if (sqlite3_prepare_v2(db, "INSERT INTO person(rowid, id_number, name, "
	    "folded, dob, address) VALUES (?, ?, ?, ?, ?, ?)", -1, &ins,
	    NULL) != SQLITE_OK)
		goto done;
	for (i = 0; i < rs->n; i++) {
		if (i % BENCH_BATCH == 0 && exec(db, "BEGIN") != 0)
			goto done;
		bench_rows_get(rs, i, f);
		sqlite3_bind_int64(ins, 1, i + 1);
		for (k = 0; k < BENCH_FIELDS; k++)
			sqlite3_bind_text(ins, k + 2, f[k], -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			fprintf(stderr, "sqlcipher_bench: insert: %s\n",
			    sqlite3_errmsg(db));
			goto done;
		}
		sqlite3_reset(ins);
		if ((i % BENCH_BATCH == BENCH_BATCH - 1 || i == rs->n - 1) &&
		    exec(db, "COMMIT") != 0)
			goto done;
	}
	if (wal && exec(db, "PRAGMA wal_checkpoint(TRUNCATE)") != 0)
		goto done;
	rc = 0;
done:
	sqlite3_finalize(ins);
	return rc;
}

static int
phase_id_lookups(sqlite3 *db, const struct config *c, uint64_t *s,
    double *lat, struct result *r)
{
	sqlite3_stmt *byid = NULL;
	char id[BENCH_ID_BYTES];
	double c0 = 0, t0 = 0, t;
	int k, rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT name, dob, address FROM person "
	    "WHERE id_number = ?", -1, &byid, NULL) != SQLITE_OK)
		goto done;
	for (k = -c->q / 10; k < c->q; k++) {
		bench_id_number(id, (long)(bench_rnd(s) % (uint64_t)c->n));
		t = bench_now();
		if (k == 0) {
			t0 = t;
			c0 = bench_cpu();
		}
		sqlite3_bind_text(byid, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(byid) != SQLITE_ROW) {
			fprintf(stderr, "sqlcipher_bench: id %s not found\n", id);
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

static int
phase_prefix_searches(sqlite3 *db, const struct config *c, uint64_t *s,
    double *lat, struct result *r)
{
	sqlite3_stmt *pre = NULL;
	char like[64];
	double c0 = 0, t0 = 0, t;
	int k, rc = -1, src;

	if (sqlite3_prepare_v2(db, prefix_sql, -1, &pre, NULL) != SQLITE_OK)
		goto done;
	r->prefix_hits = 0;
	for (k = -c->q / 10; k < c->q; k++) {
		snprintf(like, sizeof like, "%s%%",
		    prefixes[bench_rnd(s) % BENCH_N_OF(prefixes)]);
		t = bench_now();
		if (k == 0) {
			t0 = t;
			c0 = bench_cpu();
		}
		sqlite3_bind_text(pre, 1, like, -1, SQLITE_STATIC);
		while ((src = sqlite3_step(pre)) == SQLITE_ROW)
			r->prefix_hits += k >= 0;
		sqlite3_reset(pre);
		if (src != SQLITE_DONE) {
			fprintf(stderr, "sqlcipher_bench: search: %s\n",
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

/* The one function around each phase, for callgrind. */
__attribute__((noinline)) int
bench_phase(enum phase ph, sqlite3 *db, const struct config *c,
    const struct bench_rows *rs, int wal, uint64_t *s, double *lat,
    struct result *r)
{
	switch (ph) {
	case PHASE_IMPORT:
		return phase_import(db, rs, wal);
	case PHASE_ID_LOOKUPS:
		return phase_id_lookups(db, c, s, lat, r);
	case PHASE_PREFIX_SEARCHES:
		return phase_prefix_searches(db, c, s, lat, r);
	}
	return -1;
}

/* The prefix query must be answered from the index on folded, or the
 * comparison would measure table scans. */
static int
check_plan(sqlite3 *db)
{
	char sql[160];
	sqlite3_stmt *st = NULL;
	int found = 0;

	snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", prefix_sql);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, "nguyen%", -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *d = sqlite3_column_text(st, 3);

		if (d != NULL && strstr((const char *)d, "person_folded") != NULL)
			found = 1;
	}
	sqlite3_finalize(st);
	if (!found)
		fprintf(stderr, "sqlcipher_bench: the prefix query does not use "
		    "the index on folded\n");
	return found ? 0 : -1;
}

static int
open_side(const char *path, const char *mode, int encrypted, sqlite3 **out)
{
	unsigned char key[KEY_BYTES];
	char sql[256];
	sqlite3 *db = NULL;
	int rc = -1;
#ifdef BENCH_SQLCIPHER
	char hex[2 * KEY_BYTES + 1];
	size_t i;
#else
	unsigned char sid[CIPHER_STORE_ID_BYTES];
	struct cipher_open_opts o = { NULL, NULL, 4096, "normal" };
	struct cutru_err e;
#endif

	*out = NULL;
	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key) {
		fprintf(stderr, "sqlcipher_bench: getrandom: %s\n",
		    strerror(errno));
		return -1;
	}
#ifdef BENCH_SQLCIPHER
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto done;
	if (encrypted) {
		/* A raw key skips PBKDF2; cipher_page_size as our pages. */
		for (i = 0; i < KEY_BYTES; i++)
			snprintf(hex + 2 * i, 3, "%02x", key[i]);
		snprintf(sql, sizeof sql, "PRAGMA key = \"x'%s'\"", hex);
		memset(hex, 0, sizeof hex);
		rc = exec(db, sql);
		memset(sql, 0, sizeof sql);
		if (rc != 0 || exec(db, "PRAGMA cipher_page_size = 4096") != 0)
			goto fail;
	} else if (exec(db, "PRAGMA page_size = 4096") != 0) {
		goto fail;
	}
	snprintf(sql, sizeof sql, "PRAGMA temp_store = MEMORY; "
	    "PRAGMA mmap_size = 0; PRAGMA journal_mode = %s; "
	    "PRAGMA synchronous = NORMAL", mode);
	if (exec(db, sql) != 0)
		goto fail;
#else
	if (encrypted) {
		o.journal_mode = mode;
		if (getrandom(sid, sizeof sid, 0) != (ssize_t)sizeof sid ||
		    cipher_key_attach(path, key, sid, &e) != 0 ||
		    cipher_db_open(path, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE, &o, &db, &e) != 0) {
			fprintf(stderr, "sqlcipher_bench: %s\n", e.msg);
			goto done;
		}
	} else {
		snprintf(sql, sizeof sql, "PRAGMA page_size = 4096; "
		    "PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0; "
		    "PRAGMA journal_mode = %s; PRAGMA synchronous = NORMAL",
		    mode);
		if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK || exec(db, sql) != 0)
			goto fail;
	}
#endif
	*out = db;
	db = NULL;
	rc = 0;
	goto done;
fail:
	fprintf(stderr, "sqlcipher_bench: cannot open %s\n", path);
done:
	memset(key, 0, sizeof key);
	sqlite3_close(db);
	return rc;
}

static int
run(const char *dir, const struct config *c, const struct bench_rows *rs,
    const char *mode, int encrypted, struct result *r)
{
	char path[4096 + 300], sql[160], prefix[64];
	sqlite3 *db = NULL;
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	double t0, c0, *lat = NULL;
	int rc = -1, wal = strcmp(mode, "wal") == 0;

	snprintf(prefix, sizeof prefix, "%s-%s-%s.db", ENGINE,
	    encrypted ? "enc" : "plain", mode);
	snprintf(path, sizeof path, "%s/%s", dir, prefix);
	if (open_side(path, mode, encrypted, &db) != 0)
		return -1;
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", c->cache_kib);
	if (exec(db, sql) != 0 ||
	    exec(db, "PRAGMA case_sensitive_like = ON") != 0 ||
	    exec(db, "CREATE TABLE person(id_number TEXT NOT NULL UNIQUE, "
	    "name TEXT NOT NULL, folded TEXT NOT NULL, dob TEXT, address TEXT);"
	    "CREATE INDEX person_folded ON person(folded);"
	    "CREATE INDEX person_dob ON person(dob);") != 0 ||
	    check_plan(db) != 0)
		goto done;
	t0 = bench_now();
	c0 = bench_cpu();
	if (bench_phase(PHASE_IMPORT, db, c, rs, wal, &s, NULL, r) != 0)
		goto done;
	r->import_s = bench_now() - t0;
	r->import_cpu = bench_cpu() - c0;
	r->bytes = bench_dir_bytes(dir, prefix);
	if (c->query_cache_kib != 0) {
		snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d",
		    c->query_cache_kib);
		if (exec(db, sql) != 0)
			goto done;
	}
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
#ifndef BENCH_SQLCIPHER
	if (encrypted)
		cipher_key_detach(path);
#endif
	return rc;
}

/* Whether the encrypted store really is: its first 16 bytes are not
 * SQLite's magic. */
static int
check_encrypted(const char *dir, const char *mode)
{
	char path[4096 + 300], head[16];
	FILE *fp;
	int ok;

	snprintf(path, sizeof path, "%s/%s-enc-%s.db", dir, ENGINE, mode);
	fp = fopen(path, "rb");
	if (fp == NULL)
		return -1;
	ok = fread(head, 1, sizeof head, fp) == sizeof head &&
	    memcmp(head, "SQLite format 3", 16) != 0;
	fclose(fp);
	if (!ok)
		fprintf(stderr, "sqlcipher_bench: %s is not encrypted\n", path);
	return ok ? 0 : -1;
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
				snprintf(path, sizeof path, "%s/%s-%s-%s.db%s",
				    dir, ENGINE, sides[i], modes[j], sfx[k]);
				unlink(path);
			}
}

static void
print_result(const char *mode, const char *side, long n,
    const struct result *r)
{
	printf("RESULT %s %s %s %ld %.4f %.4f %.5f %.5f %.4f %.5f %.5f %ld "
	    "%.4f %.4f %.4f\n", ENGINE, mode, side, n, r->import_s, r->id_s,
	    r->id_p50, r->id_p99, r->prefix_s, r->prefix_p50, r->prefix_p99,
	    r->bytes, r->import_cpu, r->id_cpu, r->prefix_cpu);
}

static void
print_pair(const char *mode, long n, const struct result *p,
    const struct result *x)
{
	printf("\njournal_mode = %s\n", mode);
	printf("%-26s %14s %14s %8s\n", "", "plain", ENGINE, "ratio");
	printf("%-26s %14.0f %14.0f\n", "import rows/s", (double)n / p->import_s,
	    (double)n / x->import_s);
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
	printf("%-26s %14.3f %14.3f %8.3f\n", "prefix searches, all s",
	    p->prefix_s, x->prefix_s, x->prefix_s / p->prefix_s);
	printf("%-26s %14.3f %14.3f %8.3f\n", "prefix searches, CPU s",
	    p->prefix_cpu, x->prefix_cpu, x->prefix_cpu / p->prefix_cpu);
	printf("%-26s %14.4f %14.4f %8.3f\n", "prefix search p50 ms",
	    p->prefix_p50, x->prefix_p50, x->prefix_p50 / p->prefix_p50);
	printf("%-26s %14ld %14ld\n", "prefix hits", p->prefix_hits,
	    x->prefix_hits);
	printf("%-26s %14.1f %14.1f %8.3f\n", "files MB", p->bytes / 1e6,
	    x->bytes / 1e6, (double)x->bytes / (double)p->bytes);
}

static void
usage(FILE *to)
{
	fprintf(to, "usage: %s_bench [-n rows] [-q queries] [-c cache_kib] "
	    "[-C cache_kib]\n"
	    "         [-j wal|delete|both] [-d dir] [-k] [-o plain|encrypted]\n"
	    "  -n rows        rows to insert (1000000)\n"
	    "  -q queries     timed queries of each kind (20000), after a "
	    "tenth as many to warm up\n"
	    "  -c cache_kib   SQLite page cache per connection, KiB (65536)\n"
	    "  -C cache_kib   page cache for the queries (the same as -c)\n"
	    "  -j mode        journal mode: wal, delete or both (both)\n"
	    "  -d dir         where the stores go (a new directory in $TMPDIR "
	    "or /tmp)\n"
	    "  -k             keep the stores\n"
	    "  -o side        run one side only (for profiling)\n"
	    "Encrypted side: %s.  bench/compare.sh runs both builds.\n",
#ifdef BENCH_SQLCIPHER
	    "sqlcipher", "SQLCipher with a raw key, cipher_page_size 4096"
#else
	    "subset", "the cutru page cipher"
#endif
	    );
}

int
main(int argc, char **argv)
{
	static const char *const all_modes[] = { "wal", "delete" };
	struct config cfg = { 1000000, 20000, 65536, 0 };
	struct result plain, enc;
	struct bench_rows rs;
	char tmpl[4096];
	const char *dir = NULL, *t, *modes[2];
	int keep = 0, c, made = 0, only = -1, nmodes = 2, m, rc = 1;

	modes[0] = all_modes[0];
	modes[1] = all_modes[1];
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	while ((c = getopt(argc, argv, "n:q:c:C:j:d:ko:h")) != -1) {
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
		case 'j':
			if (strcmp(optarg, "both") == 0) {
				nmodes = 2;
			} else if (strcmp(optarg, "wal") == 0 ||
			    strcmp(optarg, "delete") == 0) {
				nmodes = 1;
				modes[0] = optarg[0] == 'w' ? all_modes[0] :
				    all_modes[1];
			} else {
				fprintf(stderr, "sqlcipher_bench: -j wal, delete "
				    "or both\n");
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
				fprintf(stderr, "sqlcipher_bench: -o plain or "
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
	    cfg.query_cache_kib < 0) {
		fprintf(stderr, "sqlcipher_bench: -n >= 1, -q >= 10, -c >= 1\n");
		return 2;
	}
#ifndef BENCH_SQLCIPHER
	{
		struct cutru_err e;

		if (sodium_init() < 0 || cipher_vfs_register(&e) != 0) {
			fprintf(stderr, "sqlcipher_bench: cannot start the "
			    "cipher\n");
			return 1;
		}
	}
#endif
	if (bench_rows_make(&rs, cfg.n) != 0) {
		fprintf(stderr, "sqlcipher_bench: out of memory for %ld rows\n",
		    cfg.n);
		return 1;
	}
	if (dir == NULL) {
		t = getenv("TMPDIR");
		snprintf(tmpl, sizeof tmpl, "%s/sqlcipher_bench-XXXXXX",
		    t != NULL && t[0] != '\0' ? t : "/tmp");
		if (mkdtemp(tmpl) == NULL) {
			fprintf(stderr, "sqlcipher_bench: mkdtemp: %s\n",
			    strerror(errno));
			goto out;
		}
		dir = tmpl;
		made = 1;
	}
	printf("%s: %ld rows, %d queries of each kind, cache %d KiB "
	    "(queries: %d KiB), SQLite %s, in %s\n", ENGINE, cfg.n, cfg.q,
	    cfg.cache_kib, cfg.query_cache_kib != 0 ? cfg.query_cache_kib :
	    cfg.cache_kib, sqlite3_libversion(), dir);
	fflush(stdout);
	for (m = 0; m < nmodes; m++) {
		memset(&plain, 0, sizeof plain);
		memset(&enc, 0, sizeof enc);
		if ((only != 1 && run(dir, &cfg, &rs, modes[m], 0, &plain) != 0) ||
		    (only != 0 && (run(dir, &cfg, &rs, modes[m], 1, &enc) != 0 ||
		    check_encrypted(dir, modes[m]) != 0)))
			goto out;
		if (only != 1)
			print_result(modes[m], "plain", cfg.n, &plain);
		if (only != 0)
			print_result(modes[m], "encrypted", cfg.n, &enc);
		if (only < 0)
			print_pair(modes[m], cfg.n, &plain, &enc);
		fflush(stdout);
		if (!keep)
			remove_stores(dir);
	}
	rc = 0;
out:
	if (!keep && dir != NULL) {
		remove_stores(dir);
		if (made)
			rmdir(dir);
	}
	bench_rows_free(&rs);
	return rc;
}
