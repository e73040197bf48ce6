/* The language the console speaks: Vietnamese or English (the source
 * text), chosen at start from cutru.conf's language setting and switched
 * at run time (F9).  See tui/lang.c for how gettext is made to follow. */
#ifndef CUTRU_LANG_H
#define CUTRU_LANG_H

#include "tui/conf.h"

/* What "auto" means here: CONF_LANG_VI when the first of LANGUAGE, LC_ALL,
 * LC_MESSAGES and LANG that is set and not empty names Vietnamese ("vi",
 * "vi_VN.UTF-8", "vi:en", ...), else CONF_LANG_EN.  Read from the
 * environment, so it holds even when the vi_VN locale is not installed. */
enum conf_lang lang_from_env(void);

/* Speak lang from now on (CONF_LANG_AUTO: lang_from_env()).  Every _()
 * after it answers in that language; text already translated and kept
 * by a screen is not changed (see lang_generation()). */
void lang_set(enum conf_lang lang);

/* The language _() answers in now: CONF_LANG_VI when the catalogue is in
 * use, else CONF_LANG_EN (also when the Vietnamese catalogue is not
 * installed, whatever was asked). */
enum conf_lang lang_current(void);

/* Switch to the other language; returns the new one. */
enum conf_lang lang_toggle(void);

/* A number that changes at each lang_set(): a screen that keeps
 * translated text compares it with the one it built the text under. */
unsigned lang_generation(void);

/* The name of the language lang_toggle() would switch to, in that
 * language ("English", "Tiếng Việt"): the function-key bar's label. */
const char *lang_other_name(void);

#endif
