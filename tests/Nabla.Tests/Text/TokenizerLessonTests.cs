using System.Diagnostics;

namespace Nabla.Tests.Text;

public class TokenizerLessonTests
{
    /// <summary>The lesson is a .NET 10 file-based app; it checks its own claims (hand BPE = trainer, rebuilt
    /// cl100k = cl100k, ...) and exits non-zero on a mismatch.</summary>
    [Fact]
    public async Task TokenizerLessonRunsAndExitsZero()
    {
        string root = RepositoryRoot();
        var start = new ProcessStartInfo("dotnet", ["run", "lessons/08-tokenizer.cs"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the lesson did not finish within 8 minutes");
        }
        string stdout = await output;
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{stdout}\n{await errors}");
        Assert.Contains("every check passed", stdout);
        Assert.Contains("merge (256, 257) (seen 2x) -> 258:  [258, 100, 258, 97, 99]", stdout);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Nabla.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"Nabla.slnx not found above {AppContext.BaseDirectory}");
    }
}
