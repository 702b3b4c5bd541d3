using System.CommandLine;
using System.Diagnostics;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla bench [NAME] [--detail] [--markdown FILE]</c>: runs the benchmark suites of
/// <c>benchmarks/Nabla.Benchmarks</c> in Release, which measure Nabla beside its peers (libtorch, the reference
/// tokenizers, Python micrograd) in one process, and prints one table: workload, Nabla, the peer, the ratio and
/// the goal. No name runs the quick head-to-head suites; a name runs that suite. The peers are
/// native libraries the Nabla library never references, so the suites live in their own project and this
/// job builds and runs it from the repository checkout.
/// </summary>
internal static class BenchCommand
{
    private const string ProjectPath = "benchmarks/Nabla.Benchmarks/Nabla.Benchmarks.csproj";

    public static Command Create()
    {
        var name = new Argument<string?>("NAME")
        {
            Description = "The suite to run (gemm, ops, tokenizer, micrograd, train, attention, alloc, bpe-train, ...; --list lists them); " +
                "none runs gemm, ops, tokenizer, micrograd, train and attention",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var rest = new Argument<string[]>("ARGS")
        {
            Description = "Further arguments passed to the suites (e.g. --seconds S, --rounds R, --only TEXT)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var repo = new Option<DirectoryInfo?>("--repo")
        {
            Description = "The Nabla repository checkout holding benchmarks/ (default: found from the current directory upwards)",
        };
        var detail = new Option<bool>("--detail") { Description = "Also print each suite's own detailed table" };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Write the table as markdown to FILE (for docs/benchmarks.md)" };
        var list = new Option<bool>("--list") { Description = "List the suites" };
        var command = new Command("bench", "Benchmark Nabla beside libtorch and the reference tokenizers, in one run, as ratios");
        command.Arguments.Add(name);
        command.Arguments.Add(rest);
        command.Options.Add(repo);
        command.Options.Add(detail);
        command.Options.Add(markdown);
        command.Options.Add(list);
        command.SetAction(parse =>
        {
            string root = FindRepository(parse.GetValue(repo));
            var arguments = new List<string> { "run", "-c", "Release", "--project", Path.Combine(root, ProjectPath), "--" };
            if (parse.GetValue(name) is { } suite) arguments.Add(suite);
            arguments.AddRange(parse.GetValue(rest) ?? []);
            if (parse.GetValue(detail)) arguments.Add("--detail");
            if (parse.GetValue(list)) arguments.Add("--list");
            if (parse.GetValue(markdown) is { } file) arguments.AddRange(["--markdown", file.FullName]);
            return RunDotnet(arguments, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return command;
    }

    private static string FindRepository(DirectoryInfo? explicitRoot)
    {
        if (explicitRoot is not null)
        {
            if (File.Exists(Path.Combine(explicitRoot.FullName, ProjectPath))) return explicitRoot.FullName;
            throw new DirectoryNotFoundException($"'{explicitRoot.FullName}' holds no {ProjectPath}.");
        }
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, ProjectPath))) return dir.FullName;
        }
        throw new DirectoryNotFoundException(
            $"'nabla bench' runs the suites in {ProjectPath} and needs a checkout of the Nabla repository: " +
            "run it inside the checkout or pass --repo DIR.");
    }

    private static int RunDotnet(IEnumerable<string> arguments, TextWriter output, TextWriter error)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException("Could not start 'dotnet' to run the benchmarks.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) error.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        return process.ExitCode;
    }
}
