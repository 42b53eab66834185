"""End-to-end media tests of the built `rtc` binary (issue 14): RTP in from ffmpeg or a peer,
SRTP across, RTP or files out, checked by decoding what comes out (ffprobe) or by the receiving
browser's getStats().

1. Chromium's fake camera (VP8 + Opus) -> `rtc answer --video-out .ivf --audio-out .ogg`;
2. ffmpeg -> `rtc offer --video-in udp://` -> Chromium (VP8 and H.264);
3. aiortc both ways, audio and video;
4. Janus VideoRoom: rtc publishes, a second rtc subscribes;
5. WHIP/WHEP: rtc to rtc, Chromium publishing and playing, GStreamer's webrtcbin publishing;
6. faults: --loss 5 (NACK), tampered and replayed SRTP (a relay in the path), a udp:// source
   that stops and restarts, a udp:// sink nobody reads, and the --sdp-out file ffmpeg opens;
7. files: an IVF/Annex B/Ogg source (VP8, VP9, AV1, H.264, Opus) arrives frame for frame in the
   sink file, --loop repeats it, and a media-only session ends when the peer goes away.

Peers: chromium_media.py, aiortc_media.py, gst_whip.py, janus_signal.py (media.py has the
ffmpeg/ffprobe helpers and the tampering relay). Loopback or namespaces only, free ports, every
wait bounded. The Janus and GStreamer tests need root (network namespaces: conftest's Janus
namespace, and one "mdtg<pid>" whose only address is 127.0.0.1 for libnice). Run with
Scripts/interop/run test_media.py (about 3 minutes).
"""
import json
import os
import sys
import time

import pytest

from conftest import HERE, JANUS_SIGNAL, LOOPBACK, RTC, exchange, rtc_args
from media import (FILE_ENCODERS, LoopbackNamespace, TamperingRelay, assert_audio_decodes,
                   assert_video_decodes, describe, ffmpeg_audio_rtp, ffmpeg_video_rtp, frame_hashes,
                   free_tcp_port, free_udp_port, make_media_file, probe_frames, retarget_candidate,
                   wait_tcp_listening)
from test_datachannel import needs_chromium

PYTHON = sys.executable
SYSTEM_PYTHON = "/usr/bin/python3"  # GStreamer's bindings are Debian's (python3-gst-1.0)
CHROMIUM_MEDIA = os.path.join(HERE, "chromium_media.py")
AIORTC_MEDIA = os.path.join(HERE, "aiortc_media.py")
GST_WHIP = os.path.join(HERE, "gst_whip.py")
FPS = 30
SIZE = (640, 480)  # ffmpeg's test pattern (media.ffmpeg_video_rtp)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def udp(port):
    return f"udp://127.0.0.1:{port}"


def wait_tracks(rtc, count, timeout=30):
    """rtc's first `count` "track" events (other events pass); fails after `timeout` s."""
    tracks = []
    deadline = time.monotonic() + timeout
    while len(tracks) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"{rtc.name}: {len(tracks)} of {count} track events within {timeout} s: "
                        f"{tracks}; stderr: {rtc.stderr()[-2000:]!r}")
        event = rtc.read_json(left)
        if event.get("type") == "track":
            tracks.append(event)
    return tracks


def assert_tracks(tracks, *expected):
    """Each (kind, codec, direction) once; every track has a mid and an SSRC."""
    got = sorted((t.get("kind"), t.get("codec"), t.get("direction")) for t in tracks)
    assert got == sorted(expected), f"track events {tracks}"
    for t in tracks:
        assert isinstance(t.get("mid"), str) and isinstance(t.get("ssrc"), int), t


def peer_stats_until(peer, done, timeout, what):
    """Reads a peer's {"type":"stats"} lines (chromium_media.py, aiortc_media.py) until
    done(stats) holds; fails after `timeout` s or when the connection fails."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"{peer.name}: {what} not reached within {timeout} s; last stats {last}")
        line = peer.readline(left)
        assert line is not None, f"{peer.name} ended before {what}; last stats {last}; stderr: {peer.stderr()[-2000:]!r}"
        s = json.loads(line)
        if s.get("type") != "stats":
            continue
        last = s
        assert s.get("state") not in ("failed", "closed"), f"{peer.name}: connection {s['state']} before {what}"
        if done(s):
            return s


def for_seconds(seconds, count):
    """A done() for peer_stats_until: true `seconds` after count(stats) first became > 0."""
    first = []

    def done(s):
        if not first and count(s) > 0:
            first.append(time.monotonic())
        return bool(first) and time.monotonic() - first[0] >= seconds
    return done


def chromium_sent(s, kind="video", field="framesSent"):
    return s["send"].get(kind, {}).get(field, 0)


def chromium_decoding(frames, size, codec):
    def done(s):
        v = s["recv"].get("video", {})
        return (v.get("framesDecoded", 0) >= frames and (v.get("frameWidth"), v.get("frameHeight")) == size
                and v.get("codec") == codec)
    return done


def aiortc_count(kind, field):
    def count(s):
        return sum(t.get(field) or 0 for t in s["tracks"] if t["kind"] == kind)
    return count


def media_for(seconds, *procs):
    """Lets media flow for `seconds` (a duration, not a wait for an event) while checking
    that every process stays up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for p in procs:
            assert p.popen.poll() is None, f"{p.name} exited ({p.popen.returncode}); stderr: {p.stderr()[-2000:]!r}"
        time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))


def end_rtc(rtc, timeout=15):
    """EOF on stdin ends the session; rtc exits 0 with its files complete."""
    rtc.close_stdin()
    code = rtc.wait(timeout)
    assert code == 0, f"{rtc.name} exited {code}; stderr: {rtc.stderr_after_exit()[-2000:]!r}"


def end_peer(peer, timeout=30):
    peer.close_stdin()
    code = peer.wait(timeout)
    assert code == 0, f"{peer.name} exited {code}; stderr: {peer.stderr_after_exit()[-2000:]!r}"


