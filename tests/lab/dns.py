"""The lab's DNS server: Debian's dnsmasq, configured from the scenarios.

What dnsmasq 2.90 really serves for the configuration written here (checked
with dnspython):

* every local record has TTL 0; answers carry AA, except NODATA answers;
* a name it knows (any type) but without the asked type: NOERROR, empty;
* a name under ``.test`` it does not know: NXDOMAIN (``local=/test/``);
  a name outside ``.test`` it does not know: REFUSED (there is no upstream);
* ``host-record`` takes one address per line: several lines for one name
  give several A/AAAA records;
* ``srv-host=NAME`` alone (no target) is served as ``SRV 0 0 1 .`` - port 1,
  not 0 - so this module writes ``srv-host=NAME,.,PORT,PRIO,WEIGHT``, which
  is served as given (``SRV 0 0 0 .`` by default);
* ``cname`` targets need not be known: an alias of an unknown name answers
  NOERROR with just the CNAME; chains of aliases are followed;
* ``mx-host=NAME,.,0`` serves a null MX (RFC 7505);
* TXT strings over 255 bytes are split by dnsmasq into several
  character-strings of one record; non-ASCII text is sent as UTF-8 bytes.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from typing import Iterable

from .spec import AAAA, CNAME, MX, SRV, TXT, A, Record
from .sockets import tail_of_files

DNSMASQ = "/usr/sbin/dnsmasq"


class LabSetupError(RuntimeError):
    """The lab could not start (bad scenario data, a port in use, ...)."""


class AddressInUse(LabSetupError):
    """dnsmasq could not bind its address: another /24 may do."""


def render_config(records: Iterable[Record], *, ip: str, port: int, folder: str,
                  addresses: dict[str, str]) -> str:
    """The dnsmasq configuration serving ``records`` on ``ip``:``port``.

    ``addresses`` maps symbolic lab names to this run's IPs.
    """
    lines = [
        f"port={port}",
        f"listen-address={ip}",
        "bind-interfaces",
        "no-resolv",
        "no-hosts",
        "no-poll",
        "local=/test/",
        "user=root",  # do not drop to nobody: it could not write into our 0700 folder
        f"pid-file={folder}/dnsmasq.pid",
        f"log-facility={folder}/dnsmasq.log",
        "log-queries",
    ]
    for record in records:
        lines.append(_record_line(record, addresses))
    return "\n".join(lines) + "\n"


def _record_line(record: Record, addresses: dict[str, str]) -> str:
    if isinstance(record, A):
        return f"host-record={record.name},{addresses.get(record.address, record.address)}"
    if isinstance(record, AAAA):
        return f"host-record={record.name},{record.address}"
    if isinstance(record, CNAME):
        return f"cname={record.name},{record.target}"
    if isinstance(record, MX):
        return f"mx-host={record.name},{record.host},{int(record.preference)}"
    if isinstance(record, SRV):
        return (f"srv-host={record.name},{record.target},{int(record.port)},"
                f"{int(record.priority)},{int(record.weight)}")
    if isinstance(record, TXT):
        return f"txt-record={record.name}," + ",".join(_quote(s) for s in record.strings)
    raise LabSetupError(f"not a DNS record: {record!r}")


def _quote(text: str) -> str:
    if any(ord(c) < 32 for c in text):
        raise LabSetupError(f"TXT text with control characters cannot be served: {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_records(records: Iterable[Record]) -> list[Record]:
    """Drop exact duplicates; refuse a CNAME next to other data for one name."""
    unique = list(dict.fromkeys(records))
    aliases = {r.name: r for r in unique if isinstance(r, CNAME)}
    for record in unique:
        other = aliases.get(record.name)
        if other is not None and record is not other:
            raise LabSetupError(f"{record.name} has a CNAME ({other.target}) and other data "
                                f"({record!r}); DNS does not allow both")
    return unique


def _die_with_parent() -> None:
    # dnsmasq gets SIGTERM when the thread that started it ends, even by
    # SIGKILL, so a crashed test run leaves no server behind. (Start the lab
    # from a thread that lives as long as the lab: the main thread.)
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Dnsmasq:
    """One dnsmasq process in the foreground, stopped by its process id."""

    def __init__(self, records: Iterable[Record], *, ip: str, port: int, folder: str,
                 addresses: dict[str, str]) -> None:
        self.ip, self.port, self.folder = ip, port, folder
        self.conf_path = os.path.join(folder, "dnsmasq.conf")
        self.log_path = os.path.join(folder, "dnsmasq.log")
        self._stderr_path = os.path.join(folder, "dnsmasq.stderr")
        with open(self.conf_path, "w", encoding="utf-8") as conf:
            conf.write(render_config(records, ip=ip, port=port, folder=folder,
                                     addresses=addresses))
        self.process: subprocess.Popen | None = None

    def start(self, probe_name: str, wait: float = 5.0) -> None:
        """Start dnsmasq and return once it answers ``probe_name``.

        Raises LabSetupError with dnsmasq's own message when it exits or
        stays silent."""
        if not os.access(DNSMASQ, os.X_OK):
            raise LabSetupError(f"{DNSMASQ} is missing: apt-get install dnsmasq-base")
        with open(self._stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [DNSMASQ, "--keep-in-foreground", f"--conf-file={self.conf_path}"],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                # its own process group: Ctrl-C on a terminal does not reach
                # it, and stop() can end it together with its TCP helpers
                start_new_session=True, preexec_fn=_die_with_parent, close_fds=True)
        import dns.message
        import dns.query
        query = dns.message.make_query(probe_name, "A")
        end = time.monotonic() + wait
        while True:
            if self.process.poll() is not None:
                text = self.diagnostics()
                error = AddressInUse if "in use" in text else LabSetupError
                raise error(f"dnsmasq exited with status {self.process.returncode}: {text}")
            try:
                dns.query.udp(query, self.ip, port=self.port, timeout=0.05)
                return
            except Exception:
                if time.monotonic() > end:
                    self.stop()
                    raise LabSetupError(f"dnsmasq does not answer on {self.ip}:{self.port}: "
                                        f"{self.diagnostics()}") from None

    def diagnostics(self) -> str:
        return tail_of_files((self._stderr_path, self.log_path), 2000)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        self._signal(process, signal.SIGTERM)
        try:
            process.wait(2)
        except subprocess.TimeoutExpired:
            self._signal(process, signal.SIGKILL)
            process.wait(2)

    @staticmethod
    def _signal(process: subprocess.Popen, signum: int) -> None:
        # the group is the one dnsmasq leads (start_new_session): its id is
        # dnsmasq's own process id, so this reaches nothing else
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            pass
