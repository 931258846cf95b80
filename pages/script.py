"""'Run it yourself': the run on screen as a short Python script and a Jupyter notebook.

    python -m pages.script math.svd              # print the script of the tab's first example
    python -m pytest tests/app/test_scripts.py   # every tab's script runs and prints the tab's metrics

The script calls the tab's own function (``pages.math.svd.run``) with the inputs just used: the
function the Run button calls, which calls the backend (``showcase.math.svd.svd_compress``; the
script names that call in a comment), so the script prints exactly the metrics the tab shows and
saves its pictures and tables. A file input that is one of the tab's bundled examples is referenced
by its path in ``assets/``; a learner's own upload cannot travel, and the script says where to put
it. The notebook (written with ``nbformat``) holds the same code, one cell per step.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

from pages import links
from showcase.core.settings import ROOT

# Writes each output of the tab into OUT and returns what it wrote. Part of every script: a learner
# sees how each kind of output (an image file, a figure, a plot's table, audio) becomes a file.
SAVE = '''
def save(value, name: str):
    """Write one output of the tab into OUT; return the file's name, or None for nothing to save."""
    OUT.mkdir(exist_ok=True)
    if isinstance(value, dict) and value.get("__type__") == "update":   # a gr.update(): its value
        value = value.get("value")
    path = OUT / name
    if is_file(value):                                               # an image, audio or video file
        path = path.with_suffix(Path(value).suffix)
        shutil.copyfile(value, path)
    elif hasattr(value, "savefig"):                                  # a matplotlib figure
        path = path.with_suffix(".png")
        value.savefig(path)
    elif hasattr(value, "save") and hasattr(value, "size"):          # a PIL image
        path = path.with_suffix(".png")
        value.save(path)
    elif hasattr(value, "to_csv"):                                   # a table, or the data of a plot
        path = path.with_suffix(".csv")
        value.to_csv(path, index=False)
    elif isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], int):   # audio: (rate, samples)
        import soundfile
        path = path.with_suffix(".wav")
        soundfile.write(path, value[1], value[0])
    elif hasattr(value, "shape") and len(getattr(value, "shape", ())) in (2, 3):   # an image as an array
        from PIL import Image
        path = path.with_suffix(".png")
        Image.fromarray(value).save(path)
    elif isinstance(value, (dict, list)) and value:                  # labels, a chat, a table as rows
        path = path.with_suffix(".json")
        path.write_text(json.dumps(value, indent=2, ensure_ascii=False, default=str))
    else:
        return None
    return path.name


def is_file(value) -> bool:
    try:
        return isinstance(value, str) and Path(value).is_file()
    except OSError:   # a long text is not a file name
        return False


def english(note) -> str:
    """The English half of a result sentence the tab shows in the page's language."""
    note = note.get("value") if isinstance(note, dict) else note
    found = re.search(r'<div lang="en">(.*?)</div>', note, re.S) if isinstance(note, str) else None
    return re.sub(r"\\s+", " ", found.group(1)).replace("**", "").strip() if found else ""
