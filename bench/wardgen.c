#include "config.h"

/* wardgen: a ward's legacy household books, made up.
 *
 * What is drawn.  Persons live in households of 1 to 7 (mean about 3.6;
 * shares 10, 18, 22, 25, 14, 7 and 4 %), written in order, the rows of a
 * household together: a head (a man four times in five, born 1945-1994),
 * a spouse of the other sex born a few years around the head (in
 * households of three or more), children of either sex born 20 to 40
 * years after the head (never later than two years before today), and in
 * households of six or seven the head's mother.  One row in twenty is a
 * lodger without a household, on a temporary residence that began in the
 * ten months before today and ends eleven months after the start of
 * today's month (so a term of at most two years that has not ended: the
 * importer takes it).  Everyone else has a permanent residence at the
 * household's address, from a day between 1990 and two years ago.
 *
 * Names: a family name by its share of the population (Nguyễn about 38 %,
 * Trần 11 %, Lê 9.5 %, ...; a wife keeps her own, children take the
 * father's, or the mother's when she heads the household), a middle name
 * by sex by its share (Văn, Thị, ...), in 15 % of names a second one, and
 * a given name by sex.  Dates of birth are partial as the books have them:
 * 10 % year only, 5 % month and year.
 *
 * ID numbers (core/idnum.h): the province of birth registration (every
 * province alike, or 70 % the ward's own when the options name one), the
 * century and sex digit and the year agreeing with the person, and six
 * digits that are the person's sequence number times 7919 modulo 10^6, so
 * that no two persons of a file share a number (7919 is prime to 10^6).
 *
 * Reproducibility.  The generator is xorshift64*, and every draw happens
 * in an order fixed by the code (never inside the arguments of one call,
 * whose order C leaves to the compiler): the same seed and options give
 * the same bytes with any compiler.  import_bench's files are those it
 * made before this generator moved here (built with gcc). */

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/idnum.h"
#include "bench/wardgen.h"

/* ---- The generator (xorshift64*) ---- */

void
wardgen_init(struct wardgen *g, uint64_t seed)
{
	g->state = seed | 1;
	g->persons = 0;
	g->households = 0;
}

static uint64_t
rng(struct wardgen *g)
{
	g->state ^= g->state >> 12;
	g->state ^= g->state << 25;
	g->state ^= g->state >> 27;
	return g->state * UINT64_C(2685821657736338717);
}

