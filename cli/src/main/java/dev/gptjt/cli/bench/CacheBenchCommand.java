package dev.gptjt.cli.bench;

import dev.gptjt.cli.Cli;
import dev.gptjt.cli.CliException;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.EngineOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.KafkaOptions;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.tasks.DefaultTopics;
import dev.gptjt.tools.bench.CacheBench;
import dev.gptjt.tools.bench.RepeatsWorkload;
import dev.gptjt.tools.task.TaskRunner;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt bench cache}: the result cache through Kafka on a tweet stream with exact repeats — one instance with
 * the cache off and on in turn (records/s, latency, engine rows, hits, every answer compared), then two instances on
 * six partitions keyed by id and by text (hit rate, latency) ({@link CacheBench}).
 */
// 3000 records at 600/s keep the demo model (~150 records/s here) behind the stream for its whole length
@OptionDefaults({"--topic=" + DefaultTopics.PROMPTS, "--count=3000", "--rate=600", "--seed=37"})
@Command(
        name = "cache",
        mixinStandardHelpOptions = true,
        description = {
            "The result cache through Kafka, on tweets with exact repeats.",
            "Makes --count tweet-hate records from --tweets, a --repeats share of them",
            "exact repeats of a text sent earlier (the j-th repeat of a text j",
            "--repeat-gap after it; unique texts from the file's second round on get",
            "a ' #N' suffix), offered at --rate. Each run starts a broker and service",
            "of its own (fresh application id and state). One instance, --rounds",
            "times cache off then on: records/s (first send to last answer),",
            "end-to-end p50/p99, engine rows (gptjt_requests_finished_total), hits,",
            "shared rows, and every cache-on answer against cache off by id (label,",
            "each probability within 1e-4). Then two instances on 6 partitions,",
            "records keyed by id and by text, cache off and on: hit rate and latency."
        })
public final class CacheBenchCommand extends IoCommand {
    @Mixin
    ModelOption modelOption;

    @Option(
            names = "--tweets",
            paramLabel = "FILE.jsonl",
            converter = Cli.PathConverter.class,
            description = "{\"id\", \"text\"} lines the stream is made of (default: docs/bench/tweets.jsonl).")
    Path tweetsFile;

    /** Records per run. */
    @Mixin
    CommonOptions.Count countOption;

    @Option(
            names = "--repeats",
            paramLabel = "SHARE",
            defaultValue = "0.3",
            description =
                    "Share of the records that repeat an earlier text exactly, in [0, 1) (default: ${DEFAULT-VALUE}).")
    double repeats;

    @Option(
            names = "--repeat-gap",
            paramLabel = "DURATION",
            defaultValue = "2s",
            converter = Cli.DurationConverter.class,
            description =
                    "How long after its original (or the text's previous repeat) a repeat is sent (default: ${DEFAULT-VALUE}).")
    Duration repeatGap;

    /** Records per second offered, on average over the stream. */
    @Mixin
    PipelineOptions.Rate rateOption;

    @Mixin
    CommonOptions.Seed seedOption;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            defaultValue = "3",
            description = "One-instance rounds, each cache off then on (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--two-instances",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "Also run two instances on 6 partitions, keyed by id and by text (default: ${DEFAULT-VALUE}).")
    boolean twoInstances;

    @Mixin
    PipelineOptions.IdleTimeout idleTimeout;

    /** The instances' batching. */
    @Mixin
    EngineOptions.Batching batching;

    @Mixin
    KafkaOptions.Topic topicOption;

    @Mixin
    CommonOptions.Json jsonOption;

    @Override
    public Integer call() throws Exception {
        CacheBench.Settings settings = settings();
        List<String> tweets = tweets();
        boolean json = jsonOption.json();
        if (!json) {
            out.println("each run starts a broker and service instances running "
                    + modelOption.orDemoModel().getFileName() + "…");
        }
        CacheBench.Result r = CacheBench.run(
                modelOption.orDemoModel(), batching.serviceSettings(), tweets, settings, json ? null : out);
        if (json) {
            out.println(r.json());
        } else {
            CacheBench.print(out, r, settings);
        }
        return 0;
    }

    private List<String> tweets() throws Exception {
        Path file = tweetsFile != null ? tweetsFile : Cli.homePath("docs/bench/tweets.jsonl");
        List<TaskRunner.Input> inputs;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            inputs = TaskRunner.read(in);
        } catch (NoSuchFileException e) {
            throw new CliException("--tweets: no file " + file);
        }
        if (inputs.isEmpty()) {
            throw new CliException("--tweets: " + file + " has no input lines");
        }
        return inputs.stream().map(TaskRunner.Input::text).toList();
    }

    /** The options as the bench's settings; a value out of range is a usage mistake naming its option. */
    CacheBench.Settings settings() {
        int count = countOption.count();
        if (count == Integer.MAX_VALUE) {
            throw usage("--count: the cache bench sends a number of records, at least 1");
        }
        if (!(repeats >= 0 && repeats < 1)) {
            throw usage("--repeats: a share of the records in [0, 1); got " + repeats);
        }
        if (Math.round(count * repeats) < 1) {
            throw usage("--repeats: " + repeats + " of " + count + " records is no repeat at all");
        }
        if (repeatGap.isNegative()) {
            throw usage("--repeat-gap: 0 or more; got " + repeatGap);
        }
        if (!(rateOption.rate() > 0)) {
            throw usage("--rate: the stream's pace, more than 0 records per second (repeats are timed against it); got "
                    + rateOption.rate());
        }
        if (rounds < 1) {
            throw usage("--rounds: at least 1; got " + rounds);
        }
        Duration idle = idleTimeout.time();
        if (idle.isZero() || idle.isNegative()) {
            throw usage("--idle-timeout: more than 0; got " + idle);
        }
        long seed = seedOption.seed() != null ? seedOption.seed() : System.nanoTime();
        return new CacheBench.Settings(
                new RepeatsWorkload.Settings(count, repeats, repeatGap, rateOption.rate(), seed),
                rounds,
                twoInstances,
                topicOption.name(),
                idle);
    }
}
