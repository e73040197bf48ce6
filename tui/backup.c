#include "config.h"

/* Backups of a store.
 *
 * A backup is one file, so that it can be copied to a USB stick or another
 * disk as it is.  It never holds anything in the clear that the store does
 * not: the database in it is a page-encrypted copy under the store's own
 * key and store id, the keyring is the store's keyring (officer entries
 * wrapped under passphrases, the recovery entry sealed), and the config
 * file holds settings only.  Whoever restores it needs an officer's
 * passphrase or the recovery code of the store as it was when the backup
 * was made.
 *
 * Format, version 1 (integers little-endian, sizes in bytes):
 *
 *     offset  size  field
 *     0       7     magic "CUTRUBK"
 *     7       1     version, 1
 *     8       16    store id (as in the keyring)
 *     24      4     key generation of the keyring (and of the database)
 *     28      4     number of entries, 3
 *     32            entries, each: name length (2), name, data length (8),
 *                   data
 *     end-32  32    BLAKE2b-256 of every byte before it
 *
 * The entries are, in this order: "config" (the config file), "store-N.db"
 * (N the key generation: the database), "keyring" (the keyring file).  The
 * checksum is for accidental damage (a bad USB stick); tampering is caught
 * by the keyring's MAC and by the page cipher when the store is opened.
 *
 * Consistency.  The database is copied with VACUUM INTO on the open
 * store's connection: one read transaction, so the copy is the database as
 * of one commit, whatever other consoles write meanwhile.  The copy is
 * written through the page cipher with the store's key attached to the
 * copy's path, into a private temporary folder beside the backup file
 * (never in the clear, never in /tmp).  The keyring is read from disk while
 * the store is open: an open store holds the shared lock that a rekey needs
 * exclusively, so the key generation cannot change under the backup.
 *
 * Restoring writes the database, then the config, then the keyring, each
 * atomically, into a store folder without a keyring: the keyring is the
 * commit point, as when a store is created (localdb/store.c), so an
 * interrupted restore leaves a folder that is not a store.  The whole file,
 * checksum included, is read before the keyring is written.  What cutru(1)
 * does around it (refusing to replace a live store without --force,
 * keeping the replaced store aside, opening the restored one to prove the
 * passphrase) is in tui/cmd_backup.c. */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "core/err.h"
#include "core/i18n.h"
#include "localdb/cipher.h"
#include "localdb/keyring.h"
#include "localdb/store.h"
#include "localdb/storedir.h"
#include "tui/backup.h"

#define HEADER_SIZE 32
#define CHECKSUM_SIZE 32
#define ENTRY_COUNT 3
#define NAME_MAX_LEN 64
#define KEYRING_FILE_MAX (1024 * 1024)
#define CONFIG_FILE_MAX 16384
#define COPY_BUF 65536

