"""The annotation answer type: span-and-kind scoring with partial credit, its refusals, and the grader's points."""

import pytest

from casekit import annotation_answers as marked
from casekit import answers
from casekit.grade import score as grading

SPEC = {"type": "annotations"}
# The factual errors of ¶2–¶3 (rows a006, a007, a011 of data/annotations.csv).
TARGETS = [{"exact": "On July 21", "kind": "factual_error", "note": ""},
           {"exact": "Aspen Strategic Security Forum", "kind": "factual_error", "note": "", "paragraph": 2},
           {"exact": "the editor-in-chief of the US edition of the Financial Times", "kind": "factual_error",
            "note": ""}]
WRONG = {"exact": "no limits and no restricted areas", "kind": "factual_error", "note": ""}  # ¶4, not a target


def key(points=3.0):
    target = answers.normalise(SPEC, TARGETS)
    return grading.QuestionKey("ex01.q7", points, "", [grading.VariantKey(SPEC, {target}, {})])


def scored(items, points=3.0):
    return grading.score(key(points), answers.serialise(items))


def test_the_targets_themselves_get_full_marks():
    status, points, message, _ = scored(TARGETS)
    assert (status, points) == ("correct", 3.0)


def test_a_student_span_that_only_overlaps_a_target_finds_it():
    found = [{"exact": "July 21", "kind": "factual_error"}, {"exact": "Strategic Security", "kind": "factual_error", "paragraph": 2},
             {"exact": "editor-in-chief", "kind": "factual_error"}]
    assert scored(found)[:2] == ("correct", 3.0)


def test_half_of_the_targets_get_about_half():
    status, points, message, _ = scored(TARGETS[:2], points=2.0)
    assert status == "partial" and points == pytest.approx(2.0 * 2 / 3, abs=0.05)
    assert "2 of 3" in message


def test_none_of_the_targets_gets_zero():
    status, points, _, _ = scored([WRONG])
    assert (status, points) == ("wrong", 0.0)


def test_each_extra_wrong_span_costs_a_quarter_of_one_target():
    full = scored(TARGETS, points=4.0)[1]
    one_extra = scored(TARGETS + [WRONG], points=4.0)[1]
    assert full == 4.0 and one_extra == pytest.approx(4.0 * (3 - marked.EXTRA_COST) / 3, abs=0.05)
    assert scored([WRONG] * 1 + [{"exact": "gas stations", "kind": "opinion"}], 4.0)[1] == 0.0  # floor 0


def test_a_near_kind_earns_half_and_another_kind_nothing():
    near = [dict(t, kind="translation_error") for t in TARGETS]
    other = [dict(t, kind="opinion") for t in TARGETS]
    assert scored(near, 2.0)[1] == pytest.approx(1.0)
    assert scored(other, 2.0)[1] == 0.0


def test_the_message_says_how_many_were_found_never_which():
    message = scored(TARGETS[:1])[2]
    assert "1 of 3" in message
    for target in TARGETS[1:]:
        assert target["exact"].lower() not in message.lower()


@pytest.mark.parametrize(("value", "says"), [
    ("On July 21", "expected a list"),
    ([TARGETS[0], "Aspen"], "item 2: expected a dict"),
    ([{"kind": "factual_error"}], "item 1: 'exact'"),
    ([TARGETS[0], {"exact": "Qin", "kind": "hedge"}], "item 2: kind 'hedge'"),
    ([TARGETS[0], TARGETS[1], {"exact": "words no article has", "kind": "claim"}], "item 3:"),
])
def test_a_hand_edited_list_of_the_wrong_shape_names_the_item(value, says):
    with pytest.raises(answers.AnswerTypeError, match="your annotations"):
        answers.normalise(SPEC, value)
    try:
        answers.normalise(SPEC, value)
    except answers.AnswerTypeError as err:
        assert says in str(err)
    status, points, message, _ = grading.score(key(), answers.serialise(value))
    assert points == 0.0 and status in ("wrong", "error")
    if status == "wrong":
        assert says in message


def test_fractional_points_reach_grades_csv_rows():
    _, points, message, _ = scored(TARGETS[:2], points=2.0)
    row = grading.Row("s1", "ex01", "ex01.q7", points, 2.0, "partial", message)
    assert row.as_list()[3] == "1.3"


# --- the instant check: a count from salted hashes, never the targets -----------------------------------------

def practice_key():
    from casekit import course

    salt = course.Secret.generate().salt("ex01.q7", 0) if hasattr(course.Secret, "generate") else "s" * 32
    target = answers.normalise(SPEC, TARGETS)
    variant = {"spec": SPEC, "salt": salt, "accepted": [answers.digest(salt, target)], "hints": {},
               "targets": marked.hashed_targets(salt, target)}
    return {"exercise": "ex01", "release": "practice", "questions": {"ex01.q7": {"hint": "", "variants": [variant]}}}


def test_the_instant_check_counts_the_targets_found_and_names_none():
    from casekit import check

    key = practice_key()
    assert check.verdict(key, "ex01.q7", TARGETS)[0] == "correct"
    status, message = check.verdict(key, "ex01.q7", TARGETS[:1] + [WRONG])
    assert status == "wrong" and "1 of 3" in message and "1 passage you marked is not among them" in message
    for target in TARGETS:
        assert target["exact"].lower() not in message.lower()
    assert "item 2" in check.verdict(key, "ex01.q7", [TARGETS[0], 7])[1]


def test_attack_the_practice_key_names_no_target_text_and_its_bounded_leak_is_as_documented():
    """A student reads the key: no target's words, ids or plain offsets are in it. Hashing every (offset, kind)
    recovers the targets' places: the leak the guide's threat model (§6) states; the assessed key has no hashes."""
    import json

    from casekit import anchors, data

    key = practice_key()
    text = json.dumps(key)
    for target in TARGETS:
        assert target["exact"] not in text and target["exact"].split()[0] + " " not in text
    for row_id in ("a006", "a007", "a011"):
        assert row_id not in text
    variant = key["questions"]["ex01.q7"]["variants"][0]
    article = data.article_text()
    hashes = set().union(*map(set, variant["targets"]))
    recovered = set()
    for number, (start, end) in enumerate(anchors.paragraphs(article)[:3], start=1):
        for offset in range(start, end):
            if answers.digest(variant["salt"], f"{number}:{offset}:factual_error") in hashes:
                recovered.add(offset)
    assert recovered  # the documented leak is real: the practice key is for learning, not for assessment
