/* The store directory: where it lives, how it is laid out, and how its files
 * are written (atomically) and read (with a permission check).  The layout and
 * the rules are described in localdb/storedir.c and in cutru-store(5). */
#ifndef CUTRU_STOREDIR_H
#define CUTRU_STOREDIR_H

#include <stddef.h>
#include <sys/types.h>

#include "core/err.h"

/* Names of the files and folders inside a store directory. */
#define STOREDIR_KEYRING "keyring"
#define STOREDIR_CONFIG "config"
#define STOREDIR_FAILURES "failures"
#define STOREDIR_OUTBOX "outbox"
#define STOREDIR_INBOX "inbox"

/* Longest path this module builds (directory + "/" + name + temp suffix). */
#define STOREDIR_PATH_MAX 4096

/* Flags of storedir_read_file(). */
#define STOREDIR_PRIVATE 0x1 /* refuse a file that group or others may use */

/* The steps of storedir_write_atomic(), for the test fault hook. */
enum storedir_step {
	STOREDIR_STEP_WRITE = 1,  /* half of the bytes are in the temp file */
	STOREDIR_STEP_FSYNC = 2,  /* all bytes written, before fsync */
	STOREDIR_STEP_RENAME = 3, /* temp file synced and closed, before rename */
	STOREDIR_STEP_DIRSYNC = 4 /* renamed, before the directory is synced */
};

/* The default store directory: $XDG_DATA_HOME/cutru when XDG_DATA_HOME is an
 * absolute path, else $HOME/.local/share/cutru (HOME from the environment or,
 * failing that, the password database).  Writes a NUL-terminated path into
 * buf.  Callers that take a store path from the user (an option) simply do
 * not call this. */
int storedir_default_path(char *buf, size_t len, struct cutru_err *e);

/* The user's home directory: $HOME when it is an absolute path, else the
 * password database's; NULL when neither is.  Also for the settings
 * file's default path (tui/conf.c). */
const char *storedir_home(void);

/* Create a store directory at path (mode 0700, and any missing parent with
 * 0700 as the XDG spec asks) with outbox/{tmp,new,cur} and
 * inbox/{tmp,new,cur}.  An existing directory is accepted only when it is
 * empty, or holds nothing but what an interrupted creation left (a store
 * without its keyring); only then is it made 0700.  Any other existing
 * directory is refused untouched with CUTRU_ECONFLICT: one that holds a
 * keyring (a store), and one in use ("The folder ... is not empty"), so
 * that `cutru -s ~ init` changes nothing in a home folder. */
int storedir_create(const char *path, struct cutru_err *e);

/* Check that path is a directory owned by this user that group and others
 * cannot write to or enter.  CUTRU_ENOTFOUND when it does not exist,
 * CUTRU_EPERM (message says "chmod 700 PATH") when its mode is too open. */
int storedir_check(const char *path, struct cutru_err *e);

/* Check the mode of dir/name the same way for a file: owned by this user, no
 * permission for group or others (message says "chmod 600 PATH").  what
 * names the file for the message ("keyring", "database").  CUTRU_ENOTFOUND
 * when it is missing. */
int storedir_check_file(const char *dir, const char *name, const char *what,
    struct cutru_err *e);

/* Replace dir/name with len bytes from buf, atomically: the bytes go to a
 * temp file in dir (".NAME.tmp-XXXXXX"), which is fsynced, closed, renamed
 * over name, and then dir itself is fsynced.  After a crash at any point
 * dir/name holds either the old or the new bytes, never a mix.  mode is the
 * new file's mode (0600 for everything in a store). */
int storedir_write_atomic(const char *dir, const char *name, const void *buf,
    size_t len, mode_t mode, struct cutru_err *e);

/* Read the whole of dir/name into a malloc'd buffer (*out, freed by the
 * caller with free(); NUL-terminated one byte past *outlen for text).  Files
 * longer than max bytes are refused as damaged.  With STOREDIR_PRIVATE the
 * open file's owner and mode are checked as by storedir_check_file().  what
 * names the file in messages.  CUTRU_ENOTFOUND when it does not exist. */
int storedir_read_file(const char *dir, const char *name, const char *what,
    size_t max, int flags, unsigned char **out, size_t *outlen,
    struct cutru_err *e);

/* Remove dir/name (missing is fine) and fsync dir. */
int storedir_remove(const char *dir, const char *name, struct cutru_err *e);

/* fsync the directory itself, so renames and unlinks in it are durable. */
int storedir_sync(const char *dir, struct cutru_err *e);

/* Remove temp files left in dir by writes a crash interrupted.  Returns how
 * many were removed (best effort: errors are ignored). */
int storedir_clean_temp(const char *dir);

/* Join dir and name into buf; CUTRU_ERANGE when it does not fit. */
int storedir_join(char *buf, size_t len, const char *dir, const char *name,
    struct cutru_err *e);

/* For tests only: hook called before each step of storedir_write_atomic().
 * A non-zero return makes the write fail at that step as if the system call
 * had failed (the temp file is removed, the old file left in place).  A hook
 * may also kill the process to simulate a power cut.  NULL removes it.  Not
 * thread-safe; production code never sets it. */
void storedir_set_fault_hook(int (*hook)(enum storedir_step step,
    const char *name, void *arg), void *arg);

#endif
