#include "config.h"

/* The printed documents (tui/print.h): every field of each form appears
 * in both the text and the HTML file, hostile text cannot forge a line,
 * break the HTML or the text layout, and the files are written privately
 * where they should be. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "core/utf8.h"
#include "tui/print.h"
#include "tests/unit/tap_main.h"

static void check_layout(const char *text);

static char *
render(const struct print_doc *d, int html)
{
	struct cutru_err e;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(m);
	cutru_err_clear(&e);
	ck_assert_int_eq(html ? print_render_html(d, m, &e) :
	    print_render_text(d, m, &e), CUTRU_OK);
	fclose(m);
	return buf;
}

/* The text with its wrapped lines joined again: each line break and the
 * indentation after it become one space. */
static char *
flat(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;

	ck_assert_ptr_nonnull(out);
	while (*text != '\0') {
		if (*text == '\n') {
			*o++ = ' ';
			while (*++text == ' ' || *text == '\n')
				;
			continue;
		}
		*o++ = *text++;
	}
	*o = '\0';
	return out;
}

static void
receipt_defaults(struct print_receipt *r)
{
	memset(r, 0, sizeof *r);
	r->ward_code = "00070";
	r->ward_name = "Phường Hàng Bạc";
	r->number = "17/2026/PTN";
	r->procedure = "temporary.register";
	r->applicant_name = "Nguyễn Văn An";
	r->applicant_id = "001090012345";
	r->received = "2026-11-27";
	r->due = "2026-12-02";
	r->due_morning = 1;
	r->officer_name = "Trần Thị Lan";
	r->officer_login = "lan";
	r->today = "2026-11-27";
}

static struct print_doc *
receipt(const struct print_receipt *r)
{
	struct print_doc *d = NULL;
	struct cutru_err e;

	cutru_err_clear(&e);
	ck_assert_int_eq(print_receipt_doc(r, &d, &e), CUTRU_OK);
	ck_assert_ptr_nonnull(d);
	return d;
}

START_TEST(receipt_has_every_field_in_both_files)
{
	static const char *const want[] = {
		("Mẫu CT04 ban hành kèm theo Thông tư số 66/2023/TT-BCA ngày "
		    "17/11/2023 của Bộ trưởng Bộ Công an"),
		"CÔNG AN PHƯỜNG HÀNG BẠC", "Số: 17/2026/PTN",
		"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
		"Độc lập - Tự do - Hạnh phúc",
		"PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
		"Nguyễn Văn An", "001090012345",
		"Đăng ký tạm trú (mã thủ tục 1.004194)", "27/11/2026",
		"Trong buổi sáng ngày 02/12/2026", "Trần Thị Lan (lan)",
		"Phường Hàng Bạc, ngày 27 tháng 11 năm 2026",
		"CÁN BỘ TIẾP NHẬN"
	};
	struct print_receipt r;
	struct print_doc *d;
	char *text, *html, *flat_text;
	size_t i;

	receipt_defaults(&r);
	d = receipt(&r);
	text = render(d, 0);
	html = render(d, 1);
	flat_text = flat(text);
	check_layout(text);
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		ck_assert_msg(strstr(flat_text, want[i]) != NULL,
		    "text lacks %s", want[i]);
		ck_assert_msg(strstr(html, want[i]) != NULL, "html lacks %s",
		    want[i]);
	}
	free(flat_text);
	ck_assert_str_eq(d->stem, "CT04-17-2026-PTN");
	ck_assert_ptr_nonnull(strstr(html, "<meta charset=\"utf-8\">"));
	ck_assert_ptr_nonnull(strstr(html, "@page { size: A4;"));
	ck_assert_ptr_nonnull(strstr(html, "<html lang=\"vi\">"));
	free(text);
	free(html);
	print_doc_free(d);
}
END_TEST

START_TEST(receipt_due_all_day_and_provisional)
{
	struct print_receipt r;
	struct print_doc *d;
	char *text;

	receipt_defaults(&r);
	r.due_morning = 0;
	r.due_provisional = 1;
	d = receipt(&r);
	text = render(d, 0);
	ck_assert_ptr_nonnull(strstr(text, "Trong giờ làm việc ngày "
	    "02/12/2026 (tạm tính"));
	free(text);
	print_doc_free(d);
}
END_TEST

