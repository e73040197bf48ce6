#include "config.h"

/* The store: directory, keyring, config, encrypted database.
 *
 * Files.  Besides what localdb/storedir.c lists, the database of key
 * generation N is "store-N.db" (with "-wal", "-shm", "-journal" beside it),
 * encrypted under the store key of generation N, which is the generation the
 * keyring records.  The file name carries the generation so that the keyring
 * alone says which database file is current: that is what makes a rekey
 * crash-safe without rewriting pages in place.  The database's
 * application_id is STORE_APPLICATION_ID ("CTRU"), set at creation; the
 * schema (user_version) belongs to localdb/schema.c.  "lock" is an empty
 * file used for locks only.
 *
 * Creation writes, in order: the folders, the config file, the database
 * (store-1.db, created 0600 before SQLite opens it so that its journals
 * inherit 0600), and last the keyring.  Until the keyring exists the folder
 * is not a store, and creating again starts over.
 *
 * Rekey, step by step (generation g to g+1):
 *   1. an exclusive lock: no other process has the store open;
 *   2. a new keyring in memory, the new key sealed to every officer and to
 *      the recovery code (localdb/keyring.c: no passphrase is needed);
 *   3. VACUUM INTO store-(g+1).db, through the cipher VFS with the new key
 *      attached to that path, so every page of the copy is written under the
 *      new key; then fsync of the copy and of the directory;
 *   4. the new keyring is written atomically: the commit point;
 *   5. the old connection is closed, store-(g+1).db opened, store-g.db and
 *      its companions removed.
 * A power cut before 4 leaves keyring g and an intact store-g.db (VACUUM
 * INTO only reads it); the partial copy is removed at the next open.  A
 * power cut after 4 leaves keyring g+1 and a complete, synced
 * store-(g+1).db; the old files are removed at the next open.  Opening
 * removes the database files of every generation other than the keyring's,
 * and temp files of interrupted atomic writes, but only when it can take the
 * lock exclusively (no rekey can then be under way elsewhere).
 *
 * Locks.  An open store holds a shared OFD lock (fcntl F_OFD_SETLK, which,
 * unlike flock, converts between shared and exclusive atomically) on "lock";
 * a rekey and the clean-up need it exclusive and give up rather than wait.
 * Keyring changes (officers, passphrases, recovery code) reload the keyring
 * from disk, check it with the key in hand and save it, so two consoles on
 * one store do not undo each other's changes; the read-change-write itself
 * is not locked (two changes in the same millisecond can still race).
 *
 * The config file: text, one "key = value" per line, '#' starts a comment
 * line, later lines win.  Keys: kdf_opslimit and kdf_memlimit (bytes): the
 * Argon2id limits for new or changed passphrases (default: libsodium's
 * MODERATE, 3 and 268435456; tests lower them); journal_mode: wal (default),
 * delete, truncate or persist; synchronous: normal, full (default) or extra.
 * Unknown keys and bad values are refused with the line number. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "core/err.h"
#include "core/i18n.h"
#include "localdb/cipher.h"
#include "localdb/keyring.h"
#include "localdb/schema.h"
#include "localdb/storedir.h"
#include "localdb/store.h"

#define STORE_LOCK "lock"
#define CONFIG_FILE_MAX 16384

struct store {
	char dir[STOREDIR_PATH_MAX];
	char db_path[STOREDIR_PATH_MAX];
	struct keyring *kr;       /* unlocked */
	struct store_config cfg;
	sqlite3 *db;
	int lock_fd;
};

/* ------------------------------------------------------------ config */

/* PRAGMA synchronous levels by number; 0 (off) is never configured. */
static const char *const sync_names[] = { "off", "normal", "full", "extra" };

void
store_config_default(struct store_config *c)
{
	memset(c, 0, sizeof *c);
	keyring_kdf_default(&c->kdf);
	snprintf(c->journal_mode, sizeof c->journal_mode, "wal");
	c->synchronous = 2;
}

