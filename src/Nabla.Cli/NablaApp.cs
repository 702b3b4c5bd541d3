using System.CommandLine;

namespace Nabla.Cli;

/// <summary>
/// The <c>nabla</c> command: one root, one sub-command per job. Exit codes: 0 success, 1 a runtime
/// failure (missing file, unreadable data), 2 a usage error (unknown option, bad value). Failures are
/// one line on stderr; <c>--verbose</c> adds the stack trace.
/// </summary>
public static class NablaApp
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;

    /// <summary>Shown by every job's help; recursive, so it may stand anywhere on the line.</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print stack traces on failure",
        Recursive = true,
    };

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Nabla (∇): deep learning from scratch in C#. Run 'nabla JOB --help' for a job's options.");
        root.Options.Add(Verbose);
        // One line per job; each job lives in its own file under Commands/.
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(MicrogradCommand.Create());
        root.Subcommands.Add(TokenizerCommand.Create());
        root.Subcommands.Add(MakemoreCommand.Create());
        root.Subcommands.Add(GptCommand.Create());
        root.Subcommands.Add(PlotCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        // Bare `nabla` lists the jobs rather than complaining that none was given.
        root.SetAction(parse => new System.CommandLine.Help.HelpAction().Invoke(parse));
        return root;
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        RootCommand root = BuildRoot();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            string job = parsed.CommandResult.Command is RootCommand ? "nabla" : $"nabla {CommandPath(parsed)}";
            // The most specific error first: an unknown token says more than what it left missing.
            var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal))
                        ?? parsed.Errors[0];
            stderr.WriteLine($"nabla: {error.Message.TrimEnd('.')} (see '{job} --help')");
            return ExitUsage;
        }

        bool verbose = parsed.GetValue(Verbose);
        try
        {
            var configuration = new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
            };
            return parsed.Invoke(configuration);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"nabla: {e.Message}");
            return ExitUsage;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Exception shown = e is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerExceptions[0] : e;
            stderr.WriteLine(verbose ? $"nabla: {shown}" : $"nabla: {OneLine(shown.Message)}");
            return ExitFailure;
        }
    }

    private static string CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null && result.Command is not RootCommand;
             result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, result.Command.Name);
        return string.Join(' ', names);
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}

/// <summary>A bad combination of options found after parsing (exit code 2, like a parse error).</summary>
public sealed class UsageException(string message) : Exception(message);
