#include "config.h"

/* bench/bench_rows.c: the rows and helpers the store benchmarks share
 * (see bench_rows.h).  Names are the common Vietnamese family, middle and
 * given names, each with its folded form (no tone marks, đ as d, lower
 * case), drawn uniformly; dates of birth from 1930 to 2024; addresses on
 * a handful of streets. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_rows.h"

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

uint64_t
bench_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
bench_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
put_digits(char *out, long v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Province, century-and-sex digit, year of birth, and a serial that is a
 * bijection of i (unique for i < 10^6 per province block).  Written digit
 * by digit: the lookups make one per query and should not count printf's
 * cost. */
void
bench_id_number(char out[BENCH_ID_BYTES], long i)
{
	put_digits(out, 1 + (i / 1000000) % 96, 3);
	put_digits(out + 3, i % 4, 1);
	put_digits(out + 4, (i / 7) % 100, 2);
	put_digits(out + 6, (i % 1000000) * 7919 % 1000000, 6);
	out[12] = '\0';
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
	const struct name_part *f = &family[bench_rnd(s) % BENCH_N_OF(family)];
	const struct name_part *m = &middle[bench_rnd(s) % BENCH_N_OF(middle)];
	const struct name_part *g = &given[bench_rnd(s) % BENCH_N_OF(given)];

	bench_id_number(p->id, i);
	snprintf(p->name, sizeof p->name, "%s %s %s", f->vi, m->vi, g->vi);
	snprintf(p->folded, sizeof p->folded, "%s %s %s", f->folded, m->folded,
	    g->folded);
	snprintf(p->dob, sizeof p->dob, "%04d-%02d-%02d",
	    1930 + (int)(bench_rnd(s) % 95), 1 + (int)(bench_rnd(s) % 12),
	    1 + (int)(bench_rnd(s) % 28));
	snprintf(p->addr, sizeof p->addr, "%d %s, Ph\xc6\xb0\xe1\xbb\x9dng %d",
	    1 + (int)(bench_rnd(s) % 300),
	    streets[bench_rnd(s) % BENCH_N_OF(streets)],
	    1 + (int)(bench_rnd(s) % 30));
}

void
bench_rows_free(struct bench_rows *rs)
{
	free(rs->text);
	free(rs->off);
	memset(rs, 0, sizeof *rs);
}

int
bench_rows_make(struct bench_rows *rs, long n)
{
	uint64_t s = 0x2545f4914f6cdd1dULL;
	struct person p;
	size_t cap = 0, len = 0, need;
	char *t;
	long i;

	memset(rs, 0, sizeof *rs);
	if (n < 1)
		return -1;
	rs->off = malloc(sizeof *rs->off * (size_t)n);
	if (rs->off == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		make_person(&p, i, &s);
		need = strlen(p.id) + strlen(p.name) + strlen(p.folded) +
		    strlen(p.dob) + strlen(p.addr) + BENCH_FIELDS;
		if (len + need > cap) {
			cap = cap == 0 ? (size_t)1 << 20 : cap * 2;
			t = realloc(rs->text, cap);
			if (t == NULL) {
				bench_rows_free(rs);
				return -1;
			}
			rs->text = t;
		}
		rs->off[i] = len;
		t = rs->text + len;
		t = stpcpy(t, p.id) + 1;
		t = stpcpy(t, p.name) + 1;
		t = stpcpy(t, p.folded) + 1;
		t = stpcpy(t, p.dob) + 1;
		t = stpcpy(t, p.addr) + 1;
		len = (size_t)(t - rs->text);
	}
	rs->n = n;
	return 0;
}

void
bench_rows_get(const struct bench_rows *rs, long i,
    const char *f[BENCH_FIELDS])
{
	int k;

	f[0] = rs->text + rs->off[i];
	for (k = 1; k < BENCH_FIELDS; k++)
		f[k] = f[k - 1] + strlen(f[k - 1]) + 1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
bench_percentiles(double *lat, int n, double *p50, double *p99)
{
	qsort(lat, (size_t)n, sizeof *lat, cmp_double);
	*p50 = lat[n / 2] * 1000.0;
	*p99 = lat[(int)((double)n * 0.99)] * 1000.0;
}

long
bench_dir_bytes(const char *dir, const char *prefix)
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
