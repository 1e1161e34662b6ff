package dev.gptjt.stream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gptjt.cluster.KafkaBroker;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.testing.BrokerIT;
import dev.gptjt.testing.TestServices;
import dev.gptjt.testing.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The README's image step for real where a Docker daemon answers: {@code docker build -f
 * deploy/docker/Dockerfile.cpu} from the repository root after {@code mvn package}, then the image run as the
 * Deployment runs it — its own user, a read-only root filesystem with {@code /tmp} and the state directory
 * writable, the model mounted read-only, settings from {@code /deployments/config/application.properties}
 * and the bootstrap address from the environment — against a real broker, answering prompts. Without a
 * daemon, or without the Dockerfile's base image (no registry reachable and none loaded), it is reported as
 * skipped with the reason.
 */
class DockerImageIT extends BrokerIT {
    private static final Path ROOT = Path.of(System.getProperty("gptjt.models")).getParent();
    private static final String IMAGE = "gptjt-streams:it";

    private record Run(int exit, String output) {}

    private static Run run(Duration timeout, List<String> command) throws Exception {
        Path out = Files.createTempFile(TestServices.WORK, "docker-", ".log");
        Process p = new ProcessBuilder(command)
                .directory(ROOT.toFile())
                .redirectOutput(out.toFile())
                .redirectErrorStream(true)
                .start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return new Run(-1, "timed out: " + String.join(" ", command));
        }
        return new Run(p.exitValue(), Files.readString(out));
    }

    private static void skip(String why) {
        System.out.println("DockerImageIT: SKIPPED building and running the CPU image: " + why);
        Assumptions.assumeTrue(false, why);
    }

    @Test
    void shouldBuildTheCpuImageAndServeFromItAsTheDeploymentRunsIt() throws Exception {
        Optional<Path> dockerPath = DeployManifestsTest.onPath("docker");
        if (dockerPath.isEmpty()) {
            skip("no docker on PATH");
        }
        String docker = dockerPath.get().toString();
        Run version = run(Duration.ofSeconds(30), List.of(docker, "version", "--format", "{{.Server.Version}}"));
        if (version.exit() != 0) {
            skip("no Docker daemon answers ("
                    + version.output().lines().reduce((a, b) -> b).orElse("") + ")");
        }
        Path dockerfile = ROOT.resolve("deploy/docker/Dockerfile.cpu");
        String base = Files.readAllLines(dockerfile).stream()
                .filter(l -> l.startsWith("FROM "))
                .map(l -> l.substring(5).trim())
                .findFirst()
                .orElseThrow();
        if (run(Duration.ofSeconds(30), List.of(docker, "image", "inspect", base))
                                .exit()
                        != 0
                && run(Duration.ofMinutes(5), List.of(docker, "pull", base)).exit() != 0) {
            skip("the base image " + base + " is neither loaded nor pullable");
        }
        Run build = run(
                Duration.ofMinutes(10),
                List.of(docker, "build", "-f", "deploy/docker/Dockerfile.cpu", "-t", IMAGE, "."));
        assertEquals(0, build.exit(), build.output());

        String name = "docker-image";
        Map<String, String> settings = TestServices.settings(broker.bootstrap(), name, "at_least_once", 1);
        settings.remove("quarkus.kafka-streams.bootstrap-servers"); // from the environment, as the Deployment does
        settings.put("gptjt.model.dir", "/models/tiny-gptj");
        settings.put("kafka-streams.state.dir", "/var/lib/gptjt/state");
        int port = KafkaBroker.freePort();
        settings.put("quarkus.http.port", Integer.toString(port));
        Path config =
                Files.createTempDirectory(TestServices.WORK, "image-config-").toAbsolutePath();
        Files.writeString(
                config.resolve("application.properties"),
                settings.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining("\n", "", "\n")));
        // the container's user (185) reads it through the mount: a temp directory is the test user's alone
        config.toFile().setReadable(true, false);
        config.toFile().setExecutable(true, false);
        config.resolve("application.properties").toFile().setReadable(true, false);
        String container = "gptjt-it-" + ProcessHandle.current().pid();
        List<String> runCommand = new ArrayList<>(List.of(
                docker,
                "run",
                "-d",
                "--name",
                container,
                "--network",
                "host",
                "--read-only",
                // an emptyDir is mounted executable; docker's tmpfs is noexec unless told (RocksDB and ONNX Runtime
                // load
                // the natives they unpack into /tmp)
                "--tmpfs",
                "/tmp:rw,exec",
                "--tmpfs",
                "/var/lib/gptjt/state",
                "--cap-drop",
                "ALL",
                "--security-opt",
                "no-new-privileges",
                "-v",
                ROOT.resolve("models/tiny-gptj").toAbsolutePath() + ":/models/tiny-gptj:ro",
                "-v",
                config + ":/deployments/config:ro",
                "-e",
                "QUARKUS_KAFKA_STREAMS_BOOTSTRAP_SERVERS=" + broker.bootstrap(),
                "-e",
                "JAVA_OPTS_APPEND=-Xmx512m -XX:MaxDirectMemorySize=512m -Djava.io.tmpdir=/tmp",
                IMAGE));
        Run started = run(Duration.ofMinutes(2), runCommand);
        assertEquals(0, started.exit(), started.output());
        try {
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline) {
                try {
                    status = http.send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                                            .timeout(Duration.ofSeconds(5))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode();
                } catch (java.io.IOException notYet) {
                    // not listening yet
                }
                if (status != 200) {
                    Thread.sleep(500);
                }
            }
            assertEquals(
                    200,
                    status,
                    run(Duration.ofSeconds(30), List.of(docker, "logs", container))
                            .output());
            assertEquals(
                    List.of("image-0", "image-1"),
                    Topics.answeredIds(
                            broker.bootstrap(), name, new SingleObjectWireFormat(), Topics.generations("image", 2, 4)),
                    run(Duration.ofSeconds(30), List.of(docker, "logs", container))
                            .output());
            String user = run(Duration.ofSeconds(30), List.of(docker, "exec", container, "id", "-u"))
                    .output()
                    .trim();
            assertEquals("185", user, "the image's USER, the Deployment's runAsUser");
        } finally {
            run(Duration.ofMinutes(1), List.of(docker, "rm", "-f", container));
            run(Duration.ofMinutes(1), List.of(docker, "rmi", "-f", IMAGE));
        }
    }
}
