package dev.gptjt.tools.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A stream of texts of which a share are exact repeats of a text sent earlier, seconds later (retweets, copypasta,
 * spam waves), for {@code bench cache}: the unique texts are sent at an even pace, and the {@code j}-th repeat of a
 * text goes {@code j} gaps after it, within the unique texts' span where the span is longer than the gap (so that the
 * stream keeps its pace to its end rather than trailing off in repeats). The texts come from a file of tweets, used round and round; from the second
 * round on a tweet gets a variant suffix ({@code " #2"}, {@code " #3"}, ...) so that every unique text is distinct
 * (192 tweets are fewer than the unique texts of a long run). Seeded: the same settings give the same stream.
 */
public record RepeatsWorkload(List<Send> sends, int unique, int repeats) {
    /**
     * What the stream holds.
     *
     * @param count     records in all
     * @param repeats   the share of them that repeat an earlier text, in [0, 1)
     * @param gap       how long after its original (or the text's previous repeat) a repeat is sent
     * @param rate      unique texts are sent at this pace, such that the whole stream averages this many records
     *                  per second (repeats fall in between)
     */
    public record Settings(int count, double repeats, Duration gap, double rate, long seed) {
        public Settings {
            if (count < 1) {
                throw new IllegalArgumentException("count: at least 1 record; got " + count);
            }
            if (!(repeats >= 0 && repeats < 1)) {
                throw new IllegalArgumentException("repeats: a share in [0, 1); got " + repeats);
            }
            if (gap.isNegative()) {
                throw new IllegalArgumentException("gap: 0 or more; got " + gap);
            }
            if (!(rate > 0)) {
                throw new IllegalArgumentException("rate: more than 0 records per second; got " + rate);
            }
        }
    }

    /**
     * One record to send.
     *
     * @param id       its id ({@code r-00042}: the same in every run of these settings, for comparing answers)
     * @param atMs     milliseconds after the stream's start it is due
     * @param original index in {@link #sends} of the record whose text it repeats; -1 for a unique text
     */
    public record Send(String id, String text, long atMs, int original) {
        public boolean repeat() {
            return original >= 0;
        }
    }

    /** Draws of a text to repeat before one whose repeat falls after the unique texts' span is taken. */
    private static final int MAX_TRIES = 64;

    /** When the next repeat of unique text {@code u} sent at {@code originalMs} is due: one gap per repeat so far. */
    private static long dueAt(long originalMs, Map<Integer, Integer> timesRepeated, int u, long gapMs) {
        return originalMs + (timesRepeated.getOrDefault(u, 0) + 1) * gapMs;
    }

    /** The stream these settings make from {@code tweets} (not empty). */
    public static RepeatsWorkload of(List<String> tweets, Settings s) {
        if (tweets.isEmpty()) {
            throw new IllegalArgumentException("no tweets to make a workload of");
        }
        int repeats = (int) Math.round(s.count() * s.repeats());
        int unique = s.count() - repeats;
        if (unique < 1) {
            throw new IllegalArgumentException(
                    "repeats: " + s.repeats() + " of " + s.count() + " leaves no unique text");
        }
        Random random = new Random(s.seed());
        double spacingMs = 1000.0 / s.rate() * s.count() / unique;
        record Draft(String text, long atMs, int uniqueIndex) {}
        List<Draft> drafts = new ArrayList<>();
        for (int u = 0; u < unique; u++) {
            drafts.add(new Draft(uniqueText(tweets, u), Math.round(u * spacingMs), -1));
        }
        long uniqueSpanMs = drafts.get(unique - 1).atMs();
        long gapMs = s.gap().toMillis();
        Map<Integer, Integer> timesRepeated = new HashMap<>();
        for (int k = 0; k < repeats; k++) {
            // with replacement: some texts come in waves of several repeats; a repeat falls within the unique texts'
            // span where it can (the stream keeps its pace to the end), else after it
            int u = random.nextInt(unique);
            for (int tries = 0;
                    tries < MAX_TRIES && dueAt(drafts.get(u).atMs(), timesRepeated, u, gapMs) > uniqueSpanMs;
                    tries++) {
                u = random.nextInt(unique);
            }
            long at = dueAt(drafts.get(u).atMs(), timesRepeated, u, gapMs);
            timesRepeated.merge(u, 1, Integer::sum);
            drafts.add(new Draft(drafts.get(u).text(), at, u));
        }
        // in time order, a repeat after its original when both fall due at once (a gap of 0)
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < drafts.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingLong((Integer i) -> drafts.get(i).atMs())
                .thenComparing(i -> drafts.get(i).uniqueIndex() >= 0 ? 1 : 0)
                .thenComparing(i -> i));
        Map<Integer, Integer> uniquePosition = new HashMap<>();
        List<Send> sends = new ArrayList<>();
        for (int i : order) {
            Draft d = drafts.get(i);
            int position = sends.size();
            int original = d.uniqueIndex() < 0 ? -1 : uniquePosition.get(d.uniqueIndex());
            if (d.uniqueIndex() < 0) {
                uniquePosition.put(i, position);
            }
            sends.add(new Send(String.format(Locale.ROOT, "r-%05d", position), d.text(), d.atMs(), original));
        }
        return new RepeatsWorkload(List.copyOf(sends), unique, repeats);
    }

    /** The {@code u}-th unique text: tweet {@code u mod n}, with {@code " #r"} from its second round ({@code r ≥ 2}). */
    static String uniqueText(List<String> tweets, int u) {
        String tweet = tweets.get(u % tweets.size());
        int round = u / tweets.size() + 1;
        return round == 1 ? tweet : tweet + " #" + round;
    }

    /** The last record's due time: how long sending takes. */
    public long spanMs() {
        return sends.stream().mapToLong(Send::atMs).max().orElse(0);
    }
}
