/* Finding persons in the ward register: by name as the officer types it,
 * by ID number, by a scanned ID card, with filters.  See localdb/search.c
 * for how a query is read and how the index is used. */
#ifndef CUTRU_SEARCH_H
#define CUTRU_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "core/err.h"
#include "core/name.h"
#include "core/types.h"

/* Longest query accepted, in bytes: a card scan (core/qr.h) fits. */
#define SEARCH_QUERY_MAX 1040
/* Most results one call returns. */
#define SEARCH_LIMIT_MAX 10000
/* Bytes of the address text in a result (longer addresses are cut at a
 * character boundary). */
#define SEARCH_ADDRESS_SIZE 1024

/* Where a person stands in this ward's register. */
enum search_state {
	SEARCH_STATE_ANY = 0,        /* in a filter: no condition */
	SEARCH_STATE_PERMANENT = 1,  /* an active permanent residence */
	SEARCH_STATE_TEMPORARY = 2,  /* an active temporary residence */
	SEARCH_STATE_CURRENT = 3,    /* an active declared place of living
	                              * (residence.declare) */
	SEARCH_STATE_NONE = 4        /* no active residence (moved away,
	                              * deleted, or never registered here) */
};

/* Conditions on the persons found; a zero-filled struct (or a NULL
 * pointer) means none.  The residence conditions (state, commune_code,
 * address) must all hold for one and the same active residence. */
struct search_filter {
	int birth_year;            /* 0: any */
	const char *commune_code;  /* NULL or "": any; else 5 digits */
	const char *address;       /* NULL or "": any; else text that must
	                            * appear in the address, both folded as a
	                            * query is (case, marks, punctuation
	                            * ignored): "le loi" finds "12, Lê Lợi" */
	enum search_state state;   /* SEARCH_STATE_ANY: any */
};

/* One person found. */
struct search_result {
	int64_t id;                      /* persons.id */
	char id_number[13];              /* 12 digits, or "" if none recorded */
	char cmnd[10];                   /* legacy 9-digit CMND, or "" */
	char name[NAME_BUF_SIZE];        /* stored form (NFC) */
	struct cutru_date dob;           /* possibly partial, or unknown */
	enum cutru_sex sex;
	enum search_state state;         /* of the residence shown below; never
	                                  * SEARCH_STATE_ANY */
	char commune_code[6];            /* of that residence, "" if none */
	char address[SEARCH_ADDRESS_SIZE]; /* its address detail, "" if none */
};

/* Find persons in db (the register's schema, localdb/schema.h) matching
 * query and f, in the Vietnamese list order (given name, then middle name,
 * then family name; persons.sort_key, then persons.id).
 *
 * query (NUL-terminated; NULL is the empty query) is read as:
 *   - a card scan (core/qr.h, qr_looks_like_scan()): the person with the
 *     card's ID number;
 *   - only digits, possibly in groups separated by spaces: 12 digits find
 *     the person with that ID number, 9 the persons with that legacy CMND
 *     number; any other count is refused with a message;
 *   - otherwise words of a name, folded like names (core/name.h: case,
 *     tone marks and diacritics ignored, đ = d, NFD = NFC).  Each word
 *     typed must begin a different word of the name, in the same order,
 *     other words of the name may lie between: "ng v a", "nguyen an",
 *     "van an" and "an" all find "Nguyễn Văn An"; "an nguyen" does not.
 *     Hyphens and apostrophes separate words, in names and queries alike.
 * ID number and CMND lookups ignore f: a card always finds its person.
 * An empty query (nothing left after folding: "", spaces, punctuation,
 * lone marks) lists every person matching f, and is refused if f sets no
 * condition.
 *
 * Up to limit results go to out[0..limit); their number to *n.  The
 * residence shown is the person's active residence that meets f's
 * residence conditions, permanent before temporary before current; with
 * none, state is SEARCH_STATE_NONE and the address "".
 *
 * Errors (*n = 0): CUTRU_EINVAL with field "query"
 * (too long, ill-formed UTF-8, digits mixed with letters, a wrong number
 * of digits, nothing to search for) or the filter's field ("birth_year",
 * "commune_code", "address", "state"), or "limit" (above
 * SEARCH_LIMIT_MAX); CUTRU_ECONFLICT (a name search while the index is
 * deferred, see search_defer()); CUTRU_EIO (SQLite); CUTRU_ENOMEM.
 * A name search may rebuild the index first (SEARCH_INDEX_FULL, outside a
 * transaction): then it writes. */
