"""The app's one photo storage, chosen at start from ``ASSET_PHOTO_STORAGE`` (kiosk.services.photos)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from kiosk.services.photos import PhotoStorage, storage_for

KEY = "asset_photos"


def photo_folder(app: Flask) -> Path:
    return Path(app.config.get("ASSET_PHOTO_DIR") or Path(app.instance_path) / "asset_photos")


def init_app(app: Flask) -> None:
    app.extensions[KEY] = storage_for(app.config["ASSET_PHOTO_STORAGE"], photo_folder(app))


def asset_photos() -> PhotoStorage:
    return current_app.extensions[KEY]
