#!/usr/bin/env python3
"""Timing of refused logins, measured over the raw protocol (tests/sh/test_timing.sh).

Each try is one connection: HELLO (not timed), then AUTH as uid 0 with the
prompts answered at once. Times are taken with time.perf_counter_ns on the
client's side: "total" from just before the AUTH frame is sent to the VERDICT
frame's arrival, and each step a remote user can also time: "start" (AUTH to
the first PROMPT), "password" (the password answer to the code PROMPT), "code"
(the code answer to the VERDICT). No process start-up, no PAM stack: what is
left is the helper's own work and the socket round trips.

Usage:
    timing.py measure SOCK ACCOUNTS N OUT [CLASS...]
        N tries of each CLASS (default: unknown wrongpw wrongcode), interleaved
        in a random order after a few untimed warm-up tries of each. ACCOUNTS
        has one line per enrolled account: NAME PASSWORD BASE32SECRET; the
        tries rotate over them. Every try must end in VERDICT DENIED after the
        same conversation as the other tries of its class (else exit 1: a lock
        or anything else unexpected makes the figures meaningless). OUT gets
        one line per try: CLASS total=NS start=NS [password=NS] code=NS.
    timing.py stats OUT
        per class: n, median, p10, p90, trimmed mean (ms) of the total and each step
    timing.py compare OUT A B DMAX MEDTOL [COLUMN...]
        the two-sample Kolmogorov-Smirnov statistic D of classes A and B and
        the relative difference of their 10 % trimmed means |mA - mB| / min(mA, mB)
        (MEDTOL "inf": not bounded);
        exit 0 if D <= DMAX and that difference <= MEDTOL for each COLUMN
        (total, start, password, code; default total), else 1.
    timing.py separated OUT A B DMIN MEDMIN
        exit 0 if D >= DMIN and the trimmed means differ by >= MEDMIN (the control:
        the measurement can tell a path that skips the hash apart).

Classes:
    unknown    a fresh, valid name not in the store; some password and code
    wrongpw    an enrolled account, a wrong password, a wrong code
    wrongcode  an enrolled account, its password, a wrong code
    nohash     control: a fresh unknown name with FIO_AUTH_F_FACTOR_SECOND
               (uid 0: "an earlier module checked the password"), so the
               helper asks only for the code and computes no hash
"""
import base64
import hashlib
import hmac
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fioproto as P  # noqa: E402

RESULT_DENIED = 1
FACTOR_SECOND = 0x1
WARMUP = 3
CLASSES = ("unknown", "wrongpw", "wrongcode")
COLUMNS = ("total", "start", "password", "code")


def totp(secret_b32, step, digits=6):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    v = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return "%0*d" % (digits, v % 10 ** digits)


def wrong_code(rng, secret_b32):
    """A 6-digit code that is none of the account's codes for steps -3..+3."""
    now = int(time.time()) // 30
    near = {totp(secret_b32, now + d) for d in range(-3, 4)}
    while True:
        c = "%06d" % rng.randrange(1000000)
        if c not in near:
            return c


def rand_word(rng, n):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


def one_try(sock, user, answers, flags=0):
    """One AUTH conversation. Returns (times, result, shape): times maps "total"
    (AUTH sent to VERDICT received) and each step of the conversation: "start"
    (AUTH sent to the first PROMPT), "password" and "code" (that answer sent to
    the next PROMPT or the VERDICT), in nanoseconds."""
    c = P.Conn(sock)
    try:
        P.do_hello(c)
        answers = list(answers)
        steps = ["password", "code"][-len(answers):] if answers else []
        shape = []
        times = {}
        t0 = time.perf_counter_ns()
        c.send(P.auth(user, flags=flags))
        t_last, step = t0, "start"
        while True:
            f = c.read_frame(30)
            t1 = time.perf_counter_ns()
            if f is None:
                raise RuntimeError("%s: the helper closed without a VERDICT" % user)
            t, p = f
            shape.append(P.describe(t, p))
            if t == P.INFO:
                continue
            times[step] = t1 - t_last
            if t == P.VERDICT:
                times["total"] = t1 - t0
                return times, struct.unpack(">I", p[:4])[0], tuple(shape)
            if t == P.PROMPT:
                if not answers:
                    raise RuntimeError("%s: an unexpected prompt %s" % (user, shape[-1]))
                pid = struct.unpack(">I", p[:4])[0]
                step = steps.pop(0)
                t_last = time.perf_counter_ns()
                c.send(P.answer(pid, answers.pop(0)))
    finally:
        c.close()


def make_try(cls, rng, accounts, counter):
    """(user, answers, flags) for one try of class cls."""
    if cls in ("unknown", "nohash"):
        user = "fiotm" + rand_word(rng, 10)
        code = "%06d" % rng.randrange(1000000)
        if cls == "nohash":
            return user, [code], FACTOR_SECOND
        return user, [rand_word(rng, 16), code], 0
    name, pw, sec = accounts[counter[cls] % len(accounts)]
    counter[cls] += 1
    if cls == "wrongpw":
        # a wrong password of the right password's length
        wrong = pw
        while wrong == pw:
            wrong = rand_word(rng, len(pw))
        return name, [wrong, wrong_code(rng, sec)], 0
    return name, [pw, wrong_code(rng, sec)], 0


