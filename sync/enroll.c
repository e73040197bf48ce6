/* Enrollment: the console's signed, sealed request and the registry's
 * signed answer.  Formats in sync/enroll.h.
 *
 * The request proves possession: it is signed by the very Ed25519 key it
 * enrolls, and its device id must be that key's id, so nobody can enroll
 * a key they do not hold or claim another console's id.  The token is a
 * bearer secret for one ward, so the request is sealed to the registry. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <cjson/cJSON.h>

#include "core/canon.h"
#include "core/i18n.h"
#include "core/utf8.h"
#include "sync/enroll.h"
#include "sync/util.h"

static const struct canon_limits enroll_limits = {
	ENROLL_CANON_MAX, 512, 32, 2
};

int
enroll_token_check(const char *token, struct cutru_err *e)
{
	size_t i, n;

	n = token != NULL ? strlen(token) : 0;
	if (n < ENROLL_TOKEN_MIN || n > ENROLL_TOKEN_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "token",
		    _("An enrollment token has %d to %d characters."),
		    ENROLL_TOKEN_MIN, ENROLL_TOKEN_MAX);
	for (i = 0; i < n; i++)
		if (!((token[i] >= 'A' && token[i] <= 'Z') ||
		    (token[i] >= 'a' && token[i] <= 'z') ||
		    (token[i] >= '0' && token[i] <= '9') || token[i] == '-'))
			return cutru_err_set(e, CUTRU_EINVAL, "token",
			    _("An enrollment token holds only letters, digits "
			    "and dashes; check it for a typo."));
	return CUTRU_OK;
}

static int
check_label(const char *label, struct cutru_err *e)
{
	size_t n = label != NULL ? strlen(label) : 0;

	if (label == NULL || n > ENROLL_LABEL_MAX ||
	    utf8_check(label, n, 0, NULL) != UTF8_VALID)
		return cutru_err_set(e, CUTRU_EINVAL, "label",
		    _("The console's label is one line of at most %d bytes."),
		    ENROLL_LABEL_MAX);
	return CUTRU_OK;
}

int
enroll_request_seal(const struct enroll_request *r,
    const unsigned char *device_sign_sk, const unsigned char *registry_box_pk,
    unsigned char **out, size_t *outlen, struct cutru_err *e)
{
	char kid[ENVELOPE_KEY_ID_HEX + 1];
	char *s1 = NULL, *s2 = NULL, *canon = NULL;
	cJSON *o = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (r == NULL || device_sign_sk == NULL || registry_box_pk == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "enroll",
		    _("No enrollment request, or no key."));
	if (!sync_is_ward(r->ward))
		return cutru_err_set(e, CUTRU_EINVAL, "ward",
		    _("The ward code must be 5 digits."));
	if ((rc = enroll_token_check(r->token, e)) != CUTRU_OK ||
	    (rc = check_label(r->label, e)) != CUTRU_OK)
		return rc;
	if (sodium_memcmp(device_sign_sk + crypto_sign_SEEDBYTES, r->sign_pk,
	    ENVELOPE_PK_BYTES) != 0)
		return cutru_err_set(e, CUTRU_EINVAL, "sign_pk",
		    _("The request's signing key is not the device's."));
	if (r->time < 0 || r->time > CANON_INT_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "time",
		    _("The time is out of range."));
	envelope_key_id(r->sign_pk, kid, NULL);
	if ((s1 = envelope_b64_encode(r->box_pk, ENVELOPE_PK_BYTES)) == NULL ||
	    (s2 = envelope_b64_encode(r->sign_pk, ENVELOPE_PK_BYTES)) == NULL ||
	    (o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "box_pk", s1) == NULL ||
	    cJSON_AddStringToObject(o, "device", kid) == NULL ||
	    cJSON_AddStringToObject(o, "kind", ENROLL_KIND) == NULL ||
	    cJSON_AddStringToObject(o, "label", r->label) == NULL ||
	    cJSON_AddStringToObject(o, "sign_pk", s2) == NULL ||
	    cJSON_AddNumberToObject(o, "time", (double)r->time) == NULL ||
	    cJSON_AddStringToObject(o, "token", r->token) == NULL ||
	    cJSON_AddStringToObject(o, "ward", r->ward) == NULL) {
		rc = sync_oom(e);
		goto done;
	}
	if ((rc = canon_encode(o, &canon, &len, e)) != CUTRU_OK)
		goto done;
	rc = envelope_seal(ENVELOPE_MAGIC_ENROLL, canon, len, device_sign_sk,
	    registry_box_pk, 1, out, outlen, e);
done:
	if (canon != NULL) {
		sodium_memzero(canon, len);   /* it holds the token */
		free(canon);
	}
	cJSON_Delete(o);
	free(s1);
	free(s2);
	return rc;
}

