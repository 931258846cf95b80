import numpy as np
import pytest
from sklearn.metrics import accuracy_score

from showcase.core import tabular


def test_table_has_the_two_noise_columns_and_a_stratified_split():
    table = tabular.breast_cancer_table()
    assert table.features[-2:] == (tabular.NOISE, tabular.NOISE_CAT)
    assert table.x_train.shape == (398, 32) and table.x_test.shape == (171, 32)
    assert set(np.unique(table.x_train[:, -1])) == {0.0, 1.0, 2.0}
    assert len(np.unique(table.x_train[:, -2])) == 398  # high cardinality: every value distinct
    assert table.y_test.mean() == pytest.approx(table.y_train.mean(), abs=0.01)
    assert tabular.breast_cancer_table() is table  # made once per process


def test_xgboost_is_fitted_once_and_predicts_held_out_rows():
    fitted = tabular.fit_xgboost()
    assert tabular.fit_xgboost() is fitted
    table = tabular.breast_cancer_table()
    assert accuracy_score(table.y_test, fitted.model.predict(table.x_test)) > 0.93
