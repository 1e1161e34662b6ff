package dev.gptjt.engine;

/** A fixture: a type in the engine's API package that no caller outside the engine uses. */
public final class UnusedRootType {
    private UnusedRootType() {}
}
