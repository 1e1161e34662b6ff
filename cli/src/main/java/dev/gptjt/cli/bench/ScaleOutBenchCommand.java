package dev.gptjt.cli.bench;

import dev.gptjt.cli.Cli;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.EngineOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.KafkaOptions;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.tasks.DefaultTopics;
import dev.gptjt.tools.bench.BenchCluster;
import dev.gptjt.tools.bench.ScaleOutBench;
import dev.gptjt.tools.bench.ScalePlan;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt bench scale-out}: steady load while service instances of one consumer group join and leave; per step
 * the answers lost, prompts computed twice against those in flight, and the longest gap between answers
 * ({@link ScaleOutBench}).
 */
@OptionDefaults({"--topic=" + DefaultTopics.PROMPTS, "--max-new-tokens=32", "--rate=4"})
@Command(
        name = "scale-out",
        mixinStandardHelpOptions = true,
        description = {
            "Steady load while service instances join and leave.",
            "Starts a broker here and service instances of one consumer group, through",
            "the --instances counts in turn (joining: started; leaving: SIGTERM, the",
            "youngest first), each step held --step once they have joined or left, with",
            "prompts at --rate throughout. Prints per step the answers lost, prompts",
            "answered twice, prompts the engines computed twice (their finished",
            "counters from /q/metrics, scraped before each instance stops) against",
            "those in flight at the rebalance, and the longest gap between answers."
        })
public final class ScaleOutBenchCommand extends IoCommand {
    @Mixin
    Workload workload;

    @Mixin
    ModelOption modelOption;

    @Option(
            names = "--instances",
            paramLabel = "N,N",
            split = ",",
            defaultValue = "1,2,3,2,1",
            description = "Instance counts, step by step (default: ${DEFAULT-VALUE}).")
    List<Integer> instances;

    @Option(
            names = "--step",
            paramLabel = "DURATION",
            defaultValue = "60s",
            converter = Cli.DurationConverter.class,
            description =
                    "How long each step holds once its instances have joined or left (default: ${DEFAULT-VALUE}).")
    Duration step;

    /** Prompts per second, throughout. */
    @Mixin
    PipelineOptions.Rate rateOption;

    @Mixin
    PipelineOptions.IdleTimeout idleTimeout;

    /** The instances' batching. */
    @Mixin
    EngineOptions.Batching batching;

    @Mixin
    KafkaOptions.Topic topicOption;

    @Mixin
    PipelineOptions.CompletionsTopic completionsTopic;

    @Mixin
    CommonOptions.Json jsonOption;

    @Override
    public Integer call() throws Exception {
        ScaleOutBench.Settings settings = settings();
        boolean json = jsonOption.json();
        if (!json) {
            out.println("starting a broker; instances run "
                    + modelOption.orDemoModel().getFileName() + "…");
        }
        ScaleOutBench.Result r = ScaleOutBench.run(
                modelOption.orDemoModel(),
                batching.serviceSettings(),
                workload.prompts(modelOption.orDemoModel(), batching),
                settings,
                json ? null : out);
        if (json) {
            out.println(r.json());
        } else {
            ScaleOutBench.print(out, r, settings);
        }
        return 0;
    }

    /** The options as the bench's settings; a value out of range is a usage mistake naming its option. */
    ScaleOutBench.Settings settings() {
        ScalePlan plan;
        try {
            plan = ScalePlan.of(instances, BenchCluster.PARTITIONS);
        } catch (IllegalArgumentException e) {
            throw usage("--instances: " + e.getMessage());
        }
        if (!(rateOption.rate() > 0)) {
            throw usage(
                    "--rate: scale-out runs a steady load, more than 0 prompts per second; got " + rateOption.rate());
        }
        if (step.isZero() || step.isNegative()) {
            throw usage("--step: more than 0; got " + step);
        }
        Duration idle = idleTimeout.time();
        if (idle.isZero() || idle.isNegative()) {
            throw usage("--idle-timeout: more than 0; got " + idle);
        }
        if (workload.newTokens() < 1) {
            throw usage("--max-new-tokens: at least 1; got " + workload.newTokens());
        }
        return new ScaleOutBench.Settings(
                plan, rateOption.rate(), step, topicOption.name(), completionsTopic.name(), workload.newTokens(), idle);
    }
}