static void
store_le16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
store_le32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
store_le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint16_t
load_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
load_le32(const unsigned char *p)
{
	uint32_t v = 0;
	int i;

	for (i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t
load_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int
io_error(struct cutru_err *e, const char *what, const char *path, int err)
{
	return cutru_err_set(e, CUTRU_EIO, "backup",
	    _("Could not %s %s: %s."), what, path, strerror(err));
}

/* Write all of buf to fd and into the checksum. */
static int
put(int fd, crypto_generichash_state *h, const void *buf, size_t len,
    const char *path, struct cutru_err *e)
{
	const unsigned char *p = buf;
	ssize_t n;

	if (h != NULL)
		crypto_generichash_update(h, buf, len);
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_error(e, _("write"), path, errno);
		p += n;
		len -= (size_t)n;
	}
	return CUTRU_OK;
}

/* Read exactly len bytes; a short file is a damaged backup. */
static int
get(int fd, crypto_generichash_state *h, void *buf, size_t len,
    const char *path, struct cutru_err *e)
{
	unsigned char *p = buf;
	size_t want = len;
	ssize_t n;

	while (want > 0) {
		n = read(fd, p, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_error(e, _("read"), path, errno);
		if (n == 0)
			return cutru_err_set(e, CUTRU_EIO, "backup",
			    _("The backup %s is cut short: it ends in the "
			    "middle. Copy it again from where it was "
			    "made."), path);
		p += n;
		want -= (size_t)n;
	}
	if (h != NULL)
		crypto_generichash_update(h, buf, len);
	return CUTRU_OK;
}

/* One entry from memory. */
static int
put_entry(int fd, crypto_generichash_state *h, const char *name,
    const unsigned char *data, size_t len, const char *path,
    struct cutru_err *e)
{
	unsigned char hdr[2 + NAME_MAX_LEN + 8];
	size_t nl = strlen(name);
	int rc;

	store_le16(hdr, (uint16_t)nl);
	memcpy(hdr + 2, name, nl);
	store_le64(hdr + 2 + nl, len);
	if ((rc = put(fd, h, hdr, 2 + nl + 8, path, e)) != CUTRU_OK)
		return rc;
	return put(fd, h, data, len, path, e);
}

/* One entry copied from the file at src. */
static int
put_entry_file(int fd, crypto_generichash_state *h, const char *name,
    const char *src, const char *path, struct cutru_err *e)
{
	unsigned char hdr[2 + NAME_MAX_LEN + 8];
	unsigned char *buf = NULL;
	size_t nl = strlen(name);
	struct stat st;
	uint64_t left;
	ssize_t n;
	int in, rc;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return io_error(e, _("open"), src, errno);
	if (fstat(in, &st) != 0) {
		rc = io_error(e, _("read"), src, errno);
		goto done;
	}
	store_le16(hdr, (uint16_t)nl);
	memcpy(hdr + 2, name, nl);
	store_le64(hdr + 2 + nl, (uint64_t)st.st_size);
	if ((rc = put(fd, h, hdr, 2 + nl + 8, path, e)) != CUTRU_OK)
		goto done;
	if ((buf = malloc(COPY_BUF)) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while writing the backup."));
		goto done;
	}
	for (left = (uint64_t)st.st_size; left > 0; left -= (uint64_t)n) {
		n = read(in, buf, left < COPY_BUF ? (size_t)left : COPY_BUF);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			rc = n < 0 ? io_error(e, _("read"), src, errno) :
			    cutru_err_set(e, CUTRU_EIO, "backup",
			    _("The copy of the database changed size while "
			    "it was read."));
			goto done;
		}
		if ((rc = put(fd, h, buf, (size_t)n, path, e)) != CUTRU_OK)
			goto done;
	}
	rc = CUTRU_OK;
done:
	free(buf);
	close(in);
	return rc;
}

/* The directory part of path, into buf. */
static int
dir_of(const char *path, char *buf, size_t len, struct cutru_err *e)
{
	char tmp[STOREDIR_PATH_MAX];

	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp ||
	    snprintf(buf, len, "%s", dirname(tmp)) >= (int)len)
		return cutru_err_set(e, CUTRU_ERANGE, "backup",
		    _("The path %s is too long."), path);
	return CUTRU_OK;
}

static int
sync_dir(const char *dir, struct cutru_err *e)
{
	return storedir_sync(dir, e);
}

static void unpack_undo(const char *dir, const struct backup_info *info);

int
backup_write(struct store *s, const char *file, int overwrite,
    struct backup_info *info, struct cutru_err *e)
{
	const struct keyring *kr = store_keyring(s);
	crypto_generichash_state h;
	unsigned char header[HEADER_SIZE], sum[CHECKSUM_SIZE];
	unsigned char *keyring = NULL, *config = NULL;
	size_t keyring_len = 0, config_len = 0;
	char fdir[STOREDIR_PATH_MAX], tmpdir[STOREDIR_PATH_MAX];
	char copy[STOREDIR_PATH_MAX], tmpfile[STOREDIR_PATH_MAX];
	char dbname[NAME_MAX_LEN], *sql = NULL;
	struct stat st;
	int fd = -1, rc, attached = 0;
	uint32_t gen;

	tmpdir[0] = tmpfile[0] = copy[0] = '\0';
	memset(info, 0, sizeof *info);
	if (!overwrite && lstat(file, &st) == 0)
		return cutru_err_set(e, CUTRU_ECONFLICT, "backup",
		    _("%s already exists; choose another name, or give "
		    "--force to replace it."), file);
	if ((rc = dir_of(file, fdir, sizeof fdir, e)) != CUTRU_OK)
		return rc;
	gen = keyring_generation(kr);
	snprintf(dbname, sizeof dbname, "store-%lu.db", (unsigned long)gen);

