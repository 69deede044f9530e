/*
 * flow_enroll.c - enrolling an authenticator app and issuing recovery codes.
 *
 * Interactive: new secret -> INFO (key, URI, QR) [+ RECORD] -> PROMPT for one
 * code (three tries) -> recovery codes made on a worker (ten KDFs) -> secret
 * sealed and stored with the codes in one durable write -> codes shown once.
 * Import: decode the given secret -> codes -> store (last step -1) -> show.
 * Nothing is stored unless the whole flow succeeds; the secret, its base32,
 * the URI, the QR and the shown codes are wiped as soon as they are sent.
 *
 * An account holds up to FIO_TOTP_PER_USER_MAX authenticators, each with a
 * label; enrolling an existing label replaces that one only. New recovery
 * codes are made only when the account would otherwise have no other
 * authenticator (first enrolment, or replacing the only one) or no unused
 * code left; else the codes are kept.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "fio-proto.h"
#include "fio-wipe.h"

#include "activity.h"
#include "conn.h"
#include "crypto.h"
#include "flow_enroll.h"
#include "log.h"
#include "policy.h"
#include "qr.h"
#include "recovery.h"
#include "server.h"
#include "store.h"
#include "totp.h"

#define ENROLL_TRIES 3u
#define ENROLL_IMPORT_MIN 10 /* bytes: 80 bits */
#define PROMPT_CODE "Verification code: "
#define MSG_PERM "permission denied or no such user"
#define MSG_LABEL "invalid label: 1 to 32 letters, digits, '.', '_' or '-'"
#define CODES_LEN (FIO_RECOVERY_COUNT * (FIO_RECOVERY_SHOWN_LEN + 1))

struct enroll {
	flow_enroll_done_fn done;
	void *arg;
	struct fio_server *server; /* for the activity log (c may be NULL at the end) */
	char *name;
	char *email;
	char *service;
	char *rhost;
	int64_t user_id;
	uid_t uid;
	uint32_t flags;
	int regen;
	int imported;
	int new_codes;   /* store (and show) a new set of recovery codes */
	int codes_shown; /* shown already, before the "saved" prompt */
	int replacing;   /* the label is enrolled already (at the last look) */
	int others;      /* the account's other authenticators (at the last look) */
	unsigned codes_left;
	char label[FIO_TOTP_LABEL_MAX + 1];
	unsigned digits, period, window;
	uint32_t iterations;
	unsigned tries;
	int64_t last_step;
	int gen_rc;
	size_t secret_len;
	unsigned char secret[FIO_TOTP_SECRET_MAX];
	char shown[FIO_RECOVERY_COUNT][FIO_RECOVERY_SHOWN_LEN + 1];
	struct fio_recovery_rec recs[FIO_RECOVERY_COUNT];
};

static void enroll_prompt(struct fio_conn *c, struct enroll *e);

const char *
flow_result_name(uint32_t result)
{
	static const char *const names[] = {
	        "ok",     "denied", "locked", "new_authtok", "suspended", "unavailable",
	        "ignore", "usage",  "perm",   "exists",      "conv",
	};

	if (result < sizeof(names) / sizeof(names[0]))
		return names[result];
	return "error";
}

/* Output failures close the connection (conn.h); the flow then just ends. */
static void
say(struct fio_conn *c, uint32_t kind, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (conn_info(c, kind, "%s", text) != 0)
		log_debug("cannot send a message; the connection is closing");
}

static void
enroll_free(struct enroll *e)
{
	free(e->name);
	free(e->email);
	free(e->service);
	free(e->rhost);
	fio_freezero(e, sizeof(*e));
}

/* A factor changed: the owner hears of it out of band (a stolen password must
 * not silently enrol an attacker's phone). */
static void
enroll_notify(struct fio_conn *c, const struct enroll *e)
{
	char when[64];

	fio_policy_time((int64_t)time(NULL), when, sizeof(when));
	if (e->regen)
		fio_policy_notify(conn_server(c), e->name, e->email, "recovery_regenerated",
		                  "New recovery codes were made for your account",
		                  "New recovery codes were made for the account %s at %s (service "
		                  "%s%s%s); the old ones no longer work.\n"
		                  "If this was not you, contact your administrator at once.",
		                  e->name, when, e->service, e->rhost[0] != '\0' ? ", from " : "",
		                  e->rhost);
	else
		fio_policy_notify(conn_server(c), e->name, e->email, "enrolled",
		                  "An authenticator was set up for your account",
		                  "An authenticator app (\"%s\") was %s for the account %s at %s "
		                  "(service %s%s%s).\n"
		                  "If this was not you, contact your administrator at once.",
		                  e->label, e->replacing ? "replaced" : "set up", e->name, when,
		                  e->service, e->rhost[0] != '\0' ? ", from " : "", e->rhost);
}

