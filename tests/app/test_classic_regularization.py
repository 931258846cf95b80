"""The regularisation tab through the API: defaults, bad CSVs with clear errors, recovery."""

import pytest
from gradio_client import handle_file

from showcase.core.settings import asset

pytestmark = pytest.mark.slow
API = "/regularization"
SAMPLE = str(asset("classic", "regularization", "sample.csv"))


def test_defaults_are_the_diabetes_data(client):
    *_, metrics = client.predict(api_name=API)
    assert metrics["data"].startswith("diabetes") and metrics["model_shown"] == "lasso"
    assert set(metrics["n_zero_coefs"]) == {"lasso", "ridge", "elasticnet"}
    assert 0.4 < metrics["test_r2"]["lasso"] < 0.6


def test_bad_csvs_fail_clearly_then_a_good_call_works(client, fails_clearly, bad_files, tmp_path):
    text = tmp_path / "text.csv"
    text.write_text("a,city,y\n" + "".join(f"{i},Paris,{i * 2}\n" for i in range(30)))
    fails_clearly(API, handle_file(str(text)), "y", match="Column 'city' is not numeric")
    fails_clearly(API, handle_file(SAMPLE), "price", match="No column named 'price'", by="backend")
    fails_clearly(API, handle_file(bad_files["csv_one_row"]), "y", match="1 data row", by="backend")
    fails_clearly(API, handle_file(bad_files["csv_text"]), "y", match="Column 'colour' is not numeric", by="backend")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    fails_clearly(API, handle_file(str(empty)), "y", match="empty")
    wrong = tmp_path / "data.txt"
    wrong.write_text("a,y\n1,2\n")
    fails_clearly(API, handle_file(str(wrong)), "y", match="Invalid file type")
    *_, metrics = client.predict(handle_file(SAMPLE), "y", "ridge", api_name=API)
    assert metrics["data"] == "upload: sample.csv" and metrics["n_zero_coefs"]["lasso"] >= 5
