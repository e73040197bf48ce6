/* Reason codes: names, descriptions, HTTP statuses (see sync/reason.h and
 * cutru-protocol(7), which must list the same names). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "core/canon.h"
#include "core/i18n.h"
#include "sync/reason.h"

struct reason_info {
	const char *name;
	int http;
	int retryable;
	const char *describe;
};

/* Indexed by enum sync_reason. */
static const struct reason_info reasons[SYNC_R_COUNT_] = {
	[SYNC_R_NONE] = { "", 200, 0, N_("No problem.") },
	[SYNC_R_BAD_SEAL] = { "bad_seal", 400, 0,
	    N_("The registry could not open the sealed change set: it was "
	    "damaged on the way or sealed to another registry's key. Check "
	    "that this console is enrolled with this registry.") },
	[SYNC_R_BAD_DEVICE_SIGNATURE] = { "bad_device_signature", 403, 0,
	    N_("The console's signature does not verify: the change set was "
	    "altered after it was signed, or the console's key is not the one "
	    "enrolled. Ask the registry operator.") },
	[SYNC_R_BAD_SUPERVISOR_SIGNATURE] = { "bad_supervisor_signature",
	    403, 0,
	    N_("The supervisor's signature on the approval does not verify "
	    "with the key the registry holds for them. The supervisor's key "
	    "must be registered again.") },
	[SYNC_R_UNKNOWN_DEVICE] = { "unknown_device", 403, 0,
	    N_("The registry does not know this console. Enroll it with a "
	    "token from the registry operator.") },
	[SYNC_R_REVOKED_DEVICE] = { "revoked_device", 403, 0,
	    N_("The registry has revoked this console. Ask the registry "
	    "operator.") },
	[SYNC_R_WRONG_WARD] = { "wrong_ward", 403, 0,
	    N_("The change set is for a ward this console is not enrolled "
	    "for.") },
	[SYNC_R_UNKNOWN_SUPERVISOR] = { "unknown_supervisor", 200, 0,
	    N_("The registry does not know the approving supervisor or their "
	    "key. Register the supervisor at the registry, then approve the "
	    "dossier again.") },
	[SYNC_R_SUPERVISOR_NOT_AUTHORISED] = { "supervisor_not_authorised",
	    200, 0,
	    N_("The approving supervisor may not approve for this ward at "
	    "the registry.") },
	[SYNC_R_GAP] = { "gap", 200, 1,
	    N_("An earlier change set of this console has not reached the "
	    "registry yet; this one is held and will be sent again.") },
	[SYNC_R_FORK] = { "fork", 200, 0,
	    N_("The registry already holds a different change set with this "
	    "number from this console. The console's chain has forked (a "
	    "restored backup?); ask the registry operator.") },
	[SYNC_R_IDENTITY_MISMATCH] = { "identity_mismatch", 200, 0,
	    N_("A person's ID number, name, date of birth or sex does not "
	    "match the national population records.") },
	[SYNC_R_STALE_RECORD] = { "stale_record", 200, 0,
	    N_("The record changed at the registry since this console saw "
	    "it; the current state is attached.") },
	[SYNC_R_INVALID_EVENTS] = { "invalid_events", 200, 0,
	    N_("The registry found the dossier's changes invalid.") },
	[SYNC_R_REGISTER_CONFLICT] = { "register_conflict", 200, 0,
	    N_("The registry's register refused the changes (for example a "
	    "person to delete is not registered there).") },
	[SYNC_R_MALFORMED] = { "malformed", 400, 0,
	    N_("The registry could not read what was sent.") },
	[SYNC_R_TOO_LARGE] = { "too_large", 413, 0,
	    N_("What was sent is larger than the registry accepts.") },
	[SYNC_R_UNSUPPORTED_VERSION] = { "unsupported_version", 400, 0,
	    N_("The registry does not support this version of the protocol. "
	    "Update cutru.") },
	[SYNC_R_RATE_LIMITED] = { "rate_limited", 429, 1,
	    N_("The registry asks this console to slow down; it will try "
	    "again later.") },
	[SYNC_R_BAD_TOKEN] = { "bad_token", 403, 0,
	    N_("The enrollment token is unknown, used already, expired, or "
	    "for another ward. Ask the registry operator for a new one.") },
	[SYNC_R_ALREADY_ENROLLED] = { "already_enrolled", 409, 0,
	    N_("This console's key is enrolled already.") },
	[SYNC_R_BAD_REQUEST_SIGNATURE] = { "bad_request_signature", 403, 0,
	    N_("The registry refused the console's signed request: the "
	    "signature does not verify or the console's clock is more than "
	    "two days off. Check the date and time.") },
	[SYNC_R_BAD_CURSOR] = { "bad_cursor", 400, 0,
	    N_("The registry does not know the feed position this console "
	    "asked for.") },
	[SYNC_R_INTERNAL] = { "internal", 500, 1,
	    N_("The registry failed; it will be tried again later.") },
	[SYNC_R_UNKNOWN] = { "unknown", 400, 0,
	    N_("The registry refused this for a reason this version of "
	    "cutru does not know. Update cutru, or ask the registry "
	    "operator.") },
};

