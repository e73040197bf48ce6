#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "core/date.h"
#include "core/event.h"
#include "core/field.h"
#include "core/i18n.h"
#include "core/procedure.h"
#include "tui/cli.h"
#include "tui/format.h"

void
format_date(const struct cutru_date *d, char *buf)
{
	buf[0] = '\0';
	if (d == NULL || d->prec == CUTRU_DATE_NONE)
		return;
	if (date_format_iso(d, buf, DATE_FMT_MAX) != CUTRU_OK)
		buf[0] = '\0';
}

const char *
format_sex(enum cutru_sex sex)
{
	switch (sex) {
	case CUTRU_SEX_MALE:
		return "male";
	case CUTRU_SEX_FEMALE:
		return "female";
	default:
		return "";
	}
}

const char *
format_state(enum search_state state)
{
	switch (state) {
	case SEARCH_STATE_PERMANENT:
		return "permanent";
	case SEARCH_STATE_TEMPORARY:
		return "temporary";
	case SEARCH_STATE_CURRENT:
		return "current";
	default:
		return "none";
	}
}

/* The word for people of a residence state. */
static const char *
state_label(enum search_state state)
{
	switch (state) {
	case SEARCH_STATE_PERMANENT:
		return _("permanent residence");
	case SEARCH_STATE_TEMPORARY:
		return _("temporary residence");
	case SEARCH_STATE_CURRENT:
		return _("declared place of living");
	default:
		return _("no residence here");
	}
}

static const char *
sex_label(enum cutru_sex sex)
{
	switch (sex) {
	case CUTRU_SEX_MALE:
		return _("male");
	case CUTRU_SEX_FEMALE:
		return _("female");
	default:
		return _("sex unknown");
	}
}

/* A string member, or null when s is "" or NULL. */
static int
add_opt_string(cJSON *o, const char *key, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return cJSON_AddNullToObject(o, key) != NULL;
	return cJSON_AddStringToObject(o, key, s) != NULL;
}

static const char *
session_word(enum holiday_session s)
{
	return s == HOLIDAY_AFTERNOON ? "afternoon" : "morning";
}

cJSON *
format_dossier_json(const struct dossier *d, int full)
{
	cJSON *o, *a, *x;
	char hex[DOSSIER_SIGNATURE_BYTES * 2 + 1];

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddStringToObject(o, "number", d->number) == NULL ||
	    cJSON_AddStringToObject(o, "procedure", d->procedure) == NULL ||
	    cJSON_AddStringToObject(o, "state", d->state) == NULL ||
	    cJSON_AddStringToObject(o, "received", d->received) == NULL ||
	    cJSON_AddStringToObject(o, "due", d->due) == NULL ||
	    cJSON_AddStringToObject(o, "due_session",
	    session_word(d->due_session)) == NULL ||
	    cJSON_AddBoolToObject(o, "due_provisional",
	    d->due_provisional) == NULL)
		goto fail;
	if ((a = cJSON_AddObjectToObject(o, "applicant")) == NULL ||
	    !add_opt_string(a, "id_number", d->applicant_id) ||
	    !add_opt_string(a, "name", d->applicant_name))
		goto fail;
	if (cJSON_AddStringToObject(o, "officer", d->officer) == NULL ||
	    !add_opt_string(o, "supervisor", d->supervisor) ||
	    !add_opt_string(o, "decided", d->decided) ||
	    !add_opt_string(o, "reason", d->reason))
		goto fail;
	if (!full)
		return o;
	x = d->request != NULL ? cJSON_Duplicate(d->request, 1) :
	    cJSON_CreateNull();
	if (x == NULL || !cJSON_AddItemToObject(o, "request", x)) {
		cJSON_Delete(x);
		goto fail;
	}
	x = d->events != NULL ? cJSON_Duplicate(d->events, 1) :
	    cJSON_CreateNull();
	if (x == NULL || !cJSON_AddItemToObject(o, "events", x)) {
		cJSON_Delete(x);
		goto fail;
	}
	if (!add_opt_string(o, "events_as_of", d->events_as_of))
		goto fail;
	if (d->events_problem.code != CUTRU_OK) {
		if ((x = cJSON_AddObjectToObject(o, "events_problem")) == NULL ||
		    cJSON_AddStringToObject(x, "field",
		    d->events_problem.field) == NULL ||
		    cJSON_AddStringToObject(x, "message",
		    d->events_problem.msg) == NULL)
			goto fail;
	} else if (cJSON_AddNullToObject(o, "events_problem") == NULL)
		goto fail;
	if (d->has_signature) {
		sodium_bin2hex(hex, sizeof hex, d->signature,
		    DOSSIER_SIGNATURE_BYTES);
		if (cJSON_AddStringToObject(o, "signature", hex) == NULL)
			goto fail;
	} else if (cJSON_AddNullToObject(o, "signature") == NULL)
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/* Print a JSON value indented under a heading. */
static void
print_json_block(FILE *f, const char *heading, const cJSON *v)
{
	char *text, *line, *next;

	if (v == NULL)
		return;
	if ((text = cJSON_Print(v)) == NULL)
		return;
	fprintf(f, "%s\n", heading);
	for (line = text; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		fprintf(f, "    %s\n", line);
	}
	cJSON_free(text);
}

