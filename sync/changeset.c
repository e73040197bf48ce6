/* Change sets: build, seal, open, parse, verify.  The format, the order of
 * the registry's checks and the reason each failure gets are in
 * sync/changeset.h; cutru-protocol(7) says the same for people.
 *
 * Invariants this file keeps:
 *   - The console and the registry run the same parser: changeset_build()
 *     parses what it built with changeset_parse() before returning it, so
 *     a console can only seal what a registry reads.
 *   - The approval's bytes are recomputed from the change set's tree with
 *     canon_encode(); canonical encoding being compositional, they are
 *     exactly the bytes inside the change set, so the supervisor's
 *     signature is checked over bytes the device's signature also covers.
 *   - Nothing about the content is reported before the signatures are
 *     checked (changeset_check_events() is a separate, later step): a
 *     change set altered on the way is a signature failure, never an
 *     "invalid events" that would blame the officer.
 *   - Sizes are capped before parsing (CHANGESET_CANON_MAX), and the
 *     parser's own caps bound strings, nodes and depth. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/canon.h"
#include "core/date.h"
#include "core/event.h"
#include "core/i18n.h"
#include "core/procedure.h"
#include "sync/changeset.h"
#include "sync/util.h"

/* Members of a change set, in canonical (sorted) order. */
static const char *const members[] = {
	"approval", "approval_sig", "author", "created", "device", "kind",
	"prev", "seq", "supervisor_key", "ward", NULL
};

/* Members of an approval object, sorted (localdb/dossier.h). */
static const char *const approval_members[] = {
	"decided", "dossier", "events", "kind", "procedure", "supervisor",
	"ward", NULL
};

static const struct canon_limits cs_limits = {
	CHANGESET_CANON_MAX, 8192, 20000, 0
};

static void
set_why(enum sync_reason *why, enum sync_reason r)
{
	if (why != NULL)
		*why = r;
}

/* "YYYY-MM-DD", a real day. */
static int
is_full_date(const char *s)
{
	struct cutru_date d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	return date_parse(s, NULL, &d, NULL) == CUTRU_OK &&
	    d.prec == CUTRU_DATE_DAY;
}

static int
copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* A whole number in [lo, CANON_INT_MAX]. */
static int
get_int(const cJSON *v, int64_t lo, int64_t *out)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)lo ||
	    v->valuedouble > (double)CANON_INT_MAX)
		return -1;
	*out = (int64_t)v->valuedouble;
	return 0;
}

static int
malformed(enum sync_reason *why, struct cutru_err *e, const char *field,
    const char *what)
{
	set_why(why, SYNC_R_MALFORMED);
	return cutru_err_set(e, CUTRU_EINVAL, field,
	    _("The change set's %s is missing or not valid."), _(what));
}

/* Check the approval object's shape (not its signature) and fill the
 * approval fields of cs. */
static int
parse_approval(const cJSON *a, struct changeset *cs, enum sync_reason *why,
    struct cutru_err *e)
{
	const cJSON *m;
	size_t i;
	int rc;