const char *
sync_reason_name(enum sync_reason r)
{
	if ((int)r < 0 || r >= SYNC_R_COUNT_)
		return reasons[SYNC_R_UNKNOWN].name;
	return reasons[r].name;
}

enum sync_reason
sync_reason_from_name(const char *name, size_t len)
{
	int i;

	if (name == NULL)
		return SYNC_R_UNKNOWN;
	for (i = SYNC_R_NONE + 1; i < SYNC_R_UNKNOWN; i++)
		if (strlen(reasons[i].name) == len &&
		    memcmp(reasons[i].name, name, len) == 0)
			return (enum sync_reason)i;
	return SYNC_R_UNKNOWN;
}

const char *
sync_reason_describe(enum sync_reason r)
{
	if ((int)r < 0 || r >= SYNC_R_COUNT_)
		r = SYNC_R_UNKNOWN;
	return _(reasons[r].describe);
}

int
sync_reason_http_status(enum sync_reason r)
{
	if ((int)r < 0 || r >= SYNC_R_COUNT_)
		r = SYNC_R_UNKNOWN;
	return reasons[r].http;
}

int
sync_reason_retryable(enum sync_reason r)
{
	if ((int)r < 0 || r >= SYNC_R_COUNT_)
		return 0;
	return reasons[r].retryable;
}

int
sync_error_format(enum sync_reason r, const char *message, char **out,
    size_t *len, struct cutru_err *e)
{
	cJSON *o = NULL;
	int rc;

	*out = NULL;
	*len = 0;
	if (r == SYNC_R_NONE || (int)r < 0 || r >= SYNC_R_COUNT_)
		return cutru_err_set(e, CUTRU_EINVAL, "code",
		    _("An error body needs a reason code."));
	if (message == NULL)
		message = reasons[r].describe;
	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "code", reasons[r].name) == NULL ||
	    cJSON_AddStringToObject(o, "message", message) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
		goto done;
	}
	rc = canon_encode(o, out, len, e);
done:
	cJSON_Delete(o);
	return rc;
}

int
sync_error_parse(const char *body, size_t len, enum sync_reason *r,
    char *msg, size_t msgsize, struct cutru_err *e)
{
	static const struct canon_limits lim = { 4096, 2048, 16, 4 };
	const cJSON *code, *m;
	cJSON *o = NULL;
	size_t n;
	int rc;

	*r = SYNC_R_UNKNOWN;
	if (msg != NULL && msgsize > 0)
		msg[0] = '\0';
	if (body == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "body",
		    _("The registry's answer is empty."));
	if ((rc = canon_parse(body, len, &lim, 0, &o, e)) != CUTRU_OK)
		return rc == CUTRU_ENOMEM ? rc : cutru_err_set(e, CUTRU_EINVAL,
		    "body", _("The registry's error answer cannot be read."));
	code = cJSON_GetObjectItemCaseSensitive(o, "code");
	m = cJSON_GetObjectItemCaseSensitive(o, "message");
	if (!cJSON_IsObject(o) || !cJSON_IsString(code) ||
	    !cJSON_IsString(m)) {
		cJSON_Delete(o);
		return cutru_err_set(e, CUTRU_EINVAL, "body",
		    _("The registry's error answer has no code and message."));
	}
	*r = sync_reason_from_name(code->valuestring,
	    strlen(code->valuestring));
	if (msg != NULL && msgsize > 0) {
		n = strlen(m->valuestring);
		if (n >= msgsize) {
			n = msgsize - 1;
			/* Back off to a character boundary. */
			while (n > 0 && ((unsigned char)m->valuestring[n] &
			    0xc0) == 0x80)
				n--;
		}
		memcpy(msg, m->valuestring, n);
		msg[n] = '\0';
	}
	cJSON_Delete(o);
	return CUTRU_OK;
}
