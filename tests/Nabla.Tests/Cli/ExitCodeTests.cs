namespace Nabla.Tests.Cli;

public class ExitCodeTests
{
    [Fact]
    public void HelpListsEveryJobAndExitsZero()
    {
        var result = CliHarness.Run("--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("info", result.Stdout);
    }

    [Fact]
    public void UnknownOptionIsOneLineAndExitCodeTwo()
    {
        var result = CliHarness.Run("info", "--no-such-option");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--no-such-option", result.Stderr);
        Assert.Single(result.Stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void UnknownJobIsExitCodeTwo()
    {
        var result = CliHarness.Run("no-such-job");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no-such-job", result.Stderr);
    }

    [Fact]
    public void InfoReportsCoresAndSimd()
    {
        var result = CliHarness.Run("info");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"cores:    {Environment.ProcessorCount}", result.Stdout);
        Assert.Contains("Vector256", result.Stdout);
    }

    [Fact]
    public void BenchOutsideACheckoutIsARuntimeFailureOnOneLine()
    {
        string empty = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var result = CliHarness.Run("bench", "gemm", "--repo", empty);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains(empty, result.Stderr);
            Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        }
        finally { Directory.Delete(empty); }
    }
}
