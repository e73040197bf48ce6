#include "config.h"

/* Printable documents (tui/print.h).
 *
 * What is printed.  Three forms of Thông tư 66/2023/TT-BCA, each headed
 * by its legal basis line ("Mẫu CTnn ban hành kèm theo Thông tư số
 * 66/2023/TT-BCA ngày 17/11/2023 của Bộ trưởng Bộ Công an"), the issuing
 * office, the national motto and the form's title:
 *
 *   CT04  Phiếu tiếp nhận hồ sơ và hẹn trả kết quả, "Số: N/YYYY/PTN": the
 *         applicant and ID number, the procedure (its official name and
 *         public-service code), the day received, the day the result is
 *         due (by the end of the morning or of the day, as the deadline
 *         was counted in half working days), where the result is given,
 *         the receiving officer; signed by that officer.
 *   CT07  Xác nhận thông tin về cư trú, "Số: N/XN": the requester; the
 *         person's name, date of birth, sex, ID number, ethnicity,
 *         religion, home town, place of birth registration (not held by
 *         the register: printed as not recorded), permanent, temporary and
 *         current address, head of household, relationship and head's ID
 *         number; the household's other members as a table; other content;
 *         valid until; signed by the head of the registration office.
 *   CT03  Phiếu khai báo tạm vắng: the person, their addresses, the case of
 *         Điều 31 khoản 1 that requires the declaration, the period, the
 *         reason and the destination; signed by the declarant.
 *
 * The text is Vietnamese whatever the console's language: these are
 * official forms.  Dates are DD/MM/YYYY (partial dates of birth shorter),
 * the signing line "<ward>, ngày D tháng M năm YYYY".
 *
 * Hostile text.  Every value put into a document (names, addresses,
 * reasons: text that came from a form, an import or the registry's feed)
 * is cleaned once, when the model is built: an ill-formed UTF-8 byte
 * becomes U+FFFD; control characters (C0, DEL, C1) and the line and
 * paragraph separators become a space, so a value can never start a line
 * of its own and pass for another field; the characters that change the
 * direction of text (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) become
 * U+FFFD, so a name cannot reorder what is printed after it.  A C string
 * ends at its first NUL, so an embedded NUL cuts the value there.  The
 * HTML renderer then escapes & < > " ' in everything it writes, labels
 * included, so "<script>" and "&amp;" in a name print as those characters.
 * There is no limit on a value's length: the text renderer wraps it at
 * PRINT_TEXT_COLS columns (between words, or inside a word longer than a
 * line, never between a letter and its combining marks).
 *
 * The files.  STEM.txt and STEM.html in the export folder, each written
 * whole to a temp file, synced and renamed (storedir_write_atomic()), mode
 * 0600: they hold personal data.  Printing again replaces them. */

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <unicode/ucasemap.h>

#include "core/date.h"
#include "core/event.h"
#include "core/field.h"
#include "core/i18n.h"
#include "core/procedure.h"
#include "core/utf8.h"
#include "localdb/dossier.h"
#include "localdb/officer.h"
#include "localdb/register.h"
#include "localdb/session.h"
#include "localdb/storedir.h"
#include "tui/print.h"

#define PRINT_BASIS_FMT "Mẫu %s ban hành kèm theo Thông tư số " \
	"66/2023/TT-BCA ngày 17/11/2023 của Bộ trưởng Bộ Công an"
#define PRINT_NATION "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
#define PRINT_MOTTO "Độc lập - Tự do - Hạnh phúc"
#define PRINT_NONE "Chưa có thông tin"

static int
oom(struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
	    _("Out of memory while making the document."));
}

/* ---- clean text ------------------------------------------------------ */

