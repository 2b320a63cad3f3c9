"""Personal-data scrubber: planted fake personal data in six languages must go; ordinary text must stay as it is."""

from __future__ import annotations

import pytest

from clio_kit.privacy import KINDS, Finding, Scrubber, scrub

# (language, text, canary substrings that must be gone, kind expected among the findings)
CANARIES: list[tuple[str, str, tuple[str, ...], str]] = [
    # --- English
    ("en", "Please email me at zelda.quackenbush@example.org about the refund", ("zelda.quackenbush",), "EMAIL"),
    ("en", "You can reach me on +44 20 7946 0958 after six", ("7946 0958",), "PHONE"),
    ("en", "My office number is 020 7946 0958.", ("7946 0958",), "PHONE"),
    ("en", "Call (415) 555-0132 and ask for the manager", ("555-0132",), "PHONE"),
    ("en", "My name is Zelda Quackenbush and I need help with Excel", ("Zelda", "Quackenbush"), "PERSON"),
    ("en", "Hi, I'm Sarah and I want to learn SQL", ("Sarah",), "PERSON"),
    ("en", "Dear Priya,\nthank you for the interview yesterday.", ("Priya",), "PERSON"),
    ("en", "Hi Jonathan, can you review my pull request?", ("Jonathan",), "PERSON"),
    ("en", "Thanks for the help.\nBest regards,\nMargaret Thornbury", ("Margaret", "Thornbury"), "PERSON"),
    ("en", "Write a reference letter for Mr. Okonkwo who worked with us", ("Okonkwo",), "PERSON"),
    ("en", "Draft an email to Dr Patel about my test results", ("Patel",), "PERSON"),
    ("en", "Can you summarise what Jennifer Castellano said in the meeting?", ("Jennifer Castellano",), "PERSON"),
    ("en", "Please ask Rebecca to send the slides", ("Rebecca",), "PERSON"),
    ("en", "Regards, Ngozi Okafor", ("Ngozi", "Okafor"), "PERSON"),
    ("en", "Ship it to 742 Evergreen Terrace, Springfield", ("742 Evergreen",), "ADDRESS"),
    ("en", "I moved to 1600 Pennsylvania Avenue NW last year", ("1600 Pennsylvania",), "ADDRESS"),
    ("en", "Our office: 221B Baker Street, London NW1 6XE", ("221B Baker", "NW1 6XE"), "ADDRESS"),
    ("en", "The sender was at 350 Fifth Ave, New York, NY 10118", ("350 Fifth", "10118"), "ADDRESS"),
    ("en", "My card 4111 1111 1111 1111 was charged twice", ("4111 1111 1111 1111",), "CARD"),
    ("en", "Charge 5500-0000-0000-0004 for the order", ("5500-0000-0000-0004",), "CARD"),
    ("en", "My SSN is 123-45-6789, is it safe to share?", ("123-45-6789",), "NATIONAL_ID"),
    ("en", "My NI number is QQ123456C for the tax form", ("QQ123456C",), "NATIONAL_ID"),
    ("en", "The server at 203.0.113.77 keeps rejecting me", ("203.0.113.77",), "IP"),
    ("en", "Whitelist 2001:db8:85a3::8a2e:370:7334 in the firewall", ("2001:db8:85a3::8a2e:370:7334",), "IP"),
    ("en", "My profile is https://www.linkedin.com/in/zelda-quackenbush-123/ check it", ("zelda-quackenbush",), "URL"),
    ("en", "customer account 883492017512 was locked", ("883492017512",), "NATIONAL_ID"),
    ("en", "Transfer to GB82 WEST 1234 5698 7654 32 today", ("GB82 WEST",), "IBAN"),
    # --- Spanish
    ("es", "Hola, me llamo Lucía Fernández y necesito ayuda con mi CV", ("Lucía", "Fernández"), "PERSON"),
    ("es", "Mi nombre es Javier Ortega, trabajo en una tienda", ("Javier", "Ortega"), "PERSON"),
    ("es", "Escríbeme a lucia.fernandez@correo.es por favor", ("lucia.fernandez",), "EMAIL"),
    ("es", "Mi móvil es 612 345 678, llámame", ("612 345 678",), "PHONE"),
    ("es", "Vivo en Calle Mayor 12, 3º B, Madrid", ("Calle Mayor 12",), "ADDRESS"),
    ("es", "Enviar a Avenida de la Constitución 45, 41001 Sevilla", ("Constitución 45", "41001"), "ADDRESS"),
    ("es", "Mi DNI es 12345678Z y lo perdí", ("12345678Z",), "NATIONAL_ID"),
    ("es", "Estimada Sra. Gutiérrez, le escribo por la factura", ("Gutiérrez",), "PERSON"),
    ("es", "Mi IBAN es ES91 2100 0418 4502 0005 1332", ("2100 0418",), "IBAN"),
    # --- French
    ("fr", "Bonjour, je m'appelle Camille Dubois et je cherche un stage", ("Camille", "Dubois"), "PERSON"),
    ("fr", "Appelez-moi au 06 12 34 56 78 demain", ("06 12 34 56 78",), "PHONE"),
    ("fr", "J'habite au 12 rue de la Paix, 75002 Paris", ("12 rue de la Paix", "75002"), "ADDRESS"),
    ("fr", "Pouvez-vous écrire à Mme Lefèvre pour le rendez-vous ?", ("Lefèvre",), "PERSON"),
    ("fr", "Mon IBAN : FR14 2004 1010 0505 0001 3M02 606", ("2004 1010",), "IBAN"),
    ("fr", "Mon numéro de sécurité sociale est 1 85 05 78 006 084 91", ("006 084 91",), "NATIONAL_ID"),
    ("fr", "Merci beaucoup.\nCordialement,\nAntoine Mercier", ("Antoine", "Mercier"), "PERSON"),
    # --- German
    ("de", "Hallo, ich heiße Jürgen Schmidt und brauche Hilfe mit Python", ("Jürgen", "Schmidt"), "PERSON"),
    ("de", "Meine Adresse ist Hauptstraße 5, 10115 Berlin", ("Hauptstraße 5", "10115"), "ADDRESS"),
    ("de", "Ruf mich an: +49 30 123456", ("123456",), "PHONE"),
    ("de", "Sehr geehrte Frau Müller, anbei die Unterlagen", ("Müller",), "PERSON"),
    ("de", "Bitte überweisen an DE89 3704 0044 0532 0130 00", ("3704 0044",), "IBAN"),
    ("de", "Schreib Herrn Becker eine Mail: k.becker@firma.de", ("k.becker@firma.de",), "EMAIL"),
    ("de", "Unsere Büro ist in der Goethestraße 17a", ("Goethestraße 17a",), "ADDRESS"),
    # --- Japanese
    ("ja", "私の名前は山田太郎です。よろしくお願いします。", ("山田太郎",), "PERSON"),
    ("ja", "田中さんにメールを送りたいです", ("田中",), "PERSON"),
    ("ja", "佐藤様へのお礼状を書いてください", ("佐藤",), "PERSON"),
    ("ja", "電話番号は+81 3-1234-5678です", ("1234-5678",), "PHONE"),
    ("ja", "電話は03-1234-5678までお願いします", ("1234-5678",), "PHONE"),
    ("ja", "住所は〒100-0005 東京都千代田区丸の内1丁目2-3です", ("100-0005", "丸の内1丁目"), "ADDRESS"),
    ("ja", "東京都港区六本木6-10-1に引っ越しました", ("六本木6-10-1",), "ADDRESS"),
    ("ja", "鈴木と申します。履歴書の書き方を教えてください", ("鈴木",), "PERSON"),
    # --- Chinese
    ("ja", "佐藤健一の履歴書を直してください", ("佐藤健一",), "PERSON"),
    ("zh", "我叫王伟，是一名软件工程师", ("王伟",), "PERSON"),
    ("zh", "请帮我给张伟先生写一封感谢信", ("张伟",), "PERSON"),
    ("zh", "我的手机号是138 0013 8000", ("138 0013 8000",), "PHONE"),
    ("zh", "我住在北京市朝阳区建国路88号", ("建国路88号",), "ADDRESS"),
    ("zh", "我的身份证号是11010519491231002X", ("11010519491231002X",), "NATIONAL_ID"),
    ("zh", "请联系李娜女士，邮箱是lina@example.cn", ("李娜", "lina@example.cn"), "PERSON"),
]

