# 121-install.sh: make install puts the binary, the man pages, the
# connectors and the completions under PREFIX, and the installed program
# reads PREFIX/share/setuplink/connectors; make uninstall takes back what
# install wrote; make install-systemd writes units systemd accepts;
# bash and zsh complete commands, options, ids and connector keys.
. "$(dirname "$0")/../lib.sh"

p=$T/p
make -C "$TOP" SANITIZE= BUILD="$BUILD" PREFIX="$p" install >"$T/make.out" 2>&1
check "make install exits 0 ($(tail -2 "$T/make.out"))" test -x "$p/bin/setuplink"
for f in share/man/man1/setuplink.1 share/man/man5/setuplink.conf.5 \
    share/setuplink/connectors/postgres.json \
    share/setuplink/contrib/procmailrc \
    share/bash-completion/completions/setuplink \
    share/zsh/site-functions/_setuplink; do
	check "make install wrote $f" test -f "$p/$f"
done
find "$p" -type f | sort >"$T/installed"

# ---- installed connectors are read, between the shipped and the home's
SL=$p/bin/setuplink
init_home || exit 1
cd_c=$p/share/setuplink/connectors
sed 's/"name": *"PostgreSQL"/"name": "PostgreSQL (site)"/' \
    "$TOP/contrib/connectors/postgres.json" >"$cd_c/postgres.json"
/usr/bin/python3 - "$TOP/contrib/connectors/postgres.json" \
    "$cd_c/acme_api.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["key"], c["name"] = "acme_api", "Acme Internal API"
json.dump(c, open(sys.argv[2], "w"))
EOF
"$SL" connectors >"$T/out" 2>"$T/err"
check "an installed connector file adds a connector" contains "$T/out" "Acme Internal API"
check "an installed connector file replaces the shipped one" contains "$T/out" "PostgreSQL (site)"
"$SETUPLINK" connectors >"$T/out" 2>&1
check "a binary elsewhere does not read that tree" lacks "$T/out" "Acme Internal API"
mkdir -p "$H/connectors"
sed 's/"name": *"PostgreSQL"/"name": "PostgreSQL (home)"/' \
    "$TOP/contrib/connectors/postgres.json" >"$H/connectors/postgres.json"
"$SL" connectors >"$T/out" 2>&1
check "the home's definition wins over the installed one" contains "$T/out" "PostgreSQL (home)"
"$SL" draft new acme_api --name "Internal" >"$T/out" 2>"$T/err"
check "a draft can use an installed connector" grep -qx '[0-9]*' "$T/out"
"$SL" draft rm "$(cat "$T/out")" >/dev/null 2>&1
echo '{"key": "broken"' >"$cd_c/broken.json"
"$SL" connectors >"$T/out" 2>"$T/err"; rc=$?
check "a broken installed definition is exit 78 naming its file" \
    sh -c "[ $rc -eq 78 ] && grep -q 'broken.json' '$T/err'"
rm -f "$cd_c/broken.json"
sed 's/"key": *"postgres"/"key": "pg_site"/' \
    "$TOP/contrib/connectors/postgres.json" >"$cd_c/postgres.json"
"$SL" connectors >"$T/out" 2>"$T/err"; rc=$?
check "an installed file named for another key is exit 78 naming it and the fix" \
    sh -c "[ $rc -eq 78 ] && grep -q 'postgres.json defines \"pg_site\"' '$T/err' &&
    grep -q 'rename it pg_site.json' '$T/err'"
rm -f "$cd_c/acme_api.json"

# ---- the intake reads the one installed definition its draft is for:
# not the 25 others (a millisecond each), not a broken one of another
# connector; and its rules hold (the site's port range here)
. "$TOP/tests/fixtures/replies/intake.sh"
/usr/bin/python3 - "$TOP/contrib/connectors/postgres.json" \
    "$cd_c/postgres.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["name"] = "PostgreSQL (site)"
for f in c["fields"]:
    if f["key"] == "port":
        f["max"] = 10000
json.dump(c, open(sys.argv[2], "w"))
EOF
H_MAIN=$H SL_BUILT=$SETUPLINK
H=$T/h-site SETUPLINK=$SL
export SETUPLINK_HOME=$H
init_home || exit 1
sl draft new postgres --name Site; D=$(cat "$T/out")
new_link "$D" || exit 1
echo '{"key": "broken"' >"$cd_c/broken.json"
reply "$T/site.eml" <<EOF
host: db.client.example
port: 20000
EOF
strace -f -e trace=openat,open -o "$T/site.strace" \
    "$SL" intake <"$T/site.eml" >"$T/out" 2>"$T/err"; rc=$?
