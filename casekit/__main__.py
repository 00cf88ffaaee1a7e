"""The kit's command line: ``python -m casekit <command>``.

Commands:
  validate   check every table of the case data; print each problem with its file, row and column.
"""

from __future__ import annotations

import argparse
import sys


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


def main(argv: list[str] | None = None) -> int:
    """Run the command named in ``argv`` and return its exit status."""
    parser = argparse.ArgumentParser(prog="python -m casekit", description="Tools for the China-Russia case kit.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    commands.add_parser("validate", help="check the case data and list every problem").set_defaults(run=_validate)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
