#include "config.h"

/* Switching gettext's language while the program runs.
 *
 * The console translates with dgettext(PACKAGE, ...) (core/i18n.h), which
 * picks the catalogue from the LANGUAGE environment variable, then from
 * the LC_MESSAGES locale.  So a switch is: set LANGUAGE to "vi" or "en",
 * then tell gettext that its cached answers are stale.  glibc (and GNU
 * libintl) bump their catalogue counter (_nl_msg_cat_cntr) in every
 * successful textdomain() call, which invalidates the lookups cached
 * under the old language; textdomain(textdomain(NULL)) does that without
 * changing the domain, and through a public function only.
 *
 * Two traps.  gettext ignores LANGUAGE altogether while LC_MESSAGES is the
 * "C" (or "POSIX") locale, which is what a process gets when LANG names a
 * locale the system has not installed (LANG=vi_VN.UTF-8 on a machine with
 * only C.UTF-8): so for Vietnamese LC_MESSAGES is moved to C.UTF-8 when it
 * is C.  And "en" has no catalogue, which is the point: gettext then
 * answers with the English source text.
 *
 * The answer to "which language is it now" is asked of gettext itself (is
 * a message known to the catalogue translated?), so it is right even when
 * the Vietnamese catalogue is missing. */

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <libintl.h>

#include "core/i18n.h"
#include "tui/lang.h"

static unsigned generation;

/* Does this locale or language list name Vietnamese first? */
static int
names_vi(const char *s)
{
	return s[0] == 'v' && s[1] == 'i' && (s[2] == '\0' || s[2] == '_' ||
	    s[2] == '.' || s[2] == '@' || s[2] == ':');
}

enum conf_lang
lang_from_env(void)
{
	static const char *const vars[] = {
		"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"
	};
	const char *v;
	size_t i;

	for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		v = getenv(vars[i]);
		if (v != NULL && v[0] != '\0')
			return names_vi(v) ? CONF_LANG_VI : CONF_LANG_EN;
	}
	return CONF_LANG_EN;
}

void
lang_set(enum conf_lang lang)
{
	const char *msgs;

	if (lang == CONF_LANG_AUTO)
		lang = lang_from_env();
	if (lang == CONF_LANG_VI) {
		msgs = setlocale(LC_MESSAGES, NULL);
		if (msgs == NULL || strcmp(msgs, "C") == 0 ||
		    strcmp(msgs, "POSIX") == 0)
			(void)setlocale(LC_MESSAGES, "C.UTF-8");
		setenv("LANGUAGE", "vi", 1);
	} else
		setenv("LANGUAGE", "en", 1);
	(void)textdomain(textdomain(NULL));
	generation++;
}

enum conf_lang
lang_current(void)
{
	/* A message every catalogue of cutru translates. */
	static const char probe[] = "Log in";

	return strcmp(_(probe), probe) != 0 ? CONF_LANG_VI : CONF_LANG_EN;
}

enum conf_lang
lang_toggle(void)
{
	lang_set(lang_current() == CONF_LANG_VI ? CONF_LANG_EN :
	    CONF_LANG_VI);
	return lang_current();
}

unsigned
lang_generation(void)
{
	return generation;
}

const char *
lang_other_name(void)
{
	/* Not translated: each name is written in its own language, so
	 * that an officer who cannot read the current one finds theirs. */
	return lang_current() == CONF_LANG_VI ? "English" : "Tiếng Việt";
}
