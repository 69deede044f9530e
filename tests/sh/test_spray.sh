#!/bin/bash
# Password spraying (DESIGN.md "Accounts and lockout": failed attempts are
# counted per user and per source): one wrong password on each of 50 enrolled
# accounts from one PAM_RHOST. After lockout.per_source_max (10 here) failures
# the source is refused with the lock message, even for the right password and
# code of an untouched account, while that account logs in from another
# source; no account is locked by the spray (the first 10 saw one failure
# each, the other 40 none); the source's lock releases after the cool-down
# (libfaketime: "Try again in 1 minute" at 14:59, a login at 15:01). Names that
# are not accounts count towards the source limit exactly like accounts, and
# every transcript (prompts, messages, PAM code) is the same for them as for
# an enrolled account: both for a failure and under the source lock.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

export TZ=UTC
setup
N_ACCOUNTS=50
PER_SOURCE=10
# max_failures as by default (5): a spray tries each account once. The
# cheapest hashing, and no dictionary look-up when the accounts are made.
FIO_HASH_COST=
write_config "password = { hash_cost = 3; dictionary = false; };
lockout = { max_failures = 5; interval = 900; unlock_after = 900; per_source_max = $PER_SOURCE; max_consecutive = 20; };"
set_fake_time "2026-11-23 10:00:00" || bail "set_fake_time"
check "fio-helperd starts under libfaketime with lockout.per_source_max = $PER_SOURCE" \
	start_helper_faketime || bail "fio-helperd does not start"
make_service fio

SRC_SPRAY=203.0.113.50  # the sprayer
SRC_OTHER=198.51.100.20 # the accounts' owners
SRC_UNKNOWN=192.0.2.33  # a spray of names that are not accounts
SRC_MIXED=192.0.2.34    # accounts and unknown names, interleaved
WRONG_PW="Summer2024!"

M_LOCKED="ERROR Too many failed attempts. Try again in 15 minutes."
M_LOCKED_1="ERROR Too many failed attempts. Try again in 1 minute."

# ---------------------------------------------------------------- accounts
# rand_pws N: N passwords that pass the quality rules: random, without the
# user name, and no two neighbours one apart (cracklib's "simplistic/systematic").
rand_pws() {
	"$PYTHON" -c '
import secrets, string, sys
a = string.ascii_letters + string.digits
for _ in range(int(sys.argv[1])):
    p = "S"
    while len(p) < 18:
        c = secrets.choice(a)
        if abs(ord(c) - ord(p[-1])) > 1:
            p += c
    print(p + "!")' "$1"
}

acct() { printf 'spr%02d' "$1"; }

declare -A PWS SEC
# make_accounts FIRST LAST: fioctl user add (password on stdin) and fioctl
# enroll --secret for each, 25 at a time in parallel (each in the background:
# the helper hashes on its worker threads).
make_accounts() {
	local i j u pids rc=0 pws
	pws=($(rand_pws $(($2 - $1 + 1))))
	for ((i = $1; i <= $2; i += 25)); do
		pids=
		for ((j = i; j < i + 25 && j <= $2; j++)); do
			u=$(acct "$j")
			PWS[$u]=${pws[j - $1]}
			SEC[$u]=$(new_secret)
			note_secret "${PWS[$u]}"
			note_secret "${SEC[$u]}"
			(printf '%s\n' "${PWS[$u]}" | fioctl user add "$u" --password-stdin &&
				fioctl enroll "$u" --secret "${SEC[$u]}") >"$T/work/make.$u" 2>&1 &
			pids="$pids $!"
		done
		for j in $pids; do wait "$j" || rc=1; done
	done
	[ $rc = 0 ] && return 0
	diag "setting up the accounts failed:" "$(grep -h 'fioctl:' "$T"/work/make.* | sort | uniq -c)"
	return 1
}
if make_accounts 1 "$N_ACCOUNTS"; then
	ok "$N_ACCOUNTS accounts with a password (fioctl user add --password-stdin) and an authenticator"
