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

# The files a topic needs, as string.Template texts with $area, $topic, $api, $en, $zh (and ${topic}):
# kept as files under the repository's root: a page's template imports the UI library, which showcase/ may not.
TEMPLATES = ROOT / "templates" / "topic"
BACKEND = Template((TEMPLATES / "backend.py.tmpl").read_text(encoding="utf-8"))
PAGE = Template((TEMPLATES / "page.py.tmpl").read_text(encoding="utf-8"))
TRY = Template((TEMPLATES / "try.toml.tmpl").read_text(encoding="utf-8"))
UNIT_TEST = Template((TEMPLATES / "unit_test.py.tmpl").read_text(encoding="utf-8"))
APP_TEST = Template((TEMPLATES / "app_test.py.tmpl").read_text(encoding="utf-8"))


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
