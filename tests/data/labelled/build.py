#!/usr/bin/env python3
"""Deterministic builder for the labelled multilingual evaluation set.

Standard library only.  Writes one JSON object per line to
``conversations.jsonl`` (next to this file, or ``--out PATH``) and prints the
topic x language counts table and the lift table.

    python build.py                 # rewrite the committed file
    python build.py --out /tmp/x.jsonl
    python build.py --markdown      # also print the tables as Markdown

Every user message is written per topic and per language (templates x slot
values, composed by hand in each language); the builder guarantees that no two
first user messages are identical.  Language-topic skews are planted on purpose
(see PLANTED and the README); all other cells are kept roughly balanced.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20250303
LANGS = ["en", "es", "fr", "de", "ja", "zh"]
START = datetime(2025, 3, 3, tzinfo=timezone.utc)  # a Monday
SPAN_SECONDS = 8 * 7 * 24 * 3600  # 8 weeks
FOLLOW_UP_RATE = 0.25
REUSE_USER_RATE = 0.12
MAX_CONV_PER_USER = 3

# (topic, category), in table order.
TOPICS = [
    ("Python debugging", "Software development"),
    ("SQL queries", "Software development"),
    ("Cover letters", "Writing"),
    ("Poetry", "Writing"),
    ("Elder care", "Health and family"),
    ("Fitness training", "Health and family"),
    ("Personal budgeting", "Money and law"),
    ("Tenant rights", "Money and law"),
    ("Cooking", "Home and travel"),
    ("Travel planning", "Home and travel"),
    ("Math homework", "Learning and entertainment"),
    ("Anime and manga", "Learning and entertainment"),
]

# Conversations per topic and language, in LANGS order.  The two planted skews:
# Japanese in "Elder care" and Chinese in "Math homework".
COUNTS = {
    "Python debugging": [6, 5, 5, 6, 5, 5],
    "SQL queries": [5, 5, 5, 5, 5, 6],
    "Cover letters": [6, 5, 6, 5, 4, 5],
    "Poetry": [5, 6, 6, 5, 5, 4],
    "Elder care": [4, 3, 3, 4, 18, 3],
    "Fitness training": [6, 5, 5, 6, 5, 5],
    "Personal budgeting": [5, 6, 5, 5, 5, 6],
    "Tenant rights": [5, 5, 6, 6, 5, 4],
    "Cooking": [6, 6, 5, 5, 5, 5],
    "Travel planning": [6, 6, 6, 5, 5, 5],
    "Math homework": [4, 3, 4, 3, 3, 18],
    "Anime and manga": [5, 5, 5, 5, 6, 5],
}

PLANTED = [("ja", "Elder care"), ("zh", "Math homework")]

# ---------------------------------------------------------------------------
# Generic second turns (user follow-up, assistant reply), per language.
# ---------------------------------------------------------------------------
FOLLOW_UPS = {
    "en": [
        ("Thanks! Can you make that shorter?", "Sure, here's a shorter version."),
        ("Could you give me a concrete example?", "Of course, here's an example."),
        ("What if that doesn't work?", "Then try a slightly different approach; here's how."),
        ("Can you put that in a checklist?", "Here it is as a checklist."),
        ("ok that helps. anything else I should watch out for?",
         "One more thing to keep in mind: don't try to change everything at once."),
    ],
    "es": [
        ("¡Gracias! ¿Puedes hacerlo más corto?", "Claro, aquí tienes una versión más corta."),
        ("¿Me pones un ejemplo concreto?", "Por supuesto, aquí tienes un ejemplo."),
        ("¿Y si eso no funciona?", "Entonces prueba un enfoque algo distinto; te explico cómo."),
        ("¿Me lo pasas en forma de lista?", "Aquí lo tienes en forma de lista."),
        ("Vale, me sirve. ¿Algo más que deba tener en cuenta?",
         "Solo una cosa más: no intentes cambiarlo todo a la vez."),
    ],
    "fr": [
        ("Merci ! Tu peux faire plus court ?", "Bien sûr, voici une version plus courte."),
        ("Tu peux me donner un exemple concret ?", "Bien sûr, voici un exemple."),
        ("Et si ça ne marche pas ?", "Dans ce cas, essaie une approche un peu différente ; voici comment."),
        ("Tu peux me le mettre sous forme de liste ?", "Voici la même chose sous forme de liste."),
        ("Ok, ça m'aide. Autre chose à surveiller ?",
         "Une dernière chose : n'essaie pas de tout changer d'un coup."),
    ],
    "de": [
        ("Danke! Geht das auch kürzer?", "Klar, hier eine kürzere Fassung."),
        ("Kannst du mir ein konkretes Beispiel geben?", "Natürlich, hier ein Beispiel."),
        ("Und wenn das nicht klappt?", "Dann probier einen etwas anderen Ansatz; so geht's."),
        ("Kannst du mir das als Checkliste geben?", "Hier als Checkliste."),
        ("Ok, das hilft. Worauf sollte ich sonst noch achten?",
         "Noch ein Punkt: Versuch nicht, alles auf einmal zu ändern."),
    ],
    "ja": [
        ("ありがとうございます。もう少し短くまとめてもらえますか？", "はい、短くまとめるとこうなります。"),
        ("具体例を一つ挙げてもらえますか？", "もちろんです。例えば次のような場合です。"),
        ("それでもうまくいかなかったらどうすればいいですか？", "その場合は、少し違う方法を試してみましょう。"),
        ("チェックリストの形にしてもらえますか？", "チェックリストにまとめました。"),
        ("参考になりました。ほかに気をつけることはありますか？", "あと一つ、一度に全部を変えようとしないことが大切です。"),
    ],
    "zh": [
        ("谢谢！能再精简一点吗？", "好的，精简版如下。"),
        ("能举个具体的例子吗？", "当然，举个例子。"),
        ("如果这样还不行呢？", "那可以换个思路试试，具体做法如下。"),
        ("能整理成清单吗？", "整理成清单如下。"),
        ("好的，有帮助。还有什么要注意的吗？", "还有一点：不要一下子改太多。"),
    ],
}

# ---------------------------------------------------------------------------
# Per topic, per language: t = request templates, s = slot values, a = replies.
# A slot value may be a tuple; templates then pick a form with {slot[i]}
# (used for grammatical case, gender and prepositions).
# ---------------------------------------------------------------------------
DATA: dict = {}

DATA["Python debugging"] = {
    "en": {
        "t": [
            "My script crashes with {err} when I call a {lib} function inside a loop. What usually causes that?",
            "why does this throw {err}? I'm just reading a CSV and filtering rows",
            "I upgraded {lib} and now my tests fail with {err}. How do I figure out which change broke it?",
            "Can you help me debug a Python function that returns None instead of a list? I'm appending inside a for loop and returning at the end.",
            "My {lib} code works in the notebook but fails when I run it as a script. Where should I start looking?",
            "Getting {err} in production but not locally. The code uses {lib}. Any ideas how to reproduce it?",
            "How do I use pdb to step through a function? I have a bug where a counter keeps resetting to zero.",
            "My program just hangs with no error after I added {lib}. How can I find out where it's stuck?",
            "What does this traceback mean: {err}? It points at a line that looks fine to me.",
            "The dictionary I build in a loop ends up with only the last item. I'm using {lib} to load the data. What am I doing wrong?",
        ],
        "s": {
            "lib": ["pandas", "requests", "Flask", "NumPy", "asyncio", "Django", "matplotlib"],
            "err": ["KeyError", "TypeError: 'NoneType' object is not subscriptable",
                    "IndexError: list index out of range", "ModuleNotFoundError", "RecursionError",
                    "UnicodeDecodeError"],
        },
        "a": [
            "That error usually means a value is not what you expect at that point; print its type and contents just before the failing line.",
            "Start by isolating the smallest piece of code that reproduces it, then step through it with a debugger such as pdb.",
        ],
    },
    "es": {
        "t": [
            "Mi script de Python se cae con {err} cuando uso {lib}. ¿Qué suele provocar eso?",
            "¿Por qué me sale {err}? Solo estoy leyendo un archivo CSV y filtrando filas.",
            "Actualicé {lib} y ahora los tests fallan con {err}. ¿Cómo averiguo qué cambio lo rompió?",
            "Tengo una función que devuelve None en lugar de una lista. Hago append dentro de un bucle for y la devuelvo al final. ¿Dónde está el fallo?",
            "El código con {lib} funciona en Jupyter pero falla al ejecutarlo como script. ¿Por dónde empiezo a buscar?",
            "En producción me aparece {err} pero en local no. Uso {lib}. ¿Cómo lo puedo reproducir?",
            "¿Cómo uso pdb para ir paso a paso? Un contador se me reinicia a cero y no entiendo por qué.",
            "Mi programa se queda colgado sin ningún error desde que añadí {lib}. ¿Cómo veo dónde se bloquea?",
            "¿Qué significa este traceback: {err}? Señala una línea que parece correcta.",
        ],
        "s": {
            "lib": ["pandas", "requests", "Flask", "NumPy", "asyncio", "Django", "matplotlib"],
            "err": ["KeyError", "TypeError: 'NoneType' object is not subscriptable",
                    "IndexError: list index out of range", "ModuleNotFoundError", "UnicodeDecodeError"],
        },
        "a": [
            "Ese error suele indicar que una variable no contiene lo que esperas; imprime su tipo y contenido justo antes de la línea que falla.",
            "Empieza aislando el fragmento mínimo que reproduce el fallo y recórrelo con un depurador como pdb.",
        ],
    },
    "fr": {
        "t": [
            "Mon script Python plante avec {err} dès que j'appelle {lib} dans une boucle. D'où ça peut venir ?",
            "Pourquoi j'obtiens {err} ? Je lis juste un fichier CSV et je filtre quelques lignes.",
            "J'ai mis à jour {lib} et maintenant mes tests échouent avec {err}. Comment trouver ce qui a cassé ?",
            "Ma fonction renvoie None au lieu d'une liste alors que je fais des append dans une boucle. Tu vois l'erreur ?",
            "Mon code avec {lib} marche dans le notebook mais pas quand je le lance en script. Par où commencer ?",
            "J'ai une {err} en prod mais pas en local, avec {lib}. Comment la reproduire ?",
            "Comment utiliser pdb pour avancer pas à pas ? J'ai un compteur qui revient toujours à zéro.",
            "Mon programme se fige sans message d'erreur depuis que j'utilise {lib}. Comment savoir où il bloque ?",
            "Que veut dire cette trace : {err} ? La ligne indiquée me semble correcte.",
        ],
        "s": {
            "lib": ["pandas", "requests", "Flask", "NumPy", "asyncio", "Django", "matplotlib"],
            "err": ["KeyError", "TypeError: 'NoneType' object is not subscriptable",
                    "IndexError: list index out of range", "ModuleNotFoundError", "UnicodeDecodeError"],
        },
        "a": [
            "Cette erreur indique souvent qu'une variable ne contient pas ce que tu crois ; affiche son type et son contenu juste avant la ligne fautive.",
            "Commence par isoler le plus petit bout de code qui reproduit le problème, puis parcours-le avec pdb.",
        ],
    },
    "de": {
        "t": [
            "Mein Python-Skript stürzt mit {err} ab, sobald ich {lib} in einer Schleife aufrufe. Woran liegt das meistens?",
            "Warum bekomme ich {err}? Ich lese doch nur eine CSV-Datei ein und filtere ein paar Zeilen.",
            "Nach dem Update von {lib} schlagen meine Tests mit {err} fehl. Wie finde ich heraus, welche Änderung schuld ist?",
            "Meine Funktion gibt None statt einer Liste zurück, obwohl ich in der for-Schleife append aufrufe. Wo ist der Fehler?",
            "Der Code mit {lib} läuft im Notebook, aber nicht als Skript. Wo fange ich mit der Fehlersuche an?",
            "In Produktion tritt {err} auf, lokal aber nicht. Ich nutze {lib}. Wie kann ich das nachstellen?",
            "Wie benutze ich pdb, um Schritt für Schritt durchzugehen? Ein Zähler springt immer wieder auf null.",
            "Seit ich {lib} eingebunden habe, hängt mein Programm ohne Fehlermeldung. Wie finde ich die Stelle?",
            "Was bedeutet dieser Traceback: {err}? Die angegebene Zeile sieht für mich korrekt aus.",
        ],
        "s": {
            "lib": ["pandas", "requests", "Flask", "NumPy", "asyncio", "Django", "matplotlib"],
            "err": ["KeyError", "TypeError: 'NoneType' object is not subscriptable",
                    "IndexError: list index out of range", "ModuleNotFoundError", "UnicodeDecodeError"],
        },
        "a": [
            "Dieser Fehler bedeutet meist, dass ein Wert an dieser Stelle nicht das ist, was du erwartest; gib Typ und Inhalt direkt vor der Zeile aus.",
            "Isoliere zuerst das kleinste Codestück, das den Fehler auslöst, und geh es dann mit pdb Schritt für Schritt durch.",
        ],
    },
    "ja": {
        "t": [
            "{lib}をループの中で呼ぶと{err}で落ちます。よくある原因は何でしょうか？",
            "CSVを読み込んで行をフィルタしているだけなのに{err}が出ます。なぜですか？",
            "{lib}をアップデートしたらテストが{err}で失敗するようになりました。どの変更が原因か調べる方法は？",
            "forループの中でappendしているのに、関数の戻り値がリストではなくNoneになります。どこが間違っていますか？",
            "{lib}を使ったコードがJupyterでは動くのに、スクリプトとして実行すると失敗します。どこから調べればいいですか？",
            "本番環境でだけ{err}が発生します。ローカルでは再現しません。{lib}を使っています。",
            "pdbでステップ実行するにはどうすればいいですか？カウンタがなぜか0に戻ってしまうバグがあります。",
            "{lib}を入れてからプログラムがエラーも出さずに止まってしまいます。どこで固まっているか確認する方法はありますか？",
            "このトレースバックの意味を教えてください：{err}。指している行は正しく見えるのですが。",
        ],
        "s": {
            "lib": ["pandas", "requests", "Flask", "NumPy", "asyncio", "Django", "matplotlib"],
            "err": ["KeyError", "TypeError: 'NoneType' object is not subscriptable",
                    "IndexError: list index out of range", "ModuleNotFoundError", "UnicodeDecodeError"],
        },
        "a": [
            "そのエラーは、その時点で変数の中身が想定と違うことが多いです。直前で型と値をprintしてみてください。",
            "まず再現する最小限のコードを切り出し、pdbなどのデバッガで一行ずつ確認しましょう。",
        ],
    },
    "zh": {
        "t": [
            "我在循环里调用{lib}的时候脚本报{err}，一般是什么原因？",
            "为什么会出现{err}？我只是读了一个CSV文件然后筛选几行。",
            "升级{lib}之后测试全挂了，报{err}。怎么找出是哪个改动导致的？",
            "我的函数在for循环里append，最后return，结果返回的是None而不是列表，哪里写错了？",
            "用{lib}写的代码在Jupyter里能跑，作为脚本运行就出错，该从哪里查起？",
            "线上环境报{err}，本地却复现不了，代码用到了{lib}，有什么排查思路？",
            "怎么用pdb单步调试？有个计数器总是莫名其妙变回0。",
            "加了{lib}之后程序没有任何报错就卡住了，怎么知道它卡在哪里？",
            "这个报错是什么意思：{err}？它指向的那一行看起来没问题啊。",
        ],
        "s": {
            "lib": ["pandas", "requests", "Flask", "NumPy", "asyncio", "Django", "matplotlib"],
            "err": ["KeyError", "TypeError: 'NoneType' object is not subscriptable",
                    "IndexError: list index out of range", "ModuleNotFoundError", "UnicodeDecodeError"],
        },
        "a": [
            "这个错误通常说明那一行的变量和你预期的不一样，先在报错前打印它的类型和内容。",
            "先把能复现问题的最小代码片段单独拿出来，再用pdb之类的调试器一步步跟踪。",
        ],
    },
}

DATA["SQL queries"] = {
    "en": {
        "t": [
            "How do I write a query that returns each customer's most recent order in {db}?",
            "I have two tables, {pair}. How do I find rows in the first that have no match in the second?",
            "My {db} query with three JOINs takes 40 seconds. What indexes should I look at?",
            "What's the difference between WHERE and HAVING? I'm trying to keep only groups with more than {n} rows.",
            "Can you explain window functions with a simple example, like a running total of sales per month?",
            "Is there a way to pivot rows into columns in {db} without hardcoding every month?",
            "I keep getting duplicate rows after joining {pair}. How do I figure out where they come from?",
            "How would I delete duplicate records but keep the one with the lowest id in {db}?",
            "What's the cleanest way to count distinct users per day for the last {n} days?",
        ],
        "s": {
            "db": ["PostgreSQL", "MySQL", "SQLite", "SQL Server", "BigQuery"],
            "pair": ["orders and customers", "employees and departments", "invoices and payments",
                     "students and courses", "products and reviews"],
            "n": ["5", "10", "30", "90"],
        },
        "a": [
            "A window function such as ROW_NUMBER() partitioned by the grouping column is usually the simplest way to do that.",
            "Check the join keys first; a LEFT JOIN with a WHERE ... IS NULL filter or NOT EXISTS handles that case cleanly.",
        ],
    },
    "es": {
        "t": [
            "¿Cómo escribo una consulta en {db} que devuelva el último pedido de cada cliente?",
            "Tengo dos tablas, {pair}. ¿Cómo encuentro las filas de la primera que no tienen coincidencia en la segunda?",
            "Mi consulta en {db} con tres JOIN tarda 40 segundos. ¿Qué índices debería revisar?",
            "¿Cuál es la diferencia entre WHERE y HAVING? Quiero quedarme solo con los grupos de más de {n} filas.",
            "¿Me explicas las funciones de ventana con un ejemplo sencillo, como un total acumulado de ventas por mes?",
            "¿Se puede pasar filas a columnas en {db} sin escribir cada mes a mano?",
            "Al unir {pair} me salen filas duplicadas. ¿Cómo averiguo de dónde vienen?",
            "¿Cómo borro registros duplicados en {db} quedándome con el de id más bajo?",
            "¿Cuál es la forma más limpia de contar usuarios distintos por día en los últimos {n} días?",
        ],
        "s": {
            "db": ["PostgreSQL", "MySQL", "SQLite", "SQL Server", "BigQuery"],
            "pair": ["pedidos y clientes", "empleados y departamentos", "facturas y pagos",
                     "alumnos y cursos", "productos y reseñas"],
            "n": ["5", "10", "30", "90"],
        },
        "a": [
            "Una función de ventana como ROW_NUMBER() particionada por la columna de agrupación suele ser lo más sencillo.",
            "Revisa primero las claves de unión; un LEFT JOIN con WHERE ... IS NULL o un NOT EXISTS resuelve ese caso.",
        ],
    },
    "fr": {
        "t": [
            "Comment écrire une requête {db} qui renvoie la dernière commande de chaque client ?",
            "J'ai deux tables, {pair}. Comment trouver les lignes de la première qui n'ont pas de correspondance dans la seconde ?",
            "Ma requête {db} avec trois jointures met 40 secondes. Quels index regarder ?",
            "Quelle différence entre WHERE et HAVING ? Je veux garder seulement les groupes de plus de {n} lignes.",
            "Tu peux m'expliquer les fonctions de fenêtrage avec un exemple simple, genre un cumul des ventes par mois ?",
            "Est-ce qu'on peut transformer des lignes en colonnes dans {db} sans écrire chaque mois en dur ?",
            "Après la jointure entre {pair}, j'ai des doublons. Comment savoir d'où ils viennent ?",
            "Comment supprimer les doublons dans {db} en gardant celui avec le plus petit id ?",
            "Quelle est la façon la plus propre de compter les utilisateurs distincts par jour sur les {n} derniers jours ?",
        ],
        "s": {
            "db": ["PostgreSQL", "MySQL", "SQLite", "SQL Server", "BigQuery"],
            "pair": ["commandes et clients", "salariés et services", "factures et paiements",
                     "élèves et cours", "produits et avis"],
            "n": ["5", "10", "30", "90"],
        },
        "a": [
            "Une fonction de fenêtrage comme ROW_NUMBER() partitionnée par la colonne de regroupement est en général le plus simple.",
            "Vérifie d'abord les clés de jointure ; un LEFT JOIN avec WHERE ... IS NULL ou un NOT EXISTS règle ce cas proprement.",
        ],
    },
    "de": {
        "t": [
            "Wie schreibe ich in {db} eine Abfrage, die für jeden Kunden die letzte Bestellung liefert?",
            "Ich habe zwei Tabellen mit {pair}. Wie finde ich die Zeilen der ersten, die in der zweiten keinen Treffer haben?",
            "Meine {db}-Abfrage mit drei JOINs braucht 40 Sekunden. Welche Indizes sollte ich mir ansehen?",
            "Was ist der Unterschied zwischen WHERE und HAVING? Ich will nur Gruppen mit mehr als {n} Zeilen behalten.",
            "Kannst du mir Fensterfunktionen an einem einfachen Beispiel erklären, etwa einer laufenden Umsatzsumme pro Monat?",
            "Kann man in {db} Zeilen in Spalten pivotieren, ohne jeden Monat hart zu codieren?",
            "Beim Join von {pair} bekomme ich doppelte Zeilen. Wie finde ich heraus, woher die kommen?",
            "Wie lösche ich in {db} Duplikate und behalte jeweils den Datensatz mit der kleinsten ID?",
            "Wie zähle ich am saubersten die eindeutigen Nutzer pro Tag für die letzten {n} Tage?",
        ],
        "s": {
            "db": ["PostgreSQL", "MySQL", "SQLite", "SQL Server", "BigQuery"],
            "pair": ["Bestellungen und Kunden", "Mitarbeitern und Abteilungen", "Rechnungen und Zahlungen",
                     "Schülern und Kursen", "Produkten und Bewertungen"],
            "n": ["5", "10", "30", "90"],
        },
        "a": [
            "Eine Fensterfunktion wie ROW_NUMBER(), partitioniert nach der Gruppierungsspalte, ist dafür meist am einfachsten.",
            "Prüf zuerst die Join-Schlüssel; ein LEFT JOIN mit WHERE ... IS NULL oder NOT EXISTS löst das sauber.",
        ],
    },
    "ja": {
        "t": [
            "{db}で、顧客ごとに最新の注文を1件だけ取得するクエリはどう書けばいいですか？",
            "{pair}があります。片方にしか存在しない行を探すにはどうすればいいでしょうか？",
            "JOINを3つ使った{db}のクエリが40秒かかります。どのインデックスを見直すべきですか？",
            "WHEREとHAVINGの違いがよく分かりません。件数が{n}件を超えるグループだけを抽出したいです。",
            "ウィンドウ関数を簡単な例で説明してもらえますか？月ごとの売上の累計を出したいです。",
            "{db}で、月を全部ハードコードせずに行を列に変換（ピボット）する方法はありますか？",
            "{pair}を結合すると行が重複してしまいます。原因の調べ方を教えてください。",
            "{db}で重複レコードを削除して、idが一番小さいものだけ残すにはどうしますか？",
            "直近{n}日間の日別ユニークユーザー数を集計する、きれいな書き方はありますか？",
        ],
        "s": {
            "db": ["PostgreSQL", "MySQL", "SQLite", "SQL Server", "BigQuery"],
            "pair": ["注文テーブルと顧客テーブル", "社員テーブルと部署テーブル", "請求テーブルと入金テーブル",
                     "学生テーブルと講座テーブル", "商品テーブルとレビューテーブル"],
            "n": ["5", "10", "30", "90"],
        },
        "a": [
            "グループ化する列でPARTITION BYしたROW_NUMBER()などのウィンドウ関数を使うのが一番簡単です。",
            "まず結合キーを確認しましょう。LEFT JOINとIS NULL、またはNOT EXISTSで素直に書けます。",
        ],
    },
    "zh": {
        "t": [
            "在{db}里怎么写查询，取出每个客户最近的一笔订单？",
            "我有{pair}，怎么找出第一张表里在第二张表没有匹配的记录？",
            "我的{db}查询用了三个JOIN，要跑40秒，应该检查哪些索引？",
            "WHERE和HAVING有什么区别？我想只保留行数超过{n}的分组。",
            "能用简单的例子讲讲窗口函数吗？比如按月计算销售额的累计值。",
            "{db}里有没有办法把行转成列，而不用把每个月份都写死？",
            "{pair}关联之后出现了重复行，怎么查出是哪里来的？",
            "在{db}里怎么删除重复记录，只保留id最小的那条？",
            "统计最近{n}天每天的去重用户数，最简洁的写法是什么？",
        ],
        "s": {
            "db": ["PostgreSQL", "MySQL", "SQLite", "SQL Server", "BigQuery"],
            "pair": ["订单表和客户表", "员工表和部门表", "发票表和付款表", "学生表和课程表", "商品表和评价表"],
            "n": ["5", "10", "30", "90"],
        },
        "a": [
            "用按分组列PARTITION BY的ROW_NUMBER()这类窗口函数通常最简单。",
            "先检查关联键；用LEFT JOIN加IS NULL，或者NOT EXISTS，都能干净地解决。",
        ],
    },
}

DATA["Cover letters"] = {
    "en": {
        "t": [
            "Can you help me write a cover letter for a {role} position? I have two years of experience but no degree in the field.",
            "I'm switching careers from retail to {role}. How do I explain that in a cover letter without sounding desperate?",
            "Please make this opening line less generic: 'I am writing to apply for the {role} job at your company.'",
            "How long should a cover letter be for a {role} role? Mine is almost two pages.",
            "I have a six-month gap on my CV because I was travelling. Should I mention it in the letter?",
            "Write a short, friendly cover letter for a part-time {role} job at a small local business.",
            "What should I put in the last paragraph of my application letter? I always end with 'I look forward to hearing from you'.",
            "Could you tailor my letter to a job ad that asks for 'strong stakeholder communication'? I'm applying as a {role}.",
            "Is it okay to address the letter 'Dear Hiring Manager' if I can't find a name for the {role} opening?",
        ],
        "s": {
            "role": ["junior data analyst", "nurse", "warehouse supervisor", "graphic designer",
                     "primary school teacher", "marketing coordinator", "software tester"],
        },
        "a": [
            "Lead with one concrete achievement that matches the job ad, then explain in one sentence why this role is the next step for you.",
            "Keep it to about three short paragraphs: why this role, what you bring, and a confident closing line.",
        ],
    },
    "es": {
        "t": [
            "¿Me ayudas a redactar una carta de presentación para un puesto de {role}? Tengo dos años de experiencia pero no la titulación.",
            "Quiero pasar del comercio a trabajar como {role}. ¿Cómo lo explico en la carta sin sonar desesperado?",
            "¿Puedes hacer menos genérica esta primera frase: 'Me dirijo a ustedes para solicitar el puesto de {role}'?",
            "¿Qué extensión debería tener una carta de motivación para un puesto de {role}? La mía ocupa casi dos páginas.",
            "Tengo un hueco de seis meses en el currículum porque estuve viajando. ¿Lo menciono en la carta?",
            "Escríbeme una carta de presentación breve y cercana para un trabajo de media jornada como {role} en un negocio pequeño.",
            "¿Qué pongo en el último párrafo de la carta? Siempre termino con 'Quedo a la espera de su respuesta'.",
            "La oferta de {role} pide 'buena comunicación con los equipos'. ¿Cómo adapto mi carta a eso?",
            "Si no encuentro el nombre del responsable de selección, ¿vale empezar con 'Estimado equipo de selección'?",
        ],
        "s": {
            "role": ["analista de datos junior", "enfermera", "encargado de almacén", "diseñadora gráfica",
                     "maestro de primaria", "coordinadora de marketing", "tester de software"],
        },
        "a": [
            "Empieza con un logro concreto que encaje con la oferta y explica en una frase por qué este puesto es tu siguiente paso.",
            "Con tres párrafos cortos basta: por qué este puesto, qué aportas y un cierre seguro.",
        ],
    },
    "fr": {
        "t": [
            "Tu peux m'aider à rédiger une lettre de motivation pour un poste de {role} ? J'ai deux ans d'expérience mais pas le diplôme.",
            "Je veux passer de la vente à un poste de {role}. Comment l'expliquer dans ma lettre sans paraître désespéré ?",
            "Rends cette première phrase moins banale : « Je me permets de vous adresser ma candidature au poste de {role}. »",
            "Quelle longueur pour une lettre de motivation de {role} ? La mienne fait presque deux pages.",
            "J'ai un trou de six mois dans mon CV parce que j'ai voyagé. Faut-il en parler dans la lettre ?",
            "Écris une lettre courte et chaleureuse pour un emploi à temps partiel de {role} dans une petite entreprise locale.",
            "Qu'est-ce que je mets dans le dernier paragraphe ? Je finis toujours par « Dans l'attente de votre réponse ».",
            "L'annonce pour le poste de {role} demande « un bon relationnel avec les équipes ». Comment adapter ma lettre ?",
            "Si je ne trouve pas le nom du recruteur, je peux commencer par « Madame, Monsieur » ?",
        ],
        "s": {
            "role": ["analyste de données junior", "infirmière", "chef d'équipe en entrepôt", "graphiste",
                     "professeur des écoles", "chargée de marketing", "testeur logiciel"],
        },
        "a": [
            "Commence par une réussite concrète liée à l'annonce, puis explique en une phrase pourquoi ce poste est la suite logique pour toi.",
            "Trois paragraphes courts suffisent : pourquoi ce poste, ce que tu apportes, et une conclusion assurée.",
        ],
    },
    "de": {
        "t": [
            "Kannst du mir beim Anschreiben für eine Stelle als {role} helfen? Ich habe zwei Jahre Erfahrung, aber keinen passenden Abschluss.",
            "Ich will vom Einzelhandel in einen Job als {role} wechseln. Wie erkläre ich das im Anschreiben, ohne verzweifelt zu wirken?",
            "Mach diesen Einstieg bitte weniger langweilig: 'Hiermit bewerbe ich mich auf die Stelle als {role}.'",
            "Wie lang sollte ein Anschreiben für eine Stelle als {role} sein? Meins ist fast zwei Seiten lang.",
            "Ich habe eine Lücke von sechs Monaten im Lebenslauf, weil ich gereist bin. Soll ich das im Anschreiben erwähnen?",
            "Schreib mir ein kurzes, freundliches Anschreiben für einen Teilzeitjob als {role} in einem kleinen Betrieb.",
            "Was gehört in den letzten Absatz einer Bewerbung? Ich ende immer mit 'Über eine Einladung zum Vorstellungsgespräch freue ich mich'.",
            "Die Ausschreibung als {role} verlangt 'ausgeprägte Kommunikationsstärke'. Wie gehe ich im Anschreiben darauf ein?",
            "Darf ich mit 'Sehr geehrte Damen und Herren' anfangen, wenn ich keinen Ansprechpartner finde?",
        ],
        "s": {
            "role": ["Junior-Datenanalyst", "Pflegefachkraft", "Lagerleiter", "Grafikdesignerin",
                     "Grundschullehrer", "Marketingkoordinatorin", "Softwaretester"],
        },
        "a": [
            "Beginne mit einem konkreten Erfolg, der zur Ausschreibung passt, und erkläre in einem Satz, warum diese Stelle dein nächster Schritt ist.",
            "Drei kurze Absätze reichen: warum diese Stelle, was du mitbringst und ein selbstbewusster Schluss.",
        ],
    },
    "ja": {
        "t": [
            "{role}の求人に応募するための志望動機を書くのを手伝ってください。経験は2年ありますが、専門の学位はありません。",
            "販売職から{role}に転職したいです。カバーレターで前向きに理由を伝えるにはどう書けばいいですか？",
            "「貴社の{role}職に応募いたします」という書き出しがありきたりなので、もっと印象に残る表現にしてください。",
            "{role}の応募書類に添えるカバーレターは、どのくらいの長さが適切ですか？今は2ページ近くあります。",
            "旅行していたため職歴に半年の空白があります。送付状で触れるべきでしょうか？",
            "小さな会社の{role}（パート）に応募するので、短くて感じのよい応募文を書いてください。",
            "志望動機の締めの一文が毎回「ご検討のほどよろしくお願いいたします」になってしまいます。ほかの書き方はありますか？",
            "{role}の求人に「関係部署との調整力」とあります。それに合わせて自己PRを直してもらえますか？",
            "採用担当者の名前が分からない場合、宛名は「採用ご担当者様」で問題ないですか？",
        ],
        "s": {
            "role": ["データアナリスト", "看護師", "倉庫の現場リーダー", "グラフィックデザイナー",
                     "小学校教員", "マーケティング担当", "ソフトウェアテスター"],
        },
        "a": [
            "求人内容に合う具体的な実績を最初に一つ挙げ、その仕事を選んだ理由を一文で添えると伝わりやすくなります。",
            "応募理由、活かせる経験、前向きな締めの三段落程度にまとめるのがおすすめです。",
        ],
    },
    "zh": {
        "t": [
            "能帮我写一封应聘{role}的求职信吗？我有两年经验，但不是相关专业毕业的。",
            "我想从零售行业转行做{role}，求职信里怎么解释转行原因才不显得很急？",
            "帮我把开头这句改得不那么套路：'我写信是为了申请贵公司的{role}职位。'",
            "应聘{role}的求职信写多长比较合适？我现在写了快两页。",
            "我简历上有半年空档期，因为去旅行了。求职信里需要提吗？",
            "帮我写一封简短亲切的求职信，应聘一家小店的兼职{role}。",
            "求职信最后一段应该写什么？我每次都用'期待您的回复'结尾。",
            "{role}的招聘启事里写着'较强的跨部门沟通能力'，我的求职信该怎么针对这一点改？",
            "找不到招聘负责人的名字，求职信开头写'尊敬的招聘经理'可以吗？",
        ],
        "s": {
            "role": ["初级数据分析师", "护士", "仓库主管", "平面设计师", "小学老师", "市场专员", "软件测试工程师"],
        },
        "a": [
            "开头先写一个和岗位要求相关的具体成绩，再用一句话说明为什么这个职位是你的下一步。",
            "三段左右就够了：为什么申请、你能带来什么、一个自信的结尾。",
        ],
    },
}

DATA["Poetry"] = {
    "en": {
        "t": [
            "Write a {form} about {theme}.",
            "Can you help me finish my poem about {theme}? I have the first two lines but can't find a rhyme for 'window'.",
            "I need a short poem for my sister's wedding toast, something warm but not cheesy, maybe mentioning {theme}.",
            "What are the rules of a {form}? I want to try writing one about {theme}.",
            "Could you give feedback on the rhythm of my poem? Some lines feel clunky when I read them aloud.",
            "Turn this diary entry into a {form}: 'Today the bus was late and I watched the sky turn pink.'",
            "Suggest some strong images I could use in a poem about {theme}. I don't want it to sound like a greeting card.",
            "Write four lines in the style of a lullaby about {theme} for my baby.",
            "Does a {form} have to rhyme? My teacher said mine about {theme} 'breaks the form'.",
        ],
        "s": {
            "theme": ["autumn rain", "my grandmother's kitchen", "the first snow", "a night train",
                      "the sea at dawn", "moving to a new city", "an old dog"],
            "form": ["haiku", "sonnet", "limerick", "villanelle", "short rhyming poem"],
        },
        "a": [
            "Here is a draft that leans on concrete sensory details rather than big abstract words; tell me which lines you'd like to change.",
            "Try reading it aloud and marking the stressed syllables; uneven lines usually have one or two extra beats.",
        ],
    },
    "es": {
        "t": [
            "Escríbeme un {form} sobre {theme}.",
            "¿Me ayudas a terminar mi poema sobre {theme}? Tengo los dos primeros versos pero no encuentro rima para 'ventana'.",
            "Necesito un poema corto para el brindis de la boda de mi hermana, algo cálido pero no cursi, quizá con {theme}.",
            "¿Qué reglas tiene un {form}? Quiero intentar escribir uno sobre {theme}.",
            "¿Me das tu opinión sobre el ritmo de mi poema? Algunos versos suenan torpes al leerlos en voz alta.",
            "Convierte esta entrada de mi diario en un {form}: 'Hoy el autobús llegó tarde y vi cómo el cielo se volvía rosa.'",
            "Sugiéreme imágenes potentes para un poema sobre {theme}. No quiero que suene a tarjeta de felicitación.",
            "Escribe cuatro versos tipo nana sobre {theme} para mi bebé.",
            "¿Un {form} tiene que rimar? Mi profesora dice que el mío sobre {theme} 'rompe la forma'.",
        ],
        "s": {
            "theme": ["la lluvia de otoño", "la cocina de mi abuela", "la primera nevada", "un tren nocturno",
                      "el mar al amanecer", "mudarme a otra ciudad", "un perro viejo"],
            "form": ["haiku", "soneto", "romance", "poema corto con rima", "villancico"],
        },
        "a": [
            "Aquí tienes un borrador que se apoya en detalles concretos más que en palabras abstractas; dime qué versos quieres cambiar.",
            "Prueba a leerlo en voz alta marcando los acentos; los versos que cojean suelen tener una o dos sílabas de más.",
        ],
    },
    "fr": {
        "t": [
            "Écris-moi un {form} sur {theme}.",
            "Tu peux m'aider à finir mon poème sur {theme} ? J'ai les deux premiers vers mais je ne trouve pas de rime à « fenêtre ».",
            "Il me faut un petit poème pour le discours au mariage de ma sœur, chaleureux mais pas mièvre, peut-être sur {theme}.",
            "Quelles sont les règles d'un {form} ? J'aimerais en écrire un sur {theme}.",
            "Tu peux me dire ce que tu penses du rythme de mon poème ? Certains vers sonnent mal à voix haute.",
            "Transforme ce passage de mon journal en {form} : « Aujourd'hui le bus était en retard et j'ai regardé le ciel devenir rose. »",
            "Propose-moi des images fortes pour un poème sur {theme}, sans que ça fasse carte de vœux.",
            "Écris quatre vers façon berceuse sur {theme} pour mon bébé.",
            "Un {form} doit-il forcément rimer ? Ma prof dit que le mien sur {theme} « ne respecte pas la forme ».",
        ],
        "s": {
            "theme": ["la pluie d'automne", "la cuisine de ma grand-mère", "la première neige", "un train de nuit",
                      "la mer à l'aube", "mon déménagement dans une nouvelle ville", "un vieux chien"],
            "form": ["haïku", "sonnet", "rondeau", "petit poème rimé", "pantoum"],
        },
        "a": [
            "Voici une ébauche qui mise sur des détails concrets plutôt que sur de grands mots abstraits ; dis-moi quels vers tu veux changer.",
            "Lis-le à voix haute en marquant les accents ; les vers bancals ont souvent une ou deux syllabes de trop.",
        ],
    },
    "de": {
        "t": [
            "Schreib mir ein {form} über {theme}.",
            "Kannst du mir helfen, mein Gedicht über {theme} fertigzuschreiben? Ich habe die ersten zwei Zeilen, finde aber keinen Reim auf 'Fenster'.",
            "Ich brauche ein kurzes Gedicht für meine Rede auf der Hochzeit meiner Schwester, herzlich, aber nicht kitschig. Vielleicht geht es um {theme}?",
            "Welche Regeln hat ein {form}? Ich möchte eins über {theme} schreiben.",
            "Kannst du mir Feedback zum Rhythmus meines Gedichts geben? Manche Zeilen klingen beim Vorlesen holprig.",
            "Mach aus diesem Tagebucheintrag ein {form}: 'Heute kam der Bus zu spät und ich habe zugesehen, wie der Himmel rosa wurde.'",
            "Welche starken Bilder könnte ich in einem Gedicht über {theme} verwenden? Es soll nicht nach Glückwunschkarte klingen.",
            "Schreib vier Zeilen im Stil eines Schlaflieds über {theme} für mein Baby.",
            "Muss sich ein {form} reimen? Meine Lehrerin meint, meins über {theme} 'bricht die Form'.",
        ],
        "s": {
            "theme": ["Herbstregen", "die Küche meiner Oma", "den ersten Schnee", "einen Nachtzug",
                      "das Meer im Morgengrauen", "den Umzug in eine neue Stadt", "einen alten Hund"],
            "form": ["Haiku", "Sonett", "Elfchen", "kurzes Reimgedicht", "Akrostichon"],
        },
        "a": [
            "Hier ist ein Entwurf, der auf konkrete Sinneseindrücke statt auf große abstrakte Wörter setzt; sag mir, welche Zeilen du ändern möchtest.",
            "Lies es laut und markiere die betonten Silben; holprige Zeilen haben meist ein oder zwei Hebungen zu viel.",
        ],
    },
    "ja": {
        "t": [
            "{theme}をテーマに{form}を作ってください。",
            "{theme}についての詩を書いていますが、続きが思いつきません。最初の二行だけできています。",
            "妹の結婚式のスピーチで読む短い詩がほしいです。温かいけれど大げさすぎないもので、{theme}を入れられたら嬉しいです。",
            "{form}のルールを教えてください。{theme}について一つ書いてみたいです。",
            "自分で書いた詩のリズムについて意見をもらえますか？声に出して読むと、ぎこちない行があります。",
            "この日記の一文を{form}にしてください：「今日はバスが遅れて、空がピンク色に変わっていくのを眺めていた。」",
            "{theme}の詩に使えそうな印象的なイメージを挙げてください。ありきたりなメッセージカードっぽくはしたくないです。",
            "赤ちゃんのために、{theme}をテーマにした子守唄風の四行の詩を書いてください。",
            "{form}は必ず決まった形を守らないといけませんか？{theme}について書いたものを先生に「形が崩れている」と言われました。",
        ],
        "s": {
            "theme": ["秋の雨", "祖母の台所", "初雪", "夜行列車", "夜明けの海", "新しい街への引っ越し", "年老いた犬"],
            "form": ["俳句", "短歌", "ソネット", "韻を踏んだ短い詩", "川柳"],
        },
        "a": [
            "抽象的な言葉より具体的な情景を中心にした案を書いてみました。変えたい行があれば教えてください。",
            "声に出して読みながら音の数を数えてみてください。ぎこちない行は一、二音多いことがよくあります。",
        ],
    },
    "zh": {
        "t": [
            "以{theme}为题写一首{form}。",
            "我在写一首关于{theme}的诗，只写了前两句，后面接不下去了，能帮我续写吗？",
            "妹妹婚礼上我要致辞，想读一首短诗，温暖但不要太肉麻，最好能提到{theme}。",
            "{form}有哪些规则？我想试着写一首关于{theme}的。",
            "能帮我看看这首诗的节奏吗？有几句读出来很别扭。",
            "把这句日记改成一首{form}：'今天公交车晚点了，我看着天空慢慢变成粉色。'",
            "写{theme}的诗，有哪些有画面感的意象可以用？不想写得像贺卡一样。",
            "给宝宝写四句摇篮曲风格的小诗，主题是{theme}。",
            "{form}一定要押韵吗？老师说我写{theme}的那首'不合格律'。",
        ],
        "s": {
            "theme": ["秋雨", "外婆的厨房", "初雪", "夜行火车", "黎明的大海", "搬到一座新城市", "一只老狗"],
            "form": ["俳句", "十四行诗", "七言绝句", "押韵的小诗", "五言律诗"],
        },
        "a": [
            "我写了一版，尽量用具体的画面代替抽象的大词，你看看哪几句想改。",
            "试着大声读出来并标出停顿，读着别扭的句子通常是多了一两个字。",
        ],
    },
}

DATA["Elder care"] = {
    "en": {
        "t": [
            "How can I help {who}, who is {age}, remember the daily medication without nagging all the time?",
            "We're thinking about moving {who} into assisted living. What questions should we ask when we visit a facility?",
            "I look after {who} every day after work and I'm exhausted. How do other people avoid burning out?",
            "What changes make a bathroom safer for someone who is {age} and a bit unsteady on their feet?",
            "The doctor has concerns, but {who} refuses to stop driving. How do we bring it up respectfully?",
            "Is it normal for someone who is {age} to sleep most of the afternoon? I've noticed this with {who}.",
            "What does a home care aide usually do, and roughly how many hours a week would {who} need for help with bathing and meals?",
            "My siblings and I live far from {who}. How can we share the caregiving fairly?",
            "In the evenings {who} gets confused and restless. Is that something to mention to the GP?",
        ],
        "s": {
            "who": ["my father", "my mother", "my grandmother", "my grandfather", "my elderly aunt"],
            "age": ["78", "82", "85", "89", "91"],
        },
        "a": [
            "That's a lot to carry; a weekly pill organiser plus a phone reminder is a gentle first step, and the GP can review whether the regimen can be simplified.",
            "Visit at different times of day, ask about staff turnover and how they handle night-time needs, and talk to residents' families if you can.",
        ],
    },
    "es": {
        "t": [
            "¿Cómo puedo ayudar a {who}, que tiene {age} años, a acordarse de tomar la medicación sin estar encima todo el rato?",
            "Estamos pensando en llevar a {who} a una residencia. ¿Qué preguntas deberíamos hacer al visitarla?",
            "Cuido de {who} todos los días después del trabajo y estoy agotada. ¿Cómo evitan otros cuidadores quemarse?",
            "¿Qué cambios hacen más seguro el baño para alguien de {age} años que camina con poca estabilidad?",
            "El médico no lo ve claro, pero {who} se niega a dejar de conducir. ¿Cómo sacamos el tema con respeto?",
            "¿Es normal que una persona de {age} años duerma casi toda la tarde? Lo he notado en {who}.",
            "¿Qué hace normalmente una auxiliar de ayuda a domicilio y cuántas horas a la semana necesitaría {who} para el aseo y las comidas?",
            "Mis hermanos y yo vivimos lejos de {who}. ¿Cómo repartimos los cuidados de forma justa?",
            "Por las tardes {who} se desorienta y le cuesta calmarse. ¿Deberíamos comentárselo al médico de cabecera?",
        ],
        "s": {
            "who": ["mi padre", "mi madre", "mi abuela", "mi abuelo", "mi tía mayor"],
            "age": ["78", "82", "85", "89", "91"],
        },
        "a": [
            "Es mucha carga; un pastillero semanal con un recordatorio en el móvil es un primer paso suave, y el médico puede revisar si se puede simplificar la pauta.",
            "Visítala a distintas horas, pregunta por la rotación del personal y cómo atienden por la noche, y habla con otras familias si puedes.",
        ],
    },
    "fr": {
        "t": [
            "Comment aider {who}, qui a {age} ans, à penser à prendre ses médicaments sans être toujours sur son dos ?",
            "On envisage de faire entrer {who} en EHPAD. Quelles questions poser lors de la visite ?",
            "Je m'occupe de {who} tous les soirs après le travail et je suis épuisée. Comment font les autres aidants pour tenir ?",
            "Quels aménagements rendent la salle de bain plus sûre pour une personne de {age} ans un peu instable sur ses jambes ?",
            "Le médecin est inquiet, mais {who} refuse d'arrêter de conduire. Comment aborder le sujet avec respect ?",
            "Est-ce normal qu'une personne de {age} ans dorme presque tout l'après-midi ? Je le remarque chez {who}.",
            "Que fait concrètement une aide à domicile, et combien d'heures par semaine faudrait-il pour aider {who} à la toilette et aux repas ?",
            "Mes frères et moi vivons loin de {who}. Comment se répartir l'aide de façon équitable ?",
            "Le soir, {who} perd ses repères et a du mal à se calmer. Faut-il en parler au médecin traitant ?",
        ],
        "s": {
            "who": ["mon père", "ma mère", "ma grand-mère", "mon grand-père", "ma vieille tante"],
            "age": ["78", "82", "85", "89", "91"],
        },
        "a": [
            "C'est beaucoup à porter ; un pilulier hebdomadaire avec un rappel sur le téléphone est un premier pas en douceur, et le médecin peut voir s'il est possible de simplifier le traitement.",
            "Visite à différents moments de la journée, renseigne-toi sur le turn-over du personnel et la prise en charge la nuit, et parle à d'autres familles si possible.",
        ],
    },
    "de": {
        "t": [
            "Wie kann ich {who[1]}, {age} Jahre alt, helfen, an die Tabletten zu denken, ohne ständig zu nerven?",
            "Wir überlegen, {who[2]} in ein Pflegeheim zu geben. Welche Fragen sollten wir bei der Besichtigung stellen?",
            "Ich pflege jeden Abend nach der Arbeit {who[2]} und bin völlig erschöpft. Wie vermeiden andere pflegende Angehörige einen Burnout?",
            "Welche Umbauten machen das Bad sicherer für jemanden mit {age} Jahren, der etwas wackelig auf den Beinen ist?",
            "Der Arzt hat Bedenken, aber {who[0]} will das Autofahren nicht aufgeben. Wie sprechen wir das respektvoll an?",
            "Ist es normal, dass man mit {age} fast den ganzen Nachmittag schläft? Das beobachte ich bei {who[1]}.",
            "Was macht ein ambulanter Pflegedienst genau, und wie viele Stunden pro Woche bräuchte {who[0]} Hilfe beim Waschen und bei den Mahlzeiten?",
            "Meine Geschwister und ich wohnen weit weg von {who[1]}. Wie teilen wir die Pflege fair auf?",
            "Abends ist {who[0]} oft verwirrt und unruhig. Sollten wir das beim Hausarzt ansprechen?",
            "Wie beantrage ich einen Pflegegrad für {who[2]}? Was passiert beim Begutachtungstermin?",
        ],
        "s": {
            # (nominative, dative, accusative)
            "who": [("mein Vater", "meinem Vater", "meinen Vater"),
                    ("meine Mutter", "meiner Mutter", "meine Mutter"),
                    ("meine Oma", "meiner Oma", "meine Oma"),
                    ("mein Opa", "meinem Opa", "meinen Opa"),
                    ("meine alte Tante", "meiner alten Tante", "meine alte Tante")],
            "age": ["78", "82", "85", "89", "91"],
        },
        "a": [
            "Das ist eine Menge; eine Wochen-Tablettenbox mit Handy-Erinnerung ist ein sanfter erster Schritt, und der Hausarzt kann prüfen, ob sich der Plan vereinfachen lässt.",
            "Besucht das Heim zu verschiedenen Tageszeiten, fragt nach Personalwechsel und Nachtbetreuung und sprecht wenn möglich mit anderen Angehörigen.",
        ],
    },
    "ja": {
        "t": [
            "{age}歳の{who}が薬を飲んだかどうかをよく忘れます。本人の自尊心を傷つけずに管理する方法はありますか？",
            "{who}を介護付き有料老人ホームに入れることを考えています。見学のときに確認すべきことを教えてください。",
            "仕事の後、毎日{who}の介護をしていて疲れ切っています。介護する側が燃え尽きないためのコツはありますか？",
            "足元がふらつく{age}歳の{who}のために、お風呂場を安全にするにはどんな工事が必要ですか？",
            "主治医も心配しているのに、{who}が車の運転をやめようとしません。免許の返納をどう切り出せばいいでしょうか？",
            "{age}歳になる{who}が、最近は午後のほとんどを寝て過ごしています。これは普通のことでしょうか？",
            "要介護認定の申請はどこでどうすればいいですか？{who}が一人暮らしで、最近できないことが増えてきました。",
            "来週ケアマネジャーとの面談があります。{who}のデイサービスの回数を増やしたいのですが、何を準備すればいいですか？",
            "兄弟はみんな遠方に住んでいて、{who}の世話が私一人に偏っています。負担を公平に分けるにはどう話し合えばいいですか？",
            "夕方になると{who}が混乱して落ち着かなくなります。かかりつけ医に相談したほうがいいですか？",
            "ショートステイを初めて利用します。{age}歳の{who}が嫌がらないようにするには、どう説明したらいいでしょう？",
            "遠距離介護をしています。離れて暮らす{who}の様子を見守るのに、便利なサービスや機器はありますか？",
            "{who}が入れ歯が合わないと言って、食事の量が減っています。{age}歳でも食べやすい工夫を教えてください。",
            "訪問介護とデイサービスの違いがよく分かりません。{who}の場合、どちらが合っているか判断するポイントは？",
            "介護休業を取りたいのですが、会社にどう伝えればいいですか？{who}の退院後、しばらく付き添いが必要です。",
        ],
        "s": {
            "who": ["父", "母", "祖母", "祖父", "義母", "義父"],
            "age": ["78", "82", "85", "88", "91"],
        },
        "a": [
            "大変な状況ですね。まずは地域包括支援センターに相談すると、使える介護サービスや手続きを一緒に整理してもらえます。",
            "一週間分のお薬カレンダーとスマホのリマインダーを組み合わせると、本人の負担も少なく始められます。",
            "無理をしすぎないでください。ショートステイなど、介護する側が休むためのサービスも遠慮なく使いましょう。",
        ],
    },
    "zh": {
        "t": [
            "{who}今年{age}岁，经常忘记有没有吃药，有什么简单的办法帮着管理？",
            "我们在考虑送{who}去养老院，参观的时候应该问哪些问题？",
            "我每天下班后还要照顾{who}，已经累垮了。其他照顾老人的家属是怎么撑下来的？",
            "家里老人{age}岁，走路不太稳，卫生间要怎么改造才安全？",
            "医生也有顾虑，但{who}就是不肯放弃开车，我们该怎么跟老人家沟通？",
            "{who}{age}岁了，最近下午几乎都在睡觉，这正常吗？",
            "兄弟姐妹都在外地，照顾{who}的事全落在我一个人身上，怎么商量才公平？",
            "{who}一到傍晚就糊涂、坐立不安，需要跟医生说吗？",
            "请居家护工一般做哪些事？{who}洗澡和吃饭需要人帮忙，一周大概要请多少小时？",
        ],
        "s": {
            "who": ["我爸", "我妈", "奶奶", "外公", "姥姥"],
            "age": ["78", "82", "85", "89", "91"],
        },
        "a": [
            "这确实很辛苦。可以先用一周药盒配合手机提醒，也可以请医生看看能不能简化用药。",
            "参观时最好选不同时间段去，问问护理人员流动情况和夜间照护安排，有机会也和其他家属聊聊。",
        ],
    },
}

DATA["Fitness training"] = {
    "en": {
        "t": [
            "I want to {goal} in three months. Can you make me a plan with {days} sessions a week?",
            "What's a good beginner routine at home with no equipment? I have {con}.",
            "Is it better to do cardio before or after weights if my goal is to {goal}?",
            "My legs are still sore two days after squats. Should I train through it or rest?",
            "How much protein do I actually need if I lift {days} times a week? I weigh about 70 kg.",
            "Can you suggest stretches I can do between meetings? I have {con}.",
            "I keep giving up on workout plans after two weeks. Any tips for sticking with it this time?",
            "Is walking 10,000 steps a day enough exercise, or do I need strength training too?",
            "Which exercises strengthen the back safely? I have {con}.",
            "How should I warm up before a run in cold weather?",
        ],
        "s": {
            "goal": ["run a 5K", "do ten pull-ups", "lose a bit of belly fat", "build muscle", "improve my posture"],
            "days": ["two", "three", "four"],
            "con": ["a bad knee", "lower back pain", "only 20 minutes a day", "a desk job", "very little space at home"],
        },
        "a": [
            "Start with two or three full-body sessions a week and increase the load gradually; consistency matters more than intensity at first.",
            "Mild soreness is normal, so light movement is fine, but sharp or joint pain is a signal to rest and get it checked.",
        ],
    },
    "es": {
        "t": [
            "Quiero {goal} en tres meses. ¿Me haces un plan de {days} sesiones a la semana?",
            "¿Qué rutina para principiantes puedo hacer en casa sin material? Tengo {con}.",
            "¿Es mejor hacer cardio antes o después de las pesas si quiero {goal}?",
            "Dos días después de hacer sentadillas sigo con agujetas. ¿Entreno igual o descanso?",
            "¿Cuánta proteína necesito de verdad si entreno fuerza {days} veces por semana? Peso unos 70 kg.",
            "¿Qué estiramientos puedo hacer entre reuniones? Tengo {con}.",
            "Siempre abandono los planes de ejercicio a las dos semanas. ¿Algún truco para ser constante esta vez?",
            "¿Caminar 10.000 pasos al día es suficiente o también necesito ejercicios de fuerza?",
            "¿Qué ejercicios fortalecen la espalda de forma segura si tengo {con}?",
            "¿Cómo caliento antes de salir a correr cuando hace frío?",
        ],
        "s": {
            "goal": ["correr 5 km", "hacer diez dominadas", "perder algo de barriga", "ganar músculo", "mejorar mi postura"],
            "days": ["dos", "tres", "cuatro"],
            "con": ["una rodilla lesionada", "dolor lumbar", "solo 20 minutos al día", "un trabajo de oficina",
                    "poco espacio en casa"],
        },
        "a": [
            "Empieza con dos o tres sesiones de cuerpo completo por semana y sube la carga poco a poco; al principio importa más la constancia que la intensidad.",
            "Unas agujetas leves son normales y moverse suave ayuda, pero un dolor agudo o en la articulación es señal de parar y consultarlo.",
        ],
    },
    "fr": {
        "t": [
            "Je veux {goal} d'ici trois mois. Tu peux me faire un programme de {days} séances par semaine ?",
            "Quelle routine pour débutant faire à la maison sans matériel ? J'ai {con}.",
            "Vaut-il mieux faire le cardio avant ou après la muscu si mon objectif est de {goal} ?",
            "J'ai encore des courbatures deux jours après les squats. Je m'entraîne quand même ou je me repose ?",
            "Combien de protéines me faut-il vraiment si je fais de la muscu {days} fois par semaine ? Je pèse environ 70 kg.",
            "Tu as des étirements à faire entre deux réunions ? J'ai {con}.",
            "J'abandonne toujours mes programmes de sport au bout de deux semaines. Des astuces pour tenir cette fois ?",
            "Marcher 10 000 pas par jour, ça suffit, ou il faut aussi du renforcement musculaire ?",
            "Quels exercices pour renforcer le dos sans risque quand on a {con} ?",
            "Comment s'échauffer avant de courir quand il fait froid ?",
        ],
        "s": {
            "goal": ["courir 5 km", "faire dix tractions", "perdre un peu de ventre", "prendre du muscle",
                     "travailler ma posture"],
            "days": ["deux", "trois", "quatre"],
            "con": ["un genou fragile", "mal au bas du dos", "seulement 20 minutes par jour", "un travail de bureau",
                    "très peu de place chez moi"],
        },
        "a": [
            "Commence par deux ou trois séances complètes par semaine et augmente la charge progressivement ; au début, la régularité compte plus que l'intensité.",
            "Des courbatures légères sont normales et bouger doucement aide, mais une douleur vive ou articulaire doit te faire arrêter et consulter.",
        ],
    },
    "de": {
        "t": [
            "Ich will in drei Monaten {goal}. Machst du mir einen Plan mit {days} Einheiten pro Woche?",
            "Welches Anfängerprogramm kann ich ohne Geräte zu Hause machen? Ich habe {con}.",
            "Lieber erst Cardio und dann Krafttraining oder umgekehrt, wenn ich {goal} will?",
            "Zwei Tage nach den Kniebeugen habe ich immer noch Muskelkater. Trotzdem trainieren oder pausieren?",
            "Wie viel Eiweiß brauche ich wirklich, wenn ich {days}mal pro Woche Krafttraining mache? Ich wiege etwa 70 kg.",
            "Hast du Dehnübungen für zwischen zwei Meetings? Ich habe {con}.",
            "Ich gebe Trainingspläne immer nach zwei Wochen auf. Wie bleibe ich diesmal dran?",
            "Reichen 10.000 Schritte am Tag oder brauche ich zusätzlich Krafttraining?",
            "Welche Übungen stärken den Rücken, ohne dass es riskant wird? Ich habe {con}.",
            "Wie wärme ich mich bei Kälte vor dem Laufen richtig auf?",
        ],
        "s": {
            "goal": ["5 km laufen", "zehn Klimmzüge schaffen", "etwas Bauchfett verlieren", "Muskeln aufbauen",
                     "meine Haltung verbessern"],
            "days": ["zwei", "drei", "vier"],
            "con": ["ein kaputtes Knie", "Schmerzen im unteren Rücken", "nur 20 Minuten am Tag", "einen Bürojob",
                    "kaum Platz in der Wohnung"],
        },
        "a": [
            "Starte mit zwei bis drei Ganzkörpereinheiten pro Woche und steigere die Last langsam; am Anfang zählt Regelmäßigkeit mehr als Intensität.",
            "Leichter Muskelkater ist normal und lockere Bewegung hilft, aber stechende Schmerzen oder Gelenkschmerzen sind ein Zeichen, zu pausieren und es abklären zu lassen.",
        ],
    },
    "ja": {
        "t": [
            "3か月で{goal}のが目標です。週{days}回のトレーニングメニューを作ってもらえますか？",
            "{con}、器具なしで家でできる初心者向けのメニューを教えてください。",
            "{goal}のが目標なら、有酸素運動と筋トレはどちらを先にやるべきですか？",
            "スクワットをしてから2日たっても筋肉痛が残っています。続けてトレーニングしていいですか、それとも休むべき？",
            "週{days}回筋トレをする場合、タンパク質は実際どれくらい必要ですか？体重は70kgくらいです。",
            "{con}、会議の合間にできるストレッチを教えてください。",
            "運動の計画がいつも2週間で続かなくなります。今度こそ習慣にするコツはありますか？",
            "1日1万歩歩けば運動として十分ですか？筋トレも必要でしょうか？",
            "{con}、背中を安全に鍛えられる種目を知りたいです。",
            "寒い日にランニングする前は、どんなウォーミングアップをすればいいですか？",
        ],
        "s": {
            "goal": ["5kmを走り切る", "懸垂を10回できるようになる", "お腹まわりを少し引き締める", "筋肉をつける",
                     "姿勢を良くする"],
            "days": ["2", "3", "4"],
            "con": ["膝を痛めているので", "腰痛持ちなので", "1日20分しか時間がないので", "デスクワーク中心なので",
                    "家が狭いので"],
        },
        "a": [
            "最初は週2〜3回の全身トレーニングから始めて、少しずつ負荷を上げましょう。最初は強度より継続が大切です。",
            "軽い筋肉痛なら軽く動くほうが回復が早いですが、鋭い痛みや関節の痛みがあるなら休んで受診してください。",
        ],
    },
    "zh": {
        "t": [
            "我想在三个月内{goal}，能帮我做一个每周{days}次的训练计划吗？",
            "我{con}，有没有适合新手、在家不用器械的训练？",
            "如果目标是{goal}，有氧和力量训练哪个先做更好？",
            "深蹲完两天了腿还是很酸，继续练还是休息？",
            "每周力量训练{days}次的话，到底需要多少蛋白质？我体重大概70公斤。",
            "我{con}，开会间隙可以做哪些拉伸？",
            "我每次健身计划坚持不到两周就放弃了，这次怎么才能坚持下去？",
            "每天走一万步算够运动量吗？还需要练力量吗？",
            "我{con}，哪些动作可以安全地练背？",
            "天冷的时候跑步前应该怎么热身？",
        ],
        "s": {
            "goal": ["跑完5公里", "做到10个引体向上", "减掉一点肚子", "增肌", "改善体态"],
            "days": ["两", "三", "四"],
            "con": ["膝盖有旧伤", "有腰痛", "每天只有20分钟", "整天坐办公室", "家里空间很小"],
        },
        "a": [
            "先从每周两三次全身训练开始，再逐步加重量；刚开始坚持比强度更重要。",
            "轻微酸痛是正常的，适当活动反而恢复更快；但如果是刺痛或关节疼，就要停下来去检查。",
        ],
    },
}

DATA["Personal budgeting"] = {
    "en": {
        "t": [
            "I take home {income} a month and never have anything left. Can you help me build a simple budget?",
            "Should I pay off {debt} first or start saving for {goal}?",
            "What's the 50/30/20 rule, and does it still work if rent takes half of the {income} I earn each month?",
            "How big should my emergency fund be if I'm a freelancer with irregular income?",
            "I want to save for {goal} within 18 months. How much do I need to put aside each month, and where should I keep it?",
            "Is it worth consolidating {debt} into a personal loan?",
            "My partner and I earn different amounts. What's a fair way to split shared bills?",
            "Which budgeting method works for someone who hates spreadsheets?",
            "I'm 25 and just got my first full-time job. Should I start investing or focus on {goal}?",
            "How do I stop impulse buying online? Last month almost a third of my {income} paycheck went on stuff I didn't need.",
        ],
        "s": {
            "income": ["$2,800", "$3,500", "$4,200", "$5,000"],
            "debt": ["$4,000 on a credit card", "$12,000 in student loans", "a $9,000 car loan",
                     "$2,500 on two store cards"],
            "goal": ["an emergency fund", "a house deposit", "a trip to Japan next year", "a new laptop", "my wedding"],
        },
        "a": [
            "List your fixed costs first, then give every remaining dollar a job; even a rough version of that usually shows where money leaks.",
            "Generally pay down high-interest debt first while keeping a small emergency cushion, then shift to saving for larger goals.",
        ],
    },
    "es": {
        "t": [
            "Cobro {income} al mes y nunca me sobra nada. ¿Me ayudas a hacer un presupuesto sencillo?",
            "¿Debería pagar primero {debt} o empezar a ahorrar para {goal}?",
            "¿Qué es la regla 50/30/20 y sirve si el alquiler se lleva la mitad de los {income} que gano?",
            "Soy autónomo y mis ingresos son irregulares. ¿De cuánto debería ser mi fondo de emergencia?",
            "Quiero ahorrar para {goal} en 18 meses. ¿Cuánto tengo que apartar cada mes y dónde lo guardo?",
            "¿Vale la pena reunificar {debt} en un préstamo personal?",
            "Mi pareja y yo ganamos sueldos distintos. ¿Cuál es una forma justa de repartir los gastos comunes?",
            "¿Qué método de presupuesto funciona para alguien que odia las hojas de cálculo?",
            "Tengo 25 años y acabo de conseguir mi primer trabajo fijo. ¿Empiezo a invertir o me centro en {goal}?",
            "¿Cómo dejo de comprar por impulso en internet? El mes pasado gasté casi un tercio de mis {income} en cosas que no necesitaba.",
        ],
        "s": {
            "income": ["1.400 €", "1.800 €", "2.300 €", "2.900 €"],
            "debt": ["la deuda de 3.000 € de la tarjeta de crédito", "el préstamo de estudios de 10.000 €",
                     "el préstamo del coche de 8.000 €", "los 2.000 € que debo en dos tarjetas de tienda"],
            "goal": ["un fondo de emergencia", "la entrada de un piso", "un viaje a Japón el año que viene",
                     "un portátil nuevo", "mi boda"],
        },
        "a": [
            "Apunta primero los gastos fijos y luego asigna un destino a cada euro restante; incluso una versión aproximada muestra por dónde se escapa el dinero.",
            "En general conviene pagar primero la deuda con intereses altos manteniendo un pequeño colchón, y luego ahorrar para metas mayores.",
        ],
    },
    "fr": {
        "t": [
            "Je touche {income} net par mois et il ne me reste jamais rien. Tu peux m'aider à faire un budget simple ?",
            "Je rembourse d'abord {debt} ou je commence à épargner pour {goal} ?",
            "C'est quoi la règle 50/30/20, et est-ce que ça marche si le loyer prend la moitié de mes {income} ?",
            "Je suis freelance avec des revenus irréguliers. Quel montant viser pour mon épargne de secours ?",
            "Je veux mettre de côté pour {goal} en 18 mois. Combien épargner par mois, et sur quel support ?",
            "Est-ce intéressant de regrouper {debt} dans un prêt personnel ?",
            "Mon conjoint et moi n'avons pas le même salaire. Comment partager les dépenses communes de façon juste ?",
            "Quelle méthode de budget pour quelqu'un qui déteste les tableurs ?",
            "J'ai 25 ans et je viens de signer mon premier CDI. Je commence à investir ou je me concentre sur {goal} ?",
            "Comment arrêter les achats compulsifs en ligne ? Le mois dernier, j'ai dépensé presque un tiers de mes {income} pour des choses inutiles.",
        ],
        "s": {
            "income": ["1 600 €", "2 000 €", "2 500 €", "3 100 €"],
            "debt": ["les 3 000 € de mon crédit renouvelable", "mon prêt étudiant de 10 000 €",
                     "mon crédit auto de 8 000 €", "les 2 000 € que je dois sur deux cartes de magasin"],
            "goal": ["une épargne de précaution", "l'apport pour un appartement", "un voyage au Japon l'an prochain",
                     "un nouvel ordinateur", "mon mariage"],
        },
        "a": [
            "Note d'abord tes charges fixes, puis attribue un rôle à chaque euro restant ; même approximative, cette méthode montre où part l'argent.",
            "En général, on rembourse d'abord les dettes à taux élevé en gardant un petit matelas de sécurité, puis on épargne pour les projets plus gros.",
        ],
    },
    "de": {
        "t": [
            "Ich habe {income} netto im Monat und am Ende bleibt nie etwas übrig. Hilfst du mir bei einem einfachen Budget?",
            "Soll ich zuerst {debt} abbezahlen oder anfangen, für {goal} zu sparen?",
            "Was ist die 50/30/20-Regel, und funktioniert die noch, wenn die Miete die Hälfte meiner {income} frisst?",
            "Ich bin selbstständig mit schwankendem Einkommen. Wie groß sollte mein Notgroschen sein?",
            "Ich möchte in 18 Monaten genug für {goal} zusammenhaben. Wie viel muss ich monatlich zurücklegen und wo parke ich das Geld?",
            "Lohnt es sich, {debt} mit einem Ratenkredit umzuschulden?",
            "Mein Partner und ich verdienen unterschiedlich viel. Wie teilen wir die gemeinsamen Kosten fair auf?",
            "Welche Budgetmethode passt zu jemandem, der Tabellenkalkulation hasst?",
            "Ich bin 25 und habe gerade meinen ersten festen Job. Soll ich schon investieren oder mich erst auf {goal} konzentrieren?",
            "Wie höre ich mit Online-Spontankäufen auf? Letzten Monat ging fast ein Drittel meiner {income} für unnötiges Zeug drauf.",
        ],
        "s": {
            "income": ["1.700 €", "2.100 €", "2.600 €", "3.200 €"],
            "debt": ["den Dispokredit über 3.000 €", "meinen Studienkredit über 10.000 €",
                     "den Autokredit über 8.000 €", "die 2.000 € Schulden auf zwei Kundenkarten"],
            "goal": ["einen Notgroschen", "das Eigenkapital für eine Wohnung", "eine Japanreise nächstes Jahr",
                     "einen neuen Laptop", "unsere Hochzeit"],
        },
        "a": [
            "Schreib zuerst die Fixkosten auf und gib dann jedem übrigen Euro eine Aufgabe; schon eine grobe Version zeigt, wo das Geld versickert.",
            "Meist lohnt es sich, zuerst teure Schulden zu tilgen und dabei einen kleinen Puffer zu behalten, und danach für größere Ziele zu sparen.",
        ],
    },
    "ja": {
        "t": [
            "手取りが月{income}なのに、毎月ほとんど残りません。簡単な家計簿の付け方を教えてください。",
            "{debt}を先に返すべきか、{goal}を貯め始めるべきか迷っています。",
            "50/30/20ルールって何ですか？手取り{income}のうち家賃が半分近くかかっていても使えますか？",
            "フリーランスで収入が不安定です。緊急用の貯金はいくらくらいあれば安心ですか？",
            "1年半で{goal}を貯めたいです。毎月いくら積み立てて、どこに置いておくのがいいですか？",
            "{debt}を、おまとめローンに借り換える価値はありますか？",
            "夫婦で収入に差があります。共通の生活費を公平に分けるにはどうすればいいですか？",
            "エクセルが苦手な人でも続けられる家計管理の方法はありますか？",
            "25歳で初めて正社員になりました。投資を始めるべきか、まず{goal}を優先すべきか教えてください。",
            "ネットでの衝動買いがやめられません。先月は手取り{income}の3分の1近くを要らない物に使ってしまいました。",
        ],
        "s": {
            "income": ["22万円", "25万円", "28万円", "32万円"],
            "debt": ["クレジットカードのリボ払い30万円", "奨学金の残り200万円", "車のローン120万円",
                     "消費者金融からの借入20万円"],
            "goal": ["生活防衛資金", "マンションの頭金", "来年の海外旅行の費用", "新しいパソコン代", "結婚式の費用"],
        },
        "a": [
            "まず固定費を書き出し、残りのお金に使い道を割り当ててみましょう。ざっくりでも、どこでお金が漏れているかが見えてきます。",
            "一般的には、少額の緊急資金を確保しつつ金利の高い借金から返し、その後で大きな目標の貯金に回すのがおすすめです。",
        ],
    },
    "zh": {
        "t": [
            "我每月到手{income}，但每个月都存不下钱，能帮我做个简单的预算吗？",
            "我应该先还{debt}，还是先开始攒{goal}？",
            "50/30/20法则是什么？如果房租就占了我{income}工资的一半，还适用吗？",
            "我是自由职业，收入不稳定，应急的钱留多少比较合适？",
            "想在一年半内攒够{goal}，每个月要存多少？钱放在哪里比较好？",
            "{debt}，值得用一笔个人贷款整合起来吗？",
            "我和对象收入差距挺大，共同开销怎么分摊才公平？",
            "有没有适合讨厌记账表格的人的理财方法？",
            "我25岁，刚找到第一份正式工作，应该开始定投基金，还是先攒{goal}？",
            "网购总是冲动消费，上个月把{income}工资的三分之一都花在了没用的东西上，怎么管住手？",
        ],
        "s": {
            "income": ["6000元", "8500元", "1万2", "1万5"],
            "debt": ["信用卡欠的2万块", "还剩8万的助学贷款", "10万的车贷", "花呗借呗加起来1万多"],
            "goal": ["应急备用金", "买房首付", "明年去日本旅游的钱", "换新电脑的钱", "结婚的钱"],
        },
        "a": [
            "先把固定支出列出来，再给剩下的每一块钱安排用途，哪怕粗略一点也能看出钱漏在哪里。",
            "一般建议先留一小笔应急钱，优先还利息高的债，然后再为大目标存钱。",
        ],
    },
}

DATA["Tenant rights"] = {
    "en": {
        "t": [
            "My landlord is keeping my {amount} deposit for 'general wear and tear'. Is that allowed in {place}?",
            "Can my landlord enter the apartment without notice? This happened twice last month.",
            "The heating has been broken for three weeks and the landlord ignores my emails. What are my options in {place}?",
            "I want to break my lease four months early because of a job move. What usually happens?",
            "My landlord wants to raise the rent by 15% with 30 days' notice. Is that legal in {place}?",
            "There's mould in the bedroom and the landlord says it's my fault for not opening windows. Who is responsible?",
            "Can I sublet my room for the summer if my lease doesn't mention subletting?",
            "What should I photograph when I move out so I get my {amount} deposit back?",
            "I got an eviction notice taped to my door. How much time do I have, and what should I do first?",
        ],
        "s": {
            "place": ["California", "Ontario", "England", "Texas", "New York"],
            "amount": ["$1,200", "$800", "$2,000", "$1,500"],
        },
        "a": [
            "Rules vary by jurisdiction, but landlords generally can't deduct normal wear and tear; ask for an itemised list in writing and check your local tenant board.",
            "Keep everything in writing and document the problem with dated photos; a local tenants' union or legal aid clinic can tell you the exact notice periods.",
        ],
    },
    "es": {
        "t": [
            "Mi casero se queda con la fianza de {amount} por 'desgaste general'. ¿Puede hacerlo? Vivo en {place}.",
            "¿Puede el propietario entrar en el piso sin avisar? El mes pasado lo hizo dos veces.",
            "La calefacción lleva tres semanas rota y el casero no contesta mis correos. ¿Qué puedo hacer? El piso está en {place}.",
            "Quiero dejar el contrato de alquiler cuatro meses antes por un cambio de trabajo. ¿Qué suele pasar?",
            "El propietario quiere subirme el alquiler un 15 % con un mes de preaviso. ¿Es legal?",
            "Hay moho en el dormitorio y el casero dice que es culpa mía por no ventilar. ¿A quién le corresponde arreglarlo?",
            "¿Puedo subarrendar mi habitación en verano si el contrato no dice nada al respecto?",
            "¿Qué fotos debo hacer al dejar el piso para que me devuelvan los {amount} de fianza?",
            "Me han dejado una notificación de desahucio. ¿Cuánto tiempo tengo y qué hago primero?",
            "Vivo de alquiler en {place} y el dueño quiere vender el piso. ¿Me pueden echar antes de que termine el contrato?",
        ],
        "s": {
            "place": ["Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao"],
            "amount": ["900 €", "1.200 €", "1.500 €", "750 €"],
        },
        "a": [
            "Depende de la normativa local, pero en general el desgaste normal no se puede descontar; pide por escrito un detalle de los cargos y consulta a una oficina de vivienda.",
            "Deja todo por escrito y documenta el problema con fotos fechadas; un sindicato de inquilinos o un servicio de orientación jurídica te dirá los plazos exactos.",
        ],
    },
    "fr": {
        "t": [
            "Mon propriétaire garde {amount} sur mon dépôt de garantie pour « usure normale ». Il a le droit ? J'habite à {place}.",
            "Le propriétaire peut-il entrer dans l'appartement sans prévenir ? C'est arrivé deux fois le mois dernier.",
            "Le chauffage est en panne depuis trois semaines et le bailleur ne répond pas. Quels sont mes recours à {place} ?",
            "Je dois quitter mon logement quatre mois avant la fin du bail pour une mutation. Quel préavis dois-je respecter ?",
            "Mon bailleur veut augmenter le loyer de 15 % en cours de bail. Est-ce légal ?",
            "Il y a de la moisissure dans la chambre et le proprio dit que c'est parce que je n'aère pas. Qui doit payer les travaux ?",
            "Est-ce que je peux sous-louer ma chambre cet été si mon bail ne dit rien là-dessus ?",
            "Qu'est-ce que je dois vérifier à l'état des lieux de sortie pour récupérer mes {amount} de caution ?",
            "J'ai reçu un commandement de quitter les lieux. Combien de temps j'ai et par quoi commencer ?",
            "Je suis locataire à {place} et le propriétaire veut vendre. Peut-il me faire partir avant la fin du bail ?",
        ],
        "s": {
            "place": ["Paris", "Lyon", "Bordeaux", "Lille", "Bruxelles"],
            "amount": ["800 €", "1 200 €", "950 €", "1 500 €"],
        },
        "a": [
            "Cela dépend de la réglementation locale, mais l'usure normale ne peut en principe pas être retenue ; demande un décompte écrit et renseigne-toi auprès d'une association de locataires.",
            "Garde tout par écrit et documente le problème avec des photos datées ; une association de locataires pourra t'indiquer les délais exacts.",
        ],
    },
    "de": {
        "t": [
            "Mein Vermieter behält {amount} von der Kaution wegen 'normaler Abnutzung' ein. Darf er das? Die Wohnung ist in {place}.",
            "Darf der Vermieter ohne Ankündigung in die Wohnung? Letzten Monat ist das zweimal passiert.",
            "Die Heizung ist seit drei Wochen kaputt und die Hausverwaltung reagiert nicht. Darf ich die Miete mindern?",
            "Ich muss wegen eines Jobwechsels vier Monate früher ausziehen. Wie ist das mit der Kündigungsfrist?",
            "Mein Vermieter will die Miete um 15 % erhöhen. Ist das in {place} überhaupt erlaubt?",
            "Im Schlafzimmer ist Schimmel, und der Vermieter sagt, ich lüfte falsch. Wer muss die Sanierung zahlen?",
            "Darf ich mein Zimmer im Sommer untervermieten, wenn im Mietvertrag nichts dazu steht?",
            "Worauf muss ich bei der Wohnungsübergabe achten, damit ich meine {amount} Kaution zurückbekomme?",
            "Ich habe eine Räumungsklage bekommen. Wie viel Zeit habe ich, und was muss ich zuerst tun?",
            "Ich wohne zur Miete in {place}, und der Eigentümer meldet Eigenbedarf an. Kann ich mich dagegen wehren?",
        ],
        "s": {
            "place": ["Berlin", "München", "Hamburg", "Köln", "Wien"],
            "amount": ["1.800 €", "2.400 €", "1.500 €", "3.000 €"],
        },
        "a": [
            "Das hängt vom örtlichen Recht ab, aber normale Abnutzung darf in der Regel nicht abgezogen werden; verlange eine schriftliche Aufstellung und frag beim Mieterverein nach.",
            "Halte alles schriftlich fest und dokumentiere den Mangel mit datierten Fotos; der Mieterverein kann dir die genauen Fristen nennen.",
        ],
    },
    "ja": {
        "t": [
            "退去したら、敷金{amount}が「クリーニング代と通常の汚れ」の名目でほとんど返ってきませんでした。これは正当ですか？",
            "大家さんが事前の連絡なしに部屋に入ってきました。先月だけで2回です。法的に問題ないのでしょうか？",
            "エアコンが3週間壊れたままで、管理会社に連絡しても直してくれません。{place}の賃貸です。どうすればいいですか？",
            "転勤で、契約期間の途中で4か月早く退去することになりました。違約金は払わないといけませんか？",
            "更新のときに家賃を15%上げると言われました。断ることはできますか？",
            "寝室にカビが生えて、大家さんには換気不足だと言われました。修繕費は誰が負担するべきですか？",
            "契約書に転貸について何も書いていない場合、夏の間だけ部屋を又貸ししても大丈夫ですか？",
            "{place}のアパートを来月退去します。敷金{amount}を返してもらうために、退去前に写真を撮っておくべき場所は？",
            "家賃を2か月滞納してしまい、立ち退きを求める通知が届きました。まず何をすべきですか？",
            "オーナーが建物を売却するそうです。{place}で借りている部屋を、契約期間中に追い出されることはありますか？",
        ],
        "s": {
            "place": ["東京", "大阪", "名古屋", "福岡", "札幌"],
            "amount": ["10万円", "15万円", "20万円", "8万円"],
        },
        "a": [
            "地域や契約内容によりますが、通常の使用による損耗は原則として借主負担にならないとされています。内訳を書面で求め、消費生活センターにも相談してみてください。",
            "やり取りはできるだけ書面やメールで残し、日付入りの写真で状況を記録しておきましょう。自治体の無料法律相談も利用できます。",
        ],
    },
    "zh": {
        "t": [
            "退租的时候房东以'正常损耗'为由扣了我{amount}押金，这合理吗？",
            "房东没打招呼就直接进了我租的房子，上个月来了两次，这合法吗？",
            "热水器坏了三个星期，房东一直不修，我在{place}租房，有什么办法维权？",
            "因为换工作要提前四个月退租，一般要承担什么违约责任？",
            "房东说下个月起房租涨15%，合同还没到期，他可以这样做吗？",
            "卧室墙上长了霉，房东说是我不开窗通风造成的，维修费该谁出？",
            "合同里没写能不能转租，我暑假可以把房间转租出去吗？",
            "在{place}租的房子下个月到期，搬走前要拍哪些照片才能顺利拿回{amount}押金？",
            "房东突然让我一周内搬走，说要卖房子。合同还有半年，我该怎么办？",
        ],
        "s": {
            "place": ["北京", "上海", "深圳", "成都", "杭州"],
            "amount": ["3000元", "4500元", "6000元", "8000元"],
        },
        "a": [
            "具体要看当地规定和合同条款，但一般来说正常损耗不应由租客承担；可以要求房东书面列明扣款明细，必要时咨询当地法律援助。",
            "沟通尽量留下文字记录，并用带日期的照片保存证据；当地的法律援助机构可以告诉你具体的期限。",
        ],
    },
}

DATA["Cooking"] = {
    "en": {
        "t": [
            "How do I make {dish} for {n} people? I've never cooked it before.",
            "I have {ingr} and not much else. What can I make for dinner tonight?",
            "My {dish} always comes out too dry. What am I doing wrong?",
            "Can I make {dish} the day before and reheat it, or does it get soggy?",
            "What's a good vegetarian substitute for the ground beef in a lasagna?",
            "I need a quick weeknight dinner under 30 minutes that my kids will actually eat. Ideas?",
            "How do I scale a recipe for {dish} from 4 servings to {n}? Do baking times change?",
            "What spices go well with {ingr}? I want something with a bit of heat.",
            "Is it safe to eat {dish} that's been in the fridge for four days?",
            "Give me a shopping list and plan for five cheap lunches I can meal-prep on Sunday.",
        ],
        "s": {
            "dish": ["lasagna", "chicken curry", "banana bread", "mushroom risotto", "beef stew", "pad thai",
                     "lemon tart"],
            "ingr": ["chickpeas", "leftover rice", "half a cabbage", "frozen spinach", "three eggs and some feta"],
            "n": ["4", "6", "10", "12"],
        },
        "a": [
            "Here's a simple version: brown the aromatics first, build the sauce slowly, and taste for salt at the end.",
            "Most cooked dishes keep for three to four days in the fridge if cooled quickly; when in doubt, throw it out.",
        ],
    },
    "es": {
        "t": [
            "¿Cómo preparo {dish} para {n} personas? Es mi primera vez.",
            "Tengo {ingr} y poco más. ¿Qué puedo hacer de cena esta noche?",
            "Cuando hago {dish}, siempre me sale sin jugo. ¿Qué estoy haciendo mal?",
            "¿Se puede preparar {dish} el día antes y recalentar sin que pierda textura?",
            "¿Qué sustituto vegetariano recomiendas para la carne picada de una lasaña?",
            "Necesito una cena rápida de menos de 30 minutos que mis hijos se coman sin protestar. ¿Ideas?",
            "¿Cómo adapto una receta de {dish} de 4 raciones a {n}? ¿Cambian los tiempos de horno?",
            "¿Qué especias van bien con {ingr}? Quiero algo un poco picante.",
            "¿Es seguro comer {dish} que lleva cuatro días en la nevera?",
            "Dame una lista de la compra y un plan para preparar el domingo cinco comidas baratas para toda la semana.",
        ],
        "s": {
            "dish": ["lasaña", "pollo al curry", "bizcocho de plátano", "risotto de setas", "estofado de ternera",
                     "tortilla de patatas", "tarta de limón"],
            "ingr": ["garbanzos", "arroz que sobró", "media col", "espinacas congeladas",
                     "tres huevos y un poco de queso feta"],
            "n": ["4", "6", "10", "12"],
        },
        "a": [
            "Aquí tienes una versión sencilla: sofríe primero la base aromática, deja que la salsa se haga despacio y rectifica de sal al final.",
            "La mayoría de platos cocinados aguantan tres o cuatro días en la nevera si se enfrían rápido; si dudas, mejor tirarlo.",
        ],
    },
    "fr": {
        "t": [
            "Comment faire {dish} pour {n} personnes ? Je n'en ai jamais fait.",
            "J'ai {ingr} et pas grand-chose d'autre. Qu'est-ce que je peux faire ce soir ?",
            "Quand je fais {dish}, le résultat est toujours trop sec. Qu'est-ce que je fais de travers ?",
            "Est-ce que je peux préparer {dish} la veille et réchauffer sans que ça ramollisse ?",
            "Par quoi remplacer la viande hachée dans des lasagnes pour une version végétarienne ?",
            "Il me faut un dîner rapide en moins de 30 minutes que mes enfants mangeront sans râler. Des idées ?",
            "Comment adapter une recette de 4 parts à {n} parts pour {dish} ? Le temps de cuisson change ?",
            "Quelles épices vont bien avec {ingr} ? J'aime quand ça relève un peu.",
            "Il me reste {dish} au frigo depuis quatre jours. Ça se mange encore ?",
            "Fais-moi une liste de courses et un plan pour préparer cinq déjeuners pas chers le dimanche.",
        ],
        "s": {
            "dish": ["des lasagnes", "un curry de poulet", "un banana bread", "un risotto aux champignons",
                     "un bœuf bourguignon", "un gratin dauphinois", "une tarte au citron"],
            "ingr": ["des pois chiches", "un reste de riz", "un demi-chou", "des épinards surgelés",
                     "trois œufs et un peu de feta"],
            "n": ["4", "6", "10", "12"],
        },
        "a": [
            "Voici une version simple : fais d'abord revenir les aromates, laisse la sauce mijoter doucement et rectifie l'assaisonnement à la fin.",
            "La plupart des plats cuisinés se gardent trois à quatre jours au frigo s'ils ont refroidi vite ; dans le doute, jette-le.",
        ],
    },
    "de": {
        "t": [
            "Wie mache ich {dish} für {n} Personen? Ich hab das noch nie gekocht.",
            "Ich habe nur noch {ingr[0]} da. Was kann ich heute Abend daraus kochen?",
            "Wenn ich {dish} mache, wird es immer zu trocken. Was mache ich falsch?",
            "Kann ich {dish} am Vortag vorbereiten und aufwärmen, ohne dass es matschig wird?",
            "Was ist ein guter vegetarischer Ersatz für Hackfleisch in Lasagne?",
            "Ich brauche ein schnelles Abendessen unter 30 Minuten, das meine Kinder auch essen. Ideen?",
            "Wie rechne ich ein Rezept für {dish} von 4 auf {n} Portionen um? Ändert sich die Garzeit?",
            "Welche Gewürze passen zu {ingr[1]}? Darf gern etwas scharf sein.",
            "Kann man {dish} nach vier Tagen im Kühlschrank noch essen?",
            "Mach mir eine Einkaufsliste und einen Plan für fünf günstige Mittagessen, die ich sonntags vorkochen kann.",
        ],
        "s": {
            "dish": ["Lasagne", "Hähnchencurry", "Bananenbrot", "Pilzrisotto", "Rindergulasch", "Kartoffelgratin",
                     "Zitronentarte"],
            # (accusative, dative)
            "ingr": [("Kichererbsen", "Kichererbsen"), ("übrig gebliebenen Reis", "übrig gebliebenem Reis"),
                     ("einen halben Kohlkopf", "einem halben Kohlkopf"), ("TK-Spinat", "TK-Spinat"),
                     ("drei Eier und etwas Feta", "drei Eiern und etwas Feta")],
            "n": ["4", "6", "10", "12"],
        },
        "a": [
            "Hier eine einfache Variante: zuerst die Aromaten anbraten, die Soße langsam einkochen lassen und am Ende abschmecken.",
            "Die meisten gekochten Gerichte halten sich drei bis vier Tage im Kühlschrank, wenn sie schnell abgekühlt wurden; im Zweifel lieber wegwerfen.",
        ],
    },
    "ja": {
        "t": [
            "{dish}を{n}人分作りたいです。初めて作るので、手順を教えてください。",
            "冷蔵庫に{ingr}くらいしかありません。今夜の夕飯に何が作れますか？",
            "{dish}を作るといつもパサパサになってしまいます。何が悪いのでしょうか？",
            "{dish}は前日に作っておいて、温め直しても美味しく食べられますか？",
            "ラザニアのひき肉の代わりに使える、ベジタリアン向けの食材はありますか？",
            "平日の夜に30分以内で作れて、子どもが喜んで食べる夕飯のアイデアがほしいです。",
            "4人分の{dish}のレシピを{n}人分にしたいのですが、焼き時間や煮込み時間も変わりますか？",
            "{ingr}に合うスパイスを教えてください。少しピリッとさせたいです。",
            "冷蔵庫で4日たった{dish}は、まだ食べても大丈夫ですか？",
            "日曜日に作り置きできる、安くて簡単なお弁当5日分の献立と買い物リストを作ってください。",
        ],
        "s": {
            "dish": ["ラザニア", "チキンカレー", "バナナブレッド", "きのこのリゾット", "ビーフシチュー", "肉じゃが",
                     "レモンタルト"],
            "ingr": ["ひよこ豆", "残りご飯", "キャベツ半玉", "冷凍ほうれん草", "卵3個と少しのチーズ"],
            "n": ["4", "6", "10", "12"],
        },
        "a": [
            "簡単な作り方を紹介します。香味野菜を先にしっかり炒めて、ソースはじっくり煮詰め、最後に塩加減を調整してください。",
            "加熱した料理は早めに冷ませば冷蔵で3〜4日ほど持ちますが、少しでも怪しいと感じたら食べないほうが安全です。",
        ],
    },
    "zh": {
        "t": [
            "想做{n}人份的{dish}，第一次做，能教我步骤吗？",
            "冰箱里只剩{ingr}了，今晚能做点什么？",
            "我做的{dish}总是很干，是哪里出了问题？",
            "{dish}可以提前一天做好，第二天再加热吗？会不会变得不好吃？",
            "千层面里的牛肉末可以用什么素食食材代替？",
            "工作日晚上想做一顿30分钟内搞定、孩子也爱吃的晚饭，有什么推荐？",
            "4人份的{dish}配方要改成{n}人份，烹饪时间需要调整吗？",
            "{ingr}配什么香料好吃？想要一点辣味。",
            "{dish}在冰箱放了四天，还能吃吗？",
            "帮我列一个购物清单，周日备好五天便宜又简单的午餐便当。",
        ],
        "s": {
            "dish": ["千层面", "咖喱鸡", "香蕉面包", "蘑菇烩饭", "红烧牛肉", "番茄炒蛋", "柠檬挞"],
            "ingr": ["鹰嘴豆", "剩米饭", "半颗卷心菜", "冷冻菠菜", "三个鸡蛋和一点奶酪"],
            "n": ["4", "6", "10", "12"],
        },
        "a": [
            "给你一个简单做法：先把葱姜蒜等香料炒香，酱汁小火慢慢收，最后再尝咸淡。",
            "大多数熟食快速放凉后冷藏可以放三四天；如果拿不准，还是别吃了。",
        ],
    },
}

DATA["Travel planning"] = {
    "en": {
        "t": [
            "Plan a {days}-day itinerary for {dest} for two people who like food and walking, not museums.",
            "Is {budget} enough for a week in {dest} including flights from Chicago?",
            "What's the best time of year to visit {dest} if I want to avoid crowds but still have decent weather?",
            "I'm travelling to {dest} with a toddler. Which areas are good to stay in?",
            "Do I need a visa for {dest} with a US passport, and how early should I apply?",
            "Train or rental car for getting around {dest}? We're not confident driving abroad.",
            "My flight got cancelled and the airline offered a voucher. Am I entitled to a refund instead?",
            "What should I pack for {days} days in {dest} with only a carry-on?",
            "Can you suggest a day trip from {dest} that's doable by public transport?",
            "We have a 9-hour layover in Istanbul. Is it worth leaving the airport?",
        ],
        "s": {
            "dest": ["Lisbon", "Kyoto", "Mexico City", "Iceland", "Vietnam", "Rome", "Morocco"],
            "days": ["3", "5", "7", "10"],
            "budget": ["$1,500", "$2,000", "$3,000"],
        },
        "a": [
            "Here's a rough plan that groups sights by neighbourhood so you aren't crossing town every day; adjust the pace to taste.",
            "Shoulder season is usually the sweet spot; check the official entry requirements for your passport a couple of months before you go.",
        ],
    },
    "es": {
        "t": [
            "Organízame un itinerario de {days} días por {dest} para dos personas a las que les gusta comer bien y caminar, no tanto los museos.",
            "¿Da para una semana en {dest} con {budget}, incluidos los vuelos desde Madrid?",
            "¿Cuál es la mejor época para ir a {dest} evitando las multitudes pero con buen tiempo?",
            "Viajo a {dest} con un niño pequeño. ¿Qué zonas son buenas para alojarse?",
            "¿Necesito visado para ir a {dest} con pasaporte español? ¿Con cuánta antelación lo pido?",
            "¿Tren o coche de alquiler para moverse por {dest}? No nos vemos muy seguros conduciendo fuera.",
            "Me cancelaron el vuelo y la aerolínea me ofrece un bono. ¿Tengo derecho a que me devuelvan el dinero?",
            "¿Qué meto en la maleta de cabina para {days} días en {dest}?",
            "¿Me recomiendas una excursión de un día desde {dest} que se pueda hacer en transporte público?",
            "Tenemos una escala de 9 horas en Estambul. ¿Merece la pena salir del aeropuerto?",
        ],
        "s": {
            "dest": ["Lisboa", "Kioto", "Ciudad de México", "Islandia", "Vietnam", "Roma", "Marruecos"],
            "days": ["3", "5", "7", "10"],
            "budget": ["1.500 €", "2.000 €", "3.000 €"],
        },
        "a": [
            "Aquí tienes un plan aproximado que agrupa los sitios por barrios para no cruzar la ciudad cada día; ajusta el ritmo a tu gusto.",
            "La temporada media suele ser lo ideal; revisa los requisitos oficiales de entrada para tu pasaporte un par de meses antes.",
        ],
    },
    "fr": {
        "t": [
            "Tu peux me préparer un itinéraire de {days} jours {dest[0]} pour deux personnes qui aiment bien manger et marcher, pas trop les musées ?",
            "Est-ce que {budget} suffisent pour une semaine {dest[0]}, vols depuis Paris compris ?",
            "Quelle est la meilleure période pour aller {dest[0]} en évitant la foule mais avec un temps correct ?",
            "Je pars {dest[0]} avec un enfant de deux ans. Dans quel coin loger ?",
            "Faut-il un visa pour aller {dest[0]} avec un passeport français, et combien de temps à l'avance le demander ?",
            "Train ou voiture de location pour se déplacer {dest[0]} ? On n'est pas très à l'aise pour conduire à l'étranger.",
            "Mon vol a été annulé et la compagnie me propose un avoir. J'ai droit à un remboursement ?",
            "Qu'est-ce que je mets dans un bagage cabine pour {days} jours {dest[0]} ?",
            "Tu connais une excursion à la journée au départ {dest[1]} faisable en transports en commun ?",
            "On a une escale de 9 heures à Istanbul. Ça vaut le coup de sortir de l'aéroport ?",
        ],
        "s": {
            # (where / where to, departure point)
            "dest": [("à Lisbonne", "de Lisbonne"), ("à Kyoto", "de Kyoto"), ("à Mexico", "de Mexico"),
                     ("en Islande", "de Reykjavik"), ("au Vietnam", "d'Hanoï"), ("à Rome", "de Rome"),
                     ("au Maroc", "de Marrakech")],
            "days": ["3", "5", "7", "10"],
            "budget": ["1 500 €", "2 000 €", "3 000 €"],
        },
        "a": [
            "Voici un plan approximatif qui regroupe les visites par quartier pour éviter de traverser la ville chaque jour ; adapte le rythme à ton goût.",
            "L'intersaison est souvent le meilleur compromis ; vérifie les conditions d'entrée officielles pour ton passeport deux mois avant.",
        ],
    },
    "de": {
        "t": [
            "Plan mir eine {days}-tägige Reise durch {dest} für zwei Leute, die gern gut essen und viel zu Fuß gehen, Museen eher nicht.",
            "Reichen {budget} für eine Woche in {dest}, inklusive Flug ab Frankfurt?",
            "Wann ist die beste Reisezeit für {dest}, wenn ich Menschenmassen vermeiden will, aber trotzdem gutes Wetter möchte?",
            "Wir reisen mit einem Kleinkind nach {dest}. Wo übernachtet man da am besten?",
            "Brauche ich mit deutschem Pass ein Visum für {dest}, und wie früh sollte ich es beantragen?",
            "Zug oder Mietwagen in {dest}? Wir fühlen uns beim Autofahren im Ausland nicht so sicher.",
            "Mein Flug wurde gestrichen und die Airline bietet mir einen Gutschein an. Habe ich nicht eigentlich Anspruch auf Erstattung?",
            "Was packe ich für {days} Tage in {dest} ins Handgepäck?",
            "Kannst du mir einen Tagesausflug ab {dest} empfehlen, der mit Öffis machbar ist?",
            "Wir haben 9 Stunden Aufenthalt in Istanbul. Lohnt es sich, den Flughafen zu verlassen?",
        ],
        "s": {
            "dest": ["Lissabon", "Kyoto", "Mexiko-Stadt", "Island", "Vietnam", "Rom", "Marokko"],
            "days": ["3", "5", "7", "10"],
            "budget": ["1.500 €", "2.000 €", "3.000 €"],
        },
        "a": [
            "Hier ein grober Plan, der die Sehenswürdigkeiten nach Vierteln bündelt, damit ihr nicht jeden Tag quer durch die Stadt müsst; passt das Tempo nach Lust an.",
            "Die Nebensaison ist meist ideal; prüft die offiziellen Einreisebestimmungen für euren Pass ein paar Monate vorher.",
        ],
    },
    "ja": {
        "t": [
            "{dest}に{days}日間行きます。美術館よりも食べ歩きや街歩きが好きな二人旅向けのプランを立ててください。",
            "羽田発の航空券込みで、{dest}に1週間{budget}で行けますか？",
            "混雑を避けつつ気候もいい時期に{dest}へ行くなら、いつがおすすめですか？",
            "2歳の子どもを連れて{dest}に行きます。泊まるならどのエリアが便利ですか？",
            "日本のパスポートで{dest}に行く場合、ビザは必要ですか？申請はどのくらい前にすればいいですか？",
            "{dest}での移動は電車とレンタカーのどちらがいいですか？海外での運転には自信がありません。",
            "フライトが欠航になり、航空会社からクーポンを提案されました。返金してもらうことはできますか？",
            "機内持ち込みの荷物だけで{dest}に{days}日間行きたいです。何を持っていけばいいですか？",
            "{dest}から公共交通機関で行ける日帰り旅行先を教えてください。",
            "イスタンブールで9時間の乗り継ぎがあります。空港の外に出る価値はありますか？",
        ],
        "s": {
            "dest": ["リスボン", "台北", "メキシコシティ", "アイスランド", "ベトナム", "ローマ", "モロッコ"],
            "days": ["3", "5", "7", "10"],
            "budget": ["20万円", "30万円", "40万円"],
        },
        "a": [
            "エリアごとに観光地をまとめた大まかなプランを作りました。毎日街を横断しなくて済むので、ペースはお好みで調整してください。",
            "混雑を避けるなら、ハイシーズンの前後が狙い目です。入国条件は出発の2か月ほど前に公式情報で確認しておきましょう。",
        ],
    },
    "zh": {
        "t": [
            "帮我规划一个{dest}{days}天的行程，两个人，喜欢吃和散步，对博物馆兴趣不大。",
            "从上海出发，含机票，{budget}预算够在{dest}玩一周吗？",
            "想避开人多的时候、天气又不错，什么季节去{dest}最好？",
            "带两岁的孩子去{dest}，住哪个区域比较方便？",
            "中国护照去{dest}需要签证吗？要提前多久办？",
            "在{dest}出行是坐火车好还是租车好？我们不太敢在国外开车。",
            "航班被取消了，航空公司只给代金券，我可以要求退款吗？",
            "只带一个登机箱去{dest}玩{days}天，应该带些什么？",
            "从{dest}出发，有没有坐公共交通就能去的一日游推荐？",
            "在伊斯坦布尔转机要停9个小时，值得出机场逛逛吗？",
        ],
        "s": {
            "dest": ["里斯本", "京都", "墨西哥城", "冰岛", "越南", "罗马", "摩洛哥"],
            "days": ["3", "5", "7", "10"],
            "budget": ["1万元", "1万5", "2万元"],
        },
        "a": [
            "我按区域把景点排了一个大致行程，这样不用每天横穿城市，节奏你可以再调整。",
            "一般淡旺季之间的时候最合适；出发前两个月左右记得查一下官方的入境要求。",
        ],
    },
}

DATA["Math homework"] = {
    "en": {
        "t": [
            "Can you walk me through solving {eq}? I keep getting the wrong answer.",
            "How do I find the derivative of {fn}? Please explain each step.",
            "My kid in {grade} has a word problem: two trains leave stations 300 km apart at 80 and 70 km/h toward each other. When do they meet? How do I explain it?",
            "What's the difference between permutations and combinations? My homework asks how many ways there are to pick 3 students from 10.",
            "I don't get why dividing by a fraction is the same as multiplying by its reciprocal. Is there an intuitive explanation?",
            "Check my work: I said the probability of rolling two sixes is 1/6 + 1/6 = 1/3. Is that right?",
            "How do I complete the square for {quad}?",
            "What's the area of a triangle with sides 7, 8 and 9? We're supposed to use Heron's formula.",
            "Explain the chain rule like I'm in {grade}, using {fn} as the example.",
            "How do I prove that the square root of 2 is irrational? I need it for a {grade} assignment.",
        ],
        "s": {
            "grade": ["7th grade", "9th grade", "high school", "first-year university"],
            "eq": ["2x + 5 = 17", "3(x - 4) = 2x + 1", "x^2 - 5x + 6 = 0", "x/3 + 2 = 8"],
            "fn": ["f(x) = x^2 + 3x", "f(x) = x sin(x)", "f(x) = e^(2x)", "f(x) = ln(x^2 + 1)"],
            "quad": ["x^2 + 6x + 2 = 0", "x^2 - 4x - 1 = 0", "2x^2 + 8x + 3 = 0"],
        },
        "a": [
            "Let's do it step by step: first isolate the term with x, then divide both sides by its coefficient, and check by substituting back.",
            "The key idea is to differentiate the outer function and multiply by the derivative of the inner one; here is the worked example.",
        ],
    },
    "es": {
        "t": [
            "¿Me explicas paso a paso cómo resolver {eq}? Siempre me sale mal.",
            "¿Cómo se calcula la derivada de {fn}? Explícame cada paso, por favor.",
            "Mi hijo está en {grade} y tiene este problema: dos trenes salen a la vez de estaciones separadas 300 km, a 80 y 70 km/h, uno hacia el otro. ¿Cuándo se cruzan? ¿Cómo se lo explico?",
            "¿Qué diferencia hay entre permutaciones y combinaciones? Me piden de cuántas formas se pueden elegir 3 alumnos de 10.",
            "No entiendo por qué dividir entre una fracción es multiplicar por su inversa. ¿Hay alguna explicación intuitiva?",
            "Revisa mi respuesta: puse que la probabilidad de sacar dos seises es 1/6 + 1/6 = 1/3. ¿Está bien?",
            "¿Cómo completo el cuadrado en {quad}?",
            "¿Cuál es el área de un triángulo de lados 7, 8 y 9? Tenemos que usar la fórmula de Herón.",
            "Explícame la regla de la cadena como si estuviera en {grade}, con {fn} de ejemplo.",
            "¿Cómo demuestro que la raíz cuadrada de 2 es irracional? Es para un trabajo de {grade}.",
        ],
        "s": {
            "grade": ["1º de ESO", "3º de ESO", "bachillerato", "primero de carrera"],
            "eq": ["2x + 5 = 17", "3(x - 4) = 2x + 1", "x^2 - 5x + 6 = 0", "x/3 + 2 = 8"],
            "fn": ["f(x) = x^2 + 3x", "f(x) = x sen(x)", "f(x) = e^(2x)", "f(x) = ln(x^2 + 1)"],
            "quad": ["x^2 + 6x + 2 = 0", "x^2 - 4x - 1 = 0", "2x^2 + 8x + 3 = 0"],
        },
        "a": [
            "Vamos paso a paso: primero deja sola la x en un lado, luego divide entre su coeficiente y comprueba sustituyendo.",
            "La idea clave es derivar la función de fuera y multiplicar por la derivada de la de dentro; aquí tienes el ejemplo resuelto.",
        ],
    },
    "fr": {
        "t": [
            "Tu peux m'expliquer étape par étape comment résoudre {eq} ? Je trouve toujours un résultat faux.",
            "Comment calculer la dérivée de {fn} ? Explique-moi chaque étape.",
            "Mon fils est en {grade} et doit résoudre : deux trains partent en même temps de gares distantes de 300 km, à 80 et 70 km/h, l'un vers l'autre. Quand se croisent-ils ? Comment le lui expliquer ?",
            "Quelle différence entre permutations et combinaisons ? On me demande de combien de façons on peut choisir 3 élèves parmi 10.",
            "Je ne comprends pas pourquoi diviser par une fraction revient à multiplier par son inverse. Il y a une explication intuitive ?",
            "Tu peux vérifier ? J'ai écrit que la probabilité d'obtenir deux six est 1/6 + 1/6 = 1/3. C'est juste ?",
            "Comment on met {quad} sous forme canonique ?",
            "Quelle est l'aire d'un triangle de côtés 7, 8 et 9 ? Il faut utiliser la formule de Héron.",
            "Explique-moi la dérivée d'une fonction composée comme si j'étais en {grade}, avec {fn} comme exemple.",
            "Comment démontrer que racine de 2 est irrationnel ? C'est pour un devoir de {grade}.",
        ],
        "s": {
            "grade": ["cinquième", "troisième", "première", "L1"],
            "eq": ["2x + 5 = 17", "3(x - 4) = 2x + 1", "x^2 - 5x + 6 = 0", "x/3 + 2 = 8"],
            "fn": ["f(x) = x^2 + 3x", "f(x) = x sin(x)", "f(x) = e^(2x)", "f(x) = ln(x^2 + 1)"],
            "quad": ["x^2 + 6x + 2", "x^2 - 4x - 1", "2x^2 + 8x + 3"],
        },
        "a": [
            "Allons-y étape par étape : isole d'abord le terme en x, divise par son coefficient, puis vérifie en remplaçant.",
            "L'idée clé est de dériver la fonction extérieure puis de multiplier par la dérivée de la fonction intérieure ; voici l'exemple détaillé.",
        ],
    },
    "de": {
        "t": [
            "Kannst du mir Schritt für Schritt zeigen, wie man {eq} löst? Ich komme immer auf das falsche Ergebnis.",
            "Wie leite ich {fn} ab? Bitte erklär jeden Schritt.",
            "Mein Sohn ist {grade} und hat diese Textaufgabe: Zwei Züge fahren gleichzeitig von 300 km entfernten Bahnhöfen mit 80 und 70 km/h aufeinander zu. Wann treffen sie sich? Wie erkläre ich ihm das?",
            "Was ist der Unterschied zwischen Permutationen und Kombinationen? Gefragt ist, wie viele Möglichkeiten es gibt, 3 von 10 Schülern auszuwählen.",
            "Warum ist Teilen durch einen Bruch dasselbe wie Malnehmen mit dem Kehrwert? Gibt es dafür eine anschauliche Erklärung?",
            "Kontrollier bitte meine Lösung: Ich habe geschrieben, die Wahrscheinlichkeit für zwei Sechsen ist 1/6 + 1/6 = 1/3. Stimmt das?",
            "Wie mache ich bei {quad} die quadratische Ergänzung?",
            "Wie groß ist die Fläche eines Dreiecks mit den Seiten 7, 8 und 9? Wir sollen die Formel von Heron benutzen.",
            "Erklär mir die Kettenregel so, als wäre ich {grade}, am Beispiel {fn}.",
            "Wie beweise ich, dass die Wurzel aus 2 irrational ist? Das brauche ich für eine Hausaufgabe.",
        ],
        "s": {
            "grade": ["in der 7. Klasse", "in der 9. Klasse", "in der Oberstufe", "im ersten Semester"],
            "eq": ["2x + 5 = 17", "3(x - 4) = 2x + 1", "x^2 - 5x + 6 = 0", "x/3 + 2 = 8"],
            "fn": ["f(x) = x^2 + 3x", "f(x) = x sin(x)", "f(x) = e^(2x)", "f(x) = ln(x^2 + 1)"],
            "quad": ["x^2 + 6x + 2 = 0", "x^2 - 4x - 1 = 0", "2x^2 + 8x + 3 = 0"],
        },
        "a": [
            "Gehen wir Schritt für Schritt vor: Zuerst bringst du den x-Term auf eine Seite, dann teilst du durch den Koeffizienten und machst die Probe.",
            "Der Trick ist, die äußere Funktion abzuleiten und mit der Ableitung der inneren zu multiplizieren; hier das durchgerechnete Beispiel.",
        ],
    },
    "ja": {
        "t": [
            "{eq}の解き方を順を追って教えてください。何度やっても答えが合いません。",
            "{fn}の微分はどうやって求めますか？途中式も説明してほしいです。",
            "{grade}の子どもの宿題です。300km離れた駅から時速80kmと70kmの電車が向かい合って同時に出発したら、何時間後にすれ違いますか？どう説明すればいいでしょう。",
            "順列と組み合わせの違いがわかりません。10人から3人を選ぶ方法は何通りか、という問題です。",
            "分数で割ることが逆数をかけることと同じになる理由を、直感的に説明してもらえますか？",
            "答え合わせをお願いします。サイコロを2回振って2回とも6が出る確率を1/6 + 1/6 = 1/3としました。合っていますか？",
            "{quad}を平方完成するやり方を教えてください。",
            "3辺が7、8、9の三角形の面積を求める問題です。ヘロンの公式の使い方がわかりません。",
            "{grade}でもわかるように、{fn}を例にして合成関数の微分を説明してください。",
            "√2が無理数であることの証明を教えてください。{grade}の課題で出ました。",
        ],
        "s": {
            "grade": ["中学1年", "中学3年", "高校2年", "大学1年"],
            "eq": ["2x + 5 = 17", "3(x - 4) = 2x + 1", "x² - 5x + 6 = 0", "x/3 + 2 = 8"],
            "fn": ["f(x) = x² + 3x", "f(x) = x sin x", "f(x) = e^(2x)", "f(x) = log(x² + 1)"],
            "quad": ["x² + 6x + 2", "x² - 4x - 1", "2x² + 8x + 3"],
        },
        "a": [
            "順番に解いていきましょう。まずxの項を片側に集め、係数で割ってから、元の式に代入して確かめます。",
            "ポイントは外側の関数を微分してから内側の関数の微分をかけることです。例題で一緒に確認しましょう。",
        ],
    },
    "zh": {
        "t": [
            "{eq}这道题怎么解？能一步一步讲吗？我算了好几遍都不对。",
            "{fn}的导数怎么求？请把每一步都写出来。",
            "孩子上{grade}，有道应用题：两地相距300千米，两列火车分别以每小时80千米和70千米的速度同时相向而行，几小时后相遇？我该怎么给他讲？",
            "排列和组合到底有什么区别？题目问从10个同学里选3个有多少种选法。",
            "为什么除以一个分数等于乘以它的倒数？有没有直观一点的解释？",
            "帮我检查一下：掷两次骰子都是6的概率，我写的是1/6 + 1/6 = 1/3，对吗？",
            "{quad}怎么配方？",
            "三边分别是7、8、9的三角形，面积怎么求？老师说要用海伦公式。",
            "我是{hg}学生，能不能用{fn}举例，讲讲复合函数求导的链式法则？",
            "怎么证明根号2是无理数？这是{grade}的作业题。",
            "数列1, 4, 9, 16……的前{k}项和怎么算？有公式吗？",
            "等差数列首项是3，公差是4，第{k}项是多少？我总是搞混项数。",
            "向量a=(1,2)，b=(3,-1)，求它们的夹角。我{hg}，刚学向量，看不懂书上的例题。",
            "鸡兔同笼：一共35个头、94只脚，鸡和兔各有几只？有没有不用方程的方法？",
            "{hg}的函数题：已知{fn}，求它的单调区间，该从哪里入手？",
            "不等式|x - 3| < {b}怎么解？一看到绝对值我就懵。",
        ],
        "s": {
            "grade": ["初一", "初三", "高二", "大一"],
            "eq": ["2x + 5 = 17", "3(x - 4) = 2x + 1", "x² - 5x + 6 = 0", "x/3 + 2 = 8"],
            "fn": ["f(x) = x² + 3x", "f(x) = x·sin x", "f(x) = e^(2x)", "f(x) = ln(x² + 1)"],
            "quad": ["x² + 6x + 2 = 0", "x² - 4x - 1 = 0", "2x² + 8x + 3 = 0"],
            "hg": ["高一", "高二", "高三", "大一"],
            "k": ["10", "20", "50", "n"],
            "b": ["2", "5", "7"],
        },
        "a": [
            "我们一步步来：先把含x的项移到一边，再除以系数，最后代回原式检验。",
            "关键是先对外层函数求导，再乘以内层函数的导数，下面是完整的例题过程。",
            "这类题可以先画个示意图，把已知条件标出来，思路会清楚很多。",
        ],
    },
}

DATA["Anime and manga"] = {
    "en": {
        "t": [
            "I just finished the {title} anime. Where should I start in the manga to continue the story?",
            "Can you recommend something similar to {title}? I liked the characters more than the action.",
            "Is {title} okay for a 12-year-old? My son wants to watch it.",
            "What's the difference between seinen and shonen? People keep putting {title} in one or the other.",
            "I want to start drawing in a manga style. What should I practise first, faces or anatomy?",
            "Can someone explain the ending of {title}? I feel like I missed something.",
            "What order should I watch {title} in? There are movies and OVAs and I'm confused.",
            "Recommend three short anime series (under 13 episodes) for someone who has never watched anime.",
            "Is it better to read {title} in the official app or buy the volumes? I want the creators to get paid.",
            "Write a short fan-fiction scene where two characters from {title} get stuck in a train station during a snowstorm.",
        ],
        "s": {
            "title": ["Frieren", "One Piece", "Attack on Titan", "Spy x Family", "Chainsaw Man", "Demon Slayer",
                      "Haikyu!!"],
        },
        "a": [
            "If you enjoyed the characters most, look for slower, character-driven series; I can list a few with a similar tone.",
            "The anime usually ends partway through the manga, so check a chapter guide and start a volume or so earlier to catch small cuts.",
        ],
    },
    "es": {
        "t": [
            "Acabo de terminar el anime de {title}. ¿Por qué tomo del manga sigo la historia?",
            "¿Me recomiendas algo parecido a {title}? Me gustaron más los personajes que la acción.",
            "¿{title} es apropiado para un niño de 12 años? Mi hijo quiere verlo.",
            "¿Qué diferencia hay entre seinen y shonen? Unos dicen que {title} es una cosa y otros, la otra.",
            "Quiero empezar a dibujar estilo manga. ¿Qué practico primero, caras o anatomía?",
            "¿Alguien me explica el final de {title}? Siento que me perdí algo.",
            "¿En qué orden veo {title}? Hay películas y OVAs y estoy hecho un lío.",
            "Recomiéndame tres animes cortos (menos de 13 episodios) para alguien que nunca ha visto anime.",
            "¿Es mejor leer {title} en la app oficial o comprar los tomos? Quiero que los autores cobren.",
            "Escribe una escena corta de fanfic en la que dos personajes de {title} se quedan atrapados en una estación de tren durante una nevada.",
        ],
        "s": {
            "title": ["Frieren", "One Piece", "Ataque a los Titanes", "Spy x Family", "Chainsaw Man",
                      "Guardianes de la Noche", "Haikyu!!"],
        },
        "a": [
            "Si lo que más te gustó fueron los personajes, busca series más pausadas y centradas en ellos; te puedo sugerir algunas con un tono parecido.",
            "El anime suele terminar a mitad del manga, así que consulta una guía de capítulos y empieza un tomo antes para no perderte escenas recortadas.",
        ],
    },
    "fr": {
        "t": [
            "Je viens de finir l'anime {title}. À partir de quel tome du manga je reprends l'histoire ?",
            "Tu me conseilles quelque chose dans le genre de {title} ? J'ai plus aimé les personnages que l'action.",
            "{title}, c'est adapté pour un enfant de 12 ans ? Mon fils veut le regarder.",
            "C'est quoi la différence entre seinen et shōnen ? Les gens classent {title} tantôt dans l'un, tantôt dans l'autre.",
            "Je veux apprendre à dessiner dans le style manga. Je commence par les visages ou par l'anatomie ?",
            "Quelqu'un peut m'expliquer la fin de {title} ? J'ai l'impression d'avoir raté un truc.",
            "Dans quel ordre regarder {title} ? Entre les films et les OAV, je suis perdu.",
            "Conseille-moi trois animes courts (moins de 13 épisodes) pour quelqu'un qui n'en a jamais regardé.",
            "Vaut-il mieux lire {title} sur l'appli officielle ou acheter les tomes ? Je veux que les auteurs soient payés.",
            "Écris une courte scène de fanfiction où deux personnages de {title} restent coincés dans une gare pendant une tempête de neige.",
        ],
        "s": {
            "title": ["Frieren", "One Piece", "L'Attaque des Titans", "Spy x Family", "Chainsaw Man", "Demon Slayer",
                      "Haikyu!!"],
        },
        "a": [
            "Si ce sont surtout les personnages qui t'ont plu, tourne-toi vers des séries plus posées et centrées sur eux ; je peux t'en citer quelques-unes au ton proche.",
            "L'anime s'arrête souvent en plein milieu du manga : regarde un guide des chapitres et reprends un tome plus tôt pour ne rien rater.",
        ],
    },
    "de": {
        "t": [
            "Ich habe den Anime zu {title} durch. Bei welchem Band im Manga steige ich ein, um weiterzulesen?",
            "Kannst du mir etwas Ähnliches wie {title} empfehlen? Mir haben die Figuren besser gefallen als die Action.",
            "Ist {title} für einen Zwölfjährigen geeignet? Mein Sohn will es unbedingt schauen.",
            "Was ist der Unterschied zwischen Seinen und Shōnen? Manche ordnen {title} so ein, andere so.",
            "Ich will anfangen, im Manga-Stil zu zeichnen. Soll ich zuerst Gesichter oder Anatomie üben?",
            "Kann mir jemand das Ende von {title} erklären? Ich habe das Gefühl, ich habe was verpasst.",
            "In welcher Reihenfolge schaue ich {title}? Es gibt Filme und OVAs, ich blick nicht mehr durch.",
            "Empfiehl mir drei kurze Anime-Serien (unter 13 Folgen) für jemanden, der noch nie Anime geschaut hat.",
            "Lieber {title} in der offiziellen App lesen oder die Bände kaufen? Die Zeichner sollen ja auch was verdienen.",
            "Schreib eine kurze Fanfiction-Szene, in der zwei Figuren aus {title} bei einem Schneesturm in einem Bahnhof festsitzen.",
        ],
        "s": {
            "title": ["Frieren", "One Piece", "Attack on Titan", "Spy x Family", "Chainsaw Man", "Demon Slayer",
                      "Haikyu!!"],
        },
        "a": [
            "Wenn dir vor allem die Figuren gefallen haben, such nach ruhigeren, charaktergetriebenen Serien; ich kann dir ein paar mit ähnlichem Ton nennen.",
            "Der Anime endet meist mitten im Manga, also schau in eine Kapitelübersicht und fang lieber einen Band früher an, um gekürzte Szenen mitzunehmen.",
        ],
    },
    "ja": {
        "t": [
            "アニメの{title}を見終わりました。続きを読むなら原作漫画の何巻からがいいですか？",
            "{title}に似た作品を教えてください。アクションよりキャラクター同士の関係が好きでした。",
            "12歳の息子が{title}を見たいと言っています。年齢的に大丈夫でしょうか？",
            "青年漫画と少年漫画の違いは何ですか？{title}はどっちに入るのかよく議論になります。",
            "漫画っぽい絵を描けるようになりたいです。顔と体のデッサン、どちらから練習すべきですか？",
            "{title}の最終回の意味がよく分かりませんでした。解説してもらえますか？",
            "{title}は劇場版やOVAもあって、どの順番で見ればいいか迷っています。",
            "アニメをほとんど見たことがない友達に、13話以内で終わるおすすめ作品を3つ教えてください。",
            "{title}は公式アプリで読むのと単行本を買うのと、作者にとってはどちらが嬉しいですか？",
            "{title}のキャラクター二人が、大雪で駅に閉じ込められる短い二次創作を書いてください。",
        ],
        "s": {
            "title": ["葬送のフリーレン", "ONE PIECE", "進撃の巨人", "SPY×FAMILY", "チェンソーマン", "鬼滅の刃",
                      "ハイキュー!!"],
        },
        "a": [
            "キャラクター重視で楽しめたなら、落ち着いた雰囲気の人間ドラマ系の作品がおすすめです。いくつか挙げますね。",
            "アニメは原作の途中で終わることが多いので、対応話数を確認して、念のため1巻ほど前から読むとカットされた場面も楽しめます。",
        ],
    },
    "zh": {
        "t": [
            "{title}动画看完了，想接着看漫画，应该从第几卷开始？",
            "有没有和{title}类似的作品推荐？我更喜欢里面的人物关系，而不是打斗。",
            "{title}适合12岁的孩子看吗？我儿子一直想看。",
            "青年漫和少年漫有什么区别？大家对{title}属于哪一类一直有争议。",
            "想学画日漫风格的画，应该先练脸还是先练人体结构？",
            "{title}的结局我没太看懂，能解释一下吗？总觉得漏掉了什么。",
            "{title}有剧场版又有OVA，到底按什么顺序看？",
            "给从没看过动漫的朋友推荐三部13集以内的短篇番吧。",
            "{title}是在正版App上看好，还是买单行本好？想让作者多拿点钱。",
            "写一小段同人：{title}里的两个角色因为暴风雪被困在火车站。",
        ],
        "s": {
            "title": ["葬送的芙莉莲", "海贼王", "进击的巨人", "间谍过家家", "电锯人", "鬼灭之刃", "排球少年"],
        },
        "a": [
            "如果你更喜欢人物，可以找节奏慢一些、以角色为主的作品，我可以推荐几部风格相近的。",
            "动画一般只改编到漫画的中段，可以查一下对应章节，保险起见往前一卷开始看，能补上被删减的情节。",
        ],
    },
}


# ---------------------------------------------------------------------------
# Builder
# ---------------------------------------------------------------------------
_FORMATTER = string.Formatter()


def _slot_names(template: str) -> list[str]:
    names = []
    for _, field, _, _ in _FORMATTER.parse(template):
        if field is None:
            continue
        base = field.split("[", 1)[0].split(".", 1)[0]
        if base not in names:
            names.append(base)
    return names


def _fill(rng: random.Random, template: str, slots: dict) -> str:
    values = {name: rng.choice(slots[name]) for name in _slot_names(template)}
    return template.format(**values)


def _user_messages(rng: random.Random, entry: dict, n: int, used: set) -> list[str]:
    """n distinct first user messages, cycling through the templates in a shuffled order."""
    templates = list(entry["t"])
    rng.shuffle(templates)
    out: list[str] = []
    exhausted: set[int] = set()
    i = 0
    while len(out) < n:
        if len(exhausted) == len(templates):
            raise RuntimeError(f"not enough distinct messages: wanted {n}, got {len(out)}")
        k = i % len(templates)
        i += 1
        if k in exhausted:
            continue
        for _ in range(40):
            text = _fill(rng, templates[k], entry["s"])
            if text not in used:
                used.add(text)
                out.append(text)
                break
        else:
            exhausted.add(k)
    return out


def build(seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    used_texts: set[str] = set()
    used_user_ids: set[str] = set()
    category = dict(TOPICS)
    records = []

    def new_user_id() -> str:
        while True:
            uid = "u_%08x" % rng.getrandbits(32)
            if uid not in used_user_ids:
                used_user_ids.add(uid)
                return uid

    for topic, _ in TOPICS:
        for lang, n in zip(LANGS, COUNTS[topic]):
            entry = DATA[topic][lang]
            texts = _user_messages(rng, entry, n, used_texts)
            cell_users: list[list] = []  # [user_id, conversations so far]
            for text in texts:
                reusable = [u for u in cell_users if u[1] < MAX_CONV_PER_USER]
                if reusable and rng.random() < REUSE_USER_RATE:
                    user = rng.choice(reusable)
                    user[1] += 1
                else:
                    user = [new_user_id(), 1]
                    cell_users.append(user)
                messages = [
                    {"role": "user", "content": text},
                    {"role": "assistant", "content": rng.choice(entry["a"])},
                ]
                if rng.random() < FOLLOW_UP_RATE:
                    q, a = rng.choice(FOLLOW_UPS[lang])
                    messages.append({"role": "user", "content": q})
                    messages.append({"role": "assistant", "content": a})
                ts = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
                records.append({
                    "conversation_id": None,
                    "user_id": user[0],
                    "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "messages": messages,
                    "labels": {"topic": topic, "category": category[topic], "language": lang},
                })

    records.sort(key=lambda r: (r["timestamp"], r["user_id"], r["messages"][0]["content"]))
    for i, rec in enumerate(records, 1):
        rec["conversation_id"] = "conv-%04d" % i
    return records


def counts_table(records: list[dict]) -> dict:
    table = {t: {l: 0 for l in LANGS} for t, _ in TOPICS}
    for r in records:
        table[r["labels"]["topic"]][r["labels"]["language"]] += 1
    return table


def lift_table(records: list[dict]) -> dict:
    """lift(L, T) = share of language L inside topic T / share of L overall."""
    table = counts_table(records)
    total = len(records)
    lang_tot = {l: sum(table[t][l] for t in table) for l in LANGS}
    out = {}
    for t, row in table.items():
        t_tot = sum(row.values())
        out[t] = {l: (row[l] / t_tot) / (lang_tot[l] / total) for l in LANGS}
    return out


def format_tables(records: list[dict], markdown: bool = False) -> str:
    counts = counts_table(records)
    lifts = lift_table(records)
    lang_tot = {l: sum(counts[t][l] for t in counts) for l in LANGS}
    w = max(len(t) for t, _ in TOPICS)
    lines = []
    if markdown:
        head = "| topic | category | " + " | ".join(LANGS) + " | total |"
        lines += ["Counts (topic x language):", "", head, "|" + "---|" * (len(LANGS) + 3)]
        for t, c in TOPICS:
            row = counts[t]
            lines.append(f"| {t} | {c} | " + " | ".join(str(row[l]) for l in LANGS) + f" | {sum(row.values())} |")
        lines.append("| **total** | | " + " | ".join(str(lang_tot[l]) for l in LANGS) + f" | {len(records)} |")
        lines += ["", "Lift (share of language inside topic / share of language overall):", "",
                  "| topic | " + " | ".join(LANGS) + " |", "|" + "---|" * (len(LANGS) + 1)]
        for t, _ in TOPICS:
            cells = []
            for l in LANGS:
                v = f"{lifts[t][l]:.2f}"
                cells.append(f"**{v}**" if (l, t) in PLANTED else v)
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
    else:
        lines.append("counts".ljust(w) + "".join(l.rjust(6) for l in LANGS) + "total".rjust(7))
        for t, _ in TOPICS:
            row = counts[t]
            lines.append(t.ljust(w) + "".join(str(row[l]).rjust(6) for l in LANGS) + str(sum(row.values())).rjust(7))
        lines.append("total".ljust(w) + "".join(str(lang_tot[l]).rjust(6) for l in LANGS) + str(len(records)).rjust(7))
        lines.append("")
        lines.append("lift".ljust(w) + "".join(l.rjust(6) for l in LANGS))
        for t, _ in TOPICS:
            lines.append(t.ljust(w) + "".join(f"{lifts[t][l]:6.2f}" for l in LANGS))
        lines.append("")
        for l, t in PLANTED:
            lines.append(f"planted: {l} in {t!r}: lift {lifts[t][l]:.2f}")
        other = max(v for t in lifts for l, v in lifts[t].items() if (l, t) not in PLANTED)
        lines.append(f"max lift of any other cell: {other:.2f}")
    return "\n".join(lines)


def write_jsonl(records: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("conversations.jsonl"),
                    help="output path (default: conversations.jsonl next to this script)")
    ap.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    ap.add_argument("--quiet", action="store_true", help="print nothing")
    args = ap.parse_args(argv)
    records = build()
    write_jsonl(records, args.out)
    if not args.quiet:
        print(f"wrote {len(records)} conversations to {args.out}")
        print(format_tables(records))
        if args.markdown:
            print()
            print(format_tables(records, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
