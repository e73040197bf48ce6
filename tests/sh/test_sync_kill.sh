#!/bin/sh
# The sync client killed (SIGKILL) at random moments of a pass - during
# the TLS handshake, a request, a response, while it writes receipts into
# the inbox or moves sent files out of the outbox - at least 100 times
# (1000 with CUTRU_LONG_TESTS=1), then synced to completion: the registry
# holds every change set exactly once and the console's next unlock shows
# every dossier accepted.  The link is slowed (latency and a bandwidth
# cap) and batches are small, so that a pass lasts a few seconds and the
# kills land everywhere in it.  Each round starts from a fresh copy of the
# console and the registry and ends when the queue is empty.  Then the
# registry killed (SIGKILL, and SIGTERM) and restarted in the middle of a
# pass: the same outcome.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/sync_lib.sh"

N=100
KILLS=100
[ "${CUTRU_LONG_TESTS:-0}" = 1 ] && KILLS=1000
OPTS="--batch-bytes 2048 --retries 0"
LINK="--latency 15 --rate 8000"
sp_fixture $N

printf '%s\n' "$LAN_PW" > "$T/pw"
round=0 kills=0 bad=0
while [ $kills -lt $KILLS ]; do
	round=$((round + 1))
	sp_case "round$round"
	# shellcheck disable=SC2086
	sp_proxy_start $LINK
	k=0
	while [ $kills -lt $KILLS ] &&
	    [ "$(ls "$CSTORE/outbox/new" | wc -l)" -gt 0 ]; do
		ms=$(sp_random 1500)
		if [ $((kills % 3)) -eq 2 ]; then
			# A pass with the store unlocked: the kill may also land
			# in the feed request or while the inbox is applied.
			# shellcheck disable=SC2086
			"$CUTRU" -s "$CSTORE" -u lan --passphrase-fd 3 sync \
			    --unlock --registry "$SURL" $OPTS 3<"$T/pw" \
			    >"$C/kill.out" 2>"$C/kill.err" &
		else
			# shellcheck disable=SC2086
			"$CUTRU" -s "$CSTORE" sync --registry "$SURL" $OPTS \
			    >"$C/kill.out" 2>"$C/kill.err" &
		fi
		SP_BG_PID=$!
		sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
		kill -9 "$SP_BG_PID" 2>/dev/null
		wait "$SP_BG_PID" 2>/dev/null
		SP_BG_PID=
		kills=$((kills + 1))
		k=$((k + 1))
	done
	# shellcheck disable=SC2086
	sp_sync_until 5 $OPTS
	ok=$?
	sp_proxy_stop
	# How many rounds the kills take depends on where they land: each
	# round is told as a diagnostic, and the kills as one result, so that
	# the test reports the same number of results every run.
	if [ $ok -eq 0 ] && sp_registry_once $N && sp_console_done $N; then
		tap_diag "round $round: $k kills, then synced: once each, all accepted"
	else
		tap_diag "round $round: $k kills, then synced: FAILED (sync $ok)"
		bad=$((bad + 1))
	fi
done
tap_check "$kills kills in $round rounds, then synced each time: once each, all accepted ($bad rounds failed)" \
    [ $kills -ge $KILLS -a $bad -eq 0 ]

# The registry killed and restarted in the middle of a pass (the pass's
# own retries, 1, 2, 4 s apart, may carry it; else the next pass).
for sig in KILL TERM; do
	sp_case "registry-$sig"
	# shellcheck disable=SC2086
	sp_proxy_start $LINK
	"$CUTRU" -s "$CSTORE" sync --registry "$SURL" --batch-bytes 2048 \
	    >"$C/bg.out" 2>"$C/bg.err" &
	SP_BG_PID=$!
	# Stop it once a quarter of the queue has arrived.
	DB=$CDB
	i=0
	while [ "$(sql "SELECT count(*) FROM reg_changesets")" -lt $((N / 4)) ] &&
	    [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sp_reg_stop "$sig"
	during=$(sql "SELECT count(*) FROM reg_changesets")
	sleep 0.5
	sp_reg_start
	wait "$SP_BG_PID"
	first=$?
	SP_BG_PID=
	# shellcheck disable=SC2086
	sp_sync_until 5 $OPTS
	ok=$?
	sp_proxy_stop
	tap_check "registry stopped with SIG$sig after $during change sets and restarted: the queue arrives (the interrupted pass exited $first)" \
	    [ $ok -eq 0 ]
	tap_check "... once each" sp_registry_once $N
	tap_check "... all accepted at the next unlock" sp_console_done $N
done
tap_done