/* The one way out: audit, notify, free, then tell the caller (c may be NULL). */
static void
enroll_finish(struct fio_conn *c, struct enroll *e, uint32_t result, const char *reason)
{
	flow_enroll_done_fn done = e->done;
	void *arg = e->arg;

	fio_event(e->server, e->regen ? "recovery_regen" : "enroll", e->name, (long)e->uid,
	          e->service, e->rhost, "", c == NULL ? "conv" : flow_result_name(result), reason);
	if (c != NULL && result == FIO_RESULT_OK)
		enroll_notify(c, e);
	enroll_free(e);
	done(c, c == NULL ? FIO_RESULT_CONV : result, arg);
}

static struct enroll *
enroll_new(struct fio_conn *c, const struct fio_user *u, const struct flow_enroll_opts *o,
           flow_enroll_done_fn done, void *arg)
{
	const struct fio_config *cfg = &conn_server(c)->cfg;
	struct enroll *e = calloc(1, sizeof(*e));

	if (e == NULL || (e->name = strdup(u->name)) == NULL ||
	    (e->email = strdup(u->email != NULL ? u->email : "")) == NULL ||
	    (e->service = strdup(o->service != NULL ? o->service : "")) == NULL ||
	    (e->rhost = strdup(o->rhost != NULL ? o->rhost : "")) == NULL) {
		if (e != NULL)
			enroll_free(e);
		log_err("out of memory");
		done(c, FIO_RESULT_UNAVAILABLE, arg);
		return NULL;
	}
	e->done = done;
	e->arg = arg;
	e->user_id = u->id;
	e->uid = conn_uid(c);
	e->server = conn_server(c);
	e->flags = o->flags;
	e->digits = cfg->totp_digits;
	e->period = cfg->totp_period;
	e->window = cfg->totp_window;
	e->iterations = cfg->recovery_iterations;
	e->last_step = -1;
	e->new_codes = 1;
	snprintf(e->label, sizeof(e->label), "%s",
	         o->label != NULL && o->label[0] != '\0' ? o->label : FIO_TOTP_LABEL_DEFAULT);
	return e;
}

/* ---- showing the secret --------------------------------------------------- */

static int
show_secret(struct fio_conn *c, struct enroll *e, const char *b32, const char *uri)
{
	static const char *const keys[] = {"secret", "uri"};
	const char *values[] = {b32, uri};
	char *grouped = fio_totp_grouped(b32);
	char *qr = NULL;
	int rc = -1;

	if (grouped == NULL)
		goto out;
	if (conn_info(c, FIO_INFO_TEXT,
	              "Add this account to your authenticator app: scan the QR code or type the "
	              "secret key.\nSecret key: %s\notpauth URI: %s",
	              grouped, uri) != 0)
		goto out;
	qr = fio_qr_render(uri);
	if (qr == NULL)
		log_warn("cannot draw the QR code; showing the key and URI only");
	else if (conn_info(c, FIO_INFO_TEXT, "%s", qr) != 0)
		goto out;
	if ((e->flags & FLOW_ENROLL_F_RECORDS) != 0 && conn_record(c, 2, keys, values) != 0)
		goto out;
	rc = 0;
out:
	fio_freezero_str(grouped);
	fio_freezero_str(qr);
	return rc;
}

/* INFO (and RECORD) with the new secret; all of it precedes the prompt. */
static int
enroll_show(struct fio_conn *c, struct enroll *e)
{
	const struct fio_config *cfg = &conn_server(c)->cfg;
	char b32[(FIO_TOTP_SECRET_MAX * 8 + 4) / 5 + 1];
	char *uri = NULL;
	int rc = -1;

	if (fio_base32_encode(e->secret, e->secret_len, b32, sizeof(b32)) == 0)
		goto out;
	uri = fio_totp_uri(cfg->totp_issuer, e->name, b32, e->digits, e->period);
	if (uri == NULL)
		goto out;
	rc = show_secret(c, e, b32, uri);
out:
	FIO_WIPE_ARRAY(b32);
	fio_freezero_str(uri);
	return rc;
}

/* ---- storing and showing the codes ------------------------------------------- */

