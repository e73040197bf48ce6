/* Reason codes: the closed list of machine-readable reasons a registry gives
 * for refusing, holding or failing something a console sent.
 *
 * They travel as lowercase ASCII names (the first column) in receipts
 * ("reasons":[{"code":"gap",...}]) and in the JSON error body of a refused
 * HTTP request; cutru-protocol(7) lists them with their HTTP status and
 * whether sending again can help.  The list is closed within a protocol
 * version: a console that meets a name it does not know treats it as
 * SYNC_R_UNKNOWN (shown as "refused by the registry", never retried
 * automatically), so adding a code is a protocol change.
 *
 * The numbers of enum sync_reason are this program's own and never go on
 * the wire; only the names do. */
#ifndef CUTRU_SYNC_REASON_H
#define CUTRU_SYNC_REASON_H

#include <stddef.h>

#include "core/err.h"

enum sync_reason {
	SYNC_R_NONE = 0,                 /* no problem */
	SYNC_R_BAD_SEAL,                 /* bad_seal */
	SYNC_R_BAD_DEVICE_SIGNATURE,     /* bad_device_signature */
	SYNC_R_BAD_SUPERVISOR_SIGNATURE, /* bad_supervisor_signature */
	SYNC_R_UNKNOWN_DEVICE,           /* unknown_device */
	SYNC_R_REVOKED_DEVICE,           /* revoked_device */
	SYNC_R_WRONG_WARD,               /* wrong_ward */
	SYNC_R_UNKNOWN_SUPERVISOR,       /* unknown_supervisor */
	SYNC_R_SUPERVISOR_NOT_AUTHORISED,/* supervisor_not_authorised */
	SYNC_R_GAP,                      /* gap (the change set is held) */
	SYNC_R_FORK,                     /* fork */
	SYNC_R_IDENTITY_MISMATCH,        /* identity_mismatch */
	SYNC_R_STALE_RECORD,             /* stale_record */
	SYNC_R_INVALID_EVENTS,           /* invalid_events */
	SYNC_R_REGISTER_CONFLICT,        /* register_conflict */
	SYNC_R_MALFORMED,                /* malformed */
	SYNC_R_TOO_LARGE,                /* too_large */
	SYNC_R_UNSUPPORTED_VERSION,      /* unsupported_version */
	SYNC_R_RATE_LIMITED,             /* rate_limited */
	SYNC_R_BAD_TOKEN,                /* bad_token (enrollment) */
	SYNC_R_ALREADY_ENROLLED,         /* already_enrolled */
	SYNC_R_BAD_REQUEST_SIGNATURE,    /* bad_request_signature (feed) */
	SYNC_R_BAD_CURSOR,               /* bad_cursor (feed) */
	SYNC_R_INTERNAL,                 /* internal: the registry failed */
	SYNC_R_UNKNOWN,                  /* a name this program does not know */
	SYNC_R_COUNT_
};

/* The wire name of r ("bad_seal"); "unknown" for SYNC_R_UNKNOWN and
 * anything out of range, "" for SYNC_R_NONE. */
const char *sync_reason_name(enum sync_reason r);

/* The reason named name[0..len) (exact, case-sensitive), or SYNC_R_UNKNOWN.
 * "" and "unknown" also give SYNC_R_UNKNOWN. */
enum sync_reason sync_reason_from_name(const char *name, size_t len);

/* One sentence for the ward officer saying what the reason means and what
 * to do, translated (_()).  Never NULL. */
const char *sync_reason_describe(enum sync_reason r);

/* The HTTP status a registry answers when the whole request is refused for
 * r (400, 401, 403, 409, 413, 429, 500, ...); for reasons that only occur
 * inside a receipt (gap, fork, stale_record, ...) the status of the batch
 * is 200 and this gives 200. */
int sync_reason_http_status(enum sync_reason r);

/* 1 when sending the same bytes again later can succeed (gap,
 * rate_limited, internal), else 0: the console must not resend. */
int sync_reason_retryable(enum sync_reason r);

/* The JSON error body of a refused HTTP request (cutru-protocol(7)):
 *   {"code":"too_large","message":"..."}
 * canonical, message one line of English without personal data.  *out
 * malloc'd, NUL-terminated, *len bytes; caller frees. */
int sync_error_format(enum sync_reason r, const char *message, char **out,
    size_t *len, struct cutru_err *e);

/* Read such a body (at most 4096 bytes, any JSON spacing): *r the reason
 * (SYNC_R_UNKNOWN for a name not known), message copied into
 * msg[0..msgsize) (truncated at a character boundary).  CUTRU_EINVAL for
 * anything else. */
int sync_error_parse(const char *body, size_t len, enum sync_reason *r,
    char *msg, size_t msgsize, struct cutru_err *e);

#endif