void
format_dossier_text(FILE *f, const struct dossier *d, int full)
{
	const struct procedure *p = procedure_find(d->procedure);
	const char *title = p != NULL ? p->name_vi : d->procedure;
	const char *when = d->due_session == HOLIDAY_AFTERNOON ?
	    _("afternoon") : _("morning");

	if (!full) {
		/* TRANSLATORS: one dossier in a list: number, state,
		 * procedure id, due date and session, applicant's ID number
		 * and name. */
		fprintf(f, _("%-14s %-9s %-19s due %s (%s)  %s %s\n"),
		    d->number, d->state, d->procedure, d->due, when,
		    d->applicant_id,
		    d->applicant_name != NULL ? d->applicant_name : "");
		return;
	}
	fprintf(f, _("Dossier:     %s\n"), d->number);
	fprintf(f, _("Procedure:   %s (%s)\n"), title, d->procedure);
	fprintf(f, _("State:       %s\n"), d->state);
	fprintf(f, _("Applicant:   %s %s\n"), d->applicant_id,
	    d->applicant_name != NULL ? d->applicant_name : "");
	fprintf(f, _("Received:    %s by %s\n"), d->received, d->officer);
	fprintf(f, _("Due:         %s (%s)%s\n"), d->due, when,
	    d->due_provisional ? _(", provisional: the holiday calendar "
	    "does not cover these dates yet") : "");
	if (d->supervisor[0] != '\0')
		fprintf(f, _("Decided:     %s by %s\n"), d->decided,
		    d->supervisor);
	if (d->reason != NULL && d->reason[0] != '\0')
		fprintf(f, _("Reason:      %s\n"), d->reason);
	if (d->has_signature)
		fprintf(f, "%s\n", _("Signed:      yes"));
	print_json_block(f, _("Request:"), d->request);
	if (d->events_as_of[0] != '\0') {
		char heading[128];

		snprintf(heading, sizeof heading,
		    _("Events (as of %s):"), d->events_as_of);
		print_json_block(f, heading, d->events);
	} else
		print_json_block(f, _("Events:"), d->events);
	if (d->events_problem.code != CUTRU_OK)
		fprintf(f, _("Approval would be refused today: %s\n"),
		    d->events_problem.msg);
}

