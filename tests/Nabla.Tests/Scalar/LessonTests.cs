using System.Diagnostics;

namespace Nabla.Tests.Scalar;

public class LessonTests
{
    /// <summary>The lesson is a .NET 10 file-based app; it checks its own by-hand gradients against
    /// Backward() and exits non-zero on a mismatch.</summary>
    [Fact]
    public async Task MicrogradLessonRunsAndExitsZero()
    {
        string root = RepositoryRoot();
        var start = new ProcessStartInfo("dotnet", ["run", "lessons/01-micrograd.cs"])
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
        Assert.Contains("every gradient by hand matched Backward()", stdout);
        Assert.Contains("final training accuracy: 100%", stdout);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Nabla.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"Nabla.slnx not found above {AppContext.BaseDirectory}");
    }
}
