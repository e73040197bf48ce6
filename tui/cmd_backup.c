#include "config.h"

/* cutru backup FILE and cutru restore FILE.  The backup file's format is
 * tui/backup.c's; this file decides where a restore goes.
 *
 * Restore never destroys a store.  The backup is unpacked into a new folder
 * beside the store folder, DIR.restore-XXXXXX (so a failure leaves DIR as
 * it was, and the temporary folder is removed), opened and checked there,
 * and only then renamed to DIR.  DIR may be missing or an empty folder;
 * a live store there is refused unless --force, and with --force it is
 * first locked exclusively (so no other cutru has it open) and renamed to
 * DIR.before-restore-YYYYMMDDTHHMMSS, which the officer deletes once the
 * restored store is known to be good.  A power cut between the two renames
 * leaves the old store under that name and the restored one under
 * DIR.restore-XXXXXX: nothing is lost, and the message of the next cutru
 * (no store in DIR) leads to them.
 *
 * Either way the restored store is opened as the officer (-u) with their
 * passphrase in the backup, and its journal is verified, before it takes
 * the store's place: a backup that does not open, or whose journal is
 * broken, is not restored. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/i18n.h"
#include "localdb/journal.h"
#include "localdb/session.h"
#include "localdb/store.h"
#include "localdb/storedir.h"
#include "tui/backup.h"
#include "tui/cli.h"
#include "tui/passphrase.h"

enum {
	OPT_FORCE = CLI_OPT_FIRST_FREE
};

static int
force_option(struct cli *c, int argc, char **argv, int *force, int *status)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, OPT_FORCE },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	*force = 0;
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    status)) != -1) {
		if (opt == -2)
			return -2;
		if (opt == OPT_FORCE)
			*force = 1;
	}
	return 0;
}

static int
backup_exec(struct cli *c, int argc, char **argv)
{
	struct backup_info info;
	struct session *s = NULL;
	struct cutru_err e;
	char id[KEYRING_STORE_ID_BYTES * 2 + 1];
	int force, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	if (force_option(c, argc, argv, &force, &status) == -2)
		return status;
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give the backup file to write."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    session_refresh(s, &e) != CUTRU_OK ||
	    backup_write(session_store(s), argv[optind], force, &info, &e) !=
	    CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	session_close(s);
	sodium_bin2hex(id, sizeof id, info.store_id, sizeof info.store_id);
	if (c->json) {
		cJSON *doc = cJSON_CreateObject();

		if (doc != NULL &&
		    (cJSON_AddStringToObject(doc, "backup",
		    argv[optind]) == NULL ||
		    cJSON_AddNumberToObject(doc, "bytes",
		    (double)info.bytes) == NULL ||
		    cJSON_AddStringToObject(doc, "store_id", id) == NULL ||
		    cJSON_AddNumberToObject(doc, "generation",
		    info.generation) == NULL)) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		return cli_json_print(c, doc);
	}
	printf(_("Backup written to %s (%llu bytes). It is encrypted like "
	    "the store: restoring it needs an officer's passphrase or the "
	    "recovery code as they were today.\n"), argv[optind], info.bytes);
	return CLI_EXIT_OK;
}

/* Remove a folder tree (a restore that did not complete). */
static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

static void
remove_tree(const char *dir)
{
	(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* 1 when dir holds anything, 0 when it is empty, -1 on error. */
static int
dir_has_entries(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int found = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			found = 1;
			break;
		}
	closedir(d);
	return found;
}

/* Open the restored store in dir as login and check its journal. */
static int
prove(const char *dir, const char *login, const char *pass,
    struct cutru_err *e)
{
	struct session *s = NULL;
	int64_t bad = 0;
	int rc;

	if ((rc = session_open(dir, login, pass, time(NULL), &s, e)) !=
	    CUTRU_OK)
		return rc;
	rc = journal_verify(session_db(s), &bad, e);
	session_close(s);
	return rc;
}

/* Lock the live store in dir as a rekey does (cutru-store(5), "lock"):
 * exclusively, without waiting.  The descriptor goes to *fd. */
static int
lock_live(const char *dir, int *fd, struct cutru_err *e)
{
	char p[STOREDIR_PATH_MAX];
	struct flock fl;
	int rc;

	*fd = -1;
	if ((rc = storedir_join(p, sizeof p, dir, "lock", e)) != CUTRU_OK)
		return rc;
	if ((*fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) <
	    0)
		return cutru_err_set(e, CUTRU_EIO, "store",
		    _("Cannot open %s: %s."), p, strerror(errno));
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(*fd, F_OFD_SETLK, &fl) != 0) {
		close(*fd);
		*fd = -1;
		return cutru_err_set(e, CUTRU_ECONFLICT, "store",
		    _("The store in %s is open in another cutru; close it "
		    "there first."), dir);
	}
	return CUTRU_OK;
}

