"""Run with .venv-pipelines/bin/python: parse pipelines/airflow in a real DagBag and print JSON.

Usage: airflow_dagbag.py OUT_JSON DAGS_FOLDER PREFIX:ENV [PREFIX:ENV ...]
Writes {"import_errors", "dags": {dag_id: {tasks, edges, retries, ...}}, "names": {env: {...}}}.
The caller sets AIRFLOW_HOME to a temporary directory; nothing is started, nothing listens.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def main(argv: list[str]) -> None:
    out, dags_folder, envs = argv[0], argv[1], argv[2:]
    sys.path.insert(0, dags_folder)  # as MWAA and Composer do for the DAGs folder

    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=dags_folder)
    dags: dict[str, Any] = {}
    for dag_id, dag in sorted(bag.dags.items()):
        deadlines = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline] if dag.deadline else []
        dags[dag_id] = {
            "fileloc": dag.fileloc,
            "schedule": str(dag.schedule),
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "dagrun_timeout": _seconds(dag.dagrun_timeout),
            "deadlines": [
                {
                    "reference": type(d.reference).__name__,
                    "interval": _seconds(d.interval),
                    "callback": type(d.callback).__name__,
                    "path": d.callback.path,
                }
                for d in deadlines
            ],
            "tasks": {
                t.task_id: {
                    "retries": t.retries,
                    "retry_delay": _seconds(t.retry_delay),
                    "retry_exponential_backoff": float(t.retry_exponential_backoff),
                    "max_retry_delay": _seconds(t.max_retry_delay),
                    "execution_timeout": _seconds(t.execution_timeout),
                    "operator": type(t).__name__,
                }
                for t in dag.tasks
            },
            "edges": sorted([t.task_id, d] for t in dag.tasks for d in sorted(t.downstream_task_ids)),
        }

    import lake_platform

    names = {}
    for item in envs:
        prefix, env = item.split(":")
        n = lake_platform.Names(prefix, env)
        names[env] = {
            "buckets": n.default_buckets(),
            "connection": n.connection,
            "raw_bucket_variable": n.variable("raw_bucket"),
            "model_pipeline": n.model_pipeline,
        }
    errors = {path: str(err) for path, err in bag.import_errors.items()}
    with open(out, "w") as f:  # stdout is Airflow's log
        json.dump({"import_errors": errors, "dags": dags, "names": names}, f, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
