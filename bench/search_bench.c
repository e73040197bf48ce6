/* search_bench: bulk insert of persons and search latency at ward scale,
 * on a plain SQLite file and on the encrypted store (localdb/cipher.h).
 *
 *     bench/search_bench [-n ROWS] [--plain | --cipher | --both]
 *         [--dir DIR] [--queries Q] [--ids K] [--cache-mb MB]
 *         [--batch ROWS] [--seed S] [--no-defer] [--keep]
 *
 * Names are drawn from the frequencies of Vietnamese family names (Nguyễn
 * about 38%, Trần 12%, Lê 9.5%, ...), middle names by sex (Văn, Thị, ...)
 * and common given names.  Each row goes through what an import does:
 * name_normalise(), name_split(), name_fold(), name_sort_key(), one
 * prepared INSERT into persons, in transactions of --batch rows, with the
 * search index deferred (search_defer() in the first transaction) and
 * rebuilt at the end (search_rebuild()), as a bulk import does.  The
 * insert time covers the name work and the INSERTs; the rebuild is timed
 * apart; "import rows/s" counts both.  --no-defer feeds the index through
 * its triggers row by row instead, as single registrations do.
 *
 * Then, warm (every query run once before the timed run):
 *   prefix  queries as typed: 1 to 3 letters of each word, for the family
 *           name first (1 to all words), the given name alone, or the
 *           family and the given name, e.g. "ng v a", "tr th", "lin";
 *   words   whole words: "nguyen van an", "van an", "an";
 *   id      exact ID number lookups of existing persons;
 * each through search_persons() with limit 50, and prints p50, p99 and
 * max.  Both stores use the same page size (the store's default,
 * CIPHER_DEFAULT_PAGE_SIZE), journal mode (WAL),
 * synchronous level (FULL, the store's default) and page cache
 * (--cache-mb, 512 by default).  "Warm" means the pages are in SQLite's
 * page cache: with a cache smaller than the database, every miss on the
 * encrypted store costs a decryption as well as a read, and the ratio of
 * the two stores grows; a million persons take about 270 MiB. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/name.h"
#include "core/utf8.h"
#include "localdb/cipher.h"
#include "localdb/schema.h"
#include "localdb/search.h"

struct weighted {
	const char *s;
	unsigned w;
};

static const struct weighted families[] = {
	{ "Nguyễn", 384 }, { "Trần", 121 }, { "Lê", 95 }, { "Phạm", 70 },
	{ "Hoàng", 31 }, { "Huỳnh", 20 }, { "Phan", 45 }, { "Vũ", 20 },
	{ "Võ", 19 }, { "Đặng", 21 }, { "Bùi", 20 }, { "Đỗ", 14 },
	{ "Hồ", 13 }, { "Ngô", 13 }, { "Dương", 10 }, { "Lý", 5 },
	{ "Đào", 8 }, { "Đinh", 8 }, { "Trương", 8 }, { "Lâm", 6 },
	{ "Mai", 6 }, { "Trịnh", 6 }, { "Lưu", 5 }, { "Tô", 4 }, { "Tạ", 4 },
	{ "Hà", 5 }, { "Cao", 5 }, { "Lương", 5 }, { "Kiều", 3 },
	{ "Châu", 3 }, { "Thái", 3 }, { "Quách", 2 }, { "Vương", 3 },
	{ "Chu", 3 }, { "Đoàn", 5 }, { "Triệu", 2 }, { "La", 1 },
	{ "Tăng", 1 },
};
static const struct weighted middles_m[] = {
	{ "Văn", 300 }, { "Đức", 80 }, { "Minh", 80 }, { "Hữu", 60 },
	{ "Quang", 60 }, { "Công", 50 }, { "Thanh", 50 }, { "Ngọc", 40 },
	{ "Xuân", 40 }, { "Tuấn", 30 }, { "Hoàng", 30 }, { "Thành", 30 },
	{ "Duy", 30 }, { "Gia", 30 }, { "Trung", 20 }, { "Anh", 20 },
	{ "Bảo", 20 }, { "Đình", 30 }, { "Mạnh", 20 }, { "Quốc", 30 },
	{ "Tiến", 20 }, { "Việt", 20 },
};
static const struct weighted middles_f[] = {
	{ "Thị", 450 }, { "Ngọc", 70 }, { "Thu", 50 }, { "Thanh", 50 },
	{ "Minh", 40 }, { "Kim", 40 }, { "Bảo", 30 }, { "Hồng", 40 },
	{ "Phương", 30 }, { "Thùy", 30 }, { "Mai", 20 }, { "Khánh", 20 },
	{ "Hải", 20 }, { "Diệu", 20 }, { "Bích", 20 }, { "Thúy", 20 },
	{ "Quỳnh", 20 }, { "Hoài", 10 },
};
static const struct weighted givens_m[] = {
	{ "Anh", 60 }, { "Minh", 50 }, { "Hùng", 40 }, { "Dũng", 40 },
	{ "Tuấn", 40 }, { "Nam", 40 }, { "Hải", 30 }, { "Long", 30 },
	{ "Quang", 30 }, { "Sơn", 30 }, { "Thắng", 30 }, { "Hiếu", 30 },
	{ "Trung", 30 }, { "Đức", 30 }, { "Huy", 40 }, { "Cường", 30 },
	{ "Phong", 20 }, { "Khoa", 20 }, { "Bình", 30 }, { "Thành", 30 },
	{ "Tùng", 20 }, { "Việt", 20 }, { "Hưng", 30 }, { "Tâm", 20 },
	{ "Lâm", 20 }, { "Phúc", 20 }, { "An", 20 }, { "Bảo", 20 },
	{ "Đạt", 30 }, { "Khánh", 20 }, { "Kiên", 20 }, { "Lộc", 20 },
	{ "Nghĩa", 20 }, { "Nhân", 20 }, { "Quân", 30 }, { "Tài", 20 },
	{ "Thịnh", 20 }, { "Toàn", 20 }, { "Trí", 20 }, { "Vinh", 20 },
	{ "Vũ", 10 }, { "Hoàng", 20 }, { "Hòa", 10 }, { "Hoà", 10 },
	{ "Thanh", 20 }, { "Tú", 20 }, { "Hậu", 10 }, { "Hiệp", 10 },
	{ "Kiệt", 10 }, { "Luân", 10 }, { "Phát", 10 }, { "Sang", 10 },
	{ "Tiến", 20 }, { "Duy", 20 }, { "Khang", 10 }, { "Nguyên", 20 },
};
static const struct weighted givens_f[] = {
	{ "Anh", 60 }, { "Linh", 50 }, { "Hương", 40 }, { "Trang", 50 },
	{ "Hà", 40 }, { "Lan", 30 }, { "Mai", 30 }, { "Ngọc", 30 },
	{ "Thảo", 40 }, { "Hằng", 30 }, { "Hoa", 30 }, { "Huyền", 30 },
	{ "Nhung", 20 }, { "Phương", 30 }, { "Thu", 20 }, { "Thủy", 20 },
	{ "Thùy", 10 }, { "Yến", 30 }, { "Vy", 20 }, { "Nhi", 30 },
	{ "Hạnh", 20 }, { "Chi", 20 }, { "Dung", 20 }, { "Giang", 20 },
	{ "Hiền", 20 }, { "Hồng", 20 }, { "Loan", 20 }, { "Ly", 20 },
	{ "My", 20 }, { "Nga", 20 }, { "Oanh", 20 }, { "Quyên", 10 },
	{ "Tâm", 20 }, { "Thanh", 20 }, { "Thúy", 20 }, { "Trinh", 20 },
	{ "Uyên", 20 }, { "Vân", 20 }, { "Xuân", 10 }, { "Hòa", 10 },
	{ "Hoà", 10 }, { "An", 10 }, { "Bích", 10 }, { "Châu", 10 },
	{ "Diệp", 10 }, { "Hân", 20 }, { "Khánh", 20 }, { "Lụa", 10 },
	{ "Mơ", 10 }, { "Ngân", 20 }, { "Nhàn", 10 }, { "Như", 20 },
	{ "Quỳnh", 30 }, { "Tuyết", 10 }, { "Trâm", 20 }, { "Tiên", 10 },
	{ "Diễm", 10 }, { "Kim", 10 },
};
static const char *const provinces[] = { "001", "002", "004", "008",
    "010", "014", "019", "022", "024", "025", "026", "027", "030", "031",
    "033", "034", "035", "036", "037", "038", "040", "042", "044", "045",
    "046", "048", "049", "051", "052", "054", "056", "058", "060", "062",
    "064", "066", "067", "068", "070", "072", "074", "075", "077", "079",
    "080", "082", "083", "084", "086", "087", "089", "091", "092", "093",
    "094", "095", "096" };

#define N_OF(a) (sizeof (a) / sizeof (a)[0])

struct table {
	const struct weighted *w;
	size_t n;
	unsigned total;
};

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* xorshift64*: fast, and the same names for the same seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static unsigned
rng_below(unsigned n)
{
	return (unsigned)((rng() >> 11) % n);
}

static struct table
table_of(const struct weighted *w, size_t n)
{
	struct table t = { w, n, 0 };
	size_t i;

	for (i = 0; i < n; i++)
		t.total += w[i].w;
	return t;
}

static const char *
pick(const struct table *t)
{
	unsigned r = rng_below(t->total);
	size_t i;

	for (i = 0; i + 1 < t->n && r >= t->w[i].w; i++)
		r -= t->w[i].w;
	return t->w[i].s;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: on a machine shared with other work, wall time
 * measures the scheduler as much as the code. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct opts {
	size_t rows, queries, ids, batch;
	int cache_mb, defer, keep, plain, cipher;
	const char *dir;
	uint64_t seed;
};

/* What one run measured. */
struct figures {
	double insert_s, rebuild_s, rows_per_s, import_per_s;
	double insert_cpu_s, rebuild_cpu_s;
	double size_mib;
	double prefix[3], words[3], id[3];  /* p50, p99, max in ms */
	double prefix_cpu[3], words_cpu[3], id_cpu[3];  /* the same, CPU */
	double results_avg;                 /* prefix queries */
};

