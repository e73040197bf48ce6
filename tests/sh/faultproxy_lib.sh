# The setup of the tests that drive tests/tools/faultproxy between python3
# peers on loopback (test_faultproxy.sh, test_sync_proxy.sh): $FP, a
# scratch folder $T, $PIDS killed and reaped on exit, and a skip when the
# proxy is not built or python3 is missing.  Sourced after tests/lib.sh.
build=$(cd "${top_builddir:-.}" && pwd)
FP=$build/tests/tools/faultproxy
T=$(mktemp -d) || exit 1
PIDS=
LC_ALL=C
export LC_ALL

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ ! -x "$FP" ]; then
	echo "1..0 # SKIP $FP is not built"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 is not installed"
	exit 0
fi
