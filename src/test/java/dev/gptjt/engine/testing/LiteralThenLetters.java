package dev.gptjt.engine.testing;

import dev.gptjt.engine.ByteAutomaton;
import java.nio.charset.StandardCharsets;

/** A literal, then {@code letters} lowercase letters, then nothing: the literal's bytes are forced. */
public record LiteralThenLetters(byte[] literal, int letters) implements ByteAutomaton {
    public LiteralThenLetters(String literal, int letters) {
        this(literal.getBytes(StandardCharsets.UTF_8), letters);
    }

    @Override
    public int start() {
        return 0;
    }

    @Override
    public int next(int state, int b) {
        if (state < literal.length) {
            return (literal[state] & 0xff) == b ? state + 1 : DEAD;
        }
        return state < literal.length + letters && b >= 'a' && b <= 'z' ? state + 1 : DEAD;
    }

    @Override
    public boolean accepting(int state) {
        return state == literal.length + letters;
    }

    @Override
    public int bytesToAccept(int state) {
        return literal.length + letters - state;
    }
}
