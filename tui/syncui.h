/* What the CLI and the console do for sync when an officer unlocks the
 * store: one call, so both do the same (sync/inbox.h, inbox_unlock()). */
#ifndef CUTRU_SYNCUI_H
#define CUTRU_SYNCUI_H

#include <stddef.h>
#include <time.h>

#include "localdb/session.h"

/* Repair the outbox and apply the inbox for session s (inbox_unlock()).
 * Never fails the unlock: msg[0..len) gets one translated line worth
 * showing the officer (a store or disk problem, change sets that need
 * attention, inbox files refused), or "" when there is nothing to say.
 * Returns 1 when msg is a problem rather than news, else 0. */
int syncui_unlock(struct session *s, time_t now, char *msg, size_t len);

#endif
