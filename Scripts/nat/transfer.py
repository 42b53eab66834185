#!/usr/bin/env python3
"""Moves a file between `rtc offer` and `rtc answer` through pipes and checks it byte-exact.

The offerer's description goes to the answerer's stdin and back; then the file is written to the
offerer's stdin as base64 lines (raw mode: one text message a line) and the answerer's stdout is
decoded and hashed. Each peer command is a JSON list (e.g. with an `ip netns exec NS` prefix).
Prints one JSON line: {"ok", "bytes", "sha256_sent", "sha256_received", "seconds", "relay"...}.
Every wait is bounded by --timeout. With --echo the answerer echoes (e.g. an aiortc peer) and
the offerer's own stdout is checked instead; the offerer's stdin closes once all came back.

Usage: transfer.py --offer '["ip","netns","exec","a","rtc","offer",...]' --answer '[...]'
                   --file PATH [--timeout 300] [--logs DIR]
"""
import argparse, base64, hashlib, json, os, subprocess, sys, threading, time

CHUNK = 48 * 1024  # 64 KiB of base64 a line, below the 256 KiB message limit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--offer", required=True)
    ap.add_argument("--answer", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--logs", default=".")
    ap.add_argument("--echo", action="store_true")
    a = ap.parse_args()
    deadline = time.monotonic() + a.timeout
    os.makedirs(a.logs, exist_ok=True)
    off_log = open(os.path.join(a.logs, "offer.log"), "wb")
    ans_log = open(os.path.join(a.logs, "answer.log"), "wb")
    result = {"ok": False}
    procs = []

    def kill_all():
        for p in procs:
            if p.poll() is None:
                p.kill()

    timer = threading.Timer(a.timeout, kill_all)
    timer.daemon = True
    timer.start()
    try:
        off = subprocess.Popen(json.loads(a.offer), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=off_log)
        procs.append(off)
        offer = off.stdout.readline()
        if not offer.startswith(b"{"):
            raise RuntimeError("no offer from rtc offer")
        ans = subprocess.Popen(json.loads(a.answer), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=ans_log)
        procs.append(ans)
        ans.stdin.write(offer)
        ans.stdin.flush()
        answer = ans.stdout.readline()
        if not answer.startswith(b"{"):
            raise RuntimeError("no answer from rtc answer")
        off.stdin.write(answer)
        off.stdin.flush()
        result["relay_offered"] = "typ relay" in json.loads(offer)["sdp"]

        sent = hashlib.sha256()
        received = hashlib.sha256()
        counts = {"sent": 0, "received": 0, "bad_lines": 0}

        def feed():
            try:
                with open(a.file, "rb") as f:
                    while time.monotonic() < deadline:
                        chunk = f.read(CHUNK)
                        if not chunk:
                            break
                        sent.update(chunk)
                        counts["sent"] += len(chunk)
                        off.stdin.write(base64.b64encode(chunk) + b"\n")
                off.stdin.flush()
                if not a.echo:
                    off.stdin.close()
            except (BrokenPipeError, OSError):
                pass

        total = os.path.getsize(a.file)

        def drain():
            source = off.stdout if a.echo else ans.stdout
            for line in source:
                try:
                    data = base64.b64decode(line.strip(), validate=True)
                except Exception:
                    counts["bad_lines"] += 1
                    continue
                received.update(data)
                counts["received"] += len(data)
                if a.echo and counts["received"] >= total:
                    try:
                        off.stdin.close()
                    except OSError:
                        pass

        start = time.monotonic()
        feeder = threading.Thread(target=feed, daemon=True)
        drainer = threading.Thread(target=drain, daemon=True)
        feeder.start()
        drainer.start()
        feeder.join(max(0, deadline - time.monotonic()))
        drainer.join(max(0, deadline - time.monotonic()))
        for p in procs:
            try:
                p.wait(max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
        seconds = time.monotonic() - start
        result.update(
            bytes=counts["received"], bytes_sent=counts["sent"], bad_lines=counts["bad_lines"],
            sha256_sent=sent.hexdigest(), sha256_received=received.hexdigest(), seconds=round(seconds, 2),
            offer_exit=off.returncode, answer_exit=ans.returncode)
        result["ok"] = (counts["sent"] > 0 and counts["sent"] == counts["received"]
                        and result["sha256_sent"] == result["sha256_received"])
    except Exception as e:  # report, never hang
        result["error"] = str(e)
    finally:
        timer.cancel()
        kill_all()
        off_log.close()
        ans_log.close()
    for name in ("offer", "answer"):
        text = open(os.path.join(a.logs, name + ".log"), errors="replace").read()
        sel = [l for l in text.splitlines() if "selected " in l]
        result[name + "_selected"] = sel[-1].strip() if sel else None
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
