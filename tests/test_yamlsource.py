"""The strict YAML reader: positions, duplicate keys, YAML 1.2 scalars, bounded input."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from generator.errors import Problem
from generator.yamlsource import MAX_FILE_BYTES, MAX_NODES, Document, parse_document


def parse(text: str | bytes) -> Document | Problem:
    return parse_document(text.encode() if isinstance(text, str) else text, "f.yml")


def problem(text: str | bytes) -> str:
    result = parse(text)
    assert isinstance(result, Problem), result
    return str(result)


def test_values_and_positions() -> None:
    doc = parse("a: 1\nb:\n  - x: yes\n    y: 12.50\n")
    assert isinstance(doc, Document)
    assert doc.data == {"a": 1, "b": [{"x": "yes", "y": Decimal("12.50")}]}
    assert doc.locate(("b", 0, "y")).line == 4 and doc.locate(("b", 0, "y")).col == 8
    assert doc.locate(("b", 0, "y"), key=True).col == 5
    assert doc.locate(("b", 0, "missing")).line == 3  # nearest written ancestor


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("on", "on"),
        ("no", "no"),
        ("Yes", "Yes"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("", None),
        ("0123", 123),
        ("0x1f", 31),
        ("1e3", Decimal("1E+3")),
        ("12:30", "12:30"),
        ("2024-01-01", "2024-01-01"),
        ("'007'", "007"),
        (".nan", ".nan"),
    ],
)
def test_yaml_1_2_core_scalars(text: str, value: object) -> None:
    doc = parse(f"v: {text}\n")
    assert isinstance(doc, Document)
    assert doc.data["v"] == value
    assert type(doc.data["v"]) is type(value)


def test_duplicate_key_is_refused_with_both_lines() -> None:
    assert problem("a: 1\nb: 2\na: 3\n") == (
        "f.yml:3:1: a: duplicate key 'a' (first written at line 1)\n"
        "    hint: remove one of the two; YAML would silently keep only the last"
    )


def test_nested_duplicate_key() -> None:
    assert problem("a:\n  b: 1\n  b: 2\n").startswith("f.yml:3:3: a.b: duplicate key 'b'")


def test_invalid_yaml_is_located() -> None:
    assert problem("a: [1, 2\nb: 3\n").startswith("f.yml:2:2: (file): invalid YAML: ")


def test_empty_and_comment_only_files() -> None:
    for text in ("", "\n\n", "# nothing here\n"):
        assert (
            problem(text) == "f.yml:1:1: (file): file is empty\n    hint: describe one entity in it, or delete the file"
        )


def test_non_utf8_is_located_at_the_bad_byte() -> None:
    assert problem(b"a: 1\nname: caf\xe9\n") == (
        "f.yml:2:10: (file): is not valid UTF-8 (byte 0xe9)\n    hint: save the file as UTF-8"
    )


def test_utf8_bom_is_accepted() -> None:
    doc = parse(b"\xef\xbb\xbfa: 1\n")
    assert isinstance(doc, Document) and doc.data == {"a": 1}


def test_file_over_the_size_limit() -> None:
    text = "a: '" + "x" * MAX_FILE_BYTES + "'\n"
    assert problem(text).startswith(f"f.yml:1:1: (file): file is {len(text):,} bytes, over the {MAX_FILE_BYTES:,}-byte")


def test_alias_bomb_is_bounded_in_time() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    start = time.monotonic()
    message = problem("\n".join(levels) + "\n")
    assert time.monotonic() - start < 5
    assert f"expands to more than {MAX_NODES:,} values" in message
    assert "YAML aliases" in message


def test_recursive_alias_is_bounded() -> None:
    message = problem("a: &a [*a]\n")
    assert "nested more than" in message or "expands to more than" in message


def test_custom_tags_are_refused() -> None:
    assert "unsupported tag '!!python/object:os.system'" in problem("a: !!python/object:os.system x\n")
    assert "unsupported tag '!env'" in problem("a: !env HOME\n")


def test_merge_keys_are_refused() -> None:
    assert "merge keys (<<) are not supported" in problem("base: &b {x: 1}\nc:\n  <<: *b\n")


def test_several_documents_are_refused() -> None:
    assert "invalid YAML" in problem("a: 1\n---\nb: 2\n")


def test_libyaml_and_pure_python_read_the_same_documents() -> None:
    from generator import yamlsource

    text = "a: 1\nb:\n  - x: yes\n    y: 12.50\n  - [1, 2, {c: d}]\nlong: >-\n  folded\n  text\n"
    docs = []
    for loader in {yamlsource._PyComposeLoader, yamlsource._ComposeLoader}:
        original = yamlsource._ComposeLoader
        yamlsource._ComposeLoader = loader
        try:
            doc = parse(text)
            assert isinstance(doc, Document)
            docs.append((doc.data, dict(doc.values), dict(doc.keys)))
        finally:
            yamlsource._ComposeLoader = original
    assert all(d == docs[0] for d in docs)


def test_positions_are_worked_out_only_when_needed() -> None:
    doc = parse("a: 1\nb: [x, y]\n")
    assert isinstance(doc, Document)
    assert "_positions" not in doc.__dict__
    assert doc.locate(("b", 1)).col == 8
    assert "_positions" in doc.__dict__


def test_a_documents_strings_hold_each_value_and_nothing_across_two() -> None:
    doc = parse_document(b'id: abc\nlist: [de, {k: fgh}]\nn: 12\nquoted: "x\\0y"\n', "f.yml")
    assert not isinstance(doc, Problem)
    for text in ("abc", "de", "fgh", "x\0y", "bc", "g"):
        assert text in doc.strings
    for text in ("cd", "abcde", "12", "ef"):  # across two values, or not a string
        assert text not in doc.strings
