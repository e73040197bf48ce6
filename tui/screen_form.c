#include "config.h"

/* The procedure form: one screen for all eleven procedures, drawn from
 * their tables (core/procedure.h, core/field.h), never written out per
 * procedure.
 *
 * The form is a column of rows made by walking the procedure's schema:
 * a value row per leaf field (text typed, or a choice for sexes,
 * enumerations and yes/no), a heading per object (the applicant, the
 * address, a consent) with its fields indented under it, and for a table
 * (the members moving together) its rows and an action that adds one.
 * Each row carries the field's JSON path ("applicant.dob",
 * "members[1].name"), which is also what the core's errors name, so a
 * refusal lands on the row it is about.
 *
 * As the officer types, the value of the row is checked with
 * field_check(), and the person it belongs to with field_check_object()
 * for the ID number's agreement with sex and date of birth; the message
 * is drawn under the row.  Rules between fields (a consent needed because
 * of the basis, a term too long) are checked on F2 with
 * procedure_validate(); a valid request is shown for review, and Enter
 * there files it with dossier_receive_json().
 *
 * A card scan (core/qr.h) typed into any field of an object that has
 * personal fields fills that object's ID number, name, date of birth and
 * sex; it is taken when the scanner's Enter arrives or when the typing
 * stops.
 *
 * Dates are typed as Vietnamese write them (DD/MM/YYYY; MM/YYYY and YYYY
 * for a partial date of birth) or in ISO form; the request carries ISO.
 *
 * Drafts.  Once something is typed, the form keeps itself in the store as
 * a draft (localdb/draft.h): when a changed field is left (a durable
 * save), when typing pauses (a fast one: see localdb/draft.c), and when
 * the form is closed unfiled (Esc, F10, the idle lock).  So a crash or a
 * power cut loses at most the field being typed.  Filing the dossier
 * deletes the draft; so does F8 pressed twice.  A draft resumed
 * (tui/screen_drafts.c) brings back every value, the rows of its tables
 * and the field the cursor was on. */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/date.h"
#include "core/field.h"
#include "core/holiday.h"
#include "core/i18n.h"
#include "core/procedure.h"
#include "core/qr.h"
#include "core/utf8.h"
#include "localdb/dossier.h"
#include "localdb/register.h"
#include "localdb/search.h"
#include "localdb/session.h"
#include "localdb/draft.h"
#include "tui/console.h"
#include "tui/lang.h"
#include "tui/ui_form.h"
#include "tui/ui_list.h"
#include "tui/ui_screen.h"
#include "tui/ui_term.h"

/* Bytes of a value row: a card scan must fit in any of them. */
#define FORM_VALUE_MAX (QR_LINE_MAX + 16)
/* Rows a table may be given on the form. */
#define FORM_TABLE_ROWS_MAX 20
#define FORM_TABLES_MAX 4
/* Values filled from the register that a household fill may replace. */
#define FORM_FILLED_MAX 24

enum mode {
	MODE_CHOOSE,
	MODE_EDIT,
	MODE_REVIEW
};

enum frow_kind {
	FR_VALUE,
	FR_HEADING,
	FR_ADD_ROW
};

/* What a row of the form is about (ui_item.data). */
struct frow {
	enum frow_kind kind;
	const struct field *f;       /* the leaf; the table for FR_ADD_ROW */
	const struct field *schema;  /* the object's sub-schema the leaf is
	                              * in (NULL at the top) */
	char path[FIELD_PATH_MAX];   /* the leaf's JSON path */
	char object[FIELD_PATH_MAX]; /* its object's path ("" at the top) */
	char label[160];
	struct ui_choice *choices;   /* owned */
};

struct table_rows {
	char path[FIELD_PATH_MAX];
	int n;
};

struct form {
	enum mode mode;
	const struct procedure *p;
	struct ui_list chooser;
	int rows_shown;
	struct ui_form form;
	struct table_rows tables[FORM_TABLES_MAX];
	struct search_result person;  /* to fill the applicant with */
	int has_person;
	struct {                      /* what fill_known() put in a row */
		char path[FIELD_PATH_MAX];
		char value[FORM_VALUE_MAX];
	} filled[FORM_FILLED_MAX];
	char household[FIELD_PATH_MAX]; /* the household last filled from */
	struct cutru_date today;
	/* Review. */
	cJSON *request;
	char **review;
	size_t nreview, capreview, review_top;
	char due[128];
	/* The draft (localdb/draft.h): its id (0 until first saved), what
	 * changed since the last save, F8 asked once. */
	long long draft;
	int dirty;            /* anything, the focus included */
	int value_dirty;      /* a value */
	int confirm_discard;
	unsigned lang_gen;    /* lang_generation() the labels were made in */
};

/* ------------------------------------------------------------ building */

static int *
table_count(struct form *fm, const char *path)
{
	int i;

	for (i = 0; i < FORM_TABLES_MAX; i++)
		if (fm->tables[i].path[0] != '\0' &&
		    strcmp(fm->tables[i].path, path) == 0)
			return &fm->tables[i].n;
	for (i = 0; i < FORM_TABLES_MAX; i++)
		if (fm->tables[i].path[0] == '\0') {
			snprintf(fm->tables[i].path, sizeof fm->tables[i].path,
			    "%s", path);
			fm->tables[i].n = 0;
			return &fm->tables[i].n;
		}
	return NULL;
}

static struct frow *
add_row(struct form *fm, enum frow_kind kind, const struct field *f,
    const struct field *schema, const char *path, const char *object,
    const char *label, int indent)
{
	struct frow *r;
	struct ui_item *it;
	enum ui_item_kind ik;

	r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->kind = kind;
	r->f = f;
	r->schema = schema;
	snprintf(r->path, sizeof r->path, "%s", path);
	snprintf(r->object, sizeof r->object, "%s", object);
	snprintf(r->label, sizeof r->label, "%s", label);
	if (kind == FR_HEADING)
		ik = UI_ITEM_HEADING;
	else if (kind == FR_ADD_ROW)
		ik = UI_ITEM_ACTION;
	else if (f->type == FIELD_ENUM || f->type == FIELD_SEX ||
	    f->type == FIELD_BOOL)
		ik = UI_ITEM_CHOICE;
	else
		ik = UI_ITEM_TEXT;
	it = ui_form_add(&fm->form, ik, r->label, indent, FORM_VALUE_MAX, 0);
	if (it == NULL) {
		free(r);
		return NULL;
	}
	it->data = r;
	it->required = kind == FR_VALUE && (f->flags & FIELD_REQUIRED) != 0;
	if (ik == UI_ITEM_CHOICE) {
		if (f->type == FIELD_BOOL) {
			r->choices = calloc(2, sizeof *r->choices);
			if (r->choices != NULL) {
				r->choices[0].id = "true";
				r->choices[0].label = _("Yes");
				r->choices[1].id = "false";
				r->choices[1].label = _("No");
				it->choices = r->choices;
				it->nchoices = 2;
			}
		} else if (f->choices != NULL) {
			int n = 0, i;

			while (f->choices[n].id != NULL)
				n++;
			r->choices = calloc((size_t)n + 1, sizeof *r->choices);
			if (r->choices != NULL) {
				for (i = 0; i < n; i++) {
					r->choices[i].id = f->choices[i].id;
					r->choices[i].label =
					    _(f->choices[i].label);
				}
				it->choices = r->choices;
				it->nchoices = n;
			}
		}
	}
	return r;
}

