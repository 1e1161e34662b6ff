package dev.gptjt.cli.kafka;

import dev.gptjt.cli.Cli;
import dev.gptjt.cli.CliException;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.cluster.ChildServer;
import dev.gptjt.cluster.KafkaBroker;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gptjt broker}: a single-node KRaft broker in the foreground; Ctrl-C stops it cleanly. */
@OptionDefaults("--port=9092")
@Command(
        name = "broker",
        mixinStandardHelpOptions = true,
        description =
                "A single-node Kafka broker (KRaft) in the foreground, storage formatted on first start; Ctrl-C stops it cleanly.")
public final class BrokerCommand extends IoCommand {
    @Mixin
    CommonOptions.Port port;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            converter = Cli.PathConverter.class,
            description = "Log and metadata directory (default: work/kafka in the repository).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        if (dataDir == null) {
            dataDir = Cli.homePath("work/kafka");
        }
        out.println("gptjt: starting Kafka 4.1 (KRaft, single node) with data in " + dataDir + "…");
        KafkaBroker broker;
        try {
            broker = KafkaBroker.start(dataDir, port.port());
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage());
        }
        ChildServer.stopOnExit(broker, "gptjt-broker-stop");
        out.println(
                "gptjt: broker ready at " + broker.bootstrap() + " (log: " + broker.logFile() + "); Ctrl-C stops it");
        out.flush();
        ChildServer.awaitExit(broker);
        return 0;
    }
}