/* The generated ward: folded names and ID numbers, for the queries. */
struct ward {
	char *folded;      /* rows * FOLD_SLOT */
	char *idnum;       /* rows * 13 */
};
#define FOLD_SLOT 48

static int
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "search_bench: %s: %s\n", sql, msg);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
open_db(const char *path, int cipher, int cache_mb, sqlite3 **db)
{
	struct cutru_err e;
	char sql[256];

	*db = NULL;
	if (cipher) {
		unsigned char key[CIPHER_KEY_BYTES], id[CIPHER_STORE_ID_BYTES];
		struct cipher_open_opts o = { .journal_mode = "wal",
		    .synchronous = "full" };

		randombytes_buf(key, sizeof key);
		randombytes_buf(id, sizeof id);
		if (cipher_vfs_register(&e) != CUTRU_OK ||
		    cipher_key_attach(path, key, id, &e) != CUTRU_OK ||
		    cipher_db_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
		    &o, db, &e) != CUTRU_OK) {
			fprintf(stderr, "search_bench: %s: %s\n", path, e.msg);
			sodium_memzero(key, sizeof key);
			return -1;
		}
		sodium_memzero(key, sizeof key);
	} else {
		if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
			fprintf(stderr, "search_bench: %s: %s\n", path,
			    sqlite3_errmsg(*db));
			return -1;
		}
		snprintf(sql, sizeof sql, "PRAGMA page_size = %d;"
		    " PRAGMA journal_mode = wal; PRAGMA synchronous = full;"
		    " PRAGMA temp_store = memory; PRAGMA mmap_size = 0",
		    CIPHER_DEFAULT_PAGE_SIZE);
		if (exec(*db, sql) != 0)
			return -1;
	}
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", cache_mb * 1024);
	return exec(*db, sql);
}

