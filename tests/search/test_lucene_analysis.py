"""The Elasticsearch analysis proven on real Lucene (Debian's liblucene8-java 8.7, with its Nori, ICU and common
analysis modules), compiled and run by this test.

It builds the exact analyzer chains from the index settings the code sends (search.documents), runs the judged
query set's queries (as the backend sends them, after Korean analysis) and the demo proposals' texts through
them, and checks at the token level that every judged hit would match: each query word's tokens are among the
document's tokens in one of the searched fields, as `simple_query_string` with the AND operator requires.

What this does NOT prove: how a cluster ranks, that Elasticsearch 8 accepts these settings (the request-body
tests and the opt-in cluster suite cover what can be checked), Elasticsearch's own wrappers around these Lucene
factories (they map one-to-one, but a version may differ: a cluster runs a newer Lucene than Debian's 8.7), or
highlighting. The cluster itself is not here.
"""

import glob
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from home.demo import DATA as SITE
from proposals.demo import PLACES, TEXTS
from search import relevance
from search.backends.elasticsearch import TEXT_FIELDS, analysed_query
from search.documents import proposal_index
from search.relevance import Label

from ..conftest import skip_or_fail
from .test_es_requests import request_for

HARNESS = Path(__file__).with_name("lucene") / "AnalyzeWithLucene.java"
# ICU is not on the path: the chains use no ICU factory, and its jar needs icu4j.
JAR_NAMES = ("lucene-core", "lucene-analyzers-common", "lucene-analyzers-nori")
# Elasticsearch names -> Lucene factory (SPI) names; a name missing here fails the test, so a new filter in the
# settings cannot go unproven.
CHAR_FILTERS = {"pattern_replace": "patternReplace"}
TOKENIZERS = {"standard": "standard", "nori_tokenizer": "korean"}
FILTERS = {
    "cjk_width": "cjkWidth",
    "lowercase": "lowercase",
    "cjk_bigram": "cjkBigram",
    "nori_part_of_speech": "koreanPartOfSpeechStop",
    "nori_readingform": "koreanReadingForm",
}
PARAMS = {
    "pattern": "pattern",
    "replacement": "replacement",
    "output_unigrams": "outputUnigrams",
    "decompound_mode": "decompoundMode",
    "discard_punctuation": "discardPunctuation",
}

pytestmark = pytest.mark.slow


def lucene_jars() -> list[str]:
    jars = []
    for name in JAR_NAMES:
        found = sorted(glob.glob(f"/usr/share/java/{name}-8*.jar"))
        if not found:
            return []
        jars.append(found[-1])
    return jars


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    jars = lucene_jars()
    if not jars or not shutil.which("javac"):
        skip_or_fail("needs liblucene8-java and default-jdk-headless (apt-get install; .ci/run does)")
    build = tmp_path_factory.mktemp("lucene")
    classpath = ":".join(jars)
    subprocess.run(["javac", "-cp", classpath, "-d", str(build), str(HARNESS)], check=True, timeout=240)
    return build, f"{classpath}:{build}"


