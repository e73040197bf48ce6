# tests/lib.sh: TAP for shell tests.  Source it, call plan N (or done_testing
# at the end), then ok/not_ok per case.  Each case is counted by the harness.
_tap_n=0
_tap_failed=0
tap_plan() { echo "1..$1"; }
tap_ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
tap_not_ok() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
# tap_check DESCRIPTION COMMAND...: one case, passing when COMMAND succeeds.
tap_check() {
	desc=$1; shift
	if "$@"; then tap_ok "$desc"; else tap_not_ok "$desc"; fi
}
tap_diag() { printf '# %s\n' "$*"; }
tap_done() { echo "1..$_tap_n"; [ "$_tap_failed" -eq 0 ]; }
