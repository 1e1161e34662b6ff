package dev.gptjt.tasks;

import dev.gptjt.engine.ByteAutomaton;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code spans} output shape of an extract task, over one request's input: the completion is a list in the
 * template's format ({@code " Seattle, Portland, Vikash Berg\n"}, or {@code " none\n"}) whose every item is a
 * word-aligned substring of the input, each at most once. Word-aligned: it starts where a whitespace-separated
 * word of the input starts and ends where one ends, quotes and punctuation at a word's ends left out as
 * {@link EntityParser} trims them ({@code "Microsoft,"} gives {@code Microsoft}). Items are mentions that do not
 * overlap in the input (each span's first occurrence): after {@code Boston}, neither {@code Boston} again nor
 * {@code Boston last} — a model that would repeat an item is led to the next mention or the list's end, not
 * into a longer copy of what it wrote. An item never holds what the
 * parser would split or reinterpret ({@code , ; | ( )}, a line break), never reads as the parser's "none", and
 * spans at most {@value #MAX_SPAN_WORDS} words. So every output it accepts parses, by construction, into
 * entities that are all in the input.
 *
 * <p>A deterministic automaton built as it is walked: a trie of the allowed spans' UTF-8 bytes, and states
 * (where in the list, which trie node, which spans are already written) interned on first use, each with its
 * transitions cached. Trim: a trie node is entered only while its subtree holds a span not yet written, and a
 * separator only while one is left, so every state can still finish the list.
 */
public final class SpanListAutomaton implements ByteAutomaton {
    /** Longest span, in words: entities are names; the bound keeps a long input's trie small. */
    public static final int MAX_SPAN_WORDS = 8;

    private static final String TRIMMED = " \t\"'`“”‘’.,;:!?*-[]{}<>()";
    private static final Pattern NOT_IN_A_SPAN = Pattern.compile("[,;|()\\r\\n]");
    private static final Pattern WORD = Pattern.compile("\\S+");
    private static final Pattern NONE_LIKE = Pattern.compile("(?i)^(none|n/?a|no entities|-)$");
    private static final int UNKNOWN = -2;

    /**
     * How the list is written.
     *
     * @param lead      before the first item (a space after a template ending in {@code "Entities:"})
     * @param separator between items
     * @param end       after the last item (the task's stop sequence)
     * @param none      the whole list when the input has no entity
     * @param types     when not empty, every item is written {@code text (type)} with its type from these
     */
    public record Format(String lead, String separator, String end, String none, List<String> types) {
        /** The built-in {@code entities} task's format after a template that ends in {@code "Entities:"}. */
        public static final Format DEFAULT = new Format(" ", ", ", "\n", "none", List.of());

        public Format {
            types = List.copyOf(types);
            for (String type : types) {
                if (type.isBlank() || NOT_IN_A_SPAN.matcher(type).find() || !type.equals(type.strip())) {
                    throw new IllegalArgumentException("entity type '" + type + "' is empty, padded, or holds one of"
                            + " , ; | ( ) or a line break");
                }
            }
        }

        /** The default format after {@code template}: no lead space when the template ends in whitespace. */
        public static Format after(String template) {
            boolean spaced = !template.isEmpty() && Character.isWhitespace(template.charAt(template.length() - 1));
            return new Format(spaced ? "" : " ", ", ", "\n", "none", List.of());
        }

        /** The same format with items typed from {@code types} (none: untyped). */
        public Format withTypes(List<String> types) {
            return new Format(lead, separator, end, none, types);
        }
    }

    private enum Kind {
        LEAD,
        ITEM,
        /** In {@code " (type)"} after a span: {@code position} bytes of it read, {@code aux} the types still matching. */
        TYPE,
        /** A typed item written: a separator or the end next. */
        AFTER_ITEM,
        SEPARATOR,
        END,
        DONE
    }

    /**
     * A state: its kind, the trie and node of an item, the position in a lead/separator/end/type, spans written,
     * and {@code aux}: for a typed {@link Kind#ITEM} that has read the space after a complete span (which a longer
     * span may also continue with), that span + 1; for {@link Kind#TYPE}, the bit set of the types still matching.
     */
    private record State(Kind kind, boolean first, int node, int position, BitSet written, int aux) {
        State(Kind kind, boolean first, int node, int position, BitSet written) {
            this(kind, first, node, position, written, 0);
        }
    }

    private final Format format;
    private final List<String> spans;
    private final Trie firstItem; // spans and the none word
    private final Trie nextItem; // spans only
    private final byte[] lead;
    private final byte[] separator;
    private final byte[] end;
    private final byte[][] types;
    private final int typedSuffix; // fewest bytes of " (type)"; 0 untyped
    private final List<State> states = new ArrayList<>();
    private final Map<State, Integer> ids = new HashMap<>();
    private final List<int[]> transitions = new ArrayList<>();
    private final List<int[]> liveBytes = new ArrayList<>(); // per state, once asked
    private final List<BitSet> blockedOf = new ArrayList<>(); // per state
    private int[] toAccept = new int[64]; // per state, -1 until asked

    /** A span and its first occurrence in the input, {@code [start, end)} in chars. */
    private record Span(String text, int start, int end) {}

    private final BitSet[] overlapping; // per span: the spans whose first occurrence overlaps its own (itself too)
    private final Map<BitSet, BitSet> blockedByWritten = new HashMap<>();

    private SpanListAutomaton(Format format, List<Span> found) {
        this.format = format;
        this.spans = found.stream().map(Span::text).toList();
        this.overlapping = new BitSet[found.size()];
        for (int i = 0; i < found.size(); i++) {
            overlapping[i] = new BitSet();
            for (int j = 0; j < found.size(); j++) {
                if (found.get(i).start() < found.get(j).end()
                        && found.get(j).start() < found.get(i).end()) {
                    overlapping[i].set(j);
                }
            }
        }
        this.lead = format.lead().getBytes(StandardCharsets.UTF_8);
        this.separator = format.separator().getBytes(StandardCharsets.UTF_8);
        this.end = format.end().getBytes(StandardCharsets.UTF_8);
        if (separator.length == 0 || end.length == 0 || format.none().isEmpty()) {
            throw new IllegalArgumentException("a span list needs a separator, an end and a none word");
        }
        if (format.types().size() > 30) {
            throw new IllegalArgumentException("at most 30 entity types");
        }
        this.types = format.types().stream()
                .map(t -> t.getBytes(StandardCharsets.UTF_8))
                .toArray(byte[][]::new);
        this.typedSuffix = types.length == 0
                ? 0
                : 3 + Arrays.stream(types).mapToInt(t -> t.length).min().orElseThrow();
        this.firstItem = new Trie(spans, format.none(), typedSuffix);
        this.nextItem = new Trie(spans, null, typedSuffix);
    }

    /** The automaton of {@code input}'s span lists in {@code format}. */
    public static SpanListAutomaton of(String input, Format format) {
        return new SpanListAutomaton(format, spans(input, format));
    }

    /** The spans an item may be, in input order, one per lower-case spelling (the parser drops repeats so). */
    public static List<String> spansOf(String input, Format format) {
        return spans(input, format).stream().map(Span::text).toList();
    }

    private static List<Span> spans(String input, Format format) {
        List<int[]> words = new ArrayList<>();
        Matcher m = WORD.matcher(input);
        while (m.find()) {
            int start = m.start();
            int end = m.end();
            while (start < end && TRIMMED.indexOf(input.charAt(start)) >= 0) {
                start++;
            }
            while (end > start && TRIMMED.indexOf(input.charAt(end - 1)) >= 0) {
                end--;
            }
            if (start < end) {
                words.add(new int[] {start, end});
            }
        }
        Map<String, Span> byLowerCase = new LinkedHashMap<>();
        for (int i = 0; i < words.size(); i++) {
            for (int j = i; j < Math.min(words.size(), i + MAX_SPAN_WORDS); j++) {
                String span = input.substring(words.get(i)[0], words.get(j)[1]);
                if (NOT_IN_A_SPAN.matcher(span).find()
                        || span.contains(format.separator().strip())
                        || span.contains(format.end())) {
                    break; // a longer span from i holds it too
                }
                String lower = span.toLowerCase(Locale.ROOT);
                if (NONE_LIKE.matcher(span).matches()
                        || lower.equals(format.none().toLowerCase(Locale.ROOT))
                        || lower.startsWith("and ")
                        || lower.equals("and")) { // the parser drops a leading "and " (typed: "and (place)")
                    continue;
                }
                byLowerCase.putIfAbsent(lower, new Span(span, words.get(i)[0], words.get(j)[1]));
            }
        }
        return List.copyOf(byLowerCase.values());
    }

    /** The spans an item may be. */
    public List<String> spans() {
        return spans;
    }

    /** The format it writes. */
    public Format format() {
        return format;
    }

    @Override
    public int start() {
        return lead.length == 0
                ? intern(new State(Kind.ITEM, true, 0, 0, new BitSet()))
                : intern(new State(Kind.LEAD, true, 0, 0, new BitSet()));
    }

    @Override
    public int next(int state, int b) {
        int[] row = transitions.get(state);
        if (row[b] == UNKNOWN) {
            State to = step(state, states.get(state), (byte) b);
            row[b] = to == null ? DEAD : intern(to);
        }
        return row[b];
    }

    @Override
    public boolean accepting(int state) {
        return states.get(state).kind() == Kind.DONE;
    }

    @Override
    public int[] liveBytes(int state) {
        int[] live = liveBytes.get(state);
        if (live == null) {
            State s = states.get(state);
            int[] candidates = switch (s.kind()) {
                case LEAD -> new int[] {lead[s.position()] & 0xff};
                case SEPARATOR -> new int[] {separator[s.position()] & 0xff};
                case END -> new int[] {end[s.position()] & 0xff};
                case DONE -> new int[0];
                case ITEM -> itemCandidates(s);
                case TYPE -> typeCandidates(s);
                case AFTER_ITEM -> new int[] {separator[0] & 0xff, end[0] & 0xff};
            };
            live = Arrays.stream(candidates)
                    .filter(b -> next(state, b) != DEAD)
                    .sorted()
                    .distinct()
                    .toArray();
            liveBytes.set(state, live);
        }
        return live;
    }

    /** The bytes an item's state might take: its trie node's children, and the separator's and end's first. */
    private int[] itemCandidates(State s) {
        int[] children = (s.first() ? firstItem : nextItem).childBytes(s.node());
        int[] candidates = Arrays.copyOf(children, children.length + 4);
        candidates[children.length] = separator[0] & 0xff;
        candidates[children.length + 1] = end[0] & 0xff;
        candidates[children.length + 2] = ' ';
        candidates[children.length + 3] = '(';
        return candidates;
    }

    /** The bytes a type's state might take: the next byte of each type still matching, the opener, the closer. */
    private int[] typeCandidates(State s) {
        int[] candidates = new int[types.length + 2];
        int n = 0;
        int at = s.position() - 2;
        for (int t = 0; t < types.length; t++) {
            if (at >= 0 && (s.aux() & (1 << t)) != 0 && at < types[t].length) {
                candidates[n++] = types[t][at] & 0xff;
            }
        }
        candidates[n++] = '(';
        candidates[n++] = ')';
        return Arrays.copyOf(candidates, n);
    }

    @Override
    public int bytesToAccept(int state) {
        if (toAccept[state] < 0) {
            toAccept[state] = shortestToEnd(states.get(state), blockedOf.get(state));
        }
        return toAccept[state];
    }

    private int shortestToEnd(State s, BitSet blocked) {
        return switch (s.kind()) {
            case LEAD -> lead.length - s.position() + firstItem.shortest(0, blocked, true) + end.length;
            case ITEM -> {
                int viaTrie = (s.first() ? firstItem : nextItem).shortest(s.node(), blocked, s.first()) + end.length;
                // after the space of a complete span: "(type)" is as near
                yield s.aux() > 0 ? Math.min(viaTrie, typedSuffix - 1 + end.length) : viaTrie;
            }
            case TYPE -> {
                if (s.position() < 2) {
                    yield typedSuffix - s.position() + end.length;
                }
                int best = Integer.MAX_VALUE;
                for (int t = 0; t < types.length; t++) {
                    if ((s.aux() & (1 << t)) != 0) {
                        best = Math.min(best, types[t].length - (s.position() - 2) + 1 + end.length);
                    }
                }
                yield best;
            }
            case AFTER_ITEM -> end.length;
            case SEPARATOR -> separator.length - s.position() + nextItem.shortest(0, blocked, false) + end.length;
            case END -> end.length - s.position();
            case DONE -> 0;
        };
    }

    private State step(int id, State s, byte b) {
        return switch (s.kind()) {
            case LEAD ->
                b != lead[s.position()]
                        ? null
                        : s.position() + 1 == lead.length
                                ? new State(Kind.ITEM, true, 0, 0, s.written())
                                : new State(Kind.LEAD, true, 0, s.position() + 1, s.written());
            case ITEM -> item(id, s, b);
            case TYPE -> type(s, b);
            case AFTER_ITEM -> afterItem(s.written(), b);
            case SEPARATOR ->
                b != separator[s.position()]
                        ? null
                        : s.position() + 1 == separator.length
                                ? new State(Kind.ITEM, false, 0, 0, s.written())
                                : new State(Kind.SEPARATOR, false, 0, s.position() + 1, s.written());
            case END ->
                b != end[s.position()]
                        ? null
                        : s.position() + 1 == end.length
                                ? new State(Kind.DONE, false, 0, 0, s.written())
                                : new State(Kind.END, false, 0, s.position() + 1, s.written());
            case DONE -> null;
        };
    }

    private State item(int id, State s, byte b) {
        Trie trie = s.first() ? firstItem : nextItem;
        BitSet blocked = blockedOf.get(id);
        if (s.aux() > 0 && b == '(') { // the span before the space is complete: its type follows
            return new State(Kind.TYPE, false, 0, 2, withSpan(s.written(), s.aux() - 1), (1 << types.length) - 1);
        }
        int span = s.aux() > 0 ? -1 : trie.spanAt[s.node()];
        boolean none = s.aux() == 0 && s.first() && trie.noneAt[s.node()];
        boolean complete = (span >= 0 && !blocked.get(span)) || none;
        if (types.length > 0 && complete && !none && b == ' ') {
            // a typed span's " (" next; a longer span may continue with the same space
            int spaced = trie.child(s.node(), b);
            return spaced >= 0 && trie.live(spaced, blocked)
                    ? new State(Kind.ITEM, s.first(), spaced, 0, s.written(), span + 1)
                    : new State(Kind.TYPE, false, 0, 1, withSpan(s.written(), span), (1 << types.length) - 1);
        }
        int child = trie.child(s.node(), b);
        if (child >= 0 && trie.live(child, blocked)) {
            return new State(Kind.ITEM, s.first(), child, 0, s.written());
        }
        if (!complete || (types.length > 0 && !none)) { // a typed span goes on only with its type
            return null;
        }
        if (none) {
            return b == end[0] ? endState(s.written()) : null;
        }
        return afterItem(withSpan(s.written(), span), b);
    }

    private static BitSet withSpan(BitSet written, int span) {
        BitSet with = (BitSet) written.clone();
        with.set(span);
        return with;
    }

    /** After an item: the end, or a separator while a span is left. */
    private State afterItem(BitSet written, byte b) {
        if (b == end[0]) {
            return endState(written);
        }
        if (b == separator[0] && blocked(written).cardinality() < spans.size()) {
            return separator.length == 1
                    ? new State(Kind.ITEM, false, 0, 0, written)
                    : new State(Kind.SEPARATOR, false, 0, 1, written);
        }
        return null;
    }

    private State endState(BitSet written) {
        return end.length == 1 ? new State(Kind.DONE, false, 0, 0, written) : new State(Kind.END, false, 0, 1, written);
    }

    /** In {@code " (type)"}: the opener, then the bytes of the types still matching, then the closer. */
    private State type(State s, byte b) {
        if (s.position() < 2) {
            return b == " (".charAt(s.position())
                    ? new State(Kind.TYPE, false, 0, s.position() + 1, s.written(), s.aux())
                    : null;
        }
        int at = s.position() - 2;
        int matching = 0;
        boolean complete = false;
        for (int t = 0; t < types.length; t++) {
            if ((s.aux() & (1 << t)) != 0) {
                complete |= types[t].length == at;
                if (at < types[t].length && types[t][at] == b) {
                    matching |= 1 << t;
                }
            }
        }
        if (complete && b == ')') {
            return new State(Kind.AFTER_ITEM, false, 0, 0, s.written());
        }
        return matching == 0 ? null : new State(Kind.TYPE, false, 0, s.position() + 1, s.written(), matching);
    }

    /** The spans no later item may be: those written, and those overlapping one written in the input. */
    private BitSet blocked(BitSet written) {
        return blockedByWritten.computeIfAbsent(written, w -> {
            BitSet blocked = new BitSet();
            w.stream().forEach(k -> blocked.or(overlapping[k]));
            return blocked;
        });
    }

    private int intern(State s) {
        Integer id = ids.get(s);
        if (id == null) {
            id = states.size();
            states.add(s);
            ids.put(s, id);
            int[] row = new int[256];
            Arrays.fill(row, UNKNOWN);
            transitions.add(row);
            liveBytes.add(null);
            blockedOf.add(blocked(s.written()));
            if (id == toAccept.length) {
                toAccept = Arrays.copyOf(toAccept, id * 2);
            }
            toAccept[id] = -1;
        }
        return id;
    }

    /** A byte trie of the spans (and the none word), each node knowing the spans below it. */
    private static final class Trie {
        private final List<int[]> childNodes = new ArrayList<>(); // per node, parallel to childBytes
        private int[] spanAt = new int[16];
        private boolean[] noneAt = new boolean[16];
        private final List<BitSet> below = new ArrayList<>();
        private final List<int[]> childBytes = new ArrayList<>();
        private final List<Boolean> noneBelow = new ArrayList<>();
        private final Map<BitSet, int[]> shortestByBlocked = new HashMap<>(); // per spans blocked: per node, or -1

        private final int spanEndCost; // bytes an item still needs after its span: " (type)" when typed

        Trie(List<String> spans, String none, int spanEndCost) {
            this.spanEndCost = spanEndCost;
            node();
            for (int i = 0; i < spans.size(); i++) {
                int n = 0;
                below.get(n).set(i);
                for (byte b : spans.get(i).getBytes(StandardCharsets.UTF_8)) {
                    n = childOrNew(n, b);
                    below.get(n).set(i);
                }
                spanAt[n] = i;
            }
            if (none != null) {
                int n = 0;
                noneBelow.set(n, true);
                for (byte b : none.getBytes(StandardCharsets.UTF_8)) {
                    n = childOrNew(n, b);
                    noneBelow.set(n, true);
                }
                noneAt[n] = true;
            }
        }

        int child(int node, byte b) {
            int[] bytes = childBytes.get(node);
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == (b & 0xff)) {
                    return childNodes.get(node)[i];
                }
            }
            return -1;
        }

        /**
         * The fewest bytes from {@code node} to the end of an item: a span not blocked, or (first item) the none
         * word. Worked out once per set of spans blocked, for the nodes asked about.
         */
        int shortest(int node, BitSet blocked, boolean first) {
            int[] memo = shortestByBlocked.computeIfAbsent(blocked, w -> {
                int[] m = new int[below.size()];
                Arrays.fill(m, -1);
                return m;
            });
            if (memo[node] < 0) {
                int best = Integer.MAX_VALUE / 2;
                if (spanAt[node] >= 0 && !blocked.get(spanAt[node])) {
                    best = spanEndCost;
                }
                if (first && noneAt[node]) {
                    best = 0;
                }
                if (best > 0) {
                    for (int b : childBytes.get(node)) {
                        int c = child(node, (byte) b);
                        if (live(c, blocked)) {
                            best = Math.min(best, 1 + shortest(c, blocked, first));
                        }
                    }
                }
                memo[node] = best;
            }
            return memo[node];
        }

        /** Whether a walk into {@code node} can still end an item: a span not blocked, or the none word. */
        boolean live(int node, BitSet blocked) {
            if (noneBelow.get(node)) {
                return true;
            }
            BitSet spans = below.get(node);
            for (int i = spans.nextSetBit(0); i >= 0; i = spans.nextSetBit(i + 1)) {
                if (!blocked.get(i)) {
                    return true;
                }
            }
            return false;
        }

        private int childOrNew(int node, byte b) {
            int c = child(node, b);
            if (c < 0) {
                c = node();
                int[] bytes = childBytes.get(node);
                bytes = Arrays.copyOf(bytes, bytes.length + 1);
                bytes[bytes.length - 1] = b & 0xff;
                childBytes.set(node, bytes);
                int[] nodes = Arrays.copyOf(childNodes.get(node), bytes.length);
                nodes[bytes.length - 1] = c;
                childNodes.set(node, nodes);
            }
            return c;
        }

        /** The bytes {@code node} has children along. */
        int[] childBytes(int node) {
            return childBytes.get(node);
        }

        private int node() {
            int n = below.size();
            below.add(new BitSet());
            childBytes.add(new int[0]);
            childNodes.add(new int[0]);
            noneBelow.add(false);
            if (n == spanAt.length) {
                spanAt = Arrays.copyOf(spanAt, n * 2);
                noneAt = Arrays.copyOf(noneAt, n * 2);
            }
            spanAt[n] = -1;
            return n;
        }
    }
}
