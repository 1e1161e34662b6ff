/**
 * GPT-2 byte-level BPE as Hugging Face {@code tokenizers} runs it for GPT-J: {@link Gpt2Tokenizer} (the pre-tokenizer
 * regex, merges in {@code merges.txt} order, decoding, and the fixed prefix of a text that prefix caching keeps) over
 * {@code ByteLevel}, GPT-2's byte-to-character table. Special-token strings are never parsed. Reads
 * {@code vocab.json} with Jackson; uses only {@code EngineException} and {@code ErrorCode} of the engine's API.
 */
package dev.gptjt.engine.tokenizer;
