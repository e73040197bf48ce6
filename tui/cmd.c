#include "config.h"

#include <string.h>

#include "tui/cmd.h"

/* Every top-level command, in the order of cutru(1).  A new command is a
 * new file plus one line here. */
const struct cmd *const cmd_table[] = {
	&cmd_init,
	&cmd_officer,
	&cmd_apply,
	&cmd_queue,
	&cmd_search,
	&cmd_show,
	&cmd_household,
	&cmd_dossier,
	&cmd_import,
	&cmd_export,
	&cmd_expiring,
	&cmd_report,
	&cmd_audit,
	&cmd_print,
	&cmd_backup,
	&cmd_restore,
	&cmd_rekey,
	&cmd_console,
	&cmd_enroll,
	&cmd_outbox,
	&cmd_inbox,
	&cmd_sync,
	NULL
};

const struct cmd *
cmd_find(const struct cmd *const *table, const char *name)
{
	if (table == NULL || name == NULL)
		return NULL;
	for (; *table != NULL; table++)
		if (strcmp((*table)->name, name) == 0)
			return *table;
	return NULL;
}
