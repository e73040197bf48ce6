#include "config.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "core/date.h"
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
