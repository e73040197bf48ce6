/* Vietnam's official days off, working days, and the due date of a
 * procedure from its statutory deadline.
 *
 * The working week of a commune police office is Monday to Friday, two
 * sessions a day: morning and afternoon (the boundary is 12:00).  A holiday
 * table lists the exceptions for some years: days off that fall on a weekday
 * (public holidays of Bộ luật Lao động 2019 Điều 112, the compensatory day
 * when a holiday falls on a weekend, and weekdays swapped into a longer
 * break) and weekend days made working days ("làm bù").  Years the table
 * does not cover have weekends only; holiday_year_coverage() says so, so the
 * screen can warn that a due date there may be too early.
 *
 * Due dates.  Deadlines are counted in half days (sessions) so that the
 * ½-day residence confirmation and the whole-day ones follow one rule:
 *   - The session in which the dossier is received is not counted (Bộ luật
 *     Dân sự 2015 Điều 147: the first day of a period is not counted, here
 *     with the session as the unit).  Received in the morning of a working
 *     day, counting starts that afternoon; received in the afternoon (12:00
 *     or later, or after office hours), it starts the next working
 *     morning.
 *   - Received on a day that is not a working day (weekend, holiday; online
 *     or at a weekend desk), counting starts the next working morning.
 *   - A deadline of N half days ends at the end of the N-th counted
 *     session: that date and session are the due date and session.
 *   - A deadline of 0 (stay notice: accepted immediately) is due in the
 *     session of receipt, whatever the day.
 * For whole-day deadlines this gives the same due date as counting N
 * working days after the day of receipt; the session only says whether the
 * result is due by noon (morning receipt) or by the end of the day.
 * Example: received Monday morning, 3 days (6 half days): due Thursday
 * morning; received Monday afternoon: due Thursday afternoon.
 *
 * Tables.  Callers pass a table to every function; NULL means the built-in
 * one.  Another table (from the registry's reference-data feed, say) must
 * pass holiday_table_check() first and stay alive and unchanged while in
 * use; this module never copies or frees it.  All functions are pure and
 * reentrant.  Dates are struct cutru_date of full precision; pointer
 * arguments other than tables must not be NULL unless said otherwise. */
#ifndef CUTRU_HOLIDAY_H
#define CUTRU_HOLIDAY_H

#include <stddef.h>

#include "core/err.h"
#include "core/types.h"

/* Version of the built-in table; changes whenever its data does. */
#define HOLIDAY_BUILTIN_VERSION "vn-2025-2027-r1"

enum holiday_kind {
	HOLIDAY_OFF = 1,     /* no work that day (on a weekend it only names the
	                      * day; it changes nothing) */
	HOLIDAY_WORKDAY = 2  /* a Saturday or Sunday that is a working day */
};

struct holiday_entry {
	struct cutru_date date;   /* full precision */
	enum holiday_kind kind;
	int confirmed;            /* 1: from the law or a published government
	                           * decision; 0: expected but not confirmed */
	const char *name;         /* short English label, marked N_() in the
	                           * built-in table: show it through _() */
};

struct holiday_table {
	const char *version;                  /* non-empty, e.g. the built-in
	                                       * HOLIDAY_BUILTIN_VERSION */
	int first_year, last_year;            /* the years it fully describes */
	const struct holiday_entry *entries;  /* strictly ascending by date,
	                                       * all within the years above */
	size_t n_entries;
};

/* How well a table knows a year. */
enum holiday_coverage {
	HOLIDAY_COVERAGE_NONE = 0,     /* not covered: weekends only */
	HOLIDAY_COVERAGE_PROVISIONAL,  /* covered, some entries unconfirmed */
	HOLIDAY_COVERAGE_FULL          /* covered, every entry confirmed */
};

enum holiday_session {
	HOLIDAY_MORNING = 0,
	HOLIDAY_AFTERNOON = 1
};

/* A due date: the result is due by the end of this session of this day. */
struct holiday_due {
	struct cutru_date date;
	enum holiday_session session;
	int provisional;  /* 1 if a day from receipt to due date lies in a year
	                   * the table does not cover, or an unconfirmed entry
	                   * lies in that span: warn that it may change */
};

/* The built-in table (static storage). */
const struct holiday_table *holiday_builtin(void);

/* Check a table supplied at run time: version present, years in order and
 * within the date range, every entry a valid full date inside the years,
 * entries strictly ascending, a known kind, WORKDAY only on Saturday or
 * Sunday, a name present.  CUTRU_EINVAL (field "holidays") naming the first
 * problem (with the entry's index and date). */
int holiday_table_check(const struct holiday_table *t, struct cutru_err *e);

enum holiday_coverage holiday_year_coverage(const struct holiday_table *t,
    int year);

/* The table's entry for date d, or NULL if it has none. */
const struct holiday_entry *holiday_lookup(const struct holiday_table *t,
    const struct cutru_date *d);

/* 1 if d is a working day (Monday to Friday and not a day off, or a
 * designated working weekend day), 0 if not, -1 if d is not a valid full
 * date. */
int holiday_is_working_day(const struct holiday_table *t,
    const struct cutru_date *d);

/* *out = the first working day on or after d. */
int holiday_next_working_day(const struct holiday_table *t,
    const struct cutru_date *d, struct cutru_date *out);

/* *out = the day on which n working days after d have passed: for n > 0
 * the n-th working day after d (d itself not counted), for n < 0 the
 * |n|-th working day before d, for n == 0 d itself.  CUTRU_EINVAL if d is
 * not a valid full date, CUTRU_ERANGE if the result leaves the date range
 * (core/date.h). */
int holiday_add_working_days(const struct holiday_table *t,
    const struct cutru_date *d, long n, struct cutru_date *out);

/* The session a time of day falls in: seconds since local midnight
 * (0..86399) before 12:00 is the morning, the rest the afternoon; values
 * out of range are clamped. */
enum holiday_session holiday_session_at(int sec_of_day);

/* Due date of a procedure with a deadline of half_days half days (7 days
 * = 14; ½ day = 1; 0 = immediate), for a dossier received on date received
 * in session session, by the rule at the top of this file.  CUTRU_EINVAL
 * (field "received" or "deadline") for an invalid date, session or a
 * negative deadline; CUTRU_ERANGE if the deadline (above 2000 half days) or
 * the due date is out of range.  On failure *out is zeroed. */
int holiday_due_date(const struct holiday_table *t,
    const struct cutru_date *received, enum holiday_session session,
    int half_days, struct holiday_due *out, struct cutru_err *e);

#endif
