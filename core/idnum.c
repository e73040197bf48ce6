/* Personal ID numbers and old CMND numbers (see core/idnum.h for the
 * layout and the contract).
 *
 * Invariants.  A struct idnum_info that idnum_parse*() filled holds exactly
 * 12 ASCII digits whose first three are a code of provinces[] below, and
 * fields that are pure functions of those digits; nothing else ever
 * produces one with CUTRU_OK.  The province table is the one of Thông tư
 * 07/2016/TT-BCA Phụ lục 1 as published: 63 rows, codes ascending, names in
 * NFC.  It is law, not reference data from the registry: codes in issued
 * numbers never change even though the provinces were merged in 2025.
 *
 * Input handling.  Only ASCII '0'..'9' count as digits: a full-width or
 * Arabic-Indic digit is a different code point, and accepting it would let
 * two spellings of one number exist in the store.  Blanks around the number
 * are dropped (scanners end lines with CR or LF); blanks inside are refused
 * rather than squeezed, so that "001 234..." with a missing digit is not
 * silently shifted.  Messages quote at most the 12 or 9 digits themselves,
 * never the raw input, which may be huge or not UTF-8. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "core/i18n.h"
#include "core/idnum.h"

static const struct idnum_province provinces[] = {
	{ 1, "Hà Nội" },
	{ 2, "Hà Giang" },
	{ 4, "Cao Bằng" },
	{ 6, "Bắc Kạn" },
	{ 8, "Tuyên Quang" },
	{ 10, "Lào Cai" },
	{ 11, "Điện Biên" },
	{ 12, "Lai Châu" },
	{ 14, "Sơn La" },
	{ 15, "Yên Bái" },
	{ 17, "Hòa Bình" },
	{ 19, "Thái Nguyên" },
	{ 20, "Lạng Sơn" },
	{ 22, "Quảng Ninh" },
	{ 24, "Bắc Giang" },
	{ 25, "Phú Thọ" },
	{ 26, "Vĩnh Phúc" },
	{ 27, "Bắc Ninh" },
	{ 30, "Hải Dương" },
	{ 31, "Hải Phòng" },
	{ 33, "Hưng Yên" },
	{ 34, "Thái Bình" },
	{ 35, "Hà Nam" },
	{ 36, "Nam Định" },
	{ 37, "Ninh Bình" },
	{ 38, "Thanh Hóa" },
	{ 40, "Nghệ An" },
	{ 42, "Hà Tĩnh" },
	{ 44, "Quảng Bình" },
	{ 45, "Quảng Trị" },
	{ 46, "Thừa Thiên Huế" },
	{ 48, "Đà Nẵng" },
	{ 49, "Quảng Nam" },
	{ 51, "Quảng Ngãi" },
	{ 52, "Bình Định" },
	{ 54, "Phú Yên" },
	{ 56, "Khánh Hòa" },
	{ 58, "Ninh Thuận" },
	{ 60, "Bình Thuận" },
	{ 62, "Kon Tum" },
	{ 64, "Gia Lai" },
	{ 66, "Đắk Lắk" },
	{ 67, "Đắk Nông" },
	{ 68, "Lâm Đồng" },
	{ 70, "Bình Phước" },
	{ 72, "Tây Ninh" },
	{ 74, "Bình Dương" },
	{ 75, "Đồng Nai" },
	{ 77, "Bà Rịa - Vũng Tàu" },
	{ 79, "Hồ Chí Minh" },
	{ 80, "Long An" },
	{ 82, "Tiền Giang" },
	{ 83, "Bến Tre" },
	{ 84, "Trà Vinh" },
	{ 86, "Vĩnh Long" },
	{ 87, "Đồng Tháp" },
	{ 89, "An Giang" },
	{ 91, "Kiên Giang" },
	{ 92, "Cần Thơ" },
	{ 93, "Hậu Giang" },
	{ 94, "Sóc Trăng" },
	{ 95, "Bạc Liêu" },
	{ 96, "Cà Mau" },
};

#define NPROVINCES (sizeof provinces / sizeof provinces[0])

size_t
idnum_province_count(void)
{
	return NPROVINCES;
}

const struct idnum_province *
idnum_province_at(size_t i)
{
	return i < NPROVINCES ? &provinces[i] : NULL;
}

const char *
idnum_province_name(int code)
{
	size_t lo = 0, hi = NPROVINCES;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (provinces[mid].code == code)
			return provinces[mid].name;
		if (provinces[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The digits of s after trimming blanks: [*begin, *end), and the offset
 * from *begin of the first byte that is not an ASCII digit, or SIZE_MAX. */
