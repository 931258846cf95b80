"""The benchmark judges: each claim with a target is met or missed by its measured value, numbers
read from a card or a paper stay apart and unjudged, and the claim modules never divide a card's
number by a time of their own run."""

import ast
from pathlib import Path

from benchmarks.__main__ import claims_section, repeats_are
from benchmarks.verdict import as_reading, measured, read

ROOT = Path(__file__).resolve().parents[2]


def test_verdicts():
    assert measured(0.9016, ">= 0.9").verdict == "met"
    assert measured(2.78, ">= 3.5").verdict == "MISSED"
    assert measured(310.0, "<= 300").verdict == "MISSED"
    assert measured("n/a", ">= 1").verdict == "MISSED"
    assert read(0.9015, "model card").verdict == "" and as_reading(3).verdict == ""


def test_results_section_separates_judged_measured_and_read():
    lines = claims_section({"a.map50": measured(0.95, ">= 0.9"), "a.ratio": measured(1.2, ">= 1.5"),
                            "a.ms": measured(12.5), "a.card": read(0.9015, "model card"),
                            "b.error": "RuntimeError: boom"})
    text = "\n".join(lines)
    assert "1 of 3 targets met" in text and "`a.ratio`" in text.split("missed:")[1]
    assert "| `a.map50` | 0.95 | >= 0.9 | met |" in text and "| `b.error` | RuntimeError: boom | == 0 | MISSED |" in text
    measured_part, read_part = text.split("## Read from a model card or a paper")
    assert "| `a.ms` | 12.5 |" in measured_part and "a.card" not in measured_part
    assert "| `a.card` | 0.9015 | model card |" in read_part


def test_repeats_say_when_they_are_cache_hits():
    assert repeats_are(4030, 59, ({"a": 1}, {"cached": True})) == "cache hits"
    assert repeats_are(6841, 3583, {"export_cached": True}) == "cache hits"
    assert repeats_are(668, 60, {"x": 1}) == "warm (first call loads)"
    assert repeats_are(2035, 2031, {"x": 1}) == "computed each time"


def test_no_claim_module_divides_a_card_number_by_a_live_time():
    """A ratio of a number read at training time to one timed now mixes two machines and loads."""
    for path in sorted((ROOT / "benchmarks").glob("*/*.py")):
        tree = ast.parse(path.read_text())
        card_names = {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                      for target in node.targets if isinstance(target, ast.Name)
                      and "card" in ast.unparse(node.value)}
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                assert not used & card_names and "card" not in ast.unparse(node), (path.name, ast.unparse(node))
