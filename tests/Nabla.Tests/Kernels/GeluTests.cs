using Nabla.Kernels;
using TorchSharp.Modules;
using static Nabla.Tests.Kernels.FusedKernelOracle;
using static TorchSharp.torch;

namespace Nabla.Tests.Kernels;

public class GeluTests
{
    /// <summary>Random values plus a sweep across the interesting range and the extremes.</summary>
    private static float[] Inputs(int randomCount)
    {
        var values = new List<float>(Normal(randomCount, seed: 17, scale: 3f));
        for (float v = -12f; v <= 12f; v += 0.0371f) values.Add(v);
        values.AddRange([0f, -0f, 1e-20f, -1e-20f, 30f, -30f, 100f, -100f, 1e6f, -1e6f]);
        return values.ToArray();
    }

    [Theory]
    [InlineData(true, 5)]
    [InlineData(false, 5)]
    [InlineData(true, 100_003)]
    [InlineData(false, 100_003)]
    public void ForwardAndBackwardMatchDoublePrecision(bool tanh, int randomCount)
    {
        float[] x = Inputs(randomCount);
        float[] dy = Normal(x.Length, seed: 18);
        float[] prior = Normal(x.Length, seed: 19);
        var (y, dx) = Nabla(x, dy, prior, tanh);

        // The oracle is libtorch in float64: its float32 GELU is looser than ours in places (see the next test).
        var (expectedY, expectedGrad) = Libtorch(x, dy, tanh, ScalarType.Float64);
        string form = tanh ? "gelu tanh" : "gelu erf";
        Close(expectedY, y, 1e-6f, 2e-6f, form);
        Close(Plus(prior, expectedGrad), dx, 5e-6f, 1e-5f, form + " backward");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ForwardAndBackwardMatchLibtorchFloat32(bool tanh)
    {
        float[] x = Inputs(100_003);
        float[] dy = Normal(x.Length, seed: 18);
        float[] prior = Normal(x.Length, seed: 19);
        var (y, dx) = Nabla(x, dy, prior, tanh);

        var (expectedY, expectedGrad) = Libtorch(x, dy, tanh, ScalarType.Float32);
        string form = tanh ? "gelu tanh" : "gelu erf";
        // libtorch's float32 kernels lose digits in two places, so the comparison allows for their error, not ours:
        // its AVX-512 erf computes Φ as ½(1 + erf(x/√2)), which cancels in the lower tail (relative error ~1e-3
        // near x ≈ −3.4, where GELU is ~−1e-3: hence atol 2e-6); its tanh form's derivative cancels near x ≈ −2
        // (errors up to ~3e-6). The test above holds ours to double precision.
        Close(expectedY, y, 2e-6f, 2e-6f, form + " vs libtorch float32");
        Close(Plus(prior, expectedGrad), dx, 5e-6f, 1e-5f, form + " backward vs libtorch float32");
    }

    private static (float[] Y, float[] Dx) Nabla(float[] x, float[] dy, float[] prior, bool tanh)
    {
        var y = new float[x.Length];
        GeluKernel.Forward(x, y, tanh);
        float[] dx = (float[])prior.Clone();
        GeluKernel.Backward(x, dy, dx, tanh);
        return (y, dx);
    }

    /// <summary>libtorch's GELU and its gradient for dy, computed in <paramref name="precision"/> and rounded to float.</summary>
    private static (float[] Y, float[] Grad) Libtorch(float[] x, float[] dy, bool tanh, ScalarType precision)
    {
        using var scope = NewDisposeScope();
        var tx = Torch(x, x.Length).to(precision).requires_grad_(true);
        var ty = nn.functional.gelu(tx, tanh ? GELU.Approximate.tanh : GELU.Approximate.none);
        ty.backward([Torch(dy, x.Length).to(precision)]);
        return (Values(ty.to(ScalarType.Float32)), Values(tx.grad!.to(ScalarType.Float32)));
    }

    [Fact]
    public void ErfIsWithinTwoUlpsOfDoublePrecision()
    {
        // Every 97th float in [-6, 6] against libtorch's double-precision erf.
        var xs = new List<float>();
        for (float v = -6f; v <= 6f; v = BitIncrementBy(v, 97)) xs.Add(v);
        using var scope = NewDisposeScope();
        double[] reference = tensor(xs.Select(v => (double)v).ToArray()).erf().data<double>().ToArray();
        int worst = 0;
        float worstAt = 0f;
        for (int i = 0; i < xs.Count; i++)
        {
            int ulps = UlpDistance(GeluKernel.Erf(xs[i]), (float)reference[i]);
            if (ulps > worst) { worst = ulps; worstAt = xs[i]; }
        }
        Assert.True(worst <= 2, $"erf is {worst} ulps off at x = {worstAt}");
        Assert.Equal(1f, GeluKernel.Erf(20f));
        Assert.Equal(1f, GeluKernel.Erf(float.PositiveInfinity));
        Assert.Equal(-1f, GeluKernel.Erf(float.NegativeInfinity));
        Assert.True(float.IsNaN(GeluKernel.Erf(float.NaN)));
    }

    [Fact]
    public void ExpIsWithinOneUlpOfDoublePrecision()
    {
        int worst = 0;
        float worstAt = 0f;
        for (float v = -86.9f; v <= 88.2f; v = BitIncrementBy(v, 4099))
        {
            int ulps = UlpDistance(FastMath.Exp(v), (float)Math.Exp(v));
            if (ulps > worst) { worst = ulps; worstAt = v; }
        }
        Assert.True(worst <= 1, $"exp is {worst} ulps off at x = {worstAt}");
        Assert.Equal(0f, FastMath.Exp(-200f));
        Assert.Equal(0f, FastMath.Exp(float.NegativeInfinity));
        Assert.True(float.IsNaN(FastMath.Exp(float.NaN)));
    }

    [Fact]
    public void ExactGeluKeepsItsDigitsInTheLowerTail()
    {
        // x · Φ(x) at x = -8 is about -5e-15; computing Φ as ½(1 + erf) would give exactly 0.
        float[] x = [-8f, -6f, -4f];
        var y = new float[3];
        GeluKernel.Forward(x, y, tanhApproximation: false);
        using var scope = NewDisposeScope();
        double[] reference = (tensor(x.Select(v => (double)v).ToArray()) * 0.5 *
            (tensor(x.Select(v => (double)v).ToArray()) * -Math.Sqrt(0.5)).erfc()).data<double>().ToArray();
        for (int i = 0; i < 3; i++)
            Assert.True(Math.Abs(y[i] - reference[i]) <= 1e-5 * Math.Abs(reference[i]), $"gelu({x[i]}) = {y[i]}, expected {reference[i]}");
    }

    [Fact]
    public void EveryLaneWidthGivesTheSameValues()
    {
        float[] x = Inputs(37);
        unsafe
        {
            fixed (float* px = x)
            {
                foreach (bool tanh in new[] { true, false })
                {
                    float[] y1 = new float[x.Length], y128 = new float[x.Length], y256 = new float[x.Length], y512 = new float[x.Length];
                    fixed (float* p1 = y1, p128 = y128, p256 = y256, p512 = y512)
                    {
                        if (tanh)
                        {
                            GeluKernel.TanhForwardRange<Lanes1>(px, p1, 0, x.Length);
                            GeluKernel.TanhForwardRange<Lanes128>(px, p128, 0, x.Length);
                            GeluKernel.TanhForwardRange<Lanes256>(px, p256, 0, x.Length);
                            GeluKernel.TanhForwardRange<Lanes512>(px, p512, 0, x.Length);
                        }
                        else
                        {
                            GeluKernel.ErfForwardRange<Lanes1>(px, p1, 0, x.Length);
                            GeluKernel.ErfForwardRange<Lanes128>(px, p128, 0, x.Length);
                            GeluKernel.ErfForwardRange<Lanes256>(px, p256, 0, x.Length);
                            GeluKernel.ErfForwardRange<Lanes512>(px, p512, 0, x.Length);
                        }
                    }
                    Close(y1, y128, 0f, 1e-6f, "128 vs scalar");
                    Close(y1, y256, 0f, 1e-6f, "256 vs scalar");
                    Close(y1, y512, 0f, 1e-6f, "512 vs scalar");
                }
            }
        }
    }

    [Fact]
    public void ThePipelinedExactFormHandlesEveryLengthAndStart()
    {
        // The exact form's loop computes Φ a register ahead: check each length around one, two and three
        // registers of every width, at several starts, forward and backward, against the scalar lane.
        float[] x = Normal(64, seed: 23, scale: 3f), dy = Normal(64, seed: 24), prior = Normal(64, seed: 25);
        for (int start = 0; start < 3; start++)
            for (int end = start; end <= start + 50; end++)
            {
                string range = $"range [{start}, {end})";
                float[] y1 = ErfRange<Lanes1>(x, dy, prior, start, end, backward: false);
                for (int i = 0; i < x.Length; i++)
                    Assert.True(i >= start && i < end ? y1[i] != 0f || x[i] == 0f : y1[i] == 0f, $"y[{i}] for {range}");
                Close(y1, ErfRange<Lanes128>(x, dy, prior, start, end, backward: false), 0f, 1e-6f, "128 vs scalar, " + range);
                Close(y1, ErfRange<Lanes256>(x, dy, prior, start, end, backward: false), 0f, 1e-6f, "256 vs scalar, " + range);
                Close(y1, ErfRange<Lanes512>(x, dy, prior, start, end, backward: false), 0f, 1e-6f, "512 vs scalar, " + range);
                float[] dx1 = ErfRange<Lanes1>(x, dy, prior, start, end, backward: true);
                for (int i = 0; i < x.Length; i++)
                    if (i < start || i >= end) Assert.True(dx1[i] == prior[i], $"dx[{i}] for {range}");
                Close(dx1, ErfRange<Lanes128>(x, dy, prior, start, end, backward: true), 0f, 1e-6f, "backward 128 vs scalar, " + range);
                Close(dx1, ErfRange<Lanes256>(x, dy, prior, start, end, backward: true), 0f, 1e-6f, "backward 256 vs scalar, " + range);
                Close(dx1, ErfRange<Lanes512>(x, dy, prior, start, end, backward: true), 0f, 1e-6f, "backward 512 vs scalar, " + range);
            }
    }

    /// <summary>The exact form over x[start..end) with one lane width: y (zeros elsewhere), or prior + dy · gelu′.</summary>
    private static unsafe float[] ErfRange<T>(float[] x, float[] dy, float[] prior, int start, int end, bool backward) where T : struct, ILanes<T>
    {
        float[] output = backward ? (float[])prior.Clone() : new float[x.Length];
        fixed (float* px = x, pdy = dy, pout = output)
        {
            if (backward) GeluKernel.ErfBackwardRange<T>(px, pdy, pout, start, end);
            else GeluKernel.ErfForwardRange<T>(px, pout, start, end);
        }
        return output;
    }

    /// <summary>Floats in order as integers: negative floats count down from zero, so ±0 share key 0.</summary>
    private static int Key(float f)
    {
        int bits = BitConverter.SingleToInt32Bits(f);
        return bits < 0 ? int.MinValue - bits : bits;
    }

    private static float FromKey(int key) => BitConverter.Int32BitsToSingle(key < 0 ? int.MinValue - key : key);

    private static float BitIncrementBy(float v, int steps) => FromKey(Key(v) + steps);

    private static int UlpDistance(float a, float b) => Math.Abs(Key(a) - Key(b));
}
