"""One submission, one record: the one-time key that every form creating something carries.

A double tap on a tablet, a browser resending a POST whose answer was lost, two clicks on 提交: each is
the same submission sent again, and must not sign the visitor in twice, give a second badge, take a
second rotation turn or open a second slip. The form carries a random key
(:class:`kiosk.forms.fields.SubmissionKeyField`), made when the page is drawn and kept when the page comes
back with messages (a corrected resubmission is still the same submission). The service that creates the
record claims the key first, inside the write transaction that creates the record (:func:`repeat_of`):
it inserts ``(submitter, form, key)`` into ``form_submissions``, whose unique constraint lets one insert
through, and stores the new record's id beside the key before committing (:func:`settle`). A submission
whose key is already claimed rolls back and answers with the first's record, so every answer shows the
same badge, slip or file.

Concurrency. SQLite: writers queue (``BEGIN IMMEDIATE``), so a repeat sees the first's committed row.
PostgreSQL: a repeat's insert waits on the unique index until the first transaction ends; if it
committed, ``ON CONFLICT DO NOTHING`` inserts nothing and the next read (a new snapshot under READ
COMMITTED) finds the first's row and result; if it rolled back (a refusal, an error), the repeat's
insert goes through and it is the first. Either way no repeat gets a 500 or a second record.

The kiosk's sign-in keeps its key on the visit it makes instead (``kiosk.services.visits``): a unique
index over the tablet, the purpose and the key lets one visit through, and the sign-in is one statement
(and a table's write) shorter. The rules below hold for it all the same.

Scope. Keys are per submitter (a tablet, ``device-<id>``, or a user, ``user-<id>``) and per form: a key
copied from somebody else's page is a new key for me (nobody reads another's result), and a key pasted
into another form cannot answer with a record of the wrong kind.

A submission without a key (a page drawn before the key existed, a script): it is taken as before, once
per request, without the repeat guarantee. Refusing it would turn away a tablet whose page has been open
since before an upgrade, and a crafted request gains nothing it could not get by sending a new key.

Keys are kept for :data:`KEEP_KEYS` (a resend comes within seconds or minutes); a timed job calls
:func:`purge_submission_keys` to delete older ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update

from kiosk.database import in_transaction, insert_or_skip, roll_back, unit_of_work
from kiosk.extensions import db
from kiosk.models.submissions import FormSubmission

#: How long a claimed key answers repeats: far beyond any resend, short enough to keep the table small.
KEEP_KEYS = timedelta(days=2)


@dataclass
class Submission:
    """One sending of a form: who sent it, which form, its key. ``repeat`` is set when the key had been
    claimed before and the service answered with the first submission's record."""

    submitter: str
    form: str
    key: str
    repeat: bool = False


def by_device(device_id: int, form: str, key: str | None) -> Submission | None:
    """A submission from a kiosk tablet (None: the form carried no key)."""
    return Submission(f"device-{device_id}", form, key) if key else None


def by_user(user_id: int, form: str, key: str | None) -> Submission | None:
    """A submission from a signed-in user (None: the form carried no key)."""
    return Submission(f"user-{user_id}", form, key) if key else None


#: Core statements handed to the driver in the transaction (``in_transaction``): the claim and its settling
#: are on every sign-in and every form that creates something, and the ORM's bulk statements cost several
#: times as much.
_SUBMISSIONS = FormSubmission.__table__
_THIS_KEY = (_SUBMISSIONS.c.submitter == bindparam("its_submitter"),
             _SUBMISSIONS.c.form == bindparam("its_form"), _SUBMISSIONS.c.key == bindparam("its_key"))
_RESULT = select(_SUBMISSIONS.c.result_id).where(*_THIS_KEY)
_SETTLE = update(_SUBMISSIONS).where(*_THIS_KEY).values(result_id=bindparam("its_result"))


def _key(submission: Submission) -> dict:
    return {"its_submitter": submission.submitter, "its_form": submission.form, "its_key": submission.key}


def _claim(submission: Submission, now: datetime):
    """Insert the key in the caller's write transaction: None when this is the first submission, else the
    first one's row: the id of what it created (waiting for it to commit on PostgreSQL)."""
    claim = insert_or_skip(_SUBMISSIONS, ("submitter", "form", "key", "created_at", "result_id"),
                           ("submitter", "form", "key"), "id")
    while True:
        if in_transaction(claim, {"submitter": submission.submitter, "form": submission.form,
                                  "key": submission.key, "created_at": now, "result_id": None}):
            return None
        first = in_transaction(_RESULT, _key(submission))
        if first:  # else purged between the two statements: claim it again
            if first[0].result_id is None:
                raise RuntimeError(f"submission {submission.form} committed without its result")
            return first[0]


def repeat_of(submission: Submission | None, model: type, now: datetime):
    """Claim ``submission``'s key; the record the first submission created when this one is a repeat.

    Call first inside :func:`kiosk.database.unit_of_work` (or ``driver_write``), before writing anything
    else. ``None``: this is the first submission (or it carries no key); create the record and
    :func:`settle`. Otherwise the transaction has been rolled back, ``submission.repeat`` is set, and the
    first's record of ``model`` is returned for the caller to answer with.
    """
    if submission is None:
        return None
    first = _claim(submission, now)
    if first is None:
        return None
    roll_back()
    submission.repeat = True
    return db.session.get(model, first.result_id)


def earlier(submission: Submission | None, model: type):
    """The record of ``model`` the first sending of this submission created, once committed; else None.

    A read, for a page whose own checks the first sending has changed (the step it took is no longer
    the next one, the group it filed is no longer offered): it answers the repeat before checking.
    Sendings that overlap are still answered by :func:`repeat_of` in the service.
    """
    if submission is None:
        return None
    result_id = db.session.connection().execute(_RESULT, _key(submission)).scalar()
    return db.session.get(model, result_id) if result_id is not None else None


def settle(submission: Submission | None, record_id: int) -> None:
    """Store what the first submission created beside its key, in the same transaction (before commit)."""
    if submission is not None:
        in_transaction(_SETTLE, {**_key(submission), "its_result": record_id})


def purge_submission_keys(now: datetime, older_than: timedelta = KEEP_KEYS) -> int:
    """Delete keys claimed before ``now - older_than``; how many. For a timed job (idempotent)."""
    with unit_of_work():
        count = db.session.execute(
            delete(FormSubmission).where(FormSubmission.created_at < now - older_than)
            .execution_options(synchronize_session=False)
        ).rowcount
    return count
