#include "config.h"

/* import_bench: bulk import of legacy household books (localdb/import.c)
 * into the encrypted store and into a plain SQLite store, in one run.
 *
 * 1. Generates N persons (default 1,000,000) living in households as a
 *    CSV in the import format: Vietnamese names drawn with realistic
 *    frequencies (Nguyễn about 38 %, Trần 11 %, Lê 9.5 %, ...), a middle
 *    name by sex (sometimes two), a given name by sex; households of 1 to
 *    7 persons (mean about 3.6) with a head, a spouse, children and now
 *    and then a parent, ID numbers whose century/sex digit and year agree
 *    with the person, partial dates of birth as legacy books have them
 *    (10 % year only, 5 % month and year), a permanent residence for every
 *    member and, for 5 % of the rows, persons without a household on a
 *    temporary residence.  Households are in the file in order, rows of a
 *    household together.
 * 2. Imports the file with import_csv() (all or nothing, the default)
 *    into
 *      encrypted  a store made by store_create() (page cipher, WAL,
 *                 synchronous full: the store's defaults);
 *      plain      a SQLite file opened without the cipher, with the same
 *                 journal mode, synchronous level, page size, temp_store
 *                 and mmap_size,
 *    both with the register's schema, and prints persons per second for
 *    each and the encrypted/plain ratio of the times.
 * The time counted is that of import_csv() alone (reading and checking
 * the file, applying and journalling, the commit), not the generation.
 *
 * Usage: import_bench [-n persons] [-d dir] [-k] [-o plain|encrypted]
 *                     [-s seed]
 *   -k keeps the stores and the CSV (the directory is printed); -o runs
 *   one side only (for profiling) and prints no ratio. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "core/err.h"
#include "core/idnum.h"
#include "localdb/cipher.h"
#include "localdb/import.h"
#include "localdb/keyring.h"
#include "localdb/schema.h"
#include "localdb/store.h"

/* ---- A small deterministic generator (xorshift64*) ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static unsigned
rng_below(unsigned n)
{
	return (unsigned)(rng() % n);
}

/* ---- Names ---- */

struct weighted {
	const char *s;
	unsigned w;     /* per 10,000 */
};

/* Family names, with their approximate shares of the population. */
static const struct weighted family[] = {
	{ "Nguyễn", 3840 }, { "Trần", 1100 }, { "Lê", 950 },
	{ "Phạm", 700 }, { "Hoàng", 330 }, { "Huỳnh", 180 },
	{ "Phan", 450 }, { "Vũ", 200 }, { "Võ", 190 }, { "Đặng", 210 },
	{ "Bùi", 200 }, { "Đỗ", 140 }, { "Hồ", 130 }, { "Ngô", 130 },
	{ "Dương", 100 }, { "Lý", 50 }, { "Đinh", 90 }, { "Trương", 80 },
	{ "Lâm", 60 }, { "Mai", 50 }, { "Trịnh", 60 }, { "Đoàn", 60 },
	{ "Lương", 50 }, { "Cao", 40 }, { "Tạ", 30 }, { "Hà", 40 },
	{ "Tô", 20 }, { "Chu", 20 }, { "Quách", 10 }, { "La", 10 },
	{ "Thái", 20 }, { "Kiều", 10 }, { "Châu", 10 }, { "Lưu", 20 },
};

static const struct weighted middle_m[] = {
	{ "Văn", 3500 }, { "Hữu", 800 }, { "Đức", 900 }, { "Minh", 1200 },
	{ "Quang", 700 }, { "Thành", 600 }, { "Công", 500 }, { "Xuân", 300 },
	{ "Ngọc", 300 }, { "Hoàng", 300 }, { "Trọng", 300 }, { "Đình", 400 },
	{ "Gia", 200 },
};

static const struct weighted middle_f[] = {
	{ "Thị", 5000 }, { "Ngọc", 900 }, { "Thu", 700 }, { "Thanh", 800 },
	{ "Phương", 500 }, { "Mỹ", 400 }, { "Kim", 500 }, { "Hồng", 500 },
	{ "Bảo", 300 }, { "Khánh", 200 }, { "Minh", 200 },
};

static const char *const given_m[] = {
	"An", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hiếu", "Hoàng",
	"Hùng", "Huy", "Khánh", "Khoa", "Long", "Minh", "Nam", "Nghĩa",
	"Phong", "Phúc", "Quang", "Quân", "Sơn", "Tài", "Thắng", "Thành",
	"Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Bảo", "Đạt",
	"Kiên", "Lộc", "Tiến", "Trí",
};

