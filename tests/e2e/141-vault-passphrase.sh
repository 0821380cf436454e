#!/bin/sh
# 141-vault-passphrase.sh: `setuplink vault passphrase` protects the vault
# key; then --reveal, export, quarantine show and retry ask for it on the
# terminal without echo (driven through tmux) or read
# SETUPLINK_VAULT_PASSPHRASE_FILE; a wrong one is 77 with a clear
# sentence; the intake accepts, seals and answers replies without it.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

init_home || exit 1
cleanup_add "gpgconf --homedir '$H/gnupg' --kill all"
sl draft new postgres --name Prod; D=$(cat "$T/out")
sl draft set "$D" host=db.example password=Before-Pass-11
PASS='correct horse battery'

# ---- setting it (one line on stdin when it is not a terminal)
printf '%s\n' "$PASS" >"$T/newpass"
sl_in "$T/newpass" vault passphrase
expect_rc 0 "vault passphrase from standard input"
check "... it says what changes" contains "$T/out" "ask for it"
check "the key file no longer holds the private key in the clear" \
    sh -c '! grep -q "^secret " "$1"' - "$H/vault.key"
check "... but Argon2id settings and the sealed key" \
    sh -c 'grep -q "^argon2id " "$1" && grep -q "^sealed " "$1"' - "$H/vault.key"
check "... still 0600" [ "$(stat -c %a "$H/vault.key")" = 600 ]
sl_in /dev/null vault passphrase
expect_rc 77 "changing it again needs the current one (none to be had: 77)"

# ---- without a terminal or a file: 77, nothing printed
sl draft export "$D"
expect_rc 77 "export without the passphrase: 77"
check "... the sentence names SETUPLINK_VAULT_PASSPHRASE_FILE" \
    contains "$T/err" SETUPLINK_VAULT_PASSPHRASE_FILE
check "... nothing on stdout" [ ! -s "$T/out" ]
sl draft show "$D" --reveal
expect_rc 77 "draft show --reveal without it: 77"
sl draft show "$D"
expect_rc 0 "draft show (masked) needs no passphrase"
check "... and shows the non-secret values" contains "$T/out" db.example

# ---- from the file
printf 'not it\n' >"$T/wrong"
SETUPLINK_VAULT_PASSPHRASE_FILE=$T/wrong sl draft export "$D"
expect_rc 77 "a wrong passphrase: exit 77"
check "... with a clear sentence" contains "$T/err" "wrong vault passphrase"
check "... and nothing on stdout" [ ! -s "$T/out" ]
printf '%s\n' "$PASS" >"$T/right"
SETUPLINK_VAULT_PASSPHRASE_FILE=$T/right sl draft export "$D"
expect_rc 0 "the right passphrase from the file"
check "... opens the secret" contains "$T/out" Before-Pass-11

# ---- the intake needs none: it seals and answers
new_link "$D" --fields password || exit 1
reply "$T/r1.eml" <<EOF
password: Replied-Pass-22
EOF
n0=$(outbox_n)
intake "$T/r1.eml"
expect_rc 0 "the intake runs without the passphrase"
expect_log accepted null "... and accepts the reply"
check "... and queues the receipt" [ "$(outbox_n)" -eq $((n0 + 1)) ]
check "the merged value is sealed in the database" \
    sh -c '! grep -qaF Replied-Pass-22 "$1"/setuplink.db*' - "$H"
new_link "$D" --fields password --require signed || exit 1
reply "$T/r2.eml" <<EOF
password: Quarantined-Pass-33
EOF
intake "$T/r2.eml"
expect_log rejected policy "a rejected reply without the passphrase"
QID=$(log0 "e['id']")
check "... kept sealed in quarantine" \
    sh -c '! grep -rqaF Quarantined-Pass-33 "$1/quarantine"' - "$H"
SETUPLINK_VAULT_PASSPHRASE_FILE=$T/right sl draft show "$D" --json --reveal
check "with the passphrase the merged value opens" contains "$T/out" Replied-Pass-22
sl quarantine show "$QID"
expect_rc 77 "quarantine show without it: 77"
SETUPLINK_VAULT_PASSPHRASE_FILE=$T/wrong sl quarantine retry "$QID"
expect_rc 77 "quarantine retry with a wrong one: 77"
SETUPLINK_VAULT_PASSPHRASE_FILE=$T/right sl quarantine show "$QID"
check "quarantine show with it prints the message" \
    contains "$T/out" Quarantined-Pass-33

