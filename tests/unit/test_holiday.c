#include "config.h"

#include <limits.h>
#include <string.h>
#include <check.h>

#include "core/date.h"
#include "core/err.h"
#include "core/holiday.h"
#include "tests/unit/tap_main.h"

#define AM HOLIDAY_MORNING
#define PM HOLIDAY_AFTERNOON

static struct cutru_date
full(int y, int m, int d)
{
	struct cutru_date r;

	r.year = y;
	r.month = m;
	r.day = d;
	r.prec = CUTRU_DATE_DAY;
	return r;
}

#define ck_day(dt, y, m, d) do {					\
	ck_assert_int_eq((dt).year, (y));				\
	ck_assert_int_eq((dt).month, (m));				\
	ck_assert_int_eq((dt).day, (d));				\
	ck_assert_int_eq((int)(dt).prec, (int)CUTRU_DATE_DAY);		\
} while (0)

static int
working(int y, int m, int d)
{
	struct cutru_date dt = full(y, m, d);

	return holiday_is_working_day(NULL, &dt);
}

/* Due date with the built-in table; checks the date, session and the
 * provisional flag. */
static void
ck_due(int y, int m, int d, enum holiday_session in, int half_days,
    int dy, int dm, int dd, enum holiday_session out, int provisional)
{
	struct cutru_date r = full(y, m, d);
	struct holiday_due due;
	struct cutru_err e;

	cutru_err_clear(&e);
	ck_assert_msg(holiday_due_date(NULL, &r, in, half_days, &due, &e) ==
	    CUTRU_OK, "%s", e.msg);
	ck_assert_msg(due.date.year == dy && due.date.month == dm &&
	    due.date.day == dd && due.session == out,
	    "received %02d/%02d/%04d %s + %d half days: got %02d/%02d/%04d %s, "
	    "want %02d/%02d/%04d %s", d, m, y, in == AM ? "am" : "pm",
	    half_days, due.date.day, due.date.month, due.date.year,
	    due.session == AM ? "am" : "pm", dd, dm, dy,
	    out == AM ? "am" : "pm");
	ck_assert_int_eq((int)due.date.prec, (int)CUTRU_DATE_DAY);
	ck_assert_int_eq(due.provisional, provisional);
}

static int
working_days_in_year(const struct holiday_table *t, int y)
{
	struct cutru_date d = full(y, 1, 1);
	int n = 0;

	while (d.year == y) {
		n += holiday_is_working_day(t, &d) == 1;
		ck_assert_int_eq(date_add_days(&d, 1, &d), CUTRU_OK);
	}
	return n;
}

START_TEST(builtin_table_is_valid_and_versioned)
{
	const struct holiday_table *t = holiday_builtin();
	struct cutru_err e;

	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t->version, HOLIDAY_BUILTIN_VERSION);
	ck_assert_int_eq(t->first_year, 2025);
	ck_assert_int_eq(t->last_year, 2027);
	ck_assert_int_eq(holiday_table_check(t, &e), CUTRU_OK);
	ck_assert_int_eq(holiday_table_check(NULL, &e), CUTRU_OK);
}
END_TEST

START_TEST(coverage_says_which_years_are_known)
{
	ck_assert_int_eq(holiday_year_coverage(NULL, 2024),
	    HOLIDAY_COVERAGE_NONE);
	ck_assert_int_eq(holiday_year_coverage(NULL, 2025),
	    HOLIDAY_COVERAGE_FULL);
	/* 24/11 (Vietnamese Culture Day) is not confirmed. */
	ck_assert_int_eq(holiday_year_coverage(NULL, 2026),
	    HOLIDAY_COVERAGE_PROVISIONAL);
	ck_assert_int_eq(holiday_year_coverage(NULL, 2027),
	    HOLIDAY_COVERAGE_PROVISIONAL);
	ck_assert_int_eq(holiday_year_coverage(NULL, 2028),
	    HOLIDAY_COVERAGE_NONE);
}
END_TEST

