package dev.gptjt.cli.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code gptjt tokenize}: GPT-2 BPE token ids of texts. */
@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        description = {
            "Token ids of texts, with the model's GPT-2 byte-level BPE (special-token strings are ordinary text).",
            "Reads {\"text\"} lines and writes {\"ids\": [...]} lines."
        })
public final class TokenizeCommand extends IoCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ModelOption model;

    @Override
    public Integer call() throws IOException {
        BufferedReader in = lines();
        PrintWriter out = spec.commandLine().getOut();
        ModelDirectory dir = ModelDirectory.open(model.required());
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(dir.vocabFile(), dir.mergesFile());
        int lineNo = 0;
        for (String line; (line = in.readLine()) != null; ) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                GenerateCommand.writeLine(
                        out,
                        GenerateCommand.error(
                                null, "BAD_JSON", "line " + lineNo + " is not JSON: " + e.getOriginalMessage()));
                continue;
            }
            JsonNode text = node == null ? null : node.get("text");
            if (text == null || !text.isTextual()) {
                GenerateCommand.writeLine(
                        out, GenerateCommand.error(null, "MISSING_TEXT", "line " + lineNo + " has no string \"text\""));
                continue;
            }
            ObjectNode o = JSON.createObjectNode();
            var ids = o.putArray("ids");
            for (int id : tokenizer.encode(text.asText())) {
                ids.add(id);
            }
            GenerateCommand.writeLine(out, o.toString());
        }
        return 0;
    }
}
