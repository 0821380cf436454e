# 021-concurrent.sh: four writers at once, 200 draft set each, on one
# draft: no write lost, no error reported.
# store: both
. "$(dirname "$0")/../lib.sh"
init_home || exit 1
id=$("$SETUPLINK" draft new postgres --name Busy)

writer() {	# key
	i=0
	while [ $i -lt 200 ]; do
		"$SETUPLINK" draft set "$id" "$1=v$i" 2>>"$T/errors.$1" ||
		    echo "exit $? at $i" >>"$T/errors.$1"
		i=$((i + 1))
	done
}
for k in host dbname user password; do
	writer $k &
done
wait
check "no writer reported an error" sh -c "! cat '$T'/errors.* | grep -q ."
for k in host dbname user password; do
	n=$(store_sql "SELECT count(*) FROM field_values WHERE draft = $id AND key = '$k'")
	check "all 200 writes of $k are in the history ($n)" test "$n" -eq 200
done
sl draft show "$id" --json --reveal
check "each field holds its last write" test "$(json '[f["value"] for f in d["fields"] if f["key"] in ("host","dbname","user","password")]')" = "['v199', 'v199', 'v199', 'v199']"

done_testing
