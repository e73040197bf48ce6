/* Receipts: the registry signs them, the console verifies them.  Format in
 * sync/receipt.h.
 *
 * What must stay true: a receipt says either which change set it answers
 * (device, seq, hash) or which bytes it answers (item), never both and
 * never neither, so the console can always tell which dossier it concerns
 * or that it concerns nothing it can identify; "accepted" never carries
 * reasons and a refusal always does, so the officer is never told "no"
 * without being told why; and the registry never signs a receipt that
 * receipt_verify() would refuse (receipt_sign() checks r first). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "core/canon.h"
#include "core/i18n.h"
#include "sync/receipt.h"
#include "sync/util.h"

static const char *const status_names[] = { "accepted", "rejected", "held" };

static const struct canon_limits receipt_limits = {
	RECEIPT_CANON_MAX, RECEIPT_CURRENT_MAX * 2, 2000, 6
};

const char *
receipt_status_name(enum receipt_status s)
{
	if ((int)s < 0 || s > RECEIPT_HELD)
		return "?";
	return status_names[s];
}

void
receipt_item_hash(const unsigned char *sealed, size_t len,
    unsigned char out[HASH_LEN])
{
	hash_bytes(sealed, len, out);
}

/* Cut s at max bytes, on a character boundary, and at the first line
 * break; control characters become spaces. */
static void
one_line(char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		s[n] = '\0';
	}
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
}

int
receipt_add_reason(struct receipt *r, enum sync_reason code,
    const char *field, struct cutru_err *e, const char *fmt, ...)
{
	struct receipt_reason *rr;
	va_list ap;

	if (r == NULL || fmt == NULL || code == SYNC_R_NONE ||
	    code >= SYNC_R_UNKNOWN || (int)code < 0)
		return cutru_err_set(e, CUTRU_EINVAL, "reason",
		    _("A reason needs a known code and a message."));
	if (r->nreasons >= RECEIPT_REASONS_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "reasons",
		    _("A receipt holds at most %d reasons."),
		    RECEIPT_REASONS_MAX);
	rr = &r->reasons[r->nreasons];
	memset(rr, 0, sizeof *rr);
	rr->code = code;
	snprintf(rr->name, sizeof rr->name, "%s", sync_reason_name(code));
	if (field != NULL)
		snprintf(rr->field, sizeof rr->field, "%s", field);
	{
		/* Format long, then cut at a character boundary. */
		char buf[2 * RECEIPT_MESSAGE_MAX + 1];

		va_start(ap, fmt);
		vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
		one_line(buf, RECEIPT_MESSAGE_MAX);
		memcpy(rr->message, buf, strlen(buf) + 1);
	}
	r->nreasons++;
	return CUTRU_OK;
}

/* The rules of sync/receipt.h on a struct receipt. */
static int
check_struct(const struct receipt *r, struct cutru_err *e)
{
	size_t i;

	if ((int)r->status < 0 || r->status > RECEIPT_HELD)
		return cutru_err_set(e, CUTRU_EINVAL, "status",
		    _("The receipt's status is not accepted, rejected or "
		    "held."));
	if (!!r->has_changeset == !!r->has_item)
		return cutru_err_set(e, CUTRU_EINVAL, "item",
		    _("A receipt names either the change set (device, seq, "
		    "hash) or the bytes it answers (item)."));
	if (r->has_changeset && (!sync_is_lower_hex(r->device,
	    ENVELOPE_KEY_ID_HEX) || r->seq < 1 || r->seq > CANON_INT_MAX))
		return cutru_err_set(e, CUTRU_EINVAL, "device",
		    _("The receipt's device id or sequence number is not "
		    "valid."));
	if (r->time < 0 || r->time > CANON_INT_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "time",
		    _("The receipt's time is out of range."));
	if (r->nreasons > RECEIPT_REASONS_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "reasons",
		    _("A receipt holds at most %d reasons."),
		    RECEIPT_REASONS_MAX);
	if ((r->status == RECEIPT_ACCEPTED) != (r->nreasons == 0))
		return cutru_err_set(e, CUTRU_EINVAL, "reasons",
		    _("An accepted receipt has no reasons; a rejected or held "
		    "one has at least one."));
	if (r->status == RECEIPT_HELD && !r->has_changeset)
		return cutru_err_set(e, CUTRU_EINVAL, "status",
		    _("Only an identified change set can be held."));
	if (r->current != NULL && (r->status != RECEIPT_REJECTED ||
	    r->current_len == 0 || r->current_len > RECEIPT_CURRENT_MAX))
		return cutru_err_set(e, CUTRU_EINVAL, "current",
		    _("Only a rejection carries the current state, and at most "
		    "%d bytes of it."), RECEIPT_CURRENT_MAX);
	for (i = 0; i < r->nreasons; i++) {
		const struct receipt_reason *rr = &r->reasons[i];

		if (rr->name[0] == '\0' || strlen(rr->name) > RECEIPT_CODE_MAX ||
		    strlen(rr->message) > RECEIPT_MESSAGE_MAX ||
		    rr->message[0] == '\0')
			return cutru_err_set(e, CUTRU_EINVAL, "reasons",
			    _("Reason %zu of the receipt has no code or no "
			    "message."), i + 1);
	}
	return CUTRU_OK;
}

