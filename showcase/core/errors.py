"""The one exception a backend raises for input a user can fix.

Pages turn it into ``gr.Error`` so the message reaches the browser and the server stays up.
"""


class InputError(ValueError):
    """Input a user can correct; the message says how (e.g. "Image is 12000×9000; the limit is 4096 px per side")."""
