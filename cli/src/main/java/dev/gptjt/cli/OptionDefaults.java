package dev.gptjt.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import picocli.CommandLine;

/**
 * A command's own defaults for options it takes from a shared mixin ({@code "--topic=gptjt-completions"}):
 * the option is declared once, in the mixin, and each command that has another default says so here.
 * Help prints them as {@code ${DEFAULT-VALUE}}, as for a default in the declaration.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface OptionDefaults {
    /** {@code --name=value} entries. */
    String[] value();

    /** Reads {@link OptionDefaults} of the command an option belongs to (set on the root, for every command). */
    final class Provider implements CommandLine.IDefaultValueProvider {
        @Override
        public String defaultValue(CommandLine.Model.ArgSpec arg) {
            if (!(arg instanceof CommandLine.Model.OptionSpec option) || arg.command() == null) {
                return null;
            }
            Object command = arg.command().userObject();
            OptionDefaults defaults =
                    command == null ? null : command.getClass().getAnnotation(OptionDefaults.class);
            if (defaults == null) {
                return null;
            }
            String key = option.longestName() + "=";
            for (String entry : defaults.value()) {
                if (entry.startsWith(key)) {
                    return entry.substring(key.length());
                }
            }
            return null;
        }
    }
}