int
receipt_sign(const struct receipt *r, const unsigned char *registry_sign_sk,
    unsigned char **out, size_t *outlen, struct cutru_err *e)
{
	char hex[HASH_HEX_LEN + 1];
	cJSON *o = NULL, *arr, *ro;
	char *canon = NULL, *b64 = NULL;
	size_t len, i;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (r == NULL || registry_sign_sk == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "receipt",
		    _("No receipt or no key to sign it with."));
	if ((rc = check_struct(r, e)) != CUTRU_OK)
		return rc;
	if ((o = cJSON_CreateObject()) == NULL)
		return sync_oom(e);
	rc = CUTRU_ENOMEM;
	if (r->current != NULL) {
		if ((b64 = envelope_b64_encode(r->current, r->current_len)) ==
		    NULL || cJSON_AddStringToObject(o, "current", b64) == NULL)
			goto nomem;
	}
	if (r->has_changeset) {
		hash_to_hex(r->hash, hex);
		if (cJSON_AddStringToObject(o, "device", r->device) == NULL ||
		    cJSON_AddStringToObject(o, "hash", hex) == NULL ||
		    cJSON_AddNumberToObject(o, "seq", (double)r->seq) == NULL)
			goto nomem;
	} else {
		hash_to_hex(r->item, hex);
		if (cJSON_AddStringToObject(o, "item", hex) == NULL)
			goto nomem;
	}
	if (cJSON_AddStringToObject(o, "kind", RECEIPT_KIND) == NULL ||
	    (arr = cJSON_AddArrayToObject(o, "reasons")) == NULL ||
	    cJSON_AddStringToObject(o, "status",
	    status_names[r->status]) == NULL ||
	    cJSON_AddNumberToObject(o, "time", (double)r->time) == NULL)
		goto nomem;
	for (i = 0; i < r->nreasons; i++) {
		if ((ro = cJSON_CreateObject()) == NULL)
			goto nomem;
		cJSON_AddItemToArray(arr, ro);
		if (cJSON_AddStringToObject(ro, "code",
		    r->reasons[i].name) == NULL ||
		    (r->reasons[i].field[0] != '\0' &&
		    cJSON_AddStringToObject(ro, "field",
		    r->reasons[i].field) == NULL) ||
		    cJSON_AddStringToObject(ro, "message",
		    r->reasons[i].message) == NULL)
			goto nomem;
	}
	if ((rc = canon_encode(o, &canon, &len, e)) != CUTRU_OK)
		goto done;
	rc = envelope_sign(ENVELOPE_MAGIC_RECEIPT, canon, len, registry_sign_sk,
	    out, outlen, e);
	goto done;
nomem:
	rc = sync_oom(e);
done:
	cJSON_Delete(o);
	free(canon);
	free(b64);
	return rc;
}

static int
bad(struct cutru_err *e, const char *field)
{
	return cutru_err_set(e, CUTRU_EINVAL, field,
	    _("The registry's receipt is not valid (%s)."), field);
}

int
receipt_verify(const unsigned char *in, size_t len,
    const unsigned char *registry_sign_pk, struct receipt *out,
    struct cutru_err *e)
{
	const cJSON *m, *rr;
	cJSON *o = NULL;
	char *canon = NULL;
	size_t clen = 0;
	int rc, k;