	/* 1. The consistent, encrypted copy of the database. */
	if (snprintf(tmpdir, sizeof tmpdir, "%s/.cutru-backup-XXXXXX", fdir) >=
	    (int)sizeof tmpdir) {
		tmpdir[0] = '\0';
		return cutru_err_set(e, CUTRU_ERANGE, "backup",
		    _("The path %s is too long."), file);
	}
	if (mkdtemp(tmpdir) == NULL) {
		rc = io_error(e, _("create a temporary folder in"), fdir,
		    errno);
		tmpdir[0] = '\0';
		goto done;
	}
	if ((rc = storedir_join(copy, sizeof copy, tmpdir, dbname, e)) !=
	    CUTRU_OK) {
		copy[0] = '\0';
		goto done;
	}
	if ((rc = cipher_key_attach(copy, keyring_key(kr),
	    keyring_store_id(kr), e)) != CUTRU_OK)
		goto done;
	attached = 1;
	if ((sql = sqlite3_mprintf("VACUUM INTO %Q", copy)) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while writing the backup."));
		goto done;
	}
	if (sqlite3_exec(store_db(s), sql, NULL, NULL, NULL) != SQLITE_OK) {
		rc = cutru_err_set(e, CUTRU_EIO, "backup",
		    _("Could not copy the database for the backup: %s."),
		    sqlite3_errmsg(store_db(s)));
		goto done;
	}

	/* 2. The keyring and the config as they are on disk. */
	if ((rc = storedir_read_file(store_dir(s), STOREDIR_KEYRING,
	    _("keyring"), KEYRING_FILE_MAX, STOREDIR_PRIVATE, &keyring,
	    &keyring_len, e)) != CUTRU_OK)
		goto done;
	if ((rc = storedir_read_file(store_dir(s), STOREDIR_CONFIG,
	    _("config file"), CONFIG_FILE_MAX, STOREDIR_PRIVATE, &config,
	    &config_len, e)) != CUTRU_OK)
		goto done;

	/* 3. The backup file, written beside its final name and renamed. */
	if (snprintf(tmpfile, sizeof tmpfile, "%s.tmp-XXXXXX", file) >=
	    (int)sizeof tmpfile) {
		tmpfile[0] = '\0';
		rc = cutru_err_set(e, CUTRU_ERANGE, "backup",
		    _("The path %s is too long."), file);
		goto done;
	}
	if ((fd = mkstemp(tmpfile)) < 0) {
		rc = io_error(e, _("create"), tmpfile, errno);
		tmpfile[0] = '\0';
		goto done;
	}
	(void)fchmod(fd, 0600);
	crypto_generichash_init(&h, NULL, 0, CHECKSUM_SIZE);
	memset(header, 0, sizeof header);
	memcpy(header, BACKUP_MAGIC, 7);
	header[7] = BACKUP_VERSION;
	memcpy(header + 8, keyring_store_id(kr), KEYRING_STORE_ID_BYTES);
	store_le32(header + 24, gen);
	store_le32(header + 28, ENTRY_COUNT);
	if ((rc = put(fd, &h, header, sizeof header, file, e)) != CUTRU_OK ||
	    (rc = put_entry(fd, &h, STOREDIR_CONFIG, config, config_len, file,
	    e)) != CUTRU_OK ||
	    (rc = put_entry_file(fd, &h, dbname, copy, file, e)) != CUTRU_OK ||
	    (rc = put_entry(fd, &h, STOREDIR_KEYRING, keyring, keyring_len,
	    file, e)) != CUTRU_OK)
		goto done;
	crypto_generichash_final(&h, sum, sizeof sum);
	if ((rc = put(fd, NULL, sum, sizeof sum, file, e)) != CUTRU_OK)
		goto done;
	if (fsync(fd) != 0) {
		rc = io_error(e, _("write"), file, errno);
		goto done;
	}
	if (fstat(fd, &st) == 0)
		info->bytes = (unsigned long long)st.st_size;
	if (close(fd) != 0) {
		fd = -1;
		rc = io_error(e, _("write"), file, errno);
		goto done;
	}
	fd = -1;
	if (rename(tmpfile, file) != 0) {
		rc = io_error(e, _("write"), file, errno);
		goto done;
	}
	tmpfile[0] = '\0';
	if ((rc = sync_dir(fdir, e)) != CUTRU_OK)
		goto done;
	memcpy(info->store_id, keyring_store_id(kr), KEYRING_STORE_ID_BYTES);
	info->generation = gen;
done:
	if (fd >= 0)
		close(fd);
	if (tmpfile[0] != '\0')
		unlink(tmpfile);
	if (copy[0] != '\0') {
		char side[STOREDIR_PATH_MAX + 16];

		unlink(copy);
		snprintf(side, sizeof side, "%s-journal", copy);
		unlink(side);
		snprintf(side, sizeof side, "%s-wal", copy);
		unlink(side);
	}
	if (attached)
		cipher_key_detach(copy);
	if (tmpdir[0] != '\0')
		rmdir(tmpdir);
	sqlite3_free(sql);
	free(keyring);
	free(config);
	return rc;
}