	if (!cJSON_IsObject(a))
		return malformed(why, e, "approval", N_("approval"));
	for (i = 0, m = a->child; approval_members[i] != NULL;
	    i++, m = m->next)
		if (m == NULL || strcmp(m->string, approval_members[i]) != 0 ||
		    (strcmp(m->string, "events") == 0 ? !cJSON_IsArray(m) :
		    !cJSON_IsString(m)))
			return malformed(why, e, "approval", N_("approval"));
	if (m != NULL)
		return malformed(why, e, "approval", N_("approval"));
	m = cJSON_GetObjectItemCaseSensitive(a, "kind");
	if (strcmp(m->valuestring, DOSSIER_APPROVAL_KIND) != 0)
		return malformed(why, e, "approval.kind", N_("approval kind"));
	m = cJSON_GetObjectItemCaseSensitive(a, "ward");
	if (strcmp(m->valuestring, cs->ward) != 0)
		return malformed(why, e, "approval.ward",
		    N_("approval ward (it must be the change set's ward)"));
	m = cJSON_GetObjectItemCaseSensitive(a, "supervisor");
	if (keyring_login_check(m->valuestring, NULL) != CUTRU_OK ||
	    copy_str(cs->supervisor, sizeof cs->supervisor, m->valuestring))
		return malformed(why, e, "approval.supervisor",
		    N_("approving supervisor"));
	m = cJSON_GetObjectItemCaseSensitive(a, "dossier");
	if (m->valuestring[0] == '\0' ||
	    copy_str(cs->dossier, sizeof cs->dossier, m->valuestring))
		return malformed(why, e, "approval.dossier",
		    N_("dossier number"));
	m = cJSON_GetObjectItemCaseSensitive(a, "procedure");
	if (procedure_find(m->valuestring) == NULL ||
	    copy_str(cs->procedure, sizeof cs->procedure, m->valuestring))
		return malformed(why, e, "approval.procedure",
		    N_("procedure"));
	m = cJSON_GetObjectItemCaseSensitive(a, "decided");
	if (!is_full_date(m->valuestring) ||
	    copy_str(cs->decided, sizeof cs->decided, m->valuestring))
		return malformed(why, e, "approval.decided", N_("approval date"));
	cs->events = cJSON_GetObjectItemCaseSensitive(a, "events");
	if ((rc = canon_encode(a, &cs->approval, &cs->approval_len, e)) !=
	    CUTRU_OK) {
		set_why(why, rc == CUTRU_ENOMEM ? SYNC_R_INTERNAL :
		    SYNC_R_MALFORMED);
		return rc;
	}
	return CUTRU_OK;
}

/* Parse, taking ownership of canon (malloc'd, NUL-terminated). */
static int
parse_owned(char *canon, size_t len, struct changeset *out,
    enum sync_reason *why, struct cutru_err *e)
{
	const cJSON *m, *kind;
	cJSON *tree = NULL;
	size_t i, plen;
	int rc;

	memset(out, 0, sizeof *out);
	set_why(why, SYNC_R_MALFORMED);
	if (len > CHANGESET_CANON_MAX) {
		set_why(why, SYNC_R_TOO_LARGE);
		rc = cutru_err_set(e, CUTRU_ERANGE, "changeset",
		    _("The change set has %zu bytes; at most %d are accepted."),
		    len, CHANGESET_CANON_MAX);
		goto fail;
	}
	if ((rc = canon_parse(canon, len, &cs_limits, CANON_REQUIRE_CANONICAL,
	    &tree, e)) != CUTRU_OK) {
		set_why(why, rc == CUTRU_ERANGE ? SYNC_R_TOO_LARGE :
		    rc == CUTRU_ENOMEM ? SYNC_R_INTERNAL : SYNC_R_MALFORMED);
		goto fail;
	}
	out->tree = tree;
	out->canon = canon;
	out->canon_len = len;
	canon = NULL;
	if (!cJSON_IsObject(tree)) {
		rc = malformed(why, e, "changeset", N_("form"));
		goto fail;
	}
	kind = cJSON_GetObjectItemCaseSensitive(tree, "kind");
	if (!cJSON_IsString(kind)) {
		rc = malformed(why, e, "kind", N_("kind"));
		goto fail;
	}
	plen = strlen(CHANGESET_KIND_PREFIX);
	if (strcmp(kind->valuestring, CHANGESET_KIND) != 0) {
		if (strncmp(kind->valuestring, CHANGESET_KIND_PREFIX, plen) ==
		    0) {
			set_why(why, SYNC_R_UNSUPPORTED_VERSION);
			rc = cutru_err_set(e, CUTRU_EINVAL, "kind",
			    _("The change set is of version \"%s\"; this "
			    "program reads \"%s\"."), kind->valuestring,
			    CHANGESET_KIND);
		} else
			rc = malformed(why, e, "kind", N_("kind"));
		goto fail;
	}
	for (i = 0, m = tree->child; members[i] != NULL; i++, m = m->next)
		if (m == NULL || strcmp(m->string, members[i]) != 0) {
			set_why(why, SYNC_R_MALFORMED);
			rc = cutru_err_set(e, CUTRU_EINVAL, members[i],
			    _("The change set must have exactly the members "
			    "approval, approval_sig, author, created, device, "
			    "kind, prev, seq, supervisor_key and ward."));
			goto fail;
		}
	if (m != NULL) {
		rc = cutru_err_set(e, CUTRU_EINVAL, m->string,
		    _("The change set must have exactly the members "
		    "approval, approval_sig, author, created, device, kind, "
		    "prev, seq, supervisor_key and ward."));
		goto fail;
	}

