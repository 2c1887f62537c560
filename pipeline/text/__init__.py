"""The pure text engine: raw wire copy in, enriched story out. No Kafka, no I/O."""
