/* Domain events: the one vocabulary in which every change to residence data
 * is said.
 *
 * An approved request (core/procedure.h) becomes a list of events; the
 * console's store, the registry's store and the ward's copy of the
 * registry's feed all change their data only by applying events, and all of
 * them check an event with event_validate() before applying it.  This
 * module owns what an event may say; what applying one does to a database
 * belongs to the store that applies it (the semantics every store must give
 * it are written below, so that they agree).
 *
 * Format.  An event is a JSON object with exactly two members:
 *
 *     {"type": "residence.opened", "data": { ...payload... }}
 *
 * The payload of each type is listed below: key, type (core/field.h),
 * R = required, O = optional.  Unknown keys are refused.  Every value is in
 * stored form (names normalised, text cleaned; FIELD_CHECK_STORED), every
 * number is a whole number and every date a "YYYY-MM-DD" string (dates of
 * birth may be partial, "YYYY" or "YYYY-MM"), so an event always has a
 * canonical encoding (core/canon.h) and a stable hash.  A person is named
 * by personal ID number ("person", "head", "host", "requester").
 *
 * person.upserted       the identity data of a citizen.
 *     id_number R id_number, name R name, dob R partial_date, sex R sex,
 *     phone O phone, email O email, cmnd O text (the old 9-digit CMND
 *     number of legacy records: exactly 9 ASCII digits, core/idnum.h).
 *   Apply: create the person, or replace these fields of the person with
 *   this ID number (an absent phone, email or cmnd keeps the recorded
 *   one).
 *
 * household.created     a new household.
 *     household R household, head R id_number, address R address.
 *   Apply: create it with head as its first member; refused if the number
 *   exists.
 *
 * household.member_added
 *     household R household, person R id_number, relationship R text
 *     (relationship to the head, e.g. "con").
 *   Apply: a person is a member of at most one household: adding them
 *   ends any other membership.
 *
 * household.member_removed
 *     household R household, person R id_number.
 *
 * household.head_changed
 *     household R household, head R id_number.
 *   Apply: head must already be a member.
 *
 * residence.opened      a residence begins.
 *     person R id_number, kind R residence kind, address R address,
 *     from R date, to date (R for "temporary", refused otherwise).
 *   "to" comes after "from" and at most 2 years after it
 *   (event_check_term()).  Apply: a person has at most one active residence
 *   of each kind; opening a permanent residence ends the previous one
 *   (Luật Cư trú 2020: registering elsewhere replaces the old registration),
 *   and likewise for temporary and current.
 *
 * residence.extended    a temporary residence gets a new end date.
 *     person R id_number, kind R ("temporary" only), to R date.
 *
 * residence.closed      a residence is deleted.
 *     person R id_number, kind R "permanent" or "temporary",
 *     ground R enum (event_grounds_permanent or event_grounds_temporary,
 *     by kind), date R date (effective date of deletion),
 *     event_date R date (when the ground arose; not after date),
 *     document_ref O text (certificate or decision number).
 *   Apply: closing a permanent residence also ends the person's household
 *   membership.
 *
 * stay.recorded         a notice of stay (lưu trú).
 *     host R id_number (who gave notice), address R address, from R date,
 *     to R date (fewer than 30 days after from: event_check_stay()),
 *     guests R table of guest (1..FIELD_TABLE_MAX rows, see below).
 *   A guest: name R name, dob R partial_date, sex R sex, and either
 *   id_number (a citizen) or passport and nationality (a foreigner), not
 *   both (event_check_guests()).
 *
 * absence.recorded      a declaration of absence (tạm vắng, form CT03).
 *     person R id_number, case R enum event_absence_cases, from R date,
 *     to R date (after from), destination R text, reason R text.
 *
 * confirmation.issued   a residence confirmation (form CT07).
 *     person R id_number, requester R id_number, issued R date,
 *     valid_until R date (not before issued), content O text.
 *
 * identity.corrected    civil-status data corrected (residence.adjust).
 *     person R id_number (as recorded), then at least one of: name O name,
 *     dob O partial_date, sex O sex, id_number O id_number (the new
 *     number); document_ref R text (the civil-status document).
 *   Apply: replace the fields given; a new ID number re-keys the person.
 *
 * An address is {"commune": commune R, "detail": text R} (house number,
 * street, hamlet: everything below the commune).
 *
 * Closed enumerations (ids are stable; labels are for people):
 *   residence kinds        permanent, temporary, current (nơi ở hiện tại,
 *                          for a person declared under residence.declare)
 *   permanent grounds      Luật Cư trú 2020 Điều 24 khoản 1
 *   temporary grounds      Luật Cư trú 2020 Điều 29 khoản 1
 *   absence cases          Luật Cư trú 2020 Điều 31 khoản 1
 * (see event.c for the lists, with Vietnamese and English labels). */
