using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Kernels;

/// <summary>
/// Dropout's mask from uniform draws (Srivastava et al. 2014, "inverted" as PyTorch): a draw u in [0, 1) becomes 0
/// where u &lt; p (dropped) and 1/(1 − p) elsewhere (kept and scaled, so the expected value is unchanged). A select,
/// not a branch: which elements drop is random, so a branch would be mispredicted a fraction p of the time.
/// </summary>
public static class DropoutKernel
{
    /// <summary>draws[i] ← draws[i] &lt; p ? 0 : 1/(1 − p), in place; p in [0, 1] (1 drops everything).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MaskInPlace(Span<float> draws, float p)
    {
        if (!(p >= 0f && p <= 1f)) throw new ArgumentException($"DropoutKernel.MaskInPlace: probability must be in [0, 1], got {p}");
        float keep = p == 1f ? 0f : 1f / (1f - p);
        ref float d = ref MemoryMarshal.GetReference(draws);
        int i = 0, n = draws.Length;
        if (Vector.IsHardwareAccelerated)
        {
            var ps = new Vector<float>(p);
            var keeps = new Vector<float>(keep);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> u = Vector.LoadUnsafe(ref d, (nuint)i);
                Vector.ConditionalSelect(Vector.LessThan(u, ps), Vector<float>.Zero, keeps).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref d, i) < p ? 0f : keep;
    }
}
