package dev.gptjt.stream.violation;

import dev.gptjt.cli.CliException;

/** Breaks {@code Layering.SERVICE_USES_NO_LAUNCHER}: the service refusing a record with the commands' exception. */
public final class StreamImportsCommands {

    RuntimeException refuse(String why) {
        return new CliException(why);
    }
}
