using System.Diagnostics;

namespace Nabla.Tests.Support;

/// <summary>Runs a lesson (a .NET 10 file-based app under lessons/) the way a reader does:
/// <c>dotnet run lessons/NN-name.cs</c> from the repository root.</summary>
public static class Lessons
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string lessonPath, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet", ["run", lessonPath])
        {
            WorkingDirectory = RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{lessonPath} did not finish within {timeout.TotalMinutes} minutes");
        }
        return new Result(process.ExitCode, await output, await errors);
    }

    /// <summary>Runs the lesson, asserts that it exited with 0 (showing its output if not) and returns its
    /// standard output for the caller's own checks.</summary>
    public static async Task<string> RunToSuccessAsync(string lessonPath)
    {
        var result = await RunAsync(lessonPath, TimeSpan.FromMinutes(8));
        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        return result.Stdout;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Nabla.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"Nabla.slnx not found above {AppContext.BaseDirectory}");
    }
}
