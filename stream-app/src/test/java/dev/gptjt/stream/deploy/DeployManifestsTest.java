package dev.gptjt.stream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/ is valid Kubernetes: every manifest and patch against the typed schema of its kind, and, where
 * {@code kubectl} is installed, every overlay (and every component) rendered by kustomize and validated
 * document by document. Without kubectl the render is reported as skipped, never passed silently.
 */
class DeployManifestsTest {
    private static final Path DEPLOY =
            Path.of(System.getProperty("gptjt.models")).getParent().resolve("deploy");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static List<JsonNode> documents(String yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && !d.isNull() && !d.isMissingNode()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    private static List<String> problems(List<JsonNode> docs, String where) {
        List<String> problems = new ArrayList<>();
        docs.forEach(d -> ManifestSchema.problems(d).forEach(p -> problems.add(where + ": " + p)));
        return problems;
    }

    /** {@code command} on the PATH, if any. */
    static Optional<Path> onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, command))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** {@code kubectl} on the PATH, if any (the Debian 12 image has it, the Debian 13 one not). */
    static Optional<Path> kubectl() {
        return onPath("kubectl");
    }

    private static String render(Path kubectl, Path dir) throws Exception {
        Process p = new ProcessBuilder(kubectl.toString(), "kustomize", dir.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize " + dir + " did not finish");
        assertEquals(0, p.exitValue(), "kubectl kustomize " + dir + ":\n" + out);
        return out;
    }

    @Test
    void shouldValidateEveryManifestAndPatchAgainstItsKindsSchema() throws Exception {
        List<String> problems = new ArrayList<>();
        int files = 0;
        try (Stream<Path> all = Files.walk(DEPLOY)) {
            for (Path f : all.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                if (f.getFileName().toString().equals("kustomization.yaml")) {
                    continue;
                }
                problems.addAll(problems(
                        documents(Files.readString(f)), DEPLOY.relativize(f).toString()));
                files++;
            }
        }
        assertTrue(files >= 10, "manifests found: " + files);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void shouldRefuseAMisspelledFieldNamingItsPath() throws Exception {
        ObjectNode deployment = (ObjectNode) documents(Files.readString(DEPLOY.resolve("base/deployment.yaml")))
                .get(0);
        ((ObjectNode) deployment.at("/spec/template/spec/containers/0")).put("imagePullPolcy", "Always");
        List<String> p = ManifestSchema.problems(deployment);
        assertEquals(1, p.size(), p.toString());
        assertTrue(
                p.get(0).contains("spec.template.spec.containers[0]")
                        && p.get(0).contains("imagePullPolcy"),
                p.get(0));

        ObjectNode scaled =
                (ObjectNode) documents(Files.readString(DEPLOY.resolve("components/keda/scaledobject.yaml")))
                        .get(0);
        ((ObjectNode) scaled.at("/spec")).put("minReplicaCont", 1);
        assertFalse(ManifestSchema.problems(scaled).isEmpty(), "KEDA: a misspelled spec field");
        ObjectNode kafka = (ObjectNode) documents(Files.readString(DEPLOY.resolve("components/keda/scaledobject.yaml")))
                .get(0);
        ((ObjectNode) kafka.at("/spec/triggers/0/metadata")).put("bootstrapServer", "x:9092");
        assertTrue(
                ManifestSchema.problems(kafka).toString().contains("metadata.bootstrapServer: unknown"),
                ManifestSchema.problems(kafka).toString());
        ObjectNode monitor =
                (ObjectNode) documents(Files.readString(DEPLOY.resolve("components/monitoring/podmonitor.yaml")))
                        .get(0);
        ((ObjectNode) monitor.at("/spec/podMetricsEndpoints/0")).put("paht", "/q/metrics");
        assertFalse(ManifestSchema.problems(monitor).isEmpty(), "PodMonitor: a misspelled endpoint field");
    }

    @Test
    void shouldRenderEveryOverlayAndComponentToValidDocumentsAndKeepTheBaseFreeOfCustomResources(@TempDir Path tmp)
            throws Exception {
        Optional<Path> kubectl = kubectl();
        if (kubectl.isEmpty()) {
            System.out.println(
                    "DeployManifestsTest: SKIPPED rendering: no kubectl on PATH (the Debian 12 image has it);"
                            + " every file was still validated on its own");
        }
        Assumptions.assumeTrue(kubectl.isPresent(), "kubectl not on PATH: overlays not rendered");
        List<JsonNode> base = documents(render(kubectl.get(), DEPLOY.resolve("base")));
        for (JsonNode d : base) {
            assertTrue(
                    ManifestSchema.BUILT_IN.contains(ManifestSchema.kindOf(d)),
                    "the base applies on a bare cluster; it has " + ManifestSchema.kindOf(d));
        }
        List<String> problems = new ArrayList<>(problems(base, "base"));
        for (String overlay : List.of("overlays/cpu", "overlays/gpu")) {
            problems.addAll(problems(documents(render(kubectl.get(), DEPLOY.resolve(overlay))), overlay));
        }
        // every component at once, as a SASL_SSL GPU cluster would use them (kustomize takes no absolute
        // paths, so the overlay goes beside the others in a copy of deploy/)
        Path copy = tmp.resolve("deploy");
        try (Stream<Path> files = Files.walk(DEPLOY)) {
            for (Path f : files.toList()) {
                Path to = copy.resolve(DEPLOY.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        Path all = Files.createDirectories(copy.resolve("overlays/gpu-sasl"));
        Files.writeString(all.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - ../gpu
                components:
                  - ../../components/kafka-auth
                """);
        List<JsonNode> everything = documents(render(kubectl.get(), all));
        problems.addAll(problems(everything, "gpu + kafka-auth"));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        JsonNode scaled = everything.stream()
                .filter(d -> d.path("kind").asText().equals("ScaledObject"))
                .findFirst()
                .orElseThrow();
        JsonNode kafka = everything.stream()
                .filter(d -> d.path("kind").asText().equals("ConfigMap")
                        && d.at("/metadata/name").asText().startsWith("gptjt-kafka-"))
                .filter(d -> d.at("/data/bootstrap-servers").isTextual())
                .findFirst()
                .orElseThrow();
        assertEquals(2, scaled.at("/spec/triggers").size(), "the prompts and bulk prompts topics' lag");
        for (JsonNode trigger : scaled.at("/spec/triggers")) {
            assertEquals(
                    kafka.at("/data/bootstrap-servers").asText(),
                    trigger.at("/metadata/bootstrapServers").asText(),
                    "KEDA reads the brokers from the one place they are named");
            assertEquals(
                    "gptjt-kafka-auth", trigger.at("/authenticationRef/name").asText());
        }
    }
}
