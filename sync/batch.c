/* Batches: length-prefixed framing of several items in one HTTP body.
 * Format in sync/batch.h.  The decoder trusts nothing: every length is
 * compared with what is left before it is used, and a body that does not
 * frame exactly is refused whole. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "sync/batch.h"

static void
store16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
}

static void
store32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
	p[2] = (unsigned char)((v >> 16) & 0xff);
	p[3] = (unsigned char)((v >> 24) & 0xff);
}

static unsigned
load16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t
load32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

int
batch_encode(const char *magic, const struct batch_item *items, size_t n,
    unsigned char **out, size_t *outlen, struct cutru_err *e)
{
	unsigned char *buf, *p;
	size_t i, total = BATCH_HEADER;

	*out = NULL;
	*outlen = 0;
	if (magic == NULL || strlen(magic) != 4 || items == NULL || n == 0 ||
	    n > BATCH_ITEMS_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "batch",
		    _("A batch holds 1 to %d items."), BATCH_ITEMS_MAX);
	for (i = 0; i < n; i++) {
		if (items[i].data == NULL || items[i].len == 0 ||
		    items[i].len > UINT32_MAX ||
		    items[i].len > SIZE_MAX - total - BATCH_ITEM_HEADER)
			return cutru_err_set(e, CUTRU_EINVAL, "batch",
			    _("Item %zu of the batch is empty or too large."),
			    i + 1);
		total += BATCH_ITEM_HEADER + items[i].len;
	}
	if ((buf = malloc(total)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
	memcpy(buf, magic, 4);
	store16(buf + 4, (unsigned)n);
	p = buf + BATCH_HEADER;
	for (i = 0; i < n; i++) {
		store32(p, (uint32_t)items[i].len);
		memcpy(p + BATCH_ITEM_HEADER, items[i].data, items[i].len);
		p += BATCH_ITEM_HEADER + items[i].len;
	}
	*out = buf;
	*outlen = total;
	return CUTRU_OK;
}

int
batch_decode(const char *magic, const unsigned char *body, size_t len,
    size_t max_item, struct batch_item **items, size_t *n,
    enum sync_reason *why, struct cutru_err *e)
{
	struct batch_item *list;
	size_t count, i, off;
	uint32_t l;

	*items = NULL;
	*n = 0;
	if (why != NULL)
		*why = SYNC_R_MALFORMED;
	if (magic == NULL || body == NULL || len < BATCH_HEADER ||
	    memcmp(body, magic, 4) != 0)
		return cutru_err_set(e, CUTRU_EINVAL, "batch",
		    _("This is not a cutru batch."));
	count = load16(body + 4);
	if (count == 0 || count > BATCH_ITEMS_MAX) {
		if (count > BATCH_ITEMS_MAX && why != NULL)
			*why = SYNC_R_TOO_LARGE;
		return cutru_err_set(e, count == 0 ? CUTRU_EINVAL : CUTRU_ERANGE,
		    "batch", _("A batch holds 1 to %d items, not %zu."),
		    BATCH_ITEMS_MAX, count);
	}
	if ((list = calloc(count, sizeof *list)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
	off = BATCH_HEADER;
	for (i = 0; i < count; i++) {
		if (len - off < BATCH_ITEM_HEADER) {
			free(list);
			return cutru_err_set(e, CUTRU_EINVAL, "batch",
			    _("The batch is cut short in item %zu of %zu."),
			    i + 1, count);
		}
		l = load32(body + off);
		off += BATCH_ITEM_HEADER;
		if (l == 0 || l > max_item) {
			free(list);
			if (l > max_item && why != NULL)
				*why = SYNC_R_TOO_LARGE;
			return cutru_err_set(e, l == 0 ? CUTRU_EINVAL :
			    CUTRU_ERANGE, "batch",
			    _("Item %zu of the batch has %lu bytes; 1 to %zu are "
			    "accepted."), i + 1, (unsigned long)l, max_item);
		}
		if (len - off < l) {
			free(list);
			return cutru_err_set(e, CUTRU_EINVAL, "batch",
			    _("The batch is cut short in item %zu of %zu."),
			    i + 1, count);
		}
		list[i].data = body + off;
		list[i].len = l;
		off += l;
	}
	if (off != len) {
		free(list);
		return cutru_err_set(e, CUTRU_EINVAL, "batch",
		    _("%zu bytes follow the last item of the batch."),
		    len - off);
	}
	*items = list;
	*n = count;
	if (why != NULL)
		*why = SYNC_R_NONE;
	return CUTRU_OK;
}
