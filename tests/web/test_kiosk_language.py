"""The tablet's language: the site's (per tablet or place), never the browser's; a visitor's switch on a
form brings the page back in the other language with everything typed, and ends at the start screen."""

from __future__ import annotations

from kiosk.domain.classify import VisitPurpose


def test_the_site_language_not_the_browsers(app, paired_client):
    tablet = paired_client("management_office")
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    assert "欢迎光临" in tablet.get("/kiosk/", headers=english_browser).get_data(as_text=True)
    app.config["KIOSK_LANGUAGE"] = {"*": "zh", "management_office": "en"}
    assert "Welcome" in tablet.get("/kiosk/").get_data(as_text=True)
    assert "欢迎光临" in paired_client("service_centre").get("/kiosk/").get_data(as_text=True)


def test_switching_on_a_form_keeps_what_was_typed_and_checks_nothing(paired_client):
    tablet = paired_client()
    typed = {"name": "王小明", "mobile": "1381234", "party_size": "3", "host_name": "李娜",
             "host_department_id": "0"}
    url = f"/kiosk/visit/{VisitPurpose.VISITING_PERSON.value}"
    for htmx in (False, True):
        response = tablet.post_form(f"{url}?lang=en", typed, htmx=htmx)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Visiting someone" in html and "<html" in html
        assert 'value="王小明"' in html and 'value="1381234"' in html and 'value="李娜"' in html
        assert "field-error" not in html  # a switch is not a submission
        if htmx:
            assert response.headers["HX-Retarget"] == "body"
        tablet.post_form(f"{url}?lang=zh", typed)
    assert "欢迎光临" in tablet.get("/kiosk/?fresh=1", follow_redirects=True).get_data(as_text=True)


def test_the_next_visitor_starts_in_the_sites_language(paired_client):
    tablet = paired_client()
    tablet.post_form("/kiosk/visit/repair?lang=en", {"name": "Anna"})
    assert "Welcome" in tablet.get("/kiosk/").get_data(as_text=True)
    assert "欢迎光临" in tablet.get("/kiosk/?fresh=1", follow_redirects=True).get_data(as_text=True)
