"""Helpers for the media tests (test_media.py): free ports, ffmpeg RTP sources, ffprobe checks
of the files rtc and the peers write, and a network namespace whose only address is 127.0.0.1
(for GStreamer's libnice, which gathers on every interface).

Everything runs on loopback or in a namespace the test creates (prefix "mdt").
"""
import json
import os
import socket
import subprocess
import sys
import time

FFMPEG = "/usr/bin/ffmpeg"
FFPROBE = "/usr/bin/ffprobe"

# ffmpeg's encoder settings per codec, as a WebRTC sender uses them: a keyframe every second
# (a receiver that joins late, or loses a keyframe, can start), 1,200-byte RTP packets. One
# encoder thread: on a busy machine libvpx's worker threads spin (measured here: 4 s of 640x480
# VP8 took 10 s of CPU with 2 threads, 0.9 s with 1), and -re then falls behind real time.
VIDEO_ENCODERS = {
    "vp8": ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-threads", "1", "-b:v", "1M"],
    "vp9": ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-threads", "1", "-b:v", "1M"],
    "h264": ["-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
             "-threads", "1", "-b:v", "1M"],
}


def free_port(kind=socket.SOCK_DGRAM, host="127.0.0.1"):
    """A port the kernel just gave out on `host` (closed again: the child binds it next)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_udp_port(host="127.0.0.1"):
    return free_port(socket.SOCK_DGRAM, host)


def free_tcp_port(host="127.0.0.1"):
    return free_port(socket.SOCK_STREAM, host)


def _accepts(host, port, netns):
    if netns is None:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            return False
    probe = f"import socket; socket.create_connection(({host!r}, {port}), timeout=1).close()"
    r = subprocess.run(netns.run(sys.executable, "-c", probe), capture_output=True, timeout=10)
    return r.returncode == 0


def wait_tcp_listening(host, port, timeout=15, proc=None, netns=None):
    """Until something accepts TCP connections on host:port, in `netns` (a LoopbackNamespace)
    when given (rtc's WHIP/WHEP endpoint prints nothing when it is ready). Bounded; fails
    early when `proc` exits."""
    deadline = time.monotonic() + timeout
    while True:
        if _accepts(host, port, netns):
            return
        if proc is not None and proc.popen.poll() is not None:
            raise AssertionError(f"{proc.name} exited ({proc.popen.returncode}) before listening on "
                                 f"{host}:{port}; stderr: {proc.stderr()!r}")
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing listening on {host}:{port} within {timeout} s")
        time.sleep(0.05)


def ffmpeg_video_rtp(codec, port, host="127.0.0.1", size="640x480", rate=30, seconds=None):
    """ffmpeg sending a test pattern as RTP to host:port in real time (`-re`)."""
    args = [FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
            "-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}"]
    if seconds is not None:
        args += ["-t", str(seconds)]
    args += VIDEO_ENCODERS[codec] + ["-g", str(rate), "-an", "-f", "rtp", "-pkt_size", "1200",
                                     f"rtp://{host}:{port}"]
    return args


# Files a source reads (--video-in FILE / --audio-in FILE): encoder settings per codec, and
# the file type rtc reads and writes for it. Low delay (no reordering), a keyframe a second.
FILE_ENCODERS = {
    "vp8": ("ivf", ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-threads", "1", "-b:v", "500k"]),
    "vp9": ("ivf", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-threads", "1",
                    "-b:v", "500k"]),
    "av1": ("ivf", ["-c:v", "libsvtav1", "-preset", "12", "-svtav1-params", "pred-struct=1", "-b:v", "500k"]),
    "h264": ("h264", ["-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency", "-threads", "1",
                      "-pix_fmt", "yuv420p", "-b:v", "500k", "-bsf:v", "h264_mp4toannexb"]),
    "opus": ("ogg", ["-c:a", "libopus", "-b:a", "64k"]),
}


def make_media_file(codec, path, seconds, size="320x240", rate=30):
    """Encodes `seconds` of a test pattern (or a 440 Hz tone for opus) into `path`."""
    ext, enc = FILE_ENCODERS[codec]
    if codec == "opus":
        src = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-vn"]
    else:
        src = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}", "-an", "-g", str(rate)]
    args = [FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y"] + src[:4] + ["-t", str(seconds)] \
        + src[4:] + enc + ["-f", {"ivf": "ivf", "h264": "h264", "ogg": "ogg"}[ext], path]
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"ffmpeg could not make {path}: {r.stderr.strip()[-1000:]}"
    return path


def frame_hashes(path, decoded=True, timeout=60):
    """MD5 of every frame of the file's first stream: decoded pictures/samples, or with
    decoded=False the compressed packets as stored (`-c copy`)."""
    args = [FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-i", path, "-map", "0:0"]
    args += ([] if decoded else ["-c", "copy"]) + ["-f", "framemd5", "-"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"ffmpeg could not read {path}: {r.stderr.strip()[-1000:]}"
    # stream, dts, pts, duration, size, hash[, S=n, side data...]: the frame's own hash only (an
    # Ogg source's end trimming is side data, and RTP does not carry it).
    return [l.split(",")[5].strip() for l in r.stdout.splitlines() if l and not l.startswith("#")]


def ffmpeg_audio_rtp(port, host="127.0.0.1", seconds=None):
    """ffmpeg sending a 440 Hz Opus tone as RTP to host:port in real time."""
    args = [FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    if seconds is not None:
        args += ["-t", str(seconds)]
    return args + ["-c:a", "libopus", "-b:a", "64k", "-vn", "-f", "rtp", "-pkt_size", "1200",
                   f"rtp://{host}:{port}"]


def _ffprobe(args, timeout=60):
    r = subprocess.run([FFPROBE, "-v", "error"] + args, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def probe_frames(path, stream="v:0", timeout=60):
    """Decodes every frame of one stream of `path` with ffprobe. Returns a dict:
    codec, packets (in the container), frames (decoded), first/last pts (s), sizes (set of
    (w, h) of decoded video frames), pts (list of decoded frames' pts in s), errors (ffprobe's
    stderr lines: decode errors)."""
    assert os.path.exists(path), f"{path} was not written"
    assert os.path.getsize(path) > 0, f"{path} is empty"
    rc, out, err = _ffprobe(["-count_packets", "-select_streams", stream, "-show_frames",
                             "-show_entries", "stream=codec_name,nb_read_packets:frame=pts_time,width,height",
                             "-of", "json", path], timeout)
    assert rc == 0, f"ffprobe {path} failed ({rc}): {err.strip()[-2000:]}"
    data = json.loads(out)
    streams = data.get("streams") or []
    assert streams, f"ffprobe found no {stream} stream in {path}: {err.strip()[-1000:]}"
    frames = data.get("frames") or []
    pts = [float(f["pts_time"]) for f in frames if f.get("pts_time") not in (None, "N/A")]
    sizes = {(f["width"], f["height"]) for f in frames if "width" in f}
    return {
        "codec": streams[0].get("codec_name"),
        "packets": int(streams[0].get("nb_read_packets") or 0),
        "frames": len(frames),
        "pts": pts,
        "span": (max(pts) - min(pts)) if pts else 0.0,
        "sizes": sizes,
        "errors": [l for l in err.splitlines() if l.strip()],
    }


def describe(probe):
    return (f"{probe['codec']}: {probe['frames']} frames decoded of {probe['packets']} packets, "
            f"{probe['span']:.2f} s, sizes {sorted(probe['sizes'])}, {len(probe['errors'])} error lines "
            f"{probe['errors'][:3]}")


def assert_video_decodes(path, min_seconds=None, min_frames=None, size=None, codec=None):
    """The file's video decodes: at least `min_frames` frames spanning `min_seconds`, every
    decoded frame `size` (w, h) when given, and nearly every packet decoded to a frame."""
    p = probe_frames(path, "v:0")
    if codec is not None:
        assert p["codec"] == codec, f"{path}: {describe(p)}; expected {codec}"
    if min_frames is not None:
        assert p["frames"] >= min_frames, f"{path}: {describe(p)}; expected >= {min_frames} frames"
    if min_seconds is not None:
        assert p["span"] >= min_seconds, f"{path}: {describe(p)}; expected >= {min_seconds} s"
    if size is not None:
        assert p["sizes"] == {tuple(size)}, f"{path}: {describe(p)}; expected only {size}"
    assert p["frames"] >= 0.95 * p["packets"], f"{path}: {describe(p)}; frames failed to decode"
    return p


def assert_audio_decodes(path, min_seconds, codec=None):
    """The file's audio decodes to at least `min_seconds` of frames."""
    p = probe_frames(path, "a:0")
    if codec is not None:
        assert p["codec"] == codec, f"{path}: {describe(p)}; expected {codec}"
    assert p["frames"] > 0 and p["span"] >= min_seconds, f"{path}: {describe(p)}; expected >= {min_seconds} s"
    assert p["frames"] >= 0.95 * p["packets"], f"{path}: {describe(p)}; frames failed to decode"
    return p


class LoopbackNamespace:
    """A network namespace (name prefix "mdt") with lo up and 127.0.0.1/32 also on an ifb
    device, so a stack that skips loopback interfaces (libnice, Janus) still gathers 127.0.0.1
    and nothing else. `run(args)` prefixes `ip netns exec`."""

    def __init__(self, tag):
        self.ns = f"mdt{tag}{os.getpid()}"
        self.dev = "mdtlo0"

    def _ip(self, *args):
        r = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            raise RuntimeError(f"ip {' '.join(args)}: {r.stderr.strip()}")

    def create(self):
        if os.geteuid() != 0:
            raise RuntimeError("network namespaces need root")
        self._ip("netns", "add", self.ns)
        try:
            self._ip("-n", self.ns, "link", "set", "lo", "up")
            self._ip("-n", self.ns, "link", "add", self.dev, "type", "ifb")
            self._ip("-n", self.ns, "link", "set", self.dev, "addrgenmode", "none")
            self._ip("-n", self.ns, "link", "set", self.dev, "up")
            self._ip("-n", self.ns, "addr", "add", "127.0.0.1/32", "dev", self.dev)
        except Exception:
            self.delete()
            raise
        return self

    def run(self, *args):
        return ["ip", "netns", "exec", self.ns] + list(args)

    def delete(self):
        if os.path.exists(f"/run/netns/{self.ns}"):
            subprocess.run(["ip", "netns", "del", self.ns], capture_output=True, timeout=10)


def is_rtp(datagram):
    """RTP, not RTCP (RFC 7983: first byte 128-191; RFC 5761 §4: RTCP types 192-223)."""
    return len(datagram) >= 12 and 128 <= datagram[0] <= 191 and not 64 <= (datagram[1] & 0x7F) <= 95


class TamperingRelay:
    """A UDP relay on 127.0.0.1 between two peers that damages SRTP on its way to one of them.

    Each peer is told (in the description it receives) that the other sits at one of the
    relay's ports, so every datagram, STUN, DTLS, SRTP and SRTCP, passes through here:
    `toward_b` is the port to advertise to A as B's candidate, `toward_a` the one to advertise
    to B. Of the RTP packets going to B, every `every`-th one gets a flipped byte (B's SRTP
    must drop it: authentication fails), and the one `every // 2` after it is sent twice (B must
    drop the copy: replay). `tampered` and `replayed` count what was done.

    With `drop_every=N` (and `every=0`) it is a lossy path instead: every N-th RTP packet toward
    B (retransmissions included) is dropped, counted in `dropped`; the SSRCs of what reached B
    are counted in `ssrcs_to_b` (the RTP header is cleartext under SRTP)."""

    def __init__(self, every=25, drop_every=0):
        import selectors
        self.every = every
        self.drop_every = drop_every
        self.dropped = 0
        self.ssrcs_to_b = {}
        self.sel = selectors.DefaultSelector()
        self.sock_b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # A sends here, B hears from here
        self.sock_a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # B sends here, A hears from here
        for s in (self.sock_a, self.sock_b):
            s.bind(("127.0.0.1", 0))
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ)
        self.toward_b = self.sock_b.getsockname()[1]
        self.toward_a = self.sock_a.getsockname()[1]
        self.addr_a = self.addr_b = None
        self.rtp_to_b = self.tampered = self.replayed = 0
        self.stopped = False
        self.thread = None

    def start(self, addr_a, addr_b):
        import threading
        self.addr_a, self.addr_b = addr_a, addr_b
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopped:
            for key, _ in self.sel.select(0.2):
                try:
                    data = key.fileobj.recv(65536)
                except OSError:
                    continue
                try:
                    if key.fileobj is self.sock_b:  # from A, on to B
                        self._to_b(data)
                    else:
                        self.sock_b.sendto(data, self.addr_a)
                except OSError:
                    pass

    def _to_b(self, data):
        out = self.sock_a
        if not is_rtp(data):
            out.sendto(data, self.addr_b)
            return
        self.rtp_to_b += 1
        n = self.rtp_to_b
        if self.drop_every and n % self.drop_every == 0:
            self.dropped += 1
            return
        if self.drop_every:
            ssrc = int.from_bytes(data[8:12], "big")
            self.ssrcs_to_b[ssrc] = self.ssrcs_to_b.get(ssrc, 0) + 1
        if self.every and n % self.every == 0:
            damaged = bytearray(data)
            damaged[len(damaged) // 2] ^= 0x5A
            out.sendto(bytes(damaged), self.addr_b)
            self.tampered += 1
            return
        out.sendto(data, self.addr_b)
        if self.every and n % self.every == self.every // 2:
            out.sendto(data, self.addr_b)
            self.replayed += 1

    def stop(self):
        self.stopped = True
        if self.thread is not None:
            self.thread.join(5)
        for s in (self.sock_a, self.sock_b):
            s.close()


def retarget_candidate(line, port):
    """A JSON description line whose 127.0.0.1 UDP host candidates (one per media section
    under BUNDLE, all on one port) now have `port`; returns (new line, their old port)."""
    desc = json.loads(line)
    lines = desc["sdp"].split("\r\n")
    found = [i for i, l in enumerate(lines) if l.startswith("a=candidate:") and l.split()[2].lower() == "udp"
             and l.split()[4] == "127.0.0.1"]
    ports = {lines[i].split()[5] for i in found}
    assert len(ports) == 1, f"expected 127.0.0.1 UDP candidates on one port: {[lines[i] for i in found]}"
    for i in found:
        parts = lines[i].split(" ")
        parts[5] = str(port)
        lines[i] = " ".join(parts)
    desc["sdp"] = "\r\n".join(lines)
    return json.dumps(desc).encode(), int(ports.pop())