static int
parse_u64(const char *s, unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

static char *
trim(char *s)
{
	char *t;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	t = s + strlen(s);
	while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
		*--t = '\0';
	return s;
}

static int
config_line(char *line, unsigned no, struct store_config *c,
    struct cutru_err *e)
{
	unsigned long long v;
	char *eq, *key, *val;
	size_t i;

	line = trim(line);
	if (line[0] == '\0' || line[0] == '#')
		return CUTRU_OK;
	eq = strchr(line, '=');
	if (eq == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "config",
		    _("Line %u of the store's config file is not of the form "
		    "\"key = value\"."), no);
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	for (i = 0; key[i] != '\0'; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || key[i] == '_'))
			break;
	if (key[0] == '\0' || key[i] != '\0' || i > 32)
		return cutru_err_set(e, CUTRU_EINVAL, "config",
		    _("Line %u of the store's config file is not of the form "
		    "\"key = value\"."), no);
	if (strcmp(key, "kdf_opslimit") == 0 ||
	    strcmp(key, "kdf_memlimit") == 0) {
		struct keyring_kdf k = c->kdf;
		struct cutru_err ke;

		if (parse_u64(val, &v) != 0)
			return cutru_err_set(e, CUTRU_EINVAL, "config",
			    _("Line %u of the store's config file: %s must be "
			    "a whole number."), no, key);
		if (key[4] == 'o')
			k.opslimit = v;
		else
			k.memlimit = v;
		/* Each limit alone against its own bound. */
		if (keyring_kdf_check(&k, &ke) != CUTRU_OK &&
		    strcmp(ke.field, key) == 0)
			return cutru_err_set(e, CUTRU_EINVAL, "config",
			    _("Line %u of the store's config file: %s"), no,
			    ke.msg);
		c->kdf = k;
		return CUTRU_OK;
	}
	if (strcmp(key, "journal_mode") == 0) {
		if (strcmp(val, "wal") != 0 && strcmp(val, "delete") != 0 &&
		    strcmp(val, "truncate") != 0 &&
		    strcmp(val, "persist") != 0)
			return cutru_err_set(e, CUTRU_EINVAL, "config",
			    _("Line %u of the store's config file: "
			    "journal_mode must be wal, delete, truncate or "
			    "persist."), no);
		snprintf(c->journal_mode, sizeof c->journal_mode, "%s", val);
		return CUTRU_OK;
	}
	if (strcmp(key, "synchronous") == 0) {
		for (i = 1; i < 4; i++)
			if (strcmp(val, sync_names[i]) == 0) {
				c->synchronous = (int)i;
				return CUTRU_OK;
			}
		return cutru_err_set(e, CUTRU_EINVAL, "config",
		    _("Line %u of the store's config file: synchronous must "
		    "be normal, full or extra."), no);
	}
	return cutru_err_set(e, CUTRU_EINVAL, "config",
	    _("Line %u of the store's config file: unknown setting \"%s\" "
	    "(known: kdf_opslimit, kdf_memlimit, journal_mode, "
	    "synchronous)."), no, key);
}

int
store_config_parse(const char *text, size_t len, struct store_config *c,
    struct cutru_err *e)
{
	struct store_config tmp;
	char *buf, *line, *next;
	unsigned no = 0;
	int rc = CUTRU_OK;

	if (c == NULL || (text == NULL && len > 0))
		return cutru_err_set(e, CUTRU_EINVAL, "config",
		    _("No config text was given."));
	if (len > CONFIG_FILE_MAX || (len > 0 && memchr(text, '\0', len)))
		return cutru_err_set(e, CUTRU_EINVAL, "config",
		    _("The store's config file is not a short text file; "
		    "it may be damaged."));
	buf = malloc(len + 1);
	if (buf == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory."));
	if (len > 0)
		memcpy(buf, text, len);
	buf[len] = '\0';
	tmp = *c;
	for (line = buf; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if ((rc = config_line(line, ++no, &tmp, e)) != CUTRU_OK)
			break;
	}
	free(buf);
	if (rc == CUTRU_OK)
		*c = tmp;
	return rc;
}

int
store_config_load(const char *dir, struct store_config *c,
    struct cutru_err *e)
{
	unsigned char *b = NULL;
	size_t len;
	int rc;