cJSON *
format_person_json(const struct search_result *r)
{
	char dob[DATE_FMT_MAX];
	cJSON *o, *res;

	format_date(&r->dob, dob);
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (!add_opt_string(o, "id_number", r->id_number) ||
	    !add_opt_string(o, "cmnd", r->cmnd) ||
	    cJSON_AddStringToObject(o, "name", r->name) == NULL ||
	    !add_opt_string(o, "dob", dob) ||
	    !add_opt_string(o, "sex", format_sex(r->sex)) ||
	    (res = cJSON_AddObjectToObject(o, "residence")) == NULL ||
	    cJSON_AddStringToObject(res, "state",
	    format_state(r->state)) == NULL ||
	    !add_opt_string(res, "commune", r->commune_code) ||
	    !add_opt_string(res, "detail", r->address)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

void
format_person_text(FILE *f, const struct search_result *r, int full)
{
	char dob[DATE_FMT_MAX];

	format_date(&r->dob, dob);
	if (!full) {
		fprintf(f, "%-12s  %s  %s  %s",
		    r->id_number[0] != '\0' ? r->id_number : r->cmnd,
		    r->name, dob[0] != '\0' ? dob : "?", sex_label(r->sex));
		if (r->state != SEARCH_STATE_NONE)
			fprintf(f, "  %s: %s, %s", state_label(r->state),
			    r->address, r->commune_code);
		fputc('\n', f);
		return;
	}
	fprintf(f, _("Name:        %s\n"), r->name);
	fprintf(f, _("ID number:   %s\n"), r->id_number);
	if (r->cmnd[0] != '\0')
		fprintf(f, _("Old CMND:    %s\n"), r->cmnd);
	fprintf(f, _("Born:        %s\n"), dob[0] != '\0' ? dob : "?");
	fprintf(f, _("Sex:         %s\n"), sex_label(r->sex));
	fprintf(f, _("Residence:   %s\n"), state_label(r->state));
	if (r->state != SEARCH_STATE_NONE)
		fprintf(f, _("Address:     %s (commune %s)\n"), r->address,
		    r->commune_code);
}

cJSON *
format_officer_json(const struct officer_info *o)
{
	cJSON *j;

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddStringToObject(j, "login", o->login) == NULL ||
	    !add_opt_string(j, "name", o->name) ||
	    cJSON_AddStringToObject(j, "role",
	    session_role_id(o->role)) == NULL ||
	    cJSON_AddBoolToObject(j, "disabled", o->disabled) == NULL ||
	    cJSON_AddStringToObject(j, "created", o->created) == NULL) {
		cJSON_Delete(j);
		return NULL;
	}
	/* The public key a registry operator registers for a supervisor
	 * (cutru-registryd officer add --key). */
	if (o->has_sign_pk) {
		char b64[sodium_base64_ENCODED_LEN(KEYRING_SIGN_PK_BYTES,
		    sodium_base64_VARIANT_ORIGINAL)];

		sodium_bin2base64(b64, sizeof b64, o->sign_pk,
		    KEYRING_SIGN_PK_BYTES, sodium_base64_VARIANT_ORIGINAL);
		if (cJSON_AddStringToObject(j, "sign_key", b64) == NULL) {
			cJSON_Delete(j);
			return NULL;
		}
	}
	return j;
}

void
format_officer_text(FILE *f, const struct officer_info *o)
{
	fprintf(f, "%-16s %-10s %s%s\n", o->login, session_role_id(o->role),
	    o->name != NULL ? o->name : "",
	    o->disabled ? _("  (disabled)") : "");
}

int
format_print_dossiers(struct cli *c, struct dossier *list, size_t n)
{
	size_t i;

	if (c->json) {
		cJSON *doc = cJSON_CreateObject(), *arr, *o;

		arr = cJSON_AddArrayToObject(doc, "dossiers");
		for (i = 0; arr != NULL && i < n; i++) {
			if ((o = format_dossier_json(&list[i], 0)) == NULL ||
			    !cJSON_AddItemToArray(arr, o)) {
				cJSON_Delete(o);
				arr = NULL;
			}
		}
		if (arr == NULL) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		return cli_json_print(c, doc);
	}
	for (i = 0; i < n; i++)
		format_dossier_text(stdout, &list[i], 0);
	return CLI_EXIT_OK;
}

/* ---- The register's records (localdb/register.h) ---- */

static enum search_state
kind_state(const char *kind)
{
	if (strcmp(kind, "permanent") == 0)
		return SEARCH_STATE_PERMANENT;
	if (strcmp(kind, "temporary") == 0)
		return SEARCH_STATE_TEMPORARY;
	if (strcmp(kind, "current") == 0)
		return SEARCH_STATE_CURRENT;
	return SEARCH_STATE_NONE;
}

/* The part of the record a search shows too, as search_persons() gives
 * it, so that "show" begins with the very PERSON object of "search". */
static void
person_as_result(const struct register_person *p, struct search_result *r)
{
	memset(r, 0, sizeof *r);
	r->id = p->id;
	snprintf(r->id_number, sizeof r->id_number, "%s", p->id_number);
	snprintf(r->cmnd, sizeof r->cmnd, "%s", p->cmnd);
	snprintf(r->name, sizeof r->name, "%s", p->name);
	r->dob = p->dob;
	r->sex = p->sex;
	r->state = SEARCH_STATE_NONE;
	if (p->shown != NULL) {
		r->state = kind_state(p->shown->kind);
		snprintf(r->commune_code, sizeof r->commune_code, "%s",
		    p->shown->address.commune);
		snprintf(r->address, sizeof r->address, "%s",
		    p->shown->address.detail);
	}
}

static const char *
residence_state_label(const char *state)
{
	if (strcmp(state, "active") == 0)
		return _("active");
	if (strcmp(state, "replaced") == 0)
		return _("replaced");
	if (strcmp(state, "closed") == 0)
		return _("deleted");
	return state;
}

/* The label of id in a closed list of core/event.h, or id itself. */
static const char *
choice_label(const struct field_choice *list, const char *id)
{
	const struct field_choice *c = field_choice_find(list, id);

	return c != NULL ? _(c->label) : id;
}

static const char *
relationship_label(const char *rel)
{
	if (rel == NULL)
		return _("relationship not known");
	if (strcmp(rel, "head") == 0)
		return _("head of household");
	return rel;
}

static cJSON *
address_json(const struct register_address *a)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !add_opt_string(o, "commune", a->commune) ||
	    !add_opt_string(o, "detail", a->detail)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int
add_item(cJSON *o, const char *key, cJSON *item)
{
	if (item == NULL)
		return 0;
	if (!cJSON_AddItemToObject(o, key, item)) {
		cJSON_Delete(item);
		return 0;
	}
	return 1;
}

static int
add_to_array(cJSON *arr, cJSON *item)
{
	if (item == NULL)
		return 0;
	if (!cJSON_AddItemToArray(arr, item)) {
		cJSON_Delete(item);
		return 0;
	}
	return 1;
}

static cJSON *
residence_json(const struct register_residence *r)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || cJSON_AddStringToObject(o, "kind", r->kind) == NULL ||
	    cJSON_AddStringToObject(o, "state", r->state) == NULL ||
	    !add_opt_string(o, "from", r->from) ||
	    !add_opt_string(o, "to", r->to) ||
	    !add_opt_string(o, "ended", r->ended) ||
	    !add_opt_string(o, "ground", r->ground) ||
	    !add_opt_string(o, "event_date", r->event_date) ||
	    !add_opt_string(o, "document_ref", r->document_ref) ||
	    !add_item(o, "address", address_json(&r->address)) ||
	    !add_opt_string(o, "household", r->household) ||
	    !add_opt_string(o, "dossier", r->dossier) ||
	    !add_opt_string(o, "closed_dossier", r->closed_dossier)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
household_link_json(const struct register_membership *m)
{
	cJSON *o, *h;

	if (m == NULL)
		return cJSON_CreateNull();
	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "number", m->household) == NULL ||
	    !add_opt_string(o, "relationship", m->relationship) ||
	    !add_opt_string(o, "since", m->since) ||
	    !add_item(o, "address", address_json(&m->address)) ||
	    (h = cJSON_AddObjectToObject(o, "head")) == NULL ||
	    !add_opt_string(h, "id_number", m->head_id) ||
	    !add_opt_string(h, "name", m->head_name)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
membership_json(const struct register_membership *m)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL ||
	    cJSON_AddStringToObject(o, "household", m->household) == NULL ||
	    !add_opt_string(o, "relationship", m->relationship) ||
	    !add_opt_string(o, "since", m->since) ||
	    !add_opt_string(o, "until", m->until)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
stay_json(const struct register_stay *s)
{
	cJSON *o = cJSON_CreateObject(), *arr, *g;
	size_t i;

	if (o == NULL || !add_item(o, "address", address_json(&s->address)) ||
	    !add_opt_string(o, "from", s->from) ||
	    !add_opt_string(o, "to", s->to) ||
	    !add_opt_string(o, "dossier", s->dossier) ||
	    (arr = cJSON_AddArrayToObject(o, "guests")) == NULL)
		goto fail;
	for (i = 0; i < s->n_guests; i++) {
		const struct register_guest *x = &s->guests[i];

		if ((g = cJSON_CreateObject()) == NULL || !add_to_array(arr, g))
			goto fail;
		if (!add_opt_string(g, "name", x->name) ||
		    !add_opt_string(g, "dob", x->dob) ||
		    !add_opt_string(g, "sex", format_sex(x->sex)) ||
		    !add_opt_string(g, "id_number", x->id_number) ||
		    !add_opt_string(g, "passport", x->passport) ||
		    !add_opt_string(g, "nationality", x->nationality))
			goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *
absence_json(const struct register_absence *a)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !add_opt_string(o, "from", a->from) ||
	    !add_opt_string(o, "to", a->to) ||
	    !add_opt_string(o, "case", a->case_id) ||
	    !add_opt_string(o, "destination", a->destination) ||
	    !add_opt_string(o, "reason", a->reason) ||
	    !add_opt_string(o, "dossier", a->dossier)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
confirmation_json(const struct register_confirmation *c)
{
	char number[48];
	cJSON *o = cJSON_CreateObject();

	snprintf(number, sizeof number, "%lld/%d/XN", (long long)c->number,
	    c->year);
	if (o == NULL || cJSON_AddStringToObject(o, "number", number) == NULL ||
	    !add_opt_string(o, "issued", c->issued) ||
	    !add_opt_string(o, "valid_until", c->valid_until) ||
	    !add_opt_string(o, "requester", c->requester) ||
	    !add_opt_string(o, "content", c->content) ||
	    !add_opt_string(o, "dossier", c->dossier)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
correction_json(const struct register_correction *c)
{
	cJSON *o = cJSON_CreateObject(), *old;

	if (o == NULL || !add_opt_string(o, "corrected", c->corrected) ||
	    !add_opt_string(o, "document_ref", c->document_ref) ||
	    (old = cJSON_AddObjectToObject(o, "old")) == NULL ||
	    !add_opt_string(old, "id_number", c->old_id_number) ||
	    !add_opt_string(old, "name", c->old_name) ||
	    !add_opt_string(old, "dob", c->old_dob) ||
	    !add_opt_string(old, "sex", c->old_sex < 0 ? NULL :
	    format_sex((enum cutru_sex)c->old_sex)) ||
	    !add_opt_string(o, "dossier", c->dossier)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *
format_register_person_json(const struct register_person *p)
{
	struct search_result r;
	cJSON *o, *arr;
	size_t i;

	person_as_result(p, &r);
	if ((o = format_person_json(&r)) == NULL)
		return NULL;
	if (!add_opt_string(o, "phone", p->phone) ||
	    !add_opt_string(o, "email", p->email) ||
	    !add_item(o, "household", household_link_json(p->household)))
		goto fail;
	if ((arr = cJSON_AddArrayToObject(o, "residences")) == NULL)
		goto fail;
	for (i = 0; i < p->n_residences; i++)
		if (!add_to_array(arr, residence_json(&p->residences[i])))
			goto fail;
	if ((arr = cJSON_AddArrayToObject(o, "memberships")) == NULL)
		goto fail;
	for (i = 0; i < p->n_memberships; i++)
		if (!add_to_array(arr, membership_json(&p->memberships[i])))
			goto fail;
	if ((arr = cJSON_AddArrayToObject(o, "stays")) == NULL)
		goto fail;
	for (i = 0; i < p->n_stays; i++)
		if (!add_to_array(arr, stay_json(&p->stays[i])))
			goto fail;
	if ((arr = cJSON_AddArrayToObject(o, "absences")) == NULL)
		goto fail;
	for (i = 0; i < p->n_absences; i++)
		if (!add_to_array(arr, absence_json(&p->absences[i])))
			goto fail;
	if ((arr = cJSON_AddArrayToObject(o, "confirmations")) == NULL)
		goto fail;
	for (i = 0; i < p->n_confirmations; i++)
		if (!add_to_array(arr,
		    confirmation_json(&p->confirmations[i])))
			goto fail;
	if ((arr = cJSON_AddArrayToObject(o, "corrections")) == NULL)
		goto fail;
	for (i = 0; i < p->n_corrections; i++)
		if (!add_to_array(arr, correction_json(&p->corrections[i])))
			goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static void
residence_text(FILE *f, const struct register_residence *r)
{
	const char *kind = state_label(kind_state(r->kind));
	const struct field_choice *grounds =
	    strcmp(r->kind, "permanent") == 0 ? event_grounds_permanent :
	    event_grounds_temporary;

	if (r->to[0] != '\0')
		fprintf(f, _("  %s (%s), from %s until %s\n"), kind,
		    residence_state_label(r->state), r->from, r->to);
	else
		fprintf(f, _("  %s (%s), from %s\n"), kind,
		    residence_state_label(r->state), r->from);
	fprintf(f, _("      %s (commune %s)\n"), r->address.detail,
	    r->address.commune);
	if (strcmp(r->state, "replaced") == 0)
		fprintf(f, _("      replaced on %s by a later residence\n"),
		    r->ended);
	else if (strcmp(r->state, "closed") == 0)
		fprintf(f, _("      deleted on %s: %s (the ground arose on "
		    "%s)\n"), r->ended, choice_label(grounds, r->ground),
		    r->event_date);
	if (r->document_ref != NULL)
		fprintf(f, _("      document: %s\n"), r->document_ref);
	if (r->household[0] != '\0')
		fprintf(f, _("      household %s\n"), r->household);
	if (r->dossier[0] != '\0')
		fprintf(f, _("      opened by dossier %s\n"), r->dossier);
	if (r->closed_dossier[0] != '\0')
		fprintf(f, _("      deleted by dossier %s\n"),
		    r->closed_dossier);
}

static void
stay_text(FILE *f, const struct register_stay *s)
{
	size_t i;

	fprintf(f, _("  from %s until %s at %s (commune %s)\n"), s->from,
	    s->to, s->address.detail, s->address.commune);
	for (i = 0; i < s->n_guests; i++) {
		const struct register_guest *g = &s->guests[i];
		const char *dob = g->dob[0] != '\0' ? g->dob : "?";

		if (g->id_number[0] != '\0')
			fprintf(f, _("      %s, born %s, ID number %s\n"),
			    g->name, dob, g->id_number);
		else
			fprintf(f, _("      %s, born %s, passport %s (%s)\n"),
			    g->name, dob, g->passport, g->nationality);
	}
	if (s->dossier[0] != '\0')
		fprintf(f, _("      dossier %s\n"), s->dossier);
}

static void
correction_text(FILE *f, const struct register_correction *c)
{
	fprintf(f, _("  on %s, by %s\n"), c->corrected, c->document_ref);
	if (c->old_id_number[0] != '\0')
		fprintf(f, _("      the ID number was %s\n"),
		    c->old_id_number);
	if (c->old_name != NULL)
		fprintf(f, _("      the name was %s\n"), c->old_name);
	if (c->old_dob[0] != '\0')
		fprintf(f, _("      the date of birth was %s\n"), c->old_dob);
	if (c->old_sex >= 0)
		fprintf(f, _("      the sex was %s\n"),
		    sex_label((enum cutru_sex)c->old_sex));
	if (c->dossier[0] != '\0')
		fprintf(f, _("      dossier %s\n"), c->dossier);
}

void
format_register_person_text(FILE *f, const struct register_person *p)
{
	const struct register_membership *m = p->household;
	struct search_result r;
	size_t i;

	person_as_result(p, &r);
	format_person_text(f, &r, 1);
	if (p->phone != NULL)
		fprintf(f, _("Phone:       %s\n"), p->phone);
	if (p->email != NULL)
		fprintf(f, _("E-mail:      %s\n"), p->email);
	if (m != NULL)
		fprintf(f, _("Household:   %s, %s, since %s (head: %s, %s)\n"),
		    m->household, relationship_label(m->relationship),
		    m->since, m->head_name, m->head_id);
	else
		fprintf(f, "%s\n", _("Household:   none"));
	if (p->n_residences > 0)
		fprintf(f, "\n%s\n", _("Residences:"));
	for (i = 0; i < p->n_residences; i++)
		residence_text(f, &p->residences[i]);
	if (p->n_memberships > 0)
		fprintf(f, "\n%s\n", _("Households:"));
	for (i = 0; i < p->n_memberships; i++) {
		m = &p->memberships[i];
		if (m->until[0] == '\0')
			fprintf(f, _("  %s, %s, since %s\n"), m->household,
			    relationship_label(m->relationship), m->since);
		else
			fprintf(f, _("  %s, %s, from %s until %s\n"),
			    m->household, relationship_label(m->relationship),
			    m->since, m->until);
	}
	if (p->n_stays > 0)
		fprintf(f, "\n%s\n", _("Stays hosted:"));
	for (i = 0; i < p->n_stays; i++)
		stay_text(f, &p->stays[i]);
	if (p->n_absences > 0)
		fprintf(f, "\n%s\n", _("Absences:"));
	for (i = 0; i < p->n_absences; i++) {
		const struct register_absence *a = &p->absences[i];

		fprintf(f, _("  from %s until %s, to %s: %s\n"), a->from, a->to,
		    a->destination, a->reason);
		fprintf(f, "      %s\n", choice_label(event_absence_cases,
		    a->case_id));
		if (a->dossier[0] != '\0')
			fprintf(f, _("      dossier %s\n"), a->dossier);
	}
	if (p->n_confirmations > 0)
		fprintf(f, "\n%s\n", _("Confirmations (CT07):"));
	for (i = 0; i < p->n_confirmations; i++) {
		const struct register_confirmation *c = &p->confirmations[i];

		fprintf(f, _("  No. %lld/%d/XN, issued %s, valid until %s, "
		    "requested by %s\n"), (long long)c->number, c->year,
		    c->issued, c->valid_until, c->requester);
		if (c->content != NULL)
			fprintf(f, "      %s\n", c->content);
	}
	if (p->n_corrections > 0)
		fprintf(f, "\n%s\n", _("Corrections:"));
	for (i = 0; i < p->n_corrections; i++)
		correction_text(f, &p->corrections[i]);
}

static cJSON *
member_json(const struct register_member *m, int past)
{
	char dob[DATE_FMT_MAX];
	cJSON *o = cJSON_CreateObject();

	format_date(&m->dob, dob);
	if (o == NULL || !add_opt_string(o, "id_number", m->id_number) ||
	    !add_opt_string(o, "name", m->name) ||
	    !add_opt_string(o, "dob", dob) ||
	    !add_opt_string(o, "sex", format_sex(m->sex)) ||
	    !add_opt_string(o, "relationship", m->relationship) ||
	    !add_opt_string(o, "since", m->since) ||
	    (past && !add_opt_string(o, "until", m->until))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *
format_household_json(const struct register_household *h)
{
	cJSON *o = cJSON_CreateObject(), *arr, *head;
	size_t i;

	if (o == NULL || cJSON_AddStringToObject(o, "number", h->number) ==
	    NULL || !add_item(o, "address", address_json(&h->address)) ||
	    (arr = cJSON_AddArrayToObject(o, "members")) == NULL)
		goto fail;
	for (i = 0; i < h->n_members; i++)
		if (!add_to_array(arr, member_json(&h->members[i], 0)))
			goto fail;
	if ((head = cJSON_AddObjectToObject(o, "head")) == NULL ||
	    !add_opt_string(head, "id_number", h->head_id) ||
	    !add_opt_string(head, "name", h->head_name) ||
	    !add_opt_string(o, "created", h->created) ||
	    !add_opt_string(o, "dissolved", h->dissolved) ||
	    (arr = cJSON_AddArrayToObject(o, "past_members")) == NULL)
		goto fail;
	for (i = 0; i < h->n_past; i++)
		if (!add_to_array(arr, member_json(&h->past[i], 1)))
			goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

void
format_household_text(FILE *f, const struct register_household *h)
{
	char dob[DATE_FMT_MAX];
	size_t i;

	fprintf(f, _("Household:   %s\n"), h->number);
	fprintf(f, _("Address:     %s (commune %s)\n"), h->address.detail,
	    h->address.commune);
	fprintf(f, _("Head:        %s (%s)\n"), h->head_name, h->head_id);
	fprintf(f, _("Created:     %s\n"), h->created);
	if (h->dissolved[0] != '\0')
		fprintf(f, _("Dissolved:   %s (no members left)\n"),
		    h->dissolved);
	for (i = 0; i < h->n_members; i++) {
		const struct register_member *m = &h->members[i];

		format_date(&m->dob, dob);
		fprintf(f, _("  %-12s  %s  %s  %s, since %s\n"), m->id_number,
		    m->name, dob[0] != '\0' ? dob : "?",
		    relationship_label(m->relationship), m->since);
	}
	if (h->n_past > 0)
		fprintf(f, "%s\n", _("Earlier memberships:"));
	for (i = 0; i < h->n_past; i++) {
		const struct register_member *m = &h->past[i];

		format_date(&m->dob, dob);
		fprintf(f, _("    %-12s  %s  %s  %s, from %s until %s\n"),
		    m->id_number, m->name, dob[0] != '\0' ? dob : "?",
		    relationship_label(m->relationship), m->since, m->until);
	}
}

void
format_utc_stamp(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
