#include "config.h"

/* Helpers shared by the files of sync/ (sync/util.h). */

#include <string.h>

#include "core/i18n.h"
#include "sync/util.h"

int
sync_oom(struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s", _("Out of memory."));
}

int
sync_db_fail(sqlite3 *db, struct cutru_err *e)
{
	if (sqlite3_errcode(db) == SQLITE_NOMEM)
		return sync_oom(e);
	return cutru_err_set(e, CUTRU_EIO, "store",
	    _("The store could not be read or written: %s."),
	    sqlite3_errmsg(db));
}

int
sync_is_lower_hex(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
sync_is_ward(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 5)
		return 0;
	for (i = 0; i < 5; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}
