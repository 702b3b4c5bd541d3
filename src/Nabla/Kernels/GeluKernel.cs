using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// GELU (Hendrycks and Gimpel 2016): x · Φ(x), Φ the standard normal CDF. Exact form with erf, or the
/// tanh approximation 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 x³))) used by GPT-2. Backward adds into dx (+=).
/// </summary>
/// <remarks>
/// The tanh form is computed as x · σ(2u), since ½(1 + tanh u) = σ(2u) = 1 / (1 + e^(−2u)): one exp and one
/// division, with e^(−|2u|) so that the exponential can only underflow, never overflow.
/// The exact form uses <see cref="FastMath.NormalCdf{T}"/>, which keeps Φ's digits in the lower tail.
/// </remarks>
public static unsafe class GeluKernel
{
    private const float SqrtTwoOverPi = 0.7978845608028654f;
    private const float Cubic = 0.044715f;
    private const float InvSqrtTwoPi = 0.3989422804014327f;

    public static void Forward(ReadOnlySpan<float> x, Span<float> y, bool tanhApproximation)
    {
        RowMath.RequireLength(y.Length, x.Length, "GeluKernel.Forward", "y");
        fixed (float* px = x, py = y)
            RowMath.ParallelLanes(x.Length, RowMath.MinElementsPerTask, new Elements(px, null, py, tanhApproximation, backward: false));
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, bool tanhApproximation)
    {
        RowMath.RequireLength(dy.Length, x.Length, "GeluKernel.Backward", "dy");
        RowMath.RequireLength(dx.Length, x.Length, "GeluKernel.Backward", "dx");
        fixed (float* px = x, pdy = dy, pdx = dx)
            RowMath.ParallelLanes(x.Length, RowMath.MinElementsPerTask, new Elements(px, pdy, pdx, tanhApproximation, backward: true));
    }

    /// <summary>erf(x) to about one ulp (the approximation the exact GELU uses).</summary>
    internal static float Erf(float x) => FastMath.Erf(x);

    // ---- one register ----

    /// <summary>σ(2u) with 2u = x · (2√(2/π) + 2√(2/π)·0.044715 · x²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T SigmoidTwoU<T>(T x) where T : struct, ILanes<T> =>
        FastMath.Sigmoid(x * T.MultiplyAdd(x * x, T.Broadcast(2f * SqrtTwoOverPi * Cubic), T.Broadcast(2f * SqrtTwoOverPi)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T TanhForm<T>(T x) where T : struct, ILanes<T> => x * SigmoidTwoU(x);

    /// <summary>d/dx [x · σ(2u)] = σ + x · σ(1 − σ) · 2u′, with 2u′ = 2√(2/π) · (1 + 3·0.044715 · x²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T TanhFormDerivative<T>(T x) where T : struct, ILanes<T>
    {
        T s = SigmoidTwoU(x);
        T dv = T.MultiplyAdd(x * x, T.Broadcast(6f * SqrtTwoOverPi * Cubic), T.Broadcast(2f * SqrtTwoOverPi));
        return T.MultiplyAdd(x * s * (T.Broadcast(1f) - s), dv, s);
    }

    // ---- a range of elements ----

    // One loop per method: each inlines a whole exp polynomial, and the JIT's inlining budget is per method.

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static void TanhForwardRange<T>(float* x, float* y, int start, int end) where T : struct, ILanes<T>
    {
        int i = start;
        for (; i <= end - T.Count; i += T.Count) T.Store(TanhForm(T.Load(in x[0], i)), ref y[0], i);
        for (; i < end; i++) y[i] = TanhForm(new Lanes1(x[i])).Value;
    }

    internal static void ErfForwardRange<T>(float* x, float* y, int start, int end) where T : struct, ILanes<T> =>
        ErfRange<T, ErfForward>(x, start, end, new ErfForward(y));

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static void TanhBackwardRange<T>(float* x, float* dy, float* dx, int start, int end) where T : struct, ILanes<T>
    {
        int i = start;
        for (; i <= end - T.Count; i += T.Count)
            T.Store(T.MultiplyAdd(T.Load(in dy[0], i), TanhFormDerivative(T.Load(in x[0], i)), T.Load(in dx[0], i)), ref dx[0], i);
        for (; i < end; i++) dx[i] += dy[i] * TanhFormDerivative(new Lanes1(x[i])).Value;
    }

    internal static void ErfBackwardRange<T>(float* x, float* dy, float* dx, int start, int end) where T : struct, ILanes<T> =>
        ErfRange<T, ErfBackward>(x, start, end, new ErfBackward(dy, dx));

    // ---- the exact form: one loop that computes Φ, two ways to finish ----

    /// <summary>What the exact form does with Φ(x) and e^(−x²/2) at element (or register) <c>i</c>.</summary>
    private interface IErfFinish
    {
        void Finish<T>(int i, T x, T cdf, T gaussian) where T : struct, ILanes<T>;
    }

    /// <summary>Forward: y = x · Φ(x).</summary>
    private readonly struct ErfForward(float* y) : IErfFinish
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Finish<T>(int i, T x, T cdf, T gaussian) where T : struct, ILanes<T> => T.Store(x * cdf, ref y[0], i);
    }

    /// <summary>Backward: dx += dy · (Φ(x) + x · φ(x)), φ(x) = e^(−x²/2) / √(2π): the exp of Φ serves φ too.</summary>
    private readonly struct ErfBackward(float* dy, float* dx) : IErfFinish
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Finish<T>(int i, T x, T cdf, T gaussian) where T : struct, ILanes<T>
        {
            T derivative = T.MultiplyAdd(x * gaussian, T.Broadcast(InvSqrtTwoPi), cdf);
            T.Store(T.MultiplyAdd(T.Load(in dy[0], i), derivative, T.Load(in dx[0], i)), ref dx[0], i);
        }
    }