def last_stats(lines, kind):
    """The last of rtc's {"type":"stats","mid":...,"kind":...} events (one per media section
    every --stats-interval) for the `kind` section, among stdout `lines`."""
    stats = [e for e in (json.loads(l) for l in lines) if e.get("type") == "stats" and e.get("kind") == kind]
    assert stats, f"no {kind} stats event from rtc --stats-interval"
    assert isinstance(stats[-1].get("mid"), str), stats[-1]
    return stats[-1]


# ---------------------------------------------------------------------------------------------
# 1. Chromium's camera -> rtc answer -> IVF + Ogg
# ---------------------------------------------------------------------------------------------

@pytest.mark.chromium
@needs_chromium
@pytest.mark.timeout(120)
def test_chromium_camera_to_rtc_ivf_ogg(spawn, tmp_path):
    ivf, ogg = str(tmp_path / "camera.ivf"), str(tmp_path / "mic.ogg")
    browser = spawn([PYTHON, CHROMIUM_MEDIA, "offer", "--video", "vp8", "--audio", "--data"], "chromium offer")
    rtc = spawn(rtc_args("answer", "--video", "vp8", "--audio", "opus", "--video-out", ivf,
                         "--audio-out", ogg, "--stats-interval", "1"), "rtc answer")
    exchange(browser, rtc, 60)
    assert_tracks(wait_tracks(rtc, 2), ("audio", "opus", "recvonly"), ("video", "vp8", "recvonly"))
    s = peer_stats_until(browser, for_seconds(6.5, chromium_sent), 40, "6.5 s of camera frames sent")
    size = (s["settings"]["width"], s["settings"]["height"])
    assert (s["send"]["video"]["frameWidth"], s["send"]["video"]["frameHeight"]) == size, s
    assert s["send"]["video"]["codec"] == "vp8" and s["send"]["audio"]["codec"] == "opus", s
    end_rtc(rtc)
    video = last_stats(rtc.rest_of_stdout(), "video")
    assert video["packetsReceived"] > 0 and video["bytesReceived"] > 0, video
    end_peer(browser)
    assert_video_decodes(ivf, min_seconds=5, size=size, codec="vp8")
    assert_audio_decodes(ogg, min_seconds=5, codec="opus")


# ---------------------------------------------------------------------------------------------
# 2. ffmpeg -> rtc offer --video-in udp:// -> Chromium
# ---------------------------------------------------------------------------------------------

@pytest.mark.chromium
@needs_chromium
@pytest.mark.timeout(120)
@pytest.mark.parametrize("codec", ["vp8", "h264"])
def test_ffmpeg_to_rtc_to_chromium(spawn, codec):
    port = free_udp_port()
    rtc = spawn(rtc_args("offer", "--video", codec, "--video-in", udp(port), "--stats-interval", "1"),
                "rtc offer")
    browser = spawn([PYTHON, CHROMIUM_MEDIA, "answer"], "chromium answer")
    exchange(rtc, browser, 60)
    assert_tracks(wait_tracks(rtc, 1), ("video", codec, "sendonly"))
    spawn(ffmpeg_video_rtp(codec, port), "ffmpeg " + codec)
    s = peer_stats_until(browser, chromium_decoding(120, SIZE, codec), 45,
                         f"120 {codec} frames decoded at {SIZE}")
    assert s["recv"]["video"]["framesDecoded"] >= 120
    end_rtc(rtc)
    end_peer(browser)
    # Chromium's receiver reports (RFC 3550 6.4.2) give rtc's sending track an RTT.
    video = last_stats(rtc.rest_of_stdout(), "video")
    assert video["packetsSent"] > 0, video
    assert isinstance(video.get("roundTripTime"), (int, float)) and video["roundTripTime"] >= 0, video


# ---------------------------------------------------------------------------------------------
# 3. aiortc both ways
# ---------------------------------------------------------------------------------------------

@pytest.mark.timeout(90)
@pytest.mark.parametrize("codec", ["vp8", "h264"])
def test_aiortc_offers_audio_video_to_rtc_files(spawn, tmp_path, codec):
    """aiortc offers VP8 and H.264 (and Opus, PCMU, PCMA); rtc answers with the one asked for.
    An Annex B file has no timestamps, so only the IVF's duration is checked."""
    video = str(tmp_path / ("aiortc.ivf" if codec == "vp8" else "aiortc.h264"))
    ogg = str(tmp_path / "aiortc.ogg")
    peer = spawn([PYTHON, AIORTC_MEDIA, "offer", "--video", "--audio", "--data"], "aiortc offer")
    rtc = spawn(rtc_args("answer", "--video", codec, "--audio", "opus", "--video-out", video,
                         "--audio-out", ogg), "rtc answer")
    exchange(peer, rtc, 30)
    tracks = wait_tracks(rtc, 2)
    assert_tracks(tracks, ("audio", "opus", "recvonly"), ("video", codec, "recvonly"))
    # aiortc offers RTX for each video codec (RFC 4588): answered, none for audio.
    rtx = {t["kind"]: t.get("rtxPayloadType") for t in tracks}
    assert isinstance(rtx["video"], int) and rtx["audio"] is None, tracks
    peer_stats_until(peer, for_seconds(6.5, aiortc_count("video", "packetsSent")), 30, "6.5 s of video sent")
    end_rtc(rtc)
    end_peer(peer)
    assert_video_decodes(video, min_seconds=5 if codec == "vp8" else None, min_frames=60, size=(320, 240),
                         codec=codec)
    assert_audio_decodes(ogg, min_seconds=5, codec="opus")


