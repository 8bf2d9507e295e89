#!/usr/bin/python3
"""smb_oracle.py - impacket (Debian python3-impacket) as an independent oracle
for Muster's SMB2/NTLMSSP bytes; used by tests/lab/test_smb_oracle.sh.

  smb_oracle.py requests DIR GUIDHEX SALTHEX
      Rebuild our NEGOTIATE, NTLMSSP NEGOTIATE and SESSION_SETUP requests
      (written by smb_probe into DIR) with impacket's structures, compare
      them field by field, and parse ours with impacket. Prints "ok - ..." or
      "FAIL - ..." per check.
  smb_oracle.py replies NEG.bin SETUP.bin
      Parse saved server replies with impacket and print key=value lines
      with the keys smb_probe uses.
"""
import struct
import sys

from impacket import ntlm, spnego
from impacket.smb3structs import (SMB2Negotiate, SMB2Negotiate_Response, SMB2NegotiateContext,
                                  SMB2Packet, SMB2PreAuthIntegrityCapabilities,
                                  SMB2EncryptionCapabilities, SMB2SessionSetup,
                                  SMB2SessionSetup_Response, SMB311ContextData)

failed = 0


def check(what, cond, detail=""):
    global failed
    if cond:
        print("ok - %s" % what)
    else:
        failed += 1
        print("FAIL - %s%s" % (what, (": " + detail) if detail else ""))


def frame(data):
    """Strip the 4-byte direct-TCP transport header ([MS-SMB2] 2.1)."""
    assert data[0] == 0, "not a session message"
    n = int.from_bytes(data[1:4], "big")
    return data[4:4 + n]


def hexdiff(a, b):
    for i in range(min(len(a), len(b))):
        if a[i] != b[i]:
            return "first difference at byte %d: ours %02x, impacket %02x (lengths %d/%d)" % (
                i, a[i], b[i], len(a), len(b))
    return "lengths %d/%d" % (len(a), len(b))


