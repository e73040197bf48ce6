#include "config.h"

/* Views over the register's JSON export.
 *
 * export_json() writes "[", then one canonical JSON object per line, each
 * but the last followed by ",", then "]" (localdb/import.h).  A canonical
 * object never holds a raw line break (strings escape it), so a line is a
 * person.  The export is written into a FILE made with fopencookie() whose
 * write function cuts the bytes into lines and hands each person to the
 * view as soon as its line is complete: memory holds one line at a time,
 * whatever the size of the register, and nothing reaches the disk (an
 * export in a temporary file would put the register in the clear on it).
 *
 * A line longer than LINE_MAX is refused as a damaged export rather than
 * grown without bound. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "core/i18n.h"
#include "localdb/import.h"
#include "tui/view.h"

#define LINE_MAX_BYTES (4 * 1024 * 1024)

struct walk {
	int (*each)(const cJSON *person, void *arg);
	void *arg;
	char *line;
	size_t len, cap;
	int stop;       /* the callback's non-zero return */
	int failed;     /* CUTRU_ENOMEM or CUTRU_EIO */
};

static void
one_line(struct walk *w)
{
	cJSON *person;
	size_t len = w->len;

	if (len > 0 && w->line[len - 1] == ',')
		len--;
	if (len == 0 || w->line[0] != '{')
		return;  /* "[" and "]" */
	w->line[len] = '\0';
	if ((person = cJSON_Parse(w->line)) == NULL) {
		w->failed = CUTRU_EIO;
		return;
	}
	w->stop = w->each(person, w->arg);
	cJSON_Delete(person);
}

static ssize_t
walk_write(void *cookie, const char *buf, size_t size)
{
	struct walk *w = cookie;
	size_t i;

	if (w->stop != 0 || w->failed != 0) {
		errno = EIO;
		return -1;
	}
	for (i = 0; i < size; i++) {
		if (buf[i] == '\n') {
			one_line(w);
			w->len = 0;
			if (w->stop != 0 || w->failed != 0) {
				errno = EIO;
				return -1;
			}
			continue;
		}
		if (w->len + 2 > w->cap) {
			size_t cap = w->cap == 0 ? 4096 : w->cap * 2;
			char *p;

			if (cap > LINE_MAX_BYTES ||
			    (p = realloc(w->line, cap)) == NULL) {
				w->failed = cap > LINE_MAX_BYTES ? CUTRU_EIO :
				    CUTRU_ENOMEM;
				errno = EIO;
				return -1;
			}
			w->line = p;
			w->cap = cap;
		}
		w->line[w->len++] = buf[i];
	}
	return (ssize_t)size;
}

int
view_persons(sqlite3 *db, int (*each)(const cJSON *person, void *arg),
    void *arg, struct cutru_err *e)
{
	static const cookie_io_functions_t io = { NULL, walk_write, NULL,
	    NULL };
	struct walk w;
	FILE *f;
	int rc;

	memset(&w, 0, sizeof w);
	w.each = each;
	w.arg = arg;
	if ((f = fopencookie(&w, "w", io)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while reading the register."));
	rc = export_json(db, f, e);
	if (fclose(f) != 0 && rc == CUTRU_OK)
		rc = CUTRU_EIO;
	if (w.stop != 0) {
		rc = cutru_err_set(e, w.stop, NULL,
		    _("Out of memory while reading the register."));
	} else if (w.failed != 0) {
		rc = cutru_err_set(e, w.failed, NULL, w.failed == CUTRU_ENOMEM ?
		    _("Out of memory while reading the register.") :
		    _("The register's export could not be read back."));
	} else if (rc == CUTRU_EIO && e != NULL && e->code == CUTRU_OK) {
		rc = cutru_err_set(e, CUTRU_EIO, NULL,
		    _("The register's export could not be read back."));
	}
	free(w.line);
	return rc;
}
