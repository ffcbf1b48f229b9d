"""A badge the visitor can keep: printed by the lobby's label printer, sent there by the server.

A tablet in kiosk mode cannot print, so the server sends the job over the network, straight to the printer's
raw port (the "9100" JetDirect-style socket every networked receipt and label printer opens). Which printer
a tablet uses is the ``KIOSK_BADGE_PRINTER`` setting (per tablet name, place or ``"*"``), a URL whose scheme
names the printer's language:

* ``escpos://host:9100``: an ESC/POS receipt or label printer (Epson TM, Xprinter, most printers sold in
  China), the job built with ``python-escpos`` (the ``printing`` extra): the visitor's name (GB18030, the
  printers' Chinese mode), whom they visit, the time, the badge code and its QR code, then a cut.

A job that cannot be sent (no printer answers, the extra is not installed) is logged and reported as not
printed: the visitor still has the badge on screen, and the desk hands out a paper one.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

RAW_PORT = 9100
# ESC/POS: FS & enters the printers' Chinese (GB18030) mode, FS . leaves it.
_CHINESE_ON = b"\x1c\x26"
_CHINESE_OFF = b"\x1c\x2e"


@dataclass(frozen=True)
class Badge:
    """What a printed badge says."""

    title: str
    name: str
    host: str
    signed_in: str
    code: str
    code_label: str


class PrinterError(Exception):
    """The badge could not be printed (the message says why, for the log)."""


def escpos_job(badge: Badge) -> bytes:
    """The ESC/POS bytes of one badge: initialise, name large, details, QR code of the badge code, cut."""
    try:
        from escpos.printer import Dummy
    except ImportError as error:  # the ``printing`` extra is not installed
        raise PrinterError("python-escpos is not installed (pip install 'kiosk[printing]')") from error

    def chinese(text: str) -> None:
        job._raw(_CHINESE_ON + text.encode("gb18030", errors="replace") + _CHINESE_OFF + b"\n")

    job = Dummy()
    job.hw("INIT")
    job.set(align="center", bold=True)
    chinese(badge.title)
    job.set(align="center", double_width=True, double_height=True, bold=True)
    chinese(badge.name)
    job.set(align="center", normal_textsize=True)
    if badge.host:
        chinese(badge.host)
    job.text(f"{badge.signed_in}\n")
    job.qr(badge.code, native=True, size=6)
    chinese(badge.code_label)
    job.set(align="center", double_width=True, double_height=True, bold=True)
    job.text(f"{badge.code}\n")
    job.cut()
    return job.output


#: The printer languages by URL scheme: each turns a badge into the bytes its printers take.
LANGUAGES = {"escpos": escpos_job}


def print_badge(printer_url: str, badge: Badge, timeout: float) -> None:
    """Send one badge to the printer at ``printer_url``; PrinterError when it cannot be done."""
    target = urlsplit(printer_url)
    encode = LANGUAGES.get(target.scheme)
    if encode is None or not target.hostname:
        raise PrinterError(f"unknown printer address {printer_url!r} (expected escpos://host:port)")
    job = encode(badge)
    try:
        with socket.create_connection((target.hostname, target.port or RAW_PORT), timeout=timeout) as printer:
            printer.sendall(job)
    except OSError as error:
        raise PrinterError(f"printer {target.hostname}:{target.port or RAW_PORT} did not take the job: "
                           f"{error}") from error


def try_print_badge(printer_url: str | None, badge: Badge, timeout: float) -> bool | None:
    """Print if the tablet has a printer: True printed, False failed (logged), None no printer configured."""
    if not printer_url:
        return None
    try:
        print_badge(printer_url, badge, timeout)
    except PrinterError as error:
        log.warning("badge %s not printed: %s", badge.code, error)
        return False
    return True
