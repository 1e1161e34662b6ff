package dev.gptjt.testing.elsewhere;

/** A property input as the property tests declare theirs: a record not visible outside its own package. */
public final class ElsewhereInputs {
    private ElsewhereInputs() {}

    record Walk(String input, long walkSeed, boolean typed) {}

    public static Object walk(String input, long walkSeed, boolean typed) {
        return new Walk(input, walkSeed, typed);
    }
}