	store_config_default(c);
	rc = storedir_read_file(dir, STOREDIR_CONFIG, _("config file"),
	    CONFIG_FILE_MAX, STOREDIR_PRIVATE, &b, &len, e);
	if (rc == CUTRU_ENOTFOUND) {
		cutru_err_clear(e);
		return CUTRU_OK;
	}
	if (rc != CUTRU_OK)
		return rc;
	rc = store_config_parse((const char *)b, len, c, e);
	free(b);
	return rc;
}

int
store_config_save(const char *dir, const struct store_config *c,
    struct cutru_err *e)
{
	char buf[512];
	int n;

	if (c->synchronous < 1 || c->synchronous > 3)
		return cutru_err_set(e, CUTRU_EINVAL, "config",
		    _("synchronous must be normal, full or extra."));
	n = snprintf(buf, sizeof buf,
	    "# cutru store settings; see cutru-store(5).\n"
	    "kdf_opslimit = %llu\n"
	    "kdf_memlimit = %llu\n"
	    "journal_mode = %s\n"
	    "synchronous = %s\n",
	    c->kdf.opslimit, c->kdf.memlimit, c->journal_mode,
	    sync_names[c->synchronous]);
	if (n < 0 || (size_t)n >= sizeof buf)
		return cutru_err_set(e, CUTRU_EINTERNAL, "config",
		    _("The config file could not be written."));
	return storedir_write_atomic(dir, STOREDIR_CONFIG, buf, (size_t)n,
	    0600, e);
}

/* ------------------------------------------------------------ files */

static int
db_name(char *buf, size_t len, uint32_t gen)
{
	int n = snprintf(buf, len, "store-%lu.db", (unsigned long)gen);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The generation of a database file name "store-N.db[-wal|-shm|-journal]",
 * or 0 when name is not one. */
static unsigned long
db_generation(const char *name)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	unsigned long g = 0;
	const char *p;
	size_t i;

	if (strncmp(name, "store-", 6) != 0)
		return 0;
	for (p = name + 6; *p >= '0' && *p <= '9'; p++) {
		if (g > 0xffffffffUL / 10)
			return 0;
		g = g * 10 + (unsigned long)(*p - '0');
	}
	if (p == name + 6 || name[6] == '0' || strncmp(p, ".db", 3) != 0)
		return 0;
	p += 3;
	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
		if (strcmp(p, sfx[i]) == 0)
			return g;
	return 0;
}

/* Remove the database files of every generation but keep (0: all). */
static int
remove_other_generations(const char *dir, uint32_t keep, struct cutru_err *e)
{
	char p[STOREDIR_PATH_MAX];
	struct dirent *de;
	unsigned long g;
	DIR *d;
	int removed = 0;

	d = opendir(dir);
	if (d == NULL)
		return cutru_err_set(e, CUTRU_EIO, "store",
		    _("Cannot open the folder %s: %s."), dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		g = db_generation(de->d_name);
		if (g == 0 || g == keep)
			continue;
		if (storedir_join(p, sizeof p, dir, de->d_name, NULL) != 0)
			continue;
		if (unlink(p) == 0)
			removed++;
	}
	closedir(d);
	return removed > 0 ? storedir_sync(dir, e) : CUTRU_OK;
}

/* Remove one generation's database and companions. */
static void
remove_generation(const char *dir, uint32_t gen)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char name[64], p[STOREDIR_PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		if (snprintf(name, sizeof name, "store-%lu.db%s",
		    (unsigned long)gen, sfx[i]) >= (int)sizeof name)
			continue;
		if (storedir_join(p, sizeof p, dir, name, NULL) == 0)
			(void)unlink(p);
	}
	(void)storedir_sync(dir, NULL);
}

