#include "config.h"

/* The store directory.
 *
 * A store is one directory, by default $XDG_DATA_HOME/cutru (that is
 * ~/.local/share/cutru), holding:
 *
 *     keyring            the wrapped store keys (localdb/keyring.c)
 *     failures           wrong-passphrase counters for the slow-down
 *     config             key=value settings (localdb/store.c)
 *     store-N.db         the encrypted database of key generation N, with
 *                        its -wal/-shm/-journal companions (localdb/store.c)
 *     lock               empty; holds the open/rekey locks (localdb/store.c)
 *     outbox/{tmp,new,cur}  sealed change sets waiting to go (maildir style)
 *     inbox/{tmp,new,cur}   receipts and feed pages that arrived
 *
 * Permissions.  The directory is 0700 and every file in it 0600, owned by the
 * user running cutru.  The keyring holds nothing usable without a passphrase,
 * but it is what an offline guesser needs, so a keyring (or config, or
 * failures file) that group or others may read is refused outright, the way
 * ssh refuses a private key: the message names the file and gives the command
 * that fixes it ("chmod 600 PATH").  The mode is checked on the descriptor
 * that is then read, so there is no window between check and use.  A
 * directory that group or others may write to or enter is refused the same
 * way ("chmod 700 PATH"): whoever can write to it can replace any file.
 *
 * Atomic writes.  Every file the store rewrites as a whole goes through
 * storedir_write_atomic(): write a temp file ".NAME.tmp-XXXXXX" in the same
 * directory, fsync it, close it, rename() it over NAME, fsync the directory.
 * rename() within one filesystem replaces the name atomically, so a reader
 * (or a restart after a power cut) sees the old file or the new one; the
 * first fsync makes sure the new name never points at a file whose data has
 * not reached the disk (ext4 with data=writeback, XFS), the directory fsync
 * makes the rename itself durable before we report success.  A crash leaves
 * at most a stray temp file, which storedir_clean_temp() removes at the next
 * open; nothing ever reads a temp file.  mkstemp() creates it with mode 0600
 * from the start, so the bytes are never readable by others even for a
 * moment.
 *
 * Reads are bounded (a caller passes the largest size it accepts), so a
 * damaged or hostile file cannot make us allocate without limit. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/i18n.h"
#include "localdb/storedir.h"

static int (*fault_hook)(enum storedir_step, const char *, void *);
static void *fault_arg;

void
storedir_set_fault_hook(int (*hook)(enum storedir_step step, const char *name,
    void *arg), void *arg)
{
	fault_hook = hook;
	fault_arg = arg;
}

static int
fault(enum storedir_step step, const char *name)
{
	if (fault_hook == NULL)
		return 0;
	return fault_hook(step, name, fault_arg);
}

int
storedir_join(char *buf, size_t len, const char *dir, const char *name,
    struct cutru_err *e)
{
	int n;

	n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len)
		return cutru_err_set(e, CUTRU_ERANGE, "store",
		    _("The store path %.64s... is too long."), dir);
	return CUTRU_OK;
}

const char *
storedir_home(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home == NULL || home[0] != '/') {
		pw = getpwuid(geteuid());
		home = pw != NULL ? pw->pw_dir : NULL;
	}
	return home != NULL && home[0] == '/' ? home : NULL;
}

int
storedir_default_path(char *buf, size_t len, struct cutru_err *e)
{
	const char *xdg, *home;
	int n;

	if (buf == NULL || len == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("No buffer was given for the store path."));
	buf[0] = '\0';
	xdg = getenv("XDG_DATA_HOME");
	/* The XDG spec says a relative value is invalid and must be ignored. */
	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(buf, len, "%s/cutru", xdg);
	} else {
		home = storedir_home();
		if (home == NULL)
			return cutru_err_set(e, CUTRU_ENOTFOUND, "store",
			    _("Cannot find your home directory to place the "
			    "store in; set HOME or give the store path "
			    "explicitly."));
		n = snprintf(buf, len, "%s/.local/share/cutru", home);
	}
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return cutru_err_set(e, CUTRU_ERANGE, "store",
		    _("The default store path is too long; give the store "
		    "path explicitly."));
	}
	return CUTRU_OK;
}

/* fmt is one whole translated sentence with two %s: the path, then the
 * system's reason. */
#define io_error(e, fmt, path, errnum) \
	cutru_err_set((e), CUTRU_EIO, "store", (fmt), (path), strerror(errnum))

/* mkdir -p with mode 0700 for every component we create. */
static int
mkdir_parents(const char *path, struct cutru_err *e)
{
	char buf[STOREDIR_PATH_MAX];
	size_t i, n;

	n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The store path is empty or too long."));
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return io_error(e,
			    _("Cannot create the folder %s: %s."),
			    buf, errno);
		buf[i] = path[i];
	}
	return CUTRU_OK;
}

