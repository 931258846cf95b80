"""Add a topic in one command: every file it needs, each a small working example that passes the suite.

    python -m showcase.new_topic vision optical_flow                       # api_name "optical_flow"
    python -m showcase.new_topic vision optical_flow --api flow --en "Optical flow" --zh "光流"
    make topic AREA=vision TOPIC=optical_flow

Writes the backend ``showcase/<area>/<topic>.py``, the tab ``pages/<area>/<topic>.py`` with its
"Try this" steps ``pages/<area>/<topic>.try.toml``, the tests ``tests/unit/<area>/test_<topic>.py``
and ``tests/app/test_<area>_<topic>.py``, and registers the topic in ``showcase/core/topics.py``
(its entry in the area's stage and its metrics contract in ``METRICS``). The example it starts
from summarises a list of numbers; replace it with the topic's own computation, then fill in the
texts marked "fill in" (README, "Add a topic"). The area must be one of ``topics.AREAS``.
Nothing is overwritten: an existing file or topic stops the command before it writes anything.
"""

from __future__ import annotations

import argparse
import keyword
import re
from pathlib import Path
from string import Template

from showcase.core.settings import ROOT
from showcase.core.topics import AREAS, all_topics

BACKEND = Template('''"""$en: fill in what this topic shows, in a sentence or two.

Made by ``python -m showcase.new_topic $area $topic``: the example computation below summarises a
list of numbers; replace it with the topic's own. Reference: fill in (the paper or the docs).

    python -m showcase.$area.$topic "1, 2, 3, 4"
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import numpy as np

from showcase.core.errors import InputError

MAX_VALUES = 10_000


@dataclass
class Result:
    metrics: dict = field(default_factory=dict)


def parse_numbers(text: str) -> np.ndarray:
    """The numbers in ``text`` (separated by commas or spaces): at least two, all finite."""
    try:
        values = np.array([float(v) for v in str(text).replace(",", " ").split()])
    except ValueError:
        raise InputError("Write numbers separated by commas or spaces, e.g. 1, 2.5, 3.") from None
    if values.size < 2:
        raise InputError(f"Give at least two numbers; there are {values.size}.")
    if values.size > MAX_VALUES:
        raise InputError(f"{values.size} numbers; the limit is {MAX_VALUES}.")
    if not np.isfinite(values).all():
        raise InputError("Every number must be finite (no inf or nan).")
    return values


def compute(text: str = "1, 2, 3, 4") -> Result:
    """Mean and sample standard deviation of the numbers in ``text``."""
    values = parse_numbers(text)
    return Result(metrics={"n": int(values.size), "mean": float(values.mean()), "std": float(values.std(ddof=1)),
                           "model": "numpy", "source": "local"})


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("numbers", nargs="?", default="1, 2, 3, 4")
    print(compute(parser.parse_args(argv).numbers).metrics)


if __name__ == "__main__":
    main()
''')

PAGE = Template('''"""Tab: $en. Run alone: ``python -m pages.$area.$topic``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from showcase.$area import $topic as backend

t = strings("$topic", {
    "title": ("## $en", "## $zh"),
    "body": ("Fill in: two to four sentences on what this tab shows. For now it summarises a list of numbers.",
             "待填写:用两到四句话说明此标签页展示的内容。目前它对一组数字做汇总统计。"),
    "reference": ("**Compare:** fill in the paper's number to compare with.", "**对照:** 待填写可对照的论文数值。"),
    "numbers": ("Numbers", "数字"),
    "examples_note": ("Two lists: a small one, and one whose outlier pulls the mean away from most numbers.",
                      "两组数字:一组较小,另一组的离群值把均值拉离大多数数字。"),
})

EXAMPLES = [["1, 2, 3, 4"], ["2, 3, 2, 40"]]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"$api": EXAMPLES[0]}


def summary(m: dict) -> str:
    return say(f"Mean **{m['mean']:.3g}**, standard deviation **{m['std']:.3g}**, over {m['n']} numbers.",
               f"{m['n']} 个数字:均值 **{m['mean']:.3g}**,标准差 **{m['std']:.3g}**。")


@guard
def run(numbers: str = EXAMPLES[0][0]):
    """Summarise a list of numbers (fill in: the topic's own computation).

    Args:
        numbers: at least two numbers, separated by commas or spaces.

    Returns:
        the result in a sentence (English and Chinese); metrics: n, mean, std, model, source.
    """
    result = backend.compute(numbers)
    return summary(result.metrics), result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    numbers = gr.Textbox(EXAMPLES[0][0], label=t("numbers"))
    button = gr.Button(tc("run"), variant="primary")
    note = result_note()
    metrics = metrics_json()
    examples(EXAMPLES, [numbers], [note, metrics], run, t("examples_note"))
    button.click(run, [numbers], [note, metrics], api_name="$api")
    code_accordion(backend.parse_numbers, backend.compute)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
''')

