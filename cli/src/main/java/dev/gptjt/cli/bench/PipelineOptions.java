package dev.gptjt.cli.bench;

import dev.gptjt.cli.Cli;
import dev.gptjt.tasks.DefaultTopics;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options the Kafka-path benches ({@code pipeline}, {@code lanes}, {@code scale-out}) share, each declared once. */
final class PipelineOptions {
    private PipelineOptions() {}

    /** {@code --load F}: a share of the measured capacity; each bench says whether it has a default. */
    static final class Load {
        @Option(
                names = "--load",
                paramLabel = "F",
                description = "Measure the capacity, then run at this fraction of it, in (0, 1].")
        Double load;

        /** The fraction given or defaulted; null when neither. */
        Double load() {
            return load;
        }
    }

    /** {@code --rate R}: prompts per second; each bench names its default. */
    static final class Rate {
        @Option(
                names = "--rate",
                paramLabel = "R",
                description = "Prompts per second; 0: as fast as the service takes them (default: ${DEFAULT-VALUE}).")
        double rate;

        double rate() {
            return rate;
        }
    }

    /** {@code --completions-topic TOPIC}: where the service's answers are read. */
    static final class CompletionsTopic {
        @Option(
                names = "--completions-topic",
                paramLabel = "TOPIC",
                defaultValue = DefaultTopics.COMPLETIONS,
                description = "Completions topic (default: ${DEFAULT-VALUE}).")
        String name;

        String name() {
            return name;
        }
    }

    /** {@code --warm-up DURATION}: unmeasured load at the run's rate first. */
    static final class WarmUp {
        @Option(
                names = "--warm-up",
                paramLabel = "DURATION",
                defaultValue = "20s",
                converter = Cli.DurationConverter.class,
                description = "Unmeasured warm-up at the run's rate (default: ${DEFAULT-VALUE}).")
        Duration time;

        Duration time() {
            return time;
        }
    }

    /** {@code --idle-timeout DURATION}: how long a bench waits on a service that answers nothing. */
    static final class IdleTimeout {
        @Option(
                names = "--idle-timeout",
                paramLabel = "DURATION",
                defaultValue = "2m",
                converter = Cli.DurationConverter.class,
                description = "Give up when the service answers nothing for this long (default: ${DEFAULT-VALUE}).")
        Duration time;

        Duration time() {
            return time;
        }
    }
}