/* Read one entry header; name must be want (NUL-terminated). */
static int
get_entry_header(int fd, crypto_generichash_state *h, const char *want,
    uint64_t max, uint64_t *len, const char *path, struct cutru_err *e)
{
	unsigned char b[8];
	char name[NAME_MAX_LEN + 1];
	uint16_t nl;
	int rc;

	if ((rc = get(fd, h, b, 2, path, e)) != CUTRU_OK)
		return rc;
	nl = load_le16(b);
	if (nl == 0 || nl > NAME_MAX_LEN)
		goto bad;
	if ((rc = get(fd, h, name, nl, path, e)) != CUTRU_OK)
		return rc;
	name[nl] = '\0';
	if (strlen(name) != nl || strcmp(name, want) != 0)
		goto bad;
	if ((rc = get(fd, h, b, 8, path, e)) != CUTRU_OK)
		return rc;
	*len = load_le64(b);
	if (*len > max)
		goto bad;
	return CUTRU_OK;
bad:
	return cutru_err_set(e, CUTRU_EIO, "backup",
	    _("%s is damaged or is not a cutru backup: its part '%s' is "
	    "missing or malformed."), path, want);
}

/* Read a small entry into a malloc'd buffer. */
static int
get_entry_mem(int fd, crypto_generichash_state *h, const char *name,
    size_t max, unsigned char **out, size_t *outlen, const char *path,
    struct cutru_err *e)
{
	uint64_t len;
	int rc;