static void
walk(struct form *fm, const struct field *schema, const char *prefix,
    int indent)
{
	const struct field *f;
	char path[FIELD_PATH_MAX], rowpath[FIELD_PATH_MAX];
	char label[160];
	int *n, i;

	for (f = schema; f->key != NULL; f++) {
		if (prefix[0] == '\0' && strcmp(f->key, "procedure") == 0)
			continue;
		field_path_key(path, sizeof path, prefix, f->key);
		switch (f->type) {
		case FIELD_OBJECT:
			(void)add_row(fm, FR_HEADING, f, schema, path, prefix,
			    _(f->label), indent);
			walk(fm, f->sub, path, indent + 1);
			break;
		case FIELD_TABLE:
			(void)add_row(fm, FR_HEADING, f, schema, path, prefix,
			    _(f->label), indent);
			n = table_count(fm, path);
			for (i = 0; n != NULL && i < *n; i++) {
				field_path_index(rowpath, sizeof rowpath, path,
				    i);
				snprintf(label, sizeof label, _("Row %d"),
				    i + 1);
				(void)add_row(fm, FR_HEADING, f, schema,
				    rowpath, path, label, indent + 1);
				walk(fm, f->sub, rowpath, indent + 2);
			}
			snprintf(label, sizeof label, _("Add a row: %s"),
			    _(f->label));
			(void)add_row(fm, FR_ADD_ROW, f, schema, path, prefix,
			    label, indent + 1);
			break;
		default:
			(void)add_row(fm, FR_VALUE, f, schema, path, prefix,
			    _(f->label), indent);
			break;
		}
	}
}

static struct frow *
row_of(struct ui_item *it)
{
	return it->data;
}

static struct ui_item *
find_item(struct form *fm, const char *path)
{
	size_t i;

	for (i = 0; i < fm->form.n; i++)
		if (row_of(&fm->form.items[i])->kind == FR_VALUE &&
		    strcmp(row_of(&fm->form.items[i])->path, path) == 0)
			return &fm->form.items[i];
	return NULL;
}

static void
clear_form(struct form *fm)
{
	size_t i;

	for (i = 0; i < fm->form.n; i++) {
		struct frow *r = row_of(&fm->form.items[i]);

		if (r != NULL)
			free(r->choices);
		free(r);
	}
	ui_form_clear(&fm->form);
}

/* Set a row's value as text or, for a choice, by id. */
static void
set_value(struct ui_item *it, const char *value)
{
	int i;

	if (it->kind == UI_ITEM_TEXT) {
		ui_text_set(&it->text, value);
		return;
	}
	it->choice = -1;
	for (i = 0; value != NULL && i < it->nchoices; i++)
		if (strcmp(it->choices[i].id, value) == 0)
			it->choice = i;
}

/* Build the rows again (after a table grew), keeping every value by its
 * path and the focus on the same path. */
static void
rebuild(struct form *fm, const char *focus_path)
{
	struct saved {
		char path[FIELD_PATH_MAX];
		char *text;
		int choice;
		char msg[CUTRU_ERR_MSG_MAX];
		int msg_error;
	} *saved = NULL;
	size_t n = 0, i;
	struct ui_item *it;

	if (fm->form.n > 0)
		saved = calloc(fm->form.n, sizeof *saved);
	for (i = 0; saved != NULL && i < fm->form.n; i++) {
		it = &fm->form.items[i];
		if (row_of(it)->kind != FR_VALUE)
			continue;
		snprintf(saved[n].path, sizeof saved[n].path, "%s",
		    row_of(it)->path);
		saved[n].text = it->kind == UI_ITEM_TEXT ?
		    strdup(ui_text_value(&it->text)) : NULL;
		saved[n].choice = it->choice;
		memcpy(saved[n].msg, it->msg, sizeof saved[n].msg);
		saved[n].msg_error = it->msg_error;
		n++;
	}
	clear_form(fm);
	walk(fm, procedure_common_fields, "", 0);
	walk(fm, fm->p->fields, "", 0);
	for (i = 0; i < n; i++) {
		it = find_item(fm, saved[i].path);
		if (it != NULL) {
			if (it->kind == UI_ITEM_TEXT)
				ui_text_set(&it->text, saved[i].text);
			else
				it->choice = saved[i].choice;
			memcpy(it->msg, saved[i].msg, sizeof it->msg);
			it->msg_error = saved[i].msg_error;
		}
		free(saved[i].text);
	}
	free(saved);
	for (i = 0; focus_path != NULL && i < fm->form.n; i++)
		if (strcmp(row_of(&fm->form.items[i])->path, focus_path) ==
		    0 && fm->form.items[i].kind != UI_ITEM_HEADING) {
			fm->form.focus = i;
			break;
		}
}

/* ------------------------------------------------------------- values */

/* The JSON value of a row, or NULL when it is empty (absent). */
static cJSON *
row_json(const struct frow *r, const struct ui_item *it)
{
	const char *s, *end;
	char buf[FORM_VALUE_MAX + 1], iso[DATE_FMT_MAX];
	struct cutru_date d;
	size_t len;

	if (it->kind == UI_ITEM_CHOICE) {
		if (it->choice < 0 || it->choice >= it->nchoices)
			return NULL;
		if (r->f->type == FIELD_BOOL)
			return cJSON_CreateBool(it->choice == 0);
		return cJSON_CreateString(it->choices[it->choice].id);
	}
	s = ui_text_value(&it->text);
	while (*s == ' ')
		s++;
	len = strlen(s);
	end = s + len;
	while (end > s && end[-1] == ' ')
		end--;
	len = (size_t)(end - s);
	if (len == 0)
		return NULL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	switch (r->f->type) {
	case FIELD_DATE:
	case FIELD_PARTIAL_DATE:
		if (date_parse(buf, NULL, &d, NULL) == CUTRU_OK &&
		    d.prec != CUTRU_DATE_NONE &&
		    date_format_iso(&d, iso, sizeof iso) == CUTRU_OK)
			return cJSON_CreateString(iso);
		return cJSON_CreateString(buf);
	case FIELD_COUNT: {
		char *e = NULL;
		long v;

		if (isdigit((unsigned char)buf[0])) {
			v = strtol(buf, &e, 10);
			if (e != NULL && *e == '\0')
				return cJSON_CreateNumber((double)v);
		}
		return cJSON_CreateString(buf);
	}
	case FIELD_ID_NUMBER: {
		/* Digits may be typed in groups: "001 090 012345". */
		size_t i, o = 0;

		for (i = 0; i < len; i++)
			if (buf[i] != ' ')
				buf[o++] = buf[i];
		buf[o] = '\0';
		return cJSON_CreateString(buf);
	}
	default:
		return cJSON_CreateString(buf);
	}
}

