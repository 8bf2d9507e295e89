#!/usr/bin/env bash
# On a generated SYN-heavy capture, muster-sensor's p0f labels agree with
# p0f's own (`p0f -r`, the same /etc/p0f/p0f.fp) on at least 99% of the
# flows p0f labels (issue 3, "Show").
#
# Both tools label each SYN (p0f: subj=cli) and each SYN+ACK that answers a
# SYN (subj=srv). Flows are joined on client ip/port, server ip/port and
# direction. A flow counts when p0f gave it a label (os= or app=, not ???);
# it agrees when the OS name and flavor are the same. p0f's "generic" and
# "fuzzy" markers (params=) and ours (g: and "(fuzzy)") describe how good the
# match was, not what it found: they are compared and reported separately,
# and do not decide the result.
#
#   test_p0f_agreement.sh MUSTER_SENSOR [FLOWS] [SEED]
set -u
bin=${1:?usage: test_p0f_agreement.sh MUSTER_SENSOR [FLOWS] [SEED]}
flows=${2:-20000}
seed=${3:-7}
src=$(cd "$(dirname "$0")/../.." && pwd)
fp=/etc/p0f/p0f.fp
p0f=$(command -v p0f || echo /usr/sbin/p0f)

if [ ! -x "$p0f" ] || [ ! -r "$fp" ]; then
	echo "p0f or $fp not installed: skipped"
	exit 77
fi
if ! command -v python3 >/dev/null; then
	echo "python3 not installed: skipped"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 "$src/tests/tools/gen_capture.py" --syn "$flows" --hosts 4096 --seed "$seed" \
	--p0f-fp "$fp" -o "$tmp/syn.pcap" || {
	echo "FAIL: gen_capture.py"
	exit 1
}
# p0f refuses to overwrite nothing, but wants a fresh log file.
"$p0f" -f "$fp" -r "$tmp/syn.pcap" -o "$tmp/p0f.log" >"$tmp/p0f.out" 2>&1 || {
	echo "FAIL: p0f exited $?"
	tail -5 "$tmp/p0f.out"
	exit 1
}
"$bin" -r "$tmp/syn.pcap" --no-store --p0f-fp "$fp" --p0f-log >"$tmp/ours.log" 2>"$tmp/ours.err" || {
	echo "FAIL: muster-sensor exited $?"
	tail -5 "$tmp/ours.err"
	exit 1
}

python3 - "$tmp/p0f.log" "$tmp/ours.log" <<'EOF'
import ipaddress
import sys
from collections import Counter, defaultdict, deque


def ep(s):
    """'addr/port' -> (normalised addr, port)."""
    a, p = s.rsplit("/", 1)
    return str(ipaddress.ip_address(a)), int(p)


# p0f: [date] mod=syn|cli=A/P|srv=B/P|subj=cli|os=NAME FLAVOR|dist=N|params=..|raw_sig=..
theirs = defaultdict(deque)
for line in open(sys.argv[1], encoding="latin-1"):
    i = line.find("] mod=")
    if i < 0:
        continue
    kv = {}
    for part in line[i + 2:].rstrip("\n").split("|"):
        k, _, v = part.partition("=")
        kv[k] = v
    if kv.get("mod") not in ("syn", "syn+ack"):
        continue
    cli, srv = ep(kv["cli"]), ep(kv["srv"])
    label = kv.get("os", kv.get("app", "???")).strip()
    params = kv.get("params", "").split()
    key = (cli, srv, kv["mod"] == "syn+ack")
    theirs[key].append((label, "generic" in params, "fuzzy" in params, kv.get("raw_sig", "")))

# ours: syn A/P -> B/P os=s:NAME FLAVOR[ (fuzzy)] dist=N   (or os=???)
ours = defaultdict(deque)
for line in open(sys.argv[2], encoding="latin-1"):
    f = line.rstrip("\n").split(" ", 4)
    if len(f) < 5 or f[0] not in ("syn", "syn+ack") or f[2] != "->":
        continue
    s, d = ep(f[1]), ep(f[3])
    rest = f[4]
    if not rest.startswith("os="):
        continue
    rest = rest[3:]
    j = rest.rfind(" dist=")
    if j >= 0:
        rest = rest[:j]
    generic = fuzzy = False
    if rest != "???":
        generic = rest.startswith("g:")
        rest = rest[2:]
        if rest.endswith(" (fuzzy)"):
            fuzzy = True
            rest = rest[: -len(" (fuzzy)")]
    synack = f[0] == "syn+ack"
    key = (d, s, True) if synack else (s, d, False)  # (client, server, synack)
    ours[key].append((rest.strip(), generic, fuzzy))

labelled = passed = quality_same = missing = extra = 0
bad = Counter()
for key, q in theirs.items():
    mine = ours.get(key, deque())
    for label, gen, fuz, raw in q:
        m = mine.popleft() if mine else None
        if label == "???":
            if m is not None and m[0] != "???":
                extra += 1
            continue
        labelled += 1
        if m is None:
            missing += 1
            bad[(label, "(no line)", raw)] += 1
            continue
        if m[0] == label:
            passed += 1
            if (m[1], m[2]) == (gen, fuz):
                quality_same += 1
        else:
            bad[(label + (" [generic]" if gen else "") + (" [fuzzy]" if fuz else ""),
                 m[0] + (" [generic]" if m[1] else "") + (" [fuzzy]" if m[2] else ""),
                 ("syn+ack " if key[2] else "syn ") + raw)] += 1

failed = labelled - passed
if bad:
    print("disagreements (p0f | muster | direction and p0f's raw_sig), most frequent first:")
    for (t, o, raw), n in bad.most_common(25):
        print("  %5d  %s | %s | %s" % (n, t, o, raw))
pct = 100.0 * passed / labelled if labelled else 0.0
print("p0f labelled %d flows; muster agrees on OS name+flavor for %d: %.2f%%" % (labelled, passed, pct))
if passed:
    print("of those, same generic/fuzzy markers: %d (%.2f%%)" % (quality_same, 100.0 * quality_same / passed))
print("flows only muster labelled (p0f said ???): %d; p0f flows muster did not print: %d" % (extra, missing))
print("%d passed, %d failed" % (passed, failed))
sys.exit(0 if labelled > 0 and pct >= 99.0 else 1)
EOF
