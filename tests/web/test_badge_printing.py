"""The badge printed by the lobby's printer, sent by the server: a raw-port ESC/POS stand-in takes the job.

The stand-in listens on 127.0.0.1 like a networked receipt printer's port 9100, records the bytes, and
checks them as a printer would read them: initialise first, the name in Chinese mode (GB18030), a QR code
stored and printed with the native command holding the badge code, and a cut at the end. A printer that
does not answer never stops the visitor: the badge is on screen with a message.
"""

from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy import select

from kiosk.domain.classify import VisitPurpose
from kiosk.models.visits import Visit
from kiosk.services import badges
from tests.kiosk_support import scalar, sign_in

ESC_INIT = b"\x1b\x40"
CUT = b"\x1dV"


class RawPrinter:
    """A printer's raw port on 127.0.0.1: each connection is one job, its bytes kept in ``jobs``."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.jobs: list[bytes] = []
        self.received = threading.Event()
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                connection, _address = self.server.accept()
            except OSError:
                return
            with connection:
                chunks = []
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
            with self.changed:
                self.jobs.append(b"".join(chunks))
                self.received.set()
                self.changed.notify_all()

    def done(self, condition) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.jobs and condition(self.jobs), timeout=10)

    def close(self):
        self.server.close()


def qr_payload(job: bytes) -> bytes:
    """The data of the native QR 'store' command (GS ( k pL pH 49 80 48 data)."""
    start = job.index(b"\x1d(k")
    while start != -1:
        p_l, p_h, cn, fn = job[start + 3], job[start + 4], job[start + 5], job[start + 6]
        if (cn, fn) == (0x31, 0x50):
            length = p_l + 256 * p_h - 3
            return job[start + 8:start + 8 + length]
        start = job.find(b"\x1d(k", start + 1)
    raise AssertionError("no QR store command")


def check_escpos_job(job: bytes, *, code: str, name: str) -> None:
    assert job.startswith(ESC_INIT), "a job starts by initialising the printer"
    assert b"\x1c\x26" + name.encode("gb18030") + b"\x1c\x2e" in job, "the name in Chinese mode"
    assert qr_payload(job) == code.encode(), "the QR code holds the badge code"
    assert code.encode() in job.split(b"\x1d(k")[-1], "the code printed under the QR code"
    assert CUT in job[-4:], "the job ends with a cut"


@pytest.fixture
def printer():
    stand_in = RawPrinter()
    yield stand_in
    stand_in.close()


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


def test_the_escpos_job_is_what_a_printer_reads():
    badge = badges.Badge(title="访客", name="王小明", host="拜访：李娜", signed_in="2026-12-05 10:00",
                         code="K7Q2MZ", code_label="胸牌号码")
    check_escpos_job(badges.escpos_job(badge), code="K7Q2MZ", name="王小明")


def test_a_new_visit_prints_its_badge_on_the_lobby_printer(app, paired_client, printer):
    app.config["KIOSK_BADGE_PRINTER"] = {"service_centre": f"escpos://127.0.0.1:{printer.port}"}
    tablet = paired_client()
    assert sign_in(tablet, VisitPurpose.VISITING_PERSON, name="王小明").status_code == 303
    assert printer.received.wait(10)
    visit = scalar(select(Visit))
    [job] = printer.jobs
    check_escpos_job(job, code=visit.badge_code, name="王小明")
    page = tablet.get("/kiosk/done").get_data(as_text=True)
    assert "胸牌已打印" in page and visit.badge_code in page


def test_a_repeat_or_a_return_prints_nothing_more(app, paired_client, printer):
    app.config["KIOSK_BADGE_PRINTER"] = {"*": f"escpos://127.0.0.1:{printer.port}"}
    tablet = paired_client()
    sign_in(tablet, VisitPurpose.REPAIR, submission_key="k" * 32)
    sign_in(tablet, VisitPurpose.REPAIR, submission_key="k" * 32)  # a double tap
    sign_in(paired_client(), VisitPurpose.REPAIR)  # the same person again, still on site
    # A last job of our own: the stand-in takes jobs one after another, so when it has this one, it has all.
    sentinel = badges.Badge(title="", name="", host="", signed_in="", code="END", code_label="")
    badges.print_badge(f"escpos://127.0.0.1:{printer.port}", sentinel, timeout=5)
    printer.done(lambda jobs: b"END" in jobs[-1])
    assert len(printer.jobs) == 2


def test_a_printer_that_does_not_answer_never_stops_the_visitor(app, paired_client):
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    app.config["KIOSK_BADGE_PRINTER"] = {"service_centre": f"escpos://127.0.0.1:{port}"}
    tablet = paired_client()
    assert sign_in(tablet, VisitPurpose.REPAIR).status_code == 303
    page = tablet.get("/kiosk/done").get_data(as_text=True)
    assert "胸牌暂时无法打印" in page and scalar(select(Visit)).badge_code in page


def test_without_a_printer_the_screen_says_nothing_of_printing(paired_client):
    tablet = paired_client()
    sign_in(tablet, VisitPurpose.REPAIR)
    page = tablet.get("/kiosk/done").get_data(as_text=True)
    assert "打印" not in page


def test_a_printer_is_chosen_by_tablet_name_then_place(make_device):
    from kiosk.services.devices import per_tablet

    device = make_device("sales_office", name="售楼处前台")
    table = {"售楼处前台": "escpos://a", "sales_office": "escpos://b", "*": "escpos://c"}
    assert per_tablet(table, device) == "escpos://a"
    assert per_tablet({"sales_office": "escpos://b", "*": "escpos://c"}, device) == "escpos://b"
    assert per_tablet({"*": "escpos://c"}, device) == "escpos://c"
    assert per_tablet({}, device) is None
