/* User-visible text goes through _(); log text does not.
 * dgettext with the package's own domain, so the libraries translate the same
 * way whichever program (console, registry, tests) links them. */
#ifndef CUTRU_I18N_H
#define CUTRU_I18N_H

#include <libintl.h>

#define _(s) dgettext(PACKAGE, (s))
#define N_(s) (s)

#endif
