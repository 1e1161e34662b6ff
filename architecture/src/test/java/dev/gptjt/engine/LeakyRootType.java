package dev.gptjt.engine;

import dev.gptjt.engine.internal.BackendFactory;
import java.util.List;

/** A fixture: a type in the engine's API package whose public method names an internal type. */
public final class LeakyRootType {
    private LeakyRootType() {}

    public static void take(BackendFactory factory) {}

    public static List<BackendFactory> all() {
        return List.of();
    }
}
