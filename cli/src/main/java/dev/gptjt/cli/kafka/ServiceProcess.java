package dev.gptjt.cli.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged Quarkus service ({@code quarkus-run.jar}) running in its own JVM. */
public final class ServiceProcess implements AutoCloseable {
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
        String jar = System.getProperty("gptjt.app.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("packaged service not found (gptjt.app.jar=" + jar + "); build it with 'mvn package'");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m"));
        java.util.Map<String, String> all = new java.util.HashMap<>(settings);
        // several services may run side by side: each gets its own HTTP port unless told one
        int port = all.containsKey("quarkus.http.port") ? Integer.parseInt(all.get("quarkus.http.port")) : KafkaBroker.freePort();
        all.put("quarkus.http.port", Integer.toString(port));
        all.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar));
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).redirectErrorStream(true).start();
        return new ServiceProcess(p, log, port);
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