int search_persons(sqlite3 *db, const char *query,
    const struct search_filter *f, size_t limit, struct search_result *out,
    size_t *n, struct cutru_err *e);

/* The state of the name index (see localdb/search_index.h). */
enum search_index {
	SEARCH_INDEX_LIVE = 0,    /* kept up to date by triggers */
	SEARCH_INDEX_IMPORT = 1,  /* deferred by search_defer() */
	SEARCH_INDEX_FULL = 2     /* a gap between two names' labels ran out;
	                           * the next search outside a transaction
	                           * rebuilds it */
};

/* Bulk loading.  search_defer() drops the index's triggers until
 * search_rebuild() (localdb/search_index.h says why); meanwhile name
 * searches fail with CUTRU_ECONFLICT (ID lookups and filter lists work).
 * Call it in the import's first transaction.  CUTRU_EIO on failure. */
int search_defer(sqlite3 *db, struct cutru_err *e);

/* Relabel the names, refill the index from persons and end a deferral, all
 * or nothing (in a SAVEPOINT, so inside or outside the caller's
 * transaction).  Ends a bulk import; also the cure for an index that an
 * interrupted import left deferred: whoever opens the store calls it when
 * search_index_state() says SEARCH_INDEX_IMPORT and no import is running.
 * About 3 s of CPU per million persons, holding their sort keys and
 * folded names in memory meanwhile (some 50 MB).  On failure the index
 * is as it was: CUTRU_EINVAL (a person id outside 1..2^31-1, which
 * nothing checks during an import), CUTRU_EIO, CUTRU_ENOMEM. */
int search_rebuild(sqlite3 *db, struct cutru_err *e);

/* A person as the name index knows them: for search_build(). */
struct search_person {
	const uint8_t *key;       /* persons.sort_key */
	const char *folded;       /* persons.folded, not NUL-terminated */
	int64_t id;               /* persons.id, 1..2^31-1 */
	uint32_t keylen, flen;
};

/* search_rebuild() in two halves, for a bulk import that knows every
 * person it loaded (localdb/import.c): search_build() makes the index of
 * the n persons p (sorted in place) in a private in-memory database of its
 * own connection, *img, as search_rebuild() would make it for a register
 * holding exactly them; it touches no store, so it can run on another
 * thread while the store's connection is busy.  search_adopt() then puts
 * that index in db instead of rebuilding it, and ends the deferral, all or
 * nothing (in a SAVEPOINT); it is for a register whose persons are
 * exactly p, which the caller must have made sure of.  The rows it copies
 * are the ones search_rebuild() would have written (tests/test_search
 * compares them byte for byte).  img is closed by search_adopt(), or by
 * search_image_free() when it is not used.  CUTRU_EINVAL (an id outside
 * 1..2^31-1), CUTRU_EIO, CUTRU_ENOMEM; on failure db is as it was. */
int search_build(struct search_person *p, size_t n, sqlite3 **img,
    struct cutru_err *e);
int search_adopt(sqlite3 *db, sqlite3 *img, struct cutru_err *e);
void search_image_free(sqlite3 *img);

/* The index's state into *state.  CUTRU_EIO if it cannot be read. */
int search_index_state(sqlite3 *db, enum search_index *state,
    struct cutru_err *e);

#endif