@pytest.mark.timeout(90)
def test_rtx_aiortc_to_rtc_with_loss(spawn, tmp_path):
    """aiortc's video into `rtc answer --loss 5`: aiortc resends what rtc NACKs on its RTX
    SSRC, rtc unwraps it into the stream, and the IVF decodes."""
    ivf = str(tmp_path / "aiortc-lossy.ivf")
    peer = spawn([PYTHON, AIORTC_MEDIA, "offer", "--video"], "aiortc offer")
    rtc = spawn(rtc_args("answer", "--video", "vp8", "--video-out", ivf, "--loss", "5",
                         "--stats-interval", "0.5"), "rtc answer")
    exchange(peer, rtc, 30)
    (track,) = wait_tracks(rtc, 1)
    assert isinstance(track.get("rtxPayloadType"), int), track
    peer_stats_until(peer, for_seconds(6.5, aiortc_count("video", "packetsSent")), 30, "6.5 s of video sent")
    end_rtc(rtc)
    end_peer(peer)
    video = last_stats(rtc.rest_of_stdout(), "video")
    assert video["nacksSent"] > 0 and video["retransmissionsReceived"] > 0, video
    p = assert_video_decodes(ivf, min_seconds=5, min_frames=60, size=(320, 240), codec="vp8")
    print(f"aiortc -> rtc --loss 5: rtc NACKs {video['nacksSent']}, RTX unwrapped "
          f"{video['retransmissionsReceived']}, IVF frames {p['frames']}")


@pytest.mark.timeout(90)
def test_rtc_offers_ffmpeg_audio_video_to_aiortc_recorder(spawn, tmp_path):
    # Matroska: aiortc's recorder re-encodes with libx264 (for .webm it uses libvpx, which on a
    # busy machine stalls aiortc's event loop and its receiving with it).
    mkv, ogg = str(tmp_path / "recorded.mkv"), str(tmp_path / "recorded.ogg")
    vport, aport = free_udp_port(), free_udp_port()
    rtc = spawn(rtc_args("offer", "--video", "vp8", "--audio", "opus", "--video-in", udp(vport),
                         "--audio-in", udp(aport)), "rtc offer")
    peer = spawn([PYTHON, AIORTC_MEDIA, "answer", "--record-video", mkv, "--record-audio", ogg],
                 "aiortc answer")
    exchange(rtc, peer, 30)
    tracks = wait_tracks(rtc, 2)
    assert_tracks(tracks, ("audio", "opus", "sendonly"), ("video", "vp8", "sendonly"))
    # aiortc answers our RTX format (97, apt=96).
    assert {t["kind"]: t.get("rtxPayloadType") for t in tracks} == {"video": 97, "audio": None}, tracks
    spawn(ffmpeg_video_rtp("vp8", vport), "ffmpeg vp8")
    spawn(ffmpeg_audio_rtp(aport), "ffmpeg opus")
    peer_stats_until(peer, for_seconds(6, aiortc_count("video", "packetsReceived")), 30, "6 s of video received")
    end_peer(peer)  # stops the recorders: the files are complete
    end_rtc(rtc)
    # aiortc decodes and re-encodes at its own pace: fewer frames than sent on a busy machine.
    assert_video_decodes(mkv, min_seconds=4, min_frames=60, size=SIZE)
    assert_audio_decodes(ogg, min_seconds=4)


# ---------------------------------------------------------------------------------------------
# 4. Janus VideoRoom: rtc publishes (rtc offers), a second rtc subscribes (Janus offers)
# ---------------------------------------------------------------------------------------------

def wait_janus_event(sig, match, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"{sig.name}: no {what} within {timeout} s; stderr: {sig.stderr()[-2000:]!r}")
        event = sig.read_json(left)
        if event.get("type") == "janus" and match(event["event"]):
            return event["event"]


@pytest.mark.timeout(120)
def test_janus_videoroom_rtc_publishes_rtc_subscribes(spawn, janus, tmp_path):
    ivf = str(tmp_path / "subscriber.ivf")
    port = free_udp_port()
    common = [*LOOPBACK, "--json", "--connect-timeout", "20"]
    publisher = spawn(janus.netns(RTC, "offer", *common, "--no-data-channel", "--video", "vp8",
                                  "--video-in", udp(port)), "rtc offer (janus publisher)")
    pub_sig = spawn(janus.netns(PYTHON, JANUS_SIGNAL, janus.URL, "videoroom-publish"), "janus publish")
    exchange(publisher, pub_sig, 20)
    assert_tracks(wait_tracks(publisher, 1, 20), ("video", "vp8", "sendonly"))
    spawn(janus.netns(*ffmpeg_video_rtp("vp8", port)), "ffmpeg vp8 (janus)")
    wait_janus_event(pub_sig, lambda e: e.get("janus") == "media" and e.get("type") == "video"
                     and e.get("receiving") is True, 20, "Janus receiving the published video")

    sub_sig = spawn(janus.netns(PYTHON, JANUS_SIGNAL, janus.URL, "videoroom-subscribe"), "janus subscribe")
    subscriber = spawn(janus.netns(RTC, "answer", *common, "--video", "vp8", "--video-out", ivf),
                       "rtc answer (janus subscriber)")
    exchange(sub_sig, subscriber, 20)
    assert_tracks(wait_tracks(subscriber, 1, 20), ("video", "vp8", "recvonly"))
    media_for(6, publisher, subscriber)
    end_rtc(subscriber)
    end_rtc(publisher)
    for sig in (pub_sig, sub_sig):
        end_peer(sig, 15)
    assert_video_decodes(ivf, min_seconds=4, min_frames=100, size=SIZE, codec="vp8")
    # The room asks its publishers for a keyframe every 2 s (fir_freq, PLI/FIR) and when a
    # subscriber joins: rtc reports them.
    requests = [e for e in (json.loads(l) for l in publisher.rest_of_stdout())
                if e.get("type") == "keyframe-request"]
    assert requests and all(isinstance(e.get("mid"), str) for e in requests), \
        "no keyframe-request event from the publisher while Janus sent PLI/FIR"


# ---------------------------------------------------------------------------------------------
# 5. WHIP / WHEP
# ---------------------------------------------------------------------------------------------

