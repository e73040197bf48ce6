#include "config.h"

/* console_print(): printing a document from any screen of the console
 * (tui/console.h); the documents themselves are tui/print.c's. */

#include <stdio.h>

#include "core/i18n.h"
#include "tui/conf.h"
#include "tui/console.h"
#include "tui/print.h"

int
console_print_to(struct console *c, enum print_kind kind, const char *key,
    char *path, size_t pathsz)
{
	struct print_doc *d = NULL;
	struct cutru_err e;
	char dir[CONF_PATH_MAX + 16], txt[PRINT_PATH_MAX];
	int rc;

	cutru_err_clear(&e);
	if (c->s == NULL || key == NULL || key[0] == '\0')
		return CUTRU_EINVAL;
	if (conf_export_dir(&c->conf, c->store, dir, sizeof dir) == NULL) {
		ui_status(&c->ui, 1, "%s", _("The folder for printed documents "
		    "has too long a name; set export_dir in cutru.conf."));
		return CUTRU_EINVAL;
	}
	switch (kind) {
	case PRINT_RECEIPT:
		rc = print_receipt_load(c->s, key, console_now(), &d, &e);
		break;
	case PRINT_CONFIRMATION:
		rc = print_confirmation_load(c->s, key, console_now(), &d, &e);
		break;
	default:
		rc = print_absence_load(c->s, key, console_now(), &d, &e);
		break;
	}
	if (rc == CUTRU_OK)
		rc = print_write(d, dir, txt, NULL, &e);
	if (rc != CUTRU_OK)
		console_error(c, &e);
	else if (path != NULL)
		snprintf(path, pathsz, "%s", txt);
	print_doc_free(d);
	return rc;
}

void
console_print(struct console *c, enum print_kind kind, const char *key)
{
	char txt[PRINT_PATH_MAX];
	const char *form = kind == PRINT_RECEIPT ? "CT04" :
	    kind == PRINT_CONFIRMATION ? "CT07" : "CT03";

	if (console_print_to(c, kind, key, txt, sizeof txt) == CUTRU_OK)
		ui_status(&c->ui, 0, _("Form %s written to %s (and .html): "
		    "print it from there."), form, txt);
}
