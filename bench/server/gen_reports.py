#!/usr/bin/env python3
"""gen_reports.py - write the benchmark's report bodies (gzip JSON), one file per sensor.

usage: gen_reports.py OUTDIR SENSORS HOSTS ROUND

Sensor s, host h has MAC 52:54:SS:SS:HH:HH, so no two sensors share a host;
ROUND changes what each host looks like (address, names, banner), as a
re-announce after changes would.
"""
import gzip
import json
import os
import sys

out, sensors, hosts, rnd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
os.makedirs(out, exist_ok=True)
oses = [("windows", "Windows 10", "10.0.19045"), ("linux", "Debian GNU/Linux 12", "12"),
        ("macos", "macOS 14", "14.4")]
for s in range(sensors):
    hl = []
    for h in range(hosts):
        mac = "52:54:%02x:%02x:%02x:%02x" % (s >> 8, s & 255, h >> 8, h & 255)
        fam, name, ver = oses[(h + rnd) % 3]
        ip = "10.%d.%d.%d" % (s % 250, (h + rnd) // 250, (h + rnd) % 250 + 1)
        hl.append({
            "mac": mac,
            "vendor": "QEMU virtual NIC",
            "ipv4": [ip],
            "names": [{"name": "ws-%03d-%04d" % (s, h), "source": "netbios"},
                      {"name": "ws-%03d-%04d.local" % (s, h), "source": "mdns"}],
            "os": {"family": fam, "name": name, "version": ver, "confidence": 80, "source": "p0f"},
            "services": [{"proto": "tcp", "port": 22,
                          "banner": "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u%d" % rnd}],
            "smb": {"netbios_name": "WS-%03d-%04d" % (s, h), "netbios_domain": "CORP"},
            "first_seen": "2026-01-01T00:00:00Z",
            "last_seen": "2026-01-01T00:%02d:00Z" % (rnd % 60),
            "sources": ["arp", "netbios", "mdns"],
        })
    body = {"sensor": {"id": "bench-%03d" % s, "hostname": "sensor-%03d" % s,
                       "version": "bench", "networks": ["10.%d.0.0/16" % (s % 250)]},
            "seq": rnd, "hosts": hl}
    with gzip.open(os.path.join(out, "s%03d.json.gz" % s), "wb", compresslevel=6) as f:
        f.write(json.dumps(body, separators=(",", ":")).encode())
