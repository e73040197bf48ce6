/* Calendar dates (see core/date.h for the contract).
 *
 * Representation.  A struct cutru_date holds year, month and day as the
 * officer would read them, with a precision saying how much is known; fields
 * below the precision are 0.  Arithmetic converts full dates to day numbers
 * (days since 1970-01-01) and back with the usual era-of-400-years method:
 * shifting the year to start in March puts the leap day at the end, so the
 * day of the year follows from the month by a linear formula.  The year
 * range 1850..2200 keeps every intermediate value far from overflow, which
 * is why every entry point checks it first.
 *
 * Parsing accepts only ASCII digits and the separators '-' (ISO order) and
 * '/' (day first); groups are at most four digits long, so no number can
 * overflow whatever is typed.  Messages never echo the raw input, which may
 * be megabytes long or not UTF-8: they are rebuilt from the parsed numbers.
 *
 * Partial dates.  A partial date stands for the span of days it may mean.
 * date_relate() compares spans, so it can answer "cannot tell"; the "not in
 * the future" rule refuses a date only when its first possible day is after
 * today.  date_compare() is a plain sort order, not a statement about time. */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "core/date.h"
#include "core/err.h"
#include "core/i18n.h"

/* |n| beyond these cannot stay within the year range, and keeping to them
 * keeps the arithmetic below free of overflow. */
#define MAX_DAY_STEP 200000L
#define MAX_MONTH_STEP 12000L
#define MAX_YEAR_STEP 1000L

int
date_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
date_days_in_month(int year, int month)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && date_is_leap(year))
		return 29;
	return dim[month - 1];
}

/* Day number of a valid y-m-d (no checks). */
static long
days_from_civil(int y, int m, int d)
{
	long yy = (long)y - (m <= 2);
	long era = (yy >= 0 ? yy : yy - 399) / 400;
	long yoe = yy - era * 400;                    /* 0..399 */
	long mp = (m + 9) % 12;                       /* March = 0 */
	long doy = (153 * mp + 2) / 5 + d - 1;        /* 0..365 */
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil() for any day number within a few million
 * years of 1970. */
static void
civil_from_days(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static void
set_unknown(struct cutru_date *d)
{
	if (d == NULL)
		return;
	d->year = 0;
	d->month = 0;
	d->day = 0;
	d->prec = CUTRU_DATE_NONE;
}

static void
set_full(struct cutru_date *d, int y, int m, int day)
{
	d->year = y;
	d->month = m;
	d->day = day;
	d->prec = CUTRU_DATE_DAY;
}

int
date_check(const struct cutru_date *d, const char *field,
    struct cutru_err *e)
{
	int dim;

	if (d == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("The date is missing."));
	switch (d->prec) {
	case CUTRU_DATE_NONE:
		if (d->year != 0 || d->month != 0 || d->day != 0)
			goto malformed;
		return CUTRU_OK;
	case CUTRU_DATE_YEAR:
		if (d->month != 0 || d->day != 0)
			goto malformed;
		break;
	case CUTRU_DATE_MONTH:
		if (d->day != 0)
			goto malformed;
		break;
	case CUTRU_DATE_DAY:
		break;
	default:
		goto malformed;
	}
	if (d->year < DATE_YEAR_MIN || d->year > DATE_YEAR_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, field,
		    _("The year %d is outside the years this program accepts "
		    "(%d to %d)."), d->year, DATE_YEAR_MIN, DATE_YEAR_MAX);
	if (d->prec == CUTRU_DATE_YEAR)
		return CUTRU_OK;
	if (d->month < 1 || d->month > 12)
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("There is no month %d: months are numbered 1 to 12."),
		    d->month);
	if (d->prec == CUTRU_DATE_MONTH)
		return CUTRU_OK;
	dim = date_days_in_month(d->year, d->month);
	if (d->day >= 1 && d->day <= dim)
		return CUTRU_OK;
	if (d->month == 2 && d->day == 29)
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("29/02/%04d does not exist: %04d is not a leap year, "
		    "so February has 28 days."), d->year, d->year);
	return cutru_err_set(e, CUTRU_EINVAL, field,
	    _("%02d/%02d/%04d does not exist: month %02d/%04d has %d days."),
	    d->day, d->month, d->year, d->month, d->year, dim);
malformed:
	return cutru_err_set(e, CUTRU_EINVAL, field,
	    _("The date is malformed: its precision does not match its "
	    "fields."));
}

int
date_valid(const struct cutru_date *d)
{
	return d != NULL && date_check(d, NULL, NULL) == CUTRU_OK;
}

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

