#!/usr/bin/env python3
"""Side-by-side loopback benchmark: `rtc bench --processes 2` vs aiortc (and optionally Chromium).

Run through Scripts/bench-compare. Prints a table (stdout with --out, else stderr) and the combined
JSON {"conditions":..,"rtc":..,"aiortc":..,"chromium":..|null} (stdout, or the file --out).

Column "x better": for throughput (higher is better) it is rtc/aiortc; for setup, latency, CPU
per GB and peak RSS (lower is better) it is aiortc/rtc. Either way > 1 means rtc is better.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def log(*args):
    print("bench-compare:", *args, file=sys.stderr, flush=True)


def run_json(cmd, timeout, cwd=ROOT):
    log("running", " ".join(cmd))
    started = time.monotonic()
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, timeout=timeout, text=True)
    if p.returncode != 0:
        raise SystemExit(f"bench-compare: {cmd[0]} exited with {p.returncode}")
    lines = [line for line in p.stdout.splitlines() if line.strip().startswith("{")]
    if not lines:
        raise SystemExit(f"bench-compare: {cmd[0]} printed no JSON")
    log(f"  done in {time.monotonic() - started:.1f} s")
    return json.loads(lines[-1])


def rtc_binary():
    binary = os.environ.get("RTC_BINARY", os.path.join(ROOT, ".build/release/rtc"))
    if not os.path.isabs(binary):
        binary = os.path.join(ROOT, binary)
    if not os.access(binary, os.X_OK):
        log(binary, "missing: building release (swift build -c release --static-swift-stdlib)")
        subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib"], cwd=ROOT, check=True, timeout=3600)
    return binary


def case_key(t):
    order = "ordered" if t["ordered"] else "unordered"
    return f"{t['message_size']} B {order} {t['reliability']}"


def fmt(x):
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"


def rows(rtc, aio, chromium):
    """(figure, unit, rtc, aiortc, chromium, higher_is_better)"""
    out = [("setup", "ms", rtc["setup_ms"], aio["setup_ms"], None, False)]
    aio_tp = {case_key(t): t for t in aio["throughput"]}
    for t in rtc["throughput"]:
        k = case_key(t)
        a = aio_tp.get(k)
        c = None
        if chromium and t["message_size"] == chromium.get("message_size") and t["ordered"] \
                and t["reliability"] == "reliable":
            c = chromium.get("mb_per_s")
        out.append((k, "MB/s", t["mb_per_s"], a["mb_per_s"] if a else None, c, True))
    for p in ("p50", "p90", "p99", "max"):
        out.append((f"rtt {p}", "us", rtc["rtt_us"][p], aio["rtt_us"][p], None, False))
    out.append(("cpu per GB", "s/GB", rtc["cpu_s_per_gb"], aio["cpu_s_per_gb"], None, False))
    out.append(("peak RSS", "MiB", rtc["peak_rss_mib"], aio["peak_rss_mib"], None, False))
    return out


def table(rtc, aio, chromium):
    lines = ["figure                         unit        rtc     aiortc" + ("   chromium" if chromium else "")
             + "  x better (rtc vs aiortc)"]
    for name, unit, r, a, c, higher in rows(rtc, aio, chromium):
        ratio = None
        if r and a:
            ratio = r / a if higher else a / r
        line = f"{name:30s} {unit:5s} {fmt(r):>10s} {fmt(a):>10s}"
        if chromium:
            line += f" {fmt(c):>10s}"
        line += f"  {fmt(ratio):>8s}" + ("x" if ratio is not None else "")
        lines.append(line)
    lines.append("x better = rtc/aiortc for MB/s (higher is better); aiortc/rtc for setup, rtt, cpu, RSS "
                 "(lower is better). > 1 means rtc is better.")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bytes", type=int, default=256 << 20, help="bytes per throughput case")
    parser.add_argument("--duration", type=float, default=1.5, help="longest a case may send, in seconds")
    parser.add_argument("--rtt-count", type=int, default=2000)
    parser.add_argument("--out", help="write the combined JSON here instead of stdout")
    parser.add_argument("--chromium", action="store_true",
                        help="also measure headless Chromium in-page loopback (64 KiB, reliable ordered)")
    args = parser.parse_args()
    if args.bytes <= 0 or args.duration <= 0 or args.rtt_count <= 0:
        parser.error("counts and durations must be positive")

    common = ["--bytes", str(args.bytes), "--duration", str(args.duration), "--rtt-count", str(args.rtt_count)]
    # 12 cases, each bounded by --duration plus drain/settle time, plus setup and RTT.
    timeout = 12 * (args.duration + 45) + 120
    rtc = run_json([rtc_binary(), "bench", "--processes", "2", "--json"] + common, timeout)
    aio = run_json([sys.executable, os.path.join(HERE, "aiortc_bench.py"), "--json"] + common, timeout)
    chromium = None
    if args.chromium:
        sys.path.insert(0, HERE)
        import chromium_bench
        try:
            chromium = chromium_bench.measure(args.bytes, args.duration)
        except Exception as e:  # optional column: report and go on
            log("chromium measurement failed:", e)
            chromium = {"error": str(e)}

    load = os.getloadavg()
    combined = {
        "conditions": {
            "bytes": args.bytes, "duration_s": args.duration, "rtt_count": args.rtt_count,
            "cpus": os.cpu_count(), "loadavg_after": [round(x, 2) for x in load],
            "python": sys.version.split()[0],
        },
        "rtc": rtc, "aiortc": aio, "chromium": chromium,
    }
    text = table(rtc, aio, chromium if chromium and "error" not in chromium else None)
    text += f"\nconditions: loopback, 2 processes each, --bytes {args.bytes} --duration {args.duration}, " \
            f"{os.cpu_count()} CPUs, load average after run {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    if args.out:
        with open(args.out, "w") as f:
            json.dump(combined, f, sort_keys=True, indent=1)
            f.write("\n")
        print(text)
        log("wrote", args.out)
    else:
        print(text, file=sys.stderr)
        print(json.dumps(combined, sort_keys=True))


if __name__ == "__main__":
    main()