static void
remove_db(const char *path)
{
	char p[4200];

	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-journal", path);
	unlink(p);
}

/* Generate and insert opt->rows persons, as an import would. */
static int
insert_all(sqlite3 *db, const struct opts *o, struct ward *w,
    struct figures *fg)
{
	static const char sql[] =
	    "INSERT INTO persons (id_number, name, family, middle, given,"
	    " folded, sort_key, sex, dob, birth_year)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	struct table fam = table_of(families, N_OF(families));
	struct table mm = table_of(middles_m, N_OF(middles_m));
	struct table mf = table_of(middles_f, N_OF(middles_f));
	struct table gm = table_of(givens_m, N_OF(givens_m));
	struct table gf = table_of(givens_f, N_OF(givens_f));
	char typed[256], name[NAME_BUF_SIZE], folded[NAME_BUF_SIZE], dob[11];
	char idn[13];
	uint8_t key[NAME_SORT_KEY_SIZE];
	size_t i, nlen, flen, klen;
	struct name_parts p;
	struct cutru_err e;
	sqlite3_stmt *st = NULL;
	double t0, c0;
	int female, year, month, day, src, tries;
	const struct table *mid;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "search_bench: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	t0 = now_s();
	c0 = cpu_s();
	for (i = 0; i < o->rows; i++) {
		if (i % o->batch == 0 && exec(db, "BEGIN") != 0)
			goto fail;
		if (i == 0 && o->defer && search_defer(db, &e) != CUTRU_OK) {
			fprintf(stderr, "search_bench: %s\n", e.msg);
			goto fail;
		}
		female = rng_below(2);
		mid = female ? &mf : &mm;
		switch (rng_below(100)) {
		case 0: case 1: case 2:      /* no middle name */
			snprintf(typed, sizeof typed, "%s %s", pick(&fam),
			    pick(female ? &gf : &gm));
			break;
		case 3: case 4: case 5: case 6: case 7: case 8: case 9:
		case 10: case 11: case 12:   /* two middle names */
			snprintf(typed, sizeof typed, "%s %s %s %s", pick(&fam),
			    pick(mid), pick(mid), pick(female ? &gf : &gm));
			break;
		default:
			snprintf(typed, sizeof typed, "%s %s %s", pick(&fam),
			    pick(mid), pick(female ? &gf : &gm));
		}
		year = 1930 + (int)rng_below(95);
		month = 1 + (int)rng_below(12);
		day = 1 + (int)rng_below(28);
		if (rng_below(20) == 0)
			snprintf(dob, sizeof dob, "%04d", year);
		else
			snprintf(dob, sizeof dob, "%04d-%02d-%02d", year, month, day);

		if (name_normalise(typed, UTF8_NTS, name, sizeof name, &nlen, &e) != CUTRU_OK ||
		    name_fold(name, nlen, folded, sizeof folded, &flen, &e) != CUTRU_OK ||
		    name_sort_key(name, nlen, key, sizeof key, &klen, &e) != CUTRU_OK) {
			fprintf(stderr, "search_bench: %s: %s\n", typed, e.msg);
			goto fail;
		}
		name_split(name, nlen, &p);
		for (tries = 0;; tries++) {
			/* province, century/sex digit, year, 6 digits; the
			 * row number keeps them apart, a clash is redrawn. */
			snprintf(idn, sizeof idn, "%s%d%02d%06zu",
			    provinces[rng_below(N_OF(provinces))],
			    (year >= 2000 ? 2 : 0) + female, year % 100,
			    (i + (size_t)tries * 7919) % 1000000);
			sqlite3_reset(st);
			sqlite3_bind_text(st, 1, idn, 12, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, name, (int)nlen, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, name + p.family.off, (int)p.family.len, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, name + p.middle.off, (int)p.middle.len, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, name + p.given.off, (int)p.given.len, SQLITE_STATIC);
			sqlite3_bind_text(st, 6, folded, (int)flen, SQLITE_STATIC);
			sqlite3_bind_blob(st, 7, key, (int)klen, SQLITE_STATIC);
			sqlite3_bind_int(st, 8, female ? 2 : 1);
			sqlite3_bind_text(st, 9, dob, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 10, year);
			src = sqlite3_step(st);
			if (src == SQLITE_DONE)
				break;
			if (src != SQLITE_CONSTRAINT || tries > 100) {
				fprintf(stderr, "search_bench: insert: %s\n",
				    sqlite3_errmsg(db));
				goto fail;
			}
		}
		if (w != NULL) {
			/* The generated names are far shorter than a slot. */
			size_t l = flen < FOLD_SLOT - 1 ? flen : FOLD_SLOT - 1;

			memcpy(w->folded + i * FOLD_SLOT, folded, l);
			w->folded[i * FOLD_SLOT + l] = '\0';
			memcpy(w->idnum + i * 13, idn, 13);
		}
		if ((i + 1) % o->batch == 0 || i + 1 == o->rows)
			if (exec(db, "COMMIT") != 0)
				goto fail;
	}
	fg->insert_s = now_s() - t0;
	fg->insert_cpu_s = cpu_s() - c0;
	fg->rows_per_s = (double)o->rows / fg->insert_s;
	sqlite3_finalize(st);
	return 0;
fail:
	sqlite3_finalize(st);
	return -1;
}

