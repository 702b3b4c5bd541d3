using Nabla.Cli;

namespace Nabla.Tests.Cli;

/// <summary>Runs the <c>nabla</c> command in-process and captures what it prints.</summary>
public static class CliHarness
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>The command failed with <paramref name="code"/> and one line on standard error that contains <paramref name="expected"/>.</summary>
    public static void AssertOneLineFailure(Result result, int code, string expected)
    {
        Assert.True(code == result.ExitCode, $"exit {result.ExitCode}: {result.Stderr}");
        Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.True(result.Stderr.Contains(expected, StringComparison.Ordinal), $"'{expected}' is not in: {result.Stderr}");
    }

    public static Result Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = NablaApp.Run(args, stdout, stderr);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }
}
