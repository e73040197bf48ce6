#!/bin/sh
# The idle lock and cutru.conf, through tmux on a real encrypted store:
# with idle_lock = 2 an idle console locks, clears what was typed off the
# screen, closes the session and asks the same officer to log in again,
# saying why; the form typed is offered back as a draft.  Before anyone
# logs in, the same idle time wipes a passphrase typed in part.
# idle_lock = 0 never locks.  A settings file with a mistake stops the
# console before it starts, naming the line.  At 200x50 and 80x24.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
. "${top_srcdir:-.}/tests/sh/console_lib.sh"

make_store || { tap_not_ok "make the store"; tap_done; exit 1; }
printf '# tests\nidle_lock = 2\n' > "$T/lock.conf"
printf 'idle_lock = 0\n' > "$T/nolock.conf"
printf 'language = en\nidle_lock = two\n' > "$T/bad.conf"

new_form() {
	con_keys n
	con_wait "Confirmation of residence" >/dev/null || return 1
	con_keys Down Down Down Down Enter
	con_wait "Address of the temporary residence" >/dev/null
}
pane_has() { con_screen | grep -qF -- "$1"; }

# --- idle_lock = 2 at 200x50
con_start 200 50 -s "$STORE" -u lan console --config "$T/lock.conf"
# Nobody logged in yet: half a passphrase left there is wiped.  Typing the
# rest after the wait must fail; without the wipe it would log in.
con_wait "Passphrase" >/dev/null
con_type "$(printf '%s' "$LAN_PW" | cut -c1-6)"
i=0
until con_screen | grep 'Passphrase' | grep -qF '******' || [ "$i" -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
tap_check "the login screen shows the half passphrase typed as stars" \
    sh -c "$(command -v tmux) -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep 'Passphrase' | grep -qF '******'"
con_check "after 2 seconds without a key the passphrase is cleared, saying why" \
    "Passphrase cleared after 2 seconds without a key; type it again." 8
tap_check "... and the field shows no star" \
    sh -c "! $(command -v tmux) -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep 'Passphrase' | grep -qF '*'"
con_type "$(printf '%s' "$LAN_PW" | cut -c7-)"
con_keys Enter
con_check "... so that typing the rest does not log in" \
    "Wrong passphrase for officer 'lan'."
con_login "$LAN_PW"
con_wait "What to do" >/dev/null
new_form
con_keys Tab
con_type "079195012345"
con_keys Tab
con_type "Nguyễn Văn Khóa"
con_check "the form shows what was typed" "Nguyễn Văn Khóa"
con_check "after 2 seconds without a key the console locks, saying why" \
    "The console locked itself after 2 seconds without a key" 8
tap_check "the typed name is no longer on the screen" sh -c "! $(command -v tmux) -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep -q 'Khóa'"
tap_check "... nor the ID number" sh -c "! $(command -v tmux) -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep -q '079195012345'"
tap_check "... nor the officer's name in the title (the session is closed)" \
    sh -c "! $(command -v tmux) -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep -q 'Trần Thị Lan'"
con_check "the login screen is back" "Log in to the ward register"
con_keys F3
con_check "nothing of the store can be reached while locked" \
    "Log in first to search the register."
con_type "not-the-passphrase"
con_keys Enter
con_check "a wrong passphrase does not unlock" "Wrong passphrase for officer 'lan'."
con_type "$LAN_PW"
con_keys Enter
con_check "logging in again offers the form as a draft" \
    "Unfinished forms kept as drafts (1)"
con_check "... with the name typed before the lock" "· Nguyễn Văn Khóa"
con_keys Enter
con_check "... which resumes with the name" "Nguyễn Văn Khóa"
con_check "... and the ID number" "079195012345"
# Keys keep the console open: type for longer than idle_lock.
i=0
while [ "$i" -lt 5 ]; do
	con_type "x"
	sleep 0.6
	i=$((i + 1))
done
tap_check "typing keeps it open (3 s of keys, 0.6 s apart)" \
    pane_has "Nguyễn Văn Khóaxxxxx"
con_check "then idle again, it locks again" \
    "The console locked itself after 2 seconds without a key" 8
con_keys F10
con_check "F10 quits from the locked screen" "CUTRU-EXIT=0"

# --- idle_lock = 0 at 80x24: never
con_start 80 24 -s "$STORE" -u lan console --config "$T/nolock.conf"
con_login "$LAN_PW"
con_wait "Unfinished forms kept as drafts" >/dev/null
con_keys Escape
con_wait "What to do" >/dev/null
sleep 3
tap_check "idle_lock = 0: no lock after 3 idle seconds" pane_has "What to do"
con_keys F10
con_wait "CUTRU-EXIT=0" >/dev/null

# --- a bad settings file: the console does not start
con_start 80 24 -s "$STORE" -u lan console --config "$T/bad.conf"
con_check "a bad cutru.conf stops the console, naming the line" \
    "bad.conf, line 2: idle_lock is 'two'"
con_check "... with the fix" "or 0 to turn the lock off"
con_check "... and an error status before the terminal is taken" \
    "CUTRU-EXIT=2"
con_start 80 24 -s "$STORE" -u lan console --config "$T/missing.conf"
con_check "a --config file that does not exist is refused" \
    "missing.conf does not exist"

# The default place: $XDG_CONFIG_HOME is not passed, so HOME/.config.
mkdir -p "$HOME/.config/cutru"
printf 'colour = never\n' > "$HOME/.config/cutru/cutru.conf"
con_start 80 24 -s "$STORE" -u lan console
con_check "the default ~/.config/cutru/cutru.conf is read" \
    "cutru/cutru.conf, line 1: there is no se"
printf 'color = never\n' > "$HOME/.config/cutru/cutru.conf"
con_start 80 24 -s "$STORE" -u lan console
con_wait "Passphrase" >/dev/null
tap_check "color = never: no colour, the title still stands out" \
    sh -c "s=\$(tmux -L $CON_SOCK -f /dev/null capture-pane -e -p -t con); ! printf '%s' \"\$s\" | grep -Eq '\[(3|4)[0-7]m|[34]8;5;' && printf '%s' \"\$s\" | grep -q '7m'"
con_keys F10
con_wait "CUTRU-EXIT=0" >/dev/null
rm -f "$HOME/.config/cutru/cutru.conf"

tap_done
