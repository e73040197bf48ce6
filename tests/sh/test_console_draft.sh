#!/bin/sh
# Drafts in the console, through tmux on a real encrypted store: a form
# half typed survives the console being SIGKILLed; the next login offers
# it back (resume, discard, later) with its applicant; resuming restores
# every typed value and the field the cursor was on; Esc keeps a form as
# a draft; discarding (twice d) removes it for good; filing a dossier
# deletes its draft.  At 80x24 and at 200x50.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
. "${top_srcdir:-.}/tests/sh/console_lib.sh"

make_store || { tap_not_ok "make the store"; tap_done; exit 1; }
VN_DMY=$(date -u -d '+7 hours' +%d/%m/%Y)
VN_LATER_DMY=$(date -u -d '+7 hours +200 days' +%d/%m/%Y)
SCAN='079195012345|123456789|Lê Thị Hoa|14021995|Nữ|Số 8 phố Hàng Gai|01012021'

# The line of the pane (1-based) the cursor is on, and the first line that
# shows TEXT.
cursor_line() { echo $(($(con_tmux display -p -t con '#{cursor_y}') + 1)); }
line_of() { con_screen | grep -nF -- "$1" | head -n 1 | cut -d: -f1; }

# Log in and open a new temporary registration (the 5th procedure).
new_form() {
	con_login "$LAN_PW"
	con_wait "What to do" >/dev/null || return 1
	con_keys n
	con_wait "Confirmation of residence" >/dev/null || return 1
	con_keys Down Down Down Down Enter
	con_wait "Address of the temporary residence" >/dev/null
}

# --- a crash mid-form, at 80x24
con_start 80 24 -s "$STORE" -u lan console
new_form
con_keys Tab
con_type "079195012345"
con_keys Tab
con_type "Lê Thị Hoa"
con_keys Tab
# The date of birth is typed and not left: the pause alone must keep it.
con_type "14/02/1995"
con_wait "14/02/1995" >/dev/null
sleep 1
con_kill KILL
con_check "SIGKILL ends the console mid-form" "CUTRU-EXIT=137"

con_start 80 24 -s "$STORE" -u lan console
con_login "$LAN_PW"
con_check "the next login offers the draft back" \
    "Unfinished forms kept as drafts (1)"
con_check "... naming the procedure" "CT01  Temporary registration"
con_check "... and the applicant typed" "Applicant: Lê Thị Hoa"
con_check "... with resume, discard and later in the bar" \
    "EnterResume dDiscard EscLater"
con_keys Escape
con_check "Esc leaves it for later: the home screen" "What to do"
con_keys d
con_check "d on the home screen lists the drafts again" \
    "Unfinished forms kept as drafts (1)"
con_keys Enter
con_check "Enter resumes the form" \
    "The draft of Temporary registration was resumed as you left it."
con_check "... with the ID number typed" "079195012345"
con_check "... the name" "Lê Thị Hoa"
con_check "... and the date of birth typed last, never left" "14/02/1995"
tap_check "... and the cursor on the field it was on (date of birth)" \
    test "$(cursor_line)" = "$(line_of 'Date of birth')"
# Move on and leave with Esc: the form is kept.
con_keys Tab Space
con_check "a choice made after resuming" "< Male >"
con_keys Escape
con_check "Esc from the form says it was kept as a draft" \
    "The form was kept as a draft"
con_keys F10
con_check "F10 quits cleanly" "CUTRU-EXIT=0"

# --- at 200x50: offered again, the applicant in its column; discard
con_start 200 50 -s "$STORE" -u lan console
con_login "$LAN_PW"
con_check "at 200x50 the draft is offered again after Esc and F10" \
    "Unfinished forms kept as drafts (1)"
con_check "... the applicant in the list's own column" "· Lê Thị Hoa"
con_keys Enter
con_check "... and resumed with the choice made last" "< Male >"
tap_check "... the cursor on the sex, where it was" \
    test "$(cursor_line)" = "$(line_of 'Sex*')"
con_keys F8
con_check "F8 asks before discarding" "Press F8 again to discard"
con_keys Tab
con_wait_gone "Press F8 again to discard" >/dev/null
con_check "any other key keeps the form" "< Male >"
con_keys F8
con_wait "Press F8 again to discard" >/dev/null
con_keys F8
con_check "F8 twice discards the form" "The form was discarded."
con_check "... back on the home screen" "What to do"
con_keys d
con_check "no draft is left" "No form is kept as a draft."
con_keys Escape
con_wait "What to do" >/dev/null
con_keys F10
con_wait "CUTRU-EXIT=0" >/dev/null
con_start 200 50 -s "$STORE" -u lan console
con_login "$LAN_PW"
con_wait "What to do" >/dev/null
tap_check "after discarding, the next login offers nothing" \
    sh -c "! tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep -q 'Unfinished forms'"

# --- d twice on the drafts screen discards; another officer sees nothing
con_keys n
con_wait "Confirmation of residence" >/dev/null
con_keys Down Down Down Down Enter
con_wait "Address of the temporary residence" >/dev/null
con_keys Tab
con_type "079195012345"
con_keys Tab
con_keys Escape
con_wait "The form was kept as a draft" >/dev/null
con_keys F10
con_wait "CUTRU-EXIT=0" >/dev/null
con_start 80 24 -s "$STORE" -u minh console
con_login "$MINH_PW"
con_wait "What to do" >/dev/null
con_keys d
con_check "another officer's drafts are not shown" \
    "No form is kept as a draft."
con_keys Escape
con_wait "What to do" >/dev/null
con_keys F10
con_wait "CUTRU-EXIT=0" >/dev/null
con_start 80 24 -s "$STORE" -u lan console
con_login "$LAN_PW"
con_wait "Unfinished forms kept as drafts (1)" >/dev/null
con_keys d
con_check "d on a draft asks first" "Press d again to discard the draft"
con_keys d
con_check "d twice discards it" "The draft was discarded."
con_check "... and the list is empty" "No form is kept as a draft."
con_keys Escape
con_wait "What to do" >/dev/null

# --- filing deletes the draft
con_keys n
con_wait "Confirmation of residence" >/dev/null
con_keys Down Down Down Down Enter
con_wait "Address of the temporary residence" >/dev/null
con_keys Tab
con_type "$SCAN"
con_keys Enter
con_wait "ID card read" >/dev/null
# From the date received: applicant (6 fields), add-row, commune.
con_keys BTab BTab BTab BTab BTab BTab BTab BTab BTab BTab
con_keys Tab Tab Tab Tab Tab Tab Tab Tab
con_type "00070"
con_keys Tab
con_type "Phòng 301, số 8 phố Hàng Gai"
con_keys Tab
con_type "$VN_DMY"
con_keys Tab
con_type "$VN_LATER_DMY"
con_keys Tab Space
con_wait "< Owned by the applicant >" >/dev/null
sleep 1
con_keys F2
con_wait "Check the dossier with the applicant." >/dev/null
con_keys Enter
con_check "the dossier is filed" "PTN received"
con_keys F10
con_wait "CUTRU-EXIT=0" >/dev/null
con_start 80 24 -s "$STORE" -u lan console
con_login "$LAN_PW"
con_wait "What to do" >/dev/null
tap_check "a filed form leaves no draft: the next login offers nothing" \
    sh -c "! tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep -q 'Unfinished forms'"
con_keys F10
con_check "quit restores the terminal" "MODES echo icanon"

tap_done
