#!/usr/bin/env bash
# Live captures against Wireshark's own tools:
#
#  1. a monitor client's live capture (qnetsim ctl ADDRESS capture PORT -)
#     into tshark, which shows the ping's frames, each with its decision,
#     while the run is still going;
#  2. a capture into a FIFO that tshark reads;
#  3. a live capture whose reader never reads, on a port with a storm: the
#     run's expectations still pass, and the frames it had no room for are
#     dropped and counted;
#  4. the Wireshark extcap program (qnetsim-extcap): installed in a
#     temporary extcap directory, `tshark -D` lists a running qnetsim's
#     ports, its answers follow the extcap contract, and `tshark -i` on
#     one of them captures the ping.
set -u
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d /tmp/qnetsim-capture.XXXXXX)
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

for t in tshark mkfifo; do
	if ! command -v "$t" > /dev/null; then
		echo "not ok - $t is not installed (scripts/install-deps installs it)"
		exit 1
	fi
done

topo() { # SECONDS [EXTRA-STEP]: a pings b through sw from 2 s on, for a while
	cat <<EOF
[bridge sw]

[guest a]
nic = model=e1000,macaddr=52:54:00:00:00:01
ip  = 10.0.0.1/24

[guest b]
nic = model=e1000,macaddr=52:54:00:00:00:02
ip  = 10.0.0.2/24

[link]
a = a
b = sw.1

[link]
a = b
b = sw.2

[scenario]
${2:-}
at 2s = ping a 10.0.0.2 count=5 interval=0.2s
at $(($1 - 1))s = expect a.ping.received == 5
at $1s = quit
EOF
}

# ---- 1. live, through the monitor, into tshark -----------------------------------
topo 8 > "$tmp/live.ini"
"$QNETSIM" --headless --monitor "unix:$tmp/m.sock" "$tmp/live.ini" > "$tmp/live.out" 2>&1 &
qpid=$!
for _ in $(seq 40); do [ -S "$tmp/m.sock" ] && break; sleep 0.05; done
( "$QNETSIM" ctl "$tmp/m.sock" capture sw.1 - |
	tshark -l -i - -T fields -E occurrence=f -e frame.packet_id -e frame.interface_name \
		-e frame.comment > "$tmp/live.tshark" 2> "$tmp/live.err" ) &
sleep 4
running=no
kill -0 "$qpid" 2> /dev/null && running=yes
cp "$tmp/live.tshark" "$tmp/live.early"
wait "$qpid"
qrc=$?
sleep 0.5
if [ "$running" = yes ] && grep -q "sw.1	#[0-9]* forwarded -> sw.2" "$tmp/live.early" && [ "$qrc" = 0 ]; then
	ok "live capture: tshark shows the ping's frames and decisions while the run goes ($(wc -l < "$tmp/live.early") by 4 s)"
else
	not_ok "live capture (qnetsim $qrc, running at 4 s: $running)"; show "$tmp/live.early"; show "$tmp/live.err"; show "$tmp/live.out"
fi

# ---- 2. a FIFO ----------------------------------------------------------------
mkfifo "$tmp/f"
topo 6 "at 1s = capture sw.2 $tmp/f" > "$tmp/fifo.ini"
timeout 30 tshark -l -r "$tmp/f" -T fields -E occurrence=f -e frame.interface_name \
	-e frame.comment > "$tmp/fifo.tshark" 2> "$tmp/fifo.err" &
tpid=$!
# The reader must hold the FIFO open before the capture command opens it
# (a FIFO without a reader is an error): tshark takes a moment to start.
for _ in $(seq 100); do
	[ -n "$(find /proc/[0-9]*/fd -lname "$tmp/f" 2> /dev/null | head -1)" ] && break
	sleep 0.1
done
"$QNETSIM" --headless "$tmp/fifo.ini" > "$tmp/fifo.out" 2>&1
frc=$?
wait "$tpid"
if [ "$frc" = 0 ] && grep -q "^sw.2	#[0-9]* forwarded -> sw.1" "$tmp/fifo.tshark"; then
	ok "FIFO capture: tshark reads the port's frames with their decisions ($(wc -l < "$tmp/fifo.tshark") packets)"
else
	not_ok "FIFO capture (qnetsim $frc)"; show "$tmp/fifo.tshark"; show "$tmp/fifo.err"; show "$tmp/fifo.out"
fi

# ---- 3. a reader that never reads, on a storm ---------------------------------
cat > "$tmp/storm.ini" <<'EOF'
[bridge b1]
[bridge b2]

[guest a]
nic = model=e1000,macaddr=52:54:00:00:00:01
ip  = 10.0.0.1/24

[link]
a = a
b = b1.1

[link]
a = b1.2
b = b2.1

[link]
a = b1.3
b = b2.2