int
enroll_request_open(const unsigned char *in, size_t len,
    const unsigned char *registry_box_pk, const unsigned char *registry_box_sk,
    struct enroll_request *out, enum sync_reason *why, struct cutru_err *e)
{
	static const char *const members[] = { "box_pk", "device", "kind",
	    "label", "sign_pk", "time", "token", "ward", NULL };
	unsigned char sig[ENVELOPE_SIG_BYTES];
	char kid[ENVELOPE_KEY_ID_HEX + 1];
	const cJSON *m;
	cJSON *o = NULL;
	char *canon = NULL;
	size_t clen = 0;
	int rc, i;

	memset(out, 0, sizeof *out);
	if ((rc = envelope_open(ENVELOPE_MAGIC_ENROLL, in, len,
	    ENROLL_SEALED_MAX, ENROLL_CANON_MAX, registry_box_pk,
	    registry_box_sk, &canon, &clen, sig, why, e)) != CUTRU_OK)
		return rc;
	if (why != NULL)
		*why = SYNC_R_MALFORMED;
	if ((rc = canon_parse(canon, clen, &enroll_limits,
	    CANON_REQUIRE_CANONICAL, &o, e)) != CUTRU_OK)
		goto done;
	rc = CUTRU_EINVAL;
	if (!cJSON_IsObject(o))
		goto bad;
	m = cJSON_GetObjectItemCaseSensitive(o, "kind");
	if (!cJSON_IsString(m))
		goto bad;
	if (strcmp(m->valuestring, ENROLL_KIND) != 0) {
		if (strncmp(m->valuestring, "cutru-enroll-v", 14) == 0 &&
		    why != NULL)
			*why = SYNC_R_UNSUPPORTED_VERSION;
		goto bad;
	}
	for (i = 0, m = o->child; members[i] != NULL; i++, m = m->next)
		if (m == NULL || strcmp(m->string, members[i]) != 0 ||
		    (strcmp(members[i], "time") == 0 ? !cJSON_IsNumber(m) :
		    !cJSON_IsString(m)))
			goto bad;
	if (m != NULL)
		goto bad;
	if (!sync_is_ward(cJSON_GetObjectItemCaseSensitive(o, "ward")->valuestring))
		goto bad;
	memcpy(out->ward, cJSON_GetObjectItemCaseSensitive(o,
	    "ward")->valuestring, 6);
	m = cJSON_GetObjectItemCaseSensitive(o, "token");
	if (enroll_token_check(m->valuestring, NULL) != CUTRU_OK)
		goto bad;
	memcpy(out->token, m->valuestring, strlen(m->valuestring) + 1);
	m = cJSON_GetObjectItemCaseSensitive(o, "label");
	if (check_label(m->valuestring, NULL) != CUTRU_OK)
		goto bad;
	memcpy(out->label, m->valuestring, strlen(m->valuestring) + 1);
	m = cJSON_GetObjectItemCaseSensitive(o, "time");
	if (m->valuedouble < 0)
		goto bad;
	out->time = (int64_t)m->valuedouble;
	if (envelope_b64_decode_fixed(cJSON_GetObjectItemCaseSensitive(o,
	    "sign_pk")->valuestring, out->sign_pk, ENVELOPE_PK_BYTES,
	    "sign_pk", NULL) != CUTRU_OK ||
	    envelope_b64_decode_fixed(cJSON_GetObjectItemCaseSensitive(o,
	    "box_pk")->valuestring, out->box_pk, ENVELOPE_PK_BYTES, "box_pk",
	    NULL) != CUTRU_OK)
		goto bad;
	envelope_key_id(out->sign_pk, kid, NULL);
	if (strcmp(kid, cJSON_GetObjectItemCaseSensitive(o,
	    "device")->valuestring) != 0)
		goto bad;
	memcpy(out->device, kid, sizeof kid);
	if ((rc = envelope_verify(canon, clen, sig, out->sign_pk, e)) !=
	    CUTRU_OK) {
		if (why != NULL)
			*why = SYNC_R_BAD_DEVICE_SIGNATURE;
		goto done;
	}
	if (why != NULL)
		*why = SYNC_R_NONE;
	rc = CUTRU_OK;
	goto done;
bad:
	rc = cutru_err_set(e, CUTRU_EINVAL, "enroll",
	    _("The enrollment request is not valid."));
done:
	if (rc != CUTRU_OK) {
		sodium_memzero(out, sizeof *out);
		memset(out, 0, sizeof *out);
	}
	cJSON_Delete(o);
	if (canon != NULL) {
		sodium_memzero(canon, clen);
		free(canon);
	}
	return rc;
}

