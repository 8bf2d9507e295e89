#!/usr/bin/env python3
"""Views of host records for scripts/demo.sh (the main job).

  demo-view.py targets UNMANAGED.jsonl          the push targets: unmanaged hosts
                                                the sensor saw as Linux with SSH
                                                open, as host-record JSON lines
  demo-view.py count FILE.jsonl [--managed]     how many records (managed ones)
  demo-view.py table TRUTH.tsv BEFORE.jsonl AFTER.jsonl SENSOR.jsonl
                                                the closing table, one lab host a
                                                line: host, names, OS, before,
                                                after (server), sensor after
  demo-view.py reported-since AFTER.jsonl TIME MAC...
                                                how many of MAC... were seen by
                                                the sensor after TIME (RFC 3339)

Input is what muster-server and muster-sensor print (one host record a line,
DESIGN.md's shape); nothing here decides a status, it only shows them.
"""
import json
import sys


def records(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def by_mac(path):
    return {r["mac"]: r for r in records(path) if r.get("mac")}


def has_ssh(rec):
    return any(s.get("proto") == "tcp" and s.get("port") == 22
               for s in rec.get("services", []))


def family(rec):
    return (rec.get("os") or {}).get("family", "")


def targets(path):
    n = 0
    for r in records(path):
        if r.get("status") == "unmanaged" and family(r) == "linux" and has_ssh(r) \
                and r.get("ipv4"):
            print(json.dumps({"host": r["ipv4"][0], "port": 22, "user": "root",
                              "os": "linux"}))
            n += 1
    return 0 if n else 1


def count(path, managed):
    recs = records(path)
    if managed:
        recs = [r for r in recs if r.get("status") == "managed"]
    print(len(recs))
    return 0


def names_of(rec):
    seen = []
    for n in rec.get("names", []):
        name = n.get("name", "")
        if name and name.lower() not in (s.lower() for s in seen):
            seen.append(name)
    return ", ".join(seen[:3]) or "-"


def os_of(rec):
    o = rec.get("os") or {}
    text = o.get("name") or o.get("family") or "-"
    if o.get("version") and o.get("version") not in text:
        text += " " + o["version"]
    return text


def status_of(rec):
    if rec is None:
        return "not seen"
    st = rec.get("status", "?")
    reason = rec.get("status_reason", "")
    if st == "managed":
        how = "enrolled" if "(enrolled)" in reason else \
              "imported" if "(imported)" in reason else ""
        grp = rec.get("group", "")
        return "managed" + (f" ({how}, {grp})" if how else f" ({grp})" if grp else "")
    return st


def clip(s, n):
    return s if len(s) <= n else s[:n - 1] + "~"


def table(truth, before_path, after_path, sensor_path):
    """One line per machine of the lab's ground truth (hosts.tsv; index 0 is
    the sensor's own interface): what the server said before the push, what
    it says after, and what the sensor's store says after."""
    before = by_mac(before_path)
    after = by_mac(after_path)
    sensor = by_mac(sensor_path)
    rows = []
    with open(truth, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            ip, mac = cols[2], cols[3]
            if cols[0] == "0":
                if mac not in before and mac not in after:
                    continue
                ip += " (sensor)"
            rec = after.get(mac) or before.get(mac)
            seen = sensor.get(mac)
            rows.append((ip, clip(names_of(rec) if rec else "-", 34),
                         clip(os_of(rec) if rec else "-", 22),
                         status_of(before.get(mac)), status_of(after.get(mac)),
                         seen.get("status", "unmanaged") if seen else "not seen"))
    head = ("host", "names", "OS", "before", "after", "sensor after")
    w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    fmt = "  " + "  ".join("{:<%d}" % x for x in w)
    print(fmt.format(*head).rstrip())
    print(fmt.format(*("-" * x for x in w)).rstrip())
    for r in rows:
        print(fmt.format(*r).rstrip())
    return 0


def reported_since(path, when, macs):
    """How many of MACS the server has with last_seen after WHEN (RFC 3339
    UTC): the sensor reported them again since."""
    recs = by_mac(path)
    print(sum(1 for m in macs if recs.get(m, {}).get("last_seen", "") > when))
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "targets":
        return targets(argv[1])
    if len(argv) >= 2 and argv[0] == "count":
        return count(argv[1], "--managed" in argv[2:])
    if len(argv) == 5 and argv[0] == "table":
        return table(*argv[1:])
    if len(argv) >= 3 and argv[0] == "reported-since":
        return reported_since(argv[1], argv[2], argv[3:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
