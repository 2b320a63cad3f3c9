"""A held-out synthetic multilingual labelled set for offline names (not the bundled tests/data/labelled).

Eight topics, none of them a topic of the bundled set, four of them outside the offline taxonomy (knitting,
astrology, car maintenance, dog training), in six languages (English, Spanish, German, Korean, Persian, Ukrainian).
Each conversation is one request built from a topic's sentence parts in one language; each gets its own user.
Written for measuring names (``names_heldout.py``); nothing here tuned the namer's or the taxonomy's parameters.

    python benchmarks/names_heldout_data.py --out /tmp/heldout.jsonl
"""

from __future__ import annotations

import argparse
import json
import random

# topic -> (category, English description, {language: (openers, cores, details)})
TOPICS: dict[str, tuple[str, str, dict[str, tuple[list[str], list[str], list[str]]]]] = {
    "Knitting": ("Hobbies and crafts", "knitting and crochet: yarn, stitches, needles, patterns for sweaters and scarves", {
        "en": (["", "Please ", "Quick question: "], ["how do I knit a scarf with chunky yarn", "which knitting needles should I use for a wool sweater",
                                                      "explain the purl stitch for a beginner knitting project"], ["?", " for my first project?", ", step by step."]),
        "es": (["", "Por favor, ", "Hola, "], ["¿cómo tejo una bufanda con lana gruesa", "¿qué agujas de tejer uso para un suéter de lana",
                                               "explícame el punto del revés para tejer"], ["?", " para principiantes?", " paso a paso?"]),
        "de": (["", "Bitte: ", "Hallo, "], ["wie stricke ich einen Schal mit dicker Wolle", "welche Stricknadeln brauche ich für einen Wollpullover",
                                            "erkläre mir die linke Masche beim Stricken"], ["?", " für Anfänger?", " Schritt für Schritt?"]),
        "ko": (["", "안녕하세요, ", "질문이 있어요. "], ["두꺼운 실로 목도리 뜨개질 하는 방법", "울 스웨터 뜨개질에 어떤 바늘을 써야 하나요",
                                                 "초보자를 위한 뜨개질 안뜨기 설명"], ["", " 알려주세요", " 부탁해요"]),
        "fa": (["", "سلام، ", "لطفا "], ["چطور با کاموای ضخیم شال گردن ببافم", "برای بافتن ژاکت پشمی از چه میل بافتنی استفاده کنم",
                                        "بافتن دانه زیر را برای مبتدی توضیح بده"], ["؟", " قدم به قدم؟", " برای اولین بار؟"]),
        "uk": (["", "Привіт, ", "Будь ласка, "], ["як в'язати шарф з товстої пряжі", "які спиці для в'язання потрібні для вовняного светра",
                                                "поясни виворітну петлю у в'язанні"], ["?", " для початківців?", " крок за кроком?"]),
    }),
    "Astrology": ("Beliefs and leisure", "astrology and horoscopes: zodiac signs, birth charts, planets, compatibility", {
        "en": (["", "Hey, ", "Tell me: "], ["what does my zodiac sign say about my personality", "read my horoscope for this week as a Scorpio",
                                             "are Leo and Aquarius compatible zodiac signs"], ["?", " honestly?", ", in detail."]),
        "es": (["", "Hola, ", "Dime "], ["¿qué dice mi signo del zodiaco sobre mi personalidad", "mi horóscopo de esta semana para Escorpio",
                                          "¿son compatibles los signos del zodiaco Leo y Acuario"], ["?", " por favor", " en detalle"]),
        "de": (["", "Hallo, ", "Sag mir: "], ["was sagt mein Sternzeichen über meine Persönlichkeit", "mein Horoskop für diese Woche als Skorpion",
                                              "passen die Sternzeichen Löwe und Wassermann zusammen"], ["?", " bitte", " ehrlich?"]),
        "ko": (["", "안녕하세요, ", "궁금해요. "], ["제 별자리가 성격에 대해 뭐라고 하나요", "전갈자리 이번 주 별자리 운세",
                                              "사자자리와 물병자리 별자리 궁합"], ["", " 알려주세요", " 자세히"]),
        "fa": (["", "سلام، ", "بگو "], ["طالع بینی ماه تولد من درباره شخصیتم چه می گوید", "فال هفته برای متولدین عقرب طالع بینی",
                                       "آیا طالع بینی اسد و دلو با هم سازگارند"], ["؟", " لطفا", " با جزئیات"]),
        "uk": (["", "Привіт, ", "Скажи, "], ["що мій знак зодіаку каже про мій характер", "мій гороскоп на цей тиждень для Скорпіона",
                                            "чи сумісні знаки зодіаку Лев і Водолій"], ["?", " будь ласка", " детально"]),
    }),
    "Car maintenance": ("Vehicles and pets", "car maintenance and repair: engine oil, brakes, tyres, warning lights, mechanics", {
        "en": (["", "Help: ", "Quick one: "], ["how often should I change the engine oil in my car", "my car brakes squeak when I stop, what should I check",
                                                "the check engine light in my car came on"], ["?", ", what do I do?", " today."]),
        "es": (["", "Ayuda: ", "Hola, "], ["¿cada cuánto cambio el aceite del motor de mi coche", "los frenos de mi coche chirrían al frenar",
                                          "se encendió la luz de avería del motor de mi coche"], ["?", ", ¿qué hago?", " hoy"]),
        "de": (["", "Hilfe: ", "Hallo, "], ["wie oft sollte ich das Motoröl meines Autos wechseln", "die Bremsen meines Autos quietschen beim Anhalten",
                                           "die Motorkontrollleuchte in meinem Auto leuchtet"], ["?", ", was tun?", " seit heute"]),
        "ko": (["", "도와주세요. ", "질문요. "], ["자동차 엔진 오일은 얼마나 자주 교체해야 하나요", "자동차 브레이크에서 끼익 소리가 나요",
                                             "자동차 엔진 경고등이 켜졌어요"], ["", " 어떻게 해야 하나요", " 오늘"]),
        "fa": (["", "کمک: ", "سلام، "], ["هر چند وقت روغن موتور ماشین را عوض کنم", "ترمز ماشین من موقع توقف صدا می دهد",
                                        "چراغ چک موتور ماشین من روشن شد"], ["؟", " چه کار کنم؟", " امروز"]),
        "uk": (["", "Допоможіть: ", "Привіт, "], ["як часто міняти моторну оливу в машині", "гальма моєї машини скриплять при зупинці",
                                                 "у моїй машині загорівся індикатор перевірки двигуна"], ["?", ", що робити?", " сьогодні"]),
    }),
    "Dog training": ("Vehicles and pets", "dogs and pet care: training a puppy, leash walking, barking, dog behaviour", {
        "en": (["", "Any tips? ", "Please advise: "], ["how do I stop my puppy from biting", "how can I teach my dog to walk on a loose leash",
                                                        "my dog barks at every stranger at the door"], ["?", ", what should I do?", " every day."]),
        "es": (["", "Consejo: ", "Hola, "], ["¿cómo evito que mi cachorro muerda", "¿cómo enseño a mi perro a pasear con la correa floja",
                                            "mi perro ladra a cada desconocido en la puerta"], ["?", ", ¿qué hago?", " todos los días"]),
        "de": (["", "Tipps? ", "Hallo, "], ["wie gewöhne ich meinem Welpen das Beißen ab", "wie bringe ich meinem Hund bei, an lockerer Leine zu gehen",
                                           "mein Hund bellt jeden Fremden an der Tür an"], ["?", ", was tun?", " jeden Tag"]),
        "ko": (["", "조언 부탁해요. ", "질문요. "], ["강아지가 무는 버릇을 어떻게 고치나요", "강아지 산책 때 목줄 당기지 않게 훈련하는 방법",
                                                "우리 강아지가 문 앞 낯선 사람에게 짖어요"], ["", " 도와주세요", " 매일"]),
        "fa": (["", "راهنمایی: ", "سلام، "], ["چطور جلوی گاز گرفتن توله سگم را بگیرم", "چطور به سگم یاد بدهم با قلاده آرام راه برود",
                                            "سگ من به هر غریبه ای دم در پارس می کند"], ["؟", " چه کار کنم؟", " هر روز"]),
        "uk": (["", "Порадьте: ", "Привіт, "], ["як відучити цуценя кусатися", "як навчити собаку ходити на вільному повідку",
                                               "мій собака гавкає на кожного незнайомця біля дверей"], ["?", ", що робити?", " щодня"]),
    }),
    "Gardening": ("Hobbies and crafts", "gardening: growing vegetables and plants, soil, watering, pests, seeds", {
        "en": (["", "Garden question: ", "Please help: "], ["when should I plant tomato seeds in my vegetable garden", "how often should I water my garden plants in summer",
                                                             "how do I get rid of aphids on my garden roses"], ["?", " this year?", " naturally?"]),
        "es": (["", "Jardín: ", "Hola, "], ["¿cuándo siembro semillas de tomate en mi huerto", "¿cada cuánto riego las plantas del jardín en verano",
                                           "¿cómo elimino los pulgones de los rosales del jardín"], ["?", " este año?", " de forma natural?"]),
        "de": (["", "Gartenfrage: ", "Hallo, "], ["wann säe ich Tomatensamen in meinem Gemüsegarten", "wie oft gieße ich meine Gartenpflanzen im Sommer",
                                                "wie werde ich Blattläuse an meinen Gartenrosen los"], ["?", " dieses Jahr?", " natürlich?"]),
        "ko": (["", "정원 질문. ", "안녕하세요, "], ["텃밭에 토마토 씨앗은 언제 심어야 하나요", "여름에 정원 식물에 물을 얼마나 자주 줘야 하나요",
                                                 "정원 장미의 진딧물을 없애는 방법"], ["", " 알려주세요", " 올해"]),
        "fa": (["", "سوال باغبانی: ", "سلام، "], ["کی بذر گوجه فرنگی را در باغچه بکارم", "در تابستان گیاهان باغچه را چند وقت یکبار آب بدهم",
                                                "چطور شته های گل رز باغچه را از بین ببرم"], ["؟", " امسال؟", " به روش طبیعی؟"]),
        "uk": (["", "Питання про сад: ", "Привіт, "], ["коли сіяти насіння помідорів на городі", "як часто поливати садові рослини влітку",
                                                      "як позбутися попелиці на садових трояндах"], ["?", " цього року?", " природно?"]),
    }),
    "Chess": ("Beliefs and leisure", "chess: openings, tactics, checkmate, strategy, improving a chess rating", {
        "en": (["", "Chess help: ", "Coach me: "], ["what is the best chess opening for a beginner with white", "how do I checkmate with a king and rook in chess",
                                                    "how can I improve my chess rating fast"], ["?", " online?", ", with examples."]),
        "es": (["", "Ajedrez: ", "Hola, "], ["¿cuál es la mejor apertura de ajedrez para principiantes con blancas", "¿cómo doy jaque mate con rey y torre en ajedrez",
                                            "¿cómo mejoro rápido mi puntuación de ajedrez"], ["?", " en línea?", " con ejemplos?"]),
        "de": (["", "Schach: ", "Hallo, "], ["was ist die beste Schacheröffnung für Anfänger mit Weiß", "wie setze ich mit König und Turm schachmatt",
                                            "wie verbessere ich schnell meine Schach-Wertung"], ["?", " online?", " mit Beispielen?"]),
        "ko": (["", "체스 질문. ", "안녕하세요, "], ["초보자에게 가장 좋은 체스 오프닝은 무엇인가요", "체스에서 킹과 룩으로 체크메이트 하는 방법",
                                                 "체스 레이팅을 빨리 올리는 방법"], ["", " 알려주세요", " 예시와 함께"]),
        "fa": (["", "شطرنج: ", "سلام، "], ["بهترین شروع بازی شطرنج برای مبتدی با مهره سفید چیست", "چطور با شاه و رخ در شطرنج مات کنم",
                                          "چطور ریتینگ شطرنج خودم را سریع بالا ببرم"], ["؟", " آنلاین؟", " با مثال؟"]),
        "uk": (["", "Шахи: ", "Привіт, "], ["який найкращий шаховий дебют для початківця білими", "як поставити мат королем і турою в шахах",
                                           "як швидко підвищити свій шаховий рейтинг"], ["?", " онлайн?", " з прикладами?"]),
    }),
    "Tax returns": ("Work and money", "income tax returns: tax deductions, filing taxes, refunds, tax forms", {
        "en": (["", "Tax question: ", "Please explain: "], ["which expenses can I deduct on my income tax return", "when is the deadline to file my tax return",
                                                             "how long does an income tax refund take"], ["?", " this year?", " as a freelancer?"]),
        "es": (["", "Impuestos: ", "Hola, "], ["¿qué gastos puedo deducir en mi declaración de la renta", "¿cuál es el plazo para presentar la declaración de impuestos",
                                              "¿cuánto tarda la devolución de la renta"], ["?", " este año?", " como autónomo?"]),
        "de": (["", "Steuerfrage: ", "Hallo, "], ["welche Ausgaben kann ich in meiner Steuererklärung absetzen", "bis wann muss ich meine Steuererklärung abgeben",
                                                 "wie lange dauert die Steuererstattung"], ["?", " dieses Jahr?", " als Freiberufler?"]),
        "ko": (["", "세금 질문. ", "안녕하세요, "], ["소득세 신고에서 공제받을 수 있는 비용은 무엇인가요", "종합소득세 신고 기한은 언제인가요",
                                                 "소득세 환급은 얼마나 걸리나요"], ["", " 올해", " 프리랜서"]),
        "fa": (["", "سوال مالیاتی: ", "سلام، "], ["چه هزینه هایی را می توانم از اظهارنامه مالیات بر درآمد کسر کنم", "مهلت ارسال اظهارنامه مالیاتی کی است",
                                                "استرداد مالیات بر درآمد چقدر طول می کشد"], ["؟", " امسال؟", " برای فریلنسر؟"]),
        "uk": (["", "Податки: ", "Привіт, "], ["які витрати можна вирахувати в податковій декларації", "коли кінцевий термін подання податкової декларації",
                                              "скільки триває повернення податку на доходи"], ["?", " цього року?", " для фрилансера?"]),
    }),
    "JavaScript bugs": ("Technology", "JavaScript and web front-end bugs: browser console errors, React components, DOM, async code", {
        "en": (["", "Bug: ", "Please help: "], ["why does my JavaScript fetch return undefined in the browser", "my React component does not re-render after setState",
                                                 "JavaScript error: cannot read properties of null in the DOM"], ["?", ", how to fix it?", " in my web app."]),
        "es": (["", "Error: ", "Hola, "], ["¿por qué mi fetch de JavaScript devuelve undefined en el navegador", "mi componente de React no se vuelve a renderizar",
                                          "error de JavaScript: no se pueden leer propiedades de null en el DOM"], ["?", ", ¿cómo lo arreglo?", " en mi web"]),
        "de": (["", "Fehler: ", "Hallo, "], ["warum gibt mein JavaScript fetch im Browser undefined zurück", "meine React Komponente rendert nicht neu",
                                            "JavaScript Fehler: Eigenschaften von null im DOM können nicht gelesen werden"], ["?", ", wie behebe ich das?", " in meiner Web-App"]),
        "ko": (["", "버그. ", "도와주세요. "], ["자바스크립트 fetch가 브라우저에서 undefined를 반환해요", "리액트 컴포넌트가 다시 렌더링되지 않아요",
                                           "자바스크립트 오류 DOM에서 null 속성을 읽을 수 없음"], ["", " 어떻게 고치나요", " 웹 앱에서"]),
        "fa": (["", "باگ: ", "سلام، "], ["چرا fetch جاوا اسکریپت در مرورگر undefined برمی گرداند", "کامپوننت ری اکت من دوباره رندر نمی شود",
                                        "خطای جاوا اسکریپت: خواندن ویژگی null در DOM ممکن نیست"], ["؟", " چطور درستش کنم؟", " در وب اپ من"]),
        "uk": (["", "Баг: ", "Привіт, "], ["чому мій JavaScript fetch повертає undefined у браузері", "мій React компонент не перерендерюється",
                                          "помилка JavaScript: неможливо прочитати властивості null у DOM"], ["?", ", як виправити?", " у веб-застосунку"]),
    }),
}
LANGUAGES = ("en", "es", "de", "ko", "fa", "uk")
OFF_TAXONOMY = ("Knitting", "Astrology", "Car maintenance", "Dog training")


def build(per_language: int = 14, seed: int = 7) -> list[dict]:
    """``per_language`` conversations per topic and language, each from its own user."""
    rng = random.Random(seed)
    records = []
    for topic, (category, description, languages) in TOPICS.items():
        for language in LANGUAGES:
            openers, cores, details = languages[language]
            for _ in range(per_language):
                opener, core, detail = rng.choice(openers), rng.choice(cores), rng.choice(details)
                text = (opener + core[:1].upper() + core[1:] if not opener else opener + core) + detail
                index = len(records)
                records.append({"conversation_id": f"h{index:04d}", "user_id": f"hu{index:04d}",
                                "messages": [{"role": "user", "content": text},
                                             {"role": "assistant", "content": "Here is an answer."}],
                                "labels": {"topic": topic, "category": category, "language": language,
                                           "topic_description": f"{topic}: {description}",
                                           "on_taxonomy": topic not in OFF_TAXONOMY}})
    rng.shuffle(records)
    return records


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--per-language", type=int, default=14)
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8") as handle:
        for record in build(args.per_language):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