/* Query i of the prefix kind: 1 to 3 letters of each word typed. */
static void
prefix_query(const char *folded, char *q, size_t size)
{
	const char *words[NAME_MAX_WORDS];
	size_t lens[NAME_MAX_WORDS], nw = 0, i, o = 0, k, from, l;
	const char *s = folded;
	unsigned style = rng_below(10);

	while (*s != '\0' && nw < NAME_MAX_WORDS) {
		while (*s == ' ')
			s++;
		words[nw] = s;
		while (*s != '\0' && *s != ' ')
			s++;
		lens[nw] = (size_t)(s - words[nw]);
		nw++;
	}
	q[0] = '\0';
	if (nw == 0)
		return;
	from = 0;
	if (style < 7) {             /* family name first, 1..all words */
		k = 1 + rng_below((unsigned)nw);
	} else if (style < 9) {      /* the given name alone */
		from = nw - 1;
		k = nw;
	} else {                     /* family and given */
		k = nw;
	}
	for (i = from; i < k; i++) {
		if (style == 9 && i > 0 && i < nw - 1)
			continue;
		l = 1 + rng_below(3);
		if (l > lens[i])
			l = lens[i];
		if (o + l + 2 >= size)
			break;
		if (o > 0)
			q[o++] = ' ';
		memcpy(q + o, words[i], l);
		o += l;
		q[o] = '\0';
	}
}