int
enroll_answer_sign(const struct enroll_answer *a,
    const unsigned char *registry_sign_sk, unsigned char **out,
    size_t *outlen, struct cutru_err *e)
{
	cJSON *o = NULL;
	char *canon = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (a == NULL || registry_sign_sk == NULL || !sync_is_ward(a->ward) ||
	    strlen(a->device) != ENVELOPE_KEY_ID_HEX || a->time < 0 ||
	    a->time > CANON_INT_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "enroll",
		    _("The enrollment answer is not valid."));
	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "device", a->device) == NULL ||
	    cJSON_AddStringToObject(o, "kind", ENROLLED_KIND) == NULL ||
	    cJSON_AddNumberToObject(o, "time", (double)a->time) == NULL ||
	    cJSON_AddStringToObject(o, "ward", a->ward) == NULL) {
		rc = sync_oom(e);
		goto done;
	}
	if ((rc = canon_encode(o, &canon, &len, e)) == CUTRU_OK)
		rc = envelope_sign(ENVELOPE_MAGIC_ENROLLED, canon, len,
		    registry_sign_sk, out, outlen, e);
done:
	cJSON_Delete(o);
	free(canon);
	return rc;
}

int
enroll_answer_verify(const unsigned char *in, size_t len,
    const unsigned char *registry_sign_pk, struct enroll_answer *out,
    struct cutru_err *e)
{
	const cJSON *d, *k, *t, *w;
	cJSON *o = NULL;
	char *canon = NULL;
	size_t clen = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = envelope_check_signed(ENVELOPE_MAGIC_ENROLLED, in, len,
	    ENROLL_CANON_MAX, registry_sign_pk, &canon, &clen, e)) != CUTRU_OK)
		return rc;
	if ((rc = canon_parse(canon, clen, &enroll_limits,
	    CANON_REQUIRE_CANONICAL, &o, e)) != CUTRU_OK)
		goto done;
	d = cJSON_GetObjectItemCaseSensitive(o, "device");
	k = cJSON_GetObjectItemCaseSensitive(o, "kind");
	t = cJSON_GetObjectItemCaseSensitive(o, "time");
	w = cJSON_GetObjectItemCaseSensitive(o, "ward");
	if (!cJSON_IsObject(o) || cJSON_GetArraySize(o) != 4 ||
	    !cJSON_IsString(k) || strcmp(k->valuestring, ENROLLED_KIND) != 0 ||
	    !cJSON_IsString(d) ||
	    strlen(d->valuestring) != ENVELOPE_KEY_ID_HEX ||
	    !cJSON_IsNumber(t) || t->valuedouble < 0 || !cJSON_IsString(w) ||
	    !sync_is_ward(w->valuestring)) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "enroll",
		    _("The registry's enrollment answer is not valid."));
		goto done;
	}
	memcpy(out->device, d->valuestring, ENVELOPE_KEY_ID_HEX + 1);
	memcpy(out->ward, w->valuestring, 6);
	out->time = (int64_t)t->valuedouble;
done:
	cJSON_Delete(o);
	free(canon);
	return rc;
}