def whip_endpoint(spawn, kind, *media_args, netns=None):
    """`rtc answer --signal {kind}-listen://127.0.0.1:P --count 1` (optionally inside
    `netns`), ready to take a POST; returns (rtc, URL of the endpoint). It serves one session:
    the client's DELETE ends it and rtc exits 0 (see ended_by_delete)."""
    port = free_tcp_port()
    args = rtc_args("answer", "--signal", f"{kind}-listen://127.0.0.1:{port}", "--count", "1", *media_args)
    rtc = spawn(netns.run(*args) if netns else args, f"rtc answer {kind}-listen")
    wait_tcp_listening("127.0.0.1", port, 15, rtc, netns)
    return rtc, f"http://127.0.0.1:{port}/{kind}"


def ended_by_delete(endpoint, timeout=15):
    """The WHIP/WHEP client's DELETE ended the endpoint's only session: rtc exits 0 by itself,
    its files complete."""
    code = endpoint.wait(timeout)
    assert code == 0, f"{endpoint.name} exited {code}; stderr: {endpoint.stderr_after_exit()[-2000:]!r}"


def http_reply(peer, timeout=60):
    """The {"type":"http"} line of chromium_media.py / gst_whip.py: the POST got a 201."""
    reply = peer.read_json(timeout)
    assert reply.get("type") == "http" and reply.get("status") == 201 and reply.get("location"), \
        f"{peer.name}: {reply}; stderr: {peer.stderr()[-2000:]!r}"
    return reply


@pytest.mark.timeout(90)
def test_whip_rtc_offer_to_rtc_whip_listen(spawn, tmp_path):
    ivf = str(tmp_path / "whip.ivf")
    endpoint, url = whip_endpoint(spawn, "whip", "--video", "vp8", "--video-out", ivf)
    port = free_udp_port()
    publisher = spawn(rtc_args("offer", "--signal", "whip+" + url, "--no-data-channel", "--video", "vp8",
                               "--video-in", udp(port)), "rtc offer whip+http")
    assert_tracks(wait_tracks(publisher, 1), ("video", "vp8", "sendonly"))
    assert_tracks(wait_tracks(endpoint, 1), ("video", "vp8", "recvonly"))
    ffmpeg = spawn(ffmpeg_video_rtp("vp8", port, seconds=6), "ffmpeg vp8")
    assert ffmpeg.wait(30) == 0, ffmpeg.stderr()
    media_for(1, publisher, endpoint)
    end_rtc(publisher)  # DELETEs the WHIP resource
    ended_by_delete(endpoint)
    assert_video_decodes(ivf, min_seconds=5, min_frames=int(0.9 * 6 * FPS), size=SIZE, codec="vp8")


@pytest.mark.chromium
@needs_chromium
@pytest.mark.timeout(120)
def test_whip_chromium_publishes_camera_to_rtc(spawn, tmp_path):
    ivf, ogg = str(tmp_path / "whip-camera.ivf"), str(tmp_path / "whip-mic.ogg")
    endpoint, url = whip_endpoint(spawn, "whip", "--video", "vp8", "--audio", "opus",
                                  "--video-out", ivf, "--audio-out", ogg)
    # The page is on another origin than rtc's endpoint: the browser sends a CORS preflight.
    browser = spawn([PYTHON, CHROMIUM_MEDIA, "whip", url, "--video", "vp8", "--audio"], "chromium whip")
    http_reply(browser)
    assert_tracks(wait_tracks(endpoint, 2), ("audio", "opus", "recvonly"), ("video", "vp8", "recvonly"))
    s = peer_stats_until(browser, for_seconds(6.5, chromium_sent), 40, "6.5 s of camera frames sent")
    size = (s["settings"]["width"], s["settings"]["height"])
    end_peer(browser)  # DELETEs the resource
    ended_by_delete(endpoint)
    assert_video_decodes(ivf, min_seconds=5, size=size, codec="vp8")
    assert_audio_decodes(ogg, min_seconds=5, codec="opus")


@pytest.mark.timeout(60)
def test_whip_rtc_restarts_ice_on_request(spawn):
    """`{"type":"ice-restart"}` on a WHIP client's stdin (--json): a PATCH with new credentials,
    the endpoint restarts too; both report it, and the data channel carries on across it."""
    endpoint, url = whip_endpoint(spawn, "whip")
    client = spawn(rtc_args("offer", "--signal", "whip+" + url), "rtc offer whip+http (data)")
    assert client.wait_event("open", 20)["label"] == "chat"
    assert endpoint.wait_event("open", 20)["label"] == "chat"
    client.write('{"type":"ice-restart"}\n')
    ours = client.wait_event("ice-restart", 10)
    theirs = endpoint.wait_event("ice-restart", 10)
    assert ours["ufrag"] == theirs["remoteUfrag"] and ours["remoteUfrag"] == theirs["ufrag"], (ours, theirs)
    client.write('{"data":"after the restart"}\n')
    assert endpoint.wait_event("message", 10)["data"] == "after the restart"
    end_rtc(client)  # DELETEs the resource
    ended_by_delete(endpoint)


