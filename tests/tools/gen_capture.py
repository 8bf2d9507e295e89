#!/usr/bin/env python3
"""gen_capture.py - write a synthetic Ethernet pcap for the passive sensor.

Three kinds of traffic, interleaved, from a pool of --hosts hosts (one MAC,
one IPv4 and one IPv6 address each):

  --syn N        TCP SYNs and SYN+ACKs whose IP/TCP fields are drawn from the
                 signatures of p0f's database (/etc/p0f/p0f.fp, parsed here):
                 initial TTL, window, MSS, window scale, option layout, DF/ID
                 and other quirks; plus deliberate perturbations (TTL minus
                 0-20 hops, odd windows, shuffled options, dropped DF, ECN,
                 IP options, SYN payloads ...). IPv4 and some IPv6.
  --broadcast N  ARP (requests, replies, gratuitous, probes), DHCP DISCOVER and
                 REQUEST (hostname, vendor class, parameter request list),
                 mDNS responses (A/AAAA, device-info TXT), SSDP NOTIFY (SERVER),
                 NetBIOS name registrations. With N >= hosts, every host sends
                 at least one.
  --noise N      TCP data segments, UDP to random ports, ICMP echo: traffic
                 the sensor's decoders have no use for.

IPv4, TCP, UDP and ICMP checksums are correct. Python standard library only.
The same --seed gives the same file.

  gen_capture.py --syn 20000 --seed 1 -o syn.pcap
  gen_capture.py --syn 400000 --broadcast 400000 --noise 250000 \\
                 --hosts 65536 -o mix.pcap
"""

import argparse
import random
import struct
import sys
from array import array

P0F_FP = "/etc/p0f/p0f.fp"

# ---------------------------------------------------------------------------
# Checksums (RFC 1071). Summing native 16-bit words gives the sum in host
# byte order; writing it back with a native-order pack gives the right bytes.


def csum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(array("H", data))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def put_csum(buf, off, value):
    struct.pack_into("=H", buf, off, value)


# ---------------------------------------------------------------------------
# Frames


ETH_IP4 = b"\x08\x00"
ETH_IP6 = b"\x86\xdd"
ETH_ARP = b"\x08\x06"
BCAST = b"\xff" * 6


def eth(dst, src, etype, payload):
    f = dst + src + etype + payload
    if len(f) < 60:
        f += bytes(60 - len(f))
    return f


def ip4_header(src, dst, proto, plen, ttl, ident=0, df=False, tos=0, mbz=False, opts=b""):
    ihl = 5 + len(opts) // 4
    flags = (0x4000 if df else 0) | (0x8000 if mbz else 0)
    h = bytearray(
        struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, 20 + len(opts) + plen, ident, flags, ttl, proto, 0, src, dst)
        + opts
    )
    put_csum(h, 10, csum(bytes(h)))
    return bytes(h)


def ip6_header(src, dst, nh, plen, hlim, flow=0, tc=0):
    return struct.pack("!IHBB16s16s", (6 << 28) | (tc << 20) | flow, plen, nh, hlim, src, dst)


def l4_csum_v4(src, dst, proto, seg):
    return csum(src + dst + struct.pack("!BBH", 0, proto, len(seg)) + seg)


def l4_csum_v6(src, dst, nh, seg):
    return csum(src + dst + struct.pack("!IxxxB", len(seg), nh) + seg)


def tcp_segment(sport, dport, seq, ack, flags, win, opts=b"", urg=0, payload=b"", reserved=0):
    doff = (20 + len(opts)) // 4
    return bytearray(
        struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (doff << 4) | reserved, flags, win, 0, urg) + opts + payload
    )


