#!/usr/bin/env python3
"""A minimal mDNS responder for tests: answers A or AAAA questions for one name with one address,
by multicast to the group of the family it listens on (as Chromium answers), on one interface.

    mdns_responder.py NAME ADDRESS INTERFACE [--family 6|4]

Prints "ready" once it listens, then "answered TYPE" per answer. Runs until killed.
"""
import argparse
import socket
import struct


def main():
    p = argparse.ArgumentParser()
    p.add_argument("name")
    p.add_argument("address")
    p.add_argument("interface")
    p.add_argument("--family", choices=["4", "6"], default="6")
    a = p.parse_args()
    index = socket.if_nametoindex(a.interface)
    v6 = a.family == "6"
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind(("::", 5353))
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                     socket.inet_pton(socket.AF_INET6, "ff02::fb") + struct.pack("@I", index))
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
        group = ("ff02::fb", 5353, 0, index)
    else:
        s.bind(("0.0.0.0", 5353))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     socket.inet_aton("224.0.0.251") + struct.pack("@ii", 0, index)[:4])
        group = ("224.0.0.251", 5353)
    wire = b"".join(bytes([len(l)]) + l.encode() for l in a.name.lower().split(".")) + b"\0"
    rtype, rdata = (28, socket.inet_pton(socket.AF_INET6, a.address)) if ":" in a.address \
        else (1, socket.inet_aton(a.address))
    print("ready", flush=True)
    while True:
        data, _ = s.recvfrom(9000)
        if len(data) < 12 or data[2] & 0x80 or struct.unpack(">H", data[4:6])[0] != 1:
            continue  # responses, or not one question
        question = data[12:]
        if question[:len(wire)].lower() != wire or len(question) < len(wire) + 4:
            continue
        qtype = struct.unpack(">H", question[len(wire):len(wire) + 2])[0]
        if qtype != rtype:
            continue
        answer = struct.pack(">HHHHHH", 0, 0x8400, 0, 1, 0, 0) + wire + struct.pack(">HHIH", rtype, 0x8001, 120,
                                                                                       len(rdata)) + rdata
        s.sendto(answer, group)
        print("answered", qtype, flush=True)


if __name__ == "__main__":
    main()
