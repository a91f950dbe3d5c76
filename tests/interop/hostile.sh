#!/usr/bin/env bash
# Live attacks on a running qnetsim (qnetsim --headless, real sockets). In
# each, two sim guests (A 10.0.0.1, B 10.0.0.2) on other ports of the same
# bridge ping each other all through the attack, and the scenario's own
# expectations must pass:
#
#  1. BPDU storm: qpeer sends 6000 802.1D BPDUs a second for 4 s into an
#     STP bridge port (superior root claims, TCNs, BPDUs cut short, and
#     claims with max_age 0, absurd times or hello_time 0). The pings
#     pass, qnetsim's CPU stays well below one core during the storm and
#     in the quiet after it (a spin detector, not a speed test), and every
#     bad BPDU is a counted bad_packet drop;
#  2. random-MAC flood: qpeer sends millions of frames from random source
#     MACs into a bridge with max_entries = 1024. The table never passes
#     its cap, A and B stay learned and forwarded to, every source past the
#     cap is counted as table_full, and the RSS stays flat;
#  3. SIGTERM under load: a flood in progress through a unix stream socket,
#     a served VDE switch with a client, a capture of every port. qnetsim
#     is gone within 2 s with exit 1 and the expectation NOT RUN; the
#     socket, the VDE directory and its run record are removed; every pcap
#     reads whole.
#
# The shell waits on qnetsim's log lines and qpeer's marks, not on fixed
# sleeps; the storm runs in the background while 3 then 2 run, so the file
# takes about as long as the storm case: 20 s, 21 to 23 s under ASan.
set -u
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d /tmp/qnetsim-hostile.XXXXXX)
# Each case runs in a subshell; the processes it starts are listed in
# $tmp/pids, so an interrupted run still ends them.
cleanup() {
	[ -f "$tmp/pids" ] && while read -r p; do kill "$p" 2>/dev/null; done < "$tmp/pids"
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# actual FILE LHS: the value an expectation on LHS printed ("(actual N)").
actual() { grep -F "expect $2 " "$1" | sed -n 's/.*(actual \([^)]*\)).*/\1/p' | head -1; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
now() { date +%s.%N; }
started() { echo "$1" >> "$tmp/pids"; }
# percent TICKS T0 T1: CPU ticks as a percentage of one CPU from T0 to T1
percent() {
	awk -v c="$1" -v hz="$(getconf CLK_TCK)" -v a="$2" -v b="$3" \
		'BEGIN { printf "%.0f", 100 * c / hz / (b - a) }'
}
# gone PID: no such process, or only its zombie (no fork: it is polled)
gone() {
	local st
	[ -e "/proc/$1" ] || return 0
	read -r _ _ st _ < "/proc/$1/stat" 2>/dev/null || return 0
	[ "$st" = Z ]
}

# guest NAME MAC-BYTE IP
guest() {
	printf '[guest %s]\nnic = model=e1000,macaddr=52:54:00:00:00:%s\nip = %s/24\n\n' \
		"$1" "$2" "$3"
}
# links: A on br0.1, B on br0.2, the netdev named $1 on br0.3.
links() {
	printf '[link]\na = br0.1\nb = A\n\n[link]\na = br0.2\nb = B\n\n'
	printf '[link]\na = br0.3\nb = %s\n\n' "$1"
}

# ---- 1. BPDU storm -----------------------------------------------------------
# STP's shortest legal timers: the ports forward 2 x forward_delay = 8 s in,
# so the pings start at 8.5 s; the storm starts with their first reply.
bpdu_storm() {
	local d="$tmp/storm" P qpid qp t0 t1 t2 t3 c0 c1 c2 c3 rc storm quiet
	local sent bad sup tcn got_bad got_sup got_tcn qfull
	mkdir -p "$d"
	P=$(port)
	{ printf '[bridge br0]\nstp = on\nhello_time = 1\nmax_age = 6\nforward_delay = 4\n\n'
	  guest A 0a 10.0.0.1; guest B 0b 10.0.0.2
	  printf '[netdev storm]\ntype = socket\nlisten = :%s\n\n' "$P"
	  links storm
	  cat <<-EOS
	[scenario]
	duration = 19.5s
	at 8.5s = ping A 10.0.0.2 count=40 interval=0.2s
	at 19s = expect A.ping.received == 40
	at 19s = expect br0.1.stp.state == forwarding
	at 19s = expect br0.2.stp.state == forwarding
	at 19s = expect br0.stp.root == 0.02:00:00:00:00:01
	at 19s = expect storm.peers_dropped == 0
	at 19s = expect br0.3.drops.bad_packet >= 1
	at 19s = expect br0.3.stp.bpdus_rx >= 1
	at 19s = expect br0.3.stp.tcns_rx >= 1
	at 19s = expect storm.0.drops.queue_full >= 0
	EOS
	} > "$d/t.ini"
	"$QNETSIM" --headless "$d/t.ini" > "$d/out" 2>&1 &
	qpid=$!
	started "$qpid"
	if ! waitlog "$d/out" "storm: listening" || ! waitlog "$d/out" "64 bytes from 10.0.0.2" 15; then
		not_ok "BPDU storm: the ports never forwarded, or A's first ping got no reply"
		show "$d/out"
		kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
		return
	fi
	# CPU ticks over the storm, and over 2 s of quiet that start 2 s after
	# it: a bridge that took hello_time 0 spins once its TCN timer fires.
	"$QPEER" "tcp:127.0.0.1:$P" bpdus:24000:4000 sleep:5000 close > "$d/q.out" 2>&1 &
	qp=$!
	started "$qp"
	c0=$(cpu_ticks "$qpid"); t0=$(now)
	waitlog "$d/q.out" '^bpdus' 20
	c1=$(cpu_ticks "$qpid"); t1=$(now)
	sleep 2
	c2=$(cpu_ticks "$qpid"); t2=$(now)
	sleep 2
	c3=$(cpu_ticks "$qpid"); t3=$(now)
	wait "$qp"
	rc=$?
	storm=$(percent "$((c1 - c0))" "$t0" "$t1")
	quiet=$(percent "$((c3 - c2))" "$t2" "$t3")
	wait "$qpid"
	local qrc=$?
	read -r _ sent _ sup _ bad _ tcn < <(grep '^bpdus ' "$d/q.out")
	got_bad=$(actual "$d/out" br0.3.drops.bad_packet)
	got_sup=$(actual "$d/out" br0.3.stp.bpdus_rx)
	got_tcn=$(actual "$d/out" br0.3.stp.tcns_rx)
	qfull=$(actual "$d/out" storm.0.drops.queue_full)
	if [ "$rc" -eq 0 ] && [ "$qrc" -eq 0 ]; then
		ok "BPDU storm: $sent BPDUs in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; pings 40/40, A and B's ports forward, the superior claim is root"
	else
		not_ok "BPDU storm: qpeer exited $rc, qnetsim $qrc"
		show "$d/q.out"; show "$d/out"
	fi
	# A spin (hello_time 0 once re-armed the TCN timer at the same instant,
	# for ever) takes a whole core; 6000 BPDUs a second take a few per cent.
	if [ -n "$storm" ] && [ -n "$quiet" ] && [ "$storm" -lt 50 ] && [ "$quiet" -lt 50 ]; then
		ok "BPDU storm: qnetsim used $storm% of a CPU during it and $quiet% in the quiet after it (no spin; limit 50%)"
	else
		not_ok "BPDU storm: qnetsim used ${storm:-?}% of a CPU during it and ${quiet:-?}% after it (limit 50%)"
	fi
	# Every BPDU that reached the port is counted; none are lost unless the
	# netdev port's queue overflowed (a burst after qpeer was descheduled).
	if [ -n "${bad:-}" ] && [ -n "$got_bad" ] && [ -n "$qfull" ] &&
	   { { [ "$qfull" -eq 0 ] && [ "$got_bad" -eq "$bad" ] && [ "$got_sup" -eq "$sup" ] &&
	       [ "$got_tcn" -eq "$tcn" ]; } ||
	     { [ "$qfull" -gt 0 ] && [ "$got_bad" -le "$bad" ] && [ "$got_bad" -ge $((bad - qfull)) ]; }; }; then
		ok "BPDU storm: bad times and short BPDUs are bad_packet drops: $got_bad of $bad sent; $got_sup superior claims and $got_tcn TCNs taken ($qfull lost to the queue)"
	else
		not_ok "BPDU storm: bad_packet ${got_bad:-?} of ${bad:-?} sent, bpdus_rx ${got_sup:-?} of ${sup:-?}, tcns_rx ${got_tcn:-?} of ${tcn:-?}, queue_full ${qfull:-?}"
		show "$d/out"
	fi
}

# ---- 2. random-MAC flood -------------------------------------------------------
# The flood goes to 02:00:00:00:00:99, a static entry on the flooder's own
# port: the bridge learns (or cannot learn) each source and filters the
# frame, so A and B's links carry only their pings and the test is about the
# table, not about a saturated link. qpeer floods for 1 s, waits for an ARP
# reply from A (the stream is in order: the flood before it was all taken),
# floods 2 s more, and waits again; RSS is read at both marks.
mac_flood() {
	local d="$tmp/flood" P qpid fpid r1 r2 t rc rx tf learned sent
	mkdir -p "$d"
	P=$(port)
	{ printf '[bridge br0]\nmax_entries = 1024\nstatic = 02:00:00:00:00:99,port=3\n\n'
	  guest A 0a 10.0.0.1; guest B 0b 10.0.0.2
	  printf '[netdev flood]\ntype = socket\nlisten = :%s\n\n' "$P"
	  links flood
	  printf '[scenario]\nduration = 10s\nat 0.5s = ping A 10.0.0.2 count=40 interval=0.2s\n'
	  for t in 1 2 3 4 5 6 7 8 9; do printf 'at %ss = expect br0.fdb.size <= 1024\n' "$t"; done
	  cat <<-EOS
	at 9.5s = expect A.ping.received == 40
	at 9.5s = expect br0.fdb.size == 1024
	at 9.5s = expect br0.learned == 1023
	at 9.5s = expect br0.fdb[52:54:00:00:00:0a] == br0.1
	at 9.5s = expect br0.fdb[52:54:00:00:00:0b] == br0.2
	at 9.5s = expect br0.forwarded >= 80
	at 9.5s = expect br0.3.rx_frames >= 20000
	at 9.5s = expect br0.table_full >= 20000
	EOS
	} > "$d/t.ini"
	"$QNETSIM" --headless "$d/t.ini" > "$d/out" 2>&1 &
	qpid=$!
	started "$qpid"
	if ! waitlog "$d/out" "flood: listening" || ! waitlog "$d/out" "64 bytes from 10.0.0.2"; then
		not_ok "MAC flood: A's first ping got no reply"
		show "$d/out"
		kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
		return
	fi
	"$QPEER" "tcp:127.0.0.1:$P" macflood:1000 arpwait:10.0.0.1:20000 print:third \
		macflood:2000 arpwait:10.0.0.1:20000 print:end close > "$d/q.out" 2>&1 &
	fpid=$!
	started "$fpid"
	waitlog "$d/q.out" '^third' 30 && r1=$(rss_kb "$qpid")
	waitlog "$d/q.out" '^end' 30 && r2=$(rss_kb "$qpid")
	wait "$fpid"
	rc=$?
	wait "$qpid"
	local qrc=$?
	sent=$(awk '/^flooded/ { n += $2 } END { print n + 0 }' "$d/q.out")
	rx=$(actual "$d/out" br0.3.rx_frames)
	tf=$(actual "$d/out" br0.table_full)
	learned=$(actual "$d/out" br0.learned)
	if [ "$rc" -eq 0 ] && [ "$qrc" -eq 0 ] && [ "$sent" -ge 200000 ]; then
		ok "MAC flood: $sent frames from random MACs, $rx of them through the bridge; pings 40/40, the table stays at its 1024 with A and B in it"
	else
		not_ok "MAC flood: qpeer exited $rc ($sent frames sent), qnetsim $qrc"
		show "$d/q.out"; show "$d/out"
	fi
	# Past the cap nothing is learned and each source is counted: every
	# frame in on br0.3 learned one of the 1021 flood entries (1024, less
	# the static entry, A and B) or is a table_full.
	if [ -n "$rx" ] && [ -n "$tf" ] && [ "$learned" = 1023 ] && [ "$tf" -eq $((rx - 1021)) ]; then
		ok "MAC flood: table_full counts every source past the cap ($tf = $rx frames - 1021 learned)"
	else
		not_ok "MAC flood: table_full ${tf:-?}, frames in ${rx:-?}, learned ${learned:-?}"
	fi
	# The table is full in the first milliseconds; from the first mark on,
	# memory must not follow the flood (ASan's own pages included).
	if [ -n "${r1:-}" ] && [ -n "${r2:-}" ] && [ $((r2 - r1)) -lt 4096 ]; then
		ok "MAC flood: RSS flat: $r1 kB after 1 s of flood, $r2 kB after 3 s (limit +4096 kB)"
	else
		not_ok "MAC flood: RSS ${r1:-?} kB after 1 s, ${r2:-?} kB after 3 s (limit +4096 kB)"
		show "$d/q.out"
	fi
}

# ---- 3. SIGTERM under load -------------------------------------------------------
sigterm() {
	local d="$tmp/term" qpid fpid vpid= run= rc pcaps bad f left
	mkdir -p "$d"
	{ printf '[bridge br0]\nvde = %s/vde\nstatic = 02:00:00:00:00:99,port=3\n\n' "$d"
	  guest A 0a 10.0.0.1; guest B 0b 10.0.0.2
	  printf '[netdev flood]\ntype = stream\nserver = on\naddr.type = unix\naddr.path = %s/flood.sock\n\n' "$d"
	  links flood
	  printf '[scenario]\nat 0.5s = ping A 10.0.0.2 count=100 interval=0.2s\n'
	  printf 'at 30s = expect A.ping.received == 100\n'
	} > "$d/t.ini"
	"$QNETSIM" --headless --pcap-dir "$d/pcap" "$d/t.ini" > "$d/out" 2>&1 &
	qpid=$!
	started "$qpid"
	if ! waitlog "$d/out" "flood: listening"; then
		not_ok "SIGTERM: qnetsim never listened"; show "$d/out"
		return
	fi
	# what qnetsim wrote down to remove (docs/backends.md, "Cleaning up")
	for f in "/run/qnetsim/$qpid" "${XDG_RUNTIME_DIR:-/nonexistent}/qnetsim/$qpid"; do
		[ -e "$f" ] && run=$f
	done
	# a VDE client, so the switch has a data socket besides ctl
	if command -v vde_plug > /dev/null; then
		mkfifo "$d/vin"
		vde_plug "$d/vde" < "$d/vin" > /dev/null 2>&1 &
		vpid=$!
		started "$vpid"
		exec 7> "$d/vin"
		waitlog "$d/out" "VDE port 1: .* connected" || echo "    (the VDE client did not connect)"
	fi
	"$QPEER" "unix:$d/flood.sock" macflood:300 print:flooding macflood:20000 > "$d/q.out" 2>&1 &
	fpid=$!
	started "$fpid"
	waitlog "$d/q.out" '^flooding' 10
	# A reply that comes once the flood is on: A and B still talk.
	local before t0 ms flooded n0 replied=no
	n0=$(grep -c "64 bytes from 10.0.0.2" "$d/out")
	for _ in $(seq 100); do
		[ "$(grep -c "64 bytes from 10.0.0.2" "$d/out")" -gt "$n0" ] && replied=yes && break
		sleep 0.05
	done
	before=$(ls "$d/vde" 2>/dev/null | tr '\n' ' ')
	# $EPOCHREALTIME: the clock without forking date
	t0=${EPOCHREALTIME/,/.}
	kill -TERM "$qpid"
	while ! gone "$qpid"; do
		ms=$(( (${EPOCHREALTIME/[.,]/} - ${t0/./}) / 1000 ))
		[ "$ms" -ge 2000 ] && break
		sleep 0.02
	done
	ms=$(( (${EPOCHREALTIME/[.,]/} - ${t0/./}) / 1000 ))
	gone "$qpid" || kill -KILL "$qpid" 2>/dev/null
	wait "$qpid"
	rc=$?
	[ -n "$vpid" ] && exec 7>&-
	wait "$fpid" 2>/dev/null
	flooded=$(awk '/^flooded/ { n += $2 } END { print n + 0 }' "$d/q.out")
	if [ "$ms" -lt 2000 ] && [ "$rc" -eq 1 ] && [ "$replied" = yes ] &&
	   grep -q "t.ini:[0-9]*: NOT RUN: expect A.ping.received == 100" "$d/out" &&
	   grep -q "interrupted by signal 15" "$d/out" && grep -q "the other side closed" "$d/q.out"; then
		ok "SIGTERM during a flood ($flooded frames sent, A's pings still answered): gone in $ms ms (limit 2 s), exit 1, the expectation NOT RUN"
	else
		not_ok "SIGTERM during a flood: exit $rc after $ms ms (limit 2 s); a ping answered during the flood: $replied"
		show "$d/out"; show "$d/q.out"
	fi
	if [ ! -e "$d/flood.sock" ] && [ ! -e "$d/vde" ] && [ -n "$run" ] && [ ! -e "$run" ] &&
	   { [ -z "$vpid" ] || [ "$before" != "ctl " ]; }; then
		ok "SIGTERM: the unix socket, the VDE directory (had: $before) and $run are removed"
	else
		left=
		for f in "$d/flood.sock" "$d/vde" "$run"; do [ -e "$f" ] && left="$left $f"; done
		not_ok "SIGTERM: left behind:${left:- nothing} (VDE had: $before; run record: '${run:-none seen}')"
	fi
	# The captures are the run's output: they stay, and read whole.
	pcaps=0
	bad=
	for f in "$d"/pcap/*.pcap; do
		[ -e "$f" ] || continue
		pcaps=$((pcaps + 1))
		if command -v capinfos > /dev/null; then
			capinfos "$f" > /dev/null 2>&1 || bad="$bad $(basename "$f")"
		elif [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" != d4c3b2a1 ] &&
		     [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" != 4d3cb2a1 ]; then
			bad="$bad $(basename "$f")"
		fi
	done
	if [ "$pcaps" -ge 6 ] && [ -z "$bad" ]; then
		ok "SIGTERM: the $pcaps captures (--pcap-dir) read whole"
	else
		not_ok "SIGTERM: $pcaps captures, unreadable:${bad:- none}"
		ls -l "$d/pcap" 2>&1 | sed 's/^/    | /'
	fi
}

# The storm waits 8 s for STP before it starts: it runs beside the others.
( bpdu_storm ) > "$tmp/storm.tap" 2>&1 &
storm=$!
( sigterm ) > "$tmp/term.tap" 2>&1
( mac_flood ) > "$tmp/flood.tap" 2>&1
wait "$storm"
for f in term flood storm; do
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) not_ok "${line#not ok - }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done < "$tmp/$f.tap"
done

echo "# hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
