# lib.sh: what the benchmarks share: a private home, a clock in
# milliseconds, a median, and a line saying what the figures ran on.
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${SETUPLINK:=$TOP/${BUILD:-build}/setuplink}"
B=$(mktemp -d /tmp/slb.XXXXXX)
trap 'rm -rf "$B"' EXIT
export SETUPLINK_HOME=$B/home

ms() { date +%s%N | cut -c1-13; }
# median of the numbers on stdin
median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
machine() {
	echo "# on $(nproc) cores, $(awk '/model name/{$1=$2=$3="";print;exit}' /proc/cpuinfo | sed 's/^ *//'), $(uname -sr)"
}
bench_home() {
	"$SETUPLINK" init --workspace Bench --admin "Bench <b@bench.example>" \
	    --intake setup@bench.example >/dev/null
}
