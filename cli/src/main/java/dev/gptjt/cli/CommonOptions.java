package dev.gptjt.cli;

import dev.gptjt.engine.GenerationParams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Options several commands share, each declared once: a command mixes in the ones it takes and names its
 * own default with {@link OptionDefaults} where the shared one does not fit.
 */
public final class CommonOptions {
    private CommonOptions() {}

    /** {@code --out DIR}: the directory a command writes. */
    public static final class OutDir {
        @Option(
                names = "--out",
                required = true,
                paramLabel = "DIR",
                converter = Cli.PathConverter.class,
                description = "Directory to write (created if missing).")
        Path dir;

        public Path dir() {
            return dir;
        }
    }

    /** {@code --port N}: the port a server command listens on; each command names its default. */
    public static final class Port {
        @Option(names = "--port", paramLabel = "N", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
        int port;

        /**
         * The port given or defaulted.
         *
         * @throws CliException when it is not a port
         */
        public int port() {
            if (port < 1 || port > 65_535) {
                throw new CliException("--port: " + port + " is not a port (1-65535)");
            }
            return port;
        }
    }

    /** {@code --timeout DURATION}: the longest a command waits. */
    public static final class Timeout {
        @Option(
                names = "--timeout",
                paramLabel = "DURATION",
                defaultValue = "0s",
                converter = Cli.DurationConverter.class,
                description = "Longest wait; 0s waits for ever (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        /** The timeout given or defaulted; for 0s a hundred years (still safe to add to {@link System#nanoTime}). */
        public Duration timeout() {
            return timeout.isZero() ? FOREVER : timeout;
        }

        private static final Duration FOREVER = Duration.ofDays(36_500);
    }

    /** {@code --seed N|none}. */
    public static final class Seed {
        @Option(
                names = "--seed",
                paramLabel = "N",
                defaultValue = "none",
                converter = SeedConverter.class,
                description = "Random seed, or none (default: ${DEFAULT-VALUE}).")
        Long seed;

        /** The seed given or defaulted; null for none. */
        public Long seed() {
            return seed;
        }
    }

    /** {@code --count N}: how many records. */
    public static final class Count {
        @Option(
                names = "--count",
                paramLabel = "N",
                defaultValue = "0",
                description = "Records; 0 for no limit (default: ${DEFAULT-VALUE}).")
        int count;

        /** The count given or defaulted; {@link Integer#MAX_VALUE} for no limit. */
        public int count() {
            return count <= 0 ? Integer.MAX_VALUE : count;
        }
    }

    /** {@code --max-new-tokens N}. */
    public static final class MaxNewTokens {
        @Option(
                names = "--max-new-tokens",
                paramLabel = "N",
                defaultValue = "" + GenerationParams.DEFAULT_MAX_NEW_TOKENS,
                description = "Most tokens generated per prompt (default: ${DEFAULT-VALUE}).")
        int maxNewTokens;

        public int maxNewTokens() {
            return maxNewTokens;
        }
    }

    /** {@code --json}: machine-readable output. */
    public static final class Json {
        @Option(names = "--json", description = "One JSON object per result instead of the table.")
        boolean json;

        public boolean json() {
            return json;
        }
    }

    /** {@code --repeat N}: timed repetitions of a benchmark. */
    public static final class Repeat {
        @Option(
                names = "--repeat",
                paramLabel = "N",
                defaultValue = "3",
                description =
                        "Timed repetitions: batches per size, or passes over the inputs per path (default: ${DEFAULT-VALUE}).")
        int repeat;

        public int repeat() {
            return repeat;
        }
    }

    /** {@code --batch-sizes N,N}. */
    public static final class BatchSizes {
        @Option(
                names = "--batch-sizes",
                paramLabel = "N,N",
                split = ",",
                description = "Batch sizes, in order (default: ${DEFAULT-VALUE}).")
        List<Integer> sizes;

        public List<Integer> sizes() {
            return sizes;
        }
    }

    /** Reads a seed: a number, or {@code none}. */
    public static final class SeedConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            if (value.equalsIgnoreCase("none")) {
                return null;
            }
            try {
                return Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is neither a number nor none");
            }
        }
    }
}
