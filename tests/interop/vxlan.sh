#!/usr/bin/env bash
# VXLAN (type = vxlan) against real peers (root: namespaces, veths):
#
#  1. the Linux kernel's vxlan: in namespace K, vx0 (id 42, dstport 4789)
#     on a Linux bridge with a veth to a kernel guest in namespace G; qnetsim
#     runs in namespace Q, a veth away. G pings a sim guest, the sim guest
#     pings G, and the report has G's MAC learned behind the tunnel;
#  2. vdeplug4's VXLAN (vde_plug vxvde://GROUP/...) in namespace V, joined
#     to a VDE switch qnetsim serves: a ping crosses the group both ways
#     (vdeplug4 4.0.1's vxlan:// cannot answer unicast: it reads the
#     sender's address with a length of 0, so it learns nothing usable);
#  3. hostile datagrams (short, flags, reserved bits, VNI, runts) and a
#     flood of new sources from 1,100 addresses: counted, the learning
#     table stays within its cap, and the tunnel still carries a ping; a
#     frame longer than the tunnel's mtu is a too_big drop, not cut;
#  4. one topology on two hosts (topologies/two-hosts.ini with the
#     addresses of namespaces A and B, joined by a veth): each runs its
#     part (qnetsim --host), the pings cross, STP's BPDUs cross the two
#     tunnels and block one, and each host's monitor answers qnetsim ctl.
set -u
QPEER=${QPEER:?QPEER must name the qpeer test peer (make interop builds it)}
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d /tmp/qnetsim-vxlan.XXXXXX)
tag=x$$
nsq=${tag}q nsk=${tag}k nsg=${tag}g nsv=${tag}v nsa=${tag}a nsb=${tag}b
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	for n in "$nsq" "$nsk" "$nsg" "$nsv" "$nsa" "$nsb"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - vxlan interop needs root (namespaces); CI runs it as root"
	exit 1
fi
for t in ip vde_plug; do
	if ! command -v "$t" > /dev/null; then
		echo "not ok - $t is not installed (scripts/install-deps installs it)"
		exit 1
	fi
done

# veth A in namespace NA with ADDRESS-A, B in NB with ADDRESS-B (both /24).
veth() { # NA A ADDR-A NB B ADDR-B
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" &&
	ip -n "$1" addr add "$3/24" dev "$2" && ip -n "$1" link set "$2" up &&
	ip -n "$4" addr add "$6/24" dev "$5" && ip -n "$4" link set "$5" up
}
for n in "$nsq" "$nsk" "$nsg" "$nsv" "$nsa" "$nsb"; do
	ip netns add "$n" && ip -n "$n" link set lo up
done
# Q <-> K (the kernel's tunnel), Q <-> V (vdeplug4's group), K's bridge <-> G.
veth "$nsq" uq 10.98.1.1 "$nsk" uk 10.98.1.2
veth "$nsq" mq 10.98.2.1 "$nsv" mv 10.98.2.2
ip -n "$nsv" route add 224.0.0.0/4 dev mv
ip -n "$nsq" route add 224.0.0.0/4 dev mq
ip -n "$nsk" link add vx0 type vxlan id 42 dstport 4789 remote 10.98.1.1 local 10.98.1.2
ip -n "$nsk" link add br0 type bridge
ip -n "$nsk" link set vx0 master br0
ip link add kg netns "$nsk" type veth peer name eth0 netns "$nsg"
ip -n "$nsk" link set kg master br0
for l in vx0 br0 kg; do ip -n "$nsk" link set "$l" up; done
ip -n "$nsg" addr add 10.0.42.2/24 dev eth0
ip -n "$nsg" link set eth0 address 02:42:00:00:00:02
ip -n "$nsg" link set eth0 up

# ---- 1 and 2: the kernel's vxlan and vdeplug4's ----------------------------------
cat > "$tmp/peers.ini" <<EOF
[guest sim]
nic = model=virtio-net-pci,macaddr=52:54:00:42:00:01,vlan=0
ip  = 10.0.42.1/24

[netdev kern]
type   = vxlan
vlan   = 0
vni    = 42
local  = 10.98.1.1
remote = 10.98.1.2

[guest a]
nic = model=e1000,macaddr=52:54:00:43:00:01,vlan=1
ip  = 10.0.43.1/24

