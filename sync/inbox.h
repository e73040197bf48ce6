/* The inbox: receipts and feed pages on their way into the store.
 *
 * Whatever brings them (the uploader over the network, a USB stick by
 * inbox_import()) only delivers files into inbox/new/ (sync/spool.h); it
 * needs no secret.  They are applied when an officer next unlocks the
 * store (inbox_unlock(), called by the CLI and the console right after
 * session_open()), because only then are the device's keys at hand.
 *
 * Applying, file by file (inbox_apply()):
 *
 *   receipt ("cuR1")  verified with the pinned registry key and matched
 *       to a change set of this store by (device, seq, hash), or by the
 *       item hash of its sealed bytes for a change set the registry could
 *       not open.  accepted and rejected are final: the change set and its
 *       dossier take that state and the receipt is kept with the change
 *       set (its reasons are the "needs attention" list, outbox_list());
 *       held marks a pending change set held.  A final state never changes
 *       again, so a receipt applied twice changes nothing.  After the
 *       commit the change set's outbox file is removed.
 *   feed page ("cuF1")  opened with the device's key and verified with
 *       the registry's; applied only when its "after" is the cursor the
 *       store holds, in one transaction with the new cursor (meta
 *       "feed_cursor"), so a page delivered twice is skipped.  Each item's
 *       events go through apply_and_journal() (localdb/journal.h) as actor
 *       "registry": a resident who registered elsewhere has the local
 *       residence closed with the ground the registry gives.  An item the
 *       register refuses is counted and skipped (the page still moves the
 *       cursor), so one bad item cannot stop the feed for ever.
 *
 * A file that was applied (or was a copy of one applied already) is
 * removed; one that cannot be verified or matched is moved to inbox/cur/
 * and counted as refused.  A console not enrolled leaves everything in
 * place (it holds no registry key to verify with).
 *
 * Names in inbox/new: "r-" or "f-" and the first 16 hexadecimal digits of
 * BLAKE2b-256 of the file's bytes, so delivering the same bytes twice
 * gives the same name. */
#ifndef CUTRU_SYNC_INBOX_H
#define CUTRU_SYNC_INBOX_H

#include <stddef.h>
#include <time.h>

#include "core/err.h"
#include "localdb/session.h"
#include "sync/outbox.h"

struct inbox_report {
	size_t accepted;      /* receipts that made a change set accepted */
	size_t rejected;      /* ... rejected (needs attention) */
	size_t held;          /* ... held */
	size_t duplicates;    /* receipts and pages that changed nothing */
	size_t pages;         /* feed pages applied */
	size_t items;         /* feed items applied */
	size_t items_refused; /* feed items the register refused */
	size_t refused;       /* files moved to inbox/cur */
	size_t waiting;       /* files left (console not enrolled) */
	struct cutru_err problem; /* first refusal or refused item */
};

/* Deliver bytes a transport brought (a receipt or a feed page, told apart
 * by their magic) into storedir's inbox/new under the name above; needs
 * no session.  CUTRU_EINVAL for anything else. */
int inbox_deliver(const char *storedir, const void *buf, size_t len,
    struct cutru_err *e);

/* Apply inbox/new as above.  now dates the journal entries of feed
 * events.  CUTRU_OK unless the store or the disk fails; what was refused
 * is in r. */
int inbox_apply(struct session *s, time_t now, struct inbox_report *r,
    struct cutru_err *e);

/* Copy from removable media dir the receipts of this console's change
 * sets (dir/receipts/NAME for the outbox's NAMEs) and its feed page
 * (dir/feed/DEVICE) into the inbox, then inbox_apply().  *copied (may be
 * NULL) counts the files copied.  The console must be enrolled
 * (CUTRU_EPERM); a dir without either is CUTRU_ENOTFOUND. */
int inbox_import(struct session *s, const char *dir, time_t now,
    size_t *copied, struct inbox_report *r, struct cutru_err *e);

struct inbox_unlock_report {
	struct outbox_repair_report repair;
	struct inbox_report inbox;
};

/* What unlocking a store does for sync, in one place: outbox_repair(),
 * then inbox_apply().  Both run even if the first fails; the first
 * failure is returned (the session stays usable: the caller reports it
 * and goes on). */
int inbox_unlock(struct session *s, time_t now,
    struct inbox_unlock_report *r, struct cutru_err *e);

#endif
