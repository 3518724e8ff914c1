#!/usr/bin/env python
"""bench/analysis_real_text: the indexing analysis on written Korean that no generator made.

The write path's cost depends on how many of a text's written words the process has analysed before
(search.analysis keeps each distinct word's tokens). bench/search.py's generator repeats a small vocabulary, so
it overstates that share. This script feeds real prose instead: every HTML or text file under ``--corpus``
(for HTML, the text of its <main> element without code blocks), in path order, cut into proposals of
``--words`` written words (a title of the first six, the rest as description; 31 is the generator's mean).
The rows go through search.analysis.analyse_batches, as the write path and ``search_index --analyse`` do, in
batches of ANALYSE_BATCH, with the word cache emptied first. It prints how many words were repeats
when the analyser met them and the proposals analysed per CPU second of this process.

    .venv/bin/python bench/analysis_real_text.py --corpus DIR [--words 31] [--repeat 3]

No corpus ships with the repository. On our machines rustup installs the Korean translation of Rust by Example
(``~/.rustup/toolchains/*/share/doc/rust/html/rust-by-example/ko``), about 14,000 words of prose written by
people; docs/benchmarks.md has the figures.
"""

import argparse
import html
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TITLE_WORDS = 6
_MAIN = re.compile(r"<main>(.*?)</main>", re.S)
_CODE = re.compile(r"<pre.*?</pre>|<code.*?</code>|<script.*?</script>|<style.*?</style>", re.S)
_TAG = re.compile(r"<[^>]+>")


def prose(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() not in {".html", ".htm"}:
        return text
    main = _MAIN.search(text)
    return html.unescape(_TAG.sub(" ", _CODE.sub(" ", main.group(1) if main else text)))


def corpus_words(directory: Path) -> list[str]:
    files = sorted(
        path
        for path in directory.rglob("*")
        if path.suffix.lower() in {".html", ".htm", ".txt"} and path.name not in {"print.html", "toc.html"}
    )
    return [word for path in files for word in prose(path).split()]


def proposals(words: list[str], size: int) -> list[tuple[int, str, str]]:
    rows = []
    for number, start in enumerate(range(0, len(words) - size + 1, size), start=1):
        chunk = words[start : start + size]
        rows.append((number, " ".join(chunk[:TITLE_WORDS]), " ".join(chunk[TITLE_WORDS:])))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="A directory of HTML or text files.")
    parser.add_argument("--words", type=int, default=31, help="Written words per proposal (title and text).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs, each with an empty word cache.")
    parser.add_argument(
        "--jobs", type=int, default=1, help="Processes, as `search_index --analyse --jobs N` (wall clock then)."
    )
    options = parser.parse_args()
    if not options.corpus.is_dir():
        parser.error(f"not a directory: {options.corpus}")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livinglab.settings.test")
    import django

    django.setup()
    from search import analysis
    from search.search_text import ANALYSE_BATCH, stored_rows

    words = corpus_words(options.corpus)
    rows = proposals(words, options.words)
    if not rows:
        parser.error("the corpus holds fewer words than one proposal")
    used = [word for _, title, text in rows for word in f"{title} {text}".split()]
    hangul = sum(bool(re.search("[가-힣]", word)) for word in used)
    distinct = len({analysis._SPLIT_LATIN.sub(" ", word) for word in used})
    print(f"corpus: {options.corpus}")
    print(
        f"{len(rows):,} proposals of {options.words} words: {len(used):,} words ({hangul / len(used):.0%} with Hangul)"
    )
    print(f"distinct written words: {distinct:,}, so {1 - distinct / len(used):.1%} are repeats when read in order")

    rows = [(pk, title, text, "") for pk, title, text in rows]
    batches = [rows[start : start + ANALYSE_BATCH] for start in range(0, len(rows), ANALYSE_BATCH)]
    analysis._kiwi().tokenize("준비 문장입니다.")  # the model is loaded once per process, outside the timing
    rates = []
    for run in range(1, options.repeat + 1):
        analysis._written_word.cache_clear()
        cpu, wall = time.process_time(), time.perf_counter()
        for analysed in analysis.analyse_batches(batches, jobs=options.jobs):
            stored_rows(analysed)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if options.jobs > 1:
            # The processes' CPU time is not this process's: the wall clock, spawning and model loading included.
            rates.append(len(rows) / wall)
            print(
                f"run {run}: {len(rows) / wall:,.0f} proposals/s wall clock in {options.jobs} processes, "
                f"load {os.getloadavg()[0]:.1f}"
            )
            continue
        info = analysis._written_word.cache_info()
        rates.append(len(rows) / cpu)
        print(
            f"run {run}: {len(rows) / cpu:,.0f} proposals per CPU second ({len(rows) / wall:,.0f}/s wall clock), "
            f"word cache {info.hits:,} hits / {info.misses:,} misses, load {os.getloadavg()[0]:.1f}"
        )
    unit = "proposals/s wall clock" if options.jobs > 1 else "proposals per CPU second"
    print(f"median: {statistics.median(rates):,.0f} {unit}")


if __name__ == "__main__":
    main()
