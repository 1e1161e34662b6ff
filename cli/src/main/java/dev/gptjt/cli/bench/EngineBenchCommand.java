package dev.gptjt.cli.bench;

import dev.gptjt.cli.Cli;
import dev.gptjt.cli.CliException;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.tools.bench.Charts;
import dev.gptjt.tools.bench.EngineBench;
import dev.gptjt.tools.bench.EngineBenchTable;
import dev.gptjt.tools.bench.OrtProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gptjt bench engine}: the engine alone, batch size by batch size, each backend side by side. */
@OptionDefaults({"--batch-sizes=1,4,16,32", "--max-new-tokens=32"})
@Command(
        name = "engine",
        mixinStandardHelpOptions = true,
        description = {
            "The engine's throughput, latency and share of time inside ONNX Runtime per batch size, each backend side by side (interleaved).",
            "--repeat batches are timed per size."
        })
public final class EngineBenchCommand extends IoCommand {
    @Mixin
    ModelOption model;

    @Mixin
    Workload workload;

    @Mixin
    CommonOptions.BatchSizes sizes;

    @Mixin
    CommonOptions.Repeat repeat;

    @Option(
            names = "--backends",
            paramLabel = "java-loop,in-graph",
            split = ",",
            converter = Cli.BackendConverter.class,
            description =
                    "Backends to compare (default: the Java loop, and in-graph when the directory has greedy_search.onnx).")
    List<DecodingBackend> backendsOption;

    @Option(
            names = "--ort-profile",
            paramLabel = "DIR",
            converter = Cli.PathConverter.class,
            description =
                    "Write ONNX Runtime's profile per backend and batch size here and print operator shares (slows every run).")
    Path profilesOption;

    @Option(
            names = "--plots",
            paramLabel = "DIR",
            converter = Cli.PathConverter.class,
            description = "Write throughput and latency charts and a table here.")
    Path plotsOption;

    @Mixin
    CommonOptions.Json json;

    @Override
    public Integer call() throws Exception {
        Path dir = model.required();
        List<DecodingBackend> backends = backends(backendsOption, dir);
        Path profiles = profilesOption == null ? null : Files.createDirectories(profilesOption);
        int vocab = profiles == null ? 0 : ModelDirectory.open(dir).config().vocabSize(); // names the lm_head
        EngineBenchTable table = new EngineBenchTable(out, json.json());
        table.header(dir, workload.promptTokens(), workload.newTokens(), repeat.repeat(), profiles != null);
        List<EngineBench.Row> rows = new ArrayList<>();
        // interleaved: each batch size runs on every backend before the next size, so drift hits both alike
        for (int b : sizes.sizes()) {
            for (DecodingBackend backend : backends) {
                Path profile = profiles == null ? null : profiles.resolve(backend.label() + "-b" + b);
                EngineBench.Row r = EngineBench.run(
                        dir,
                        backend,
                        b,
                        workload.promptTokens(),
                        workload.newTokens(),
                        repeat.repeat(),
                        workload.threads(),
                        profile);
                rows.add(r);
                table.row(r);
                if (profile != null) {
                    // the profiler's own cost inflates the figures above; the shares are what it is for
                    table.profile(OrtProfile.readAll(profile, vocab).summary(6));
                }
            }
        }
        table.ratios(rows, backends, sizes.sizes());
        if (plotsOption != null) {
            Path plots = Files.createDirectories(plotsOption);
            String title = dir.getFileName() + ": " + workload.promptTokens() + " prompt + " + workload.newTokens()
                    + " new tokens";
            Charts.throughput(rows, title, plots.resolve("engine-throughput.png"));
            Charts.latency(rows, title, plots.resolve("engine-latency.png"));
            Files.writeString(plots.resolve("engine.md"), EngineBenchTable.markdown(rows));
            table.note("plots and table written to " + plots);
        }
        return 0;
    }

    /**
     * The backends to compare: as listed ({@code java-loop,in-graph}), or by default the Java loop, and
     * the in-graph backend too when the model directory has {@code greedy_search.onnx}.
     */
    static List<DecodingBackend> backends(List<DecodingBackend> listed, Path model) {
        if (listed == null) {
            return Files.isRegularFile(model.resolve(ModelDirectory.GREEDY_SEARCH_FILE))
                    ? List.of(DecodingBackend.JAVA_LOOP, DecodingBackend.IN_GRAPH)
                    : List.of(DecodingBackend.JAVA_LOOP);
        }
        if (listed.contains(DecodingBackend.AUTO)) {
            throw new CliException("--backends takes java-loop and/or in-graph (auto is no backend of its own)");
        }
        return listed;
    }
}