START_TEST(receipt_refuses_missing_number_and_date)
{
	struct print_receipt r;
	struct print_doc *d = (struct print_doc *)&r;
	struct cutru_err e;

	receipt_defaults(&r);
	r.number = NULL;
	ck_assert_int_eq(print_receipt_doc(&r, &d, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "number");
	ck_assert_ptr_null(d);
	r.number = "";
	ck_assert_int_eq(print_receipt_doc(&r, &d, &e), CUTRU_EINVAL);
	receipt_defaults(&r);
	r.today = NULL;
	ck_assert_int_eq(print_receipt_doc(&r, &d, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "today");
	ck_assert_int_eq(print_receipt_doc(NULL, &d, &e), CUTRU_EINVAL);
}
END_TEST

START_TEST(receipt_with_nothing_optional_still_prints)
{
	struct print_receipt r;
	struct print_doc *d;
	char *text, *html;

	memset(&r, 0, sizeof r);
	r.number = "1/2026/PTN";
	r.today = "2026-01-05";
	d = receipt(&r);
	text = render(d, 0);
	html = render(d, 1);
	ck_assert_ptr_nonnull(strstr(text, "Số: 1/2026/PTN"));
	ck_assert_ptr_nonnull(strstr(text, "CÔNG AN XÃ/PHƯỜNG"));
	ck_assert_ptr_nonnull(strstr(html, "</html>"));
	free(text);
	free(html);
	print_doc_free(d);
}
END_TEST

START_TEST(html_escapes_every_value)
{
	struct print_receipt r;
	struct print_doc *d;
	char *text, *html;

	receipt_defaults(&r);
	r.applicant_name = "<script>alert('x')</script> & \"Co\"";
	r.officer_name = "<b>Lan</b>";
	r.ward_name = "Phường <i>&amp;";
	d = receipt(&r);
	html = render(d, 1);
	text = render(d, 0);
	ck_assert_ptr_null(strstr(html, "<script>"));
	ck_assert_ptr_null(strstr(html, "<b>Lan"));
	ck_assert_ptr_null(strstr(html, "<i>&amp;"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)"
	    "&lt;/script&gt; &amp; &quot;Co&quot;"));
	ck_assert_ptr_nonnull(strstr(html, "Phường &lt;i&gt;&amp;amp;"));
	/* The text file shows the characters as typed. */
	ck_assert_ptr_nonnull(strstr(text, "<script>alert('x')</script> & "
	    "\"Co\""));
	free(text);
	free(html);
	print_doc_free(d);
}
END_TEST

START_TEST(control_characters_cannot_forge_a_line)
{
	struct print_receipt r;
	struct print_doc *d;
	char *text, *html, *line;

	receipt_defaults(&r);
	r.applicant_name = "Nguyễn An\nSố định danh cá nhân: 999999999999\r"
	    "\x1b[2J\x7f\xc2\x85x\xe2\x80\xa8y";
	d = receipt(&r);
	text = render(d, 0);
	html = render(d, 1);
	for (line = strtok(text, "\n"); line != NULL;
	    line = strtok(NULL, "\n"))
		ck_assert_msg(strncmp(line, "Số định danh cá nhân: 999999999999",
		    strlen("Số định danh cá nhân: 999999999999")) != 0,
		    "a forged line: %s", line);
	ck_assert_ptr_null(strchr(html, '\x1b'));
	ck_assert_ptr_null(strchr(html, '\r'));
	ck_assert_ptr_null(strstr(html, "\xc2\x85"));
	ck_assert_ptr_null(strstr(html, "\xe2\x80\xa8"));
	free(text);
	free(html);
	print_doc_free(d);
}
END_TEST

START_TEST(ill_formed_utf8_and_direction_marks_are_replaced)
{
	struct print_receipt r;
	struct print_doc *d;
	char *text, *html;

	receipt_defaults(&r);
	/* An overlong "/", a lone continuation byte, a truncated sequence,
	 * a surrogate, and RIGHT-TO-LEFT OVERRIDE. */
	r.applicant_name = "A\xc0\xaf" "B\x80" "C\xe1\xbb" "D\xed\xa0\x80"
	    "E\xe2\x80\xae" "F";
	d = receipt(&r);
	text = render(d, 0);
	html = render(d, 1);
	ck_assert_int_eq(utf8_check(text, strlen(text), UTF8_ALLOW_NEWLINE,
	    NULL), UTF8_VALID);
	ck_assert_int_eq(utf8_check(html, strlen(html), UTF8_ALLOW_NEWLINE,
	    NULL), UTF8_VALID);
	ck_assert_ptr_null(strstr(text, "\xe2\x80\xae"));
	ck_assert_ptr_nonnull(strstr(text, "A\xef\xbf\xbd"));
	ck_assert_ptr_nonnull(strstr(text, "E\xef\xbf\xbd" "F"));
	free(text);
	free(html);
	print_doc_free(d);
}
END_TEST

/* Every line of the text within PRINT_TEXT_COLS columns, and no line
 * starting with a combining mark. */
static void
check_layout(const char *text)
{
	const char *p = text, *nl;

	while (*p != '\0') {
		size_t len, pos = 0;

		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		ck_assert_uint_le(utf8_width(p, len), PRINT_TEXT_COLS);
		while (pos < len && p[pos] == ' ')
			pos++;
		if (pos < len) {
			int32_t cp = utf8_decode(p, len, &pos);

			ck_assert_msg(utf8_cp_width(cp) != 0,
			    "a line starts with U+%04X", (unsigned)cp);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

START_TEST(megabyte_values_wrap_without_loss)
{
	struct print_receipt r;
	struct print_doc *d;
	char *big, *words, *text, *html;
	size_t i, n = 1 << 20, letters = 0;
	const char *p;

	/* A megabyte without a space: "e" and a combining circumflex and
	 * acute (NFD "ế"), again and again. */
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	for (i = 0; i + 5 <= n; i += 5)
		memcpy(big + i, "e\xcc\x82\xcc\x81", 5);
	big[i] = '\0';
	words = malloc(n + 1);
	ck_assert_ptr_nonnull(words);
	for (i = 0; i < n; i++)
		words[i] = i % 7 == 6 ? ' ' : 'a';
	words[n] = '\0';
	receipt_defaults(&r);
	r.applicant_name = big;
	r.officer_name = words;
	d = receipt(&r);
	text = render(d, 0);
	html = render(d, 1);
	check_layout(text);
	for (p = text; *p != '\0'; p++)
		if (*p == 'e')
			letters++;
	ck_assert_uint_ge(letters, n / 5);
	ck_assert_ptr_nonnull(strstr(html, big));
	free(text);
	free(html);
	print_doc_free(d);
	free(big);
	free(words);
}
END_TEST

static struct register_person *
person(void)
{
	static struct register_residence res[2];
	static struct register_confirmation conf;
	static struct register_absence abs;
	static struct register_person p;

	memset(&p, 0, sizeof p);
	memset(res, 0, sizeof res);
	snprintf(p.id_number, sizeof p.id_number, "%s", "001192004567");
	p.name = "Nguyễn Thị Hoà";
	p.dob.year = 1992;
	p.dob.month = 8;
	p.dob.day = 15;
	p.dob.prec = CUTRU_DATE_DAY;
	p.sex = CUTRU_SEX_FEMALE;
	p.ethnicity = "Kinh";
	p.home_town = "Nam Định";
	snprintf(res[0].kind, sizeof res[0].kind, "%s", "permanent");
	snprintf(res[0].state, sizeof res[0].state, "%s", "active");
	snprintf(res[0].address.commune, sizeof res[0].address.commune, "%s",
	    "00070");
	res[0].address.detail = "Số 16 phố Hàng Bạc";
	snprintf(res[1].kind, sizeof res[1].kind, "%s", "temporary");
	snprintf(res[1].state, sizeof res[1].state, "%s", "active");
	snprintf(res[1].address.commune, sizeof res[1].address.commune, "%s",
	    "26734");
	res[1].address.detail = "Số 5 đường Lê Lợi";
	snprintf(res[1].from, sizeof res[1].from, "%s", "2026-01-01");
	snprintf(res[1].to, sizeof res[1].to, "%s", "2027-06-30");
	p.residences = res;
	p.n_residences = 2;
	memset(&conf, 0, sizeof conf);
	conf.year = 2026;
	conf.number = 42;
	snprintf(conf.requester, sizeof conf.requester, "%s", "001090012345");
	snprintf(conf.issued, sizeof conf.issued, "%s", "2026-11-20");
	snprintf(conf.valid_until, sizeof conf.valid_until, "%s",
	    "2026-12-20");
	conf.content = "Xác nhận để làm thủ tục vay vốn";
	p.confirmations = &conf;
	p.n_confirmations = 1;
	memset(&abs, 0, sizeof abs);
	snprintf(abs.from, sizeof abs.from, "%s", "2026-12-01");
	snprintf(abs.to, sizeof abs.to, "%s", "2027-12-31");
	snprintf(abs.case_id, sizeof abs.case_id, "%s", "long_absence");
	abs.destination = "Thành phố Hồ Chí Minh";
	abs.reason = "Đi làm ăn xa";
	snprintf(abs.dossier, sizeof abs.dossier, "%s", "9/2026/PTN");
	p.absences = &abs;
	p.n_absences = 1;
	return &p;
}

static struct register_household *
household(void)
{
	static struct register_member m[3];
	static struct register_household h;

	memset(&h, 0, sizeof h);
	memset(m, 0, sizeof m);
	snprintf(h.number, sizeof h.number, "%s", "00070-2026-3");
	snprintf(h.head_id, sizeof h.head_id, "%s", "001085001234");
	h.head_name = "Nguyễn Văn Bình";
	snprintf(m[0].id_number, sizeof m[0].id_number, "%s", "001085001234");
	m[0].name = "Nguyễn Văn Bình";
	m[0].relationship = "head";
	m[0].sex = CUTRU_SEX_MALE;
	snprintf(m[1].id_number, sizeof m[1].id_number, "%s", "001192004567");
	m[1].name = "Nguyễn Thị Hoà";
	m[1].relationship = "vợ";
	snprintf(m[2].id_number, sizeof m[2].id_number, "%s", "001215000001");
	m[2].name = "Nguyễn <Bé> & Co";
	m[2].relationship = "con";
	m[2].dob.year = 2015;
	m[2].dob.prec = CUTRU_DATE_YEAR;
	h.members = m;
	h.n_members = 3;
	return &h;
}

START_TEST(confirmation_has_every_field)
{
	static const char *const want[] = {
		"Mẫu CT07 ban hành kèm theo Thông tư số 66/2023/TT-BCA",
		"Số: 42/XN", "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ",
		"Người Đề Nghị", "001090012345",
		"Nguyễn Thị Hoà", "15/08/1992", "Nữ", "001192004567", "Kinh",
		"6. Tôn giáo: Chưa có thông tin", "Nam Định",
		"8. Nơi đăng ký khai sinh",
		"9. Nơi thường trú: Số 16 phố Hàng Bạc, Phường Hàng Bạc",
		("Số 5 đường Lê Lợi, đơn vị hành chính cấp xã mã 26734 (từ "
		    "ngày 01/01/2026 đến ngày 30/06/2027)"),
		"11. Nơi ở hiện tại: Không có",
		"Nguyễn Văn Bình", "13. Quan hệ với chủ hộ: vợ", "001085001234",
		"Chủ hộ", "2015", "Xác nhận để làm thủ tục vay vốn",
		"20/12/2026", "Phường Hàng Bạc, ngày 20 tháng 11 năm 2026",
		"THỦ TRƯỞNG CƠ QUAN ĐĂNG KÝ CƯ TRÚ"
	};
	struct print_doc *d = NULL;
	struct register_person *p = person();
	struct cutru_err e;
	char *text, *html, *flat_text;
	size_t i;

	ck_assert_int_eq(print_confirmation_doc("00070", "Phường Hàng Bạc", p,
	    household(), &p->confirmations[0], "Người Đề Nghị", "2026-11-27",
	    &d, &e), CUTRU_OK);
	text = render(d, 0);
	html = render(d, 1);
	flat_text = flat(text);
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(strstr(flat_text, want[i]) != NULL,
		    "text lacks %s", want[i]);
	free(flat_text);
	/* The other members: not the person herself; escaped in HTML. */
	ck_assert_ptr_nonnull(strstr(html, "<td>Nguyễn &lt;Bé&gt; &amp; "
	    "Co</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<td>Chủ hộ</td>"));
	ck_assert_ptr_null(strstr(html, "<td>Nguyễn Thị Hoà</td>"));
	ck_assert_uint_eq(d->table_rows, 3);
	ck_assert_ptr_nonnull(strstr(text, "Nguyễn <Bé> & Co"));
	ck_assert_str_eq(d->stem, "CT07-2026-42-001192004567");
	check_layout(text);
	free(text);
	free(html);
	print_doc_free(d);
}
END_TEST

START_TEST(confirmation_without_household)
{
	struct print_doc *d = NULL;
	struct register_person *p = person();
	struct cutru_err e;
	char *text;

	ck_assert_int_eq(print_confirmation_doc("00070", "Phường Hàng Bạc", p,
	    NULL, &p->confirmations[0], NULL, "2026-11-27", &d, &e), CUTRU_OK);
	text = render(d, 0);
	ck_assert_ptr_nonnull(strstr(text, "12. Họ, chữ đệm và tên chủ hộ: "
	    "Không có"));
	ck_assert_ptr_nonnull(strstr(text, "15. Những thành viên khác trong "
	    "hộ gia đình: Không có"));
	ck_assert_uint_eq(d->table_rows, 0);
	free(text);
	print_doc_free(d);
	ck_assert_int_eq(print_confirmation_doc("00070", "x", NULL, NULL,
	    &p->confirmations[0], NULL, "2026-11-27", &d, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "person");
	ck_assert_int_eq(print_confirmation_doc("00070", "x", p, NULL, NULL,
	    NULL, "2026-11-27", &d, &e), CUTRU_EINVAL);
	ck_assert_ptr_null(d);
}
END_TEST

START_TEST(absence_slip_has_every_field)
{
	static const char *const want[] = {
		"Mẫu CT03 ban hành kèm theo Thông tư số 66/2023/TT-BCA",
		"PHIẾU KHAI BÁO TẠM VẮNG", "Hồ sơ số: 9/2026/PTN",
		"Kính gửi: Công an Phường Hàng Bạc", "Nguyễn Thị Hoà",
		"15/08/1992", "Nữ", "001192004567", "Số 16 phố Hàng Bạc",
		"Số 5 đường Lê Lợi", "Điều 31 khoản 1",
		"Từ ngày 01/12/2026 đến ngày 31/12/2027", "Đi làm ăn xa",
		"Thành phố Hồ Chí Minh", "NGƯỜI KHAI BÁO",
		"Phường Hàng Bạc, ngày 27 tháng 11 năm 2026"
	};
	struct print_doc *d = NULL;
	struct register_person *p = person();
	struct cutru_err e;
	char *text, *html, *flat_text;
	size_t i;

	ck_assert_int_eq(print_absence_doc("00070", "Phường Hàng Bạc", p,
	    &p->absences[0], "2026-11-27", &d, &e), CUTRU_OK);
	text = render(d, 0);
	html = render(d, 1);
	flat_text = flat(text);
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		ck_assert_msg(strstr(flat_text, want[i]) != NULL,
		    "text lacks %s", want[i]);
		ck_assert_msg(strstr(html, want[i]) != NULL, "html lacks %s",
		    want[i]);
	}
	free(flat_text);
	ck_assert_str_eq(d->stem, "CT03-001192004567-2026-12-01");
	check_layout(text);
	free(text);
	free(html);
	print_doc_free(d);
	ck_assert_int_eq(print_absence_doc("00070", "x", p, NULL,
	    "2026-11-27", &d, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "absence");
}
END_TEST

START_TEST(file_names_cannot_leave_the_folder)
{
	struct print_receipt r;
	struct print_doc *d;

	receipt_defaults(&r);
	r.number = "../../etc/passwd\n.x";
	d = receipt(&r);
	ck_assert_str_eq(d->stem, "CT04-etc-passwd-x");
	print_doc_free(d);
}
END_TEST

static char tmp[256];

static void
make_tmp(void)
{
	snprintf(tmp, sizeof tmp, "%s", "/tmp/test_print.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void
remove_tmp(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(write_makes_a_private_folder_and_files)
{
	struct print_receipt r;
	struct print_doc *d;
	struct cutru_err e;
	struct stat st;
	char dir[300], txt[PRINT_PATH_MAX], html[PRINT_PATH_MAX];
	char *got, *want;

	make_tmp();
	snprintf(dir, sizeof dir, "%s/export", tmp);
	receipt_defaults(&r);
	d = receipt(&r);
	ck_assert_int_eq(print_write(d, dir, txt, html, &e), CUTRU_OK);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_str_eq(strrchr(txt, '/'), "/CT04-17-2026-PTN.txt");
	ck_assert_str_eq(strrchr(html, '/'), "/CT04-17-2026-PTN.html");
	ck_assert_int_eq(stat(txt, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(html, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	got = slurp(txt);
	want = render(d, 0);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	got = slurp(html);
	want = render(d, 1);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	/* Printing again replaces the files. */
	print_doc_free(d);
	r.applicant_name = "Lê Văn Cường";
	d = receipt(&r);
	ck_assert_int_eq(print_write(d, dir, NULL, NULL, &e), CUTRU_OK);
	got = slurp(txt);
	ck_assert_ptr_nonnull(strstr(got, "Lê Văn Cường"));
	ck_assert_ptr_null(strstr(got, "Nguyễn Văn An"));
	free(got);
	print_doc_free(d);
	remove_tmp();
}
END_TEST

START_TEST(write_refuses_open_folders_and_non_folders)
{
	struct print_receipt r;
	struct print_doc *d;
	struct cutru_err e;
	char dir[300], txt[PRINT_PATH_MAX];
	FILE *f;

	make_tmp();
	receipt_defaults(&r);
	d = receipt(&r);
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	ck_assert_int_eq(print_write(d, tmp, txt, NULL, &e), CUTRU_EPERM);
	ck_assert_ptr_nonnull(strstr(e.msg, "chmod 700"));
	ck_assert_str_eq(txt, "");
	snprintf(dir, sizeof dir, "%s/file", tmp);
	f = fopen(dir, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(print_write(d, dir, NULL, NULL, &e), CUTRU_EIO);
	snprintf(dir, sizeof dir, "%s/no/such/place", tmp);
	ck_assert_int_eq(print_write(d, dir, NULL, NULL, &e), CUTRU_EIO);
	ck_assert_int_eq(print_write(d, "", NULL, NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(print_write(d, NULL, NULL, NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(print_write(NULL, tmp, NULL, NULL, &e),
	    CUTRU_EINVAL);
	print_doc_free(d);
	print_doc_free(NULL);
	remove_tmp();
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("print");
	TCase *tc = tcase_create("print");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, receipt_has_every_field_in_both_files);
	tcase_add_test(tc, receipt_due_all_day_and_provisional);
	tcase_add_test(tc, receipt_refuses_missing_number_and_date);
	tcase_add_test(tc, receipt_with_nothing_optional_still_prints);
	tcase_add_test(tc, html_escapes_every_value);
	tcase_add_test(tc, control_characters_cannot_forge_a_line);
	tcase_add_test(tc, ill_formed_utf8_and_direction_marks_are_replaced);
	tcase_add_test(tc, megabyte_values_wrap_without_loss);
	tcase_add_test(tc, confirmation_has_every_field);
	tcase_add_test(tc, confirmation_without_household);
	tcase_add_test(tc, absence_slip_has_every_field);
	tcase_add_test(tc, file_names_cannot_leave_the_folder);
	tcase_add_test(tc, write_makes_a_private_folder_and_files);
	tcase_add_test(tc, write_refuses_open_folders_and_non_folders);
	suite_add_tcase(s, tc);
	return s;
}
