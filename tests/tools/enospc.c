#include "config.h"

/*
 * enospc.so: a full disk under one folder, for a test that cannot mount a
 * small filesystem (tests/sh/test_sync_env.sh falls back to it when
 * "mount -t tmpfs" is refused).  Preloaded (LD_PRELOAD) into one process:
 *
 *   ENOSPC_DIR=/abs/path   files opened for writing under this folder
 *   ENOSPC_FREE=N          bytes they may take in all before the disk is
 *                          "full" (default 0)
 *
 * Every open()/openat() (and their 64-bit names) of a path under
 * ENOSPC_DIR with O_WRONLY or O_RDWR marks its descriptor.  write() and
 * pwrite() (and pwrite64()) on a marked descriptor take from the budget: a write larger than what is
 * left writes what is left (a short write, as a real file system does),
 * and once nothing is left it fails with ENOSPC, as does fsync() of a
 * marked descriptor that was refused bytes.  close() unmarks.  Other
 * descriptors and paths pass through untouched.  The budget is per
 * process; a later process without the library has all the room it
 * wants, which is how a test models space freed.
 *
 * Paths are compared as given, made absolute with the working directory
 * when relative; symbolic links are not resolved.  Only what
 * sync/spool.c and the store use is intercepted (open, write, pwrite,
 * fsync, close: SQLite writes with pwrite64, the page cipher's direct
 * writes with pwrite); writes through stdio or mmap pass untouched.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_FD 4096

static unsigned char marked[MAX_FD];   /* 1 marked, 2 marked and refused */
static long long budget = -1;          /* -1: not read yet */

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef int (*fd_fn)(int);

/* Declared here because the preloaded names are the point: these are the
 * C library's own, defined again. */
int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);
int openat(int dirfd, const char *path, int flags, ...);
int openat64(int dirfd, const char *path, int flags, ...);
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off);
int fsync(int fd);
int fdatasync(int fd);
int close(int fd);

static void *
next_fn(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static int
under_dir(const char *path)
{
	const char *dir = getenv("ENOSPC_DIR");
	char cwd[4096], full[8192];
	size_t n;

	if (dir == NULL || dir[0] == '\0' || path == NULL)
		return 0;
	if (path[0] != '/') {
		if (getcwd(cwd, sizeof cwd) == NULL)
			return 0;
		if ((size_t)snprintf(full, sizeof full, "%s/%s", cwd, path) >=
		    sizeof full)
			return 0;
		path = full;
	}
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static void
mark(int fd, const char *path, int flags)
{
	if (fd >= 0 && fd < MAX_FD && (flags & (O_WRONLY | O_RDWR)) != 0 &&
	    under_dir(path))
		marked[fd] = 1;
}

static long long
left(void)
{
	const char *v;

	if (budget < 0) {
		v = getenv("ENOSPC_FREE");
		budget = v != NULL ? atoll(v) : 0;
		if (budget < 0)
			budget = 0;
	}
	return budget;
}

static mode_t
mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) != 0 ? (mode_t)va_arg(ap, int) :
	    0;
}

int
open(const char *path, int flags, ...)
{
	open_fn f = (open_fn)next_fn("open");
	va_list ap;
	mode_t m;
	int fd;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	fd = f(path, flags, m);
	mark(fd, path, flags);
	return fd;
}

int
open64(const char *path, int flags, ...)
{
	open_fn f = (open_fn)next_fn("open64");
	va_list ap;
	mode_t m;
	int fd;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	fd = f(path, flags, m);
	mark(fd, path, flags);
	return fd;
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	openat_fn f = (openat_fn)next_fn("openat");
	va_list ap;
	mode_t m;
	int fd;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	fd = f(dirfd, path, flags, m);
	if (dirfd == AT_FDCWD || path[0] == '/')
		mark(fd, path, flags);
	return fd;
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	openat_fn f = (openat_fn)next_fn("openat64");
	va_list ap;
	mode_t m;
	int fd;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	fd = f(dirfd, path, flags, m);
	if (dirfd == AT_FDCWD || path[0] == '/')
		mark(fd, path, flags);
	return fd;
}

/* How much of a write of n bytes on fd the disk takes: n when fd is not
 * marked; what is left of the budget (0: refuse with ENOSPC). */
static size_t
room_for(int fd, size_t n)
{
	long long room;

	if (fd < 0 || fd >= MAX_FD || marked[fd] == 0 || n == 0)
		return n;
	room = left();
	if ((unsigned long long)room < n) {
		marked[fd] = 2;
		n = room > 0 ? (size_t)room : 0;
	}
	return n;
}

static ssize_t
taken(int fd, ssize_t w)
{
	if (w > 0 && fd >= 0 && fd < MAX_FD && marked[fd] != 0)
		budget -= w;
	return w;
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	write_fn f = (write_fn)next_fn("write");
	size_t m = room_for(fd, n);

	if (m == 0 && n != 0) {
		errno = ENOSPC;
		return -1;
	}
	return taken(fd, f(fd, buf, m));
}

/* pwrite() or pwrite64() (name), within the budget. */
static ssize_t
budget_pwrite(const char *name, int fd, const void *buf, size_t n, off_t off)
{
	pwrite_fn f = (pwrite_fn)next_fn(name);
	size_t m = room_for(fd, n);

	if (m == 0 && n != 0) {
		errno = ENOSPC;
		return -1;
	}
	return taken(fd, f(fd, buf, m, off));
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return budget_pwrite("pwrite", fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return budget_pwrite("pwrite64", fd, buf, n, off);
}

int
fsync(int fd)
{
	fd_fn f = (fd_fn)next_fn("fsync");

	if (fd >= 0 && fd < MAX_FD && marked[fd] == 2) {
		errno = ENOSPC;
		return -1;
	}
	return f(fd);
}

int
fdatasync(int fd)
{
	fd_fn f = (fd_fn)next_fn("fdatasync");

	if (fd >= 0 && fd < MAX_FD && marked[fd] == 2) {
		errno = ENOSPC;
		return -1;
	}
	return f(fd);
}

int
close(int fd)
{
	fd_fn f = (fd_fn)next_fn("close");

	if (fd >= 0 && fd < MAX_FD)
		marked[fd] = 0;
	return f(fd);
}
