package dev.gptjt.cluster;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Apicurio Registry server — its whole distribution, as Apicurio publishes it to Maven Central — in a child
 * JVM, with in-memory storage: what {@code gptjt registry} runs, and what the service's registry tests run against.
 *
 * <p>The distribution is fetched through Maven on first use (cached in the local repository like any dependency) and
 * unpacked under the user's cache. Apicurio Registry 3 needs Java 21 or newer: a JDK that can run it is looked for
 * ({@code --java}, {@code JAVA_HOME}, the running one, the JDKs installed beside it); without one, the 2.6 line, which
 * runs on Java 17, is used instead. Both serve the Confluent-compatible API ({@code /apis/ccompat/v7}); the
 * Apicurio API is v3 on 3.x and v2 on 2.6 (which this project's 3.x serdes still speak).
 */
public final class RegistryServer implements AutoCloseable, ChildServer {
    /** Apicurio Registry's current line; needs Java 21 or newer. */
    public static final Distribution CURRENT =
            new Distribution("3.3.3", 21, "quarkus-run.jar", "v3", "apicurio.datasource.url");
    /** The line that runs on Java 17. */
    public static final Distribution FALLBACK = new Distribution(
            "2.6.13.Final", 17, "apicurio-registry-app-2.6.13.Final-runner.jar", "v2", "quarkus.datasource.jdbc.url");

    private static final Pattern JAVA_VERSION = Pattern.compile("JAVA_VERSION=\"(\\d+)");

    /**
     * One of Apicurio Registry's server distributions ({@code io.apicurio:apicurio-registry-app:VERSION:tar.gz:all}).
     *
     * @param minimumJava the oldest Java that runs it
     * @param launcher    the jar to run, in the unpacked archive
     * @param api         its Apicurio REST API's version ({@code /apis/registry/API})
     * @param storageUrl  the setting that points its storage at a JDBC URL (in-memory H2 unless set)
     */
    public record Distribution(String version, int minimumJava, String launcher, String api, String storageUrl) {
        String coordinates() {
            return "io.apicurio:apicurio-registry-app:" + version + ":tar.gz:all";
        }

        String archive() {
            return "apicurio-registry-app-" + version + "-all.tar.gz";
        }
    }

    /** A JDK found on this machine, with its feature version (17, 21, 25, …). */
    public record Jdk(Path home, int version) {
        Path java() {
            return home.resolve("bin").resolve("java");
        }
    }

    /**
     * How to start it.
     *
     * @param host  the address the registry's API listens on (127.0.0.1 unless told otherwise)
     * @param port  its port; 0 for a free one
     * @param java  the JDK to run it with; null: the newest found (see the class's description)
     * @param cache   where distributions are unpacked
     * @param log     where the registry's output goes
     * @param persist where it keeps its schemas across restarts (an H2 database file); null: in memory
     */
    public record Options(String host, int port, Path java, Path cache, Path log, Path persist) {
        /** On 127.0.0.1, a free port, the JDK found, the user's cache, logging to {@code log}, in memory. */
        public static Options local(Path log) {
            return new Options("127.0.0.1", 0, null, defaultCache(), log, null);
        }

        public Options withPort(int port) {
            return new Options(host, port, java, cache, log, persist);
        }

        public Options withJava(Path home) {
            return new Options(host, port, home, cache, log, persist);
        }

        public Options withPersist(Path dir) {
            return new Options(host, port, java, cache, log, dir);
        }
    }

    private final Distribution distribution;
    private final Jdk jdk;
    private final String host;
    private final int port;
    private final int healthPort;
    private final Path log;
    private final List<String> command;
    private Process process;

    private RegistryServer(
            Distribution distribution,
            Jdk jdk,
            String host,
            int port,
            int healthPort,
            Path dir,
            Path log,
            Path persist) {
        this.distribution = distribution;
        this.jdk = jdk;
        this.host = host;
        this.port = port;
        this.healthPort = healthPort;
        this.log = log;
        List<String> c = new ArrayList<>(List.of(
                jdk.java().toString(), "-Xmx256m", "-Dquarkus.http.host=" + host, "-Dquarkus.http.port=" + port));
        if (distribution == CURRENT) { // 3.x serves health on a management port of its own
            c.add("-Dquarkus.management.host=127.0.0.1");
            c.add("-Dquarkus.management.port=" + healthPort);
        }
        if (persist != null) {
            c.add("-D" + distribution.storageUrl() + "=jdbc:h2:file:"
                    + persist.toAbsolutePath().resolve("registry"));
        }
        c.addAll(List.of("-jar", dir.resolve(distribution.launcher()).toString()));
        this.command = List.copyOf(c);
    }

    /**
     * Fetches (first time only), unpacks and starts the registry, and waits until it is ready.
     *
     * @param progress told what is happening (which distribution and JDK, and why; the download)
     * @throws IllegalStateException when the port is taken, the distribution cannot be fetched, or the server does not
     *     come up (with the end of its log)
     */
    public static RegistryServer start(Options options, Consumer<String> progress) throws Exception {
        if (options.port() != 0 && !KafkaBroker.portFree(options.port())) {
            throw new IllegalStateException("port " + options.port()
                    + " is already in use (another registry running?); choose another with --port");
        }
        Jdk jdk = jdkFor(options);
        Distribution distribution = distributionOn(jdk);
        if (distribution == FALLBACK) {
            String why = options.java() != null
                    ? "the JDK given is Java " + jdk.version() + " (" + jdk.home() + ")"
                    : "no JDK " + CURRENT.minimumJava() + "+ found (newest: Java " + jdk.version() + " at " + jdk.home()
                            + ")";
            progress.accept(why + ": Apicurio Registry " + FALLBACK.version() + ", which runs on Java 17 (Registry "
                    + CURRENT.version() + " needs Java " + CURRENT.minimumJava() + "+)");
        } else {
            progress.accept("Apicurio Registry " + distribution.version() + " on Java " + jdk.version() + " ("
                    + jdk.home() + ")");
        }
        Path dir = unpacked(distribution, options.cache(), progress);
        int port = options.port() == 0 ? KafkaBroker.freePort() : options.port();
        RegistryServer server = new RegistryServer(
                distribution,
                jdk,
                options.host(),
                port,
                distribution == CURRENT ? KafkaBroker.freePort() : port,
                dir,
                options.log(),
                options.persist());
        server.startProcess();
        return server;
    }

    /** Starts (or restarts) the server process on the same ports and waits until it is ready. */
    public void startProcess() throws Exception {
        Files.createDirectories(log.toAbsolutePath().getParent());
        process = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/health/ready"))
                .timeout(Duration.ofSeconds(3))
                .build();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the registry exited: " + KafkaBroker.tail(log));
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        close();
        throw new IllegalStateException("the registry was not ready within 120 s: " + KafkaBroker.tail(log));
    }

    /** Stops the server process (a restart keeps its ports, and its schemas where it persists them). */
    public void stopProcess() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** True while the server process runs. */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The Apicurio REST API, as the serdes' {@code apicurio.registry.url} takes it. */
    public String apicurioUrl() {
        return baseUrl() + "/apis/registry/" + distribution.api();
    }

    /** The Confluent Schema Registry-compatible API, for Confluent clients. */
    public String confluentUrl() {
        return baseUrl() + "/apis/ccompat/v7";
    }

    /** The port of its APIs. */
    public int port() {
        return port;
    }

    /** Which distribution runs. */
    public Distribution distribution() {
        return distribution;
    }

    /** The JDK it runs on. */
    public Jdk jdk() {
        return jdk;
    }

    public Path logFile() {
        return log;
    }

    private String baseUrl() {
        String shown = host.equals("0.0.0.0") ? "127.0.0.1" : host;
        return "http://" + (shown.contains(":") ? "[" + shown + "]" : shown) + ":" + port;
    }

    @Override
    public void close() throws InterruptedException {
        stopProcess();
    }

    /** The user's cache for unpacked distributions: {@code $XDG_CACHE_HOME/gptjt}, else {@code ~/.cache/gptjt}. */
    public static Path defaultCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("gptjt");
    }

    /** The distribution unpacked under {@code cache}: fetched through Maven and unpacked the first time. */
    private static Path unpacked(Distribution distribution, Path cache, Consumer<String> progress) throws Exception {
        Path dir = cache.resolve("apicurio-registry-app-" + distribution.version());
        if (Files.isRegularFile(dir.resolve(distribution.launcher()))) {
            return dir;
        }
        Files.createDirectories(cache);
        Path download = Files.createTempDirectory(cache, "download-");
        try {
            progress.accept("fetching " + distribution.coordinates() + " through Maven (once; ~150 MB)…");
            List<String> mvn = new ArrayList<>(List.of(
                    maven(),
                    "-B",
                    "-q",
                    "-ntp",
                    "dependency:copy",
                    "-Dartifact=" + distribution.coordinates(),
                    "-DoutputDirectory=" + download));
            String localRepository = System.getProperty("maven.repo.local");
            if (localRepository != null) {
                mvn.add("-Dmaven.repo.local=" + localRepository);
            }
            run(mvn, download, "fetching " + distribution.coordinates());
            Path staging = Files.createTempDirectory(cache, "unpack-");
            run(
                    List.of(
                            "tar",
                            "-xzf",
                            download.resolve(distribution.archive()).toString(),
                            "-C",
                            staging.toString()),
                    download,
                    "unpacking " + distribution.archive());
            try {
                Files.move(staging, dir); // whole or not at all: a half-unpacked directory is never taken for one
            } catch (IOException raced) {
                if (!Files.isRegularFile(dir.resolve(distribution.launcher()))) {
                    throw raced;
                }
                deleteTree(staging); // another process unpacked it meanwhile
            }
            return dir;
        } finally {
            deleteTree(download);
        }
    }

    private static void run(List<String> command, Path dir, String what) throws Exception {
        Path output = dir.resolve("output.log");
        Process p;
        try {
            p = new ProcessBuilder(command)
                    .directory(dir.toFile()) // no pom.xml here: Maven runs the goal alone
                    .redirectOutput(output.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(what + ": cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(what + ": no answer within 15 minutes");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(what + " failed: " + KafkaBroker.tail(output));
        }
    }

    /** Maven: {@code MAVEN_HOME}'s, else {@code mvn} on the PATH. */
    private static String maven() {
        String home = System.getenv("MAVEN_HOME");
        if (home != null && Files.isExecutable(Path.of(home, "bin", "mvn"))) {
            return Path.of(home, "bin", "mvn").toString();
        }
        return "mvn";
    }

    /** The JDK {@code options} run the registry on: the one given, or the newest found. */
    private static Jdk jdkFor(Options options) {
        return options.java() != null ? jdkAt(options.java()) : newestJdk();
    }

    /** The distribution {@code jdk} runs: Registry 3 from Java 21, else 2.6. */
    private static Distribution distributionOn(Jdk jdk) {
        return jdk.version() >= CURRENT.minimumJava() ? CURRENT : FALLBACK;
    }

    /** The newest JDK among {@code JAVA_HOME}, the running one and the JDKs installed beside it. */
    static Jdk newestJdk() {
        List<Path> homes = new ArrayList<>();
        Optional.ofNullable(System.getenv("JAVA_HOME")).map(Path::of).ifPresent(homes::add);
        Path running = Path.of(System.getProperty("java.home"));
        homes.add(running);
        for (Path root :
                new Path[] {running.getParent(), Path.of("/usr/lib/jvm"), Path.of("/Library/Java/JavaVirtualMachines")
                }) {
            if (root == null || !Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> list = Files.list(root)) {
                list.forEach(p -> {
                    homes.add(p);
                    homes.add(p.resolve("Contents").resolve("Home")); // macOS bundles
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return homes.stream()
                .map(RegistryServer::jdkOrNull)
                .filter(j -> j != null)
                .max(Comparator.comparingInt(Jdk::version))
                .orElseGet(() -> new Jdk(running, Runtime.version().feature()));
    }

    /**
     * The JDK at {@code home}.
     *
     * @throws IllegalStateException when {@code home} holds no JDK
     */
    static Jdk jdkAt(Path home) {
        Jdk jdk = jdkOrNull(home);
        if (jdk == null) {
            throw new IllegalStateException("--java: no JDK at " + home + " (no bin/java and release file)");
        }
        return jdk;
    }

    private static Jdk jdkOrNull(Path home) {
        try {
            Path release = home.resolve("release");
            if (!Files.isRegularFile(release)
                    || !Files.isExecutable(home.resolve("bin").resolve("java"))) {
                return null;
            }
            Matcher m = JAVA_VERSION.matcher(Files.readString(release));
            return m.find() ? new Jdk(home.toRealPath(), Integer.parseInt(m.group(1))) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
        }
    }
}
