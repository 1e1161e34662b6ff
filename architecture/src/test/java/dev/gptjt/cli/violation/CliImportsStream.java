package dev.gptjt.cli.violation;

import dev.gptjt.stream.topology.Outbound;

/** Breaks {@code Layering.LAUNCHER_USES_NO_SERVICE}: a command that builds the service's records itself. */
public final class CliImportsStream {

    Outbound outbound(String topic, byte[] value) {
        return new Outbound(topic, value);
    }
}
