/* Ingest: what the registry does with a sealed change set - open it,
 * verify both signatures, check it against its device's chain, the
 * officers, the population records and the register, apply it, and sign
 * the receipt.  The rules and their order are in registry/ingest.c.
 *
 * Two phases, so that the costly cryptography runs outside the write lock
 * and several threads can do it at once:
 *
 *   ingest_open()    no transaction needed: opens the seal, parses, reads
 *                    the device's and the supervisor's public keys,
 *                    verifies both signatures and validates the events;
 *   ingest_decide()  inside the caller's write transaction: every rule
 *                    that reads or changes state, then the receipt.
 *
 * ingest_batch() runs both for a batch, with one transaction (and one
 * commit: one fsync) for the whole batch and a savepoint per change set. */
#ifndef CUTRU_REGISTRY_INGEST_H
#define CUTRU_REGISTRY_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "registry/regkeys.h"
#include "registry/regstore.h"
#include "sync/changeset.h"
#include "sync/reason.h"
#include "sync/receipt.h"

/* One change set on its way through.  Set up with ingest_item_init(),
 * released with ingest_item_free(). */
struct ingest_item {
	const unsigned char *sealed;      /* borrowed: the bytes as received */
	size_t len;

	/* ingest_open() */
	int opened;                       /* cs is valid */
	enum sync_reason open_why;        /* why it could not be opened */
	char open_field[CUTRU_ERR_FIELD_MAX];
	struct changeset cs;
	int device_known;                 /* dev is valid */
	struct reg_device dev;
	int device_sig_ok;
	int officer_rc;                   /* officer_lookup(): OK, EPERM, ENOTFOUND */
	struct reg_officer officer;
	int supervisor_sig_ok;
	int events_ok;                    /* changeset_check_events() passed */
	char events_field[CUTRU_ERR_FIELD_MAX]; /* else the offending value */

	/* ingest_decide() */
	enum receipt_status status;
	enum sync_reason reason;          /* the first reason, NONE if accepted */
	int replay;                       /* receipt is the stored original */
	unsigned char *receipt;           /* malloc'd signed receipt (cuR1) */
	size_t receipt_len;
};

void ingest_item_init(struct ingest_item *it, const unsigned char *sealed,
    size_t len);
void ingest_item_free(struct ingest_item *it);

/* Phase 1.  Never fails for what the item holds (that is recorded in it
 * for ingest_decide()); CUTRU_EIO or CUTRU_ENOMEM when the storage or the
 * memory fails. */
int ingest_open(struct regstore *st, const struct regkeys *k,
    struct ingest_item *it, struct cutru_err *e);

/* Phase 2, in the caller's transaction (begin() done): decide, change the
 * register and the log, sign the receipt into it->receipt.  A change set
 * that takes the next place in its device's chain also releases the
 * change sets held after it, in order.  CUTRU_EIO or CUTRU_ENOMEM when the
 * storage or the memory fails: the caller then rolls the whole
 * transaction back (the receipt must not go out). */
int ingest_decide(struct regstore *st, const struct regkeys *k,
    struct ingest_item *it, int64_t now, struct cutru_err *e);

/* Both phases for n items and one transaction: phase 1 on rd, phase 2 on
 * wr (the same handle, or a connection kept for writing, whose cache then
 * stays warm: with SQLite a connection's cache is dropped whenever another
 * connection has written).  On CUTRU_OK every item has its receipt and
 * everything is committed; on failure nothing is, and no item has a
 * receipt.  The caller makes sure no other thread uses wr meanwhile. */
int ingest_batch(struct regstore *rd, struct regstore *wr,
    const struct regkeys *k, struct ingest_item *items, size_t n,
    int64_t now, struct cutru_err *e);

/* The first item of a batch whose device could be identified and whose
 * device signature verifies, for the per-device rate limit: its device id,
 * or NULL. */
const char *ingest_batch_device(const struct ingest_item *items, size_t n);

#endif