/* Put v at path ("a.b", "members[2].name") in obj, making the objects
 * and arrays on the way.  Takes v (freed on failure). */
static int
set_path(cJSON *obj, const char *path, cJSON *v)
{
	char key[FIELD_PATH_MAX];
	const char *p = path;
	cJSON *cur = obj, *next;
	size_t k;

	for (;;) {
		long idx = -1;

		for (k = 0; *p != '\0' && *p != '.' && *p != '[' &&
		    k + 1 < sizeof key; p++)
			key[k++] = *p;
		key[k] = '\0';
		if (*p == '[') {
			idx = strtol(p + 1, NULL, 10);
			p = strchr(p, ']');
			if (p == NULL || idx < 0 || idx >= FIELD_TABLE_MAX)
				goto fail;
			p++;
		}
		if (*p == '\0' && idx < 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(cur, key);
			cJSON_AddItemToObject(cur, key, v);
			return 0;
		}
		if (idx >= 0) {
			cJSON *arr = cJSON_GetObjectItemCaseSensitive(cur, key);

			if (arr == NULL) {
				arr = cJSON_AddArrayToObject(cur, key);
				if (arr == NULL)
					goto fail;
			}
			while (cJSON_GetArraySize(arr) <= idx)
				cJSON_AddItemToArray(arr, cJSON_CreateObject());
			next = cJSON_GetArrayItem(arr, (int)idx);
		} else {
			next = cJSON_GetObjectItemCaseSensitive(cur, key);
			if (next == NULL)
				next = cJSON_AddObjectToObject(cur, key);
		}
		if (next == NULL || !cJSON_IsObject(next))
			goto fail;
		cur = next;
		if (*p == '.')
			p++;
		if (*p == '\0')
			goto fail;
	}
fail:
	cJSON_Delete(v);
	return -1;
}

/* The request as the form stands: only rows with a value. */
static cJSON *
build_request(struct form *fm, const char *only_object)
{
	cJSON *req, *v;
	size_t i;

	req = cJSON_CreateObject();
	if (req == NULL)
		return NULL;
	if (only_object == NULL)
		cJSON_AddStringToObject(req, "procedure", fm->p->id);
	for (i = 0; i < fm->form.n; i++) {
		struct ui_item *it = &fm->form.items[i];
		struct frow *r = row_of(it);

		if (r->kind != FR_VALUE)
			continue;
		if (only_object != NULL && strcmp(r->object, only_object) != 0)
			continue;
		v = row_json(r, it);
		if (v == NULL)
			continue;
		(void)set_path(req, only_object != NULL ? r->f->key : r->path,
		    v);
	}
	return req;
}

/* ------------------------------------------------------------ checking */

static void
check_row(struct form *fm, struct ui_item *it)
{
	struct frow *r = row_of(it);
	struct field_ctx ctx = { &fm->today, 0 };
	struct cutru_err e;
	struct cutru_date d;
	cJSON *v;

	it->msg[0] = '\0';
	it->msg_error = 0;
	if (r->kind != FR_VALUE)
		return;
	v = row_json(r, it);
	if (v == NULL)
		return;
	cutru_err_clear(&e);
	/* A date that cannot be read is explained by the date parser, which
	 * knows the Vietnamese order the officer typed it in. */
	if ((r->f->type == FIELD_DATE || r->f->type == FIELD_PARTIAL_DATE) &&
	    cJSON_IsString(v) && date_parse(v->valuestring, r->path, &d, &e)
	    != CUTRU_OK) {
		snprintf(it->msg, sizeof it->msg, "%s", e.msg);
		it->msg_error = 1;
	} else if (field_check(r->f, v, &ctx, r->path, &e) != CUTRU_OK) {
		snprintf(it->msg, sizeof it->msg, "%s", e.msg);
		it->msg_error = 1;
	}
	cJSON_Delete(v);
}

/* Check every row of the object at path, then the object's ID number
 * against its sex and date of birth. */
static void
check_object(struct form *fm, const char *object, const struct field *schema)
{
	struct field_ctx ctx = { &fm->today, 0 };
	struct cutru_err e;
	struct ui_item *idit;
	char path[FIELD_PATH_MAX];
	cJSON *obj;
	size_t i;

	for (i = 0; i < fm->form.n; i++)
		if (row_of(&fm->form.items[i])->kind == FR_VALUE &&
		    strcmp(row_of(&fm->form.items[i])->object, object) == 0)
			check_row(fm, &fm->form.items[i]);
	if (object[0] == '\0' || schema == NULL ||
	    field_find(schema, "id_number") == NULL)
		return;
	field_path_key(path, sizeof path, object, "id_number");
	idit = find_item(fm, path);
	if (idit == NULL || idit->msg[0] != '\0')
		return;
	obj = build_request(fm, object);
	if (obj == NULL)
		return;
	cutru_err_clear(&e);
	if (cJSON_GetObjectItemCaseSensitive(obj, "id_number") != NULL &&
	    field_check_object(schema, obj, &ctx, object, &e) ==
	    CUTRU_ECONFLICT) {
		snprintf(idit->msg, sizeof idit->msg, "%s", e.msg);
		idit->msg_error = 1;
	}
	cJSON_Delete(obj);
}

/* Put an error of the core on the row it names (or the nearest one
 * inside what it names), focus that row, and say it on the status line. */
static void
show_error(struct console *c, struct form *fm, const struct cutru_err *e)
{
	size_t i, plen = strlen(e->field);
	struct ui_item *it = NULL;

	if (plen > 0) {
		it = find_item(fm, e->field);
		for (i = 0; it == NULL && i < fm->form.n; i++) {
			const char *p = row_of(&fm->form.items[i])->path;

			if (fm->form.items[i].kind != UI_ITEM_HEADING &&
			    strncmp(p, e->field, plen) == 0 &&
			    (p[plen] == '.' || p[plen] == '['))
				it = &fm->form.items[i];
		}
	}
	if (it != NULL) {
		snprintf(it->msg, sizeof it->msg, "%s", e->msg);
		it->msg_error = 1;
		fm->form.focus = (size_t)(it - fm->form.items);
	}
	console_error(c, e);
}

