package dev.gptjt.cli.bench;

import dev.gptjt.cli.Cli;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.tools.model.GptjExportWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt bench model}: a random-weight GPT-J export of a given shape, in Optimum's layout, for
 * benchmarks of a size that cannot be downloaded here (its text is noise).
 */
@OptionDefaults("--seed=0")
@Command(
        name = "model",
        mixinStandardHelpOptions = true,
        description = {
            "Writes a GPT-J with random weights laid out as an Optimum export (model.onnx,",
            "one model.onnx_data, config.json, tokenizer files), tensor by tensor: memory",
            "stays at a 16 MB chunk whatever the size. Its text is noise: it is for",
            "measuring speed and memory at a real shape."
        })
public final class ModelBenchCommand extends IoCommand {
    /** Shapes {@code --shape} names. */
    enum ModelShape {
        GPT_JT_6B("gpt-jt-6b", GptjExportWriter.Shape.GPT_JT_6B),
        MID("mid", new GptjExportWriter.Shape(8, 512, 8, 16, 2048, 50400, 2048, true));

        final String option;
        final GptjExportWriter.Shape shape;

        ModelShape(String option, GptjExportWriter.Shape shape) {
            this.option = option;
            this.shape = shape;
        }
    }

    /** {@code gpt-jt-6b} or {@code mid}. */
    static final class ShapeConverter implements CommandLine.ITypeConverter<ModelShape> {
        @Override
        public ModelShape convert(String value) {
            for (ModelShape s : ModelShape.values()) {
                if (s.option.equals(value)) {
                    return s;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not gpt-jt-6b or mid");
        }
    }

    @Mixin
    CommonOptions.OutDir outDir;

    @Option(
            names = "--shape",
            paramLabel = "gpt-jt-6b|mid",
            defaultValue = "gpt-jt-6b",
            converter = ShapeConverter.class,
            description = {
                "gpt-jt-6b: 28 layers x 4096, 16 heads x 256, rotary 64,",
                "inner 16384, vocab 50400, untied lm_head (6.05 B parameters,",
                "24.2 GB); mid: the bench model, 8 x 512, 8 heads, rotary 16,",
                "tied (51 M, 204 MB) (default: ${DEFAULT-VALUE})."
            })
    ModelShape shape;

    @Option(
            names = "--layers",
            paramLabel = "N",
            defaultValue = "0",
            description =
                    "Layers instead of the shape's, for a smaller model of the same width (default: the shape's).")
    int layers;

    /** Precisions {@code --dtype} names. */
    enum Dtype {
        fp32(GptjExportWriter.Precision.FP32),
        fp16(GptjExportWriter.Precision.FP16);

        final GptjExportWriter.Precision precision;

        Dtype(GptjExportWriter.Precision precision) {
            this.precision = precision;
        }
    }

    @Option(
            names = "--dtype",
            paramLabel = "fp32|fp16",
            defaultValue = "fp32",
            description = {
                "Weights, KV cache and logits; fp16 as an Optimum --dtype fp16",
                "export (rotary angles and attention in fp32) (default: ${DEFAULT-VALUE})."
            })
    Dtype dtype;

    /** The same seed writes the same bytes; none takes one from the clock. */
    @Mixin
    CommonOptions.Seed seed;

    @Override
    public Integer call() {
        if (layers < 0) {
            throw usage("--layers must be at least 1, or 0 for the shape's");
        }
        GptjExportWriter.Shape s = layers == 0 ? shape.shape : shape.shape.withLayers(layers);
        long start = System.nanoTime();
        long bytes;
        try {
            bytes = GptjExportWriter.write(
                    outDir.dir(),
                    s,
                    GptjExportWriter.random(seed.seed() == null ? System.nanoTime() : seed.seed(), 0.02),
                    Cli.homePath("models/tiny-gptj"),
                    1e-5f,
                    dtype.precision);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + outDir.dir() + ": " + e.getMessage(), e);
        }
        err.printf(
                Locale.ROOT,
                "gptjt: wrote %s in %.1f s: %d layers x %d, %.3f B parameters, %.2f GB of %s weights%n",
                outDir.dir(),
                (System.nanoTime() - start) / 1e9,
                s.layers(),
                s.embd(),
                s.parameters() / 1e9,
                bytes / 1e9,
                dtype);
        err.flush();
        return 0;
    }
}
