#include "config.h"

/* The unlock step of sync for the CLI and the console (tui/syncui.h). */

#include <stdio.h>

#include "core/i18n.h"
#include "sync/inbox.h"
#include "tui/syncui.h"

int
syncui_unlock(struct session *s, time_t now, char *msg, size_t len)
{
	struct inbox_unlock_report r;
	struct cutru_err e;

	msg[0] = '\0';
	cutru_err_clear(&e);
	if (inbox_unlock(s, now, &r, &e) != CUTRU_OK) {
		snprintf(msg, len, _("Sync could not be brought up to date: "
		    "%s"), e.msg);
		return 1;
	}
	if (r.inbox.rejected > 0)
		snprintf(msg, len, dngettext(PACKAGE, "%zu change set was rejected by "
		    "the registry and needs attention: see 'cutru outbox "
		    "status'.", "%zu change sets were rejected by the registry "
		    "and need attention: see 'cutru outbox status'.",
		    r.inbox.rejected), r.inbox.rejected);
	else if (r.repair.unsealable > 0)
		snprintf(msg, len, _("An approval could not be sealed for the "
		    "registry: %s"), r.repair.problem.msg);
	else if (r.inbox.refused > 0)
		snprintf(msg, len, dngettext(PACKAGE, "%zu file in the inbox was refused "
		    "(%s); it is kept in inbox/cur.", "%zu files in the inbox "
		    "were refused (%s); they are kept in inbox/cur.",
		    r.inbox.refused), r.inbox.refused,
		    r.inbox.problem.msg);
	else if (r.inbox.items_refused > 0)
		snprintf(msg, len, dngettext(PACKAGE, "%zu change from the registry's "
		    "feed could not be applied: %s", "%zu changes from the "
		    "registry's feed could not be applied: %s",
		    r.inbox.items_refused), r.inbox.items_refused,
		    r.inbox.problem.msg);
	else
		return 0;
	return 1;
}
