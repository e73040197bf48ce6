#include "config.h"

/* Fault-injecting VFS: see faultvfs.h.  Every file opened through it is a
 * struct fault_file followed by the underlying VFS's file; every method
 * passes through, after asking fault_fire() whether this operation is the
 * one that fails. */

#include <string.h>

#include <sqlite3.h>

#include "tests/tools/faultvfs.h"

struct fault_file {
	sqlite3_file base;
	sqlite3_file *real;
};

#define FAULT_FILE_SZ ((sizeof(struct fault_file) + 15) & ~(size_t)15)

static struct {
	enum faultvfs_kind kind;
	int countdown;
	int persist;
	int hits;
} fault;

static sqlite3_vfs fault_vfs;
static char fault_name[64];

void
faultvfs_arm(enum faultvfs_kind kind, int countdown, int persist)
{
	fault.kind = kind;
	fault.countdown = countdown < 1 ? 1 : countdown;
	fault.persist = persist;
	fault.hits = 0;
}

void
faultvfs_disarm(void)
{
	fault.kind = FAULTVFS_NONE;
}

int
faultvfs_hits(void)
{
	return fault.hits;
}

/* Whether an operation of kind k fails now. */
static int
fault_fire(enum faultvfs_kind k)
{
	if (fault.kind == FAULTVFS_NONE)
		return 0;
	if (k != fault.kind &&
	    !(k == FAULTVFS_EIO_WRITE && (fault.kind == FAULTVFS_ENOSPC ||
	    fault.kind == FAULTVFS_SHORT_WRITE)))
		return 0;
	if (fault.countdown > 1) {
		fault.countdown--;
		return 0;
	}
	fault.hits++;
	if (!fault.persist)
		fault.kind = FAULTVFS_NONE;
	return 1;
}

static int
ff_close(sqlite3_file *file)
{
	struct fault_file *f = (struct fault_file *)file;

	return f->real->pMethods->xClose(f->real);
}

static int
ff_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
	struct fault_file *f = (struct fault_file *)file;

	if (fault_fire(FAULTVFS_EIO_READ))
		return SQLITE_IOERR_READ;
	return f->real->pMethods->xRead(f->real, buf, amt, off);
}

static int
ff_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
	struct fault_file *f = (struct fault_file *)file;
	enum faultvfs_kind k = fault.kind;

	if (fault_fire(FAULTVFS_EIO_WRITE)) {
		switch (k) {
		case FAULTVFS_ENOSPC:
			return SQLITE_FULL;
		case FAULTVFS_SHORT_WRITE:
			if (amt > 1)
				(void)f->real->pMethods->xWrite(f->real, buf,
				    amt / 2, off);
			return SQLITE_IOERR_WRITE;
		default:
			return SQLITE_IOERR_WRITE;
		}
	}
	return f->real->pMethods->xWrite(f->real, buf, amt, off);
}

static int
ff_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct fault_file *f = (struct fault_file *)file;

	if (fault_fire(FAULTVFS_TRUNCATE))
		return SQLITE_IOERR_TRUNCATE;
	return f->real->pMethods->xTruncate(f->real, size);
}

static int
ff_sync(sqlite3_file *file, int flags)
{
	struct fault_file *f = (struct fault_file *)file;

	if (fault_fire(FAULTVFS_FSYNC))
		return SQLITE_IOERR_FSYNC;
	return f->real->pMethods->xSync(f->real, flags);
}

static int
ff_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct fault_file *f = (struct fault_file *)file;

	return f->real->pMethods->xFileSize(f->real, size);
}

static int
ff_lock(sqlite3_file *file, int lock)
{
	struct fault_file *f = (struct fault_file *)file;

	return f->real->pMethods->xLock(f->real, lock);
}

static int
ff_unlock(sqlite3_file *file, int lock)
{
	struct fault_file *f = (struct fault_file *)file;

	return f->real->pMethods->xUnlock(f->real, lock);
}

