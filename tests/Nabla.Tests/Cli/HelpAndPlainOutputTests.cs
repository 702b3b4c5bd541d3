using System.CommandLine;
using Nabla.Cli;
using Nabla.Data;

namespace Nabla.Tests.Cli;

public class HelpAndPlainOutputTests
{
    /// <summary>Every command path under the root: "info", "tokenizer", "tokenizer train", ...</summary>
    public static TheoryData<string> Commands()
    {
        var paths = new TheoryData<string>();
        void Walk(Command command, string prefix)
        {
            foreach (Command sub in command.Subcommands.Where(c => !c.Hidden))
            {
                string path = prefix.Length == 0 ? sub.Name : $"{prefix} {sub.Name}";
                paths.Add(path);
                Walk(sub, path);
            }
        }
        Walk(NablaApp.BuildRoot(), "");
        return paths;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void HelpExitsZeroAndNamesEveryOptionAndSubcommand(string path)
    {
        Command command = path.Split(' ').Aggregate((Command)NablaApp.BuildRoot(), (parent, name) => parent.Subcommands.Single(c => c.Name == name));
        var result = CliHarness.Run([.. path.Split(' '), "--help"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        Assert.Contains(command.Description!, result.Stdout);
        foreach (Option option in command.Options.Where(o => !o.Hidden))
            Assert.Contains(option.Name, result.Stdout);
        foreach (Option option in NablaApp.BuildRoot().Options.Where(o => o.Recursive && !o.Hidden))
            Assert.Contains(option.Name, result.Stdout);
        foreach (Argument argument in command.Arguments.Where(a => !a.Hidden))
            Assert.Contains(argument.Name, result.Stdout);
        foreach (Command sub in command.Subcommands.Where(c => !c.Hidden))
            Assert.Contains(sub.Name, result.Stdout);
    }

    /// <summary>Shell completion (docs/getting-started.md) asks the command itself: `nabla [suggest:N] LINE`
    /// prints what may follow at position N of LINE, one per line.</summary>
    [Theory]
    [InlineData("mi", "micrograd")]
    [InlineData("plot --l", "--log-y")]
    [InlineData("micrograd --st", "--steps")]
    [InlineData("tokenizer en", "encode")]
    public void TheSuggestDirectiveCompletesJobsAndOptions(string line, string expected)
    {
        var result = CliHarness.Run($"[suggest:{line.Length}]", line);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal([expected], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public void ThePlotAndReportJobsAreListed()
    {
        var result = CliHarness.Run("--help");
        Assert.Contains("plot", result.Stdout);
        Assert.Contains("report", result.Stdout);
    }

    [Fact]
    public void InfoTellsVersionCpuThreadsAndWhereEachKnownDatasetIs()
    {
        var result = CliHarness.Run("info");
        Assert.Equal(0, result.ExitCode);
        string[] lines = result.Stdout.Split('\n');
        Assert.Equal($"Nabla {MachineInfo.NablaVersion}", lines[0]);
        Assert.Contains($"threads:  {MachineInfo.Threads}", lines);
        Assert.Contains(lines, l => l.StartsWith("kernels:  AVX", StringComparison.Ordinal) || l.StartsWith("kernels:  scalar", StringComparison.Ordinal));
        if (File.Exists("/proc/cpuinfo")) Assert.Contains($"cpu:      {MachineInfo.CpuModel}", lines);
        Assert.Contains($"cache:    {Datasets.CacheDirectory}", lines);
        foreach (string name in Datasets.Known.Keys)
        {
            string line = Assert.Single(lines, l => l.StartsWith($"  {name} ", StringComparison.Ordinal));
            string? local = Datasets.TryFindLocal(name);
            Assert.EndsWith(local ?? "not on disk (downloaded on first use)", line);
        }
    }

    [Fact]
    public void MachineInfoReadsTheCpuModelWhereLinuxHasOne()
    {
        if (!File.Exists("/proc/cpuinfo")) return; // nothing to compare against
        string? named = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        if (named is not null) Assert.Equal(named[(named.IndexOf(':') + 1)..].Trim(), MachineInfo.CpuModel);
    }

    [Fact]
    public void OutputToAPipeHasNoControlCodes()
    {
        using var run = new RunFixture();
        foreach (string[] args in new[] { new[] { "micrograd", "--steps", "3" }, ["plot", run.Path], ["report", run.Path], ["info"] })
        {
            var result = ChildProcess.Run(null, args);
            Assert.True(result.ExitCode == 0, $"nabla {string.Join(' ', args)}: exit {result.ExitCode}\n{result.Stderr}");
            Assert.NotEqual("", result.Stdout);
            Assert.DoesNotContain('\u001b', result.Stdout);
            Assert.DoesNotContain('\u001b', result.Stderr);
            Assert.DoesNotContain('\r', result.Stdout); // no carriage-return redraws of a progress line
        }
    }
}