check "the intake runs beside a broken installed definition of another connector (exit $rc: $(head -c 200 "$T/err"))" \
    [ "$rc" -eq 0 ]
grep -o 'share/setuplink/connectors/[^"]*\.json' "$T/site.strace" | sort -u >"$T/read"
check "the intake read its draft's installed definition and no other ($(tr '\n' ' ' <"$T/read"))" \
    [ "$(cat "$T/read")" = share/setuplink/connectors/postgres.json ]
rm -f "$cd_c/broken.json"
expect_log rejected invalid "the installed definition's rules hold (port over its max 10000)"
check "so the port was not merged ($(field "$D" port))" [ "$(field "$D" port)" = 5432 ]
H=$H_MAIN SETUPLINK=$SL_BUILT
export SETUPLINK_HOME=$H
cp "$TOP/contrib/connectors/postgres.json" "$cd_c/postgres.json"

# ---- uninstall takes back every file install wrote, and only those
echo "mine" >"$p/share/setuplink/connectors/zz_local.json.orig"
make -C "$TOP" SANITIZE= BUILD="$BUILD" PREFIX="$p" uninstall >"$T/make.out" 2>&1
find "$p" -type f | sort >"$T/left"
check "make uninstall removes what install wrote ($(head -3 "$T/left"))" \
    test "$(cat "$T/left")" = "$p/share/setuplink/connectors/zz_local.json.orig"
check "make install had written files" test "$(wc -l <"$T/installed")" -gt 30
rm -f "$p/share/setuplink/connectors/zz_local.json.orig"
make -C "$TOP" SANITIZE= BUILD="$BUILD" PREFIX="$p" uninstall >/dev/null 2>&1
check "uninstall removes the empty share/setuplink folder" test ! -d "$p/share/setuplink"

# ---- systemd: the intake unit, and the timer for link remind
make -C "$TOP" SANITIZE= BUILD="$BUILD" PREFIX="$p" install install-systemd \
    >"$T/make.out" 2>&1
u=$p/lib/systemd/system
for f in setuplink-intake.service setuplink-remind.service setuplink-remind.timer; do
	check "install-systemd wrote $f" test -f "$u/$f"
done
check "the units run the installed binary" \
    grep -q "^ExecStart=$p/bin/setuplink link remind\$" "$u/setuplink-remind.service"
check "the timer starts the remind service" \
    grep -q '^Unit=setuplink-remind.service$' "$u/setuplink-remind.timer"
# link remind is another helper's command: the unit's syntax is checked
# here, not that the command exists.
if command -v systemd-analyze >/dev/null 2>&1; then
	(cd "$u" && systemd-analyze verify --man=no ./setuplink-remind.timer \
	    ./setuplink-remind.service ./setuplink-intake.service) >"$T/verify" 2>&1
	check "systemd-analyze verify accepts the units ($(head -3 "$T/verify"))" \
	    test ! -s "$T/verify"
else
	ok "systemd-analyze is not here: unit syntax not checked"
fi

