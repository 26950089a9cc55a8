"""The runtime tokenizers give exactly the ids and texts of the transformers tokenizers they replace."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from summarize_cli.backends.tokenizer import (
    UnsupportedTokenizerError,
    is_saved,
    load_tokenizer,
    save_tokenizer,
)

from conftest import UKRAINIAN, TinyModels
from conftest import corpus as model_corpus
from model_factory import build_marian

SENTENCES = {
    "en": [
        "President Volodymyr Zelensky said Ukraine was ready to hand over two North Korean soldiers.",
        "The exchange could happen only if Kim Jong Un arranges a swap with Russia.",
        "Officials in Kyiv, Seoul and Washington confirmed the figures late in the evening.",
        "Witnesses described heavy shelling near the border and long queues at the crossing.",
        "It's not clear whether the talks, which began in Geneva, will go on.",
        "Prices rose by 3.5% in March - the fastest pace since 2022.",
        "SHE SAID: NO COMMENT.",
        "e-mail, co-operate, re-enter; don't, won't, they're, I'm, we've.",
        "A (short) note [with brackets] {and braces} & ampersands | pipes.",
        "Mr. O'Neill's dog isn't here.",
        "naïve café résumé – Zürich",
        "Tab\tseparated\tcolumns",
    ],
    "uk": [
        "Президент України Володимир Зеленський заявив, що готовий передати двох солдатів.",
        "Служба безпеки України повідомила, що солдатів захопили 9 січня.",
        "За даними розвідки, Північна Корея направила до Росії близько 10 тисяч військових.",
        "Переговори про обмін полоненими тривають, повідомили в міністерстві.",
        "Їжак з'їв ґудзик, а єнот — яблуко.",
        "Ціни зросли на 3,5% у березні.",
        "«Ми не коментуємо», — сказав речник.",
        "Київ, Львів, Харків і Одеса.",
        "Це сталося о 14:30 за київським часом.",
        "ВЕЛИКІ ЛІТЕРИ ТА малі літери.",
        "Обмін відбувся 5 лютого 2025 року.",
        "Він сказав: \u201eтак\u201c.",
    ],
    "ru": [
        "Президент заявил, что переговоры продолжатся на следующей неделе.",
        "По данным разведки, около 10 тысяч военных были направлены в Россию.",
        "Министерство сообщило об обмене пленными.",
        "«Без комментариев», — ответил представитель.",
        "Ёлка, подъезд, съёмка, объём.",
        "Цены выросли на 3,5% в марте.",
        "Встреча состоится в 10:00 по московскому времени.",
        "Москва, Санкт-Петербург и Новосибирск.",
        "Он не смог (или не захотел) ответить.",
        "ЗАГЛАВНЫЕ буквы и строчные.",
        "Это случилось 9 января 2025 года.",
        "Сумма составила 1 500 000 рублей.",
    ],
    "ko": [
        "젤렌스키 대통령은 북한 군인 두 명을 넘길 준비가 되어 있다고 말했다.",
        "정보기관에 따르면 북한은 약 1만 명의 병력을 러시아에 보냈다.",
        "협상은 다음 주 제네바에서 계속될 예정이다.",
        "\u201c논평하지 않겠다\u201d고 대변인이 말했다.",
        "서울, 부산, 인천 그리고 대구.",
        "물가가 3월에 3.5% 올랐다.",
        "회담은 오후 2시 30분에 시작됐다.",
        "이것은 한국어 문장입니다.",
        "가나다라마바사 아자차카타파하.",
        "2025년 1월 9일에 일어난 일이다.",
        "한글과 English가 섞인 문장.",
        "포로 교환이 이루어졌다고 밝혔다.",
    ],
}

DECORATIONS: list[Callable[[str], str]] = [
    lambda s: s,
    lambda s: f"{s} See https://example.org/news/story.html?id=42&lang=en#top for more.",
    lambda s: f'"{s}" \u2014 2,000 soldiers, 150 prisoners, 3.14159, -7, +380 44 123 45 67',
    lambda s: f"\U0001f1fa\U0001f1e6 {s} \U0001f600\U0001f44d\U0001f3fd \u2764\ufe0f",
    lambda s: f"  {s.replace(' ', '   ', 2)}\u00a0\u200b\t\n {s[:12]}  ",
]

# Texts that reach the edges: special tokens written in the text, empty and blank input.
EDGES = [
    "",
    " ",
    "\n\n",
    "<unk>",
    "before </s> after",
    "<pad><pad> glued</s>",
    "<s> starts and ends </s>",
    "<mask> masked",
    ">>ukr<< in the middle >>rus<<",
    ">>rus<<",
    ">>xx yy<< odd code",
    "\u0000\u0001 control characters \u007f",
    "\u2028line\u2029separators",
    "\ufeffbyte order mark",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "combining e\u0301 and \u0065\u0308",
    "a" * 300,
]


def corpus() -> list[str]:
    texts = [decorate(s) for sentences in SENTENCES.values() for s in sentences for decorate in DECORATIONS]
    return [*texts, *EDGES]


def test_the_corpus_is_big_and_varied() -> None:
    texts = corpus()
    assert len(set(texts)) >= 200
    assert all(any(text in t for t in texts) for text in ("https://", "\U0001f600", "\u00a0", "«", "2,000"))


def _hf(path: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


@pytest.fixture(scope="module")
def saved(tiny_models: TinyModels, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, Path]]:
    """Each tiny model's transformers tokenizer, and the folder its runtime tokenizer was saved to."""
    root = tmp_path_factory.mktemp("runtime-tokenizers")
    # A vocabulary from other pieces than the source model splits into, as in an OPUS-MT
    # model whose target side has its own sentencepiece model: decoding meets pieces that
    # the source model does not know.
    mismatched = build_marian(
        root / "mismatched-model", model_corpus(), seed=7, vocab_corpus=[*UKRAINIAN.splitlines(), *SENTENCES["ru"]]
    )
    models = {
        "bart": tiny_models.summarizer,
        **tiny_models.translators,
        "pivot-uk": tiny_models.pivots["uk"],
        "mismatched": mismatched,
    }
    out = {}
    for name, path in models.items():
        hf = _hf(path)
        save_tokenizer(hf, root / name)
        out[name] = (hf, root / name)
    return out


