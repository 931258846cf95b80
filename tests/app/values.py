"""Reading the values the API returns for tables and native plots, for the app tests' checks."""


def records(value: dict) -> list[dict]:
    """Rows of a Dataframe's or a native plot's value as the API returns it (headers or columns, data)."""
    return [dict(zip(value.get("headers") or value["columns"], row)) for row in value["data"]]
