package dev.gptjt.stream.config;

/** Where pending prompts are kept between intake and their result; both kinds are changelogged to Kafka. */
public enum PendingStore {
    /** RocksDB on local disk: large backlogs, restored from the changelog when lost. */
    ROCKSDB,
    /** The heap: smaller and faster, restored from the changelog at every start. */
    IN_MEMORY
}
