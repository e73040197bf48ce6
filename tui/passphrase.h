/* Reading passphrases: from a file descriptor (scripts: --passphrase-fd N) or
 * from the terminal without echo.  The result always lives in sodium_malloc
 * memory (guarded, locked, wiped on free). */
#ifndef CUTRU_PASSPHRASE_H
#define CUTRU_PASSPHRASE_H

#include <stddef.h>

#include "core/err.h"

/* Longest passphrase accepted, in bytes (UTF-8). */
#define PASSPHRASE_MAX 1024

/* Read one line from fd, byte by byte so that nothing after the newline is
 * consumed (several passphrases may follow each other on the same fd).  The
 * newline and a CR before it are not part of the passphrase.  Refuses an
 * empty line, a NUL byte, a line longer than PASSPHRASE_MAX and end of file
 * before any byte.  On success *out is a NUL-terminated sodium_malloc buffer
 * the caller releases with passphrase_free(); on failure *out is NULL. */
int passphrase_read_fd(int fd, char **out, struct cutru_err *e);

/* Prompt on the controlling terminal (/dev/tty) with echo off, restoring the
 * terminal whatever happens.  Same contract as passphrase_read_fd(). */
int passphrase_read_tty(const char *prompt, char **out, struct cutru_err *e);

/* Wipe and free a passphrase from either reader.  NULL is allowed. */
void passphrase_free(char *p);

#endif
