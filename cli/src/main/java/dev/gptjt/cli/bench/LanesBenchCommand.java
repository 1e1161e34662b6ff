package dev.gptjt.cli.bench;

import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.EngineOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.KafkaOptions;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.tasks.DefaultTopics;
import dev.gptjt.tools.bench.LanesBench;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt bench lanes}: realtime p50/p99 at a share of the capacity through Kafka, alone, beside a bulk backlog
 * on the bulk topic, and beside the same backlog on the prompts topic (one lane), with bulk's throughput and its share
 * of what realtime leaves, in one run ({@link LanesBench}).
 */
@OptionDefaults({
    "--bootstrap=" + PipelineBenchCommand.EMBEDDED,
    "--topic=" + DefaultTopics.PROMPTS,
    "--count=512",
    "--max-new-tokens=32",
    "--load=0.5"
})
@Command(
        name = "lanes",
        mixinStandardHelpOptions = true,
        description = {
            "Realtime beside a bulk backlog, through Kafka, in one run.",
            "The capacity (--count prompts at max rate), then --count realtime prompts",
            "at --load of it: (a) alone; (b) after --bulk-backlog records written to",
            "--bulk-topic (the bulk lane); (c) after the same backlog written to --topic",
            "(one lane). Prints each phase's realtime p50/p99 (end to end), bulk answered",
            "per second and bulk's share of the capacity realtime leaves.",
            "--bootstrap embedded (the default) starts a broker and one service here,",
            "with gptjt.topics.bulk-prompts=--bulk-topic; a service that has no bulk",
            "topic yet refuses that setting, is started without it, and leaves (b)'s",
            "backlog unread (the bench says so)."
        })
public final class LanesBenchCommand extends IoCommand {
    @Mixin
    Workload workload;

    /** A running service's Kafka, or embedded. */
    @Mixin
    KafkaOptions.Bootstrap bootstrapOption;

    @Mixin
    ModelOption modelOption;

    /** Realtime's share of the capacity. */
    @Mixin
    PipelineOptions.Load loadOption;

    /** Realtime prompts per phase, and the capacity run's. */
    @Mixin
    CommonOptions.Count countOption;

    @Option(
            names = "--bulk-backlog",
            paramLabel = "N",
            defaultValue = "5000",
            description = "Bulk records written before phases (b) and (c) (default: ${DEFAULT-VALUE}).")
    int backlog;

    @Option(
            names = "--bulk-topic",
            paramLabel = "TOPIC",
            defaultValue = LanesBench.DEFAULT_BULK_TOPIC,
            description = "The service's bulk prompts topic, gptjt.topics.bulk-prompts (default: ${DEFAULT-VALUE}).")
    String bulkTopic;

    @Mixin
    PipelineOptions.IdleTimeout idleTimeout;

    /** The embedded service's batching. */
    @Mixin
    EngineOptions.Batching batching;

    @Mixin
    PipelineOptions.WarmUp warmUp;

    /** The (realtime) prompts topic. */
    @Mixin
    KafkaOptions.Topic topicOption;

    @Mixin
    PipelineOptions.CompletionsTopic completionsTopic;

    @Mixin
    CommonOptions.Json jsonOption;

    @Override
    public Integer call() throws Exception {
        LanesBench.Settings settings = settings();
        boolean json = jsonOption.json();
        String bootstrap = bootstrapOption.servers();
        LanesBench.Embedded embedded = null;
        boolean bulkKnown = true;
        if (bootstrap.equals(PipelineBenchCommand.EMBEDDED)) {
            if (!json) {
                out.println("no --bootstrap: starting an embedded broker and service with "
                        + modelOption.orDemoModel().getFileName() + "…");
            }
            embedded = LanesBench.embedded(modelOption.orDemoModel(), batching.serviceSettings(), bulkTopic);
            bootstrap = embedded.cluster().bootstrap();
            bulkKnown = embedded.bulkTopicKnown();
        }
        try {
            LanesBench.Result r = LanesBench.run(
                    bootstrap,
                    workload.prompts(modelOption.orDemoModel(), batching),
                    settings,
                    bulkKnown,
                    json ? null : out);
            if (json) {
                out.println(r.json());
            } else {
                LanesBench.print(out, r, settings);
            }
            return 0;
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** The options as the bench's settings; a value out of range is a usage mistake naming its option. */
    LanesBench.Settings settings() {
        double load = loadOption.load();
        if (!(load > 0 && load < 1)) {
            throw usage(
                    "--load: realtime's share of the capacity, in (0, 1) (at 1 it leaves bulk nothing); got " + load);
        }
        int count = countOption.count();
        if (count == Integer.MAX_VALUE) {
            throw usage("--count: the lanes bench measures a number of realtime prompts per phase, at least 1");
        }
        if (backlog < 1) {
            throw usage("--bulk-backlog: bulk records before phases (b) and (c), at least 1; got " + backlog);
        }
        if (bulkTopic.equals(topicOption.name())) {
            throw usage(
                    "--bulk-topic must differ from --topic (" + bulkTopic + "): phase (c) is the backlog on --topic");
        }
        Duration idle = idleTimeout.time();
        if (idle.isZero() || idle.isNegative()) {
            throw usage("--idle-timeout: more than 0; got " + idle);
        }
        if (workload.newTokens() < 1) {
            throw usage("--max-new-tokens: at least 1; got " + workload.newTokens());
        }
        return new LanesBench.Settings(
                count,
                load,
                backlog,
                topicOption.name(),
                bulkTopic,
                completionsTopic.name(),
                workload.newTokens(),
                warmUp.time(),
                idle);
    }
}
