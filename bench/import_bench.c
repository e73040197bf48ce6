#include "config.h"

/* import_bench: bulk import of legacy household books (localdb/import.c)
 * into the encrypted store and into a plain SQLite store, in one run.
 *
 * 1. Generates N persons (default 1,000,000) living in households as a
 *    CSV in the import format, with bench/wardgen.c: Vietnamese names
 *    drawn with realistic frequencies (Nguyễn about 38 %, Trần 11 %, Lê
 *    9.5 %, ...), a middle name by sex (sometimes two), a given name by
 *    sex; households of 1 to
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
 *                 journal mode, synchronous level, page size, temp_store,
 *                 mmap_size and open flags (SQLITE_OPEN_NOMUTEX),
 *    both with the register's schema, and prints persons per second for
 *    each and the encrypted/plain ratio of the times.
 * The time counted is that of import_csv() alone (reading and checking
 * the file, applying and journalling, the commit), not the generation:
 * wall-clock time, and the process's CPU time (user and system) over the
 * same span, which a machine shared with other work inflates less.
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
#include "localdb/cipher.h"
#include "localdb/import.h"
#include "localdb/keyring.h"
#include "localdb/schema.h"
#include "localdb/store.h"
#include "bench/wardgen.h"

/* ---- Stores ---- */

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU time of the process (user and system), which a shared machine
 * does not inflate as it does the wall clock. */
static double
cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
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
	double cpu;             /* CPU seconds of the process meanwhile */
	size_t persons;
	long long bytes;
};

static int
run_import(sqlite3 *db, const char *csv, struct side *s)
{
	struct import_opts o;
	struct import_report r;
	struct cutru_err e;
	double t0, c0;
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
	c0 = cpu_now();
	rc = import_csv(db, in, &o, &r, &e);
	s->cpu = cpu_now() - c0;
	s->secs = now() - t0;
	fclose(in);
	s->persons = r.persons_added;
	if (rc == CUTRU_OK)
		printf("%s: read %.2f s (%s), apply %.2f s%s, indexes %.2f s "
		    "(%s), name index %.2f s (%s), keys %.2f s, commit %.2f s\n",
		    s->name, r.t_read, r.read_split == 1 ? "two threads" :
		    r.read_split == 2 ? "two threads, read again" : "one thread",
		    r.t_apply, r.ids_mapped ? " (ID numbers by map)" : "",
		    r.t_indexes, r.sorts_file ? "sorted side by side" :
		    "sorted in memory", r.t_search,
		    r.names_adopted ? "made beside" : "rebuilt", r.t_keys,
		    r.t_commit);
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
	char path[4096], pragmas[256];
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
	snprintf(pragmas, sizeof pragmas, "PRAGMA page_size = %d;"
	    " PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	    " PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0",
	    CIPHER_DEFAULT_PAGE_SIZE);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, pragmas, NULL, NULL, NULL) != SQLITE_OK ||
	    schema_migrate(db, &e) != CUTRU_OK) {
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
	struct side enc = { "encrypted", 0, 0, 0, 0 },
	    plain = { "plain", 0, 0, 0, 0 };
	unsigned long n = 1000000, rows;
	uint64_t seed = WARDGEN_SEED_DEFAULT;
	struct wardgen gen;
	const char *base = NULL, *only = NULL;
	char dir[4096], csv[4096];
	struct cutru_err e;
	int opt, keep = 0, rc = 0;
	double t0;
	FILE *f;

	/* As the cutru program starts SQLite (tui/main.c): without its
	 * memory statistics, which take a mutex on every allocation. */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
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
			seed = strtoull(optarg, NULL, 10);
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
	wardgen_init(&gen, seed);
	rc = wardgen_write_csv(&gen, f, n, NULL, &rows);
	if (fclose(f) != 0 || rc != CUTRU_OK) {
		perror(csv);
		return 1;
	}
	printf("generated %lu persons (%lu rows) in %.1f s: %s\n",
	    gen.persons, rows, now() - t0, csv);
	fflush(stdout);
	if (only == NULL || strcmp(only, "encrypted") == 0)
		rc |= run_encrypted(dir, csv, &enc);
	if (only == NULL || strcmp(only, "plain") == 0)
		rc |= run_plain(dir, csv, &plain);
	if (only == NULL || strcmp(only, "encrypted") == 0)
		printf("encrypted: %zu persons in %.2f s: %.0f persons/s "
		    "(CPU %.2f s: %.0f persons per CPU-second; store %.0f MB)\n",
		    enc.persons, enc.secs, (double)enc.persons / enc.secs,
		    enc.cpu, (double)enc.persons / enc.cpu,
		    (double)enc.bytes / 1e6);
	if (only == NULL || strcmp(only, "plain") == 0)
		printf("plain:     %zu persons in %.2f s: %.0f persons/s "
		    "(CPU %.2f s: %.0f persons per CPU-second; store %.0f MB)\n",
		    plain.persons, plain.secs,
		    (double)plain.persons / plain.secs, plain.cpu,
		    (double)plain.persons / plain.cpu,
		    (double)plain.bytes / 1e6);
	if (only == NULL && plain.secs > 0 && plain.cpu > 0)
		printf("encrypted/plain ratio: time %.3f, CPU %.3f (target <= "
		    "1.15); target 50000 persons/s encrypted: %s\n",
		    enc.secs / plain.secs, enc.cpu / plain.cpu,
		    (double)enc.persons / enc.secs >= 50000 ? "met" : "not met");
	if (keep)
		printf("kept: %s\n", dir);
	else
		rmtree(dir);
	return rc;
}