@pytest.mark.chromium
@needs_chromium
@pytest.mark.timeout(120)
def test_whip_chromium_restarts_ice(spawn, tmp_path, figures):
    """Chromium publishing over WHIP restarts ICE mid-stream (createOffer({iceRestart: true}),
    PATCH with the new credentials, RFC 9725 §4.4.1): rtc's endpoint answers 200 with its own new
    credentials, reports the restart, and the video goes on across it (rtc's file decodes whole)."""
    ivf = str(tmp_path / "whip-restart.ivf")
    endpoint, url = whip_endpoint(spawn, "whip", "--video", "vp8", "--video-out", ivf)
    browser = spawn([PYTHON, CHROMIUM_MEDIA, "whip", url, "--video", "vp8", "--ice-restart-after", "3"],
                    "chromium whip, ICE restart")
    http_reply(browser)
    assert_tracks(wait_tracks(endpoint, 1), ("video", "vp8", "recvonly"))
    deadline = time.monotonic() + 40
    restart = None
    while restart is None:
        assert time.monotonic() < deadline, f"no ice-restart line from the browser; stderr: {browser.stderr()[-2000:]!r}"
        line = browser.read_json(max(1, deadline - time.monotonic()))
        if line.get("type") == "ice-restart":
            restart = line
    assert restart["status"] == 200 and restart["candidates"] > 0, restart
    event = endpoint.wait_event("ice-restart", 10, skip=("state", "track", "stats", "keyframe-request"))
    # rtc took the browser's new credentials and gave it its own new ones.
    assert event["remoteUfrag"] == restart["ufrag"] and event["ufrag"] == restart["remoteUfrag"], (event, restart)
    # The browser's transport switched to a pair of the new ICE generation (its second selected
    # pair, under its new ufrag): the checks with rtc's new credentials succeeded.
    peer_stats_until(browser, lambda s: s.get("transport", {}).get("selectedCandidatePairChanges", 0) >= 2
                     and s["transport"].get("iceLocalUsernameFragment") == restart["ufrag"]
                     and s["transport"].get("iceState") == "connected", 20, "a pair selected under the new credentials")
    # Frames keep coming after the restart: 3 s more of frames sent and the connection not failed.
    s = peer_stats_until(browser, for_seconds(3, chromium_sent), 30, "3 s of frames after the ICE restart")
    figures(f"Chromium WHIP ICE restart: 200 with {restart['candidates']} candidates, "
            f"new ETag {restart['etag']}; frames sent after it {chromium_sent(s)}")
    end_peer(browser)
    ended_by_delete(endpoint)
    assert_video_decodes(ivf, min_seconds=5, codec="vp8")


@pytest.mark.chromium
@needs_chromium
@pytest.mark.timeout(120)
def test_whep_chromium_plays_from_rtc(spawn):
    port = free_udp_port()
    endpoint, url = whip_endpoint(spawn, "whep", "--video", "vp8", "--video-in", udp(port))
    spawn(ffmpeg_video_rtp("vp8", port), "ffmpeg vp8")
    browser = spawn([PYTHON, CHROMIUM_MEDIA, "whep", url], "chromium whep")
    http_reply(browser)
    assert_tracks(wait_tracks(endpoint, 1), ("video", "vp8", "sendonly"))
    peer_stats_until(browser, chromium_decoding(120, SIZE, "vp8"), 45, f"120 vp8 frames decoded at {SIZE}")
    end_peer(browser)
    ended_by_delete(endpoint)


@pytest.fixture
def loopback_ns():
    ns = LoopbackNamespace("g")
    try:
        ns.create()
    except Exception as e:
        pytest.fail(f"cannot create the test's network namespace: {e}")
    yield ns
    ns.delete()


@pytest.mark.timeout(90)
def test_whip_gstreamer_webrtcbin_publishes_to_rtc(spawn, tmp_path, loopback_ns):
    assert os.access(SYSTEM_PYTHON, os.X_OK), f"GStreamer peer missing: no {SYSTEM_PYTHON}"
    ivf = str(tmp_path / "gstreamer.ivf")
    endpoint, url = whip_endpoint(spawn, "whip", "--video", "vp8", "--video-out", ivf, netns=loopback_ns)
    gst = spawn(loopback_ns.run(SYSTEM_PYTHON, GST_WHIP, url, "--seconds", "6"), "gst_whip")
    http_reply(gst, 30)
    assert_tracks(wait_tracks(endpoint, 1), ("video", "vp8", "recvonly"))
    code = gst.wait(40)  # 6 s connected, then DELETE
    assert code == 0, f"gst_whip exited {code}; stdout {list(gst.lines.queue)}; stderr {gst.stderr()[-2000:]!r}"
    ended_by_delete(endpoint)
    assert_video_decodes(ivf, min_seconds=4, min_frames=90, size=(320, 240), codec="vp8")


# ---------------------------------------------------------------------------------------------
# 6. Faults
# ---------------------------------------------------------------------------------------------

def ffmpeg_rtc_rtc(spawn, sink_args, answer_extra=(), offer_extra=()):
    """rtc offer --video-in udp:// -> rtc answer (sink_args); returns (offer, answer, port)."""
    port = free_udp_port()
    offerer = spawn(rtc_args("offer", "--video", "vp8", "--video-in", udp(port), *offer_extra), "rtc offer")
    answerer = spawn(rtc_args("answer", "--video", "vp8", *sink_args, *answer_extra), "rtc answer")
    exchange(offerer, answerer, 20)
    assert_tracks(wait_tracks(offerer, 1), ("video", "vp8", "sendonly"))
    assert_tracks(wait_tracks(answerer, 1), ("video", "vp8", "recvonly"))
    return offerer, answerer, port


@pytest.mark.timeout(90)
def test_loss_5_percent_receiver_nack_recovers(spawn, tmp_path):
    """--loss 5 on the receiving rtc (both directions: media, NACKs and retransmissions): with
    about 4 packets a frame, 5 % loss without recovery would lose about a fifth of the frames."""
    ivf = str(tmp_path / "lossy.ivf")
    seconds = 8
    stats = ["--stats-interval", "0.5"]
    offerer, answerer, port = ffmpeg_rtc_rtc(spawn, ["--video-out", ivf], ["--loss", "5", *stats], stats)
    ffmpeg = spawn(ffmpeg_video_rtp("vp8", port, seconds=seconds), "ffmpeg vp8")
    assert ffmpeg.wait(seconds + 20) == 0, ffmpeg.stderr()
    media_for(1.5, offerer, answerer)  # the last retransmissions
    end_rtc(offerer)
    end_rtc(answerer)
    assert_video_decodes(ivf, min_frames=int(0.95 * seconds * FPS), size=SIZE, codec="vp8")
    receiver, sender = last_stats(answerer.rest_of_stdout(), "video"), last_stats(offerer.rest_of_stdout(), "video")
    assert receiver["nacksSent"] > 0 and sender["nacksReceived"] > 0 and sender["retransmitted"] > 0, \
        f"receiver {receiver}; sender {sender}"
    # RTX (RFC 4588) is negotiated between two rtc: every retransmission went on the RTX SSRC
    # and the receiver unwrapped them into the stream.
    assert sender["rtxPacketsSent"] == sender["retransmitted"], sender
    assert 0 < receiver["retransmissionsReceived"] <= sender["rtxPacketsSent"], f"receiver {receiver}; sender {sender}"
    print(f"rtc -> rtc --loss 5: NACKs {receiver['nacksSent']}, RTX sent {sender['rtxPacketsSent']}, "
          f"unwrapped {receiver['retransmissionsReceived']}")


