/* cmd-skills.c: setuplink skills: this workflow as Markdown for AI agents,
 * generated from the command table and the catalog so it cannot drift
 * from what the program does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

static int	cmd_skills(struct session *, const struct args *, char **);

const struct cmd_entry cmd_skills_entry = {
	.name = "skills",
	.args = { "", 0, 0, "skills takes no arguments" },
	.help = "this workflow as Markdown for AI agents",
	.session = SESSION_CATALOG,
	.exec = cmd_skills,
};

static void
commands(void)
{
	size_t i;

	printf("## Commands\n\nEvery command takes `--home DIR` (else "
	    "`$SETUPLINK_HOME`, else\n`${XDG_DATA_HOME:-~/.local/share}/"
	    "setuplink`). Errors are one sentence on\nstderr; on an error "
	    "stdout stays empty.  `setuplink GROUP -h` (draft, link,\n"
	    "outbox, quarantine, key) lists a group's commands; "
	    "`setuplink COMMAND -h`\ndescribes each option.\n\n");
	for (i = 0; i < cmd_table_size; i++) {
		const struct cmd_entry *e = cmd_table[i];
		char *syn = cmd_synopsis(e);
		printf("- `setuplink %s%s%s`: %s.\n", e->name,
		    *syn != '\0' ? " " : "", syn, e->help);
		free(syn);
	}
	printf("\n");
}

static void
connectors(const struct catalog *cat)
{
	size_t i, j;

	printf("## Connectors\n\n`setuplink connector show KEY --json` gives "
	    "every field. Keys and\nrequired fields (methods in brackets):\n\n");
	for (i = 0; i < cat->n; i++) {
		const struct connector *c = &cat->v[i];
		printf("- `%s` (%s):", c->key, c->name);
		for (j = 0; j < c->nfields; j++) {
			const struct field_def *f = &c->fields[j];
			if (!f->required)
				continue;
			printf(" `%s`%s%s%s", f->key, f->method ? " [" : "",
			    f->method ? f->method : "", f->method ? "]" : "");
		}
		if (c->oauth != NULL)
			printf("; sign-in by email: `%s: %s`", c->method_field,
			    c->oauth->method);
		for (j = 0; j < c->ntests; j++)
			printf("%s%s%s%s", j ? ", " : "; test: ",
			    conntest_kind_name(c->tests[j].kind),
			    c->tests[j].method ? " for " : "",
			    c->tests[j].method ? c->tests[j].method : "");
		printf("\n");
	}
	printf("\n");
}

/* OAuth sign-in by email, for connectors that declare it. */
static void
skills_oauth(void)
{
	printf("## OAuth sign-in by email\n\n"
	    "Connectors marked `sign-in by email` above (`connectors --json`:\n"
	    "`\"oauth\": true`) need no token made by hand: create the link "
	    "with the\nmethod and token fields (`--missing` does), and the "
	    "recipient replies\n`auth_method: oauth`; the intake mails them a "
	    "code, they sign in with the\nprovider in a browser, and the token "
	    "lands in the draft (source `kind`\n`oauth`, `from` the account "
	    "that signed in), the link used. Declined or\nexpired, they are "
	    "told and the link stays pending. The admin configures the\n"
	    "workspace's client once in `HOME/oauth/NAME.conf` (`client_id = "
	    "...`,\n`client_secret_file = ...` where the provider wants one; "
	    "NAME is\n`oauth.client` in `connector show KEY --json`); "
	    "setuplink(1) says how to\nregister one with each provider.\n\n");
}

/* Reacting to replies without polling: the webhook. */
static void
skills_events(void)
{
	printf("## Events\n\n"
	    "Rather than polling, set `webhook_url` and `webhook_secret_file` "
	    "in\n`setuplink.conf`: each event (`link_created`, `link_revoked`, "
	    "`merged`,\n`completed`, `rejected`, `bounced`, `expired`) is "
	    "POSTed as JSON `{\"id\", \"type\",\n\"at\", \"workspace\", "
	    "\"draft\", \"link\", \"fields\": [keys], \"detail\"}` with\n"
	    "`X-Setuplink-Signature: sha256=HMAC` of the body; check it, and "
	    "drop\nrepeats by `id` (delivery is at least once, in order). "
	    "`setuplink events\nlist --json` shows what waits and why; "
	    "`setuplink events flush` posts it now.\n\n");
}

