"""A listening test: 1–5 naturalness ratings in SQLite, summarised as MOS with a 95% t-interval.

Mean opinion score (ITU-T P.800) is the mean of listeners' 1–5 ratings ("bad" to "excellent").
Tacotron 2 reports 4.53 ± 0.07 against 4.58 ± 0.05 for the real recordings, from 100 sentences
rated by crowd workers; the interval here is the same kind of number: a 95% confidence interval
for the mean from Student's t with n − 1 degrees of freedom (``scipy.stats.t``), which assumes
the ratings are independent. Ratings from one listener are not: six identical ratings from one
person give "± 0.00", a certainty about one person's taste, not about the voice. So ``summary``
gives no interval for an engine until ``MIN_LISTENERS`` listeners have rated it, and with few
listeners the true uncertainty is still larger than the interval says.

Many people rate at once in a classroom, so every call opens its own connection (``sqlite3``
connections are not shared between threads), the database runs in write-ahead-log mode (readers
never block the writer) and waits up to ten seconds for a lock instead of failing.

    store = RatingStore(settings().data_dir / "ratings.sqlite3")
    store.rate("piper:3", "piper", 4, session="abc")
    store.summary()            # engine, n_ratings, mos, ci95, low, high
"""

from __future__ import annotations

import math
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pandas as pd

from showcase.core.errors import InputError

TACOTRON2_MOS = (4.53, 0.07)        # Shen et al., 2018, table 1
GROUND_TRUTH_MOS = (4.58, 0.05)
MAX_PER_MINUTE = 20                 # a person listens to each sample for a few seconds
MAX_PER_SESSION = 300
MIN_LISTENERS = 2                   # an interval needs ratings from more than one person (see above)

SCHEMA = """
CREATE TABLE IF NOT EXISTS ratings (
    id INTEGER PRIMARY KEY,
    sample_id TEXT NOT NULL,
    engine TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    session TEXT NOT NULL,
    created REAL NOT NULL,
    UNIQUE (session, sample_id)
);
CREATE INDEX IF NOT EXISTS ratings_session ON ratings (session, created);
"""


def t_interval(scores) -> tuple[float, float | None]:
    """(mean, half-width of the 95% t-interval); the half-width is None for fewer than two ratings."""
    from scipy import stats

    n = len(scores)
    if n == 0:
        raise ValueError("no ratings")
    mean = sum(scores) / n
    if n < 2:
        return mean, None
    sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / (n - 1))
    return mean, float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n))


class RatingStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10.0)

    def rate(self, sample_id: str, engine: str, score, session: str) -> int:
        """Store one rating; returns how many this session has given. Refuses bad scores, a second
        rating of the same sample, and more than ``MAX_PER_MINUTE`` a minute from one session."""
        if isinstance(score, bool) or not isinstance(score, (int, float, str)):
            raise InputError("Choose a rating from 1 (bad) to 5 (excellent).")
        try:
            value = float(score)
        except ValueError:
            raise InputError(f"A rating is a whole number from 1 to 5, not {score!r}.") from None
        if not value.is_integer() or not 1 <= value <= 5:
            raise InputError(f"A rating is a whole number from 1 to 5, not {score!r}.")
        if not session:
            raise InputError("This rating came without a browser session; reload the page and rate again.")
        now = time.time()
        with closing(self._connect()) as db, db:
            recent, total = db.execute(
                "SELECT SUM(created > ?), COUNT(*) FROM ratings WHERE session = ?", (now - 60, session)).fetchone()
            if (recent or 0) >= MAX_PER_MINUTE:
                raise InputError(f"{MAX_PER_MINUTE} ratings in a minute is faster than anyone can listen: "
                                 "wait a minute, then rate on.")
            if total >= MAX_PER_SESSION:
                raise InputError(f"This session has given {MAX_PER_SESSION} ratings, the most one listener may.")
            try:
                db.execute("INSERT INTO ratings (sample_id, engine, score, session, created) VALUES (?, ?, ?, ?, ?)",
                           (sample_id, engine, int(value), session, now))
            except sqlite3.IntegrityError:
                raise InputError("You have already rated this sample; press Next for another.") from None
        return total + 1

    def rated_by(self, session: str) -> set[str]:
        with closing(self._connect()) as db:
            return {row[0] for row in db.execute("SELECT sample_id FROM ratings WHERE session = ?", (session,))}

    def counts(self) -> dict[str, int]:
        """How many ratings each sample has: the next sample is one of the least-rated."""
        with closing(self._connect()) as db:
            return dict(db.execute("SELECT sample_id, COUNT(*) FROM ratings GROUP BY sample_id"))

    def scores(self) -> dict[str, list[int]]:
        with closing(self._connect()) as db:
            out: dict[str, list[int]] = {}
            for engine, score in db.execute("SELECT engine, score FROM ratings ORDER BY engine"):
                out.setdefault(engine, []).append(score)
            return out

    def summary(self) -> pd.DataFrame:
        """One row per engine: n_ratings, mos, ci95 (half-width), low, high, listeners. The interval
        is None for one rating, and for ratings from fewer than ``MIN_LISTENERS`` listeners."""
        with closing(self._connect()) as db:
            listeners = dict(db.execute("SELECT engine, COUNT(DISTINCT session) FROM ratings GROUP BY engine"))
        rows = []
        for engine, scores in self.scores().items():
            mean, half = t_interval(scores)
            if listeners.get(engine, 0) < MIN_LISTENERS:
                half = None
            rows.append({"engine": engine, "n_ratings": len(scores), "mos": round(mean, 3),
                         "ci95": None if half is None else round(half, 3),
                         "low": None if half is None else round(mean - half, 3),
                         "high": None if half is None else round(mean + half, 3),
                         "listeners": listeners.get(engine, 0)})
        # object columns: a missing interval (one rating) stays None rather than becoming NaN
        return pd.DataFrame(rows, columns=["engine", "n_ratings", "mos", "ci95", "low", "high", "listeners"],
                            dtype=object)
