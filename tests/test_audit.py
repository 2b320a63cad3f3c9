"""Rule-based privacy auditor: Clio's 1-5 rubric on cluster names and descriptions."""

from __future__ import annotations

import pytest

from clio_kit.privacy import AuditResult, RuleBasedAuditor, Scrubber

OFFLINE_DESCRIPTION = "Offline summary from key phrases: python, error. Mostly English (70%), Spanish (20%)."

# (name, description) pairs that identify nobody: must score 5.
CLEAN: list[tuple[str, str]] = [
    ("python, error, dataframe", OFFLINE_DESCRIPTION),
    ("recipe, chicken, oven", "Offline summary from key phrases: recipe, chicken. Mostly English (95%)."),
    ("Debug Python pandas dataframe errors", "Users ask for help fixing KeyError and merge problems in pandas."),
    ("Help Users Write Cover Letters", "Requests to draft and polish cover letters for job applications."),
    ("Translate marketing copy into Japanese", "Users want product descriptions translated from English."),
    ("Build React and Node.js web apps", "Questions about JavaScript front ends, Express servers and npm."),
    ("Explain Excel formulas", "Help with VLOOKUP, pivot tables and Microsoft Excel charts in Windows 10."),
    ("Plan trips to Japan and Italy", "Itineraries for Tokyo, Kyoto, Rome and Paris, mostly in summer."),
    ("Upgrade to Python 3.11", "Migration questions from 2022 and 2023 about version 3.11.4 and 4096-token limits."),
    ("Process 10,000 rows in Excel", "Speeding up workbooks with 1,000,000 cells."),
    ("Docker and Kubernetes deployment on AWS", "Containers, Helm charts and GitHub Actions pipelines."),
    ("Write SQL queries", "Questions about joins and window functions in PostgreSQL and MySQL."),
    ("Summarise news about the United States", "Requests to summarise articles published on Monday and Friday."),
    ("Pythonでデータを分析する", "pandasとExcelの使い方に関する質問"),
    ("编写Python代码", "用户询问如何读取CSV文件"),
]

# Must score 1: the text identifies an individual.
INDIVIDUAL: list[tuple[str, str]] = [
    ("Emails to zelda.quackenbush@example.org", "Drafting replies."),
    ("Letters for Zelda Quackenbush", "Requests about one person's divorce settlement."),
    ("Call +44 20 7946 0958 about refunds", ""),
    ("Help [PERSON] with a complaint", "Scrubbed text still points at one person."),
    ("Questions from Dr. Okonkwo", "Medical results."),
    ("Deliveries to 742 Evergreen Terrace", ""),
    ("田中さんへの手紙", "特定の人物への手紙"),
    ("Card 4111 1111 1111 1111 disputes", ""),
]

# Must score 2: an exact long number points at a specific account, order or case.
SMALL_GROUP: list[tuple[str, str]] = [
    ("Refunds for order 48213", "Customers ask about one order."),
    ("Case 77421 follow-ups", "A specific support case."),
    ("Invoices for account 5523", ""),
]


@pytest.fixture(scope="module")
def auditor() -> RuleBasedAuditor:
    return RuleBasedAuditor()


@pytest.mark.parametrize(("name", "description"), CLEAN)
def test_clean_cluster_text_scores_five(auditor: RuleBasedAuditor, name: str, description: str) -> None:
    result = auditor.audit(name, description)
    assert result == AuditResult(score=5, reasons=(), passed=True)


@pytest.mark.parametrize(("name", "description"), INDIVIDUAL)
def test_personal_data_scores_one(auditor: RuleBasedAuditor, name: str, description: str) -> None:
    result = auditor.audit(name, description)
    assert result.score == 1 and not result.passed
    assert result.reasons


@pytest.mark.parametrize(("name", "description"), SMALL_GROUP)
def test_exact_long_numbers_score_two(auditor: RuleBasedAuditor, name: str, description: str) -> None:
    result = auditor.audit(name, description)
    assert result.score == 2 and not result.passed
    assert any("number" in reason for reason in result.reasons)


def test_proper_nouns_score_three_or_four(auditor: RuleBasedAuditor) -> None:
    one = auditor.audit("Questions about the Glorpington festival")
    two = auditor.audit("Questions about the Glorpington festival and Quibbleworth school")
    assert (one.score, two.score) == (4, 3)
    assert one.passed and two.passed
    assert RuleBasedAuditor(min_score=4).audit("About Glorpington and Quibbleworth").passed is False


def test_common_terms_are_not_proper_nouns() -> None:
    text = "Questions about the Glorpington festival"
    assert RuleBasedAuditor(common_terms=["glorpington"]).audit(text).score == 5


def test_reasons_never_echo_the_matched_text(auditor: RuleBasedAuditor) -> None:
    secrets = ["zelda.quackenbush@example.org", "Quackenbush", "48213", "Glorpington", "7946"]
    result = auditor.audit("Zelda Quackenbush, zelda.quackenbush@example.org, order 48213, +44 20 7946 0958",
                           "The Glorpington festival.")
    assert result.score == 1
    joined = " ".join(result.reasons)
    assert not any(secret.lower() in joined.lower() for secret in secrets)
    assert "EMAIL" in joined and "PERSON" in joined


def test_audit_many_matches_audit(auditor: RuleBasedAuditor) -> None:
    items = CLEAN[:3] + INDIVIDUAL[:3] + SMALL_GROUP[:2]
    assert auditor.audit_many(items) == [auditor.audit(n, d) for n, d in items]
    assert auditor.audit_many([]) == []


def test_custom_scrubber_limits_what_counts_as_personal_data() -> None:
    emails_only = RuleBasedAuditor(scrubber=Scrubber(kinds=["EMAIL"]))
    assert emails_only.audit("Letters for Zelda Quackenbush").score == 3   # two unknown proper nouns, no finding
    assert emails_only.audit("mail zelda@example.org").score == 1


def test_min_score_is_validated() -> None:
    with pytest.raises(ValueError, match="min_score"):
        RuleBasedAuditor(min_score=6)


def test_precision_and_recall_on_the_test_lists(auditor: RuleBasedAuditor) -> None:
    """Positives are clusters that must fail at the default threshold (scores 1-2); negatives must pass with 5."""
    failing = [not auditor.audit(n, d).passed for n, d in INDIVIDUAL + SMALL_GROUP]
    false_alarms = [auditor.audit(n, d).score < 5 for n, d in CLEAN]
    recall = sum(failing) / len(failing)
    precision = sum(failing) / max(1, sum(failing) + sum(false_alarms))
    assert (recall, precision) == (1.0, 1.0)


def test_offline_descriptions_with_any_language_score_five(auditor: RuleBasedAuditor) -> None:
    from clio_kit.naming import describe

    # includes language names that contain first names or regional words ("Eastern Mari", "Scottish Gaelic")
    for code in ("en", "es", "fr", "de", "ja", "zh", "ko", "mhr", "mrj", "gd", "ht", "nn", "fy", "vls", "ckb"):
        description = describe(["python", "error"], {code: 0.6, "en": 0.4})
        assert auditor.audit("python, error, dataframe", description).score == 5, code
