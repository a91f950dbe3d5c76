#!/usr/bin/env bash
# Interop tests for VDE, tap and kernel guests, against real peers (root):
#
#  1. a real vde_switch: qnetsim joins it as a client; QEMU/iPXE on the same
#     switch gets its DHCP lease from our NAT, and our bridge learns it;
#  2. qnetsim serving VDE: QEMU/iPXE (-netdev vde,sock=DIR) gets a lease
#     from the same topology's NAT; vde_plug DIR sends an ARP request and
#     gets the sim guest's reply; a client hanging up frees its port;
#  3. tap on a host Linux bridge: the kernel in a namespace (veth on that
#     bridge) pings a sim guest through qnetsim; script/downscript get the
#     interface name; a failing script stops start-up (exit 3);
#  4. kernel guests (kind = netns): ping a sim guest; udhcpc gets its lease
#     from our user netdev;
#  5. after kill -9, the next run removes what the last left behind;
#  6. without CAP_NET_ADMIN: a clear error and exit 3.
set -u
QPEER=${QPEER:?QPEER must name the qpeer test peer (make interop builds it)}
. "$(dirname "$0")/../lib.sh"
QEMU=${QEMU:-qemu-system-x86_64}
tmp=$(mktemp -d /tmp/qnetsim-host.XXXXXX)
tag=q$$
ns=${tag}n
br=${tag}b
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	[ -n "${swpid:-}" ] && kill "$swpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip link del "$br" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - host interop needs root (taps, namespaces, bridges); CI runs it as root"
	exit 1
fi
for t in vde_switch vde_plug busybox ip "$QEMU"; do
	if ! command -v "$t" > /dev/null; then
		echo "not ok - $t is not installed (scripts/install-deps installs it)"
		exit 1
	fi
done

# Runs qnetsim headless on $1 in the background; its output in $1.out.
run_bg() { # FILE [OPTION...]
	( "$QNETSIM" --headless "${@:2}" "$1" > "$1.out" 2>&1; echo $? > "$1.rc" ) &
}
result() { # WHAT FILE: ok if that run exited 0
	if [ "$(cat "$2.rc" 2>/dev/null)" = 0 ]; then ok "$1"; else not_ok "$1"; show "$2.out"; fi
}
qemu_pxe() { # SOCK SECONDS: QEMU's iPXE does DHCP through -netdev vde
	timeout "$2" "$QEMU" -display none -boot n -netdev vde,id=n,sock="$1" \
		-device e1000,netdev=n > /dev/null 2>&1
}

# ---- 1. qnetsim as a client of a real vde_switch ------------------------------
# libvdeplug dlopens its plugins with RTLD_DEEPBIND, which AddressSanitizer
# refuses (google/sanitizers#611): under ASan the client test cannot run.
asan=no
ldd "$QNETSIM" 2>/dev/null | grep -q libasan && asan=yes
vde_switch -s "$tmp/sw" -d -p "$tmp/sw.pid" > /dev/null 2>&1
sleep 0.3
swpid=$(cat "$tmp/sw.pid")
cat > "$tmp/client.ini" <<EOF
[bridge br0]

[netdev nat]
type = user

[netdev sw]
type = vde
sock = $tmp/sw

[link]
a = br0
b = nat

[link]
a = br0
b = sw

[scenario]
duration = 12s
at 11s = expect sw.state == connected
at 11s = expect nat.lease[52:54:00:12:34:56] == 10.0.2.15
at 11s = expect br0.fdb[52:54:00:12:34:56] == br0.2
EOF
if [ $asan = yes ]; then
	ok "vde client # skip under ASan: libvdeplug's RTLD_DEEPBIND dlopen is refused by the sanitizer"
else
	run_bg "$tmp/client.ini"
	( sleep 0.5; qemu_pxe "$tmp/sw" 10 ) &
	wait
	result "vde client: QEMU/iPXE on a real vde_switch gets 10.0.2.15 from our NAT; br0 learns it on the vde port" "$tmp/client.ini"
fi

# ---- 2. qnetsim serving VDE ------------------------------------------------------
cat > "$tmp/serve.ini" <<EOF
[bridge br0]
vde      = $tmp/br0.vde
vde_mode = 0660

[guest A]
nic = model=e1000,macaddr=52:54:00:00:00:01
ip  = 10.0.0.1/24

