"""Files that hold personal data (the SQLite database, exports), readable by the bot's own account only.

Whatever umask the bot was started with (022 on most systems makes new files world-readable),
these files are made with mode 0600: the mode is given at creation and set again on the open
file, since an umask can only take permissions away and a file left by an earlier run keeps
its own.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

PRIVATE: Final = 0o600
PRIVATE_FOLDER: Final = 0o700
# SQLite makes its write-ahead log, its shared-memory index and a rollback journal beside the
# database with the database file's own permissions: a private database keeps them private.
SQLITE_COMPANIONS: Final = ("-wal", "-shm", "-journal")


def private_opener(path: str | os.PathLike[str], flags: int) -> int:
    """An `opener` for open(): the file created 0600, or made 0600 if it was there."""
    descriptor = os.open(path, flags, PRIVATE)
    try:
        os.fchmod(descriptor, PRIVATE)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def create_private(path: Path) -> None:
    """`path` as an empty private file, or emptied and made private if it was there."""
    os.close(private_opener(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC))


def private_folder(path: Path) -> None:
    """`path` as a folder only its owner can enter (its parents as they come)."""
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)


def private_database(path: str) -> None:
    """The SQLite file at `path` (created if missing, never emptied) and its companions made private.

    An existing database of an older version, left readable by others, is tightened too; one this
    account does not own is left as it is, with a warning; a missing folder is SQLite's to report.
    """
    try:
        os.close(private_opener(path, os.O_RDONLY | os.O_CREAT))
        for companion in SQLITE_COMPANIONS:
            if os.path.exists(path + companion):
                os.chmod(path + companion, PRIVATE)
    except FileNotFoundError:
        return
    except PermissionError as error:
        log.warning("could not make the database private (mode 0600): %s", error)