/* "store-N.db", with "-wal", "-shm" or "-journal" after it: a database
 * file of localdb/store.c. */
static int
is_database_name(const char *s)
{
	size_t n;

	if (strncmp(s, "store-", 6) != 0)
		return 0;
	s += 6;
	if ((n = strspn(s, "0123456789")) == 0)
		return 0;
	s += n;
	if (strncmp(s, ".db", 3) != 0)
		return 0;
	s += 3;
	return *s == '\0' || strcmp(s, "-wal") == 0 ||
	    strcmp(s, "-shm") == 0 || strcmp(s, "-journal") == 0;
}

static int is_temp_name(const char *s);

/* Is the existing folder path empty but for what an interrupted
 * storedir_create() or store_create() leaves (the files of a store
 * without its keyring, which is written last)?  Such a folder may be
 * made a store; any other is someone's folder (a home folder typed by
 * mistake) and is left alone. */
static int
only_store_leftovers(const char *path, int *yes, struct cutru_err *e)
{
	static const char *const names[] = {
		".", "..", STOREDIR_CONFIG, STOREDIR_FAILURES, "lock",
		STOREDIR_OUTBOX, STOREDIR_INBOX
	};
	struct dirent *de;
	size_t i;
	DIR *d;

	*yes = 1;
	if ((d = opendir(path)) == NULL)
		return io_error(e, _("Cannot open the folder %s: %s."), path,
		    errno);
	while (*yes && (de = readdir(d)) != NULL) {
		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strcmp(de->d_name, names[i]) == 0)
				break;
		if (i == sizeof names / sizeof names[0] &&
		    !is_database_name(de->d_name) &&
		    !is_temp_name(de->d_name))
			*yes = 0;
	}
	closedir(d);
	return CUTRU_OK;
}

int
storedir_create(const char *path, struct cutru_err *e)
{
	static const char *const sub[] = {
		STOREDIR_OUTBOX, STOREDIR_OUTBOX "/tmp", STOREDIR_OUTBOX "/new",
		STOREDIR_OUTBOX "/cur", STOREDIR_INBOX, STOREDIR_INBOX "/tmp",
		STOREDIR_INBOX "/new", STOREDIR_INBOX "/cur"
	};
	char p[STOREDIR_PATH_MAX];
	struct stat st;
	size_t i;
	int rc, existed, empty;

	if (path == NULL || path[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("No store path was given."));
	existed = stat(path, &st) == 0;
	if ((rc = mkdir_parents(path, e)) != CUTRU_OK)
		return rc;
	if (stat(path, &st) != 0)
		return io_error(e,
		    _("Cannot open the folder %s: %s."),
		    path, errno);
	if (!S_ISDIR(st.st_mode))
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("%s exists but is not a folder; choose another store "
		    "path."), path);
	if ((rc = storedir_join(p, sizeof p, path, STOREDIR_KEYRING, e)) != 0)
		return rc;
	if (existed) {
		/* Nothing in an existing folder is touched, its permissions
		 * least of all, until it is known to be free for a store. */
		if (lstat(p, &st) == 0)
			return cutru_err_set(e, CUTRU_ECONFLICT, "store",
			    _("A store already exists in %s; open it, or "
			    "choose another folder for a new store."), path);
		if ((rc = only_store_leftovers(path, &empty, e)) != CUTRU_OK)
			return rc;
		if (!empty)
			return cutru_err_set(e, CUTRU_ECONFLICT, "store",
			    _("The folder %s is not empty; choose a new or "
			    "empty folder for the store."), path);
		if (stat(path, &st) != 0)
			return io_error(e,
			    _("Cannot open the folder %s: %s."),
			    path, errno);
	}
	/* A folder we just made, or an empty one of ours: make it private.
	 * Someone else's folder is left alone and refused by the check. */
	if (st.st_uid == geteuid() && (st.st_mode & 07777) != 0700 &&
	    chmod(path, 0700) != 0)
		return io_error(e,
		    _("Cannot change the permissions of %s: %s."),
		    path, errno);
	if ((rc = storedir_check(path, e)) != CUTRU_OK)
		return rc;
	if (lstat(p, &st) == 0)
		return cutru_err_set(e, CUTRU_ECONFLICT, "store",
		    _("A store already exists in %s; open it, or choose "
		    "another folder for a new store."), path);
	for (i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		if ((rc = storedir_join(p, sizeof p, path, sub[i], e)) != 0)
			return rc;
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return io_error(e,
			    _("Cannot create the folder %s: %s."),
			    p, errno);
	}
	return storedir_sync(path, e);
}

