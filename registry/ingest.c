/* Ingest: the registry's rules for a change set, in the order it applies
 * them.
 *
 * A change set (sync/changeset.h) arrives sealed.  Each rule below either
 * passes or ends the change set's journey with a signed receipt
 * (sync/receipt.h) naming the reason (sync/reason.h).  What a refusal
 * leaves behind depends on whether the device's own signature vouches for
 * the bytes:
 *
 *   Not vouched for - nothing is written, anywhere.  The receipt is
 *   signed and returned but not kept (a replay is answered afresh).
 *     1. the bytes open and parse (too_large, malformed, bad_seal,
 *        unsupported_version); a receipt that cannot name a change set
 *        names the bytes instead ("item", their BLAKE2b-256);
 *     2. the device is enrolled (unknown_device);
 *     3. its signature verifies with the enrolled key (bad_device_signature).
 *
 *   Vouched for, but not taking a place in the chain:
 *     4. a change set whose (device, seq) is in the log with the same
 *        hash is a replay: it gets the receipt logged for it, byte for
 *        byte, whatever happened since (revocation included);
 *        with another hash it is a fork: refused (fork) and flagged;
 *     5. the device is not revoked (revoked_device): nothing written;
 *     6. seq beyond head+1 is a gap: the sealed bytes are held (reg_held,
 *        at most HELD_MAX per device; beyond, the answer is the same but
 *        nothing is kept) and the receipt says "held" (gap); a second
 *        copy gets the same answer, a different change set at a held seq
 *        is a fork;
 *     7. seq = head+1 whose prev is not the head's hash: fork (flagged,
 *        kind "chain"), nothing else written.
 *
 *   Taking the next place in the chain (seq = head+1, prev = head hash):
 *   from here on the change set is decided for good.  Accepted or
 *   rejected, the chain head moves to it and the log keeps its receipt,
 *   so that a rejected change set never blocks the ones after it (the
 *   console signed them already) and a replay of it gets the same answer.
 *   A rejection undoes everything the change set did to the register
 *   (a savepoint), so it leaves no trace there.
 *     8. its ward is the device's ward (wrong_ward);
 *     9. the supervisor's key id is registered (unknown_supervisor), for
 *        this ward, active, with the role supervisor, under the login the
 *        approval names (supervisor_not_authorised);
 *    10. the supervisor's signature over the approval verifies
 *        (bad_supervisor_signature);
 *    11. the events are valid (invalid_events);
 *    12. every identity the events carry - person.upserted, a citizen
 *        guest of stay.recorded, the person an identity.corrected names -
 *        matches the national population records (identity_mismatch);
 *    13. a ward changes only its own records: an event that closes or
 *        extends a residence now active in another ward, or changes a
 *        household whose address is in another ward, was prepared against
 *        a copy that moved on (the person registered elsewhere since):
 *        stale_record, with the person's current identity attached
 *        ("current": a feed page sealed to the device), or
 *        register_conflict for a household;
 *    14. the events apply to the register through localdb/apply.h, the
 *        console's own code.  A refusal that names a person the register
 *        holds means the console's copy of that record moved on since it
 *        prepared the dossier: stale_record, with the current state as
 *        above.  Any other refusal is register_conflict (or
 *        invalid_events for a malformed event).
 *   On acceptance, two consequences:
 *     - one active permanent residence nationwide: a residence.opened
 *       (permanent) for a person whose active permanent residence was in
 *       another ward replaced it (apply.c does that); that ward's feed
 *       gets an item (cause residence_elsewhere) with the events that
 *       bring its copy up to date: household.member_removed when the
 *       person left a household of that ward, then the new
 *       residence.opened (which marks the old residence replaced there
 *       too);
 *     - an identity.corrected becomes the population record's new truth,
 *       and every other ward where the person holds an active residence
 *       gets it in its feed (cause identity_corrected).
 *
 *   Then, if change sets of this device were held after this seq, they
 *   are taken in order, each through the same rules.
 *
 * Messages in receipts are English, one line, and never carry a value
 * from the change set (receipts are not sealed): they name fields.
 *
 * Exactly once.  The log's primary key (device, seq) and the write lock
 * that ingest_decide() runs under (the caller's BEGIN IMMEDIATE) make the
 * check-then-write of rules 4-14 atomic: of two uploads of one change set,
 * whichever decides second finds the first's log row and answers with its
 * receipt. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "core/canon.h"
#include "core/date.h"
#include "core/event.h"
#include "core/i18n.h"
#include "registry/ingest.h"
#include "registry/population.h"
#include "sync/feed.h"

#define ACTOR "registry"
/* Change sets held after a gap, at most, per device. */
#define HELD_MAX 1024

void
ingest_item_init(struct ingest_item *it, const unsigned char *sealed,
    size_t len)
{
	memset(it, 0, sizeof *it);
	it->sealed = sealed;
	it->len = len;
	it->officer_rc = CUTRU_ENOTFOUND;
}

void
ingest_item_free(struct ingest_item *it)
{
	if (it == NULL)
		return;
	changeset_free(&it->cs);
	free(it->receipt);
	it->receipt = NULL;
	it->receipt_len = 0;
}

static int
oom(struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
}

/* ------------------------------------------------------------------ */
/* Phase 1 */

int
ingest_open(struct regstore *st, const struct regkeys *k,
    struct ingest_item *it, struct cutru_err *e)
{
	struct cutru_err sub;
	enum sync_reason why = SYNC_R_NONE;
	int rc;