	memset(out, 0, sizeof *out);
	if ((rc = envelope_check_signed(ENVELOPE_MAGIC_RECEIPT, in, len,
	    RECEIPT_CANON_MAX, registry_sign_pk, &canon, &clen, e)) != CUTRU_OK)
		return rc;
	if ((rc = canon_parse(canon, clen, &receipt_limits,
	    CANON_REQUIRE_CANONICAL, &o, e)) != CUTRU_OK)
		goto done;
	rc = CUTRU_EINVAL;
	if (!cJSON_IsObject(o)) {
		rc = bad(e, "receipt");
		goto done;
	}
	m = cJSON_GetObjectItemCaseSensitive(o, "kind");
	if (!cJSON_IsString(m) || strcmp(m->valuestring, RECEIPT_KIND) != 0) {
		rc = bad(e, "kind");
		goto done;
	}
	cJSON_ArrayForEach(m, o) {
		static const char *const known[] = { "current", "device", "hash",
		    "item", "kind", "reasons", "seq", "status", "time", NULL };

		for (k = 0; known[k] != NULL; k++)
			if (strcmp(m->string, known[k]) == 0)
				break;
		if (known[k] == NULL) {
			rc = bad(e, m->string);
			goto done;
		}
	}
	m = cJSON_GetObjectItemCaseSensitive(o, "status");
	if (!cJSON_IsString(m)) {
		rc = bad(e, "status");
		goto done;
	}
	for (k = 0; k <= RECEIPT_HELD; k++)
		if (strcmp(m->valuestring, status_names[k]) == 0)
			break;
	if (k > RECEIPT_HELD) {
		rc = bad(e, "status");
		goto done;
	}
	out->status = (enum receipt_status)k;
	m = cJSON_GetObjectItemCaseSensitive(o, "time");
	if (!cJSON_IsNumber(m) || m->valuedouble < 0) {
		rc = bad(e, "time");
		goto done;
	}
	out->time = (int64_t)m->valuedouble;
	m = cJSON_GetObjectItemCaseSensitive(o, "item");
	if (m != NULL) {
		if (!cJSON_IsString(m) || !sync_is_lower_hex(m->valuestring,
		    HASH_HEX_LEN) || hash_from_hex(m->valuestring, HASH_HEX_LEN,
		    out->item, NULL) != CUTRU_OK) {
			rc = bad(e, "item");
			goto done;
		}
		out->has_item = 1;
	}
	m = cJSON_GetObjectItemCaseSensitive(o, "device");
	if (m != NULL) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "hash");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "seq");

		if (!cJSON_IsString(m) || !sync_is_lower_hex(m->valuestring,
		    ENVELOPE_KEY_ID_HEX) || !cJSON_IsString(h) ||
		    !sync_is_lower_hex(h->valuestring, HASH_HEX_LEN) ||
		    hash_from_hex(h->valuestring, HASH_HEX_LEN, out->hash,
		    NULL) != CUTRU_OK || !cJSON_IsNumber(s) ||
		    s->valuedouble < 1) {
			rc = bad(e, "device");
			goto done;
		}
		memcpy(out->device, m->valuestring, ENVELOPE_KEY_ID_HEX + 1);
		out->seq = (int64_t)s->valuedouble;
		out->has_changeset = 1;
	} else if (cJSON_GetObjectItemCaseSensitive(o, "hash") != NULL ||
	    cJSON_GetObjectItemCaseSensitive(o, "seq") != NULL) {
		rc = bad(e, "device");
		goto done;
	}
	m = cJSON_GetObjectItemCaseSensitive(o, "reasons");
	if (!cJSON_IsArray(m) ||
	    cJSON_GetArraySize(m) > RECEIPT_REASONS_MAX) {
		rc = bad(e, "reasons");
		goto done;
	}
	cJSON_ArrayForEach(rr, m) {
		struct receipt_reason *x = &out->reasons[out->nreasons];
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(rr, "code");
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(rr, "field");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(rr,
		    "message");
		int nm = cJSON_GetArraySize(rr);

		if (!cJSON_IsObject(rr) || !cJSON_IsString(c) ||
		    !cJSON_IsString(msg) || (f != NULL && !cJSON_IsString(f)) ||
		    nm != 2 + (f != NULL) ||
		    strlen(c->valuestring) > RECEIPT_CODE_MAX ||
		    strlen(msg->valuestring) > RECEIPT_MESSAGE_MAX ||
		    c->valuestring[0] == '\0' ||
		    (f != NULL && strlen(f->valuestring) >= sizeof x->field)) {
			rc = bad(e, "reasons");
			goto done;
		}
		x->code = sync_reason_from_name(c->valuestring,
		    strlen(c->valuestring));
		memcpy(x->name, c->valuestring, strlen(c->valuestring) + 1);
		if (f != NULL)
			memcpy(x->field, f->valuestring,
			    strlen(f->valuestring) + 1);
		memcpy(x->message, msg->valuestring,
		    strlen(msg->valuestring) + 1);
		one_line(x->message, RECEIPT_MESSAGE_MAX);
		out->nreasons++;
	}
	m = cJSON_GetObjectItemCaseSensitive(o, "current");
	if (m != NULL) {
		if (!cJSON_IsString(m) || (rc = envelope_b64_decode(
		    m->valuestring, RECEIPT_CURRENT_MAX, &out->current,
		    &out->current_len, "current", e)) != CUTRU_OK) {
			rc = rc == CUTRU_ENOMEM ? rc : bad(e, "current");
			goto done;
		}
	}
	if ((rc = check_struct(out, e)) != CUTRU_OK) {
		char field[CUTRU_ERR_FIELD_MAX];

		snprintf(field, sizeof field, "%s", e != NULL &&
		    e->field[0] != '\0' ? e->field : "receipt");
		rc = bad(e, field);
	}
done:
	if (rc != CUTRU_OK)
		receipt_free(out);
	cJSON_Delete(o);
	free(canon);
	return rc;
}

void
receipt_free(struct receipt *r)
{
	if (r == NULL)
		return;
	free(r->current);
	memset(r, 0, sizeof *r);
}
