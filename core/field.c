/* Field values of requests and events: one checker for every type listed in
 * field.h.  Each rule that another module owns (names, ID numbers, dates,
 * text) is delegated to it; this file only decides which rule applies where
 * and names the value by its path when one fails. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/field.h"
#include "core/i18n.h"
#include "core/idnum.h"
#include "core/name.h"
#include "core/utf8.h"

void
field_path_key(char *buf, size_t size, const char *path, const char *key)
{
	if (path == NULL || path[0] == '\0')
		snprintf(buf, size, "%s", key);
	else
		snprintf(buf, size, "%s.%s", path, key);
}

void
field_path_index(char *buf, size_t size, const char *path, int index)
{
	snprintf(buf, size, "%s[%d]", path != NULL ? path : "", index);
}

void
field_set_path(struct cutru_err *e, const char *path)
{
	size_t n;

	if (e == NULL)
		return;
	n = path != NULL ? strlen(path) : 0;
	if (n >= sizeof e->field)
		n = sizeof e->field - 1;
	if (n != 0)
		memcpy(e->field, path, n);
	e->field[n] = '\0';
}

/* Put path into e->field after a helper named the value its own way. */
static int
refield(struct cutru_err *e, const char *path, int rc)
{
	if (rc != CUTRU_OK)
		field_set_path(e, path);
	return rc;
}

const struct field *
field_find(const struct field *schema, const char *key)
{
	if (schema == NULL || key == NULL)
		return NULL;
	for (; schema->key != NULL; schema++)
		if (strcmp(schema->key, key) == 0)
			return schema;
	return NULL;
}

