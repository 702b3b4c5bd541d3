using System.Diagnostics;

namespace Nabla.Tests.Cli;

/// <summary>The benchmark program, run as a user runs it, without its dataset and without a network.</summary>
public sealed class BenchmarkProgramTests : IDisposable
{
    private readonly string empty = Path.Combine(Path.GetTempPath(), "nabla-bench-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(empty)) Directory.Delete(empty, recursive: true);
    }

    [Fact]
    public async Task AMissingDatasetOfflineIsOneLineAndExitCodeOne()
    {
        Directory.CreateDirectory(empty);
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;   // Debug or Release
        string program = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..",
            "benchmarks", "Nabla.Benchmarks", "bin", configuration, "net10.0", "Nabla.Benchmarks.dll"));
        Assert.True(File.Exists(program), $"the benchmark program is not built at {program}");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(program);
        start.ArgumentList.Add("bpe-train");
        start.Environment["NABLA_DATA_DIR"] = empty;
        start.Environment["NABLA_CACHE_DIR"] = empty;
        // Offline: every connection goes to a proxy port where nothing listens, and is refused at once.
        start.Environment["HTTPS_PROXY"] = "http://127.0.0.1:9";
        start.Environment["HTTP_PROXY"] = "http://127.0.0.1:9";
        using var process = Process.Start(start)!;
        Task<string> stdoutTask = process.StandardOutput.ReadToEndAsync(), stderrTask = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        string stdout = await stdoutTask, stderr = await stderrTask;

        Assert.Equal(1, process.ExitCode);
        string[] lines = stderr.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("bpe-train: Dataset 'tinyshakespeare.txt' is not on this machine", lines[0]);
        Assert.DoesNotContain("Unhandled exception", stdout + stderr);
    }
}
