#include "config.h"

/* store_bench: the cost of the page cipher, measured on the same workload
 * with the cipher on and off in one run.
 *
 * For each of "plain" (SQLite's default VFS, no reserve) and "encrypted"
 * (cipher_db_open through the cutru-cipher VFS), in a fresh directory:
 *   1. bulk import of N person-like rows (ID number, name, folded name, date
 *      of birth, address) in transactions of 10,000, into a table with a
 *      unique index on the ID number, indexes on the folded name and the
 *      date of birth, and an FTS5 index (with prefix indexes) on the folded
 *      name; reported as rows per second;
 *   2. Q point lookups by ID number, and Q tone-insensitive prefix searches
 *      (FTS5, "nguyen van h*", first 20 hits), warm; reported as p50 and
 *      p99 latency per query.
 * Both stores use journal_mode = WAL, synchronous = NORMAL, page_size =
 * 4096, temp_store = MEMORY, mmap_size = 0, the same cache size and an FTS5
 * leaf size (pgsz) of 4000, so the only difference is the cipher.  The
 * last column gives encrypted / plain.
 *
 * Usage: store_bench [-n rows] [-q queries] [-c cache_kib] [-d dir] [-k]
 *                    [-o plain|encrypted]
 *   -k keeps the two stores (the directory is printed); -o runs one side
 *   only (for profiling), and prints no ratios.  */

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

#include "core/err.h"
#include "localdb/cipher.h"

struct name_part {
	const char *vi;
	const char *folded;
};

static const struct name_part family[] = {
	{ "Nguy\xe1\xbb\x85n", "nguyen" }, { "Tr\xe1\xba\xa7n", "tran" },
	{ "L\xc3\xaa", "le" }, { "Ph\xe1\xba\xa1m", "pham" },
	{ "Ho\xc3\xa0ng", "hoang" }, { "Hu\xe1\xbb\xb3nh", "huynh" },
	{ "Phan", "phan" }, { "V\xc5\xa9", "vu" }, { "V\xc3\xb5", "vo" },
	{ "\xc4\x90\xe1\xba\xb7ng", "dang" }, { "B\xc3\xb9i", "bui" },
	{ "\xc4\x90\xe1\xbb\x97", "do" }, { "H\xe1\xbb\x93", "ho" },
	{ "Ng\xc3\xb4", "ngo" }, { "D\xc6\xb0\xc6\xa1ng", "duong" },
	{ "L\xc3\xbd", "ly" }
};

static const struct name_part middle[] = {
	{ "V\xc4\x83n", "van" }, { "Th\xe1\xbb\x8b", "thi" },
	{ "H\xe1\xbb\xafu", "huu" }, { "\xc4\x90\xe1\xbb\xa9" "c", "duc" },
	{ "Th\xc3\xa0nh", "thanh" }, { "Minh", "minh" },
	{ "Ng\xe1\xbb\x8d" "c", "ngoc" }, { "Thu", "thu" },
	{ "Quang", "quang" }, { "Xu\xc3\xa2n", "xuan" }
};

static const struct name_part given[] = {
	{ "An", "an" }, { "B\xc3\xacnh", "binh" }, { "Ch\xc3\xa2u", "chau" },
	{ "D\xc5\xa9ng", "dung" }, { "H\xc3\xa0", "ha" },
	{ "H\xe1\xba\xa3i", "hai" }, { "H\xe1\xba\xa1nh", "hanh" },
	{ "Hoa", "hoa" }, { "H\xc3\xb9ng", "hung" }, { "Lan", "lan" },
	{ "Linh", "linh" }, { "Long", "long" }, { "Mai", "mai" },
	{ "Nam", "nam" }, { "Phong", "phong" }, { "Qu\xc3\xa2n", "quan" },
	{ "S\xc6\xa1n", "son" }, { "Th\xe1\xba\xa3o", "thao" },
	{ "Trang", "trang" }, { "Tu\xe1\xba\xa5n", "tuan" }, { "Vy", "vy" },
	{ "Y\xe1\xba\xbfn", "yen" }, { "Kh\xc3\xa1nh", "khanh" },
	{ "Ph\xc6\xb0\xc6\xa1ng", "phuong" }
};

