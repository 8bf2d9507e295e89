#!/usr/bin/python3
"""scmr_oracle.py - impacket (Debian python3-impacket 0.10) as an independent
implementation of DCE/RPC and [MS-SCMR] for Muster's deployer.

  scmr_oracle.py requests
      Encode the fixed calls of tests/tools/rpc_dump.c ("rpc_dump requests")
      with impacket's rpcrt and scmr structures and print "NAME HEX" lines in
      the same order, for a byte-for-byte comparison.
  scmr_oracle.py capture HOST USER PASSFILE OUTDIR [denied]
      Drive a real server's svcctl over impacket's own SMB transport and save
      every raw reply PDU (all fragments, as read from the pipe) as
      OUTDIR/samba-NAME.bin; print impacket's parse as key=value lines. With
      "denied", only OpenSCManagerW asking for SC_MANAGER_CREATE_SERVICE
      (samba-open-scm-denied.bin). The password is read from PASSFILE.
  scmr_oracle.py replies DIR
      Print impacket's parse of the saved replies in DIR as key=value lines
      (the keys rpc_dump prints).
  scmr_oracle.py relay HOST USER PASSFILE SOCKPATH
      Open \\HOST\IPC$\svcctl with impacket's SMB client and relay raw
      DCE/RPC PDUs between it and one client of the Unix socket SOCKPATH
      ("rpc_dump live"), so that our RPC code talks to the real server over
      a transport that is not ours. Prints "ready" once listening.

Two things are set on impacket's side so that its bytes are comparable:
referent IDs (impacket draws them at random; we number them 0x00020000,
0x00020004, ... as Windows does) and the value of NDR alignment padding
(impacket fills it with marker bytes such as 0xaa or 0xbf; we send zeros, as
[C706] leaves the value open). The latter is done by loading impacket's ndr.py
with its pad fill bytes set to zero; nothing else in it changes.
"""
import importlib.util
import re
import struct
import sys


def load_zero_padded_ndr():
    """Load impacket.dcerpc.v5.ndr with every b'\\xNN'*pad fill made b'\\x00'*pad."""
    spec = importlib.util.find_spec("impacket.dcerpc.v5.ndr")
    src = open(spec.origin).read()
    new, n = re.subn(r"b'\\x[0-9a-fA-F]{2}'\*(pad0|pad)\b", r"b'\\x00'*\1", src)
    if n < 8:
        sys.exit("impacket's ndr.py has changed (%d pad fills found): update scmr_oracle.py" % n)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["impacket.dcerpc.v5.ndr"] = mod
    exec(compile(new, spec.origin, "exec"), mod.__dict__)
    return mod


load_zero_padded_ndr()
from impacket.dcerpc.v5 import rpcrt, scmr  # noqa: E402  (after the ndr patch)
from impacket.dcerpc.v5.dtypes import LPWSTR, NULL  # noqa: E402

H1 = bytes(range(20))
H2 = bytes(range(0xa0, 0xb4))
DISPLAY = "Muster deployment (\u00e9\U0001F600)"
BINPATH = ('"C:\\Windows\\Muster-1a2b\\muster-svc.exe" --run "C:\\Windows\\Muster-1a2b\\'
           'muster-agent.msi" --result "C:\\Windows\\Muster-1a2b\\result.txt"')
DEPLOY_ACCESS = 0x00010034


def refs(*ptrs):
    """Give the unique pointers, in wire order, the referent IDs Windows would."""
    ref = 0x00020000
    for p in ptrs:
        if "ReferentID" in p.fields and p["ReferentID"] != 0:  # NULL has no ID
            p["ReferentID"] = ref
            ref += 4


def nz(s):
    return s + "\x00"


