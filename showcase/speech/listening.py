"""The tab's listening test: blind samples from every offline engine, rated 1–5, summarised as MOS.

The pool is six held-out sentences (never spoken in the Tacotron model's training) in three voices:
the project's Tacotron model, Piper and espeak-ng, saved as OGG files under an opaque id so that
neither the id nor the file name gives the engine away. Each listener gets the least-rated sample
they have not rated yet; the engine is shown only after the rating.

    sample = next_sample("session-1")            # Sample(id, path) or None when all are rated
    engine = rate(sample.id, 4, "session-1")      # "piper": revealed once rated
    table, chart, metrics = summary()             # per engine: n_ratings, mos, ci95

``python -m showcase.speech.listening --make`` writes the pool (again, with ``--force``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

from showcase.core.errors import InputError
from showcase.core.plots import new_figure, to_image
from showcase.core.settings import asset, settings
from showcase.speech import mos, tts

FOLDER = asset("speech", "tts", "mos")
ENGINES = ("tacotron", "piper", "espeak")
SENTENCES = (  # from the Tacotron training's held-out sentences
    "A sequence must be returned.",
    "A similar action takes place on the trailing end.",
    "Allow giving an explicit line number.",
    "Attribute lookup speed can be significantly improved as well.",
    "All argument expressions are evaluated before the call is attempted.",
    "The quick brown fox jumps over the lazy dog.",
)
LABELS = {"tacotron": "Tacotron (this project)", "piper": "Piper (VITS)", "espeak": "espeak-ng"}


@dataclass(frozen=True)
class Sample:
    id: str
    path: Path


def sample_id(engine: str, index: int) -> str:
    return hashlib.sha1(f"mos/{engine}/{index}".encode()).hexdigest()[:10]


def pool() -> dict[str, dict]:
    """id → {engine, text, file}: the manifest written by ``make``."""
    path = FOLDER / "pool.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def make(force: bool = False) -> dict[str, dict]:
    """Synthesise every sample that is missing (or all, with ``force``) and write the manifest."""
    import soundfile as sf

    FOLDER.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for engine in ENGINES:
        for i, text in enumerate(SENTENCES):
            sid = sample_id(engine, i)
            path = FOLDER / f"{sid}.ogg"
            if force or not path.is_file():
                speech = tts.speak(text, engine)
                sf.write(path, speech.audio, speech.rate, format="OGG", subtype="VORBIS")
            manifest[sid] = {"engine": engine, "text": text, "file": path.name}
    (FOLDER / "pool.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


_STORES: dict[Path, mos.RatingStore] = {}


def store() -> mos.RatingStore:
    path = settings().data_dir / "ratings.sqlite3"
    if path not in _STORES:
        _STORES[path] = mos.RatingStore(path)
    return _STORES[path]


def _available() -> dict[str, dict]:
    samples = pool()
    if not samples or not all((FOLDER / s["file"]).is_file() for s in samples.values()):
        samples = make()
    return samples


def next_sample(session: str) -> Sample | None:
    """One of the least-rated samples this session has not rated; None when it has rated them all."""
    samples = _available()
    done = store().rated_by(session) if session else set()
    left = [sid for sid in sorted(samples) if sid not in done]
    if not left:
        return None
    counts = store().counts()
    fewest = min(counts.get(sid, 0) for sid in left)
    sid = random.choice([s for s in left if counts.get(s, 0) == fewest])
    return Sample(sid, FOLDER / samples[sid]["file"])


def rate(sid: str, score, session: str) -> str:
    """Store the rating; returns the engine ("piper"), revealed now that the sample is rated."""
    samples = _available()
    if not isinstance(sid, str) or sid not in samples:
        raise InputError("No sample is playing (or it is not one of the test's samples): press Next sample.")
    engine = samples[sid]["engine"]
    store().rate(sid, engine, score, session)
    return engine


def summary():
    """(table, chart image, metrics): MOS per engine with its 95% t-interval, the paper's beside it."""
    table = store().summary()
    table.insert(1, "voice", [LABELS.get(e, e) for e in table["engine"]])
    fig, ax = new_figure(6.5, 3.2)
    names = list(table["voice"]) + ["Tacotron 2 (paper)", "recordings (paper)"]
    means = list(table["mos"]) + [mos.TACOTRON2_MOS[0], mos.GROUND_TRUTH_MOS[0]]
    halves = [h or 0 for h in table["ci95"]] + [mos.TACOTRON2_MOS[1], mos.GROUND_TRUTH_MOS[1]]
    colours = ["#1f77b4"] * len(table) + ["#999999", "#999999"]
    ax.barh(names, means, xerr=halves, color=colours, capsize=4)
    ax.set(xlim=(1, 5), xlabel="mean opinion score (1 bad – 5 excellent), 95% t-interval",
           title=f"{int(table['n_ratings'].sum()) if len(table) else 0} ratings in this app; grey: the paper")
    ax.invert_yaxis()
    fig.subplots_adjust(left=0.3, bottom=0.17)
    records = table.to_dict("records")
    metrics = {
        "n_ratings": int(table["n_ratings"].sum()) if len(table) else 0,
        "mos": {r["engine"]: r["mos"] for r in records},
        "ci95": {r["engine"]: r["ci95"] for r in records},
        "per_engine": records,
        "interval": (f"Student's t, 95%, n-1 degrees of freedom (scipy.stats.t); assumes independent ratings, "
                     f"so it is given only once {mos.MIN_LISTENERS} or more listeners have rated a voice"),
        "paper_tacotron2": {"mos": mos.TACOTRON2_MOS[0], "ci95": mos.TACOTRON2_MOS[1]},
        "paper_ground_truth": {"mos": mos.GROUND_TRUTH_MOS[0], "ci95": mos.GROUND_TRUTH_MOS[1]},
    }
    return table, to_image(fig), metrics


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--make", action="store_true", help="synthesise the missing samples")
    parser.add_argument("--force", action="store_true", help="synthesise every sample again")
    args = parser.parse_args(argv)
    if args.make or args.force:
        print(f"{len(make(args.force))} samples in {FOLDER}")
    print(summary()[2])


if __name__ == "__main__":
    main()