static const char *const streets[] = {
	"L\xc3\xaa L\xe1\xbb\xa3i",
	"Tr\xe1\xba\xa7n H\xc6\xb0ng \xc4\x90\xe1\xba\xa1o",
	"Nguy\xe1\xbb\x85n Hu\xe1\xbb\x87", "Hai B\xc3\xa0 Tr\xc6\xb0ng",
	"L\xc3\xbd Th\xc6\xb0\xe1\xbb\x9dng Ki\xe1\xbb\x87t",
	"\xc4\x90i\xe1\xbb\x87n Bi\xc3\xaan Ph\xe1\xbb\xa7"
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define BATCH 10000

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The 12-digit ID number of row i: province, century-and-sex digit, year of
 * birth, and a serial that is a bijection of i (unique for i < 10^6 per
 * province block). */
static void
id_number(char *out, size_t len, long i)
{
	long serial = (i % 1000000) * 7919 % 1000000;

	snprintf(out, len, "%03ld%d%02ld%06ld", 1 + (i / 1000000) % 96,
	    (int)(i % 4), (i / 7) % 100, serial);
}

struct person {
	char id[16];
	char name[96];
	char folded[64];
	char dob[16];
	char addr[128];
};

static void
make_person(struct person *p, long i, uint64_t *s)
{
	const struct name_part *f = &family[rnd(s) % N_OF(family)];
	const struct name_part *m = &middle[rnd(s) % N_OF(middle)];
	const struct name_part *g = &given[rnd(s) % N_OF(given)];

	id_number(p->id, sizeof p->id, i);
	snprintf(p->name, sizeof p->name, "%s %s %s", f->vi, m->vi, g->vi);
	snprintf(p->folded, sizeof p->folded, "%s %s %s", f->folded, m->folded,
	    g->folded);
	snprintf(p->dob, sizeof p->dob, "%04d-%02d-%02d",
	    1930 + (int)(rnd(s) % 95), 1 + (int)(rnd(s) % 12),
	    1 + (int)(rnd(s) % 28));
	snprintf(p->addr, sizeof p->addr, "%d %s, Ph\xc6\xb0\xe1\xbb\x9dng %d",
	    1 + (int)(rnd(s) % 300), streets[rnd(s) % N_OF(streets)],
	    1 + (int)(rnd(s) % 30));
}

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

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct result {
	double import_s;
	double rows_per_s;
	double id_p50, id_p99;         /* milliseconds */
	double prefix_p50, prefix_p99;
	long prefix_hits;
	long bytes;
};

static void
percentiles(double *lat, int n, double *p50, double *p99)
{
	qsort(lat, (size_t)n, sizeof *lat, cmp_double);
	*p50 = lat[n / 2] * 1000.0;
	*p99 = lat[(int)((double)n * 0.99)] * 1000.0;
}

/* Bytes in the files of dir whose names start with prefix. */
static long
dir_bytes(const char *dir, const char *prefix)
{
	char path[4096 + 300];
	struct dirent *de;
	long total = 0;
	DIR *d = opendir(dir);
	FILE *f;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		if (fseek(f, 0, SEEK_END) == 0)
			total += ftell(f);
		fclose(f);
	}
	closedir(d);
	return total;
}

static int
run(const char *dir, int encrypted, long n, int q, int cache_kib,
    struct result *r)
{
	static const char *const prefixes[] = { "nguyen van h", "tran thi l",
	    "le minh", "pham ngoc t", "hoang", "vu duc", "bui thu h",
	    "do xuan", "nguyen thi", "ly quang p" };
	unsigned char key[CIPHER_KEY_BYTES], sid[CIPHER_STORE_ID_BYTES];
	struct cipher_open_opts o = { NULL, "wal", 4096, "normal" };
	sqlite3_stmt *ins = NULL, *fts = NULL, *byid = NULL, *pre = NULL;
	char path[4096 + 300], sql[128], match[64];
	struct cutru_err e;
	struct person p;
	sqlite3 *db = NULL;
	uint64_t s = 0x2545f4914f6cdd1dULL;
	double t0, *lat = NULL;
	long i;
	int rc = -1, k;