START_TEST(public_holidays_2025_are_days_off)
{
	ck_assert_int_eq(working(2025, 1, 1), 0);
	ck_assert_int_eq(working(2025, 1, 24), 1);   /* Friday before Tết */
	ck_assert_int_eq(working(2025, 1, 27), 0);
	ck_assert_int_eq(working(2025, 1, 29), 0);   /* mùng 1 Tết */
	ck_assert_int_eq(working(2025, 1, 31), 0);
	ck_assert_int_eq(working(2025, 2, 3), 1);
	ck_assert_int_eq(working(2025, 4, 7), 0);    /* Giỗ Tổ */
	ck_assert_int_eq(working(2025, 4, 30), 0);
	ck_assert_int_eq(working(2025, 5, 1), 0);
	ck_assert_int_eq(working(2025, 5, 2), 0);    /* swapped */
	ck_assert_int_eq(working(2025, 5, 5), 1);
	ck_assert_int_eq(working(2025, 9, 1), 0);
	ck_assert_int_eq(working(2025, 9, 2), 0);
	ck_assert_int_eq(working(2025, 9, 3), 1);
}
END_TEST

START_TEST(public_holidays_2026_are_days_off)
{
	ck_assert_int_eq(working(2026, 1, 1), 0);
	ck_assert_int_eq(working(2026, 1, 2), 0);    /* swapped */
	ck_assert_int_eq(working(2026, 1, 5), 1);
	ck_assert_int_eq(working(2026, 2, 13), 1);   /* 26 tháng Chạp */
	ck_assert_int_eq(working(2026, 2, 16), 0);
	ck_assert_int_eq(working(2026, 2, 17), 0);   /* mùng 1 Tết */
	ck_assert_int_eq(working(2026, 2, 20), 0);
	ck_assert_int_eq(working(2026, 2, 23), 1);
	ck_assert_int_eq(working(2026, 4, 27), 0);   /* Giỗ Tổ on Sunday */
	ck_assert_int_eq(working(2026, 4, 28), 1);
	ck_assert_int_eq(working(2026, 4, 30), 0);
	ck_assert_int_eq(working(2026, 5, 1), 0);
	ck_assert_int_eq(working(2026, 8, 31), 0);   /* swapped */
	ck_assert_int_eq(working(2026, 9, 1), 0);
	ck_assert_int_eq(working(2026, 9, 2), 0);
	ck_assert_int_eq(working(2026, 9, 3), 1);
	ck_assert_int_eq(working(2026, 11, 24), 0);  /* unconfirmed */
}
END_TEST

START_TEST(public_holidays_2027_are_days_off)
{
	ck_assert_int_eq(working(2027, 1, 1), 0);
	ck_assert_int_eq(working(2027, 2, 3), 1);
	ck_assert_int_eq(working(2027, 2, 4), 0);
	ck_assert_int_eq(working(2027, 2, 10), 0);
	ck_assert_int_eq(working(2027, 2, 11), 1);
	ck_assert_int_eq(working(2027, 4, 16), 0);
	ck_assert_int_eq(working(2027, 4, 30), 0);
	ck_assert_int_eq(working(2027, 5, 3), 0);    /* 1/5 on Saturday */
	ck_assert_int_eq(working(2027, 5, 4), 1);
	ck_assert_int_eq(working(2027, 9, 2), 0);
	ck_assert_int_eq(working(2027, 11, 24), 0);
}
END_TEST

START_TEST(swapped_saturdays_are_working_days)
{
	ck_assert_int_eq(working(2025, 4, 26), 1);
	ck_assert_int_eq(working(2026, 1, 10), 1);
	ck_assert_int_eq(working(2026, 8, 22), 1);
	ck_assert_int_eq(working(2026, 1, 17), 0);   /* ordinary Saturday */
	ck_assert_int_eq(working(2026, 1, 11), 0);   /* Sunday */
	ck_assert_int_eq(working(2026, 3, 2), 1);    /* ordinary Monday */
}
END_TEST