	if (changeset_open(it->sealed, it->len, k->pub.box_pk, k->box_sk,
	    &it->cs, &why, &sub) != CUTRU_OK) {
		if (sub.code == CUTRU_ENOMEM)
			return oom(e);
		it->open_why = why != SYNC_R_NONE ? why : SYNC_R_MALFORMED;
		snprintf(it->open_field, sizeof it->open_field, "%s", sub.field);
		return CUTRU_OK;
	}
	it->opened = 1;
	/* Pure computation on what the change set says: done here, outside
	 * the write lock; the verdict is used at its turn (rule 11). */
	if (changeset_check_events(&it->cs, &why, &sub) == CUTRU_OK)
		it->events_ok = 1;
	else if (sub.code == CUTRU_ENOMEM)
		return oom(e);
	else
		snprintf(it->events_field, sizeof it->events_field, "%s",
		    sub.field);
	rc = st->ops->device_get(st, it->cs.device, &it->dev, &sub);
	if (rc == CUTRU_ENOTFOUND)
		return CUTRU_OK;
	if (rc != CUTRU_OK)
		return cutru_err_set(e, rc, sub.field, "%s", sub.msg);
	it->device_known = 1;
	it->device_sig_ok = changeset_verify_device(&it->cs, it->dev.sign_pk,
	    &why, &sub) == CUTRU_OK;
	if (!it->device_sig_ok)
		return CUTRU_OK;
	it->officer_rc = st->ops->officer_lookup(st, it->cs.supervisor_key,
	    it->cs.ward, &it->officer, &sub);
	if (it->officer_rc != CUTRU_OK && it->officer_rc != CUTRU_EPERM &&
	    it->officer_rc != CUTRU_ENOTFOUND)
		return cutru_err_set(e, it->officer_rc, sub.field, "%s",
		    sub.msg);
	if (it->officer_rc != CUTRU_ENOTFOUND)
		it->supervisor_sig_ok = changeset_verify_supervisor(&it->cs,
		    it->officer.sign_pk, &why, &sub) == CUTRU_OK;
	return CUTRU_OK;
}

/* ------------------------------------------------------------------ */
/* Receipts */

static void
receipt_for(struct receipt *r, const struct ingest_item *it, int64_t now)
{
	memset(r, 0, sizeof *r);
	r->time = now;
	if (it->opened) {
		r->has_changeset = 1;
		snprintf(r->device, sizeof r->device, "%s", it->cs.device);
		r->seq = it->cs.seq;
		memcpy(r->hash, it->cs.hash, HASH_LEN);
	} else {
		r->has_item = 1;
		receipt_item_hash(it->sealed, it->len, r->item);
	}
}

/* Sign r into it->receipt and record the verdict. */
static int
finish(struct ingest_item *it, struct receipt *r, const struct regkeys *k,
    struct cutru_err *e)
{
	int rc;

	free(it->receipt);
	it->receipt = NULL;
	it->status = r->status;
	it->reason = r->nreasons > 0 ? r->reasons[0].code : SYNC_R_NONE;
	rc = receipt_sign(r, k->sign_sk, &it->receipt, &it->receipt_len, e);
	return rc;
}

/* A receipt with one reason, not kept. */
static int
refuse(struct ingest_item *it, const struct regkeys *k, int64_t now,
    enum receipt_status status, enum sync_reason why, const char *field,
    const char *msg, struct cutru_err *e)
{
	struct receipt r;
	int rc;

	receipt_for(&r, it, now);
	r.status = status;
	if ((rc = receipt_add_reason(&r, why, field != NULL && field[0] != '\0'
	    ? field : NULL, e, "%s", msg)) == CUTRU_OK)
		rc = finish(it, &r, k, e);
	receipt_free(&r);
	return rc;
}

/* The English message of a reason met before the chain (rules 1-7). */
static const char *
open_message(enum sync_reason why)
{
	switch (why) {
	case SYNC_R_TOO_LARGE:
		return "The change set is larger than the registry accepts.";
	case SYNC_R_BAD_SEAL:
		return "The change set is not sealed to this registry's key, or it was altered.";
	case SYNC_R_UNSUPPORTED_VERSION:
		return "The change set's format version is not supported by this registry.";
	default:
		return "The change set is not well-formed.";
	}
}

/* ------------------------------------------------------------------ */
/* Rule 12: identities against the population records */

static enum cutru_sex
sex_of(const char *s)
{
	if (s != NULL && strcmp(s, "male") == 0)
		return CUTRU_SEX_MALE;
	if (s != NULL && strcmp(s, "female") == 0)
		return CUTRU_SEX_FEMALE;
	return CUTRU_SEX_UNKNOWN;
}

static const char *
str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* One identity: id_number with name, dob, sex (all stored form, events
 * are valid by now).  CUTRU_ECONFLICT with *field set on a mismatch. */
static int
check_one(struct regstore *st, const char *path, const char *id_number,
    const char *name, const char *dob, const char *sex, char *field,
    size_t fieldsz, const char **msg, struct cutru_err *e)
{
	struct reg_person rec;
	struct cutru_err sub;
	int rc;

	rc = st->ops->population_get(st, id_number, &rec, &sub);
	if (rc == CUTRU_ENOTFOUND) {
		snprintf(field, fieldsz, "%.32s.id_number", path);
		*msg = "The ID number is not in the national population records.";
		return CUTRU_ECONFLICT;
	}
	if (rc != CUTRU_OK)
		return cutru_err_set(e, rc, NULL, "%s", sub.msg);
	if (name == NULL)
		return CUTRU_OK;
	if (population_match(&rec, name, dob != NULL ? dob : "", sex_of(sex),
	    &sub) != CUTRU_OK) {
		if (sub.code == CUTRU_ENOMEM)
			return oom(e);
		snprintf(field, fieldsz, "%.32s.%.8s", path,
		    sub.field[0] != '\0' ? sub.field : "name");
		*msg = strcmp(sub.field, "sex") == 0 ?
		    "The sex differs from the national population record for this ID number." :
		    strcmp(sub.field, "dob") == 0 ?
		    "The date of birth differs from the national population record for this ID number." :
		    "The name differs from the national population record for this ID number.";
		return CUTRU_ECONFLICT;
	}
	return CUTRU_OK;
}

