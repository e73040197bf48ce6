#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <check.h>

#include "core/date.h"
#include "core/err.h"
#include "tests/unit/tap_main.h"

static struct cutru_date
mk(int y, int m, int d, enum cutru_date_prec p)
{
	struct cutru_date r;

	r.year = y;
	r.month = m;
	r.day = d;
	r.prec = p;
	return r;
}

static struct cutru_date
full(int y, int m, int d)
{
	return mk(y, m, d, CUTRU_DATE_DAY);
}

#define ck_date(dt, y, m, d, p) do {					\
	ck_assert_int_eq((dt).year, (y));				\
	ck_assert_int_eq((dt).month, (m));				\
	ck_assert_int_eq((dt).day, (d));				\
	ck_assert_int_eq((int)(dt).prec, (int)(p));			\
} while (0)

/* Parse s; expect failure rc and a message containing want. */
static void
parse_fails(const char *s, int rc, const char *want)
{
	struct cutru_date d = full(2000, 1, 1);
	struct cutru_err e;

	cutru_err_clear(&e);
	ck_assert_msg(date_parse(s, "date_of_birth", &d, &e) == rc,
	    "rc for \"%s\": %s", s, e.msg);
	ck_assert_int_eq(e.code, rc);
	ck_assert_str_eq(e.field, "date_of_birth");
	ck_assert_msg(strstr(e.msg, want) != NULL, "\"%s\": message \"%s\" "
	    "lacks \"%s\"", s, e.msg, want);
	ck_date(d, 0, 0, 0, CUTRU_DATE_NONE);
}

START_TEST(leap_years_follow_gregorian_rules)
{
	ck_assert_int_eq(date_is_leap(1900), 0);
	ck_assert_int_eq(date_is_leap(2000), 1);
	ck_assert_int_eq(date_is_leap(2024), 1);
	ck_assert_int_eq(date_is_leap(2023), 0);
	ck_assert_int_eq(date_is_leap(2100), 0);
	ck_assert_int_eq(date_days_in_month(1900, 2), 28);
	ck_assert_int_eq(date_days_in_month(2000, 2), 29);
	ck_assert_int_eq(date_days_in_month(2023, 4), 30);
	ck_assert_int_eq(date_days_in_month(2023, 12), 31);
	ck_assert_int_eq(date_days_in_month(2023, 0), 0);
	ck_assert_int_eq(date_days_in_month(2023, 13), 0);
}
END_TEST