	m = cJSON_GetObjectItemCaseSensitive(tree, "ward");
	if (!cJSON_IsString(m) || !sync_is_ward(m->valuestring)) {
		rc = malformed(why, e, "ward", N_("ward code"));
		goto fail;
	}
	memcpy(out->ward, m->valuestring, CHANGESET_WARD_LEN + 1);
	m = cJSON_GetObjectItemCaseSensitive(tree, "device");
	if (!cJSON_IsString(m) || !sync_is_lower_hex(m->valuestring, ENVELOPE_KEY_ID_HEX)) {
		rc = malformed(why, e, "device", N_("device id"));
		goto fail;
	}
	memcpy(out->device, m->valuestring, ENVELOPE_KEY_ID_HEX + 1);
	m = cJSON_GetObjectItemCaseSensitive(tree, "supervisor_key");
	if (!cJSON_IsString(m) || !sync_is_lower_hex(m->valuestring, ENVELOPE_KEY_ID_HEX)) {
		rc = malformed(why, e, "supervisor_key", N_("supervisor key id"));
		goto fail;
	}
	memcpy(out->supervisor_key, m->valuestring, ENVELOPE_KEY_ID_HEX + 1);
	m = cJSON_GetObjectItemCaseSensitive(tree, "seq");
	if (get_int(m, 1, &out->seq) != 0) {
		rc = malformed(why, e, "seq", N_("sequence number"));
		goto fail;
	}
	m = cJSON_GetObjectItemCaseSensitive(tree, "created");
	if (get_int(m, 0, &out->created) != 0) {
		rc = malformed(why, e, "created", N_("creation time"));
		goto fail;
	}
	m = cJSON_GetObjectItemCaseSensitive(tree, "prev");
	if (!cJSON_IsString(m) || !sync_is_lower_hex(m->valuestring, HASH_HEX_LEN) ||
	    hash_from_hex(m->valuestring, HASH_HEX_LEN, out->prev, NULL) !=
	    CUTRU_OK) {
		rc = malformed(why, e, "prev", N_("previous hash"));
		goto fail;
	}
	/* seq 1 and only seq 1 starts from the genesis. */
	if ((out->seq == 1) != (hash_equal(out->prev, hash_genesis) == 1)) {
		rc = malformed(why, e, "prev",
		    N_("previous hash (only the first change set starts from "
		    "zeros)"));
		goto fail;
	}
	m = cJSON_GetObjectItemCaseSensitive(tree, "author");
	if (!cJSON_IsString(m) ||
	    keyring_login_check(m->valuestring, NULL) != CUTRU_OK ||
	    copy_str(out->author, sizeof out->author, m->valuestring)) {
		rc = malformed(why, e, "author", N_("author"));
		goto fail;
	}
	m = cJSON_GetObjectItemCaseSensitive(tree, "approval_sig");
	if (!cJSON_IsString(m) || envelope_b64_decode_fixed(m->valuestring,
	    out->approval_sig, DOSSIER_SIGNATURE_BYTES, "approval_sig", NULL) !=
	    CUTRU_OK) {
		rc = malformed(why, e, "approval_sig", N_("approval signature"));
		goto fail;
	}
	if ((rc = parse_approval(cJSON_GetObjectItemCaseSensitive(tree,
	    "approval"), out, why, e)) != CUTRU_OK)
		goto fail;
	if ((rc = hash_chain_bytes(HASH_TAG_CHANGESET, out->prev, out->canon,
	    out->canon_len, out->hash, e)) != CUTRU_OK) {
		set_why(why, SYNC_R_INTERNAL);
		goto fail;
	}
	set_why(why, SYNC_R_NONE);
	return CUTRU_OK;
fail:
	free(canon);
	changeset_free(out);
	return rc;
}