static int
check_identities(struct regstore *st, const cJSON *events, char *field,
    size_t fieldsz, const char **msg, struct cutru_err *e)
{
	const cJSON *ev, *data, *guests, *g;
	const char *type;
	char path[CUTRU_ERR_FIELD_MAX];
	int i = 0, j, rc;

	cJSON_ArrayForEach(ev, events) {
		type = str_of(ev, "type");
		data = cJSON_GetObjectItemCaseSensitive(ev, "data");
		rc = CUTRU_OK;
		snprintf(path, sizeof path, "[%d].data", i);
		if (type != NULL && strcmp(type, "person.upserted") == 0)
			rc = check_one(st, path, str_of(data, "id_number"),
			    str_of(data, "name"), str_of(data, "dob"),
			    str_of(data, "sex"), field, fieldsz, msg, e);
		else if (type != NULL &&
		    strcmp(type, "identity.corrected") == 0) {
			snprintf(path, sizeof path, "[%d].data.person", i);
			rc = check_one(st, path, str_of(data, "person"), NULL,
			    NULL, NULL, field, fieldsz, msg, e);
			if (rc == CUTRU_ECONFLICT)
				snprintf(field, fieldsz, "%s", path);
		} else if (type != NULL && strcmp(type, "stay.recorded") == 0) {
			guests = cJSON_GetObjectItemCaseSensitive(data,
			    "guests");
			j = 0;
			cJSON_ArrayForEach(g, guests) {
				if (str_of(g, "id_number") != NULL) {
					snprintf(path, sizeof path,
					    "[%d].data.guests[%d]", i, j);
					rc = check_one(st, path,
					    str_of(g, "id_number"),
					    str_of(g, "name"), str_of(g, "dob"),
					    str_of(g, "sex"), field, fieldsz,
					    msg, e);
					if (rc != CUTRU_OK)
						break;
				}
				j++;
			}
		}
		if (rc != CUTRU_OK)
			return rc;
		i++;
	}
	return CUTRU_OK;
}

/* ------------------------------------------------------------------ */
/* Rule 14: a refusal of the register, and the current state */

/* The event the path of an apply error ("[2].data.household") names, and
 * the record kind and key its field holds: person (1) or household (2). */
static int
refused_record(const cJSON *events, const char *path, const char **key)
{
	const cJSON *ev, *data;
	const char *dot;
	char name[32];
	long idx;
	char *end;
	size_t n;

	*key = NULL;
	if (path == NULL || path[0] != '[')
		return 0;
	idx = strtol(path + 1, &end, 10);
	if (end == path + 1 || *end != ']' || idx < 0)
		return 0;
	if ((ev = cJSON_GetArrayItem(events, (int)idx)) == NULL)
		return 0;
	data = cJSON_GetObjectItemCaseSensitive(ev, "data");
	if (strncmp(end, "].data.", 7) != 0)
		return 0;
	dot = end + 7;
	n = strcspn(dot, ".[");
	if (n == 0 || n >= sizeof name)
		return 0;
	memcpy(name, dot, n);
	name[n] = '\0';
	if ((*key = str_of(data, name)) == NULL)
		return 0;
	if (strcmp(name, "household") == 0)
		return 2;
	if (strcmp(name, "person") == 0 || strcmp(name, "head") == 0 ||
	    strcmp(name, "id_number") == 0 || strcmp(name, "host") == 0 ||
	    strcmp(name, "requester") == 0)
		return 1;
	*key = NULL;
	return 0;
}

/* The current state of a person as a feed page sealed to the device: one
 * item (cause current_state, ref "DEVICE:SEQ") with a person.upserted
 * carrying the register's identity data.  *out malloc'd, NULL when the
 * person is not in the register. */
