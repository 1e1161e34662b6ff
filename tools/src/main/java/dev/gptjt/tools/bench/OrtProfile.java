package dev.gptjt.tools.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where ONNX Runtime's time went, read from the Chrome-trace JSON its profiler writes: kernel time per
 * operator type over all runs of a session, and the lm_head's share (a MatMul whose output's last
 * dimension is the vocabulary) — the figures that tell a memory-bound step from a compute-bound one.
 *
 * @param runs          {@code session.run} calls profiled
 * @param runMs         their total wall time inside ORT
 * @param kernelMs      total kernel time, all operators
 * @param byOperator    kernel time per operator type
 * @param lmHeadMs      kernel time of the lm_head's MatMul
 */
public record OrtProfile(int runs, double runMs, double kernelMs, Map<String, Double> byOperator, double lmHeadMs) {

    /**
     * Reads one profile file.
     *
     * @param vocabSize the model's vocabulary: a MatMul with that many output columns is the lm_head
     * @throws IOException when the file cannot be read or is not a profiler trace
     */
    public static OrtProfile read(Path file, int vocabSize) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        int runs = 0;
        double runMs = 0;
        double lmHead = 0;
        Map<String, Double> byOp = new LinkedHashMap<>();
        try (JsonParser parser = mapper.getFactory().createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException(file + ": not an ONNX Runtime profile (a JSON array of trace events)");
            }
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                JsonNode event = mapper.readTree(parser);
                String name = event.path("name").asText();
                double ms = event.path("dur").asDouble() / 1000;
                if ("model_run".equals(name)) {
                    runs++;
                    runMs += ms;
                } else if ("Node".equals(event.path("cat").asText()) && name.endsWith("_kernel_time")) {
                    String op = event.path("args").path("op_name").asText("?");
                    byOp.merge(op, ms, Double::sum);
                    if (op.equals("MatMul") && lastDim(event.path("args").path("output_type_shape")) == vocabSize) {
                        lmHead += ms;
                    }
                }
            }
        }
        double kernels = byOp.values().stream().mapToDouble(Double::doubleValue).sum();
        return new OrtProfile(runs, runMs, kernels, byOp, lmHead);
    }

    /** The profiles ORT wrote for {@code prefix} ({@code <prefix>_<date>.json}), merged. */
    public static OrtProfile readAll(Path prefix, int vocabSize) throws IOException {
        List<Path> files;
        try (var listing = Files.list(prefix.toAbsolutePath().getParent())) {
            String start = prefix.getFileName() + "_";
            files = listing.filter(f -> f.getFileName().toString().startsWith(start)
                            && f.toString().endsWith(".json"))
                    .sorted()
                    .toList();
        }
        if (files.isEmpty()) {
            throw new IOException("ONNX Runtime wrote no profile at " + prefix + "_*.json");
        }
        OrtProfile all = new OrtProfile(0, 0, 0, Map.of(), 0);
        for (Path f : files) {
            all = all.plus(read(f, vocabSize));
        }
        return all;
    }

    private OrtProfile plus(OrtProfile o) {
        Map<String, Double> merged = new LinkedHashMap<>(byOperator);
        o.byOperator.forEach((k, v) -> merged.merge(k, v, Double::sum));
        return new OrtProfile(runs + o.runs, runMs + o.runMs, kernelMs + o.kernelMs, merged, lmHeadMs + o.lmHeadMs);
    }

    /** One line: kernel time per run and the largest operators' shares of it. */
    public String summary(int top) {
        StringBuilder s = new StringBuilder(
                String.format(Locale.ROOT, "%d runs, %.1f ms of kernels per run:", runs, kernelMs / Math.max(1, runs)));
        double shown = 0;
        List<Map.Entry<String, Double>> largestFirst = byOperator.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .limit(top)
                .toList();
        for (Map.Entry<String, Double> e : largestFirst) {
            shown += e.getValue();
            s.append(String.format(Locale.ROOT, " %s %.1f%%", e.getKey(), 100 * e.getValue() / kernelMs));
            if (e.getKey().equals("MatMul") && lmHeadMs > 0) {
                s.append(String.format(Locale.ROOT, " (lm_head %.1f%%)", 100 * lmHeadMs / kernelMs));
            }
            s.append(',');
        }
        s.append(String.format(Locale.ROOT, " other %.1f%%", 100 * (kernelMs - shown) / kernelMs));
        return s.toString();
    }

    private static long lastDim(JsonNode outputShapes) {
        // [{"float": [16, 1, 50400]}]
        if (!outputShapes.isArray() || outputShapes.isEmpty()) {
            return -1;
        }
        JsonNode dims = outputShapes.get(0).elements().hasNext()
                ? outputShapes.get(0).elements().next()
                : null;
        return dims == null || !dims.isArray() || dims.isEmpty()
                ? -1
                : dims.get(dims.size() - 1).asLong();
    }
}
