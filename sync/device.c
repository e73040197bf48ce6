/* The console's device identity: keys, chain position, pinned registry.
 * Tables and invariants in sync/device.h (and localdb/schema.c,
 * migration 2).
 *
 * What can go wrong, and what this file does about it:
 *   - Two change sets with one seq (a fork made by the console itself):
 *     the next seq and prev are read from the database inside the
 *     SAVEPOINT that also records the change set and advances them, and
 *     table changesets refuses a seq that does not follow the last one; a
 *     stale struct device is corrected from the database, never trusted.
 *   - A store restored from an old backup would reuse seqs the registry
 *     has seen: the registry reports that as a fork; nothing here can
 *     detect it.
 *   - Secret keys: read from SQLite into sodium_malloc memory and wiped by
 *     device_free(); SQLite's own page cache holds them only inside the
 *     encrypted store's process, as it holds every other value. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/canon.h"
#include "core/i18n.h"
#include "sync/changeset.h"
#include "sync/device.h"
#include "sync/enroll.h"
#include "sync/util.h"

static int
db_err(sqlite3 *db, struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_EIO, "store",
	    _("The store could not be read or written: %s."),
	    sqlite3_errmsg(db));
}

static int
exec(sqlite3 *db, const char *sql, struct cutru_err *e)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, e);
	return CUTRU_OK;
}

void
device_free(struct device *d)
{
	if (d == NULL)
		return;
	if (d->sign_sk != NULL)
		sodium_free(d->sign_sk);   /* wipes */
	if (d->box_sk != NULL)
		sodium_free(d->box_sk);
	sodium_memzero(d, sizeof *d);
	free(d);
}

static struct device *
device_new(void)
{
	struct device *d = calloc(1, sizeof *d);

	if (d == NULL)
		return NULL;
	d->sign_sk = sodium_malloc(ENVELOPE_SIGN_SK_BYTES);
	d->box_sk = sodium_malloc(ENVELOPE_BOX_SK_BYTES);
	if (d->sign_sk == NULL || d->box_sk == NULL) {
		device_free(d);
		return NULL;
	}
	return d;
}

static int
blob_into(sqlite3_stmt *st, int col, unsigned char *dst, size_t n)
{
	const void *p = sqlite3_column_blob(st, col);

	if (p == NULL || (size_t)sqlite3_column_bytes(st, col) != n)
		return -1;
	memcpy(dst, p, n);
	return 0;
}

static int
text_into(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *p = sqlite3_column_text(st, col);
	size_t n;

	if (p == NULL) {
		dst[0] = '\0';
		return 0;
	}
	n = (size_t)sqlite3_column_bytes(st, col);
	if (n >= size)
		return -1;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

int
device_load(sqlite3 *db, struct device **out, struct cutru_err *e)
{
	static const char sql[] = "SELECT id, ward, sign_sk, box_pk, box_sk, "
	    "next_seq, prev, registry_sign_pk, registry_box_pk, "
	    "registry_name, registry_url, enrolled_at FROM device WHERE one = 1";
	sqlite3_stmt *st = NULL;
	struct device *d = NULL;
	int rc, s;

	*out = NULL;
	if (db == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("No store is open."));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_err(db, e);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "device",
		    _("This store has no device identity yet."));
		goto done;
	}
	if (s != SQLITE_ROW) {
		rc = db_err(db, e);
		goto done;
	}
	if ((d = device_new()) == NULL) {
		rc = sync_oom(e);
		goto done;
	}
	if (text_into(st, 0, d->id, sizeof d->id) ||
	    text_into(st, 1, d->ward, sizeof d->ward) ||
	    blob_into(st, 2, d->sign_sk, ENVELOPE_SIGN_SK_BYTES) ||
	    blob_into(st, 3, d->box_pk, ENVELOPE_PK_BYTES) ||
	    blob_into(st, 4, d->box_sk, ENVELOPE_BOX_SK_BYTES) ||
	    blob_into(st, 6, d->prev, HASH_LEN) ||
	    text_into(st, 10, d->url, sizeof d->url)) {
		rc = cutru_err_set(e, CUTRU_EIO, "device",
		    _("The store's device identity is damaged."));
		goto done;
	}
	memcpy(d->sign_pk, d->sign_sk + crypto_sign_SEEDBYTES,
	    ENVELOPE_PK_BYTES);
	d->next_seq = sqlite3_column_int64(st, 5);
	if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
		if (blob_into(st, 7, d->registry.sign_pk, ENVELOPE_PK_BYTES) ||
		    blob_into(st, 8, d->registry.box_pk, ENVELOPE_PK_BYTES) ||
		    text_into(st, 9, d->registry.name,
		    sizeof d->registry.name)) {
			rc = cutru_err_set(e, CUTRU_EIO, "device",
			    _("The store's registry keys are damaged."));
			goto done;
		}
		d->enrolled = 1;
		d->enrolled_at = sqlite3_column_int64(st, 11);
	}
	*out = d;
	d = NULL;
	rc = CUTRU_OK;
