/* Dossiers (hồ sơ): a request received at the desk, its due date, the
 * events it will produce, and the supervisor's decision.  See
 * localdb/dossier.c for the life of a dossier and what can go wrong.
 *
 * ---------------------------------------------------------------------
 * DOSSIER NUMBERS
 *
 * A dossier is numbered like the receipt (form CT04, "Số .../PTN") given to
 * the applicant: "N/YYYY/PTN", where YYYY is the year of the request's
 * "received" date and N counts the store's dossiers of that year from 1,
 * in decimal without leading zeros ("1/2026/PTN", "17/2026/PTN").  Numbers
 * are never reused, whatever becomes of the dossier.
 *
 * A request that creates a household (permanent.register with
 * household_mode "new", household.split) gives it the number
 * "WARD-YYYY-N" made from the ward code and the dossier number ("00070-
 * 2026-17"), so the events shown at receipt are the ones approval applies.
 *
 * ---------------------------------------------------------------------
 * THE APPROVAL OBJECT
 *
 * Approving a dossier signs, with the supervisor's personal Ed25519 key
 * (localdb/keyring.h, crypto_sign_detached), the canonical JSON bytes
 * (core/canon.h) of this object, and nothing else:
 *
 *   {"kind": "cutru-approval-v1",
 *    "ward": "00070",                  ward code of the store (5 digits)
 *    "dossier": "17/2026/PTN",         the dossier number
 *    "procedure": "temporary.register",
 *    "events": [ ... ],                the events applied, exactly as
 *                                      procedure_events() made them on the
 *                                      day of approval (core/event.h)
 *    "supervisor": "minh",             login of the approving supervisor
 *    "decided": "2026-11-30"}          date of approval (in Vietnam)
 *
 * The canonical encoding sorts the keys, so the signed bytes begin
 * {"decided":... .  The signature (64 bytes) and these bytes are what a
 * change set carries to the registry, which checks them with
 * dossier_approval_verify() and the supervisor's public key.
 * ---------------------------------------------------------------------
 *
 * Permissions (enforced here, whatever the screen): officers and
 * supervisors receive; only supervisors decide; nobody decides a dossier
 * they received themselves; approval needs the supervisor's passphrase
 * again; a decided dossier is never decided again.  Only approval changes
 * the register; returned and refused dossiers never do. */
#ifndef CUTRU_DOSSIER_H
#define CUTRU_DOSSIER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "core/date.h"
#include "core/err.h"
#include "core/holiday.h"
#include "localdb/keyring.h"
#include "localdb/session.h"

#define DOSSIER_NUMBER_MAX 24     /* "999999/2026/PTN" and its NUL, with room */
#define DOSSIER_SIGNATURE_BYTES 64
#define DOSSIER_APPROVAL_KIND "cutru-approval-v1"
/* Largest request accepted, in bytes of JSON text. */
#define DOSSIER_REQUEST_MAX (256 * 1024)
/* Longest reason for returning or refusing a dossier, in characters. */
#define DOSSIER_REASON_MAX 1000

/* A dossier as dossier_list() and dossier_show() give it.  Strings in
 * arrays are "" when absent; pointers NULL. */
struct dossier {
	int64_t id;
	char number[DOSSIER_NUMBER_MAX];
	char procedure[32];        /* procedure id, core/procedure.h */
	char state[12];            /* awaiting, approved, returned, refused
	                            * (sent, accepted, rejected: sync's) */
	char received[DATE_FMT_MAX]; /* the request's "received" */
	char due[DATE_FMT_MAX];    /* due by the end of due_session that day */
	enum holiday_session due_session;
	int due_provisional;       /* the holiday table does not fully know the
	                            * years from receipt to due date */
	char officer[KEYRING_LOGIN_MAX + 1];    /* who received it */
	char supervisor[KEYRING_LOGIN_MAX + 1]; /* who decided it, or "" */
	char decided[DATE_FMT_MAX];             /* date of decision, or "" */
	char *reason;              /* of a return (CT05) or refusal (CT06) */
	char applicant_id[16];     /* ID number of the applicant (or, without
	                            * one, of the person concerned) */
	char *applicant_name;
	/* dossier_show() only: */
	cJSON *request;            /* the request as received (canonical) */
	cJSON *events;             /* awaiting: what approving it today would
	                            * apply, computed now; approved: what was
	                            * applied; returned, refused: what was
	                            * computed at receipt (never applied) */
	char events_as_of[DATE_FMT_MAX]; /* the approval date events were
	                            * computed for ("" for receipt's) */
	struct cutru_err events_problem; /* awaiting only: code != 0 when the
	                            * events cannot be computed today (approval
	                            * would be refused for this reason); events
	                            * are then those computed at receipt */
	int has_signature;
	unsigned char signature[DOSSIER_SIGNATURE_BYTES];
};

/* Receive a request (JSON text json[0..len), at most DOSSIER_REQUEST_MAX
 * bytes; cutru-request(5), core/procedure.h): check it with
 * procedure_validate() as of today (the date of now in Vietnam), then in
 * one transaction store it as a dossier with its number, its due date
 * (procedure_due_date(), the built-in holiday table, counted from the
 * session of now when "received" is today and from the morning of an
 * earlier "received" day, which gives the earlier due date), state
 * "awaiting", the receiving officer, the request's canonical bytes and the
 * events it would produce if approved today.  Officers and supervisors
 * only (CUTRU_EPERM).  An invalid request stores nothing: the error of
 * procedure_validate() names the field (e->field, a JSON path).  On
 * success number (DOSSIER_NUMBER_MAX bytes) holds the dossier number; on
 * failure "". */
