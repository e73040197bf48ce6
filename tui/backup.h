/* Backups of a store: one file that stays encrypted.  The format, the
 * choices behind it and what can go wrong are in tui/backup.c and in
 * cutru(1), FILES. */
#ifndef CUTRU_BACKUP_H
#define CUTRU_BACKUP_H

#include <stdint.h>

#include "core/err.h"
#include "localdb/store.h"

#define BACKUP_MAGIC "CUTRUBK"  /* 7 bytes, then the version byte */
#define BACKUP_VERSION 1

/* What a backup holds, as read back. */
struct backup_info {
	unsigned char store_id[KEYRING_STORE_ID_BYTES];
	uint32_t generation;        /* the keyring's key generation */
	unsigned long long bytes;   /* size of the backup file */
};

/* Write a backup of the open store s to file: a consistent copy of the
 * database made by VACUUM INTO under the store's own key (so it is as
 * encrypted as the store), the keyring and the config file, checksummed.
 * file is written atomically with mode 0600; an existing file is refused
 * (CUTRU_ECONFLICT) unless overwrite.  Temporary files go beside file. */
int backup_write(struct store *s, const char *file, int overwrite,
    struct backup_info *info, struct cutru_err *e);

/* Unpack the backup file into dir, an existing store directory without a
 * keyring (storedir_create()): the database first, then the config, then
 * the keyring, each written atomically, so an interrupted restore leaves a
 * folder that is not a store.  The whole file is checked (magic, version,
 * entry names, checksum) before the keyring is written; a damaged or
 * truncated file is CUTRU_EIO with field "backup" and leaves no keyring. */
int backup_unpack(const char *file, const char *dir, struct backup_info *info,
    struct cutru_err *e);

#endif