def udp_datagram(sport, dport, payload):
    return bytearray(struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


def ip4_packet(src, dst, proto, seg, ttl=64, ident=0, df=False, tos=0, mbz=False, opts=b""):
    """seg: bytearray of a TCP (6) / UDP (17) / ICMP (1) message, checksum field zero."""
    if proto == 6:
        put_csum(seg, 16, l4_csum_v4(src, dst, 6, bytes(seg)))
    elif proto == 17:
        c = l4_csum_v4(src, dst, 17, bytes(seg))
        put_csum(seg, 6, c if c else 0xFFFF)
    elif proto == 1:
        put_csum(seg, 2, csum(bytes(seg)))
    return ip4_header(src, dst, proto, len(seg), ttl, ident, df, tos, mbz, opts) + bytes(seg)


def ip6_packet(src, dst, nh, seg, hlim=64, flow=0, tc=0):
    if nh == 6:
        put_csum(seg, 16, l4_csum_v6(src, dst, 6, bytes(seg)))
    elif nh == 17:
        c = l4_csum_v6(src, dst, 17, bytes(seg))
        put_csum(seg, 6, c if c else 0xFFFF)
    elif nh == 58:
        put_csum(seg, 2, l4_csum_v6(src, dst, 58, bytes(seg)))
    return ip6_header(src, dst, nh, len(seg), hlim, flow, tc) + bytes(seg)


# ---------------------------------------------------------------------------
# p0f.fp: the [tcp:request] and [tcp:response] signatures


class Sig:
    __slots__ = ("line", "label", "generic", "app", "ver", "ittl", "bad_ttl", "olen", "mss", "wtype", "win",
                 "scale", "olayout", "eol_pad", "quirks", "pclass")


def parse_p0f(path):
    """Return (request_labels, response_labels): lists of (label, [Sig])."""
    out = {"tcp:request": [], "tcp:response": []}
    sec = None
    cur = None
    with open(path, encoding="latin-1") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or line.startswith(";"):
                continue
            if line.startswith("["):
                sec = line[1:-1]
                cur = None
                continue
            if sec not in out or "=" not in line:
                continue
            key, val = (x.strip() for x in line.split("=", 1))
            if key == "label":
                typ, cls, name, flavor = val.split(":", 3)
                cur = (val, [])
                cur_meta = (typ == "g", cls == "!")
                out[sec].append(cur)
            elif key == "sig" and cur is not None:
                f = val.split(":")
                if len(f) != 8:
                    continue
                s = Sig()
                s.line = lineno
                s.label = cur[0]
                s.generic, s.app = cur_meta
                s.ver = f[0]
                t = f[1]
                s.bad_ttl = t.endswith("-")
                if s.bad_ttl:
                    s.ittl = int(t[:-1])
                elif "+" in t:
                    a, b = t.split("+")
                    s.ittl = int(a) + (0 if b == "?" else int(b))
                else:
                    s.ittl = int(t)
                s.olen = int(f[2])
                s.mss = None if f[3] == "*" else int(f[3])
                w, sc = f[4].split(",")
                if w == "*":
                    s.wtype, s.win = "any", 0
                elif w.startswith("mss*"):
                    s.wtype, s.win = "mss", int(w[4:])
                elif w.startswith("mtu*"):
                    s.wtype, s.win = "mtu", int(w[4:])
                elif w.startswith("%"):
                    s.wtype, s.win = "mod", int(w[1:])
                else:
                    s.wtype, s.win = "fixed", int(w)
                s.scale = None if sc == "*" else int(sc)
                s.olayout = []
                s.eol_pad = 0
                for o in f[5].split(",") if f[5] else []:
                    if o.startswith("eol+"):
                        s.olayout.append("eol")
                        s.eol_pad = int(o[4:])
                    else:
                        s.olayout.append(o)
                s.quirks = set(f[6].split(",")) if f[6] else set()
                s.pclass = f[7]
                # p0f-sendsyn's own probes get special handling in p0f: leave them out.
                if s.mss == 1331 and s.win == 1337:
                    continue
                cur[1].append(s)
    return out["tcp:request"], out["tcp:response"]


# How common each OS is on a LAN (by label substring); the rest weigh 1.
LABEL_WEIGHTS = [
    ("s:unix:Linux:3.11 and newer", 30),
    ("s:win:Windows:7 or 8", 25),
    ("s:unix:Linux:(Android)", 10),
    ("s:unix:Linux:3.1-3.10", 8),
    ("s:unix:Linux:2.6.x", 5),
    ("s:unix:Mac OS X:10.x", 6),
    ("s:unix:MacOS X:10.9", 8),
    ("s:unix:iOS:", 8),
    ("s:win:Windows:XP", 4),
    ("s:unix:FreeBSD", 3),
    ("s:unix:OpenBSD", 2),
    ("loopback", 0.3),
    ("s:!:NMap", 0.5),
    ("g:", 2),
]


def label_weight(label):
    for pat, w in LABEL_WEIGHTS:
        if pat in label:
            return w
    return 1


# ---------------------------------------------------------------------------
# Hosts


OUIS = [
    b"\x00\x50\x56", b"\x00\x0c\x29", b"\x3c\x22\xfb", b"\xa4\x83\xe7", b"\xb8\x27\xeb", b"\xdc\xa6\x32",
    b"\x00\x15\x5d", b"\x28\x16\xad", b"\x00\x1a\x11", b"\xf4\xf5\xd8", b"\x00\x17\x88", b"\x94\x9f\x3e",
    b"\xac\xde\x48", b"\x00\x1b\x21", b"\x3c\xd9\x2b", b"\x52\x54\x00", b"\x08\x00\x27", b"\xf0\x18\x98",
]
ROUTER_MAC = b"\x00\x00\x5e\x00\x01\x01"

FAMILIES = ["windows", "linux", "macos", "ios", "android", "printer", "tv"]
HOST_PREFIX = {"windows": "DESKTOP-", "linux": "srv-", "macos": "MacBook-", "ios": "iPhone-",
               "android": "android-", "printer": "HP", "tv": "Samsung-TV-"}
DHCP_PROFILES = {
    "windows": ([1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252], b"MSFT 5.0"),
    "linux": ([1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42], b""),
    "macos": ([1, 121, 3, 6, 15, 108, 114, 119, 252, 95, 44, 46], b""),
    "ios": ([1, 121, 3, 6, 15, 108, 114, 119, 252], b""),
    "android": ([1, 3, 6, 15, 26, 28, 51, 58, 59, 43, 114, 108], b"android-dhcp-13"),
    "printer": ([1, 3, 6, 15, 44, 47, 12, 81], b"Hewlett-Packard JetDirect"),
    "tv": ([1, 3, 6, 12, 15, 28, 42], b"udhcp 1.36.1"),
}
SSDP_SERVERS = {
    "windows": b"Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0",
    "linux": b"Linux/6.1.0-18-amd64 UPnP/1.0 MiniDLNA/1.3.0",
    "macos": b"Darwin/22.6.0 UPnP/1.0 Portable SDK for UPnP devices/1.14.13",
    "ios": b"iOS/17.1 UPnP/1.1 Sonos/75.1-43250",
    "android": b"Linux/4.19 UPnP/1.0 Roku/12.5.0",
    "printer": b"HP HTTP Server; HP OfficeJet Pro 9010 series - 1KR53A; UPnP/1.0",
    "tv": b"Linux/3.10 UPnP/1.0 Samsung UPnP SDK/1.0",
}
MDNS_MODELS = {"macos": b"model=MacBookPro18,3", "ios": b"model=iPhone14,2", "linux": b"model=Xserve",
               "printer": b"model=RackMac", "tv": b"model=AppleTV11,1"}


class Hosts:
    def __init__(self, n, rng):
        self.n = n
        self.mac = []
        self.ip4 = []
        self.ip6 = []
        self.fam = []
        for i in range(n):
            if i % 17 == 16:  # randomised, locally administered MACs (phones)
                mac = b"\xda\x5e" + struct.pack("!I", i)
            else:
                mac = OUIS[i % len(OUIS)] + struct.pack("!I", i * 2654435761 & 0xFFFFFFFF)[1:]
            self.mac.append(mac)
            # 10.0.0.0/8, skipping .0 and .255 host bytes.
            a = i // 254
            self.ip4.append(bytes([10, (a >> 8) & 0xFF, a & 0xFF, 1 + i % 254]))
            eui = bytes([mac[0] ^ 0x02]) + mac[1:3] + b"\xff\xfe" + mac[3:]
            self.ip6.append(b"\x20\x01\x0d\xb8\x00\x01\x00\x00" + eui)
            self.fam.append(FAMILIES[rng.randrange(len(FAMILIES))])

    def name(self, i):
        return ("%s%05X" % (HOST_PREFIX[self.fam[i]], i)).encode()

    def ll6(self, i):
        return b"\xfe\x80" + bytes(6) + self.ip6[i][8:]


# ---------------------------------------------------------------------------
# SYN / SYN+ACK


TYPICAL_MSS = [1460] * 8 + [1440, 1452, 1400, 1380, 1360, 1412, 1420, 1448, 536, 1200]
TYPICAL_WIN = [29200, 64240, 65535, 8192, 5840, 14600, 16384, 32768, 28960, 26883, 42340, 65160, 4128, 1024]


def tcp_options(layout, eol_pad, mss, ws, tsval, tsecr, opt_plus=False):
    out = bytearray()
    for o in layout:
        if o == "mss":
            out += struct.pack("!BBH", 2, 4, mss)
        elif o == "ws":
            out += struct.pack("!BBB", 3, 3, ws)
        elif o == "sok":
            out += b"\x04\x02"
        elif o == "sack":
            out += struct.pack("!BBII", 5, 10, tsval, tsval + 1000)
        elif o == "ts":
            out += struct.pack("!BBII", 8, 10, tsval, tsecr)
        elif o == "nop":
            out += b"\x01"
        elif o == "eol":
            out += b"\x00" + (b"\x01" if opt_plus and eol_pad else b"\x00") * eol_pad
        else:  # "?n": an unknown option of length 2
            out += struct.pack("!BB", int(o[1:]), 2)
    return bytes(out)


class SynGen:
    def __init__(self, rng, hosts, fp_path, v6_share):
        self.rng = rng
        self.hosts = hosts
        self.v6_share = v6_share
        req, resp = parse_p0f(fp_path)
        self.req = [s for _, sigs in req for s in sigs]
        self.req_w = []
        for label, sigs in req:
            w = label_weight(label) / len(sigs) if sigs else 0
            self.req_w += [w] * len(sigs)
        self.req_cum = self._cum(self.req_w)
        # SYN+ACKs come from servers, which are mostly Linux and Windows.
        self.resp = [s for _, sigs in resp for s in sigs]
        rw = []
        for label, sigs in resp:
            w = 6 if "Linux:3.x" in label else 4 if "Windows" in label else 1
            rw += [w / len(sigs)] * len(sigs)
        self.resp_cum = self._cum(rw)
        # Remote servers the LAN talks to, and remote clients behind routers.
        self.servers4 = [bytes([rng.choice([93, 142, 151, 104, 185, 13]), rng.randrange(256), rng.randrange(256),
                                1 + rng.randrange(254)]) for _ in range(2000)]
        self.servers6 = [b"\x2a\x00\x14\x50" + struct.pack("!IQ", rng.getrandbits(32), rng.getrandbits(64))
                         for _ in range(500)]
        self.port = 32768
        self.stats = {}

    @staticmethod
    def _cum(w):
        out, t = [], 0.0
        for x in w:
            t += x
            out.append(t)
        return out

    def pick(self, cum, sigs):
        x = self.rng.random() * cum[-1]
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return sigs[lo]

    def count(self, what):
        self.stats[what] = self.stats.get(what, 0) + 1

    def fields(self, s, v6, synack, peer_mss=0):
        """Draw the header fields a stack described by signature s would send, then perturb them."""
        r = self.rng
        f = {}
        mss = s.mss if s.mss is not None else r.choice(TYPICAL_MSS)
        if v6 and s.mss is None and mss > 1440:
            mss = 1440
        f["mss"] = mss
        scale = s.scale if s.scale is not None else r.choice([0, 1, 2, 3, 4, 5, 6, 7, 7, 7, 8, 8, 9, 10, 14])
        f["ws"] = scale
        if s.wtype == "fixed":
            win = s.win
        elif s.wtype == "mss":
            win = mss * s.win
            if win > 65535:  # keep the product on the wire
                mss = 65535 // s.win
                f["mss"] = mss
                win = mss * s.win
        elif s.wtype == "mtu":
            win = (mss + 40) * s.win
            if win > 65535:
                win = 1500 * s.win if 1500 * s.win <= 65535 else 65535
        elif s.wtype == "mod":
            win = s.win * r.randrange(1, max(2, 65535 // s.win))
        else:
            win = r.choice(TYPICAL_WIN)
        f["win"] = win
        # Initial TTL, less 0-20 hops (half the senders are on the segment).
        if s.bad_ttl:
            ttl = r.randrange(30, s.ittl + 1)
            hops = 0
        else:
            hops = 0 if r.random() < 0.5 else r.randrange(1, 21)
            ttl = s.ittl - hops
        f["hops"] = hops
        f["layout"] = list(s.olayout)
        f["eol_pad"] = s.eol_pad
        q = s.quirks
        f["df"] = "df" in q
        f["id"] = r.randrange(1, 65536) if ("id+" in q or "df" not in q) else 0
        if "id-" in q:
            f["id"] = 0
        f["mbz"] = "0+" in q
        f["ecn"] = "ecn" in q
        f["seq"] = 0 if "seq-" in q else r.getrandbits(32) | 1
        f["ack"] = 0
        if "ack+" in q:
            f["ack"] = r.getrandbits(32) | 1  # p0f only notices odd ACK numbers (see below)
        f["urg"] = r.randrange(1, 65536) if "uptr+" in q else 0
        f["urgf"] = "urgf+" in q
        f["push"] = "pushf+" in q
        f["tsval"] = 0 if "ts1-" in q else r.getrandbits(32) | 1
        f["tsecr"] = r.getrandbits(32) | 1 if "ts2+" in q else 0
        f["opt_plus"] = "opt+" in q
        if "exws" in q:
            f["ws"] = 15
        f["payload"] = b"\x16\x03\x01\x00\x05hello" if s.pclass == "+" else b""
        f["flow"] = r.randrange(1, 1 << 20) if "flow" in q else 0
        f["ipopts"] = b""

        # Perturbations: real traffic strays from the signatures.
        x = r.random()
        if x < 0.015:
            ttl = {64: 128, 128: 255, 255: 64, 32: 64}.get(s.ittl, 64) - r.randrange(0, 5)
            self.count("p_ttl_other_initial")
        elif x < 0.025 and not s.bad_ttl:
            ttl = max(1, s.ittl - r.randrange(36, 60))
            self.count("p_ttl_far")
        f["ttl"] = ttl
        x = r.random()
        if x < 0.03:
            f["win"] = r.randrange(1, 65536)
            self.count("p_win_random")
        elif x < 0.045 and s.wtype == "mss":
            k = max(1, s.win + r.choice([-1, 1]))
            f["win"] = min(65535, mss * k)
            self.count("p_win_mult_off_by_one")
        elif x < 0.055 and s.wtype == "mss" and mss != 1460 and 1460 * s.win <= 65535:
            f["win"] = 1460 * s.win  # window from the other interface's MTU
            self.count("p_win_mtu1500_other_mss")
        elif x < 0.065 and s.wtype == "mss" and "ts" in s.olayout and (mss - 12) * s.win <= 65535:
            f["win"] = (mss - 12) * s.win  # minus the timestamp option
            self.count("p_win_mss_minus_12")
        elif x < 0.075 and synack and s.wtype == "mss" and peer_mss and peer_mss != mss \
                and peer_mss * s.win <= 65535:
            f["win"] = peer_mss * s.win  # sized on the client's MSS
            self.count("p_win_peer_mss")
        x = r.random()
        if x < 0.03 and len(f["layout"]) > 1:
            body = [o for o in f["layout"] if o != "eol"]
            r.shuffle(body)
            f["layout"] = body + (["eol"] if "eol" in f["layout"] else [])
            self.count("p_opt_shuffle")
        elif x < 0.04 and "mss" in f["layout"] and s.mss is None:
            f["mss"] = r.choice([1220, 1240, 1300, 1332, 8960, 9000 - 40, 16344])
            self.count("p_mss_odd")
        x = r.random()
        if x < 0.02 and f["df"]:
            f["df"] = False
            self.count("p_df_dropped")
        elif x < 0.03:
            f["ecn"] = True
            self.count("p_ecn_added")
        elif x < 0.04 and f["df"]:
            f["id"] = 0 if f["id"] else r.randrange(1, 65536)
            self.count("p_id_flipped")
        elif x < 0.045:
            f["ipopts"] = b"\x94\x04\x00\x00"  # router alert
            self.count("p_ip_options")
        elif x < 0.05 and not synack:
            f["payload"] = b"GET / HTTP/1.1\r\n\r\n"  # TCP Fast Open data on the SYN
            self.count("p_syn_payload")
        elif x < 0.053 and not synack:
            f["ack"] = r.getrandbits(32)
            self.count("p_ack_nonzero")
        elif x < 0.056:
            f["urg"] = r.randrange(1, 65536)
            self.count("p_urg_ptr")
        elif x < 0.059:
            f["push"] = True
            self.count("p_push")
        elif x < 0.062 and "ts" in f["layout"] and not synack:
            f["tsecr"] = r.getrandbits(32) | 1
            self.count("p_ts2_nonzero")
        elif x < 0.065 and "ws" in f["layout"]:
            f["ws"] = 15
            self.count("p_ws_excessive")
        elif x < 0.067 and "ts" in f["layout"]:
            f["tsval"] = 0
            self.count("p_ts1_zero")
        if v6 and r.random() < 0.3:
            f["flow"] = r.randrange(1, 1 << 20)
            self.count("p_flow_label")
        return f

    def frame(self, f, v6, src, dst, smac, dmac, sport, dport, flags):
        opts = tcp_options(f["layout"], f["eol_pad"], f["mss"], f["ws"], f["tsval"], f["tsecr"], f["opt_plus"])
        if len(opts) % 4:  # keep the data offset whole: pad with EOL
            opts += bytes(4 - len(opts) % 4)
        if len(opts) > 40:
            opts = opts[:40]
        if f["ecn"]:
            flags |= 0xC0 if flags == 0x02 else 0x40  # ECE+CWR on a SYN, ECE on a SYN+ACK
        if f["urgf"]:
            flags |= 0x20
        if f["push"]:
            flags |= 0x08
        seg = tcp_segment(sport, dport, f["seq"], f["ack"], flags, f["win"], opts, f["urg"], f["payload"])
        if v6:
            pkt = ip6_packet(src, dst, 6, seg, f["ttl"], f["flow"])
            return eth(dmac, smac, ETH_IP6, pkt)
        pkt = ip4_packet(src, dst, 6, seg, f["ttl"], f["id"], f["df"], 0, f["mbz"], f["ipopts"])
        return eth(dmac, smac, ETH_IP4, pkt)

    def next_port(self):
        self.port += 1
        if self.port > 60999:
            self.port = 32768
        return self.port

    def emit(self, out, synack_share=0.35):
        """One SYN, and perhaps the SYN+ACK answering it. Returns frames written."""
        r = self.rng
        h = r.randrange(self.hosts.n)
        s = self.pick(self.req_cum, self.req)
        v6 = s.ver == "6" or (s.ver == "*" and r.random() < self.v6_share)
        f = self.fields(s, v6, False)
        if f["hops"] == 0:
            smac = self.hosts.mac[h]
            src = self.hosts.ip6[h] if v6 else self.hosts.ip4[h]
        else:  # routed: the router's MAC, an address from elsewhere
            smac = ROUTER_MAC
            src = (b"\x20\x01\x0d\xb8\x00\x99" + struct.pack("!HQ", r.getrandbits(16), r.getrandbits(64))) if v6 \
                else bytes([172, 16 + r.randrange(16), r.randrange(256), 1 + r.randrange(254)])
        if r.random() < 0.3:  # a server on the segment
            d = r.randrange(self.hosts.n)
            dst = self.hosts.ip6[d] if v6 else self.hosts.ip4[d]
            dmac = self.hosts.mac[d]
            srv_hops = 0
        else:
            dst = r.choice(self.servers6) if v6 else r.choice(self.servers4)
            dmac = ROUTER_MAC
            srv_hops = r.randrange(1, 21)
        sport = self.next_port()
        dport = r.choice([80, 443, 443, 443, 22, 445, 3389, 8080, 25, 993, 5222, 8443])
        out.append(self.frame(f, v6, src, dst, smac, dmac, sport, dport, 0x02))
        n = 1
        if r.random() < synack_share:
            rs = self.pick(self.resp_cum, self.resp)
            g = self.fields(rs, v6, True, f["mss"])
            if not rs.bad_ttl and g["hops"] == 0 and g["ttl"] == rs.ittl:
                g["ttl"] = max(1, rs.ittl - srv_hops)
            g["ack"] = (f["seq"] + 1) & 0xFFFFFFFF
            out.append(self.frame(g, v6, dst, src, dmac, smac, dport, sport, 0x12))
            n += 1
        return n


# ---------------------------------------------------------------------------
# Broadcast: ARP, DHCP, mDNS, SSDP, NBNS


def dns_name(name):
    out = b""
    for part in name.split(b"."):
        out += bytes([len(part)]) + part
    return out + b"\0"


def nb_encode(name, suffix):
    n = name[:15].upper().ljust(15) + bytes([suffix])
    enc = bytearray()
    for c in n:
        enc.append(0x41 + (c >> 4))
        enc.append(0x41 + (c & 0xF))
    return b"\x20" + bytes(enc) + b"\x00"


class BcastGen:
    MDNS4 = bytes([224, 0, 0, 251])
    MDNS_MAC = b"\x01\x00\x5e\x00\x00\xfb"
    SSDP4 = bytes([239, 255, 255, 250])
    SSDP_MAC = b"\x01\x00\x5e\x7f\xff\xfa"

    def __init__(self, rng, hosts):
        self.rng = rng
        self.hosts = hosts
        self.order = list(range(hosts.n))
        rng.shuffle(self.order)
        self.i = 0
        self.stats = {}

    def next_host(self):
        # Every host once (in a shuffled order) before any host twice.
        if self.i < len(self.order):
            h = self.order[self.i]
            self.i += 1
            return h
        return self.rng.randrange(self.hosts.n)

    def count(self, what):
        self.stats[what] = self.stats.get(what, 0) + 1

    def arp(self, h):
        r, H = self.rng, self.hosts
        mac, ip = H.mac[h], H.ip4[h]
        x = r.random()
        if x < 0.45:  # request
            t = r.randrange(H.n)
            body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, ip, bytes(6), H.ip4[t])
            self.count("arp_request")
            return eth(BCAST, mac, ETH_ARP, body)
        if x < 0.75:  # reply to someone
            t = r.randrange(H.n)
            body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, mac, ip, H.mac[t], H.ip4[t])
            self.count("arp_reply")
            return eth(H.mac[t], mac, ETH_ARP, body)
        if x < 0.9:  # gratuitous
            body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, ip, bytes(6), ip)
            self.count("arp_gratuitous")
            return eth(BCAST, mac, ETH_ARP, body)
        body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, bytes(4), bytes(6), ip)  # probe
        self.count("arp_probe")
        return eth(BCAST, mac, ETH_ARP, body)

    def dhcp(self, h):
        r, H = self.rng, self.hosts
        mac, fam = H.mac[h], H.fam[h]
        prl, vendor = DHCP_PROFILES[fam]
        request = r.random() < 0.5
        opts = bytearray(b"\x35\x01" + (b"\x03" if request else b"\x01"))
        opts += b"\x3d\x07\x01" + mac
        if request:
            opts += b"\x32\x04" + H.ip4[h]
        opts += b"\x39\x02\x05\xdc"
        name = H.name(h)
        if fam != "ios" or r.random() < 0.5:
            opts += b"\x0c" + bytes([len(name)]) + name
        if vendor:
            opts += b"\x3c" + bytes([len(vendor)]) + vendor
        if fam == "windows" and request:
            fq = b"\x00\x00\x00" + name + b".corp.example"
            opts += b"\x51" + bytes([len(fq)]) + fq
        opts += b"\x37" + bytes([len(prl)]) + bytes(prl) + b"\xff"
        bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 0, r.getrandbits(32), r.randrange(10), 0x8000,
                            bytes(4), bytes(4), bytes(4), bytes(4), mac + bytes(10), bytes(64), bytes(128),
                            0x63825363) + bytes(opts)
        if len(bootp) < 300:
            bootp += bytes(300 - len(bootp))
        seg = udp_datagram(68, 67, bootp)
        self.count("dhcp_request" if request else "dhcp_discover")
        return eth(BCAST, mac, ETH_IP4, ip4_packet(bytes(4), b"\xff" * 4, 17, seg, 64 if fam != "windows" else 128))

    def mdns(self, h):
        r, H = self.rng, self.hosts
        mac, fam = H.mac[h], H.fam[h]
        host = H.name(h) + b".local"
        rrs = []
        rrs.append(dns_name(host) + struct.pack("!HHIH", 1, 0x8001, 120, 4) + H.ip4[h])
        n = 1
        if r.random() < 0.5:
            # the same name again, compressed: a pointer to offset 12
            rrs.append(b"\xc0\x0c" + struct.pack("!HHIH", 28, 0x8001, 120, 16) + H.ll6(h))
            n += 1
        model = MDNS_MODELS.get(fam)
        if model:
            inst = H.name(h) + b"._device-info._tcp.local"
            txt = b"".join(bytes([len(t)]) + t for t in (model, b"osxvers=21"))
            rrs.append(dns_name(inst) + struct.pack("!HHIH", 16, 0x0001, 4500, len(txt)) + txt)
            n += 1
        msg = struct.pack("!HHHHHH", 0, 0x8400, 0, n, 0, 0) + b"".join(rrs)
        seg = udp_datagram(5353, 5353, msg)
        self.count("mdns_response")
        return eth(self.MDNS_MAC, mac, ETH_IP4, ip4_packet(H.ip4[h], self.MDNS4, 17, seg, 255, 0, True))

    def ssdp(self, h):
        r, H = self.rng, self.hosts
        mac, ip = H.mac[h], H.ip4[h]
        uuid = "%08x-0000-1000-8000-%012x" % (h, int.from_bytes(mac, "big"))
        ipt = "%d.%d.%d.%d" % tuple(ip)
        msg = (b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n"
               b"LOCATION: http://" + ipt.encode() + b":49152/description.xml\r\nNT: upnp:rootdevice\r\n"
               b"NTS: ssdp:alive\r\nSERVER: " + SSDP_SERVERS[H.fam[h]] + b"\r\nUSN: uuid:" + uuid.encode()
               + b"::upnp:rootdevice\r\n\r\n")
        seg = udp_datagram(r.randrange(32768, 61000), 1900, msg)
        self.count("ssdp_notify")
        return eth(self.SSDP_MAC, mac, ETH_IP4, ip4_packet(ip, self.SSDP4, 17, seg, 4, r.randrange(65536), True))

    def nbns(self, h):
        r, H = self.rng, self.hosts
        mac, ip = H.mac[h], H.ip4[h]
        name = H.name(h)
        qn = nb_encode(name, r.choice([0x00, 0x20, 0x00]))
        msg = struct.pack("!HHHHHH", r.randrange(65536), 0x2910, 1, 0, 0, 1) + qn + struct.pack("!HH", 0x20, 1) \
            + b"\xc0\x0c" + struct.pack("!HHIHH", 0x20, 1, 300000, 6, 0) + ip
        seg = udp_datagram(137, 137, msg)
        bc = ip[:2] + b"\xff\xff"
        self.count("nbns_registration")
        return eth(BCAST, mac, ETH_IP4, ip4_packet(ip, bc, 17, seg, 128, r.randrange(65536)))

    def emit(self, out):
        h = self.next_host()
        x = self.rng.random()
        if x < 0.40:
            out.append(self.arp(h))
        elif x < 0.60:
            out.append(self.dhcp(h))
        elif x < 0.75:
            out.append(self.mdns(h))
        elif x < 0.88:
            out.append(self.ssdp(h))
        else:
            out.append(self.nbns(h))
        return 1


