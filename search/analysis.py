"""Korean-aware text analysis for the database search backend: the same tokens for documents and queries.

Residents write nouns with particles ("사거리에서"), verbs in inflected forms ("고장났어요"), compounds with or
without spaces ("버스정류장", "버스 정류장") and Latin letters or digits joined to Hangul ("LED가로등"). Kiwi
(kiwipiepy, with its model from the kiwipiepy-model package, no download at run time) splits those into
morphemes; we keep the content ones: nouns, verb and adjective stems, roots, Latin words and numbers. Particles
and endings are dropped, so "사거리에서" and "사거리" give the same token.

Loading the model takes a few seconds and ~100 MB, so it is loaded once per process, lazily, on the first
analysis (not at import: commands and workers that never search do not pay for it). See docs/benchmarks.md for
the load time and the write-path cost.
"""

import collections
import functools
import multiprocessing
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# Bumped whenever the token rules change, so `search_index --analyse` can find rows analysed by older rules.
ANALYSER_VERSION = 6

# Kiwi part-of-speech tags whose forms carry meaning for search.
NOUN_TAGS = frozenset({"NNG", "NNP", "NNB", "NR", "XR", "SH"})
STEM_TAGS = frozenset({"VV", "VA", "VV-R", "VA-R", "VV-I", "VA-I"})
LATIN_TAGS = frozenset({"SL", "SN", "W_URL", "W_EMAIL", "W_HASHTAG", "W_SERIAL"})
# Dependent nouns that say nothing alone ("것" in "무너질 것 같아요", "수" in "할 수").
EMPTY_NOUNS = frozenset({"것", "수", "데", "때", "중", "등", "번", "개", "분"})
# Place names: "행당동", "성수역", "구로구" also match "행당", "성수", "구로" (a resident types either).
PLACE_SUFFIXES = ("동", "역", "구")
_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
_ONE_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
# Markdown's inline marks (descriptions are Markdown): "**센서**로" must read as "센서로", where 로 is a particle;
# with the marks between, Kiwi took 로 for a noun of its own.
_INLINE_MARKS = re.compile(r"[*`~]+")
_SPLIT_LATIN = re.compile(r"(?<=[A-Za-z0-9])(?=[\uac00-\ud7a3])|(?<=[\uac00-\ud7a3])(?=[A-Za-z0-9])")
# English words after a romanised place name that stand for a Korean suffix: "Haengdang Station" is "행당역".
ROMANISED_SUFFIXES = {"station": "역", "dong": "동", "gu": "구"}
_lock = threading.Lock()
# Distinct written words whose analysis a process keeps (search.analysis._written_word): ~300 bytes each.
WORD_CACHE_SIZE = 100_000
PLACE_NAMES_FILE = Path(__file__).with_name("place_names.txt")
CIVIC_WORDS_FILE = Path(__file__).with_name("civic_words.txt")


def _lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def place_names() -> dict[str, str]:
    """The user dictionary's place names, Korean to romanised (shared with the Elasticsearch Nori analyser)."""
    return dict(line.split(maxsplit=1) for line in _lines(PLACE_NAMES_FILE))


@functools.cache
def _romanised() -> dict[str, str]:
    return {latin.lower(): korean for korean, latin in place_names().items()}


@functools.cache
def _kiwi():
    """The analyser, built once per process on first use (a few seconds: the model is read from disk)."""
    from kiwipiepy import Kiwi

    with _lock:
        # Without the typo and multi-word dictionaries Kiwi analyses about three times faster (docs/benchmarks.md);
        # typos are handled by search (typo correction against title words), multi-word entries are not needed.
        kiwi = Kiwi(load_typo_dict=False, load_multi_dict=False)
        for name in place_names():
            for suffix in ("", *PLACE_SUFFIXES):
                kiwi.add_user_word(name + suffix, "NNP", 0.0)
        for word in _lines(CIVIC_WORDS_FILE):
            kiwi.add_user_word(word, "NNG", 0.0)
        return kiwi


def _normalise(text: str, *, split_latin: bool = True) -> str:
    # NFKC folds full-width Latin; a space between Latin/digits and Hangul stops "LED가로등" being one word for
    # the tokenizer's dictionary lookups (Kiwi already splits most, this makes it certain). A document keeps its
    # written words whole and splits each inside (`_document`): "3번출구" is then read as "3 번출구" together.
    text = _INLINE_MARKS.sub("", unicodedata.normalize("NFKC", text or ""))
    return _SPLIT_LATIN.sub(" ", text) if split_latin else text