const struct field_choice *
field_choice_find(const struct field_choice *choices, const char *id)
{
	if (choices == NULL || id == NULL)
		return NULL;
	for (; choices->id != NULL; choices++)
		if (strcmp(choices->id, id) == 0)
			return choices;
	return NULL;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_alnum(char c)
{
	return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z');
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

/* Clean s as a one-line text into a malloc'd string (*out), NULL on
 * failure with e filled (field = path). */
static int
clean_text(const char *s, char **out, size_t *outlen, const char *path,
    struct cutru_err *e)
{
	size_t len = strlen(s), size;
	int rc;

	*out = NULL;
	if (len > (size_t)-1 / 4 - 16)
		return cutru_err_set(e, CUTRU_ERANGE, path,
		    _("This text is far too long."));
	/* NFC can make a text longer, by at most three times in UTF-8. */
	size = len * 3 + 16;
	*out = malloc(size);
	if (*out == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, path,
		    _("Out of memory."));
	rc = utf8_clean_line(s, len, *out, size, outlen, path, e);
	if (rc != CUTRU_OK) {
		free(*out);
		*out = NULL;
		return refield(e, path, rc);
	}
	return CUTRU_OK;
}

static int
check_text(const struct field *f, const char *s, const struct field_ctx *ctx,
    const char *path, struct cutru_err *e)
{
	char small[1024], *clean = NULL;
	size_t n = 0, max = f->max > 0 ? (size_t)f->max : FIELD_TEXT_MAX;
	size_t len = strlen(s);
	int rc;

	/* The texts of forms and events are short: clean them on the stack
	 * (the room clean_text() allows for NFC growth). */
	if (len < (sizeof small - 16) / 3) {
		rc = utf8_clean_line(s, len, small, sizeof small, &n, path, e);
		if (rc != CUTRU_OK)
			return refield(e, path, rc);
		clean = small;
	} else if ((rc = clean_text(s, &clean, &n, path, e)) != CUTRU_OK)
		return rc;
	if (n == 0)
		rc = cutru_err_set(e, CUTRU_EINVAL, path,
		    _("%s is empty; fill it in or leave it out."), _(f->label));
	else if (utf8_count(clean, n) > max)
		rc = cutru_err_set(e, CUTRU_ERANGE, path,
		    _("%s is longer than %zu characters."), _(f->label), max);
	else if ((ctx->flags & FIELD_CHECK_STORED) && strcmp(clean, s) != 0)
		rc = cutru_err_set(e, CUTRU_EINVAL, path,
		    _("%s has extra white space or is not normalised."),
		    _(f->label));
	if (clean != small)
		free(clean);
	return rc;
}

static int
check_name(const struct field *f, const char *s, const struct field_ctx *ctx,
    const char *path, struct cutru_err *e)
{
	char buf[NAME_BUF_SIZE];
	int rc;

	rc = name_normalise(s, strlen(s), buf, sizeof buf, NULL, e);
	if (rc != CUTRU_OK)
		return refield(e, path, rc);
	if ((ctx->flags & FIELD_CHECK_STORED) && strcmp(buf, s) != 0)
		return cutru_err_set(e, CUTRU_EINVAL, path,
		    _("%s is not in its stored form (\"%s\")."), _(f->label),
		    buf);
	return CUTRU_OK;
}

static int
check_id_number(const char *s, const struct field_ctx *ctx, const char *path,
    struct cutru_err *e)
{
	struct idnum_info id;
	int rc;

	rc = idnum_parse(s, &id, e);
	if (rc != CUTRU_OK)
		return refield(e, path, rc);
	if (strcmp(id.number, s) != 0)
		return cutru_err_set(e, CUTRU_EINVAL, path,
		    _("The ID number must be written as 12 digits with "
		    "nothing around them."));
	if (ctx->today != NULL) {
		rc = idnum_check_birth_year(&id, ctx->today, e);
		if (rc != CUTRU_OK)
			return refield(e, path, rc);
	}
	return CUTRU_OK;
}

/* ISO shape only ("YYYY", "YYYY-MM", "YYYY-MM-DD"): the JSON formats have
 * one way to write a date.  core/date.h judges the values. */
static int
iso_shape(const char *s, size_t n)
{
	return (n == 4 && all_digits(s, 4)) ||
	    (n == 7 && all_digits(s, 4) && s[4] == '-' &&
	    all_digits(s + 5, 2)) ||
	    (n == 10 && all_digits(s, 4) && s[4] == '-' &&
	    all_digits(s + 5, 2) && s[7] == '-' && all_digits(s + 8, 2));
}

static int
check_date(const struct field *f, const char *s, const struct field_ctx *ctx,
    const char *path, struct cutru_err *e)
{
	size_t n = strlen(s);
	struct cutru_date d;
	int rc, shape;

	shape = iso_shape(s, n);
	if (f->type == FIELD_DATE && n != 10)
		shape = 0;
	if (!shape)
		return cutru_err_set(e, CUTRU_EINVAL, path,
		    f->type == FIELD_DATE ?
		    _("%s must be a date written YYYY-MM-DD.") :
		    _("%s must be a date written YYYY-MM-DD, or YYYY-MM or "
		    "YYYY when only part of it is known."), _(f->label));
	rc = date_parse_n(s, n, path, &d, e);
	if (rc != CUTRU_OK)
		return refield(e, path, rc);
	if ((f->flags & FIELD_NOT_FUTURE) && ctx->today != NULL) {
		rc = date_check_not_future(&d, ctx->today, path, e);
		if (rc != CUTRU_OK)
			return refield(e, path, rc);
	}
	return CUTRU_OK;
}

static int
check_enum(const struct field *f, const char *s, const char *path,
    struct cutru_err *e)
{
	const struct field_choice *c;
	char list[200];
	size_t n = 0;

	if (field_choice_find(f->choices, s) != NULL)
		return CUTRU_OK;
	list[0] = '\0';
	for (c = f->choices; c != NULL && c->id != NULL; c++) {
		int k = snprintf(list + n, sizeof list - n, "%s%s",
		    n != 0 ? ", " : "", c->id);

		if (k < 0 || (size_t)k >= sizeof list - n)
			break;
		n += (size_t)k;
	}
	return cutru_err_set(e, CUTRU_EINVAL, path,
	    _("%s \"%.40s\" is not one of the allowed values: %s."),
	    _(f->label), s, list);
}

static int
check_household(const char *s, const char *path, struct cutru_err *e)
{
	size_t n = strlen(s), i;
	int ok = n >= 1 && n <= 32 && is_alnum(s[0]) && is_alnum(s[n - 1]);

	for (i = 0; ok && i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			ok = 0;
	if (!ok)
		return cutru_err_set(e, CUTRU_EINVAL, path,
		    _("A household number has 1 to 32 letters, digits and "
		    "hyphens, and begins and ends with a letter or digit."));
	return CUTRU_OK;
}

static int
check_phone(const char *s, const char *path, struct cutru_err *e)
{
	size_t n = strlen(s);
	int ok;

	if (n > 0 && s[0] == '+')
		ok = n >= 9 && n <= 16 && s[1] >= '1' && s[1] <= '9' &&
		    all_digits(s + 1, n - 1);
	else
		ok = n >= 10 && n <= 11 && s[0] == '0' && all_digits(s, n);
	if (!ok)
		return cutru_err_set(e, CUTRU_EINVAL, path,
		    _("The phone number \"%.20s\" is not valid: write 10 or 11 "
		    "digits beginning with 0, or + and the country code, "
		    "without spaces."), s);
	return CUTRU_OK;
}

static int
check_email(const char *s, const char *path, struct cutru_err *e)
{
	size_t n = strlen(s), i, at = 0, nat = 0;
	int ok = n >= 3 && n <= 254;

	for (i = 0; ok && i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7F)
			ok = 0;
		else if (c == '@') {
			at = i;
			nat++;
		}
	}
	ok = ok && nat == 1 && at >= 1 && at <= 64 && at + 1 < n &&
	    strchr(s + at + 1, '.') != NULL && s[n - 1] != '.' &&
	    s[at + 1] != '.';
	if (!ok)
		return cutru_err_set(e, CUTRU_EINVAL, path,
		    _("The e-mail address \"%.60s\" is not valid."), s);
	return CUTRU_OK;
}

static int
check_time(const char *s, const char *path, struct cutru_err *e)
{
	if (strlen(s) != 5 || !all_digits(s, 2) || s[2] != ':' ||
	    !all_digits(s + 3, 2) || (s[0] - '0') * 10 + (s[1] - '0') > 23 ||
	    s[3] > '5')
		return cutru_err_set(e, CUTRU_EINVAL, path,
		    _("A time must be written HH:MM, from 00:00 to 23:59."));
	return CUTRU_OK;
}

static int
check_string(const struct field *f, const char *s, const struct field_ctx *ctx,
    const char *path, struct cutru_err *e)
{
	size_t n = strlen(s), i;

	switch (f->type) {
	case FIELD_TEXT:
		return check_text(f, s, ctx, path, e);
	case FIELD_NAME:
		return check_name(f, s, ctx, path, e);
	case FIELD_ID_NUMBER:
		return check_id_number(s, ctx, path, e);
	case FIELD_DATE:
	case FIELD_PARTIAL_DATE:
		return check_date(f, s, ctx, path, e);
	case FIELD_SEX:
		if (strcmp(s, "male") != 0 && strcmp(s, "female") != 0)
			return cutru_err_set(e, CUTRU_EINVAL, path,
			    _("Sex must be \"male\" or \"female\"."));
		return CUTRU_OK;
	case FIELD_ENUM:
		return check_enum(f, s, path, e);
	case FIELD_COMMUNE:
		if (n != 5 || !all_digits(s, 5) || strcmp(s, "00000") == 0)
			return cutru_err_set(e, CUTRU_EINVAL, path,
			    _("A commune code has exactly 5 digits."));
		return CUTRU_OK;
	case FIELD_HOUSEHOLD:
		return check_household(s, path, e);
	case FIELD_PHONE:
		return check_phone(s, path, e);
	case FIELD_EMAIL:
		return check_email(s, path, e);
	case FIELD_NATIONALITY:
		if (n != 2 || !is_upper(s[0]) || !is_upper(s[1]))
			return cutru_err_set(e, CUTRU_EINVAL, path,
			    _("A nationality is a two-letter country code in "
			    "capitals, such as KR or US."));
		return CUTRU_OK;
	case FIELD_PASSPORT:
		for (i = 0; i < n; i++)
			if (!is_upper(s[i]) && !is_digit(s[i]))
				break;
		if (n < 5 || n > 20 || i != n)
			return cutru_err_set(e, CUTRU_EINVAL, path,
			    _("A passport number has 5 to 20 capital letters "
			    "and digits, without spaces."));
		return CUTRU_OK;
	case FIELD_TIME:
		return check_time(s, path, e);
	default:
		break;
	}
	return cutru_err_set(e, CUTRU_EINTERNAL, path,
	    _("The form description is inconsistent (field type %d)."),
	    (int)f->type);
}

/* A value's place in the document: a chain of frames on the stack, one
 * per member or table row entered, written out as a path ("members[2].dob")
 * only when an error names the value.  Formatting a path for every value
 * checked cost more than most checks. */
struct lpath {
	const struct lpath *up;     /* NULL: the outermost frame */
	const char *base;           /* outermost frame: the caller's path */
	const char *key;            /* a member; NULL: a row (index) */
	int index;
};

/* The path of lp into buf, as field_path_key() and field_path_index()
 * would have joined it frame by frame. */
static void
lpath_format(const struct lpath *lp, char *buf, size_t size)
{
	size_t n;

	if (lp->up == NULL) {
		snprintf(buf, size, "%s", lp->base != NULL ? lp->base : "");
		return;
	}
	lpath_format(lp->up, buf, size);
	n = strlen(buf);
	if (lp->key != NULL && n == 0)
		snprintf(buf, size, "%s", lp->key);
	else if (lp->key != NULL)
		snprintf(buf + n, size - n, ".%s", lp->key);
	else
		snprintf(buf + n, size - n, "[%d]", lp->index);
}

/* e->field = the path of lp, or of its member key when key is not NULL;
 * returns rc. */
static int
fail_at(struct cutru_err *e, const struct lpath *lp, const char *key, int rc)
{
	char buf[FIELD_PATH_MAX];
	struct lpath k;

	if (e == NULL)
		return rc;
	if (key != NULL) {
		k.up = lp;
		k.base = NULL;
		k.key = key;
		k.index = 0;
		lp = &k;
	}
	lpath_format(lp, buf, sizeof buf);
	field_set_path(e, buf);
	return rc;
}

/* The object holds an ID number with sex and/or date of birth: they must
 * agree. */
static int
check_person(const struct field *schema, const cJSON *obj,
    const struct lpath *lp, struct cutru_err *e)
{
	struct idnum_info id;
	struct cutru_date dob;
	enum cutru_sex sex;
	const char *num;
	int rc;

	if (field_find(schema, "id_number") == NULL)
		return CUTRU_OK;
	num = field_get_string(obj, "id_number");
	if (num == NULL || idnum_parse(num, &id, NULL) != CUTRU_OK)
		return CUTRU_OK;
	sex = field_find(schema, "sex") != NULL ?
	    field_get_sex(obj, "sex") : CUTRU_SEX_UNKNOWN;
	if (field_find(schema, "dob") == NULL ||
	    field_get_date(obj, "dob", &dob) != CUTRU_OK)
		dob.prec = CUTRU_DATE_NONE;
	rc = idnum_check_person(&id, sex, &dob, e);
	if (rc != CUTRU_OK)
		return fail_at(e, lp, e != NULL && strcmp(e->field, "sex") ==
		    0 ? "sex" : "dob", rc);
	return CUTRU_OK;
}

static int check_value(const struct field *f, const cJSON *v,
    const struct field_ctx *ctx, const struct lpath *lp,
    struct cutru_err *e);

static int
check_object(const struct field *schema, const cJSON *obj,
    const struct field_ctx *ctx, const struct lpath *lp,
    struct cutru_err *e)
{
	const cJSON *val[32], *unknown = NULL, *m;
	const struct field *f;
	struct lpath sub;
	size_t nf, i;
	int rc;

	if (!cJSON_IsObject(obj))
		return fail_at(e, lp, NULL, cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("A JSON object was expected here.")));
	/* Match the members to the schema in one pass (the first member of
	 * a name counts, as cJSON_GetObjectItemCaseSensitive() finds it);
	 * a longer schema than val holds looks each key up instead.  Either
	 * way the values are checked in the schema's order, then the first
	 * unknown member is named. */
	for (nf = 0; schema[nf].key != NULL; nf++)
		;
	if (nf <= sizeof val / sizeof val[0]) {
		for (i = 0; i < nf; i++)
			val[i] = NULL;
		for (m = obj->child; m != NULL; m = m->next) {
			for (i = 0; m->string != NULL && i < nf; i++)
				if (strcmp(schema[i].key, m->string) == 0)
					break;
			if (m->string == NULL || i == nf) {
				if (unknown == NULL)
					unknown = m;
			} else if (val[i] == NULL)
				val[i] = m;
		}
	}
	sub.up = lp;
	sub.base = NULL;
	sub.index = 0;
	for (i = 0, f = schema; f->key != NULL; f++, i++) {
		m = nf <= sizeof val / sizeof val[0] ? val[i] :
		    cJSON_GetObjectItemCaseSensitive(obj, f->key);
		if (m == NULL) {
			if (f->flags & FIELD_REQUIRED)
				return fail_at(e, lp, f->key,
				    cutru_err_set(e, CUTRU_EINVAL, NULL,
				    _("%s is required."), _(f->label)));
			continue;
		}
		sub.key = f->key;
		rc = check_value(f, m, ctx, &sub, e);
		if (rc != CUTRU_OK)
			return rc;
	}
	if (nf > sizeof val / sizeof val[0])
		for (m = obj->child; unknown == NULL && m != NULL; m = m->next)
			if (m->string == NULL ||
			    field_find(schema, m->string) == NULL)
				unknown = m;
	if (unknown != NULL) {
		m = unknown;
		return fail_at(e, lp, m->string != NULL ? m->string : "",
		    cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("\"%.40s\" is not a known item here; check its "
		    "spelling."), m->string != NULL ? m->string : ""));
	}
	return check_person(schema, obj, lp, e);
}