int
changeset_parse(const char *canon, size_t len, struct changeset *out,
    enum sync_reason *why, struct cutru_err *e)
{
	char *copy;

	memset(out, 0, sizeof *out);
	if (canon == NULL) {
		set_why(why, SYNC_R_MALFORMED);
		return cutru_err_set(e, CUTRU_EINVAL, "changeset",
		    _("No change set was given."));
	}
	if (len > CHANGESET_CANON_MAX) {
		set_why(why, SYNC_R_TOO_LARGE);
		return cutru_err_set(e, CUTRU_ERANGE, "changeset",
		    _("The change set has %zu bytes; at most %d are accepted."),
		    len, CHANGESET_CANON_MAX);
	}
	if ((copy = malloc(len + 1)) == NULL) {
		set_why(why, SYNC_R_INTERNAL);
		return sync_oom(e);
	}
	memcpy(copy, canon, len);
	copy[len] = '\0';
	return parse_owned(copy, len, out, why, e);
}

int
changeset_build(const struct changeset_input *in, char **canon, size_t *len,
    unsigned char hash[HASH_LEN], struct cutru_err *e)
{
	struct changeset cs;
	char prev_hex[HASH_HEX_LEN + 1], kid[ENVELOPE_KEY_ID_HEX + 1];
	cJSON *o = NULL, *approval = NULL;
	char *sig64 = NULL, *out = NULL;
	size_t outlen = 0;
	int rc;

	*canon = NULL;
	*len = 0;
	memset(hash, 0, HASH_LEN);
	memset(&cs, 0, sizeof cs);
	if (in == NULL || in->approval == NULL || in->approval_sig == NULL ||
	    in->supervisor_pk == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "approval",
		    _("A change set needs a signed approval and the "
		    "supervisor's key."));
	if (!sync_is_ward(in->ward))
		return cutru_err_set(e, CUTRU_EINVAL, "ward",
		    _("The ward code must be 5 digits."));
	if (!sync_is_lower_hex(in->device, ENVELOPE_KEY_ID_HEX))
		return cutru_err_set(e, CUTRU_EINVAL, "device",
		    _("The device id must be 16 lowercase hex digits."));
	if (in->seq < 1 || in->seq > CANON_INT_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "seq",
		    _("The sequence number must be 1 or more."));
	if (in->created < 0 || in->created > CANON_INT_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "created",
		    _("The creation time is out of range."));
	if ((rc = keyring_login_check(in->author, e)) != CUTRU_OK) {
		if (e != NULL)
			snprintf(e->field, sizeof e->field, "author");
		return rc;
	}
	if (in->approval_len > CHANGESET_CANON_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "approval",
		    _("The approval has %zu bytes; a change set holds at most "
		    "%d."), in->approval_len, CHANGESET_CANON_MAX);
	/* The console must not seal what the registry will refuse for a
	 * reason the console can see: the approval verifies with the key the
	 * change set names. */
	if ((rc = dossier_approval_verify(in->approval, in->approval_len,
	    in->approval_sig, in->supervisor_pk, e)) != CUTRU_OK)
		return rc;
	if ((rc = canon_parse(in->approval, in->approval_len, &cs_limits,
	    CANON_REQUIRE_CANONICAL, &approval, e)) != CUTRU_OK)
		return rc;
	hash_to_hex(in->prev != NULL ? in->prev : hash_genesis, prev_hex);
	envelope_key_id(in->supervisor_pk, kid, NULL);
	if ((sig64 = envelope_b64_encode(in->approval_sig,
	    DOSSIER_SIGNATURE_BYTES)) == NULL ||
	    (o = cJSON_CreateObject()) == NULL) {
		rc = sync_oom(e);
		goto done;
	}
	cJSON_AddItemToObject(o, "approval", approval);
	approval = NULL;
	if (cJSON_AddStringToObject(o, "approval_sig", sig64) == NULL ||
	    cJSON_AddStringToObject(o, "author", in->author) == NULL ||
	    cJSON_AddNumberToObject(o, "created", (double)in->created) == NULL ||
	    cJSON_AddStringToObject(o, "device", in->device) == NULL ||
	    cJSON_AddStringToObject(o, "kind", CHANGESET_KIND) == NULL ||
	    cJSON_AddStringToObject(o, "prev", prev_hex) == NULL ||
	    cJSON_AddNumberToObject(o, "seq", (double)in->seq) == NULL ||
	    cJSON_AddStringToObject(o, "supervisor_key", kid) == NULL ||
	    cJSON_AddStringToObject(o, "ward", in->ward) == NULL) {
		rc = sync_oom(e);
		goto done;
	}
	if ((rc = canon_encode(o, &out, &outlen, e)) != CUTRU_OK)
		goto done;
	/* What the registry will run, run here first. */
	if ((rc = changeset_parse(out, outlen, &cs, NULL, e)) != CUTRU_OK ||
	    (rc = changeset_check_events(&cs, NULL, e)) != CUTRU_OK)
		goto done;
	memcpy(hash, cs.hash, HASH_LEN);
	*canon = out;
	*len = outlen;
	out = NULL;
done:
	changeset_free(&cs);
	cJSON_Delete(approval);
	cJSON_Delete(o);
	free(sig64);
	free(out);
	return rc;
}

