#include "config.h"

/* cutru.conf: the console's settings.
 *
 * The file.  UTF-8 text, one setting a line:
 *
 *     # the console locks after ten idle minutes
 *     idle_lock = 600
 *     language = vi
 *
 * A line is blank, a comment (its first non-blank character is '#'), or
 * KEY = VALUE: the key is one of the names below, spaces and tabs around
 * the key and the value are ignored, and the value is the rest of the line
 * (a '#' inside it is part of it: a folder's name may hold one).  Lines end
 * with LF; a CR before it is taken away (a file written on Windows).  The
 * settings:
 *
 *     idle_lock   whole seconds without a key before the console locks,
 *                 0 to 86400; 0 turns the lock off (default 300)
 *     language    auto, vi or en (default auto: see tui/lang.h)
 *     color       auto or never (default auto)
 *     export_dir  an absolute folder for printed documents
 *                 (default <store>/export)
 *
 * Strictness.  The settings decide whether an unattended console locks and
 * where personal data is written, so the parser does not guess: a setting
 * it does not know (a typo: "idle_lok"), a value it cannot read ("5 min"),
 * a setting given twice (which one did the officer mean?), a line that is
 * not a setting, ill-formed UTF-8, a NUL byte, a control character, a line
 * longer than CONF_LINE_MAX or a file longer than CONF_FILE_MAX are all
 * refused, naming the file, the line number and the fix, and the console
 * does not start: a console that silently ran with the lock off because
 * of a typo would be worse than one that says what to correct.  Nothing of
 * a refused file is used: the caller gets the defaults back with the error.
 *
 * Where.  --config FILE, else $CUTRU_CONFIG, else
 * $XDG_CONFIG_HOME/cutru/cutru.conf (XDG_CONFIG_HOME taken only when it is
 * absolute, as the XDG spec says), else ~/.config/cutru/cutru.conf.  A file
 * named explicitly must exist; the default one may be absent. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/utf8.h"
#include "localdb/storedir.h"
#include "tui/conf.h"

static const char *const lang_ids[] = { "auto", "vi", "en" };
static const char *const color_ids[] = { "auto", "never" };

const char *
conf_lang_id(enum conf_lang lang)
{
	if ((int)lang < 0 || (size_t)lang >= sizeof lang_ids / sizeof lang_ids[0])
		return "?";
	return lang_ids[lang];
}

const char *
conf_color_id(enum conf_color color)
{
	if ((int)color < 0 ||
	    (size_t)color >= sizeof color_ids / sizeof color_ids[0])
		return "?";
	return color_ids[color];
}

void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof *c);
	c->idle_lock = CONF_IDLE_LOCK_DEFAULT;
	c->language = CONF_LANG_AUTO;
	c->color = CONF_COLOR_AUTO;
}

int
conf_default_path(char *buf, size_t len, struct cutru_err *e)
{
	const char *xdg, *home;
	int n;

	if (buf == NULL || len == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "config", "%s",
		    _("No buffer was given for the settings file's path."));
	buf[0] = '\0';
	xdg = getenv("XDG_CONFIG_HOME");
	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(buf, len, "%s/cutru/cutru.conf", xdg);
	} else {
		home = storedir_home();
		if (home == NULL)
			return cutru_err_set(e, CUTRU_ENOTFOUND, "config", "%s",
			    _("Cannot find your home directory to look for "
			    "cutru.conf in; set HOME or give the file with "
			    "--config."));
		n = snprintf(buf, len, "%s/.config/cutru/cutru.conf", home);
	}
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return cutru_err_set(e, CUTRU_ERANGE, "config", "%s",
		    _("The path of the settings file is too long; give the "
		    "file with --config."));
	}
	return CUTRU_OK;
}

/* Is s[0..len) exactly word? */
static int
is_word(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* One KEY = VALUE line, already split and trimmed, checked as UTF-8 text.
 * seen: a bit per setting given so far. */
static int
parse_setting(struct conf *c, const char *name, unsigned long lineno,
    const char *key, size_t klen, const char *val, size_t vlen,
    unsigned *seen, struct cutru_err *e)
{
	static const char *const keys[] = {
		"idle_lock", "language", "color", "export_dir"
	};
	char shown[64];
	unsigned bit;
	size_t i, k;

	for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
		if (is_word(key, klen, keys[k]))
			break;
	if (k == sizeof keys / sizeof keys[0]) {
		/* The unknown key as typed, shortened for the message. */
		snprintf(shown, sizeof shown, "%.*s",
		    (int)(klen < 40 ? klen : 40), key);
		return cutru_err_set(e, CUTRU_EINVAL, "", _("%s, line %lu: "
		    "there is no setting '%s'. The settings are idle_lock, "
		    "language, color and export_dir (see cutru.conf(5)); "
		    "correct or remove the line."), name, lineno, shown);
	}
	bit = 1u << k;
	if (*seen & bit)
		return cutru_err_set(e, CUTRU_EINVAL, keys[k], _("%s, line %lu: "
		    "%s is set a second time. Keep one of the two lines."),
		    name, lineno, keys[k]);
	*seen |= bit;
	if (vlen == 0)
		return cutru_err_set(e, CUTRU_EINVAL, keys[k], _("%s, line %lu: "
		    "%s has no value. Give one, or remove the line to use "
		    "the default."), name, lineno, keys[k]);
	snprintf(shown, sizeof shown, "%.*s", (int)(vlen < 40 ? vlen : 40),
	    val);
	switch (k) {
	case 0: {
		long v = 0;

		for (i = 0; i < vlen; i++) {
			if (val[i] < '0' || val[i] > '9' ||
			    v > CONF_IDLE_LOCK_MAX)
				break;
			v = v * 10 + (val[i] - '0');
		}
		if (i < vlen || v > CONF_IDLE_LOCK_MAX)
			return cutru_err_set(e, CUTRU_EINVAL, keys[k],
			    _("%s, line %lu: idle_lock is '%s', which is not a "
			    "number of seconds from 0 to %d. Write whole "
			    "seconds, for example idle_lock = 300 for five "
			    "minutes, or 0 to turn the lock off."), name,
			    lineno, shown, CONF_IDLE_LOCK_MAX);
		c->idle_lock = (int)v;
		return CUTRU_OK;
	}
	case 1:
		for (i = 0; i < sizeof lang_ids / sizeof lang_ids[0]; i++)
			if (is_word(val, vlen, lang_ids[i])) {
				c->language = (enum conf_lang)i;
				return CUTRU_OK;
			}
		return cutru_err_set(e, CUTRU_EINVAL, keys[k], _("%s, line %lu: "
		    "language is '%s'. Write vi (Vietnamese), en (English) or "
		    "auto (from the system's locale)."), name, lineno, shown);
	case 2:
		for (i = 0; i < sizeof color_ids / sizeof color_ids[0]; i++)
			if (is_word(val, vlen, color_ids[i])) {
				c->color = (enum conf_color)i;
				return CUTRU_OK;
			}
		return cutru_err_set(e, CUTRU_EINVAL, keys[k], _("%s, line %lu: "
		    "color is '%s'. Write auto (colours when the terminal "
		    "has them) or never."), name, lineno, shown);
	default:
		if (val[0] != '/')
			return cutru_err_set(e, CUTRU_EINVAL, keys[k],
			    _("%s, line %lu: export_dir is '%s', which is not "
			    "a whole path. Write the folder's full path, "
			    "starting with /."), name, lineno, shown);
		if (vlen >= sizeof c->export_dir)
			return cutru_err_set(e, CUTRU_EINVAL, keys[k],
			    _("%s, line %lu: export_dir is longer than %zu "
			    "bytes. Choose a shorter folder."), name, lineno,
			    sizeof c->export_dir - 1);
		memcpy(c->export_dir, val, vlen);
		c->export_dir[vlen] = '\0';
		return CUTRU_OK;
	}
}

static int
parse_line(struct conf *c, const char *name, unsigned long lineno,
    const char *s, size_t len, unsigned *seen, struct cutru_err *e)
{
	struct utf8_fault_at at;
	const char *eq, *key, *val;
	size_t klen, vlen;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len > CONF_LINE_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "", _("%s, line %lu: the "
		    "line is longer than %d bytes, which no setting needs. "
		    "Shorten it, or check that this is a cutru settings "
		    "file."), name, lineno, CONF_LINE_MAX);
	switch (utf8_check(s, len, UTF8_ALLOW_TAB, &at)) {
	case UTF8_VALID:
		break;
	case UTF8_ENUL:
	case UTF8_ECONTROL:
		return cutru_err_set(e, CUTRU_EINVAL, "", _("%s, line %lu: "
		    "there is a control character (code %u) at byte %zu. "
		    "Remove it; the file must be plain text."), name, lineno,
		    (unsigned)at.cp, at.offset + 1);
	default:
		return cutru_err_set(e, CUTRU_EINVAL, "", _("%s, line %lu: the "
		    "bytes at %zu are not UTF-8 text. Save the file as "
		    "UTF-8."), name, lineno, at.offset + 1);
	}
	while (len > 0 && is_blank(*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	if (len == 0 || s[0] == '#')
		return CUTRU_OK;
	eq = memchr(s, '=', len);
	if (eq == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "", _("%s, line %lu: a "
		    "setting is written as name = value, and this line has "
		    "no '='. Correct it, or begin it with # to make it a "
		    "comment."), name, lineno);
	key = s;
	klen = (size_t)(eq - s);
	while (klen > 0 && is_blank(key[klen - 1]))
		klen--;
	val = eq + 1;
	vlen = len - (size_t)(val - s);
	while (vlen > 0 && is_blank(*val)) {
		val++;
		vlen--;
	}
	if (klen == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "", _("%s, line %lu: the "
		    "line has no setting name before '='. Write name = "
		    "value."), name, lineno);
	return parse_setting(c, name, lineno, key, klen, val, vlen, seen, e);
}

int
conf_parse(const char *text, size_t len, const char *name, struct conf *c,
    struct cutru_err *e)
{
	const char *p, *end, *nl;
	unsigned long lineno = 0;
	unsigned seen = 0;
	int rc;

	if (c == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "", "%s",
		    _("No settings were given to fill."));
	conf_defaults(c);
	if (name == NULL)
		name = "cutru.conf";
	if (text == NULL && len > 0)
		return cutru_err_set(e, CUTRU_EINVAL, "", "%s",
		    _("No settings text was given."));
	if (len > CONF_FILE_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "", _("%s is larger than "
		    "%d bytes; a settings file is a few lines. Check that "
		    "this is a cutru settings file."), name, CONF_FILE_MAX);
	p = text;
	end = text != NULL ? text + len : NULL;
	while (p != NULL && p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		rc = parse_line(c, name, lineno, p, (size_t)(nl - p), &seen, e);
		if (rc != CUTRU_OK) {
			conf_defaults(c);
			return rc;
		}
		p = nl + 1;
	}
	return CUTRU_OK;
}

/* Read path whole (at most CONF_FILE_MAX + 1 bytes, so that a longer file
 * is seen as one).  *out is malloc'd. */
static int
read_file(const char *path, char **out, size_t *outlen, struct cutru_err *e)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;
	int fd, rc = CUTRU_OK;

	*out = NULL;
	*outlen = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return cutru_err_set(e, CUTRU_ENOTFOUND, "config",
			    _("The settings file %s does not exist."), path);
		return cutru_err_set(e, CUTRU_EIO, "config", _("The settings "
		    "file %s cannot be read: %s."), path, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = cutru_err_set(e, CUTRU_EIO, "config", _("The settings "
		    "file %s is not a regular file."), path);
		goto done;
	}
	buf = malloc(CONF_FILE_MAX + 1);
	if (buf == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    _("Out of memory."));
		goto done;
	}
	while (n < CONF_FILE_MAX + 1) {
		r = read(fd, buf + n, CONF_FILE_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = cutru_err_set(e, CUTRU_EIO, "config", _("The "
			    "settings file %s cannot be read: %s."), path,
			    strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*outlen = n;
	buf = NULL;
done:
	free(buf);
	close(fd);
	return rc;
}

int
conf_load(const char *path, struct conf *c, struct cutru_err *e)
{
	char def[CONF_PATH_MAX];
	const char *env;
	char *text = NULL;
	size_t len = 0;
	int rc, must_exist = 1;

	if (c == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "", "%s",
		    _("No settings were given to fill."));
	conf_defaults(c);
	if (path == NULL || path[0] == '\0') {
		env = getenv("CUTRU_CONFIG");
		if (env != NULL && env[0] != '\0')
			path = env;
	}
	if (path == NULL || path[0] == '\0') {
		if (conf_default_path(def, sizeof def, NULL) != CUTRU_OK)
			return CUTRU_OK; /* no home: the defaults */
		path = def;
		must_exist = 0;
	}
	if (strlen(path) >= sizeof c->path)
		return cutru_err_set(e, CUTRU_ERANGE, "config", "%s",
		    _("The path of the settings file is too long."));
	rc = read_file(path, &text, &len, e);
	if (rc == CUTRU_ENOTFOUND && !must_exist) {
		cutru_err_clear(e);
		return CUTRU_OK;
	}
	if (rc != CUTRU_OK)
		return rc;
	rc = conf_parse(text, len, path, c, e);
	free(text);
	if (rc == CUTRU_OK)
		snprintf(c->path, sizeof c->path, "%s", path);
	return rc;
}

const char *
conf_export_dir(const struct conf *c, const char *store, char *buf,
    size_t len)
{
	int n;

	if (buf == NULL || len == 0)
		return NULL;
	if (c != NULL && c->export_dir[0] != '\0')
		n = snprintf(buf, len, "%s", c->export_dir);
	else
		n = snprintf(buf, len, "%s/export", store != NULL ? store : ".");
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return NULL;
	}
	return buf;
}