START_TEST(working_days_per_year)
{
	/* 261 weekdays each year, less the weekday days off, plus the
	 * working Saturdays. */
	ck_assert_int_eq(working_days_in_year(NULL, 2025), 261 - 12 + 1);
	ck_assert_int_eq(working_days_in_year(NULL, 2026), 261 - 14 + 2);
	ck_assert_int_eq(working_days_in_year(NULL, 2027), 261 - 12);
	/* Uncovered: weekdays only (2028 is a leap year from a Saturday). */
	ck_assert_int_eq(working_days_in_year(NULL, 2028), 260);
}
END_TEST

START_TEST(uncovered_years_have_weekends_only)
{
	/* New Year 2024 and 2028 are outside the table: counted as working
	 * (the screen warns through holiday_year_coverage()). */
	ck_assert_int_eq(working(2024, 1, 1), 1);
	ck_assert_int_eq(working(2028, 1, 3), 1);
	ck_assert_int_eq(working(2028, 1, 1), 0);
	ck_assert_int_eq(working(2028, 1, 2), 0);
	ck_assert_int_eq(working(1850, 1, 1), 1);
}
END_TEST

START_TEST(invalid_dates_are_not_days)
{
	struct cutru_date d = full(2026, 2, 29);

	ck_assert_int_eq(holiday_is_working_day(NULL, &d), -1);
	d.prec = CUTRU_DATE_MONTH;
	d.day = 0;
	ck_assert_int_eq(holiday_is_working_day(NULL, &d), -1);
	ck_assert_int_eq(holiday_is_working_day(NULL, NULL), -1);
}
END_TEST

START_TEST(lookup_names_the_day)
{
	struct cutru_date d = full(2026, 4, 26);
	const struct holiday_entry *h;

	h = holiday_lookup(NULL, &d);
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h->name, "Hung Kings' Commemoration Day");
	ck_assert_int_eq(h->kind, HOLIDAY_OFF);
	ck_assert_int_eq(h->confirmed, 1);
	d = full(2026, 11, 24);
	h = holiday_lookup(NULL, &d);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->confirmed, 0);
	d = full(2026, 1, 10);
	h = holiday_lookup(NULL, &d);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->kind, HOLIDAY_WORKDAY);
	d = full(2026, 3, 2);
	ck_assert_ptr_null(holiday_lookup(NULL, &d));
	d = full(2025, 1, 1);
	ck_assert_ptr_nonnull(holiday_lookup(NULL, &d));
	d = full(2027, 11, 24);
	ck_assert_ptr_nonnull(holiday_lookup(NULL, &d));
	d.prec = CUTRU_DATE_YEAR;
	ck_assert_ptr_null(holiday_lookup(NULL, &d));
	ck_assert_ptr_null(holiday_lookup(NULL, NULL));
}
END_TEST

START_TEST(next_working_day)
{
	struct cutru_date d = full(2026, 3, 2), r;

	ck_assert_int_eq(holiday_next_working_day(NULL, &d, &r), CUTRU_OK);
	ck_day(r, 2026, 3, 2);
	d = full(2026, 2, 14);   /* first day of the Tết break */
	ck_assert_int_eq(holiday_next_working_day(NULL, &d, &r), CUTRU_OK);
	ck_day(r, 2026, 2, 23);
	d = full(2026, 1, 10);   /* working Saturday */
	ck_assert_int_eq(holiday_next_working_day(NULL, &d, &r), CUTRU_OK);
	ck_day(r, 2026, 1, 10);
	d = full(2200, 12, 31);  /* a Wednesday */
	ck_assert_int_eq(holiday_next_working_day(NULL, &d, &r), CUTRU_OK);
	d = full(2200, 12, 27);  /* Saturday: nothing after Sunday */
	ck_assert_int_eq(holiday_next_working_day(NULL, &d, &r), CUTRU_OK);
	ck_day(r, 2200, 12, 29);
	d = full(2026, 2, 30);
	ck_assert_int_eq(holiday_next_working_day(NULL, &d, &r),
	    CUTRU_EINVAL);
	ck_assert_int_eq(r.prec, CUTRU_DATE_NONE);
}
END_TEST

