package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.testing.BrokerIT;
import dev.gptjt.testing.TestServices;
import dev.gptjt.testing.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to the packaged service while ONNX Runtime runs — mid-batch, and during the engine's warm-up —
 * repeated: every exit is the JVM's ordinary one (143, terminated by the signal after the shutdown hooks ran),
 * with no {@code hs_err_pid*.log} and no fatal-error report in its output. ORT's own shutdown hook used to free
 * the native environment beside the service's shutdown, under a live {@code OrtSession.run} (SIGSEGV in
 * {@code libonnxruntime.so}); the engine now holds the environment until its sessions are closed.
 */
class ShutdownIT extends BrokerIT {
    /** Runs of each case: a mid-batch run and a warm-up run take 10–20 s each on a 2-core host. */
    private static final int RUNS = 4;
    /** The exit status of a JVM ended by SIGTERM once its shutdown hooks have run. */
    private static final int TERMINATED = 128 + 15;

    private static final Pattern COUNTER = Pattern.compile("(?m)^%s(?:\\{[^}]*\\})? ([0-9.Ee+-]+)$");

    @Test
    void shouldExitCleanlyOnSigtermMidBatchEveryTime() throws Exception {
        List<String> unclean = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            String name = "shutdown-batch-" + run;
            Map<String, String> settings = TestServices.settings(broker.bootstrap(), name, "at_least_once", 2);
            settings.put("gptjt.engine.warm-up", "false");
            settings.put("gptjt.engine.max-new-tokens-cap", "2000");
            settings.put("gptjt.engine.shutdown-grace", "0s"); // abort at once: the sessions close right after the run
            Path log = TestServices.WORK.resolve(name + ".log");
            Files.deleteIfExists(log);
            Exit exit;
            try (ServiceProcess service = ServiceProcess.start(settings, log)) {
                TestServices.awaitReady(service);
                Topics.send(
                        broker.bootstrap(),
                        name + ".prompts",
                        new SingleObjectWireFormat(),
                        Topics.generations(name, 8, 1900));
                TestServices.awaitMetrics(
                        service,
                        "all 8 prompts taken into the running batch",
                        Duration.ofSeconds(120),
                        m -> counter(m, "gptjt_prompts_in_total") >= 8
                                && counter(m, "gptjt_scheduler_queue_depth") == 0);
                String before = TestServices.get(service, "/q/metrics").body();
                exit = terminate(service);
                if (counter(before, "gptjt_results_out_total") >= 8) {
                    unclean.add(name + ": the batch had ended before SIGTERM (this run tested nothing)");
                }
                System.out.printf(
                        "%s: SIGTERM with %.0f of 8 answered; exit %d in %d ms%n",
                        name, counter(before, "gptjt_results_out_total"), exit.status(), exit.millis());
            }
            uncleanExit(name, exit, log).ifPresent(unclean::add);
        }
        assertEquals(List.of(), unclean, "every run's exit clean");
    }

    @Test
    void shouldExitCleanlyOnSigtermDuringWarmUpEveryTime() throws Exception {
        List<String> unclean = new ArrayList<>();
        int midWarmUp = 0;
        for (int run = 0; run < RUNS; run++) {
            String name = "shutdown-warmup-" + run;
            Map<String, String> settings = TestServices.settings(broker.bootstrap(), name, "at_least_once", 2);
            settings.put("gptjt.engine.warm-up", "true");
            settings.put("gptjt.engine.max-batch-size", "64"); // batch sizes 1 to 64: a warm-up of seconds, not 0.3 s
            Path log = TestServices.WORK.resolve(name + ".log");
            Files.deleteIfExists(log);
            Exit exit;
            boolean during;
            try (ServiceProcess service = ServiceProcess.start(settings, log)) {
                // the plan is logged once the sessions are open, right before warm-up runs batch sizes 1 to 64
                awaitLog(service, log, "memory plan:");
                during = !Files.readString(log).contains("engine warmed up");
                exit = terminate(service); // the start, warm-up included, completes first: then the service stops
            }
            midWarmUp += during ? 1 : 0;
            System.out.printf(
                    "%s: SIGTERM %s warm-up; exit %d in %d ms%n",
                    name, during ? "during" : "after", exit.status(), exit.millis());
            uncleanExit(name, exit, log).ifPresent(unclean::add);
        }
        System.out.printf("%d of %d SIGTERMs landed during warm-up%n", midWarmUp, RUNS);
        assertEquals(List.of(), unclean, "every run's exit clean");
        assertTrue(midWarmUp >= 1, "no SIGTERM landed during warm-up: the case this test exists for was not run");
    }

    private record Exit(int status, long millis, long pid) {}

    /** SIGTERM, then its exit status and how long it took to exit. */
    private static Exit terminate(ServiceProcess service) throws InterruptedException {
        long start = System.nanoTime();
        int status = service.terminate(Duration.ofSeconds(60));
        return new Exit(status, (System.nanoTime() - start) / 1_000_000, service.pid());
    }

    /** What was not clean about a run's exit: a JVM crash log, a fatal error in its output, another status. */
    private static Optional<String> uncleanExit(String name, Exit exit, Path log) throws IOException {
        String output = Files.readString(log);
        for (Path dir : List.of(Path.of(""), TestServices.WORK)) {
            Path crash = dir.resolve("hs_err_pid" + exit.pid() + ".log");
            if (Files.exists(crash)) {
                System.out.println(name + ": JVM crash log " + crash.toAbsolutePath());
                return Optional.of(name + ": JVM crash log " + crash + ", exit " + exit.status());
            }
        }
        if (output.contains("SIGSEGV") || output.contains("A fatal error has been detected")) {
            return Optional.of(name + ": fatal error in the output\n" + tail(output));
        }
        if (exit.status() != TERMINATED) {
            return Optional.of(name + ": exit " + exit.status() + "\n" + tail(output));
        }
        return Optional.empty();
    }

    private static String tail(String output) {
        return output.substring(Math.max(0, output.length() - 4000));
    }

    private static void awaitLog(ServiceProcess service, Path log, String line) {
        Await.until(
                "'" + line + "' in the service's log",
                Duration.ofSeconds(120),
                () -> {
                    if (logged(log, line)) {
                        return true;
                    }
                    if (!service.isAlive()) {
                        throw new AssertionError("exited before logging '" + line + "'\n" + service.logTail());
                    }
                    return false;
                },
                service::logTail);
    }

    private static boolean logged(Path log, String line) {
        try {
            return Files.exists(log) && Files.readString(log).contains(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A counter or gauge of the Prometheus text, summed over its labels (0 when absent). */
    private static double counter(String metrics, String name) {
        Matcher m = Pattern.compile(String.format(COUNTER.pattern(), Pattern.quote(name)))
                .matcher(metrics);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }
}