# Beyond the six languages: intros in scripts without capitals, Cyrillic and Korean.
CANARIES += [
    ("ru", "Меня зовут Иван Петров, помогите с резюме", ("Иван", "Петров"), "PERSON"),
    ("ko", "안녕하세요, 저는 김민수입니다", ("김민수",), "PERSON"),
    ("ar", "مرحبا، اسمي أحمد وأحتاج مساعدة", ("أحمد",), "PERSON"),
]

# Ordinary texts: the scrubber must return them unchanged.
ORDINARY: list[str] = [
    "Dear team, please find the weekly report attached.",
    "I'm stuck with pandas: how do I merge two dataframes on a column?",
    "I'm happy with the result, thanks!",
    "Hi there, can you explain recursion?",
    "Hello World program in Rust",
    "Python 3.11 is faster than Python 3.10",
    "What happened in 2023 in the AI field?",
    "My laptop runs Windows 10 and WSL with Ubuntu 22.04",
    "New York weather in March",
    "How do I use Python Flask with SQLAlchemy?",
    "Recipe: 200 g flour, 2 eggs, 250 ml milk, bake at 180 degrees for 25 minutes",
    "Explain the difference between TCP and UDP",
    "Write a poem about the sea in the style of a sonnet",
    "Fix this error: KeyError: 'name' in my dictionary",
    "localhost:8080 returns 404 when I run npm start",
    "Connect to 127.0.0.1 on port 5432",
    "Convert 1,000,000 rows to Parquet with pyarrow",
    "My array has 10000000 elements and sorting is slow",
    "Train a model with the Adam Optimizer and learning rate 0.001",
    "Use std::vector<int> instead of a raw array in C++",
    "Compare React Native and Flutter for a mobile app",
    "Summarise the plot of Hamlet in three sentences",
    "Book a table in San Juan for Friday",
    "The meeting is at 12:30 on 2024-05-17",
    "Spring Boot 3 with Java 17 and Gradle",
    "Is Ruby on Rails still popular?",
    "Julia Set fractal in JavaScript canvas",
    "Thanks, that works now.",
    "Best practices for REST API design",
    "Can you translate 'good morning' into Japanese?",
    "Upgrade to version 2.3.1 of numpy",
    "Dear Sir or Madam, I am writing to apply for the position",
    "Hi all, quick question about Docker volumes",
    "How many calories are in 100 g of rice?",
    "Deploy to AWS Lambda with the Serverless framework",
    "Mix 3 cups of water with 1 cup of sugar",
    "What's the population of Tokyo and Osaka?",
    "Compute pi to 3.14159265358979 precision",
    "Write SQL: SELECT * FROM users WHERE id = 42",
    "My M2 1TB MacBook is slow",
    # Spanish / French / German
    "¿Cómo hago una tabla dinámica en Excel?",
    "Receta de paella para 4 personas con 400 g de arroz",
    "Comment installer Python sur Windows 11 ?",
    "Je suis étudiant et je cherche un stage en informatique",
    "Ich bin Student und lerne Deutsch seit 2022",
    "Wie funktioniert eine for-Schleife in Java?",
    # Japanese / Chinese
    "Pythonでリストをソートする方法を教えてください",
    "皆さん、こんにちは。今日は機械学習について話します",
    "お客様へのメールのテンプレートを作ってください",
    "この仕様について質問があります",
    "我是学生，想学习编程",
    "如何用Python读取CSV文件？",
    "请推荐几本关于机器学习的书",
    "저는 학생입니다. 파이썬을 배우고 있어요",
    "고객님께 보낼 이메일을 써 주세요",
    "Как установить Python на Windows?",
]


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    return Scrubber()


