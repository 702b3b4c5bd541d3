using Nabla.Tests.Cli;

namespace Nabla.Tests.Scalar;

public class MicrogradCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-micrograd-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("--steps", "0", "--steps must be at least 1")]
    [InlineData("--steps", "-3", "--steps must be at least 1")]
    [InlineData("--points", "1", "--points must be at least 2")]
    [InlineData("--graph", "graph.png", "must end in .svg or .dot")]
    [InlineData("--plot", "boundary.svg", "must end in .png")]
    public void BadOptionValuesAreUsageErrors(string option, string value, string message)
    {
        var result = CliHarness.Run("micrograd", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void NonNumbersAreParseErrors()
    {
        var result = CliHarness.Run("micrograd", "--steps", "many");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("many", result.Stderr);
    }

    [Fact]
    public void HelpDocumentsEveryOptionWithItsDefault()
    {
        var result = CliHarness.Run("micrograd", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("[default: 100]", result.Stdout);
        Assert.Contains("[default: 1337]", result.Stdout);
        foreach (string option in new[] { "--steps", "--seed", "--points", "--graph", "--plot" })
            Assert.Contains(option, result.Stdout);
    }

    [Fact]
    public void TrainsWithProgressAndEndsWithTheAccuracy()
    {
        var result = CliHarness.Run("micrograd", "--steps", "4", "--points", "20", "--seed", "5");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("step 4/4", result.Stdout);
        Assert.Contains("loss ", result.Stdout);
        string last = result.Stdout.TrimEnd().Split('\n')[^1];
        Assert.Matches(@"^accuracy: \d+(\.\d+)?%$", last);
    }

    [Fact]
    public void GraphDotIsWrittenAndValid()
    {
        string path = Path.Combine(_folder, "graph.dot");
        var result = CliHarness.Run("micrograd", "--steps", "1", "--points", "10", "--graph", path);
        Assert.Equal(0, result.ExitCode);
        string dot = File.ReadAllText(path);
        Assert.StartsWith("digraph", dot);
        Assert.Contains("tanh", dot);
        Assert.Contains("x1", dot);
        if (Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, "dot"))))
            Assert.True(GraphDrawingTests.DotAccepts(path), "Graphviz rejected the DOT text");
    }

    [SkippableFact]
    public void GraphSvgIsRenderedByGraphviz()
    {
        GraphDrawingTests.RequireDot();
        string path = Path.Combine(_folder, "graph.svg");
        var result = CliHarness.Run("micrograd", "--steps", "1", "--points", "10", "--graph", path);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("<svg", File.ReadAllText(path));
    }

    [Fact]
    public void PlotWritesAPng()
    {
        string path = Path.Combine(_folder, "boundary.png");
        var result = CliHarness.Run("micrograd", "--steps", "3", "--points", "20", "--plot", path);
        Assert.Equal(0, result.ExitCode);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
    }

    [Fact]
    public void AnUnwritablePathIsARuntimeFailure()
    {
        string path = Path.Combine(_folder, "no-such-folder", "graph.dot");
        var result = CliHarness.Run("micrograd", "--steps", "1", "--graph", path);
        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.Contains("no-such-folder", result.Stderr);
    }
}
