"""Benchmark data: the tfx wheel's 15,002 labelled Chicago taxi trips, a real model's errors, a documented resample.

The trips are `tfx/examples/chicago_taxi_pipeline/data/big_tipper_label/data.csv` (installed with tfx). A
scikit-learn logistic regression trained on the even rows predicts `big_tipper`; its errors are the slicing target.
`resample(n)` draws n rows with replacement from the 15,002 (numpy default_rng(seed=0)): a deterministic way to get
>= 30k rows of real feature combinations (duplicates included), documented wherever figures are quoted.
"""
import os

import numpy as np
import pandas as pd

LABEL = "big_tipper"
LEAKS = ("tips",)


def taxi_csv() -> str:
    import importlib.util
    root = os.path.dirname(importlib.util.find_spec("tfx").origin)
    return os.path.join(root, "examples", "chicago_taxi_pipeline", "data", "big_tipper_label", "data.csv")


def trips_with_predictions() -> pd.DataFrame:
    """Features, label and the logistic regression's predicted probability (column `prediction`)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    trips = pd.read_csv(taxi_csv()).drop(columns=list(LEAKS))
    numeric = ["fare", "trip_miles", "trip_seconds", "trip_start_hour", "trip_start_day", "trip_start_month"]
    inputs = pd.concat([trips[numeric].fillna(0.0), pd.get_dummies(trips["payment_type"], prefix="pay")], axis=1)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    model.fit(inputs.iloc[::2], trips[LABEL].iloc[::2])
    trips["prediction"] = model.predict_proba(inputs)[:, 1]
    return trips


def resample(trips: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    rows = np.random.default_rng(seed).integers(0, len(trips), n)
    return trips.iloc[rows].reset_index(drop=True)


def widen(trips: pd.DataFrame, features: int) -> pd.DataFrame:
    """Add derived real-valued features (ratios and products of trip columns) up to `features` feature columns."""
    derived = {"fare_per_mile": trips.fare / trips.trip_miles.replace(0, np.nan),
               "fare_per_minute": trips.fare / (trips.trip_seconds.replace(0, np.nan) / 60),
               "miles_per_minute": trips.trip_miles / (trips.trip_seconds.replace(0, np.nan) / 60),
               "hour_x_day": trips.trip_start_hour * 10 + trips.trip_start_day,
               "pickup_dropoff_same_area": (trips.pickup_community_area == trips.dropoff_community_area).astype(
                   "float")}
    out = trips.copy()
    present = [c for c in out.columns if c not in (LABEL, "prediction")]
    for name, values in derived.items():
        if len(present) >= features:
            break
        out[name] = values
        present.append(name)
    return out.drop(columns=present[features:])
