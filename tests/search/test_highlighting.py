"""Highlighting is escape-first: only <mark> ever reaches a template."""

from search.highlighting import HIGHLIGHT_END, HIGHLIGHT_START, from_highlight, mark_terms, plain_text, snippet


def test_mark_terms_escapes_then_marks_case_insensitively():
    assert mark_terms("<b>Street</b> light & LIGHTS", ["light"]) == (
        "&lt;b&gt;Street&lt;/b&gt; <mark>light</mark> &amp; <mark>LIGHT</mark>S"
    )


def test_longer_terms_win_over_their_prefixes():
    assert mark_terms("가로등 가로수", ["가로", "가로등"]) == "<mark>가로등</mark> <mark>가로</mark>수"


def test_regex_characters_in_terms_are_literal():
    assert mark_terms("a.b axb", ["a.b"]) == "<mark>a.b</mark> axb"


def test_snippet_is_a_window_around_the_first_match():
    text = "x" * 300 + " 가로등 " + "y" * 300
    result = snippet(text, ["가로등"])
    assert result.startswith("… ")
    assert result.endswith(" …")
    assert "<mark>가로등</mark>" in result
    assert len(result) < 260


def test_snippet_without_terms_is_the_start():
    assert snippet("짧은 설명", []) == "짧은 설명"


def test_snippet_shows_words_not_markdown():
    assert plain_text("**급해요**. [지도](https://x.example) 보기\n- 항목") == "급해요. 지도 보기\n 항목"
    assert snippet("**<b>가로등</b>** 고장", ["가로등"]) == "&lt;b&gt;<mark>가로등</mark>&lt;/b&gt; 고장"


def test_elasticsearch_fragments_are_escaped_and_sentinels_become_marks():
    fragment = f"<img src=x> {HIGHLIGHT_START}가로등{HIGHLIGHT_END} & {HIGHLIGHT_START}light{HIGHLIGHT_END}"
    assert from_highlight(fragment) == "&lt;img src=x&gt; <mark>가로등</mark> &amp; <mark>light</mark>"


def test_sentinels_typed_by_a_resident_cannot_open_marks():
    assert mark_terms(f"{HIGHLIGHT_START}<i>", ["x"]) == "&lt;i&gt;"
