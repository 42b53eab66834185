#!/usr/bin/env python3
"""Delays and drops the packets an iptables NFQUEUE rule hands it: a kernel-path stand-in for
`tc qdisc ... netem delay D loss L` on kernels built without sch_netem (this one has no netem, fq
or etf qdisc). Run it inside the network namespace whose rule feeds queue --queue:

    iptables -A OUTPUT -o lo -p udp -j NFQUEUE --queue-num 7
    nfqueue_impair.py --queue 7 --delay-ms 25 --loss-pct 1

Every packet through the rule waits --delay-ms in the kernel's queue (verdicts in arrival order,
so order is kept) or is dropped with probability --loss-pct. On lo each packet passes OUTPUT once,
so a UDP round trip gets 2 x delay, as with netem on lo. Talks nfnetlink (NETLINK_NETFILTER)
directly: no library needed. Ends on SIGTERM/SIGINT; prints packet counts on stderr.
"""
import argparse, os, random, select, signal, socket, struct, sys, time
from collections import deque

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG, NFQNL_MSG_VERDICT_BATCH = 0, 1, 2, 3
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN = 1, 2, 3
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NF_DROP, NF_ACCEPT = 0, 1
NLM_F_REQUEST = 1
NLMSG_ERROR = 2


def attr(kind, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * ((4 - n % 4) % 4)


def message(kind, queue, attrs, seq=0):
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue)) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | kind, NLM_F_REQUEST, seq, 0) + body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queue", type=int, required=True)
    ap.add_argument("--delay-ms", type=float, default=0)
    ap.add_argument("--loss-pct", type=float, default=0)
    ap.add_argument("--seed", type=int, default=0x5EED)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((0, 0))
    cfg = lambda attrs: s.send(message(NFQNL_MSG_CONFIG, a.queue, attrs))
    cfg([attr(NFQA_CFG_CMD, struct.pack("=BxH", NFQNL_CFG_CMD_BIND, 0))])
    cfg([attr(NFQA_CFG_PARAMS, struct.pack(">IB", 0, NFQNL_COPY_META) + b"\0\0\0")])
    cfg([attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack(">I", 200000))])
    delay = a.delay_ms / 1000
    loss = a.loss_pct / 100
    held = deque()  # (due, packet id), in arrival order
    counts = {"accepted": 0, "dropped": 0}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print("ready", flush=True)
    while not stop:
        now = time.monotonic()
        last = None
        while held and held[0][0] <= now:
            last = held.popleft()[1]
            counts["accepted"] += 1
        if last is not None:  # every held id up to `last` is due: one batch verdict
            s.send(message(NFQNL_MSG_VERDICT_BATCH, a.queue,
                           [attr(NFQA_VERDICT_HDR, struct.pack(">II", NF_ACCEPT, last))]))
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else 0.2
        try:
            ready, _, _ = select.select([s], [], [], timeout)
        except InterruptedError:
            continue
        if not ready:
            continue
        while True:
            try:
                data = s.recv(1 << 20, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                break
            off = 0
            while off + 16 <= len(data):
                length, kind = struct.unpack_from("=IH", data, off)
                if length < 16:
                    break
                if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                    p = off + 20
                    while p + 4 <= off + length:
                        alen, atype = struct.unpack_from("=HH", data, p)
                        if alen < 4:
                            break
                        if atype & 0x7FFF == NFQA_PACKET_HDR:
                            (pid,) = struct.unpack_from(">I", data, p + 4)
                            if loss > 0 and rng.random() < loss:
                                counts["dropped"] += 1
                                s.send(message(NFQNL_MSG_VERDICT, a.queue,
                                               [attr(NFQA_VERDICT_HDR, struct.pack(">II", NF_DROP, pid))]))
                            else:
                                held.append((time.monotonic() + delay, pid))
                            break
                        p += (alen + 3) & ~3
                elif kind == NLMSG_ERROR:
                    (err,) = struct.unpack_from("=i", data, off + 16)
                    if err != 0:
                        print(f"nfqueue_impair: netlink error {err}", file=sys.stderr)
                off += (length + 3) & ~3
    if held:
        s.send(message(NFQNL_MSG_VERDICT_BATCH, a.queue, [attr(NFQA_VERDICT_HDR, struct.pack(">II", NF_ACCEPT, held[-1][1]))]))
    print(f"nfqueue_impair: accepted {counts['accepted']} dropped {counts['dropped']}", file=sys.stderr)


if __name__ == "__main__":
    main()
