"""Tokenizers for converted models that need neither torch nor transformers at run time.

Two kinds cover the models this tool runs, each reproducing what transformers does with the
same files: a ``tokenizers`` JSON tokenizer (BART, and any model with a fast tokenizer) and
Marian's sentencepiece model with its own vocabulary (``MarianTokenizer``). Their files are
written at conversion time from the transformers tokenizer itself (``save_tokenizer``), so
both start from the same state; ``load_tokenizer`` reads them back with only ``tokenizers``
or ``sentencepiece``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

SETTINGS = "settings.json"
# Bumped whenever what is saved changes; a folder written by another version is not read.
LAYOUT = 1

# What ``clean_up_tokenization_spaces`` does in transformers, in its order.
_SPACE_CLEANUPS = (
    (" .", "."),
    (" ?", "?"),
    (" !", "!"),
    (" ,", ","),
    (" ' ", "'"),
    (" n't", "n't"),
    (" 'm", "'m"),
    (" 's", "'s"),
    (" 've", "'ve"),
    (" 're", "'re"),
)
_SPIECE_UNDERLINE = "▁"


class UnsupportedTokenizerError(ValueError):
    """The tokenizer does something the runtime tokenizers do not reproduce."""


class Tokenizer(Protocol):
    """What a backend needs from a tokenizer: ids in, ids out, and the ids that mean something."""

    @property
    def unknown_id(self) -> int | None:
        """The id of the unknown token."""
        ...

    @property
    def pad_id(self) -> int | None:
        """The id of the padding token."""
        ...

    def encode(self, texts: Sequence[str], special_tokens: bool = True) -> list[list[int]]:
        """Token ids of each text; with ``special_tokens``, the ones the model expects around it."""
        ...

    def to_tokens(self, ids: Sequence[int]) -> list[str]:
        """The token string of each id."""
        ...

    def to_ids(self, tokens: Sequence[str]) -> list[int]:
        """The id of each token string; unknown ones become the unknown id."""
        ...

    def decode(self, ids: Sequence[int]) -> str:
        """The text of ``ids`` with special tokens left out."""
        ...


def clean_up_spaces(text: str) -> str:
    """Drop the spaces a word-piece tokenizer leaves before punctuation and contractions."""
    for old, new in _SPACE_CLEANUPS:
        text = text.replace(old, new)
    return text


class JsonTokenizer:
    """A ``tokenizers`` tokenizer read from its ``tokenizer.json``."""

    def __init__(self, folder: Path, settings: dict[str, Any]) -> None:
        from tokenizers import Tokenizer as Backend

        self._backend = Backend.from_file(str(folder / "tokenizer.json"))
        # Inputs over the limit are refused by the caller, never cut here.
        self._backend.no_truncation()
        self._backend.no_padding()
        self.unknown_id: int | None = settings["unknown_id"]
        self.pad_id: int | None = settings["pad_id"]
        self._clean_up_spaces = bool(settings["clean_up_spaces"])

    def encode(self, texts: Sequence[str], special_tokens: bool = True) -> list[list[int]]:
        """Token ids of each text, as the fast tokenizer of transformers gives them."""
        # One text at a time: the batch call starts a thread pool, which then makes every later
        # fork (a conversion in a child process) print a warning about parallelism.
        return [self._backend.encode(text, add_special_tokens=special_tokens).ids for text in texts]

    def to_tokens(self, ids: Sequence[int]) -> list[str]:
        """The token string of each id."""
        tokens = []
        for index in ids:
            token = self._backend.id_to_token(int(index))
            if token is None:
                raise ValueError(f"token id {index} is outside the vocabulary")
            tokens.append(token)
        return tokens

    def to_ids(self, tokens: Sequence[str]) -> list[int]:
        """The id of each token string; unknown ones become the unknown id."""
        ids = []
        for token in tokens:
            index = self._backend.token_to_id(token)
            if index is None:
                if self.unknown_id is None:
                    raise ValueError(f"token {token!r} is not in the vocabulary")
                index = self.unknown_id
            ids.append(index)
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """The text of ``ids`` with special tokens left out."""
        text = self._backend.decode([int(i) for i in ids], skip_special_tokens=True)
        return clean_up_spaces(text) if self._clean_up_spaces else text


class MarianSentencePieceTokenizer:
    """``MarianTokenizer`` of transformers with a shared vocabulary, with sentencepiece alone.

    Special tokens written in the text stay whole; a ``>>xxx<<`` language token at the start
    of a text is kept as one token; the rest goes through the source sentencepiece model, and
    each piece maps through ``vocab.json`` (a piece missing there is the unknown token); the end
    token closes the sequence. Decoding joins the pieces with the source model, as transformers
    does for a shared vocabulary.
    """

    def __init__(self, folder: Path, settings: dict[str, Any]) -> None:
        import sentencepiece

        self._pieces = sentencepiece.SentencePieceProcessor(model_file=str(folder / "source.spm"))
        self._vocab: dict[str, int] = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        self._added: dict[str, int] = settings["added_tokens"]
        self._by_id = {index: token for token, index in self._vocab.items()}
        self._added_by_id = {index: token for token, index in self._added.items()}
        self._whole = {*self._added, *settings["special_tokens"]}
        self._special_ids = set(settings["special_ids"])
        self._special_tokens = set(settings["special_tokens"])
        self.unknown_id: int | None = settings["unknown_id"]
        self.pad_id: int | None = settings["pad_id"]
        self._eos_id: int = settings["eos_id"]
        self._unknown_token: str = settings["unknown_token"]
        self._clean_up_spaces = bool(settings["clean_up_spaces"])
        # Longest first, so that of two tokens starting at one place the longer one wins.
        ordered = sorted(self._added, key=len, reverse=True)
        self._split = re.compile("(" + "|".join(re.escape(t) for t in ordered) + ")") if ordered else None

    def _tokens_of(self, text: str) -> list[str]:
        chunks = self._split.split(text) if self._split is not None else [text]
        tokens: list[str] = []
        for chunk in chunks:
            if not chunk:
                continue
            if chunk in self._whole:
                tokens.append(chunk)
                continue
            if chunk.startswith(">>") and (end := chunk.find("<<")) != -1:
                tokens.append(chunk[: end + 2])
                chunk = chunk[end + 2 :]
            tokens.extend(self._pieces.encode(chunk, out_type=str))
        return tokens

    def encode(self, texts: Sequence[str], special_tokens: bool = True) -> list[list[int]]:
        """Token ids of each text, as ``MarianTokenizer`` gives them."""
        encoded = []
        for text in texts:
            ids = self.to_ids(self._tokens_of(text))
            encoded.append([*ids, self._eos_id] if special_tokens else ids)
        return encoded

    def to_tokens(self, ids: Sequence[int]) -> list[str]:
        """The token string of each id."""
        tokens = []
        for index in ids:
            index = int(index)
            if index in self._added_by_id:
                tokens.append(self._added_by_id[index])
            elif index in self._by_id:
                tokens.append(self._by_id[index])
            else:
                # transformers falls back to the sentencepiece model's own numbering.
                tokens.append(self._pieces.id_to_piece(index) or self._unknown_token)
        return tokens

    def to_ids(self, tokens: Sequence[str]) -> list[int]:
        """The id of each token string; unknown ones become the unknown id."""
        unknown = self._vocab[self._unknown_token]
        return [self._added.get(token, self._vocab.get(token, unknown)) for token in tokens]

    def decode(self, ids: Sequence[int]) -> str:
        """The text of ``ids`` with special tokens left out."""
        tokens = self.to_tokens([i for i in ids if int(i) not in self._special_ids])
        text, pending = "", list[str]()
        for token in tokens:
            if token in self._special_tokens:
                text += self._pieces.decode_pieces(pending) + token + " "
                pending = []
            else:
                pending.append(token)
        text += self._pieces.decode_pieces(pending)
        text = text.replace(_SPIECE_UNDERLINE, " ").strip()
        return clean_up_spaces(text) if self._clean_up_spaces else text


def _plain_added_tokens(tokenizer: Any) -> dict[str, int]:
    """The added tokens, refusing any that strip spaces or match whole words only."""
    added: dict[str, int] = {}
    for index, token in tokenizer.added_tokens_decoder.items():
        if token.lstrip or token.rstrip or token.single_word:
            raise UnsupportedTokenizerError(f"the added token {token.content!r} has spacing rules")
        added[token.content] = int(index)
    return added


def _common_settings(tokenizer: Any) -> dict[str, Any]:
    if getattr(tokenizer, "split_special_tokens", False):
        raise UnsupportedTokenizerError("the tokenizer splits special tokens")
    return {
        "layout": LAYOUT,
        "unknown_id": tokenizer.unk_token_id,
        "pad_id": tokenizer.pad_token_id,
        "eos_id": tokenizer.eos_token_id,
        "unknown_token": str(tokenizer.unk_token) if tokenizer.unk_token is not None else None,
        "special_ids": sorted(int(i) for i in tokenizer.all_special_ids),
        "special_tokens": [str(t) for t in tokenizer.all_special_tokens],
    }


def save_tokenizer(tokenizer: Any, folder: Path) -> None:
    """Write what ``load_tokenizer`` needs to reproduce the transformers ``tokenizer`` into ``folder``.

    Raises UnsupportedTokenizerError for a tokenizer the runtime ones would not reproduce.
    """
    folder.mkdir(parents=True, exist_ok=True)
    settings = _common_settings(tokenizer)
    if type(tokenizer).__name__ == "MarianTokenizer":
        if tokenizer.separate_vocabs:
            raise UnsupportedTokenizerError("separate source and target vocabularies")
        if tokenizer.sp_model_kwargs:
            raise UnsupportedTokenizerError(f"sentencepiece options {tokenizer.sp_model_kwargs}")
        tokenizer.save_vocabulary(str(folder))  # vocab.json, source.spm, target.spm
        settings |= {
            "kind": "marian",
            "added_tokens": _plain_added_tokens(tokenizer),
            "clean_up_spaces": bool(tokenizer.clean_up_tokenization_spaces),
        }
    elif getattr(tokenizer, "is_fast", False) and hasattr(tokenizer, "backend_tokenizer"):
        backend = tokenizer.backend_tokenizer
        # transformers leaves its word-piece clean-up out for BPE models unless forced.
        clean = bool(tokenizer.clean_up_tokenization_spaces) and (
            type(backend.model).__name__ != "BPE"
            or bool(
                getattr(tokenizer, "clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output", False)
            )
        )
        (folder / "tokenizer.json").write_text(backend.to_str(), encoding="utf-8")
        settings |= {"kind": "tokenizers", "clean_up_spaces": clean}
    else:
        raise UnsupportedTokenizerError(f"{type(tokenizer).__name__} has no runtime counterpart")
    (folder / SETTINGS).write_text(json.dumps(settings, ensure_ascii=False, indent=1), encoding="utf-8")


def is_saved(folder: Path) -> bool:
    """Whether ``folder`` holds a tokenizer this version saved."""
    try:
        settings = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(settings, dict) and settings.get("layout") == LAYOUT


def load_tokenizer(folder: Path) -> Tokenizer:
    """The tokenizer ``save_tokenizer`` wrote into ``folder``."""
    settings = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
    if settings.get("layout") != LAYOUT:
        raise UnsupportedTokenizerError(f"{folder} was written by another version")
    if settings["kind"] == "marian":
        return MarianSentencePieceTokenizer(folder, settings)
    if settings["kind"] == "tokenizers":
        return JsonTokenizer(folder, settings)
    raise UnsupportedTokenizerError(f"{folder}: unknown tokenizer kind {settings['kind']!r}")
