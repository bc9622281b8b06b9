"""Daily: land the source file in the raw zone, curate it to the curated zone, start the model pipeline.

Names come from the environment, never from code: the Variables `platform_prefix` and `platform_env`
(or the env vars AIRFLOW_VAR_PLATFORM_PREFIX / AIRFLOW_VAR_PLATFORM_ENV) pick the environment; then
  connection `<prefix>_<env>_aws`             region (extra `region_name`), optional `endpoint_url`;
                                               credentials only if MWAA's execution role is not used
  variable   `<prefix>_<env>_source_uri`      required: s3:// or https:// URI, `{ds}` = logical date
  variables  `<prefix>_<env>_raw_bucket`, `_curated_bucket`, `_model_pipeline`
                                               optional overrides of the names blueprint/naming.py gives
Every object key is a function of the logical date, so a retry or a re-run overwrites the same objects
(the zones are versioned), and the pipeline start carries an idempotency token (see lake_platform).
Time limits: `execution_timeout` bounds every try (a hung try is killed and retried), `dagrun_timeout`
bounds the run, and on Airflow >= 3.1 a deadline alert (Airflow 3's replacement of SLAs) logs an
alarmable line when a run is not done 3 hours after it was queued.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Connection, Variable, task
from lake_platform import (
    Names,
    curate_csv,
    curated_key,
    execution_token,
    land,
    missed_deadline,
    raw_key,
)

DAG_ID = "lake_to_model"
DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-platform",
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": 2.0,  # 5, 10, 20 min: outlasts a throttling burst
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(minutes=30),
}


def _names() -> Names:
    return Names(Variable.get("platform_prefix"), Variable.get("platform_env"))


def _setting(names: Names, what: str, default: str) -> str:
    return str(Variable.get(names.variable(what), default=default))


def _client(names: Names, service: str) -> Any:
    import boto3

    conn = Connection.get(names.connection)
    extra = conn.extra_dejson
    session = boto3.session.Session(
        aws_access_key_id=conn.login or None,
        aws_secret_access_key=conn.password or None,
        region_name=extra.get("region_name"),
    )
    return session.client(service, endpoint_url=extra.get("endpoint_url"))


def _require_ds(ds: str | None) -> str:
    if not ds:
        raise ValueError("this run has no logical date; trigger it with one (keys are per logical date)")
    return ds


try:  # deadline alerts (Airflow's replacement of SLAs) arrived in 3.1; MWAA may run 3.0
    from airflow.sdk import DeadlineAlert, DeadlineReference, SyncCallback

    DEADLINE: Any = DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(hours=3),
        callback=SyncCallback(missed_deadline, kwargs={"what": DAG_ID}),
    )
except ImportError:  # Airflow 3.0: dagrun_timeout still bounds the run
    DEADLINE = None

with DAG(
    dag_id=DAG_ID,
    description="raw zone -> curated zone -> SageMaker model pipeline",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=4),
    default_args=DEFAULT_ARGS,
    deadline=DEADLINE,
    tags=["lake", "model"],
) as dag:

    @task
    def land_raw(ds: str | None = None) -> str:
        """Copy the day's source file to the raw zone under a key fixed by the logical date."""
        names = _names()
        day = _require_ds(ds)
        source = _setting(names, "source_uri", "").format(ds=day)
        if not source:
            raise ValueError(f"set the Variable {names.variable('source_uri')} (s3:// or https:// URI)")
        bucket = _setting(names, "raw_bucket", names.default_buckets()["raw"])
        return land(_client(names, "s3"), source, bucket, raw_key(day))

    @task
    def curate(raw_uri: str, ds: str | None = None) -> dict[str, str]:
        """Clean the raw file into the training format; overwrite the day's curated object."""
        import hashlib

        names = _names()
        day = _require_ds(ds)
        s3 = _client(names, "s3")
        raw_bucket, key = raw_uri[5:].split("/", 1)
        data = curate_csv(s3.get_object(Bucket=raw_bucket, Key=key)["Body"].read())
        bucket = _setting(names, "curated_bucket", names.default_buckets()["curated"])
        s3.put_object(Bucket=bucket, Key=curated_key(day), Body=data, ContentType="text/csv")
        return {"uri": f"s3://{bucket}/{curated_key(day)}", "sha256": hashlib.sha256(data).hexdigest()}

    @task(execution_timeout=timedelta(minutes=5))
    def trigger_model_pipeline(curated: dict[str, str], ds: str | None = None) -> str:
        """Start the model pipeline on the curated data; a retry with the same data starts nothing new."""
        names = _names()
        day = _require_ds(ds)
        pipeline = _setting(names, "model_pipeline", names.model_pipeline)
        response = _client(names, "sagemaker").start_pipeline_execution(
            PipelineName=pipeline,
            PipelineExecutionDisplayName=f"{DAG_ID}-{day}",
            PipelineParameters=[{"Name": "TrainingDataS3Uri", "Value": curated["uri"]}],
            ClientRequestToken=execution_token(pipeline, day, curated["sha256"]),
        )
        return str(response["PipelineExecutionArn"])

    trigger_model_pipeline(curate(land_raw()))
