/* Small value types shared by every part of core/ (and by its users). */
#ifndef CUTRU_TYPES_H
#define CUTRU_TYPES_H

enum cutru_sex {
	CUTRU_SEX_UNKNOWN = 0,
	CUTRU_SEX_MALE = 1,   /* "Nam" */
	CUTRU_SEX_FEMALE = 2  /* "Nữ" */
};

/* How much of a date is known.  Legacy household books often record only the
 * year, or the month and year, of a birth. */
enum cutru_date_prec {
	CUTRU_DATE_NONE = 0,  /* unknown */
	CUTRU_DATE_YEAR = 1,  /* YYYY */
	CUTRU_DATE_MONTH = 2, /* YYYY-MM */
	CUTRU_DATE_DAY = 3    /* YYYY-MM-DD */
};

/* A calendar date (proleptic Gregorian), possibly partial: fields below the
 * precision are 0. */
struct cutru_date {
	int year;
	int month;  /* 1..12, or 0 when prec < CUTRU_DATE_MONTH */
	int day;    /* 1..31, or 0 when prec < CUTRU_DATE_DAY */
	enum cutru_date_prec prec;
};

#endif
