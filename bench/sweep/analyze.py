#!/usr/bin/env python3
"""bench/sweep/analyze.py - one sweep run, measured from the wire and from the tool.

    analyze.py PCAP TRUTH SENSOR_MAC KIND TOOL_OUTPUT

PCAP: ARP frames captured in the sensor namespace during the run (pcap,
Ethernet). TRUTH: the addresses that exist, one per line. KIND: muster,
arp-scan or nmap (how to read TOOL_OUTPUT: what the tool reported).

Prints one line of key=value fields:
  sent        frames the sensor sent (ARP requests; every frame from its MAC)
  recall_wire share of TRUTH that answered on the wire
  recall_tool share of TRUTH that the tool reported
  t_recall    seconds from the tool's first request to the answer that
              completed the wire recall ("-" when it never did)
  t_last_sent seconds from the first to the last request
"""
import re
import struct
import sys


def read_pcap(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            end, nano = "<", magic == 0xA1B23C4D
        else:
            end, nano = ">", struct.unpack(">I", hdr[:4])[0] == 0xA1B23C4D
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, _ = struct.unpack(end + "IIII", rec)
            data = f.read(incl)
            if len(data) < incl:
                return
            yield sec + frac / (1e9 if nano else 1e6), data


def main():
    pcap, truth_path, sensor_mac, kind, tool_out = sys.argv[1:6]
    truth = {l.strip() for l in open(truth_path) if l.strip()}
    me = bytes(int(x, 16) for x in sensor_mac.split(":"))
    sent = 0
    first = last_sent = None
    answered = {}
    for ts, fr in read_pcap(pcap):
        if len(fr) < 14:
            continue
        src = fr[6:12]
        etype = struct.unpack("!H", fr[12:14])[0]
        if src == me:
            sent += 1
            if etype == 0x0806:
                if first is None:
                    first = ts
                last_sent = ts
            continue
        if etype != 0x0806 or len(fr) < 42:
            continue
        op = struct.unpack("!H", fr[20:22])[0]
        spa = ".".join(str(b) for b in fr[28:32])
        if op == 2 and spa in truth and spa not in answered:
            answered[spa] = ts
    text = open(tool_out, errors="replace").read()
    if kind == "muster":
        reported = set(re.findall(r"event=sweep-answer ip=([0-9.]+)", text))
    elif kind == "arp-scan":
        reported = set(re.findall(r"^([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)\t", text, re.M))
    else:
        reported = set(re.findall(r"^Host: ([0-9.]+) .*Status: Up", text, re.M))
    recall_wire = len(truth & set(answered)) / len(truth)
    recall_tool = len(truth & reported) / len(truth)
    if first is not None and recall_wire == 1.0:
        t_recall = "%.3f" % (max(answered.values()) - first)
    else:
        t_recall = "-"
    t_sent = "%.3f" % (last_sent - first) if first is not None else "-"
    print("sent=%d recall_wire=%.4f recall_tool=%.4f t_recall=%s t_last_sent=%s"
          % (sent, recall_wire, recall_tool, t_recall, t_sent))


if __name__ == "__main__":
    main()
