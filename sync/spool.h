/* The spool: the store directory's outbox/ and inbox/, maildir style, and
 * the atomic file writes that change sets, receipts and feed pages take
 * on their way in and out (also onto removable media).
 *
 * Layout (created by storedir_create(), localdb/storedir.h):
 *
 *   outbox/tmp/  files being written; never read
 *   outbox/new/  sealed change sets waiting to leave, one file each,
 *                named by outbox_file_name() (sync/outbox.h)
 *   outbox/cur/  sealed change sets the uploader has handed over and for
 *                which a receipt is on its way into inbox/ (the uploader,
 *                which holds no secret, moves new/ -> cur/)
 *   inbox/tmp/   files being written; never read
 *   inbox/new/   receipts ("cuR1") and feed pages ("cuF1") not applied
 *                yet, any name not starting with '.'
 *   inbox/cur/   inbox files that were refused when applied (not signed
 *                by the pinned registry, for another console, not
 *                understood), kept for the operator to look at
 *
 * Delivery (spool_deliver()): the bytes go to BOX/tmp/NAME.PID.RANDOM
 * (O_EXCL), are fsynced, the file is closed and renamed to BOX/new/NAME,
 * then BOX/new/ is fsynced.  Whoever reads new/ therefore sees a whole
 * file or none; after a crash at any point new/NAME holds the complete old
 * bytes, the complete new bytes, or does not exist, and a stray temp file
 * may be left in tmp/ (spool_clean_tmp() removes old ones; several
 * processes may have one store open, so a young temp file is another's
 * write in progress and is left alone).  Delivering the same name twice
 * replaces the file; callers choose names so that this is harmless (the
 * same bytes, or a later state of the same thing). */
#ifndef CUTRU_SYNC_SPOOL_H
#define CUTRU_SYNC_SPOOL_H

#include <stddef.h>
#include <time.h>

#include "core/err.h"

#define SPOOL_OUTBOX "outbox"
#define SPOOL_INBOX "inbox"
#define SPOOL_TMP "tmp"
#define SPOOL_NEW "new"
#define SPOOL_CUR "cur"
/* Longest file name the spool makes or accepts. */
#define SPOOL_NAME_MAX 128
/* A temp file older than this (seconds) belongs to a dead write. */
#define SPOOL_TMP_AGE 3600

/* Write len bytes of buf to dir/name atomically and durably: a temp file
 * ".NAME.tmp-PID" in dir, fsync, rename, fsync of dir.  For places outside
 * the spool (removable media): no permission bits are forced (mode 0644
 * from creation, as a FAT stick ignores them anyway). */
int spool_write_file(const char *dir, const char *name, const void *buf,
    size_t len, struct cutru_err *e);

/* Deliver len bytes as storedir/box/new/name (box SPOOL_OUTBOX or
 * SPOOL_INBOX) by way of box/tmp, as described above.  Mode 0600. */
int spool_deliver(const char *storedir, const char *box, const char *name,
    const void *buf, size_t len, struct cutru_err *e);

/* 1 when storedir/box/sub/name exists, else 0. */
int spool_exists(const char *storedir, const char *box, const char *sub,
    const char *name);

/* Remove storedir/box/sub/name (missing is fine) and fsync the folder. */
int spool_remove(const char *storedir, const char *box, const char *sub,
    const char *name, struct cutru_err *e);

/* Rename storedir/box/from/name to storedir/box/to/name and fsync both
 * folders.  CUTRU_ENOTFOUND when it is not there. */
int spool_move(const char *storedir, const char *box, const char *from,
    const char *to, const char *name, struct cutru_err *e);

/* The regular files of dir whose names do not start with '.' (and are at
 * most SPOOL_NAME_MAX bytes), sorted by strcmp.  A missing dir is empty.
 * *names malloc'd: free with spool_names_free(). */
int spool_list_dir(const char *dir, char ***names, size_t *n,
    struct cutru_err *e);

/* spool_list_dir() of storedir/box/sub. */
int spool_list(const char *storedir, const char *box, const char *sub,
    char ***names, size_t *n, struct cutru_err *e);

void spool_names_free(char **names, size_t n);

/* Remove the files of storedir/box/tmp last changed more than
 * SPOOL_TMP_AGE seconds before now.  Returns how many (best effort). */
size_t spool_clean_tmp(const char *storedir, const char *box, time_t now);

/* Read dir/name whole (at most max bytes: CUTRU_ERANGE beyond).  *out
 * malloc'd.  CUTRU_ENOTFOUND when missing. */
int spool_read_file(const char *dir, const char *name, size_t max,
    unsigned char **out, size_t *outlen, struct cutru_err *e);

/* For tests only: called by spool_deliver() before it starts; a non-zero
 * return makes it fail as if the disk had (CUTRU_EIO), and a hook may
 * also end the process there to simulate a power cut.  NULL removes it. */
void spool_set_fault_hook(int (*hook)(const char *box, const char *name,
    void *arg), void *arg);

#endif