def calls():
    """The fixed calls, in rpc_dump's order: (name, opnum, NDRCALL)."""
    out = []

    r = scmr.ROpenSCManagerW()
    r["lpMachineName"] = NULL
    r["lpDatabaseName"] = nz("ServicesActive")
    r["dwDesiredAccess"] = 0x3
    refs(r.fields["lpMachineName"], r.fields["lpDatabaseName"])
    out.append(("open_scm_null", 15, r))

    r = scmr.ROpenSCManagerW()
    r["lpMachineName"] = nz("WIN-TARGET01")
    r["lpDatabaseName"] = nz("ServicesActive")
    r["dwDesiredAccess"] = 0xF003F
    refs(r.fields["lpMachineName"], r.fields["lpDatabaseName"])
    out.append(("open_scm", 15, r))

    r = scmr.ROpenServiceW()
    r["hSCManager"] = H1
    r["lpServiceName"] = nz("MusterSvc1")
    r["dwDesiredAccess"] = DEPLOY_ACCESS
    out.append(("open_service", 16, r))

    for name, display in (("create_service", DISPLAY), ("create_service_nodisplay", None)):
        r = scmr.RCreateServiceW()
        r["hSCManager"] = H1
        r["lpServiceName"] = nz("MusterDeploy")
        r["lpDisplayName"] = nz(display) if display is not None else NULL
        r["dwDesiredAccess"] = DEPLOY_ACCESS
        r["dwServiceType"] = scmr.SERVICE_WIN32_OWN_PROCESS
        r["dwStartType"] = scmr.SERVICE_DEMAND_START
        r["dwErrorControl"] = scmr.SERVICE_ERROR_NORMAL
        r["lpBinaryPathName"] = nz(BINPATH)
        r["lpLoadOrderGroup"] = NULL
        r["lpdwTagId"] = NULL
        r["lpDependencies"] = NULL
        r["dwDependSize"] = 0
        r["lpServiceStartName"] = NULL
        r["lpPassword"] = NULL
        r["dwPwSize"] = 0
        refs(r.fields["lpDisplayName"])
        out.append((name, 12, r))

    r = scmr.RStartServiceW()
    r["hService"] = H2
    r["argc"] = 0
    r["argv"] = NULL
    out.append(("start_service", 19, r))

    r = scmr.RStartServiceW()
    r["hService"] = H2
    args = ["--run", "x y", "\u00fc"]
    r["argc"] = len(args)
    items = []
    for a in args:
        it = LPWSTR()
        it["Data"] = nz(a)
        r["argv"].append(it)
        items.append(it)
    refs(r.fields["argv"], *items)
    out.append(("start_service_args", 19, r))

    r = scmr.RQueryServiceStatus()
    r["hService"] = H2
    out.append(("query_status", 6, r))

    r = scmr.RControlService()
    r["hService"] = H2
    r["dwControl"] = scmr.SERVICE_CONTROL_STOP
    out.append(("control_stop", 1, r))

    r = scmr.RDeleteService()
    r["hService"] = H2
    out.append(("delete_service", 2, r))

    r = scmr.RCloseServiceHandle()
    r["hSCObject"] = H2
    out.append(("close", 0, r))
    return out


def requests():
    # The bind, as DCERPC_v5.bind() builds it: one context, NDR20.
    bind = rpcrt.MSRPCBind()
    item = rpcrt.CtxItem()
    item["AbstractSyntax"] = scmr.MSRPC_UUID_SCMR
    item["TransferSyntax"] = rpcrt.DCERPC.NDRSyntax
    item["ContextID"] = 0
    item["TransItems"] = 1
    bind.addCtxItem(item)
    pkt = rpcrt.MSRPCHeader()
    pkt["type"] = rpcrt.MSRPC_BIND
    pkt["pduData"] = bind.getData()
    pkt["call_id"] = 1
    print("bind", pkt.get_packet().hex())

    # Each request as one fragment, as DCERPC_v5.send() fills the header.
    for call_id, (name, opnum, req) in enumerate(calls(), start=2):
        stub = req.getData()
        assert req.opnum == opnum, name
        print("stub.%s %s" % (name, stub.hex()))
        pdu = rpcrt.MSRPCRequestHeader()
        pdu["op_num"] = opnum
        pdu["ctx_id"] = 0
        pdu["call_id"] = call_id
        pdu["pduData"] = stub
        pdu["alloc_hint"] = len(stub)
        print("pdu.%s %s" % (name, pdu.get_packet().hex()))


# ---- real replies --------------------------------------------------------------


class Recorder:
    """Wrap a transport's recv() to keep the raw bytes of each reply."""

    def __init__(self, transport):
        self.t = transport
        self.orig = transport.recv
        self.buf = b""
        transport.recv = self.recv

    def recv(self, forceRecv=0, count=0):
        data = self.orig(forceRecv, count)
        self.buf += data
        return data

    def take(self):
        data, self.buf = self.buf, b""
        return data


def connect(host, user, password):
    from impacket.dcerpc.v5 import transport
    t = transport.DCERPCTransportFactory(r"ncacn_np:%s[\pipe\svcctl]" % host)
    t.set_credentials(user, password, "")
    dce = t.get_dce_rpc()
    dce.connect()
    rec = Recorder(t)
    return dce, rec


def save(outdir, name, data):
    with open("%s/samba-%s.bin" % (outdir, name), "wb") as f:
        f.write(data)


def attempt(fn):
    """Run fn; return (result, exception text or None)."""
    try:
        return fn(), None
    except Exception as e:  # impacket raises for WERRORs and faults alike
        return None, str(e)


