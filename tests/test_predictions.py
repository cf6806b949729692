"""The shared prediction convention (task inference, P / P_<label> columns, model outputs) and the metrics,
against scikit-learn as the independent implementation."""
import numpy as np
import pytest
from sklearn import metrics as skm

from tfx_dcai import metrics
from tfx_dcai.errors import InputError
from tfx_dcai.predictions import (BINARY, MULTICLASS, PER_CLASS, REGRESSION, SINGLE, find_prediction_columns,
                                  from_columns, from_model_output, infer_task, label_text, positive_class,
                                  sorted_classes)


def test_labels_sort_numbers_first_and_compare_as_text():
    assert sorted_classes([2, "b", 10, "a", 1.0, None, float("nan"), "1"]) == (1.0, 2, 10, "a", "b")
    assert label_text(1.0) == label_text(1) == label_text(np.int64(1)) == "1"
    assert positive_class(["yes", "no"]) == "yes" and positive_class([1, 0]) == 1


@pytest.mark.parametrize("labels,predictions,task", [
    ([0, 1, 1, 0], [0.2, 0.9, 0.6, 0.1], BINARY),               # probability of the positive class
    (["no", "yes", "yes"], [0.1, 0.8, 0.4], BINARY),             # text labels, P = p("yes")
    (["a", "b", "c", "a"], ["a", "c", "c", "b"], MULTICLASS),    # predicted labels
    ([0, 1, 2, 1], [0, 2, 2, 1], MULTICLASS),                    # integer predicted labels that are all labels
    ([0, 1, 0, 1], [1, 1, 0, 0], BINARY),                        # hard 0/1 predictions
    ([1.5, 2.0, 7.25, 3.0], [1.4, 2.2, 7.0, 2.5], REGRESSION),
    ([3, 5, 8, 13, 21], [3.5, 4.0, 9.0, 12.0, 20.0], REGRESSION),  # integer labels, non-integral predictions
])
def test_task_inference_table(labels, predictions, task):
    assert infer_task(labels, predictions, find_prediction_columns(["P"], "P", "t")) == task


def test_task_inference_refuses_what_it_cannot_tell():
    with pytest.raises(InputError, match="declare it"):
        infer_task(["a", "b"], [3.0, 7.0], find_prediction_columns(["P"], "P", "t"))
    with pytest.raises(InputError, match="numeric labels"):
        infer_task(["a", "b"], [0.1, 0.2], find_prediction_columns(["P"], "P", "t"), declared=REGRESSION)


def test_per_class_columns_are_found_in_label_order():
    found = find_prediction_columns(["x", "P_10", "P_2", "P_cat", "y"], "P", "data.csv")
    assert found.kind == PER_CLASS and found.columns == ("P_2", "P_10", "P_cat")
    assert find_prediction_columns(["P", "P_1"], "P", "d").kind == SINGLE
    with pytest.raises(InputError, match="no prediction column 'Q'"):
        find_prediction_columns(["P_1"], "Q", "data.csv")


def test_binary_probabilities_match_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    p = np.clip(y * 0.6 + rng.normal(0.2, 0.25, 500), 0, 1)
    pred = from_columns(y, find_prediction_columns(["P"], "P", "t"), {"P": p})
    assert pred.task == BINARY and pred.classes == (0, 1) and pred.n == 500
    assert metrics.metric_value("auc", pred) == pytest.approx(skm.roc_auc_score(y, p))
    assert metrics.metric_value("accuracy", pred) == pytest.approx(skm.accuracy_score(y, p >= 0.5))
    assert metrics.metric_value("log_loss", pred) == pytest.approx(skm.log_loss(y, p))