	snprintf(path, sizeof path, "%s/%s.db", dir, encrypted ? "enc" : "plain");
	if (encrypted) {
		randombytes_buf(key, sizeof key);
		randombytes_buf(sid, sizeof sid);
		if (cipher_key_attach(path, key, sid, &e) != 0 ||
		    cipher_db_open(path, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE, &o, &db, &e) != 0) {
			fprintf(stderr, "store_bench: %s\n", e.msg);
			return -1;
		}
		sodium_memzero(key, sizeof key);
	} else {
		if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
		    exec(db, "PRAGMA page_size = 4096; PRAGMA temp_store = MEMORY;"
		    "PRAGMA mmap_size = 0; PRAGMA journal_mode = WAL;"
		    "PRAGMA synchronous = NORMAL") != 0)
			goto done;
	}
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", cache_kib);
	if (exec(db, sql) != 0 ||
	    exec(db, "CREATE TABLE person(id_number TEXT NOT NULL UNIQUE, "
	    "name TEXT NOT NULL, folded TEXT NOT NULL, dob TEXT, address TEXT);"
	    "CREATE INDEX person_folded ON person(folded);"
	    "CREATE INDEX person_dob ON person(dob);"
	    "CREATE VIRTUAL TABLE person_fts USING fts5(folded, "
	    "content='person', content_rowid='rowid', prefix='1 2 3');"
	    /* FTS5 leaves default to 4050 bytes, which no longer fit in one
	     * page once 40 bytes are reserved (4056 usable, at most 4021 of
	     * payload in a table leaf): every leaf would spill to an overflow
	     * page.  4000 fits either way; both sides use it. */
	    "INSERT INTO person_fts(person_fts, rank) VALUES ('pgsz', 4000)") != 0)
		goto done;
	if (sqlite3_prepare_v2(db, "INSERT INTO person(rowid, id_number, name, "
	    "folded, dob, address) VALUES (?, ?, ?, ?, ?, ?)", -1, &ins,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO person_fts(rowid, folded) "
	    "VALUES (?, ?)", -1, &fts, NULL) != SQLITE_OK)
		goto done;

	t0 = now();
	for (i = 0; i < n; i++) {
		if (i % BATCH == 0 && exec(db, "BEGIN") != 0)
			goto done;
		make_person(&p, i, &s);
		sqlite3_bind_int64(ins, 1, i + 1);
		sqlite3_bind_text(ins, 2, p.id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, p.name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, p.folded, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, p.dob, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, p.addr, -1, SQLITE_STATIC);
		sqlite3_bind_int64(fts, 1, i + 1);
		sqlite3_bind_text(fts, 2, p.folded, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE ||
		    sqlite3_step(fts) != SQLITE_DONE) {
			fprintf(stderr, "store_bench: insert: %s\n",
			    sqlite3_errmsg(db));
			goto done;
		}
		sqlite3_reset(ins);
		sqlite3_reset(fts);
		if ((i % BATCH == BATCH - 1 || i == n - 1) &&
		    exec(db, "COMMIT") != 0)
			goto done;
	}
	if (exec(db, "PRAGMA wal_checkpoint(TRUNCATE)") != 0)
		goto done;
	r->import_s = now() - t0;
	r->rows_per_s = (double)n / r->import_s;
	r->bytes = dir_bytes(dir, encrypted ? "enc.db" : "plain.db");

	lat = malloc(sizeof *lat * (size_t)q);
	if (lat == NULL ||
	    sqlite3_prepare_v2(db, "SELECT name, dob, address FROM person "
	    "WHERE id_number = ?", -1, &byid, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT p.id_number, p.name FROM person_fts "
	    "f JOIN person p ON p.rowid = f.rowid WHERE person_fts MATCH ? "
	    "LIMIT 20", -1, &pre, NULL) != SQLITE_OK)
		goto done;
	/* Warm up, then measure. */
	for (k = -q / 10; k < q; k++) {
		double t;

		id_number(p.id, sizeof p.id, (long)(rnd(&s) % (uint64_t)n));
		t = now();
		sqlite3_bind_text(byid, 1, p.id, -1, SQLITE_STATIC);
		if (sqlite3_step(byid) != SQLITE_ROW) {
			fprintf(stderr, "store_bench: id %s not found\n", p.id);
			goto done;
		}
		sqlite3_reset(byid);
		if (k >= 0)
			lat[k] = now() - t;
	}
	percentiles(lat, q, &r->id_p50, &r->id_p99);
	r->prefix_hits = 0;
	for (k = -q / 10; k < q; k++) {
		const char *pf = prefixes[rnd(&s) % N_OF(prefixes)];
		double t;

		snprintf(match, sizeof match, "\"%s\" *", pf);
		/* "a b c" * is the phrase a b c with c a prefix. */
		t = now();
		sqlite3_bind_text(pre, 1, match, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(pre)) == SQLITE_ROW)
			r->prefix_hits += k >= 0;
		sqlite3_reset(pre);
		if (rc != SQLITE_DONE) {
			fprintf(stderr, "store_bench: search: %s\n",
			    sqlite3_errmsg(db));
			rc = -1;
			goto done;
		}
		if (k >= 0)
			lat[k] = now() - t;
	}
	percentiles(lat, q, &r->prefix_p50, &r->prefix_p99);
	rc = 0;