done:
	sqlite3_finalize(st);
	device_free(d);
	return rc;
}

int
device_load_or_create(sqlite3 *db, const char *ward, struct device **out,
    struct cutru_err *e)
{
	static const char ins[] = "INSERT INTO device (one, id, ward, sign_sk, "
	    "box_pk, box_sk, next_seq, prev) VALUES (1, ?, ?, ?, ?, ?, 1, ?)";
	unsigned char pk[ENVELOPE_PK_BYTES];
	sqlite3_stmt *st = NULL;
	struct device *d = NULL;
	char id[ENVELOPE_KEY_ID_HEX + 1];
	size_t i;
	int rc;

	*out = NULL;
	if (ward == NULL || strlen(ward) != 5)
		return cutru_err_set(e, CUTRU_EINVAL, "ward",
		    _("The ward code must be 5 digits."));
	for (i = 0; i < 5; i++)
		if (ward[i] < '0' || ward[i] > '9')
			return cutru_err_set(e, CUTRU_EINVAL, "ward",
			    _("The ward code must be 5 digits."));
	rc = device_load(db, &d, e);
	if (rc == CUTRU_OK) {
		if (strcmp(d->ward, ward) != 0) {
			rc = cutru_err_set(e, CUTRU_ECONFLICT, "ward",
			    _("This store's device belongs to ward %s, not "
			    "%s."), d->ward, ward);
			device_free(d);
			return rc;
		}
		*out = d;
		return CUTRU_OK;
	}
	if (rc != CUTRU_ENOTFOUND)
		return rc;
	cutru_err_clear(e);
	if ((d = device_new()) == NULL)
		return sync_oom(e);
	crypto_sign_keypair(pk, d->sign_sk);
	crypto_box_keypair(d->box_pk, d->box_sk);
	envelope_key_id(pk, id, NULL);
	if (sqlite3_prepare_v2(db, ins, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, ward, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 3, d->sign_sk, ENVELOPE_SIGN_SK_BYTES,
	    SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 4, d->box_pk, ENVELOPE_PK_BYTES,
	    SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 5, d->box_sk, ENVELOPE_BOX_SK_BYTES,
	    SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 6, hash_genesis, HASH_LEN,
	    SQLITE_TRANSIENT) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
		rc = db_err(db, e);
		goto done;
	}
	memcpy(d->id, id, sizeof id);
	memcpy(d->ward, ward, 6);
	memcpy(d->sign_pk, pk, sizeof pk);
	d->next_seq = 1;
	memcpy(d->prev, hash_genesis, HASH_LEN);
	*out = d;
	d = NULL;
	rc = CUTRU_OK;
done:
	sqlite3_finalize(st);
	device_free(d);
	return rc;
}

