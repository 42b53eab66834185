#!/usr/bin/env python3
"""Signaling glue between `rtc` and a Janus plugin over the Janus HTTP API (stdlib only).

It speaks rtc's stdio signaling, one JSON line each way ({"type":"offer","sdp":...}), so it can be
wired to `rtc offer` / `rtc answer` like any peer:

    janus_signal.py URL echotest   reads rtc's offer on stdin, sends it to janus.plugin.echotest,
                                   prints Janus's answer
    janus_signal.py URL textroom   sends "setup" to janus.plugin.textroom, prints Janus's offer,
                                   reads rtc's answer on stdin and sends it with "ack"
    janus_signal.py URL videoroom-publish
                                   joins VideoRoom room --room as a publisher, reads rtc's offer
                                   on stdin, sends it with "publish", prints Janus's answer
    janus_signal.py URL videoroom-subscribe
                                   waits (bounded by --timeout) for a publisher in room --room,
                                   joins as its subscriber, prints Janus's offer, reads rtc's
                                   answer on stdin and sends it with "start"

URL is Janus's HTTP API, e.g. http://127.0.0.1:8088/janus. After signaling, Janus's
asynchronous events for the handle (webrtcup, hangup, ...) are printed as
{"type":"janus","event":{...}} lines; the long polls that fetch them also keep the session alive.
On stdin EOF the session is destroyed and it exits 0. Every HTTP request is bounded by --timeout.
"""
import argparse
import json
import queue
import random
import string
import sys
import threading
import time
import urllib.request

PLUGINS = {"echotest": "janus.plugin.echotest", "textroom": "janus.plugin.textroom",
           "videoroom-publish": "janus.plugin.videoroom", "videoroom-subscribe": "janus.plugin.videoroom"}


def log(*args):
    print("janus_signal:", *args, file=sys.stderr, flush=True)


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


class Janus:
    def __init__(self, url, timeout):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = None
        self.handle = None
        self.events = queue.Queue()

    def _request(self, path, body=None, timeout=None):
        data = None
        if body is not None:
            body = dict(body, transaction="".join(random.choices(string.ascii_letters, k=12)))
            data = json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout or self.timeout) as r:
            reply = json.loads(r.read())
        if isinstance(reply, dict) and reply.get("janus") == "error":
            raise RuntimeError(f"Janus error: {reply.get('error')}")
        return reply

    def post(self, body, path=""):
        return self._request(path, body)

    def create(self, plugin):
        self.session = self.post({"janus": "create"})["data"]["id"]
        self.handle = self.post({"janus": "attach", "plugin": plugin}, f"/{self.session}")["data"]["id"]
        threading.Thread(target=self._poll, daemon=True).start()

    def _poll(self):
        """Long polls (maxev=10) until the session is gone; each is also the session's keep-alive."""
        while self.session is not None:
            try:
                reply = self._request(f"/{self.session}?maxev=10", timeout=self.timeout + 35)
            except Exception as e:  # the session ended, or Janus went away
                if self.session is not None:
                    log("long poll:", e)
                    self.events.put(None)
                return
            for event in reply if isinstance(reply, list) else [reply]:
                if event.get("janus") != "keepalive":
                    self.events.put(event)

    def message(self, body, jsep=None):
        msg = {"janus": "message", "body": body}
        if jsep is not None:
            msg["jsep"] = jsep
        reply = self.post(msg, f"/{self.session}/{self.handle}")
        if reply.get("janus") == "success":  # a synchronous plugin reply
            return reply
        return None

    def wait_jsep(self):
        """Events until one carries a jsep (the plugin's answer or offer)."""
        while True:
            try:
                event = self.events.get(timeout=self.timeout)
            except queue.Empty:
                raise RuntimeError(f"no jsep from Janus within {self.timeout} s")
            if event is None:
                raise RuntimeError("the session ended before Janus sent a jsep")
            data = event.get("plugindata", {}).get("data", {})
            if "error" in data:
                raise RuntimeError(f"plugin error: {data['error']}")
            if "jsep" in event:
                return event["jsep"]
            log("event:", json.dumps(event))

    def destroy(self):
        session, self.session = self.session, None
        if session is not None:
            try:
                self._request(f"/{session}", {"janus": "destroy"})
            except Exception as e:
                log("destroy:", e)


def wait_publisher(janus, room, timeout):
    """The id of the first publisher in `room` (polled with the synchronous "listparticipants",
    bounded by `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        reply = janus.message({"request": "listparticipants", "room": room})
        data = (reply or {}).get("plugindata", {}).get("data", {})
        feeds = [p["id"] for p in data.get("participants", []) if p.get("publisher")]
        if feeds:
            return feeds[0]
        if time.monotonic() > deadline:
            raise RuntimeError(f"no publisher in room {room} within {timeout} s: {data}")
        time.sleep(0.2)


def read_description(kind):
    line = sys.stdin.readline()
    if not line:
        raise RuntimeError(f"stdin ended before the {kind}")
    desc = json.loads(line)
    if desc.get("type") != kind or "sdp" not in desc:
        raise RuntimeError(f"expected a {kind} line, got {line[:80]!r}")
    return desc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("plugin", choices=sorted(PLUGINS))
    parser.add_argument("--timeout", type=float, default=15)
    parser.add_argument("--room", type=int, default=1234, help="the VideoRoom room")
    args = parser.parse_args()

    janus = Janus(args.url, args.timeout)
    try:
        janus.create(PLUGINS[args.plugin])
        if args.plugin == "echotest":
            offer = read_description("offer")
            # trickle false: every candidate is in the offer (rtc gathers before it prints).
            janus.message({"audio": False, "video": False},
                          {"type": "offer", "sdp": offer["sdp"], "trickle": False})
            answer = janus.wait_jsep()
            emit({"type": answer["type"], "sdp": answer["sdp"]})
        elif args.plugin == "videoroom-publish":
            janus.message({"request": "join", "ptype": "publisher", "room": args.room, "display": "rtc"})
            offer = read_description("offer")
            janus.message({"request": "publish"}, {"type": "offer", "sdp": offer["sdp"], "trickle": False})
            answer = janus.wait_jsep()
            emit({"type": answer["type"], "sdp": answer["sdp"]})
        elif args.plugin == "videoroom-subscribe":
            feed = wait_publisher(janus, args.room, args.timeout)
            janus.message({"request": "join", "ptype": "subscriber", "room": args.room,
                           "streams": [{"feed": feed}]})
            offer = janus.wait_jsep()
            emit({"type": offer["type"], "sdp": offer["sdp"]})
            answer = read_description("answer")
            janus.message({"request": "start"}, {"type": "answer", "sdp": answer["sdp"], "trickle": False})
        else:
            janus.message({"request": "setup"})
            offer = janus.wait_jsep()
            emit({"type": offer["type"], "sdp": offer["sdp"]})
            answer = read_description("answer")
            janus.message({"request": "ack"}, {"type": "answer", "sdp": answer["sdp"], "trickle": False})
        # Relay Janus's events until stdin ends.
        threading.Thread(target=lambda: (sys.stdin.read(), janus.events.put("eof")), daemon=True).start()
        while True:
            event = janus.events.get()
            if event == "eof" or event is None:
                break
            emit({"type": "janus", "event": event})
    except Exception as e:
        log(e)
        janus.destroy()
        sys.exit(1)
    janus.destroy()


if __name__ == "__main__":
    main()