static int
check_value(const struct field *f, const cJSON *v,
    const struct field_ctx *ctx, const struct lpath *lp, struct cutru_err *e)
{
	const cJSON *row;
	struct lpath sub;
	long max;
	int i, rc;

	if (v == NULL || cJSON_IsNull(v))
		return fail_at(e, lp, NULL, cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("%s has no value; leave it out instead of writing "
		    "null."), _(f->label)));
	switch (f->type) {
	case FIELD_BOOL:
		if (!cJSON_IsBool(v))
			return fail_at(e, lp, NULL, cutru_err_set(e,
			    CUTRU_EINVAL, NULL, _("%s must be true or false."),
			    _(f->label)));
		return CUTRU_OK;
	case FIELD_COUNT:
		max = f->max > 0 ? f->max : FIELD_COUNT_MAX;
		if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble)
		    || v->valuedouble < 1 || v->valuedouble > (double)max)
			return fail_at(e, lp, NULL, cutru_err_set(e,
			    CUTRU_EINVAL, NULL,
			    _("%s must be a whole number from 1 to %ld."),
			    _(f->label), max));
		return CUTRU_OK;
	case FIELD_OBJECT:
		return check_object(f->sub, v, ctx, lp, e);
	case FIELD_TABLE:
		max = f->max > 0 ? f->max : FIELD_TABLE_MAX;
		if (!cJSON_IsArray(v))
			return fail_at(e, lp, NULL, cutru_err_set(e,
			    CUTRU_EINVAL, NULL,
			    _("%s must be a list (a JSON array)."),
			    _(f->label)));
		if (cJSON_GetArraySize(v) > max)
			return fail_at(e, lp, NULL, cutru_err_set(e,
			    CUTRU_ERANGE, NULL, _("%s has more than %ld rows."),
			    _(f->label), max));
		sub.up = lp;
		sub.base = NULL;
		sub.key = NULL;
		for (i = 0, row = v->child; row != NULL; row = row->next, i++) {
			sub.index = i;
			rc = check_object(f->sub, row, ctx, &sub, e);
			if (rc != CUTRU_OK)
				return rc;
		}
		return CUTRU_OK;
	default:
		break;
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return fail_at(e, lp, NULL, cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("%s must be a text in quotes."), _(f->label)));
	/* The checks of a text name it by path ""; the error gets the
	 * value's path here. */
	rc = check_string(f, v->valuestring, ctx, "", e);
	return rc != CUTRU_OK ? fail_at(e, lp, NULL, rc) : CUTRU_OK;
}