[netdev nat]
type = user

[link]
a = br0
b = A

[link]
a = br0
b = nat

[scenario]
duration = 13s
at 4s  = expect br0.vde.clients == 2
at 4s  = expect br0.vde[2].client contains "vdeplug"
at 4s  = expect br0.fdb[02:00:00:00:00:aa] == br0.4
at 12s = info network
at 12s = expect nat.lease[52:54:00:12:34:56] == 10.0.2.15
at 12s = expect br0.vde[2].state == free
at 12s = expect br0.vde[2].rx_frames == 1
at 12s = expect br0.vde.disconnects == 2
at 12s = expect br0.vde.clients == 0
EOF
run_bg "$tmp/serve.ini" --pcap-dir "$tmp/serve.pcap"
sleep 0.5
# the ctl socket follows vde_mode, the directory gets group rwx and setgid
perm=$(stat -c %a "$tmp/br0.vde/ctl" 2>/dev/null)/$(stat -c %a "$tmp/br0.vde" 2>/dev/null)
if [ "$perm" = 660/2770 ]; then ok "vde_mode=0660: ctl is 0660, the directory 2770"
else not_ok "VDE permissions: ctl/dir are $perm, want 660/2770"; fi
( qemu_pxe "$tmp/br0.vde" 9 ) &
sleep 1
# vde_plug: an ARP request for 10.0.0.1 from 02:00:00:00:00:aa (10.0.0.9), in
# vde_plug's stream encoding (2-byte big-endian length, then the frame)
arp='\x00\x2a\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\xaa\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01\x02\x00\x00\x00\x00\xaa\x0a\x00\x00\x09\x00\x00\x00\x00\x00\x00\x0a\x00\x00\x01'
# arp_answered FILE: vde_plug's output FILE has the reply: length 60 (00 3c),
# to 02:00:00:00:00:aa from A, an ARP reply (op 2) for 10.0.0.1.
arp_answered() {
	od -An -tx1 -v "$1" | tr -d ' \n' |
		grep -q '003c0200000000aa525400000001080600010800060400025254000000010a000001'
}
# served NAME "BRIDGE KEYS" "SCENARIO": $tmp/NAME.ini, a bridge serving VDE
# at $tmp/NAME.vde with guest A (10.0.0.1) on it.
served() {
	printf '[bridge br0]\nvde = %s\n%s[guest A]\nnic = model=e1000,macaddr=52:54:00:00:00:01\n' \
		"$tmp/$1.vde" "$2" > "$tmp/$1.ini"
	printf 'ip  = 10.0.0.1/24\n[link]\na = br0\nb = A\n[scenario]\n%s' "$3" >> "$tmp/$1.ini"
}
( printf "$arp"; sleep 4 ) | timeout 8 vde_plug "$tmp/br0.vde" > "$tmp/plug.out" 2> "$tmp/plug.err"
wait
result "vde server: QEMU/iPXE and vde_plug connect to DIR, QEMU gets 10.0.2.15, both hang-ups free their ports" "$tmp/serve.ini"
if arp_answered "$tmp/plug.out"; then
	ok "vde_plug got the sim guest's ARP reply through qnetsim's VDE port"
else
	not_ok "no ARP reply reached vde_plug"
	od -An -tx1 "$tmp/plug.out" | head -5 | sed 's/^/    | /'
fi
# --pcap-dir captures the ports the clients made at run time too: QEMU's
# (the first client, br0.3) with its DHCP, vde_plug's (br0.4) with its ARP.
d=$(tshark -r "$tmp/serve.pcap/br0.3.pcap" -Y dhcp 2>/dev/null | wc -l)
a=$(tshark -r "$tmp/serve.pcap/br0.4.pcap" -Y 'arp.src.hw_mac == 02:00:00:00:00:aa' 2>/dev/null | wc -l)
if [ "$d" -gt 0 ] && [ "$a" -eq 1 ]; then
	ok "--pcap-dir captures VDE clients' ports made at run time: $d DHCP frames from QEMU, vde_plug's ARP"
else
	not_ok "--pcap-dir and VDE clients: $d DHCP frames on br0.3, $a ARP requests on br0.4"
	ls "$tmp/serve.pcap" | show /dev/stdin
