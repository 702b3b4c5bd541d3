using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// exp, erf, the normal CDF Φ, σ and tanh on SIMD lanes, to about one float ulp, written with only multiply-adds,
/// one division and exponent-bit arithmetic so they vectorize and fuse into the kernels' loops.
/// The polynomial coefficients are near-minimax (Chebyshev) fits computed in 40-digit arithmetic for this
/// project; the fitted error of each is printed beside it, well below float's 6e-8 relative precision.
/// </summary>
internal static class FastMath
{
    /// <summary>Below this, exp returns 0 (e^−87 ≈ 1.6e−38, the edge of normal floats).</summary>
    public const float ExpLowest = -87f;
    /// <summary>Above this, exp saturates at e^88.3 ≈ 2.2e38 instead of overflowing to garbage.</summary>
    public const float ExpHighest = 88.3f;

    private const float Log2E = 1.44269504f;
    // ln 2 split in two (Cody and Waite 1980): n · Ln2Hi is exact for |n| ≤ 128, so x − n·ln 2 loses nothing.
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;

    /// <summary>
    /// eˣ = 2ⁿ · eʳ with n = round(x / ln 2) and |r| ≤ ln 2 / 2; eʳ by a degree-6 polynomial (relative
    /// error 2e−9); 2ⁿ by adding n to the exponent bits. Below −87 the result is 0, above 88.3 it saturates;
    /// NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp<T>(T x) where T : struct, ILanes<T>
    {
        T result = ExpInRange(T.Max(T.Broadcast(ExpLowest), T.Min(T.Broadcast(ExpHighest), x)));
        return T.SelectWhereLess(x, T.Broadcast(ExpLowest), T.Broadcast(0f), result);
    }

    /// <summary>
    /// eˣ for x already in [<see cref="ExpLowest"/>, <see cref="ExpHighest"/>] (or NaN): <see cref="Exp{T}"/>
    /// without its clamps and its flush to zero, for callers that know their range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T ExpInRange<T>(T x) where T : struct, ILanes<T>
    {
        T n = T.Round(x * T.Broadcast(Log2E));
        T r = T.MultiplyAdd(n, T.Broadcast(-Ln2Hi), x);
        r = T.MultiplyAdd(n, T.Broadcast(-Ln2Lo), r);
        T p = T.Broadcast(0.001394110843f);
        p = T.MultiplyAdd(p, r, T.Broadcast(0.008375126398f));
        p = T.MultiplyAdd(p, r, T.Broadcast(0.0416663529f));
        p = T.MultiplyAdd(p, r, T.Broadcast(0.1666641551f));
        p = T.MultiplyAdd(p, r, T.Broadcast(0.5000000047f));
        p = T.MultiplyAdd(p, r, T.Broadcast(1.000000038f));
        p = T.MultiplyAdd(p, r, T.Broadcast(1f));
        return T.ScaleByPowerOfTwo(p, n);
    }

    /// <summary>
    /// The Gaussian bell e^(−x²/2), floored at e^−87 ≈ 1.6e−38 instead of reaching 0 beyond |x| ≈ 13.2,
    /// which saves three of <see cref="Exp{T}"/>'s operations (its upper clamp and its flush to zero). In Φ
    /// the floor is multiplied by the tail polynomial (at most ½), in GELU's derivative by x/√(2π): both stay
    /// far below any float that matters for finite x (x = −10⁶ gives −6e−33). At x = ±∞ that derivative is
    /// ±∞ rather than the NaN of ∞ · 0; neither is its limit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Gaussian<T>(T x) where T : struct, ILanes<T> =>
        ExpInRange(T.Max(T.Broadcast(ExpLowest), x * x * T.Broadcast(-0.5f)));

