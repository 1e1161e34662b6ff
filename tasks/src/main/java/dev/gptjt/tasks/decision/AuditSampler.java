package dev.gptjt.tasks.decision;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * Picks a task's audit sample: a record is in it when the first 8 bytes of SHA-256 of the task's name, a newline and
 * the record's id, read as a fraction of 2^64, are below {@code fraction}. A pure function of (task, id): a replay, a
 * redelivery or another instance picks the same records, and each record is picked with probability
 * {@code fraction}, independently of the others.
 *
 * @param task     the task's name (the same id is sampled apart in each task)
 * @param fraction share of records picked, in [0, 1]
 */
public record AuditSampler(String task, double fraction) {
    private static final double TWO_TO_64 = 0x1p64;

    public AuditSampler {
        Objects.requireNonNull(task, "task");
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("audit-fraction must be in [0, 1], was " + fraction);
        }
    }

    /** Whether the record with this id is in the audit sample. */
    public boolean audited(String recordId) {
        if (fraction == 0) {
            return false;
        }
        if (fraction == 1) {
            return true;
        }
        return position(recordId) < fraction;
    }

    /** Where the id falls in [0, 1): its hash's first 8 bytes as an unsigned fraction. */
    double position(String recordId) {
        byte[] hash = sha256((task + "\n" + recordId).getBytes(StandardCharsets.UTF_8));
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits = (bits << 8) | (hash[i] & 0xff);
        }
        // unsigned: the top bit's weight added back when the long reads negative
        double unsigned = (bits >>> 1) * 2.0 + (bits & 1);
        return unsigned / TWO_TO_64;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
