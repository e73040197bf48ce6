#!/bin/sh
# The console on a real encrypted store, driven through tmux at 80x24:
# the login screen and its refusals (the slow-down wait included), the
# function-key bar, help, sync's honest answer, colours and NO_COLOR, a
# terminal too small, and the terminal restored on quit and on SIGTERM.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
. "${top_srcdir:-.}/tests/sh/console_lib.sh"

make_store || { tap_not_ok "make the store"; tap_done; exit 1; }

# --- login
con_start 80 24 -s "$STORE" -u lan console
con_check "the login screen names the store" "Store: $STORE"
con_check "the officer is proposed" "Officer"
tap_check "the function-key bar is the last line at 80x24" \
    sh -c "tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | tail -n 1 | grep -q 'F1Help F2Save F3Search F5Sync F10Quit'"
con_type "not-the-passphrase"
con_keys Enter
con_check "a wrong passphrase is refused with the library's message" \
    "Wrong passphrase for officer 'lan'."
tap_check "the passphrase is never drawn" \
    sh -c "! tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep -q 'not-the-passphrase'"
con_type "$LAN_PW"
con_keys Enter
con_check "the right passphrase opens the home screen" "What to do"
con_check "the title names the ward and the officer" \
    "Phường Hàng Bạc · Trần Thị Lan (officer)"
con_check "home lists the dossiers received today" "Received today (0)"
con_check "home says where sync stands" "Sync with the registry (F5)"
con_check "... the outbox and the last contact" \
    "To send 0 · rejected, needing attention 0 · last contact never"
con_keys F5
con_check "F5 opens the sync screen" "Outbox: "
con_keys Escape
con_check "Esc goes back to the home screen" "What to do"
con_keys F1
con_check "F1 shows the screen's help" "Press any key to close this help"
con_keys Space
con_wait_gone "Press any key to close this help"
tap_check "any key closes the help" test $? -eq 0
con_keys Escape 0
con_check "Esc 0 (F10 without function keys) quits" "CUTRU-EXIT=0"
con_check "quitting leaves the terminal echoing and reading lines" \
    "MODES echo icanon"

# --- colours, and NO_COLOR
con_start 80 24 -s "$STORE" -u lan console
con_wait "Passphrase" >/dev/null
tap_check "colours are used by default" \
    sh -c "tmux -L $CON_SOCK -f /dev/null capture-pane -e -p -t con | grep -q '44m'"
con_keys F10
con_wait "CUTRU-EXIT=0" >/dev/null
NO_COLOR=1
export NO_COLOR
con_start 80 24 -s "$STORE" -u lan console
con_wait "Passphrase" >/dev/null
tap_check "NO_COLOR: no colour at all, the title still stands out" \
    sh -c "s=\$(tmux -L $CON_SOCK -f /dev/null capture-pane -e -p -t con); ! printf '%s' \"\$s\" | grep -Eq '\[(3|4)[0-7]m|[34]8;5;' && printf '%s' \"\$s\" | grep -q '7m'"
con_keys F10
con_wait "CUTRU-EXIT=0" >/dev/null
unset NO_COLOR

# --- cutru with no command on a terminal is the console
con_start 80 24 -s "$STORE" -u lan
con_check "cutru without a command opens the console" "Log in to the ward register"
# --- SIGTERM restores the terminal
con_kill TERM
con_check "SIGTERM ends the console" "CUTRU-EXIT=143"
con_check "... and the terminal is restored" "MODES echo icanon"

# --- a crash restores the terminal too
con_start 80 24 -s "$STORE" -u lan console
con_wait "Passphrase" >/dev/null
con_kill SEGV
con_check "SIGSEGV ends the console" "CUTRU-EXIT=139"
con_check "... and the terminal is restored" "MODES echo icanon"

# --- too small a terminal
con_start 60 20 -s "$STORE" -u lan console
con_check "a 60x20 terminal is told the console needs 80x24" \
    "needs at least 80x24"
con_tmux resize-window -t con -x 80 -y 24
con_check "made larger, the login screen appears" "Log in to the ward register"
con_keys F10
con_wait "CUTRU-EXIT=0" >/dev/null

# --- the slow-down after wrong passphrases (officer hai)
con_start 80 24 -s "$STORE" -u hai console
con_wait "Passphrase" >/dev/null
for i in 1 2 3 4; do
	con_type "wrong-$i"
	con_keys Enter
done
con_check "after several wrong passphrases the console says how long to wait" \
    "Too many wrong passphrases for officer 'hai'. Wait"
con_keys F10
con_wait "CUTRU-EXIT=0" >/dev/null

# --- 200x50
con_start 200 50 -s "$STORE" -u minh console
con_login "$MINH_PW"
con_check "at 200x50 the home screen shows" "Lê Văn Minh (supervisor)"
tap_check "at 200x50 the bar is on line 50" \
    sh -c "test \$(tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | wc -l) -eq 50 && tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | tail -n 1 | grep -q F10Quit"
con_keys C-q
con_check "Ctrl+Q quits" "CUTRU-EXIT=0"

tap_done
