package dev.gptjt.engine.ort;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.GenerationBackend;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.PreparedRequest;
import dev.gptjt.engine.RowState;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.sampling.Sampler;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java token loop: one {@code OrtSession.run} per generated token over a left-padded batch,
 * feeding each step's {@code present.*} outputs back as the next step's {@code past_key_values.*}
 * inputs. The present tensors are passed as they are (no copy on the Java side); the previous step's
 * outputs are closed only after the next run has consumed them.
 *
 * <p>Left padding follows Hugging Face: pads carry attention mask 0 and
 * {@code position_ids = max(cumsum(mask) - 1, 0)}; each new step appends mask 1 and advances every
 * row's position by one. Done so, a row's tokens equal its unbatched generation.
 */
public final class OrtTokenLoopBackend implements GenerationBackend {
    private final DecoderSession decoder;
    private final Gpt2Tokenizer tokenizer;
    private final ModelConfig config;
    private final PinnedBuffer pinned = new PinnedBuffer();
    private volatile boolean terminated;
    private OrtSession.RunOptions current; // guarded by this: set while a batch runs, for terminate()

    public OrtTokenLoopBackend(DecoderSession decoder, Gpt2Tokenizer tokenizer) {
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.config = decoder.config();
    }

    @Override
    public String name() {
        return "ort-java-loop";
    }

    @Override
    public List<GenerationResult> generate(List<PreparedRequest> batch) {
        long start = System.nanoTime();
        int b = batch.size();
        RowState[] rows = new RowState[b];
        Sampler[] samplers = new Sampler[b];
        int promptLen = 0;
        int steps = 0;
        for (int r = 0; r < b; r++) {
            PreparedRequest req = batch.get(r);
            rows[r] = new RowState(req, tokenizer, config.eosTokenId());
            samplers[r] = Sampler.of(req.params());
            promptLen = Math.max(promptLen, req.promptIds().length);
            steps = Math.max(steps, req.params().maxNewTokens());
        }
        OrtSession.RunOptions options = null;
        try {
            options = new OrtSession.RunOptions();
            synchronized (this) {
                if (terminated) {
                    throw closed();
                }
                current = options;
            }
            loop(batch, rows, samplers, promptLen, steps, options);
        } catch (OrtException e) {
            if (terminated) {
                throw closed();
            }
            throw new EngineException(ErrorCode.INFERENCE_FAILED, "ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            synchronized (this) {
                current = null;
            }
            if (options != null) {
                options.close();
            }
        }
        long elapsed = System.nanoTime() - start;
        List<GenerationResult> results = new ArrayList<>(b);
        for (RowState row : rows) {
            results.add(row.result(elapsed, b, name()));
        }
        return results;
    }

