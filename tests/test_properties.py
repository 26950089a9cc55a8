"""Properties of the pure text stages, over generated text: splitting, numbers, decoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarize_cli.checks import find_numbers
from summarize_cli.sentences import split_sentences
from summarize_cli.sources import decode

# --- sentence splitting ----------------------------------------------------------------------

# Pieces of news text in the four languages, with what makes splitting hard: abbreviations,
# initials, decimals, quotes, brackets, ellipses and runs of whitespace.
NEWS_PIECES = [
    "Zelensky", "said", "talks", "resume", "on", "Monday", "the", "U.S.", "Gen.", "Dr.", "J.", "K.",
    "3.5", "10,000", "e.g.", "Переговоры", "продолжаются", "ул.", "г.", "т.е.", "Він", "сказав", "вул.",
    "ім.", "교환이", "가능하다", "대통령은", "“Enough!”", "«Да»", "(SBU)", "[1]", "...", "…", "?!",
    ".", ".", ".", "!", "?", ",", "\"", "'", "»", ")", " ", " ", "  ", "\t", "\u00a0",
]  # fmt: skip
news_paragraphs = st.lists(st.sampled_from(NEWS_PIECES), max_size=40).map(" ".join)
any_paragraphs = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)


@pytest.mark.parametrize("paragraphs", [news_paragraphs, any_paragraphs], ids=["news", "any"])
def test_sentence_splitting_keeps_every_character_but_the_space_between_sentences(
    paragraphs: st.SearchStrategy[str],
) -> None:
    @given(paragraphs)
    def keeps_everything(paragraph: str) -> None:
        position = 0
        for sentence in split_sentences(paragraph):
            assert sentence and sentence == sentence.strip()
            found = paragraph.index(sentence, position)
            assert paragraph[position:found].strip() == ""  # only whitespace between sentences
            position = found + len(sentence)
        assert paragraph[position:].strip() == ""

    keeps_everything()


# --- numbers ---------------------------------------------------------------------------------

# Thousands separators of English, Ukrainian and Russian, and Korean wire copy; "" is none.
SEPARATORS = [",", " ", "\u00a0", "\u202f", ""]
TEMPLATES = [
    "North Korea sent {} troops to Russia.",
    "Північна Корея направила {} військових.",
    "Северная Корея отправила {} военных.",
    "북한은 {}명의 병력을 보냈다.",
]


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(SEPARATORS), st.sampled_from(TEMPLATES))
def test_a_formatted_number_is_found_with_its_value(value: int, separator: str, template: str) -> None:
    written = f"{value:,}".replace(",", separator)
    [mention] = find_numbers(template.format(written))
    assert mention.number == written
    assert value in mention.values


# --- decoding --------------------------------------------------------------------------------

# Real news sentences of each language; articles in legacy encodings are built from them.
NEWS_SENTENCES = {
    "uk": [
        "Переговори про обмін полоненими тривають у Женеві.",
        "Президент заявив, що уряд ухвалить бюджет наступного тижня.",
        "У Києві вночі пролунали вибухи, повідомила міська влада.",
        "Ціни на пальне зросли на п'ять відсотків за місяць.",
        "Школи в області перейшли на дистанційне навчання.",
        "Рятувальники витягли з-під завалів трьох людей.",
        "Європейські партнери пообіцяли нову допомогу.",
        "Їхні родини досі чекають на звістку.",
    ],
    "ru": [
        "Переговоры об обмене пленными продолжаются в Женеве.",
        "Президент заявил, что правительство примет бюджет на следующей неделе.",
        "В Москве ночью прошел сильный ливень, сообщили синоптики.",
        "Цены на топливо выросли на пять процентов за месяц.",
        "Школы в области перешли на дистанционное обучение.",
        "Спасатели извлекли из-под завалов трех человек.",
        "Её семья всё ещё ждёт известий.",
        "Съезд партии объявил об этом в понедельник.",
    ],
    "ko": [
        "우크라이나와 러시아는 월요일 전쟁 포로 150명을 교환했다.",
        "젤렌스키 대통령은 북한 군인 두 명을 넘겨줄 준비가 되어 있다고 밝혔다.",
        "정부는 다음 주에 새로운 예산안을 승인할 예정이다.",
        "서울에서는 밤새 많은 비가 내렸다고 기상청이 전했다.",
        "연료 가격이 한 달 동안 5퍼센트 올랐다.",
        "학교들은 원격 수업으로 전환했다.",
        "구조대원들이 잔해 속에서 세 명을 구조했다.",
        "회담은 제네바에서 계속될 것이라고 외교부가 밝혔다.",
    ],
    "fr": [
        "Les négociations sur l'échange de prisonniers se poursuivent à Genève.",
        "Le président a déclaré que le gouvernement adoptera le budget la semaine prochaine.",
        "Les prix du carburant ont augmenté de cinq pour cent en un mois.",
        "Les écoles de la région sont passées à l'enseignement à distance.",
        "Les secouristes ont sorti trois personnes des décombres.",
    ],
    "de": [
        "Die Gespräche über einen Gefangenenaustausch in Genf gehen weiter.",
        "Der Präsident sagte, die Regierung werde den Haushalt nächste Woche beschließen.",
        "Die Preise für Kraftstoff sind in einem Monat um fünf Prozent gestiegen.",
        "Die Schulen der Region sind zum Fernunterricht übergegangen.",
        "Rettungskräfte haben drei Menschen aus den Trümmern gezogen.",
    ],
    "es": [
        "Las negociaciones sobre el intercambio de prisioneros continúan en Ginebra.",
        "El presidente dijo que el gobierno aprobará el presupuesto la próxima semana.",
        "Los precios del combustible subieron un cinco por ciento en un mes.",
        "Las escuelas de la región pasaron a la enseñanza a distancia.",
        "Los rescatistas sacaron a tres personas de los escombros.",
    ],
}


def articles_in(*languages: str) -> st.SearchStrategy[str]:
    """Two or more different real sentences of one language, in any order, as an article."""
    return st.one_of(
        [st.lists(st.sampled_from(NEWS_SENTENCES[lang]), min_size=2, max_size=8, unique=True) for lang in languages]
    ).map(" ".join)


printable = st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=300).filter(
    lambda text: not text.startswith("\ufeff")
)


@given(printable)
def test_utf8_text_decodes_back(text: str) -> None:
    assert decode(text.encode("utf-8"), "x") == text


@given(printable)
def test_utf16_text_with_a_byte_order_mark_decodes_back(text: str) -> None:
    assert decode(text.encode("utf-16"), "x") == text


@pytest.mark.parametrize(
    ("encoding", "languages"),
    [("cp1251", ("uk", "ru")), ("koi8_r", ("ru",)), ("cp949", ("ko",)), ("latin_1", ("fr", "de", "es"))],
)
def test_legacy_encoded_articles_decode_back(encoding: str, languages: tuple[str, ...]) -> None:
    @given(articles_in(*languages))
    def decodes_back(text: str) -> None:
        assert decode(text.encode(encoding), "x") == text

    decodes_back()


@pytest.mark.parametrize("encoding", ["koi8_r", "cp1251"])
def test_a_lone_short_sentence_in_either_cyrillic_encoding_decodes_back(encoding: str) -> None:
    # Alone, cp1251 and koi8-r read it about equally well; the other reading is mostly capitals.
    for sentence in (
        "Её семья всё ещё ждёт известий.",
        "Ждём вестей из Харькова уже неделю.",
        "ЦИК: явка 60%, итоги завтра.",
    ):
        assert decode(sentence.encode(encoding), "x") == sentence