def capture(host, user, passfile, outdir, denied):
    password = open(passfile).read().strip()
    dce, rec = connect(host, user, password)
    dce.bind(scmr.MSRPC_UUID_SCMR)
    save(outdir, "bind-ack", rec.take())
    if denied:
        _, e = attempt(lambda: scmr.hROpenSCManagerW(dce, NULL, nz("ServicesActive"), 0x3))
        print("impacket.open_scm_denied=%s" % e)
        save(outdir, "open-scm-denied", rec.take())
        return

    r = scmr.hROpenSCManagerW(dce, NULL, nz("ServicesActive"), 0xF003F)
    save(outdir, "open-scm", rec.take())
    scm = r["lpScHandle"]
    r = scmr.hROpenServiceW(dce, scm, nz("Spooler"), DEPLOY_ACCESS)
    save(outdir, "open-service", rec.take())
    svc = r["lpServiceHandle"]
    _, e = attempt(lambda: scmr.hROpenServiceW(dce, scm, nz("MusterNoSuchService"), DEPLOY_ACCESS))
    print("impacket.open_service_missing=%s" % e)
    save(outdir, "open-service-missing", rec.take())
    scmr.hRQueryServiceStatus(dce, svc)
    save(outdir, "query-status", rec.take())
    _, e = attempt(lambda: scmr.hRStartServiceW(dce, svc))
    print("impacket.start_service=%s" % e)
    save(outdir, "start-service", rec.take())
    _, e = attempt(lambda: scmr.hRControlService(dce, svc, scmr.SERVICE_CONTROL_STOP))
    print("impacket.control_stop=%s" % e)
    save(outdir, "control-stop", rec.take())
    _, e = attempt(lambda: scmr.hRCreateServiceW(
        dce, scm, nz("MusterDeploy"), nz("Muster deployment"), DEPLOY_ACCESS,
        scmr.SERVICE_WIN32_OWN_PROCESS, scmr.SERVICE_DEMAND_START, scmr.SERVICE_ERROR_NORMAL,
        nz("C:\\Windows\\muster-svc.exe")))
    print("impacket.create_service=%s" % e)
    save(outdir, "create-service", rec.take())
    _, e = attempt(lambda: scmr.hRDeleteService(dce, svc))
    print("impacket.delete_service=%s" % e)
    save(outdir, "delete-service", rec.take())
    # A reply longer than one fragment: REnumServicesStatusW with a 9000-byte
    # buffer returns the whole buffer (size_is(cbBufSize)).
    req = scmr.REnumServicesStatusW()
    req["hSCManager"] = scm
    req["dwServiceType"] = scmr.SERVICE_WIN32_OWN_PROCESS | scmr.SERVICE_WIN32_SHARE_PROCESS
    req["dwServiceState"] = scmr.SERVICE_STATE_ALL
    req["cbBufSize"] = 9000
    req["lpResumeIndex"] = NULL
    _, e = attempt(lambda: dce.request(req))
    print("impacket.enum_services=%s" % e)
    save(outdir, "enum-services", rec.take())
    scmr.hRCloseServiceHandle(dce, svc)
    save(outdir, "close-service", rec.take())
    scmr.hRCloseServiceHandle(dce, scm)
    save(outdir, "close-scm", rec.take())
    # An operation number svcctl does not have.
    _, e = attempt(lambda: dce.call(200, b"\x00" * 4) or dce.recv())
    print("impacket.bad_opnum=%s" % e)
    save(outdir, "bad-opnum", rec.take())
    dce.disconnect()

    # A bind to an interface the pipe does not serve (the epmapper's UUID).
    dce, rec = connect(host, user, password)
    _, e = attempt(lambda: dce.bind(rpcrt.uuidtup_to_bin(("e1af8308-5d1f-11c9-91a4-08002b14a0fa", "3.0"))))
    print("impacket.bind_unknown=%s" % e)
    save(outdir, "bind-unknown-if", rec.take())
    dce.disconnect()


# ---- parse saved replies ----------------------------------------------------------


def fragments(data):
    """Split a saved reply into PDUs with impacket's header parser; return them."""
    out = []
    while data:
        h = rpcrt.MSRPCHeader(data)
        out.append(data[:h["frag_len"]])
        data = data[h["frag_len"]:]
    return out


def stub_of(data):
    """Reassemble the stub of a saved response; (stub, fault status or 0, n fragments)."""
    stub = b""
    frags = fragments(data)
    for f in frags:
        h = rpcrt.MSRPCRespHeader(f)
        if h["type"] == rpcrt.MSRPC_FAULT:
            return b"", struct.unpack("<L", h["pduData"][:4])[0], len(frags)
        stub += h["pduData"]
    return stub, 0, len(frags)


def show(name, kv):
    for k, v in kv:
        print("%s.%s=%s" % (name, k, v))


