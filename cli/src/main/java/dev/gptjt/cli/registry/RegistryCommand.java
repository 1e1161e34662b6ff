package dev.gptjt.cli.registry;

import dev.gptjt.cli.Cli;
import dev.gptjt.cli.CliException;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.cluster.ChildServer;
import dev.gptjt.cluster.RegistryServer;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gptjt registry}: Apicurio Registry in the foreground, in-memory storage; Ctrl-C stops it cleanly. */
@OptionDefaults("--port=8081")
@Command(
        name = "registry",
        mixinStandardHelpOptions = true,
        description = {
            "Apicurio Registry in the foreground (in memory, or --persist), for --wire registry;",
            "Ctrl-C stops it cleanly. Its distribution is fetched through Maven on first",
            "use (cached in the local repository) and unpacked under ~/.cache/gptjt.",
            "Registry 3.x needs Java 21+: a JDK is looked for (--java, JAVA_HOME, the JDKs",
            "beside the running one); without one, 2.6 (Java 17) runs instead. Prints the",
            "Apicurio and Confluent-compatible URLs when ready."
        })
public final class RegistryCommand extends IoCommand {
    @Mixin
    CommonOptions.Port port;

    @Option(
            names = "--host",
            paramLabel = "ADDRESS",
            defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host;

    @Option(
            names = "--java",
            paramLabel = "JAVA_HOME",
            converter = Cli.PathConverter.class,
            description = "The JDK to run it with (default: the newest found); below 21 it runs Registry 2.6.")
    Path java;

    @Option(
            names = "--persist",
            paramLabel = "DIR",
            converter = Cli.PathConverter.class,
            description = "Keep schemas in an H2 database under DIR across restarts (default: in memory).")
    Path persist;

    @Option(
            names = "--log",
            paramLabel = "FILE",
            converter = Cli.PathConverter.class,
            description = "Where the registry's output goes (default: work/registry.log in the repository).")
    Path log;

    @Override
    public Integer call() throws Exception {
        Path logFile = log != null ? log : Cli.homePath("work/registry.log");
        RegistryServer server;
        try {
            server = RegistryServer.start(
                    new RegistryServer.Options(
                            host, port.port(), java, RegistryServer.defaultCache(), logFile, persist),
                    message -> {
                        out.println("gptjt: " + message);
                        out.flush();
                    });
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage());
        }
        ChildServer.stopOnExit(server, "gptjt-registry-stop");
        out.println("gptjt: registry ready (log: " + server.logFile() + "); Ctrl-C stops it");
        out.println("  Apicurio API (gptjt.wire.registry.url, --registry-url): " + server.apicurioUrl());
        out.println("  Confluent-compatible API (Confluent clients' schema.registry.url): " + server.confluentUrl());
        out.flush();
        ChildServer.awaitExit(server);
        return 0;
    }
}
