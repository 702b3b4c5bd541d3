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
    /// error 2e−9); 2ⁿ by adding n to the exponent bits. NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp<T>(T x) where T : struct, ILanes<T>
    {
        T clamped = T.Max(T.Broadcast(ExpLowest), T.Min(T.Broadcast(ExpHighest), x));
        T n = T.Round(clamped * T.Broadcast(Log2E));
        T r = T.MultiplyAdd(n, T.Broadcast(-Ln2Hi), clamped);
        r = T.MultiplyAdd(n, T.Broadcast(-Ln2Lo), r);
        T p = T.Broadcast(0.001394110843f);
        p = T.MultiplyAdd(p, r, T.Broadcast(0.008375126398f));
        p = T.MultiplyAdd(p, r, T.Broadcast(0.0416663529f));
        p = T.MultiplyAdd(p, r, T.Broadcast(0.1666641551f));
        p = T.MultiplyAdd(p, r, T.Broadcast(0.5000000047f));
        p = T.MultiplyAdd(p, r, T.Broadcast(1.000000038f));
        p = T.MultiplyAdd(p, r, T.Broadcast(1f));
        T result = T.ScaleByPowerOfTwo(p, n);
        return T.SelectWhereLess(x, T.Broadcast(ExpLowest), T.Broadcast(0f), result);
    }

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
    /// The scaled complementary error function erfcx(a) = e^(a²) · erfc(a) for a ≥ 0, as t · E(t) with
    /// t = 1 / (1 + a/2) (the variable of Numerical Recipes' erfcc) and E our degree-10 fit on a ∈ [0, 9.5]:
    /// E runs from 1 down to 0.34 with small coefficients, so evaluating it in float is stable; fitted
    /// relative error 6e−9. Splitting off e^(−a²) lets GELU's backward reuse it as the normal density.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ErfcScaled<T>(T a) where T : struct, ILanes<T>
    {
        // No clamp at 9.5: beyond it the fit extrapolates to E(0) = 0.2821 ≈ 1/(2√π), erfcx's own limit
        // of (1 + a/2)/(a√π), and e^(−a²) has underflowed to 0 long before; a = ∞ gives t = 0.
        T t = T.Broadcast(1f) / T.MultiplyAdd(a, T.Broadcast(0.5f), T.Broadcast(1f));
        // Estrin's scheme instead of Horner's rule: the same polynomial as pairs c₂ᵢ + c₂ᵢ₊₁·t combined with
        // t², t⁴ and t⁸, a dependency chain of 4 multiply-adds instead of 10 (same coefficients, so the same
        // fit; only the rounding of the evaluation differs). Exact GELU was not measurably faster for it:
        // its loop is bound by the count of vector operations, not by this chain (docs/kernels-fused.md).
        T t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
        T q0 = T.MultiplyAdd(t, T.Broadcast(0.2823616777f), T.Broadcast(0.2820839338f));
        T q1 = T.MultiplyAdd(t, T.Broadcast(0.1921270539f), T.Broadcast(0.2440578002f));
        T q2 = T.MultiplyAdd(t, T.Broadcast(0.09332046039f), T.Broadcast(0.03092143892f));
        T q3 = T.MultiplyAdd(t, T.Broadcast(-0.189239954f), T.Broadcast(-0.1156375653f));
        T q4 = T.MultiplyAdd(t, T.Broadcast(-0.1642942641f), T.Broadcast(0.3131141953f));
        T r0 = T.MultiplyAdd(q1, t2, q0);
        T r1 = T.MultiplyAdd(q3, t2, q2);
        T r2 = T.MultiplyAdd(T.Broadcast(0.03118522498f), t2, q4);
        T e = T.MultiplyAdd(r2, t8, T.MultiplyAdd(r1, t4, r0));
        return t * e;
    }

    /// <summary>The error function: the series form near zero, 1 − erfc(|z|) (sign restored) elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Erf<T>(T z) where T : struct, ILanes<T>
    {
        T a = T.Abs(z);
        T far = T.Broadcast(1f) - ErfcScaled(a) * Exp(T.Broadcast(0f) - a * a);
        far = T.SelectWhereLess(z, T.Broadcast(0f), T.Broadcast(0f) - far, far);
        return T.SelectWhereLess(a, T.Broadcast(1f), ErfNearZero(z), far);
    }

    /// <summary>
    /// Φ(x) = P(N(0,1) ≤ x) = ½ · erfc(−x/√2): ½ erfc(|x|/√2) below zero, 1 − ½ erfc(|x|/√2) above. One erfc
    /// path for every x (near zero Φ ≈ ½, so erfc's relative error is Φ's), and the lower tail keeps its
    /// digits: Φ(−8) ≈ 6e−16 instead of the 0 that ½ (1 + erf(x/√2)) = ½ (1 − 1) would give.
    /// Also returns e^(−x²/2), from which the density φ(x) = e^(−x²/2) / √(2π) follows for free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T NormalCdf<T>(T x, out T gaussian) where T : struct, ILanes<T>
    {
        gaussian = Exp(x * x * T.Broadcast(-0.5f));   // e^(−a²) with a = |x|/√2
        T halfTail = T.Broadcast(0.5f) * ErfcScaled(T.Abs(x) * T.Broadcast(0.7071067811865476f)) * gaussian;
        return T.SelectWhereLess(x, T.Broadcast(0f), halfTail, T.Broadcast(1f) - halfTail);
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
        return T.SelectWhereLess(x, T.Broadcast(0f), e * r, r);
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
        far = T.SelectWhereLess(x, T.Broadcast(0f), T.Broadcast(0f) - far, far);
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