    /// <summary>erf(z) for |z| ≤ 1 as z · P(z²), P of degree 6 in z² (relative error 1.2e−9).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ErfNearZero<T>(T z) where T : struct, ILanes<T>
    {
        T w = z * z;
        T p = T.Broadcast(7.875875063e-5f);
        p = T.MultiplyAdd(p, w, T.Broadcast(-0.0008016864287f));
        p = T.MultiplyAdd(p, w, T.Broadcast(0.005189087423f));
        p = T.MultiplyAdd(p, w, T.Broadcast(-0.02685421201f));
        p = T.MultiplyAdd(p, w, T.Broadcast(0.1128359472f));
        p = T.MultiplyAdd(p, w, T.Broadcast(-0.3761262667f));
        p = T.MultiplyAdd(p, w, T.Broadcast(1.128379166f));
        return z * p;
    }

    /// <summary>
    /// t = 1 / (1 + |x|/(2√2)), the variable of Φ's tail polynomial (see <see cref="NormalTail{T}"/>). With
    /// <see cref="Gaussian{T}"/> it is one of Φ's two long-latency pieces (a division; an exp), which a loop can
    /// compute a register ahead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T NormalTailVariable<T>(T x) where T : struct, ILanes<T> =>
        // No clamp at a = 9.5: beyond it the fit extrapolates to E(0) = 0.2821 ≈ 1/(2√π), erfcx's own limit
        // of (1 + a/2)/(a√π), and the Gaussian is at its floor long before; x = ±∞ gives t = 0.
        T.Broadcast(1f) / T.MultiplyAdd(T.Abs(x), T.Broadcast(0.35355339059327373f), T.Broadcast(1f));

    /// <summary>
    /// The normal lower tail Φ(−|x|) = ½ erfc(|x|/√2), given t = <see cref="NormalTailVariable{T}"/>(x) and
    /// <paramref name="gaussian"/> = e^(−x²/2), as t · G(t) · e^(−x²/2). G(t) = ½ e^(a²) erfc(a) / t with
    /// a = |x|/√2 is half our degree-10 fit E(t) of the scaled complementary error function
    /// erfcx(a) = t · E(t) on a ∈ [0, 9.5] (t = 1/(1 + a/2) is the variable of Numerical Recipes' erfcc;
    /// fitted relative error 6e−9). E runs from 1 down to 0.34 with small coefficients, so evaluating it in
    /// float is stable; the ½ and the 1/√2 sit in the constants, not in extra multiplies.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T NormalTail<T>(T t, T gaussian) where T : struct, ILanes<T>
    {
        // G by Horner's rule. Estrin's scheme (pairs combined with t², t⁴, t⁸: a dependency chain of 4
        // multiply-adds instead of 10, and three more operations) is slower in the GELU loop that computes a
        // register ahead (docs/kernels-fused.md).
        // The coefficients are E's halved, which is exact in float.
        T g = T.Broadcast(0.01559261249f);
        g = T.MultiplyAdd(g, t, T.Broadcast(-0.08214713205f));
        g = T.MultiplyAdd(g, t, T.Broadcast(0.15655709765f));
        g = T.MultiplyAdd(g, t, T.Broadcast(-0.094619977f));
        g = T.MultiplyAdd(g, t, T.Broadcast(-0.05781878265f));
        g = T.MultiplyAdd(g, t, T.Broadcast(0.046660230195f));
        g = T.MultiplyAdd(g, t, T.Broadcast(0.01546071946f));
        g = T.MultiplyAdd(g, t, T.Broadcast(0.09606352695f));
        g = T.MultiplyAdd(g, t, T.Broadcast(0.1220289001f));
        g = T.MultiplyAdd(g, t, T.Broadcast(0.14118083885f));
        g = T.MultiplyAdd(g, t, T.Broadcast(0.1410419669f));
        return t * g * gaussian;
    }

    /// <summary>
    /// The error function: the series form near zero; elsewhere 1 − erfc(|z|) with erfc(a) = 2 Φ(−a√2)
    /// (sign restored), so erf and the exact GELU share one tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Erf<T>(T z) where T : struct, ILanes<T>
    {
        T a = T.Abs(z);
        T scaled = a * T.Broadcast(1.4142135623730951f);
        T far = T.MultiplyAdd(NormalTail(NormalTailVariable(scaled), Gaussian(scaled)), T.Broadcast(-2f), T.Broadcast(1f));
        far = T.SelectWhereNegative(z, T.Broadcast(0f) - far, far);
        return T.SelectWhereLess(a, T.Broadcast(1f), ErfNearZero(z), far);
    }

