"""A ratio a tab shows beside the two numbers it divides, each rounded for display: the tests check that
the ratio is those numbers divided, within what the rounding allows, so that a busy machine (slower
or faster numbers) cannot fail them while a ratio of the wrong numbers does."""


def ratio_of_rounded(ratio: float, top: float, bottom: float, decimals: tuple[int, int, int]) -> bool:
    """True when ``ratio`` (rounded to ``decimals[2]`` places) can be ``top / bottom`` before ``top`` and
    ``bottom`` were rounded to ``decimals[0]`` and ``decimals[1]`` places."""
    half = [0.5 * 10.0 ** -d for d in decimals]
    if bottom - half[1] <= 0:
        return False
    low, high = (top - half[0]) / (bottom + half[1]), (top + half[0]) / (bottom - half[1])
    return low - half[2] - 1e-12 <= ratio <= high + half[2] + 1e-12