/* Whole words: the full name, middle and given, or the given name. */
static void
words_query(const char *folded, char *q, size_t size)
{
	const char *sp;

	switch (rng_below(3)) {
	case 0:
		snprintf(q, size, "%s", folded);
		break;
	case 1:
		sp = strchr(folded, ' ');
		snprintf(q, size, "%s", sp != NULL ? sp + 1 : folded);
		break;
	default:
		sp = strrchr(folded, ' ');
		snprintf(q, size, "%s", sp != NULL ? sp + 1 : folded);
	}
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
percentiles(double *t, size_t n, double out[3])
{
	qsort(t, n, sizeof *t, dbl_cmp);
	out[0] = n > 0 ? t[n / 2] : 0;
	out[1] = n > 0 ? t[(size_t)((double)n * 0.99)] : 0;
	out[2] = n > 0 ? t[n - 1] : 0;
}

/* Run queries q[0..n) twice (warm-up, then timed); p50/p99/max in ms of
 * wall time into out, of CPU time into cpu. */
static int
time_queries(sqlite3 *db, char **q, size_t n, double out[3], double cpu[3],
    double *avg)
{
	struct search_result *r = malloc(50 * sizeof *r);
	double *t = malloc((n > 0 ? n : 1) * sizeof *t), t0, c0, total = 0;
	double *c = malloc((n > 0 ? n : 1) * sizeof *c);
	struct cutru_err e;
	size_t i, got;
	int pass;

	if (r == NULL || t == NULL || c == NULL) {
		free(r);
		free(t);
		free(c);
		return -1;
	}
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++) {
			t0 = now_s();
			c0 = cpu_s();
			if (search_persons(db, q[i], NULL, 50, r, &got, &e) != CUTRU_OK) {
				fprintf(stderr, "search_bench: \"%s\": %s\n", q[i], e.msg);
				free(r);
				free(t);
				free(c);
				return -1;
			}
			t[i] = (now_s() - t0) * 1000.0;
			c[i] = (cpu_s() - c0) * 1000.0;
			if (pass == 1)
				total += (double)got;
		}
	percentiles(t, n, out);
	percentiles(c, n, cpu);
	if (avg != NULL)
		*avg = n > 0 ? total / (double)n : 0;
	free(r);
	free(t);
	free(c);
	return 0;
}