else
	bail "cannot set up the accounts"
fi
# the recovery codes shown by enroll: never in the helper's log
# (as note_codes: with and without dashes; one pipeline for all 500)
grep -ohE '\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b' "$T"/work/make.* |
	sed 'p; s/-//g' >>"$T/secrets.txt"
OK_USER=$(acct "$N_ACCOUNTS") # the last one: refused unchecked by the spray

# a new time step for the next code (a step is accepted once)
tick() {
	advance_fake_seconds 30
}

# spray SRC NAME...: one login per NAME from SRC with a wrong password (pamconv
# directly: the harness's login() costs more than the login itself); the
# transcripts go to $T/work/spray.SRC.K (K = 1, 2, ...).
spray() {
	local src=$1 k=0 n
	shift
	for n in "$@"; do
		k=$((k + 1))
		pam_env "$PAMCONV" -r "$src" fio "$n" "$WRONG_PW" 000000 >"$T/work/spray.$src.$k" 2>/dev/null
		{
			echo "--- spray from $src: $n"
			cat "$T/work/spray.$src.$k"
		} >>"$T/transcripts.log"
	done
}

# kinds SRC: for each attempt of the spray from SRC in order, "F" (the
# failure message), "L" (the lock message) or "?" (neither, or both).
kinds() {
	local files=() k=1
	while [ -f "$T/work/spray.$1.$k" ]; do
		files+=("$T/work/spray.$1.$k")
		k=$((k + 1))
	done
	awk -v F="$M_FAILED" -v L="$M_LOCKED" '
		function flush() { if (n++) s = s ((f && !t) ? "F" : (l && !f) ? "L" : "?") }
		FNR == 1 { flush(); f = l = t = 0 }
		$0 == F { f = 1 }
		$0 == L { l = 1 }
		/Too many/ { t = 1 }
		END { flush(); print s }' "${files[@]}"
}

# repeat CHAR N
repeat() {
	local s= i
	for ((i = 0; i < $2; i++)); do s="$s$1"; done
	echo "$s"
}

# same_transcripts SRC K...: the transcripts of those attempts are identical
# to the first one given.
same_transcripts() {
	local src=$1 first=$2 k
	shift 2
	for k in "$@"; do
		cmp -s "$T/work/spray.$src.$first" "$T/work/spray.$src.$k" && continue
		diag "the transcripts of attempts $first and $k from $src differ:"
		diff "$T/work/spray.$src.$first" "$T/work/spray.$src.$k" | sed 's/^/#   /'
		return 1
	done
}

# ---------------------------------------------------------------- the spray
NAMES=()
for ((i = 1; i <= N_ACCOUNTS; i++)); do NAMES+=("$(acct "$i")"); done

t_spray() {
	local got want
	spray "$SRC_SPRAY" "${NAMES[@]}"
	got=$(kinds "$SRC_SPRAY")
	want=$(repeat F "$PER_SOURCE")$(repeat L $((N_ACCOUNTS - PER_SOURCE)))
	[ "$got" = "$want" ] && return 0
	diag "per attempt (F: '${M_FAILED#ERROR }', L: '${M_LOCKED#ERROR }'):" "got  $got" "want $want"
	diag "attempt $((PER_SOURCE + 1)):"
	sed 's/^/#   /' "$T/work/spray.$SRC_SPRAY.$((PER_SOURCE + 1))"
	return 1
}
check "a wrong password on each of $N_ACCOUNTS accounts from $SRC_SPRAY: $PER_SOURCE fail, the other $((N_ACCOUNTS - PER_SOURCE)) get '${M_LOCKED#ERROR }'" \
	t_spray