# ---------------------------------------------------------------------------
# Noise


class NoiseGen:
    def __init__(self, rng, hosts, servers4):
        self.rng = rng
        self.hosts = hosts
        self.servers4 = servers4
        self.blob = bytes(rng.getrandbits(8) for _ in range(4096))
        self.stats = {}

    def emit(self, out):
        r, H = self.rng, self.hosts
        h = r.randrange(H.n)
        mac, ip = H.mac[h], H.ip4[h]
        srv = r.choice(self.servers4)
        x = r.random()
        off = r.randrange(2048)
        if x < 0.6:
            n = r.choice([0, 0, 40, 120, 517, 1024, 1448, 1448])
            inbound = r.random() < 0.5
            seg = tcp_segment(r.choice([443, 80, 22]) if inbound else r.randrange(32768, 61000),
                              r.randrange(32768, 61000) if inbound else r.choice([443, 80, 22]),
                              r.getrandbits(32), r.getrandbits(32), 0x18 if n else 0x10, r.randrange(500, 65535),
                              b"\x01\x01\x08\x0a" + struct.pack("!II", r.getrandbits(32), r.getrandbits(32)),
                              0, self.blob[off:off + n])
            if inbound:
                pkt = ip4_packet(srv, ip, 6, seg, 50, r.randrange(65536), True)
                out.append(eth(mac, ROUTER_MAC, ETH_IP4, pkt))
            else:
                pkt = ip4_packet(ip, srv, 6, seg, 64, r.randrange(65536), True)
                out.append(eth(ROUTER_MAC, mac, ETH_IP4, pkt))
            kind = "tcp_data"
        elif x < 0.9:
            n = r.choice([20, 48, 100, 300, 1200])
            dport = r.randrange(1024, 65535)
            if dport in (1900, 5353, 5355, 547, 546):
                dport += 10
            seg = udp_datagram(r.randrange(32768, 61000), dport, self.blob[off:off + n])
            out.append(eth(ROUTER_MAC, mac, ETH_IP4, ip4_packet(ip, srv, 17, seg, 64, r.randrange(65536))))
            kind = "udp_other"
        else:
            icmp = bytearray(struct.pack("!BBHHH", r.choice([8, 0]), 0, 0, r.randrange(65536), r.randrange(65536))
                             + self.blob[off:off + 56])
            out.append(eth(ROUTER_MAC, mac, ETH_IP4, ip4_packet(ip, srv, 1, icmp, 64, r.randrange(65536))))
            kind = "icmp_echo"
        self.stats[kind] = self.stats.get(kind, 0) + 1
        return 1