static const char *const given_f[] = {
	"Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
	"Hương", "Hồng", "Huyền", "Lan", "Linh", "Loan", "Mai", "My", "Nga",
	"Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm", "Thảo",
	"Thu", "Thủy", "Trang", "Vân", "Yến", "Uyên", "Trâm", "Diệp",
};

static const char *const streets[] = {
	"Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng",
	"Lý Thường Kiệt", "Điện Biên Phủ", "Phan Đình Phùng", "Quang Trung",
	"Nguyễn Trãi", "Bà Triệu", "Hàng Bài", "Đinh Tiên Hoàng",
};

static const char *
pick(const struct weighted *w, size_t n)
{
	unsigned total = 0, x;
	size_t i;

	for (i = 0; i < n; i++)
		total += w[i].w;
	x = rng_below(total);
	for (i = 0; i < n; i++) {
		if (x < w[i].w)
			return w[i].s;
		x -= w[i].w;
	}
	return w[0].s;
}

#define PICK(a) pick((a), sizeof (a) / sizeof (a)[0])
#define ANY(a) ((a)[rng_below(sizeof (a) / sizeof (a)[0])])

static void
make_name(char *buf, size_t size, const char *fam, int male)
{
	const char *mid = male ? PICK(middle_m) : PICK(middle_f);
	const char *giv = male ? ANY(given_m) : ANY(given_f);

	if (rng_below(100) < 15)     /* a second middle name */
		snprintf(buf, size, "%s %s %s %s", fam, mid,
		    male ? PICK(middle_m) : PICK(middle_f), giv);
	else
		snprintf(buf, size, "%s %s %s", fam, mid, giv);
}

/* ---- Persons ---- */


static unsigned long person_seq;

/* One row: a person of the given sex born in the given year range. */
static void
write_person(FILE *f, const char *hh, const char *rel, const char *fam,
    int male, int y0, int y1, const char *commune, const char *addr,
    const char *kind, const char *from, const char *to)
{
	char name[256], dob[40], id[40];
	int year = y0 + (int)rng_below((unsigned)(y1 - y0 + 1));
	int month = 1 + (int)rng_below(12), day = 1 + (int)rng_below(28);
	unsigned p = rng_below(100);
	unsigned long seq = person_seq++;
	size_t np = idnum_province_count();
	int prov = idnum_province_at((seq / 1000000 + rng_below(
	    (unsigned)np)) % np)->code;

	make_name(name, sizeof name, fam, male);
	if (p < 10)
		snprintf(dob, sizeof dob, "%d", year);
	else if (p < 15)
		snprintf(dob, sizeof dob, "%02d/%d", month, year);
	else
		snprintf(dob, sizeof dob, "%02d/%02d/%d", day, month, year);
	/* Six digits unique across the file: seq times a number prime to
	 * 10^6. */
	snprintf(id, sizeof id, "%03d%d%02d%06lu", prov,
	    (year >= 2000 ? 2 : 0) + (male ? 0 : 1), year % 100,
	    (seq * 7919ul) % 1000000ul);
	fprintf(f, "%s,%s,%s,%s,%s,%s,,%s,\"%s\",%s,%s,%s\r\n", hh, rel,
	    name, dob, male ? "Nam" : "Nữ", id, commune, addr, kind, from,
	    to);
}

static const char *const communes[] = { "00004", "00007", "00008",
	"00010", "26734", "26737" };

