using Nabla.Scalar;

namespace Nabla.Tests.Scalar;

public class BackwardTests
{
    /// <summary>micrograd's README example, to 4 decimals.</summary>
    [Fact]
    public void MicrogradReadmeExample()
    {
        var a = new Value(-4.0);
        var b = new Value(2.0);
        Value c = a + b;
        Value d = a * b + b.Pow(3);
        c += c + 1;
        c += 1 + c + (-a);
        d += d * 2 + (b + a).Relu();
        d += 3 * d + (b - a).Relu();
        Value e = c - d;
        Value f = e.Pow(2);
        Value g = f / 2.0;
        g += 10.0 / f;
        g.Backward();

        Assert.Equal("24.7041", g.Data.ToString("F4", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("138.8338", a.Grad.ToString("F4", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("645.5773", b.Grad.ToString("F4", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void AMillionOperationChainBackpropagatesOnASmallStack()
    {
        const int length = 1_000_000;
        double grad = double.NaN, data = double.NaN;
        // A 256 KiB stack: a recursive topological sort would overflow it within a few thousand nodes.
        var thread = new Thread(() =>
        {
            var x = new Value(1.0);
            Value y = x;
            for (int i = 0; i < length; i++) y = y + x; // y = (length + 1)·x, x used length + 1 times
            y.Backward();
            grad = x.Grad;
            data = y.Data;
        }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.Equal(length + 1.0, data);
        Assert.Equal(length + 1.0, grad);
    }

    [Fact]
    public void RepeatedBackwardAddsOneGradientToLeavesAndRecomputesIntermediates()
    {
        var a = new Value(3.0);
        var b = new Value(-2.0);
        Value ab = a * b;
        Value y = ab + a; // dy/da = b + 1 = -1, dy/db = a = 3, dy/d(ab) = 1

        y.Backward();
        Assert.Equal(-1.0, a.Grad);
        Assert.Equal(3.0, b.Grad);
        Assert.Equal(1.0, ab.Grad);

        y.Backward(); // leaves accumulate exactly one more gradient; the intermediate is recomputed
        Assert.Equal(-2.0, a.Grad);
        Assert.Equal(6.0, b.Grad);
        Assert.Equal(1.0, ab.Grad);
        Assert.Equal(1.0, y.Grad);

        y.ZeroGrad(); // everything in the graph, leaves included
        Assert.All(y.Graph(), v => Assert.Equal(0.0, v.Grad));
        y.Backward();
        Assert.Equal(-1.0, a.Grad);
        Assert.Equal(3.0, b.Grad);
    }

    [Fact]
    public void BackwardOnASharedSubgraphCountsEachPathOnce()
    {
        // A diamond: both branches read s, so ds gets both contributions, and s's parents are visited once.
        var x = new Value(0.5);
        Value s = x * x;
        Value y = s.Tanh() + s.Exp();
        y.Backward();
        double t = Math.Tanh(0.25);
        double expected = ((1 - t * t) + Math.Exp(0.25)) * 2 * 0.5;
        Assert.Equal(expected, x.Grad, 12);
        Assert.Equal(5, y.Graph().Count); // x, s, tanh(s), exp(s), y: s appears once
    }

    [Fact]
    public void GraphListsOperandsBeforeResults()
    {
        var a = new Value(1, "a");
        var b = new Value(2, "b");
        Value c = a * b + a;
        List<Value> graph = c.Graph();
        Assert.Equal(4, graph.Count);
        Assert.Same(c, graph[^1]);
        for (int i = 0; i < graph.Count; i++)
            foreach (Value operand in graph[i].Operands)
                Assert.True(graph.IndexOf(operand) < i, $"{operand} should come before {graph[i]}");
    }
}