# ---------------------------------------------------------------------------
# pcap


def pcap_header():
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--syn", type=int, default=0, help="SYN and SYN+ACK frames")
    ap.add_argument("--broadcast", type=int, default=0, help="ARP/DHCP/mDNS/SSDP/NBNS frames")
    ap.add_argument("--noise", type=int, default=0, help="frames the sensor ignores")
    ap.add_argument("--hosts", type=int, default=1024, help="distinct source MACs (default 1024)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--v6-share", type=float, default=0.1, help="share of SYNs over IPv6 (default 0.1)")
    ap.add_argument("--synack-share", type=float, default=0.35, help="share of SYNs answered (default 0.35)")
    ap.add_argument("--p0f-fp", default=P0F_FP, help="p0f signatures to draw SYNs from")
    ap.add_argument("--stats", action="store_true", help="print what was written to stderr")
    ap.add_argument("-o", "--output", required=True, help="pcap file to write ('-' for stdout)")
    a = ap.parse_args()
    if a.hosts < 1 or a.hosts > 1 << 22:
        ap.error("--hosts must be 1..4194304")
    if a.syn + a.broadcast + a.noise <= 0:
        ap.error("nothing to write: give --syn, --broadcast and/or --noise")

    rng = random.Random(a.seed)
    hosts = Hosts(a.hosts, rng)
    syn = SynGen(rng, hosts, a.p0f_fp, a.v6_share) if a.syn else None
    bc = BcastGen(rng, hosts) if a.broadcast else None
    noise = NoiseGen(rng, hosts, syn.servers4 if syn else [bytes([93, 184, 216, 34])]) if a.noise else None

    left = {"syn": a.syn, "bc": a.broadcast, "noise": a.noise}
    fh = sys.stdout.buffer if a.output == "-" else open(a.output, "wb")
    fh.write(pcap_header())
    ts = 1_700_000_000 * 1_000_000
    frames = []
    buf = []
    total = 0
    pack = struct.Struct("<IIII").pack
    while True:
        rem = left["syn"] + left["bc"] + left["noise"]
        if rem <= 0:
            break
        x = rng.randrange(rem)
        if x < left["syn"]:
            n = syn.emit(frames, a.synack_share if left["syn"] > 1 else 0.0)
            left["syn"] -= n
        elif x < left["syn"] + left["bc"]:
            left["bc"] -= bc.emit(frames)
        else:
            left["noise"] -= noise.emit(frames)
        for fr in frames:
            ts += 20 + (total & 31)
            buf.append(pack(ts // 1_000_000, ts % 1_000_000, len(fr), len(fr)))
            buf.append(fr)
            total += 1
        frames.clear()
        if len(buf) >= 65536:
            fh.write(b"".join(buf))
            buf.clear()
    fh.write(b"".join(buf))
    if fh is not sys.stdout.buffer:
        fh.close()
    if a.stats:
        print("frames: %d" % total, file=sys.stderr)
        for g in (syn, bc, noise):
            if g:
                for k in sorted(g.stats):
                    print("  %-26s %d" % (k, g.stats[k]), file=sys.stderr)


if __name__ == "__main__":
    main()