'''


def output_names(ex) -> list[str]:
    """A file name for each output of the tab: its label's key (``svd.compressed`` -> compressed)."""
    names = []
    for i, output in enumerate(ex.outputs):
        label = getattr(output, "label", None)
        key = getattr(label, "key", None) or (label if isinstance(label, str) else "")
        name = key.split(".")[-1].replace(" ", "_") if key else ""
        names.append(name if name and name not in names else f"output{i + 1}")
    return names


def backend_calls(fn, depth: int = 2) -> list[str]:
    """The backend calls in ``fn``'s source (``svd.svd_compress(image, rank, method)``): calls of a
    ``showcase.*`` module's function, looking one level into the page's own helpers."""
    fn = inspect.unwrap(fn)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return []
    module = inspect.getmodule(fn)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner = getattr(module, func.value.id, None)
            if inspect.ismodule(owner) and owner.__name__.startswith("showcase."):
                found.append(f"{owner.__name__}.{func.attr}")
        elif isinstance(func, ast.Name) and depth > 1:
            helper = getattr(module, func.id, None)
            if inspect.isfunction(helper) and getattr(inspect.unwrap(helper), "__module__", "") == module.__name__:
                found += backend_calls(helper, depth - 1)
    return list(dict.fromkeys(found))


def literal(tab: links.TabInputs, name: str, value) -> tuple[str, str]:
    """``value`` as Python source for parameter ``name``, and a comment for its line."""
    if isinstance(tab.params[name], links.FILE_INPUTS):
        mine = links.digest(value)
        for row in tab.examples.examples:
            example = dict(zip(tab.params, row))[name]
            if example is not None and mine is not None and links.digest(example) == mine:
                path = Path(example).resolve()
                shown = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
                return repr(shown), "one of the tab's bundled examples"
        if value is None:
            return "None", ""
        name_only = Path(getattr(value, "path", value) if not isinstance(value, dict) else value.get("path", "")).name
        return repr(name_only), "your own file: put it beside this script under this name"
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, str) and "\n" in value:   # one line of source per line of text
        lines = "".join(f"    {line!r},\n" for line in value.split("\n"))
        return f'"\\n".join([\n{lines}])', ""
    return repr(value), ""


def cells(tab: links.TabInputs, values: dict) -> list[tuple[str, str]]:
    """The script as (kind, source) cells: "markdown" or "code"."""
    fn = tab.fn
    topic = tab.key.split(".")[1]
    title = getattr(fn, "__module__", "")
    shared = links.share(tab, values)
    calls = backend_calls(fn)
    intro = (f"# {tab.key}: the run on screen, as a script\n\n"
             f"Roadmap Showcase, tab `{tab.key}`. Run it from the project's folder (where `app.py` is), with the "
             f"project installed (`pip install -r requirements.txt`):\n\n"
             f"    SHOWCASE_OFFLINE=1 python {topic}_run.py\n\n"
             f"It calls `{title}.{fn.__name__}`, the tab's own function for this run"
             + (f", which calls the backend: {', '.join(f'`{c}`' for c in calls)}" if calls else "")
             + f". It prints the metrics the tab shows and saves its pictures and tables into `{topic}_run/`.\n\n"
             f"The same run in the app: `/?{shared.query}`")
    imports = ("import json\nimport os\nimport re\nimport shutil\nimport sys\nfrom pathlib import Path\n\n"
               "sys.path.insert(0, os.getcwd())   # the project's folder, where you run this from\n"
               f"from {title} import {fn.__name__}\n")
    lines = ["# the inputs of the run on screen"]
    for name in tab.params:
        if name in values:
            source, comment = literal(tab, name, values[name])
            lines.append(f"{name} = {source}" + (f"   # {comment}" if comment else ""))
    args = ", ".join(f"{n}={n}" for n in tab.params if n in values)
    if inspect.isgeneratorfunction(fn):
        call = (f"# the tab streams its outputs as they come; the last ones are the result\n"
                f"for outputs in {fn.__name__}({args}):\n    pass\n")
    else:
        call = f"outputs = {fn.__name__}({args})\n"
    call += "outputs = outputs if isinstance(outputs, tuple) else (outputs,)\n"
    names = output_names(tab.examples)
    show = (f"OUT = Path({topic + '_run'!r}) if '__file__' not in globals() else Path(__file__).with_name({topic + '_run'!r})\n"
            f"NAMES = {names!r}\n" + SAVE.strip("\n") + "\n\n"
            "for value, name in zip(outputs[:-1], NAMES):\n"
            "    if (sentence := english(value)):\n"
            "        print(sentence)\n"
            "    elif (written := save(value, name)):\n"
            "        print(f\"saved {OUT / written}\")\n"
            "print(\"metrics:\")\n"
            "print(json.dumps(outputs[-1], indent=2, ensure_ascii=False, default=str))\n")
    return [("markdown", intro), ("code", imports + "\n" + "\n".join(lines) + "\n"), ("code", call), ("code", show)]


def script(tab: links.TabInputs, values: dict) -> str:
    """The run as one Python file."""
    parts = []
    for kind, source in cells(tab, values):
        if kind == "markdown":
            parts.append('"""' + source.replace("\\", "\\\\").replace('"""', "'''").removeprefix("# ") + '\n"""\n')
        else:
            parts.append(source)
    return "\n".join(parts)


def notebook(tab: links.TabInputs, values: dict) -> str:
    """The run as a Jupyter notebook (JSON), one cell per step."""
    import nbformat   # only when a learner asks for one: the app's start-up does not pay for it

    nb = nbformat.v4.new_notebook()
    for kind, source in cells(tab, values):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(source.rstrip("\n")))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.validate(nb)
    return nbformat.writes(nb)


def write(tab: links.TabInputs, values: dict, folder: Path) -> tuple[Path, Path]:
    """The script and the notebook of a run, written into ``folder``."""
    topic = tab.key.split(".")[1]
    folder.mkdir(parents=True, exist_ok=True)
    py, nb = folder / f"{topic}_run.py", folder / f"{topic}_run.ipynb"
    py.write_text(script(tab, values), encoding="utf-8")
    nb.write_text(notebook(tab, values), encoding="utf-8")
    return py, nb


def main() -> None:
    import importlib
    import sys

    import gradio as gr

    from pages.layout import recording_examples

    key = sys.argv[1] if len(sys.argv) > 1 else "math.svd"
    # the tab's page alone, built as app.py builds it: its inputs are known once it is built
    page = importlib.import_module(f"pages.{key}")
    with gr.Blocks(), recording_examples() as made:
        page.build()
    tab = links.register(key, made, getattr(page, "FILL_ON_OPEN", True))
    print(script(tab, tab.example_values(0)))


if __name__ == "__main__":
    main()