static size_t
scan_digits(const char *s, size_t len, size_t *begin, size_t *end)
{
	size_t b = 0, e = len, i;

	if (s == NULL)
		e = 0;
	while (b < e && is_blank((unsigned char)s[b]))
		b++;
	while (e > b && is_blank((unsigned char)s[e - 1]))
		e--;
	*begin = b;
	*end = e;
	for (i = b; i < e; i++)
		if (s[i] < '0' || s[i] > '9')
			return i - b;
	return SIZE_MAX;
}

/* Say what is wrong with byte c at 0-based offset off of an ID number
 * (cmnd 0) or an old CMND number (cmnd 1).  Whole sentences for each, so
 * that translators need not assemble them. */
static int
refuse_char(struct cutru_err *e, int cmnd, unsigned char c, size_t off)
{
	const char *field = cmnd ? "cmnd_number" : "id_number";

	if (c == ' ' || c == '\t')
		return cutru_err_set(e, CUTRU_EINVAL, field, cmnd ?
		    _("The old ID (CMND) number has a space at position %zu: "
		    "type the digits without spaces.") :
		    _("The ID number has a space at position %zu: type the "
		    "digits without spaces."), off + 1);
	if (c > 0x20 && c < 0x7f)
		return cutru_err_set(e, CUTRU_EINVAL, field, cmnd ?
		    _("The old ID (CMND) number has \"%c\" at position %zu: it "
		    "may contain only the digits 0 to 9.") :
		    _("The ID number has \"%c\" at position %zu: it may contain "
		    "only the digits 0 to 9."), c, off + 1);
	return cutru_err_set(e, CUTRU_EINVAL, field, cmnd ?
	    _("The old ID (CMND) number has a character that is not one of "
	    "the digits 0 to 9 at position %zu: check the keyboard's input "
	    "method.") :
	    _("The ID number has a character that is not one of the digits "
	    "0 to 9 at position %zu: check the keyboard's input method."),
	    off + 1);
}

static void
clear_info(struct idnum_info *out)
{
	memset(out, 0, sizeof *out);
	out->province_name = "";
}

int
idnum_parse_n(const char *s, size_t len, struct idnum_info *out,
    struct cutru_err *e)
{
	size_t begin, end, bad, n;
	const char *name;
	int code, c;

	clear_info(out);
	bad = scan_digits(s, len, &begin, &end);
	n = end - begin;
	if (n == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "id_number",
		    _("The ID number is empty: type the 12 digits of the "
		    "personal ID number."));
	if (bad != SIZE_MAX)
		return refuse_char(e, 0, (unsigned char)s[begin + bad], bad);
	if (n == IDNUM_CMND_LEN)
		return cutru_err_set(e, CUTRU_EINVAL, "id_number",
		    _("%.9s is an old 9-digit CMND number, not a personal ID "
		    "number: enter it in the old ID (CMND) field and ask for "
		    "the 12-digit personal ID number."), s + begin);
	if (n != IDNUM_LEN)
		return cutru_err_set(e, CUTRU_EINVAL, "id_number",
		    dngettext(PACKAGE, "The ID number has %zu digit, but a "
		    "personal ID number has exactly 12.", "The ID number has "
		    "%zu digits, but a personal ID number has exactly 12.",
		    (unsigned long)n), n);
	s += begin;
	code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	name = idnum_province_name(code);
	if (name == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "id_number",
		    _("ID number %.12s starts with %.3s, which is not the code "
		    "of a province of birth registration: check the first "
		    "three digits."), s, s);
	c = s[3] - '0';
	memcpy(out->number, s, IDNUM_LEN);
	out->number[IDNUM_LEN] = '\0';
	out->province = code;
	out->province_name = name;
	out->century_digit = c;
	out->century = 1900 + (c / 2) * 100;
	out->sex = c % 2 == 0 ? CUTRU_SEX_MALE : CUTRU_SEX_FEMALE;
	out->birth_year = out->century + (s[4] - '0') * 10 + (s[5] - '0');
	return CUTRU_OK;
}

int
idnum_parse(const char *s, struct idnum_info *out, struct cutru_err *e)
{
	return idnum_parse_n(s, s != NULL ? strlen(s) : 0, out, e);
}

