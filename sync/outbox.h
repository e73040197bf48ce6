/* The outbox: how an approval becomes a sealed change set on its way out,
 * and how the store keeps track of each one until the registry answers.
 *
 * ---------------------------------------------------------------------
 * ONE STEP, TWO PLACES
 *
 * outbox_approve() approves a dossier (localdb/dossier.h) and, in the same
 * database transaction, makes its change set (device_seal_changeset(),
 * sync/device.h): the approval, the register's change, the change set's
 * place in the device's chain and its sealed bytes commit together or
 * not at all.  Only after the commit is the file written to
 * outbox/new/NAME (sync/spool.h), from the sealed bytes just committed.
 *
 * A crash between the commit and the file leaves a change set in the
 * store without its file.  outbox_repair(), run at every unlock
 * (inbox_unlock(), sync/inbox.h), writes the file of every change set
 * that is not final and has none, from the sealed bytes kept in the store:
 * byte for byte the same file, never sealed again, so the change set is
 * neither lost nor doubled.  The file name is fixed by the change set:
 *
 *   NAME = SSSSSSSSSS-HHHHHHHHHHHHHHHH.cs
 *
 * the sequence number in ten decimal digits with leading zeros (so that
 * names sort in chain order: cutru-registryd import takes files in name
 * order) and the first 16 hexadecimal digits of the chained hash, so a
 * rewrite replaces the file with the same bytes.
 *
 * A console that is not enrolled yet has no registry key to seal to: its
 * approvals commit without a change set, and outbox_repair() seals them
 * (in the order they were approved) at the first unlock after enrollment.
 *
 * ---------------------------------------------------------------------
 * STATES (table changesets, column state)
 *
 *   sealed    made, not handed to any transport yet
 *   sent      handed to the registry over the network (the uploader)
 *   exported  written to removable media (outbox_export())
 *   held      the registry answered "held" (a gap): it is sent again
 *   accepted  final: the registry applied it
 *   rejected  final: the registry refused it; the receipt's reasons are
 *             the "needs attention" list (outbox_list())
 *
 * The first four are "pending": the change set still goes out by any path
 * (an exported one may still go by network; the registry is idempotent),
 * and its file stays in outbox/.  A receipt that arrives by any path makes
 * it final (sync/inbox.h) and its outbox file is removed.  The dossier
 * follows: approved -> sent (once exported or sent) -> accepted or
 * rejected.
 *
 * ---------------------------------------------------------------------
 * REMOVABLE MEDIA (cutru(1), FILES; cutru-registryd(8), REMOVABLE MEDIA)
 *
 *   DIR/changesets/NAME           every pending change set, sealed
 *   DIR/feed-requests/DEVICE      the signed feed request, one line:
 *                                 device=ID&after=CURSOR&time=T&sig=HEX
 *   DIR/manifest-DEVICE.txt       written last:
 *       cutru-export-v1
 *       device DEVICE
 *       ward WARD
 *       time T
 *       changesets N
 *       SEQ HASH SIZE changesets/NAME      (N lines, by SEQ)
 *       feed-request feed-requests/DEVICE
 *     HASH is the 64-digit chained hash the receipt will name, SIZE the
 *     file's bytes.
 *
 * The registry writes DIR/receipts/NAME and DIR/feed/DEVICE, which
 * inbox_import() (sync/inbox.h) carries home. */
#ifndef CUTRU_SYNC_OUTBOX_H
#define CUTRU_SYNC_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/err.h"
#include "core/hash.h"
#include "localdb/dossier.h"
#include "localdb/session.h"
#include "sync/envelope.h"
#include "sync/feed.h"
#include "sync/receipt.h"
#include "sync/spool.h"

/* "0000000017-c2516b3b1245cdb5.cs": its length, and a buffer for it. */
#define OUTBOX_NAME_LEN 30
#define OUTBOX_NAME_SIZE 32
#define OUTBOX_STATE_SIZE 12

enum outbox_state {
	OUTBOX_SEALED = 0,
	OUTBOX_SENT,
	OUTBOX_EXPORTED,
	OUTBOX_HELD,
	OUTBOX_ACCEPTED,
	OUTBOX_REJECTED,
	OUTBOX_STATES
};

/* "sealed", ... as stored; NULL out of range. */
const char *outbox_state_name(enum outbox_state s);

/* The file name of change set seq with chained hash into
 * buf[OUTBOX_NAME_SIZE].  CUTRU_EINVAL for seq < 1 or > 9999999999. */
