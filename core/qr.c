#include "config.h"

#include <string.h>

#include "core/date.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/idnum.h"
#include "core/name.h"
#include "core/qr.h"
#include "core/types.h"
#include "core/utf8.h"

#define QR_KNOWN_FIELDS 7

struct field {
	const char *s;
	size_t len;
};

static int
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
two_digits(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Read a card date: DDMMYYYY, or with partial precision 00MMYYYY,
 * 0000YYYY and YYYY when partial is allowed.  Returns 0 and a valid date,
 * or -1. */
static int
read_date(const struct field *f, int partial, struct cutru_date *d)
{
	memset(d, 0, sizeof *d);
	if (partial && f->len == 4 && all_digits(f->s, 4)) {
		d->year = two_digits(f->s) * 100 + two_digits(f->s + 2);
		d->prec = CUTRU_DATE_YEAR;
		return date_valid(d) ? 0 : -1;
	}
	if (f->len != 8 || !all_digits(f->s, 8))
		return -1;
	d->day = two_digits(f->s);
	d->month = two_digits(f->s + 2);
	d->year = two_digits(f->s + 4) * 100 + two_digits(f->s + 6);
	if (d->day != 0 && d->month != 0)
		d->prec = CUTRU_DATE_DAY;
	else if (!partial || d->day != 0)
		return -1;
	else if (d->month != 0)
		d->prec = CUTRU_DATE_MONTH;
	else
		d->prec = CUTRU_DATE_YEAR;
	return date_valid(d) ? 0 : -1;
}

int
qr_looks_like_scan(const char *s, size_t len)
{
	size_t i, bars = 0;

	if (len == UTF8_NTS)
		len = s != NULL ? strnlen(s, QR_LINE_MAX + 16) : 0;
	if (len > QR_LINE_MAX + 16)
		len = QR_LINE_MAX + 16;
	if (len < 13 || !all_digits(s, 12) || s[12] != '|')
		return 0;
	for (i = 12; i < len; i++)
		if (s[i] == '|' && ++bars >= QR_KNOWN_FIELDS - 1)
			return 1;
	return 0;
}

/* Split s[0..len) at '|' into f[]; returns the number of fields, or
 * QR_MAX_FIELDS + 1 if there are more than QR_MAX_FIELDS. */
static size_t
split_fields(const char *s, size_t len, struct field *f)
{
	size_t n = 0, start = 0, i;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '|')
			continue;
		if (n == QR_MAX_FIELDS)
			return QR_MAX_FIELDS + 1;
		f[n].s = s + start;
		f[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

static int
parse_fields(const struct field *f, size_t nf, struct qr_card *out,
    struct idnum_info *id, struct cutru_err *e)
{
	char sex[16];
	size_t n;
	int rc;

	if (f[0].len != IDNUM_LEN || !all_digits(f[0].s, f[0].len))
		return cutru_err_set(e, CUTRU_EINVAL, "id_number",
		    _("The ID number on the scanned card, \"%.*s\", is not 12 "
		    "digits: scan the card again."),
		    (int)(f[0].len > 20 ? 20 : f[0].len), f[0].s);
	rc = idnum_parse_n(f[0].s, f[0].len, id, e);
	if (rc != CUTRU_OK)
		return rc;
	memcpy(out->id_number, f[0].s, IDNUM_LEN);
	out->id_number[IDNUM_LEN] = '\0';

	if ((f[1].len != 0 && f[1].len != IDNUM_CMND_LEN &&
	    f[1].len != IDNUM_LEN) || !all_digits(f[1].s, f[1].len))
		return cutru_err_set(e, CUTRU_EINVAL, "cmnd_number",
		    _("The old ID card (CMND) number on the scanned card, "
		    "\"%.*s\", is not 9 or 12 digits: scan the card again."),
		    (int)(f[1].len > 20 ? 20 : f[1].len), f[1].s);
	memcpy(out->cmnd_number, f[1].s, f[1].len);
	out->cmnd_number[f[1].len] = '\0';

	rc = name_normalise(f[2].s, f[2].len, out->name, sizeof out->name,
	    NULL, e);
	if (rc != CUTRU_OK)
		return rc;

	if (read_date(&f[3], 1, &out->dob) != 0)
		return cutru_err_set(e, CUTRU_EINVAL, "date_of_birth",
		    _("The date of birth on the scanned card, \"%.*s\", is not "
		    "a valid date (DDMMYYYY): scan the card again."),
		    (int)(f[3].len > 20 ? 20 : f[3].len), f[3].s);

	if (f[4].len >= sizeof sex || name_fold(f[4].s, f[4].len, sex,
	    sizeof sex, NULL, NULL) != CUTRU_OK)
		sex[0] = '\0';
	if (strcmp(sex, "nam") == 0)
		out->sex = CUTRU_SEX_MALE;
	else if (strcmp(sex, "nu") == 0)
		out->sex = CUTRU_SEX_FEMALE;
	else
		return cutru_err_set(e, CUTRU_EINVAL, "sex",
		    _("The sex on the scanned card, \"%.*s\", is neither "
		    "\"Nam\" nor \"Nữ\": scan the card again."),
		    (int)(f[4].len > 20 ? 20 : f[4].len), f[4].s);

	rc = utf8_clean_line(f[5].s, f[5].len, out->address,
	    sizeof out->address, &n, "address", e);
	if (rc == CUTRU_ERANGE)
		return cutru_err_set(e, CUTRU_EINVAL, "address",
		    _("The address on the scanned card is too long: scan the "
		    "card again."));
	if (rc != CUTRU_OK)
		return rc;
	if (n == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "address",
		    _("The address on the scanned card is empty: scan the card "
		    "again."));

	if (read_date(&f[6], 0, &out->issued) != 0)
		return cutru_err_set(e, CUTRU_EINVAL, "issue_date",
		    _("The issue date on the scanned card, \"%.*s\", is not a "
		    "valid date (DDMMYYYY): scan the card again."),
		    (int)(f[6].len > 20 ? 20 : f[6].len), f[6].s);
	if (date_relate(&out->issued, &out->dob) == DATE_REL_BEFORE)
		return cutru_err_set(e, CUTRU_EINVAL, "issue_date",
		    _("The issue date on the scanned card, \"%.*s\", is before "
		    "the date of birth, \"%.*s\": scan the card again."),
		    (int)f[6].len, f[6].s, (int)f[3].len, f[3].s);
	out->extra_fields = (unsigned)(nf - QR_KNOWN_FIELDS);
	return CUTRU_OK;
}

int
qr_parse(const char *s, size_t len, struct qr_card *out, struct cutru_err *e)
{
	struct field f[QR_MAX_FIELDS];
	struct utf8_fault_at at;
	struct idnum_info id;
	size_t nf;
	int rc;

	memset(out, 0, sizeof *out);
	if (s == NULL)
		s = "";
	if (len == UTF8_NTS)
		len = strlen(s);
	while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == '\n' ||
	    s[len - 1] == '\t'))
		len--;
	if (len > QR_LINE_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "qr",
		    _("The scanned line is too long (%zu bytes, at most %d): "
		    "scan the card again."), len, QR_LINE_MAX);
	switch (utf8_check(s, len, 0, &at)) {
	case UTF8_VALID:
		break;
	case UTF8_ENUL:
	case UTF8_ECONTROL:
		return cutru_err_set(e, CUTRU_EINVAL, "qr",
		    _("The scanned line contains a control character U+%04X "
		    "(character %zu): scan the card again."),
		    (unsigned)at.cp, at.index + 1);
	default:
		return cutru_err_set(e, CUTRU_EINVAL, "qr",
		    _("The scanned line is not valid UTF-8 text (at byte %zu): "
		    "check that the scanner is set to UTF-8, then scan the "
		    "card again."), at.offset + 1);
	}
	nf = split_fields(s, len, f);
	if (nf < QR_KNOWN_FIELDS)
		return cutru_err_set(e, CUTRU_EINVAL, "qr",
		    _("The scanned line has %zu fields separated by '|', but a "
		    "card has %d: scan the card again."), nf, QR_KNOWN_FIELDS);
	if (nf > QR_MAX_FIELDS)
		return cutru_err_set(e, CUTRU_EINVAL, "qr",
		    _("The scanned line has more than %d fields separated by "
		    "'|': it is not an ID card; scan the card again."),
		    QR_MAX_FIELDS);
	rc = parse_fields(f, nf, out, &id, e);
	if (rc != CUTRU_OK) {
		memset(out, 0, sizeof *out);
		return rc;
	}
	/* The card is read; does it agree with itself? */
	rc = idnum_check_person(&id, out->sex, &out->dob, e);
	if (rc != CUTRU_OK && rc != CUTRU_ECONFLICT)
		memset(out, 0, sizeof *out);
	return rc;
}