def _token_forms(form: str, tag: str) -> list[str]:
    form = form.lower()
    if tag in LATIN_TAGS:
        return [form] if form.isalnum() else []
    if tag in STEM_TAGS:
        # Stems carry the dictionary ending, so the verb "비다" (in "비는") is not the noun "비" (rain).
        return [form + "다"] if _HANGUL_RUN.fullmatch(form) else []
    if tag not in NOUN_TAGS or (tag == "NNB" and form in EMPTY_NOUNS):
        return []
    forms = [form]
    if tag == "NNP" and len(form) > 2 and form.endswith(PLACE_SUFFIXES):
        forms.append(form[:-1])
    return forms


def _compounds(tokens) -> list[str]:
    """Nouns written together ("보안"+"등" in "보안등을") also as one token, whichever way Kiwi split them."""
    joined, run, end = [], [], None
    for token in [*tokens, None]:
        if token is not None and token.tag in NOUN_TAGS and token.tag != "SH" and token.start == end and run:
            run.append(token.form)
        else:
            if len(run) > 1:
                joined.append("".join(run))
            run = [token.form] if token is not None and token.tag in NOUN_TAGS else []
        end = token.end if token is not None else None
    return joined


def _places_in_english(forms: list[str]) -> list[str]:
    """Korean forms of romanised place names: "Haengdang Station" also gives "행당", "행당역"."""
    found = []
    for index, form in enumerate(forms):
        if korean := _romanised().get(form):
            found.append(korean)
            following = forms[index + 1] if index + 1 < len(forms) else ""
            if suffix := ROMANISED_SUFFIXES.get(following):
                found.append(korean + suffix)
    return found


def _content(tokens) -> list[str]:
    return [form for token in tokens for form in _token_forms(token.form, token.tag)] + _compounds(tokens)


def _alphanumeric(tokens) -> list[str]:
    return [token.form.lower() for token in tokens if token.form.isalnum()]


def _document_tokens(tokens) -> list[str]:
    """The tokens of a text that Kiwi analysed whole (bench/kiwi_options.py sets Kiwi's options against it)."""
    return _content(tokens) + _places_in_english(_alphanumeric(tokens))


