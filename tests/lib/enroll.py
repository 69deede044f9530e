#!/usr/bin/env python3
"""Drives an interactive `fioctl [--json] enroll NAME` without a terminal.

    enroll.py [--wrong N] [--no-right] [--log FILE] -- COMMAND...

Runs COMMAND in a new session (no controlling terminal, so fioctl reads the
answer from stdin), waits for the secret (from the otpauth:// URI, a
"secret" JSON field, or the grouped base32 text), answers the
"Verification code: " prompt N times with wrong codes and then (unless
--no-right) with the right one computed by oathtool, and prints:

    SECRET <base32>
    URI <otpauth uri>
    STEP <time step of the right code>
    RECOVERY <code> ... (the recovery codes printed after success)
    WRONG_MESSAGES <how many "That code is not right" lines were seen>
    EXIT <fioctl exit status>

The whole output of COMMAND goes to --log.
"""
import json
import os
import random
import re
import selectors
import subprocess
import sys
import time
import urllib.parse

OATHTOOL = os.environ.get("OATHTOOL") or "oathtool"
CODE_RE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
PROMPT = "Verification code:"


def totp(secret, step):
    out = subprocess.run([OATHTOOL, "--totp", "-b", "-N", "@%d" % (step * 30), secret],
                         check=True, capture_output=True, text=True).stdout
    return out.strip()


def find_secret(text):
    m = re.search(r"otpauth://totp/[^\s\"]+", text)
    if m:
        uri = m.group(0)
        q = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)
        if "secret" in q:
            return q["secret"][0].upper(), uri
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and "secret" in obj:
                return obj["secret"].replace(" ", "").upper(), obj.get("uri", "")
    m = re.search(r"((?:[A-Z2-7]{4} ){7}[A-Z2-7]{4})", text)
    if m:
        return m.group(1).replace(" ", ""), ""
    return None, None


def main(argv):
    wrong = 0
    right = True
    log = None
    i = 1
    while i < len(argv) and argv[i] != "--":
        if argv[i] == "--wrong":
            wrong = int(argv[i + 1])
            i += 2
        elif argv[i] == "--no-right":
            right = False
            i += 1
        elif argv[i] == "--log":
            log = argv[i + 1]
            i += 2
        else:
            sys.stderr.write(__doc__)
            return 2
    cmd = argv[i + 1:]
    if not cmd:
        sys.stderr.write(__doc__)
        return 2

    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ, "out")
    sel.register(p.stderr, selectors.EVENT_READ, "err")
    out, err = b"", b""
    open_streams = 2
    last_output = time.monotonic()
    deadline = time.monotonic() + 30
    answers_left = wrong + (1 if right else 0)
    sent = 0
    secret = uri = None
    step = None

    def text():
        return (out + err).decode(errors="replace")

    def complete_lines():
        # only whole lines: a pipe read may stop in the middle of the secret
        o = out[:out.rfind(b"\n") + 1]
        e = err[:err.rfind(b"\n") + 1]
        return (o + b"\n" + e).decode(errors="replace")

    while open_streams and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.1):
            data = os.read(key.fileobj.fileno(), 65536)
            if not data:
                sel.unregister(key.fileobj)
                open_streams -= 1
                continue
            last_output = time.monotonic()
            if key.data == "out":
                out += data
            else:
                err += data
        if secret is None:
            secret, uri = find_secret(complete_lines())
        if secret is None or answers_left == 0 or p.stdin.closed:
            continue
        prompts = text().count(PROMPT)
        quiet = time.monotonic() - last_output > 1.0
        if prompts > sent or quiet:
            if sent < wrong:
                s = int(time.time()) // 30
                near = {totp(secret, s + d) for d in range(-2, 3)}
                code = "%06d" % random.randrange(1000000)
                while code in near:
                    code = "%06d" % random.randrange(1000000)
            else:
                step = int(time.time()) // 30
                code = totp(secret, step)
            try:
                p.stdin.write((code + "\n").encode())
                p.stdin.flush()
            except BrokenPipeError:
                pass
            sent += 1
            answers_left -= 1
            last_output = time.monotonic()
            if answers_left == 0:
                p.stdin.close()
    if not p.stdin.closed:
        try:
            p.stdin.close()
        except BrokenPipeError:
            pass
    try:
        rc = p.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        print("TIMEOUT")
    t = text()
    if log:
        with open(log, "a") as f:
            f.write("$ %s\n--- stdout\n%s\n--- stderr\n%s\n--- exit %d\n" % (
                " ".join(cmd), out.decode(errors="replace"), err.decode(errors="replace"), rc))
    codes = CODE_RE.findall(out.decode(errors="replace"))
    for line in out.decode(errors="replace").splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and "recovery_codes" in obj:
                codes = obj["recovery_codes"].split()
    print("SECRET %s" % (secret or ""))
    print("URI %s" % (uri or ""))
    print("STEP %s" % (step if step is not None else ""))
    print("RECOVERY %s" % " ".join(codes))
    print("WRONG_MESSAGES %d" % t.count("That code is not right"))
    print("EXIT %d" % rc)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
