"""TCP (and TLS on it) on the event loop, for the mail protocols.

Connections go to one address at a time (the caller resolved the name with
``net.dns`` and decides the order), and every OSError, ssl and timeout
error becomes the tree in ``errors.py`` here.
"""

from __future__ import annotations

import asyncio
import errno
import ssl

from ..errors import ConnectError, NetTimeout, TLSError
from ..i18n import msg

#: bytes asyncio may hold for one stream before it stops reading the socket
STREAM_LIMIT = 64 * 1024

_KINDS = {errno.ECONNREFUSED: "refused", errno.ENETUNREACH: "unreachable",
          errno.EHOSTUNREACH: "unreachable", errno.EADDRNOTAVAIL: "unreachable",
          errno.ECONNRESET: "reset"}


async def open_stream(host: str, ip: str, port: int, *, timeout: float
                      ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to ``ip`` (an address of ``host``) on ``port`` within
    ``timeout`` seconds. Raises NetTimeout or ConnectError (``kind``
    refused, unreachable, reset or error)."""
    try:
        async with asyncio.timeout(timeout):
            return await asyncio.open_connection(ip, port, limit=STREAM_LIMIT)
    except TimeoutError:
        raise NetTimeout(msg("connecting to {host} ({ip}) port {port} timed out", host=host,
                             ip=ip, port=port), host=host, port=port) from None
    except OSError as exc:
        raise ConnectError(msg("cannot connect to {host} ({ip}) port {port}: {reason}",
                               host=host, ip=ip, port=port,
                               reason=exc.strerror or str(exc)),
                           kind=_KINDS.get(exc.errno, "error"), host=host, port=port) from None


async def upgrade(writer: asyncio.StreamWriter, context: ssl.SSLContext, *, host: str,
                  port: int, timeout: float) -> None:
    """Start TLS on ``writer``'s connection, verifying the certificate for
    ``host``. Raises TLSError (with ``verify_code``/``verify_message`` when
    the certificate was rejected) or NetTimeout."""
    try:
        await writer.start_tls(context, server_hostname=host,
                               ssl_handshake_timeout=max(timeout, 0.001))
    except ssl.SSLCertVerificationError as exc:
        error = TLSError(msg("the certificate of {host} was rejected: {reason}", host=host,
                             reason=exc.verify_message or str(exc)), host=host, port=port)
        error.verify_code = exc.verify_code
        error.verify_message = exc.verify_message
        raise error from None
    except (TimeoutError, asyncio.TimeoutError):
        raise NetTimeout(msg("the encryption handshake with {host} timed out", host=host),
                         host=host, port=port) from None
    except (ssl.SSLError, OSError, ConnectionError, EOFError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc) \
            or type(exc).__name__
        error = TLSError(msg("the encryption handshake with {host} failed: {reason}",
                             host=host, reason=reason), host=host, port=port)
        error.verify_code = None
        error.verify_message = None
        raise error from None
