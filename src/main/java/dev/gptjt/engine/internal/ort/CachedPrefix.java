package dev.gptjt.engine.internal.ort;

import dev.gptjt.engine.PromptPrefix;

/** A prefix's KV cache at batch 1, in direct buffers of its own that prompt passes read in place. */
record CachedPrefix(KvCacheMerge.Merged kv, long bytes) implements PromptPrefix.CacheState {
    @Override
    public void close() {
        kv.close();
    }
}