TRY = Template('''# Try this: $en. Teachers: edit freely; `set` names are the parameters of run() in pages/$area/$topic.py.

[[step]]
en = "Press **Run**: the mean of 1, 2, 3 and 4 is 2.5."
zh = "按 **运行**:1、2、3、4 的均值是 2.5。"

[[step]]
en = "Load the second example: one number, 40, pulls the mean to 11.75, far from the other three."
zh = "载入第二个示例:一个数字 40 把均值拉到 11.75,远离另外三个数。"
example = 2

[[step]]
en = "Question: add 100 to the first list. Which grows more, the mean or the standard deviation?"
zh = "问题:在第一组数字中加入 100。均值和标准差,哪个增长得更多?"
set = { numbers = "1, 2, 3, 4, 100" }
answer_en = "The standard deviation: it goes from about 1.3 to about 44, while the mean goes from 2.5 to 22."
answer_zh = "标准差:它从约 1.3 变成约 44,而均值从 2.5 变成 22。"
''')

UNIT_TEST = Template('''"""``showcase.$area.$topic``: the example computation and its refusals."""

import numpy as np
import pytest

from showcase.$area.$topic import compute
from showcase.core.errors import InputError


def test_mean_and_sample_std_match_numpy():
    m = compute("1, 2, 3, 4").metrics
    assert m["n"] == 4 and m["mean"] == 2.5 and m["std"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1))


@pytest.mark.parametrize("text, words", [("1", "at least two"), ("1, x", "separated by"), ("1, inf", "finite")])
def test_bad_input_says_what_to_change(text, words):
    with pytest.raises(InputError, match=words):
        compute(text)
''')

APP_TEST = Template('''"""The $en tab through the API: its first example, a refusal, and recovery."""

import pytest

pytestmark = pytest.mark.slow


def test_${topic}_defaults_are_the_first_example(client):
    note, metrics = client.predict(api_name="/$api")
    assert metrics["n"] == 4 and metrics["mean"] == 2.5 and "2.5" in note


def test_${topic}_bad_input_then_recovers(client, fails_clearly):
    fails_clearly("/$api", "1", match="at least two", by="backend")
    assert client.predict("2, 4", api_name="/$api")[1]["mean"] == 3
''')


def files(area: str, topic: str, api: str, en: str, zh: str) -> dict[str, str]:
    """Each new file's path (relative to the repository) and text."""
    fill = dict(area=area, topic=topic, api=api, en=en, zh=zh)
    return {
        f"showcase/{area}/{topic}.py": BACKEND.substitute(fill),
        f"pages/{area}/{topic}.py": PAGE.substitute(fill),
        f"pages/{area}/{topic}.try.toml": TRY.substitute(fill),
        f"tests/unit/{area}/test_{topic}.py": UNIT_TEST.substitute(fill),
        f"tests/app/test_{area}_{topic}.py": APP_TEST.substitute(fill),
    }


def register(text: str, area: str, topic: str, api: str, en: str, zh: str) -> str:
    """``topics.py``'s text with the topic after its area's last one, and its metrics contract."""
    entries = list(re.finditer(rf'^( +)Topic\("{area}", .*\),\n', text, re.M))
    if not entries:
        raise SystemExit(f"area {area!r} has no topic in showcase/core/topics.py to stand beside")
    last = entries[-1]
    entry = f'{last.group(1)}Topic("{area}", "{topic}", "{api}", {en!r}, {zh!r}),\n'.replace("'", '"')
    text = text[:last.end()] + entry + text[last.end():]
    start = text.index("METRICS: dict")
    end = text.index("\n}\n", start)
    return text[:end] + f'\n    "{api}": ("n", "mean", "std", "model", "source"),' + text[end:]


def check(area: str, topic: str, api: str, root: Path) -> None:
    if area not in AREAS:
        raise SystemExit(f"area must be one of {', '.join(AREAS)}, not {area!r}")
    for name, what in ((topic, "topic"), (api, "api name")):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
            raise SystemExit(f"the {what} {name!r} must be a lower-case Python name (letters, digits, _)")
    if any(x.module == f"{area}.{topic}" or x.api == api for x in all_topics()):
        raise SystemExit(f"{area}.{topic} or the api name {api!r} is in showcase/core/topics.py already")
    if existing := [p for p in files(area, topic, api, "", "") if (root / p).exists()]:
        raise SystemExit(f"these exist already: {', '.join(existing)}")


def scaffold(area: str, topic: str, api: str | None = None, en: str | None = None, zh: str | None = None,
             root: Path = ROOT) -> list[Path]:
    """Write the topic's files under ``root`` and register it; return the paths written."""
    api = api or topic
    en = en or topic.replace("_", " ").capitalize()
    zh = zh or f"{en}(新主题)"
    check(area, topic, api, root)
    topics = root / "showcase" / "core" / "topics.py"
    registered = register(topics.read_text(encoding="utf-8"), area, topic, api, en, zh)
    written = []
    for rel, text in files(area, topic, api, en, zh).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    topics.write_text(registered, encoding="utf-8")
    return [*written, topics]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("area", help=f"one of {', '.join(AREAS)}")
    parser.add_argument("topic", help="the module name, e.g. optical_flow")
    parser.add_argument("--api", help="the main event's api_name (default: the topic)")
    parser.add_argument("--en", help="the tab's English title")
    parser.add_argument("--zh", help="the tab's Chinese title")
    args = parser.parse_args(argv)
    for path in scaffold(args.area, args.topic, args.api, args.en, args.zh):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"next: python -m pytest tests/unit/{args.area}/test_{args.topic}.py tests/app/test_{args.area}_{args.topic}.py")


if __name__ == "__main__":
    main()
