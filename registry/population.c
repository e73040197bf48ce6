/* National population records.
 *
 * The registry checks every identity a change set carries against the
 * national population database: a console may register a person only with
 * the ID number, name, date of birth and sex the nation knows them by.
 * This reference registry keeps the records it is given in its own table
 * (reg_population); `cutru-registryd population import FILE` loads them.
 *
 * File formats.  Either
 *
 *   CSV (RFC 4180): a header line naming the columns id_number, name, dob,
 *   sex in any order (each exactly once, no others), then one record per
 *   line; fields may be quoted ("Nguyễn Văn ""An""" for a quote inside);
 *   lines end in LF or CRLF; a UTF-8 byte order mark at the start (which
 *   spreadsheets write) is skipped; or
 *
 *   JSON lines: one JSON object per line with exactly the members
 *   id_number, name, dob, sex (strings).
 *
 * The first character that is not white space decides: '{' is JSON lines.
 * Blank lines are skipped in both.  Values: id_number 12 digits (a known
 * province code, and the century/sex digit agreeing with sex and year of
 * birth); name a person's name (normalised to NFC and folded for the
 * comparison, core/name.h); dob "YYYY", "YYYY-MM" or "YYYY-MM-DD"; sex
 * "male" or "female" (also "Nam" and "Nữ", as on the ID card).
 *
 * An import is one transaction: a file with one bad line changes nothing,
 * and the error names the line.  A record whose ID number is known already
 * replaces it (the file is the newer truth).
 *
 * The comparison (population_match()).  Names are compared folded (case,
 * tone marks, diacritics and đ do not matter: "HOÀ" and "Hòa" are the same
 * name, "Hoa" too - the fold is what a clerk's search matches, and the ID
 * number is the real key); sex exactly; dates of birth on the precision
 * both sides have, because legacy household books often know only the
 * year. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "core/canon.h"
#include "core/date.h"
#include "core/i18n.h"
#include "core/idnum.h"
#include "core/name.h"
#include "core/utf8.h"
#include "registry/population.h"

#define LINE_MAX_BYTES 4096

int
population_record(const char *id_number, const char *name, const char *dob,
    const char *sex, struct reg_person *out, struct cutru_err *e)
{
	struct idnum_info id;
	struct cutru_date d;
	int rc;

	memset(out, 0, sizeof *out);
	if (id_number == NULL || name == NULL || dob == NULL || sex == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("A population record needs id_number, name, dob and sex."));
	if ((rc = idnum_parse(id_number, &id, e)) != CUTRU_OK)
		return rc;
	if (strcmp(sex, "male") == 0 || strcmp(sex, "Nam") == 0)
		out->sex = CUTRU_SEX_MALE;
	else if (strcmp(sex, "female") == 0 || strcmp(sex, "Nữ") == 0)
		out->sex = CUTRU_SEX_FEMALE;
	else
		return cutru_err_set(e, CUTRU_EINVAL, "sex",
		    _("The sex must be 'male' or 'female' (or 'Nam' or 'Nữ')."));
	if ((rc = date_parse(dob, "dob", &d, e)) != CUTRU_OK)
		return rc;
	if (d.prec == CUTRU_DATE_NONE)
		return cutru_err_set(e, CUTRU_EINVAL, "dob",
		    _("The date of birth is missing."));
	if (date_format_iso(&d, out->dob, sizeof out->dob) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_EINVAL, "dob",
		    _("The date of birth is not a valid date."));
	if ((rc = idnum_check_person(&id, out->sex, &d, e)) != CUTRU_OK)
		return rc;
	if ((rc = name_normalise(name, UTF8_NTS, out->name,
	    sizeof out->name, NULL, e)) != CUTRU_OK ||
	    (rc = name_fold(out->name, strlen(out->name), out->folded,
	    sizeof out->folded, NULL, e)) != CUTRU_OK)
		return rc;
	snprintf(out->id_number, sizeof out->id_number, "%s", id.number);
	return CUTRU_OK;
}

int
population_match(const struct reg_person *rec, const char *name,
    const char *dob, enum cutru_sex sex, struct cutru_err *e)
{
	char folded[NAME_BUF_SIZE];
	size_t a, b;
	int rc;

	if ((rc = name_fold(name, strlen(name), folded, sizeof folded, NULL,
	    e)) != CUTRU_OK)
		return rc;
	if (strcmp(folded, rec->folded) != 0)
		return cutru_err_set(e, CUTRU_ECONFLICT, "name",
		    _("The name differs from the national population record for this ID number."));
	if (sex != rec->sex)
		return cutru_err_set(e, CUTRU_ECONFLICT, "sex",
		    _("The sex differs from the national population record for this ID number."));
	a = strlen(dob);
	b = strlen(rec->dob);
	if (a == 0 || strncmp(dob, rec->dob, a < b ? a : b) != 0)
		return cutru_err_set(e, CUTRU_ECONFLICT, "dob",
		    _("The date of birth differs from the national population record for this ID number."));
	return CUTRU_OK;
}

/* ------------------------------------------------------------------ */
/* CSV */

