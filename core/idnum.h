/* The personal ID number (số định danh cá nhân) and the old CMND number.
 *
 * A personal ID number is 12 ASCII digits, "PPPCYYNNNNNN":
 *   PPP     province where the birth was registered, from the 63-province
 *           list of Thông tư 07/2016/TT-BCA, Phụ lục 1 (001 Hà Nội ...
 *           079 Hồ Chí Minh ... 096 Cà Mau; not contiguous).  Numbers
 *           already issued never change, so the list stays the old one
 *           after the 2025 merger of provinces.
 *   C       century and sex: 0/1 born 1900-1999 male/female, 2/3 2000s,
 *           4/5 2100s, 6/7 2200s, 8/9 2300s; even = male.
 *   YY      last two digits of the year of birth.
 *   NNNNNN  a random number.
 * There is no check digit, so a typing error is caught only when the prefix
 * disagrees with the person's sex or year of birth: idnum_check_person().
 *
 * An old CMND (chứng minh nhân dân) number has 9 digits and appears only in
 * legacy records; it is kept in its own field, never as an ID number.
 *
 * Messages may quote the number (the officer typed it and must see which
 * one is meant); like every struct cutru_err message they are for the
 * screen and must never be written to a log.  Pointer arguments must not be
 * NULL unless the comment says so. */
#ifndef CUTRU_IDNUM_H
#define CUTRU_IDNUM_H

#include <stddef.h>

#include "core/err.h"
#include "core/types.h"

#define IDNUM_LEN 12
#define IDNUM_CMND_LEN 9

/* A parsed personal ID number. */
struct idnum_info {
	char number[IDNUM_LEN + 1]; /* the 12 digits, NUL-terminated */
	int province;               /* 1..96, a code of the province table */
	const char *province_name;  /* static UTF-8 (NFC), never NULL */
	int century_digit;          /* 0..9 */
	int century;                /* 1900, 2000, 2100, 2200 or 2300 */
	enum cutru_sex sex;         /* MALE or FEMALE, from the century digit */
	int birth_year;             /* century + YY, e.g. 1987 */
};

/* One row of the province table. */
struct idnum_province {
	int code;          /* 1..96 as in the ID number ("001" is 1) */
	const char *name;  /* as in Phụ lục 1, UTF-8 NFC */
};

/* What a typed or scanned number looks like. */
enum idnum_kind {
	IDNUM_KIND_OTHER = 0,  /* neither of the two below */
	IDNUM_KIND_PERSONAL,   /* 12 ASCII digits (not checked further) */
	IDNUM_KIND_CMND        /* 9 ASCII digits: an old CMND number */
};

/* Parse and validate the len bytes at s (need not be NUL-terminated; NUL
 * bytes inside are refused like any non-digit).  ASCII blanks (space, tab,
 * CR, LF) around the number are ignored, as a scanner or a paste adds them;
 * anything else must be exactly 12 ASCII digits with a known province code.
 * Refusals (CUTRU_EINVAL, field "id_number") name the problem: empty, a
 * non-digit at position N (1-based, counted from the first non-blank; this
 * covers spaces inside, signs, full-width and Arabic-Indic digits), a
 * 9-digit old CMND number (saying where it belongs), a wrong number of
 * digits, or an unknown province code.  s may be NULL (treated as empty).
 * On failure *out is zeroed (number "", province_name ""). */
int idnum_parse_n(const char *s, size_t len, struct idnum_info *out,
    struct cutru_err *e);

/* As idnum_parse_n() for a NUL-terminated string (or NULL). */
int idnum_parse(const char *s, struct idnum_info *out, struct cutru_err *e);

/* Does the ID number agree with what the form says about the person?
 * sex CUTRU_SEX_UNKNOWN skips the sex check; dob may be NULL or of
 * precision CUTRU_DATE_NONE to skip the year check; a year-only or
 * month-year date of birth is checked on its year, century included.
 * CUTRU_ECONFLICT (field "sex" or "date_of_birth") with a message naming
 * both sides, sex checked first. */
int idnum_check_person(const struct idnum_info *id, enum cutru_sex sex,
    const struct cutru_date *dob, struct cutru_err *e);

/* CUTRU_ERANGE (field "id_number") if the year of birth the number encodes
 * is after the year of today (a full or partial valid date supplied by the
 * caller; core never reads the clock), e.g. century digit 4 in 2026.
 * CUTRU_EINVAL if today is not a valid known date. */
int idnum_check_birth_year(const struct idnum_info *id,
    const struct cutru_date *today, struct cutru_err *e);

/* Name of province code (1..96), static UTF-8, or NULL if the code is not
 * in the table (0, 3, 97, ...). */
const char *idnum_province_name(int code);

/* The province table in code order, for lists and pickers: count() rows,
 * at(i) for i < count(), NULL beyond. */
size_t idnum_province_count(void);
const struct idnum_province *idnum_province_at(size_t i);

/* Classify the len bytes at s (blanks around ignored, s may be NULL), to
 * route a scanned or typed number to the right field. */
enum idnum_kind idnum_classify(const char *s, size_t len);

/* Parse an old 9-digit CMND number into out (9 digits and a NUL).  Blanks
 * around are ignored.  Refusals (CUTRU_EINVAL, field "cmnd_number") name the
 * problem; a 12-digit number is refused with a message saying it is a
 * personal ID number and where it belongs.  On failure out is "". */
int idnum_parse_cmnd_n(const char *s, size_t len,
    char out[IDNUM_CMND_LEN + 1], struct cutru_err *e);
int idnum_parse_cmnd(const char *s, char out[IDNUM_CMND_LEN + 1],
    struct cutru_err *e);

#endif