/* ------------------------------------------------------------- card scan */

/* If the focused row holds a card scan, fill its object's personal
 * fields from the card.  1 if it did. */
static int
take_scan(struct console *c, struct form *fm)
{
	struct ui_item *it = ui_form_focused(&fm->form), *t;
	struct frow *r;
	struct qr_card card;
	struct cutru_err e;
	char path[FIELD_PATH_MAX], dob[DATE_FMT_MAX];
	int rc;

	if (it == NULL || it->kind != UI_ITEM_TEXT)
		return 0;
	r = row_of(it);
	if (r->kind != FR_VALUE ||
	    !qr_looks_like_scan(ui_text_value(&it->text), UTF8_NTS))
		return 0;
	if (r->schema == NULL || field_find(r->schema, "id_number") == NULL) {
		ui_text_clear(&it->text);
		ui_status(&c->ui, 1, "%s", _("An ID card was scanned into a "
		    "field that is not about a person; scan it into the "
		    "person's ID number or name."));
		return 1;
	}
	cutru_err_clear(&e);
	rc = qr_parse(ui_text_value(&it->text), UTF8_NTS, &card, &e);
	ui_text_clear(&it->text);
	if (rc != CUTRU_OK && rc != CUTRU_ECONFLICT) {
		console_error(c, &e);
		return 1;
	}
	if ((t = (field_path_key(path, sizeof path, r->object, "id_number"),
	    find_item(fm, path))) != NULL)
		set_value(t, card.id_number);
	if ((t = (field_path_key(path, sizeof path, r->object, "name"),
	    find_item(fm, path))) != NULL)
		set_value(t, card.name);
	if ((t = (field_path_key(path, sizeof path, r->object, "dob"),
	    find_item(fm, path))) != NULL) {
		console_date(&card.dob, dob);
		set_value(t, dob);
	}
	if ((t = (field_path_key(path, sizeof path, r->object, "sex"),
	    find_item(fm, path))) != NULL)
		set_value(t, card.sex == CUTRU_SEX_FEMALE ? "female" : "male");
	check_object(fm, r->object, r->schema);
	if (rc == CUTRU_ECONFLICT)
		console_error(c, &e);
	else
		ui_status(&c->ui, 0, _("ID card read: %s, %s."), card.name,
		    card.id_number);
	return 1;
}

/* ------------------------------------------------------------- review */

static void
review_add(struct form *fm, int indent, const char *a, const char *b)
{
	char **grown, *s;

	if (fm->nreview == fm->capreview) {
		size_t cap = fm->capreview != 0 ? fm->capreview * 2 : 64;

		grown = realloc(fm->review, cap * sizeof *grown);
		if (grown == NULL)
			return;
		fm->review = grown;
		fm->capreview = cap;
	}
	if (asprintf(&s, "%*s%s%s%s", indent * 2, "", a, b[0] != '\0' ?
	    ": " : "", b) < 0)
		return;
	fm->review[fm->nreview++] = s;
}

static void
review_lines_free(struct form *fm)
{
	size_t i;

	for (i = 0; i < fm->nreview; i++)
		free(fm->review[i]);
	fm->nreview = 0;
	fm->review_top = 0;
}

static void
review_free(struct form *fm)
{
	review_lines_free(fm);
	cJSON_Delete(fm->request);
	fm->request = NULL;
}

static void
make_review(struct form *fm)
{
	struct holiday_due due;
	struct cutru_err e;
	char d[DATE_FMT_MAX];
	size_t i;

	review_lines_free(fm);
	review_add(fm, 0, console_procedure_title(fm->p->id), fm->p->code);
	for (i = 0; i < fm->form.n; i++) {
		struct ui_item *it = &fm->form.items[i];
		struct frow *r = row_of(it);
		cJSON *v;
		char *text;

		if (r->kind == FR_HEADING) {
			review_add(fm, it->indent, it->label, "");
			continue;
		}
		if (r->kind != FR_VALUE)
			continue;
		v = row_json(r, it);
		if (v == NULL)
			continue;
		if (it->kind == UI_ITEM_CHOICE)
			review_add(fm, it->indent, it->label,
			    it->choices[it->choice].label);
		else if (cJSON_IsString(v)) {
			if (r->f->type == FIELD_DATE ||
			    r->f->type == FIELD_PARTIAL_DATE) {
				console_iso_date(v->valuestring, d, sizeof d);
				review_add(fm, it->indent, it->label, d);
			} else
				review_add(fm, it->indent, it->label,
				    v->valuestring);
		} else {
			text = cJSON_PrintUnformatted(v);
			review_add(fm, it->indent, it->label,
			    text != NULL ? text : "");
			cJSON_free(text);
		}
		cJSON_Delete(v);
	}
	fm->due[0] = '\0';
	cutru_err_clear(&e);
	if (procedure_due_date(fm->request, NULL, HOLIDAY_MORNING, &due, &e)
	    == CUTRU_OK) {
		console_date(&due.date, d);
		snprintf(fm->due, sizeof fm->due, _("Due by %s at the latest "
		    "(statutory deadline)."), d);
	}
}

static void draft_forget(struct console *c, struct form *fm);

static void
submit(struct console *c, struct form *fm)
{
	char number[DOSSIER_NUMBER_MAX], path[PRINT_PATH_MAX];
	struct cutru_err e;

	cutru_err_clear(&e);
	if (dossier_receive_json(c->s, fm->request, console_now(), number,
	    &e) != CUTRU_OK) {
		fm->mode = MODE_EDIT;
		show_error(c, fm, &e);
		return;
	}
	/* Filed: the draft has served. */
	draft_forget(c, fm);
	/* The applicant leaves with the receipt: it is written at once. */
	if (console_print_to(c, PRINT_RECEIPT, number, path,
	    sizeof path) == CUTRU_OK)
		ui_status(&c->ui, 0, _("Dossier %s received; its receipt "
		    "(CT04) for the applicant is in %s (and .html)."), number,
		    path);
	else
		ui_status(&c->ui, 1, _("Dossier %s received, but its receipt "
		    "(CT04) could not be written; write it again with: cutru "
		    "print receipt %s"), number, number);
	ui_pop(&c->ui);
}

static void
to_review(struct console *c, struct form *fm)
{
	struct cutru_err e;
	size_t i;

	review_free(fm);
	/* A value that cannot be read is explained as it was typed (a date
	 * in the Vietnamese order), not as the core reads it; this also
	 * clears what an earlier F2 wrote under rows since corrected. */
	for (i = 0; i < fm->form.n; i++)
		check_row(fm, &fm->form.items[i]);
	for (i = 0; i < fm->form.n; i++)
		if (fm->form.items[i].msg_error) {
			fm->form.focus = i;
			ui_status(&c->ui, 1, "%s", fm->form.items[i].msg);
			return;
		}
	fm->request = build_request(fm, NULL);
	if (fm->request == NULL)
		return;
	cutru_err_clear(&e);
	if (procedure_validate(fm->request, &fm->today, &e) != CUTRU_OK) {
		show_error(c, fm, &e);
		return;
	}
	make_review(fm);
	fm->mode = MODE_REVIEW;
}

