using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>An elementwise function of two floats, written once per vector width (TensorPrimitives' pattern).</summary>
public interface IBinaryOperator
{
    float Invoke(float x, float y);
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);
    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
}

/// <summary>An elementwise function of one float.</summary>
public interface IUnaryOperator
{
    float Invoke(float x);
    Vector256<float> Invoke(Vector256<float> x);
    Vector512<float> Invoke(Vector512<float> x);
}

/// <summary>
/// The one driver for elementwise loops over contiguous spans: Vector512 where the CPU has AVX-512,
/// Vector256 otherwise, then a scalar tail. An operation is a small struct implementing
/// <see cref="IBinaryOperator"/>; the JIT specializes the driver for each struct, so the operator is
/// inlined into the loop. Outputs may alias inputs exactly (same start), never partially.
/// Nothing here allocates.
/// </summary>
public static class Elementwise
{
    /// <summary>y[i] = op(x[i]).</summary>
    public static void Unary<TOp>(ReadOnlySpan<float> x, Span<float> y, TOp op)
        where TOp : struct, IUnaryOperator
    {
        int n = CheckLengths(x.Length, x.Length, y.Length);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        nuint i = 0, count = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16) op.Invoke(Vector512.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= count; i += 8) op.Invoke(Vector256.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
        for (; i < count; i++) Unsafe.Add(ref yr, i) = op.Invoke(Unsafe.Add(ref xr, i));
    }

    /// <summary>z[i] = op(x[i], y[i]).</summary>
    public static void Binary<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, TOp op)
        where TOp : struct, IBinaryOperator
    {
        int n = CheckLengths(x.Length, y.Length, z.Length);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float zr = ref MemoryMarshal.GetReference(z);
        nuint i = 0, count = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16)
                op.Invoke(Vector512.LoadUnsafe(ref xr, i), Vector512.LoadUnsafe(ref yr, i)).StoreUnsafe(ref zr, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= count; i += 8)
                op.Invoke(Vector256.LoadUnsafe(ref xr, i), Vector256.LoadUnsafe(ref yr, i)).StoreUnsafe(ref zr, i);
        for (; i < count; i++)
            Unsafe.Add(ref zr, i) = op.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
    }

    /// <summary>z[i] = op(x[i], y): the second operand broadcast.</summary>
    public static void Binary<TOp>(ReadOnlySpan<float> x, float y, Span<float> z, TOp op)
        where TOp : struct, IBinaryOperator
    {
        int n = CheckLengths(x.Length, x.Length, z.Length);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float zr = ref MemoryMarshal.GetReference(z);
        nuint i = 0, count = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
        {
            var yv = Vector512.Create(y);
            for (; i + 16 <= count; i += 16) op.Invoke(Vector512.LoadUnsafe(ref xr, i), yv).StoreUnsafe(ref zr, i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var yv = Vector256.Create(y);
            for (; i + 8 <= count; i += 8) op.Invoke(Vector256.LoadUnsafe(ref xr, i), yv).StoreUnsafe(ref zr, i);
        }
        for (; i < count; i++) Unsafe.Add(ref zr, i) = op.Invoke(Unsafe.Add(ref xr, i), y);
    }

    /// <summary>z[i] = op(x, y[i]): the first operand broadcast.</summary>
    public static void Binary<TOp>(float x, ReadOnlySpan<float> y, Span<float> z, TOp op)
        where TOp : struct, IBinaryOperator
    {
        int n = CheckLengths(y.Length, y.Length, z.Length);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float zr = ref MemoryMarshal.GetReference(z);
        nuint i = 0, count = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
        {
            var xv = Vector512.Create(x);
            for (; i + 16 <= count; i += 16) op.Invoke(xv, Vector512.LoadUnsafe(ref yr, i)).StoreUnsafe(ref zr, i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var xv = Vector256.Create(x);
            for (; i + 8 <= count; i += 8) op.Invoke(xv, Vector256.LoadUnsafe(ref yr, i)).StoreUnsafe(ref zr, i);
        }
        for (; i < count; i++) Unsafe.Add(ref zr, i) = op.Invoke(x, Unsafe.Add(ref yr, i));
    }

    /// <summary>z[i] += op(x[i], y[i]): the form of backward rules, which add into gradients.</summary>
    public static void BinaryAccumulate<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, TOp op)
        where TOp : struct, IBinaryOperator
    {
        int n = CheckLengths(x.Length, y.Length, z.Length);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float zr = ref MemoryMarshal.GetReference(z);
        nuint i = 0, count = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16)
                (Vector512.LoadUnsafe(ref zr, i) + op.Invoke(Vector512.LoadUnsafe(ref xr, i), Vector512.LoadUnsafe(ref yr, i))).StoreUnsafe(ref zr, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= count; i += 8)
                (Vector256.LoadUnsafe(ref zr, i) + op.Invoke(Vector256.LoadUnsafe(ref xr, i), Vector256.LoadUnsafe(ref yr, i))).StoreUnsafe(ref zr, i);
        for (; i < count; i++)
            Unsafe.Add(ref zr, i) += op.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
    }

    private static int CheckLengths(int x, int y, int z)
    {
        if (x != y || x != z) throw new ArgumentException($"Elementwise: span lengths {x}, {y} and {z} differ");
        return x;
    }
}
