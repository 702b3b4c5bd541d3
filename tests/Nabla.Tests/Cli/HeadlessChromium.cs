using System.Diagnostics;
using Nabla.Tests.Support;

namespace Nabla.Tests.Cli;

/// <summary>
/// Debian's chromium, run headless the way a test can trust: no sandbox (tests run as root), no GPU, and
/// nothing that reaches the network on its own (updates, sync, QUIC), with a profile folder of its own.
/// </summary>
public static class HeadlessChromium
{
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(60);

    /// <summary>The chromium on PATH; when there is none, the test fails in CI and is skipped elsewhere.</summary>
    public static string Require()
    {
        string? found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .SelectMany(dir => new[] { "chromium", "chromium-browser" }.Select(name => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);
        if (found is null) TestData.Missing("chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)");
        return found!;
    }

    /// <summary>Runs chromium on <paramref name="page"/> with <paramref name="args"/>; returns its standard output.</summary>
    public static string Run(string chromium, string page, params string[] args)
    {
        string profile = Directory.CreateTempSubdirectory("nabla-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}" })
                start.ArgumentList.Add(arg);
            foreach (string arg in args) start.ArgumentList.Add(arg);
            start.ArgumentList.Add(new Uri(page).AbsoluteUri);

            using var process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeLimit))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish {string.Join(' ', args)} within {TimeLimit.TotalSeconds} s");
            }
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {stderr.Result}");
            return stdout.Result;
        }
        finally { Directory.Delete(profile, recursive: true); }
    }
}
