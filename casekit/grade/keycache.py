"""Keep each exercise's grading key once it is built, so the grader's start-up is paid once per course.

Building a key runs the solution notebook once per variant (``score.exercise_key``): tens of seconds for the six
exercises, before a single submission is graded. The key depends only on what went into that run, so the grader
keeps it, under a name that is a hash of all of it:

- the solution notebook's bytes;
- every file of the ``casekit`` package and of the data folder (the code that runs the solution and normalises its
  answers, and the facts it computes them from);
- the Python and the versions of the libraries whose output the answers are made of (pandas, numpy, plotly);
- a value derived one-way from the course secret (``Secret.derive``), never the secret itself.

Change any of them and the name changes, so a stale key is never used: it is simply not found, and the key is
built again. A file that cannot be read back into exactly a key (cut short, edited) is ignored the same way.

The keys hold every accepted answer, so they live with the instructor, never with a kernel: in
``$CASEKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/casekit/keys``, else ``~/.cache/casekit/keys``; the folder is made
readable by its owner only (0700) and each key file 0600. The sandbox binds only ``/usr``, the Python runtime, the
environment's packages, the ``casekit`` package and the data folder, so no kernel sees this folder unless the
cache is put inside one of those, which ``cache_dir`` refuses.

>>> import tempfile, os
>>> from casekit.grade.score import QuestionKey, VariantKey
>>> key = {"ex09_q1": QuestionKey("ex09_q1", 1.0, "a hint", [VariantKey({"type": "int"}, {"3"}, {"4": "no"})])}
>>> folder = Path(tempfile.mkdtemp())
>>> save(folder, "abc", key)
>>> load(folder, "abc") == key, load(folder, "other")
(True, None)
>>> oct(os.stat(folder / "abc.json").st_mode & 0o777)
'0o600'
>>> import shutil; shutil.rmtree(folder)
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from casekit import course, locate
from casekit.grade import sandbox, score
from casekit.grade.score import QuestionKey, VariantKey

ENV_VAR = "CASEKIT_CACHE_DIR"
FORMAT = "casekit key cache v1"
_LIBRARIES = ("pandas", "numpy", "plotly", "ipykernel")


def cache_dir() -> Path:
    """Return the folder the built keys are kept in (see the module's docstring for the order searched).

    Raises ``ValueError`` when the folder is inside one that every sandboxed kernel can read (``/usr``, the
    Python, the packages, ``casekit`` and the data: ``sandbox.mounts()``).
    """
    if os.environ.get(ENV_VAR):
        folder = Path(os.environ[ENV_VAR])
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folder = base / "casekit" / "keys"
    folder = folder.resolve()
    for seen in [Path("/usr")] + [Path(f).resolve() for f in sandbox.mounts().folders]:
        if folder.is_relative_to(seen):
            raise ValueError(f"the key cache {folder} is inside {seen}, which every grading kernel can read: "
                             f"set {ENV_VAR} to a folder outside it")
    return folder


def fingerprint(solution: Path, secret: course.Secret) -> str:
    """Return the name of ``solution``'s key under ``secret``: a hash of everything the key is built from."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
        digest.update(data)

    add("format", FORMAT.encode())
    add("solution", Path(solution).read_bytes())
    for name, folder in (("casekit", Path(__file__).resolve().parents[1]), ("data", locate.data_dir().resolve())):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            add(f"{name}/{path.relative_to(folder).as_posix()}", path.read_bytes())
    add("python", sys.version.encode())
    for library in _LIBRARIES:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "absent"
        add(library, version.encode())
    add("secret", secret.derive("casekit key cache v1").encode())
    return digest.hexdigest()


def load(folder: Path, name: str) -> dict[str, QuestionKey] | None:
    """Return the key kept as ``name`` in ``folder``, or None when there is none or it cannot be read back."""
    try:
        data = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        key = {}
        for q_id, q in data["questions"].items():
            variants = [VariantKey(v["spec"], set(v["accepted"]), dict(v["wrong_hints"]), v["text"],
                                   dict(v["parameters"])) for v in q.pop("variants")]
            key[q_id] = QuestionKey(**q, variants=variants)
        return key
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save(folder: Path, name: str, key: dict[str, QuestionKey]) -> None:
    """Keep ``key`` as ``name`` in ``folder`` (made 0700), written atomically as a 0600 file.

    Nothing is kept if the key would not read back as itself (a value JSON cannot hold exactly).
    """
    questions = {}
    for q_id, q in key.items():
        plain = asdict(q)
        plain["variants"] = [dict(v, accepted=sorted(v["accepted"])) for v in plain["variants"]]
        questions[q_id] = plain
    text = json.dumps({"format": FORMAT, "questions": questions}, ensure_ascii=True, sort_keys=True)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    temporary = folder / f".{name}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, folder / f"{name}.json")
    if load(folder, name) != key:
        (folder / f"{name}.json").unlink(missing_ok=True)


def exercise_key(solution: Path, secret: course.Secret, progress=None) -> dict[str, QuestionKey]:
    """Return ``solution``'s key under ``secret``: the one kept from an earlier run if everything it was built
    from is unchanged, else a key built now (``score.exercise_key``) and kept for the next run.

    A cache that cannot be written (a read-only home) costs only the time: the key is built and used anyway.
    """
    progress = progress or (lambda _message: None)
    folder, name = cache_dir(), fingerprint(solution, secret)
    exercise = Path(solution).name.split("_")[0]
    key = load(folder, name)
    if key is not None:
        progress(f"the key of {exercise}: kept from an earlier run with the same solution, kit and secret")
        return key
    progress(f"computing the key of {exercise} from its solution …")
    key = score.exercise_key(Path(solution), secret)
    try:
        save(folder, name, key)
    except OSError as err:
        progress(f"could not keep the key of {exercise} in {folder} ({err.strerror}): the next run builds it again")
    return key