t_spray_prompts() {
	local k
	for k in 1 $((PER_SOURCE + 1)); do
		OUT=$(cat "$T/work/spray.$SRC_SPRAY.$k")
		AUTH=$(sed -n 's/^AUTH \([A-Z_]*\).*/\1/p' "$T/work/spray.$SRC_SPRAY.$k")
		expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" "$P_CODE" ||
			{ diag "attempt $k ($(acct "$k"))"; return 1; }
	done
	same_transcripts "$SRC_SPRAY" 1 $(seq 2 "$PER_SOURCE") &&
		same_transcripts "$SRC_SPRAY" $((PER_SOURCE + 1)) $(seq $((PER_SOURCE + 2)) "$N_ACCOUNTS")
}
check "every attempt of the spray: PAM_AUTH_ERR after 'Password: ' and 'Verification code: '; the failures alike, the refusals alike" \
	t_spray_prompts

t_right_from_spray_source() {
	login -r "$SRC_SPRAY" fio "$OK_USER" "${PWS[$OK_USER]}" "$(code_at_fake "${SEC[$OK_USER]}")"
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" "$P_CODE" && has_line "$M_LOCKED" &&
		lacks_line "$M_FAILED"
}
check "from $SRC_SPRAY the right password and code of an untouched account ($OK_USER) are refused with the lock message" \
	t_right_from_spray_source

t_right_from_other_source() {
	login -r "$SRC_OTHER" fio "$OK_USER" "${PWS[$OK_USER]}" "$(code_at_fake "${SEC[$OK_USER]}")"
	expect_auth PAM_SUCCESS && lacks_line_re 'Too many'
}
check "$OK_USER logs in from $SRC_OTHER meanwhile" t_right_from_other_source
tick

t_no_account_locked() {
	local i u want=
	# the list holds every account with failures in the window, a lock or code failures
	for ((i = 1; i <= PER_SOURCE; i++)); do want="$want'$(acct "$i")',"; done
	run_ctl --json lock show
	ctl_ok && json_check "sorted(r['user'] for r in d) == [$want]" &&
		json_check 'all(r["failures"] == "1" and r["locked_until"] == "-" for r in d)' || return 1
	for u in "$(acct 1)" "$(acct $((PER_SOURCE + 1)))"; do
		run_ctl lock show "$u"
		ctl_ok && out_has "failures: $([ "$u" = "$(acct 1)" ] && echo 1 || echo 0)" &&
			out_has "locked_until: -" || return 1
	done
}
check "no account is locked: fioctl lock show lists only the first $PER_SOURCE, each with failures 1 and locked_until - (the others were refused unchecked: failures 0)" \
	t_no_account_locked

# ---------------------------------------------------------------- the cool-down
t_still_locked() {
	# 899 s after the lock engaged (at 10:00:00; the clock has moved by one tick)
	advance_fake_seconds $((899 - 30))
	login -r "$SRC_SPRAY" fio "$OK_USER" "${PWS[$OK_USER]}" "$(code_at_fake "${SEC[$OK_USER]}")"
	expect_auth PAM_AUTH_ERR && has_line "$M_LOCKED_1"
}
check "14:59 later the source is still locked: '${M_LOCKED_1#ERROR }'" t_still_locked

t_released() {
	advance_fake_seconds 2
	login -r "$SRC_SPRAY" fio "$OK_USER" "${PWS[$OK_USER]}" "$(code_at_fake "${SEC[$OK_USER]}")"
	expect_auth PAM_SUCCESS || return 1
	tick
	login -r "$SRC_SPRAY" fio spr02 "$WRONG_PW" 000000
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" && lacks_line_re 'Too many'
}
check "15:01 later the source's lock has released: $OK_USER logs in from $SRC_SPRAY, a wrong password there gets '${M_FAILED#ERROR }' again" \
	t_released

# ---------------------------------------------------------------- unknown names
UNKNOWN=()
for ((i = 1; i <= PER_SOURCE + 1; i++)); do UNKNOWN+=("$(printf 'nospr%02d' "$i")"); done

