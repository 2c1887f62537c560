#!/bin/sh
# Create the pipeline's topics with Kafka's own tools (run in the apache/kafka image).
# Idempotent: existing topics keep their partitions; retention and limits are re-applied.
#
# Environment: WIRES_BROKER, WIRES_PARTITIONS, WIRES_REPLICATION, MIN_INSYNC_REPLICAS.
# Retries while the cluster is short of brokers (replication > brokers registered).
set -eu

BIN=${KAFKA_BIN:-/opt/kafka/bin}
ATTEMPTS=${ATTEMPTS:-60}
: "${WIRES_BROKER:?}" "${WIRES_PARTITIONS:?}" "${WIRES_REPLICATION:?}"
MIN_INSYNC_REPLICAS=${MIN_INSYNC_REPLICAS:-1}

try() {
    n=1
    until "$@"; do
        if [ "$n" -ge "$ATTEMPTS" ]; then
            echo "create-topics: giving up after $n attempts: $*" >&2
            return 1
        fi
        n=$((n + 1))
        sleep 5
    done
}

# topic  retention.ms  max.message.bytes  cleanup.policy  (same: deploy/k8s/kafka-topics.yaml)
# raw: 7 days to replay; a story is at most WIRES_MAX_STORY_BYTES (1 MiB) + headers.
# stories: the workers' hand-over from the text engine to versioning; 1 day is plenty.
# enriched: 7 days for subscribers to catch up; ninjs: the same stories as ninjs 2.2,
# kept as long. deadletter: 30 days to triage; carries
# the payload base64-encoded, so it needs more room than raw.
# versions changelog: the workers' table of story versions (Faust names it after
# WIRES_GROUP); compacted, kept forever (one record per story).
while read -r topic retention max_bytes cleanup; do
    [ -n "$topic" ] || continue
    try "$BIN/kafka-topics.sh" --bootstrap-server "$WIRES_BROKER" --create --if-not-exists \
        --topic "$topic" --partitions "$WIRES_PARTITIONS" \
        --replication-factor "$WIRES_REPLICATION" \
        --config "retention.ms=$retention" --config "max.message.bytes=$max_bytes" \
        --config "min.insync.replicas=$MIN_INSYNC_REPLICAS" --config "cleanup.policy=$cleanup"
    try "$BIN/kafka-configs.sh" --bootstrap-server "$WIRES_BROKER" --alter \
        --entity-type topics --entity-name "$topic" \
        --add-config "retention.ms=$retention,max.message.bytes=$max_bytes,min.insync.replicas=$MIN_INSYNC_REPLICAS"
done <<EOF
wires.raw                           604800000    2097152  delete
wires-enricher-stories              86400000     4194304  delete
wires.enriched                      604800000    4194304  delete
wires.ninjs                         604800000    4194304  delete
wires.deadletter                    2592000000   4194304  delete
wires-enricher-versions-changelog   -1           4194304  compact
wires-enricher-learned-changelog    -1           4194304  compact
EOF

"$BIN/kafka-topics.sh" --bootstrap-server "$WIRES_BROKER" --describe \
    --topic 'wires[.-].*'
echo "create-topics: done"
