"""The kit's command line: ``python -m casekit <command>``.

Commands:
  validate          check every table of the case data; print each problem with its file, row and column.
  build-exercises   write exercises/ and the hashed keys from solutions/ (--check: only say what is stale;
                    --mode assessed --out DIR: the assessed release, with no answer in it).
  course-secret     create the course secret on first use (keys and variants of your course); print where it is.
  key               print one student's variant of an exercise: each question's text, accepted answers, points.
  build-skills-table  rewrite the guide's table of auto-checked questions by skill (--check: only say if stale).
  build-navigation  rewrite the navigation bars of the lesson notebooks from casekit.lessons.
  build-site        run the lessons and write the static HTML edition (default: site/).
  collect           turn a Canvas or Moodle bulk download into the class folder SUBMISSIONS/<student>/<exercise>.ipynb.
  grade             grade a class folder SUBMISSIONS/<student>/<exercise>.ipynb into a results folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _validate(_args: argparse.Namespace) -> int:
    from casekit import data

    problems = data.validate()
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    counts = ", ".join(f"{len(data.load(name))} {name}" for name in data.names())
    mode = "excerpt mode (no article text)" if data.excerpt_mode() else "article text present"
    print(f"The case data is sound: {counts}; {mode}.")
    return 0


def _build_exercises(args: argparse.Namespace) -> int:
    from casekit import build, course

    try:
        if args.check:
            if args.mode != "practice" or args.out:
                print("build-exercises: --check compares the kit's own practice release; leave out --mode and "
                      "--out", file=sys.stderr)
                return 2
            stale = build.check_built()
            for line in stale:
                print(line)
            print("exercises are up to date" if not stale else f"{len(stale)} stale file(s)")
            return 1 if stale else 0
        build.build(only=args.only or None, mode=args.mode, out=Path(args.out) if args.out else None)
    except (build.BuildError, course.CourseSecretError) as err:
        print(f"build-exercises: {err}", file=sys.stderr)
        return 2
    return 0


def _build_skills_table(args: argparse.Namespace) -> int:
    from casekit import build, skills

    root = build.kit_root()
    guide = root / "solutions" / "README.md"
    try:
        fresh = skills.rewrite(guide.read_text(encoding="utf-8"), skills.auto_checked(root / "solutions"))
    except (ValueError, build.BuildError) as err:
        print(f"build-skills-table: {guide}: {err}", file=sys.stderr)
        return 2
    if args.check:
        stale = fresh != guide.read_text(encoding="utf-8")
        print("solutions/README.md: the skills table is stale: run 'python -m casekit build-skills-table'"
              if stale else "the skills table is up to date")
        return 1 if stale else 0
    guide.write_text(fresh, encoding="utf-8")
    return 0


def _course_secret(_args: argparse.Namespace) -> int:
    from casekit import course

    path, created = course.create()
    print(f"{'created' if created else 'using'} the course secret {path}")
    print("Keep it out of the repository and away from students; back it up: the releases you hand out and the "
          "grader must use the same secret.")
    return 0


def _key(args: argparse.Namespace) -> int:
    import json

    from casekit import build, course, questions
    from casekit.grade import keycache
    from casekit.grade.score import solution_of

    problem = questions.student_problem(args.student)
    if problem:
        print(f"key: the student id {args.student!r} cannot be used: {problem.split(':')[0]}", file=sys.stderr)
        return 2
    try:
        secret = course.load()
        solutions = Path(args.solutions) if args.solutions else build.kit_root() / "solutions"
        key = keycache.exercise_key(solution_of(solutions, args.exercise), secret)
    except (FileNotFoundError, ValueError, build.BuildError, course.CourseSecretError) as err:
        print(f"key: {err}", file=sys.stderr)
        return 2
    result = {"exercise": args.exercise, "student": args.student, "questions": []}
    for q in key.values():
        if q.free:
            result["questions"].append({"id": q.id, "points": q.points, "text": "", "accepted": [],
                                        "free_response": True})
            continue
        v = q.variant_for(args.student)
        chosen = q.variants[v]
        result["questions"].append({"id": q.id, "points": q.points, "variant": v + 1, "variants": len(q.variants),
                                    "text": chosen.text, "accepted": sorted(chosen.accepted)})
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
        return 0
    print(f"{args.exercise} for student {args.student!r} (course {secret.fingerprint}):")
    for item in result["questions"]:
        if item.get("free_response"):
            print(f"\n{item['id']} ({item['points']:g} points): free response, graded by hand")
            continue
        which = f", variant {item['variant']} of {item['variants']}" if item["variants"] > 1 else ", fixed"
        print(f"\n{item['id']} ({item['points']:g} point{'s' if item['points'] != 1 else ''}{which})")
        if item["text"]:
            print("  " + item["text"].replace("\n", "\n  "))
        print("  accepted (canonical): " + " | ".join(item["accepted"]))
    return 0


def _build_navigation(_args: argparse.Namespace) -> int:
    from casekit import build, navigation

    changed = navigation.build(build.kit_root() / "notebooks")
    for path in changed:
        print(f"wrote {path}")
    print(f"{len(changed)} notebook(s) updated")
    return 0


def _build_site(args: argparse.Namespace) -> int:
    from casekit import build, runner, site

    out = Path(args.out)
    try:
        site.clean(out)
        site.build(build.kit_root() / "notebooks", out, code=not args.no_code)
    except (site.SiteError, runner.NotebookError) as err:
        print(f"build-site: {err}", file=sys.stderr)
        return 2
    print(f"open {out / 'index.html'} in a browser")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from casekit import grade
    from casekit.grade.run import Limits

    limits = Limits(cell_seconds=args.timeout, notebook_seconds=args.notebook_timeout, memory_mb=args.memory,
                    processes=args.max_processes, message_mb=args.max_message_mb, notebook_mb=args.max_notebook_mb,
                    cells=args.max_cells)
    try:
        grade.grade(Path(args.submissions), Path(args.out), jobs=args.jobs, limits=limits, resume=args.resume,
                    exercises=args.exercise or None, sandboxed=not args.unsafe_no_sandbox,
                    roster=Path(args.roster) if args.roster else None, names=args.names, reveal=args.reveal,
                    dask=args.dask, warm=not args.cold_start, solutions=Path(args.solutions) if args.solutions else None)
    except grade.SandboxUnavailable as err:
        print(f"grade: refusing to grade without a sandbox: {err}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as err:  # CourseSecretError and BuildError are ValueErrors
        print(f"grade: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a Dask scheduler that cannot be reached
        print(f"grade: cannot reach the Dask cluster at {args.dask}: {err}" if args.dask else f"grade: {err}",
              file=sys.stderr)
        return 2
    return 0


def _collect(args: argparse.Namespace) -> int:
    from casekit.lms import download

    try:
        result = download.collect(Path(args.download), args.lms, Path(args.roster), Path(args.out))
    except download.CollectError as err:
        print(f"collect: {err}", file=sys.stderr)
        return 2
    for line in result.lines():
        print(line)
    return 1 if result.problems else 0


def _skip_slow_optional_imports() -> None:
    """Leave out the one optional import that costs every command seconds and gives it nothing.

    ``nbformat`` imports ``jsonschema``, which imports ``rfc3987_syntax`` when it is installed (JupyterLab's
    ``jupyter_events`` installs it) to check strings of the JSON Schema formats "iri" and "iri-reference"; the
    module builds a grammar as it is imported, about 3 s on the kit's machine. No schema the kit validates uses
    those formats, and jsonschema checks formats only when asked, so each command tells Python the module is absent
    (``sys.modules[name] = None`` makes its import raise ImportError, which jsonschema expects). This process only:
    kernels, JupyterLab and other programs are not affected, and a module already imported is left as it is.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def main(argv: list[str] | None = None) -> int:
    """Run the command named in ``argv`` and return its exit status."""
    _skip_slow_optional_imports()
    parser = argparse.ArgumentParser(prog="python -m casekit", description="Tools for the China-Russia case kit.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    commands.add_parser("validate", help="check the case data and list every problem").set_defaults(run=_validate)
    builder = commands.add_parser("build-exercises", help="write exercises/ and the keys from solutions/")
    builder.add_argument("--check", action="store_true", help="write nothing; list what is stale and fail if any")
    builder.add_argument("only", nargs="*", metavar="exNN", help="build only these exercises (default: all)")
    builder.add_argument("--mode", choices=["practice", "assessed"], default="practice",
                         help="practice: instant verdicts and hints (default); assessed: only the answer's shape is "
                              "checked and no answer, hash or hint is shipped (needs --out)")
    builder.add_argument("--out", metavar="DIR", help="write the release to DIR (DIR/exercises, DIR/casekit/keys) "
                                                      "instead of into the kit")
    builder.set_defaults(run=_build_exercises)
    commands.add_parser("course-secret", help="create the course secret (first use) and print its path").set_defaults(
        run=_course_secret)
    looker = commands.add_parser("key", help="print a student's variant: texts, accepted answers, points")
    looker.add_argument("exercise", metavar="exNN")
    looker.add_argument("--student", required=True, metavar="ID", help="the student's id (their submission folder)")
    looker.add_argument("--json", action="store_true", help="print JSON: exercise, student, questions [id, points, "
                                                           "text, accepted]")
    looker.add_argument("--solutions", metavar="DIR", help="the solution notebooks (default: the kit's solutions/)")
    looker.set_defaults(run=_key)
    skiller = commands.add_parser("build-skills-table", help="rewrite the guide's table of questions by skill")
    skiller.add_argument("--check", action="store_true", help="write nothing; fail if the table is stale")
    skiller.set_defaults(run=_build_skills_table)
    commands.add_parser("build-navigation", help="rewrite the lessons' navigation bars").set_defaults(
        run=_build_navigation)
    site_parser = commands.add_parser("build-site", help="write the static HTML edition of the lessons")
    site_parser.add_argument("--out", default="site", help="folder to write (default: site)")
    site_parser.add_argument("--no-code", action="store_true",
                             help="leave out code cells: the edition for projecting in class")
    site_parser.set_defaults(run=_build_site)
    collector = commands.add_parser("collect", help="turn an LMS bulk download into SUBMISSIONS/<student>/<exercise>.ipynb")
    collector.add_argument("download", help="the zip the LMS gave (or the folder it was unpacked into); only read")
    collector.add_argument("--lms", required=True, choices=["canvas", "moodle"], help="the LMS the download came from")
    collector.add_argument("--roster", required=True, help="ROSTER.csv: columns student, lms_id (see the instructor guide)")
    collector.add_argument("--out", required=True, help="the class folder to write; must be new or empty")
    collector.set_defaults(run=_collect)
    grader = commands.add_parser("grade", help="grade SUBMISSIONS/<student>/<exercise>.ipynb into --out")
    grader.add_argument("submissions", help="the class folder, one sub-folder per student")
    grader.add_argument("--out", required=True, help="where to write grades.csv, gradebook.csv, feedback/, summary.html, "
                        "responses/ and the scoring sheets manual/")
    grader.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: the number of cores)")
    grader.add_argument("--timeout", type=int, default=30, help="seconds a single cell may run (default 30)")
    grader.add_argument("--notebook-timeout", type=int, default=300, help="seconds a whole notebook may run (default 300)")
    grader.add_argument("--memory", type=int, default=2048, help="memory cap per kernel in MB (default 2048)")
    grader.add_argument("--resume", action="store_true", help="skip submissions already graded and unchanged (errors and timeouts are graded again)")
    grader.add_argument("--exercise", action="append", metavar="exNN",
                        help="grade only this exercise (repeat for several); default: every exercise found")
    grader.add_argument("--max-processes", type=int, default=128,
                        help="processes and threads one kernel may have (default 128)")
    grader.add_argument("--max-message-mb", type=int, default=8,
                        help="largest message accepted from a kernel, in MB (default 8)")
    grader.add_argument("--max-notebook-mb", type=int, default=50,
                        help="largest notebook file graded, in MB; a larger one is 'invalid' (default 50)")
    grader.add_argument("--max-cells", type=int, default=2000,
                        help="most cells a notebook may have; more is 'invalid' (default 2000)")
    grader.add_argument("--solutions", metavar="DIR",
                        help="the solution notebooks to grade against (default: the kit's solutions/); needed "
                             "when the kit is installed rather than checked out")
    grader.add_argument("--dask", metavar="ADDRESS",
                        help="run the kernels on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786); "
                             "the key stays here (default: grade on this machine)")
    grader.add_argument("--cold-start", action="store_true",
                        help="start each kernel with a new Python instead of forking it from a warm template (slower)")
    grader.add_argument("--names", action="store_true",
                        help="show students' names on the responses pages (default: stable pseudonyms)")
    grader.add_argument("--reveal", action="store_true",
                        help="after the deadline: show the accepted answers and model answers on the feedback pages")
    grader.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="run student code WITHOUT the bubblewrap sandbox, with your rights (every report "
                             "says so); only where bwrap cannot run and the notebooks are trusted")
    grader.add_argument("--roster", help="ROSTER.csv: also write canvas_gradebook.csv and moodle_gradebook.csv")
    grader.set_defaults(run=_grade)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