def measure(sock, accounts_file, n, out, classes):
    with open(accounts_file) as f:
        accounts = [ln.split() for ln in f if ln.strip()]
    rng = random.SystemRandom()
    counter = {c: 0 for c in classes}
    order = [c for c in classes for _ in range(WARMUP)]
    timed = [c for c in classes for _ in range(n)]
    rng.shuffle(timed)
    shapes = {}
    rows = []
    for i, cls in enumerate(order + timed):
        user, answers, flags = make_try(cls, rng, accounts, counter)
        times, result, shape = one_try(sock, user, answers, flags)
        if result != RESULT_DENIED:
            print("# %s try for %s: VERDICT result %d, not DENIED (%s)" % (
                cls, user, result, ", ".join(shape)))
            return 1
        if shapes.setdefault(cls, shape) != shape:
            print("# %s: conversations differ: %s / %s" % (cls, shapes[cls], shape))
            return 1
        if i >= len(order):
            rows.append("%s %s\n" % (cls, " ".join("%s=%d" % kv for kv in sorted(times.items()))))
    with open(out, "w") as f:
        f.writelines(rows)
    for cls in classes:
        print("# conversation %-9s %s" % (cls + ":", ", ".join(shapes[cls])))
    return 0


def load(out, col):
    """{class: sorted times in ms} of column col (total, start, password, code)."""
    data = {}
    with open(out) as f:
        for ln in f:
            cls, *kvs = ln.split()
            times = dict(kv.split("=") for kv in kvs)
            if col in times:
                data.setdefault(cls, []).append(int(times[col]) / 1e6)
    for v in data.values():
        v.sort()
    return data


def quantile(xs, q):
    """xs sorted; linear interpolation between closest ranks."""
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def ks_d(a, b):
    """Two-sample Kolmogorov-Smirnov statistic: sup |F_a(x) - F_b(x)| (a, b sorted)."""
    i = j = 0
    d = 0.0
    while i < len(a) and j < len(b):
        x = min(a[i], b[j])
        while i < len(a) and a[i] <= x:
            i += 1
        while j < len(b) and b[j] <= x:
            j += 1
        d = max(d, abs(i / len(a) - j / len(b)))
    return d


def tmean(xs):
    """The 10 % trimmed mean (xs sorted): unlike the median it moves little when
    a loaded machine splits the tries into a fast and a slow mode."""
    k = len(xs) // 10
    core = xs[k:len(xs) - k]
    return sum(core) / len(core)


def loc_diff(a, b):
    ma, mb = tmean(a), tmean(b)
    return abs(ma - mb) / min(ma, mb)


def stats(out):
    for col in COLUMNS:
        data = load(out, col)
        for cls in sorted(data):
            xs = data[cls]
            print("%-8s %-9s n=%-3d median=%7.3f  p10=%7.3f  p90=%7.3f  tmean=%7.3f ms" % (
                col, cls, len(xs), quantile(xs, 0.5), quantile(xs, 0.1), quantile(xs, 0.9),
                tmean(xs)))
    return 0


def compare(out, a, b, dmax, medtol, cols):
    good = True
    for col in cols:
        data = load(out, col)
        xa, xb = data[a], data[b]
        d, md = ks_d(xa, xb), loc_diff(xa, xb)
        ok = d <= dmax and md <= medtol
        good = good and ok
        print("%-8s %s vs %s: KS D = %.3f (bound %.2f), trimmed means %.3f / %.3f ms differ by "
              "%.1f%% (%s): %s" % (col, a, b, d, dmax, tmean(xa), tmean(xb),
                                   100 * md, "bound %.0f%%" % (100 * medtol)
                                   if medtol != float("inf") else "not bounded",
                                   "within" if ok else "OUTSIDE"))
    return 0 if good else 1


def separated(out, a, b, dmin, medmin):
    data = load(out, "total")
    xa, xb = data[a], data[b]
    d, md = ks_d(xa, xb), loc_diff(xa, xb)
    good = d >= dmin and md >= medmin
    print("total    %s vs %s: KS D = %.3f (must be >= %.2f), trimmed means %.3f / %.3f ms "
          "differ by %.1f%% (must be >= %.0f%%): %s" % (a, b, d, dmin, tmean(xa), tmean(xb),
                                                        100 * md, 100 * medmin,
                                              "told apart" if good else "NOT told apart"))
    return 0 if good else 1


def main(argv):
    if len(argv) >= 6 and argv[1] == "measure":
        return measure(argv[2], argv[3], int(argv[4]), argv[5], argv[6:] or list(CLASSES))
    if len(argv) == 3 and argv[1] == "stats":
        return stats(argv[2])
    if len(argv) >= 7 and argv[1] == "compare":
        return compare(argv[2], argv[3], argv[4], float(argv[5]), float(argv[6]),
                       argv[7:] or ["total"])
    if len(argv) == 7 and argv[1] == "separated":
        return separated(argv[2], argv[3], argv[4], float(argv[5]), float(argv[6]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
