"""Where the SQL models and reference tables live, installed or in a checkout."""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _project_dir(name: str) -> Path:
    """A top-level project folder: inside the wheel (`_name`) or beside `flows/` in a checkout."""
    for candidate in (_PKG / f"_{name}", _PKG.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the ocrbill {name}/ folder near {_PKG}")


SQL_DIR = _project_dir("sql")
REFERENCE_DIR = _project_dir("reference")


def default_warehouse() -> Path:
    """`$OCRBILL_WAREHOUSE`, else `./warehouse` (spec §4)."""
    return Path(os.environ.get("OCRBILL_WAREHOUSE") or "warehouse")


def sql_text(model: str) -> str:
    """The text of `sql/<model>.sql`; model names are fixed identifiers, never user input."""
    path = SQL_DIR / f"{model}.sql"
    return path.read_text(encoding="utf-8")
