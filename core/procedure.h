/* The eleven residence procedures of a commune police office (DESIGN §2),
 * their requests, their rules and the events they produce.
 *
 * ---------------------------------------------------------------------
 * REQUEST FORMAT (cutru-request(5))
 *
 * A request is one JSON object: what an officer enters from a dossier, or
 * what a script hands to the console.  Its bytes need not be canonical; it
 * must fit the canonical data model (core/canon.h: integers only, no
 * duplicate keys, valid UTF-8).  Every key is listed below; an unknown key
 * is refused (a misspelt key would otherwise be ignored), and a key is
 * either present with a value or absent: null is refused.
 *
 *   {"procedure": "temporary.register",
 *    "received": "2026-11-27",
 *    "applicant": {"id_number": "001090012345", "name": "Nguyễn Văn An",
 *                  "dob": "1990-05-01", "sex": "male"},
 *    "address": {"commune": "00004", "detail": "Số 12 ngõ 34 phố Hàng Bạc"},
 *    "from": "2026-12-01", "to": "2027-11-30", "basis": "owned"}
 *
 * Common keys:
 *   procedure   R  one of the procedure ids below
 *   received    R  date the complete dossier was received, not after today
 *
 * Value types (core/field.h): date "YYYY-MM-DD"; partial date "YYYY",
 * "YYYY-MM" or "YYYY-MM-DD"; sex "male" | "female"; id_number 12 digits;
 * commune 5 digits; household 1..32 letters, digits, hyphens; bool
 * true | false; count a whole number >= 1; text one line.
 *
 * Objects:
 *   person      {"id_number" R, "name" R, "dob" R partial date (not in the
 *               future), "sex" R, "phone" O, "email" O}.  The ID number's
 *               century/sex digit and year must agree with sex and dob.
 *   member      a row of "members" (people changing residence together,
 *               CT01's table): {"id_number" R, "name" R, "dob" R, "sex" R,
 *               "relationship" R (to the head of household: "con", "vợ";
 *               procedure_relationships lists the usual terms)}
 *   guest       a row of "guests": {"name" R, "dob" R, "sex" R, and
 *               "id_number" for a citizen, or "passport" (5..20 capitals
 *               and digits) and "nationality" (ISO 3166 alpha-2) for a
 *               foreigner}
 *   address     {"commune" R, "detail" R (house, street, hamlet)}
 *   person_ref  {"name" R, "id_number" R}
 *   consent     {"name" R, "id_number" R, "method" R: "signature" (on the
 *               form), "vneid" (confirmed in the VNeID app) or "letter"
 *               (a separate written consent)}
 *   consents    {"head" O, "owner" O, "guardian" O}: consent objects of the
 *               household head, the owner of the residence, the guardian
 *               of a minor applicant
 *
 * Procedures (R required, C required in the cases the rule says, O
 * optional).  No person may appear twice among applicant and members.
 *
 * permanent.register  Đăng ký thường trú, 1.004222, CT01, 7 days
 *   applicant R person, members O [member], address R address,
 *   household_mode R "new" | "join", household C, relationship C text,
 *   basis R "owned" | "relative" | "rented" | "borrowed" | "religious" |
 *   "care_facility" | "vessel", contract_ref C text, floor_area_m2 C count,
 *   occupants C count, consents O consents.
 *   - join: household, relationship (applicant's, to the head) and
 *     consents.head required; new: household and relationship refused.
 *   - basis other than owned: consents.owner required.
 *   - rented or borrowed: contract_ref, floor_area_m2 and occupants (all
 *     the people who will live there, at least 1 + members) required, and
 *     floor_area_m2 >= occupants x the province's minimum floor area per
 *     person (struct procedure_rules); refused for other bases.
 *   - an applicant under 18 on the day received: consents.guardian
 *     required.
 *
 * permanent.delete  Xóa đăng ký thường trú, 1.003197, CT01, 5 days
 *   ex_officio O bool, applicant C person (required unless ex_officio,
 *   refused with it), person R person (whose residence is deleted),
 *   ground R (event_grounds_permanent: death, emigrated, cancelled,
 *   absent, nationality_lost, housing_ended, premises_gone),
 *   event_date R date, document_ref C text, absence_exception O
 *   "abroad" | "prison" | "compulsory_facility".
 *   - event_date not after received; for absent and housing_ended at least
 *     12 months before it.
 *   - death, cancelled, nationality_lost, premises_gone: document_ref
 *     required.
 *   - absence_exception: the person is abroad (not to settle), in prison,
 *     or in a compulsory education, rehabilitation or reform facility;
 *     the absent ground then does not apply and the request is refused.
 *     Refused with other grounds.
 *
 * household.split  Tách hộ, 1.010038, CT01, 5 days
 *   applicant R person (the member splitting off, head of the new
 *   household), household R (the existing one), address R address (the
 *   same legal residence), members O [member] (going with the applicant,
 *   relationship to the applicant), divorced_spouse O bool,
 *   consents O consents.
 *   - the applicant is 18 or older on the day received (full legal
 *     capacity).
 *   - consents.head and consents.owner required unless divorced_spouse
 *     (a divorced spouse entitled to live there needs no consent).
 *
 * residence.adjust  Điều chỉnh thông tin về cư trú, 1.010039, CT01, 3 days
 *   applicant R person, household R, change R "head" | "identity",
 *   new_head C person_ref, person C person_ref, corrected C object
 *   {"name" O, "dob" O, "sex" O, "id_number" O}, document_ref C text.
 *   - head: new_head required; person, corrected, document_ref refused.
 *   - identity: person, corrected (with at least one key) and document_ref
 *     (the civil-status document) required; new_head refused.
 *
 * temporary.register  Đăng ký tạm trú, 1.004194, CT01, 3 days
 *   applicant R person, members O [member], address R address,
 *   from R date, to R date, basis R (as above), contract_ref C text,
 *   consents O consents, permanent_address O address.
 *   - to after from and at most 2 years after it; to after received.
 *   - basis other than owned: consents.owner required; rented or borrowed:
 *     contract_ref required (refused for other bases).
 *   - an applicant under 18 on the day received: consents.guardian
 *     required.
 *   - permanent_address in the same commune as address: refused (no
 *     temporary residence in the commune of one's permanent residence).
 *
 * temporary.extend  Gia hạn tạm trú, 1.002755, CT01, 3 days
 *   applicant R person, members O [member], address R address (of the
 *   temporary residence), current_to R date (the present end of the term),
 *   to R date (the new end).
 *   - received at most 15 days before current_to, and not after it.
 *   - to after current_to and at most 2 years after it.
 *
 * temporary.delete  Xóa đăng ký tạm trú, 1.010028, CT01, 2 days
 *   as permanent.delete, with ground R from event_grounds_temporary
 *   (death, cancelled, absent, nationality_lost, registered_permanent,
 *   rental_ended, ownership_transferred, premises_gone; absent needs 6
 *   months since event_date), no absence_exception, and
 *   new_owner_agrees O bool: allowed only with ownership_transferred,
 *   and true refuses the request (the stay may go on).
 *
 * residence.declare  Khai báo thông tin về cư trú, 1.010040, CT01,
 *   5 days, or 30 days when the person is not in the national database
 *   applicant R person, members O [member], address R address (where the
 *   person lives now), in_national_db R bool.
 *
 * stay.notify  Thông báo lưu trú, 2.001159, no form, immediate
 *   applicant R person (who gives notice), address R address, from R date,
 *   to R date, guests R [guest] (at least one).
 *   - to not before from and fewer than 30 days after it.
 *
 * absence.declare  Khai báo tạm vắng, 1.003677, CT03, 1 day (2 if complex)
 *   applicant R person, case R (event_absence_cases:
 *   accused_or_sentenced, administrative_measure, military_age,
 *   long_absence), from R date, to R date, destination R text,
 *   reason R text, address O address (where the person lives),
 *   complex O bool.
 *   - to - from at least the case's minimum: 1 day (a, b), 3 months (c,
 *     configurable), 12 months (d).
 *
 * residence.confirm  Xác nhận thông tin về cư trú, 1.010041, CT07,
 *   ½ day, or 3 days when the data must be verified
 *   applicant R person (the requester), person O person (whose residence
 *   is confirmed; the applicant when absent), in_national_db R bool,
 *   content O text.
 * ---------------------------------------------------------------------
 *
 * Events.  procedure_events() turns an approved request into the list of
 * domain events of core/event.h (person.upserted for each person whose
 * residence or household changes, then household events, then residence
 * events), in stored form, checked with event_validate_list(). */
