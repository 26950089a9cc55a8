"""What a reader can check: the glossary, evidence for each summary sentence, round-trip scores.

Library tests use hand-written real sentences; end-to-end tests drive the tiny models, whose
output is gibberish, and assert on structure only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarize_cli import checks
from summarize_cli.cleaning import clean_text
from summarize_cli.config import load_config, parse_config
from summarize_cli.errors import ConfigError
from summarize_cli.evidence import (
    LOW_ROUNDTRIP,
    WEAK_EVIDENCE,
    chrf,
    find_evidence,
    low_roundtrip,
    score_roundtrip,
    weak_evidence,
)
from summarize_cli.glossary import load_glossary
from summarize_cli.pipeline import Pipeline, RunOptions
from summarize_cli.registry import ModelRegistry
from summarize_cli.sentences import sentences_of
from summarize_cli.status import ExitStatus
from summarize_cli.types import Article

from conftest import ROOT, SEED, TinyModels, invoke
from fakes import FakeModel, fake_loader

SOURCE, _ = clean_text(SEED.read_text(encoding="utf-8"))
SEED_ARG = str(SEED.relative_to(ROOT))

GLOSSARY = """\
en\tuk\tru\tko
Kyiv\tКиїв\tКиев\t키이우
Volodymyr Zelensky\tВолодимир Зеленський\tВладимир Зеленский\t볼로디미르 젤렌스키
Kremlin\tКремль\tКремль\t크렘린
"""


@pytest.fixture(autouse=True)
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture
def glossary_file(tmp_path: Path) -> Path:
    path = tmp_path / "terms.tsv"
    path.write_text(GLOSSARY, encoding="utf-8")
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- glossary: loading ------------------------------------------------------------------------------


def test_a_tsv_glossary_loads_its_terms_in_order(glossary_file: Path) -> None:
    glossary = load_glossary(glossary_file)
    assert glossary.languages == ("en", "uk", "ru", "ko")
    assert [t.term for t in glossary.terms] == ["Kyiv", "Volodymyr Zelensky", "Kremlin"]
    assert glossary.terms_for("ko")[0] == ("Kyiv", "키이우")
    assert glossary.terms[1].line == 3


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("terms.csv", "en,uk\nKyiv,Київ\n"),
        ("terms.txt", "en\tuk\nKyiv\tКиїв\n"),
        ("terms.txt", "\ufeffen,uk\n\nKyiv,Київ\n"),
    ],
)
def test_csv_and_tsv_are_told_apart_by_extension_or_delimiter(tmp_path: Path, name: str, text: str) -> None:
    glossary = load_glossary(write(tmp_path / name, text))
    assert glossary.terms_for("uk") == [("Kyiv", "Київ")]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("Kyiv\tКиїв\n", "line 1", "header of language codes"),
        ("en\txx\nKyiv\tКиїв\n", "line 1", "unknown language code 'xx'"),
        ("uk\ten\nКиїв\tKyiv\n", "line 1", "source language 'en'"),
        ("en\tuk\tru\nKyiv\t\tКиев\n", "line 2", "'uk' cell is empty"),
        ("en\tuk\nKyiv\tКиїв\nkyiv\tКиїв\n", "line 3", "already listed on line 2"),
        ("en\tuk\nKyiv\tКиїв\tКиев\n", "line 2", "has 3 cells"),
        ("en\tuk\tuk\nKyiv\tКиїв\tКиїв\n", "line 1", "appears twice"),
        ("\n\n", "", "is empty"),
    ],
)
def test_a_bad_glossary_names_the_file_and_the_line(tmp_path: Path, text: str, line: str, problem: str) -> None:
    path = write(tmp_path / "terms.tsv", text)
    with pytest.raises(ConfigError) as caught:
        load_glossary(path)
    assert str(path) in str(caught.value) and problem in str(caught.value)
    assert caught.value.key == line


def test_a_missing_glossary_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such glossary file"):
        load_glossary(tmp_path / "nope.tsv")


def test_the_config_names_a_glossary_relative_to_itself(tmp_path: Path, glossary_file: Path) -> None:
    config = write(
        tmp_path / "models.toml",
        '[summarizer]\nmodel = "sum"\n[translation]\nglossary = "terms.tsv"\ntargets = []\n',
    )
    assert load_config(config).glossary == str(glossary_file.resolve())
    bad = '[summarizer]\nmodel = "sum"\n[translation]\nglossary = 3\n'
    with pytest.raises(ConfigError, match=r"translation\.glossary: must be a string"):
        parse_config(bad, "models.toml", tmp_path)


# --- glossary: the check ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "translation", "language"),
    [
        ("The soldiers are now in Kyiv.", "Солдати зараз у Києві.", "uk"),
        ("Kyiv's mayor spoke.", "Виступив мер Києва.", "uk"),
        ("Kyiv agreed.", "Київ погодився.", "uk"),
        ("Volodymyr Zelensky spoke.", "Слова Володимира Зеленського.", "uk"),
        ("The soldiers are now in Kyiv.", "Солдаты сейчас в Киеве.", "ru"),
        ("The Kremlin said nothing.", "В Кремле промолчали.", "ru"),
        ("Volodymyr Zelensky spoke.", "Владимиру Зеленскому ответили.", "ru"),
        ("The soldiers are now in Kyiv.", "병사들은 지금 키이우에 있다.", "ko"),
        ("The soldiers are now in Kyiv.", "병사들은 지금 키이우에서 치료를 받고 있다.", "ko"),
        ("Kyiv agreed.", "키이우는 동의했다.", "ko"),
        ("Volodymyr Zelensky spoke.", "볼로디미르 젤렌스키의 말.", "ko"),
    ],
)
def test_an_inflected_rendering_of_a_term_passes(
    glossary_file: Path, source: str, translation: str, language: str
) -> None:
    glossary = load_glossary(glossary_file)
    assert checks.glossary_mismatches([(source, translation)], language, glossary) == []


@pytest.mark.parametrize(
    ("translation", "language", "expected"),
    [
        ("Солдати зараз у Киеве.", "uk", "Київ"),
        ("Солдати зараз у Київщині.", "uk", "Київ"),
        ("Солдаты сейчас в Кийове.", "ru", "Киев"),
        ("병사들은 지금 키예프에 있다.", "ko", "키이우"),
        ("병사들은 지금 키이우스타에 있다.", "ko", "키이우"),
    ],
)
def test_a_term_rendered_otherwise_is_flagged(
    glossary_file: Path, translation: str, language: str, expected: str
) -> None:
    glossary = load_glossary(glossary_file)
    warnings = checks.glossary_mismatches([("The soldiers are now in Kyiv.", translation)], language, glossary)
    assert [(w.code, w.language, w.span) for w in warnings] == [("glossary_mismatch", language, "Kyiv")]
    assert f"'{expected}'" in warnings[0].message


def test_a_capitalised_term_matches_as_written_and_a_lower_case_one_at_a_sentence_start(tmp_path: Path) -> None:
    glossary = load_glossary(write(tmp_path / "terms.csv", "en,uk\nUS,США\nprisoner of war,військовополонений\n"))
    assert checks.glossary_mismatches([("They told us nothing.", "Нам нічого не сказали.")], "uk", glossary) == []
    warnings = checks.glossary_mismatches([("The US said nothing.", "Штати промовчали.")], "uk", glossary)
    assert [w.span for w in warnings] == ["US"]
    warnings = checks.glossary_mismatches([("Prisoner of war camps.", "Табори для полонених.")], "uk", glossary)
    assert [w.span for w in warnings] == ["prisoner of war"]


def test_a_term_is_demanded_only_of_the_translation_of_its_own_sentence(glossary_file: Path) -> None:
    glossary = load_glossary(glossary_file)
    source, translation = "Talks continue. They are in Kyiv.", "Переговори тривають у Києві. Вони там."
    pairs = list(zip(sentences_of(source), sentences_of(translation), strict=True))
    warnings = checks.check_translation(source, translation, "uk", pairs, glossary)
    assert [w.code for w in warnings] == ["glossary_mismatch"]
    assert checks.check_translation(source, "Переговори тривають. Вони у Києві.", "uk", None, glossary) == []


# --- evidence ---------------------------------------------------------------------------------------

SUMMARY = (
    "Ukrainian President Volodymyr Zelensky offers to return captured North Korean soldiers in a potential "
    "trade for Ukrainian prisoners of war held by Russia. "
    "The two were captured on January 9 and are now in Kyiv receiving medical assistance. "
    "Putin rejected the offer."
)


def test_each_summary_sentence_gets_its_best_source_sentence() -> None:
    evidence = find_evidence(SOURCE, SUMMARY)
    assert [e.summary for e in evidence] == sentences_of(SUMMARY)
    verbatim, paraphrase, invented = evidence
    assert verbatim.source == verbatim.summary and verbatim.score == 1.0
    assert paraphrase.source.startswith("The Ukrainian security services reported that the two North Koreans")
    assert paraphrase.source in sentences_of(SOURCE)
    assert WEAK_EVIDENCE <= paraphrase.score < 1.0
    assert 0.0 <= invented.score < WEAK_EVIDENCE


def test_rare_words_weigh_more_than_common_ones() -> None:
    source = (
        "It was said that it was not over and that it was far from over. Kyiv hosted the prisoner exchange. "
        "It was late and it was cold. That was what was said. It was said that it was so."
    )
    [evidence] = find_evidence(source, "It was said that Kyiv hosted an exchange.")
    assert evidence.source == "Kyiv hosted the prisoner exchange."


def test_weak_support_is_flagged_and_good_support_is_not() -> None:
    warnings = weak_evidence(find_evidence(SOURCE, SUMMARY))
    assert [(w.code, w.span) for w in warnings] == [("weak_evidence", "Putin rejected the offer.")]
    assert checks.check_summary(SOURCE, "Zelensky offered to exchange two captured North Korean soldiers.") == []
    assert "weak_evidence" in [w.code for w in checks.check_summary(SOURCE, "Beijing condemned the talks.")]


def test_an_extractive_summary_is_its_own_evidence() -> None:
    from summarize_cli.summarize import extractive_summary

    summary = extractive_summary(SOURCE, 3)
    evidence = find_evidence(SOURCE, summary)
    assert len(evidence) == 3
    assert all(e.source == e.summary and e.score == 1.0 for e in evidence)


# --- round trip -------------------------------------------------------------------------------------


def test_round_trip_scores_are_chrf_and_name_the_worst_sentence() -> None:
    trip = score_roundtrip(
        "uk",
        [
            ("Talks continue.", "Переговори тривають.", "Talks continue."),
            ("They are in Kyiv.", "Вони в Києві.", "Cabbage soup is served."),
        ],
    )
    assert trip is not None
    assert trip.sentences[0].score == 100.0
    assert trip.score == pytest.approx((100.0 + trip.sentences[1].score) / 2)
    assert trip.worst.source == "They are in Kyiv."
    assert score_roundtrip("uk", []) is None


def test_a_low_round_trip_is_flagged_and_a_good_one_is_not() -> None:
    good = score_roundtrip("ru", [("They are in Kyiv.", "Они в Киеве.", "They're in Kyiv.")])
    bad = score_roundtrip("ru", [("They are in Kyiv.", "Они в Киеве.", "Cabbage soup is served.")])
    assert good is not None and bad is not None
    assert good.score >= LOW_ROUNDTRIP > bad.score
    assert low_roundtrip(good) == []
    warnings = low_roundtrip(bad)
    assert [(w.code, w.language, w.span) for w in warnings] == [("low_roundtrip", "ru", "Они в Киеве.")]
    assert "'They are in Kyiv.' came back as 'Cabbage soup is served.'" in warnings[0].message


def test_chrf_is_sacrebleus_sentence_score() -> None:
    from sacrebleu.metrics.chrf import CHRF

    hypothesis, reference = "The soldiers were captured.", "Two soldiers were captured on January 9."
    assert chrf(hypothesis, reference) == CHRF().sentence_score(hypothesis, [reference]).score


# --- the pipeline, with stand-in models --------------------------------------------------------------

PIPELINE_CONFIG = """
[summarizer]
model = "sum"
[translation]
targets = ["uk", "ru"]
[translation.models.uk]
model = "en-uk"
[translation.models.ru]
model = "en-ru"
[translation.pivot.uk]
model = "uk-en"
"""


def pipeline(options: RunOptions, **models: FakeModel) -> tuple[Pipeline, dict[str, FakeModel]]:
    fakes = {"en": FakeModel(max_input_tokens=400), "uk": FakeModel(), "ru": FakeModel(), **models}
    registry = ModelRegistry(loader=fake_loader(fakes))
    registry._device = "cpu"
    return Pipeline(parse_config(PIPELINE_CONFIG, "models.toml", None), options, registry), fakes


def test_verify_without_a_pivot_for_a_target_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        pipeline(RunOptions(targets=("uk", "ru"), verify=True, source_language="en"))
    assert caught.value.key == "translation.pivot.ru"
    pipeline(RunOptions(targets=("uk", "ru"), source_language="en"))  # without --verify, no pivot needed


def test_verify_translates_every_sentence_back_in_one_batch_and_scores_each_article() -> None:
    # The stand-in "translates" by upper-casing; the pivot stand-in (also "uk") serves both ways,
    # so a sentence comes back upper-cased: chrF is case-sensitive and scores it low.
    run, fakes = pipeline(RunOptions(targets=("uk",), verify=True, summary="none", source_language="en"))
    results = run.run(
        [Article("a", "Talks continue. They are in Kyiv."), Article("b", "Prices rose by 15%.")],
    )
    assert [r.roundtrip is not None and set(r.roundtrip) for r in results] == [{"uk"}, {"uk"}]
    assert all(0.0 <= score <= 100.0 for r in results for score in (r.roundtrip or {}).values())
    # Forward, then back: two calls, each with the sentences of both articles.
    assert [sorted(call) for call in fakes["uk"].calls][-1] == sorted(
        ["TALKS CONTINUE.", "THEY ARE IN KYIV.", "PRICES ROSE BY 15%."]
    )
    assert "low_roundtrip" in [w.code for r in results for w in r.warnings]
    assert results[0].as_dict()["roundtrip"] == {"uk": round(results[0].roundtrip["uk"], 1)}  # type: ignore[index]


def test_a_faithful_round_trip_scores_100_and_raises_nothing() -> None:
    identity = FakeModel(transform=lambda text: text)
    run, _ = pipeline(RunOptions(targets=("uk",), verify=True, summary="none", source_language="en"), uk=identity)
    (result,) = run.run([Article("a", "Talks continue. They are in Kyiv.")])
    assert result.roundtrip == {"uk": 100.0}
    assert "low_roundtrip" not in [w.code for w in result.warnings]


def test_without_verify_there_is_no_roundtrip_and_no_back_translation() -> None:
    run, fakes = pipeline(RunOptions(targets=("uk",), summary="none", source_language="en"))
    (result,) = run.run([Article("a", "Talks continue.")])
    assert result.roundtrip is None and result.as_dict()["roundtrip"] is None
    assert len(fakes["uk"].calls) == 1


def test_a_summary_of_a_pivoted_article_is_checked_against_the_english_pivot_text() -> None:
    english = "Zelensky offered to exchange two captured soldiers. They are in Kyiv."
    pivot = FakeModel(transform=lambda text: english if text.startswith("Зеленський") else text)
    summarizer = FakeModel(max_input_tokens=400, transform=lambda text: "Zelensky offered an exchange. Putin refused.")
    run, _ = pipeline(RunOptions(targets=(), translate=False, source_language="uk"), uk=pivot, en=summarizer)
    (result,) = run.run([Article("a", "Зеленський запропонував обміняти двох полонених солдатів.")])
    assert result.error is None and result.language == "uk"
    names = [w.span for w in result.warnings if w.code == "unsupported_name"]
    assert names == ["Putin"]  # "Zelensky" is in the pivot text, though not in the Ukrainian
    assert [e.summary for e in result.evidence] == ["Zelensky offered an exchange.", "Putin refused."]
    assert result.evidence[0].source == "Zelensky offered to exchange two captured soldiers."


def test_the_glossary_reaches_translation_checks_and_the_fingerprint(glossary_file: Path, tmp_path: Path) -> None:
    to_ukrainian = FakeModel(transform=lambda text: "Солдати в Киеве." if "Kyiv" in text else "Переговори тривають.")
    options = RunOptions(targets=("uk",), summary="none", source_language="en", glossary=str(glossary_file))
    run, _ = pipeline(options, uk=to_ukrainian)
    (result,) = run.run([Article("a", "The soldiers are in Kyiv.")])
    assert [w.code for w in result.warnings if w.code == "glossary_mismatch"] == ["glossary_mismatch"]
    before = run.fingerprint()
    glossary_file.write_text(GLOSSARY + "Pyongyang\tПхеньян\tПхеньян\t평양\n", encoding="utf-8")
    assert pipeline(options, uk=to_ukrainian)[0].fingerprint() != before


# --- end to end, with the tiny models -------------------------------------------------------------


def args(tiny: TinyModels, *rest: str) -> list[str]:
    return ["-c", str(tiny.config), *rest]


def test_json_has_evidence_per_summary_sentence_and_roundtrip_per_target(
    cli: CliRunner, tiny_models: TinyModels
) -> None:
    result = invoke(cli, args(tiny_models, "-f", "json", "-t", "uk", "--verify", SEED_ARG))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [e["summary"] for e in data["evidence"]] == sentences_of(data["summary"])
    source_sentences = set(sentences_of(SOURCE))
    assert all(e["source"] in source_sentences and 0.0 <= e["score"] <= 1.0 for e in data["evidence"])
    assert set(data["roundtrip"]) == {"uk"}
    assert 0.0 <= data["roundtrip"]["uk"] <= 100.0
    # The warnings agree with the figures, whatever the tiny models wrote.
    weak = [w["span"] for w in data["warnings"] if w["code"] == "weak_evidence"]
    assert weak == [e["summary"] for e in data["evidence"] if e["score"] < WEAK_EVIDENCE]
    low = [w for w in data["warnings"] if w["code"] == "low_roundtrip"]
    assert [w["language"] for w in low] == (["uk"] if data["roundtrip"]["uk"] < LOW_ROUNDTRIP else [])


def test_verify_with_a_target_that_has_no_pivot_is_exit_4(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, args(tiny_models, "-f", "json", "-t", "uk,ko", "--verify", SEED_ARG))
    assert result.exit_code == ExitStatus.CONFIG
    assert "translation.pivot.ko" in result.stderr and result.stdout == ""


def test_an_extractive_summary_has_full_support(cli: CliRunner, tiny_models: TinyModels) -> None:
    result = invoke(cli, args(tiny_models, "-f", "json", "--no-translate", "--summary", "extractive", SEED_ARG))
    data = json.loads(result.stdout)
    assert len(data["evidence"]) == 3
    assert all(e["source"] == e["summary"] and e["score"] == 1.0 for e in data["evidence"])
    assert data["roundtrip"] is None
    assert "weak_evidence" not in {w["code"] for w in data["warnings"]}


def test_evidence_is_shown_in_rich_and_markdown_only_when_asked(
    cli: CliRunner, tiny_models: TinyModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "2000")  # one line per sentence in rich
    base = args(tiny_models, "--no-translate", "--summary", "extractive", "--sentences", "1")
    summary = json.loads(invoke(cli, [*base, "-f", "json", SEED_ARG]).stdout)["summary"]
    rich = invoke(cli, [*base, "-f", "rich", "--evidence", SEED_ARG]).stdout
    assert f"↳ {summary}" in rich
    assert "↳" not in invoke(cli, [*base, "-f", "rich", SEED_ARG]).stdout
    markdown = invoke(cli, [*base, "-f", "markdown", "--evidence", SEED_ARG]).stdout
    assert f"\n> {summary} *(support 1.00)*\n" in markdown
    assert "\n> " not in invoke(cli, [*base, "-f", "markdown", SEED_ARG]).stdout


def test_round_trip_scores_are_shown_in_rich_and_markdown(
    cli: CliRunner, tiny_models: TinyModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "2000")  # the panel's subtitle is not cut short
    base = args(tiny_models, "-t", "uk", "--verify", "--summary", "extractive", "--sentences", "1")
    model = re.escape(str(tiny_models.translators["uk"]))
    for fmt in ("rich", "markdown"):
        result = invoke(cli, [*base, "-f", fmt, SEED_ARG])
        assert result.exit_code == 0, result.output
        # Beside the model's name, not only in the low_roundtrip warning.
        assert re.search(rf"{model}`? · round-trip chrF \d+\.\d", result.stdout), result.stdout


def test_a_bad_glossary_is_exit_4_naming_the_file_and_line(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    bad = write(tmp_path / "terms.tsv", "en\tuk\nKyiv\tКиїв\nKyiv\tКиїв\n")
    result = invoke(cli, args(tiny_models, "-t", "uk", "--glossary", str(bad), SEED_ARG))
    assert result.exit_code == ExitStatus.CONFIG
    assert f"{bad}: line 3:" in result.stderr
    result = invoke(cli, ["check", SEED_ARG, SEED_ARG, "--language", "uk", "--glossary", str(bad)])
    assert result.exit_code == ExitStatus.CONFIG and f"{bad}: line 3:" in result.stderr


# --- check ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("summary", "flagged"),
    [
        ("Putin rejected the offer.", {"unsupported_name", "weak_evidence"}),
        ("Trump said he would help.", {"unsupported_name", "weak_evidence"}),
        ("The soldiers were captured on February 9.", {"unsupported_number"}),
        ("Officials say two North Korean soldiers were captured on January 9.", set()),
        ("Meanwhile, Ukrainian intelligence says Russia used false documents from Tuva.", set()),
    ],
)
def test_check_a_summary(cli: CliRunner, tmp_path: Path, summary: str, flagged: set[str]) -> None:
    path = write(tmp_path / "summary.txt", summary)
    result = invoke(cli, ["check", SEED_ARG, str(path), "--language", "en", "-f", "json"])
    assert {w["code"] for w in json.loads(result.stdout)} == flagged
    assert result.exit_code == (ExitStatus.QUALITY if flagged else ExitStatus.OK)


@pytest.mark.parametrize(
    ("language", "good", "bad"),
    [
        ("uk", "Солдати перебувають у Києві з 9 січня.", "Солдати перебувають у Києві з 9 лютого."),
        ("ru", "Солдаты находятся в Киеве с 9 января.", "Солдаты находятся в Киеве с 9 февраля."),
        ("ko", "병사들은 1월 9일부터 키이우에 있다.", "병사들은 2월 9일부터 키이우에 있다."),
    ],
)
def test_check_a_translation_for_a_changed_date(
    cli: CliRunner, tmp_path: Path, language: str, good: str, bad: str
) -> None:
    source = write(tmp_path / "en.txt", "The soldiers have been in Kyiv since January 9.")
    for text, expected in ((good, []), (bad, ["number_mismatch"])):
        path = write(tmp_path / f"{language}.txt", text)
        result = invoke(cli, ["check", str(source), str(path), "--language", language, "-f", "json"])
        assert [w["code"] for w in json.loads(result.stdout)] == expected


@pytest.mark.parametrize(
    ("language", "good", "bad"),
    [
        ("uk", "Солдати перебувають у Києві.", "Солдати перебувають у Киеве."),
        ("ru", "Солдаты находятся в Киеве.", "Солдаты находятся в Кийове."),
        ("ko", "병사들은 키이우에서 치료를 받고 있다.", "병사들은 키예프에서 치료를 받고 있다."),
    ],
)
def test_check_a_translation_against_a_glossary(
    cli: CliRunner, tmp_path: Path, glossary_file: Path, language: str, good: str, bad: str
) -> None:
    source = write(tmp_path / "en.txt", "The soldiers are in Kyiv.")
    for text, expected in ((good, ExitStatus.OK), (bad, ExitStatus.QUALITY)):
        path = write(tmp_path / f"{language}.txt", text)
        result = invoke(
            cli, ["check", str(source), str(path), "--language", language, "--glossary", str(glossary_file)]
        )
        assert result.exit_code == expected, result.output
        assert ("glossary_mismatch: 'Kyiv'" in result.stdout) is (expected == ExitStatus.QUALITY)


def test_check_verify_scores_a_translation_made_elsewhere(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    source = write(tmp_path / "en.txt", "The soldiers are in Kyiv. Talks continue.")
    translation = write(tmp_path / "uk.txt", "Солдати перебувають у Києві. Переговори тривають.")
    result = invoke(
        cli, args(tiny_models, "check", str(source), str(translation), "-l", "uk", "--verify", "-f", "json")
    )
    data = json.loads(result.stdout)
    assert set(data["roundtrip"]) == {"uk"} and 0.0 <= data["roundtrip"]["uk"] <= 100.0
    low = data["roundtrip"]["uk"] < LOW_ROUNDTRIP
    assert [w["code"] for w in data["warnings"]] == (["low_roundtrip"] if low else [])
    assert result.exit_code == (ExitStatus.QUALITY if low else ExitStatus.OK)
    text = invoke(cli, args(tiny_models, "check", str(source), str(translation), "-l", "uk", "--verify"))
    assert f"round-trip chrF [uk]: {data['roundtrip']['uk']:.1f}" in text.stderr
    assert text.stdout.startswith("low_roundtrip: ") is low


def test_check_verify_needs_a_pivot_and_a_translation(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    source = write(tmp_path / "en.txt", "Talks continue.")
    other = write(tmp_path / "ko.txt", "협상은 계속된다.")
    result = invoke(cli, args(tiny_models, "check", str(source), str(other), "-l", "ko", "--verify"))
    assert result.exit_code == ExitStatus.CONFIG and "translation.pivot.ko" in result.stderr
    result = invoke(cli, args(tiny_models, "check", str(source), str(source), "-l", "en", "--verify"))
    assert result.exit_code == ExitStatus.USAGE