/* Create an empty file with mode 0600 (replacing any leftover), so SQLite
 * opens it rather than creating it with its own mode. */
static int
create_private(const char *path, struct cutru_err *e)
{
	int fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return cutru_err_set(e, CUTRU_EIO, "store",
		    _("Cannot create %s: %s."), path, strerror(errno));
	close(fd);
	return CUTRU_OK;
}

static int
fsync_path(const char *path, struct cutru_err *e)
{
	int fd, rc = CUTRU_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cutru_err_set(e, CUTRU_EIO, "store",
		    _("Cannot open %s: %s."), path, strerror(errno));
	if (fsync(fd) != 0)
		rc = cutru_err_set(e, CUTRU_EIO, "store",
		    _("Cannot save %s: %s."), path, strerror(errno));
	close(fd);
	return rc;
}

/* ------------------------------------------------------------ locks */

static int
lock_set(int fd, short type, int wait)
{
	struct flock fl;

	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	return fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
}

static int
lock_open(struct store *s, struct cutru_err *e)
{
	char p[STOREDIR_PATH_MAX];
	int rc;

	if ((rc = storedir_join(p, sizeof p, s->dir, STORE_LOCK, e)) != 0)
		return rc;
	s->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lock_fd < 0)
		return cutru_err_set(e, CUTRU_EIO, "store",
		    _("Cannot open %s: %s."), p, strerror(errno));
	if (lock_set(s->lock_fd, F_RDLCK, 0) != 0) {
		if (errno == EAGAIN || errno == EACCES)
			return cutru_err_set(e, CUTRU_ECONFLICT, "store",
			    _("The store in %s is being rekeyed by another "
			    "cutru; try again when it has finished."),
			    s->dir);
		return cutru_err_set(e, CUTRU_EIO, "store",
		    _("Cannot lock %s: %s."), p, strerror(errno));
	}
	return CUTRU_OK;
}

/* Exclusive without waiting: 0 on success, -1 if another process holds
 * the store open (the shared lock is kept: OFD conversion is atomic). */
static int
lock_exclusive(struct store *s)
{
	return lock_set(s->lock_fd, F_WRLCK, 0);
}

static void
lock_shared(struct store *s)
{
	(void)lock_set(s->lock_fd, F_RDLCK, 1);
}

/* ------------------------------------------------------------ database */