    private void loop(List<PreparedRequest> batch, RowState[] rows, Sampler[] samplers, int promptLen, int steps,
                      OrtSession.RunOptions options) throws OrtException {
        int b = rows.length;
        int vocab = config.vocabSize();
        // Step 0 inputs: the left-padded prompts.
        long[] ids = new long[b * promptLen];
        long[] positions = new long[b * promptLen];
        int[] padding = new int[b];
        for (int r = 0; r < b; r++) {
            int[] prompt = batch.get(r).promptIds();
            padding[r] = promptLen - prompt.length;
            for (int t = 0; t < promptLen; t++) {
                int i = r * promptLen + t;
                boolean pad = t < padding[r];
                ids[i] = pad ? config.eosTokenId() : prompt[t - padding[r]];
                positions[i] = pad ? 0 : t - padding[r];
            }
        }
        float[] rowLogits = new float[vocab];
        long[] nextPositions = new long[b];
        OrtSession.Result previous = null;
        List<OnnxTensor> emptyPast = new ArrayList<>();
        boolean pinLogits = decoder.logitsType() == OnnxJavaType.FLOAT;
        FloatBuffer logitsBuffer = null;
        try {
            for (int step = 0; step < steps; step++) {
                if (terminated) {
                    throw closed();
                }
                int seqLen = step == 0 ? promptLen : 1;
                int total = promptLen + step;
                long[] mask = new long[b * total];
                for (int r = 0; r < b; r++) {
                    for (int t = padding[r]; t < total; t++) {
                        mask[r * total + t] = 1;
                    }
                }
                Map<String, OnnxTensorLike> inputs = new HashMap<>();
                try (OnnxTensor idT = longTensor(ids, b, seqLen);
                     OnnxTensor maskT = longTensor(mask, b, total);
                     OnnxTensor posT = longTensor(positions, b, seqLen)) {
                    inputs.put(DecoderSession.INPUT_IDS, idT);
                    inputs.put(DecoderSession.ATTENTION_MASK, maskT);
                    inputs.put(DecoderSession.POSITION_IDS, posT);
                    for (int layer = 0; layer < config.nLayer(); layer++) {
                        if (previous == null) {
                            OnnxTensor k = emptyCache(b);
                            OnnxTensor v = emptyCache(b);
                            emptyPast.add(k);
                            emptyPast.add(v);
                            inputs.put(decoder.pastKey(layer), k);
                            inputs.put(decoder.pastValue(layer), v);
                        } else {
                            inputs.put(decoder.pastKey(layer), (OnnxTensor) output(previous, decoder.presentKey(layer)));
                            inputs.put(decoder.pastValue(layer), (OnnxTensor) output(previous, decoder.presentValue(layer)));
                        }
                    }
                    OrtSession.Result result;
                    if (pinLogits) {
                        // ORT writes logits straight into our direct buffer: no copy of the [b, seq, vocab] tensor.
                        logitsBuffer = pinned.buffer(b * seqLen * vocab);
                        try (OnnxTensor logitsT = OnnxTensor.createTensor(decoder.env(), logitsBuffer, new long[] {b, seqLen, vocab})) {
                            result = decoder.session().run(inputs, decoder.presentNames(), Map.of(DecoderSession.LOGITS, logitsT), options);
                        }
                    } else {
                        result = decoder.session().run(inputs, options);
                    }
                    if (previous != null) {
                        previous.close();
                    }
                    previous = result;
                }
                FloatBuffer logits = pinLogits ? logitsBuffer : ((OnnxTensor) output(previous, DecoderSession.LOGITS)).getFloatBuffer();
                boolean allDone = true;
                ids = new long[b];
                positions = new long[b];
                for (int r = 0; r < b; r++) {
                    RowState row = rows[r];
                    if (!row.finished()) {
                        logits.get((r * seqLen + seqLen - 1) * vocab, rowLogits);
                        int token = samplers[r].sample(rowLogits);
                        row.accept(token);
                        ids[r] = token;
                    } else {
                        ids[r] = config.eosTokenId();
                    }
                    allDone &= row.finished();
                    nextPositions[r] = step == 0 ? promptLen - padding[r] : nextPositions[r] + 1;
                    positions[r] = nextPositions[r];
                }
                if (allDone) {
                    break;
                }
            }
        } finally {
            if (previous != null) {
                previous.close();
            }
            emptyPast.forEach(OnnxTensor::close);
        }
    }

    private OnnxValue output(OrtSession.Result result, String name) {
        return result.get(name).orElseThrow(() -> new EngineException(ErrorCode.INFERENCE_FAILED, "model produced no '" + name + "' output"));
    }

    private OnnxTensor longTensor(long[] values, int rows, int cols) throws OrtException {
        LongBuffer buffer = ByteBuffer.allocateDirect(values.length * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
        buffer.put(values).rewind();
        return OnnxTensor.createTensor(decoder.env(), buffer, new long[] {rows, cols});
    }

    private OnnxTensor emptyCache(int batch) throws OrtException {
        long[] shape = {batch, config.nHead(), 0, config.headSize()};
        ByteBuffer empty = ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder());
        return decoder.kvType() == OnnxJavaType.FLOAT16
                ? OnnxTensor.createTensor(decoder.env(), empty, shape, OnnxJavaType.FLOAT16)
                : OnnxTensor.createTensor(decoder.env(), empty.asFloatBuffer(), shape);
    }

    /** A direct float buffer reused across steps and batches; grows to the largest logits tensor seen. */
    private static final class PinnedBuffer {
        private FloatBuffer buffer = FloatBuffer.allocate(0);

        FloatBuffer buffer(int floats) {
            if (buffer.capacity() < floats) {
                buffer = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
            }
            return buffer.clear().limit(floats).slice();
        }
    }

    private static EngineException closed() {
        return new EngineException(ErrorCode.CLOSED, "engine closed while the batch was running");
    }

    @Override
    public void terminate() {
        synchronized (this) {
            terminated = true;
            if (current != null) {
                try {
                    current.setTerminate(true);
                } catch (OrtException ignored) {
                    // the flag alone stops the loop before its next step
                }
            }
        }
    }

    @Override
    public void close() {
        terminate();
        decoder.close();
    }
}
