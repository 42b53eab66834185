"""Helpers for the end-to-end tests of the built `rtc` binary (see test_datachannel.py).

Every child process runs in its own session (process group); the `spawn` fixture kills every
group it started when the test ends, passed or failed. Every wait is bounded in time, and each
test has a wall-clock limit (`@pytest.mark.timeout(SECONDS)`, default DEFAULT_TIMEOUT,
enforced with SIGALRM; scaled by RTC_TEST_TIMEOUT_SCALE).
"""
import atexit
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RTC = os.path.abspath(os.environ.get("RTC_BINARY", os.path.join(ROOT, ".build/debug/rtc")))
DEFAULT_TIMEOUT = 60
TIMEOUT_SCALE = float(os.environ.get("RTC_TEST_TIMEOUT_SCALE", "1"))
LOOPBACK = ["--ice-host", "127.0.0.1"]


def pytest_configure(config):
    config.addinivalue_line("markers", "timeout(seconds): wall-clock limit of one test")
    config.addinivalue_line("markers", "chromium: needs headless Chromium and chromedriver")


LIVE = set()  # every Proc not yet killed, for the SIGTERM / exit cleanup below


def _kill_all_children():
    for p in list(LIVE):
        p.kill()


def _terminated(signum, frame):
    # `timeout` (Scripts/interop/run) or CI ends the run: take the children down with us.
    _kill_all_children()
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _terminated)
atexit.register(_kill_all_children)


class TestTimeout(Exception):
    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    marker = item.get_closest_marker("timeout")
    seconds = (marker.args[0] if marker else DEFAULT_TIMEOUT) * TIMEOUT_SCALE

    def expired(signum, frame):
        raise TestTimeout(f"test exceeded its {seconds:.0f} s limit")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Proc:
    """A child process with stdout lines collected by a reader thread (no pipe deadlocks)."""

    def __init__(self, args, name, env=None, stdin=subprocess.PIPE, stdout=subprocess.PIPE):
        self.name = name
        self.args = args
        self.started = time.monotonic()
        self.popen = subprocess.Popen(
            args, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
            start_new_session=True, env=env)
        LIVE.add(self)
        self.lines = queue.Queue()
        self.stderr_chunks = []
        self._write_lock = threading.Lock()
        if self.popen.stdout is not None:
            self._out_thread = threading.Thread(target=self._read_stdout, daemon=True)
            self._out_thread.start()
        self._err_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._err_thread.start()

    def _read_stdout(self):
        f = self.popen.stdout
        try:
            for line in iter(f.readline, b""):
                line = line.rstrip(b"\n")
                self.lines.put((time.monotonic(), line))
        except (ValueError, OSError):
            pass
        self.lines.put((time.monotonic(), None))

    def _read_stderr(self):
        for chunk in iter(lambda: self.popen.stderr.read1(65536), b""):
            self.stderr_chunks.append(chunk)

    # -- stdout ---------------------------------------------------------------------------
    def readline(self, timeout=15):
        """The next stdout line (bytes), or None at EOF; fails the test on timeout."""
        try:
            _, line = self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"{self.name}: no stdout line within {timeout} s; stderr: {self.stderr()!r}")
        if line is None:
            self.lines.put((time.monotonic(), None))  # stay at EOF
        return line

    def readline_at(self, timeout=15):
        try:
            at, line = self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"{self.name}: no stdout line within {timeout} s; stderr: {self.stderr()!r}")
        if line is None:
            self.lines.put((time.monotonic(), None))
        return at, line

    def read_json(self, timeout=15):
        line = self.readline(timeout)
        assert line is not None, f"{self.name}: stdout ended; stderr: {self.stderr()!r}"
        try:
            return json.loads(line)
        except ValueError:
            pytest.fail(f"{self.name}: stdout line is not JSON: {line[:200]!r}")

    def wait_event(self, kind, timeout=15, skip=("state",)):
        """Reads JSON lines until one of type `kind`; other types must be in `skip`."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"{self.name}: no {kind!r} event within {timeout} s; stderr: {self.stderr()!r}")
            event = self.read_json(left)
            if event.get("type") == kind:
                return event
            assert event.get("type") in skip, f"{self.name}: unexpected event before {kind!r}: {event}"

    def rest_of_stdout(self, timeout=15):
        """All remaining stdout lines until EOF."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"{self.name}: stdout did not end within {timeout} s")
            line = self.readline(left)
            if line is None:
                return out
            out.append(line)

    # -- stdin ----------------------------------------------------------------------------
    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        with self._write_lock:
            self.popen.stdin.write(data)
            self.popen.stdin.flush()

    def writeline(self, line):
        if isinstance(line, (dict, list)):
            line = json.dumps(line)
        if isinstance(line, str):
            line = line.encode()
        self.write(line + b"\n")

    def close_stdin(self):
        try:
            self.popen.stdin.close()
        except OSError:
            pass

    def writer_thread(self, lines, close=True):
        """Writes an iterable of lines (str/bytes/dict) from a thread; returns the thread."""
        errors = []

        def run():
            try:
                for line in lines:
                    self.writeline(line)
                if close:
                    self.close_stdin()
            except (BrokenPipeError, OSError) as e:
                errors.append(e)

        t = threading.Thread(target=run, daemon=True)
        t.errors = errors
        t.start()
        return t

    # -- lifetime -------------------------------------------------------------------------
    def wait(self, timeout=15):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{self.name}: still running after {timeout} s; stderr: {self.stderr()!r}")

    def stderr(self):
        return b"".join(self.stderr_chunks).decode(errors="replace")

    def stderr_after_exit(self):
        self._err_thread.join(5)
        return self.stderr()

    def kill(self):
        LIVE.discard(self)
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        else:
            # The leader is gone; children in its group (chromedriver, chromium) may remain.
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


