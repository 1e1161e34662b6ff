package dev.gptjt.cli;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --model DIR}: the model directory a command runs or reads. */
public final class ModelOption {
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            converter = Cli.PathConverter.class,
            description = "Model directory: an Optimum export (model.onnx, config.json, vocab.json, merges.txt) or"
                    + " one that gptjt convert wrote; required unless the command names its default.")
    Path model;

    /**
     * The directory given.
     *
     * @throws CommandLine.ParameterException naming {@code --model} when it was not given
     */
    public Path required() {
        if (model == null) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "Missing required option: '--model=DIR'");
        }
        return model;
    }

    /** The directory given, else the committed demo model ({@code models/demo-gptj}). */
    public Path orDemoModel() {
        return model != null ? model : Cli.homePath("models/demo-gptj");
    }

    /** Whether {@code --model} was given. */
    public boolean given() {
        return model != null;
    }
}
