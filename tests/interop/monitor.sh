#!/usr/bin/env bash
# The monitor socket (--monitor) and qnetsim ctl, with clients that behave
# and clients that do not. Each run is a scenario with a ping and
# expectations; the monitor's clients must never hold it up:
#
#  1. unix: ctl runs a command and prints its answer; an unknown command
#     exits 1 with "error: ..."; ctl reads commands from stdin; a line of
#     1 MiB is refused and the next one runs; QEMU's ",server,nowait" is
#     taken; the path is removed at exit;
#  2. tcp: a client that sends 3,000 commands and never reads, a client
#     that hangs up mid-command, and meanwhile a third (ctl) that gets its
#     answers; the run's expectations pass on time;
#  2b. the UI with a monitor: ctl is answered while the UI runs;
#  3. wrong addresses: exit 2 with a message.
set -u
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d /tmp/qnetsim-monitor.XXXXXX)
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

topo() { # SECONDS: A pings B at 1 s; expectations at SECONDS - 1
	cat <<EOF
[guest A]
nic = model=e1000,macaddr=52:54:00:12:34:0a
ip  = 10.0.7.1/24

[guest B]
nic = model=e1000,macaddr=52:54:00:12:34:0b
ip  = 10.0.7.2/24

[bridge br0]

[link]
a = A
b = br0

[link]
a = B
b = br0

[scenario]
at 1s = ping A 10.0.7.2 count=3 interval=0.2s
at $(($1 - 1))s = expect A.ping.received == 3
at $(($1 - 1))s = expect br0.forwarded >= 6
at $1s = quit
EOF
}

# ---- 1. unix socket and ctl ----------------------------------------------------
topo 4 > "$tmp/u.ini"
"$QNETSIM" --headless --monitor "unix:$tmp/m.sock,server,nowait" "$tmp/u.ini" > "$tmp/u.out" 2>&1 &
upid=$!
for _ in $(seq 40); do [ -S "$tmp/m.sock" ] && break; sleep 0.05; done
"$QNETSIM" ctl "unix:$tmp/m.sock" info network > "$tmp/c1.out" 2>&1
rc1=$?
"$QNETSIM" ctl "$tmp/m.sock" no_such_command > "$tmp/c2.out" 2>&1
rc2=$?
{ head -c 1048576 /dev/zero | tr '\0' A; printf '\necho after the long line\nmac_flush br0\n'; } |
	"$QNETSIM" ctl "$tmp/m.sock" > "$tmp/c3.out" 2>&1
rc3=$?
wait "$upid"
urc=$?
if [ "$rc1" = 0 ] && grep -q "bridge br0" "$tmp/c1.out" && ! grep -q "(qnetsim)" "$tmp/c1.out"; then
	ok "monitor unix: ctl prints a command's answer, without the prompt"
else
	not_ok "monitor unix: ctl info network (rc $rc1)"; show "$tmp/c1.out"
fi
if [ "$rc2" = 1 ] && grep -q "^error: unknown command 'no_such_command'" "$tmp/c2.out"; then
	ok "monitor unix: an unknown command answers error: and ctl exits 1"
else
	not_ok "monitor unix: unknown command (rc $rc2)"; show "$tmp/c2.out"
fi
if [ "$rc3" = 1 ] && grep -q "^error: line too long" "$tmp/c3.out" &&
   grep -q "^after the long line" "$tmp/c3.out"; then
	ok "monitor unix: a 1 MiB line is refused, the next ones run (ctl reads stdin)"
else
	not_ok "monitor unix: long line (rc $rc3)"; head -c 2000 "$tmp/c3.out" > "$tmp/c3.head"; show "$tmp/c3.head"
fi
if [ "$urc" = 0 ] && [ ! -e "$tmp/m.sock" ]; then
	ok "monitor unix: the run passed, and its socket is gone"
else
	not_ok "monitor unix: run (rc $urc)"; show "$tmp/u.out"
fi

