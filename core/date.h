/* Calendar dates: parsing what an officer types, validating, formatting,
 * and day arithmetic.  Works on struct cutru_date (core/types.h), which may
 * be partial: year only, or month and year, as legacy household books record
 * births.
 *
 * The calendar is the proleptic Gregorian one.  Every date this module
 * accepts or produces lies in the years DATE_YEAR_MIN..DATE_YEAR_MAX; that is
 * what "valid" means below, together with a month in 1..12, a day that exists
 * in its month, and fields below the precision set to 0.
 *
 * Core never reads the clock: whoever needs "today" passes it in, and
 * date_local_vn() turns a time_t into the date and time of day in Vietnam.
 *
 * All functions are pure and reentrant.  Pointer arguments must not be NULL
 * unless the comment says so. */
#ifndef CUTRU_DATE_H
#define CUTRU_DATE_H

#include <stddef.h>
#include <time.h>

#include "core/err.h"
#include "core/types.h"

#define DATE_YEAR_MIN 1850
#define DATE_YEAR_MAX 2200

/* Big enough for any formatted date and its NUL ("YYYY-MM-DD", "DD/MM/YYYY"). */
#define DATE_FMT_MAX 11

/* Vietnam's offset from UTC, in seconds.  Asia/Ho_Chi_Minh has used UTC+7
 * without daylight saving since 1975. */
#define DATE_VN_UTC_OFFSET (7 * 3600)

/* 1 if year is a Gregorian leap year (2000 yes, 1900 and 2100 no), else 0. */
int date_is_leap(int year);

/* Days in month (1..12) of year: 28..31, or 0 if month is out of range. */
int date_days_in_month(int year, int month);

/* Parse a date as typed: "YYYY", "YYYY-MM", "YYYY-MM-DD" (ISO), or day
 * first as Vietnamese write it, "MM/YYYY" and "DD/MM/YYYY".  Day and month
 * may have one or two digits; the year always has four.  ASCII blanks around
 * the text are ignored; an empty (or all-blank, or NULL) string gives an
 * unknown date (prec CUTRU_DATE_NONE) and CUTRU_OK, since an unknown date of
 * birth is allowed; callers that require a date test the precision.
 * The result is validated as by date_check().
 * field names the form field for e ("date_of_birth"); it may be NULL.
 * On failure *out is the unknown date and e says what is wrong. */
int date_parse(const char *s, const char *field, struct cutru_date *out,
    struct cutru_err *e);

/* As date_parse() for len bytes at s, which need not be NUL-terminated and
 * may contain NUL bytes (which are refused). */
int date_parse_n(const char *s, size_t len, const char *field,
    struct cutru_date *out, struct cutru_err *e);

/* 1 if d is valid (see above; the unknown date with all fields 0 is valid),
 * else 0.  d may be NULL (not valid). */
int date_valid(const struct cutru_date *d);

/* As date_valid(), but says what is wrong in e, naming field (may be NULL):
 * CUTRU_EINVAL for a month or day that does not exist, CUTRU_ERANGE for a
 * year outside DATE_YEAR_MIN..DATE_YEAR_MAX. */
int date_check(const struct cutru_date *d, const char *field,
    struct cutru_err *e);

/* CUTRU_ERANGE if d certainly lies after today, that is if the first day d
 * can stand for is after today: a year-only date of the current year is not
 * in the future.  The unknown date is never in the future.  Both dates must
 * be valid and today must be a full date (CUTRU_EINVAL otherwise). */
int date_check_not_future(const struct cutru_date *d,
    const struct cutru_date *today, const char *field, struct cutru_err *e);

/* Write d into buf (size bytes, DATE_FMT_MAX is always enough) as ISO
 * "YYYY", "YYYY-MM" or "YYYY-MM-DD"; the unknown date gives "".
 * CUTRU_EINVAL if d is not valid, CUTRU_ERANGE if buf is too small; on
 * failure buf holds "" (when size > 0). */