[netdev grp]
type         = vxlan
vlan         = 1
vni          = 43
group        = 239.1.2.3
port         = 14789
localaddr    = 10.98.2.1
learned_port = source

[bridge br1]
vde = $tmp/vsw

[guest b]
nic = model=e1000,macaddr=52:54:00:43:00:02
ip  = 10.0.43.2/24

[link]
a = b
b = br1

[scenario]
at 3s  = ping sim 10.0.42.2 count=3 interval=0.2s
at 3s  = ping a 10.0.43.2 count=3 interval=0.2s
at 5s  = expect sim.ping.received == 3
at 5s  = expect kern.fdb[02:42:00:00:00:02] == "10.98.1.2:4789"
at 5s  = expect a.ping.received == 3
at 5s  = expect grp.fdb[52:54:00:43:00:02] contains "10.98.2.2:"
at 5s  = expect grp.echoes >= 1
at 5s  = expect grp.bad_flags == 0
at 5s  = info network
at 6s  = quit
EOF
ip netns exec "$nsq" "$QNETSIM" --headless --report "$tmp/peers.json" "$tmp/peers.ini" \
	> "$tmp/peers.out" 2>&1 &
qpid=$!
waitlog "$tmp/peers.out" "" 1
for _ in $(seq 40); do [ -S "$tmp/vsw/ctl" ] && break; sleep 0.05; done
ip netns exec "$nsv" vde_plug "vxvde://239.1.2.3/vni=43" "vde://$tmp/vsw" > "$tmp/plug.out" 2>&1 &
sleep 1
ip netns exec "$nsg" ping -c 3 -i 0.2 -W 2 10.0.42.1 > "$tmp/kping.out" 2>&1
krc=$?
wait "$qpid"
qrc=$?
if [ "$krc" = 0 ]; then ok "kernel vxlan: a kernel guest pings a sim guest through qnetsim's VXLAN"
else not_ok "kernel vxlan: kernel guest's ping"; show "$tmp/kping.out"; show "$tmp/peers.out"; fi
if [ "$qrc" = 0 ] && grep -q "PASS: expect sim.ping.received == 3" "$tmp/peers.out"; then
	ok "kernel vxlan: the sim guest pings the kernel guest; its MAC learned at 10.98.1.2:4789"
else
	not_ok "kernel vxlan: sim guest's ping and the learned MAC"; show "$tmp/peers.out"
fi
if jq -e '.. | objects | select(.vxlan?) | .vxlan.fdb[] | select(.mac == "02:42:00:00:00:02" and .vtep == "10.98.1.2:4789")' "$tmp/peers.json" > /dev/null 2>&1; then
	ok "kernel vxlan: the report lists the MAC behind the tunnel"
else
	not_ok "kernel vxlan: the report's fdb"; show "$tmp/peers.json"
fi
if grep -q "PASS: expect a.ping.received == 3" "$tmp/peers.out" &&
   grep -q 'PASS: expect grp.fdb\[52:54:00:43:00:02\]' "$tmp/peers.out"; then
	ok "vdeplug4 vxvde: a ping crosses vde_plug's group both ways"
else
	not_ok "vdeplug4 vxvde"; show "$tmp/peers.out"; show "$tmp/plug.out"
fi

# ---- 3. hostile datagrams and a flood of sources ---------------------------------
cat > "$tmp/hostile.ini" <<'EOF'
[guest A]
nic = model=e1000,macaddr=52:54:00:12:34:0a,vlan=0
ip  = 10.0.7.1/24

[guest B]
nic = model=e1000,vlan=1,macaddr=52:54:00:12:34:0b
ip  = 10.0.7.2/24

[netdev vxA]
type       = vxlan
vlan       = 0
vni        = 42
local      = 127.0.0.1:14789
remote     = 127.0.0.1:14790
maxaddress = 256
mtu        = 1000

[netdev vxB]
type   = vxlan
vlan   = 1
vni    = 42
local  = 127.0.0.1:14790
remote = 127.0.0.1:14789