/* Write n persons; returns the number of rows written. */
static unsigned long
generate(FILE *f, unsigned long n)
{
	static const unsigned sizes[] = { 1000, 1800, 2200, 2500, 1400, 700,
		400 };
	char hh[32], addr[128], from[16];
	unsigned long hno = 0, rows = 0;

	fputs("household_number,relationship,name,dob,sex,id_number,cmnd,"
	    "commune,address,residence_kind,from,to\r\n", f);
	while (person_seq < n) {
		const char *fam = PICK(family), *commune = ANY(communes);
		unsigned x = rng_below(10000), size = 1, k;
		int male_head = rng_below(100) < 80;
		int y = 1945 + (int)rng_below(50);

		if (rng_below(100) < 5) {
			/* A lodger on a temporary residence. */
			snprintf(addr, sizeof addr, "Phòng %u, số %u %s",
			    1 + rng_below(20), 1 + rng_below(300), ANY(streets));
			snprintf(from, sizeof from, "%02u/%02u/2026",
			    1 + rng_below(28), 1 + rng_below(9));
			write_person(f, "", "", fam, rng_below(2), 1970, 2005,
			    commune, addr, "tạm trú", from, "01/10/2027");
			rows++;
			continue;
		}
		for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
			if (x < sizes[k]) {
				size = k + 1;
				break;
			}
			x -= sizes[k];
		}
		snprintf(hh, sizeof hh, "HK%s%07lu", commune, ++hno);
		if (rng_below(2))
			snprintf(addr, sizeof addr, "Số %u, ngõ %u, %s",
			    1 + rng_below(300), 1 + rng_below(80), ANY(streets));
		else
			snprintf(addr, sizeof addr, "Tổ %u, thôn %s",
			    1 + rng_below(30), ANY(streets));
		snprintf(from, sizeof from, "%02u/%02u/%u", 1 + rng_below(28),
		    1 + rng_below(12), 1990 + rng_below(35));
		write_person(f, hh, "chủ hộ", fam, male_head, y, y,
		    commune, addr, "thường trú", from, "");
		rows++;
		for (k = 1; k < size && person_seq < n; k++, rows++) {
			if (k == 1 && size > 2)
				write_person(f, hh, male_head ? "vợ" : "chồng",
				    male_head ? PICK(family) : fam, !male_head,
				    y - 3, y + 5, commune, addr, "thường trú",
				    from, "");
			else if (k == size - 1 && size >= 6)
				write_person(f, hh, "mẹ", PICK(family), 0,
				    y - 35, y - 18, commune, addr, "thường trú",
				    from, "");
			else
				write_person(f, hh, "con", fam, rng_below(2),
				    y + 20 > 2024 ? 2024 : y + 20,
				    y + 40 > 2024 ? 2024 : y + 40, commune, addr,
				    "thường trú", from, "");
		}
	}
	return rows;
}

/* ---- Stores ---- */

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* dir + "/" + name into buf; 1 if it does not fit. */
static int
join(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "import_bench: path too long: %s\n", dir);
		return 1;
	}
	return 0;
}

static void
rmtree(const char *dir)
{
	char path[4096];
	struct dirent *d;
	struct stat sb;
	DIR *dp = opendir(dir);

	if (dp == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (join(path, sizeof path, dir, d->d_name))
			continue;
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			rmtree(path);
		else
			unlink(path);
	}
	closedir(dp);
	rmdir(dir);
}

static long long
dir_bytes(const char *dir)
{
	char path[4096];
	struct dirent *d;
	struct stat sb;
	long long n = 0;
	DIR *dp = opendir(dir);

	if (dp == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL) {
		if (join(path, sizeof path, dir, d->d_name))
			continue;
		if (d->d_name[0] != '.' && lstat(path, &sb) == 0 &&
		    S_ISREG(sb.st_mode))
			n += (long long)sb.st_size;
	}
	closedir(dp);
	return n;
}

struct side {
	const char *name;
	double secs;
	size_t persons;
	long long bytes;
};

static int
run_import(sqlite3 *db, const char *csv, struct side *s)
{
	struct import_opts o;
	struct import_report r;
	struct cutru_err e;
	double t0;
	FILE *in;
	int rc;

	memset(&o, 0, sizeof o);
	o.mode = IMPORT_ALL_OR_NOTHING;
	o.today.year = 2026;
	o.today.month = 11;
	o.today.day = 27;
	o.today.prec = CUTRU_DATE_DAY;
	o.at = "2026-11-27T03:00:00Z";
	o.actor = "bench";
	memset(&r, 0, sizeof r);
	if ((in = fopen(csv, "rb")) == NULL) {
		perror(csv);
		return 1;
	}
	t0 = now();
	rc = import_csv(db, in, &o, &r, &e);
	s->secs = now() - t0;
	fclose(in);
	s->persons = r.persons_added;
	if (rc != CUTRU_OK) {
		fprintf(stderr, "%s: import failed: %s\n", s->name, e.msg);
		if (r.n_errors > 0)
			fprintf(stderr, "  first error, line %lu (%s): %s\n",
			    r.errors[0].line, r.errors[0].field,
			    r.errors[0].msg);
	}
	import_report_free(&r);
	return rc != CUTRU_OK;
}