int
storedir_check(const char *path, struct cutru_err *e)
{
	struct stat st;

	if (path == NULL || path[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("No store path was given."));
	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return cutru_err_set(e, CUTRU_ENOTFOUND, "store",
			    _("There is no store in %s (the folder does not "
			    "exist)."), path);
		return io_error(e,
		    _("Cannot open the folder %s: %s."),
		    path, errno);
	}
	if (!S_ISDIR(st.st_mode))
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("%s is not a folder, so it cannot be a store."), path);
	if (st.st_uid != geteuid())
		return cutru_err_set(e, CUTRU_EPERM, "store",
		    _("The store folder %s belongs to another user; a store "
		    "must belong to the user who opens it."), path);
	if ((st.st_mode & 077) != 0)
		return cutru_err_set(e, CUTRU_EPERM, "store",
		    _("The store folder %s can be used by other users of this "
		    "computer. Fix it with: chmod 700 %s"), path, path);
	return CUTRU_OK;
}

/* The owner and mode rule for one open file. */
static int
check_stat(const struct stat *st, const char *path, const char *what,
    struct cutru_err *e)
{
	if (!S_ISREG(st->st_mode))
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The %s %s is not a regular file."), what, path);
	if (st->st_uid != geteuid())
		return cutru_err_set(e, CUTRU_EPERM, "store",
		    _("The %s %s belongs to another user; it must belong to "
		    "the user who opens the store."), what, path);
	if ((st->st_mode & 077) != 0)
		return cutru_err_set(e, CUTRU_EPERM, "store",
		    _("The %s %s can be read by other users of this computer, "
		    "so the store will not be opened. Fix it with: "
		    "chmod 600 %s"), what, path, path);
	return CUTRU_OK;
}

int
storedir_check_file(const char *dir, const char *name, const char *what,
    struct cutru_err *e)
{
	char p[STOREDIR_PATH_MAX];
	struct stat st;
	int rc;

	if ((rc = storedir_join(p, sizeof p, dir, name, e)) != CUTRU_OK)
		return rc;
	if (lstat(p, &st) != 0) {
		if (errno == ENOENT)
			return cutru_err_set(e, CUTRU_ENOTFOUND, "store",
			    _("The %s %s is missing."), what, p);
		return io_error(e, _("Cannot open %s: %s."), p, errno);
	}
	return check_stat(&st, p, what, e);
}