int
changeset_seal(const char *canon, size_t len,
    const unsigned char *device_sign_sk, const unsigned char *registry_box_pk,
    unsigned char **sealed, size_t *sealed_len, struct cutru_err *e)
{
	if (canon != NULL && len > CHANGESET_CANON_MAX) {
		*sealed = NULL;
		*sealed_len = 0;
		return cutru_err_set(e, CUTRU_ERANGE, "changeset",
		    _("The change set has %zu bytes; at most %d are accepted."),
		    len, CHANGESET_CANON_MAX);
	}
	return envelope_seal(ENVELOPE_MAGIC_CHANGESET, canon, len,
	    device_sign_sk, registry_box_pk, 1, sealed, sealed_len, e);
}

int
changeset_make(const struct changeset_input *in,
    const unsigned char *device_sign_sk, const unsigned char *registry_box_pk,
    unsigned char **sealed, size_t *sealed_len, unsigned char hash[HASH_LEN],
    struct cutru_err *e)
{
	char *canon = NULL;
	size_t len = 0;
	int rc;

	*sealed = NULL;
	*sealed_len = 0;
	if ((rc = changeset_build(in, &canon, &len, hash, e)) == CUTRU_OK)
		rc = changeset_seal(canon, len, device_sign_sk,
		    registry_box_pk, sealed, sealed_len, e);
	if (rc != CUTRU_OK)
		memset(hash, 0, HASH_LEN);
	free(canon);
	return rc;
}