def _value(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _line(kind: str, spi: str, spec: dict) -> str:
    params = [f"{PARAMS[key]}={_value(value)}" for key, value in spec.items() if key in PARAMS]
    return "\t".join([kind, spi, *params])


def chain_lines(analysis: dict, name: str, prefix: str, config: Path) -> list[str]:
    """One analyzer of the index settings as harness lines (custom filters and tokenizers resolved by name)."""
    spec = analysis["analyzer"][name]
    lines = [f"analyzer\t{prefix}{name}"]
    for char_filter in spec.get("char_filter", []):
        definition = analysis["char_filter"][char_filter]
        lines.append(_line("charfilter", CHAR_FILTERS[definition["type"]], definition))
    tokenizer = analysis.get("tokenizer", {}).get(spec["tokenizer"], {"type": spec["tokenizer"]})
    line = _line("tokenizer", TOKENIZERS[tokenizer["type"]], tokenizer)
    if rules := tokenizer.get("user_dictionary_rules"):
        (config / "userdict.txt").write_text("\n".join(rules) + "\n", encoding="utf-8")
        line += "\tuserDictionary=userdict.txt"
    lines.append(line)
    for filter_name in spec["filter"]:
        definition = analysis.get("filter", {}).get(filter_name, {"type": filter_name})
        lines.append(_line("filter", FILTERS[definition["type"]], definition))
    return lines


def field_analyzers(mapping: dict) -> dict[str, str]:
    """Searched field -> analyzer name, from the mapping the code sends ("title.bigram" -> "korean_bigram")."""
    fields = {}
    for name, spec in mapping["properties"].items():
        if spec.get("type") == "text":
            fields[name] = spec["analyzer"]
            for sub, sub_spec in spec.get("fields", {}).items():
                fields[f"{name}.{sub}"] = sub_spec["analyzer"]
    return fields


def demo_documents() -> dict[str, tuple[Label, dict[str, str]]]:
    """Every demo proposal the generator can make, plus the judged extras: id -> (label, text per field)."""
    judgments = relevance.load()
    keys = list(judgments["templates"])
    dongs = {
        dong["slug"]: (dong["name"], dong["name_en"], gu["name"], gu["name_en"])
        for gu in SITE["areas"]
        for dong in gu["dongs"]
    }
    place_keys = {(p["ko"], p["en"]): key for key, p in judgments["places"].items()}
    documents = {}
    for key, problem in zip(keys, TEXTS["problems"], strict=True):
        for dong, places in PLACES.items():
            for place_ko, place_en in places:
                for lang, place in (("ko", place_ko), ("en", place_en)):
                    label = Label(key, lang, place_keys[(place_ko, place_en)], dong)
                    fields = {
                        "title": problem[f"title_{lang}"].format(place=place),
                        "description": problem[f"text_{lang}"].format(place=place),
                        "place": " ".join(dongs[dong]),
                    }
                    documents[f"{key}|{dong}|{place_ko}|{lang}"] = (label, fields)
    for extra in judgments["extra_proposals"]:
        label = Label(None, None, None, extra["dong"], extra=extra["key"])
        fields = {"title": extra["title"], "description": extra["description"], "place": " ".join(dongs[extra["dong"]])}
        documents[extra["key"]] = (label, fields)
    return documents


def analyse_everything(harness, *, nori: bool, documents, queries) -> tuple[dict, dict]:
    """Tokens per (document id, field) and per (query word, field), from one run of the Lucene harness."""
    build, classpath = harness
    body = proposal_index("eval", nori=nori).to_dict()
    analysis, fields = body["settings"]["analysis"], field_analyzers(body["mappings"])
    lines = [line for name in analysis["analyzer"] for line in chain_lines(analysis, name, "", build)]
    lines.append("english\tenglish")
    (build / "chains.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = []
    for doc_id, (_label, texts) in documents.items():
        for field, analyzer in fields.items():
            rows.append(f"{analyzer}\tD|{doc_id}|{field}\t{texts[field.split('.')[0]].replace(chr(10), ' ')}")
    words = {word for sent in queries.values() for word in sent.split() if not word.endswith("*")}
    for word in words:
        for field, analyzer in fields.items():
            rows.append(f"{analyzer}\tQ|{word}|{field}\t{word}")
    (build / "texts.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    output = subprocess.run(
        ["java", "-cp", classpath, "AnalyzeWithLucene", str(build), str(build / "chains.tsv"), str(build / "texts.tsv")],
        check=True, capture_output=True, text=True, timeout=600,
    ).stdout  # fmt: skip
    doc_tokens, word_tokens = {}, {}
    for line in output.splitlines():
        key, _analyzer, tokens = line.split("\t")
        kind, name, field = key.split("|", 1)[0], key.split("|", 1)[1].rsplit("|", 1)[0], key.rsplit("|", 1)[1]
        (doc_tokens if kind == "D" else word_tokens)[(name, field)] = set(tokens.split())
    return doc_tokens, word_tokens


def searched_fields() -> list[str]:
    return [field.split("^")[0] for field in TEXT_FIELDS]


def word_matches(word: str, doc_id, field: str, doc_tokens, word_tokens) -> bool:
    if word.endswith("*"):  # a prefix query: not analysed, it matches the start of any token of the field
        return any(token.startswith(word[:-1].lower()) for token in doc_tokens[(doc_id, field)])
    return bool(word_tokens[(word, field)]) and word_tokens[(word, field)] <= doc_tokens[(doc_id, field)]


def matches(doc_id, sent: str, doc_tokens, word_tokens) -> bool:
    """simple_query_string, AND: every word matches in some searched field (all of its tokens are there)."""
    return all(
        any(word_matches(word, doc_id, field, doc_tokens, word_tokens) for field in searched_fields())
        for word in sent.split()
    )


def token_recall(harness, *, nori: bool) -> dict[str, float]:
    judgments, documents = relevance.load(), demo_documents()
    labels = {doc_id: label for doc_id, (label, _) in documents.items()}
    queries = {j["query"]: analysed_query(request_for(j["query"])) for j in judgments["queries"]}
    doc_tokens, word_tokens = analyse_everything(harness, nori=nori, documents=documents, queries=queries)
    found, judged = defaultdict(int), defaultdict(int)
    for judgment in judgments["queries"]:
        for doc_id in relevance.relevant_ids(judgment, labels):
            judged[judgment["class"]] += 1
            found[judgment["class"]] += matches(doc_id, queries[judgment["query"]], doc_tokens, word_tokens)
    recall = {name: found[name] / judged[name] for name in judged}
    recall["all"] = sum(found.values()) / sum(judged.values())
    return recall


@pytest.mark.parametrize("nori", [False, True], ids=["cjk-chain", "nori"])
def test_judged_hits_match_at_the_token_level_on_lucene(harness, nori):
    recall = token_recall(harness, nori=nori)
    print(f"\nLucene token-level recall ({'Nori' if nori else 'CJK chain'}):")
    for name, value in sorted(recall.items()):
        print(f"  {name:<40} {value:.3f}")
    assert recall["all"] >= 0.95
    assert min(recall.values()) >= 0.9, recall
