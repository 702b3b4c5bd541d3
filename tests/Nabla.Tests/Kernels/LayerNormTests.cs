using Nabla.Kernels;
using static Nabla.Tests.Kernels.FusedKernelOracle;
using static TorchSharp.torch;

namespace Nabla.Tests.Kernels;

public class LayerNormTests
{
    [Theory]
    [InlineData(1, 1, 0f)]
    [InlineData(3, 7, 0f)]
    [InlineData(11, 100, 0f)]
    [InlineData(5, 129, 50f)]
    [InlineData(768, 128, 0f)]
    [InlineData(64, 515, 0f)]
    [InlineData(9, 64, 1000f)]   // |mean| ≫ std: a one-pass E[x²] − mean² variance would cancel
    public void ForwardAndBackwardMatchLibtorch(int rows, int cols, float offset)
    {
        const float eps = 1e-5f;
        float[] x = Normal(rows * cols, seed: rows * 3 + cols, scale: 2f, offset: offset);
        float[] weight = Normal(cols, seed: 1, scale: 0.5f, offset: 1f);
        float[] bias = Normal(cols, seed: 2, scale: 0.3f);
        float[] dy = Normal(rows * cols, seed: 3);
        float[] priorX = Normal(rows * cols, seed: 4), priorW = Normal(cols, seed: 5), priorB = Normal(cols, seed: 6);

        var y = new float[x.Length];
        var mean = new float[rows];
        var rstd = new float[rows];
        LayerNormKernel.Forward(x, weight, bias, y, mean, rstd, rows, cols, eps);
        float[] dx = (float[])priorX.Clone(), dw = (float[])priorW.Clone(), db = (float[])priorB.Clone();
        LayerNormKernel.Backward(dy, x, weight, mean, rstd, dx, dw, db, rows, cols);

        using var scope = NewDisposeScope();
        var tx = TorchLeaf(x, rows, cols);
        var tw = TorchLeaf(weight, cols);
        var tb = TorchLeaf(bias, cols);
        var ty = nn.functional.layer_norm(tx, [cols], tw, tb, eps);
        ty.backward([Torch(dy, rows, cols)]);
        var stats = Torch(x, rows, cols).to_type(ScalarType.Float64);
        float[] expectedMean = Values(stats.mean([1]).to_type(ScalarType.Float32));
        float[] expectedRstd = Values((stats.var(1, unbiased: false) + eps).rsqrt().to_type(ScalarType.Float32));

        // y against libtorch in double: with |mean| ≫ std the float reference itself is off by ~1e-4.
        var y64 = nn.functional.layer_norm(stats, [cols], tw.detach().to_type(ScalarType.Float64),
            tb.detach().to_type(ScalarType.Float64), eps).to_type(ScalarType.Float32);
        Close(Values(y64), y, 2e-5f, 2e-5f, "y");
        Close(Values(ty), y, 2e-4f, 2e-5f, "y against libtorch in float");
        Close(expectedMean, mean, 1e-5f, 1e-6f, "mean");
        Close(expectedRstd, rstd, 0f, 2e-5f, "rstd");
        Close(Plus(priorX, Values(tx.grad!)), dx, 5e-5f, 1e-4f, "dx (added to prior)");
        Close(Plus(priorW, Values(tw.grad!)), dw, 2e-4f, 1e-4f, "dweight (added to prior)");
        Close(Plus(priorB, Values(tb.grad!)), db, 2e-4f, 1e-4f, "dbias (added to prior)");
    }

