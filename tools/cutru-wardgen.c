#include "config.h"

/* cutru-wardgen: print a made-up ward as legacy household books, in the
 * CSV that `cutru import` reads (localdb/import.c), on standard output.
 *
 *     tools/cutru-wardgen [-n PERSONS] [-c COMMUNE] [-s SEED]
 *         [-p PROVINCE] [-t YYYY-MM-DD]
 *
 * -n  how many persons (default 5000), in households of 1 to 7;
 * -c  the commune code of every address (default 00070);
 * -s  the seed (default import_bench's): the same seed, the same file;
 * -p  the province code (idnum.h) where 70 % of births were registered
 *     (default 1, Hà Nội; 0: every province alike);
 * -t  today, by which the dates are chosen (default: today in Vietnam),
 *     so that the file imports on that day.
 * What is drawn is described at the top of bench/wardgen.c.  The names and
 * ID numbers are invented: the file is for demonstrations and tests.  A
 * developer's tool, not installed: its messages are not translated. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/idnum.h"
#include "bench/wardgen.h"

static void
usage(FILE *f)
{
	fputs("usage: cutru-wardgen [-n PERSONS] [-c COMMUNE] [-s SEED] "
	    "[-p PROVINCE] [-t YYYY-MM-DD]\n", f);
}

/* A decimal number in lo..hi, whole string. */
static int
parse_num(const char *s, unsigned long long lo, unsigned long long hi,
    unsigned long long *out)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out < lo || *out > hi)
		return -1;
	return 0;
}

/* Today in Vietnam (UTC+7, no daylight saving). */
static void
today_vn(struct cutru_date *d)
{
	time_t t = time(NULL) + 7 * 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	d->year = tm.tm_year + 1900;
	d->month = tm.tm_mon + 1;
	d->day = tm.tm_mday;
	d->prec = CUTRU_DATE_DAY;
}

int
main(int argc, char **argv)
{
	const char *commune = "00070";
	struct wardgen_opts o;
	struct wardgen g;
	unsigned long long n = 5000, seed = WARDGEN_SEED_DEFAULT, v;
	unsigned long rows;
	int opt, y, m, d, rc;
	char tail;

	memset(&o, 0, sizeof o);
	o.home_province = 1;
	today_vn(&o.today);
	while ((opt = getopt(argc, argv, "n:c:s:p:t:h")) != -1) {
		switch (opt) {
		case 'n':
			if (parse_num(optarg, 1, 100000000, &n) != 0) {
				fprintf(stderr, "cutru-wardgen: -n wants a "
				    "number of persons from 1 to 100000000\n");
				return 2;
			}
			break;
		case 'c':
			commune = optarg;
			break;
		case 's':
			if (parse_num(optarg, 0, UINT64_MAX, &seed) != 0) {
				fprintf(stderr, "cutru-wardgen: -s wants a "
				    "decimal number\n");
				return 2;
			}
			break;
		case 'p':
			if (parse_num(optarg, 0, 999, &v) != 0 || (v != 0 &&
			    idnum_province_name((int)v) == NULL)) {
				fprintf(stderr, "cutru-wardgen: -p wants a "
				    "province code of an ID number (1 Hà Nội, "
				    "79 TP. Hồ Chí Minh, ...) or 0\n");
				return 2;
			}
			o.home_province = (int)v;
			break;
		case 't':
			if (sscanf(optarg, "%4d-%2d-%2d%c", &y, &m, &d,
			    &tail) != 3 || strlen(optarg) != 10) {
				fprintf(stderr, "cutru-wardgen: -t wants a date "
				    "YYYY-MM-DD\n");
				return 2;
			}
			o.today.year = y;
			o.today.month = m;
			o.today.day = d;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	o.communes = &commune;
	o.n_communes = 1;
	wardgen_init(&g, (uint64_t)seed);
	rc = wardgen_write_csv(&g, stdout, (unsigned long)n, &o, &rows);
	if (rc == CUTRU_EINVAL) {
		fprintf(stderr, "cutru-wardgen: the commune code must be 5 "
		    "digits and today a date from 1996 on\n");
		return 2;
	}
	if (rc != CUTRU_OK || fflush(stdout) != 0) {
		fprintf(stderr, "cutru-wardgen: writing the CSV failed: %s\n",
		    strerror(errno));
		return 1;
	}
	return 0;
}
