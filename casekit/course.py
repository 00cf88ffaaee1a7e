"""The instructor's course secret: it salts the practice keys and seeds the students' variants.

Two courses built from the same kit get different keys and give their students different variants, and the copy
of the keys in the public repository (built with the public default) tells nothing about a course's: its hashes
use other salts, and its students get other variants.

Where the secret is found, in order:

1. the environment variable ``CASEKIT_COURSE_SECRET``, holding the secret itself (e.g. in CI);
2. the file named by ``CASEKIT_COURSE_SECRET_FILE``, or by default ``~/.config/casekit/course-secret``
   (``$XDG_CONFIG_HOME/casekit/course-secret`` where that is set): outside the repository, so it is never
   committed or handed out. ``python -m casekit course-secret`` creates it on first use (and prints where it is).

Without either, the kit works as before, with a public default, and says so once per process.

The secret itself never leaves the instructor's machine. A release carries only values derived from it with
HMAC-SHA256 (a one-way function): the *variant seed*, which lets a student's notebook show that student's variant,
and the salts of the practice keys. Knowing them tells nothing about the secret, and so nothing about another
course's release.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

ENV = "CASEKIT_COURSE_SECRET"
FILE_ENV = "CASEKIT_COURSE_SECRET_FILE"
PUBLIC_DEFAULT = "casekit public default: not a secret"
MIN_LENGTH = 16
_noticed: set[str] = set()


class CourseSecretError(ValueError):
    """The course secret exists but cannot be used; the message names the file or variable and the fix."""


@dataclass(frozen=True)
class Secret:
    """A course secret and where it came from (``"public default"``, a variable, or a file path)."""

    value: str
    source: str

    @property
    def public(self) -> bool:
        return self.source == "public default"

    def derive(self, purpose: str) -> str:
        """Return a value derived one-way from the secret for ``purpose`` (hex; safe to ship)."""
        return hmac.new(self.value.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).hexdigest()

    @property
    def variant_seed(self) -> str:
        """The seed a release ships so that each student's notebook can show their own variant."""
        return self.derive("casekit variants v1")[:32]

    @property
    def fingerprint(self) -> str:
        """A short name for the course, shipped in releases: two builds agree on it exactly when their secrets do."""
        return "public" if self.public else self.derive("casekit course fingerprint v1")[:12]

    def salt(self, question: str, variant: int) -> str:
        """The salt of a practice key's hashes for one variant of one question."""
        return self.derive(f"casekit key salt v1\x00{question}\x00{variant}")[:16]


def default_path() -> Path:
    """Return where the course secret file is looked for (``$CASEKIT_COURSE_SECRET_FILE`` overrides it)."""
    named = os.environ.get(FILE_ENV)
    if named:
        return Path(named).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "casekit" / "course-secret"


def load(notice=None) -> Secret:
    """Return the course secret (from the variable, then the file), or the public default with a notice once.

    ``notice`` receives the one-time message (default: printed to stderr). A file that exists but cannot be read,
    or holds too short a secret, raises ``CourseSecretError`` naming its path.
    """
    value = os.environ.get(ENV)
    if value is not None:
        value = value.strip()
        if len(value) < MIN_LENGTH:
            raise CourseSecretError(f"${ENV} holds {len(value)} characters; a course secret needs at least "
                                    f"{MIN_LENGTH} (unset it to use the file {default_path()})")
        return Secret(value, f"${ENV}")
    path = default_path()
    if not os.path.lexists(path):
        message = (f"casekit: no course secret ({path} does not exist and ${ENV} is not set): keys and variants "
                   "use the public default, the same as the public repository's. For a course, run "
                   "'python -m casekit course-secret' once, then build again.")
        if message not in _noticed:
            _noticed.add(message)
            (notice or (lambda m: print(m, file=sys.stderr)))(message)
        return Secret(PUBLIC_DEFAULT, "public default")
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise CourseSecretError(f"the course secret {path} cannot be read ({reason}); fix its permissions or "
                                f"remove it and run 'python -m casekit course-secret' to make a new one (the "
                                "keys and variants of releases already handed out would change)") from None
    if len(value) < MIN_LENGTH:
        raise CourseSecretError(f"the course secret {path} holds {len(value)} characters; a course secret needs "
                                f"at least {MIN_LENGTH} (remove the file and run 'python -m casekit course-secret')")
    return Secret(value, str(path))


def create(path: Path | None = None) -> tuple[Path, bool]:
    """Create the course secret file if it does not exist (readable by its owner only); return (path, created)."""
    path = Path(path or default_path())
    if os.path.lexists(path):
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return path, True
