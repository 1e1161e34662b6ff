package dev.gptjt.tools.bench;

import dev.gptjt.engine.DecodingBackend;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** How {@code bench engine} prints its rows: a table (with ratios) or JSON lines, and a markdown table. */
public final class EngineBenchTable {
    private final PrintStream out;
    private final boolean json;

    public EngineBenchTable(PrintStream out, boolean json) {
        this.out = out;
        this.json = json;
    }

    public void header(Path model, int promptTokens, int newTokens, int repeat, boolean profiling) {
        if (json) {
            return;
        }
        out.printf(
                "engine bench: %s, %d prompt tokens, %d new tokens, %d batches per size%n",
                model.getFileName(), promptTokens, newTokens, repeat);
        if (profiling) {
            out.println(
                    "ORT profiling is on: it slows every run, batch 1 most; read the operator shares, not the throughput");
        }
        out.printf(
                "%10s %10s %10s %12s %10s %10s %10s%n",
                "backend", "batch", "req/s", "new tok/s", "p50 ms", "p99 ms", "ORT share");
    }

    public void row(EngineBench.Row r) {
        if (json) {
            out.println(r.json());
        } else {
            out.printf(
                    "%10s %10d %10.2f %12.1f %10.1f %10.1f %9.1f%%%n",
                    r.backend(), r.batchSize(), r.reqPerS(), r.newTokPerS(), r.p50Ms(), r.p99Ms(), 100 * r.ortShare());
        }
        out.flush();
    }

    public void profile(String summary) {
        if (!json) {
            out.println("    ORT profile: " + summary);
            out.flush();
        }
    }

    public void note(String line) {
        if (!json) {
            out.println(line);
        }
    }

    /** The largest batch's throughput over the smallest's per backend, and backend over backend per batch. */
    public void ratios(List<EngineBench.Row> rows, List<DecodingBackend> backends, List<Integer> sizes) {
        if (json) {
            return;
        }
        if (sizes.size() > 1) {
            for (DecodingBackend backend : backends) {
                List<EngineBench.Row> mine = rows.stream()
                        .filter(r -> r.backend().equals(backend.label()))
                        .toList();
                out.printf(
                        "%s: batch %d throughput = %.2f× batch %d%n",
                        backend.label(),
                        mine.get(mine.size() - 1).batchSize(),
                        mine.get(mine.size() - 1).newTokPerS() / mine.get(0).newTokPerS(),
                        mine.get(0).batchSize());
            }
        }
        if (backends.size() > 1) {
            for (int b : sizes) {
                double[] perBackend = rows.stream()
                        .filter(r -> r.batchSize() == b)
                        .mapToDouble(EngineBench.Row::newTokPerS)
                        .toArray();
                out.printf(
                        "batch %d: %s / %s = %.2f%n",
                        b, backends.get(1).label(), backends.get(0).label(), perBackend[1] / perBackend[0]);
            }
        }
    }

    /** The rows as a markdown table (written beside the charts). */
    public static String markdown(List<EngineBench.Row> rows) {
        StringBuilder md = new StringBuilder(
                "| backend | batch | req/s | new tok/s | p50 ms | p99 ms | ORT share |\n|---|---|---|---|---|---|---|\n");
        for (EngineBench.Row r : rows) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %.2f | %.1f | %.1f | %.1f | %.1f%% |%n",
                    r.backend(),
                    r.batchSize(),
                    r.reqPerS(),
                    r.newTokPerS(),
                    r.p50Ms(),
                    r.p99Ms(),
                    100 * r.ortShare()));
        }
        return md.toString();
    }
}