int dossier_receive(struct session *s, const char *json, size_t len,
    time_t now, char *number, struct cutru_err *e);

/* As dossier_receive() for a request already parsed (the console's form).
 * The request is not changed. */
int dossier_receive_json(struct session *s, const cJSON *request, time_t now,
    char *number, struct cutru_err *e);

/* Approve dossier number (supervisors only; not one they received).  The
 * passphrase must be the supervisor's own: it opens their signing key
 * (keyring_sign_secret(); a wrong one counts towards the slow-down and
 * changes nothing else).  Then in one transaction: the events are computed
 * again for today (those the approval object carries), the approval
 * object is signed, the dossier becomes "approved" with the supervisor,
 * the date, the events and the signature, and the events are applied to
 * the register and journalled (apply_and_journal()).  If the register
 * refuses an event (CUTRU_ENOTFOUND, CUTRU_ECONFLICT: a person to delete is
 * not registered, ...) nothing changes and the dossier stays awaiting.
 * CUTRU_EPERM (role, own dossier, disabled account), CUTRU_ENOTFOUND (no
 * such dossier, field "number"), CUTRU_ECONFLICT (already decided),
 * CUTRU_ECRYPTO (wrong passphrase; or a signing key that is not the one
 * registered for the supervisor). */
int dossier_approve(struct session *s, const char *number,
    const char *passphrase, time_t now, struct cutru_err *e);

/* What dossier_approve_hooked() hands its hook: the approval just signed,
 * borrowed for the duration of the call. */
struct dossier_approved {
	const char *number;               /* the dossier number */
	const char *officer;              /* login of who received it */
	const char *approval;             /* canonical approval object */
	size_t approval_len;
	const unsigned char *signature;   /* DOSSIER_SIGNATURE_BYTES */
	const unsigned char *supervisor_pk; /* KEYRING_SIGN_PK_BYTES */
};

/* Called inside the approval's transaction, after the register changed
 * and before the commit; a non-zero return (with e filled) rolls the
 * whole approval back. */
typedef int dossier_approve_hook(sqlite3 *db,
    const struct dossier_approved *a, void *arg, struct cutru_err *e);

/* dossier_approve() that also runs hook(db, ..., arg, e) in the same
 * transaction, so a layer above localdb/ (sync/outbox.h records the
 * change set) makes its record in the same step.  hook NULL: exactly
 * dossier_approve(). */
int dossier_approve_hooked(struct session *s, const char *number,
    const char *passphrase, time_t now, dossier_approve_hook *hook,
    void *arg, struct cutru_err *e);

/* Return a dossier for completion (form CT05) or refuse it (form CT06),
 * with the reason the applicant is given: required, one line, at most
 * DOSSIER_REASON_MAX characters after white space is tidied (CUTRU_EINVAL
 * or CUTRU_ERANGE, field "reason").  Supervisors only, not their own
 * dossier, only an awaiting one; the register does not change. */
int dossier_return(struct session *s, const char *number, const char *reason,
    time_t now, struct cutru_err *e);
int dossier_refuse(struct session *s, const char *number, const char *reason,
    time_t now, struct cutru_err *e);

/* The dossiers in state (NULL: all; else one of the states above,
 * CUTRU_EINVAL otherwise), soonest due first, then by number.  Without
 * request and events.  *out is an array of *n, freed with
 * dossier_list_free(). */
int dossier_list(struct session *s, const char *state, struct dossier **out,
    size_t *n, struct cutru_err *e);
void dossier_list_free(struct dossier *list, size_t n);

/* Everything about one dossier, the request and the events included (see
 * struct dossier; now gives today for an awaiting dossier's events).
 * Free with dossier_free().  CUTRU_ENOTFOUND (field "number"). */
int dossier_show(struct session *s, const char *number, time_t now,
    struct dossier *out, struct cutru_err *e);
void dossier_free(struct dossier *d);

/* The signed approval of an approved dossier: *canon (malloc'd, *len
 * bytes, NUL-terminated) is the canonical approval object and sig its
 * signature.  CUTRU_ENOTFOUND; CUTRU_ECONFLICT when it is not approved. */
int dossier_approval(struct session *s, const char *number, char **canon,
    size_t *len, unsigned char *sig, struct cutru_err *e);

/* Check an approval as a verifier receives it: canon[0..len) must be the
 * canonical encoding of an approval object (exactly the keys above, kind
 * DOSSIER_APPROVAL_KIND) and sig (DOSSIER_SIGNATURE_BYTES) its Ed25519
 * signature by public key pk (KEYRING_SIGN_PK_BYTES).  CUTRU_EINVAL (not
 * an approval object, or not canonical), CUTRU_ECRYPTO (the signature
 * does not verify with this key). */
int dossier_approval_verify(const char *canon, size_t len,
    const unsigned char *sig, const unsigned char *pk, struct cutru_err *e);

/* dossier_approval() then dossier_approval_verify() with pk. */
int dossier_verify(struct session *s, const char *number,
    const unsigned char *pk, struct cutru_err *e);

#endif
