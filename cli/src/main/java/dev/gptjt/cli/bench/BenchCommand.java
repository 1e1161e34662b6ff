package dev.gptjt.cli.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code gptjt bench}: the engine, the Kafka path (lanes, scale-out and the result cache too), a task, the GPU transfer arithmetic, and a model to run them on. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks; results are written down in BENCHMARKS.md with their commands.",
        subcommands = {
            EngineBenchCommand.class,
            PipelineBenchCommand.class,
            LanesBenchCommand.class,
            ScaleOutBenchCommand.class,
            CacheBenchCommand.class,
            ChunkedBenchCommand.class,
            TaskBenchCommand.class,
            TransferBenchCommand.class,
            ModelBenchCommand.class
        })
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** No target: exit 2 naming them. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(),
                "bench needs a target: engine, pipeline, lanes, scale-out, cache, task, transfer or model");
    }
}