/* ------------------------------------------------------- ask once */

/* A form never asks for what the register already holds (issue 7 §3):
 * chosen from a person, it starts with the person's own record, and with
 * what the procedure needs from their residences and household; a
 * household number, once typed and left, brings the household's address
 * and head.  Every value so filled stays editable, and the core checks it
 * like a typed one.  Which residence gives the address, per procedure: */
enum fill_address {
	FILL_NONE,       /* a new place: the officer types it */
	FILL_HOUSEHOLD,  /* the person's household (a split) */
	FILL_TEMPORARY,  /* the active temporary residence (its extension) */
	FILL_SHOWN,      /* where the person lives: permanent, else temporary,
	                  * else current */
	FILL_CURRENT     /* an active current residence (a declaration) */
};

static const struct {
	const char *procedure;
	enum fill_address address;
	int from_today;  /* a stay is notified on its first day */
} fill_rules[] = {
	{ "household.split", FILL_HOUSEHOLD, 0 },
	{ "temporary.extend", FILL_TEMPORARY, 0 },
	{ "residence.declare", FILL_CURRENT, 0 },
	{ "stay.notify", FILL_SHOWN, 1 },
	{ "absence.declare", FILL_SHOWN, 0 },
	{ NULL, FILL_NONE, 0 }
};

/* Set the text or choice row at prefix.key; when only_empty, only if it
 * holds nothing or what the last household fill put there. */
static void
fill_row(struct form *fm, const char *prefix, const char *key,
    const char *value, int only_empty)
{
	char path[FIELD_PATH_MAX];
	struct ui_item *it;
	size_t i;

	if (value == NULL || value[0] == '\0')
		return;
	field_path_key(path, sizeof path, prefix, key);
	if ((it = find_item(fm, path)) == NULL)
		return;
	if (only_empty && it->kind == UI_ITEM_TEXT &&
	    ui_text_value(&it->text)[0] != '\0') {
		for (i = 0; i < FORM_FILLED_MAX; i++)
			if (strcmp(fm->filled[i].path, path) == 0 &&
			    strcmp(fm->filled[i].value,
			    ui_text_value(&it->text)) == 0)
				break;
		if (i == FORM_FILLED_MAX)
			return;
	}
	set_value(it, value);
	for (i = 0; i < FORM_FILLED_MAX; i++)
		if (fm->filled[i].path[0] == '\0' ||
		    strcmp(fm->filled[i].path, path) == 0) {
			snprintf(fm->filled[i].path, sizeof fm->filled[i].path,
			    "%s", path);
			snprintf(fm->filled[i].value,
			    sizeof fm->filled[i].value, "%s", value);
			break;
		}
}

static void
fill_address(struct form *fm, const char *prefix,
    const struct register_address *a, int only_empty)
{
	fill_row(fm, prefix, "commune", a->commune, only_empty);
	fill_row(fm, prefix, "detail", a->detail, only_empty);
}

/* The address and head of household number, once the officer has typed
 * it: for the rows still empty.  1 if the household was found. */
static int
fill_household(struct console *c, struct form *fm, const char *number)
{
	struct register_household h;
	struct cutru_err e;

	cutru_err_clear(&e);
	if (number == NULL || number[0] == '\0' ||
	    register_household_show(session_db(c->s), number, &h, &e) !=
	    CUTRU_OK)
		return 0;
	if (h.dissolved[0] == '\0') {
		fill_address(fm, "address", &h.address, 1);
		fill_row(fm, "consents.head", "name", h.head_name, 1);
		fill_row(fm, "consents.head", "id_number", h.head_id, 1);
	}
	register_household_free(&h);
	return 1;
}

static void
fill_person(struct form *fm, const char *prefix,
    const struct register_person *rp)
{
	char dob[DATE_FMT_MAX];

	console_date(&rp->dob, dob);
	fill_row(fm, prefix, "id_number", rp->id_number, 0);
	fill_row(fm, prefix, "name", rp->name, 0);
	fill_row(fm, prefix, "dob", dob, 0);
	fill_row(fm, prefix, "sex", rp->sex == CUTRU_SEX_FEMALE ? "female" :
	    rp->sex == CUTRU_SEX_MALE ? "male" : NULL, 0);
}

/* The residence of this kind that is active, or NULL. */
static const struct register_residence *
active_residence(const struct register_person *rp, const char *kind)
{
	size_t i;

	for (i = 0; i < rp->n_residences; i++)
		if (strcmp(rp->residences[i].kind, kind) == 0 &&
		    strcmp(rp->residences[i].state, "active") == 0)
			return &rp->residences[i];
	return NULL;
}

/* Fill what the register and the store know, after start() for a chosen
 * person: the ward's commune for the address of the residence this ward
 * registers, the first day of a stay, the person's phone and e-mail, the person the procedure is
 * about, their household and its head, the address of the residence the
 * procedure concerns and the end of a temporary term. */
static void
fill_known(struct console *c, struct form *fm)
{
	const struct register_residence *res = NULL;
	const struct field *f;
	struct register_person rp;
	struct cutru_err e;
	char d[DATE_FMT_MAX];
	size_t i;

	memset(fm->filled, 0, sizeof fm->filled);
	for (i = 0; fill_rules[i].procedure != NULL; i++)
		if (strcmp(fill_rules[i].procedure, fm->p->id) == 0)
			break;
	if (!fm->has_person || c->s == NULL)
		return;
	fill_row(fm, "address", "commune", session_ward_code(c->s), 0);
	if (fill_rules[i].from_today) {
		console_date(&fm->today, d);
		fill_row(fm, "", "from", d, 0);
	}
	if (fm->person.id_number[0] == '\0')
		return;
	cutru_err_clear(&e);
	if (register_person_show(session_db(c->s), fm->person.id_number, &rp,
	    &e) != CUTRU_OK)
		return;
	fill_row(fm, "applicant", "phone", rp.phone, 0);
	fill_row(fm, "applicant", "email", rp.email, 0);
	/* Not the person of a correction: with a change of head, the core
	 * refuses one. */
	if ((f = field_find(fm->p->fields, "person")) != NULL &&
	    (f->flags & FIELD_REQUIRED) != 0)
		fill_person(fm, "person", &rp);
	if ((f = field_find(fm->p->fields, "household")) != NULL &&
	    (f->flags & FIELD_REQUIRED) != 0 && rp.household != NULL) {
		fill_row(fm, "", "household", rp.household->household, 0);
		if (fill_household(c, fm, rp.household->household))
			snprintf(fm->household, sizeof fm->household, "%s",
			    rp.household->household);
	}
	switch (fill_rules[i].address) {
	case FILL_TEMPORARY:
		res = active_residence(&rp, "temporary");
		if (res != NULL) {
			console_iso_date(res->to, d, sizeof d);
			fill_row(fm, "", "current_to", d, 0);
		}
		break;
	case FILL_SHOWN:
		res = rp.shown;
		break;
	case FILL_CURRENT:
		res = active_residence(&rp, "current");
		break;
	default:
		break;
	}
	if (res != NULL)
		fill_address(fm, "address", &res->address, 0);
	if (field_find(fm->p->fields, "permanent_address") != NULL &&
	    (res = active_residence(&rp, "permanent")) != NULL)
		fill_address(fm, "permanent_address", &res->address, 0);
	register_person_free(&rp);
}

