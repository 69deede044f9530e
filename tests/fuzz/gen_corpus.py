#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (valid inputs the
fuzzers mutate from). Run from anywhere: python3 tests/fuzz/gen_corpus.py
The output is committed; rerun it when fio-proto.h changes."""
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

# fio-proto.h
HELLO, AUTH, ACCT, ANSWER, CTL, CHAUTHTOK = 1, 2, 3, 4, 5, 7
PROMPT, INFO, RECORD, VERDICT = 64, 65, 66, 67
CLIENT_PAM, CLIENT_CTL = 1, 2


def u32(v):
    return struct.pack(">I", v)


def s(v):
    b = v.encode() if isinstance(v, str) else v
    return u32(len(b)) + b


def frame(mtype, payload):
    return struct.pack(">IHH", 4 + len(payload), mtype, 0) + payload


def hello(kind=CLIENT_PAM, version=1):
    return frame(HELLO, u32(version) + u32(kind))


def items(service="sshd", user="alice", rhost="192.0.2.7", ruser="", tty="ssh", flags=0):
    return s(service) + s(user) + s(rhost) + s(ruser) + s(tty) + u32(flags)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def helper_frames():
    t = "fuzz_helper_frames"
    write(t, "hello-pam", hello())
    write(t, "hello-ctl", hello(CLIENT_CTL))
    write(t, "hello-v2", hello(version=2))
    write(t, "auth-prompt", hello() + frame(AUTH, items() + s("")))
    write(t, "chauthtok-prelim", hello() + frame(CHAUTHTOK, items(service="passwd", flags=0x100)
                                                 + s("") + s("")))
    write(t, "chauthtok-update", hello() + frame(CHAUTHTOK, items(service="passwd", flags=0x1200)
                                                 + s("old-password") + s("new-password-x")))
    write(t, "auth-authtok", hello() + frame(AUTH, items(flags=0x2 | 0x1) + s("hunter2")))
    write(t, "auth-answers", hello() + frame(AUTH, items(user="bob", flags=0x8) + s(""))
          + frame(ANSWER, u32(1) + s("Pass-word 123456"))
          + frame(ANSWER, u32(2) + s("0ABC-DEFG-HJKM-NPQR")))
    write(t, "auth-utf8", hello() + frame(AUTH, items(user="j\u00fcrgen", rhost="h\u00f6st",
                                                     tty="/dev/pts/3") + s(b"\xff\xfe pw")))
    write(t, "acct", hello() + frame(ACCT, items(service="login", rhost="", tty="tty1")))
    write(t, "ctl-status", hello(CLIENT_CTL) + frame(CTL, u32(1) + u32(1) + s("") + s("") + s("")))
    write(t, "ctl-useradd", hello(CLIENT_CTL) + frame(
        CTL, u32(2) + u32(0) + s("carol") + s("carol@example.org") + s("s3cret pw")))
    write(t, "ctl-enroll-import", hello(CLIENT_CTL) + frame(
        CTL, u32(7) + u32(0) + s("dave") + s("") + s("JBSWY3DPEHPK3PXP")))
    write(t, "ctl-enroll-answer", hello(CLIENT_CTL) + frame(
        CTL, u32(7) + u32(0) + s("erin") + s("") + s("")) + frame(ANSWER, u32(1) + s("123 456")))
    write(t, "ctl-lock-show", hello(CLIENT_CTL) + frame(CTL, u32(10) + u32(1) + s("") + s("") + s("")))
    write(t, "ctl-lock-clear", hello(CLIENT_CTL) + frame(CTL, u32(11) + u32(0) + s("g") + s("") + s("")))
    write(t, "ctl-passwd", hello(CLIENT_CTL) + frame(CTL, u32(6) + u32(0) + s("f") + s("") + s("new")))


def client_frames():
    t = "fuzz_client_frames"
    write(t, "prompt-pass", frame(PROMPT, u32(1) + u32(1) + u32(1) + s("Password: ")))
    write(t, "prompt-code", frame(INFO, u32(1) + s("Enter the code from your app."))
          + frame(PROMPT, u32(2) + u32(1) + u32(0) + s("Verification code: ")))
    write(t, "prompt-echo", frame(PROMPT, u32(3) + u32(2) + u32(0) + s("Name: ")))
    write(t, "verdict-ok", frame(VERDICT, u32(0) + u32(8)))
    write(t, "verdict-denied", frame(INFO, u32(2) + s("Authentication failed."))
          + frame(VERDICT, u32(1) + u32(0)))
    write(t, "verdict-locked", frame(VERDICT, u32(2) + u32(0)))
    qr = "\u2588\u2580\u2584 " * 200
    write(t, "info-qr", frame(INFO, u32(1) + s("otpauth://totp/pam_fio:alice?secret=JBSWY3DPEHPK3PXP"))
          + frame(INFO, u32(1) + s(qr)) + frame(PROMPT, u32(1) + u32(2) + u32(0) + s("Code: ")))
    rec = [("name", "alice"), ("email", "alice@example.org"), ("password", "set"),
           ("totp", "enrolled"), ("recovery_left", "10"), ("created", "2024-01-01T00:00:00Z")]
    payload = u32(len(rec)) + b"".join(s(k) + s(v) for k, v in rec)
    write(t, "record-user", frame(RECORD, payload) + frame(RECORD, u32(0))
          + frame(VERDICT, u32(0) + u32(0)))
    write(t, "status", frame(RECORD, u32(3) + s("version") + s("0.1.0") + s("backend") + s("sqlite")
                             + s("users") + s("2")) + frame(VERDICT, u32(0) + u32(0)))


def config():
    t = "fuzz_config"
    with open(os.path.join(TOP, "conf", "fio.conf"), "rb") as f:
        sample = f.read()
    write(t, "sample", sample)
    # the same with every setting uncommented
    lines = []
    for line in sample.decode().splitlines():
        if re.match(r"^#[a-z}\t]", line):
            line = line[1:]
        lines.append(line)
    write(t, "sample-uncommented", ("\n".join(lines) + "\n").encode())
    write(t, "harness", b"""socket = "/tmp/fiotest.X/run/helper.sock";
