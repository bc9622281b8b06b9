"""Workloads the platform runs: Airflow DAGs, the SageMaker model pipeline, Kafka topic bootstrap,
Ansible day-2 playbooks. They import SDKs only (and read the spec through `blueprint.spec`)."""