[scenario]
at 1s = ping a 10.0.0.99 count=1
at 4s = expect b1.1.rx_frames >= 1
at 5s = quit
EOF
port=$(port)
"$QNETSIM" --headless --monitor "tcp:127.0.0.1:$port" "$tmp/storm.ini" > "$tmp/storm.out" 2>&1 &
spid=$!
for _ in $(seq 40); do "$QNETSIM" ctl "tcp:127.0.0.1:$port" echo up > /dev/null 2>&1 && break; sleep 0.05; done
(
	exec 3<> "/dev/tcp/127.0.0.1/$port"
	echo "capture b1.2 -" >&3
	sleep 30
) &
deaf=$!
wait "$spid"
src=$?
kill "$deaf" 2> /dev/null
dropped=$(sed -n 's/.*b1.2: the live capture.s reader went: [0-9]* frames sent, \([0-9]*\) dropped.*/\1/p' "$tmp/storm.out")
if [ "$src" = 0 ] && [ "${dropped:-0}" -gt 0 ]; then
	ok "a live capture's reader that never reads: the run passes, $dropped frames dropped and counted"
else
	not_ok "slow reader (qnetsim $src, dropped '${dropped:-}')"; tail -20 "$tmp/storm.out" > "$tmp/storm.tail"; show "$tmp/storm.tail"
fi

# ---- 4. the extcap program ----------------------------------------------------
# Wireshark 4.0 looks in ~/.config/wireshark/extcap, later ones in
# ~/.local/lib/wireshark/extcap: make install-extcap fills both.
home=$tmp/home
mkdir -p "$home" "$tmp/run"
make -s install-extcap EXTCAP_DIR="$home/.config/wireshark/extcap" BUILD="$(dirname "$QNETSIM")" \
	> /dev/null 2>&1 ||
	{ mkdir -p "$home/.config/wireshark/extcap" &&
	  sed "s|@QNETSIM@|$(cd "$(dirname "$QNETSIM")" && pwd)/$(basename "$QNETSIM")|" \
		scripts/qnetsim-extcap.in > "$home/.config/wireshark/extcap/qnetsim-extcap" &&
	  chmod 755 "$home/.config/wireshark/extcap/qnetsim-extcap"; }
topo 10 > "$tmp/ext.ini"
sed -i 's/^at 2s = ping/at 4s = ping/' "$tmp/ext.ini"
QNETSIM_RUNTIME_DIR=$tmp/run "$QNETSIM" --headless --monitor auto "$tmp/ext.ini" > "$tmp/ext.out" 2>&1 &
epid=$!
for _ in $(seq 40); do [ -S "$tmp/run/$epid.sock" ] && break; sleep 0.05; done
ext=$home/.config/wireshark/extcap/qnetsim-extcap
QNETSIM_RUNTIME_DIR=$tmp/run "$ext" --extcap-interfaces > "$tmp/ext.ifs" 2>&1
"$ext" --extcap-dlts --extcap-interface "qnetsim-$epid-sw.1" > "$tmp/ext.dlts" 2>&1
"$ext" --extcap-config --extcap-interface "qnetsim-$epid-sw.1" > "$tmp/ext.config" 2>&1
crc=$?
if grep -q "^extcap {version=" "$tmp/ext.ifs" &&
   grep -q "^interface {value=qnetsim-$epid-sw.1}{display=qnetsim sw.1 (pid $epid)}" "$tmp/ext.ifs" &&
   grep -q "^dlt {number=1}{name=EN10MB}{display=Ethernet}" "$tmp/ext.dlts" && [ "$crc" = 0 ]; then
	ok "extcap: --extcap-interfaces lists the running qnetsim's ports, --extcap-dlts Ethernet"
else
	not_ok "extcap answers"; show "$tmp/ext.ifs"; show "$tmp/ext.dlts"; show "$tmp/ext.config"
fi
HOME=$home QNETSIM_RUNTIME_DIR=$tmp/run tshark -D > "$tmp/ext.D" 2>&1
if grep -q "qnetsim-$epid-sw.1 (qnetsim sw.1 (pid $epid))" "$tmp/ext.D"; then
	ok "extcap: tshark -D lists qnetsim's ports"
else
	not_ok "extcap: tshark -D"; show "$tmp/ext.D"
fi
HOME=$home QNETSIM_RUNTIME_DIR=$tmp/run timeout 30 tshark -i "qnetsim-$epid-sw.1" -a duration:6 \
	-T fields -E occurrence=f -e frame.interface_name -e frame.comment \
	> "$tmp/ext.cap" 2> "$tmp/ext.err"
wait "$epid"
erc=$?
if [ "$erc" = 0 ] && grep -q "^sw.1	#[0-9]* forwarded -> sw.2" "$tmp/ext.cap"; then
	ok "extcap: tshark -i qnetsim-PID-sw.1 captures the ping live ($(wc -l < "$tmp/ext.cap") packets)"
else
	not_ok "extcap: tshark -i (qnetsim $erc)"; show "$tmp/ext.cap"; show "$tmp/ext.err"; show "$tmp/ext.out"
fi

echo "# capture: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
