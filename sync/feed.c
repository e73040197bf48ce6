/* The feed: pages of events for one ward, signed by the registry and
 * sealed to one device.  Format, cursors and the signed request are in
 * sync/feed.h.
 *
 * What can go wrong: a page for another device (a registry bug or a
 * mix-up of files on a USB stick) would apply another ward's events, so
 * feed_open() insists on the device id; a page whose events are invalid
 * must not reach the store, so every item is validated here, before the
 * caller applies anything; a page replayed later carries an old "after",
 * which the caller compares with the cursor it stored. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/canon.h"
#include "core/event.h"
#include "core/i18n.h"
#include "sync/feed.h"
#include "sync/util.h"

#define FEED_REQUEST_TAG "cutru-feed-request-v1"

static const struct canon_limits feed_limits = {
	FEED_CANON_MAX, 8192, 400000, 0
};

int
feed_cursor_check(const char *s, struct cutru_err *e)
{
	size_t i, n;

	if (s == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "cursor",
		    _("The feed position is missing."));
	n = strlen(s);
	if (n > FEED_CURSOR_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "cursor",
		    _("A feed position has at most %d characters."),
		    FEED_CURSOR_MAX);
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '~' || s[i] == '-'))
			return cutru_err_set(e, CUTRU_EINVAL, "cursor",
			    _("A feed position may hold only letters, digits "
			    "and . _ ~ -."));
	return CUTRU_OK;
}

static int
is_cause(const char *s)
{
	size_t i, n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > FEED_CAUSE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return 0;
	return 1;
}

cJSON *
feed_item_new(const char *cause, cJSON *events, const char *ref)
{
	cJSON *o;

	if (events == NULL)
		return NULL;
	if (!is_cause(cause) || (ref != NULL && (ref[0] == '\0' ||
	    strlen(ref) > FEED_REF_MAX)) || (o = cJSON_CreateObject()) ==
	    NULL) {
		cJSON_Delete(events);
		return NULL;
	}
	if (cJSON_AddStringToObject(o, "cause", cause) == NULL) {
		cJSON_Delete(events);
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddItemToObject(o, "events", events);
	if (ref != NULL && cJSON_AddStringToObject(o, "ref", ref) == NULL) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The items array: at most FEED_ITEMS_MAX objects {cause, events, ref?}
 * with valid events.  The message names the item ("items[3].events[0]..."). */
static int
check_items(const cJSON *items, struct cutru_err *e)
{
	const cJSON *it, *m;
	char path[CUTRU_ERR_FIELD_MAX];
	int i = 0, n, rc;

	if (!cJSON_IsArray(items))
		return cutru_err_set(e, CUTRU_EINVAL, "items",
		    _("The feed page has no list of items."));
	if (cJSON_GetArraySize(items) > FEED_ITEMS_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "items",
		    _("A feed page holds at most %d items."), FEED_ITEMS_MAX);
	cJSON_ArrayForEach(it, items) {
		snprintf(path, sizeof path, "items[%d]", i);
		if (!cJSON_IsObject(it))
			return cutru_err_set(e, CUTRU_EINVAL, path,
			    _("Item %d of the feed page is not valid."), i + 1);
		n = cJSON_GetArraySize(it);
		m = cJSON_GetObjectItemCaseSensitive(it, "cause");
		if (!cJSON_IsString(m) || !is_cause(m->valuestring))
			return cutru_err_set(e, CUTRU_EINVAL, path,
			    _("Item %d of the feed page has no valid cause."),
			    i + 1);
		m = cJSON_GetObjectItemCaseSensitive(it, "ref");
		if (m != NULL && (!cJSON_IsString(m) ||
		    m->valuestring[0] == '\0' ||
		    strlen(m->valuestring) > FEED_REF_MAX))
			return cutru_err_set(e, CUTRU_EINVAL, path,
			    _("Item %d of the feed page has a bad reference."),
			    i + 1);
		if (n != 2 + (m != NULL))
			return cutru_err_set(e, CUTRU_EINVAL, path,
			    _("Item %d of the feed page has unknown members."),
			    i + 1);
		m = cJSON_GetObjectItemCaseSensitive(it, "events");
		if (!cJSON_IsArray(m) || cJSON_GetArraySize(m) == 0)
			return cutru_err_set(e, CUTRU_EINVAL, path,
			    _("Item %d of the feed page has no events."), i + 1);
		if ((rc = event_validate_list(m, e)) != CUTRU_OK) {
			if (e != NULL) {
				char full[2 * CUTRU_ERR_FIELD_MAX + 16];

				snprintf(full, sizeof full, "%s.events%s", path,
				    e->field);
				memcpy(e->field, full, sizeof e->field - 1);
				e->field[sizeof e->field - 1] = '\0';
			}
			return rc;
		}
		i++;
	}
	return CUTRU_OK;
}

