using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Nabla.Scalar;

namespace Nabla.Tests.Scalar;

public class GraphDrawingTests
{
    private static Value Example(out Value a, out Value b)
    {
        a = new Value(2.0, "a");
        b = new Value(-3.0, "b");
        Value e = a * b; e.Label = "e";
        Value d = (e + 10.0).Tanh(); d.Label = "d";
        d.Backward();
        return d;
    }

    [Fact]
    public void DotHasAValueNodePerValueAndAnOperationNodePerOperation()
    {
        Value d = Example(out Value a, out _);
        string dot = GraphDrawing.ToDot(d);

        Assert.StartsWith("digraph", dot);
        Assert.Equal(dot.Count(c => c == '{'), dot.Count(c => c == '}'));
        // a, b, e, the constant 10, e + 10, d: six values; *, +, tanh: three operations.
        Assert.Equal(6, Regex.Matches(dot, @"shape=record").Count);
        Assert.Equal(3, Regex.Matches(dot, @"shape=ellipse").Count);
        Assert.Contains("label=\"*\"", dot);
        Assert.Contains("label=\"tanh\"", dot);
        // Edges: each operation to its value (3), each operand to its operation (2 + 2 + 1).
        Assert.Equal(8, Regex.Matches(dot, "->").Count);
        Assert.Contains($"a | data 2.0000 | grad {a.Grad.ToString("F4", CultureInfo.InvariantCulture)}", dot);
    }

    [Fact]
    public void LabelsAreEscaped()
    {
        var x = new Value(1, "x{|}\"");
        string dot = GraphDrawing.ToDot(x.Tanh());
        Assert.Contains("x\\{\\|\\}\\\"", dot);
    }

    [Fact]
    public void WriteRejectsOtherExtensions()
    {
        var error = Assert.Throws<ArgumentException>(() => GraphDrawing.Write(new Value(1), "graph.png"));
        Assert.Contains(".dot or .svg", error.Message);
    }

    [SkippableFact]
    public void DotProgramAcceptsTheTextAndRendersSvg()
    {
        RequireDot();
        string svg = GraphDrawing.ToSvg(Example(out _, out _));
        Assert.Contains("<svg", svg);
        Assert.Contains("tanh", svg);
    }

    /// <summary>Graphviz is installed by .ci/run: missing in CI is a failure, elsewhere a skip.</summary>
    internal static void RequireDot()
    {
        bool found = Environment.GetEnvironmentVariable("PATH")?.Split(':')
            .Any(dir => File.Exists(Path.Combine(dir, "dot"))) ?? false;
        if (found) return;
        const string reason = "Graphviz 'dot' is not installed (apt-get install graphviz)";
        if (Support.TestData.InCi) throw new InvalidOperationException(reason);
        Skip.If(true, reason);
    }

    /// <summary>Runs `dot -Tsvg` on a file; true when it exits 0.</summary>
    internal static bool DotAccepts(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("dot", ["-Tsvg", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
