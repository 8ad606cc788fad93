#!/usr/bin/env bash
# Local Kafka (single-node KRaft) and schema registry for the Smart Load Balancer.
#
# Native by default: Kafka and Apicurio Registry are fetched once from Maven Central (into
# deployment/kafka/lib/) and run with plain `java`, their state under deployment/kafka/.runtime/.
# When a Docker engine answers (`docker info`), start/stop/logs drive docker compose instead.
# docs/local-kafka.md describes every command, variable and port.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
SELF="deployment/kafka/kafka-management.sh"

# ------------------------------------------------------------------------------ settings
# Default versions live in versions.env (one place for the script, CI and the docs).
# shellcheck source-path=SCRIPTDIR source=versions.env
source "$SCRIPT_DIR/versions.env"
KAFKA_VERSION=${KAFKA_VERSION:-$SLB_KAFKA_DEFAULT_VERSION}
KAFKA_MAJOR=${KAFKA_VERSION%%.*}
APICURIO_VERSION=${APICURIO_VERSION:-$SLB_APICURIO_DEFAULT_VERSION}
SLB_KAFKA_LIB=${SLB_KAFKA_LIB:-$SCRIPT_DIR/lib}
KAFKA_LIB="$SLB_KAFKA_LIB/kafka-$KAFKA_VERSION"
REGISTRY_LIB="$SLB_KAFKA_LIB/apicurio-registry-$APICURIO_VERSION"
RUNTIME=${SLB_KAFKA_HOME:-$SCRIPT_DIR/.runtime}
START_TIMEOUT=${START_TIMEOUT:-120}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
CONSUME_TIMEOUT_MS=${CONSUME_TIMEOUT_MS:-10000}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}
# The registry does little work once up; C1 alone and the serial GC cut its start-up a lot on small machines.
REGISTRY_HEAP_OPTS=${REGISTRY_HEAP_OPTS:--Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}
# The registry refuses incompatible schema changes by default, like Confluent's.
REGISTRY_COMPATIBILITY=${REGISTRY_COMPATIBILITY:-BACKWARD}
# Where the registry keeps schemas: kafkasql (default) journals every change to a compacted topic
# on the local broker, as Confluent's registry keeps `_schemas`, so schemas and their ids survive
# a restart; mem keeps them in memory only (gone, and ids reused, after a restart).
REGISTRY_STORAGE=${REGISTRY_STORAGE:-kafkasql}
# KafkaSQL's topics (Apicurio's default names). The script creates the journal (compacted, see
# ensure_registry_journal); the registry creates the other two itself.
REGISTRY_JOURNAL_TOPIC=${REGISTRY_JOURNAL_TOPIC:-kafkasql-journal}
REGISTRY_SNAPSHOTS_TOPIC=${REGISTRY_SNAPSHOTS_TOPIC:-kafkasql-snapshots}
REGISTRY_EVENTS_TOPIC=${REGISTRY_EVENTS_TOPIC:-registry-events}
REGISTRY_POLL_TIMEOUT_MS=${REGISTRY_POLL_TIMEOUT_MS:-500}
# On SIGTERM the registry first refuses new requests (503) and lets running ones finish, for at
# most this long, before it closes its storage: a request never meets a half-closed store.
REGISTRY_SHUTDOWN_TIMEOUT=${REGISTRY_SHUTDOWN_TIMEOUT:-5s}
# The CLI tools are short-lived: a small heap and the C1 compiler start them fastest.
TOOL_JVM_OPTS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto)

port_of_address() { local a=${1%%,*}; echo "${a##*:}"; }
port_of_url() { local r=${1#*://}; r=${r%%/*}; echo "${r##*:}"; }

docker_mode() {
  case ${SLB_KAFKA_MODE:-auto} in
    native) return 1 ;;
    docker) return 0 ;;
  esac
  [[ -f $REPO_ROOT/docker-compose.yml ]] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}
if docker_mode; then MODE=docker; else MODE=native; fi