done:
	free(lat);
	sqlite3_finalize(ins);
	sqlite3_finalize(fts);
	sqlite3_finalize(byid);
	sqlite3_finalize(pre);
	sqlite3_close(db);
	if (encrypted)
		cipher_key_detach(path);
	return rc;
}

static void
remove_stores(const char *dir)
{
	static const char *const names[] = { "plain.db", "plain.db-wal",
	    "plain.db-shm", "enc.db", "enc.db-wal", "enc.db-shm" };
	char path[4096 + 300];
	size_t i;

	for (i = 0; i < N_OF(names); i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
}

int
main(int argc, char **argv)
{
	struct result plain, enc;
	char tmpl[4096];
	const char *dir = NULL, *t;
	struct cutru_err e;
	long n = 1000000;
	int q = 20000, cache_kib = 65536, keep = 0, c, made = 0, only = -1;

	while ((c = getopt(argc, argv, "n:q:c:d:ko:")) != -1) {
		switch (c) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'q':
			q = atoi(optarg);
			break;
		case 'c':
			cache_kib = atoi(optarg);
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
		default:
			fprintf(stderr, "usage: store_bench [-n rows] [-q queries] "
			    "[-c cache_kib] [-d dir] [-k] [-o plain|encrypted]\n");
			return 2;
		}
	}
	if (n < 1 || q < 10 || cache_kib < 1) {
		fprintf(stderr, "store_bench: -n >= 1, -q >= 10, -c >= 1\n");
		return 2;
	}
	if (sodium_init() < 0 || cipher_vfs_register(&e) != 0) {
		fprintf(stderr, "store_bench: cannot start the cipher\n");
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
	printf("store_bench: %ld rows, %d queries of each kind, cache %d KiB, "
	    "SQLite %s, in %s\n", n, q, cache_kib, sqlite3_libversion(), dir);
	fflush(stdout);
	memset(&plain, 0, sizeof plain);
	memset(&enc, 0, sizeof enc);
	if ((only != 1 && run(dir, 0, n, q, cache_kib, &plain) != 0) ||
	    (only != 0 && run(dir, 1, n, q, cache_kib, &enc) != 0))
		return 1;
	if (only >= 0) {
		struct result *r = only ? &enc : &plain;

		printf("%s: import %.0f rows/s (%.2f s); id lookup p50 %.4f ms, "
		    "p99 %.4f ms; prefix search p50 %.4f ms, p99 %.4f ms\n",
		    only ? "encrypted" : "plain", r->rows_per_s, r->import_s,
		    r->id_p50, r->id_p99, r->prefix_p50, r->prefix_p99);
		goto out;
	}
	printf("%-26s %14s %14s %8s\n", "", "plain", "encrypted", "ratio");
	printf("%-26s %14.0f %14.0f\n", "import rows/s", plain.rows_per_s,
	    enc.rows_per_s);
	printf("%-26s %14.2f %14.2f %8.3f\n", "import seconds", plain.import_s,
	    enc.import_s, enc.import_s / plain.import_s);
	printf("%-26s %14.4f %14.4f %8.3f\n", "id lookup p50 ms", plain.id_p50,
	    enc.id_p50, enc.id_p50 / plain.id_p50);
	printf("%-26s %14.4f %14.4f %8.3f\n", "id lookup p99 ms", plain.id_p99,
	    enc.id_p99, enc.id_p99 / plain.id_p99);
	printf("%-26s %14.4f %14.4f %8.3f\n", "prefix search p50 ms",
	    plain.prefix_p50, enc.prefix_p50, enc.prefix_p50 / plain.prefix_p50);
	printf("%-26s %14.4f %14.4f %8.3f\n", "prefix search p99 ms",
	    plain.prefix_p99, enc.prefix_p99, enc.prefix_p99 / plain.prefix_p99);
	printf("%-26s %14ld %14ld\n", "prefix hits", plain.prefix_hits,
	    enc.prefix_hits);
	printf("%-26s %14.1f %14.1f %8.3f\n", "files MB", plain.bytes / 1e6,
	    enc.bytes / 1e6, (double)enc.bytes / (double)plain.bytes);
	printf("(ratios: encrypted / plain, in time or size)\n");
out:
	if (!keep) {
		remove_stores(dir);
		if (made)
			rmdir(dir);
	}
	return 0;
}
