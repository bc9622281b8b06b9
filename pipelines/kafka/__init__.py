"""Kafka workloads: the topic bootstrap job (`python -m pipelines.kafka.topics`)."""
