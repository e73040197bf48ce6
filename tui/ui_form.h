/* A form: a column of labelled items (text fields, choices, headings,
 * actions), each with an optional message drawn on the line below it
 * (what is wrong with the value, in the error colour).  The form owns the
 * keys that move between items (Tab, Shift+Tab, Up, Down, Enter) and
 * gives the others to the focused item.  Labels and choice labels are
 * the caller's strings (already translated) and must outlive the form. */
#ifndef CUTRU_UI_FORM_H
#define CUTRU_UI_FORM_H

#include <stddef.h>

#include <curses.h>

#include "core/err.h"
#include "tui/ui_text.h"

enum ui_item_kind {
	UI_ITEM_TEXT,     /* a ui_text */
	UI_ITEM_CHOICE,   /* one of choices, or none (-1) */
	UI_ITEM_HEADING,  /* a section title; never focused */
	UI_ITEM_ACTION    /* Enter on it is reported to the caller */
};

struct ui_choice {
	const char *id;     /* what the value is */
	const char *label;  /* what is shown (translated) */
};

struct ui_item {
	enum ui_item_kind kind;
	const char *label;
	int indent;                    /* levels of two columns */
	int required;                  /* a '*' after the label */
	struct ui_text text;           /* UI_ITEM_TEXT */
	const struct ui_choice *choices; /* UI_ITEM_CHOICE */
	int nchoices;
	int choice;                    /* index, or -1 */
	char msg[CUTRU_ERR_MSG_MAX];   /* "" when none */
	int msg_error;                 /* 1: an error, 0: a hint */
	void *data;                    /* the caller's */
};

struct ui_form {
	struct ui_item *items;
	size_t n, cap;
	size_t focus;
	size_t top;          /* first item drawn */
	int label_cols;      /* width of the label column */
	int msg_cols;        /* width drawn last (for message wrapping) */
};

/* Results of ui_form_key(). */
enum {
	UI_FORM_UNUSED = -1,  /* the form has no use for the key */
	UI_FORM_USED = 0,     /* used; no value changed */
	UI_FORM_CHANGED = 1,  /* the focused item's value changed */
	UI_FORM_ACTION = 2,   /* Enter on an action item */
	UI_FORM_MOVED = 3     /* the focus moved to another item */
};

void ui_form_init(struct ui_form *f, int label_cols);
/* Free the items (their text wiped). */
void ui_form_free(struct ui_form *f);
/* Remove every item. */
void ui_form_clear(struct ui_form *f);

/* Append an item; returns it (valid until the next add), or NULL when out
 * of memory.  max_bytes: the text's capacity (UI_ITEM_TEXT). */
struct ui_item *ui_form_add(struct ui_form *f, enum ui_item_kind kind,
    const char *label, int indent, size_t max_bytes, int secret);

struct ui_item *ui_form_focused(struct ui_form *f);

/* Move the focus to item i (if it can take it), or to the first item that
 * can after it. */
void ui_form_focus(struct ui_form *f, size_t i);

int ui_form_key(struct ui_form *f, int key);

/* Draw the form in rows x cols at (y, x); *cy, *cx get the cursor
 * position, or -1 when the focused item shows none. */
void ui_form_draw(struct ui_form *f, WINDOW *w, int y, int x, int rows,
    int cols, int *cy, int *cx);

#endif