/* Make dir and its missing parents, 0700 as storedir_create() does. */
static int
make_dirs(const char *dir, struct cutru_err *e)
{
	char buf[STOREDIR_PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof buf)
		return cutru_err_set(e, CUTRU_ERANGE, "store",
		    _("The path %s is too long."), dir);
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if ((buf[i] != '/' && buf[i] != '\0') || buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return cutru_err_set(e, CUTRU_EIO, "store",
			    _("Cannot create the folder %s: %s."), buf,
			    strerror(errno));
		buf[i] = dir[i];
	}
	return CUTRU_OK;
}

static int
restore_exec(struct cli *c, int argc, char **argv)
{
	struct backup_info info;
	struct cutru_err e;
	struct stat st;
	const char *dir, *login, *file;
	char base[STOREDIR_PATH_MAX], work[STOREDIR_PATH_MAX];
	char old[STOREDIR_PATH_MAX], parent[STOREDIR_PATH_MAX];
	char tmp[STOREDIR_PATH_MAX], prompt[160], stamp[32], *pass = NULL;
	size_t len;
	int force, status = CLI_EXIT_OK, rc, replace = 0, lockfd = -1;
	int made_work = 0;
	time_t now;

	cutru_err_clear(&e);
	old[0] = '\0';
	memset(&info, 0, sizeof info);
	if (force_option(c, argc, argv, &force, &status) == -2)
		return status;
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give the backup file to "
		    "restore."));
	file = argv[optind];
	if ((rc = cli_store_path(c, &dir, &e)) != CUTRU_OK ||
	    (rc = cli_login(c, &login, &e)) != CUTRU_OK)
		return cli_fail(c, &e);
	/* The store folder without trailing slashes, for the names beside
	 * it. */
	snprintf(base, sizeof base, "%s", dir);
	for (len = strlen(base); len > 1 && base[len - 1] == '/'; len--)
		base[len - 1] = '\0';
	if (stat(base, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			cutru_err_set(&e, CUTRU_ECONFLICT, "store",
			    _("%s is not a folder; choose another store "
			    "folder."), base);
			return cli_fail(c, &e);
		}
		if (storedir_join(tmp, sizeof tmp, base, STOREDIR_KEYRING,
		    &e) != CUTRU_OK)
			return cli_fail(c, &e);
		if (lstat(tmp, &st) == 0) {
			if (!force) {
				cutru_err_set(&e, CUTRU_ECONFLICT, "store",
				    _("There is a store in %s already; give "
				    "--force to replace it (it is kept "
				    "beside the restored one)."), base);
				return cli_fail(c, &e);
			}
			replace = 1;
		} else if (dir_has_entries(base) != 0) {
			cutru_err_set(&e, CUTRU_ECONFLICT, "store",
			    _("%s is not empty and holds no store; restore "
			    "into a new or empty folder."), base);
			return cli_fail(c, &e);
		}
	}
	if (access(file, R_OK) != 0) {
		cutru_err_set(&e, errno == ENOENT ? CUTRU_ENOTFOUND :
		    CUTRU_EIO, "backup", _("Cannot read the backup %s: %s."),
		    file, strerror(errno));
		return cli_fail(c, &e);
	}
	snprintf(prompt, sizeof prompt,
	    _("Passphrase for %s in the backup: "), login);
	if ((rc = cli_passphrase(c, prompt, &pass, &e)) != CUTRU_OK)
		return cli_fail(c, &e);

	/* Unpack and prove the backup in a new folder beside the store. */
	snprintf(tmp, sizeof tmp, "%s", base);
	snprintf(parent, sizeof parent, "%s", dirname(tmp));
	if ((rc = make_dirs(parent, &e)) != CUTRU_OK)
		goto done;
	if (snprintf(work, sizeof work, "%s.restore-XXXXXX", base) >=
	    (int)sizeof work) {
		rc = cutru_err_set(&e, CUTRU_ERANGE, "store",
		    _("The path %s is too long."), base);
		goto done;
	}
	if (mkdtemp(work) == NULL) {
		rc = cutru_err_set(&e, CUTRU_EIO, "store",
		    _("Cannot create a folder beside %s: %s."), base,
		    strerror(errno));
		goto done;
	}
	made_work = 1;
	if ((rc = storedir_create(work, &e)) != CUTRU_OK ||
	    (rc = backup_unpack(file, work, &info, &e)) != CUTRU_OK ||
	    (rc = prove(work, login, pass, &e)) != CUTRU_OK)
		goto done;

	/* Put it in place: over nothing, over an empty folder, or (with
	 * --force, the live store locked) over a store moved aside. */
	if (replace) {
		now = time(NULL);
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", gmtime(&now));
		if (snprintf(old, sizeof old, "%s.before-restore-%s", base,
		    stamp) >= (int)sizeof old) {
			old[0] = '\0';
			rc = cutru_err_set(&e, CUTRU_ERANGE, "store",
			    _("The path %s is too long."), base);
			goto done;
		}
		if ((rc = lock_live(base, &lockfd, &e)) != CUTRU_OK) {
			old[0] = '\0';
			goto done;
		}
		if (rename(base, old) != 0) {
			rc = cutru_err_set(&e, CUTRU_EIO, "store",
			    _("Cannot move %s aside: %s."), base,
			    strerror(errno));
			old[0] = '\0';
			goto done;
		}
	}
	if (rename(work, base) != 0) {
		if (old[0] != '\0') {
			rc = cutru_err_set(&e, CUTRU_EIO, "store",
			    _("Cannot move the restored store into %s: %s. "
			    "The old store is now %s and the restored one "
			    "%s."), base, strerror(errno), old, work);
			made_work = 0;
		} else
			rc = cutru_err_set(&e, CUTRU_EIO, "store",
			    _("Cannot move the restored store into %s: %s."),
			    base, strerror(errno));
		goto done;
	}
	made_work = 0;
	rc = storedir_sync(parent, &e);