int
feed_seal(const struct feed_page *p, const unsigned char *registry_sign_sk,
    const unsigned char *device_box_pk, unsigned char **out, size_t *outlen,
    struct cutru_err *e)
{
	cJSON *o = NULL;
	char *canon = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (p == NULL || registry_sign_sk == NULL || device_box_pk == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "feed",
		    _("No feed page, or no key to seal it with."));
	if (!sync_is_ward(p->ward))
		return cutru_err_set(e, CUTRU_EINVAL, "ward",
		    _("The ward code must be 5 digits."));
	if (!sync_is_lower_hex(p->device, ENVELOPE_KEY_ID_HEX))
		return cutru_err_set(e, CUTRU_EINVAL, "device",
		    _("The device id must be 16 lowercase hex digits."));
	if ((rc = feed_cursor_check(p->after, e)) != CUTRU_OK ||
	    (rc = feed_cursor_check(p->cursor, e)) != CUTRU_OK ||
	    (rc = check_items(p->items, e)) != CUTRU_OK)
		return rc;
	if (p->time < 0 || p->time > CANON_INT_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, "time",
		    _("The feed page's time is out of range."));
	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "after", p->after) == NULL ||
	    cJSON_AddStringToObject(o, "cursor", p->cursor) == NULL ||
	    cJSON_AddStringToObject(o, "device", p->device) == NULL) {
		rc = sync_oom(e);
		goto done;
	}
	/* A reference: the page's items stay the caller's. */
	if (!cJSON_AddItemReferenceToObject(o, "items", p->items) ||
	    cJSON_AddStringToObject(o, "kind", FEED_KIND) == NULL ||
	    cJSON_AddBoolToObject(o, "more", p->more != 0) == NULL ||
	    cJSON_AddNumberToObject(o, "time", (double)p->time) == NULL ||
	    cJSON_AddStringToObject(o, "ward", p->ward) == NULL) {
		rc = sync_oom(e);
		goto done;
	}
	if ((rc = canon_encode(o, &canon, &len, e)) != CUTRU_OK)
		goto done;
	if (len > FEED_CANON_MAX) {
		rc = cutru_err_set(e, CUTRU_ERANGE, "items",
		    _("The feed page has %zu bytes; at most %d are allowed: "
		    "put fewer items in it."), len, FEED_CANON_MAX);
		goto done;
	}
	rc = envelope_seal(ENVELOPE_MAGIC_FEED, canon, len, registry_sign_sk,
	    device_box_pk, 1, out, outlen, e);
done:
	cJSON_Delete(o);
	free(canon);
	return rc;
}

int
feed_open(const unsigned char *in, size_t len,
    const unsigned char *device_box_pk, const unsigned char *device_box_sk,
    const unsigned char *registry_sign_pk, const char *device_id,
    struct feed_page *out, struct cutru_err *e)
{
	static const char *const members[] = { "after", "cursor", "device",
	    "items", "kind", "more", "time", "ward", NULL };
	unsigned char sig[ENVELOPE_SIG_BYTES];
	enum sync_reason why = SYNC_R_NONE;
	const cJSON *m;
	cJSON *o = NULL, *items;
	char *canon = NULL;
	size_t clen = 0;
	int rc, i;

