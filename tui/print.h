/* Printable documents: the receipt and appointment slip of a dossier
 * (form CT04), the confirmation of residence information (form CT07) and
 * the absence slip (form CT03), written as plain text and as HTML files
 * into the export folder for the officer to print.  See tui/print.c for
 * what each document carries and what is done to hostile text.
 *
 * A document is built in two steps: a builder (print_*_doc()) turns
 * records the caller already holds into a struct print_doc, the document's
 * model; the renderers draw that model as text or HTML, and print_write()
 * writes both files.  The loaders (print_*_load()) read the records through
 * an officer's session and call the builders.  The documents are official
 * forms: their text is Vietnamese whatever the console's language. */
#ifndef CUTRU_PRINT_H
#define CUTRU_PRINT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "core/err.h"
#include "localdb/register.h"
#include "localdb/session.h"

/* Text width of the plain text document, in columns. */
#define PRINT_TEXT_COLS 78
/* Room for the path of a written file. */
#define PRINT_PATH_MAX 4096

enum print_kind {
	PRINT_RECEIPT = 0,      /* CT04 */
	PRINT_CONFIRMATION,     /* CT07 */
	PRINT_ABSENCE           /* CT03 */
};

/* One line of a document: a label and its value, or (label NULL) a
 * heading.  Values are clean: well-formed UTF-8 without control or
 * direction-changing characters (see tui/print.c). */
struct print_line {
	char *label;
	char *value;
};

/* The model of a document.  Everything is owned by it. */
struct print_doc {
	enum print_kind kind;
	char *form;              /* "CT04" */
	char *basis;             /* "Mẫu CT04 ban hành kèm theo ..." */
	char *issuer;            /* "CÔNG AN PHƯỜNG HÀNG BẠC" */
	char *number;            /* "Số: 17/2026/PTN", or NULL */
	char *title;             /* "PHIẾU TIẾP NHẬN HỒ SƠ ..." */
	struct print_line *lines;
	size_t nlines, caplines;
	/* A table (the household's other members), rows of table_cols
	 * cells, the first row its heading; 0 rows when none. */
	char **cells;
	size_t table_cols, table_rows;
	size_t table_at;         /* the table follows lines[table_at] */
	char *place_date;        /* "Phường Hàng Bạc, ngày 27 tháng 11 năm 2026" */
	char *signer_title;      /* "CÁN BỘ TIẾP NHẬN" */
	char *signer_name;       /* or NULL: signed by hand */
	char *stem;              /* the file name without its extension,
	                          * "CT04-17-2026-PTN": letters, digits, '-' */
};

void print_doc_free(struct print_doc *d);

/* The records behind a CT04 receipt.  Strings may be NULL (then printed as
 * blank); dates are ISO "YYYY-MM-DD". */
struct print_receipt {
	const char *ward_code;       /* 5 digits */
	const char *ward_name;       /* "Phường Hàng Bạc" */
	const char *number;          /* "17/2026/PTN" (required) */
	const char *procedure;       /* a procedure id, core/procedure.h */
	const char *applicant_name;
	const char *applicant_id;
	const char *received;
	const char *due;
	int due_morning;             /* due by the end of the morning */
	int due_provisional;
	const char *officer_name;    /* the receiving officer */
	const char *officer_login;
	const char *today;           /* the day it is printed (required) */
};

/* Build the documents.  CUTRU_EINVAL (field "number", "today", "person",
 * ...) for a missing required record, CUTRU_ENOMEM.  *out is NULL on
 * failure, else freed with print_doc_free().
 *
 * print_confirmation_doc(): the person with the household they belong to
 * (h may be NULL when none), the confirmation issued (c, one of
 * p->confirmations) and the requester's name when known (NULL: only the
 * ID number is printed).  print_absence_doc(): the declaration a (one of
 * p->absences). */
int print_receipt_doc(const struct print_receipt *r, struct print_doc **out,
    struct cutru_err *e);
int print_confirmation_doc(const char *ward_code, const char *ward_name,
    const struct register_person *p, const struct register_household *h,
    const struct register_confirmation *c, const char *requester_name,
    const char *today, struct print_doc **out, struct cutru_err *e);
int print_absence_doc(const char *ward_code, const char *ward_name,
    const struct register_person *p, const struct register_absence *a,
    const char *today, struct print_doc **out, struct cutru_err *e);

/* Draw the document: as text lines of at most PRINT_TEXT_COLS columns
 * (longer values wrap), or as one HTML page (UTF-8 declared, every value
 * escaped, A4 page by CSS @page).  CUTRU_EIO when f fails. */
int print_render_text(const struct print_doc *d, FILE *f,
    struct cutru_err *e);
int print_render_html(const struct print_doc *d, FILE *f,
    struct cutru_err *e);

/* Write dir/STEM.txt and dir/STEM.html (each atomically, mode 0600: they
 * hold personal data), creating dir (mode 0700) when it does not exist.
 * An existing dir that group or others can read is refused (CUTRU_EPERM,
 * the message says chmod 700).  The paths written go to txt and html
 * (PRINT_PATH_MAX bytes each; either may be NULL). */
int print_write(const struct print_doc *d, const char *dir, char *txt,
    char *html, struct cutru_err *e);

/* Load the records through session s (its account must still be active:
 * session_refresh()) and build the document; now gives the printing
 * date.
 *   print_receipt_load(): dossier number, in any state.
 *   print_confirmation_load(): the latest confirmation issued to the
 *     person with this ID number (CUTRU_ENOTFOUND when none was: a
 *     residence.confirm dossier must be approved first).
 *   print_absence_load(): the person's latest absence declaration
 *     (CUTRU_ENOTFOUND when none). */
int print_receipt_load(struct session *s, const char *number, time_t now,
    struct print_doc **out, struct cutru_err *e);
int print_confirmation_load(struct session *s, const char *id_number,
    time_t now, struct print_doc **out, struct cutru_err *e);
int print_absence_load(struct session *s, const char *id_number, time_t now,
    struct print_doc **out, struct cutru_err *e);

#endif
