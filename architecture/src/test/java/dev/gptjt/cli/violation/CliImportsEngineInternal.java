package dev.gptjt.cli.violation;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.internal.BackendFactory;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;

/** Breaks {@code Layering.ENGINE_INTERNALS_STAY_IN_ENGINE}: a command that wires the engine's backends itself. */
public final class CliImportsEngineInternal {

    AutoCloseable backend(ModelDirectory model, EngineConfig config, Gpt2Tokenizer tokenizer) {
        return BackendFactory.open(model, config, tokenizer);
    }
}
