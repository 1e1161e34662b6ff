/**
 * Decoding under an output's shape: {@link dev.gptjt.engine.constraint.TokenMask} turns a
 * {@link dev.gptjt.engine.ByteAutomaton} state into the tokens allowed next, over GPT-2's byte-level vocabulary.
 * The engine's Java loop applies it to constrained rows; tasks build the automata (an extract task's span list).
 */
package dev.gptjt.engine.constraint;
