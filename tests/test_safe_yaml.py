import pytest

from datasette_heritage.build.safe_yaml import YamlError, load_yaml, read_yaml_file


def problem(text):
    with pytest.raises(YamlError) as info:
        load_yaml(text, "f.yml")
    return str(info.value.problem)


def test_values_and_lines():
    doc = load_yaml("- id: a\n  n: 3\n  f: 1.5\n  names: [x, y]\n- id: b\n", "f.yml")
    assert doc == [{"id": "a", "n": 3, "f": 1.5, "names": ["x", "y"]}, {"id": "b"}]
    assert doc[0].line == 1 and doc[1].line == 5
    assert doc[0].key_lines == {"id": 1, "n": 2, "f": 3, "names": 4}
    assert doc.item_lines == [1, 5]


def test_yaml_1_2_core_schema_keeps_words_and_dates_as_text():
    doc = load_yaml(
        "a: yes\nb: no\nc: on\nd: 2015-08-30\ne: 2015-08\nf: true\ng: ~\nh: NO\n", "f.yml"
    )
    assert doc == {
        "a": "yes",
        "b": "no",
        "c": "on",
        "d": "2015-08-30",
        "e": "2015-08",
        "f": True,
        "g": None,
        "h": "NO",
    }


def test_quoted_scalars_stay_text():
    assert load_yaml("a: '3'\nb: \"null\"\n", "f.yml") == {"a": "3", "b": "null"}


def test_keys_are_text():
    assert load_yaml("2015: x\nnull: y\n", "f.yml") == {"2015": "x", "null": "y"}


def test_duplicate_key_is_an_error_with_both_lines():
    assert problem("a: 1\nb: 2\na: 3\n") == (
        "f.yml:3: (file): duplicate key 'a' (first on line 1) (expected each key once per mapping)"
    )


def test_duplicate_key_in_nested_mapping():
    assert "f.yml:4: (file): duplicate key 'x'" in problem("- a:\n    x: 1\n    y: 2\n    x: 3\n")


def test_alias_bomb_is_refused_quickly():
    bomb = "a: &a [x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(20)
    )
    assert "anchors (&) are not allowed" in problem(bomb)


def test_alias_without_anchor_text_is_refused():
    assert "not allowed" in problem("a: &x 1\nb: *x\n")


def test_tags_are_refused():
    assert "tag" in problem("a: !!python/object/apply:os.system [ls]\n")
    assert "tag" in problem("a: !!binary aGVsbG8=\n")
    assert "tag" in problem("a: !custom 1\n")


def test_absurd_nesting_is_refused_without_crashing():
    # libyaml's own composer crashes the interpreter on this (C stack overflow).
    # Whichever layer refuses it (the loader's cap, or a newer libyaml's own
    # limit), the editor gets one line naming the file and line.
    refusal = problem("[" * 200000 + "]" * 200000)
    assert refusal.startswith("f.yml:1: ")
    assert "\n" not in refusal


def test_multiple_documents_are_refused():
    assert "more than one YAML document" in problem("a: 1\n---\nb: 2\n")


def test_syntax_error_names_the_line():
    assert problem("a: 1\nb: [2\nc: 3\n").startswith("f.yml:3: (file): YAML syntax error")


def test_complex_keys_are_refused():
    assert "key must be plain text" in problem("? [a, b]\n: 1\n")


def test_empty_document_is_none():
    assert load_yaml("", "f.yml") is None
    assert load_yaml("# only a comment\n", "f.yml") is None


def test_read_file_rejects_bad_utf8_with_line(tmp_path):
    path = tmp_path / "x.yml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(YamlError) as info:
        read_yaml_file(str(path), "x.yml")
    assert (
        str(info.value.problem)
        == "x.yml:2: (file): not valid UTF-8 (byte 12 of the file) (expected UTF-8 text)"
    )


def test_read_file_drops_bom(tmp_path):
    path = tmp_path / "x.yml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_yaml_file(str(path), "x.yml")[0] == {"a": 1}


def test_control_characters_are_a_yaml_error():
    assert "YAML syntax error" in problem("a: \x07\n")
