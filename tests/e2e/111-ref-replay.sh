#!/bin/sh
# 111-ref-replay.sh: a signed reply belongs to one link of one home.  Two
# homes each have a link 1; a reply that mutt signs for home A's link 1,
# replayed to home B's link 1, is rejected, since the REF on the form line
# (id, dash, eight characters from the token) differs.  Links made before
# the rule keep their REF (the id alone) and still work.
# store: both
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/services.sh"
. "$TOP/tests/fixtures/replies/intake.sh"

HA=$T/home HB=$T/homeb
use_home() { H=$1; export SETUPLINK_HOME=$1; }

RFPR=$(gpg_home "$T/r" "Bob Client" bob@client.example) || exit 1
gpg --homedir "$T/r" --armor --export "$RFPR" >"$T/r.asc"
for h in "$HA" "$HB"; do
	use_home "$h"
	init_home || exit 1
	cleanup_add "gpgconf --homedir '$h/gnupg' --kill all"
	sl key import "$T/r.asc"
	sl draft new postgres --name Prod
done

use_home "$HA"
new_link 1 --require signed || exit 1
LA=$LINK RA_A=$RA REF_A=$REF SETUP_A=$SETUP
use_home "$HB"
new_link 1 --require signed || exit 1
LB=$LINK RA_B=$RA REF_B=$REF
check "both homes have a link 1" [ "$LA/$LB" = 1/1 ]
check "its REF is the id, a dash and 8 base32 characters" \
    sh -c 'echo "$1" | grep -qxE "1-[a-z2-7]{8}"' - "$REF_A"
check "the two homes' link 1 have different REFs" [ "$REF_A" != "$REF_B" ]
check "the REF does not hold the token" \
    sh -c 'tok=${1#*+}; tok=${tok%@*}; ! echo "$tok" | grep -qF "${2#1-}"' - "$RA_A" "$REF_A"

# A signed answer to home A's setup email, made by mutt.
form_block "$SETUP_A" | sed 's/^host: *$/host: db.home-a.example/' >"$T/body"
mutt_sign_reply "$T/r" "$SETUP_A" "$T/body" "$T/signed.eml" || exit 1
check "(mutt signed the reply to home A)" \
    grep -q "^Content-Type: multipart/signed" "$T/signed.eml"

# Replayed to home B: only the address changes, the signed part is whole.
sed "s|$RA_A|$RA_B|g" "$T/signed.eml" >"$T/replay.eml"
use_home "$HB"
intake "$T/replay.eml"
expect_rc 0 "the replay into home B: exit 0"
expect_log rejected policy "... rejected (policy)"
check "... the detail names both REFs" \
    sh -c 'echo "$1" | grep -qF "answers link $2, not link $3"' - \
    "$(log0 "e['detail']")" "$REF_A" "$REF_B"
check "... nothing merged into home B" [ "$(field 1 host)" = null ]
check "... home B's link stays pending" [ "$(link_state 1)" = pending ]

use_home "$HA"
intake "$T/signed.eml"
expect_log accepted null "the same reply to home A is accepted"
check "... with its signer" [ "$(field 1 host signed_by)" = "$RFPR" ]

# ---- a link made before REFs carried a tag keeps its REF
use_home "$HB"
new_link 1 --require signed || exit 1
LOLD=$LINK
(H=$HB; store_sql "UPDATE links SET ref_tag = NULL WHERE id = $LOLD") ||
    not_ok "cannot make link $LOLD old"
printf '%s\n' "--- setup form for link $LOLD: keep the names left of the colons ---" \
    "user: old_style" "--- end of setup form ---" >"$T/body2"
$PY "$FIX/pgpmime.py" sign --home "$T/r" --from bob@client.example \
    --to "$RA" --body "$T/body2" --sign "$RFPR" >"$T/old.eml"
intake "$T/old.eml"
expect_log accepted null "an old link accepts a signed reply with its id alone"
check "... signed" [ "$(field 1 user signed_by)" = "$RFPR" ]

done_testing