int
field_check_object(const struct field *schema, const cJSON *obj,
    const struct field_ctx *ctx, const char *path, struct cutru_err *e)
{
	static const struct field_ctx none = { NULL, 0 };
	struct lpath top = { NULL, path, NULL, 0 };

	return check_object(schema, obj, ctx != NULL ? ctx : &none, &top, e);
}

int
field_check(const struct field *f, const cJSON *v,
    const struct field_ctx *ctx, const char *path, struct cutru_err *e)
{
	static const struct field_ctx none = { NULL, 0 };
	struct lpath top = { NULL, path, NULL, 0 };

	return check_value(f, v, ctx != NULL ? ctx : &none, &top, e);
}

const char *
field_get_string(const cJSON *obj, const char *key)
{
	const cJSON *m = cJSON_IsObject(obj) ?
	    cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

int
field_get_bool(const cJSON *obj, const char *key, int dflt)
{
	const cJSON *m = cJSON_IsObject(obj) ?
	    cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	if (!cJSON_IsBool(m))
		return dflt;
	return cJSON_IsTrue(m) ? 1 : 0;
}

long
field_get_count(const cJSON *obj, const char *key)
{
	const cJSON *m = cJSON_IsObject(obj) ?
	    cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	if (!cJSON_IsNumber(m) || !(m->valuedouble >= 0) ||
	    m->valuedouble > (double)FIELD_COUNT_MAX)
		return 0;
	return (long)m->valuedouble;
}

int
field_get_date(const cJSON *obj, const char *key, struct cutru_date *out)
{
	const char *s = field_get_string(obj, key);

	memset(out, 0, sizeof *out);
	if (s == NULL)
		return CUTRU_ENOTFOUND;
	if (!iso_shape(s, strlen(s)) ||
	    date_parse(s, NULL, out, NULL) != CUTRU_OK ||
	    out->prec == CUTRU_DATE_NONE)
		return CUTRU_EINVAL;
	return CUTRU_OK;
}

enum cutru_sex
field_get_sex(const cJSON *obj, const char *key)
{
	const char *s = field_get_string(obj, key);

	if (s != NULL && strcmp(s, "male") == 0)
		return CUTRU_SEX_MALE;
	if (s != NULL && strcmp(s, "female") == 0)
		return CUTRU_SEX_FEMALE;
	return CUTRU_SEX_UNKNOWN;
}

cJSON *
field_stored_text(const char *s)
{
	char *clean = NULL;
	size_t n;
	cJSON *v;

	if (s == NULL || clean_text(s, &clean, &n, "", NULL) != CUTRU_OK)
		return NULL;
	v = cJSON_CreateString(clean);
	free(clean);
	return v;
}

cJSON *
field_stored_name(const char *s)
{
	char buf[NAME_BUF_SIZE];

	if (s == NULL || name_normalise(s, strlen(s), buf, sizeof buf, NULL,
	    NULL) != CUTRU_OK)
		return NULL;
	return cJSON_CreateString(buf);
}
