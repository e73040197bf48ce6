#include "config.h"

/* cutru.conf (tui/conf.h): a good file is read whole; every kind of bad
 * file is refused with a message naming the file, the line and the fix,
 * and leaves the defaults; where the file is looked for. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <check.h>

#include "core/err.h"
#include "tui/conf.h"
#include "tests/unit/tap_main.h"

static struct conf c;
static struct cutru_err e;

static int
parse(const char *text)
{
	cutru_err_clear(&e);
	return conf_parse(text, strlen(text), "test.conf", &c, &e);
}

static void
assert_defaults(void)
{
	ck_assert_int_eq(c.idle_lock, CONF_IDLE_LOCK_DEFAULT);
	ck_assert_int_eq(c.language, CONF_LANG_AUTO);
	ck_assert_int_eq(c.color, CONF_COLOR_AUTO);
	ck_assert_str_eq(c.export_dir, "");
}

/* text is refused; the message holds each of the (up to three) words. */
static void
refused_len(const char *text, size_t len, const char *w1, const char *w2,
    const char *w3)
{
	cutru_err_clear(&e);
	ck_assert_int_eq(conf_parse(text, len, "test.conf", &c, &e),
	    CUTRU_EINVAL);
	ck_assert_msg(strstr(e.msg, "test.conf") != NULL, "%s", e.msg);
	if (w1 != NULL)
		ck_assert_msg(strstr(e.msg, w1) != NULL, "no '%s' in: %s", w1,
		    e.msg);
	if (w2 != NULL)
		ck_assert_msg(strstr(e.msg, w2) != NULL, "no '%s' in: %s", w2,
		    e.msg);
	if (w3 != NULL)
		ck_assert_msg(strstr(e.msg, w3) != NULL, "no '%s' in: %s", w3,
		    e.msg);
	assert_defaults();
}

static void
refused(const char *text, const char *w1, const char *w2, const char *w3)
{
	refused_len(text, strlen(text), w1, w2, w3);
}

START_TEST(test_empty_is_defaults)
{
	ck_assert_int_eq(parse(""), CUTRU_OK);
	assert_defaults();
	ck_assert_int_eq(conf_parse(NULL, 0, NULL, &c, &e), CUTRU_OK);
	assert_defaults();
	ck_assert_int_eq(parse("\n\n   \n\t\n# only a comment\n"), CUTRU_OK);
	assert_defaults();
}
END_TEST

START_TEST(test_good_file)
{
	ck_assert_int_eq(parse(
	    "# cutru.conf for the desk by the door\n"
	    "\n"
	    "idle_lock = 600\n"
	    "  language=vi   \n"
	    "color\t=\tnever\r\n"
	    "export_dir = /srv/in ấn/#2 \n"), CUTRU_OK);
	ck_assert_int_eq(c.idle_lock, 600);
	ck_assert_int_eq(c.language, CONF_LANG_VI);
	ck_assert_int_eq(c.color, CONF_COLOR_NEVER);
	ck_assert_str_eq(c.export_dir, "/srv/in ấn/#2");
	ck_assert_int_eq(parse("language = en\nidle_lock = 0"), CUTRU_OK);
	ck_assert_int_eq(c.language, CONF_LANG_EN);
	ck_assert_int_eq(c.idle_lock, 0);
	ck_assert_int_eq(parse("language = auto\ncolor = auto\n"), CUTRU_OK);
	ck_assert_int_eq(c.language, CONF_LANG_AUTO);
	ck_assert_int_eq(parse("idle_lock = 86400\n"), CUTRU_OK);
	ck_assert_int_eq(c.idle_lock, 86400);
	ck_assert_int_eq(parse("idle_lock = 007\n"), CUTRU_OK);
	ck_assert_int_eq(c.idle_lock, 7);
}
END_TEST

START_TEST(test_unknown_setting)
{
	refused("idle_lock = 5\nidle_lok = 300\n", "line 2", "idle_lok",
	    "idle_lock, language, color and export_dir");
	ck_assert_str_eq(e.field, "");
	refused("Language = vi\n", "line 1", "Language", NULL);
	refused("[console]\n", "line 1", "'='", NULL);
	/* A very long unknown name is shortened in the message. */
	refused("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaa = 1\n", "line 1", "aaaa", NULL);
}
END_TEST

START_TEST(test_bad_values)
{
	refused("idle_lock = 5 min\n", "line 1", "5 min", "idle_lock = 300");
	ck_assert_str_eq(e.field, "idle_lock");
	refused("idle_lock = -1\n", "-1", NULL, NULL);
	refused("idle_lock = +5\n", "+5", NULL, NULL);
	refused("idle_lock = 86401\n", "86401", NULL, NULL);
	refused("idle_lock = 99999999999999999999999999\n", "line 1",
	    "idle_lock", NULL);
	refused("idle_lock = 300 # five minutes\n", "300 # five", NULL, NULL);
	refused("language = fr\n", "fr", "vi", "en");
	ck_assert_str_eq(e.field, "language");
	refused("language = VI\n", "VI", NULL, NULL);
	refused("color = always\n", "always", "never", NULL);
	ck_assert_str_eq(e.field, "color");
	refused("export_dir = export\n", "export", "starting with /", NULL);
	ck_assert_str_eq(e.field, "export_dir");
	refused("export_dir = ~/in\n", "~/in", NULL, NULL);
	refused("language =\n", "line 1", "language", "no value");
	refused("= vi\n", "line 1", "no setting name", NULL);
	refused("idle_lock\n", "line 1", "'='", NULL);
}
END_TEST

