#!/bin/sh
# The console's language, through tmux on a real encrypted store: English
# under C.UTF-8, Vietnamese under LANG=vi_VN.UTF-8 (even where that locale
# is not installed: the machine may have only C.UTF-8), cutru.conf's
# language overriding both, and F9 switching at run time on the login
# screen, the home screen and mid-form, where every label, the title and
# the function-key bar are drawn again in the new language and nothing
# typed is lost.  At 80x24 and 200x50.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
. "${top_srcdir:-.}/tests/sh/console_lib.sh"

mo=$T/locale/vi/LC_MESSAGES
mkdir -p "$mo"
if ! msgfmt -o "$mo/cutru.mo" "$src/po/vi.po" 2>/dev/null &&
    ! cp "$build/po/vi.gmo" "$mo/cutru.mo" 2>/dev/null &&
    ! cp "$src/po/vi.gmo" "$mo/cutru.mo" 2>/dev/null; then
	echo "1..0 # SKIP no Vietnamese catalogue could be compiled"
	exit 0
fi
CUTRU_LOCALEDIR=$T/locale
export CUTRU_LOCALEDIR

make_store || { tap_not_ok "make the store"; tap_done; exit 1; }
printf 'language = vi\n' > "$T/vi.conf"
printf 'language = en\n' > "$T/en.conf"
EN_LOGIN="Log in to the ward register"
VI_LOGIN="Đăng nhập sổ đăng ký cư trú của phường"

# --- C.UTF-8: English; F9 on the login screen
con_start 80 24 -s "$STORE" -u lan console
con_check "under C.UTF-8 the console is in English" "$EN_LOGIN"
con_check "... and F9 in the bar offers Vietnamese, in Vietnamese" \
    "F9Tiếng Việt"
con_type "lan"
con_keys F9
con_check "F9 on the login screen: Vietnamese at once" "$VI_LOGIN"
con_check "... the field labels too" "Mật khẩu"
con_check "... the function-key bar too" "F1Trợ giúp"
con_check "... which now offers English" "F9English"
tap_check "... and the passphrase typed so far is kept (not drawn)" \
    sh -c "tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep -q 'Mật khẩu.*\*\*\*'"
con_keys C-u
con_type "$LAN_PW"
con_keys Enter
con_check "logged in, the home screen is in Vietnamese" "Công việc"
con_check "... the title's role too" "(cán bộ)"
con_keys F9
con_check "F9 on the home screen: English" "What to do"
con_check "... the title's role too" "(officer)"
con_keys F9
con_wait "Công việc" >/dev/null
con_keys F9
con_wait "What to do" >/dev/null
# Mid-form.
con_keys n
con_wait "Confirmation of residence" >/dev/null
con_keys Down Down Down Down Enter
con_wait "Address of the temporary residence" >/dev/null
con_keys Tab
con_type "12345"
con_wait "The ID number has 5 digits" >/dev/null
con_keys F9
con_check "F9 mid-form: the labels in Vietnamese" "Ngày tiếp nhận"
con_check "... the sections too" "Địa chỉ nơi tạm trú"
con_check "... the value typed is still there" "12345"
tap_check "... the message under it is made again in Vietnamese" \
    sh -c "! tmux -L $CON_SOCK -f /dev/null capture-pane -p -t con | grep -q 'The ID number has 5 digits'"
con_type "6"
con_check "... and typing goes on in the same field" "123456"
con_keys F9
con_check "F9 again: English labels" "Date received"
con_keys F10
con_check "F10 quits" "CUTRU-EXIT=0"

# --- LANG=vi_VN.UTF-8 (installed or not): Vietnamese from the start
CON_LANG=vi_VN.UTF-8
CON_LC_ALL=
con_start 200 50 -s "$STORE" -u lan console
con_check "under LANG=vi_VN.UTF-8 (200x50) the console starts in Vietnamese" \
    "$VI_LOGIN"
con_check "... the bar offers English" "F9English"
con_keys F10
con_wait "CUTRU-EXIT=0" >/dev/null

# --- cutru.conf's language wins over the locale
con_start 200 50 -s "$STORE" -u lan console --config "$T/en.conf"
con_check "language = en under a Vietnamese locale: English" "$EN_LOGIN"
con_keys F10
con_wait "CUTRU-EXIT=0" >/dev/null
unset CON_LANG CON_LC_ALL
con_start 80 24 -s "$STORE" -u lan console --config "$T/vi.conf"
con_check "language = vi under C.UTF-8: Vietnamese" "$VI_LOGIN"
con_keys F10
con_check "quit restores the terminal" "MODES echo icanon"

tap_done