int outbox_file_name(int64_t seq, const unsigned char hash[HASH_LEN],
    char buf[OUTBOX_NAME_SIZE], struct cutru_err *e);

struct outbox_approval {
	int sealed;                 /* 1: a change set was made */
	int64_t seq;                /* its number, else 0 */
	char name[OUTBOX_NAME_SIZE]; /* its file name, else "" */
	int file_written;           /* 0: the file is written at the next
	                             * unlock; file_err says why */
	struct cutru_err file_err;
};

/* Approve dossier number as dossier_approve() does (same permissions and
 * errors) and, in the same transaction, make and record its sealed change
 * set (the device is made now if the store has none); then write the
 * outbox file.  A console not enrolled yet approves without a change set
 * (out->sealed 0).  A failure to write the file after the commit does not
 * fail the approval: out->file_written is 0 and outbox_repair() writes it.
 * out may be NULL. */
int outbox_approve(struct session *s, const char *number,
    const char *passphrase, time_t now, struct outbox_approval *out,
    struct cutru_err *e);

struct outbox_repair_report {
	size_t sealed;      /* approvals sealed now (enrolled since) */
	size_t written;     /* outbox files written again */
	size_t retired;     /* files of final change sets removed */
	size_t unsealable;  /* approvals that could not be sealed (problem) */
	struct cutru_err problem;  /* the first such problem, code 0 if none */
};

/* Make the outbox agree with the store (see above): old temp files go,
 * approvals without a change set are sealed when the console is enrolled,
 * every pending change set has its file, final ones have none.  Files the
 * store does not know are left alone.  Each approval sealed here commits
 * on its own.  CUTRU_OK unless the store or the disk fails (an approval
 * that cannot be sealed is counted, not an error). */
int outbox_repair(struct session *s, time_t now,
    struct outbox_repair_report *r, struct cutru_err *e);

struct outbox_export_report {
	size_t files;       /* change sets written */
	size_t bytes;       /* their total size */
	char manifest[SPOOL_NAME_MAX + 1]; /* the manifest's file name */
};

/* Write every pending change set, the feed request and the manifest to
 * dir (an existing folder, e.g. a mounted USB stick; changesets/ and
 * feed-requests/ are made in it), each file atomically and synced, then
 * mark the change sets "exported" (and their dossiers "sent").  The
 * console must be enrolled (CUTRU_EPERM).  Writing the same stick twice
 * is harmless. */
int outbox_export(struct session *s, const char *dir, time_t now,
    struct outbox_export_report *r, struct cutru_err *e);

/* One change set as outbox_list() gives it. */
struct outbox_item {
	int64_t seq;
	unsigned char hash[HASH_LEN];
	char name[OUTBOX_NAME_SIZE];
	char dossier[DOSSIER_NUMBER_MAX];
	enum outbox_state state;
	int64_t created;            /* Unix seconds */
	size_t size;                /* bytes of the sealed change set */
	int64_t answered;           /* the receipt's time, 0 without one */
	size_t nreasons;            /* rejected and held: the registry's */
	struct receipt_reason *reasons; /* malloc'd, or NULL */
};

/* The change sets of the store by seq: all of them, or (pending_only)
 * those still pending, or (attention_only) the rejected ones.  *items
 * freed with outbox_list_free(). */
#define OUTBOX_LIST_PENDING 0x1
#define OUTBOX_LIST_ATTENTION 0x2
int outbox_list(struct session *s, int flags, struct outbox_item **items,
    size_t *n, struct cutru_err *e);
void outbox_list_free(struct outbox_item *items, size_t n);

struct outbox_status {
	int has_device;
	int enrolled;
	char device[ENVELOPE_KEY_ID_HEX + 1];
	char registry[REGISTRY_KEY_NAME_MAX + 1];
	size_t count[OUTBOX_STATES];  /* change sets per state */
	size_t unsealed;     /* approvals waiting for a change set */
	size_t outbox_files; /* files in outbox/new and outbox/cur */
	size_t inbox_new;    /* inbox files not applied yet */
	size_t inbox_refused; /* inbox/cur: refused files */
	char cursor[FEED_CURSOR_MAX + 1]; /* last feed cursor applied */
};

int outbox_status(struct session *s, struct outbox_status *st,
    struct cutru_err *e);

/* The feed cursor the store applied last ("" at the start); meta key
 * "feed_cursor". */
int outbox_feed_cursor(sqlite3 *db, char cursor[FEED_CURSOR_MAX + 1],
    struct cutru_err *e);

#endif
