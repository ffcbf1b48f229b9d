"""Where the photos of the model homes' asset records live (《样板间资产丢失损坏备案表》, seed 002 二 2).

One setting, ``ASSET_PHOTO_STORAGE``, chooses once for the whole app:

* ``"database"`` (the default): the bytes in the ``asset_photos`` table, so every host behind the proxy
  serves every photo. They are few and small (at most 3 × 5 MB a record, a handful of records a month).
* ``"directory"``: files under ``ASSET_PHOTO_DIR`` (default ``instance/asset_photos``). Only for one host,
  or a folder every host mounts (the operator says so with ``ASSET_PHOTO_DIR_SHARED = true``).

A record keeps, in order, the reference its storage returned for each photo. ``save`` runs inside the
record's write transaction: a row in the database commits or rolls back with the record; a file is written
at once, so the caller deletes what it saved when the record is not filed. ``delete`` removes a photo (in
the database, as part of the caller's transaction). ``flask --app kiosk photos-to-database`` moves photos
saved as files into the database.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import String, cast, delete, select

from kiosk.database import unit_of_work
from kiosk.extensions import db
from kiosk.models.model_home import AssetPhoto, AssetRecord

DATABASE = "database"
DIRECTORY = "directory"
STORAGES = (DATABASE, DIRECTORY)


@dataclass(frozen=True)
class Photo:
    """A photo as the form accepted it (kind checked by its content)."""

    data: bytes
    extension: str  # "jpg", "png", "webp"
    mime: str


@dataclass(frozen=True)
class StoredPhoto:
    data: bytes
    mime: str
    sha256: str


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PhotoStorage(Protocol):
    def save(self, record: AssetRecord, photo: Photo) -> dict:
        """Store one photo of ``record`` (already flushed, so it has an id); the reference to keep."""

    def open(self, ref: dict) -> StoredPhoto | None:
        """The photo a reference names, or None when this storage does not hold it."""

    def delete(self, ref: dict) -> None:
        """Remove the photo a reference names (nothing when it is gone already)."""


class DatabasePhotos:
    def save(self, record: AssetRecord, photo: Photo) -> dict:
        row = AssetPhoto(record_id=record.id, mime=photo.mime, size=len(photo.data),
                         sha256=digest(photo.data), data=photo.data)
        db.session.add(row)
        db.session.flush()
        return {"photo": row.id, "type": photo.mime}

    def open(self, ref: dict) -> StoredPhoto | None:
        photo_id = ref.get("photo")
        row = db.session.get(AssetPhoto, photo_id) if isinstance(photo_id, int) else None
        return StoredPhoto(row.data, row.mime, row.sha256) if row is not None else None

    def delete(self, ref: dict) -> None:
        photo_id = ref.get("photo")
        if isinstance(photo_id, int):
            db.session.execute(delete(AssetPhoto).where(AssetPhoto.id == photo_id))


class DirectoryPhotos:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, ref: dict) -> Path | None:
        name = ref.get("file")
        # Our own random names only: nothing read from a record can reach outside the folder.
        if not isinstance(name, str) or not name or Path(name).name != name or name.startswith("."):
            return None
        return self.folder / name

    def save(self, record: AssetRecord, photo: Photo) -> dict:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{secrets.token_hex(16)}.{photo.extension}"
        (self.folder / name).write_bytes(photo.data)
        return {"file": name, "type": photo.mime, "sha256": digest(photo.data)}

    def open(self, ref: dict) -> StoredPhoto | None:
        path = self._path(ref)
        if path is None or not path.is_file():
            return None
        data = path.read_bytes()
        return StoredPhoto(data, ref.get("type") or "application/octet-stream",
                           ref.get("sha256") or digest(data))

    def delete(self, ref: dict) -> None:
        path = self._path(ref)
        if path is not None:
            path.unlink(missing_ok=True)


def storage_for(setting: str, folder: Path) -> PhotoStorage:
    """The storage ``ASSET_PHOTO_STORAGE`` names; an unknown name stops the app at start, not at upload."""
    if setting == DATABASE:
        return DatabasePhotos()
    if setting == DIRECTORY:
        return DirectoryPhotos(folder)
    raise ValueError(f"ASSET_PHOTO_STORAGE must be one of {', '.join(STORAGES)}, not {setting!r}")


def move_files_to_database(folder: Path) -> tuple[int, int]:
    """Move every photo an asset record keeps as a file under ``folder`` into the database, one record per
    transaction; each file is deleted once its record's new references are committed. A file that is
    missing keeps its reference (it is reported, and the photo stays unavailable). Safe to run again.
    Returns (photos moved, photos missing)."""
    files, rows = DirectoryPhotos(folder), DatabasePhotos()
    moved = missing = 0
    # The records whose photo list names a file (the JSON read as text: the same on every database).
    ids = db.session.scalars(select(AssetRecord.id).where(cast(AssetRecord.photos, String).contains('"file"'))
                             .order_by(AssetRecord.id)).all()
    for record_id in ids:
        with unit_of_work():
            record = db.session.get(AssetRecord, record_id, populate_existing=True)
            refs, done = [], []
            for ref in record.photos:
                stored = files.open(ref) if "file" in ref else None
                if stored is None:
                    missing += "file" in ref
                    refs.append(ref)
                    continue
                extension = ref["file"].rsplit(".", 1)[-1]
                refs.append(rows.save(record, Photo(stored.data, extension, stored.mime)))
                done.append(ref)
            record.photos = refs
        for ref in done:
            files.delete(ref)
        moved += len(done)
    return moved, missing