FIGURES = []


@pytest.fixture
def figures():
    """figures(text): a measured figure, printed in the summary at the end of the run."""
    return FIGURES.append


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("measured")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def spawn(request):
    """spawn(args, name) starts a Proc; all are killed (process group) when the test ends."""
    procs = []

    def start(args, name=None, **kw):
        p = Proc(args, name or os.path.basename(args[0]) + " " + " ".join(args[1:2]), **kw)
        procs.append(p)
        return p

    yield start
    failed = getattr(request.node, "rep_call", None)
    for p in procs:
        if failed is not None and failed.failed and p.stderr():
            sys.stderr.write(f"--- stderr of {p.name} ---\n{p.stderr()[-4000:]}\n")
        p.kill()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def rtc_args(role, *extra, json_mode=True):
    args = [RTC, role] + LOOPBACK + list(extra)
    if json_mode:
        args.append("--json")
    return args


@pytest.fixture
def rtc_pair(spawn):
    """rtc_pair(json_mode=True, offer_args=(), answer_args=()) starts `rtc offer` and
    `rtc answer`, exchanges the descriptions, and returns (offerer, answerer)."""

    def start(json_mode=True, offer_args=(), answer_args=(), timeout=15):
        offerer = spawn(rtc_args("offer", *offer_args, json_mode=json_mode), "rtc offer")
        answerer = spawn(rtc_args("answer", *answer_args, json_mode=json_mode), "rtc answer")
        exchange(offerer, answerer, timeout)
        return offerer, answerer

    return start


def exchange(offerer, answerer, timeout=15):
    """Hands the offerer's first line to the answerer and the answer back."""
    offer = offerer.readline(timeout)
    assert offer, f"{offerer.name}: no offer; stderr: {offerer.stderr()!r}"
    answerer.write(offer + b"\n")
    answer = answerer.readline(timeout)
    assert answer, f"{answerer.name}: no answer; stderr: {answerer.stderr()!r}"
    offerer.write(answer + b"\n")
    return offer, answer


# ---------------------------------------------------------------------------------------------
# pion and Janus peers (test_pion.py, test_janus.py, test_setup_times.py)
# ---------------------------------------------------------------------------------------------

PION_BUILD = os.path.join(HERE, "pion", "build")
JANUS_SIGNAL = os.path.join(HERE, "janus_signal.py")
JANUS_LIBS = "/usr/lib/x86_64-linux-gnu/janus"


@pytest.fixture(scope="session")
def pion_peer():
    """Path of the pion peer binary (Scripts/interop/pion/build, from Debian's Go packages).
    A peer that cannot be built fails the tests that need it."""
    r = subprocess.run([PION_BUILD], capture_output=True, text=True, timeout=600 * TIMEOUT_SCALE)
    if r.returncode != 0:
        pytest.fail(f"pion peer missing: {PION_BUILD} failed ({r.returncode}): {r.stderr.strip()[-2000:]}")
    return r.stdout.strip()


def pion_args(binary, role, *extra):
    return [binary, "-role", role, "-timeout", "120s"] + list(extra)


