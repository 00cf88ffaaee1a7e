"""Play the offline attack on each release and print how many questions it recovers.

The attacker is a student with the files a release ships (the exercise notebooks and ``casekit/keys/``) and an
afternoon: for every auto-checked question they try every option letter, every list of letters, every whole
number from -1000 to 10000, every date in the kit's tables, every n-gram of the article (1 to 8 words), every
table cell, word and character, every list of column names, and tables cut from the kit's tables by one
condition. They judge each guess with the checker the release ships (``casekit.check.verdict``, the instant
oracle a student has), and a guess counts only if the grader would accept it too (the plain key computed from
``solutions/``).

Two figures per release:

- **shared**: questions where one recovered answer scores for every student, the one message in a group chat.
  Only fixed questions can be that; a varied question's answer scores only for the students of that variant.
- **per variant**: questions whose every variant the key gives away, so that a table "if your question says X,
  answer Y" could be passed round.

Targets (the script exits 1 if one is missed): the assessed release gives away nothing (0 and 0); the practice
release shares no more than its fixed questions. The practice release's instant verdicts are an oracle by design,
so its per-variant figure is printed, not held to a target: grade with the assessed release.

    .venv/bin/python benchmarks/bench_attack.py [--exercise ex02 ...]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from casekit import answers, build, check, data
from casekit.grade.score import exercise_key, solution_of

NUMBERS = range(-1000, 10001)
MAX_NGRAM = 8


def candidates(spec: dict, pools: dict) -> list:
    """Return the guesses an attacker tries for an answer of ``spec``'s type."""
    kind = spec["type"]
    if kind == "choice":
        return list(spec.get("options", {}))
    if kind == "number":
        return list(NUMBERS)
    if kind == "date":
        return pools["dates"]
    if kind in ("text", "quote"):
        return pools["texts"]
    if kind in ("set", "ordering"):
        return pools["lists"]
    return pools["frames_for"](spec.get("columns") or [])