static void
free_queries(char **q, size_t n)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < n; i++)
		free(q[i]);
	free(q);
}

static char **
make_queries(const struct ward *w, size_t rows, size_t n, int kind)
{
	char **q = calloc(n > 0 ? n : 1, sizeof *q);
	size_t i;

	if (q == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *f = w->folded + (size_t)(rng() % rows) * FOLD_SLOT;

		q[i] = malloc(FOLD_SLOT + 1);
		if (q[i] == NULL) {
			free_queries(q, i);
			return NULL;
		}
		if (kind == 0)
			prefix_query(f, q[i], FOLD_SLOT + 1);
		else if (kind == 1)
			words_query(f, q[i], FOLD_SLOT + 1);
		else
			memcpy(q[i], w->idnum + (size_t)(rng() % rows) * 13, 13);
	}
	return q;
}

static int
run(const struct opts *o, int cipher, struct figures *fg)
{
	char path[4096], **pq = NULL, **wq = NULL, **iq = NULL;
	struct ward w = { NULL, NULL };
	struct cutru_err e;
	sqlite3 *db = NULL;
	double t0, c0;
	int rc = -1;
	sqlite3_int64 psize = 0;
	sqlite3_stmt *st;

	memset(fg, 0, sizeof *fg);
	snprintf(path, sizeof path, "%s/search_bench_%s.db", o->dir,
	    cipher ? "cipher" : "plain");
	remove_db(path);
	if (open_db(path, cipher, o->cache_mb, &db) != 0)
		goto done;
	if (schema_migrate(db, &e) != CUTRU_OK) {
		fprintf(stderr, "search_bench: %s\n", e.msg);
		goto done;
	}
	w.folded = malloc(o->rows * FOLD_SLOT);
	w.idnum = malloc(o->rows * 13);
	if (w.folded == NULL || w.idnum == NULL)
		goto done;
	rng_state = o->seed;
	fprintf(stderr, "search_bench: %s: inserting %zu persons...\n",
	    cipher ? "cipher" : "plain", o->rows);
	if (insert_all(db, o, &w, fg) != 0)
		goto done;
	if (o->defer) {
		t0 = now_s();
		c0 = cpu_s();
		if (search_rebuild(db, &e) != CUTRU_OK) {
			fprintf(stderr, "search_bench: %s\n", e.msg);
			goto done;
		}
		fg->rebuild_s = now_s() - t0;
		fg->rebuild_cpu_s = cpu_s() - c0;
	}
	fg->import_per_s = (double)o->rows / (fg->insert_s + fg->rebuild_s);
	if (exec(db, "PRAGMA wal_checkpoint(TRUNCATE)") != 0)
		goto done;
	if (sqlite3_prepare_v2(db, "SELECT page_count * page_size FROM"
	    " pragma_page_count, pragma_page_size", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			psize = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	fg->size_mib = (double)psize / (1024.0 * 1024.0);

	/* The same queries on both stores. */
	rng_state = o->seed ^ UINT64_C(0x9e3779b97f4a7c15);
	pq = make_queries(&w, o->rows, o->queries, 0);
	wq = make_queries(&w, o->rows, o->queries / 3, 1);
	iq = make_queries(&w, o->rows, o->ids, 2);
	if (pq == NULL || wq == NULL || iq == NULL)
		goto done;
	fprintf(stderr, "search_bench: %s: searching...\n",
	    cipher ? "cipher" : "plain");
	if (time_queries(db, pq, o->queries, fg->prefix, fg->prefix_cpu,
	    &fg->results_avg) != 0 ||
	    time_queries(db, wq, o->queries / 3, fg->words, fg->words_cpu,
	    NULL) != 0 ||
	    time_queries(db, iq, o->ids, fg->id, fg->id_cpu, NULL) != 0)
		goto done;
	rc = 0;
done:
	free_queries(pq, o->queries);
	free_queries(wq, o->queries / 3);
	free_queries(iq, o->ids);
	free(w.folded);
	free(w.idnum);
	sqlite3_close(db);
	if (cipher)
		cipher_key_detach(path);
	if (!o->keep)
		remove_db(path);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: search_bench [-n ROWS] [--plain | --cipher | --both] [--dir DIR]\n"
	    "           [--queries Q] [--ids K] [--cache-mb MB] [--batch ROWS]\n"
	    "           [--seed S] [--no-defer] [--keep]\n");
}

static int
arg_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 100000000)
		return -1;
	*out = (size_t)v;
	return 0;
}

