/* bench/bench_rows.h: what the store benchmarks share: person-like rows
 * made before anything is timed, ID numbers, a small generator, a clock,
 * percentiles and file sizes.  Compiled into each benchmark program, so
 * that the SQLite and SQLCipher builds of sqlcipher_bench and store_bench
 * insert and look up the very same rows. */
#ifndef CUTRU_BENCH_ROWS_H
#define CUTRU_BENCH_ROWS_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define BENCH_BATCH 10000               /* rows per transaction */
#define BENCH_ID_BYTES 13               /* 12 digits and a NUL */

/* The rows: for row i, five NUL-terminated strings (ID number, name,
 * folded name, date of birth, address) from text + off[i], about 100
 * bytes a row. */
struct bench_rows {
	char *text;
	size_t *off;
	long n;
};

enum bench_field {
	BENCH_ID,
	BENCH_NAME,
	BENCH_FOLDED,
	BENCH_DOB,
	BENCH_ADDRESS,
	BENCH_FIELDS
};

/* Make rows 0..n-1 (the same ones on every call).  0, or -1 when out of
 * memory (rs is then empty).  bench_rows_free() frees them. */
int bench_rows_make(struct bench_rows *rs, long n);
void bench_rows_free(struct bench_rows *rs);

/* The fields of row i into f[BENCH_FIELDS] (pointers into rs). */
void bench_rows_get(const struct bench_rows *rs, long i,
    const char *f[BENCH_FIELDS]);

/* The ID number of row i (what bench_rows_get gives as f[BENCH_ID]). */
void bench_id_number(char out[BENCH_ID_BYTES], long i);

/* xorshift64: the next number of the sequence in *s (never 0). */
uint64_t bench_rnd(uint64_t *s);

/* Monotonic seconds. */
double bench_now(void);

/* CPU seconds used by the process (user and system).  On a shared machine
 * less disturbed by other jobs than bench_now() (the scheduler's wait is
 * not counted), though still by what they do to caches and clocks. */
double bench_cpu(void);

/* Sort lat[0..n) (seconds) and give its median and 99th percentile in
 * milliseconds. */
void bench_percentiles(double *lat, int n, double *p50, double *p99);

/* Bytes in the files of dir whose names start with prefix. */
long bench_dir_bytes(const char *dir, const char *prefix);

#endif