int date_format_iso(const struct cutru_date *d, char *buf, size_t size);

/* As date_format_iso(), for display in Vietnamese order: "DD/MM/YYYY",
 * "MM/YYYY" or "YYYY". */
int date_format_vn(const struct cutru_date *d, char *buf, size_t size);

/* Day arithmetic.  A day number counts days since 1970-01-01 (day 0); days
 * before it are negative.  These functions need full dates (prec
 * CUTRU_DATE_DAY) unless said otherwise, return CUTRU_EINVAL when an input
 * is not a valid date of the needed precision and CUTRU_ERANGE when the
 * result would leave DATE_YEAR_MIN..DATE_YEAR_MAX; on failure the output
 * date is the unknown date and an output number is 0. */
int date_to_days(const struct cutru_date *d, long *days);
int date_from_days(long days, struct cutru_date *out);

/* *out = d + n days (n may be negative). */
int date_add_days(const struct cutru_date *d, long n, struct cutru_date *out);

/* *out = d + n calendar months (n may be negative).  d may be a full date
 * or a month-precision one.  A day that does not exist in the target month
 * is clamped to its last day: 31/01/2024 + 1 month = 29/02/2024,
 * 31/01/2023 + 1 month = 28/02/2023. */
int date_add_months(const struct cutru_date *d, long n,
    struct cutru_date *out);

/* *out = d + n years, of any precision but unknown; 29/02 becomes 28/02 in
 * a year that is not a leap year. */
int date_add_years(const struct cutru_date *d, long n,
    struct cutru_date *out);

/* *days = b - a, in days (negative when b is before a). */
int date_diff_days(const struct cutru_date *a, const struct cutru_date *b,
    long *days);

/* ISO weekday of a full valid date: 1 Monday ("Thứ Hai") .. 6 Saturday
 * ("Thứ Bảy"), 7 Sunday ("Chủ nhật"); 0 if d is not a valid full date. */
int date_weekday(const struct cutru_date *d);

/* Weekday as above of a day number (any value). */
int date_weekday_of_days(long days);

/* The first and last day a date can stand for: 1990 -> 01/01/1990 and
 * 31/12/1990; 02/2024 -> 01/02/2024 and 29/02/2024; a full date -> itself
 * twice.  Either output may be NULL.  CUTRU_EINVAL for the unknown date or
 * an invalid one. */
int date_span(const struct cutru_date *d, struct cutru_date *first,
    struct cutru_date *last);

/* A total order for sorting lists, the order of the ISO strings: the
 * unknown date first, then by year, month, day, a missing field before any
 * present one (1990 < 01/1990 < 01/01/1990 < 02/01/1990 < 1991).  Returns
 * <0, 0 or >0.  It does not say which came first in time when one date is
 * partial: use date_relate() for that.  NULL counts as the unknown date. */
int date_compare(const struct cutru_date *a, const struct cutru_date *b);

/* How two possibly partial dates relate in time, each taken as the span of
 * days it can stand for (date_span()). */
enum date_rel {
	DATE_REL_UNKNOWN = 0,  /* a date is unknown or invalid (or NULL) */
	DATE_REL_BEFORE,       /* every day of a is before every day of b */
	DATE_REL_SAME,         /* the same date at the same precision */
	DATE_REL_AFTER,        /* every day of a is after every day of b */
	DATE_REL_OVERLAP       /* the spans overlap but differ: cannot tell
	                        * (1990 against 05/03/1990) */
};
enum date_rel date_relate(const struct cutru_date *a,
    const struct cutru_date *b);

/* The date in Vietnam (UTC+7, no daylight saving) at instant t, and the
 * seconds since local midnight (0..86399) in *sec_of_day if it is not NULL.
 * Pure arithmetic: no time zone database, no clock.  CUTRU_ERANGE if the
 * date falls outside DATE_YEAR_MIN..DATE_YEAR_MAX. */
int date_local_vn(time_t t, struct cutru_date *out, int *sec_of_day);

#endif