def relayed_exchange(offerer, answerer, relay, timeout=60):
    """Offer/answer with each side's 127.0.0.1 candidate replaced by a relay port, so every
    datagram passes `relay` (A = the offerer, B = the answerer); starts the relay."""
    offer = offerer.readline(timeout)
    assert offer, f"{offerer.name}: no offer; stderr: {offerer.stderr()!r}"
    offer, offer_port = retarget_candidate(offer, relay.toward_a)
    answerer.write(offer + b"\n")
    answer = answerer.readline(timeout)
    assert answer, f"{answerer.name}: no answer; stderr: {answerer.stderr()!r}"
    answer, answer_port = retarget_candidate(answer, relay.toward_b)
    relay.start(("127.0.0.1", offer_port), ("127.0.0.1", answer_port))
    offerer.write(answer + b"\n")


@pytest.mark.chromium
@needs_chromium
@pytest.mark.timeout(120)
def test_rtx_rtc_to_chromium_over_lossy_path(spawn):
    """rtc offers VP8 with RTX to Chromium through a relay that drops every 20th RTP packet
    toward the browser (5 %, retransmissions included). Chromium negotiates RTX, NACKs, and
    rtc resends on its RTX SSRC (RFC 4588 §4): the browser's getStats() counts retransmitted
    packets received, and it decodes as many frames as the rtc-to-rtc loss test asks."""
    seconds = 8
    port = free_udp_port()
    relay = TamperingRelay(every=0, drop_every=20)
    try:
        rtc = spawn(rtc_args("offer", "--video", "vp8", "--video-in", udp(port), "--stats-interval", "0.5"),
                    "rtc offer")
        browser = spawn([PYTHON, CHROMIUM_MEDIA, "answer"], "chromium answer")
        relayed_exchange(rtc, browser, relay)
        (track,) = wait_tracks(rtc, 1)
        assert track["rtxPayloadType"] == 97 and isinstance(track["rtxSsrc"], int), track
        ffmpeg = spawn(ffmpeg_video_rtp("vp8", port, seconds=seconds), "ffmpeg vp8")
        assert ffmpeg.wait(seconds + 20) == 0, ffmpeg.stderr()
        frames = int(0.95 * seconds * FPS)
        s = peer_stats_until(browser, chromium_decoding(frames, SIZE, "vp8"), 20,
                             f"{frames} frames decoded at {SIZE}")
        dropped, ssrcs = relay.dropped, dict(relay.ssrcs_to_b)
        end_rtc(rtc)
        end_peer(browser)
    finally:
        relay.stop()
    recv = s["recv"]["video"]
    sender = last_stats(rtc.rest_of_stdout(), "video")
    assert dropped > 0 and recv["nackCount"] > 0, f"relay dropped {dropped}; browser {recv}"
    assert ssrcs.get(track["rtxSsrc"], 0) > 0, f"no RTP on rtc's RTX SSRC reached Chromium: {ssrcs}, {track}"
    assert sender["rtxPacketsSent"] == sender["retransmitted"] > 0, sender
    assert recv.get("retransmittedPacketsReceived", 0) > 0, f"Chromium counted no RTX: {recv}"
    assert recv["framesDecoded"] >= frames, recv
    print(f"rtc -> Chromium: relay dropped {dropped}, rtc resent {sender['rtxPacketsSent']} over RTX, "
          f"Chromium NACKs {recv['nackCount']}, retransmittedPacketsReceived {recv['retransmittedPacketsReceived']}, "
          f"framesDecoded {recv['framesDecoded']}")


@pytest.mark.chromium
@needs_chromium
@pytest.mark.timeout(120)
def test_rtx_chromium_camera_to_rtc_over_lossy_path(spawn, tmp_path):
    """Chromium's camera into `rtc answer` through a relay that drops every 20th RTP packet
    toward rtc (5 %, retransmissions included; never the stream's first packet, which no NACK
    can ask for since nothing before it was seen — rtc's `--loss` could drop it, and then a PLI,
    not RTX, restarts the picture). rtc NACKs, Chromium resends on its RTX SSRC (its FID
    group), rtc unwraps them into the stream: nothing is lost for good (no keyframe request)
    and the IVF holds every frame Chromium had sent when its stats were read."""
    ivf = str(tmp_path / "lossy-camera.ivf")
    relay = TamperingRelay(every=0, drop_every=20)
    try:
        browser = spawn([PYTHON, CHROMIUM_MEDIA, "offer", "--video", "vp8"], "chromium offer")
        rtc = spawn(rtc_args("answer", "--video", "vp8", "--video-out", ivf, "--stats-interval", "0.5"),
                    "rtc answer")
        relayed_exchange(browser, rtc, relay)
        (track,) = wait_tracks(rtc, 1)
        assert track["rtxPayloadType"] is not None, f"no RTX answered to Chromium: {track}"
        long_enough = for_seconds(6.5, chromium_sent)
        s = peer_stats_until(browser, lambda s: long_enough(s) and chromium_sent(s, field="retransmittedPacketsSent") > 0,
                             40, "6.5 s of camera frames sent, some resent")
        media_for(1.0, rtc, browser)  # the frames in flight at the snapshot (and their repairs) arrive
        dropped, ssrcs = relay.dropped, dict(relay.ssrcs_to_b)
        end_rtc(rtc)
        end_peer(browser)
    finally:
        relay.stop()
    sent = s["send"]["video"]
    video = last_stats(rtc.rest_of_stdout(), "video")
    assert dropped > 0 and ssrcs.get(sent["rtxSsrc"], 0) > 0, f"relay dropped {dropped}; RTP by SSRC {ssrcs}; {sent}"
    assert video["nacksSent"] > 0 and video["retransmissionsReceived"] > 0, video
    assert video["keyframeRequestsSent"] == 0, f"a loss was not repaired: {video}"
    p = assert_video_decodes(ivf, min_seconds=5, size=(sent["frameWidth"], sent["frameHeight"]), codec="vp8")
    assert p["frames"] >= sent["framesSent"], f"{describe(p)}; Chromium sent {sent}; rtc {video}"
    print(f"Chromium -> rtc, every 20th RTP dropped: relay dropped {dropped}, rtc NACKs {video['nacksSent']}, "
          f"RTX unwrapped {video['retransmissionsReceived']}, Chromium retransmittedPacketsSent "
          f"{sent['retransmittedPacketsSent']}, IVF frames {p['frames']} of {sent['framesSent']} sent at the snapshot")


