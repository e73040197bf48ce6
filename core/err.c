#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

void
cutru_err_clear(struct cutru_err *e)
{
	if (e == NULL)
		return;
	e->code = CUTRU_OK;
	e->field[0] = '\0';
	e->msg[0] = '\0';
}

int
cutru_err_set(struct cutru_err *e, int code, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	snprintf(e->field, sizeof e->field, "%s", field != NULL ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}
