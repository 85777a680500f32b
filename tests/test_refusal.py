"""The refusal model: its constants are the fit recorded by benchmarks/answers.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.refusal import REFUSAL, RefusalModel, Signals

RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "answers.json"


def recorded() -> dict:  # type: ignore[type-arg]
    return json.loads(RESULTS.read_text())


def test_constants_are_the_recorded_fit() -> None:
    fit = recorded()["refusal_fit"]
    assert (REFUSAL.w_score, REFUSAL.w_cross, REFUSAL.bias) == (
        fit["w_score"],
        fit["w_cross"],
        fit["bias"],
    )


def test_fit_is_rederived_from_the_recorded_signals() -> None:
    pytest.importorskip("sklearn")
    import sys

    sys.path.insert(0, str(RESULTS.parent.parent.parent))
    from benchmarks.answers import fit

    data = recorded()
    rows = [r for name in data["cases"] for r in data["cases"][name]]
    again = fit(rows)
    assert again["w_score"] == pytest.approx(REFUSAL.w_score, abs=2e-3)
    assert again["w_cross"] == pytest.approx(REFUSAL.w_cross, abs=2e-3)
    assert again["bias"] == pytest.approx(REFUSAL.bias, abs=2e-3)


def test_recorded_leave_one_out_figures_are_rederived() -> None:
    pytest.importorskip("sklearn")
    import sys

    sys.path.insert(0, str(RESULTS.parent.parent.parent))
    from benchmarks.answers import fit, summary

    data = recorded()
    rows = [r for name in data["cases"] for r in data["cases"][name]]
    loo = iter(fit(rows)["loo_answers"])
    for name, cases in data["cases"].items():
        assert summary(cases, [next(loo) for _ in cases]) == data["leave_one_out"][name]


@pytest.mark.parametrize(
    ("signals", "answers"),
    [
        pytest.param(Signals(0.80, 7.0), True, id="strong-sentence"),
        pytest.param(Signals(0.10, -11.0), False, id="unrelated"),
        pytest.param(Signals(0.50, None), True, id="no-cross-encoder-above-threshold"),
        pytest.param(Signals(0.20, None), False, id="no-cross-encoder-below-threshold"),
    ],
)
def test_decisions(signals: Signals, answers: bool) -> None:
    assert REFUSAL.answers(signals) is answers


def test_score_only_threshold_is_a_step() -> None:
    m = RefusalModel(1.0, 1.0, 0.0, score_only_threshold=0.3)
    assert m.answers(Signals(0.3)) and not m.answers(Signals(0.2999))
