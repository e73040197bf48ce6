/* Digitising legacy household books from CSV, and exporting the register
 * as CSV (which this importer reads back) or JSON.  The CSV format, the
 * rules an import follows and why are in localdb/import.c. */
#ifndef CUTRU_IMPORT_H
#define CUTRU_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "core/err.h"
#include "core/types.h"

/* What happens to the good rows of a file that also has bad ones. */
enum import_mode {
	/* Nothing is imported unless every row is good; the report lists
	 * every error.  The default. */
	IMPORT_ALL_OR_NOTHING = 0,
	/* The good households are imported; the rows of the others are
	 * written, with an "error" column, to opts->rejects. */
	IMPORT_QUARANTINE = 1
};

/* import_opts.flags */
#define IMPORT_DRY_RUN 0x1u  /* check everything, apply, then roll back */
#define IMPORT_ONE_THREAD 0x2u /* no second thread (the same result: for
                              * tests and benchmarks) */
#define IMPORT_READ_SPLIT 0x4u /* read on two threads whatever the file's
                              * size (for tests: a file of 4 MiB or more
                              * is read so anyway) */

/* Longest field, in bytes after unquoting. */
#define IMPORT_FIELD_MAX 2048
/* Longest record (one row, quoted line breaks included), in bytes as
 * written in the file. */
#define IMPORT_RECORD_MAX 65536
/* Most columns in the header (and fields in a row). */
#define IMPORT_COLUMNS_MAX 64
/* Most errors one import reports before it gives up on the file. */
#define IMPORT_ERRORS_MAX 1000000

struct import_opts {
	enum import_mode mode;
	unsigned flags;            /* IMPORT_DRY_RUN, IMPORT_ONE_THREAD,
	                            * IMPORT_READ_SPLIT */
	/* The full date of today: dates of birth and residences may not lie
	 * after it, a temporary residence must not have ended before it, and
	 * the changes take effect on it (the journal's date). */
	struct cutru_date today;
	const char *at;            /* journal time, "YYYY-MM-DDTHH:MM:SSZ" */
	const char *actor;         /* the officer's login, for the journal */
	/* IMPORT_QUARANTINE: where the rows not imported go, as CSV (UTF-8
	 * with a byte order mark, CRLF).  Required in that mode. */
	FILE *rejects;
};

/* One error: where, which column, what. */
struct import_error {
	unsigned long line;        /* line of the file where the row begins
	                            * (the header is line 1); 0: the file */
	const char *field;         /* column name ("dob"), "" for the row */
	const char *msg;           /* for the officer, translated */
};

/* What an import did.  Zero it before the first use; import_csv() fills
 * it (also on failure, with what was found) and import_report_free()
 * releases it. */
struct import_report {
	size_t rows;               /* data rows read (blank rows skipped) */
	size_t rows_imported;      /* rows whose household went in */
	size_t rows_rejected;      /* rows not imported (their own error or
	                            * one of their household's) */
	size_t persons_added;      /* new persons in the register */
	size_t households_added;
	size_t members_added;      /* memberships besides the heads' */
	size_t residences_added;
	size_t rows_unchanged;     /* rows the register already held */
	size_t journal_entries;    /* entries the import appended */
	/* Where the time went, in seconds of the monotonic clock: reading
	 * and checking the file, applying and journalling the events, the
	 * indexes a bulk load creates again, the name index rebuilt, a bulk
	 * load's check of the foreign keys, and the commit (for the
	 * benchmarks; no personal data). */
	double t_read, t_apply, t_indexes, t_search, t_keys, t_commit;
	/* The name index was made beside the other indexes, on a thread of
	 * its own (a bulk load into an empty register), not rebuilt at the
	 * end. */
	int names_adopted;
	/* The file was read on two threads (1), or read again on one
	 * because its cut fell inside a quoted field (2); 0: on one. */
	int read_split;
	/* The indexes were sorted with SQLite's records side by side (its
	 * file mode: localdb/import.c, bulk_indexes_restore()). */
	int sorts_file;
	/* The index of ID numbers was dropped for the load and made again,
	 * the applier's map of ID numbers answering its look-ups meanwhile
	 * (apply_session_id_map(): a bulk load into an empty register). */
	int ids_mapped;
	struct import_error *errors; /* in file order, n_errors of them */
	size_t n_errors;
	void *priv;                /* storage behind errors */
};

/* Import the CSV read from in into the register db (a database with the
 * register's schema, plain or encrypted), through apply_and_journal()
 * (localdb/journal.h): every change is a domain event in the journal.
 * The import runs in one transaction of its own (or in a savepoint when
 * the caller has one open) and either commits what its mode says or
 * leaves db untouched.
 * Returns CUTRU_OK when the import did what the mode says: every row went
 * in, or (IMPORT_QUARANTINE) the good households went in and the others
 * were written to opts->rejects - r->rows_rejected tells how many.
 * CUTRU_EINVAL when the file has errors and nothing was imported
 * (IMPORT_ALL_OR_NOTHING, or a header the importer cannot read), with the
 * errors in r and a summary in e.  CUTRU_EIO (reading in, writing the
 * rejects, SQLite), CUTRU_ENOMEM.  opts->today, at and actor are required
 * (CUTRU_EINVAL). */
int import_csv(sqlite3 *db, FILE *in, const struct import_opts *opts,
    struct import_report *r, struct cutru_err *e);

/* Release what import_csv() put in r and zero it (r may be NULL). */
void import_report_free(struct import_report *r);

/* export_csv() flags */
#define EXPORT_CSV_BOM 0x1u  /* begin with a UTF-8 byte order mark, which
                              * spreadsheet programs need to read UTF-8 */

/* Write the register's persons with their active residences and current
 * household as CSV in the import format (one row per active residence),
 * grouped by household, head first.  import_csv() of the output into an
 * empty register gives a register whose export is the same bytes, for
 * every register an import can make; what an import cannot take comes out
 * as rows it refuses (a person without an ID number, a member whose
 * relationship to the head the register does not know).  The CMND column
 * holds persons.legacy_cmnd (empty when the register has none).  Rows
 * end in CRLF.  CUTRU_EINVAL (out NULL), CUTRU_EIO, CUTRU_ENOMEM. */
int export_csv(sqlite3 *db, FILE *out, unsigned flags,
    struct cutru_err *e);

/* The same content as a JSON array, one person per line (each element in
 * canonical JSON, core/canon.h), in the order of export_csv():
 *   {"cmnd": "...", "dob": "1987-05", "household": {"address": ADDR,
 *    "number": "...", "relationship": "head"}, "id_number": "...",
 *    "name": "...", "residences": [{"address": ADDR, "from":
 *    "2010-01-01", "kind": "temporary", "to": "2026-01-01"}],
 *    "sex": "male"}
 * with ADDR = {"commune": "00001", "detail": "..."}; "cmnd", "household"
 * and "to" absent when there is none, "residences" possibly empty,
 * "relationship" absent when the register does not know it; dates ISO. */
int export_json(sqlite3 *db, FILE *out, struct cutru_err *e);

#endif