int
storedir_sync(const char *dir, struct cutru_err *e)
{
	int fd, rc = CUTRU_OK;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return io_error(e,
		    _("Cannot open the folder %s: %s."),
		    dir, errno);
	/* Some filesystems refuse fsync on a directory (EINVAL); they have
	 * nothing to flush for it. */
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = io_error(e,
		    _("Cannot save the changes to the folder %s: %s."),
		    dir, errno);
	close(fd);
	return rc;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
storedir_write_atomic(const char *dir, const char *name, const void *buf,
    size_t len, mode_t mode, struct cutru_err *e)
{
	char tmp[STOREDIR_PATH_MAX], dst[STOREDIR_PATH_MAX];
	/* An empty write may come with buf NULL; pointer arithmetic on NULL
	 * is undefined even by 0. */
	const unsigned char *p = buf != NULL ? buf : (const void *)"";
	size_t half = len / 2;
	int fd = -1, rc, n, err;

	if (dir == NULL || name == NULL || (buf == NULL && len > 0))
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("Nothing to write."));
	if ((rc = storedir_join(dst, sizeof dst, dir, name, e)) != CUTRU_OK)
		return rc;
	n = snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", dir, name);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return cutru_err_set(e, CUTRU_ERANGE, "store",
		    _("The store path %.64s... is too long."), dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return io_error(e,
		    _("Cannot create a file in the folder %s: %s."),
		    dir, errno);
	if (fchmod(fd, mode) != 0) {
		rc = io_error(e,
		    _("Cannot set the permissions of %s: %s."),
		    tmp, errno);
		goto fail;
	}
	if (write_all(fd, p, half) != 0) {
		rc = io_error(e, _("Cannot write %s: %s."), tmp, errno);
		goto fail;
	}
	if (fault(STOREDIR_STEP_WRITE, name) != 0) {
		rc = io_error(e, _("Cannot write %s: %s."), tmp, EIO);
		goto fail;
	}
	if (write_all(fd, p + half, len - half) != 0) {
		rc = io_error(e, _("Cannot write %s: %s."), tmp, errno);
		goto fail;
	}
	if (fault(STOREDIR_STEP_FSYNC, name) != 0) {
		rc = io_error(e, _("Cannot save %s: %s."), tmp, EIO);
		goto fail;
	}
	if (fsync(fd) != 0) {
		rc = io_error(e, _("Cannot save %s: %s."), tmp, errno);
		goto fail;
	}
	err = close(fd);
	fd = -1;
	if (err != 0) {
		rc = io_error(e, _("Cannot save %s: %s."), tmp, errno);
		goto fail;
	}
	if (fault(STOREDIR_STEP_RENAME, name) != 0) {
		rc = io_error(e, _("Cannot replace %s: %s."), dst, EIO);
		goto fail;
	}
	if (rename(tmp, dst) != 0) {
		rc = io_error(e, _("Cannot replace %s: %s."), dst, errno);
		goto fail;
	}
	/* From here the new file is in place; a failed directory sync means
	 * only that the rename may not survive a power cut. */
	if (fault(STOREDIR_STEP_DIRSYNC, name) != 0)
		return io_error(e,
		    _("Cannot save the changes to the folder %s: %s."),
		    dir, EIO);
	return storedir_sync(dir, e);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

int
storedir_read_file(const char *dir, const char *name, const char *what,
    size_t max, int flags, unsigned char **out, size_t *outlen,
    struct cutru_err *e)
{
	char p[STOREDIR_PATH_MAX];
	unsigned char *buf = NULL;
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd = -1, rc;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (dir == NULL || name == NULL || what == NULL || out == NULL ||
	    outlen == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("Nothing to read."));
	if ((rc = storedir_join(p, sizeof p, dir, name, e)) != CUTRU_OK)
		return rc;
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return cutru_err_set(e, CUTRU_ENOTFOUND, "store",
			    _("The %s %s is missing."), what, p);
		if (errno == ELOOP)
			return cutru_err_set(e, CUTRU_EPERM, "store",
			    _("The %s %s is a symbolic link; a store keeps "
			    "its own files."), what, p);
		return io_error(e, _("Cannot open %s: %s."), p, errno);
	}
	if (fstat(fd, &st) != 0) {
		rc = io_error(e, _("Cannot open %s: %s."), p, errno);
		goto done;
	}
	if ((flags & STOREDIR_PRIVATE) != 0) {
		if ((rc = check_stat(&st, p, what, e)) != CUTRU_OK)
			goto done;
	} else if (!S_ISREG(st.st_mode)) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The %s %s is not a regular file."), what, p);
		goto done;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
		rc = cutru_err_set(e, CUTRU_EIO, "store",
		    _("The %s %s is damaged: it is larger than any %s can "
		    "be."), what, p, what);
		goto done;
	}
	/* Read up to max + 1 bytes: the file may grow after fstat. */
	buf = malloc(max + 2);
	if (buf == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory."));
		goto done;
	}
	for (;;) {
		n = read(fd, buf + got, max + 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = io_error(e, _("Cannot read %s: %s."), p, errno);
			goto done;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max) {
			rc = cutru_err_set(e, CUTRU_EIO, "store",
			    _("The %s %s is damaged: it is larger than any %s "
			    "can be."), what, p, what);
			goto done;
		}
	}
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	buf = NULL;
	rc = CUTRU_OK;
done:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

int
storedir_remove(const char *dir, const char *name, struct cutru_err *e)
{
	char p[STOREDIR_PATH_MAX];
	int rc;

	if ((rc = storedir_join(p, sizeof p, dir, name, e)) != CUTRU_OK)
		return rc;
	if (unlink(p) != 0 && errno != ENOENT)
		return io_error(e, _("Cannot remove %s: %s."), p, errno);
	return storedir_sync(dir, e);
}

/* ".NAME.tmp-XXXXXX" as made by storedir_write_atomic(). */
static int
is_temp_name(const char *s)
{
	const char *t;
	size_t n;

	if (s[0] != '.' || s[1] == '\0' || s[1] == '.')
		return 0;
	t = strstr(s, ".tmp-");
	if (t == NULL || t == s)
		return 0;
	n = strlen(t + 5);
	return n == 6 && strchr(t + 5, '/') == NULL;
}

int
storedir_clean_temp(const char *dir)
{
	char p[STOREDIR_PATH_MAX];
	struct dirent *de;
	DIR *d;
	int removed = 0;

	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (!is_temp_name(de->d_name))
			continue;
		if (storedir_join(p, sizeof p, dir, de->d_name, NULL) != 0)
			continue;
		if (unlink(p) == 0)
			removed++;
	}
	closedir(d);
	if (removed > 0)
		(void)storedir_sync(dir, NULL);
	return removed;
}