/* ------------------------------------------------------------- drafts */

/* The form as a draft's fields: {"values": {PATH: TEXT or CHOICE ID},
 * "tables": {PATH: ROWS}, "household": NUMBER}, with only the values that
 * are not empty.  Text is kept as typed (a date as DD/MM/YYYY), so that
 * resuming shows exactly what was on the screen.  malloc'd; NULL when out
 * of memory. */
static char *
draft_text(struct form *fm)
{
	cJSON *root, *values, *tables;
	char *text;
	size_t i;
	int t;

	root = cJSON_CreateObject();
	values = cJSON_AddObjectToObject(root, "values");
	tables = cJSON_AddObjectToObject(root, "tables");
	if (values == NULL || tables == NULL) {
		cJSON_Delete(root);
		return NULL;
	}
	for (i = 0; i < fm->form.n; i++) {
		struct ui_item *it = &fm->form.items[i];
		struct frow *r = row_of(it);

		if (r->kind != FR_VALUE)
			continue;
		if (it->kind == UI_ITEM_TEXT &&
		    ui_text_value(&it->text)[0] != '\0')
			cJSON_AddStringToObject(values, r->path,
			    ui_text_value(&it->text));
		else if (it->kind == UI_ITEM_CHOICE && it->choice >= 0 &&
		    it->choice < it->nchoices)
			cJSON_AddStringToObject(values, r->path,
			    it->choices[it->choice].id);
	}
	for (t = 0; t < FORM_TABLES_MAX; t++)
		if (fm->tables[t].path[0] != '\0' && fm->tables[t].n > 0)
			cJSON_AddNumberToObject(tables, fm->tables[t].path,
			    fm->tables[t].n);
	if (fm->household[0] != '\0')
		cJSON_AddStringToObject(root, "household", fm->household);
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}

/* Keep the form as its draft (flags: DRAFT_FAST or 0).  A failure is said
 * on the status line; the form goes on. */
static void
draft_store(struct console *c, struct form *fm, int flags)
{
	struct ui_item *it;
	struct cutru_err e;
	int64_t id = fm->draft;
	char *text;
	int rc;

	if (c->s == NULL || fm->p == NULL || fm->mode == MODE_CHOOSE)
		return;
	text = draft_text(fm);
	if (text == NULL) {
		ui_status(&c->ui, 1, "%s", _("Out of memory."));
		return;
	}
	it = ui_form_focused(&fm->form);
	cutru_err_clear(&e);
	rc = draft_save(c->s, &id, fm->p->id, fm->mode == MODE_REVIEW ? 2 : 1,
	    it != NULL ? row_of(it)->path : "", text, strlen(text), flags,
	    console_now(), &e);
	if (rc == CUTRU_ENOTFOUND) {
		/* Discarded meanwhile at another console: keep it anew. */
		id = 0;
		cutru_err_clear(&e);
		rc = draft_save(c->s, &id, fm->p->id, fm->mode == MODE_REVIEW ?
		    2 : 1, it != NULL ? row_of(it)->path : "", text,
		    strlen(text), flags, console_now(), &e);
	}
	cJSON_free(text);
	if (rc != CUTRU_OK) {
		console_error(c, &e);
		return;
	}
	fm->draft = id;
	fm->dirty = fm->value_dirty = 0;
}

/* Forget the form's draft (filed or discarded). */
static void
draft_forget(struct console *c, struct form *fm)
{
	struct cutru_err e;

	if (fm->draft != 0 && c->s != NULL) {
		cutru_err_clear(&e);
		if (draft_delete(c->s, fm->draft, &e) != CUTRU_OK &&
		    e.code != CUTRU_ENOTFOUND)
			console_error(c, &e);
	}
	fm->draft = 0;
	fm->dirty = fm->value_dirty = 0;
}

/* Check every value row again (after a resume, or in a new language). */
static void
check_all(struct form *fm)
{
	size_t i;

	for (i = 0; i < fm->form.n; i++)
		if (row_of(&fm->form.items[i])->kind == FR_VALUE)
			check_object(fm, row_of(&fm->form.items[i])->object,
			    row_of(&fm->form.items[i])->schema);
}

/* Build the rows again in the language now in use, keeping the values
 * and the focus; the messages are made again too. */
static void
relabel(struct form *fm)
{
	struct ui_item *it = ui_form_focused(&fm->form);
	char focus[FIELD_PATH_MAX];

	fm->lang_gen = lang_generation();
	if (fm->mode == MODE_CHOOSE || fm->p == NULL)
		return;
	snprintf(focus, sizeof focus, "%s", it != NULL ? row_of(it)->path :
	    "");
	rebuild(fm, focus[0] != '\0' ? focus : NULL);
	check_all(fm);
	if (fm->mode == MODE_REVIEW)
		make_review(fm);
}

/* ------------------------------------------------------------- screen */

static void
start(struct form *fm, const struct procedure *p)
{
	char today[DATE_FMT_MAX], dob[DATE_FMT_MAX];
	struct ui_item *it;

	fm->p = p;
	memset(fm->tables, 0, sizeof fm->tables);
	rebuild(fm, NULL);
	console_date(&fm->today, today);
	if ((it = find_item(fm, "received")) != NULL)
		set_value(it, today);
	if (fm->has_person) {
		if ((it = find_item(fm, "applicant.id_number")) != NULL)
			set_value(it, fm->person.id_number);
		if ((it = find_item(fm, "applicant.name")) != NULL)
			set_value(it, fm->person.name);
		if ((it = find_item(fm, "applicant.dob")) != NULL) {
			console_date(&fm->person.dob, dob);
			set_value(it, dob);
		}
		if ((it = find_item(fm, "applicant.sex")) != NULL)
			set_value(it, fm->person.sex == CUTRU_SEX_FEMALE ?
			    "female" : fm->person.sex == CUTRU_SEX_MALE ?
			    "male" : NULL);
	}
	fm->form.focus = 0;
	ui_form_focus(&fm->form, 0);
	fm->mode = MODE_EDIT;
}