def requests(d, guid_hex, salt_hex):
    guid = bytes.fromhex(guid_hex)
    salt = bytes.fromhex(salt_hex)
    our_neg = open(d + "/negotiate-req.bin", "rb").read()
    our_t1 = open(d + "/ntlmssp-negotiate.bin", "rb").read()
    our_ss = open(d + "/session-setup-req.bin", "rb").read()

    # --- NTLMSSP NEGOTIATE ([MS-NLMP] 2.2.1.1) -----------------------------
    imp = ntlm.getNTLMSSPType1("", "", signingRequired=False, use_ntlmv2=True)
    imp_default = imp.getData()
    ours = ntlm.NTLMAuthNegotiate()
    ours.fromString(our_t1)
    check("ntlmssp: signature and MessageType equal impacket's",
          our_t1[:12] == imp_default[:12], hexdiff(our_t1[:12], imp_default[:12]))
    extra = ours["flags"] & ~imp["flags"]
    missing = imp["flags"] & ~ours["flags"]
    # By design we add ALWAYS_SIGN, VERSION (so the server returns its VERSION)
    # and KEY_EXCH (as Windows clients do); impacket sets them only when signing.
    check("ntlmssp: our flags = impacket's + ALWAYS_SIGN|VERSION|KEY_EXCH (0x%08x vs 0x%08x)" %
          (ours["flags"], imp["flags"]),
          missing == 0 and extra == (ntlm.NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
                                     ntlm.NTLMSSP_NEGOTIATE_VERSION |
                                     ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH),
          "extra 0x%08x missing 0x%08x" % (extra, missing))
    check("ntlmssp: impacket parses ours: no domain, no workstation",
          ours["domain_len"] == 0 and ours["host_len"] == 0 and
          ours["domain_name"] == b"" and ours["host_name"] == b"")
    ver = ours["os_version"]
    check("ntlmssp: impacket reads our VERSION as 0.0.0 revision 15",
          ver != "" and ver["ProductMajorVersion"] == 0 and ver["ProductBuild"] == 0 and
          ver["NTLMRevisionCurrent"] == ntlm.VERSION.NTLMSSP_REVISION_W2K3)
    # Same flags and VERSION through impacket's builder: identical bytes but for
    # the empty fields' offsets (impacket 0, ours the payload offset 40, as
    # 2.2.1.1 says they SHOULD be).
    imp["flags"] = ours["flags"]
    v = ntlm.VERSION()
    v["ProductMajorVersion"] = 0
    v["ProductMinorVersion"] = 0
    v["ProductBuild"] = 0
    v["Reserved"] = b"\0\0\0"
    imp["os_version"] = v
    imp_same = bytearray(imp.getData())
    check("ntlmssp: impacket's empty-field offsets are 0, ours 40 (by design)",
          imp_same[20:24] == b"\0\0\0\0" and our_t1[20:24] == b"\x28\0\0\0")
    imp_same[20:24] = our_t1[20:24]
    imp_same[28:32] = our_t1[28:32]
    check("ntlmssp: byte-identical to impacket's with our flags and offsets",
          bytes(imp_same) == our_t1, hexdiff(our_t1, bytes(imp_same)))

    # --- SMB2 NEGOTIATE ([MS-SMB2] 2.2.3) ----------------------------------
    pkt = SMB2Packet()
    pkt["Command"] = 0
    pkt["CreditRequestResponse"] = 1
    neg = SMB2Negotiate()
    neg["SecurityMode"] = 1
    neg["Capabilities"] = 0x47
    neg["ClientGuid"] = guid
    neg["Dialects"] = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311]
    neg["DialectCount"] = 5
    cd = SMB311ContextData()
    cd["NegotiateContextOffset"] = 112
    cd["NegotiateContextCount"] = 2
    neg["ClientStartTime"] = cd.getData()
    neg["Padding"] = b"\0\0"  # impacket pads with 0xff; the value is not specified
    c1 = SMB2NegotiateContext()
    c1["ContextType"] = 1
    pa = SMB2PreAuthIntegrityCapabilities()
    pa["HashAlgorithmCount"] = 1
    pa["SaltLength"] = 32
    pa["HashAlgorithms"] = b"\x01\x00"
    pa["Salt"] = salt
    c1["Data"] = pa.getData()
    c1["DataLength"] = len(c1["Data"])
    c2 = SMB2NegotiateContext()
    c2["ContextType"] = 2
    ec = SMB2EncryptionCapabilities()
    ec["CipherCount"] = 4
    ec["Ciphers"] = 2  # first cipher; the rest appended below
    c2["Data"] = ec.getData() + struct.pack("<HHH", 1, 4, 3)
    c2["DataLength"] = len(c2["Data"])
    pad = b"\0" * ((8 - len(c1.getData()) % 8) % 8)
    neg["NegotiateContextList"] = c1.getData() + pad + c2.getData()
    pkt["Data"] = neg
    imp_msg = pkt.getData()
    imp_frame = struct.pack(">I", len(imp_msg)) + imp_msg
    check("smb2: NEGOTIATE byte-identical to impacket's SMB2Packet/SMB2Negotiate with "
          "the same dialects, GUID, salt and ciphers", imp_frame == our_neg,
          hexdiff(our_neg, imp_frame))
    p = SMB2Packet(frame(our_neg))
    n = SMB2Negotiate(p["Data"])
    cd2 = SMB311ContextData(n["ClientStartTime"])
    check("smb2: impacket parses our NEGOTIATE: 5 dialects 0x0202..0x0311",
          p["Command"] == 0 and n["DialectCount"] == 5 and
          # "*<H" takes the rest of the message: the first DialectCount are the dialects
          list(n["Dialects"])[:n["DialectCount"]] == [0x0202, 0x0210, 0x0300, 0x0302, 0x0311],
          "%r" % (n["Dialects"],))
    check("smb2: impacket parses our GUID, signing enabled, context offset 112 count 2",
          n["ClientGuid"] == guid and n["SecurityMode"] == 1 and
          cd2["NegotiateContextOffset"] == 112 and cd2["NegotiateContextCount"] == 2)
    raw = frame(our_neg)
    k1 = SMB2NegotiateContext(raw[112:])
    pa2 = SMB2PreAuthIntegrityCapabilities(k1["Data"][:k1["DataLength"]])
    check("smb2: impacket reads our preauth context: SHA-512, our salt",
          k1["ContextType"] == 1 and pa2["HashAlgorithmCount"] == 1 and
          pa2["SaltLength"] == 32 and bytes(raw[126:158]) == salt)
    k2 = SMB2NegotiateContext(raw[160:])
    ec2 = SMB2EncryptionCapabilities(k2["Data"][:k2["DataLength"]])
    check("smb2: impacket reads our encryption context: 4 ciphers, AES-128-GCM first",
          k2["ContextType"] == 2 and ec2["CipherCount"] == 4 and ec2["Ciphers"] == 2)

    # --- SESSION_SETUP with SPNEGO NegTokenInit ([MS-SMB2] 2.2.5, RFC 4178) --
    p = SMB2Packet(frame(our_ss))
    ss = SMB2SessionSetup(p["Data"])
    check("smb2: impacket parses our SESSION_SETUP: command 1, message id 1, "
          "buffer at 88", p["Command"] == 1 and p["MessageID"] == 1 and
          ss["SecurityBufferOffset"] == 88 and ss["SecurityMode"] == 1)
    blob = ss["Buffer"]
    init = spnego.SPNEGO_NegTokenInit(blob)
    mechs = init["MechTypes"]
    ntlm_oid = spnego.TypesMech["NTLMSSP - Microsoft NTLM Security Support Provider"]
    check("spnego: impacket finds NTLMSSP as the only mech and our token inside",
          mechs == [ntlm_oid] and init["MechToken"] == our_t1)
    mine = spnego.SPNEGO_NegTokenInit()
    mine["MechTypes"] = [ntlm_oid]
    mine["MechToken"] = our_t1
    check("spnego: NegTokenInit byte-identical to impacket's", mine.getData() == blob,
          hexdiff(blob, mine.getData()))


