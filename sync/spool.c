#include "config.h"

/* The spool's files: see sync/spool.h for the layout and the guarantees.
 *
 * What can go wrong, and what is done about it:
 *   - A crash while writing: the bytes are in a temp file that no reader
 *     looks at; rename() publishes the whole file at once, and the fsync
 *     of the folder makes the rename survive a power cut.  A write error
 *     (full disk) removes the temp file and reports; nothing is published.
 *   - Two processes delivering the same name: each has its own temp file
 *     (PID and random suffix, O_EXCL); the last rename wins, and both
 *     hold the same thing by the callers' naming.
 *   - A name from outside (a stick) with '/' or "..": refused by
 *     name_ok(); only plain names are ever joined to a folder. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "core/i18n.h"
#include "localdb/storedir.h"
#include "sync/spool.h"

static int (*fault_hook)(const char *, const char *, void *);
static void *fault_arg;

void
spool_set_fault_hook(int (*hook)(const char *box, const char *name,
    void *arg), void *arg)
{
	fault_hook = hook;
	fault_arg = arg;
}

static int
io_fail(struct cutru_err *e, const char *path, int err)
{
	if (err == ENOSPC || err == EDQUOT)
		return cutru_err_set(e, CUTRU_EIO, "disk",
		    _("The disk is full: %s could not be written. Free some "
		    "space and try again."), path);
	return cutru_err_set(e, CUTRU_EIO, "file",
	    _("%s could not be written or read: %s."), path, strerror(err));
}

static int
name_ok(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	return n > 0 && n <= SPOOL_NAME_MAX && name[0] != '.' &&
	    strchr(name, '/') == NULL;
}

static int
bad_name(const char *name, struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_EINVAL, "name",
	    _("'%s' is not a name the spool accepts."),
	    name != NULL ? name : "");
}

static int
join3(char *buf, size_t len, const char *a, const char *b, const char *c,
    const char *d, struct cutru_err *e)
{
	int n;

	if (d != NULL)
		n = snprintf(buf, len, "%s/%s/%s/%s", a, b, c, d);
	else
		n = snprintf(buf, len, "%s/%s/%s", a, b, c);
	if (n < 0 || (size_t)n >= len)
		return cutru_err_set(e, CUTRU_ERANGE, "store",
		    _("The path of the store folder %s is too long."), a);
	return CUTRU_OK;
}

static int
sync_dir(const char *dir, struct cutru_err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return io_fail(e, dir, errno);
	if (fsync(fd) != 0 && errno != EINVAL) {
		int err = errno;

		close(fd);
		return io_fail(e, dir, err);
	}
	close(fd);
	return CUTRU_OK;
}

/* Write all of buf to tmp (created, O_EXCL), fsync and close. */
static int
write_temp(const char *tmp, const void *buf, size_t len, mode_t mode,
    struct cutru_err *e)
{
	const unsigned char *p = buf;
	size_t off = 0;
	ssize_t w;
	int fd, err;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd < 0)
		return io_fail(e, tmp, errno);
	while (off < len) {
		w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? errno : EIO;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		err = errno;
		goto fail;
	}
	if (close(fd) != 0) {
		err = errno;
		unlink(tmp);
		return io_fail(e, tmp, err);
	}
	return CUTRU_OK;
fail:
	close(fd);
	unlink(tmp);
	return io_fail(e, tmp, err);
}

/* Write buf to tmp, rename it to dst and sync dir, the folder holding dst:
 * a reader of dst sees the old file or the whole new one, never a part. */
static int
publish(const char *tmp, const char *dst, const char *dir, const void *buf,
    size_t len, mode_t mode, struct cutru_err *e)
{
	int rc;

	if ((rc = write_temp(tmp, buf, len, mode, e)) != CUTRU_OK)
		return rc;
	if (rename(tmp, dst) != 0) {
		int err = errno;

		unlink(tmp);
		return io_fail(e, dst, err);
	}
	return sync_dir(dir, e);
}

