package dev.gptjt.engine;

import dev.gptjt.engine.internal.BackendFactory;

/** A fixture: a type in the engine's API package whose public method names an internal type. */
public final class LeakyRootType {
    private LeakyRootType() {}

    public static void take(BackendFactory factory) {}
}
