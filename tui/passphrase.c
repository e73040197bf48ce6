#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "core/i18n.h"
#include "tui/passphrase.h"

void
passphrase_free(char *p)
{
	if (p != NULL)
		sodium_free(p);  /* sodium_free wipes before releasing */
}

int
passphrase_read_fd(int fd, char **out, struct cutru_err *e)
{
	char *buf;
	size_t len = 0;
	int rc = CUTRU_OK;

	*out = NULL;
	buf = sodium_malloc(PASSPHRASE_MAX + 2);
	if (buf == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, "passphrase",
		    _("Out of memory while reading the passphrase."));
	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = cutru_err_set(e, CUTRU_EIO, "passphrase",
			    _("Could not read the passphrase from file descriptor %d: %s."),
			    fd, strerror(errno));
			goto done;
		}
		if (n == 0) {
			if (len == 0) {
				rc = cutru_err_set(e, CUTRU_EINVAL, "passphrase",
				    _("No passphrase was given on file descriptor %d: it ended before the first line."),
				    fd);
				goto done;
			}
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0') {
			rc = cutru_err_set(e, CUTRU_EINVAL, "passphrase",
			    _("The passphrase contains a NUL byte; give it as one line of text."));
			goto done;
		}
		if (len >= PASSPHRASE_MAX + 1) {
			rc = cutru_err_set(e, CUTRU_EINVAL, "passphrase",
			    _("The passphrase is longer than %d bytes; choose a shorter one."),
			    PASSPHRASE_MAX);
			goto done;
		}
		buf[len++] = c;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len > PASSPHRASE_MAX) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "passphrase",
		    _("The passphrase is longer than %d bytes; choose a shorter one."),
		    PASSPHRASE_MAX);
		goto done;
	}
	if (len == 0) {
		rc = cutru_err_set(e, CUTRU_EINVAL, "passphrase",
		    _("The passphrase is empty; type it and press Enter."));
		goto done;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
done:
	if (buf != NULL)
		sodium_free(buf);
	return rc;
}

int
passphrase_read_tty(const char *prompt, char **out, struct cutru_err *e)
{
	struct termios saved, quiet;
	sigset_t block, old;
	int fd, rc, restore = 0;

	*out = NULL;
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return cutru_err_set(e, CUTRU_EIO, "passphrase",
		    _("There is no terminal to ask for the passphrase; use --passphrase-fd N in scripts."));
	/* Keep ^C and ^Z from leaving the terminal without echo: hold them
	 * until it is restored. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTSTP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (tcgetattr(fd, &saved) == 0) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		if (tcsetattr(fd, TCSAFLUSH, &quiet) == 0)
			restore = 1;
	}
	if (prompt != NULL && write(fd, prompt, strlen(prompt)) < 0) {
		/* The prompt is a courtesy; reading still works without it. */
	}
	rc = passphrase_read_fd(fd, out, e);
	if (write(fd, "\n", 1) < 0) {
		/* Nothing to do: the newline only tidies the screen. */
	}
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &saved);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fd);
	return rc;
}