def test_saved_tokenizers_are_recognised(saved: dict[str, tuple[Any, Path]], tmp_path: Path) -> None:
    assert all(is_saved(folder) for _, folder in saved.values())
    assert not is_saved(tmp_path)


@pytest.mark.parametrize("name", ["bart", "uk", "ko", "ru", "pivot-uk", "mismatched"])
@pytest.mark.parametrize("special_tokens", [True, False])
def test_ids_equal_transformers(saved: dict[str, tuple[Any, Path]], name: str, special_tokens: bool) -> None:
    hf, folder = saved[name]
    ours = load_tokenizer(folder)
    texts = corpus()
    if name == "ru":
        texts = [*texts, *[f">>rus<< {t}" for t in texts]]
    expected = hf(texts, add_special_tokens=special_tokens)["input_ids"]
    assert ours.encode(texts, special_tokens) == expected
    assert ours.unknown_id == hf.unk_token_id and ours.pad_id == hf.pad_token_id


def test_the_target_language_token_is_one_known_token(saved: dict[str, tuple[Any, Path]]) -> None:
    hf, folder = saved["ru"]
    ids = load_tokenizer(folder).encode([">>rus<< The talks go on."])[0]
    assert ids[0] == hf.convert_tokens_to_ids(">>rus<<") != hf.unk_token_id
    assert ids[-1] == hf.eos_token_id


def test_the_corpus_exercises_unknown_pieces(saved: dict[str, tuple[Any, Path]]) -> None:
    for name in ("uk", "ko", "ru"):
        _, folder = saved[name]
        ours = load_tokenizer(folder)
        ids = [i for row in ours.encode(corpus(), special_tokens=False) for i in row]
        assert ours.unknown_id in ids  # the tiny vocabularies miss Hangul and Cyrillic pieces
        assert len(set(ids)) > 50


def _random_ids(vocab_size: int, count: int, seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    return [[rng.randrange(vocab_size) for _ in range(rng.randint(0, 30))] for _ in range(count)]


@pytest.mark.parametrize("name", ["bart", "uk", "ko", "ru", "pivot-uk", "mismatched"])
def test_decode_and_token_strings_equal_transformers(saved: dict[str, tuple[Any, Path]], name: str) -> None:
    hf, folder = saved[name]
    ours = load_tokenizer(folder)
    sequences = [*_random_ids(len(hf), 250, seed=len(name)), *hf(corpus())["input_ids"]]
    for ids in sequences:
        assert ours.decode(ids) == hf.decode(ids, skip_special_tokens=True), ids
        tokens = ours.to_tokens(ids)
        assert tokens == hf.convert_ids_to_tokens(ids)
        assert ours.to_ids(tokens) == hf.convert_tokens_to_ids(tokens)
    assert ours.to_ids(["no-such-token"]) == [hf.unk_token_id]


def test_a_tokenizer_with_no_runtime_counterpart_is_refused(tmp_path: Path) -> None:
    class Other:
        split_special_tokens = False
        unk_token_id = pad_token_id = eos_token_id = 0
        unk_token = "<unk>"
        all_special_ids = (0,)
        all_special_tokens = ("<unk>",)

    with pytest.raises(UnsupportedTokenizerError):
        save_tokenizer(Other(), tmp_path / "other")
    assert not is_saved(tmp_path / "other")
