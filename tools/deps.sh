#!/bin/sh
# deps.sh: install the Debian packages setuplink needs to build (and, with
# "check", to test), or print the command when not root.  Idempotent: it
# asks dpkg first and only calls apt-get for what is missing.
set -u
build="build-essential pkg-config libncurses-dev libetpan-dev libgpgme-dev
libsqlite3-dev libcurl4-gnutls-dev libssl-dev libjansson-dev libxml2-dev
libinih-dev libsodium-dev libpq-dev libssh-dev libmariadb-dev gnupg gpg-agent"
check="libcmocka-dev procmail fetchmail dovecot-imapd dovecot-pop3d
python3-aiosmtpd mutt tmux sqlite3 openssl ca-certificates file fiu-utils
libfiu-dev cppcheck man-db zsh dpkg-dev debhelper openssh-client
postgresql openssh-server mariadb-server libpq5 libssh-4 libmariadb3 python3-yaml
postfix strace python3-authlib iproute2"
fuzz="clang libclang-rt-14-dev"

want=$build
for arg in "$@"; do
	case $arg in
	check) want="$want $check" ;;
	fuzz) want="$want $fuzz" ;;
	esac
done

missing=
for p in $want; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case $s in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "setuplink needs these Debian packages:$missing" >&2
	echo "Install them with: sudo apt-get update && sudo $cmd" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null && $cmd -q >/dev/null || {
	echo "deps: apt-get failed; run: apt-get update && $cmd" >&2
	exit 1
}
