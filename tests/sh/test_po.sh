#!/bin/sh
# The Vietnamese catalogue is complete: every source file with translatable
# text is listed in po/POTFILES.in, and po/vi.po translates every message
# xgettext finds there, with nothing fuzzy or untranslated.
. "${top_srcdir:-.}/tests/lib.sh"
src=${top_srcdir:-.}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# 1. POTFILES.in lists every file that marks text.
missing=""
for f in $(cd "$src" && grep -rl --include='*.c' --include='*.h' '_("' core localdb sync tui registry 2>/dev/null); do
	grep -qx "$f" "$src/po/POTFILES.in" || missing="$missing $f"
done
if [ -z "$missing" ]; then tap_ok "POTFILES.in lists every file with _(\"...\")"
else tap_not_ok "POTFILES.in lists every file with _(\"...\")"; tap_diag "missing:$missing"; fi

# 2. and nothing that does not exist.
stale=""
while IFS= read -r f; do
	case $f in ''|'#'*) continue ;; esac
	[ -f "$src/$f" ] || stale="$stale $f"
done < "$src/po/POTFILES.in"
if [ -z "$stale" ]; then tap_ok "POTFILES.in names only existing files"
else tap_not_ok "POTFILES.in names only existing files"; tap_diag "stale:$stale"; fi

# 3. vi.po covers every message of the sources.
(cd "$src" && xgettext --keyword=_ --keyword=N_ --from-code=UTF-8 -o "$tmp/cutru.pot" \
	--files-from=po/POTFILES.in 2>"$tmp/xg.err")
if [ ! -f "$tmp/cutru.pot" ]; then
	# xgettext writes nothing when no message exists at all.
	printf 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n' > "$tmp/cutru.pot"
fi
if msgcmp "$src/po/vi.po" "$tmp/cutru.pot" 2>"$tmp/cmp.err"; then
	tap_ok "po/vi.po has every message of the sources"
else
	tap_not_ok "po/vi.po has every message of the sources"
	head -n 20 "$tmp/cmp.err" | sed 's/^/# /'
fi

# 4. none untranslated or fuzzy, and the catalogue compiles with checks.
untr=$(msgattrib --untranslated --no-obsolete "$src/po/vi.po" | grep -c '^msgid ' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$src/po/vi.po" | grep -c '^msgid ' || true)
if [ "$untr" -le 1 ] && [ "$fuzzy" -eq 0 ]; then tap_ok "po/vi.po: nothing untranslated or fuzzy"
else tap_not_ok "po/vi.po: nothing untranslated or fuzzy"; tap_diag "untranslated=$untr fuzzy=$fuzzy"; fi
tap_check "po/vi.po compiles with format checks" msgfmt -c -o /dev/null "$src/po/vi.po"
tap_done
