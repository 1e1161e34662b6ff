package dev.gptjt.cli;

import dev.gptjt.engine.cli.Cli;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** A command of the Kafka side: its standard streams come from {@link Main#run}, its options from picocli. */
abstract class KafkaSideCommand implements Callable<Integer>, Cli.UsesIo {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    InputStream stdin = System.in;
    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public void io(InputStream in, PrintStream out, PrintStream err) {
        this.stdin = in;
        this.out = out;
        this.err = err;
    }

    BufferedReader lines() {
        return new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
    }

    /** A usage mistake found after parsing: one line naming the option, exit 2. */
    CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
