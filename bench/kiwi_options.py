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
    texts = [analysis._normalise(text) for text in generated_texts(count)]

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


if __name__ == "__main__":
    main()