#ifndef CUTRU_PROCEDURE_H
#define CUTRU_PROCEDURE_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "core/err.h"
#include "core/field.h"
#include "core/holiday.h"
#include "core/types.h"

/* One procedure. */
struct procedure {
	const char *id;          /* "permanent.register": stable */
	const char *name_vi;     /* official name, "Đăng ký thường trú" */
	const char *title;       /* English, N_(): show through _() */
	const char *code;        /* national public-service code "1.004222" */
	int deadline_half_days;  /* statutory deadline in half working days */
	int alt_half_days;       /* the other deadline, or -1 if none */
	const char *alt_key;     /* bool field that selects alt_half_days */
	int alt_when;            /* ...when it has this value (0 or 1) */
	const char *form;        /* DESIGN §2's form: "CT01", "CT03", "CT07"
	                          * (issued); NULL for a stay notice */
	const char *result;      /* documents issued with the result, or NULL */
	const struct field *fields; /* request keys after the common ones */
};

/* The procedures in the order of DESIGN §2; ends with id NULL. */
extern const struct procedure procedures[];

/* The keys every request has ("procedure", "received"). */
extern const struct field procedure_common_fields[];

/* Usual kinship terms for "relationship" (notes/domain.md), NULL-ended;
 * the form offers them and accepts other text ("khác"). */
