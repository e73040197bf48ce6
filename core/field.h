/* Fields of requests and events: the value types cutru's JSON documents are
 * made of, described as data so that the console can draw a form from them,
 * the CLI can print them, and one validator checks them everywhere.
 *
 * A schema is an array of struct field ending with a row whose key is NULL.
 * Objects (a person, an address, a consent) and tables (the members moving
 * together) have a sub-schema of their own.  Checking a value against its
 * field:
 *   - refuses a JSON type other than the field's (null included: an absent
 *     value is an absent key, never null, so that one thing has one
 *     encoding under a signature);
 *   - in an object, refuses keys the schema does not list (a misspelt key
 *     would otherwise be silently ignored) and requires FIELD_REQUIRED ones;
 *   - checks each value by its type, through the one module that owns the
 *     rule: names through core/name.h, ID numbers through core/idnum.h,
 *     dates through core/date.h, text through core/utf8.h;
 *   - in any object that holds "id_number" together with "sex" and/or
 *     "dob", checks that the number's century/sex digit and year agree with
 *     them (idnum_check_person()).
 * Errors name the value by its JSON path in cutru_err.field, e.g.
 * "members[2].dob" (paths longer than the field are cut).
 *
 * Value formats (the JSON form of each type):
 *   text          a string, one line; leading, trailing and repeated white
 *                 space is tolerated in a request and removed in events;
 *                 at most max code points (default FIELD_TEXT_MAX)
 *   name          a person's full name, as core/name.h accepts
 *   id_number     the 12-digit personal ID number, exactly 12 ASCII digits
 *   date          "YYYY-MM-DD"
 *   partial_date  "YYYY", "YYYY-MM" or "YYYY-MM-DD" (dates of birth)
 *   sex           "male" or "female"
 *   enum          one of the field's choices, by id
 *   commune       a commune-level unit code: 5 ASCII digits, not "00000"
 *   household     a household number: 1..32 ASCII letters, digits and
 *                 hyphens, beginning and ending with a letter or digit
 *   phone         "0" and 9..10 digits, or "+", a non-zero digit and 7..14
 *                 more digits
 *   email         ASCII, "local@domain", no spaces, at most 254 bytes, a
 *                 dot in the domain
 *   nationality   ISO 3166-1 alpha-2 code, two uppercase letters ("KR")
 *   passport      5..20 uppercase ASCII letters and digits
 *   bool          true or false
 *   count         a whole number from 1 to max (default FIELD_COUNT_MAX)
 *   time          "HH:MM", 00:00..23:59
 *   object        a JSON object with the sub-schema's keys
 *   table         a JSON array of such objects, at most max rows (default
 *                 FIELD_TABLE_MAX)
 * In stored form (FIELD_CHECK_STORED, used for events), text must already
 * be cleaned and names already normalised, so equal values are equal bytes. */
#ifndef CUTRU_FIELD_H
#define CUTRU_FIELD_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "core/err.h"
#include "core/types.h"

enum field_type {
	FIELD_TEXT = 1,
	FIELD_NAME,
	FIELD_ID_NUMBER,
	FIELD_DATE,
	FIELD_PARTIAL_DATE,
	FIELD_SEX,
	FIELD_ENUM,
	FIELD_COMMUNE,
	FIELD_HOUSEHOLD,
	FIELD_PHONE,
	FIELD_EMAIL,
	FIELD_NATIONALITY,
	FIELD_PASSPORT,
	FIELD_BOOL,
	FIELD_COUNT,
	FIELD_TIME,
	FIELD_OBJECT,
	FIELD_TABLE
};

/* struct field flags. */
#define FIELD_REQUIRED 0x1u     /* must be present */
#define FIELD_CONDITIONAL 0x2u  /* required in some cases (the procedure's
                                 * rules say which); for the form only */
#define FIELD_NOT_FUTURE 0x4u   /* a date that may not lie after today */

#define FIELD_TEXT_MAX 200      /* code points */
#define FIELD_COUNT_MAX 1000000
#define FIELD_TABLE_MAX 100     /* rows */

/* One value of an enumeration.  The id is what the JSON carries and never
 * changes; the labels are for people. */