# Ports follow the addresses when only those are given, so KAFKA_BROKER=127.0.0.1:19092 start works.
if [[ -n ${KAFKA_BROKER:-} ]]; then KAFKA_PORT=${KAFKA_PORT:-$(port_of_address "$KAFKA_BROKER")}; fi
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
KAFKA_BROKER=${KAFKA_BROKER:-127.0.0.1:$KAFKA_PORT}
KAFKA_INTERNAL_BROKER=${KAFKA_INTERNAL_BROKER:-kafka:29092}
if [[ -n ${SCHEMA_REGISTRY_URL:-} ]]; then REGISTRY_PORT=${REGISTRY_PORT:-$(port_of_url "$SCHEMA_REGISTRY_URL")}; fi
REGISTRY_PORT=${REGISTRY_PORT:-8081}
if [[ $MODE == docker ]]; then
  SCHEMA_REGISTRY_URL=${SCHEMA_REGISTRY_URL:-http://127.0.0.1:$REGISTRY_PORT}
else
  SCHEMA_REGISTRY_URL=${SCHEMA_REGISTRY_URL:-http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7}
fi

KAFKA_PID="$RUNTIME/kafka.pid"
REGISTRY_PID="$RUNTIME/registry.pid"
KAFKA_LOG="$RUNTIME/kafka.log"
REGISTRY_LOG="$RUNTIME/registry.log"
TOOLS_LOG="$RUNTIME/tools.log"
KAFKA_DATA="$RUNTIME/data-kafka-$KAFKA_VERSION"

# ------------------------------------------------------------------------------ messages
die() { echo "error: $*" >&2; exit "${EXIT_CODE:-1}"; }
broker_down_message() { echo "Kafka broker at $KAFKA_BROKER is not reachable — start it with: $SELF start"; }
registry_down_message() { echo "Schema registry at $SCHEMA_REGISTRY_URL is not reachable — start it with: $SELF start"; }

# A version the rest of the script can branch on (3.x: reload4j, 4.x: log4j2, ...); KRaft needs 3.x+.
if ! [[ $KAFKA_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || ((KAFKA_MAJOR < 3)); then
  EXIT_CODE=64 die "KAFKA_VERSION=$KAFKA_VERSION is not a Kafka release this script runs (3.x or later, e.g. $SLB_KAFKA_DEFAULT_VERSION or $SLB_KAFKA_PREVIOUS_VERSION)"
fi

case $REGISTRY_STORAGE in
  kafkasql | mem) ;;
  *) EXIT_CODE=64 die "REGISTRY_STORAGE=$REGISTRY_STORAGE is not a registry storage this script runs (kafkasql or mem)" ;;
esac

need_java() {
  command -v java >/dev/null 2>&1 ||
    die "java is not installed; the local Kafka and registry need a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)"
}

# ------------------------------------------------------------------------------ probes
# The broker "answers" when it replies to an ApiVersions v0 request with our correlation id;
# spoken over bash's /dev/tcp so a probe costs milliseconds, not a JVM start.
kafka_answers() {
  local address=${KAFKA_BROKER%%,*}
  local host=${address%:*} port=${address##*:} reply
  # shellcheck disable=SC2016 # $1/$2 expand in the inner shell
  reply=$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf "\x00\x00\x00\x0d\x00\x12\x00\x00\x00\x00\x00\x01\x00\x03slb" >&3
    head -c 8 <&3 | od -An -tx1' _ "$host" "$port" 2>/dev/null) || return 1
  reply=${reply//[[:space:]]/}
  [[ ${reply:8:8} == 00000001 ]]
}

registry_answers() {
  curl -fsS -m 3 -o /dev/null "$SCHEMA_REGISTRY_URL/subjects" 2>/dev/null
}

port_in_use() {
  # shellcheck disable=SC2016 # $1 expands in the inner shell
  timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# A pid file only counts when its process is still ours (its command line names our runtime
# dir), so a recycled pid is never signalled.
pid_if_ours() {
  local file=$1 pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-Dslb.runtime=$RUNTIME " || return 1
  echo "$pid"
}

require_broker() {
  kafka_answers || { EXIT_CODE=2 die "$(broker_down_message)"; }
}

# ------------------------------------------------------------------------------ jars
ensure_jars() {
  [[ -f $KAFKA_LIB/.resolved && -f $REGISTRY_LIB/.resolved ]] && return 0
  command -v mvn >/dev/null 2>&1 ||
    die "Maven (mvn) is needed once to fetch Kafka $KAFKA_VERSION and the registry from Maven Central (e.g. apt-get install maven)"
  mkdir -p "$SLB_KAFKA_LIB" "$RUNTIME"
  # One resolver at a time (parallel test runs share lib/); others wait and reuse its result.
  exec 9>"$SLB_KAFKA_LIB/.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if [[ -f $KAFKA_LIB/.resolved && -f $REGISTRY_LIB/.resolved ]]; then exec 9>&-; return 0; fi
  local profile=kafka3 staging="$SLB_KAFKA_LIB/.staging-$$"
  ((KAFKA_MAJOR >= 4)) && profile=kafka4
  echo "Fetching Kafka $KAFKA_VERSION and Apicurio Registry $APICURIO_VERSION from Maven Central (first run only)..."
  rm -rf "$staging"
  if ! mvn -q -B -f "$SCRIPT_DIR/pom.xml" "-P$profile" "-Dkafka.version=$KAFKA_VERSION" \
    "-Dapicurio.version=$APICURIO_VERSION" "-Dslb.kafka.lib=$staging/kafka" \
    "-Dslb.registry.lib=$staging/registry" generate-resources >"$RUNTIME/maven.log" 2>&1; then
    rm -rf "$staging"
    die "Maven could not fetch Kafka $KAFKA_VERSION / Apicurio Registry $APICURIO_VERSION (see $RUNTIME/maven.log; check the network or ~/.m2/settings.xml)"
  fi
  if [[ ! -f $staging/kafka/kafka_2.13-$KAFKA_VERSION.jar || ! -f $staging/registry/apicurio-registry-app-$APICURIO_VERSION-runner.jar ]]; then
    rm -rf "$staging"
    die "Maven finished but Kafka $KAFKA_VERSION or the registry jar is missing (see $RUNTIME/maven.log)"
  fi
  if [[ ! -f $KAFKA_LIB/.resolved ]]; then
    rm -rf "$KAFKA_LIB" && mv "$staging/kafka" "$KAFKA_LIB" && touch "$KAFKA_LIB/.resolved"
  fi
  if [[ ! -f $REGISTRY_LIB/.resolved ]]; then
    rm -rf "$REGISTRY_LIB" && mv "$staging/registry" "$REGISTRY_LIB" && touch "$REGISTRY_LIB/.resolved"
  fi
  rm -rf "$staging"
  exec 9>&-
}

# ------------------------------------------------------------------------------ logging config
# Kafka 3.x logs through reload4j, 4.x through log4j2; both write to stdout, which we send to a file.
write_log_config() { # name level stream
  local name=$1 level=$2 stream=$3
  if ((KAFKA_MAJOR >= 4)); then
    cat >"$RUNTIME/log4j2-$name.properties" <<EOF
status = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_${stream^^}
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = $level
rootLogger.appenderRef.console.ref = console
logger.statechange.name = state.change.logger
logger.statechange.level = warn
EOF
  else
    local target=System.out
    [[ $stream == err ]] && target=System.err
    cat >"$RUNTIME/log4j-$name.properties" <<EOF
log4j.rootLogger=$level, console
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.Target=$target
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
EOF
  fi
}

log_config_flag() { # name
  if ((KAFKA_MAJOR >= 4)); then
    echo "-Dlog4j2.configurationFile=$RUNTIME/log4j2-$1.properties"
  else
    echo "-Dlog4j.configuration=file:$RUNTIME/log4j-$1.properties"
  fi
}

# ------------------------------------------------------------------------------ CLI tools
ensure_tools() {
  if [[ $MODE == docker ]]; then return 0; fi
  need_java
  ensure_jars
  mkdir -p "$RUNTIME"
  local config="$RUNTIME/log4j-tools.properties"
  ((KAFKA_MAJOR >= 4)) && config="$RUNTIME/log4j2-tools.properties"
  [[ -f $config ]] || write_log_config tools WARN err
}

# Prints what went wrong without the stack trace (the whole output goes to tools.log).
summarise_java_errors() {
  grep -vE '^[[:space:]]+at |^[[:space:]]*\.\.\. [0-9]+ more|^Caused by: |^SLF4J: ' "$1" | head -n 8 || true
}

run_tool() { # class args... (bootstrap address already in args)
  local class=$1 err rc=0
  shift
  err=$(mktemp)
  if [[ $MODE == docker ]]; then
    compose exec -T kafka /opt/kafka/bin/kafka-run-class.sh "$class" "$@" 2>"$err" || rc=$?
  else
    java "${TOOL_JVM_OPTS[@]}" "$(log_config_flag tools)" -cp "$KAFKA_LIB/*" "$class" "$@" 2>"$err" || rc=$?
  fi
  { echo "### $(date -u +%FT%TZ) $class $*"; cat "$err"; } >>"$TOOLS_LOG" 2>/dev/null || true
  if ((rc != 0)); then
    summarise_java_errors "$err" >&2
    echo "(full tool output: $TOOLS_LOG)" >&2
  fi
  TOOL_STDERR=$(<"$err")
  rm -f "$err"
  return $rc
}

bootstrap() { if [[ $MODE == docker ]]; then echo "$KAFKA_INTERNAL_BROKER"; else echo "$KAFKA_BROKER"; fi; }

producer_class() {
  if ((KAFKA_MAJOR >= 4)); then echo org.apache.kafka.tools.ConsoleProducer; else echo kafka.tools.ConsoleProducer; fi
}

# ------------------------------------------------------------------------------ docker compose
compose() {
  # The compose file's Kafka image follows KAFKA_VERSION, like the native broker.
  export KAFKA_VERSION
  if docker compose version >/dev/null 2>&1; then
    docker compose -f "$REPO_ROOT/docker-compose.yml" "$@"
  else
    docker-compose -f "$REPO_ROOT/docker-compose.yml" "$@"
  fi
}
COMPOSE_SERVICES=(kafka schema-registry kafka-ui)

# ------------------------------------------------------------------------------ native start/stop
write_server_properties() {
  cat >"$RUNTIME/server.properties" <<EOF
# Generated by $SELF on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
# Fewer offsets partitions than the default 50: the first consumer group starts much faster.
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# Topics come from the catalogue (init-topics), never from a typo in a producer.
auto.create.topics.enable=false
# The catalogue allows 10 MB messages.
message.max.bytes=10485760
replica.fetch.max.bytes=10485760
EOF
  if ((KAFKA_MAJOR >= 4)); then
    cat >>"$RUNTIME/server.properties" <<EOF
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  fi
}

random_cluster_id() {
  # A Kafka cluster id is 16 random bytes in URL-safe base64 without padding (22 characters).
  # Like Kafka's own Uuid.randomUuid(), never one that starts with '-': command-line parsers
  # take such a value for an option (1 start in 64 used to fail here).
  local id
  while id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22) && [[ $id == -* ]]; do :; done
  printf '%s\n' "$id"
}

spawn() { # pidfile logfile command...
  local pidfile=$1 logfile=$2
  shift 2
  # setsid: the servers outlive this script and the terminal that started them.
  if command -v setsid >/dev/null 2>&1; then
    (cd "$RUNTIME" && exec setsid "$@" </dev/null >>"$logfile" 2>&1) &
  else
    (cd "$RUNTIME" && exec nohup "$@" </dev/null >>"$logfile" 2>&1) &
  fi
  echo $! >"$pidfile"
}

start_registry() {
  if pid_if_ours "$REGISTRY_PID" >/dev/null; then echo "Schema registry already running."; return 0; fi
  if port_in_use "$REGISTRY_PORT"; then
    die "port $REGISTRY_PORT (schema registry) is already in use by another process — stop it or set REGISTRY_PORT"
  fi
  local storage=()
  if [[ $REGISTRY_STORAGE == kafkasql ]]; then
    # KafkaSQL: every change goes to the journal topic first; on start the registry replays the
    # journal (a new consumer group each time, from the beginning) into its in-memory database,
    # so it needs the broker up (cmd_start orders them) and comes back with the same ids.
    storage=("-Dapicurio.storage.kind=kafkasql" "-Dapicurio.kafkasql.bootstrap.servers=$KAFKA_BROKER"
      "-Dapicurio.kafkasql.topic=$REGISTRY_JOURNAL_TOPIC" "-Dapicurio.kafkasql.snapshots.topic=$REGISTRY_SNAPSHOTS_TOPIC"
      "-Dapicurio.events.kafka.topic=$REGISTRY_EVENTS_TOPIC" "-Dapicurio.storage.snapshot.location=$RUNTIME"
      # Start-up polls the (empty) snapshots topic once with this timeout: 5 s by default.
      "-Dapicurio.kafkasql.consumer.poll.timeout=$REGISTRY_POLL_TIMEOUT_MS")
  fi
  echo "=== $(date -u +%FT%TZ) starting Apicurio Registry $APICURIO_VERSION on 127.0.0.1:$REGISTRY_PORT (storage: $REGISTRY_STORAGE)" >>"$REGISTRY_LOG"
  # shellcheck disable=SC2086 # heap options are a word list on purpose
  spawn "$REGISTRY_PID" "$REGISTRY_LOG" java $REGISTRY_HEAP_OPTS "-Dslb.runtime=$RUNTIME" \
    "-Dquarkus.http.host=127.0.0.1" "-Dquarkus.http.port=$REGISTRY_PORT" "-Dquarkus.shutdown.timeout=$REGISTRY_SHUTDOWN_TIMEOUT" \
    "-Dapicurio.rules.global.compatibility=$REGISTRY_COMPATIBILITY" "${storage[@]}" \
    -jar "$REGISTRY_LIB/apicurio-registry-app-$APICURIO_VERSION-runner.jar"
}

# KafkaSQL's journal must keep every record for ever: Apicurio 3.0.9 would create it with the
# broker's defaults (cleanup.policy=delete, 7 days), losing the schemas a week later. Each journal
# record has a key of its own (a random uuid), so compaction removes nothing: the journal is
# created compacted (like Confluent's `_schemas`), one partition (Apicurio writes partition 0
# only), replication factor 1, before the registry first starts. Its partition dir in the
# broker's data dir says it exists, so later starts skip the tool (and its JVM start).
ensure_registry_journal() {
  [[ $REGISTRY_STORAGE == kafkasql ]] || return 0
  [[ -d $KAFKA_DATA/$REGISTRY_JOURNAL_TOPIC-0 ]] && return 0
  ensure_tools
  run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKER" --create --if-not-exists \
    --topic "$REGISTRY_JOURNAL_TOPIC" --partitions 1 --replication-factor 1 \
    --config cleanup.policy=compact --config min.insync.replicas=1 >/dev/null ||
    fail_start "could not create the registry's journal topic $REGISTRY_JOURNAL_TOPIC (see $TOOLS_LOG)"
}

start_kafka() {
  if pid_if_ours "$KAFKA_PID" >/dev/null; then echo "Kafka already running."; return 0; fi
  local port
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_in_use "$port"; then
      die "port $port (Kafka) is already in use by another process — stop it or set KAFKA_PORT / KAFKA_CONTROLLER_PORT"
    fi
  done
  write_log_config kafka INFO out
  write_log_config tools WARN err
  write_server_properties
  if [[ ! -f $KAFKA_DATA/meta.properties ]]; then
    local cluster_id
    cluster_id=${KAFKA_CLUSTER_ID:-$(random_cluster_id)}
    # --cluster-id=VALUE, so even a given id that starts with '-' is read as the value.
    if ! java "${TOOL_JVM_OPTS[@]}" "$(log_config_flag tools)" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool \
      format "--cluster-id=$cluster_id" -c "$RUNTIME/server.properties" >>"$KAFKA_LOG" 2>&1; then
      die "Kafka could not format its storage in $KAFKA_DATA (see $KAFKA_LOG)"
    fi
  fi
  echo "=== $(date -u +%FT%TZ) starting Kafka $KAFKA_VERSION on $KAFKA_BROKER" >>"$KAFKA_LOG"
  # shellcheck disable=SC2086 # heap options are a word list on purpose
  spawn "$KAFKA_PID" "$KAFKA_LOG" java $KAFKA_HEAP_OPTS -XX:+UseG1GC -Djava.awt.headless=true \
    "-Dslb.runtime=$RUNTIME" "$(log_config_flag kafka)" -cp "$KAFKA_LIB/*" kafka.Kafka "$RUNTIME/server.properties"
}

# Last lines of a log, without stack frames, for "it died on start" messages.
log_tail() { grep -vE '^[[:space:]]+at |^[[:space:]]*\.\.\. [0-9]+ more' "$1" 2>/dev/null | tail -n 5 || true; }

# A start that fails stops what it started, so no half-started server is left behind
# (restart-registry started only the registry, so only the registry is stopped then).
FAILED_START_STOPS=all
fail_start() {
  if [[ $FAILED_START_STOPS == registry ]]; then
    stop_registry >/dev/null 2>&1 || true
  else
    stop_native >/dev/null 2>&1 || true
  fi
  die "$@"
}

wait_until_ready() { # kafka and/or registry: what to wait for
  local deadline=$((SECONDS + START_TIMEOUT)) kafka_ok=1 registry_ok=1 which
  for which in "$@"; do
    case $which in
      kafka) kafka_ok=0 ;;
      registry) registry_ok=0 ;;
    esac
  done
  while ((SECONDS < deadline)); do
    if ((!kafka_ok)) && kafka_answers; then kafka_ok=1 KAFKA_READY_AFTER=$((SECONDS - START_BEGAN)); fi
    if ((!registry_ok)) && registry_answers; then registry_ok=1 REGISTRY_READY_AFTER=$((SECONDS - START_BEGAN)); fi
    if ((kafka_ok && registry_ok)); then return 0; fi
    if ((!kafka_ok)) && ! pid_if_ours "$KAFKA_PID" >/dev/null; then
      log_tail "$KAFKA_LOG" >&2
      fail_start "Kafka exited during start-up (see $KAFKA_LOG)"
    fi
    if ((!registry_ok)) && ! pid_if_ours "$REGISTRY_PID" >/dev/null; then
      log_tail "$REGISTRY_LOG" >&2
      fail_start "the schema registry exited during start-up (see $REGISTRY_LOG)"
    fi
    sleep 0.3
  done
  ((kafka_ok)) || fail_start "Kafka did not answer on $KAFKA_BROKER within ${START_TIMEOUT}s (see $KAFKA_LOG)"
  fail_start "the schema registry did not answer on $SCHEMA_REGISTRY_URL within ${START_TIMEOUT}s (see $REGISTRY_LOG)"
}

# SIGTERM to one process, then wait until it has exited (SIGKILL after STOP_TIMEOUT).
stop_pid() {
  local pid=$1 deadline
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while [[ -e /proc/$pid ]] && ((SECONDS < deadline)); do sleep 0.2; done
  if [[ -e /proc/$pid ]]; then
    echo "pid $pid did not stop within ${STOP_TIMEOUT}s; killing it." >&2
    kill -KILL "$pid" 2>/dev/null || true
    while [[ -e /proc/$pid ]]; do sleep 0.1; done
  fi
}

# The registry alone; the broker stays up.
stop_registry() {
  local pid
  pid=$(pid_if_ours "$REGISTRY_PID" || true)
  if [[ -z $pid ]]; then rm -f "$REGISTRY_PID"; return 1; fi
  stop_pid "$pid"
  rm -f "$REGISTRY_PID"
}

stop_native() {
  local kafka registry
  kafka=$(pid_if_ours "$KAFKA_PID" || true)
  registry=$(pid_if_ours "$REGISTRY_PID" || true)
  if [[ -z $kafka && -z $registry ]]; then
    rm -f "$KAFKA_PID" "$REGISTRY_PID"
    echo "Kafka and the schema registry are not running (runtime: $RUNTIME)."
    return 0
  fi
  # The registry first, while the broker still answers: its Kafka clients (KafkaSQL storage)
  # close at once then, instead of waiting out their timeouts for a broker that is gone.
  if [[ -n $registry ]]; then stop_registry || true; fi
  if [[ -n $kafka ]]; then stop_pid "$kafka"; fi
  rm -f "$KAFKA_PID" "$REGISTRY_PID"
  [[ -n $kafka ]] && echo "Kafka stopped."
  [[ -n $registry ]] && echo "Schema registry stopped."
  return 0
}

# ------------------------------------------------------------------------------ commands
cmd_start() {
  if [[ $MODE == docker ]]; then
    compose up -d --wait "${COMPOSE_SERVICES[@]}"
    return
  fi
  need_java
  ensure_jars
  mkdir -p "$RUNTIME"
  START_BEGAN=$SECONDS KAFKA_READY_AFTER=0 REGISTRY_READY_AFTER=0
  if [[ $REGISTRY_STORAGE == kafkasql ]]; then
    # The registry replays its journal from the broker on start: the broker first.
    start_kafka
    wait_until_ready kafka
    ensure_registry_journal
    start_registry
    wait_until_ready registry
  else
    # In memory the registry needs nothing: it boots slower than Kafka, so it goes first and
    # the two start in parallel.
    start_registry
    start_kafka
    wait_until_ready kafka registry
  fi
  echo "Kafka $KAFKA_VERSION at $KAFKA_BROKER and the schema registry at $SCHEMA_REGISTRY_URL are up" \
    "(Kafka after ${KAFKA_READY_AFTER}s, registry after ${REGISTRY_READY_AFTER}s)."
}

# Only the registry: the broker and its clients stay up. With KafkaSQL storage the registry
# comes back with every schema and id it had (it replays its journal topic).
cmd_restart_registry() {
  if [[ $MODE == docker ]]; then compose restart schema-registry; return; fi
  need_java
  ensure_jars
  mkdir -p "$RUNTIME"
  if [[ $REGISTRY_STORAGE == kafkasql ]]; then require_broker; fi
  if stop_registry; then echo "Schema registry stopped."; fi
  START_BEGAN=$SECONDS REGISTRY_READY_AFTER=0 FAILED_START_STOPS=registry
  ensure_registry_journal
  start_registry
  wait_until_ready registry
  echo "The schema registry at $SCHEMA_REGISTRY_URL is up (after ${REGISTRY_READY_AFTER}s; storage: $REGISTRY_STORAGE)."
}

cmd_stop() {
  if [[ $MODE == docker ]]; then compose stop "${COMPOSE_SERVICES[@]}"; return; fi
  stop_native
}

cmd_status() {
  local down=0 where
  if [[ $MODE == native ]]; then where="native, runtime $RUNTIME"; else where="docker compose"; fi
  if kafka_answers; then
    local pid
    pid=$(pid_if_ours "$KAFKA_PID" || true)
    echo "Kafka broker at $KAFKA_BROKER: up${pid:+ (Kafka $KAFKA_VERSION, pid $pid, $where)}"
  else
    echo "Kafka broker at $KAFKA_BROKER: DOWN — start it with: $SELF start"
    down=1
  fi
  if registry_answers; then
    local pid
    pid=$(pid_if_ours "$REGISTRY_PID" || true)
    echo "Schema registry at $SCHEMA_REGISTRY_URL: up${pid:+ (Apicurio $APICURIO_VERSION, pid $pid, $where)}"
  else
    echo "Schema registry at $SCHEMA_REGISTRY_URL: DOWN — start it with: $SELF start"
    down=1
  fi
  return $down
}

cmd_init_topics() {
  require_broker
  command -v node >/dev/null 2>&1 || die "node is not installed; init-topics runs the topic catalogue CLI on Node 20+"
  local dist="$REPO_ROOT/services/core/dist/topics/cli.js"
  local src="$REPO_ROOT/services/core/src/topics/cli.ts"
  if [[ -f $dist ]]; then
    node "$dist" init --brokers "$KAFKA_BROKER" "$@"
  elif [[ -x $REPO_ROOT/node_modules/.bin/tsx ]]; then
    "$REPO_ROOT/node_modules/.bin/tsx" "$src" init --brokers "$KAFKA_BROKER" "$@"
  else
    die "the topic CLI is not built and tsx is not installed — run: npm ci && npm run build"
  fi
}

cmd_topics() {
  require_broker; ensure_tools
  run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(bootstrap)" --list
}

cmd_create_topic() {
  (($# == 3)) || { EXIT_CODE=64 die "usage: $SELF create-topic NAME PARTITIONS REPLICATION_FACTOR"; }
  require_broker; ensure_tools
  run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(bootstrap)" --create \
    --topic "$1" --partitions "$2" --replication-factor "$3"
}

cmd_describe_topic() {
  (($# == 1)) || { EXIT_CODE=64 die "usage: $SELF describe-topic NAME"; }
  require_broker; ensure_tools
  run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(bootstrap)" --describe --topic "$1"
}

cmd_produce() {
  (($# == 2 || $# == 3)) || { EXIT_CODE=64 die "usage: $SELF produce TOPIC MESSAGE [KEY]"; }
  local topic=$1 message=$2
  require_broker; ensure_tools
  local args=(--bootstrap-server "$(bootstrap)" --topic "$topic"
    --producer-property acks=all --producer-property max.block.ms=15000)
  local line=$message
  if (($# == 3)); then
    # Compacted topics (config-updates, routing-decisions) refuse messages without a key.
    local sep=$'\x1f'
    args+=(--property parse.key=true --property "key.separator=$sep")
    line="$3$sep$message"
  fi
  run_tool "$(producer_class)" "${args[@]}" <<<"$line" || return
  # The console producer logs a failed send and still exits 0, so failures are found in its output.
  if grep -q 'Error when sending message' <<<"$TOOL_STDERR"; then
    grep -m1 'Error when sending message' <<<"$TOOL_STDERR" >&2
    die "the message was not written to $topic (does the topic exist? list them with: $SELF topics)"
  fi
  echo "Produced 1 message to $topic."
}

cmd_consume() {
  (($# == 2)) || { EXIT_CODE=64 die "usage: $SELF consume TOPIC COUNT"; }
  require_broker; ensure_tools
  run_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$(bootstrap)" \
    --topic "$1" --from-beginning --max-messages "$2" --timeout-ms "$CONSUME_TIMEOUT_MS" || return
  local total
  total=$(grep -oE 'Processed a total of [0-9]+ messages' <<<"$TOOL_STDERR" | tail -n1 || true)
  echo "${total:-Processed an unknown number of messages}${total:+ (asked for $2; waits at most $((CONSUME_TIMEOUT_MS / 1000))s)}" >&2
}

cmd_groups() {
  require_broker; ensure_tools
  run_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$(bootstrap)" --list
}

cmd_describe_group() {
  (($# == 1)) || { EXIT_CODE=64 die "usage: $SELF describe-group NAME"; }
  require_broker; ensure_tools
  run_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$(bootstrap)" \
    --describe --group "$1"
}

# For tools that run a Kafka of their own from the same jars (test/bus/sasl-broker.test.ts):
# the resolved versions and directories, one KEY=VALUE a line.
cmd_info() {
  ensure_jars >&2
  printf '%s\n' "KAFKA_VERSION=$KAFKA_VERSION" "KAFKA_LIB=$KAFKA_LIB" \
    "APICURIO_VERSION=$APICURIO_VERSION" "REGISTRY_LIB=$REGISTRY_LIB"
}

cmd_logs() {
  local which=${1:-all} lines=${LOG_LINES:-100}
  if [[ $MODE == docker ]]; then
    case $which in
      kafka) compose logs --tail "$lines" kafka ;;
      registry) compose logs --tail "$lines" schema-registry ;;
      all) compose logs --tail "$lines" kafka schema-registry ;;
      *) EXIT_CODE=64 die "usage: $SELF logs [kafka|registry]" ;;
    esac
    return
  fi
  local files=()
  case $which in
    kafka) files=("$KAFKA_LOG") ;;
    registry) files=("$REGISTRY_LOG") ;;
    all) files=("$KAFKA_LOG" "$REGISTRY_LOG") ;;
    *) EXIT_CODE=64 die "usage: $SELF logs [kafka|registry]" ;;
  esac
  local f
  for f in "${files[@]}"; do
    [[ -f $f ]] || die "no log at $f — nothing has been started with this runtime dir yet (run: $SELF start)"
    ((${#files[@]} > 1)) && echo "==> $f <=="
    tail -n "$lines" "$f"
  done
}

usage() {
  cat <<EOF
Usage: $SELF COMMAND [ARGS]

  start                         start Kafka $KAFKA_VERSION (KRaft) and the schema registry, wait until both answer
  stop                          stop both and wait until they have exited
  restart                       stop, then start
  restart-registry              stop and start the schema registry only (the broker stays up)
  fetch                         resolve the Kafka and registry jars from Maven Central (start does it too)
  info                          fetch, then print KAFKA_VERSION, KAFKA_LIB, APICURIO_VERSION, REGISTRY_LIB
  status                        is each one up? (exit 1 when either is down)
  init-topics [--prefix P]      create the topic catalogue; report drift (exit 3 on drift)
  topics                        list topics
  create-topic NAME PARTITIONS RF
  describe-topic NAME           partitions, leaders and configs of a topic
  produce TOPIC MESSAGE [KEY]   write one message
  consume TOPIC N               read up to N messages from the beginning
  groups                        list consumer groups
  describe-group NAME           members, offsets and lag of a consumer group
  logs [kafka|registry]         the last \$LOG_LINES (100) lines of the logs

Mode: $MODE.  Kafka: $KAFKA_VERSION (KAFKA_VERSION; default $SLB_KAFKA_DEFAULT_VERSION, also supported $SLB_KAFKA_PREVIOUS_VERSION).
Broker: $KAFKA_BROKER.  Registry: $SCHEMA_REGISTRY_URL (storage: $REGISTRY_STORAGE).  Runtime: $RUNTIME.
See docs/local-kafka.md.
EOF
}

main() {
  local command=${1:-help}
  (($# > 0)) && shift
  case $command in
    fetch) ensure_jars && echo "Kafka $KAFKA_VERSION: $KAFKA_LIB" && echo "Registry $APICURIO_VERSION: $REGISTRY_LIB" ;;
    info) cmd_info ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart) cmd_stop && cmd_start ;;
    restart-registry) cmd_restart_registry ;;
    status) cmd_status ;;
    init-topics) cmd_init_topics "$@" ;;
    topics) cmd_topics ;;
    create-topic) cmd_create_topic "$@" ;;
    describe-topic) cmd_describe_topic "$@" ;;
    produce) cmd_produce "$@" ;;
    consume) cmd_consume "$@" ;;
    groups) cmd_groups ;;
    describe-group) cmd_describe_group "$@" ;;
    logs) cmd_logs "$@" ;;
    help | -h | --help) usage ;;
    *) usage >&2; exit 64 ;;
  esac
}

main "$@"
