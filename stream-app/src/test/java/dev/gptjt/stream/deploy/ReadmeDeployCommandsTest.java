package dev.gptjt.stream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Deploying" commands that need no cluster, run as written with {@code --dry-run=client -o
 * yaml} where {@code kubectl} is installed: what they create is what the manifests read. (Without kubectl the
 * test is reported as skipped, with the reason printed.)
 */
class ReadmeDeployCommandsTest {
    private static final Path ROOT = Path.of(System.getProperty("gptjt.models")).getParent();
    private static final String SECRET = "gptjt-kafka-auth";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static String deployingSection() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("\n## Deploying");
        int end = readme.indexOf("\n## ", start + 1);
        assertTrue(start >= 0 && end > start, "README has a Deploying section");
        return readme.substring(start, end);
    }

    /** The README's inline command starting with {@code prefix}, its lines joined as a shell would read it. */
    static String command(String section, String prefix) {
        Matcher m = Pattern.compile("`(" + Pattern.quote(prefix) + "[^`]*)`").matcher(section);
        assertTrue(m.find(), "README Deploying: no `" + prefix + " …` command");
        return m.group(1).replaceAll("\\s*\\n\\s*", " ");
    }

    /** Splits a command line as sh does for words, single and double quotes (no expansions used here). */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        assertEquals(0, quote, "unbalanced quotes in: " + line);
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    private static JsonNode dryRun(Path kubectl, List<String> command, Path cwd) throws Exception {
        List<String> argv = new ArrayList<>(command);
        argv.set(0, kubectl.toString());
        argv.addAll(List.of("--dry-run=client", "-o", "yaml"));
        Process p = new ProcessBuilder(argv).directory(cwd.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", argv) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + err);
        return YAML.readTree(out);
    }

    /** Keys of Secret {@code name} that a document reads: secretKeyRef / TriggerAuthentication refs and volume items. */
    static void keysRead(JsonNode node, String name, Set<String> into) {
        if (node.isObject()) {
            if (name.equals(node.path("name").asText()) && node.has("key")) {
                into.add(node.get("key").asText());
            }
            if (name.equals(node.path("secretName").asText())) {
                node.path("items").forEach(i -> into.add(i.path("key").asText()));
            }
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                keysRead(it.next(), name, into);
            }
        } else if (node.isArray()) {
            node.forEach(n -> keysRead(n, name, into));
        }
    }

    @Test
    void shouldCreateWithTheReadmesSecretCommandEveryKeyTheKafkaAuthComponentReads(@TempDir Path tmp) throws Exception {
        String section = deployingSection();
        List<String> createSecret = words(command(section, "kubectl create secret generic"));
        Set<String> read = new TreeSet<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("deploy/components/kafka-auth"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                try (var docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(f.toFile())) {
                    while (docs.hasNext()) {
                        keysRead(docs.next(), SECRET, read);
                    }
                }
            }
        }
        assertTrue(read.containsAll(Set.of("sasl-jaas-config", "username", "password", "ca.crt")), read.toString());

        Optional<Path> kubectl = DeployManifestsTest.kubectl();
        if (kubectl.isEmpty()) {
            System.out.println("ReadmeDeployCommandsTest: SKIPPED running the README's kubectl commands: no kubectl on"
                    + " PATH (the Debian 12 image has it); the keys the component reads: " + read);
        }
        Assumptions.assumeTrue(kubectl.isPresent(), "kubectl not on PATH: README commands not run");
        // --from-file=ca.crt reads the CA from the directory the user runs it in
        Files.writeString(tmp.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        JsonNode secret = dryRun(kubectl.get(), createSecret, tmp);
        assertEquals("Secret", secret.path("kind").asText());
        assertEquals(SECRET, secret.path("metadata").path("name").asText());
        assertEquals("gptjt", secret.path("metadata").path("namespace").asText());
        Set<String> created = new TreeSet<>();
        secret.path("data").fieldNames().forEachRemaining(created::add);
        assertEquals(read, created, "keys the README's command creates vs keys deploy/components/kafka-auth reads");
        assertTrue(
                ManifestSchema.problems(secret).isEmpty(),
                ManifestSchema.problems(secret).toString());
        String jaas = new String(
                java.util.Base64.getDecoder()
                        .decode(secret.path("data").path("sasl-jaas-config").asText()),
                StandardCharsets.UTF_8);
        assertTrue(
                jaas.startsWith("org.apache.kafka.common.security.scram.ScramLoginModule required ")
                        && jaas.endsWith(";"),
                jaas);

        JsonNode namespace = dryRun(kubectl.get(), words(command(section, "kubectl create namespace")), tmp);
        assertEquals("Namespace", namespace.path("kind").asText());
        assertEquals("gptjt", namespace.path("metadata").path("name").asText());
    }
}