/* Fill the form from the officer's draft id: the procedure, the rows of
 * its tables, every value, the household last filled from, the field the
 * cursor was on and, for a draft kept at the review, the review. */
static int
draft_restore(struct console *c, struct form *fm, long long id,
    struct cutru_err *e)
{
	const struct procedure *p;
	struct draft d;
	cJSON *root = NULL, *values, *tables, *v;
	size_t i;
	int rc, *n;

	if ((rc = draft_get(c->s, id, &d, e)) != CUTRU_OK)
		return rc;
	p = procedure_find(d.procedure);
	root = cJSON_ParseWithLength(d.fields, d.fields_len);
	if (p == NULL || root == NULL) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "draft", "%s",
		    _("This draft cannot be read by this version of cutru; "
		    "discard it and fill the form again."));
		goto done;
	}
	start(fm, p);
	tables = cJSON_GetObjectItemCaseSensitive(root, "tables");
	cJSON_ArrayForEach(v, tables) {
		if (!cJSON_IsNumber(v) || v->string == NULL ||
		    (n = table_count(fm, v->string)) == NULL)
			continue;
		*n = v->valuedouble < 0 ? 0 : v->valuedouble >
		    FORM_TABLE_ROWS_MAX ? FORM_TABLE_ROWS_MAX :
		    (int)v->valuedouble;
	}
	rebuild(fm, NULL);
	values = cJSON_GetObjectItemCaseSensitive(root, "values");
	for (i = 0; i < fm->form.n; i++) {
		struct ui_item *it = &fm->form.items[i];

		if (row_of(it)->kind != FR_VALUE)
			continue;
		v = cJSON_GetObjectItemCaseSensitive(values,
		    row_of(it)->path);
		set_value(it, cJSON_IsString(v) ? v->valuestring :
		    it->kind == UI_ITEM_TEXT ? "" : NULL);
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "household");
	if (cJSON_IsString(v))
		snprintf(fm->household, sizeof fm->household, "%s",
		    v->valuestring);
	check_all(fm);
	for (i = 0; d.focus[0] != '\0' && i < fm->form.n; i++)
		if (fm->form.items[i].kind != UI_ITEM_HEADING &&
		    strcmp(row_of(&fm->form.items[i])->path, d.focus) == 0) {
			ui_form_focus(&fm->form, i);
			break;
		}
	fm->draft = d.id;
	if (d.step == 2)
		to_review(c, fm);
	ui_status(&c->ui, 0, _("The draft of %s was resumed as you left "
	    "it."), console_procedure_title(p->id));
done:
	cJSON_Delete(root);
	draft_free(&d);
	return rc;
}

static void
draw_choice(void *arg, WINDOW *w, int y, int x, int cols, size_t i, int sel)
{
	char line[256];

	(void)arg;
	(void)sel;
	snprintf(line, sizeof line, "%-10s %-5s %s", procedures[i].code,
	    procedures[i].form != NULL ? procedures[i].form : "",
	    _(procedures[i].title));
	ui_put(w, y, x + 2, line, (size_t)-1, cols - 3);
}

static int
form_open(struct console *c, void **state, const void *arg,
    struct cutru_err *e)
{
	const struct console_form_arg *a = arg;
	const struct procedure *p = NULL;
	struct form *fm;