static int
direction_char(int32_t cp)
{
	return cp == 0x200e || cp == 0x200f || (cp >= 0x202a &&
	    cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* A malloc'd clean copy of s (NULL is ""), see above; NULL when out of
 * memory. */
static char *
clean(const char *s)
{
	size_t len, pos = 0, o = 0;
	char *out;
	int32_t cp;

	if (s == NULL)
		s = "";
	len = strlen(s);
	/* Each byte becomes at most 3 bytes (U+FFFD). */
	if (len > (SIZE_MAX - 1) / 3 || (out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	while (pos < len) {
		size_t start = pos;

		cp = utf8_decode(s, len, &pos);
		if (cp < 0 || direction_char(cp))
			o += utf8_encode(0xfffd, out + o);
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    cp == 0x2028 || cp == 0x2029)
			out[o++] = ' ';
		else {
			memcpy(out + o, s + start, pos - start);
			o += pos - start;
		}
	}
	out[o] = '\0';
	return out;
}

/* A malloc'd clean copy of a printf result; NULL when out of memory. */
static char *
cleanf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
cleanf(const char *fmt, ...)
{
	va_list ap;
	char *s, *c;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		return NULL;
	c = clean(s);
	free(s);
	return c;
}

/* s in capitals by the Vietnamese rules of ICU (malloc'd, clean), or a
 * clean copy when ICU cannot; NULL when out of memory. */
static char *
upper(const char *s)
{
	UErrorCode st = U_ZERO_ERROR;
	UCaseMap *m;
	char *c = clean(s), *out;
	int32_t n;

	if (c == NULL)
		return NULL;
	m = ucasemap_open("vi", 0, &st);
	if (U_FAILURE(st))
		return c;
	n = ucasemap_utf8ToUpper(m, NULL, 0, c, -1, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR || n < 0 ||
	    (out = malloc((size_t)n + 1)) == NULL) {
		ucasemap_close(m);
		return c;
	}
	st = U_ZERO_ERROR;
	ucasemap_utf8ToUpper(m, out, n + 1, c, -1, &st);
	ucasemap_close(m);
	if (U_FAILURE(st)) {
		free(out);
		return c;
	}
	out[n] = '\0';
	free(c);
	return out;
}

/* ---- the model ------------------------------------------------------- */

void
print_doc_free(struct print_doc *d)
{
	size_t i;

	if (d == NULL)
		return;
	free(d->form);
	free(d->basis);
	free(d->issuer);
	free(d->number);
	free(d->title);
	for (i = 0; i < d->nlines; i++) {
		free(d->lines[i].label);
		free(d->lines[i].value);
	}
	free(d->lines);
	for (i = 0; i < d->table_cols * d->table_rows; i++)
		free(d->cells[i]);
	free(d->cells);
	free(d->place_date);
	free(d->signer_title);
	free(d->signer_name);
	free(d->stem);
	free(d);
}

/* What the builders share: the document and whether memory ran out. */
struct build {
	struct print_doc *d;
	int oom;
};

/* Add a line; value NULL with label NULL is a blank heading.  A NULL value
 * is printed as "".  Both are cleaned. */
static void
add_line(struct build *b, const char *label, const char *value)
{
	struct print_doc *d = b->d;
	struct print_line *grown;

	if (b->oom)
		return;
	if (d->nlines == d->caplines) {
		size_t cap = d->caplines != 0 ? d->caplines * 2 : 32;

		grown = realloc(d->lines, cap * sizeof *grown);
		if (grown == NULL) {
			b->oom = 1;
			return;
		}
		d->lines = grown;
		d->caplines = cap;
	}
	d->lines[d->nlines].label = label != NULL ? clean(label) : NULL;
	d->lines[d->nlines].value = clean(value);
	if ((label != NULL && d->lines[d->nlines].label == NULL) ||
	    d->lines[d->nlines].value == NULL) {
		free(d->lines[d->nlines].label);
		free(d->lines[d->nlines].value);
		b->oom = 1;
		return;
	}
	d->nlines++;
}

static void
add_heading(struct build *b, const char *text)
{
	add_line(b, NULL, text);
}

/* Set a string member of the document (cleaned); value NULL leaves it
 * NULL. */
static void
set(struct build *b, char **member, char *value)
{
	free(*member);
	*member = value;
	if (value == NULL)
		b->oom = 1;
}

/* Start a document of kind with form "CTnn", printed on today (ISO date;
 * every document needs it). */
static int
begin(struct build *b, enum print_kind kind, const char *form,
    const char *ward_name, const char *today, struct cutru_err *e)
{
	char *issuer;

	if (today == NULL || today[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "today", "%s",
		    _("A document needs the date it is printed."));
	b->oom = 0;
	b->d = calloc(1, sizeof *b->d);
	if (b->d == NULL)
		return oom(e);
	b->d->kind = kind;
	set(b, &b->d->form, clean(form));
	set(b, &b->d->basis, cleanf(PRINT_BASIS_FMT, form));
	issuer = cleanf("Công an %s", ward_name != NULL && ward_name[0] !=
	    '\0' ? ward_name : "xã/phường");
	if (issuer != NULL) {
		set(b, &b->d->issuer, upper(issuer));
		free(issuer);
	} else
		b->oom = 1;
	return CUTRU_OK;
}

static int
finish(struct build *b, struct print_doc **out, struct cutru_err *e)
{
	if (b->oom) {
		print_doc_free(b->d);
		b->d = NULL;
		return oom(e);
	}
	*out = b->d;
	b->d = NULL;
	return CUTRU_OK;
}

/* "DD/MM/YYYY" (or shorter for a partial date) of an ISO date into buf, or
 * the text itself when it is not a date, or "" for NULL. */
static void
vn_date(const char *iso, char *buf, size_t size)
{
	struct cutru_date d;

	if (iso == NULL || iso[0] == '\0') {
		snprintf(buf, size, "%s", "");
		return;
	}
	if (date_parse(iso, NULL, &d, NULL) != CUTRU_OK ||
	    date_format_vn(&d, buf, size) != CUTRU_OK)
		snprintf(buf, size, "%s", iso);
}

/* "<ward>, ngày D tháng M năm YYYY" for a full ISO date. */
static char *
place_date(const char *ward_name, const char *iso)
{
	struct cutru_date d;
	const char *place = ward_name != NULL && ward_name[0] != '\0' ?
	    ward_name : "......";

	if (iso == NULL || date_parse(iso, NULL, &d, NULL) != CUTRU_OK ||
	    d.prec != CUTRU_DATE_DAY)
		return cleanf("%s, ngày .... tháng .... năm ......", place);
	return cleanf("%s, ngày %d tháng %d năm %d", place, d.day, d.month,
	    d.year);
}

static const char *
sex_vi(enum cutru_sex sex)
{
	return sex == CUTRU_SEX_MALE ? "Nam" : sex == CUTRU_SEX_FEMALE ?
	    "Nữ" : "";
}

/* An address as printed: the detail, then the commune (the ward's name
 * when it is the ward's own code). */
static char *
address(const struct register_address *a, const char *ward_code,
    const char *ward_name)
{
	const char *detail = a->detail != NULL ? a->detail : "";

	if (a->commune[0] == '\0')
		return cleanf("%s", detail);
	if (ward_code != NULL && strcmp(a->commune, ward_code) == 0 &&
	    ward_name != NULL && ward_name[0] != '\0')
		return cleanf("%s%s%s", detail, detail[0] != '\0' ? ", " : "",
		    ward_name);
	return cleanf("%s%sđơn vị hành chính cấp xã mã %s", detail,
	    detail[0] != '\0' ? ", " : "", a->commune);
}

/* A date of birth as DD/MM/YYYY (or as partial as it is), "" if none. */
static void
dob_vn(const struct cutru_date *d, char *buf, size_t size)
{
	buf[0] = '\0';
	if (d->prec != CUTRU_DATE_NONE &&
	    date_format_vn(d, buf, size) != CUTRU_OK)
		buf[0] = '\0';
}

/* Lines 1 to 4 of a person's identity, as forms CT03 and CT07 number
 * them. */
static void
add_identity(struct build *b, const struct register_person *p)
{
	char date[DATE_FMT_MAX + 8];

	add_line(b, "1. Họ, chữ đệm và tên", p->name);
	dob_vn(&p->dob, date, sizeof date);
	add_line(b, "2. Ngày, tháng, năm sinh", date);
	add_line(b, "3. Giới tính", sex_vi(p->sex));
	add_line(b, "4. Số định danh cá nhân", p->id_number);
}

/* The person's active residence of kind, printed, into the line label. */
static void
add_residence(struct build *b, const struct register_person *p,
    const char *kind, const char *label, const char *ward_code,
    const char *ward_name)
{
	const struct register_residence *r = NULL;
	char *text;
	size_t i;

	for (i = 0; i < p->n_residences; i++)
		if (strcmp(p->residences[i].kind, kind) == 0 &&
		    strcmp(p->residences[i].state, "active") == 0) {
			r = &p->residences[i];
			break;
		}
	if (r == NULL) {
		add_line(b, label, "Không có");
		return;
	}
	text = address(&r->address, ward_code, ward_name);
	if (text == NULL) {
		b->oom = 1;
		return;
	}
	if (strcmp(kind, "temporary") == 0 && r->to[0] != '\0') {
		char from[DATE_FMT_MAX + 8], to[DATE_FMT_MAX + 8], *t;

		vn_date(r->from, from, sizeof from);
		vn_date(r->to, to, sizeof to);
		t = cleanf("%s (từ ngày %s đến ngày %s)", text, from, to);
		free(text);
		if ((text = t) == NULL) {
			b->oom = 1;
			return;
		}
	}
	add_line(b, label, text);
	free(text);
}

/* A file stem from parts: letters and digits kept, anything else one
 * '-'. */
static char *
stem(const char *a, const char *b, const char *c)
{
	const char *parts[3] = { a, b, c };
	size_t i, n = 0, cap = 0;
	char *out;
	int dash = 0;

	for (i = 0; i < 3; i++)
		cap += parts[i] != NULL ? strlen(parts[i]) + 1 : 0;
	if ((out = malloc(cap + 1)) == NULL)
		return NULL;
	for (i = 0; i < 3; i++) {
		const char *p = parts[i];

		if (p == NULL || p[0] == '\0')
			continue;
		if (n > 0 && !dash) {
			out[n++] = '-';
			dash = 1;
		}
		for (; *p != '\0'; p++) {
			if ((*p >= '0' && *p <= '9') || (*p >= 'A' &&
			    *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
				out[n++] = *p;
				dash = 0;
			} else if (!dash && n > 0) {
				out[n++] = '-';
				dash = 1;
			}
		}
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	return out;
}

/* ---- the builders ---------------------------------------------------- */

int
print_receipt_doc(const struct print_receipt *r, struct print_doc **out,
    struct cutru_err *e)
{
	const struct procedure *p;
	struct build b;
	char recv[DATE_FMT_MAX + 8], due[DATE_FMT_MAX + 8], *t;
	int rc;

	*out = NULL;
	if (r == NULL || r->number == NULL || r->number[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "number", "%s",
		    _("A receipt needs the dossier's number."));
	if ((rc = begin(&b, PRINT_RECEIPT, "CT04", r->ward_name, r->today,
	    e)) != CUTRU_OK)
		return rc;
	set(&b, &b.d->number, cleanf("Số: %s", r->number));
	set(&b, &b.d->title, clean("PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT "
	    "QUẢ"));
	t = cleanf("Công an %s tiếp nhận hồ sơ của:", r->ward_name != NULL ?
	    r->ward_name : "");
	add_heading(&b, t);
	free(t);
	add_line(&b, "Họ, chữ đệm và tên", r->applicant_name);
	add_line(&b, "Số định danh cá nhân", r->applicant_id);
	p = r->procedure != NULL ? procedure_find(r->procedure) : NULL;
	if (p != NULL) {
		t = cleanf("%s (mã thủ tục %s)", p->name_vi, p->code);
		add_line(&b, "Nội dung yêu cầu giải quyết", t);
		free(t);
	} else
		add_line(&b, "Nội dung yêu cầu giải quyết", r->procedure);
	vn_date(r->received, recv, sizeof recv);
	add_line(&b, "Ngày tiếp nhận hồ sơ", recv);
	vn_date(r->due, due, sizeof due);
	t = cleanf("%s ngày %s%s", r->due_morning ? "Trong buổi sáng" :
	    "Trong giờ làm việc", due, r->due_provisional ? " (tạm tính: "
	    "lịch nghỉ lễ của năm này chưa được công bố chính thức)" : "");
	add_line(&b, "Thời gian trả kết quả", t);
	free(t);
	t = cleanf("Bộ phận tiếp nhận và trả kết quả, Công an %s",
	    r->ward_name != NULL ? r->ward_name : "");
	add_line(&b, "Nơi trả kết quả", t);
	free(t);
	if (r->officer_login != NULL && r->officer_login[0] != '\0')
		t = cleanf("%s (%s)", r->officer_name != NULL ?
		    r->officer_name : "", r->officer_login);
	else
		t = cleanf("%s", r->officer_name != NULL ? r->officer_name :
		    "");
	add_line(&b, "Cán bộ tiếp nhận", t);
	free(t);
	set(&b, &b.d->place_date, place_date(r->ward_name, r->today));
	set(&b, &b.d->signer_title, clean("CÁN BỘ TIẾP NHẬN"));
	if (r->officer_name != NULL && r->officer_name[0] != '\0')
		set(&b, &b.d->signer_name, clean(r->officer_name));
	set(&b, &b.d->stem, stem("CT04", r->number, NULL));
	return finish(&b, out, e);
}

static const char *
relationship_vi(const char *rel)
{
	if (rel == NULL)
		return "";
	return strcmp(rel, "head") == 0 ? "Chủ hộ" : rel;
}

int
print_confirmation_doc(const char *ward_code, const char *ward_name,
    const struct register_person *p, const struct register_household *h,
    const struct register_confirmation *c, const char *requester_name,
    const char *today, struct print_doc **out, struct cutru_err *e)
{
	struct build b;
	char date[DATE_FMT_MAX + 8], num[32], *t;
	const char *rel = NULL;
	size_t i, row, others = 0;
	int rc;

	*out = NULL;
	if (p == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "person", "%s",
		    _("A confirmation needs the person it is about."));
	if (c == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "confirmation", "%s",
		    _("A confirmation needs the confirmation issued."));
	if ((rc = begin(&b, PRINT_CONFIRMATION, "CT07", ward_name, today,
	    e)) != CUTRU_OK)
		return rc;
	set(&b, &b.d->number, cleanf("Số: %lld/XN", (long long)c->number));
	set(&b, &b.d->title, clean("XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"));
	add_line(&b, "Họ, chữ đệm và tên người đề nghị", requester_name);
	add_line(&b, "Số định danh cá nhân của người đề nghị", c->requester);
	t = cleanf("Công an %s xác nhận thông tin về cư trú của công dân "
	    "như sau:", ward_name != NULL ? ward_name : "");
	add_heading(&b, t);
	free(t);
	add_identity(&b, p);
	add_line(&b, "5. Dân tộc", p->ethnicity != NULL ? p->ethnicity :
	    PRINT_NONE);
	add_line(&b, "6. Tôn giáo", p->religion != NULL ? p->religion :
	    PRINT_NONE);
	add_line(&b, "7. Quê quán", p->home_town != NULL ? p->home_town :
	    PRINT_NONE);
	add_line(&b, "8. Nơi đăng ký khai sinh", PRINT_NONE);
	add_residence(&b, p, "permanent", "9. Nơi thường trú", ward_code,
	    ward_name);
	add_residence(&b, p, "temporary", "10. Nơi tạm trú", ward_code,
	    ward_name);
	add_residence(&b, p, "current", "11. Nơi ở hiện tại", ward_code,
	    ward_name);
	if (h != NULL) {
		for (i = 0; i < h->n_members; i++)
			if (strcmp(h->members[i].id_number, p->id_number) == 0)
				rel = h->members[i].relationship;
		add_line(&b, "12. Họ, chữ đệm và tên chủ hộ", h->head_name);
		add_line(&b, "13. Quan hệ với chủ hộ", relationship_vi(rel));
		add_line(&b, "14. Số định danh cá nhân của chủ hộ",
		    h->head_id);
		for (i = 0; i < h->n_members; i++)
			if (strcmp(h->members[i].id_number, p->id_number) != 0)
				others++;
	} else {
		add_line(&b, "12. Họ, chữ đệm và tên chủ hộ", "Không có");
		add_line(&b, "13. Quan hệ với chủ hộ", "");
		add_line(&b, "14. Số định danh cá nhân của chủ hộ", "");
	}
	add_line(&b, "15. Những thành viên khác trong hộ gia đình", others ==
	    0 ? "Không có" : "");
	b.d->table_at = b.d->nlines - 1;
	if (others > 0 && !b.oom) {
		static const char *const head[] = { "TT", "Họ, chữ đệm và tên",
		    "Ngày sinh", "Giới tính", "Số định danh cá nhân",
		    "Quan hệ với chủ hộ" };
		size_t ncols = sizeof head / sizeof head[0];

		b.d->cells = calloc((others + 1) * ncols, sizeof *b.d->cells);
		if (b.d->cells == NULL)
			b.oom = 1;
		else {
			b.d->table_cols = ncols;
			b.d->table_rows = others + 1;
			for (i = 0; i < ncols; i++)
				if ((b.d->cells[i] = clean(head[i])) == NULL)
					b.oom = 1;
			row = 1;
			for (i = 0; i < h->n_members; i++) {
				const struct register_member *m =
				    &h->members[i];
				char **cell = &b.d->cells[row * ncols];

				if (strcmp(m->id_number, p->id_number) == 0)
					continue;
				dob_vn(&m->dob, date, sizeof date);
				cell[0] = cleanf("%zu", row);
				cell[1] = clean(m->name);
				cell[2] = clean(date);
				cell[3] = clean(sex_vi(m->sex));
				cell[4] = clean(m->id_number);
				cell[5] = clean(relationship_vi(
				    m->relationship));
				for (rc = 0; rc < 6; rc++)
					if (cell[rc] == NULL)
						b.oom = 1;
				row++;
			}
		}
	}
	add_line(&b, "16. Nội dung khác", c->content != NULL ? c->content :
	    "Không");
	vn_date(c->valid_until, date, sizeof date);
	add_line(&b, "Thông tin xác nhận có giá trị đến ngày", date);
	set(&b, &b.d->place_date, place_date(ward_name, c->issued[0] !=
	    '\0' ? c->issued : today));
	set(&b, &b.d->signer_title, clean("THỦ TRƯỞNG CƠ QUAN ĐĂNG KÝ CƯ "
	    "TRÚ"));
	snprintf(num, sizeof num, "%d-%lld", c->year, (long long)c->number);
	set(&b, &b.d->stem, stem("CT07", num, p->id_number));
	return finish(&b, out, e);
}

int
print_absence_doc(const char *ward_code, const char *ward_name,
    const struct register_person *p, const struct register_absence *a,
    const char *today, struct print_doc **out, struct cutru_err *e)
{
	const struct field_choice *ch;
	struct build b;
	char date[DATE_FMT_MAX + 8], from[DATE_FMT_MAX + 8], *t;
	int rc;

	*out = NULL;
	if (p == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "person", "%s",
		    _("An absence slip needs the person it is about."));
	if (a == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "absence", "%s",
		    _("An absence slip needs the declaration of absence."));
	if ((rc = begin(&b, PRINT_ABSENCE, "CT03", ward_name, today, e)) !=
	    CUTRU_OK)
		return rc;
	if (a->dossier[0] != '\0')
		set(&b, &b.d->number, cleanf("Hồ sơ số: %s", a->dossier));
	set(&b, &b.d->title, clean("PHIẾU KHAI BÁO TẠM VẮNG"));
	t = cleanf("Kính gửi: Công an %s", ward_name != NULL ? ward_name :
	    "");
	add_heading(&b, t);
	free(t);
	add_identity(&b, p);
	add_residence(&b, p, "permanent", "5. Nơi thường trú", ward_code,
	    ward_name);
	add_residence(&b, p, "temporary", "6. Nơi tạm trú", ward_code,
	    ward_name);
	add_residence(&b, p, "current", "7. Nơi ở hiện tại", ward_code,
	    ward_name);
	ch = field_choice_find(event_absence_cases, a->case_id);
	if (ch != NULL) {
		t = cleanf("%s%s%s%s", ch->label_vi != NULL ? ch->label_vi :
		    ch->id, ch->law != NULL ? " (" : "", ch->law != NULL ?
		    ch->law : "", ch->law != NULL ? ")" : "");
		add_line(&b, "8. Trường hợp phải khai báo tạm vắng", t);
		free(t);
	} else
		add_line(&b, "8. Trường hợp phải khai báo tạm vắng",
		    a->case_id);
	vn_date(a->from, from, sizeof from);
	vn_date(a->to, date, sizeof date);
	t = cleanf("Từ ngày %s đến ngày %s", from, date);
	add_line(&b, "9. Thời gian tạm vắng", t);
	free(t);
	add_line(&b, "10. Lý do tạm vắng", a->reason);
	add_line(&b, "11. Nơi đến", a->destination);
	set(&b, &b.d->place_date, place_date(ward_name, today));
	set(&b, &b.d->signer_title, clean("NGƯỜI KHAI BÁO"));
	if (p->name != NULL && p->name[0] != '\0')
		set(&b, &b.d->signer_name, clean(p->name));
	set(&b, &b.d->stem, stem("CT03", p->id_number, a->from));
	return finish(&b, out, e);
}

/* ---- text ------------------------------------------------------------ */

/* Write s centred in PRINT_TEXT_COLS columns (or from column left when
 * left >= 0). */
static void text_wrap(FILE *f, const char *label, const char *value,
    int indent);

static void
text_put(FILE *f, const char *s, int left)
{
	size_t w = utf8_width(s, strlen(s));
	size_t pad = 0;

	if (left >= 0)
		pad = (size_t)left;
	else if (w < PRINT_TEXT_COLS)
		pad = (PRINT_TEXT_COLS - w) / 2;
	if (pad + w > PRINT_TEXT_COLS) {
		/* Too long to place: wrapped from the margin. */
		text_wrap(f, NULL, s, 0);
		return;
	}
	fprintf(f, "%*s%s\n", (int)pad, "", s);
}

/* Write label and value wrapped at PRINT_TEXT_COLS: the first line starts
 * with "label: ", the next ones are indented by indent columns.  A break
 * goes after the last space that fits, or (a word longer than a line)
 * before the first code point that does not fit, never before a
 * zero-width one (a combining mark stays with its letter). */
static void
text_wrap(FILE *f, const char *label, const char *value, int indent)
{
	size_t len = strlen(value), pos = 0, used;

	used = 0;
	if (label != NULL && label[0] != '\0') {
		fprintf(f, "%s: ", label);
		used = utf8_width(label, strlen(label)) + 2;
	}
	if (len == 0) {
		fputc('\n', f);
		return;
	}
	while (pos < len) {
		size_t p = pos, brk = 0, brk_next = 0, w = used, cut;
		int fits = 1;

		while (p < len) {
			size_t q = p;
			int32_t cp = utf8_decode(value, len, &q);
			int cw = cp < 0 ? 1 : utf8_cp_width(cp);

			if (cw < 0)
				cw = 1;
			if (cw > 0 && w + (size_t)cw > PRINT_TEXT_COLS &&
			    p > pos) {
				fits = 0;
				break;
			}
			if (cp == ' ') {
				brk = p;
				brk_next = q;
			}
			w += (size_t)cw;
			p = q;
		}
		if (fits) {
			fprintf(f, "%.*s\n", (int)(len - pos), value + pos);
			return;
		}
		if (brk > pos) {
			cut = brk;
			p = brk_next;
		} else
			cut = p;
		fprintf(f, "%.*s\n", (int)(cut - pos), value + pos);
		while (p < len && value[p] == ' ')
			p++;
		pos = p;
		fprintf(f, "%*s", indent, "");
		used = (size_t)indent;
	}
}

/* What the signature line asks: the head of the office also stamps. */
static const char *
sign_note(const struct print_doc *d)
{
	return d->kind == PRINT_CONFIRMATION ?
	    "(Ký, ghi rõ họ tên, đóng dấu)" : "(Ký, ghi rõ họ tên)";
}

int
print_render_text(const struct print_doc *d, FILE *f, struct cutru_err *e)
{
	size_t i, r, c;

	text_wrap(f, NULL, d->basis, 0);
	fputc('\n', f);
	text_put(f, d->issuer, 0);
	if (d->number != NULL)
		text_put(f, d->number, 0);
	fputc('\n', f);
	text_put(f, PRINT_NATION, -1);
	text_put(f, PRINT_MOTTO, -1);
	fputc('\n', f);
	text_put(f, d->title, -1);
	fputc('\n', f);
	for (i = 0; i < d->nlines; i++) {
		if (d->lines[i].label == NULL) {
			if (i > 0)
				fputc('\n', f);
			text_wrap(f, NULL, d->lines[i].value, 0);
			continue;
		}
		text_wrap(f, d->lines[i].label, d->lines[i].value, 4);
		/* The members table goes under the line that announces it. */
		if (d->table_rows > 1 && i == d->table_at)
			for (r = 1; r < d->table_rows; r++) {
				char *row = NULL;
				size_t n = 0;
				FILE *m = open_memstream(&row, &n);

				if (m == NULL)
					break;
				fprintf(m, "    %s. ", d->cells[r *
				    d->table_cols]);
				for (c = 1; c < d->table_cols; c++)
					fprintf(m, "%s%s: %s", c > 1 ? "; " :
					    "", d->cells[c],
					    d->cells[r * d->table_cols + c]);
				fclose(m);
				text_wrap(f, NULL, row != NULL ? row : "", 8);
				free(row);
			}
	}
	fputc('\n', f);
	text_put(f, d->place_date, -1);
	text_put(f, d->signer_title, PRINT_TEXT_COLS / 2);
	text_put(f, sign_note(d), PRINT_TEXT_COLS / 2);
	fputs("\n\n\n", f);
	if (d->signer_name != NULL)
		text_put(f, d->signer_name, PRINT_TEXT_COLS / 2);
	if (ferror(f))
		return cutru_err_set(e, CUTRU_EIO, NULL, "%s",
		    _("The document could not be written."));
	return CUTRU_OK;
}

/* ---- HTML ------------------------------------------------------------ */

static void
html_put(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

int
print_render_html(const struct print_doc *d, FILE *f, struct cutru_err *e)
{
	size_t i, r, c;

	fputs("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>", f);
	html_put(f, d->form);
	fputs(" ", f);
	html_put(f, d->number != NULL ? d->number : "");
	fputs("</title>\n<style>\n"
	    "@page { size: A4; margin: 20mm 15mm 20mm 25mm; }\n"
	    "body { font-family: 'Times New Roman', serif; font-size: 13pt;"
	    " line-height: 1.4; max-width: 170mm; margin: 0 auto; }\n"
	    ".basis { text-align: right; font-style: italic;"
	    " font-size: 10pt; }\n"
	    "table.head { width: 100%; border-collapse: collapse; }\n"
	    "table.head td { vertical-align: top; text-align: center;"
	    " width: 50%; }\n"
	    ".nation { font-weight: bold; }\n"
	    ".motto { font-weight: bold; text-decoration: underline; }\n"
	    "h1 { text-align: center; font-size: 14pt; margin: 1.2em 0; }\n"
	    "p.line { margin: 0.25em 0; }\n"
	    "p.heading { margin: 0.8em 0 0.25em; font-weight: bold; }\n"
	    "span.label { font-weight: normal; }\n"
	    "table.members { width: 100%; border-collapse: collapse;"
	    " margin: 0.3em 0; font-size: 12pt; }\n"
	    "table.members th, table.members td { border: 1px solid #000;"
	    " padding: 2px 4px; }\n"
	    ".sign { margin-left: 50%; text-align: center;"
	    " margin-top: 1.5em; }\n"
	    ".sign .title { font-weight: bold; }\n"
	    ".sign .name { margin-top: 5em; font-weight: bold; }\n"
	    ".date { text-align: right; font-style: italic;"
	    " margin-top: 1em; }\n"
	    "</style>\n</head>\n<body>\n<p class=\"basis\">", f);
	html_put(f, d->basis);
	fputs("</p>\n<table class=\"head\"><tr><td><b>", f);
	html_put(f, d->issuer);
	fputs("</b>", f);
	if (d->number != NULL) {
		fputs("<br>", f);
		html_put(f, d->number);
	}
	fputs("</td><td><span class=\"nation\">" PRINT_NATION "</span><br>"
	    "<span class=\"motto\">" PRINT_MOTTO "</span></td></tr>"
	    "</table>\n<h1>", f);
	html_put(f, d->title);
	fputs("</h1>\n", f);
	for (i = 0; i < d->nlines; i++) {
		if (d->lines[i].label == NULL) {
			fputs("<p class=\"heading\">", f);
			html_put(f, d->lines[i].value);
			fputs("</p>\n", f);
			continue;
		}
		fputs("<p class=\"line\"><span class=\"label\">", f);
		html_put(f, d->lines[i].label);
		fputs(":</span> ", f);
		html_put(f, d->lines[i].value);
		fputs("</p>\n", f);
		if (d->table_rows > 1 && i == d->table_at) {
			fputs("<table class=\"members\">\n", f);
			for (r = 0; r < d->table_rows; r++) {
				fputs("<tr>", f);
				for (c = 0; c < d->table_cols; c++) {
					fputs(r == 0 ? "<th>" : "<td>", f);
					html_put(f, d->cells[r *
					    d->table_cols + c]);
					fputs(r == 0 ? "</th>" : "</td>", f);
				}
				fputs("</tr>\n", f);
			}
			fputs("</table>\n", f);
		}
	}
	fputs("<p class=\"date\">", f);
	html_put(f, d->place_date);
	fputs("</p>\n<div class=\"sign\"><div class=\"title\">", f);
	html_put(f, d->signer_title);
	fputs("</div><div><i>", f);
	html_put(f, sign_note(d));
	fputs("</i></div><div class=\"name\">", f);
	if (d->signer_name != NULL)
		html_put(f, d->signer_name);
	fputs("</div></div>\n</body>\n</html>\n", f);
	if (ferror(f))
		return cutru_err_set(e, CUTRU_EIO, NULL, "%s",
		    _("The document could not be written."));
	return CUTRU_OK;
}

/* ---- files ----------------------------------------------------------- */

static int
write_one(const struct print_doc *d, const char *dir, const char *ext,
    int html, char *path, struct cutru_err *e)
{
	char name[512], *buf = NULL;
	size_t len = 0;
	FILE *m;
	int rc;

	if (snprintf(name, sizeof name, "%s.%s", d->stem, ext) >=
	    (int)sizeof name)
		return cutru_err_set(e, CUTRU_ERANGE, NULL, "%s",
		    _("The document's file name is too long."));
	if ((m = open_memstream(&buf, &len)) == NULL)
		return oom(e);
	rc = html ? print_render_html(d, m, e) : print_render_text(d, m, e);
	if (fclose(m) != 0 && rc == CUTRU_OK)
		rc = oom(e);
	if (rc == CUTRU_OK)
		rc = storedir_write_atomic(dir, name, buf, len, 0600, e);
	if (rc == CUTRU_OK && path != NULL)
		rc = storedir_join(path, PRINT_PATH_MAX, dir, name, e);
	free(buf);
	return rc;
}

int
print_write(const struct print_doc *d, const char *dir, char *txt,
    char *html, struct cutru_err *e)
{
	struct stat st;
	int rc;

	if (txt != NULL)
		txt[0] = '\0';
	if (html != NULL)
		html[0] = '\0';
	if (d == NULL || d->stem == NULL || d->stem[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, NULL, "%s",
		    _("There is no document to write."));
	if (dir == NULL || dir[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "export_dir", "%s",
		    _("Say which folder the documents go to (export_dir in "
		    "cutru.conf)."));
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return cutru_err_set(e, CUTRU_EIO, "export_dir",
		    _("The folder %s for printed documents could not be made: "
		    "%s.  Make it, or set export_dir in cutru.conf."), dir,
		    strerror(errno));
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return cutru_err_set(e, CUTRU_EIO, "export_dir",
		    _("%s is not a folder; printed documents need one "
		    "(export_dir in cutru.conf)."), dir);
	if ((st.st_mode & 0077) != 0)
		return cutru_err_set(e, CUTRU_EPERM, "export_dir",
		    _("The folder %s can be read by other users of this "
		    "computer, and printed documents hold personal data: run "
		    "chmod 700 %s."), dir, dir);
	if ((rc = write_one(d, dir, "txt", 0, txt, e)) != CUTRU_OK)
		return rc;
	return write_one(d, dir, "html", 1, html, e);
}

/* ---- loaders --------------------------------------------------------- */

static int
today_iso(time_t now, char *buf, struct cutru_err *e)
{
	struct cutru_date d;
	int sec, rc;

	if ((rc = session_today(now, &d, &sec, e)) != CUTRU_OK)
		return rc;
	return date_format_iso(&d, buf, DATE_FMT_MAX);
}

int
print_receipt_load(struct session *s, const char *number, time_t now,
    struct print_doc **out, struct cutru_err *e)
{
	struct print_receipt r;
	struct officer_info oi;
	struct dossier d;
	char today[DATE_FMT_MAX];
	int rc, have_oi = 0;

	*out = NULL;
	memset(&d, 0, sizeof d);
	memset(&oi, 0, sizeof oi);
	if ((rc = session_refresh(s, e)) != CUTRU_OK ||
	    (rc = today_iso(now, today, e)) != CUTRU_OK ||
	    (rc = dossier_show(s, number, now, &d, e)) != CUTRU_OK)
		return rc;
	if (officer_get(s, d.officer, &oi, NULL) == CUTRU_OK)
		have_oi = 1;
	memset(&r, 0, sizeof r);
	r.ward_code = session_ward_code(s);
	r.ward_name = session_ward_name(s);
	r.number = d.number;
	r.procedure = d.procedure;
	r.applicant_name = d.applicant_name;
	r.applicant_id = d.applicant_id;
	r.received = d.received;
	r.due = d.due;
	r.due_morning = d.due_session == HOLIDAY_MORNING;
	r.due_provisional = d.due_provisional;
	r.officer_name = have_oi ? oi.name : NULL;
	r.officer_login = d.officer;
	r.today = today;
	rc = print_receipt_doc(&r, out, e);
	if (have_oi)
		officer_info_free(&oi);
	dossier_free(&d);
	return rc;
}

int
print_confirmation_load(struct session *s, const char *id_number,
    time_t now, struct print_doc **out, struct cutru_err *e)
{
	struct register_person p, req;
	struct register_household h;
	const char *req_name = NULL;
	char today[DATE_FMT_MAX];
	int rc, have_h = 0, have_req = 0;

	*out = NULL;
	memset(&p, 0, sizeof p);
	if ((rc = session_refresh(s, e)) != CUTRU_OK ||
	    (rc = today_iso(now, today, e)) != CUTRU_OK ||
	    (rc = register_person_show(session_db(s), id_number, &p, e)) !=
	    CUTRU_OK)
		return rc;
	if (p.n_confirmations == 0) {
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "id_number",
		    _("No residence confirmation (CT07) has been issued to %s "
		    "(%s): file a residence.confirm dossier and have it "
		    "approved first."), p.name, p.id_number);
		goto done;
	}
	if (p.household != NULL && register_household_show(session_db(s),
	    p.household->household, &h, NULL) == CUTRU_OK)
		have_h = 1;
	if (strcmp(p.confirmations[0].requester, p.id_number) == 0)
		req_name = p.name;
	else if (register_person_show(session_db(s),
	    p.confirmations[0].requester, &req, NULL) == CUTRU_OK) {
		have_req = 1;
		req_name = req.name;
	}
	rc = print_confirmation_doc(session_ward_code(s),
	    session_ward_name(s), &p, have_h ? &h : NULL,
	    &p.confirmations[0], req_name, today, out, e);
	if (have_h)
		register_household_free(&h);
	if (have_req)
		register_person_free(&req);
done:
	register_person_free(&p);
	return rc;
}

int
print_absence_load(struct session *s, const char *id_number, time_t now,
    struct print_doc **out, struct cutru_err *e)
{
	struct register_person p;
	char today[DATE_FMT_MAX];
	int rc;

	*out = NULL;
	memset(&p, 0, sizeof p);
	if ((rc = session_refresh(s, e)) != CUTRU_OK ||
	    (rc = today_iso(now, today, e)) != CUTRU_OK ||
	    (rc = register_person_show(session_db(s), id_number, &p, e)) !=
	    CUTRU_OK)
		return rc;
	if (p.n_absences == 0)
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "id_number",
		    _("No absence declaration (CT03) is recorded for %s (%s): "
		    "file an absence.declare dossier and have it approved "
		    "first."), p.name, p.id_number);
	else
		rc = print_absence_doc(session_ward_code(s),
		    session_ward_name(s), &p, &p.absences[0], today, out, e);
	register_person_free(&p);
	return rc;
}
