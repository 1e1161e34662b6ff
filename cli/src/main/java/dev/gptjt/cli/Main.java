package dev.gptjt.cli;

import dev.gptjt.engine.cli.Args;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The Kafka side of {@code bin/gptjt}: broker, send, tail, demo. */
public final class Main {
    static final String USAGE = """
            usage: gptjt broker [--port 9092] [--data-dir DIR]
                   gptjt send [--bootstrap HOST:PORT] [--topic gptjt.prompts] [--wire single-object|registry] [--registry-url URL]  < prompts.jsonl
                   gptjt tail [--bootstrap HOST:PORT] [--topic gptjt.completions] [--count N] [--timeout SEC] [--from-beginning] [--wire ...]
                   gptjt demo [--once] [--model DIR]
                   gptjt bench engine --model DIR [--prompt-tokens 32] [--new-tokens 32] [--batch-sizes 1,4,16,32] [--repeat N] [--json] [--plots DIR] [--backends java-loop,in-graph] [--ort-profile DIR]
                   gptjt bench pipeline [--bootstrap HOST:PORT] [--model DIR] [--rate R | --max | --load F] [--count 512] [--max-batch 16] [--max-wait-ms 10] [--warm-up-seconds 20] [--latencies FILE.csv] [--json]
                   gptjt bench transfer --config config.json [--context 200] [--batch-sizes 1,16,64] [--value-bytes 2]
                   gptjt bench task --task NAME --model DIR --inputs FILE.jsonl [--repeat 3] [--batch-size 16] [--json] [--config application.properties]
                   gptjt eval --task NAME --model DIR [--mode classify|generate] [--config application.properties]  < labeled.jsonl
                   gptjt run --task NAME --model DIR [--no-prefix-cache] [--backend auto|java-loop|in-graph] [--batch-size 16] [--config ...]  < inputs.jsonl""";

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.in, System.out, System.err));
    }

    /** Runs one command; returns its exit code (0 done, 1 failed, 2 usage or setup mistake). */
    public static int run(String[] argv, java.io.InputStream in, PrintStream out, PrintStream err) {
        if (argv.length == 0) {
            err.println(USAGE);
            return 2;
        }
        try {
            return switch (argv[0]) {
                case "broker" -> BrokerCommand.run(Args.parse(argv, 1, List.of()), out);
                case "send" -> SendCommand.run(Args.parse(argv, 1, List.of()),
                        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), out, err);
                case "tail" -> TailCommand.run(Args.parse(argv, 1, List.of("from-beginning")), out, err);
                case "demo" -> DemoCommand.run(Args.parse(argv, 1, List.of("once")), out);
                case "bench" -> BenchCommand.run(argv, out);
                case "eval" -> EvalCommand.run(Args.parse(argv, 1, List.of()),
                        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), out);
                case "run" -> RunCommand.run(Args.parse(argv, 1, List.of("no-prefix-cache")),
                        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), out);
                default -> throw new Args.UsageException("unknown command '" + argv[0] + "'");
            };
        } catch (Args.UsageException e) {
            err.println("gptjt: " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (CliException | dev.gptjt.engine.EngineException e) {
            err.println("gptjt: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("gptjt: " + e);
            return 1;
        }
    }
}