/* Seals the secret to its owner and stores it with the codes in one write. */
static int
enroll_store(struct fio_conn *c, struct enroll *e)
{
	struct fio_server *s = conn_server(c);
	char aad[FIO_NAME_MAX + 8];
	unsigned char *blob = NULL;
	size_t bloblen = 0;
	int rc;

	snprintf(aad, sizeof(aad), "totp:%s", e->name);
	if (fio_seal(&s->key, aad, e->secret, e->secret_len, &blob, &bloblen) != 0) {
		log_err("cannot seal the TOTP secret of %s", e->name);
		return FIO_STORE_ERR;
	}
	rc = fio_store_enroll(s->store, e->user_id, e->label, blob, bloblen, e->digits, e->period,
	                      e->last_step, e->new_codes ? e->recs : NULL,
	                      e->new_codes ? FIO_RECOVERY_COUNT : 0);
	fio_freezero(blob, bloblen);
	return rc;
}

/* One INFO with the codes one per line; with records, one space-separated. */
static int
show_codes(struct fio_conn *c, struct enroll *e)
{
	static const char *const keys[] = {"recovery_codes"};
	char lines[CODES_LEN], list[CODES_LEN];
	const char *values[] = {list};
	size_t o = 0;
	int rc = -1;

	for (size_t i = 0; i < FIO_RECOVERY_COUNT; i++) {
		size_t n = strlen(e->shown[i]);

		memcpy(lines + o, e->shown[i], n);
		memcpy(list + o, e->shown[i], n);
		o += n;
		lines[o] = '\n';
		list[o] = ' ';
		o++;
	}
	lines[o - 1] = '\0';
	list[o - 1] = '\0';
	if (conn_info(c, FIO_INFO_TEXT, "Recovery codes (each works once; store them safely):\n%s",
	              lines) != 0)
		goto out;
	if ((e->flags & FLOW_ENROLL_F_RECORDS) != 0 && conn_record(c, 1, keys, values) != 0)
		goto out;
	rc = 0;
out:
	FIO_WIPE_ARRAY(lines);
	FIO_WIPE_ARRAY(list);
	FIO_WIPE_ARRAY(e->shown);
	return rc;
}

/* The account may have been deleted (or deleted and re-added) while the user
 * typed the code: OK if it is still the same one (e->replacing, e->others and
 * e->codes_left are set from it), else NOTFOUND or ERR. */
static int
user_still_there(struct fio_conn *c, struct enroll *e)
{
	struct fio_user u = {0};
	int rc = fio_store_user_get(conn_server(c)->store, e->name, &u);

	if (rc == FIO_STORE_OK && u.id != e->user_id)
		rc = FIO_STORE_NOTFOUND;
	if (rc == FIO_STORE_OK) {
		e->replacing = 0;
		e->others = 0;
		for (size_t i = 0; i < u.ntotp; i++) {
			if (strcmp(u.totps[i].label, e->label) == 0)
				e->replacing = 1;
			else
				e->others++;
		}
		e->codes_left = u.recovery_left;
	}
	fio_user_clear(&u);
	return rc;
}

static void
say_too_many(struct fio_conn *c, const struct enroll *e)
{
	say(c, FIO_INFO_ERROR,
	    "%s already has %d authenticators; remove one first (fioctl unenroll %s --label "
	    "LABEL)",
	    e->name, FIO_TOTP_PER_USER_MAX, e->name);
}

/* What was stored, then the way out. */
static void
enroll_stored(struct fio_conn *c, struct enroll *e)
{
	char reason[96];

	if (e->new_codes && !e->codes_shown && show_codes(c, e) != 0) {
		enroll_finish(c, e, FIO_RESULT_OK, "stored; the codes could not be shown");
		return;
	}
	if (e->regen) {
		say(c, FIO_INFO_TEXT, "The old recovery codes of %s no longer work.", e->name);
		enroll_finish(c, e, FIO_RESULT_OK, "");
		return;
	}
	if (e->replacing && e->others > 0)
		say(c, FIO_INFO_TEXT,
		    "Authenticator \"%s\" replaced for %s; your other authenticators still work.",
		    e->label, e->name);
	else if (e->replacing)
		say(c, FIO_INFO_TEXT, "Authenticator \"%s\" replaced for %s.", e->label, e->name);
	else
		say(c, FIO_INFO_TEXT, "Authenticator \"%s\" enrolled for %s.", e->label, e->name);
	if (!e->new_codes)
		say(c, FIO_INFO_TEXT, "Your recovery codes are unchanged.");
	snprintf(reason, sizeof(reason), "authenticator %s%s%s", e->label,
	         e->replacing ? " replaced" : "", e->imported ? ", imported secret" : "");
	enroll_finish(c, e, FIO_RESULT_OK, reason);
}

