# What the test scripts (regress, tui, interop) share, sourced after
# `set -u`: the programs under test, the tree's top (the scripts run from
# there), TAP-style results and small helpers. Each script makes its own
# $tmp and cleanup trap.
QNETSIM=${QNETSIM:-./qnetsim}
QPEER=${QPEER:-./build/tests/interop/qpeer}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
show() { sed 's/^/    | /' "$1"; }
# check_run WHAT COMMAND...: ok if the command succeeds.
check_run() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# A free TCP port on 127.0.0.1.
port() { "$QPEER" freeport; }
# waitlog FILE TEXT [SECONDS]: true once FILE has TEXT (within 5 s, or SECONDS).
waitlog() {
	for _ in $(seq $((${3:-5} * 20))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
cd "$top" || exit 1
