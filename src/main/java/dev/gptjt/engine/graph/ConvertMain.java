package dev.gptjt.engine.graph;

import dev.gptjt.engine.EngineException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The service image's converter: {@code java -cp /deployments/lib/main/* dev.gptjt.engine.graph.ConvertMain --model
 * DIR --out DIR --greedy-in-graph --classify-in-graph}, as the GPU overlay's init container runs it. It takes the
 * options of {@code gptjt convert} and does the same {@link ModelConversion}; it lives in the engine so that the
 * image needs no launcher. Exit 0 done, 2 a usage mistake or an invalid export (one line naming it), 1 anything else.
 */
public final class ConvertMain {
    static final String USAGE = "usage: ConvertMain --model DIR --out DIR [--greedy-in-graph] [--classify-in-graph]"
            + " [--quantize int4 [--block-size N] [--accuracy-level 0-4] [--zero-points]]";

    private ConvertMain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.err));
    }

    /** Runs the conversion {@code args} ask for, telling progress and errors on {@code err}; returns the exit code. */
    public static int run(String[] args, PrintStream err) {
        PrintWriter log = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        try {
            Arguments a = Arguments.parse(args);
            ModelConversion.run(a.model(), a.out(), a.request(), log);
            return 0;
        } catch (UsageException | EngineException e) {
            log.println("gptjt convert: " + e.getMessage());
            return 2;
        } catch (UncheckedIOException e) {
            log.println("gptjt convert: I/O error: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            log.println("gptjt convert: " + e);
            return 1;
        }
    }

    /** A mistake in the arguments; the message names the option. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    record Arguments(Path model, Path out, ModelConversion.Request request) {
        static Arguments parse(String[] args) {
            Path model = null;
            Path out = null;
            boolean greedy = false;
            boolean classify = false;
            boolean int4 = false;
            boolean zeroPoints = false;
            int blockSize = Int4Quantizer.Options.DEFAULTS.blockSize();
            int accuracyLevel = Int4Quantizer.Options.DEFAULTS.accuracyLevel();
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                switch (option) {
                    case "--model" -> model = path(option, value(args, ++i, option));
                    case "--out" -> out = path(option, value(args, ++i, option));
                    case "--greedy-in-graph" -> greedy = true;
                    case "--classify-in-graph" -> classify = true;
                    case "--zero-points" -> zeroPoints = true;
                    case "--quantize" -> {
                        String format = value(args, ++i, option);
                        if (!format.equalsIgnoreCase("int4")) {
                            throw new UsageException("--quantize: expected int4, was '" + format + "'");
                        }
                        int4 = true;
                    }
                    case "--block-size" -> blockSize = integer(option, value(args, ++i, option));
                    case "--accuracy-level" -> accuracyLevel = integer(option, value(args, ++i, option));
                    default -> throw new UsageException("unknown option '" + option + "' (" + USAGE + ")");
                }
            }
            if (model == null) {
                throw new UsageException("missing --model DIR (" + USAGE + ")");
            }
            if (out == null) {
                throw new UsageException("missing --out DIR (" + USAGE + ")");
            }
            try {
                Optional<Int4Quantizer.Options> quantize = int4
                        ? Optional.of(new Int4Quantizer.Options(blockSize, accuracyLevel, zeroPoints))
                        : Optional.empty();
                return new Arguments(model, out, new ModelConversion.Request(quantize, greedy, classify));
            } catch (IllegalArgumentException e) {
                throw new UsageException(int4 ? "--block-size/--accuracy-level: " + e.getMessage() : e.getMessage());
            }
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length || args[i].startsWith("--")) {
                throw new UsageException(option + " needs a value");
            }
            return args[i];
        }

        private static Path path(String option, String value) {
            try {
                return Path.of(value);
            } catch (InvalidPathException e) {
                throw new UsageException(option + ": not a path: " + value);
            }
        }

        private static int integer(String option, String value) {
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new UsageException(option + ": not a number: " + value);
            }
        }
    }
}
