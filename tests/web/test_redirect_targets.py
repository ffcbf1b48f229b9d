"""A redirect to a place the person supplied never leaves the site (login ``next``, language switch,
a form's ``next``, the Referer), whether the answer is a 303 or htmx's ``HX-Redirect``."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.domain.classify import VisitPurpose
from kiosk.models.visits import Visit
from kiosk.web.rendering import local_path
from tests.kiosk_support import scalar, sign_in
from tests.support import PASSWORD

#: Each of these, followed by a browser, lands on another origin (or splits a header).
OFF_SITE = [
    "https://evil.example/x",
    "//evil.example/x",
    "/\\127.0.0.1:5999/pwned",
    "/\\/127.0.0.1:5999/pwned",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/x\r\nSet-Cookie: a=b",
    " /hotline/",
    "javascript:alert(1)",
    "hotline/",
    "",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_target_off_the_site_is_refused(target):
    assert local_path(target) is None


@pytest.mark.parametrize("target", ["/notifications/", "/tasks/queue?page=2", "/visitors/?q=%E5%BC%A0", "/"])
def test_a_path_on_the_site_is_kept(target):
    assert local_path(target) == target


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("target", ["/%5C127.0.0.1:5999/pwned", "/%5C/127.0.0.1:5999/pwned",
                                    "%2F%2Fevil.example", "/%09/evil.example"])
def test_login_never_sends_the_browser_off_the_site(client, make_user, target, htmx):
    make_user("agent", username="lina")
    response = client.post_form(f"/auth/login?next={target}", {"username": "lina", "password": PASSWORD},
                                htmx=htmx)
    location = response.headers["HX-Redirect" if htmx else "Location"]
    assert location.endswith("/hotline/") and "evil" not in location and "127.0.0.1:5999" not in location


def test_login_keeps_a_next_on_the_site_for_htmx_too(client, make_user):
    make_user("agent", username="lina")
    data = {"username": "lina", "password": PASSWORD}
    response = client.post_form("/auth/login?next=/notifications/", data, htmx=True)
    assert response.headers["HX-Redirect"] == "/notifications/"


@pytest.mark.parametrize("target", ["/\\evil.example/", "//evil.example/", "https://evil.example/"])
def test_the_language_switch_goes_home_instead_of_off_the_site(client, target):
    response = client.post_form("/lang/en", {"next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    response = client.post_form("/lang/zh", {"next": "/auth/login"})
    assert response.headers["Location"] == "/auth/login"


def test_a_referer_is_followed_only_as_a_path_on_this_site(client, paired_client, login_as):
    assert sign_in(paired_client(), VisitPurpose.REPAIR).status_code == 303
    visit = scalar(select(Visit))
    login_as("agent")
    response = client.post_form(f"/visitors/{visit.id}/sign-out",
                                headers={"Referer": "http://localhost/\\evil.example/"})
    assert response.headers["Location"] == "/visitors/"
    response = client.post_form(f"/visitors/{visit.id}/sign-out", headers={"Referer": "http://localhost/visitors/?day=x"})
    assert response.headers["Location"] == "/visitors/?day=x"