int
idnum_check_person(const struct idnum_info *id, enum cutru_sex sex,
    const struct cutru_date *dob, struct cutru_err *e)
{
	if (sex == CUTRU_SEX_MALE && id->sex == CUTRU_SEX_FEMALE)
		return cutru_err_set(e, CUTRU_ECONFLICT, "sex",
		    _("ID number %s has the century digit %d, which is for a "
		    "woman, but the form says male: check the ID number or the "
		    "sex."), id->number, id->century_digit);
	if (sex == CUTRU_SEX_FEMALE && id->sex == CUTRU_SEX_MALE)
		return cutru_err_set(e, CUTRU_ECONFLICT, "sex",
		    _("ID number %s has the century digit %d, which is for a "
		    "man, but the form says female: check the ID number or the "
		    "sex."), id->number, id->century_digit);
	if (dob == NULL || dob->prec == CUTRU_DATE_NONE ||
	    dob->year == id->birth_year)
		return CUTRU_OK;
	if (dob->year % 100 == id->birth_year % 100)
		return cutru_err_set(e, CUTRU_ECONFLICT, "date_of_birth",
		    _("ID number %s has the century digit %d, which is for a "
		    "birth between %d and %d, but the date of birth is in %d: "
		    "check the ID number or the date of birth."), id->number,
		    id->century_digit, id->century, id->century + 99,
		    dob->year);
	return cutru_err_set(e, CUTRU_ECONFLICT, "date_of_birth",
	    _("ID number %s says born in %d, but the date of birth is in %d: "
	    "check the ID number or the date of birth."), id->number,
	    id->birth_year, dob->year);
}

int
idnum_check_birth_year(const struct idnum_info *id,
    const struct cutru_date *today, struct cutru_err *e)
{
	if (today == NULL || today->prec == CUTRU_DATE_NONE)
		return cutru_err_set(e, CUTRU_EINVAL, "id_number",
		    _("Today's date is not known, so the ID number's year of "
		    "birth cannot be checked."));
	if (id->birth_year > today->year)
		return cutru_err_set(e, CUTRU_ERANGE, "id_number",
		    _("ID number %s says born in %d, which is after this year: "
		    "check the fourth digit (century and sex)."), id->number,
		    id->birth_year);
	return CUTRU_OK;
}

enum idnum_kind
idnum_classify(const char *s, size_t len)
{
	size_t begin, end;

	if (scan_digits(s, len, &begin, &end) != SIZE_MAX)
		return IDNUM_KIND_OTHER;
	if (end - begin == IDNUM_LEN)
		return IDNUM_KIND_PERSONAL;
	if (end - begin == IDNUM_CMND_LEN)
		return IDNUM_KIND_CMND;
	return IDNUM_KIND_OTHER;
}

int
idnum_parse_cmnd_n(const char *s, size_t len, char out[IDNUM_CMND_LEN + 1],
    struct cutru_err *e)
{
	size_t begin, end, bad, n;

	out[0] = '\0';
	bad = scan_digits(s, len, &begin, &end);
	n = end - begin;
	if (n == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "cmnd_number",
		    _("The old ID (CMND) number is empty: type its 9 "
		    "digits."));
	if (bad != SIZE_MAX)
		return refuse_char(e, 1, (unsigned char)s[begin + bad], bad);
	if (n == IDNUM_LEN)
		return cutru_err_set(e, CUTRU_EINVAL, "cmnd_number",
		    _("%.12s is a 12-digit personal ID number, not an old CMND "
		    "number: enter it in the personal ID number field."),
		    s + begin);
	if (n != IDNUM_CMND_LEN)
		return cutru_err_set(e, CUTRU_EINVAL, "cmnd_number",
		    dngettext(PACKAGE, "The old ID (CMND) number has %zu "
		    "digit, but a CMND number has exactly 9.", "The old ID "
		    "(CMND) number has %zu digits, but a CMND number has "
		    "exactly 9.", (unsigned long)n), n);
	memcpy(out, s + begin, IDNUM_CMND_LEN);
	out[IDNUM_CMND_LEN] = '\0';
	return CUTRU_OK;
}

int
idnum_parse_cmnd(const char *s, char out[IDNUM_CMND_LEN + 1],
    struct cutru_err *e)
{
	return idnum_parse_cmnd_n(s, s != NULL ? strlen(s) : 0, out, e);
}