static int
ff_check_reserved_lock(sqlite3_file *file, int *out)
{
	struct fault_file *f = (struct fault_file *)file;

	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int
ff_file_control(sqlite3_file *file, int op, void *arg)
{
	struct fault_file *f = (struct fault_file *)file;

	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int
ff_sector_size(sqlite3_file *file)
{
	struct fault_file *f = (struct fault_file *)file;

	return f->real->pMethods->xSectorSize(f->real);
}

static int
ff_device_characteristics(sqlite3_file *file)
{
	struct fault_file *f = (struct fault_file *)file;

	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int
ff_shm_map(sqlite3_file *file, int region, int size, int extend,
    void volatile **pp)
{
	struct fault_file *f = (struct fault_file *)file;

	return f->real->pMethods->xShmMap(f->real, region, size, extend, pp);
}

static int
ff_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
	struct fault_file *f = (struct fault_file *)file;

	return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void
ff_shm_barrier(sqlite3_file *file)
{
	struct fault_file *f = (struct fault_file *)file;

	f->real->pMethods->xShmBarrier(f->real);
}

static int
ff_shm_unmap(sqlite3_file *file, int del)
{
	struct fault_file *f = (struct fault_file *)file;

	return f->real->pMethods->xShmUnmap(f->real, del);
}

static const sqlite3_io_methods fault_io_methods = {
	2,
	ff_close,
	ff_read,
	ff_write,
	ff_truncate,
	ff_sync,
	ff_file_size,
	ff_lock,
	ff_unlock,
	ff_check_reserved_lock,
	ff_file_control,
	ff_sector_size,
	ff_device_characteristics,
	ff_shm_map,
	ff_shm_lock,
	ff_shm_barrier,
	ff_shm_unmap,
	NULL,
	NULL
};

static sqlite3_vfs *
real_vfs(sqlite3_vfs *vfs)
{
	return vfs->pAppData;
}

static int
fv_open(sqlite3_vfs *vfs, const char *zname, sqlite3_file *file, int flags,
    int *out_flags)
{
	struct fault_file *f = (struct fault_file *)file;
	sqlite3_vfs *real = real_vfs(vfs);
	int rc;

	f->real = (sqlite3_file *)(void *)((char *)f + FAULT_FILE_SZ);
	f->real->pMethods = NULL;
	rc = real->xOpen(real, zname, f->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		if (f->real->pMethods != NULL)
			f->real->pMethods->xClose(f->real);
		f->base.pMethods = NULL;
		return rc;
	}
	f->base.pMethods = &fault_io_methods;
	return SQLITE_OK;
}

static int
fv_delete(sqlite3_vfs *vfs, const char *zname, int sync_dir)
{
	return real_vfs(vfs)->xDelete(real_vfs(vfs), zname, sync_dir);
}

static int
fv_access(sqlite3_vfs *vfs, const char *zname, int flags, int *out)
{
	return real_vfs(vfs)->xAccess(real_vfs(vfs), zname, flags, out);
}

static int
fv_full_pathname(sqlite3_vfs *vfs, const char *zname, int n, char *out)
{
	return real_vfs(vfs)->xFullPathname(real_vfs(vfs), zname, n, out);
}

static void *
fv_dl_open(sqlite3_vfs *vfs, const char *path)
{
	return real_vfs(vfs)->xDlOpen(real_vfs(vfs), path);
}

static void
fv_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
	real_vfs(vfs)->xDlError(real_vfs(vfs), n, msg);
}

static void (*fv_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	return real_vfs(vfs)->xDlSym(real_vfs(vfs), h, sym);
}

static void
fv_dl_close(sqlite3_vfs *vfs, void *h)
{
	real_vfs(vfs)->xDlClose(real_vfs(vfs), h);
}

static int
fv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	return real_vfs(vfs)->xRandomness(real_vfs(vfs), n, out);
}

static int
fv_sleep(sqlite3_vfs *vfs, int us)
{
	return real_vfs(vfs)->xSleep(real_vfs(vfs), us);
}

static int
fv_current_time(sqlite3_vfs *vfs, double *out)
{
	return real_vfs(vfs)->xCurrentTime(real_vfs(vfs), out);
}

static int
fv_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	return real_vfs(vfs)->xGetLastError(real_vfs(vfs), n, out);
}

static int
fv_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	return real_vfs(vfs)->xCurrentTimeInt64(real_vfs(vfs), out);
}

int
faultvfs_register(const char *name, const char *underlying)
{
	sqlite3_vfs *real;
	int rc;

	if (name == NULL || strlen(name) >= sizeof fault_name)
		return SQLITE_MISUSE;
	rc = sqlite3_initialize();
	if (rc != SQLITE_OK)
		return rc;
	if (fault_vfs.zName != NULL)
		return strcmp(fault_vfs.zName, name) == 0 ? SQLITE_OK :
		    SQLITE_MISUSE;
	real = sqlite3_vfs_find(underlying);
	if (real == NULL || real->iVersion < 2)
		return SQLITE_ERROR;
	strcpy(fault_name, name);
	fault_vfs.iVersion = 2;
	fault_vfs.szOsFile = (int)FAULT_FILE_SZ + real->szOsFile;
	fault_vfs.mxPathname = real->mxPathname;
	fault_vfs.zName = fault_name;
	fault_vfs.pAppData = real;
	fault_vfs.xOpen = fv_open;
	fault_vfs.xDelete = fv_delete;
	fault_vfs.xAccess = fv_access;
	fault_vfs.xFullPathname = fv_full_pathname;
	fault_vfs.xDlOpen = fv_dl_open;
	fault_vfs.xDlError = fv_dl_error;
	fault_vfs.xDlSym = fv_dl_sym;
	fault_vfs.xDlClose = fv_dl_close;
	fault_vfs.xRandomness = fv_randomness;
	fault_vfs.xSleep = fv_sleep;
	fault_vfs.xCurrentTime = fv_current_time;
	fault_vfs.xGetLastError = fv_get_last_error;
	fault_vfs.xCurrentTimeInt64 = fv_current_time_int64;
	return sqlite3_vfs_register(&fault_vfs, 0);
}
