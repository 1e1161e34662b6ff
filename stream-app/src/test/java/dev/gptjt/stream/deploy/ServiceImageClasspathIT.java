package dev.gptjt.stream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the service image ships ({@code quarkus-app/lib/}, copied whole by both Dockerfiles) is the engine, the tasks,
 * the schemas and the service: no launcher command, benchmark, model maker, demo, eval or local-cluster class, no
 * broker or chart jar. And the GPU overlay's init container, run as its manifest writes it against that classpath,
 * converts a model.
 */
class ServiceImageClasspathIT {
    private static final Path REPO = Path.of(System.getProperty("gptjt.models")).getParent();
    private static final Path LIB =
            Path.of(System.getProperty("gptjt.app.jar")).getParent().resolve("lib");

    @Test
    void shouldShipOnlyTheEngineTasksAndSchemasOfThisProject() throws IOException {
        Set<String> ours = new TreeSet<>();
        List<String> launcherClasses = new ArrayList<>();
        List<String> launcherJars = new ArrayList<>();
        for (Path jar : jars()) {
            String name = jar.getFileName().toString();
            if (name.startsWith("dev.gptjt.")) {
                ours.add(name.replaceFirst("^dev\\.gptjt\\.", "").replaceFirst("-\\d.*\\.jar$", ""));
            }
            if (name.startsWith("org.apache.kafka.kafka_")
                    || name.startsWith("org.jfree.")
                    || name.contains("picocli")) {
                launcherJars.add(name);
            }
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                zip.stream()
                        .map(e -> e.getName())
                        .filter(n -> n.startsWith("dev/gptjt/cli/")
                                || n.startsWith("dev/gptjt/tools/")
                                || n.startsWith("dev/gptjt/cluster/"))
                        .forEach(n -> launcherClasses.add(name + "!" + n));
            }
        }
        assertEquals(Set.of("gptjt-engine", "gptjt-schemas", "gptjt-tasks"), ours, "this project's jars in " + LIB);
        assertEquals(List.of(), launcherClasses, "launcher, tools or local-cluster classes in the image");
        assertEquals(List.of(), launcherJars, "the broker, charts or picocli in the image");
    }

    @Test
    void shouldRunTheGpuOverlaysInitContainerAsItsManifestWritesIt(@TempDir Path out) throws Exception {
        JsonNode patch = new ObjectMapper(new YAMLFactory())
                .readTree(REPO.resolve("deploy/overlays/gpu/gpu-patch.yaml").toFile());
        JsonNode init = patch.at("/spec/template/spec/initContainers/0");
        assertEquals("prepare-model", init.get("name").asText());
        List<String> command = new ArrayList<>();
        for (JsonNode arg : init.get("command")) {
            // the image's paths, as Dockerfile.gpu lays them out, mapped onto this build and a scratch volume
            command.add(
                    switch (arg.asText()) {
                        case "java" ->
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString();
                        case "/deployments/lib/main/*" -> LIB.resolve("main") + "/*";
                        case "/models/gpt-jt-6b" ->
                            REPO.resolve("models/tiny-gptj").toString();
                        case "/var/lib/gptjt/model" -> out.toString();
                        default -> arg.asText();
                    });
        }
        Path log = out.resolveSibling(out.getFileName() + ".log");
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the converter did not finish within 120 s");
        String told = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), told);
        assertTrue(Files.isRegularFile(out.resolve("greedy_search.onnx")), told);
        assertTrue(Files.isRegularFile(out.resolve("classify.onnx")), told);
    }

    private static List<Path> jars() throws IOException {
        try (Stream<Path> files = Files.walk(LIB)) {
            List<Path> jars =
                    files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
            assertTrue(!jars.isEmpty(), "no jars under " + LIB + ": build the service first");
            return jars;
        }
    }
}