# ---- 2. tcp: a client that never reads, one that hangs up ----------------------
port=$(port)
topo 6 > "$tmp/t.ini"
"$QNETSIM" --headless --monitor "tcp:127.0.0.1:$port" "$tmp/t.ini" > "$tmp/t.out" 2>&1 &
tpid=$!
for _ in $(seq 40); do "$QNETSIM" ctl "tcp:127.0.0.1:$port" echo up > /dev/null 2>&1 && break; sleep 0.05; done
# Never reads: its commands stop being taken once 64 KiB of answers wait,
# and then its own writes block (in the background, its problem).
(
	exec 3<> "/dev/tcp/127.0.0.1/$port"
	for _ in $(seq 3000); do echo "info network" >&3 || exit 0; done
	sleep 30
) &
deaf=$!
# Hangs up mid-command: asks, and closes before any answer.
(
	exec 4<> "/dev/tcp/127.0.0.1/$port"
	printf 'info ports\ninfo network\ninfo ports\n' >&4
	exec 4>&-
) &
sleep 1.5
"$QNETSIM" ctl "tcp:127.0.0.1:$port" info network > "$tmp/c4.out" 2>&1
rc4=$?
"$QNETSIM" ctl "tcp:127.0.0.1:$port" expect A.ping.received == 3 > "$tmp/c5.out" 2>&1
wait "$tpid"
trc=$?
kill "$deaf" 2>/dev/null
if [ "$rc4" = 0 ] && grep -q "bridge br0" "$tmp/c4.out"; then
	ok "monitor tcp: a third client is answered while one never reads and one hung up"
else
	not_ok "monitor tcp: third client (rc $rc4)"; show "$tmp/c4.out"
fi
if [ "$trc" = 0 ] && grep -q "2 expectations, 2 passed" "$tmp/t.out" &&
   grep -q "PASS" "$tmp/c5.out"; then
	ok "monitor tcp: the run's expectations passed on time, the ping seen from the monitor"
else
	not_ok "monitor tcp: run (rc $trc)"; show "$tmp/t.out"; show "$tmp/c5.out"
fi

# ---- 2b. the UI with a monitor ------------------------------------------------
if command -v tmux > /dev/null; then
	topo 30 > "$tmp/ui.ini"
	tmux new-session -d -s "qnm$$" -x 160 -y 50 \
		"$QNETSIM --monitor unix:$tmp/ui.sock $tmp/ui.ini 2> $tmp/ui.err"
	for _ in $(seq 60); do [ -S "$tmp/ui.sock" ] && break; sleep 0.05; done
	"$QNETSIM" ctl "$tmp/ui.sock" info mac br0 > "$tmp/c6.out" 2>&1
	rc6=$?
	"$QNETSIM" ctl "$tmp/ui.sock" quit > /dev/null 2>&1
	gone=no
	for _ in $(seq 40); do
		tmux has-session -t "qnm$$" 2> /dev/null || { gone=yes; break; }
		sleep 0.05
	done
	tmux kill-session -t "qnm$$" 2> /dev/null
	if [ "$rc6" = 0 ] && grep -q "^br0: " "$tmp/c6.out" && [ "$gone" = yes ]; then
		ok "monitor with the UI open: ctl is answered, quit ends the UI"
	else
		not_ok "monitor with the UI (rc $rc6)"; show "$tmp/c6.out"; show "$tmp/ui.err"
	fi
else
	not_ok "tmux is not installed (scripts/install-deps installs it)"
fi

# ---- 3. wrong addresses ----------------------------------------------------------
"$QNETSIM" --headless --monitor "udp:1" "$tmp/u.ini" > "$tmp/e1.out" 2>&1
e1=$?
"$QNETSIM" --headless --monitor "unix:$tmp/m.sock,reconnect=1" "$tmp/u.ini" > "$tmp/e2.out" 2>&1
e2=$?
"$QNETSIM" ctl "unix:$tmp/nobody.sock" help > "$tmp/e3.out" 2>&1
e3=$?
if [ "$e1" = 2 ] && grep -q "not unix:PATH, tcp:HOST:PORT or auto" "$tmp/e1.out" && [ "$e2" = 2 ] &&
   grep -q "only server and nowait" "$tmp/e2.out" && [ "$e3" = 3 ] &&
   grep -q "cannot reach the monitor" "$tmp/e3.out"; then
	ok "monitor: wrong addresses exit 2, an absent monitor exits 3, each with a message"
else
	not_ok "monitor: wrong addresses ($e1 $e2 $e3)"; show "$tmp/e1.out"; show "$tmp/e2.out"; show "$tmp/e3.out"
fi

echo "# monitor: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