	memset(out, 0, sizeof *out);
	if (registry_sign_pk == NULL || device_id == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "feed",
		    _("No registry key or device to open the feed page for."));
	if ((rc = envelope_open(ENVELOPE_MAGIC_FEED, in, len, FEED_SEALED_MAX,
	    FEED_CANON_MAX, device_box_pk, device_box_sk, &canon, &clen, sig,
	    &why, e)) != CUTRU_OK)
		return rc;
	if ((rc = envelope_verify(canon, clen, sig, registry_sign_pk, e)) !=
	    CUTRU_OK)
		goto done;
	if ((rc = canon_parse(canon, clen, &feed_limits,
	    CANON_REQUIRE_CANONICAL, &o, e)) != CUTRU_OK)
		goto done;
	rc = CUTRU_EINVAL;
	if (!cJSON_IsObject(o))
		goto bad;
	for (i = 0, m = o->child; members[i] != NULL; i++, m = m->next)
		if (m == NULL || strcmp(m->string, members[i]) != 0)
			goto bad;
	if (m != NULL)
		goto bad;
	m = cJSON_GetObjectItemCaseSensitive(o, "kind");
	if (!cJSON_IsString(m) || strcmp(m->valuestring, FEED_KIND) != 0)
		goto bad;
	m = cJSON_GetObjectItemCaseSensitive(o, "device");
	if (!cJSON_IsString(m) || !sync_is_lower_hex(m->valuestring, ENVELOPE_KEY_ID_HEX))
		goto bad;
	if (strcmp(m->valuestring, device_id) != 0) {
		rc = cutru_err_set(e, CUTRU_ECRYPTO, "device",
		    _("This feed page is for another console (%s)."),
		    m->valuestring);
		goto done;
	}
	memcpy(out->device, m->valuestring, ENVELOPE_KEY_ID_HEX + 1);
	m = cJSON_GetObjectItemCaseSensitive(o, "ward");
	if (!cJSON_IsString(m) || !sync_is_ward(m->valuestring))
		goto bad;
	memcpy(out->ward, m->valuestring, 6);
	m = cJSON_GetObjectItemCaseSensitive(o, "after");
	if (!cJSON_IsString(m) || feed_cursor_check(m->valuestring, NULL))
		goto bad;
	memcpy(out->after, m->valuestring, strlen(m->valuestring) + 1);
	m = cJSON_GetObjectItemCaseSensitive(o, "cursor");
	if (!cJSON_IsString(m) || feed_cursor_check(m->valuestring, NULL))
		goto bad;
	memcpy(out->cursor, m->valuestring, strlen(m->valuestring) + 1);
	m = cJSON_GetObjectItemCaseSensitive(o, "more");
	if (!cJSON_IsBool(m))
		goto bad;
	out->more = cJSON_IsTrue(m);
	m = cJSON_GetObjectItemCaseSensitive(o, "time");
	if (!cJSON_IsNumber(m) || m->valuedouble < 0)
		goto bad;
	out->time = (int64_t)m->valuedouble;
	items = cJSON_GetObjectItemCaseSensitive(o, "items");
	if ((rc = check_items(items, e)) != CUTRU_OK)
		goto done;
	out->items = cJSON_DetachItemViaPointer(o, items);
	rc = CUTRU_OK;
	goto done;
bad:
	rc = cutru_err_set(e, CUTRU_EINVAL, "feed",
	    _("The registry's feed page is not valid."));
done:
	if (rc != CUTRU_OK)
		feed_page_free(out);
	cJSON_Delete(o);
	free(canon);
	return rc;
}

void
feed_page_free(struct feed_page *p)
{
	if (p == NULL)
		return;
	cJSON_Delete(p->items);
	memset(p, 0, sizeof *p);
}

