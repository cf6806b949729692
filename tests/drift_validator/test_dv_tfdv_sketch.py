"""KS from real TFDV statistics (quantile sketches) against scipy.stats.ks_2samp on the raw samples."""
import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

import tensorflow_data_validation as tfdv
from tensorflow_data_validation.statistics.stats_impl import generate_statistics_in_memory

from tfx_dcai.drift_validator import distributions as dist
from tfx_dcai.drift_validator.numeric_drift import ks_lower_bound, ks_p_value


def _knots(values, buckets):
    batch = pa.RecordBatch.from_arrays([pa.array(values.reshape(-1, 1).tolist(), type=pa.list_(pa.float64()))], ["x"])
    options = tfdv.StatsOptions(num_quantiles_histogram_buckets=buckets)
    feature = generate_statistics_in_memory(batch, options).datasets[0].features[0]
    d = dist.numeric_distribution(feature)
    assert d.n == len(values)
    return d.knots


@pytest.mark.parametrize("shift", [0.0, 0.05, 0.2])
@pytest.mark.parametrize("buckets", [10, 100])
def test_bound_from_tfdv_sketches_is_below_the_raw_statistic_and_tight_with_100_buckets(shift, buckets):
    rng = np.random.default_rng(int(shift * 100) + buckets)
    a, b = rng.lognormal(0, 1, 20000), rng.lognormal(shift, 1, 15000)
    bound = ks_lower_bound(_knots(a, buckets), _knots(b, buckets))
    exact = stats.ks_2samp(a, b)
    assert bound <= exact.statistic + 0.01  # never above the truth beyond the sketch's rank error
    if buckets == 100:
        assert bound == pytest.approx(exact.statistic, abs=0.015)
    # the conservative p-value (bound minus the sketch error) never claims more than the raw-sample test
    assert ks_p_value(bound, len(a), len(b), sketch_error=0.01) >= exact.pvalue * 0.999