	*out = NULL;
	if ((rc = get_entry_header(fd, h, name, max, &len, path, e)) != 0)
		return rc;
	if ((*out = malloc(len > 0 ? (size_t)len : 1)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while reading the backup."));
	if ((rc = get(fd, h, *out, (size_t)len, path, e)) != CUTRU_OK) {
		free(*out);
		*out = NULL;
		return rc;
	}
	*outlen = (size_t)len;
	return CUTRU_OK;
}

int
backup_unpack(const char *file, const char *dir, struct backup_info *info,
    struct cutru_err *e)
{
	crypto_generichash_state h;
	unsigned char header[HEADER_SIZE], sum[CHECKSUM_SIZE];
	unsigned char want[CHECKSUM_SIZE], extra;
	unsigned char *keyring = NULL, *config = NULL, *buf = NULL;
	size_t keyring_len = 0, config_len = 0;
	char dbname[NAME_MAX_LEN], dbpath[STOREDIR_PATH_MAX];
	char tmp[STOREDIR_PATH_MAX];
	struct keyring *kr = NULL;
	struct stat st;
	uint64_t len, left;
	ssize_t n;
	int fd = -1, out = -1, rc;

	tmp[0] = '\0';
	memset(info, 0, sizeof *info);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return cutru_err_set(e, CUTRU_ENOTFOUND, "backup",
			    _("There is no backup file %s."), file);
		return io_error(e, _("open"), file, errno);
	}
	if (fstat(fd, &st) == 0)
		info->bytes = (unsigned long long)st.st_size;
	crypto_generichash_init(&h, NULL, 0, CHECKSUM_SIZE);
	if ((rc = get(fd, &h, header, sizeof header, file, e)) != CUTRU_OK)
		goto done;
	if (memcmp(header, BACKUP_MAGIC, 7) != 0) {
		rc = cutru_err_set(e, CUTRU_EIO, "backup",
		    _("%s is not a cutru backup."), file);
		goto done;
	}
	if (header[7] != BACKUP_VERSION ||
	    load_le32(header + 28) != ENTRY_COUNT) {
		rc = cutru_err_set(e, CUTRU_EIO, "backup",
		    _("%s is a backup of a version this cutru does not know; "
		    "restore it with a newer cutru."), file);
		goto done;
	}
	memcpy(info->store_id, header + 8, KEYRING_STORE_ID_BYTES);
	info->generation = load_le32(header + 24);
	snprintf(dbname, sizeof dbname, "store-%lu.db",
	    (unsigned long)info->generation);

	if ((rc = get_entry_mem(fd, &h, STOREDIR_CONFIG, CONFIG_FILE_MAX,
	    &config, &config_len, file, e)) != CUTRU_OK)
		goto done;
	/* The database goes straight to a temp file in dir. */
	if ((rc = get_entry_header(fd, &h, dbname, UINT64_MAX / 2, &len, file,
	    e)) != CUTRU_OK)
		goto done;
	if ((rc = storedir_join(dbpath, sizeof dbpath, dir, dbname, e)) != 0)
		goto done;
	if (snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", dir, dbname) >=
	    (int)sizeof tmp) {
		tmp[0] = '\0';
		rc = cutru_err_set(e, CUTRU_ERANGE, "store",
		    _("The path %s is too long."), dir);
		goto done;
	}
	if ((out = mkstemp(tmp)) < 0) {
		rc = io_error(e, _("create"), tmp, errno);
		tmp[0] = '\0';
		goto done;
	}
	(void)fchmod(out, 0600);
	if ((buf = malloc(COPY_BUF)) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while reading the backup."));
		goto done;
	}
	for (left = len; left > 0; left -= (uint64_t)n) {
		n = left < COPY_BUF ? (ssize_t)left : COPY_BUF;
		if ((rc = get(fd, &h, buf, (size_t)n, file, e)) != CUTRU_OK ||
		    (rc = put(out, NULL, buf, (size_t)n, tmp, e)) != CUTRU_OK)
			goto done;
	}
	if ((rc = get_entry_mem(fd, &h, STOREDIR_KEYRING, KEYRING_FILE_MAX,
	    &keyring, &keyring_len, file, e)) != CUTRU_OK)
		goto done;
	crypto_generichash_final(&h, sum, sizeof sum);
	if ((rc = get(fd, NULL, want, sizeof want, file, e)) != CUTRU_OK)
		goto done;
	for (;;) {
		n = read(fd, &extra, 1);
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (sodium_memcmp(sum, want, sizeof sum) != 0 || n != 0) {
		rc = cutru_err_set(e, CUTRU_EIO, "backup",
		    _("%s is damaged: its checksum does not match. Use "
		    "another copy of the backup."), file);
		goto done;
	}

	/* Everything checked: put the files in place, keyring last. */
	if (fsync(out) != 0 || close(out) != 0) {
		out = -1;
		rc = io_error(e, _("write"), tmp, errno);
		goto done;
	}
	out = -1;
	if (rename(tmp, dbpath) != 0) {
		rc = io_error(e, _("write"), dbpath, errno);
		goto done;
	}
	tmp[0] = '\0';
	if ((rc = storedir_write_atomic(dir, STOREDIR_CONFIG, config,
	    config_len, 0600, e)) != CUTRU_OK)
		goto done;
	if ((rc = storedir_write_atomic(dir, STOREDIR_KEYRING, keyring,
	    keyring_len, 0600, e)) != CUTRU_OK)
		goto done;
	/* The keyring must be the one the header describes. */
	if ((rc = keyring_load(dir, &kr, e)) != CUTRU_OK)
		goto undo;
	if (keyring_generation(kr) != info->generation ||
	    sodium_memcmp(keyring_store_id(kr), info->store_id,
	    KEYRING_STORE_ID_BYTES) != 0) {
		rc = cutru_err_set(e, CUTRU_EIO, "backup",
		    _("%s is damaged: its keyring belongs to another store "
		    "or another key generation."), file);
		goto undo;
	}
	goto done;
undo:
	unpack_undo(dir, info);
done:
	keyring_free(kr);
	if (out >= 0)
		close(out);
	if (tmp[0] != '\0')
		unlink(tmp);
	if (fd >= 0)
		close(fd);
	free(buf);
	free(config);
	if (keyring != NULL) {
		sodium_memzero(keyring, keyring_len);
		free(keyring);
	}
	return rc;
}

/* Take out what backup_unpack() wrote in dir. */
static void
unpack_undo(const char *dir, const struct backup_info *info)
{
	char name[NAME_MAX_LEN];

	/* The keyring first: without it the folder is not a store. */
	(void)storedir_remove(dir, STOREDIR_KEYRING, NULL);
	(void)storedir_remove(dir, STOREDIR_CONFIG, NULL);
	snprintf(name, sizeof name, "store-%lu.db",
	    (unsigned long)info->generation);
	(void)storedir_remove(dir, name, NULL);
}