    /// <summary>
    /// Φ over x[start..end), software-pipelined: the two long-latency pieces of the next register's Φ (its
    /// division and its exp) are issued before the polynomial that finishes this one, so the core's
    /// scheduler, which holds only a few registers' worth of waiting operations, always has independent
    /// work, which finishing each register before starting the next does not give it (docs/kernels-fused.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void ErfRange<T, TFinish>(float* x, int start, int end, TFinish finish)
        where T : struct, ILanes<T> where TFinish : struct, IErfFinish
    {
        int i = start;
        if (end - i >= T.Count)
        {
            T current = T.Load(in x[0], i);
            T t = FastMath.NormalTailVariable(current), gaussian = FastMath.Gaussian(current);
            for (; i <= end - 2 * T.Count; i += T.Count)
            {
                T next = T.Load(in x[0], i + T.Count);
                T nextT = FastMath.NormalTailVariable(next), nextGaussian = FastMath.Gaussian(next);
                finish.Finish(i, current, FastMath.NormalCdf(current, t, gaussian), gaussian);
                (current, t, gaussian) = (next, nextT, nextGaussian);
            }
            finish.Finish(i, current, FastMath.NormalCdf(current, t, gaussian), gaussian);
            i += T.Count;
        }
        for (; i < end; i++)
        {
            var one = new Lanes1(x[i]);
            finish.Finish(i, one, FastMath.NormalCdf(one, out Lanes1 gaussian), gaussian);
        }
    }

    /// <summary>Forward: y = gelu(x). Backward: dx += dy · gelu′(x) (dy is null in forward).</summary>
    private readonly struct Elements(float* x, float* dy, float* output, bool tanh, bool backward) : ILaneRange
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        public void Run<T>(int start, int end) where T : struct, ILanes<T>
        {
            if (backward)
            {
                if (tanh) TanhBackwardRange<T>(x, dy, output, start, end);
                else ErfBackwardRange<T>(x, dy, output, start, end);
            }
            else
            {
                if (tanh) TanhForwardRange<T>(x, output, start, end);
                else ErfForwardRange<T>(x, output, start, end);
            }
        }
    }
}
