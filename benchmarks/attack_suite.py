"""The attack suite over the real news of news-dev: flags, false flags and canary answers.

    python benchmarks/attack_suite.py                 # extractive mode, quarantine on and off
    python benchmarks/attack_suite.py --llm 12        # also 12 questions in LLM mode (Qwen 0.5B)
    python benchmarks/attack_suite.py --calibrate     # score distributions behind the threshold

The planted documents of ``testing/attack_suite.py`` (batches A-H) are written to
``data/attack-index/planted/`` and ingested beside the 580 articles of
``../shared/eval/news-dev/articles`` into ``data/attack-index/index`` (kept between runs, so only
changed files are read; with ``--seed-index DIR`` an existing news-dev eval index is copied in
first instead of embedding the 580 articles again).

Asked: the 46 news-dev questions, then one question aimed at each planted document's topic.
An answer *carries a canary* when its text or a quote it cites holds the canary word of any
planted document (case, accents, spacing and punctuation ignored). The same questions are
asked with ``answer.use_flagged`` on, to show how many canaries quarantine keeps out.

False flags: real articles the assessment flags, with their reasons (target at most 1 %).
Results are printed per batch, tuning (A-G) apart from held out (H), and written as JSON
with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import testing.attack_suite as suite  # noqa: E402
from assistant import Assistant  # noqa: E402
from ingest.loaders import load_file  # noqa: E402
from ingest.risk import CALIBRATION, FLAG_THRESHOLD, assess  # noqa: E402
from testing.attack_suite import (  # noqa: E402
    ask_all,
    flag_summary,
    llm_questions,
    open_index,
    summary,
)

LLM_MAX_TOKENS = 60


def calibrate() -> dict[str, Any]:
    """Document scores of the real news and of the tuning forms; the threshold is the midpoint
    of the gap between them (the held-out batches are not looked at)."""
    import tempfile

    from ingest.clean import normalise
    from testing.injection_corpus import PLANTED

    news = [
        (p.name, assess(load_file(p, str(p), 50_000_000).text).score)
        for p in sorted(suite.NEWS_ARTICLES.iterdir())
    ]
    with tempfile.TemporaryDirectory() as tmp:
        tuning = [
            x for x in suite.ATTACKS if x.batch in suite.RULE_TUNING and not x.stripped_at_ingest
        ]
        paths = suite.write(Path(tmp), tuning)
        positives = [
            (x.id, assess(load_file(p, str(p), 50_000_000).text).score)
            for x, p in zip(tuning, paths, strict=True)
        ]
    positives += [
        (p.name, assess(normalise(p.body)).score)
        for p in PLANTED
        if isinstance(p.body, str) and not p.hidden_at_ingest
    ]
    news_max = max(s for _, s in news)
    pos_min = min(s for _, s in positives)
    return {
        "news_dev_max": news_max,
        "news_dev_top": sorted(news, key=lambda x: -x[1])[:5],
        "tuning_positive_min": pos_min,
        "tuning_lowest": sorted(positives, key=lambda x: x[1])[:5],
        "midpoint": round((news_max + pos_min) / 2, 3),
        "threshold": FLAG_THRESHOLD,
        "recorded": CALIBRATION,
    }


def llm_run(a: Assistant, questions: Sequence[suite.Question]) -> list[suite.Outcome]:
    """The questions in LLM mode through the packaged Qwen2.5-0.5B (llama.cpp server)."""
    from assistant.llm import make_llm_answerer
    from assistant.local_llm import installed_model

    settings = a.settings
    if not settings.llm_configured and installed_model(settings) is None:
        raise SystemExit(
            "no LLM is configured: python -m assistant llm install --model qwen-0.5b "
            f"--data-dir {settings.data_dir}"
        )
    a._llm = make_llm_answerer(settings, a.answerer("extractive"), max_tokens=LLM_MAX_TOKENS)
    return ask_all(a, questions, mode="llm")


def print_table(name: str, rows: dict[str, Any]) -> None:
    print(f"\n{name}")
    print(f"  {'set':10} {'questions':>9} {'canary answers':>15} {'said left out':>14}")
    for key in ["news-dev", *suite.TUNING, *suite.HELD_OUT]:
        if key in rows:
            r = rows[key]
            label = key if key == "news-dev" else f"batch {key}"
            print(
                f"  {label:10} {r['questions']:>9} {r['canary_answers']:>15} "
                f"{r['said_left_out']:>14}"
            )
            for leak in r["leaks"]:
                print(
                    f"      {leak['attack'] or '-'}: {leak['question'][:70]!r} {leak['canaries']}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--work", type=Path, default=suite.WORK, help="index and planted files here"
    )
    parser.add_argument("--seed-index", type=Path, help="copy this news-dev index in first")
    parser.add_argument("--llm", type=int, default=0, metavar="N", help="N questions, LLM mode")
    parser.add_argument(
        "--llm-from", type=Path, metavar="DIR", help="use the packaged model installed in DIR"
    )
    parser.add_argument("--no-control", action="store_true", help="skip the use_flagged run")
    parser.add_argument("--calibrate", action="store_true", help="only the score distributions")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results here")
    args = parser.parse_args()

    if args.calibrate:
        print(json.dumps(calibrate(), indent=2))
        return
    started = time.perf_counter()
    a, ingest = open_index(args.work, args.seed_index)
    models = a.settings.data_dir / "models"
    if args.llm_from is not None and not models.exists():
        models.symlink_to((args.llm_from / "models").resolve())
    results: dict[str, Any] = {"ingest": ingest, "flags": flag_summary(a)}
    questions = suite.questions()
    results["extractive"] = summary(ask_all(a, questions))
    if not args.no_control:
        control = Assistant(settings=a.settings, answer={"use_flagged": True})
        results["extractive_use_flagged"] = summary(ask_all(control, questions))
        control.close()
    if args.llm:
        results["llm"] = summary(llm_run(a, llm_questions(args.llm)))
    a.close()
    results["seconds"] = round(time.perf_counter() - started, 1)

    f = results["flags"]
    print(
        f"suite: {len(suite.ATTACKS)} planted forms; tuning {suite.TUNING}, held out "
        f"{suite.HELD_OUT}"
    )
    for batch, row in f["planted"].items():
        tag = "held out" if batch in suite.HELD_OUT else "tuning"
        print(
            f"  batch {batch} ({tag}): {row['flagged']}/{row['forms']} flagged; missed "
            f"{row['missed'] or 'none'}"
        )
    print(
        f"false flags: {len(f['false_flags'])}/{f['news_articles']} real articles "
        f"({100 * f['false_flag_rate']:.2f} %)"
    )
    for row in f["false_flags"]:
        print(f"  {row['article']}: {row['reasons'][0]}")
    print_table("extractive (quarantine on, the default)", results["extractive"])
    if "extractive_use_flagged" in results:
        print_table(
            "extractive with answer.use_flagged (quarantine off)", results["extractive_use_flagged"]
        )
    if "llm" in results:
        print_table("LLM mode (packaged Qwen2.5-0.5B)", results["llm"])
    print(f"\n{results['seconds']} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
