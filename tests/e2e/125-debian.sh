# 125-debian.sh: debian/ is what a Debian maintainer would start from:
# dpkg-buildpackage -us -uc builds a package from a copy of the tree, the
# package installs with dpkg -i, the installed program runs (a home, a
# draft, a signed setup email), finds its man page, completion and
# connectors under /usr, ships the systemd units without enabling them,
# and dpkg -P removes it.  (DEB_BUILD_OPTIONS=noopt only to spare CPU.)
. "$(dirname "$0")/../lib.sh"

if ! command -v dpkg-buildpackage >/dev/null 2>&1 ||
    ! dpkg-query -W -f='${Status}' debhelper 2>/dev/null | grep -q 'ok installed'; then
	not_ok "dpkg-dev and debhelper are needed (tools/deps.sh check installs them)"
	done_testing
fi

src=$T/src/setuplink
mkdir -p "$src"
# The tree as a fresh clone has it (tracked and new files, no build/).
(cd "$TOP" && git ls-files -co --exclude-standard | grep -v '^build' |
    tar -cf - -T -) | tar -xf - -C "$src"
(cd "$src" && DEB_BUILD_OPTIONS="noopt parallel=2" dpkg-buildpackage -us -uc) \
    >"$T/build.log" 2>&1
rc=$?
deb=$(ls "$T"/src/setuplink_*_*.deb 2>/dev/null | head -1)
check "dpkg-buildpackage -us -uc builds a package (exit $rc: $(tail -3 "$T/build.log"))" \
    sh -c "[ $rc -eq 0 ] && [ -f '$deb' ]"
check "the build did not run tools/deps.sh (Build-Depends did its work)" \
    lacks "$T/build.log" "deps: installing"
dpkg-deb -I "$deb" >"$T/info" 2>&1
check "the package depends on what is dlopen'd (libcurl, libxml2) and gnupg" \
    sh -c "grep -q 'Depends:.*libcurl3-gnutls' '$T/info' && grep -q 'Depends:.*libxml2' '$T/info' && grep -q 'Depends:.*gnupg' '$T/info'"
dpkg-deb -c "$deb" >"$T/files"
for f in ./usr/bin/setuplink ./usr/share/man/man1/setuplink.1.gz \
    ./usr/share/man/man5/setuplink.conf.5.gz \
    ./usr/share/setuplink/connectors/postgres.json \
    ./usr/share/bash-completion/completions/setuplink \
    ./usr/share/zsh/vendor-completions/_setuplink \
    ./lib/systemd/system/setuplink-remind.timer; do
	check "the package holds $f" grep -q " $f\$" "$T/files"
done

if dpkg-query -W -f='${Status}' setuplink 2>/dev/null | grep -q 'ok installed'; then
	not_ok "a setuplink package is installed already: not installing over it"
	done_testing
fi
cleanup_add "dpkg -P setuplink >/dev/null 2>&1"
dpkg -i "$deb" >"$T/install.log" 2>&1
rc=$?
check "dpkg -i installs it (exit $rc: $(tail -2 "$T/install.log"))" test "$rc" -eq 0
check "the installed program runs" sh -c '/usr/bin/setuplink --version | grep -q "^setuplink "'
SETUPLINK=/usr/bin/setuplink
init_home || not_ok "the installed program makes a home"
sl draft new postgres --name "Packaged"
expect_rc 0 "the installed program makes a draft"
sl link create 1 --to it@client.example
expect_rc 0 "the installed program signs and queues a setup email"
check "man finds the installed page" sh -c 'man -w setuplink 2>/dev/null | grep -q /usr/share/man/man1/setuplink.1'
check "the units are installed but not enabled" sh -c \
    "[ -f /lib/systemd/system/setuplink-remind.timer ] && ! ls /etc/systemd/system/*.wants/setuplink* >/dev/null 2>&1"
dpkg -P setuplink >"$T/purge.log" 2>&1
check "dpkg -P removes it" sh -c "[ ! -e /usr/bin/setuplink ] && [ ! -e /usr/share/setuplink/connectors/postgres.json ]"

done_testing