fi
if [ ! -e "$tmp/br0.vde" ]; then ok "the VDE directory is removed at exit"
else not_ok "the VDE directory is still there"; ls -la "$tmp/br0.vde" | show /dev/stdin; fi

# 100 silent connections to a served switch (qpeer connects and says
# nothing) while vde_plug joins: the silent ones are closed after 1 s or
# make room for newer ones, and vde_plug still gets its ARP answered.
served silent "" "duration = 8s
at 7s = expect br0.vde.silent >= 90
at 7s = expect br0.vde.connects == 1
"
run_bg "$tmp/silent.ini"
sleep 0.5
for i in $(seq 100); do "$QPEER" "unix:$tmp/silent.vde/ctl" sleep:4000 > /dev/null 2>&1 & done
sleep 0.5
( printf "$arp"; sleep 2 ) | timeout 5 vde_plug "$tmp/silent.vde" > "$tmp/silent.plug" 2> /dev/null
wait
result "silent VDE connections: 100 of them lock no client out; each is closed and counted" "$tmp/silent.ini"
if arp_answered "$tmp/silent.plug" &&
   [ "$(grep -c 'VDE: closed a connection that sent no request' "$tmp/silent.ini.out")" -eq 1 ]; then
	ok "silent VDE connections: vde_plug got its ARP reply among them; told once"
else
	not_ok "silent VDE connections: no ARP reply for vde_plug, or not told once"
	show "$tmp/silent.ini.out"
fi

# Pending handshakes per user, on a switch every user may join (0666):
# nobody opens 30 connections and says nothing; at most 8 of them wait at
# a time (nobody's oldest make room, counted in limited, told once),
# root's vde_plug still joins and gets its ARP answered. nobody's request
# naming the switch's own ctl (root's) as its data socket is refused.
served peruser "vde_mode = 0666
" "duration = 6s
at 5s = expect br0.vde.limited >= 20
at 5s = expect br0.vde.connects == 1
at 5s = expect br0.vde.refused == 1
"
chmod a+rx "$tmp"
run_bg "$tmp/peruser.ini"
sleep 0.5
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
for i in $(seq 30); do
	"${nobody[@]}" "$QPEER" "unix:$tmp/peruser.vde/ctl" sleep:3000 > /dev/null 2>&1 &
