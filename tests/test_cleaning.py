from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from summarize_cli.cleaning import clean, clean_text, line_key
from summarize_cli.types import Article

from conftest import SEED


def test_seed_article_loses_its_repeated_title_once() -> None:
    text, stats = clean_text(SEED.read_text(encoding="utf-8"))
    assert (stats.lines_in, stats.lines_out, stats.duplicates_removed) == (9, 8, 1)
    assert text.count("Zelensky Proposes Exchange of Captured North Korean Soldiers for Ukrainian POWs") == 1


def test_whitespace_is_collapsed_and_repeats_compared_after_it() -> None:
    text, stats = clean_text("\ufeffA  headline\t here\r\nBody text.\r\n   A headline here  \r\n")
    assert text == "A headline here\nBody text."
    assert stats.duplicates_removed == 1


def test_paragraph_breaks_are_kept_as_one_blank_line() -> None:
    text, _ = clean_text("\n\nFirst para.\n\n\n\nSecond para.\n\nFirst para.\n\nThird.\n\n")
    assert text == "First para.\n\nSecond para.\n\nThird."


def test_comparison_is_case_sensitive_and_exact_after_trimming() -> None:
    text, stats = clean_text("Breaking news\nbreaking news\nBreaking  news")
    assert text == "Breaking news\nbreaking news"
    assert stats.duplicates_removed == 1


lines = st.lists(
    st.text(alphabet=st.sampled_from(list("ab \t.\u00a0")), max_size=6),
    max_size=30,
)


@given(lines)
def test_no_line_that_is_not_a_repeat_is_lost_and_order_is_kept(raw: list[str]) -> None:
    text, stats = clean_text("\n".join(raw))
    expected = list(dict.fromkeys(k for k in (line_key(r) for r in raw) if k))
    assert [line for line in text.split("\n") if line] == expected
    assert stats.lines_in == sum(1 for r in raw if line_key(r))
    assert stats.lines_out == len(expected)
    assert stats.duplicates_removed == stats.lines_in - stats.lines_out


@given(lines)
def test_deduplicating_twice_changes_nothing(raw: list[str]) -> None:
    once, _ = clean_text("\n".join(raw))
    twice, stats = clean_text(once)
    assert twice == once
    assert stats.duplicates_removed == 0


def test_clean_keeps_the_article_with_its_cleaned_text_and_counts() -> None:
    article = Article(source="story.txt", text="Same line.\n\nSame line.\nOther line.\n")
    cleaned = clean(article)
    assert cleaned.article is article
    assert cleaned.text == "Same line.\n\nOther line."
    assert (cleaned.stats.lines_in, cleaned.stats.lines_out, cleaned.stats.duplicates_removed) == (3, 2, 1)
