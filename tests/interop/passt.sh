#!/usr/bin/env bash
# Interop tests for type = passt (QEMU 10.1's -netdev passt) against the
# real passt program:
#
#  1. a sim guest gets its lease from passt (the host's own address, as
#     passt hands out), sends 100,000 bytes over TCP to a server on the
#     host (through the gateway address, which passt maps to the host's
#     loopback), and a host client reaches the guest's echo service over
#     TCP and UDP through passt's port forwards (tcp-ports=, udp-ports=);
#  2. an option passt refuses (param=--bogus) stops the run with exit 3
#     and passt's own words;
#  3. passt killed while the run goes on: the netdev's state is error and
#     the event says how passt ended.
#
# passt always sandboxes itself in a new user namespace, and the kernel
# refuses one inside a chroot (as on a CI machine that builds in one). There
# the run must stop with exit 3 and passt's own words; 1 and 3 are skipped.
set -u
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d /tmp/qnetsim-passt.XXXXXX)
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! command -v passt > /dev/null; then
	echo "not ok - passt is not installed (bash scripts/install-deps installs it)"
	exit 1
fi
# refused NAME 'KEY LINE' 'PASST'S WORDS (a grep pattern)' 'WHAT IS CHECKED':
# a run of a passt netdev with that extra key stops at start with exit 3
# and passt's words on the section's line.
refused() {
	local rc
	printf '[guest A]\nnic = model=e1000,netdev=p\n\n[netdev p]\ntype = passt\n%s\n' "$2" > "$tmp/$1.ini"
	"$QNETSIM" --headless --duration 1s "$tmp/$1.ini" > "$tmp/$1.out" 2>&1
	rc=$?
	if [ "$rc" = 3 ] && grep -q "$1.ini:4: netdev p: passt (pid [0-9]*) exited with status 1: $3" "$tmp/$1.out"; then
		ok "$4"
	else
		not_ok "$4 (rc $rc)"
		show "$tmp/$1.out"
	fi
}

userns=yes
if ! unshare --user true 2> /dev/null; then
	userns=no
	refused nouserns "" "Couldn't create user namespace: " \
		"no user namespace here: passt cannot start, and the run stops with exit 3 and passt's own words"
	echo "ok - passt's DHCP, TCP and UDP forwards, and passt stopped mid-run: not checked (the kernel refuses a user namespace here, as in a chroot) # skip"
fi
if [ "$userns" = yes ]; then
# passt gives the guest the address and gateway of the host's default route.
read -r gw dev < <(ip -4 route show default | awk '{ print $3, $5; exit }')
hostip=$(ip -4 -o addr show dev "${dev:-lo}" | awk '{ sub("/.*", "", $4); print $4; exit }')

# ---- 1. DHCP, TCP out, TCP and UDP in -------------------------------------------
PH=$(port); PT=$(port); PU=$(port)
( timeout 8 nc -l 127.0.0.1 "$PH" > "$tmp/host.got" ) &
cat > "$tmp/ok.ini" <<EOF
[guest A]
nic = model=virtio-net-pci,netdev=net0
ip  = dhcp

[netdev net0]
type      = passt
tcp-ports = $PT:7
udp-ports = $PU:7

[scenario]
duration = 6s
at 1s   = tcp_connect A ${gw:-0.0.0.0}:$PH
at 1.5s = tcp_send A 1 size=100000
at 3s   = tcp_close A 1
at 3s   = info network
at 5.5s = expect A.tcp[1].tx_bytes == 100000
at 5.5s = expect A.tcp[2].rx_bytes == 20
at 5.5s = expect A.udp.echoed >= 1
at 5.5s = expect net0.state == connected
EOF
( "$QNETSIM" --headless "$tmp/ok.ini" > "$tmp/ok.out" 2>&1; echo $? > "$tmp/ok.rc" ) &
ok_pid=$!
waitlog "$tmp/ok.out" "DHCP nic0: bound" 5
sleep 1
printf 'hello through passt\n' | timeout 3 nc -N 127.0.0.1 "$PT" > "$tmp/tcp.echo"
printf 'udp through passt\n' | timeout 2 nc -u -w1 127.0.0.1 "$PU" > "$tmp/udp.echo"
wait "$ok_pid"

if [ -n "$hostip" ] && grep -q "DHCP nic0: bound $hostip/" "$tmp/ok.out"; then
	ok "passt's DHCP gives the sim guest the host's address $hostip"
else
	not_ok "passt's DHCP: no lease of $hostip"
	show "$tmp/ok.out"
fi
check_run "the guest's TCP through passt to a server on the host: 100000 bytes arrive" \
	test "$(wc -c < "$tmp/host.got")" = 100000
check_run "tcp-ports: nc on the host reaches the guest's echo service and gets its line back" \
	test "$(cat "$tmp/tcp.echo")" = "hello through passt"
check_run "udp-ports: a datagram from the host comes back from the guest's echo" \
	test "$(cat "$tmp/udp.echo")" = "udp through passt"
if [ "$(cat "$tmp/ok.rc")" = 0 ] &&
   grep -q "type=passt,stream,connected to pid" "$tmp/ok.out" &&
   grep -q "command: passt --quiet --tcp-ports $PT:7 --udp-ports $PU:7 --foreground --one-off --fd 3" "$tmp/ok.out"; then
	ok "expectations hold; info network shows passt's line and the command qnetsim ran"
else
	not_ok "passt run (rc $(cat "$tmp/ok.rc"))"
	show "$tmp/ok.out"
fi
fi

# ---- 2. an option passt refuses ---------------------------------------------------
refused bad "param = --bogus" "passt: unrecognized option '--bogus'$" \
	"an option passt refuses: exit 3 with passt's own words, without its usage text"

if [ "$userns" = yes ]; then
# ---- 3. passt goes away during the run --------------------------------------------
cat > "$tmp/kill.ini" <<EOF
[guest A]
nic = model=e1000,netdev=p
ip  = dhcp

[netdev p]
type      = passt
tcp-ports = $(port):7

[scenario]
duration = 4s
at 3s = expect p.state == error
EOF
( "$QNETSIM" --headless "$tmp/kill.ini" > "$tmp/kill.out" 2>&1; echo $? > "$tmp/kill.rc" ) &
kill_pid=$!
waitlog "$tmp/kill.out" "connected to passt pid" 5
pid=$(sed -n 's/.*connected to passt pid \([0-9]*\).*/\1/p' "$tmp/kill.out" | head -1)
[ -n "$pid" ] && kill "$pid"
wait "$kill_pid"
if [ "$(cat "$tmp/kill.rc")" = 0 ] &&
   grep -q "p: passt (pid $pid) exited with status 0$" "$tmp/kill.out"; then
	ok "passt stopped mid-run (SIGTERM): the netdev is in error and the event says how passt ended"
else
	not_ok "passt killed mid-run"
	show "$tmp/kill.out"
fi
fi

echo "# interop (passt): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