struct field_choice {
	const char *id;         /* "death", "rented", ... */
	const char *label;      /* English, marked N_(): show through _() */
	const char *label_vi;   /* Vietnamese wording (the law's, for grounds) */
	const char *law;        /* the provision it comes from, or NULL */
	int min_days;           /* a duration rule in days, 0 if none */
	int min_months;         /* a duration rule in months, 0 if none */
	unsigned flags;         /* FIELD_CHOICE_* */
};

#define FIELD_CHOICE_NEEDS_DOCUMENT 0x1u /* a document_ref is required */

struct field {
	const char *key;        /* JSON key; NULL ends a schema */
	const char *label;      /* English, marked N_(): show through _() */
	enum field_type type;
	unsigned flags;         /* FIELD_REQUIRED, ... */
	const struct field_choice *choices; /* FIELD_ENUM: ends with id NULL */
	const struct field *sub;            /* FIELD_OBJECT, FIELD_TABLE */
	long max;               /* text: code points, count: value, table: rows;
	                         * 0 means the default */
};

/* Flags for field_check(). */
#define FIELD_CHECK_STORED 0x1u  /* values must be in stored form */

/* What field_check() needs to know beyond the value. */
struct field_ctx {
	const struct cutru_date *today;  /* full date; NULL skips the checks
	                                  * against today */
	unsigned flags;                  /* FIELD_CHECK_* */
};

/* Check value v against field f (see the top of this file).  path is the
 * value's JSON path for messages ("" or NULL at the top).  CUTRU_OK, or
 * CUTRU_EINVAL / CUTRU_ERANGE / CUTRU_ECONFLICT (ID number disagrees with
 * sex or date of birth) with e->field = the path of the offending value;
 * CUTRU_ENOMEM, CUTRU_EINTERNAL. */
int field_check(const struct field *f, const cJSON *v,
    const struct field_ctx *ctx, const char *path, struct cutru_err *e);

/* Check the members of object obj against schema (a struct field array):
 * what field_check() does for a FIELD_OBJECT whose sub-schema is schema. */
int field_check_object(const struct field *schema, const cJSON *obj,
    const struct field_ctx *ctx, const char *path, struct cutru_err *e);

/* The row of schema with this key, or NULL. */
const struct field *field_find(const struct field *schema, const char *key);

/* The choice with this id, or NULL (choices may be NULL). */
const struct field_choice *field_choice_find(
    const struct field_choice *choices, const char *id);

/* Readers for values already checked.  Each returns the value of member key
 * of obj, or a default when obj is not an object or the member is absent or
 * of another type. */
const char *field_get_string(const cJSON *obj, const char *key);  /* NULL */
int field_get_bool(const cJSON *obj, const char *key, int dflt);
long field_get_count(const cJSON *obj, const char *key);          /* 0 */
/* Date member: CUTRU_OK and *out, or CUTRU_ENOTFOUND with *out the unknown
 * date when absent, CUTRU_EINVAL when not a valid date string. */
int field_get_date(const cJSON *obj, const char *key,
    struct cutru_date *out);
/* The cutru_sex of a "sex" member ("male", "female"), else UNKNOWN. */
enum cutru_sex field_get_sex(const cJSON *obj, const char *key);

/* Stored forms, for building events from checked requests.  Each returns a
 * new cJSON string (owned by the caller) or NULL when the value has no
 * stored form (or on ENOMEM): text cleaned as by utf8_clean_line(), a name
 * normalised as by name_normalise(). */
cJSON *field_stored_text(const char *s);
cJSON *field_stored_name(const char *s);

/* Join a path and a key ("members[2]" + "dob") or an index ("members" + 2)
 * into buf (size bytes, cut when too small). */
void field_path_key(char *buf, size_t size, const char *path,
    const char *key);
void field_path_index(char *buf, size_t size, const char *path, int index);

/* Set e->field (e may be NULL) to path, cut to fit. */
void field_set_path(struct cutru_err *e, const char *path);

/* Maximal path length kept in messages (like cutru_err.field). */
#define FIELD_PATH_MAX 128

#endif
