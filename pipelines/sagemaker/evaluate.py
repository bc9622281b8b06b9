"""Evaluation step of the model pipeline, run in the XGBoost container by the `Evaluate` processing step.

Reads the trained model (/opt/ml/processing/model/model.tar.gz) and the holdout set
(/opt/ml/processing/test/*.csv: no header, label first) and writes
/opt/ml/processing/evaluation/evaluation.json = {"metrics": {"auc": {"value": <ROC AUC>}}},
which the pipeline's condition compares with its `MinAuc` parameter.
"""

from __future__ import annotations

import json
import pickle
import tarfile
from pathlib import Path

import numpy as np
import xgboost
from sklearn.metrics import roc_auc_score

BASE = Path("/opt/ml/processing")


def main() -> None:
    with tarfile.open(BASE / "model" / "model.tar.gz") as archive:
        archive.extractall(BASE / "model", filter="data")
    model_file = BASE / "model" / "xgboost-model"
    try:
        booster = pickle.loads(model_file.read_bytes())
    except pickle.UnpicklingError:
        booster = xgboost.Booster()
        booster.load_model(str(model_file))
    rows = np.vstack([np.loadtxt(p, delimiter=",", ndmin=2) for p in sorted((BASE / "test").glob("*.csv"))])
    labels, features = rows[:, 0], rows[:, 1:]
    scores = booster.predict(xgboost.DMatrix(features))
    report = {"metrics": {"auc": {"value": float(roc_auc_score(labels, scores))}}}
    out = BASE / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(report))


if __name__ == "__main__":
    main()
