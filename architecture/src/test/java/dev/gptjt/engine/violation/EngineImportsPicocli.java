package dev.gptjt.engine.violation;

import picocli.CommandLine;

/** Breaks {@code Layering.ENGINE_USES_NO_FRAMEWORK}: engine code that parses a command line. */
public final class EngineImportsPicocli {

    int run(Object command, String... args) {
        return new CommandLine(command).execute(args);
    }
}
