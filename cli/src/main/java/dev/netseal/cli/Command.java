package dev.netseal.cli;

import java.io.PrintStream;
import java.util.List;

/** One subcommand of {@code netseal}. */
interface Command {
    /**
     * Runs with the arguments that follow the command's name, printing results to {@code out}
     * and diagnostics to {@code err}.
     *
     * @return the exit status: {@link NetsealCli#OK} or {@link NetsealCli#FAILED}
     * @throws UsageException when the arguments are wrong (exit status {@link NetsealCli#USAGE})
     */
    int run(List<String> args, PrintStream out, PrintStream err) throws UsageException;
}
