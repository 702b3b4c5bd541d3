using Nabla.Kernels;
using static Nabla.Tests.Kernels.FusedKernelOracle;
using static TorchSharp.torch;

namespace Nabla.Tests.Kernels;

public class SoftmaxTests
{
    public static TheoryData<int, int> Shapes => new()
    {
        { 1, 1 }, { 3, 7 }, { 5, 13 }, { 17, 100 }, { 33, 129 }, { 768, 128 }, { 24, 515 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchLibtorch(int rows, int cols)
    {
        float[] x = Normal(rows * cols, seed: rows * 31 + cols, scale: 3f);
        float[] dy = Normal(rows * cols, seed: 7);
        float[] prior = Normal(rows * cols, seed: 8);

        var y = new float[x.Length];
        SoftmaxKernel.Forward(x, y, rows, cols);
        float[] dx = (float[])prior.Clone();
        SoftmaxKernel.Backward(y, dy, dx, rows, cols);

        using var scope = NewDisposeScope();
        var tx = TorchLeaf(x, rows, cols);
        var ty = softmax(tx, 1);
        ty.backward([Torch(dy, rows, cols)]);
        Close(Values(ty), y, 1e-7f, 2e-6f, "softmax");
        Close(Plus(prior, Values(tx.grad!)), dx, 1e-6f, 1e-5f, "softmax backward (added to prior)");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void LogForwardAndBackwardMatchLibtorch(int rows, int cols)
    {
        float[] x = Normal(rows * cols, seed: rows * 37 + cols, scale: 3f);
        float[] dy = Normal(rows * cols, seed: 9);
        float[] prior = Normal(rows * cols, seed: 10);

        var y = new float[x.Length];
        SoftmaxKernel.LogForward(x, y, rows, cols);
        float[] dx = (float[])prior.Clone();
        SoftmaxKernel.LogBackward(y, dy, dx, rows, cols);

        using var scope = NewDisposeScope();
        var tx = TorchLeaf(x, rows, cols);
        var ty = nn.functional.log_softmax(tx, 1);
        ty.backward([Torch(dy, rows, cols)]);
        Close(Values(ty), y, 2e-6f, 1e-6f, "log-softmax");
        Close(Plus(prior, Values(tx.grad!)), dx, 2e-5f, 1e-5f, "log-softmax backward (added to prior)");
    }

    [Fact]
    public void LargeLogitsStayFinite()
    {
        const int rows = 6, cols = 37;
        // Logits around 1e4 with spreads of hundreds: a naive exp overflows to infinity.
        float[] x = Normal(rows * cols, seed: 3, scale: 300f, offset: 1e4f);
        for (int c = 0; c < cols; c++) x[c] = 88.5f + c;   // row 0 straddles exp's overflow point
        var y = new float[x.Length];
        var logY = new float[x.Length];
        SoftmaxKernel.Forward(x, y, rows, cols);
        SoftmaxKernel.LogForward(x, logY, rows, cols);

        using var scope = NewDisposeScope();
        var tx = Torch(x, rows, cols);
        Close(Values(softmax(tx, 1)), y, 1e-7f, 2e-6f, "softmax of large logits");
        Close(Values(nn.functional.log_softmax(tx, 1)), logY, 1e-4f, 1e-6f, "log-softmax of large logits");
        Assert.All(y, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void EveryLaneWidthGivesTheSameRow()
    {
        // This machine may lack AVX-512; the 512-bit path is still checked here (emulated when not native).
        const int cols = 45;   // 2 registers of 16, 5 of 8, and a tail
        float[] x = Normal(cols, seed: 11, scale: 4f);
        float[] dy = Normal(cols, seed: 12);
        using var scope = NewDisposeScope();
        var tx = TorchLeaf(x, 1, cols);
        var ty = softmax(tx, 1);
        ty.backward([Torch(dy, 1, cols)]);
        float[] expected = Values(ty), expectedGrad = Values(tx.grad!);
        foreach (var (name, forward, backward) in Widths())
        {
            var y = new float[cols];
            var dx = new float[cols];
            forward(x, y);
            backward(y, dy, dx);
            Close(expected, y, 1e-7f, 2e-6f, $"softmax with {name}");
            Close(expectedGrad, dx, 1e-6f, 1e-5f, $"softmax backward with {name}");
        }
    }

    private static IEnumerable<(string, Action<float[], float[]>, Action<float[], float[], float[]>)> Widths()
    {
        yield return ("Lanes512", (x, y) => SoftmaxKernel.ForwardRow<Lanes512>(in x[0], ref y[0], x.Length, false),
            (y, dy, dx) => SoftmaxKernel.BackwardRow<Lanes512>(in y[0], in dy[0], ref dx[0], y.Length));
        yield return ("Lanes256", (x, y) => SoftmaxKernel.ForwardRow<Lanes256>(in x[0], ref y[0], x.Length, false),
            (y, dy, dx) => SoftmaxKernel.BackwardRow<Lanes256>(in y[0], in dy[0], ref dx[0], y.Length));
        yield return ("Lanes128", (x, y) => SoftmaxKernel.ForwardRow<Lanes128>(in x[0], ref y[0], x.Length, false),
            (y, dy, dx) => SoftmaxKernel.BackwardRow<Lanes128>(in y[0], in dy[0], ref dx[0], y.Length));
        yield return ("Lanes1", (x, y) => SoftmaxKernel.ForwardRow<Lanes1>(in x[0], ref y[0], x.Length, false),
            (y, dy, dx) => SoftmaxKernel.BackwardRow<Lanes1>(in y[0], in dy[0], ref dx[0], y.Length));
    }

    [Fact]
    public void NaNInARowPoisonsThatRowOnly()
    {
        const int rows = 3, cols = 20;
        float[] x = Normal(rows * cols, seed: 13);
        x[cols + 5] = float.NaN;
        var y = new float[x.Length];
        SoftmaxKernel.Forward(x, y, rows, cols);
        Assert.All(y.AsSpan(cols, cols).ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.All(y.AsSpan(0, cols).ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.All(y.AsSpan(2 * cols, cols).ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ShortSpansAreRejectedWithTheirNames()
    {
        var ex = Assert.Throws<ArgumentException>(() => SoftmaxKernel.Forward(new float[10], new float[12], 3, 4));
        Assert.Contains("SoftmaxKernel.Forward", ex.Message);
        Assert.Contains("x has 10 elements, needs at least 12", ex.Message);
    }
}
