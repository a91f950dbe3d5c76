#!/usr/bin/env bash
# Regress tests: run the real binary on real topologies.
#
#  1. every topology in topologies/ passes headless (exit 0);
#  2. twice with the same seed: byte-identical reports and pcaps;
#  3. tshark (when installed) decodes our pcaps;
#  4. every broken topology in tests/regress/bad/ fails --check with its
#     "file:line: message" and exit 2;
#  5. exit codes 1 (failed expectation), 2 (bad command line), 3 (runtime).
set -u
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d /tmp/qnetsim-regress.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Whether a topology reaches outside the process (then it runs on the real
# clock): a netdev other than a hubport, a kernel guest or a served VDE
# switch.
is_real() {
	grep -qE '^kind *= *netns|^vde *=' "$1" ||
	awk '/^\[netdev/ { n = 1; next } /^\[/ { n = 0 }
	     n && /^type *=/ { sub(/^type *= */, ""); sub(/[ \t]*;.*/, ""); if ($0 != "hubport") r = 1 }
	     END { exit !r }' "$1"
}

# 1 + 2: every topology, twice. Topologies with real sockets ([netdev])
# run in real time, once, and are not byte-identical from run to run; a
# "-a"/"-b" pair runs together (a first, it listens).
for t in topologies/*.ini topologies/lessons/*.ini; do
	name=$(basename "$t" .ini)
	if is_real "$t"; then
		case $name in *-b) continue ;; esac
		partner=${t%-a.ini}-b.ini
		if [ "$partner" != "$t" ] && [ -f "$partner" ]; then
			"$QNETSIM" --headless -q "$t" > "$tmp/$name.out" 2>&1 &
			bg=$!
			sleep 0.3
			"$QNETSIM" --headless -q "$partner" > "$tmp/$name.b.out" 2>&1
			rc=$?
			wait "$bg"
			rca=$?
			if [ "$rc" -eq 0 ] && [ "$rca" -eq 0 ]; then
				ok "$t and $partner pass together (real time, two processes)"
			else
				not_ok "$t exited $rca, $partner exited $rc"
				sed 's/^/    /' "$tmp/$name.out" "$tmp/$name.b.out"
			fi
		else
			"$QNETSIM" --headless -q "$t" > "$tmp/$name.out" 2>&1
			rc=$?
			if [ "$rc" -eq 0 ]; then
				ok "$t passes headless (real time)"
			else
				not_ok "$t exited $rc"
				sed 's/^/    /' "$tmp/$name.out"
			fi
		fi
		continue
	fi
	for run in 1 2; do
		mkdir -p "$tmp/$name.$run/pcap"
		"$QNETSIM" --headless -q --seed 7 --report "$tmp/$name.$run/report.json" \
			--pcap-dir "$tmp/$name.$run/pcap" "$t" > "$tmp/$name.$run/out" 2>&1
		rc=$?
	done
	if [ "$rc" -eq 0 ]; then
		ok "$t passes headless"
	else
		not_ok "$t exited $rc"
		sed 's/^/    /' "$tmp/$name.2/out"
	fi
	if cmp -s "$tmp/$name.1/report.json" "$tmp/$name.2/report.json" &&
	   diff -r "$tmp/$name.1/pcap" "$tmp/$name.2/pcap" > /dev/null; then
		ok "$t: same seed, identical report and $(ls "$tmp/$name.1/pcap" | wc -l) pcaps"
	else
		not_ok "$t: two runs with the same seed differ"
	fi
	# Unwatched (no capture, no trace), silent frames wait for the next
	# read: the same run all the same, but for when frames are freed.
	"$QNETSIM" --headless -q --seed 7 --report "$tmp/$name.u.json" "$t" > "$tmp/$name.u.out" 2>&1
	if cmp -s "$tmp/$name.1/out" "$tmp/$name.u.out" &&
	   cmp -s <(grep -v pool_high_water "$tmp/$name.1/report.json") \
		  <(grep -v pool_high_water "$tmp/$name.u.json"); then
		ok "$t: the same output and report without the captures"
	else
		not_ok "$t: captures on its ports change its output or report"
		diff "$tmp/$name.1/report.json" "$tmp/$name.u.json" | head -6 | sed 's/^/    /'
	fi
done

# 2a: --pcapng for every topology that runs on the virtual clock: tshark
# reads one packet per line of the trace, in its order, each on the
# interface of its port, with its frame number as the packet id and the
# trace's decision as its first comment; tcpdump reads as many packets.
if command -v tshark > /dev/null && command -v tcpdump > /dev/null; then
	for t in topologies/*.ini topologies/lessons/*.ini; do
		is_real "$t" && continue
		name=$(basename "$t" .ini)
		# bridge-loop.ini's storm is 800,000 hops: its first millisecond does.
		short=()
		[ "$name" = bridge-loop ] && short=(--duration 1ms)
		"$QNETSIM" --headless -q --seed 7 --trace-size 16777216 --trace "$tmp/$name.ng.trace" \
			"${short[@]}" --pcapng "$tmp/$name.pcapng" "$t" > /dev/null 2>&1
		# The trace's "#ID PORT ... | DECISION" as "ID<TAB>PORT<TAB>#ID DECISION".
		sed -E 's/^[0-9.]+ #([0-9]+) ([^ ]+) .* \| (.*)$/\1\t\2\t#\1 \3/' "$tmp/$name.ng.trace" \
			> "$tmp/$name.ng.want"
		tshark -r "$tmp/$name.pcapng" -T fields -E occurrence=f -e frame.packet_id \
			-e frame.interface_name -e frame.comment 2> /dev/null > "$tmp/$name.ng.got"
		n=$(wc -l < "$tmp/$name.ng.want")
		nt=$(tcpdump -r "$tmp/$name.pcapng" -nn 2> /dev/null | wc -l)
		if [ "$n" -gt 0 ] && cmp -s "$tmp/$name.ng.want" "$tmp/$name.ng.got" && [ "$nt" = "$n" ]; then
			ok "$t: --pcapng has the trace's $n hops (tshark: ports, frame numbers, decisions; tcpdump: $nt packets)"
		else
			not_ok "$t: --pcapng against the trace ($n hops, tcpdump read $nt)"
			diff "$tmp/$name.ng.want" "$tmp/$name.ng.got" | head -6 | sed 's/^/    /'
		fi
	done
else
	not_ok "tshark and tcpdump are not installed (scripts/install-deps installs them)"
fi

# 2b: counters read while silent frames queue, around a capture and a link
# taken down, with a trace and a capture on every port and without.
qn=$(cd "$(dirname "$QNETSIM")" && pwd)/$(basename "$QNETSIM")
for t in tests/regress/watch/*.ini; do
	name=$(basename "$t" .ini)
	(cd "$tmp" && "$qn" --headless --trace "$name.trace" --pcap-dir . "$OLDPWD/$t" \
		> "$name.w.out" 2>&1; echo "rc=$?" >> "$name.w.out")
	(cd "$tmp" && "$qn" --headless "$OLDPWD/$t" > "$name.u.out" 2>&1; echo "rc=$?" >> "$name.u.out")
	sed -i '/of wall time/d' "$tmp/$name.w.out" "$tmp/$name.u.out"
	if grep -q "rc=0" "$tmp/$name.u.out" && cmp -s "$tmp/$name.w.out" "$tmp/$name.u.out"; then
		ok "$t passes, watched or not, with the same output"
	else
		not_ok "$t: watched and unwatched runs differ or fail"
		diff "$tmp/$name.w.out" "$tmp/$name.u.out" | head -8 | sed 's/^/    /'
	fi
done

# 3: tshark reads what we wrote.
if command -v tshark > /dev/null; then
	p="$tmp/qemu-vlans.1/pcap/vm2.nic0.pcap"
	out=$(tshark -r "$p" 2>/dev/null)
	if echo "$out" | grep -q "Who has 10.0.1.3? Tell 10.0.1.2" &&
	   echo "$out" | grep -q "Echo (ping) request" &&
	   echo "$out" | grep -q "Echo (ping) reply"; then
		ok "tshark decodes ARP and ICMP from $p"
	else
		not_ok "tshark could not decode $p"
		echo "$out" | head -5 | sed 's/^/    /'
	fi
	n=$(tshark -r "$tmp/ne2k-overload.1/pcap/sink.nic0.pcap" -Y 'udp.dstport == 9' 2>/dev/null | wc -l)
	if [ "$n" -gt 1000 ]; then
		ok "tshark counts $n UDP datagrams to port 9 at the sink"
	else
		not_ok "tshark counted $n UDP datagrams at the sink"
	fi
	# 802.1Q: tagged on the trunk (VLANs 10 and 20), untagged on access ports.
	v=$(tshark -r "$tmp/vlan-office.1/pcap/sw1.3.pcap" -T fields -e vlan.id 2>/dev/null | sort -un | tr '\n' ' ')
	a=$(tshark -r "$tmp/vlan-office.1/pcap/sw1.1.pcap" -Y vlan 2>/dev/null | wc -l)
	n=$(tshark -r "$tmp/vlan-office.1/pcap/sw1.1.pcap" 2>/dev/null | wc -l)
	if [ "$v" = "10 20 " ] && [ "$a" -eq 0 ] && [ "$n" -gt 0 ]; then
		ok "tshark decodes 802.1Q tags 10 and 20 on the trunk, none on the access port"
	else
		not_ok "tshark: trunk VLANs '$v', tagged frames on the access port: $a of $n"
	fi
	# STP: our BPDUs decode as 802.1D configuration BPDUs; once the tree
	# has converged they name sw1 (02:00:00:00:00:01) as the root.
	b=$(tshark -r "$tmp/stp-triangle.1/pcap/sw2.2.pcap" -Y 'stp.type == 0x00 && stp.protocol == 0' \
		-T fields -e stp.root.hw 2>/dev/null)
	n=$(echo "$b" | grep -c .)
	if [ "$n" -gt 10 ] && [ "$(echo "$b" | tail -1)" = 02:00:00:00:00:01 ]; then
		ok "tshark decodes $n of our BPDUs as STP configuration BPDUs; the last names root 02:00:00:00:00:01"
	else
		not_ok "tshark: $n STP BPDUs on sw2.2, last root '$(echo "$b" | tail -1)'"
	fi
	# capture_stop counts the frames in its own file, not those --pcap-dir
	# wrote to the same port, and leaves the --pcap-dir capture running.
	rm -f /tmp/qnetsim-stp-triangle.pcap
	mkdir -p "$tmp/capcount"
	"$QNETSIM" --headless --pcap-dir "$tmp/capcount" topologies/stp-triangle.ini > "$tmp/capcount.out" 2>&1
	said=$(sed -n 's/.*sw2.2: capture stopped, \([0-9]*\) frames.*/\1/p' "$tmp/capcount.out")
	infile=$(tshark -r /tmp/qnetsim-stp-triangle.pcap 2>/dev/null | wc -l)
	whole=$(tshark -r "$tmp/capcount/sw2.2.pcap" 2>/dev/null | wc -l)
	if [ -n "$said" ] && [ "$said" -eq "$infile" ] && [ "$infile" -gt 0 ] && [ "$whole" -gt "$infile" ]; then
		ok "capture_stop with --pcap-dir: says $said frames, tshark counts $infile; the --pcap-dir file goes on ($whole)"
	else
		not_ok "capture_stop with --pcap-dir: says '$said' frames, tshark counts $infile in the file, $whole in --pcap-dir's"
	fi
else
	not_ok "tshark is not installed (scripts/install-deps installs it)"
fi

# 3c: one topology on two hosts, both on this machine (loopback, ports
# 4789 and 5789): each part passes with the other running, and the
# report says which links crossed (tests/interop/vxlan.sh does it between
# two namespaces).
"$QNETSIM" --headless -q --host a --report "$tmp/host-a.json" topologies/two-hosts.ini \
	> "$tmp/host-a.out" 2>&1 &
hostbg=$!
"$QNETSIM" --headless -q --host b topologies/two-hosts.ini > "$tmp/host-b.out" 2>&1
hrc=$?
wait "$hostbg"
hrca=$?
if [ "$hrc" = 0 ] && [ "$hrca" = 0 ] &&
   grep -q '"to_host": "b"' "$tmp/host-a.json"; then
	ok "topologies/two-hosts.ini: --host a and --host b pass together, the crossings reported"
else
	not_ok "topologies/two-hosts.ini --host a ($hrca) and b ($hrc)"
	sed 's/^/    /' "$tmp/host-a.out" "$tmp/host-b.out"
fi
"$QNETSIM" --headless --host c topologies/two-hosts.ini > "$tmp/host-c.out" 2>&1
hrc=$?
if [ "$hrc" = 2 ] && grep -q -- "--host c: no such host" "$tmp/host-c.out"; then
	ok "--host c: no such host, exit 2"
else
	not_ok "--host c: exit $hrc"; sed 's/^/    /' "$tmp/host-c.out"
fi

# 4: broken topologies.
for t in tests/regress/bad/*.ini; do
	want=$(sed -n '1s/^; expect: //p' "$t")
	line=${want%%: *}
	msg=${want#*: }
	err=$("$QNETSIM" --check "$t" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 2 ] && printf '%s\n' "$err" | grep -qF -- "$t:$line: $msg"; then
		ok "$t: exit 2 with $t:$line: $msg"
	else
		not_ok "$t: wanted exit 2 and '$t:$line: $msg', got exit $rc:"
		printf '%s\n' "$err" | sed 's/^/    /'
	fi
done

# 4b: --export. The map's text for two topologies, byte for byte (the
# layout is the same on every machine); every topology's DOT through
# Graphviz and its Mermaid with a line per node and link; pos = pins.
for f in tests/regress/export/*; do
	name=$(basename "$f")
	fmt=text
	case $name in *.ascii) fmt=ascii ;; esac
	if "$QNETSIM" --export "$fmt" "topologies/${name%.*}.ini" 2> /dev/null | cmp -s - "$f"; then
		ok "--export $fmt topologies/${name%.*}.ini draws $f"
	else
		not_ok "--export $fmt topologies/${name%.*}.ini differs from $f:"
		"$QNETSIM" --export "$fmt" "topologies/${name%.*}.ini" 2> /dev/null | diff "$f" - | sed 's/^/    /'
	fi
done
if command -v dot > /dev/null; then
	bad=""
	for t in topologies/*.ini; do
		"$QNETSIM" --export dot "$t" 2> /dev/null | dot -Tsvg > "$tmp/map.svg" 2> "$tmp/dot.err" &&
			grep -q "<svg" "$tmp/map.svg" || bad="$bad $t"
	done
	if [ -z "$bad" ]; then
		ok "dot -Tsvg draws --export dot of every topology"
	else
		not_ok "dot refused --export dot of:$bad"
		sed 's/^/    /' "$tmp/dot.err"
	fi
else
	not_ok "dot is not installed (scripts/install-deps installs graphviz)"
fi
"$QNETSIM" --export mermaid topologies/vlan-office.ini > "$tmp/m.txt" 2> /dev/null
nodes=$(grep -c '^    n[0-9]*[[(]' "$tmp/m.txt")
links=$(grep -c '^    n[0-9]* -' "$tmp/m.txt")
if head -1 "$tmp/m.txt" | grep -qx 'graph TD' && [ "$nodes" -eq 6 ] && [ "$links" -eq 5 ] &&
   grep -q 'n[0-9]*\[\["sw1"\]\]' "$tmp/m.txt"; then
	ok "--export mermaid: graph TD, 6 nodes (bridges as [[...]]) and 5 links"
else
	not_ok "--export mermaid: wanted 6 nodes and 5 links, got $nodes and $links:"
	sed 's/^/    /' "$tmp/m.txt"
fi
"$QNETSIM" --export svg topologies/bridge-basics.ini > /dev/null 2> "$tmp/e.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "unknown format 'svg' (text, ascii, dot, mermaid)" "$tmp/e.err"; then
	ok "--export svg: exit 2, the formats listed"
else
	not_ok "--export svg: wanted exit 2 and the formats, got $rc: $(cat "$tmp/e.err")"
fi
# pc3 pinned at the top left: its box comes first on the first row.
sed 's/^\[guest pc3\]$/[guest pc3]\npos = 0,0/' topologies/bridge-basics.ini > "$tmp/pinned.ini"
first=$("$QNETSIM" --export ascii "$tmp/pinned.ini" 2> /dev/null | sed -n 2p)
case $first in
"| pc3 |"*br0*) ok "pos = 0,0 puts pc3 first in the top row: '$first'" ;;
*) not_ok "pos = 0,0: wanted '| pc3 |' then br0 on the second line, got '$first'" ;;
esac

# 4c: a lesson headless: say and ask print, the answer marked, an _ in a
# choice shown as a space.
"$QNETSIM" --headless topologies/lessons/02-vlans.ini > "$tmp/lesson.out" 2>&1
if grep -qx "say: Two switches and a trunk.*" "$tmp/lesson.out" &&
   grep -qx "  2) an 802.1Q tag for VLAN 10  <- the answer" "$tmp/lesson.out" &&
   grep -qx "  1) nothing" "$tmp/lesson.out"; then
	ok "a lesson headless prints its say and ask steps, the answer marked"
else
	not_ok "lesson 02 headless: say/ask lines"
	grep -A4 "^ask:\|^say:" "$tmp/lesson.out" | head -12 | sed 's/^/    /'
fi

# 4d: QEMU's command lines. Every line of tests/regress/qemu/texts.sh
# imports into a topology that passes --check; the texts' classic line
# imports to the same file as always; --qemu runs QEMU's default network,
# whose guest gets its lease; a file of two VMs sharing QEMU's default MAC
# is warned about.
n=0
while IFS= read -r line; do
	case $line in "#"* | "") continue ;; esac
	n=$((n + 1))
	# One word per argument, as a shell would split it.
	eval "set -- $line"
	"$QNETSIM" import qemu -- "$@" > "$tmp/q$n.ini" 2> "$tmp/q$n.err"
	if "$QNETSIM" --check "$tmp/q$n.ini" > "$tmp/q$n.out" 2>&1; then
		ok "import qemu: $line"
	else
		not_ok "import qemu: $line"; show "$tmp/q$n.out"; show "$tmp/q$n.err"
	fi
done < tests/regress/qemu/texts.sh
[ "$n" -ge 30 ] || not_ok "import qemu: only $n command lines read"
"$QNETSIM" import qemu -- qemu-system-x86_64 -m 1024 rhel7.img -net nic,vlan=0,macaddr=52:54:00:12:34:22,model=e1000,addr=08 \
	–net user > "$tmp/classic.ini" 2> "$tmp/classic.err"
if cmp -s "$tmp/classic.ini" tests/regress/qemu/classic.ini &&
   grep -q "typographic dash" "$tmp/classic.err"; then
	ok "import qemu: the classic line gives tests/regress/qemu/classic.ini, and the dash is told"
else
	not_ok "import qemu: the classic line"; diff "$tmp/classic.ini" tests/regress/qemu/classic.ini | head -20
fi
"$QNETSIM" --headless --duration 2s --qemu 'qemu-system-x86_64 -m 512 disk.img' > "$tmp/default.out" 2>&1
if grep -q "vm1: DHCP nic0: bound 10.0.2.15/24, router 10.0.2.2" "$tmp/default.out"; then
	ok "--qemu: QEMU's default network (-net nic -net user): the guest gets 10.0.2.15"
else
	not_ok "--qemu: default network"; show "$tmp/default.out"
fi
printf '%s\n' '$ qemu -net nic -net socket,listen=:8010 a.img' \
	'$ qemu -net nic,vlan=2 -net socket,vlan=2,connect=127.0.0.1:8010 b.img' > "$tmp/two.sh"
# One quoted argument is split as the shell would have.
"$QNETSIM" import qemu 'qemu -net nic,model=rtl8139 -net user' > "$tmp/quoted.ini" 2>&1
if grep -q "^nic = model=rtl8139" "$tmp/quoted.ini"; then
	ok "import qemu 'ONE LINE': split into its words"
else
	not_ok "import qemu 'ONE LINE'"; show "$tmp/quoted.ini"
fi
if "$QNETSIM" import qemu "$tmp/two.sh" > "$tmp/two.ini" 2> "$tmp/two.err" &&
   grep -q "vm1's NIC 0 and vm2's NIC 0 both have MAC 52:54:00:12:34:56" "$tmp/two.err" &&
   "$QNETSIM" --check "$tmp/two.ini" > /dev/null 2>&1; then
	ok "import qemu FILE: two VMs, the MAC they share told, the topology loads"
else
	not_ok "import qemu FILE: two VMs"; show "$tmp/two.err"
fi

# 4e: qemu-args: how a real VM joins each netdev a VM can join; a node
# that does not exist is refused (exit 2).
"$QNETSIM" qemu-args topologies/mcast-bus.ini > "$tmp/qa.out" 2>&1
if grep -qx "qemu-system-x86_64 -netdev socket,mcast=230.0.0.1:1234,id=busA -device e1000,netdev=busA,mac=52:54:00:12:34:56" "$tmp/qa.out" &&
   grep -qx "qemu-system-x86_64 -netdev socket,mcast=230.0.0.1:1234,id=busB -device e1000,netdev=busB,mac=52:54:00:12:34:57" "$tmp/qa.out"; then
	ok "qemu-args: both multicast buses, each with its own free MAC"
else
	not_ok "qemu-args mcast-bus"; show "$tmp/qa.out"
fi
"$QNETSIM" qemu-args topologies/seed004-guest-b.ini s2 > "$tmp/qa.out" 2>&1
if grep -qx "qemu-system-x86_64 -netdev socket,listen=127.0.0.1:8010,id=s2 -device e1000,netdev=s2,mac=52:54:00:12:34:56" "$tmp/qa.out"; then
	ok "qemu-args: a connector is joined by a VM that listens"
else
	not_ok "qemu-args seed004-guest-b"; show "$tmp/qa.out"
fi
"$QNETSIM" qemu-args topologies/mcast-bus.ini nosuch > "$tmp/qa.out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q "qemu-args: no node 'nosuch' in the topology" "$tmp/qa.out"; then
	ok "qemu-args: an unknown node is refused, exit 2"
else
	not_ok "qemu-args unknown node: exit $rc"; show "$tmp/qa.out"
fi

# 4f: QEMU 9.2's reconnect-ms: a stream client with nothing to reach tries
# every 200 ms, so 4 times or more in a second (1 s apart by default).
printf '[guest a]\nnic = model=e1000,netdev=up\n[netdev up]\ntype = stream\naddr.type = unix\naddr.path = %s\nreconnect-ms = 200\n[scenario]\nduration = 1s\nat 0.95s = expect up.connect_failures >= 4\n' \
	"$tmp/nosuch.sock" > "$tmp/rms.ini"
if "$QNETSIM" --headless -q "$tmp/rms.ini" > "$tmp/rms.out" 2>&1; then
	ok "stream reconnect-ms = 200: a try every 200 ms"
else
	not_ok "stream reconnect-ms"; show "$tmp/rms.out"
fi

# 5: exit codes.
cat > "$tmp/failing.ini" <<'INI'
[guest a]
nic = model=e1000
ip = 10.0.0.1/24
[scenario]
at 0s = a ping 10.0.0.2 count=1
at 5s = expect a.ping.received == 1
INI
"$QNETSIM" --headless -q "$tmp/failing.ini" > "$tmp/failing.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "failing.ini:6: FAIL: expect a.ping.received == 1 (actual 0)" "$tmp/failing.out"; then
	ok "a failed expectation exits 1 and names its line"
else
	not_ok "failed expectation: exit $rc"
	sed 's/^/    /' "$tmp/failing.out"
fi
# A ping of more than 65536 requests: the 16-bit icmp_seq wraps, and
# every reply still counts once.
printf '[guest a]\nnic = model=e1000,vlan=0\nip = 10.0.0.1/24\n[guest b]\nnic = model=e1000,vlan=0\nip = 10.0.0.2/24\n[scenario]\nat 0s = a ping 10.0.0.2 count=70000 interval=1ms\nat 80s = expect a.ping.received == 70000\nat 80s = expect a.ping.dups == 0\n' > "$tmp/wrap.ini"
"$QNETSIM" --headless -q "$tmp/wrap.ini" > "$tmp/wrap.out" 2>&1 &&
	ok "a 70000-request ping wraps icmp_seq and counts 70000 replies, no duplicates" ||
	{ not_ok "a 70000-request ping"; sed 's/^/    /' "$tmp/wrap.out"; }
# A capture to a file another capture writes (--pcap-dir's) is refused.
mkdir -p "$tmp/twice"
printf '[guest a]\nnic = model=e1000,vlan=0\nip = 10.0.0.1/24\n[scenario]\nat 0s = capture a.nic0 %s/twice/a.nic0.pcap\n' \
	"$tmp" > "$tmp/twice.ini"
"$QNETSIM" --headless --pcap-dir "$tmp/twice" "$tmp/twice.ini" > "$tmp/twice.out" 2>&1
if grep -q "twice.ini:5: error: capture: .*/twice/a.nic0.pcap is being written already (--pcap-dir, a.nic0)" "$tmp/twice.out"; then
	ok "a capture to --pcap-dir's own file is refused"
else
	not_ok "a capture to --pcap-dir's own file"
	sed 's/^/    /' "$tmp/twice.out"
fi
# Honest results: a run that ends before an expectation's time has not
# passed. --duration cuts qemu-vlans.ini (expectations at 5 s) at 2 s.
"$QNETSIM" --headless -q --duration 2s --report "$tmp/notrun.json" topologies/qemu-vlans.ini \
	> "$tmp/notrun.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] &&
   grep -q "^topologies/qemu-vlans.ini:26: NOT RUN: expect vm2.ping.received == 3 (due at 5.000s; the run ended at 2.000s)" "$tmp/notrun.out" &&
   grep -q "^topologies/qemu-vlans.ini: 6 expectations, 0 passed, 0 failed, 6 not run;" "$tmp/notrun.out" &&
   [ "$(grep -c '"result": "not_run"' "$tmp/notrun.json")" -eq 6 ] &&
   [ "$(grep -c '"actual": null' "$tmp/notrun.json")" -eq 6 ] &&
   grep -q '"not_run": 6' "$tmp/notrun.json" && grep -q '^  "result": "fail"' "$tmp/notrun.json"; then
	ok "--duration before the expectations: 6 NOT RUN, exit 1, report result not_run"
else
	not_ok "--duration before the expectations: exit $rc"
	sed 's/^/    /' "$tmp/notrun.out"
fi
# Half of them: the ones at 5 s pass, the one at 20 s is not run.
sed -E "s/^at 5s +(= expect vm2.ping.received == 3)/at 20s \1/" \
	topologies/qemu-vlans.ini > "$tmp/late.ini"
"$QNETSIM" --headless -q --duration 10s "$tmp/late.ini" > "$tmp/late.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "late.ini: 6 expectations, 5 passed, 0 failed, 1 not run;" "$tmp/late.out" &&
   [ "$(grep -c 'NOT RUN' "$tmp/late.out")" -eq 1 ]; then
	ok "one expectation after --duration: 5 passed, 1 not run, exit 1"
else
	not_ok "one expectation after --duration: exit $rc"
	sed 's/^/    /' "$tmp/late.out"
fi
# No guest limit of its own: 31,251 guests (one past the old, undocumented
# ceiling of 31,250) load. Too slow under AddressSanitizer (about a minute
# and 1.8 GB), so that build skips it.
if ldd "$QNETSIM" 2>/dev/null | grep -q libasan; then
	ok "31,251 guests load # skip under AddressSanitizer"
else
	awk 'BEGIN { for (i = 0; i < 31251; i++) printf "[guest g%d]\nnic = vlan=%d\n", i, i / 100 }' \
		> "$tmp/many.ini"
	out=$("$QNETSIM" --check "$tmp/many.ini" 2>&1)
	if [ $? -eq 0 ] && echo "$out" | grep -q "ok (31251 guests, 313 hubs"; then
		ok "31,251 guests load (no guest limit below the 1,000,000-NIC one)"
	else
		not_ok "31,251 guests: $out"
	fi
fi
# A signal ends a real-time run (a socket netdev makes it real) before its
# expectation at 30 s: exit 1, NOT RUN, not 0.
cat > "$tmp/signal.ini" <<'INI'
[guest a]
nic = model=e1000
ip = 10.0.0.1/24
[netdev s0]
type = socket
vlan = 0
listen = 127.0.0.1:0
[scenario]
at 30s = expect a.nic0.tx_frames == 0
INI
"$QNETSIM" --headless "$tmp/signal.ini" > "$tmp/signal.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "listening" "$tmp/signal.out" 2>/dev/null && break; sleep 0.05; done
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "signal.ini:9: NOT RUN: expect a.nic0.tx_frames == 0" "$tmp/signal.out" &&
   grep -q "interrupted by signal 15" "$tmp/signal.out"; then
	ok "SIGTERM before the expectation: NOT RUN and exit 1"
else
	not_ok "SIGTERM before the expectation: exit $rc"
	sed 's/^/    /' "$tmp/signal.out"
fi
# A NIC with no vlan=, netdev= or link lands on vlan 0, as in QEMU, with a
# warning that does not fail the check.
out=$("$QNETSIM" --check topologies/qemu-vlans.ini 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "^topologies/qemu-vlans.ini:11: warning: vm1.nic0 has no vlan=, netdev= or \[link\]: it goes on hub vlan0" &&
   [ "$(echo "$out" | grep -c warning)" -eq 1 ]; then
	ok "--check warns about the one NIC that lands on vlan 0 unasked, and passes"
else
	not_ok "vlan 0 warning: exit $rc"
	echo "$out" | sed 's/^/    /'
fi
# STP runs with stp = on only: timers, priority and bridge_mac without it
# neither start it (pings would wait 30 s for listening and learning) nor
# are range-checked (brctl setfd br0 1 is taken).
cat > "$tmp/stp-off.ini" <<'INI'
[bridge br0]
priority = 4096
hello_time = 2
max_age = 12s
forward_delay = 1
bridge_mac = 02:00:00:00:00:09
[guest a]
nic = model=e1000
ip = 10.0.0.1/24
[guest b]
nic = model=e1000
ip = 10.0.0.2/24
[link]
a = br0
b = a
[link]
a = br0
b = b
[scenario]
at 0s = a ping 10.0.0.2 count=3
at 5s = expect a.ping.received == 3
INI
"$QNETSIM" --headless -q --trace "$tmp/stp-off.trace" "$tmp/stp-off.ini" > "$tmp/stp-off.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q 'STP' "$tmp/stp-off.trace"; then
	ok "STP keys without stp = on: no spanning tree, no range check, pings pass"
else
	not_ok "STP keys without stp = on: exit $rc"
	sed 's/^/    /' "$tmp/stp-off.out"
fi
"$QNETSIM" --headless --bogus topologies/qemu-vlans.ini > /dev/null 2>&1
rc=$?; [ "$rc" -eq 2 ] && ok "unknown option exits 2" || not_ok "unknown option exited $rc"
"$QNETSIM" --headless > /dev/null 2>&1
rc=$?; [ "$rc" -eq 2 ] && ok "no topology exits 2" || not_ok "no topology exited $rc"
"$QNETSIM" --headless /nonexistent.ini > /dev/null 2>&1
rc=$?; [ "$rc" -eq 2 ] && ok "missing topology exits 2" || not_ok "missing topology exited $rc"
"$QNETSIM" --headless -q --report /nonexistent-dir/r.json topologies/qemu-vlans.ini > /dev/null 2>&1
rc=$?; [ "$rc" -eq 3 ] && ok "unwritable report exits 3" || not_ok "unwritable report exited $rc"
"$QNETSIM" --headless -q --pcap-dir /proc/qnetsim topologies/qemu-vlans.ini > /dev/null 2>&1
rc=$?; [ "$rc" -eq 3 ] && ok "unusable pcap dir exits 3" || not_ok "unusable pcap dir exited $rc"
"$QNETSIM" topologies/qemu-vlans.ini < /dev/null > /dev/null 2> "$tmp/ui.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "needs a terminal" "$tmp/ui.err"; then
	ok "the UI without a terminal is refused with exit 2"
else
	not_ok "UI refusal: exit $rc"
fi
out=$("$QNETSIM" -nic model=help)
if echo "$out" | head -1 | grep -q "Supported NIC models:" && echo "$out" | grep -q "^ne2k_pci .*10ec:8029 .*10Mbit/s" &&
   echo "$out" | grep -q "^ne2k_isa .*ISA .*10Mbit/s" && echo "$out" | grep -q "^igb .*8086:10c9 .*1Gbit/s" &&
   [ "$(echo "$out" | wc -l)" -eq 29 ]; then
	ok "-nic model=help lists 28 models (QEMU 7.2's 26, ne2k_isa and igb)"
else
	not_ok "-nic model=help"
fi

# The trace explains each hop.
"$QNETSIM" --headless -q --trace "$tmp/trace.txt" topologies/hub-vs-bridge.ini > /dev/null
if grep -q "br0.1 .* ARP, Request who-has 10.0.0.2 tell 10.0.0.1 | flooded: broadcast (2 ports)" "$tmp/trace.txt" &&
   grep -q "br0.2 .* ICMP echo reply, id .* seq 0 | forwarded -> br0.1" "$tmp/trace.txt" &&
   grep -q "a3.nic0 .* ICMP echo request.* | dropped: NIC filter: unicast to another MAC" "$tmp/trace.txt"; then
	ok "--trace explains flooding, forwarding and NIC filtering"
else
	not_ok "--trace lines"
	head -20 "$tmp/trace.txt" | sed 's/^/    /'
fi

# docs/teaching.md quotes trace lines ("..." for what it leaves out): each
# is in the trace of the topologies it teaches with.
for t in hub-vs-bridge vlan-office vlan-trunk-mismatch stp-triangle router-on-a-stick; do
	"$QNETSIM" --headless -q --trace "$tmp/teach.$t" "topologies/$t.ini" > /dev/null 2>&1
done
cat "$tmp"/teach.* > "$tmp/teach.all"
missing=0
quotes=0
while IFS= read -r q; do
	quotes=$((quotes + 1))
	re=$(printf '%s' "$q" | sed -e 's/[][\.*^$()+?{}|/]/\\&/g' -e 's/ \\.\\.\\. / .* /g' -e 's/^\\.\\.\\. /.* /')
	if ! grep -qE -- "^$re\$" "$tmp/teach.all"; then
		missing=$((missing + 1))
		echo "    not in any trace: $q"
	fi
done < <(grep -E '^([0-9.]+ #[0-9]+ |\.\.\. )' docs/teaching.md)
if [ "$missing" -eq 0 ] && [ "$quotes" -ge 5 ]; then
	ok "every trace line docs/teaching.md quotes ($quotes) is what the topologies print"
else
	not_ok "docs/teaching.md quotes $missing trace lines no run prints"
fi

# 6: no dead code: every function of ours the binary exports is named
# somewhere (src/, tests/, bench/) besides its definition and declaration.
dead=""
syms=$(nm -g --defined-only "$QNETSIM" | awk '$2 == "T" { print $3 }')
[ "$(echo "$syms" | grep -c .)" -gt 100 ] || dead=" (nm listed no functions: cannot check)"
for f in $syms; do
	case $f in main|_*) continue ;; esac
	[ -n "$(grep -rlw --include='*.c' "$f" src)" ] || continue
	n=$(grep -rhow --include='*.[ch]' "$f" src tests bench | wc -l)
	[ "$n" -le 2 ] && dead="$dead $f"
done
if [ -z "$dead" ]; then
	ok "no exported function is defined and never used"
else
	not_ok "defined and never used:$dead"
fi

echo "# regress: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
