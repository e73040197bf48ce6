/* Days off, working days and due dates (the rules are in core/holiday.h).
 *
 * The built-in table.  Bộ luật Lao động 2019 Điều 112 gives 11 paid public
 * holidays: 1/1; five days of Lunar New Year (Tết Âm lịch), placed each year
 * by the Prime Minister; 10/3 lunar (Giỗ Tổ Hùng Vương); 30/4; 1/5; and 2/9
 * with one day before or after it.  Điều 111 khoản 3: a holiday on the
 * weekly rest day gives a compensatory day off on the next working day.
 * Each year the government also announces for civil servants how Tết is
 * placed and which weekdays are swapped with a Saturday to make a longer
 * break; the Saturday then becomes a working day.  Lunar dates are
 * precomputed here (no lunar calendar code): Tết 29/01/2025, 17/02/2026,
 * 06/02/2027; Giỗ Tổ 07/04/2025, 26/04/2026, 16/04/2027.
 *
 * Sources, and what is not confirmed (confirmed = 0 in the data):
 *   2025  Văn bản 8726/VPCP-KGVX (26/11/2024): Tết 25/01-02/02, nine days
 *         (the five Tết days on the weekdays 27-31/01), no swap.  The Prime
 *         Minister's approval announced in spring 2025: 30/04-04/05 with
 *         Friday 02/05 swapped for Saturday 26/04.  National Day
 *         30/08-02/09, Monday 01/09 the adjacent day.
 *   2026  Văn bản 12729/VPCP-KGVX (25/12/2025): New Year 01-04/01, Friday
 *         02/01 swapped for Saturday 10/01.  Prime Minister's decision of
 *         October 2025: Tết 14/02-22/02, no swap; National Day 29/08-02/09,
 *         Tuesday 01/09 the adjacent day, Monday 31/08 swapped for Saturday
 *         22/08.  Giỗ Tổ falls on Sunday 26/04: Monday 27/04 off (Điều 111).
 *         24/11 "Ngày Văn hóa Việt Nam": the Politburo's Nghị quyết
 *         80-NQ/TW (January 2026) made it a paid day off in principle and
 *         Nghị quyết 30/NQ-CP (February 2026) asks for Điều 112 to be
 *         amended; the amendment could not be confirmed, so 24/11/2026 and
 *         24/11/2027 are unconfirmed.
 *   2027  No arrangement had been announced when this table was made.  The
 *         fixed-date holidays and the compensatory Monday 03/05 (1/5 is a
 *         Saturday) follow from the law.  Tết is placed as in 2024, the
 *         last year it began on a Saturday (28 and 29 of the twelfth month,
 *         1st to 3rd of the first; the weekend two compensated on Tuesday
 *         and Wednesday): unconfirmed.  The National Day adjacent day is
 *         taken as Friday 03/09: unconfirmed.
 * Days off that fall on a weekend are listed only when they name a holiday
 * (so the screen can say why the office is closed); they change nothing.
 *
 * A table from elsewhere is searched by bisection, so it must be sorted:
 * holiday_table_check() is the gate.  Walking day by day is cheap (a few
 * hundred steps for the longest deadline) and always ends, because every
 * step either finds a working day or moves towards the end of the date
 * range, where date_from_days() stops it. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/err.h"
#include "core/holiday.h"
#include "core/i18n.h"

#define D(y, m, d) { (y), (m), (d), CUTRU_DATE_DAY }

#define NEW_YEAR N_("New Year's Day")
#define TET N_("Lunar New Year (Tet)")
#define HUNG_KINGS N_("Hung Kings' Commemoration Day")
#define REUNIFICATION N_("Reunification Day")
#define LABOUR N_("International Workers' Day")
#define NATIONAL N_("National Day")
#define CULTURE N_("Vietnamese Culture Day")
#define COMPENSATORY N_("Compensatory day off (holiday on a weekend)")
#define SWAPPED_OFF N_("Day off swapped with a working Saturday")
#define SWAPPED_WORK N_("Working Saturday swapped with a day off")

static const struct holiday_entry builtin_entries[] = {
	{ D(2025, 1, 1), HOLIDAY_OFF, 1, NEW_YEAR },
	{ D(2025, 1, 27), HOLIDAY_OFF, 1, TET },
	{ D(2025, 1, 28), HOLIDAY_OFF, 1, TET },
	{ D(2025, 1, 29), HOLIDAY_OFF, 1, TET },
	{ D(2025, 1, 30), HOLIDAY_OFF, 1, TET },
	{ D(2025, 1, 31), HOLIDAY_OFF, 1, TET },
	{ D(2025, 4, 7), HOLIDAY_OFF, 1, HUNG_KINGS },
	{ D(2025, 4, 26), HOLIDAY_WORKDAY, 1, SWAPPED_WORK },
	{ D(2025, 4, 30), HOLIDAY_OFF, 1, REUNIFICATION },
	{ D(2025, 5, 1), HOLIDAY_OFF, 1, LABOUR },
	{ D(2025, 5, 2), HOLIDAY_OFF, 1, SWAPPED_OFF },
	{ D(2025, 9, 1), HOLIDAY_OFF, 1, NATIONAL },
	{ D(2025, 9, 2), HOLIDAY_OFF, 1, NATIONAL },

	{ D(2026, 1, 1), HOLIDAY_OFF, 1, NEW_YEAR },
	{ D(2026, 1, 2), HOLIDAY_OFF, 1, SWAPPED_OFF },
	{ D(2026, 1, 10), HOLIDAY_WORKDAY, 1, SWAPPED_WORK },
	{ D(2026, 2, 16), HOLIDAY_OFF, 1, TET },
	{ D(2026, 2, 17), HOLIDAY_OFF, 1, TET },
	{ D(2026, 2, 18), HOLIDAY_OFF, 1, TET },
	{ D(2026, 2, 19), HOLIDAY_OFF, 1, TET },
	{ D(2026, 2, 20), HOLIDAY_OFF, 1, TET },
	{ D(2026, 4, 26), HOLIDAY_OFF, 1, HUNG_KINGS },
	{ D(2026, 4, 27), HOLIDAY_OFF, 1, COMPENSATORY },
	{ D(2026, 4, 30), HOLIDAY_OFF, 1, REUNIFICATION },
	{ D(2026, 5, 1), HOLIDAY_OFF, 1, LABOUR },
	{ D(2026, 8, 22), HOLIDAY_WORKDAY, 1, SWAPPED_WORK },
	{ D(2026, 8, 31), HOLIDAY_OFF, 1, SWAPPED_OFF },
	{ D(2026, 9, 1), HOLIDAY_OFF, 1, NATIONAL },
	{ D(2026, 9, 2), HOLIDAY_OFF, 1, NATIONAL },
	{ D(2026, 11, 24), HOLIDAY_OFF, 0, CULTURE },

	{ D(2027, 1, 1), HOLIDAY_OFF, 1, NEW_YEAR },
	{ D(2027, 2, 4), HOLIDAY_OFF, 0, TET },
	{ D(2027, 2, 5), HOLIDAY_OFF, 0, TET },
	{ D(2027, 2, 6), HOLIDAY_OFF, 0, TET },
	{ D(2027, 2, 7), HOLIDAY_OFF, 0, TET },
	{ D(2027, 2, 8), HOLIDAY_OFF, 0, TET },
	{ D(2027, 2, 9), HOLIDAY_OFF, 0, COMPENSATORY },
	{ D(2027, 2, 10), HOLIDAY_OFF, 0, COMPENSATORY },
	{ D(2027, 4, 16), HOLIDAY_OFF, 1, HUNG_KINGS },
	{ D(2027, 4, 30), HOLIDAY_OFF, 1, REUNIFICATION },
	{ D(2027, 5, 1), HOLIDAY_OFF, 1, LABOUR },
	{ D(2027, 5, 3), HOLIDAY_OFF, 1, COMPENSATORY },
	{ D(2027, 9, 2), HOLIDAY_OFF, 1, NATIONAL },
	{ D(2027, 9, 3), HOLIDAY_OFF, 0, NATIONAL },
	{ D(2027, 11, 24), HOLIDAY_OFF, 0, CULTURE },
};

static const struct holiday_table builtin = {
	HOLIDAY_BUILTIN_VERSION,
	2025, 2027,
	builtin_entries,
	sizeof builtin_entries / sizeof builtin_entries[0]
};

/* |n| working days beyond this cannot fit in the date range anyway. */
#define MAX_WORKING_DAYS 200000L
#define MAX_HALF_DAYS 2000

