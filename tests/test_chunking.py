from __future__ import annotations

import itertools
import time
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarize_cli.chunking import chunk_sentences


def count(texts: Sequence[str]) -> list[int]:
    """Words plus two special tokens, like a BART tokenizer's <s> and </s>."""
    return [len(t.split()) + 2 for t in texts]


def test_sentences_are_grouped_until_the_limit() -> None:
    sentences = ["one two three.", "four five.", "six seven eight nine.", "ten."]
    chunks = chunk_sentences(sentences, count, 8)
    assert chunks == [["one two three.", "four five."], ["six seven eight nine.", "ten."]]


def test_a_sentence_longer_than_the_limit_is_split_by_words_not_dropped() -> None:
    long = " ".join(f"w{i}" for i in range(25))
    chunks = chunk_sentences(["Short one.", long], count, 10)
    assert all(count([" ".join(c)])[0] <= 10 for c in chunks)
    assert " ".join(" ".join(c) for c in chunks).split() == ["Short", "one.", *long.split()]


def subword_count(texts: Sequence[str]) -> list[int]:
    """Like a subword tokenizer: a token per four letters of each word, plus <s> and </s>."""
    return [2 + sum(-(-len(word) // 4) for word in text.split()) for text in texts]


def joining_count(texts: Sequence[str]) -> list[int]:
    """Not additive: besides the subwords, every third word of a text costs one more token."""
    return [size + len(text.split()) // 3 for size, text in zip(subword_count(texts), texts, strict=True)]


def test_a_word_longer_than_the_limit_is_split_by_characters() -> None:
    url = "https://example.org/news/" + "prisoner-exchange-" * 12 + "2025.html"
    chunks = chunk_sentences(["Read it at", url, "today."], subword_count, 12)
    pieces = [piece for chunk in chunks for piece in chunk]
    assert all(subword_count([" ".join(chunk)])[0] <= 12 for chunk in chunks)
    inside = [piece for piece in pieces if piece in url]
    assert len(inside) > 1 and "".join(inside) == url


def test_chunks_are_recounted_when_counts_do_not_add_up() -> None:
    # Alone, each sentence costs <s>, </s> and one token, so all eight seem to fit 2 + 8 = 10;
    # joined, every third word costs one more, and the eight together cost 12.
    sentences = ["Yes.", "No.", "Go.", "Run.", "Now.", "Why.", "Who.", "Hi."]
    chunks = chunk_sentences(sentences, joining_count, 10)
    assert len(chunks) > 1
    assert all(joining_count([" ".join(chunk)])[0] <= 10 for chunk in chunks)
    assert [s for chunk in chunks for s in chunk] == sentences


def test_two_sentences_that_only_seem_to_fit_together_are_split_apart() -> None:
    # Alone each costs 4 (2 specials, 2 words): 2 + 2 + 2 = 6 fits; joined the fourth word costs one more.
    assert joining_count(["ab cd ef gh"]) == [7]
    assert chunk_sentences(["ab cd", "ef gh"], joining_count, 6) == [["ab cd"], ["ef gh"]]


def test_a_two_megabyte_word_is_split_in_linear_time() -> None:
    def count(texts: Sequence[str]) -> list[int]:
        # A pass over every character, as a real tokenizer makes: the cost grows with the text.
        return [sum(1 for _ in text) // 4 + 2 for text in texts]

    word = "0123456789abcdef" * (2 * 1024 * 1024 // 16)
    started = time.perf_counter()
    chunks = chunk_sentences([word], count, 512)
    assert time.perf_counter() - started < 10
    assert "".join(piece for chunk in chunks for piece in chunk) == word
    assert all(count([" ".join(chunk)])[0] <= 512 for chunk in chunks)


def test_a_limit_below_one_token_is_refused() -> None:
    with pytest.raises(ValueError):
        chunk_sentences(["a."], count, 0)


words = st.text(alphabet="abcxyz", min_size=1, max_size=5)
sentences = st.lists(st.lists(words, min_size=1, max_size=30).map(" ".join), max_size=25)


@given(sentences, st.integers(min_value=3, max_value=40))
def test_every_chunk_fits_and_chunks_cover_all_sentences_in_order(sents: list[str], limit: int) -> None:
    chunks = chunk_sentences(sents, count, limit)
    assert all(count([" ".join(chunk)])[0] <= limit for chunk in chunks)
    assert " ".join(" ".join(chunk) for chunk in chunks).split() == " ".join(sents).split()
    fitting = [s for s in sents if count([s])[0] <= limit]
    flat = [piece for chunk in chunks for piece in chunk]
    # Sentences that fit on their own stay whole.
    assert all(s in flat for s in fitting)


long_words = st.text(alphabet="abcxyz", min_size=1, max_size=60)
long_sentences = st.lists(st.lists(long_words, min_size=1, max_size=12).map(" ".join), max_size=12)


@given(long_sentences, st.integers(min_value=3, max_value=40))
def test_with_long_words_and_counts_that_do_not_add_up_every_chunk_still_fits(sents: list[str], limit: int) -> None:
    chunks = chunk_sentences(sents, joining_count, limit)
    assert all(joining_count([" ".join(chunk)])[0] <= limit for chunk in chunks)
    flat = [piece for chunk in chunks for piece in chunk]
    # Nothing is lost or reordered: words cut by characters come back when the pieces are glued.
    assert "".join(flat).replace(" ", "") == "".join(sents).replace(" ", "")
    assert all(s in flat for s in sents if joining_count([s])[0] <= limit)


def test_a_chunk_takes_sentences_up_to_the_limit_exactly() -> None:
    # Each costs 3 words + 2 specials = 5 alone; together 6 + 2 = 8, which is the limit: one chunk.
    assert chunk_sentences(["a b c.", "d e f."], count, 8) == [["a b c.", "d e f."]]
    assert chunk_sentences(["a b c.", "d e f."], count, 7) == [["a b c."], ["d e f."]]


def test_a_sentence_of_exactly_the_limit_stays_whole_and_as_written() -> None:
    sentence = "one two  three four five six."
    assert chunk_sentences([sentence], count, 8) == [[sentence]]


def test_a_limit_of_one_token_is_allowed() -> None:
    def bare(texts: Sequence[str]) -> list[int]:
        """A tokenizer that adds no special tokens: one token per word."""
        return [len(t.split()) for t in texts]

    assert chunk_sentences(["a", "b c"], bare, 1) == [["a"], ["b"], ["c"]]


def test_a_long_sentence_is_cut_into_word_runs_as_long_as_fit() -> None:
    long = " ".join(f"w{i}" for i in range(25))
    chunks = chunk_sentences([long], count, 10)
    # 8 words and the two specials fill 10 tokens: runs of 8, 8, 8 and the 1 word left.
    assert [len(" ".join(chunk).split()) for chunk in chunks] == [8, 8, 8, 1]


def test_a_long_word_is_cut_into_pieces_as_large_as_fit() -> None:
    def per_four_letters(texts: Sequence[str]) -> list[int]:
        """One token per four characters, no special tokens."""
        return [-(-len(t) // 4) for t in texts]

    word = "abcdefghij" * 10
    pieces = [piece for chunk in chunk_sentences([word], per_four_letters, 3) for piece in chunk]
    assert "".join(pieces) == word
    assert [len(piece) for piece in pieces] == [12] * 8 + [4]
    # The next piece is sized from the last one: one token of four characters, then four again.
    assert chunk_sentences(["abcdefgh"], per_four_letters, 1) == [["abcd"], ["efgh"]]


def test_a_word_where_each_character_is_a_token_is_cut_into_pieces_of_the_limit() -> None:
    def per_character(texts: Sequence[str]) -> list[int]:
        return [len(t) for t in texts]

    assert chunk_sentences(["abcd"], per_character, 1) == [["a"], ["b"], ["c"], ["d"]]
    # Longer than the most characters a piece is first tried with (64 tokens of 32 characters).
    pieces = [piece for chunk in chunk_sentences(["x" * 3000], per_character, 64) for piece in chunk]
    assert [len(piece) for piece in pieces] == [64] * 46 + [56]


@given(sentences, st.integers(min_value=3, max_value=40))
def test_no_chunk_could_have_taken_the_next_sentence(sents: list[str], limit: int) -> None:
    # Fewer, fuller chunks mean fewer model calls and more context per call.
    chunks = chunk_sentences(sents, count, limit)
    for chunk, following in itertools.pairwise(chunks):
        assert count([" ".join([*chunk, following[0]])])[0] > limit