START_TEST(no_working_day_left_in_the_range)
{
	static const struct holiday_entry last[] = {
		{ { 2200, 12, 31, CUTRU_DATE_DAY }, HOLIDAY_OFF, 1, "Last" },
	};
	struct holiday_table t = { "end", 2200, 2200, last, 1 };
	struct cutru_date d = full(2200, 12, 31), r;
	struct cutru_err e;

	ck_assert_int_eq(holiday_table_check(&t, &e), CUTRU_OK);
	ck_assert_int_eq(holiday_next_working_day(&t, &d, &r), CUTRU_ERANGE);
	ck_assert_int_eq(r.prec, CUTRU_DATE_NONE);
	d = full(2200, 12, 30);
	ck_assert_int_eq(holiday_next_working_day(&t, &d, &r), CUTRU_OK);
	ck_day(r, 2200, 12, 30);
}
END_TEST

START_TEST(add_working_days)
{
	struct cutru_date d = full(2025, 4, 25), r;

	ck_assert_int_eq(holiday_add_working_days(NULL, &d, 1, &r), CUTRU_OK);
	ck_day(r, 2025, 4, 26);  /* the working Saturday */
	ck_assert_int_eq(holiday_add_working_days(NULL, &d, 2, &r), CUTRU_OK);
	ck_day(r, 2025, 4, 28);
	ck_assert_int_eq(holiday_add_working_days(NULL, &d, 4, &r), CUTRU_OK);
	ck_day(r, 2025, 5, 5);
	ck_assert_int_eq(holiday_add_working_days(NULL, &d, 0, &r), CUTRU_OK);
	ck_day(r, 2025, 4, 25);
	d = full(2026, 2, 23);
	ck_assert_int_eq(holiday_add_working_days(NULL, &d, -1, &r),
	    CUTRU_OK);
	ck_day(r, 2026, 2, 13);
	d = full(2025, 12, 31);
	ck_assert_int_eq(holiday_add_working_days(NULL, &d, 1, &r), CUTRU_OK);
	ck_day(r, 2026, 1, 5);
	/* 2025 has 250 working days: from 31/12/2024, the 250th is the last
	 * working day of 2025, the 251st the first of 2026. */
	d = full(2024, 12, 31);
	ck_assert_int_eq(holiday_add_working_days(NULL, &d, 250, &r),
	    CUTRU_OK);
	ck_day(r, 2025, 12, 31);
	ck_assert_int_eq(holiday_add_working_days(NULL, &d, 251, &r),
	    CUTRU_OK);
	ck_day(r, 2026, 1, 5);

	d = full(2200, 12, 31);
	ck_assert_int_eq(holiday_add_working_days(NULL, &d, 1, &r),
	    CUTRU_ERANGE);
	ck_assert_int_eq(r.prec, CUTRU_DATE_NONE);
	d = full(1850, 1, 1);
	ck_assert_int_eq(holiday_add_working_days(NULL, &d, -1, &r),
	    CUTRU_ERANGE);
	ck_assert_int_eq(holiday_add_working_days(NULL, &d, LONG_MAX, &r),
	    CUTRU_ERANGE);
	ck_assert_int_eq(holiday_add_working_days(NULL, &d, LONG_MIN, &r),
	    CUTRU_ERANGE);
	d = full(2025, 0, 1);
	ck_assert_int_eq(holiday_add_working_days(NULL, &d, 1, &r),
	    CUTRU_EINVAL);
}
END_TEST