unsigned
wardgen_below(struct wardgen *g, unsigned n)
{
	return (unsigned)(rng(g) % n);
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

static const char *const bench_communes[] = { "00004", "00007", "00008",
	"00010", "26734", "26737" };

#define N_OF(a) (sizeof (a) / sizeof (a)[0])

static const char *
pick(struct wardgen *g, const struct weighted *w, size_t n)
{
	unsigned total = 0, x;
	size_t i;

	for (i = 0; i < n; i++)
		total += w[i].w;
	x = wardgen_below(g, total);
	for (i = 0; i < n; i++) {
		if (x < w[i].w)
			return w[i].s;
		x -= w[i].w;
	}
	return w[0].s;
}

#define PICK(g, a) pick((g), (a), N_OF(a))
#define ANY(g, a) ((a)[wardgen_below((g), (unsigned)N_OF(a))])

const char *
wardgen_family(struct wardgen *g)
{
	return PICK(g, family);
}

void
wardgen_name(struct wardgen *g, const char *fam, int male, char *buf,
    size_t size)
{
	const char *mid, *giv, *mid2;

	if (fam == NULL)
		fam = wardgen_family(g);
	mid = male ? PICK(g, middle_m) : PICK(g, middle_f);
	giv = male ? ANY(g, given_m) : ANY(g, given_f);
	if (wardgen_below(g, 100) < 15) {    /* a second middle name */
		mid2 = male ? PICK(g, middle_m) : PICK(g, middle_f);
		snprintf(buf, size, "%s %s %s %s", fam, mid, mid2, giv);
	} else {
		snprintf(buf, size, "%s %s %s", fam, mid, giv);
	}
}

/* ---- Persons ---- */

/* The generation's settings, resolved from the options. */
struct plan {
	const char *const *communes;
	size_t n_communes;
	int year;                  /* today's */
	int last_birth_year;       /* children: at most two years ago */
	long tmp_from_month;       /* months since year 0: first month a
	                            * lodger's residence may begin */
	char tmp_to[48];           /* DD/MM/YYYY: when they all end */
	int home_province;
};

/* One row: a person of the given sex born in y0..y1. */
static void
write_person(struct wardgen *g, const struct plan *pl, FILE *f,
    const char *hh, const char *rel, const char *fam, int male, int y0,
    int y1, const char *commune, const char *addr, const char *kind,
    const char *from, const char *to)
{
	char name[256], dob[40], id[40];
	int year = y0 + (int)wardgen_below(g, (unsigned)(y1 - y0 + 1));
	int month = 1 + (int)wardgen_below(g, 12);
	int day = 1 + (int)wardgen_below(g, 28);
	unsigned p = wardgen_below(g, 100);
	unsigned long seq = g->persons++;
	size_t np = idnum_province_count();
	int prov;

	if (pl->home_province != 0 && wardgen_below(g, 100) < 70)
		prov = pl->home_province;
	else
		prov = idnum_province_at((seq / 1000000 +
		    wardgen_below(g, (unsigned)np)) % np)->code;
	wardgen_name(g, fam, male, name, sizeof name);
	if (p < 10)
		snprintf(dob, sizeof dob, "%d", year);
	else if (p < 15)
		snprintf(dob, sizeof dob, "%02d/%d", month, year);
	else
		snprintf(dob, sizeof dob, "%02d/%02d/%d", day, month, year);
	snprintf(id, sizeof id, "%03d%d%02d%06lu", prov,
	    (year >= 2000 ? 2 : 0) + (male ? 0 : 1), year % 100,
	    (seq * 7919ul) % 1000000ul);
	fprintf(f, "%s,%s,%s,%s,%s,%s,,%s,\"%s\",%s,%s,%s\r\n", hh, rel,
	    name, dob, male ? "Nam" : "Nữ", id, commune, addr, kind, from,
	    to);
}

static int
plan_make(const struct wardgen_opts *o, struct plan *pl)
{
	struct cutru_date today = { 2026, 11, 27, CUTRU_DATE_DAY };
	long m;
	size_t i;

	memset(pl, 0, sizeof *pl);
	pl->communes = bench_communes;
	pl->n_communes = N_OF(bench_communes);
	if (o != NULL && o->today.year != 0)
		today = o->today;
	if (today.prec != CUTRU_DATE_DAY || today.year < 1996 ||
	    today.year > 9998 || today.month < 1 || today.month > 12 ||
	    today.day < 1 || today.day > 31)
		return CUTRU_EINVAL;
	if (o != NULL && o->n_communes > 0) {
		for (i = 0; i < o->n_communes; i++)
			if (o->communes[i] == NULL ||
			    strlen(o->communes[i]) != 5 ||
			    strspn(o->communes[i], "0123456789") != 5)
				return CUTRU_EINVAL;
		pl->communes = o->communes;
		pl->n_communes = o->n_communes;
	}
	if (o != NULL)
		pl->home_province = o->home_province;
	pl->year = today.year;
	pl->last_birth_year = today.year - 2;
	m = (long)today.year * 12 + (today.month - 1);
	pl->tmp_from_month = m - 10;
	m += 11;
	snprintf(pl->tmp_to, sizeof pl->tmp_to, "01/%02ld/%ld", m % 12 + 1,
	    m / 12);
	return CUTRU_OK;
}

int
wardgen_write_csv(struct wardgen *g, FILE *f, unsigned long n,
    const struct wardgen_opts *o, unsigned long *rows_out)
{
	static const unsigned sizes[] = { 1000, 1800, 2200, 2500, 1400, 700,
		400 };
	char hh[32], addr[128], from[48];
	unsigned long rows = 0, end = g->persons + n;
	struct plan pl;
	int rc;

	if (rows_out != NULL)
		*rows_out = 0;
	if ((rc = plan_make(o, &pl)) != CUTRU_OK)
		return rc;
	fputs("household_number,relationship,name,dob,sex,id_number,cmnd,"
	    "commune,address,residence_kind,from,to\r\n", f);
	while (g->persons < end) {
		const char *fam = wardgen_family(g);
		const char *commune = pl.communes[wardgen_below(g,
		    (unsigned)pl.n_communes)];
		unsigned x = wardgen_below(g, 10000), size = 1, k, a, b;
		int male_head = wardgen_below(g, 100) < 80;
		int y = 1945 + (int)wardgen_below(g, 50);
		const char *street;
		long m;

		if (wardgen_below(g, 100) < 5) {
			/* A lodger on a temporary residence. */
			street = ANY(g, streets);
			b = 1 + wardgen_below(g, 300);
			a = 1 + wardgen_below(g, 20);
			snprintf(addr, sizeof addr, "Phòng %u, số %u %s", a, b,
			    street);
			m = pl.tmp_from_month + (long)wardgen_below(g, 9);
			a = 1 + wardgen_below(g, 28);
			snprintf(from, sizeof from, "%02u/%02ld/%ld", a,
			    m % 12 + 1, m / 12);
			write_person(g, &pl, f, "", "", fam,
			    (int)wardgen_below(g, 2), 1970, 2005, commune, addr,
			    "tạm trú", from, pl.tmp_to);
			rows++;
			continue;
		}
		for (k = 0; k < N_OF(sizes); k++) {
			if (x < sizes[k]) {
				size = k + 1;
				break;
			}
			x -= sizes[k];
		}
		snprintf(hh, sizeof hh, "HK%s%07lu", commune, ++g->households);
		if (wardgen_below(g, 2)) {
			street = ANY(g, streets);
			b = 1 + wardgen_below(g, 80);
			a = 1 + wardgen_below(g, 300);
			snprintf(addr, sizeof addr, "Số %u, ngõ %u, %s", a, b,
			    street);
		} else {
			street = ANY(g, streets);
			a = 1 + wardgen_below(g, 30);
			snprintf(addr, sizeof addr, "Tổ %u, thôn %s", a, street);
		}
		{
			unsigned yr = 1990 + wardgen_below(g,
			    (unsigned)(pl.year - 1991));
			unsigned mo = 1 + wardgen_below(g, 12);
			unsigned dd = 1 + wardgen_below(g, 28);

			snprintf(from, sizeof from, "%02u/%02u/%u", dd, mo, yr);
		}
		write_person(g, &pl, f, hh, "chủ hộ", fam, male_head, y, y,
		    commune, addr, "thường trú", from, "");
		rows++;
		for (k = 1; k < size && g->persons < end; k++, rows++) {
			int last = pl.last_birth_year;

			if (k == 1 && size > 2) {
				const char *sf = male_head ?
				    wardgen_family(g) : fam;

				write_person(g, &pl, f, hh,
				    male_head ? "vợ" : "chồng", sf, !male_head,
				    y - 3, y + 5, commune, addr, "thường trú",
				    from, "");
			} else if (k == size - 1 && size >= 6) {
				write_person(g, &pl, f, hh, "mẹ",
				    wardgen_family(g), 0, y - 35, y - 18,
				    commune, addr, "thường trú", from, "");
			} else {
				int male = (int)wardgen_below(g, 2);

				write_person(g, &pl, f, hh, "con", fam, male,
				    y + 20 > last ? last : y + 20,
				    y + 40 > last ? last : y + 40, commune,
				    addr, "thường trú", from, "");
			}
		}
	}
	if (rows_out != NULL)
		*rows_out = rows;
	return ferror(f) ? CUTRU_EIO : CUTRU_OK;
}