START_TEST(test_duplicate)
{
	refused("# lock\nidle_lock = 60\nlanguage = vi\nidle_lock = 600\n",
	    "line 4", "idle_lock", "second time");
	ck_assert_str_eq(e.field, "idle_lock");
	/* Even when both say the same. */
	refused("color = never\ncolor = never\n", "line 2", "color", NULL);
}
END_TEST

START_TEST(test_long_lines)
{
	char line[CONF_LINE_MAX + 8];
	size_t n;

	/* Exactly the limit, as a comment: taken. */
	memset(line, 'x', CONF_LINE_MAX);
	line[0] = '#';
	line[CONF_LINE_MAX] = '\n';
	line[CONF_LINE_MAX + 1] = '\0';
	ck_assert_int_eq(parse(line), CUTRU_OK);
	/* One more byte: refused, even in a comment. */
	memset(line, 'x', CONF_LINE_MAX + 1);
	line[0] = '#';
	line[CONF_LINE_MAX + 1] = '\n';
	line[CONF_LINE_MAX + 2] = '\0';
	refused(line, "line 1", "longer than 1024", NULL);
	/* A CR before the LF does not count. */
	memset(line, 'x', CONF_LINE_MAX);
	line[0] = '#';
	line[CONF_LINE_MAX] = '\r';
	line[CONF_LINE_MAX + 1] = '\n';
	line[CONF_LINE_MAX + 2] = '\0';
	ck_assert_int_eq(parse(line), CUTRU_OK);
	/* A long export_dir that fits in a line. */
	n = (size_t)snprintf(line, sizeof line, "export_dir = /");
	memset(line + n, 'd', CONF_LINE_MAX - n);
	line[CONF_LINE_MAX] = '\0';
	ck_assert_int_eq(parse(line), CUTRU_OK);
	ck_assert_uint_eq(strlen(c.export_dir), CONF_LINE_MAX - n + 1);
}
END_TEST

START_TEST(test_bad_bytes)
{
	/* Overlong '/', a truncated sequence, a surrogate, a lone
	 * continuation byte. */
	refused("language = vi\nexport_dir = /a\xc0\xaf\n", "line 2",
	    "UTF-8", NULL);
	refused("export_dir = /a\xe1\xba\n", "line 1", "UTF-8", NULL);
	refused("export_dir = /\xed\xa0\x80\n", "line 1", "UTF-8", NULL);
	refused("\x80\n", "line 1", "UTF-8", NULL);
	/* A NUL byte inside the file. */
	refused_len("language = vi\nidle_lock = 3\0000\n", 30, "line 2",
	    "control character", NULL);
	/* ESC, a CR in the middle of a line, a form feed. */
	refused("language = \x1b[31mvi\n", "line 1", "control character",
	    NULL);
	refused("language = v\ri\n", "line 1", "control character", NULL);
	refused("\f\n", "line 1", "control character", NULL);
	/* A UTF-16 file (a Windows editor's "Unicode"). */
	refused_len("\xff\xfei\0d\0", 6, "line 1", NULL, NULL);
}
END_TEST

START_TEST(test_too_large)
{
	size_t len = CONF_FILE_MAX + 1, i;
	char *text = malloc(len);

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < len; i++)
		text[i] = (i % 64 == 63) ? '\n' : '#';
	refused_len(text, len, "larger than", NULL, NULL);
	/* Exactly the limit: a file of comments is fine. */
	cutru_err_clear(&e);
	ck_assert_int_eq(conf_parse(text, CONF_FILE_MAX, "test.conf", &c, &e),
	    CUTRU_OK);
	free(text);
	/* A megabyte line. */
	len = 1024 * 1024;
	text = malloc(len);
	ck_assert_ptr_nonnull(text);
	memset(text, 'a', len);
	refused_len(text, len, "larger than", NULL, NULL);
	free(text);
}
END_TEST

