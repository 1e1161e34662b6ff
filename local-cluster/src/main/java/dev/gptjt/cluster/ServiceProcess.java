package dev.gptjt.cluster;

import dev.gptjt.engine.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged Quarkus service ({@code quarkus-run.jar}) running in its own JVM. */
public final class ServiceProcess implements AutoCloseable {
    /** The prefix of the engine's test-only system properties (outside the service's {@code gptjt.} settings). */
    static final String TEST_HOOKS = "gptjt-test.";

    private final Process process;
    private final Path log;

    private final int httpPort;

    private ServiceProcess(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    /** The port of the service's health and metrics endpoints. */
    public int httpPort() {
        return httpPort;
    }

    /**
     * Starts the packaged service named by the {@code gptjt.app.jar} system property with
     * {@code settings} as system properties; output goes to {@code log}.
     */
    public static ServiceProcess start(Map<String, String> settings, Path log) throws IOException {
        return start(settings, Map.of(), log);
    }

    /**
     * As {@link #start(Map, Path)}, with {@code environment} added to this process's for the service (as a
     * Deployment's {@code env:} would: {@code QUARKUS_CONFIG_LOCATIONS}, secrets read as variables).
     */
    public static ServiceProcess start(Map<String, String> settings, Map<String, String> environment, Path log)
            throws IOException {
        String jar = System.getProperty("gptjt.app.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException(
                    "packaged service not found (gptjt.app.jar=" + jar + "); build it with 'mvn package'");
        }
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(memoryOptions(settings));
        String javaOpts = System.getenv("JAVA_OPTS");
        if (javaOpts != null && !javaOpts.isBlank()) {
            command.addAll(List.of(javaOpts.trim().split("\\s+"))); // after ours: the user's options win
        }
        Map<String, String> all = new HashMap<>(testHooks());
        all.putAll(settings);
        // several services may run side by side: each gets its own HTTP port unless told one
        int port = all.containsKey("quarkus.http.port")
                ? Integer.parseInt(all.get("quarkus.http.port"))
                : KafkaBroker.freePort();
        all.put("quarkus.http.port", Integer.toString(port));
        all.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process p = builder.start();
        return new ServiceProcess(p, log, port);
    }

    /**
     * This JVM's test-only engine settings ({@value #TEST_HOOKS}{@code *}, e.g. the step scale that makes the model
     * slower), handed on so that a test run slowed down runs its services slowed down too; none outside tests.
     */
    static Map<String, String> testHooks() {
        Map<String, String> hooks = new HashMap<>();
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith(TEST_HOOKS))
                .forEach(name -> hooks.put(name, System.getProperty(name)));
        return hooks;
    }

    /**
     * The service JVM's memory, sized from the model it loads: a small heap (the weights live in ONNX
     * Runtime's native memory, not on the heap) and room in direct memory, where the KV cache lives, for
     * a full batch at the model's whole context twice over (a running batch's cache and the merge that
     * admits new rows). The JVM's default caps direct memory at the heap size, which a real export's cache
     * passes at once (GPT-JT-6B fp32: 0.9 MB per token per sequence).
     */
    public static List<String> memoryOptions(Map<String, String> settings) {
        long direct = 512L << 20;
        String dir = settings.get("gptjt.model.dir");
        if (dir != null && Files.isRegularFile(Path.of(dir, "config.json"))) {
            ModelConfig c = ModelConfig.read(Path.of(dir, "config.json"));
            long kvPerToken = 2L * c.nLayer() * c.nEmbd() * Float.BYTES; // fp32, the larger case
            int batch = Integer.parseInt(settings.getOrDefault("gptjt.engine.max-batch-size", "16"));
            direct = Math.max(direct, 2L * kvPerToken * batch * c.nPositions() + (256L << 20));
        }
        return List.of("-Xmx768m", "-XX:MaxDirectMemorySize=" + (direct >> 20) + "m");
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** The service JVM's process id. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /**
     * SIGTERM, and its exit status once it has exited (a JVM whose shutdown hooks ran: 143).
     *
     * @throws IllegalStateException when it is still running after {@code timeout} (it is SIGKILLed then)
     */
    public int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("still running " + timeout.toSeconds() + " s after SIGTERM\n" + logTail());
        }
        return process.exitValue();
    }

    /** SIGTERM and wait: the graceful path. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
