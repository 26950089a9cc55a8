"""Build small Marian and BART checkpoints with tokenizers trained on the spot.

The tests load these through the same code users run; the benchmark builds real-shape
ones with the same functions. Weights start random with a wide initialisation; with
``train_steps`` the model then learns, briefly, to copy spans of the corpus, which makes its
next-token distributions peaked and input-dependent (few near-ties between beams) while its
output stays far from a real translation or summary.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS_EXTRA = """\
The president said on Monday that 2,000 soldiers had been exchanged for 150 prisoners.
Officials in Kyiv, Seoul and Washington confirmed the figures late in the evening.
The ministry reported that the talks would continue next week in Geneva.
Witnesses described heavy shelling near the border and long queues at the crossing.
"""


@dataclass(frozen=True)
class Shape:
    """Transformer dimensions of a checkpoint."""

    d_model: int
    encoder_layers: int
    decoder_layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int


# Spans per training step of ``train_to_copy``, and their longest, in words: short spans keep
# a step cheap on two CPU cores; the models still copy, loosely, longer inputs.
_BATCH = 16
_SPAN_WORDS = 12
# Adam's; 3e-3 left the test summarizer looping on long sentences after 300 steps.
_LEARNING_RATE = 5e-3

TINY_MARIAN = Shape(d_model=32, encoder_layers=2, decoder_layers=2, heads=2, ffn=64, vocab_size=0, max_positions=512)
TINY_BART = Shape(d_model=32, encoder_layers=2, decoder_layers=2, heads=2, ffn=64, vocab_size=0, max_positions=1024)
OPUS_MT_BASE = Shape(
    d_model=512, encoder_layers=6, decoder_layers=6, heads=8, ffn=2048, vocab_size=62518, max_positions=512
)
DISTILBART_CNN_12_6 = Shape(
    d_model=1024, encoder_layers=12, decoder_layers=6, heads=16, ffn=4096, vocab_size=50264, max_positions=1024
)


def _train_spm(corpus: Iterable[str], vocab_size: int, seed_text: str = "") -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([*corpus, seed_text]),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        bos_id=-1,
        eos_id=1,
        unk_id=0,
        pad_id=-1,
        minloglevel=2,
    )
    return model.getvalue()


def _spans(corpus: list[str], count: int, rng: random.Random) -> list[str]:
    """``count`` random runs of words from the corpus lines, one to ``_SPAN_WORDS`` words long."""
    lines = [line.split() for line in corpus if line.split()]
    spans = []
    for _ in range(count):
        words = rng.choice(lines)
        size = rng.randint(1, min(len(words), _SPAN_WORDS))
        start = rng.randint(0, len(words) - size)
        spans.append(" ".join(words[start : start + size]))
    return spans


def train_to_copy(model: Any, tokenizer: Any, corpus: list[str], steps: int, seed: int) -> None:
    """Train ``model`` for ``steps`` batches to reproduce spans of ``corpus``, then leave it in eval mode.

    With random weights a model loops and seldom ends a sequence, so beam search mostly weighs
    hypotheses cut at the length limit and near-equal repeats. After a few hundred steps of
    copying, outputs end, follow the input, and their beams are rarely near-tied.
    """
    import torch

    rng = random.Random(seed)
    threads = torch.get_num_threads()
    # Small matrices: one thread is several times faster than two fighting over busy cores.
    torch.set_num_threads(1)
    try:
        _train(model, tokenizer, corpus, steps, rng)
    finally:
        torch.set_num_threads(threads)
    model.eval()


def _train(model: Any, tokenizer: Any, corpus: list[str], steps: int, rng: random.Random) -> None:
    import torch

    optimizer = torch.optim.Adam(model.parameters(), lr=_LEARNING_RATE)
    embeddings = model.get_input_embeddings().weight
    # Marian starts decoding from <pad>, whose embedding is zero: CTranslate2 starts such a
    # decoder from a zero vector. The tied output layer would train that row; keep it zero.
    zero_row = model.config.pad_token_id if model.config.decoder_start_token_id == model.config.pad_token_id else None
    model.train()
    for _ in range(steps):
        batch = _spans(corpus, _BATCH, rng)
        encoded = tokenizer(batch, text_target=batch, return_tensors="pt", padding=True)
        labels = encoded["labels"]
        labels[labels == tokenizer.pad_token_id] = -100  # padding is no target
        loss = model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"], labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if zero_row is not None:
            with torch.no_grad():
                embeddings[zero_row].zero_()


def _spm_pieces(model_bytes: bytes) -> list[str]:
    import sentencepiece as spm

    proc = spm.SentencePieceProcessor(model_proto=model_bytes)
    return [proc.id_to_piece(i) for i in range(proc.get_piece_size())]


def build_marian(
    directory: Path,
    corpus: list[str],
    *,
    shape: Shape = TINY_MARIAN,
    seed: int = 0,
    init_std: float = 0.5,
    spm_vocab: int = 300,
    language_tokens: tuple[str, ...] = (),
    vocab_corpus: list[str] | None = None,
    forced_eos: bool = True,
    train_steps: int = 0,
) -> Path:
    """Write a Marian checkpoint with a shared sentencepiece vocabulary to ``directory``.

    ``vocab_corpus`` builds vocab.json from a different sentencepiece model than the one the
    tokenizer splits with, reproducing a checkpoint whose vocabulary does not match its
    tokenizer: most pieces then map to ``<unk>``. ``train_steps`` trains it to copy (see
    ``train_to_copy``); 0 keeps the random weights.
    """
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    model_bytes = _train_spm(corpus, spm_vocab)
    for name in ("source.spm", "target.spm"):
        (directory / name).write_bytes(model_bytes)
    vocab_pieces = _spm_pieces(_train_spm(vocab_corpus, spm_vocab) if vocab_corpus else model_bytes)
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for piece in [*language_tokens, *vocab_pieces]:
        if piece not in vocab and piece not in ("<s>", "<pad>"):
            vocab[piece] = len(vocab)
    target_size = max(shape.vocab_size, len(vocab) + 1)
    filler = 0
    while len(vocab) < target_size - 1:
        vocab[f"<extra_{filler}>"] = len(vocab)
        filler += 1
    vocab["<pad>"] = len(vocab)
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")

    tokenizer = MarianTokenizer(
        source_spm=str(directory / "source.spm"),
        target_spm=str(directory / "target.spm"),
        vocab=str(directory / "vocab.json"),
        model_max_length=shape.max_positions,
    )
    tokenizer.save_pretrained(directory)

    torch.manual_seed(seed)
    pad = vocab["<pad>"]
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=shape.d_model,
        encoder_layers=shape.encoder_layers,
        decoder_layers=shape.decoder_layers,
        encoder_attention_heads=shape.heads,
        decoder_attention_heads=shape.heads,
        encoder_ffn_dim=shape.ffn,
        decoder_ffn_dim=shape.ffn,
        max_position_embeddings=shape.max_positions,
        init_std=init_std,
        pad_token_id=pad,
        eos_token_id=0,
        decoder_start_token_id=pad,
        forced_eos_token_id=0 if forced_eos else None,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        dropout=0.0,  # only ``train_to_copy`` trains, and briefly: no regularisation wanted
    )
    model = MarianMTModel(config)
    if train_steps:
        train_to_copy(model, tokenizer, corpus, train_steps, seed)
    model.generation_config.max_length = 64
    model.generation_config.num_beams = 2
    model.generation_config.bad_words_ids = [[pad]]
    # As OPUS-MT's own generation_config.json: scores renormalized after <pad> is banned.
    model.generation_config.renormalize_logits = True
    model.save_pretrained(directory)
    return directory


def build_bart(
    directory: Path,
    corpus: list[str],
    *,
    shape: Shape = TINY_BART,
    seed: int = 0,
    init_std: float = 0.5,
    bpe_vocab: int = 400,
    forced_tokens: bool = True,
    train_steps: int = 0,
) -> Path:
    """Write a BART checkpoint with a byte-level BPE tokenizer trained on ``corpus``.

    ``train_steps`` trains it to copy (see ``train_to_copy``); 0 keeps the random weights.
    """
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        corpus, vocab_size=bpe_vocab, min_frequency=1, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    )
    bpe.save_model(str(directory))
    if shape.vocab_size:
        # Fill the vocabulary to the model's size, so every id the model can produce decodes.
        vocab = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
        for filler in range(shape.vocab_size - len(vocab)):
            vocab[f"<extra_{filler}>"] = len(vocab)
        (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = BartTokenizer.from_pretrained(directory, model_max_length=shape.max_positions)
    tokenizer.save_pretrained(directory)

    vocab_size = max(shape.vocab_size, len(tokenizer))
    torch.manual_seed(seed)
    config = BartConfig(
        vocab_size=vocab_size,
        d_model=shape.d_model,
        encoder_layers=shape.encoder_layers,
        decoder_layers=shape.decoder_layers,
        encoder_attention_heads=shape.heads,
        decoder_attention_heads=shape.heads,
        encoder_ffn_dim=shape.ffn,
        decoder_ffn_dim=shape.ffn,
        max_position_embeddings=shape.max_positions,
        init_std=init_std,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        forced_eos_token_id=tokenizer.eos_token_id if forced_tokens else None,
        dropout=0.0,  # only ``train_to_copy`` trains, and briefly: no regularisation wanted
    )
    model = BartForConditionalGeneration(config)
    if train_steps:
        train_to_copy(model, tokenizer, corpus, train_steps, seed)
    if forced_tokens:
        model.generation_config.forced_bos_token_id = tokenizer.bos_token_id
    model.generation_config.max_length = 60
    model.generation_config.min_length = 10
    model.generation_config.num_beams = 2
    # As distilbart-cnn's config: beam search ends once as many summaries finished as there are beams.
    model.generation_config.early_stopping = True
    model.save_pretrained(directory)
    return directory