static int
run_encrypted(const char *dir, const char *csv, struct side *s)
{
	static const char pass[] = "import bench passphrase";
	char code[KEYRING_RECOVERY_CODE_SIZE], path[4096];
	struct keyring_kdf kdf;
	struct store *st = NULL;
	struct cutru_err e;
	int rc;

	if (join(path, sizeof path, dir, "encrypted"))
		return 1;
	keyring_kdf_min(&kdf);
	if (store_create(path, "bench", pass, &kdf, code, &st, &e) !=
	    CUTRU_OK || schema_migrate(store_db(st), &e) != CUTRU_OK) {
		fprintf(stderr, "encrypted store: %s\n", e.msg);
		store_close(st);
		return 1;
	}
	rc = run_import(store_db(st), csv, s);
	store_close(st);
	s->bytes = dir_bytes(path);
	return rc;
}

static int
run_plain(const char *dir, const char *csv, struct side *s)
{
	char path[4096];
	struct cutru_err e;
	sqlite3 *db = NULL;
	int rc;

	if (join(path, sizeof path, dir, "plain"))
		return 1;
	if (mkdir(path, 0700) != 0) {
		perror(path);
		return 1;
	}
	if (join(path, sizeof path, dir, "plain/cutru.db"))
		return 1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA page_size = 4096;"
	    " PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	    " PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0", NULL, NULL,
	    NULL) != SQLITE_OK || schema_migrate(db, &e) != CUTRU_OK) {
		fprintf(stderr, "plain store: %s\n", sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	rc = run_import(db, csv, s);
	sqlite3_close(db);
	if (join(path, sizeof path, dir, "plain"))
		return 1;
	s->bytes = dir_bytes(path);
	return rc;
}

int
main(int argc, char **argv)
{
	struct side enc = { "encrypted", 0, 0, 0 }, plain = { "plain", 0, 0, 0 };
	unsigned long n = 1000000, rows;
	const char *base = NULL, *only = NULL;
	char dir[4096], csv[4096];
	struct cutru_err e;
	int opt, keep = 0, rc = 0;
	double t0;
	FILE *f;

	while ((opt = getopt(argc, argv, "n:d:ko:s:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			base = optarg;
			break;
		case 'k':
			keep = 1;
			break;
		case 'o':
			only = optarg;
			break;
		case 's':
			rng_state = strtoull(optarg, NULL, 10) | 1;
			break;
		default:
			fprintf(stderr, "usage: import_bench [-n persons] "
			    "[-d dir] [-k] [-o plain|encrypted] [-s seed]\n");
			return 2;
		}
	}
	if (n == 0 || (only != NULL && strcmp(only, "plain") != 0 &&
	    strcmp(only, "encrypted") != 0)) {
		fprintf(stderr, "import_bench: bad -n or -o\n");
		return 2;
	}
	if (base == NULL)
		base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	if (join(dir, sizeof dir, base, "import_bench.XXXXXX"))
		return 1;
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	if (cipher_vfs_register(&e) != CUTRU_OK) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	if (join(csv, sizeof csv, dir, "persons.csv"))
		return 1;
	if ((f = fopen(csv, "wb")) == NULL) {
		perror(csv);
		return 1;
	}
	t0 = now();
	rows = generate(f, n);
	if (fclose(f) != 0) {
		perror(csv);
		return 1;
	}
	printf("generated %lu persons (%lu rows) in %.1f s: %s\n",
	    person_seq, rows, now() - t0, csv);
	fflush(stdout);
	if (only == NULL || strcmp(only, "encrypted") == 0)
		rc |= run_encrypted(dir, csv, &enc);
	if (only == NULL || strcmp(only, "plain") == 0)
		rc |= run_plain(dir, csv, &plain);
	if (only == NULL || strcmp(only, "encrypted") == 0)
		printf("encrypted: %zu persons in %.2f s: %.0f persons/s "
		    "(store %.0f MB)\n", enc.persons, enc.secs,
		    (double)enc.persons / enc.secs, (double)enc.bytes / 1e6);
	if (only == NULL || strcmp(only, "plain") == 0)
		printf("plain:     %zu persons in %.2f s: %.0f persons/s "
		    "(store %.0f MB)\n", plain.persons, plain.secs,
		    (double)plain.persons / plain.secs,
		    (double)plain.bytes / 1e6);
	if (only == NULL && plain.secs > 0)
		printf("encrypted/plain time ratio: %.3f (target <= 1.15); "
		    "target 50000 persons/s encrypted: %s\n",
		    enc.secs / plain.secs,
		    (double)enc.persons / enc.secs >= 50000 ? "met" : "not met");
	if (keep)
		printf("kept: %s\n", dir);
	else
		rmtree(dir);
	return rc;
}
