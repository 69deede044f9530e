#!/usr/bin/env python3
"""Raw wire-protocol client, bad-input cases and a fake helper for the pam_fio tests.

The frame format is the one in common/fio-proto.h (all integers big-endian):
    u32 length (bytes that follow: 4 + payload), u16 type, u16 reserved, payload
Fields: U32 big-endian; STR/SECRET = u32 length || bytes.

Usage:
    fioproto.py case SOCK NAME        run one bad-input case; exit 0 if the helper
                                      closed the connection as it must (and never
                                      sent a successful VERDICT)
    fioproto.py list                  the case names
    fioproto.py login SOCK USER PASSWORD [CODE]
                                      a whole AUTH conversation over the raw
                                      protocol (control for the codec used here);
                                      prints the frames; exit 0 on VERDICT OK
    fioproto.py idle SOCK N SECONDS READYFILE
                                      open N connections that say nothing, touch
                                      READYFILE, hold them SECONDS, then print how
                                      many were opened and how many the helper closed
    fioproto.py fake-server SOCK SECONDS [MODE]
                                      a fake helper: answers HELLO, then behaves
                                      as MODE (default "ok": VERDICT OK to any
                                      request; see the fake_* functions, plus
                                      "bad_version": HELLO with version 2)
"""
import os
import socket
import struct
import sys
import time

HELLO, AUTH, ACCT, ANSWER, CTL = 1, 2, 3, 4, 5
PROMPT, INFO, RECORD, VERDICT = 64, 65, 66, 67
FRAME_MAX = 16384
VERSION = 1
CLIENT_PAM, CLIENT_CTL = 1, 2
RESULT_OK = 0
TYPE_NAMES = {HELLO: "HELLO", AUTH: "AUTH", ACCT: "ACCT", ANSWER: "ANSWER", CTL: "CTL",
              PROMPT: "PROMPT", INFO: "INFO", RECORD: "RECORD", VERDICT: "VERDICT"}

# How long the helper may take to close a connection it must drop: the frame
# deadline is 2 s and the HELLO deadline 5 s (fio-proto.h); allow slack.
CLOSE_LIMIT = 8.0


def u32(v):
    return struct.pack(">I", v)


def s(v):
    if isinstance(v, str):
        v = v.encode()
    return u32(len(v)) + v


def frame(t, payload=b"", reserved=0, length=None):
    if length is None:
        length = 4 + len(payload)
    return struct.pack(">IHH", length, t, reserved) + payload


def hello(version=VERSION, kind=CLIENT_PAM):
    return frame(HELLO, u32(version) + u32(kind))


def auth(user, service="fiotest", rhost="", ruser="", tty="", flags=0, authtok=b""):
    return frame(AUTH, s(service) + s(user) + s(rhost) + s(ruser) + s(tty) + u32(flags) + s(authtok))


def answer(pid, text):
    return frame(ANSWER, u32(pid) + s(text))


def verdict(result=RESULT_OK, authtok_len=0):
    return frame(VERDICT, u32(result) + u32(authtok_len))