@pytest.mark.parametrize(("lang", "text", "secrets", "kind"), CANARIES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CANARIES)])
def test_canary_is_removed(scrubber: Scrubber, lang: str, text: str, secrets: tuple[str, ...], kind: str) -> None:
    cleaned = scrubber.scrub(text)
    for secret in secrets:
        assert secret not in cleaned, f"{lang}: a {kind} canary survived scrubbing"
    assert kind in {f.kind for f in scrubber.find(text)}


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_unchanged(scrubber: Scrubber, text: str) -> None:
    assert scrubber.scrub(text) == text, [f.kind for f in scrubber.find(text)]


def test_required_phone_formats_are_found() -> None:
    for number in ("+44 20 7946 0958", "020 7946 0958", "(415) 555-0132", "+81 3-1234-5678", "06 12 34 56 78",
                   "+49 30 123456"):
        assert scrub(f"call {number} today") == "call [PHONE] today"


def test_placeholder_and_kind_selection() -> None:
    text = "mail a.b@example.com, card 4111 1111 1111 1111"
    assert Scrubber(kinds=["CARD"]).scrub(text) == "mail a.b@example.com, card [CARD]"
    assert Scrubber(placeholder="<{kind}>").scrub(text) == "mail <EMAIL>, card <CARD>"


