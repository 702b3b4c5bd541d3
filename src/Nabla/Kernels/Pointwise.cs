using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// Three-operand in-place updates that optimizers make once per parameter per step (PyTorch's addcmul_ and
/// addcdiv_): one pass over memory instead of a temporary for the product or quotient. TensorPrimitives
/// covers the two-operand updates; these have no equivalent there.
/// </summary>
public static class Pointwise
{
    /// <summary>target[i] += value · a[i] · b[i] (Adam's second moment: v += (1 − β₂) · g · g).</summary>
    public static void AddScaledProduct(Span<float> target, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float value)
    {
        CheckLengths(target.Length, a.Length, b.Length, "AddScaledProduct");
        ref float t = ref MemoryMarshal.GetReference(target);
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float br = ref MemoryMarshal.GetReference(b);
        nuint i = 0, n = (nuint)target.Length;
        if (Vector512.IsHardwareAccelerated)
            for (var v = Vector512.Create(value); i + 16 <= n; i += 16)
                (Vector512.LoadUnsafe(ref t, i) + v * Vector512.LoadUnsafe(ref ar, i) * Vector512.LoadUnsafe(ref br, i)).StoreUnsafe(ref t, i);
        if (Vector256.IsHardwareAccelerated)
            for (var v = Vector256.Create(value); i + 8 <= n; i += 8)
                (Vector256.LoadUnsafe(ref t, i) + v * Vector256.LoadUnsafe(ref ar, i) * Vector256.LoadUnsafe(ref br, i)).StoreUnsafe(ref t, i);
        for (; i < n; i++) Unsafe.Add(ref t, i) += value * Unsafe.Add(ref ar, i) * Unsafe.Add(ref br, i);
    }

    /// <summary>target[i] += value · (a[i] / b[i]) (Adam's step: p −= lr · m̂ / (√v̂ + ε)).</summary>
    public static void AddScaledQuotient(Span<float> target, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float value)
    {
        CheckLengths(target.Length, a.Length, b.Length, "AddScaledQuotient");
        ref float t = ref MemoryMarshal.GetReference(target);
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float br = ref MemoryMarshal.GetReference(b);
        nuint i = 0, n = (nuint)target.Length;
        if (Vector512.IsHardwareAccelerated)
            for (var v = Vector512.Create(value); i + 16 <= n; i += 16)
                (Vector512.LoadUnsafe(ref t, i) + v * (Vector512.LoadUnsafe(ref ar, i) / Vector512.LoadUnsafe(ref br, i))).StoreUnsafe(ref t, i);
        if (Vector256.IsHardwareAccelerated)
            for (var v = Vector256.Create(value); i + 8 <= n; i += 8)
                (Vector256.LoadUnsafe(ref t, i) + v * (Vector256.LoadUnsafe(ref ar, i) / Vector256.LoadUnsafe(ref br, i))).StoreUnsafe(ref t, i);
        for (; i < n; i++) Unsafe.Add(ref t, i) += value * (Unsafe.Add(ref ar, i) / Unsafe.Add(ref br, i));
    }

    private static void CheckLengths(int target, int a, int b, string op)
    {
        if (a != target || b != target)
            throw new ArgumentException($"{op}: operand lengths {a} and {b} differ from the target's {target}");
    }
}
