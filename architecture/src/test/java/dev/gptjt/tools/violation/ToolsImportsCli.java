package dev.gptjt.tools.violation;

import dev.gptjt.cli.CliException;

/** Breaks {@code Layering.TOOLS_ARE_BELOW_THE_COMMANDS}: a benchmark that throws the commands' exception. */
public final class ToolsImportsCli {

    RuntimeException refuse(String why) {
        return new CliException(why);
    }
}
