/* A fault-injecting SQLite VFS for tests, in the spirit of SQLite's
 * src/test_vfs.c: a pass-through layer over another VFS that, once armed,
 * counts the operations of one kind and makes the Nth one (and, when
 * persistent, every later one) fail the way a failing disk would.
 *
 * It sits UNDER the page cipher (cipher_vfs_register_over("cutru-fault",
 * ...)), so it sees and damages ciphertext, as a real disk would.  One
 * process-wide state: tests are single-threaded. */
#ifndef CUTRU_TESTS_FAULTVFS_H
#define CUTRU_TESTS_FAULTVFS_H

enum faultvfs_kind {
	FAULTVFS_NONE = 0,
	FAULTVFS_EIO_READ,       /* xRead fails with SQLITE_IOERR_READ */
	FAULTVFS_EIO_WRITE,      /* xWrite fails, nothing written */
	FAULTVFS_ENOSPC,         /* xWrite fails with SQLITE_FULL, nothing written */
	FAULTVFS_SHORT_WRITE,    /* xWrite writes the first half, then fails */
	FAULTVFS_FSYNC,          /* xSync fails with SQLITE_IOERR_FSYNC */
	FAULTVFS_TRUNCATE        /* xTruncate fails with SQLITE_IOERR_TRUNCATE */
};

/* Register the VFS name over the VFS underlying (NULL: the default).
 * Idempotent for the same name.  Returns an SQLite result code. */
int faultvfs_register(const char *name, const char *underlying);

/* Arm: the countdown-th operation of kind (1 = the next one) fails; with
 * persist, so does every later one until faultvfs_disarm(). */
void faultvfs_arm(enum faultvfs_kind kind, int countdown, int persist);

/* Stop injecting faults. */
void faultvfs_disarm(void);

/* How many faults were injected since the last faultvfs_arm(). */
int faultvfs_hits(void);

#endif