int
changeset_open(const unsigned char *sealed, size_t sealed_len,
    const unsigned char *registry_box_pk, const unsigned char *registry_box_sk,
    struct changeset *out, enum sync_reason *why, struct cutru_err *e)
{
	unsigned char sig[ENVELOPE_SIG_BYTES];
	char *canon = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = envelope_open(ENVELOPE_MAGIC_CHANGESET, sealed, sealed_len,
	    CHANGESET_SEALED_MAX, CHANGESET_CANON_MAX, registry_box_pk,
	    registry_box_sk, &canon, &len, sig, why, e)) != CUTRU_OK)
		return rc;
	if ((rc = parse_owned(canon, len, out, why, e)) != CUTRU_OK)
		return rc;
	memcpy(out->device_sig, sig, sizeof sig);
	out->has_device_sig = 1;
	return CUTRU_OK;
}

int
changeset_verify_device(const struct changeset *cs,
    const unsigned char *device_sign_pk, enum sync_reason *why,
    struct cutru_err *e)
{
	char kid[ENVELOPE_KEY_ID_HEX + 1];

	set_why(why, SYNC_R_BAD_DEVICE_SIGNATURE);
	if (cs == NULL || cs->canon == NULL || device_sign_pk == NULL ||
	    !cs->has_device_sig)
		return cutru_err_set(e, CUTRU_ECRYPTO, "device",
		    _("The change set carries no device signature."));
	envelope_key_id(device_sign_pk, kid, NULL);
	if (strcmp(kid, cs->device) != 0)
		return cutru_err_set(e, CUTRU_ECRYPTO, "device",
		    _("The key given is not the key of device %s."),
		    cs->device);
	if (crypto_sign_verify_detached(cs->device_sig,
	    (const unsigned char *)cs->canon, cs->canon_len,
	    device_sign_pk) != 0)
		return cutru_err_set(e, CUTRU_ECRYPTO, "device",
		    _("The device signature does not verify: the change set "
		    "was altered after the console signed it."));
	set_why(why, SYNC_R_NONE);
	return CUTRU_OK;
}

int
changeset_verify_supervisor(const struct changeset *cs,
    const unsigned char *supervisor_pk, enum sync_reason *why,
    struct cutru_err *e)
{
	char kid[ENVELOPE_KEY_ID_HEX + 1];
	int rc;

	set_why(why, SYNC_R_BAD_SUPERVISOR_SIGNATURE);
	if (cs == NULL || cs->approval == NULL || supervisor_pk == NULL)
		return cutru_err_set(e, CUTRU_ECRYPTO, "approval",
		    _("The change set carries no approval."));
	envelope_key_id(supervisor_pk, kid, NULL);
	if (strcmp(kid, cs->supervisor_key) != 0)
		return cutru_err_set(e, CUTRU_ECRYPTO, "supervisor_key",
		    _("The key given is not the supervisor key %s named by "
		    "the change set."), cs->supervisor_key);
	rc = dossier_approval_verify(cs->approval, cs->approval_len,
	    cs->approval_sig, supervisor_pk, e);
	if (rc == CUTRU_OK)
		set_why(why, SYNC_R_NONE);
	else if (rc != CUTRU_ECRYPTO)
		set_why(why, rc == CUTRU_ENOMEM ? SYNC_R_INTERNAL :
		    SYNC_R_MALFORMED);
	return rc;
}

int
changeset_check_events(const struct changeset *cs, enum sync_reason *why,
    struct cutru_err *e)
{
	int rc;

	set_why(why, SYNC_R_INVALID_EVENTS);
	if (cs == NULL || !cJSON_IsArray(cs->events) ||
	    cJSON_GetArraySize(cs->events) == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "approval.events",
		    _("The change set carries no events."));
	if ((rc = event_validate_list(cs->events, e)) != CUTRU_OK)
		return rc;
	set_why(why, SYNC_R_NONE);
	return CUTRU_OK;
}

void
changeset_free(struct changeset *cs)
{
	if (cs == NULL)
		return;
	cJSON_Delete(cs->tree);
	free(cs->canon);
	free(cs->approval);
	memset(cs, 0, sizeof *cs);
}
