/* wardgen: a made-up but realistic ward, as legacy household books in the
 * CSV import format (localdb/import.c), for the benchmarks (import_bench)
 * and the demonstration (tools/cutru-wardgen, tools/demo).  What it draws
 * and why is at the top of bench/wardgen.c.  Nothing here is real: the
 * names are drawn from frequency tables and the ID numbers are invented
 * (well-formed, agreeing with sex and year of birth, but nobody's). */
#ifndef CUTRU_WARDGEN_H
#define CUTRU_WARDGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/types.h"

/* The seed import_bench has always used when given none. */
#define WARDGEN_SEED_DEFAULT UINT64_C(0x9E3779B97F4A7C15)

/* The generator's state.  Two generators with the same seed, asked the
 * same things, give the same bytes. */
struct wardgen {
	uint64_t state;            /* xorshift64*, never 0 */
	unsigned long persons;     /* persons written so far */
	unsigned long households;  /* households begun so far */
};

struct wardgen_opts {
	/* Commune codes (5 digits) the households are spread over evenly;
	 * n_communes 0: import_bench's six (00004 ... 26737). */
	const char *const *communes;
	size_t n_communes;
	/* Today, a full date: no date of birth lies after it, permanent
	 * residences begin before it, temporary ones began in the ten months
	 * before it and end eleven months after the start of its month (a
	 * term the importer accepts on that day).  Year 0: 2026-11-27, the
	 * day import_bench's figures were first taken. */
	struct cutru_date today;
	/* A province code (idnum.h): 70 % of persons had their birth
	 * registered there, as in a real ward.  0: every province alike
	 * (import_bench). */
	int home_province;
};

/* Start g from seed (any value; 0 is as good as another). */
void wardgen_init(struct wardgen *g, uint64_t seed);

/* A uniform number below n (n > 0). */
unsigned wardgen_below(struct wardgen *g, unsigned n);

/* A family name, drawn by its share of the population (Nguyễn about
 * 38 %).  Static UTF-8 (NFC). */
const char *wardgen_family(struct wardgen *g);

/* A full name into buf (NUL-terminated, truncated to size): family (drawn
 * when NULL), one middle name or now and then two, by sex, and a given
 * name by sex.  NFC; at most 4 words of the tables, under 80 bytes. */
void wardgen_name(struct wardgen *g, const char *family, int male,
    char *buf, size_t size);

/* Write the header and n persons (n >= 1 for anything but the header) as
 * import CSV to f, households together, rows ending in CRLF.  o may be
 * NULL (import_bench's defaults).  *rows, if not NULL, gets the number of
 * rows written (one per person).  CUTRU_OK, CUTRU_EINVAL (a today that is
 * not a full date, a commune that is not 5 digits), CUTRU_EIO (f). */
int wardgen_write_csv(struct wardgen *g, FILE *f, unsigned long n,
    const struct wardgen_opts *o, unsigned long *rows);

#endif