int
spool_write_file(const char *dir, const char *name, const void *buf,
    size_t len, struct cutru_err *e)
{
	char tmp[STOREDIR_PATH_MAX], dst[STOREDIR_PATH_MAX];
	int n, m;

	if (!name_ok(name))
		return bad_name(name, e);
	n = snprintf(tmp, sizeof tmp, "%s/.%s.tmp-%ld", dir, name,
	    (long)getpid());
	m = snprintf(dst, sizeof dst, "%s/%s", dir, name);
	if (n < 0 || m < 0 || (size_t)n >= sizeof tmp ||
	    (size_t)m >= sizeof dst)
		return cutru_err_set(e, CUTRU_ERANGE, "dir",
		    _("The path of the folder %s is too long."), dir);
	unlink(tmp);  /* our own leftover, if any */
	return publish(tmp, dst, dir, buf, len, 0644, e);
}

int
spool_deliver(const char *storedir, const char *box, const char *name,
    const void *buf, size_t len, struct cutru_err *e)
{
	char tmp[STOREDIR_PATH_MAX], dst[STOREDIR_PATH_MAX],
	    dir[STOREDIR_PATH_MAX], base[SPOOL_NAME_MAX + 64];
	uint32_t r = randombytes_random();
	int rc;

	if (!name_ok(name))
		return bad_name(name, e);
	if (fault_hook != NULL && fault_hook(box, name, fault_arg) != 0)
		return cutru_err_set(e, CUTRU_EIO, "file",
		    _("Writing %s failed: %s."), name, strerror(EIO));
	snprintf(base, sizeof base, "%s.%ld.%08lx", name, (long)getpid(),
	    (unsigned long)r);
	if ((rc = join3(tmp, sizeof tmp, storedir, box, SPOOL_TMP, base,
	    e)) != CUTRU_OK ||
	    (rc = join3(dst, sizeof dst, storedir, box, SPOOL_NEW, name,
	    e)) != CUTRU_OK ||
	    (rc = join3(dir, sizeof dir, storedir, box, SPOOL_NEW, NULL,
	    e)) != CUTRU_OK)
		return rc;
	return publish(tmp, dst, dir, buf, len, 0600, e);
}

