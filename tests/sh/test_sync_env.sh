#!/bin/sh
# The sync client when the console's surroundings are wrong: its clock a
# day ahead or behind (libfaketime), and its inbox on a full disk.  Real
# processes, TLS on loopback, through tests/tools/faultproxy (passing
# everything) so that the bytes are counted.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/sync_lib.sh"

N=40
sp_fixture $N
# libfaketime comes before a sanitizer's runtime in the load order.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS

# ---- Clock skew: a day either way, for an upload-only pass and for a pass
# that unlocks the store (it signs a feed request with its clock, and
# applies the receipts at its time).
# (clang's AddressSanitizer runtime and libfaketime deadlock at start: a
# probe with a time limit tells.)
if ! command -v faketime >/dev/null 2>&1; then
	tap_skip "clock skew" "faketime is not installed" 10
elif ! timeout 30 faketime -f +1d "$CUTRU" --version >/dev/null 2>&1; then
	tap_skip "clock skew" "libfaketime cannot be preloaded into this cutru (a sanitizer runtime?)" 10
else
	for skew in +1d -1d; do
		want=$(date -u -d "now ${skew%d} day" +%F)
		got=$(faketime -f "$skew" date -u +%F)
		sp_case "skew$skew"
		sp_proxy_start
		timeout "$SP_SYNC_TIMEOUT" faketime -f "$skew" "$CUTRU" \
		    -s "$CSTORE" sync --registry "$SURL" \
		    --batch-bytes 8192 >"$C/sync.out" 2>"$C/sync.err"
		sync_rc=$?
		tap_check "clock $skew ($got): an upload-only pass completes" \
		    [ "$sync_rc" -eq 0 -a "$got" = "$want" ]
		[ "$sync_rc" -eq 0 ] || tap_diag "exit $sync_rc: $(head -c 300 "$C/sync.err")"
		printf '%s\n' "$LAN_PW" > "$T/pw"
		timeout "$SP_SYNC_TIMEOUT" faketime -f "$skew" "$CUTRU" \
		    -s "$CSTORE" -u lan \
		    --passphrase-fd 3 sync --unlock --registry "$SURL" \
		    3<"$T/pw" >"$C/sync.out" 2>"$C/sync.err"
		sync_rc=$?
		fed=$(grep -c '1 feed page' "$C/sync.out")
		tap_check "clock $skew: a pass with the store unlocked fetches the feed and applies the receipts" \
		    [ "$sync_rc" -eq 0 -a "$fed" -eq 1 ]
		[ "$sync_rc" -eq 0 ] || tap_diag "exit $sync_rc: $(head -c 300 "$C/sync.err")"
		sp_proxy_stop
		tap_check "... the registry holds each once" sp_registry_once $N
		tap_check "... every dossier accepted (unlocked at the right time)" \
		    sp_console_done $N
	done
	# Beyond the protocol's two days, the feed request is refused with a
	# message about the clock; the upload needs no clock and is done.
	sp_case skew3
	sp_proxy_start
	timeout "$SP_SYNC_TIMEOUT" faketime -f -3d "$CUTRU" -s "$CSTORE" \
	    -u lan --passphrase-fd 3 sync \
	    --unlock --registry "$SURL" 3<"$T/pw" >"$C/sync.out" \
	    2>"$C/sync.err"
	sync_rc=$?
	sp_proxy_stop
	clock=$(grep -ci 'clock' "$C/sync.err")
	tap_check "clock -3d: the registry refuses the feed request and the message says to check the clock (exit $sync_rc)" \
	    [ "$sync_rc" -ne 0 -a "$clock" -ge 1 ]
	tap_check "... the change sets were delivered all the same" \
	    sp_registry_once $N
fi

# ---- A slow link is not a stall: 4,000 bytes a second (a good 2G
# link), with the stall limit at 3 s, every pass completes; the whole
# queue takes several seconds.
sp_case slow
sp_proxy_start --rate 4000 --latency 200
sp_sync --retries 0 --batch-bytes 4096 --stall-timeout 3
sp_proxy_stop
tap_check "a slow link (4,000 B/s, 400 ms round trip) is not a stall: one pass carries the queue" \
    [ "$sync_rc" -eq 0 ]