/* The bytes a feed request signs; malloc'd. */
static char *
request_bytes(const char *device, const char *after, int64_t time,
    size_t *len)
{
	int n = snprintf(NULL, 0, "%s\n%s\n%s\n%" PRId64, FEED_REQUEST_TAG,
	    device, after, time);
	char *s;

	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	snprintf(s, (size_t)n + 1, "%s\n%s\n%s\n%" PRId64, FEED_REQUEST_TAG,
	    device, after, time);
	*len = (size_t)n;
	return s;
}

int
feed_request_sign(const unsigned char *device_sign_sk, const char *device,
    const char *after, int64_t time, char sig[FEED_SIG_HEX + 1],
    struct cutru_err *e)
{
	unsigned char raw[ENVELOPE_SIG_BYTES];
	char *msg;
	size_t len = 0;
	int rc;

	sig[0] = '\0';
	if (device_sign_sk == NULL || !sync_is_lower_hex(device, ENVELOPE_KEY_ID_HEX))
		return cutru_err_set(e, CUTRU_EINVAL, "device",
		    _("The device id must be 16 lowercase hex digits."));
	if ((rc = feed_cursor_check(after, e)) != CUTRU_OK)
		return rc;
	if ((msg = request_bytes(device, after, time, &len)) == NULL)
		return sync_oom(e);
	crypto_sign_detached(raw, NULL, (const unsigned char *)msg, len,
	    device_sign_sk);
	free(msg);
	sodium_bin2hex(sig, FEED_SIG_HEX + 1, raw, sizeof raw);
	return CUTRU_OK;
}

int
feed_request_verify(const unsigned char *device_sign_pk,
    const char *device, const char *after, int64_t time, const char *sig,
    int64_t now, enum sync_reason *why, struct cutru_err *e)
{
	unsigned char raw[ENVELOPE_SIG_BYTES];
	size_t bl = 0, len = 0;
	const char *end = NULL;
	char *msg;
	int ok;

	if (why != NULL)
		*why = SYNC_R_MALFORMED;
	if (device_sign_pk == NULL || !sync_is_lower_hex(device, ENVELOPE_KEY_ID_HEX))
		return cutru_err_set(e, CUTRU_EINVAL, "device",
		    _("The device id must be 16 lowercase hex digits."));
	if (feed_cursor_check(after, e) != CUTRU_OK) {
		if (why != NULL)
			*why = SYNC_R_BAD_CURSOR;
		return CUTRU_EINVAL;
	}
	if (sig == NULL || strlen(sig) != FEED_SIG_HEX ||
	    sodium_hex2bin(raw, sizeof raw, sig, FEED_SIG_HEX, NULL, &bl,
	    &end) != 0 || bl != sizeof raw || end != sig + FEED_SIG_HEX)
		return cutru_err_set(e, CUTRU_EINVAL, "sig",
		    _("The request's signature must be 128 hex digits."));
	if (why != NULL)
		*why = SYNC_R_BAD_REQUEST_SIGNATURE;
	if (time < now - FEED_REQUEST_WINDOW || time > now + FEED_REQUEST_WINDOW)
		return cutru_err_set(e, CUTRU_EPERM, "time",
		    _("The request's time is more than two days from the "
		    "registry's clock."));
	if ((msg = request_bytes(device, after, time, &len)) == NULL) {
		if (why != NULL)
			*why = SYNC_R_INTERNAL;
		return sync_oom(e);
	}
	ok = crypto_sign_verify_detached(raw, (const unsigned char *)msg, len,
	    device_sign_pk) == 0;
	free(msg);
	if (!ok)
		return cutru_err_set(e, CUTRU_ECRYPTO, "sig",
		    _("The request's signature does not verify with the "
		    "device's key."));
	if (why != NULL)
		*why = SYNC_R_NONE;
	return CUTRU_OK;
}
