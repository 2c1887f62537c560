"""Apache Kafka as the embedded broker: one KRaft node, or a cluster of N on loopback.

The jars come from Maven Central once (``deploy/kafka/pom.xml``, ``make kafka``) into a
cache outside the repository; each node is ``java -cp 'JARS/*' kafka.Kafka
server.properties`` in its own process, with its log directory, its ``server.properties``,
its log4j2 configuration and its log under the node's data directory. A data directory
is formatted (``kafka.tools.StorageTool format``) on first start only, so a node started
again on the same directory keeps its topics, records, committed offsets and changelogs.

:class:`KafkaBroker` is a single combined broker + controller (``make run``, the test
session); :class:`KafkaCluster` starts N of them as one cluster (static controller
quorum, replication factor N, ``min.insync.replicas`` N-1) for the fault tests.
Measured on the 2-core machine: a node is ready ~3-5 s after ``java`` starts, the
format takes ~2 s more on first start, a SIGTERM stops it in under a second.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from pipeline.broker.common import (
    EMBEDDED_GROUP_TIMINGS,
    HOST,
    BrokerError,
    BrokerProcess,
    StartStop,
    cluster_brokers,
    free_port,
    port_is_free,
    port_open,
    tail_of,
    wait_port_free,
)

log = logging.getLogger(__name__)

KAFKA_VERSION = "4.4.0"
POM = Path(__file__).resolve().parents[2] / "deploy" / "kafka" / "pom.xml"
JARS_STAMP = ".complete"
RETENTION_HOURS = 72  # a newsroom's few days; WIRES data older than that is deleted
HEAP = "512m"

JAVA_HELP = "install a Java runtime, 17 or newer (Debian: apt-get install openjdk-17-jre-headless)"
MAVEN_HELP = "install Maven to fetch the Kafka jars once (Debian: apt-get install maven)"


# -- the jars ---------------------------------------------------------------------------


def jars_dir() -> Path:
    """Where the broker's jars are cached: ``$WIRES_KAFKA_JARS``, else
    ``~/.cache/wires/kafka-4.4.0`` (``$XDG_CACHE_HOME`` honoured); the Makefile agrees."""
    explicit = os.environ.get("WIRES_KAFKA_JARS")
    if explicit:
        return Path(explicit)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "wires" / f"kafka-{KAFKA_VERSION}"


def java_binary() -> str:
    """The ``java`` to run (``$JAVA_HOME/bin/java``, else ``java`` on PATH)."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise BrokerError(f"java not found: {JAVA_HELP}")
    return found