START_TEST(session_boundary_is_noon)
{
	ck_assert_int_eq(holiday_session_at(0), AM);
	ck_assert_int_eq(holiday_session_at(7 * 3600 + 30 * 60), AM);
	ck_assert_int_eq(holiday_session_at(12 * 3600 - 1), AM);
	ck_assert_int_eq(holiday_session_at(12 * 3600), PM);
	ck_assert_int_eq(holiday_session_at(86399), PM);
	ck_assert_int_eq(holiday_session_at(-5), AM);
	ck_assert_int_eq(holiday_session_at(INT_MAX), PM);
}
END_TEST

/* The eleven procedures of DESIGN §2, in its order, in half days. */
static const int deadlines[11] = { 14, 10, 10, 6, 6, 6, 4, 10, 0, 2, 1 };

START_TEST(all_deadlines_from_a_plain_monday_morning)
{
	/* Monday 02/03/2026, no holiday near. */
	static const int want[11][4] = {
		{ 2026, 3, 11, AM }, { 2026, 3, 9, AM }, { 2026, 3, 9, AM },
		{ 2026, 3, 5, AM }, { 2026, 3, 5, AM }, { 2026, 3, 5, AM },
		{ 2026, 3, 4, AM }, { 2026, 3, 9, AM }, { 2026, 3, 2, AM },
		{ 2026, 3, 3, AM }, { 2026, 3, 2, PM },
	};
	int i;

	for (i = 0; i < 11; i++)
		ck_due(2026, 3, 2, AM, deadlines[i], want[i][0], want[i][1],
		    want[i][2], (enum holiday_session)want[i][3], 0);
}
END_TEST

START_TEST(all_deadlines_from_a_plain_monday_afternoon)
{
	static const int want[11][4] = {
		{ 2026, 3, 11, PM }, { 2026, 3, 9, PM }, { 2026, 3, 9, PM },
		{ 2026, 3, 5, PM }, { 2026, 3, 5, PM }, { 2026, 3, 5, PM },
		{ 2026, 3, 4, PM }, { 2026, 3, 9, PM }, { 2026, 3, 2, PM },
		{ 2026, 3, 3, PM }, { 2026, 3, 3, AM },
	};
	int i;

	for (i = 0; i < 11; i++)
		ck_due(2026, 3, 2, PM, deadlines[i], want[i][0], want[i][1],
		    want[i][2], (enum holiday_session)want[i][3], 0);
}
END_TEST

START_TEST(all_deadlines_across_the_april_holidays)
{
	/* Thursday 23/04/2026 afternoon: then Friday 24 works, 25-27 are off
	 * (Giỗ Tổ on Sunday 26, compensated Monday 27), 28-29 work, 30/4 to
	 * 3/5 are off. */
	static const int want[11][4] = {
		{ 2026, 5, 7, PM }, { 2026, 5, 5, PM }, { 2026, 5, 5, PM },
		{ 2026, 4, 29, PM }, { 2026, 4, 29, PM }, { 2026, 4, 29, PM },
		{ 2026, 4, 28, PM }, { 2026, 5, 5, PM }, { 2026, 4, 23, PM },
		{ 2026, 4, 24, PM }, { 2026, 4, 24, AM },
	};
	int i;

	for (i = 0; i < 11; i++)
		ck_due(2026, 4, 23, PM, deadlines[i], want[i][0], want[i][1],
		    want[i][2], (enum holiday_session)want[i][3], 0);
}
END_TEST

START_TEST(friday_afternoon_half_day)
{
	ck_due(2026, 3, 6, PM, 1, 2026, 3, 9, AM, 0);
	/* The Monday after is Giỗ Tổ 2025. */
	ck_due(2025, 4, 4, PM, 1, 2025, 4, 8, AM, 0);
	ck_due(2026, 3, 6, AM, 1, 2026, 3, 6, PM, 0);
}
END_TEST

START_TEST(received_the_day_before_tet)
{
	/* Friday 13/02/2026, last working day before the Tết break. */
	ck_due(2026, 2, 13, PM, 1, 2026, 2, 23, AM, 0);
	ck_due(2026, 2, 13, AM, 1, 2026, 2, 13, PM, 0);
	ck_due(2026, 2, 13, AM, 6, 2026, 2, 25, AM, 0);
	/* Friday 24/01/2025: one day runs over the whole break. */
	ck_due(2025, 1, 24, AM, 2, 2025, 2, 3, AM, 0);
}
END_TEST

