#!/usr/bin/env bash
# Interop tests for the user netdev (libslirp NAT), against real peers:
#
#  1. hostfwd: nc on 127.0.0.1 talks TCP and UDP to a sim guest's echo
#     service through qnetsim; hostfwd_add works at run time, and after
#     hostfwd_remove the port is closed;
#  2. the guest's own TCP to a server on the host (via 10.0.2.2), both
#     ways; guestfwd to a host command and to a host port; the resolver
#     against a DNS server on the host (qpeer dns); a ping past the NAT is
#     either sent or reported as lost with the reason;
#  3. real QEMU with iPXE (-boot n, e1000) joins over a socket netdev, gets
#     its lease from our user netdev and fetches the boot file over TFTP:
#     tshark finds the transfer in our capture.
set -u
. "$(dirname "$0")/../lib.sh"
QEMU=${QEMU:-qemu-system-x86_64}
tmp=$(mktemp -d /tmp/qnetsim-user.XXXXXX)
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- 1. hostfwd ---------------------------------------------------------------
PT=$(port); PU=$(port)
cat > "$tmp/fwd.ini" <<EOF
[guest A]
nic = model=e1000,netdev=nat
ip  = dhcp

[netdev nat]
type    = user
hostfwd = tcp:127.0.0.1:$PT-:7

[scenario]
duration = 5s
at 1s   = hostfwd_add nat udp:127.0.0.1:$PU-:7
at 3s   = hostfwd_remove nat tcp:127.0.0.1:$PT
at 3s   = hostfwd_remove nat udp:127.0.0.1:$PU
at 3.2s = info usernet
at 4.5s = expect A.udp.echoed >= 1
at 4.5s = expect A.tcp[1].rx_bytes == 6393
EOF
( "$QNETSIM" --headless "$tmp/fwd.ini" > "$tmp/fwd.out" 2>&1; echo $? > "$tmp/fwd.rc" ) &
fwd_pid=$!