START_TEST(test_null_arguments)
{
	ck_assert_int_eq(conf_parse("x", 1, "n", NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(conf_parse(NULL, 5, "n", &c, &e), CUTRU_EINVAL);
	ck_assert_int_eq(conf_load(NULL, NULL, &e), CUTRU_EINVAL);
	ck_assert_int_eq(conf_default_path(NULL, 10, &e), CUTRU_EINVAL);
}
END_TEST

static char tmpdir[] = "/tmp/test_conf.XXXXXX";

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
load_setup(void)
{
	strcpy(tmpdir, "/tmp/test_conf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	unsetenv("CUTRU_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
}

static void
load_teardown(void)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_load)
{
	char path[512], dirpath[512];

	/* No file at the default place: the defaults, no error. */
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	c.idle_lock = 1;
	ck_assert_int_eq(conf_load(NULL, &c, &e), CUTRU_OK);
	assert_defaults();
	ck_assert_str_eq(c.path, "");
	/* The default place. */
	snprintf(dirpath, sizeof dirpath, "%s/cutru", tmpdir);
	ck_assert_int_eq(mkdir(dirpath, 0700), 0);
	snprintf(path, sizeof path, "%s/cutru/cutru.conf", tmpdir);
	write_file(path, "idle_lock = 2\n");
	ck_assert_int_eq(conf_load(NULL, &c, &e), CUTRU_OK);
	ck_assert_int_eq(c.idle_lock, 2);
	ck_assert_str_eq(c.path, path);
	/* A bad default file stops too (fail closed), naming it. */
	write_file(path, "idle_lock = two\n");
	ck_assert_int_eq(conf_load(NULL, &c, &e), CUTRU_EINVAL);
	ck_assert(strstr(e.msg, path) != NULL);
	assert_defaults();
	/* --config and CUTRU_CONFIG: must exist. */
	snprintf(path, sizeof path, "%s/other.conf", tmpdir);
	ck_assert_int_eq(conf_load(path, &c, &e), CUTRU_ENOTFOUND);
	ck_assert(strstr(e.msg, "other.conf") != NULL);
	setenv("CUTRU_CONFIG", path, 1);
	ck_assert_int_eq(conf_load(NULL, &c, &e), CUTRU_ENOTFOUND);
	write_file(path, "language = en\n");
	ck_assert_int_eq(conf_load(NULL, &c, &e), CUTRU_OK);
	ck_assert_int_eq(c.language, CONF_LANG_EN);
	/* --config wins over CUTRU_CONFIG. */
	snprintf(dirpath, sizeof dirpath, "%s/third.conf", tmpdir);
	write_file(dirpath, "language = vi\n");
	ck_assert_int_eq(conf_load(dirpath, &c, &e), CUTRU_OK);
	ck_assert_int_eq(c.language, CONF_LANG_VI);
	ck_assert_str_eq(c.path, dirpath);
	/* A folder is not a settings file. */
	ck_assert_int_eq(conf_load(tmpdir, &c, &e), CUTRU_EIO);
	/* /dev/zero: endless, refused as too large rather than read on. */
	ck_assert_int_eq(conf_load("/dev/zero", &c, &e), CUTRU_EIO);
}
END_TEST

START_TEST(test_default_path)
{
	char buf[256];

	setenv("XDG_CONFIG_HOME", "/x/conf", 1);
	ck_assert_int_eq(conf_default_path(buf, sizeof buf, &e), CUTRU_OK);
	ck_assert_str_eq(buf, "/x/conf/cutru/cutru.conf");
	/* A relative XDG_CONFIG_HOME is ignored, as the spec says. */
	setenv("XDG_CONFIG_HOME", "conf", 1);
	setenv("HOME", "/home/lan", 1);
	ck_assert_int_eq(conf_default_path(buf, sizeof buf, &e), CUTRU_OK);
	ck_assert_str_eq(buf, "/home/lan/.config/cutru/cutru.conf");
	ck_assert_int_eq(conf_default_path(buf, 10, &e), CUTRU_ERANGE);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_export_dir)
{
	char buf[64];

	conf_defaults(&c);
	ck_assert_str_eq(conf_export_dir(&c, "/s/store", buf, sizeof buf),
	    "/s/store/export");
	ck_assert_str_eq(conf_export_dir(NULL, "/s/store", buf, sizeof buf),
	    "/s/store/export");
	ck_assert_int_eq(parse("export_dir = /media/usb/in\n"), CUTRU_OK);
	ck_assert_str_eq(conf_export_dir(&c, "/s/store", buf, sizeof buf),
	    "/media/usb/in");
	ck_assert_ptr_null(conf_export_dir(&c, "/s/store", buf, 5));
	ck_assert_str_eq(buf, "");
	ck_assert_ptr_null(conf_export_dir(&c, "/s", NULL, 5));
	ck_assert_str_eq(conf_lang_id(CONF_LANG_VI), "vi");
	ck_assert_str_eq(conf_lang_id((enum conf_lang)7), "?");
	ck_assert_str_eq(conf_color_id(CONF_COLOR_NEVER), "never");
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("parse");
	TCase *tl = tcase_create("load");

	tcase_add_test(tc, test_empty_is_defaults);
	tcase_add_test(tc, test_good_file);
	tcase_add_test(tc, test_unknown_setting);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_duplicate);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_bad_bytes);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_null_arguments);
	tcase_add_test(tc, test_export_dir);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tl, load_setup, load_teardown);
	tcase_add_test(tl, test_load);
	tcase_add_test(tl, test_default_path);
	suite_add_tcase(s, tl);
	return s;
}
