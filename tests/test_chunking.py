from __future__ import annotations

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
