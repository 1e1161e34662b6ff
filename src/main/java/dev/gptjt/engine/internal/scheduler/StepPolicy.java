package dev.gptjt.engine.internal.scheduler;

import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.Lane;
import dev.gptjt.engine.StopCause;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What runs next: the one function that decides each step of the engine's loop, from plain values (the queues, the
 * running rows, the limits) to a plain {@link Plan}. {@link StepLoop} runs the plan and feeds the outcome back; no
 * other place decides what runs.
 *
 * <p>The rules, in the order they apply:
 * <ol>
 *   <li><b>Stops.</b> A running row whose future was cancelled, or whose deadline passed, is dropped at this step.
 *   <li><b>Lanes.</b> Candidates are taken in this order: realtime requests and the oldest bulk request if it waited
 *       {@code bulkAging} or longer, oldest first; then the other bulk requests, oldest first (so a bulk backlog
 *       gets at least one start a step however busy realtime is, and otherwise only what realtime leaves).
 *   <li><b>Preemption.</b> When realtime candidates for the Java loop find fewer free rows than they are, the youngest
 *       running bulk rows are dropped to make room (put back at the head of the bulk lane; never for a bulk request,
 *       aged or not).
 *   <li><b>Holding for company</b> ({@link BatchPolicy}): the queue's oldest waits up to {@code maxWait} for others
 *       unless the free rows are filled, counting the step about to run (the next boundary would be past it).
 *   <li><b>Room.</b> The Java loop keeps at most {@code maxBatchSize} rows; an in-graph backend runs at most
 *       {@code maxBatchSize} requests in a step, all of one {@code max_new_tokens} bucket (one operator call runs to
 *       the group's longest). With more loop candidates than free rows, {@link BatchFormation#BY_LENGTH} picks those
 *       that pad least beside the oldest ({@link BatchPolicy#pickByLength}), within the highest lane first.
 *   <li><b>Token budget.</b> A step reads at most {@code maxStepTokens}: a token for each decoding row first, then the
 *       prompt chunks of rows already part-way through their prompt, then new prompts in candidate order. A loop
 *       generation that does not fit whole runs the budget's remainder as a chunk and the rest in later steps; other
 *       prompts run whole or wait (the step's first prompt always runs, so nothing waits for ever).
 * </ol>
 */
public final class StepPolicy {
    private StepPolicy() {}

    /** The engine's limits the policy applies. */
    public record Limits(
            int maxBatchSize, int maxStepTokens, long maxWaitNanos, long bulkAgingNanos, BatchFormation formation) {}

    /**
     * A queued request.
     *
     * @param lane         its lane
     * @param waitedNanos  time in its lane's queue
     * @param promptTokens tokens its prompt pass reads (those after a cached prefix)
     * @param loop         runs on the Java loop (else on an in-graph backend)
     * @param chunkable    its prompt may run in chunks (a loop generation)
     * @param route        the backend that runs it (index)
     * @param bucket       its {@code max_new_tokens} bucket (in-graph backends run one bucket a step)
     */
    public record Queued(
            Lane lane, long waitedNanos, int promptTokens, boolean loop, boolean chunkable, int route, int bucket) {}

    /**
     * A row of the Java loop.
     *
     * @param lane         its lane
     * @param startedNanos when its prompt pass started (the larger, the younger)
     * @param prefillLeft  prompt tokens still to run (0: decoding)
     * @param cancelled    its future was cancelled
     * @param pastDeadline its deadline passed
     */
    public record Row(Lane lane, long startedNanos, int prefillLeft, boolean cancelled, boolean pastDeadline) {}

    /** A running row to drop, and why. */
    public record Stop(int row, StopCause cause) {}

    /** A queued request to start: {@code tokens} of its prompt pass run this step (all of them: whole). */
    public record Take(Lane lane, int index, int tokens) {}

    /** A row part-way through its prompt: {@code tokens} more run this step. */
    public record Continue(int row, int tokens) {}

    /**
     * One step's decisions.
     *
     * @param waitNanos when the plan does nothing: how long to wait before deciding again ({@link Long#MAX_VALUE}:
     *                  until a submission); 0 otherwise
     */
    public record Plan(List<Stop> stops, List<Take> takes, List<Continue> continues, boolean decode, long waitNanos) {
        /** Nothing to run, nothing to wait for: decide again at once (work other than a step is waiting). */
        public static final Plan NOTHING = new Plan(List.of(), List.of(), List.of(), false, 0);

        /** True when the step runs nothing. */
        public boolean idle() {
            return stops.isEmpty() && takes.isEmpty() && continues.isEmpty() && !decode;
        }
    }

    /** A queued candidate: where it is, and what it is. */
    private record Candidate(Lane lane, int index, Queued q, boolean urgent) {}

    /**
     * The next step.
     *
     * @param realtime       the realtime queue, oldest first
     * @param bulk           the bulk queue, oldest first
     * @param rows           the Java loop's rows
     * @param lastStepNanos  how long the last step took (0 when the loop had no rows): the next boundary is that far
     */
    public static Plan plan(
            List<Queued> realtime, List<Queued> bulk, List<Row> rows, long lastStepNanos, Limits limits) {
        // 1. stops
        List<Stop> stops = new ArrayList<>();
        List<Integer> live = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            if (row.cancelled()) {
                stops.add(new Stop(i, StopCause.CANCELLED));
            } else if (row.pastDeadline()) {
                stops.add(new Stop(i, StopCause.DEADLINE));
            } else {
                live.add(i);
            }
        }
        // 2. lanes
        List<Candidate> order = candidates(realtime, bulk, limits.bulkAgingNanos());
        // 3. preemption
        int room = limits.maxBatchSize() - live.size();
        // only realtime requests preempt (an aged bulk one must not: it would preempt bulk rows for bulk, for ever)
        long urgentLoop = order.stream()
                .filter(c -> c.lane() == Lane.REALTIME && c.q().loop())
                .count();
        if (urgentLoop > room) {
            List<Integer> bulkRows = new ArrayList<>(live.stream()
                    .filter(i -> rows.get(i).lane() == Lane.BULK)
                    .sorted(Comparator.comparingLong((Integer i) -> rows.get(i).startedNanos())
                            .reversed())
                    .toList());
            int preempt = (int) Math.min(bulkRows.size(), Math.min(urgentLoop, limits.maxBatchSize()) - room);
            for (int k = 0; k < preempt; k++) {
                stops.add(new Stop(bulkRows.get(k), StopCause.PREEMPTED));
                live.remove(bulkRows.get(k));
            }
            room += preempt;
        }
        // 4. holding for company, for the loop's candidates and the in-graph ones apart (these need no free row)
        List<Candidate> loopOrder = order.stream().filter(c -> c.q().loop()).toList();
        List<Candidate> graphOrder = order.stream().filter(c -> !c.q().loop()).toList();
        long boundary = live.isEmpty() ? 0 : lastStepNanos;
        long wait = Long.MAX_VALUE;
        boolean loopReady = false;
        if (!loopOrder.isEmpty()) {
            long oldest = oldestWait(loopOrder);
            if (live.isEmpty()) {
                BatchPolicy.Decision d =
                        BatchPolicy.decide(loopOrder.size(), oldest, limits.maxBatchSize(), limits.maxWaitNanos());
                loopReady = d.take() > 0;
                wait = Math.min(wait, d.waitNanos());
            } else {
                loopReady = BatchPolicy.admit(
                                loopOrder.size(),
                                oldest,
                                live.size(),
                                limits.maxBatchSize(),
                                limits.maxWaitNanos(),
                                boundary)
                        > 0;
            }
        }
        boolean graphReady = false;
        if (!graphOrder.isEmpty()) {
            long oldest = oldestWait(graphOrder);
            graphReady = BatchPolicy.admit(
                            graphOrder.size(), oldest, 0, limits.maxBatchSize(), limits.maxWaitNanos(), boundary)
                    > 0;
            if (!graphReady) {
                wait = Math.min(wait, Math.max(1, limits.maxWaitNanos() - oldest - boundary));
            }
        }
        // 5. room
        List<Candidate> chosen =
                choose(loopReady ? loopOrder : List.of(), graphReady ? graphOrder : List.of(), order, room, limits);
        // 6. token budget
        int decoding =
                (int) live.stream().filter(i -> rows.get(i).prefillLeft() == 0).count();
        int budget = limits.maxStepTokens() - decoding;
        List<Continue> continues = new ArrayList<>();
        for (int i : live) {
            int left = rows.get(i).prefillLeft();
            if (left == 0) {
                continue;
            }
            int tokens = Math.min(left, left + 1 <= budget ? left : budget);
            if (tokens <= 0) {
                break;
            }
            continues.add(new Continue(i, tokens));
            budget -= tokens + (tokens == left ? 1 : 0);
        }
        List<Take> takes = new ArrayList<>();
        for (Candidate c : chosen) {
            int cost = c.q().promptTokens() + (c.q().chunkable() ? 1 : 0);
            boolean first = takes.isEmpty() && continues.isEmpty();
            if (cost <= budget || (first && !c.q().chunkable())) {
                takes.add(new Take(c.lane(), c.index(), c.q().promptTokens()));
                budget -= cost;
            } else if (c.q().chunkable() && budget > 0) {
                takes.add(new Take(c.lane(), c.index(), budget));
                budget = 0;
            } else {
                break; // the rest keep their places
            }
        }
        boolean decode = !live.isEmpty();
        boolean idle = stops.isEmpty() && takes.isEmpty() && continues.isEmpty() && !decode;
        return new Plan(stops, takes, continues, decode, idle ? wait : 0);
    }

    /** Realtime and aged bulk requests by age, then the other bulk requests in order. */
    private static List<Candidate> candidates(List<Queued> realtime, List<Queued> bulk, long agingNanos) {
        List<Candidate> urgent = new ArrayList<>();
        List<Candidate> rest = new ArrayList<>();
        for (int i = 0; i < realtime.size(); i++) {
            urgent.add(new Candidate(Lane.REALTIME, i, realtime.get(i), true));
        }
        for (int i = 0; i < bulk.size(); i++) {
            Queued q = bulk.get(i);
            // one aged bulk request a step, the oldest: bulk never starves, and a backlog that has all aged does not
            // take realtime's place wholesale
            if (i == 0 && q.waitedNanos() >= agingNanos) {
                urgent.add(new Candidate(Lane.BULK, i, q, true));
            } else {
                rest.add(new Candidate(Lane.BULK, i, q, false));
            }
        }
        // stable: each lane's order is kept among equal ages
        urgent.sort(
                Comparator.comparingLong((Candidate c) -> c.q().waitedNanos()).reversed());
        List<Candidate> order = new ArrayList<>(urgent);
        order.addAll(rest);
        return order;
    }

    /**
     * The candidates that fit, in candidate order: of {@code loop}, up to {@code room} (picked by length within the
     * highest lane when more wait); of {@code graph}, up to a batch per backend, of the bucket of that backend's first.
     */
    private static List<Candidate> choose(
            List<Candidate> loop, List<Candidate> graph, List<Candidate> order, int room, Limits limits) {
        Set<Candidate> picked = new HashSet<>(pickLoop(loop, Math.max(0, room), limits.formation()));
        Map<Integer, Integer> perRoute = new HashMap<>();
        Map<Integer, Integer> bucketOf = new HashMap<>();
        for (Candidate c : graph) {
            int route = c.q().route();
            int bucket = bucketOf.computeIfAbsent(route, r -> c.q().bucket());
            int taken = perRoute.getOrDefault(route, 0);
            if (bucket == c.q().bucket() && taken < limits.maxBatchSize()) {
                perRoute.put(route, taken + 1);
                picked.add(c);
            }
        }
        return order.stream().filter(picked::contains).toList();
    }

    private static long oldestWait(List<Candidate> candidates) {
        return candidates.stream().mapToLong(c -> c.q().waitedNanos()).max().orElse(0);
    }

    /** Up to {@code room} loop candidates: all of them when they fit; else the first, or picked by length, lane by lane. */
    private static List<Candidate> pickLoop(List<Candidate> loop, int room, BatchFormation formation) {
        List<Candidate> urgent = new ArrayList<>();
        List<Candidate> rest = new ArrayList<>();
        for (Candidate c : loop) {
            (c.urgent() ? urgent : rest).add(c);
        }
        List<Candidate> picked = new ArrayList<>(pick(urgent, room, formation));
        picked.addAll(pick(rest, room - picked.size(), formation));
        return picked;
    }

    private static List<Candidate> pick(List<Candidate> lane, int take, BatchFormation formation) {
        if (take <= 0) {
            return List.of();
        }
        if (lane.size() <= take) {
            return lane;
        }
        if (formation == BatchFormation.FIFO) {
            return lane.subList(0, take);
        }
        List<Candidate> window = lane.subList(0, Math.min(lane.size(), take * BatchFormation.LOOKAHEAD_BATCHES));
        int[] lengths = window.stream().mapToInt(c -> c.q().promptTokens()).toArray();
        List<Candidate> picked = new ArrayList<>(take);
        for (int i : BatchPolicy.pickByLength(lengths, take)) {
            picked.add(window.get(i));
        }
        return picked;
    }
}