int
date_parse_n(const char *s, size_t len, const char *field,
    struct cutru_date *out, struct cutru_err *e)
{
	/* Up to three groups of digits, joined by one kind of separator. */
	int val[3] = { 0, 0, 0 };
	size_t ndig[3] = { 0, 0, 0 };
	size_t ngroups = 0, i, begin, end;
	char sep = 0;
	struct cutru_date d;
	int rc;

	set_unknown(out);
	if (s == NULL)
		len = 0;
	begin = 0;
	end = len;
	while (begin < end && is_blank((unsigned char)s[begin]))
		begin++;
	while (end > begin && is_blank((unsigned char)s[end - 1]))
		end--;
	if (begin == end)
		return CUTRU_OK;

	i = begin;
	for (;;) {
		if (ngroups == 3)
			goto bad;
		while (i < end && is_digit((unsigned char)s[i])) {
			if (ndig[ngroups] == 4)
				goto bad;
			val[ngroups] = val[ngroups] * 10 + (s[i] - '0');
			ndig[ngroups]++;
			i++;
		}
		if (ndig[ngroups] == 0)
			goto bad;
		ngroups++;
		if (i == end)
			break;
		if (s[i] != '-' && s[i] != '/')
			goto bad;
		if (sep != 0 && s[i] != sep)
			goto bad;
		sep = s[i];
		i++;
	}

	memset(&d, 0, sizeof d);
	if (ngroups == 1) {
		if (ndig[0] != 4)
			goto bad;
		d.year = val[0];
		d.prec = CUTRU_DATE_YEAR;
	} else if (sep == '-') {
		/* ISO: YYYY-M[M][-D[D]] */
		if (ndig[0] != 4 || ndig[1] > 2 ||
		    (ngroups == 3 && ndig[2] > 2))
			goto bad;
		d.year = val[0];
		d.month = val[1];
		d.day = ngroups == 3 ? val[2] : 0;
		d.prec = ngroups == 3 ? CUTRU_DATE_DAY : CUTRU_DATE_MONTH;
	} else {
		/* Day first: [D[D]/]M[M]/YYYY */
		size_t y = ngroups - 1;

		if (ndig[0] == 4)
			goto bad;  /* "1990/03/05": neither order */
		if (ndig[y] == 2)
			return cutru_err_set(e, CUTRU_EINVAL, field,
			    _("Type the year with four digits (for example "
			    "1990, not 90)."));
		if (ndig[y] != 4 || ndig[0] > 2 ||
		    (ngroups == 3 && ndig[1] > 2))
			goto bad;
		d.year = val[y];
		if (ngroups == 3) {
			d.day = val[0];
			d.month = val[1];
			d.prec = CUTRU_DATE_DAY;
		} else {
			d.month = val[0];
			d.prec = CUTRU_DATE_MONTH;
		}
	}
	rc = date_check(&d, field, e);
	if (rc != CUTRU_OK)
		return rc;
	*out = d;
	return CUTRU_OK;
bad:
	return cutru_err_set(e, CUTRU_EINVAL, field,
	    _("This is not a date: type it as DD/MM/YYYY, MM/YYYY or YYYY."));
}

int
date_parse(const char *s, const char *field, struct cutru_date *out,
    struct cutru_err *e)
{
	return date_parse_n(s, s != NULL ? strlen(s) : 0, field, out, e);
}

static int
is_full(const struct cutru_date *d)
{
	return date_valid(d) && d->prec == CUTRU_DATE_DAY;
}

int
date_to_days(const struct cutru_date *d, long *days)
{
	*days = 0;
	if (!is_full(d))
		return CUTRU_EINVAL;
	*days = days_from_civil(d->year, d->month, d->day);
	return CUTRU_OK;
}

int
date_from_days(long days, struct cutru_date *out)
{
	int y, m, d;

	set_unknown(out);
	/* Keep civil_from_days() to its safe range; the year test below is
	 * the real limit. */
	if (days < -MAX_DAY_STEP || days > MAX_DAY_STEP)
		return CUTRU_ERANGE;
	civil_from_days(days, &y, &m, &d);
	if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX)
		return CUTRU_ERANGE;
	set_full(out, y, m, d);
	return CUTRU_OK;
}

int
date_add_days(const struct cutru_date *d, long n, struct cutru_date *out)
{
	long days;
	int rc;

	rc = date_to_days(d, &days);
	if (rc != CUTRU_OK) {
		set_unknown(out);
		return rc;
	}
	if (n < -MAX_DAY_STEP || n > MAX_DAY_STEP) {
		set_unknown(out);
		return CUTRU_ERANGE;
	}
	return date_from_days(days + n, out);
}