static int
cmd_skills(struct session *ctx, const struct args *args, char **errstr)
{
	printf("# setuplink: collecting data-source credentials by email\n\n"
	    "Use setuplink to get connection settings (hosts, users, "
	    "passwords, API\ntokens, key files) for a data source from a "
	    "person outside the workspace.\nNever ask for a secret in chat: "
	    "create a draft, fill in what you know, and\nshare a setup "
	    "link; the recipient replies by email and the intake merges "
	    "the\nreply into the draft.\n\n");
	printf("## Workflow\n\n"
	    "1. `setuplink connectors --json`: pick the connector KEY.\n"
	    "2. `setuplink draft new KEY --name NAME`: prints the draft id.\n"
	    "3. `setuplink draft set ID key=value ...`: what you know. Put "
	    "secrets in\n   through `key=@FILE` or `key=@-` (stdin), never "
	    "inline in a command line.\n"
	    "4. `setuplink link create ID --to ADDRESS --missing`: emails a "
	    "reply form\n   for what is still missing; line 1 is the link id, "
	    "line 2 a mailto: URL\n   that may be pasted into a chat. With `--json`, "
	    "`\"delivery\": \"queued\"`\n   means the email waits in outbox/, "
	    "not sent: `setuplink outbox flush`\n   sends it (stderr says "
	    "how). On a shared store (PostgreSQL) the outbox and\n   the "
	    "quarantine are rows any host lists, shows and flushes.\n"
	    "5. Wait for the reply: `setuplink draft show ID --json` until "
	    "`status` is\n   `complete`; `setuplink log --json` says what "
	    "the intake did with each\n   message (`reason` codes: unknown_token, "
	    "expired, used, revoked, policy,\n   no_fields, invalid, duplicate, "
	    "auto_reply, bounce, loop, oversize,\n   unreadable).\n"
	    "6. `setuplink draft test ID --json`: try the values against the "
	    "service\n   (exit 0 they work, 69 refused, 75 not reached in "
	    "time, 65 incomplete);\n   an array of `{check, ok, detail}`, "
	    "never a value. After a merge the\n   intake tests on its own "
	    "(`test_on_merge`): read `test` in `draft show\n   --json`, and "
	    "its `fields` say what to ask the recipient for again.\n"
	    "7. `setuplink draft export ID --format env|json|pgpass|uri|dbt|k8s`:\n   the "
	    "values, for\n   the connector. This prints secrets: send it "
	    "straight where it is needed.\n   Secrets are stored sealed; "
	    "when `setuplink vault passphrase` has protected\n   the vault "
	    "key, give the passphrase in a file named by\n   "
	    "`SETUPLINK_VAULT_PASSPHRASE_FILE` (exit 77: wrong or missing "
	    "passphrase).\n\n");
	commands();
	skills_oauth();
	skills_events();
	printf("## JSON shapes\n\n"
	    "- `draft show ID --json`: `{\"id\", \"name\", \"connector\", "
	    "\"status\": \"complete\"|\"incomplete\",\n  \"missing\": [keys], "
	    "\"fields\": [{\"key\", \"value\", \"secret\", \"source\": "
	    "{\"kind\": \"admin\"|\"reply\"|\"oauth\",\n  \"from\", \"at\", \"link\", "
	    "\"signed_by\", \"encrypted\"}}]}`. A secret's value is "
	    "`\"********\"`\n  unless `--reveal`; a field never set has "
	    "`\"value\": null, \"source\": null`.\n  `\"test\"` is null "
	    "or the last credentials test: `{\"at\", \"ok\",\n  \"status\", "
	    "\"failure\", \"fields\": [keys to check], \"checks\", "
	    "\"stale\"}`.\n"
	    "- `draft list --json`: an array of the same objects without "
	    "`fields`.\n"
	    "- `link list --json`: `[{\"id\", \"draft\", \"to\", \"state\": "
	    "\"pending\"|\"used\"|\"expired\"|\"revoked\"|\"bounced\",\n  "
	    "\"expires\", \"fields\"}]`.\n"
	    "- Values are strings in canonical form (`\"5432\"`, "
	    "`\"true\"`); times are UTC RFC 3339.\n"
	    "- `connector show KEY --json`: a field of `type` `file` has "
	    "`file_kind`\n  (pem_private_key, pem_certificate, "
	    "pem_public_key, json, service_account or\n  null): give the "
	    "file itself with `key=@FILE`; a file that is not that kind\n"
	    "  is refused (65). Only file fields take values of several "
	    "lines.\n\n");
	printf("## Exit codes\n\n"
	    "0 done; 64 bad usage (unknown key or option); 65 bad data (an "
	    "invalid\nvalue, a link past 90 days, nothing missing); 66 no "
	    "such draft, link, connector or\nfile; 69 a mail server refused "
	    "the message; 75 temporary failure, try again;\n77 the vault "
	    "passphrase is wrong or missing;\n78 no home (run `setuplink "
	    "init`) or a bad configuration.\n\n");
	connectors(ctx->cat);
	printf("## Worked example\n\n```sh\n"
	    "id=$(setuplink draft new postgres --name 'Billing DB')\n"
	    "setuplink draft set \"$id\" host=db.client.example dbname=billing\n"
	    "setuplink link create \"$id\" --to it@client.example --missing "
	    "--require encrypted \\\n    --note 'Read-only user, please.'\n"
	    "# ... the reply arrives and the intake merges it ...\n"
	    "setuplink draft show \"$id\" --json | jq -r .status   # complete\n"
	    "setuplink draft export \"$id\" --format pgpass >> ~/.pgpass\n"
	    "```\n");
	return 0;
}
