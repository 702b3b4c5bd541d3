using System.Runtime.Intrinsics;
using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

/// <summary>
/// Every path of every kernel treats NaN the same: the 512- and 256-bit forms of each elementwise operator
/// give, lane by lane, what its scalar form gives (which the tensor tests hold to libtorch), and the
/// fused row kernels give the same NaNs with 1, 4, 8 and 16 lanes. The operators are called directly,
/// so both vector widths are checked whatever this CPU accelerates.
/// </summary>
public class NaNLaneTests
{
    private static float[] Inputs(int n, int nanAt, ulong seed, bool positive = false)
    {
        var g = new Nabla.Tensors.Generator(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = positive ? 0.25f + 2f * g.NextFloat() : 2f * g.NextNormal();
        if (nanAt >= 0) v[nanAt] = float.NaN;
        return v;
    }

    /// <summary>Same NaN-ness, and otherwise equal within a relative 2⁻²⁰ (vector exp and log differ from MathF's by ulps).</summary>
    private static void SameLane(float scalar, float vector, string what)
    {
        if (float.IsNaN(scalar) || float.IsNaN(vector))
        {
            Assert.True(float.IsNaN(scalar) && float.IsNaN(vector), $"{what}: scalar {scalar}, vector {vector}");
            return;
        }
        Assert.True(Math.Abs(scalar - vector) <= 1e-6 * (1 + Math.Abs(scalar)), $"{what}: scalar {scalar}, vector {vector}");
    }

    private static void CheckUnary<TOp>(TOp op, string name, bool positive = false) where TOp : struct, IUnaryOperator
    {
        const int lanes = 16;
        for (int p = 0; p < lanes; p++)
        {
            float[] x = Inputs(lanes, p, 1, positive);
            Vector512<float> wide = op.Invoke(Vector512.Create(x));
            Vector256<float> low = op.Invoke(Vector256.Create(x.AsSpan(0, 8))), high = op.Invoke(Vector256.Create(x.AsSpan(8, 8)));
            for (int i = 0; i < lanes; i++)
            {
                float scalar = op.Invoke(x[i]);
                SameLane(scalar, wide[i], $"{name} 512, NaN in lane {p}, lane {i}");
                SameLane(scalar, i < 8 ? low[i] : high[i - 8], $"{name} 256, NaN in lane {p}, lane {i}");
            }
        }
    }

    private static void CheckBinary<TOp>(TOp op, string name, bool positiveFirst = false) where TOp : struct, IBinaryOperator
    {
        const int lanes = 16;
        for (int side = 0; side < 2; side++)
            for (int p = 0; p < lanes; p++)
            {
                float[] x = Inputs(lanes, side == 0 ? p : -1, 1, positiveFirst), y = Inputs(lanes, side == 1 ? p : -1, 2);
                y[(p + 1) % lanes] = x[(p + 1) % lanes]; // a tie beside the NaN
                Vector512<float> wide = op.Invoke(Vector512.Create(x), Vector512.Create(y));
                Vector256<float> low = op.Invoke(Vector256.Create(x.AsSpan(0, 8)), Vector256.Create(y.AsSpan(0, 8)));
                Vector256<float> high = op.Invoke(Vector256.Create(x.AsSpan(8, 8)), Vector256.Create(y.AsSpan(8, 8)));
                for (int i = 0; i < lanes; i++)
                {
                    float scalar = op.Invoke(x[i], y[i]);
                    string where = $"{name}, NaN in operand {side} lane {p}, lane {i}";
                    SameLane(scalar, wide[i], "512 " + where);
                    SameLane(scalar, i < 8 ? low[i] : high[i - 8], "256 " + where);
                }
            }
    }

    [Fact]
    public void UnaryOperatorsTreatNaNAlikeAtEveryWidth()
    {
        CheckUnary(new ReluOperator(), "relu");
        CheckUnary(new ClampOperator(-0.5f, 0.5f), "clamp");
        CheckUnary(new AbsOperator(), "abs");
        CheckUnary(new SqrtOperator(), "sqrt", positive: true);
        CheckUnary(new LogOperator(), "log", positive: true);
        CheckUnary(new ExpOperator(), "exp");
        CheckUnary(new TanhOperator(), "tanh");
        CheckUnary(new SigmoidOperator(), "sigmoid");
    }

    [Fact]
    public void BinaryOperatorsTreatNaNAlikeAtEveryWidth()
    {
        CheckBinary(new AddOperator(), "add");
        CheckBinary(new SubtractOperator(), "sub");
        CheckBinary(new MultiplyOperator(), "mul");
        CheckBinary(new DivideOperator(), "div");
        CheckBinary(new MaximumOperator(), "maximum");
        CheckBinary(new MinimumOperator(), "minimum");
        CheckBinary(new PowOperator(), "pow", positiveFirst: true);
        foreach (Comparison relation in Enum.GetValues<Comparison>()) CheckBinary(new CompareOperator(relation), $"compare {relation}");
        CheckBinary(new ReluBackwardOperator(), "relu backward");
        CheckBinary(new TanhBackwardOperator(), "tanh backward");
        CheckBinary(new SigmoidBackwardOperator(), "sigmoid backward");
        CheckBinary(new SqrtBackwardOperator(), "sqrt backward");
        CheckBinary(new AbsBackwardOperator(), "abs backward");
        CheckBinary(new ClampBackwardOperator(-0.5f, 0.5f), "clamp backward");
        CheckBinary(new WinnerShareOperator(), "maximum share");
        CheckBinary(new PowBackwardOperator(3f), "pow backward");
    }

    private delegate void RowKernel(float[] x, float[] output);

    /// <summary>Runs <paramref name="kernel"/> with 1, 4, 8 and 16 lanes on rows of 1 to 3 registers of 16 plus
    /// tails, NaN at every position, and requires the same NaNs (and values) from every width.</summary>
    private static void CheckRowKernel(string name, Func<int, RowKernel[]> kernelsByWidth, bool wholeRow = false)
    {
        foreach (int n in new[] { 1, 3, 4, 5, 8, 9, 15, 16, 17, 31, 33, 47, 48, 49 })
        {
            RowKernel[] kernels = kernelsByWidth(n);
            for (int p = 0; p < n; p++)
            {
                float[] x = Inputs(n, p, 5);
                float[][] outputs = kernels.Select(kernel => { var y = new float[n]; kernel(x, y); return y; }).ToArray();
                for (int w = 1; w < outputs.Length; w++)
                    for (int i = 0; i < n; i++)
                        SameLane(outputs[0][i], outputs[w][i], $"{name} width {w} vs scalar, n = {n}, NaN at {p}, element {i}");
                Assert.True(float.IsNaN(outputs[0][p]), $"{name}: NaN at {p} did not reach the output");
                if (wholeRow) Assert.All(outputs[0], v => Assert.True(float.IsNaN(v), $"{name}: NaN at {p} left a number in its row"));
            }
        }
    }

    [Fact]
    public unsafe void GeluTreatsNaNAlikeAtEveryWidth()
    {
        RowKernel Forward<T>(bool tanh) where T : struct, ILanes<T> => (x, y) =>
        {
            fixed (float* px = x, py = y)
                if (tanh) GeluKernel.TanhForwardRange<T>(px, py, 0, x.Length);
                else GeluKernel.ErfForwardRange<T>(px, py, 0, x.Length);
        };
        RowKernel Backward<T>(bool tanh) where T : struct, ILanes<T> => (x, dx) =>
        {
            float[] dy = Inputs(x.Length, -1, 6);
            fixed (float* px = x, pdy = dy, pdx = dx)
                if (tanh) GeluKernel.TanhBackwardRange<T>(px, pdy, pdx, 0, x.Length);
                else GeluKernel.ErfBackwardRange<T>(px, pdy, pdx, 0, x.Length);
        };
        foreach (bool tanh in new[] { false, true })
        {
            CheckRowKernel($"gelu (tanh: {tanh})", _ => [Forward<Lanes1>(tanh), Forward<Lanes128>(tanh), Forward<Lanes256>(tanh), Forward<Lanes512>(tanh)]);
            CheckRowKernel($"gelu backward (tanh: {tanh})", _ => [Backward<Lanes1>(tanh), Backward<Lanes128>(tanh), Backward<Lanes256>(tanh), Backward<Lanes512>(tanh)]);
        }
    }

    [Fact]
    public void RowKernelsMakeTheWholeRowNaNAtEveryWidth()
    {
        // A NaN anywhere in a row makes softmax, log-softmax and layer norm NaN across that row (as in PyTorch).
        RowKernel Softmax<T>(bool log) where T : struct, ILanes<T> => (x, y) => SoftmaxKernel.ForwardRow<T>(in x[0], ref y[0], x.Length, log);
        RowKernel LayerNorm<T>() where T : struct, ILanes<T> => (x, y) =>
        {
            float[] weight = Enumerable.Repeat(1f, x.Length).ToArray(), bias = new float[x.Length];
            LayerNormKernel.ForwardRow<T>(in x[0], in weight[0], in bias[0], ref y[0], x.Length, 1e-5f, out _, out _);
        };
        RowKernel CrossEntropy<T>() where T : struct, ILanes<T> => (x, probs) =>
        {
            float loss = CrossEntropyKernel.ForwardRow<T>(in x[0], ref probs[0], x.Length, target: 0);
            Assert.True(float.IsNaN(loss), "cross-entropy of a row with NaN is NaN");
        };
        foreach (bool log in new[] { false, true })
            CheckRowKernel($"softmax (log: {log})", _ => [Softmax<Lanes1>(log), Softmax<Lanes128>(log), Softmax<Lanes256>(log), Softmax<Lanes512>(log)], wholeRow: true);
        CheckRowKernel("layer norm", _ => [LayerNorm<Lanes1>(), LayerNorm<Lanes128>(), LayerNorm<Lanes256>(), LayerNorm<Lanes512>()], wholeRow: true);
        CheckRowKernel("cross-entropy", _ => [CrossEntropy<Lanes1>(), CrossEntropy<Lanes128>(), CrossEntropy<Lanes256>(), CrossEntropy<Lanes512>()], wholeRow: true);
    }
}
