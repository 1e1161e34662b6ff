package dev.gptjt.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Settings of a packaged service under test: its own topics, application id and fresh local state. */
public final class TestServices {
    /** Where the delivery tests keep brokers, state and logs. */
    public static final Path WORK = Path.of("target", "it-work");

    private TestServices() {}

    /**
     * Topics {@code NAME.prompts/.completions/.failures}, application id {@code NAME}, the tiny model,
     * a new state directory; a mutable map, for tests to add to.
     */
    public static Map<String, String> settings(String bootstrap, String name, String guarantee, int partitions)
            throws IOException {
        Files.createDirectories(WORK);
        Map<String, String> s = new HashMap<>();
        s.put("quarkus.kafka-streams.bootstrap-servers", bootstrap);
        s.put("quarkus.kafka-streams.application-id", name);
        s.put("kafka-streams.processing.guarantee", guarantee);
        s.put(
                "kafka-streams.state.dir",
                Files.createTempDirectory(WORK, "state-").toString());
        s.put(
                "gptjt.model.dir",
                Path.of(System.getProperty("gptjt.models")).resolve("tiny-gptj").toString());
        s.put("gptjt.topics.prompts", name + ".prompts");
        s.put("gptjt.topics.completions", name + ".completions");
        s.put("gptjt.topics.failures", name + ".failures");
        s.put("gptjt.topics.partitions", Integer.toString(partitions));
        return s;
    }
}