[ "$sync_rc" -eq 0 ] || tap_diag "exit $sync_rc: $(head -c 300 "$C/sync.err")"
tap_check "... once each" sp_registry_once $N

# ---- The registry busy: it allows one request a second, two at once;
# the pass ends at the first 429 (exit 8, nothing lost) and later passes
# finish the queue.
sp_case busy "rate = 1" "rate_burst = 2"
sp_proxy_start
sp_sync --retries 0 --batch-bytes 2048
tap_check "a busy registry (429): the pass ends, to be tried later (exit $sync_rc)" \
    [ "$sync_rc" -eq 8 ]
tap_check "... and says so" grep -qiE 'busy|later|rate|429' "$C/sync.err"
tap_diag "$(head -c 300 "$C/sync.err")"
i=0
while [ $i -lt 40 ]; do
	i=$((i + 1))
	sleep 1
	sp_sync --retries 0 --batch-bytes 2048
	[ "$sync_rc" -eq 0 ] && break
done
sp_proxy_stop
tap_check "... passes a second apart finish the queue ($i more passes)" \
    [ "$sync_rc" -eq 0 ]
tap_check "... once each" sp_registry_once $N
tap_check "... every dossier accepted at the next unlock" sp_console_done $N

# ---- The inbox on a full disk, two ways: a real small file system (a
# tmpfs of a few pages mounted over STORE/inbox: each receipt takes a page,
# so a few arrive and then the disk is full), and, where mounting is not
# allowed, tests/tools/enospc.so preloaded into the pass (writes under
# inbox/ fail with ENOSPC after 1,200 bytes).  The shim runs in any case,
# so that it is itself tested.
full_disk() {
	how=$1
	tap_diag "full disk: $how"
	sp_proxy_start
	if [ "$how" = shim ]; then
		LD_PRELOAD=$SHIM ENOSPC_DIR=$INBOX ENOSPC_FREE=1200 \
		    sp_sync --retries 0 --batch-bytes 8192
		unset LD_PRELOAD ENOSPC_DIR ENOSPC_FREE
	else
		sp_sync --retries 0 --batch-bytes 8192
	fi
	tap_check "the inbox on a full disk ($how): the pass fails (exit $sync_rc)" \
	    [ "$sync_rc" -ne 0 ]
	tap_check "... with a message naming the problem" \
	    grep -qiE 'space|full' "$C/sync.err"
	tap_diag "$(head -c 400 "$C/sync.err")"
	left=$(ls "$CSTORE/outbox/new" | wc -l)
	arrived=$(ls "$INBOX/new" | wc -l)
	tap_check "... a file leaves the outbox only with its receipt in the inbox ($left queued, $arrived receipts)" \
	    [ $((left + arrived)) -ge $N -a "$left" -gt 0 ]
	tap_check "... no half-written receipt in inbox/new" \
	    sh -c "! find '$INBOX/new' -size 0 | grep -q ."
	[ "$how" = shim ] || mount -o remount,size=4m "$INBOX"
	sp_sync_until 3 --retries 0 --batch-bytes 8192
	tap_check "room again: the next pass completes" [ "$sync_rc" -eq 0 ]
	sp_proxy_stop
	tap_check "... the registry holds each once" sp_registry_once $N
	tap_check "... every dossier accepted at the next unlock" \
	    sp_console_done $N
}

sp_case full
INBOX=$CSTORE/inbox
mode=$(stat -c %a "$INBOX")
if mount -t tmpfs -o "size=16k,mode=$mode" tmpfs "$INBOX" 2>/dev/null; then
	SP_MOUNTS="$SP_MOUNTS $INBOX"
	for d in tmp new cur; do
		mkdir -m "$(stat -c %a "$FIX/store/inbox/$d")" "$INBOX/$d"
	done
	full_disk "a 16 KiB tmpfs over the inbox"
else
	tap_diag "cannot mount a tmpfs (not root?): the preloaded shim only"
fi
SHIM=$build/tests/tools/enospc.so
if [ -f "$SHIM" ]; then
	sp_case fullshim
	INBOX=$CSTORE/inbox
	full_disk shim
else
	tap_skip "inbox on a full disk (shim)" "tests/tools/enospc.so is not built" 7
fi
tap_done
