#!/bin/sh
# demo.sh SETUPLINK DIR: make a demo home with a few drafts (once), so
# that make run opens the interface on something to look at.
set -eu
sl=$1 dir=$2
export SETUPLINK_HOME="$dir"
if [ ! -f "$dir/setuplink.conf" ]; then
	"$sl" init --workspace "Demo Workspace" \
	    --admin "Demo Admin <admin@demo.example>" \
	    --intake setup@demo.example >/dev/null
	id=$("$sl" draft new postgres --name "Billing database")
	"$sl" draft set "$id" host=db.billing.example dbname=billing user=reader
	id=$("$sl" draft new bigquery --name "Marketing warehouse")
	"$sl" draft set "$id" project_id=acme-marketing 2>/dev/null || true
	id=$("$sl" draft new hubspot --name "CRM")
	id=$("$sl" draft new sftp --name "Partner drop box")
	"$sl" draft set "$id" host=sftp.partner.example
	echo "demo home created in $dir"
fi
"$sl" draft list