int
device_enroll_request(const struct device *d, const struct registry_keys *k,
    const char *token, const char *label, int64_t now, unsigned char **out,
    size_t *outlen, struct cutru_err *e)
{
	struct enroll_request r;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (d == NULL || k == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "device",
		    _("No device or no registry key."));
	if ((rc = enroll_token_check(token, e)) != CUTRU_OK)
		return rc;
	memset(&r, 0, sizeof r);
	memcpy(r.ward, d->ward, sizeof r.ward);
	memcpy(r.sign_pk, d->sign_pk, ENVELOPE_PK_BYTES);
	memcpy(r.box_pk, d->box_pk, ENVELOPE_PK_BYTES);
	memcpy(r.token, token, strlen(token) + 1);
	if (label != NULL) {
		if (strlen(label) > ENROLL_LABEL_MAX)
			return cutru_err_set(e, CUTRU_EINVAL, "label",
			    _("The console's label has at most %d bytes."),
			    ENROLL_LABEL_MAX);
		memcpy(r.label, label, strlen(label) + 1);
	}
	r.time = now;
	rc = enroll_request_seal(&r, d->sign_sk, k->box_pk, out, outlen, e);
	sodium_memzero(&r, sizeof r);
	return rc;
}

int
device_enrolled(sqlite3 *db, struct device *d, const struct registry_keys *k,
    const char *url, const unsigned char *answer, size_t answer_len,
    struct cutru_err *e)
{
	static const char sql[] = "UPDATE device SET registry_sign_pk = ?, "
	    "registry_box_pk = ?, registry_name = ?, registry_url = ?, "
	    "enrolled_at = ? WHERE one = 1";
	struct enroll_answer a;
	sqlite3_stmt *st = NULL;
	int rc;

	if (d == NULL || k == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "device",
		    _("No device or no registry key."));
	if (url != NULL && strlen(url) > DEVICE_URL_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "url",
		    _("The registry's address is longer than %d bytes."),
		    DEVICE_URL_MAX);
	if ((rc = enroll_answer_verify(answer, answer_len, k->sign_pk, &a,
	    e)) != CUTRU_OK)
		return rc;
	if (strcmp(a.device, d->id) != 0 || strcmp(a.ward, d->ward) != 0)
		return cutru_err_set(e, CUTRU_ECONFLICT, "device",
		    _("The registry enrolled console %s for ward %s, not this "
		    "console (%s, ward %s)."), a.device, a.ward, d->id,
		    d->ward);
	if (d->enrolled && (sodium_memcmp(d->registry.sign_pk, k->sign_pk,
	    ENVELOPE_PK_BYTES) != 0 || sodium_memcmp(d->registry.box_pk,
	    k->box_pk, ENVELOPE_PK_BYTES) != 0))
		return cutru_err_set(e, CUTRU_ECONFLICT, "registry_key",
		    _("This console is enrolled with another registry key "
		    "already; it will not change registry silently."));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 1, k->sign_pk, ENVELOPE_PK_BYTES,
	    SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, k->box_pk, ENVELOPE_PK_BYTES,
	    SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, k->name, -1, SQLITE_TRANSIENT) !=
	    SQLITE_OK ||
	    (url != NULL && url[0] != '\0' ? sqlite3_bind_text(st, 4, url, -1,
	    SQLITE_TRANSIENT) : sqlite3_bind_null(st, 4)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, a.time) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(db) != 1) {
		rc = db_err(db, e);
		goto done;
	}
	d->registry = *k;
	snprintf(d->url, sizeof d->url, "%s", url != NULL ? url : "");
	d->enrolled_at = a.time;
	d->enrolled = 1;
	rc = CUTRU_OK;
done:
	sqlite3_finalize(st);
	return rc;
}