    [Fact]
    public void GradientsDoNotDependOnTheThreadSplit()
    {
        // The parallel backward must equal its chunks run one after another on this thread, then reduced
        // in chunk order: the partition is fixed, only the assignment of chunks to threads varies.
        const int rows = 700, cols = 100;   // 22 chunks, the last one short
        float[] x = Normal(rows * cols, seed: 7);
        float[] weight = Normal(cols, seed: 8, offset: 1f), bias = Normal(cols, seed: 9);
        float[] dy = Normal(rows * cols, seed: 10);
        var y = new float[x.Length];
        var mean = new float[rows];
        var rstd = new float[rows];
        LayerNormKernel.Forward(x, weight, bias, y, mean, rstd, rows, cols, 1e-5f);
        var dx = new float[x.Length];
        var dw = new float[cols];
        var db = new float[cols];
        LayerNormKernel.Backward(dy, x, weight, mean, rstd, dx, dw, db, rows, cols);

        int chunks = (rows + LayerNormKernel.ChunkRows - 1) / LayerNormKernel.ChunkRows;
        var dxSerial = new float[x.Length];
        var partials = new float[chunks * 2 * cols];
        unsafe
        {
            fixed (float* pdy = dy, px = x, pw = weight, pm = mean, ps = rstd, pdx = dxSerial, pp = partials)
                for (int c = 0; c < chunks; c++)
                {
                    if (RowMath.Use512) LayerNormKernel.BackwardChunk<Lanes512>(pdy, px, pw, pm, ps, pdx, pp, rows, cols, c);
                    else if (RowMath.Use256) LayerNormKernel.BackwardChunk<Lanes256>(pdy, px, pw, pm, ps, pdx, pp, rows, cols, c);
                    else if (RowMath.Use128) LayerNormKernel.BackwardChunk<Lanes128>(pdy, px, pw, pm, ps, pdx, pp, rows, cols, c);
                    else LayerNormKernel.BackwardChunk<Lanes1>(pdy, px, pw, pm, ps, pdx, pp, rows, cols, c);
                }
        }
        var dwSerial = new float[cols];
        var dbSerial = new float[cols];
        for (int c = 0; c < chunks; c++)
            for (int i = 0; i < cols; i++)
            {
                dwSerial[i] += partials[2 * c * cols + i];
                dbSerial[i] += partials[(2 * c + 1) * cols + i];
            }
        Assert.Equal(dxSerial, dx);
        Assert.Equal(dwSerial, dw);
        Assert.Equal(dbSerial, db);
    }

    [Fact]
    public void EveryLaneWidthGivesTheSameRow()
    {
        const int cols = 45;
        float[] x = Normal(cols, seed: 11, scale: 3f, offset: 2f);
        float[] weight = Normal(cols, seed: 12, offset: 1f), bias = Normal(cols, seed: 13);
        float[] dy = Normal(cols, seed: 14);
        using var scope = NewDisposeScope();
        var tx = TorchLeaf(x, 1, cols);
        var ty = nn.functional.layer_norm(tx, [cols], Torch(weight, cols), Torch(bias, cols), 1e-5);
        ty.backward([Torch(dy, 1, cols)]);
        float[] expectedY = Values(ty), expectedDx = Values(tx.grad!);

        void Check<T>(string name) where T : struct, ILanes<T>
        {
            var y = new float[cols];
            var dx = new float[cols];
            LayerNormKernel.ForwardRow<T>(in x[0], in weight[0], in bias[0], ref y[0], cols, 1e-5f, out float mean, out float rstd);
            var dw = new float[cols];
            var db = new float[cols];
            LayerNormKernel.BackwardRow<T>(in dy[0], in x[0], in weight[0], mean, rstd, ref dx[0], ref dw[0], ref db[0], cols);
            Close(expectedY, y, 2e-5f, 2e-5f, $"y with {name}");
            Close(expectedDx, dx, 5e-5f, 1e-4f, $"dx with {name}");
        }
        Check<Lanes512>("Lanes512");
        Check<Lanes256>("Lanes256");
        Check<Lanes128>("Lanes128");
        Check<Lanes1>("Lanes1");
    }

    [Fact]
    public void ShortWeightIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            LayerNormKernel.Forward(new float[12], new float[3], new float[4], new float[12], new float[3], new float[3], 3, 4, 1e-5f));
        Assert.Contains("LayerNormKernel.Forward: weight has 3 elements, needs at least 4", ex.Message);
    }
}