class Conn:
    def __init__(self, path, timeout=CLOSE_LIMIT):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(path)
        self.buf = b""
        self.eof = False
        self.reset = False
        self.frames = []

    def send(self, data):
        """Sends data; a helper that already closed is fine (returns False)."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            self.reset = True
            return False
        except socket.timeout:
            return False

    def _parse(self):
        while len(self.buf) >= 8:
            length, t, _res = struct.unpack(">IHH", self.buf[:8])
            if length < 4 or len(self.buf) < 4 + length:
                return
            payload = self.buf[8:4 + length]
            self.buf = self.buf[4 + length:]
            self.frames.append((t, payload))

    def read_frame(self, timeout=10.0):
        """The next frame, or None at EOF/timeout."""
        end = time.monotonic() + timeout
        while not self.frames:
            if self.eof:
                return None
            left = end - time.monotonic()
            if left <= 0:
                return None
            self._recv(left)
        return self.frames.pop(0)

    def _recv(self, left):
        self.sock.settimeout(max(left, 0.01))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        except ConnectionResetError:
            self.eof = self.reset = True
            return
        if not data:
            self.eof = True
            return
        self.buf += data
        self._parse()

    def wait_eof(self, limit=CLOSE_LIMIT):
        """Reads (keeping frames) until EOF; returns seconds taken or None."""
        start = time.monotonic()
        while not self.eof:
            left = start + limit - time.monotonic()
            if left <= 0:
                return None
            self._recv(left)
        return time.monotonic() - start

    def close(self):
        self.sock.close()


def describe(t, payload):
    name = TYPE_NAMES.get(t, str(t))
    if t == VERDICT and len(payload) >= 8:
        r, n = struct.unpack(">II", payload[:8])
        return "%s(result=%d, authtok_len=%d)" % (name, r, n)
    if t in (PROMPT, INFO):
        try:
            off = 12 if t == PROMPT else 4
            ln = struct.unpack(">I", payload[off:off + 4])[0]
            return "%s(%r)" % (name, payload[off + 4:off + 4 + ln].decode(errors="replace"))
        except struct.error:
            pass
    return name


def do_hello(c):
    c.send(hello())
    f = c.read_frame(5)
    if f is None or f[0] != HELLO:
        raise RuntimeError("no HELLO reply from the helper: %r" % (f,))
    return f


# ---------------------------------------------------------------- bad-input cases
# Each returns the connection after sending its input; the driver then waits
# for EOF. "expect_hello" cases first complete a valid HELLO exchange.

def case_truncated_close(c):
    # length says 100, 10 bytes follow, then we half-close
    c.send(struct.pack(">IHH", 100, AUTH, 0) + b"\x00" * 2)
    c.sock.shutdown(socket.SHUT_WR)


def case_truncated_silent(c):
    # a header announcing 100 bytes, then silence: closed at the frame deadline
    c.send(struct.pack(">IHH", 100, HELLO, 0))


def case_partial_header(c):
    c.send(b"\x00\x00")


def case_len_ffffffff(c):
    c.send(struct.pack(">IHH", 0xFFFFFFFF, HELLO, 0) + b"\x00" * 64)


def case_len_7fffffff(c):
    c.send(struct.pack(">IHH", 0x7FFFFFFF, HELLO, 0) + b"\x00" * 64)


def case_len_max_plus_1(c):
    c.send(struct.pack(">IHH", FRAME_MAX + 1, HELLO, 0) + b"\x00" * (FRAME_MAX - 3))


def case_len_zero(c):
    c.send(struct.pack(">I", 0) + b"\x00" * 8)


def case_len_three(c):
    c.send(struct.pack(">I", 3) + b"\x00" * 8)


def case_reserved_nonzero(c):
    c.send(frame(HELLO, u32(VERSION) + u32(CLIENT_PAM), reserved=1))


def case_unknown_type_first(c):
    c.send(frame(999, b""))


def case_unknown_type_after_hello(c):
    do_hello(c)
    c.send(frame(200, u32(0)))


def case_verdict_first(c):
    c.send(verdict())


def case_verdict_after_hello(c):
    do_hello(c)
    c.send(verdict())


def case_prompt_from_client(c):
    do_hello(c)
    c.send(frame(PROMPT, u32(1) + u32(1) + u32(0) + s("Password: ")))


def case_second_hello(c):
    do_hello(c)
    c.send(hello())


def case_answer_before_prompt(c):
    do_hello(c)
    c.send(answer(1, "123456"))


def case_answer_before_hello(c):
    c.send(answer(1, "123456"))


def case_auth_before_hello(c):
    c.send(auth("fiotest-nobody"))


def case_nul_in_user(c):
    do_hello(c)
    c.send(auth("fioproto\x00x"))


def case_nul_in_service(c):
    do_hello(c)
    c.send(auth("fioproto", service="log\x00in"))


def case_nul_in_answer(c):
    do_hello(c)
    c.send(auth("fioproto-nobody"))
    f = c.read_frame(5)
    if f is None or f[0] != PROMPT:
        raise RuntimeError("expected a PROMPT, got %r" % (f,))
    pid = struct.unpack(">I", f[1][:4])[0]
    c.send(answer(pid, b"pass\x00word"))


def case_bad_utf8_user(c):
    do_hello(c)
    c.send(auth(b"fio\xff\xfeproto"))


def case_user_over_limit(c):
    do_hello(c)
    c.send(auth("u" * 257))


def case_user_1mb(c):
    do_hello(c)
    c.send(auth("u" * (1 << 20)))


def case_str_len_lies(c):
    # the user STR claims 1000 bytes but the frame ends earlier
    do_hello(c)
    payload = s("fiotest") + u32(1000) + b"abc"
    c.send(frame(AUTH, payload))


def case_trailing_in_frame(c):
    # a HELLO whose frame carries 4 bytes more than its fields
    c.send(frame(HELLO, u32(VERSION) + u32(CLIENT_PAM) + b"JUNK"))


def case_trailing_after_hello(c):
    # a valid HELLO, then garbage that never completes a frame
    c.send(hello() + b"\xde\xad\xbe")


def case_garbage(c):
    c.send(os.urandom(64))


def case_bad_kind(c):
    c.send(hello(kind=77))


def case_bad_auth_flags(c):
    do_hello(c)
    c.send(auth("fioproto-nobody", flags=0x80000000))


def case_version_mismatch(c):
    c.send(hello(version=99))


def case_bytewise_then_bad(c):
    # a valid HELLO over 1-byte writes (must be reassembled), then an unknown type
    for b in hello():
        c.send(bytes([b]))
        time.sleep(0.005)
    f = c.read_frame(5)
    if f is None or f[0] != HELLO:
        raise RuntimeError("HELLO written byte by byte got no HELLO reply: %r" % (f,))
    c.send(frame(300))


CASES = {name[5:]: fn for name, fn in sorted(globals().items()) if name.startswith("case_")}


def run_case(path, name):
    fn = CASES[name]
    c = Conn(path)
    start = time.monotonic()
    try:
        fn(c)
    except RuntimeError as e:
        print("# %s: %s" % (name, e))
        return 1
    took = c.wait_eof()
    seen = [describe(t, p) for t, p in c.frames]
    print("# %s: frames from helper: %s; closed after %s s%s" % (
        name, ", ".join(seen) or "none",
        "%.2f" % (time.monotonic() - start) if took is not None else "NEVER (>%gs)" % CLOSE_LIMIT,
        " (reset)" if c.reset else ""))
    c.close()
    bad = [x for x in c.frames if x[0] == VERDICT and x[1][:4] == u32(RESULT_OK)]
    if bad:
        print("# %s: the helper sent a successful VERDICT" % name)
        return 1
    return 0 if took is not None else 1


def run_login(path, user, password, code=None):
    c = Conn(path)
    do_hello(c)
    c.send(auth(user))
    answers = [password] + ([code] if code else [])
    while True:
        f = c.read_frame(15)
        if f is None:
            print("EOF")
            return 1
        t, p = f
        print(describe(t, p))
        if t == PROMPT:
            pid = struct.unpack(">I", p[:4])[0]
            if not answers:
                print("NOANSWER")
                return 1
            c.send(answer(pid, answers.pop(0)))
        elif t == VERDICT:
            r = struct.unpack(">I", p[:4])[0]
            return 0 if r == RESULT_OK else 1


def run_idle(path, n, seconds, ready):
    conns = []
    for _ in range(n):
        try:
            sk = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sk.settimeout(5)
            sk.connect(path)
            sk.setblocking(False)
            conns.append(sk)
        except OSError as e:
            print("# connect %d failed: %s" % (len(conns) + 1, e))
            break
    with open(ready, "w") as f:
        f.write("%d\n" % len(conns))
    end = time.monotonic() + seconds
    closed = set()
    while time.monotonic() < end:
        for i, sk in enumerate(conns):
            if i in closed:
                continue
            try:
                if sk.recv(4096) == b"":
                    closed.add(i)
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)
        time.sleep(0.2)
    print("opened %d closed %d" % (len(conns), len(closed)))
    for sk in conns:
        sk.close()
    return 0


def prompt(pid, text, style=1, flags=0):
    return frame(PROMPT, u32(pid) + u32(style) + u32(flags) + s(text))


def info(text, kind=1):
    return frame(INFO, u32(kind) + s(text))


def ask(c, pid, text, style=1):
    """Sends a PROMPT and waits for its ANSWER; False if none came."""
    c.send(prompt(pid, text, style))
    f = c.read_frame(5)
    return f is not None and f[0] == ANSWER


# What the fake helper does after HELLO and the client's request. Each is a
# way a helper (or a look-alike) can misbehave; "ok" and "info_prompt" are the
# well-behaved controls.
def fake_ok(c):
    c.send(verdict(RESULT_OK, 0))


def fake_info_prompt(c):
    c.send(info("Line one.") + info("Line two."))
    if ask(c, 1, "Verification code: ") and ask(c, 2, "Name: ", style=2):
        c.send(verdict(RESULT_OK, 0))


def fake_many_info(c):
    for i in range(40):
        c.send(info("info %d" % i))
    if ask(c, 1, "Verification code: "):
        c.send(verdict(RESULT_OK, 0))


def fake_big_prompt(c):
    if ask(c, 1, "P" * 600 + ": "):
        c.send(verdict(RESULT_OK, 0))


def fake_escape(c):
    c.send(info("before\x1b[2J\x1b]0;owned\x07after"))
    c.send(verdict(RESULT_OK, 0))


def fake_many_prompts(c):
    for i in range(100):
        if not ask(c, i + 1, "Verification code: "):
            return
    c.send(verdict(RESULT_OK, 0))


def fake_client_type(c):
    c.send(answer(1, "x"))
    c.send(verdict(RESULT_OK, 0))


def fake_bad_result(c):
    c.send(verdict(99, 0))


def fake_close(c):
    pass


def fake_trailing(c):
    c.send(frame(VERDICT, u32(RESULT_OK) + u32(0) + b"JUNK"))


def fake_oversized(c):
    c.send(struct.pack(">IHH", 0xFFFFFFFF, VERDICT, 0) + u32(RESULT_OK) + u32(0))


FAKES = {name[5:]: fn for name, fn in sorted(globals().items()) if name.startswith("fake_")}


def run_fake_server(path, seconds, mode="ok", hello_version=VERSION):
    behave = FAKES[mode]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o666)
    srv.listen(16)
    srv.settimeout(0.5)
    end = time.monotonic() + seconds
    served = 0
    while time.monotonic() < end:
        try:
            cs, _ = srv.accept()
        except socket.timeout:
            continue
        c = Conn.__new__(Conn)
        c.sock, c.buf, c.eof, c.reset, c.frames = cs, b"", False, False, []
        f = c.read_frame(3)
        if f is not None and f[0] == HELLO:
            c.send(hello(hello_version, 0))
            f = c.read_frame(3)
            if f is not None:
                behave(c)
                served += 1
        time.sleep(0.2)
        cs.close()
        sys.stdout.write("served %d\n" % served)
        sys.stdout.flush()
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "list":
        print("\n".join(CASES))
        return 0
    if len(argv) == 4 and argv[1] == "case":
        return run_case(argv[2], argv[3])
    if len(argv) in (5, 6) and argv[1] == "login":
        return run_login(argv[2], argv[3], argv[4], argv[5] if len(argv) == 6 else None)
    if len(argv) == 6 and argv[1] == "idle":
        return run_idle(argv[2], int(argv[3]), float(argv[4]), argv[5])
    if len(argv) in (4, 5) and argv[1] == "fake-server":
        mode = argv[4] if len(argv) == 5 else "ok"
        if mode == "bad_version":
            return run_fake_server(argv[2], float(argv[3]), "ok", hello_version=VERSION + 1)
        return run_fake_server(argv[2], float(argv[3]), mode)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
