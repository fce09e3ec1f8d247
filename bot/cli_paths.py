"""Where the command line writes: each --out checked before anything is read or made."""

from __future__ import annotations

from pathlib import Path

from bot.config import SettingsError


def export_target(kind: str, out: str) -> Path | None:
    """The --out path (None: standard output), checked before anything is read."""
    if out == "-":
        if kind != "json":
            raise SettingsError(f"--format {kind} needs --out PATH (a file; for csv a .zip or a folder)")
        return None
    path = Path(out)
    if kind == "csv" and path.suffix.lower() == ".csv":
        raise SettingsError(f"--out {out}: a CSV export is several files; give a .zip name or a folder")
    if kind == "csv" and path.suffix.lower() != ".zip":
        if path.exists() and not path.is_dir():
            raise SettingsError(f"--out {out}: a file is there; csv needs a folder or a .zip name")
        return path
    return file_target(out)


def file_target(out: str) -> Path:
    """--out as one file to write: in a folder that exists, not a folder itself."""
    path = Path(out)
    if not path.parent.is_dir():
        raise SettingsError(f"--out {out}: no folder {path.parent}")
    if path.is_dir():
        raise SettingsError(f"--out {out} is a folder; give a file name")
    return path


def files_folder(folder: Path) -> Path:
    """`frontdoor chat --files`: the folder the bot's documents are saved in (made when the first comes)."""
    if folder.exists() and not folder.is_dir():
        raise SettingsError(f"--files {folder}: a file is there; give a folder")
    return folder


def report_target(kind: str, out: str) -> Path | None:
    """The report's --out (None: standard output), checked before anything is read."""
    if out == "-":
        if kind != "json":
            raise SettingsError(f"--format {kind} needs --out PATH, a file")
        return None
    return file_target(out)
