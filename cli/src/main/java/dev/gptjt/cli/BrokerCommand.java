package dev.gptjt.cli;

import dev.gptjt.cli.kafka.KafkaBroker;
import dev.gptjt.engine.cli.Args;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code gptjt broker}: a single-node KRaft broker in the foreground; Ctrl-C stops it cleanly. */
final class BrokerCommand {
    static final List<String> OPTIONS = List.of("port", "data-dir");

    private BrokerCommand() {}

    static int run(Args args, PrintStream out) throws Exception {
        args.allow(OPTIONS);
        int port = args.intValue("port", 9092);
        Path dataDir = Path.of(args.get("data-dir", "work/kafka")).toAbsolutePath();
        out.println("gptjt: starting Kafka 4.1 (KRaft, single node) with data in " + dataDir + "…");
        KafkaBroker broker;
        try {
            broker = KafkaBroker.start(dataDir, port);
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                broker.close();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "gptjt-broker-stop"));
        out.println("gptjt: broker ready at " + broker.bootstrap() + " (log: " + broker.logFile() + "); Ctrl-C stops it");
        out.flush();
        while (broker.isAlive()) {
            Thread.sleep(500);
        }
        return 0;
    }
}