@pytest.mark.timeout(90)
def test_tampered_and_replayed_srtp_dropped_and_counted(spawn, tmp_path):
    """Every datagram between the two rtc passes a relay (each side's candidate in the other's
    description is a relay port) that flips a byte in every 25th RTP packet toward the answerer
    and sends another one twice. The answerer drops exactly those (SRTP authentication, replay
    window) and counts them; NACK recovers the damaged ones, so the IVF still decodes."""
    ivf = str(tmp_path / "tampered.ivf")
    seconds = 6
    port = free_udp_port()
    relay = TamperingRelay(every=25)
    try:
        offerer = spawn(rtc_args("offer", "--video", "vp8", "--video-in", udp(port), "--stats-interval", "0.5"),
                        "rtc offer")
        answerer = spawn(rtc_args("answer", "--video", "vp8", "--video-out", ivf, "--stats-interval", "0.5"),
                         "rtc answer")
        offer = offerer.readline(20)
        assert offer, f"no offer; stderr: {offerer.stderr()!r}"
        offer, offer_port = retarget_candidate(offer, relay.toward_a)
        answerer.write(offer + b"\n")
        answer = answerer.readline(20)
        assert answer, f"no answer; stderr: {answerer.stderr()!r}"
        answer, answer_port = retarget_candidate(answer, relay.toward_b)
        relay.start(("127.0.0.1", offer_port), ("127.0.0.1", answer_port))
        offerer.write(answer + b"\n")
        assert_tracks(wait_tracks(offerer, 1), ("video", "vp8", "sendonly"))
        assert_tracks(wait_tracks(answerer, 1), ("video", "vp8", "recvonly"))
        ffmpeg = spawn(ffmpeg_video_rtp("vp8", port, seconds=seconds), "ffmpeg vp8")
        assert ffmpeg.wait(seconds + 20) == 0, ffmpeg.stderr()
        media_for(1.5, offerer, answerer)
        tampered, replayed = relay.tampered, relay.replayed
        end_rtc(offerer)
        end_rtc(answerer)
    finally:
        relay.stop()
    assert tampered >= 10 and replayed >= 10, f"relay: {relay.rtp_to_b} RTP packets, {tampered} tampered, {replayed} replayed"
    stats = last_stats(answerer.rest_of_stdout(), "video")
    assert stats["srtpAuthenticationFailures"] == tampered and stats["srtpReplayDrops"] == replayed, \
        f"relay tampered {tampered} and replayed {replayed}: {stats}"
    assert stats["nacksSent"] > 0, stats
    assert_video_decodes(ivf, min_frames=int(0.95 * seconds * FPS), size=SIZE, codec="vp8")


@pytest.mark.timeout(90)
def test_udp_source_stops_and_restarts(spawn, tmp_path):
    """ffmpeg sends 4 s, stops, and a new ffmpeg (new SSRC, sequence numbers and timestamps)
    sends 4 s more: the receiver's IVF keeps growing, frames after the restart decode, and the
    timestamps stay increasing across the restart."""
    ivf = str(tmp_path / "restart.ivf")
    seconds = 4
    offerer, answerer, port = ffmpeg_rtc_rtc(spawn, ["--video-out", ivf])
    first = spawn(ffmpeg_video_rtp("vp8", port, seconds=seconds), "ffmpeg vp8 (first)")
    assert first.wait(seconds + 20) == 0, first.stderr()
    media_for(1, offerer, answerer)  # the source is silent for a second
    before = probe_frames(ivf)
    size_before = os.path.getsize(ivf)
    assert before["frames"] >= 0.9 * seconds * FPS, describe(before)
    second = spawn(ffmpeg_video_rtp("vp8", port, seconds=seconds), "ffmpeg vp8 (second)")
    assert second.wait(seconds + 20) == 0, second.stderr()
    media_for(1, offerer, answerer)
    assert os.path.getsize(ivf) > size_before, "the IVF stopped growing after the source restarted"
    end_rtc(offerer)
    end_rtc(answerer)
    after = assert_video_decodes(ivf, size=SIZE, codec="vp8")
    assert after["frames"] - before["frames"] >= 0.9 * seconds * FPS, \
        f"before the restart: {describe(before)}; at the end: {describe(after)}"
    pts = after["pts"]
    assert all(b > a for a, b in zip(pts, pts[1:])), "IVF timestamps not increasing across the restart"