    /// <summary>
    /// Φ(x) = P(N(0,1) ≤ x): the tail Φ(−|x|) below zero, 1 − Φ(−|x|) above. One tail formula for every x
    /// (near zero Φ ≈ ½, so the tail's relative error is Φ's), and the lower tail keeps its digits:
    /// Φ(−8) ≈ 6e−16 instead of the 0 that ½ (1 + erf(x/√2)) = ½ (1 − 1) would give.
    /// Also returns e^(−x²/2), from which the density φ(x) = e^(−x²/2) / √(2π) follows for free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T NormalCdf<T>(T x, out T gaussian) where T : struct, ILanes<T>
    {
        gaussian = Gaussian(x);
        return NormalCdf(x, NormalTailVariable(x), gaussian);
    }

    /// <summary>Φ(x) from its two long-latency pieces, computed earlier: t = <see cref="NormalTailVariable{T}"/>(x)
    /// and e^(−x²/2) = <see cref="Gaussian{T}"/>(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T NormalCdf<T>(T x, T t, T gaussian) where T : struct, ILanes<T>
    {
        T tail = NormalTail(t, gaussian);
        return T.SelectWhereNegative(x, tail, T.Broadcast(1f) - tail);
    }

    /// <summary>
    /// σ(x) = 1 / (1 + e⁻ˣ), from e = e^(−|x|) so the exponential can only underflow: r = 1 / (1 + e) is
    /// σ(|x|), and σ(−|x|) = e · r. Below x ≈ −87 the result flushes to 0 (σ is subnormal there).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T x) where T : struct, ILanes<T>
    {
        T e = Exp(T.Broadcast(0f) - T.Abs(x));
        T r = T.Broadcast(1f) / (T.Broadcast(1f) + e);
        return T.SelectWhereNegative(x, e * r, r);
    }

    /// <summary>
    /// tanh x. For |x| ≥ ½: (1 − e) / (1 + e) with e = e^(−2|x|) (only underflows; tanh saturates to ±1),
    /// sign restored. Below ½, 1 − e would cancel away the leading digits, so there tanh is its Taylor
    /// series x · P(x²) to x¹⁵ (truncation error under 0.15 ulp at |x| = ½, checked in double).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Tanh<T>(T x) where T : struct, ILanes<T>
    {
        T a = T.Abs(x);
        T e = Exp(a * T.Broadcast(-2f));
        T far = (T.Broadcast(1f) - e) / (T.Broadcast(1f) + e);
        far = T.SelectWhereNegative(x, T.Broadcast(0f) - far, far);
        T w = x * x;
        T p = T.Broadcast(-0.001455834387f);
        p = T.MultiplyAdd(p, w, T.Broadcast(0.003592128037f));
        p = T.MultiplyAdd(p, w, T.Broadcast(-0.008863235530f));
        p = T.MultiplyAdd(p, w, T.Broadcast(0.02186948854f));
        p = T.MultiplyAdd(p, w, T.Broadcast(-0.05396825397f));
        p = T.MultiplyAdd(p, w, T.Broadcast(0.1333333333f));
        p = T.MultiplyAdd(p, w, T.Broadcast(-0.3333333333f));
        T near = T.MultiplyAdd(x * w, p, x);
        return T.SelectWhereLess(a, T.Broadcast(0.5f), near, far);
    }

    /// <summary>Scalar exp with the same polynomial (for per-row values).</summary>
    public static float Exp(float x) => Exp(new Lanes1(x)).Value;

    /// <summary>Scalar erf with the same approximation as the vector lanes.</summary>
    public static float Erf(float x) => Erf(new Lanes1(x)).Value;
}