# ---- 2. the guest as a client, guestfwd, DNS --------------------------------------
PH=$(port); PG=$(port); PD=$(port)
printf 'greetings from the host\n' > "$tmp/greet"
printf 'hello guestfwd\n' > "$tmp/greet2"
( timeout 6 nc -l 127.0.0.1 "$PH" < "$tmp/greet" > "$tmp/host.got" ) &
( timeout 6 nc -l 127.0.0.1 "$PG" < "$tmp/greet2" > "$tmp/gfwd.got" ) &
( "$QPEER" dns "$PD" test.example 192.0.2.7 5 > "$tmp/dns.out" ) &
range=$(cat /proc/sys/net/ipv4/ping_group_range 2>/dev/null | tr -s '\t ' ' ')
gid=$(id -g)
ping_allowed=no
set -- $range
# libslirp sends a guest's ping through a ping socket (ping_group_range)
# or, failing that, a raw socket (root): either way, to the host's
# 127.0.0.1 it comes back.
if [ $# -eq 2 ] && [ "$gid" -ge "$1" ] && [ "$gid" -le "$2" ]; then ping_allowed=yes; fi
[ "$(id -u)" -eq 0 ] && ping_allowed=yes
if [ $ping_allowed = yes ]; then
	pings="at 3s = expect nat.pings_lost == 0
at 3s = expect A.ping.received == 1"
else pings="at 3s = expect nat.pings_lost == 1"; fi
sleep 0.3
cat > "$tmp/out.ini" <<EOF
[guest A]
nic = model=e1000,netdev=nat
ip  = dhcp

[netdev nat]
type     = user
guestfwd = tcp:10.0.2.100:8080-cmd:cat
guestfwd = tcp::4321-127.0.0.1:$PG

[scenario]
duration = 4s
at 0.5s = tcp_connect A 10.0.2.2:$PH
at 0.5s = tcp_connect A 10.0.2.100:8080
at 0.5s = tcp_connect A 10.0.2.4:4321
at 0.5s = resolve A test.example server=10.0.2.2:$PD
at 0.5s = resolve A nosuch.example server=10.0.2.2:$PD
at 1s   = tcp_send A 1 "from the guest\n"
at 1s   = tcp_send A 2 "through cat\n"
at 1s   = tcp_send A 3 "to the host port\n"
at 1.5s = tcp_close A 1
at 2s   = ping A 127.0.0.1 count=1
at 3s   = info tcp A
at 3s   = expect A.tcp[1].rx contains greetings
at 3s   = expect A.tcp[1].tx_bytes == 15
at 3s   = expect A.tcp[1].state == time_wait
at 3s   = expect A.tcp[2].rx contains "through cat"
at 3s   = expect A.tcp[3].rx contains "hello guestfwd"
at 3s   = expect A.resolve[test.example] == 192.0.2.7
at 3s   = expect A.resolve[nosuch.example] == nxdomain
$pings
EOF
( "$QNETSIM" --headless "$tmp/out.ini" > "$tmp/out.out" 2>&1; echo $? > "$tmp/out.rc" ) &
out_pid=$!

# ---- 3. QEMU + iPXE: DHCP and TFTP from our NAT -------------------------------------
PQ=$(port)
have_qemu=no
if command -v "$QEMU" > /dev/null && command -v tshark > /dev/null; then
	have_qemu=yes
	cat > "$tmp/pxe.ini" <<EOF
[netdev n0]
type     = user
vlan     = 0
tftp     = $top/topologies/tftp
bootfile = boot.ipxe

[netdev q]
type   = socket
vlan   = 0
listen = :$PQ

[scenario]
duration = 16s
at 0s  = capture n0.0 $tmp/pxe.pcap
at 15s = expect n0.lease[52:54:00:12:34:56] == 10.0.2.15
at 15s = expect q.connects == 1
EOF
	( "$QNETSIM" --headless "$tmp/pxe.ini" > "$tmp/pxe.out" 2>&1; echo $? > "$tmp/pxe.rc" ) &
	pxe_pid=$!
	( sleep 0.5; timeout 15 "$QEMU" -display none -boot n \
		-netdev socket,id=n,connect=127.0.0.1:$PQ -device e1000,netdev=n \
		> "$tmp/qemu.out" 2>&1 ) &
fi

# Section 1's clients, on its timeline.
seq 1 1500 > "$tmp/in.txt"
sleep 0.8
timeout 3 nc -N 127.0.0.1 "$PT" < "$tmp/in.txt" > "$tmp/echo.txt"
check_run "hostfwd tcp: nc through 127.0.0.1:$PT gets its 6393 bytes echoed by the guest" \
	cmp -s "$tmp/in.txt" "$tmp/echo.txt"
sleep 0.7
printf 'udp hello\n' | timeout 2 nc -u -w1 127.0.0.1 "$PU" > "$tmp/uecho.txt"
check_run "hostfwd_add udp at run time: a datagram through 127.0.0.1:$PU comes back echoed" \
	grep -qx 'udp hello' "$tmp/uecho.txt"
sleep 1.8
if timeout 2 nc -z 127.0.0.1 "$PT" 2> /dev/null; then
	not_ok "hostfwd_remove tcp: port $PT still accepts connections"
else
	ok "hostfwd_remove tcp: port $PT refuses connections afterwards"
fi
printf 'udp again\n' | timeout 2 nc -u -w1 127.0.0.1 "$PU" > "$tmp/uecho2.txt"
check_run "hostfwd_remove udp: no echo comes back afterwards" test ! -s "$tmp/uecho2.txt"
wait "$fwd_pid"
if [ "$(cat "$tmp/fwd.rc")" = 0 ] && grep -q 'host forwarding rule for tcp:127.0.0.1' "$tmp/fwd.out"; then
	ok "hostfwd run: expectations pass, removal reported"
else
	not_ok "hostfwd run"
	show "$tmp/fwd.out"
fi

wait "$out_pid"
if [ "$(cat "$tmp/out.rc")" = 0 ]; then
	ok "guest TCP to a host server, guestfwd cmd: and HOST:PORT, DNS answer and NXDOMAIN"
else
	not_ok "guest TCP / guestfwd / DNS"
	show "$tmp/out.out"
fi
wait
check_run "the host server got the guest's bytes" grep -qx 'from the guest' "$tmp/host.got"
check_run "the guestfwd host port got the guest's bytes" grep -qx 'to the host port' "$tmp/gfwd.got"
check_run "the DNS server on the host saw both queries" grep -qx 'queries 2' "$tmp/dns.out"
if [ $ping_allowed = yes ]; then
	check_run "ping past the NAT comes back (uid $(id -u), ping_group_range $range), nothing blamed" \
		sh -c "! grep -q 'cannot leave' '$tmp/out.out'"
else
	check_run "ping past the NAT: lost, and the run says why (ping_group_range $range)" \
		grep -q "ping 127.0.0.1 cannot leave this host: net.ipv4.ping_group_range" "$tmp/out.out"
fi
# As root, the same run as nobody, outside ping_group_range: neither socket
# opens, and the run blames ping_group_range.
set -- $range
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null && [ $# -eq 2 ] &&
   { [ 65534 -lt "$1" ] || [ 65534 -gt "$2" ]; }; then
	cat > "$tmp/nobody.ini" <<INI
[guest A]
nic = model=e1000,netdev=nat
ip  = dhcp
[netdev nat]
type = user
[scenario]
at 1s = ping A 127.0.0.1 count=1
at 3s = expect nat.pings_lost == 1
at 3s = expect A.ping.received == 0
INI
	chmod a+rx "$tmp"; chmod a+r "$tmp/nobody.ini"
	q=$(cd "$(dirname "$QNETSIM")" && pwd)/$(basename "$QNETSIM")
	( cd / && setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$q" --headless "$tmp/nobody.ini" ) > "$tmp/nobody.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "ping 127.0.0.1 cannot leave this host: net.ipv4.ping_group_range is '$1 $2', which leaves out group 65534" "$tmp/nobody.out"; then
		ok "as nobody, outside ping_group_range: the ping is lost and ping_group_range is blamed"
	else
		not_ok "as nobody: exit $rc"
		show "$tmp/nobody.out"
	fi
else
	echo "ok - as nobody: not checked (needs root, setpriv, and a ping_group_range without 65534) # skip"
fi

if [ $have_qemu = yes ]; then
	if [ "$(cat "$tmp/pxe.rc" 2>/dev/null)" = 0 ]; then
		ok "real QEMU/iPXE gets 10.0.2.15 from our user netdev"
	else
		not_ok "real QEMU/iPXE DHCP from our user netdev"
		show "$tmp/pxe.out"
	fi
	tshark -r "$tmp/pxe.pcap" -Y tftp 2> /dev/null > "$tmp/tftp.txt"
	if grep -q 'Read Request, File: boot.ipxe' "$tmp/tftp.txt" &&
	   grep -q 'Data Packet, Block: 1 (last)' "$tmp/tftp.txt" &&
	   grep -q 'Acknowledgement, Block: 1' "$tmp/tftp.txt"; then
		ok "iPXE fetched boot.ipxe over TFTP: tshark sees the request, the data and the ACK"
	else
		not_ok "no TFTP transfer of boot.ipxe in the capture"
		show "$tmp/tftp.txt"
	fi
else
	not_ok "qemu-system-x86_64 or tshark is not installed (scripts/install-deps installs them)"
fi

# ---- 4. smb= needs Samba's smbd ----------------------------------------------------
mkdir -p "$tmp/share"
printf '[guest A]\nnic = model=e1000,netdev=nat\nip = dhcp\n[netdev nat]\ntype = user\nsmb = %s\n' \
	"$tmp/share" > "$tmp/smb.ini"
"$QNETSIM" --headless --duration 1s "$tmp/smb.ini" > "$tmp/smb.out" 2>&1
rc=$?
if [ -x /usr/sbin/smbd ]; then
	check_run "smb= with smbd installed: the run starts and ends cleanly" test "$rc" -eq 0
else
	if [ "$rc" -eq 3 ] && grep -q 'smb: /usr/sbin/smbd is not installed; smb= needs Samba' "$tmp/smb.out"; then
		ok "smb= without smbd: exit 3, naming what is missing"
	else
		not_ok "smb= without smbd: wanted exit 3 and the reason, got $rc"
		show "$tmp/smb.out"
	fi
fi

echo "# interop (user): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