class JanusServer:
    """Janus (Debian) in a network namespace of its own, as INTEROP.md describes: lo up, and
    127.0.0.1/32 also on an ifb device (Janus skips loopback interfaces when it gathers, and
    libnice cannot send from 127.0.0.1 to another loopback address). Its private configuration
    loads only the HTTP transport and the EchoTest, TextRoom and VideoRoom plugins (VideoRoom
room 1234: VP8/Opus, for test_media.py); no STUN, no IPv6."""

    URL = "http://127.0.0.1:8088/janus"  # inside the namespace: no other process can take the port

    def __init__(self, workdir):
        self.ns = f"rjn{os.getpid()}"
        self.dev = "rjnlo0"
        self.workdir = workdir
        self.proc = None

    def netns(self, *args):
        return ["ip", "netns", "exec", self.ns] + list(args)

    def _ip(self, *args):
        r = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            raise RuntimeError(f"ip {' '.join(args)}: {r.stderr.strip()}")

    def _configure(self):
        d = self.workdir
        for sub, libs in (("plugins", ["libjanus_echotest.so", "libjanus_textroom.so",
                                       "libjanus_videoroom.so"]),
                          ("transports", ["libjanus_http.so"])):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
            for lib in libs:
                src = os.path.join(JANUS_LIBS, sub, lib)
                if not os.path.exists(src):
                    raise RuntimeError(f"Janus peer missing: no {src} (apt-get install janus)")
                os.symlink(src, os.path.join(d, sub, lib))
        conf = os.path.join(d, "conf")
        os.makedirs(conf, exist_ok=True)
        files = {
            "janus.jcfg": f"""general: {{
  configs_folder = "{conf}"
  plugins_folder = "{d}/plugins"
  transports_folder = "{d}/transports"
  events_folder = "{d}/none"
  loggers_folder = "{d}/none"
  debug_level = 4
}}
media: {{ ipv6 = false }}
nat: {{ ice_enforce_list = "{self.dev}" }}
""",
            "janus.transport.http.jcfg": """general: { json = "plain" base_path = "/janus" http = true port = 8088 https = false }
admin: { admin_http = false admin_https = false }
""",
            "janus.plugin.echotest.jcfg": "general: {}\n",
            "janus.plugin.textroom.jcfg": 'general: { json = "plain" }\nroom-1234: { description = "rtc interop" }\n',
            "janus.plugin.videoroom.jcfg": 'general: {}\nroom-1234: { description = "rtc media" publishers = 4 '
                                           'videocodec = "vp8" audiocodec = "opus" fir_freq = 2 }\n',
        }
        for name, text in files.items():
            with open(os.path.join(conf, name), "w") as f:
                f.write(text)
        return conf

    def start(self, timeout=30):
        if os.geteuid() != 0:
            raise RuntimeError("Janus tests need root (ip netns)")
        if not os.access("/usr/bin/janus", os.X_OK):
            raise RuntimeError("Janus peer missing: no /usr/bin/janus (apt-get install janus)")
        conf = self._configure()
        self._ip("netns", "add", self.ns)
        atexit.register(self.stop)  # also when the run is cut short (SIGTERM ends in SystemExit)
        self._ip("-n", self.ns, "link", "set", "lo", "up")
        self._ip("-n", self.ns, "link", "add", self.dev, "type", "ifb")
        self._ip("-n", self.ns, "link", "set", self.dev, "addrgenmode", "none")
        self._ip("-n", self.ns, "link", "set", self.dev, "up")
        self._ip("-n", self.ns, "addr", "add", "127.0.0.1/32", "dev", self.dev)
        self.proc = Proc(self.netns("janus", "-F", conf, "-C", os.path.join(conf, "janus.jcfg"), "-o"), "janus")
        # Ready once the HTTP transport says so (bounded); Janus logs to stdout.
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"Janus did not start within {timeout} s: {self.proc.stderr()[-2000:]}")
            line = self.proc.readline(left)
            if line is None:
                raise RuntimeError(f"Janus exited at start: {self.proc.stderr()[-2000:]}")
            if b"JANUS REST (HTTP/HTTPS) transport plugin initialized" in line:
                return

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc = None
        if os.path.exists(f"/run/netns/{self.ns}"):
            subprocess.run(["ip", "netns", "del", self.ns], capture_output=True, timeout=10)


@pytest.fixture(scope="session")
def janus(tmp_path_factory):
    """A running Janus in its own namespace (see JanusServer); failure to start fails the tests."""
    server = JanusServer(str(tmp_path_factory.mktemp("janus")))
    try:
        server.start()
    except Exception as e:
        server.stop()
        pytest.fail(f"Janus peer missing or broken: {e}")
    yield server
    server.stop()