START_TEST(received_on_a_working_saturday)
{
	ck_due(2026, 1, 10, AM, 1, 2026, 1, 10, PM, 0);
	ck_due(2026, 1, 10, AM, 2, 2026, 1, 12, AM, 0);
	ck_due(2026, 1, 10, PM, 1, 2026, 1, 12, AM, 0);
	/* Counting runs through the working Saturday 26/04/2025. */
	ck_due(2025, 4, 24, AM, 6, 2025, 4, 28, AM, 0);
}
END_TEST

START_TEST(received_on_a_day_off_counts_from_the_next_working_day)
{
	/* Sunday: either session counts from Monday morning. */
	ck_due(2026, 3, 8, AM, 1, 2026, 3, 9, AM, 0);
	ck_due(2026, 3, 8, PM, 1, 2026, 3, 9, AM, 0);
	ck_due(2026, 3, 8, AM, 2, 2026, 3, 9, PM, 0);
	ck_due(2026, 3, 8, PM, 6, 2026, 3, 11, PM, 0);
	/* A swapped day off (Friday 02/01/2026). */
	ck_due(2026, 1, 2, AM, 1, 2026, 1, 5, AM, 0);
	/* Inside the Tết break. */
	ck_due(2026, 2, 17, AM, 14, 2026, 3, 3, PM, 0);
}
END_TEST

START_TEST(deadline_zero_is_the_same_session)
{
	ck_due(2026, 3, 8, PM, 0, 2026, 3, 8, PM, 0);   /* Sunday */
	ck_due(2026, 2, 17, AM, 0, 2026, 2, 17, AM, 0); /* Tết */
	ck_due(2026, 3, 4, AM, 0, 2026, 3, 4, AM, 0);
}
END_TEST

START_TEST(deadlines_spanning_the_year_end)
{
	/* 1-4/01/2026 are off (New Year, swapped Friday, weekend). */
	ck_due(2025, 12, 31, PM, 4, 2026, 1, 6, PM, 0);
	ck_due(2025, 12, 31, AM, 1, 2025, 12, 31, PM, 0);
	ck_due(2025, 12, 31, PM, 1, 2026, 1, 5, AM, 0);
}
END_TEST

START_TEST(provisional_due_dates_are_flagged)
{
	/* Into 2028, which the table does not cover (1/1/2028 is a
	 * Saturday, so Monday 3/1 will likely be a day off: hence the
	 * flag). */
	ck_due(2027, 12, 30, PM, 6, 2028, 1, 4, PM, 1);
	/* Over the unconfirmed 24/11/2026. */
	ck_due(2026, 11, 23, AM, 4, 2026, 11, 26, AM, 1);
	/* Before it: not provisional. */
	ck_due(2026, 11, 19, AM, 2, 2026, 11, 20, AM, 0);
	/* Entirely in an uncovered year. */
	ck_due(2024, 3, 4, AM, 1, 2024, 3, 4, PM, 1);
}
END_TEST