extern const char *const procedure_relationships[];

/* Rules a province or a later text may set differently. */
struct procedure_rules {
	int min_floor_m2_per_person; /* rented/borrowed housing; default 8 */
	int confirmation_valid_days; /* CT07 validity; default 30 */
	int military_absence_months; /* absence case (c); default 3 */
};

/* Fill r with the defaults above. */
void procedure_rules_default(struct procedure_rules *r);

/* The procedure with this id, or NULL. */
const struct procedure *procedure_find(const char *id);

/* Number of procedures (11). */
size_t procedure_count(void);

/* Check a request (see REQUEST FORMAT): structure, each value, and the
 * procedure's rules, with the default rules.  today is the full date of
 * today (core never reads the clock).  On failure e->field is the JSON path
 * of the value to fix ("members[2].dob", "consents.owner"; "" for the whole
 * request) and e->msg says what to do.  CUTRU_EINVAL, CUTRU_ERANGE (a
 * value or duration out of its range), CUTRU_ECONFLICT (ID number against
 * sex or date of birth), CUTRU_ENOMEM. */
int procedure_validate(const cJSON *request, const struct cutru_date *today,
    struct cutru_err *e);

/* As procedure_validate() with explicit rules (NULL: the defaults). */
int procedure_validate_rules(const cJSON *request,
    const struct cutru_date *today, const struct procedure_rules *rules,
    struct cutru_err *e);

/* The deadline of this request in half working days: the procedure's, or
 * its alternative when the request's alt_key says so (a complex absence
 * declaration, data not in the national database).  The request needs only
 * a known "procedure"; CUTRU_EINVAL otherwise. */
int procedure_deadline(const cJSON *request, int *half_days,
    struct cutru_err *e);

/* Due date of the request: its deadline counted from "received" in the
 * given session (core/holiday.h; t NULL = the built-in holiday table). */
int procedure_due_date(const cJSON *request, const struct holiday_table *t,
    enum holiday_session session, struct holiday_due *out,
    struct cutru_err *e);

/* What procedure_events() needs besides the request. */
struct procedure_ctx {
	const struct cutru_date *approved;   /* date of approval, full */
	const char *new_household;           /* the number the store gave the
	                                      * household this request creates
	                                      * (permanent.register with
	                                      * household_mode "new",
	                                      * household.split); else NULL */
	const struct procedure_rules *rules; /* NULL: the defaults */
};

/* The events the request produces once approved.  The request is checked
 * first (procedure_validate_rules() with today = ctx->approved); the result
 * is checked with event_validate_list().  On success *out is a new cJSON
 * array the caller frees with cJSON_Delete(); on failure *out is NULL.
 * CUTRU_EINVAL also when a request that creates a household comes without
 * ctx->new_household. */
int procedure_events(const cJSON *request, const struct procedure_ctx *ctx,
    cJSON **out, struct cutru_err *e);

#endif