/* The dossier number of a canonical approval, into dossier[size]. */
static int
approval_dossier(const char *approval, size_t len, char *dossier,
    size_t size, struct cutru_err *e)
{
	const cJSON *m;
	cJSON *o = NULL;
	int rc;

	if ((rc = canon_parse(approval, len, NULL, CANON_REQUIRE_CANONICAL, &o,
	    e)) != CUTRU_OK)
		return rc;
	m = cJSON_GetObjectItemCaseSensitive(o, "dossier");
	if (!cJSON_IsString(m) || m->valuestring[0] == '\0' ||
	    strlen(m->valuestring) >= size) {
		cJSON_Delete(o);
		return cutru_err_set(e, CUTRU_EINVAL, "approval",
		    _("The approval names no dossier."));
	}
	memcpy(dossier, m->valuestring, strlen(m->valuestring) + 1);
	cJSON_Delete(o);
	return CUTRU_OK;
}

int
device_seal_changeset(sqlite3 *db, struct device *d, const char *author,
    const char *approval, size_t approval_len,
    const unsigned char *approval_sig, const unsigned char *supervisor_pk,
    int64_t now, unsigned char **sealed, size_t *sealed_len, int64_t *seq,
    unsigned char hash[HASH_LEN], struct cutru_err *e)
{
	struct changeset_input in;
	sqlite3_stmt *st = NULL;
	unsigned char prev[HASH_LEN], h[HASH_LEN];
	char dossier[DOSSIER_NUMBER_MAX];
	unsigned char *out = NULL;
	size_t outlen = 0;
	int64_t next;
	int rc, s, in_sp = 0;

	*sealed = NULL;
	*sealed_len = 0;
	*seq = 0;
	memset(hash, 0, HASH_LEN);
	if (db == NULL || d == NULL || approval == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "approval",
		    _("No store, device or approval."));
	if (!d->enrolled)
		return cutru_err_set(e, CUTRU_EPERM, "device",
		    _("This console is not enrolled with a registry yet, so "
		    "there is no key to seal its change sets to. Enroll it "
		    "first (cutru enroll)."));
	if ((rc = approval_dossier(approval, approval_len, dossier,
	    sizeof dossier, e)) != CUTRU_OK)
		return rc;
	if ((rc = exec(db, "SAVEPOINT device_seal", e)) != CUTRU_OK)
		return rc;
	in_sp = 1;
	/* The database, not the struct, says where the chain stands. */
	if (sqlite3_prepare_v2(db, "SELECT next_seq, prev FROM device "
	    "WHERE one = 1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW ||
	    blob_into(st, 1, prev, HASH_LEN) != 0) {
		rc = db_err(db, e);
		goto done;
	}
	next = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM changesets WHERE dossier = ?",
	    -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, dossier, -1, SQLITE_TRANSIENT) !=
	    SQLITE_OK) {
		rc = db_err(db, e);
		goto done;
	}
	s = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (s == SQLITE_ROW) {
		rc = cutru_err_set(e, CUTRU_ECONFLICT, "dossier",
		    _("Dossier %s has a change set already."), dossier);
		goto done;
	}
	if (s != SQLITE_DONE) {
		rc = db_err(db, e);
		goto done;
	}
	memset(&in, 0, sizeof in);
	in.ward = d->ward;
	in.device = d->id;
	in.seq = next;
	in.prev = prev;
	in.created = now;
	in.author = author;
	in.approval = approval;
	in.approval_len = approval_len;
	in.approval_sig = approval_sig;
	in.supervisor_pk = supervisor_pk;
	if ((rc = changeset_make(&in, d->sign_sk, d->registry.box_pk, &out,
	    &outlen, h, e)) != CUTRU_OK)
		goto done;
	if (sqlite3_prepare_v2(db, "INSERT INTO changesets (seq, hash, "
	    "dossier, created, sealed) VALUES (?, ?, ?, ?, ?)", -1, &st,
	    NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, next) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, h, HASH_LEN, SQLITE_TRANSIENT) !=
	    SQLITE_OK ||
	    sqlite3_bind_text(st, 3, dossier, -1, SQLITE_TRANSIENT) !=
	    SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, now) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 5, out, (int)outlen, SQLITE_TRANSIENT) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
		rc = db_err(db, e);
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "UPDATE device SET next_seq = ?, prev = ? "
	    "WHERE one = 1 AND next_seq = ?", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, next + 1) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, h, HASH_LEN, SQLITE_TRANSIENT) !=
	    SQLITE_OK || sqlite3_bind_int64(st, 3, next) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(db) != 1) {
		rc = db_err(db, e);
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = exec(db, "RELEASE device_seal", e)) != CUTRU_OK)
		goto done;
	in_sp = 0;
	d->next_seq = next + 1;
	memcpy(d->prev, h, HASH_LEN);
	memcpy(hash, h, HASH_LEN);
	*seq = next;
	*sealed = out;
	*sealed_len = outlen;
	out = NULL;
	rc = CUTRU_OK;