	(void)c;
	if (a != NULL && a->procedure != NULL &&
	    (p = procedure_find(a->procedure)) == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("There is no procedure '%s'."), a->procedure);
	fm = calloc(1, sizeof *fm);
	if (fm == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
	if (console_today(&fm->today, e) != CUTRU_OK) {
		free(fm);
		return e->code;
	}
	ui_form_init(&fm->form, 34);
	if (a != NULL && a->person != NULL) {
		memcpy(&fm->person, a->person, sizeof fm->person);
		fm->has_person = 1;
	}
	fm->chooser.draw_row = draw_choice;
	fm->chooser.arg = fm;
	ui_list_set_count(&fm->chooser, procedure_count());
	fm->lang_gen = lang_generation();
	if (a != NULL && a->draft != 0) {
		if (draft_restore(c, fm, a->draft, e) != CUTRU_OK) {
			clear_form(fm);
			ui_form_free(&fm->form);
			review_free(fm);
			free(fm->review);
			free(fm);
			return e != NULL ? e->code : CUTRU_EINVAL;
		}
	} else if (p != NULL) {
		start(fm, p);
		fill_known(c, fm);
	} else
		fm->mode = MODE_CHOOSE;
	*state = fm;
	return CUTRU_OK;
}

static void
form_close(struct console *c, void *state)
{
	struct form *fm = state;

	/* Closed unfiled (Esc, F10, the idle lock): kept as a draft. */
	if (fm->dirty)
		draft_store(c, fm, 0);
	if (fm->draft != 0)
		ui_status(&c->ui, 0, "%s", _("The form was kept as a draft; "
		    "d on the home screen brings it back."));
	clear_form(fm);
	ui_form_free(&fm->form);
	review_free(fm);
	free(fm->review);
	free(fm);
}

static void
form_draw(struct console *c, void *state, int y, int x, int rows, int cols,
    int *cy, int *cx)
{
	struct form *fm = state;
	char line[256];
	size_t i;
	int r;

	(void)c;
	if (fm->lang_gen != lang_generation())
		relabel(fm);
	if (fm->mode == MODE_CHOOSE) {
		attrset(ui_attr(UI_HEADING));
		ui_put(stdscr, y + 1, x + 1, _("Which procedure?  Choose one "
		    "and press Enter."), (size_t)-1, cols - 2);
		attrset(ui_attr(UI_NORMAL));
		fm->rows_shown = rows - 3;
		ui_list_draw(&fm->chooser, stdscr, y + 3, x, rows - 3, cols);
		return;
	}
	attrset(ui_attr(UI_HEADING));
	snprintf(line, sizeof line, "%s  %s%s%s", fm->p->code,
	    console_procedure_title(fm->p->id), fm->p->form != NULL ? "  " :
	    "", fm->p->form != NULL ? fm->p->form : "");
	ui_put(stdscr, y, x + 1, line, (size_t)-1, cols - 2);
	attrset(ui_attr(UI_NORMAL));
	if (fm->mode == MODE_EDIT) {
		attrset(ui_attr(UI_DIM));
		ui_put(stdscr, y + 1, x + 1, _("Dates as DD/MM/YYYY.  Space or "
		    "Left/Right changes a choice.  F2: check and review."),
		    (size_t)-1, cols - 2);
		attrset(ui_attr(UI_NORMAL));
		ui_form_draw(&fm->form, stdscr, y + 2, x + 1, rows - 2,
		    cols - 2, cy, cx);
		return;
	}
	/* Review. */
	attrset(ui_attr(UI_GOOD));
	ui_put(stdscr, y + 1, x + 1, _("Check the dossier with the applicant. "
	    " Enter: file it.  Esc: back to the form."), (size_t)-1, cols - 2);
	attrset(ui_attr(UI_NORMAL));
	if (fm->review_top + (size_t)(rows - 4) > fm->nreview)
		fm->review_top = fm->nreview > (size_t)(rows - 4) ?
		    fm->nreview - (size_t)(rows - 4) : 0;
	for (i = fm->review_top, r = 0; i < fm->nreview && r < rows - 4;
	    i++, r++)
		ui_put(stdscr, y + 3 + r, x + 2, fm->review[i], (size_t)-1,
		    cols - 3);
	attrset(ui_attr(UI_HEADING));
	ui_put(stdscr, y + rows - 1, x + 1, fm->due, (size_t)-1, cols - 2);
	attrset(ui_attr(UI_NORMAL));
}

static int
edit_key(struct console *c, struct form *fm, int key)
{
	struct ui_item *it;
	struct frow *r;
	int res, *n;
	char focus[FIELD_PATH_MAX], rowpath[FIELD_PATH_MAX];
	cJSON *hh = NULL;

	int confirm = fm->confirm_discard;

	fm->confirm_discard = 0;
	if (key == UI_KEY_F(2)) {
		to_review(c, fm);
		return 1;
	}
	if (key == UI_KEY_F(8)) {
		if (!confirm) {
			fm->confirm_discard = 1;
			ui_status(&c->ui, 1, "%s", _("Press F8 again to discard "
			    "this form and its draft; nothing of it is kept. "
			    "Any other key goes on with the form."));
			return 1;
		}
		draft_forget(c, fm);
		ui_status(&c->ui, 0, "%s", _("The form was discarded."));
		ui_pop(&c->ui);
		return 1;
	}
	if ((key == UI_KEY_ENTER || key == UI_KEY_TAB) && take_scan(c, fm)) {
		fm->dirty = fm->value_dirty = 1;
		return 1;
	}
	/* A household number typed is read when the officer leaves it. */
	it = ui_form_focused(&fm->form);
	if (it != NULL && row_of(it)->kind == FR_VALUE &&
	    row_of(it)->f->type == FIELD_HOUSEHOLD)
		hh = row_json(row_of(it), it);
	res = ui_form_key(&fm->form, key);
	if (res == UI_FORM_MOVED && cJSON_IsString(hh) &&
	    strcmp(hh->valuestring, fm->household) != 0 &&
	    fill_household(c, fm, hh->valuestring))
		snprintf(fm->household, sizeof fm->household, "%s",
		    hh->valuestring);
	cJSON_Delete(hh);
	/* A changed field left is saved at once (durably); the focus alone
	 * is saved with the next pause. */
	if (res == UI_FORM_CHANGED)
		fm->dirty = fm->value_dirty = 1;
	else if (res == UI_FORM_MOVED && fm->value_dirty)
		draft_store(c, fm, 0);
	else if (res == UI_FORM_MOVED && fm->draft != 0)
		fm->dirty = 1;
	it = ui_form_focused(&fm->form);
	if (it == NULL)
		return res != UI_FORM_UNUSED;
	r = row_of(it);
	if (res == UI_FORM_CHANGED) {
		check_object(fm, r->object, r->schema);
		return 1;
	}
	if (res == UI_FORM_ACTION && r->kind == FR_ADD_ROW) {
		n = table_count(fm, r->path);
		if (n == NULL || *n >= FORM_TABLE_ROWS_MAX) {
			ui_status(&c->ui, 1, "%s", _("No more rows can be "
			    "added here."));
			return 1;
		}
		(*n)++;
		field_path_index(rowpath, sizeof rowpath, r->path, *n - 1);
		field_path_key(focus, sizeof focus, rowpath,
		    r->f->sub[0].key);
		rebuild(fm, focus);
		fm->dirty = fm->value_dirty = 1;
		return 1;
	}
	return res != UI_FORM_UNUSED;
}

static int
form_key(struct console *c, void *state, int key)
{
	struct form *fm = state;

	switch (fm->mode) {
	case MODE_CHOOSE:
		if (key == UI_KEY_ENTER) {
			if (ui_list_has_selection(&fm->chooser)) {
				start(fm, &procedures[fm->chooser.selected]);
				fill_known(c, fm);
			}
			return 1;
		}
		return ui_list_key(&fm->chooser, key, fm->rows_shown) >= 0;
	case MODE_EDIT:
		return edit_key(c, fm, key);
	case MODE_REVIEW:
		switch (key) {
		case UI_KEY_ENTER:
		case UI_KEY_F(2):
			submit(c, fm);
			return 1;
		case UI_KEY_ESC:
			fm->mode = MODE_EDIT;
			return 1;
		case UI_KEY_UP:
			if (fm->review_top > 0)
				fm->review_top--;
			return 1;
		case UI_KEY_DOWN:
			fm->review_top++;
			return 1;
		default:
			return 1;
		}
	}
	return 0;
}

static int
form_idle(struct console *c, void *state)
{
	struct form *fm = state;

	if (fm->mode == MODE_EDIT && take_scan(c, fm)) {
		fm->dirty = fm->value_dirty = 1;
		return 1;
	}
	/* Typing paused: keep what was typed (a fast save). */
	if (fm->dirty)
		draft_store(c, fm, DRAFT_FAST);
	return 0;
}

static const struct ui_fkey form_keys[] = {
	{ "Tab", N_("Next") },
	{ "Esc", N_("Back") },
	{ "F8", N_("Discard") },
	{ NULL, NULL }
};

const struct ui_screen screen_form = {
	"form",
	N_("New dossier"),
	N_("Fill in the dossier: Tab and Shift+Tab (or Up and Down) move "
	    "between fields; each value is checked as you type and what is "
	    "wrong is written under it.  Fields marked * are required.\n"
	    "Dates as DD/MM/YYYY (a date of birth may be MM/YYYY or YYYY).  "
	    "Space or Left/Right changes a choice; Backspace clears it.\n"
	    "Scan the applicant's ID card into any of their fields to fill "
	    "the person.\n"
	    "F2: check the whole dossier and review it; Enter on the review "
	    "files it.\n"
	    "Esc leaves the form without filing it: it is kept as a draft, "
	    "offered at your next login and with d on the home screen.  F8 "
	    "twice discards the form and its draft."),
	form_open, form_close, form_draw, form_key, NULL, form_idle,
	form_keys
};