enum col { COL_ID, COL_NAME, COL_DOB, COL_SEX, COL_N };
static const char *const col_names[COL_N] = { "id_number", "name", "dob",
	"sex" };

/* What can be wrong with a CSV record. */
enum csv_problem { CSV_FIELDS, CSV_OPEN_QUOTE, CSV_AFTER_QUOTE, CSV_QUOTE,
	CSV_NUL, CSV_LONG };

static int
csv_fail(enum csv_problem p, int line, struct cutru_err *e)
{
	switch (p) {
	case CSV_FIELDS:
		cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Line %d has more fields than the header names."), line);
		break;
	case CSV_OPEN_QUOTE:
		cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Line %d ends inside a quoted field."), line);
		break;
	case CSV_AFTER_QUOTE:
		cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Line %d has text after a closing quote."), line);
		break;
	case CSV_QUOTE:
		cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Line %d has a quote inside an unquoted field."), line);
		break;
	case CSV_NUL:
		cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Line %d holds a NUL byte."), line);
		break;
	case CSV_LONG:
		cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Line %d is too long."), line);
		break;
	}
	return -1;
}

/* Split one CSV record starting at text[*pos] into at most max fields
 * (NUL-terminated copies in buf, pointers in f).  Quoted fields may hold
 * commas, quotes ("") and line breaks.  *pos moves past the record's line
 * end; *line counts the lines consumed.  Returns the number of fields, or
 * -1 with e set. */
static int
csv_record(const char *text, size_t len, size_t *pos, unsigned *line,
    char *buf, size_t bufsz, char **f, int max, struct cutru_err *e)
{
	size_t i = *pos, o = 0;
	int n = 0, quoted, at = (int)*line;

	for (;;) {
		if (n == max)
			return csv_fail(CSV_FIELDS, at, e);
		f[n++] = buf + o;
		quoted = i < len && text[i] == '"';
		if (quoted)
			i++;
		for (;;) {
			if (i >= len) {
				if (quoted)
					return csv_fail(CSV_OPEN_QUOTE, at, e);
				break;
			}
			if (quoted && text[i] == '"') {
				i++;
				if (i >= len || text[i] != '"') {
					quoted = 0;
					if (i < len && text[i] != ',' &&
					    text[i] != '\n' && text[i] != '\r')
						return csv_fail(
						    CSV_AFTER_QUOTE, at, e);
					continue;
				}
				/* "" inside quotes: one quote, copied below. */
			} else if (!quoted && (text[i] == ',' ||
			    text[i] == '\n' || text[i] == '\r'))
				break;
			else if (!quoted && text[i] == '"')
				return csv_fail(CSV_QUOTE, at, e);
			if (text[i] == '\0')
				return csv_fail(CSV_NUL, at, e);
			if (text[i] == '\n')
				(*line)++;
			if (o + 2 >= bufsz)
				return csv_fail(CSV_LONG, at, e);
			buf[o++] = text[i++];
		}
		buf[o++] = '\0';
		if (i < len && text[i] == ',') {
			i++;
			continue;
		}
		break;
	}
	if (i < len && text[i] == '\r')
		i++;
	if (i < len && text[i] == '\n')
		i++;
	(*line)++;
	*pos = i;
	return n;
}

static int
blank_line(const char *text, size_t len, size_t pos)
{
	while (pos < len && (text[pos] == ' ' || text[pos] == '\t' ||
	    text[pos] == '\r'))
		pos++;
	return pos >= len || text[pos] == '\n';
}

static size_t
skip_line(const char *text, size_t len, size_t pos)
{
	while (pos < len && text[pos] != '\n')
		pos++;
	return pos < len ? pos + 1 : pos;
}