int
spool_exists(const char *storedir, const char *box, const char *sub,
    const char *name)
{
	char p[STOREDIR_PATH_MAX];
	struct stat st;

	if (!name_ok(name) ||
	    join3(p, sizeof p, storedir, box, sub, name, NULL) != CUTRU_OK)
		return 0;
	return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int
spool_remove(const char *storedir, const char *box, const char *sub,
    const char *name, struct cutru_err *e)
{
	char p[STOREDIR_PATH_MAX], dir[STOREDIR_PATH_MAX];
	int rc;

	if (!name_ok(name))
		return bad_name(name, e);
	if ((rc = join3(p, sizeof p, storedir, box, sub, name, e)) !=
	    CUTRU_OK ||
	    (rc = join3(dir, sizeof dir, storedir, box, sub, NULL, e)) !=
	    CUTRU_OK)
		return rc;
	if (unlink(p) != 0) {
		if (errno == ENOENT)
			return CUTRU_OK;
		return io_fail(e, p, errno);
	}
	return sync_dir(dir, e);
}

int
spool_move(const char *storedir, const char *box, const char *from,
    const char *to, const char *name, struct cutru_err *e)
{
	char a[STOREDIR_PATH_MAX], b[STOREDIR_PATH_MAX],
	    da[STOREDIR_PATH_MAX], db[STOREDIR_PATH_MAX];
	int rc;

	if (!name_ok(name))
		return bad_name(name, e);
	if ((rc = join3(a, sizeof a, storedir, box, from, name, e)) != 0 ||
	    (rc = join3(b, sizeof b, storedir, box, to, name, e)) != 0 ||
	    (rc = join3(da, sizeof da, storedir, box, from, NULL, e)) != 0 ||
	    (rc = join3(db, sizeof db, storedir, box, to, NULL, e)) != 0)
		return rc;
	if (rename(a, b) != 0) {
		if (errno == ENOENT)
			return cutru_err_set(e, CUTRU_ENOTFOUND, "name",
			    _("%s is not in the spool."), a);
		return io_fail(e, a, errno);
	}
	if ((rc = sync_dir(db, e)) != CUTRU_OK)
		return rc;
	return sync_dir(da, e);
}

static int
names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
spool_names_free(char **names, size_t n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}

int
spool_list_dir(const char *dir, char ***names, size_t *n,
    struct cutru_err *e)
{
	char **v = NULL, **nv, p[STOREDIR_PATH_MAX];
	struct dirent *de;
	struct stat st;
	size_t cap = 0, k = 0;
	DIR *d;
	int pn;

	*names = NULL;
	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return CUTRU_OK;
		return io_fail(e, dir, errno);
	}
	while ((de = readdir(d)) != NULL) {
		if (!name_ok(de->d_name))
			continue;
		pn = snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		if (pn < 0 || (size_t)pn >= sizeof p ||
		    lstat(p, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (k == cap) {
			cap = cap == 0 ? 32 : cap * 2;
			if ((nv = realloc(v, cap * sizeof *v)) == NULL)
				goto oom;
			v = nv;
		}
		if ((v[k] = strdup(de->d_name)) == NULL)
			goto oom;
		k++;
	}
	closedir(d);
	if (k > 0)
		qsort(v, k, sizeof *v, names_cmp);
	*names = v;
	*n = k;
	return CUTRU_OK;
oom:
	closedir(d);
	spool_names_free(v, k);
	return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
}

int
spool_list(const char *storedir, const char *box, const char *sub,
    char ***names, size_t *n, struct cutru_err *e)
{
	char dir[STOREDIR_PATH_MAX];
	int rc;

	*names = NULL;
	*n = 0;
	if ((rc = join3(dir, sizeof dir, storedir, box, sub, NULL, e)) !=
	    CUTRU_OK)
		return rc;
	return spool_list_dir(dir, names, n, e);
}

size_t
spool_clean_tmp(const char *storedir, const char *box, time_t now)
{
	char dir[STOREDIR_PATH_MAX], p[STOREDIR_PATH_MAX];
	struct dirent *de;
	struct stat st;
	size_t removed = 0;
	DIR *d;
	int pn;

	if (join3(dir, sizeof dir, storedir, box, SPOOL_TMP, NULL, NULL) !=
	    CUTRU_OK || (d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		pn = snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		if (pn < 0 || (size_t)pn >= sizeof p ||
		    lstat(p, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (st.st_mtime + SPOOL_TMP_AGE < now && unlink(p) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

int
spool_read_file(const char *dir, const char *name, size_t max,
    unsigned char **out, size_t *outlen, struct cutru_err *e)
{
	char p[STOREDIR_PATH_MAX];
	unsigned char *buf = NULL;
	struct stat st;
	size_t off = 0;
	ssize_t r;
	int fd, pn, err;

	*out = NULL;
	*outlen = 0;
	if (!name_ok(name))
		return bad_name(name, e);
	pn = snprintf(p, sizeof p, "%s/%s", dir, name);
	if (pn < 0 || (size_t)pn >= sizeof p)
		return cutru_err_set(e, CUTRU_ERANGE, "dir",
		    _("The path of the folder %s is too long."), dir);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return cutru_err_set(e, CUTRU_ENOTFOUND, "file",
			    _("%s does not exist."), p);
		return io_fail(e, p, errno);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cutru_err_set(e, CUTRU_EINVAL, "file",
		    _("%s is not a regular file."), p);
	}
	if ((size_t)st.st_size > max) {
		close(fd);
		return cutru_err_set(e, CUTRU_ERANGE, "file",
		    _("%s is larger than anything the registry sends; it is "
		    "not read."), p);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory."));
	}
	while (off < (size_t)st.st_size) {
		r = read(fd, buf + off, (size_t)st.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? errno : EIO;
			close(fd);
			free(buf);
			return io_fail(e, p, err);
		}
		off += (size_t)r;
	}
	close(fd);
	buf[off] = '\0';
	*out = buf;
	*outlen = off;
	return CUTRU_OK;
}