/* Stores the enrolment (or, regen, the new codes) if the account is still
 * the same one. */
static void
enroll_commit(struct fio_conn *c, struct enroll *e)
{
	int rc = user_still_there(c, e);

	if (rc == FIO_STORE_OK && e->regen)
		rc = fio_store_recovery_replace(conn_server(c)->store, e->user_id, e->recs,
		                                FIO_RECOVERY_COUNT);
	else if (rc == FIO_STORE_OK)
		rc = enroll_store(c, e);
	fio_wipe(e->secret, sizeof(e->secret));
	FIO_WIPE_ARRAY(e->recs);
	if (rc == FIO_STORE_NOTFOUND) {
		say(c, FIO_INFO_ERROR, MSG_PERM);
		enroll_finish(c, e, FIO_RESULT_PERM, "user removed meanwhile");
		return;
	}
	if (rc == FIO_STORE_EXISTS) {
		say_too_many(c, e);
		enroll_finish(c, e, FIO_RESULT_USAGE, "too many authenticators");
		return;
	}
	if (rc != FIO_STORE_OK) {
		log_err("cannot store the %s of %s", e->regen ? "recovery codes" : "enrolment",
		        e->name);
		enroll_finish(c, e, FIO_RESULT_UNAVAILABLE, "store error");
		return;
	}
	enroll_stored(c, e);
}

static void
gen_work(void *arg)
{
	struct enroll *e = arg;

	e->gen_rc = fio_recovery_generate(e->iterations, e->shown, e->recs);
}

static void
saved_answer(struct fio_conn *c, const char *answer, size_t len, void *arg)
{
	struct enroll *e = arg;

	(void)answer;
	(void)len;
	if (c == NULL) {
		enroll_finish(NULL, e, FIO_RESULT_CONV,
		              "connection closed before the recovery codes were confirmed");
		return;
	}
	enroll_commit(c, e);
}

/* The codes, then a prompt they arrive with; nothing is stored before the
 * answer. After conn_prompt() e belongs to saved_answer(). */
static void
confirm_saved(struct fio_conn *c, struct enroll *e)
{
	if (show_codes(c, e) != 0) {
		enroll_finish(c, e, FIO_RESULT_UNAVAILABLE, "cannot show the recovery codes");
		return;
	}
	e->codes_shown = 1;
	if (conn_prompt(c, FIO_PROMPT_ECHO_ON, 0, FLOW_ENROLL_SAVED_PROMPT, saved_answer, e) != 0)
		enroll_finish(c, e, FIO_RESULT_UNAVAILABLE, "cannot send the prompt");
}

static void
gen_done(struct fio_conn *c, void *arg)
{
	struct enroll *e = arg;

	if (c == NULL) {
		enroll_finish(NULL, e, FIO_RESULT_CONV, "connection closed; nothing stored");
		return;
	}
	if (e->gen_rc != 0) {
		enroll_finish(c, e, FIO_RESULT_UNAVAILABLE, "cannot make recovery codes");
		return;
	}
	if ((e->flags & FLOW_ENROLL_F_CONFIRM_SAVED) && !e->regen) {
		confirm_saved(c, e);
		return;
	}
	enroll_commit(c, e);
}

/* An enrolment makes new recovery codes only if the account would have no
 * other authenticator or has no unused code left; regen always does. */
static void
enroll_generate(struct fio_conn *c, struct enroll *e)
{
	int rc;

	if (!e->regen) {
		rc = user_still_there(c, e);
		if (rc == FIO_STORE_NOTFOUND) {
			say(c, FIO_INFO_ERROR, MSG_PERM);
			enroll_finish(c, e, FIO_RESULT_PERM, "user removed meanwhile");
			return;
		}
		if (rc != FIO_STORE_OK) {
			enroll_finish(c, e, FIO_RESULT_UNAVAILABLE, "store error");
			return;
		}
		e->new_codes = e->others == 0 || e->codes_left == 0;
		if (!e->new_codes) {
			enroll_commit(c, e);
			return;
		}
	}
	if (conn_work(c, gen_work, gen_done, e) != 0)
		enroll_finish(c, e, FIO_RESULT_UNAVAILABLE, "worker queue full");
}

/* ---- the confirmation code --------------------------------------------------- */

/* 1 if answer is the current code (e->last_step set), 0 if not, -1 on error. */
static int
enroll_check(struct enroll *e, const char *answer)
{
	char canon[16];
	int64_t matched = -1;
	int rc;

	if (fio_totp_canon(answer, e->digits, canon, sizeof(canon)) != 0)
		return 0;
	rc = fio_totp_verify(e->secret, e->secret_len, canon, e->digits,
	                     fio_totp_step(time(NULL), e->period), e->window, -1, &matched);
	FIO_WIPE_ARRAY(canon);
	if (rc == 1)
		e->last_step = matched;
	return rc;
}