int
date_add_months(const struct cutru_date *d, long n, struct cutru_date *out)
{
	struct cutru_date src;
	long total;
	int y, m, dim;

	if (!date_valid(d) || (d->prec != CUTRU_DATE_MONTH &&
	    d->prec != CUTRU_DATE_DAY)) {
		set_unknown(out);
		return CUTRU_EINVAL;
	}
	if (n < -MAX_MONTH_STEP || n > MAX_MONTH_STEP) {
		set_unknown(out);
		return CUTRU_ERANGE;
	}
	src = *d;  /* out may be d */
	total = (long)src.year * 12 + (src.month - 1) + n;  /* > 0 here */
	y = (int)(total / 12);
	m = (int)(total % 12) + 1;
	if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX) {
		set_unknown(out);
		return CUTRU_ERANGE;
	}
	out->year = y;
	out->month = m;
	out->day = 0;
	out->prec = src.prec;
	if (src.prec == CUTRU_DATE_DAY) {
		dim = date_days_in_month(y, m);
		out->day = src.day <= dim ? src.day : dim;
	}
	return CUTRU_OK;
}

int
date_add_years(const struct cutru_date *d, long n, struct cutru_date *out)
{
	long y;

	if (!date_valid(d) || d->prec == CUTRU_DATE_NONE) {
		set_unknown(out);
		return CUTRU_EINVAL;
	}
	if (n < -MAX_YEAR_STEP || n > MAX_YEAR_STEP) {
		set_unknown(out);
		return CUTRU_ERANGE;
	}
	y = d->year + n;
	if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX) {
		set_unknown(out);
		return CUTRU_ERANGE;
	}
	*out = *d;
	out->year = (int)y;
	if (d->prec == CUTRU_DATE_DAY && d->month == 2 && d->day == 29 &&
	    !date_is_leap(out->year))
		out->day = 28;
	return CUTRU_OK;
}

int
date_diff_days(const struct cutru_date *a, const struct cutru_date *b,
    long *days)
{
	long da, db;

	*days = 0;
	if (date_to_days(a, &da) != CUTRU_OK ||
	    date_to_days(b, &db) != CUTRU_OK)
		return CUTRU_EINVAL;
	*days = db - da;
	return CUTRU_OK;
}

int
date_weekday_of_days(long days)
{
	/* Day 0, 1970-01-01, was a Thursday (ISO 4). */
	return (int)(((days % 7 + 7) % 7 + 3) % 7) + 1;
}

int
date_weekday(const struct cutru_date *d)
{
	long days;

	if (date_to_days(d, &days) != CUTRU_OK)
		return 0;
	return date_weekday_of_days(days);
}

int
date_span(const struct cutru_date *d, struct cutru_date *first,
    struct cutru_date *last)
{
	struct cutru_date f, l;

	if (!date_valid(d) || d->prec == CUTRU_DATE_NONE) {
		set_unknown(first);
		set_unknown(last);
		return CUTRU_EINVAL;
	}
	switch (d->prec) {
	case CUTRU_DATE_YEAR:
		set_full(&f, d->year, 1, 1);
		set_full(&l, d->year, 12, 31);
		break;
	case CUTRU_DATE_MONTH:
		set_full(&f, d->year, d->month, 1);
		set_full(&l, d->year, d->month,
		    date_days_in_month(d->year, d->month));
		break;
	default:
		f = *d;
		l = *d;
		break;
	}
	if (first != NULL)
		*first = f;
	if (last != NULL)
		*last = l;
	return CUTRU_OK;
}

static int
cmp_int(int a, int b)
{
	return (a > b) - (a < b);
}

int
date_compare(const struct cutru_date *a, const struct cutru_date *b)
{
	int ka = a != NULL && a->prec != CUTRU_DATE_NONE;
	int kb = b != NULL && b->prec != CUTRU_DATE_NONE;
	int c;

	if (!ka || !kb)
		return cmp_int(ka, kb);
	if ((c = cmp_int(a->year, b->year)) != 0)
		return c;
	if ((c = cmp_int(a->month, b->month)) != 0)
		return c;
	return cmp_int(a->day, b->day);
}

