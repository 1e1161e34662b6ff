package dev.gptjt.cli;

import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineException;
import dev.gptjt.tools.ToolException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * What every {@code gptjt} command shares: how it runs (exit 0 done, 1 failed, 2 a usage or setup
 * mistake, told in one line that names it, never a stack trace) and how option values are read
 * (durations such as {@code 10ms}, paths against the user's working directory).
 */
public final class Cli {
    /** System property the launcher sets to the directory the user ran it from; paths resolve against it. */
    public static final String WORKING_DIR = "gptjt.cwd";
    /** System property the launcher sets to the repository root, where default models and settings live. */
    public static final String HOME = "gptjt.home";

    private Cli() {}

    /** Runs {@code argv} against {@code command} and returns the exit code. */
    public static int execute(CommandLine command, String[] argv, PrintStream out, PrintStream err) {
        PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter errWriter = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        command.setOut(outWriter)
                .setErr(errWriter)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler((e, args) -> {
                    CommandLine cmd = e.getCommandLine();
                    String name = qualifiedName(cmd);
                    errWriter.println("gptjt: " + e.getMessage() + " (see 'gptjt " + (name.isEmpty() ? "" : name + " ")
                            + "--help')");
                    return CommandLine.ExitCode.USAGE;
                })
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof CliException || e instanceof ToolException || e instanceof EngineException) {
                        errWriter.println("gptjt: " + e.getMessage());
                        return CommandLine.ExitCode.USAGE;
                    }
                    if (e instanceof IOException || e instanceof UncheckedIOException) {
                        errWriter.println("gptjt: I/O error: " + e.getMessage());
                        return CommandLine.ExitCode.SOFTWARE;
                    }
                    errWriter.println("gptjt: " + e);
                    return CommandLine.ExitCode.SOFTWARE;
                });
        int code = command.execute(argv);
        outWriter.flush();
        errWriter.flush();
        return code;
    }

    /** The command's name as typed after {@code gptjt}: {@code bench engine}, {@code generate}. */
    public static String qualifiedName(CommandLine cmd) {
        String name = cmd.getCommandSpec().qualifiedName(" ");
        return name.equals("gptjt") ? "" : name.startsWith("gptjt ") ? name.substring("gptjt ".length()) : name;
    }

    /**
     * Converts {@code 10ms}, {@code 2s}, {@code 1m}, {@code 500us}, a bare number of seconds (as Quarkus
     * reads durations) or an ISO-8601 duration ({@code PT2S}).
     */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ns|us|ms|s|m|h)?");

        @Override
        public Duration convert(String value) {
            Matcher m = SIMPLE.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2) == null ? "s" : m.group(2)) {
                    case "ns" -> Duration.ofNanos(n);
                    case "us" -> Duration.ofNanos(n * 1000);
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            }
            try {
                return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (e.g. 10ms, 2s, 1m)");
            }
        }
    }

    /** Reads {@code auto}, {@code java-loop} or {@code in-graph}. */
    public static final class BackendConverter implements CommandLine.ITypeConverter<DecodingBackend> {
        @Override
        public DecodingBackend convert(String value) {
            try {
                return DecodingBackend.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is none of auto, java-loop, in-graph");
            }
        }
    }

    /** Converts {@code fifo} / {@code by-length}; the error lists the names. */
    public static final class BatchFormationConverter implements CommandLine.ITypeConverter<BatchFormation> {
        @Override
        public BatchFormation convert(String value) {
            try {
                return BatchFormation.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is none of by-length, fifo");
            }
        }
    }

    /** Converts {@code auto} (0) or a size: bytes, or a number with K, M, G or T (powers of 1024), e.g. {@code 20G}. */
    public static final class MemorySizeConverter implements CommandLine.ITypeConverter<Long> {
        private static final Pattern SIZE = Pattern.compile("(\\d+)([kmgt]?)b?");

        @Override
        public Long convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.equals("auto")) {
                return 0L;
            }
            Matcher m = SIZE.matcher(v);
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a size (e.g. 512M, 20G) nor auto");
            }
            int shift = switch (m.group(2)) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                case "t" -> 40;
                default -> 0;
            };
            try {
                return Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
            } catch (ArithmeticException | NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is too large a size");
            }
        }
    }

    /** Converts a path the user typed: a relative one is taken from where they ran the launcher. */
    public static final class PathConverter implements CommandLine.ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            return userPath(value);
        }
    }

    /** {@code value} against the user's working directory ({@value #WORKING_DIR}, else the JVM's). */
    public static Path userPath(String value) {
        Path p = Path.of(value);
        return p.isAbsolute()
                ? p
                : Path.of(System.getProperty(WORKING_DIR, System.getProperty("user.dir")))
                        .resolve(p)
                        .normalize();
    }

    /** A file of the launcher's own (default models, the service's settings): under {@value #HOME}, else the JVM's directory. */
    public static Path homePath(String relative) {
        return Path.of(System.getProperty(HOME, System.getProperty("user.dir")))
                .resolve(relative)
                .normalize();
    }

    /** Gives commands that use standard streams the caller's (tests pass their own). */
    public record IoFactory(InputStream in, PrintStream out, PrintStream err) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            K made = CommandLine.defaultFactory().create(cls);
            if (made instanceof UsesIo u) {
                u.io(in, out, err);
            }
            return made;
        }
    }

    /** A command that reads standard input or writes its own output. */
    public interface UsesIo {
        void io(InputStream in, PrintStream out, PrintStream err);
    }
}