#ifndef CUTRU_EVENT_H
#define CUTRU_EVENT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "core/err.h"
#include "core/field.h"
#include "core/types.h"

struct canon_buf;

/* One event type: its name and payload schema. */
struct event_type {
	const char *name;           /* "residence.opened" */
	const char *summary;        /* English, N_() */
	const struct field *fields; /* payload schema (core/field.h) */
};

/* All event types, in the order above; ends with name NULL. */
extern const struct event_type event_types[];

/* The closed lists (each ends with id NULL).  min_months of a ground is
 * how long after the event the ground can be used (absence: 12 or 6
 * months; housing ended: 12 months); min_days/min_months of an absence
 * case is the shortest absence it covers.  FIELD_CHOICE_NEEDS_DOCUMENT
 * marks grounds that require a document reference. */
extern const struct field_choice event_residence_kinds[];
extern const struct field_choice event_grounds_permanent[];
extern const struct field_choice event_grounds_temporary[];
extern const struct field_choice event_absence_cases[];

/* Schemas shared with requests. */
extern const struct field event_schema_address[];
extern const struct field event_schema_guest[];

/* The longest temporary residence term, in years (Luật Cư trú 2020). */
#define EVENT_TEMPORARY_MAX_YEARS 2
/* A stay notice covers stays shorter than this many days. */
#define EVENT_STAY_MAX_DAYS 30

/* The event type with this name, or NULL. */
const struct event_type *event_type_find(const char *name);

/* Check one event: canonical-JSON friendly (canon_encode() accepts it),
 * exactly "type" and "data", a known type, the payload against its schema
 * in stored form, and the cross-field rules above.  Errors name the value
 * by path ("data.guests[1].passport"). */
int event_validate(const cJSON *ev, struct cutru_err *e);

/* event_validate() of the event's canonical encoding (core/canon.h), which
 * is appended to out on success: what a journal records of an event it
 * applies.  Text typed in another Unicode form than NFC is brought to NFC
 * by the encoding; then *nfc is set to the tree the bytes decode to (the
 * caller frees it with cJSON_Delete()), and that is what was checked and
 * what must be applied.  Otherwise *nfc is NULL and ev itself was checked:
 * its bytes decode to ev (up to the order of members).  Either way
 * applying the tree checked and replaying the bytes are the same. */
int event_validate_encode(const cJSON *ev, struct canon_buf *out,
    cJSON **nfc, struct cutru_err *e);

/* Check an array of events; paths start with the index ("[2].data.to").
 * An empty array is valid. */
int event_validate_list(const cJSON *events, struct cutru_err *e);

/* A new event {"type": type, "data": data}, taking ownership of data (it is
 * freed on failure).  NULL on ENOMEM or when data is NULL.  The result is
 * not validated. */
cJSON *event_new(const char *type, cJSON *data);

/* The temporary term rule: to is after from and at most
 * EVENT_TEMPORARY_MAX_YEARS years after it.  Full dates.  CUTRU_EINVAL or
 * CUTRU_ERANGE with field = field_to. */
int event_check_term(const struct cutru_date *from,
    const struct cutru_date *to, const char *field_to, struct cutru_err *e);

/* The stay rule: to is not before from and fewer than EVENT_STAY_MAX_DAYS
 * days after it (longer stays need temporary registration).  Field =
 * field_to. */
int event_check_stay(const struct cutru_date *from,
    const struct cutru_date *to, const char *field_to, struct cutru_err *e);

/* The guest rule on a table of guests already checked against
 * event_schema_guest: each row has id_number, or passport and nationality,
 * but not both; and at least one row.  path is the table's path. */
int event_check_guests(const cJSON *guests, const char *path,
    struct cutru_err *e);

#endif
