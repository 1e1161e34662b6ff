package dev.gptjt.tasks;

import dev.gptjt.engine.ByteAutomaton;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;
import org.apache.lucene.util.automaton.RegExp;
import org.apache.lucene.util.automaton.TooComplexToDeterminizeException;
import org.apache.lucene.util.automaton.Transition;
import org.apache.lucene.util.automaton.UTF32ToUTF8;

/**
 * The {@code pattern} output shape of a generate task: the completion is the template's lead, then text the
 * task's {@code output-pattern} matches as a whole, then its stop sequence (end-of-sequence where it has none).
 * Lucene's {@link RegExp} (syntax flags {@code NONE}: {@code @ & ~ < #} are plain characters, as in most regular
 * expressions; {@code \d \s \w}, classes and {@code \n \t \r} work) over code points, made a UTF-8 byte automaton
 * ({@link UTF32ToUTF8}), determinized and trimmed of states that cannot reach the end; then laid out as flat
 * tables — transitions, live bytes and bytes to the end per state — so one instance, immutable, serves every
 * request of its task.
 */
public final class PatternAutomaton implements ByteAutomaton {
    private static final Map<List<String>, PatternAutomaton> COMPILED = new ConcurrentHashMap<>();

    private final int[] transitions; // state * 256 + byte -> state, DEAD where none
    private final boolean[] accepting;
    private final int[][] live;
    private final int[] toAccept;
    private final int maxToAccept;

    private PatternAutomaton(Automaton bytes) {
        int states = bytes.getNumStates();
        transitions = new int[states * 256];
        Arrays.fill(transitions, DEAD);
        accepting = new boolean[states];
        live = new int[states][];
        Transition t = new Transition();
        List<List<Integer>> reverse = new ArrayList<>();
        for (int s = 0; s < states; s++) {
            reverse.add(new ArrayList<>());
        }
        for (int s = 0; s < states; s++) {
            accepting[s] = bytes.isAccept(s);
            List<Integer> liveBytes = new ArrayList<>();
            int count = bytes.initTransition(s, t);
            for (int i = 0; i < count; i++) {
                bytes.getNextTransition(t);
                for (int b = t.min; b <= t.max; b++) {
                    transitions[s * 256 + b] = t.dest;
                    liveBytes.add(b);
                }
                reverse.get(t.dest).add(s);
            }
            live[s] = liveBytes.stream().mapToInt(Integer::intValue).sorted().toArray();
        }
        // breadth first from the accepting states, backwards: every state's fewest bytes to the end
        toAccept = new int[states];
        Arrays.fill(toAccept, Integer.MAX_VALUE);
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int s = 0; s < states; s++) {
            if (accepting[s]) {
                toAccept[s] = 0;
                queue.add(s);
            }
        }
        while (!queue.isEmpty()) {
            int s = queue.poll();
            for (int from : reverse.get(s)) {
                if (toAccept[from] == Integer.MAX_VALUE) {
                    toAccept[from] = toAccept[s] + 1;
                    queue.add(from);
                }
            }
        }
        maxToAccept = Arrays.stream(toAccept).max().orElse(0);
    }

    /**
     * The automaton of {@code lead}, text {@code pattern} matches, then {@code end}; compiled once per arguments.
     *
     * @throws IllegalArgumentException when {@code pattern} is not a regular expression, can match nothing, or is
     *     too complex to make deterministic
     */
    public static PatternAutomaton of(String pattern, String lead, String end) {
        return COMPILED.computeIfAbsent(List.of(pattern, lead, end), k -> compile(pattern, lead, end));
    }

    private static PatternAutomaton compile(String pattern, String lead, String end) {
        Automaton codePoints;
        try {
            codePoints = new RegExp(controlEscapes(pattern), RegExp.NONE).toAutomaton();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "output-pattern " + pattern + " is not a regular expression: " + e.getMessage(), e);
        }
        try {
            Automaton whole =
                    Operations.concatenate(List.of(Automata.makeString(lead), codePoints, Automata.makeString(end)));
            Automaton bytes = Operations.removeDeadStates(Operations.determinize(
                    new UTF32ToUTF8().convert(whole), Operations.DEFAULT_DETERMINIZE_WORK_LIMIT));
            if (Operations.isEmpty(bytes)) {
                throw new IllegalArgumentException("output-pattern " + pattern + " can never match");
            }
            return new PatternAutomaton(bytes);
        } catch (TooComplexToDeterminizeException e) {
            throw new IllegalArgumentException(
                    "output-pattern " + pattern + " is too complex to decode under: " + e.getMessage(), e);
        }
    }

    /**
     * {@code \n}, {@code \t} and {@code \r} as the characters they name, as most regular expressions read them (Lucene
     * takes a backslash and a letter for a class such as {@code \d}, and refuses the others).
     */
    static String controlEscapes(String pattern) {
        StringBuilder out = new StringBuilder(pattern.length());
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length()) {
                char next = pattern.charAt(i + 1);
                switch (next) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    default -> out.append(c).append(next);
                }
                i++;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public int start() {
        return 0;
    }

    @Override
    public int next(int state, int b) {
        return transitions[state * 256 + b];
    }

    @Override
    public boolean accepting(int state) {
        return accepting[state];
    }

    @Override
    public int bytesToAccept(int state) {
        return toAccept[state];
    }

    @Override
    public int[] liveBytes(int state) {
        return live[state];
    }

    @Override
    public boolean immutable() {
        return true;
    }

    @Override
    public int maxBytesToAccept() {
        return maxToAccept;
    }
}
