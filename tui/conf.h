/* The console's settings file, cutru.conf(5): where it is, what it may
 * say, and the strict parser that reads it.  See tui/conf.c for the format
 * and man/cutru.conf.5 for the officer's description.
 *
 * A program that needs a setting loads the file once with conf_load()
 * (which also fills the defaults when there is no file) and reads the
 * struct; export_dir is read through conf_export_dir(), which applies its
 * default (<store>/export). */
#ifndef CUTRU_CONF_H
#define CUTRU_CONF_H

#include <stddef.h>

#include "core/err.h"

/* The longest line, in bytes without its newline; longer is refused. */
#define CONF_LINE_MAX 1024
/* The longest file; longer is refused. */
#define CONF_FILE_MAX (64 * 1024)
/* Room for a path value (export_dir) with its NUL. */
#define CONF_PATH_MAX 4096
/* idle_lock: at most one day, in seconds. */
#define CONF_IDLE_LOCK_MAX 86400
/* idle_lock when the file does not set it: five minutes. */
#define CONF_IDLE_LOCK_DEFAULT 300

enum conf_lang {
	CONF_LANG_AUTO = 0, /* from the environment (see tui/lang.h) */
	CONF_LANG_VI,
	CONF_LANG_EN
};

enum conf_color {
	CONF_COLOR_AUTO = 0, /* colours when the terminal has them and
	                      * NO_COLOR is unset or empty */
	CONF_COLOR_NEVER
};

struct conf {
	int idle_lock;                  /* seconds without a key; 0: off */
	enum conf_lang language;
	enum conf_color color;
	char export_dir[CONF_PATH_MAX]; /* absolute, or "": <store>/export */
	char path[CONF_PATH_MAX];       /* the file read, "" when none was */
};

/* The defaults: idle_lock 300, language auto, color auto, export_dir "". */
void conf_defaults(struct conf *c);

/* The default place of the file: $XDG_CONFIG_HOME/cutru/cutru.conf when
 * XDG_CONFIG_HOME is an absolute path, else $HOME/.config/cutru/cutru.conf.
 * CUTRU_ENOTFOUND when neither is known; CUTRU_ERANGE when it does not fit
 * in len. */
int conf_default_path(char *buf, size_t len, struct cutru_err *e);

/* Parse the text of a settings file (text[0..len), not NUL-terminated;
 * text may be NULL when len is 0) over the defaults into *c.  name is the
 * file's name for messages.  Strict: an unknown setting, a bad value, a
 * setting given twice, a line without '=', a line longer than
 * CONF_LINE_MAX, a NUL byte, ill-formed UTF-8, or a file longer than
 * CONF_FILE_MAX are refused with CUTRU_EINVAL, a message naming the file,
 * the line and the fix, and field set to the setting's name (or "").  On
 * failure *c holds the defaults (nothing half-read is ever used). */
int conf_parse(const char *text, size_t len, const char *name,
    struct conf *c, struct cutru_err *e);

/* Load the settings: from path when it is not NULL (the --config option;
 * a missing file is then an error), else from $CUTRU_CONFIG when set and
 * not empty (likewise), else from conf_default_path(), where a missing
 * file (or an unknown home) simply means the defaults.  c->path gets the
 * file read.  Errors as conf_parse(), and CUTRU_ENOTFOUND / CUTRU_EIO for
 * a file that was asked for and cannot be read. */
int conf_load(const char *path, struct conf *c, struct cutru_err *e);

/* The folder printed documents go to: c->export_dir, or when it is empty
 * (or c is NULL) store + "/export".  Written to buf[len]; returns buf, or
 * NULL when it does not fit.  Creating the folder is the caller's part. */
const char *conf_export_dir(const struct conf *c, const char *store,
    char *buf, size_t len);

/* The ids as the file spells them ("auto", "vi", "en"; "auto", "never"). */
const char *conf_lang_id(enum conf_lang lang);
const char *conf_color_id(enum conf_color color);

#endif