static void
enroll_answer(struct fio_conn *c, const char *answer, size_t len, void *arg)
{
	struct enroll *e = arg;
	int rc;

	(void)len;
	if (c == NULL) {
		enroll_finish(NULL, e, FIO_RESULT_CONV, "connection closed at the code prompt");
		return;
	}
	rc = enroll_check(e, answer);
	if (rc < 0) {
		enroll_finish(c, e, FIO_RESULT_UNAVAILABLE, "cannot compute TOTP codes");
		return;
	}
	if (rc == 1) {
		enroll_generate(c, e);
		return;
	}
	if (++e->tries >= ENROLL_TRIES) {
		say(c, FIO_INFO_ERROR, "That code is not right. Nothing was stored.");
		enroll_finish(c, e, FIO_RESULT_DENIED, "wrong confirmation codes");
		return;
	}
	say(c, FIO_INFO_ERROR, "That code is not right. Try again.");
	enroll_prompt(c, e);
}

/* After conn_prompt() returns, e belongs to enroll_answer() (it may already
 * have run with c == NULL), so e is not touched here again. */
static void
enroll_prompt(struct fio_conn *c, struct enroll *e)
{
	if (conn_prompt(c, FIO_PROMPT_ECHO_ON, 0, PROMPT_CODE, enroll_answer, e) != 0)
		enroll_finish(c, e, FIO_RESULT_UNAVAILABLE, "cannot send the prompt");
}

static void
enroll_import(struct fio_conn *c, struct enroll *e, const char *b32)
{
	int n = fio_base32_decode(b32, e->secret, sizeof(e->secret));

	if (n < ENROLL_IMPORT_MIN || (size_t)n > FIO_TOTP_SECRET_MAX) {
		fio_wipe(e->secret, sizeof(e->secret));
		say(c, FIO_INFO_ERROR, "invalid secret");
		enroll_finish(c, e, FIO_RESULT_USAGE, "invalid secret");
		return;
	}
	e->secret_len = (size_t)n;
	e->last_step = -1;
	e->imported = 1;
	enroll_generate(c, e);
}

/* ---- entry points -------------------------------------------------------------- */

void
flow_enroll_start(struct fio_conn *c, const struct fio_user *u, const struct flow_enroll_opts *o,
                  flow_enroll_done_fn done, void *arg)
{
	struct enroll *e = enroll_new(c, u, o, done, arg);
	size_t others = 0;

	if (e == NULL)
		return;
	if (!fio_totp_label_valid(e->label)) {
		say(c, FIO_INFO_ERROR, MSG_LABEL);
		enroll_finish(c, e, FIO_RESULT_USAGE, "invalid label");
		return;
	}
	for (size_t i = 0; i < u->ntotp; i++)
		others += strcmp(u->totps[i].label, e->label) != 0;
	if (others >= FIO_TOTP_PER_USER_MAX) {
		say_too_many(c, e);
		enroll_finish(c, e, FIO_RESULT_USAGE, "too many authenticators");
		return;
	}
	if (o->import_b32 != NULL) {
		enroll_import(c, e, o->import_b32);
		return;
	}
	if (fio_random(e->secret, FIO_TOTP_SECRET_LEN) != 0) {
		log_err("the random number generator failed");
		enroll_finish(c, e, FIO_RESULT_UNAVAILABLE, "RNG failure");
		return;
	}
	e->secret_len = FIO_TOTP_SECRET_LEN;
	if (enroll_show(c, e) != 0) {
		enroll_finish(c, e, FIO_RESULT_UNAVAILABLE, "cannot show the secret");
		return;
	}
	enroll_prompt(c, e);
}

void
flow_enroll_run(struct fio_conn *c, const struct fio_user *u, flow_enroll_done_fn done, void *arg)
{
	const struct flow_enroll_opts o = {
	        .flags = 0, .service = "login", .rhost = NULL, .import_b32 = NULL, .label = NULL};

	flow_enroll_start(c, u, &o, done, arg);
}

void
flow_recovery_regen_run(struct fio_conn *c, const struct fio_user *u,
                        const struct flow_enroll_opts *o, flow_enroll_done_fn done, void *arg)
{
	struct enroll *e = enroll_new(c, u, o, done, arg);

	if (e == NULL)
		return;
	e->regen = 1;
	enroll_generate(c, e);
}