key_file = "/tmp/fiotest.X/state/secret.key";
admin_group = "fio-admin";
user = "_fiotest";
store = { backend = "sqlite"; path = "/tmp/fiotest.X/state/fio.db"; };
password = { hash_cost = 3; };
recovery = { kdf_iterations = 1000; };
totp = { digits = 8; period = 60; window = 0; issuer = "Example Corp"; };
limits = { max_connections = 16; max_per_uid = 1; };
workers = 64;
answer_timeout = 3600;
""")
    write(t, "lockout", b"lockout = { max_failures = 3; interval = 60; unlock_after = 120; "
          b"per_source_max = 10; max_consecutive = 5; exempt_root = true; };\n")
    write(t, "include", b'@include "fio.conf"\nworkers = 2;\n')
    write(t, "bad-unknown-key", b"socket = \"/run/x\";\nfrobnicate = 1;\n")
    write(t, "bad-range", b"totp = { digits = 4294967302; };\n")
    write(t, "bad-relative", b"key_file = \"secret.key\";\n")
    write(t, "bad-type", b"workers = \"four\";\nstore = ( 1, 2 );\n")
    write(t, "comments", b"/* c */ // c\n# c\nworkers = 0x10; // hex\nanswer_timeout = 60L;\n")


def parsers():
    t = "fuzz_parsers"
    for name, v in [("b32-secret", "JBSWY3DPEHPK3PXP"), ("b32-grouped", "jbsw y3dp ehpk 3pxp"),
                    ("b32-padded", "MZXW6==="), ("b32-dashes", "GEZD-GNBV-GY3T-QOJQ"),
                    ("totp-6", "123456"), ("totp-6-space", "123 456"), ("totp-8", "12345678"),
                    ("totp-7-space", "123 4567"),
                    ("rec", "0ABC-DEFG-HJKM-NPQR"), ("rec-lower", "9zzz yyyy xxxx wwww"),
                    ("rec-lookalike", "1OIL-oil0-ABCD-EFGH"),
                    ("utf8", "j\u00fcrgen \u2603 \U0001f600"),
                    ("escape", 'a"b\\c\x01\x7f\t\n')]:
        write(t, name, v.encode())
    write(t, "utf8-bad", b"\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe0\x80")
    write(t, "nul", b"123\x00456")


helper_frames()
client_frames()
config()
parsers()