done:
	if (lockfd >= 0)
		close(lockfd);
	passphrase_free(pass);
	if (made_work)
		remove_tree(work);
	if (rc != CUTRU_OK)
		return cli_fail(c, &e);
	if (c->json) {
		cJSON *doc = cJSON_CreateObject();

		if (doc != NULL &&
		    (cJSON_AddStringToObject(doc, "store", base) == NULL ||
		    cJSON_AddNumberToObject(doc, "generation",
		    info.generation) == NULL ||
		    (old[0] != '\0' ?
		    cJSON_AddStringToObject(doc, "replaced", old) :
		    cJSON_AddNullToObject(doc, "replaced")) == NULL)) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		return cli_json_print(c, doc);
	}
	printf(_("The backup is restored in %s.\n"), base);
	if (old[0] != '\0')
		printf(_("The store it replaced is now %s; delete it once the "
		    "restored store is known to be good.\n"), old);
	return CLI_EXIT_OK;
}

const struct cmd cmd_backup = {
	"backup", N_("[--force] FILE"),
	N_("Write an encrypted backup of the store to FILE."),
	backup_exec, NULL
};

const struct cmd cmd_restore = {
	"restore", N_("[--force] FILE"),
	N_("Restore a backup into the store folder (--force to replace a "
	"store)."),
	restore_exec, NULL
};