static void
row(const char *label, int prec, double a, double b, int both, int plain)
{
	char x[32], y[32];

	snprintf(x, sizeof x, "%.*f", prec, a);
	snprintf(y, sizeof y, "%.*f", prec, b);
	if (both)
		printf("%-22s %12s %12s %8.2f\n", label, x, y, a > 0 ? b / a : 0);
	else
		printf("%-22s %12s\n", label, plain ? x : y);
}

int
main(int argc, char **argv)
{
	struct opts o = { .rows = 1000000, .queries = 3000, .ids = 3000,
	    .batch = 50000, .cache_mb = 512, .defer = 1, .plain = 1,
	    .dir = ".", .seed = 20250701 };
	struct figures fp, fc;
	size_t v;
	int i, both;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--plain") == 0) {
			o.plain = 1;
			o.cipher = 0;
		} else if (strcmp(a, "--cipher") == 0) {
			o.plain = 0;
			o.cipher = 1;
		} else if (strcmp(a, "--both") == 0) {
			o.plain = o.cipher = 1;
		} else if (strcmp(a, "--no-defer") == 0) {
			o.defer = 0;
		} else if (strcmp(a, "--keep") == 0) {
			o.keep = 1;
		} else if (next != NULL && strcmp(a, "--dir") == 0) {
			o.dir = next;
			i++;
		} else if (next != NULL && (strcmp(a, "-n") == 0 ||
		    strcmp(a, "--queries") == 0 || strcmp(a, "--ids") == 0 ||
		    strcmp(a, "--cache-mb") == 0 || strcmp(a, "--batch") == 0 ||
		    strcmp(a, "--seed") == 0)) {
			if (arg_size(next, &v) != 0) {
				usage();
				return 2;
			}
			if (strcmp(a, "-n") == 0)
				o.rows = v;
			else if (strcmp(a, "--queries") == 0)
				o.queries = v;
			else if (strcmp(a, "--ids") == 0)
				o.ids = v;
			else if (strcmp(a, "--cache-mb") == 0)
				o.cache_mb = v > 65536 ? 65536 : (int)v;
			else if (strcmp(a, "--batch") == 0)
				o.batch = v;
			else
				o.seed = v;
			i++;
		} else {
			usage();
			return 2;
		}
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "search_bench: libsodium failed to initialise\n");
		return 1;
	}
	both = o.plain && o.cipher;
	if (o.plain && run(&o, 0, &fp) != 0)
		return 1;
	if (o.cipher && run(&o, 1, &fc) != 0)
		return 1;
	if (!o.plain)
		memset(&fp, 0, sizeof fp);
	if (!o.cipher)
		memset(&fc, 0, sizeof fc);

	printf("search_bench: %zu persons, %s, %zu prefix + %zu word queries,"
	    " %zu ID lookups, limit 50, cache %d MiB, SQLite %s\n", o.rows,
	    o.defer ? "index deferred and rebuilt" : "index fed by triggers",
	    o.queries, o.queries / 3, o.ids, o.cache_mb, sqlite3_libversion());
	if (both)
		printf("%-22s %12s %12s %8s\n", "", "plain", "cipher", "ratio");
	else
		printf("%-22s %12s\n", "", o.plain ? "plain" : "cipher");
	row("insert rows/s", 0, fp.rows_per_s, fc.rows_per_s, both, o.plain);
	row("insert s", 2, fp.insert_s, fc.insert_s, both, o.plain);
	row("insert cpu s", 2, fp.insert_cpu_s, fc.insert_cpu_s, both, o.plain);
	row("index rebuild s", 2, fp.rebuild_s, fc.rebuild_s, both, o.plain);
	row("index rebuild cpu s", 2, fp.rebuild_cpu_s, fc.rebuild_cpu_s, both, o.plain);
	row("import rows/s", 0, fp.import_per_s, fc.import_per_s, both, o.plain);
	row("database MiB", 1, fp.size_mib, fc.size_mib, both, o.plain);
	row("prefix p50 ms", 3, fp.prefix[0], fc.prefix[0], both, o.plain);
	row("prefix p99 ms", 3, fp.prefix[1], fc.prefix[1], both, o.plain);
	row("prefix max ms", 3, fp.prefix[2], fc.prefix[2], both, o.plain);
	row("prefix p50 cpu ms", 3, fp.prefix_cpu[0], fc.prefix_cpu[0], both, o.plain);
	row("prefix p99 cpu ms", 3, fp.prefix_cpu[1], fc.prefix_cpu[1], both, o.plain);
	row("prefix results avg", 1, fp.results_avg, fc.results_avg, both, o.plain);
	row("words p50 ms", 3, fp.words[0], fc.words[0], both, o.plain);
	row("words p99 ms", 3, fp.words[1], fc.words[1], both, o.plain);
	row("words max ms", 3, fp.words[2], fc.words[2], both, o.plain);
	row("words p99 cpu ms", 3, fp.words_cpu[1], fc.words_cpu[1], both, o.plain);
	row("id p50 ms", 4, fp.id[0], fc.id[0], both, o.plain);
	row("id p99 ms", 4, fp.id[1], fc.id[1], both, o.plain);
	row("id max ms", 4, fp.id[2], fc.id[2], both, o.plain);
	row("id p50 cpu ms", 4, fp.id_cpu[0], fc.id_cpu[0], both, o.plain);
	row("id p99 cpu ms", 4, fp.id_cpu[1], fc.id_cpu[1], both, o.plain);
	return 0;
}
