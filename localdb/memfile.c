/* Unnamed temporary files in memory: see memfile.h.
 *
 * SQLite's sorter opens one such file for each sorted run it writes, and
 * reads it back once, front to back, while it merges the runs; one thread
 * uses a given file at a time.  The bytes are a copy of what is being
 * sorted (index keys, rows of a query), so they are treated like the page
 * cache's plaintext: in this process only, and wiped before the memory is
 * given back - when the file grows into a larger block (never realloc(),
 * which would free the old block as it is), shrinks, or closes. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "localdb/memfile.h"

struct memfile {
	sqlite3_file base;
	unsigned char *p;
	size_t cap;                 /* bytes at p */
	size_t len;                 /* the file's size */
};

/* The first block; each later one at least doubles. */
#define MEMFILE_FIRST ((size_t)64 << 10)

static void
mf_wipe_free(unsigned char *p, size_t cap)
{
	if (p == NULL)
		return;
	sodium_memzero(p, cap);
	free(p);
}

/* Room for need bytes: 0, or -1 (out of memory). */
static int
mf_reserve(struct memfile *m, size_t need)
{
	unsigned char *q;
	size_t cap;

	if (need <= m->cap)
		return 0;
	cap = m->cap > 0 ? m->cap : MEMFILE_FIRST;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((q = malloc(cap)) == NULL && cap > need)
		q = malloc(cap = need);
	if (q == NULL)
		return -1;
	if (m->len > 0)
		memcpy(q, m->p, m->len);
	mf_wipe_free(m->p, m->cap);
	m->p = q;
	m->cap = cap;
	return 0;
}

/* ofst and amt from SQLite: is [ofst, ofst + amt) within MEMFILE_MAX? */
static int
mf_in_range(sqlite3_int64 ofst, int amt)
{
	return ofst >= 0 && amt >= 0 && ofst <= MEMFILE_MAX - amt;
}

static int
mf_close(sqlite3_file *f)
{
	struct memfile *m = (struct memfile *)f;

	mf_wipe_free(m->p, m->cap);
	m->p = NULL;
	m->cap = m->len = 0;
	return SQLITE_OK;
}

static int
mf_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 ofst)
{
	struct memfile *m = (struct memfile *)f;
	size_t have = 0;

	if (!mf_in_range(ofst, amt))
		return SQLITE_IOERR_READ;
	if ((size_t)ofst < m->len)
		have = m->len - (size_t)ofst < (size_t)amt ?
		    m->len - (size_t)ofst : (size_t)amt;
	if (have > 0)
		memcpy(buf, m->p + ofst, have);
	if (have == (size_t)amt)
		return SQLITE_OK;
	memset((unsigned char *)buf + have, 0, (size_t)amt - have);
	return SQLITE_IOERR_SHORT_READ;
}

static int
mf_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 ofst)
{
	struct memfile *m = (struct memfile *)f;
	size_t end;

	if (!mf_in_range(ofst, amt))
		return ofst >= 0 && amt >= 0 ? SQLITE_FULL : SQLITE_IOERR_WRITE;
	end = (size_t)ofst + (size_t)amt;
	if (mf_reserve(m, end) != 0)
		return SQLITE_IOERR_NOMEM;
	if ((size_t)ofst > m->len)
		memset(m->p + m->len, 0, (size_t)ofst - m->len);
	memcpy(m->p + ofst, buf, (size_t)amt);
	if (end > m->len)
		m->len = end;
	return SQLITE_OK;
}

static int
mf_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct memfile *m = (struct memfile *)f;

	if (!mf_in_range(size, 0))
		return SQLITE_IOERR_TRUNCATE;
	if ((size_t)size < m->len) {
		sodium_memzero(m->p + size, m->len - (size_t)size);
		m->len = (size_t)size;
	} else if ((size_t)size > m->len) {
		if (mf_reserve(m, (size_t)size) != 0)
			return SQLITE_IOERR_NOMEM;
		memset(m->p + m->len, 0, (size_t)size - m->len);
		m->len = (size_t)size;
	}
	return SQLITE_OK;
}

static int
mf_sync(sqlite3_file *f, int flags)
{
	(void)f;
	(void)flags;
	return SQLITE_OK;
}

static int
mf_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	*size = (sqlite3_int64)((struct memfile *)f)->len;
	return SQLITE_OK;
}

static int
mf_lock(sqlite3_file *f, int level)
{
	(void)f;
	(void)level;
	return SQLITE_OK;
}

static int
mf_check_reserved(sqlite3_file *f, int *out)
{
	(void)f;
	*out = 0;
	return SQLITE_OK;
}

/* A size hint reserves the memory; nothing else is known. */
static int
mf_file_control(sqlite3_file *f, int op, void *arg)
{
	struct memfile *m = (struct memfile *)f;
	sqlite3_int64 hint;

	if (op != SQLITE_FCNTL_SIZE_HINT)
		return SQLITE_NOTFOUND;
	hint = *(sqlite3_int64 *)arg;
	if (!mf_in_range(hint, 0))
		return SQLITE_FULL;
	return mf_reserve(m, (size_t)hint) == 0 ? SQLITE_OK :
	    SQLITE_IOERR_NOMEM;
}

static int
mf_sector_size(sqlite3_file *f)
{
	(void)f;
	return 4096;
}

static int
mf_device_characteristics(sqlite3_file *f)
{
	(void)f;
	return SQLITE_IOCAP_SAFE_APPEND | SQLITE_IOCAP_SEQUENTIAL |
	    SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

static const sqlite3_io_methods memfile_methods = {
	1,
	mf_close,
	mf_read,
	mf_write,
	mf_truncate,
	mf_sync,
	mf_file_size,
	mf_lock,
	mf_lock,
	mf_check_reserved,
	mf_file_control,
	mf_sector_size,
	mf_device_characteristics,
	NULL, NULL, NULL, NULL, NULL, NULL
};

size_t
memfile_size(void)
{
	return sizeof(struct memfile);
}

int
memfile_open(sqlite3_file *f, int flags, int *out_flags)
{
	struct memfile *m = (struct memfile *)f;

	memset(m, 0, sizeof *m);
	m->base.pMethods = &memfile_methods;
	if (out_flags != NULL)
		*out_flags = flags;
	return SQLITE_OK;
}