[scenario]
at 0.5s = echo ready
at 4s   = ping A 10.0.7.2 count=1 size=1200
at 5s   = ping A 10.0.7.2 count=3 interval=0.2s
at 7s   = expect A.ping.received == 3
at 7s   = expect vxA.short_header == 8
at 7s   = expect vxA.bad_flags == 4
at 7s   = expect vxA.wrong_vni == 1
at 7s   = expect vxA.0.drops.bad_header == 13
at 7s   = expect vxA.runts == 2
at 7s   = expect vxA.fdb <= 256
at 7s   = expect vxA.learn_full > 0
at 7s   = expect vxA.too_big == 1
at 7s   = expect vxA.0.drops.too_big == 1
at 7s   = info network
at 7.5s = quit
EOF
"$QNETSIM" --headless "$tmp/hostile.ini" > "$tmp/hostile.out" 2>&1 &
hpid=$!
waitlog "$tmp/hostile.out" "ready" 5
"$QPEER" vxlan 127.0.0.1:14789 42 1100 3300 > "$tmp/flood.out" 2>&1
prc=$?
wait "$hpid"
hrc=$?
if [ "$prc" = 0 ] && [ "$hrc" = 0 ]; then
	ok "vxlan hostile: bad headers counted by why, the table within its cap, the tunnel still carries pings ($(cat "$tmp/flood.out"))"
else
	not_ok "vxlan hostile (qpeer $prc, qnetsim $hrc)"; show "$tmp/flood.out"; show "$tmp/hostile.out"
fi

# ---- 4. one topology on two hosts ----------------------------------------------
veth "$nsa" ha 10.97.0.1 "$nsb" hb 10.97.0.2
{
	printf '[host a]\naddress = 10.97.0.1\nmonitor = unix:%s/a.sock\n\n' "$tmp"
	printf '[host b]\naddress = 10.97.0.2\nmonitor = unix:%s/b.sock\n\n' "$tmp"
	awk '/^\[host / { skip = 1; next } /^\[/ { skip = 0 } !skip' topologies/two-hosts.ini
} > "$tmp/two.ini"
"$QNETSIM" hosts "$tmp/two.ini" > "$tmp/hosts.out" 2>&1
if grep -q "^qnetsim --headless --host a --monitor unix:$tmp/a.sock $tmp/two.ini" "$tmp/hosts.out" &&
   grep -q "tunnel 1: sw1.3 -- sw2.3" "$tmp/hosts.out"; then
	ok "qnetsim hosts: each host's command, with its tunnels"
else
	not_ok "qnetsim hosts"; show "$tmp/hosts.out"
fi
ip netns exec "$nsa" "$QNETSIM" --headless --host a --report "$tmp/a.json" "$tmp/two.ini" \
	> "$tmp/a.out" 2>&1 &
apid=$!
ip netns exec "$nsb" "$QNETSIM" --headless --host b --report "$tmp/b.json" "$tmp/two.ini" \
	> "$tmp/b.out" 2>&1 &
bpid=$!
sleep 13
"$QNETSIM" ctl "$tmp/a.sock" info network > "$tmp/ctl-a.out" 2>&1
"$QNETSIM" ctl "$tmp/b.sock" expect sw2.3.stp.state == blocking > "$tmp/ctl-b.out" 2>&1
wait "$apid"
arc=$?
wait "$bpid"
brc=$?
if [ "$arc" = 0 ] && [ "$brc" = 0 ] && grep -q "2 expectations, 2 passed" "$tmp/a.out" &&
   grep -q "3 expectations, 3 passed" "$tmp/b.out"; then
	ok "two hosts: each part passes: pings across, STP blocks sw2.3 across the tunnels"
else
	not_ok "two hosts (a $arc, b $brc)"; show "$tmp/a.out"; show "$tmp/b.out"
fi
if grep -q "netdev vx-b-0: type=vxlan" "$tmp/ctl-a.out" && grep -q "PASS" "$tmp/ctl-b.out"; then
	ok "two hosts: each host's monitor answers qnetsim ctl while they run"
else
	not_ok "two hosts: monitors"; show "$tmp/ctl-a.out"; show "$tmp/ctl-b.out"
fi
if jq -e '.host.name == "a" and (.host.crossed | length) == 2 and .host.crossed[0].to_host == "b"' \
	"$tmp/a.json" > /dev/null 2>&1; then
	ok "two hosts: the report says which links crossed"
else
	not_ok "two hosts: the report's host"; jq .host "$tmp/a.json" > "$tmp/h.json" 2>&1; show "$tmp/h.json"
fi

echo "# vxlan: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
