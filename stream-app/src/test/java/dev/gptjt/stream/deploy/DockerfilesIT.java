package dev.gptjt.stream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The images' Dockerfiles against the packaged service (this runs after {@code mvn package}, from which
 * {@code docker build} copies): every {@code COPY} source matches files of the build, the entry point's jar
 * is among them, and the user and port are those the Deployment runs as and probes. No Docker daemon is
 * reachable from this build, so the image itself is not built here.
 */
class DockerfilesIT {
    private static final Path ROOT = Path.of(System.getProperty("gptjt.models")).getParent();

    private static List<Path> matching(String source) throws Exception {
        Path pattern = ROOT.resolve(source.endsWith("/") ? source.substring(0, source.length() - 1) : source);
        Path dir = pattern.getParent();
        // the glob is the last name only: the checkout's own path may hold glob characters
        PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + pattern.getFileName());
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> glob.matches(f.getFileName())).toList();
        }
    }

    @Test
    void shouldCopyOnlyWhatThePackageHoldsAndRunAsTheDeploymentExpects() throws Exception {
        JsonNode deployment = new ObjectMapper(new YAMLFactory())
                .readTree(ROOT.resolve("deploy/base/deployment.yaml").toFile());
        JsonNode container = deployment.at("/spec/template/spec/containers/0");
        String user =
                deployment.at("/spec/template/spec/securityContext/runAsUser").asText();
        String port = container.at("/ports/0/containerPort").asText();
        List<Path> dockerfiles;
        try (Stream<Path> files = Files.list(ROOT.resolve("deploy/docker"))) {
            dockerfiles = files.filter(f -> f.getFileName().toString().startsWith("Dockerfile"))
                    .sorted()
                    .toList();
        }
        assertEquals(2, dockerfiles.size(), dockerfiles.toString());
        for (Path dockerfile : dockerfiles) {
            String name = dockerfile.getFileName().toString();
            List<String> copied = new ArrayList<>();
            boolean entryPoint = false;
            for (String line : Files.readAllLines(dockerfile)) {
                String[] w = line.trim().split("\\s+");
                switch (w[0]) {
                    case "COPY" -> {
                        String dest = w[w.length - 1];
                        assertFalse(line.trim().endsWith("\\"), name + ": continued COPY lines are not read here");
                        for (int i = 1; i < w.length - 1; i++) {
                            if (w[i].startsWith("--")) {
                                continue; // --chown=, --from=: options, not sources
                            }
                            List<Path> found = matching(w[i]);
                            assertFalse(found.isEmpty(), name + ": COPY " + w[i] + " matches nothing in the build");
                            for (Path f : found) { // a directory's contents go into dest, a file under it
                                copied.add(Files.isDirectory(f) ? dest.replaceAll("/$", "") : dest + f.getFileName());
                            }
                        }
                    }
                    case "USER" -> assertEquals(user, w[1], name + ": USER vs the Deployment's runAsUser");
                    case "EXPOSE" -> assertEquals(port, w[1], name + ": EXPOSE vs the Deployment's containerPort");
                    case "ENTRYPOINT" -> {
                        entryPoint = true;
                        assertTrue(
                                line.contains("-jar /deployments/quarkus-run.jar"),
                                name + ": entry point runs quarkus-run.jar: " + line);
                    }
                    default -> {}
                }
            }
            assertTrue(entryPoint, name + " has an ENTRYPOINT");
            assertTrue(
                    copied.containsAll(List.of(
                            "/deployments/quarkus-run.jar",
                            "/deployments/lib",
                            "/deployments/app",
                            "/deployments/quarkus")),
                    name + ": " + copied);
        }
    }
}