const struct holiday_table *
holiday_builtin(void)
{
	return &builtin;
}

static const struct holiday_table *
table_or_builtin(const struct holiday_table *t)
{
	return t != NULL ? t : &builtin;
}

int
holiday_table_check(const struct holiday_table *t, struct cutru_err *e)
{
	const struct holiday_entry *prev = NULL;
	char buf[DATE_FMT_MAX];
	size_t i;

	t = table_or_builtin(t);
	if (t->version == NULL || t->version[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "holidays",
		    _("The holiday table has no version."));
	if (t->first_year < DATE_YEAR_MIN || t->last_year > DATE_YEAR_MAX ||
	    t->first_year > t->last_year)
		return cutru_err_set(e, CUTRU_EINVAL, "holidays",
		    _("The holiday table covers the years %d to %d, which is "
		    "not a valid range."), t->first_year, t->last_year);
	if (t->n_entries > 0 && t->entries == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "holidays",
		    _("The holiday table has no entries."));
	for (i = 0; i < t->n_entries; i++) {
		const struct holiday_entry *h = &t->entries[i];
		int wd;

		if (!date_valid(&h->date) || h->date.prec != CUTRU_DATE_DAY)
			return cutru_err_set(e, CUTRU_EINVAL, "holidays",
			    _("Holiday table entry %zu is not a valid full "
			    "date."), i + 1);
		date_format_vn(&h->date, buf, sizeof buf);
		if (h->date.year < t->first_year ||
		    h->date.year > t->last_year)
			return cutru_err_set(e, CUTRU_EINVAL, "holidays",
			    _("Holiday table entry %zu (%s) lies outside the "
			    "years the table covers."), i + 1, buf);
		if (prev != NULL && date_compare(&prev->date, &h->date) >= 0)
			return cutru_err_set(e, CUTRU_EINVAL, "holidays",
			    _("Holiday table entry %zu (%s) is not after the "
			    "entry before it: entries must be in date order, "
			    "each date once."), i + 1, buf);
		if (h->kind != HOLIDAY_OFF && h->kind != HOLIDAY_WORKDAY)
			return cutru_err_set(e, CUTRU_EINVAL, "holidays",
			    _("Holiday table entry %zu (%s) has an unknown "
			    "kind."), i + 1, buf);
		wd = date_weekday(&h->date);
		if (h->kind == HOLIDAY_WORKDAY && wd < 6)
			return cutru_err_set(e, CUTRU_EINVAL, "holidays",
			    _("Holiday table entry %zu (%s) makes a weekday a "
			    "working day, which it already is."), i + 1, buf);
		if (h->name == NULL || h->name[0] == '\0')
			return cutru_err_set(e, CUTRU_EINVAL, "holidays",
			    _("Holiday table entry %zu (%s) has no name."),
			    i + 1, buf);
		prev = h;
	}
	return CUTRU_OK;
}

enum holiday_coverage
holiday_year_coverage(const struct holiday_table *t, int year)
{
	size_t i;

	t = table_or_builtin(t);
	if (year < t->first_year || year > t->last_year)
		return HOLIDAY_COVERAGE_NONE;
	for (i = 0; i < t->n_entries; i++)
		if (t->entries[i].date.year == year &&
		    !t->entries[i].confirmed)
			return HOLIDAY_COVERAGE_PROVISIONAL;
	return HOLIDAY_COVERAGE_FULL;
}

const struct holiday_entry *
holiday_lookup(const struct holiday_table *t, const struct cutru_date *d)
{
	size_t lo = 0, hi;

	t = table_or_builtin(t);
	if (d == NULL || d->prec != CUTRU_DATE_DAY || t->entries == NULL)
		return NULL;
	hi = t->n_entries;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = date_compare(&t->entries[mid].date, d);

		if (c == 0)
			return &t->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* 1 if day number dn is a working day, 0 if not or out of range. */
static int
working(const struct holiday_table *t, long dn)
{
	const struct holiday_entry *h;
	struct cutru_date d;

	if (date_from_days(dn, &d) != CUTRU_OK)
		return 0;
	h = holiday_lookup(t, &d);
	if (h != NULL)
		return h->kind == HOLIDAY_WORKDAY;
	return date_weekday_of_days(dn) <= 5;
}

int
holiday_is_working_day(const struct holiday_table *t,
    const struct cutru_date *d)
{
	long dn;

	if (date_to_days(d, &dn) != CUTRU_OK)
		return -1;
	return working(table_or_builtin(t), dn);
}

/* Move *dn one day at a time in direction step (+1 or -1) until it is a
 * working day.  CUTRU_ERANGE when the date range ends first. */
static int
seek_working(const struct holiday_table *t, long *dn, int step)
{
	struct cutru_date d;

	for (;;) {
		*dn += step;
		if (date_from_days(*dn, &d) != CUTRU_OK)
			return CUTRU_ERANGE;
		if (working(t, *dn))
			return CUTRU_OK;
	}
}

int
holiday_next_working_day(const struct holiday_table *t,
    const struct cutru_date *d, struct cutru_date *out)
{
	long dn;
	int rc;

	t = table_or_builtin(t);
	rc = date_to_days(d, &dn);
	if (rc != CUTRU_OK)
		goto done;
	if (!working(t, dn)) {
		rc = seek_working(t, &dn, 1);
		if (rc != CUTRU_OK)
			goto done;
	}
	rc = date_from_days(dn, out);
done:
	if (rc != CUTRU_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

int
holiday_add_working_days(const struct holiday_table *t,
    const struct cutru_date *d, long n, struct cutru_date *out)
{
	long dn, left;
	int rc, step;

	t = table_or_builtin(t);
	rc = date_to_days(d, &dn);
	if (rc != CUTRU_OK)
		goto done;
	if (n < -MAX_WORKING_DAYS || n > MAX_WORKING_DAYS) {
		rc = CUTRU_ERANGE;
		goto done;
	}
	step = n < 0 ? -1 : 1;
	for (left = n < 0 ? -n : n; left > 0; left--) {
		rc = seek_working(t, &dn, step);
		if (rc != CUTRU_OK)
			goto done;
	}
	rc = date_from_days(dn, out);
done:
	if (rc != CUTRU_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

enum holiday_session
holiday_session_at(int sec_of_day)
{
	return sec_of_day < 12 * 3600 ? HOLIDAY_MORNING : HOLIDAY_AFTERNOON;
}

/* Whether the due date from day a to day b (day numbers) may change: a
 * year not covered, or an unconfirmed entry, in [a, b]. */
static int
provisional(const struct holiday_table *t, long a, long b)
{
	struct cutru_date da, db;
	long dn;
	size_t i;
	int y;

	date_from_days(a, &da);
	date_from_days(b, &db);
	for (y = da.year; y <= db.year; y++)
		if (holiday_year_coverage(t, y) == HOLIDAY_COVERAGE_NONE)
			return 1;
	for (i = 0; i < t->n_entries; i++) {
		if (t->entries[i].confirmed)
			continue;
		if (date_to_days(&t->entries[i].date, &dn) == CUTRU_OK &&
		    dn >= a && dn <= b)
			return 1;
	}
	return 0;
}

int
holiday_due_date(const struct holiday_table *t,
    const struct cutru_date *received, enum holiday_session session,
    int half_days, struct holiday_due *out, struct cutru_err *e)
{
	long start, dn;
	int rc, i;
	enum holiday_session s;

	t = table_or_builtin(t);
	memset(out, 0, sizeof *out);
	if (date_to_days(received, &start) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_EINVAL, "received",
		    _("The date the dossier was received is not a valid full "
		    "date."));
	if (session != HOLIDAY_MORNING && session != HOLIDAY_AFTERNOON)
		return cutru_err_set(e, CUTRU_EINVAL, "received",
		    _("The session the dossier was received in must be the "
		    "morning or the afternoon."));
	if (half_days < 0)
		return cutru_err_set(e, CUTRU_EINVAL, "deadline",
		    _("A deadline cannot be negative."));
	if (half_days > MAX_HALF_DAYS)
		return cutru_err_set(e, CUTRU_ERANGE, "deadline",
		    _("A deadline of %d half days is longer than any "
		    "procedure has."), half_days);

	dn = start;
	s = session;
	if (half_days > 0) {
		/* The first counted session. */
		if (working(t, dn) && s == HOLIDAY_MORNING) {
			s = HOLIDAY_AFTERNOON;
		} else {
			rc = seek_working(t, &dn, 1);
			if (rc != CUTRU_OK)
				goto range;
			s = HOLIDAY_MORNING;
		}
		for (i = 1; i < half_days; i++) {
			if (s == HOLIDAY_MORNING) {
				s = HOLIDAY_AFTERNOON;
				continue;
			}
			rc = seek_working(t, &dn, 1);
			if (rc != CUTRU_OK)
				goto range;
			s = HOLIDAY_MORNING;
		}
	}
	date_from_days(dn, &out->date);
	out->session = s;
	out->provisional = provisional(t, start, dn);
	return CUTRU_OK;
range:
	memset(out, 0, sizeof *out);
	return cutru_err_set(e, CUTRU_ERANGE, "deadline",
	    _("The due date falls after the last year this program "
	    "handles (%d)."), DATE_YEAR_MAX);
}
