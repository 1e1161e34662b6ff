/**
 * ONNX graph surgery, bytes in and bytes out. {@link GreedySearchConverter} writes {@code greedy_search.onnx} (ONNX
 * Runtime's GreedySearch operator over the decoder), {@link ClassifyGraphConverter} writes {@code classify.onnx}
 * (label scoring in one run), {@link Int4Quantizer} turns constant MatMul weights into 4-bit {@code MatMulNBits},
 * and {@link LogitsSelection} has the lm_head run only at the positions asked for; {@link GraphBuilder} makes the
 * protobufs they and the tools' {@code GptjExportWriter} write, {@code OnnxProtos} holds their look-ups and {@link Fp16} the
 * half-precision conversions. {@link DecoderGraph}, {@link GreedySearchGraph} and {@link ClassifyGraph} are the contracts
 * between the converters and the runtime: input and output names, metadata keys and format markers. It works on the
 * {@code ai.onnx.proto} protobufs and may use the engine's API, {@code engine.model} and {@code engine.tokenizer};
 * it must not use {@code engine.internal} or ONNX Runtime: the runtime imports these contracts, never the reverse.
 */
package dev.gptjt.engine.graph;
