#!/usr/bin/env python
"""bench/kiwi_options: Kiwi's batch API and cheaper options, per CPU second, and whether they change any token.

Analyses N generated proposals (bench/search.py's generator, title and description) with the analyser built as
search.analysis builds it, one call per text (what analyse_many does); then the list API with the default worker
pool, the list API with num_workers=2, the other shipped model (cong-global; knlm and sbg are no longer in
kiwipiepy-model), fewer match options (no URL, e-mail, hashtag, mention or serial patterns) and z_coda off. Each
variant says how many of the 2N texts get different search tokens from the first run. Proposals per CPU second
(this process's CPU time) is the steady figure on a shared machine; wall-clock proposals/s is printed beside it.

    .venv/bin/python bench/kiwi_options.py 1000
"""

import importlib.util
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generated_texts(count: int) -> list[str]:
    spec = importlib.util.spec_from_file_location("bench_search_generator", ROOT / "bench" / "search.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    rng = random.Random(3)
    return [text for _ in range(count) for text in generator.make_text(rng)]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livinglab.settings.test")
    import django

    django.setup()
    from kiwipiepy import Kiwi, Match

    from search import analysis

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    texts = [analysis._normalise(text) for text in generated_texts(count)]  # as before: a text analysed whole

    def build(**options):
        kiwi = Kiwi(load_typo_dict=False, load_multi_dict=False, **options)
        for name in analysis.place_names():
            for suffix in ("", *analysis.PLACE_SUFFIXES):
                kiwi.add_user_word(name + suffix, "NNP", 0.0)
        for word in analysis._lines(analysis.CIVIC_WORDS_FILE):
            kiwi.add_user_word(word, "NNG", 0.0)
        kiwi.tokenize("준비 문장입니다.")
        return kiwi

    def run(label, kiwi, *, batch=False, **options):
        cpu, wall = time.process_time(), time.perf_counter()
        results = list(kiwi.tokenize(texts, **options)) if batch else [kiwi.tokenize(t, **options) for t in texts]
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        tokens = [analysis._document_tokens(result) for result in results]
        differ = sum(a != b for a, b in zip(baseline or tokens, tokens, strict=True))
        print(
            f"{label:34s} {count / cpu:6.0f} proposals per CPU second, {count / wall:6.0f}/s wall clock, "
            f"{differ}/{len(texts)} texts with other tokens, load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        return tokens

    baseline = None
    default = build()
    baseline = run("one call per text (as today)", default)
    run("list API, default workers", default, batch=True)
    run("list API, num_workers=2", build(num_workers=2), batch=True)
    run("model cong-global", build(model_type="cong-global"))
    fewer = Match.ALL & ~(Match.URL | Match.EMAIL | Match.HASHTAG | Match.MENTION | Match.SERIAL)
    run("fewer match options", default, match_options=fewer)
    run("z_coda off", default, z_coda=False)
    run("one call per text (again)", default)
    per_written_word(analysis, texts, count, baseline)


def per_written_word(analysis, texts: list[str], count: int, baseline: list[list[str]]) -> None:
    """What search.analysis does since ANALYSER_VERSION 5: each distinct written word analysed once per process.

    The rate depends on how often words repeat, so it is printed three ways: these texts from an empty cache (the
    generator's small vocabulary: most words repeat), the same texts again (every word known), and a cold figure,
    as if no word ever repeated (the distinct words' analysis time spread over the words a proposal has).
    """
    raw = generated_texts(count)
    analysis._kiwi().tokenize("준비 문장입니다.")  # the model is read before the clock starts
    analysis._written_word.cache_clear()
    cpu = time.process_time()
    tokens = analysis.analyse_many(raw)
    cpu = time.process_time() - cpu
    info = analysis._written_word.cache_info()
    words = sum(len(text.split()) for text in raw)
    differ = sum(set(a) != set(b) for a, b in zip(baseline, tokens, strict=True))
    print(
        f"{'per written word, empty cache':34s} {count / cpu:6.0f} proposals per CPU second; {info.currsize} distinct"
        f" of {words} words ({info.hits / (info.hits + info.misses):.0%} repeats), {differ}/{len(raw)} texts with"
        f" another token set, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    cpu = time.process_time()
    analysis.analyse_many(raw)
    cpu = time.process_time() - cpu
    print(f"{'per written word, all known':34s} {count / cpu:6.0f} proposals per CPU second", flush=True)
    distinct = list(dict.fromkeys(word for text in raw for word in text.split()))
    analysis._written_word.cache_clear()
    cpu = time.process_time()
    for word in distinct:
        analysis._written_word(analysis._SPLIT_LATIN.sub(" ", analysis._normalise(word, split_latin=False)))
    cpu = time.process_time() - cpu
    per_proposal = words / count
    print(
        f"{'per written word, none repeating':34s} {len(distinct) / cpu / per_proposal:6.0f} proposals per CPU "
        f"second ({len(distinct) / cpu:.0f} words per CPU second, {per_proposal:.0f} words a proposal)",
        flush=True,
    )


if __name__ == "__main__":
    main()