def test_multiclass_probability_columns_match_scikit_learn():
    rng = np.random.default_rng(1)
    labels = np.array(["Adelie", "Chinstrap", "Gentoo"])[rng.integers(0, 3, 400)]
    raw = rng.random((400, 3)) + 2.0 * (labels[:, None] == np.array(["Adelie", "Chinstrap", "Gentoo"]))
    probs = raw / raw.sum(axis=1, keepdims=True)
    data = {"P_Gentoo": probs[:, 2], "P_Adelie": probs[:, 0], "P_Chinstrap": probs[:, 1]}
    pred = from_columns(labels, find_prediction_columns(list(data), "P", "t"), data)
    assert pred.task == MULTICLASS and pred.classes == ("Adelie", "Chinstrap", "Gentoo")
    predicted = np.array(pred.classes)[pred.predicted]
    assert metrics.metric_value("accuracy", pred) == pytest.approx(skm.accuracy_score(labels, predicted))
    assert metrics.metric_value("macro_f1", pred) == pytest.approx(skm.f1_score(labels, predicted, average="macro"))
    assert metrics.metric_value("log_loss", pred) == pytest.approx(
        skm.log_loss(labels, probs, labels=["Adelie", "Chinstrap", "Gentoo"]))


def test_regression_metrics_match_scikit_learn():
    y = np.array([1.5, 2.0, 7.25, 3.0, np.nan])
    p = np.array([1.4, 2.2, 7.0, 2.5, 1.0])
    pred = from_columns(y, find_prediction_columns(["P"], "P", "t"), {"P": p})
    assert pred.task == REGRESSION and pred.dropped == {"missing_label": 1}
    assert metrics.metric_value("mae", pred) == pytest.approx(skm.mean_absolute_error(y[:4], p[:4]))
    assert metrics.metric_value("rmse", pred) == pytest.approx(np.sqrt(skm.mean_squared_error(y[:4], p[:4])))


def test_softmax_model_output_is_used_per_class_not_its_last_column():
    labels = [0, 1, 2, 2, 1, 0]
    output = np.array([[.8, .1, .1], [.1, .7, .2], [.1, .1, .8], [.2, .2, .6], [.3, .6, .1], [.6, .3, .1]])
    pred = from_model_output(labels, output)
    assert pred.task == MULTICLASS and metrics.metric_value("accuracy", pred) == 1.0


def test_model_output_that_is_not_probabilities_or_does_not_match_the_classes_is_an_error():
    with pytest.raises(InputError, match="softmax"):
        from_model_output([0, 1, 2], np.array([[2.0, -1.0, 0.5], [0.1, 3.0, 0.0], [0.0, 0.0, 4.0]]))
    with pytest.raises(InputError, match="class_labels"):
        from_model_output([0, 1], np.array([[.5, .3, .2], [.2, .3, .5]]))
    with pytest.raises(InputError, match="outside \\[0, 1\\]"):
        from_model_output([0, 1, 1], np.array([2.5, -1.0, 0.3]), task=BINARY)


def test_unusable_rows_are_dropped_and_counted():
    y = [0, 1, None, 1, 0]
    p = [0.1, 1.7, 0.4, np.nan, 0.3]
    pred = from_columns(y, find_prediction_columns(["P"], "P", "t"), {"P": p}, task=BINARY)
    assert pred.n == 2 and pred.dropped == {"missing_label": 1, "prediction_out_of_range": 1,
                                            "missing_prediction": 1}
    assert list(pred.kept) == [True, False, False, False, True]


def test_a_class_without_its_probability_column_is_named():
    with pytest.raises(InputError, match="no probability column for class\\(es\\) \\['c'\\]"):
        from_columns(["a", "b", "c"], find_prediction_columns(["P_a", "P_b"], "P", "t"),
                     {"P_a": [.5, .5, .5], "P_b": [.5, .5, .5]})


def test_recall_of_a_chosen_class():
    pred = from_columns([0, 0, 1, 1, 2], find_prediction_columns(["P"], "P", "t"), {"P": [0, 1, 1, 1, 0]})
    misses = metrics.miss_indicators(pred, 0)
    assert np.nanmean(misses) == pytest.approx(1 - skm.recall_score([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], labels=[0],
                                                                    average=None)[0])
