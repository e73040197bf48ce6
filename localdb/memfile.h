/* Unnamed temporary files kept in this process's memory, for the page
 * cipher's VFS (localdb/cipher.c): SQLite's sorter writes the sorted runs
 * of a sort larger than its memory budget to such files.  They never reach
 * the disk, and their bytes are wiped when they grow, shrink or close. */
#ifndef CUTRU_LOCALDB_MEMFILE_H
#define CUTRU_LOCALDB_MEMFILE_H

#include <stddef.h>

#include <sqlite3.h>

/* Bytes an sqlite3_file of this kind needs (the VFS's szOsFile must be at
 * least this). */
size_t memfile_size(void);

/* Make f (memfile_size() bytes, SQLite's) an empty memory file.  Always
 * SQLITE_OK: memory is taken as the file grows. */
int memfile_open(sqlite3_file *f, int flags, int *out_flags);

/* The largest a memory file may grow, bytes: a write beyond it fails with
 * SQLITE_FULL. */
#define MEMFILE_MAX ((sqlite3_int64)1 << 36)

#endif
