#!/usr/bin/env bash
# The frame decoder (src/app/decode.c) against tshark, on the same frames.
#
# Frames: the pcaps of shipped topologies that carry every layer the
# decoder knows (ARP, ICMP and its errors, 802.1Q, STP, DHCP), of
# tests/decode/hosts.ini (TCP, UDP, a DNS query) and the hand-made frames
# of tests/decode/frames.txt (DNS answers, TCP options, ...), through
# text2pcap. Every line qnetsim shows for a frame must be a line tshark
# shows for it, over the same bytes (pos and size in tshark's PDML), in
# the same words: equal, or tshark's followed by its own " [...]" or
# ", ..." (a checksum's "[correct]", the relative sequence numbers TCP's
# line adds). A trailer of 4 bytes after 60 is Wireshark's guess of an
# FCS (qnetsim's frames carry none). "Data (N bytes)" stands for bytes
# qnetsim does not decode: tshark must decode something from their start.
set -u
. "$(dirname "$0")/../lib.sh"
DECODE=${DECODE:-./build/tests/decode/decode_pcap}
tmp=$(mktemp -d /tmp/qnetsim-decode.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! command -v tshark > /dev/null || ! command -v text2pcap > /dev/null; then
	echo "not ok - tshark and text2pcap are needed (scripts/install-deps)"
	exit 1
fi

for t in topologies/bridge-basics.ini topologies/router-on-a-stick.ini \
	 topologies/bridge-loop-stp.ini topologies/seed003-user-net.ini tests/decode/hosts.ini; do
	name=$(basename "$t" .ini)
	mkdir -p "$tmp/$name"
	if "$QNETSIM" --headless -q --seed 7 --pcap-dir "$tmp/$name" "$t" > "$tmp/$name.out" 2>&1; then
		ok "$name runs"
	else
		not_ok "$name runs"; show "$tmp/$name.out"
	fi
done
# One frame per "#" block of frames.txt, as text2pcap reads hex dumps.
if text2pcap -q tests/decode/frames.txt "$tmp/frames.pcap" 2> "$tmp/t2p.err"; then
	ok "text2pcap reads tests/decode/frames.txt"
else
	not_ok "text2pcap reads tests/decode/frames.txt"; show "$tmp/t2p.err"
fi

# tshark's lines: FRAME TAB POS TAB SIZE TAB SHOWNAME, from its PDML.
pdml() {
	tshark -n -o tcp.relative_sequence_numbers:TRUE -r "$1" -T pdml 2> /dev/null | awk '
	function attr(name,   m) {
		if (!match($0, " " name "=\"[^\"]*\"")) return ""
		m = substr($0, RSTART + length(name) + 3, RLENGTH - length(name) - 4)
		gsub(/&quot;/, "\"", m); gsub(/&lt;/, "<", m); gsub(/&gt;/, ">", m)
		gsub(/&#x27;/, "\047", m); gsub(/&apos;/, "\047", m); gsub(/&amp;/, "\\&", m)
		return m
	}
	/<packet>/ { n++ }
	/<(proto|field) / { s = attr("showname"); if (s == "") s = attr("show")
		print n "\t" attr("pos") "\t" attr("size") "\t" s }'
}

# Holds one pcap's decoding against tshark's: prints the lines that do
# not match and, last, "checked N layers L".
check() {
	pdml "$1" > "$tmp/pdml"
	"$DECODE" "$1" > "$tmp/ours"
	awk -F'\t' '
	FNR == NR { k = $1 SUBSEP $2 SUBSEP $3; t[k] = t[k] "\001" $4; at[$1 SUBSEP $2] = 1; next }
	{
		k = $1 SUBSEP $2 SUBSEP $3; txt = $5; found = 0
		if (txt ~ /^Data \([0-9]+ bytes\)$/) found = (($1 SUBSEP $2) in at)
		else if (k in t) {
			n = split(substr(t[k], 2), cand, "\001")
			for (i = 1; i <= n && !found; i++) {
				c = cand[i]
				if (c == txt) found = 1
				# 4 bytes after a 60-byte frame: Wireshark guesses an FCS.
				else if (txt ~ /^Trailer: [0-9a-f]+$/ && length(txt) == 17 &&
					 c == "Frame check sequence: 0x" substr(txt, 10) " [unverified]") found = 1
				else if (index(c, txt) == 1) {
					rest = substr(c, length(txt) + 1)
					if (rest ~ /^ \[/ || rest ~ /^, /) found = 1
				}
			}
		}
		if (!found) { bad++; print "frame " $1 " @" $2 "+" $3 ": " txt }
		checked++
		if ($4 == 0) { sub(/[ ,(].*/, "", txt); layers[txt] = 1 }
	}
	END {
		s = ""; for (l in layers) s = s " " l
		print "checked " checked + 0 " layers" s
		exit bad > 0
	}' "$tmp/pdml" "$tmp/ours"
}

all=""
# tests/data: frames real peers made (QEMU's iPXE, Linux's stack and bridge).
for p in "$tmp"/*/*.pcap "$tmp/frames.pcap" tests/data/*.pcap; do
	[ -f "$p" ] || continue
	if check "$p" > "$tmp/check" 2>&1; then
		ok "decode == tshark: ${p#"$tmp"/} ($(tail -1 "$tmp/check" | cut -d' ' -f2) lines)"
	else
		not_ok "decode == tshark: ${p#"$tmp"/}"; head -20 "$tmp/check" | sed 's/^/    | /'
	fi
	all="$all $(tail -1 "$tmp/check" | cut -d' ' -f4-)"
done
# The test can fail: every layer the decoder knows was among the frames.
for l in Ethernet IEEE Logical-Link Spanning 802.1Q Address Internet User Transmission \
	 Dynamic Domain; do
	case " $all " in
	*" $l "*) ok "layer $l decoded and checked" ;;
	*) not_ok "layer $l never decoded: the frames above lack it" ;;
	esac
done

echo "# decode: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
