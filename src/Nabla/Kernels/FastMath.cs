using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// exp, erf and the normal CDF Φ on SIMD lanes, to about one float ulp, written with only multiply-adds,
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
    /// erfc(a) for a ≥ 0, in the form t · exp(−a² + H(t)) with t = 1 / (1 + a/2) (the form of the Chebyshev
    /// fit in Numerical Recipes' erfcc); H is our degree-10 fit on a ∈ [0, 9.5] (absolute error 8e−9 in
    /// the exponent). What remains is float rounding of −a² + H, about a² · 6e−8 relative: 5e−7 at a = 3,
    /// where erfc is 2e−5. Beyond 9.5, erfc underflows float anyway.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Erfc<T>(T a) where T : struct, ILanes<T>
    {
        a = T.Min(T.Broadcast(9.5f), a);
        T t = T.Broadcast(1f) / T.MultiplyAdd(a, T.Broadcast(0.5f), T.Broadcast(1f));
        T h = T.Broadcast(-0.1572494252f);
        h = T.MultiplyAdd(h, t, T.Broadcast(1.063573742f));
        h = T.MultiplyAdd(h, t, T.Broadcast(-3.027847669f));
        h = T.MultiplyAdd(h, t, T.Broadcast(4.601240036f));
        h = T.MultiplyAdd(h, t, T.Broadcast(-3.903193809f));
        h = T.MultiplyAdd(h, t, T.Broadcast(1.893144849f));
        h = T.MultiplyAdd(h, t, T.Broadcast(-0.8091788933f));
        h = T.MultiplyAdd(h, t, T.Broadcast(0.2533106124f));
        h = T.MultiplyAdd(h, t, T.Broadcast(0.3496182734f));
        h = T.MultiplyAdd(h, t, T.Broadcast(1.002175676f));
        h = T.MultiplyAdd(h, t, T.Broadcast(-1.265593393f));
        return t * Exp(T.MultiplyAdd(T.Broadcast(0f) - a, a, h));
    }

    /// <summary>The error function: the series form near zero, 1 − erfc(|z|) (sign restored) elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Erf<T>(T z) where T : struct, ILanes<T>
    {
        T a = T.Abs(z);
        T far = T.Broadcast(1f) - Erfc(a);
        far = T.SelectWhereLess(z, T.Broadcast(0f), T.Broadcast(0f) - far, far);
        return T.SelectWhereLess(a, T.Broadcast(1f), ErfNearZero(z), far);
    }

    /// <summary>
    /// Φ(x) = P(N(0,1) ≤ x) = ½ · erfc(−x/√2): ½ erfc(|x|/√2) below zero, 1 − ½ erfc(|x|/√2) above. One erfc
    /// path for every x (near zero Φ ≈ ½, so erfc's relative error is Φ's), and the lower tail keeps its
    /// digits: Φ(−8) ≈ 6e−16 instead of the 0 that ½ (1 + erf(x/√2)) = ½ (1 − 1) would give.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T NormalCdf<T>(T x) where T : struct, ILanes<T>
    {
        T halfTail = T.Broadcast(0.5f) * Erfc(T.Abs(x) * T.Broadcast(0.7071067811865476f));
        return T.SelectWhereLess(x, T.Broadcast(0f), halfTail, T.Broadcast(1f) - halfTail);
    }

    /// <summary>Scalar exp with the same polynomial (for per-row values).</summary>
    public static float Exp(float x) => Exp(new Lanes1(x)).Value;

    /// <summary>Scalar erf with the same approximation as the vector lanes.</summary>
    public static float Erf(float x) => Erf(new Lanes1(x)).Value;
}