enum date_rel
date_relate(const struct cutru_date *a, const struct cutru_date *b)
{
	struct cutru_date af, al, bf, bl;
	long a0, a1, b0, b1;

	if (date_span(a, &af, &al) != CUTRU_OK ||
	    date_span(b, &bf, &bl) != CUTRU_OK)
		return DATE_REL_UNKNOWN;
	a0 = days_from_civil(af.year, af.month, af.day);
	a1 = days_from_civil(al.year, al.month, al.day);
	b0 = days_from_civil(bf.year, bf.month, bf.day);
	b1 = days_from_civil(bl.year, bl.month, bl.day);
	if (a0 == b0 && a1 == b1)
		return DATE_REL_SAME;
	if (a1 < b0)
		return DATE_REL_BEFORE;
	if (a0 > b1)
		return DATE_REL_AFTER;
	return DATE_REL_OVERLAP;
}

int
date_check_not_future(const struct cutru_date *d,
    const struct cutru_date *today, const char *field, struct cutru_err *e)
{
	struct cutru_date first;
	char dbuf[DATE_FMT_MAX], tbuf[DATE_FMT_MAX];
	int rc;

	if (!is_full(today))
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("Today's date is not known, so the date cannot be "
		    "checked."));
	rc = date_check(d, field, e);
	if (rc != CUTRU_OK)
		return rc;
	if (d->prec == CUTRU_DATE_NONE)
		return CUTRU_OK;
	date_span(d, &first, NULL);
	if (date_compare(&first, today) <= 0)
		return CUTRU_OK;
	date_format_vn(d, dbuf, sizeof dbuf);
	date_format_vn(today, tbuf, sizeof tbuf);
	return cutru_err_set(e, CUTRU_ERANGE, field,
	    _("The date %s is in the future (today is %s)."), dbuf, tbuf);
}

/* The digits of v (0 <= v < 10^width), width of them, at p. */
static char *
put_digits(char *p, int v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* Written by hand rather than by snprintf(): a bulk import formats three
 * dates a row, and the digits of a valid date (years
 * DATE_YEAR_MIN..DATE_YEAR_MAX, four digits) need no more than this. */
static int
format(const struct cutru_date *d, char *buf, size_t size, int vn)
{
	char out[DATE_FMT_MAX], *p = out;

	if (size > 0)
		buf[0] = '\0';
	if (!date_valid(d))
		return CUTRU_EINVAL;
	switch (d->prec) {
	case CUTRU_DATE_NONE:
		return size > 0 ? CUTRU_OK : CUTRU_ERANGE;
	case CUTRU_DATE_YEAR:
		p = put_digits(p, d->year, 4);
		break;
	case CUTRU_DATE_MONTH:
		if (vn) {
			p = put_digits(p, d->month, 2);
			*p++ = '/';
			p = put_digits(p, d->year, 4);
		} else {
			p = put_digits(p, d->year, 4);
			*p++ = '-';
			p = put_digits(p, d->month, 2);
		}
		break;
	default:
		if (vn) {
			p = put_digits(p, d->day, 2);
			*p++ = '/';
			p = put_digits(p, d->month, 2);
			*p++ = '/';
			p = put_digits(p, d->year, 4);
		} else {
			p = put_digits(p, d->year, 4);
			*p++ = '-';
			p = put_digits(p, d->month, 2);
			*p++ = '-';
			p = put_digits(p, d->day, 2);
		}
		break;
	}
	if ((size_t)(p - out) >= size)
		return CUTRU_ERANGE;
	memcpy(buf, out, (size_t)(p - out));
	buf[p - out] = '\0';
	return CUTRU_OK;
}

int
date_format_iso(const struct cutru_date *d, char *buf, size_t size)
{
	return format(d, buf, size, 0);
}

int
date_format_vn(const struct cutru_date *d, char *buf, size_t size)
{
	return format(d, buf, size, 1);
}

int
date_local_vn(time_t t, struct cutru_date *out, int *sec_of_day)
{
	/* Seconds since 1970-01-01 00:00 local time, bounded by the year
	 * range before any arithmetic that could overflow. */
	long long lo = (long long)days_from_civil(DATE_YEAR_MIN, 1, 1) * 86400
	    - DATE_VN_UTC_OFFSET;
	long long hi = (long long)days_from_civil(DATE_YEAR_MAX + 1, 1, 1) *
	    86400 - DATE_VN_UTC_OFFSET - 1;
	long long s = (long long)t;
	long long days, rem;

	set_unknown(out);
	if (sec_of_day != NULL)
		*sec_of_day = 0;
	if (s < lo || s > hi)
		return CUTRU_ERANGE;
	s += DATE_VN_UTC_OFFSET;
	days = s / 86400;
	rem = s % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	if (sec_of_day != NULL)
		*sec_of_day = (int)rem;
	return date_from_days((long)days, out);
}