def test_unknown_kind_and_bad_placeholder_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown personal-data kinds"):
        Scrubber(kinds=["EMAIL", "SHOE_SIZE"])
    with pytest.raises(ValueError, match="placeholder"):
        Scrubber(placeholder="[{name}]")


def test_findings_carry_positions_not_text() -> None:
    text = "write to zelda@example.org now"
    findings = Scrubber().find(text)
    assert findings == [Finding("EMAIL", 9, 26)]
    assert "zelda" not in repr(findings)
    assert set(Finding.__dataclass_fields__) == {"kind", "start", "end"}


def test_luhn_and_iban_checksums_are_required() -> None:
    assert "[CARD]" not in scrub("ref 4111 1111 1111 1112")      # fails Luhn
    assert "[IBAN]" not in scrub("code DE89 3704 0044 0532 0130 01")  # wrong check digits


def test_overlapping_findings_become_one_placeholder() -> None:
    assert scrub("Dr. Jürgen Schmidt") == "[PERSON]"
    assert scrub("") == ""


def test_scrub_many_and_module_default_agree() -> None:
    texts = [c[1] for c in CANARIES[:5]] + ORDINARY[:5]
    assert Scrubber().scrub_many(texts) == [scrub(t) for t in texts]


def test_every_kind_has_a_canary() -> None:
    assert {c[3] for c in CANARIES} == set(KINDS)


def test_precision_and_recall_on_the_test_lists(scrubber: Scrubber) -> None:
    """Recall: share of canary texts whose secrets all disappear; precision: share of flagged texts that are
    canaries."""
    caught = sum(all(s not in scrubber.scrub(t) for s in secrets) for _, t, secrets, _ in CANARIES)
    false_alarms = sum(scrubber.scrub(t) != t for t in ORDINARY)
    recall = caught / len(CANARIES)
    precision = caught / max(1, caught + false_alarms)
    assert recall == 1.0 and precision == 1.0, (recall, precision)


def test_scrubbing_is_idempotent(scrubber: Scrubber) -> None:
    once = scrubber.scrub_many([c[1] for c in CANARIES])
    assert scrubber.scrub_many(once) == once
