package dev.gptjt.cli;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * A {@code gptjt} command: its standard streams come from {@link Main#run} (tests pass their own), its
 * options from picocli, and a mistake found after parsing is a {@link #usage} error naming the option.
 */
public abstract class IoCommand implements Callable<Integer>, Cli.UsesIo {
    @CommandLine.Spec
    protected CommandLine.Model.CommandSpec spec;

    protected InputStream stdin = System.in;
    protected PrintStream out = System.out;
    protected PrintStream err = System.err;

    @Override
    public void io(InputStream in, PrintStream out, PrintStream err) {
        this.stdin = in;
        this.out = out;
        this.err = err;
    }

    /** Standard input, line by line, as UTF-8. */
    protected BufferedReader lines() {
        return new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
    }

    /** A usage mistake found after parsing: one line naming the option, exit 2. */
    protected CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