def ensure_jars(target: Path | None = None) -> Path:
    """The jar directory, fetched with Maven first when it is not complete yet.

    Idempotent: a stamp file marks a complete copy; a copy is made in a temporary
    directory and renamed, so an interrupted fetch never looks complete.
    """
    target = target or jars_dir()
    if (target / JARS_STAMP).is_file():
        return target
    java_binary()  # no point fetching jars that cannot run
    mvn = shutil.which("mvn")
    if not mvn:
        raise BrokerError(f"Kafka jars missing in {target} and mvn not found: {MAVEN_HELP}")
    if not POM.is_file():
        raise BrokerError(f"Kafka jars missing in {target} and {POM} not found (run make kafka)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    log.warning("fetching Apache Kafka %s jars into %s (once)", KAFKA_VERSION, target)
    cmd = [mvn, "-q", "-f", str(POM), "dependency:copy-dependencies"]
    cmd += ["-DincludeScope=runtime", f"-DoutputDirectory={partial}"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise BrokerError(f"mvn could not fetch the Kafka jars:\n{done.stdout}{done.stderr}")
    (partial / JARS_STAMP).write_text(f"kafka {KAFKA_VERSION}\n")
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    return target


# -- configuration ----------------------------------------------------------------------


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 (never starting with '-')."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


def node_properties(
    *,
    node_id: int,
    port: int,
    controller_port: int,
    log_dir: Path,
    voters: str | None,
    replicas: int,
    host: str = HOST,
    retention_hours: int = RETENTION_HOURS,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """``server.properties`` of one combined broker + controller node.

    ``voters`` is the static quorum (``1@host:port,...``) of a cluster, or None for a
    single node formatted ``--standalone``. Tuned for a small machine and fast start:
    no initial rebalance delay, small internal topics, 1 s minimum group session
    (the tests' 3 s sessions), replication of internal topics like data topics.
    """
    min_isr = str(max(1, replicas - 1))
    props = {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(log_dir),
        # Topics: none is created on first use (as deploy/compose runs Kafka): only the
        # workers and the topic job create them, with their partitions and settings;
        # an auto-created one has neither (pipeline.topics, issue 15).
        "auto.create.topics.enable": "false",
        "num.partitions": "4",
        "default.replication.factor": str(replicas),
        "min.insync.replicas": min_isr,
        "unclean.leader.election.enable": "false",
        # Internal topics: small, replicated like the data.
        "offsets.topic.num.partitions": "8",
        "offsets.topic.replication.factor": str(replicas),
        "transaction.state.log.num.partitions": "4",
        "transaction.state.log.replication.factor": str(replicas),
        "transaction.state.log.min.isr": min_isr,
        "share.coordinator.state.topic.num.partitions": "4",
        "share.coordinator.state.topic.replication.factor": str(replicas),
        "share.coordinator.state.topic.min.isr": min_isr,
        # Groups: join at once, allow the embedded clients' short sessions.
        "group.initial.rebalance.delay.ms": "0",
        "group.min.session.timeout.ms": "1000",
        # Retention: a newsroom's few days; daily segments so old days can go.
        "log.retention.hours": str(retention_hours),
        "log.roll.hours": "24",
        "log.segment.bytes": str(64 * 1024 * 1024),
        "log.retention.check.interval.ms": "300000",
        # Larger stories than the 1 MB default (topics say 4 MB, see pipeline.topics).
        "message.max.bytes": str(8 * 1024 * 1024),
        "replica.fetch.max.bytes": str(8 * 1024 * 1024),
        # A dead broker is fenced after 3 s, not 9: its partitions get new leaders
        # sooner, and a node restarted after SIGKILL need not wait out its old session
        # (measured: restart after kill 14 s -> ~6 s).
        "broker.session.timeout.ms": "3000",
        "broker.heartbeat.interval.ms": "500",
        # A small machine: fewer threads than a server's defaults.
        "num.network.threads": "2",
        "num.io.threads": "4",
        "num.recovery.threads.per.data.dir": "1",
        "background.threads": "4",
    }
    if voters is None:
        props["controller.quorum.bootstrap.servers"] = f"{host}:{controller_port}"
    else:
        props["controller.quorum.voters"] = voters
    props.update(overrides or {})
    return props


LOG4J2 = """\
status = warn
name = wires-kafka
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = {log}
appender.file.filePattern = {log}.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = {level}
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = warn
"""


def _write_properties(path: Path, props: Mapping[str, str]) -> None:
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))


# -- one node ---------------------------------------------------------------------------


class KafkaNode:
    """One ``kafka.Kafka`` process (broker + controller) on a data directory.

    The directory holds ``server.properties``, ``log4j2.properties``, the log
    directory ``kafka-logs/``, the broker log ``kafka.log`` and the JVM's output
    ``kafka.out``. Ports are fixed once chosen, so a restart comes back on them.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        node_id: int = 1,
        port: int | None = None,
        controller_port: int | None = None,
        host: str = HOST,
        java: str | os.PathLike[str] | None = None,
        jars: str | os.PathLike[str] | None = None,
        heap: str = HEAP,
        jvm_options: Sequence[str] = (),
        log_level: str = "INFO",
        stop_timeout: float = 15.0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.node_id = node_id
        self.host = host
        self.port = port or 0
        self.controller_port = controller_port or 0
        self.java = str(java) if java is not None else None
        self.jars = Path(jars) if jars is not None else None
        self.heap = heap
        self.jvm_options = list(jvm_options)
        self.log_level = log_level
        self._process = BrokerProcess(f"kafka node {node_id}", stop_timeout=stop_timeout)

    # paths
    @property
    def log_dir(self) -> Path:
        return self.data_dir / "kafka-logs"

    @property
    def log_path(self) -> Path:
        """The broker's own log (log4j2)."""
        return self.data_dir / "kafka.log"

    @property
    def out_path(self) -> Path:
        """The JVM's stdout and stderr (start-up failures land here)."""
        return self.data_dir / "kafka.out"

    @property
    def formatted(self) -> bool:
        return (self.log_dir / "meta.properties").is_file()

    @property
    def running(self) -> bool:
        return self._process.running

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def pick_ports(self) -> None:
        if not self.port:
            self.port = free_port(self.host)
        while not self.controller_port or self.controller_port == self.port:
            self.controller_port = free_port(self.host)

    def log_tail(self, lines: int = 20) -> str:
        out = tail_of(self.out_path, lines)
        return f"{self.out_path}:\n{out}\n{self.log_path}:\n{tail_of(self.log_path, lines)}"

    def _classpath(self) -> str:
        jars = self.jars or ensure_jars()
        return str(jars / "*")

    def _java_cmd(self, main: str, *args: str, heap: str | None = None) -> list[str]:
        java = self.java or java_binary()
        return [
            java,
            f"-Xmx{heap or self.heap}",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            *self.jvm_options,
            "-cp",
            self._classpath(),
            main,
            *args,
        ]

    def configure(self, props: Mapping[str, str]) -> None:
        """Write ``server.properties`` and the log4j2 configuration."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _write_properties(self.data_dir / "server.properties", props)
        (self.data_dir / "log4j2.properties").write_text(
            LOG4J2.format(log=self.log_path, level=self.log_level)
        )

    def format(self, cluster_id: str, *, standalone: bool) -> None:
        """``StorageTool format`` the log directory (first start only)."""
        if self.formatted:
            return
        args = ["format", "-t", cluster_id, "-c", str(self.data_dir / "server.properties")]
        if standalone:
            args.append("--standalone")
        cmd = self._java_cmd("kafka.tools.StorageTool", *args, heap="256m")
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        except OSError as exc:
            raise BrokerError(f"cannot run {cmd[0]!r}: {exc}") from exc
        if done.returncode != 0:
            raise BrokerError(
                f"formatting {self.log_dir} failed (exit {done.returncode}):\n"
                f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
            )

    def check_ports(self) -> None:
        for port in (self.port, self.controller_port):
            if not port_is_free(port, self.host):
                raise BrokerError(f"port {self.host}:{port} is already in use (another broker?)")

    def spawn(self) -> None:
        if self.running:
            return
        self.check_ports()
        cmd = self._java_cmd("kafka.Kafka", str(self.data_dir / "server.properties"))
        self._process.spawn(cmd, self.out_path)

    def check_alive(self) -> None:
        proc = self._process.proc
        code = proc.poll() if proc is not None else "never started"
        if code is not None:
            raise BrokerError(
                f"kafka node {self.node_id} on {self.address} exited with code {code}"
                f" during start; logs:\n{self.log_tail()}"
            )

    def stop(self) -> None:
        """SIGTERM (a controlled shutdown), SIGKILL after ``stop_timeout`` s."""
        self._process.terminate()
        for port in (self.port, self.controller_port):
            if port:
                wait_port_free(port, self.host, timeout=10.0)

    def kill(self) -> None:
        """SIGKILL: what a power cut or the OOM killer does."""
        self._process.terminate(kill=True)

    def signal(self, sig: int) -> None:
        self._process.signal(sig)


def _wait_ready(nodes: Sequence[KafkaNode], expected: int, timeout: float) -> None:
    """Until every node (each just spawned) answers and reports ``expected`` brokers.

    Every node, not the running ones: a JVM that died at once (a port taken) was
    skipped, and the caller's next step said "not running" instead of its exit code."""
    deadline = time.monotonic() + timeout
    pending = list(nodes)
    while pending:
        node = pending[0]
        node.check_alive()
        # The cheap TCP check first: kafka-python logs an ERROR per refused connect.
        if port_open(node.port, node.host):
            found = cluster_brokers(node.address, timeout=1.0)
            if found is not None and found >= expected:
                node.check_alive()  # the port may answer for another process
                pending.pop(0)
                continue
        if time.monotonic() > deadline:
            raise BrokerError(
                f"kafka node {node.node_id} on {node.address} not ready after"
                f" {timeout:.0f} s; logs:\n{node.log_tail()}"
            )
        time.sleep(0.1)


class _Embedded(StartStop):
    """What both Kafka classes share: context manager, env for clients."""

    kind = "kafka"
    durable = True
    nodes: list[KafkaNode]
    replicas: int
    ready_timeout: float

    @property
    def running(self) -> bool:
        return any(n.running for n in self.nodes)

    @property
    def bootstrap(self) -> str:
        """``host:port[,host:port]`` of the running nodes (raises when none runs)."""
        live = [n.address for n in self.nodes if n.running]
        if not live:
            raise BrokerError("embedded Kafka is not running")
        return ",".join(live)

    def client_env(self) -> dict[str, str]:
        """``WIRES_*`` settings for pipeline processes that use this broker: the
        address, the fast group timings (see ``EMBEDDED_GROUP_TIMINGS``) and the
        replication factor of the topics they create."""
        return {
            "WIRES_BROKER": self.bootstrap,
            "WIRES_REPLICATION": str(self.replicas),
            **EMBEDDED_GROUP_TIMINGS,
        }


class KafkaBroker(_Embedded):
    """One Apache Kafka KRaft node (combined broker and controller) on loopback.

    Usage::

        with KafkaBroker(".wires/kafka") as broker:
            produce_to(broker.bootstrap)

    ``data_dir=None`` uses a temporary directory, removed by :meth:`stop` (a test
    broker); a given directory is kept, and a later start on it finds every topic,
    record and committed offset. :meth:`kill` and :meth:`restart` keep the directory
    and the ports.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        port: int | None = None,
        host: str = HOST,
        java: str | os.PathLike[str] | None = None,
        jars: str | os.PathLike[str] | None = None,
        heap: str = HEAP,
        jvm_options: Sequence[str] = (),
        retention_hours: int = RETENTION_HOURS,
        overrides: Mapping[str, str] | None = None,
        ready_timeout: float = 60.0,
        stop_timeout: float = 15.0,
    ) -> None:
        self._temp = data_dir is None
        root = Path(tempfile.mkdtemp(prefix="wires-kafka-")) if data_dir is None else data_dir
        self.data_dir = Path(root)
        self.replicas = 1
        self.retention_hours = retention_hours
        self.overrides = dict(overrides or {})
        self.ready_timeout = ready_timeout
        self.node = KafkaNode(
            self.data_dir,
            port=port,
            host=host,
            java=java,
            jars=jars,
            heap=heap,
            jvm_options=jvm_options,
            stop_timeout=stop_timeout,
        )
        self.nodes = [self.node]

    @property
    def host(self) -> str:
        return self.node.host

    @property
    def port(self) -> int:
        return self.node.port

    @property
    def pid(self) -> int | None:
        return self.node.pid

    @property
    def log_path(self) -> Path:
        return self.node.log_path

    def log_tail(self, lines: int = 20) -> str:
        return self.node.log_tail(lines)

    def start(self) -> KafkaBroker:
        """Format on first start, start the JVM, return once metadata can be fetched."""
        if self.node.running:
            return self
        self.node.pick_ports()
        self.node.check_ports()
        self.node.configure(
            node_properties(
                node_id=self.node.node_id,
                port=self.node.port,
                controller_port=self.node.controller_port,
                log_dir=self.node.log_dir,
                voters=None,
                replicas=1,
                host=self.node.host,
                retention_hours=self.retention_hours,
                overrides=self.overrides,
            )
        )
        self.node.format(new_cluster_id(), standalone=True)
        self.node.spawn()
        try:
            _wait_ready(self.nodes, 1, self.ready_timeout)
        except BrokerError:
            self.node.kill()
            raise
        log.info("Kafka ready on %s (pid %s, data %s)", self.bootstrap, self.pid, self.data_dir)
        return self

    def stop(self) -> None:
        """Stop cleanly (SIGTERM, SIGKILL fallback); a temporary data dir is removed."""
        self.node.stop()
        if self._temp:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def kill(self) -> None:
        """SIGKILL the broker (data directory kept)."""
        self.node.kill()

    def restart(self) -> KafkaBroker:
        """Start again on the same data directory and ports (after stop or kill)."""
        if self.node.running:
            self.node.stop()
        return self.start()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<KafkaBroker {self.host}:{self.port} pid={self.pid} {state} {self.data_dir}>"


class KafkaCluster(_Embedded):
    """N KRaft nodes, each broker and controller, as one cluster on loopback.

    A static controller quorum of all N, replication factor N for every topic and
    ``min.insync.replicas`` N-1: one node can die without losing an acknowledged
    record or stopping producers that use ``acks=all``.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        size: int = 3,
        *,
        host: str = HOST,
        heap: str = "384m",
        jvm_options: Sequence[str] = (),
        overrides: Mapping[str, str] | None = None,
        ready_timeout: float = 120.0,
        stop_timeout: float = 15.0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.replicas = size
        self.overrides = dict(overrides or {})
        self.ready_timeout = ready_timeout
        self.cluster_id = new_cluster_id()
        self.nodes = [
            KafkaNode(
                self.data_dir / f"node-{i}",
                node_id=i,
                host=host,
                heap=heap,
                jvm_options=jvm_options,
                stop_timeout=stop_timeout,
            )
            for i in range(1, size + 1)
        ]

    def node_by_id(self, node_id: int) -> KafkaNode:
        return next(n for n in self.nodes if n.node_id == node_id)

    def start(self) -> KafkaCluster:
        # Ports are not held between picking and binding: make the 2N picks distinct
        # (seen: two nodes given one port, so a controller answered for another).
        used: set[int] = set()
        for node in self.nodes:
            while not node.port or node.port in used:
                node.port = free_port(node.host)
            used.add(node.port)
            while not node.controller_port or node.controller_port in used:
                node.controller_port = free_port(node.host)
            used.add(node.controller_port)
        voters = ",".join(f"{n.node_id}@{n.host}:{n.controller_port}" for n in self.nodes)
        for node in self.nodes:
            node.configure(
                node_properties(
                    node_id=node.node_id,
                    port=node.port,
                    controller_port=node.controller_port,
                    log_dir=node.log_dir,
                    voters=voters,
                    replicas=self.replicas,
                    host=node.host,
                    overrides=self.overrides,
                )
            )
        for node in self.nodes:
            node.format(self.cluster_id, standalone=False)
        try:
            for node in self.nodes:
                node.spawn()
            _wait_ready(self.nodes, len(self.nodes), self.ready_timeout)
        except BrokerError:
            self.kill()
            raise
        log.info("Kafka cluster of %d ready on %s", len(self.nodes), self.bootstrap)
        return self

    def start_node(self, node_id: int, timeout: float | None = None) -> None:
        """Start one stopped node again on its data directory and ports."""
        node = self.node_by_id(node_id)
        node.spawn()
        _wait_ready([node], 1, timeout or self.ready_timeout)

    def stop(self) -> None:
        """SIGTERM every node at once (SIGKILL fallback)."""
        for node in self.nodes:
            node.signal(signal.SIGTERM)
        for node in self.nodes:
            node.stop()

    def kill(self) -> None:
        for node in self.nodes:
            node.kill()

    def __repr__(self) -> str:
        live = sum(n.running for n in self.nodes)
        return f"<KafkaCluster {live}/{len(self.nodes)} running {self.data_dir}>"