done:
	sqlite3_finalize(st);
	if (in_sp) {
		sqlite3_exec(db, "ROLLBACK TO device_seal", NULL, NULL, NULL);
		sqlite3_exec(db, "RELEASE device_seal", NULL, NULL, NULL);
	}
	free(out);
	return rc;
}

int
device_sealed_changeset(sqlite3 *db, int64_t seq, unsigned char **out,
    size_t *outlen, struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	const void *p;
	size_t n;
	int rc, s;

	*out = NULL;
	*outlen = 0;
	if (sqlite3_prepare_v2(db, "SELECT sealed FROM changesets WHERE "
	    "seq = ?", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, seq) != SQLITE_OK)
		return db_err(db, e);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "seq",
		    _("This console has no change set number %lld."),
		    (long long)seq);
		goto done;
	}
	if (s != SQLITE_ROW) {
		rc = db_err(db, e);
		goto done;
	}
	p = sqlite3_column_blob(st, 0);
	n = (size_t)sqlite3_column_bytes(st, 0);
	if (p == NULL || n == 0 || (*out = malloc(n)) == NULL) {
		rc = p == NULL || n == 0 ? db_err(db, e) : sync_oom(e);
		goto done;
	}
	memcpy(*out, p, n);
	*outlen = n;
	rc = CUTRU_OK;
done:
	sqlite3_finalize(st);
	return rc;
}

int
device_receipt_verify(const struct device *d, const unsigned char *in,
    size_t len, struct receipt *out, struct cutru_err *e)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (d == NULL || !d->enrolled)
		return cutru_err_set(e, CUTRU_EPERM, "device",
		    _("This console is not enrolled with a registry yet."));
	if ((rc = receipt_verify(in, len, d->registry.sign_pk, out, e)) !=
	    CUTRU_OK)
		return rc;
	if (out->has_changeset && strcmp(out->device, d->id) != 0) {
		receipt_free(out);
		return cutru_err_set(e, CUTRU_ECONFLICT, "device",
		    _("This receipt is for another console."));
	}
	return CUTRU_OK;
}

int
device_feed_open(const struct device *d, const unsigned char *in,
    size_t len, struct feed_page *out, struct cutru_err *e)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (d == NULL || !d->enrolled)
		return cutru_err_set(e, CUTRU_EPERM, "device",
		    _("This console is not enrolled with a registry yet."));
	if ((rc = feed_open(in, len, d->box_pk, d->box_sk, d->registry.sign_pk,
	    d->id, out, e)) != CUTRU_OK)
		return rc;
	if (strcmp(out->ward, d->ward) != 0) {
		rc = cutru_err_set(e, CUTRU_ECONFLICT, "ward",
		    _("This feed page is for ward %s, not this console's ward "
		    "%s."), out->ward, d->ward);
		feed_page_free(out);
		return rc;
	}
	return CUTRU_OK;
}

int
device_feed_request(const struct device *d, const char *after,
    int64_t now, char sig[FEED_SIG_HEX + 1], struct cutru_err *e)
{
	if (d == NULL) {
		sig[0] = '\0';
		return cutru_err_set(e, CUTRU_EINVAL, "device",
		    _("No device."));
	}
	return feed_request_sign(d->sign_sk, d->id, after, now, sig, e);
}
