/* The batch subcommands of the cutru program, tmux-style: each lives in its
 * own file (tui/cmd_NAME.c) and exports one const struct cmd; tui/cmd.c
 * lists them in one table.  A family ("officer", "queue", ...) is a struct
 * cmd without exec whose subs are its subcommands. */
#ifndef CUTRU_CMD_H
#define CUTRU_CMD_H

struct cli;

struct cmd {
	const char *name;     /* the word typed: "init", "officer", "add" */
	const char *args;     /* the rest of the synopsis, N_(); "" if none */
	const char *summary;  /* one line, N_() */
	/* Run the command.  argv[0] is the command's own name; options and
	 * operands follow.  Returns the exit status (tui/cli.h). */
	int (*exec)(struct cli *c, int argc, char **argv);
	const struct cmd *const *subs; /* a family's subcommands, NULL-ended;
	                                * NULL for a command with exec */
};

/* The top-level commands, NULL-ended, in the order of cutru(1). */
extern const struct cmd *const cmd_table[];

/* The command named name in table (NULL-ended), or NULL. */
const struct cmd *cmd_find(const struct cmd *const *table, const char *name);

/* One per file. */
extern const struct cmd cmd_init;
extern const struct cmd cmd_officer;
extern const struct cmd cmd_apply;
extern const struct cmd cmd_queue;
extern const struct cmd cmd_search;
extern const struct cmd cmd_show;
extern const struct cmd cmd_household;
extern const struct cmd cmd_dossier;
extern const struct cmd cmd_import;
extern const struct cmd cmd_export;
extern const struct cmd cmd_expiring;
extern const struct cmd cmd_report;
extern const struct cmd cmd_audit;
extern const struct cmd cmd_print;
extern const struct cmd cmd_backup;
extern const struct cmd cmd_restore;
extern const struct cmd cmd_rekey;
extern const struct cmd cmd_console;
extern const struct cmd cmd_enroll;
extern const struct cmd cmd_outbox;
extern const struct cmd cmd_inbox;
extern const struct cmd cmd_sync;

#endif