static int
import_csv(struct regstore *st, const char *text, size_t len, size_t pos,
    size_t *count, struct cutru_err *e)
{
	char buf[LINE_MAX_BYTES], *f[COL_N + 1];
	int map[COL_N], n, i, j, rc;
	unsigned line = 1, at;
	struct reg_person p;
	struct cutru_err sub;

	while (pos < len && blank_line(text, len, pos)) {
		pos = skip_line(text, len, pos);
		line++;
	}
	if ((n = csv_record(text, len, &pos, &line, buf, sizeof buf, f,
	    COL_N + 1, e)) < 0)
		return CUTRU_EINVAL;
	for (j = 0; j < COL_N; j++)
		map[j] = -1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < COL_N; j++)
			if (strcmp(f[i], col_names[j]) == 0)
				break;
		if (j == COL_N || map[j] >= 0)
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("The header line must name the columns id_number, name, dob and sex, each once; '%.40s' is not one of them or is repeated."),
			    f[i]);
		map[j] = i;
	}
	if (n != COL_N)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The header line must name the columns id_number, name, dob and sex."));
	while (pos < len) {
		if (blank_line(text, len, pos)) {
			pos = skip_line(text, len, pos);
			line++;
			continue;
		}
		at = line;
		if ((n = csv_record(text, len, &pos, &line, buf, sizeof buf, f,
		    COL_N, e)) < 0)
			return CUTRU_EINVAL;
		if (n != COL_N)
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("Line %u has %d fields; the header names %d."),
			    at, n, COL_N);
		if (population_record(f[map[COL_ID]], f[map[COL_NAME]],
		    f[map[COL_DOB]], f[map[COL_SEX]], &p, &sub) != CUTRU_OK)
			return cutru_err_set(e, sub.code, sub.field,
			    _("Line %u: %s"), at, sub.msg);
		if ((rc = st->ops->population_put(st, &p, e)) != CUTRU_OK)
			return rc;
		(*count)++;
	}
	return CUTRU_OK;
}

/* ------------------------------------------------------------------ */
/* JSON lines */

static const struct canon_limits line_limits = {
	.max_bytes = LINE_MAX_BYTES,
	.max_string = 1024,
	.max_nodes = 16,
	.max_depth = 2,
};

static const char *
member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
import_jsonl(struct regstore *st, const char *text, size_t len, size_t pos,
    size_t *count, struct cutru_err *e)
{
	unsigned line = 1;
	size_t end;
	cJSON *o = NULL;
	struct reg_person p;
	struct cutru_err sub;
	int rc;

	/* pos is past a BOM; count the lines skipped before it (none). */
	while (pos < len) {
		end = pos;
		while (end < len && text[end] != '\n')
			end++;
		if (!blank_line(text, len, pos)) {
			if (canon_parse(text + pos, end - pos, &line_limits, 0,
			    &o, &sub) != CUTRU_OK)
				return cutru_err_set(e, CUTRU_EINVAL, NULL,
				    _("Line %u is not a JSON object: %s"), line,
				    sub.msg);
			if (!cJSON_IsObject(o) || cJSON_GetArraySize(o) != 4) {
				cJSON_Delete(o);
				return cutru_err_set(e, CUTRU_EINVAL, NULL,
				    _("Line %u must be an object with exactly id_number, name, dob and sex."),
				    line);
			}
			rc = population_record(member(o, "id_number"),
			    member(o, "name"), member(o, "dob"),
			    member(o, "sex"), &p, &sub);
			cJSON_Delete(o);
			o = NULL;
			if (rc != CUTRU_OK)
				return cutru_err_set(e, sub.code, sub.field,
				    _("Line %u: %s"), line, sub.msg);
			if ((rc = st->ops->population_put(st, &p, e)) !=
			    CUTRU_OK)
				return rc;
			(*count)++;
		}
		pos = end < len ? end + 1 : end;
		line++;
	}
	return CUTRU_OK;
}

int
population_import(struct regstore *st, const char *text, size_t len,
    size_t *count, struct cutru_err *e)
{
	size_t pos = 0, i;
	int rc;

	*count = 0;
	if (text == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("No population file was given."));
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	for (i = pos; i < len && (text[i] == ' ' || text[i] == '\t' ||
	    text[i] == '\r' || text[i] == '\n'); i++)
		;
	if (i >= len)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The population file is empty."));
	if ((rc = st->ops->begin(st, e)) != CUTRU_OK)
		return rc;
	if (text[i] == '{')
		rc = import_jsonl(st, text, len, pos, count, e);
	else
		rc = import_csv(st, text, len, pos, count, e);
	if (rc == CUTRU_OK)
		rc = st->ops->commit(st, e);
	else
		st->ops->rollback(st);
	if (rc != CUTRU_OK)
		*count = 0;
	return rc;
}
