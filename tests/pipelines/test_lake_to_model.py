"""The Airflow DAG `lake_to_model` (pipelines/airflow): parsed by a real DagBag of the pinned Airflow in
.venv-pipelines, names equal to blueprint.naming's for every shipped environment, and its steps
(landing, curation, keys, idempotency token) run against the in-process AWS emulator."""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
from types import ModuleType
from typing import Any

import pytest
from venv_runner import ROOT, run_in_pipelines_venv

from blueprint.naming import Namer
from blueprint.spec import load_all

DAGS = ROOT / "pipelines" / "airflow"
SPECS = load_all()


def _lake_platform() -> ModuleType:
    """The DAG folder's helper, imported by path: it needs no Airflow, so the main venv can test it."""
    spec = importlib.util.spec_from_file_location("lake_platform", DAGS / "lake_platform.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("lake_platform", module)
    spec.loader.exec_module(module)
    return module


lp = _lake_platform()


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One DagBag parse for the module: AIRFLOW_HOME in a temp dir, no scheduler, no webserver, no port."""
    home = tmp_path_factory.mktemp("airflow_home")
    envs = [f"{s.prefix}:{s.name}" for s in SPECS.values()]
    return run_in_pipelines_venv(  # type: ignore[no-any-return]
        "airflow_dagbag.py",
        [str(DAGS), *envs],
        home / "dagbag.json",
        env={
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
        },
    )


@pytest.mark.runtime
class TestDagBag:
    def test_no_import_errors(self, parsed: dict[str, Any]) -> None:
        assert parsed["import_errors"] == {}

    def test_only_the_shipped_dag(self, parsed: dict[str, Any]) -> None:
        assert sorted(parsed["dags"]) == ["lake_to_model"]
        dag = parsed["dags"]["lake_to_model"]
        assert dag["fileloc"].endswith("pipelines/airflow/lake_to_model.py")
        assert dag["schedule"] == "@daily"
        assert dag["catchup"] is False
        assert dag["max_active_runs"] == 1  # days never overlap on the same keys

    def test_task_graph(self, parsed: dict[str, Any]) -> None:
        dag = parsed["dags"]["lake_to_model"]
        assert sorted(dag["tasks"]) == ["curate", "land_raw", "trigger_model_pipeline"]
        assert dag["edges"] == [["curate", "trigger_model_pipeline"], ["land_raw", "curate"]]

    def test_retries_on_every_task(self, parsed: dict[str, Any]) -> None:
        for task_id, task in parsed["dags"]["lake_to_model"]["tasks"].items():
            assert task["retries"] == 3, task_id
            assert task["retry_delay"] == 300, task_id
            assert task["retry_exponential_backoff"] == 2.0, task_id
            assert task["max_retry_delay"] == 1800, task_id

    def test_time_limits(self, parsed: dict[str, Any]) -> None:
        dag = parsed["dags"]["lake_to_model"]
        timeouts = {t: v["execution_timeout"] for t, v in dag["tasks"].items()}
        assert timeouts == {"land_raw": 1800, "curate": 1800, "trigger_model_pipeline": 300}
        assert dag["dagrun_timeout"] == 4 * 3600
        # Airflow 3 removed SLAs; the deadline alert takes their place and fires before the run timeout.
        assert dag["deadlines"] == [
            {
                "reference": "DagRunQueuedAtDeadline",
                "interval": 3 * 3600,
                "callback": "SyncCallback",
                "path": "lake_platform.missed_deadline",
            }
        ]

    @pytest.mark.parametrize("env", sorted(SPECS))
    def test_names_equal_blueprint_naming(self, parsed: dict[str, Any], env: str) -> None:
        spec = SPECS[env]
        namer = Namer(spec.prefix, spec.name)
        names = parsed["names"][env]
        assert names["buckets"] == {
            p: namer.s3_bucket("lake", p) for p in ("raw", "curated", "analytics", "artifacts")
        }
        assert names["model_pipeline"] == namer.base("model-pipeline")
        assert names["connection"] == f"{spec.prefix}_{spec.name}_aws"
        assert names["raw_bucket_variable"] == f"{spec.prefix}_{spec.name}_raw_bucket"


@pytest.mark.unit
class TestNamesAndKeys:
    @pytest.mark.parametrize(
        ("prefix", "env"), [("acme", "dev"), ("abcdefghij", "zyxwvutsrq"), ("x1", "e2"), ("ab", "prod")]
    )
    def test_bucket_names_match_naming_beyond_shipped_envs(self, prefix: str, env: str) -> None:
        namer = Namer(prefix, env)
        for purpose in ("raw", "curated", "analytics", "artifacts", "a" * 60):
            assert lp.lake_bucket(prefix, env, purpose) == namer.s3_bucket("lake", purpose)

    def test_keys_are_a_function_of_the_logical_date(self) -> None:
        assert lp.raw_key("2026-03-01") == "landing/events/ds=2026-03-01/events.csv"
        assert lp.curated_key("2026-03-01") == "events/ds=2026-03-01/part-00000.csv"
        assert lp.raw_key("2026-03-01") != lp.raw_key("2026-03-02")

    def test_execution_token_is_stable_and_changes_with_data(self) -> None:
        token = lp.execution_token("acme-dev-model-pipeline", "2026-03-01", "ab" * 32)
        assert token == lp.execution_token("acme-dev-model-pipeline", "2026-03-01", "ab" * 32)
        assert 32 <= len(token) <= 128  # StartPipelineExecution's ClientRequestToken bounds
        assert token != lp.execution_token("acme-dev-model-pipeline", "2026-03-01", "cd" * 32)
        assert token != lp.execution_token("acme-dev-model-pipeline", "2026-03-02", "ab" * 32)

    def test_curate_puts_the_label_first_and_drops_bad_rows(self) -> None:
        raw = b"\xef\xbb\xbfF1, Label ,f2\n1,0,2\n 1 ,0, 2\n3,,4\n5,1,6\n7,1\n"
        assert lp.curate_csv(raw) == b"0,1,2\n1,5,6\n"

    def test_curate_refuses_a_file_without_label_or_rows(self) -> None:
        with pytest.raises(ValueError, match="no 'label' column"):
            lp.curate_csv(b"a,b\n1,2\n")
        with pytest.raises(ValueError, match="no complete rows"):
            lp.curate_csv(b"label,a\n1,\n")

    def test_helper_is_not_parsed_as_a_dag_file(self) -> None:
        # Airflow's safe-mode heuristic skips files without both words; keeps MWAA's parser off it.
        text = (DAGS / "lake_platform.py").read_text().lower()
        assert "airflow" not in text


@pytest.mark.runtime
def test_land_and_curate_against_the_emulator() -> None:
    """Landing twice (a retry) leaves one object per key with the latest content; curation reads it."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        raw, curated = lp.lake_bucket("acme", "local", "raw"), lp.lake_bucket("acme", "local", "curated")
        for bucket in ("partner-drop", raw, curated):
            s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket="partner-drop", Key="events/2026-03-01.csv", Body=b"x,label\n1,0\n2,1\n")
        source = "s3://partner-drop/events/{ds}.csv".format(ds="2026-03-01")
        key = lp.raw_key("2026-03-01")
        assert lp.land(s3, source, raw, key) == f"s3://{raw}/{key}"
        assert lp.land(s3, source, raw, key) == f"s3://{raw}/{key}"
        listed = s3.list_objects_v2(Bucket=raw)["Contents"]
        assert [o["Key"] for o in listed] == [key]
        body = lp.curate_csv(s3.get_object(Bucket=raw, Key=key)["Body"].read())
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows == [["0", "1"], ["1", "2"]]
        with pytest.raises(ValueError, match="s3:// or https://"):
            lp.land(s3, "ftp://example/x.csv", raw, key)
