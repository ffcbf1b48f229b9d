"""The books supervisors keep (phrase book, "114" directory, answer book) and the console's search."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models.calls import AnswerBookEntry, DirectoryEntry
from kiosk.models.phrases import ScriptPhrase
from tests.support import field_error

BOOKS = [
    ("phrases", ScriptPhrase, {"stage": "goodbye", "text": "谢谢您拨打{hotline}，再见。", "sort_order": "3"},
     "text"),
    ("directory", DirectoryEntry, {"name": "工程部报修", "floor": "A座 负一楼", "phone": "0731-8800 1010",
                                   "info": "24 小时值班"}, "name"),
    ("answers", AnswerBookEntry, {"question": "物业费怎么交？", "answer": "管理处柜台或小程序。"},
     "question"),
]


@pytest.fixture
def supervisor(login_as):
    return login_as("supervisor")


@pytest.mark.parametrize(("kind", "model", "data", "key"), BOOKS)
def test_supervisor_adds_edits_and_deletes_an_entry(client, supervisor, kind, model, data, key):
    assert client.get(f"/hotline/books/{kind}/new").status_code == 200
    assert client.post_form(f"/hotline/books/{kind}/new", data).status_code == 303
    row = db.session.scalar(select(model))
    assert getattr(row, key) == data[key]
    assert data[key] in client.get(f"/hotline/books/{kind}").get_data(as_text=True)
    changed = {**data, key: data[key] + "（新）"}
    assert client.post_form(f"/hotline/books/{kind}/{row.id}", changed).status_code == 303
    db.session.expire_all()
    assert getattr(db.session.get(model, row.id), key).endswith("（新）")
    assert client.post_form(f"/hotline/books/{kind}/{row.id}/delete").status_code == 303
    assert db.session.scalar(select(model)) is None


@pytest.mark.parametrize(("kind", "model", "data", "key"), BOOKS)
def test_bad_input_is_answered_beside_the_field_with_input_kept(client, supervisor, kind, model, data, key):
    bad = {**data, key: ""}
    response = client.post_form(f"/hotline/books/{kind}/new", bad, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html and field_error(html, key)
    kept = next(value for name, value in data.items() if name != key and name != "sort_order")
    assert kept in html
    assert db.session.scalar(select(model)) is None


def test_a_phrase_needs_a_known_stage_and_a_sensible_order(client, supervisor):
    bad = {"stage": "lunch", "text": "好", "sort_order": "-1"}
    response = client.post_form("/hotline/books/phrases/new", bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and field_error(html, "stage") and field_error(html, "sort_order")


def test_the_same_phrase_twice_is_refused_with_a_message_not_a_500(client, supervisor):
    """Found by the bad-input suite: the second copy broke the phrase book's unique (stage, text)."""
    phrase = {"stage": "goodbye", "text": "再见。", "sort_order": "1"}
    assert client.post_form("/hotline/books/phrases/new", phrase).status_code == 303
    again = client.post_form("/hotline/books/phrases/new", phrase, htmx=True)
    assert again.status_code == 422 and "已有相同的条目" in again.get_data(as_text=True)
    other = client.post_form("/hotline/books/phrases/new", {**phrase, "text": "您好。"})
    row_id = db.session.scalar(select(ScriptPhrase.id).where(ScriptPhrase.text == "您好。"))
    assert other.status_code == 303
    assert client.post_form(f"/hotline/books/phrases/{row_id}", phrase).status_code == 422
    db.session.expire_all()
    assert sorted(db.session.scalars(select(ScriptPhrase.text))) == ["再见。", "您好。"]


def test_an_unknown_book_or_entry_is_not_found(client, supervisor):
    assert client.get("/hotline/books/recipes").status_code == 404
    assert client.get("/hotline/books/phrases/999").status_code == 404


def test_agents_search_the_directory_and_answer_book_from_the_console(client, login_as):
    db.session.add_all([
        DirectoryEntry(name="工程部报修", floor="A座 负一楼", phone="0731-8800 1010", info="24 小时值班"),
        DirectoryEntry(name="财务部", floor="A座 6 楼", phone="0731-8800 1070", info="发票"),
        AnswerBookEntry(question="家里停水怎么办？", answer="请拨工程部报修电话。"),
    ])
    db.session.commit()
    login_as("agent")
    fragment = client.get_htmx("/hotline/search?q=工程")
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert "0731-8800 1010" in html and "财务部" not in html and "家里停水怎么办" in html
    page = client.get("/hotline/search?q=发票").get_data(as_text=True)
    assert "<html" in page and "财务部" in page and "工程部报修" not in page
    assert "没有找到" not in client.get_htmx("/hotline/search?q=").get_data(as_text=True)


# --- where people find the books (issue 4 hand-off) -----------------------------------------------


def test_supervisors_reach_the_books_from_their_menu_and_board(client, supervisor):
    home = client.get("/supervisor/").get_data(as_text=True)
    assert 'href="/hotline/books/"' in home  # the menu
    for kind in ("phrases", "directory", "answers"):
        assert f'href="/hotline/books/{kind}"' in home  # the board's header
    books = client.get("/hotline/books/").get_data(as_text=True)
    assert "标准话术" in books and 'href="/hotline/books/phrases/new"' in books


def test_agents_read_the_directory_and_answer_book_but_do_not_edit_them(client, login_as):
    db.session.add_all([
        DirectoryEntry(name="工程部报修", floor="A座 负一楼", phone="0731-8800 1010", info=""),
        AnswerBookEntry(question="物业费怎么交？", answer="管理处柜台或小程序。"),
    ])
    db.session.commit()
    entry_id = db.session.scalar(select(DirectoryEntry.id))
    login_as("agent")
    console = client.get("/hotline/").get_data(as_text=True)
    assert 'href="/hotline/books/directory"' in console and 'href="/hotline/books/answers"' in console
    assert 'href="/hotline/books/phrases"' not in console
    directory = client.get("/hotline/books/directory").get_data(as_text=True)
    assert "0731-8800 1010" in directory and "/new" not in directory and "删除" not in directory
    assert "管理处柜台或小程序" in client.get("/hotline/books/answers").get_data(as_text=True)
    assert client.get(f"/hotline/books/directory/{entry_id}").status_code == 403
    assert client.post_form(f"/hotline/books/directory/{entry_id}/delete").status_code == 403
    assert db.session.get(DirectoryEntry, entry_id) is not None