def replies(d):
    import os
    for fn in sorted(os.listdir(d)):
        if not (fn.startswith("samba-") and fn.endswith(".bin")):
            continue
        name = fn[len("samba-"):-len(".bin")]
        data = open(os.path.join(d, fn), "rb").read()
        if name.startswith("bind"):
            h = rpcrt.MSRPCHeader(data)
            kv = [("ptype", h["type"])]
            if h["type"] == rpcrt.MSRPC_BINDACK:
                ack = rpcrt.MSRPCBindAck(data)
                it = ack.getCtxItem(1)
                addr = ack["SecondaryAddr"]
                addr = addr.decode("latin-1") if isinstance(addr, bytes) else addr
                kv += [("max_xmit", ack["max_tfrag"]), ("max_recv", ack["max_rfrag"]),
                       ("sec_addr", "".join(ch if " " <= ch <= "~" else "?"
                                            for ch in addr.rstrip("\x00"))),
                       ("result", it["Result"]), ("reason", it["Reason"])]
            show(name, kv)
            continue
        stub, fault, nfrag = stub_of(data)
        kv = [("fragments", nfrag), ("fault", "0x%08x" % fault), ("stub_len", len(stub))]
        if fault == 0:
            werror = struct.unpack("<L", stub[-4:])[0]
            if name.startswith("open-") or name.startswith("close-"):
                resp = scmr.ROpenServiceWResponse(stub)
                h = resp["lpServiceHandle"]
                kv.append(("handle", (h if isinstance(h, bytes) else h["Data"]).hex()))
            elif name in ("query-status", "control-stop"):
                st = scmr.RQueryServiceStatusResponse(stub)["lpServiceStatus"]
                kv += [("type", st["dwServiceType"]), ("state", st["dwCurrentState"]),
                       ("controls", st["dwControlsAccepted"]),
                       ("win32_exit", st["dwWin32ExitCode"]),
                       ("svc_exit", st["dwServiceSpecificExitCode"]),
                       ("checkpoint", st["dwCheckPoint"]), ("wait_hint", st["dwWaitHint"])]
            elif name == "enum-services":
                # [out, size_is(cbBufSize)] LPBYTE lpBuffer, then pcbBytesNeeded,
                # lpServicesReturned, lpResumeIndex, the WERROR.
                resp = scmr.REnumServicesStatusWResponse(stub)
                kv += [("buf_len", len(resp["lpBuffer"])),
                       ("bytes_needed", resp["pcbBytesNeeded"]),
                       ("returned", resp["lpServicesReturned"])]
            kv.append(("werror", werror))
        show(name, kv)


def relay(host, user, passfile, sockpath):
    import socket
    from impacket.smbconnection import SMBConnection
    password = open(passfile).read().strip()
    conn = SMBConnection(host, host, timeout=20)
    conn.login(user, password, "")
    tid = conn.connectTree("IPC$")
    fid = conn.openFile(tid, "\\svcctl")  # what impacket's SMBTransport opens for \pipe\svcctl
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sockpath)
    srv.listen(1)
    print("ready", flush=True)
    s, _ = srv.accept()

    def read_exact(n):
        data = b""
        while len(data) < n:
            more = s.recv(n - len(data))
            if not more:
                return None
            data += more
        return data

    while True:
        hdr = read_exact(16)
        if hdr is None:
            break
        pdu = hdr + read_exact(rpcrt.MSRPCHeader(hdr + b"\x00" * 8)["frag_len"] - 16)
        conn.writeFile(tid, fid, pdu)
        if pdu[2] == rpcrt.MSRPC_REQUEST and not pdu[3] & rpcrt.PFC_LAST_FRAG:
            continue  # more fragments of this request to come
        # Forward the answer, fragment by fragment, up to its last one.
        pending, done = b"", False
        while not done:
            data = conn.readFile(tid, fid)
            s.sendall(data)
            pending += data
            while len(pending) >= 16:
                flen = struct.unpack_from("<H", pending, 8)[0]
                if len(pending) < flen:
                    break
                frag, pending = pending[:flen], pending[flen:]
                if frag[2] != rpcrt.MSRPC_RESPONSE or frag[3] & rpcrt.PFC_LAST_FRAG:
                    done = True
    s.close()
    conn.closeFile(tid, fid)
    conn.logoff()


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "requests":
        requests()
    elif len(sys.argv) >= 6 and sys.argv[1] == "capture":
        capture(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5],
                len(sys.argv) > 6 and sys.argv[6] == "denied")
    elif len(sys.argv) == 6 and sys.argv[1] == "relay":
        relay(*sys.argv[2:6])
    elif len(sys.argv) == 3 and sys.argv[1] == "replies":
        replies(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