START_TEST(parses_iso_full_and_partial)
{
	struct cutru_date d;
	struct cutru_err e;

	ck_assert_int_eq(date_parse("1990", NULL, &d, &e), CUTRU_OK);
	ck_date(d, 1990, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(date_parse("1990-03", NULL, &d, &e), CUTRU_OK);
	ck_date(d, 1990, 3, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_parse("1990-03-05", NULL, &d, &e), CUTRU_OK);
	ck_date(d, 1990, 3, 5, CUTRU_DATE_DAY);
	ck_assert_int_eq(date_parse("1990-3-5", NULL, &d, &e), CUTRU_OK);
	ck_date(d, 1990, 3, 5, CUTRU_DATE_DAY);
}
END_TEST

START_TEST(parses_day_first_as_officers_type)
{
	struct cutru_date d;
	struct cutru_err e;

	ck_assert_int_eq(date_parse("05/03/1990", NULL, &d, &e), CUTRU_OK);
	ck_date(d, 1990, 3, 5, CUTRU_DATE_DAY);
	ck_assert_int_eq(date_parse("5/3/1990", NULL, &d, &e), CUTRU_OK);
	ck_date(d, 1990, 3, 5, CUTRU_DATE_DAY);
	ck_assert_int_eq(date_parse("03/1990", NULL, &d, &e), CUTRU_OK);
	ck_date(d, 1990, 3, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_parse("3/1990", NULL, &d, &e), CUTRU_OK);
	ck_date(d, 1990, 3, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_parse(" \t31/12/2025\r\n", NULL, &d, &e),
	    CUTRU_OK);
	ck_date(d, 2025, 12, 31, CUTRU_DATE_DAY);
}
END_TEST

START_TEST(empty_input_is_the_unknown_date)
{
	struct cutru_date d = full(2000, 1, 1);
	struct cutru_err e;

	ck_assert_int_eq(date_parse("", NULL, &d, &e), CUTRU_OK);
	ck_date(d, 0, 0, 0, CUTRU_DATE_NONE);
	d = full(2000, 1, 1);
	ck_assert_int_eq(date_parse(NULL, NULL, &d, &e), CUTRU_OK);
	ck_date(d, 0, 0, 0, CUTRU_DATE_NONE);
	d = full(2000, 1, 1);
	ck_assert_int_eq(date_parse(" \t \r\n", NULL, &d, &e), CUTRU_OK);
	ck_date(d, 0, 0, 0, CUTRU_DATE_NONE);
	ck_assert_int_eq(date_parse_n(NULL, 5, NULL, &d, &e), CUTRU_OK);
	ck_date(d, 0, 0, 0, CUTRU_DATE_NONE);
}
END_TEST

START_TEST(leap_days)
{
	struct cutru_date d;
	struct cutru_err e;

	parse_fails("29/02/1900", CUTRU_EINVAL, "1900 is not a leap year");
	parse_fails("2100-02-29", CUTRU_EINVAL, "2100 is not a leap year");
	parse_fails("29/02/2023", CUTRU_EINVAL, "not a leap year");
	ck_assert_int_eq(date_parse("29/02/2000", NULL, &d, &e), CUTRU_OK);
	ck_date(d, 2000, 2, 29, CUTRU_DATE_DAY);
	ck_assert_int_eq(date_parse("29/02/2024", NULL, &d, &e), CUTRU_OK);
	ck_date(d, 2024, 2, 29, CUTRU_DATE_DAY);
	parse_fails("30/02/2024", CUTRU_EINVAL, "has 29 days");
}
END_TEST

START_TEST(month_and_day_ranges)
{
	struct cutru_date d;
	struct cutru_err e;

	parse_fails("31/04/2023", CUTRU_EINVAL,
	    "31/04/2023 does not exist: month 04/2023 has 30 days");
	parse_fails("2023-13", CUTRU_EINVAL, "There is no month 13");
	parse_fails("13/2023", CUTRU_EINVAL, "There is no month 13");
	parse_fails("00/2023", CUTRU_EINVAL, "There is no month 0");
	parse_fails("00/01/2023", CUTRU_EINVAL, "00/01/2023 does not exist");
	parse_fails("32/01/2023", CUTRU_EINVAL, "has 31 days");
	ck_assert_int_eq(date_parse("31/01/2023", NULL, &d, &e), CUTRU_OK);
	ck_assert_int_eq(date_parse("30/04/2023", NULL, &d, &e), CUTRU_OK);
}
END_TEST

START_TEST(year_range)
{
	struct cutru_date d;
	struct cutru_err e;

	ck_assert_int_eq(date_parse("1850", NULL, &d, &e), CUTRU_OK);
	ck_assert_int_eq(date_parse("31/12/2200", NULL, &d, &e), CUTRU_OK);
	parse_fails("1849", CUTRU_ERANGE, "1849 is outside");
	parse_fails("01/01/2201", CUTRU_ERANGE, "2201 is outside");
	parse_fails("0000", CUTRU_ERANGE, "1850 to 2200");
}
END_TEST

START_TEST(refuses_what_is_not_a_date)
{
	static const char *const bad[] = {
		"90", "199", "19900", "1990/03/05", "05-03-1990",
		"1990-03-05-01", "1990--03", "-1990", "+1990", "1990-",
		"/1990", "05/03-1990", "1990.03.05", "1990-003-05",
		"001/03/1990", "5/003/1990", "1990 03 05", "x", "1990x",
		"99999999999999999999", "05/03/19900",
		/* Arabic-Indic and full-width digits: 1990 */
		"\xd9\xa1\xd9\xa9\xd9\xa9\xd9\xa0",
		"\xef\xbc\x91\xef\xbc\x99\xef\xbc\x99\xef\xbc\x90",
		/* invalid UTF-8 and an overlong '1' */
		"\xff\xfe", "\xc0\xb1\x39\x39\x30",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		parse_fails(bad[i], CUTRU_EINVAL, "This is not a date");
}
END_TEST

START_TEST(two_digit_years_get_their_own_advice)
{
	parse_fails("05/03/90", CUTRU_EINVAL, "four digits");
	parse_fails("3/90", CUTRU_EINVAL, "four digits");
}
END_TEST

START_TEST(embedded_nul_is_refused)
{
	struct cutru_date d;
	struct cutru_err e;

	ck_assert_int_eq(date_parse_n("1990\0-03", 8, NULL, &d, &e),
	    CUTRU_EINVAL);
	ck_date(d, 0, 0, 0, CUTRU_DATE_NONE);
	/* The explicit length is honoured: only "1990" is read. */
	ck_assert_int_eq(date_parse_n("1990-03", 4, NULL, &d, &e), CUTRU_OK);
	ck_date(d, 1990, 0, 0, CUTRU_DATE_YEAR);
}
END_TEST

START_TEST(megabyte_input_is_refused_quickly)
{
	size_t n = 1 << 20;
	char *big = malloc(n + 1);
	struct cutru_date d;
	struct cutru_err e;

	ck_assert_ptr_nonnull(big);
	memset(big, '1', n);
	big[n] = '\0';
	ck_assert_int_eq(date_parse(big, NULL, &d, &e), CUTRU_EINVAL);
	/* The message does not echo the input. */
	ck_assert_uint_lt(strlen(e.msg), 100);
	memset(big, ' ', n);
	memcpy(big + n / 2, "2024", 4);
	ck_assert_int_eq(date_parse(big, NULL, &d, &e), CUTRU_OK);
	ck_date(d, 2024, 0, 0, CUTRU_DATE_YEAR);
	free(big);
}
END_TEST

START_TEST(check_refuses_malformed_structs)
{
	struct cutru_date d;
	struct cutru_err e;

	ck_assert_int_eq(date_check(NULL, "x", &e), CUTRU_EINVAL);
	ck_assert_int_eq(date_valid(NULL), 0);
	d = mk(1990, 3, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(date_check(&d, "x", &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "precision"));
	d = mk(1990, 3, 5, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_valid(&d), 0);
	d = mk(1990, 0, 0, CUTRU_DATE_NONE);
	ck_assert_int_eq(date_valid(&d), 0);
	d = mk(1990, 3, 5, (enum cutru_date_prec)7);
	ck_assert_int_eq(date_valid(&d), 0);
	d = mk(0, 0, 0, CUTRU_DATE_NONE);
	ck_assert_int_eq(date_valid(&d), 1);
	d = mk(1990, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(date_valid(&d), 1);
	d = mk(1990, 13, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_valid(&d), 0);
	d = full(1990, 2, -1);
	ck_assert_int_eq(date_valid(&d), 0);
}
END_TEST

START_TEST(future_dates)
{
	struct cutru_date today = full(2026, 11, 27), d;
	struct cutru_err e;

	d = mk(2026, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(date_check_not_future(&d, &today, "dob", &e),
	    CUTRU_OK);
	d = mk(2026, 11, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_check_not_future(&d, &today, "dob", &e),
	    CUTRU_OK);
	d = today;
	ck_assert_int_eq(date_check_not_future(&d, &today, "dob", &e),
	    CUTRU_OK);
	d = mk(0, 0, 0, CUTRU_DATE_NONE);
	ck_assert_int_eq(date_check_not_future(&d, &today, "dob", &e),
	    CUTRU_OK);

	d = full(2026, 11, 28);
	ck_assert_int_eq(date_check_not_future(&d, &today, "dob", &e),
	    CUTRU_ERANGE);
	ck_assert_str_eq(e.field, "dob");
	ck_assert_str_eq(e.msg,
	    "The date 28/11/2026 is in the future (today is 27/11/2026).");
	d = mk(2026, 12, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_check_not_future(&d, &today, "dob", &e),
	    CUTRU_ERANGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "12/2026"));
	d = mk(2027, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(date_check_not_future(&d, &today, "dob", &e),
	    CUTRU_ERANGE);

	/* A partial "today" or an invalid date cannot be judged. */
	today = mk(2026, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(date_check_not_future(&d, &today, "dob", &e),
	    CUTRU_EINVAL);
	today = full(2026, 11, 27);
	d = full(2026, 2, 30);
	ck_assert_int_eq(date_check_not_future(&d, &today, "dob", &e),
	    CUTRU_EINVAL);
}
END_TEST

START_TEST(formats_iso_and_vietnamese)
{
	char buf[DATE_FMT_MAX];
	struct cutru_date d;

	d = full(1990, 3, 5);
	ck_assert_int_eq(date_format_iso(&d, buf, sizeof buf), CUTRU_OK);
	ck_assert_str_eq(buf, "1990-03-05");
	ck_assert_int_eq(date_format_vn(&d, buf, sizeof buf), CUTRU_OK);
	ck_assert_str_eq(buf, "05/03/1990");
	d = mk(1990, 3, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_format_iso(&d, buf, sizeof buf), CUTRU_OK);
	ck_assert_str_eq(buf, "1990-03");
	ck_assert_int_eq(date_format_vn(&d, buf, sizeof buf), CUTRU_OK);
	ck_assert_str_eq(buf, "03/1990");
	d = mk(1990, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(date_format_iso(&d, buf, sizeof buf), CUTRU_OK);
	ck_assert_str_eq(buf, "1990");
	ck_assert_int_eq(date_format_vn(&d, buf, sizeof buf), CUTRU_OK);
	ck_assert_str_eq(buf, "1990");
	d = mk(0, 0, 0, CUTRU_DATE_NONE);
	ck_assert_int_eq(date_format_vn(&d, buf, sizeof buf), CUTRU_OK);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(format_round_trips_through_parse)
{
	char buf[DATE_FMT_MAX], ref[32];
	struct cutru_date d, back;
	struct cutru_err e;
	long n;

	/* Every fifth day of the whole range, both formats, each as
	 * printf's %04d and %02d would write it. */
	for (n = -43829; n <= 84370; n += 5) {
		ck_assert_int_eq(date_from_days(n, &d), CUTRU_OK);
		ck_assert_int_eq(date_format_iso(&d, buf, sizeof buf), CUTRU_OK);
		snprintf(ref, sizeof ref, "%04d-%02d-%02d", d.year, d.month,
		    d.day);
		ck_assert_str_eq(buf, ref);
		ck_assert_int_eq(date_parse(buf, NULL, &back, &e), CUTRU_OK);
		ck_assert_int_eq(date_compare(&d, &back), 0);
		ck_assert_int_eq(date_format_vn(&d, buf, sizeof buf), CUTRU_OK);
		snprintf(ref, sizeof ref, "%02d/%02d/%04d", d.day, d.month,
		    d.year);
		ck_assert_str_eq(buf, ref);
		ck_assert_int_eq(date_parse(buf, NULL, &back, &e), CUTRU_OK);
		ck_assert_int_eq(date_compare(&d, &back), 0);
	}
	/* Months and years alone, at both ends of the range too. */
	for (n = DATE_YEAR_MIN; n <= DATE_YEAR_MAX; n++) {
		d = mk((int)n, 0, 0, CUTRU_DATE_YEAR);
		ck_assert_int_eq(date_format_vn(&d, buf, sizeof buf), CUTRU_OK);
		snprintf(ref, sizeof ref, "%04ld", n);
		ck_assert_str_eq(buf, ref);
		d = mk((int)n, (int)(n % 12) + 1, 0, CUTRU_DATE_MONTH);
		ck_assert_int_eq(date_format_iso(&d, buf, sizeof buf), CUTRU_OK);
		snprintf(ref, sizeof ref, "%04ld-%02d", n, d.month);
		ck_assert_str_eq(buf, ref);
		ck_assert_int_eq(date_format_vn(&d, buf, sizeof buf), CUTRU_OK);
		snprintf(ref, sizeof ref, "%02d/%04ld", d.month, n);
		ck_assert_str_eq(buf, ref);
	}
}
END_TEST

START_TEST(format_refuses_small_buffers_and_bad_dates)
{
	char buf[DATE_FMT_MAX];
	struct cutru_date d = full(1990, 3, 5);

	memcpy(buf, "xxxx", 5);
	ck_assert_int_eq(date_format_iso(&d, buf, 10), CUTRU_ERANGE);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(date_format_vn(&d, buf, 0), CUTRU_ERANGE);
	d = mk(0, 0, 0, CUTRU_DATE_NONE);
	ck_assert_int_eq(date_format_vn(&d, buf, 0), CUTRU_ERANGE);
	d = full(1990, 2, 30);
	memcpy(buf, "xxxx", 5);
	ck_assert_int_eq(date_format_vn(&d, buf, sizeof buf), CUTRU_EINVAL);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(day_numbers)
{
	struct cutru_date d;
	long n;

	d = full(1970, 1, 1);
	ck_assert_int_eq(date_to_days(&d, &n), CUTRU_OK);
	ck_assert_int_eq(n, 0);
	d = full(2000, 3, 1);
	ck_assert_int_eq(date_to_days(&d, &n), CUTRU_OK);
	ck_assert_int_eq(n, 11017);
	d = full(1850, 1, 1);
	ck_assert_int_eq(date_to_days(&d, &n), CUTRU_OK);
	ck_assert_int_eq(n, -43829);
	d = full(2200, 12, 31);
	ck_assert_int_eq(date_to_days(&d, &n), CUTRU_OK);
	ck_assert_int_eq(n, 84370);
	ck_assert_int_eq(date_from_days(84371, &d), CUTRU_ERANGE);
	ck_date(d, 0, 0, 0, CUTRU_DATE_NONE);
	ck_assert_int_eq(date_from_days(-43830, &d), CUTRU_ERANGE);
	ck_assert_int_eq(date_from_days(LONG_MAX, &d), CUTRU_ERANGE);
	ck_assert_int_eq(date_from_days(LONG_MIN, &d), CUTRU_ERANGE);
	d = mk(1990, 3, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_to_days(&d, &n), CUTRU_EINVAL);
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(day_numbers_are_consecutive_over_the_range)
{
	struct cutru_date d, prev;
	long n, back;

	ck_assert_int_eq(date_from_days(-43829, &prev), CUTRU_OK);
	for (n = -43828; n <= 84370; n++) {
		ck_assert_int_eq(date_from_days(n, &d), CUTRU_OK);
		ck_assert_int_eq(date_valid(&d), 1);
		ck_assert_int_eq(date_to_days(&d, &back), CUTRU_OK);
		ck_assert_int_eq(back, n);
		if (d.day == 1)
			ck_assert_int_eq(prev.day,
			    date_days_in_month(prev.year, prev.month));
		else
			ck_assert_int_eq(d.day, prev.day + 1);
		ck_assert_int_eq(date_weekday_of_days(n) % 7,
		    (date_weekday_of_days(n - 1) + 1) % 7);
		prev = d;
	}
}
END_TEST

START_TEST(add_days)
{
	struct cutru_date d = full(2025, 12, 31), r;

	ck_assert_int_eq(date_add_days(&d, 1, &r), CUTRU_OK);
	ck_date(r, 2026, 1, 1, CUTRU_DATE_DAY);
	d = full(2024, 2, 28);
	ck_assert_int_eq(date_add_days(&d, 1, &r), CUTRU_OK);
	ck_date(r, 2024, 2, 29, CUTRU_DATE_DAY);
	d = full(1900, 2, 28);
	ck_assert_int_eq(date_add_days(&d, 1, &r), CUTRU_OK);
	ck_date(r, 1900, 3, 1, CUTRU_DATE_DAY);
	d = full(2026, 3, 1);
	ck_assert_int_eq(date_add_days(&d, -1, &r), CUTRU_OK);
	ck_date(r, 2026, 2, 28, CUTRU_DATE_DAY);
	ck_assert_int_eq(date_add_days(&d, 365, &d), CUTRU_OK);
	ck_date(d, 2027, 3, 1, CUTRU_DATE_DAY);

	d = full(2200, 12, 31);
	ck_assert_int_eq(date_add_days(&d, 1, &r), CUTRU_ERANGE);
	ck_date(r, 0, 0, 0, CUTRU_DATE_NONE);
	d = full(1850, 1, 1);
	ck_assert_int_eq(date_add_days(&d, -1, &r), CUTRU_ERANGE);
	ck_assert_int_eq(date_add_days(&d, LONG_MAX, &r), CUTRU_ERANGE);
	ck_assert_int_eq(date_add_days(&d, LONG_MIN, &r), CUTRU_ERANGE);
	d = mk(2000, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(date_add_days(&d, 1, &r), CUTRU_EINVAL);
}
END_TEST

START_TEST(add_months_clamps_to_month_end)
{
	struct cutru_date d = full(2024, 1, 31), r;

	ck_assert_int_eq(date_add_months(&d, 1, &r), CUTRU_OK);
	ck_date(r, 2024, 2, 29, CUTRU_DATE_DAY);
	d = full(2023, 1, 31);
	ck_assert_int_eq(date_add_months(&d, 1, &r), CUTRU_OK);
	ck_date(r, 2023, 2, 28, CUTRU_DATE_DAY);
	d = full(2023, 3, 31);
	ck_assert_int_eq(date_add_months(&d, -1, &r), CUTRU_OK);
	ck_date(r, 2023, 2, 28, CUTRU_DATE_DAY);
	d = full(2023, 5, 31);
	ck_assert_int_eq(date_add_months(&d, 1, &r), CUTRU_OK);
	ck_date(r, 2023, 6, 30, CUTRU_DATE_DAY);
	d = full(2025, 11, 15);
	ck_assert_int_eq(date_add_months(&d, 14, &r), CUTRU_OK);
	ck_date(r, 2027, 1, 15, CUTRU_DATE_DAY);
	ck_assert_int_eq(date_add_months(&d, -11, &r), CUTRU_OK);
	ck_date(r, 2024, 12, 15, CUTRU_DATE_DAY);
	/* out may be the input */
	d = full(2024, 1, 31);
	ck_assert_int_eq(date_add_months(&d, 1, &d), CUTRU_OK);
	ck_date(d, 2024, 2, 29, CUTRU_DATE_DAY);

	d = mk(2024, 11, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_add_months(&d, 3, &r), CUTRU_OK);
	ck_date(r, 2025, 2, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_add_months(&d, -23, &r), CUTRU_OK);
	ck_date(r, 2022, 12, 0, CUTRU_DATE_MONTH);

	d = mk(2024, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(date_add_months(&d, 1, &r), CUTRU_EINVAL);
	ck_date(r, 0, 0, 0, CUTRU_DATE_NONE);
	d = full(2200, 12, 1);
	ck_assert_int_eq(date_add_months(&d, 1, &r), CUTRU_ERANGE);
	ck_assert_int_eq(date_add_months(&d, LONG_MIN, &r), CUTRU_ERANGE);
}
END_TEST

START_TEST(add_years)
{
	struct cutru_date d = full(2024, 2, 29), r;

	ck_assert_int_eq(date_add_years(&d, 1, &r), CUTRU_OK);
	ck_date(r, 2025, 2, 28, CUTRU_DATE_DAY);
	ck_assert_int_eq(date_add_years(&d, 4, &r), CUTRU_OK);
	ck_date(r, 2028, 2, 29, CUTRU_DATE_DAY);
	ck_assert_int_eq(date_add_years(&d, -124, &r), CUTRU_OK);
	ck_date(r, 1900, 2, 28, CUTRU_DATE_DAY);
	d = full(2026, 11, 27);
	ck_assert_int_eq(date_add_years(&d, 2, &r), CUTRU_OK);
	ck_date(r, 2028, 11, 27, CUTRU_DATE_DAY);
	d = mk(1990, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(date_add_years(&d, 10, &r), CUTRU_OK);
	ck_date(r, 2000, 0, 0, CUTRU_DATE_YEAR);
	d = mk(1990, 5, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_add_years(&d, 10, &r), CUTRU_OK);
	ck_date(r, 2000, 5, 0, CUTRU_DATE_MONTH);
	d = mk(2200, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(date_add_years(&d, 1, &r), CUTRU_ERANGE);
	ck_assert_int_eq(date_add_years(&d, LONG_MAX, &r), CUTRU_ERANGE);
	d = mk(0, 0, 0, CUTRU_DATE_NONE);
	ck_assert_int_eq(date_add_years(&d, 1, &r), CUTRU_EINVAL);
}
END_TEST

START_TEST(diff_days)
{
	struct cutru_date a = full(2024, 1, 1), b = full(2025, 1, 1);
	struct cutru_date p = mk(2025, 0, 0, CUTRU_DATE_YEAR);
	long n;

	ck_assert_int_eq(date_diff_days(&a, &b, &n), CUTRU_OK);
	ck_assert_int_eq(n, 366);
	ck_assert_int_eq(date_diff_days(&b, &a, &n), CUTRU_OK);
	ck_assert_int_eq(n, -366);
	a = full(1900, 2, 28);
	b = full(1900, 3, 1);
	ck_assert_int_eq(date_diff_days(&a, &b, &n), CUTRU_OK);
	ck_assert_int_eq(n, 1);
	a = full(2000, 2, 28);
	b = full(2000, 3, 1);
	ck_assert_int_eq(date_diff_days(&a, &b, &n), CUTRU_OK);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(date_diff_days(&a, &p, &n), CUTRU_EINVAL);
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(weekdays)
{
	struct cutru_date d;

	d = full(1970, 1, 1);
	ck_assert_int_eq(date_weekday(&d), 4);
	d = full(2026, 11, 27);
	ck_assert_int_eq(date_weekday(&d), 5);
	d = full(2000, 1, 1);
	ck_assert_int_eq(date_weekday(&d), 6);
	d = full(2026, 3, 1);
	ck_assert_int_eq(date_weekday(&d), 7);
	d = full(2026, 3, 2);
	ck_assert_int_eq(date_weekday(&d), 1);
	d = full(1850, 1, 1);
	ck_assert_int_eq(date_weekday(&d), 2);
	ck_assert_int_eq(date_weekday_of_days(-1), 3);
	ck_assert_int_eq(date_weekday_of_days(-7), 4);
	d = full(2026, 2, 29);
	ck_assert_int_eq(date_weekday(&d), 0);
	d = mk(2026, 2, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_weekday(&d), 0);
}
END_TEST

START_TEST(span_of_partial_dates)
{
	struct cutru_date d, f, l;

	d = mk(1990, 0, 0, CUTRU_DATE_YEAR);
	ck_assert_int_eq(date_span(&d, &f, &l), CUTRU_OK);
	ck_date(f, 1990, 1, 1, CUTRU_DATE_DAY);
	ck_date(l, 1990, 12, 31, CUTRU_DATE_DAY);
	d = mk(2024, 2, 0, CUTRU_DATE_MONTH);
	ck_assert_int_eq(date_span(&d, &f, NULL), CUTRU_OK);
	ck_date(f, 2024, 2, 1, CUTRU_DATE_DAY);
	ck_assert_int_eq(date_span(&d, NULL, &l), CUTRU_OK);
	ck_date(l, 2024, 2, 29, CUTRU_DATE_DAY);
	d = full(2024, 2, 10);
	ck_assert_int_eq(date_span(&d, &f, &l), CUTRU_OK);
	ck_date(f, 2024, 2, 10, CUTRU_DATE_DAY);
	ck_date(l, 2024, 2, 10, CUTRU_DATE_DAY);
	d = mk(0, 0, 0, CUTRU_DATE_NONE);
	ck_assert_int_eq(date_span(&d, &f, &l), CUTRU_EINVAL);
	ck_date(f, 0, 0, 0, CUTRU_DATE_NONE);
}
END_TEST

START_TEST(compare_sorts_like_iso_strings)
{
	struct cutru_date u = mk(0, 0, 0, CUTRU_DATE_NONE);
	struct cutru_date y = mk(1990, 0, 0, CUTRU_DATE_YEAR);
	struct cutru_date m = mk(1990, 1, 0, CUTRU_DATE_MONTH);
	struct cutru_date d1 = full(1990, 1, 1), d2 = full(1990, 1, 2);
	struct cutru_date y2 = mk(1991, 0, 0, CUTRU_DATE_YEAR);
	const struct cutru_date *order[] = { NULL, &y, &m, &d1, &d2, &y2 };
	size_t i, j;

	for (i = 0; i < 6; i++)
		for (j = 0; j < 6; j++) {
			int c = date_compare(order[i], order[j]);

			if (i < j)
				ck_assert_int_lt(c, 0);
			else if (i > j)
				ck_assert_int_gt(c, 0);
			else
				ck_assert_int_eq(c, 0);
		}
	ck_assert_int_eq(date_compare(&u, NULL), 0);
	ck_assert_int_lt(date_compare(&u, &y), 0);
}
END_TEST

START_TEST(relate_partial_dates_in_time)
{
	struct cutru_date y = mk(1990, 0, 0, CUTRU_DATE_YEAR);
	struct cutru_date m = mk(1990, 3, 0, CUTRU_DATE_MONTH);
	struct cutru_date d = full(1990, 3, 5);
	struct cutru_date early = full(1989, 12, 31);
	struct cutru_date late = full(1991, 1, 1);
	struct cutru_date u = mk(0, 0, 0, CUTRU_DATE_NONE);

	ck_assert_int_eq(date_relate(&y, &y), DATE_REL_SAME);
	ck_assert_int_eq(date_relate(&d, &d), DATE_REL_SAME);
	ck_assert_int_eq(date_relate(&y, &d), DATE_REL_OVERLAP);
	ck_assert_int_eq(date_relate(&m, &d), DATE_REL_OVERLAP);
	ck_assert_int_eq(date_relate(&y, &m), DATE_REL_OVERLAP);
	ck_assert_int_eq(date_relate(&early, &y), DATE_REL_BEFORE);
	ck_assert_int_eq(date_relate(&late, &y), DATE_REL_AFTER);
	ck_assert_int_eq(date_relate(&m, &late), DATE_REL_BEFORE);
	ck_assert_int_eq(date_relate(&u, &d), DATE_REL_UNKNOWN);
	ck_assert_int_eq(date_relate(&d, NULL), DATE_REL_UNKNOWN);
}
END_TEST

START_TEST(local_date_in_vietnam)
{
	struct cutru_date d;
	int sec = -1;

	ck_assert_int_eq(date_local_vn(0, &d, &sec), CUTRU_OK);
	ck_date(d, 1970, 1, 1, CUTRU_DATE_DAY);
	ck_assert_int_eq(sec, 7 * 3600);
	/* 16:59:59 UTC is 23:59:59 in Hanoi, 17:00 UTC the next day. */
	ck_assert_int_eq(date_local_vn((time_t)1795798799, &d, &sec),
	    CUTRU_OK);
	ck_date(d, 2026, 11, 27, CUTRU_DATE_DAY);
	ck_assert_int_eq(sec, 86399);
	ck_assert_int_eq(date_local_vn((time_t)1795798800, &d, &sec),
	    CUTRU_OK);
	ck_date(d, 2026, 11, 28, CUTRU_DATE_DAY);
	ck_assert_int_eq(sec, 0);
	/* 05:00 UTC is noon in Hanoi. */
	ck_assert_int_eq(date_local_vn((time_t)1795755599, &d, &sec),
	    CUTRU_OK);
	ck_assert_int_eq(sec, 12 * 3600 - 1);
	ck_assert_int_eq(date_local_vn((time_t)1795755600, &d, NULL),
	    CUTRU_OK);
	ck_date(d, 2026, 11, 27, CUTRU_DATE_DAY);
	/* Before 1970. */
	ck_assert_int_eq(date_local_vn((time_t)-25201, &d, &sec), CUTRU_OK);
	ck_date(d, 1969, 12, 31, CUTRU_DATE_DAY);
	ck_assert_int_eq(sec, 86399);
	ck_assert_int_eq(date_local_vn((time_t)-1, &d, &sec), CUTRU_OK);
	ck_date(d, 1970, 1, 1, CUTRU_DATE_DAY);
	ck_assert_int_eq(sec, 7 * 3600 - 1);
}
END_TEST

START_TEST(local_date_range)
{
	struct cutru_date d;
	int sec;

	if (sizeof(time_t) < 8)
		return;
	ck_assert_int_eq(date_local_vn((time_t)-3786850800LL, &d, &sec),
	    CUTRU_OK);
	ck_date(d, 1850, 1, 1, CUTRU_DATE_DAY);
	ck_assert_int_eq(sec, 0);
	ck_assert_int_eq(date_local_vn((time_t)-3786850801LL, &d, &sec),
	    CUTRU_ERANGE);
	ck_date(d, 0, 0, 0, CUTRU_DATE_NONE);
	ck_assert_int_eq(sec, 0);
	ck_assert_int_eq(date_local_vn((time_t)7289629199LL, &d, &sec),
	    CUTRU_OK);
	ck_date(d, 2200, 12, 31, CUTRU_DATE_DAY);
	ck_assert_int_eq(date_local_vn((time_t)7289629200LL, &d, &sec),
	    CUTRU_ERANGE);
	ck_assert_int_eq(date_local_vn((time_t)LLONG_MAX, &d, &sec),
	    CUTRU_ERANGE);
	ck_assert_int_eq(date_local_vn((time_t)LLONG_MIN, &d, &sec),
	    CUTRU_ERANGE);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("date");
	TCase *tc = tcase_create("date");

	tcase_add_test(tc, leap_years_follow_gregorian_rules);
	tcase_add_test(tc, parses_iso_full_and_partial);
	tcase_add_test(tc, parses_day_first_as_officers_type);
	tcase_add_test(tc, empty_input_is_the_unknown_date);
	tcase_add_test(tc, leap_days);
	tcase_add_test(tc, month_and_day_ranges);
	tcase_add_test(tc, year_range);
	tcase_add_test(tc, refuses_what_is_not_a_date);
	tcase_add_test(tc, two_digit_years_get_their_own_advice);
	tcase_add_test(tc, embedded_nul_is_refused);
	tcase_add_test(tc, megabyte_input_is_refused_quickly);
	tcase_add_test(tc, check_refuses_malformed_structs);
	tcase_add_test(tc, future_dates);
	tcase_add_test(tc, formats_iso_and_vietnamese);
	tcase_add_test(tc, format_round_trips_through_parse);
	tcase_add_test(tc, format_refuses_small_buffers_and_bad_dates);
	tcase_add_test(tc, day_numbers);
	tcase_add_test(tc, day_numbers_are_consecutive_over_the_range);
	tcase_add_test(tc, add_days);
	tcase_add_test(tc, add_months_clamps_to_month_end);
	tcase_add_test(tc, add_years);
	tcase_add_test(tc, diff_days);
	tcase_add_test(tc, weekdays);
	tcase_add_test(tc, span_of_partial_dates);
	tcase_add_test(tc, compare_sorts_like_iso_strings);
	tcase_add_test(tc, relate_partial_dates_in_time);
	tcase_add_test(tc, local_date_in_vietnam);
	tcase_add_test(tc, local_date_range);
	suite_add_tcase(s, tc);
	return s;
}