START_TEST(due_date_refuses_bad_arguments)
{
	struct cutru_date d = full(2026, 3, 2);
	struct holiday_due due;
	struct cutru_err e;

	ck_assert_int_eq(holiday_due_date(NULL, &d, AM, -1, &due, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "deadline");
	ck_assert_int_eq(due.date.prec, CUTRU_DATE_NONE);
	ck_assert_int_eq(holiday_due_date(NULL, &d, AM, 2001, &due, &e),
	    CUTRU_ERANGE);
	ck_assert_int_eq(holiday_due_date(NULL, &d, AM, 2000, &due, &e),
	    CUTRU_OK);
	ck_assert_int_eq(holiday_due_date(NULL, &d, (enum holiday_session)2,
	    1, &due, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "received");
	d = full(2026, 2, 29);
	ck_assert_int_eq(holiday_due_date(NULL, &d, AM, 1, &due, &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "received");
	d = full(2200, 12, 31);
	ck_assert_int_eq(holiday_due_date(NULL, &d, PM, 1, &due, &e),
	    CUTRU_ERANGE);
	ck_assert_int_eq(due.date.prec, CUTRU_DATE_NONE);
	ck_assert_int_eq(holiday_due_date(NULL, &d, AM, 1, &due, &e),
	    CUTRU_OK);
	ck_assert_int_eq(holiday_due_date(NULL, &d, AM, 3, &due, &e),
	    CUTRU_ERANGE);
}
END_TEST

/* A table from elsewhere: Tuesday 03/03/2026 off, Saturday 07/03/2026 a
 * working day. */
static const struct holiday_entry feed_entries[] = {
	{ { 2026, 3, 3, CUTRU_DATE_DAY }, HOLIDAY_OFF, 1, "Test day off" },
	{ { 2026, 3, 7, CUTRU_DATE_DAY }, HOLIDAY_WORKDAY, 1, "Test Saturday" },
};

START_TEST(callers_can_supply_another_table)
{
	struct holiday_table t = { "feed-test-1", 2026, 2026, feed_entries, 2 };
	struct cutru_date d = full(2026, 3, 2), r;
	struct holiday_due due;
	struct cutru_err e;

	ck_assert_int_eq(holiday_table_check(&t, &e), CUTRU_OK);
	d = full(2026, 3, 3);
	ck_assert_int_eq(holiday_is_working_day(&t, &d), 0);
	ck_assert_int_eq(holiday_is_working_day(NULL, &d), 1);
	d = full(2026, 3, 7);
	ck_assert_int_eq(holiday_is_working_day(&t, &d), 1);
	ck_assert_int_eq(holiday_is_working_day(NULL, &d), 0);
	/* Its holidays replace the built-in ones: 01/01/2026 works. */
	d = full(2026, 1, 1);
	ck_assert_int_eq(holiday_is_working_day(&t, &d), 1);
	ck_assert_int_eq(holiday_year_coverage(&t, 2026),
	    HOLIDAY_COVERAGE_FULL);
	ck_assert_int_eq(holiday_year_coverage(&t, 2025),
	    HOLIDAY_COVERAGE_NONE);

	d = full(2026, 3, 2);
	ck_assert_int_eq(holiday_due_date(&t, &d, AM, 6, &due, &e), CUTRU_OK);
	ck_day(due.date, 2026, 3, 6);
	ck_assert_int_eq(due.session, AM);
	ck_assert_int_eq(holiday_due_date(&t, &d, AM, 10, &due, &e),
	    CUTRU_OK);
	ck_day(due.date, 2026, 3, 9);
	ck_assert_int_eq(due.session, AM);
	d = full(2026, 3, 2);
	ck_assert_int_eq(holiday_add_working_days(&t, &d, 5, &r), CUTRU_OK);
	ck_day(r, 2026, 3, 9);

	/* An empty table: weekends only, but the year counts as covered. */
	t.entries = NULL;
	t.n_entries = 0;
	ck_assert_int_eq(holiday_table_check(&t, &e), CUTRU_OK);
	d = full(2026, 3, 3);
	ck_assert_int_eq(holiday_is_working_day(&t, &d), 1);
	ck_assert_ptr_null(holiday_lookup(&t, &d));
}
END_TEST

static void
check_refuses(const struct holiday_table *t, const char *want)
{
	struct cutru_err e;

	cutru_err_clear(&e);
	ck_assert_int_eq(holiday_table_check(t, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "holidays");
	ck_assert_msg(strstr(e.msg, want) != NULL,
	    "message \"%s\" lacks \"%s\"", e.msg, want);
}

START_TEST(table_check_refuses_bad_tables)
{
	struct holiday_entry ent[3];
	struct holiday_table t = { "v1", 2026, 2026, ent, 2 };

	memcpy(ent, feed_entries, sizeof feed_entries);
	ck_assert_int_eq(holiday_table_check(&t, NULL), CUTRU_OK);

	t.version = NULL;
	check_refuses(&t, "has no version");
	t.version = "";
	check_refuses(&t, "has no version");
	t.version = "v1";

	t.first_year = 2027;
	check_refuses(&t, "2027 to 2026");
	t.first_year = 1800;
	check_refuses(&t, "not a valid range");
	t.first_year = 2026;
	t.last_year = 2300;
	check_refuses(&t, "not a valid range");
	t.last_year = 2026;

	t.entries = NULL;
	check_refuses(&t, "has no entries");
	t.entries = ent;

	ent[1].date.day = 31;
	ent[1].date.month = 2;
	check_refuses(&t, "entry 2 is not a valid full date");
	ent[1].date = (struct cutru_date){ 2026, 3, 0, CUTRU_DATE_MONTH };
	check_refuses(&t, "entry 2 is not a valid full date");
	ent[1].date = (struct cutru_date){ 2027, 3, 6, CUTRU_DATE_DAY };
	check_refuses(&t, "entry 2 (06/03/2027) lies outside");
	ent[1].date = (struct cutru_date){ 2026, 3, 1, CUTRU_DATE_DAY };
	check_refuses(&t, "entry 2 (01/03/2026) is not after");
	ent[1].date = ent[0].date;
	check_refuses(&t, "each date once");
	memcpy(ent, feed_entries, sizeof feed_entries);

	ent[0].kind = (enum holiday_kind)7;
	check_refuses(&t, "entry 1 (03/03/2026) has an unknown kind");
	ent[0].kind = HOLIDAY_WORKDAY;
	check_refuses(&t, "makes a weekday a working day");
	ent[0].kind = HOLIDAY_OFF;
	ent[1].name = NULL;
	check_refuses(&t, "entry 2 (07/03/2026) has no name");
	ent[1].name = "";
	check_refuses(&t, "has no name");
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("holiday");
	TCase *tc = tcase_create("holiday");

	tcase_add_test(tc, builtin_table_is_valid_and_versioned);
	tcase_add_test(tc, coverage_says_which_years_are_known);
	tcase_add_test(tc, public_holidays_2025_are_days_off);
	tcase_add_test(tc, public_holidays_2026_are_days_off);
	tcase_add_test(tc, public_holidays_2027_are_days_off);
	tcase_add_test(tc, swapped_saturdays_are_working_days);
	tcase_add_test(tc, working_days_per_year);
	tcase_add_test(tc, uncovered_years_have_weekends_only);
	tcase_add_test(tc, invalid_dates_are_not_days);
	tcase_add_test(tc, lookup_names_the_day);
	tcase_add_test(tc, next_working_day);
	tcase_add_test(tc, no_working_day_left_in_the_range);
	tcase_add_test(tc, add_working_days);
	tcase_add_test(tc, session_boundary_is_noon);
	tcase_add_test(tc, all_deadlines_from_a_plain_monday_morning);
	tcase_add_test(tc, all_deadlines_from_a_plain_monday_afternoon);
	tcase_add_test(tc, all_deadlines_across_the_april_holidays);
	tcase_add_test(tc, friday_afternoon_half_day);
	tcase_add_test(tc, received_the_day_before_tet);
	tcase_add_test(tc, received_on_a_working_saturday);
	tcase_add_test(tc, received_on_a_day_off_counts_from_the_next_working_day);
	tcase_add_test(tc, deadline_zero_is_the_same_session);
	tcase_add_test(tc, deadlines_spanning_the_year_end);
	tcase_add_test(tc, provisional_due_dates_are_flagged);
	tcase_add_test(tc, due_date_refuses_bad_arguments);
	tcase_add_test(tc, callers_can_supply_another_table);
	tcase_add_test(tc, table_check_refuses_bad_tables);
	suite_add_tcase(s, tc);
	return s;
}