static int
open_db(struct store *s, int create, struct cutru_err *e)
{
	struct cipher_open_opts opts;
	char name[64];
	sqlite3_stmt *st = NULL;
	int rc, id = -1;

	if (db_name(name, sizeof name, keyring_generation(s->kr)) != 0 ||
	    (rc = storedir_join(s->db_path, sizeof s->db_path, s->dir, name,
	    e)) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_ERANGE, "store",
		    _("The store path %.64s... is too long."), s->dir);
	if (create && (rc = create_private(s->db_path, e)) != CUTRU_OK)
		return rc;
	rc = storedir_check_file(s->dir, name, _("database"), e);
	if (rc == CUTRU_ENOTFOUND)
		return cutru_err_set(e, CUTRU_ENOTFOUND, "database",
		    _("The database %s of this store is missing; restore it "
		    "from a backup copy together with its keyring."),
		    s->db_path);
	if (rc != CUTRU_OK)
		return rc;
	if ((rc = cipher_vfs_register(e)) != CUTRU_OK)
		return rc;
	if ((rc = cipher_key_attach(s->db_path, keyring_key(s->kr),
	    keyring_store_id(s->kr), e)) != CUTRU_OK)
		return rc;
	memset(&opts, 0, sizeof opts);
	opts.journal_mode = s->cfg.journal_mode;
	opts.synchronous = sync_names[s->cfg.synchronous & 3];
	/* NOMUTEX: a store's connection is used by one thread at a time
	 * (the program's), so SQLite's per-call connection mutex is pure
	 * cost - a few per cent of a bulk import. */
	rc = cipher_db_open(s->db_path, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, &opts, &s->db, e);
	if (rc == CUTRU_ECRYPTO)
		return cutru_err_set(e, CUTRU_ECRYPTO, "database",
		    _("The database %s cannot be read with the key in the "
		    "keyring: it is damaged or belongs to another keyring. "
		    "Restore the store from a backup copy."), s->db_path);
	if (rc != CUTRU_OK)
		return rc;
	if (create) {
		char sql[64];

		snprintf(sql, sizeof sql, "PRAGMA application_id = %d",
		    STORE_APPLICATION_ID);
		if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return cutru_err_set(e, CUTRU_EIO, "database",
			    _("Cannot write the new database %s: %s."),
			    s->db_path, sqlite3_errmsg(s->db));
	}
	if (sqlite3_prepare_v2(s->db, "PRAGMA application_id", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (id != STORE_APPLICATION_ID)
		return cutru_err_set(e, CUTRU_ECRYPTO, "database",
		    _("The database %s is not a cutru store database."),
		    s->db_path);
	/* Every page read from disk costs a decryption, so a warm search
	 * must find its pages in the page cache: let it grow to
	 * STORE_CACHE_KIB (SQLite's default of 2 MB holds a few thousand
	 * persons).  Memory is taken only as pages are read. */
	snprintf(name, sizeof name, "PRAGMA cache_size = -%d", STORE_CACHE_KIB);
	(void)sqlite3_exec(s->db, name, NULL, NULL, NULL);
	/* The register's CHECKs call the program's functions. */
	if (schema_functions(s->db) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_ENOMEM, "database",
		    _("Out of memory."));
	return CUTRU_OK;
}

static void
close_db(struct store *s)
{
	if (s->db != NULL) {
		sqlite3_close_v2(s->db);
		s->db = NULL;
	}
	if (s->db_path[0] != '\0')
		cipher_key_detach(s->db_path);
	s->db_path[0] = '\0';
}

/* ------------------------------------------------------------ lifecycle */

static int
store_alloc(const char *dir, struct store **out, struct cutru_err *e)
{
	struct store *s;
	int n;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("No store path was given."));
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory."));
	s->lock_fd = -1;
	n = snprintf(s->dir, sizeof s->dir, "%s", dir);
	if (n < 0 || (size_t)n >= sizeof s->dir - 64) {
		free(s);
		return cutru_err_set(e, CUTRU_ERANGE, "store",
		    _("The store path %.64s... is too long."), dir);
	}
	*out = s;
	return CUTRU_OK;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	close_db(s);
	keyring_free(s->kr);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

int
store_create(const char *dir, const char *login, const char *passphrase,
    const struct keyring_kdf *kdf, char *code, struct store **out,
    struct cutru_err *e)
{
	struct store *s = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || code == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("No place was given for the new store or its recovery "
		    "code."));
	code[0] = '\0';
	/* Refuse a bad login, passphrase or limits before anything is made. */
	if ((rc = keyring_login_check(login, e)) != CUTRU_OK ||
	    (rc = keyring_passphrase_check(passphrase, e)) != CUTRU_OK ||
	    (kdf != NULL && (rc = keyring_kdf_check(kdf, e)) != CUTRU_OK))
		return rc;
	if ((rc = store_alloc(dir, &s, e)) != CUTRU_OK)
		return rc;
	if ((rc = storedir_create(dir, e)) != CUTRU_OK)
		goto done;
	if ((rc = lock_open(s, e)) != CUTRU_OK)
		goto done;
	if (lock_exclusive(s) != 0) {
		rc = cutru_err_set(e, CUTRU_ECONFLICT, "store",
		    _("Another cutru is creating a store in %s."), dir);
		goto done;
	}
	store_config_default(&s->cfg);
	if (kdf != NULL)
		s->cfg.kdf = *kdf;
	if ((rc = store_config_save(dir, &s->cfg, e)) != CUTRU_OK)
		goto done;
	if ((rc = keyring_create(dir, &s->cfg.kdf, &s->kr, code, e)) != 0)
		goto done;
	if ((rc = keyring_add_officer(s->kr, login, passphrase, &s->cfg.kdf,
	    e)) != CUTRU_OK)
		goto done;
	/* Leftovers of an interrupted creation. */
	if ((rc = remove_other_generations(dir, 0, e)) != CUTRU_OK)
		goto done;
	(void)storedir_clean_temp(dir);
	if ((rc = open_db(s, 1, e)) != CUTRU_OK)
		goto done;
	if ((rc = storedir_sync(dir, e)) != CUTRU_OK)
		goto done;
	/* The commit point of creation. */
	if ((rc = keyring_save(s->kr, e)) != CUTRU_OK)
		goto done;
	lock_shared(s);
	*out = s;
	s = NULL;
done:
	if (s != NULL && code != NULL && rc != CUTRU_OK)
		sodium_memzero(code, KEYRING_RECOVERY_CODE_SIZE);
	store_close(s);
	return rc;
}

/* Open with kr loaded by the caller-supplied unlock step. */
static int
open_common(const char *dir, const char *login, const char *pass,
    const char *code, time_t now, struct store **out, struct cutru_err *e)
{
	struct store *s = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("No place was given for the open store."));
	if ((rc = store_alloc(dir, &s, e)) != CUTRU_OK)
		return rc;
	if ((rc = storedir_check(dir, e)) != CUTRU_OK)
		goto done;
	if ((rc = storedir_check_file(dir, STOREDIR_KEYRING, _("keyring"),
	    e)) == CUTRU_ENOTFOUND) {
		rc = cutru_err_set(e, CUTRU_ENOTFOUND, "keyring",
		    _("There is no store in %s: it has no keyring. Create a "
		    "store there, or restore the keyring from a backup "
		    "copy."), dir);
		goto done;
	}
	if (rc != CUTRU_OK)
		goto done;
	/* The lock before the keyring: a rekey elsewhere finishes first. */
	if ((rc = lock_open(s, e)) != CUTRU_OK)
		goto done;
	if ((rc = keyring_load(dir, &s->kr, e)) != CUTRU_OK)
		goto done;
	if ((rc = store_config_load(dir, &s->cfg, e)) != CUTRU_OK)
		goto done;
	if (code != NULL)
		rc = keyring_unlock_recovery(s->kr, code, now, e);
	else
		rc = keyring_unlock(s->kr, login, pass, now, e);
	if (rc != CUTRU_OK)
		goto done;
	if (lock_exclusive(s) == 0) {
		(void)storedir_clean_temp(dir);
		rc = remove_other_generations(dir, keyring_generation(s->kr),
		    e);
		lock_shared(s);
		if (rc != CUTRU_OK)
			goto done;
	}
	if ((rc = open_db(s, 0, e)) != CUTRU_OK)
		goto done;
	*out = s;
	s = NULL;
done:
	store_close(s);
	return rc;
}