@functools.lru_cache(maxsize=WORD_CACHE_SIZE)
def _written_word(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """One written word's (eojeol's) content tokens and its alphanumeric forms, analysed once per process."""
    tokens = _kiwi().tokenize(word)
    return tuple(_content(tokens)), tuple(_alphanumeric(tokens))


def _document(text: str) -> list[str]:
    """A document's tokens, a written word at a time.

    Residents' texts repeat their words ("가로등이", "고장났어요", "주민센터"), so each distinct word is analysed
    once per process and kept (WORD_CACHE_SIZE words, about 30 MB). A word alone is also how queries are analysed
    (`_word_tokens`), so a document and a query now split a word the same way. What is lost is the sentence
    around a word: "비는 자리" (an empty seat) now gives the noun "비" (rain), and "지하철역" stays one token where
    a sentence could also split it into "지하철" + "역" (part-of-word queries still find it by fragment). Compounds
    never crossed a space; romanised place names with their English suffix ("Haengdang Station") are read over
    the whole text. docs/benchmarks.md has the rate and the judged set's figures before and after.
    """
    content, alphanumeric = [], []
    for word in text.split():
        word_content, word_alphanumeric = _written_word(_SPLIT_LATIN.sub(" ", word))
        content.extend(word_content)
        alphanumeric.extend(word_alphanumeric)
    return content + _places_in_english(alphanumeric)


def analyse(text: str, *, query: bool = False) -> list[str]:
    """The content tokens of a text, in order, lower-cased (duplicates kept: callers decide).

    A document keeps a place name whole and bare ("행당동", "행당"); a query asks only for the bare name, so
    "행당동" finds "행당역 사거리" and "행당1동 경로당" too. A query of one Hangul syllable is taken as the noun
    it is ("금", "비"): alone, without a sentence around it, Kiwi would guess a verb form.
    """
    text = _normalise(text, split_latin=query)
    if not text.strip():
        return []
    if query and _ONE_SYLLABLE.fullmatch(text.strip()):
        return [text.strip()]
    if not query:
        return _document(text)
    tokens = _kiwi().tokenize(text)
    if fragment := _fragment(text, tokens):
        return [fragment]
    return [forms[-1] for token in tokens if (forms := _token_forms(token.form, token.tag))]


def _dropped_without_doubt(token) -> bool:
    # Particles, endings, symbols, the copula, the suffixes that make verbs and adjectives, and the plural "들".
    return token.tag.startswith(("J", "E", "S", "VC", "XSV", "XSA")) or (token.tag == "XSN" and token.form == "들")


def _fragment(text: str, tokens) -> str | None:
    """A query word that is a piece of a longer word, as written ("로등" of "가로등"), or None.

    Kiwi reads such a piece as one-syllable nouns beside a morpheme that is neither a particle nor an ending:
    "로등" is 로 + the dependent noun 등, "정류" is 정 + the suffix 류. Asked for as that syllable, the word would
    match every text with the noun "로" or "정", so search would never look inside words, where the resident's
    word is. Asked for as written, it matches no analysed token and search finds it inside words. Trailing
    particles and endings are not part of the piece ("로등이" is "로등"); "비가" (비 + a particle) stays "비".
    """
    content = [token for token in tokens if _token_forms(token.form, token.tag)]
    if not content or any(token.tag not in NOUN_TAGS or not _ONE_SYLLABLE.fullmatch(token.form) for token in content):
        return None
    if all(_token_forms(t.form, t.tag) or _dropped_without_doubt(t) for t in tokens):
        return None
    written = [token for token in tokens if not token.tag.startswith(("J", "E", "S"))]
    return text[written[0].start : written[-1].end].lower()


def analyse_many(texts: list[str]) -> list[list[str]]:
    """`analyse` for a batch of documents."""
    normalised = [_normalise(text, split_latin=False) for text in texts]
    return [_document(text) if text.strip() else [] for text in normalised]


def analyse_proposals(rows: list[tuple[int, str, str, str]]) -> list[tuple[int, list[str], list[str]]]:
    """(id, title, description, place) rows as (id, title tokens, body tokens), in one batch.

    ``place`` (the area's names) joins the body's tokens. It is analysed once per distinct value in the batch:
    a few dozen areas serve thousands of proposals, and analysing the names with every description was more
    than half of Kiwi's time in bulk indexing (docs/benchmarks.md).
    """
    titles = analyse_many([title for _, title, _, _ in rows])
    bodies = analyse_many([description for _, _, description, _ in rows])
    distinct_places = list(dict.fromkeys(place for *_, place in rows))
    place_tokens = dict(zip(distinct_places, analyse_many(distinct_places), strict=True))
    return [
        (pk, title_tokens, body_tokens + place_tokens[place])
        for (pk, _, _, place), title_tokens, body_tokens in zip(rows, titles, bodies, strict=True)
    ]


def analyse_batches(batches: Iterable[list[tuple]], *, jobs: int = 1) -> Iterator[list[tuple]]:
    """analyse_proposals for each batch, in order; with ``jobs`` > 1 in that many processes of their own.

    Kiwi holds the GIL while it analyses, so threads would not help; each process loads the model once (under a
    second) and keeps its own word cache. The processes are spawned, not forked: a forked child would share the
    parent's open database connections. At most two batches per process are in flight, so a bulk load of any
    size holds a few batches in memory, not all of them. This module imports nothing of Django, so a spawned
    process starts without it.
    """
    if jobs <= 1:
        yield from map(analyse_proposals, batches)
        return
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending = collections.deque()
        for batch in batches:
            pending.append(pool.submit(analyse_proposals, batch))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def as_terms(tokens: list[str]) -> str:
    """Tokens as stored: distinct, space-separated, with a space at both ends so "% token %" finds whole tokens."""
    return " " + " ".join(dict.fromkeys(tokens)) + " " if tokens else ""


def query_token_groups(terms: list[str]) -> list[list[str]]:
    """For each query word, the tokens a document must contain; a word without content ("에서") drops out."""
    return [list(tokens) for tokens in map(_word_tokens, terms) if tokens]


def joined_tokens(terms: list[str]) -> list[str]:
    """The tokens of the words written together, for spacing variants ("횡단 보도" is also "횡단보도")."""
    if len(terms) < 2 or not all(_HANGUL_RUN.fullmatch(term) for term in terms):
        return []
    return list(_word_tokens("".join(terms)))


def boost_tokens(terms: list[str]) -> list[str]:
    """Tokens that rank a match higher without being required: the whole place name ("행당역" of "행당역에")."""
    required = {token for group in query_token_groups(terms) for token in group}
    return [token for word in terms for token in _word_document_tokens(word) if token not in required]


@functools.lru_cache(maxsize=4096)
def _word_tokens(word: str) -> tuple[str, ...]:
    # Queries repeat (and one search asks for its tokens three times: match, rank, highlight).
    return tuple(dict.fromkeys(analyse(word, query=True)))


@functools.lru_cache(maxsize=4096)
def _word_document_tokens(word: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(analyse(word)))


@functools.cache
def _place_tokens() -> frozenset[str]:
    names = place_names()
    forms = {name + suffix for name in names for suffix in ("", *PLACE_SUFFIXES)}
    return frozenset(forms | {latin.lower() for latin in names.values()} | set(ROMANISED_SUFFIXES) | {"동", "구", "역"})


def is_place_token(token: str) -> bool:
    """A place name of the user dictionary in any of its forms ("행당", "행당역", "haengdang", "station")."""
    return token in _place_tokens()


def cluster_query(terms: list[str]) -> str:
    """The query text sent to Elasticsearch: each word's nouns and Latin/digit tokens, or, for a word that is
    only a verb or adjective, the start of its stem as a prefix ("끊겨요" -> "끊*", "어두운" -> "어두*"; see
    stem_prefix). Prefixes match bigram and Nori tokens alike; particles and endings never reach the cluster.
    """
    words = []
    for term in terms:
        if _ONE_SYLLABLE.fullmatch(term):
            words.append(term)  # a noun ("금", "비"), as in analyse(query=True)
            continue
        normalised = _normalise(term)
        tokens = _kiwi().tokenize(normalised)
        if fragment := _fragment(normalised, tokens):
            words.append(fragment)  # a piece of a longer word ("로등"), matched by the bigram subfield
            continue
        content = [
            forms[-1]
            for token in tokens
            if token.tag not in STEM_TAGS and (forms := _token_forms(token.form, token.tag))
        ]
        stems = [token.form for token in tokens if token.tag in STEM_TAGS and _HANGUL_RUN.fullmatch(token.form)]
        if content:
            words.extend(content)
        elif stems:
            words.append(f"{stem_prefix(stems[0], irregular=tokens[0].tag.endswith('-I'))}*")
    return " ".join(dict.fromkeys(words))


def stem_prefix(stem: str, *, irregular: bool) -> str:
    """What every written form of a verb or adjective starts with.

    An irregular stem loses its last final consonant ("어둡" is written "어두워요", "미끄럽" "미끄러운"); a
    regular stem ending in a vowel may contract with the ending ("끊기" + "어요" is "끊겨요", "쌓이" + "ㅂ니다"
    is "쌓입니다"), so that syllable is dropped; a regular stem ending in a consonant stays whole ("짧", "얼").
    """
    last = ord(stem[-1]) - 0xAC00
    final = last % 28 if 0 <= last < 11172 else 0
    if irregular and final:
        return stem[:-1] + chr(ord(stem[-1]) - final)
    if not final:
        return stem[:-1] or stem
    return stem


# Words too common to say two proposals are about the same problem.
COMMON_WORDS = frozenset(
    [
        "주다",
        "하다",
        "되다",
        "있다",
        "없다",
        "같다",
        "싶다",
        "보다",
        "필요",
        "요청",
        "설치",
        "제안",
        "부탁",
        "문제",
        "주민",
        "우리",
        "너무",
        "정말",
        "please",
        "need",
        "the",
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "near",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "this",
        "to",
        "was",
        "with",
        "we",
        "us",
    ]
)


def topic_tokens(tokens) -> set[str]:
    """The tokens that say what a proposal is about: no place names, numbers or common words."""
    return {
        token
        for token in tokens
        if token not in COMMON_WORDS and not token.isdigit() and not is_place_token(token) and len(token) > 1
    }
