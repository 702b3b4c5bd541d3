using System.Diagnostics;

namespace Nabla.Tests.Cli;

/// <summary>
/// Runs the <c>nabla</c> command as a child process, the way a person runs it: with bytes on standard input,
/// under a hard memory cap (<c>DOTNET_GCHeapHardLimit</c>: an unbounded allocation fails there instead of
/// swallowing the test machine) and a time limit (a hang is killed and reported, not waited for).
/// </summary>
public static class ChildProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, bool TimedOut)
    {
        /// <summary>Standard error's lines, without the empty last one.</summary>
        public string[] ErrorLines => Stderr.TrimEnd('\n', '\r').Split('\n', StringSplitOptions.None);
    }

    /// <summary>Memory cap of the child's managed heap.</summary>
    public const long HeapLimitBytes = 768L << 20;

    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(60);

    public static Result Run(byte[]? stdin, params string[] args) => Run(stdin, 1, args);

    /// <summary>Feeds <paramref name="block"/> again and again (up to 1 GiB) until the child stops reading.</summary>
    public static Result RunWithEndlessInput(byte[] block, params string[] args) => Run(block, (int)((1L << 30) / block.Length), args);

    /// <summary>Runs in <paramref name="workingDirectory"/> with <paramref name="environment"/> added to the inherited variables.</summary>
    public static Result RunIn(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Run(null, 1, args, workingDirectory, environment);

    private static Result Run(byte[]? stdin, int repeats, string[] args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Nabla.Cli.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(cli);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_GCHeapHardLimit"] = "0x" + HeapLimitBytes.ToString("X");
        start.Environment["DOTNET_TieredPGO"] = "0";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;

        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            for (int i = 0; stdin is not null && i < repeats && !process.HasExited; i++) process.StandardInput.BaseStream.Write(stdin);
            process.StandardInput.Close();
        }
        catch (IOException) { } // the child may stop reading early (a refused input): that is its answer
        bool exited = process.WaitForExit(TimeLimit);
        if (!exited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return new Result(exited ? process.ExitCode : -1, stdout.Result, stderr.Result, !exited);
    }
}
