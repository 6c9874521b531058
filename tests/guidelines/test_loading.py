"""Loading guideline YAML: exact located messages for every check, hostile input, items files."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from calibration.errors import GuidelineError
from calibration.guidelines.loading import (
    MAX_FILE_BYTES,
    MAX_VALUES,
    dump_guideline,
    format_field,
    guideline_files,
    load_guideline,
    load_guideline_text,
    parse_field,
    parse_guideline,
    validate_paths,
)
from calibration.guidelines.messages import MAX_PROBLEMS

BROKEN = Path(__file__).parent / "fixtures" / "broken"

# One fixture per check: every problem the loader must report, exactly, as `line:column: field: message`.
EXPECTED: dict[str, list[str]] = {
    "yaml_syntax.yaml": [
        "5:10: YAML syntax error: mapping values are not allowed here (hint: check the indentation and the "
        "quotes on this line and the one above; quote a text with ': ' or '#')"
    ],
    "duplicate_key.yaml": [
        "9:1: title: duplicate key 'title' (first defined at line 4) "
        "(hint: remove one of them; YAML would silently keep only the last)",
        "15:5: rules[0].labels: duplicate key 'labels' (first defined at line 14) "
        "(hint: remove one of them; YAML would silently keep only the last)",
    ],
    "unknown_field.yaml": [
        "10:3: calibration.pass_kapa: unknown field 'pass_kapa'; expected one of pass_kappa, pass_accuracy, "
        "pass_rule_accuracy, min_items_per_rule, items_per_quiz, feedback, pilot_target, pilot_overlap, decision_confidence, policy, max_items "
        "(hint: did you mean 'pass_kappa'?)",
        "15:5: rules[0].lables: unknown field 'lables'; expected one of id, title, text, labels, examples, "
        "edge_cases (hint: did you mean 'labels'?)",
        "17:17: rules[0].examples[0].input.txt: unknown field 'txt'; expected one of text, image, alt, context, metadata "
        "(hint: did you mean 'text'?)",
    ],
    "wrong_type.yaml": [
        "5:9: owners: expected a list, got 'alice@example.com' (hint: write one entry per line starting with '- ')",
        "9:12: task.labels[0].id: expected text, got False "
        "(hint: YAML reads yes/no/on/off/true/false as booleans; put the value in quotes)",
        "11:23: calibration.min_items_per_rule: expected an integer, got 'many'",
        "12:15: calibration.pass_kappa: must be at most 1.0, got 1.5",
        "19:11: changelog[0].date: invalid date '2024-02-30': day is out of range for month",
    ],
    "missing_field.yaml": [
        "1:1: title: missing required field 'title'",
        "5:9: task.type: 'single-label' is not allowed; expected 'single_label', 'multi_label', 'span', "
        "'rating', 'pairwise', 'ranking' or 'boxes' (hint: did you mean 'single_label'?)",
        "9:5: rules[0].text: missing required field 'text'",
    ],
    "duplicate_ids.yaml": [
        "9:12: task.labels[1].id: duplicate label id 'POS' (first used at task.labels[0].id) "
        "(hint: ids must be unique)",
        "17:14: rules[0].examples[1].id: duplicate example id 'ex-1' (first used at rules[0].examples[0].id) "
        "(hint: ids must be unique)",
        "18:9: rules[1].id: duplicate rule id 'R1' (first used at rules[0].id) (hint: ids must be unique)",
        "23:10: items[1].id: duplicate item id 'q1' (first used at items[0].id) (hint: ids must be unique)",
    ],
    "unknown_label.yaml": [
        "14:23: rules[0].labels[1]: rule 'R1' governs unknown label 'SHIPING' (hint: did you mean 'SHIPPING'?)",
        "17:17: rules[0].examples[0].answer: unknown label 'shipping'; expected one of BILLING, SHIPPING "
        "(hint: did you mean 'SHIPPING'?)",
    ],
    "unknown_rule.yaml": [
        "17:21: items[0].rules[1]: item 'q1' exercises unknown rule 'R-TONES' (hint: did you mean 'R-TONE'?)",
        "23:13: changelog[0].rules[0]: the changelog entry for 1.0.0 names unknown rule 'R-MOOD' "
        "(hint: use the id of a rule under rules; name a removed rule in the entry's changes text too)",
    ],
    # every entry is checked, at the id itself, with "did you mean"; a removed rule named in words passes
    "changelog_unknown_rule.yaml": [
        "24:9: changelog[1].rules[0]: the changelog entry for 1.1.0 names unknown rule 'R-TONNE' "
        "(hint: did you mean 'R-TONE'?)",
        "28:28: changelog[2].rules[2]: the changelog entry for 1.0.0 names unknown rule 'R-MOOD' "
        "(hint: use the id of a rule under rules; name a removed rule in the entry's changes text too)",
    ],
    "span_not_found.yaml": [
        "18:13: rules[0].examples[0].answer[0]: span text 'ana@example.org' does not occur in the input "
        "(hint: copy the span exactly from the input text (case and spaces matter))",
        "21:13: rules[0].examples[1].answer[0]: span text 'Ana' occurs 2 times in the input "
        "(hint: add start: one of [0, 10])",
        "24:13: rules[0].examples[2].answer[0]: span [3, 9) is out of bounds for a text of 6 characters "
        "(hint: offsets count characters from 0; end is exclusive)",
    ],
    # a span is reported on its own line, not on the line of the answer list
    "span_in_list.yaml": [
        "20:9: items[0].answer[1]: span text 'Amara Nwossu' does not occur in the input "
        "(hint: copy the span exactly from the input text (case and spaces matter))",
        "21:9: items[0].answer[2]: span text 'Stroud Met' does not occur in the input "
        "(hint: copy the span exactly from the input text (case and spaces matter))",
    ],
    "rating_off_scale.yaml": [
        "17:17: rules[0].examples[0].answer: rating 6 is off the scale 1..5 (hint: use an integer from 1 to 5)",
        "19:61: items[0].answer: expected an integer rating, got 2.5",
    ],
    "ranking_not_permutation.yaml": [
        "16:17: rules[0].examples[0].answer: ranking ['c1', 'c2', 'c2'] is not a permutation of the "
        "candidates ['c1', 'c2', 'c3'] (hint: list every candidate id exactly once)",
    ],
    "span_not_selectable.yaml": [
        "19:20: rules[0].examples[0].answer[1].text: gold span 'Evelyn Strou' (NAME) cannot be selected: it ends "
        "inside the token 'Stroud' (hint: the quiz selects whole tokens (words, emails and ids such as ACC-123; "
        "each other symbol alone): mark 'Evelyn Stroud' instead)",
        "24:19: rules[0].edge_cases[0].answer[0].text: gold span 'example.com' (EMAIL) cannot be selected: it "
        "starts inside the token 'ana@example.com' (hint: the quiz selects whole tokens (words, emails and ids "
        "such as ACC-123; each other symbol alone): mark 'ana@example.com' instead)",
        "29:14: items[0].answer[0]: gold span ' Bo' (NAME) cannot be selected: it starts with white space "
        "(hint: the quiz selects whole tokens (words, emails and ids such as ACC-123; each other symbol alone): "
        "mark 'Bo' instead)",
    ],
    "bad_version.yaml": [
        "3:10: version: version '1.0' is not a semantic version such as 1.0.0",
        "14:17: rules[0].examples[0].answer: expected one of a, b, got 'tie' (hint: this task does not allow ties)",
    ],
    "path-mismatch/2.0.0.yaml": [
        "2:5: id: id 'contracts' does not match the folder name 'path-mismatch' "
        "(hint: guideline files live at guidelines/<id>/<version>.yaml; rename the folder or fix the id)",
        "3:10: version: version '1.0.0' does not match the file name '2.0.0' "
        "(hint: guideline files live at guidelines/<id>/<version>.yaml; rename the file or fix the version)",
    ],
    "alias_bomb.yaml": [
        "3:8: YAML aliases are not allowed (found 72: *a and others) "
        "(hint: write the value out in full; anchors and aliases can expand exponentially)"
    ],
    "python_tag.yaml": [
        "1:1: title: missing required field 'title'",
        "1:1: task: missing required field 'task'",
        "1:1: rules: missing required field 'rules'",
        "2:5: id: tag !!python/object/apply:os.system is not allowed; only plain YAML values are loaded "
        "(safe loading) (hint: remove the tag)",
    ],
    "top_level_list.yaml": [
        "1:1: the top level must be a mapping of guideline fields, got a list "
        "(hint: start the file with 'format: 1' and 'id: ...')"
    ],
    "empty.yaml": [
        "1:1: the file is empty; expected a mapping with format, id, version, title, task and rules"
    ],
    "latin1.yaml": [
        "4:11: file is not UTF-8: byte 0xe9 at offset 46 is invalid "
        "(hint: save the file as UTF-8 (it looks like latin-1 or another legacy encoding))"
    ],
    "outside_items_file.yaml": [
        "11:13: items_file: items_file '../../secrets.jsonl' must name a file in the same folder as the "
        "guideline (hint: write just the file name, e.g. items.jsonl)"
    ],
}


def _problems_of(path: Path) -> list[str]:
    with pytest.raises(GuidelineError) as caught:
        load_guideline(path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_fixture_reports_exact_messages_lines_and_columns(name: str) -> None:
    prefix = f"{BROKEN / name}:"
    assert _problems_of(BROKEN / name) == [prefix + line for line in EXPECTED[name]]


def test_every_broken_fixture_has_expectations() -> None:
    files, _ = guideline_files([BROKEN])
    named = {str(f.relative_to(BROKEN)) for f in files}
    assert named == set(EXPECTED) | {"items_file.yaml"}


def test_items_file_problems_name_the_jsonl_file_and_line() -> None:
    jsonl = BROKEN / "items_file.jsonl"
    assert _problems_of(BROKEN / "items_file.yaml") == [
        f"{jsonl}:2:1: items[2].rules[0]: item 'q3' exercises unknown rule 'R2' "
        "(hint: use the id of a rule under rules)",
        f"{jsonl}:2:1: items[2].answer: unknown label 'NEUTRAL'; expected one of POS, NEG "
        "(hint: add the label under task.labels or fix the answer)",
        f"{jsonl}:4:64: invalid JSON: Expecting property name enclosed in double quotes "
        "(hint: each line holds one item as a JSON object)",
    ]


def test_cross_field_problems_are_reported_next_to_structural_ones(valid_yaml: str) -> None:
    text = valid_yaml.replace("version: 1.0.0\ntitle", "version: one\ntitle") + (
        "  - {id: q3, input: Broken, answer: POS}\n"
        "  - {id: q4, input: Fine., rules: [R-NEG], answer: NOPE}\n"
        "  - {id: q4, input: Fine again., rules: [R-NEG], answer: NEG}\n"
    )
    with pytest.raises(GuidelineError) as caught:
        load_guideline_text(text, "g.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "g.yaml:3:10: version: version 'one' is not a semantic version such as 1.0.0",
        "g.yaml:39:5: items[2].rules: missing required field 'rules'",
        "g.yaml:40:52: items[3].answer: unknown label 'NOPE'; expected one of POS, NEG "
        "(hint: add the label under task.labels or fix the answer)",
        "g.yaml:41:10: items[4].id: duplicate item id 'q4' (first used at items[3].id) (hint: ids must be unique)",
    ]


def test_error_carries_first_problem_and_all_problems(valid_yaml: str) -> None:
    text = valid_yaml.replace("answer: POS, why: Recommends it.", "answer: PoS").replace("title: Praise", "")
    with pytest.raises(GuidelineError) as caught:
        load_guideline_text(text, "g.yaml")
    error = caught.value
    assert [p.location.field for p in error.problems] == ["rules[0].title"]
    assert error.location.line == 20 and error.location.column == 5
    assert "missing required field 'title'" in str(error)


def test_valid_text_loads(valid_yaml: str) -> None:
    guideline = load_guideline_text(valid_yaml)
    assert guideline.ref == "sentiment@1.0.0"
    assert guideline.rule_ids == ["R-POS", "R-NEG"]
    assert guideline.items[0].input.text == "Would recommend to anyone."


def test_source_map_positions_every_field(valid_yaml: str) -> None:
    loaded = parse_guideline(valid_yaml, "g.yaml")
    where = loaded.source_map.locate(("rules", 1, "examples", 0, "answer"))
    assert (where.path, where.line, where.column) == ("g.yaml", 33, 65)
    key = loaded.source_map.locate(("calibration", "min_items_per_rule"), key=True)
    assert (key.line, key.column) == (18, 3)


# --------------------------------------------------------------------------- hostile input


def test_billion_laughs_is_refused_fast() -> None:
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    start = time.perf_counter()
    with pytest.raises(GuidelineError, match=r"YAML aliases are not allowed \(found 110: \*a0 and others\)"):
        load_guideline_text("\n".join(levels) + "\n", "bomb.yaml")
    assert time.perf_counter() - start < 1.0


def test_merge_keys_are_refused() -> None:
    with pytest.raises(GuidelineError, match=r"b: YAML merge keys \(<<\) are not allowed"):
        load_guideline_text("a: 1\nb:\n  <<: {y: 1}\n", "m.yaml")


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"title: '" + b"x" * (6 * 1024 * 1024) + b"'\n")
    start = time.perf_counter()
    with pytest.raises(GuidelineError) as caught:
        load_guideline(big)
    assert time.perf_counter() - start < 1.0
    assert str(caught.value) == (
        f"{big}:1:1: file is 6.0 MB; the limit is 5 MB "
        "(hint: move a large quiz bank into a JSONL file named by items_file, or split the guideline)"
    )
    assert MAX_FILE_BYTES == 5 * 1024 * 1024


def test_text_over_the_size_limit_is_refused() -> None:
    with pytest.raises(GuidelineError, match=r"file is 6\.0 MB; the limit is 5 MB"):
        load_guideline_text("a: '" + "x" * (6 * 1024 * 1024) + "'\n")


def test_millions_of_tiny_values_are_refused_fast() -> None:
    text = "a: [" + ",".join(["1"] * 1_500_000) + "]\n"
    start = time.perf_counter()
    with pytest.raises(GuidelineError) as caught:
        load_guideline_text(text, "many.yaml")
    assert time.perf_counter() - start < 20
    assert str(caught.value) == (
        f"many.yaml:1:{2 * MAX_VALUES - 1}: the document holds more than {MAX_VALUES:,} values "
        "(hint: move a large quiz bank into a JSONL file named by items_file)"
    )


def test_problems_are_capped_with_a_count_of_the_rest(valid_yaml: str) -> None:
    extra = "".join(f"unknown_{i}: 1\n" for i in range(MAX_PROBLEMS + 20))
    with pytest.raises(GuidelineError) as caught:
        load_guideline_text(valid_yaml + extra, "g.yaml")
    problems = caught.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert str(problems[-1]) == (
        "g.yaml: ... and 20 more problems like these (hint: fix the problems above and validate again)"
    )


def test_deep_nesting_is_refused_without_crashing() -> None:
    with pytest.raises(GuidelineError, match="nesting is too deep"):
        load_guideline_text("a: " + "[" * 5000 + "]" * 5000 + "\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!binary aGVsbG8=\n", "tag !!binary is not allowed"),
        ("a: !custom x\n", "tag !custom is not allowed"),
        ("a: !!python/name:os.system\n", "tag !!python/name:os.system is not allowed"),
        ("? [a, b]\n: 1\n", "mapping keys must be plain values"),
        ("a: 1\n---\nb: 2\n", "YAML syntax error: but found another document"),
        ("just text\n", "the top level must be a mapping of guideline fields, got a text"),
        ("a: b\nc: d\x01\n", "odd.yaml:2:5: character U+0001 is not allowed in YAML"),
        ("a: !!int\n", "odd.yaml:1:4: a: invalid !!int value ''"),
        ("&x a: 1\n*x : 2\n", "odd.yaml:2:1: YAML aliases are not allowed (found 1: *x)"),
        ("a: \ud800\n", "odd.yaml:1:4: character U+D800 is not allowed in YAML (hint: remove it)"),
    ],
)
def test_unsafe_or_odd_yaml_is_refused(text: str, message: str) -> None:
    with pytest.raises(GuidelineError, match=re.escape(message)):
        load_guideline_text(text, "odd.yaml")


def test_flow_style_syntax_errors_hint_at_quoting() -> None:
    with pytest.raises(GuidelineError) as caught:
        load_guideline_text("items:\n  - {id: q1, input: Where: here, rules: [R1]}\n", "flow.yaml")
    assert str(caught.value) == (
        "flow.yaml:2:26: YAML syntax error: expected ',' or '}', but got ':' (while parsing a flow mapping "
        "at line 2) (hint: inside [...] or {...}, put texts that contain ',', ':', '?', '#' or brackets in quotes)"
    )


def test_question_marks_in_flow_texts_are_accepted() -> None:
    with pytest.raises(GuidelineError) as caught:
        load_guideline_text("items:\n  - {id: q1, input: Where is it?, rules: [R1]}\n", "flow.yaml")
    assert "YAML syntax error" not in str(caught.value)


def test_missing_file_is_a_guideline_error(tmp_path: Path) -> None:
    with pytest.raises(GuidelineError, match="no such file"):
        load_guideline(tmp_path / "nope.yaml")


# --------------------------------------------------------------------------- items files


def test_items_file_yaml_sibling_is_loaded_with_positions(tmp_path: Path, valid_yaml: str) -> None:
    folder = tmp_path / "sentiment"
    folder.mkdir()
    (folder / "1.0.0.yaml").write_text(valid_yaml + "items_file: bank.yaml\n", encoding="utf-8")
    (folder / "bank.yaml").write_text(
        "- {id: q3, input: Five stars., rules: [R-POS], answer: POS}\n"
        "- id: q4\n  input: Never again.\n  rules: [R-NEG]\n  answer: NOPE\n",
        encoding="utf-8",
    )
    with pytest.raises(GuidelineError) as caught:
        load_guideline(folder / "1.0.0.yaml")
    assert [str(p) for p in caught.value.problems] == [
        f"{folder / 'bank.yaml'}:5:11: items[3].answer: unknown label 'NOPE'; expected one of POS, NEG "
        "(hint: add the label under task.labels or fix the answer)"
    ]
    (folder / "bank.yaml").write_text("- {id: q3, input: Five stars., rules: [R-POS], answer: POS}\n")
    guideline = load_guideline(folder / "1.0.0.yaml")
    assert [item.id for item in guideline.items] == ["q1", "q2", "q3"]
    assert guideline.items_file == "bank.yaml"
    assert guideline_files([tmp_path]) == ([folder / "1.0.0.yaml"], [])


def test_missing_items_file_is_reported(tmp_path: Path, valid_yaml: str) -> None:
    file = tmp_path / "g.yaml"
    file.write_text(valid_yaml + "items_file: bank.jsonl\n", encoding="utf-8")
    with pytest.raises(GuidelineError, match=r"items file 'bank\.jsonl' not found next to the guideline"):
        load_guideline(file)


def test_deeply_nested_jsonl_items_are_refused(tmp_path: Path, valid_yaml: str) -> None:
    (tmp_path / "g.yaml").write_text(valid_yaml + "items_file: bank.jsonl\n", encoding="utf-8")
    (tmp_path / "bank.jsonl").write_text(
        '{"id": "q3", "input": "x", "rules": ["R-POS"], "answer": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
        encoding="utf-8",
    )
    with pytest.raises(GuidelineError) as caught:
        load_guideline(tmp_path / "g.yaml")
    assert (
        str(caught.value) == f"{tmp_path / 'bank.jsonl'}:1:1: JSON nesting is too deep (more than 64 levels)"
    )


def test_items_file_needs_a_file_when_loading_text(valid_yaml: str) -> None:
    with pytest.raises(GuidelineError, match="items_file needs the guideline to be loaded from a file"):
        load_guideline_text(valid_yaml + "items_file: bank.jsonl\n")


# --------------------------------------------------------------------------- paths and dumping


def test_validate_paths_collects_every_file_and_missing_paths(tmp_path: Path, valid_yaml: str) -> None:
    (tmp_path / "ok.yaml").write_text(valid_yaml, encoding="utf-8")
    (tmp_path / "bad.yml").write_text(valid_yaml.replace("format: 1", "format: 2"), encoding="utf-8")
    problems = validate_paths([tmp_path, tmp_path / "missing"])
    assert problems[0].location.path == str(tmp_path / "missing")
    assert [p.message for p in problems] == [
        "no such file or folder",
        "2 is not allowed; expected 1",
    ]


def test_dump_then_load_is_identity_for_the_sample(valid_yaml: str) -> None:
    guideline = load_guideline_text(valid_yaml)
    dumped = dump_guideline(guideline)
    assert load_guideline_text(dumped) == guideline
    assert dumped.startswith("format: 1\nid: sentiment\n")


@pytest.mark.parametrize(
    "field", ["rules[2].examples[0].answer", "task.scale.anchors[3]", "version", "items[10]"]
)
def test_parse_field_inverts_format_field(field: str) -> None:
    assert format_field(parse_field(field)) == field


def test_forty_thousand_nested_brackets_are_refused_as_too_deep_not_as_a_syntax_error() -> None:
    with pytest.raises(GuidelineError) as caught:
        load_guideline_text("a: " + "[" * 40_000 + "]" * 40_000 + "\n", "deep.yaml")
    message = str(caught.value)
    assert message.startswith("deep.yaml:1:")
    assert "YAML nesting is too deep (more than 64 levels)" in message
    assert "syntax error" not in message and "in quotes" not in message


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 40_000 + "]" * 40_000 + "\n",
        "a: " + "{a: " * 5_000 + "}" * 5_000 + "\n",
        "items:\n  - {id: q1, input: Where: here, rules: [R1]}\n",
        "a: [b, c\n",
    ],
    ids=["deep-brackets", "deep-braces", "flow-error", "unclosed"],
)
def test_the_pure_python_yaml_parser_is_never_run(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    import yaml

    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the pure-Python YAML parser ran (minutes on deeply nested brackets)")

    monkeypatch.setattr(yaml.parser.Parser, "check_event", forbidden)
    monkeypatch.setattr(yaml.scanner.Scanner, "check_token", forbidden)
    with pytest.raises(GuidelineError) as caught:
        load_guideline_text(text, "odd.yaml")
    assert "pure-Python" not in str(caught.value)


def test_without_libyaml_deep_brackets_are_refused_before_the_slow_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import yaml

    from calibration.guidelines import yaml_source

    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the pure-Python YAML parser ran on deeply nested brackets")

    monkeypatch.setattr(yaml_source, "_FAST_LOADER", yaml.SafeLoader)
    with monkeypatch.context() as patched:
        patched.setattr(yaml.scanner.Scanner, "check_token", forbidden)
        with pytest.raises(GuidelineError) as caught:
            load_guideline_text("a: " + "[" * 40_000 + "]" * 40_000 + "\n", "deep.yaml")
    assert str(caught.value).startswith("deep.yaml:1:68: YAML nesting is too deep (more than 64 levels)")
    with pytest.raises(
        GuidelineError, match=re.escape("flow.yaml:2:26: YAML syntax error: expected ',' or '}', but got ':'")
    ):
        load_guideline_text("items:\n  - {id: q1, input: Where: here, rules: [R1]}\n", "flow.yaml")


def test_an_unclosed_bracket_is_reported_where_it_opens() -> None:
    # PyYAML's problem_mark is line 3 (where it gave up); the offending token is the '[' on line 2
    with pytest.raises(GuidelineError) as caught:
        load_guideline_text("id: x\nlabels: [a, b\ntitle: y\n", "open.yaml")
    assert str(caught.value) == (
        "open.yaml:2:9: YAML syntax error: '[' opened here is not closed (expected ',' or ']', but got ':' "
        "at line 3, column 6) (hint: close the bracket, or put a text that contains ',', ':' or brackets in quotes)"
    )