static int
current_state(struct regstore *st, const struct regkeys *k,
    const struct ingest_item *it, const char *id_number, int64_t now,
    unsigned char **out, size_t *outlen, struct cutru_err *e)
{
	struct feed_page page;
	cJSON *state = NULL, *data = NULL, *events = NULL, *ev, *item;
	char ref[FEED_REF_MAX + 1];
	struct cutru_err sub;
	int rc;

	*out = NULL;
	*outlen = 0;
	rc = st->ops->person_state(st, id_number, &state, &sub);
	if (rc == CUTRU_ENOTFOUND)
		return CUTRU_OK;
	if (rc != CUTRU_OK)
		return cutru_err_set(e, rc, NULL, "%s", sub.msg);
	memset(&page, 0, sizeof page);
	if ((data = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(data, "id_number", id_number) == NULL ||
	    cJSON_AddStringToObject(data, "name", str_of(state, "name")) ==
	    NULL ||
	    (str_of(state, "dob") != NULL &&
	    cJSON_AddStringToObject(data, "dob", str_of(state, "dob")) ==
	    NULL) ||
	    cJSON_AddStringToObject(data, "sex", str_of(state, "sex")) ==
	    NULL) {
		cJSON_Delete(data);
		rc = oom(e);
		goto done;
	}
	if ((ev = event_new("person.upserted", data)) == NULL ||
	    (events = cJSON_CreateArray()) == NULL) {
		cJSON_Delete(ev);
		rc = oom(e);
		goto done;
	}
	cJSON_AddItemToArray(events, ev);
	/* A record the register holds may still be one the event vocabulary
	 * cannot restate (a person without a date of birth): no page. */
	if (event_validate_list(events, &sub) != CUTRU_OK) {
		rc = CUTRU_OK;
		goto done;
	}
	snprintf(ref, sizeof ref, "%s:%lld", it->cs.device,
	    (long long)it->cs.seq);
	if ((item = feed_item_new(FEED_CAUSE_CURRENT_STATE, events, ref)) ==
	    NULL) {
		events = NULL;
		rc = oom(e);
		goto done;
	}
	events = NULL;
	if ((page.items = cJSON_CreateArray()) == NULL) {
		cJSON_Delete(item);
		rc = oom(e);
		goto done;
	}
	cJSON_AddItemToArray(page.items, item);
	snprintf(page.ward, sizeof page.ward, "%s", it->cs.ward);
	snprintf(page.device, sizeof page.device, "%s", it->cs.device);
	page.time = now;
	rc = feed_seal(&page, k->sign_sk, it->dev.box_pk, out, outlen, e);
done:
	cJSON_Delete(page.items);
	cJSON_Delete(events);
	cJSON_Delete(state);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Consequences of an accepted change set: feed items for other wards */

/* What a permanent residence.opened replaced in another ward. */
struct moved {
	const cJSON *event;              /* the residence.opened */
	char person[REG_ID_NUMBER_LEN + 1];
	char old_ward[REG_WARD_LEN + 1];
	char old_household[40];          /* "" if none in the old ward */
};

#define MOVED_MAX 64

static int
feed_put(struct regstore *st, const char *ward, const char *cause,
    cJSON *events, int64_t now, struct cutru_err *e)
{
	cJSON *item = feed_item_new(cause, events, NULL);
	char *canon = NULL;
	size_t len;
	int64_t cursor;
	int rc;

	if (item == NULL)
		return oom(e);
	if ((rc = canon_encode(item, &canon, &len, e)) == CUTRU_OK)
		rc = st->ops->feed_append(st, ward, canon, len, now, &cursor,
		    e);
	free(canon);
	cJSON_Delete(item);
	return rc;
}

/* Before applying: the permanent residences that will replace one in
 * another ward. */
static int
find_moves(struct regstore *st, const struct ingest_item *it,
    struct moved *mv, size_t *n, struct cutru_err *e)
{
	const cJSON *ev, *data, *addr;
	const char *type, *kind, *person, *commune, *hn;
	cJSON *state = NULL, *hh = NULL;
	struct cutru_err sub;
	char ward[REG_WARD_LEN + 1];
	int rc;

	*n = 0;
	cJSON_ArrayForEach(ev, it->cs.events) {
		type = str_of(ev, "type");
		data = cJSON_GetObjectItemCaseSensitive(ev, "data");
		kind = str_of(data, "kind");
		person = str_of(data, "person");
		addr = cJSON_GetObjectItemCaseSensitive(data, "address");
		commune = str_of(addr, "commune");
		if (type == NULL || strcmp(type, "residence.opened") != 0 ||
		    kind == NULL || strcmp(kind, "permanent") != 0 ||
		    person == NULL || commune == NULL || *n == MOVED_MAX)
			continue;
		rc = st->ops->active_ward(st, person, "permanent", ward, &sub);
		if (rc == CUTRU_ENOTFOUND || (rc == CUTRU_OK &&
		    strcmp(ward, commune) == 0))
			continue;
		if (rc != CUTRU_OK)
			return cutru_err_set(e, rc, NULL, "%s", sub.msg);
		memset(&mv[*n], 0, sizeof mv[*n]);
		mv[*n].event = ev;
		snprintf(mv[*n].person, sizeof mv[*n].person, "%s", person);
		snprintf(mv[*n].old_ward, sizeof mv[*n].old_ward, "%s", ward);
		/* The household the person belongs to now, if it is in the
		 * old ward. */
		if ((rc = st->ops->person_state(st, person, &state, &sub)) !=
		    CUTRU_OK)
			return cutru_err_set(e, rc, NULL, "%s", sub.msg);
		hn = str_of(cJSON_GetObjectItemCaseSensitive(state,
		    "household"), "number");
		if (hn != NULL && st->ops->household_state(st, hn, &hh,
		    &sub) == CUTRU_OK && str_of(hh, "commune") != NULL &&
		    strcmp(str_of(hh, "commune"), ward) == 0)
			snprintf(mv[*n].old_household,
			    sizeof mv[*n].old_household, "%s", hn);
		cJSON_Delete(hh);
		hh = NULL;
		cJSON_Delete(state);
		state = NULL;
		(*n)++;
	}
	return CUTRU_OK;
}

/* After applying: tell each old ward. */
static int
feed_moves(struct regstore *st, const struct moved *mv, size_t n,
    int64_t now, struct cutru_err *e)
{
	cJSON *events = NULL, *data, *ev, *state = NULL;
	const char *hn;
	struct cutru_err sub;
	size_t i;
	int rc = CUTRU_OK;

	for (i = 0; i < n && rc == CUTRU_OK; i++) {
		if ((events = cJSON_CreateArray()) == NULL)
			return oom(e);
		if (mv[i].old_household[0] != '\0') {
			/* Did the person leave it? */
			if ((rc = st->ops->person_state(st, mv[i].person,
			    &state, &sub)) != CUTRU_OK) {
				rc = cutru_err_set(e, rc, NULL, "%s", sub.msg);
				break;
			}
			hn = str_of(cJSON_GetObjectItemCaseSensitive(state,
			    "household"), "number");
			if (hn == NULL || strcmp(hn, mv[i].old_household) != 0) {
				if ((data = cJSON_CreateObject()) == NULL ||
				    cJSON_AddStringToObject(data, "household",
				    mv[i].old_household) == NULL ||
				    cJSON_AddStringToObject(data, "person",
				    mv[i].person) == NULL ||
				    (ev = event_new("household.member_removed",
				    data)) == NULL) {
					rc = oom(e);
					break;
				}
				cJSON_AddItemToArray(events, ev);
			}
			cJSON_Delete(state);
			state = NULL;
		}
		if ((ev = cJSON_Duplicate(mv[i].event, 1)) == NULL) {
			rc = oom(e);
			break;
		}
		cJSON_AddItemToArray(events, ev);
		rc = feed_put(st, mv[i].old_ward,
		    FEED_CAUSE_RESIDENCE_ELSEWHERE, events, now, e);
		events = NULL;
	}
	cJSON_Delete(state);
	cJSON_Delete(events);
	return rc;
}

/* identity.corrected: before applying, the wards (other than this one)
 * where the person has an active residence; after, the population record
 * and the feed. */
static int
corrections(struct regstore *st, const struct ingest_item *it, int64_t now,
    int after, struct cutru_err *e)
{
	static const char *const kinds[] = { "permanent", "temporary",
		"current" };
	const cJSON *ev, *data;
	const char *type, *person, *nid, *name, *dob, *sex;
	struct reg_person rec, nrec;
	struct cutru_err sub;
	char ward[REG_WARD_LEN + 1], sent[3][REG_WARD_LEN + 1];
	cJSON *events, *dup;
	size_t i, j, ns;
	int rc;

	cJSON_ArrayForEach(ev, it->cs.events) {
		type = str_of(ev, "type");
		data = cJSON_GetObjectItemCaseSensitive(ev, "data");
		if (type == NULL || strcmp(type, "identity.corrected") != 0)
			continue;
		person = str_of(data, "person");
		nid = str_of(data, "id_number");
		if (person == NULL)
			continue;
		if (!after) {
			/* Before applying, the residences are found by the
			 * number as recorded. */
			ns = 0;
			for (i = 0; i < 3; i++) {
				rc = st->ops->active_ward(st, person, kinds[i],
				    ward, &sub);
				if (rc == CUTRU_ENOTFOUND)
					continue;
				if (rc != CUTRU_OK)
					return cutru_err_set(e, rc, NULL, "%s",
					    sub.msg);
				if (strcmp(ward, it->cs.ward) == 0)
					continue;
				for (j = 0; j < ns; j++)
					if (strcmp(sent[j], ward) == 0)
						break;
				if (j < ns)
					continue;
				snprintf(sent[ns++], sizeof sent[0], "%s", ward);
				if ((events = cJSON_CreateArray()) == NULL ||
				    (dup = cJSON_Duplicate(ev, 1)) == NULL) {
					cJSON_Delete(events);
					return oom(e);
				}
				cJSON_AddItemToArray(events, dup);
				if ((rc = feed_put(st, ward,
				    FEED_CAUSE_IDENTITY_CORRECTED, events, now,
				    e)) != CUTRU_OK)
					return rc;
			}
			continue;
		}
		/* After: the population record follows the correction. */
		rc = st->ops->population_get(st, person, &rec, &sub);
		if (rc == CUTRU_ENOTFOUND)
			continue;
		if (rc != CUTRU_OK)
			return cutru_err_set(e, rc, NULL, "%s", sub.msg);
		name = str_of(data, "name");
		dob = str_of(data, "dob");
		sex = str_of(data, "sex");
		if (sex == NULL)
			sex = rec.sex == CUTRU_SEX_MALE ? "male" : "female";
		if (population_record(nid != NULL ? nid : rec.id_number,
		    name != NULL ? name : rec.name, dob != NULL ? dob : rec.dob,
		    sex, &nrec, &sub) != CUTRU_OK)
			continue;  /* apply.c accepted it; keep the old record */
		if ((rc = st->ops->population_put(st, &nrec, e)) != CUTRU_OK)
			return rc;
	}
	return CUTRU_OK;
}

/* ------------------------------------------------------------------ */
/* Rule 13: a ward changes only its own records */

/* An event that acts on a residence or a household that is (now) in
 * another ward: the console's copy moved on.  *kind 1 (person, *key its
 * ID number) or 2 (household, *key its number), path the event's field;
 * 0 when every event stays in the ward. */
static int
out_of_ward(struct regstore *st, const struct ingest_item *it, int *kind,
    const char **key, char *path, size_t pathsz, struct cutru_err *e)
{
	const cJSON *ev, *data;
	const char *type, *person, *rkind, *hn, *commune;
	char ward[REG_WARD_LEN + 1];
	struct cutru_err sub;
	cJSON *hh = NULL;
	int i = 0, rc;

	*kind = 0;
	*key = NULL;
	cJSON_ArrayForEach(ev, it->cs.events) {
		type = str_of(ev, "type");
		data = cJSON_GetObjectItemCaseSensitive(ev, "data");
		if (type == NULL)
			goto next;
		if (strcmp(type, "residence.closed") == 0 ||
		    strcmp(type, "residence.extended") == 0) {
			person = str_of(data, "person");
			rkind = str_of(data, "kind");
			if (person == NULL || rkind == NULL)
				goto next;
			rc = st->ops->active_ward(st, person, rkind, ward, &sub);
			if (rc == CUTRU_ENOTFOUND)
				goto next;
			if (rc != CUTRU_OK)
				return cutru_err_set(e, rc, NULL, "%s", sub.msg);
			if (strcmp(ward, it->cs.ward) != 0) {
				*kind = 1;
				*key = person;
				snprintf(path, pathsz, "[%d].data.person", i);
				return CUTRU_OK;
			}
		} else if (strncmp(type, "household.", 10) == 0 &&
		    strcmp(type, "household.created") != 0) {
			if ((hn = str_of(data, "household")) == NULL)
				goto next;
			rc = st->ops->household_state(st, hn, &hh, &sub);
			if (rc == CUTRU_ENOTFOUND)
				goto next;
			if (rc != CUTRU_OK)
				return cutru_err_set(e, rc, NULL, "%s", sub.msg);
			commune = str_of(hh, "commune");
			if (commune != NULL && strcmp(commune, it->cs.ward) != 0) {
				cJSON_Delete(hh);
				*kind = 2;
				*key = hn;
				snprintf(path, pathsz, "[%d].data.household", i);
				return CUTRU_OK;
			}
			cJSON_Delete(hh);
			hh = NULL;
		}
next:
		i++;
	}
	return CUTRU_OK;
}

/* ------------------------------------------------------------------ */
/* Phase 2 */

/* A receipt's field for a path into the events ("[2].data.to"): the path
 * into the change set ("approval.events[2].data.to"); NULL for none. */
static const char *
ev_field(char *out, size_t n, const char *rel)
{
	if (rel == NULL || rel[0] == '\0')
		return NULL;
	if (rel[0] != '[')
		return rel;
	snprintf(out, n, "approval.events%.*s", (int)(n > 16 ? n - 16 : 0),
	    rel);
	return out;
}

/* Rules 8-14 for a change set at head+1.  On return r holds the verdict
 * (accepted, or rejected with its reason and maybe "current"); the
 * register holds the applied events only when accepted. */
static int
judge(struct regstore *st, const struct regkeys *k, struct ingest_item *it,
    struct receipt *r, int64_t now, struct cutru_err *e)
{
	struct reg_officer off;
	struct cutru_err sub;
	struct apply_ctx ctx;
	struct moved mv[MOVED_MAX];
	char field[CUTRU_ERR_FIELD_MAX], path[CUTRU_ERR_FIELD_MAX], at[32],
	    where[CUTRU_ERR_FIELD_MAX];
	const char *msg = NULL, *key = NULL;
	enum sync_reason why;
	size_t nmv = 0;
	int rc, kind;
	struct tm tm;
	time_t t;

	r->status = RECEIPT_REJECTED;
	/* 8 */
	if (strcmp(it->cs.ward, it->dev.ward) != 0)
		return receipt_add_reason(r, SYNC_R_WRONG_WARD, "ward", e,
		    "The change set is for another ward than the one this device is enrolled for.");
	/* 9: read again, in the transaction */
	rc = st->ops->officer_lookup(st, it->cs.supervisor_key, it->cs.ward,
	    &off, &sub);
	if (rc == CUTRU_ENOTFOUND)
		return receipt_add_reason(r, SYNC_R_UNKNOWN_SUPERVISOR,
		    "supervisor_key", e,
		    "The approving supervisor's key is not registered at the registry.");
	if (rc == CUTRU_EPERM)
		return receipt_add_reason(r,
		    SYNC_R_SUPERVISOR_NOT_AUTHORISED, "supervisor_key", e,
		    "The approving supervisor is registered for another ward.");
	if (rc != CUTRU_OK)
		return cutru_err_set(e, rc, NULL, "%s", sub.msg);
	if (!off.active || strcmp(off.role, "supervisor") != 0 ||
	    strcmp(off.login, it->cs.supervisor) != 0)
		return receipt_add_reason(r,
		    SYNC_R_SUPERVISOR_NOT_AUTHORISED, "approval.supervisor", e,
		    !off.active ?
		    "The approving supervisor's registration is no longer active." :
		    strcmp(off.role, "supervisor") != 0 ?
		    "The approving officer is not registered as a supervisor." :
		    "The approval names another login than the one registered with the supervisor's key.");
	/* 10: verified in phase 1 with the key read then; a key replaced
	 * since is verified again. */
	if (sodium_memcmp(off.sign_pk, it->officer.sign_pk, REG_KEY_BYTES) !=
	    0 || it->officer_rc == CUTRU_ENOTFOUND)
		it->supervisor_sig_ok = changeset_verify_supervisor(&it->cs,
		    off.sign_pk, &why, &sub) == CUTRU_OK;
	if (!it->supervisor_sig_ok)
		return receipt_add_reason(r, SYNC_R_BAD_SUPERVISOR_SIGNATURE,
		    "approval_sig", e,
		    "The supervisor's signature over the approval does not verify.");
	/* 11: checked in phase 1 */
	if (!it->events_ok)
		return receipt_add_reason(r, SYNC_R_INVALID_EVENTS,
		    ev_field(where, sizeof where, it->events_field), e,
		    "An event of the change set is not valid.");
	/* 12 */
	rc = check_identities(st, it->cs.events, field, sizeof field, &msg, e);
	if (rc == CUTRU_ECONFLICT)
		return receipt_add_reason(r, SYNC_R_IDENTITY_MISMATCH,
		    ev_field(where, sizeof where, field), e, "%s", msg);
	if (rc != CUTRU_OK)
		return rc;
	/* 13, 14 */
	memset(&ctx, 0, sizeof ctx);
	if (date_parse(it->cs.decided, NULL, &ctx.date, &sub) != CUTRU_OK ||
	    ctx.date.prec != CUTRU_DATE_DAY)
		return receipt_add_reason(r, SYNC_R_INVALID_EVENTS,
		    "approval.decided", e,
		    "The approval's date is not a valid date.");
	t = (time_t)now;
	gmtime_r(&t, &tm);
	strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
	ctx.actor = ACTOR;
	ctx.at = at;
	if ((rc = out_of_ward(st, it, &kind, &key, path, sizeof path, e)) !=
	    CUTRU_OK)
		return rc;
	if (kind != 0) {
		snprintf(sub.field, sizeof sub.field, "%s", path);
		goto refused;
	}
	if ((rc = find_moves(st, it, mv, &nmv, e)) != CUTRU_OK ||
	    (rc = corrections(st, it, now, 0, e)) != CUTRU_OK)
		return rc;
	rc = st->ops->apply(st, it->cs.events, &ctx, &sub);
	if (rc == CUTRU_EINVAL || rc == CUTRU_ERANGE)
		return receipt_add_reason(r, SYNC_R_INVALID_EVENTS,
		    ev_field(where, sizeof where, sub.field), e,
		    "An event of the change set cannot be applied as written.");
	if (rc == CUTRU_ENOTFOUND || rc == CUTRU_ECONFLICT) {
		kind = refused_record(it->cs.events, sub.field, &key);
refused:
		if (kind == 1) {
			rc = current_state(st, k, it, key, now, &r->current,
			    &r->current_len, e);
			if (rc != CUTRU_OK)
				return rc;
			if (r->current != NULL)
				return receipt_add_reason(r,
				    SYNC_R_STALE_RECORD,
				    ev_field(where, sizeof where, sub.field), e,
				    "The person's record at the registry has moved on since the dossier was prepared; the current state is attached.");
		}
		return receipt_add_reason(r, SYNC_R_REGISTER_CONFLICT,
		    ev_field(where, sizeof where, sub.field), e,
		    kind == 2 ?
		    "The household's record at the registry does not allow this change (it may belong to another ward now)." :
		    "The change contradicts the register at the registry.");
	}
	if (rc != CUTRU_OK)
		return cutru_err_set(e, rc, NULL, "%s", sub.msg);
	if ((rc = feed_moves(st, mv, nmv, now, e)) != CUTRU_OK ||
	    (rc = corrections(st, it, now, 1, e)) != CUTRU_OK)
		return rc;
	r->status = RECEIPT_ACCEPTED;
	return CUTRU_OK;
}

/* Rules 8-14 and the log, for a change set that takes the next place. */
static int
take_place(struct regstore *st, const struct regkeys *k,
    struct ingest_item *it, int64_t now, struct cutru_err *e)
{
	struct reg_changeset c;
	struct receipt r;
	int rc;

	receipt_for(&r, it, now);
	if ((rc = st->ops->savepoint(st, e)) != CUTRU_OK)
		goto done;
	rc = judge(st, k, it, &r, now, e);
	if (rc == CUTRU_OK && r.status != RECEIPT_ACCEPTED) {
		/* Nothing of a rejected change set stays in the register. */
		st->ops->rollback_to(st);
		rc = st->ops->savepoint(st, e);
	}
	if (rc != CUTRU_OK) {
		st->ops->rollback_to(st);
		goto done;
	}
	if ((rc = finish(it, &r, k, e)) != CUTRU_OK) {
		st->ops->rollback_to(st);
		goto done;
	}
	memset(&c, 0, sizeof c);
	snprintf(c.device, sizeof c.device, "%s", it->cs.device);
	c.seq = it->cs.seq;
	memcpy(c.hash, it->cs.hash, HASH_LEN);
	c.accepted = r.status == RECEIPT_ACCEPTED;
	c.received = now;
	c.receipt = it->receipt;
	c.receipt_len = it->receipt_len;
	if ((rc = st->ops->changeset_add(st, &c, e)) != CUTRU_OK ||
	    (rc = st->ops->device_set_head(st, it->cs.device, it->cs.seq,
	    it->cs.hash, e)) != CUTRU_OK ||
	    (rc = st->ops->release(st, e)) != CUTRU_OK) {
		st->ops->rollback_to(st);
		goto done;
	}
done:
	receipt_free(&r);
	return rc;
}

/* Rules 2-14 for an opened item, without releasing held change sets.
 * *placed is set when the item took the next place in its chain. */
static int
decide_one(struct regstore *st, const struct regkeys *k,
    struct ingest_item *it, int64_t now, int *placed, struct cutru_err *e)
{
	struct reg_changeset logged;
	struct cutru_err sub;
	unsigned char held_hash[HASH_LEN], *held = NULL;
	char msg[160];
	size_t held_len;
	int rc;

	*placed = 0;
	it->replay = 0;
	/* 1 */
	if (!it->opened)
		return refuse(it, k, now, RECEIPT_REJECTED, it->open_why,
		    it->open_field, open_message(it->open_why), e);
	/* 2: read again in the transaction (the device may be new) */
	rc = st->ops->device_get(st, it->cs.device, &it->dev, &sub);
	if (rc == CUTRU_ENOTFOUND)
		return refuse(it, k, now, RECEIPT_REJECTED,
		    SYNC_R_UNKNOWN_DEVICE, "device",
		    "The device is not enrolled at this registry.", e);
	if (rc != CUTRU_OK)
		return cutru_err_set(e, rc, NULL, "%s", sub.msg);
	/* 3: a device enrolled since phase 1 is verified now */
	if (!it->device_known) {
		enum sync_reason why;

		it->device_known = 1;
		it->device_sig_ok = changeset_verify_device(&it->cs,
		    it->dev.sign_pk, &why, &sub) == CUTRU_OK;
	}
	if (!it->device_sig_ok)
		return refuse(it, k, now, RECEIPT_REJECTED,
		    SYNC_R_BAD_DEVICE_SIGNATURE, "device",
		    "The device's signature over the change set does not verify.",
		    e);
	/* 4 */
	rc = st->ops->changeset_get(st, it->cs.device, it->cs.seq, &logged,
	    &sub);
	if (rc == CUTRU_OK) {
		if (sodium_memcmp(logged.hash, it->cs.hash, HASH_LEN) == 0) {
			free(it->receipt);
			it->receipt = logged.receipt;
			it->receipt_len = logged.receipt_len;
			it->status = logged.accepted ? RECEIPT_ACCEPTED :
			    RECEIPT_REJECTED;
			it->reason = SYNC_R_NONE;
			it->replay = 1;
			logged.receipt = NULL;
			return CUTRU_OK;
		}
		regstore_changeset_clear(&logged);
		if ((rc = st->ops->flag_add(st, it->cs.device, it->cs.seq,
		    "fork", it->cs.hash, now, e)) != CUTRU_OK)
			return rc;
		return refuse(it, k, now, RECEIPT_REJECTED, SYNC_R_FORK, "seq",
		    "The registry holds another change set with this device's sequence number.",
		    e);
	}
	if (rc != CUTRU_ENOTFOUND)
		return cutru_err_set(e, rc, NULL, "%s", sub.msg);
	/* 5 */
	if (it->dev.revoked != 0)
		return refuse(it, k, now, RECEIPT_REJECTED,
		    SYNC_R_REVOKED_DEVICE, "device",
		    "The device's enrollment has been revoked.", e);
	/* 6 */
	if (it->cs.seq > it->dev.head_seq + 1) {
		rc = st->ops->held_get(st, it->cs.device, it->cs.seq, held_hash,
		    &held, &held_len, &sub);
		free(held);
		if (rc == CUTRU_OK && sodium_memcmp(held_hash, it->cs.hash,
		    HASH_LEN) != 0) {
			if ((rc = st->ops->flag_add(st, it->cs.device,
			    it->cs.seq, "fork", it->cs.hash, now, e)) !=
			    CUTRU_OK)
				return rc;
			return refuse(it, k, now, RECEIPT_REJECTED,
			    SYNC_R_FORK, "seq",
			    "The registry holds another change set with this device's sequence number.",
			    e);
		}
		/* Beyond HELD_MAX waiting change sets the answer is the same
		 * but nothing more is kept: a held change set is not final,
		 * the console sends it again, and a device cannot fill the
		 * registry's disk with numbers far ahead. */
		if (rc == CUTRU_ENOTFOUND && it->dev.held < HELD_MAX &&
		    (rc = st->ops->held_put(st, it->cs.device, it->cs.seq,
		    it->cs.hash, it->sealed, it->len, now, e)) != CUTRU_OK)
			return rc;
		if (rc == CUTRU_ENOTFOUND)
			rc = CUTRU_OK;
		if (rc != CUTRU_OK)
			return cutru_err_set(e, rc, NULL, "%s", sub.msg);
		snprintf(msg, sizeof msg,
		    "Change set %lld of this device has not arrived; this one is held until it does.",
		    (long long)(it->dev.head_seq + 1));
		return refuse(it, k, now, RECEIPT_HELD, SYNC_R_GAP, "seq", msg,
		    e);
	}
	/* 7 */
	if (it->cs.seq <= it->dev.head_seq ||
	    sodium_memcmp(it->cs.prev, it->dev.head_hash, HASH_LEN) != 0) {
		if ((rc = st->ops->flag_add(st, it->cs.device, it->cs.seq,
		    "chain", it->cs.hash, now, e)) != CUTRU_OK)
			return rc;
		return refuse(it, k, now, RECEIPT_REJECTED, SYNC_R_FORK, "prev",
		    "The change set does not continue this device's chain (its previous hash is not the last one the registry took).",
		    e);
	}
	/* 8-14 */
	if ((rc = take_place(st, k, it, now, e)) != CUTRU_OK)
		return rc;
	*placed = 1;
	return CUTRU_OK;
}

/* Take the change sets held after seq, in order, while they follow. */
static int
release_held(struct regstore *st, const struct regkeys *k,
    const char *device, int64_t seq, int64_t now, struct cutru_err *e)
{
	unsigned char hash[HASH_LEN], *sealed = NULL;
	struct ingest_item h;
	struct cutru_err sub;
	size_t len;
	int rc, placed = 1;

	while (placed) {
		rc = st->ops->held_get(st, device, seq + 1, hash, &sealed, &len,
		    &sub);
		if (rc == CUTRU_ENOTFOUND)
			return CUTRU_OK;
		if (rc != CUTRU_OK)
			return cutru_err_set(e, rc, NULL, "%s", sub.msg);
		if ((rc = st->ops->held_delete(st, device, seq + 1, e)) !=
		    CUTRU_OK) {
			free(sealed);
			return rc;
		}
		ingest_item_init(&h, sealed, len);
		rc = ingest_open(st, k, &h, e);
		if (rc == CUTRU_OK)
			rc = decide_one(st, k, &h, now, &placed, e);
		ingest_item_free(&h);
		free(sealed);
		sealed = NULL;
		if (rc != CUTRU_OK)
			return rc;
		seq++;
	}
	return CUTRU_OK;
}

int
ingest_decide(struct regstore *st, const struct regkeys *k,
    struct ingest_item *it, int64_t now, struct cutru_err *e)
{
	int rc, placed = 0;

	rc = decide_one(st, k, it, now, &placed, e);
	if (rc == CUTRU_OK && placed)
		rc = release_held(st, k, it->cs.device, it->cs.seq, now, e);
	if (rc != CUTRU_OK) {
		free(it->receipt);
		it->receipt = NULL;
		it->receipt_len = 0;
	}
	return rc;
}

int
ingest_batch(struct regstore *rd, struct regstore *wr, const struct regkeys *k,
    struct ingest_item *items, size_t n, int64_t now, struct cutru_err *e)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = ingest_open(rd, k, &items[i], e)) != CUTRU_OK)
			return rc;
	if ((rc = wr->ops->begin(wr, e)) != CUTRU_OK)
		return rc;
	for (i = 0; i < n && rc == CUTRU_OK; i++)
		rc = ingest_decide(wr, k, &items[i], now, e);
	if (rc == CUTRU_OK)
		rc = wr->ops->commit(wr, e);
	else
		wr->ops->rollback(wr);
	if (rc != CUTRU_OK)
		for (i = 0; i < n; i++) {
			free(items[i].receipt);
			items[i].receipt = NULL;
			items[i].receipt_len = 0;
		}
	return rc;
}

const char *
ingest_batch_device(const struct ingest_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (items[i].opened && items[i].device_known &&
		    items[i].device_sig_ok)
			return items[i].cs.device;
	return NULL;
}