# ---- bash completion, driven through its function as bash calls it
"$SL" draft new postgres --name "Billing DB" >/dev/null 2>&1
"$SL" draft new postgres --name "CRM DB" >/dev/null 2>&1
"$SL" link create 2 --to it@client.example >/dev/null 2>&1
cat >"$T/comp.bash" <<EOF
. "$p/share/bash-completion/completions/setuplink"
comp() {
	read -ra COMP_WORDS <<<"\$1"
	[[ \$1 == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_setuplink
	echo "\${COMPREPLY[*]}"
}
PATH=$p/bin:\$PATH
comp "setuplink "
comp "setuplink draft "
comp "setuplink draft show "
comp "setuplink draft show --"
comp "setuplink link create 1 --require "
comp "setuplink link revoke "
comp "setuplink draft new pos"
comp "setuplink --home $H link list --draft "
comp "setuplink draft set 2 db"
complete -p setuplink
EOF
env -u SETUPLINK_HOME bash "$T/comp.bash" >"$T/comp" 2>&1 &&
    SETUPLINK_HOME=$H bash "$T/comp.bash" >"$T/comp-env" 2>&1
line() { sed -n "${1}p" "$T/comp-env"; }
check "bash completes command groups ($(line 1))" \
    sh -c "echo '$(line 1)' | grep -q 'draft' && echo '$(line 1)' | grep -q 'quarantine'"
want=$("$SL" -h | sed -n 's/^  draft \([a-z]*\)  .*/\1/p' | tr '\n' ' ')
check "bash completes a group's subcommands ($(line 2))" \
    test "$(line 2)" = "${want% }"
check "... all of them (draft new ... export)" sh -c \
    "echo '$(line 2)' | grep -q '^new list show set rm export'"
check "bash completes draft ids ($(line 3))" test "$(line 3)" = "3 2"
check "bash completes a command's options ($(line 4))" \
    sh -c "echo '$(line 4)' | grep -q -- '--reveal' && echo '$(line 4)' | grep -q -- '--json'"
check "bash completes an option's choices ($(line 5))" test "$(line 5)" = "any signed encrypted signed+encrypted"
check "bash completes link ids ($(line 6))" test "$(line 6)" = "1"
check "bash completes connector keys ($(line 7))" test "$(line 7)" = "postgres"
check "bash reads ids from --home DIR ($(sed -n 8p "$T/comp"))" test "$(sed -n 8p "$T/comp")" = "3 2"
check "bash completes a draft's field keys for draft set ($(line 9))" test "$(line 9)" = "dbname="
check "the completion is registered for setuplink" grep -q 'complete -F _setuplink setuplink' "$T/comp-env"

# ---- and as typed: bash and zsh in tmux, Tab after a partial word
typed() {	# SHELL-COMMAND KEYS...: the line after Tab
	tmux -L "sl$$" kill-server 2>/dev/null
	_i=0	# a server just killed may still be going: start again
	until tmux -L "sl$$" new-session -d -x 100 -y 10 "$1" 2>/dev/null &&
	    tmux -L "sl$$" has-session 2>/dev/null; do
		[ $_i -ge 20 ] && break
		sleep 0.1; _i=$((_i + 1))
	done
	_i=0	# the prompt first, then the keys (zsh's compinit is slow
		# on a loaded machine)
	while [ $_i -lt 200 ] && ! tmux -L "sl$$" capture-pane -p 2>/dev/null |
	    grep -q '^[$%] $'; do
		sleep 0.1; _i=$((_i + 1))
	done
	tmux -L "sl$$" send-keys -l "$2"
	tmux -L "sl$$" send-keys Tab
	_i=0 _t=${2% }	# until Tab has changed the line (10 s at most)
	while [ $_i -lt 100 ]; do
		_l=$(tmux -L "sl$$" capture-pane -p | grep -v '^$' | tail -1)
		case $_l in *"$_t") ;; *) break ;; esac
		sleep 0.1; _i=$((_i + 1))
	done
	echo "$_l"
	tmux -L "sl$$" kill-server 2>/dev/null
}
cleanup_add "tmux -L sl$$ kill-server"
cat >"$T/bashrc" <<EOF
PS1='$ '
PATH=$p/bin:\$PATH
. "$p/share/bash-completion/completions/setuplink"
EOF
got=$(typed "bash --noprofile --rcfile $T/bashrc -i" "setuplink quarantine sh")
check "bash at a prompt completes 'quarantine sh' ($got)" \
    test "$got" = '$ setuplink quarantine show'
if command -v zsh >/dev/null 2>&1; then
	mkdir -p "$T/z"
	cat >"$T/z/.zshrc" <<EOF
fpath=($p/share/zsh/site-functions \$fpath)
autoload -Uz compinit && compinit -u -d $T/z/.zcompdump
PATH=$p/bin:\$PATH
PS1='%% '
EOF
	got=$(typed "ZDOTDIR=$T/z zsh -i" "setuplink link rev")
	check "zsh at a prompt completes 'link rev' ($got)" test "$got" = "% setuplink link revoke"
	got=$(typed "ZDOTDIR=$T/z zsh -i" "setuplink connector show postg")
	check "zsh completes a connector key ($got)" test "$got" = "% setuplink connector show postgres"
	got=$(typed "ZDOTDIR=$T/z zsh -i" "setuplink link revoke ")
	check "zsh completes a link id ($got)" test "$got" = "% setuplink link revoke 1"
	got=$(typed "ZDOTDIR=$T/z zsh -i" "setuplink draft set 2 passw")
	check "zsh completes a field key for draft set ($got)" test "$got" = "% setuplink draft set 2 password="
else
	not_ok "zsh is not installed (tools/deps.sh check installs it)"
fi

done_testing
