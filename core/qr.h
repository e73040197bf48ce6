/* The QR code of the chip ID card (CCCD), as a USB scanner in keyboard mode
 * types it into whatever field has the focus.
 *
 * The line.  Fields separated by '|', in this order:
 *
 *     ID12|CMND|Full name|DDMMYYYY|Nam-or-Nữ|Address|DDMMYYYY
 *     001099012345|123456789|Nguyễn Văn Đức|02091999|Nam|Số 1 …|15042021
 *
 *   1  personal ID number: 12 ASCII digits, checked by core/idnum.h
 *   2  old CMND number: empty, 9 digits, or the 12 digits of the CMND
 *      issued in 2012-2016 in some provinces
 *   3  full name: normalised by name_normalise() (NFD tolerated)
 *   4  date of birth DDMMYYYY; "00MMYYYY" and "0000YYYY" are read as month
 *      and year only, and a bare "YYYY" as year only, for the people whose
 *      records never held a full date
 *   5  sex: "Nam" or "Nữ", compared after folding, so "NAM", "nữ" in NFD
 *      and "Nu" (a scanner that cannot type "ữ" drops the marks) are read
 *      too; anything else is refused
 *   6  address: NFC, white space collapsed, not empty
 *   7  issue date DDMMYYYY, a full date not before the date of birth
 *
 * Tolerated, because real scanners and cards do it: any number of trailing
 * CR, LF and TAB (the scanner's suffix key); NFD text; an empty CMND; fields
 * after the seventh (newer cards append more), which are ignored, up to
 * QR_MAX_FIELDS fields in all.  Not tolerated: fewer than seven fields, a
 * line longer than QR_LINE_MAX bytes (after the suffix is removed),
 * ill-formed UTF-8, NUL or any other control character anywhere, white space
 * around the numbers and dates.
 *
 * A refusal names the field (struct cutru_err.field: "qr" for the line as a
 * whole, else "id_number", "cmnd_number", "name", "date_of_birth", "sex",
 * "address", "issue_date") and tells the officer to scan again.
 *
 * Nothing here keeps state; every function is reentrant. */
#ifndef CUTRU_QR_H
#define CUTRU_QR_H

#include <stddef.h>

#include "core/err.h"
#include "core/name.h"
#include "core/types.h"

#define QR_LINE_MAX 1024      /* bytes, suffix excluded */
#define QR_MAX_FIELDS 16      /* seven known ones and up to nine extra */
#define QR_ADDRESS_SIZE 1024  /* bytes including the NUL */

/* One scanned card. */
struct qr_card {
	char id_number[13];           /* 12 ASCII digits */
	char cmnd_number[13];         /* "", 9 or 12 ASCII digits */
	char name[NAME_BUF_SIZE];     /* stored form (name_normalise) */
	struct cutru_date dob;        /* day, month or year precision */
	enum cutru_sex sex;           /* MALE or FEMALE */
	char address[QR_ADDRESS_SIZE];/* NFC, single spaces, trimmed */
	struct cutru_date issued;     /* full date */
	unsigned extra_fields;        /* fields after the seventh, ignored */
};

/* Cheap test, for every person field, whether what was typed is a card
 * scan: 12 ASCII digits, then '|', and at least six '|' in all.  Looks at no
 * more than QR_LINE_MAX + 16 bytes; never fails (s may be NULL when len is
 * 0; len may be UTF8_NTS).  Returns 1 or 0. */
int qr_looks_like_scan(const char *s, size_t len);

/* Parse one scanned line s[0..len) (len may be UTF8_NTS) into *out.
 * Returns CUTRU_OK; or CUTRU_ECONFLICT when the line is well formed but the
 * ID number disagrees with the sex or year of birth on the same card
 * (idnum_check_person(): a misread or a forged card), in which case *out is
 * filled all the same so the console can show the card beside the warning;
 * or CUTRU_EINVAL with the field named, *out zeroed; or CUTRU_ENOMEM /
 * CUTRU_EINTERNAL (ICU), *out zeroed. */
int qr_parse(const char *s, size_t len, struct qr_card *out,
    struct cutru_err *e);

#endif