done
sleep 0.5
( printf "$arp"; sleep 1 ) | timeout 3 vde_plug "$tmp/peruser.vde" > "$tmp/peruser.plug" 2> /dev/null
path=$(printf '%s' "$tmp/peruser.vde/ctl" | od -An -tx1 -v | tr -d ' \n')
pad=$(printf '00%.0s' $(seq $((108 - ${#path} / 2))))
"${nobody[@]}" "$QPEER" "unix:$tmp/peruser.vde/ctl" "hex:cefaedfe03000000000000000100$path${pad}6e6f626f6479" \
	closed:1000 > "$tmp/peruser.qpeer" 2>&1
echo $? > "$tmp/peruser.qpeer.rc"
wait
result "per-user VDE limit: 30 silent connections of nobody wait 8 at a time, root's vde_plug joins" "$tmp/peruser.ini"
if arp_answered "$tmp/peruser.plug" &&
   [ "$(grep -c 'VDE: user 65534 has 8 connections that sent no request yet' "$tmp/peruser.ini.out")" -eq 1 ]; then
	ok "per-user VDE limit: vde_plug got its ARP reply; the limit told once for the burst"
else
	not_ok "per-user VDE limit: no ARP reply for vde_plug, or the limit not told once"
	show "$tmp/peruser.ini.out"
fi
if [ "$(cat "$tmp/peruser.qpeer.rc")" = 0 ] &&
   grep -q "its data socket $tmp/peruser.vde/ctl belongs to user 0, not to the client's (65534)" "$tmp/peruser.ini.out"; then
	ok "a VDE client naming another user's socket as its data socket is refused"
else
	not_ok "a VDE client naming another user's socket as its data socket was not refused"
	show "$tmp/peruser.qpeer"; show "$tmp/peruser.ini.out"
fi

# A stale directory (a switch that crashed) is cleaned; a live one is refused.
vde_switch -s "$tmp/stale.vde" -d -p "$tmp/stale.pid" > /dev/null 2>&1
sleep 0.3
cat > "$tmp/stale.ini" <<EOF
[bridge br0]
vde = $tmp/stale.vde

[scenario]
duration = 0.5s
EOF
"$QNETSIM" --headless "$tmp/stale.ini" > "$tmp/live.out" 2>&1
rc=$?
if [ $rc = 3 ] && grep -q 'a VDE switch is already serving there' "$tmp/live.out"; then
	ok "vde= on a directory a live vde_switch serves: refused, exit 3"
else
	not_ok "live VDE directory: exit $rc"; show "$tmp/live.out"
fi
kill -9 "$(cat "$tmp/stale.pid")"
sleep 0.2
"$QNETSIM" --headless "$tmp/stale.ini" > "$tmp/stale.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q 'removed .* stale socket' "$tmp/stale.out"; then
	ok "vde= on a crashed vde_switch's directory: stale sockets removed, served"
else
	not_ok "stale VDE directory: exit $rc"; show "$tmp/stale.out"
fi

# ---- 3. tap on a host bridge, with scripts ------------------------------------------
ip link add "$br" type bridge && ip link set "$br" up
ip netns add "$ns"
ip link add "${tag}v0" type veth peer name "${tag}v1"
ip link set "${tag}v1" netns "$ns"
ip link set "${tag}v0" master "$br" up
ip -n "$ns" addr add 10.0.0.9/24 dev "${tag}v1"
ip -n "$ns" link set "${tag}v1" up
cat > "$tmp/ifup.sh" <<EOF
#!/bin/sh
echo "up \$# \$1" >> $tmp/scripts.log
EOF
cat > "$tmp/ifdown.sh" <<EOF
#!/bin/sh
echo "down \$# \$1" >> $tmp/scripts.log
EOF
printf '#!/bin/sh\necho "no bridge for $1" >&2\nexit 1\n' > "$tmp/fail.sh"
chmod +x "$tmp/ifup.sh" "$tmp/ifdown.sh" "$tmp/fail.sh"
cat > "$tmp/tap.ini" <<EOF
[guest A]
nic = model=e1000,vlan=0
ip  = 10.0.0.1/24

[netdev t0]
type       = tap
vlan       = 0
ifname     = ${tag}t%d
br         = $br
script     = $tmp/ifup.sh
downscript = $tmp/ifdown.sh

[scenario]
duration = 5s
at 4s = expect t0.state == open
at 4s = expect A.nic0.rx_frames >= 4
EOF
run_bg "$tmp/tap.ini"
sleep 1
if ip netns exec "$ns" ping -c3 -i0.2 -W1 10.0.0.1 > "$tmp/ping.out" 2>&1; then
	ok "tap: the kernel (a namespace on host bridge $br) pings the sim guest through qnetsim"
else
	not_ok "tap: no ping through the host bridge"; show "$tmp/ping.out"
fi
wait
result "tap run: state open, the guest saw the kernel's frames" "$tmp/tap.ini"
if [ "$(cat "$tmp/scripts.log" 2>/dev/null)" = "up 1 ${tag}t0
down 1 ${tag}t0" ]; then
	ok "script and downscript ran once each with one argument, the interface name ${tag}t0"
else
	not_ok "scripts: got"; show "$tmp/scripts.log"
fi
if ! ip link show "${tag}t0" > /dev/null 2>&1; then ok "the tap is gone after the run"
else not_ok "the tap ${tag}t0 is still there"; fi
sed -e "s|script     = $tmp/ifup.sh|script     = $tmp/fail.sh|" "$tmp/tap.ini" > "$tmp/tapfail.ini"
"$QNETSIM" --headless "$tmp/tapfail.ini" > "$tmp/tapfail.out" 2>&1
rc=$?
if [ $rc = 3 ] && grep -q "tapfail.ini:[0-9]*: netdev t0: script $tmp/fail.sh ${tag}t0 failed with exit status 1: no bridge for ${tag}t0" "$tmp/tapfail.out"; then
	ok "a failing script stops start-up: exit 3, the script, the interface and its message"
else
	not_ok "failing script: exit $rc"; show "$tmp/tapfail.out"
fi

# ---- 4. kernel guests -------------------------------------------------------------
cat > "$tmp/kern.ini" <<EOF
[guest A]
nic = model=e1000,vlan=0
ip  = 10.0.0.1/24

[guest K]
kind = netns
nic  = model=virtio-net-pci,vlan=0
ip   = 10.0.0.2/24
exec = ping -c3 -i0.2 -W1 10.0.0.1
exec = ping -c1 -W1 10.0.0.77

[guest D]
kind = netns
nic  = model=e1000,netdev=nat
ip   = dhcp
exec = cat /etc/resolv.conf

[netdev nat]
type = user

[scenario]
duration = 6s
at 5s = expect K.exec[0].status == 0
at 5s = expect K.exec[0].output contains "3 packets transmitted, 3 received"
at 5s = expect K.exec[1].status == 1
at 5s = expect D.ip == 10.0.2.15
at 5s = expect D.gateway == 10.0.2.2
at 5s = expect D.exec[0].output contains "nameserver 10.0.2.3"
at 5s = expect nat.lease[52:54:00:12:34:58] == 10.0.2.15
EOF
"$QNETSIM" --headless --report "$tmp/kern.json" "$tmp/kern.ini" > "$tmp/kern.ini.out" 2>&1
echo $? > "$tmp/kern.ini.rc"
result "kernel guests: ping a sim guest 3/3, a lost ping exits 1, udhcpc gets 10.0.2.15 from our NAT" "$tmp/kern.ini"
if grep -q '"kind": "netns"' "$tmp/kern.json" && grep -q '"state": "exited"' "$tmp/kern.json"; then
	ok "the report lists the kernel guests' commands with state and status"
else
	not_ok "report: no kernel guest entries"
fi

# ---- 5. kill -9, then the next run cleans up ----------------------------------------
cat > "$tmp/crash.ini" <<EOF
[bridge br0]
vde = $tmp/crash.vde

[guest K]
kind = netns
nic  = model=e1000,vlan=0
ip   = 10.0.0.2/24
dns  = 10.0.0.1
exec = sleep 60

[netdev t]
type       = tap
ifname     = ${tag}c0
script     = no
downscript = no
br         = ${tag}x
br_create  = on

[link]
a = br0
b = vlan0

[link]
a = br0
b = t

[scenario]
duration = 30s
EOF
"$QNETSIM" --headless "$tmp/crash.ini" > "$tmp/crash1.out" 2>&1 &
qpid=$!
sleep 1
left=$(ip netns list | grep -c "qn$qpid-K")
kill -9 $qpid
wait $qpid 2>/dev/null
sleep 0.2
if [ "$left" = 1 ] && ip netns list | grep -q "qn$qpid-K" && ip link show "${tag}x" > /dev/null 2>&1 &&
   [ -d "$tmp/crash.vde" ]; then
	ok "kill -9 leaves a namespace, a bridge and a VDE directory behind (as expected)"
else
	not_ok "the crashed run did not leave what it should have"
fi
sed -i 's/^duration = 30s/duration = 0.5s/' "$tmp/crash.ini"
"$QNETSIM" --headless "$tmp/crash.ini" > "$tmp/crash2.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "removed netns qn$qpid-K left by qnetsim pid $qpid" "$tmp/crash2.out" &&
   ! ip netns list | grep -q "qn$qpid-K" && ! ip link show "${tag}x" > /dev/null 2>&1 &&
   [ ! -e "$tmp/crash.vde" ] && [ ! -e /etc/netns/qn$qpid-K ]; then
	ok "the next run removed the namespace, the bridge, /etc/netns/NS and the VDE directory"
else
	not_ok "cleanup after kill -9 (exit $rc)"; show "$tmp/crash2.out"
fi

# ---- 6. without CAP_NET_ADMIN ---------------------------------------------------------
if command -v setpriv > /dev/null; then
	setpriv --bounding-set -net_admin --inh-caps -net_admin \
		"$QNETSIM" --headless "$tmp/tap.ini" > "$tmp/nocap.out" 2>&1
	rc=$?
	if [ $rc = 3 ] && grep -q 'needs root or CAP_NET_ADMIN' "$tmp/nocap.out"; then
		ok "tap without CAP_NET_ADMIN: a clear error, exit 3"
	else
		not_ok "tap without CAP_NET_ADMIN: exit $rc"; show "$tmp/nocap.out"
	fi
else
	not_ok "setpriv (util-linux) is missing"
fi

echo "host interop: $pass passed, $fail failed"
[ "$fail" = 0 ]