@pytest.mark.timeout(60)
def test_udp_sink_nobody_reads_does_not_block_data_channel(spawn):
    """The answerer's sink is a port nobody binds (every send is refused): media flows into it
    while 200 data-channel messages go each way."""
    sink = free_udp_port()
    offerer, answerer, port = ffmpeg_rtc_rtc(spawn, ["--video-out", udp(sink)])
    spawn(ffmpeg_video_rtp("vp8", port), "ffmpeg vp8")
    media_for(2, offerer, answerer)
    for sender, receiver in ((offerer, answerer), (answerer, offerer)):
        for i in range(200):
            sender.writeline({"data": f"m{i}"})
        got = []
        deadline = time.monotonic() + 10
        while len(got) < 200:
            left = deadline - time.monotonic()
            assert left > 0, f"{receiver.name}: {len(got)} of 200 messages within 10 s"
            event = receiver.read_json(left)
            if event.get("type") == "message":
                got.append(event["data"])
        assert got == [f"m{i}" for i in range(200)]
    end_rtc(offerer)
    end_rtc(answerer)


@pytest.mark.timeout(60)
def test_udp_sink_sdp_out_opens_in_ffmpeg(spawn, tmp_path):
    """With a udp:// sink, --sdp-out writes the SDP ffmpeg opens to receive the plain RTP."""
    sdp, out = str(tmp_path / "sink.sdp"), str(tmp_path / "from-sdp.ivf")
    sink = free_udp_port()
    offerer, answerer, port = ffmpeg_rtc_rtc(spawn, ["--video-out", udp(sink), "--sdp-out", sdp])
    # rtc writes the file right after it reports the tracks: a short bounded wait.
    deadline = time.monotonic() + 5
    while not os.path.exists(sdp):
        assert time.monotonic() < deadline, "no --sdp-out file within 5 s of the track event"
        time.sleep(0.02)
    frames = 4 * FPS
    reader = spawn(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-protocol_whitelist",
                    "file,udp,rtp", "-i", sdp, "-frames:v", str(frames), "-c", "copy", "-y", out],
                   "ffmpeg reads --sdp-out")
    spawn(ffmpeg_video_rtp("vp8", port), "ffmpeg vp8")
    code = reader.wait(30)
    assert code == 0, f"ffmpeg reading {open(sdp).read()!r} exited {code}: {reader.stderr()[-2000:]}"
    end_rtc(offerer)
    end_rtc(answerer)
    assert_video_decodes(out, min_frames=frames - 5, size=SIZE, codec="vp8")


# ---------------------------------------------------------------------------------------------
# 7. File sources and sinks: frame for frame
# ---------------------------------------------------------------------------------------------

def file_session(spawn, codec, src, out, *offer_extra):
    kind = "audio" if codec == "opus" else "video"
    offerer = spawn(rtc_args("offer", f"--{kind}", codec, f"--{kind}-in", src, *offer_extra), "rtc offer")
    answerer = spawn(rtc_args("answer", f"--{kind}", codec, f"--{kind}-out", out), "rtc answer")
    exchange(offerer, answerer, 20)
    assert_tracks(wait_tracks(offerer, 1), (kind, codec, "sendonly"))
    assert_tracks(wait_tracks(answerer, 1), (kind, codec, "recvonly"))
    return offerer, answerer


@pytest.mark.timeout(60)
@pytest.mark.parametrize("codec", ["vp8", "vp9", "av1", "h264", "opus"])
def test_file_source_arrives_frame_for_frame(spawn, tmp_path, codec):
    """A 3 s file read at its own pace from the moment the track is connected comes out of
    the receiving rtc with the same frames: the decoded pictures (video; Annex B may differ in
    start codes) or the Opus packets (Ogg pages and pre-skip may differ) hash the same, in order."""
    ext = FILE_ENCODERS[codec][0]
    seconds = 3
    src = make_media_file(codec, str(tmp_path / f"source.{ext}"), seconds)
    out = str(tmp_path / f"sink.{ext}")
    offerer, answerer = file_session(spawn, codec, src, out)
    media_for(seconds + 2, offerer, answerer)
    end_rtc(offerer)
    end_rtc(answerer)
    decoded = codec != "opus"
    want, got = frame_hashes(src, decoded), frame_hashes(out, decoded)
    assert got == want, (f"{codec}: {len(got)} frames out of {len(want)} in; first difference at "
                         f"{next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))}")


@pytest.mark.timeout(60)
def test_file_source_loop(spawn, tmp_path):
    """--loop: a 2 s VP8 file plays over and over; the sink has the file's frames repeated,
    with increasing timestamps."""
    seconds = 2
    src = make_media_file("vp8", str(tmp_path / "loop.ivf"), seconds)
    out = str(tmp_path / "looped.ivf")
    offerer, answerer = file_session(spawn, "vp8", src, out, "--loop")
    media_for(3 * seconds + 1, offerer, answerer)
    end_rtc(offerer)
    end_rtc(answerer)
    want, got = frame_hashes(src), frame_hashes(out)
    assert got[:2 * len(want)] == want + want, f"{len(got)} frames out; the first two loops differ from the file"
    p = assert_video_decodes(out, size=(320, 240), codec="vp8")
    assert all(b > a for a, b in zip(p["pts"], p["pts"][1:])), "timestamps not increasing across loops"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("closer", ["offer", "answer"])
def test_media_only_session_ends_when_peer_goes_away(spawn, tmp_path, closer):
    """--no-data-channel: when one side ends (stdin EOF), the other notices the peer is gone
    (DTLS close_notify / RTCP BYE / consent) and exits 0 by itself, its file complete."""
    src = make_media_file("vp8", str(tmp_path / "source.ivf"), 2)
    out = str(tmp_path / "sink.ivf")
    offerer, answerer = file_session(spawn, "vp8", src, out, "--loop", "--no-data-channel")
    media_for(2.5, offerer, answerer)
    closing, other = (offerer, answerer) if closer == "offer" else (answerer, offerer)
    end_rtc(closing)
    code = other.wait(20)
    assert code == 0, f"{other.name} exited {code}; stderr: {other.stderr_after_exit()[-2000:]!r}"
    assert_video_decodes(out, min_frames=60, size=(320, 240), codec="vp8")