def make_pools() -> dict:
    import pandas as pd

    tables = {name: data.load(name) for name in data.names()}
    dates, texts, columns = set(), set(), set()
    for frame in tables.values():
        columns.update(str(c) for c in frame.columns)
        for column in frame.columns:
            for value in frame[column].dropna():
                if isinstance(value, pd.Timestamp):
                    dates.add(value.date().isoformat())
                elif isinstance(value, list):
                    texts.update(str(v) for v in value)
                elif isinstance(value, str):
                    texts.add(value)
                    texts.update(value.split())
                    texts.update(value)  # single characters (a Chinese character is a word)
                    dates.update(re.findall(r"\d{4}-\d{2}-\d{2}", value))
    article = data.article_text() or ""
    words = article.split()
    for n in range(1, MAX_NGRAM + 1):
        texts.update(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    texts.update(columns)
    letters = "abcdef"
    lists = [list(p) for r in range(1, 7) for p in itertools.combinations(letters, r)]
    lists += [list(p) for r in (3, 4) for p in itertools.permutations(letters[:5], r)]
    lists += [list(p) for p in itertools.product(letters[:5], repeat=4)]  # ordered answers may repeat a letter
    named = sorted(c for c in columns if c.startswith(("atop_", "cow_")))
    lists += [list(p) for r in range(1, 5) for p in itertools.combinations(named, r)]
    lists += [list(p) for p in itertools.permutations(named, 3)]

    def frames_for(wanted: list[str]) -> list:
        out = []
        for frame in tables.values():
            if wanted and wanted[-1] == "n" and wanted[0] in frame.columns:
                out.append(frame.groupby(wanted[0]).size().reset_index(name="n"))
            if not wanted or not set(wanted) <= set(frame.columns):
                continue
            out.append(frame[wanted])
            for column in frame.columns:
                values = frame[column].dropna()
                if values.map(lambda v: isinstance(v, (list, dict))).any() or values.nunique() > 60:
                    continue
                for value in values.unique():
                    mask = frame[column] == value
                    out += [frame.loc[mask.fillna(False), wanted], frame.loc[(~mask).fillna(False), wanted]]
        return out

    return {"dates": sorted(dates), "texts": sorted(texts), "lists": lists, "frames_for": frames_for}


def attack(release_keys: Path, exercises: list[str], truth: dict, pools: dict) -> dict:
    """Attack one release; return, per question, (variants recovered, variants, fixed) and the guesses tried."""
    found, tried = {}, 0
    for exercise in exercises:
        key = json.loads((release_keys / f"{exercise}.json").read_text(encoding="utf-8"))
        for qid, entry in key["questions"].items():
            real = truth[exercise][qid]
            recovered, shared = 0, False
            for v, variant in enumerate(entry["variants"]):
                for guess in candidates(variant["spec"], pools):
                    tried += 1
                    status, _ = check.verdict(key, qid, guess, v)
                    if status != "correct":
                        continue
                    canonical = answers.normalise(real.variants[v].spec, guess)
                    if canonical in real.variants[v].accepted:
                        recovered += 1
                        # shared: the same answer scores whatever variant a classmate has
                        shared = shared or all(_scores(guess, other) for other in real.variants)
                        break
            found[qid] = (recovered, len(entry["variants"]), len(entry["variants"]) == 1, shared)
    return {"found": found, "tried": tried}


def _scores(guess, variant) -> bool:
    try:
        return answers.normalise(variant.spec, guess) in variant.accepted
    except answers.AnswerTypeError:
        return False


def report(name: str, result: dict) -> tuple[int, int, int]:
    found = result["found"]
    shared = sum(1 for *_, is_shared in found.values() if is_shared)
    table = sum(1 for r, n, fixed, _ in found.values() if r == n and not fixed)
    fixed = sum(1 for _, _, f, _ in found.values() if f)
    print(f"{name:<9} {len(found):>9} {fixed:>6} {shared:>7} {table:>12}   ({result['tried']:,} guesses, "
          f"{result['seconds']:.1f} s)")
    return shared, table, fixed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exercise", action="append", help="attack only these exercises (default: all)")
    args = parser.parse_args(argv)
    solutions = build.kit_root() / "solutions"
    exercises = args.exercise or [p.name[:4] for p in build.solution_notebooks(solutions)]
    print("computing the grader's keys from solutions/ (the attacker does not have them) …", file=sys.stderr)
    truth = {e: exercise_key(solution_of(solutions, e)) for e in exercises}
    pools = make_pools()
    print(f"guess pools: {len(pools['dates'])} dates, {len(pools['texts']):,} texts and n-grams, "
          f"{len(pools['lists']):,} lists, {len(NUMBERS):,} numbers\n")
    print(f"{'release':<9} {'questions':>9} {'fixed':>6} {'shared':>7} {'per variant':>12}")
    with tempfile.TemporaryDirectory() as scratch:
        assessed = Path(scratch) / "assessed"
        build.build(mode="assessed", out=assessed, only=exercises, report=lambda *_: None)
        results = {}
        for name, keys in (("practice", build.keys_dir()), ("assessed", assessed / "casekit" / "keys")):
            started = time.perf_counter()
            results[name] = attack(keys, exercises, truth, pools)
            results[name]["seconds"] = time.perf_counter() - started
        figures = {name: report(name, result) for name, result in results.items()}
    failed = []
    if min(r["tried"] for r in results.values()) == 0:
        failed.append("no guess was tried: the attack did no work")
    if figures["practice"][2] and not figures["practice"][0]:
        failed.append("the attack recovered no fixed question from the practice release: it is not working")
    if figures["assessed"][0] or figures["assessed"][1]:
        failed.append("the assessed release gave answers away")
    if figures["practice"][0] > figures["practice"][2]:
        failed.append("the practice release shares more than its fixed questions")
    print()
    print("shared: one answer that scores for every student; per variant: every variant's answer recovered. "
          "The practice release's instant verdicts are an oracle by design; grade with the assessed release.")
    for problem in failed:
        print(f"FAIL: {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