t_unknown_spray() {
	local got
	spray "$SRC_UNKNOWN" "${UNKNOWN[@]:0:PER_SOURCE}"
	got=$(kinds "$SRC_UNKNOWN")
	[ "$got" = "$(repeat F "$PER_SOURCE")" ] ||
		{ diag "$PER_SOURCE unknown names from $SRC_UNKNOWN: got $got"; return 1; }
	login -r "$SRC_UNKNOWN" fio "$OK_USER" "${PWS[$OK_USER]}" "$(code_at_fake "${SEC[$OK_USER]}")"
	expect_auth PAM_AUTH_ERR && has_line "$M_LOCKED" && lacks_line "$M_FAILED"
}
check "$PER_SOURCE unknown names from $SRC_UNKNOWN fail one by one; then the source is locked for $OK_USER's right password and code" \
	t_unknown_spray

t_mixed_spray() {
	local got names=() i
	# accounts the first spray never checked, and unknown names, in turn
	for ((i = 0; i < PER_SOURCE / 2; i++)); do
		names+=("$(acct $((PER_SOURCE + 2 + i)))" "$(printf 'nomix%02d' "$i")")
	done
	names+=(nomixlast)
	spray "$SRC_MIXED" "${names[@]}"
	got=$(kinds "$SRC_MIXED")
	[ "$got" = "$(repeat F "$PER_SOURCE")L" ] && return 0
	diag "${names[*]} from $SRC_MIXED: got $got, want $(repeat F "$PER_SOURCE")L"
	return 1
}
check "accounts and unknown names in turn from $SRC_MIXED: $PER_SOURCE failures in all lock the source (the 11th, an unknown name, is refused)" \
	t_mixed_spray

t_same_failure() {
	# a failure: an unknown name (nospr01) and an account (spr01), each first from its source
	cmp -s "$T/work/spray.$SRC_UNKNOWN.1" "$T/work/spray.$SRC_SPRAY.1" &&
		same_transcripts "$SRC_MIXED" 1 $(seq 2 "$PER_SOURCE") && return 0
	diag "an unknown name's failure and an account's differ:"
	diff "$T/work/spray.$SRC_SPRAY.1" "$T/work/spray.$SRC_UNKNOWN.1" | sed 's/^/#   /'
	return 1
}
check "a failure looks the same for an unknown name as for an account (identical transcripts)" t_same_failure

t_same_lock() {
	login -r "$SRC_UNKNOWN" fio "${UNKNOWN[PER_SOURCE]}" "$WRONG_PW" 000000
	printf '%s\n' "$OUT" >"$T/work/locked.unknown"
	login -r "$SRC_UNKNOWN" fio spr03 "$WRONG_PW" 000000
	printf '%s\n' "$OUT" >"$T/work/locked.account"
	cmp -s "$T/work/locked.unknown" "$T/work/locked.account" &&
		cmp -s "$T/work/locked.unknown" "$T/work/spray.$SRC_SPRAY.$((PER_SOURCE + 1))" && return 0
	diag "the locked transcripts differ (unknown name, account, account in the first spray):"
	sed 's/^/#   /' "$T/work/locked.unknown" "$T/work/locked.account" \
		"$T/work/spray.$SRC_SPRAY.$((PER_SOURCE + 1))"
	return 1
}
check "under the source lock an unknown name and an account get identical transcripts" t_same_lock

t_helper_log() {
	local n
	n=$(grep -c "event=lock .*reason=\"per-source limit: rhost:" "$T/helper.log")
	[ "$n" = 3 ] && return 0
	diag "$n 'per-source limit' lock events in the helper's log, want 3 (one per source):"
	grep 'event=lock' "$T/helper.log" | head -n 5 | sed 's/^/#   /'
	return 1
}
check "each source's lock is one audit line (event=lock, reason per-source limit: rhost:...)" t_helper_log

done_testing