int
store_open(const char *dir, const char *login, const char *passphrase,
    time_t now, struct store **out, struct cutru_err *e)
{
	return open_common(dir, login, passphrase, NULL, now, out, e);
}

int
store_open_recovery(const char *dir, const char *code, time_t now,
    struct store **out, struct cutru_err *e)
{
	if (code == NULL) {
		if (out != NULL)
			*out = NULL;
		return cutru_err_set(e, CUTRU_EINVAL, "recovery_code",
		    _("No recovery code was given."));
	}
	return open_common(dir, NULL, NULL, code, now, out, e);
}

sqlite3 *
store_db(const struct store *s)
{
	return s != NULL ? s->db : NULL;
}

const struct keyring *
store_keyring(const struct store *s)
{
	return s != NULL ? s->kr : NULL;
}

const char *
store_dir(const struct store *s)
{
	return s->dir;
}

const struct store_config *
store_config(const struct store *s)
{
	return &s->cfg;
}

/* ------------------------------------------------------------ keyring changes */

/* The keyring as it is on disk now, unlocked with our key. */
static int
reload_keyring(struct store *s, struct keyring **out, struct cutru_err *e)
{
	struct keyring *kr = NULL;
	int rc;

	*out = NULL;
	if (s == NULL || s->kr == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The store is not open."));
	if ((rc = keyring_load(s->dir, &kr, e)) != CUTRU_OK)
		return rc;
	if (keyring_generation(kr) != keyring_generation(s->kr)) {
		keyring_free(kr);
		return cutru_err_set(e, CUTRU_ECONFLICT, "keyring",
		    _("The store was rekeyed by another cutru; close the "
		    "store and open it again."));
	}
	if ((rc = keyring_unlock_key(kr, keyring_key(s->kr), e)) != 0) {
		keyring_free(kr);
		return rc;
	}
	*out = kr;
	return CUTRU_OK;
}

/* Save kr and make it s's keyring (kr is consumed). */
static int
commit_keyring(struct store *s, struct keyring *kr, int rc,
    struct cutru_err *e)
{
	if (rc == CUTRU_OK)
		rc = keyring_save(kr, e);
	if (rc != CUTRU_OK) {
		keyring_free(kr);
		return rc;
	}
	keyring_free(s->kr);
	s->kr = kr;
	return CUTRU_OK;
}

int
store_add_officer(struct store *s, const char *login, const char *passphrase,
    struct cutru_err *e)
{
	struct keyring *kr;
	int rc;

	if ((rc = reload_keyring(s, &kr, e)) != CUTRU_OK)
		return rc;
	rc = keyring_add_officer(kr, login, passphrase, &s->cfg.kdf, e);
	return commit_keyring(s, kr, rc, e);
}

int
store_remove_officer(struct store *s, const char *login,
    struct cutru_err *e)
{
	struct keyring *kr;
	int rc;

	if ((rc = reload_keyring(s, &kr, e)) != CUTRU_OK)
		return rc;
	rc = keyring_remove_officer(kr, login, e);
	return commit_keyring(s, kr, rc, e);
}

int
store_set_passphrase(struct store *s, const char *login,
    const char *passphrase, struct cutru_err *e)
{
	struct keyring *kr;
	int rc;

	if ((rc = reload_keyring(s, &kr, e)) != CUTRU_OK)
		return rc;
	rc = keyring_set_passphrase(kr, login, passphrase, &s->cfg.kdf, e);
	return commit_keyring(s, kr, rc, e);
}

int
store_change_passphrase(struct store *s, const char *login,
    const char *old_passphrase, const char *new_passphrase, time_t now,
    struct cutru_err *e)
{
	struct keyring *kr;
	int rc;

	if ((rc = reload_keyring(s, &kr, e)) != CUTRU_OK)
		return rc;
	rc = keyring_change_passphrase(kr, login, old_passphrase,
	    new_passphrase, now, &s->cfg.kdf, e);
	return commit_keyring(s, kr, rc, e);
}

int
store_new_recovery(struct store *s, char *code, struct cutru_err *e)
{
	struct keyring *kr;
	int rc;

	if (code != NULL)
		code[0] = '\0';
	if ((rc = reload_keyring(s, &kr, e)) != CUTRU_OK)
		return rc;
	rc = keyring_new_recovery(kr, code, e);
	rc = commit_keyring(s, kr, rc, e);
	if (rc != CUTRU_OK && code != NULL)
		sodium_memzero(code, KEYRING_RECOVERY_CODE_SIZE);
	return rc;
}

/* ------------------------------------------------------------ rekey */

/* Steps 3 and 4 of the rekey (see the top of this file): the copy under the
 * new key, then the keyring.  Returns 1 in *committed once the new keyring
 * is the one on disk. */
static int
rekey_copy(struct store *s, struct keyring *nk, const char *new_path,
    int *committed, struct cutru_err *e)
{
	struct keyring *disk = NULL;
	char *sql;
	int rc;

	*committed = 0;
	if ((rc = create_private(new_path, e)) != CUTRU_OK)
		return rc;
	if ((rc = cipher_key_attach(new_path, keyring_key(nk),
	    keyring_store_id(nk), e)) != CUTRU_OK)
		return rc;
	sql = sqlite3_mprintf("VACUUM INTO %Q", new_path);
	if (sql == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory."));
	rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return cutru_err_set(e, CUTRU_EIO, "database",
		    _("Cannot write the re-encrypted copy %s: %s."), new_path,
		    sqlite3_errmsg(s->db));
	if ((rc = fsync_path(new_path, e)) != CUTRU_OK ||
	    (rc = storedir_sync(s->dir, e)) != CUTRU_OK)
		return rc;
	rc = keyring_save(nk, e);
	if (rc == CUTRU_OK) {
		*committed = 1;
		return CUTRU_OK;
	}
	/* An error after the rename (the directory sync) still committed:
	 * ask the disk which keyring is there. */
	if (keyring_load(s->dir, &disk, NULL) == CUTRU_OK) {
		if (keyring_generation(disk) == keyring_generation(nk)) {
			*committed = 1;
			rc = CUTRU_OK;
			cutru_err_clear(e);
		} else if (keyring_generation(disk) !=
		    keyring_generation(s->kr)) {
			*committed = -1; /* neither: leave every file alone */
		}
	} else {
		*committed = -1;
	}
	keyring_free(disk);
	return rc;
}

int
store_rekey(struct store *s, struct cutru_err *e)
{
	struct keyring *nk = NULL, *cur;
	char name[64], new_path[STOREDIR_PATH_MAX];
	uint32_t old_gen;
	int rc, committed = 0;

	if (s == NULL || s->kr == NULL || s->db == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "store",
		    _("The store is not open."));
	if (sqlite3_next_stmt(s->db, NULL) != NULL ||
	    !sqlite3_get_autocommit(s->db))
		return cutru_err_set(e, CUTRU_ECONFLICT, "store",
		    _("The store cannot be rekeyed while a query or a "
		    "transaction is open."));
	if (lock_exclusive(s) != 0)
		return cutru_err_set(e, CUTRU_ECONFLICT, "store",
		    _("The store is open in another cutru; close it there "
		    "before rekeying."));
	/* From the keyring as it is on disk: officers another console added
	 * since we opened must get the new key too. */
	if ((rc = reload_keyring(s, &cur, e)) != CUTRU_OK)
		goto done;
	keyring_free(s->kr);
	s->kr = cur;
	old_gen = keyring_generation(s->kr);
	if ((rc = keyring_rekey(s->kr, &nk, e)) != CUTRU_OK)
		goto done;
	if (db_name(name, sizeof name, keyring_generation(nk)) != 0 ||
	    storedir_join(new_path, sizeof new_path, s->dir, name, e) != 0) {
		rc = cutru_err_set(e, CUTRU_ERANGE, "store",
		    _("The store path %.64s... is too long."), s->dir);
		goto done;
	}
	remove_generation(s->dir, keyring_generation(nk));
	rc = rekey_copy(s, nk, new_path, &committed, e);
	if (committed <= 0) {
		cipher_key_detach(new_path);
		if (committed == 0)
			remove_generation(s->dir, keyring_generation(nk));
		goto done;
	}
	/* Committed: from here the new key is the store's. */
	close_db(s);
	keyring_free(s->kr);
	s->kr = nk;
	nk = NULL;
	rc = open_db(s, 0, e);
	remove_generation(s->dir, old_gen);
done:
	keyring_free(nk);
	lock_shared(s);
	return rc;
}
