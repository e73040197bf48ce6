/* Batches: how several sealed change sets travel in one HTTP request, and
 * their receipts in its answer.
 *
 *   offset  size  field
 *   0       4     magic: "cuB1" request (POST /v1/changesets),
 *                 "cuA1" answer
 *   4       2     count n, 1..BATCH_ITEMS_MAX
 *   6       ...   n times: length (4 bytes) then that many bytes
 *
 * Little-endian.  No bytes may follow the last item.  In a request the
 * items are sealed change sets (sync/changeset.h); in the answer item i is
 * the receipt (sync/receipt.h, a signed-only object) for request item i,
 * so an uploader that cannot open anything still knows which file each
 * receipt answers.  Binary framing rather than JSON with base64: on a 2G
 * link the 33% of base64 is most of a registration's byte budget.
 *
 * A batch that does not parse exactly (short, trailing bytes, a length
 * running past the end, count 0 or too many, an item over its cap) is
 * refused whole - nothing in it is applied - with HTTP 400 malformed or
 * 413 too_large. */
#ifndef CUTRU_SYNC_BATCH_H
#define CUTRU_SYNC_BATCH_H

#include <stddef.h>

#include "core/err.h"
#include "sync/reason.h"

#define BATCH_MAGIC_REQUEST "cuB1"
#define BATCH_MAGIC_ANSWER "cuA1"
#define BATCH_HEADER 6
#define BATCH_ITEM_HEADER 4
#define BATCH_ITEMS_MAX 256
/* Largest request body a registry accepts and a console sends. */
#define BATCH_BODY_MAX (1024 * 1024)

/* One item: borrowed bytes. */
struct batch_item {
	const unsigned char *data;
	size_t len;
};

/* Frame n items under magic.  *out malloc'd (caller frees).  CUTRU_EINVAL
 * (n 0 or over BATCH_ITEMS_MAX, an empty item), CUTRU_ENOMEM. */
int batch_encode(const char *magic, const struct batch_item *items, size_t n,
    unsigned char **out, size_t *outlen, struct cutru_err *e);

/* Parse body[0..len) framed under magic.  *items (malloc'd array of *n,
 * caller frees; each points into body) on success.  max_item caps one
 * item's length.  *why: SYNC_R_MALFORMED or SYNC_R_TOO_LARGE. */
int batch_decode(const char *magic, const unsigned char *body, size_t len,
    size_t max_item, struct batch_item **items, size_t *n,
    enum sync_reason *why, struct cutru_err *e);

#endif