# ---- on a terminal: asked without echo
cat >"$T/run.sh" <<EOF
#!/bin/sh
"$SETUPLINK" draft export "$D" >"$T/tty.out" 2>"$T/tty.err"
echo "exit \$?" >>"$T/tty.err"
EOF
tmux_start exp 80 24 sh "$T/run.sh"
tmux_wait exp "Vault passphrase:" || not_ok "the prompt did not appear"
tmux_keys exp -l "$PASS"
sleep 0.3
tmux_screen exp >"$T/screen1"
tmux_keys exp Enter
sleep 1
for i in 1 2 3 4 5 6 7 8 9 10; do
	grep -q "^exit" "$T/tty.err" 2>/dev/null && break
	sleep 1
done
check "the terminal asks for the vault passphrase" contains "$T/screen1" "Vault passphrase:"
check "... without echoing what is typed" lacks "$T/screen1" "$PASS"
check "... and the export then prints the secret" contains "$T/tty.out" Replied-Pass-22
check "... exit 0" contains "$T/tty.err" "exit 0"

cat >"$T/run2.sh" <<EOF
#!/bin/sh
"$SETUPLINK" quarantine show "$QID" >"$T/tty2.out" 2>"$T/tty2.err"
echo "exit \$?" >>"$T/tty2.err"
EOF
tmux_start qs 80 24 sh "$T/run2.sh"
tmux_wait qs "Vault passphrase:" || not_ok "no prompt for quarantine show"
tmux_keys qs -l "wrong one"
tmux_keys qs Enter
for i in 1 2 3 4 5 6 7 8 9 10; do
	grep -q "^exit" "$T/tty2.err" 2>/dev/null && break
	sleep 1
done
check "a wrong passphrase typed: exit 77" contains "$T/tty2.err" "exit 77"
check "... saying it is wrong" contains "$T/tty2.err" "wrong vault passphrase"
check "... and printing nothing" [ ! -s "$T/tty2.out" ]

# ---- changing it on a terminal: asked twice, a mismatch changes nothing
cp "$H/vault.key" "$T/key.before"
cat >"$T/run3.sh" <<EOF
#!/bin/sh
SETUPLINK_VAULT_PASSPHRASE_FILE=$T/right "$SETUPLINK" vault passphrase >"$T/tty3.out" 2>"$T/tty3.err"
echo "exit \$?" >>"$T/tty3.err"
EOF
tmux_start vp 80 24 sh "$T/run3.sh"
tmux_wait vp "New vault passphrase:" || not_ok "no prompt for the new passphrase"
tmux_keys vp -l "one thing"
tmux_keys vp Enter
tmux_wait vp "The same again:" || not_ok "not asked twice"
tmux_keys vp -l "another"
tmux_keys vp Enter
for i in 1 2 3 4 5 6 7 8 9 10; do
	grep -q "^exit" "$T/tty3.err" 2>/dev/null && break
	sleep 1
done
check "two different passphrases: refused" contains "$T/tty3.err" "exit 64"
check "... and the key file is unchanged" cmp -s "$T/key.before" "$H/vault.key"

# ---- the interface: asked once a run, below the interface, no echo
export LC_ALL=C.UTF-8
rm -f "$T/tui.status"
tmux_start tui 80 24 sh -c 'env "$@"; echo $? >"$0"' "$T/tui.status" \
    LC_ALL=C.UTF-8 TERM=screen-256color SETUPLINK_HOME="$H" "$SETUPLINK"
tmux_wait tui "Prod" || not_ok "the interface did not start"
tmux_keys tui Enter; sleep 0.3
tmux_wait tui "Draft $D: Prod" || not_ok "the draft did not open"
tmux_keys tui j j j j; sleep 0.3
tmux_keys tui r; sleep 0.3
tmux_keys tui y
check "the interface's reveal asks for the vault passphrase" \
    tmux_wait tui "Vault passphrase:"
tmux_keys tui -l "$PASS"; sleep 0.3
tmux_screen tui >"$T/tui1"
check "... without echo" lacks "$T/tui1" "$PASS"
tmux_keys tui Enter
check "... then shows the value" tmux_wait tui Replied-Pass-22
tmux_keys tui h
check "the history, in clear, asks no second time" tmux_wait tui Before-Pass-11
tmux_screen tui >"$T/tui2"
check "... (no second question)" lacks "$T/tui2" "Vault passphrase:"
tmux_keys tui q; sleep 0.3; tmux_keys tui q; sleep 0.3; tmux_keys tui q

# ---- --remove
SETUPLINK_VAULT_PASSPHRASE_FILE=$T/right sl vault passphrase --remove
expect_rc 0 "vault passphrase --remove"
sl draft export "$D"
expect_rc 0 "then export needs no passphrase"
check "... and opens the secret" contains "$T/out" Replied-Pass-22

done_testing
