"""Fit text to a model's input limit at sentence boundaries (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

TokenCounter = Callable[[Sequence[str]], list[int]]


def split_long_sentence(sentence: str, count: TokenCounter, limit: int) -> list[str]:
    """Split one sentence that does not fit into word runs that do, in order."""
    pieces: list[str] = []
    current: list[str] = []
    for word in sentence.split():
        candidate = " ".join([*current, word])
        if current and count([candidate])[0] > limit:
            pieces.append(" ".join(current))
            current = [word]
        else:
            current.append(word)
        if count([" ".join(current)])[0] > limit:
            # A single "word" longer than the limit (a URL, a table row): cut it by characters.
            word = current.pop()
            if current:
                pieces.append(" ".join(current))
            pieces.extend(_split_chars(word, count, limit))
            current = []
    if current:
        pieces.append(" ".join(current))
    return pieces


# No token of a real vocabulary spans more characters than this, so a piece of ``limit``
# tokens never holds more than ``limit * MAX_CHARS_PER_TOKEN`` characters; only that much of a
# long "word" is tokenized at a time. (Were a token longer, pieces would just be smaller.)
MAX_CHARS_PER_TOKEN = 32


def _split_chars(word: str, count: TokenCounter, limit: int) -> list[str]:
    """Cut ``word`` into pieces that fit, in time linear in its length.

    Each piece first tries as many characters as the last piece's tokens-per-character
    suggests will fill the limit, and halves until it fits: a piece costs about one count
    of text its own size, never a count of the whole rest of the word.
    """
    most = limit * MAX_CHARS_PER_TOKEN
    pieces = []
    start = 0
    size = most
    while start < len(word):
        size = min(size, len(word) - start)
        tokens = count([word[start : start + size]])[0]
        while size > 1 and tokens > limit:
            size //= 2
            tokens = count([word[start : start + size]])[0]
        pieces.append(word[start : start + size])
        start += size
        size = max(1, min(most, size * limit // max(tokens, 1)))
    return pieces


def chunk_sentences(sentences: Sequence[str], count: TokenCounter, limit: int) -> list[list[str]]:
    """Group consecutive sentences into chunks whose joined text fits ``limit`` tokens.

    ``count`` returns each text's token count including the special tokens the model adds.
    A sentence that does not fit on its own is split into word runs first, so no text is
    dropped: joining all chunks gives back every sentence, in order.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    units: list[str] = []
    for sentence, size in zip(sentences, count(sentences) if sentences else [], strict=True):
        units.extend([sentence] if size <= limit else split_long_sentence(sentence, count, limit))
    if not units:
        return []
    sizes = count(units)
    # Special tokens are counted once per text, so a unit alone costs more than its share of a chunk.
    overhead = count([""])[0]
    chunks: list[list[str]] = []
    current: list[str] = []
    used = overhead
    for unit, size in zip(units, sizes, strict=True):
        body = size - overhead
        if current and used + body > limit:
            chunks.append(current)
            current, used = [], overhead
        current.append(unit)
        used += body
    if current:
        chunks.append(current)
    return _verify(chunks, count, limit)


def _verify(chunks: list[list[str]], count: TokenCounter, limit: int) -> list[list[str]]:
    """Re-count joined chunks (tokenizers are not additive) and split any that overflow."""
    fitted: list[list[str]] = []
    for chunk in chunks:
        pending = [chunk]
        while pending:
            part = pending.pop(0)
            if len(part) == 1 or count([" ".join(part)])[0] <= limit:
                fitted.append(part)
            else:
                middle = len(part) // 2
                pending[:0] = [part[:middle], part[middle:]]
    return fitted