def u16(av, key):
    v = av[key]
    return None if v is None else v[1].decode("utf-16le", "replace")


def replies(neg_path, setup_path):
    p = SMB2Packet(frame(open(neg_path, "rb").read()))
    raw = frame(open(neg_path, "rb").read())
    r = SMB2Negotiate_Response(p["Data"])
    print("dialect=0x%04x" % r["DialectRevision"])
    print("security_mode=0x%04x" % r["SecurityMode"])
    print("signing_required=%d" % (1 if r["SecurityMode"] & 2 else 0))
    print("capabilities=0x%08x" % r["Capabilities"])
    print("server_guid=%s" % r["ServerGuid"].hex())
    print("max_transact=%d\nmax_read=%d\nmax_write=%d" % (
        r["MaxTransactSize"], r["MaxReadSize"], r["MaxWriteSize"]))
    print("system_time=%d" % r["SystemTime"])
    print("server_start_time=%d" % r["ServerStartTime"])
    if r["DialectRevision"] == 0x0311:
        off, count = r["NegotiateContextOffset"], r["NegotiateContextCount"]
        print("contexts=%d" % count)
        for _ in range(count):
            ctx = SMB2NegotiateContext(raw[off:])
            data = ctx["Data"][:ctx["DataLength"]]
            if ctx["ContextType"] == 1:
                pa = SMB2PreAuthIntegrityCapabilities(data)
                print("preauth_hash=%d" % struct.unpack("<H", pa["HashAlgorithms"][:2])[0])
                print("preauth_salt_len=%d" % pa["SaltLength"])
            elif ctx["ContextType"] == 2:
                print("cipher=%d" % SMB2EncryptionCapabilities(data)["Ciphers"])
            off += 8 + ctx["DataLength"]
            off = (off + 7) & ~7

    p = SMB2Packet(frame(open(setup_path, "rb").read()))
    print("status=0x%08x" % p["Status"])
    s = SMB2SessionSetup_Response(p["Data"])
    blob = s["Buffer"]
    if blob[:8] == b"NTLMSSP\0":
        token = blob
        print("spnego=0")
    else:
        token = spnego.SPNEGO_NegTokenResp(blob)["ResponseToken"]
        print("spnego=1")
    ch = ntlm.NTLMAuthChallenge(token)
    print("ntlm_flags=0x%08x" % ch["flags"])
    print("server_challenge=%s" % ch["challenge"].hex())
    print("target_name=%s" % ch["domain_name"].decode("utf-16le", "replace"))
    av = ntlm.AV_PAIRS(ch["TargetInfoFields"])
    for key, name in ((ntlm.NTLMSSP_AV_HOSTNAME, "nb_computer"),
                      (ntlm.NTLMSSP_AV_DOMAINNAME, "nb_domain"),
                      (ntlm.NTLMSSP_AV_DNS_HOSTNAME, "dns_computer"),
                      (ntlm.NTLMSSP_AV_DNS_DOMAINNAME, "dns_domain"),
                      (ntlm.NTLMSSP_AV_DNS_TREENAME, "dns_tree")):
        v = u16(av, key)
        if v is not None:
            print("%s=%s" % (name, v))
    if av[ntlm.NTLMSSP_AV_TIME] is not None:
        print("timestamp=%d" % struct.unpack("<Q", av[ntlm.NTLMSSP_AV_TIME][1])[0])
    if ch["flags"] & ntlm.NTLMSSP_NEGOTIATE_VERSION:
        v = ntlm.VERSION(ch["Version"])
        print("version=%d.%d.%d" % (v["ProductMajorVersion"], v["ProductMinorVersion"],
                                    v["ProductBuild"]))
        print("ntlm_revision=%d" % v["NTLMRevisionCurrent"])


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "requests":
        requests(sys.argv[2], sys.argv[3], sys.argv[4])
        return 1 if failed else 0
    if len(sys.argv) == 4 and sys.argv[1] == "replies":
        replies(sys.argv[2], sys.argv[3])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
